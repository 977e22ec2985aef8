package compat_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/flin-resp/flin-resp/compat_test/harness"
	"github.com/flin-resp/flin-resp/engine"
)

const (
	budgetValueSize   = 1024
	budgetMSetKeys    = 64 // keys per MSET: 64 KiB
	budgetPipeline    = 8  // MSETs per pipeline
	budgetLoaders     = 4
	budgetGetClients  = 16
	budgetKeyFmt      = "bk:%09d"
	budgetLoadTimeout = 30 * time.Minute
)

// budgetOverhead is the resident memory the budget does not cover (docs/durability.md): the Go
// runtime and its garbage headroom, Raft, connections and the server's own tables. Measured: an
// idle server is ~30 MiB, and the Go heap beyond the budgeted caches stays well under 100 MiB while
// loading (the figures are in bench/results/memory-budget.txt).
const budgetOverhead = 128 << 20

// procMemory is what /proc/<pid>/status says of a process's memory, in bytes.
type procMemory struct{ rss, anon, file, hwm int64 }

func readProcMemory(pid int) (procMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMemory{}, err
	}
	defer f.Close()
	var m procMemory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.rss = kb << 10
		case "RssAnon":
			m.anon = kb << 10
		case "RssFile":
			m.file = kb << 10
		case "VmHWM":
			m.hwm = kb << 10
		}
	}
	return m, sc.Err()
}

func (m procMemory) String() string {
	return fmt.Sprintf("VmRSS %d MiB (anon %d MiB, file %d MiB), peak VmHWM %d MiB", m.rss>>20, m.anon>>20, m.file>>20, m.hwm>>20)
}

