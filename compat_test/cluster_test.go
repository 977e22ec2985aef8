package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Multi-node tests: several flin-resp processes on loopback forming one Raft cluster.

// clusterTimeout bounds each wait for the cluster to settle (an election, a catch-up).
const clusterTimeout = 30 * time.Second

// eventually polls cond every 20ms until it holds or clusterTimeout passes.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(clusterTimeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bulk returns a reply's text, failing on an error reply.
func bulk(t *testing.T, v respValue) string {
	t.Helper()
	if v.isError() {
		t.Fatalf("error reply %s", v.Text)
	}
	return v.Text
}

func TestClusterElectsALeaderAndFailsOver(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	f := c.Followers(leader)

	// A write through a follower is forwarded; a read on another follower sees it (the default,
	// leader, reads what the leader has applied).
	if got := dialRaw(t, c.Nodes[f[0]].Addr).do("SET", "k", "1"); got.Text != "OK" {
		t.Fatalf("SET via a follower: %s", got)
	}
	if got := dialRaw(t, c.Nodes[f[1]].Addr).do("GET", "k"); got.Text != "1" {
		t.Fatalf("GET on the other follower: %s", got)
	}
	lin := dialRaw(t, c.Nodes[f[1]].Addr)
	lin.do("RAFT", "CONSISTENCY", "linearizable")
	dialRaw(t, c.Nodes[leader].Addr).do("SET", "k", "2")
	if got := lin.do("GET", "k"); got.Text != "2" {
		t.Fatalf("linearizable GET on a follower after a SET on the leader: %s", got)
	}
	dialRaw(t, c.Nodes[f[0]].Addr).do("SET", "k", "1")

	// The leader dies: the other two elect one of themselves and go on.
	c.Nodes[leader].Kill()
	start := time.Now()
	second := c.WaitLeader(clusterTimeout)
	t.Logf("new leader %s elected %v after the old one died", c.IDs[second], time.Since(start).Round(time.Millisecond))
	if second == leader {
		t.Fatal("the dead node is named leader")
	}
	for _, i := range c.Followers(-1) {
		cl := dialRaw(t, c.Nodes[i].Addr)
		if got := cl.do("INCR", "k"); got.isError() {
			t.Fatalf("INCR on %s after failover: %s", c.IDs[i], got)
		}
	}
	if got := dialRaw(t, c.Nodes[second].Addr).do("GET", "k"); got.Text != "3" {
		t.Fatalf("GET after two INCRs: %s", got)
	}

	// The old leader comes back as a follower and catches up.
	c.Nodes[leader].Restart()
	eventually(t, "the old leader to catch up", func() (bool, string) {
		cl := dialRaw(t, c.Nodes[leader].Addr)
		cl.do("READONLY")
		got := cl.do("GET", "k")
		return got.Text == "3", got.String()
	})
	if l := c.WaitLeader(clusterTimeout); l == leader {
		t.Logf("the restarted node won an election again (allowed)")
	}
}

