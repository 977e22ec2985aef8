package raftfsm

import (
	"fmt"
	"testing"

	"github.com/flin-resp/flin-resp/engine"
)

// Command builders of the strings family, shaped as resp/ builds them.
func strCmd(op Op, args ...any) Command {
	c := Command{Op: op}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			c.Args = append(c.Args, []byte(v))
		case []byte:
			c.Args = append(c.Args, v)
		case int64:
			c.Args = append(c.Args, Int64Arg(v))
		case int:
			c.Args = append(c.Args, Int64Arg(int64(v)))
		default:
			panic(fmt.Sprintf("strCmd: argument of type %T", a))
		}
	}
	return c
}

func incrByFloatCmd(key, incr string) Command {
	var x *engine.LongDouble
	if v, ok := engine.ParseLongDouble([]byte(incr)); ok {
		x = &v
	}
	return strCmd(OpIncrByFloat, key, LongDoubleArg(x))
}

func bitFieldCmd(key string, ops ...engine.BitFieldOp) Command {
	c := strCmd(OpBitField, key)
	for _, op := range ops {
		c.Args = append(c.Args, BitFieldArg(op))
	}
	return c
}

// TestStringOpsApply applies the strings family's operations entry after entry, as Raft delivers
// them, and checks their Results and the state they leave.
func TestStringOpsApply(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	type check struct{ key, value string } // "(missing)" when it must not exist
	bad := fmt.Sprintf("error: %v", ErrBadCommand)
	const limit = 100
	u8 := func(kind engine.BitFieldKind, offset uint64, v int64, ow engine.BitFieldOverflow) engine.BitFieldOp {
		return engine.BitFieldOp{Kind: kind, Bits: 8, Offset: offset, Value: v, Overflow: ow}
	}
	steps := []struct {
		name  string
		now   int64
		cmds  []Command
		want  []string
		after []check
	}{
		{"SETNX replies 1 then 0", t0, []Command{strCmd(OpSetNX, "a", "1"), strCmd(OpSetNX, "a", "2")},
			[]string{"1", "0"}, []check{{"a", "1"}}},
		{"GETDEL replies the value once", t0, []Command{strCmd(OpGetDel, "a"), strCmd(OpGetDel, "a")},
			[]string{`"1"`, "(nil)"}, []check{{"a", "(missing)"}}},
		{"MSETNX sets all or nothing", t0, []Command{
			strCmd(OpMSetNX, "x", "1", "y", "2"), strCmd(OpMSetNX, "y", "3", "z", "4"),
		}, []string{"1", "0"}, []check{{"y", "2"}, {"z", "(missing)"}}},
		{"APPEND within and beyond the limit", t0, []Command{
			strCmd(OpAppend, "s", "hello", limit), strCmd(OpAppend, "s", string(make([]byte, limit)), limit),
		}, []string{"5", errText(engine.ErrStringTooLong)}, []check{{"s", "hello"}}},
		{"SETRANGE within and beyond the limit", t0, []Command{
			strCmd(OpSetRange, "s", 0, "J", limit), strCmd(OpSetRange, "s", limit, "x", limit),
			strCmd(OpSetRange, "none", 5, "", limit),
		}, []string{"5", errText(engine.ErrStringTooLong), "0"}, []check{{"s", "Jello"}, {"none", "(missing)"}}},
		{"INCRBYFLOAT adds in long double and stores the text", t0, []Command{
			strCmd(OpSetNX, "f", "10.5"), incrByFloatCmd("f", "0.1"), incrByFloatCmd("f", "x"),
			incrByFloatCmd("f", "inf"), incrByFloatCmd("s", "1"),
		}, []string{"1", `"10.6"`, errText(engine.ErrNotFloat), errText(engine.ErrNaNOrInf), errText(engine.ErrNotFloat)},
			[]check{{"f", "10.6"}}},
		{"SETBIT replies the old bit", t0, []Command{
			strCmd(OpSetBit, "b", 7, []byte{1}), strCmd(OpSetBit, "b", 7, []byte{0}),
		}, []string{"0", "1"}, []check{{"b", "\x00"}}},
		{"BITOP stores the result and replies its length", t0, []Command{
			strCmd(OpBitOp, []byte{byte(engine.BitOr)}, "d", "s", "b"),
			strCmd(OpBitOp, []byte{byte(engine.BitNot)}, "d2", "missing"),
		}, []string{"5", "0"}, []check{{"d", "Jello"}, {"d2", "(missing)"}}},
		{"BITFIELD replies an array with nil for a failed write", t0, []Command{
			bitFieldCmd("bf", u8(engine.BitFieldSet, 0, 255, engine.OverflowWrap),
				u8(engine.BitFieldIncrBy, 0, 1, engine.OverflowFail), u8(engine.BitFieldGet, 0, 0, 0)),
			bitFieldCmd("bf"),
		}, []string{"[0 (nil) 255]", "[]"}, []check{{"bf", "\xff"}}},
		{"GETEX sets and removes expiries and answers errors only for a key that exists", t0, []Command{
			strCmd(OpGetEx, "x", []byte{GetExAt}, t0+1000), strCmd(OpGetEx, "x", []byte{GetExPersist}, 0),
			strCmd(OpGetEx, "none", []byte{GetExInvalidExpire}, 0), strCmd(OpGetEx, "x", []byte{GetExInvalidExpire}, 0),
			strCmd(OpGetEx, "x", []byte{GetExNotInteger}, 0), strCmd(OpGetEx, "x", []byte{GetExKeep}, 0),
			strCmd(OpGetEx, "x", []byte{GetExAt}, t0),
		}, []string{`"1"`, `"1"`, "(nil)", errText(ErrGetExInvalidExpire), errText(engine.ErrNotInteger), `"1"`, `"1"`},
			[]check{{"x", "(missing)"}}},
		{"malformed arguments are refused, not applied", t0, []Command{
			strCmd(OpGetEx, "y", []byte{9}, 0),
			strCmd(OpGetEx, "y", []byte{GetExAt}, "short"),
			strCmd(OpSetBit, "y", 0, []byte{2}),
			strCmd(OpSetBit, "y", -1, []byte{1}),
			strCmd(OpSetRange, "y", -1, "x", limit),
			strCmd(OpBitOp, []byte{9}, "d", "s"),
			strCmd(OpBitOp, []byte{byte(engine.BitNot)}, "d", "s", "b"),
			strCmd(OpBitField, "y", "not an op"),
			strCmd(OpIncrByFloat, "y", "not a long double"),
			strCmd(OpMSetNX, "a", "1", "b"),
		}, []string{bad, bad, bad, bad, bad, bad, bad, bad, bad, bad}, []check{{"y", "2"}, {"d", "Jello"}}},
	}
	index := uint64(0)
	for _, st := range steps {
		index++
		out := applyBatch(t, f, entry(index, st.now, st.cmds...))
		if got := resultStrings(results(t, out[0])); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s: results %q, want %q", st.name, got, st.want)
		}
		for _, c := range st.after {
			if got := get(t, db, 0, st.now, c.key); got != c.value {
				t.Errorf("%s: %s = %q, want %q", st.name, c.key, got, c.value)
			}
		}
	}
}

