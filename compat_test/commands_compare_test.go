package compat_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// These tests send the same command sequences to a real redis-server and to flin-resp and require
// the same replies, so the expectations come from Redis itself. Each sequence runs four ways: over
// a raw connection in RESP2 and after HELLO 3 (replies compared with their exact types), and
// through go-redis's Do in its default mode (RESP3) and with Protocol: 2.

// compareMode says how two replies of a step must agree.
type compareMode int

const (
	sameReply   compareMode = iota // identical type and content
	nearInt                        // integers within tol (TTLs)
	helloReply                     // identical except the server version and connection id
	pairsAnyOrd                    // the same key-value pairs in any order (CONFIG GET)
	anyInt                         // both integers
)

type compatStep struct {
	args []string
	mode compareMode
	tol  int64
}

// compatCase is a command sequence run on one connection, after FLUSHALL.
type compatCase struct {
	name  string
	steps []compatStep
}

func same(line string) compatStep { return compatStep{args: splitArgs(line)} }

func sameArgs(args ...string) compatStep { return compatStep{args: args} }

func near(tol int64, line string) compatStep {
	return compatStep{args: splitArgs(line), mode: nearInt, tol: tol}
}

// ttl and pttl allow for the time that passes between the two servers' replies and for flin-resp
// taking its clock before the write commits.
func ttl(key string) compatStep  { return near(2, "TTL "+key) }
func pttl(key string) compatStep { return near(2000, "PTTL "+key) }

func hello(line string) compatStep { return compatStep{args: splitArgs(line), mode: helloReply} }

func pairs(line string) compatStep { return compatStep{args: splitArgs(line), mode: pairsAnyOrd} }

func integer(line string) compatStep { return compatStep{args: splitArgs(line), mode: anyInt} }

// agree reports whether the replies of Redis (r) and flin-resp (f) to st agree, and the two as
// compared.
func (st compatStep) agree(r, f respValue) (bool, string, string) {
	switch st.mode {
	case nearInt:
		if r.Type == ':' && f.Type == ':' {
			ri, _ := strconv.ParseInt(r.Text, 10, 64)
			fi, _ := strconv.ParseInt(f.Text, 10, 64)
			return ri-fi <= st.tol && fi-ri <= st.tol, r.String(), f.String()
		}
	case anyInt:
		if r.Type == ':' && f.Type == ':' {
			return true, r.String(), f.String()
		}
	case helloReply:
		r, f = withPairValues(r, "version", "id"), withPairValues(f, "version", "id")
	case pairsAnyOrd:
		r, f = sortPairs(r), sortPairs(f)
	}
	rs, fs := r.String(), f.String()
	return rs == fs, rs, fs
}

