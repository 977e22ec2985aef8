package compat_test

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// The lists family against a real redis-server, replies compared four ways (raw RESP2 and RESP3,
// go-redis in both protocols), and random command sequences compared reply by reply. The blocking
// commands' waiting is in blocking_test.go; here they meet lists that have elements (or run with
// arguments Redis refuses), so they answer at once.

func TestListCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := listCases()
	runCasesFourWays(t, rd.Addr, fl.Addr, cases)
}

func listCases() []compatCase {
	long := strings.Repeat("x", 300)
	return []compatCase{
		// Pushing.
		{"LPUSH and RPUSH add elements one at a time and return the length", []compatStep{
			same("LPUSH l a b c"), same("RPUSH l d e"), same("LRANGE l 0 -1"), same("LLEN l"),
			same("lpush l z"), same("LRANGE l 0 -1"), sameArgs("RPUSH", "l", "", long), same("LRANGE l -2 -1"),
			same("TYPE l"),
		}},
		{"LPUSHX and RPUSHX push only onto an existing list", []compatStep{
			same("LPUSHX l a"), same("RPUSHX l a b"), same("EXISTS l"), same("RPUSH l x"),
			same("LPUSHX l a b"), same("RPUSHX l c d"), same("LRANGE l 0 -1"),
		}},
		{"push commands refuse a missing element and other types", []compatStep{
			same("LPUSH l"), same("RPUSH"), same("LPUSHX l"), same("RPUSHX l"), same("SET s v"),
			same("LPUSH s a"), same("RPUSH s a"), same("LPUSHX s a"), same("RPUSHX s a"), same("GET s"),
		}},

		// Popping.
		{"LPOP and RPOP remove one element and the last one takes the key with it", []compatStep{
			same("RPUSH l a b c"), same("LPOP l"), same("RPOP l"), same("LPOP l"), same("EXISTS l"),
			same("LPOP l"), same("RPOP l"), same("LLEN l"),
		}},
		{"LPOP and RPOP with a count return arrays in pop order", []compatStep{
			same("RPUSH l a b c d e"), same("LPOP l 2"), same("RPOP l 2"), same("LPOP l 0"),
			same("RPOP l 10"), same("EXISTS l"), same("LPOP l 1"), same("RPOP l 0"), same("LPOP l"),
		}},
		{"LPOP and RPOP check the count before the key", []compatStep{
			same("LPOP l -1"), same("RPOP l x"), same("LPOP l 1.5"), same("LPOP l 1 2"), same("RPOP"),
			same("SET s v"), same("LPOP s"), same("LPOP s 1"), same("LPOP s 0"), same("RPOP s -1"),
			same("LPOP l 9223372036854775807"), same("LPOP l 9223372036854775808"),
		}},

		// Reading.
		{"LLEN counts elements and refuses other types", []compatStep{
			same("LLEN l"), same("RPUSH l a b"), same("LLEN l"), same("SET s v"), same("LLEN s"), same("LLEN l x"),
		}},
		{"LRANGE clips its range like Redis", []compatStep{
			same("RPUSH l a b c d e f"), same("LRANGE l 0 -1"), same("LRANGE l 1 3"), same("LRANGE l -3 -1"),
			same("LRANGE l -100 2"), same("LRANGE l 4 100"), same("LRANGE l 5 5"), same("LRANGE l 6 10"),
			same("LRANGE l 3 1"), same("LRANGE l -1 -3"), same("LRANGE l 0 0"), same("LRANGE l -9223372036854775808 9223372036854775807"),
			same("LRANGE missing 0 -1"),
		}},
		{"LRANGE parses its indexes before looking at the key", []compatStep{
			same("LRANGE missing x 1"), same("LRANGE missing 0 y"), same("SET s v"), same("LRANGE s 0 -1"),
			same("LRANGE s x 1"), same("LRANGE l 0"), same("LRANGE l 0 9223372036854775808"),
		}},
		{"LINDEX reads an element by index from either end", []compatStep{
			same("RPUSH l a b c"), same("LINDEX l 0"), same("LINDEX l 2"), same("LINDEX l 3"), same("LINDEX l -1"),
			same("LINDEX l -3"), same("LINDEX l -4"), same("LINDEX missing 0"), same("LINDEX l 9223372036854775807"),
			same("LINDEX l -9223372036854775808"),
		}},
		{"LINDEX looks at the key before the index", []compatStep{
			same("LINDEX missing x"), same("SET s v"), same("LINDEX s x"), same("LINDEX s 0"), same("RPUSH l a"),
			same("LINDEX l x"), same("LINDEX l 1.0"), same(`LINDEX l ""`),
		}},
		{"LPOS finds elements with RANK, COUNT and MAXLEN", []compatStep{
			same("RPUSH l a b c a b c a"), same("LPOS l a"), same("LPOS l c"), same("LPOS l z"),
			same("LPOS l a RANK 2"), same("LPOS l a RANK -1"), same("LPOS l a RANK -2"), same("LPOS l a RANK 4"),
			same("LPOS l a COUNT 0"), same("LPOS l a COUNT 2"), same("LPOS l a COUNT 2 RANK -1"),
			same("LPOS l a COUNT 0 RANK 2"), same("LPOS l z COUNT 0"), same("LPOS l a MAXLEN 3"),
			same("LPOS l a MAXLEN 3 COUNT 0"), same("LPOS l c MAXLEN 2"), same("LPOS l c MAXLEN 2 RANK -1"),
			same("LPOS l a rank 1 count 1 maxlen 0"), same("LPOS l a RANK 1 RANK 3"),
			same("LPOS l a RANK -9223372036854775808"), same("LPOS l a RANK 9223372036854775807"),
			same("LPOS l a RANK 2 COUNT 9223372036854775807"),
		}},
		{"LPOS refuses bad options before looking at the key", []compatStep{
			same("LPOS l a RANK 0"), same("LPOS l a RANK x"), same("LPOS l a COUNT -1"), same("LPOS l a COUNT x"),
			same("LPOS l a MAXLEN -1"), same("LPOS l a MAXLEN x"), same("LPOS l a RANK"), same("LPOS l a FOO 1"),
			same("LPOS l a COUNT"), same("LPOS missing a"), same("LPOS missing a COUNT 1"), same("SET s v"),
			same("LPOS s a"), same("LPOS s a COUNT 0"), same("LPOS s a RANK 0"), same("LPOS l"),
		}},

		// Changing elements.
		{"LSET replaces an element by index", []compatStep{
			same("RPUSH l a b c"), same("LSET l 0 x"), same("LSET l -1 z"), same("LRANGE l 0 -1"),
			same("LSET l 3 y"), same("LSET l -4 y"), same("LSET l x y"), same("LSET missing 0 a"),
			same("LSET missing x a"), same("SET s v"), same("LSET s 0 a"), same("LSET s x a"), same("LSET l 0"),
		}},
		{"LINSERT inserts before or after the first pivot", []compatStep{
			same("RPUSH l a b c b"), same("LINSERT l BEFORE b X"), same("LINSERT l after b Y"),
			same("LRANGE l 0 -1"), same("LINSERT l before a H"), same("LINSERT l AFTER b T"),
			same("LINSERT l after c Z"), same("LINSERT l before missing Q"), same("LRANGE l 0 -1"),
			same("LINSERT l AFTER Z end"), same("LRANGE l 0 -1"), same("LLEN l"),
		}},
		{"LINSERT checks its where argument before the key", []compatStep{
			same("LINSERT l MIDDLE a b"), same("LINSERT l before a b"), same("EXISTS l"), same("SET s v"),
			same("LINSERT s MIDDLE a b"), same("LINSERT s after a b"), same("LINSERT l before a"),
		}},
		{"LREM removes from the head, the tail or everywhere", []compatStep{
			same("RPUSH l a b a c a b a"), same("LREM l 2 a"), same("LRANGE l 0 -1"), same("LREM l -1 b"),
			same("LRANGE l 0 -1"), same("LREM l 0 a"), same("LRANGE l 0 -1"), same("LREM l 0 z"),
			same("LREM l 0 b"), same("LREM l 0 c"), same("EXISTS l"),
		}},
		{"LREM with counts beyond the matches and extreme values", []compatStep{
			same("RPUSH l x a x b x c x"), same("LREM l 100 x"), same("LRANGE l 0 -1"), same("RPUSH l x x"),
			same("LREM l -9223372036854775808 x"), same("LRANGE l 0 -1"), same("LPUSH l x x"),
			same("LREM l 9223372036854775807 x"), same("LRANGE l 0 -1"),
		}},
		{"LREM parses the count before the key", []compatStep{
			same("LREM missing x a"), same("LREM missing 0 a"), same("SET s v"), same("LREM s 0 a"),
			same("LREM s x a"), same("LREM l 1"),
		}},
		{"LTRIM keeps a range and an empty result deletes the list", []compatStep{
			same("RPUSH l a b c d e f g h"), same("LTRIM l 1 -2"), same("LRANGE l 0 -1"), same("LTRIM l -3 100"),
			same("LRANGE l 0 -1"), same("LTRIM l 1 1"), same("LRANGE l 0 -1"), same("LTRIM l 5 10"),
			same("EXISTS l"), same("RPUSH l a b c"), same("LTRIM l 2 1"), same("EXISTS l"), same("RPUSH l a b"),
			same("LTRIM l 0 -1"), same("LRANGE l 0 -1"), same("LTRIM l -100 -100"), same("EXISTS l"),
		}},
		{"LTRIM parses its range before the key", []compatStep{
			same("LTRIM missing 0 1"), same("LTRIM missing x 1"), same("SET s v"), same("LTRIM s 0 1"),
			same("LTRIM s x 1"), same("LTRIM s 0"),
		}},

		// Moving.
		{"LMOVE moves between ends and lists, and a list onto itself rotates", []compatStep{
			same("RPUSH src a b c"), same("LMOVE src dst LEFT RIGHT"), same("LMOVE src dst right left"),
			same("LRANGE src 0 -1"), same("LRANGE dst 0 -1"), same("LMOVE src src LEFT RIGHT"),
			same("RPUSH src d"), same("LMOVE src src RIGHT LEFT"), same("LRANGE src 0 -1"), same("LMOVE src src LEFT LEFT"),
			same("LRANGE src 0 -1"), same("LMOVE dst src RIGHT RIGHT"), same("LMOVE dst src LEFT LEFT"),
			same("EXISTS dst"), same("LMOVE dst src LEFT LEFT"), same("LRANGE src 0 -1"),
		}},
		{"LMOVE of a one-element list onto itself keeps it", []compatStep{
			same("RPUSH l a"), same("LMOVE l l LEFT RIGHT"), same("LMOVE l l RIGHT RIGHT"), same("LRANGE l 0 -1"),
		}},
		{"LMOVE checks directions, then the source, then the destination", []compatStep{
			same("LMOVE a b UP LEFT"), same("LMOVE a b LEFT DOWN"), same("LMOVE a b LEFT LEFT"), same("SET s v"),
			same("LMOVE s b LEFT LEFT"), same("LMOVE a s LEFT LEFT"), same("RPUSH l x"), same("LMOVE l s LEFT LEFT"),
			same("LRANGE l 0 -1"), same("LMOVE s l LEFT LEFT"), same("LMOVE l"),
		}},
		{"RPOPLPUSH moves the tail of one list to the head of another", []compatStep{
			same("RPUSH src a b c"), same("RPOPLPUSH src dst"), same("RPOPLPUSH src dst"), same("RPOPLPUSH src src"),
			same("LRANGE src 0 -1"), same("LRANGE dst 0 -1"), same("RPOPLPUSH missing dst"), same("SET s v"),
			same("RPOPLPUSH s dst"), same("RPOPLPUSH src s"), same("RPOPLPUSH src"),
		}},
		{"LMPOP pops from the first non-empty list", []compatStep{
			same("RPUSH b 1 2 3 4"), same("RPUSH c x"), same("LMPOP 3 a b c LEFT"), same("LMPOP 3 a b c RIGHT COUNT 2"),
			same("LMPOP 2 a b left count 10"), same("EXISTS b"), same("LMPOP 3 a b c RIGHT"), same("LMPOP 1 a LEFT"),
			same("LMPOP 2 c c LEFT"),
		}},
		{"LMPOP refuses bad numkeys, directions and counts", []compatStep{
			same("LMPOP 0 a LEFT"), same("LMPOP -1 a LEFT"), same("LMPOP x a LEFT"), same("LMPOP 2 a LEFT"),
			same("LMPOP 1 a MIDDLE"), same("LMPOP 1 a LEFT COUNT 0"), same("LMPOP 1 a LEFT COUNT x"),
			same("LMPOP 1 a LEFT COUNT"), same("LMPOP 1 a LEFT COUNT 1 COUNT 2"), same("LMPOP 1 a LEFT FOO"),
			same("LMPOP 9223372036854775807 a LEFT"), same("LMPOP 1 a"), same("SET s v"), same("LMPOP 2 a s LEFT"),
			same("RPUSH l x"), same("LMPOP 2 l s LEFT"), same("LMPOP 2 s l LEFT"), same("LMPOP 1 a LEFT COUNT -1"),
		}},

		// Blocking commands that need not wait.
		{"blocking pops answer at once when a list has elements", []compatStep{
			same("RPUSH a 1 2 3"), same("RPUSH b x y"), same("BLPOP missing a b 0"), same("BRPOP missing a b 0"),
			same("BLPOP b a 1"), same("BRPOPLPUSH a dst 0"), same("BLMOVE b dst RIGHT LEFT 0"), same("LRANGE dst 0 -1"),
			same("BLMPOP 0 2 missing dst RIGHT COUNT 5"), same("BLMPOP 0.5 1 a LEFT"), same("EXISTS a b dst"),
		}},
		{"blocking pops check their timeout like Redis", []compatStep{
			same("RPUSH l a b c d e f g h i j k"), same("BLPOP l -1"), same("BLPOP l x"), same("BLPOP l inf"),
			same("BLPOP l nan"), same("BLPOP l 1e400"), same("BLPOP l 1e5000"), same(`BLPOP l ""`), same("BLPOP l 0x10"),
			same("BLPOP l 9223372036854775"), same("BLPOP l 9223372036854776"), same("BLPOP l -0.0001"),
			same("BRPOP l 1_0"), same("BRPOP l 0.5"), same("BRPOPLPUSH l d -1"), same("BLMOVE l d LEFT LEFT x"),
			same("BLMOVE l d UP LEFT x"), same("BLMPOP x 1 l LEFT"), same("BLMPOP -1 1 l LEFT"),
			same("BLMPOP x 0 l LEFT"), same("BLMPOP x 1 l UP"), same("BLMPOP 0 1 l LEFT COUNT 0"), same("LRANGE l 0 -1"),
		}},
		{"blocking pops answer WRONGTYPE for a key of another type", []compatStep{
			same("SET s v"), same("RPUSH l a"), same("BLPOP s l 0"), same("BLPOP l s 0"), same("BRPOP missing s 0"),
			same("BLMOVE s l LEFT LEFT 0"), same("RPUSH l b"), same("BLMOVE l s LEFT LEFT 0"), same("BRPOPLPUSH l s 0"),
			same("BLMPOP 0 2 missing s LEFT"), same("LRANGE l 0 -1"), same("BLPOP"), same("BLPOP l"),
			same("BLMOVE a b LEFT LEFT"), same("BLMPOP 0 1 a"),
		}},

		// Lists and the rest of the keyspace.
		{"a list is a key like any other", []compatStep{
			same("RPUSH l a b"), same("TYPE l"), same("EXISTS l"), same("DBSIZE"), same("SET l v"), same("TYPE l"),
			same("RPUSH l x"), same("DEL l"), same("RPUSH l x"), same("DEL l"), same("LLEN l"), same("DBSIZE"),
		}},
		{"lists move with RENAME, COPY and MOVE", []compatStep{
			same("RPUSH l a b c"), same("RENAME l m"), same("LRANGE m 0 -1"), same("COPY m n"), same("LPUSH n z"),
			same("LRANGE m 0 -1"), same("LRANGE n 0 -1"), same("MOVE n 1"), same("SELECT 1"), same("LRANGE n 0 -1"),
			same("RPOP n 4"), same("EXISTS n"),
		}},
		{"a list keeps its expiry when it changes and loses it with its last element", []compatStep{
			same("RPUSH l a b"), same("EXPIRE l 100"), same("RPUSH l c"), ttl("l"), same("LPOP l 3"),
			same("RPUSH l a"), same("TTL l"),
		}},
	}
}

