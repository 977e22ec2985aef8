package engine

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"testing"
)

// The golden digests below are what Redis 7.0.15's DEBUG DIGEST and DEBUG DIGEST-VALUE answered
// for the same data (redis-server --enable-debug-command yes, then the commands in the comments).

func digestHex(t *testing.T, d *DB) string {
	t.Helper()
	kd, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(kd.Sum[:])
}

func zadd(tx *Tx, db int, key string, pairs ...any) error {
	z, err := tx.ZSet(db, []byte(key))
	if err != nil {
		return err
	}
	for i := 0; i < len(pairs); i += 2 {
		if _, _, err := z.Add([]byte(pairs[i+1].(string)), pairs[i].(float64), 0); err != nil {
			return err
		}
	}
	return z.Save()
}

// smallDataset is, in redis-cli terms:
//
//	SET s hello; SET n 12345; RPUSH l a b c; SADD S x y z; SADD I 1 2 3; HSET h f1 v1 f2 v2
//	ZADD z 1 a 2.5 b 0.1 c -inf d 1e20 e 1e-5 f 100000 g
func smallDataset(tx *Tx) error {
	if _, err := tx.Set(0, []byte("s"), []byte("hello"), SetOptions{}); err != nil {
		return err
	}
	if _, err := tx.Set(0, []byte("n"), []byte("12345"), SetOptions{}); err != nil {
		return err
	}
	if _, err := tx.ListPush(0, []byte("l"), false, false, bs("a", "b", "c")); err != nil {
		return err
	}
	if _, err := tx.SAdd(0, []byte("S"), bs("x", "y", "z")); err != nil {
		return err
	}
	if _, err := tx.SAdd(0, []byte("I"), bs("1", "2", "3")); err != nil {
		return err
	}
	if _, err := tx.HSet(0, []byte("h"), bs("f1", "v1", "f2", "v2")); err != nil {
		return err
	}
	return zadd(tx, 0, "z", 1.0, "a", 2.5, "b", 0.1, "c", math.Inf(-1), "d", 1e20, "e", 1e-5, "f", 100000.0, "g")
}

func TestDigestOfAnEmptyKeyspaceIsZeroAsInRedis(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		if got := digestHex(t, d); got != "0000000000000000000000000000000000000000" {
			t.Fatalf("digest %s", got)
		}
		// Emptied again, after keys came and went, it is zero again.
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.SAdd(2, []byte("k"), bs("m"))
			return err
		})
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.Delete(2, []byte("k"))
			return err
		})
		if got := digestHex(t, d); got != "0000000000000000000000000000000000000000" {
			t.Fatalf("digest after the only key was deleted: %s", got)
		}
	})
}

