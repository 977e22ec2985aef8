package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func saddAt(t testing.TB, d *DB, now int64, key string, members ...string) {
	t.Helper()
	mustUpdate(t, d, now, func(tx *Tx) error { _, err := tx.SAdd(0, []byte(key), byteArgs(members...)); return err })
}

func TestSetCommands(t *testing.T) {
	k, str := []byte("s"), []byte("str")
	wrongType := "error: " + ErrWrongType.Error()
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		mustSet(t, d, 0, clock.Millis(), "str", "v", SetOptions{})
		runHSSteps(t, d, clock.Millis(), []hsStep{
			{"SADD counts the new members only", func(tx *Tx) (any, error) { return tx.SAdd(0, k, byteArgs("b", "a", "b", "c")) }, "3"},
			{"SADD of members already there adds nothing", func(tx *Tx) (any, error) { return tx.SAdd(0, k, byteArgs("a")) }, "0"},
			{"SCARD is the number of members", func(tx *Tx) (any, error) { return tx.SCard(0, k) }, "3"},
			{"SMEMBERS lists strings in byte order", func(tx *Tx) (any, error) { return tx.SMembers(0, k) }, "a b c"},
			{"SISMEMBER of a member", func(tx *Tx) (any, error) { return tx.SIsMember(0, k, []byte("b")) }, "true"},
			{"SISMEMBER of a stranger", func(tx *Tx) (any, error) { return tx.SIsMember(0, k, []byte("z")) }, "false"},
			{"SMISMEMBER answers each", func(tx *Tx) (any, error) { return tx.SMIsMember(0, k, byteArgs("z", "a", "a")) }, "[false true true]"},
			{"SMISMEMBER of a missing key answers false", func(tx *Tx) (any, error) { return tx.SMIsMember(0, []byte("no"), byteArgs("a")) }, "[false]"},
			{"SREM counts the members removed", func(tx *Tx) (any, error) { return tx.SRem(0, k, byteArgs("a", "z", "a")) }, "1"},
			{"SREM of the last members deletes the set", func(tx *Tx) (any, error) {
				if _, err := tx.SRem(0, k, byteArgs("b", "c")); err != nil {
					return nil, err
				}
				return tx.Type(0, k)
			}, "none"},
			{"SREM of a missing key removes nothing", func(tx *Tx) (any, error) { return tx.SRem(0, k, byteArgs("a")) }, "0"},
			{"SMEMBERS lists integers in numeric order, as an intset", func(tx *Tx) (any, error) {
				if _, err := tx.SAdd(0, k, byteArgs("10", "9", "-3", "100")); err != nil {
					return nil, err
				}
				return tx.SMembers(0, k)
			}, "-3 9 10 100"},
			{"SMEMBERS of a missing key is empty", func(tx *Tx) (any, error) { return tx.SMembers(0, []byte("no")) }, ""},
			{"SADD on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SAdd(0, str, byteArgs("a")) }, wrongType},
			{"SREM on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SRem(0, str, byteArgs("a")) }, wrongType},
			{"SCARD on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SCard(0, str) }, wrongType},
			{"SISMEMBER on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SIsMember(0, str, []byte("a")) }, wrongType},
			{"SMEMBERS on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SMembers(0, str) }, wrongType},
			{"SPOP on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SPop(0, str, 1, rand.Uint64N) }, wrongType},
			{"SRANDMEMBER on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.SRandMember(0, str, 1, rand.Uint64N) }, wrongType},
			{"SSCAN on a string is WRONGTYPE", func(tx *Tx) (any, error) { _, _, err := tx.SScan(0, str, nil, 10, nil); return nil, err }, wrongType},
			{"HSET on a set is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HSet(0, k, byteArgs("f", "v")) }, wrongType},
			{"GET on a set is WRONGTYPE", func(tx *Tx) (any, error) { return tx.Get(0, k) }, wrongType},
		})
	})
}

func TestSetAlgebra(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		saddAt(t, d, now, "a", "1", "2", "3", "x")
		saddAt(t, d, now, "b", "2", "3", "4")
		saddAt(t, d, now, "c", "3", "x")
		saddAt(t, d, now, "n", "10", "9")
		mustSet(t, d, 0, now, "str", "v", SetOptions{})
		wrongType := "error: " + ErrWrongType.Error()
		algebra := func(op SetOp, limit int64, keys ...string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SetAlgebra(0, op, byteArgs(keys...), limit) }
		}
		card := func(limit int64, keys ...string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SInterCard(0, byteArgs(keys...), limit) }
		}
		runHSSteps(t, d, now, []hsStep{
			{"SINTER keeps what every set has", algebra(SetInter, 0, "a", "b"), "2 3"},
			{"SINTER of three", algebra(SetInter, 0, "b", "a", "c"), "3"},
			{"SINTER of a set with itself is the set", algebra(SetInter, 0, "c", "c"), "3 x"},
			{"SINTER with a missing key is empty", algebra(SetInter, 0, "a", "missing"), ""},
			{"SINTER checks the type of keys after a missing one", algebra(SetInter, 0, "missing", "str"), wrongType},
			{"SINTER LIMIT stops early", algebra(SetInter, 1, "a", "b"), "2"},
			{"SUNION has every member once", algebra(SetUnion, 0, "a", "b", "missing"), "1 2 3 4 x"},
			{"SUNION of integers only is in numeric order", algebra(SetUnion, 0, "n", "b"), "2 3 4 9 10"},
			{"SUNION with a string is WRONGTYPE", algebra(SetUnion, 0, "a", "str"), wrongType},
			{"SDIFF keeps what the first has and no other", algebra(SetDiff, 0, "a", "b", "c"), "1"},
			{"SDIFF of a missing first key is empty", algebra(SetDiff, 0, "missing", "a"), ""},
			{"SDIFF with missing others is the first", algebra(SetDiff, 0, "b", "missing"), "2 3 4"},
			{"SDIFF of a set with itself is empty", algebra(SetDiff, 0, "a", "a"), ""},
			{"SDIFF with a string anywhere is WRONGTYPE", algebra(SetDiff, 0, "missing", "str"), wrongType},
			{"SINTERCARD counts", card(0, "a", "b"), "2"},
			{"SINTERCARD stops at the limit", card(1, "a", "b"), "1"},
			{"SINTERCARD with a missing key is 0", card(0, "a", "missing"), "0"},
			{"SINTERCARD with a string is WRONGTYPE", card(0, "missing", "str"), wrongType},
		})
	})
}

func TestSetAlgebraStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		saddAt(t, d, now, "a", "1", "2", "3")
		saddAt(t, d, now, "b", "3", "4")
		mustSet(t, d, 0, now, "str", "v", SetOptions{ExpireAt: now + 100000})
		store := func(op SetOp, dst string, keys ...string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SetAlgebraStore(0, op, []byte(dst), byteArgs(keys...)) }
		}
		members := func(key string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SMembers(0, []byte(key)) }
		}
		runHSSteps(t, d, now, []hsStep{
			{"SUNIONSTORE replies the size", store(SetUnion, "u", "a", "b"), "4"},
			{"SUNIONSTORE stores the union", members("u"), "1 2 3 4"},
			{"SINTERSTORE may store into one of its sources", store(SetInter, "a", "a", "b"), "1"},
			{"the source it replaced holds the result", members("a"), "3"},
			{"SDIFFSTORE replaces a value of another type", store(SetDiff, "str", "u", "a"), "3"},
			{"and the value's type", func(tx *Tx) (any, error) { return tx.Type(0, []byte("str")) }, "set"},
			{"and drops its expiry", func(tx *Tx) (any, error) { return tx.ExpireAt(0, []byte("str")) }, "0"},
			{"an empty result deletes the destination", store(SetInter, "u", "u", "missing"), "0"},
			{"so it is gone", func(tx *Tx) (any, error) { return tx.Type(0, []byte("u")) }, "none"},
			{"a source of another type is WRONGTYPE", func(tx *Tx) (any, error) {
				if _, err := tx.Set(0, []byte("str2"), []byte("v"), SetOptions{}); err != nil {
					return nil, err
				}
				return tx.SetAlgebraStore(0, SetUnion, []byte("b"), byteArgs("a", "str2"))
			}, "error: " + ErrWrongType.Error()},
			{"and leaves the destination alone", members("b"), "3 4"},
		})
		if n := d.DBSize(0); n != 4 { // a, b, str, str2
			t.Errorf("DBSize = %d, want 4", n)
		}
	})
}

