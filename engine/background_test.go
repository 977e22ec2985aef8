package engine

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// bigHashOf writes a hash of n fields ("f000000".., value "v") in transactions of 10,000 fields.
func bigHashOf(t testing.TB, d *DB, now int64, key string, n int) {
	t.Helper()
	for lo := 0; lo < n; lo += 10_000 {
		pairs := make([][]byte, 0, 2*10_000)
		for i := lo; i < min(lo+10_000, n); i++ {
			pairs = append(pairs, fmt.Appendf(nil, "f%06d", i), []byte("v"))
		}
		mustUpdate(t, d, now, func(tx *Tx) error {
			_, err := tx.HSet(0, []byte(key), pairs)
			return err
		})
	}
}

func deleteKey(t testing.TB, d *DB, now int64, key string) {
	t.Helper()
	mustUpdate(t, d, now, func(tx *Tx) error {
		if ok, err := tx.Delete(0, []byte(key)); !ok || err != nil {
			return fmt.Errorf("DEL %s: %v, %v", key, ok, err)
		}
		return nil
	})
}

// reclaimAll runs CollectGarbage(limit) until nothing is pending and returns the elements it
// deleted itself (the engine's own housekeeping may take some too).
func reclaimAll(t testing.TB, d *DB, limit int) int {
	t.Helper()
	total := 0
	for deadline := time.Now().Add(time.Minute); d.garbageVersions() > 0; {
		n, err := d.CollectGarbage(limit)
		if err != nil {
			t.Fatal(err)
		}
		if n > limit {
			t.Fatalf("CollectGarbage(%d) deleted %d", limit, n)
		}
		total += n
		if time.Now().After(deadline) {
			t.Fatal("garbage still pending after a minute")
		}
	}
	return total
}

func TestReclaimInBatchesResumesWhereItStopped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		bigHashOf(t, d, now, "a", 5000)
		bigHashOf(t, d, now, "b", 3000)
		bigHashOf(t, d, now, "live", 100)
		deleteKey(t, d, now, "a")
		deleteKey(t, d, now, "b")

		n, err := d.CollectGarbage(700)
		if err != nil || n == 0 {
			t.Fatalf("CollectGarbage(700) = %d, %v", n, err)
		}
		// Where the next batch of a collection starts is past every key deleted so far.
		d.gcMu.Lock()
		for g, next := range d.gcNext {
			p := append([]byte{spaceElement}, g[1:]...)
			if !bytes.HasPrefix(next, p) {
				t.Errorf("resume position %q outside its collection %q", next, p)
			}
		}
		d.gcMu.Unlock()

		reclaimAll(t, d, 700)
		if n := countSpace(t, d, spaceElement); n != 100 {
			t.Fatalf("%d element keys left, want the live hash's 100", n)
		}
		if got := fieldsOf(t, d, now, "live", TypeHash); len(got) != 100 {
			t.Fatalf("live hash has %d fields, want 100", len(got))
		}
		d.gcMu.Lock()
		if len(d.gcNext) != 0 {
			t.Errorf("%d resume positions left after everything was reclaimed", len(d.gcNext))
		}
		d.gcMu.Unlock()
	})
}

func TestReclaimForgetsCollectionsFlushedAway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		bigHashOf(t, d, now, "a", 5000)
		deleteKey(t, d, now, "a")
		if _, err := d.CollectGarbage(500); err != nil {
			t.Fatal(err)
		}
		if err := d.FlushAll(0); err != nil {
			t.Fatal(err)
		}
		bigHashOf(t, d, now, "b", 2000)
		deleteKey(t, d, now, "b")
		reclaimAll(t, d, 300)
		if n := countSpace(t, d, spaceElement); n != 0 {
			t.Fatalf("%d element keys left, want 0", n)
		}
		d.gcMu.Lock()
		defer d.gcMu.Unlock()
		if len(d.gcNext) != 0 {
			t.Errorf("%d resume positions left: %q", len(d.gcNext), d.gcNext)
		}
	})
}

// BenchmarkReclaimA1MElementHash measures reclaiming the elements of a deleted hash of 1,000,000
// fields, in the housekeeping goroutine's batches (ns/op: the whole reclaim).
//
//	go test -run '^$' -bench ReclaimA1M -benchtime 1x ./engine
func BenchmarkReclaimA1MElementHash(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		b.StopTimer()
		d := openDB(b, DefaultOptions(b.TempDir()).WithLogger(discardLogger()))
		bigHashOf(b, d, t0, "h", n)
		deleteKey(b, d, t0, "h")
		b.StartTimer()
		reclaimAll(b, d, gcBatch)
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
}