// rssSampler records the largest VmRSS (and its split) of a process, sampled every 100 ms.
type rssSampler struct {
	mu   sync.Mutex
	max  procMemory
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readProcMemory(pid); err == nil {
				s.mu.Lock()
				if m.rss > s.max.rss {
					s.max = m
				}
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Max stops sampling and returns the sample with the largest VmRSS.
func (s *rssSampler) Max() procMemory {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// budgetValue is key i's value: budgetValueSize bytes that do not compress.
func budgetValue(i int) []byte {
	v := make([]byte, budgetValueSize)
	r := rand.New(rand.NewPCG(uint64(i), 0x9e3779b97f4a7c15))
	for j := 0; j < len(v); j += 8 {
		x := r.Uint64()
		for k := 0; k < 8 && j+k < len(v); k++ {
			v[j+k] = 'a' + byte(x>>(8*k))%26
		}
	}
	return v
}

// TestMemoryBudgetBoundsResidentMemory loads a data set of four times the memory budget (1 KiB
// values that do not compress) into a server started with --memory-budget, then reads random keys
// for a while. The server's VmRSS must stay within the budget plus budgetOverhead throughout; it
// reports the peak, the split (anonymous, file-backed), and GET latency percentiles at that size.
//
// Opt-in (a 256mb budget loads 1 GiB, minutes on a shared machine):
//
//	FLIN_BUDGET_TEST=256mb go test ./compat_test -run TestMemoryBudgetBoundsResidentMemory -v -timeout 60m
//
// FLIN_BUDGET_GET_SECONDS sets the read phase (default 20). FLIN_BUDGET_OFF=1 runs the same load
// on a server without --memory-budget, for comparison (nothing is checked then).
func TestMemoryBudgetBoundsResidentMemory(t *testing.T) {
	budgetText := os.Getenv("FLIN_BUDGET_TEST")
	if budgetText == "" {
		t.Skip("opt-in: FLIN_BUDGET_TEST=256mb (loads four times the budget)")
	}
	budget, err := engine.ParseMemory(budgetText)
	if err != nil {
		t.Fatal(err)
	}
	getFor := 20 * time.Second
	if v := os.Getenv("FLIN_BUDGET_GET_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("FLIN_BUDGET_GET_SECONDS=%q: %v", v, err)
		}
		getFor = time.Duration(n) * time.Second
	}
	keys := int(4 * budget / budgetValueSize)
	args := []string{"--memory-budget", budgetText}
	off := os.Getenv("FLIN_BUDGET_OFF") != ""
	if off {
		args = nil
	}
	s := harness.Start(t, "", args...)
	idle, err := readProcMemory(s.Pid())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("budget %d MiB (server started with it: %v); idle server: %v", budget>>20, !off, idle)

	sampler := sampleRSS(s.Pid())
	start := time.Now()
	loadBudgetKeys(t, s.Addr, keys)
	loadTime := time.Since(start)
	loadPeak := sampler.Max()
	after, _ := readProcMemory(s.Pid())
	t.Logf("loaded %d keys (%d MiB of values) in %v (%.0f keys/s); peak while loading: %v; after: %v",
		keys, int64(keys)*budgetValueSize>>20, loadTime.Round(time.Second), float64(keys)/loadTime.Seconds(), loadPeak, after)

	sampler = sampleRSS(s.Pid())
	hist, ops, errs := readRandomBudgetKeys(t, s.Addr, keys, getFor)
	getPeak := sampler.Max()
	t.Logf("GET over %d random keys, %d clients, %v: %d ops (%.0f/s), %d errors; latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; peak while reading: %v",
		keys, budgetGetClients, getFor, ops, float64(ops)/getFor.Seconds(), errs,
		ms(hist.ValueAtQuantile(50)), ms(hist.ValueAtQuantile(99)), ms(hist.ValueAtQuantile(99.9)), ms(hist.Max()), getPeak)
	if errs > 0 {
		t.Errorf("%d GETs failed or returned a wrong value", errs)
	}
	limit := budget + budgetOverhead
	if off {
		return
	}
	for phase, m := range map[string]procMemory{"loading": loadPeak, "reading": getPeak} {
		if m.rss > limit {
			t.Errorf("VmRSS while %s reached %d MiB, above the budget plus overhead (%d MiB)", phase, m.rss>>20, limit>>20)
		}
	}
}

func ms(us int64) float64 { return float64(us) / 1000 }

// loadBudgetKeys writes keys 0..n-1 with pipelined MSETs from several connections.
func loadBudgetKeys(t *testing.T, addr string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budgetLoadTimeout)
	defer cancel()
	c := newTestClient(t, addr, budgetLoaders)
	defer c.Close()
	kv := func(k int) (string, any) { return fmt.Sprintf(budgetKeyFmt, k), budgetValue(k) }
	if err := msetKeys(ctx, c, n, budgetLoaders, budgetMSetKeys, budgetPipeline, kv); err != nil {
		t.Fatal(err)
	}
}

// readRandomBudgetKeys GETs uniformly random keys of 0..n-1 from budgetGetClients connections for
// d, checking every value, and returns the latency histogram (µs), the GETs done and the failures.
func readRandomBudgetKeys(t *testing.T, addr string, n int, d time.Duration) (*hdrhistogram.Histogram, int64, int64) {
	t.Helper()
	c := newTestClient(t, addr, budgetGetClients)
	defer c.Close()
	ctx := context.Background()
	var mu sync.Mutex
	total := hdrhistogram.New(1, 60_000_000, 3)
	var ops, errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < budgetGetClients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hdrhistogram.New(1, 60_000_000, 3)
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; i < 100_000_000 && time.Now().Before(deadline); i++ {
				k := r.IntN(n)
				t0 := time.Now()
				v, err := c.Get(ctx, fmt.Sprintf(budgetKeyFmt, k)).Bytes()
				h.RecordValue(time.Since(t0).Microseconds())
				ops.Add(1)
				if err != nil || string(v) != string(budgetValue(k)) {
					errs.Add(1)
				}
			}
			mu.Lock()
			total.Merge(h)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, ops.Load(), errs.Load()
}
