package engine

import (
	"encoding/binary"
	"math/big"
)

// LongDouble is a number in the x87 80-bit extended format, C's long double on x86-64, which Redis's
// INCRBYFLOAT parses (strtold), adds and prints with. A double would not do: 10.5 + 0.1 is
// "10.6" in long double but 10.599999999999999645 in double, and Redis prints 17 decimals.
//
// A finite value is mant·2^exp (negated when neg): normal numbers have the top bit of mant set,
// subnormal ones have exp == ldMinExp. Everything is exact integer arithmetic, so every replica
// computes the same bits whatever its CPU.
type LongDouble struct {
	neg  bool
	inf  bool
	mant uint64
	exp  int32
}

const (
	ldMinExp = -16445 // exponent of the smallest subnormal, 2^-16445
	ldMaxExp = 16320  // (2^64-1)·2^16320 is the largest finite value, just under 2^16384
	// ldMaxChars is Redis's MAX_LONG_DOUBLE_CHARS: a string this long or longer is not a float.
	ldMaxChars = 5 * 1024
)

// ParseLongDouble parses b as Redis's string2ld does: the whole of b must be what glibc's strtold
// reads (decimal or 0x hexadecimal, optional exponent, "inf"/"infinity" in any case), with no
// leading space, shorter than 5 KiB, not NaN, and neither overflowing nor underflowing to zero.
func ParseLongDouble(b []byte) (LongDouble, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return LongDouble{}, false
	}
	s := b
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if foldEqual(s, "inf") || foldEqual(s, "infinity") {
		return LongDouble{neg: neg, inf: true}, true
	}
	var x LongDouble
	var ok bool
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		x, ok = parseHexLD(s[2:])
	} else {
		x, ok = parseDecLD(s)
	}
	x.neg = neg
	return x, ok
}

// foldEqual compares b with a lowercase ASCII word, ignoring ASCII case only.
func foldEqual(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// scanMantissa splits digits[.digits] (at least one digit in all) at the first byte that is
// neither, returning the digits without the point and how many followed it.
func scanMantissa(s []byte, isDigit func(byte) bool) (digits []byte, frac int, rest []byte, ok bool) {
	i, point := 0, -1
	digits = make([]byte, 0, len(s))
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits = append(digits, c)
		case c == '.' && point < 0:
			point = len(digits)
		default:
			goto done
		}
	}
done:
	if len(digits) == 0 {
		return nil, 0, nil, false
	}
	if point >= 0 {
		frac = len(digits) - point
	}
	return digits, frac, s[i:], true
}