func TestSMove(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		saddAt(t, d, now, "src", "a", "b")
		saddAt(t, d, now, "dst", "b")
		mustSet(t, d, 0, now, "str", "v", SetOptions{})
		move := func(src, dst, m string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SMove(0, []byte(src), []byte(dst), []byte(m)) }
		}
		members := func(key string) func(tx *Tx) (any, error) {
			return func(tx *Tx) (any, error) { return tx.SMembers(0, []byte(key)) }
		}
		wrongType := "error: " + ErrWrongType.Error()
		runHSSteps(t, d, now, []hsStep{
			{"SMOVE of a member moves it", move("src", "dst", "a"), "true"},
			{"it left the source", members("src"), "b"},
			{"and joined the destination", members("dst"), "a b"},
			{"SMOVE of a stranger moves nothing", move("src", "dst", "z"), "false"},
			{"SMOVE of a member the destination has removes it from the source", move("src", "dst", "b"), "true"},
			{"which, emptied, is gone", func(tx *Tx) (any, error) { return tx.Type(0, []byte("src")) }, "none"},
			{"SMOVE from a missing key moves nothing even to a string", move("src", "str", "a"), "false"},
			{"SMOVE to a string is WRONGTYPE", move("dst", "str", "a"), wrongType},
			{"SMOVE from a string is WRONGTYPE", move("str", "dst", "a"), wrongType},
			{"SMOVE within one set reports membership", move("dst", "dst", "a"), "true"},
			{"and changes nothing", members("dst"), "a b"},
			{"SMOVE creates the destination", move("dst", "new", "a"), "true"},
			{"with the member", members("new"), "a"},
		})
	})
}

