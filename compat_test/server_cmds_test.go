package compat_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/gen"
	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Connection and server commands: CLIENT, CONFIG, COMMAND GETKEYS, TIME, LASTSAVE and the INFO
// counters, compared with a real redis-server.

func serverCmdCases() []compatCase {
	return []compatCase{
		{"CLIENT KILL refuses bad filters with Redis's errors", []compatStep{
			same("CLIENT KILL"), same("CLIENT KILL 1.2.3.4:5"), same("CLIENT KILL ID"), same("CLIENT KILL ID x"),
			same("CLIENT KILL ID 0"), same("CLIENT KILL ID -1"), same("CLIENT KILL ID 1.5"),
			same("CLIENT KILL TYPE foo"), same("CLIENT KILL TYPE normal SKIPME"), same("CLIENT KILL SKIPME maybe"),
			same("CLIENT KILL USER bob"), same("CLIENT KILL USER DEFAULT"), same("CLIENT KILL foo bar"),
			same("CLIENT KILL ID 1 foo bar"), same("CLIENT KILL TYPE foo ID x"), same("CLIENT KILL ID x TYPE foo"),
		}},
		{"CLIENT KILL answers how many it killed, or No such client in the old form", []compatStep{
			same("CLIENT KILL ID 999999"), same("CLIENT KILL ADDR 1.2.3.4:5"), same("CLIENT KILL LADDR 1.2.3.4:5"),
			same("CLIENT KILL TYPE master"), same("CLIENT KILL TYPE replica"), same("CLIENT KILL TYPE slave"),
			same("CLIENT KILL TYPE pubsub"), same("CLIENT KILL TYPE PubSub SKIPME no"),
			same("CLIENT KILL USER default ADDR 1.2.3.4:5"), same("CLIENT KILL ADDR 1.2.3.4:5 SKIPME no ID 999999"),
			same("PING"),
		}},
		{"CLIENT LIST refuses bad options with Redis's errors", []compatStep{
			same("CLIENT LIST TYPE"), same("CLIENT LIST TYPE foo"), same("CLIENT LIST ID"), same("CLIENT LIST ID x"),
			same("CLIENT LIST ID 1 x"), same("CLIENT LIST foo"), same("CLIENT LIST TYPE normal x"),
			same("CLIENT INFO x"),
		}},
		{"CLIENT LIST of a type or ids no client has is empty", []compatStep{
			same("CLIENT LIST TYPE master"), same("CLIENT LIST TYPE replica"), same("CLIENT LIST TYPE SLAVE"),
			same("CLIENT LIST TYPE pubsub"), same("CLIENT LIST ID 999999"), same("CLIENT LIST ID 999999 999998"),
		}},
		{"CLIENT NO-EVICT accepts ON and OFF", []compatStep{
			same("CLIENT NO-EVICT"), same("CLIENT NO-EVICT maybe"), same("CLIENT NO-EVICT ON"), same("CLIENT NO-EVICT off"),
			same("CLIENT NO-EVICT on x"),
		}},
		{"CLIENT GETREDIR and TRACKINGINFO report no tracking", []compatStep{
			same("CLIENT GETREDIR"), same("CLIENT TRACKINGINFO"), same("CLIENT GETREDIR x"), same("CLIENT TRACKINGINFO x"),
		}},
		{"CLIENT UNBLOCK checks its arguments and answers 0 for a client that is not blocked", []compatStep{
			same("CLIENT UNBLOCK"), same("CLIENT UNBLOCK x"), same("CLIENT UNBLOCK 1 foo"), same("CLIENT UNBLOCK x foo"),
			same("CLIENT UNBLOCK 1 timeout x"), same("CLIENT UNBLOCK 999999"), same("CLIENT UNBLOCK 999999 ERROR"),
			same("CLIENT UNBLOCK 999999 timeout"),
		}},
		{"CLIENT refuses unknown subcommands and wrong arities", []compatStep{
			same("CLIENT"), same("CLIENT FOO"), same("CLIENT foo bar"), same("CLIENT ID x"), same("CLIENT GETNAME x"),
			same("CLIENT SETNAME"), same("CLIENT SETNAME a b"), same("CLIENT NO-EVICT a b"),
		}},
		{"COMMAND GETKEYS finds the keys of fixed-position commands", []compatStep{
			same("COMMAND GETKEYS GET k"), same("COMMAND GETKEYS get k"), same("COMMAND GETKEYS MSET a 1 b 2"),
			same("COMMAND GETKEYS MSET a 1 b"), same("COMMAND GETKEYS DEL a b c"), same("COMMAND GETKEYS BLPOP a b 0"),
			same("COMMAND GETKEYS LMOVE a b LEFT RIGHT"), same("COMMAND GETKEYS OBJECT ENCODING k"),
			same("COMMAND GETKEYS COPY a b DB 1"), same("COMMAND GETKEYS BITOP AND d a b"), same("COMMAND GETKEYS RENAME a b"),
			same("COMMAND GETKEYS SINTERSTORE d a b"), same("COMMAND GETKEYS EXPIRE k 10"),
		}},
		{"COMMAND GETKEYS finds the keys of commands with a key count", []compatStep{
			same("COMMAND GETKEYS ZUNIONSTORE d 2 a b"), same("COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2"),
			same("COMMAND GETKEYS ZINTER 1 a"), same("COMMAND GETKEYS ZDIFF 2 a b WITHSCORES"),
			same("COMMAND GETKEYS LMPOP 2 a b LEFT"), same("COMMAND GETKEYS BLMPOP 0 2 a b LEFT COUNT 2"),
			same("COMMAND GETKEYS ZMPOP 1 a MIN"), same("COMMAND GETKEYS BZMPOP 1 1 a MAX"),
			same("COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1"), same("COMMAND GETKEYS ZINTERCARD 1 a"),
		}},
		{"COMMAND GETKEYS falls back as Redis does when the key count is not a plain number", []compatStep{
			same("COMMAND GETKEYS ZUNIONSTORE d 02 a b"), same("COMMAND GETKEYS ZUNIONSTORE d 2abc a b"),
			same("COMMAND GETKEYS ZUNION +1 a"), same("COMMAND GETKEYS LMPOP 01 a LEFT"),
			same("COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 02 a b"), same("COMMAND GETKEYS ZINTER 4294967297 a"),
		}},
		{"COMMAND GETKEYS refuses what has no keys or the wrong arguments", []compatStep{
			same("COMMAND GETKEYS"), same("COMMAND GETKEYS GET"), same("COMMAND GETKEYS NOSUCH a"),
			same("COMMAND GETKEYS GET a b"), same("COMMAND GETKEYS PING x"), same("COMMAND GETKEYS CLIENT LIST"),
			same("COMMAND GETKEYS OBJECT FOO k"), same("COMMAND GETKEYS ZUNIONSTORE d 0 a"),
			same("COMMAND GETKEYS ZUNIONSTORE d 3 a b"), same("COMMAND GETKEYS ZUNIONSTORE d -1 a"),
			same("COMMAND GETKEYS ZUNION 1"), same("COMMAND GETKEYS BLMPOP 0 -1 a b LEFT"),
			same("COMMAND GETKEYS ZINTER 5 a"), same("COMMAND GETKEYS client|list"), same("COMMAND GETKEYS DBSIZE"),
		}},
		{"COMMAND GETKEYSANDFLAGS reports Redis's access flags", []compatStep{
			same("COMMAND GETKEYSANDFLAGS GET k"), same("COMMAND GETKEYSANDFLAGS SET k v"),
			same("COMMAND GETKEYSANDFLAGS SET k v GET"), same("COMMAND GETKEYSANDFLAGS SET k v get NX"),
			same("COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0"), same("COMMAND GETKEYSANDFLAGS BITFIELD k SET u8 0 1"),
			same("COMMAND GETKEYSANDFLAGS BITFIELD k OVERFLOW SAT GET u8 0"), same("COMMAND GETKEYSANDFLAGS BITFIELD k FOO"),
			same("COMMAND GETKEYSANDFLAGS LMOVE a b LEFT RIGHT"), same("COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 2 a b"),
			same("COMMAND GETKEYSANDFLAGS DEL a b"), same("COMMAND GETKEYSANDFLAGS GETEX k PERSIST"),
			same("COMMAND GETKEYSANDFLAGS MSET a 1 b 2"),
		}},
		{"COMMAND subcommands refuse wrong arities and COMMAND HELP is Redis's", []compatStep{
			same("COMMAND HELP"), same("COMMAND HELP x"), same("COMMAND COUNT x"), same("COMMAND FOO"),
			same("COMMAND LIST FILTERBY"), same("COMMAND LIST FILTERBY PATTERN nosuch*"), same("COMMAND LIST x"),
			same("COMMAND LIST FILTERBY FOO x"), same("COMMAND INFO nosuch get|x"), same("COMMAND DOCS nosuch"),
		}},
		{"CONFIG SET refuses unknown names, odd arguments and immutable parameters as Redis", []compatStep{
			same("CONFIG SET"), same("CONFIG SET a"), same("CONFIG SET a b c"), same("CONFIG SET nosuch 1"),
			same("CONFIG SET databases 3"), same("CONFIG SET DATABASES 3"), same("CONFIG SET dir /tmp"),
			same("CONFIG SET timeout 1 TIMEOUT 2"), same("CONFIG SET timeout 1 nosuch 2"),
			same("CONFIG SET nosuch 2 timeout x"), same("CONFIG SET databases 1 nosuch 2"),
			same("CONFIG SET timeout x databases 1"), same("CONFIG GET timeout"),
		}},
		{"CONFIG SET checks values as Redis and sets all or nothing", []compatStep{
			same("CONFIG SET timeout -1"), same("CONFIG SET timeout abc"), same("CONFIG SET TIMEOUT 99999999999"),
			same("CONFIG SET timeout 2147483648"), same("CONFIG SET timeout 5 maxmemory x"), same("CONFIG GET timeout"),
			same("CONFIG SET maxmemory-policy foo"), same("CONFIG SET maxclients 0"), same("CONFIG SET maxclients abc"),
			same("CONFIG SET appendonly maybe"), same("CONFIG SET appendfsync x"), same("CONFIG SET loglevel foo"),
			same("CONFIG SET proto-max-bulk-len 10"), same("CONFIG SET proto-max-bulk-len x"),
			same("CONFIG SET appendonly yes"), same("CONFIG SET appendfsync always"), same("CONFIG SET loglevel warning"),
			same("CONFIG GET loglevel"), same("CONFIG SET loglevel NOTICE"), same("CONFIG GET loglevel"),
		}},
		{"CONFIG SET maxmemory takes Redis's memory units and CONFIG GET reports bytes", []compatStep{
			same("CONFIG SET maxmemory 100mb"), same("CONFIG GET maxmemory"), same("CONFIG SET maxmemory 1KB"),
			same("CONFIG GET maxmemory"), same("CONFIG SET maxmemory 3g"), same("CONFIG GET maxmemory"),
			same(`CONFIG SET maxmemory ""`), same("CONFIG GET maxmemory"), same("CONFIG SET maxmemory 99999999999999999999"),
			same("CONFIG GET maxmemory"), same("CONFIG SET maxmemory 17179869184gb"), same("CONFIG GET maxmemory"),
			same("CONFIG SET maxmemory 010"), same("CONFIG GET maxmemory"), same("CONFIG SET maxmemory +1"),
			same("CONFIG SET maxmemory -1"), same("CONFIG SET maxmemory 1.5"), same("CONFIG SET maxmemory 1tb"),
			same(`CONFIG SET maxmemory " 1"`), same("CONFIG SET maxmemory 0"), same("CONFIG GET maxmemory"),
			same("CONFIG SET proto-max-bulk-len 1mb"), same("CONFIG GET proto-max-bulk-len"),
			same("CONFIG SET proto-max-bulk-len 512mb"), same("CONFIG GET proto-max-bulk-len"),
		}},
		{"CONFIG SET maxmemory-policy and save are stored as Redis stores them", []compatStep{
			same("CONFIG SET maxmemory-policy ALLKEYS-LRU"), same("CONFIG GET maxmemory-policy"),
			same("CONFIG SET Maxmemory-Policy noeviction timeout 0"), same("CONFIG GET maxmemory-policy"),
			same(`CONFIG SET save "10 20"`), same("CONFIG GET save"), same(`CONFIG SET save "10 +5 3600 010"`),
			same("CONFIG GET save"), same(`CONFIG SET save "10 4294967297"`), same("CONFIG GET save"),
			same(`CONFIG SET save "10 "`), same("CONFIG GET save"),
			same("CONFIG SET save foo"), same(`CONFIG SET save "1 2 3"`), same(`CONFIG SET save "  "`),
			same(`CONFIG SET save "0 1"`), same(`CONFIG SET save "10 -1"`), same(`CONFIG SET save "10  5"`),
			same(`CONFIG SET save ""`), same("CONFIG GET save"),
		}},
		{"CONFIG RESETSTAT, REWRITE and HELP answer as Redis without a config file", []compatStep{
			same("CONFIG RESETSTAT"), same("CONFIG RESETSTAT x"), same("CONFIG REWRITE"), same("CONFIG REWRITE x"),
			same("CONFIG HELP"), same("CONFIG HELP x"), same("CONFIG FOO"), same("CONFIG"),
		}},
		{"TIME and LASTSAVE take no arguments", []compatStep{
			same("TIME x"), same("LASTSAVE x"), integer("LASTSAVE"),
		}},
		{"INFO of unknown sections is empty", []compatStep{
			same("INFO nosuch"), same("INFO nosuch other"),
		}},
	}
}

func TestServerCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	runCasesFourWays(t, rd.Addr, fl.Addr, serverCmdCases())
}

// clientFields splits a CLIENT LIST or CLIENT INFO line into its field names, in order, and values.
func clientFields(line string) ([]string, map[string]string) {
	var names []string
	vals := map[string]string{}
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		names = append(names, k)
		vals[k] = v
	}
	return names, vals
}

// clientLine returns the line of the client with the given name in a CLIENT LIST reply.
func clientLine(t *testing.T, list respValue, name string) map[string]string {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(list.Text, "\n"), "\n") {
		if _, f := clientFields(line); f["name"] == name {
			return f
		}
	}
	t.Fatalf("no client named %q in %q", name, list.Text)
	return nil
}

// TestClientListShowsConnectionsAsRedisDoes checks CLIENT LIST and CLIENT INFO: Redis's fields in
// Redis's order (flin-resp adds Redis 7.2's lib-name and lib-ver at the end), and the same values
// as Redis for what a connection did (name, database, last command, protocol, flags).
func TestClientListShowsConnectionsAsRedisDoes(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	// The fields whose values depend on the process or on time.
	varying := map[string]bool{"id": true, "addr": true, "laddr": true, "fd": true, "age": true, "idle": true,
		"qbuf": true, "qbuf-free": true, "argv-mem": true, "rbs": true, "rbp": true, "tot-mem": true, "obl": true,
		"oll": true, "omem": true, "multi-mem": true, "lib-name": true, "lib-ver": true}
	type seen struct {
		names []string
		other map[string]string // the other client, as a third one sees it
		self  map[string]string // CLIENT INFO of the asking client
		idSel string            // CLIENT LIST ID <other's id> <own id>: the names, in order
	}
	look := func(addr string) seen {
		other, asker := dialRaw(t, addr), dialRaw(t, addr)
		for _, cmd := range [][]string{{"CLIENT", "SETNAME", "other"}, {"SELECT", "3"}, {"HELLO", "3"}, {"CLIENT", "NO-EVICT", "on"}, {"GET", "k"}, {"MULTI"}, {"GET", "k"}, {"SET", "k", "v"}} {
			if v := other.do(cmd...); v.isError() {
				t.Fatalf("%s: %q: %s", addr, cmd, v)
			}
		}
		asker.do("CLIENT", "SETNAME", "asker")
		list := asker.do("CLIENT", "LIST")
		names, _ := clientFields(strings.Split(list.Text, "\n")[0])
		o := clientLine(t, list, "other")
		_, self := clientFields(strings.TrimSuffix(asker.do("CLIENT", "INFO").Text, "\n"))
		_, own := clientFields(strings.TrimSuffix(asker.do("CLIENT", "INFO").Text, "\n"))
		byID := asker.do("CLIENT", "LIST", "ID", o["id"], own["id"], "999999")
		var sel []string
		for _, line := range strings.Split(strings.TrimSuffix(byID.Text, "\n"), "\n") {
			_, f := clientFields(line)
			sel = append(sel, f["name"])
		}
		return seen{names, o, self, strings.Join(sel, ",")}
	}
	r, f := look(rd.Addr), look(fl.Addr)
	if got, want := strings.Join(f.names, " "), strings.Join(r.names, " ")+" lib-name lib-ver"; got != want {
		t.Errorf("CLIENT LIST fields:\n flin-resp: %s\n redis+7.2: %s", got, want)
	}
	for _, c := range []struct {
		what string
		r, f map[string]string
	}{{"the other client in CLIENT LIST", r.other, f.other}, {"CLIENT INFO", r.self, f.self}} {
		for k, rv := range c.r {
			if !varying[k] && c.f[k] != rv {
				t.Errorf("%s: %s=%q, Redis %q", c.what, k, c.f[k], rv)
			}
		}
	}
	if r.idSel != "other,asker" || f.idSel != r.idSel {
		t.Errorf("CLIENT LIST ID: flin-resp lists %q, Redis %q", f.idSel, r.idSel)
	}
	if f.self["argv-mem"] != "10" || f.self["cmd"] != "client|info" {
		t.Errorf("CLIENT INFO of the asking client: argv-mem=%s cmd=%s", f.self["argv-mem"], f.self["cmd"])
	}
}

