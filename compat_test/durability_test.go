package compat_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
	"github.com/flin-resp/flin-resp/engine"
)

// writeKeys sets prefix:0..n-1 to their index, in pipelines of 100.
func writeKeys(t *testing.T, c *redis.Client, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	for first := 0; first < n; first += 100 {
		pipe := c.Pipeline()
		for i := first; i < min(first+100, n); i++ {
			pipe.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), i, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("write %s: %v", prefix, err)
		}
	}
}

// missingKeys returns how many of prefix:0..n-1 are absent or hold another value.
func missingKeys(t *testing.T, c *redis.Client, prefix string, n int) int {
	t.Helper()
	ctx := context.Background()
	missing := 0
	for first := 0; first < n; first += 500 {
		keys := make([]string, 0, 500)
		for i := first; i < min(first+500, n); i++ {
			keys = append(keys, fmt.Sprintf("%s:%d", prefix, i))
		}
		vals, err := c.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatalf("MGET: %v", err)
		}
		for j, v := range vals {
			if v != fmt.Sprint(first+j) {
				missing++
			}
		}
	}
	return missing
}

func configGet(t *testing.T, c *redis.Client, name string) string {
	t.Helper()
	m, err := c.ConfigGet(context.Background(), name).Result()
	if err != nil {
		t.Fatalf("CONFIG GET %s: %v", name, err)
	}
	return m[name]
}

// TestDurabilityModesServeAndRestart starts the server in each --durability mode, writes through
// it, and restarts it after SIGTERM and after SIGKILL: fsync and everysec keep every acknowledged
// write, memory keeps nothing and touches no disk.
func TestDurabilityModesServeAndRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode, appendonly, appendfsync string
		keeps                         bool
	}{
		{"fsync", "yes", "always", true},
		{"everysec", "yes", "everysec", true},
		{"memory", "no", "no", false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			s := harness.Start(t, dir, "--durability", tc.mode)
			ctx := context.Background()
			c := newTestClient(t, s.Addr, 4)
			if got := configGet(t, c, "appendonly"); got != tc.appendonly {
				t.Errorf("CONFIG GET appendonly = %q, want %q", got, tc.appendonly)
			}
			if got := configGet(t, c, "appendfsync"); got != tc.appendfsync {
				t.Errorf("CONFIG GET appendfsync = %q, want %q", got, tc.appendfsync)
			}
			writeKeys(t, c, "term", 2000)
			if err := c.IncrBy(ctx, "counter", 7).Err(); err != nil {
				t.Fatal(err)
			}
			c.Close()

			s.Stop()
			s.Restart()
			c = newTestClient(t, s.Addr, 4)
			if tc.keeps {
				if n := missingKeys(t, c, "term", 2000); n != 0 {
					t.Errorf("after SIGTERM: %d of 2000 keys lost", n)
				}
			} else if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
				t.Errorf("memory mode after SIGTERM: DBSIZE = %d (%v), want 0", n, err)
			}
			writeKeys(t, c, "kill", 2000)
			if got, err := c.IncrBy(ctx, "counter", 1).Result(); err != nil || tc.keeps && got != 8 || !tc.keeps && got != 1 {
				t.Errorf("INCRBY counter 1 = %d (%v)", got, err)
			}
			c.Close()

			s.Kill()
			s.Restart()
			c = newTestClient(t, s.Addr, 4)
			if tc.keeps {
				for _, prefix := range []string{"term", "kill"} {
					if n := missingKeys(t, c, prefix, 2000); n != 0 {
						t.Errorf("after SIGKILL: %d of 2000 %s keys lost", n, prefix)
					}
				}
				if got, err := c.Get(ctx, "counter").Result(); err != nil || got != "8" {
					t.Errorf("counter after SIGKILL = %q (%v), want 8", got, err)
				}
			} else {
				if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
					t.Errorf("memory mode after SIGKILL: DBSIZE = %d (%v), want 0", n, err)
				}
				if !strings.Contains(s.Log(), "ALL DATA IS LOST") {
					t.Errorf("memory mode did not warn at start-up:\n%s", s.Log())
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("memory mode created its --dir (%v)", err)
				}
			}
		})
	}
}

