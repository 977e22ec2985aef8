package gen

// zsetCmds are the sorted sets family, without the blocking commands. ZRANDMEMBER is only asked
// for all members or for one, whichever it is. Every other reply is ordered (by score, then
// member), and compared exactly, but for ZSCAN's.
//
// Lexicographic ranges are only defined when all members have the same score: on a set with
// several scores Redis's answer depends on the random levels of its skip list. So the commands
// with a lexicographic range only use lex keys (LexKey), whose members are only ever added
// with score 0, and which no other command writes.
func zsetCmds() []Cmd {
	const f = "zsets"
	key := func(g *G) string { return g.KeyOf(ZSet) }
	k := func(g *G) []string { return Args(key(g)) }
	km := func(g *G) []string { return append(Args(key(g)), g.Members(1, 3)...) }
	scoreRange := func(g *G) []string { return Args(key(g), g.ScoreBound(), g.ScoreBound()) }
	lexRange := func(g *G) []string { return Args(g.LexKey(), g.LexBound(), g.LexBound()) }
	rankRange := func(g *G) []string { return Args(key(g), g.Index(), g.Index()) }
	pop := func(g *G) []string {
		if g.OneIn(3) {
			return Args(key(g), g.Count())
		}
		return k(g)
	}
	return []Cmd{
		{Name: "ZADD", Family: f, Weight: 20, Args: zaddArgs},
		{Name: "ZINCRBY", Family: f, Weight: 5, Args: func(g *G) []string { return Args(key(g), g.Score(), g.Member()) }},
		{Name: "ZREM", Family: f, Weight: 5, Args: func(g *G) []string {
			if g.OneIn(4) {
				return append(Args(g.LexKey()), g.Members(1, 3)...)
			}
			return km(g)
		}},
		{Name: "ZCARD", Family: f, Weight: 4, Args: k},
		{Name: "ZSCORE", Family: f, Weight: 5, Args: func(g *G) []string { return Args(key(g), g.Member()) }},
		{Name: "ZMSCORE", Family: f, Weight: 4, Args: km},
		{Name: "ZRANK", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), g.Member()) }},
		{Name: "ZREVRANK", Family: f, Weight: 3, Args: func(g *G) []string { return Args(key(g), g.Member()) }},
		{Name: "ZRANGE", Family: f, Weight: 10, Args: func(g *G) []string { return zrangeArgs(g, false) }},
		{Name: "ZREVRANGE", Family: f, Weight: 3, Args: func(g *G) []string {
			return append(rankRange(g), g.Opt(0.4, "WITHSCORES")...)
		}},
		{Name: "ZRANGEBYSCORE", Family: f, Weight: 4, Args: func(g *G) []string {
			return append(scoreRange(g), byOpts(g, true)...)
		}},
		{Name: "ZREVRANGEBYSCORE", Family: f, Weight: 3, Args: func(g *G) []string {
			return append(scoreRange(g), byOpts(g, true)...)
		}},
		{Name: "ZRANGEBYLEX", Family: f, Weight: 3, Args: func(g *G) []string { return append(lexRange(g), byOpts(g, false)...) }},
		{Name: "ZREVRANGEBYLEX", Family: f, Weight: 2, Args: func(g *G) []string { return append(lexRange(g), byOpts(g, false)...) }},
		{Name: "ZRANGESTORE", Family: f, Weight: 4, Args: func(g *G) []string { return zrangeArgs(g, true) }},
		{Name: "ZCOUNT", Family: f, Weight: 4, Args: scoreRange},
		{Name: "ZLEXCOUNT", Family: f, Weight: 3, Args: lexRange},
		{Name: "ZPOPMIN", Family: f, Weight: 4, Args: pop},
		{Name: "ZPOPMAX", Family: f, Weight: 4, Args: pop},
		{Name: "ZREMRANGEBYRANK", Family: f, Weight: 2, Args: rankRange},
		{Name: "ZREMRANGEBYSCORE", Family: f, Weight: 2, Args: scoreRange},
		{Name: "ZREMRANGEBYLEX", Family: f, Weight: 2, Args: lexRange},
		{Name: "ZUNION", Family: f, Weight: 3, Args: func(g *G) []string { return zsetOp(g, false, true, true) }},
		{Name: "ZINTER", Family: f, Weight: 3, Args: func(g *G) []string { return zsetOp(g, false, true, true) }},
		{Name: "ZDIFF", Family: f, Weight: 3, Args: func(g *G) []string { return zsetOp(g, false, false, true) }},
		{Name: "ZUNIONSTORE", Family: f, Weight: 3, Args: func(g *G) []string { return zsetOp(g, true, true, false) }},
		{Name: "ZINTERSTORE", Family: f, Weight: 3, Args: func(g *G) []string { return zsetOp(g, true, true, false) }},
		{Name: "ZDIFFSTORE", Family: f, Weight: 2, Args: func(g *G) []string { return zsetOp(g, true, false, false) }},
		{Name: "ZMPOP", Family: f, Weight: 3, Args: func(g *G) []string {
			ks := g.KeysOf(ZSet, 1, 3)
			a := append(Args(numkeys(g, len(ks))), ks...)
			a = append(a, g.Pick("MIN", "MAX", "min", "MAX"))
			if g.OneIn(15) {
				a[len(a)-1] = g.Pick("LEFT", "")
			}
			if g.OneIn(3) {
				a = append(a, "COUNT", g.Count())
			}
			return a
		}},
		{Name: "ZSCAN", Family: f, Weight: 2, Reply: ScanPairs, NoMutate: true, Args: func(g *G) []string {
			return append(Args(key(g)), elemScanArgs(g)...)
		}},
		{Name: "ZRANDMEMBER", Family: f, Weight: 1, Reply: RandomPick, NoMutate: true, Args: k},
		{Name: "ZRANDMEMBER", Family: f, Weight: 1, Reply: Multiset, NoMutate: true, Args: func(g *G) []string {
			return Args(key(g), wholeCount(g))
		}},
		{Name: "ZRANDMEMBER", Family: f, Weight: 1, Reply: PairMultiset, NoMutate: true, Args: func(g *G) []string {
			return Args(key(g), wholeCount(g), "WITHSCORES")
		}},
		{Name: "ZINTERCARD", Family: f, Weight: 3, Args: func(g *G) []string {
			ks := g.KeysOf(ZSet, 1, 3)
			a := append(Args(numkeys(g, len(ks))), ks...)
			if g.OneIn(3) {
				a = append(a, "LIMIT", g.Pick("0", "1", "2", "-1", "x"))
			}
			return a
		}},
	}
}

