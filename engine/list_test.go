package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// listOf reads the whole list at key (nil when it does not exist).
func listOf(t testing.TB, d *DB, now int64, key string) []string {
	t.Helper()
	tx := d.Begin(now, false)
	defer tx.Discard()
	vals, err := tx.ListRange(0, []byte(key), 0, -1)
	if err != nil {
		t.Fatalf("ListRange(%q): %v", key, err)
	}
	var out []string
	for _, v := range vals {
		out = append(out, string(v))
	}
	return out
}

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func strs(vals [][]byte) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

func mustPush(t testing.TB, d *DB, now int64, key string, left bool, vals ...string) int64 {
	t.Helper()
	var n int64
	mustUpdate(t, d, now, func(tx *Tx) error {
		var err error
		n, err = tx.ListPush(0, []byte(key), left, false, bs(vals...))
		return err
	})
	return n
}

func TestListPushAddsElementsAtEitherEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		if n := mustPush(t, d, now, "l", true, "a", "b", "c"); n != 3 {
			t.Fatalf("LPUSH returned %d, want 3", n)
		}
		if n := mustPush(t, d, now, "l", false, "d", "e"); n != 5 {
			t.Fatalf("RPUSH returned %d, want 5", n)
		}
		if got := listOf(t, d, now, "l"); !reflect.DeepEqual(got, []string{"c", "b", "a", "d", "e"}) {
			t.Fatalf("list = %q", got)
		}
		if typ := typeOf(t, d, now, "l"); typ != TypeList {
			t.Fatalf("TYPE = %v, want list", typ)
		}
		mustUpdate(t, d, now, func(tx *Tx) error {
			n, err := tx.ListPush(0, []byte("missing"), true, true, bs("x"))
			if n != 0 || err != nil {
				t.Errorf("LPUSHX on a missing key = %d, %v; want 0, nil", n, err)
			}
			return nil
		})
		if d.DBSize(0) != 1 {
			t.Fatalf("DBSize = %d, want 1 (LPUSHX created nothing)", d.DBSize(0))
		}
	})
}

func TestListOperationsRefuseOtherTypes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		mustSet(t, d, 0, now, "s", "v", SetOptions{})
		k := []byte("s")
		ops := map[string]func(tx *Tx) error{
			"push":   func(tx *Tx) error { _, err := tx.ListPush(0, k, true, false, bs("a")); return err },
			"pop":    func(tx *Tx) error { _, _, err := tx.ListPop(0, k, true, 1); return err },
			"len":    func(tx *Tx) error { _, err := tx.ListLen(0, k); return err },
			"range":  func(tx *Tx) error { _, err := tx.ListRange(0, k, 0, -1); return err },
			"index":  func(tx *Tx) error { _, _, err := tx.ListIndex(0, k, 0); return err },
			"set":    func(tx *Tx) error { return tx.ListSet(0, k, 0, []byte("a")) },
			"insert": func(tx *Tx) error { _, err := tx.ListInsert(0, k, true, []byte("a"), []byte("b")); return err },
			"remove": func(tx *Tx) error { _, err := tx.ListRemove(0, k, 0, []byte("a")); return err },
			"trim":   func(tx *Tx) error { return tx.ListTrim(0, k, 0, 1) },
			"pos": func(tx *Tx) error {
				_, _, err := tx.ListPos(0, k, []byte("a"), ListPosOptions{Rank: 1, Count: -1})
				return err
			},
			"move": func(tx *Tx) error { _, _, err := tx.ListMove(0, k, []byte("d"), true, true); return err },
		}
		for name, op := range ops {
			tx := d.Begin(now, true)
			err := op(tx)
			tx.Discard()
			if !errors.Is(err, ErrWrongType) {
				t.Errorf("%s on a string: err = %v, want ErrWrongType", name, err)
			}
		}
		mustPush(t, d, now, "l", false, "a")
		tx := d.Begin(now, true)
		defer tx.Discard()
		if _, _, err := tx.ListMove(0, []byte("l"), k, true, true); !errors.Is(err, ErrWrongType) {
			t.Errorf("move onto a string: err = %v, want ErrWrongType", err)
		}
	})
}

