package raftfsm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// clusterNode is one node of an in-process cluster on loopback.
type clusterNode struct {
	id   string
	addr string
	db   *engine.DB
	node *Node
	logs *syncBuffer
}

// clusterConfig is the configuration of an in-process cluster node; peers nil means it is not an
// initial voter (it waits to be added).
func clusterConfig(t *testing.T, id string, ln net.Listener, peers []raft.Server, logs *syncBuffer) Config {
	return Config{
		ID: id, Dir: t.TempDir(), Listener: ln, Bootstrap: peers != nil, Peers: peers,
		ClientAddr:       "clients-of-" + id + ":6379",
		HeartbeatTimeout: 500 * time.Millisecond, ElectionTimeout: 500 * time.Millisecond,
		ApplyTimeout: 5 * time.Second, Logger: slogTo(logs), RaftLog: logs,
	}
}

// startCluster starts size nodes bootstrapped together and waits for a leader.
func startCluster(t *testing.T, size int) []*clusterNode {
	t.Helper()
	lns := make([]net.Listener, size)
	var peers []raft.Server
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		peers = append(peers, raft.Server{ID: raft.ServerID(fmt.Sprintf("n%d", i+1)), Address: raft.ServerAddress(ln.Addr().String())})
	}
	nodes := make([]*clusterNode, size)
	for i := range nodes {
		nodes[i] = startClusterNode(t, string(peers[i].ID), lns[i], peers)
	}
	waitClusterLeader(t, nodes)
	return nodes
}

func startClusterNode(t *testing.T, id string, ln net.Listener, peers []raft.Server) *clusterNode {
	t.Helper()
	logs := &syncBuffer{}
	db := openEngine(t, engineOptions(""))
	n, err := Start(clusterConfig(t, id, ln, peers, logs), db)
	if err != nil {
		t.Fatalf("Start %s: %v", id, err)
	}
	cn := &clusterNode{id: id, addr: ln.Addr().String(), db: db, node: n, logs: logs}
	t.Cleanup(cn.stop)
	return cn
}

func (cn *clusterNode) stop() {
	if cn.node != nil {
		cn.node.Close()
		cn.node = nil
	}
}

// waitClusterLeader waits until one running node leads and every running node knows it.
func waitClusterLeader(t *testing.T, nodes []*clusterNode) *clusterNode {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var leader *clusterNode
		agree := true
		for _, cn := range nodes {
			if cn.node == nil {
				continue
			}
			if cn.node.raft.State() == raft.Leader {
				leader = cn
			}
		}
		for _, cn := range nodes {
			if cn.node == nil || leader == nil {
				continue
			}
			if _, id := cn.node.raft.LeaderWithID(); string(id) != leader.id {
				agree = false
			}
		}
		if leader != nil && agree {
			return leader
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no leader agreed on within 15s")
	return nil
}

func followers(nodes []*clusterNode) []*clusterNode {
	var out []*clusterNode
	for _, cn := range nodes {
		if cn.node != nil && cn.node.raft.State() != raft.Leader {
			out = append(out, cn)
		}
	}
	return out
}

func (cn *clusterNode) get(t *testing.T, key string) string {
	t.Helper()
	return get(t, cn.db, 0, time.Now().UnixMilli(), key)
}

// waitFor polls cond until it holds or 15s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClusterFollowerForwardsWritesAndReadsThemBack(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	f := followers(nodes)[0]
	for i := range 20 {
		rs, err := f.node.Propose(time.Now().UnixMilli(), []Command{incrBy("n", 1), set(fmt.Sprint("k", i), "v")})
		if err != nil {
			t.Fatalf("Propose on a follower: %v", err)
		}
		if got, want := joinResults(rs), fmt.Sprintf("%d OK", i+1); got != want {
			t.Fatalf("results %s, want %s", got, want)
		}
		// Read back on the follower at once, without any barrier: Propose waited for it.
		if got := f.get(t, "n"); got != fmt.Sprint(i+1) {
			t.Fatalf("follower reads n=%s right after its write, want %d", got, i+1)
		}
	}
	// Errors keep their identity across the wire.
	rs, err := f.node.Propose(time.Now().UnixMilli(), []Command{
		{Op: OpListPush, Args: [][]byte{[]byte("k0"), {0}, []byte("x")}},
	})
	if err != nil || len(rs) != 1 || !errors.Is(rs[0].Err, engine.ErrWrongType) {
		t.Fatalf("LPUSH on a string via a follower = %v, %v; want WRONGTYPE", rs, err)
	}
}