func TestClusterForwardsPipelinesInOrder(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	r := harness.StartRedis(t)
	follower := c.Nodes[c.Followers(leader)[0]].Addr

	// One pipeline of writes, reads and errors, sent in one go, to a follower and to Redis: the
	// same replies in the same order.
	var cmds [][]string
	for i := range 60 {
		k := fmt.Sprint("p", i%7)
		switch i % 6 {
		case 0:
			cmds = append(cmds, []string{"SET", k, fmt.Sprint(i)})
		case 1:
			cmds = append(cmds, []string{"INCR", k})
		case 2:
			cmds = append(cmds, []string{"GET", k})
		case 3:
			cmds = append(cmds, []string{"LPUSH", "list" + k, "x", "y"})
		case 4:
			cmds = append(cmds, []string{"LPUSH", k, "wrongtype"})
		case 5:
			cmds = append(cmds, []string{"MGET", k, "list" + k, "nosuch"})
		}
	}
	cmds = append(cmds, []string{"DEL", "p0", "p1"}, []string{"EXISTS", "p0", "p1", "p2"}, []string{"LRANGE", "listp3", "0", "-1"})
	got, want := pipeline(t, follower, cmds), pipeline(t, r.Addr, cmds)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reply %d to %v: flin %s, redis %s", i, cmds[i], got[i], want[i])
		}
	}

	// Many connections pipelining INCRs through both followers at once: every reply is one
	// more than the last on its connection, and the total is exact.
	const conns, per = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := c.Nodes[c.Followers(leader)[w%2]].Addr
			cl := dialRaw(t, addr)
			key := fmt.Sprint("ctr", w)
			var req []byte
			for range per {
				req = append(req, encodeCommand("INCR", key)...)
				req = append(req, encodeCommand("INCR", "total")...)
			}
			cl.write(req)
			for i := range per {
				if v := cl.read(); v.Text != strconv.Itoa(i+1) {
					errs <- fmt.Errorf("conn %d: INCR %s reply %d = %s", w, key, i, v)
					return
				}
				if v := cl.read(); v.isError() {
					errs <- fmt.Errorf("conn %d: INCR total: %s", w, v)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := dialRaw(t, c.Nodes[leader].Addr).do("GET", "total"); got.Text != strconv.Itoa(conns*per) {
		t.Fatalf("total = %s, want %d", got, conns*per)
	}
}

// raftMembers returns RAFT MEMBERS as id -> fields.
func raftMembers(t *testing.T, addr string) map[string]map[string]string {
	t.Helper()
	v := dialRaw(t, addr).do("RAFT", "MEMBERS")
	if v.isError() {
		t.Fatalf("RAFT MEMBERS: %s", v.Text)
	}
	out := map[string]map[string]string{}
	for _, m := range v.Elems {
		fields := map[string]string{}
		for i := 0; i+1 < len(m.Elems); i += 2 {
			fields[m.Elems[i].Text] = m.Elems[i+1].Text
		}
		out[fields["id"]] = fields
	}
	return out
}

func TestClusterMembershipAddAndRemove(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	follower := c.Nodes[c.Followers(leader)[0]].Addr
	dialRaw(t, follower).do("SET", "before", "join")

	// node4 starts empty and asks a follower to add it (--join); the follower forwards RAFT ADD.
	n4 := c.AddNode("node4", "--join", follower)
	eventually(t, "node4 to be a voter with its client address known everywhere", func() (bool, string) {
		for i := range c.Nodes {
			m := raftMembers(t, c.Nodes[i].Addr)["node4"]
			if m == nil || m["suffrage"] != "voter" || m["client_addr"] != n4.Addr {
				return false, fmt.Sprintf("%s sees node4 as %v", c.IDs[i], m)
			}
		}
		return true, ""
	})
	if got := dialRaw(t, n4.Addr).do("GET", "before"); got.Text != "join" {
		t.Fatalf("GET on node4: %s", got)
	}
	if got := dialRaw(t, n4.Addr).do("SET", "from", "node4"); got.Text != "OK" {
		t.Fatalf("SET on node4: %s", got)
	}

	// Remove node4 and then node2, each through a node other than the leader.
	for _, id := range []string{"node4", "node2"} {
		via := c.Nodes[c.Followers(c.WaitLeader(clusterTimeout))[0]]
		if got := dialRaw(t, via.Addr).do("RAFT", "REMOVE", id); got.Text != "OK" {
			t.Fatalf("RAFT REMOVE %s: %s", id, got)
		}
	}
	c.Nodes[3].Kill()
	c.Nodes[1].Kill()
	eventually(t, "the removed nodes to be gone", func() (bool, string) {
		for _, i := range []int{0, 2} {
			ms := raftMembers(t, c.Nodes[i].Addr)
			if len(ms) != 2 || ms["node1"] == nil || ms["node3"] == nil {
				return false, fmt.Sprintf("%s: %v", c.IDs[i], ms)
			}
		}
		return true, ""
	})
	// Two voters of two: writes still commit.
	c.WaitLeader(clusterTimeout)
	if got := dialRaw(t, c.Nodes[2].Addr).do("SET", "after", "remove"); got.Text != "OK" {
		t.Fatalf("SET after the removals: %s", got)
	}
	if got := dialRaw(t, c.Nodes[0].Addr).do("RAFT", "REMOVE", "nosuch"); !got.isError() {
		t.Fatalf("RAFT REMOVE nosuch: %s", got)
	}
}

// snapshotFlags make snapshots and log compaction happen after a few entries.
var snapshotFlags = []string{"--raft-snapshot-threshold", "64", "--raft-trailing-logs", "16"}

func TestClusterNodesCatchUpBySnapshotInstall(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3, snapshotFlags...)
	leader := c.WaitLeader(clusterTimeout)
	cl := dialRaw(t, c.Nodes[leader].Addr)
	const keys = 300
	for i := range keys {
		if got := cl.do("SET", fmt.Sprint("key:", i), fmt.Sprint(i)); got.Text != "OK" {
			t.Fatalf("SET: %s", got)
		}
	}
	// Snapshot on every node, so the log the new members would need is gone everywhere.
	for i := range c.Nodes {
		if got := dialRaw(t, c.Nodes[i].Addr).do("SAVE"); got.Text != "OK" {
			t.Fatalf("SAVE on %s: %s", c.IDs[i], got)
		}
	}
	caughtUp := func(s *harness.Server) func() (bool, string) {
		return func() (bool, string) {
			cl := dialRaw(t, s.Addr)
			cl.do("READONLY")
			n := cl.do("DBSIZE").Text
			v := cl.do("GET", fmt.Sprint("key:", keys-1)).Text
			// The log line is read from the process's stderr as it comes: poll for it too.
			restored := strings.Contains(s.Log(), "restored snapshot")
			return n == strconv.Itoa(keys) && v == strconv.Itoa(keys-1) && restored,
				fmt.Sprintf("dbsize %s, snapshot restored: %v", n, restored)
		}
	}

	t.Run("a new node with an empty disk", func(t *testing.T) {
		n4 := c.AddNode("node4", "--join", c.Nodes[leader].Addr)
		eventually(t, "node4 to catch up by snapshot", caughtUp(n4))
	})

	// Its log holds entries the others have compacted away: it gets a snapshot past the end of its
	// own log, and must append after it (raft-wal takes no gap in its log).
	t.Run("a follower that was down while the log moved on", func(t *testing.T) {
		leader := c.WaitLeader(clusterTimeout)
		i := c.Followers(leader)[0]
		s := c.Nodes[i]
		s.Kill()
		cl := dialRaw(t, c.Nodes[leader].Addr)
		for j := range keys {
			if got := cl.do("SET", fmt.Sprint("key:", j), fmt.Sprint(j)); got.Text != "OK" {
				t.Fatalf("SET: %s", got)
			}
		}
		if got := cl.do("SAVE"); got.Text != "OK" {
			t.Fatalf("SAVE on the leader: %s", got)
		}
		s.Restart()
		eventually(t, c.IDs[i]+" to catch up by snapshot", caughtUp(s))
		// Entries after the snapshot reach it too.
		if got := cl.do("SET", "after", "restart"); got.Text != "OK" {
			t.Fatalf("SET: %s", got)
		}
		eventually(t, c.IDs[i]+" to apply a write after the snapshot", func() (bool, string) {
			r := dialRaw(t, s.Addr)
			r.do("READONLY")
			v := r.do("GET", "after").Text
			return v == "restart", "GET after = " + v
		})
		if got := cl.do("DEL", "after"); got.Text != "1" {
			t.Fatalf("DEL: %s", got)
		}
	})

	t.Run("an initial voter whose disk was wiped", func(t *testing.T) {
		i := c.Followers(c.WaitLeader(clusterTimeout))[0]
		s := c.Nodes[i]
		s.Kill()
		entries, err := os.ReadDir(s.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(s.Dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		s.Restart() // same flags: it bootstraps again with --peers and is brought up to date
		eventually(t, c.IDs[i]+" to catch up by snapshot", caughtUp(s))
		if got := dialRaw(t, s.Addr).do("SET", "after", "wipe"); got.Text != "OK" {
			t.Fatalf("SET on the wiped node: %s", got)
		}
	})
}

func TestClusterReadsAndWritesWithoutQuorum(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	cl := dialRaw(t, c.Nodes[leader].Addr)
	cl.do("SET", "k", "v")
	if got := cl.do("RAFT", "CONSISTENCY", "linearizable"); got.Text != "OK" {
		t.Fatalf("RAFT CONSISTENCY linearizable: %s", got)
	}
	for _, i := range c.Followers(leader) {
		c.Nodes[i].Kill()
	}
	// Neither a linearizable read nor a write can be confirmed: errors, never a stale value or an
	// OK for a write that did not commit.
	start := time.Now()
	if got := cl.do("GET", "k"); !strings.HasPrefix(got.Text, "CLUSTERDOWN") {
		t.Fatalf("linearizable GET without quorum: %s", got)
	}
	if got := cl.do("SET", "k", "w"); !got.isError() {
		t.Fatalf("SET without quorum: %s", got)
	} else {
		t.Logf("SET without quorum: %s (after %v)", got.Text, time.Since(start).Round(time.Millisecond))
	}
	// Stale reads serve the node's data as it is.
	if got := cl.do("RAFT", "CONSISTENCY", "stale"); got.Text != "OK" {
		t.Fatalf("RAFT CONSISTENCY stale: %s", got)
	}
	if got := cl.do("GET", "k"); got.Text != "v" {
		t.Fatalf("stale GET: %s", got)
	}
	if got := cl.do("RAFT", "CONSISTENCY"); got.Text != "stale" {
		t.Fatalf("RAFT CONSISTENCY: %s", got)
	}
}

func TestClusterCommandsDescribeOneShard(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	// Wait until every member has registered its client address, as every node sees it (a follower
	// may not have applied the leader's latest entries yet).
	eventually(t, "every client address to be known on every node", func() (bool, string) {
		for _, s := range c.Nodes {
			ms := raftMembers(t, s.Addr)
			for i, id := range c.IDs {
				if ms[id]["client_addr"] != c.Nodes[i].Addr {
					return false, fmt.Sprint(s.Addr, ": ", ms)
				}
			}
		}
		return true, ""
	})
	f := c.Followers(leader)[0]

	t.Run("INFO replication", func(t *testing.T) {
		info, err := harness.Info(c.Nodes[leader].Addr, "replication")
		if err != nil {
			t.Fatal(err)
		}
		if info["role"] != "master" || info["connected_slaves"] != "2" || info["raft_leader_id"] != c.IDs[leader] {
			t.Fatalf("leader's INFO replication: %v", info)
		}
		for _, k := range []string{"slave0", "slave1"} {
			if !strings.Contains(info[k], "ip=127.0.0.1,port=") || !strings.Contains(info[k], "state=online") {
				t.Fatalf("%s: %q", k, info[k])
			}
		}
		info, err = harness.Info(c.Nodes[f].Addr, "replication")
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := strings.Cut(c.Nodes[leader].Addr, ":")
		if info["role"] != "slave" || info["master_host"] != host || info["master_port"] != port || info["master_link_status"] != "up" {
			t.Fatalf("follower's INFO replication: %v", info)
		}
		for _, k := range []string{"raft_term", "raft_commit_index", "raft_applied_index"} {
			if info[k] == "" {
				t.Fatalf("no %s in %v", k, info)
			}
		}
	})

	t.Run("CLUSTER SLOTS, SHARDS, NODES, INFO, MYID", func(t *testing.T) {
		cl := dialRaw(t, c.Nodes[f].Addr)
		slots := cl.do("CLUSTER", "SLOTS")
		// Each member registers its client address through the log once it runs: wait for all.
		for deadline := time.Now().Add(10 * time.Second); len(slots.Elems) == 1 && len(slots.Elems[0].Elems) < 5 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			slots = cl.do("CLUSTER", "SLOTS")
		}
		if len(slots.Elems) != 1 || len(slots.Elems[0].Elems) != 5 || slots.Elems[0].Elems[1].Text != "16383" {
			t.Fatalf("CLUSTER SLOTS: %s", slots)
		}
		master := slots.Elems[0].Elems[2]
		if master.Elems[0].Text+":"+master.Elems[1].Text != c.Nodes[leader].Addr {
			t.Fatalf("CLUSTER SLOTS names %s as master, want %s", master, c.Nodes[leader].Addr)
		}
		shards := cl.do("CLUSTER", "SHARDS")
		if s := shards.String(); !strings.Contains(s, `$"role" $"master"`) || strings.Count(s, `$"role" $"replica"`) != 2 {
			t.Fatalf("CLUSTER SHARDS: %s", s)
		}
		nodes := bulk(t, cl.do("CLUSTER", "NODES"))
		myid := bulk(t, cl.do("CLUSTER", "MYID"))
		if len(myid) != 40 || !strings.Contains(nodes, myid+" "+c.Nodes[f].Addr) || !strings.Contains(nodes, "myself,slave") ||
			strings.Count(nodes, " master ") != 1 || !strings.Contains(nodes, "0-16383") {
			t.Fatalf("CLUSTER NODES:\n%s\nMYID %s", nodes, myid)
		}
		if info := bulk(t, cl.do("CLUSTER", "INFO")); !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
			t.Fatalf("CLUSTER INFO:\n%s", info)
		}
		if got := cl.do("CLUSTER", "KEYSLOT", "foo"); got.Text != "12182" {
			t.Fatalf("CLUSTER KEYSLOT foo = %s, want 12182", got)
		}
	})

	t.Run("RAFT LEADER, STATUS, CONSISTENCY; READONLY, READWRITE", func(t *testing.T) {
		cl := dialRaw(t, c.Nodes[f].Addr)
		l := cl.do("RAFT", "LEADER")
		if len(l.Elems) != 6 || l.Elems[1].Text != c.IDs[leader] || l.Elems[3].Text != c.Raft[leader] || l.Elems[5].Text != c.Nodes[leader].Addr {
			t.Fatalf("RAFT LEADER: %s", l)
		}
		st := bulk(t, cl.do("RAFT", "STATUS"))
		for _, want := range []string{"state:follower", "node_id:" + c.IDs[f], "leader_id:" + c.IDs[leader], "commit_index:", "last_snapshot_index:"} {
			if !strings.Contains(st, want) {
				t.Fatalf("RAFT STATUS lacks %q:\n%s", want, st)
			}
		}
		for _, step := range [][2]string{
			{"RAFT CONSISTENCY", "leader"}, {"READONLY", "OK"}, {"RAFT CONSISTENCY", "stale"},
			{"READWRITE", "OK"}, {"RAFT CONSISTENCY", "leader"},
			{"RAFT CONSISTENCY linearizable", "OK"}, {"RAFT CONSISTENCY", "linearizable"},
		} {
			if got := cl.do(strings.Fields(step[0])...); got.Text != step[1] {
				t.Fatalf("%s = %s, want %s", step[0], got, step[1])
			}
		}
		if got := cl.do("RAFT", "CONSISTENCY", "eventual"); !got.isError() {
			t.Fatalf("RAFT CONSISTENCY eventual: %s", got)
		}
	})

	t.Run("RAFT TRANSFER", func(t *testing.T) {
		target := c.Followers(leader)[1]
		if got := dialRaw(t, c.Nodes[f].Addr).do("RAFT", "TRANSFER", c.IDs[target]); got.Text != "OK" {
			t.Fatalf("RAFT TRANSFER: %s", got)
		}
		eventually(t, "the target to lead", func() (bool, string) {
			l := c.WaitLeader(clusterTimeout)
			return l == target, c.IDs[l]
		})
	})
}

