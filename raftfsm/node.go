package raftfsm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// Errors a proposer can act on.
var (
	// ErrNotLeader: this node is not the leader; nothing was proposed.
	ErrNotLeader = errors.New("raftfsm: not the leader")
	// ErrUnknownOutcome: the write was handed to Raft but leadership was lost before it was known to
	// commit. It may or may not have been applied; the node never retries it.
	ErrUnknownOutcome = errors.New("raftfsm: write outcome unknown (leadership lost while it was in flight)")
	// ErrShutdown: the node is shutting down; nothing was proposed.
	ErrShutdown = errors.New("raftfsm: node is shutting down")
	// ErrNoLeader: no leader could be reached in time (an election, or no quorum); nothing was done.
	ErrNoLeader = errors.New("raftfsm: no leader reachable")
	// ErrBehind: a follower's read barrier got the leader's index but this node did not apply it in
	// time (Config.CatchUpWait): it is catching up, e.g. after a restart. Its reads can go through
	// the log instead (a proposal of OpRead), which the leader answers.
	ErrBehind = errors.New("raftfsm: this node is behind the leader")
)

// Config configures a Raft node.
type Config struct {
	// ID is this node's Raft server id. Default "node1".
	ID string
	// Dir holds the Raft log ("wal") and snapshots ("snapshots").
	Dir string
	// BindAddr is the Raft transport's listen address, e.g. "127.0.0.1:16379" (port 0 picks one). Raft
	// and forwarded requests share it (mux.go).
	BindAddr string
	// Listener, when set, is used instead of listening on BindAddr (tests keep a port 0 listener).
	Listener net.Listener
	// Advertise is the address other nodes reach this one at (a host name is kept as it is, e.g.
	// "node1:16379"); default the bound address, which must then not be 0.0.0.0 or [::].
	Advertise string
	// ClientAddr is where clients reach this node (host:port). The node records it in the member
	// directory (members.go) so every node can name it (CLUSTER SLOTS, INFO replication).
	ClientAddr string
	// Bootstrap makes a node with no Raft state form a cluster of Peers (or of itself alone when
	// Peers is empty). Every initial voter is given the same Peers, which makes it deterministic.
	Bootstrap bool
	// Peers are the initial voters, this node included.
	Peers []raft.Server
	// HeartbeatTimeout and ElectionTimeout: Raft's; default 500ms each.
	HeartbeatTimeout time.Duration
	ElectionTimeout  time.Duration
	// ClusterHeartbeatTimeout, when set, replaces HeartbeatTimeout and ElectionTimeout once the
	// configuration has more than one voter: a single node may start with short timeouts (it elects
	// itself at once) and still get sane ones when voters are added.
	ClusterHeartbeatTimeout time.Duration
	// CommitTimeout: Raft's; how long an idle leader waits before telling followers a new commit
	// index. Followers serve reads (and a forwarded write's reply waits) once they have applied it, so
	// it is short. Default 5ms.
	CommitTimeout time.Duration
	// ForwardTimeout bounds the wait for the leader's reply to a forwarded request; past it the
	// outcome is unknown. Default 2 * ApplyTimeout.
	ForwardTimeout time.Duration
	// ApplyTimeout bounds how long a proposal waits to enter Raft's queue. Default 10s.
	ApplyTimeout time.Duration
	// LeaderWait bounds how long a proposal, a read barrier or an admin operation waits for a
	// leader to be known and to take it (start-up, an election); past it they fail with ErrNoLeader
	// having done nothing, which clients may retry. Shorter than clients' usual 3s read timeout
	// would be too short for an election on a busy machine. Default 3s.
	LeaderWait time.Duration
	// CatchUpWait bounds how long a follower's read barrier waits for this node to apply the index
	// the leader gave it before it fails with ErrBehind. hashicorp/raft backs off up to 10 s between
	// tries to reach a follower it lost, so a node back from an outage may wait that long for its
	// first entries. Default 1s.
	CatchUpWait time.Duration
	// SnapshotThreshold and TrailingLogs: Raft's; default 8192 and 1024.
	SnapshotThreshold uint64
	TrailingLogs      uint64
	// Logger receives the node's logs.
	Logger *slog.Logger
	// RaftLog receives Raft's own logs, warnings and above. Default os.Stderr.
	RaftLog io.Writer
	// Durability: when the log reaches the disk (durability.go). Default DurabilityFsync.
	Durability Durability
	// SyncInterval is how often DurabilityEverysec fsyncs the log. Default 1s.
	SyncInterval time.Duration
	// MemoryLogLimit bounds the in-memory log of DurabilityMemory: above it the node takes a
	// snapshot, which truncates the log. Default 256 MiB.
	MemoryLogLimit int64
	// BootID returns an id that changes at every boot of the machine, recorded by the running
	// marker (bootmarker.go). Default ReadBootID.
	BootID func() (string, error)
}

