package resp

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// What Redis clients see of the cluster. The Raft group is one shard holding every slot (0-16383):
// the leader is its master, the other members its replicas. CLUSTER SLOTS/SHARDS/NODES describe it
// so that cluster-mode clients (go-redis ClusterClient, redis-cli -c) route every key to the leader,
// and, with READONLY, reads to replicas; INFO replication uses Redis's fields so that tools reading
// a master/replica setup see one. A member is listed once it has recorded its client address in the
// member directory (raftfsm/members.go); node ids are the SHA-1 of the Raft id in hex (40 characters,
// as Redis's), the Raft id being given as the node's hostname.

const clusterSlots = 16384

// clusterNodeID is the Redis Cluster node id of a Raft server id.
func clusterNodeID(raftID string) string {
	sum := sha1.Sum([]byte(raftID))
	return hex.EncodeToString(sum[:])
}

// shardNode is a member as the cluster commands show it.
type shardNode struct {
	raftfsm.Member
	host      string
	port      int
	busPort   int    // the Raft port, as Redis's cluster bus port
	offset    uint64 // applied index, as its replication offset
	reachable bool
}

// shardView returns the members that clients can reach, the leader first (nil when no leader with a
// client address is known). With peers, the other members are asked how far they are.
func (c *Conn) shardView(peers bool) (leader *shardNode, nodes []shardNode) {
	status := map[string]raftfsm.PeerStatus{}
	if peers {
		for _, p := range c.srv.cluster.Peers(peersTimeout) {
			status[p.ID] = p
		}
	}
	self := c.srv.proposer.Status()
	for _, m := range c.srv.cluster.Members() {
		host, port, err := splitHostPort(m.ClientAddr)
		if err != nil {
			continue
		}
		n := shardNode{Member: m, host: host, port: port}
		if _, p, err := splitHostPort(m.RaftAddr); err == nil {
			n.busPort = p
		}
		switch {
		case m.Self:
			n.offset, n.reachable = self.FSM.AppliedIndex, true
		case !peers:
			n.reachable = true
		default:
			p := status[m.ID]
			n.offset, n.reachable = p.Applied, p.Reachable
		}
		nodes = append(nodes, n)
	}
	for i := range nodes {
		if nodes[i].Leader {
			nodes[0], nodes[i] = nodes[i], nodes[0]
			return &nodes[0], nodes
		}
	}
	return nil, nodes
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

var clusterHelp = []string{
	"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"INFO",
	"    The cluster's state (one shard: all slots on the Raft leader).",
	"MYID",
	"    This node's id (SHA-1 of its Raft id).",
	"SLOTS",
	"    Slot ranges and the nodes serving them: the leader, then the followers.",
	"SHARDS",
	"    The shard: its slots and nodes.",
	"NODES",
	"    The nodes, in Redis's cluster nodes format.",
	"KEYSLOT <key>",
	"    The hash slot of <key>.",
	"HELP",
	"    Print this help.",
}

func cmdCluster(c *Conn, args [][]byte) {
	sub := lower(args[1])
	if sub == "help" && len(args) == 2 {
		c.w.Array(len(clusterHelp))
		for _, l := range clusterHelp {
			c.w.Status(l)
		}
		return
	}
	if sub == "keyslot" && len(args) == 3 {
		c.w.Int(int64(keySlot(args[2])))
		return
	}
	if c.srv.cluster == nil {
		c.w.Error("ERR This instance has cluster support disabled")
		return
	}
	switch {
	case sub == "myid" && len(args) == 2:
		c.w.BulkString(clusterNodeID(c.srv.proposer.Status().ID))
	case sub == "info" && len(args) == 2:
		clusterInfo(c)
	case sub == "slots" && len(args) == 2:
		clusterSlotsReply(c)
	case sub == "shards" && len(args) == 2:
		clusterShards(c)
	case sub == "nodes" && len(args) == 2:
		c.w.Verbatim("txt", clusterNodes(c))
	case sub == "myid" || sub == "info" || sub == "slots" || sub == "shards" || sub == "nodes" ||
		sub == "keyslot" || sub == "help":
		c.w.Error(errArity("cluster|" + sub))
	default:
		c.w.Error(errUnknownSubcommand(args[1], "cluster"))
	}
}

func clusterInfo(c *Conn) {
	leader, nodes := c.shardView(false)
	st := c.srv.proposer.Status()
	state, ok := "ok", clusterSlots
	if leader == nil {
		state, ok = "fail", 0
	}
	var b strings.Builder
	field := func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) }
	field("cluster_enabled", 1)
	field("cluster_state", state)
	field("cluster_slots_assigned", clusterSlots)
	field("cluster_slots_ok", ok)
	field("cluster_slots_pfail", 0)
	field("cluster_slots_fail", clusterSlots-ok)
	field("cluster_known_nodes", len(nodes))
	field("cluster_size", 1)
	field("cluster_current_epoch", st.Term)
	field("cluster_my_epoch", st.Term)
	field("cluster_stats_messages_sent", 0)
	field("cluster_stats_messages_received", 0)
	field("total_cluster_links_buffer_limit_exceeded", 0)
	c.w.Verbatim("txt", b.String())
}

// clusterSlotsReply implements CLUSTER SLOTS: one range, the leader then the followers, each as
// [host, port, id] (the Redis 6 form, which every client parses).
func clusterSlotsReply(c *Conn) {
	leader, nodes := c.shardView(false)
	if leader == nil {
		c.w.Array(0)
		return
	}
	c.w.Array(1)
	c.w.Array(2 + len(nodes))
	c.w.Int(0)
	c.w.Int(clusterSlots - 1)
	for _, n := range nodes {
		c.w.Array(3)
		c.w.BulkString(n.host)
		c.w.Int(int64(n.port))
		c.w.BulkString(clusterNodeID(n.ID))
	}
}

