package raftfsm

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/flin-resp/flin-resp/engine"
)

// The sorted set family (ops 170-199). The proposer parses scores and ranges; entries carry them as
// fixed-width numbers, so Apply parses no text.
const (
	OpZAdd             Op = 170 // key, flags(1), score(8), member, score(8), member...: ZADD and ZINCRBY
	OpZRem             Op = 171 // key, member... -> count
	OpZRemRangeByRank  Op = 172 // key, start(8), stop(8) -> count
	OpZRemRangeByScore Op = 173 // key, min(9), max(9) -> count
	OpZRemRangeByLex   Op = 174 // key, min, max (engine.EncodeLexBound) -> count
	OpZPop             Op = 175 // flags(1), count(8) (-1: a plain single pop), key...: ZPOPMIN/MAX, ZMPOP
	OpZCombineStore    Op = 176 // dst, op(1) aggregate(1), weights (8 per key, or empty), key... -> length
	OpZRangeStore      Op = 177 // dst, src, kind(1), a, b, offset(8), limit(8) -> length
	OpZBlockPop        Op = 178 // flags(1), count(8), modes (1 per key: ListPop, ListYield, ListRetry), key...: a try of BZPOPMIN/MAX, BZMPOP
)

// ZAddCH is the flag of OpZAdd that makes ZADD count updated members too; the other bits of its
// flags byte are engine.ZAddFlags.
const ZAddCH byte = 0x80

// Flags of OpZPop: which end, and the shape of the reply (Redis's genericZpopCommand).
const (
	ZPopMax          byte = 1 << iota // pop the highest scores
	ZPopNested                        // each member and score as an array of two
	ZPopEmitKey                       // the key first (BZPOP*, ZMPOP)
	ZPopNilWhenEmpty                  // a null array when no key has members (ZMPOP), else an empty array
)

// Kinds of OpZRangeStore's range, in its kind byte; ZRangeRev reverses the order.
const (
	ZRangeRank  byte = 0 // a, b: ranks (8 each)
	ZRangeScore byte = 1 // a, b: min and max (9 each)
	ZRangeLex   byte = 2 // a, b: min and max (engine.EncodeLexBound)
	ZRangeRev   byte = 0x10
)

// ScoreBoundArg encodes one end of a score range: the score's bits (8) and 1 when exclusive.
func ScoreBoundArg(score float64, exclusive bool) []byte {
	b := binary.BigEndian.AppendUint64(nil, math.Float64bits(score))
	if exclusive {
		return append(b, 1)
	}
	return append(b, 0)
}

// ScoreArg encodes a score.
func ScoreArg(score float64) []byte { return Uint64Arg(math.Float64bits(score)) }

var zsetOps = map[Op]opSpec{
	OpZAdd:             {applyZAdd, -4},
	OpZRem:             {applyZRem, -2},
	OpZRemRangeByRank:  {applyZRemRangeByRank, 3},
	OpZRemRangeByScore: {applyZRemRangeByScore, 3},
	OpZRemRangeByLex:   {applyZRemRangeByLex, 3},
	OpZPop:             {applyZPop, -3},
	OpZCombineStore:    {applyZCombineStore, -4},
	OpZRangeStore:      {applyZRangeStore, 7},
	OpZBlockPop:        {applyZBlockPop, -4},
}

// zsetErr turns the errors of this family a client can cause into a Result.
func zsetErr(err error) (Result, error) {
	if errors.Is(err, engine.ErrNaNScore) {
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return errResult(err)
}

func scoreArg(b []byte) (float64, error) {
	if len(b) != 8 {
		return 0, ErrBadCommand
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(b))
	if math.IsNaN(f) {
		return 0, ErrBadCommand
	}
	return f, nil
}

func scoreRangeArgs(min, max []byte) (engine.ScoreRange, error) {
	if len(min) != 9 || len(max) != 9 {
		return engine.ScoreRange{}, ErrBadCommand
	}
	lo, err := scoreArg(min[:8])
	if err != nil {
		return engine.ScoreRange{}, err
	}
	hi, err := scoreArg(max[:8])
	if err != nil {
		return engine.ScoreRange{}, err
	}
	return engine.ScoreRange{Min: lo, Max: hi, MinEx: min[8] != 0, MaxEx: max[8] != 0}, nil
}

func lexRangeArgs(min, max []byte) (engine.LexRange, error) {
	lo, ok1 := engine.DecodeLexBound(min)
	hi, ok2 := engine.DecodeLexBound(max)
	if !ok1 || !ok2 {
		return engine.LexRange{}, ErrBadCommand
	}
	return engine.LexRange{Min: lo, Max: hi}, nil
}

// applyZAdd applies ZADD and ZINCRBY (the INCR flag) as Redis's zaddGenericCommand does. Every
// score is checked here and every member by the engine before anything is written, so an error
// leaves the set untouched.
func applyZAdd(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[1]) != 1 || len(c.Args)%2 != 0 {
		return errResult(ErrBadCommand)
	}
	flags := engine.ZAddFlags(c.Args[1][0] &^ ZAddCH)
	ch := c.Args[1][0]&ZAddCH != 0
	incr := flags&engine.ZAddIncr != 0
	pairs := c.Args[2:]
	members := make([]engine.ZMember, len(pairs)/2)
	for i := range members {
		score, err := scoreArg(pairs[2*i])
		if err != nil {
			return errResult(err)
		}
		members[i] = engine.ZMember{Member: pairs[2*i+1], Score: score}
	}
	if incr && len(members) != 1 {
		return errResult(ErrBadCommand)
	}
	res, err := tx.ZAdd(c.DB, c.Args[0], members, flags)
	if err != nil {
		return zsetErr(err)
	}
	switch {
	case incr && res.Processed > 0:
		return Result{Kind: ResultDouble, Float: res.Score}, nil
	case incr:
		return Result{Kind: ResultNil}, nil
	case ch:
		return Result{Kind: ResultInt, Int: res.Added + res.Updated}, nil
	}
	return Result{Kind: ResultInt, Int: res.Added}, nil
}

