package engine

// BitFieldKind is a BITFIELD subcommand.
type BitFieldKind byte

// The BITFIELD subcommands.
const (
	BitFieldGet BitFieldKind = iota + 1
	BitFieldSet
	BitFieldIncrBy
)

// BitFieldOverflow is a BITFIELD OVERFLOW behaviour.
type BitFieldOverflow byte

// The OVERFLOW behaviours: WRAP (the default) wraps around, SAT saturates at the type's minimum or
// maximum, FAIL does nothing and answers nil.
const (
	OverflowWrap BitFieldOverflow = iota
	OverflowSat
	OverflowFail
)

// BitFieldOp is one operation of a BITFIELD command, parsed and checked (Bits is 1..64 signed,
// 1..63 unsigned; the offset is within the string size limit).
type BitFieldOp struct {
	Kind     BitFieldKind
	Signed   bool
	Bits     uint8
	Overflow BitFieldOverflow
	Offset   uint64 // in bits
	Value    int64  // SET's value or INCRBY's increment
}

// BitFieldResult is the reply to one operation: an integer, or nil (Nil) when an OVERFLOW FAIL
// operation overflowed.
type BitFieldResult struct {
	Value int64
	Nil   bool
}

// BitField runs ops on the string at key in order, as BITFIELD does. When some op writes, the
// string is first grown with zero bytes to hold the furthest bit written (a missing key is
// created, even if every write fails with OVERFLOW FAIL) and keeps its expiry; GET-only ops read.
func (tx *Tx) BitField(db int, key []byte, ops []BitFieldOp) ([]BitFieldResult, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return nil, err
	}
	highest, writes := uint64(0), false
	for _, op := range ops {
		if op.Kind != BitFieldGet {
			writes = true
			highest = max(highest, op.Offset+uint64(op.Bits)-1)
		}
	}
	if !writes {
		return BitFieldRead(val, ops), nil
	}
	buf := growZero(val, int(highest>>3)+1)
	out := make([]BitFieldResult, len(ops))
	for i, op := range ops {
		if op.Kind == BitFieldGet {
			out[i] = BitFieldResult{Value: bitFieldGet(buf, op)}
			continue
		}
		out[i] = bitFieldWrite(buf, op)
	}
	return out, tx.putString(db, key, k, buf, true)
}

// BitFieldRead answers GET operations on s (nil for a missing key); BITFIELD_RO.
func BitFieldRead(s []byte, ops []BitFieldOp) []BitFieldResult {
	out := make([]BitFieldResult, len(ops))
	for i, op := range ops {
		out[i] = BitFieldResult{Value: bitFieldGet(s, op)}
	}
	return out
}

// bitFieldGet reads a field; bits past the end of s are 0.
func bitFieldGet(s []byte, op BitFieldOp) int64 {
	u := getUnsignedBits(s, op.Offset, uint64(op.Bits))
	if op.Signed {
		return signExtend(u, uint64(op.Bits))
	}
	return int64(u)
}

// bitFieldWrite runs a SET or INCRBY on buf, which holds every bit written. SET answers the old
// value, INCRBY the new one, as in Redis.
func bitFieldWrite(buf []byte, op BitFieldOp) BitFieldResult {
	bitsN := uint64(op.Bits)
	old := getUnsignedBits(buf, op.Offset, bitsN)
	var newVal, ret uint64
	var overflow bool
	if op.Signed {
		oldS := signExtend(old, bitsN)
		var nv int64
		var wrapped int64
		if op.Kind == BitFieldIncrBy {
			overflow, wrapped = signedOverflow(oldS, op.Value, bitsN, op.Overflow)
			nv = oldS + op.Value
			if overflow {
				nv = wrapped
			}
			ret = uint64(nv)
		} else {
			nv = op.Value
			overflow, wrapped = signedOverflow(nv, 0, bitsN, op.Overflow)
			if overflow {
				nv = wrapped
			}
			ret = uint64(oldS)
		}
		newVal = uint64(nv)
	} else {
		var wrapped uint64
		if op.Kind == BitFieldIncrBy {
			newVal = old + uint64(op.Value)
			overflow, wrapped = unsignedOverflow(old, op.Value, bitsN, op.Overflow)
			if overflow {
				newVal = wrapped
			}
			ret = newVal
		} else {
			newVal = uint64(op.Value)
			overflow, wrapped = unsignedOverflow(newVal, 0, bitsN, op.Overflow)
			if overflow {
				newVal = wrapped
			}
			ret = old
		}
	}
	if overflow && op.Overflow == OverflowFail {
		return BitFieldResult{Nil: true}
	}
	setUnsignedBits(buf, op.Offset, bitsN, newVal)
	return BitFieldResult{Value: int64(ret)}
}

func getUnsignedBits(s []byte, offset, n uint64) uint64 {
	var v uint64
	for j := uint64(0); j < n; j++ {
		v = v<<1 | uint64(GetBit(s, offset+j))
	}
	return v
}

func setUnsignedBits(s []byte, offset, n, v uint64) {
	for j := uint64(0); j < n; j++ {
		pos := offset + j
		mask := byte(1) << (7 - pos&7)
		if v&(1<<(n-1-j)) != 0 {
			s[pos>>3] |= mask
		} else {
			s[pos>>3] &^= mask
		}
	}
}

func signExtend(u, n uint64) int64 {
	if n < 64 && u&(1<<(n-1)) != 0 {
		u |= ^uint64(0) << n
	}
	return int64(u)
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow: whether value+incr leaves the range
// of an n-bit unsigned field, and the value to store instead under WRAP or SAT.
func unsignedOverflow(value uint64, incr int64, n uint64, ow BitFieldOverflow) (bool, uint64) {
	maxV := uint64(1)<<n - 1 // n <= 63
	maxIncr := int64(maxV - value)
	minIncr := -int64(value)
	switch {
	case value > maxV || incr > 0 && incr > maxIncr:
		if ow == OverflowSat {
			return true, maxV
		}
	case incr < 0 && incr < minIncr:
		if ow == OverflowSat {
			return true, 0
		}
	default:
		return false, 0
	}
	// WRAP (FAIL ignores the value).
	return true, (value + uint64(incr)) &^ (^uint64(0) << n)
}

// signedOverflow is Redis's checkSignedBitfieldOverflow for an n-bit signed field.
func signedOverflow(value, incr int64, n uint64, ow BitFieldOverflow) (bool, int64) {
	maxV := int64(1)<<(n-1) - 1
	if n == 64 {
		maxV = 1<<63 - 1
	}
	minV := -maxV - 1
	maxIncr := int64(uint64(maxV) - uint64(value))
	minIncr := minV - value
	switch {
	case value > maxV || n != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr:
		if ow == OverflowSat {
			return true, maxV
		}
	case value < minV || n != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr:
		if ow == OverflowSat {
			return true, minV
		}
	default:
		return false, 0
	}
	c := uint64(value) + uint64(incr)
	if n < 64 {
		mask := ^uint64(0) << n
		if c&(1<<(n-1)) != 0 {
			c |= mask
		} else {
			c &^= mask
		}
	}
	return true, int64(c)
}
