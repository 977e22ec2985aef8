package resp

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Transactions, after Redis 7.0's multi.c. Commands between MULTI and EXEC are queued; EXEC turns
// the queue into one Raft entry: writes as their Raft commands, reads as raftfsm.OpRead, which the
// leader runs inside the entry's engine transaction (execRead), so a read sees exactly the writes
// queued before it. WATCH is checked by the leader, under a lock no other write passes, just before
// the entry is proposed. SELECT takes effect as EXEC walks the queue; other commands that touch no
// data (PING, INFO, CLIENT...) run on the connection once the entry is applied.

func transactionCommands() []*command {
	const g = "transactions"
	ctl := flagFast | flagLoading | flagStale | flagTxControl
	return []*command{
		{name: "multi", arity: 1, flags: ctl, group: g, summary: "Starts a transaction.", run: cmdMulti},
		{name: "exec", arity: 1, flags: flagLoading | flagStale | flagTxControl, group: g, summary: "Executes all commands in a transaction.", run: cmdExec},
		{name: "discard", arity: 1, flags: ctl, group: g, summary: "Discards a transaction.", run: cmdDiscard},
		{name: "watch", arity: -2, flags: ctl, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Monitors changes to keys to determine the execution of a transaction.", run: cmdWatch},
		{name: "unwatch", arity: 1, flags: flagFast | flagLoading | flagStale, group: g, summary: "Forgets about watched keys of a transaction.", run: cmdUnwatch},
		{name: "reset", arity: 1, flags: flagFast | flagNoAuth | flagLoading | flagStale | flagTxControl, group: "connection", summary: "Resets the connection.", run: cmdReset},
	}
}

// multiState is a connection's open transaction.
type multiState struct {
	queued [][][]byte // command lines, copied out of the read buffer
	bytes  int        // their argument bytes (CLIENT LIST multi-mem)
	dirty  bool       // a command was refused while queuing: EXEC answers EXECABORT
}

// multiCount is the number of queued commands, -1 outside MULTI (CLIENT LIST's multi field).
func (c *Conn) multiCount() int {
	if c.multi == nil {
		return -1
	}
	return len(c.multi.queued)
}

// refuse answers a command that was not run (cmd nil: unknown); inside MULTI it also dooms the
// transaction. A refused EXEC discards the transaction (if any) and the watches at once and says
// so, inside MULTI or not, as Redis's execCommandAbort.
func (c *Conn) refuse(cmd *command, reply string) {
	switch {
	case cmd != nil && cmd.name == "exec":
		c.multi = nil
		c.unwatch()
		c.w.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(reply, "ERR "))
		return
	case c.multi != nil:
		c.multi.dirty = true
	}
	c.w.Error(reply)
}

// queue adds a command to the open transaction.
func (c *Conn) queue(cmd *command, args [][]byte) {
	if cmd.flags&flagNoMulti != 0 {
		c.refuse(cmd, "ERR Command not allowed inside a transaction")
		return
	}
	if reply := checkSubcommand(cmd, args); reply != "" {
		c.refuse(cmd, reply)
		return
	}
	line := make([][]byte, len(args))
	for i, a := range args {
		line[i] = bytes.Clone(a)
		c.multi.bytes += len(a)
	}
	c.multi.queued = append(c.multi.queued, line)
	c.w.Status("QUEUED")
}

func cmdMulti(c *Conn, _ [][]byte) {
	if c.multi != nil {
		c.w.Error("ERR MULTI calls can not be nested")
		return
	}
	c.multi = &multiState{}
	c.w.OK()
}

func cmdDiscard(c *Conn, _ [][]byte) {
	if c.multi == nil {
		c.w.Error("ERR DISCARD without MULTI")
		return
	}
	c.multi = nil
	c.unwatch()
	c.w.OK()
}

func cmdUnwatch(c *Conn, _ [][]byte) {
	c.unwatch()
	c.w.OK()
}

