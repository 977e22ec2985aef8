package engine

import (
	"bytes"
	"errors"
	"testing"
)

// Expected values come from redis-server 7.0.15.

func TestGetBitReadsBitsMostSignificantFirst(t *testing.T) {
	t.Parallel()
	s := []byte{0x80, 0x01}
	for _, tc := range []struct {
		offset uint64
		want   int64
	}{{0, 1}, {1, 0}, {7, 0}, {8, 0}, {15, 1}, {16, 0}, {1 << 40, 0}} {
		if got := GetBit(s, tc.offset); got != tc.want {
			t.Errorf("GetBit(%x, %d) = %d, want %d", s, tc.offset, got, tc.want)
		}
	}
}

func TestBitCountCountsWithinTheRange(t *testing.T) {
	t.Parallel()
	foobar := []byte("foobar")
	bytesRange := func(start, end int64) BitRange { return BitRange{Start: start, End: end, Given: true} }
	bitsRange := func(start, end int64) BitRange { return BitRange{Start: start, End: end, Given: true, Bits: true} }
	tests := []struct {
		name string
		s    []byte
		r    BitRange
		want int64
	}{
		{"the whole string", foobar, BitRange{}, 26},
		{"the first byte", foobar, bytesRange(0, 0), 4},
		{"the second byte", foobar, bytesRange(1, 1), 6},
		{"negative indexes count from the end", foobar, bytesRange(-2, -1), 7},
		{"a range of bits crossing bytes", foobar, bitsRange(5, 30), 17},
		{"every bit", foobar, bitsRange(0, -1), 26},
		{"one bit inside a byte", []byte{0x10}, bitsRange(3, 3), 1},
		{"an end beyond the string is clamped", foobar, bytesRange(4, 100), 7},
		{"a start beyond the string counts nothing", foobar, bytesRange(6, 10), 0},
		{"two negative indexes, start after end, count nothing", foobar, bytesRange(-100, -200), 0},
		{"two negative indexes before the start are clamped to the first byte", foobar, bytesRange(-100, -99), 4},
		{"an empty string", []byte{}, BitRange{}, 0},
		{"start after end", foobar, bytesRange(3, 2), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BitCount(tc.s, tc.r); got != tc.want {
				t.Errorf("BitCount(%q, %+v) = %d, want %d", tc.s, tc.r, got, tc.want)
			}
		})
	}
}

func TestBitPosFindsTheFirstBit(t *testing.T) {
	t.Parallel()
	from := func(start int64) BitRange { return BitRange{Start: start, Given: true} }
	span := func(start, end int64) BitRange { return BitRange{Start: start, End: end, Given: true, EndGiven: true} }
	bitSpan := func(start, end int64) BitRange {
		return BitRange{Start: start, End: end, Given: true, EndGiven: true, Bits: true}
	}
	s := []byte{0xff, 0xf0, 0x00}
	ones := []byte{0xff, 0xff}
	tests := []struct {
		name string
		s    []byte
		bit  int
		r    BitRange
		want int64
	}{
		{"the first set bit", s, 1, BitRange{}, 0},
		{"the first clear bit", s, 0, BitRange{}, 12},
		{"no set bit from a start", s, 1, from(2), -1},
		{"a clear bit past the end without an end", ones, 0, BitRange{}, 16},
		{"a clear bit past the end with a start only", ones, 0, from(0), 16},
		{"no clear bit within an explicit end", ones, 0, span(0, -1), -1},
		{"no clear bit within a bit range", ones, 0, bitSpan(3, -1), -1},
		{"a bit range inside a byte", []byte{0x10}, 1, bitSpan(2, 5), 3},
		{"a bit range that misses the bit", []byte{0x10}, 1, bitSpan(4, 7), -1},
		{"negative indexes clamp to the first byte", s, 1, span(-100, -200), 0},
		{"an empty range answers -1", s, 1, span(-1, -5), -1},
		{"an empty string answers -1 even for a clear bit", []byte{}, 0, BitRange{}, -1},
		{"a bit range over several bytes", s, 0, bitSpan(7, 20), 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BitPos(tc.s, tc.bit, tc.r); got != tc.want {
				t.Errorf("BitPos(%x, %d, %+v) = %d, want %d", tc.s, tc.bit, tc.r, got, tc.want)
			}
		})
	}
}

// TestBitPosAgreesWithABitByBitScan checks the byte-skipping scan against the definition.
func TestBitPosAgreesWithABitByBitScan(t *testing.T) {
	t.Parallel()
	s := []byte{0x00, 0x00, 0x01, 0xff, 0xff, 0xfe, 0x00, 0xff}
	for bit := 0; bit <= 1; bit++ {
		for first := int64(0); first < int64(len(s))*8; first++ {
			for last := first; last < int64(len(s))*8; last++ {
				want := int64(-1)
				for p := first; p <= last; p++ {
					if GetBit(s, uint64(p)) == int64(bit) {
						want = p
						break
					}
				}
				r := BitRange{Start: first, End: last, Given: true, EndGiven: true, Bits: true}
				if got := BitPos(s, bit, r); got != want {
					t.Fatalf("BitPos(bit %d, bits %d..%d) = %d, want %d", bit, first, last, got, want)
				}
			}
		}
	}
}

