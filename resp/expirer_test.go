package resp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startNode starts a single-node Raft cluster over an in-memory engine and waits until it leads.
func startNode(t testing.TB) (*engine.DB, *raftfsm.Node) {
	t.Helper()
	db, err := engine.Open(engine.DefaultOptions("").WithInMemory(true).WithMemTableSize(8 << 20).
		WithBlockCacheSize(1 << 20).WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	node, err := raftfsm.Start(raftfsm.Config{
		Dir: t.TempDir(), BindAddr: "127.0.0.1:0", Bootstrap: true, Logger: quietLogger(),
		HeartbeatTimeout: 50 * time.Millisecond, ElectionTimeout: 50 * time.Millisecond,
	}, db)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		node.Close()
		db.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := node.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	return db, node
}

// setKeys stores n keys named prefix:i in database dbi, expiring at at (0: never).
func setKeys(t *testing.T, node *raftfsm.Node, dbi int, prefix string, n int, at int64) {
	t.Helper()
	var cmds []raftfsm.Command
	for i := range n {
		cmds = append(cmds, raftfsm.Command{Op: raftfsm.OpSet, DB: dbi, Args: [][]byte{
			fmt.Appendf(nil, "%s:%d", prefix, i), []byte("v"), {0}, raftfsm.Int64Arg(at),
		}})
	}
	if _, err := node.Propose(time.Now().UnixMilli(), cmds); err != nil {
		t.Fatal(err)
	}
}

func TestExpirerRemovesExpiredKeysThroughRaft(t *testing.T) {
	db, node := startNode(t)
	soon := time.Now().Add(30 * time.Millisecond).UnixMilli()
	setKeys(t, node, 0, "short", 700, soon)
	setKeys(t, node, 4, "short", 50, soon)
	setKeys(t, node, 0, "kept", 3, 0)
	setKeys(t, node, 0, "later", 2, time.Now().Add(time.Hour).UnixMilli())
	e := StartExpirer(db, node, ExpirerConfig{Interval: 10 * time.Millisecond, Batch: 100, Logger: quietLogger()})
	deadline := time.Now().Add(10 * time.Second)
	for db.DBSize(0) != 5 || db.DBSize(4) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE %d and %d after 10s, want 5 and 0", db.DBSize(0), db.DBSize(4))
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	e.Stop()
	e.Stop() // a second Stop returns at once too
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %v", d)
	}
	if n, err := db.Expires(0); err != nil || n != 2 {
		t.Errorf("expiries left in db 0: %d, %v; want 2", n, err)
	}
}

func TestExpirerRoundsAreBoundedBatches(t *testing.T) {
	db, node := startNode(t)
	at := time.Now().Add(-time.Second).UnixMilli() // stored through an entry stamped earlier
	var cmds []raftfsm.Command
	for i := range 25 {
		cmds = append(cmds, raftfsm.Command{Op: raftfsm.OpSet, DB: i % 3, Args: [][]byte{
			fmt.Appendf(nil, "k%d", i), []byte("v"), {0}, raftfsm.Int64Arg(at),
		}})
	}
	if _, err := node.Propose(at-10, cmds); err != nil {
		t.Fatal(err)
	}
	e := &Expirer{cfg: ExpirerConfig{Batch: 10}, db: db, p: node}
	var rounds []int
	for {
		n, err := e.Round(time.Now().UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, n)
		if n == 0 || len(rounds) > 10 {
			break
		}
	}
	if fmt.Sprint(rounds) != "[10 10 5 0]" {
		t.Errorf("rounds found %v keys, want [10 10 5 0]", rounds)
	}
	for i := range 3 {
		if n := db.DBSize(i); n != 0 {
			t.Errorf("db %d DBSIZE %d", i, n)
		}
	}
}

// followerProposer is a Proposer that is never the leader.
type followerProposer struct{ proposals atomic.Int64 }

func (p *followerProposer) Propose(int64, []raftfsm.Command) ([]raftfsm.Result, error) {
	p.proposals.Add(1)
	return nil, raftfsm.ErrNotLeader
}

func (p *followerProposer) Status() raftfsm.Status { return raftfsm.Status{State: "Follower"} }

func (p *followerProposer) Snapshot() error { return nil }

func (p *followerProposer) ProposeWatched(int64, *raftfsm.Watch, []raftfsm.Command) ([]raftfsm.Result, error) {
	p.proposals.Add(1)
	return nil, raftfsm.ErrNotLeader
}

func (p *followerProposer) SetReader(raftfsm.ReadFunc) {}

func TestExpirerStaysIdleOnAFollower(t *testing.T) {
	db, err := engine.Open(engine.DefaultOptions("").WithInMemory(true).WithMemTableSize(8 << 20).
		WithBlockCacheSize(1 << 20).WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Set(0, []byte("k"), []byte("v"), time.Now().Add(time.Millisecond).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	p := &followerProposer{}
	e := StartExpirer(db, p, ExpirerConfig{Interval: time.Millisecond, Logger: quietLogger()})
	time.Sleep(50 * time.Millisecond)
	e.Stop()
	if n := p.proposals.Load(); n != 0 {
		t.Errorf("a follower proposed %d times", n)
	}
	if db.DBSize(0) != 1 {
		t.Error("the key went away without Raft")
	}
}
