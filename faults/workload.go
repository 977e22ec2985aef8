package faults

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// A Workload is the client load of one fault scenario, on every node at once:
//
//   - writers SET keys that are never written again (so every acknowledged SET can be read back
//     afterwards) and INCR a counter of their own;
//   - checkers run GET, SET, INCR and DEL on a few shared keys and record the history for
//     porcupine.
//
// Every acknowledged write is timestamped with the node that acknowledged it, which gives the
// unavailability window and the writes a node acknowledged while it was cut off.

// WorkloadConfig sizes a workload.
type WorkloadConfig struct {
	Name            string        // key prefix, unique per scenario
	Seed            uint64        // drives the checkers' choices
	WritersPerNode  int           // default 2
	CheckersPerNode int           // default 2
	LinKeys         int           // shared keys of the checkers, default 6
	CheckerPause    time.Duration // pause between a checker's operations, default 1ms
	ProbeEvery      time.Duration // a prober's pause between writes, default 50ms
	ProbeTimeout    time.Duration // a probe write's timeout, default 1s
	OpTimeout       time.Duration // per command, default 3s
	MaxOpsPerClient int           // bound on each client's operations, default 50000
}

func (c *WorkloadConfig) setDefaults() {
	if c.WritersPerNode == 0 {
		c.WritersPerNode = 2
	}
	if c.CheckersPerNode == 0 {
		c.CheckersPerNode = 2
	}
	if c.LinKeys == 0 {
		c.LinKeys = 6
	}
	if c.CheckerPause == 0 {
		c.CheckerPause = time.Millisecond
	}
	if c.ProbeEvery == 0 {
		c.ProbeEvery = 50 * time.Millisecond
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = time.Second
	}
	if c.OpTimeout == 0 {
		c.OpTimeout = 3 * time.Second
	}
	if c.MaxOpsPerClient == 0 {
		c.MaxOpsPerClient = 50000
	}
}

// Ack is an acknowledged write of a unique key.
type Ack struct {
	Key, Value, Node string
	Call, Return     time.Duration // since the workload started
}

// counter tracks one writer's INCR counter.
type counter struct {
	acked, unknown int
	max            int64 // highest value an INCR returned
}

// ackEvent is any acknowledged write: when its reply came, from which node, and whether a prober
// sent it.
type ackEvent struct {
	at    time.Duration
	node  string
	probe bool
}

// Workload is a running load; Stop ends it.
type Workload struct {
	cfg   WorkloadConfig
	c     *Cluster
	hist  *History
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup

	mu          sync.Mutex
	acks        []Ack
	unknownSets int
	notSent     int
	counters    map[string]*counter
	events      []ackEvent
	linKeys     []string
}

// StartWorkload starts the clients on every node of c.
func StartWorkload(c *Cluster, cfg WorkloadConfig) *Workload {
	cfg.setDefaults()
	h := NewHistory()
	w := &Workload{cfg: cfg, c: c, hist: h, start: h.start, stop: make(chan struct{}), counters: map[string]*counter{}}
	for i := range cfg.LinKeys {
		w.linKeys = append(w.linKeys, fmt.Sprintf("%s:lin:%d", cfg.Name, i))
	}
	id := 0
	for _, node := range c.Nodes {
		for range cfg.WritersPerNode {
			w.wg.Add(1)
			go w.writer(node, id)
			id++
		}
		for range cfg.CheckersPerNode {
			w.wg.Add(1)
			go w.checker(node, id)
			id++
		}
		w.wg.Add(1)
		go w.prober(node, id)
		id++
	}
	return w
}

// Since is the time since the workload started, the clock of its records.
func (w *Workload) Since() time.Duration { return time.Since(w.start) }

// Stop ends every client and waits for them.
func (w *Workload) Stop() {
	close(w.stop)
	w.wg.Wait()
}

func (w *Workload) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// pause waits d or until the workload stops.
func (w *Workload) pause(d time.Duration) {
	select {
	case <-w.stop:
	case <-time.After(d):
	}
}

