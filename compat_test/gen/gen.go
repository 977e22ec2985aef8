// Package gen generates seeded random command sequences for the differential test, which sends
// them to redis-server and to flin-resp and compares the replies.
//
// The generator is a table of commands (Table), one entry per command or subcommand, grouped by
// family. Each entry builds random arguments from a small shared key space (a few dozen keys, so
// that commands collide on the same keys, often with the wrong type) and a small value space
// (integers, floats, empty strings, binary bytes, long values), and sometimes builds invalid
// arguments on purpose. On top of that, Next mutates a few commands at random (wrong arity, bad
// numbers) and sends the odd unknown command. A family is added by appending entries to Table.
//
// Times are chosen so that nothing expires while a run lasts: relative expiries are at least
// 1000 seconds, absolute ones are either in the past (the key is deleted at once, on both
// servers alike) or after the year 2100. Offsets that would make Redis allocate hundreds of
// megabytes are never generated: they are either small or beyond Redis's limits.
package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Reply says how the replies of the two servers to a command are compared. Exact is the default;
// every other kind is a documented exception that the differential test normalises (its table of
// exceptions gives the reason for each).
type Reply int

const (
	Exact        Reply = iota // byte for byte
	Multiset                  // the elements of an aggregate in any order (SMEMBERS, KEYS)
	PairMultiset              // the pairs of a map, a flat array of pairs or (RESP3) an array of pairs, in any order (HGETALL)
	ScanReply                 // [cursor, keys]: the cursor is not compared, keys in any order
	ScanPairs                 // [cursor, pairs] of HSCAN and ZSCAN: the cursor is not compared, pairs in any order
	NearSeconds               // an integer number of seconds, within a tolerance (TTL)
	NearMillis                // an integer number of milliseconds, within a tolerance (PTTL)
	AnyInt                    // any integer (CLIENT ID, OBJECT IDLETIME)
	HelloReply                // HELLO's map, but for the server version and connection id
	InfoKeyspace              // INFO keyspace text without avg_ttl
	RandomPick                // nil or some key or member (RANDOMKEY, SRANDMEMBER without a count)
)

// Cmd is an entry of the command table.
type Cmd struct {
	// Name is the command, and its subcommand if the entry is for one, in upper case ("GET",
	// "OBJECT ENCODING"). The first word is what the server is asked about with COMMAND INFO.
	Name   string
	Family string
	// Weight is how often the entry is picked relative to the other entries (DefaultWeight if 0).
	Weight int
	// Rare, when not 0, is the probability that any one command is this entry, whatever the rest
	// of the table: for commands that destroy much state (FLUSHALL, SWAPDB).
	Rare  float64
	Reply Reply
	// NoMutate keeps Next from mutating the arguments: for commands whose comparison relies on
	// the form of the arguments (SCAN from cursor 0, INFO keyspace).
	NoMutate bool
	// Args returns the arguments that follow the words of Name.
	Args func(g *G) []string
}

// DefaultWeight is the Weight of an entry that does not set one.
const DefaultWeight = 10

// Command returns the name of the command as COMMAND INFO knows it: the first word of Name.
func (c *Cmd) Command() string {
	name, _, _ := strings.Cut(c.Name, " ")
	return name
}

// Table returns every command the generator knows, family by family.
func Table() []Cmd {
	var t []Cmd
	for _, f := range [][]Cmd{
		connectionCmds(), serverCmds(), stringCmds(), keyspaceCmds(), txCmds(),
		hashCmds(), listCmds(), setCmds(), zsetCmds(),
	} {
		t = append(t, f...)
	}
	return t
}

// Command is one generated command.
type Command struct {
	Args    []string
	Cmd     *Cmd // the entry it came from; nil for an unknown command
	Mutated bool // Next changed the arguments the entry built
	InMulti bool // the connection was probably inside MULTI when the command was built
}

// Reply returns how the replies to c are compared.
func (c Command) Reply() Reply {
	if c.Cmd == nil {
		return Exact
	}
	return c.Cmd.Reply
}

// Options configure a generator.
type Options struct {
	Seed  uint64
	Proto int // the protocol of the run, 2 or 3; HELLO is only sent with this version
	Conns int // number of connections commands are generated for
	// MutateRate is the probability that Next mutates the arguments of a command (default 0.03).
	MutateRate float64
	// Skip, if set, is asked about every command built; a command it returns true for is
	// dropped and another one is built in its place (for a list of known differences).
	Skip func(c Command) bool
}

// G generates commands. It is not safe for concurrent use.
type G struct {
	r      *rand.Rand
	opt    Options
	normal []*Cmd
	cum    []int // cumulative weights of normal
	rare   []*Cmd
	multi  []bool // whether each connection is probably inside MULTI
	conn   int
	long   []string
	// Skipped counts the commands Options.Skip dropped.
	Skipped int
}

// New returns a generator of commands from the given entries (usually those of Table the
// server supports).
func New(opt Options, cmds []*Cmd) *G {
	if opt.MutateRate == 0 {
		opt.MutateRate = 0.03
	}
	if opt.Conns < 1 {
		opt.Conns = 1
	}
	g := &G{
		r:     rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		opt:   opt,
		multi: make([]bool, opt.Conns),
	}
	total := 0
	for _, c := range cmds {
		if c.Rare > 0 {
			g.rare = append(g.rare, c)
			continue
		}
		w := c.Weight
		if w == 0 {
			w = DefaultWeight
		}
		total += w
		g.normal = append(g.normal, c)
		g.cum = append(g.cum, total)
	}
	// Long values, the same for a given seed.
	for _, n := range []int{65, 200, 512} {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[g.r.IntN(36)]
		}
		g.long = append(g.long, string(b))
	}
	return g
}

