package compat_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/gen"
	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// The differential test sends the same seeded random command sequences (compat_test/gen) to a
// real redis-server and to flin-resp, over several connections, pipelined in batches of random
// size, and requires the same reply bytes from both: once in RESP2 and once after HELLO 3.
// Commands flin-resp does not have yet (COMMAND INFO answers nil) are not generated, so the test
// grows as commands land.
//
//	FLIN_DIFF_SEED=n      replay the run of seed n (a failure prints it); random by default
//	FLIN_DIFF_COMMANDS=n  commands per protocol (default 10000, 2000 with -short)
//
// The replies must be identical but for the documented exceptions of diffExceptions.

// diffConns is the number of connections a run spreads its commands over. Each has its own
// selected database, name, protocol state, transaction and watched keys.
const diffConns = 4

// diffException is a documented difference between the replies of two servers that is not a
// difference in behaviour. agree says whether two replies are the same but for it.
type diffException struct {
	reason string
	agree  func(r, f respValue) bool
}

// diffExceptions is the one table of the differences the comparator tolerates, by the reply
// kind each command has in the generator's table (gen.Table). Every other reply, and an error
// reply whatever the kind, must be identical byte for byte.
var diffExceptions = map[gen.Reply]diffException{
	gen.Multiset: {
		"Redis lists set members, hash fields and values and KEYS in the order of its hash tables, " +
			"which are seeded at random per process, or of its compact encodings: only the elements count " +
			"(SMEMBERS SINTER SUNION SDIFF HKEYS HVALS KEYS)",
		diffSameAfter(diffSortedElems),
	},
	gen.PairMultiset: {
		"the same for pairs: HGETALL's fields and values, CONFIG GET's parameters and values, and the " +
			"WITHVALUES and WITHSCORES forms of HRANDFIELD and ZRANDMEMBER",
		diffSameAfter(diffSortedPairs),
	},
	gen.ScanReply: {
		"a SCAN cursor encodes a position in each server's own hash table. The generator always starts " +
			"at 0 with a COUNT above the size of the key space (or of the collection, for SSCAN), so one " +
			"call returns every matching key, in hash-table order: the cursor is not compared and the keys " +
			"are compared in any order",
		diffSameAfter(diffScanKeys(diffSortedElems)),
	},
	gen.ScanPairs: {
		"the same for the field-value and member-score pairs of HSCAN and ZSCAN",
		diffSameAfter(diffScanKeys(diffSortedPairs)),
	},
	gen.NearSeconds: {
		"TTL and EXPIRETIME are computed from each server's clock at slightly different moments: a " +
			"positive number of seconds may differ by 2 (-1 and -2 must be exact)",
		diffNearInts(2),
	},
	gen.NearMillis: {
		"the same for PTTL and PEXPIRETIME, in milliseconds: a positive value may differ by 2000",
		diffNearInts(2000),
	},
	gen.AnyInt: {
		"CLIENT ID numbers the connections of each process; OBJECT IDLETIME depends on when each " +
			"server last touched the key: any integer will do",
		func(r, f respValue) bool { return r.Type == ':' && f.Type == ':' || r.String() == f.String() },
	},
	gen.HelloReply: {
		"HELLO reports each server's version and the connection's id",
		diffSameAfter(func(v respValue) respValue { return withPairValues(v, "version", "id") }),
	},
	gen.InfoKeyspace: {
		"INFO keyspace's avg_ttl is an estimate Redis makes from samples and updates in the background",
		diffSameAfter(diffWithoutAvgTTL),
	},
	gen.RandomPick: {
		"RANDOMKEY, and SRANDMEMBER, HRANDFIELD and ZRANDMEMBER without a count, pick at random: only " +
			"whether there is something to pick is compared. (With a count the generator asks for all.)",
		diffSameAfter(func(v respValue) respValue {
			if v.Type == '$' && !v.Null {
				return respValue{Type: '?', Text: "<some key>"}
			}
			return v
		}),
	},
}