// popCases take each way of popping: choosing by position, seeking, rebuilding, popping everything.
var popCases = []struct {
	name        string
	size, count int64
}{
	{"a few of a small set", 10, 3},
	{"many of a medium set, listed", 3000, 1000},
	{"a few of a large set, seeking", 20000, 5},
	{"most of a large set, rebuilt", 20000, 19000},
	{"more than the set has", 50, 60},
}

func TestSPopRemovesExactlyWhatItReturns(t *testing.T) {
	for _, tc := range popCases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
				now := clock.Millis()
				fillSet(t, d, now, "s", tc.size)
				var popped [][]byte
				mustUpdate(t, d, now, func(tx *Tx) error {
					var err error
					popped, err = tx.SPop(0, []byte("s"), tc.count, rand.New(rand.NewPCG(5, 6)).Uint64N)
					return err
				})
				tx := d.Begin(now, false)
				defer tx.Discard()
				rest, err := tx.SMembers(0, []byte("s"))
				if err != nil {
					t.Fatal(err)
				}
				card, _ := tx.SCard(0, []byte("s"))
				wantPopped := min(tc.count, tc.size)
				if int64(len(popped)) != wantPopped || card != tc.size-wantPopped || int64(len(rest)) != card {
					t.Fatalf("popped %d, SCARD %d, %d members left; want %d popped of %d", len(popped), card, len(rest), wantPopped, tc.size)
				}
				all := map[string]int{}
				for _, m := range append(popped, rest...) {
					all[string(m)]++
				}
				if int64(len(all)) != tc.size {
					t.Fatalf("popped and remaining members make %d distinct, want %d", len(all), tc.size)
				}
				for m, n := range all {
					if n != 1 {
						t.Fatalf("%s is both popped and left", m)
					}
				}
				if card == 0 && d.DBSize(0) != 0 {
					t.Fatalf("an emptied set is still counted: DBSize %d", d.DBSize(0))
				}
			})
		})
	}
}

