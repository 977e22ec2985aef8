package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// fillForSnapshot writes a recognisable state: keys in databases 0 and 2, some volatile, one
// expired but still stored, applied index 77. Values stay under 1 KiB, which an in-memory engine
// accepts (see TestLargeValues).
func fillForSnapshot(t *testing.T, d *DB) {
	t.Helper()
	mustUpdate(t, d, t0, func(tx *Tx) error {
		for i := 0; i < 50; i++ {
			var at int64
			if i%5 == 0 {
				at = t0 + 60_000
			}
			if _, err := tx.Set(i%2*2, []byte(fmt.Sprintf("key:%02d", i)), bytes.Repeat([]byte{byte('a' + i%26)}, i*20), SetOptions{ExpireAt: at}); err != nil {
				return err
			}
		}
		if _, err := tx.Set(0, []byte("expired"), []byte("x"), SetOptions{ExpireAt: t0 + 1}); err != nil {
			return err
		}
		if _, err := tx.IncrBy(2, []byte("counter"), 12345); err != nil {
			return err
		}
		tx.SetApplied(77)
		return nil
	})
}

// dump lists every stored key of databases 0..3 with its value and expiry, as read at time now.
func dump(t *testing.T, d *DB, now int64) []string {
	t.Helper()
	var out []string
	tx := d.Begin(now, false)
	defer tx.Discard()
	for db := 0; db < 4; db++ {
		var keys [][]byte
		if err := tx.Keys(db, nil, func(k []byte, _ Type) bool { keys = append(keys, bytes.Clone(k)); return true }); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			v, err := tx.Get(db, k)
			if err != nil {
				t.Fatal(err)
			}
			at, err := tx.ExpireAt(db, k)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d %s=%x @%d", db, k, v, at))
		}
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func snapshotBytes(t *testing.T, d *DB) ([]byte, uint64) {
	t.Helper()
	s := d.Snapshot()
	defer s.Release()
	var buf bytes.Buffer
	n, err := s.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	return buf.Bytes(), s.Applied()
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, src *DB, _ *fakeClock) {
		fillForSnapshot(t, src)
		data, applied := snapshotBytes(t, src)
		if applied != 77 {
			t.Errorf("Snapshot.Applied = %d, want 77", applied)
		}
		for _, b := range backends {
			t.Run("into "+b.name, func(t *testing.T) {
				dst := openDB(t, b.opts(t))
				// The destination holds other data first: Restore replaces all of it.
				if err := dst.Set(1, []byte("stale"), []byte("x"), t0+5); err != nil {
					t.Fatal(err)
				}
				if err := dst.Set(0, []byte("key:00"), []byte("stale"), 0); err != nil {
					t.Fatal(err)
				}
				if err := dst.Restore(bytes.NewReader(data)); err != nil {
					t.Fatalf("Restore: %v", err)
				}
				if got, want := dump(t, dst, t0), dump(t, src, t0); !sameStrings(got, want) {
					t.Errorf("restored keys differ:\n got %q\nwant %q", got, want)
				}
				if dst.Applied() != 77 {
					t.Errorf("Applied = %d, want 77", dst.Applied())
				}
				for db := 0; db < 4; db++ {
					if got, want := dst.DBSize(db), src.DBSize(db); got != want {
						t.Errorf("DBSize(%d) = %d, want %d", db, got, want)
					}
					if got, want := mustExpires(t, dst, db), mustExpires(t, src, db); got != want {
						t.Errorf("Expires(%d) = %d, want %d", db, got, want)
					}
				}
				// The expired key came along, still expired and still counted.
				if _, ok := getAt(t, dst, 0, t0+1, "expired"); ok {
					t.Error("expired key is visible after restore")
				}
				if _, ok := getAt(t, dst, 0, t0, "expired"); !ok {
					t.Error("expired key is not stored after restore")
				}
				// The restored engine keeps working, counts included.
				var n int64
				mustUpdate(t, dst, t0, func(tx *Tx) error {
					var err error
					n, err = tx.IncrBy(2, []byte("counter"), 1)
					return err
				})
				if n != 12346 {
					t.Errorf("INCRBY after restore = %d, want 12346", n)
				}
				if err := dst.Set(0, []byte("new"), []byte("v"), 0); err != nil {
					t.Fatal(err)
				}
				if got, want := dst.DBSize(0), src.DBSize(0)+1; got != want {
					t.Errorf("DBSize(0) after a write = %d, want %d", got, want)
				}
			})
		}
	})
}

