package resp

// Container commands (CLIENT, CONFIG, COMMAND, OBJECT) have subcommands, each an entry of its own as
// in Redis 7.0: named "client|list", with its own arity and flags, checked by the dispatcher
// ("ERR wrong number of arguments for 'client|kill' command"), counted on its own in INFO
// commandstats and listed by COMMAND LIST and in COMMAND INFO of its container. Arity and flags are
// Redis's.

// unknownSubcommand is what commandTable.resolve returns for a subcommand a container does not
// have: it answers Redis's error, before authentication is checked, as Redis does. Its counters
// are never used.
var unknownSubcommand = &command{
	name: "unknown subcommand", arity: -1, flags: flagNoAuth | flagLoading | flagStale,
	run: func(c *Conn, args [][]byte) { c.w.Error(errUnknownSubcommand(args[1], lower(args[0]))) },
}

// subcommandTables lists the subcommands of each container command.
func subcommandTables() map[string][]*command {
	const adminSub = flagAdmin | flagLoading | flagStale
	const sub = flagLoading | flagStale
	return map[string][]*command{
		"client": {
			{name: "getname", arity: 2, flags: sub, summary: "Returns the name of the connection.", run: cmdClientGetName},
			{name: "getredir", arity: 2, flags: sub, summary: "Returns the client ID to which the connection's tracking notifications are redirected.", run: cmdClientGetRedir},
			{name: "help", arity: 2, flags: sub, summary: "Returns helpful text about the different subcommands.", run: cmdClientHelp},
			{name: "id", arity: 2, flags: sub, summary: "Returns the unique client ID of the connection.", run: cmdClientID},
			{name: "info", arity: 2, flags: sub, summary: "Returns information about the connection.", run: cmdClientInfo},
			{name: "kill", arity: -3, flags: adminSub, summary: "Terminates open connections.", run: cmdClientKill},
			{name: "list", arity: -2, flags: adminSub, summary: "Lists open connections.", run: cmdClientList},
			{name: "no-evict", arity: 3, flags: adminSub, summary: "Sets the client eviction mode of the connection.", run: cmdClientNoEvict},
			{name: "no-touch", arity: 3, flags: sub, summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", run: cmdClientNoTouch},
			{name: "setinfo", arity: 4, flags: sub, summary: "Sets information specific to the client or connection.", run: cmdClientSetInfo},
			{name: "setname", arity: 3, flags: sub, summary: "Sets the connection name.", run: cmdClientSetName},
			{name: "trackinginfo", arity: 2, flags: sub, summary: "Returns information about server-assisted client-side caching for the connection.", run: cmdClientTrackingInfo},
			{name: "unblock", arity: -3, flags: adminSub, summary: "Unblocks a client blocked by a blocking command from a different connection.", run: cmdClientUnblock},
		},
		"config": {
			{name: "get", arity: -3, flags: adminSub, summary: "Returns the effective values of configuration parameters.", run: cmdConfigGet},
			{name: "help", arity: 2, flags: sub, summary: "Returns helpful text about the different subcommands.", run: cmdConfigHelp},
			{name: "resetstat", arity: 2, flags: adminSub, summary: "Resets the server's statistics.", run: cmdConfigResetStat},
			{name: "rewrite", arity: 2, flags: adminSub, summary: "Persists the effective configuration to file.", run: cmdConfigRewrite},
			{name: "set", arity: -4, flags: adminSub, summary: "Sets configuration parameters in-flight.", run: cmdConfigSet},
		},
		"command": {
			{name: "count", arity: 2, flags: sub, summary: "Returns a count of commands.", run: cmdCommandCount},
			{name: "docs", arity: -2, flags: sub, summary: "Returns documentary information about a command.", run: cmdCommandDocs},
			{name: "getkeys", arity: -4, flags: sub, summary: "Extracts the key names from an arbitrary command.", run: cmdCommandGetKeys},
			{name: "getkeysandflags", arity: -4, flags: sub, summary: "Extracts the key names and access flags for an arbitrary command.", run: cmdCommandGetKeys},
			{name: "help", arity: 2, flags: sub, summary: "Returns helpful text about the different subcommands.", run: cmdCommandHelp},
			{name: "info", arity: -2, flags: sub, summary: "Returns information about one, multiple or all commands.", run: cmdCommandInfo},
			{name: "list", arity: -2, flags: sub, summary: "Returns a list of command names.", run: cmdCommandList},
		},
		"object": {
			{name: "encoding", arity: 3, flags: flagReadOnly, firstKey: 2, lastKey: 2, step: 1, summary: "Returns the internal encoding of a Redis object.", run: cmdObject},
			{name: "freq", arity: 3, flags: flagReadOnly, firstKey: 2, lastKey: 2, step: 1, summary: "Returns the logarithmic access frequency counter of a Redis object.", run: cmdObject},
			{name: "help", arity: 2, flags: sub, summary: "Returns helpful text about the different subcommands.", run: cmdObject},
			{name: "idletime", arity: 3, flags: flagReadOnly, firstKey: 2, lastKey: 2, step: 1, summary: "Returns the time since the last access to a Redis object.", run: cmdObject},
			{name: "refcount", arity: 3, flags: flagReadOnly, firstKey: 2, lastKey: 2, step: 1, summary: "Returns the reference count of a value of a key.", run: cmdObject},
		},
	}
}

// attachSubcommands gives each container command of t its subcommands, named "container|sub",
// in the container's group.
func (t commandTable) attachSubcommands() {
	for name, subs := range subcommandTables() {
		parent := t[name]
		if parent == nil {
			continue
		}
		parent.subs = make(map[string]*command, len(subs))
		for _, s := range subs {
			parent.subs[s.name] = s
			s.name = name + "|" + s.name
			s.group = parent.group
		}
	}
}

// allCommands returns every command and subcommand in name order ("client" before
// "client|getname").
func (t commandTable) allCommands() []*command {
	var out []*command
	for _, c := range t.sorted() {
		out = append(out, c)
		out = append(out, c.sortedSubs()...)
	}
	return out
}

// sortedSubs returns c's subcommands in name order.
func (c *command) sortedSubs() []*command {
	if len(c.subs) == 0 {
		return nil
	}
	sub := make(commandTable, len(c.subs))
	for k, v := range c.subs {
		sub[k] = v
	}
	return sub.sorted()
}