func TestClusterReadBarrierSeesWritesMadeOnTheLeader(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	ctx := context.Background()
	for i := range 10 {
		if _, err := leader.node.Propose(time.Now().UnixMilli(), []Command{set("k", fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
		for _, f := range followers(nodes) {
			level := []ReadLevel{ReadLinearizable, ReadLeader}[i%2]
			if err := f.node.ReadBarrier(ctx, level); err != nil {
				t.Fatalf("ReadBarrier(%v) on %s: %v", level, f.id, err)
			}
			if got := f.get(t, "k"); got != fmt.Sprint(i) {
				t.Fatalf("%s after a %v barrier reads k=%s, want %d", f.id, level, got, i)
			}
		}
		if err := leader.node.ReadBarrier(ctx, ReadLinearizable); err != nil {
			t.Fatalf("ReadBarrier on the leader: %v", err)
		}
	}
}

func TestClusterLinearizableReadsFailWithoutQuorum(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	for _, f := range followers(nodes) {
		f.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := leader.node.ReadBarrier(ctx, ReadLinearizable); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("linearizable ReadBarrier with no quorum = %v, want ErrNoLeader", err)
	}
	if err := leader.node.ReadBarrier(ctx, ReadStale); err != nil {
		t.Fatalf("stale ReadBarrier = %v", err)
	}
}

func TestClusterMembershipAndDirectory(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	f := followers(nodes)[0]
	waitFor(t, "every member registered", func() bool {
		for _, m := range f.node.Members() {
			if m.ClientAddr != "clients-of-"+m.ID+":6379" {
				return false
			}
		}
		return true
	})

	// A fourth node, started empty and not bootstrapped, added through a follower.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n4 := startClusterNode(t, "n4", ln, nil)
	if err := f.node.AddVoter("n4", n4.addr); err != nil {
		t.Fatalf("AddVoter via a follower: %v", err)
	}
	nodes = append(nodes, n4)
	waitFor(t, "n4 registered and caught up", func() bool {
		for _, m := range n4.node.Members() {
			if m.ID == "n4" && m.ClientAddr == "clients-of-n4:6379" && m.Voter {
				return true
			}
		}
		return false
	})
	if _, err := n4.node.Propose(time.Now().UnixMilli(), []Command{set("from-n4", "yes")}); err != nil {
		t.Fatalf("Propose on the new node: %v", err)
	}
	if got := n4.get(t, "from-n4"); got != "yes" {
		t.Fatalf("n4 reads %q", got)
	}

	// Remove it again, through another node; the directory forgets it.
	if err := nodes[0].node.RemoveServer("n4"); err != nil {
		t.Fatalf("RemoveServer: %v", err)
	}
	waitFor(t, "n4 gone from the configuration and directory", func() bool {
		for _, cn := range nodes[:3] {
			if slices.ContainsFunc(cn.node.Members(), func(m Member) bool { return m.ID == "n4" }) {
				return false
			}
			if _, ok := cn.node.directory()["n4"]; ok {
				return false
			}
		}
		return true
	})
	if err := nodes[0].node.RemoveServer("nosuch"); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("RemoveServer(nosuch) = %v, want ErrUnknownMember", err)
	}
}

func TestClusterLeadershipTransfer(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	target := followers(nodes)[1]
	// Asked on a follower that is not the target: forwarded to the leader.
	via := followers(nodes)[0]
	if err := via.node.TransferLeadership(target.id); err != nil {
		t.Fatalf("TransferLeadership: %v", err)
	}
	waitFor(t, "the target to lead", func() bool { return target.node.raft.State() == raft.Leader })
	if leader.node.raft.State() == raft.Leader {
		t.Fatal("the old leader still leads")
	}
	if _, err := leader.node.Propose(time.Now().UnixMilli(), []Command{set("after", "transfer")}); err != nil {
		t.Fatalf("Propose on the old leader after the transfer: %v", err)
	}
}

func TestClusterLostReplyIsUnknownOutcome(t *testing.T) {
	t.Parallel()
	// A "leader" that takes the request and hangs up without answering.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 1<<16)
		c.Read(buf) // the request
		c.Close()
	}()
	f := newForwarder(5 * time.Second)
	defer f.close()
	_, _, err = f.propose(ln.Addr().String(), t0, nil, []Command{set("k", "v")})
	if !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("lost reply = %v, want ErrUnknownOutcome", err)
	}
	wg.Wait()

	// Nobody listening: not sent, and so safe to send elsewhere.
	ln.Close()
	if _, _, err = f.propose(ln.Addr().String(), t0, nil, []Command{set("k", "v")}); !errors.Is(err, errNotSent) {
		t.Fatalf("refused connection = %v, want errNotSent", err)
	}
}

