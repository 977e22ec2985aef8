package raftfsm

import (
	"math"
	"testing"

	"github.com/flin-resp/flin-resp/engine"
)

// Sorted set command builders, shaped as resp/ builds them.
func zadd(key string, flags byte, pairs ...any) Command {
	c := Command{Op: OpZAdd, Args: [][]byte{[]byte(key), {flags}}}
	for i := 0; i < len(pairs); i += 2 {
		c.Args = append(c.Args, ScoreArg(pairs[i].(float64)), []byte(pairs[i+1].(string)))
	}
	return c
}

func zcmd(op Op, args ...[]byte) Command { return Command{Op: op, Args: args} }

func b(s string) []byte { return []byte(s) }

func zpop(flags byte, count int64, keys ...string) Command {
	c := Command{Op: OpZPop, Args: [][]byte{{flags}, Int64Arg(count)}}
	for _, k := range keys {
		c.Args = append(c.Args, []byte(k))
	}
	return c
}

func TestSortedSetOpsApply(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, engineOptions(""))
	incr := byte(engine.ZAddIncr)
	steps := []struct {
		name string
		cmds []Command
		want string
	}{
		{"ZADD counts new members, CH changed ones", []Command{
			zadd("z", 0, 1.0, "a", 2.0, "b"), zadd("z", ZAddCH, 1.0, "a", 3.0, "b", 4.0, "c"), zadd("z", byte(engine.ZAddNX), 9.0, "a"),
		}, "2 2 0"},
		{"ZADD XX on a missing key creates nothing", []Command{
			zadd("none", byte(engine.ZAddXX), 1.0, "a"), zadd("none", byte(engine.ZAddXX)|incr, 1.0, "a"),
			zcmd(OpZRem, b("none"), b("a")),
		}, "0 (nil) 0"},
		{"INCR replies the new score, or nil when refused", []Command{
			zadd("z", incr, 0.5, "a"), zadd("z", incr|byte(engine.ZAddNX), 1.0, "a"), zadd("z", incr, math.Inf(1), "c"),
		}, "1.5 (nil) +Inf"},
		{"an increment to NaN is an error and writes nothing", []Command{
			zadd("z", incr, math.Inf(-1), "c"), zpop(ZPopMax, 1, "z"),
		}, `error: engine: resulting score is not a number (NaN) ["c" +Inf]`},
		{"ZREM counts removed members", []Command{zcmd(OpZRem, b("z"), b("a"), b("x"))}, "1"},
		{"pops are flat or nested, with the key when asked", []Command{
			zadd("p", 0, 1.0, "a", 2.0, "b", 3.0, "c", 4.0, "d"),
			zpop(0, -1, "p"), zpop(ZPopMax|ZPopNested, 1, "p"),
			zpop(ZPopNested|ZPopEmitKey|ZPopNilWhenEmpty, 5, "none", "p"),
			zpop(ZPopNested|ZPopEmitKey|ZPopNilWhenEmpty, 1, "p"), zpop(0, 3, "p"), zpop(0, 0, "z"),
		}, `4 ["a" 1] [["d" 4]] ["p" [["b" 2] ["c" 3]]] (nil) [] []`},
		{"ranges are removed by rank, score and member", []Command{
			zadd("r", 0, 1.0, "a", 2.0, "b", 3.0, "c", 4.0, "d", 5.0, "e"),
			zcmd(OpZRemRangeByRank, b("r"), Int64Arg(-1), Int64Arg(-1)),
			zcmd(OpZRemRangeByScore, b("r"), ScoreBoundArg(1, true), ScoreBoundArg(3, false)),
			zcmd(OpZRemRangeByLex, b("r"), engine.EncodeLexBound(engine.LexBound{Kind: '-'}), engine.EncodeLexBound(engine.LexBound{Kind: '[', Value: b("a")})),
			zpop(0, 10, "r"),
		}, `5 1 2 1 ["d" 4]`},
		{"store operations replace the destination", []Command{
			zadd("a", 0, 1.0, "x", 2.0, "y"), zadd("b", 0, 10.0, "y"), set("dst", "string"),
			zcmd(OpZCombineStore, b("dst"), []byte{byte(engine.ZUnion), byte(engine.ZAggSum)}, nil, b("a"), b("b")),
			zpop(0, 10, "dst"),
			zcmd(OpZCombineStore, b("dst"), []byte{byte(engine.ZInter), byte(engine.ZAggMax)},
				append(ScoreArg(2), ScoreArg(1)...), b("a"), b("b")),
			zpop(0, 10, "dst"),
			zcmd(OpZRangeStore, b("dst"), b("a"), []byte{ZRangeRank | ZRangeRev}, Int64Arg(0), Int64Arg(0), Int64Arg(0), Int64Arg(-1)),
			zpop(0, 10, "dst"),
			zcmd(OpZRangeStore, b("dst"), b("none"), []byte{ZRangeScore}, ScoreBoundArg(0, false), ScoreBoundArg(9, false), Int64Arg(0), Int64Arg(-1)),
		}, `2 1 OK 2 ["x" 1 "y" 12] 1 ["y" 10] 1 ["y" 2] 0`},
		{"a key of another type is refused", []Command{
			set("s", "x"), zadd("s", 0, 1.0, "a"), zcmd(OpZRem, b("s"), b("a")), zpop(0, 1, "s"),
			zcmd(OpZCombineStore, b("d"), []byte{0, 0}, nil, b("s")),
		}, "OK error: engine: operation against a key holding the wrong kind of value error: engine: operation against a key holding the wrong kind of value error: engine: operation against a key holding the wrong kind of value error: engine: operation against a key holding the wrong kind of value"},
		{"malformed arguments are refused", []Command{
			zcmd(OpZAdd, b("m"), []byte{0}, b("short"), b("a")),
			zcmd(OpZAdd, b("m"), []byte{0}, ScoreArg(math.NaN()), b("a")),
			zcmd(OpZRemRangeByScore, b("m"), b("x"), b("y")),
			zcmd(OpZPop, []byte{0}, Int64Arg(-2), b("m")),
			zcmd(OpZRangeStore, b("d"), b("m"), []byte{9}, nil, nil, Int64Arg(0), Int64Arg(0)),
		}, "error: raftfsm: malformed command error: raftfsm: malformed command error: raftfsm: malformed command error: raftfsm: malformed command error: raftfsm: malformed command"},
	}
	index := uint64(0)
	for _, s := range steps {
		index++
		got := joinResults(results(t, applyBatch(t, f, entry(index, t0, s.cmds...))[0]))
		if got != s.want {
			t.Errorf("%s:\n got  %s\n want %s", s.name, got, s.want)
		}
	}
}

