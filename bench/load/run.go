package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/flin-resp/flin-resp/bench/resp"
)

// Latencies are recorded in microseconds, from 1 µs to a minute, to 3 significant digits.
const (
	histLowest  = 1
	histHighest = int64(time.Minute / time.Microsecond)
	histDigits  = 3
)

// NewHistogram returns an empty latency histogram as Run fills it (values in microseconds).
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// Spec describes one measured run.
type Spec struct {
	Workload Workload
	Clients  int // connections, each with one goroutine
	Pipeline int // commands written before the replies are read
	Batch    int // keys per MGET/MSET
	Keys     Keys
	Value    []byte
	// Duration is how long to measure. It is ignored when Requests > 0.
	Duration time.Duration
	// Requests is the number of commands to measure (all clients together); 0 means use Duration.
	Requests int64
	// Warmup is run before measuring and not recorded.
	Warmup time.Duration
	// Seed makes the key sequence reproducible: the same seed gives every target the same keys.
	Seed uint64
	// DialTimeout bounds each connection attempt (default 5s).
	DialTimeout time.Duration
	// StallTimeout fails the run when no reply at all arrives for this long (default 30s).
	StallTimeout time.Duration
}

func (s Spec) validate() error {
	switch {
	case s.Clients < 1:
		return errors.New("clients must be at least 1")
	case s.Pipeline < 1:
		return errors.New("pipeline depth must be at least 1")
	case s.Keys.Count < 1:
		return errors.New("key space must hold at least 1 key")
	case s.Workload.Batched && s.Batch < 1:
		return errors.New("batch must be at least 1")
	case s.Requests <= 0 && s.Duration <= 0:
		return errors.New("need a duration or a request count")
	}
	return nil
}

// Result is what one run measured. Only commands sent after the warm-up count.
type Result struct {
	Ops     int64         // commands answered with a reply that is not an error
	Errors  int64         // commands answered with an error reply
	Lookups int64         // keys read (GET, MGET) or deleted (DEL)
	Hits    int64         // lookups that found their key
	Elapsed time.Duration // from the end of the warm-up until the last reply
	// Latency holds one value per command: microseconds from writing its pipeline batch to
	// reading its reply.
	Latency *hdrhistogram.Histogram
	// FirstError is the text of the first error reply, if any.
	FirstError string
}

