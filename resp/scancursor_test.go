package resp

import (
	"fmt"
	"testing"
)

func TestParseCursorFollowsStrtoul(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"42", 42, true}, {"007", 7, true}, {"+5", 5, true}, {"-0", 0, true},
		{"-1", 1<<64 - 1, true}, {"18446744073709551615", 1<<64 - 1, true}, {"-18446744073709551615", 1, true},
		{"1\x002", 1, true}, {"\x00", 0, true},
		{"18446744073709551616", 0, false}, {"-18446744073709551616", 0, false}, {" 1", 0, false},
		{"\t1", 0, false}, {"1 ", 0, false}, {"x", 0, false}, {"0x10", 0, false}, {"1.5", 0, false},
		{"+", 0, false}, {"-", 0, false}, {"+-1", 0, false}, {"1e3", 0, false},
	} {
		got, ok := parseCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCursorTableKeepsPositionsUntilEvicted(t *testing.T) {
	tab := newCursorTable()
	tab.maxEntries, tab.maxBytes = 3, 10
	a := tab.put([]byte("aaaa"))
	b := tab.put([]byte("bbbb"))
	if a == 0 || b == 0 || a == b || a >= cursorIDLimit {
		t.Fatalf("cursors %d and %d", a, b)
	}
	if pos, ok := tab.get(a); !ok || string(pos) != "aaaa" {
		t.Fatalf("get(a) = %q, %v", pos, ok)
	}
	// 12 bytes > 10: the least recently used (b, since a was just read) goes.
	c := tab.put([]byte("cccc"))
	if _, ok := tab.get(b); ok {
		t.Error("b survived the byte limit")
	}
	for id, want := range map[uint64]string{a: "aaaa", c: "cccc"} {
		if pos, ok := tab.get(id); !ok || string(pos) != want {
			t.Errorf("get(%d) = %q, %v; want %q", id, pos, ok, want)
		}
	}
	var ids []uint64
	for i := range 5 {
		ids = append(ids, tab.put(fmt.Append(nil, i)))
	}
	if tab.lru.Len() != 3 || len(tab.byID) != 3 {
		t.Errorf("%d entries kept, want 3", tab.lru.Len())
	}
	if _, ok := tab.get(ids[4]); !ok {
		t.Error("the newest cursor was evicted")
	}
	if _, ok := tab.get(0); ok {
		t.Error("cursor 0 is known")
	}
}
