package raftfsm

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

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
}

var _ raft.BatchingFSM = (*FSM)(nil)

// NewFSM wraps db.
func NewFSM(db *engine.DB, log *slog.Logger) *FSM { return &FSM{db: db, log: log} }

// FSMStats counts what the FSM did since it started.
type FSMStats struct {
	AppliedEntries uint64
	SkippedEntries uint64
	AppliedIndex   uint64
}

// Stats returns the FSM's counters.
func (f *FSM) Stats() FSMStats {
	return FSMStats{f.appliedEntries.Load(), f.skippedEntries.Load(), f.db.Applied()}
}

// Apply applies a single entry.
func (f *FSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies entries in one engine transaction, splitting it where Badger's transaction limit
// or a flush needs it. The response of a command entry is its []Result.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	b := batchApplier{f: f, out: out}
	for i, l := range logs {
		if err := b.apply(i, l); err != nil {
			// The engine failed underneath us (I/O, corruption). Continuing would let this replica's
			// state diverge from the log; stop the process and let restart replay from the log.
			panic(fmt.Sprintf("raftfsm: apply of index %d failed: %v", l.Index, err))
		}
	}
	if err := b.commit(); err != nil {
		panic(fmt.Sprintf("raftfsm: commit up to index %d failed: %v", logs[len(logs)-1].Index, err))
	}
	return out
}

// batchApplier holds the open transaction of one ApplyBatch call.
type batchApplier struct {
	f     *FSM
	out   []any
	tx    *engine.Tx
	first int         // index in logs of the first entry in tx
	logs  []*raft.Log // entries in tx, for a replay after ErrTxnTooBig
}

func (b *batchApplier) apply(i int, l *raft.Log) error {
	if l.Index <= b.f.db.Applied() {
		b.f.skippedEntries.Add(1)
		return nil
	}
	res, err := b.applyInTx(l)
	if errors.Is(err, engine.ErrTxnTooBig) && len(b.logs) > 0 {
		// Commit the entries before this one on their own, then retry it in a fresh transaction.
		b.tx.Discard()
		b.tx = nil
		pending := b.logs
		b.logs = nil
		for j, pl := range pending {
			r, err := b.applyInTx(pl)
			if err != nil {
				return err
			}
			b.out[i-len(pending)+j] = r
			b.logs = append(b.logs, pl)
		}
		if err := b.commit(); err != nil {
			return err
		}
		res, err = b.applyInTx(l)
	}
	if errors.Is(err, engine.ErrTxnTooBig) {
		// One entry alone is too big for Badger: it fails as a whole, identically on every replica.
		b.tx.Discard()
		b.tx = nil
		res = tooBig(l)
		err = b.recordOnly(l.Index)
	}
	if err != nil {
		return err
	}
	b.out[i] = res
	return nil
}

// applyInTx applies one entry in the open transaction (opening one if needed).
func (b *batchApplier) applyInTx(l *raft.Log) (any, error) {
	if b.tx == nil {
		b.tx = b.f.db.Begin(0, true)
	}
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		b.tx.SetApplied(l.Index)
		b.logs = append(b.logs, l)
		return nil, nil
	}
	if l.Data[0] != entryBatch {
		// An entry type this version does not know: applying anything else would diverge.
		return nil, fmt.Errorf("unknown entry type %d (written by a newer flin-resp?)", l.Data[0])
	}
	now, cmds, err := decodeBatch(l.Data[1:])
	if err != nil {
		return nil, err
	}
	b.tx.SetNow(now)
	results := make([]Result, len(cmds))
	for i, c := range cmds {
		spec, err := validate(c)
		if err != nil {
			results[i] = Result{Kind: ResultErr, Err: err}
			continue
		}
		if spec.apply == nil {
			if results[i], err = b.flush(c, l.Index); err != nil {
				return nil, err
			}
			continue
		}
		if results[i], err = spec.apply(b.tx, c); err != nil {
			return nil, err
		}
	}
	b.tx.SetApplied(l.Index)
	b.logs = append(b.logs, l)
	b.f.appliedEntries.Add(1)
	return results, nil
}

// flush runs FLUSHDB/FLUSHALL, which bypass transactions: commit what came before, then drop.
// Flushes are idempotent, so a crash between the two only repeats the flush.
func (b *batchApplier) flush(c Command, index uint64) (Result, error) {
	now := b.tx.Now()
	if err := b.commit(); err != nil {
		return Result{}, err
	}
	defer func() { b.tx = b.f.db.Begin(now, true) }()
	var err error
	if c.Op == OpFlushAll {
		err = b.f.db.FlushAll(0)
	} else {
		err = b.f.db.FlushDB(c.DB, 0)
	}
	if errors.Is(err, engine.ErrBadDB) {
		return Result{Kind: ResultErr, Err: err}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Kind: ResultOK}, nil
}

func (b *batchApplier) recordOnly(index uint64) error {
	tx := b.f.db.Begin(0, true)
	tx.SetApplied(index)
	return tx.Commit()
}

func (b *batchApplier) commit() error {
	if b.tx == nil {
		return nil
	}
	err := b.tx.Commit()
	b.tx = nil
	b.logs = nil
	return err
}

func tooBig(l *raft.Log) []Result {
	_, cmds, err := decodeBatch(l.Data[1:])
	n := len(cmds)
	if err != nil || n == 0 {
		n = 1
	}
	out := make([]Result, n)
	for i := range out {
		out[i] = Result{Kind: ResultErr, Err: ErrTooBig}
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
	return &fsmSnapshot{snap: f.db.Snapshot()}, nil
}

// Restore replaces the engine's contents with a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.db.Restore(rc); err != nil {
		return err
	}
	f.log.Info("restored snapshot", "applied_index", f.db.Applied())
	return nil
}

type fsmSnapshot struct{ snap *engine.Snapshot }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.snap.WriteTo(sink); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() { s.snap.Release() }
