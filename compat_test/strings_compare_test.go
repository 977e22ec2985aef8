package compat_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// The strings family (t_string.c and bitops.c) against a real redis-server: hand-written cases run
// four ways (raw RESP2 and RESP3, go-redis in both protocols), then seeded random sequences of the
// commands whose arithmetic is easiest to get subtly wrong (INCRBYFLOAT's long double, BITPOS and
// BITCOUNT ranges, BITFIELD overflows, LCS ties, SET/GETEX option parsing), pipelined over raw
// connections in both protocols. WRONGTYPE is left out: no other type is reachable here.

func TestStringCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := stringCases()
	runCasesFourWays(t, rd.Addr, fl.Addr, cases)
}

func stringCases() []compatCase {
	now := time.Now()
	exat := strconv.FormatInt(now.Add(100*time.Second).Unix(), 10)
	pxat := strconv.FormatInt(now.Add(100*time.Second).UnixMilli(), 10)
	return []compatCase{
		// SET and its variants.
		{"SET options are keywords read as C strings", []compatStep{
			same("SET k v"), sameArgs("SET", "k", "w", "nx\x00zz"), sameArgs("SET", "k", "w", "get\x00"),
			sameArgs("SET", "k", "x", "Xx\x00", "GET"), same("GET k"), sameArgs("SET", "k", "v", "nxx"),
			sameArgs("SET", "k", "v", "\u212aEEPTTL"), // the Kelvin sign folds to k in Unicode, not in C
		}},
		{"SET NX GET and XX GET reply the old value whether or not they write", []compatStep{
			same("SET k v NX GET"), same("SET k w NX GET"), same("GET k"), same("SET k2 v XX GET"), same("EXISTS k2"),
			same("SET k x XX GET KEEPTTL"), same("SET k y KEEPTTL GET XX NX"), same("SET k y GET GET GET"),
		}},
		{"SET expire options conflict with KEEPTTL and each other, in any order", []compatStep{
			same("SET k v PX 100 KEEPTTL"), same("SET k v KEEPTTL PX 100"), same("SET k v EX 1 EX"),
			same("SET k v EX 1 GET EX 2"), ttl("k"), same("SET k v EXAT " + exat + " EXAT " + exat), ttl("k"),
			same("SET k v PXAT " + pxat + " EX 5"), same("SET k v PERSIST"), same("SET k v ex 10 Ex 20 eX 30"), ttl("k"),
		}},
		{"SETNX sets only a missing key and replies 1 or 0", []compatStep{
			same("SETNX k v"), same("SETNX k w"), same("GET k"), same("SETNX k"), same("SETNX k v x"),
		}},
		{"SETEX and PSETEX set a value with an expiry", []compatStep{
			same("SETEX k 100 v"), ttl("k"), same("GET k"), same("PSETEX k 100000 w"), pttl("k"), same("GET k"),
			same("SETEX k 0 v"), same("SETEX k -1 v"), same("SETEX k x v"), same("PSETEX k 0 v"), same("PSETEX k 1.5 v"),
			same("SETEX k 9223372036854775807 v"), same("SETEX k 9223372036854775 v"), same("PSETEX k 9223372036854775807 v"),
			same("SETEX k 10"), same("PSETEX k"), same("GET k"),
		}},
		{"GETSET replies the old value and clears the expiry", []compatStep{
			same("GETSET k v"), same("SET k a EX 100"), same("GETSET k b"), same("TTL k"), same("GET k"), same("GETSET k"),
		}},
		{"GETDEL replies the value and deletes the key", []compatStep{
			same("SET k v"), same("GETDEL k"), same("GETDEL k"), same("EXISTS k"), same("GETDEL"), same("GETDEL a b"),
		}},
		{"GETEX sets or removes the expiry and otherwise reads", []compatStep{
			same("GETEX nosuch"), same("SET k v"), same("GETEX k"), same("TTL k"), same("GETEX k EX 100"), ttl("k"),
			same("GETEX k PX 200000"), pttl("k"), same("GETEX k EXAT " + exat), ttl("k"), same("GETEX k PXAT " + pxat),
			pttl("k"), same("GETEX k PERSIST"), same("TTL k"), same("GETEX k PERSIST PERSIST"), same("GETEX k EX 10 EX 20"),
			ttl("k"), same("GETEX k pxat 1"), same("EXISTS k"),
		}},
		{"GETEX checks its expire time only when the key exists", []compatStep{
			same("GETEX nosuch EX 0"), same("GETEX nosuch EX x"), same("GETEX nosuch PX -1"), same("SET k v"),
			same("GETEX k EX 0"), same("GETEX k EX x"), same("GETEX k PX -1"), same("GETEX k EXAT 9223372036854775807"),
			same("GETEX k EX 9223372036854775"), same("TTL k"),
		}},
		{"GETEX refuses SET's options and conflicting ones with a syntax error", []compatStep{
			same("SET k v"), same("GETEX k NX"), same("GETEX k KEEPTTL"), same("GETEX k GET"), same("GETEX k EX"),
			same("GETEX k EX 10 PX 10"), same("GETEX k PERSIST EX 10"), same("GETEX k EX 10 PERSIST"), same("GETEX k FOO"),
			same("GETEX nosuch FOO"), sameArgs("GETEX", "k", "persist\x00x"), same("TTL k"), same("GETEX"),
		}},
		{"MSETNX sets every pair only when no key exists", []compatStep{
			same("MSETNX a 1 b 2"), same("MGET a b"), same("MSETNX b 3 c 4"), same("MGET a b c"), same("MSETNX c 1 c 2"),
			same("GET c"), same("MSETNX a"), same("MSETNX a 1 b"), same("MSETNX"),
		}},

		// Reading and editing strings.
		{"APPEND creates or extends a string and keeps its expiry", []compatStep{
			same("APPEND k hello"), same("APPEND k \" world\""), same("GET k"), same(`APPEND k ""`), same(`APPEND e ""`),
			same("EXISTS e"), same("SET k v EX 100"), same("APPEND k w"), ttl("k"), same("APPEND k"), same("APPEND"),
		}},
		{"STRLEN counts bytes and answers 0 for a missing key", []compatStep{
			same("STRLEN nosuch"), same("SET k hello"), same("STRLEN k"), sameArgs("SET", "b", "\x00\xff\r\n"),
			same("STRLEN b"), same("SET n 12345"), same("STRLEN n"), same("STRLEN"), same("STRLEN a b"),
		}},
		{"GETRANGE and SUBSTR clamp their indexes", []compatStep{
			same("SET k hello"), same("GETRANGE k 0 -1"), same("GETRANGE k 0 -100"), same("GETRANGE k -1 -5"),
			same("GETRANGE k -100 -200"), same("GETRANGE k -3 -1"), same("GETRANGE k 5 10"), same("GETRANGE k 4 4"),
			same("GETRANGE k -100 100"), same("GETRANGE k 0 9223372036854775807"), same("GETRANGE k -9223372036854775808 -1"),
			same("SUBSTR k 1 3"), same("GETRANGE nosuch 0 -1"), same(`SET e ""`), same("GETRANGE e 0 -1"),
		}},
		{"GETRANGE checks its indexes before the key", []compatStep{
			same("GETRANGE nosuch x 1"), same("GETRANGE nosuch 1 x"), same("GETRANGE nosuch 1.5 2"),
			same("GETRANGE k 0"), same("SUBSTR k 0 1 2"),
		}},
		{"SETRANGE overwrites and pads with zero bytes", []compatStep{
			same("SET k hello"), same("SETRANGE k 0 J"), same("GET k"), same("SETRANGE k 10 X"), same("GET k"),
			same("SETRANGE n 3 abc"), same("GET n"), same(`SETRANGE none 100 ""`), same("EXISTS none"),
			same(`SETRANGE k 100 ""`), same("STRLEN k"), same("SET t v EX 100"), same("SETRANGE t 1 w"), ttl("t"),
		}},
		{"SETRANGE refuses bad offsets and sizes beyond proto-max-bulk-len", []compatStep{
			same("SETRANGE k -1 x"), same("SETRANGE k x x"), same("SETRANGE k 536870911 xx"),
			same("SETRANGE k 9223372036854775807 x"), same(`SETRANGE k 9223372036854775807 ""`), same("SETRANGE k 536870912 x"),
			same("EXISTS k"), same("SETRANGE k 0"),
		}},

		// Counters.
		{"INCRBY and DECRBY parse their amount and keep the expiry", []compatStep{
			same("INCRBY n 5"), same("DECRBY n 3"), same("DECR n"), same("DECR n"), same("DECR n"), same("INCRBY n -5"),
			same("INCRBY n x"), same("DECRBY n 1.5"), same("INCRBY n 9223372036854775807"), same("INCRBY n 9223372036854775807"),
			same("SET m 5 EX 100"), same("DECRBY m 1"), ttl("m"), same("INCRBY n"), same("DECR"), same("DECRBY a b c"),
		}},
		{"DECRBY of the smallest integer is refused before the key is read", []compatStep{
			same("DECRBY n -9223372036854775808"), same("SET n 1"), same("DECRBY n -9223372036854775808"),
			same("INCRBY n -9223372036854775808"), same("DECRBY n 9223372036854775807"), same("GET n"),
		}},
		{"DECR at the smallest integer overflows", []compatStep{
			same("SET n -9223372036854775808"), same("DECR n"), same("DECRBY n 1"), same("GET n"),
		}},
		{"INCRBYFLOAT adds in long double and formats like Redis", []compatStep{
			same("SET f 10.5"), same("INCRBYFLOAT f 0.1"), same("INCRBYFLOAT f -5.0e3"), same("INCRBYFLOAT g 3.0"),
			same("INCRBYFLOAT g 5.0e3"), same("INCRBYFLOAT h 1e20"), same("INCRBYFLOAT i 1e-20"), same("INCRBYFLOAT j -1e-20"),
			same("INCRBYFLOAT l 0.000003814697265625"), same("INCRBYFLOAT l 0.000011444091796875"), same("INCRBYFLOAT m 1e400"),
			same("INCRBYFLOAT o 0x10"), same("INCRBYFLOAT o 0x1p-3"), same("INCRBYFLOAT p .5"), same("INCRBYFLOAT p 5."),
			same("INCRBYFLOAT p +5"), same("SET q 123456789012345678901234567890"), same("INCRBYFLOAT q 1"),
			same("SET r 0xABCDEF.8p-4"), same("INCRBYFLOAT r 0"), same("INCRBYFLOAT s 1.18e4932"), same("GET s"),
		}},
		{"INCRBYFLOAT refuses what is not a float and results that are not finite", []compatStep{
			same("INCRBYFLOAT f abc"), same(`INCRBYFLOAT f " 1"`), same(`INCRBYFLOAT f "1 "`), same("INCRBYFLOAT f nan"),
			same("INCRBYFLOAT f inf"), same("INCRBYFLOAT f -INFINITY"), same("INCRBYFLOAT f 1e5000"),
			same("INCRBYFLOAT f 1e-5000"), same("INCRBYFLOAT f 1e-4952"), same("INCRBYFLOAT f 2e-4951"),
			same(`INCRBYFLOAT f ""`), same("INCRBYFLOAT f 0x"), same("INCRBYFLOAT f 1e"), same("INCRBYFLOAT f 1_0"),
			sameArgs("INCRBYFLOAT", "f", "1\x00"), sameArgs("INCRBYFLOAT", "f", strings.Repeat("1", 5119)),
			same("SET f 1e4932"), same("INCRBYFLOAT f 1e4932"), same("SET f inf"), same("INCRBYFLOAT f 0"),
			same("SET f abc"), same("INCRBYFLOAT f 1"), same("SET f 1.5"), same("INCR f"), same("INCRBYFLOAT f"),
		}},
		{"INCRBYFLOAT keeps the expiry of the key", []compatStep{
			same("SET f 1 EX 100"), same("INCRBYFLOAT f 1.5"), ttl("f"), same("GET f"),
		}},

		// Bitmaps.
		{"SETBIT and GETBIT address bits most significant first", []compatStep{
			same("SETBIT b 7 1"), same("GET b"), same("SETBIT b 7 1"), same("SETBIT b 7 0"), same("SETBIT b 100 0"),
			same("STRLEN b"), same("GETBIT b 100"), same("GETBIT b 100000"), same("GETBIT nosuch 5"), same("SETBIT b 0 1"),
			same("GETBIT b 0"), same("SET t x EX 100"), same("SETBIT t 20 1"), ttl("t"), same("GET t"),
		}},
		{"SETBIT and GETBIT refuse bad offsets and bits", []compatStep{
			same("SETBIT b 4294967296 1"), same("SETBIT b -1 1"), same("SETBIT b 0 2"), same("SETBIT b 0 -1"),
			same("SETBIT b x y"), same("SETBIT b 0 y"), sameArgs("SETBIT", "b", "1\x00", "1"), same("GETBIT b 4294967296"),
			same("GETBIT nosuch x"), same("GETBIT b -1"), same("EXISTS b"), same("SETBIT b 0"), same("GETBIT b"),
		}},
		{"BITCOUNT counts bytes or bits in a range", []compatStep{
			same("SET s foobar"), same("BITCOUNT s"), same("BITCOUNT s 0 0"), same("BITCOUNT s 1 1"), same("BITCOUNT s 1 1 BYTE"),
			same("BITCOUNT s 5 30 BIT"), same("BITCOUNT s 0 -1 bit"), same("BITCOUNT s -2 -1"), same("BITCOUNT s -100 100 BIT"),
			same("BITCOUNT s -100 -200"), sameArgs("BITCOUNT", "s", "0", "0", "bit\x00"), same(`SET e ""`), same("BITCOUNT e"),
			same("BITCOUNT nosuch"),
		}},
		{"BITCOUNT answers 0 for a missing key whatever its arguments", []compatStep{
			same("BITCOUNT nosuch a b"), same("BITCOUNT nosuch 1"), same("BITCOUNT nosuch 0 1 foo"), same("SET s foobar"),
			same("BITCOUNT s 1"), same("BITCOUNT s a b"), same("BITCOUNT s 0 x"), same("BITCOUNT s -1 -5 foo"),
			same("BITCOUNT s 0 1 foo"), same("BITCOUNT s 0 1 bit x"), same("BITCOUNT s 0 1 byte byte"), same("BITCOUNT"),
		}},
		{"BITPOS finds the first set or clear bit", []compatStep{
			sameArgs("SET", "s", "\xff\xf0\x00"), same("BITPOS s 1"), same("BITPOS s 0"), same("BITPOS s 1 2"),
			same("BITPOS s 0 2 -1"), same("BITPOS s 1 7 15 BIT"), same("BITPOS s 1 -1 -5"), same("BITPOS s 1 -100 -200"),
			same("BITPOS s 0 -100 -200"), sameArgs("SET", "f", "\xff\xff"), same("BITPOS f 0"), same("BITPOS f 0 0"),
			same("BITPOS f 0 0 -1"), same("BITPOS f 0 3 -1 bit"), same("BITPOS f 0 3 15 BIT"), same(`SET e ""`),
			same("BITPOS e 0"), same("BITPOS e 1"), same("BITPOS e 0 0"),
		}},
		{"BITPOS checks the bit first, then answers for a missing key, then the range", []compatStep{
			same("BITPOS nosuch 2"), same("BITPOS nosuch x"), same("BITPOS nosuch 1 a b"), same("BITPOS nosuch 0 a b c d"),
			same("SET s foo"), same("BITPOS s 1 a"), same("BITPOS s 0 3 bit"), same("BITPOS s 0 0 x foo"),
			same("BITPOS s 0 x 0 foo"), same("BITPOS s 0 0 0 bit x"), same("BITPOS s 1 0 1 foo"), same("BITPOS s -1"),
			same("BITPOS s"),
		}},
		{"BITOP combines strings into the destination", []compatStep{
			sameArgs("SET", "a", "\xff\x0f"), sameArgs("SET", "b", "\xf0"), same("BITOP AND d a b"), same("GET d"),
			same("BITOP OR d a b nosuch"), same("GET d"), same("BITOP XOR d a b"), same("GET d"), same("BITOP NOT d a"),
			same("GET d"), same("BITOP and d a"), same("SET t x EX 100"), same("BITOP OR t a"), same("TTL t"),
			same("BITOP OR d nosuch"), same("EXISTS d"), same(`SET e ""`), same("BITOP AND d e e"), same("EXISTS d"),
		}},
		{"BITOP refuses unknown operations and NOT of several keys", []compatStep{
			same("BITOP NOT d a b"), same("BITOP FOO d a"), sameArgs("BITOP", "and\x00x", "d", "a"), same("BITOP NOT d"),
			same("BITOP AND d"), same("BITOP"),
		}},
		{"BITFIELD gets, sets and increments fields with each overflow", []compatStep{
			same("BITFIELD bf SET i8 0 100 GET u4 0 INCRBY i8 0 100"),
			same("BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 OVERFLOW FAIL INCRBY i8 0 100"),
			same("BITFIELD bf SET u8 #1 -1 GET u8 #1"), same("BITFIELD bf OVERFLOW SAT SET u8 #2 -1 GET u8 #2"),
			same("BITFIELD bf OVERFLOW FAIL SET u8 #3 300 GET u8 #3"),
			same("BITFIELD bf SET i64 0 -9223372036854775808 INCRBY i64 0 -1"),
			same("BITFIELD bf OVERFLOW SAT INCRBY i64 0 -1 INCRBY u63 64 -1 INCRBY u63 64 9223372036854775807"),
			same("GET bf"), same("BITFIELD bf"), same("BITFIELD new GET i8 0"), same("EXISTS new"),
			same("BITFIELD new2 OVERFLOW FAIL SET u2 100 5"), same("GET new2"), same("SET t x EX 100"),
			same("BITFIELD t SET u8 8 1"), ttl("t"), same("bitfield t incrby U8 8 1 overflow sat get u8 8"),
		}},
		{"BITFIELD refuses bad types, offsets, values and subcommands before doing anything", []compatStep{
			same("BITFIELD bf GET u64 0"), same("BITFIELD bf GET i65 0"), same("BITFIELD bf GET u0 0"),
			same("BITFIELD bf GET I8 0"), sameArgs("BITFIELD", "bf", "GET", "i8\x00", "0"), same("BITFIELD bf GET i08 0"),
			sameArgs("BITFIELD", "bf", "GET", "i8", "#1\x00"), same("BITFIELD bf GET i8 -1"), same("BITFIELD bf GET i8 4294967296"),
			same("BITFIELD bf GET i8 #536870912"), same("BITFIELD bf GET i8 #9223372036854775807"), same("BITFIELD bf GET i8"),
			same("BITFIELD bf SET i8 0"), same("BITFIELD bf FOO"), same("BITFIELD bf OVERFLOW BAR"), same("BITFIELD bf OVERFLOW"),
			same("BITFIELD bf SET i8 0 x"), same("BITFIELD bf SET i8 0 1 GET i8 x"), same("EXISTS bf"), same("BITFIELD"),
		}},
		{"BITFIELD_RO only reads", []compatStep{
			same("BITFIELD bf SET u8 0 200"), same("BITFIELD_RO bf GET i8 0 GET u16 #0"), same("BITFIELD_RO bf SET i8 0 1"),
			same("BITFIELD_RO bf SET i8 0 x"), same("BITFIELD_RO bf INCRBY u8 0 1"), same("BITFIELD_RO bf OVERFLOW SAT"),
			same("BITFIELD_RO bf FOO"), same("BITFIELD_RO nosuch GET i8 0"), same("BITFIELD_RO bf"), same("GET bf"),
			same("BITFIELD_RO"),
		}},

		// LCS.
		{"LCS finds the longest common subsequence", []compatStep{
			same("MSET a ohmytext b mynewtext"), same("LCS a b"), same("LCS a b LEN"), same("LCS a b IDX"),
			same("LCS a b IDX WITHMATCHLEN"), same("LCS a b IDX MINMATCHLEN 4"), same("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN"),
			same("LCS a b idx minmatchlen -4 withmatchlen"), same("LCS a nosuch"), same("LCS a nosuch IDX"),
			same("LCS nosuch other IDX WITHMATCHLEN"), same("LCS a a IDX WITHMATCHLEN"), same("MSET x ABCBDAB y BDCABA"),
			same("LCS x y IDX WITHMATCHLEN"), same("LCS y x"), same("LCS a b LEN LEN"),
		}},
		{"LCS refuses bad options", []compatStep{
			same("MSET a x b y"), same("LCS a b IDX LEN"), same("LCS a b MINMATCHLEN"), same("LCS a b MINMATCHLEN x"),
			same("LCS a b FOO"), same("LCS a"), same("LCS"),
		}},
	}
}

