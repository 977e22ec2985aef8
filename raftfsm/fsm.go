package raftfsm

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// FSM applies committed log entries to the engine. It records each entry's index in the same Badger
// transaction as its data and skips entries at or below the engine's applied index, so an entry is
// applied exactly once however often Raft delivers it (see PITFALLS: raft#549).
type FSM struct {
	db  *engine.DB
	log *slog.Logger

	appliedEntries atomic.Uint64 // entries applied since start
	skippedEntries atomic.Uint64 // entries delivered again and skipped since start
	lastSnapshot   atomic.Int64  // Unix time of the last snapshot persisted since start, 0 if none

	reader   atomic.Pointer[ReadFunc]    // runs OpRead; set by the RESP front end
	isLeader atomic.Pointer[func() bool] // whether this replica's results are answered; nil = always

	progress progress // the last log index processed, for readers waiting on it (readindex.go)

	// beforeFlushOrSwap, if set, is called just before a flush of dbs or a SWAPDB of dbs[0] and
	// dbs[1] is applied at index; exists reads the state as it is then (watch.go).
	beforeFlushOrSwap func(index uint64, dbs []int, swap bool, exists func(db int, key []byte) bool)
}

// SetReader sets the function that runs reads inside transactions (OpRead).
func (f *FSM) SetReader(fn ReadFunc) { f.reader.Store(&fn) }

var _ raft.BatchingFSM = (*FSM)(nil)

// NewFSM wraps db.
func NewFSM(db *engine.DB, log *slog.Logger) *FSM {
	f := &FSM{db: db, log: log}
	f.progress.reset(db.Applied())
	return f
}

// FSMStats counts what the FSM did since it started.
type FSMStats struct {
	AppliedEntries uint64
	SkippedEntries uint64
	AppliedIndex   uint64
	// LastSnapshotUnix is when the last snapshot taken since start was persisted (Unix seconds),
	// 0 if none was: Redis's LASTSAVE.
	LastSnapshotUnix int64
}

// Stats returns the FSM's counters.
func (f *FSM) Stats() FSMStats {
	return FSMStats{f.appliedEntries.Load(), f.skippedEntries.Load(), f.db.Applied(), f.lastSnapshot.Load()}
}

// Apply applies a single entry.
func (f *FSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies entries in one engine transaction. When Badger finds the transaction too big it is
// split in halves, down to single entries; a single entry too big for any transaction fails as a whole,
// identically on every replica. The response of a command entry is its []Result.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	entries := make([]decodedEntry, 0, len(logs))
	for i, l := range logs {
		if l.Index <= f.db.Applied() {
			f.skippedEntries.Add(1)
			continue
		}
		e, err := decodeEntry(l)
		if err != nil {
			// The engine cannot apply what this version does not understand: stop rather than diverge.
			panic(fmt.Sprintf("raftfsm: index %d: %v", l.Index, err))
		}
		e.out = &out[i]
		entries = append(entries, e)
	}
	// Flushes bypass transactions, so they split the batch.
	start := 0
	for i, e := range entries {
		if e.flush != nil {
			f.mustApply(entries[start:i])
			f.applyFlush(e)
			start = i + 1
		}
	}
	f.mustApply(entries[start:])
	if len(logs) > 0 {
		f.progress.advance(logs[len(logs)-1].Index)
	}
	return out
}

// decodedEntry is a decoded log entry and where its response goes.
type decodedEntry struct {
	log   *raft.Log
	now   int64
	cmds  []Command
	bad   error    // the payload did not decode: every replica answers with this error
	flush *Command // the entry is a lone FLUSHDB/FLUSHALL
	out   *any
}

func decodeEntry(l *raft.Log) (decodedEntry, error) {
	e := decodedEntry{log: l}
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		return e, nil
	}
	if l.Data[0] != entryBatch {
		return e, fmt.Errorf("unknown entry type %d (written by a newer flin-resp?)", l.Data[0])
	}
	var err error
	if e.now, e.cmds, err = decodeBatch(l.Data[1:]); err != nil {
		e.bad = fmt.Errorf("%w: %v", ErrBadCommand, err)
		e.cmds = nil
		return e, nil
	}
	if len(e.cmds) == 1 && (e.cmds[0].Op == OpFlushDB || e.cmds[0].Op == OpFlushAll) {
		e.flush = &e.cmds[0]
	}
	return e, nil
}

func (f *FSM) mustApply(entries []decodedEntry) {
	if err := f.applyGroup(entries); err != nil {
		// The engine failed underneath us (I/O, corruption). Continuing would let this replica's state
		// diverge from the log; stop the process, and restart applies from the engine's applied index.
		panic(fmt.Sprintf("raftfsm: apply failed: %v", err))
	}
}

