package compat_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// keyspaceState renders every key of the current database with its type, contents and TTL, and
// DBSIZE: what a write that failed must leave as it found it.
func keyspaceState(t *testing.T, c *redis.Client) string {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	n, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{fmt.Sprintf("DBSIZE %d", n)}
	for _, k := range keys {
		typ := c.Type(ctx, k).Val()
		var v any
		switch typ {
		case "string":
			v, err = c.Get(ctx, k).Result()
		case "hash":
			v, err = c.HGetAll(ctx, k).Result()
		case "set":
			var ms []string
			ms, err = c.SMembers(ctx, k).Result()
			slices.Sort(ms)
			v = ms
		case "zset":
			// By score, not by rank: a range by rank stops at ZCARD members and would not show
			// a member written without the count.
			v, err = c.ZRangeByScoreWithScores(ctx, k, &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
			v = fmt.Sprintf("%v card=%d", v, c.ZCard(ctx, k).Val())
		case "list":
			v, err = c.LRange(ctx, k, 0, -1).Result()
		}
		if err != nil {
			t.Fatalf("reading %s %q: %v", typ, k, err)
		}
		ttl := "none"
		if c.TTL(ctx, k).Val() > 0 {
			ttl = "set" // not its value: it counts down between two looks
		}
		out = append(out, fmt.Sprintf("%s %s %v ttl=%s", k, typ, v, ttl))
	}
	return strings.Join(out, "\n")
}

// TestAWriteWithAKeyOrMemberTooLongChangesNothing: a key or collection member longer than the
// engine stores (64989 bytes) fails the whole command with the error a too-long key gets, wherever
// it comes among the arguments: the members before it are not written, a source is not changed
// for a destination that cannot be stored. (Redis itself takes these; the error is ours.)
func TestAWriteWithAKeyOrMemberTooLongChangesNothing(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "")
	c := newTestClient(t, s.Addr, 1)
	ctx := context.Background()
	huge := strings.Repeat("k", 70000)
	zlong := strings.Repeat("z", 64985) // too long only for the score index of a sorted set
	wantErr := c.Set(ctx, huge, "v", 0).Err()
	if wantErr == nil || !strings.Contains(wantErr.Error(), "too large") {
		t.Fatalf("SET with a 70000-byte key: %v, want a too-large error", wantErr)
	}
	setup := []any{
		[]any{"HSET", "h", "f0", "v0"},
		[]any{"SADD", "s", "m0", "m1"},
		[]any{"ZADD", "z", 1, "a", 2, "b"},
		[]any{"RPUSH", "l", "a", "b", "c"},
		[]any{"SET", "k1", "old"},
		[]any{"SET", "n", "7"},
		[]any{"EXPIRE", "h", 1000},
	}
	for _, tc := range []struct {
		name string
		cmd  []any
	}{
		{"HSET with a long field after a short one", []any{"HSET", "h", "f1", "v1", huge, "v2"}},
		{"HMSET with a long field after a short one", []any{"HMSET", "h", "f1", "v1", huge, "v2"}},
		{"HSET of a new hash with a long field last", []any{"HSET", "newh", "f1", "v1", huge, "v2"}},
		{"HSET with a long key", []any{"HSET", huge, "f1", "v1"}},
		{"HSETNX with a long field", []any{"HSETNX", "h", huge, "v1"}},
		{"HINCRBY with a long key", []any{"HINCRBY", huge, "f", 1}},
		{"SADD with a long member after a short one", []any{"SADD", "s", "a", huge}},
		{"SADD with a long key", []any{"SADD", huge, "a", "b"}},
		{"ZADD with a long member after a short one", []any{"ZADD", "z", 3, "c", 4, huge}},
		{"ZADD with a member too long for the score index", []any{"ZADD", "z", 3, "c", 4, zlong}},
		{"ZADD with a long key", []any{"ZADD", huge, 1, "a"}},
		{"ZINCRBY with a long member", []any{"ZINCRBY", "z", 1, huge}},
		{"MSET with a long key after short ones", []any{"MSET", "k1", "new", "k2", "v2", huge, "v3"}},
		{"MSETNX with a long key after a short one", []any{"MSETNX", "k2", "v2", huge, "v3"}},
		{"RPUSH to a long key", []any{"RPUSH", huge, "a", "b"}},
		{"SMOVE to a long key", []any{"SMOVE", "s", huge, "m0"}},
		{"SUNIONSTORE to a long key", []any{"SUNIONSTORE", huge, "s"}},
		{"SINTERSTORE to a long key", []any{"SINTERSTORE", huge, "s"}},
		{"SDIFFSTORE to a long key", []any{"SDIFFSTORE", huge, "s"}},
		{"ZUNIONSTORE to a long key", []any{"ZUNIONSTORE", huge, 2, "z", "s"}},
		{"ZINTERSTORE to a long key", []any{"ZINTERSTORE", huge, 1, "z"}},
		{"ZDIFFSTORE to a long key", []any{"ZDIFFSTORE", huge, 1, "z"}},
		{"ZRANGESTORE to a long key", []any{"ZRANGESTORE", huge, "z", 0, -1}},
		{"LMOVE to a long key", []any{"LMOVE", "l", huge, "LEFT", "RIGHT"}},
		{"RPOPLPUSH to a long key", []any{"RPOPLPUSH", "l", huge}},
		{"RENAME to a long key", []any{"RENAME", "h", huge}},
		{"RENAMENX to a long key", []any{"RENAMENX", "s", huge}},
		{"COPY of a hash to a long key", []any{"COPY", "h", huge}},
		{"COPY of a list to a long key", []any{"COPY", "l", huge}},
		{"BITOP to a long key", []any{"BITOP", "OR", huge, "n"}},
		{"INCR of a long key", []any{"INCR", huge}},
		{"APPEND to a long key", []any{"APPEND", huge, "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range setup {
				if err := c.Do(ctx, cmd.([]any)...).Err(); err != nil {
					t.Fatalf("%v: %v", cmd.([]any)[0], err)
				}
			}
			before := keyspaceState(t, c)
			err := c.Do(ctx, tc.cmd...).Err()
			if err == nil || err.Error() != wantErr.Error() {
				t.Errorf("error %v, want %v", err, wantErr)
			}
			if after := keyspaceState(t, c); after != before {
				t.Errorf("the failed command changed the keyspace:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	t.Run("list elements are values: a long one is stored", func(t *testing.T) {
		if err := c.RPush(ctx, "biglist", "a", huge).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := c.LIndex(ctx, "biglist", 1).Result(); err != nil || v != huge {
			t.Errorf("LINDEX biglist 1: %d bytes (%v), want %d", len(v), err, len(huge))
		}
	})
}

// TestACommandTooLongInsideExecFailsAloneAndWhole: inside MULTI/EXEC (one Raft entry, one engine
// transaction) a command with a key or member too long answers its error and leaves nothing of
// itself; the other commands of the transaction apply, as Redis's EXEC runs them all.
func TestACommandTooLongInsideExecFailsAloneAndWhole(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "")
	c := newTestClient(t, s.Addr, 1)
	ctx := context.Background()
	huge := strings.Repeat("k", 70000)
	wantErr := c.Set(ctx, huge, "v", 0).Err()
	if err := c.RPush(ctx, "l", "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.SAdd(ctx, "src", "m").Err(); err != nil {
		t.Fatal(err)
	}
	cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, "h", "a", "1")
		p.HSet(ctx, "h", "b", "2", huge, "3")
		p.SAdd(ctx, "s", "x")
		p.SAdd(ctx, "s", "y", huge)
		p.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "m"})
		p.ZAdd(ctx, "z", redis.Z{Score: 2, Member: "n"}, redis.Z{Score: 3, Member: huge})
		p.MSet(ctx, "k1", "v1", huge, "v2")
		p.LMove(ctx, "l", huge, "LEFT", "RIGHT")
		p.SMove(ctx, "src", huge, "m")
		p.Incr(ctx, "ctr")
		return nil
	})
	if err == nil {
		t.Fatal("EXEC: no error, want the failed commands' errors")
	}
	fails := []bool{false, true, false, true, false, true, true, true, true, false}
	if len(cmds) != len(fails) {
		t.Fatalf("%d replies, want %d", len(cmds), len(fails))
	}
	for i, cmd := range cmds {
		switch err := cmd.Err(); {
		case fails[i] && (err == nil || err.Error() != wantErr.Error()):
			t.Errorf("command %d (%s): %v, want %v", i, cmd.Name(), err, wantErr)
		case !fails[i] && err != nil:
			t.Errorf("command %d (%s): %v", i, cmd.Name(), err)
		}
	}
	want := strings.Join([]string{
		"DBSIZE 6",
		"ctr string 1 ttl=none",
		"h hash map[a:1] ttl=none",
		"l list [a b c] ttl=none",
		"s set [x] ttl=none",
		"src set [m] ttl=none",
		"z zset [{1 m}] card=1 ttl=none",
	}, "\n")
	if got := keyspaceState(t, c); got != want {
		t.Errorf("after EXEC:\n%s\nwant:\n%s", got, want)
	}
}