// clusterShards implements CLUSTER SHARDS, in Redis 7's shape.
func clusterShards(c *Conn) {
	leader, nodes := c.shardView(true)
	if leader == nil {
		c.w.Array(0)
		return
	}
	c.w.Array(1)
	c.w.Map(2)
	c.w.BulkString("slots")
	c.w.Array(2)
	c.w.Int(0)
	c.w.Int(clusterSlots - 1)
	c.w.BulkString("nodes")
	c.w.Array(len(nodes))
	for _, n := range nodes {
		c.w.Map(8)
		c.w.BulkString("id")
		c.w.BulkString(clusterNodeID(n.ID))
		c.w.BulkString("port")
		c.w.Int(int64(n.port))
		c.w.BulkString("ip")
		c.w.BulkString(n.host)
		c.w.BulkString("endpoint")
		c.w.BulkString(n.host)
		c.w.BulkString("hostname")
		c.w.BulkString(n.ID)
		c.w.BulkString("role")
		if n.Leader {
			c.w.BulkString("master")
		} else {
			c.w.BulkString("replica")
		}
		c.w.BulkString("replication-offset")
		c.w.Int(int64(n.offset))
		c.w.BulkString("health")
		if n.reachable {
			c.w.BulkString("online")
		} else {
			c.w.BulkString("failed")
		}
	}
}

// clusterNodes is CLUSTER NODES's text: one line per node,
// "<id> <ip:port@cport,hostname> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slots>".
func clusterNodes(c *Conn) string {
	leader, nodes := c.shardView(true)
	st := c.srv.proposer.Status()
	now := time.Now().UnixMilli()
	var b strings.Builder
	for _, n := range nodes {
		var flags []string
		if n.Self {
			flags = append(flags, "myself")
		}
		master := "-"
		if n.Leader {
			flags = append(flags, "master")
		} else {
			flags = append(flags, "slave")
			if leader != nil {
				master = clusterNodeID(leader.ID)
			}
		}
		link, pong := "connected", now
		if !n.reachable {
			flags = append(flags, "fail?")
			link, pong = "disconnected", 0
		}
		fmt.Fprintf(&b, "%s %s:%d@%d,%s %s %s 0 %d %d %s", clusterNodeID(n.ID), n.host, n.port, n.busPort, n.ID,
			strings.Join(flags, ","), master, pong, st.Term, link)
		if n.Leader {
			fmt.Fprintf(&b, " 0-%d", clusterSlots-1)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// writeReplicationInfo writes INFO's replication section: Redis's fields (a leader is a master with
// its followers as replicas, a follower a replica of the leader), then Raft's.
func (c *Conn) writeReplicationInfo(b *strings.Builder) {
	field := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	st := c.srv.proposer.Status()
	offset := st.FSM.AppliedIndex
	cl := c.srv.cluster
	if st.State == "Leader" {
		field("role", "master")
		var replicas []raftfsm.PeerStatus
		if cl != nil {
			for _, p := range cl.Peers(peersTimeout) {
				if p.Reachable {
					replicas = append(replicas, p)
				}
			}
		}
		field("connected_slaves", len(replicas))
		for i, p := range replicas {
			host, port, _ := splitHostPort(p.ClientAddr)
			fmt.Fprintf(b, "slave%d:ip=%s,port=%d,state=online,offset=%d,lag=0\r\n", i, host, port, p.Applied)
		}
	} else {
		field("role", "slave")
		host, port, link := "", 0, "down"
		if cl != nil {
			if m, ok := cl.Leader(); ok {
				if h, p, err := splitHostPort(m.ClientAddr); err == nil {
					host, port, link = h, p, "up"
				}
			}
		}
		lastIO := -1
		if !st.LastContact.IsZero() {
			lastIO = int(time.Since(st.LastContact).Seconds())
		}
		field("master_host", host)
		field("master_port", port)
		field("master_link_status", link)
		field("master_last_io_seconds_ago", lastIO)
		field("master_sync_in_progress", 0)
		field("slave_read_repl_offset", offset)
		field("slave_repl_offset", offset)
		field("slave_priority", 100)
		field("slave_read_only", 0) // writes are forwarded to the leader
		field("replica_announced", 1)
		field("connected_slaves", 0)
	}
	field("master_failover_state", "no-failover")
	field("master_replid", clusterNodeID("raft-group"))
	field("master_replid2", strings.Repeat("0", 40))
	field("master_repl_offset", offset)
	field("second_repl_offset", -1)
	field("repl_backlog_active", 0)
	field("repl_backlog_size", 0)
	field("repl_backlog_first_byte_offset", 0)
	field("repl_backlog_histlen", 0)
	field("raft_node_id", st.ID)
	field("raft_state", strings.ToLower(st.State))
	field("raft_term", st.Term)
	field("raft_leader_id", st.LeaderID)
	field("raft_commit_index", st.CommitIndex)
	field("raft_applied_index", st.AppliedIndex)
}

// keySlot is Redis Cluster's hash slot of key: CRC16 (XMODEM) of the key, or of its hash tag (the
// bytes between the first '{' and the next '}', when not empty), modulo 16384.
func keySlot(key []byte) int {
	if i := strings.IndexByte(string(key), '{'); i >= 0 {
		if j := strings.IndexByte(string(key[i+1:]), '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key)) & (clusterSlots - 1)
}

func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