func TestSnapshotRoundTripOfValuesInTheValueLog(t *testing.T) {
	t.Parallel()
	opts := testOptions(t.TempDir()).WithValueThreshold(64)
	src := openDB(t, opts)
	want := map[string]string{}
	mustUpdate(t, src, t0, func(tx *Tx) error {
		for i, n := range []int{0, 10, 63, 64, 1000, 64 << 10, 300 << 10} {
			k := fmt.Sprintf("v%d", i)
			want[k] = string(bytes.Repeat([]byte{byte('A' + i)}, n))
			if _, err := tx.Set(0, []byte(k), []byte(want[k]), SetOptions{}); err != nil {
				return err
			}
		}
		tx.SetApplied(5)
		return nil
	})
	data, _ := snapshotBytes(t, src)
	dst := openDB(t, testOptions(t.TempDir()))
	if err := dst.Restore(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got, ok := getAt(t, dst, 0, t0, k); !ok || got != v {
			t.Errorf("%s: got %d bytes (found %v), want %d", k, len(got), ok, len(v))
		}
	}
	if dst.DBSize(0) != int64(len(want)) || dst.Applied() != 5 {
		t.Errorf("DBSize %d, Applied %d; want %d, 5", dst.DBSize(0), dst.Applied(), len(want))
	}
}

func TestRestoredStateSurvivesReopen(t *testing.T) {
	t.Parallel()
	src := openDB(t, testOptions(""))
	fillForSnapshot(t, src)
	data, _ := snapshotBytes(t, src)

	opts := testOptions(t.TempDir())
	dst := openDB(t, opts)
	if err := dst.Restore(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	dst = openDB(t, opts)
	if dst.Applied() != 77 {
		t.Errorf("Applied after reopen = %d, want 77", dst.Applied())
	}
	if got, want := dump(t, dst, t0), dump(t, src, t0); !sameStrings(got, want) {
		t.Errorf("keys after reopen differ:\n got %q\nwant %q", got, want)
	}
	for db := 0; db < 4; db++ {
		if got, want := dst.DBSize(db), src.DBSize(db); got != want {
			t.Errorf("DBSize(%d) after reopen = %d, want %d", db, got, want)
		}
	}
}

func TestSnapshotIsPointInTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		fillForSnapshot(t, d)
		want := dump(t, d, t0)
		wantSize := d.DBSize(0)
		s := d.Snapshot()
		defer s.Release()

		// Writes after Snapshot(): new keys, an overwrite, a delete, an expiry change, a new index.
		mustUpdate(t, d, t0, func(tx *Tx) error {
			if _, err := tx.Set(0, []byte("after"), []byte("x"), SetOptions{}); err != nil {
				return err
			}
			if _, err := tx.Set(0, []byte("key:00"), []byte("changed"), SetOptions{}); err != nil {
				return err
			}
			if _, err := tx.Delete(0, []byte("key:02")); err != nil {
				return err
			}
			if _, err := tx.Expire(2, []byte("key:01"), t0+1, 0); err != nil {
				return err
			}
			tx.SetApplied(78)
			return nil
		})

		var buf bytes.Buffer
		if _, err := s.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		dst := openDB(t, testOptions(""))
		if err := dst.Restore(&buf); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, dst, t0); !sameStrings(got, want) {
			t.Errorf("snapshot holds writes made after it was taken:\n got %q\nwant %q", got, want)
		}
		if dst.Applied() != 77 {
			t.Errorf("Applied = %d, want 77", dst.Applied())
		}
		if got := dst.DBSize(0); got != wantSize {
			t.Errorf("DBSize(0) = %d, want %d", got, wantSize)
		}
	})
}

