package engine

import (
	"fmt"
	"testing"
	"time"
)

// buildList pushes n elements of 16 bytes onto key in transactions of 10,000 RPUSHes, as
// pipelined RPUSH batches would arrive through Raft.
func buildList(tb testing.TB, d *DB, key string, n int) {
	tb.Helper()
	const batch = 10_000
	for done := 0; done < n; {
		k := min(batch, n-done)
		vals := make([][]byte, k)
		for i := range vals {
			vals[i] = []byte(fmt.Sprintf("element-%07d", done+i))
		}
		mustUpdate(tb, d, t0, func(tx *Tx) error {
			_, err := tx.ListPush(0, []byte(key), false, false, vals)
			return err
		})
		done += k
	}
}

// listReads times LINDEX at a few positions and LRANGE of 10 elements, each averaged over reps
// reads, each read in its own read transaction as a client's command is.
func listReads(tb testing.TB, d *DB, key string, n int64, reps int) map[string]time.Duration {
	tb.Helper()
	k := []byte(key)
	ops := []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"LINDEX 0", func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, 0); return err }},
		{"LINDEX middle", func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, n/2); return err }},
		{"LINDEX -1", func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, -1); return err }},
		{"LRANGE 0 9", func(tx *Tx) error { _, err := tx.ListRange(0, k, 0, 9); return err }},
		{"LRANGE middle+10", func(tx *Tx) error { _, err := tx.ListRange(0, k, n/2, n/2+9); return err }},
		{"LRANGE -10 -1", func(tx *Tx) error { _, err := tx.ListRange(0, k, -10, -1); return err }},
	}
	out := map[string]time.Duration{}
	for _, op := range ops {
		start := time.Now()
		for i := 0; i < reps; i++ {
			tx := d.Begin(t0, false)
			err := op.fn(tx)
			tx.Discard()
			if err != nil {
				tb.Fatalf("%s: %v", op.name, err)
			}
		}
		out[op.name] = time.Since(start) / time.Duration(reps)
	}
	return out
}

// TestReadingAFewElementsOfAMillionElementListIsFast builds a list of 1,000,000 elements on disk
// and checks that LINDEX and a 10-element LRANGE cost about what they cost on a 100-element list:
// point reads and short scans, not O(list). It reports the latencies with -v. Under the race
// detector, which slows the build tenfold, the list has 100,000 elements.
func TestReadingAFewElementsOfAMillionElementListIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000,000-element list")
	}
	d := openDB(t, testOptions(t.TempDir()).WithMemTableSize(64<<20))
	big := 1_000_000
	if raceEnabled {
		big = 100_000
	}
	start := time.Now()
	buildList(t, d, "big", big)
	buildList(t, d, "small", 100)
	t.Logf("built a %d-element list in %v", big, time.Since(start).Round(time.Millisecond))
	d.Sync()
	small := listReads(t, d, "small", 100, 2000)
	large := listReads(t, d, "big", int64(big), 2000)
	for name, lat := range large {
		t.Logf("%-17s %d-element list: %8v   100-element list: %8v", name, big, lat, small[name])
		// Generous: a read that scanned the list would take far more than a millisecond.
		if lat > 10*small[name]+time.Millisecond {
			t.Errorf("%s on a 1M list takes %v, on a 100-element list %v", name, lat, small[name])
		}
	}
}

// BenchmarkListReadsIn1MList: LINDEX and LRANGE of 10 on a 1,000,000-element list of 16-byte
// elements, on disk, one read transaction per operation, GOMAXPROCS as set.
func BenchmarkListReadsIn1MList(b *testing.B) {
	d := openDB(b, testOptions(b.TempDir()).WithMemTableSize(64<<20))
	const n = 1_000_000
	buildList(b, d, "big", n)
	k := []byte("big")
	for _, bm := range []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"LINDEX_middle", func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, n/2); return err }},
		{"LINDEX_-1", func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, -1); return err }},
		{"LRANGE_0_9", func(tx *Tx) error { _, err := tx.ListRange(0, k, 0, 9); return err }},
		{"LRANGE_middle_10", func(tx *Tx) error { _, err := tx.ListRange(0, k, n/2, n/2+9); return err }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tx := d.Begin(t0, false)
				err := bm.fn(tx)
				tx.Discard()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
