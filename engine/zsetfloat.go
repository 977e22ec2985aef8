package engine

import (
	"math"
	"strconv"
)

// Redis parses scores with C's strtod, and formats them with "%.17g". These helpers reproduce
// glibc's strtod in the C locale on byte strings, so that what Redis accepts (" 1", "0x10", "inf",
// "1e400" in a range) and refuses is the same here.

// strtod parses the longest prefix of b that glibc's strtod accepts. It returns the value, the
// number of bytes consumed (0 when there is no number) and whether the result is out of range
// (ERANGE: an overflow to ±Inf, or an underflow to zero or a subnormal).
func strtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	switch {
	case hasFoldPrefix(b[i:], "infinity"):
		i += 8
		return signed(math.Inf(1), neg), i, false
	case hasFoldPrefix(b[i:], "inf"):
		i += 3
		return signed(math.Inf(1), neg), i, false
	case hasFoldPrefix(b[i:], "nan"):
		i += 3
		if j := nanSuffix(b[i:]); j > 0 {
			i += j
		}
		return math.NaN(), i, false
	}
	if i+1 < len(b) && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X') {
		if end, ok := scanHex(b, i+2); ok {
			text := "0x" + string(b[i+2:end])
			if !hasHexExponent(b[i+2 : end]) {
				text += "p0"
			}
			f, err := strconv.ParseFloat(text, 64)
			return signed(f, neg), end, isRange(f, err, b[i+2:end], true)
		}
		// "0x" without hex digits: strtod reads the "0" alone.
		return signed(0, neg), i + 1, false
	}
	end, ok := scanDecimal(b, i)
	if !ok {
		return 0, 0, false
	}
	f, err := strconv.ParseFloat(string(b[i:end]), 64)
	return signed(f, neg), end, isRange(f, err, b[i:end], false)
}

// isRange reports strtod's ERANGE as far as Redis looks at it: an overflow, or a non-zero number
// that became zero. (glibc also flags inexact subnormals, which no caller distinguishes.)
func isRange(f float64, err error, text []byte, hex bool) bool {
	if err != nil {
		return true // strconv reports only overflow for a well-formed number
	}
	return f == 0 && mantissaNonZero(text, hex)
}

func signed(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// mantissaNonZero reports whether the digits before any exponent include a non-zero one.
func mantissaNonZero(text []byte, hex bool) bool {
	for _, c := range text {
		switch {
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9', hex && (c|0x20 >= 'a' && c|0x20 <= 'f'):
			return true
		}
	}
	return false
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

func hasFoldPrefix(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// nanSuffix returns the length of "(n-char-sequence)" at the start of b, or 0.
func nanSuffix(b []byte) int {
	if len(b) == 0 || b[0] != '(' {
		return 0
	}
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case c == ')':
			return i + 1
		case isDigit(c), c|0x20 >= 'a' && c|0x20 <= 'z', c == '_':
		default:
			return 0
		}
	}
	return 0
}

// scanDecimal returns the end of a decimal number starting at i: digits, an optional point and
// digits (at least one digit in all), and an exponent only when it has digits.
func scanDecimal(b []byte, i int) (int, bool) {
	digits := 0
	for i < len(b) && isDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && isDigit(b[j]) {
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			i = j
		}
	}
	return i, true
}

// scanHex returns the end of the hexadecimal digits, point and binary exponent starting at i
// (after "0x"); ok is false when there is no hex digit.
func scanHex(b []byte, i int) (int, bool) {
	digits := 0
	for i < len(b) && isHexDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && isHexDigit(b[j]) {
			j++
			digits++
		}
		if digits > 0 {
			i = j
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'p' || b[i] == 'P') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && isDigit(b[j]) {
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			i = j
		}
	}
	return i, true
}

func hasHexExponent(text []byte) bool {
	for _, c := range text {
		if c == 'p' || c == 'P' {
			return true
		}
	}
	return false
}

// ParseScore parses a score argument (ZADD, ZINCRBY, WEIGHTS) as Redis's string2d does: the whole
// argument must be a number, without leading space, not NaN, and neither overflowing nor
// underflowing to zero.
func ParseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	v, n, erange := strtod(b)
	if n != len(b) || math.IsNaN(v) || erange && (math.IsInf(v, 0) || v == 0) {
		return 0, false
	}
	return v, true
}

// parseRangeScore parses one end of a score range as Redis's zslParseRange does: strtod on the
// argument as a C string (it ends at the first NUL), which must be consumed whole and not be NaN.
// An empty string is 0, and overflow gives ±Inf.
func parseRangeScore(b []byte) (float64, bool) {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	v, n, _ := strtod(b)
	if n != len(b) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// FormatScore appends a score as Redis 7.0 prints one in text ("%.17g", "inf", "-inf").
func FormatScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