func TestDigestEqualsRedisForEveryTypeWithoutTTLs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.Set(0, []byte("s"), []byte("hello"), SetOptions{})
			return err
		})
		if got, want := digestHex(t, d), "a500c6b54937da22f2ac1167da1da852479c7339"; got != want {
			t.Fatalf("one string: digest %s, Redis %s", got, want)
		}
		mustUpdate(t, d, t0, smallDataset)
		if got, want := digestHex(t, d), "8773cfb0456d19815998a281e2d3a43a86400e42"; got != want {
			t.Fatalf("small dataset: digest %s, Redis %s", got, want)
		}
		// SELECT 3; SET k v: the database number is part of the digest.
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.Set(3, []byte("k"), []byte("v"), SetOptions{})
			return err
		})
		if got, want := digestHex(t, d), "d657f3dd09f0315099929506ed3a923b7324735f"; got != want {
			t.Fatalf("with db 3: digest %s, Redis %s", got, want)
		}
		// DEBUG DIGEST-VALUE s l S I h z nosuch
		want := map[string]string{
			"s":      "36b23a1456b2dce2c3ed252c456761301dba8060",
			"l":      "8bf72d812571eea9b927f3c11beb0c4165a6ff89",
			"S":      "0fd9977d57e46b1b9b87439f5ac5b338416ccc24",
			"I":      "2a462a3f51a1db89738ebbeef0c47ce1bbc85246",
			"h":      "047cc60ea73a34cde6d08a2721a4a26d19ee6570",
			"z":      "ff434a607f9f2104c3ec0cd715661462c54be32b",
			"nosuch": "0000000000000000000000000000000000000000",
		}
		err := d.View(func(tx *Tx) error {
			for key, w := range want {
				v, err := tx.DigestValue(0, []byte(key))
				if err != nil {
					return err
				}
				if got := hex.EncodeToString(v[:]); got != w {
					t.Errorf("DIGEST-VALUE %s = %s, Redis %s", key, got, w)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestDigestEqualsRedisForLargeCollections(t *testing.T) {
	// HSET bh f0 v0 .. f199 v199; ZADD bz i/7 mi for i < 200; SADD bs m0 .. m599; RPUSH bl e0 .. e999
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustUpdate(t, d, t0, func(tx *Tx) error {
			var pairs, members, items [][]byte
			z, err := tx.ZSet(0, []byte("bz"))
			if err != nil {
				return err
			}
			for i := range 200 {
				pairs = append(pairs, fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i))
				if _, _, err := z.Add(fmt.Appendf(nil, "m%d", i), float64(i)/7, 0); err != nil {
					return err
				}
			}
			if err := z.Save(); err != nil {
				return err
			}
			for i := range 600 {
				members = append(members, fmt.Appendf(nil, "m%d", i))
			}
			for i := range 1000 {
				items = append(items, fmt.Appendf(nil, "e%d", i))
			}
			if _, err := tx.HSet(0, []byte("bh"), pairs); err != nil {
				return err
			}
			if _, err := tx.SAdd(0, []byte("bs"), members); err != nil {
				return err
			}
			_, err = tx.ListPush(0, []byte("bl"), false, false, items)
			return err
		})
		if got, want := digestHex(t, d), "165d67caebf720d5982a99b0619104acce5e9d3f"; got != want {
			t.Fatalf("digest %s, Redis %s", got, want)
		}
	})
}

func TestDigestDependsOnContentNotOnHowItWasWritten(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		other := openDB(t, testOptions(""))
		// The same data reached another way: different insertion order, collections rebuilt
		// (new versions, list sequence numbers shifted, garbage left to collect), a SWAPDB and back.
		mustUpdate(t, d, t0, smallDataset)
		mustUpdate(t, other, t0, func(tx *Tx) error {
			if _, err := tx.SAdd(0, []byte("S"), bs("z", "old")); err != nil {
				return err
			}
			if _, err := tx.Delete(0, []byte("S")); err != nil {
				return err
			}
			if _, err := tx.SAdd(0, []byte("S"), bs("z", "y", "x")); err != nil {
				return err
			}
			if _, err := tx.ListPush(0, []byte("l"), true, false, bs("b", "a")); err != nil {
				return err
			}
			if _, err := tx.ListPush(0, []byte("l"), false, false, bs("c")); err != nil {
				return err
			}
			if _, err := tx.HSet(0, []byte("h"), bs("f2", "v2", "f1", "x")); err != nil {
				return err
			}
			if _, err := tx.HSet(0, []byte("h"), bs("f1", "v1")); err != nil {
				return err
			}
			return tx.SwapDB(0, 5)
		})
		mustUpdate(t, other, t0, func(tx *Tx) error {
			if err := tx.SwapDB(0, 5); err != nil {
				return err
			}
			if _, err := tx.SAdd(0, []byte("I"), bs("3", "2", "1")); err != nil {
				return err
			}
			if err := zadd(tx, 0, "z", 100000.0, "g", 1e-5, "f", 1e20, "e", math.Inf(-1), "d", 0.1, "c", 2.5, "b", 1.0, "a"); err != nil {
				return err
			}
			if _, err := tx.Set(0, []byte("n"), []byte("12345"), SetOptions{}); err != nil {
				return err
			}
			_, err := tx.Set(0, []byte("s"), []byte("hello"), SetOptions{})
			return err
		})
		if a, b := digestHex(t, d), digestHex(t, other); a != b {
			t.Fatalf("same content, digests %s and %s", a, b)
		}
		if _, err := other.CollectGarbage(1 << 20); err != nil {
			t.Fatal(err)
		}
		if a, b := digestHex(t, d), digestHex(t, other); a != b {
			t.Fatalf("same content after garbage collection, digests %s and %s", a, b)
		}
	})
}