// TestSortedSetEntriesApplyTheSameEverywhere applies the same log to two engines and compares what
// they hold: Apply chooses nothing by itself.
func TestSortedSetEntriesApplyTheSameEverywhere(t *testing.T) {
	t.Parallel()
	log := []Command{
		zadd("z", 0, 3.0, "c", 1.0, "a", 2.0, "b", -0.0, "n"), zadd("z", byte(engine.ZAddIncr), 1.0, "a"),
		zpop(ZPopMax, 1, "z"), zcmd(OpZCombineStore, b("u"), []byte{0, 0}, nil, b("z"), b("z")),
	}
	var dumps []string
	for range 2 {
		f, db := newFSM(t, engineOptions(""))
		applyBatch(t, f, entry(1, t0, log...))
		tx := db.Begin(t0, false)
		z, err := tx.ZSet(0, b("u"))
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		z.RangeByRank(0, -1, false, func(m engine.ZMember) bool {
			s += string(m.Member) + "=" + formatFloat(m.Score) + " "
			return true
		})
		tx.Discard()
		dumps = append(dumps, s)
	}
	if dumps[0] != dumps[1] || dumps[0] != "n=0 a=4 b=4 " {
		t.Fatalf("replicas hold %q and %q", dumps[0], dumps[1])
	}
}

func formatFloat(f float64) string { return string(engine.FormatScore(nil, f)) }
