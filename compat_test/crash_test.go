package compat_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

const (
	crashWriters  = 8
	crashCounters = 4
)

// TestCrashKeepsEveryAcknowledgedWriteAndAppliesNoneTwice runs concurrent writers (SET, INCR,
// pipelines, MSET) against a node, kills it with SIGKILL at a random moment of each cycle (sometimes
// while a SAVE is taking a Raft snapshot, so kills cross the snapshot and log truncation path),
// restarts it and checks the history: every acknowledged SET is there with its value, a SET whose
// outcome is unknown is either there with its value or absent for good, and every counter lies
// between its acknowledged increments and those plus the ones of unknown outcome (one applied twice
// goes above). INCR replies must never repeat: an acknowledged increment that was lost shows up as
// the next increment replying the same number.
//
// The seed is logged; FLIN_CRASH_SEED=n replays a run's schedule (timing still varies).
//
// Not parallel: its kill timing and its time budget (< 90 s) assume it has the machine to itself.
func TestCrashKeepsEveryAcknowledgedWriteAndAppliesNoneTwice(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("FLIN_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FLIN_CRASH_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (rerun with FLIN_CRASH_SEED=%d)", seed, seed)
	cycles := 20
	if testing.Short() {
		cycles = 5
	}
	rnd := rand.New(rand.NewPCG(seed, 0))
	h := newCrashHistory()
	s := harness.Start(t, "")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d; server log since its last start:\n%s", seed, s.Log())
		}
	})
	// Wait for the node to lead, so the first cycle's load is not spent waiting for an election.
	if err := newTestClient(t, s.Addr, 1).Set(context.Background(), "barrier", -1, 0).Err(); err != nil {
		t.Fatalf("first write: %v", err)
	}
	start := time.Now()
	var stats crashStats
	for cycle := 0; cycle < cycles; cycle++ {
		runCrashCycle(t, s, h, rnd, cycle, &stats)
		if t.Failed() {
			t.FailNow()
		}
	}
	c := newTestClient(t, s.Addr, 4)
	info := readRaftInfo(t, c)
	t.Logf("%d cycles in %v: %d SETs acknowledged, %d of unknown outcome (%d of them applied); %d INCRs acknowledged, %d unknown; %d SAVEs (%d cut by the kill); final applied index %s, last snapshot index %s",
		cycles, time.Since(start).Round(time.Millisecond), stats.setsAcked, stats.setsUnknown, stats.unknownApplied,
		stats.incrsAcked, stats.incrsUnknown, stats.saves, stats.savesKilled, info["fsm_applied_index"], info["raft_last_snapshot_index"])
	// The run must have measured something: acknowledged writes, writes cut by kills, and snapshots
	// far enough along the log for Raft to have truncated it (TrailingLogs is 1024).
	if stats.setsAcked == 0 || stats.incrsAcked == 0 {
		t.Errorf("no acknowledged SET or INCR: the test checked nothing")
	}
	if stats.setsUnknown+stats.incrsUnknown == 0 {
		t.Errorf("no write was in flight at any kill: the kills tested nothing")
	}
	if !testing.Short() && info.num(t, "raft_last_snapshot_index") <= 1024 {
		t.Errorf("last snapshot index %s: no snapshot went past the trailing logs, so the log was never truncated", info["raft_last_snapshot_index"])
	}
}

type crashStats struct {
	setsAcked, setsUnknown, unknownApplied int
	incrsAcked, incrsUnknown               int
	saves, savesKilled                     int
}

// crashHistory is what the writers learned: the value each key must have (or may have), and the
// bounds of each counter.
type crashHistory struct {
	mu       sync.Mutex
	present  map[string]string // key -> value it must hold (acknowledged, or seen applied)
	unknown  map[string]string // key -> value of a SET whose outcome is not known yet
	absent   map[string]bool   // keys of SETs with unknown outcome found not applied: must stay absent
	ctrBase  [crashCounters]int64
	ctrAcked [crashCounters]int64 // acknowledged INCRs since ctrBase was read
	ctrUnk   [crashCounters]int64 // INCRs of unknown outcome since ctrBase was read
	replies  [crashCounters]map[int64]bool
	dupes    []string // INCR replies seen twice
	errs     []string // errors seen while the server was not being killed
}

