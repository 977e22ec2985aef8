package raftfsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/engine"
)

// syncBuffer collects log output from Raft's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNode is a single-node cluster on disk whose node and engine can be stopped and started.
type testNode struct {
	t         *testing.T
	engineDir string
	cfg       Config
	logs      *syncBuffer
	db        *engine.DB
	node      *Node
}

func newTestNode(t *testing.T, engineDir, raftDir string) *testNode {
	logs := &syncBuffer{}
	tn := &testNode{
		t:         t,
		engineDir: engineDir,
		logs:      logs,
		cfg: Config{
			ID:               "node1",
			Dir:              raftDir,
			BindAddr:         "127.0.0.1:0",
			Bootstrap:        true,
			HeartbeatTimeout: 50 * time.Millisecond,
			ElectionTimeout:  50 * time.Millisecond,
			ApplyTimeout:     5 * time.Second,
			Logger:           slog.New(slog.NewTextHandler(logs, nil)),
		},
	}
	// A restarted node binds the address its cluster configuration holds.
	if addr, err := os.ReadFile(filepath.Join(raftDir, "test-addr")); err == nil {
		tn.cfg.BindAddr = string(addr)
	}
	t.Cleanup(tn.stop)
	return tn
}

// startTimeout bounds Start: it must not block (see TestNodeRestartsInTheSameProcess).
const startTimeout = 5 * time.Second

// start opens the engine and starts the node, then waits until it leads.
func (tn *testNode) start() {
	t := tn.t
	t.Helper()
	db, err := openEngineRetrying(engineOptions(tn.engineDir))
	if err != nil {
		t.Fatalf("engine.Open: %v", err)
	}
	tn.db = db
	type started struct {
		n   *Node
		err error
	}
	ch := make(chan started, 1)
	go func() {
		n, err := Start(tn.cfg, db)
		ch <- started{n, err}
	}()
	select {
	case s := <-ch:
		if s.err != nil {
			t.Fatalf("Start: %v", s.err)
		}
		tn.node = s.n
	case <-time.After(startTimeout):
		// The goroutine stays blocked; the engine stays open so it cannot touch a closed one.
		tn.db = nil
		t.Fatalf("Start did not return within %v", startTimeout)
	}
	addr := tn.node.Status().Addr
	tn.cfg.BindAddr = addr
	if err := os.WriteFile(filepath.Join(tn.cfg.Dir, "test-addr"), []byte(addr), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tn.node.WaitLeader(ctx); err != nil {
		t.Fatalf("WaitLeader: %v", err)
	}
}

// stop closes the node, then the engine.
func (tn *testNode) stop() {
	if tn.node != nil {
		if err := tn.node.Close(); err != nil {
			tn.t.Errorf("Node.Close: %v", err)
		}
		tn.node = nil
	}
	if tn.db != nil {
		if err := tn.db.Close(); err != nil {
			tn.t.Errorf("engine Close: %v", err)
		}
		tn.db = nil
	}
}

func (tn *testNode) propose(cmds ...Command) string {
	tn.t.Helper()
	rs, err := tn.node.Propose(time.Now().UnixMilli(), cmds)
	if err != nil {
		tn.t.Fatalf("Propose: %v", err)
	}
	return joinResults(rs)
}

func (tn *testNode) get(key string) string {
	tn.t.Helper()
	return get(tn.t, tn.db, 0, time.Now().UnixMilli(), key)
}

// Restart scenarios are steps, each run on a freshly started node. inProcess runs them one after
// another in the test; inChildProcesses runs each in a process of its own, as a real restart does.
type nodeStep func(tn *testNode)

var nodeScenarios = map[string][]nodeStep{
	"proposals survive a restart": {
		func(tn *testNode) {
			if got := tn.propose(set("a", "1"), incrBy("n", 1)); got != "OK 1" {
				tn.t.Errorf("first proposal: %s, want OK 1", got)
			}
			if got := tn.propose(incrBy("n", 1), setOpts(0, "a", "2", SetGet, 0)); got != `2 "1"` {
				tn.t.Errorf("second proposal: %s, want 2 \"1\"", got)
			}
			if tn.get("a") != "2" || tn.get("n") != "2" {
				tn.t.Errorf("engine holds a=%s n=%s, want 2 and 2", tn.get("a"), tn.get("n"))
			}
			st := tn.node.Status()
			if st.State != "Leader" || st.FSM.AppliedEntries != 2 || st.FSM.AppliedIndex != tn.db.Applied() {
				tn.t.Errorf("Status = %+v", st)
			}
			if tn.db.Applied() < 3 { // the configuration and two command entries
				tn.t.Errorf("engine Applied = %d, want at least 3", tn.db.Applied())
			}
			tn.saveApplied()
		},
		func(tn *testNode) {
			// Checked before Raft has had a chance to deliver anything: the engine's own state.
			before := tn.loadApplied()
			if got := tn.db.Applied(); got < before {
				tn.t.Errorf("engine Applied after restart = %d, want at least %d", got, before)
			}
			if tn.get("a") != "2" || tn.get("n") != "2" {
				tn.t.Errorf("after restart a=%s n=%s, want 2 and 2", tn.get("a"), tn.get("n"))
			}
			// Raft delivers the old entries again; the FSM skips them, so INCR counts once.
			if got := tn.propose(incrBy("n", 1)); got != "3" {
				tn.t.Errorf("INCR after restart: %s, want 3", got)
			}
			if st := tn.node.Status(); st.FSM.SkippedEntries < 2 || st.FSM.AppliedEntries != 1 {
				tn.t.Errorf("FSM stats after restart = %+v, want the old entries skipped and one applied", st.FSM)
			}
			if tn.db.Applied() <= before {
				tn.t.Errorf("engine Applied = %d, want more than %d", tn.db.Applied(), before)
			}
		},
	},
	"an engine behind the latest snapshot is restored from it": {
		func(tn *testNode) {
			tn.propose(set("before", "v"), incrBy("n", 10))
			if err := tn.node.Snapshot(); err != nil {
				tn.t.Fatalf("Snapshot: %v", err)
			}
			tn.propose(set("after", "v"), incrBy("n", 1))
		},
		// Between the steps the test gives the node an empty engine (say, a replaced disk).
		func(tn *testNode) {
			if !strings.Contains(tn.logs.String(), "restoring it") {
				tn.t.Errorf("no restore was logged:\n%s", tn.logs)
			}
			// The snapshot brought "before"; Raft replays the log after it for the rest.
			if got := tn.propose(incrBy("n", 1)); got != "12" {
				tn.t.Errorf("INCR after catching up: %s, want 12", got)
			}
			if tn.get("before") != "v" || tn.get("after") != "v" {
				tn.t.Errorf("before=%s after=%s, want both v", tn.get("before"), tn.get("after"))
			}
		},
	},
	// Raft's snapshot index counts entries the FSM never sees (the no-op a new leader appends), so it
	// can be above the engine's applied index although the engine holds all the snapshot does.
	// Restoring then drops and reloads the whole engine at start for nothing.
	"an engine that holds the snapshot's data is not restored": {
		func(tn *testNode) { tn.propose(set("k", "v")) },
		func(tn *testNode) {
			// A new term: the leader has appended a no-op. Wait until Raft has applied it (a barrier,
			// itself never shown to the FSM, ends up the last applied entry).
			if err := tn.node.raft.Barrier(5 * time.Second).Error(); err != nil {
				tn.t.Fatalf("Barrier: %v", err)
			}
			if err := tn.node.Snapshot(); err != nil {
				tn.t.Fatalf("Snapshot: %v", err)
			}
			st := tn.node.Status()
			tn.t.Logf("engine applied %d, snapshot index %d", st.FSM.AppliedIndex, st.LastSnapshotIndex)
		},
		func(tn *testNode) {
			if strings.Contains(tn.logs.String(), "restoring it") {
				tn.t.Errorf("the engine was restored from a snapshot that holds nothing more:\n%s", tn.logs)
			}
			if tn.get("k") != "v" {
				tn.t.Errorf("k = %s, want v", tn.get("k"))
			}
		},
	},
}

// freshEngineBefore names the step before which a scenario swaps in an empty engine directory.
var freshEngineBefore = map[string]int{"an engine behind the latest snapshot is restored from it": 1}

func (tn *testNode) saveApplied() {
	if err := os.WriteFile(filepath.Join(tn.cfg.Dir, "test-applied"), fmt.Appendf(nil, "%d", tn.db.Applied()), 0o644); err != nil {
		tn.t.Fatal(err)
	}
}

func (tn *testNode) loadApplied() uint64 {
	b, err := os.ReadFile(filepath.Join(tn.cfg.Dir, "test-applied"))
	if err != nil {
		tn.t.Fatal(err)
	}
	var v uint64
	fmt.Sscan(string(b), &v)
	return v
}

// TestNodeRestartsInTheProcess runs each scenario in this process: Close and Start again on the
// same directories.
func TestNodeRestartsInTheProcess(t *testing.T) {
	t.Parallel()
	for name, steps := range nodeScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			engineDir, raftDir := t.TempDir(), t.TempDir()
			for i, step := range steps {
				if i == freshEngineBefore[name] && i > 0 {
					engineDir = t.TempDir()
				}
				tn := newTestNode(t, engineDir, raftDir)
				tn.start()
				step(tn)
				tn.stop()
				if t.Failed() {
					return
				}
			}
		})
	}
}

