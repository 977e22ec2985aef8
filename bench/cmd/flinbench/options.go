package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/flin-resp/flin-resp/bench/load"
)

// target is one -target flag: a name for the report and the address to connect to.
type target struct {
	name, addr string
}

// targetList collects repeated -target name=addr flags.
type targetList []target

func (l *targetList) String() string {
	parts := make([]string, len(*l))
	for i, t := range *l {
		parts[i] = t.name + "=" + t.addr
	}
	return strings.Join(parts, " ")
}

func (l *targetList) Set(v string) error {
	name, addr, ok := strings.Cut(v, "=")
	if !ok {
		name, addr = v, v
	}
	name, addr = strings.TrimSpace(name), strings.TrimSpace(addr)
	if name == "" || addr == "" {
		return fmt.Errorf("want name=host:port, got %q", v)
	}
	for _, t := range *l {
		if t.name == name {
			return fmt.Errorf("target name %q given twice", name)
		}
	}
	*l = append(*l, target{name, addr})
	return nil
}

// parseInts parses a comma-separated list of positive integers, such as "1,4,16,50,256".
func parseInts(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", s)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list %q", list)
	}
	return out, nil
}

// options is everything the flags set.
type options struct {
	targets   targetList
	baseline  string
	workloads []load.Workload
	clients   []int
	pipelines []int
	valueSize int
	keys      int
	prefix    string
	batch     int
	duration  time.Duration
	requests  int64
	warmup    time.Duration
	rounds    int
	seed      uint64
	prefill   bool
	timeout   time.Duration
	jsonPath  string
	csvPath   string
	svgPath   string
	quiet     bool
	// from is a JSON report to render instead of running a benchmark.
	from string
}

const usageHead = `flinbench runs the same workloads against several RESP servers (flin-resp, Redis, ...) in one run
and compares them: median ops/s over rounds, latency percentiles and the ratio to a baseline target.

Usage:
  flinbench -target flin=127.0.0.1:6380 -target redis=127.0.0.1:6379 -baseline redis [flags]

Rounds alternate the targets (the order rotates each round), so noise on the machine hits all of
them alike. Each client is one connection that writes -pipeline commands, then reads their replies
(a closed loop, as redis-benchmark). A command's latency runs from writing its batch to reading its
reply.

Workloads:
`

func parseOptions(args []string, out io.Writer) (options, error) {
	var o options
	var workloads, clients, pipelines string
	fs := flag.NewFlagSet("flinbench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usageHead)
		for _, w := range load.Workloads() {
			fmt.Fprintf(out, "  %-8s %s\n", w.Name, w.Desc)
		}
		fmt.Fprint(out, "\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.Var(&o.targets, "target", "`name=host:port` of a server to benchmark; repeat for each target")
	fs.StringVar(&o.baseline, "baseline", "", "target `name` that ratios are relative to (default: the first target)")
	fs.StringVar(&workloads, "workloads", "set,get,mixed", "comma-separated `list` of workloads (see above)")
	fs.StringVar(&clients, "clients", "50", "comma-separated `list` of client counts (connections) to sweep, e.g. 1,4,16,50,256")
	fs.StringVar(&pipelines, "pipeline", "1", "comma-separated `list` of pipeline depths to sweep, e.g. 1,16")
	fs.IntVar(&o.valueSize, "value", 1024, "value size in `bytes`")
	fs.IntVar(&o.keys, "keys", 100000, "key space: keys are chosen uniformly among this many")
	fs.StringVar(&o.prefix, "key-prefix", "key:", "key name `prefix`; keys are prefix + 12 digits")
	fs.IntVar(&o.batch, "batch", 10, "keys per MSET/MGET command")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per round and target")
	fs.Int64Var(&o.requests, "requests", 0, "measure this many commands per round and target instead of a duration")
	fs.DurationVar(&o.warmup, "warmup", 0, "unmeasured load before each measured run")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds per workload, client count and pipeline depth; ops/s is their median")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the key sequence and value contents (same for every target)")
	fs.BoolVar(&o.prefill, "prefill", true, "before read workloads, write every key once so reads hit")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "fail when a target sends no reply for this long")
	fs.StringVar(&o.jsonPath, "json", "", "write the full report as JSON to `file`")
	fs.StringVar(&o.csvPath, "csv", "", "write one line per row as CSV to `file`")
	fs.StringVar(&o.svgPath, "svg", "", "draw ops/s per row and target as an SVG bar chart to `file`")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	fs.StringVar(&o.from, "from", "", "run nothing: read a report from a JSON `file` written by -json and print/write it again")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage // the flag package has printed the error and the usage
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.from != "" {
		if len(o.targets) > 0 {
			return o, errors.New("-from renders a saved report; it takes no -target")
		}
		return o, nil
	}
	if len(o.targets) == 0 {
		return o, errors.New("no -target given (e.g. -target redis=127.0.0.1:6379)")
	}
	if o.baseline == "" {
		o.baseline = o.targets[0].name
	}
	found := false
	for _, t := range o.targets {
		found = found || t.name == o.baseline
	}
	if !found {
		return o, fmt.Errorf("-baseline %q is not a target name", o.baseline)
	}
	var err error
	if o.workloads, err = load.ParseWorkloads(workloads); err != nil {
		return o, fmt.Errorf("-workloads: %w", err)
	}
	if o.clients, err = parseInts(clients); err != nil {
		return o, fmt.Errorf("-clients: %w", err)
	}
	if o.pipelines, err = parseInts(pipelines); err != nil {
		return o, fmt.Errorf("-pipeline: %w", err)
	}
	switch {
	case o.valueSize < 0:
		return o, errors.New("-value must not be negative")
	case o.keys < 1:
		return o, errors.New("-keys must be at least 1")
	case o.batch < 1:
		return o, errors.New("-batch must be at least 1")
	case o.rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	case o.requests < 0:
		return o, errors.New("-requests must not be negative")
	case o.requests == 0 && o.duration <= 0:
		return o, errors.New("-duration must be positive (or give -requests)")
	case o.warmup < 0:
		return o, errors.New("-warmup must not be negative")
	}
	return o, nil
}

// shellQuote quotes args for a shell where they need it, to record the command line.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=.,:/@%+", r))
		}) < 0 {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
