package resp

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// The RAFT command: the cluster's admin namespace. Read-only subcommands (MEMBERS, LEADER, STATUS)
// answer from this node's view; changes (ADD, REMOVE, TRANSFER) are forwarded to the leader by the
// node, and answer once the leader has done them, so they may be sent to any member.

func clusterCommands() []*command {
	return []*command{
		{name: "raft", arity: -2, flags: flagAdmin | flagStale | flagLoading, group: "cluster", summary: "Shows and changes the Raft cluster: MEMBERS, LEADER, STATUS, ADD, REMOVE, TRANSFER, CONSISTENCY.", run: cmdRaft},
		{name: "cluster", arity: -2, flags: flagStale | flagLoading, group: "cluster", summary: "Describes the cluster as one shard, as Redis Cluster would (SLOTS, SHARDS, NODES, INFO, MYID, KEYSLOT).", run: cmdCluster},
		{name: "readonly", arity: 1, flags: flagFast | flagStale | flagLoading, group: "cluster", summary: "Serves this connection's reads from this node's data as it is (stale reads).", run: cmdReadOnly},
		{name: "readwrite", arity: 1, flags: flagFast | flagStale | flagLoading, group: "cluster", summary: "Restores the server's read consistency for this connection.", run: cmdReadWrite},
	}
}

var raftHelp = []string{
	"RAFT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"MEMBERS",
	"    One entry per server: id, raft_addr, client_addr, suffrage (voter/nonvoter), leader (1/0).",
	"LEADER",
	"    The leader's id, raft_addr and client_addr (nil when none is known).",
	"STATUS",
	"    This node's Raft state, term, commit and applied index, last snapshot (key:value lines).",
	"ADD <id> <raft-addr>",
	"    Add a voter (forwarded to the leader). It catches up from the leader, by snapshot if needed.",
	"REMOVE <id>",
	"    Remove a server (forwarded to the leader).",
	"TRANSFER [<id>]",
	"    Hand leadership to <id>, or to the most up-to-date follower (forwarded to the leader).",
	"CONSISTENCY [linearizable|leader|stale]",
	"    Show or set this connection's read consistency.",
	"HELP",
	"    Print this help.",
}

func cmdRaft(c *Conn, args [][]byte) {
	sub := lower(args[1])
	if sub == "help" && len(args) == 2 {
		c.w.Array(len(raftHelp))
		for _, l := range raftHelp {
			c.w.Status(l)
		}
		return
	}
	if sub == "consistency" && len(args) <= 3 {
		raftConsistency(c, args)
		return
	}
	cl := c.srv.cluster
	if cl == nil {
		c.w.Error("ERR this server has no Raft cluster")
		return
	}
	switch {
	case sub == "members" && len(args) == 2:
		members := cl.Members()
		c.w.Array(len(members))
		for _, m := range members {
			writeMember(c, m, true)
		}
	case sub == "leader" && len(args) == 2:
		m, ok := cl.Leader()
		if !ok {
			c.w.Null()
			return
		}
		writeMember(c, m, false)
	case sub == "status" && len(args) == 2:
		c.w.Verbatim("txt", raftStatus(c))
	case sub == "add" && len(args) == 4:
		if _, _, err := net.SplitHostPort(string(args[3])); err != nil {
			c.w.Error("ERR invalid Raft address '" + sanitize(string(args[3])) + "' (want host:port)")
			return
		}
		adminReply(c, cl.AddVoter(string(args[2]), string(args[3])))
	case sub == "remove" && len(args) == 3:
		adminReply(c, cl.RemoveServer(string(args[2])))
	case sub == "transfer" && len(args) <= 3:
		id := ""
		if len(args) == 3 {
			id = string(args[2])
		}
		adminReply(c, cl.TransferLeadership(id))
	case sub == "members" || sub == "leader" || sub == "status" || sub == "add" || sub == "remove" ||
		sub == "transfer" || sub == "consistency" || sub == "help":
		c.w.Error(errArity("raft|" + sub))
	default:
		c.w.Error(errUnknownSubcommand(args[1], "raft"))
	}
}

// writeMember writes a member as a map; RAFT MEMBERS adds suffrage and leader.
func writeMember(c *Conn, m raftfsm.Member, full bool) {
	n := 3
	if full {
		n = 5
	}
	c.w.Map(n)
	c.w.BulkString("id")
	c.w.BulkString(m.ID)
	c.w.BulkString("raft_addr")
	c.w.BulkString(m.RaftAddr)
	c.w.BulkString("client_addr")
	c.w.BulkString(m.ClientAddr)
	if !full {
		return
	}
	c.w.BulkString("suffrage")
	if m.Voter {
		c.w.BulkString("voter")
	} else {
		c.w.BulkString("nonvoter")
	}
	c.w.BulkString("leader")
	if m.Leader {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

func adminReply(c *Conn, err error) {
	switch {
	case err == nil:
		c.w.OK()
	case errors.Is(err, raftfsm.ErrUnknownMember):
		c.w.Error("ERR " + sanitize(err.Error()))
	default:
		c.w.Error(errorText(err))
	}
}

// raftStatus is RAFT STATUS's text: key:value lines, as INFO's.
func raftStatus(c *Conn) string {
	st := c.srv.proposer.Status()
	var b strings.Builder
	field := func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) }
	field("node_id", st.ID)
	field("state", strings.ToLower(st.State))
	field("term", st.Term)
	field("leader_id", st.LeaderID)
	field("leader_raft_addr", st.LeaderAddr)
	leaderClient := ""
	if m, ok := c.srv.cluster.Leader(); ok {
		leaderClient = m.ClientAddr
	}
	field("leader_client_addr", leaderClient)
	field("raft_addr", st.Addr)
	field("commit_index", st.CommitIndex)
	field("applied_index", st.AppliedIndex)
	field("fsm_applied_index", st.FSM.AppliedIndex)
	field("last_snapshot_index", st.LastSnapshotIndex)
	field("last_snapshot_term", st.LastSnapshotTerm)
	members, voters := 0, 0
	for _, m := range c.srv.cluster.Members() {
		members++
		if m.Voter {
			voters++
		}
	}
	field("members", members)
	field("voters", voters)
	field("read_consistency", c.srv.cfg.ReadConsistency)
	field("connection_read_consistency", c.consistency)
	return b.String()
}

// raftConsistency implements RAFT CONSISTENCY [level].
func raftConsistency(c *Conn, args [][]byte) {
	if len(args) == 2 {
		c.w.BulkString(c.consistency.String())
		return
	}
	level, err := raftfsm.ParseReadLevel(lower(args[2]))
	if err != nil {
		c.w.Error("ERR " + sanitize(err.Error()))
		return
	}
	c.consistency = level
	c.w.OK()
}
