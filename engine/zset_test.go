package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func TestParseScoreFollowsRedisString2d(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"-1.5", -1.5, true}, {"+2", 2, true}, {".5", 0.5, true}, {"5.", 5, true},
		{"1e3", 1000, true}, {"1E-2", 0.01, true}, {"inf", math.Inf(1), true}, {"-INF", math.Inf(-1), true},
		{"+Infinity", math.Inf(1), true}, {"0x10", 16, true}, {"0X1p-2", 0.25, true}, {"0x.8", 0.5, true},
		{"-0", 0, true}, {"1e-310", 1e-310, true}, {"0e-400", 0, true},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"nan", 0, false}, {"-nan", 0, false},
		{"1e400", 0, false}, {"-1e400", 0, false}, {"1e-400", 0, false}, {"0x", 0, false}, {"1e", 0, false},
		{"1e+", 0, false}, {"abc", 0, false}, {"1\x002", 0, false}, {"1_000", 0, false}, {"infinit", 0, false},
		{".", 0, false}, {"-", 0, false}, {"0x1p", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseScore([]byte(c.in))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("ParseScore(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseScoreRangeFollowsRedisZslParseRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		min, max string
		want     ScoreRange
		ok       bool
	}{
		{"1", "2", ScoreRange{Min: 1, Max: 2}, true},
		{"(1", "(2", ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}, true},
		{"-inf", "+inf", ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}, true},
		{"", "(", ScoreRange{MaxEx: true}, true},                    // strtod("") is 0
		{" 1", "1e400", ScoreRange{Min: 1, Max: math.Inf(1)}, true}, // leading space, overflow
		{"1\x00junk", "2", ScoreRange{Min: 1, Max: 2}, true},        // a C string ends at NUL
		{"x", "1", ScoreRange{}, false}, {"1", "nan", ScoreRange{}, false}, {"((1", "2", ScoreRange{}, false},
		{"1 ", "2", ScoreRange{}, false}, {"[1", "2", ScoreRange{}, false},
	}
	for _, c := range cases {
		got, ok := ParseScoreRange([]byte(c.min), []byte(c.max))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("ParseScoreRange(%q, %q) = %+v, %v; want %+v, %v", c.min, c.max, got, ok, c.want, c.ok)
		}
	}
}

func TestParseLexRangeTakesBracketsAndInfinities(t *testing.T) {
	t.Parallel()
	cases := []struct {
		min, max string
		ok       bool
	}{
		{"-", "+", true}, {"[a", "(b", true}, {"[", "(", true}, {"-", "+\x00x", true},
		{"a", "+", false}, {"", "+", false}, {"-a", "+", false}, {"-", "++", false},
	}
	for _, c := range cases {
		if _, ok := ParseLexRange([]byte(c.min), []byte(c.max)); ok != c.ok {
			t.Errorf("ParseLexRange(%q, %q) ok = %v, want %v", c.min, c.max, ok, c.ok)
		}
	}
}