// OpsPerSec is the throughput of the run.
func (r Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Progress counts replies while a run goes on; it is safe to read from another goroutine.
type Progress struct{ ops atomic.Int64 }

// Ops returns the number of replies read so far, warm-up included.
func (p *Progress) Ops() int64 { return p.ops.Load() }

// Run measures spec against the RESP server at addr. The connections are opened before the clock
// starts. progress may be nil.
func Run(ctx context.Context, addr string, spec Spec, progress *Progress) (Result, error) {
	if err := spec.validate(); err != nil {
		return Result{}, err
	}
	if progress == nil {
		progress = &Progress{}
	}
	dialTimeout := spec.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	clients := make([]*client, spec.Clients)
	closeAll := func() {
		for _, c := range clients {
			if c != nil {
				c.conn.Close()
			}
		}
	}
	for i := range clients {
		conn, err := resp.Dial(ctx, addr, dialTimeout)
		if err != nil {
			closeAll()
			return Result{}, fmt.Errorf("connection %d of %d to %s: %w", i+1, spec.Clients, addr, err)
		}
		clients[i] = &client{
			conn:     conn,
			gen:      newGenerator(spec.Workload, spec.Keys, spec.Value, spec.Batch, spec.Seed, uint64(i)),
			hist:     NewHistogram(),
			ops:      make([]Op, spec.Pipeline),
			progress: progress,
		}
	}
	defer closeAll()

	start := time.Now()
	sched := &schedule{measureFrom: start.Add(spec.Warmup), requests: spec.Requests}
	if spec.Requests <= 0 {
		sched.end = sched.measureFrom.Add(spec.Duration)
	}

	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		lastEnd  atomic.Int64 // nanoseconds after start when the last client finished
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; closeAll() })
	}
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(ctx, sched, spec.Pipeline); err != nil {
				fail(err)
			}
			end := int64(time.Since(start))
			for {
				cur := lastEnd.Load()
				if end <= cur || lastEnd.CompareAndSwap(cur, end) {
					break
				}
			}
		}()
	}
	stop := watch(ctx, progress, spec.StallTimeout, fail)
	wg.Wait()
	stop()
	if firstErr != nil {
		return Result{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	res := Result{Latency: NewHistogram()}
	for _, c := range clients {
		res.Ops += c.res.Ops
		res.Errors += c.res.Errors
		res.Lookups += c.res.Lookups
		res.Hits += c.res.Hits
		if res.FirstError == "" {
			res.FirstError = c.res.FirstError
		}
		res.Latency.Merge(c.hist)
	}
	res.Elapsed = start.Add(time.Duration(lastEnd.Load())).Sub(sched.measureFrom)
	return res, nil
}

// watch fails the run when ctx is cancelled or no reply arrives for stall. The returned function
// stops it.
func watch(ctx context.Context, progress *Progress, stall time.Duration, fail func(error)) (stop func()) {
	if stall <= 0 {
		stall = 30 * time.Second
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(min(stall/4, 250*time.Millisecond))
		defer tick.Stop()
		last, lastChange := progress.Ops(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				fail(ctx.Err())
				return
			case now := <-tick.C:
				if ops := progress.Ops(); ops != last {
					last, lastChange = ops, now
				} else if now.Sub(lastChange) >= stall {
					fail(fmt.Errorf("no reply for %v", stall))
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// schedule is shared by a run's clients: when measuring starts and when the run ends.
type schedule struct {
	measureFrom time.Time
	end         time.Time    // zero when the run is bounded by requests
	requests    int64        // commands to measure in all, when end is zero
	claimed     atomic.Int64 // commands claimed so far
}

// claim reserves up to n measured commands and returns how many were granted.
func (s *schedule) claim(n int) int {
	got := s.claimed.Add(int64(n))
	if got <= s.requests {
		return n
	}
	if over := got - s.requests; over < int64(n) {
		return n - int(over)
	}
	return 0
}

// client is one connection and the goroutine driving it.
type client struct {
	conn     *resp.Conn
	gen      *generator
	hist     *hdrhistogram.Histogram
	ops      []Op
	res      Result
	progress *Progress
}

func (c *client) run(ctx context.Context, s *schedule, pipeline int) error {
	for ctx.Err() == nil {
		now := time.Now()
		measuring := !now.Before(s.measureFrom)
		n := pipeline
		if s.end.IsZero() {
			if measuring {
				if n = s.claim(pipeline); n == 0 {
					return nil
				}
			}
		} else if !now.Before(s.end) {
			return nil
		}
		for i := 0; i < n; i++ {
			op, err := c.gen.next(c.conn)
			if err != nil {
				return err
			}
			c.ops[i] = op
		}
		sent := time.Now()
		if err := c.conn.Flush(); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			r, err := c.conn.ReadReply()
			if err != nil {
				return err
			}
			if measuring {
				c.account(c.ops[i], r, time.Since(sent))
			}
		}
		c.progress.ops.Add(int64(n))
	}
	return nil
}

// account records one measured reply. Error replies are counted apart and neither add to the
// throughput nor to the latency histogram.
func (c *client) account(op Op, r resp.Reply, latency time.Duration) {
	if r.IsError() {
		c.res.Errors++
		if c.res.FirstError == "" {
			c.res.FirstError = string(r.Text)
		}
		return
	}
	c.res.Ops++
	if c.hist.RecordValue(latency.Microseconds()) != nil {
		c.hist.RecordValue(histHighest)
	}
	switch op {
	case OpGet:
		c.res.Lookups++
		if !r.Nil {
			c.res.Hits++
		}
	case OpDel:
		c.res.Lookups++
		if r.Kind == resp.Integer && r.Int > 0 {
			c.res.Hits++
		}
	case OpMGet:
		c.res.Lookups += r.Int
		c.res.Hits += r.Int - int64(r.NilElems)
	}
}