func (w *Workload) client(node string) *Client {
	return NewClient(func() string { return w.c.Addr(node) }, w.cfg.OpTimeout)
}

// writer SETs unique keys and INCRs its counter (one op in four).
func (w *Workload) writer(node string, id int) {
	defer w.wg.Done()
	cl := w.client(node)
	defer cl.Close()
	ctr := fmt.Sprintf("%s:ctr:%d", w.cfg.Name, id)
	w.mu.Lock()
	w.counters[ctr] = &counter{}
	w.mu.Unlock()
	for i := 0; i < w.cfg.MaxOpsPerClient && !w.stopped(); i++ {
		call := w.Since()
		if i%4 == 3 {
			r, err := cl.Do("INCR", ctr)
			ret := w.Since()
			w.mu.Lock()
			switch {
			case errors.Is(err, ErrNotSent):
				w.notSent++
			case err != nil || r.Kind != ':':
				w.counters[ctr].unknown++
			default:
				c := w.counters[ctr]
				c.acked++
				c.max = max(c.max, r.Int)
				w.events = append(w.events, ackEvent{at: ret, node: node})
			}
			w.mu.Unlock()
			w.backoff(r, err)
			continue
		}
		key, value := fmt.Sprintf("%s:w%d:%d", w.cfg.Name, id, i), strconv.FormatUint(rand.Uint64(), 36)
		r, err := cl.Do("SET", key, value)
		ret := w.Since()
		w.mu.Lock()
		switch {
		case errors.Is(err, ErrNotSent):
			w.notSent++
		case err != nil || r.Kind != '+' || r.Str != "OK":
			w.unknownSets++
		default:
			w.acks = append(w.acks, Ack{Key: key, Value: value, Node: node, Call: call, Return: ret})
			w.events = append(w.events, ackEvent{at: ret, node: node})
		}
		w.mu.Unlock()
		w.backoff(r, err)
	}
}

// prober measures availability as a new client sees it: every ProbeEvery, one SET of a unique key
// on a new connection with a short timeout. Writers and checkers keep their connection and a
// longer timeout, so a request stuck at a vanished leader holds them up; the probers show when a
// new write would have succeeded.
func (w *Workload) prober(node string, id int) {
	defer w.wg.Done()
	for i := 0; i < w.cfg.MaxOpsPerClient && !w.stopped(); i++ {
		cl := NewClient(func() string { return w.c.Addr(node) }, w.cfg.ProbeTimeout)
		key, value := fmt.Sprintf("%s:probe%d:%d", w.cfg.Name, id, i), strconv.Itoa(i)
		call := w.Since()
		r, err := cl.Do("SET", key, value)
		ret := w.Since()
		cl.Close()
		w.mu.Lock()
		switch {
		case errors.Is(err, ErrNotSent):
			w.notSent++
		case err != nil || r.Kind != '+' || r.Str != "OK":
			w.unknownSets++
		default:
			w.acks = append(w.acks, Ack{Key: key, Value: value, Node: node, Call: call, Return: ret})
			w.events = append(w.events, ackEvent{at: ret, node: node, probe: true})
		}
		w.mu.Unlock()
		w.pause(w.cfg.ProbeEvery)
	}
}

// backoff slows a client down after a failure, so a node that is down is not hammered.
func (w *Workload) backoff(r Reply, err error) {
	if err != nil || r.Kind == '-' {
		w.pause(50 * time.Millisecond)
	}
}