// Conn returns the connection the command being built is for.
func (g *G) Conn() int { return g.conn }

// Proto returns the protocol version of the run.
func (g *G) Proto() int { return g.opt.Proto }

// InMulti reports whether the connection the command is built for is probably inside MULTI
// (the generator only sees what it sent, not the replies).
func (g *G) InMulti() bool { return g.multi[g.conn] }

// Next returns a random command for connection conn.
func (g *G) Next(conn int) Command {
	g.conn = conn
	for tries := 0; ; tries++ {
		c := g.next()
		c.InMulti = g.multi[conn]
		if g.opt.Skip != nil && g.opt.Skip(c) && tries < 1000 {
			g.Skipped++
			continue
		}
		g.track(c)
		return c
	}
}

func (g *G) next() Command {
	// A connection inside MULTI ends it after a few commands, so that transactions stay short.
	if g.multi[g.conn] && g.OneIn(6) {
		name := "EXEC"
		if g.OneIn(5) {
			name = "DISCARD"
		}
		if c := g.find(name); c != nil {
			return g.build(c)
		}
	}
	if g.Chance(0.002) {
		return Command{Args: g.unknownCommand()}
	}
	u := g.r.Float64()
	for _, c := range g.rare {
		if u < c.Rare {
			return g.build(c)
		}
		u -= c.Rare
	}
	if len(g.normal) == 0 {
		return Command{Args: []string{"PING"}}
	}
	w := g.r.IntN(g.cum[len(g.cum)-1])
	lo, hi := 0, len(g.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if g.cum[mid] > w {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	c := g.build(g.normal[lo])
	if !c.Cmd.NoMutate && g.Chance(g.opt.MutateRate) {
		c.Args = g.mutate(c.Args, len(strings.Fields(c.Cmd.Name)))
		c.Mutated = true
	}
	return c
}

func (g *G) find(name string) *Cmd {
	for _, c := range g.normal {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (g *G) build(c *Cmd) Command {
	args := strings.Fields(c.Name)
	if g.OneIn(20) {
		args[0] = randomCase(g, args[0])
	}
	if c.Args != nil {
		args = append(args, c.Args(g)...)
	}
	return Command{Args: args, Cmd: c}
}

// track follows MULTI, EXEC and DISCARD as sent, for InMulti.
func (g *G) track(c Command) {
	if len(c.Args) == 0 {
		return
	}
	switch strings.ToUpper(c.Args[0]) {
	case "MULTI":
		g.multi[g.conn] = true
	case "EXEC", "DISCARD":
		g.multi[g.conn] = false
	}
}

func randomCase(g *G, s string) string {
	b := []byte(s)
	for i, c := range b {
		if g.OneIn(2) {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
	}
	return string(b)
}

func (g *G) unknownCommand() []string {
	name := g.Pick("NOSUCHCMD", "nosuch", "GETT", "SETX", "", "foo bar", "X\x00Y")
	args := []string{name}
	for range g.IntN(3) {
		args = append(args, g.Value())
	}
	return args
}

// badValues replace an argument when a command is mutated. None is a small positive integer, so
// that a mutated expiry can never be short enough to expire during the run, and none is a
// mid-sized offset that would make Redis allocate much memory.
var badValues = []string{
	"", "x", "1.5", "-1", "0", "abc", "9223372036854775807", "-9223372036854775808",
	"9223372036854775808", "99999999999999999999", "nan", "inf", "-inf", "1e3", " 1", "0x10",
	"\x00\xff", "4294967296", "536870912",
}

// mutate changes args at random: drops or adds arguments, or replaces one with a bad value. The
// first fixed words (the command and subcommand) are kept.
func (g *G) mutate(args []string, fixed int) []string {
	out := append([]string(nil), args...)
	switch n := g.IntN(4); {
	case n == 0 && len(out) > 1: // too few arguments
		out = out[:1+g.IntN(len(out)-1)]
	case n == 1 || len(out) <= fixed: // one too many
		out = append(out, g.badValueAfter(out[len(out)-1]))
	default: // a bad value
		i := fixed + g.IntN(len(out)-fixed)
		out[i] = g.badValueAfter(out[i-1])
	}
	return out
}

// badValueAfter returns a bad value for the argument after prev. Small numbers are times in 1970:
// after EXAT or PXAT, Redis 7.0 keeps a key SET with one until its expiry cycle finds it (see
// UnixSeconds), so they are not used there.
func (g *G) badValueAfter(prev string) string {
	if isAbsoluteExpiry(prev) {
		return g.Pick("x", "", "1.5", "-1", "0")
	}
	return g.Pick(badValues...)
}

func isAbsoluteExpiry(arg string) bool {
	return strings.EqualFold(arg, "EXAT") || strings.EqualFold(arg, "PXAT")
}

// Random helpers for the entries.

// IntN returns a random integer in [0, n).
func (g *G) IntN(n int) int { return g.r.IntN(n) }

// Between returns a random integer in [lo, hi].
func (g *G) Between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// Chance returns true with probability p.
func (g *G) Chance(p float64) bool { return g.r.Float64() < p }

// OneIn returns true with probability 1/n.
func (g *G) OneIn(n int) bool { return g.r.IntN(n) == 0 }

// Pick returns one of xs.
func (g *G) Pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// Itoa formats an int.
func Itoa(n int) string { return strconv.Itoa(n) }
