package resp

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestMemoryValuesParseAsRedisMemtoull(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 0, true}, {"b", 0, true}, {"1", 1, true}, {"1b", 1, true}, {"1B", 1, true}, {"1k", 1000, true},
		{"1K", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true}, {"1m", 1000000, true}, {"1mb", 1 << 20, true},
		{"1g", 1000000000, true}, {"1gb", 1 << 30, true}, {"1gB", 1 << 30, true}, {"010", 10, true},
		{"18446744073709551615", math.MaxUint64, true}, {"18446744073709551616", math.MaxUint64, true},
		{"99999999999999999999", math.MaxUint64, true},
		{"17179869184gb", 0, true}, // 2^64: the multiplication wraps, as in C
		{"+1", 0, false}, {"-1", 0, false}, {"-0", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"0x10", 0, false}, {"1.5", 0, false}, {"1tb", 0, false}, {"1kbb", 0, false}, {"k1", 0, false},
	} {
		got, ok := memToULL(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("memToULL(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSaveParametersParseAsRedis(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"10 20", "10 20", true}, {"3600 1 300 100", "3600 1 300 100", true},
		{"10 +5", "10 5", true}, {"010 020", "10 20", true}, {"10 ", "10 0", true},
		{"10 4294967297", "10 1", true}, // the number of changes is kept in a C int
		{"10\t 5", "", false}, {"  ", "", false}, {"1 2 3", "", false}, {"0 1", "", false}, {"10 -1", "", false},
		{"10  5", "", false}, {"x y", "", false}, {`"10" 5`, "", false}, {"10 5 ", "", false},
		{"\x00\xff", "", true}, {"10 5\x00x", "10 5", true}, // a C string: cut at NUL
	} {
		got, ok := parseSaveParams(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseSaveParams(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKeySpecsFindKeysAsRedis(t *testing.T) {
	table := newCommandTable()
	for _, tc := range []struct {
		cmd  string
		want string // keys with flags, or "invalid"
	}{
		{"GET k", "k[RO access]"},
		{"MSET a 1 b 2", "a[OW update] b[OW update]"},
		{"MSET a 1 b", "a[OW update] b[OW update]"},
		{"BLPOP a b 0", "a[RW access delete] b[RW access delete]"},
		{"ZUNIONSTORE d 2 a b WEIGHTS 1 2", "d[OW update] a[RO access] b[RO access]"},
		{"ZUNIONSTORE d 02 a b", "a[] b[] d[]"}, // the specs refuse "02"; Redis's atoi fallback
		{"ZUNIONSTORE d 0 a", "invalid"},
		{"ZUNIONSTORE d 3 a b", "invalid"},
		{"ZINTER 4294967297 a", "a[RO access]"}, // Redis casts the count to an int
		{"BLMPOP 0 2 a b LEFT", "a[RW access delete] b[RW access delete]"},
		{"SET k v", "k[OW update]"},
		{"SET k v GET", "k[RW access update]"},
		{"BITFIELD k GET u8 0 OVERFLOW SAT", "k[RO access]"},
		{"BITFIELD k GET u8", "k[RW access update]"},
		{"OBJECT ENCODING k", "k[RO]"},
	} {
		args := bytes.Fields([]byte(tc.cmd))
		cmd := table.resolve(args)
		keys, ok := cmd.findKeys(args)
		got := "invalid"
		if ok {
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s[%s]", args[k.pos], k.flags))
			}
			got = strings.Join(parts, " ")
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.cmd, got, tc.want)
		}
	}
}

func TestEveryContainerSubcommandResolves(t *testing.T) {
	table := newCommandTable()
	for _, c := range table {
		for name, sub := range c.subs {
			got := table.resolve([][]byte{[]byte(strings.ToUpper(c.name)), []byte(strings.ToUpper(name))})
			if got != sub || sub.name != c.name+"|"+name || table.lookupName([]byte(sub.name)) != sub {
				t.Errorf("%s %s resolves to %v", c.name, name, got)
			}
		}
		if c.subs != nil && table.resolve([][]byte{[]byte(c.name), []byte("nosuch")}) != unknownSubcommand {
			t.Errorf("%s: an unknown subcommand does not resolve to unknownSubcommand", c.name)
		}
	}
}

// FuzzParseKillFilter checks that CLIENT KILL's parser never panics, answers only Redis's errors,
// takes one argument as the old form and option-value pairs otherwise, and that a filter it
// accepts is parsed the same from its canonical form.
//
// Run with go test -run '^$' -fuzz=FuzzParseKillFilter -fuzztime=60s ./resp/
func FuzzParseKillFilter(f *testing.F) {
	for _, s := range []string{
		"1.2.3.4:5", "ID 5", "id 0", "ID -1", "ID x", "TYPE normal", "type MASTER skipme no", "TYPE foo",
		"ADDR 1.2.3.4:5 LADDR 127.0.0.1:6379", "USER default", "USER bob", "SKIPME maybe", "ID 1 ID 2",
		"ID", "foo bar", "ID 1 SKIPME", "user DEFAULT", "ADDR  SKIPME yes", "TYPE pubsub ID 9223372036854775807",
	} {
		f.Add(s)
	}
	errs := map[string]bool{errSyntax: true, "ERR client-id should be greater than 0": true}
	f.Fuzz(func(t *testing.T, in string) {
		var args [][]byte
		for _, a := range strings.Split(in, " ") {
			args = append(args, []byte(a))
		}
		flt, e := parseKillFilter(args)
		if e != "" {
			if !errs[e] && !strings.HasPrefix(e, "ERR Unknown client type '") && !strings.HasPrefix(e, "ERR No such user '") {
				t.Fatalf("%q: unexpected error %q", in, e)
			}
			if len(args) == 1 {
				t.Fatalf("%q: the old form cannot fail", in)
			}
			return
		}
		if len(args) == 1 {
			if !flt.hasAddr || flt.addr != in || flt.skipMe {
				t.Fatalf("%q: old form parsed as %+v", in, flt)
			}
			return
		}
		if len(args)%2 != 0 {
			t.Fatalf("%q: an odd number of arguments was accepted", in)
		}
		var canon []string
		if flt.id != 0 {
			canon = append(canon, "ID", fmt.Sprint(flt.id))
		}
		if flt.hasAddr {
			canon = append(canon, "ADDR", flt.addr)
		}
		if flt.hasLaddr {
			canon = append(canon, "LADDR", flt.laddr)
		}
		if flt.noneOfType {
			canon = append(canon, "TYPE", "master")
		}
		canon = append(canon, "SKIPME", map[bool]string{true: "yes", false: "no"}[flt.skipMe])
		var cargs [][]byte
		for _, a := range canon {
			cargs = append(cargs, []byte(a))
		}
		again, e := parseKillFilter(cargs)
		if e != "" || again != flt {
			t.Fatalf("%q: %+v, canonical %q: %+v %q", in, flt, canon, again, e)
		}
	})
}

func TestEveryCommandWithKeysHasKeySpecs(t *testing.T) {
	for _, c := range newCommandTable().allCommands() {
		if c.firstKey > 0 && c.keySpecs == nil {
			t.Errorf("%s has keys (first key %d) but no key specs in keyspecs.go", c.name, c.firstKey)
		}
	}
}

// BenchmarkCommandAccounting measures what the bookkeeping adds to every command that runs on
// the connection (a read such as GET): CLIENT LIST's noteCommand, and the clock readings and
// atomic counters of INFO commandstats around the handler ("counted"), against the lookup and the
// handler alone ("bare").
func BenchmarkCommandAccounting(b *testing.B) {
	srv := &Server{commands: newCommandTable()}
	srv.clock.Store(monotime()) // as the cron keeps it
	c := &Conn{srv: srv}
	c.pubMulti.Store(-1)
	args := [][]byte{[]byte("GET"), []byte("k")}
	noop := &command{name: "noop", run: func(c *Conn, _ [][]byte) { c.w.Null() }}
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			if srv.commands.lookup(args[0]) != nil {
				noop.run(c, args)
			}
			c.w.Reset()
		}
	})
	b.Run("counted", func(b *testing.B) {
		for b.Loop() {
			if cmd := srv.commands.resolve(args); cmd != nil {
				c.noteCommand(cmd)
				c.call(noop, args)
			}
			c.w.Reset()
		}
	})
}
