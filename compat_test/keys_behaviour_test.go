package compat_test

import (
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

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// globAlphabet is what fuzzed keys and patterns are made of: the glob's special bytes, letters in
// both cases, a NUL and bytes above 0x7f (which C compares as negative chars in ranges).
var globAlphabet = []byte("aAbBzZ09*?[]^-\\\x00\x7f\x80\xff")

func randomGlobString(rnd *rand.Rand, maxLen int) string {
	b := make([]byte, rnd.IntN(maxLen+1))
	for i := range b {
		b[i] = globAlphabet[rnd.IntN(len(globAlphabet))]
	}
	return string(b)
}

// TestGlobPatternsMatchRedis fills both servers with the same random keys and requires the same
// KEYS answer (as a set) for thousands of random patterns, and the same SCAN MATCH answer for
// some. FLIN_GLOB_SEED=n replays the run of seed n (a run logs its seed).
func TestGlobPatternsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("FLIN_GLOB_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
	keys := map[string]bool{"": true}
	for len(keys) < 300 {
		keys[randomGlobString(rnd, 6)] = true
	}
	args := []string{"MSET"}
	for k := range keys {
		args = append(args, k, "v")
	}
	for _, c := range []*rawClient{rc, fc} {
		c.do("FLUSHALL")
		if v := c.do(args...); v.String() != `+"OK"` {
			t.Fatalf("MSET: %s", v)
		}
	}
	patterns := 4000
	if testing.Short() {
		patterns = 500
	}
	failures := 0
	for i := range patterns {
		pat := randomGlobString(rnd, 8)
		if i%3 == 0 { // more stars: fewer patterns that cannot match anything
			pat = strings.NewReplacer("z", "*", "Z", "*").Replace(pat)
		}
		var r, f respValue
		if i%10 == 0 {
			scan := []string{"SCAN", "0", "MATCH", pat, "COUNT", "7"}
			r, f = scanAll(rc.do, scan), scanAll(fc.do, scan)
		} else {
			r, f = sortedElems(rc.do("KEYS", pat)), sortedElems(fc.do("KEYS", pat))
		}
		if r.String() != f.String() {
			failures++
			t.Errorf("pattern %q:\n redis:     %s\n flin-resp: %s", pat, r, f)
			if failures >= 10 {
				t.Fatalf("stopping after %d differences (seed %d)", failures, seed)
			}
		}
	}
}

// TestScanReturnsEveryKeyPresentThroughout iterates SCAN to the end while other clients create and
// delete keys before, among and after the ones that stay, and requires every key that stayed to be
// returned, for several COUNTs.
func TestScanReturnsEveryKeyPresentThroughout(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := newGoRedis(t, fl.Addr, 3, func(o *redis.Options) { o.PoolSize = 8 })
	const stable = 3000
	pipe := c.Pipeline()
	for i := range stable {
		pipe.Set(ctx, fmt.Sprintf("stable:%05d", i), "v", 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var churned atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 2))
			for !stop.Load() {
				prefix := []string{"a", "stable:0", "stable:01", "z"}[rnd.IntN(4)]
				k := fmt.Sprintf("%s%05dx", prefix, rnd.IntN(5000))
				var err error
				if rnd.IntN(2) == 0 {
					err = c.Set(ctx, k, "c", 0).Err()
				} else {
					err = c.Del(ctx, k).Err()
				}
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("churn: %v", err)
					}
					return
				}
				churned.Add(1)
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for _, count := range []int64{1, 7, 10, 100, 1000} {
		seen := map[string]bool{}
		cursor := uint64(0)
		for calls := 0; ; calls++ {
			if calls > 100000 {
				t.Fatalf("COUNT %d: SCAN did not end", count)
			}
			keys, next, err := c.Scan(ctx, cursor, "", count).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				seen[k] = true
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		missing := 0
		for i := range stable {
			if !seen[fmt.Sprintf("stable:%05d", i)] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("COUNT %d: %d of %d keys present throughout were not returned", count, missing, stable)
		}
	}
	stop.Store(true)
	wg.Wait()
	if churned.Load() == 0 {
		t.Error("no concurrent writes happened")
	}
}

// TestExpiredKeysAreRemovedInTheBackground sets keys that expire at once and waits until DBSIZE and
// INFO keyspace forget them, on both servers, with no client touching them.
func TestExpiredKeysAreRemovedInTheBackground(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	ctx := ctxTimeout(t)
	for _, addr := range []string{rd.Addr, fl.Addr} {
		c := newGoRedis(t, addr, 2)
		c3 := newGoRedis(t, addr, 2, func(o *redis.Options) { o.DB = 3 })
		pipe := c.Pipeline()
		for i := range 2000 {
			pipe.Set(ctx, fmt.Sprintf("short:%d", i), "v", 50*time.Millisecond)
		}
		pipe.Set(ctx, "kept", "v", 0)
		pipe.Set(ctx, "later", "v", time.Hour)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		pipe = c3.Pipeline()
		for i := range 300 {
			pipe.Set(ctx, fmt.Sprintf("short3:%d", i), "v", 30*time.Millisecond)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			n0, err := c.DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			n3, err := c3.DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if n0 == 2 && n3 == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: DBSIZE still %d and %d after 30s", addr, n0, n3)
			}
			time.Sleep(20 * time.Millisecond)
		}
		info, err := c.Info(ctx, "keyspace").Result()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info, "db0:keys=2,expires=1,") || strings.Contains(info, "db3:") {
			t.Errorf("%s: INFO keyspace after expiry:\n%s", addr, info)
		}
	}
}

// TestSwapDBSurvivesRestart swaps two databases, writes to both, kills flin-resp and checks both
// the swap and the writes after it once it is back.
func TestSwapDBSurvivesRestart(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	ctx := ctxTimeout(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c0 := newGoRedis(t, fl.Addr, 3)
	c1 := newGoRedis(t, fl.Addr, 3, func(o *redis.Options) { o.DB = 1 })
	must(c0.Set(ctx, "a", "in0", 0).Err())
	must(c1.Set(ctx, "b", "in1", 0).Err())
	must(c0.Do(ctx, "SWAPDB", 0, 1).Err())
	must(c0.Set(ctx, "after", "0", 0).Err())
	must(c1.Set(ctx, "after", "1", 0).Err())
	fl.Restart()
	c0 = newGoRedis(t, fl.Addr, 3)
	c1 = newGoRedis(t, fl.Addr, 3, func(o *redis.Options) { o.DB = 1 })
	for _, tc := range []struct {
		c         *redis.Client
		key, want string
	}{{c0, "b", "in1"}, {c0, "after", "0"}, {c1, "a", "in0"}, {c1, "after", "1"}} {
		got, err := tc.c.Get(ctx, tc.key).Result()
		if err != nil || got != tc.want {
			t.Errorf("db %d: GET %s = %q, %v; want %q", tc.c.Options().DB, tc.key, got, err, tc.want)
		}
	}
	for db, c := range []*redis.Client{c0, c1} {
		if n, err := c.DBSize(ctx).Result(); err != nil || n != 2 {
			t.Errorf("db %d: DBSIZE = %d, %v; want 2", db, n, err)
		}
	}
}