// expectClosed checks that the server closed c (after sending want, if not empty).
func expectClosed(t *testing.T, c *rawClient, want, what string) {
	t.Helper()
	b, closed := c.readToEOF()
	if !closed {
		t.Fatalf("%s: the connection is still open", what)
	}
	if string(b) != want {
		t.Fatalf("%s: read %q before the close, want %q", what, b, want)
	}
}

// TestClientKillClosesConnectionsAsRedisDoes kills connections by id, by address (the old form,
// which may kill the caller), by type with and without SKIPME, and one blocked in BLPOP, on Redis
// and on flin-resp alike.
func TestClientKillClosesConnectionsAsRedisDoes(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		t.Run(srv.name, func(t *testing.T) {
			addr := srv.addr
			ctl := dialRaw(t, addr)
			if v := ctl.do("SET", "warm-up", "1"); v.isError() {
				t.Fatal(v)
			}
			id := func(c *rawClient) string { return c.do("CLIENT", "ID").Text }
			connected := func() int {
				_, f := infoFields(ctl.do("INFO", "clients").Text)
				n, _ := strconv.Atoi(f["connected_clients"])
				return n
			}
			base := connected()

			victim := dialRaw(t, addr)
			if v := ctl.do("CLIENT", "KILL", "ID", id(victim)); v.String() != `:"1"` {
				t.Fatalf("CLIENT KILL ID: %s", v)
			}
			expectClosed(t, victim, "", "killed by id")
			if n := connected(); n != base {
				t.Errorf("connected_clients %d after the kill, want %d", n, base)
			}

			victim = dialRaw(t, addr)
			victim.do("PING")
			local := victim.nc.LocalAddr().String()
			if v := ctl.do("CLIENT", "KILL", local); v.String() != `+"OK"` {
				t.Fatalf("CLIENT KILL %s: %s", local, v)
			}
			expectClosed(t, victim, "", "killed by address")
			if v := ctl.do("CLIENT", "KILL", local); v.String() != `-"ERR No such client"` {
				t.Errorf("CLIENT KILL of a closed address: %s", v)
			}

			self := dialRaw(t, addr)
			self.write(encodeCommand("CLIENT", "KILL", "ID", id(self), "SKIPME", "no"))
			self.write(encodeCommand("PING"))
			expectClosed(t, self, ":1\r\n", "killed itself with SKIPME no")
			self = dialRaw(t, addr)
			self.do("PING")
			if v := self.do("CLIENT", "KILL", self.nc.LocalAddr().String()); v.String() != `+"OK"` {
				t.Fatalf("old-form CLIENT KILL of itself: %s", v)
			}
			expectClosed(t, self, "", "killed itself with the old form")

			blocked := block(t, addr, ctl, 1, "BLPOP", "kill:list", "0")
			if v := ctl.do("CLIENT", "KILL", "ADDR", blocked.nc.LocalAddr().String(), "SKIPME", "yes"); v.String() != `:"1"` {
				t.Fatalf("CLIENT KILL ADDR of a blocked client: %s", v)
			}
			expectClosed(t, blocked, "", "killed while blocked in BLPOP")
			waitBlocked(t, ctl, 0)
			if v := ctl.do("LPUSH", "kill:list", "x"); v.String() != `:"1"` {
				t.Errorf("LPUSH after the blocked client was killed: %s (the element must stay)", v)
			}

			a, b := dialRaw(t, addr), dialRaw(t, addr)
			a.do("PING")
			b.do("PING")
			if v := ctl.do("CLIENT", "KILL", "TYPE", "normal"); v.String() != `:"2"` {
				t.Fatalf("CLIENT KILL TYPE normal: %s, want the two other clients", v)
			}
			expectClosed(t, a, "", "killed by type")
			expectClosed(t, b, "", "killed by type")
			if v := ctl.do("PING"); v.String() != `+"PONG"` {
				t.Errorf("the caller after CLIENT KILL TYPE normal: %s", v)
			}
		})
	}
}

