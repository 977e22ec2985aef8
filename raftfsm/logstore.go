package raftfsm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	walfs "github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// stores are a node's Raft log, stable store and snapshot store, as its durability asks:
//
//   - fsync: raft-wal in Dir/wal (one fsync per append), file snapshots in Dir/snapshots;
//   - everysec: the same files, but raft-wal's per-append fsync deferred to a background loop
//     (durability.go); the on-disk format is the same, so a data directory can switch modes;
//   - memory: Raft's in-memory log store and a snapshot store that keeps the latest snapshot in
//     memory; nothing touches the disk.
type stores struct {
	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore

	lazy   *lazySyncFS // everysec only
	syncer *logSyncer  // everysec only
	wal    *wal.WAL
	meta   *metadb.BoltMetaDB

	memLog    *memoryLogStore // memory only
	boundStop chan struct{}   // closed to stop boundMemoryLog
	boundDone chan struct{}
}

func openStores(cfg Config, hlog hclog.Logger) (*stores, error) {
	if cfg.Durability == DurabilityMemory {
		mem := raft.NewInmemStore()
		log := &memoryLogStore{InmemStore: mem}
		return &stores{logs: log, stable: mem, snaps: newMemorySnapshotStore(), memLog: log}, nil
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "wal"), 0o755); err != nil {
		return nil, err
	}
	st := &stores{}
	// raft-wal v0.4.0's Close does not close the meta store it opens itself (its file lock would stay
	// held and a reopen in the same process would block): own it and close it ourselves.
	st.meta = &metadb.BoltMetaDB{}
	walDir := filepath.Join(cfg.Dir, "wal")
	var filer types.SegmentFiler = segment.NewFiler(walDir, walfs.New()) // raft-wal's default
	if cfg.Durability == DurabilityEverysec {
		st.lazy = newLazySyncFS(walfs.New())
		filer = syncOnSealFiler{segment.NewFiler(walDir, st.lazy), st.lazy}
	}
	logs, err := wal.Open(walDir, wal.WithLogger(hlog), wal.WithMetaStore(st.meta), wal.WithSegmentFiler(filer))
	if err != nil {
		st.meta.Close()
		return nil, fmt.Errorf("raftfsm: open wal: %w", err)
	}
	st.wal, st.logs, st.stable = logs, truncatedLogStore{logs}, logs
	if err := removeUnfinishedSnapshots(filepath.Join(cfg.Dir, "snapshots"), cfg.Logger); err != nil {
		st.Close()
		return nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("raftfsm: snapshot store: %w", err)
	}
	st.snaps = snaps
	if st.lazy != nil {
		st.snaps = syncBeforeSnapshotStore{snaps, st.lazy}
		st.syncer = startLogSyncer(st.lazy, cfg.SyncInterval, cfg.Logger.Warn)
	}
	return st, nil
}

// onDisk reports whether the stores are files.
func (st *stores) onDisk() bool { return st.wal != nil }

// Close stops the background fsync and closes the log, which fsyncs what is pending.
func (st *stores) Close() error {
	if st.boundStop != nil {
		close(st.boundStop)
		<-st.boundDone
		st.boundStop = nil
	}
	if st.syncer != nil {
		st.syncer.Close()
	}
	var errs []error
	if st.wal != nil {
		errs = append(errs, st.wal.Close())
	}
	if st.meta != nil {
		errs = append(errs, st.meta.Close())
	}
	return errors.Join(errs...)
}

// memorySnapshotStore keeps the latest complete snapshot in memory (a follower that fell behind the
// log is sent it). Unlike raft.InmemSnapshotStore, a snapshot replaces the previous one only once
// it is complete, and a cancelled one is dropped.
type memorySnapshotStore struct {
	mu     sync.RWMutex
	latest *memorySnapshotSink
}

func newMemorySnapshotStore() *memorySnapshotStore { return &memorySnapshotStore{} }

type memorySnapshotSink struct {
	store *memorySnapshotStore
	meta  raft.SnapshotMeta
	buf   bytes.Buffer
}