func TestSortableScoresSortAsNumbers(t *testing.T) {
	t.Parallel()
	vals := []float64{math.Inf(-1), -math.MaxFloat64, -1e10, -1, -math.SmallestNonzeroFloat64, 0,
		math.SmallestNonzeroFloat64, 0.5, 1, 1e10, math.MaxFloat64, math.Inf(1)}
	for i := 0; i < 1000; i++ {
		vals = append(vals, rand.NormFloat64()*1e6)
	}
	for _, v := range vals {
		if got := fromSortable(appendSortable(nil, v)); got != v {
			t.Fatalf("round trip of %v gave %v", v, got)
		}
	}
	enc := func(f float64) []byte { return appendSortable(nil, f) }
	for i := range vals {
		for j := range vals {
			a, b := vals[i], vals[j]
			want := 0
			if a < b {
				want = -1
			} else if a > b {
				want = 1
			}
			if got := bytes.Compare(enc(a), enc(b)); got != want {
				t.Fatalf("compare(%v, %v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// model is a reference sorted set: a map and a sort, to check the engine's answers against.
type model map[string]float64

func (m model) sorted() []ZMember {
	out := make([]ZMember, 0, len(m))
	for k, v := range m {
		out = append(out, ZMember{[]byte(k), v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score < out[j].Score
		}
		return bytes.Compare(out[i].Member, out[j].Member) < 0
	})
	return out
}

func render(ms []ZMember) string {
	var b bytes.Buffer
	for _, m := range ms {
		fmt.Fprintf(&b, "%s=%v ", m.Member, m.Score)
	}
	return b.String()
}

func reversed(ms []ZMember) []ZMember {
	out := slices.Clone(ms)
	slices.Reverse(out)
	return out
}

// withZSet runs fn on key as a sorted set in a write Tx and saves it.
func withZSet(t *testing.T, d *DB, key string, fn func(z *ZSet)) {
	t.Helper()
	mustUpdate(t, d, t0, func(tx *Tx) error {
		z, err := tx.ZSet(0, []byte(key))
		if err != nil {
			return err
		}
		fn(z)
		return z.Save()
	})
}

// readZSet runs fn on key as a sorted set in a read Tx.
func readZSet(t *testing.T, d *DB, key string, fn func(z *ZSet)) {
	t.Helper()
	tx := d.Begin(t0, false)
	defer tx.Discard()
	z, err := tx.ZSet(0, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	fn(z)
}

func collectT(t *testing.T, f func(fn func(ZMember) bool) error) []ZMember {
	t.Helper()
	ms, err := collect(f)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestSortedSetMatchesAReferenceModel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		rng := rand.New(rand.NewPCG(1, 2))
		m := model{}
		members := []string{"", "a", "b", "c", "aa", "ab", "b\x00", "zz", "m1", "m2", "m3", "x", "y"}
		for round := 0; round < 15; round++ {
			withZSet(t, d, "z", func(z *ZSet) {
				for i := 0; i < 8; i++ {
					mem := members[rng.IntN(len(members))]
					score := float64(rng.IntN(5) - 2)
					if rng.IntN(10) == 0 {
						score = math.Inf(rng.IntN(2)*2 - 1)
					}
					if rng.IntN(4) == 0 {
						if _, err := z.Remove([]byte(mem)); err != nil {
							t.Fatal(err)
						}
						delete(m, mem)
						continue
					}
					if _, _, err := z.Add([]byte(mem), score, 0); err != nil {
						t.Fatal(err)
					}
					m[mem] = score
				}
			})
			want := m.sorted()
			readZSet(t, d, "z", func(z *ZSet) {
				if z.Len() != int64(len(want)) {
					t.Fatalf("Len = %d, model %d", z.Len(), len(want))
				}
				n := int64(len(want))
				idx := []int64{-n - 1, -n, -n + 1, -2, -1, 0, 1, 2, n / 2, n - 1, n}
				for _, start := range idx {
					for _, stop := range idx {
						a, b, ok := rankBounds(start, stop, n, false)
						var exp []ZMember
						if ok {
							exp = want[a : b+1]
						}
						got := collectT(t, func(fn func(ZMember) bool) error { return z.RangeByRank(start, stop, false, fn) })
						if render(got) != render(exp) {
							t.Fatalf("RangeByRank(%d, %d) = %s, want %s", start, stop, render(got), render(exp))
						}
						a, b, ok = rankBounds(start, stop, n, true)
						exp = nil
						if ok {
							exp = reversed(want[a : b+1])
						}
						got = collectT(t, func(fn func(ZMember) bool) error { return z.RangeByRank(start, stop, true, fn) })
						if render(got) != render(exp) {
							t.Fatalf("RangeByRank(%d, %d, rev) = %s, want %s", start, stop, render(got), render(exp))
						}
					}
				}
				for i, w := range want {
					r, found, err := z.Rank(w.Member, false)
					if err != nil || !found || r != int64(i) {
						t.Fatalf("Rank(%q) = %d %v %v, want %d", w.Member, r, found, err, i)
					}
					r, _, _ = z.Rank(w.Member, true)
					if r != n-1-int64(i) {
						t.Fatalf("reverse Rank(%q) = %d, want %d", w.Member, r, n-1-int64(i))
					}
				}
				bounds := []float64{math.Inf(-1), -2, -1, 0, 1, 2, math.Inf(1)}
				for _, lo := range bounds {
					for _, hi := range bounds {
						for _, ex := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
							r := ScoreRange{Min: lo, Max: hi, MinEx: ex[0], MaxEx: ex[1]}
							var exp []ZMember
							for _, w := range want {
								if r.gteMin(w.Score) && r.lteMax(w.Score) {
									exp = append(exp, w)
								}
							}
							for _, lim := range [][2]int64{{0, -1}, {1, 2}} {
								got := collectT(t, func(fn func(ZMember) bool) error { return z.RangeByScore(r, false, lim[0], lim[1], fn) })
								if e := limited(exp, lim); render(got) != render(e) {
									t.Fatalf("RangeByScore(%+v, %v) = %s, want %s", r, lim, render(got), render(e))
								}
								got = collectT(t, func(fn func(ZMember) bool) error { return z.RangeByScore(r, true, lim[0], lim[1], fn) })
								if e := limited(reversed(exp), lim); render(got) != render(e) {
									t.Fatalf("RangeByScore(%+v, %v, rev) = %s, want %s", r, lim, render(got), render(e))
								}
							}
							if c, _ := z.CountByScore(r); c != int64(len(exp)) {
								t.Fatalf("CountByScore(%+v) = %d, want %d", r, c, len(exp))
							}
						}
					}
				}
			})
		}
	})
}

func limited(ms []ZMember, lim [2]int64) []ZMember {
	off, n := lim[0], lim[1]
	if off >= int64(len(ms)) {
		return nil
	}
	ms = ms[off:]
	if n >= 0 && n < int64(len(ms)) {
		ms = ms[:n]
	}
	return ms
}

func TestLexRangesOverEqualScoresSeekTheirStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		members := []string{"", "a", "aa", "ab", "b", "b\x00", "ba", "c", "\xff", "\xff\xff"}
		withZSet(t, d, "z", func(z *ZSet) {
			for _, m := range members {
				z.Add([]byte(m), 7, 0)
			}
		})
		bounds := []LexBound{{Kind: '-'}, {Kind: '+'}}
		for _, v := range []string{"", "a", "ab", "abc", "b", "b\x00", "c", "d", "\xff"} {
			bounds = append(bounds, LexBound{Kind: '[', Value: []byte(v)}, LexBound{Kind: '(', Value: []byte(v)})
		}
		readZSet(t, d, "z", func(z *ZSet) {
			for _, lo := range bounds {
				for _, hi := range bounds {
					r := LexRange{Min: lo, Max: hi}
					var exp []ZMember
					if !r.empty() {
						for _, m := range members {
							if r.gteMin([]byte(m)) && r.lteMax([]byte(m)) {
								exp = append(exp, ZMember{[]byte(m), 7})
							}
						}
					}
					got := collectT(t, func(fn func(ZMember) bool) error { return z.RangeByLex(r, false, 0, -1, fn) })
					if render(got) != render(exp) {
						t.Fatalf("RangeByLex(%q%q, %q%q) = %q, want %q", lo.Kind, lo.Value, hi.Kind, hi.Value, render(got), render(exp))
					}
					got = collectT(t, func(fn func(ZMember) bool) error { return z.RangeByLex(r, true, 1, 2, fn) })
					if e := limited(reversed(exp), [2]int64{1, 2}); render(got) != render(e) {
						t.Fatalf("RangeByLex(%q%q, %q%q, rev, LIMIT 1 2) = %q, want %q", lo.Kind, lo.Value, hi.Kind, hi.Value, render(got), render(e))
					}
				}
			}
		})
	})
}

