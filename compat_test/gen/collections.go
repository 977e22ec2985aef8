package gen

// txCmds are MULTI/EXEC and WATCH. Next ends a transaction after a few commands (see G.next).
func txCmds() []Cmd {
	const f = "transactions"
	return []Cmd{
		{Name: "MULTI", Family: f, Weight: 3, Args: func(g *G) []string { return g.Opt(0.03, "x") }},
		{Name: "EXEC", Family: f, Weight: 1, Args: func(g *G) []string { return g.Opt(0.03, "x") }},
		{Name: "DISCARD", Family: f, Weight: 1, Args: func(g *G) []string { return g.Opt(0.03, "x") }},
		{Name: "WATCH", Family: f, Weight: 3, Args: func(g *G) []string {
			out := make([]string, g.Between(1, 3))
			for i := range out {
				out[i] = g.Key()
			}
			return out
		}},
		{Name: "UNWATCH", Family: f, Weight: 1, Args: func(g *G) []string { return g.Opt(0.03, "x") }},
	}
}

// hashCmds are the hashes family. HKEYS, HVALS and HGETALL are compared in any order: Redis's
// own order depends on the encoding of the hash.
func hashCmds() []Cmd {
	const f = "hashes"
	key := func(g *G) string { return g.KeyOf(Hash) }
	k := func(g *G) []string { return Args(key(g)) }
	kf := func(g *G) []string { return Args(key(g), g.Field()) }
	fields := func(g *G) []string {
		out := Args(key(g))
		for range g.Between(1, 3) {
			out = append(out, g.Field())
		}
		return out
	}
	pairs := func(g *G) []string {
		out := Args(key(g))
		for range g.Between(1, 3) {
			out = append(out, g.Field(), g.Value())
		}
		if g.OneIn(20) {
			out = out[:len(out)-1]
		}
		return out
	}
	return []Cmd{
		{Name: "HSET", Family: f, Weight: 20, Args: pairs},
		{Name: "HSETNX", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), g.Field(), g.Value()) }},
		{Name: "HGET", Family: f, Weight: 10, Args: kf},
		{Name: "HMGET", Family: f, Weight: 5, Args: fields},
		{Name: "HMSET", Family: f, Weight: 4, Args: pairs},
		{Name: "HDEL", Family: f, Weight: 6, Args: fields},
		{Name: "HEXISTS", Family: f, Weight: 4, Args: kf},
		{Name: "HLEN", Family: f, Weight: 5, Args: k},
		{Name: "HSTRLEN", Family: f, Weight: 3, Args: kf},
		{Name: "HKEYS", Family: f, Weight: 3, Reply: Multiset, Args: k},
		{Name: "HVALS", Family: f, Weight: 3, Reply: Multiset, Args: k},
		{Name: "HGETALL", Family: f, Weight: 5, Reply: PairMultiset, Args: k},
		{Name: "HINCRBY", Family: f, Weight: 6, Args: func(g *G) []string { return Args(key(g), g.Field(), g.Incr()) }},
		{Name: "HINCRBYFLOAT", Family: f, Weight: 5, Args: func(g *G) []string { return Args(key(g), g.Field(), g.FloatIncr()) }},
		{Name: "HSCAN", Family: f, Weight: 2, Reply: ScanPairs, NoMutate: true, Args: func(g *G) []string {
			return append(Args(key(g)), elemScanArgs(g)...)
		}},
		{Name: "HRANDFIELD", Family: f, Weight: 1, Reply: RandomPick, NoMutate: true, Args: k},
		{Name: "HRANDFIELD", Family: f, Weight: 1, Reply: Multiset, NoMutate: true, Args: func(g *G) []string {
			return Args(key(g), wholeCount(g))
		}},
		{Name: "HRANDFIELD", Family: f, Weight: 1, Reply: PairMultiset, NoMutate: true, Args: func(g *G) []string {
			return Args(key(g), wholeCount(g), "WITHVALUES")
		}},
	}
}

