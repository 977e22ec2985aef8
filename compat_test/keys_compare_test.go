package compat_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// The keyspace and expiry commands against a real redis-server, replies compared four ways (raw
// RESP2 and RESP3, go-redis in both protocols). keys_behaviour_test.go fuzzes glob patterns,
// iterates SCAN under concurrent writes and watches expired keys go in the background.

// keyStep is a step of a keyspace case. Replies whose order Redis does not define (KEYS, SCAN)
// are normalised before they are compared.
type keyStep struct {
	compatStep
	norm func(respValue) respValue // applied to both replies; nil: compared as they are
	scan bool                      // args are a SCAN; the step iterates it to the end, see scanAll
	wait time.Duration             // no command: the step waits this long (for a key to expire)
}

type keyCase struct {
	name  string
	steps []keyStep
}

func ks(line string) keyStep { return keyStep{compatStep: same(line)} }

// ksWait lets d pass, so that keys set to expire before it have expired.
func ksWait(d time.Duration) keyStep { return keyStep{wait: d} }

func ksArgs(args ...string) keyStep { return keyStep{compatStep: sameArgs(args...)} }

func ksNear(tol int64, line string) keyStep { return keyStep{compatStep: near(tol, line)} }

// ksSorted compares an array reply as a multiset.
func ksSorted(line string) keyStep { return keyStep{compatStep: same(line), norm: sortedElems} }

// ksScan runs a SCAN command line to the end and compares the keys returned as a set. A reply that
// is not a cursor and a page (an error) is compared as it is.
func ksScan(line string) keyStep { return keyStep{compatStep: same(line), scan: true} }

func sortedElems(v respValue) respValue {
	if v.Elems == nil {
		return v
	}
	out := v
	out.Elems = append([]respValue(nil), v.Elems...)
	sort.Slice(out.Elems, func(i, j int) bool { return out.Elems[i].String() < out.Elems[j].String() })
	return out
}

// scanAll iterates SCAN (args[1] is the first cursor) until the cursor is 0, at most 10000 calls,
// and returns the set of keys seen as a sorted array, or the first reply that is not a page.
func scanAll(do func(args ...string) respValue, args []string) respValue {
	seen := map[string]respValue{}
	args = append([]string(nil), args...)
	for range 10000 {
		r := do(args...)
		if len(r.Elems) != 2 || len(r.Elems[0].Text) == 0 {
			return r
		}
		for _, k := range r.Elems[1].Elems {
			seen[k.Text] = k
		}
		if r.Elems[0].Text == "0" {
			out := respValue{Type: '*', Elems: []respValue{}}
			for _, k := range seen {
				out.Elems = append(out.Elems, k)
			}
			return sortedElems(out)
		}
		args[1] = r.Elems[0].Text
	}
	return respValue{Type: '?', Text: "SCAN did not end after 10000 calls"}
}

func (st keyStep) run(do func(args ...string) respValue) respValue {
	var v respValue
	if st.wait > 0 {
		time.Sleep(st.wait)
		return v
	}
	if st.scan {
		v = scanAll(do, st.args)
	} else {
		v = do(st.args...)
	}
	if st.norm != nil {
		v = st.norm(v)
	}
	return v
}

func TestKeyspaceCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := keyCases()
	for _, proto := range []int{2, 3} {
		t.Run("raw "+protoName(proto), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					flushBoth(t, rd.Addr, fl.Addr)
					rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
					if proto == 3 {
						rc.do("HELLO", "3")
						fc.do("HELLO", "3")
					}
					for i, st := range tc.steps {
						r, f := st.run(rc.do), st.run(fc.do)
						if ok, rs, fs := st.agree(r, f); !ok {
							t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, rs, fs)
						}
					}
				})
			}
		})
	}
	for _, proto := range respProtocols {
		t.Run("go-redis "+protoName(proto), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					flushBoth(t, rd.Addr, fl.Addr)
					one := func(o *redis.Options) { o.PoolSize = 1 }
					rc, fc := newGoRedis(t, rd.Addr, proto, one), newGoRedis(t, fl.Addr, proto, one)
					ctx := ctxTimeout(t)
					doer := func(c *redis.Client) func(args ...string) respValue {
						return func(args ...string) respValue {
							a := make([]any, len(args))
							for i, s := range args {
								a[i] = s
							}
							return fromGoRedis(c.Do(ctx, a...).Result())
						}
					}
					for i, st := range tc.steps {
						r, f := st.run(doer(rc)), st.run(doer(fc))
						if ok, rs, fs := st.agree(r, f); !ok {
							t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, rs, fs)
						}
					}
				})
			}
		})
	}
}