// TestClientUnblockAnswersABlockedClientAsRedisDoes unblocks a client blocked in BLPOP with a
// timeout reply and with an error, on both servers.
func TestClientUnblockAnswersABlockedClientAsRedisDoes(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	got := map[string][]string{}
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		ctl := dialRaw(t, srv.addr)
		ctl.do("SET", "warm-up", "1")
		for _, reason := range []string{"TIMEOUT", "ERROR", ""} {
			c := block(t, srv.addr, ctl, 1, "BLPOP", "unblock:list", "0")
			c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
			ask := dialRaw(t, srv.addr)
			var blockedID string
			for _, line := range strings.Split(ask.do("CLIENT", "LIST").Text, "\n") {
				if _, f := clientFields(line); f["cmd"] == "blpop" {
					blockedID = f["id"]
				}
			}
			args := []string{"CLIENT", "UNBLOCK", blockedID}
			if reason != "" {
				args = append(args, reason)
			}
			n := ctl.do(args...)
			reply := c.read()
			again := ctl.do(args...)
			got[srv.name] = append(got[srv.name], fmt.Sprintf("%s: %s then %s, %s", reason, n, reply, again))
			c.do("PING")
			waitBlocked(t, ctl, 0)
			c.nc.Close()
			ask.nc.Close()
		}
	}
	if r, f := strings.Join(got["redis"], "\n"), strings.Join(got["flin-resp"], "\n"); r != f {
		t.Errorf("CLIENT UNBLOCK:\n redis:\n%s\n flin-resp:\n%s", r, f)
	}
}

