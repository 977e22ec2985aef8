package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flin-resp/flin-resp/bench/load"
	"github.com/flin-resp/flin-resp/bench/report"
)

// errUsage reports bad flags; the message has been printed already.
var errUsage = errors.New("usage error")

// run is the whole command: parse args, benchmark every target, print the table to stdout and
// write the files the flags ask for. Progress goes to stderr, redrawn in place when live.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, live bool) error {
	o, err := parseOptions(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp), errors.Is(err, errUsage):
		return err
	case err != nil:
		fmt.Fprintf(stderr, "flinbench: %v\nRun flinbench -h for the flags.\n", err)
		return errUsage
	}
	var rep *report.Report
	if o.from != "" {
		rep, err = readReport(o.from)
	} else {
		b := &bench{o: o, stderr: stderr, live: live && !o.quiet, filled: map[string]bool{},
			value: load.Value(o.valueSize, o.seed)}
		rep, err = b.run(ctx, append([]string{"flinbench"}, args...))
	}
	if err != nil {
		return err
	}
	if err := report.WriteTable(stdout, rep); err != nil {
		return err
	}
	return writeFiles(rep, o)
}

// bench runs the benchmark matrix.
type bench struct {
	o       options
	stderr  io.Writer
	live    bool
	value   []byte
	filled  map[string]bool // targets whose key space holds every key
	builder report.Builder
	done    int
	total   int
}

func (b *bench) run(ctx context.Context, command []string) (*report.Report, error) {
	o := b.o
	rep := &report.Report{
		Tool:     "flinbench",
		Started:  time.Now().UTC().Truncate(time.Second),
		Machine:  report.DetectMachine(),
		Baseline: o.baseline,
		Config: report.Config{
			Command: shellQuote(command), Clients: o.clients, Pipelines: o.pipelines,
			ValueSize: o.valueSize, Keys: o.keys, KeyPrefix: o.prefix, Batch: o.batch,
			Warmup: o.warmup.String(), Rounds: o.rounds, Seed: o.seed,
		},
	}
	if o.requests > 0 {
		rep.Config.Requests = o.requests
	} else {
		rep.Config.Duration = o.duration.String()
	}
	for _, w := range o.workloads {
		rep.Config.Workloads = append(rep.Config.Workloads, w.Name)
	}
	names := make([]string, len(o.targets))
	for i, t := range o.targets {
		names[i] = t.name
		info, err := load.Describe(ctx, t.addr)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t.name, err)
		}
		rep.Targets = append(rep.Targets, report.Target{Name: t.name, Addr: t.addr, Server: info})
		b.logf("%s at %s: %s\n", t.name, t.addr, info)
	}

	b.total = len(o.workloads) * len(o.clients) * len(o.pipelines) * o.rounds * len(o.targets)
	for wi, w := range o.workloads {
		if w.Prefill == load.PrefillOnce {
			for _, t := range o.targets {
				if err := b.prefill(ctx, t); err != nil {
					return nil, err
				}
			}
		}
		for ci, clients := range o.clients {
			for pi, depth := range o.pipelines {
				key := report.Key{Workload: w.Name, Clients: clients, Pipeline: depth}
				if w.Batched {
					key.Batch = o.batch
				}
				for round := 0; round < o.rounds; round++ {
					// The same seed for every target of a round: they all get the same keys.
					seed := o.seed ^ uint64(round+1)<<40 ^ uint64(wi)<<24 ^ uint64(ci)<<12 ^ uint64(pi)
					for i := range o.targets {
						t := o.targets[(i+round)%len(o.targets)]
						if err := b.measure(ctx, t, w, key, round, seed); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	rep.Rows = b.builder.Rows(names, o.baseline)
	return rep, nil
}

// prefill writes every key on t unless it already holds them all.
func (b *bench) prefill(ctx context.Context, t target) error {
	if !b.o.prefill || b.filled[t.name] {
		return nil
	}
	b.logf("prefilling %d keys of %d B on %s ...", b.o.keys, b.o.valueSize, t.name)
	start := time.Now()
	if err := load.Prefill(ctx, t.addr, load.Keys{Prefix: b.o.prefix, Count: b.o.keys}, b.value); err != nil {
		b.logf("\n")
		return fmt.Errorf("target %s: %w", t.name, err)
	}
	b.logf(" %.1fs\n", time.Since(start).Seconds())
	b.filled[t.name] = true
	return nil
}

// measure runs one round of one workload, client count and pipeline depth on t.
func (b *bench) measure(ctx context.Context, t target, w load.Workload, key report.Key, round int, seed uint64) error {
	o := b.o
	if w.Prefill == load.PrefillEvery {
		if err := b.prefill(ctx, t); err != nil {
			return err
		}
	}
	spec := load.Spec{
		Workload: w, Clients: key.Clients, Pipeline: key.Pipeline, Batch: o.batch,
		Keys: load.Keys{Prefix: o.prefix, Count: o.keys}, Value: b.value,
		Duration: o.duration, Requests: o.requests, Warmup: o.warmup,
		Seed: seed, StallTimeout: o.timeout,
	}
	b.done++
	label := fmt.Sprintf("[%*d/%d] %s round %d/%d %s", len(fmt.Sprint(b.total)), b.done, b.total, key, round+1, o.rounds, t.name)
	var progress load.Progress
	stop := b.showProgress(label, &progress)
	res, err := load.Run(ctx, t.addr, spec, &progress)
	stop()
	if err != nil {
		return fmt.Errorf("target %s, %s: %w", t.name, key, err)
	}
	if !w.Mixed && w.Op == load.OpDel {
		b.filled[t.name] = false // SETs and MSETs keep a full key space full; DELs empty it
	}
	b.builder.Add(key, t.name, res)
	lat := report.Summarize(res.Latency)
	errs := ""
	if res.Errors > 0 {
		errs = fmt.Sprintf("  %d errors", res.Errors)
	}
	b.logf("%s  %s ops/s  p50 %.3f  p99 %.3f  p99.9 %.3f ms%s\n", label, report.Thousands(res.OpsPerSec()),
		lat.P50, lat.P99, lat.P999, errs)
	return nil
}

// showProgress redraws a live line with the run's rate until the returned function is called.
func (b *bench) showProgress(label string, p *load.Progress) (stop func()) {
	if !b.live {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		lastOps, lastAt := int64(0), start
		for {
			select {
			case <-done:
				fmt.Fprint(b.stderr, "\r\033[K")
				return
			case now := <-tick.C:
				ops := p.Ops()
				rate := float64(ops-lastOps) / now.Sub(lastAt).Seconds()
				lastOps, lastAt = ops, now
				fmt.Fprintf(b.stderr, "\r\033[K%s  %.1fs  %s ops/s", label, now.Sub(start).Seconds(), report.Thousands(rate))
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (b *bench) logf(format string, args ...any) {
	if !b.o.quiet {
		fmt.Fprintf(b.stderr, format, args...)
	}
}

// writeFiles writes the JSON, CSV and SVG files the flags name.
func writeFiles(rep *report.Report, o options) error {
	for _, f := range []struct {
		path  string
		write func(io.Writer, *report.Report) error
	}{
		{o.jsonPath, report.WriteJSON},
		{o.csvPath, report.WriteCSV},
		{o.svgPath, report.WriteSVG},
	} {
		if f.path == "" {
			continue
		}
		if err := writeFile(f.path, rep, f.write); err != nil {
			return err
		}
	}
	return nil
}

func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

func writeFile(path string, rep *report.Report, write func(io.Writer, *report.Report) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(file, rep); err != nil {
		file.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return file.Close()
}
