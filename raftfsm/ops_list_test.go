package raftfsm

import (
	"fmt"
	"testing"

	"github.com/flin-resp/flin-resp/engine"
)

// Command builders of the lists family, shaped as resp/ builds them.
func listPush(key string, flags byte, vals ...string) Command {
	c := Command{Op: OpListPush, Args: [][]byte{[]byte(key), {flags}}}
	for _, v := range vals {
		c.Args = append(c.Args, []byte(v))
	}
	return c
}

func listPop(key string, flags byte, count int64) Command {
	return Command{Op: OpListPop, Args: [][]byte{[]byte(key), {flags}, Int64Arg(count)}}
}

func listMPop(flags byte, count int64, modes string, keys ...string) Command {
	c := Command{Op: OpListMPop, Args: [][]byte{{flags}, Int64Arg(count), []byte(modes)}}
	for _, k := range keys {
		c.Args = append(c.Args, []byte(k))
	}
	return c
}

func listMove(src, dst string, flags, mode byte) Command {
	return Command{Op: OpListMove, Args: [][]byte{[]byte(src), []byte(dst), {flags}, {mode}}}
}

func strArgs(op Op, args ...string) Command {
	c := Command{Op: op}
	for _, a := range args {
		c.Args = append(c.Args, []byte(a))
	}
	return c
}

// TestListOpsApply applies the lists family's operations entry after entry and checks their
// Results, including the forms blocked clients rely on: nil when nothing could be popped, keys
// left to earlier waiters (yield) and keys of another type skipped on a retry.
func TestListOpsApply(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, engineOptions(""))
	wrong := errText(engine.ErrWrongType)
	bad := fmt.Sprintf("error: %v", ErrBadCommand)
	steps := []struct {
		name string
		cmds []Command
		want string
	}{
		{"pushes return the length; X variants need the list",
			[]Command{listPush("l", 0, "a", "b"), listPush("l", ListRight, "c"), listPush("m", ListOnlyIfExists, "x")},
			"2 3 0"},
		{"a pop without a count is a bulk, with a count an array in pop order",
			[]Command{listPop("l", 0, 0), listPop("l", ListRight|ListCount, 5), listPop("l", 0, 0)},
			`"b" ["c" "a"] (nil)`},
		{"a pop with a count of a missing key is a null array",
			[]Command{listPop("l", ListCount, 1), listPop("l", ListCount, 0)},
			"(nil) (nil)"},
		{"a pop of another type is WRONGTYPE",
			[]Command{set("s", "v"), listPop("s", 0, 0), listPush("s", 0, "x")},
			"OK " + wrong + " " + wrong},
		{"LSET parses its index after finding the key",
			[]Command{strArgs(OpListSet, "l", "x", "v"), listPush("l", 0, "a"), strArgs(OpListSet, "l", "x", "v"),
				strArgs(OpListSet, "l", "1", "v"), strArgs(OpListSet, "l", "-1", "A")},
			errText(engine.ErrNotFound) + " 1 " + errText(engine.ErrNotInteger) + " " + errText(engine.ErrIndexOutOfRange) + " OK"},
		{"LMPOP pops the first non-empty list",
			[]Command{listPush("b", ListRight, "1", "2", "3"), listMPop(ListNested|ListRight, 2, "pp", "a", "b"),
				listMPop(0, 1, "pp", "a", "b"), listMPop(0, 1, "pp", "a", "b")},
			`3 ["b" ["3" "2"]] ["b" "1"] (nil)`},
		{"a first try answers WRONGTYPE even for a key it yields, a retry skips it",
			[]Command{listPush("q", 0, "v"), listMPop(0, 1, "yp", "s", "q"), listMPop(0, 1, "rr", "s", "q")},
			"1 " + wrong + ` ["q" "v"]`},
		{"a yielded list is left alone",
			[]Command{listPush("q", 0, "v"), listMPop(0, 1, "y", "q"), listPop("q", 0, 0)},
			`1 (nil) "v"`},
		{"LMOVE moves, and in retry mode skips a source of another type",
			[]Command{listPush("src", ListRight, "a", "b"), listMove("src", "dst", 0, ListPop),
				listMove("s", "dst", 0, ListRetry), listMove("s", "dst", 0, ListPop), listMove("src", "s", 0, ListRetry),
				listMove("src", "dst", ListFromRight|ListToRight, ListYield), listMove("nosrc", "dst", 0, ListPop)},
			`2 "a" (nil) ` + wrong + " " + wrong + ` (nil) (nil)`},
		{"LINSERT, LREM and LTRIM",
			[]Command{listPush("i", ListRight, "a", "b", "a"), strArgs(OpListInsert, "i", "\x08", "b", "X"),
				Command{Op: OpListRem, Args: [][]byte{[]byte("i"), Int64Arg(-1), []byte("a")}},
				Command{Op: OpListTrim, Args: [][]byte{[]byte("i"), Int64Arg(1), Int64Arg(-1)}},
				listPop("i", ListCount, 10)},
			`3 4 1 OK ["b" "X"]`},
		{"malformed commands are refused",
			[]Command{listPop("l", 0, -1), listMPop(0, 0, "p", "a"), listMPop(0, 1, "pp", "a"), strArgs(OpListPush, "l", "xx", "v")},
			bad + " " + bad + " " + bad + " " + bad},
	}
	for i, st := range steps {
		got := joinResults(results(t, applyBatch(t, f, entry(uint64(i+1), 1000, st.cmds...))[0]))
		if got != st.want {
			t.Errorf("%s:\n got  %s\n want %s", st.name, got, st.want)
		}
	}
}
