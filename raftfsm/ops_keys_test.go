package raftfsm

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// Command builders of the keyspace family, shaped as resp/ builds them.
func rename(src, dst string, nx bool) Command {
	f := byte(0)
	if nx {
		f = 1
	}
	return Command{Op: OpRename, Args: [][]byte{[]byte(src), []byte(dst), {f}}}
}

func copyKey(src, dst string, dstDB int, replace bool) Command {
	f := byte(0)
	if replace {
		f = 1
	}
	return Command{Op: OpCopy, Args: [][]byte{[]byte(src), []byte(dst), Int64Arg(int64(dstDB)), {f}}}
}

func move(key string, dstDB int) Command {
	return Command{Op: OpMove, Args: [][]byte{[]byte(key), Int64Arg(int64(dstDB))}}
}

func swapDB(a, b int64) Command {
	return Command{Op: OpSwapDB, Args: [][]byte{Int64Arg(a), Int64Arg(b)}}
}

func expireKeys(kat ...any) Command {
	c := Command{Op: OpExpireKeys}
	for i := 0; i < len(kat); i += 2 {
		c.Args = append(c.Args, []byte(kat[i].(string)), Int64Arg(kat[i+1].(int64)))
	}
	return c
}

// TestKeyspaceOpsApply applies the keyspace family's operations entry after entry, as Raft
// delivers them, and checks their Results and the state they leave.
func TestKeyspaceOpsApply(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	type check struct {
		db         int
		key, value string // "(missing)" when it must not exist
	}
	notFound := errText(engine.ErrNotFound)
	bad := fmt.Sprintf("error: %v", ErrBadCommand)
	steps := []struct {
		name  string
		now   int64
		cmds  []Command
		want  []string
		after []check
	}{
		{"set up", t0, []Command{set("a", "1"), set("b", "2"), setOpts(0, "t", "x", 0, t0+100)},
			[]string{"OK", "OK", "OK"}, nil},
		{"RENAME replies OK and RENAMENX 1 or 0", t0, []Command{
			rename("a", "c", false), rename("c", "b", true), rename("c", "d", true), rename("nosuch", "e", false),
			rename("nosuch", "e", true),
		}, []string{"OK", "0", "1", notFound, notFound}, []check{{0, "a", "(missing)"}, {0, "d", "1"}, {0, "b", "2"}}},
		{"COPY and MOVE reply 1 or 0", t0, []Command{
			copyKey("d", "b", 0, false), copyKey("d", "b", 0, true), copyKey("t", "t3", 3, false), move("b", 1), move("b", 1),
			copyKey("nosuch", "z", 0, true),
		}, []string{"0", "1", "1", "1", "0", "0"}, []check{{0, "b", "(missing)"}, {1, "b", "1"}, {3, "t3", "x"}}},
		{"SWAPDB swaps for the commands after it in the same entry", t0, []Command{
			swapDB(0, 1), set("after", "v"), swapDB(1, 0),
		}, []string{"OK", "OK", "OK"}, []check{{0, "b", "(missing)"}, {1, "after", "v"}, {0, "d", "1"}}},
		{"a database out of range is an error", t0, []Command{
			swapDB(0, 16), swapDB(-1, 0), copyKey("d", "x", 16, false), move("d", 200),
		}, []string{errText(engine.ErrBadDB), errText(engine.ErrBadDB), errText(engine.ErrBadDB), errText(engine.ErrBadDB)}, nil},
		{"malformed arguments are refused", t0, []Command{
			{Op: OpRename, Args: [][]byte{[]byte("d"), []byte("e"), {}}},
			{Op: OpCopy, Args: [][]byte{[]byte("d"), []byte("e"), {1}, {0}}},
			{Op: OpSwapDB, Args: [][]byte{Int64Arg(0)}},
			{Op: OpExpireKeys, Args: [][]byte{[]byte("t"), Int64Arg(t0), []byte("u")}},
		}, []string{bad, bad, "error: raftfsm: operation 63 with 1 args: " + ErrBadCommand.Error(), bad},
			[]check{{0, "d", "1"}, {0, "e", "(missing)"}}},
		{"expired keys are removed only once due at the entry's time", t0 + 50, []Command{
			expireKeys("t", t0+100, "d", int64(0)),
		}, []string{"0"}, []check{{0, "t", "x"}, {0, "d", "1"}}},
		{"and only while their expiry is the one found", t0 + 150, []Command{
			expireKeys("t", t0+99, "t", t0+100, "t", t0+100),
		}, []string{"1"}, []check{{0, "t", "(missing)"}}},
	}
	index := uint64(0)
	for _, st := range steps {
		index++
		out := applyBatch(t, f, entry(index, st.now, st.cmds...))
		if got := resultStrings(results(t, out[0])); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s: results %q, want %q", st.name, got, st.want)
		}
		for _, c := range st.after {
			if got := get(t, db, c.db, st.now, c.key); got != c.value {
				t.Errorf("%s: db %d %s = %q, want %q", st.name, c.db, c.key, got, c.value)
			}
		}
	}
	if n := db.DBSize(0); n != 1 {
		t.Errorf("DBSIZE 0 = %d, want 1 (d)", n)
	}
}

// TestExpiryDecisionsAreTheSameOnEveryReplica applies the same entries to two engines whose clocks
// disagree: the entry's time alone decides what is removed.
func TestExpiryDecisionsAreTheSameOnEveryReplica(t *testing.T) {
	t.Parallel()
	var dumps [2]string
	for i, skew := range []int64{0, 1_000_000} {
		f, db := newFSM(t, engineOptions("").WithClock(func() time.Time { return time.UnixMilli(t0 + skew) }))
		applyBatch(t, f,
			entry(1, t0, setOpts(0, "a", "v", 0, t0+10), setOpts(0, "b", "v", 0, t0+20)),
			entry(2, t0+15, expireKeys("a", t0+10, "b", t0+20)),
			entry(3, t0+16, swapDB(0, 2)),
		)
		dumps[i] = fmt.Sprintf("%d %d %s", db.DBSize(0), db.DBSize(2), get(t, db, 2, t0+16, "b"))
	}
	if dumps[0] != dumps[1] || dumps[0] != "0 1 v" {
		t.Errorf("replicas disagree or are wrong: %q and %q, want \"0 1 v\"", dumps[0], dumps[1])
	}
}

// TestSwapDBIsSkippedWhenDeliveredAgain: a swap applied twice would undo itself; the applied index
// makes the second delivery a no-op.
func TestSwapDBIsSkippedWhenDeliveredAgain(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	e := []*raft.Log{entry(1, t0, set("k", "v")), entry(2, t0, swapDB(0, 1))}
	applyBatch(t, f, e...)
	applyBatch(t, f, e...)
	if got := get(t, db, 1, t0, "k"); got != "v" {
		t.Errorf("db 1 k = %q, want v", got)
	}
}