func (c *Config) setDefaults() {
	if c.ID == "" {
		c.ID = "node1"
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = 500 * time.Millisecond
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = 500 * time.Millisecond
	}
	if c.ApplyTimeout == 0 {
		c.ApplyTimeout = 10 * time.Second
	}
	if c.CatchUpWait == 0 {
		c.CatchUpWait = time.Second
	}
	if c.LeaderWait == 0 {
		c.LeaderWait = 3 * time.Second
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = 5 * time.Millisecond
	}
	if c.ForwardTimeout == 0 {
		c.ForwardTimeout = 2 * c.ApplyTimeout
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 8192
	}
	if c.Durability == DurabilityMemory && c.TrailingLogs == 0 {
		c.TrailingLogs = 64 // entries kept in memory after a snapshot, for followers just behind
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.RaftLog == nil {
		c.RaftLog = os.Stderr
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = time.Second
	}
	if c.MemoryLogLimit == 0 {
		c.MemoryLogLimit = 256 << 20
	}
	if c.BootID == nil {
		c.BootID = ReadBootID
	}
}

// Node is a Raft node whose state machine is the engine.
type Node struct {
	cfg       Config
	db        *engine.DB
	fsm       *FSM
	raft      *raft.Raft
	stores    *stores // log, stable and snapshot stores (logstore.go)
	mux       *muxLayer
	transport *raft.NetworkTransport
	fwd       *forwarder // requests to the leader (forward.go)
	reads     readRounds // shared read confirmations (readindex.go)

	confirmedTerm atomic.Uint64 // the term in which this leader has committed an entry (readindex.go)
	behindUntil   atomic.Uint64 // a read index this follower did not reach in time (readindex.go)

	observer *raft.Observer
	// leaderObserver feeds watchLeader, apart from watchCluster, whose directory update may itself
	// wait on a forward.
	leaderObserver *raft.Observer
	leaderDone     chan struct{}
	stopWatch      context.CancelFunc
	watchDone      chan struct{}

	// propMu orders proposals against transactions that WATCH keys: every proposal holds it shared
	// until it is applied; a watched transaction holds it alone while it checks its keys and commits
	// (watch.go).
	propMu       sync.RWMutex
	watches      *watchTracker
	stopWatching func()
	barrierTerm  uint64 // the term in which a barrier last applied every earlier entry; under propMu
}

// Start opens the Raft log and snapshots in cfg.Dir, brings the engine up to date if it fell behind
// the latest snapshot, and starts Raft. It does not wait for a leader.
func Start(cfg Config, db *engine.DB) (*Node, error) {
	cfg.setDefaults()
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: cfg.RaftLog})
	st, err := openStores(cfg, hlog)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, db: db, fsm: NewFSM(db, cfg.Logger), stores: st,
		fwd: newForwarder(cfg.ForwardTimeout)}
	n.reads.init(n)
	n.watches = newWatchTracker(db.Applied())
	n.stopWatching = db.OnCommit(n.watches.observe)
	n.fsm.beforeFlushOrSwap = n.watches.beforeFlushOrSwap
	if err := n.start(hlog); err != nil {
		n.stopWatching()
		st.Close()
		if n.transport != nil {
			n.transport.Close()
		} else if n.mux != nil {
			n.mux.Close()
		} else if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, err
	}
	changed := make(chan raft.Observation, 1)
	n.observer = raft.NewObserver(changed, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.LeaderObservation, raft.PeerObservation:
			return true
		}
		return false
	})
	n.raft.RegisterObserver(n.observer)
	leaders := make(chan raft.Observation, 1)
	n.leaderObserver = raft.NewObserver(leaders, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	n.raft.RegisterObserver(n.leaderObserver)
	ctx, cancel := context.WithCancel(context.Background())
	n.stopWatch, n.watchDone, n.leaderDone = cancel, make(chan struct{}), make(chan struct{})
	go n.watchCluster(ctx, changed)
	go n.watchLeader(ctx, leaders)
	st.boundMemoryLog(cfg.MemoryLogLimit, n.Snapshot, cfg.Logger.Warn)
	return n, nil
}