// elemScanArgs returns the arguments of HSCAN, SSCAN and ZSCAN after the key: cursor 0 and a
// COUNT above the size of any collection, so that one call returns everything.
func elemScanArgs(g *G) []string {
	if g.OneIn(15) {
		return g.Pick2(Args("x"), Args("0", "COUNT", "0"), Args("0", "FOO"), Args("0", "MATCH"))
	}
	groups := [][]string{Args("COUNT", "1000")}
	if g.OneIn(2) {
		groups = append(groups, Args("MATCH", g.Pick("*", "f*", "?", "[a-c]*", "1*", "*[", "")))
	}
	return append(Args("0"), g.Shuffle(groups...)...)
}

// wholeCount returns a count for SRANDMEMBER, HRANDFIELD and ZRANDMEMBER that asks for every
// element (a positive count above the size of the collection: the answer does not depend on
// chance), or none, or an invalid one. Negative counts pick at random: never generated.
func wholeCount(g *G) string {
	if g.OneIn(8) {
		return g.Pick("0", "x", "", "1.5", "-9223372036854775808")
	}
	return g.Pick("1000", "100", "9223372036854775807")
}

// listCmds are the lists family, without the blocking commands.
func listCmds() []Cmd {
	const f = "lists"
	key := func(g *G) string { return g.KeyOf(List) }
	k := func(g *G) []string { return Args(key(g)) }
	push := func(g *G) []string {
		out := Args(key(g))
		for range g.Between(1, 3) {
			out = append(out, g.Elem())
		}
		return out
	}
	pop := func(g *G) []string {
		if g.OneIn(3) {
			return Args(key(g), g.Count())
		}
		return k(g)
	}
	side := func(g *G) string {
		if g.OneIn(30) {
			return g.Pick("UP", "")
		}
		return g.Pick("LEFT", "RIGHT", "left")
	}
	return []Cmd{
		{Name: "LPUSH", Family: f, Weight: 12, Args: push},
		{Name: "RPUSH", Family: f, Weight: 12, Args: push},
		{Name: "LPUSHX", Family: f, Weight: 3, Args: push},
		{Name: "RPUSHX", Family: f, Weight: 3, Args: push},
		{Name: "LPOP", Family: f, Weight: 6, Args: pop},
		{Name: "RPOP", Family: f, Weight: 6, Args: pop},
		{Name: "LLEN", Family: f, Weight: 5, Args: k},
		{Name: "LRANGE", Family: f, Weight: 8, Args: func(g *G) []string { return Args(key(g), g.Index(), g.Index()) }},
		{Name: "LINDEX", Family: f, Weight: 5, Args: func(g *G) []string { return Args(key(g), g.Index()) }},
		{Name: "LSET", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), g.Index(), g.Elem()) }},
		{Name: "LINSERT", Family: f, Weight: 4, Args: func(g *G) []string {
			where := g.Pick("BEFORE", "AFTER", "after")
			if g.OneIn(20) {
				where = "MIDDLE"
			}
			return Args(key(g), where, g.Elem(), g.Elem())
		}},
		{Name: "LREM", Family: f, Weight: 4, Args: func(g *G) []string {
			return Args(key(g), g.Pick("0", "1", "-1", "2", "-2", "100", "x"), g.Elem())
		}},
		{Name: "LTRIM", Family: f, Weight: 3, Args: func(g *G) []string { return Args(key(g), g.Index(), g.Index()) }},
		{Name: "LPOS", Family: f, Weight: 5, Args: func(g *G) []string {
			a := Args(key(g), g.Elem())
			var groups [][]string
			if g.OneIn(3) {
				groups = append(groups, Args("RANK", g.Pick("1", "2", "-1", "-2", "0", "x", "-9223372036854775808")))
			}
			if g.OneIn(3) {
				groups = append(groups, Args("COUNT", g.Pick("0", "1", "2", "-1", "x")))
			}
			if g.OneIn(4) {
				groups = append(groups, Args("MAXLEN", g.Pick("0", "1", "3", "-1")))
			}
			if g.OneIn(25) {
				groups = append(groups, Args(g.Pick("FOO", "RANK")))
			}
			return append(a, g.Shuffle(groups...)...)
		}},
		{Name: "LMOVE", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), key(g), side(g), side(g)) }},
		{Name: "RPOPLPUSH", Family: f, Weight: 3, Args: func(g *G) []string { return Args(key(g), key(g)) }},
		{Name: "LMPOP", Family: f, Weight: 4, Args: func(g *G) []string {
			keys := g.KeysOf(List, 1, 3)
			n := Itoa(len(keys))
			if g.OneIn(15) {
				n = g.Pick("0", "-1", "x", "5")
			}
			a := append(Args(n), keys...)
			a = append(a, side(g))
			if g.OneIn(3) {
				a = append(a, "COUNT", g.Count())
			}
			return a
		}},
	}
}