func fillSet(t testing.TB, d *DB, now int64, key string, n int64) {
	t.Helper()
	for lo := int64(0); lo < n; lo += 5000 {
		mustUpdate(t, d, now, func(tx *Tx) error {
			members := make([][]byte, 0, 5000)
			for i := lo; i < min(lo+5000, n); i++ {
				members = append(members, fmt.Appendf(nil, "member:%d", i))
			}
			_, err := tx.SAdd(0, []byte(key), members)
			return err
		})
	}
}

// TestSPopChoosesTheSameMembersForTheSameSeed is what lets every replica apply SPOP alike: the
// choice depends only on the set and the generator's sequence.
func TestSPopChoosesTheSameMembersForTheSameSeed(t *testing.T) {
	for _, tc := range popCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var runs [2]string
			for i, b := range backends {
				d := openDB(t, b.opts(t))
				fillSet(t, d, t0, "s", tc.size)
				mustUpdate(t, d, t0, func(tx *Tx) error {
					popped, err := tx.SPop(0, []byte("s"), tc.count, rand.New(rand.NewPCG(7, 8)).Uint64N)
					runs[i] = joinMembers(popped)
					return err
				})
				tx := d.Begin(t0, false)
				rest, err := tx.SMembers(0, []byte("s"))
				tx.Discard()
				if err != nil {
					t.Fatal(err)
				}
				runs[i] += " | " + joinMembers(rest)
			}
			if runs[0] != runs[1] {
				t.Fatalf("two engines popped differently with the same seed:\n%.200s\n%.200s", runs[0], runs[1])
			}
		})
	}
}

func TestSScan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		fillSet(t, d, now, "big", 2000)
		seen := scanWhole(t, d, now, 10, func(tx *Tx, after []byte) ([]string, []byte, error) {
			got, last, err := tx.SScan(0, []byte("big"), after, 10, nil)
			return strings.Fields(joinMembers(got)), last, err
		}, nil)
		if len(seen) != 2000 {
			t.Fatalf("scan returned %d distinct members, want 2000", len(seen))
		}
		for m, n := range seen {
			if n != 1 {
				t.Fatalf("%s returned %d times", m, n)
			}
		}
		saddAt(t, d, now, "small", "10", "9", "8", "100")
		tx := d.Begin(now, false)
		defer tx.Discard()
		got, last, err := tx.SScan(0, []byte("small"), nil, 1, func(m []byte) bool { return m[0] != '8' })
		if err != nil || joinMembers(got) != "9 10 100" || last != nil {
			t.Fatalf("SSCAN of a small set = %q, last %q, err %v; want 9 10 100 in one call", joinMembers(got), last, err)
		}
	})
}

func TestSRandMember(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		saddAt(t, d, now, "s", "3", "1", "2")
		tx := d.Begin(now, false)
		defer tx.Discard()
		rnd := rand.New(rand.NewPCG(1, 1))
		for _, tc := range []struct {
			count int64
			want  string // "" to check only the length
			n     int
		}{
			{5, "1 2 3", 3}, // the whole set, in Redis's order
			{3, "1 2 3", 3},
			{2, "", 2},
			{-7, "", 7},
			{0, "", 0},
		} {
			got, err := tx.SRandMember(0, []byte("s"), tc.count, rnd.Uint64N)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n || tc.want != "" && joinMembers(got) != tc.want {
				t.Errorf("SRANDMEMBER %d = %q, want %d members %s", tc.count, joinMembers(got), tc.n, tc.want)
			}
			if tc.count > 0 {
				sorted := slices.SortedFunc(slices.Values(got), func(a, b []byte) int { return strings.Compare(string(a), string(b)) })
				if len(slices.CompactFunc(sorted, func(a, b []byte) bool { return string(a) == string(b) })) != len(got) {
					t.Errorf("SRANDMEMBER %d repeated a member: %q", tc.count, joinMembers(got))
				}
			}
		}
	})
}