func keyCases() []keyCase {
	future := strconv.FormatInt(time.Now().Add(100*time.Second).Unix(), 10)
	futureMs := strconv.FormatInt(time.Now().Add(100*time.Second).UnixMilli(), 10)
	return []keyCase{
		{"UNLINK deletes like DEL and counts the keys that existed", []keyStep{
			ks("MSET a 1 b 2 c 3"), ks("UNLINK a a nosuch"), ks("EXISTS a b"), ks("UNLINK b c"), ks("UNLINK nosuch"),
			ks("DBSIZE"), ks("UNLINK"),
		}},
		{"TOUCH counts the existing keys", []keyStep{
			ks("MSET a 1 b 2"), ks("TOUCH a"), ks("TOUCH a a b nosuch"), ks("TOUCH nosuch"), ks("TOUCH"),
		}},
		{"TYPE names the type of a key and none for a missing one", []keyStep{
			ks("SET s v"), ks("TYPE s"), ks("TYPE nosuch"), ks("SET n 12"), ks("TYPE n"), ks("TYPE"), ks("TYPE a b"),
		}},
		{"KEYS returns the keys that match a pattern", []keyStep{
			ks("MSET user:1 a user:2 b user:10 c other x"), ksSorted("KEYS *"), ksSorted("KEYS user:*"),
			ksSorted("KEYS user:?"), ksSorted("KEYS user:[12]"), ksSorted("KEYS *1*"), ksSorted("KEYS nosuch*"),
			ksSorted("KEYS other"), ksSorted("KEYS ot"), ksSorted(`KEYS ""`), ks("KEYS"), ks("KEYS a b"),
		}},
		{"KEYS follows escapes, classes and negation", []keyStep{
			ksArgs("MSET", "a*b", "1", "a?b", "2", "a[b", "3", "a\\b", "4", "axb", "5", "a-b", "6", "a]b", "7", "A", "8"),
			ksSorted(`KEYS a\*b`), ksSorted(`KEYS a\?b`), ksSorted(`KEYS a\[b`), ksSorted(`KEYS a\\b`),
			ksSorted("KEYS a[^x]b"), ksSorted("KEYS a[x-]b"), ksSorted("KEYS a[]]b"), ksSorted("KEYS a[a-z]b"),
			ksSorted("KEYS a[z-a]b"), ksSorted(`KEYS a[\]]b`), ksSorted("KEYS a[b"), ksSorted("KEYS a["),
			ksSorted("KEYS [a"), ksSorted("KEYS a"), ksSorted("KEYS [A-Z]"), ksSorted("KEYS [^a]*"), ksSorted("KEYS **"),
			ksSorted(`KEYS \`), ksSorted(`KEYS a*\`),
		}},
		{"KEYS star matches the empty key and a pattern of stars does not", []keyStep{
			ks(`SET "" empty`), ks("SET a 1"), ksSorted("KEYS *"), ksSorted("KEYS **"), ksSorted(`KEYS ""`),
			ksSorted("KEYS ?*"), ksScan("SCAN 0 MATCH **"), ksScan("SCAN 0 MATCH *"),
		}},
		{"KEYS and SCAN leave out expired keys", []keyStep{
			ks("SET live v"), ks("SET gone v PX 1"), ksWait(5 * time.Millisecond), ks("MSET x 1"), ksSorted("KEYS *"), ksScan("SCAN 0"),
			ks("EXISTS gone"),
		}},
		{"SCAN iterates every key, whatever COUNT", []keyStep{
			ks("MSET k1 1 k2 2 k3 3 k4 4 k5 5 k6 6 k7 7 k8 8 k9 9 k10 10 k11 11 k12 12 other 1"),
			ksScan("SCAN 0"), ksScan("SCAN 0 COUNT 1"), ksScan("SCAN 0 COUNT 3"), ksScan("SCAN 0 COUNT 1000"),
			ksScan("SCAN 0 count 2 match k1*"), ksScan("SCAN 0 MATCH k? COUNT 5"), ksScan("SCAN 0 MATCH nosuch*"),
			ksScan("SCAN 0 TYPE string"), ksScan("SCAN 0 TYPE STRING"), ksScan("SCAN 0 TYPE list"),
			ksScan("SCAN 0 TYPE nosuch"), ksScan("SCAN 0 MATCH k1 TYPE string COUNT 2"),
			ksScan("SCAN 0 COUNT 1 COUNT 5"), ksScan("SCAN 0 MATCH a MATCH k2"),
		}},
		{"SCAN accepts the cursors strtoul accepts", []keyStep{
			ks("SET a 1"), ksScan(`SCAN ""`), ksScan("SCAN +0"), ksScan("SCAN -0"), ksScan("SCAN 00"),
		}},
		{"SCAN refuses a bad cursor or option", []keyStep{
			ks("SCAN x"), ks("SCAN 1.5"), ks(`SCAN " 1"`), ks(`SCAN "1 "`), ks("SCAN 0x10"), ks("SCAN +"), ks("SCAN -"),
			ks("SCAN 18446744073709551616"), ks("SCAN 99999999999999999999"), ks("SCAN x COUNT 0"),
			ks("SCAN 0 COUNT 0"), ks("SCAN 0 COUNT -1"), ks("SCAN 0 COUNT x"), ks("SCAN 0 COUNT"),
			ks("SCAN 0 COUNT 1.5"), ks("SCAN 0 MATCH"), ks("SCAN 0 TYPE"), ks("SCAN 0 FOO"), ks("SCAN 0 FOO bar"),
			ks("SCAN 0 COUNT 99999999999999999999"), ks("SCAN 0 COUNT 0 FOO"), ks("SCAN 0 FOO COUNT 0"),
			ks("SCAN"),
		}},
		{"RANDOMKEY answers nil in an empty database and the key in a database of one", []keyStep{
			ks("RANDOMKEY"), ks("SET only v"), ks("RANDOMKEY"), ks("SET gone v PX 1"), ksWait(5 * time.Millisecond), ks("RANDOMKEY"),
			ks("RANDOMKEY x"),
		}},
		{"RENAME moves the value and its TTL and overwrites the target", []keyStep{
			ks("SET a 1 EX 100"), ks("SET b 2"), ks("RENAME a b"), ks("GET b"), ks("EXISTS a"), ksNear(2, "TTL b"),
			ks("RENAME b c"), ks("GET c"), ks("DBSIZE"), ks("SET d 4"), ks("RENAME d c"), ks("TTL c"),
		}},
		{"RENAME of a missing key is an error, also onto itself", []keyStep{
			ks("RENAME nosuch b"), ks("RENAME nosuch nosuch"), ks("SET a 1"), ks("RENAME a a"), ks("GET a"),
			ks("SET x v PX 1"), ksWait(5 * time.Millisecond), ks("RENAME x y"), ks("RENAME"), ks("RENAME a"), ks("RENAME a b c"),
		}},
		{"RENAMENX renames only onto a missing key", []keyStep{
			ks("MSET a 1 b 2"), ks("RENAMENX a b"), ks("GET a"), ks("RENAMENX a c"), ks("GET c"), ks("EXISTS a"),
			ks("RENAMENX c c"), ks("RENAMENX nosuch x"), ks("RENAMENX nosuch nosuch"), ks("SET e v PX 1"), ksWait(5 * time.Millisecond),
			ks("RENAMENX c e"), ks("GET e"), ks("RENAMENX c"),
		}},
		{"COPY copies a value and its TTL, to another database too", []keyStep{
			ks("SET a 1 EX 100"), ks("COPY a b"), ks("GET b"), ksNear(2, "TTL b"), ks("COPY a b"), ks("SET c 3"),
			ks("COPY c b REPLACE"), ks("GET b"), ks("TTL b"), ks("COPY a b DB 2"), ks("COPY a b db 2 replace"),
			ks("SELECT 2"), ks("GET b"), ksNear(2, "TTL b"), ks("SELECT 0"), ks("COPY nosuch z"), ks("EXISTS z"),
			ks("COPY a x REPLACE REPLACE"), ks("COPY a y DB 0 DB 3"), ks("SELECT 3"), ks("GET y"),
		}},
		{"COPY refuses the same key, bad options and database numbers", []keyStep{
			ks("SET a 1"), ks("COPY a a"), ks("COPY a a REPLACE"), ks("COPY a a DB 0"), ks("COPY a a DB 1"),
			ks("COPY a b FOO"), ks("COPY a b DB"), ks("COPY a b DB x"), ks("COPY a b DB 16"), ks("COPY a b DB -1"),
			ks("COPY a b DB 99999999999"), ks("COPY a b DB 1.5"), ks("COPY a b REPLACE FOO"), ks("COPY a b DB x FOO"),
			ks("COPY a b FOO DB x"), ks("COPY nosuch nosuch"), ks("COPY a"), ks("COPY"), ks("DBSIZE"),
		}},
		{"MOVE moves a key and its TTL to another database unless it exists there", []keyStep{
			ks("SET a 1 EX 100"), ks("MOVE a 1"), ks("EXISTS a"), ks("SELECT 1"), ks("GET a"), ksNear(2, "TTL a"),
			ks("SET b 2"), ks("SELECT 0"), ks("SET b 0"), ks("MOVE b 1"), ks("GET b"), ks("MOVE nosuch 1"),
			ks("SET x v PX 1"), ksWait(5 * time.Millisecond), ks("MOVE x 1"),
		}},
		{"MOVE refuses the same database and bad numbers", []keyStep{
			ks("SET a 1"), ks("MOVE a 0"), ks("MOVE a 16"), ks("MOVE a -1"), ks("MOVE a x"), ks("MOVE a 99999999999"),
			ks("MOVE nosuch 0"), ks("MOVE a"), ks("MOVE a 1 2"),
		}},
		{"SWAPDB swaps the contents of two databases for every client", []keyStep{
			ks("SET a db0"), ks("SELECT 1"), ks("SET b db1"), ks("SET c db1"), ks("SWAPDB 0 1"), ksSorted("KEYS *"),
			ks("DBSIZE"), ks("SELECT 0"), ksSorted("KEYS *"), ks("DBSIZE"), ks("GET b"), ks("SWAPDB 1 0"), ks("GET a"),
			ks("SWAPDB 2 2"), ks("GET a"), ks("SWAPDB 0 5"), ks("DBSIZE"), ks("SELECT 5"), ks("GET a"), ks("FLUSHDB"),
			ks("SELECT 0"), ks("SWAPDB 0 5"), ks("GET a"),
		}},
		{"SWAPDB refuses bad database numbers", []keyStep{
			ks("SWAPDB 0 16"), ks("SWAPDB 16 0"), ks("SWAPDB -1 0"), ks("SWAPDB x 0"), ks("SWAPDB 0 x"),
			ks("SWAPDB x y"), ks("SWAPDB 0 99999999999"), ks("SWAPDB 99999999999 x"), ks("SWAPDB 1.5 0"),
			ks("SWAPDB 0"), ks("SWAPDB 0 1 2"),
		}},
		{"OBJECT ENCODING reports Redis's string encodings", []keyStep{
			ks("SET i 12345"), ks("OBJECT ENCODING i"), ks("SET neg -42"), ks("object encoding neg"),
			ks("SET big 12345678901234567890"), ks("OBJECT ENCODING big"), ks("SET long 1234567890123456789"),
			ks("OBJECT ENCODING long"), ks("SET e abc"), ks("OBJECT ENCODING e"), ks("SET z 01"), ks("OBJECT ENCODING z"),
			ksArgs("SET", "s44", strings.Repeat("x", 44)), ks("OBJECT ENCODING s44"),
			ksArgs("SET", "s45", strings.Repeat("x", 45)), ks("OBJECT ENCODING s45"), ks(`SET empty ""`),
			ks("OBJECT ENCODING empty"), ks("OBJECT ENCODING nosuch"), ks("INCR n"), ks("OBJECT ENCODING n"),
		}},
		{"OBJECT REFCOUNT reports shared small integers", []keyStep{
			ks("SET a 100"), ks("OBJECT REFCOUNT a"), ks("SET a 9999"), ks("OBJECT REFCOUNT a"), ks("SET a 10000"),
			ks("OBJECT REFCOUNT a"), ks("SET a -1"), ks("OBJECT REFCOUNT a"), ks("SET a 0"), ks("OBJECT REFCOUNT a"),
			ks("SET a x"), ks("OBJECT REFCOUNT a"), ks("OBJECT REFCOUNT nosuch"),
		}},
		{"OBJECT IDLETIME, FREQ and HELP", []keyStep{
			ks("SET a v"), ksNear(2, "OBJECT IDLETIME a"), ks("OBJECT IDLETIME nosuch"), ks("OBJECT FREQ a"),
			ks("OBJECT FREQ nosuch"), ks("OBJECT HELP"), ks("object help"),
		}},
		{"OBJECT refuses unknown subcommands and wrong arity", []keyStep{
			ks("OBJECT"), ks("OBJECT FOO"), ks("OBJECT foo bar"), ks("OBJECT ENCODING"), ks("OBJECT ENCODING a b"),
			ks("OBJECT REFCOUNT"), ks("OBJECT IDLETIME a b"), ks("OBJECT FREQ"), ks("OBJECT HELP x"),
			ksArgs("OBJECT", strings.Repeat("s", 200)),
		}},
		{"EXPIREAT and PEXPIREAT set an absolute expiry", []keyStep{
			ks("SET a v"), ks("EXPIREAT a " + future), ksNear(2, "TTL a"), ks("EXPIRETIME a"), ks("PEXPIREAT a " + futureMs),
			ks("PEXPIRETIME a"), ks("EXPIRETIME a"), ksNear(2000, "PTTL a"), ks("EXPIREAT nosuch " + future),
		}},
		{"EXPIREAT in the past deletes the key", []keyStep{
			ks("SET a v"), ks("EXPIREAT a 1"), ks("EXISTS a"), ks("SET a v"), ks("PEXPIREAT a 0"), ks("EXISTS a"),
			ks("SET a v"), ks("EXPIREAT a -5"), ks("EXISTS a"), ks("SET a v"), ks("EXPIREAT a 1 GT"), ks("EXISTS a"),
			ks("EXPIREAT a 1 XX"), ks("EXPIREAT a 1 NX"), ks("EXISTS a"),
		}},
		{"EXPIREAT takes NX, XX, GT and LT", []keyStep{
			ks("SET a v"), ks("EXPIREAT a " + future + " XX"), ks("EXPIREAT a " + future + " NX"),
			ks("EXPIREAT a " + future + " NX"), ks("PEXPIREAT a " + futureMs + "0 GT"), ks("PEXPIREAT a 99999999999999 LT"),
			ks("PEXPIRETIME a"), ks("EXPIREAT a 1 NX XX"), ks("EXPIREAT a 1 GT LT"), ks("EXPIREAT a 1 FOO"),
			ksArgs("EXPIREAT", "a", "1", "X\x00Y"),
		}},
		{"EXPIREAT refuses times that are not integers or overflow", []keyStep{
			ks("SET a v"), ks("EXPIREAT a x"), ks("EXPIREAT a 1.5"), ks("EXPIREAT a 9223372036854775807"),
			ks("EXPIREAT a 9223372036854775"), ks("EXPIRETIME a"), ks("EXPIREAT a -9223372036854775808"),
			ks("PEXPIREAT a 9223372036854775807"), ks("PEXPIRETIME a"), ks("EXPIRETIME a"),
			ks("PEXPIREAT a -9223372036854775808"), ks("EXISTS a"), ks("EXPIREAT a"), ks("PEXPIREAT"),
		}},
		{"EXPIRETIME and PEXPIRETIME answer -2 and -1 like TTL", []keyStep{
			ks("EXPIRETIME nosuch"), ks("PEXPIRETIME nosuch"), ks("SET a v"), ks("EXPIRETIME a"), ks("PEXPIRETIME a"),
			ks("PEXPIREAT a 99999999999999"), ks("EXPIRETIME a"), ks("PEXPIREAT a 99999999999499"), ks("EXPIRETIME a"),
			ks("PEXPIREAT a 99999999999500"), ks("EXPIRETIME a"), ks("EXPIRETIME"), ks("PEXPIRETIME a b"),
		}},
		{"EXPIRE refuses an option cut at a NUL byte as Redis prints it", []keyStep{
			ks("SET a v"), ksArgs("EXPIRE", "a", "10", "FOO\x00BAR"), ksArgs("PEXPIRE", "a", "10", "\x00"),
			ksArgs("EXPIRE", "a", "10", "A\r\nB"),
		}},
		{"SCAN TYPE and TYPE leave an expired key out", []keyStep{
			ks("SET a v PX 1"), ks("SET b v"), ksWait(5 * time.Millisecond), ksScan("SCAN 0 TYPE string"), ksScan("SCAN 0 TYPE none"), ks("TYPE a"),
		}},
		{"RENAME, COPY and MOVE carry hashes, lists and sets with their TTL", []keyStep{
			ks("HSET h a 1 b 2"), ks("RPUSH l x y z"), ks("SADD s 1 2 3"), ks("SADD t a b"), ks("EXPIRE h 100"),
			ks("TYPE h"), ks("TYPE l"), ks("TYPE s"), ks("COPY h h2"), ksSorted("HGETALL h2"), ksNear(2, "TTL h2"),
			ks("HSET h2 c 3"), ks("HLEN h"), ks("RENAME l l2"), ks("LRANGE l2 0 -1"), ks("EXISTS l"), ks("MOVE s 2"),
			ks("COPY t t DB 2"), ks("COPY l2 s REPLACE"), ks("LRANGE s 0 -1"), ks("RENAME h2 l2"), ksSorted("HGETALL l2"),
			ks("RENAMENX t l2"), ks("SELECT 2"), ksSorted("SMEMBERS s"), ksSorted("SMEMBERS t"), ks("MOVE t 0"),
			ksScan("SCAN 0 TYPE set"), ks("SELECT 0"), ksScan("SCAN 0 TYPE hash"), ksScan("SCAN 0 TYPE list"), ks("DBSIZE"),
		}},
		{"SWAPDB carries collections, and FLUSHDB drops them from the database it names", []keyStep{
			ks("HSET h a 1"), ks("SELECT 1"), ks("RPUSH l x y"), ks("SWAPDB 0 1"), ks("LRANGE l 0 -1"), ks("HGETALL h"),
			ks("SELECT 0"), ks("HGETALL h"), ks("RPUSH l z"), ks("SELECT 1"), ks("FLUSHDB"), ks("SELECT 0"),
			ks("LRANGE l 0 -1"), ks("COPY h h9 DB 1"), ks("MOVE h 1"), ks("SELECT 1"), ks("HGETALL h"), ks("HGETALL h9"),
		}},
		{"OBJECT ENCODING reports Redis's encodings of small collections", []keyStep{
			ks("HSET h a 1"), ks("OBJECT ENCODING h"), ksArgs("HSET", "wide", "f", strings.Repeat("v", 65)),
			ks("OBJECT ENCODING wide"), ks("RPUSH l a"), ks("OBJECT ENCODING l"), ks("SADD ints 1 2 3"),
			ks("OBJECT ENCODING ints"), ks("SADD strs a b"), ks("OBJECT ENCODING strs"), ks("OBJECT REFCOUNT h"),
		}},
		{"FLUSHDB and FLUSHALL follow a SWAPDB", []keyStep{
			ks("SET a 0"), ks("SELECT 1"), ks("SET b 1"), ks("SWAPDB 0 1"), ks("FLUSHDB"), ks("DBSIZE"), ks("SELECT 0"),
			ks("GET b"), ks("DBSIZE"), ks("SWAPDB 0 1"), ks("FLUSHALL"), ks("DBSIZE"), ks("SELECT 1"), ks("DBSIZE"),
		}},
	}
}