// TestStringSizeLimitsMatchRedis runs both servers with proto-max-bulk-len at its minimum, 1 MB,
// so that the limits of APPEND, SETRANGE, SETBIT and BITFIELD are reached with small strings.
func TestStringSizeLimitsMatchRedis(t *testing.T) {
	t.Parallel()
	const limit = "1048576"
	rd := harness.StartRedis(t, "--proto-max-bulk-len", limit)
	fl := harness.Start(t, "", "--proto-max-bulk-len", limit)
	big := strings.Repeat("a", 600*1024)
	rest := strings.Repeat("b", 1048576-600*1024)
	tc := compatCase{"growth is limited to proto-max-bulk-len", []compatStep{
		sameArgs("APPEND", "k", big), sameArgs("APPEND", "k", big), sameArgs("APPEND", "k", rest), same("STRLEN k"),
		same("APPEND k x"), same(`SETRANGE k 1048576 ""`), same("SETRANGE k 1048575 x"), same("SETRANGE k 1048576 x"),
		same("SETRANGE s 1048576 x"), same("EXISTS s"), same("SETBIT b 8388607 1"), same("STRLEN b"), same("SETBIT b 8388608 1"),
		same("GETBIT b 8388608"), same("BITFIELD c SET u8 #131071 1"), same("BITFIELD c GET u8 8388608"),
		same("BITFIELD c SET i64 8388607 1"), same("STRLEN c"), same("STRLEN k"),
	}}
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			flushBoth(t, rd.Addr, fl.Addr)
			runRawCase(t, rd.Addr, fl.Addr, proto, tc)
		})
	}
}