// TestConfigSetRequirePassTakesEffectForNewConnections sets a password while connections are open:
// they stay authenticated, new ones must AUTH, and removing it lets everyone in, as in Redis.
func TestConfigSetRequirePassTakesEffectForNewConnections(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	got := map[string][]string{}
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		old := dialRaw(t, srv.addr)
		var out []string
		step := func(c *rawClient, args ...string) { out = append(out, fmt.Sprintf("%q: %s", args, c.do(args...))) }
		step(old, "CONFIG", "SET", "requirepass", "pw")
		step(old, "CONFIG", "GET", "requirepass")
		step(old, "GET", "k")
		fresh := dialRaw(t, srv.addr)
		step(fresh, "GET", "k")
		step(fresh, "HELLO", "3")
		step(fresh, "AUTH", "wrong")
		step(fresh, "AUTH", "pw")
		step(fresh, "GET", "k")
		waiting := dialRaw(t, srv.addr) // connected while a password is set, never authenticated
		step(waiting, "PING")
		step(old, "CONFIG", "SET", "requirepass", "")
		step(waiting, "PING")
		step(waiting, "AUTH", "pw")
		step(dialRaw(t, srv.addr), "GET", "k")
		got[srv.name] = out
	}
	if r, f := strings.Join(got["redis"], "\n"), strings.Join(got["flin-resp"], "\n"); r != f {
		t.Errorf("requirepass set at run time:\n redis:\n%s\n flin-resp:\n%s", r, f)
	}
}