// TestNodeRestartsAcrossProcesses runs each step of each scenario in a child process, so a restart
// is a new process, as in production.
func TestNodeRestartsAcrossProcesses(t *testing.T) {
	t.Parallel()
	for name, steps := range nodeScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			engineDir, raftDir := t.TempDir(), t.TempDir()
			for i := range steps {
				if i == freshEngineBefore[name] && i > 0 {
					engineDir = t.TempDir()
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNodeStepChild$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(),
					"FLIN_NODE_SCENARIO="+name, fmt.Sprint("FLIN_NODE_STEP=", i),
					"FLIN_NODE_ENGINE="+engineDir, "FLIN_NODE_RAFT="+raftDir)
				out, err := cmd.CombinedOutput()
				if err != nil || !bytes.Contains(out, []byte("--- PASS: TestNodeStepChild")) {
					t.Fatalf("step %d: %v\n%s", i, err, out)
				}
			}
		})
	}
}

// TestNodeStepChild is TestNodeRestartsAcrossProcesses' child process; it does nothing on its own.
func TestNodeStepChild(t *testing.T) {
	name := os.Getenv("FLIN_NODE_SCENARIO")
	if name == "" {
		t.Skip("run by TestNodeRestartsAcrossProcesses")
	}
	var step int
	fmt.Sscan(os.Getenv("FLIN_NODE_STEP"), &step)
	tn := newTestNode(t, os.Getenv("FLIN_NODE_ENGINE"), os.Getenv("FLIN_NODE_RAFT"))
	tn.start()
	nodeScenarios[name][step](tn)
	tn.stop()
}

func TestProposeOnAClosedNodeFails(t *testing.T) {
	t.Parallel()
	tn := newTestNode(t, t.TempDir(), t.TempDir())
	tn.start()
	n := tn.node
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	tn.node = nil
	if _, err := n.Propose(time.Now().UnixMilli(), []Command{set("k", "v")}); !errors.Is(err, ErrShutdown) {
		t.Errorf("Propose after Close = %v, want ErrShutdown", err)
	}
}
