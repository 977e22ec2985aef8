package engine

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// rawContents is every key and value the engine has stored, Badger's own keys aside: what a write
// that failed must leave as it found it, down to element keys no meta key names any more and the
// version counter.
func rawContents(t testing.TB, d *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := d.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if bytes.HasPrefix(item.Key(), []byte("!badger!")) {
				continue
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(item.KeyCopy(nil))] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffContents describes how after differs from before, briefly (keys can be 70 KB long).
func diffContents(before, after map[string]string) string {
	short := func(s string) string {
		if len(s) > 40 {
			return fmt.Sprintf("%q...(%d bytes)", s[:40], len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	var out []string
	for k, v := range after {
		if old, ok := before[k]; !ok {
			out = append(out, "added "+short(k))
		} else if old != v {
			out = append(out, "changed "+short(k))
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, "removed "+short(k))
		}
	}
	return strings.Join(out, "; ")
}

// TestAWriteThatCannotBeStoredChangesNothing: an operation with a key or member longer than Badger
// takes (or, in memory, a value larger than it takes) fails before it writes anything, whatever
// its position among the operation's arguments. The FSM commits the transaction with the other
// commands of the entry (MULTI/EXEC, pipelines), so anything the failed operation wrote before its
// error would be kept: members of HSET/SADD/ZADD/MSET before the long one, a source changed by
// SMOVE/LMOVE/RENAME, a destination deleted by a *STORE, elements left under a version no key
// names, a hash whose elements are dropped while its key stays.
func TestAWriteThatCannotBeStoredChangesNothing(t *testing.T) {
	t.Parallel()
	huge := []byte(strings.Repeat("x", 70000))
	// Longest member a sorted set takes: its score-index element holds 8 bytes of score too.
	zlong := []byte(strings.Repeat("z", maxUserKeyLen-7))
	big := []byte(strings.Repeat("v", 1<<20)) // over the in-memory engine's value limit
	b := func(s string) []byte { return []byte(s) }
	type writeCase struct {
		name       string
		setup      func(tx *Tx) error // in database db
		op         func(tx *Tx) error
		want       error
		memoryOnly bool // the value limit of an in-memory engine
	}
	hash := func(tx *Tx) error { _, err := tx.HSet(0, b("h"), byteArgs("f0", "v0")); return err }
	set := func(tx *Tx) error { _, err := tx.SAdd(0, b("s"), byteArgs("m0", "m1")); return err }
	zset := func(tx *Tx) error {
		_, err := tx.ZAdd(0, b("z"), []ZMember{{b("a"), 1}, {b("b"), 2}}, 0)
		return err
	}
	list := func(tx *Tx) error {
		_, err := tx.ListPush(0, b("l"), false, false, byteArgs("a", "b", "c", "d", "e"))
		return err
	}
	str := func(tx *Tx) error { _, err := tx.Set(0, b("k"), b("v"), SetOptions{}); return err }
	all := func(fns ...func(tx *Tx) error) func(tx *Tx) error {
		return func(tx *Tx) error {
			for _, fn := range fns {
				if err := fn(tx); err != nil {
					return err
				}
			}
			return nil
		}
	}
	none := func(*Tx) error { return nil }
	cases := []writeCase{
		{"SET with a long key", none, func(tx *Tx) error {
			_, err := tx.Set(0, huge, b("v"), SetOptions{})
			return err
		}, ErrKeyTooLarge, false},
		{"MSET with a long key after a short one", str, func(tx *Tx) error {
			return tx.MSet(0, [][]byte{b("k"), b("new"), b("k2"), b("v2"), huge, b("v3")})
		}, ErrKeyTooLarge, false},
		{"MSETNX with a long key after a short one", none, func(tx *Tx) error {
			_, err := tx.MSetNX(0, [][]byte{b("k1"), b("v1"), huge, b("v2")})
			return err
		}, ErrKeyTooLarge, false},
		{"HSET with a long field after a short one", hash, func(tx *Tx) error {
			_, err := tx.HSet(0, b("h"), [][]byte{b("f1"), b("v1"), huge, b("v2")})
			return err
		}, ErrKeyTooLarge, false},
		{"HSET of a new hash with a long field last", none, func(tx *Tx) error {
			_, err := tx.HSet(0, b("h"), [][]byte{b("f1"), b("v1"), b("f2"), b("v2"), huge, b("v3")})
			return err
		}, ErrKeyTooLarge, false},
		{"HSET with a long key", none, func(tx *Tx) error {
			_, err := tx.HSet(0, huge, byteArgs("f", "v"))
			return err
		}, ErrKeyTooLarge, false},
		{"HSETNX with a long key", none, func(tx *Tx) error {
			_, err := tx.HSetNX(0, huge, b("f"), b("v"))
			return err
		}, ErrKeyTooLarge, false},
		{"HINCRBY with a long key", none, func(tx *Tx) error {
			_, err := tx.HIncrBy(0, huge, b("f"), 1)
			return err
		}, ErrKeyTooLarge, false},
		{"SADD with a long member after a short one", set, func(tx *Tx) error {
			_, err := tx.SAdd(0, b("s"), [][]byte{b("a"), huge})
			return err
		}, ErrKeyTooLarge, false},
		{"SADD with a long key", none, func(tx *Tx) error {
			_, err := tx.SAdd(0, huge, byteArgs("a", "b"))
			return err
		}, ErrKeyTooLarge, false},
		{"SMOVE to a long key", set, func(tx *Tx) error {
			_, err := tx.SMove(0, b("s"), huge, b("m0"))
			return err
		}, ErrKeyTooLarge, false},
		{"SUNIONSTORE to a long key", set, func(tx *Tx) error {
			_, err := tx.SetAlgebraStore(0, SetUnion, huge, [][]byte{b("s")})
			return err
		}, ErrKeyTooLarge, false},
		{"ZADD with a long member after a short one", zset, func(tx *Tx) error {
			_, err := tx.ZAdd(0, b("z"), []ZMember{{b("c"), 3}, {huge, 4}}, 0)
			return err
		}, ErrKeyTooLarge, false},
		{"ZADD with a member too long only for the score index", zset, func(tx *Tx) error {
			_, err := tx.ZAdd(0, b("z"), []ZMember{{zlong, 4}}, 0)
			return err
		}, ErrKeyTooLarge, false},
		{"ZADD with a long key", none, func(tx *Tx) error {
			_, err := tx.ZAdd(0, huge, []ZMember{{b("a"), 1}}, 0)
			return err
		}, ErrKeyTooLarge, false},
		{"ZSTORE over a sorted set with a long member", zset, func(tx *Tx) error {
			_, err := tx.ZStore(0, b("z"), []ZMember{{b("c"), 3}, {huge, 4}})
			return err
		}, ErrKeyTooLarge, false},
		{"ZSTORE to a long key", zset, func(tx *Tx) error {
			_, err := tx.ZStore(0, huge, []ZMember{{b("c"), 3}})
			return err
		}, ErrKeyTooLarge, false},
		{"RPUSH to a long key", none, func(tx *Tx) error {
			_, err := tx.ListPush(0, huge, false, false, byteArgs("a", "b"))
			return err
		}, ErrKeyTooLarge, false},
		{"LMOVE to a long key", list, func(tx *Tx) error {
			_, _, err := tx.ListMove(0, b("l"), huge, true, false)
			return err
		}, ErrKeyTooLarge, false},
		{"RENAME to a long key", hash, func(tx *Tx) error {
			_, err := tx.Rename(0, b("h"), huge, false)
			return err
		}, ErrKeyTooLarge, false},
		{"COPY of a hash to a long key", hash, func(tx *Tx) error {
			_, err := tx.Copy(0, b("h"), 0, huge, false)
			return err
		}, ErrKeyTooLarge, false},
		{"BITOP to a long key", str, func(tx *Tx) error {
			_, err := tx.BitOp(0, BitOr, huge, [][]byte{b("k")})
			return err
		}, ErrKeyTooLarge, false},

		{"MSET with a large value after a small one", str, func(tx *Tx) error {
			return tx.MSet(0, [][]byte{b("k"), b("new"), b("k2"), big})
		}, ErrValueTooLarge, true},
		{"HSET with a large value after a small one", hash, func(tx *Tx) error {
			_, err := tx.HSet(0, b("h"), [][]byte{b("f1"), b("v1"), b("f2"), big})
			return err
		}, ErrValueTooLarge, true},
		{"RPUSH with a large value after a small one", list, func(tx *Tx) error {
			_, err := tx.ListPush(0, b("l"), false, false, [][]byte{b("f"), big})
			return err
		}, ErrValueTooLarge, true},
		{"LINSERT of a large value that moves elements", list, func(tx *Tx) error {
			_, err := tx.ListInsert(0, b("l"), false, b("b"), big)
			return err
		}, ErrValueTooLarge, true},
		{"LSET of a large value", list, func(tx *Tx) error { return tx.ListSet(0, b("l"), 1, big) }, ErrValueTooLarge, true},
		{"SET of a large value over a hash", hash, func(tx *Tx) error {
			_, err := tx.Set(0, b("h"), big, SetOptions{})
			return err
		}, ErrValueTooLarge, true},
		{"APPEND making an expired hash's key a large string", all(hash, func(tx *Tx) error {
			_, err := tx.Expire(0, b("h"), tx.Now()+1, 0)
			return err
		}), func(tx *Tx) error {
			tx.SetNow(tx.Now() + 2)
			_, err := tx.Append(0, b("h"), big, 512<<20)
			return err
		}, ErrValueTooLarge, true},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		memory := d.opts.InMemory
		for _, tc := range cases {
			if tc.memoryOnly && !memory {
				continue
			}
			if err := d.FlushAll(0); err != nil {
				t.Fatal(err)
			}
			mustUpdate(t, d, t0, tc.setup)
			before := rawContents(t, d)
			tx := d.Begin(t0, true)
			err := tc.op(tx)
			// The FSM commits the rest of the entry with the failed command's writes, if any.
			if cerr := tx.Commit(); cerr != nil {
				t.Fatalf("%s: commit: %v", tc.name, cerr)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
			}
			if diff := diffContents(before, rawContents(t, d)); diff != "" {
				t.Errorf("%s: the failed write changed the engine: %s", tc.name, diff)
			}
		}
	})
}

// TestWritesUpToTheLimitsSucceed: the checks refuse only what cannot be stored.
func TestWritesUpToTheLimitsSucceed(t *testing.T) {
	t.Parallel()
	longest := []byte(strings.Repeat("k", maxUserKeyLen))
	zlongest := []byte(strings.Repeat("z", maxUserKeyLen-8))
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustUpdate(t, d, t0, func(tx *Tx) error {
			if err := tx.MSet(0, [][]byte{longest, []byte("v"), []byte("k"), []byte("v")}); err != nil {
				return fmt.Errorf("MSET: %w", err)
			}
			if _, err := tx.HSet(0, []byte("h"), [][]byte{longest, []byte("v")}); err != nil {
				return fmt.Errorf("HSET: %w", err)
			}
			if _, err := tx.SAdd(0, longest[1:], [][]byte{longest}); err != nil {
				return fmt.Errorf("SADD: %w", err)
			}
			if _, err := tx.ZAdd(0, []byte("z"), []ZMember{{zlongest, 1}}, 0); err != nil {
				return fmt.Errorf("ZADD: %w", err)
			}
			return nil
		})
		if n := d.DBSize(0); n != 5 {
			t.Errorf("DBSize = %d, want 5", n)
		}
	})
}
