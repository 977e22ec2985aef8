package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Expected values come from redis-server 7.0.15's LCS.

func TestLCSMatchesRedis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		a, b        string
		minMatchLen int64
		want        string
		wantMatches string // "" when not checked
	}{
		{"Redis's documented example", "ohmytext", "mynewtext", 0, "mytext", "[{4 7 5 8 4} {2 3 0 1 2}]"},
		{"MINMATCHLEN drops shorter ranges", "ohmytext", "mynewtext", 4, "mytext", "[{4 7 5 8 4}]"},
		{"ties resolve as Redis walks its table", "ABCBDAB", "BDCABA", 0, "BDAB", "[{5 6 3 4 2} {3 4 0 1 2}]"},
		{"the other way round", "BDCABA", "ABCBDAB", 0, "BCBA", ""},
		{"an empty string", "", "abc", 0, "", "[]"},
		{"no common byte", "abc", "xyz", 0, "", "[]"},
		{"equal strings are one range", "hello", "hello", 0, "hello", "[{0 4 0 4 5}]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lcs, matches := LCS([]byte(tc.a), []byte(tc.b), tc.minMatchLen)
			if string(lcs) != tc.want {
				t.Errorf("LCS = %q, want %q", lcs, tc.want)
			}
			if got := fmt.Sprint(matches); tc.wantMatches != "" && got != tc.wantMatches {
				t.Errorf("matches = %s, want %s", got, tc.wantMatches)
			}
			if n := LCSLen([]byte(tc.a), []byte(tc.b)); n != int64(len(tc.want)) {
				t.Errorf("LCSLen = %d, want %d", n, len(tc.want))
			}
		})
	}
}

func TestLCSLenAgreesWithTheTable(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	word := func() []byte {
		b := make([]byte, r.IntN(30))
		for i := range b {
			b[i] = "ACGT"[r.IntN(4)]
		}
		return b
	}
	for range 500 {
		a, b := word(), word()
		lcs, _ := LCS(a, b, 0)
		if n := LCSLen(a, b); n != int64(len(lcs)) {
			t.Fatalf("LCSLen(%q, %q) = %d, LCS %q", a, b, n, lcs)
		}
	}
}

func TestLCSTableBytesIsRedisTransientMemory(t *testing.T) {
	t.Parallel()
	if got := LCSTableBytes(3, 4); got != 4*5*4 {
		t.Errorf("LCSTableBytes(3, 4) = %d, want 80", got)
	}
}