func TestZAddFollowsRedisZsetAdd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		steps := []struct {
			name   string
			member string
			score  float64
			flags  ZAddFlags
			out    ZAddOutcome
			result float64
			err    error
		}{
			{"a new member is added", "a", 5, 0, ZAddAdded, 5, nil},
			{"the same score is processed without change", "a", 5, 0, ZAddSame, 5, nil},
			{"NX does not touch an existing member", "a", 1, ZAddNX, ZAddNop, 0, nil},
			{"XX does not add", "b", 1, ZAddXX, ZAddNop, 0, nil},
			{"GT refuses a lower score", "a", 4, ZAddGT, ZAddNop, 0, nil},
			{"GT takes a higher score", "a", 6, ZAddGT, ZAddUpdated, 6, nil},
			{"LT refuses an equal score", "a", 6, ZAddLT, ZAddNop, 0, nil},
			{"GT still adds a new member", "c", -1, ZAddGT, ZAddAdded, -1, nil},
			{"INCR adds to the score", "a", 1.5, ZAddIncr, ZAddUpdated, 7.5, nil},
			{"INCR with LT compares the sum", "a", 1, ZAddIncr | ZAddLT, ZAddNop, 0, nil},
			{"INCR of a new member starts from 0", "d", 2, ZAddIncr, ZAddAdded, 2, nil},
			{"NaN is refused", "a", math.NaN(), 0, ZAddNop, 0, ErrNaNScore},
			{"infinity is a score", "e", math.Inf(1), 0, ZAddAdded, math.Inf(1), nil},
			{"inf + -inf is refused", "e", math.Inf(-1), ZAddIncr, ZAddNop, 0, ErrNaNScore},
		}
		for _, s := range steps {
			withZSet(t, d, "z", func(z *ZSet) {
				out, res, err := z.Add([]byte(s.member), s.score, s.flags)
				if out != s.out || !errors.Is(err, s.err) || s.err == nil && res != s.result {
					t.Errorf("%s: Add = %v, %v, %v; want %v, %v, %v", s.name, out, res, err, s.out, s.result, s.err)
				}
			})
		}
		readZSet(t, d, "z", func(z *ZSet) {
			got := collectT(t, func(fn func(ZMember) bool) error { return z.RangeByRank(0, -1, false, fn) })
			if render(got) != "c=-1 d=2 a=7.5 e=+Inf " {
				t.Errorf("members %s", render(got))
			}
		})
	})
}