func (m *memorySnapshotStore) Create(version raft.SnapshotVersion, index, term uint64,
	configuration raft.Configuration, configurationIndex uint64, _ raft.Transport) (raft.SnapshotSink, error) {
	if version != 1 {
		return nil, fmt.Errorf("raftfsm: unsupported snapshot version %d", version)
	}
	return &memorySnapshotSink{store: m, meta: raft.SnapshotMeta{
		Version: version, ID: fmt.Sprintf("%d-%d", term, index), Index: index, Term: term,
		Configuration: configuration, ConfigurationIndex: configurationIndex,
	}}, nil
}

func (m *memorySnapshotStore) List() ([]*raft.SnapshotMeta, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.latest == nil {
		return nil, nil
	}
	meta := m.latest.meta
	return []*raft.SnapshotMeta{&meta}, nil
}

func (m *memorySnapshotStore) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.latest == nil || m.latest.meta.ID != id {
		return nil, nil, fmt.Errorf("raftfsm: no snapshot %q", id)
	}
	meta := m.latest.meta
	// The buffer is never written again once complete: readers share its bytes.
	return &meta, io.NopCloser(bytes.NewReader(m.latest.buf.Bytes())), nil
}

func (s *memorySnapshotSink) Write(p []byte) (int, error) { return s.buf.Write(p) }
func (s *memorySnapshotSink) ID() string                  { return s.meta.ID }
func (s *memorySnapshotSink) Cancel() error               { s.buf = bytes.Buffer{}; return nil }

func (s *memorySnapshotSink) Close() error {
	s.meta.Size = int64(s.buf.Len())
	s.store.mu.Lock()
	s.store.latest = s
	s.store.mu.Unlock()
	return nil
}

// memoryLogStore is Raft's in-memory log store, counting the bytes of the entries it holds.
type memoryLogStore struct {
	*raft.InmemStore
	bytes atomic.Int64
}

func (m *memoryLogStore) StoreLog(l *raft.Log) error { return m.StoreLogs([]*raft.Log{l}) }

func (m *memoryLogStore) StoreLogs(logs []*raft.Log) error {
	var n int64
	for _, l := range logs {
		n += int64(len(l.Data) + len(l.Extensions))
	}
	if err := m.InmemStore.StoreLogs(logs); err != nil {
		return err
	}
	m.bytes.Add(n)
	return nil
}

func (m *memoryLogStore) DeleteRange(lo, hi uint64) error {
	var n int64
	var l raft.Log
	for i := lo; i <= hi; i++ {
		if m.InmemStore.GetLog(i, &l) == nil {
			n += int64(len(l.Data) + len(l.Extensions))
		}
	}
	if err := m.InmemStore.DeleteRange(lo, hi); err != nil {
		return err
	}
	m.bytes.Add(-n)
	return nil
}

// boundMemoryLog keeps an in-memory log under limit bytes: Raft snapshots every SnapshotInterval
// (2 minutes) at most, and an in-memory log would hold every write of those minutes (gigabytes under
// a heavy load). Above the limit it asks for a snapshot, after which Raft drops the log up to
// TrailingLogs entries (64 by default in memory mode). Disk modes keep their log on disk and need no
// bound.
func (st *stores) boundMemoryLog(limit int64, snapshot func() error, logf func(string, ...any)) {
	if st.memLog == nil {
		return
	}
	st.boundStop, st.boundDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(st.boundDone)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		var floor int64 // log bytes after the last snapshot taken here
		for {
			select {
			case <-st.boundStop:
				return
			case <-t.C:
			}
			// What a snapshot leaves (TrailingLogs entries) may itself be large: wait for limit/2
			// more before the next one, rather than snapshot again and again.
			if n := st.memLog.bytes.Load(); n <= limit || n <= floor+limit/2 {
				continue
			}
			if err := snapshot(); err != nil && !errors.Is(err, raft.ErrRaftShutdown) {
				logf("snapshot to bound the in-memory log failed", "err", err, "log_bytes", st.memLog.bytes.Load())
			}
			floor = st.memLog.bytes.Load()
		}
	}()
}
