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
		{Name: "CLIENT NO-EVICT", Family: f, Weight: 1, Args: func(g *G) []string {
			return Args(g.Pick("ON", "OFF", "on", "maybe"))
		}},
		{Name: "CLIENT GETREDIR", Family: f, Weight: 1},
		{Name: "CLIENT TRACKINGINFO", Family: f, Weight: 1},
		// The forms of CLIENT LIST, INFO, KILL and UNBLOCK whose replies do not depend on the
		// connections: filters that match nothing and bad arguments. Not mutated: a mutation could
		// list every connection, or kill one.
		{Name: "CLIENT LIST", Family: f, Weight: 1, NoMutate: true, Args: func(g *G) []string {
			switch g.IntN(4) {
			case 0:
				return Args("TYPE", g.Pick("master", "replica", "SLAVE", "pubsub", "foo", ""))
			case 1:
				return Args("ID", g.Pick("999999", "x", "0", "-1"))
			case 2:
				return Args("TYPE")
			default:
				return Args(g.Pick("foo", "ID"))
			}
		}},
		{Name: "CLIENT INFO", Family: f, Weight: 1, NoMutate: true, Args: func(g *G) []string { return Args("x") }},
		{Name: "CLIENT KILL", Family: f, Weight: 1, NoMutate: true, Args: func(g *G) []string {
			switch g.IntN(6) {
			case 0:
				return Args(g.Pick("1.2.3.4:5", "ID", "", "x"))
			case 1:
				return Args("ID", g.Pick("999999", "0", "-1", "x", "1.5"))
			case 2:
				return Args("TYPE", g.Pick("master", "replica", "slave", "pubsub", "foo"))
			case 3:
				return Args("ADDR", "1.2.3.4:5", g.Pick("SKIPME", "USER", "LADDR", "FOO"), g.Pick("no", "default", "bob", "1.1.1.1:1"))
			case 4:
				return Args("ID", "999999", "TYPE", g.Pick("normal", "foo"), "SKIPME", g.Pick("no", "yes", "maybe"))
			default:
				return nil
			}
		}},
		{Name: "CLIENT UNBLOCK", Family: f, Weight: 1, NoMutate: true, Args: func(g *G) []string {
			switch g.IntN(3) {
			case 0:
				return Args("999999", g.Pick("TIMEOUT", "ERROR", "error", "foo"))
			case 1:
				return Args(g.Pick("x", "", "1.5"))
			default:
				return Args("999999", "timeout", "x")
			}
		}},
		{Name: "CLIENT", Family: f, Weight: 3, Args: func(g *G) []string {
			switch g.IntN(8) {
			case 0, 1, 2:
				return Args("GETNAME")
			case 3, 4:
				return Args("SETNAME", g.Pick("name1", "c2", "", "x-y_z"))
			case 5:
				return Args("SETNAME", g.Pick("a b", "a\nb", "é"))
			case 6:
				return Args(g.Pick("FOO", "GETNAME", "SETNAME"), "x")
			default:
				return Args("SETNAME")
			}
		}},
	}
}

