package raftfsm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Reads do not go through the log. Before a read, the connection asks ReadBarrier for its
// consistency level, then reads the local engine:
//
//   - linearizable: the read sees every write acknowledged before it started, whichever node took
//     it. On the leader: take the commit index, confirm leadership with a quorum (VerifyLeader: one
//     heartbeat round), check the term did not change, and wait until the FSM has applied that index
//     (Raft's ReadIndex; hashicorp/raft has no API for it). A leader confirms once per term that it
//     has committed an entry of its own term (a Barrier), since until then its commit index may lag
//     the previous leader's. On a follower: ask the leader for such a confirmed index over the
//     internal connection, then wait until this node has applied it.
//   - leader: what the leader has applied, without a quorum round. On the leader itself nothing is
//     waited for; a follower asks the leader for its applied index and waits to reach it. A deposed
//     leader that does not know it yet may serve an old value.
//   - stale: the local engine as it is, on any node.
//
// Concurrent callers share rounds: a caller joins the next round to start (never one already under
// way, whose index may predate the caller's request), so under load one heartbeat round serves many
// reads. A connection asks once per batch of pipelined commands (resp/consistency.go).

// ReadLevel is a read consistency level. The zero value is the default, ReadLeader: linearizable
// reads cost more than 20% of leader-local GET throughput in bench/cluster-reads.sh (DESIGN.md).
type ReadLevel int

// Read consistency levels.
const (
	ReadLeader ReadLevel = iota
	ReadLinearizable
	ReadStale
)

func (l ReadLevel) String() string {
	switch l {
	case ReadLinearizable:
		return "linearizable"
	case ReadLeader:
		return "leader"
	case ReadStale:
		return "stale"
	}
	return fmt.Sprintf("ReadLevel(%d)", int(l))
}

