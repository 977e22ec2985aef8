package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// TestMetaCacheChangesNothingVisible applies the same random writes (SET with every option, DEL,
// HSET, EXPIRE, expired-key removal, SWAPDB, FLUSHDB, restore, transactions discarded half-way) to an
// engine without the writer's meta cache and to engines with one (the default size, and one so small
// that it rotates generations all the time), and checks that every reply, the keyspace digest, the
// key counts, the expiry index and the collections waiting to be reclaimed stay the same.
func TestMetaCacheChangesNothingVisible(t *testing.T) {
	t.Parallel()
	sizes := []int64{0, DefaultOptions("").MetaCacheSize, 3 * (metaCacheEntryOverhead + 8)}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock(t0)
			dbs := make([]*DB, len(sizes))
			for i, size := range sizes {
				dbs[i] = openDB(t, b.opts(t).WithDatabases(3).WithMetaCacheSize(size).WithClock(clock.Now))
			}
			rng := rand.New(rand.NewPCG(7, 11))
			now := t0
			var saved []*bytes.Buffer
			for step := range 3000 {
				now += int64(rng.IntN(40))
				clock.Set(now)
				switch r := rng.IntN(100); {
				case r < 2:
					db := rng.IntN(3)
					for _, d := range dbs {
						if err := d.FlushDB(db, 0); err != nil {
							t.Fatal(err)
						}
					}
				case r < 4 && saved == nil: // a snapshot to restore later, going back in time
					saved = make([]*bytes.Buffer, len(dbs))
					for i, d := range dbs {
						saved[i] = new(bytes.Buffer)
						s := d.Snapshot()
						if _, err := s.WriteTo(saved[i]); err != nil {
							t.Fatal(err)
						}
						s.Release()
					}
				case r < 4:
					for i, d := range dbs {
						if err := d.Restore(saved[i]); err != nil {
							t.Fatal(err)
						}
					}
					saved = nil
				default:
					ops := make([]func(tx *Tx) string, 1+rng.IntN(6))
					for i := range ops {
						ops[i] = randomWrite(rng)
					}
					commit := rng.IntN(10) != 0
					var want []string
					for i, d := range dbs {
						tx := d.Begin(now, true)
						var got []string
						for _, op := range ops {
							got = append(got, op(tx))
						}
						if commit {
							if err := tx.Commit(); err != nil {
								t.Fatal(err)
							}
						} else {
							tx.Discard()
						}
						if i == 0 {
							want = got
						} else if fmt.Sprint(got) != fmt.Sprint(want) {
							t.Fatalf("step %d: cache size %d replied %v, without cache %v", step, sizes[i], got, want)
						}
					}
				}
				if step%50 == 0 || step > 2900 {
					compareEngines(t, step, sizes, dbs)
				}
			}
		})
	}
}

// randomWrite returns a random write on a few keys of three databases, which describes its outcome.
func randomWrite(rng *rand.Rand) func(tx *Tx) string {
	db := rng.IntN(3)
	key := []byte(fmt.Sprintf("k%d", rng.IntN(12)))
	val := []byte(fmt.Sprintf("v%d", rng.IntN(1000)))
	ttl := int64(rng.IntN(200)) - 20 // sometimes in the past
	switch rng.IntN(9) {
	case 0, 1, 2:
		o := SetOptions{}
		if rng.IntN(2) == 0 {
			o.ExpireAt = t0 + ttl // relative to t0: many are past by now
		}
		o.KeepTTL = rng.IntN(5) == 0 && o.ExpireAt == 0
		o.NX = rng.IntN(6) == 0
		o.XX = !o.NX && rng.IntN(6) == 0
		o.Get = rng.IntN(5) == 0
		return func(tx *Tx) string {
			if o.ExpireAt != 0 {
				o.ExpireAt = tx.Now() + ttl
			}
			res, err := tx.Set(db, key, val, o)
			return fmt.Sprintf("set %+v %q %v", o, res.Old, errOrRes(res.Written, res.Existed, err))
		}
	case 3, 4:
		return func(tx *Tx) string {
			ok, err := tx.Delete(db, key)
			return fmt.Sprint("del ", errOrRes(ok, false, err))
		}
	case 5:
		return func(tx *Tx) string {
			n, err := tx.HSet(db, key, [][]byte{val, val})
			return fmt.Sprint("hset ", n, err)
		}
	case 6:
		return func(tx *Tx) string {
			ok, err := tx.Expire(db, key, tx.Now()+ttl, 0)
			return fmt.Sprint("expire ", errOrRes(ok, false, err))
		}
	case 7:
		return func(tx *Tx) string {
			type found struct {
				db  int
				key string
				at  int64
			}
			var expired []found
			if _, err := tx.ExpiredKeys(0, 100, func(db int, key []byte, at int64) {
				expired = append(expired, found{db, string(key), at})
			}); err != nil {
				return err.Error()
			}
			out := "expired"
			for _, e := range expired {
				ok, err := tx.DeleteExpired(e.db, []byte(e.key), e.at)
				out += fmt.Sprint(" ", e, errOrRes(ok, false, err))
			}
			return out
		}
	default:
		a, b := rng.IntN(3), rng.IntN(3)
		return func(tx *Tx) string { return fmt.Sprint("swapdb ", tx.SwapDB(a, b)) }
	}
}

func errOrRes(a, b bool, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(a, b)
}

// compareEngines checks that every engine shows what the first one does.
func compareEngines(t *testing.T, step int, sizes []int64, dbs []*DB) {
	t.Helper()
	type state struct {
		digest   KeyspaceDigest
		counts   [3]int64
		expires  [3]int64
		elements int // left after reclaiming every dropped collection
	}
	var want state
	for i, d := range dbs {
		var s state
		var err error
		if s.digest, err = d.Digest(); err != nil {
			t.Fatal(err)
		}
		for db := range 3 {
			s.counts[db] = d.DBSize(db)
			if s.expires[db], err = d.Expires(db); err != nil {
				t.Fatal(err)
			}
		}
		for {
			n, err := d.CollectGarbage(1 << 20)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && d.PendingReclaims() == 0 {
				break
			}
		}
		if err := d.bdb.View(func(txn *badger.Txn) error {
			p := []byte{spaceElement}
			it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				s.elements++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = s
		} else if s != want {
			t.Fatalf("step %d: cache size %d has %+v, without cache %+v", step, sizes[i], s, want)
		}
	}
}

// TestMetaCacheStaysWithinItsBound writes many more keys than the cache holds: it never holds more
// than its bound, and keeps the keys written last.
func TestMetaCacheStaysWithinItsBound(t *testing.T) {
	t.Parallel()
	const bound = 1 << 20
	c := newMetaCache(bound)
	key := func(i int) string { return fmt.Sprintf("k\x00key:%012d", i) }
	perEntry := int64(len(key(0)) + metaCacheEntryOverhead)
	for i := range 100_000 {
		c.set(key(i), cachedMeta{typ: TypeString, expireAt: int64(i)})
		if n := int64(len(c.cur) + len(c.old)); n*perEntry > bound+perEntry {
			t.Fatalf("after %d keys the cache holds %d entries, %d bytes estimated: over %d", i+1, n, n*perEntry, bound)
		}
	}
	for i := 100_000 - 1000; i < 100_000; i++ {
		if m, ok := c.get([]byte(key(i))); !ok || m.expireAt != int64(i) {
			t.Fatalf("key %d, written among the last: got %+v, %v", i, m, ok)
		}
	}
	if _, ok := c.get([]byte(key(0))); ok {
		t.Fatal("the first key written is still there")
	}
}