func compatCases() []compatCase {
	now := time.Now()
	exat := strconv.FormatInt(now.Add(100*time.Second).Unix(), 10)
	pxat := strconv.FormatInt(now.Add(100*time.Second).UnixMilli(), 10)
	long := strings.Repeat("x", 200)
	return []compatCase{
		// Connection.
		{"PING answers PONG or echoes its argument", []compatStep{
			same("PING"), same("PING hello"), same(`PING ""`), same("PING a b"),
		}},
		{"ECHO returns its argument", []compatStep{
			same("ECHO hi"), same(`ECHO ""`), same(`ECHO "two words"`), same("ECHO"), same("ECHO a b"),
		}},
		{"command names are case-insensitive", []compatStep{
			same("ping"), same("PiNg"), same("set k v"), same("GeT k"), same("eXiStS k"),
		}},
		{"HELLO without a version reports the current protocol", []compatStep{
			hello("HELLO"),
		}},
		{"HELLO 2 and HELLO 3 switch the protocol of the replies", []compatStep{
			hello("HELLO 3"), same("GET missing"), same("MGET missing k"), same("CLIENT GETNAME"),
			same("CONFIG GET databases"), same("COMMAND INFO nosuch"), same("INFO nosuch"),
			hello("HELLO 2"), same("GET missing"), same("MGET missing k"), same("CONFIG GET databases"),
			same("COMMAND INFO nosuch"), same("INFO nosuch"),
		}},
		{"HELLO SETNAME names the connection and an empty name clears it", []compatStep{
			hello("HELLO 3 SETNAME conn1"), same("CLIENT GETNAME"),
			hello(`HELLO 2 SETNAME ""`), same("CLIENT GETNAME"),
			hello("HELLO 3 SETNAME a SETNAME b"), same("CLIENT GETNAME"),
		}},
		{"HELLO refuses an unsupported protocol version with NOPROTO", []compatStep{
			same("HELLO 1"), same("HELLO 4"), same("HELLO 0"), same("HELLO -1"), same("HELLO 3.0"),
			same("HELLO abc"), same("HELLO 99999999999999999999"), same(`HELLO ""`), same("HELLO 4 AUTH default x"),
		}},
		{"HELLO refuses unknown and incomplete options", []compatStep{
			same("HELLO 3 FOO"), same("HELLO 3 SETNAME"), same("HELLO 3 AUTH default"), same("HELLO 3 AUTH"),
			same(`HELLO 3 SETNAME "a b"`), same("HELLO 2 SETNAME a b"), same("CLIENT GETNAME"),
			same("GET missing"), // the protocol did not change
		}},
		{"HELLO keeps the name set before an option it refuses", []compatStep{
			same("HELLO 3 SETNAME n1 FOO"), same("CLIENT GETNAME"), same(`HELLO 3 SETNAME n2 SETNAME "a b"`),
			same("CLIENT GETNAME"), same("GET missing"),
		}},
		{"HELLO AUTH as the default user is accepted when it has no password", []compatStep{
			hello("HELLO 3 AUTH default anything"), same("HELLO 3 AUTH someone x"),
			same("HELLO 3 AUTH DEFAULT x"), hello("HELLO 2 auth default x setname n"), same("CLIENT GETNAME"),
		}},
		{"AUTH without a configured password is refused", []compatStep{
			same("AUTH x"), same("AUTH default x"), same("AUTH someone x"), same("AUTH a b c"), same("AUTH"),
		}},
		{"SELECT changes the database of the connection", []compatStep{
			same("SET k db0"), same("SELECT 1"), same("GET k"), same("SET k db1"), same("DBSIZE"),
			same("SELECT 15"), same("DBSIZE"), same("SELECT 0"), same("GET k"), same("DBSIZE"),
		}},
		{"SELECT refuses an index out of range or not an integer", []compatStep{
			same("SELECT 16"), same("SELECT -1"), same("SELECT x"), same("SELECT 1.5"), same(`SELECT ""`),
			same("SELECT 99999999999999999999"), same("SELECT"), same("SELECT 1 2"),
		}},
		{"CLIENT ID is an integer", []compatStep{
			integer("CLIENT ID"), integer("client id"), same("CLIENT ID x"),
		}},
		{"CLIENT SETNAME and GETNAME round-trip and an empty name clears it", []compatStep{
			same("CLIENT GETNAME"), same("CLIENT SETNAME n1"), same("CLIENT GETNAME"),
			same("client setname n2"), same("CLIENT GETNAME"), same(`CLIENT SETNAME ""`), same("CLIENT GETNAME"),
		}},
		{"CLIENT SETNAME refuses spaces, newlines and special characters", []compatStep{
			same(`CLIENT SETNAME "a b"`), sameArgs("CLIENT", "SETNAME", "a\nb"), sameArgs("CLIENT", "SETNAME", "é"),
			same("CLIENT SETNAME"), same("CLIENT SETNAME a b"), same("CLIENT GETNAME x"), same("CLIENT GETNAME"),
		}},
		{"CLIENT refuses an unknown subcommand", []compatStep{
			same("CLIENT FOO"), same("CLIENT foo bar"), same("CLIENT"), sameArgs("CLIENT", long),
		}},
		{"QUIT answers OK", []compatStep{
			same("QUIT"),
		}},
		{"QUIT ignores its arguments", []compatStep{
			same("QUIT now"),
		}},

		// Server.
		{"COMMAND refuses unknown subcommands and bad arity", []compatStep{
			same("COMMAND FOO"), same("COMMAND COUNT x"), same("COMMAND LIST x"), same("COMMAND LIST x y"),
			same("COMMAND LIST FILTERBY x"), same("COMMAND LIST FILTERBY FOO x"), same("COMMAND LIST foo PATTERN x"),
		}},
		{"COMMAND LIST FILTERBY filters by pattern, module and ACL category", []compatStep{
			same("COMMAND LIST FILTERBY PATTERN GET"), same("COMMAND LIST FILTERBY pattern pttl"),
			same("COMMAND LIST FILTERBY PATTERN nosuch*"), same("COMMAND LIST FILTERBY MODULE x"),
			same("COMMAND LIST FILTERBY ACLCAT nosuch"),
		}},
		{"COMMAND INFO and DOCS answer nil and nothing for unknown commands", []compatStep{
			same("COMMAND INFO nosuch"), same("COMMAND INFO nosuch other"), same("COMMAND DOCS nosuch"),
		}},
		{"CONFIG GET returns the parameters asked for, by name or glob pattern", []compatStep{
			pairs("CONFIG GET save"), pairs("CONFIG GET SAVE"), pairs("CONFIG GET databases"),
			pairs("CONFIG GET databases save"), pairs("CONFIG GET save SAVE"), pairs("CONFIG GET data*"),
			pairs("CONFIG GET databas?"), pairs("CONFIG GET d[a]tabases"), pairs("CONFIG GET DATA*"),
			pairs("CONFIG GET nosuch"), pairs("CONFIG GET nosuch*"),
		}},
		{"CONFIG refuses unknown subcommands and a GET without a pattern", []compatStep{
			same("CONFIG GET"), same("CONFIG FOO"), same("CONFIG"),
		}},
		{"INFO with an unknown section is empty", []compatStep{
			same("INFO nosuch"),
		}},
		{"DBSIZE counts the keys of the selected database", []compatStep{
			same("DBSIZE"), same("MSET a 1 b 2"), same("DBSIZE"), same("SELECT 2"), same("DBSIZE"),
			same("DBSIZE x"),
		}},
		{"FLUSHDB empties only the selected database", []compatStep{
			same("SET a 1"), same("SELECT 3"), same("SET b 1"), same("FLUSHDB"), same("DBSIZE"),
			same("SELECT 0"), same("DBSIZE"), same("GET a"), same("FLUSHDB ASYNC"), same("DBSIZE"),
			same("FLUSHDB sync"), same("FLUSHDB x"), same("FLUSHDB async sync"),
		}},
		{"FLUSHALL empties every database", []compatStep{
			same("SET a 1"), same("SELECT 4"), same("SET b 2"), same("FLUSHALL"), same("DBSIZE"),
			same("SELECT 0"), same("DBSIZE"), same("FLUSHALL ASYNC"), same("FLUSHALL sync"),
			same("FLUSHALL x"), same("FLUSHALL async sync"),
		}},

		// Strings.
		{"SET stores a value that GET returns", []compatStep{
			same("SET k v"), same("GET k"), same("GET missing"), same(`SET k ""`), same("GET k"),
			same(`SET k "two words"`), same("GET k"), sameArgs("SET", "bin", "a\r\nb\x00c"), sameArgs("GET", "bin"),
			same("SET"), same("SET k"), same("GET"), same("GET a b"),
		}},
		{"SET NX sets only a missing key", []compatStep{
			same("SET k v NX"), same("SET k w NX"), same("GET k"), same("SET k w nx"), same("GET k"),
		}},
		{"SET XX sets only an existing key", []compatStep{
			same("SET k v XX"), same("GET k"), same("SET k v"), same("SET k w XX"), same("GET k"),
		}},
		{"SET GET returns the old value", []compatStep{
			same("SET k v GET"), same("SET k w GET"), same("SET k x NX GET"), same("GET k"),
			same("SET k2 y NX GET"), same("SET k z XX GET"), same("SET k3 z XX GET"), same("GET k3"),
			same("SET k a get EX 100"), ttl("k"),
		}},
		{"SET EX and PX set a relative expiry", []compatStep{
			same("SET k v EX 100"), ttl("k"), pttl("k"), same("SET k v PX 100000"), ttl("k"),
			same("SET k v ex 50"), ttl("k"), same("SET k v px 50000"), pttl("k"),
		}},
		{"SET EXAT and PXAT set an absolute expiry", []compatStep{
			same("SET k v EXAT " + exat), ttl("k"), same("SET k v PXAT " + pxat), pttl("k"),
			same("SET k v exat " + exat), ttl("k"),
		}},
		{"SET with an absolute expiry in the past removes the key", []compatStep{
			same("SET k v PXAT 1"), same("GET k"), same("EXISTS k"), same("SET k v EXAT 1"), same("EXISTS k"),
			same("SET k v EXAT 1 GET"), same("MGET k"),
		}},
		{"SET KEEPTTL keeps the expiry and a plain SET clears it", []compatStep{
			same("SET k v EX 100"), same("SET k w KEEPTTL"), ttl("k"), same("GET k"), same("SET k x"),
			same("TTL k"), same("SET k2 v KEEPTTL"), same("TTL k2"),
		}},
		{"SET refuses conflicting options with a syntax error", []compatStep{
			same("SET k v NX XX"), same("SET k v XX NX"), same("SET k v EX 10 PX 100"), same("SET k v PX 1 EX 1"),
			same("SET k v EX 10 KEEPTTL"), same("SET k v KEEPTTL EX 10"), same("SET k v EXAT 1 PXAT 1"),
			same("SET k v EX 10 EXAT 10"), same("SET k v PX 10 PXAT 10"), same("SET k v EX"),
			same("SET k v FOO"), same("SET k v NX FOO"), same("SET k v GET FOO"), same("SET k v KEEPTTL PX 5"),
			same("DBSIZE"),
		}},
		{"SET accepts a repeated option and the last expiry wins", []compatStep{
			same("SET k v EX 10 EX 100"), ttl("k"), same("SET k v NX NX"), same("SET k v GET GET"),
			same("SET k v KEEPTTL KEEPTTL"), ttl("k"), same("SET k v PX 100 PX 200000"), pttl("k"),
			same("SET k v EX x EX 100"), same("SET k v EX 0 EX 100"), same("SET k v EX 100 EX x"),
			same("SET k v XX XX"), same("GET k"),
		}},
		{"SET refuses an invalid expire time", []compatStep{
			same("SET k v EX 0"), same("SET k v EX -1"), same("SET k v PX 0"), same("SET k v PX -5"),
			same("SET k v EXAT 0"), same("SET k v PXAT 0"), same("SET k v PXAT -1"), same("SET k v EXAT -1"),
			same("SET k v EX 9223372036854775807"), same("SET k v EX 9223372036854776"),
			same("SET k v EX 9223372036854775"), same("SET k v PX 9223372036854775807"),
			same("SET k v EXAT 9223372036854775807"), same("SET k v PXAT 9223372036854775807"), same("DEL k"),
		}},
		{"SET refuses an expire time that is not an integer", []compatStep{
			same("SET k v EX x"), same("SET k v EX 1.5"), same("SET k v PX 1e3"), same(`SET k v EX " 1"`),
			same("SET k v EX 01"), same("SET k v EX +1"), same(`SET k v EX ""`),
			same("SET k v PX 99999999999999999999"), same("EXISTS k"),
		}},
		{"DEL and EXISTS count keys, repeated ones included", []compatStep{
			same("MSET a 1 b 2 c 3"), same("EXISTS a"), same("EXISTS a a b nosuch"), same("DEL a a nosuch"),
			same("EXISTS a"), same("DEL b c"), same("DEL nosuch"), same("DEL"), same("EXISTS"),
		}},
		{"MSET sets every pair and MGET answers nil for missing keys", []compatStep{
			same("MSET a 1 b 2"), same("MGET a b c"), same("MSET a 3 a 4"), same("GET a"), same("MGET c"),
			same("MGET"), same("MSET a"), same("MSET a 1 b"), same("MSET"), same("MGET a"),
		}},
		{"INCR counts up from a missing key", []compatStep{
			same("INCR n"), same("INCR n"), same("GET n"), same("SET n 41"), same("INCR n"), same("SET n -1"),
			same("INCR n"), same("SET n -9223372036854775808"), same("INCR n"), same("INCR"), same("INCR a b"),
		}},
		{"INCR fails on a non-integer value", []compatStep{
			same("SET n abc"), same("INCR n"), same("SET n 1.5"), same("INCR n"), same(`SET n " 1"`), same("INCR n"),
			same("SET n 01"), same("INCR n"), same(`SET n ""`), same("INCR n"), same("SET n 12345678901234567890"),
			same("INCR n"), same(`SET n "1 "`), same("INCR n"), same("SET n +1"), same("INCR n"),
			same("SET n -0"), same("INCR n"), same("GET n"),
		}},
		{"INCR fails when the result would overflow", []compatStep{
			same("SET n 9223372036854775806"), same("INCR n"), same("INCR n"), same("GET n"),
		}},
		{"INCR keeps the expiry of the key", []compatStep{
			same("SET n 1 EX 100"), same("INCR n"), ttl("n"),
		}},

		// Keys and expiry.
		{"EXPIRE sets a TTL and answers 0 for a missing key", []compatStep{
			same("EXPIRE nosuch 10"), same("PEXPIRE nosuch 10"), same("SET k v"), same("EXPIRE k 100"), ttl("k"),
			pttl("k"), same("PEXPIRE k 200000"), ttl("k"), same("GET k"),
		}},
		{"EXPIRE NX sets a TTL only on a key without one", []compatStep{
			same("SET k v"), same("EXPIRE k 100 NX"), same("EXPIRE k 200 NX"), ttl("k"), same("PEXPIRE k 5000 nx"),
		}},
		{"EXPIRE XX sets a TTL only on a key with one", []compatStep{
			same("SET k v"), same("EXPIRE k 100 XX"), same("TTL k"), same("EXPIRE k 100"), same("EXPIRE k 200 XX"),
			ttl("k"), same("PEXPIRE k 300000 xx"), ttl("k"),
		}},
		{"EXPIRE GT only lengthens and LT only shortens a TTL", []compatStep{
			same("SET k v"), same("EXPIRE k 100 GT"), same("TTL k"), same("EXPIRE k 100 LT"), ttl("k"),
			same("EXPIRE k 50 GT"), same("EXPIRE k 200 GT"), ttl("k"), same("EXPIRE k 300 LT"),
			same("EXPIRE k 150 LT"), ttl("k"), same("EXPIRE k 500 XX GT"), ttl("k"), same("PEXPIRE k 100000 LT XX"),
			ttl("k"),
		}},
		{"EXPIRE with a time in the past deletes the key unless GT keeps it", []compatStep{
			same("SET k v"), same("EXPIRE k 0"), same("EXISTS k"), same("SET k v"), same("EXPIRE k -10"),
			same("GET k"), same("SET k v"), same("PEXPIRE k -9223372036854775808"), same("EXISTS k"),
			same("SET k v"), same("EXPIRE k -1 GT"), same("EXISTS k"), same("EXPIRE k -1 LT"), same("EXISTS k"),
		}},
		{"EXPIRE refuses incompatible or unknown options", []compatStep{
			same("SET k v"), same("EXPIRE k 10 NX XX"), same("EXPIRE k 10 NX GT"), same("EXPIRE k 10 NX LT"),
			same("EXPIRE k 10 GT LT"), same("EXPIRE k 10 FOO"), same("EXPIRE k 10 nx xx"),
			same("PEXPIRE k 10 GT LT"), same("PEXPIRE k 10 BAR"), same("TTL k"), same("EXPIRE k 100 NX NX"), ttl("k"),
			same("EXPIRE"), same("EXPIRE k"), same("PEXPIRE k"),
		}},
		{"EXPIRE refuses a time that is not an integer or overflows", []compatStep{
			same("SET k v"), same("EXPIRE k x"), same("EXPIRE k 1.5"), same(`EXPIRE k ""`),
			same("EXPIRE k 9223372036854775807"), same("EXPIRE k 9223372036854775"),
			same("EXPIRE k -9223372036854775808"), same("EXPIRE k -9223372036854775"),
			same("PEXPIRE k 9223372036854775807"), same("PEXPIRE k x"), same("EXPIRE k x FOO"), same("TTL k"),
		}},
		{"TTL and PTTL answer -2 for a missing key and -1 for a key without expiry", []compatStep{
			same("TTL nosuch"), same("PTTL nosuch"), same("SET k v"), same("TTL k"), same("PTTL k"),
			same("TTL"), same("PTTL a b"),
		}},
		{"PERSIST removes the expiry of a key", []compatStep{
			same("SET k v EX 100"), same("PERSIST k"), same("TTL k"), same("PERSIST k"), same("PERSIST nosuch"),
			same("GET k"), same("PERSIST"), same("PERSIST a b"),
		}},

		// Unknown commands.
		{"an unknown command is refused with its arguments quoted", []compatStep{
			same("FOO"), same("FOO bar baz"), same(`FOO "a b" ""`), sameArgs("FOO", long, long),
			sameArgs(strings.Repeat("z", 40)), sameArgs(strings.Repeat("y", 200), "a"), sameArgs("FOO", "a\r\nb"),
			sameArgs(""),
		}},
	}
}

func TestCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := compatCases()
	runCasesFourWays(t, rd.Addr, fl.Addr, cases)
}

func flushBoth(t *testing.T, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		c := dialRaw(t, a)
		if v := c.do("FLUSHALL"); v.String() != `+"OK"` {
			t.Fatalf("FLUSHALL on %s: %s", a, v)
		}
		c.nc.Close()
	}
}

// runRawCase runs tc over raw connections, in RESP3 after HELLO 3 when proto is 3.
func runRawCase(t *testing.T, redisAddr, flinAddr string, proto int, tc compatCase) {
	rc, fc := dialRaw(t, redisAddr), dialRaw(t, flinAddr)
	steps := tc.steps
	if proto == 3 {
		steps = append([]compatStep{hello("HELLO 3")}, steps...)
	}
	for i, st := range steps {
		r, f := rc.do(st.args...), fc.do(st.args...)
		if ok, rs, fs := st.agree(r, f); !ok {
			t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, rs, fs)
		}
	}
}

// runGoRedisCase runs tc through go-redis clients of their own, so that SELECT, HELLO and QUIT
// cannot leak into another case.
func runGoRedisCase(t *testing.T, redisAddr, flinAddr string, proto int, tc compatCase) {
	one := func(o *redis.Options) { o.PoolSize = 1 }
	rc, fc := newGoRedis(t, redisAddr, proto, one), newGoRedis(t, flinAddr, proto, one)
	ctx := ctxTimeout(t)
	for i, st := range tc.steps {
		args := make([]any, len(st.args))
		for j, a := range st.args {
			args[j] = a
		}
		r := fromGoRedis(rc.Do(ctx, args...).Result())
		f := fromGoRedis(fc.Do(ctx, args...).Result())
		if ok, rs, fs := st.agree(r, f); !ok {
			t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, rs, fs)
		}
	}
}