// TestRandomStringCommandsMatchRedis sends seeded random command sequences to both servers,
// pipelined, and requires the same replies. Set FLIN_STRINGS_SEED to replay another seed.
func TestRandomStringCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	seed := uint64(20240515)
	if s, err := strconv.ParseUint(os.Getenv("FLIN_STRINGS_SEED"), 10, 64); err == nil {
		seed = s
	}
	n := 1500
	if testing.Short() {
		n = 300
	}
	gens := []struct {
		name string
		gen  func(r *rand.Rand, n int) [][]string
	}{
		{"INCRBYFLOAT", genIncrByFloat},
		{"BITCOUNT BITPOS GETRANGE", genBitRanges},
		{"BITFIELD SETBIT BITOP", genBitField},
		{"LCS", genLCS},
		{"SET and GETEX options", genSetOptions},
		{"SETRANGE APPEND GETBIT", genEdits},
	}
	for _, g := range gens {
		for _, proto := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s %s seed %d", g.name, protoName(proto), seed), func(t *testing.T) {
				flushBoth(t, rd.Addr, fl.Addr)
				cmds := g.gen(rand.New(rand.NewPCG(seed, uint64(len(g.name)))), n)
				comparePipelined(t, rd.Addr, fl.Addr, proto, cmds)
			})
		}
	}
}

