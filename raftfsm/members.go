package raftfsm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// The member directory: where clients reach each member. Raft's configuration knows every server's id
// and Raft address, but CLUSTER SLOTS, INFO replication and RAFT MEMBERS must also name each member's
// client (RESP) address, on every node. The directory is kept in the engine as system records
// ("member/<id>" -> client address), written through the log, so every replica and every snapshot
// holds it. Each node registers itself: whenever it finds itself in the configuration with no record
// or a different one (first start, a new --advertise), it proposes OpMember; the leader proposes
// OpForgetMember for records of servers no longer in the configuration. Readers list the
// configuration and take the client address from the directory, so a stale record is never shown.

// The member family (ops 12-13, in the core range).
const (
	OpMember       Op = 12 // id, client address: member id serves clients at that address -> OK
	OpForgetMember Op = 13 // id: forget member id's client address -> OK
)

var memberOps = map[Op]opSpec{
	OpMember:       {applyMember, 2},
	OpForgetMember: {applyForgetMember, 1},
}

const memberPrefix = "member/"

func memberRecord(id []byte) []byte { return append([]byte(memberPrefix), id...) }

func applyMember(tx *engine.Tx, c Command) (Result, error) {
	if err := tx.PutRecord(memberRecord(c.Args[0]), c.Args[1]); err != nil {
		return Result{}, err
	}
	return Result{Kind: ResultOK}, nil
}

func applyForgetMember(tx *engine.Tx, c Command) (Result, error) {
	if err := tx.DeleteRecord(memberRecord(c.Args[0])); err != nil {
		return Result{}, err
	}
	return Result{Kind: ResultOK}, nil
}

// Member is a server of the cluster's latest configuration.
type Member struct {
	ID         string
	RaftAddr   string // where Raft and forwarded requests reach it
	ClientAddr string // where clients reach it; "" until it has registered
	Voter      bool   // a voter, or a non-voter that only replicates
	Leader     bool   // this node currently takes it for the leader
	Self       bool   // this node
}

// directory returns the member directory: client address by member id.
func (n *Node) directory() map[string]string {
	dir := map[string]string{}
	err := n.db.Records([]byte(memberPrefix), func(name, value []byte) {
		dir[string(name[len(memberPrefix):])] = string(value)
	})
	if err != nil {
		n.cfg.Logger.Warn("reading the member directory failed", "err", err)
	}
	return dir
}

