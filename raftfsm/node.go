package raftfsm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"

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
)

// Config configures a Raft node.
type Config struct {
	// ID is this node's Raft server id. Default "node1".
	ID string
	// Dir holds the Raft log ("wal") and snapshots ("snapshots").
	Dir string
	// BindAddr is the Raft transport's listen address, e.g. "127.0.0.1:16379" (port 0 picks one).
	BindAddr string
	// Advertise is the address other nodes reach this one at; default the bound address.
	Advertise string
	// Bootstrap makes a node with no Raft state form a cluster of Peers (or of itself alone when
	// Peers is empty). Every initial voter is given the same Peers, which makes it deterministic.
	Bootstrap bool
	// Peers are the initial voters, this node included.
	Peers []raft.Server
	// HeartbeatTimeout and ElectionTimeout: Raft's; default 500ms each.
	HeartbeatTimeout time.Duration
	ElectionTimeout  time.Duration
	// ApplyTimeout bounds how long a proposal waits to enter Raft's queue, and for a leader at
	// start-up. Default 10s.
	ApplyTimeout time.Duration
	// SnapshotThreshold and TrailingLogs: Raft's; default 8192 and 1024.
	SnapshotThreshold uint64
	TrailingLogs      uint64
	// Logger receives the node's logs; Raft's own go through it at warn level and above.
	Logger *slog.Logger
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
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 8192
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Node is a Raft node whose state machine is the engine.
type Node struct {
	cfg       Config
	db        *engine.DB
	fsm       *FSM
	raft      *raft.Raft
	wal       *wal.WAL
	meta      *metadb.BoltMetaDB
	transport *raft.NetworkTransport
}

// Start opens the Raft log and snapshots in cfg.Dir, brings the engine up to date if it fell behind
// the latest snapshot, and starts Raft. It does not wait for a leader.
func Start(cfg Config, db *engine.DB) (*Node, error) {
	cfg.setDefaults()
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: os.Stderr})
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "wal"), 0o755); err != nil {
		return nil, err
	}
	// raft-wal v0.4.0's Close does not close the meta store it opens itself (its file lock would stay
	// held and a reopen in the same process would block): own it and close it ourselves.
	meta := &metadb.BoltMetaDB{}
	logs, err := wal.Open(filepath.Join(cfg.Dir, "wal"), wal.WithLogger(hlog), wal.WithMetaStore(meta))
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("raftfsm: open wal: %w", err)
	}
	n := &Node{cfg: cfg, db: db, fsm: NewFSM(db, cfg.Logger), wal: logs, meta: meta}
	if err := n.start(hlog); err != nil {
		logs.Close()
		meta.Close()
		if n.transport != nil {
			n.transport.Close()
		}
		return nil, err
	}
	return n, nil
}

func (n *Node) start(hlog hclog.Logger) error {
	cfg := n.cfg
	if err := removeUnfinishedSnapshots(filepath.Join(cfg.Dir, "snapshots"), cfg.Logger); err != nil {
		return err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		return fmt.Errorf("raftfsm: snapshot store: %w", err)
	}
	if err := n.catchUpFromSnapshot(snaps); err != nil {
		return err
	}
	var advertise net.Addr
	if cfg.Advertise != "" {
		if advertise, err = net.ResolveTCPAddr("tcp", cfg.Advertise); err != nil {
			return fmt.Errorf("raftfsm: advertise address: %w", err)
		}
	}
	n.transport, err = raft.NewTCPTransportWithLogger(cfg.BindAddr, advertise, 3, 10*time.Second, hlog)
	if err != nil {
		return fmt.Errorf("raftfsm: raft transport: %w", err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.HeartbeatTimeout / 2
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.TrailingLogs = cfg.TrailingLogs
	rc.NoSnapshotRestoreOnStart = true // the engine is durable and knows its applied index
	rc.MaxAppendEntries = 1024
	rc.BatchApplyCh = true

	existing, err := raft.HasExistingState(n.wal, n.wal, snaps)
	if err != nil {
		return fmt.Errorf("raftfsm: read raft state: %w", err)
	}
	if n.raft, err = raft.NewRaft(rc, n.fsm, n.wal, n.wal, snaps, n.transport); err != nil {
		return fmt.Errorf("raftfsm: start raft: %w", err)
	}
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
// now is the proposer's clock (Unix ms), the time the entry is applied at on every replica.
func (n *Node) Propose(now int64, cmds []Command) ([]Result, error) {
	if err := n.waitLeader(); err != nil {
		return nil, err
	}
	f := n.raft.Apply(encodeBatch(now, cmds), n.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader):
			return nil, ErrNotLeader
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, ErrShutdown
		case errors.Is(err, raft.ErrEnqueueTimeout):
			return nil, fmt.Errorf("raftfsm: %w", err)
		}
		return nil, fmt.Errorf("%w: %v", ErrUnknownOutcome, err)
	}
	results, ok := f.Response().([]Result)
	if !ok || len(results) != len(cmds) {
		return nil, fmt.Errorf("raftfsm: unexpected apply response %T", f.Response())
	}
	return results, nil
}

// waitLeader waits, up to ApplyTimeout, while the cluster has no leader (e.g. just after start-up).
// It returns ErrNotLeader when another node leads.
func (n *Node) waitLeader() error {
	deadline := time.Now().Add(n.cfg.ApplyTimeout)
	for {
		switch n.raft.State() {
		case raft.Leader:
			return nil
		case raft.Shutdown:
			return ErrShutdown
		}
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			return ErrNotLeader
		}
		if time.Now().After(deadline) {
			return ErrNotLeader
		}
		time.Sleep(5 * time.Millisecond)
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
	LastSnapshotIndex                     uint64
	FSM                                   FSMStats
}

// Status returns the node's Raft status.
func (n *Node) Status() Status {
	addr, id := n.raft.LeaderWithID()
	stats := n.raft.Stats()
	var term, snap uint64
	fmt.Sscan(stats["term"], &term)
	fmt.Sscan(stats["last_snapshot_index"], &snap)
	return Status{
		ID: n.cfg.ID, State: n.raft.State().String(), LeaderID: string(id), LeaderAddr: string(addr),
		Addr: string(n.transport.LocalAddr()), Term: term, CommitIndex: n.raft.CommitIndex(),
		AppliedIndex: n.raft.AppliedIndex(), LastSnapshotIndex: snap, FSM: n.fsm.Stats(),
	}
}

// Close shuts Raft down, waiting for in-flight applies, and closes the log. The engine stays open:
// its owner closes it.
func (n *Node) Close() error {
	err := n.raft.Shutdown().Error()
	if cerr := n.transport.Close(); err == nil {
		err = cerr
	}
	if cerr := n.wal.Close(); err == nil {
		err = cerr
	}
	if cerr := n.meta.Close(); err == nil {
		err = cerr
	}
	return err
}