func TestSetBitGrowsTheStringAndReturnsTheOldBit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "volatile", "\x00", SetOptions{ExpireAt: t0 + 1000})
		steps := []struct {
			key    string
			offset uint64
			on     bool
			want   int64
			value  string
		}{
			{"b", 7, true, 0, "\x01"},
			{"b", 7, true, 1, "\x01"},
			{"b", 7, false, 1, "\x00"},
			{"b", 17, true, 0, "\x00\x00\x40"},
			{"c", 20, false, 0, "\x00\x00\x00"}, // clearing a bit creates the key all the same
			{"volatile", 0, true, 0, "\x80"},
		}
		for _, st := range steps {
			var got int64
			mustUpdate(t, d, t0, func(tx *Tx) error {
				var err error
				got, err = tx.SetBit(0, []byte(st.key), st.offset, st.on)
				return err
			})
			v, _ := getAt(t, d, 0, t0, st.key)
			if got != st.want || v != st.value {
				t.Errorf("SETBIT %s %d %v = %d, value %q; want %d, %q", st.key, st.offset, st.on, got, v, st.want, st.value)
			}
		}
		if at := expireAtOf(t, d, 0, t0, "volatile"); at != t0+1000 {
			t.Errorf("SETBIT lost the expiry: %d", at)
		}
	})
}

func TestBitOpCombinesStrings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "a", "\xff\x0f", SetOptions{})
		mustSet(t, d, 0, t0, "b", "\xf0", SetOptions{})
		mustSet(t, d, 0, t0, "empty", "", SetOptions{})
		mustSet(t, d, 0, t0, "dest", "old", SetOptions{ExpireAt: t0 + 1000})
		tests := []struct {
			name  string
			op    BitOpKind
			srcs  []string
			want  int64
			value string // "" with want 0: dest deleted
		}{
			{"AND pads the shorter string with zeros", BitAnd, []string{"a", "b"}, 2, "\xf0\x00"},
			{"OR", BitOr, []string{"a", "b"}, 2, "\xff\x0f"},
			{"XOR", BitXor, []string{"a", "b"}, 2, "\x0f\x0f"},
			{"NOT", BitNot, []string{"a"}, 2, "\x00\xf0"},
			{"a missing key counts as zeros", BitAnd, []string{"a", "missing"}, 2, "\x00\x00"},
			{"OR of one key copies it", BitOr, []string{"b"}, 1, "\xf0"},
			{"only empty sources delete dest", BitOr, []string{"missing", "empty"}, 0, ""},
		}
		for _, tc := range tests {
			keys := make([][]byte, len(tc.srcs))
			for i, k := range tc.srcs {
				keys[i] = []byte(k)
			}
			var got int64
			mustUpdate(t, d, t0, func(tx *Tx) error {
				var err error
				got, err = tx.BitOp(0, tc.op, []byte("dest"), keys)
				return err
			})
			v, ok := getAt(t, d, 0, t0, "dest")
			if got != tc.want || v != tc.value || ok != (tc.want > 0) {
				t.Errorf("%s: BitOp = %d, dest %q (exists %v); want %d, %q", tc.name, got, v, ok, tc.want, tc.value)
			}
			if ok && expireAtOf(t, d, 0, t0, "dest") != 0 {
				t.Errorf("%s: dest kept an expiry", tc.name)
			}
		}
	})
}

func TestBitmapWritesRefuseAKeyOfAnotherType(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustHash(t, d, "h")
		tx := d.Begin(t0, true)
		defer tx.Discard()
		for name, f := range map[string]func() error{
			"SetBit":       func() error { _, err := tx.SetBit(0, []byte("h"), 1, true); return err },
			"BitOp source": func() error { _, err := tx.BitOp(0, BitOr, []byte("d"), [][]byte{[]byte("h")}); return err },
			"BitField":     func() error { _, err := tx.BitField(0, []byte("h"), nil); return err },
		} {
			if err := f(); !errors.Is(err, ErrWrongType) {
				t.Errorf("%s on a hash: %v, want ErrWrongType", name, err)
			}
		}
	})
}

func TestBitOpOverwritesAKeyOfAnotherType(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustHash(t, d, "h")
		mustSet(t, d, 0, t0, "a", "x", SetOptions{})
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.BitOp(0, BitOr, []byte("h"), [][]byte{[]byte("a")})
			return err
		})
		if v, _ := getAt(t, d, 0, t0, "h"); !bytes.Equal([]byte(v), []byte("x")) {
			t.Errorf("dest = %q, want %q", v, "x")
		}
	})
}

// mustHash stores a hash with one field at key in database 0.
func mustHash(t *testing.T, d *DB, key string) {
	t.Helper()
	mustUpdate(t, d, t0, func(tx *Tx) error {
		c, err := tx.Collection(0, []byte(key), TypeHash)
		if err != nil {
			return err
		}
		if err := tx.PutElement(c, TagHashField, []byte("f"), []byte("v")); err != nil {
			return err
		}
		c.AddLen(1)
		return tx.SaveCollection(c)
	})
}
