package resp

import (
	"strconv"
	"sync"
	"time"

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
		{name: "save", arity: 1, flags: flagAdmin | flagNoMulti, group: "server", summary: "Synchronously saves the database(s) to disk (a Raft snapshot).", run: cmdSave},
		{name: "bgsave", arity: -1, flags: flagAdmin, group: "server", summary: "Asynchronously saves the database(s) to disk (a Raft snapshot).", run: cmdBGSave},
		{name: "lastsave", arity: 1, flags: flagLoading | flagStale | flagFast, group: "server", summary: "Returns the Unix timestamp of the last successful save to disk (Raft snapshot).", run: cmdLastSave},
		{name: "time", arity: 1, flags: flagLoading | flagStale | flagFast, group: "server", summary: "Returns the server time.", run: cmdTime},
	}
}

func cmdDBSize(c *Conn, _ [][]byte) {
	if c.execTx == nil {
		c.w.Int(c.srv.db.DBSize(c.db))
		return
	}
	n, err := c.execTx.DBSize(c.db)
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func prepareFlush(op raftfsm.Op) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		if len(args) > 2 || len(args) == 2 && !equalFold(args[1], "async") && !equalFold(args[1], "sync") {
			return raftfsm.Command{}, errSyntax
		}
		return raftfsm.Command{Op: op, DB: c.db}, ""
	}
}

// saveState tracks SAVE and BGSAVE (Raft snapshots taken on demand) for INFO persistence and to
// refuse a save while one runs, as Redis does.
type saveState struct {
	mu         sync.Mutex
	running    bool
	scheduled  bool      // BGSAVE SCHEDULE during a save: one more when it ends
	started    time.Time // of the running save
	lastOK     bool
	lastSecs   int64 // duration of the last BGSAVE, -1 if none
	lastBGDone bool
	saves      int64 // successful saves
}

const errSaveInProgress = "ERR Background save already in progress"

// snapshot takes a snapshot now and records how it went.
func (s *Server) snapshot() error {
	start := time.Now()
	err := s.proposer.Snapshot()
	st := &s.saves
	st.mu.Lock()
	st.lastOK = err == nil
	st.lastSecs = int64(time.Since(start).Seconds())
	st.lastBGDone = true
	if err == nil {
		st.saves++
	}
	st.mu.Unlock()
	return err
}

// beginSave marks a save as running, or reports that one already is.
func (s *Server) beginSave() bool {
	st := &s.saves
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.running {
		return false
	}
	st.running, st.started = true, time.Now()
	return true
}

// endSave marks the running save as done and reports whether BGSAVE SCHEDULE asked for another.
func (s *Server) endSave() (again bool) {
	st := &s.saves
	st.mu.Lock()
	defer st.mu.Unlock()
	again, st.scheduled = st.scheduled, false
	if again {
		st.started = time.Now()
	} else {
		st.running = false
	}
	return again
}

func cmdSave(c *Conn, _ [][]byte) {
	if !c.srv.beginSave() {
		c.w.Error(errSaveInProgress)
		return
	}
	err := c.srv.snapshot()
	if c.srv.endSave() {
		go c.srv.backgroundSaves()
	}
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.OK()
}

func cmdBGSave(c *Conn, args [][]byte) {
	schedule := len(args) == 2 && equalFold(args[1], "schedule")
	if len(args) > 2 || len(args) == 2 && !schedule {
		c.w.Error(errSyntax)
		return
	}
	if !c.srv.beginSave() {
		if !schedule {
			c.w.Error(errSaveInProgress)
			return
		}
		c.srv.saves.mu.Lock()
		c.srv.saves.scheduled = true
		c.srv.saves.mu.Unlock()
		c.w.Status("Background saving scheduled")
		return
	}
	go c.srv.backgroundSaves()
	c.w.Status("Background saving started")
}

// backgroundSaves takes the snapshot of a BGSAVE, and the scheduled ones after it.
func (s *Server) backgroundSaves() {
	for {
		if err := s.snapshot(); err != nil {
			s.cfg.Logger.Warn("background snapshot failed", "err", err)
		}
		if !s.endSave() {
			return
		}
	}
}

// lastSave is LASTSAVE: when the last snapshot was persisted, or when the server started (Redis
// too counts the data as saved at start-up).
func (s *Server) lastSave() int64 {
	return max(s.started.Unix(), s.proposer.Status().FSM.LastSnapshotUnix)
}

func cmdLastSave(c *Conn, _ [][]byte) { c.w.Int(c.srv.lastSave()) }