func TestEmptiedSortedSetsVanish(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		withZSet(t, d, "z", func(z *ZSet) {
			z.Add([]byte("a"), 1, 0)
			z.Add([]byte("b"), 2, 0)
		})
		if d.DBSize(0) != 1 {
			t.Fatalf("DBSize = %d", d.DBSize(0))
		}
		withZSet(t, d, "z", func(z *ZSet) {
			ms, err := z.Pop(false, 5)
			if err != nil || render(ms) != "a=1 b=2 " {
				t.Fatalf("Pop = %s, %v", render(ms), err)
			}
		})
		if typ := typeOf(t, d, t0, "z"); typ != TypeNone || d.DBSize(0) != 0 {
			t.Fatalf("after popping everything: type %v, DBSize %d", typ, d.DBSize(0))
		}
	})
}

func TestZCombineFollowsRedis(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		for key, ms := range map[string]model{
			"a": {"x": 1, "y": 2, "z": 3},
			"b": {"y": 10, "z": 20, "w": 30},
			"i": {"p": math.Inf(1), "q": math.Inf(-1)},
			"j": {"p": math.Inf(-1), "q": 0},
		} {
			withZSet(t, d, key, func(z *ZSet) {
				for m, s := range ms {
					z.Add([]byte(m), s, 0)
				}
			})
		}
		mustSet(t, d, 0, t0, "str", "x", SetOptions{})
		// A set, written as the set commands write it: each member under tagSetMember.
		mustUpdate(t, d, t0, func(tx *Tx) error {
			c, err := tx.Collection(0, []byte("s"), TypeSet)
			if err != nil {
				return err
			}
			for _, m := range []string{"x", "w", "v"} {
				tx.PutElement(c, tagSetMember, []byte(m), nil)
				c.AddLen(1)
			}
			return tx.SaveCollection(c)
		})
		cases := []struct {
			name    string
			op      ZCombineOp
			keys    []string
			weights []float64
			agg     ZAggregate
			want    string
			err     error
		}{
			{"union sums", ZUnion, []string{"a", "b"}, nil, ZAggSum, "x=1 y=12 z=23 w=30 ", nil},
			{"union with weights and min", ZUnion, []string{"a", "b"}, []float64{2, 0.5}, ZAggMin, "x=2 y=4 z=6 w=15 ", nil},
			{"inter max", ZInter, []string{"a", "b"}, nil, ZAggMax, "y=10 z=20 ", nil},
			{"diff keeps the first set's scores", ZDiff, []string{"a", "b"}, []float64{5, 5}, ZAggSum, "x=1 ", nil},
			{"a missing key is empty", ZInter, []string{"a", "nokey"}, nil, ZAggSum, "", nil},
			{"inf + -inf sums to 0", ZUnion, []string{"i", "j"}, nil, ZAggSum, "q=-Inf p=0 ", nil},
			{"0 * inf weighs 0", ZUnion, []string{"i"}, []float64{0}, ZAggSum, "p=0 q=0 ", nil},
			{"set members score 1", ZUnion, []string{"s", "a"}, nil, ZAggSum, "v=1 w=1 x=2 y=2 z=3 ", nil},
			{"a set as the first input of a diff", ZDiff, []string{"s", "b"}, nil, ZAggSum, "v=1 x=1 ", nil},
			{"a string is the wrong type", ZUnion, []string{"a", "str"}, nil, ZAggSum, "", ErrWrongType},
		}
		tx := d.Begin(t0, false)
		defer tx.Discard()
		for _, c := range cases {
			keys := make([][]byte, len(c.keys))
			for i, k := range c.keys {
				keys[i] = []byte(k)
			}
			got, err := tx.ZCombine(0, c.op, keys, c.weights, c.agg)
			if !errors.Is(err, c.err) || render(got) != c.want {
				t.Errorf("%s: %s, %v; want %s, %v", c.name, render(got), err, c.want, c.err)
			}
		}
		for _, lim := range []struct{ limit, want int64 }{{0, 2}, {1, 1}, {5, 2}} {
			n, err := tx.ZInterCard(0, [][]byte{[]byte("a"), []byte("b")}, lim.limit)
			if err != nil || n != lim.want {
				t.Errorf("ZInterCard limit %d = %d, %v; want %d", lim.limit, n, err, lim.want)
			}
		}
	})
}