// diffKnownDifferences lists differences this test has found in commands flin-resp has and that
// are not fixed yet: a generated command that matches one is not sent (the run logs how many
// were dropped). Whoever fixes one removes its entry. It should be empty.
var diffKnownDifferences = []struct {
	note  string
	match func(c gen.Command) bool
}{
	{
		"INFO inside MULTI: flin-resp answers it once the transaction is applied, so its keyspace " +
			"counts include the writes queued after it; Redis answers it in its place",
		func(c gen.Command) bool { return c.InMulti && diffIs(c, "INFO") },
	},
	{
		"OBJECT ENCODING: flin-resp derives the encoding from the value as it is now; Redis's depends on " +
			"history. A string written by APPEND, SETRANGE, SETBIT, BITOP or BITFIELD is \"raw\" whatever its " +
			"length (flin-resp: embstr or int), INCRBYFLOAT's result is \"embstr\" even when it looks like an " +
			"integer (flin-resp: int), and a hash or set that became hashtable (a value over 64 bytes, a " +
			"member that is not an integer) stays hashtable after that field or member is removed or " +
			"overwritten (flin-resp: listpack, intset)",
		func(c gen.Command) bool {
			return diffIs(c, "OBJECT") && len(c.Args) > 1 && strings.EqualFold(c.Args[1], "ENCODING")
		},
	},
	{
		"a score of -0 in a sorted set: Redis keeps it as -0 while the set is skiplist-encoded (a member " +
			"over 64 bytes or more than 128 members) and prints \"-0\" (ZSCORE, ZRANGE WITHSCORES, ZUNION...), " +
			"while flin-resp prints 0. Not sent: the writes that can store -0 (a score or increment of -0, " +
			"ZUNIONSTORE/ZINTERSTORE with a weight of 0 or below)",
		func(c gen.Command) bool {
			switch {
			case diffIs(c, "ZADD"), diffIs(c, "ZINCRBY"):
				return slices.Contains(c.Args, "-0")
			case diffIs(c, "ZUNIONSTORE"), diffIs(c, "ZINTERSTORE"):
				for i, a := range c.Args {
					if strings.EqualFold(a, "WEIGHTS") {
						for _, w := range c.Args[i+1:] {
							if f, err := strconv.ParseFloat(w, 64); err == nil && f <= 0 {
								return true
							}
						}
					}
				}
			}
			return false
		},
	},
	{
		"ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE with invalid options after a write to a source key in the " +
			"same pipeline: Redis checks the types of the source keys first, then the options; flin-resp does " +
			"the same but reads the keys as they were before the pipelined writes were applied. After " +
			"\"DEL z0\" (z0 a string), \"ZINTERSTORE d 1 z0 WEIGHTS 1 2\" gets WRONGTYPE instead of \"ERR syntax " +
			"error\"; after \"COPY n1 z0\" (n1 a string), the reverse. Not sent: those commands with invalid options",
		func(c gen.Command) bool {
			return (diffIs(c, "ZUNIONSTORE") || diffIs(c, "ZINTERSTORE") || diffIs(c, "ZDIFFSTORE")) && diffZStoreBadOptions(c.Args)
		},
	},
}