func cmdTime(c *Conn, _ [][]byte) {
	now := time.Now()
	c.w.Array(2)
	c.w.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.w.BulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// cmdCommand implements COMMAND without a subcommand: every command's details. Its subcommands
// (COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS, HELP) are entries of their own.
func cmdCommand(c *Conn, _ [][]byte) {
	all := c.srv.commands.sorted()
	c.w.Array(len(all))
	for _, cmd := range all {
		writeCommandInfo(c, cmd)
	}
}

// cmdConfig runs only when a subcommand is missing, which the arity check refuses first.
func cmdConfig(c *Conn, _ [][]byte) { c.w.Error(errArity("config")) }

func cmdCommandCount(c *Conn, _ [][]byte) { c.w.Int(int64(len(c.srv.commands))) }

// lookupName finds a command or subcommand by its full name ("get", "client|list"), as COMMAND
// INFO and DOCS accept it.
func (t commandTable) lookupName(name []byte) *command {
	for i, ch := range name {
		if ch == '|' {
			parent := t.lookup(name[:i])
			if parent == nil || parent.subs == nil {
				return nil
			}
			return parent.subs[lower(name[i+1:])]
		}
	}
	return t.lookup(name)
}

// cmdCommandList implements COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]:
// commands and subcommands, as Redis 7.0 lists them.
func cmdCommandList(c *Conn, args [][]byte) {
	var keep func(*command) bool
	switch {
	case len(args) == 5 && equalFold(args[2], "filterby"):
		if keep = commandFilter(args[3], args[4]); keep == nil {
			c.w.Error(errSyntax)
			return
		}
	case len(args) != 2:
		c.w.Error(errSyntax)
		return
	}
	var names []string
	for _, cmd := range c.srv.commands.allCommands() {
		if keep == nil || keep(cmd) {
			names = append(names, cmd.name)
		}
	}
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

func cmdCommandInfo(c *Conn, args [][]byte) {
	t := c.srv.commands
	cmds := t.sorted()
	if len(args) > 2 {
		cmds = cmds[:0]
		for _, name := range args[2:] {
			cmds = append(cmds, t.lookupName(name))
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
}

func cmdCommandDocs(c *Conn, args [][]byte) {
	t := c.srv.commands
	cmds := t.sorted()
	if len(args) > 2 {
		cmds = cmds[:0]
		for _, name := range args[2:] {
			if cmd := t.lookupName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.w.Map(len(cmds))
	for _, cmd := range cmds {
		c.w.BulkString(cmd.name)
		writeCommandDocs(c, cmd)
	}
}

func writeCommandDocs(c *Conn, cmd *command) {
	subs := cmd.sortedSubs()
	n := 3
	if len(subs) > 0 {
		n++
	}
	c.w.Map(n)
	c.w.BulkString("summary")
	c.w.BulkString(cmd.summary)
	c.w.BulkString("since")
	c.w.BulkString("1.0.0")
	c.w.BulkString("group")
	c.w.BulkString(cmd.group)
	if len(subs) > 0 {
		c.w.BulkString("subcommands")
		c.w.Map(len(subs))
		for _, s := range subs {
			c.w.BulkString(s.name)
			writeCommandDocs(c, s)
		}
	}
}

// cmdCommandGetKeys implements COMMAND GETKEYS and GETKEYSANDFLAGS command [arg ...] with
// Redis 7.0's checks and errors.
func cmdCommandGetKeys(c *Conn, args [][]byte) {
	withFlags := equalFold(args[1], "getkeysandflags")
	cmdArgs := args[2:]
	cmd := c.srv.commands.resolve(cmdArgs)
	switch {
	case cmd == nil || cmd == unknownSubcommand:
		c.w.Error("ERR Invalid command specified")
		return
	case cmd.keySpecs == nil && cmd.getKeys == nil:
		c.w.Error("ERR The command has no key arguments")
		return
	case !cmd.arityOK(len(cmdArgs)):
		c.w.Error("ERR Invalid number of arguments specified for command")
		return
	}
	keys, ok := cmd.findKeys(cmdArgs)
	if !ok {
		c.w.Error("ERR Invalid arguments specified for command")
		return
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.w.Bulk(cmdArgs[k.pos])
			continue
		}
		c.w.Array(2)
		c.w.Bulk(cmdArgs[k.pos])
		writeFlagSet(&c.w, k.flags)
	}
}

func cmdCommandHelp(c *Conn, _ [][]byte) {
	writeHelp(c, "COMMAND", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
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

// writeCommandInfo writes a command's COMMAND INFO entry, with its subcommands' entries nested as
// Redis 7.0 nests them.
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
	c.w.Set(0) // tips
	writeKeySpecs(&c.w, cmd.keySpecs)
	subs := cmd.sortedSubs()
	c.w.Set(len(subs))
	for _, s := range subs {
		writeCommandInfo(c, s)
	}
}
