package gen

// stringCmds are the strings family, bit operations included.
func stringCmds() []Cmd {
	const f = "strings"
	key := func(g *G) string { return g.KeyOf(Str) }
	k := func(g *G) []string { return Args(key(g)) }
	kv := func(g *G) []string { return Args(key(g), g.Value()) }
	pairs := func(g *G) []string {
		var out []string
		for range g.Between(1, 3) {
			out = append(out, key(g), g.Value())
		}
		if g.OneIn(20) {
			out = out[:len(out)-1]
		}
		return out
	}
	rng := func(g *G) []string { return Args(key(g), g.Index(), g.Index()) }
	counter := func(g *G) string { return g.KeyOf(Counter) }
	return []Cmd{
		{Name: "SET", Family: f, Weight: 30, Args: setArgs},
		{Name: "GET", Family: f, Weight: 25, Args: k},
		{Name: "MGET", Family: f, Args: func(g *G) []string { return g.KeysOf(Str, 1, 4) }},
		{Name: "MSET", Family: f, Args: pairs},
		{Name: "MSETNX", Family: f, Weight: 4, Args: pairs},
		{Name: "SETNX", Family: f, Weight: 4, Args: kv},
		{Name: "SETEX", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), g.ExpireSeconds(), g.Value()) }},
		{Name: "PSETEX", Family: f, Weight: 4, Args: func(g *G) []string { return Args(key(g), g.ExpireMillis(), g.Value()) }},
		{Name: "GETSET", Family: f, Weight: 4, Args: kv},
		{Name: "GETDEL", Family: f, Weight: 4, Args: k},
		{Name: "GETEX", Family: f, Weight: 6, Args: getexArgs},
		{Name: "APPEND", Family: f, Weight: 6, Args: kv},
		{Name: "STRLEN", Family: f, Weight: 5, Args: k},
		{Name: "GETRANGE", Family: f, Weight: 5, Args: rng},
		{Name: "SUBSTR", Family: f, Weight: 2, Args: rng},
		{Name: "SETRANGE", Family: f, Weight: 5, Args: func(g *G) []string {
			return Args(key(g), offset(g, 100, "536870912", "4294967296"), g.Value())
		}},
		{Name: "INCR", Family: f, Weight: 15, Args: func(g *G) []string { return Args(counter(g)) }},
		{Name: "DECR", Family: f, Weight: 6, Args: func(g *G) []string { return Args(counter(g)) }},
		{Name: "INCRBY", Family: f, Weight: 6, Args: func(g *G) []string { return Args(counter(g), g.Incr()) }},
		{Name: "DECRBY", Family: f, Weight: 6, Args: func(g *G) []string { return Args(counter(g), g.Incr()) }},
		{Name: "INCRBYFLOAT", Family: f, Weight: 6, Args: func(g *G) []string { return Args(counter(g), g.FloatIncr()) }},
		{Name: "LCS", Family: f, Weight: 4, Args: lcsArgs},
		{Name: "SETBIT", Family: f, Weight: 5, Args: func(g *G) []string {
			bit := g.Pick("0", "1", "1")
			if g.OneIn(15) {
				bit = g.Pick("2", "-1", "x", "")
			}
			return Args(key(g), offset(g, 2000, "4294967296", "-1"), bit)
		}},
		{Name: "GETBIT", Family: f, Weight: 5, Args: func(g *G) []string {
			return Args(key(g), offset(g, 2000, "4294967295", "4294967296"))
		}},
		{Name: "BITCOUNT", Family: f, Weight: 5, Args: func(g *G) []string {
			a := k(g)
			switch g.IntN(4) {
			case 0:
				return a
			case 1:
				return append(a, g.Index())
			default:
				a = append(a, g.Index(), g.Index())
				return append(a, g.Opt(0.4, g.Pick("BYTE", "BIT", "bit", "FOO"))...)
			}
		}},
		{Name: "BITPOS", Family: f, Weight: 5, Args: func(g *G) []string {
			a := Args(key(g), g.Pick("0", "1", "0", "1", "0", "1", "2", "x"))
			switch g.IntN(4) {
			case 0:
				return a
			case 1:
				return append(a, g.Index())
			default:
				a = append(a, g.Index(), g.Index())
				return append(a, g.Opt(0.4, g.Pick("BYTE", "BIT", "FOO"))...)
			}
		}},
		{Name: "BITOP", Family: f, Weight: 4, Args: func(g *G) []string {
			op := g.Pick("AND", "OR", "XOR", "NOT", "and", "FOO")
			n := g.Between(1, 3)
			if op == "NOT" && !g.OneIn(5) {
				n = 1
			}
			return append(Args(op, key(g)), g.KeysOf(Str, n, n)...)
		}},
		{Name: "BITFIELD", Family: f, Weight: 5, Args: func(g *G) []string {
			a := k(g)
			for range g.Between(0, 3) {
				a = append(a, bitfieldOp(g, false)...)
			}
			return a
		}},
		{Name: "BITFIELD_RO", Family: f, Weight: 2, Args: func(g *G) []string {
			a := k(g)
			for range g.Between(0, 2) {
				a = append(a, bitfieldOp(g, true)...)
			}
			return a
		}},
	}
}

