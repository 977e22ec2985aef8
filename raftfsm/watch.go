package raftfsm

import (
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// ErrWatchChanged: a key a transaction watched (WATCH) changed before EXEC; nothing was proposed.
var ErrWatchChanged = errors.New("raftfsm: a watched key changed")

// WatchKey is a key watched by a transaction, with what the watcher saw of it.
type WatchKey struct {
	DB  int
	Key []byte
	// Existed: the key existed (and had not expired) when it was watched.
	Existed bool
	// ExpireAt is its expiry then (Unix ms), 0 for none: if that time passes before EXEC, the key
	// changed (Redis 7.0 aborts a transaction whose watched key expired meanwhile).
	ExpireAt int64
	// Index is the engine's applied index when this key was watched; 0 means the Watch's Index.
	Index uint64
}

// Watch is the guard of a transaction: its keys, watched when the engine's applied index was Index.
type Watch struct {
	Index uint64
	Keys  []WatchKey
	// Registered: every key was registered on the node that checks the Watch (Node.RegisterWatch)
	// before it was read, so that node recorded exactly which flushes and swaps changed it. Not sent
	// on the wire: a Watch forwarded to another node is checked conservatively there.
	Registered bool
}

// watchLimit bounds the keys a watchTracker remembers per generation: two generations of 64K keys
// hash to index (about 3 MB). A transaction whose WATCH is older than both is aborted, as if its keys
// had changed.
const watchLimit = 1 << 16

// watchTracker remembers the applied index of each key's last change, for the most recent changes
// only (two generations of watchLimit keys), and of each database's last flush or swap. It is fed by
// the engine's commit observer on the FSM goroutine and read by the leader when it checks a Watch.
type watchTracker struct {
	seed maphash.Seed

	mu        sync.Mutex
	cur, prev map[uint64]uint64  // hash(db, key) -> applied index of its last change
	curFrom   uint64             // cur holds changes after this index
	forgotten uint64             // changes at or below this index may have been dropped
	flushed   map[int]uint64     // logical db -> applied index of its last flush
	swapped   map[int]swapRecord // logical db -> its last two SWAPDBs

	registered map[watchedKey]int // keys this node's connections watch, with how many watch each
}

// watchedKey is a key in a logical database.
type watchedKey struct {
	db  int
	key string
}

// swapRecord is what the tracker remembers of a database's SWAPDBs.
type swapRecord struct {
	last, before uint64 // applied index of the last swap and of the one before it
	partner      int    // the database the last swap exchanged it with
}

func newWatchTracker(applied uint64) *watchTracker {
	return &watchTracker{
		seed: maphash.MakeSeed(), cur: map[uint64]uint64{}, prev: map[uint64]uint64{},
		curFrom: applied, forgotten: applied, flushed: map[int]uint64{}, swapped: map[int]swapRecord{},
		registered: map[watchedKey]int{},
	}
}

// register notes that a connection of this node watches key in db; unregister undoes it.
func (w *watchTracker) register(db int, key []byte) {
	w.mu.Lock()
	w.registered[watchedKey{db, string(key)}]++
	w.mu.Unlock()
}

func (w *watchTracker) unregister(db int, key []byte) {
	w.mu.Lock()
	k := watchedKey{db, string(key)}
	if w.registered[k] <= 1 {
		delete(w.registered, k)
	} else {
		w.registered[k]--
	}
	w.mu.Unlock()
}

// beforeFlushOrSwap is called by the FSM just before it applies, at index, a flush of dbs or (swap)
// a SWAPDB of dbs[0] and dbs[1]. As Redis does, it counts as a change of each registered key of
// those databases that exists, at that moment, in its database or (swap) in the other one; exists
// reads the state before the flush or swap.
func (w *watchTracker) beforeFlushOrSwap(index uint64, dbs []int, swap bool, exists func(db int, key []byte) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.registered {
		i := slices.Index(dbs, k.db)
		if i < 0 {
			continue
		}
		changed := exists(k.db, []byte(k.key))
		if !changed && swap {
			changed = exists(dbs[1-i], []byte(k.key))
		}
		if changed {
			w.cur[w.hash(k.db, []byte(k.key))] = index
		}
	}
}

func (w *watchTracker) hash(db int, key []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(w.seed)
	h.WriteByte(byte(db))
	h.WriteByte(byte(db >> 8))
	h.Write(key)
	return h.Sum64()
}

// observe records a commit.
func (w *watchTracker) observe(c engine.Commit) {
	if c.Applied == 0 {
		return // not through Raft (tests driving the engine directly)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range c.Touched {
		if t.Swapped {
			prev := w.swapped[t.DB]
			w.swapped[t.DB] = swapRecord{last: c.Applied, before: prev.last, partner: t.Partner}
			continue
		}
		if t.Flushed {
			w.flushed[t.DB] = c.Applied
			continue
		}
		w.cur[w.hash(t.DB, t.Key)] = c.Applied
	}
	if len(w.cur) >= watchLimit {
		w.forgotten = w.curFrom
		w.prev, w.cur, w.curFrom = w.cur, make(map[uint64]uint64, watchLimit), c.Applied
	}
}

// changed reports whether any key of g changed after g.Index, as far as the tracker knows. The
// caller has every committed entry applied; now is the time of the check.
func (w *watchTracker) changed(g *Watch, now int64, exists func(db int, key []byte) bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range g.Keys {
		since := k.Index
		if since == 0 {
			since = g.Index
		}
		if since < w.forgotten {
			return true
		}
		h := w.hash(k.DB, k.Key)
		if max(w.cur[h], w.prev[h]) > since {
			return true
		}
		if k.ExpireAt != 0 && k.ExpireAt <= now {
			return true
		}
		if g.Registered {
			continue // flushes and swaps that changed it were recorded above (beforeFlushOrSwap)
		}
		if sw := w.swapped[k.DB]; sw.last > since {
			// Redis counts a SWAPDB as a change of a watched key present in either database at
			// that moment. After one swap, and no later change of the key in either database, that
			// is whether it exists in either now; otherwise count it as changed.
			other := w.hash(sw.partner, k.Key)
			if sw.before > since || max(w.cur[other], w.prev[other]) > sw.last ||
				w.flushed[k.DB] > since || w.flushed[sw.partner] > since ||
				exists(k.DB, k.Key) || exists(sw.partner, k.Key) {
				return true
			}
		}
		if w.flushed[k.DB] > since && k.Existed {
			// A flush changed the key if it existed then; one created after the WATCH is a
			// change already.
			return true
		}
	}
	return false
}

// RegisterWatch tells the node that a connection watches key in db, until UnregisterWatch: the node
// then records exactly which FLUSHDB, FLUSHALL and SWAPDB change it, as Redis does, and a Watch
// whose keys were all registered before they were read (Watch.Registered) is checked against that
// record here.
func (n *Node) RegisterWatch(db int, key []byte)   { n.watches.register(db, key) }
func (n *Node) UnregisterWatch(db int, key []byte) { n.watches.unregister(db, key) }

// exists reports whether key exists in db now; an error counts as existing (the transaction aborts).
func (n *Node) exists(db int, key []byte) bool {
	ok := true
	n.db.View(func(tx *engine.Tx) error {
		var err error
		if ok, err = tx.Exists(db, key); err != nil {
			ok = true
		}
		return nil
	})
	return ok
}

// SetReader sets the function that runs the reads of transactions (OpRead) on this node.
func (n *Node) SetReader(fn ReadFunc) { n.fsm.SetReader(fn) }

// ProposeWatched commits a transaction (MULTI/EXEC): cmds, reads (OpRead) included, applied in
// order with no other write in between, after checking that no key of w (nil: none) changed since
// it was watched; if one did it proposes nothing and returns ErrWatchChanged. Without a flush the
// transaction is one entry, applied atomically; a FLUSHDB/FLUSHALL, which cannot share an entry, is
// proposed as an entry of its own between the commands before and after it: nothing else
// interleaves, but a crash in between leaves the first entries applied. On a follower the whole
// transaction, guard included, is forwarded to the leader as one request (forward.go), which checks
// the guard against its own record of changes: applied indexes are the same on every node.
func (n *Node) ProposeWatched(now int64, w *Watch, cmds []Command) ([]Result, error) {
	return n.propose(now, w, cmds)
}

// proposeGuarded is the leader's part of ProposeWatched for a guarded or multi-entry transaction,
// cut into segments (splitAtFlushes). It returns the results and the index of the last entry.
func (n *Node) proposeGuarded(now int64, w *Watch, segments [][]Command) ([]Result, uint64, error) {
	n.propMu.Lock()
	defer n.propMu.Unlock()
	if w != nil && len(w.Keys) > 0 {
		if err := n.applyEarlierTerms(); err != nil {
			return nil, 0, err
		}
		if n.watches.changed(w, now, n.exists) {
			return nil, 0, ErrWatchChanged
		}
	}
	var results []Result
	var last uint64
	for i, seg := range segments {
		if len(seg) == 0 {
			continue // a transaction of connection commands only: checked, nothing to commit
		}
		res, index, err := n.apply(now, seg)
		if err != nil {
			if i > 0 {
				// Earlier entries committed: the transaction's outcome is partial.
				return nil, 0, fmt.Errorf("%w: %v", ErrUnknownOutcome, err)
			}
			return nil, 0, err
		}
		results = append(results, res...)
		last = index
	}
	return results, last, nil
}

// applyEarlierTerms makes sure, once per term, that every entry committed before this leader's
// term is applied (a new leader may still be applying its predecessor's entries), so the watch
// tracker has seen them. The caller holds propMu exclusively, so no entry of this node is pending.
func (n *Node) applyEarlierTerms() error {
	term := n.raft.CurrentTerm()
	if n.barrierTerm == term {
		return nil
	}
	if err := n.raft.Barrier(n.cfg.ApplyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return ErrNotLeader
		}
		return fmt.Errorf("raftfsm: barrier: %w", err)
	}
	n.barrierTerm = term
	return nil
}

// splitAtFlushes cuts cmds into the entries they need: a flush alone, the rest grouped.
func splitAtFlushes(cmds []Command) [][]Command {
	var out [][]Command
	start := 0
	for i, c := range cmds {
		if c.Op != OpFlushDB && c.Op != OpFlushAll {
			continue
		}
		if i > start {
			out = append(out, cmds[start:i])
		}
		out = append(out, cmds[i:i+1])
		start = i + 1
	}
	if start < len(cmds) || len(out) == 0 {
		out = append(out, cmds[start:])
	}
	return out
}
