package raftfsm

import (
	"strings"
	"testing"

	"github.com/flin-resp/flin-resp/engine"
)

// TestACommandThatCannotBeStoredFailsAloneAndWhole: the commands of one entry (a MULTI/EXEC, a
// pipeline) share a transaction. One with a key or member too long for the engine answers its
// error, leaves nothing of itself behind, and the commands around it apply, as a command failing
// inside Redis's EXEC does.
func TestACommandThatCannotBeStoredFailsAloneAndWhole(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	huge := strings.Repeat("x", 70000)
	args := func(ss ...string) [][]byte {
		out := make([][]byte, len(ss))
		for i, s := range ss {
			out[i] = []byte(s)
		}
		return out
	}
	zadd := func(key string, members ...string) Command {
		a := [][]byte{[]byte(key), {0}}
		for i, m := range members {
			a = append(a, ScoreArg(float64(i+1)), []byte(m))
		}
		return Command{Op: OpZAdd, Args: a}
	}
	cmds := []Command{
		{Op: OpHSet, Args: args("h", "a", "1")},
		{Op: OpHSet, Args: args("h", "b", "2", huge, "3")},
		{Op: OpSAdd, Args: args("s", "x")},
		{Op: OpSAdd, Args: args("s", "y", huge)},
		zadd("z", "m"),
		zadd("z", "n", huge),
		mset("k1", "v1", huge, "v2"),
		{Op: OpSMove, Args: args("s", huge, "x")},
		{Op: OpListPush, Args: [][]byte{[]byte("l"), {ListRight}, []byte("e"), []byte("f")}},
		{Op: OpListMove, Args: [][]byte{[]byte("l"), []byte(huge), {0}, {ListPop}}},
		incrBy("ctr", 1),
	}
	rs := results(t, applyBatch(t, f, entry(1, t0, cmds...))[0])
	tooLarge := errText(engine.ErrKeyTooLarge)
	want := []string{"1", tooLarge, "1", tooLarge, "1", tooLarge, tooLarge, tooLarge, "2", tooLarge, "1"}
	if got := resultStrings(rs); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	tx := db.Begin(t0, false)
	defer tx.Discard()
	fvs, err := tx.HGetAll(0, []byte("h"), true)
	if err != nil || len(fvs) != 1 || string(fvs[0].Field) != "a" {
		t.Errorf("hash h = %v (%v), want only a", fvs, err)
	}
	if ms, err := tx.SMembers(0, []byte("s")); err != nil || len(ms) != 1 || string(ms[0]) != "x" {
		t.Errorf("set s = %q (%v), want only x", ms, err)
	}
	z, err := tx.ZSet(0, []byte("z"))
	if err != nil {
		t.Fatal(err)
	}
	var zm []string
	if err := z.RangeByRank(0, -1, false, func(m engine.ZMember) bool {
		zm = append(zm, string(m.Member))
		return true
	}); err != nil || z.Len() != 1 || strings.Join(zm, ",") != "m" {
		t.Errorf("sorted set z = %q, length %d (%v), want only m", zm, z.Len(), err)
	}
	if _, found, err := z.Score([]byte("n")); err != nil || found {
		t.Errorf("ZSCORE z n: found %v (%v), want no such member", found, err)
	}
	l, err := tx.ListRange(0, []byte("l"), 0, -1)
	if n, _ := tx.ListLen(0, []byte("l")); err != nil || n != 2 || strings.Join(strs(l), ",") != "e,f" {
		t.Errorf("list l = %q, length %d (%v), want [e f]", l, n, err)
	}
	if v := get(t, db, 0, t0, "k1"); v != "(missing)" {
		t.Errorf("k1 = %q, want it missing: MSET failed", v)
	}
	if n := db.DBSize(0); n != 5 {
		t.Errorf("DBSIZE = %d, want 5 (h, s, z, l, ctr)", n)
	}
}

// strs turns byte slices into strings.
func strs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}