// Score returns a score or increment: integers, floats, infinities, sometimes not a number.
func (g *G) Score() string {
	switch n := g.IntN(20); {
	case n < 10:
		return Itoa(g.Between(-5, 10))
	case n < 16:
		return g.Pick("1.5", "-2.25", "0.1", "3e2", "-0", "0.30000000000000004", "1e-10")
	case n < 18:
		return g.Pick("inf", "-inf", "+inf", "1.7976931348623157e308")
	default:
		return g.Pick("nan", "x", "", "1e400", "0x10")
	}
}

// ScoreBound returns a score range bound: inclusive, exclusive with "(", infinite, invalid.
func (g *G) ScoreBound() string {
	switch n := g.IntN(20); {
	case n < 10:
		return Itoa(g.Between(-5, 10))
	case n < 14:
		return "(" + Itoa(g.Between(-5, 10))
	case n < 18:
		return g.Pick("-inf", "+inf", "inf", "(1.5", "2.5", "(-inf")
	default:
		return g.Pick("x", "", "(", "nan", "[1")
	}
}

// LexKey returns a key of a sorted set whose members all have score 0.
func (g *G) LexKey() string { return "zl" + Itoa(g.IntN(3)) }

// LexBound returns a lexicographic range bound.
func (g *G) LexBound() string {
	switch n := g.IntN(20); {
	case n < 16:
		return g.Pick("-", "+", "[a", "(a", "[c", "(d", "[1", "(5", "[", "[g", "(")
	default:
		return g.Pick("a", "", "x", "-inf", "+a")
	}
}

func numkeys(g *G, n int) string {
	if g.OneIn(15) {
		return g.Pick("0", "-1", "x", "5")
	}
	return Itoa(n)
}

