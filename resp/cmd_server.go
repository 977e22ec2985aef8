package resp

import (
	"bytes"

	"github.com/flin-resp/flin-resp/raftfsm"
)

func serverCommands() []*command {
	return []*command{
		{name: "command", arity: -1, flags: flagLoading | flagStale, group: "server", summary: "Returns detailed information about all commands.", run: cmdCommand},
		{name: "config", arity: -2, flags: flagAdmin | flagLoading | flagStale, group: "server", summary: "A container for server configuration commands.", run: cmdConfig},
		{name: "info", arity: -1, flags: flagLoading | flagStale, group: "server", summary: "Returns information and statistics about the server.", run: cmdInfo},
		{name: "dbsize", arity: 1, flags: flagReadOnly | flagFast, group: "server", summary: "Returns the number of keys in the database.", run: cmdDBSize},
		{name: "flushdb", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys from the current database.", prepare: prepareFlush(raftfsm.OpFlushDB)},
		{name: "flushall", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys from all databases.", prepare: prepareFlush(raftfsm.OpFlushAll)},
		{name: "save", arity: 1, flags: flagAdmin, group: "server", summary: "Synchronously saves the database(s) to disk (a Raft snapshot).", run: cmdSave},
		{name: "bgsave", arity: -1, flags: flagAdmin, group: "server", summary: "Asynchronously saves the database(s) to disk (a Raft snapshot).", run: cmdBGSave},
	}
}

func cmdDBSize(c *Conn, _ [][]byte) { c.w.Int(c.srv.db.DBSize(c.db)) }

func prepareFlush(op raftfsm.Op) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "async") && !equalFold(args[1], "sync") {
			return raftfsm.Command{}, errSyntax
		}
		return raftfsm.Command{Op: op, DB: c.db}, ""
	}
}

func cmdSave(c *Conn, _ [][]byte) {
	if err := c.srv.proposer.Snapshot(); err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.OK()
}

func cmdBGSave(c *Conn, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "schedule") {
		c.w.Error(errSyntax)
		return
	}
	go func() {
		if err := c.srv.proposer.Snapshot(); err != nil {
			c.srv.cfg.Logger.Warn("background snapshot failed", "err", err)
		}
	}()
	c.w.Status("Background saving started")
}