// scanExponent parses [+-]digits to the end of s, saturating far beyond any exponent that matters.
func scanExponent(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var e int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if e < 1<<40 {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func isDec(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDec(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func parseDecLD(s []byte) (LongDouble, bool) {
	digits, frac, rest, ok := scanMantissa(s, isDec)
	if !ok {
		return LongDouble{}, false
	}
	exp := int64(0)
	if len(rest) > 0 {
		if rest[0] != 'e' && rest[0] != 'E' {
			return LongDouble{}, false
		}
		if exp, ok = scanExponent(rest[1:]); !ok {
			return LongDouble{}, false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return LongDouble{}, true // zero, whatever the exponent
	}
	exp -= int64(frac)
	// The value lies in [10^(exp+n-1), 10^(exp+n)). Far outside the format's range, answer
	// without building huge powers of ten: 1e4933 overflows; below 1e-4952 it rounds to zero
	// (half the smallest subnormal is 1.8e-4951), which strtold reports as a range error.
	n := int64(len(digits))
	if exp+n-1 >= 4933 || exp+n <= -4952 {
		return LongDouble{}, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	den := big.NewInt(1)
	if exp >= 0 {
		num.Mul(num, pow10(exp))
	} else {
		den = pow10(-exp)
	}
	return roundLD(false, num, den, 0)
}

func parseHexLD(s []byte) (LongDouble, bool) {
	digits, frac, rest, ok := scanMantissa(s, isHex)
	if !ok {
		return LongDouble{}, false
	}
	exp := int64(0)
	if len(rest) > 0 {
		if rest[0] != 'p' && rest[0] != 'P' {
			return LongDouble{}, false
		}
		if exp, ok = scanExponent(rest[1:]); !ok {
			return LongDouble{}, false
		}
	}
	num, _ := new(big.Int).SetString(string(digits), 16)
	if num.Sign() == 0 {
		return LongDouble{}, true
	}
	exp -= 4 * int64(frac)
	// The value lies in [2^(exp+n-1), 2^(exp+n)): overflow from 2^16384, zero below 2^-16446.
	n := int64(num.BitLen())
	if exp+n-1 >= 16384 || exp+n <= -16446 {
		return LongDouble{}, false
	}
	return roundLD(false, num, big.NewInt(1), int(exp))
}

func pow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

// roundLD rounds num/den·2^exp2 (num > 0, den > 0) to the nearest LongDouble, ties to even, as
// the FPU does in its default mode. ok is false when the result overflows or underflows to zero.
func roundLD(neg bool, num, den *big.Int, exp2 int) (LongDouble, bool) {
	// k = floor(log2(num/den)).
	k := num.BitLen() - den.BitLen()
	if k >= 0 {
		if num.Cmp(new(big.Int).Lsh(den, uint(k))) < 0 {
			k--
		}
	} else if new(big.Int).Lsh(num, uint(-k)).Cmp(den) < 0 {
		k--
	}
	k += exp2
	e := max(k-63, ldMinExp) // the value is q·2^e with q < 2^64
	n, d := new(big.Int).Set(num), new(big.Int).Set(den)
	if shift := exp2 - e; shift >= 0 {
		n.Lsh(n, uint(shift))
	} else {
		d.Lsh(d, uint(-shift))
	}
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	switch c := r.Lsh(r, 1).Cmp(d); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	if q.BitLen() > 64 {
		q.Rsh(q, 1)
		e++
	}
	if e > ldMaxExp || q.Sign() == 0 {
		return LongDouble{}, false
	}
	return LongDouble{neg: neg, mant: q.Uint64(), exp: int32(e)}, true
}

// Add returns x+y rounded as long double arithmetic does; ok is false when the sum is NaN or an
// infinity (INCRBYFLOAT's "increment would produce NaN or Infinity").
func (x LongDouble) Add(y LongDouble) (LongDouble, bool) {
	if x.inf || y.inf {
		return LongDouble{}, false
	}
	if x.mant == 0 && y.mant == 0 {
		return LongDouble{neg: x.neg && y.neg}, true // -0 + -0 is -0; any other zero sum is +0
	}
	e := min(x.exp, y.exp)
	sum := x.scaled(e)
	sum.Add(sum, y.scaled(e))
	if sum.Sign() == 0 {
		return LongDouble{}, true
	}
	neg := sum.Sign() < 0
	return roundLD(neg, sum.Abs(sum), big.NewInt(1), int(e))
}

// scaled returns x as a signed integer multiple of 2^e (e <= x.exp).
func (x LongDouble) scaled(e int32) *big.Int {
	v := new(big.Int).SetUint64(x.mant)
	v.Lsh(v, uint(x.exp-e))
	if x.neg {
		v.Neg(v)
	}
	return v
}

// AppendHuman appends x as Redis writes INCRBYFLOAT's result (ld2string in LD_STR_HUMAN mode):
// printf("%.17Lf"), then trailing zeros and a trailing point removed, and "-0" written "0".
// There is no exponent: 1e20 is "100000000000000000000". x must be finite.
func (x LongDouble) AppendHuman(b []byte) []byte {
	const decimals = 17
	v := new(big.Int).SetUint64(x.mant)
	v.Mul(v, pow10(decimals))
	if x.exp >= 0 {
		v.Lsh(v, uint(x.exp))
	} else {
		// Round to 17 decimals, half to even, as glibc's printf does in the default mode.
		d := new(big.Int).Lsh(big.NewInt(1), uint(-x.exp))
		r := new(big.Int)
		v.QuoRem(v, d, r)
		switch c := r.Lsh(r, 1).Cmp(d); {
		case c > 0, c == 0 && v.Bit(0) == 1:
			v.Add(v, big.NewInt(1))
		}
	}
	digits := v.String()
	for len(digits) <= decimals {
		digits = "0" + digits
	}
	intPart, frac := digits[:len(digits)-decimals], digits[len(digits)-decimals:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if x.neg && (intPart != "0" || frac != "") {
		b = append(b, '-')
	}
	b = append(b, intPart...)
	if frac != "" {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return b
}

// ldBinaryLen is the size of LongDouble's binary form: flags(1) exp(4) mant(8).
const ldBinaryLen = 13

// AppendBinary appends x's fixed-width binary form, as carried in a log entry.
func (x LongDouble) AppendBinary(b []byte) []byte {
	var flags byte
	if x.neg {
		flags |= 1
	}
	if x.inf {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint32(b, uint32(x.exp))
	return binary.BigEndian.AppendUint64(b, x.mant)
}

// DecodeLongDouble decodes AppendBinary's form; it rejects anything AppendBinary cannot produce
// for a value ParseLongDouble or Add returned.
func DecodeLongDouble(b []byte) (LongDouble, bool) {
	if len(b) != ldBinaryLen || b[0]&^3 != 0 {
		return LongDouble{}, false
	}
	x := LongDouble{
		neg:  b[0]&1 != 0,
		inf:  b[0]&2 != 0,
		exp:  int32(binary.BigEndian.Uint32(b[1:5])),
		mant: binary.BigEndian.Uint64(b[5:]),
	}
	switch {
	case x.inf:
		return x, x.mant == 0 && x.exp == 0
	case x.mant == 0:
		return x, x.exp == 0
	case x.exp < ldMinExp || x.exp > ldMaxExp:
		return x, false
	case x.mant < 1<<63 && x.exp != ldMinExp: // not normalised
		return x, false
	}
	return x, true
}