// TestAValueTooLargeForTheInMemoryEngineChangesNothing: with --durability memory the engine takes
// values of at most about 1 MB; a command with a larger one among others writes none of them.
func TestAValueTooLargeForTheInMemoryEngineChangesNothing(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "", "--durability", "memory")
	c := newTestClient(t, s.Addr, 1)
	ctx := context.Background()
	big := strings.Repeat("v", 1100<<10)
	wantErr := c.Set(ctx, "big", big, 0).Err()
	if wantErr == nil || !strings.Contains(wantErr.Error(), "too large") {
		t.Fatalf("SET of a 1.1 MB value: %v, want a too-large error", wantErr)
	}
	for _, tc := range []struct {
		name string
		cmd  []any
	}{
		{"HSET with a large value after a small one", []any{"HSET", "h", "f1", "v1", "f2", big}},
		{"RPUSH with a large value after a small one", []any{"RPUSH", "l", "x", big}},
		{"LINSERT of a large value", []any{"LINSERT", "l", "BEFORE", "b", big}},
		{"MSET with a large value after a small one", []any{"MSET", "k1", "new", "k2", big}},
		{"SET of a large value over a hash", []any{"SET", "h", big}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			c.HSet(ctx, "h", "f0", "v0")
			c.RPush(ctx, "l", "a", "b", "c", "d")
			c.Set(ctx, "k1", "old", 0)
			before := keyspaceState(t, c)
			err := c.Do(ctx, tc.cmd...).Err()
			if err == nil || err.Error() != wantErr.Error() {
				t.Errorf("error %v, want %v", err, wantErr)
			}
			if after := keyspaceState(t, c); after != before {
				t.Errorf("the failed command changed the keyspace:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