// diffZStoreBadOptions reports whether the options after the keys of a ZUNIONSTORE, ZINTERSTORE
// or ZDIFFSTORE (args, name included) are invalid.
func diffZStoreBadOptions(args []string) bool {
	if len(args) < 3 {
		return false
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 1 || n > len(args)-3 {
		return false // refused before the keys are looked at
	}
	diff := strings.EqualFold(args[0], "ZDIFFSTORE")
	opts := args[3+n:]
	for i := 0; i < len(opts); i++ {
		switch {
		case !diff && strings.EqualFold(opts[i], "WEIGHTS") && i+n < len(opts):
			for _, w := range opts[i+1 : i+1+n] {
				if f, err := strconv.ParseFloat(w, 64); err != nil || math.IsNaN(f) {
					return true
				}
			}
			i += n
		case !diff && strings.EqualFold(opts[i], "AGGREGATE") && i+1 < len(opts) &&
			slices.Contains([]string{"SUM", "MIN", "MAX"}, strings.ToUpper(opts[i+1])):
			i++
		default:
			return true
		}
	}
	return false
}

// TestDiffKnownDifferencesDropOnlyWhatTheyDescribe checks the matchers of diffKnownDifferences,
// which decide what the differential test leaves out.
func TestDiffKnownDifferencesDropOnlyWhatTheyDescribe(t *testing.T) {
	t.Parallel()
	known := &gen.Cmd{Name: "X"}
	for _, tc := range []struct {
		args    []string
		unknown bool
		dropped bool
	}{
		{[]string{"GET", "\x00"}, false, false},
		{[]string{"NOSUCH", "a\x00b"}, true, false},
		{[]string{"SELECT", "2147483648"}, false, false},
		{[]string{"OBJECT", "encoding", "k"}, false, true},
		{[]string{"OBJECT", "FREQ", "k"}, false, false},
		{[]string{"ZADD", "z", "-0", "m"}, false, true},
		{[]string{"ZADD", "z", "0", "m"}, false, false},
		{[]string{"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "0"}, false, true},
		{[]string{"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2", "AGGREGATE", "max"}, false, false},
		{[]string{"ZINTERSTORE", "d", "1", "a", "WEIGHTS", "1", "1"}, false, true},
		{[]string{"ZINTERSTORE", "d", "1", "a", "AGGREGATE", "FOO"}, false, true},
		{[]string{"ZDIFFSTORE", "d", "1", "a", "WITHSCORES"}, false, true},
		{[]string{"ZDIFFSTORE", "d", "9223372036854775807", "a"}, false, false},
		{[]string{"ZUNION", "1", "a", "FOO"}, false, false},
	} {
		c := gen.Command{Args: tc.args, Cmd: known}
		if tc.unknown {
			c.Cmd = nil
		}
		dropped := false
		for _, k := range diffKnownDifferences {
			dropped = dropped || k.match(c)
		}
		if dropped != tc.dropped {
			t.Errorf("%q: dropped %v, want %v", tc.args, dropped, tc.dropped)
		}
	}
}

// diffIs reports whether c is the named command.
func diffIs(c gen.Command, name string) bool {
	return len(c.Args) > 0 && strings.EqualFold(c.Args[0], name)
}

func TestRandomCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	seed, n := diffSettings(t)
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			t.Parallel()
			rd := harness.StartRedis(t)
			fl := harness.Start(t, "")
			diffWaitWritable(t, fl.Addr)
			cmds := diffSupportedCmds(t, fl.Addr)
			diffRunAll(t, diffRun{
				seed: seed, proto: proto, commands: n, cmds: cmds,
				ref: rd.Addr, sut: fl.Addr, sutName: "flin-resp", knownDiffs: true,
				replay: fmt.Sprintf("FLIN_DIFF_SEED=%d go test ./compat_test -run 'TestRandomCommandsMatchRedis/%s$' -count=1 -v",
					seed, protoName(proto)),
			})
		})
	}
}

// TestRandomCommandsAgreeBetweenTwoRedisServers runs the whole generator table against two
// redis-servers: it shows that the generator produces nothing whose reply depends on time or
// chance beyond what diffExceptions allows, so a difference with flin-resp is one of behaviour.
func TestRandomCommandsAgreeBetweenTwoRedisServers(t *testing.T) {
	t.Parallel()
	seed, n := diffSettings(t)
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			t.Parallel()
			a, b := harness.StartRedis(t), harness.StartRedis(t)
			table := gen.Table()
			cmds := make([]*gen.Cmd, len(table))
			for i := range table {
				cmds[i] = &table[i]
			}
			diffRunAll(t, diffRun{
				seed: seed, proto: proto, commands: n, cmds: cmds,
				ref: a.Addr, sut: b.Addr, sutName: "redis #2",
				replay: fmt.Sprintf("FLIN_DIFF_SEED=%d go test ./compat_test -run 'TestRandomCommandsAgreeBetweenTwoRedisServers/%s$' -count=1 -v",
					seed, protoName(proto)),
			})
		})
	}
}

// diffSettings returns the seed and the number of commands per run from the environment.
func diffSettings(t *testing.T) (uint64, int) {
	t.Helper()
	seed := rand.Uint64() >> 1
	if s := os.Getenv("FLIN_DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FLIN_DIFF_SEED=%q: %v", s, err)
		}
		seed = v
	}
	n := 10000
	if testing.Short() {
		n = 2000
	}
	if s := os.Getenv("FLIN_DIFF_COMMANDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("FLIN_DIFF_COMMANDS=%q: want a positive integer", s)
		}
		n = v
	}
	return seed, n
}