func TestBitFieldArgRoundTripsAndRefusesWhatRespNeverBuilds(t *testing.T) {
	t.Parallel()
	ops := []engine.BitFieldOp{
		{Kind: engine.BitFieldGet, Signed: true, Bits: 64, Offset: 1<<35 - 1},
		{Kind: engine.BitFieldSet, Bits: 63, Offset: 0, Value: -1, Overflow: engine.OverflowSat},
		{Kind: engine.BitFieldIncrBy, Signed: true, Bits: 1, Offset: 7, Value: -1 << 63, Overflow: engine.OverflowFail},
	}
	for _, op := range ops {
		got, err := DecodeBitFieldArg(BitFieldArg(op))
		if err != nil || got != op {
			t.Errorf("round trip of %+v = %+v, %v", op, got, err)
		}
	}
	for name, op := range map[string]engine.BitFieldOp{
		"u64":              {Kind: engine.BitFieldGet, Bits: 64},
		"zero bits":        {Kind: engine.BitFieldGet, Signed: true},
		"i65":              {Kind: engine.BitFieldGet, Signed: true, Bits: 65},
		"an unknown kind":  {Kind: 9, Bits: 8},
		"unknown overflow": {Kind: engine.BitFieldSet, Bits: 8, Overflow: 7},
		"a huge offset":    {Kind: engine.BitFieldGet, Bits: 8, Offset: 1 << 63},
	} {
		if _, err := DecodeBitFieldArg(BitFieldArg(op)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