// watchRegistry is what a node offers WATCH (raftfsm.Node): a registered key's changes by FLUSHDB,
// FLUSHALL and SWAPDB are recorded exactly, as Redis does, instead of estimated at EXEC.
type watchRegistry interface {
	RegisterWatch(db int, key []byte)
	UnregisterWatch(db int, key []byte)
}

// unwatch forgets the connection's watched keys.
func (c *Conn) unwatch() {
	w := c.watch
	c.watch = nil
	if w == nil || !w.Registered {
		return
	}
	if reg, ok := c.srv.proposer.(watchRegistry); ok {
		for _, k := range w.Keys {
			reg.UnregisterWatch(k.DB, k.Key)
		}
	}
}

// cmdReset is RESET: the connection as new, except its id and its place in the server.
func cmdReset(c *Conn, _ [][]byte) {
	c.multi = nil
	c.unwatch()
	c.db = 0
	c.setName("")
	c.noEvict.Store(false) // RESET clears CLIENT NO-EVICT and NO-TOUCH, not the library (7.2)
	c.noTouch.Store(false)
	c.w.SetProtocol(2)
	c.authed = !c.srv.authRequired()
	c.rd.SetAuthenticated(c.authed)
	c.w.Status("RESET")
}

// cmdWatch records each key with the engine's applied index and what it looks like now; EXEC fails
// if one changes after that (raftfsm's watch tracker knows).
func cmdWatch(c *Conn, args [][]byte) {
	if c.multi != nil {
		c.w.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	// What WATCH records is a read: at the connection's consistency, so that a follower that has not
	// yet applied a write acknowledged before WATCH does not make EXEC fail for it (consistency.go).
	if !c.readBarrier() {
		return
	}
	reg, registry := c.srv.proposer.(watchRegistry)
	if c.watch == nil {
		c.watch = &raftfsm.Watch{Registered: registry}
	}
	var added [][]byte
	for _, key := range args[1:] {
		if !c.watching(key) && !slices.ContainsFunc(added, func(k []byte) bool { return bytes.Equal(k, key) }) {
			added = append(added, key)
		}
	}
	if registry {
		for _, key := range added { // before the applied index is read: no flush or swap slips by
			reg.RegisterWatch(c.db, key)
		}
	}
	index := c.srv.db.Applied() // read before the keys: a change in between aborts, never slips by
	kept := 0
	err := c.view(func(tx *engine.Tx) error {
		for _, key := range added {
			wk := raftfsm.WatchKey{DB: c.db, Key: bytes.Clone(key), Index: index}
			at, err := tx.ExpireAt(c.db, key)
			switch {
			case err == nil:
				wk.Existed, wk.ExpireAt = true, at
			case !errors.Is(err, engine.ErrNotFound):
				return err
			}
			c.watch.Keys = append(c.watch.Keys, wk)
			kept++
		}
		return nil
	})
	if err != nil {
		if registry {
			for _, key := range added[kept:] {
				reg.UnregisterWatch(c.db, key)
			}
		}
		c.w.Error(errorText(err))
		return
	}
	c.w.OK()
}

func (c *Conn) watching(key []byte) bool {
	for _, k := range c.watch.Keys {
		if k.DB == c.db && bytes.Equal(k.Key, key) {
			return true
		}
	}
	return false
}

// txStep is how EXEC answers one queued command.
type txStep struct {
	cmd    *command
	args   [][]byte
	result int    // index of its Raft command (write or read), -1 if it has none
	reply  []byte // its reply, when already known (SELECT, a refused write)
}

func cmdExec(c *Conn, _ [][]byte) {
	if c.multi == nil {
		c.w.Error("ERR EXEC without MULTI")
		return
	}
	m, watch := c.multi, c.watch
	c.multi = nil
	defer c.unwatch() // EXEC always ends the transaction and unwatches, once the watch is checked
	if m.dirty {
		c.w.Error("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	db := c.db
	steps, cmds := c.planTransaction(m.queued)
	var results []raftfsm.Result
	if len(cmds) > 0 || watch != nil {
		var err error
		results, err = c.srv.proposer.ProposeWatched(c.now(), watch, cmds)
		if err != nil {
			c.db = db // a SELECT of a transaction that did not run did not happen
			if errors.Is(err, raftfsm.ErrWatchChanged) {
				c.w.NullArray()
			} else {
				c.w.Error(errorText(err))
			}
			return
		}
	}
	c.w.Array(len(steps))
	for _, s := range steps {
		start, n := monotime(), c.w.Len()
		switch {
		case s.reply != nil:
			c.w.Raw(s.reply)
		case s.result >= 0:
			c.writeResult(results[s.result])
		default:
			s.cmd.run(c, s.args)
		}
		// INFO commandstats counts each queued command as a call of its own, as Redis does.
		s.cmd.stats.record(monotime()-start, c.w.Len() > n && c.w.Bytes()[n] == '-')
	}
}

// planTransaction walks the queue in order: SELECT changes the database of the commands after it,
// writes are prepared, reads become OpRead; it returns each command's step and the Raft commands.
func (c *Conn) planTransaction(queued [][][]byte) ([]txStep, []raftfsm.Command) {
	steps := make([]txStep, len(queued))
	var cmds []raftfsm.Command
	for i, args := range queued {
		cmd := c.srv.commands.resolve(args) // a subcommand's own entry (queue refused unknown ones)
		steps[i] = txStep{cmd: cmd, args: args, result: -1}
		switch {
		case cmd.name == "select":
			steps[i].reply = c.capture(func() { cmd.run(c, args) })
		case cmd.prepare != nil:
			rc, errReply := cmd.prepare(c, args)
			if errReply != "" {
				steps[i].reply = c.capture(func() { c.w.Error(errReply) })
				continue
			}
			steps[i].result = len(cmds)
			cmds = append(cmds, rc)
		case readsData(cmd):
			steps[i].result = len(cmds)
			cmds = append(cmds, raftfsm.ReadCommand(c.db, c.w.Protocol(), args))
		}
	}
	return steps, cmds
}

// readsData reports whether a command reads the keyspace, and so must run inside the entry.
func readsData(cmd *command) bool {
	return cmd.flags&flagReadOnly != 0 || cmd.firstKey > 0 || cmd.name == "object"
}

// capture returns what fn writes to the connection's reply buffer, taking it back out.
func (c *Conn) capture(fn func()) []byte {
	n := c.w.Len()
	fn()
	out := bytes.Clone(c.w.Bytes()[n:])
	c.w.Truncate(n)
	return out
}

// execRead is the raftfsm.ReadFunc: it runs a queued read inside the transaction's engine Tx, on the
// FSM goroutine, and returns its reply.
func (s *Server) execRead(tx *engine.Tx, db, proto int, args [][]byte) (reply []byte) {
	c := &Conn{srv: s, db: db, authed: true, execTx: tx}
	c.w.SetProtocol(proto)
	defer func() {
		// A bug in a read must not stop the state machine: answer it with an error.
		if r := recover(); r != nil {
			s.cfg.Logger.Error("read inside a transaction panicked", "command", string(args[0]), "panic", r)
			c.w.Reset()
			c.w.Error(fmt.Sprintf("ERR internal error running '%s'", sanitize(string(args[0]))))
			reply = bytes.Clone(c.w.Bytes())
		}
	}()
	cmd := s.commands.resolve(args)
	if cmd == nil || cmd == unknownSubcommand || cmd.run == nil || !cmd.arityOK(len(args)) {
		c.w.Error(errUnknownCommand(args))
	} else {
		tx.CountLookups(true) // keyspace hits and misses, as for a read outside MULTI
		defer tx.CountLookups(false)
		cmd.run(c, args)
	}
	return bytes.Clone(c.w.Bytes())
}

// checkSubcommand returns Redis's refusal of an unknown subcommand of a container command, which
// Redis looks up before it queues it: it aborts the transaction. (The dispatcher resolved the
// subcommand, and checked its arity as it checks every command's.)
func checkSubcommand(cmd *command, args [][]byte) string {
	if cmd == unknownSubcommand {
		return errUnknownSubcommand(args[1], lower(args[0]))
	}
	return ""
}
