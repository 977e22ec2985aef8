package raftfsm

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// t0 is the proposer's clock stamped on test entries (Unix ms).
const t0 = int64(1_700_000_000_000)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// engineOptions are small-footprint engine options on dir ("" for in memory). In-memory engines
// only take values under 1 KiB (see engine's TestLargeValues); tests with big values use a dir.
func engineOptions(dir string) engine.Options {
	return engine.DefaultOptions(dir).
		WithInMemory(dir == "").
		WithMemTableSize(8 << 20).
		WithBlockCacheSize(1 << 20).
		WithLogger(discardLogger())
}

// openEngineRetrying opens opts, retrying for a few seconds while Badger's directory lock is taken.
// A test reopens a directory it has just closed, and a child process that a parallel test forks
// holds a copy of the lock's file descriptor until it execs: the lock may outlive the Close briefly.
func openEngineRetrying(opts engine.Options) (*engine.DB, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		db, err := engine.Open(opts)
		if err == nil || !strings.Contains(err.Error(), "Cannot acquire directory lock") || time.Now().After(deadline) {
			return db, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openEngine(t testing.TB, opts engine.Options) *engine.DB {
	t.Helper()
	db, err := openEngineRetrying(opts)
	if err != nil {
		t.Fatalf("engine.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newFSM returns an FSM over a fresh engine with opts.
func newFSM(t testing.TB, opts engine.Options) (*FSM, *engine.DB) {
	t.Helper()
	db := openEngine(t, opts)
	return NewFSM(db, discardLogger()), db
}

// Command builders, shaped as resp/ builds them.
func set(key, value string) Command { return setOpts(0, key, value, 0, 0) }

func setOpts(db int, key, value string, flags byte, at int64) Command {
	return Command{Op: OpSet, DB: db, Args: [][]byte{[]byte(key), []byte(value), {flags}, Int64Arg(at)}}
}

func incrBy(key string, delta int64) Command {
	return Command{Op: OpIncrBy, Args: [][]byte{[]byte(key), Int64Arg(delta)}}
}

func del(keys ...string) Command {
	c := Command{Op: OpDel}
	for _, k := range keys {
		c.Args = append(c.Args, []byte(k))
	}
	return c
}

func mset(kv ...string) Command {
	c := Command{Op: OpMSet}
	for _, s := range kv {
		c.Args = append(c.Args, []byte(s))
	}
	return c
}

func expire(key string, at int64, cond engine.ExpireCond) Command {
	return Command{Op: OpExpire, Args: [][]byte{[]byte(key), Int64Arg(at), {byte(cond)}}}
}

func persist(key string) Command { return Command{Op: OpPersist, Args: [][]byte{[]byte(key)}} }

func flushDB(db int) Command { return Command{Op: OpFlushDB, DB: db} }

func flushAll() Command { return Command{Op: OpFlushAll} }

func inDB(db int, c Command) Command { c.DB = db; return c }

// entry is a command log entry at index, stamped with time now.
func entry(index uint64, now int64, cmds ...Command) *raft.Log {
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: encodeBatch(now, cmds)}
}

// results turns an ApplyBatch response into its []Result; the one type assertion of the tests.
func results(t testing.TB, resp any) []Result {
	t.Helper()
	rs, ok := resp.([]Result)
	if !ok {
		t.Fatalf("response is %T (%v), want []Result", resp, resp)
	}
	return rs
}

// applyBatch runs ApplyBatch and turns a panic into a test failure with the panic's text.
func applyBatch(t testing.TB, f *FSM, logs ...*raft.Log) (out []any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("ApplyBatch panicked: %v", r)
		}
	}()
	out = f.ApplyBatch(logs)
	if len(out) != len(logs) {
		t.Fatalf("ApplyBatch returned %d responses for %d logs", len(out), len(logs))
	}
	return out
}

// resultStrings renders results for comparison: OK, integers, "bulk", (nil), error: ...
func resultStrings(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// errText is how Result.String shows a Result holding err.
func errText(err error) string { return "error: " + err.Error() }

// get reads key of database db at time now: its value, or "(missing)".
func get(t testing.TB, db *engine.DB, dbi int, now int64, key string) string {
	t.Helper()
	tx := db.Begin(now, false)
	defer tx.Discard()
	v, err := tx.Get(dbi, []byte(key))
	if errors.Is(err, engine.ErrNotFound) {
		return "(missing)"
	}
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return string(v)
}

func keyName(prefix string, i int) string { return fmt.Sprintf("%s:%05d", prefix, i) }

func joinResults(rs []Result) string { return strings.Join(resultStrings(rs), " ") }
