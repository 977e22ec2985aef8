package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func byteArgs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func fieldValuesString(fvs []FieldValue) string {
	parts := make([]string, len(fvs))
	for i, fv := range fvs {
		parts[i] = string(fv.Field) + "=" + string(fv.Value)
	}
	return strings.Join(parts, " ")
}

func joinMembers(bb [][]byte) string {
	parts := make([]string, len(bb))
	for i, b := range bb {
		parts[i] = string(b)
	}
	return strings.Join(parts, " ")
}

// render shows a step's result: the value, or "error: <err>".
func renderResult(v any, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	switch x := v.(type) {
	case []FieldValue:
		return fieldValuesString(x)
	case [][]byte:
		return joinMembers(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// step is one engine call of a table-driven test, run in its own write transaction.
type hsStep struct {
	name string
	run  func(tx *Tx) (any, error)
	want string
}

// runHSSteps runs steps in order on d at time now; an error result does not stop the sequence (its
// transaction is committed all the same, as Raft's apply does with client errors).
func runHSSteps(t *testing.T, d *DB, now int64, steps []hsStep) {
	t.Helper()
	for _, s := range steps {
		tx := d.Begin(now, true)
		v, err := s.run(tx)
		if cerr := tx.Commit(); cerr != nil {
			t.Fatalf("%s: commit: %v", s.name, cerr)
		}
		if got := renderResult(v, err); got != s.want {
			t.Errorf("%s: got %q, want %q", s.name, got, s.want)
		}
	}
}

func TestHashCommands(t *testing.T) {
	k := []byte("h")
	wrongType := "error: " + ErrWrongType.Error()
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		mustSet(t, d, 0, clock.Millis(), "str", "v", SetOptions{})
		str := []byte("str")
		runHSSteps(t, d, clock.Millis(), []hsStep{
			{"HSET counts the new fields only", func(tx *Tx) (any, error) {
				return tx.HSet(0, k, byteArgs("b", "2", "a", "1", "b", "3"))
			}, "2"},
			{"HSET of an existing field replaces its value", func(tx *Tx) (any, error) {
				return tx.HSet(0, k, byteArgs("a", "x", "c", ""))
			}, "1"},
			{"HGETALL lists the fields in byte order", func(tx *Tx) (any, error) { return tx.HGetAll(0, k, true) }, "a=x b=3 c="},
			{"HGETALL without values reads the fields only", func(tx *Tx) (any, error) {
				fvs, err := tx.HGetAll(0, k, false)
				return renderResult(fvs, err), err
			}, "a= b= c="},
			{"HLEN is the number of fields", func(tx *Tx) (any, error) { return tx.HLen(0, k) }, "3"},
			{"HGET of a missing field is not found", func(tx *Tx) (any, error) {
				v, found, err := tx.HGet(0, k, []byte("zz"))
				return fmt.Sprint(v, found), err
			}, "[] false"},
			{"HMGET gives nil for missing fields", func(tx *Tx) (any, error) {
				vals, err := tx.HMGet(0, k, byteArgs("a", "zz", "c"))
				return fmt.Sprintf("%q", vals), err
			}, `["x" "" ""]`},
			{"HMGET of a missing key gives nils", func(tx *Tx) (any, error) {
				vals, err := tx.HMGet(0, []byte("nokey"), byteArgs("a"))
				return fmt.Sprint(vals[0] == nil), err
			}, "true"},
			{"HSTRLEN is the value's length", func(tx *Tx) (any, error) { return tx.HStrLen(0, k, []byte("b")) }, "1"},
			{"HEXISTS of an empty value", func(tx *Tx) (any, error) { return tx.HExists(0, k, []byte("c")) }, "true"},
			{"HSETNX does not replace", func(tx *Tx) (any, error) { return tx.HSetNX(0, k, []byte("a"), []byte("y")) }, "false"},
			{"HSETNX adds a missing field", func(tx *Tx) (any, error) { return tx.HSetNX(0, k, []byte("d"), []byte("4")) }, "true"},
			{"HDEL counts the fields that existed", func(tx *Tx) (any, error) { return tx.HDel(0, k, byteArgs("a", "zz", "a", "b")) }, "2"},
			{"HINCRBY starts a missing field at 0", func(tx *Tx) (any, error) { return tx.HIncrBy(0, k, []byte("n"), -5) }, "-5"},
			{"HINCRBY adds to an integer", func(tx *Tx) (any, error) { return tx.HIncrBy(0, k, []byte("d"), 10) }, "14"},
			{"HINCRBY refuses a value that is not an integer", func(tx *Tx) (any, error) { return tx.HIncrBy(0, k, []byte("c"), 1) },
				"error: " + ErrHashNotInteger.Error()},
			{"HINCRBY refuses to overflow", func(tx *Tx) (any, error) {
				if _, err := tx.HSet(0, k, byteArgs("max", "9223372036854775807")); err != nil {
					return nil, err
				}
				return tx.HIncrBy(0, k, []byte("max"), 1)
			}, "error: " + ErrOverflow.Error()},
			{"HINCRBYFLOAT adds in long double", func(tx *Tx) (any, error) {
				if _, err := tx.HSet(0, k, byteArgs("f", "10.5")); err != nil {
					return nil, err
				}
				return tx.HIncrByFloat(0, k, []byte("f"), mustParseLD(t, "0.1"))
			}, "10.6"},
			{"HINCRBYFLOAT stores what it replies", func(tx *Tx) (any, error) {
				v, _, err := tx.HGet(0, k, []byte("f"))
				return v, err
			}, "10.6"},
			{"HINCRBYFLOAT refuses a value that is not a float", func(tx *Tx) (any, error) {
				if _, err := tx.HSet(0, k, byteArgs("bad", "1x")); err != nil {
					return nil, err
				}
				return tx.HIncrByFloat(0, k, []byte("bad"), mustParseLD(t, "1"))
			}, "error: " + ErrHashNotFloat.Error()},
			{"HINCRBYFLOAT refuses an infinite result", func(tx *Tx) (any, error) {
				if _, err := tx.HSet(0, k, byteArgs("big", "1e4932")); err != nil {
					return nil, err
				}
				return tx.HIncrByFloat(0, k, []byte("big"), mustParseLD(t, "1e4932"))
			}, "error: " + ErrNaNOrInf.Error()},
			{"HDEL of every field deletes the hash", func(tx *Tx) (any, error) {
				all, err := tx.HGetAll(0, k, false)
				if err != nil {
					return nil, err
				}
				fields := make([][]byte, len(all))
				for i, fv := range all {
					fields[i] = fv.Field
				}
				if _, err := tx.HDel(0, k, fields); err != nil {
					return nil, err
				}
				return tx.Type(0, k)
			}, "none"},
			{"HGETALL of a missing key is empty", func(tx *Tx) (any, error) { return tx.HGetAll(0, k, true) }, ""},
			{"HLEN of a missing key is 0", func(tx *Tx) (any, error) { return tx.HLen(0, k) }, "0"},
			{"HSET on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HSet(0, str, byteArgs("a", "1")) }, wrongType},
			{"HGET on a string is WRONGTYPE", func(tx *Tx) (any, error) { _, _, err := tx.HGet(0, str, []byte("a")); return nil, err }, wrongType},
			{"HDEL on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HDel(0, str, byteArgs("a")) }, wrongType},
			{"HLEN on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HLen(0, str) }, wrongType},
			{"HINCRBY on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HIncrBy(0, str, []byte("a"), 1) }, wrongType},
			{"HGETALL on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HGetAll(0, str, true) }, wrongType},
			{"HSCAN on a string is WRONGTYPE", func(tx *Tx) (any, error) { _, _, err := tx.HScan(0, str, nil, 10, nil); return nil, err }, wrongType},
			{"HRANDFIELD on a string is WRONGTYPE", func(tx *Tx) (any, error) { return tx.HRandField(0, str, 1, false, rand.Uint64N) }, wrongType},
			{"GET on a hash is WRONGTYPE", func(tx *Tx) (any, error) {
				if _, err := tx.HSet(0, k, byteArgs("a", "1")); err != nil {
					return nil, err
				}
				return tx.Get(0, k)
			}, wrongType},
		})
		if n := d.DBSize(0); n != 2 {
			t.Errorf("DBSize = %d, want 2 (str and h)", n)
		}
	})
}

func mustParseLD(t testing.TB, s string) LongDouble {
	t.Helper()
	x, ok := ParseLongDouble([]byte(s))
	if !ok {
		t.Fatalf("ParseLongDouble(%q) failed", s)
	}
	return x
}

func TestAHashOnAnExpiredKeyStartsEmpty(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		hsetAt(t, d, now, "h", "a", "1", "b", "2")
		mustUpdate(t, d, now, func(tx *Tx) error { _, err := tx.Expire(0, []byte("h"), now+10, 0); return err })
		later := now + 10
		mustUpdate(t, d, later, func(tx *Tx) error { _, err := tx.HSet(0, []byte("h"), byteArgs("c", "3")); return err })
		tx := d.Begin(later, false)
		defer tx.Discard()
		all, err := tx.HGetAll(0, []byte("h"), true)
		if got := renderResult(all, err); got != "c=3" {
			t.Fatalf("HGETALL = %q, want c=3", got)
		}
		if at, _ := tx.ExpireAt(0, []byte("h")); at != 0 {
			t.Fatalf("new hash inherited expiry %d", at)
		}
	})
}

func hsetAt(t testing.TB, d *DB, now int64, key string, kv ...string) {
	t.Helper()
	mustUpdate(t, d, now, func(tx *Tx) error { _, err := tx.HSet(0, []byte(key), byteArgs(kv...)); return err })
}

// scanWhole runs a full scan with count per call and returns how often each element came back.
func scanWhole(t *testing.T, d *DB, now int64, count int, scan func(tx *Tx, after []byte) ([]string, []byte, error), between func(round int)) map[string]int {
	t.Helper()
	seen := map[string]int{}
	var after []byte
	for round := 0; ; round++ {
		tx := d.Begin(now, false)
		got, last, err := scan(tx, after)
		tx.Discard()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > count && last != nil {
			t.Fatalf("round %d returned %d elements with COUNT %d", round, len(got), count)
		}
		for _, g := range got {
			seen[g]++
		}
		if last == nil {
			return seen
		}
		if round > 100000 {
			t.Fatal("scan does not end")
		}
		after = last
		if between != nil {
			between(round)
		}
	}
}

func TestHScanReturnsEveryFieldOnceAcrossCalls(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		var kv []string
		for i := range 1000 {
			kv = append(kv, fmt.Sprintf("f%d", i), fmt.Sprint(i))
		}
		hsetAt(t, d, now, "h", kv...)
		seen := scanWhole(t, d, now, 7, func(tx *Tx, after []byte) ([]string, []byte, error) {
			fvs, last, err := tx.HScan(0, []byte("h"), after, 7, nil)
			var out []string
			for _, fv := range fvs {
				out = append(out, string(fv.Field)+"="+string(fv.Value))
			}
			return out, last, err
		}, nil)
		if len(seen) != 1000 {
			t.Fatalf("scan returned %d distinct fields, want 1000", len(seen))
		}
		for i := range 1000 {
			if n := seen[fmt.Sprintf("f%d=%d", i, i)]; n != 1 {
				t.Fatalf("f%d returned %d times", i, n)
			}
		}
	})
}

func TestHScanReturnsFieldsPresentThroughoutDespiteWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		var kv []string
		for i := range 500 {
			kv = append(kv, fmt.Sprintf("keep%03d", i), "v", fmt.Sprintf("drop%03d", i), "v")
		}
		hsetAt(t, d, now, "h", kv...)
		seen := scanWhole(t, d, now, 10, func(tx *Tx, after []byte) ([]string, []byte, error) {
			fvs, last, err := tx.HScan(0, []byte("h"), after, 10, func(f []byte) bool { return strings.HasPrefix(string(f), "keep") })
			var out []string
			for _, fv := range fvs {
				out = append(out, string(fv.Field))
			}
			return out, last, err
		}, func(round int) {
			// Between calls, remove some fields and add others, before and after the position.
			hsetAt(t, d, now, "h", fmt.Sprintf("new%03d", round), "v", fmt.Sprintf("a%03d", round), "v")
			mustUpdate(t, d, now, func(tx *Tx) error {
				_, err := tx.HDel(0, []byte("h"), byteArgs(fmt.Sprintf("drop%03d", round)))
				return err
			})
		})
		for i := range 500 {
			if seen[fmt.Sprintf("keep%03d", i)] == 0 {
				t.Fatalf("keep%03d, present throughout, was never returned", i)
			}
		}
		for f := range seen {
			if !strings.HasPrefix(f, "keep") {
				t.Fatalf("MATCH keep* returned %q", f)
			}
		}
	})
}

func TestASmallHashIsScannedWholeFromTheStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		var kv []string
		for i := range 128 {
			kv = append(kv, fmt.Sprintf("f%03d", i), "v")
		}
		hsetAt(t, d, now, "h", kv...)
		tx := d.Begin(now, false)
		defer tx.Discard()
		fvs, last, err := tx.HScan(0, []byte("h"), nil, 10, nil)
		if err != nil || len(fvs) != 128 || last != nil {
			t.Fatalf("HSCAN 0 of 128 fields: %d fields, last %q, err %v; want all and no cursor", len(fvs), last, err)
		}
	})
}

func TestHRandField(t *testing.T) {
	for _, size := range []int{5, 3000} { // listed, and sampled by seeking
		t.Run(fmt.Sprintf("%d fields", size), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
				now := clock.Millis()
				want := map[string]string{}
				var kv []string
				for i := range size {
					f, v := fmt.Sprintf("field:%d", i), fmt.Sprintf("value:%d", i)
					want[f] = v
					kv = append(kv, f, v)
				}
				hsetAt(t, d, now, "h", kv...)
				tx := d.Begin(now, false)
				defer tx.Discard()
				rnd := rand.New(rand.NewPCG(1, 2))
				check := func(name string, count int64, wantLen int, distinct bool) {
					t.Helper()
					got, err := tx.HRandField(0, []byte("h"), count, true, rnd.Uint64N)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != wantLen {
						t.Fatalf("%s: %d fields, want %d", name, len(got), wantLen)
					}
					seen := map[string]bool{}
					for _, fv := range got {
						if want[string(fv.Field)] != string(fv.Value) {
							t.Fatalf("%s: %s=%s is not in the hash", name, fv.Field, fv.Value)
						}
						if distinct && seen[string(fv.Field)] {
							t.Fatalf("%s: %s returned twice", name, fv.Field)
						}
						seen[string(fv.Field)] = true
					}
				}
				check("a count above the size gives the whole hash", int64(size+10), size, true)
				check("a count below the size gives distinct fields", int64(size-1), size-1, true)
				check("a small count gives distinct fields", 2, 2, true)
				check("a negative count gives that many, maybe repeated", -20, 20, false)
				check("count 0 gives nothing", 0, 0, true)
			})
		})
	}
}

