package resp

import (
	"container/list"
	"math/rand/v2"
	"sync"
)

// SCAN cursors. Redis's cursor encodes a position in its hash table; ours must encode a position in
// key order (the last key returned), so that a full iteration returns every key present throughout
// whatever is written meanwhile. Clients parse the cursor as an unsigned 64-bit number (go-redis,
// redis-py), which cannot hold a key, so the server keeps the positions and hands out numbers for
// them. A cursor the table no longer knows (evicted, or issued before a restart or by another node)
// restarts the iteration: keys may then be returned twice, which SCAN allows, but none is missed.

const (
	// maxCursors and maxCursorBytes bound the table; the least recently used cursors go first.
	maxCursors     = 16384
	maxCursorBytes = 32 << 20
	// cursorIDLimit keeps cursors below 2^53, exact in clients that parse numbers as doubles.
	cursorIDLimit = 1 << 53
)

type cursorTable struct {
	maxEntries, maxBytes int

	mu    sync.Mutex
	byID  map[uint64]*list.Element
	lru   list.List // of *cursorEntry, most recently used first
	bytes int
}

type cursorEntry struct {
	id  uint64
	pos []byte
}

func newCursorTable() *cursorTable {
	return &cursorTable{maxEntries: maxCursors, maxBytes: maxCursorBytes, byID: map[uint64]*list.Element{}}
}

// put records pos (copied) and returns its cursor, never 0.
func (t *cursorTable) put(pos []byte) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := uint64(0)
	for id == 0 || t.byID[id] != nil {
		id = rand.Uint64N(cursorIDLimit)
	}
	t.byID[id] = t.lru.PushFront(&cursorEntry{id: id, pos: append([]byte(nil), pos...)})
	t.bytes += len(pos)
	for t.lru.Len() > t.maxEntries || t.bytes > t.maxBytes && t.lru.Len() > 1 {
		e := t.lru.Remove(t.lru.Back()).(*cursorEntry)
		delete(t.byID, e.id)
		t.bytes -= len(e.pos)
	}
	return id
}

// get returns the position of cursor id, or false when the table does not know it.
func (t *cursorTable) get(id uint64) ([]byte, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	el := t.byID[id]
	if el == nil {
		return nil, false
	}
	t.lru.MoveToFront(el)
	return el.Value.(*cursorEntry).pos, true
}

// parseCursor parses a SCAN cursor as Redis does with strtoul: optional sign, decimal digits, no
// leading space, nothing after (the argument ends at a NUL byte, as a C string), no overflow; a
// negative number wraps; the empty string is 0.
func parseCursor(arg []byte) (uint64, bool) {
	s := cstr(arg)
	if len(s) == 0 {
		return 0, true
	}
	switch s[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// cstr returns b up to its first NUL byte: what C string functions see of an argument.
func cstr(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