// setCmds are the sets family, without SPOP (it removes members at random). SRANDMEMBER is only
// asked for all members or for one, whichever it is. Replies that list members are compared in any
// order.
func setCmds() []Cmd {
	const f = "sets"
	key := func(g *G) string { return g.KeyOf(Set) }
	k := func(g *G) []string { return Args(key(g)) }
	km := func(g *G) []string { return append(Args(key(g)), g.Members(1, 4)...) }
	keys := func(g *G) []string { return g.KeysOf(Set, 1, 3) }
	store := func(g *G) []string { return append(Args(key(g)), keys(g)...) }
	return []Cmd{
		{Name: "SADD", Family: f, Weight: 20, Args: km},
		{Name: "SREM", Family: f, Weight: 6, Args: km},
		{Name: "SMEMBERS", Family: f, Weight: 6, Reply: Multiset, Args: k},
		{Name: "SISMEMBER", Family: f, Weight: 5, Args: func(g *G) []string { return Args(key(g), g.Member()) }},
		{Name: "SMISMEMBER", Family: f, Weight: 4, Args: km},
		{Name: "SCARD", Family: f, Weight: 5, Args: k},
		{Name: "SMOVE", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), key(g), g.Member()) }},
		{Name: "SINTER", Family: f, Weight: 4, Reply: Multiset, Args: keys},
		{Name: "SUNION", Family: f, Weight: 4, Reply: Multiset, Args: keys},
		{Name: "SDIFF", Family: f, Weight: 4, Reply: Multiset, Args: keys},
		{Name: "SINTERSTORE", Family: f, Weight: 3, Args: store},
		{Name: "SUNIONSTORE", Family: f, Weight: 3, Args: store},
		{Name: "SDIFFSTORE", Family: f, Weight: 3, Args: store},
		{Name: "SSCAN", Family: f, Weight: 2, Reply: ScanReply, NoMutate: true, Args: func(g *G) []string {
			return append(Args(key(g)), elemScanArgs(g)...)
		}},
		{Name: "SRANDMEMBER", Family: f, Weight: 1, Reply: RandomPick, NoMutate: true, Args: k},
		{Name: "SRANDMEMBER", Family: f, Weight: 2, Reply: Multiset, NoMutate: true, Args: func(g *G) []string {
			return Args(key(g), wholeCount(g))
		}},
		{Name: "SINTERCARD", Family: f, Weight: 4, Args: func(g *G) []string {
			ks := keys(g)
			n := Itoa(len(ks))
			if g.OneIn(15) {
				n = g.Pick("0", "-1", "x", "5")
			}
			a := append(Args(n), ks...)
			if g.OneIn(3) {
				a = append(a, "LIMIT", g.Pick("0", "1", "2", "-1", "x"))
			}
			return a
		}},
	}
}