// checker runs random operations on the shared keys and records them in the history.
func (w *Workload) checker(node string, id int) {
	defer w.wg.Done()
	cl := w.client(node)
	defer cl.Close()
	rng := rand.New(rand.NewPCG(w.cfg.Seed, uint64(id)))
	for i := 0; i < w.cfg.MaxOpsPerClient && !w.stopped(); i++ {
		key := w.linKeys[rng.IntN(len(w.linKeys))]
		var in KVInput
		switch p := rng.IntN(100); {
		case p < 40:
			in = KVInput{Op: OpGet, Key: key}
		case p < 65:
			// Integers, so that INCR applies to them.
			in = KVInput{Op: OpSet, Key: key, Value: strconv.Itoa(id*1_000_000 + i)}
		case p < 90:
			in = KVInput{Op: OpIncr, Key: key}
		default:
			in = KVInput{Op: OpDel, Key: key}
		}
		args := []string{in.Op.String(), key}
		if in.Op == OpSet {
			args = append(args, in.Value)
		}
		call := w.hist.Now()
		r, err := cl.Do(args...)
		ret := w.hist.Now()
		out, record, acked := checkerOutput(in, r, err)
		if record {
			w.hist.Add(id, in, call, out, ret)
		}
		if acked {
			w.mu.Lock()
			w.events = append(w.events, ackEvent{at: time.Duration(ret), node: node})
			w.mu.Unlock()
		}
		w.backoff(r, err)
		w.pause(w.cfg.CheckerPause)
	}
}

// checkerOutput turns a reply into the history's output: whether to record the operation at all
// (a failed read observed nothing; a write that was never sent did nothing) and whether it is an
// acknowledged write.
func checkerOutput(in KVInput, r Reply, err error) (out KVOutput, record, acked bool) {
	if errors.Is(err, ErrNotSent) {
		return KVOutput{}, false, false
	}
	failed := err != nil || r.Kind == '-'
	if in.Op == OpGet {
		if failed || (r.Kind != '$') {
			return KVOutput{}, false, false
		}
		return KVOutput{Exists: !r.Nil, Value: r.Str}, true, false
	}
	if in.Op == OpIncr && err == nil && r.Kind == '-' && isIncrError(r.Str) {
		return KVOutput{Err: r.Str}, true, false
	}
	if failed {
		return KVOutput{Unknown: true}, true, false
	}
	switch in.Op {
	case OpSet:
		if r.Kind == '+' && r.Str == "OK" {
			return KVOutput{}, true, true
		}
	case OpIncr, OpDel:
		if r.Kind == ':' {
			return KVOutput{Int: r.Int}, true, true
		}
	}
	return KVOutput{Unknown: true}, true, false
}

// isIncrError reports whether an INCR error reply is INCR's own answer (the value is not an
// integer, or would overflow), which is a definite outcome, rather than a failure to commit.
func isIncrError(s string) bool {
	return s == "ERR value is not an integer or out of range" || s == "ERR increment or decrement would overflow"
}

// Stats are a workload's counts.
type Stats struct {
	AckedSets, UnknownSets, NotSent int
	AckedIncrs, UnknownIncrs        int
	CheckerOps                      int
}

// Stats returns the counts so far.
func (w *Workload) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Stats{AckedSets: len(w.acks), UnknownSets: w.unknownSets, NotSent: w.notSent, CheckerOps: w.hist.Len()}
	for _, c := range w.counters {
		s.AckedIncrs += c.acked
		s.UnknownIncrs += c.unknown
	}
	return s
}

// AcksSince returns the number of writes acknowledged after t by any node but except.
func (w *Workload) AcksSince(t time.Duration, except string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if e.at > t && e.node != except {
			n++
		}
	}
	return n
}

// Unavailability is the longest time without an acknowledged write from any node but except,
// among the stretches that overlap [from, to]: from the last acknowledgement at or before a moment
// to the next one (or to "to", when none came after). With probes, only the probers' writes count:
// when a new client could write. Without, only the writers' and checkers', which keep their
// connection: how long clients with a request in flight were held up.
func (w *Workload) Unavailability(from, to time.Duration, except string, probes bool) time.Duration {
	w.mu.Lock()
	var ts []time.Duration
	for _, e := range w.events {
		if e.node != except && e.probe == probes {
			ts = append(ts, e.at)
		}
	}
	w.mu.Unlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	prev, longest := from, time.Duration(0)
	for _, t := range ts {
		if t <= from {
			prev = t
			continue
		}
		if prev >= to {
			return longest
		}
		longest = max(longest, t-prev)
		prev = t
	}
	if prev < to {
		longest = max(longest, to-prev)
	}
	return longest
}

