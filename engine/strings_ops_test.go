package engine

import (
	"errors"
	"math"
	"testing"
)

func TestGetRangeClampsLikeRedis(t *testing.T) {
	t.Parallel()
	s := []byte("hello")
	tests := []struct {
		start, end int64
		want       string
	}{
		{0, -1, "hello"}, {0, -100, "h"}, {-1, -5, ""}, {-100, -200, ""}, {-3, -1, "llo"}, {5, 10, ""},
		{4, 4, "o"}, {-100, 100, "hello"}, {0, math.MaxInt64, "hello"}, {math.MinInt64, -1, "hello"}, {3, 1, ""},
	}
	for _, tc := range tests {
		if got := GetRange(s, tc.start, tc.end); string(got) != tc.want {
			t.Errorf("GetRange(%q, %d, %d) = %q, want %q", s, tc.start, tc.end, got, tc.want)
		}
	}
	if got := GetRange(nil, 0, -1); len(got) != 0 {
		t.Errorf("GetRange of nothing = %q", got)
	}
}

func TestAppendAndSetRange(t *testing.T) {
	const limit = 16
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "volatile", "ab", SetOptions{ExpireAt: t0 + 1000})
		steps := []struct {
			name    string
			run     func(tx *Tx) (int64, error)
			key     string
			want    int64
			wantErr error
			value   string // after; "-" for a missing key
		}{
			{"APPEND creates a missing key", func(tx *Tx) (int64, error) { return tx.Append(0, []byte("k"), []byte("hello"), limit) }, "k", 5, nil, "hello"},
			{"APPEND appends", func(tx *Tx) (int64, error) { return tx.Append(0, []byte("k"), []byte(" world"), limit) }, "k", 11, nil, "hello world"},
			{"APPEND beyond the limit fails", func(tx *Tx) (int64, error) { return tx.Append(0, []byte("k"), []byte("123456"), limit) }, "k", 0, ErrStringTooLong, "hello world"},
			{"APPEND up to the limit succeeds", func(tx *Tx) (int64, error) { return tx.Append(0, []byte("k"), []byte("12345"), limit) }, "k", 16, nil, "hello world12345"},
			{"SETRANGE overwrites in place", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("k"), 0, []byte("J"), limit) }, "k", 16, nil, "Jello world12345"},
			{"SETRANGE pads a missing key with zeros", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("r"), 3, []byte("x"), limit) }, "r", 4, nil, "\x00\x00\x00x"},
			{"SETRANGE with nothing creates no key", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("none"), 100, nil, limit) }, "none", 0, nil, "-"},
			{"SETRANGE with nothing answers the length", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("k"), 100, nil, limit) }, "k", 16, nil, "Jello world12345"},
			{"SETRANGE beyond the limit fails", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("r"), 16, []byte("x"), limit) }, "r", 0, ErrStringTooLong, "\x00\x00\x00x"},
			{"SETRANGE whose end overflows fails", func(tx *Tx) (int64, error) {
				return tx.SetRange(0, []byte("r"), math.MaxInt64, []byte("x"), math.MaxInt64)
			}, "r", 0, ErrStringTooLong, "\x00\x00\x00x"},
			{"APPEND keeps the expiry", func(tx *Tx) (int64, error) { return tx.Append(0, []byte("volatile"), []byte("c"), limit) }, "volatile", 3, nil, "abc"},
			{"SETRANGE keeps the expiry", func(tx *Tx) (int64, error) { return tx.SetRange(0, []byte("volatile"), 3, []byte("d"), limit) }, "volatile", 4, nil, "abcd"},
		}
		for _, st := range steps {
			var got int64
			var err error
			mustUpdate(t, d, t0, func(tx *Tx) error {
				got, err = st.run(tx)
				return nil
			})
			if got != st.want || !errors.Is(err, st.wantErr) {
				t.Errorf("%s: %d, %v; want %d, %v", st.name, got, err, st.want, st.wantErr)
			}
			v, ok := getAt(t, d, 0, t0, st.key)
			if !ok {
				v = "-"
			}
			if v != st.value {
				t.Errorf("%s: value %q, want %q", st.name, v, st.value)
			}
		}
		if at := expireAtOf(t, d, 0, t0, "volatile"); at != t0+1000 {
			t.Errorf("expiry after APPEND and SETRANGE = %d, want %d", at, t0+1000)
		}
	})
}