func applyZRem(tx *engine.Tx, c Command) (Result, error) {
	z, err := tx.ZSet(c.DB, c.Args[0])
	if err != nil {
		return zsetErr(err)
	}
	n := int64(0)
	for _, m := range c.Args[1:] {
		ok, err := z.Remove(m)
		if err != nil {
			return zsetErr(err)
		}
		if ok {
			n++
		}
		if z.Len() == 0 {
			break
		}
	}
	if n > 0 {
		if err := z.Save(); err != nil {
			return zsetErr(err)
		}
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

// zremRange opens key and removes what remove chooses.
func zremRange(tx *engine.Tx, c Command, remove func(z *engine.ZSet) (int64, error)) (Result, error) {
	z, err := tx.ZSet(c.DB, c.Args[0])
	if err != nil {
		return zsetErr(err)
	}
	n, err := remove(z)
	if err != nil {
		return zsetErr(err)
	}
	if n > 0 {
		if err := z.Save(); err != nil {
			return zsetErr(err)
		}
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyZRemRangeByRank(tx *engine.Tx, c Command) (Result, error) {
	start, err1 := fixed64(c.Args[1])
	stop, err2 := fixed64(c.Args[2])
	if err1 != nil || err2 != nil {
		return errResult(ErrBadCommand)
	}
	return zremRange(tx, c, func(z *engine.ZSet) (int64, error) { return z.RemoveRangeByRank(start, stop) })
}

func applyZRemRangeByScore(tx *engine.Tx, c Command) (Result, error) {
	r, err := scoreRangeArgs(c.Args[1], c.Args[2])
	if err != nil {
		return errResult(err)
	}
	return zremRange(tx, c, func(z *engine.ZSet) (int64, error) { return z.RemoveRangeByScore(r) })
}

func applyZRemRangeByLex(tx *engine.Tx, c Command) (Result, error) {
	r, err := lexRangeArgs(c.Args[1], c.Args[2])
	if err != nil {
		return errResult(err)
	}
	return zremRange(tx, c, func(z *engine.ZSet) (int64, error) { return z.RemoveRangeByLex(r) })
}

// applyZPop pops from the first of the keys that exists, as Redis's genericZpopCommand does: a key
// of another type before it is an error; the reply's shape is in the flags.
func applyZPop(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[0]) != 1 {
		return errResult(ErrBadCommand)
	}
	flags := c.Args[0][0]
	count, err := fixed64(c.Args[1])
	if err != nil || count < -1 {
		return errResult(ErrBadCommand)
	}
	var z *engine.ZSet
	var key []byte
	for _, k := range c.Args[2:] {
		t, err := tx.Type(c.DB, k)
		if err != nil {
			return zsetErr(err)
		}
		if t == engine.TypeNone {
			continue
		}
		if z, err = tx.ZSet(c.DB, k); err != nil {
			return zsetErr(err)
		}
		key = k
		break
	}
	switch {
	case z == nil && flags&ZPopNilWhenEmpty != 0:
		return Result{Kind: ResultNilArray}, nil
	case z == nil, count == 0:
		return Result{Kind: ResultArray, Array: []Result{}}, nil
	}
	if count == -1 {
		count = 1
	}
	popped, err := z.Pop(flags&ZPopMax != 0, count)
	if err != nil {
		return zsetErr(err)
	}
	if err := z.Save(); err != nil {
		return zsetErr(err)
	}
	return popReply(key, popped, flags), nil
}

// popReply shapes popped members as genericZpopCommand does.
func popReply(key []byte, popped []engine.ZMember, flags byte) Result {
	var elems []Result
	for _, m := range popped {
		pair := []Result{{Kind: ResultBulk, Bytes: m.Member}, {Kind: ResultDouble, Float: m.Score}}
		if flags&ZPopNested != 0 {
			elems = append(elems, Result{Kind: ResultArray, Array: pair})
		} else {
			elems = append(elems, pair...)
		}
	}
	if elems == nil {
		elems = []Result{}
	}
	switch {
	case flags&ZPopEmitKey == 0:
		return Result{Kind: ResultArray, Array: elems}
	case flags&ZPopNested != 0:
		return Result{Kind: ResultArray, Array: []Result{{Kind: ResultBulk, Bytes: key}, {Kind: ResultArray, Array: elems}}}
	}
	return Result{Kind: ResultArray, Array: append([]Result{{Kind: ResultBulk, Bytes: key}}, elems...)}
}

func applyZCombineStore(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[1]) != 2 {
		return errResult(ErrBadCommand)
	}
	op, agg := engine.ZCombineOp(c.Args[1][0]), engine.ZAggregate(c.Args[1][1])
	keys := c.Args[3:]
	var weights []float64
	if w := c.Args[2]; len(w) > 0 {
		if len(w) != 8*len(keys) {
			return errResult(ErrBadCommand)
		}
		weights = make([]float64, len(keys))
		for i := range weights {
			weights[i] = math.Float64frombits(binary.BigEndian.Uint64(w[8*i:]))
		}
	}
	if op > engine.ZDiff || agg > engine.ZAggMax {
		return errResult(ErrBadCommand)
	}
	members, err := tx.ZCombine(c.DB, op, keys, weights, agg)
	if err != nil {
		return zsetErr(err)
	}
	n, err := tx.ZStore(c.DB, c.Args[0], members)
	if err != nil {
		return zsetErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyZRangeStore(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[2]) != 1 {
		return errResult(ErrBadCommand)
	}
	kind, rev := c.Args[2][0]&^ZRangeRev, c.Args[2][0]&ZRangeRev != 0
	offset, err1 := fixed64(c.Args[5])
	limit, err2 := fixed64(c.Args[6])
	if err1 != nil || err2 != nil {
		return errResult(ErrBadCommand)
	}
	var rangeFn func(z *engine.ZSet, fn func(engine.ZMember) bool) error
	switch kind {
	case ZRangeRank:
		start, err1 := fixed64(c.Args[3])
		stop, err2 := fixed64(c.Args[4])
		if err1 != nil || err2 != nil {
			return errResult(ErrBadCommand)
		}
		rangeFn = func(z *engine.ZSet, fn func(engine.ZMember) bool) error { return z.RangeByRank(start, stop, rev, fn) }
	case ZRangeScore:
		r, err := scoreRangeArgs(c.Args[3], c.Args[4])
		if err != nil {
			return errResult(err)
		}
		rangeFn = func(z *engine.ZSet, fn func(engine.ZMember) bool) error {
			return z.RangeByScore(r, rev, offset, limit, fn)
		}
	case ZRangeLex:
		r, err := lexRangeArgs(c.Args[3], c.Args[4])
		if err != nil {
			return errResult(err)
		}
		rangeFn = func(z *engine.ZSet, fn func(engine.ZMember) bool) error {
			return z.RangeByLex(r, rev, offset, limit, fn)
		}
	default:
		return errResult(ErrBadCommand)
	}
	z, err := tx.ZSet(c.DB, c.Args[1])
	if err != nil {
		return zsetErr(err)
	}
	var members []engine.ZMember
	err = rangeFn(z, func(m engine.ZMember) bool {
		members = append(members, engine.ZMember{Member: append([]byte(nil), m.Member...), Score: m.Score})
		return true
	})
	if err != nil {
		return zsetErr(err)
	}
	n, err := tx.ZStore(c.DB, c.Args[0], members)
	if err != nil {
		return zsetErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

// applyZBlockPop is one try of a blocked BZPOPMIN, BZPOPMAX or BZMPOP (resp/blocking.go): the
// first key, in order, holding members is popped, unless its mode leaves it to the clients blocked
// before this one (ListYield) or, on a retry, it has another type (ListRetry skips it, as Redis
// 7.0 does when serving a blocked client). Nothing to pop answers a null array: the client keeps
// waiting. The reply always starts with the key.
func applyZBlockPop(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[0]) != 1 {
		return errResult(ErrBadCommand)
	}
	flags := c.Args[0][0] | ZPopEmitKey
	count, err := fixed64(c.Args[1])
	if err != nil || count < -1 || count == 0 {
		return errResult(ErrBadCommand)
	}
	if count == -1 {
		count = 1
	}
	modes, keys := c.Args[2], c.Args[3:]
	if len(modes) != len(keys) {
		return errResult(ErrBadCommand)
	}
	for i, key := range keys {
		t, err := tx.Type(c.DB, key)
		if err != nil {
			return zsetErr(err)
		}
		switch {
		case t == engine.TypeNone:
			continue
		case t != engine.TypeZSet && modes[i] == ListRetry:
			continue
		case t != engine.TypeZSet:
			return zsetErr(engine.ErrWrongType)
		case modes[i] == ListYield:
			continue
		}
		z, err := tx.ZSet(c.DB, key)
		if err != nil {
			return zsetErr(err)
		}
		popped, err := z.Pop(flags&ZPopMax != 0, count)
		if err != nil {
			return zsetErr(err)
		}
		if err := z.Save(); err != nil {
			return zsetErr(err)
		}
		return popReply(key, popped, flags), nil
	}
	return Result{Kind: ResultNilArray}, nil
}
