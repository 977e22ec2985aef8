package resp

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestGlobMatchFollowsRedis checks cases whose answers come from Redis 7.0.15 (the compat tests
// compare thousands more with a running redis-server).
func TestGlobMatchFollowsRedis(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"a", "", false, false},
		{"*", "", false, false}, // KEYS and SCAN treat a lone "*" apart
		{"**", "", false, false},
		{"*", "abc", false, true},
		{"a*", "a", false, true},
		{"a**", "a", false, true},
		{"*a", "a", false, true},
		{"a*b", "ab", false, true},
		{"a*b", "axxb", false, true},
		{"a*b", "axxbx", false, false},
		{"?", "", false, false},
		{"?", "x", false, true},
		{"??", "x", false, false},
		{"a?c", "abc", false, true},
		{"[abc]", "b", false, true},
		{"[abc]", "d", false, false},
		{"[^abc]", "d", false, true},
		{"[^abc]", "a", false, false},
		{"[a-c]", "b", false, true},
		{"[c-a]", "b", false, true}, // a reversed range is swapped
		{"[a-c]", "d", false, false},
		{"[]]", "]", false, false}, // an empty class, then a literal ']'
		{"[]]", "]]", false, false},
		{"[\\]]", "]", false, true},
		{"[a-]", "-", false, false}, // a range from 'a' to ']' and an unterminated class
		{"[a-]", "_", false, true},
		{"[a-", "-", false, true}, // unterminated: the class holds 'a' and '-'
		{"[a-", "b", false, false},
		{"[", "[", false, false},
		{"[^", "x", false, true},
		{"[\\", "\\", false, true},
		{"\\", "\\", false, true},
		{"a\\", "a\\", false, true},
		{"\\*", "*", false, true},
		{"\\*", "a", false, false},
		{"\\a", "a", false, true},
		{"a[", "ab", false, false},
		{"[a-\xff]", "\x80", false, false}, // 0xff is -1 as a C char: the range is -1..'a'
		{"[a-\xff]", "\xff", false, true},
		{"[a-\xff]", "0", false, true},
		{"[a-\xff]", "b", false, false},
		{"[\x80-\x90]", "\x85", false, true},
		{"A", "a", true, true},
		{"[A-Z]", "q", true, true},
		{"[\\A]", "a", true, false}, // an escaped byte in a class compares exactly
		{"[A]", "a", true, true},
		{"a*", "ab", false, true},
		{"*[", "a[", false, false},
		{"x\x00y", "x\x00y", false, true},
	} {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s), tc.nocase); got != tc.want {
			t.Errorf("globMatch(%q, %q, nocase %v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
	}
}

func TestGlobMatchIsNotExponential(t *testing.T) {
	pattern := []byte(strings.Repeat("a*", 30) + "b")
	s := []byte(strings.Repeat("a", 200))
	start := time.Now()
	if globMatch(pattern, s, false) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestGlobPrefix(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"", ""}, {"*", ""}, {"user:*", "user:"}, {"ab?c", "ab"}, {"ab[c]", "ab"}, {`a\*b*`, "a*b"},
		{`a\`, `a\`}, {"abc", "abc"}, {`\[x`, "[x"},
	} {
		if got := string(globPrefix([]byte(tc.pattern))); got != tc.want {
			t.Errorf("globPrefix(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

// escapeGlob returns a pattern that matches exactly s.
func escapeGlob(s []byte) []byte {
	var out []byte
	for _, c := range s {
		out = append(out, '\\', c)
	}
	return out
}

// FuzzGlobMatch checks that matching never panics or hangs, that every key a pattern matches
// starts with the pattern's literal prefix (which KEYS and SCAN read by), and that an escaped
// string matches itself only.
func FuzzGlobMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "abc"}, {"a*b?c[d-f]", "axxbyce"}, {"[^a-]", "b"}, {"[", ""}, {"\\", "\\"}, {"[a-\xff]", "\x80"},
		{"**[\\", "x"}, {"a[b-", "ab"},
	} {
		f.Add([]byte(seed[0]), []byte(seed[1]), false)
	}
	f.Fuzz(func(t *testing.T, pattern, s []byte, nocase bool) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		if globMatch(pattern, s, false) && !bytes.HasPrefix(s, globPrefix(pattern)) {
			t.Fatalf("%q matches %q but does not start with %q", pattern, s, globPrefix(pattern))
		}
		globMatch(pattern, s, true)
		if len(s) > 0 {
			e := escapeGlob(s)
			if !globMatch(e, s, nocase) {
				t.Fatalf("escaped %q does not match itself", s)
			}
			if globMatch(e, append(append([]byte(nil), s...), 'x'), nocase) {
				t.Fatalf("escaped %q matches a longer string", s)
			}
		}
	})
}