func TestListPopTakesElementsInOrderAndTheLastTakesTheKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		mustPush(t, d, now, "l", false, "a", "b", "c", "d", "e")
		pop := func(left bool, n int64) ([]string, bool) {
			var vals [][]byte
			var exists bool
			mustUpdate(t, d, now, func(tx *Tx) error {
				var err error
				vals, exists, err = tx.ListPop(0, []byte("l"), left, n)
				return err
			})
			return strs(vals), exists
		}
		if got, _ := pop(true, 2); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Fatalf("pop left 2 = %q", got)
		}
		if got, _ := pop(false, 2); !reflect.DeepEqual(got, []string{"e", "d"}) {
			t.Fatalf("pop right 2 = %q", got)
		}
		if got, _ := pop(true, 0); len(got) != 0 {
			t.Fatalf("pop 0 = %q", got)
		}
		if got, _ := pop(false, 10); !reflect.DeepEqual(got, []string{"c"}) {
			t.Fatalf("pop right 10 = %q", got)
		}
		if got, exists := pop(true, 1); exists || len(got) != 0 {
			t.Fatalf("pop of a missing list = %q, exists %v", got, exists)
		}
		if typ := typeOf(t, d, now, "l"); typ != TypeNone || d.DBSize(0) != 0 {
			t.Fatalf("emptied list: TYPE %v DBSize %d, want none and 0", typ, d.DBSize(0))
		}
	})
}

func TestListReadsByIndexAndRange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		mustPush(t, d, now, "l", false, "a", "b", "c", "d")
		mustPush(t, d, now, "l", true, "z") // z a b c d, head below 0
		tx := d.Begin(now, false)
		defer tx.Discard()
		for _, tc := range []struct {
			index int64
			want  string
			found bool
		}{{0, "z", true}, {4, "d", true}, {5, "", false}, {-1, "d", true}, {-5, "z", true}, {-6, "", false},
			{math.MaxInt64, "", false}, {math.MinInt64, "", false}} {
			v, found, err := tx.ListIndex(0, []byte("l"), tc.index)
			if err != nil || found != tc.found || string(v) != tc.want {
				t.Errorf("ListIndex(%d) = %q, %v, %v; want %q, %v", tc.index, v, found, err, tc.want, tc.found)
			}
		}
		for _, tc := range []struct {
			start, stop int64
			want        string
		}{{0, -1, "zabcd"}, {1, 2, "ab"}, {-2, -1, "cd"}, {-100, 0, "z"}, {3, 100, "cd"}, {3, 2, ""},
			{5, 10, ""}, {math.MinInt64, math.MaxInt64, "zabcd"}} {
			vals, err := tx.ListRange(0, []byte("l"), tc.start, tc.stop)
			if got := strings.Join(strs(vals), ""); err != nil || got != tc.want {
				t.Errorf("ListRange(%d, %d) = %q, %v; want %q", tc.start, tc.stop, got, err, tc.want)
			}
		}
	})
}

func TestListSetReplacesOneElement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		mustPush(t, d, now, "l", false, "a", "b", "c")
		mustUpdate(t, d, now, func(tx *Tx) error {
			if err := tx.ListSet(0, []byte("l"), -1, []byte("C")); err != nil {
				return err
			}
			if err := tx.ListSet(0, []byte("l"), 3, []byte("x")); !errors.Is(err, ErrIndexOutOfRange) {
				t.Errorf("LSET out of range: err = %v", err)
			}
			if err := tx.ListSet(0, []byte("m"), 0, []byte("x")); !errors.Is(err, ErrNotFound) {
				t.Errorf("LSET on a missing key: err = %v", err)
			}
			return nil
		})
		if got := listOf(t, d, now, "l"); !reflect.DeepEqual(got, []string{"a", "b", "C"}) {
			t.Fatalf("list = %q", got)
		}
	})
}