func (n *Node) start(hlog hclog.Logger) error {
	cfg := n.cfg
	snaps := n.stores.snaps
	if err := n.recoverEngine(snaps); err != nil {
		return err
	}
	var err error
	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.BindAddr); err != nil {
			return fmt.Errorf("raftfsm: raft listener: %w", err)
		}
	}
	advertise, err := advertiseAddr(cfg.Advertise, ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	n.mux = newMuxLayer(ln, advertise, n.serveForward)
	n.transport = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: n.mux, MaxPool: 3, Timeout: 10 * time.Second, Logger: hlog,
	})
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	// How long a leader goes without hearing from a quorum before it steps down. Reads do not rely
	// on it (readindex.go); the longest Raft allows keeps a busy machine's pauses from deposing a
	// healthy leader.
	rc.LeaderLeaseTimeout = cfg.HeartbeatTimeout
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.TrailingLogs = cfg.TrailingLogs
	rc.NoSnapshotRestoreOnStart = true // the engine is durable and knows its applied index
	rc.MaxAppendEntries = 1024
	rc.BatchApplyCh = true
	rc.CommitTimeout = cfg.CommitTimeout

	existing, err := raft.HasExistingState(n.stores.logs, n.stores.stable, snaps)
	if err != nil {
		return fmt.Errorf("raftfsm: read raft state: %w", err)
	}
	if n.raft, err = raft.NewRaft(rc, n.fsm, n.stores.logs, n.stores.stable, snaps, n.transport); err != nil {
		return fmt.Errorf("raftfsm: start raft: %w", err)
	}
	isLeader := func() bool { return n.raft.State() == raft.Leader }
	n.fsm.isLeader.Store(&isLeader)
	if !existing && cfg.Bootstrap {
		peers := cfg.Peers
		if len(peers) == 0 {
			peers = []raft.Server{{ID: rc.LocalID, Address: n.transport.LocalAddr()}}
		}
		err := n.raft.BootstrapCluster(raft.Configuration{Servers: peers}).Error()
		if err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			n.raft.Shutdown()
			return fmt.Errorf("raftfsm: bootstrap: %w", err)
		}
	}
	return nil
}

// truncatedLogStore hides the entries Raft deleted after a snapshot. raft-wal v0.4.0 truncates the head
// of its log by moving the first index, but GetLog still returns deleted entries that sit in the
// current (tail) segment, 64 MB of log by default. The leader then replays the whole log to a new or
// wiped follower instead of sending the snapshot, and TrailingLogs means nothing until a segment
// fills up. Raft's LogStore contract is that a deleted entry is not found.
type truncatedLogStore struct{ raft.LogStore }

