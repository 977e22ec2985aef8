package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// bigSize is the size of the collections of the million-element test and benchmarks.
const bigSize = 1_000_000

// buildBig fills the hash "h" (field:i -> value:i) and the set "s" (member:i) with n elements each,
// through HSet and SAdd, 10,000 elements per transaction.
func buildBig(tb testing.TB, d *DB, n int) {
	tb.Helper()
	const batch = 10_000
	for lo := 0; lo < n; lo += batch {
		pairs := make([][]byte, 0, 2*batch)
		members := make([][]byte, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			pairs = append(pairs, fmt.Appendf(nil, "field:%d", i), fmt.Appendf(nil, "value:%d", i))
			members = append(members, fmt.Appendf(nil, "member:%d", i))
		}
		mustUpdate(tb, d, t0, func(tx *Tx) error {
			if _, err := tx.HSet(0, []byte("h"), pairs); err != nil {
				return err
			}
			_, err := tx.SAdd(0, []byte("s"), members)
			return err
		})
	}
}

// latencies runs op n times, each in its own read transaction as the server does, and returns the
// sorted durations.
func latencies(tb testing.TB, d *DB, n int, op func(tx *Tx, i int) error) []time.Duration {
	tb.Helper()
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		err := d.View(func(tx *Tx) error { return op(tx, i) })
		out[i] = time.Since(start)
		if err != nil {
			tb.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

func pct(ds []time.Duration, p float64) time.Duration { return ds[int(float64(len(ds)-1)*p)] }

// TestAMillionElementHashAndSetArePointReads builds a hash and a set of a million elements each and
// checks that HGET and SISMEMBER stay point reads and HLEN and SCARD read only the header, logging
// their latency (go test -run Million -v ./engine/). It takes tens of seconds, so -short and the
// race detector skip it.
func TestAMillionElementHashAndSetArePointReads(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a million elements: skipped with -short and -race")
	}
	d := openDB(t, DefaultOptions(t.TempDir()).WithLogger(discardLogger()).WithClock(newFakeClock(t0).Now))
	start := time.Now()
	buildBig(t, d, bigSize)
	t.Logf("built a hash and a set of %d elements each in %v", bigSize, time.Since(start).Round(time.Millisecond))

	rnd := rand.New(rand.NewPCG(1, 2))
	const reads = 20_000
	report := func(name string, ds []time.Duration) {
		t.Logf("%-26s p50 %8v  p99 %8v  max %8v", name, pct(ds, 0.5), pct(ds, 0.99), ds[len(ds)-1])
		// A read that touched every element would take a second or more.
		if p := pct(ds, 0.99); p > 20*time.Millisecond {
			t.Errorf("%s: p99 %v, not a point read", name, p)
		}
	}
	report("HGET", latencies(t, d, reads, func(tx *Tx, i int) error {
		n := rnd.IntN(bigSize)
		v, found, err := tx.HGet(0, []byte("h"), fmt.Appendf(nil, "field:%d", n))
		if err == nil && (!found || string(v) != fmt.Sprintf("value:%d", n)) {
			return fmt.Errorf("HGET field:%d = %q, %v", n, v, found)
		}
		return err
	}))
	report("SISMEMBER", latencies(t, d, reads, func(tx *Tx, i int) error {
		n := rnd.IntN(2 * bigSize) // half of them absent
		in, err := tx.SIsMember(0, []byte("s"), fmt.Appendf(nil, "member:%d", n))
		if err == nil && in != (n < bigSize) {
			return fmt.Errorf("SISMEMBER member:%d = %v", n, in)
		}
		return err
	}))
	report("HLEN and SCARD", latencies(t, d, reads, func(tx *Tx, i int) error {
		h, err := tx.HLen(0, []byte("h"))
		if err != nil {
			return err
		}
		s, err := tx.SCard(0, []byte("s"))
		if err == nil && (h != bigSize || s != bigSize) {
			return fmt.Errorf("HLEN %d SCARD %d, want %d", h, s, bigSize)
		}
		return err
	}))
	report("SRANDMEMBER (seeking)", latencies(t, d, 2000, func(tx *Tx, i int) error {
		got, err := tx.SRandMember(0, []byte("s"), 1, rnd.Uint64N)
		if err == nil && len(got) != 1 {
			return fmt.Errorf("SRANDMEMBER gave %d members", len(got))
		}
		return err
	}))
	report("HSCAN COUNT 100 step", latencies(t, d, 2000, func(tx *Tx, i int) error {
		after := fmt.Appendf(nil, "field:%d", rnd.IntN(bigSize))
		got, _, err := tx.HScan(0, []byte("h"), after, 100, nil)
		if err == nil && len(got) == 0 {
			return fmt.Errorf("HSCAN after %s returned nothing", after)
		}
		return err
	}))
	start = time.Now()
	mustUpdate(t, d, t0, func(tx *Tx) error {
		popped, err := tx.SPop(0, []byte("s"), 10, rnd.Uint64N)
		if err == nil && len(popped) != 10 {
			return fmt.Errorf("SPOP 10 popped %d", len(popped))
		}
		return err
	})
	t.Logf("SPOP 10 of a million in %v", time.Since(start).Round(time.Microsecond))
	start = time.Now()
	mustUpdate(t, d, t0, func(tx *Tx) error { _, err := tx.Delete(0, []byte("h")); return err })
	if el := time.Since(start); el > time.Second {
		t.Errorf("DEL of a million-field hash took %v: it should only drop the header", el)
	}
}

func benchBig(b *testing.B) *DB {
	b.Helper()
	d := openDB(b, DefaultOptions(b.TempDir()).WithLogger(discardLogger()))
	buildBig(b, d, bigSize)
	b.ResetTimer()
	return d
}

// BenchmarkHGetOfAMillionFieldHash reads random fields of a hash of a million fields, one read
// transaction each, one goroutine: go test -run '^$' -bench Million -benchtime 100000x ./engine/
func BenchmarkHGetOfAMillionFieldHash(b *testing.B) {
	d := benchBig(b)
	rnd := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		err := d.View(func(tx *Tx) error {
			_, _, err := tx.HGet(0, []byte("h"), fmt.Appendf(nil, "field:%d", rnd.IntN(bigSize)))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSIsMemberOfAMillionMemberSet is the same for SISMEMBER, half of the members absent.
func BenchmarkSIsMemberOfAMillionMemberSet(b *testing.B) {
	d := benchBig(b)
	rnd := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		err := d.View(func(tx *Tx) error {
			_, err := tx.SIsMember(0, []byte("s"), fmt.Appendf(nil, "member:%d", rnd.IntN(2*bigSize)))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
