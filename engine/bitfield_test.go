package engine

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// Expected values come from redis-server 7.0.15 running the same BITFIELD commands.

func bfGet(signed bool, bits uint8, offset uint64) BitFieldOp {
	return BitFieldOp{Kind: BitFieldGet, Signed: signed, Bits: bits, Offset: offset}
}

func bfSet(signed bool, bits uint8, offset uint64, v int64, ow BitFieldOverflow) BitFieldOp {
	return BitFieldOp{Kind: BitFieldSet, Signed: signed, Bits: bits, Offset: offset, Value: v, Overflow: ow}
}

func bfIncr(signed bool, bits uint8, offset uint64, v int64, ow BitFieldOverflow) BitFieldOp {
	return BitFieldOp{Kind: BitFieldIncrBy, Signed: signed, Bits: bits, Offset: offset, Value: v, Overflow: ow}
}

func showResults(rs []BitFieldResult) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.Nil {
			parts[i] = "nil"
		} else {
			parts[i] = fmt.Sprint(r.Value)
		}
	}
	return strings.Join(parts, " ")
}

func TestBitFieldMatchesRedis(t *testing.T) {
	const (
		wrap = OverflowWrap
		sat  = OverflowSat
		fail = OverflowFail
	)
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		steps := []struct {
			name  string
			key   string
			ops   []BitFieldOp
			want  string
			value string // the string after, when not ""
		}{
			{"SET answers the old value, INCRBY the new one, wrapping", "bf",
				[]BitFieldOp{bfSet(true, 8, 0, 100, wrap), bfGet(false, 4, 0), bfIncr(true, 8, 0, 100, wrap)}, "0 6 -56", ""},
			{"SAT saturates and FAIL answers nil", "bf",
				[]BitFieldOp{bfIncr(true, 8, 0, 100, sat), bfIncr(true, 8, 0, 100, fail)}, "44 nil", ""},
			{"an unsigned SET of -1 wraps to the maximum", "bf",
				[]BitFieldOp{bfSet(false, 8, 8, -1, wrap), bfGet(false, 8, 8)}, "0 255", ""},
			{"an unsigned SET of -1 saturates to the maximum", "bf",
				[]BitFieldOp{bfSet(false, 8, 16, -1, sat), bfGet(false, 8, 16)}, "0 255", ""},
			{"an unsigned SET out of range fails", "bf",
				[]BitFieldOp{bfSet(false, 8, 24, 300, fail), bfGet(false, 8, 24)}, "nil 0", ""},
			{"i64 wraps around", "bf",
				[]BitFieldOp{bfSet(true, 64, 0, math.MinInt64, wrap), bfIncr(true, 64, 0, -1, wrap)}, "3242590632195129344 9223372036854775807", ""},
			{"i64 and u63 saturate", "bf",
				[]BitFieldOp{bfIncr(true, 64, 0, -1, sat), bfIncr(false, 63, 64, -1, sat), bfIncr(false, 63, 64, math.MaxInt64, sat)},
				"9223372036854775806 0 9223372036854775807", "\x7f\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff\xff\xff\xff\xff\xfe"},
			{"u2 wraps from 3 to 0", "c",
				[]BitFieldOp{bfIncr(false, 2, 100, 1, wrap), bfIncr(false, 2, 100, 1, wrap), bfIncr(false, 2, 100, 1, wrap), bfIncr(false, 2, 100, 1, wrap)},
				"1 2 3 0", ""},
			{"i2 wraps from -2 to 1 and saturates", "c",
				[]BitFieldOp{bfIncr(true, 2, 200, -1, wrap), bfIncr(true, 2, 200, -1, wrap), bfIncr(true, 2, 200, -1, wrap), bfIncr(true, 2, 200, -5, sat), bfIncr(true, 2, 200, 7, sat)},
				"-1 -2 1 -2 1", strings.Repeat("\x00", 25) + "@"},
			{"a failed write still creates the key, grown to the bit", "d",
				[]BitFieldOp{bfSet(false, 2, 100, 5, fail)}, "nil", strings.Repeat("\x00", 13)},
		}
		for _, st := range steps {
			var got []BitFieldResult
			mustUpdate(t, d, t0, func(tx *Tx) error {
				var err error
				got, err = tx.BitField(0, []byte(st.key), st.ops)
				return err
			})
			if s := showResults(got); s != st.want {
				t.Errorf("%s: %s, want %s", st.name, s, st.want)
			}
			if st.value != "" {
				if v, _ := getAt(t, d, 0, t0, st.key); v != st.value {
					t.Errorf("%s: value %q, want %q", st.name, v, st.value)
				}
			}
		}
	})
}

func TestBitFieldWithOnlyGetsWritesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		var got []BitFieldResult
		mustUpdate(t, d, t0, func(tx *Tx) error {
			var err error
			got, err = tx.BitField(0, []byte("missing"), []BitFieldOp{bfGet(true, 8, 0), bfGet(false, 63, 1000)})
			return err
		})
		if s := showResults(got); s != "0 0" {
			t.Errorf("GETs on a missing key = %s, want 0 0", s)
		}
		if _, ok := getAt(t, d, 0, t0, "missing"); ok {
			t.Error("GET-only BITFIELD created the key")
		}
	})
}

func TestBitFieldKeepsTheExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "k", "x", SetOptions{ExpireAt: t0 + 1000})
		mustUpdate(t, d, t0, func(tx *Tx) error {
			_, err := tx.BitField(0, []byte("k"), []BitFieldOp{bfSet(false, 8, 8, 1, OverflowWrap)})
			return err
		})
		if v, _ := getAt(t, d, 0, t0, "k"); v != "x\x01" {
			t.Errorf("value %q, want %q", v, "x\x01")
		}
		if at := expireAtOf(t, d, 0, t0, "k"); at != t0+1000 {
			t.Errorf("expiry %d, want %d", at, t0+1000)
		}
	})
}

func TestBitFieldReadSignExtends(t *testing.T) {
	t.Parallel()
	s := []byte{0xf0, 0x0f}
	ops := []BitFieldOp{bfGet(true, 4, 0), bfGet(false, 4, 0), bfGet(true, 8, 4), bfGet(true, 16, 0), bfGet(false, 4, 12),
		bfGet(true, 64, 0), bfGet(false, 63, 100)}
	if got := showResults(BitFieldRead(s, ops)); got != "-1 15 0 -4081 15 -1148699379956187136 0" {
		t.Errorf("BitFieldRead = %s", got)
	}
}