func TestDigestChangesWithAnyChangeOfContent(t *testing.T) {
	changes := []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"a string value", func(tx *Tx) error { _, err := tx.Set(0, []byte("s"), []byte("hellO"), SetOptions{}); return err }},
		{"a key name", func(tx *Tx) error { _, err := tx.Rename(0, []byte("s"), []byte("t"), false); return err }},
		{"a key's database", func(tx *Tx) error { _, err := tx.Move(0, []byte("s"), 1); return err }},
		{"the databases swapped", func(tx *Tx) error {
			if _, err := tx.Set(1, []byte("x"), []byte("1"), SetOptions{}); err != nil {
				return err
			}
			return tx.SwapDB(0, 1)
		}},
		{"list order", func(tx *Tx) error {
			if _, err := tx.Delete(0, []byte("l")); err != nil {
				return err
			}
			_, err := tx.ListPush(0, []byte("l"), false, false, bs("a", "c", "b"))
			return err
		}},
		{"a set member", func(tx *Tx) error { _, err := tx.SAdd(0, []byte("S"), bs("w")); return err }},
		{"a hash value", func(tx *Tx) error { _, err := tx.HSet(0, []byte("h"), bs("f1", "v2")); return err }},
		{"a hash field and value swapped", func(tx *Tx) error {
			if _, err := tx.Delete(0, []byte("h")); err != nil {
				return err
			}
			_, err := tx.HSet(0, []byte("h"), bs("v1", "f1", "f2", "v2"))
			return err
		}},
		{"a score", func(tx *Tx) error { return zadd(tx, 0, "z", 2.0, "a") }},
		{"a type (set to sorted set)", func(tx *Tx) error {
			if _, err := tx.Delete(0, []byte("S")); err != nil {
				return err
			}
			return zadd(tx, 0, "S", 0.0, "x", 0.0, "y", 0.0, "z")
		}},
		{"a TTL added", func(tx *Tx) error { _, err := tx.Expire(0, []byte("s"), t0+60_000, 0); return err }},
	}
	base := func(t *testing.T) *DB {
		d := openDB(t, testOptions("").WithClock(newFakeClock(t0).Now))
		mustUpdate(t, d, t0, smallDataset)
		return d
	}
	want := digestHex(t, base(t))
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			d := base(t)
			mustUpdate(t, d, t0, c.fn)
			if got := digestHex(t, d); got == want {
				t.Fatalf("digest unchanged: %s", got)
			}
		})
	}
}

func TestDigestCountsTheAbsoluteExpiryTime(t *testing.T) {
	digestWithTTL := func(at int64) string {
		d := openDB(t, testOptions("").WithClock(newFakeClock(t0).Now))
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.Set(0, []byte("k"), []byte("v"), SetOptions{ExpireAt: at})
			return err
		})
		return digestHex(t, d)
	}
	a, b, again := digestWithTTL(t0+10_000), digestWithTTL(t0+10_001), digestWithTTL(t0+10_000)
	if a == b {
		t.Fatalf("expiries 1 ms apart give the same digest %s", a)
	}
	if a != again {
		t.Fatalf("the same expiry gives digests %s and %s", a, again)
	}
}

func TestDigestIncludesExpiredKeysNotYetRemovedSoItDoesNotDependOnTheReadersClock(t *testing.T) {
	clock := newFakeClock(t0)
	d := openDB(t, testOptions("").WithClock(clock.Now))
	mustUpdate(t, d, t0, func(tx *Tx) error {
		_, err := tx.Set(0, []byte("k"), []byte("v"), SetOptions{ExpireAt: t0 + 1000})
		return err
	})
	before := digestHex(t, d)
	clock.Advance(5000)
	if after := digestHex(t, d); after != before {
		t.Fatalf("digest changed from %s to %s as the key expired on this clock", before, after)
	}
	// DIGEST-VALUE reads the key as a client would: expired is missing.
	err := d.View(func(tx *Tx) error {
		v, err := tx.DigestValue(0, []byte("k"))
		if err == nil && v != (Digest{}) {
			t.Errorf("DIGEST-VALUE of an expired key: %x", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDigestSurvivesSnapshotAndRestoreAndReportsTheAppliedIndex(t *testing.T) {
	src := openDB(t, testOptions(t.TempDir()))
	mustUpdate(t, src, t0, func(tx *Tx) error {
		tx.SetApplied(42)
		return smallDataset(tx)
	})
	want, err := src.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if want.Applied != 42 {
		t.Fatalf("applied %d, want 42", want.Applied)
	}
	snap := src.Snapshot()
	var buf bytes.Buffer
	_, err = snap.WriteTo(&buf)
	snap.Release()
	if err != nil {
		t.Fatal(err)
	}
	dst := openDB(t, testOptions(t.TempDir()))
	mustUpdate(t, dst, t0, func(tx *Tx) error { _, err := tx.Set(0, []byte("stale"), []byte("x"), SetOptions{}); return err })
	if err := dst.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("restored replica: %x at %d, source %x at %d", got.Sum, got.Applied, want.Sum, want.Applied)
	}
}

func TestDigestScoreFormatIsPrintfsPercent17g(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1"}, {2.5, "2.5"}, {0.1, "0.10000000000000001"}, {100000, "100000"}, {1e20, "1e+20"},
		{1e-5, "1.0000000000000001e-05"}, {-3, "-3"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
		{1.0 / 7, "0.14285714285714285"}, {123456789012345678, "1.2345678901234568e+17"},
	} {
		if got := string(appendDigestScore(nil, c.f)); got != c.want {
			t.Errorf("%v: %q, want %q", c.f, got, c.want)
		}
	}
}