// TestConfigSetTimeoutClosesIdleClientsButNotBlockedOnes sets timeout 1 on both servers: an idle
// client is closed within a few seconds, a client blocked in BLPOP is not.
func TestConfigSetTimeoutClosesIdleClientsButNotBlockedOnes(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			ctl := dialRaw(t, srv.addr)
			ctl.do("SET", "warm-up", "1")
			blocked := block(t, srv.addr, ctl, 1, "BLPOP", "timeout:list", "0")
			idle := dialRaw(t, srv.addr)
			idle.do("PING")
			if v := ctl.do("CONFIG", "SET", "timeout", "1"); v.String() != `+"OK"` {
				t.Fatal(v)
			}
			start := time.Now()
			expectClosed(t, idle, "", "idle client with timeout 1")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the idle client was closed after %v", d)
			}
			ctl = dialRaw(t, srv.addr) // the first one was idle too
			ctl.do("CONFIG", "SET", "timeout", "0")
			if v := ctl.do("LPUSH", "timeout:list", "x"); v.isError() {
				t.Fatal(v)
			}
			blocked.nc.SetReadDeadline(time.Now().Add(ioTimeout))
			if v := blocked.read(); v.String() != bulks("timeout:list", "x") {
				t.Errorf("the blocked client: %s", v)
			}
		})
	}
}

// TestConfigSetMaxClientsRefusesConnectionsOverIt lowers maxclients to the clients connected and
// requires Redis's error for one more, and rejected_connections to count it.
func TestConfigSetMaxClientsRefusesConnectionsOverIt(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		t.Run(srv.name, func(t *testing.T) {
			ctl := dialRaw(t, srv.addr)
			other := dialRaw(t, srv.addr)
			other.do("PING")
			if v := ctl.do("CONFIG", "SET", "maxclients", "2"); v.String() != `+"OK"` {
				t.Fatal(v)
			}
			over := dialRaw(t, srv.addr)
			expectClosed(t, over, "-ERR max number of clients reached\r\n", "a third client with maxclients 2")
			other.nc.Close()
			deadline := time.Now().Add(ioTimeout)
			for {
				c := dialRaw(t, srv.addr)
				if v, err := readWithinAfter(c, "PING"); err == nil && v.String() == `+"PONG"` {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no connection accepted after a client left")
				}
				time.Sleep(10 * time.Millisecond)
			}
			ctl.do("CONFIG", "SET", "maxclients", "10000")
			_, f := infoFields(ctl.do("INFO", "stats").Text)
			if n, _ := strconv.Atoi(f["rejected_connections"]); n < 1 {
				t.Errorf("rejected_connections = %q", f["rejected_connections"])
			}
		})
	}
}

// readWithinAfter sends a command on a new connection and reads its reply without failing the
// test when the server closed the connection.
func readWithinAfter(c *rawClient, args ...string) (respValue, error) {
	c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.nc.Write(encodeCommand(args...)); err != nil {
		return respValue{}, err
	}
	return readWithin(c, ioTimeout)
}

