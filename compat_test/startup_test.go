package compat_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// newTestClient returns a go-redis client that never retries a command itself, so a reply (or
// error) describes exactly one attempt. It is closed at test cleanup.
func newTestClient(t testing.TB, addr string, poolSize int) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:            addr,
		MaxRetries:      -1,
		DialTimeout:     2 * time.Second,
		ReadTimeout:     15 * time.Second, // a write waits up to 10s for a leader after a restart
		WriteTimeout:    5 * time.Second,
		PoolSize:        poolSize,
		DisableIdentity: true,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// raftInfo is INFO raft parsed into its fields.
type raftInfo map[string]string

func readRaftInfo(t testing.TB, c *redis.Client) raftInfo {
	t.Helper()
	text, err := c.Info(context.Background(), "raft").Result()
	if err != nil {
		t.Fatalf("INFO raft: %v", err)
	}
	info := raftInfo{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			info[k] = v
		}
	}
	return info
}

// num returns a numeric field; a missing or malformed one fails the test.
func (r raftInfo) num(t testing.TB, field string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(r[field], 10, 64)
	if err != nil {
		t.Fatalf("INFO raft field %s = %q: %v", field, r[field], err)
	}
	return n
}

// waitRaftLeader polls INFO raft until the node leads and has applied everything it committed.
func waitRaftLeader(t testing.TB, c *redis.Client) raftInfo {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		info := readRaftInfo(t, c)
		if info["raft_state"] == "leader" && info.num(t, "raft_applied_index") >= info.num(t, "raft_commit_index") {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader with everything applied after 15s: %v", info)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const (
	startupSets  = 1600 // SETs written before the restart, each its own Raft entry
	startupIncrs = 400  // INCRs of one counter written before the restart, each its own Raft entry
)

// writeStartupData writes startupSets keys and startupIncrs increments from several connections,
// one command at a time (no pipelining), so each write is exactly one Raft entry.
func writeStartupData(t *testing.T, c *redis.Client) {
	t.Helper()
	const workers = 8
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < startupSets+startupIncrs; i += workers {
				var err error
				if i < startupSets {
					err = c.Set(ctx, fmt.Sprintf("key:%05d", i), fmt.Sprintf("value:%05d", i), 0).Err()
				} else {
					err = c.Incr(ctx, "counter").Err()
				}
				if err != nil {
					errs <- fmt.Errorf("write %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkStartupData checks every key written by writeStartupData and the counter's value.
func checkStartupData(t *testing.T, c *redis.Client, wantCounter int64) {
	t.Helper()
	ctx := context.Background()
	keys := make([]string, startupSets)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%05d", i)
	}
	vals, err := c.MGet(ctx, keys...).Result()
	if err != nil {
		t.Fatalf("MGET: %v", err)
	}
	for i, v := range vals {
		if want := fmt.Sprintf("value:%05d", i); v != want {
			t.Errorf("%s = %v, want %q", keys[i], v, want)
		}
	}
	if got, err := c.Get(ctx, "counter").Int64(); err != nil || got != wantCounter {
		t.Errorf("counter = %d (%v), want %d", got, err, wantCounter)
	}
	if got, err := c.DBSize(ctx).Result(); err != nil || got != startupSets+1 {
		t.Errorf("DBSIZE = %d (%v), want %d", got, err, startupSets+1)
	}
}

// TestStartupAppliesNoEntryTwice restarts a node holding 2000 applied writes (after a clean stop and
// after a crash, with and without a snapshot) and checks from INFO raft that Raft's replay of its log
// applied none of them again: the first write after the restart is the only entry applied, every
// replayed entry was skipped, and the data is all there.
func TestStartupAppliesNoEntryTwice(t *testing.T) {
	t.Parallel()
	stops := []struct {
		name string
		stop func(*harness.Server)
	}{
		{"SIGTERM", (*harness.Server).Stop},
		{"SIGKILL", (*harness.Server).Kill},
	}
	for _, st := range stops {
		for _, save := range []bool{false, true} {
			name := "after " + st.name + " without a snapshot"
			if save {
				name = "after " + st.name + " with a snapshot taken by SAVE"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testStartupAppliesNoEntryTwice(t, st.stop, save)
			})
		}
	}
}

func testStartupAppliesNoEntryTwice(t *testing.T, stop func(*harness.Server), save bool) {
	ctx := context.Background()
	s := harness.Start(t, "")
	c := newTestClient(t, s.Addr, 16)
	writeStartupData(t, c)
	if save {
		if err := c.Save(ctx).Err(); err != nil {
			t.Fatalf("SAVE: %v", err)
		}
	}
	before := waitRaftLeader(t, c)
	applied := before.num(t, "fsm_applied_index")
	snapIndex := before.num(t, "raft_last_snapshot_index")
	// The counters measure something: every write was one entry applied by this process.
	if got := before.num(t, "fsm_applied_entries"); got != startupSets+startupIncrs {
		t.Fatalf("before restart: fsm_applied_entries = %d, want %d (one per write)", got, startupSets+startupIncrs)
	}
	if applied < startupSets+startupIncrs {
		t.Fatalf("before restart: fsm_applied_index = %d, want >= %d", applied, startupSets+startupIncrs)
	}
	if save && snapIndex != applied {
		t.Fatalf("before restart: raft_last_snapshot_index = %d after SAVE, want fsm_applied_index %d", snapIndex, applied)
	}
	if !save && snapIndex != 0 {
		t.Fatalf("before restart: raft_last_snapshot_index = %d, want 0 (no snapshot taken)", snapIndex)
	}
	c.Close()

	stop(s)
	s.Restart()
	c = newTestClient(t, s.Addr, 4)
	// The one write after the restart: it commits only after Raft has replayed the whole log.
	if got, err := c.Incr(ctx, "counter").Result(); err != nil || got != startupIncrs+1 {
		t.Fatalf("first INCR after restart = %d (%v), want %d: earlier increments were lost or applied twice",
			got, err, startupIncrs+1)
	}
	after := readRaftInfo(t, c)
	if got := after.num(t, "fsm_applied_entries"); got != 1 {
		t.Errorf("after restart and one write: fsm_applied_entries = %d, want 1", got)
	}
	skipped := after.num(t, "fsm_skipped_entries")
	// Raft replays every entry after its last snapshot; the FSM must have skipped them all. Without a
	// snapshot that is the whole log: the writes plus the bootstrap configuration entry.
	if !save && skipped < startupSets+startupIncrs {
		t.Errorf("after restart: fsm_skipped_entries = %d, want >= %d (the log was not replayed?)", skipped, startupSets+startupIncrs)
	}
	if limit := applied - snapIndex; skipped > limit {
		t.Errorf("after restart: fsm_skipped_entries = %d, more than the %d entries after the snapshot", skipped, limit)
	}
	// The new index is the old one plus the new leader's no-op entry and the write.
	if got := after.num(t, "fsm_applied_index"); got <= applied || got > applied+2 {
		t.Errorf("after restart: fsm_applied_index = %d, want in (%d, %d]", got, applied, applied+2)
	}
	if got := after.num(t, "raft_last_snapshot_index"); got != snapIndex {
		t.Errorf("after restart: raft_last_snapshot_index = %d, want %d", got, snapIndex)
	}
	if strings.Contains(s.Log(), "restored snapshot") {
		t.Errorf("start-up restored a snapshot although the engine was up to date:\n%s", s.Log())
	}
	checkStartupData(t, c, startupIncrs+1)
	t.Logf("before restart: applied_index=%d applied_entries=%s snapshot_index=%d; after: applied_index=%s applied_entries=%s skipped_entries=%d",
		applied, before["fsm_applied_entries"], snapIndex, after["fsm_applied_index"], after["fsm_applied_entries"], skipped)
}

// TestStartupAfterSaveOnIdleRestartRestoresNothing takes a snapshot on a node that has just been
// restarted and has written nothing since (its last entry is the new leader's no-op, which the FSM
// never sees). The snapshot must carry the engine's applied index, and the next starts must not
// take the engine for one that fell behind the snapshot and restore it.
func TestStartupAfterSaveOnIdleRestartRestoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := harness.Start(t, "")
	c := newTestClient(t, s.Addr, 16)
	writeStartupData(t, c)
	c.Close()
	s.Kill()
	s.Restart()
	c = newTestClient(t, s.Addr, 4)
	info := waitRaftLeader(t, c)
	applied := info.num(t, "fsm_applied_index")
	for deadline := time.Now().Add(10 * time.Second); info.num(t, "raft_applied_index") <= applied; {
		// Wait until Raft has applied the new leader's no-op entry (the FSM never sees it).
		if time.Now().After(deadline) {
			t.Fatalf("the leader's no-op entry was not applied after 10s: %v", info)
		}
		time.Sleep(10 * time.Millisecond)
		info = readRaftInfo(t, c)
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	if got := readRaftInfo(t, c).num(t, "raft_last_snapshot_index"); got != applied {
		t.Fatalf("raft_last_snapshot_index = %d after SAVE, want the engine's applied index %d", got, applied)
	}
	c.Close()
	for i := 0; i < 2; i++ {
		s.Kill()
		s.Restart()
		if log := s.Log(); strings.Contains(log, "restoring it") || strings.Contains(log, "restored snapshot") {
			t.Fatalf("start %d restored the snapshot over an engine that was up to date:\n%s", i+1, log)
		}
	}
	c = newTestClient(t, s.Addr, 4)
	if got, err := c.Incr(ctx, "counter").Result(); err != nil || got != startupIncrs+1 {
		t.Fatalf("INCR after restarts = %d (%v), want %d", got, err, startupIncrs+1)
	}
	checkStartupData(t, c, startupIncrs+1)
}

// msetKeys writes keys 0..n-1 from loaders connections of c, each sending pipelines of perPipeline
// MSETs of perMSet keys; kv gives key k and its value. It checks DBSIZE once all are written.
func msetKeys(ctx context.Context, c *redis.Client, n, loaders, perMSet, perPipeline int, kv func(k int) (string, any)) error {
	keysPerPipeline := perMSet * perPipeline
	var wg sync.WaitGroup
	errs := make(chan error, loaders)
	for w := range loaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := make([]any, 0, 2*perMSet)
			for first := w * keysPerPipeline; first < n; first += loaders * keysPerPipeline {
				pipe := c.Pipeline()
				for m := first; m < min(first+keysPerPipeline, n); m += perMSet {
					args = args[:0]
					for k := m; k < min(m+perMSet, n); k++ {
						key, value := kv(k)
						args = append(args, key, value)
					}
					pipe.MSet(ctx, args...)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					errs <- fmt.Errorf("load at key %d: %w", first, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if got, err := c.DBSize(ctx).Result(); err != nil || got != int64(n) {
		return fmt.Errorf("DBSIZE after load = %d (%v), want %d", got, err, n)
	}
	return nil
}