// IsMonotonic passes on raft-wal's raft.MonotonicLogStore. Without it Raft takes the store for one
// that accepts gaps, and after installing a snapshot past the end of a follower's log it keeps the
// old entries: raft-wal then refuses the entries after the snapshot, and the follower never catches
// up.
func (s truncatedLogStore) IsMonotonic() bool {
	m, ok := s.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

func (s truncatedLogStore) GetLog(index uint64, log *raft.Log) error {
	first, err := s.LogStore.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	return s.LogStore.GetLog(index, log)
}

// removeUnfinishedSnapshots deletes the snapshots a crash left half-written ("<name>.tmp" in Raft's
// snapshot directory). Raft skips them but never deletes them, and each can be as large as the
// whole data set: a node that crashes during snapshots would fill its disk. Nothing else writes
// there while the node is not running.
func removeUnfinishedSnapshots(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("raftfsm: snapshot directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("raftfsm: remove unfinished snapshot: %w", err)
		}
		log.Warn("removed a snapshot left unfinished by a crash", "name", e.Name())
	}
	return nil
}

// catchUpFromSnapshot restores the latest snapshot when the engine is behind it, which happens only
// if the machine lost engine writes that were not yet synced and Raft has since truncated the log.
// It compares with the engine's applied index recorded in the snapshot, not Raft's snapshot index,
// which also counts entries the FSM never sees (a new leader's no-op, barriers).
func (n *Node) catchUpFromSnapshot(snaps raft.SnapshotStore) error {
	list, err := snaps.List()
	if err != nil || len(list) == 0 {
		return err
	}
	_, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return fmt.Errorf("raftfsm: open snapshot: %w", err)
	}
	snapApplied, err := engine.SnapshotApplied(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("raftfsm: snapshot %s: %w", list[0].ID, err)
	}
	if n.db.Applied() >= snapApplied {
		return nil
	}
	n.cfg.Logger.Warn("engine is behind the latest snapshot; restoring it",
		"engine_applied", n.db.Applied(), "snapshot_applied", snapApplied, "snapshot_index", list[0].Index)
	if _, rc, err = snaps.Open(list[0].ID); err != nil {
		return fmt.Errorf("raftfsm: open snapshot: %w", err)
	}
	return n.fsm.Restore(rc)
}

// Propose commits cmds as one log entry, applied atomically, and returns one Result per command.
// now is the proposer's clock (Unix ms), the time the entry is applied at on every replica. On a
// follower the entry is forwarded to the leader (forward.go), and Propose returns once this node has
// applied it too, so the caller's next read here sees it.
func (n *Node) Propose(now int64, cmds []Command) ([]Result, error) {
	return n.propose(now, nil, cmds)
}

// propose sends a proposal to the leader, local or remote. It tries again only when nothing was
// proposed (the receiver was not the leader, or the request never left); once a request may have
// reached the leader, its outcome is what the caller gets, and a lost reply is ErrUnknownOutcome.
func (n *Node) propose(now int64, watch *Watch, cmds []Command) ([]Result, error) {
	deadline := time.Now().Add(n.cfg.LeaderWait)
	for {
		leaderAddr, err := n.awaitLeader(deadline)
		if err != nil {
			return nil, err
		}
		var results []Result
		var index uint64
		if leaderAddr == "" {
			results, index, err = n.proposeLocal(now, watch, cmds)
		} else {
			results, index, err = n.fwd.propose(leaderAddr, now, watch, cmds)
		}
		if errors.Is(err, ErrNotLeader) || errors.Is(err, errNotSent) {
			if time.Now().Before(deadline) {
				pause(5 * time.Millisecond)
				continue
			}
			return nil, fmt.Errorf("%w: %v", ErrNoLeader, err)
		}
		if err != nil {
			return nil, err
		}
		if leaderAddr != "" && !onlyReads(cmds) {
			n.waitForwardApplied(index) // (reads wrote nothing to wait for: their results came back)
		}
		return results, nil
	}
}

// onlyReads reports whether cmds are all OpRead.
func onlyReads(cmds []Command) bool {
	for _, c := range cmds {
		if c.Op != OpRead {
			return false
		}
	}
	return true
}

// proposeLocal commits a proposal on this node, which must lead: its own clients' and forwarded
// ones alike. It returns the results and the log index of the (last) entry. ErrNotLeader means
// nothing was appended.
func (n *Node) proposeLocal(now int64, w *Watch, cmds []Command) ([]Result, uint64, error) {
	if n.raft.State() != raft.Leader {
		return nil, 0, ErrNotLeader
	}
	segments := splitAtFlushes(cmds)
	if (w == nil || len(w.Keys) == 0) && len(segments) == 1 {
		n.propMu.RLock()
		defer n.propMu.RUnlock()
		return n.apply(now, cmds)
	}
	return n.proposeGuarded(now, w, segments) // watch.go
}