// TestRandomPicksCoverTheCollectionEvenly draws random members and checks how evenly they come up:
// exactly uniform when the collection is listed (small, or many picks), roughly when single picks
// seek into a large collection.
func TestRandomPicksCoverTheCollectionEvenly(t *testing.T) {
	for _, tc := range []struct {
		name        string
		size, draws int
		perCall     int64   // members drawn per call (negative: with repeats)
		minShare    float64 // the rarest member comes up at least this share of an even split
		minCoverage float64 // share of the members drawn at least once
	}{
		{"a small set listed", 10, 20000, -20000, 0.8, 1},
		{"a set listed for many picks", 3000, 60000, -60000, 0.25, 1},
		{"picks seeking into a large set", 5000, 6000, -100, 0, 0.4}, // uniform would reach 0.70
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
				now := clock.Millis()
				members := make([]string, tc.size)
				for i := range members {
					members[i] = fmt.Sprintf("m%d", i)
				}
				for lo := 0; lo < len(members); lo += 5000 {
					mustUpdate(t, d, now, func(tx *Tx) error {
						_, err := tx.SAdd(0, []byte("s"), byteArgs(members[lo:min(lo+5000, len(members))]...))
						return err
					})
				}
				tx := d.Begin(now, false)
				defer tx.Discard()
				rnd := rand.New(rand.NewPCG(3, 4))
				counts := map[string]int{}
				for drawn := 0; drawn < tc.draws; {
					got, err := tx.SRandMember(0, []byte("s"), tc.perCall, rnd.Uint64N)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range got {
						counts[string(m)]++
					}
					drawn += len(got)
				}
				even := float64(tc.draws) / float64(tc.size)
				rarest, most := tc.draws, 0
				for _, m := range members {
					rarest, most = min(rarest, counts[m]), max(most, counts[m])
				}
				coverage := float64(len(counts)) / float64(tc.size)
				t.Logf("%d draws of %d members: even %.1f, rarest %d, most %d, coverage %.2f", tc.draws, tc.size, even, rarest, most, coverage)
				if float64(rarest) < tc.minShare*even {
					t.Errorf("the rarest member came up %d times, an even split is %.1f", rarest, even)
				}
				if coverage < tc.minCoverage {
					t.Errorf("only %.2f of the members came up, want %.2f", coverage, tc.minCoverage)
				}
			})
		})
	}
}

func TestIntsetOrder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10 9 -1 0", "-1 0 9 10"},
		{"10 9 x", "10 9 x"},   // not all integers: left as is
		{"10 09 1", "10 09 1"}, // "09" is not an integer to Redis
		{"b a", "b a"},         // strings stay in the engine's order
		{"-9223372036854775808 9223372036854775807 0", "-9223372036854775808 0 9223372036854775807"},
	} {
		if got := joinMembers(intsetOrder(byteArgs(strings.Fields(tc.in)...))); got != tc.want {
			t.Errorf("intsetOrder(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	many := make([]string, intsetMaxEntries+1)
	for i := range many {
		many[i] = fmt.Sprint(len(many) - i)
	}
	if got := intsetOrder(byteArgs(many...)); joinMembers(got) != strings.Join(many, " ") {
		t.Errorf("a set of %d integers was reordered; Redis keeps it in a hash table", len(many))
	}
}
