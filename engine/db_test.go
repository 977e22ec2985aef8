package engine

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

func TestOpenRejectsABadDatabaseCount(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1, 257} {
		d, err := Open(testOptions("").WithDatabases(n))
		if err == nil {
			d.Close()
			t.Errorf("Open with %d databases succeeded", n)
		}
	}
	d := openDB(t, testOptions("").WithDatabases(256))
	if err := d.Set(255, []byte("k"), []byte("v"), 0); err != nil {
		t.Errorf("Set in database 255 of 256: %v", err)
	}
}

func TestDBSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		steps := []struct {
			name string
			do   func() error
			db0  int64
			db1  int64
		}{
			{"set three keys", func() error {
				return d.MSet(0, map[string][]byte{"a": nil, "b": nil, "c": nil})
			}, 3, 0},
			{"overwrite one", func() error { return d.Set(0, []byte("a"), []byte("x"), 0) }, 3, 0},
			{"set in database 1", func() error { return d.Set(1, []byte("a"), []byte("x"), 0) }, 3, 1},
			{"delete one and a missing one", func() error {
				_, err := d.Delete(0, []byte("b"), []byte("missing"))
				return err
			}, 2, 1},
			{"set a volatile key", func() error { return d.Set(0, []byte("v"), []byte("x"), t0+10) }, 3, 1},
			{"time passes: an expired key stays counted", func() error { clock.Set(t0 + 10); return nil }, 3, 1},
			{"overwrite the expired key: no new key", func() error { return d.Set(0, []byte("v"), []byte("y"), 0) }, 3, 1},
			{"INCR on a new key", func() error {
				return d.Update(func(tx *Tx) error { _, err := tx.IncrBy(0, []byte("n"), 1); return err })
			}, 4, 1},
			{"set and delete the same key in one Tx", func() error {
				return d.Update(func(tx *Tx) error {
					if _, err := tx.Set(0, []byte("tmp"), []byte("x"), SetOptions{}); err != nil {
						return err
					}
					_, err := tx.Delete(0, []byte("tmp"))
					return err
				})
			}, 4, 1},
			{"FLUSHDB 0", func() error { return d.FlushDB(0, 0) }, 0, 1},
			{"write after FLUSHDB", func() error { return d.Set(0, []byte("a"), []byte("x"), 0) }, 1, 1},
			{"FLUSHALL", func() error { return d.FlushAll(0) }, 0, 0},
			{"write after FLUSHALL", func() error { return d.Set(1, []byte("z"), []byte("x"), 0) }, 0, 1},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got0, got1 := d.DBSize(0), d.DBSize(1); got0 != s.db0 || got1 != s.db1 {
				t.Errorf("after %s: DBSize = %d, %d; want %d, %d", s.name, got0, got1, s.db0, s.db1)
			}
		}
	})
}

func TestFlushRemovesKeysAndTheirExpiries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		for db := 0; db < 3; db++ {
			for i := 0; i < 10; i++ {
				if err := d.Set(db, []byte(fmt.Sprint("k", i)), []byte("v"), t0+int64(1000+i%2)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := d.FlushDB(1, 0); err != nil {
			t.Fatal(err)
		}
		for db, want := range []int64{10, 0, 10} {
			if n := mustExpires(t, d, db); n != want { // every key is volatile
				t.Errorf("Expires(%d) = %d after FLUSHDB 1, want %d", db, n, want)
			}
			if n := d.DBSize(db); n != want {
				t.Errorf("DBSize(%d) = %d, want %d", db, n, want)
			}
		}
		if _, err := d.Get(1, []byte("k1")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get from flushed db = %v, want ErrNotFound", err)
		}
		if err := d.FlushAll(0); err != nil {
			t.Fatal(err)
		}
		for db := 0; db < 3; db++ {
			if n := mustExpires(t, d, db); n != 0 {
				t.Errorf("Expires(%d) = %d after FLUSHALL, want 0", db, n)
			}
			if err := d.Keys(db, nil, func(k []byte, _ Type) bool {
				t.Errorf("key %q of db %d survived FLUSHALL", k, db)
				return true
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Flushing an empty database is fine.
		if err := d.FlushDB(5, 0); err != nil {
			t.Errorf("FlushDB of an empty db: %v", err)
		}
	})
}

func TestFlushRecordsTheAppliedIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		if err := d.FlushDB(0, 7); err != nil {
			t.Fatal(err)
		}
		if d.Applied() != 7 {
			t.Errorf("Applied after FlushDB(0, 7) = %d, want 7", d.Applied())
		}
		if err := d.FlushAll(0); err != nil {
			t.Fatal(err)
		}
		if d.Applied() != 7 {
			t.Errorf("Applied after FlushAll(0) = %d, want 7 (0 leaves it alone)", d.Applied())
		}
		if err := d.FlushAll(9); err != nil {
			t.Fatal(err)
		}
		if d.Applied() != 9 {
			t.Errorf("Applied after FlushAll(9) = %d, want 9", d.Applied())
		}
	})
}