// TestEverysecKeepsAcknowledgedWritesAcrossKill9 kills an everysec node with SIGKILL while
// writers are busy, three times: every acknowledged write is there after each restart, since the
// log's bytes were in the operating system before the reply (only a power loss can lose the last
// second).
func TestEverysecKeepsAcknowledgedWritesAcrossKill9(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "", "--durability", "everysec")
	ctx := context.Background()
	var acked sync.Map // key -> value acknowledged
	var total atomic.Int64
	for cycle := 0; cycle < 3; cycle++ {
		c := newTestClient(t, s.Addr, 8)
		if err := c.Set(ctx, "barrier", cycle, 0).Err(); err != nil { // waits for the election
			t.Fatalf("cycle %d: first write: %v", cycle, err)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1_000_000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key, val := fmt.Sprintf("c%d:w%d:%d", cycle, w, i), fmt.Sprint(i)
					if c.Set(ctx, key, val, 0).Err() != nil {
						return // the kill: outcome unknown, not recorded
					}
					acked.Store(key, val)
					total.Add(1)
				}
			}()
		}
		// Let the writers run past a background fsync or two, then kill mid-flight.
		deadline := time.Now().Add(10 * time.Second)
		for total.Load() < int64(2000*(cycle+1)) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		s.Kill()
		close(stop)
		wg.Wait()
		c.Close()
		s.Restart()
	}
	c := newTestClient(t, s.Addr, 4)
	lost := 0
	acked.Range(func(k, v any) bool {
		got, err := c.Get(ctx, k.(string)).Result()
		if err != nil || got != v.(string) {
			lost++
		}
		return true
	})
	t.Logf("%d acknowledged writes over 3 kills", total.Load())
	if lost != 0 {
		t.Errorf("%d of %d acknowledged writes lost after kill -9", lost, total.Load())
	}
}

// TestUncleanStopOnAnotherBootRestoresTheSnapshot simulates the power-loss gap through the real
// binary: after a SIGKILL the engine is damaged as a power loss can damage it (writes gone, the
// applied index kept), and the running marker is given another boot id, as if the machine had
// rebooted. The server must then restore its latest snapshot and replay the log, and hold every
// write. The control run keeps the marker's boot id (a crash of the process only): the server
// trusts the engine, and the damage shows, which proves the restore is what repairs it.
func TestUncleanStopOnAnotherBootRestoresTheSnapshot(t *testing.T) {
	t.Parallel()
	for _, reboot := range []bool{true, false} {
		t.Run(fmt.Sprintf("reboot=%v", reboot), func(t *testing.T) {
			t.Parallel()
			s := harness.Start(t, "")
			ctx := context.Background()
			c := newTestClient(t, s.Addr, 4)
			writeKeys(t, c, "before", 1000)
			if err := c.Save(ctx).Err(); err != nil {
				t.Fatalf("SAVE: %v", err)
			}
			writeKeys(t, c, "after", 1000)
			c.Close()
			s.Kill()

			damageEngineKeys(t, filepath.Join(s.Dir, "engine"), "after", 1000)
			marker := filepath.Join(s.Dir, "raft", "running")
			boot, err := os.ReadFile(marker)
			if err != nil {
				t.Fatalf("no running marker after SIGKILL: %v", err)
			}
			if reboot {
				if err := os.WriteFile(marker, []byte("00000000-0000-0000-0000-000000000000\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s.Restart()
			c = newTestClient(t, s.Addr, 4)
			// A write waits for the leader, hence for the log to be applied.
			if err := c.Set(ctx, "probe", 1, 0).Err(); err != nil {
				t.Fatal(err)
			}
			lostBefore, lostAfter := missingKeys(t, c, "before", 1000), missingKeys(t, c, "after", 1000)
			restored := strings.Contains(s.Log(), "restored the latest snapshot")
			if reboot {
				if !restored || lostBefore != 0 || lostAfter != 0 {
					t.Errorf("after a reboot: restored %v, %d before-keys and %d after-keys lost; want a restore and none lost\n%s",
						restored, lostBefore, lostAfter, s.Log())
				}
			} else if restored || lostAfter != 1000 {
				t.Errorf("after a crash on the same boot (%s): restored %v, %d after-keys lost; want the engine trusted as it is",
					strings.TrimSpace(string(boot)), restored, lostAfter)
			}
		})
	}
}

// damageEngineKeys deletes prefix:0..n-1 from the engine in dir without changing its applied
// index: what a power loss does when an older, unsynced memtable log loses its tail.
func damageEngineKeys(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	db, err := engine.Open(engine.DefaultOptions(dir).WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *engine.Tx) error {
		for i := 0; i < n; i++ {
			if _, err := tx.GetDel(0, []byte(fmt.Sprintf("%s:%d", prefix, i))); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMemoryModeRefusesValuesOverOneMB: an in-memory engine keeps values in its LSM tree, where
// Badger takes at most 1 MB; a larger one is an error reply, and the server goes on.
func TestMemoryModeRefusesValuesOverOneMB(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "", "--durability", "memory")
	c := newTestClient(t, s.Addr, 1)
	ctx := context.Background()
	err := c.Set(ctx, "big", strings.Repeat("x", 2<<20), 0).Err()
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("SET of 2 MiB = %v, want a too-large error", err)
	}
	if err := c.Set(ctx, "half", strings.Repeat("x", 512<<10), 0).Err(); err != nil {
		t.Errorf("SET of 512 KiB: %v", err)
	}
	if err := c.HSet(ctx, "h", "f", strings.Repeat("x", 2<<20)).Err(); err == nil {
		t.Error("HSET of a 2 MiB value succeeded, want an error")
	}
	if n, err := c.StrLen(ctx, "half").Result(); err != nil || n != 512<<10 {
		t.Errorf("STRLEN half = %d (%v)", n, err)
	}
}