// diffWaitWritable polls flin-resp with FLUSHALL until it is accepted: a node takes writes once it
// has elected itself leader, a moment after it accepts connections.
func diffWaitWritable(t *testing.T, addr string) {
	t.Helper()
	c := dialRaw(t, addr)
	deadline := time.Now().Add(15 * time.Second)
	for {
		v := c.do("FLUSHALL")
		if v.String() == `+"OK"` {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("flin-resp refuses FLUSHALL after 15s: %s", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// diffSupportedCmds returns the entries of the generator table for the commands the server at addr
// knows (COMMAND INFO does not answer nil) and logs the others.
func diffSupportedCmds(t *testing.T, addr string) []*gen.Cmd {
	t.Helper()
	c := dialRaw(t, addr)
	known := map[string]bool{}
	table := gen.Table()
	var out []*gen.Cmd
	var skipped []string
	for i := range table {
		cmd := &table[i]
		name := cmd.Command()
		ok, asked := known[name]
		if !asked {
			v := c.do("COMMAND", "INFO", name)
			ok = len(v.Elems) == 1 && !v.Elems[0].Null && v.Elems[0].Type == '*'
			known[name] = ok
			if !ok {
				skipped = append(skipped, name)
			}
		}
		if ok {
			out = append(out, cmd)
		}
	}
	t.Logf("generating %d commands of the table; %d not known to the server, skipped: %s",
		len(out), len(skipped), strings.Join(skipped, " "))
	return out
}

type diffRun struct {
	seed              uint64
	proto             int
	commands          int
	cmds              []*gen.Cmd
	ref, sut, sutName string // reference server (Redis) and server under test
	replay            string
	knownDiffs        bool // leave out the commands of diffKnownDifferences
}

// diffPeer is one connection to one server.
type diffPeer struct {
	nc net.Conn
	br *bufio.Reader
}

// diffReply is a reply as sent and as decoded.
type diffReply struct {
	raw []byte
	v   respValue
}

// diffConnState is what the comparator follows of a connection, from Redis's replies.
type diffConnState struct {
	db      string
	inMulti bool
	queued  []gen.Command // commands queued in the transaction
}

// diffHistory is a command sent and Redis's reply, for failure messages.
type diffHistory struct {
	index, conn int
	db          string
	args        []string
	reply       string
}

// diffHistoryLen is how many commands a failure message may look back through.
const diffHistoryLen = 20000

// diffRelated returns the commands of h in database db that share an argument with args other
// than the name and short numbers (keys, mostly), and the commands that change several databases
// at once: at most max of them, the last ones.
func diffRelated(h []diffHistory, db string, args []string, max int) []diffHistory {
	words := map[string]bool{}
	for _, a := range args[min(1, len(args)):] {
		if _, err := strconv.Atoi(a); err != nil || len(a) > 3 {
			words[a] = true
		}
	}
	var out []diffHistory
	for i := len(h) - 1; i >= 0 && len(out) < max; i-- {
		switch strings.ToUpper(h[i].args[0]) {
		case "SWAPDB", "FLUSHALL", "MOVE", "COPY":
			if h[i].reply == `:"1"` || h[i].reply == `+"OK"` {
				out = append(out, h[i])
				continue
			}
		}
		if h[i].db != db {
			continue
		}
		for _, a := range h[i].args[1:] {
			if words[a] {
				out = append(out, h[i])
				break
			}
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func diffRunAll(t *testing.T, run diffRun) {
	for _, c := range run.cmds {
		if _, ok := diffExceptions[c.Reply]; c.Reply != gen.Exact && !ok {
			t.Fatalf("%s: reply kind %d has no entry in diffExceptions", c.Name, c.Reply)
		}
	}
	t.Logf("%s run of %d commands, seed %d; to replay: %s", protoName(run.proto), run.commands, run.seed, run.replay)
	start := time.Now()
	var ref, sut [diffConns]*diffPeer
	for i := range diffConns {
		ref[i], sut[i] = diffDialPeer(t, run.ref), diffDialPeer(t, run.sut)
	}
	dropped := make([]int, len(diffKnownDifferences))
	skip := func(c gen.Command) bool {
		if !run.knownDiffs {
			return false
		}
		for i, k := range diffKnownDifferences {
			if k.match(c) {
				dropped[i]++
				return true
			}
		}
		return false
	}
	g := gen.New(gen.Options{Seed: run.seed, Proto: run.proto, Conns: diffConns, Skip: skip}, run.cmds)
	batchRand := rand.New(rand.NewPCG(run.seed, 1))
	states := make([]diffConnState, diffConns)
	for i := range states {
		states[i].db = "0"
	}
	var history []diffHistory
	stats := map[string]*[2]int{} // sent, error replies from Redis
	sent, batches := 0, 0

	fail := func(idx, conn, batch int, cmd gen.Command, r, f diffReply, rs, fs string) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s run, seed %d: the replies differ at command #%d (connection %d, db %s as tracked, in a batch of %d",
			protoName(run.proto), run.seed, idx, conn, states[conn].db, batch)
		if states[conn].inMulti {
			b.WriteString(", inside MULTI")
		}
		b.WriteString(")\n")
		fmt.Fprintf(&b, "  command:   %s\n", diffQuoteArgs(cmd.Args))
		if cmd.Mutated {
			b.WriteString("             (its arguments were mutated at random)\n")
		}
		fmt.Fprintf(&b, "  redis:     %s\n             raw %s\n", diffClip(rs), diffClip(strconv.Quote(string(r.raw))))
		fmt.Fprintf(&b, "  %-10s %s\n             raw %s\n", run.sutName+":", diffClip(fs), diffClip(strconv.Quote(string(f.raw))))
		show := func(title string, hs []diffHistory) {
			if len(hs) == 0 {
				return
			}
			b.WriteString(title)
			for _, h := range hs {
				fmt.Fprintf(&b, "    #%d conn %d db %s: %s -> %s\n", h.index, h.conn, h.db,
					diffClip(diffQuoteArgs(h.args)), diffClip(h.reply))
			}
		}
		show("  earlier commands with an argument in common (keys, mostly), with Redis's replies:\n",
			diffRelated(history, states[conn].db, cmd.Args, 30))
		var own []diffHistory
		for _, h := range history {
			if h.conn == conn {
				own = append(own, h)
			}
		}
		show("  the last commands of its connection:\n", own[max(0, len(own)-15):])
		show("  the last commands before it, on all connections:\n", history[max(0, len(history)-10):])
		fmt.Fprintf(&b, "  replay: %s", run.replay)
		t.Fatal(b.String())
	}

	// A RESP3 run starts every connection with HELLO 3.
	if run.proto == 3 {
		for i := range diffConns {
			cmd := gen.Command{Args: []string{"HELLO", "3"}, Cmd: &gen.Cmd{Name: "HELLO", Reply: gen.HelloReply}}
			rr, fr := diffExchangeBoth(t, ref[i], sut[i], encodeCommand(cmd.Args...), 1, run.sutName)
			if ok, rs, fs := diffCompareReply(cmd, rr[0], fr[0], &states[i]); !ok {
				fail(-1, i, 1, cmd, rr[0], fr[0], rs, fs)
			}
		}
	}

	for sent < run.commands {
		conn := batchRand.IntN(diffConns)
		size := 1
		switch n := batchRand.IntN(20); {
		case n < 5:
		case n < 14:
			size = 2 + batchRand.IntN(9)
		default:
			size = 11 + batchRand.IntN(90)
		}
		size = min(size, run.commands-sent)
		cmds := make([]gen.Command, size)
		var req bytes.Buffer
		for i := range cmds {
			cmds[i] = g.Next(conn)
			req.Write(encodeCommand(cmds[i].Args...))
		}
		rr, fr := diffExchangeBoth(t, ref[conn], sut[conn], req.Bytes(), size, run.sutName)
		batches++
		for i, cmd := range cmds {
			idx := sent + i
			st := &states[conn]
			inMulti, db := st.inMulti, st.db
			ok, rs, fs := diffCompareReply(cmd, rr[i], fr[i], st)
			if !ok {
				st.inMulti, st.db = inMulti, db
				fail(idx, conn, size, cmd, rr[i], fr[i], rs, fs)
			}
			name := "(unknown command)"
			if cmd.Cmd != nil {
				name = cmd.Cmd.Name
			}
			s := stats[name]
			if s == nil {
				s = new([2]int)
				stats[name] = s
			}
			s[0]++
			if rr[i].v.isError() {
				s[1]++
			}
			history = append(history, diffHistory{idx, conn, db, cmd.Args, rr[i].v.String()})
			if len(history) >= 2*diffHistoryLen {
				history = append(history[:0], history[diffHistoryLen:]...)
			}
		}
		sent += size
	}
	elapsed := time.Since(start)

	names := make([]string, 0, len(stats))
	errs := 0
	for name, s := range stats {
		names = append(names, name)
		errs += s[1]
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, " %s:%d/%d", name, stats[name][0], stats[name][1])
	}
	t.Logf("%s, seed %d: %d commands (%d error replies) in %d batches over %d connections in %v, %d dropped as known differences",
		protoName(run.proto), run.seed, sent, errs, batches, diffConns, elapsed.Round(time.Millisecond), g.Skipped)
	t.Logf("commands sent/error replies:%s", b.String())
	for i, k := range diffKnownDifferences {
		if dropped[i] > 0 {
			t.Logf("not sent, %d commands: known difference: %s", dropped[i], k.note)
		}
	}
}

// diffCompareReply compares the replies of Redis (r) and of the server under test (f) to cmd, and
// follows the connection's transaction and database from Redis's reply.
func diffCompareReply(cmd gen.Command, r, f diffReply, st *diffConnState) (bool, string, string) {
	name := ""
	if len(cmd.Args) > 0 {
		name = strings.ToUpper(cmd.Args[0])
	}
	var ok bool
	switch {
	case st.inMulti && name == "EXEC":
		ok = diffAgreeExec(st.queued, r.v, f.v)
		// EXEC ends the transaction unless it was refused for its arity.
		if !(r.v.isError() && strings.HasPrefix(r.v.Text, "ERR wrong number")) {
			if !r.v.isError() {
				for i, q := range st.queued {
					if i < len(r.v.Elems) {
						diffFollowDB(st, q, r.v.Elems[i])
					}
				}
			}
			st.inMulti, st.queued = false, nil
		}
	case st.inMulti:
		ok = bytes.Equal(r.raw, f.raw)
		switch {
		case name == "DISCARD" && r.v.Type == '+':
			st.inMulti, st.queued = false, nil
		case r.v.Type == '+' && r.v.Text == "QUEUED":
			st.queued = append(st.queued, cmd)
		}
	default:
		ok = diffAgree(cmd.Reply(), r, f)
		if name == "MULTI" && r.v.Type == '+' {
			st.inMulti, st.queued = true, nil
		}
		diffFollowDB(st, cmd, r.v)
	}
	if ok {
		return true, "", ""
	}
	return false, r.v.String(), f.v.String()
}

func diffFollowDB(st *diffConnState, cmd gen.Command, reply respValue) {
	if len(cmd.Args) == 2 && strings.EqualFold(cmd.Args[0], "SELECT") && reply.Type == '+' {
		st.db = cmd.Args[1]
	}
}

// diffAgree compares two replies of the given kind: byte for byte, or as diffExceptions says.
func diffAgree(kind gen.Reply, r, f diffReply) bool {
	if bytes.Equal(r.raw, f.raw) {
		return true
	}
	return kind != gen.Exact && diffAgreeValues(kind, r.v, f.v)
}

func diffAgreeValues(kind gen.Reply, r, f respValue) bool {
	if kind == gen.Exact || r.isError() || f.isError() {
		return r.String() == f.String()
	}
	return diffExceptions[kind].agree(r, f)
}

// diffAgreeExec compares EXEC replies, each element as the kind of the command it answers.
func diffAgreeExec(queued []gen.Command, r, f respValue) bool {
	if r.Type != '*' || f.Type != '*' || r.Null || f.Null || len(r.Elems) != len(queued) || len(f.Elems) != len(queued) {
		return r.String() == f.String()
	}
	for i, q := range queued {
		if !diffAgreeValues(q.Reply(), r.Elems[i], f.Elems[i]) {
			return false
		}
	}
	return true
}

func diffSameAfter(norm func(respValue) respValue) func(r, f respValue) bool {
	return func(r, f respValue) bool { return norm(r).String() == norm(f).String() }
}

func diffSortedElems(v respValue) respValue {
	if v.Elems == nil {
		return v
	}
	out := v
	out.Elems = append([]respValue(nil), v.Elems...)
	sort.SliceStable(out.Elems, func(i, j int) bool { return out.Elems[i].String() < out.Elems[j].String() })
	return out
}

// diffSortedPairs orders the pairs of a map or flat array by key, or the elements of an array of
// pairs (RESP3's form of HRANDFIELD WITHVALUES).
func diffSortedPairs(v respValue) respValue {
	nested := len(v.Elems) > 0
	for _, e := range v.Elems {
		nested = nested && e.Elems != nil
	}
	if nested {
		return diffSortedElems(v)
	}
	return sortPairs(v)
}

// diffScanKeys returns a normaliser of [cursor, elements] that hides the cursor and orders the
// elements with sorted.
func diffScanKeys(sorted func(respValue) respValue) func(respValue) respValue {
	return func(v respValue) respValue {
		if v.Type != '*' || len(v.Elems) != 2 {
			return v
		}
		return respValue{Type: '*', Elems: []respValue{{Type: '?', Text: "<cursor>"}, sorted(v.Elems[1])}}
	}
}

func diffNearInts(tol int64) func(r, f respValue) bool {
	return func(r, f respValue) bool {
		if r.Type != ':' || f.Type != ':' {
			return r.String() == f.String()
		}
		ri, err1 := strconv.ParseInt(r.Text, 10, 64)
		fi, err2 := strconv.ParseInt(f.Text, 10, 64)
		if err1 != nil || err2 != nil || ri < 0 || fi < 0 {
			return r.Text == f.Text
		}
		return ri-fi <= tol && fi-ri <= tol
	}
}

var diffAvgTTLRE = regexp.MustCompile(`,avg_ttl=-?\d+`)

func diffWithoutAvgTTL(v respValue) respValue {
	if v.Type == '$' || v.Type == '=' {
		v.Text = diffAvgTTLRE.ReplaceAllString(v.Text, "")
	}
	return v
}

// diffExchangeBoth sends req to both servers at once and reads n replies from each.
func diffExchangeBoth(t *testing.T, ref, sut *diffPeer, req []byte, n int, sutName string) ([]diffReply, []diffReply) {
	t.Helper()
	var wg sync.WaitGroup
	var rr, fr []diffReply
	var rerr, ferr error
	wg.Add(2)
	go func() { defer wg.Done(); rr, rerr = ref.exchange(req, n) }()
	go func() { defer wg.Done(); fr, ferr = sut.exchange(req, n) }()
	wg.Wait()
	if rerr != nil {
		t.Fatalf("redis: %v", rerr)
	}
	if ferr != nil {
		// Show what was sent: the command that broke the connection is among them.
		t.Fatalf("%s: %v after %d of %d replies; the batch was %s", sutName, ferr, len(fr), n, diffClip(strconv.Quote(string(req))))
	}
	return rr, fr
}

func diffDialPeer(t *testing.T, addr string) *diffPeer {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &diffPeer{nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

// exchange writes req while it reads n replies, so that neither side can block the other
// however large the batch and its replies.
func (p *diffPeer) exchange(req []byte, n int) ([]diffReply, error) {
	p.nc.SetDeadline(time.Now().Add(ioTimeout))
	werr := make(chan error, 1)
	go func() {
		_, err := p.nc.Write(req)
		werr <- err
	}()
	out := make([]diffReply, 0, n)
	var err error
	for range n {
		var raw bytes.Buffer
		var v respValue
		if v, err = readRESPInto(p.br, &raw); err != nil {
			break
		}
		out = append(out, diffReply{raw: raw.Bytes(), v: v})
	}
	if werr := <-werr; err == nil && werr != nil {
		err = werr
	}
	return out, err
}

func diffQuoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// diffClip shortens s for a failure message.
func diffClip(s string) string {
	const max = 400
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("... (%d bytes)", len(s))
}