// A leader that is paused or cut off holds a forwarded write without answering. Once a new leader is
// known, the follower ends the request at once (unknown outcome) rather than at the forward timeout.
func TestForwardToAnOldLeaderEndsWhenANewOneIsKnown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			held <- c // read nothing, answer nothing
		}
	}()
	f := newForwarder(time.Minute)
	defer f.close()
	done := make(chan error, 1)
	go func() {
		_, _, err := f.propose(ln.Addr().String(), t0, nil, []Command{set("k", "v")})
		done <- err
	}()
	c := <-held
	defer c.Close()
	waitFor(t, "the request to be out", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.busy) == 1
	})
	f.leaderChanged(ln.Addr().String()) // the same leader: the request stays out
	select {
	case err := <-done:
		t.Fatalf("request to the current leader ended: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	f.leaderChanged("127.0.0.1:1") // another node leads now
	select {
	case err := <-done:
		if !errors.Is(err, ErrUnknownOutcome) {
			t.Fatalf("request to the old leader = %v, want ErrUnknownOutcome", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request to the old leader still waits after a new leader is known")
	}
}

func TestClusterPooledConnectionClosedByTheLeaderIsNotUsed(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	f := followers(nodes)[0]
	if _, err := f.node.Propose(t0, []Command{set("a", "1")}); err != nil {
		t.Fatal(err)
	}
	// The leader drops every forwarding connection (as a restart would); the follower's pooled
	// connection is now dead, and must be noticed before a request is written on it.
	leader.node.mux.mu.Lock()
	for c := range leader.node.mux.conns {
		c.Close()
	}
	leader.node.mux.mu.Unlock()
	waitFor(t, "the pooled connection to see the close", func() bool {
		f.node.fwd.mu.Lock()
		defer f.node.fwd.mu.Unlock()
		return len(f.node.fwd.idle) == 0 || !connAlive(f.node.fwd.idle[0].nc)
	})
	if _, err := f.node.Propose(t0, []Command{set("a", "2")}); err != nil {
		t.Fatalf("Propose after the leader closed the pooled connection: %v", err)
	}
}

func TestWireResultsRoundTrip(t *testing.T) {
	t.Parallel()
	in := []Result{
		{Kind: ResultOK},
		{Kind: ResultInt, Int: -42},
		{Kind: ResultBulk, Bytes: []byte("bytes\x00\r\n")},
		{Kind: ResultBulk, Bytes: []byte{}},
		{Kind: ResultNil},
		{Kind: ResultErr, Err: fmt.Errorf("wrapped: %w", engine.ErrWrongType)},
		{Kind: ResultErr, Err: errors.New("some other error")},
		{Kind: ResultArray, Array: []Result{{Kind: ResultInt, Int: 1}, {Kind: ResultArray, Array: []Result{{Kind: ResultBulk, Bytes: []byte("deep")}, {Kind: ResultNil}}}}},
		{Kind: ResultArray, Array: []Result{}},
		{Kind: ResultNilArray},
		{Kind: ResultDouble, Float: -0.5},
		{Kind: ResultStatus, Bytes: []byte("QUEUED")},
		{Kind: ResultSet, Array: []Result{{Kind: ResultBulk, Bytes: []byte("m")}}},
		{Kind: ResultKind(200), Int: 7, Bytes: []byte("a kind added later")},
	}
	d, err := parseResponse(encodeProposeResponse(99, in))
	if err != nil {
		t.Fatal(err)
	}
	index, out, err := decodeProposeResponse(d)
	if err != nil || index != 99 {
		t.Fatalf("decode: %v, index %d", err, index)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("round trip:\n got %v\nwant %v", out, in)
	}
	if !errors.Is(out[5].Err, engine.ErrWrongType) || out[5].Err.Error() != in[5].Err.Error() {
		t.Errorf("sentinel error lost: %v", out[5].Err)
	}
	if out[0].Bytes != nil || out[3].Bytes == nil || out[8].Array == nil {
		t.Errorf("nil and empty not kept apart: %#v %#v %#v", out[0], out[3], out[8])
	}
	if _, err := parseResponse(errResponse(fmt.Errorf("%w: lost", ErrUnknownOutcome))); !errors.Is(err, ErrUnknownOutcome) {
		t.Errorf("error response = %v", err)
	}
}

func TestSharedRoundJoinsTheNextRun(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	runs := 0
	release := make(chan struct{})
	g := &sharedRound{fn: func() (uint64, error) {
		mu.Lock()
		runs++
		r := runs
		mu.Unlock()
		if r == 1 {
			<-release
		}
		return uint64(r), nil
	}}
	first := make(chan uint64)
	go func() { i, _ := g.do(context.Background()); first <- i }()
	waitFor(t, "the first run to start", func() bool { mu.Lock(); defer mu.Unlock(); return runs == 1 })
	// Callers arriving while run 1 is under way all get run 2, never run 1.
	var wg sync.WaitGroup
	got := make([]uint64, 20)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = g.do(context.Background()) }()
	}
	waitFor(t, "the callers to queue", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.pending != nil && g.pending.callers == len(got)
	})
	close(release)
	wg.Wait()
	if <-first != 1 {
		t.Fatal("first caller did not get run 1")
	}
	for i, v := range got {
		if v < 2 {
			t.Fatalf("caller %d got run %d, which started before its call", i, v)
		}
	}
	// Callers that joined while run 1 was under way share run 2.
	if runs != 2 {
		t.Fatalf("%d runs for 21 callers, want them shared", runs)
	}
}

