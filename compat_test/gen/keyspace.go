package gen

// keyspaceCmds are the generic key commands and expiry. SCAN always starts at cursor 0 with a
// COUNT above the size of the key space, so that one call returns every key on both servers.
func keyspaceCmds() []Cmd {
	const f = "keyspace"
	k := func(g *G) []string { return Args(g.Key()) }
	keys := func(g *G) []string {
		out := make([]string, g.Between(1, 4))
		for i := range out {
			out[i] = g.Key()
		}
		return out
	}
	two := func(g *G) []string {
		a, b := g.KeyPair()
		return Args(a, b)
	}
	return []Cmd{
		{Name: "DEL", Family: f, Weight: 10, Args: keys},
		{Name: "UNLINK", Family: f, Weight: 4, Args: keys},
		{Name: "EXISTS", Family: f, Weight: 8, Args: keys},
		{Name: "TOUCH", Family: f, Weight: 3, Args: keys},
		{Name: "TYPE", Family: f, Weight: 6, Args: k},
		{Name: "KEYS", Family: f, Weight: 3, Reply: Multiset, Args: func(g *G) []string { return Args(g.Pattern()) }},
		{Name: "SCAN", Family: f, Weight: 3, Reply: ScanReply, NoMutate: true, Args: scanArgs},
		{Name: "RANDOMKEY", Family: f, Weight: 2, Reply: RandomPick, Args: func(g *G) []string { return g.Opt(0.05, "x") }},
		{Name: "RENAME", Family: f, Weight: 5, Args: two},
		{Name: "RENAMENX", Family: f, Weight: 3, Args: two},
		{Name: "COPY", Family: f, Weight: 4, Args: func(g *G) []string {
			a := two(g)
			var groups [][]string
			if g.OneIn(3) {
				groups = append(groups, Args("DB", g.DB()))
			}
			if g.OneIn(3) {
				groups = append(groups, Args(g.Pick("REPLACE", "replace")))
			}
			if g.OneIn(20) {
				groups = append(groups, Args(g.Pick("FOO", "DB")))
			}
			return append(a, g.Shuffle(groups...)...)
		}},
		{Name: "MOVE", Family: f, Weight: 4, Args: func(g *G) []string { return Args(g.Key(), g.DB()) }},
		{Name: "SWAPDB", Family: f, Rare: 0.001, Args: func(g *G) []string { return Args(g.DB(), g.DB()) }},
		{Name: "EXPIRE", Family: f, Weight: 6, Args: func(g *G) []string {
			return append(Args(g.Key(), g.ExpireSeconds()), expireCond(g)...)
		}},
		{Name: "PEXPIRE", Family: f, Weight: 4, Args: func(g *G) []string {
			return append(Args(g.Key(), g.ExpireMillis()), expireCond(g)...)
		}},
		{Name: "EXPIREAT", Family: f, Weight: 4, Args: func(g *G) []string {
			return append(Args(g.Key(), g.UnixSeconds(true)), expireCond(g)...)
		}},
		{Name: "PEXPIREAT", Family: f, Weight: 4, Args: func(g *G) []string {
			return append(Args(g.Key(), g.UnixMillis(true)), expireCond(g)...)
		}},
		{Name: "TTL", Family: f, Weight: 6, Reply: NearSeconds, Args: k},
		{Name: "PTTL", Family: f, Weight: 4, Reply: NearMillis, Args: k},
		{Name: "EXPIRETIME", Family: f, Weight: 3, Reply: NearSeconds, Args: k},
		{Name: "PEXPIRETIME", Family: f, Weight: 3, Reply: NearMillis, Args: k},
		{Name: "PERSIST", Family: f, Weight: 5, Args: k},
		{Name: "OBJECT ENCODING", Family: f, Weight: 4, Args: k},
		{Name: "OBJECT IDLETIME", Family: f, Weight: 1, Reply: AnyInt, Args: k},
		{Name: "OBJECT", Family: f, Weight: 1, Args: func(g *G) []string {
			// FREQ is an error unless the eviction policy is LFU. REFCOUNT is left out: it exposes
			// Redis's sharing of small integers.
			a := Args(g.Pick("FREQ", "FOO", "ENCODING"), g.Key())
			return append(a, g.Opt(0.5, "x")...)
		}},
	}
}

func scanArgs(g *G) []string {
	if g.OneIn(15) {
		return g.Pick2(Args("x"), Args("0", "COUNT", "0"), Args("0", "COUNT"), Args("0", "FOO", "1"),
			Args("0", "MATCH"), Args("0", "COUNT", "x"), Args("18446744073709551616"), Args("abc"))
	}
	groups := [][]string{Args("COUNT", g.Pick("1000", "5000"))}
	if g.OneIn(2) {
		groups = append(groups, Args(g.Pick("MATCH", "match"), g.Pattern()))
	}
	if g.OneIn(3) {
		groups = append(groups, Args("TYPE", g.Pick("string", "hash", "list", "set", "zset", "STRING", "nosuch")))
	}
	return append(Args("0"), g.Shuffle(groups...)...)
}

// expireCond returns the NX/XX/GT/LT options of EXPIRE, sometimes an invalid combination.
func expireCond(g *G) []string {
	switch g.IntN(10) {
	case 0:
		return Args(g.Pick("NX", "XX", "GT", "LT", "nx", "gt"))
	case 1:
		return Args(g.Pick("XX", "NX"), g.Pick("GT", "LT"))
	case 2:
		return g.Pick2(Args("NX", "XX"), Args("GT", "LT"), Args("NX", "GT"), Args("FOO"), Args("NX", "NX"))
	default:
		return nil
	}
}