// commandStats parses INFO commandstats and errorstats into "name:calls,rejected,failed" and
// "errorstat_X:count=N" lines, without the times.
func commandStats(info string) string {
	var out []string
	for _, line := range strings.Split(info, "\r\n") {
		if name, rest, ok := strings.Cut(line, ":"); ok && strings.HasPrefix(name, "cmdstat_") {
			var calls, usec, rejected, failed int64
			var perCall float64
			if _, err := fmt.Sscanf(rest, "calls=%d,usec=%d,usec_per_call=%f,rejected_calls=%d,failed_calls=%d", &calls, &usec, &perCall, &rejected, &failed); err != nil {
				out = append(out, "unparsed "+line)
				continue
			}
			out = append(out, fmt.Sprintf("%s:calls=%d,rejected=%d,failed=%d", name, calls, rejected, failed))
		} else if strings.HasPrefix(line, "errorstat_") {
			out = append(out, line)
		}
	}
	sort.Strings(out) // Redis lists commands in the order of its hash table
	return strings.Join(out, "\n")
}

// TestInfoCountsCommandsErrorsAndKeyLookupsAsRedis resets the statistics, runs the same commands
// on both servers (successes, failures, rejections, unknown commands, hits and misses) and
// requires the same counts in INFO commandstats, errorstats and stats.
func TestInfoCountsCommandsErrorsAndKeyLookupsAsRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	script := []string{
		"SET k v", "GET k", "GET nosuch", "MGET k nosuch k", "EXISTS k nosuch", "STRLEN k", "GET", "INCR k",
		"LPUSH l a", "GET l", "HGET l f", "CLIENT KILL", "CLIENT KILL ID x", "CLIENT NO-EVICT on", "CLIENT FOO",
		"NOSUCH x", "CONFIG GET timeout", "CONFIG SET timeout x", "SELECT 99", "ECHO", "PING", "TYPE k", "TTL nosuch",
		"SADD s a b", "SMEMBERS s", "SISMEMBER s a", "ZADD z 1 a", "ZSCORE z a", "ZRANGE z 0 -1", "HSET h f v",
		"HGET h f", "HGET h nosuch", "LRANGE l 0 -1", "LPOP nosuch", "DEL k",
		// Errors of reads and writes inside EXEC count as Redis counts them.
		"MULTI", "GET l", "INCR l", "GET nosuch", "EXEC",
	}
	got := map[string]string{}
	for _, srv := range []struct{ name, addr string }{{"redis", rd.Addr}, {"flin-resp", fl.Addr}} {
		c := dialRaw(t, srv.addr)
		c.do("FLUSHALL")
		if v := c.do("CONFIG", "RESETSTAT"); v.String() != `+"OK"` {
			t.Fatal(v)
		}
		for _, line := range script {
			c.do(splitArgs(line)...)
		}
		text := c.do("INFO", "commandstats").Text + c.do("INFO", "errorstats").Text
		_, f := infoFields(c.do("INFO", "stats").Text)
		got[srv.name] = commandStats(text) + fmt.Sprintf("\nkeyspace_hits=%s keyspace_misses=%s total_error_replies=%s",
			f["keyspace_hits"], f["keyspace_misses"], f["total_error_replies"])
	}
	if got["redis"] != got["flin-resp"] {
		t.Errorf("after CONFIG RESETSTAT and the same commands:\n redis:\n%s\n flin-resp:\n%s", got["redis"], got["flin-resp"])
	}
}