func TestAnExpiredListIsGoneAndReplaced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		mustPush(t, d, now, "l", false, "a", "b")
		mustUpdate(t, d, now, func(tx *Tx) error {
			_, err := tx.Expire(0, []byte("l"), now+100, 0)
			return err
		})
		later := now + 200
		if got := listOf(t, d, later, "l"); got != nil {
			t.Fatalf("expired list reads %q", got)
		}
		mustPush(t, d, later, "l", false, "x")
		if got := listOf(t, d, later, "l"); !reflect.DeepEqual(got, []string{"x"}) {
			t.Fatalf("list pushed over an expired one = %q", got)
		}
		if at := expireAtOf(t, d, 0, later, "l"); at != 0 {
			t.Fatalf("new list has expiry %d, want none", at)
		}
	})
}

// listModel is a plain slice implementing Redis's list semantics, to check the engine against.
type listModel []string

func (m listModel) norm(i int64) (int64, bool) {
	if i < 0 {
		i += int64(len(m))
	}
	return i, i >= 0 && i < int64(len(m))
}

func (m *listModel) insert(after bool, pivot, val string) int64 {
	for i, v := range *m {
		if v == pivot {
			at := i
			if after {
				at++
			}
			*m = append((*m)[:at], append([]string{val}, (*m)[at:]...)...)
			return int64(len(*m))
		}
	}
	if len(*m) == 0 {
		return 0
	}
	return -1
}

func (m *listModel) remove(count int64, val string) int64 {
	var removed int64
	out := listModel{}
	if count >= 0 {
		for _, v := range *m {
			if v == val && (count == 0 || removed < count) {
				removed++
				continue
			}
			out = append(out, v)
		}
	} else {
		for i := len(*m) - 1; i >= 0; i-- {
			v := (*m)[i]
			if v == val && removed < -count {
				removed++
				continue
			}
			out = append(listModel{v}, out...)
		}
	}
	*m = out
	return removed
}

func (m *listModel) trim(start, stop int64) {
	first, n := listRange(int64(len(*m)), start, stop)
	*m = append(listModel{}, (*m)[first:first+n]...)
}