func newCrashHistory() *crashHistory {
	h := &crashHistory{present: map[string]string{}, unknown: map[string]string{}, absent: map[string]bool{}}
	for i := range h.replies {
		h.replies[i] = map[int64]bool{}
	}
	return h
}

func (h *crashHistory) set(key, value string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil:
		h.present[key] = value
	case neverSent(err):
		h.absent[key] = true
	default:
		h.unknown[key] = value
	}
}

func (h *crashHistory) incr(ctr int, reply int64, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if neverSent(err) {
		return
	}
	if err != nil {
		h.ctrUnk[ctr]++
		return
	}
	h.ctrAcked[ctr]++
	if h.replies[ctr][reply] {
		h.dupes = append(h.dupes, fmt.Sprintf("counter %d: INCR replied %d twice", ctr, reply))
	}
	h.replies[ctr][reply] = true
}

// neverSent reports whether err means the command never reached a server: the client could not
// even connect (the server was dead). Any other error leaves the outcome unknown.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func counterKey(i int) string { return fmt.Sprintf("ctr:%d", i) }

// runCrashCycle runs the writers for a random time, kills the server, restarts it and checks.
func runCrashCycle(t *testing.T, s *harness.Server, h *crashHistory, rnd *rand.Rand, cycle int, stats *crashStats) {
	t.Helper()
	ctx := context.Background()
	c := newTestClient(t, s.Addr, crashWriters+2)
	load := time.Duration(100+rnd.IntN(301)) * time.Millisecond
	// 0: no snapshot; 1: a SAVE at a random moment of the load, which completes before the kill (so
	// Raft truncates its log while writes go on); 2: a SAVE started just before the kill, which
	// usually cuts it short. Every fourth cycle takes a complete snapshot, whatever the seed.
	saveMode := rnd.IntN(3)
	if cycle%4 == 3 {
		saveMode = 1
	}
	var killing atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < crashWriters; w++ {
		wr := &crashWriter{h: h, c: c, rnd: rand.New(rand.NewPCG(rnd.Uint64(), uint64(w))), prefix: fmt.Sprintf("c%02d:w%d:", cycle, w), killing: &killing}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr.run(ctx)
		}()
	}
	saved := make(chan error, 1)
	save := func() {
		err := c.Save(ctx).Err()
		if err != nil && !killing.Load() {
			h.mu.Lock()
			h.errs = append(h.errs, fmt.Sprintf("SAVE failed before the kill: %v", err))
			h.mu.Unlock()
		}
		saved <- err
	}
	var saveAt time.Duration
	loadEnd := time.After(load) // the load phase: the kill comes at a random moment of the writers' work
	switch saveMode {
	case 1:
		saveAt = time.Duration(rnd.Int64N(int64(load)))
		time.Sleep(saveAt)
		save()
		<-loadEnd // if the SAVE outlasted the load, the kill comes right after it
	case 2:
		<-loadEnd
		go save()
		saveAt = time.Duration(rnd.IntN(40)) * time.Millisecond
		time.Sleep(saveAt) // let the snapshot get under way, or not
	default:
		<-loadEnd
	}
	killing.Store(true)
	s.Kill()
	wg.Wait()
	c.Close()
	if saveMode != 0 {
		if err := <-saved; err == nil {
			stats.saves++
		} else {
			stats.savesKilled++
		}
	}

	s.Restart()
	// A process crash loses nothing the engine committed, so it is never behind a snapshot; and a
	// snapshot the kill cut short must not stay on disk.
	if strings.Contains(s.Log(), "engine is behind the latest snapshot") {
		t.Errorf("cycle %d: start-up found the engine behind the latest snapshot after a process crash", cycle)
	}
	if tmp, _ := filepath.Glob(filepath.Join(s.Dir, "raft", "snapshots", "*.tmp")); len(tmp) > 0 {
		t.Errorf("cycle %d: unfinished snapshots left on disk after restart: %v", cycle, tmp)
	}
	c = newTestClient(t, s.Addr, 4)
	// A write after the restart commits only after every entry before it has been applied, so what
	// the reads see below is final.
	if err := c.Set(ctx, "barrier", cycle, 0).Err(); err != nil {
		t.Fatalf("cycle %d: first write after restart: %v", cycle, err)
	}
	h.check(t, c, cycle, stats)
	t.Logf("cycle %d: load %v, save mode %d (SAVE offset %v), applied index %s", cycle, load, saveMode, saveAt,
		readRaftInfo(t, c)["fsm_applied_index"])
}