// comparePipelined sends cmds to both servers in pipelines of up to 100 commands and compares
// the replies one by one.
func comparePipelined(t *testing.T, redisAddr, flinAddr string, proto int, cmds [][]string) {
	rc, fc := dialRaw(t, redisAddr), dialRaw(t, flinAddr)
	if proto == 3 {
		rc.do("HELLO", "3")
		fc.do("HELLO", "3")
	}
	fails := 0
	for start := 0; start < len(cmds); start += 100 {
		batch := cmds[start:min(start+100, len(cmds))]
		var req []byte
		for _, c := range batch {
			req = append(req, encodeCommand(c...)...)
		}
		rc.write(req)
		fc.write(req)
		for i, c := range batch {
			r, f := rc.read(), fc.read()
			if r.String() != f.String() {
				t.Errorf("command %d %q:\n redis:     %s\n flin-resp: %s", start+i, c, r, f)
				if fails++; fails > 10 {
					t.Fatal("too many differences")
				}
			}
		}
	}
}

func genIncrByFloat(r *rand.Rand, n int) [][]string {
	num := func() string {
		switch r.IntN(9) {
		case 0:
			return strconv.Itoa(r.IntN(2_000_000) - 1_000_000)
		case 1:
			return strconv.FormatFloat(r.Float64()*2000-1000, 'g', -1, 64)
		case 2:
			return fmt.Sprintf("%de%d", 1+r.IntN(99), r.IntN(60)-30)
		case 3:
			return strconv.FormatFloat(r.Float64()*2-1, 'f', r.IntN(25), 64)
		case 4:
			return fmt.Sprintf("0x%xp%d", 1+r.Uint64N(1<<62), r.IntN(90)-80)
		case 5:
			return fmt.Sprintf("%d.%0*d", r.IntN(100), 1+r.IntN(19), r.Uint64N(1e19))
		case 6:
			return fmt.Sprintf("%de%d", 1+r.IntN(9), -4960+r.IntN(60))
		case 7:
			return []string{"inf", "-inf", "nan", "abc", "", " 1", "1e", "0x", "-0", "+.5e-3", "1e4932"}[r.IntN(11)]
		}
		return strconv.FormatFloat((r.Float64()*2-1)*float64(int64(1)<<r.IntN(62)), 'e', 20, 64)
	}
	var cmds [][]string
	for range n {
		switch {
		case r.IntN(5) == 0:
			cmds = append(cmds, []string{"DEL", "f"})
		case r.IntN(10) == 0:
			cmds = append(cmds, []string{"SET", "f", num()})
		}
		cmds = append(cmds, []string{"INCRBYFLOAT", "f", num()})
	}
	return append(cmds, []string{"GET", "f"})
}