// zaddArgs builds ZADD with options, sometimes incompatible ones. A fourth of them add to a lex
// key, with score 0.
func zaddArgs(g *G) []string {
	lex := g.OneIn(4)
	a := Args(g.KeyOf(ZSet))
	if lex {
		a = Args(g.LexKey())
	}
	switch g.IntN(8) {
	case 0:
		a = append(a, g.Pick("NX", "XX", "nx"))
	case 1:
		a = append(a, g.Pick("GT", "LT"))
	case 2:
		a = append(a, "XX", g.Pick("GT", "LT"))
	case 3:
		a = append(a, g.Pick2(Args("NX", "XX"), Args("GT", "LT"))...)
	}
	if g.OneIn(4) {
		a = append(a, "CH")
	}
	n := g.Between(1, 3)
	if g.OneIn(5) {
		a = append(a, "INCR")
		if !g.OneIn(5) {
			n = 1
		}
	}
	for range n {
		score := g.Score()
		if lex {
			score = g.Pick("0", "-0", "0.0")
		}
		a = append(a, score, g.Member())
	}
	if g.OneIn(25) {
		a = a[:len(a)-1]
	}
	return a
}

// zrangeArgs builds "[dst] src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
// [WITHSCORES]" for ZRANGE and ZRANGESTORE (store).
func zrangeArgs(g *G, store bool) []string {
	var a []string
	by := g.IntN(3)
	src := g.KeyOf(ZSet)
	if by == 2 {
		src = g.LexKey()
	}
	if store {
		dst := g.KeyOf(ZSet)
		if by == 2 && g.OneIn(2) {
			dst = g.LexKey()
		}
		a = Args(dst)
	}
	a = append(a, src)
	switch by {
	case 0:
		a = append(a, g.Index(), g.Index())
	case 1:
		a = append(a, g.ScoreBound(), g.ScoreBound(), g.Pick("BYSCORE", "byscore"))
	default:
		a = append(a, g.LexBound(), g.LexBound(), "BYLEX")
	}
	if g.OneIn(3) {
		a = append(a, "REV")
	}
	if g.OneIn(4) || (by == 0 && g.OneIn(20)) {
		a = append(a, "LIMIT", g.Pick("0", "1", "-1", "x"), g.Pick("1", "2", "-1", "0", "100"))
	}
	if !store && (by < 2 && g.OneIn(3) || g.OneIn(20)) {
		a = append(a, "WITHSCORES")
	}
	if g.OneIn(30) {
		a = append(a, g.Pick("FOO", "LIMIT"))
	}
	return a
}

// byOpts returns the WITHSCORES and LIMIT options of ZRANGEBYSCORE and ZRANGEBYLEX.
func byOpts(g *G, scores bool) []string {
	var groups [][]string
	if scores && g.OneIn(3) {
		groups = append(groups, Args("WITHSCORES"))
	}
	if g.OneIn(4) {
		groups = append(groups, Args("LIMIT", g.Pick("0", "1", "-1", "x"), g.Pick("1", "2", "-1", "0")))
	}
	if g.OneIn(30) {
		groups = append(groups, Args(g.Pick("FOO", "LIMIT")))
	}
	return g.Shuffle(groups...)
}

// zsetOp builds ZUNION, ZINTER, ZDIFF and their STORE forms: [dest] numkeys key... [WEIGHTS
// w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]. Sets are fine as inputs (their scores are 1).
func zsetOp(g *G, store, weights, withScores bool) []string {
	var a []string
	if store {
		a = Args(g.KeyOf(ZSet))
	}
	n := g.Between(1, 3)
	ks := make([]string, n)
	for i := range ks {
		if g.OneIn(5) {
			ks[i] = g.KeyOf(Set)
		} else {
			ks[i] = g.KeyOf(ZSet)
		}
	}
	a = append(a, numkeys(g, n))
	a = append(a, ks...)
	if weights && g.OneIn(3) {
		a = append(a, "WEIGHTS")
		m := n
		if g.OneIn(10) {
			m = n + 1
		}
		for range m {
			a = append(a, g.Pick("1", "2", "-1", "0.5", "0", "inf", "x"))
		}
	}
	if weights && g.OneIn(3) {
		a = append(a, "AGGREGATE", g.Pick("SUM", "MIN", "MAX", "max", "FOO"))
	}
	if withScores && g.OneIn(2) {
		a = append(a, "WITHSCORES")
	}
	return a
}