// cmdCommand implements COMMAND [COUNT | INFO name... | DOCS name... | LIST].
func cmdCommand(c *Conn, args [][]byte) {
	t := c.srv.commands
	if len(args) == 1 {
		all := t.sorted()
		c.w.Array(len(all))
		for _, cmd := range all {
			writeCommandInfo(c, cmd)
		}
		return
	}
	sub := args[1]
	switch {
	case equalFold(sub, "count") && len(args) == 2:
		c.w.Int(int64(len(t)))
	case equalFold(sub, "list") && (len(args) == 2 || len(args) == 5 && equalFold(args[2], "filterby")):
		var keep func(*command) bool
		if len(args) == 5 {
			if keep = commandFilter(args[3], args[4]); keep == nil {
				c.w.Error(errSyntax)
				return
			}
		}
		var names []string
		for _, cmd := range t.sorted() {
			if keep == nil || keep(cmd) {
				names = append(names, cmd.name)
			}
		}
		c.w.Array(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	case equalFold(sub, "list"):
		c.w.Error(errSyntax)
	case equalFold(sub, "info"):
		cmds := t.sorted()
		if len(args) > 2 {
			cmds = cmds[:0]
			for _, name := range args[2:] {
				cmds = append(cmds, t.lookup(name))
			}
		}
		c.w.Array(len(cmds))
		for _, cmd := range cmds {
			if cmd == nil {
				c.w.Null() // Redis 7.0 answers "$-1" here, not "*-1"
			} else {
				writeCommandInfo(c, cmd)
			}
		}
	case equalFold(sub, "docs"):
		cmds := t.sorted()
		if len(args) > 2 {
			cmds = cmds[:0]
			for _, name := range args[2:] {
				if cmd := t.lookup(name); cmd != nil {
					cmds = append(cmds, cmd)
				}
			}
		}
		c.w.Map(len(cmds))
		for _, cmd := range cmds {
			c.w.BulkString(cmd.name)
			c.w.Map(3)
			c.w.BulkString("summary")
			c.w.BulkString(cmd.summary)
			c.w.BulkString("since")
			c.w.BulkString("1.0.0")
			c.w.BulkString("group")
			c.w.BulkString(cmd.group)
		}
	case equalFold(sub, "count"):
		c.w.Error(errArity("command|" + lower(sub)))
	default:
		c.w.Error(errUnknownSubcommand(sub, "command"))
	}
}

// commandFilter returns the test of COMMAND LIST FILTERBY kind arg, or nil for an unknown kind.
// There are no modules; ACL categories are the command's group and its read/write/fast/admin
// flags; an unknown category matches nothing, as in Redis.
func commandFilter(kind, arg []byte) func(*command) bool {
	switch {
	case equalFold(kind, "module"):
		return func(*command) bool { return false }
	case equalFold(kind, "pattern"):
		return func(cmd *command) bool { return globMatch(arg, []byte(cmd.name), true) }
	case equalFold(kind, "aclcat"):
		cat := lower(arg)
		return func(cmd *command) bool {
			return cmd.group == cat || cat == "read" && cmd.flags&flagReadOnly != 0 ||
				cat == "write" && cmd.flags&flagWrite != 0 || cat == "fast" && cmd.flags&flagFast != 0 ||
				cat == "admin" && cmd.flags&flagAdmin != 0
		}
	}
	return nil
}

func writeCommandInfo(c *Conn, cmd *command) {
	c.w.Array(10)
	c.w.BulkString(cmd.name)
	c.w.Int(int64(cmd.arity))
	flags := cmd.flagList()
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.Status(f)
	}
	c.w.Int(int64(cmd.firstKey))
	c.w.Int(int64(cmd.lastKey))
	c.w.Int(int64(cmd.step))
	c.w.Set(1)
	c.w.Status("@" + cmd.group)
	c.w.Array(0) // tips
	c.w.Array(0) // key specs
	c.w.Array(0) // subcommands
}

// configParams are the parameters CONFIG GET reports, in Redis's names.
func (c *Conn) configParams() [][2]string {
	cfg := c.srv.cfg
	return [][2]string{
		{"appendonly", "yes"}, // every acknowledged write is in the fsynced Raft log
		{"appendfsync", "always"},
		{"bind", cfg.Bind},
		{"databases", itoa(int64(c.srv.db.Databases()))},
		{"dir", cfg.Dir},
		{"maxclients", "10000"},
		{"maxmemory", "0"},
		{"maxmemory-policy", "noeviction"},
		{"port", itoa(int64(cfg.Port))},
		{"proto-max-bulk-len", itoa(cfg.MaxBulkLen)},
		{"requirepass", cfg.RequirePass},
		{"save", ""},
		{"timeout", "0"},
	}
}

// cmdConfig implements CONFIG GET pattern...; other subcommands come later. As in Redis 7.0, a
// pattern without glob characters is a name looked up in any case and reported as given.
func cmdConfig(c *Conn, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "get") && len(args) >= 3:
		params := c.configParams()
		var out [][2]string
		seen := make([]bool, len(params))
		for _, pat := range args[2:] {
			glob := bytes.ContainsAny(pat, "[*?")
			for i, p := range params {
				if seen[i] {
					continue
				}
				if glob && globMatch(pat, []byte(p[0]), true) {
					out = append(out, p)
					seen[i] = true
				} else if !glob && equalFold(pat, p[0]) {
					out = append(out, [2]string{string(pat), p[1]})
					seen[i] = true
				}
			}
		}
		c.w.Map(len(out))
		for _, p := range out {
			c.w.BulkString(p[0])
			c.w.BulkString(p[1])
		}
	case equalFold(sub, "get"):
		c.w.Error(errArity("config|get"))
	default:
		c.w.Error(errUnknownSubcommand(sub, "config"))
	}
}
