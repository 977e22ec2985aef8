package engine

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock in Unix milliseconds, safe for concurrent use.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock(ms int64) *fakeClock {
	c := &fakeClock{}
	c.ms.Store(ms)
	return c
}

func (c *fakeClock) Now() time.Time   { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Set(ms int64)     { c.ms.Store(ms) }
func (c *fakeClock) Advance(ms int64) { c.ms.Add(ms) }
func (c *fakeClock) Millis() int64    { return c.ms.Load() }

// t0 is the fake clock's starting time: a fixed, recognisable Unix ms.
const t0 = int64(1_700_000_000_000)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testOptions are small-footprint options for tests on dir ("" for in memory).
func testOptions(dir string) Options {
	return DefaultOptions(dir).
		WithInMemory(dir == "").
		WithMemTableSize(8 << 20).
		WithBlockCacheSize(1 << 20).
		WithLogger(discardLogger())
}

// openDB opens opts and closes the engine when the test ends.
func openDB(t testing.TB, opts Options) *DB {
	t.Helper()
	d, err := openRetrying(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Badger's Close is idempotent, so a test may close the engine itself (to reopen it).
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// backend is one way of storing the engine: on disk in a temporary directory, or in memory.
type backend struct {
	name string
	opts func(t testing.TB) Options
}

var backends = []backend{
	{"disk", func(t testing.TB) Options { return testOptions(t.TempDir()) }},
	{"memory", func(testing.TB) Options { return testOptions("") }},
}

// forEachBackend runs fn as a subtest on a fresh engine of each backend, with a fake clock at t0.
func forEachBackend(t *testing.T, fn func(t *testing.T, d *DB, clock *fakeClock)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock(t0)
			d := openDB(t, b.opts(t).WithClock(clock.Now))
			fn(t, d, clock)
		})
	}
}

// forEachBackendShared runs fn as a subtest on one engine of each backend, with 256 databases so
// that the cases of a table can each use a database of their own: a disk engine is slow to open.
func forEachBackendShared(t *testing.T, fn func(t *testing.T, d *DB)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, openDB(t, b.opts(t).WithDatabases(256)))
		})
	}
}

// mustUpdate runs fn in a write Tx at time now and fails the test on error.
func mustUpdate(t testing.TB, d *DB, now int64, fn func(tx *Tx) error) {
	t.Helper()
	tx := d.Begin(now, true)
	if err := fn(tx); err != nil {
		tx.Discard()
		t.Fatalf("update: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// mustSet stores key=value in database db at time now with options o.
func mustSet(t testing.TB, d *DB, db int, now int64, key, value string, o SetOptions) SetResult {
	t.Helper()
	var res SetResult
	mustUpdate(t, d, now, func(tx *Tx) error {
		var err error
		res, err = tx.Set(db, []byte(key), []byte(value), o)
		return err
	})
	return res
}

// getAt reads key of database db at time now: its value, or "" and false when it does not exist.
func getAt(t testing.TB, d *DB, db int, now int64, key string) (string, bool) {
	t.Helper()
	tx := d.Begin(now, false)
	defer tx.Discard()
	v, err := tx.Get(db, []byte(key))
	if errors.Is(err, ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return string(v), true
}

// expireAtOf returns key's expiry in database db at time now (0 = none), or -2 when it does not exist.
func expireAtOf(t testing.TB, d *DB, db int, now int64, key string) int64 {
	t.Helper()
	tx := d.Begin(now, false)
	defer tx.Discard()
	at, err := tx.ExpireAt(db, []byte(key))
	if errors.Is(err, ErrNotFound) {
		return -2
	}
	if err != nil {
		t.Fatalf("ExpireAt(%q): %v", key, err)
	}
	return at
}

func mustExpires(t testing.TB, d *DB, db int) int64 {
	t.Helper()
	n, err := d.Expires(db)
	if err != nil {
		t.Fatalf("Expires(%d): %v", db, err)
	}
	return n
}

// openRetrying opens opts, retrying for a few seconds while Badger's directory lock is taken. A test
// reopens a directory it has just closed, and a child process that a parallel test forks holds a
// copy of the lock's file descriptor until it execs: the lock may outlive the Close briefly.
func openRetrying(opts Options) (*DB, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := Open(opts)
		if err == nil || !strings.Contains(err.Error(), "Cannot acquire directory lock") || time.Now().After(deadline) {
			return d, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