// ParseReadLevel parses "linearizable", "leader" or "stale".
func ParseReadLevel(s string) (ReadLevel, error) {
	for _, l := range []ReadLevel{ReadLeader, ReadLinearizable, ReadStale} {
		if s == l.String() {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown read consistency %q (leader, linearizable, stale)", s)
}

// readRounds are the shared rounds of a node.
type readRounds struct {
	verify       sharedRound // leader: confirm leadership, get the read index
	remote       sharedRound // follower: ask the leader for a linearizable read index
	remoteLeader sharedRound // follower: ask the leader for its applied index
}

func (r *readRounds) init(n *Node) {
	r.verify.fn = n.confirmLeadership
	r.remote.fn = func() (uint64, error) { return n.askReadIndex(ReadLinearizable) }
	r.remoteLeader.fn = func() (uint64, error) { return n.askReadIndex(ReadLeader) }
}

// ReadBarrier returns once a read of the local engine may be served at level. It fails with
// ErrNoLeader when the level needs a leader that cannot be reached or confirmed in time (ctx or
// ApplyTimeout, whichever ends first), and on a follower with ErrBehind when the leader answered but
// this node did not apply up to its index within CatchUpWait.
func (n *Node) ReadBarrier(ctx context.Context, level ReadLevel) error {
	if level == ReadStale {
		return nil
	}
	leading := n.raft.State() == raft.Leader
	if leading && (level == ReadLeader || n.soleVoter()) {
		// A sole voter's quorum is itself (Raft's VerifyLeader answers at once too), and a leader
		// applies a write before acknowledging it; but a new leader (after an election, or a
		// restart) may still be applying entries committed before its term, acknowledged writes
		// among them: until a barrier of its own term has applied, reads wait for it.
		if n.confirmedTerm.Load() == n.raft.CurrentTerm() {
			return nil
		}
		if _, err := n.confirmLeadership(); err != nil {
			return fmt.Errorf("%w: %v", ErrNoLeader, err)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	var index uint64
	var err error
	switch {
	case leading:
		index, err = n.reads.verify.do(ctx)
	case level == ReadLeader:
		index, err = n.reads.remoteLeader.do(ctx)
	default:
		index, err = n.reads.remote.do(ctx)
	}
	if err != nil {
		if errors.Is(err, ErrShutdown) || errors.Is(err, ErrNoLeader) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrNoLeader, err)
	}
	if leading {
		if err := n.waitApplied(ctx, index); err != nil {
			return fmt.Errorf("%w: %v", ErrNoLeader, err)
		}
		return nil
	}
	// A follower that cannot apply the leader's index soon is catching up (see CatchUpWait). Once
	// it has missed one, it does not wait again until it has reached that one.
	if b := n.behindUntil.Load(); b > 0 {
		if !n.appliedThrough(b) {
			return fmt.Errorf("%w: index %d not applied yet", ErrBehind, b)
		}
		n.behindUntil.CompareAndSwap(b, 0)
	}
	ctx, cancel = context.WithTimeout(ctx, n.cfg.CatchUpWait)
	defer cancel()
	if err := n.waitApplied(ctx, index); err != nil {
		n.markBehind(index)
		n.cfg.Logger.Warn("this node is catching up: reads go through the leader's log meanwhile",
			"read_index", index, "applied", n.fsm.progress.index.Load())
		return fmt.Errorf("%w: index %d not applied after %v", ErrBehind, index, n.cfg.CatchUpWait)
	}
	return nil
}

// soleVoter reports whether this node is the only voter of the latest configuration.
func (n *Node) soleVoter() bool {
	voters := 0
	self := false
	for _, s := range n.raft.GetConfiguration().Configuration().Servers {
		if s.Suffrage == raft.Voter {
			voters++
			self = self || s.ID == raft.ServerID(n.cfg.ID)
		}
	}
	return voters == 1 && self
}

// confirmLeadership is the leader's round: the index a linearizable read must wait for.
func (n *Node) confirmLeadership() (uint64, error) {
	if n.raft.State() != raft.Leader {
		return 0, ErrNotLeader
	}
	term := n.raft.CurrentTerm()
	if n.confirmedTerm.Load() != term {
		// Until an entry of this term commits, the commit index may be behind the last leader's.
		if err := raftErr(n.raft.Barrier(n.cfg.ApplyTimeout).Error()); err != nil {
			return 0, err
		}
		n.confirmedTerm.Store(term)
	}
	index := n.raft.CommitIndex()
	if err := raftErr(n.raft.VerifyLeader().Error()); err != nil {
		return 0, err
	}
	if n.raft.CurrentTerm() != term {
		return 0, ErrNotLeader
	}
	return index, nil
}

// readIndexLocal answers a follower's read-index request on the leader.
func (n *Node) readIndexLocal(ctx context.Context, level ReadLevel) (uint64, error) {
	if n.raft.State() != raft.Leader {
		return 0, ErrNotLeader
	}
	if level == ReadLeader {
		if n.confirmedTerm.Load() != n.raft.CurrentTerm() {
			// A new leader may not have applied its predecessors' entries yet (see ReadBarrier).
			if _, err := n.confirmLeadership(); err != nil {
				return 0, err
			}
		}
		return n.fsm.progress.index.Load(), nil
	}
	return n.reads.verify.do(ctx)
}

// askReadIndex is a follower's round: the leader's read index for level, asked over the internal
// connection (or answered here if this node has become the leader meanwhile).
func (n *Node) askReadIndex(level ReadLevel) (uint64, error) {
	deadline := time.Now().Add(n.cfg.LeaderWait)
	for {
		leaderAddr, err := n.awaitLeader(deadline)
		if err != nil {
			return 0, err
		}
		var index uint64
		if leaderAddr == "" {
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			index, err = n.readIndexLocal(ctx, level)
			cancel()
		} else {
			index, err = n.fwd.readIndex(leaderAddr, level)
		}
		if (errors.Is(err, ErrNotLeader) || errors.Is(err, errNotSent) || errors.Is(err, errLost)) &&
			time.Now().Before(deadline) {
			pause(5 * time.Millisecond) // a read may simply be asked again
			continue
		}
		return index, err
	}
}

// waitApplied returns once the FSM has processed every entry up to index (or ctx ends).
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	if n.appliedThrough(index) {
		return nil
	}
	// Entries the FSM never sees (a new leader's no-op, barriers) advance Raft's applied index without
	// waking us: look again now and then.
	poll := time.NewTicker(2 * time.Millisecond)
	defer poll.Stop()
	for {
		changed := n.fsm.progress.changed()
		if n.appliedThrough(index) {
			return nil
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitForwardApplied waits, bounded, until a forwarded write is applied here, so the connection
// that sent it reads it back. The write has committed whatever happens: a timeout only logs.
func (n *Node) waitForwardApplied(index uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaderWait)
	defer cancel()
	if err := n.waitApplied(ctx, index); err != nil {
		n.markBehind(index)
		n.cfg.Logger.Warn("a forwarded write committed but is not applied here yet", "index", index, "err", err)
	}
}

// markBehind records that this node did not apply index in time: until it has, its reads go
// through the log (ReadBarrier answers ErrBehind).
func (n *Node) markBehind(index uint64) {
	for {
		b := n.behindUntil.Load()
		if b >= index || n.behindUntil.CompareAndSwap(b, index) {
			return
		}
	}
}

// Behind reports whether this node knows it is behind: it missed applying, in time, an index a read
// or one of its forwarded writes needed. A connection that has passed its read barrier asks again
// after its writes when this holds, so it never reads around its own writes.
func (n *Node) Behind() bool {
	b := n.behindUntil.Load()
	return b > 0 && !n.appliedThrough(b)
}

// appliedThrough reports whether the FSM has processed every log entry up to index. The FSM is told
// only of commands and configurations; Raft's own applied index counts every entry but moves when
// entries are handed to the FSM, not when it is done with them. So: the FSM's own index reached
// index, or Raft handed over everything up to index and none of the entries the FSM has not
// processed is one it will be given.
func (n *Node) appliedThrough(index uint64) bool {
	done := n.fsm.progress.index.Load()
	if done >= index {
		return true
	}
	if n.raft.AppliedIndex() < index || index-done > 64 {
		return false // (only a few no-ops and barriers can follow the last entry the FSM saw)
	}
	for i := done + 1; i <= index; i++ {
		var l raft.Log
		if err := n.stores.logs.GetLog(i, &l); err != nil {
			continue // compacted away: covered by a snapshot the FSM holds
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return false
		}
	}
	return true
}

// sharedRound runs fn for many concurrent callers: a caller waits for the next run to start after
// its call, and every caller of that run gets its result. One run at a time: on a 2-core machine
// running rounds side by side (2 or 4 at once) cost more CPU in heartbeats than it saved in waiting
// (measured: 24K, 18K and 12K linearizable GET/s at 1, 2 and 4; bench/cluster-reads.sh).
type sharedRound struct {
	fn func() (uint64, error)

	mu      sync.Mutex
	running bool
	pending *roundResult // the run callers join now; it starts after the current one
}

type roundResult struct {
	done    chan struct{}
	index   uint64
	err     error
	callers int // callers that joined it; guarded by sharedRound.mu (tests)
}

func (g *sharedRound) do(ctx context.Context) (uint64, error) {
	g.mu.Lock()
	if g.pending == nil {
		g.pending = &roundResult{done: make(chan struct{})}
	}
	r := g.pending
	r.callers++
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.index, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (g *sharedRound) loop() {
	for {
		g.mu.Lock()
		r := g.pending
		g.pending = nil
		if r == nil {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		r.index, r.err = g.fn()
		close(r.done)
	}
}

// progress is the last log index the FSM processed, with a signal when it moves.
type progress struct {
	index atomic.Uint64
	mu    sync.Mutex
	ch    chan struct{} // closed at the next move
}

func (p *progress) advance(index uint64) {
	if index > p.index.Load() {
		p.index.Store(index)
	}
	p.signal()
}

func (p *progress) reset(index uint64) {
	p.index.Store(index)
	p.signal()
}

func (p *progress) signal() {
	p.mu.Lock()
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
	}
	p.mu.Unlock()
}

// changed returns a channel closed at the next move.
func (p *progress) changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch == nil {
		p.ch = make(chan struct{})
	}
	return p.ch
}
