package resp

import (
	"sort"
	"strings"
	"sync/atomic"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// flag is a command property, named as in Redis's command table.
type flag uint16

const (
	flagWrite    flag = 1 << iota // may modify data; goes through Raft
	flagReadOnly                  // reads data only
	flagFast                      // O(1) or O(log N)
	flagNoAuth                    // allowed before authentication
	flagAdmin
	flagLoading // allowed while loading
	flagStale
	flagBlocking // may block the client (blocking.go)
	flagNoMulti  // refused inside MULTI (Redis's no-multi)
	// flagTxControl: runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD,
	// WATCH, QUIT, RESET).
	flagTxControl
)

var flagNames = []struct {
	f    flag
	name string
}{
	{flagWrite, "write"}, {flagReadOnly, "readonly"}, {flagFast, "fast"}, {flagNoAuth, "no_auth"},
	{flagAdmin, "admin"}, {flagLoading, "loading"}, {flagStale, "stale"}, {flagBlocking, "blocking"},
	{flagNoMulti, "no_multi"},
}

// runFunc executes a command that does not write: it replies through c's writer.
type runFunc func(c *Conn, args [][]byte)

// prepareFunc turns a write command into the Raft command that performs it, or returns the error
// reply (non-empty) when the arguments are bad. Replies come from the applied Result.
type prepareFunc func(c *Conn, args [][]byte) (cmd raftfsm.Command, errReply string)

// command is an entry of the command table, modelled on Redis's: arity counts the command name;
// negative means "at least". Key positions are 1-based; lastKey -1 means the last argument.
type command struct {
	name                    string
	arity                   int
	flags                   flag
	firstKey, lastKey, step int
	group, summary          string
	run                     runFunc
	prepare                 prepareFunc
	// block, for blocking commands (BLPOP...), parses the arguments for a wait (blocking.go);
	// prepare is then the command's non-blocking form, as it runs inside MULTI.
	block blockFunc

	// subs are a container command's subcommands (CLIENT LIST, CONFIG GET...) by lowercase name,
	// each an entry of its own named "client|list" as in Redis (subcommands.go).
	subs map[string]*command
	// keySpecs are Redis's key specifications of the command (keyspecs.go), for COMMAND INFO and
	// COMMAND GETKEYS; getKeys, for commands whose keys move (ZUNIONSTORE's numkeys), is what
	// Redis falls back to when the specs do not fit the arguments.
	keySpecs []keySpec
	getKeys  func(args [][]byte) []int

	stats cmdStats // INFO commandstats (stats.go)
}

// cmdStats are a command's counters for INFO commandstats, updated with atomics by every
// connection (no lock on the command path).
type cmdStats struct {
	calls    atomic.Int64
	nanos    atomic.Int64
	rejected atomic.Int64 // refused before it ran (arity, authentication)
	failed   atomic.Int64 // ran and answered an error
}

// commandTable is the set of commands a server answers, keyed by lowercase name.
type commandTable map[string]*command

func newCommandTable() commandTable {
	t := commandTable{}
	for _, group := range [][]*command{connectionCommands(), serverCommands(), stringCommands(), keyCommands(), hashCommands(), setCommands(), listCommands(), zsetCommands(), transactionCommands(), clusterCommands()} {
		for _, c := range group {
			t[c.name] = c
		}
	}
	t["debug"] = debugCommand() // DEBUG DIGEST, for comparing replicas (cmd_debug.go)
	t.attachSubcommands()
	t.attachKeySpecs()
	return t
}

// lookup finds a command by name in any case without allocating.
func (t commandTable) lookup(name []byte) *command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return t[string(buf[:len(name)])]
}

// resolve returns the entry that runs args: the command, or for a container command called with a
// subcommand (CLIENT LIST) the subcommand's entry, or unknownSubcommand when the container does not
// have it (which answers Redis's error). nil when there is no such command. As in Redis, a
// container called without a subcommand is its own entry, and fails its arity check.
func (t commandTable) resolve(args [][]byte) *command {
	cmd := t.lookup(args[0])
	if cmd == nil || cmd.subs == nil || len(args) < 2 {
		return cmd
	}
	if sub := cmd.subs[lower(args[1])]; sub != nil {
		return sub
	}
	return unknownSubcommand
}

// arityOK reports whether argc (command name included) fits the arity.
func (c *command) arityOK(argc int) bool {
	if c.arity >= 0 {
		return argc == c.arity
	}
	return argc >= -c.arity
}

func (c *command) flagList() []string {
	var out []string
	for _, fn := range flagNames {
		if c.flags&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// sorted returns the commands in name order.
func (t commandTable) sorted() []*command {
	out := make([]*command, 0, len(t))
	for _, c := range t {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// equalFold compares an argument with a lowercase keyword.
func equalFold(arg []byte, lower string) bool {
	return len(arg) == len(lower) && strings.EqualFold(string(arg), lower)
}