// offset returns a byte or bit offset: mostly below max, sometimes one of huge, which are all
// beyond what Redis accepts (so it never allocates much), sometimes negative or invalid.
func offset(g *G, max int, huge ...string) string {
	switch n := g.IntN(20); {
	case n < 17:
		return Itoa(g.IntN(max))
	case n < 19:
		return g.Pick(huge...)
	default:
		return g.Pick("-1", "x", "1.5", "")
	}
}

// setArgs builds SET key value with options in random order, sometimes conflicting ones.
func setArgs(g *G) []string {
	a := Args(g.KeyOf(Str), g.Value())
	if g.OneIn(5) {
		a = Args(g.KeyOf(Counter), g.Pick(Itoa(g.Between(-100, 100)), g.Incr(), g.FloatIncr(), g.Value()))
	}
	var groups [][]string
	switch g.IntN(5) {
	case 0:
		groups = append(groups, Args(g.Pick("NX", "nx")))
	case 1:
		groups = append(groups, Args("XX"))
	}
	if g.OneIn(5) {
		groups = append(groups, Args(g.Pick("GET", "get")))
	}
	switch g.IntN(10) {
	case 0:
		groups = append(groups, Args("EX", g.ExpireSeconds()))
	case 1:
		groups = append(groups, Args("PX", g.ExpireMillis()))
	case 2:
		groups = append(groups, Args("EXAT", g.UnixSeconds(false)))
	case 3:
		groups = append(groups, Args("PXAT", g.UnixMillis(false)))
	case 4:
		groups = append(groups, Args("KEEPTTL"))
	}
	if g.OneIn(25) { // something invalid or repeated
		groups = append(groups, g.Pick2(
			Args("NX", "XX"), Args("EX", "1000", "PX", "1000000"), Args("KEEPTTL", "EX", "1000"),
			Args("FOO"), Args("EX"), Args("GET", "GET"), Args("EX", "1000", "EX", "2000"), Args("PXAT")))
	}
	return append(a, g.Shuffle(groups...)...)
}

// Pick2 returns one of the argument lists.
func (g *G) Pick2(xs ...[]string) []string { return xs[g.IntN(len(xs))] }

func getexArgs(g *G) []string {
	a := Args(g.KeyOf(Str))
	switch g.IntN(9) {
	case 0:
		return append(a, "EX", g.ExpireSeconds())
	case 1:
		return append(a, "PX", g.ExpireMillis())
	case 2:
		return append(a, "EXAT", g.UnixSeconds(true))
	case 3:
		return append(a, "PXAT", g.UnixMillis(true))
	case 4:
		return append(a, g.Pick("PERSIST", "persist"))
	case 5:
		return append(a, g.Pick2(Args("EX", "1000", "PERSIST"), Args("PERSIST", "PX", "1000000"),
			Args("FOO"), Args("EX"), Args("KEEPTTL"), Args("EX", "1000", "PX", "2000000"))...)
	default:
		return a
	}
}

func lcsArgs(g *G) []string {
	a := Args(g.KeyOf(Str), g.KeyOf(Str))
	switch g.IntN(6) {
	case 0:
		a = append(a, "LEN")
	case 1, 2:
		a = append(a, "IDX")
		if g.OneIn(2) {
			a = append(a, "MINMATCHLEN", g.Pick("0", "1", "2", "4", "-1", "x"))
		}
		if g.OneIn(2) {
			a = append(a, "WITHMATCHLEN")
		}
	case 3:
		a = append(a, g.Pick2(Args("LEN", "IDX"), Args("FOO"), Args("MINMATCHLEN"), Args("WITHMATCHLEN"))...)
	}
	return a
}

// bitfieldOp returns one BITFIELD subcommand (only GET when readOnly is set, most of the time).
func bitfieldOp(g *G, readOnly bool) []string {
	typ := func() string {
		if g.OneIn(15) {
			return g.Pick("u64", "i65", "x8", "i0", "u", "")
		}
		if g.OneIn(2) {
			return "i" + Itoa(g.Between(1, 64))
		}
		return "u" + Itoa(g.Between(1, 63))
	}
	off := func() string {
		switch n := g.IntN(10); {
		case n < 6:
			return Itoa(g.IntN(100))
		case n < 9:
			return "#" + Itoa(g.IntN(10))
		default:
			return g.Pick("-1", "x", "4294967296", "#-1", "#")
		}
	}
	val := func() string {
		if g.OneIn(4) {
			return g.Incr()
		}
		return Itoa(g.Between(-300, 300))
	}
	n := g.IntN(10)
	if readOnly && n > 0 {
		n = 9
	}
	switch {
	case n < 3:
		return Args("SET", typ(), off(), val())
	case n < 5:
		return Args("INCRBY", typ(), off(), val())
	case n < 7:
		return Args("OVERFLOW", g.Pick("WRAP", "SAT", "FAIL", "wrap", "FOO"))
	case n < 8:
		return Args(g.Pick("FOO", "GET", "SET"))
	default:
		return Args("GET", typ(), off())
	}
}
