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

// Hashes and sets against a real redis-server. flin-resp lists fields and members in byte order
// (numeric order for sets Redis keeps in an intset) where Redis uses insertion order (small hashes)
// or its hash table's order, and it picks random elements differently, so some steps compare
// replies up to order or only by shape. Cases that insert fields in byte order compare exactly.

// hsMode says how the replies of a step must agree.
type hsMode int

const (
	hsSame      hsMode = iota // identical
	hsUnordered               // the same elements in any order (pairs kept together in maps)
	hsScan                    // a scan reply: same cursor, the same elements in any order
	hsShape                   // the same type and number of elements, recursively (random replies)
)

type hsCompatStep struct {
	args []string
	mode hsMode
}

type hsCompatCase struct {
	name  string
	steps []hsCompatStep
}

func hsSameStep(line string) hsCompatStep { return hsCompatStep{args: splitArgs(line)} }
func hsAnyOrder(line string) hsCompatStep {
	return hsCompatStep{args: splitArgs(line), mode: hsUnordered}
}
func hsScanStep(line string) hsCompatStep { return hsCompatStep{args: splitArgs(line), mode: hsScan} }
func hsRandom(line string) hsCompatStep   { return hsCompatStep{args: splitArgs(line), mode: hsShape} }

// hsPairs marks commands whose flat RESP2 reply (and RESP3 map) is made of field-value pairs.
var hsPairs = map[string]bool{"HGETALL": true, "HSCAN": true}

func (st hsCompatStep) normalize(v respValue) respValue {
	switch st.mode {
	case hsUnordered:
		return sortElems(v, hsPairs[strings.ToUpper(st.args[0])])
	case hsScan:
		if len(v.Elems) == 2 {
			v.Elems = []respValue{v.Elems[0], sortElems(v.Elems[1], hsPairs[strings.ToUpper(st.args[0])])}
		}
	case hsShape:
		return shape(v)
	}
	return v
}

// sortElems orders the elements of an aggregate (its pairs when pairs is set or it is a map).
func sortElems(v respValue, pairs bool) respValue {
	if len(v.Elems) == 0 {
		return v
	}
	if pairs || v.Type == '%' {
		return sortPairs(v)
	}
	out := v
	out.Elems = append([]respValue(nil), v.Elems...)
	sort.SliceStable(out.Elems, func(i, j int) bool { return out.Elems[i].String() < out.Elems[j].String() })
	return out
}

// shape keeps a reply's types and sizes and drops its contents.
func shape(v respValue) respValue {
	out := respValue{Type: v.Type, Null: v.Null}
	if v.Type == '-' {
		out.Text = v.Text // errors must be the same
	}
	if v.Elems != nil {
		out.Elems = make([]respValue, len(v.Elems))
		for i, e := range v.Elems {
			out.Elems[i] = shape(e)
		}
	}
	return out
}