func slogTo(w *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestWireWatchRoundTrip(t *testing.T) {
	t.Parallel()
	w := &Watch{Index: 42, Keys: []WatchKey{
		{DB: 3, Key: []byte("k\x00"), Existed: true, ExpireAt: 1_700_000_000_123, Index: 40},
		{DB: 0, Key: []byte{}, ExpireAt: -1},
	}}
	got, err := decodeWatch(appendWatch(nil, w)[1:])
	if err != nil || fmt.Sprint(got) != fmt.Sprint(w) {
		t.Fatalf("round trip: %v, %v; want %v", got, err, w)
	}
	for _, none := range []*Watch{nil, {Index: 7}} {
		if b := appendWatch(nil, none); len(b) != 1 {
			t.Fatalf("a guard without keys encodes as %q", b)
		}
	}
	if _, err := decodeWatch([]byte{1, 5, 0}); err == nil {
		t.Fatal("a truncated guard decodes")
	}
}

func TestClusterWatchedTransactionThroughAFollower(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	f := followers(nodes)[0]
	if _, err := f.node.Propose(t0, []Command{set("w", "1")}); err != nil {
		t.Fatal(err)
	}
	watch := &Watch{Index: f.db.Applied(), Keys: []WatchKey{{DB: 0, Key: []byte("w"), Existed: true}}}
	rs, err := f.node.ProposeWatched(t0, watch, []Command{incrBy("w", 10), {Op: OpFlushDB}, set("after", "flush")})
	if err != nil || joinResults(rs) != "11 OK OK" {
		t.Fatalf("guarded transaction via a follower = %v, %v", rs, err)
	}
	// The key changes on the leader after it was watched: the forwarded transaction is refused.
	watch = &Watch{Index: f.db.Applied(), Keys: []WatchKey{{DB: 0, Key: []byte("after"), Existed: true}}}
	if _, err := leader.node.Propose(t0, []Command{set("after", "changed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.ProposeWatched(t0, watch, []Command{set("after", "tx")}); !errors.Is(err, ErrWatchChanged) {
		t.Fatalf("transaction on a changed key via a follower = %v, want ErrWatchChanged", err)
	}
	if err := f.node.ReadBarrier(context.Background(), ReadLinearizable); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, "after"); got != "changed" {
		t.Fatalf("after = %q", got)
	}
}

// TestClusterFollowerThatFallsBehindReadsThroughTheLog holds a follower's state machine (as a
// node catching up after a restart is, while the leader's replication backs off): its read barrier
// fails with ErrBehind after CatchUpWait, at once for the next read, and a read proposed through
// the log returns the leader's answer without waiting for the follower; once it has applied, its
// barrier passes again.
func TestClusterFollowerThatFallsBehindReadsThroughTheLog(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3)
	leader := waitClusterLeader(t, nodes)
	getReader := func(tx *engine.Tx, db, _ int, args [][]byte) []byte {
		v, err := tx.Get(db, args[1])
		if err != nil {
			return []byte("-" + err.Error() + "\r\n")
		}
		return []byte("+" + string(v) + "\r\n")
	}
	for _, cn := range nodes {
		cn.node.SetReader(getReader)
	}
	f := followers(nodes)[0]
	held := f.db.Begin(0, true) // the follower's state machine waits for this write lock
	released := false
	release := func() {
		if !released {
			held.Discard()
			released = true
		}
	}
	t.Cleanup(release)
	if _, err := leader.node.Propose(time.Now().UnixMilli(), []Command{set("k", "v1")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	if err := f.node.ReadBarrier(ctx, ReadLeader); !errors.Is(err, ErrBehind) {
		t.Fatalf("ReadBarrier on a follower that cannot apply = %v, want ErrBehind", err)
	}
	if waited := time.Since(start); waited < f.node.cfg.CatchUpWait {
		t.Fatalf("ErrBehind after %v, before CatchUpWait %v", waited, f.node.cfg.CatchUpWait)
	}
	start = time.Now()
	if err := f.node.ReadBarrier(ctx, ReadLinearizable); !errors.Is(err, ErrBehind) {
		t.Fatalf("second ReadBarrier = %v, want ErrBehind", err)
	}
	if waited := time.Since(start); waited >= f.node.cfg.CatchUpWait {
		t.Fatalf("the second ReadBarrier waited %v: it should know the node is behind", waited)
	}
	if !f.node.Status().CatchingUp {
		t.Fatal("Status().CatchingUp = false on a follower that is behind (INFO raft_catching_up)")
	}
	res, err := f.node.Propose(time.Now().UnixMilli(), []Command{ReadCommand(0, 2, [][]byte{[]byte("GET"), []byte("k")})})
	if err != nil || len(res) != 1 || res[0].Kind != ResultRaw || string(res[0].Bytes) != "+v1\r\n" {
		t.Fatalf("GET through the log on the follower = %+v, %v; want the leader's +v1", res, err)
	}
	release()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f.node.ReadBarrier(ctx, ReadLeader)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ReadBarrier after the follower could apply again: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := f.get(t, "k"); got != "v1" {
		t.Fatalf("the follower reads k=%q after catching up, want v1", got)
	}
	if f.node.Behind() {
		t.Fatal("Behind() after catching up")
	}

	// A write forwarded by the follower while it cannot apply commits; the follower then knows it is
	// behind (its connection's next reads pass the barrier again) until it has applied it.
	held = f.db.Begin(0, true)
	released = false
	if _, err := f.node.Propose(time.Now().UnixMilli(), []Command{set("k", "v2")}); err != nil {
		t.Fatalf("a write forwarded by a follower that cannot apply: %v", err)
	}
	if !f.node.Behind() {
		t.Fatal("Behind() = false after a forwarded write this node could not apply in time")
	}
	release()
	for deadline := time.Now().Add(10 * time.Second); f.node.Behind(); {
		if time.Now().After(deadline) {
			t.Fatal("still Behind() 10s after the follower could apply again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