// serverCmds are the server family. INFO is sent for the keyspace section only, COMMAND only in
// forms whose reply does not depend on the set of commands a server has, CONFIG SET only with
// values that leave the servers alike and running (no short timeout, no small maxmemory, no
// password), CONFIG GET only for parameters both servers hold alike. TIME is not sent (each
// server's clock), nor CLIENT LIST or INFO that list the connections.
func serverCmds() []Cmd {
	const f = "server"
	return []Cmd{
		{Name: "DBSIZE", Family: f, Weight: 5, Args: func(g *G) []string { return g.Opt(0.05, "x") }},
		{Name: "INFO", Family: f, Weight: 2, Reply: InfoKeyspace, NoMutate: true, Args: func(g *G) []string {
			return Args(g.Pick("keyspace", "KEYSPACE", "nosuch"))
		}},
		{Name: "CONFIG SET", Family: f, Weight: 2, Args: func(g *G) []string {
			pair := func() []string {
				switch g.IntN(9) {
				case 0:
					return Args("maxmemory-policy", g.Pick("allkeys-lru", "noeviction", "VOLATILE-TTL", "foo"))
				case 1:
					return Args("maxmemory", g.Pick("0", "1gb", "2GB", "4294967296", "x", "-1"))
				case 2:
					return Args("timeout", g.Pick("0", "x", "-1", "2147483648"))
				case 3:
					return Args("save", g.Pick("", "10 20", "3600 1 300 100", "1 2 3", "0 1", "x"))
				case 4:
					return Args("loglevel", g.Pick("notice", "warning", "WARNING", "foo"))
				case 5:
					return Args(g.Pick("databases", "dir"), "1")
				case 6:
					return Args("proto-max-bulk-len", g.Pick("512mb", "536870912", "10", "x"))
				case 7:
					return Args(g.Pick("nosuch", "TIMEOUT"), "0")
				default:
					return Args("appendfsync", g.Pick("x", "foo"))
				}
			}
			out := pair()
			for g.OneIn(3) {
				out = append(out, pair()...)
			}
			if g.OneIn(20) {
				out = out[:len(out)-1]
			}
			return out
		}},
		{Name: "CONFIG RESETSTAT", Family: f, Weight: 1},
		{Name: "CONFIG REWRITE", Family: f, Weight: 1},
		{Name: "CONFIG HELP", Family: f, Weight: 1},
		{Name: "CONFIG", Family: f, Weight: 1, Reply: PairMultiset, Args: func(g *G) []string {
			switch g.IntN(7) {
			case 6:
				return Args("GET", g.Pick("maxmemory", "maxmemory-policy", "timeout", "save", "proto-max-bulk-len"))
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
		// Not mutated: a mutation may drop every argument, and COMMAND alone lists every command.
		{Name: "COMMAND GETKEYS", Family: f, Weight: 2, NoMutate: true, Args: getKeysArgs},
		{Name: "COMMAND GETKEYSANDFLAGS", Family: f, Weight: 2, NoMutate: true, Args: getKeysArgs},
		{Name: "COMMAND HELP", Family: f, Weight: 1, NoMutate: true},
		{Name: "LASTSAVE", Family: f, Weight: 1, Reply: AnyInt},
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

// getKeysArgs builds a command for COMMAND GETKEYS: fixed key positions, key counts (valid, zero,
// too many, not plain numbers), keys whose flags depend on the arguments, and commands without keys.
func getKeysArgs(g *G) []string {
	k1, k2 := g.Key(), g.Key()
	switch g.IntN(12) {
	case 0:
		return Args("GET", k1)
	case 1:
		return Args("MSET", k1, "v", k2, "w")
	case 2:
		return Args(g.Pick("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), k1, g.Pick("2", "02", "0", "3", "-1", "x", "1"), k2, k1)
	case 3:
		return Args(g.Pick("LMPOP", "ZMPOP", "SINTERCARD", "ZUNION"), g.Pick("1", "2", "0", "+1"), k1, k2, "LEFT")
	case 4:
		return Args(g.Pick("BLMPOP", "BZMPOP"), "0", g.Pick("1", "2", "3"), k1, k2, "RIGHT")
	case 5:
		return Args("SET", k1, "v", g.Pick("GET", "NX", "get", "EX"))
	case 6:
		return Args("BITFIELD", k1, g.Pick("GET", "SET", "INCRBY", "OVERFLOW"), "u8", "0", "1")
	case 7:
		return Args("OBJECT", g.Pick("ENCODING", "FREQ", "HELP", "FOO"), k1)
	case 8:
		return Args(g.Pick("PING", "DBSIZE", "CLIENT"), k1)
	case 9:
		return Args("NOSUCH", k1)
	case 10:
		return Args(g.Pick("LMOVE", "BLMOVE"), k1, k2, "LEFT", "RIGHT")
	default:
		return Args(g.Pick("DEL", "EXISTS", "SINTER", "SUNIONSTORE"), k1, k2)
	}
}
