package raftfsm

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/hashicorp/raft-wal/types"
)

// Durability says when an acknowledged write reaches the disk.
type Durability int

const (
	// DurabilityFsync fsyncs the Raft log before a write is acknowledged (concurrent writes share one
	// fsync). Nothing acknowledged is lost to a crash of the process or to a power loss.
	DurabilityFsync Durability = iota
	// DurabilityEverysec writes the Raft log before a write is acknowledged (the bytes are in the
	// operating system) and fsyncs it once a second in the background, like Redis's
	// "appendfsync everysec". A crash of the process loses nothing acknowledged; a power loss or a
	// kernel crash loses up to about the last second.
	DurabilityEverysec
	// DurabilityMemory keeps the Raft log, the snapshots and the engine in memory: nothing touches
	// the disk, and everything is gone when the process stops. For caches.
	DurabilityMemory
)

// ParseDurability parses "fsync", "everysec" or "memory".
func ParseDurability(s string) (Durability, error) {
	switch strings.ToLower(s) {
	case "fsync", "":
		return DurabilityFsync, nil
	case "everysec":
		return DurabilityEverysec, nil
	case "memory":
		return DurabilityMemory, nil
	}
	return 0, fmt.Errorf("unknown durability %q (fsync, everysec, memory)", s)
}