func randomBytes(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		switch r.IntN(3) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 0xff
		default:
			b[i] = byte(r.IntN(256))
		}
	}
	return string(b)
}

func genBitRanges(r *rand.Rand, n int) [][]string {
	idx := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(80) - 40)
		case 1:
			return strconv.Itoa(r.IntN(600) - 300)
		case 2:
			return "-1"
		}
		return strconv.Itoa(r.IntN(8))
	}
	var cmds [][]string
	for range n / 3 {
		cmds = append(cmds, []string{"SET", "s", randomBytes(r, r.IntN(7))})
		bc := []string{"BITCOUNT", "s", idx(), idx()}
		if u := r.IntN(3); u > 0 {
			bc = append(bc, []string{"BIT", "BYTE"}[u-1])
		}
		cmds = append(cmds, bc)
		bp := []string{"BITPOS", "s", strconv.Itoa(r.IntN(2))}
		switch r.IntN(4) {
		case 1:
			bp = append(bp, idx())
		case 2:
			bp = append(bp, idx(), idx())
		case 3:
			bp = append(bp, idx(), idx(), []string{"BIT", "BYTE"}[r.IntN(2)])
		}
		cmds = append(cmds, bp, []string{"GETRANGE", "s", idx(), idx()})
	}
	return cmds
}

