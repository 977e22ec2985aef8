package raftfsm

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/hashicorp/raft"
)

// memSink is an in-memory raft.SnapshotSink.
type memSink struct {
	bytes.Buffer
	failWrites bool
	closed     bool
	cancelled  bool
}

var _ raft.SnapshotSink = (*memSink)(nil)

var errSinkFull = errors.New("sink: disk full")

func (s *memSink) Write(p []byte) (int, error) {
	if s.failWrites {
		return 0, errSinkFull
	}
	return s.Buffer.Write(p)
}
func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { s.closed = true; return nil }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }

// persistSnapshot takes an FSM snapshot and persists it into a memSink, between Snapshot() and Persist
// running between(), as Raft lets ApplyBatch go on while a snapshot is written.
func persistSnapshot(t *testing.T, f *FSM, between func()) *memSink {
	t.Helper()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	defer snap.Release()
	if between != nil {
		between()
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	if !sink.closed || sink.cancelled {
		t.Errorf("sink closed %v, cancelled %v; want closed only", sink.closed, sink.cancelled)
	}
	return sink
}

func TestSnapshotPersistRestoreIntoAnotherFSM(t *testing.T) {
	t.Parallel()
	src, srcDB := newFSM(t, engineOptions(""))
	applyBatch(t, src,
		entry(1, t0, set("a", "1"), incrBy("n", 41), setOpts(0, "v", "x", 0, t0+60_000)),
		entry(2, t0, inDB(3, mset("k1", "v1", "k2", "v2")), incrBy("n", 1)),
		&raft.Log{Index: 3, Term: 1, Type: raft.LogConfiguration},
	)
	sink := persistSnapshot(t, src, func() {
		// Entries applied after Snapshot() are not part of it.
		applyBatch(t, src, entry(4, t0, set("late", "x"), incrBy("n", 100), del("a")))
	})

	dst, dstDB := newFSM(t, engineOptions(t.TempDir()))
	applyBatch(t, dst, entry(1, t0, set("stale", "x"), set("a", "stale"))) // replaced by the restore
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if dstDB.Applied() != 3 {
		t.Errorf("Applied after restore = %d, want 3", dstDB.Applied())
	}
	for _, c := range []struct {
		db         int
		key, value string
	}{
		{0, "a", "1"}, {0, "n", "42"}, {0, "v", "x"}, {3, "k1", "v1"}, {3, "k2", "v2"},
		{0, "late", "(missing)"}, {0, "stale", "(missing)"},
	} {
		if v := get(t, dstDB, c.db, t0, c.key); v != c.value {
			t.Errorf("db %d %q = %q, want %q", c.db, c.key, v, c.value)
		}
	}
	if dstDB.DBSize(0) != 3 || dstDB.DBSize(3) != 2 {
		t.Errorf("DBSize = %d, %d; want 3, 2", dstDB.DBSize(0), dstDB.DBSize(3))
	}
	if n, err := dstDB.Expires(0); err != nil || n != 1 {
		t.Errorf("Expires = %d, %v; want 1", n, err)
	}
	// The restored FSM skips what the snapshot holds and applies what follows, like the source.
	out := applyBatch(t, dst,
		entry(2, t0, inDB(3, mset("k1", "v1", "k2", "v2")), incrBy("n", 1)),
		entry(3, t0, incrBy("n", 1)),
		entry(4, t0, set("late", "x"), incrBy("n", 100), del("a")),
	)
	if out[0] != nil || out[1] != nil {
		t.Errorf("entries covered by the snapshot responded %v, %v", out[0], out[1])
	}
	if got := joinResults(results(t, out[2])); got != "OK 142 1" {
		t.Errorf("entry 4 on the restored FSM: %s, want OK 142 1", got)
	}
	if got, want := get(t, dstDB, 0, t0, "n"), get(t, srcDB, 0, t0, "n"); got != want {
		t.Errorf("n = %s on the restored FSM, %s on the source", got, want)
	}
}

// TestASnapshotPersistedAfterAFlushHoldsThePreFlushState: Raft runs Persist concurrently with
// ApplyBatch, so a FLUSHALL may be applied between Snapshot() and Persist. The snapshot claims
// index 1; it must hold the data of index 1.
func TestASnapshotPersistedAfterAFlushHoldsThePreFlushState(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"", t.TempDir()} {
		src, _ := newFSM(t, engineOptions(dir))
		applyBatch(t, src, entry(1, t0, set("a", "1"), inDB(2, set("b", "2"))))
		sink := persistSnapshot(t, src, func() {
			applyBatch(t, src, entry(2, t0, flushAll()))
		})
		dst, dstDB := newFSM(t, engineOptions(""))
		if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
			t.Fatal(err)
		}
		if dstDB.Applied() != 1 {
			t.Errorf("engine on disk %v: snapshot index %d, want 1", dir != "", dstDB.Applied())
		}
		if a, b := get(t, dstDB, 0, t0, "a"), get(t, dstDB, 2, t0, "b"); a != "1" || b != "2" {
			t.Errorf("engine on disk %v: the snapshot of index 1 holds a=%s b=%s, want 1 and 2: "+
				"the FLUSHALL of index 2 leaked into it", dir != "", a, b)
		}
	}
}

func TestSnapshotSyncsAndReportsTheEngineIndex(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, engineOptions(t.TempDir()))
	applyBatch(t, f, entry(7, t0, set("k", "v")))
	sink := persistSnapshot(t, f, nil)
	dst, dstDB := newFSM(t, engineOptions(""))
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if dstDB.Applied() != 7 {
		t.Errorf("Applied = %d, want 7", dstDB.Applied())
	}
}

func TestPersistCancelsTheSinkOnAWriteError(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, engineOptions(""))
	applyBatch(t, f, entry(1, t0, set("k", "v")))
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	sink := &memSink{failWrites: true}
	if err := snap.Persist(sink); !errors.Is(err, errSinkFull) {
		t.Errorf("Persist = %v, want the sink's error", err)
	}
	if !sink.cancelled || sink.closed {
		t.Errorf("sink cancelled %v, closed %v; want cancelled only", sink.cancelled, sink.closed)
	}
}

// closeTracker records that Restore closes its reader.
type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestRestoreRejectsGarbageAndClosesTheReader(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	applyBatch(t, f, entry(5, t0, set("k", "v")))
	rc := &closeTracker{Reader: bytes.NewReader([]byte("not a snapshot"))}
	if err := f.Restore(rc); err == nil {
		t.Error("Restore of garbage succeeded")
	}
	if !rc.closed {
		t.Error("Restore did not close its reader")
	}
	if get(t, db, 0, t0, "k") != "v" || db.Applied() != 5 {
		t.Error("Restore of garbage changed the engine")
	}
}

// TestFSMRestoreOfAnEmptySnapshotEmptiesTheEngine: a fresh cluster's first snapshot may be empty.
func TestFSMRestoreOfAnEmptySnapshotEmptiesTheEngine(t *testing.T) {
	t.Parallel()
	empty, _ := newFSM(t, engineOptions(""))
	sink := persistSnapshot(t, empty, nil)
	f, db := newFSM(t, engineOptions(""))
	applyBatch(t, f, entry(1, t0, set("k", "v")))
	if err := f.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if db.DBSize(0) != 0 || db.Applied() != 0 || get(t, db, 0, t0, "k") != "(missing)" {
		t.Errorf("after restoring an empty snapshot: DBSize %d, Applied %d", db.DBSize(0), db.Applied())
	}
}