func TestZScanMembersVisitsEachMemberOnceAcrossCalls(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		withZSet(t, d, "z", func(z *ZSet) {
			for i := 0; i < 250; i++ {
				z.Add([]byte(fmt.Sprintf("m%03d", i)), float64(i%7), 0)
			}
		})
		seen := map[string]bool{}
		var after []byte
		for calls := 0; ; calls++ {
			if calls > 30 {
				t.Fatal("no end")
			}
			var last []byte
			var more bool
			readZSet(t, d, "z", func(z *ZSet) {
				var err error
				last, more, err = z.ScanMembers(after, 10, func(m ZMember) {
					if seen[string(m.Member)] {
						t.Fatalf("%s twice", m.Member)
					}
					seen[string(m.Member)] = true
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			if !more {
				break
			}
			after = last
			// A member whose score changes between calls does not move in member order.
			withZSet(t, d, "z", func(z *ZSet) { z.Add([]byte("m249"), -float64(calls), 0) })
		}
		if len(seen) != 250 {
			t.Fatalf("saw %d members", len(seen))
		}
	})
}

func TestRandomMembersComeFromTheSet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		withZSet(t, d, "z", func(z *ZSet) {
			for i := 0; i < 100; i++ {
				z.Add([]byte(fmt.Sprintf("user:%d", i*37)), float64(i), 0)
			}
		})
		readZSet(t, d, "z", func(z *ZSet) {
			seen := map[string]bool{}
			for i := 0; i < 300; i++ {
				m, err := z.RandomMember(func(n uint64) uint64 { return rand.Uint64N(n) })
				if err != nil {
					t.Fatal(err)
				}
				s, found, _ := z.Score(m.Member)
				if !found || s != m.Score {
					t.Fatalf("random member %q (%v) is not in the set", m.Member, m.Score)
				}
				seen[string(m.Member)] = true
			}
			if len(seen) < 10 {
				t.Errorf("300 draws hit only %d members", len(seen))
			}
			ms, err := z.Members([]int64{0, 0, 5, 99})
			if err != nil || render(ms) != "user:0=0 user:0=0 user:185=5 user:3663=99 " {
				t.Fatalf("Members = %s, %v", render(ms), err)
			}
		})
	})
}

func TestRemovingEveryMemberDropsTheSetAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		removers := []struct {
			name string
			fn   func(z *ZSet) (int64, error)
		}{
			{"by rank", func(z *ZSet) (int64, error) { return z.RemoveRangeByRank(-100, 100) }},
			{"by score", func(z *ZSet) (int64, error) {
				return z.RemoveRangeByScore(ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)})
			}},
			{"by member", func(z *ZSet) (int64, error) {
				return z.RemoveRangeByLex(LexRange{Min: LexBound{Kind: '-'}, Max: LexBound{Kind: '+'}})
			}},
			{"by popping", func(z *ZSet) (int64, error) { ms, err := z.Pop(true, 1000); return int64(len(ms)), err }},
		}
		for _, r := range removers {
			withZSet(t, d, "z", func(z *ZSet) {
				for i := 0; i < 50; i++ {
					z.Add([]byte(fmt.Sprint(i)), 0, 0)
				}
			})
			withZSet(t, d, "z", func(z *ZSet) {
				if n, err := r.fn(z); n != 50 || err != nil {
					t.Fatalf("%s: removed %d, %v", r.name, n, err)
				}
			})
			if typ := typeOf(t, d, t0, "z"); typ != TypeNone {
				t.Fatalf("%s: key still there as %v", r.name, typ)
			}
			withZSet(t, d, "z", func(z *ZSet) { z.Add([]byte("new"), 1, 0) })
			readZSet(t, d, "z", func(z *ZSet) {
				got := collectT(t, func(fn func(ZMember) bool) error { return z.RangeByRank(0, -1, false, fn) })
				if z.Len() != 1 || render(got) != "new=1 " {
					t.Fatalf("%s: after re-adding, %d members: %s", r.name, z.Len(), render(got))
				}
			})
			withZSet(t, d, "z", func(z *ZSet) { z.Remove([]byte("new")) })
		}
		if _, err := d.CollectGarbage(1 << 20); err != nil {
			t.Fatal(err)
		}
	})
}