func (d Durability) String() string {
	switch d {
	case DurabilityFsync:
		return "fsync"
	case DurabilityEverysec:
		return "everysec"
	case DurabilityMemory:
		return "memory"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// lazySyncFS is the file system raft-wal writes through in everysec mode. A segment file's Sync,
// which raft-wal calls at the end of every append, only marks the file dirty; SyncAll (called by a
// background loop once a second, before a snapshot and at close) fsyncs the dirty files. WriteAt
// still goes to the operating system before the append returns, so a crash of the process loses
// nothing.
//
// Three syncs stay immediate, because raft-wal's metadata (its own fsynced bolt file) refers to
// them: a new segment file and its directory entry are fsynced when created (with no data yet);
// the first append to a new segment, which writes its header, and the append that seals a segment,
// which writes its index, are fsynced before they return (syncOnSealFiler). Otherwise a power loss
// could leave the metadata naming a segment without a readable header or index, and the log would
// not open. These happen once per segment (64 MiB of log).
//
// When an fsync fails, the next append fsyncs synchronously and fails with it: like Redis, which
// refuses writes while its background fsync of the AOF fails, rather than acknowledging writes that
// may never reach the disk. (raft-wal then takes no more appends until the node restarts, as after
// a failed fsync in fsync mode; the restart recovers the log's tail.)
type lazySyncFS struct {
	types.VFS

	mu    sync.Mutex
	files map[*lazyFile]struct{} // open writable files

	failing atomic.Bool   // the last SyncAll failed
	syncs   atomic.Uint64 // fsyncs done by SyncAll (tests)
}

func newLazySyncFS(inner types.VFS) *lazySyncFS {
	return &lazySyncFS{VFS: inner, files: map[*lazyFile]struct{}{}}
}

// Create creates the file and fsyncs it (and, through raft-wal's File, its directory) at once.
func (l *lazySyncFS) Create(dir, name string, size uint64) (types.WritableFile, error) {
	f, err := l.VFS.Create(dir, name, size)
	if err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return l.track(f), nil
}

// OpenWriter opens an existing file for writing.
func (l *lazySyncFS) OpenWriter(dir, name string) (types.WritableFile, error) {
	f, err := l.VFS.OpenWriter(dir, name)
	if err != nil {
		return nil, err
	}
	return l.track(f), nil
}

func (l *lazySyncFS) track(f types.WritableFile) *lazyFile {
	lf := &lazyFile{WritableFile: f, fs: l}
	l.mu.Lock()
	l.files[lf] = struct{}{}
	l.mu.Unlock()
	return lf
}

// SyncAll fsyncs every file written since its last fsync.
func (l *lazySyncFS) SyncAll() error {
	l.mu.Lock()
	files := make([]*lazyFile, 0, len(l.files))
	for f := range l.files {
		files = append(files, f)
	}
	l.mu.Unlock()
	var errs []error
	for _, f := range files {
		if err := f.syncNow(); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	l.failing.Store(err != nil)
	return err
}

// lazyFile is a segment file whose Sync is deferred to lazySyncFS.SyncAll.
type lazyFile struct {
	types.WritableFile
	fs *lazySyncFS

	dirty  atomic.Bool
	mu     sync.Mutex // serialises syncNow and Close
	closed bool
}

// Sync marks the file dirty; the bytes are already in the operating system. While fsyncs fail it
// fsyncs now, and returns the error.
func (f *lazyFile) Sync() error {
	f.dirty.Store(true)
	if f.fs.failing.Load() {
		return f.fs.SyncAll()
	}
	return nil
}

// syncNow fsyncs the file if it was written since its last fsync.
func (f *lazyFile) syncNow() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || !f.dirty.Swap(false) {
		return nil
	}
	if err := f.WritableFile.Sync(); err != nil {
		f.dirty.Store(true)
		return err
	}
	f.fs.syncs.Add(1)
	return nil
}

// Close fsyncs what is pending, then closes the file.
func (f *lazyFile) Close() error {
	err := f.syncNow()
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.fs.mu.Lock()
	delete(f.fs.files, f)
	f.fs.mu.Unlock()
	if cerr := f.WritableFile.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncOnSealFiler makes the appends raft-wal's metadata depends on durable at once (see
// lazySyncFS): a new segment's first append (its header) and the append that seals it (its index).
type syncOnSealFiler struct {
	types.SegmentFiler
	fs *lazySyncFS
}

func (f syncOnSealFiler) Create(info types.SegmentInfo) (types.SegmentWriter, error) {
	w, err := f.SegmentFiler.Create(info)
	if err != nil {
		return nil, err
	}
	return &syncOnSealWriter{SegmentWriter: w, fs: f.fs, fresh: true}, nil
}

func (f syncOnSealFiler) RecoverTail(info types.SegmentInfo) (types.SegmentWriter, error) {
	w, err := f.SegmentFiler.RecoverTail(info)
	if err != nil {
		return nil, err
	}
	// A tail with no complete commit was reset: its header is written again by the next append.
	return &syncOnSealWriter{SegmentWriter: w, fs: f.fs, fresh: w.LastIndex() == 0}, nil
}

type syncOnSealWriter struct {
	types.SegmentWriter
	fs    *lazySyncFS
	fresh bool // no append yet: the header is still to be written
}

func (w *syncOnSealWriter) Append(entries []types.LogEntry) error {
	if err := w.SegmentWriter.Append(entries); err != nil {
		return err
	}
	sealed, _, err := w.SegmentWriter.Sealed()
	if err != nil {
		return err
	}
	if w.fresh || sealed {
		w.fresh = false
		return w.fs.SyncAll()
	}
	return nil
}

// logSyncer fsyncs the log once a second (everysec).
type logSyncer struct {
	fs       *lazySyncFS
	interval time.Duration
	logf     func(msg string, args ...any)
	stop     chan struct{}
	done     chan struct{}
	failed   atomic.Bool
}

func startLogSyncer(fs *lazySyncFS, interval time.Duration, logf func(string, ...any)) *logSyncer {
	s := &logSyncer{fs: fs, interval: interval, logf: logf, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *logSyncer) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if err := s.fs.SyncAll(); err != nil {
			// Redis logs and retries a failed background fsync; so do we (a write error would
			// already have failed the append itself).
			if !s.failed.Swap(true) {
				s.logf("background fsync of the Raft log failed; retrying every interval", "err", err)
			}
		} else if s.failed.Swap(false) {
			s.logf("background fsync of the Raft log works again")
		}
	}
}

// Close stops the loop (the caller syncs what is left by closing the files).
func (s *logSyncer) Close() {
	close(s.stop)
	<-s.done
}

// syncBeforeSnapshotStore fsyncs the log before Raft creates a snapshot. Raft truncates the log
// only up to a snapshot's index, and the snapshot's entries were appended before it was taken; so
// once a snapshot exists, every entry up to its index is durable in the log too, and a power loss
// can never leave the log ending below the snapshot.
type syncBeforeSnapshotStore struct {
	raft.SnapshotStore
	fs *lazySyncFS
}

func (s syncBeforeSnapshotStore) Create(version raft.SnapshotVersion, index, term uint64,
	configuration raft.Configuration, configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	if err := s.fs.SyncAll(); err != nil {
		return nil, fmt.Errorf("raftfsm: sync log before snapshot: %w", err)
	}
	return s.SnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
}