// apply proposes one entry and waits for its results; the caller holds propMu.
func (n *Node) apply(now int64, cmds []Command) ([]Result, uint64, error) {
	f := n.raft.Apply(encodeBatch(now, cmds), n.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return nil, 0, ErrNotLeader
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, 0, ErrShutdown
		case errors.Is(err, raft.ErrEnqueueTimeout):
			return nil, 0, fmt.Errorf("raftfsm: %w", err)
		}
		return nil, 0, fmt.Errorf("%w: %v", ErrUnknownOutcome, err)
	}
	results, ok := f.Response().([]Result)
	if !ok || len(results) != len(cmds) {
		return nil, 0, fmt.Errorf("raftfsm: unexpected apply response %T", f.Response())
	}
	return results, f.Index(), nil
}

// awaitLeader waits, until deadline, while the cluster has no leader (an election, start-up). It
// returns "" when this node leads, else the leader's Raft address.
func (n *Node) awaitLeader(deadline time.Time) (string, error) {
	for {
		switch n.raft.State() {
		case raft.Leader:
			return "", nil
		case raft.Shutdown:
			return "", ErrShutdown
		}
		if addr, id := n.raft.LeaderWithID(); addr != "" && id != raft.ServerID(n.cfg.ID) {
			return string(addr), nil
		}
		if time.Now().After(deadline) {
			return "", ErrNoLeader
		}
		pause(5 * time.Millisecond)
	}
}

// WaitLeader blocks until this node is the leader or ctx ends.
func (n *Node) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for n.raft.State() != raft.Leader {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Snapshot asks Raft for a snapshot now (SAVE/BGSAVE).
func (n *Node) Snapshot() error {
	err := n.raft.Snapshot().Error()
	if errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return nil
	}
	return err
}

// Status is what INFO reports about the node.
type Status struct {
	ID, State, LeaderID, LeaderAddr, Addr string
	Term, CommitIndex, AppliedIndex       uint64
	LastSnapshotIndex, LastSnapshotTerm   uint64
	LastContact                           time.Time // a follower's last contact with the leader
	CatchingUp                            bool      // Behind: its reads go through the log for now
	FSM                                   FSMStats
}

// Status returns the node's Raft status.
func (n *Node) Status() Status {
	addr, id := n.raft.LeaderWithID()
	stats := n.raft.Stats()
	var snap, snapTerm uint64
	fmt.Sscan(stats["last_snapshot_index"], &snap)
	fmt.Sscan(stats["last_snapshot_term"], &snapTerm)
	return Status{
		ID: n.cfg.ID, State: n.raft.State().String(), LeaderID: string(id), LeaderAddr: string(addr),
		Addr: string(n.transport.LocalAddr()), Term: n.raft.CurrentTerm(), CommitIndex: n.raft.CommitIndex(),
		AppliedIndex: n.raft.AppliedIndex(), LastSnapshotIndex: snap, LastSnapshotTerm: snapTerm,
		LastContact: n.raft.LastContact(), CatchingUp: n.Behind(), FSM: n.fsm.Stats(),
	}
}

// Close shuts Raft down, waiting for in-flight applies, and closes the log. The engine stays open:
// its owner closes it.
func (n *Node) Close() error {
	n.stopWatch()
	n.raft.DeregisterObserver(n.observer)
	n.raft.DeregisterObserver(n.leaderObserver)
	n.stopWatching()
	err := n.raft.Shutdown().Error()
	n.fwd.close() // ends requests out to the leader (the directory update of watchCluster too)
	<-n.watchDone
	<-n.leaderDone
	if cerr := n.transport.Close(); err == nil {
		err = cerr
	}
	n.mux.Close()
	n.mux.wait()
	if cerr := n.stores.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = n.markCleanStop()
	}
	return err
}