func TestAppliedIndexIsCommittedWithTheData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		// A discarded Tx records neither its data nor its index.
		tx := d.Begin(t0, true)
		if _, err := tx.Set(0, []byte("lost"), []byte("v"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		tx.SetApplied(5)
		tx.Discard()
		if d.Applied() != 0 {
			t.Errorf("Applied after Discard = %d, want 0", d.Applied())
		}
		// A committed Tx records both.
		tx = d.Begin(t0, true)
		if _, err := tx.Set(0, []byte("kept"), []byte("v"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		tx.SetApplied(6)
		if d.Applied() != 0 {
			t.Errorf("Applied before Commit = %d, want 0", d.Applied())
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if d.Applied() != 6 {
			t.Errorf("Applied = %d, want 6", d.Applied())
		}
		if _, ok := getAt(t, d, 0, t0, "lost"); ok {
			t.Error("data of a discarded Tx is visible")
		}
		if _, ok := getAt(t, d, 0, t0, "kept"); !ok {
			t.Error("data of a committed Tx is missing")
		}
		// A Tx that does not call SetApplied leaves the index alone.
		if err := d.Set(0, []byte("more"), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		if d.Applied() != 6 {
			t.Errorf("Applied after a plain Set = %d, want 6", d.Applied())
		}
	})
}

func TestStateSurvivesReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := newFakeClock(t0)
	opts := testOptions(dir).WithClock(clock.Now)
	d := openDB(t, opts)
	mustUpdate(t, d, t0, func(tx *Tx) error {
		for i := 0; i < 100; i++ {
			var at int64
			if i%10 == 0 {
				at = t0 + 1000
			}
			if _, err := tx.Set(i%3, []byte(strconv.Itoa(i)), []byte("v"+strconv.Itoa(i)), SetOptions{ExpireAt: at}); err != nil {
				return err
			}
		}
		tx.SetApplied(41)
		return nil
	})
	if _, err := d.Delete(1, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := d.FlushDB(2, 42); err != nil {
		t.Fatal(err)
	}
	wantSizes := []int64{d.DBSize(0), d.DBSize(1), d.DBSize(2)}
	wantExpires := []int64{mustExpires(t, d, 0), mustExpires(t, d, 1), mustExpires(t, d, 2)}
	if wantSizes[0] != 34 || wantSizes[1] != 32 || wantSizes[2] != 0 {
		t.Fatalf("DBSize before reopen = %v, want [34 32 0]", wantSizes)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = openDB(t, opts)
	if d.Applied() != 42 {
		t.Errorf("Applied after reopen = %d, want 42", d.Applied())
	}
	for db := 0; db < 3; db++ {
		if n := d.DBSize(db); n != wantSizes[db] {
			t.Errorf("DBSize(%d) after reopen = %d, want %d", db, n, wantSizes[db])
		}
		if n := mustExpires(t, d, db); n != wantExpires[db] {
			t.Errorf("Expires(%d) after reopen = %d, want %d", db, n, wantExpires[db])
		}
	}
	if v, err := d.Get(0, []byte("30")); err != nil || string(v) != "v30" {
		t.Errorf("Get 30 after reopen = %q, %v", v, err)
	}
	if at := expireAtOf(t, d, 0, t0, "30"); at != t0+1000 {
		t.Errorf("expiry of 30 after reopen = %d, want %d", at, t0+1000)
	}
	// Counting goes on from the reloaded values.
	if err := d.Set(0, []byte("new"), []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if n := d.DBSize(0); n != wantSizes[0]+1 {
		t.Errorf("DBSize(0) after a write = %d, want %d", n, wantSizes[0]+1)
	}
}

// TestReadsRunConcurrentlyWithWrites runs readers and a writer at once; under -race it checks that
// the engine's shared state is synchronised.
func TestReadsRunConcurrentlyWithWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := d.Set(0, []byte(strconv.Itoa(i%10)), []byte("v"), 0); err != nil {
					errs <- err
					return
				}
			}
		}()
		for r := 0; r < 2; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					if _, err := d.Get(0, []byte(strconv.Itoa(i%10))); err != nil && !errors.Is(err, ErrNotFound) {
						errs <- err
						return
					}
					_ = d.DBSize(0)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := d.DBSize(0); n != 10 {
			t.Errorf("DBSize = %d, want 10", n)
		}
	})
}