func hashCompatCases() []hsCompatCase {
	s, u, a, r := hsSameStep, hsAnyOrder, hsScanStep, hsRandom
	long := strings.Repeat("v", 100)
	return []hsCompatCase{
		{"HSET and HGET store and read fields", []hsCompatStep{
			s("HSET h a 1 b 2"), s("HGET h a"), s("HGET h b"), s("HGET h c"), s("HGET missing a"),
			s("HSET h a 3 c 4"), s("HGET h a"), s(`HSET h "" empty`), s(`HGET h ""`), s(`HSET h e ""`), s("HGET h e"),
			s("HSET h " + long + " " + long), s("HGET h " + long), s("HLEN h"), s("TYPE h"),
		}},
		{"HSET and HMSET refuse a field without a value", []hsCompatStep{
			s("HSET h"), s("HSET h a"), s("HSET h a 1 b"), s("HMSET h a"), s("HMSET h a 1 b"), s("EXISTS h"),
			s("HMSET h a 1 b 2"), s("HMSET h a 3"), s("HGETALL h"),
		}},
		{"HSETNX sets only a missing field", []hsCompatStep{
			s("HSETNX h a 1"), s("HSETNX h a 2"), s("HGET h a"), s("HSETNX h"), s("HSETNX h a"), s("HSETNX h a 1 2"),
		}},
		{"HMGET answers nil for missing fields and keys", []hsCompatStep{
			s("HSET h a 1 b 2"), s("HMGET h a x b"), s("HMGET missing a b"), s("HMGET h"),
		}},
		{"HDEL removes fields and the emptied hash", []hsCompatStep{
			s("HSET h a 1 b 2 c 3"), s("HDEL h a a x"), s("HLEN h"), s("HDEL missing a"), s("HDEL h b c"),
			s("EXISTS h"), s("HLEN h"), s("HDEL h"), s("DBSIZE"),
		}},
		{"HEXISTS, HLEN and HSTRLEN", []hsCompatStep{
			s(`HSET h a hello b "" c 12345`), s("HEXISTS h a"), s("HEXISTS h z"), s("HEXISTS missing a"),
			s("HLEN h"), s("HLEN missing"), s("HSTRLEN h a"), s("HSTRLEN h c"), s("HSTRLEN h z"), s("HSTRLEN missing a"),
			s("HEXISTS h"), s("HLEN h x"), s("HSTRLEN h"),
		}},
		{"HKEYS, HVALS and HGETALL list a hash", []hsCompatStep{
			s("HSET h a 1 b 2 c 3"), s("HKEYS h"), s("HVALS h"), s("HGETALL h"),
			s("HKEYS missing"), s("HVALS missing"), s("HGETALL missing"), s("HGETALL h x"),
		}},
		{"HKEYS, HVALS and HGETALL agree up to order", []hsCompatStep{
			s("HSET h zeta 1 alpha 2 mid 3 10 4 9 5"), u("HKEYS h"), u("HVALS h"), u("HGETALL h"), a("HSCAN h 0"),
		}},
		{"HINCRBY adds to integers", []hsCompatStep{
			s("HINCRBY h n 5"), s("HINCRBY h n -7"), s("HGET h n"), s(`HSET h s abc f 1.5 sp " 1" big 99999999999999999999`),
			s("HINCRBY h s 1"), s("HINCRBY h f 1"), s("HINCRBY h sp 1"), s("HINCRBY h big 1"), s("HINCRBY h n x"),
			s("HINCRBY h n 1.0"), s("HINCRBY h n 9223372036854775808"), s("HINCRBY h n"),
		}},
		{"HINCRBY refuses to overflow", []hsCompatStep{
			s("HINCRBY h n 9223372036854775807"), s("HINCRBY h n 1"), s("HINCRBY h n -9223372036854775808"),
			s("HINCRBY h m -9223372036854775808"), s("HINCRBY h m -1"), s("HGET h m"),
		}},
		{"HINCRBYFLOAT adds in long double and prints like Redis", []hsCompatStep{
			s("HINCRBYFLOAT h f 10.5"), s("HINCRBYFLOAT h f 0.1"), s("HINCRBYFLOAT h f -10.6"), s("HGET h f"),
			s("HINCRBYFLOAT h g 1e5"), s("HINCRBYFLOAT h g 1.5e-3"), s("HINCRBYFLOAT h g 0x10"), s("HINCRBYFLOAT h g -inf"),
			s("HINCRBYFLOAT h g inf"), s("HINCRBYFLOAT h g nan"), s("HINCRBYFLOAT h g abc"), s(`HINCRBYFLOAT h g " 1"`),
			s(`HINCRBYFLOAT h g ""`), s("HINCRBYFLOAT h big 1e400"), s("HINCRBYFLOAT h g 1e5000"), s("HINCRBYFLOAT h i 3"),
			s("HINCRBYFLOAT h i 0.0000001"), s("HINCRBYFLOAT h i -3.0000001"),
		}},
		{"HINCRBYFLOAT refuses a value that is not a float and an infinite result", []hsCompatStep{
			s("HSET h s abc n 12 e 1e4932"), s("HINCRBYFLOAT h s 1"), s("HINCRBYFLOAT h n 1.5"),
			s("HINCRBYFLOAT h e 1e4932"), s("HGET h e"), s("HINCRBY h n 1"),
		}},
		{"HRANDFIELD picks random fields", []hsCompatStep{
			s("HSET h a 1 b 2 c 3"), r("HRANDFIELD h"), r("HRANDFIELD h 2"), r("HRANDFIELD h -5"), r("HRANDFIELD h 2 WITHVALUES"),
			r("HRANDFIELD h -5 withvalues"), s("HRANDFIELD h 3"), s("HRANDFIELD h 10 WITHVALUES"), s("HRANDFIELD h 0"),
			s("HRANDFIELD h 0 WITHVALUES"), s("HRANDFIELD missing"), s("HRANDFIELD missing 3"), s("HRANDFIELD missing -3 WITHVALUES"),
		}},
		{"HRANDFIELD checks its count and option before the key", []hsCompatStep{
			s("HSET h a 1"), s("HRANDFIELD h x"), s("HRANDFIELD missing x"), s("HRANDFIELD h 1.5"),
			s("HRANDFIELD h -9223372036854775808"), s("HRANDFIELD h 1 WITHVALUE"), s("HRANDFIELD missing 1 WITHVALUE"),
			s("HRANDFIELD h 1 WITHVALUES x"), s("HRANDFIELD h 4611686018427387904 WITHVALUES"),
			s("HRANDFIELD missing -4611686018427387904 WITHVALUES"), s("HRANDFIELD missing 4611686018427387903 WITHVALUES"),
			s("HRANDFIELD h 9223372036854775807"),
		}},
		{"HSCAN returns a small hash whole", []hsCompatStep{
			s("HSET h a 1 ab 4 b 2 c 3"), s("HSCAN h 0"), s("HSCAN h 0 COUNT 1"), s("HSCAN h 0 MATCH a*"),
			s("HSCAN h 0 MATCH *b COUNT 100"), s("HSCAN h 0 match x*"), s("HSCAN h 0 MATCH a* MATCH b*"), s("HSCAN missing 0"),
		}},
		{"HSCAN checks the cursor, then the key, then the options", []hsCompatStep{
			s("HSET h a 1"), s("HSCAN h abc"), s("HSCAN missing abc"), s("HSCAN h -1"), s(`HSCAN h ""`), s("HSCAN h +5"),
			s(`HSCAN h " 5"`), s("HSCAN h 18446744073709551616"), s("HSCAN h 0 COUNT 0"), s("HSCAN h 0 COUNT -1"),
			s("HSCAN h 0 COUNT x"), s("HSCAN missing 0 COUNT x"), s("HSCAN missing 0 FOO"), s("HSCAN h 0 MATCH"),
			s("HSCAN h 0 TYPE string"), s("HSCAN h 0 NOVALUES"), s("HSCAN h 0 COUNT 1 FOO 2"),
		}},
		{"hash commands on a string are WRONGTYPE and string commands on a hash too", []hsCompatStep{
			s("SET str v"), s("HSET str a 1"), s("HMSET str a 1"), s("HSETNX str a 1"), s("HGET str a"), s("HMGET str a"),
			s("HDEL str a"), s("HEXISTS str a"), s("HLEN str"), s("HSTRLEN str a"), s("HKEYS str"), s("HVALS str"),
			s("HGETALL str"), s("HINCRBY str a 1"), s("HINCRBYFLOAT str a 1"), s("HINCRBYFLOAT str a x"), s("HINCRBY str a x"),
			s("HRANDFIELD str"), s("HRANDFIELD str 1"), s("HSCAN str 0"), s("HSCAN str x"), s("HSCAN str 0 COUNT x"),
			s("HSET h a 1"), s("GET h"), s("INCR h"), s("SADD h x"), s("SCARD h"), s("TYPE h"),
		}},
		{"a hash may expire", []hsCompatStep{
			s("HSET h a 1"), s("PEXPIRE h 1"), s("SLEEP"), s("HGET h a"), s("EXISTS h"), s("HSET h b 2"),
			s("HGETALL h"), s("TTL h"),
		}},
	}
}