// crashWriter writes until its first error, which is expected only once the server is killed.
type crashWriter struct {
	h       *crashHistory
	c       *redis.Client
	rnd     *rand.Rand
	prefix  string
	seq     int
	killing *atomic.Bool
}

func (w *crashWriter) key() string {
	w.seq++
	return w.prefix + strconv.Itoa(w.seq)
}

func (w *crashWriter) value(key string) string {
	return key + "=" + strconv.FormatUint(w.rnd.Uint64(), 36)
}

func (w *crashWriter) run(ctx context.Context) {
	for {
		var err error
		switch op := w.rnd.IntN(100); {
		case op < 50:
			err = w.set(ctx)
		case op < 75:
			err = w.incr(ctx)
		case op < 90:
			err = w.pipeline(ctx)
		default:
			err = w.mset(ctx)
		}
		if err != nil {
			if !w.killing.Load() {
				w.h.mu.Lock()
				w.h.errs = append(w.h.errs, fmt.Sprintf("%s: error before the kill: %v", w.prefix, err))
				w.h.mu.Unlock()
			}
			return
		}
	}
}

func (w *crashWriter) set(ctx context.Context) error {
	k := w.key()
	v := w.value(k)
	err := w.c.Set(ctx, k, v, 0).Err()
	w.h.set(k, v, err)
	return err
}

func (w *crashWriter) incr(ctx context.Context) error {
	ctr := w.rnd.IntN(crashCounters)
	n, err := w.c.Incr(ctx, counterKey(ctr)).Result()
	w.h.incr(ctr, n, err)
	return err
}

// pipeline sends several SETs and an INCR in one pipeline; the server makes them one Raft entry.
func (w *crashWriter) pipeline(ctx context.Context) error {
	n := 2 + w.rnd.IntN(30)
	ctr := w.rnd.IntN(crashCounters)
	keys, vals := make([]string, n), make([]string, n)
	sets := make([]*redis.StatusCmd, n)
	pipe := w.c.Pipeline()
	for i := range keys {
		keys[i] = w.key()
		vals[i] = w.value(keys[i])
		sets[i] = pipe.Set(ctx, keys[i], vals[i], 0)
	}
	incr := pipe.Incr(ctx, counterKey(ctr))
	_, err := pipe.Exec(ctx)
	for i, cmd := range sets {
		w.h.set(keys[i], vals[i], cmd.Err())
	}
	w.h.incr(ctr, incr.Val(), incr.Err())
	return err
}

func (w *crashWriter) mset(ctx context.Context) error {
	n := 2 + w.rnd.IntN(50)
	keys, vals := make([]string, n), make([]string, n)
	args := make([]any, 0, 2*n)
	for i := range keys {
		keys[i] = w.key()
		vals[i] = w.value(keys[i])
		args = append(args, keys[i], vals[i])
	}
	err := w.c.MSet(ctx, args...).Err()
	for i := range keys {
		w.h.set(keys[i], vals[i], err)
	}
	return err
}