func TestClusterGoRedisClusterClient(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	c.WaitLeader(clusterTimeout)
	var addrs []string
	for _, s := range c.Nodes {
		addrs = append(addrs, s.Addr)
	}
	eventually(t, "every client address to be known", func() (bool, string) {
		v := dialRaw(t, addrs[0]).do("CLUSTER", "SLOTS")
		return len(v.Elems) == 1 && len(v.Elems[0].Elems) == 5, v.String()
	})
	ctx := ctxTimeout(t)
	for _, readOnly := range []bool{false, true} {
		t.Run(fmt.Sprint("ReadOnly=", readOnly), func(t *testing.T) {
			cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ReadOnly: readOnly,
				DialTimeout: ioTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout})
			defer cc.Close()
			prefix := fmt.Sprint("ro", readOnly, ":")
			// The pipeline goes through a client that does not retry: go-redis sends again only the
			// commands that failed (an election on a loaded machine answers CLUSTERDOWN), so a GET
			// answered before its INCR's retry would read the value from before it. A failed attempt
			// starts again from the SETs.
			once := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ReadOnly: readOnly, MaxRedirects: -1,
				DialTimeout: ioTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout})
			defer once.Close()
			var gets []*redis.StringCmd
			for attempt := 1; ; attempt++ {
				for i := range 50 {
					if err := cc.Set(ctx, prefix+strconv.Itoa(i), i, 0).Err(); err != nil {
						t.Fatalf("Set: %v", err)
					}
				}
				pipe := once.Pipeline()
				gets = gets[:0]
				for i := range 50 {
					pipe.Incr(ctx, prefix+strconv.Itoa(i))
					gets = append(gets, pipe.Get(ctx, prefix+strconv.Itoa(i)))
				}
				_, err := pipe.Exec(ctx)
				if err == nil {
					break
				}
				if attempt == 5 {
					t.Fatalf("pipeline, attempt %d: %v", attempt, err)
				}
				t.Logf("pipeline, attempt %d: %v; again", attempt, err)
			}
			for i, g := range gets {
				if g.Val() != strconv.Itoa(i+1) {
					t.Fatalf("GET %d in the pipeline = %q, want %d", i, g.Val(), i+1)
				}
			}
			if readOnly {
				// Reads go to replicas, READONLY (stale): poll until each has applied.
				eventually(t, "the replicas to serve the value", func() (bool, string) {
					v, err := cc.Get(ctx, prefix+"49").Result()
					return v == "50", fmt.Sprint(v, err)
				})
				return
			}
			if v, err := cc.Get(ctx, prefix+"49").Result(); v != "50" {
				t.Fatalf("Get = %q, %v", v, err)
			}
			// MGET of keys in different slots, which the client splits by node.
			vals, err := cc.MGet(ctx, prefix+"1", prefix+"2").Result()
			if err != nil || fmt.Sprint(vals) != "[2 3]" {
				t.Fatalf("MGet = %v, %v", vals, err)
			}
		})
	}
}

