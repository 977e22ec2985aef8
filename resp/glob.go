package resp

// globMatch reports whether s matches pattern as Redis 7.0's stringmatchlen decides, quirks
// included: '*' any run, '?' any byte, '[...]' a class with ranges ('a-z', either order) and '^'
// negation, '\' escapes the next byte (inside a class too). An unterminated class ends with the
// pattern. Range bounds compare as C's signed char, so a byte >= 0x80 sorts below 0x00 in a range.
// The empty string matches only the empty pattern (KEYS and SCAN treat a lone "*" apart). nocase
// folds ASCII letters, except for escaped bytes inside a class, as Redis does.
//
// Like Redis since 7.0.10 it gives up on longer matches for a '*' once the rest of the pattern
// matched nowhere in the rest of the string, so a pattern with many '*' stays polynomial.
func globMatch(pattern, s []byte, nocase bool) bool {
	skip := false
	return globMatchImpl(pattern, s, nocase, &skip)
}

func globMatchImpl(pattern, s []byte, nocase bool, skipLonger *bool) bool {
	p := 0 // position in pattern; pattern[p:] is what C's pattern/patternLen describe
	// at returns pattern[i], or 0 past the end (C reads the terminating NUL of the sds there).
	at := func(i int) byte {
		if i < len(pattern) {
			return pattern[i]
		}
		return 0
	}
	for p < len(pattern) && len(s) > 0 {
		switch pattern[p] {
		case '*':
			for p < len(pattern) && at(p+1) == '*' {
				p++
			}
			if len(pattern)-p == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatchImpl(pattern[p+1:], s, nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p++
			not := at(p) == '^'
			if not {
				p++
			}
			match := false
		class:
			for {
				rest := len(pattern) - p
				switch {
				case at(p) == '\\' && rest >= 2:
					p++
					if pattern[p] == s[0] {
						match = true
					}
				case at(p) == ']':
					break class
				case rest == 0:
					p-- // the class ran to the end of the pattern: step back onto its last byte
					break class
				case rest >= 3 && pattern[p+1] == '-':
					start, end, c := int(int8(pattern[p])), int(int8(pattern[p+2])), int(int8(s[0]))
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lower8(start), lower8(end), lower8(c)
					}
					p += 2
					if c >= start && c <= end {
						match = true
					}
				default:
					if eqByte(pattern[p], s[0], nocase) {
						match = true
					}
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(pattern)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if !eqByte(pattern[p], s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		p++
		if len(s) == 0 {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			break
		}
	}
	return p >= len(pattern) && len(s) == 0
}

// lower8 is C's tolower on a (signed) char: ASCII letters only.
func lower8(c int) int {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eqByte(a, b byte, nocase bool) bool {
	if nocase {
		return toLower(a) == toLower(b)
	}
	return a == b
}