// LossReport is what reading back the acknowledged writes found.
type LossReport struct {
	Checked     int
	Lost        []Ack // acknowledged SETs whose key is missing or holds another value
	CounterErrs []string
}

// VerifyAcked reads back, through node, every acknowledged SET and every counter, and reports the
// writes that were lost. Reads are batched (MGET of 200 keys).
func (w *Workload) VerifyAcked(node string) (LossReport, error) {
	w.mu.Lock()
	acks := append([]Ack(nil), w.acks...)
	counters := map[string]counter{}
	for k, c := range w.counters {
		counters[k] = *c
	}
	w.mu.Unlock()
	cl := NewClient(func() string { return w.c.Addr(node) }, 30*time.Second)
	defer cl.Close()
	var rep LossReport
	for i := 0; i < len(acks); i += 200 {
		batch := acks[i:min(i+200, len(acks))]
		args := []string{"MGET"}
		for _, a := range batch {
			args = append(args, a.Key)
		}
		r, err := cl.Read(30*time.Second, args...)
		if err != nil {
			return rep, fmt.Errorf("on %s: %w", node, err)
		}
		if len(r.Elems) != len(batch) {
			return rep, fmt.Errorf("MGET of %d keys returned %d values", len(batch), len(r.Elems))
		}
		for j, a := range batch {
			if e := r.Elems[j]; e.Nil || e.Str != a.Value {
				rep.Lost = append(rep.Lost, a)
			}
		}
		rep.Checked += len(batch)
	}
	for key, c := range counters {
		r, err := cl.Read(30*time.Second, "GET", key)
		if err != nil {
			return rep, fmt.Errorf("GET %s on %s: %w", key, node, err)
		}
		v := int64(0)
		if !r.Nil {
			if v, err = strconv.ParseInt(r.Str, 10, 64); err != nil {
				return rep, fmt.Errorf("counter %s holds %q", key, r.Str)
			}
		}
		// Every acknowledged INCR counted, each unknown one at most once, and none went back.
		if v < int64(c.acked) || v > int64(c.acked+c.unknown) || v < c.max {
			rep.CounterErrs = append(rep.CounterErrs, fmt.Sprintf("%s = %d after %d acknowledged and %d unknown INCRs (highest reply %d)",
				key, v, c.acked, c.unknown, c.max))
		}
	}
	return rep, nil
}

// AckedBy returns the SETs node acknowledged that were called between from and to.
func (w *Workload) AckedBy(node string, from, to time.Duration) []Ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Ack
	for _, a := range w.acks {
		if a.Node == node && a.Call >= from && a.Call <= to {
			out = append(out, a)
		}
	}
	return out
}

// CheckLinearizable checks the checkers' history with porcupine within timeout. On a violation
// (or a check that did not finish) it writes the visualization and the seed to the directory
// outDir returns, and returns their paths.
func (w *Workload) CheckLinearizable(timeout time.Duration, outDir func() string) (porcupine.CheckResult, []string, error) {
	ops := w.hist.Operations()
	res, info := porcupine.CheckOperationsVerbose(KVModel(), ops, timeout)
	if res == porcupine.Ok {
		return res, nil, nil
	}
	dir := outDir()
	html := fmt.Sprintf("%s/%s-history.html", dir, w.cfg.Name)
	seed := fmt.Sprintf("%s/%s-seed.txt", dir, w.cfg.Name)
	err := errors.Join(
		porcupine.VisualizePath(KVModel(), info, html),
		writeFile(seed, fmt.Sprintf("workload %s\nseed %d\nresult %s\noperations %d\n", w.cfg.Name, w.cfg.Seed, res, len(ops))),
	)
	return res, []string{html, seed}, err
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