// check compares the restarted server with the history and then makes what it read the new
// baseline: an unknown SET found applied must stay; one found absent must never appear.
func (h *crashHistory) check(t *testing.T, c *redis.Client, cycle int, stats *crashStats) {
	t.Helper()
	ctx := context.Background()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.errs {
		t.Errorf("cycle %d: %s", cycle, e)
	}
	for _, d := range h.dupes {
		t.Errorf("cycle %d: %s", cycle, d)
	}
	h.errs, h.dupes = nil, nil

	got := mgetAll(t, c, slices.Sorted(mapKeys(h.present, h.unknown, h.absent)))
	for k, want := range h.present {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("cycle %d: acknowledged %s = %q (present %v), want %q", cycle, k, v, ok, want)
		}
	}
	for k := range h.absent {
		if v, ok := got[k]; ok {
			t.Errorf("cycle %d: %s = %q reappeared after it was found not applied", cycle, k, v)
		}
	}
	for k, want := range h.unknown {
		v, ok := got[k]
		switch {
		case ok && v != want:
			t.Errorf("cycle %d: %s (unknown outcome) = %q, want %q or absent", cycle, k, v, want)
		case ok:
			h.present[k] = want
			stats.unknownApplied++
		default:
			h.absent[k] = true
		}
		stats.setsUnknown++
	}
	clear(h.unknown)

	wantKeys := int64(len(h.present)) + 1 // + barrier
	for i := range h.ctrBase {
		v, err := c.Get(ctx, counterKey(i)).Int64()
		if err == redis.Nil {
			v, err = 0, nil
		}
		if err != nil {
			t.Fatalf("cycle %d: GET %s: %v", cycle, counterKey(i), err)
		}
		lo, hi := h.ctrBase[i]+h.ctrAcked[i], h.ctrBase[i]+h.ctrAcked[i]+h.ctrUnk[i]
		if v < lo || v > hi {
			t.Errorf("cycle %d: counter %d = %d, want %d..%d (%d before the cycle, %d acknowledged, %d unknown)",
				cycle, i, v, lo, hi, h.ctrBase[i], h.ctrAcked[i], h.ctrUnk[i])
		}
		for r := range h.replies[i] {
			if r > v {
				t.Errorf("cycle %d: counter %d = %d, but an acknowledged INCR replied %d", cycle, i, v, r)
			}
		}
		stats.incrsAcked += int(h.ctrAcked[i])
		stats.incrsUnknown += int(h.ctrUnk[i])
		h.ctrBase[i], h.ctrAcked[i], h.ctrUnk[i] = v, 0, 0
		if v > 0 {
			wantKeys++
		}
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != wantKeys {
		t.Errorf("cycle %d: DBSIZE = %d (%v), want %d", cycle, n, err, wantKeys)
	}
	stats.setsAcked = len(h.present) - stats.unknownApplied
}

func mapKeys[V any, W any, X any](a map[string]V, b map[string]W, c map[string]X) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if !yield(k) {
				return
			}
		}
		for k := range c {
			if !yield(k) {
				return
			}
		}
	}
}

// mgetAll reads keys with pipelined MGETs and returns those that exist.
func mgetAll(t *testing.T, c *redis.Client, keys []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	const chunk = 500
	pipe := c.Pipeline()
	var cmds []*redis.SliceCmd
	for i := 0; i < len(keys); i += chunk {
		cmds = append(cmds, pipe.MGet(ctx, keys[i:min(i+chunk, len(keys))]...))
	}
	if len(cmds) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("MGET: %v", err)
		}
	}
	got := make(map[string]string, len(keys))
	for ci, cmd := range cmds {
		for j, v := range cmd.Val() {
			if s, ok := v.(string); ok {
				got[keys[ci*chunk+j]] = s
			}
		}
	}
	return got
}