// TestSnapshotIsPointInTimeAcrossFlush checks that a FLUSHALL applied after Snapshot() (Raft applies
// entries while the previous snapshot is still being persisted) does not empty the snapshot.
func TestSnapshotIsPointInTimeAcrossFlush(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		fillForSnapshot(t, d)
		want := dump(t, d, t0)
		s := d.Snapshot()
		defer s.Release()
		if err := d.FlushAll(78); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := s.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		dst := openDB(t, testOptions(""))
		if err := dst.Restore(&buf); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, dst, t0); !sameStrings(got, want) {
			t.Errorf("snapshot taken before FLUSHALL holds %d keys, want %d", len(got), len(want))
		}
		if dst.Applied() != 77 {
			t.Errorf("Applied = %d, want 77", dst.Applied())
		}
	})
}

func TestSnapshotOfAnEmptyEngineRestores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		data, applied := snapshotBytes(t, d)
		if applied != 0 {
			t.Errorf("Applied = %d, want 0", applied)
		}
		dst := openDB(t, testOptions(""))
		fillForSnapshot(t, dst)
		if err := dst.Restore(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, dst, t0); len(got) != 0 {
			t.Errorf("keys after restoring an empty snapshot: %q", got)
		}
		if dst.Applied() != 0 || dst.DBSize(0) != 0 || dst.DBSize(2) != 0 {
			t.Errorf("Applied %d, DBSize %d/%d; want 0", dst.Applied(), dst.DBSize(0), dst.DBSize(2))
		}
	})
}

func TestRestoreRejectsGarbageAndKeepsTheData(t *testing.T) {
	good := func() []byte {
		d := openDB(t, testOptions(""))
		fillForSnapshot(t, d)
		b, _ := snapshotBytes(t, d)
		return b
	}()
	tests := []struct {
		name string
		data []byte
	}{
		{"empty input", nil},
		{"random bytes", []byte("this is not a snapshot at all, not even close")},
		{"a truncated magic line", []byte("FLINSNAP")},
		{"another magic", append([]byte("FLINSNAP9\n"), good[len("FLINSNAP2\n"):]...)},
	}
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		fillForSnapshot(t, d)
		want := dump(t, d, t0)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if err := d.Restore(bytes.NewReader(tc.data)); err == nil {
					t.Fatal("Restore succeeded")
				}
				if got := dump(t, d, t0); !sameStrings(got, want) {
					t.Errorf("Restore of garbage changed the data: %d keys, want %d", len(got), len(want))
				}
				if d.Applied() != 77 {
					t.Errorf("Applied = %d, want 77", d.Applied())
				}
			})
		}
	})
}

// errReader fails after its data.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, e.err
	}
	return n, err
}

// TestRestoreCutShortFails feeds a valid header followed by a broken body. The engine may be left
// empty (Restore drops everything first), but what it reports must match what it holds, or the FSM
// would skip log entries that are no longer applied.
func TestRestoreCutShortFails(t *testing.T) {
	good := func() []byte {
		d := openDB(t, testOptions(""))
		fillForSnapshot(t, d)
		b, _ := snapshotBytes(t, d)
		return b
	}()
	tests := []struct {
		name string
		r    func() io.Reader
	}{
		{"a record cut in the middle", func() io.Reader { return bytes.NewReader(good[:len(good)/2]) }},
		{"a key length beyond the limit", func() io.Reader {
			return bytes.NewReader(append([]byte("FLINSNAP1\n"), 0xff, 0xff, 0xff, 0x7f, 0x01))
		}},
		{"a value length cut short", func() io.Reader {
			return bytes.NewReader(append([]byte("FLINSNAP1\n"), 0x02, 0xff))
		}},
		{"a read error", func() io.Reader {
			return &errReader{bytes.NewReader(good[:len(good)-3]), errors.New("disk on fire")}
		}},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				fillForSnapshot(t, d)
				if err := d.Restore(tc.r()); err == nil {
					t.Fatal("Restore succeeded")
				}
				// Whatever is left, the in-memory counters must agree with the stored data.
				stored := int64(len(dump(t, d, t0)))
				counted := d.DBSize(0) + d.DBSize(1) + d.DBSize(2) + d.DBSize(3)
				if stored != counted {
					t.Errorf("after a failed Restore the engine holds %d keys but DBSize counts %d", stored, counted)
				}
				if stored == 0 && d.Applied() != 0 {
					t.Errorf("after a failed Restore the engine is empty but Applied() = %d: "+
						"entries up to it would be skipped", d.Applied())
				}
			})
		}
	})
}