func genBitField(r *rand.Rand, n int) [][]string {
	typ := func() string {
		if r.IntN(2) == 0 {
			return "i" + strconv.Itoa(1+r.IntN(64))
		}
		return "u" + strconv.Itoa(1+r.IntN(63))
	}
	val := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(600) - 300)
		case 1:
			return strconv.FormatInt(int64(r.Uint64()), 10)
		case 2:
			return []string{"9223372036854775807", "-9223372036854775808", "0", "-1", "1"}[r.IntN(5)]
		}
		return strconv.Itoa(r.IntN(1<<21) - 1<<20)
	}
	offset := func() string {
		if r.IntN(4) == 0 {
			return "#" + strconv.Itoa(r.IntN(5))
		}
		return strconv.Itoa(r.IntN(80))
	}
	var cmds [][]string
	for range n {
		key := []string{"b1", "b2"}[r.IntN(2)]
		cmd := []string{"BITFIELD", "BITFIELD", "BITFIELD_RO"}[r.IntN(3)]
		args := []string{cmd, key}
		for range 1 + r.IntN(5) {
			switch r.IntN(4) {
			case 0:
				args = append(args, "GET", typ(), offset())
			case 1:
				args = append(args, "SET", typ(), offset(), val())
			case 2:
				args = append(args, "INCRBY", typ(), offset(), val())
			default:
				args = append(args, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)])
			}
		}
		cmds = append(cmds, args)
		switch r.IntN(20) {
		case 0:
			cmds = append(cmds, []string{"GET", key})
		case 1:
			cmds = append(cmds, []string{"BITOP", []string{"AND", "OR", "XOR"}[r.IntN(3)], "b3", "b1", "b2"}, []string{"GET", "b3"})
		case 2:
			cmds = append(cmds, []string{"BITOP", "NOT", "b3", key}, []string{"GET", "b3"})
		case 3:
			cmds = append(cmds, []string{"SETBIT", key, strconv.Itoa(r.IntN(100)), strconv.Itoa(r.IntN(2))})
		}
	}
	return append(cmds, []string{"GET", "b1"}, []string{"GET", "b2"})
}

