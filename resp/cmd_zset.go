package resp

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Sorted set commands, argument for argument as Redis 7.0's t_zset.c parses them.

func zsetCommands() []*command {
	const g = "sortedset"
	return []*command{
		{name: "zadd", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", prepare: prepareZAdd},
		{name: "zincrby", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Increments the score of a member in a sorted set.", prepare: prepareZIncrBy},
		{name: "zrem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", prepare: prepareZRem},
		{name: "zcard", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the number of members in a sorted set.", run: cmdZCard},
		{name: "zscore", arity: 3, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the score of a member in a sorted set.", run: cmdZScore},
		{name: "zmscore", arity: -3, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the score of one or more members in a sorted set.", run: cmdZMScore},
		{name: "zrank", arity: 3, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the index of a member in a sorted set ordered by ascending scores (O(rank) here).", run: cmdZRank(false)},
		{name: "zrevrank", arity: 3, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the index of a member in a sorted set ordered by descending scores (O(rank) here).", run: cmdZRank(true)},
		{name: "zrange", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a range of indexes, scores or members.", run: cmdZRange(zrangeAuto, zdirAuto)},
		{name: "zrevrange", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a range of indexes in reverse order.", run: cmdZRange(zrangeRank, zdirReverse)},
		{name: "zrangebyscore", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a range of scores.", run: cmdZRange(zrangeScore, zdirForward)},
		{name: "zrevrangebyscore", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a range of scores in reverse order.", run: cmdZRange(zrangeScore, zdirReverse)},
		{name: "zrangebylex", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a lexicographical range.", run: cmdZRange(zrangeLex, zdirForward)},
		{name: "zrevrangebylex", arity: -4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns members in a sorted set within a lexicographical range in reverse order.", run: cmdZRange(zrangeLex, zdirReverse)},
		{name: "zrangestore", arity: -5, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, group: g, summary: "Stores a range of members from sorted set in a key.", prepare: prepareZRangeStore},
		{name: "zcount", arity: 4, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the count of members in a sorted set that have scores within a range.", run: cmdZCount},
		{name: "zlexcount", arity: 4, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the number of members in a sorted set within a lexicographical range.", run: cmdZLexCount},
		{name: "zpopmin", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", prepare: prepareZPop(false)},
		{name: "zpopmax", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", prepare: prepareZPop(true)},
		{name: "bzpopmin", arity: -3, flags: flagWrite | flagFast | flagBlocking, firstKey: 1, lastKey: -2, step: 1, group: g, summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", prepare: nonBlocking(blockBZPop(false)), block: blockBZPop(false)},
		{name: "bzpopmax", arity: -3, flags: flagWrite | flagFast | flagBlocking, firstKey: 1, lastKey: -2, step: 1, group: g, summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise. Deletes the sorted set if the last element was popped.", prepare: nonBlocking(blockBZPop(true)), block: blockBZPop(true)},
		{name: "bzmpop", arity: -5, flags: flagWrite | flagBlocking, group: g, summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", prepare: nonBlocking(blockBZMPop), block: blockBZMPop},
		{name: "zmpop", arity: -4, flags: flagWrite, group: g, summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", prepare: prepareZMPop},
		{name: "zremrangebyrank", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", prepare: prepareZRemRangeByRank},
		{name: "zremrangebyscore", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", prepare: prepareZRemRangeByScore},
		{name: "zremrangebylex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", prepare: prepareZRemRangeByLex},
		{name: "zunion", arity: -3, flags: flagReadOnly, group: g, summary: "Returns the union of multiple sorted sets.", run: cmdZCombine(engine.ZUnion, false)},
		{name: "zinter", arity: -3, flags: flagReadOnly, group: g, summary: "Returns the intersect of multiple sorted sets.", run: cmdZCombine(engine.ZInter, false)},
		{name: "zdiff", arity: -3, flags: flagReadOnly, group: g, summary: "Returns the difference between multiple sorted sets.", run: cmdZCombine(engine.ZDiff, false)},
		{name: "zintercard", arity: -3, flags: flagReadOnly, group: g, summary: "Returns the number of members of the intersect of multiple sorted sets.", run: cmdZCombine(engine.ZInter, true)},
		{name: "zunionstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Stores the union of multiple sorted sets in a key.", prepare: prepareZCombineStore(engine.ZUnion)},
		{name: "zinterstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Stores the intersect of multiple sorted sets in a key.", prepare: prepareZCombineStore(engine.ZInter)},
		{name: "zdiffstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Stores the difference of multiple sorted sets in a key.", prepare: prepareZCombineStore(engine.ZDiff)},
		{name: "zrandmember", arity: -2, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns one or more random members from a sorted set.", run: cmdZRandMember},
		{name: "zscan", arity: -3, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Iterates over members and scores of a sorted set.", run: cmdZScan},
	}
}

// Error replies of the sorted set commands.
const (
	errZNotFloat        = "ERR value is not a valid float"
	errZMinMaxNotFloat  = "ERR min or max is not a float"
	errZMinMaxNotLex    = "ERR min or max not valid string range item"
	errZNotPositive     = "ERR value is out of range, must be positive"
	errZAddNXXX         = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX       = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPair     = "ERR INCR option supports a single increment-element pair"
	errZRangeLimit      = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZRangeWithScores = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeightNotFloat  = "ERR weight value is not a float"
	errZNumkeysPositive = "ERR numkeys should be greater than 0"
	errZCountPositive   = "ERR count should be greater than 0"
	errZLimitNegative   = "ERR LIMIT can't be negative"
	errZOutOfRange      = "ERR value is out of range"
)

func errZAtLeastOneKey(cmd string) string {
	return "ERR at least 1 input key is needed for '" + cmd + "' command"
}

// zview runs fn on key as a sorted set in a read transaction (a missing key is an empty set).
func (c *Conn) zview(key []byte, fn func(z *engine.ZSet) error) error {
	return c.view(func(tx *engine.Tx) error {
		z, err := tx.ZSet(c.db, key)
		if err != nil {
			return err
		}
		return fn(z)
	})
}

// writeZMembers writes members as ZRANGE does: with scores, a flat array of member and score in
// RESP2 and an array of pairs in RESP3.
func (c *Conn) writeZMembers(ms []engine.ZMember, withScores bool) {
	resp3 := c.w.Protocol() == 3
	if withScores && !resp3 {
		c.w.Array(2 * len(ms))
	} else {
		c.w.Array(len(ms))
	}
	for _, m := range ms {
		if withScores && resp3 {
			c.w.Array(2)
		}
		c.w.Bulk(m.Member)
		if withScores {
			c.w.Double(m.Score)
		}
	}
}

// copyMember keeps a member handed to a callback.
func copyMember(m engine.ZMember) engine.ZMember {
	return engine.ZMember{Member: append([]byte(nil), m.Member...), Score: m.Score}
}

// ---- ZADD, ZINCRBY, ZREM ----

func prepareZAdd(c *Conn, args [][]byte) (raftfsm.Command, string) { return zaddCommand(c, args, 0) }

// prepareZIncrBy parses ZINCRBY as Redis does: as ZADD INCR, options included (ZINCRBY k nx m is
// a syntax error).
func prepareZIncrBy(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return zaddCommand(c, args, engine.ZAddIncr)
}

func zaddCommand(c *Conn, args [][]byte, flags engine.ZAddFlags) (raftfsm.Command, string) {
	ch := false
	i := 2
options:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case equalFold(a, "nx"):
			flags |= engine.ZAddNX
		case equalFold(a, "xx"):
			flags |= engine.ZAddXX
		case equalFold(a, "ch"):
			ch = true
		case equalFold(a, "incr"):
			flags |= engine.ZAddIncr
		case equalFold(a, "gt"):
			flags |= engine.ZAddGT
		case equalFold(a, "lt"):
			flags |= engine.ZAddLT
		default:
			break options
		}
	}
	elems := len(args) - i
	has := func(f engine.ZAddFlags) bool { return flags&f != 0 }
	switch {
	case elems == 0 || elems%2 != 0:
		return raftfsm.Command{}, errSyntax
	case has(engine.ZAddNX) && has(engine.ZAddXX):
		return raftfsm.Command{}, errZAddNXXX
	case has(engine.ZAddNX) && (has(engine.ZAddGT) || has(engine.ZAddLT)), has(engine.ZAddGT) && has(engine.ZAddLT):
		return raftfsm.Command{}, errZAddGTLTNX
	case has(engine.ZAddIncr) && elems > 2:
		return raftfsm.Command{}, errZAddIncrPair
	}
	fb := byte(flags)
	if ch {
		fb |= raftfsm.ZAddCH
	}
	cmdArgs := make([][]byte, 0, 2+elems)
	cmdArgs = append(cmdArgs, args[1], []byte{fb})
	for j := i; j < len(args); j += 2 {
		score, ok := engine.ParseScore(args[j])
		if !ok {
			return raftfsm.Command{}, errZNotFloat
		}
		cmdArgs = append(cmdArgs, raftfsm.ScoreArg(score), args[j+1])
	}
	return raftfsm.Command{Op: raftfsm.OpZAdd, DB: c.db, Args: cmdArgs}, ""
}

func prepareZRem(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpZRem, DB: c.db, Args: args[1:]}, ""
}

// ---- point reads ----

func cmdZCard(c *Conn, args [][]byte) {
	var n int64
	if err := c.zview(args[1], func(z *engine.ZSet) error { n = z.Len(); return nil }); err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func cmdZScore(c *Conn, args [][]byte) {
	var score float64
	var found bool
	err := c.zview(args[1], func(z *engine.ZSet) error {
		var err error
		score, found, err = z.Score(args[2])
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
	case !found:
		c.w.Null()
	default:
		c.w.Double(score)
	}
}

func cmdZMScore(c *Conn, args [][]byte) {
	scores := make([]float64, len(args)-2)
	found := make([]bool, len(args)-2)
	err := c.zview(args[1], func(z *engine.ZSet) error {
		for i, m := range args[2:] {
			var err error
			if scores[i], found[i], err = z.Score(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Array(len(scores))
	for i, s := range scores {
		if found[i] {
			c.w.Double(s)
		} else {
			c.w.Null()
		}
	}
}

func cmdZRank(reverse bool) runFunc {
	return func(c *Conn, args [][]byte) {
		var rank int64
		var found bool
		err := c.zview(args[1], func(z *engine.ZSet) error {
			var err error
			rank, found, err = z.Rank(args[2], reverse)
			return err
		})
		switch {
		case err != nil:
			c.w.Error(errorText(err))
		case !found:
			c.w.Null()
		default:
			c.w.Int(rank)
		}
	}
}

// ---- ranges ----

type zrangeType byte

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir byte

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

// zrangeSpec is a parsed ZRANGE (or ZRANGESTORE) request.
type zrangeSpec struct {
	key           []byte
	typ           zrangeType
	reverse       bool
	withScores    bool
	start, stop   int64
	score         engine.ScoreRange
	lex           engine.LexRange
	offset, limit int64
}

// parseZRange parses "src min max [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]" from
// args[at] as Redis's zrangeGenericCommand does; typ and dir are fixed by the older commands.
func parseZRange(args [][]byte, at int, store bool, typ zrangeType, dir zrangeDir) (zrangeSpec, string) {
	s := zrangeSpec{key: args[at], limit: -1}
	for j := at + 3; j < len(args); j++ {
		a, left := args[j], len(args)-j-1
		switch {
		case !store && equalFold(a, "withscores"):
			s.withScores = true
		case equalFold(a, "limit") && left >= 2:
			var ok1, ok2 bool
			s.offset, ok1 = engine.ParseInt(args[j+1])
			if !ok1 {
				return s, errNotInteger
			}
			if s.limit, ok2 = engine.ParseInt(args[j+2]); !ok2 {
				return s, errNotInteger
			}
			j += 2
		case dir == zdirAuto && equalFold(a, "rev"):
			dir = zdirReverse
		case typ == zrangeAuto && equalFold(a, "bylex"):
			typ = zrangeLex
		case typ == zrangeAuto && equalFold(a, "byscore"):
			typ = zrangeScore
		default:
			return s, errSyntax
		}
	}
	if typ == zrangeAuto {
		typ = zrangeRank
	}
	s.typ, s.reverse = typ, dir == zdirReverse
	if s.limit != -1 && typ == zrangeRank { // as Redis: "LIMIT 0 -1" passes
		return s, errZRangeLimit
	}
	if s.withScores && typ == zrangeLex {
		return s, errZRangeWithScores
	}
	minArg, maxArg := args[at+1], args[at+2]
	if s.reverse && typ != zrangeRank {
		minArg, maxArg = maxArg, minArg
	}
	switch typ {
	case zrangeRank:
		var ok1, ok2 bool
		if s.start, ok1 = engine.ParseInt(minArg); !ok1 {
			return s, errNotInteger
		}
		if s.stop, ok2 = engine.ParseInt(maxArg); !ok2 {
			return s, errNotInteger
		}
	case zrangeScore:
		var ok bool
		if s.score, ok = engine.ParseScoreRange(minArg, maxArg); !ok {
			return s, errZMinMaxNotFloat
		}
	case zrangeLex:
		var ok bool
		if s.lex, ok = engine.ParseLexRange(minArg, maxArg); !ok {
			return s, errZMinMaxNotLex
		}
	}
	return s, ""
}

// run calls fn for the members the spec selects.
func (s zrangeSpec) run(z *engine.ZSet, fn func(engine.ZMember) bool) error {
	switch s.typ {
	case zrangeScore:
		return z.RangeByScore(s.score, s.reverse, s.offset, s.limit, fn)
	case zrangeLex:
		return z.RangeByLex(s.lex, s.reverse, s.offset, s.limit, fn)
	}
	return z.RangeByRank(s.start, s.stop, s.reverse, fn)
}

func cmdZRange(typ zrangeType, dir zrangeDir) runFunc {
	return func(c *Conn, args [][]byte) {
		s, e := parseZRange(args, 1, false, typ, dir)
		if e != "" {
			c.w.Error(e)
			return
		}
		var ms []engine.ZMember
		err := c.zview(s.key, func(z *engine.ZSet) error {
			return s.run(z, func(m engine.ZMember) bool {
				ms = append(ms, copyMember(m))
				return true
			})
		})
		if err != nil {
			c.w.Error(errorText(err))
			return
		}
		c.writeZMembers(ms, s.withScores)
	}
}

// prepareZRangeStore parses ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
func prepareZRangeStore(c *Conn, args [][]byte) (raftfsm.Command, string) {
	s, e := parseZRange(args, 2, true, zrangeAuto, zdirAuto)
	if e != "" {
		return raftfsm.Command{}, e
	}
	var kind byte
	var a, b []byte
	switch s.typ {
	case zrangeRank:
		kind, a, b = raftfsm.ZRangeRank, raftfsm.Int64Arg(s.start), raftfsm.Int64Arg(s.stop)
	case zrangeScore:
		kind = raftfsm.ZRangeScore
		a, b = raftfsm.ScoreBoundArg(s.score.Min, s.score.MinEx), raftfsm.ScoreBoundArg(s.score.Max, s.score.MaxEx)
	case zrangeLex:
		kind, a, b = raftfsm.ZRangeLex, engine.EncodeLexBound(s.lex.Min), engine.EncodeLexBound(s.lex.Max)
	}
	if s.reverse {
		kind |= raftfsm.ZRangeRev
	}
	return raftfsm.Command{Op: raftfsm.OpZRangeStore, DB: c.db, Args: [][]byte{
		args[1], args[2], {kind}, a, b, raftfsm.Int64Arg(s.offset), raftfsm.Int64Arg(s.limit),
	}}, ""
}

func cmdZCount(c *Conn, args [][]byte) {
	r, ok := engine.ParseScoreRange(args[2], args[3])
	if !ok {
		c.w.Error(errZMinMaxNotFloat)
		return
	}
	var n int64
	if err := c.zview(args[1], func(z *engine.ZSet) (err error) { n, err = z.CountByScore(r); return }); err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func cmdZLexCount(c *Conn, args [][]byte) {
	r, ok := engine.ParseLexRange(args[2], args[3])
	if !ok {
		c.w.Error(errZMinMaxNotLex)
		return
	}
	var n int64
	if err := c.zview(args[1], func(z *engine.ZSet) (err error) { n, err = z.CountByLex(r); return }); err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func prepareZRemRangeByRank(c *Conn, args [][]byte) (raftfsm.Command, string) {
	start, ok1 := engine.ParseInt(args[2])
	stop, ok2 := engine.ParseInt(args[3])
	if !ok1 || !ok2 {
		return raftfsm.Command{}, errNotInteger
	}
	return raftfsm.Command{Op: raftfsm.OpZRemRangeByRank, DB: c.db, Args: [][]byte{
		args[1], raftfsm.Int64Arg(start), raftfsm.Int64Arg(stop),
	}}, ""
}

func prepareZRemRangeByScore(c *Conn, args [][]byte) (raftfsm.Command, string) {
	r, ok := engine.ParseScoreRange(args[2], args[3])
	if !ok {
		return raftfsm.Command{}, errZMinMaxNotFloat
	}
	return raftfsm.Command{Op: raftfsm.OpZRemRangeByScore, DB: c.db, Args: [][]byte{
		args[1], raftfsm.ScoreBoundArg(r.Min, r.MinEx), raftfsm.ScoreBoundArg(r.Max, r.MaxEx),
	}}, ""
}

func prepareZRemRangeByLex(c *Conn, args [][]byte) (raftfsm.Command, string) {
	r, ok := engine.ParseLexRange(args[2], args[3])
	if !ok {
		return raftfsm.Command{}, errZMinMaxNotLex
	}
	return raftfsm.Command{Op: raftfsm.OpZRemRangeByLex, DB: c.db, Args: [][]byte{
		args[1], engine.EncodeLexBound(r.Min), engine.EncodeLexBound(r.Max),
	}}, ""
}

// ---- pops ----

// prepareZPop parses ZPOPMIN/ZPOPMAX key [count]. The reply is flat, except in RESP3 with a count,
// where each member and score is an array of two.
func prepareZPop(max bool) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		if len(args) > 3 {
			return raftfsm.Command{}, errSyntax
		}
		count := int64(-1)
		var flags byte
		if max {
			flags |= raftfsm.ZPopMax
		}
		if len(args) == 3 {
			v, ok := engine.ParseInt(args[2])
			if !ok || v < 0 {
				return raftfsm.Command{}, errZNotPositive
			}
			count = v
			if c.w.Protocol() == 3 {
				flags |= raftfsm.ZPopNested
			}
		}
		return raftfsm.Command{Op: raftfsm.OpZPop, DB: c.db, Args: [][]byte{
			{flags}, raftfsm.Int64Arg(count), args[1],
		}}, ""
	}
}

// parseZMPop parses "numkeys key [key ...] MIN|MAX [COUNT count]" from args[at] (ZMPOP, BZMPOP).
func parseZMPop(args [][]byte, at int) (keys [][]byte, max bool, count int64, errReply string) {
	numkeys, ok := engine.ParseInt(args[at])
	if !ok || numkeys < 1 {
		return nil, false, 0, errZNumkeysPositive
	}
	if numkeys >= int64(len(args)-at-1) { // (compared before any sum, which could overflow)
		return nil, false, 0, errSyntax
	}
	where := at + 1 + int(numkeys)
	switch {
	case equalFold(args[where], "min"):
	case equalFold(args[where], "max"):
		max = true
	default:
		return nil, false, 0, errSyntax
	}
	count = -1
	for j := where + 1; j < len(args); j++ {
		if count == -1 && equalFold(args[j], "count") && j+1 < len(args) {
			j++
			v, ok := engine.ParseInt(args[j])
			if !ok || v < 1 {
				return nil, false, 0, errZCountPositive
			}
			count = v
			continue
		}
		return nil, false, 0, errSyntax
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : where], max, count, ""
}

func prepareZMPop(c *Conn, args [][]byte) (raftfsm.Command, string) {
	keys, max, count, e := parseZMPop(args, 1)
	if e != "" {
		return raftfsm.Command{}, e
	}
	flags := raftfsm.ZPopNested | raftfsm.ZPopEmitKey | raftfsm.ZPopNilWhenEmpty
	if max {
		flags |= raftfsm.ZPopMax
	}
	return raftfsm.Command{Op: raftfsm.OpZPop, DB: c.db, Args: append([][]byte{{flags}, raftfsm.Int64Arg(count)}, keys...)}, ""
}

// zblockPop builds one try of a blocked pop (blocking.go): count -1 is a plain single pop.
func zblockPop(db int, flags byte, count int64, keys [][]byte, modes []byte) raftfsm.Command {
	args := make([][]byte, 0, 3+len(keys))
	args = append(args, []byte{flags}, raftfsm.Int64Arg(count), modes)
	return raftfsm.Command{Op: raftfsm.OpZBlockPop, DB: db, Args: append(args, keys...)}
}

// blockBZPop parses BZPOPMIN/BZPOPMAX key [key ...] timeout; the reply is [key, member, score].
func blockBZPop(max bool) blockFunc {
	return func(c *Conn, args [][]byte) (blockSpec, string) {
		deadline, e := parseBlockTimeout(args[len(args)-1], c.now())
		if e != "" {
			return blockSpec{}, e
		}
		var flags byte
		if max {
			flags |= raftfsm.ZPopMax
		}
		db := c.db
		return blockSpec{
			keys:     distinctKeys(args[1 : len(args)-1]),
			deadline: deadline,
			attempt: func(keys [][]byte, modes []byte) raftfsm.Command {
				return zblockPop(db, flags, -1, keys, modes)
			},
		}, ""
	}
}

// blockBZMPop parses BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]; the timeout is
// checked after the rest, as in Redis. The reply is ZMPOP's.
func blockBZMPop(c *Conn, args [][]byte) (blockSpec, string) {
	keys, max, count, e := parseZMPop(args, 2)
	if e != "" {
		return blockSpec{}, e
	}
	deadline, e := parseBlockTimeout(args[1], c.now())
	if e != "" {
		return blockSpec{}, e
	}
	flags := raftfsm.ZPopNested
	if max {
		flags |= raftfsm.ZPopMax
	}
	db := c.db
	return blockSpec{
		keys:     distinctKeys(keys),
		deadline: deadline,
		attempt: func(keys [][]byte, modes []byte) raftfsm.Command {
			return zblockPop(db, flags, count, keys, modes)
		},
	}, ""
}

// ---- ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD ----

// zcombineSpec is a parsed ZUNION/ZINTER/ZDIFF/ZINTERCARD request.
type zcombineSpec struct {
	keys       [][]byte
	weights    []float64 // nil: all 1
	agg        engine.ZAggregate
	withScores bool
	limit      int64
}

// parseZCombine parses "numkeys key [key ...] options" from args[at] as Redis 7.0's
// zunionInterDiffGenericCommand does (an option may repeat; the last one counts). Redis checks the keys' types between the number of keys and
// the options, so an error in the options (optErr) is only the reply when every key has a type the
// command accepts; keyErr is replied at once.
func parseZCombine(args [][]byte, at int, name string, op engine.ZCombineOp, store, card bool) (s zcombineSpec, keyErr, optErr string) {
	n, ok := engine.ParseInt(args[at])
	switch {
	case !ok:
		return s, errNotInteger, ""
	case n < 1:
		return s, errZAtLeastOneKey(name), ""
	case n > int64(len(args)-at-1):
		return s, errSyntax, ""
	}
	s.keys = args[at+1 : at+1+int(n)]
	for j := at + 1 + int(n); j < len(args); {
		a, left := args[j], len(args)-j
		switch {
		case op != engine.ZDiff && !card && int64(left) >= n+1 && equalFold(a, "weights"):
			s.weights = make([]float64, n)
			for i := range s.weights {
				w, ok := engine.ParseScore(args[j+1+i])
				if !ok {
					return s, "", errZWeightNotFloat
				}
				s.weights[i] = w
			}
			j += 1 + int(n)
		case op != engine.ZDiff && !card && left >= 2 && equalFold(a, "aggregate"):
			switch v := args[j+1]; {
			case equalFold(v, "sum"):
				s.agg = engine.ZAggSum
			case equalFold(v, "min"):
				s.agg = engine.ZAggMin
			case equalFold(v, "max"):
				s.agg = engine.ZAggMax
			default:
				return s, "", errSyntax
			}
			j += 2
		case !store && !card && equalFold(a, "withscores"):
			s.withScores = true
			j++
		case card && left >= 2 && equalFold(a, "limit"):
			v, ok := engine.ParseInt(args[j+1])
			if !ok || v < 0 {
				return s, "", errZLimitNegative
			}
			s.limit = v
			j += 2
		default:
			return s, "", errSyntax
		}
	}
	return s, "", ""
}

// checkZSources reports WRONGTYPE when a key is neither a sorted set nor a set.
func (c *Conn) checkZSources(keys [][]byte) string {
	e := ""
	err := c.view(func(tx *engine.Tx) error {
		for _, k := range keys {
			t, err := tx.Type(c.db, k)
			if err != nil {
				return err
			}
			if t != engine.TypeNone && t != engine.TypeZSet && t != engine.TypeSet {
				e = errWrongType
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return errorText(err)
	}
	return e
}

func cmdZCombine(op engine.ZCombineOp, card bool) runFunc {
	return func(c *Conn, args [][]byte) {
		name := lower(args[0])
		s, keyErr, optErr := parseZCombine(args, 1, name, op, false, card)
		if keyErr != "" {
			c.w.Error(keyErr)
			return
		}
		if optErr != "" {
			if e := c.checkZSources(s.keys); e != "" {
				optErr = e
			}
			c.w.Error(optErr)
			return
		}
		var ms []engine.ZMember
		var n int64
		err := c.view(func(tx *engine.Tx) error {
			var err error
			if card {
				n, err = tx.ZInterCard(c.db, s.keys, s.limit)
			} else {
				ms, err = tx.ZCombine(c.db, op, s.keys, s.weights, s.agg)
			}
			return err
		})
		switch {
		case err != nil:
			c.w.Error(errorText(err))
		case card:
			c.w.Int(n)
		default:
			c.writeZMembers(ms, s.withScores)
		}
	}
}

func prepareZCombineStore(op engine.ZCombineOp) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		name := lower(args[0])
		s, keyErr, optErr := parseZCombine(args, 2, name, op, true, false)
		if keyErr != "" {
			return raftfsm.Command{}, keyErr
		}
		if optErr != "" {
			if e := c.checkZSources(s.keys); e != "" {
				optErr = e
			}
			return raftfsm.Command{}, optErr
		}
		var w []byte
		for _, f := range s.weights {
			w = append(w, raftfsm.ScoreArg(f)...)
		}
		cmdArgs := append([][]byte{args[1], {byte(op), byte(s.agg)}, w}, s.keys...)
		return raftfsm.Command{Op: raftfsm.OpZCombineStore, DB: c.db, Args: cmdArgs}, ""
	}
}

// ---- ZRANDMEMBER ----

// zrandExact is the size up to which ZRANDMEMBER chooses members uniformly, by rank (one walk of
// the set); larger sets are sampled from random points of the member space (see
// engine.ZSet.RandomMember), unless the sample is a large part of the set.
const zrandExact = 1 << 16

// cmdZRandMember answers ZRANDMEMBER key [count [WITHSCORES]] as Redis 7.0 does: a negative count
// may repeat members, a positive one does not; asking for the whole set returns it in descending
// score order, as Redis iterates it.
func cmdZRandMember(c *Conn, args [][]byte) {
	if len(args) == 2 {
		var m engine.ZMember
		var found bool
		err := c.zview(args[1], func(z *engine.ZSet) error {
			ms, err := zrandSample(z, 1, true)
			if len(ms) == 1 {
				m, found = ms[0], true
			}
			return err
		})
		switch {
		case err != nil:
			c.w.Error(errorText(err))
		case !found:
			c.w.Null()
		default:
			c.w.Bulk(m.Member)
		}
		return
	}
	l, ok := engine.ParseInt(args[2])
	switch {
	case !ok:
		c.w.Error(errNotInteger)
		return
	case l == math.MinInt64:
		c.w.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	case len(args) > 4 || len(args) == 4 && !equalFold(args[3], "withscores"):
		c.w.Error(errSyntax)
		return
	}
	withScores := len(args) == 4
	if withScores && (l < -math.MaxInt64/2 || l > math.MaxInt64/2) {
		c.w.Error(errZOutOfRange)
		return
	}
	var ms []engine.ZMember
	err := c.zview(args[1], func(z *engine.ZSet) error {
		var err error
		switch {
		case l == 0 || z.Len() == 0:
		case l < 0:
			ms, err = zrandSample(z, -l, true)
		case l >= z.Len():
			err = z.RangeByRank(0, -1, true, func(m engine.ZMember) bool {
				ms = append(ms, copyMember(m))
				return true
			})
		default:
			ms, err = zrandSample(z, l, false)
		}
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.writeZMembers(ms, withScores)
}

// zrandSample picks count random members of a non-empty set, in random order: with repetition, or
// distinct (count below the set's size).
func zrandSample(z *engine.ZSet, count int64, repeat bool) ([]engine.ZMember, error) {
	n := z.Len()
	if n == 0 {
		return nil, nil
	}
	randN := func(k uint64) uint64 { return rand.Uint64N(k) }
	if n > zrandExact && (repeat || count*3 <= n) {
		out := make([]engine.ZMember, 0, count)
		seen := map[string]bool{}
		for int64(len(out)) < count {
			m, err := z.RandomMember(randN)
			if err != nil {
				return nil, err
			}
			if !repeat {
				if seen[string(m.Member)] {
					continue
				}
				seen[string(m.Member)] = true
			}
			out = append(out, m)
		}
		return out, nil
	}
	var ranks []int64
	if repeat {
		ranks = make([]int64, count)
		for i := range ranks {
			ranks[i] = rand.Int64N(n)
		}
	} else {
		// Floyd's algorithm: count distinct ranks.
		chosen := make(map[int64]bool, count)
		for j := n - count; j < n; j++ {
			r := rand.Int64N(j + 1)
			if chosen[r] {
				r = j
			}
			chosen[r] = true
			ranks = append(ranks, r)
		}
	}
	slices.Sort(ranks)
	out, err := z.Members(ranks)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, err
}

// ---- ZSCAN ----

// zscanTag marks a SCAN cursor position as a ZSCAN one (a member follows).
const zscanTag = 'z'

// cmdZScan answers ZSCAN key cursor [MATCH pattern] [COUNT count]. A sorted set Redis keeps in its
// compact encoding (up to 128 members of up to 64 bytes) is returned whole, in score order, with
// cursor 0, as Redis does; a larger one is walked in member order, COUNT members per call, the
// position kept in the server's cursor table (scancursor.go).
func cmdZScan(c *Conn, args [][]byte) {
	cursor, ok := parseCursor(args[2])
	if !ok {
		c.w.Error(errInvalidCursor)
		return
	}
	var out [][]byte
	next := uint64(0)
	err := c.zview(args[1], func(z *engine.ZSet) error {
		if !z.Exists() {
			return errZScanEmpty
		}
		count := int64(10)
		var pattern []byte
		usePattern := false
		for i := 3; i < len(args); {
			more := len(args) - i
			switch {
			case equalFold(args[i], "count") && more >= 2:
				v, ok := engine.ParseInt(args[i+1])
				if !ok {
					return errZScanReply(errNotInteger)
				}
				if v < 1 {
					return errZScanReply(errSyntax)
				}
				count = v
				i += 2
			case equalFold(args[i], "match") && more >= 2:
				pattern = args[i+1]
				usePattern = !(len(pattern) == 1 && pattern[0] == '*')
				i += 2
			default:
				return errZScanReply(errSyntax)
			}
		}
		emit := func(m engine.ZMember) bool {
			if !usePattern || globMatch(pattern, m.Member, false) {
				out = append(out, append([]byte(nil), m.Member...), engine.FormatScore(nil, m.Score))
			}
			return true
		}
		small, err := z.Small()
		if err != nil {
			return err
		}
		if small {
			return z.RangeByRank(0, -1, false, emit)
		}
		var after []byte
		if cursor != 0 {
			if pos, ok := c.srv.cursors.get(cursor); ok && len(pos) > 0 && pos[0] == zscanTag {
				after = pos[1:]
			}
		}
		last, more, err := z.ScanMembers(after, int(min(count, math.MaxInt32)), func(m engine.ZMember) { emit(m) })
		if err == nil && more {
			next = c.srv.cursors.put(append([]byte{zscanTag}, last...))
		}
		return err
	})
	var reply zscanReply
	switch {
	case errors.Is(err, errZScanEmpty):
	case errors.As(err, &reply):
		c.w.Error(string(reply))
		return
	case err != nil:
		c.w.Error(errorText(err))
		return
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(out))
	for _, b := range out {
		c.w.Bulk(b)
	}
}

// errZScanEmpty ends ZSCAN of a missing key: Redis answers before looking at the options.
var errZScanEmpty = errors.New("resp: zscan of a missing key")

// zscanReply carries an error reply out of ZSCAN's read transaction.
type zscanReply string

func (e zscanReply) Error() string { return string(e) }

func errZScanReply(s string) error { return zscanReply(s) }