func setCompatCases() []hsCompatCase {
	s, u, a, r := hsSameStep, hsAnyOrder, hsScanStep, hsRandom
	return []hsCompatCase{
		{"SADD and SREM count what changed", []hsCompatStep{
			s("SADD s a b a"), s("SADD s b c"), s("SCARD s"), s("SREM s a x a"), s("SCARD s"), s("SREM missing a"),
			s("SREM s b c"), s("EXISTS s"), s("SADD s"), s("SREM s"), s("TYPE s"),
		}},
		{"SMEMBERS lists an integer set in order and any other in some order", []hsCompatStep{
			s("SADD n 10 9 -3 100 0"), s("SMEMBERS n"), s("SMEMBERS missing"), s("SADD w x y z"), u("SMEMBERS w"),
			s("SADD n 007"), u("SMEMBERS n"), s("SMEMBERS n x"),
		}},
		{"SISMEMBER and SMISMEMBER", []hsCompatStep{
			s("SADD s a b"), s("SISMEMBER s a"), s("SISMEMBER s z"), s("SISMEMBER missing a"), s("SMISMEMBER s a z b a"),
			s("SMISMEMBER missing a b"), s("SISMEMBER s"), s("SMISMEMBER s"),
		}},
		{"SCARD counts", []hsCompatStep{
			s("SADD s 1 2 3"), s("SCARD s"), s("SCARD missing"), s("SCARD"), s("SCARD s x"),
		}},
		{"SPOP removes random members", []hsCompatStep{
			s("SADD s a b c d e"), r("SPOP s"), s("SCARD s"), r("SPOP s 2"), s("SCARD s"), s("SPOP s 0"), s("SCARD s"),
			r("SPOP s 5"), s("EXISTS s"), s("SPOP s"), s("SPOP s 3"), s("SADD n 3 1 2"), s("SPOP n 3"), s("EXISTS n"),
		}},
		{"SPOP checks its count before the key", []hsCompatStep{
			s("SET str v"), s("SPOP str"), s("SPOP str 0"), s("SPOP str 1"), s("SPOP missing x"), s("SPOP str x"),
			s("SPOP missing -1"), s("SPOP missing -9223372036854775808"), s("SPOP missing 1 2"), s("SPOP str 1 2"),
			s("SPOP missing 1.5"),
		}},
		{"SRANDMEMBER picks random members", []hsCompatStep{
			s("SADD s a b c"), r("SRANDMEMBER s"), r("SRANDMEMBER s 2"), r("SRANDMEMBER s -7"), s("SRANDMEMBER s 0"),
			u("SRANDMEMBER s 3"), u("SRANDMEMBER s 100"), s("SADD n 30 10 20"), s("SRANDMEMBER n 5"),
			s("SRANDMEMBER missing"), s("SRANDMEMBER missing 5"), s("SRANDMEMBER missing -5"), s("SCARD s"),
		}},
		{"SRANDMEMBER checks its count before the key", []hsCompatStep{
			s("SET str v"), s("SRANDMEMBER str"), s("SRANDMEMBER str 1"), s("SRANDMEMBER str 0"), s("SRANDMEMBER missing x"),
			s("SRANDMEMBER str x"), s("SRANDMEMBER missing -9223372036854775808"), s("SRANDMEMBER missing 1 2"),
			s("SRANDMEMBER str x 2"),
		}},
		{"SMOVE moves a member between sets", []hsCompatStep{
			s("SADD src a b c"), s("SADD dst c"), s("SMOVE src dst a"), s("SMOVE src dst a"), s("SMOVE src dst c"),
			s("SMEMBERS src"), u("SMEMBERS dst"), s("SMOVE src src b"), s("SMOVE src src z"), s("SMOVE src new b"),
			s("EXISTS src"), s("SMEMBERS new"), s("SMOVE missing dst a"),
		}},
		{"SMOVE checks the types", []hsCompatStep{
			s("SET str v"), s("SADD s a"), s("SMOVE missing str a"), s("SMOVE s str a"), s("SMOVE str s a"),
			s("SMOVE str str a"), s("SMEMBERS s"), s("SMOVE s"), s("SMOVE s t"), s("SMOVE s t a b"),
		}},
		{"SINTER, SUNION and SDIFF", []hsCompatStep{
			s("SADD a 1 2 3 4"), s("SADD b 2 3 5"), s("SADD c 3 4 5"), s("SINTER a b"), s("SINTER a b c"), s("SINTER a"),
			s("SINTER a missing"), s("SINTER missing a"), s("SUNION a b c"), s("SUNION a missing"), s("SUNION missing"),
			s("SDIFF a b"), s("SDIFF a b c"), s("SDIFF a missing"), s("SDIFF missing a"), s("SDIFF a a"), s("SINTER a a"),
			s("SADD w x y 1"), u("SINTER w a"), u("SUNION w a"), u("SDIFF w a"), s("SINTER"), s("SUNION"), s("SDIFF"),
		}},
		{"SINTER, SUNION and SDIFF check every key's type", []hsCompatStep{
			s("SET str v"), s("SADD a 1"), s("SINTER a str"), s("SINTER missing str"), s("SINTER str missing"),
			s("SUNION a str"), s("SUNION missing str"), s("SDIFF a str"), s("SDIFF missing str"), s("SDIFF str missing"),
		}},
		{"SINTERSTORE, SUNIONSTORE and SDIFFSTORE store the result", []hsCompatStep{
			s("SADD a 1 2 3 4"), s("SADD b 2 3 5"), s("SINTERSTORE d a b"), s("SMEMBERS d"), s("SUNIONSTORE d a b"),
			s("SMEMBERS d"), s("SDIFFSTORE d a b"), s("SMEMBERS d"), s("SINTERSTORE a a b"), s("SMEMBERS a"),
			s("SINTERSTORE d a missing"), s("EXISTS d"), s("SUNIONSTORE d missing"), s("SDIFFSTORE d missing a"),
			s("SET str v"), s("SUNIONSTORE str a b"), s("TYPE str"), s("SMEMBERS str"), s("SET str2 v EX 100"),
			s("SINTERSTORE str2 a"), s("TTL str2"), s("SINTERSTORE d"), s("SUNIONSTORE d"), s("DBSIZE"),
		}},
		{"the STORE forms check the sources' types, not the destination's", []hsCompatStep{
			s("SET str v"), s("SADD a 1"), s("SINTERSTORE d a str"), s("SINTERSTORE d missing str"), s("SUNIONSTORE d a str"),
			s("SDIFFSTORE d a str"), s("SDIFFSTORE d missing str"), s("EXISTS d"), s("SINTERSTORE str missing"), s("EXISTS str"),
		}},
		{"SINTERCARD counts an intersection", []hsCompatStep{
			s("SADD a 1 2 3 4"), s("SADD b 2 3 4 5"), s("SINTERCARD 2 a b"), s("SINTERCARD 2 a b LIMIT 2"),
			s("SINTERCARD 2 a b LIMIT 0"), s("SINTERCARD 2 a b limit 10"), s("SINTERCARD 1 a"), s("SINTERCARD 2 a missing"),
			s("SINTERCARD 2 a b LIMIT 1 LIMIT 3"),
		}},
		{"SINTERCARD checks numkeys, LIMIT and every key's type", []hsCompatStep{
			s("SADD a 1"), s("SET str v"), s("SINTERCARD 0 a"), s("SINTERCARD -1 a"), s("SINTERCARD x a"),
			s("SINTERCARD 3 a"), s("SINTERCARD 9999999999999999999 a"), s("SINTERCARD 1 a LIMIT"), s("SINTERCARD 1 a LIMIT -1"),
			s("SINTERCARD 1 a LIMIT x"), s("SINTERCARD 1 a FOO 1"), s("SINTERCARD 1 a LIMIT 1 extra"), s("SINTERCARD 2 a str"),
			s("SINTERCARD 2 missing str"), s("SINTERCARD 2 str missing"), s("SINTERCARD 1"), s("SINTERCARD"),
		}},
		{"SSCAN returns a small set whole", []hsCompatStep{
			s("SADD n 5 3 10 1"), s("SSCAN n 0"), s("SSCAN n 0 COUNT 1"), s("SSCAN n 0 MATCH 1*"), s("SADD w x y xy"),
			a("SSCAN w 0"), a("SSCAN w 0 MATCH x*"), s("SSCAN missing 0"), s("SSCAN n abc"), s("SSCAN n 0 COUNT 0"),
			s("SSCAN missing 0 COUNT 0"), s("SSCAN n 0 FOO"),
		}},
		{"set commands on a string are WRONGTYPE and string commands on a set too", []hsCompatStep{
			s("SET str v"), s("SADD str a"), s("SREM str a"), s("SMEMBERS str"), s("SISMEMBER str a"),
			s("SMISMEMBER str a"), s("SCARD str"), s("SSCAN str 0"), s("SADD s a"), s("GET s"), s("APPEND s x"),
			s("HGET s a"), s("TYPE s"),
		}},
	}
}

func TestHashesAndSetsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := append(hashCompatCases(), setCompatCases()...)
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
						if st.args[0] == hsSleep {
							time.Sleep(20 * time.Millisecond)
							continue
						}
						compareHS(t, i, st, rc.do(st.args...), fc.do(st.args...))
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
					for i, st := range tc.steps {
						if st.args[0] == hsSleep {
							time.Sleep(20 * time.Millisecond)
							continue
						}
						args := make([]any, len(st.args))
						for j, a := range st.args {
							args[j] = a
						}
						compareHS(t, i, st, fromGoRedis(rc.Do(ctx, args...).Result()), fromGoRedis(fc.Do(ctx, args...).Result()))
					}
				})
			}
		})
	}
}

// hsSleep is a pseudo-command of these cases: it sends nothing and lets the expiries of the step
// before it pass.
const hsSleep = "SLEEP"

func compareHS(t *testing.T, i int, st hsCompatStep, r, f respValue) {
	t.Helper()
	if rs, fs := st.normalize(r).String(), st.normalize(f).String(); rs != fs {
		t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, r, f)
	}
}

// TestLargeHashesAndSetsMatchRedis compares collections beyond Redis's compact encodings, where
// HSCAN and SSCAN take several calls and SPOP and SRANDMEMBER sample: a full scan must return
// every element, and the random commands must return elements of the collection.
func TestLargeHashesAndSetsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	const n = 3000
	ctx := ctxTimeout(t)
	for _, proto := range respProtocols {
		t.Run(protoName(proto), func(t *testing.T) {
			flushBoth(t, rd.Addr, fl.Addr)
			clients := map[string]*redis.Client{"redis": newGoRedis(t, rd.Addr, proto), "flin-resp": newGoRedis(t, fl.Addr, proto)}
			fields := make([]any, 0, 2*n)
			members := make([]any, 0, n)
			for i := range n {
				fields = append(fields, fmt.Sprintf("field:%d", i), fmt.Sprintf("value:%d", i))
				members = append(members, fmt.Sprintf("member:%d", i))
			}
			for _, c := range clients {
				if err := c.HSet(ctx, "h", fields...).Err(); err != nil {
					t.Fatal(err)
				}
				if err := c.SAdd(ctx, "s", members...).Err(); err != nil {
					t.Fatal(err)
				}
			}
			for name, c := range clients {
				t.Run(name+": HSCAN returns every field once", func(t *testing.T) {
					seen := map[string]string{}
					var cursor uint64
					for calls := 0; ; calls++ {
						kv, next, err := c.HScan(ctx, "h", cursor, "field:1*", 50).Result()
						if err != nil {
							t.Fatal(err)
						}
						for i := 0; i < len(kv); i += 2 {
							seen[kv[i]] = kv[i+1]
						}
						if cursor = next; cursor == 0 {
							break
						}
						if calls > 10*n {
							t.Fatal("HSCAN does not end")
						}
					}
					want := 0
					for i := range n {
						if f := fmt.Sprintf("field:%d", i); strings.HasPrefix(f, "field:1") {
							want++
							if seen[f] != fmt.Sprintf("value:%d", i) {
								t.Fatalf("%s = %q", f, seen[f])
							}
						}
					}
					if len(seen) != want {
						t.Fatalf("HSCAN MATCH field:1* returned %d fields, want %d", len(seen), want)
					}
				})
				t.Run(name+": SSCAN returns every member", func(t *testing.T) {
					seen := map[string]bool{}
					var cursor uint64
					for calls := 0; ; calls++ {
						ms, next, err := c.SScan(ctx, "s", cursor, "", 100).Result()
						if err != nil {
							t.Fatal(err)
						}
						for _, m := range ms {
							seen[m] = true
						}
						if cursor = next; cursor == 0 {
							break
						}
						if calls > 10*n {
							t.Fatal("SSCAN does not end")
						}
					}
					if len(seen) != n {
						t.Fatalf("SSCAN returned %d members, want %d", len(seen), n)
					}
				})
				t.Run(name+": random picks are members", func(t *testing.T) {
					isMember := func(m string) bool {
						i, err := strconv.Atoi(strings.TrimPrefix(m, "member:"))
						return err == nil && i < n && m == fmt.Sprintf("member:%d", i)
					}
					got, err := c.SRandMemberN(ctx, "s", 10).Result()
					if err != nil || len(got) != 10 {
						t.Fatalf("SRANDMEMBER s 10 = %q, %v", got, err)
					}
					dup := map[string]bool{}
					for _, m := range got {
						if !isMember(m) || dup[m] {
							t.Fatalf("SRANDMEMBER s 10 = %q", got)
						}
						dup[m] = true
					}
					popped, err := c.SPopN(ctx, "s", 7).Result()
					if err != nil || len(popped) != 7 {
						t.Fatalf("SPOP s 7 = %q, %v", popped, err)
					}
					for _, m := range popped {
						if !isMember(m) || c.SIsMember(ctx, "s", m).Val() {
							t.Fatalf("SPOP s 7 = %q: %s is not a popped member", popped, m)
						}
					}
					if card := c.SCard(ctx, "s").Val(); card != n-7 {
						t.Fatalf("SCARD after SPOP 7 = %d", card)
					}
					fv, err := c.HRandFieldWithValues(ctx, "h", 5).Result()
					if err != nil || len(fv) != 5 {
						t.Fatalf("HRANDFIELD h 5 WITHVALUES = %v, %v", fv, err)
					}
					for _, p := range fv {
						if strings.TrimPrefix(p.Key, "field:") != strings.TrimPrefix(p.Value, "value:") {
							t.Fatalf("HRANDFIELD gave %s=%s", p.Key, p.Value)
						}
					}
				})
			}
		})
	}
}