// TestCommandTableMatchesRedis checks what COMMAND INFO says of every command flin-resp has:
// the arity and key positions clients use to route commands must be Redis's, and a write command
// must be flagged write as in Redis.
func TestCommandTableMatchesRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
			if proto == 3 {
				rc.do("HELLO", "3")
				fc.do("HELLO", "3")
			}
			list := fc.do("COMMAND", "LIST") // commands and subcommands, as in Redis
			top := 0
			for _, name := range list.Elems {
				if !strings.Contains(name.Text, "|") {
					top++
				}
			}
			count := fc.do("COMMAND", "COUNT")
			if count.Text != strconv.Itoa(top) {
				t.Errorf("COMMAND COUNT = %s, COMMAND LIST has %d names without a subcommand", count, top)
			}
			all := fc.do("COMMAND")
			if len(all.Elems) != top {
				t.Errorf("COMMAND describes %d commands, COMMAND LIST has %d", len(all.Elems), top)
			}
			for _, name := range list.Elems {
				if flinOnlyCommands[name.Text] {
					continue
				}
				r := rc.do("COMMAND", "INFO", name.Text)
				f := fc.do("COMMAND", "INFO", name.Text)
				if newerThanRedis70[name.Text] {
					continue
				}
				if len(r.Elems) != 1 || len(r.Elems[0].Elems) < 7 {
					t.Errorf("redis: COMMAND INFO %s = %s", name.Text, r)
					continue
				}
				if len(f.Elems) != 1 || len(f.Elems[0].Elems) != 10 {
					t.Errorf("flin-resp: COMMAND INFO %s = %s, want one entry of 10 fields", name.Text, f)
					continue
				}
				re, fe := r.Elems[0].Elems, f.Elems[0].Elems
				for i, field := range []string{"name", "arity", "flags", "first key", "last key", "step"} {
					if i == 2 {
						if fe[2].Type != re[2].Type {
							t.Errorf("%s: flags are %c, Redis's %c", name.Text, fe[2].Type, re[2].Type)
						}
						continue
					}
					if fe[i].String() != re[i].String() {
						t.Errorf("%s: %s = %s, Redis says %s", name.Text, field, fe[i], re[i])
					}
				}
				if hasFlag(fe[2], "write") != hasFlag(re[2], "write") {
					t.Errorf("%s: write flag %v, Redis %v", name.Text, hasFlag(fe[2], "write"), hasFlag(re[2], "write"))
				}
				if hasFlag(re[2], "no_auth") && !hasFlag(fe[2], "no_auth") {
					t.Errorf("%s: Redis allows it before AUTH, flin-resp does not say so", name.Text)
				}
				if fe[8].String() != re[8].String() {
					t.Errorf("%s: key specs\n flin-resp: %s\n redis:     %s", name.Text, fe[8], re[8])
				}
				var rsubs, fsubs []string
				for _, s := range re[9].Elems {
					if !newerThanRedis70[s.Elems[0].Text] && hasName(list, s.Elems[0].Text) {
						rsubs = append(rsubs, s.Elems[0].Text)
					}
				}
				for _, s := range fe[9].Elems {
					if !newerThanRedis70[s.Elems[0].Text] {
						fsubs = append(fsubs, s.Elems[0].Text)
					}
				}
				sort.Strings(rsubs)
				if fmt.Sprint(fsubs) != fmt.Sprint(rsubs) {
					t.Errorf("%s: subcommands %q, Redis's that flin-resp has %q", name.Text, fsubs, rsubs)
				}
			}
		})
	}
}