func TestGetDelAndMSetNX(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "a", "1", SetOptions{ExpireAt: t0 + 1000})
		mustUpdate(t, d, t0, func(tx *Tx) error {
			v, err := tx.GetDel(0, []byte("a"))
			if err != nil || string(v) != "1" {
				t.Errorf("GetDel = %q, %v; want \"1\"", v, err)
			}
			if _, err := tx.GetDel(0, []byte("a")); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetDel of a deleted key: %v, want ErrNotFound", err)
			}
			ok, err := tx.MSetNX(0, [][]byte{[]byte("x"), []byte("1"), []byte("y"), []byte("2")})
			if !ok || err != nil {
				t.Errorf("MSetNX of new keys = %v, %v", ok, err)
			}
			ok, err = tx.MSetNX(0, [][]byte{[]byte("z"), []byte("3"), []byte("y"), []byte("4")})
			if ok || err != nil {
				t.Errorf("MSetNX with an existing key = %v, %v", ok, err)
			}
			return nil
		})
		if n, _ := d.Expires(0); n != 0 || d.DBSize(0) != 2 {
			t.Errorf("after GETDEL and MSETNX: %d keys, %d expiries; want 2, 0", d.DBSize(0), n)
		}
		if _, ok := getAt(t, d, 0, t0, "z"); ok {
			t.Error("a failed MSETNX set a key")
		}
	})
}

func TestIncrByFloatStoresTheFormattedValue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "f", "10.5", SetOptions{ExpireAt: t0 + 1000})
		incr, _ := ParseLongDouble([]byte("0.1"))
		mustUpdate(t, d, t0, func(tx *Tx) error {
			v, err := tx.IncrByFloat(0, []byte("f"), &incr)
			if err != nil || string(v) != "10.6" {
				t.Errorf("IncrByFloat = %q, %v; want 10.6", v, err)
			}
			if _, err := tx.IncrByFloat(0, []byte("f"), nil); !errors.Is(err, ErrNotFloat) {
				t.Errorf("IncrByFloat with a bad increment: %v, want ErrNotFloat", err)
			}
			if _, err := tx.IncrByFloat(0, []byte("missing"), nil); !errors.Is(err, ErrNotFloat) {
				t.Errorf("IncrByFloat of a missing key with a bad increment: %v, want ErrNotFloat", err)
			}
			return nil
		})
		if v, _ := getAt(t, d, 0, t0, "f"); v != "10.6" {
			t.Errorf("stored %q, want 10.6", v)
		}
		if at := expireAtOf(t, d, 0, t0, "f"); at != t0+1000 {
			t.Errorf("expiry = %d, want %d", at, t0+1000)
		}
	})
}

func TestStringWritesRefuseAKeyOfAnotherType(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustHash(t, d, "h")
		tx := d.Begin(t0, true)
		defer tx.Discard()
		one, _ := ParseLongDouble([]byte("1"))
		h := []byte("h")
		for name, f := range map[string]func() error{
			"IncrBy":      func() error { _, err := tx.IncrBy(0, h, 1); return err },
			"IncrByFloat": func() error { _, err := tx.IncrByFloat(0, h, nil); return err },
			"IncrByFloat with a good increment": func() error {
				_, err := tx.IncrByFloat(0, h, &one)
				return err
			},
			"Append":   func() error { _, err := tx.Append(0, h, []byte("x"), 100); return err },
			"SetRange": func() error { _, err := tx.SetRange(0, h, 0, nil, 100); return err },
			"GetDel":   func() error { _, err := tx.GetDel(0, h); return err },
		} {
			if err := f(); !errors.Is(err, ErrWrongType) {
				t.Errorf("%s on a hash: %v, want ErrWrongType", name, err)
			}
		}
	})
}

// TestStringWritesOverAnExpiredCollectionDropItsElements: a string written over an expired hash
// must not leave the hash's elements behind.
func TestStringWritesOverAnExpiredCollectionDropItsElements(t *testing.T) {
	writes := map[string]func(tx *Tx, key []byte) error{
		"IncrBy":      func(tx *Tx, key []byte) error { _, err := tx.IncrBy(0, key, 1); return err },
		"Append":      func(tx *Tx, key []byte) error { _, err := tx.Append(0, key, []byte("x"), 100); return err },
		"SetRange":    func(tx *Tx, key []byte) error { _, err := tx.SetRange(0, key, 1, []byte("x"), 100); return err },
		"SetBit":      func(tx *Tx, key []byte) error { _, err := tx.SetBit(0, key, 3, true); return err },
		"IncrByFloat": func(tx *Tx, key []byte) error { x := LongDouble{}; _, err := tx.IncrByFloat(0, key, &x); return err },
		"BitField": func(tx *Tx, key []byte) error {
			_, err := tx.BitField(0, key, []BitFieldOp{bfSet(false, 8, 0, 1, OverflowWrap)})
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
				mustHash(t, d, "h")
				mustUpdate(t, d, t0, func(tx *Tx) error { _, err := tx.Expire(0, []byte("h"), t0+1, 0); return err })
				mustUpdate(t, d, t0+1, func(tx *Tx) error { return write(tx, []byte("h")) })
				for d.garbageVersions() > 0 {
					if _, err := d.CollectGarbage(1000); err != nil {
						t.Fatal(err)
					}
				}
				if n := countSpace(t, d, spaceElement); n != 0 {
					t.Errorf("%d element keys left after a string replaced an expired hash", n)
				}
				if typ := typeOf(t, d, t0+1, "h"); typ != TypeString {
					t.Errorf("type %v, want string", typ)
				}
			})
		})
	}
}