func genLCS(r *rand.Rand, n int) [][]string {
	word := func() string {
		b := make([]byte, r.IntN(16))
		for i := range b {
			b[i] = "ABCD"[r.IntN(4)]
		}
		return string(b)
	}
	var cmds [][]string
	for range n / 2 {
		cmds = append(cmds, []string{"MSET", "a", word(), "b", word()})
		args := []string{"LCS", "a", "b"}
		switch r.IntN(6) {
		case 1:
			args = append(args, "LEN")
		case 2:
			args = append(args, "IDX")
		case 3:
			args = append(args, "IDX", "WITHMATCHLEN")
		case 4:
			args = append(args, "IDX", "MINMATCHLEN", strconv.Itoa(r.IntN(4)))
		case 5:
			args = append(args, "IDX", "MINMATCHLEN", strconv.Itoa(r.IntN(4)), "WITHMATCHLEN")
		}
		cmds = append(cmds, args)
	}
	return cmds
}

// genSetOptions combines SET's and GETEX's options at random; expiries are checked by whether the
// key still exists, not by TTL (which moves).
func genSetOptions(r *rand.Rand, n int) [][]string {
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	futureMs := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	opts := [][]string{{"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"}, {"PERSIST"}, {"EX", "100"}, {"PX", "100000"},
		{"EXAT", future}, {"PXAT", futureMs}, {"EX"}, {"FOO"}, {"EX", "0"}, {"PX", "x"}, {"get"}, {"nx"}, {"EXAT", "1"},
		{"Px", "5000"}, {"PXAT", "-1"}}
	var cmds [][]string
	for i := range n / 2 {
		if r.IntN(3) == 0 {
			cmds = append(cmds, []string{"DEL", "k"})
		}
		var args []string
		if r.IntN(2) == 0 {
			args = []string{"SET", "k", "v" + strconv.Itoa(i)}
		} else {
			args = []string{"GETEX", "k"}
		}
		for range r.IntN(4) {
			args = append(args, opts[r.IntN(len(opts))]...)
		}
		cmds = append(cmds, args, []string{"GET", "k"})
	}
	return cmds
}

func genEdits(r *rand.Rand, n int) [][]string {
	var cmds [][]string
	for range n / 2 {
		key := []string{"e1", "e2"}[r.IntN(2)]
		switch r.IntN(6) {
		case 0:
			cmds = append(cmds, []string{"SETRANGE", key, strconv.Itoa(r.IntN(40) - 2), randomBytes(r, r.IntN(5))})
		case 1:
			cmds = append(cmds, []string{"APPEND", key, randomBytes(r, r.IntN(5))})
		case 2:
			cmds = append(cmds, []string{"GETBIT", key, strconv.Itoa(r.IntN(400))})
		case 3:
			cmds = append(cmds, []string{"SETBIT", key, strconv.Itoa(r.IntN(400)), strconv.Itoa(r.IntN(2))})
		case 4:
			cmds = append(cmds, []string{"GETDEL", key})
		default:
			cmds = append(cmds, []string{"STRLEN", key})
		}
		cmds = append(cmds, []string{"GET", key})
	}
	return cmds
}