// TestRandomListCommandsMatchRedis sends seeded random list command sequences to both servers and
// requires the same replies. Set FLIN_LISTS_SEED to replay another seed.
func TestRandomListCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	seed := int64(1)
	if s := os.Getenv("FLIN_LISTS_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rnd := rand.New(rand.NewSource(seed))
	keys := []string{"a", "b", "c"}
	vals := []string{"x", "y", "z", "w", ""}
	idx := func() string { return strconv.Itoa(rnd.Intn(14) - 7) }
	key := func() string { return keys[rnd.Intn(len(keys))] }
	val := func() string { return vals[rnd.Intn(len(vals))] }
	end := func() string { return []string{"LEFT", "RIGHT"}[rnd.Intn(2)] }
	gens := []func() []string{
		func() []string {
			args := []string{[]string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}[rnd.Intn(4)], key()}
			for n := 1 + rnd.Intn(4); n > 0; n-- {
				args = append(args, val())
			}
			return args
		},
		func() []string { return []string{[]string{"LPOP", "RPOP"}[rnd.Intn(2)], key()} },
		func() []string {
			return []string{[]string{"LPOP", "RPOP"}[rnd.Intn(2)], key(), strconv.Itoa(rnd.Intn(4))}
		},
		func() []string { return []string{"LRANGE", key(), idx(), idx()} },
		func() []string { return []string{"LINDEX", key(), idx()} },
		func() []string { return []string{"LSET", key(), idx(), val()} },
		func() []string {
			return []string{"LINSERT", key(), []string{"BEFORE", "AFTER"}[rnd.Intn(2)], val(), val()}
		},
		func() []string { return []string{"LREM", key(), idx(), val()} },
		func() []string { return []string{"LTRIM", key(), idx(), idx()} },
		func() []string {
			return []string{"LPOS", key(), val(), "RANK", []string{"1", "2", "-1", "-2"}[rnd.Intn(4)], "COUNT", strconv.Itoa(rnd.Intn(3))}
		},
		func() []string { return []string{"LMOVE", key(), key(), end(), end()} },
		func() []string {
			return []string{"LMPOP", "2", key(), key(), end(), "COUNT", strconv.Itoa(1 + rnd.Intn(3))}
		},
		func() []string { return []string{"LLEN", key()} },
	}
	rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
	const steps = 3000
	for i := 0; i < steps; i++ {
		args := gens[rnd.Intn(len(gens))]()
		r, f := rc.do(args...), fc.do(args...)
		if r.String() != f.String() {
			t.Fatalf("seed %d step %d %q:\n redis:     %s\n flin-resp: %s", seed, i, args, r, f)
		}
		if i%100 == 99 {
			for _, k := range keys {
				r, f := rc.do("LRANGE", k, "0", "-1"), fc.do("LRANGE", k, "0", "-1")
				if r.String() != f.String() {
					t.Fatalf("seed %d after step %d: LRANGE %s:\n redis:     %s\n flin-resp: %s", seed, i, k, r, f)
				}
			}
		}
	}
}