// TestListsMatchAModelUnderRandomOperations applies random operations, on lists long enough for
// LINSERT, LREM and LTRIM to take each of their strategies, to the engine and to a slice, and
// compares the lists after each.
func TestListsMatchAModelUnderRandomOperations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		rnd := rand.New(rand.NewSource(7))
		var m listModel
		key := []byte("l")
		vals := []string{"a", "b", "c", "d"}
		val := func() string { return vals[rnd.Intn(len(vals))] }
		idx := func() int64 { return int64(rnd.Intn(2*len(m)+3) - len(m) - 1) }
		for step := 0; step < 1500; step++ {
			var desc string
			mustUpdate(t, d, now, func(tx *Tx) error {
				switch op := rnd.Intn(9); {
				case op <= 1 || len(m) < 5:
					left := rnd.Intn(2) == 0
					var add []string
					for n := 1 + rnd.Intn(20); n > 0; n-- {
						add = append(add, val())
					}
					desc = fmt.Sprintf("push left=%v %q", left, add)
					for _, v := range add {
						if left {
							m = append(listModel{v}, m...)
						} else {
							m = append(m, v)
						}
					}
					_, err := tx.ListPush(0, key, left, false, bs(add...))
					return err
				case op == 2:
					left, n := rnd.Intn(2) == 0, int64(rnd.Intn(4))
					desc = fmt.Sprintf("pop left=%v %d", left, n)
					got, _, err := tx.ListPop(0, key, left, n)
					n = min(n, int64(len(m)))
					want := []string{}
					if left {
						want, m = append([]string{}, m[:n]...), m[n:]
					} else {
						for i := int64(0); i < n; i++ {
							want = append(want, m[len(m)-1-int(i)])
						}
						m = m[:int64(len(m))-n]
					}
					if err == nil && !reflect.DeepEqual(strs(got), want) {
						t.Errorf("step %d %s = %q, want %q", step, desc, strs(got), want)
					}
					return err
				case op == 3:
					after, pivot, v := rnd.Intn(2) == 0, val(), "new"+val()
					desc = fmt.Sprintf("insert after=%v %q %q", after, pivot, v)
					got, err := tx.ListInsert(0, key, after, []byte(pivot), []byte(v))
					if want := m.insert(after, pivot, v); err == nil && got != want {
						t.Errorf("step %d %s = %d, want %d", step, desc, got, want)
					}
					return err
				case op == 4:
					count, v := int64(rnd.Intn(7)-3), val()
					desc = fmt.Sprintf("remove %d %q", count, v)
					got, err := tx.ListRemove(0, key, count, []byte(v))
					if want := m.remove(count, v); err == nil && got != want {
						t.Errorf("step %d %s = %d, want %d", step, desc, got, want)
					}
					return err
				case op == 5:
					start, stop := idx(), idx()
					if rnd.Intn(3) == 0 {
						start, stop = 0, int64(len(m))-2 // keeps most
					}
					desc = fmt.Sprintf("trim %d %d", start, stop)
					m.trim(start, stop)
					return tx.ListTrim(0, key, start, stop)
				case op == 6:
					i, v := idx(), "set"+val()
					desc = fmt.Sprintf("set %d %q", i, v)
					err := tx.ListSet(0, key, i, []byte(v))
					if j, ok := m.norm(i); ok {
						m[j] = v
					} else if errors.Is(err, ErrIndexOutOfRange) || errors.Is(err, ErrNotFound) {
						err = nil
					}
					return err
				case op == 7:
					desc = "move left to right (rotate)"
					_, _, err := tx.ListMove(0, key, key, true, false)
					if len(m) > 0 {
						m = append(m[1:], m[0])
					}
					return err
				default:
					rank := []int64{1, 2, -1, -2}[rnd.Intn(4)]
					v, count := val(), int64(rnd.Intn(3))
					desc = fmt.Sprintf("pos %q rank %d count %d", v, rank, count)
					got, _, err := tx.ListPos(0, key, []byte(v), ListPosOptions{Rank: rank, Count: count})
					want := []int64{}
					r := rank
					order := make([]int, len(m))
					for i := range order {
						order[i] = i
						if rank < 0 {
							order[i] = len(m) - 1 - i
						}
					}
					if r < 0 {
						r = -r
					}
					matches := int64(0)
					for _, i := range order {
						if m[i] == v {
							matches++
							if matches >= r && (count == 0 || int64(len(want)) < count) {
								want = append(want, int64(i))
							}
						}
					}
					if err == nil && len(m) > 0 && !reflect.DeepEqual(got, want) {
						t.Errorf("step %d %s = %v, want %v", step, desc, got, want)
					}
					return err
				}
			})
			got := listOf(t, d, now, "l")
			if len(got) != len(m) || (len(m) > 0 && !reflect.DeepEqual(got, []string(m))) {
				t.Fatalf("step %d %s: list = %q, want %q", step, desc, got, m)
			}
			tx := d.Begin(now, false)
			n, err := tx.ListLen(0, key)
			tx.Discard()
			if err != nil || n != int64(len(m)) {
				t.Fatalf("step %d %s: ListLen = %d, %v; want %d", step, desc, n, err, len(m))
			}
			if len(m) == 0 && d.DBSize(0) != 0 {
				t.Fatalf("step %d %s: empty list still counted (DBSize %d)", step, desc, d.DBSize(0))
			}
		}
	})
}
