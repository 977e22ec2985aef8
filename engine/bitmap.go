package engine

import "math/bits"

// Bitmaps are strings: bit 0 is the most significant bit of byte 0, as in Redis.

// SetBit sets or clears the bit at offset of the string at key and returns its old value, as
// SETBIT does: the string grows with zero bytes to hold the bit, and a missing key is created even
// when the bit is cleared. The key keeps its expiry. The caller checks offset against the string
// size limit (SETBIT's "bit offset is not an integer or out of range").
func (tx *Tx) SetBit(db int, key []byte, offset uint64, on bool) (int64, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return 0, err
	}
	old := GetBit(val, offset)
	if k.live && offset>>3 < uint64(len(val)) && (old == 1) == on {
		return old, nil // nothing changes: no write, and no change for WATCH (as Redis 7.0)
	}
	nv := growZero(val, int(offset>>3)+1)
	mask := byte(1) << (7 - offset&7)
	if on {
		nv[offset>>3] |= mask
	} else {
		nv[offset>>3] &^= mask
	}
	return old, tx.putString(db, key, k, nv, true)
}

// GetBit returns the bit at offset of s; bits past the end are 0.
func GetBit(s []byte, offset uint64) int64 {
	if offset>>3 >= uint64(len(s)) {
		return 0
	}
	return int64(s[offset>>3]>>(7-offset&7)) & 1
}

// BitRange is the optional range of BITCOUNT and BITPOS, as given: indexes may be negative
// (counting from the end) or beyond the string.
type BitRange struct {
	Start, End int64
	Given      bool // a start was given (BITCOUNT: start and end)
	EndGiven   bool // an end was given (BITPOS may give a start alone)
	Bits       bool // the indexes count bits (BIT), not bytes (BYTE, the default)
}

// resolve turns the range into absolute bit positions first..last within s as Redis does:
// negative indexes count from the end and are clamped to 0, the end to the last bit or byte.
// ok is false for an empty range.
func (r BitRange) resolve(n int64) (first, last int64, ok bool) {
	start, end := int64(0), n-1
	unit := int64(8)
	if r.Given {
		total := n
		start = r.Start
		switch {
		case r.EndGiven:
			end = r.End
		case r.Bits:
			end = total<<3 + 7
		default:
			end = total - 1
		}
		if r.Bits {
			total <<= 3
			unit = 1
		}
		if start < 0 {
			start += total
		}
		if end < 0 {
			end += total
		}
		start, end = max(start, 0), max(end, 0)
		if end >= total {
			end = total - 1
		}
	}
	if start > end {
		return 0, 0, false
	}
	if unit == 8 {
		return start * 8, end*8 + 7, true
	}
	return start, end, true
}

// BitCount counts the bits set in s within r, as BITCOUNT does (r.EndGiven is implied by
// r.Given). Two negative indexes with start after end count nothing.
func BitCount(s []byte, r BitRange) int64 {
	if r.Given {
		r.EndGiven = true
		if r.Start < 0 && r.End < 0 && r.Start > r.End {
			return 0
		}
	}
	first, last, ok := r.resolve(int64(len(s)))
	if !ok {
		return 0
	}
	fb, lb := first>>3, last>>3
	n := int64(0)
	for _, c := range s[fb : lb+1] {
		n += int64(bits.OnesCount8(c))
	}
	// Take away the bits of the edge bytes outside the range.
	n -= int64(bits.OnesCount8(s[fb] & ^(0xff >> (first & 7))))
	n -= int64(bits.OnesCount8(s[lb] & (0x7f >> (last & 7))))
	return n
}

// BitPos returns the position of the first bit equal to bit (0 or 1) in s within r, as BITPOS
// does: -1 when there is none, except that a clear bit is looked for past the end of the string
// (the position just after it) when no end was given. An empty range answers -1.
func BitPos(s []byte, bit int, r BitRange) int64 {
	first, last, ok := r.resolve(int64(len(s)))
	if !ok {
		return -1
	}
	var skip byte // a byte with no bit worth looking at
	if bit == 0 {
		skip = 0xff
	}
	for pos := first; pos <= last; {
		c := s[pos>>3]
		if pos&7 == 0 && pos+7 <= last {
			if c == skip {
				pos += 8
				continue
			}
		}
		if int(c>>(7-pos&7))&1 == bit {
			return pos
		}
		pos++
	}
	if bit == 0 && !r.EndGiven {
		return last + 1
	}
	return -1
}

// BitOpKind is a BITOP operation.
type BitOpKind byte

// The BITOP operations.
const (
	BitAnd BitOpKind = iota + 1
	BitOr
	BitXor
	BitNot
)

// BitOp stores at dest the bitwise op of the strings at srcs and returns its length, the length
// of the longest source, as BITOP does: missing keys and the missing tail of shorter strings count
// as zero bytes; NOT takes one source. When every source is empty dest is deleted. dest loses its
// expiry.
func (tx *Tx) BitOp(db int, op BitOpKind, dest []byte, srcs [][]byte) (int64, error) {
	vals := make([][]byte, len(srcs))
	maxLen := 0
	for i, k := range srcs {
		_, v, err := tx.lookupString(db, k)
		if err != nil {
			return 0, err
		}
		vals[i] = v
		maxLen = max(maxLen, len(v))
	}
	if maxLen == 0 {
		_, err := tx.Delete(db, dest)
		return 0, err
	}
	res := make([]byte, maxLen)
	copy(res, vals[0])
	if op == BitNot {
		for i := range res {
			res[i] = ^res[i]
		}
	}
	for _, v := range vals[1:] {
		for i := range res {
			var c byte
			if i < len(v) {
				c = v[i]
			}
			switch op {
			case BitAnd:
				res[i] &= c
			case BitOr:
				res[i] |= c
			case BitXor:
				res[i] ^= c
			}
		}
	}
	if _, err := tx.Set(db, dest, res, SetOptions{}); err != nil {
		return 0, err
	}
	return int64(maxLen), nil
}