// TestInfoStatsCountConnectionsBytesAndExpiredKeys checks the counters Redis keeps in INFO stats
// that depend on time or sizes: they move as they should.
func TestInfoStatsCountConnectionsBytesAndExpiredKeys(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	c := dialRaw(t, fl.Addr)
	stats := func() map[string]int64 {
		_, f := infoFields(c.do("INFO", "stats").Text)
		out := map[string]int64{}
		for k, v := range f {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				out[k] = n
			}
		}
		return out
	}
	c.do("CONFIG", "RESETSTAT")
	before := stats()
	dialRaw(t, fl.Addr).do("PING")
	if v := c.do("SET", "gone", "x", "PX", "1"); v.isError() {
		t.Fatal(v)
	}
	c.do("SET", "big", strings.Repeat("x", 10000))
	c.do("GET", "big")
	deadline := time.Now().Add(ioTimeout)
	for stats()["expired_keys"] < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("expired_keys stays 0: %v", stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	after := stats()
	if after["total_connections_received"] != before["total_connections_received"]+1 {
		t.Errorf("total_connections_received %d -> %d", before["total_connections_received"], after["total_connections_received"])
	}
	if after["total_net_input_bytes"]-before["total_net_input_bytes"] < 10000 ||
		after["total_net_output_bytes"]-before["total_net_output_bytes"] < 10000 {
		t.Errorf("net bytes in %d -> %d, out %d -> %d, want both up by the 10000-byte value", before["total_net_input_bytes"],
			after["total_net_input_bytes"], before["total_net_output_bytes"], after["total_net_output_bytes"])
	}
	if after["total_commands_processed"] < 4 {
		t.Errorf("total_commands_processed = %d", after["total_commands_processed"])
	}
	// The instantaneous rate follows a burst within a few samples.
	for range 2000 {
		c.write(encodeCommand("PING"))
	}
	for range 2000 {
		c.read()
	}
	var ops int64
	for range 20 {
		if ops = stats()["instantaneous_ops_per_sec"]; ops > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ops == 0 {
		t.Error("instantaneous_ops_per_sec stays 0 after 2000 PINGs")
	}
}

// TestLastSaveAndTimeReportTheServersClock checks TIME against the local clock, and that LASTSAVE
// and INFO's rdb_last_save_time report the start, then a completed SAVE and BGSAVE.
func TestLastSaveAndTimeReportTheServersClock(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	c := dialRaw(t, fl.Addr)
	tm := c.do("TIME")
	if len(tm.Elems) != 2 {
		t.Fatalf("TIME: %s", tm)
	}
	sec, err1 := strconv.ParseInt(tm.Elems[0].Text, 10, 64)
	usec, err2 := strconv.ParseInt(tm.Elems[1].Text, 10, 64)
	if err1 != nil || err2 != nil || usec < 0 || usec > 999999 || sec < time.Now().Unix()-2 || sec > time.Now().Unix()+2 {
		t.Errorf("TIME = %s, local clock %d", tm, time.Now().Unix())
	}
	lastSave := func() int64 {
		v := c.do("LASTSAVE")
		n, err := strconv.ParseInt(v.Text, 10, 64)
		if v.Type != ':' || err != nil {
			t.Fatalf("LASTSAVE: %s", v)
		}
		_, f := infoFields(c.do("INFO", "persistence").Text)
		if f["rdb_last_save_time"] != v.Text {
			t.Errorf("rdb_last_save_time %s, LASTSAVE %s", f["rdb_last_save_time"], v.Text)
		}
		return n
	}
	start := lastSave()
	if now := time.Now().Unix(); start < now-60 || start > now+2 {
		t.Errorf("LASTSAVE at start = %d, now %d", start, now)
	}
	c.do("SET", "k", "v")
	time.Sleep(1100 * time.Millisecond) // LASTSAVE is in seconds
	if v := c.do("SAVE"); v.String() != `+"OK"` {
		t.Fatalf("SAVE: %s", v)
	}
	saved := lastSave()
	if saved <= start {
		t.Errorf("LASTSAVE after SAVE = %d, at start %d", saved, start)
	}
	_, f := infoFields(c.do("INFO", "persistence").Text)
	if f["rdb_changes_since_last_save"] != "0" || f["rdb_last_bgsave_status"] != "ok" || f["rdb_saves"] != "1" {
		t.Errorf("INFO persistence after SAVE: %v", f)
	}
	c.do("SET", "k", "w")
	time.Sleep(1100 * time.Millisecond)
	if v := c.do("BGSAVE"); v.String() != `+"Background saving started"` {
		t.Fatalf("BGSAVE: %s", v)
	}
	deadline := time.Now().Add(ioTimeout)
	for lastSave() <= saved {
		if time.Now().After(deadline) {
			t.Fatal("LASTSAVE did not move after BGSAVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCommandGetKeysMatchesRedisForGeneratedCommands asks both servers for the keys and key flags
// of thousands of commands from the differential test's generator (valid and invalid ones, unknown
// commands included) with COMMAND GETKEYSANDFLAGS, and requires the same replies.
// FLIN_GETKEYS_SEED=n replays the run of seed n.
func TestCommandGetKeysMatchesRedisForGeneratedCommands(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("FLIN_GETKEYS_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d", seed)
	g := gen.New(gen.Options{Seed: seed, Proto: 2}, diffSupportedCmds(t, fl.Addr))
	rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
	n, failures := 3000, 0
	if testing.Short() {
		n = 500
	}
	for range n {
		cmd := g.Next(0)
		if len(cmd.Args) == 0 {
			continue
		}
		args := append([]string{"COMMAND", "GETKEYSANDFLAGS"}, cmd.Args...)
		r, f := rc.do(args...), fc.do(args...)
		if r.String() != f.String() {
			failures++
			t.Errorf("%q:\n redis:     %s\n flin-resp: %s", args, r, f)
			if failures >= 10 {
				t.Fatalf("stopping after %d differences (seed %d)", failures, seed)
			}
		}
	}
}