// TestGoRedisTypedHashAndSetCommands runs go-redis's typed hash and set methods against both servers
// and requires the same decoded values: what an application sees.
func TestGoRedisTypedHashAndSetCommands(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	ctx := ctxTimeout(t)
	for _, proto := range respProtocols {
		t.Run(protoName(proto), func(t *testing.T) {
			flushBoth(t, rd.Addr, fl.Addr)
			run := func(c *redis.Client) []string {
				var out []string
				add := func(v any, err error) { out = append(out, fmt.Sprintf("%v %v", v, err)) }
				add(c.HSet(ctx, "h", "a", "1", "b", "2", "c", "x").Result())
				add(c.HGet(ctx, "h", "a").Result())
				add(c.HGet(ctx, "h", "zz").Result())
				add(c.HMGet(ctx, "h", "a", "zz").Result())
				add(c.HGetAll(ctx, "h").Result())
				add(c.HKeys(ctx, "h").Result())
				add(c.HVals(ctx, "h").Result())
				add(c.HLen(ctx, "h").Result())
				add(c.HExists(ctx, "h", "b").Result())
				add(c.HSetNX(ctx, "h", "b", "9").Result())
				add(c.HIncrBy(ctx, "h", "a", 41).Result())
				add(c.HIncrByFloat(ctx, "h", "f", 2.5).Result())
				add(c.HIncrBy(ctx, "h", "c", 1).Result())
				add(c.HDel(ctx, "h", "a", "zz").Result())
				add(c.HRandField(ctx, "h", 10).Result())
				add(c.HRandFieldWithValues(ctx, "h", 10).Result())
				add(c.SAdd(ctx, "s", 3, 1, 2).Result())
				add(c.SMembers(ctx, "s").Result())
				add(c.SMembersMap(ctx, "s").Result())
				add(c.SIsMember(ctx, "s", 2).Result())
				add(c.SMIsMember(ctx, "s", 1, 7).Result())
				add(c.SCard(ctx, "s").Result())
				add(c.SAdd(ctx, "t", 2, 3, 4).Result())
				add(c.SInter(ctx, "s", "t").Result())
				add(c.SUnion(ctx, "s", "t").Result())
				add(c.SDiff(ctx, "s", "t").Result())
				add(c.SInterCard(ctx, 0, "s", "t").Result())
				add(c.SInterStore(ctx, "d", "s", "t").Result())
				add(c.SMove(ctx, "s", "t", 1).Result())
				add(c.SRem(ctx, "t", 4).Result())
				add(c.SRandMemberN(ctx, "d", 5).Result())
				add(c.SPopN(ctx, "d", 5).Result())
				add(c.SPop(ctx, "d").Result())
				keys, cursor, err := c.SScan(ctx, "t", 0, "", 10).Result()
				add(fmt.Sprint(keys, cursor), err)
				keys, cursor, err = c.HScan(ctx, "h", 0, "", 10).Result()
				add(fmt.Sprint(keys, cursor), err)
				add(c.Get(ctx, "h").Result())
				return out
			}
			want, got := run(newGoRedis(t, rd.Addr, proto)), run(newGoRedis(t, fl.Addr, proto))
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("call %d: redis %q, flin-resp %q", i, want[i], got[i])
				}
			}
		})
	}
}