func TestClusterRedisCliFollowsTheCluster(t *testing.T) {
	t.Parallel()
	cli := harness.Need(t, "redis-cli")
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	f := c.Nodes[c.Followers(leader)[0]]
	host, port, _ := strings.Cut(f.Addr, ":")
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, cli, append([]string{"-c", "-h", host, "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return string(bytes.TrimSpace(out))
	}
	if got := run("SET", "cli", "value"); got != "OK" {
		t.Fatalf("redis-cli -c SET: %q", got)
	}
	if got := run("GET", "cli"); got != "value" {
		t.Fatalf("redis-cli -c GET: %q", got)
	}
	if got := run("CLUSTER", "INFO"); !strings.Contains(got, "cluster_state:ok") {
		t.Fatalf("redis-cli CLUSTER INFO: %q", got)
	}
}

func TestClusterTransactionsThroughAFollower(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	f := dialRaw(t, c.Nodes[c.Followers(leader)[0]].Addr)
	l := dialRaw(t, c.Nodes[leader].Addr)
	f.do("SET", "balance", "10")

	// MULTI/EXEC is forwarded as one unit; its reads run on the leader inside the entry.
	for _, step := range [][]string{{"MULTI"}, {"INCRBY", "balance", "5"}, {"GET", "balance"}, {"LPUSH", "log", "a"}, {"EXEC"}} {
		f.write(encodeCommand(step...))
	}
	for _, want := range []string{`+"OK"`, `+"QUEUED"`, `+"QUEUED"`, `+"QUEUED"`, `*3[:"15" $"15" :"1"]`} {
		if got := f.read(); got.String() != want {
			t.Fatalf("transaction via a follower: got %s, want %s", got, want)
		}
	}

	// WATCH on the follower; the key changes on the leader: EXEC is refused (nil).
	f.do("WATCH", "balance")
	l.do("INCR", "balance")
	f.do("MULTI")
	f.do("SET", "balance", "0")
	if got := f.do("EXEC"); !got.Null {
		t.Fatalf("EXEC after the watched key changed on the leader: %s", got)
	}
	// WATCH with no change in between: EXEC runs.
	f.do("WATCH", "balance")
	f.do("MULTI")
	f.do("DECRBY", "balance", "6")
	if got := f.do("EXEC"); got.String() != `*1[:"10"]` {
		t.Fatalf("EXEC with an unchanged watched key: %s", got)
	}
}

func TestClusterBlockedClientOnAFollowerIsServed(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	f := dialRaw(t, c.Nodes[c.Followers(leader)[0]].Addr)
	f.write(encodeCommand("BLPOP", "queue", "20"))
	eventually(t, "the client to block", func() (bool, string) {
		info, err := harness.Info(c.Nodes[c.Followers(leader)[0]].Addr, "clients")
		return err == nil && info["blocked_clients"] == "1", fmt.Sprint(info, err)
	})
	if got := dialRaw(t, c.Nodes[leader].Addr).do("RPUSH", "queue", "job"); got.Text != "1" {
		t.Fatalf("RPUSH: %s", got)
	}
	if got := f.read(); got.String() != `*2[$"queue" $"job"]` {
		t.Fatalf("BLPOP on a follower: %s", got)
	}
	if got := dialRaw(t, c.Nodes[leader].Addr).do("LLEN", "queue"); got.Text != "0" {
		t.Fatalf("LLEN after the pop: %s", got)
	}
}

// TestClusterFailoverUnderWritesLosesNothingAndAppliesNothingTwice sends INCRs through the followers
// while the leader is killed. Every INCR answered with a number is counted; one answered "outcome
// unknown" may or may not have been applied; one answered CLUSTERDOWN was not. After the dust settles
// each counter lies between its acknowledged count and that plus its unknown ones: nothing
// acknowledged was lost, nothing was applied twice.
func TestClusterFailoverUnderWritesLosesNothingAndAppliesNothingTwice(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.WaitLeader(clusterTimeout)
	type tally struct{ acked, unknown, refused int64 }
	const writers = 4
	tallies := make([]tally, writers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := c.Nodes[c.Followers(leader)[w%2]].Addr
			cl := newGoRedis(t, addr, 2, func(o *redis.Options) { o.PoolSize = 1 })
			key := fmt.Sprint("failover:", w)
			last := int64(0)
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := cl.Incr(context.Background(), key).Result()
				switch {
				case err == nil:
					if n <= last {
						t.Errorf("writer %d: INCR answered %d after %d", w, n, last)
					}
					last = n
					tallies[w].acked++
				case strings.HasPrefix(err.Error(), "CLUSTERDOWN"):
					tallies[w].refused++
				default:
					tallies[w].unknown++
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // writes flowing before the failure (the load, not readiness)
	c.Nodes[leader].Kill()
	c.WaitLeader(clusterTimeout)
	time.Sleep(500 * time.Millisecond) // and after it
	close(stop)
	wg.Wait()

	cl := dialRaw(t, c.Nodes[c.WaitLeader(clusterTimeout)].Addr)
	cl.do("RAFT", "CONSISTENCY", "linearizable")
	for w, tl := range tallies {
		got, _ := strconv.ParseInt(cl.do("GET", fmt.Sprint("failover:", w)).Text, 10, 64)
		t.Logf("writer %d: %d acknowledged, %d unknown, %d refused; counter %d", w, tl.acked, tl.unknown, tl.refused, got)
		if got < tl.acked || got > tl.acked+tl.unknown {
			t.Errorf("writer %d: counter %d, want within [%d, %d]", w, got, tl.acked, tl.acked+tl.unknown)
		}
		if tl.acked == 0 {
			t.Errorf("writer %d: no write acknowledged at all", w)
		}
	}
}