// flinOnlyCommands are flin-resp's own commands, which Redis does not have.
var flinOnlyCommands = map[string]bool{"raft": true}

// newerThanRedis70 are the subcommands flin-resp answers as Redis 7.2 does, which Redis 7.0 does
// not have: clients send them on connect.
var newerThanRedis70 = map[string]bool{"client|setinfo": true, "client|no-touch": true}

func hasName(list respValue, name string) bool {
	for _, e := range list.Elems {
		if e.Text == name {
			return true
		}
	}
	return false
}

func hasFlag(flags respValue, f string) bool {
	for _, e := range flags.Elems {
		if e.Text == f {
			return true
		}
	}
	return false
}

// TestInfoSectionsMatchRedis checks INFO's sections: headers in Redis's words and order, and the
// fields tools read under Redis's names. Every field flin-resp prints in a section Redis has must
// exist in Redis's section too, apart from a few that are flin-resp's own.
func TestInfoSectionsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	ownFields := map[string]bool{"flin_resp_version": true, "go_version": true, "disk_lsm_bytes": true, "disk_vlog_bytes": true,
		// INFO replication adds Raft's view to Redis's fields.
		"raft_node_id": true, "raft_state": true, "raft_term": true, "raft_leader_id": true, "raft_commit_index": true, "raft_applied_index": true}
	// Until it has elected itself (~150ms after start) the node is a follower, and INFO replication
	// shows a Redis replica's fields, which a Redis master does not have.
	for _, k := range []string{"master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
		"master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
		"slave_read_only", "replica_announced"} {
		ownFields[k] = true
	}
	required := map[string][]string{
		"server":  {"redis_version", "redis_mode", "os", "arch_bits", "process_id", "run_id", "tcp_port", "uptime_in_seconds", "uptime_in_days", "hz", "executable", "config_file"},
		"clients": {"connected_clients", "maxclients", "blocked_clients"},
		"persistence": {"loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time", "rdb_last_bgsave_status",
			"rdb_last_bgsave_time_sec", "rdb_saves", "aof_enabled", "aof_rewrite_in_progress"},
		"replication": {"role", "connected_slaves", "master_repl_offset"},
		"stats": {"total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec", "total_net_input_bytes",
			"total_net_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps", "rejected_connections", "expired_keys",
			"evicted_keys", "keyspace_hits", "keyspace_misses", "total_error_replies", "total_reads_processed", "total_writes_processed"},
		"memory": {"used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human", "used_memory_peak",
			"used_memory_peak_human", "total_system_memory", "maxmemory", "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio"},
		"cpu":        {"used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children"},
		"errorstats": {},
		"cluster":    {"cluster_enabled"},
	}
	for _, proto := range respProtocols {
		t.Run(protoName(proto), func(t *testing.T) {
			ctx := ctxTimeout(t)
			rc, fc := newGoRedis(t, rd.Addr, proto), newGoRedis(t, fl.Addr, proto)
			for sec, fields := range required {
				t.Run("INFO "+sec+" has Redis's header and fields", func(t *testing.T) {
					rtext, err := rc.Info(ctx, sec).Result()
					if err != nil {
						t.Fatal(err)
					}
					ftext, err := fc.Info(ctx, sec).Result()
					if err != nil {
						t.Fatal(err)
					}
					rsec, rf := infoFields(rtext)
					fsec, ff := infoFields(ftext)
					if fmt.Sprint(fsec) != fmt.Sprint(rsec) {
						t.Errorf("sections %q, Redis %q", fsec, rsec)
					}
					for _, k := range fields {
						if _, ok := rf[k]; !ok {
							t.Errorf("test expects field %s, which Redis does not have", k)
						}
						if _, ok := ff[k]; !ok {
							t.Errorf("field %s missing:\n%s", k, ftext)
						}
					}
					for k := range ff {
						if _, ok := rf[k]; !ok && !ownFields[k] {
							t.Errorf("field %s is not one of Redis's", k)
						}
					}
				})
			}
			t.Run("INFO server reports the port and Redis's mode", func(t *testing.T) {
				text, err := fc.Info(ctx, "server").Result()
				if err != nil {
					t.Fatal(err)
				}
				_, f := infoFields(text)
				if !strings.HasSuffix(fl.Addr, ":"+f["tcp_port"]) || f["redis_mode"] != "standalone" {
					t.Errorf("tcp_port %q (address %s), redis_mode %q", f["tcp_port"], fl.Addr, f["redis_mode"])
				}
				if !strings.HasPrefix(f["redis_version"], "7.") {
					t.Errorf("redis_version %q, want 7.x", f["redis_version"])
				}
			})
			t.Run("INFO replication reports the role of a leader as master", func(t *testing.T) {
				// A single node becomes leader a moment after it starts accepting clients.
				deadline := time.Now().Add(15 * time.Second)
				for {
					text, err := fc.Info(ctx, "replication").Result()
					if err != nil {
						t.Fatal(err)
					}
					_, f := infoFields(text)
					if f["role"] == "master" {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("role %q after 15s:\n%s", f["role"], text)
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
			t.Run("INFO with several sections prints them in Redis's order", func(t *testing.T) {
				for _, c := range []*redis.Client{rc, fc} {
					text, err := c.Info(ctx, "keyspace", "server", "clients").Result()
					if err != nil {
						t.Fatal(err)
					}
					if sec, _ := infoFields(text); fmt.Sprint(sec) != "[Server Clients Keyspace]" {
						t.Errorf("%s: sections %q", c.Options().Addr, sec)
					}
				}
			})
			t.Run("INFO without a section includes the default sections", func(t *testing.T) {
				text, err := fc.Info(ctx).Result()
				if err != nil {
					t.Fatal(err)
				}
				sec, _ := infoFields(text)
				want := []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"}
				i := 0
				for _, s := range sec {
					if i < len(want) && s == want[i] {
						i++
					}
				}
				if i != len(want) {
					t.Errorf("sections %q, want %q in this order", sec, want)
				}
			})
		})
	}
	t.Run("INFO keyspace counts keys and expiries per database as Redis does", func(t *testing.T) {
		ctx := ctxTimeout(t)
		var got [2]string
		for i, addr := range []string{rd.Addr, fl.Addr} {
			c0 := newGoRedis(t, addr, 3)
			c5 := newGoRedis(t, addr, 2, func(o *redis.Options) { o.DB = 5 })
			if err := c0.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			c0.Set(ctx, "ks:a", "1", 0)
			c0.Set(ctx, "ks:b", "1", time.Hour)
			c5.MSet(ctx, "ks:c", "1", "ks:d", "2", "ks:e", "3")
			if err := c5.Expire(ctx, "ks:c", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			text, err := c0.Info(ctx, "keyspace").Result()
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, line := range strings.Split(text, "\r\n") {
				// avg_ttl is an estimate: compare what comes before it.
				line, _, _ = strings.Cut(line, ",avg_ttl=")
				b.WriteString(line + "\n")
			}
			got[i] = b.String()
		}
		if got[0] != got[1] {
			t.Errorf("INFO keyspace:\n redis:\n%s flin-resp:\n%s", got[0], got[1])
		}
	})
}

// runCasesFourWays runs every case against Redis and flin-resp over raw RESP2 and RESP3 and through
// go-redis in both protocols, flushing both servers before each case.
func runCasesFourWays(t *testing.T, redisAddr, flinAddr string, cases []compatCase) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		t.Run("raw "+protoName(proto), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					flushBoth(t, redisAddr, flinAddr)
					runRawCase(t, redisAddr, flinAddr, proto, tc)
				})
			}
		})
	}
	for _, proto := range respProtocols {
		t.Run("go-redis "+protoName(proto), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					flushBoth(t, redisAddr, flinAddr)
					runGoRedisCase(t, redisAddr, flinAddr, proto, tc)
				})
			}
		})
	}
}