// Members lists the servers of the latest configuration this node knows (possibly not yet committed),
// in id order.
func (n *Node) Members() []Member {
	servers := n.raft.GetConfiguration().Configuration().Servers
	dir := n.directory()
	_, leader := n.raft.LeaderWithID()
	out := make([]Member, 0, len(servers))
	for _, s := range servers {
		m := Member{
			ID: string(s.ID), RaftAddr: string(s.Address), ClientAddr: dir[string(s.ID)],
			Voter: s.Suffrage == raft.Voter, Leader: s.ID == leader, Self: s.ID == raft.ServerID(n.cfg.ID),
		}
		if m.Self && n.cfg.ClientAddr != "" {
			m.ClientAddr = n.cfg.ClientAddr // this node knows its own address best (a restart may change it)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Leader returns the member this node takes for the leader, if it knows one.
func (n *Node) Leader() (Member, bool) {
	addr, id := n.raft.LeaderWithID()
	if id == "" {
		return Member{}, false
	}
	for _, m := range n.Members() {
		if m.ID == string(id) {
			return m, true
		}
	}
	// A leader not (yet) in this node's configuration: what Raft told us.
	return Member{ID: string(id), RaftAddr: string(addr), Leader: true}, true
}

// Admin operations. On a follower they are forwarded to the leader (forward.go), which runs them.
const (
	adminAddVoter byte = 1 // id, raft address
	adminRemove   byte = 2 // id
	adminTransfer byte = 3 // id or ""
)

// ErrUnknownMember: an admin operation named a server that is not in the configuration.
var ErrUnknownMember = errors.New("raftfsm: no such member")

// AddVoter adds server id at Raft address addr as a voter (or changes its address). It returns once
// the new configuration is committed; the new server then catches up from the leader, by snapshot
// install when the log it needs was compacted.
func (n *Node) AddVoter(id, addr string) error {
	if id == "" || addr == "" {
		return fmt.Errorf("raftfsm: a member needs an id and a Raft address")
	}
	return n.admin(adminAddVoter, id, addr)
}

// RemoveServer removes server id from the configuration. Removing the leader makes it step down once
// the change is committed.
func (n *Node) RemoveServer(id string) error { return n.admin(adminRemove, id, "") }

// TransferLeadership hands leadership to server id, or to the most up-to-date follower when id is "".
func (n *Node) TransferLeadership(id string) error { return n.admin(adminTransfer, id, "") }

func (n *Node) admin(op byte, id, addr string) error {
	deadline := time.Now().Add(n.cfg.LeaderWait)
	for {
		leaderAddr, err := n.awaitLeader(deadline)
		if err != nil {
			return err
		}
		if leaderAddr == "" {
			err = n.adminLocal(op, id, addr)
		} else {
			err = n.fwd.admin(leaderAddr, op, id, addr)
		}
		if (errors.Is(err, ErrNotLeader) || errors.Is(err, errNotSent)) && time.Now().Before(deadline) {
			pause(5 * time.Millisecond)
			continue
		}
		if errors.Is(err, errLost) && n.awaitAdminDone(op, id, leaderAddr, deadline) {
			// This node drops its requests to a leader once another leads (forwarder.leaderChanged),
			// as it does when the operation moves the leadership (a transfer, removing the leader).
			return nil
		}
		return err
	}
}

// awaitAdminDone reports whether this node sees the effect of the admin operation op on id, which it
// sent to the leader at sentTo, waiting for it until deadline.
func (n *Node) awaitAdminDone(op byte, id, sentTo string, deadline time.Time) bool {
	if op != adminTransfer && op != adminRemove {
		return false // adding a voter does not move the leadership: the reply was lost otherwise
	}
	for {
		var done bool
		switch op {
		case adminTransfer:
			addr, leader := n.raft.LeaderWithID()
			done = leader == raft.ServerID(id) || (id == "" && addr != "" && string(addr) != sentTo)
		case adminRemove:
			done = !n.inConfiguration(id)
		}
		if done {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		pause(5 * time.Millisecond)
	}
}

// adminLocal runs an admin operation on this node, which must lead.
func (n *Node) adminLocal(op byte, id, addr string) error {
	if n.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	timeout := n.cfg.ApplyTimeout
	switch op {
	case adminAddVoter:
		return raftErr(n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout).Error())
	case adminRemove:
		if !n.inConfiguration(id) {
			return fmt.Errorf("%w: %q", ErrUnknownMember, id)
		}
		// Forget its client address first: once removed, a removed leader can propose nothing. A
		// record left behind (the removal failed) is re-registered by the member itself.
		if _, _, err := n.proposeLocal(time.Now().UnixMilli(), nil, []Command{{Op: OpForgetMember, Args: [][]byte{[]byte(id)}}}); err != nil {
			return err
		}
		return raftErr(n.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error())
	case adminTransfer:
		if id == "" {
			return raftErr(n.raft.LeadershipTransfer().Error())
		}
		for _, s := range n.raft.GetConfiguration().Configuration().Servers {
			if string(s.ID) == id {
				return raftErr(n.raft.LeadershipTransferToServer(s.ID, s.Address).Error())
			}
		}
		return fmt.Errorf("%w: %q", ErrUnknownMember, id)
	}
	return fmt.Errorf("raftfsm: unknown admin operation %d", op)
}

// raftErr maps Raft's errors to this package's, for operations that were not proposals.
func raftErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return ErrNotLeader
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrShutdown
	}
	return fmt.Errorf("raftfsm: %w", err)
}

func (n *Node) inConfiguration(id string) bool {
	for _, s := range n.raft.GetConfiguration().Configuration().Servers {
		if string(s.ID) == id {
			return true
		}
	}
	return false
}

// syncDirectory registers this node's client address when the directory lacks it or has another
// one, and, on the leader, forgets the records of servers that left the configuration.
func (n *Node) syncDirectory() {
	if n.cfg.ClientAddr == "" {
		return
	}
	servers := n.raft.GetConfiguration().Configuration().Servers
	dir := n.directory()
	var cmds []Command
	in := map[string]bool{}
	for _, s := range servers {
		in[string(s.ID)] = true
	}
	// A node alone in its configuration needs no record (Members names its own address): a single
	// node writes nothing to its log but its clients' writes. It registers once another server is
	// added.
	if in[n.cfg.ID] && len(servers) > 1 && dir[n.cfg.ID] != n.cfg.ClientAddr {
		cmds = append(cmds, Command{Op: OpMember, Args: [][]byte{[]byte(n.cfg.ID), []byte(n.cfg.ClientAddr)}})
	}
	if n.raft.State() == raft.Leader {
		for id := range dir {
			if !in[id] {
				cmds = append(cmds, Command{Op: OpForgetMember, Args: [][]byte{[]byte(id)}})
			}
		}
	}
	if len(cmds) == 0 {
		return
	}
	if _, err := n.Propose(time.Now().UnixMilli(), cmds); err != nil {
		n.cfg.Logger.Debug("member directory update failed; will retry", "err", err)
		return
	}
	n.cfg.Logger.Info("member directory updated", "node_id", n.cfg.ID, "client_addr", n.cfg.ClientAddr)
}

// watchCluster keeps the member directory up to date and adapts Raft's timeouts to the number of
// voters. It wakes on leader and configuration changes, and every second.
func (n *Node) watchCluster(ctx context.Context, changed <-chan raft.Observation) {
	defer close(n.watchDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		n.adaptTimeouts()
		n.syncDirectory()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// watchLeader ends the forwarded requests out to a node once another is known to lead
// (forwarder.leaderChanged), so that their clients learn at once that the outcome is unknown.
func (n *Node) watchLeader(ctx context.Context, leaders <-chan raft.Observation) {
	defer close(n.leaderDone)
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaders:
			// The leader as it is now: an observation that found the channel full was dropped.
			if addr, _ := n.raft.LeaderWithID(); addr != "" {
				n.fwd.leaderChanged(string(addr))
			}
		}
	}
}

// adaptTimeouts switches a node started with fast (single-node) timeouts to the cluster ones once it
// has other voters: a single voter elects itself at once, but a cluster on a busy machine would see
// spurious elections with them.
func (n *Node) adaptTimeouts() {
	if n.cfg.ClusterHeartbeatTimeout == 0 {
		return
	}
	voters := 0
	for _, s := range n.raft.GetConfiguration().Configuration().Servers {
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	rc := n.raft.ReloadableConfig()
	if voters <= 1 || rc.HeartbeatTimeout == n.cfg.ClusterHeartbeatTimeout {
		return
	}
	rc.HeartbeatTimeout = n.cfg.ClusterHeartbeatTimeout
	rc.ElectionTimeout = n.cfg.ClusterHeartbeatTimeout
	if err := n.raft.ReloadConfig(rc); err != nil {
		n.cfg.Logger.Warn("could not switch to cluster timeouts", "err", err)
	}
}

// pause sleeps for d: used only between retries of an operation that did not happen.
func pause(d time.Duration) { time.Sleep(d) }