// applyGroup applies entries in one transaction, splitting on ErrTxnTooBig.
func (f *FSM) applyGroup(entries []decodedEntry) error {
	if len(entries) == 0 {
		return nil
	}
	tx := f.db.Begin(0, true)
	results := make([]any, len(entries))
	commands := uint64(0)
	var err error
	for i, e := range entries {
		if results[i], err = f.applyEntry(tx, e); err != nil {
			break
		}
		if len(e.cmds) > 0 || e.bad != nil {
			commands++
		}
		tx.SetApplied(e.log.Index)
	}
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Discard()
	}
	switch {
	case err == nil:
		for i, e := range entries {
			*e.out = results[i]
		}
		f.appliedEntries.Add(commands)
		return nil
	case !errors.Is(err, engine.ErrTxnTooBig):
		return err
	case len(entries) > 1:
		half := len(entries) / 2
		if err := f.applyGroup(entries[:half]); err != nil {
			return err
		}
		return f.applyGroup(entries[half:])
	}
	e := entries[0]
	*e.out = errorResults(e, ErrTooBig)
	f.appliedEntries.Add(1)
	tx = f.db.Begin(0, true)
	tx.SetApplied(e.log.Index)
	return tx.Commit()
}

// applyEntry applies one entry's commands in tx. Errors a client caused are results; an error
// returned stops the group.
func (f *FSM) applyEntry(tx *engine.Tx, e decodedEntry) (any, error) {
	if e.log.Type != raft.LogCommand || len(e.cmds) == 0 && e.bad == nil {
		return nil, nil // configuration changes and empty entries only advance the applied index
	}
	if e.bad != nil {
		return errorResults(e, e.bad), nil
	}
	tx.SetNow(e.now)
	results := make([]Result, len(e.cmds))
	for i, c := range e.cmds {
		if c.Op == OpRead {
			results[i] = f.applyRead(tx, c)
			continue
		}
		spec, err := validate(c)
		if err == nil && c.Op == OpSwapDB && f.beforeFlushOrSwap != nil {
			if a, b, ok := swapDBs(c); ok && a != b { // (Redis: a swap of a database with itself does nothing)
				f.beforeFlushOrSwap(e.log.Index, []int{a, b}, true, txExists(tx))
			}
		}
		if err == nil && spec.apply == nil {
			err = fmt.Errorf("raftfsm: a flush must be alone in its entry: %w", ErrBadCommand)
		}
		if err != nil {
			results[i] = Result{Kind: ResultErr, Err: err}
			continue
		}
		if results[i], err = spec.apply(tx, c); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// applyFlush runs a lone FLUSHDB/FLUSHALL entry: it drops the data and then records the index.
// A crash in between repeats the flush, which is idempotent.
func (f *FSM) applyFlush(e decodedEntry) {
	if f.beforeFlushOrSwap != nil {
		dbs := []int{e.flush.DB}
		if e.flush.Op == OpFlushAll {
			dbs = make([]int, f.db.Databases())
			for i := range dbs {
				dbs[i] = i
			}
		}
		tx := f.db.Begin(e.now, false)
		f.beforeFlushOrSwap(e.log.Index, dbs, false, txExists(tx))
		tx.Discard()
	}
	var err error
	if e.flush.Op == OpFlushAll {
		err = f.db.FlushAll(e.log.Index)
	} else {
		err = f.db.FlushDB(e.flush.DB, e.log.Index)
	}
	switch {
	case errors.Is(err, engine.ErrBadDB):
		*e.out = []Result{{Kind: ResultErr, Err: err}}
		tx := f.db.Begin(0, true)
		tx.SetApplied(e.log.Index)
		err = tx.Commit()
	case err == nil:
		*e.out = []Result{{Kind: ResultOK}}
	}
	if err != nil {
		panic(fmt.Sprintf("raftfsm: flush at index %d failed: %v", e.log.Index, err))
	}
	f.appliedEntries.Add(1)
}

// errorResults answers every command of an entry (at least one) with err.
func errorResults(e decodedEntry, err error) []Result {
	out := make([]Result, max(len(e.cmds), 1))
	for i := range out {
		out[i] = Result{Kind: ResultErr, Err: err}
	}
	return out
}

// ErrTooBig is the result of a write too large for one engine transaction.
var ErrTooBig = errors.New("raftfsm: write too large for one transaction")

// Snapshot syncs the engine, so nothing at or below the snapshot's index can be lost once Raft
// truncates its log, and captures a point-in-time view to stream. Raft never calls it concurrently
// with ApplyBatch.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.db.Sync(); err != nil {
		return nil, fmt.Errorf("raftfsm: sync before snapshot: %w", err)
	}
	return &fsmSnapshot{snap: f.db.Snapshot(), persisted: &f.lastSnapshot}, nil
}

// Restore replaces the engine's contents with a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.db.Restore(rc); err != nil {
		return err
	}
	f.progress.reset(f.db.Applied())
	f.log.Info("restored snapshot", "applied_index", f.db.Applied())
	return nil
}

type fsmSnapshot struct {
	snap      *engine.Snapshot
	persisted *atomic.Int64 // FSM.lastSnapshot
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.snap.WriteTo(sink); err != nil {
		sink.Cancel()
		return err
	}
	if err := sink.Close(); err != nil {
		return err
	}
	s.persisted.Store(time.Now().Unix())
	return nil
}

func (s *fsmSnapshot) Release() { s.snap.Release() }

// txExists reports through tx whether a key exists; an error counts as existing.
func txExists(tx *engine.Tx) func(db int, key []byte) bool {
	return func(db int, key []byte) bool {
		ok, err := tx.Exists(db, key)
		return ok || err != nil
	}
}
