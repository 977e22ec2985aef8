package gen

// connectionCmds are the connection family. QUIT is left out (it closes the connection), and
// HELLO only ever asks for the protocol of the run.
func connectionCmds() []Cmd {
	const f = "connection"
	return []Cmd{
		{Name: "PING", Family: f, Weight: 3, Args: func(g *G) []string {
			switch g.IntN(6) {
			case 0:
				return Args(g.Value())
			case 1:
				return Args("a", "b")
			default:
				return nil
			}
		}},
		{Name: "ECHO", Family: f, Weight: 3, Args: func(g *G) []string {
			if g.OneIn(10) {
				return g.Opt(0.5, "a", "b")
			}
			return Args(g.Value())
		}},
		{Name: "SELECT", Family: f, Weight: 8, Args: func(g *G) []string {
			if g.OneIn(30) {
				return g.Opt(0.5, "1", "2")
			}
			return Args(g.DB())
		}},
		{Name: "HELLO", Family: f, Weight: 1, Reply: HelloReply, Args: func(g *G) []string {
			v := Itoa(g.Proto())
			switch g.IntN(8) {
			case 0:
				return nil
			case 1:
				return Args(v, "SETNAME", g.Pick("n1", "conn-2", ""))
			case 2:
				return Args(v, "AUTH", "default", "pw")
			case 3:
				return Args(v, "AUTH", g.Pick("someone", "default"))
			case 4:
				return Args(g.Pick("4", "1", "0", "x", "", "3.0", "99999999999999999999"))
			case 5:
				return Args(v, g.Pick("FOO", "SETNAME"))
			case 6:
				return Args(v, "SETNAME", "a b")
			default:
				return Args(v)
			}
		}},
		{Name: "AUTH", Family: f, Weight: 1, Args: func(g *G) []string {
			switch g.IntN(4) {
			case 0:
				return Args("pw")
			case 1:
				return Args("default", "pw")
			case 2:
				return Args("someone", "pw")
			default:
				return Args("a", "b", "c")
			}
		}},
		{Name: "CLIENT ID", Family: f, Weight: 1, Reply: AnyInt},
		{Name: "CLIENT", Family: f, Weight: 3, Args: func(g *G) []string {
			switch g.IntN(8) {
			case 0, 1, 2:
				return Args("GETNAME")
			case 3, 4:
				return Args("SETNAME", g.Pick("name1", "c2", "", "x-y_z"))
			case 5:
				return Args("SETNAME", g.Pick("a b", "a\nb", "é"))
			case 6:
				return Args(g.Pick("FOO", "GETNAME", "SETNAME", "ID"), "x")
			default:
				return Args("SETNAME")
			}
		}},
	}
}

// serverCmds are the server family. INFO is sent for the keyspace section only, COMMAND only in
// forms whose reply does not depend on the set of commands a server has.
func serverCmds() []Cmd {
	const f = "server"
	return []Cmd{
		{Name: "DBSIZE", Family: f, Weight: 5, Args: func(g *G) []string { return g.Opt(0.05, "x") }},
		{Name: "INFO", Family: f, Weight: 2, Reply: InfoKeyspace, NoMutate: true, Args: func(g *G) []string {
			return Args(g.Pick("keyspace", "KEYSPACE", "nosuch"))
		}},
		{Name: "CONFIG", Family: f, Weight: 1, Reply: PairMultiset, Args: func(g *G) []string {
			switch g.IntN(6) {
			case 0:
				return Args("GET", "databases")
			case 1:
				return Args("GET", "save", "databases")
			case 2:
				return Args("GET", g.Pick("nosuch", "nosuch*", "databas?"))
			case 3:
				return Args("GET")
			case 4:
				return Args("FOO")
			default:
				return Args("GET", "DATABASES")
			}
		}},
		{Name: "COMMAND", Family: f, Weight: 1, NoMutate: true, Args: func(g *G) []string {
			switch g.IntN(3) {
			case 0:
				return Args("INFO", "nosuch")
			case 1:
				return Args("FOO")
			default:
				return Args("COUNT", "x")
			}
		}},
		{Name: "FLUSHDB", Family: f, Rare: 0.001, Args: func(g *G) []string {
			if g.OneIn(3) {
				return Args(g.Pick("ASYNC", "SYNC", "async", "x"))
			}
			return nil
		}},
		{Name: "FLUSHALL", Family: f, Rare: 0.0004, Args: func(g *G) []string {
			if g.OneIn(3) {
				return Args(g.Pick("ASYNC", "SYNC", "x"))
			}
			return nil
		}},
		{Name: "SAVE", Family: f, Rare: 0.0003},
	}
}
