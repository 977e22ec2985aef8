package compat_test

import (
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP), with the same expectations of Redis and
// flin-resp; the helpers are blocking_test.go's.

// TestBlockingSortedSetPopsMatchRedis runs zsetBlockingCases against one Redis and one flin-resp,
// each case after FLUSHALL with no client blocked.
func TestBlockingSortedSetPopsMatchRedis(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, addr string) {
		ctl := dialRaw(t, addr)
		if v := ctl.do("DEL", "warm-up"); v.isError() {
			t.Fatalf("first write: %s", v)
		}
		for _, tc := range zsetBlockingCases() {
			t.Run(tc.name, func(t *testing.T) {
				waitBlocked(t, ctl, 0)
				flushBoth(t, addr)
				tc.fn(t, addr)
			})
		}
	}
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		run(t, harness.StartRedis(t).Addr)
	})
	t.Run("flin-resp", func(t *testing.T) {
		t.Parallel()
		run(t, harness.Start(t, "").Addr)
	})
}

func zsetBlockingCases() []blockingCase {
	return []blockingCase{
		{"clients blocked on sorted sets are served in order by writes from other connections", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			a := block(t, addr, ctl, 1, "BZPOPMIN", "z", "0")
			b := block(t, addr, ctl, 2, "BZPOPMAX", "other", "z", "0")
			m := block(t, addr, ctl, 3, "BZMPOP", "0", "2", "z", "z2", "MAX", "COUNT", "2")
			if v := ctl.do("ZADD", "z", "1", "a"); v.String() != `:"1"` {
				t.Fatalf("ZADD = %s", v)
			}
			expectReply(t, a, bulks("z", "a", "1"), "BZPOPMIN")
			expectNoReply(t, b, 100*time.Millisecond, "BZPOPMAX after one member")
			ctl.do("ZADD", "z", "2", "b", "3.5", "c", "4", "d")
			expectReply(t, b, bulks("z", "d", "4"), "BZPOPMAX")
			expectReply(t, m, `*2[$"z" *2[*2[$"c" $"3.5"] *2[$"b" $"2"]]]`, "BZMPOP")
			waitBlocked(t, ctl, 0)
			if v := ctl.do("EXISTS", "z"); v.String() != `:"0"` {
				t.Fatalf("EXISTS z after serving = %s", v)
			}
		}},
		{"a blocked sorted set pop takes from the first key with members", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			ctl.do("ZADD", "k3", "1", "c")
			ctl.do("ZADD", "k2", "1", "b", "2", "bb")
			c := dialRaw(t, addr)
			if v := c.do("BZPOPMAX", "k1", "k2", "k3", "0"); v.String() != bulks("k2", "bb", "2") {
				t.Fatalf("BZPOPMAX k1 k2 k3 = %s", v)
			}
			if v := c.do("BZMPOP", "0", "3", "k1", "k2", "k3", "MIN", "COUNT", "10"); v.String() != `*2[$"k2" *1[*2[$"b" $"1"]]]` {
				t.Fatalf("BZMPOP = %s", v)
			}
			w := block(t, addr, ctl, 1, "BZPOPMIN", "k1", "k2", "0")
			ctl.do("ZADD", "k2", "5", "late")
			expectReply(t, w, bulks("k2", "late", "5"), "BZPOPMIN woken by its second key")
		}},
		{"a blocked sorted set pop waits through a key of another type", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			w := block(t, addr, ctl, 1, "BZPOPMIN", "k", "0")
			ctl.do("SET", "k", "x")
			expectNoReply(t, w, 100*time.Millisecond, "BZPOPMIN after SET")
			ctl.do("DEL", "k")
			ctl.do("ZADD", "k", "7", "m")
			expectReply(t, w, bulks("k", "m", "7"), "BZPOPMIN after ZADD")
		}},
		{"a blocking sorted set pop times out with a null array", func(t *testing.T, addr string) {
			for _, proto := range []int{2, 3} {
				c := dialRaw(t, addr)
				want := "*-1"
				if proto == 3 {
					c.do("HELLO", "3")
					want = "_"
				}
				for _, args := range [][]string{
					{"BZPOPMIN", "z", "0.1"}, {"BZPOPMAX", "a", "b", "0.1"}, {"BZMPOP", "0.1", "2", "a", "b", "MIN"},
				} {
					start := time.Now()
					v := c.do(args...)
					if took := time.Since(start); took < 80*time.Millisecond || took > 5*time.Second {
						t.Errorf("%s %q timed out after %v", protoName(proto), args, took)
					}
					if v.String() != want {
						t.Errorf("%s %q = %s, want %s", protoName(proto), args, v, want)
					}
				}
			}
		}},
	}
}
