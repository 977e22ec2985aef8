package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
)

// Sorted sets (see DESIGN.md). Each member is two elements under the collection's version:
//
//	'z' member                    -> score (8 bytes: the float64's bits, big endian)
//	'Z' sortable score (8) member -> empty
//
// The first answers ZSCORE with one read; the second keeps the members in Redis's order (by score,
// equal scores by member bytes) for ranges, ranks and pops. The sortable score is the float64's
// bits with all bits flipped for a negative number and only the sign bit flipped otherwise, so
// that the bytes sort as the numbers do. A score of -0 is stored as 0, as Redis's listpack
// encoding (every small sorted set) does; NaN is never stored.
//
// There is no order-statistics tree on disk: a rank costs O(rank) key-only steps (from the nearer
// end), while ranges by score or member and ranges by rank near either end cost O(log N + M).

// ErrNaNScore is the error of an increment whose result is not a number (inf + -inf).
var ErrNaNScore = errors.New("engine: resulting score is not a number (NaN)")

// ZMember is a member of a sorted set with its score. Slices handed to callbacks are only valid
// during the call.
type ZMember struct {
	Member []byte
	Score  float64
}

// ZAddFlags are ZADD's options.
type ZAddFlags byte

// ZADD options. NX excludes XX, GT and LT; GT excludes LT (the caller checks).
const (
	ZAddNX   ZAddFlags = 1 << iota // only add new members
	ZAddXX                         // only update existing members
	ZAddGT                         // only update when the new score is greater
	ZAddLT                         // only update when the new score is less
	ZAddIncr                       // add the score to the current one (ZINCRBY)
)

// ZAddOutcome says what Add did to one member.
type ZAddOutcome byte

// Outcomes of Add.
const (
	ZAddNop     ZAddOutcome = iota // nothing: refused by NX, XX, GT or LT
	ZAddSame                       // processed, but the score did not change
	ZAddAdded                      // a new member
	ZAddUpdated                    // an existing member got a new score
)

// Thresholds of Redis's compact (listpack) encoding of sorted sets, which some replies depend on
// (ZSCAN of a small sorted set returns everything at once, in score order).
const (
	zsetListpackEntries = 128
	zsetListpackValue   = 64
)

// ZSet is a sorted set open in a Tx. Changes take effect in the Tx; Save writes the header back
// (and deletes the key when the set became empty).
type ZSet struct {
	tx *Tx
	c  *Collection
}

// ZSet opens key as a sorted set. A missing key gives an empty one; a key of another type gives
// ErrWrongType.
func (tx *Tx) ZSet(db int, key []byte) (*ZSet, error) {
	c, err := tx.Collection(db, key, TypeZSet)
	if err != nil {
		return nil, err
	}
	return &ZSet{tx: tx, c: c}, nil
}

// Exists reports whether the sorted set existed when opened.
func (z *ZSet) Exists() bool { return z.c.Exists() }

// Len is the number of members, O(1).
func (z *ZSet) Len() int64 { return z.c.Len() }

// Save writes the sorted set back; an empty one is deleted.
func (z *ZSet) Save() error { return z.tx.SaveCollection(z.c) }

// zkey is the Badger key of one element of c.
func (tx *Tx) zkey(c *Collection, tag byte, sub []byte) []byte {
	return elementKey(tx.physDB(c.db), c.hdr.version, tag, sub)
}

func encodeScore(f float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)) }

func decodeScore(b []byte) (float64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("engine: corrupt sorted set score of %d bytes", len(b))
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

// appendSortable appends the order-preserving encoding of a score.
func appendSortable(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(dst, sortableBits(f))
}

func sortableBits(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func fromSortable(b []byte) float64 {
	u := binary.BigEndian.Uint64(b)
	if u>>63 == 1 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u)
}

// byScoreSub is the sub-key of a member in the score index.
func byScoreSub(score float64, member []byte) []byte {
	return append(appendSortable(make([]byte, 0, 8+len(member)), score), member...)
}

// Score returns the score of member; found is false when it is not in the set.
func (z *ZSet) Score(member []byte) (score float64, found bool, err error) {
	v, found, err := z.tx.GetElement(z.c, tagZSetMember, member)
	if err != nil || !found {
		return 0, false, err
	}
	score, err = decodeScore(v)
	return score, err == nil, err
}

// Add adds member with score, or changes its score, as Redis's zsetAdd does with flags; it returns
// what it did and the member's new score (with ZAddIncr, the sum; the reply of ZINCRBY).
func (z *ZSet) Add(member []byte, score float64, flags ZAddFlags) (ZAddOutcome, float64, error) {
	if math.IsNaN(score) {
		return ZAddNop, 0, ErrNaNScore
	}
	cur, found, err := z.Score(member)
	if err != nil {
		return ZAddNop, 0, err
	}
	if found {
		if flags&ZAddNX != 0 {
			return ZAddNop, 0, nil
		}
		if flags&ZAddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return ZAddNop, 0, ErrNaNScore
			}
		}
		if flags&ZAddLT != 0 && score >= cur || flags&ZAddGT != 0 && score <= cur {
			return ZAddNop, 0, nil
		}
		if score == cur {
			return ZAddSame, score, nil
		}
		if err := z.tx.DeleteElement(z.c, tagZSetByScore, byScoreSub(cur, member)); err != nil {
			return ZAddNop, 0, err
		}
		return ZAddUpdated, score, z.put(member, score)
	}
	if flags&ZAddXX != 0 {
		return ZAddNop, 0, nil
	}
	z.c.AddLen(1)
	return ZAddAdded, score, z.put(member, score)
}

// put writes both elements of a member (not its old score-index entry).
func (z *ZSet) put(member []byte, score float64) error {
	if err := checkZSetMember(member); err != nil {
		return err // before either element is written
	}
	if score == 0 {
		score = 0 // -0 is stored as 0
	}
	if err := z.tx.PutElement(z.c, tagZSetMember, member, encodeScore(score)); err != nil {
		return err
	}
	return z.tx.PutElement(z.c, tagZSetByScore, byScoreSub(score, member), nil)
}

// Remove removes member and reports whether it was in the set.
func (z *ZSet) Remove(member []byte) (bool, error) {
	score, found, err := z.Score(member)
	if err != nil || !found {
		return false, err
	}
	return true, z.remove(ZMember{member, score})
}

func (z *ZSet) remove(m ZMember) error {
	if err := z.tx.DeleteElement(z.c, tagZSetMember, m.Member); err != nil {
		return err
	}
	if err := z.tx.DeleteElement(z.c, tagZSetByScore, byScoreSub(m.Score, m.Member)); err != nil {
		return err
	}
	z.c.AddLen(-1)
	return nil
}

// removeAll removes members listed with their scores. Removing every member only empties the
// count: Save then deletes the key, and its elements are reclaimed in the background, so clearing
// a large set is O(1) in writes. The caller must Save right after.
func (z *ZSet) removeAll(ms []ZMember) (int64, error) {
	if int64(len(ms)) == z.Len() {
		z.c.AddLen(-z.Len())
		return int64(len(ms)), nil
	}
	for _, m := range ms {
		if err := z.remove(m); err != nil {
			return 0, err
		}
	}
	return int64(len(ms)), nil
}

// scoreIndex returns the key prefix of the score index and a new key-only iterator over it.
func (z *ZSet) scoreIndex(reverse bool) ([]byte, *badger.Iterator) {
	p := z.tx.zkey(z.c, tagZSetByScore, nil)
	return p, z.tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, Reverse: reverse})
}

// seekKey is where an iteration over prefix p starts: seek (a sub-key) or, when nil, the first key
// or (reverse) past the last one.
func seekKey(p, seek []byte, reverse bool) []byte {
	k := append(make([]byte, 0, len(p)+len(seek)+1), p...)
	switch {
	case seek != nil:
		return append(k, seek...)
	case reverse:
		k[len(k)-1]++ // the tag byte, never 0xff: past every key of the index
	}
	return k
}

// walk calls fn for the members in score order (reverse: descending), from seek, a sub-key of the
// score index (nil: the first or, reversed, the last member): forward from the first key at or
// after it, reversed from the last key at or before it. fn returns false to stop.
func (z *ZSet) walk(reverse bool, seek []byte, fn func(member []byte, score float64) bool) error {
	if z.c.hdr.version == 0 {
		return nil
	}
	p, it := z.scoreIndex(reverse)
	defer it.Close()
	for it.Seek(seekKey(p, seek, reverse)); it.ValidForPrefix(p); it.Next() {
		sub := it.Item().Key()[len(p):]
		if len(sub) < 8 {
			return fmt.Errorf("engine: corrupt sorted set index key of %d bytes", len(sub))
		}
		if !fn(sub[8:], fromSortable(sub[:8])) {
			return nil
		}
	}
	return nil
}

// edges returns the first and the last member in score order (copies); ok is false when empty.
func (z *ZSet) edges() (first, last ZMember, ok bool, err error) {
	for i, rev := range []bool{false, true} {
		err := z.walk(rev, nil, func(m []byte, s float64) bool {
			e := ZMember{append([]byte(nil), m...), s}
			if i == 0 {
				first, ok = e, true
			} else {
				last = e
			}
			return false
		})
		if err != nil || !ok {
			return ZMember{}, ZMember{}, false, err
		}
	}
	return first, last, true, nil
}

// rankBounds turns Redis's start and stop ranks (negative: from the end) into [a, b] counted from
// the lowest score, as ZRANGE does; ok is false when the range is empty.
func rankBounds(start, stop, n int64, reverse bool) (a, b int64, ok bool) {
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= n {
		return 0, 0, false
	}
	if stop >= n {
		stop = n - 1
	}
	if reverse {
		return n - 1 - stop, n - 1 - start, true
	}
	return start, stop, true
}

// RangeByRank calls fn for the members of ranks start to stop (Redis's ZRANGE indexes: negative
// ones count from the end; reverse counts from the highest score and returns that order). It
// walks from the nearer end of the set, so a short range at either end is cheap.
func (z *ZSet) RangeByRank(start, stop int64, reverse bool, fn func(ZMember) bool) error {
	n := z.Len()
	a, b, ok := rankBounds(start, stop, n, reverse)
	if !ok {
		return nil
	}
	count := b - a + 1
	// Walking in the order asked skips a (forward) or n-1-b (reversed) members; the other way
	// round skips the other number, and the members are then collected and handed out reversed.
	skipAsked, skipOther, walkRev := a, n-1-b, false
	if reverse {
		skipAsked, skipOther, walkRev = n-1-b, a, true
	}
	if skipOther >= skipAsked {
		return z.walkRanks(walkRev, skipAsked, count, fn)
	}
	var got []ZMember
	err := z.walkRanks(!walkRev, skipOther, count, func(m ZMember) bool {
		got = append(got, ZMember{append([]byte(nil), m.Member...), m.Score})
		return true
	})
	if err != nil {
		return err
	}
	for i := len(got) - 1; i >= 0; i-- {
		if !fn(got[i]) {
			break
		}
	}
	return nil
}

// walkRanks skips skip members from one end and calls fn for the next count.
func (z *ZSet) walkRanks(reverse bool, skip, count int64, fn func(ZMember) bool) error {
	return z.walk(reverse, nil, func(m []byte, s float64) bool {
		if skip > 0 {
			skip--
			return true
		}
		if count == 0 {
			return false
		}
		count--
		return fn(ZMember{m, s}) && count > 0
	})
}

// ScoreRange is a range of scores; MinEx and MaxEx make an end exclusive.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r ScoreRange) gteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r ScoreRange) lteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// ParseScoreRange parses the min and max of ZRANGEBYSCORE and friends as Redis does: a number as
// strtod reads it ("inf", "-inf", "1e3", " 1", "0x10"; "" is 0), "(" before it makes the end
// exclusive. ok is false for anything else, and for NaN.
func ParseScoreRange(min, max []byte) (r ScoreRange, ok bool) {
	if r.Min, r.MinEx, ok = parseScoreRangeItem(min); !ok {
		return r, false
	}
	r.Max, r.MaxEx, ok = parseScoreRangeItem(max)
	return r, ok
}

func parseScoreRangeItem(b []byte) (float64, bool, bool) {
	ex := len(b) > 0 && b[0] == '('
	if ex {
		b = b[1:]
	}
	v, ok := parseRangeScore(b)
	return v, ex, ok
}

// LexBound is one end of a range of members: Kind '-' (below every member), '+' (above every
// member), '[' (Value inclusive) or '(' (Value exclusive).
type LexBound struct {
	Kind  byte
	Value []byte
}

// LexRange is a range of members, for sorted sets whose members all have the same score.
type LexRange struct{ Min, Max LexBound }

// ParseLexRange parses the min and max of ZRANGEBYLEX and friends: "-", "+", "[member" or
// "(member"; ok is false for anything else.
func ParseLexRange(min, max []byte) (r LexRange, ok bool) {
	if r.Min, ok = parseLexBound(min); !ok {
		return r, false
	}
	r.Max, ok = parseLexBound(max)
	return r, ok
}

func parseLexBound(b []byte) (LexBound, bool) {
	if len(b) == 0 {
		return LexBound{}, false
	}
	switch b[0] {
	case '-', '+':
		// Redis tests the next byte of the C string: "+" alone, or followed by a NUL.
		if len(b) > 1 && b[1] != 0 {
			return LexBound{}, false
		}
		return LexBound{Kind: b[0]}, true
	case '[', '(':
		return LexBound{Kind: b[0], Value: b[1:]}, true
	}
	return LexBound{}, false
}

// EncodeLexBound encodes a bound for a log entry: the kind byte, then the value.
func EncodeLexBound(b LexBound) []byte { return append([]byte{b.Kind}, b.Value...) }

// DecodeLexBound decodes EncodeLexBound's encoding.
func DecodeLexBound(p []byte) (LexBound, bool) {
	if len(p) == 0 {
		return LexBound{}, false
	}
	switch p[0] {
	case '-', '+':
		return LexBound{Kind: p[0]}, len(p) == 1
	case '[', '(':
		return LexBound{Kind: p[0], Value: p[1:]}, true
	}
	return LexBound{}, false
}

// cmpBounds compares two bounds as Redis's sdscmplex does ('-' and '+' below and above all).
func cmpBounds(a, b LexBound) int {
	switch {
	case a.Kind == b.Kind && (a.Kind == '-' || a.Kind == '+'):
		return 0
	case a.Kind == '-' || b.Kind == '+':
		return -1
	case a.Kind == '+' || b.Kind == '-':
		return 1
	}
	return bytes.Compare(a.Value, b.Value)
}

func (r LexRange) empty() bool {
	c := cmpBounds(r.Min, r.Max)
	return c > 0 || c == 0 && (r.Min.Kind != '[' || r.Max.Kind != '[')
}

func (r LexRange) gteMin(m []byte) bool {
	switch r.Min.Kind {
	case '-':
		return true
	case '+':
		return false
	case '[':
		return bytes.Compare(m, r.Min.Value) >= 0
	}
	return bytes.Compare(m, r.Min.Value) > 0
}

func (r LexRange) lteMax(m []byte) bool {
	switch r.Max.Kind {
	case '-':
		return false
	case '+':
		return true
	case '[':
		return bytes.Compare(m, r.Max.Value) <= 0
	}
	return bytes.Compare(m, r.Max.Value) < 0
}

type zpred func(member []byte, score float64) bool

// rangeWalk finds a range as Redis's compact encoding does: walking from seek, the first member
// for which start holds begins the range, unless cont fails for it; then offset members are
// skipped (a negative offset walks off the end) and up to limit (negative: all) handed to fn while
// cont holds.
func (z *ZSet) rangeWalk(reverse bool, seek []byte, start, cont zpred, offset, limit int64, fn func(ZMember) bool) error {
	if offset < 0 || limit == 0 {
		return nil
	}
	found := false
	return z.walk(reverse, seek, func(m []byte, s float64) bool {
		if !found {
			if !start(m, s) {
				return true
			}
			if !cont(m, s) {
				return false
			}
			found = true
		}
		if offset > 0 {
			offset--
			return true
		}
		if !cont(m, s) {
			return false
		}
		limit--
		return fn(ZMember{m, s}) && limit != 0
	})
}

// RangeByScore calls fn for the members with scores in r, in score order (reverse: descending),
// skipping offset of them and stopping after limit (negative: no limit), as ZRANGEBYSCORE's LIMIT.
func (z *ZSet) RangeByScore(r ScoreRange, reverse bool, offset, limit int64, fn func(ZMember) bool) error {
	gte := func(_ []byte, s float64) bool { return r.gteMin(s) }
	lte := func(_ []byte, s float64) bool { return r.lteMax(s) }
	if reverse {
		// The last key at or before the next score's first: every member scoring Max included.
		seek := binary.BigEndian.AppendUint64(nil, sortableBits(r.Max)+1)
		if math.IsInf(r.Max, 1) || math.IsNaN(r.Max) {
			seek = nil
		}
		return z.rangeWalk(true, seek, lte, gte, offset, limit, fn)
	}
	var seek []byte
	if !math.IsInf(r.Min, -1) && !math.IsNaN(r.Min) {
		seek = appendSortable(nil, r.Min)
	}
	return z.rangeWalk(false, seek, gte, lte, offset, limit, fn)
}

// RangeByLex calls fn for the members in r, in order (reverse: descending), with ZRANGEBYLEX's
// offset and limit. Like Redis it assumes equal scores: with different scores it walks the set in
// score order as Redis's compact encoding does. When every score is equal (the first and the last
// member's are), it seeks to the start of the range.
func (z *ZSet) RangeByLex(r LexRange, reverse bool, offset, limit int64, fn func(ZMember) bool) error {
	if r.empty() {
		return nil
	}
	first, last, ok, err := z.edges()
	if err != nil || !ok || !r.gteMin(last.Member) || !r.lteMax(first.Member) {
		return err
	}
	var seek []byte
	if first.Score == last.Score {
		b := r.Min
		if reverse {
			b = r.Max
		}
		switch {
		case b.Kind == '[' || b.Kind == '(':
			seek = byScoreSub(first.Score, b.Value)
		case reverse && b.Kind == '+':
			seek = binary.BigEndian.AppendUint64(nil, sortableBits(first.Score)+1)
		}
	}
	gte := func(m []byte, _ float64) bool { return r.gteMin(m) }
	lte := func(m []byte, _ float64) bool { return r.lteMax(m) }
	if reverse {
		return z.rangeWalk(true, seek, lte, gte, offset, limit, fn)
	}
	return z.rangeWalk(false, seek, gte, lte, offset, limit, fn)
}

// CountByScore counts the members with scores in r, O(log N + M).
func (z *ZSet) CountByScore(r ScoreRange) (int64, error) {
	n := int64(0)
	err := z.RangeByScore(r, false, 0, -1, func(ZMember) bool { n++; return true })
	return n, err
}

// CountByLex counts the members in r, O(log N + M) when every score is equal.
func (z *ZSet) CountByLex(r LexRange) (int64, error) {
	n := int64(0)
	err := z.RangeByLex(r, false, 0, -1, func(ZMember) bool { n++; return true })
	return n, err
}

// collect gathers copies of what a range function hands out.
func collect(rangeFn func(fn func(ZMember) bool) error) ([]ZMember, error) {
	var out []ZMember
	err := rangeFn(func(m ZMember) bool {
		out = append(out, ZMember{append([]byte(nil), m.Member...), m.Score})
		return true
	})
	return out, err
}

// RemoveRangeByRank removes the members of ranks start to stop (ZREMRANGEBYRANK) and returns how
// many it removed. The Remove* and Pop methods must be followed by Save.
func (z *ZSet) RemoveRangeByRank(start, stop int64) (int64, error) {
	if a, b, ok := rankBounds(start, stop, z.Len(), false); ok && a == 0 && b == z.Len()-1 {
		n := z.Len()
		z.c.AddLen(-n) // everything: see removeAll
		return n, nil
	}
	ms, err := collect(func(fn func(ZMember) bool) error { return z.RangeByRank(start, stop, false, fn) })
	if err != nil {
		return 0, err
	}
	return z.removeAll(ms)
}

// RemoveRangeByScore removes the members with scores in r (ZREMRANGEBYSCORE).
func (z *ZSet) RemoveRangeByScore(r ScoreRange) (int64, error) {
	ms, err := collect(func(fn func(ZMember) bool) error { return z.RangeByScore(r, false, 0, -1, fn) })
	if err != nil {
		return 0, err
	}
	return z.removeAll(ms)
}

// RemoveRangeByLex removes the members in r (ZREMRANGEBYLEX).
func (z *ZSet) RemoveRangeByLex(r LexRange) (int64, error) {
	ms, err := collect(func(fn func(ZMember) bool) error { return z.RangeByLex(r, false, 0, -1, fn) })
	if err != nil {
		return 0, err
	}
	return z.removeAll(ms)
}

// Pop removes and returns up to count members with the lowest scores (max: the highest), in the
// order popped.
func (z *ZSet) Pop(max bool, count int64) ([]ZMember, error) {
	if count <= 0 {
		return nil, nil
	}
	ms, err := collect(func(fn func(ZMember) bool) error { return z.walkRanks(max, 0, count, fn) })
	if err != nil {
		return nil, err
	}
	_, err = z.removeAll(ms)
	return ms, err
}

// Rank returns the rank of member (0 for the lowest score; reverse: for the highest); found is
// false when it is not in the set. It counts members from both ends at once, so it costs
// O(min(rank, N-rank)) key-only steps: there is no order-statistics tree on disk.
func (z *ZSet) Rank(member []byte, reverse bool) (rank int64, found bool, err error) {
	score, found, err := z.Score(member)
	if err != nil || !found {
		return 0, false, err
	}
	if score == 0 {
		score = 0
	}
	target := byScoreSub(score, member)
	p, fwd := z.scoreIndex(false)
	defer fwd.Close()
	_, bwd := z.scoreIndex(true)
	defer bwd.Close()
	fwd.Seek(seekKey(p, nil, false))
	bwd.Seek(seekKey(p, nil, true))
	n := z.Len()
	for below, above := int64(0), int64(0); ; {
		okF, okB := fwd.ValidForPrefix(p), bwd.ValidForPrefix(p)
		if !okF && !okB || below+above >= n {
			return 0, false, fmt.Errorf("engine: sorted set member %q missing from the score index", member)
		}
		if okF {
			if bytes.Equal(fwd.Item().Key()[len(p):], target) {
				rank = below
				break
			}
			below++
			fwd.Next()
		}
		if okB {
			if bytes.Equal(bwd.Item().Key()[len(p):], target) {
				rank = n - 1 - above
				break
			}
			above++
			bwd.Next()
		}
	}
	if reverse {
		rank = n - 1 - rank
	}
	return rank, true, nil
}

// Small reports whether Redis would keep this sorted set in its compact encoding (at most 128
// members of at most 64 bytes), which decides the shape of some replies (ZSCAN).
func (z *ZSet) Small() (bool, error) {
	if z.Len() > zsetListpackEntries {
		return false, nil
	}
	small := true
	err := z.walk(false, nil, func(m []byte, _ float64) bool {
		small = len(m) <= zsetListpackValue
		return small
	})
	return small, err
}

// ScanMembers calls fn for up to count members in member order, starting after the member after
// (nil: from the first), and returns the last member handed out (a copy) and whether more may
// follow. Members do not move when their score changes, so a cursor kept as the last member sees
// every member present throughout an iteration.
func (z *ZSet) ScanMembers(after []byte, count int, fn func(ZMember)) (last []byte, more bool, err error) {
	if z.c.hdr.version == 0 || count <= 0 {
		return nil, false, nil
	}
	p := z.tx.zkey(z.c, tagZSetMember, nil)
	it := z.tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true, PrefetchSize: min(count+1, 100)})
	defer it.Close()
	seek := p
	if after != nil {
		seek = append(append(append([]byte(nil), p...), after...), 0) // the next member after
	}
	n := 0
	for it.Seek(seek); it.ValidForPrefix(p); it.Next() {
		if n == count {
			return last, true, nil
		}
		item := it.Item()
		var score float64
		if err := item.Value(func(v []byte) error {
			var err error
			score, err = decodeScore(v)
			return err
		}); err != nil {
			return nil, false, err
		}
		m := item.Key()[len(p):]
		fn(ZMember{m, score})
		last = append(last[:0], m...)
		n++
	}
	return last, false, nil
}

// Members returns copies of the members at the given ranks (ascending, repeats allowed), in that
// order, in one walk of the set.
func (z *ZSet) Members(ranks []int64) ([]ZMember, error) {
	if len(ranks) == 0 {
		return nil, nil
	}
	out := make([]ZMember, 0, len(ranks))
	i, r := 0, int64(0)
	err := z.walk(false, nil, func(m []byte, s float64) bool {
		for i < len(ranks) && ranks[i] == r {
			out = append(out, ZMember{append([]byte(nil), m...), s})
			i++
		}
		r++
		return i < len(ranks)
	})
	if err == nil && len(out) != len(ranks) {
		err = fmt.Errorf("engine: sorted set has fewer members than its count")
	}
	return out, err
}

// RandomMember returns a member chosen at random, for sets too large to choose by rank: from a
// random point between the first and the last member (in member order) it takes the next member,
// wrapping around. This favours members that follow sparse stretches of the member space.
// randN(n) must return a random number in [0, n).
func (z *ZSet) RandomMember(randN func(uint64) uint64) (ZMember, error) {
	if z.Len() == 0 || z.c.hdr.version == 0 {
		return ZMember{}, ErrNotFound
	}
	p := z.tx.zkey(z.c, tagZSetMember, nil)
	var first, last []byte
	for _, rev := range []bool{false, true} {
		it := z.tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, Reverse: rev})
		it.Seek(seekKey(p, nil, rev))
		if it.ValidForPrefix(p) {
			k := append([]byte(nil), it.Item().Key()[len(p):]...)
			if rev {
				last = k
			} else {
				first = k
			}
		}
		it.Close()
	}
	if first == nil || last == nil {
		return ZMember{}, ErrNotFound
	}
	target := randomBetween(first, last, randN)
	it := z.tx.txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	it.Seek(append(append([]byte(nil), p...), target...))
	if !it.ValidForPrefix(p) {
		it.Seek(p)
	}
	if !it.ValidForPrefix(p) {
		return ZMember{}, ErrNotFound
	}
	item := it.Item()
	v, err := item.ValueCopy(nil)
	if err != nil {
		return ZMember{}, err
	}
	s, err := decodeScore(v)
	return ZMember{append([]byte(nil), item.Key()[len(p):]...), s}, err
}

// ZStore replaces key (of any type, or none) with a sorted set of members (distinct), deleting it
// when members is empty, as ZUNIONSTORE and ZRANGESTORE do. It returns the new length.
func (tx *Tx) ZStore(db int, key []byte, members []ZMember) (int64, error) {
	if err := checkZSetMembers(key, members); err != nil {
		return 0, err // before key is deleted
	}
	if _, err := tx.Delete(db, key); err != nil {
		return 0, err
	}
	if len(members) == 0 {
		return 0, nil
	}
	z, err := tx.ZSet(db, key)
	if err != nil {
		return 0, err
	}
	for _, m := range members {
		if err := z.put(m.Member, m.Score); err != nil {
			return 0, err
		}
	}
	z.c.AddLen(int64(len(members)))
	return z.Len(), z.Save()
}

// ZCombineOp is the operation of ZCombine.
type ZCombineOp byte

// Operations of ZCombine.
const (
	ZUnion ZCombineOp = iota
	ZInter
	ZDiff
)

// ZAggregate is how ZUNION and ZINTER combine the scores of a member found in several inputs.
type ZAggregate byte

// Aggregates.
const (
	ZAggSum ZAggregate = iota
	ZAggMin
	ZAggMax
)

// zsource is one input of ZCombine: a sorted set, a set (every member scores 1) or nothing.
type zsource struct {
	c      *Collection // nil: the key does not exist
	set    bool
	weight float64
}

func (s zsource) len() int64 {
	if s.c == nil {
		return 0
	}
	return s.c.Len()
}

// zsources opens the inputs of ZCombine; any key that is neither a sorted set nor a set gives
// ErrWrongType, before anything is computed.
func (tx *Tx) zsources(db int, keys [][]byte, weights []float64) ([]zsource, error) {
	src := make([]zsource, len(keys))
	for i, k := range keys {
		src[i].weight = 1
		if weights != nil {
			src[i].weight = weights[i]
		}
		t, err := tx.Type(db, k)
		if err != nil {
			return nil, err
		}
		switch t {
		case TypeNone:
			continue
		case TypeZSet, TypeSet:
		default:
			return nil, ErrWrongType
		}
		if src[i].c, err = tx.Collection(db, k, t); err != nil {
			return nil, err
		}
		src[i].set = t == TypeSet
	}
	return src, nil
}

// find returns the score of member in s.
func (tx *Tx) zfind(s zsource, member []byte) (float64, bool, error) {
	if s.c == nil {
		return 0, false, nil
	}
	if s.set {
		_, found, err := tx.GetElement(s.c, tagSetMember, member)
		return 1, found, err
	}
	v, found, err := tx.GetElement(s.c, tagZSetMember, member)
	if err != nil || !found {
		return 0, false, err
	}
	f, err := decodeScore(v)
	return f, err == nil, err
}

// zeach calls fn for every member of s with its score.
func (tx *Tx) zeach(s zsource, fn func(member []byte, score float64) (bool, error)) error {
	if s.c == nil {
		return nil
	}
	if s.set {
		return tx.ScanElements(s.c, tagSetMember, nil, nil, false, func(sub, _ []byte) (bool, error) {
			return fn(sub, 1)
		})
	}
	return tx.ScanElements(s.c, tagZSetMember, nil, nil, false, func(sub, val []byte) (bool, error) {
		f, err := decodeScore(val)
		if err != nil {
			return false, err
		}
		return fn(sub, f)
	})
}

// aggregate combines a member's scores as Redis's zunionInterAggregate does: a sum of inf and
// -inf is 0.
func aggregate(target, v float64, agg ZAggregate) float64 {
	switch agg {
	case ZAggMin:
		if v < target {
			return v
		}
		return target
	case ZAggMax:
		if v > target {
			return v
		}
		return target
	}
	target += v
	if math.IsNaN(target) {
		return 0
	}
	return target
}

// weighted is a score times its input's weight; 0 when that is NaN (0 * inf).
func weighted(score, weight float64) float64 {
	v := score * weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// ZCombine computes the union, intersection or difference of keys (sorted sets, or sets whose
// members score 1; a missing key is empty) as ZUNION, ZINTER and ZDIFF do: scores times weights
// (nil: all 1; ignored by ZDiff) combined with agg, in the order Redis combines them (inputs from
// the smallest). The result is in score order, equal scores by member.
func (tx *Tx) ZCombine(db int, op ZCombineOp, keys [][]byte, weights []float64, agg ZAggregate) ([]ZMember, error) {
	src, err := tx.zsources(db, keys, weights)
	if err != nil {
		return nil, err
	}
	var out []ZMember
	switch op {
	case ZInter:
		out, _, err = tx.zinter(src, agg, false, 0)
	case ZUnion:
		out, err = tx.zunion(src, agg)
	case ZDiff:
		out, err = tx.zdiff(src)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ZMember) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return bytes.Compare(a.Member, b.Member)
	})
	return out, nil
}

// ZInterCard counts the members of the intersection of keys, stopping at limit (0: no limit).
func (tx *Tx) ZInterCard(db int, keys [][]byte, limit int64) (int64, error) {
	src, err := tx.zsources(db, keys, nil)
	if err != nil {
		return 0, err
	}
	_, n, err := tx.zinter(src, ZAggSum, true, limit)
	return n, err
}

// bySize orders inputs from the smallest, keeping the given order among equals (glibc's qsort,
// a merge sort, is stable).
func bySize(src []zsource) []zsource {
	s := slices.Clone(src)
	slices.SortStableFunc(s, func(a, b zsource) int {
		switch {
		case a.len() < b.len():
			return -1
		case a.len() > b.len():
			return 1
		}
		return 0
	})
	return s
}

func (tx *Tx) zinter(src []zsource, agg ZAggregate, countOnly bool, limit int64) ([]ZMember, int64, error) {
	src = bySize(src)
	if src[0].len() == 0 {
		return nil, 0, nil
	}
	var out []ZMember
	n := int64(0)
	err := tx.zeach(src[0], func(member []byte, score float64) (bool, error) {
		acc := weighted(score, src[0].weight)
		for _, s := range src[1:] {
			v, found, err := tx.zfind(s, member)
			if err != nil || !found {
				return err == nil, err
			}
			acc = aggregate(acc, v*s.weight, agg)
		}
		n++
		if countOnly {
			return limit == 0 || n < limit, nil
		}
		out = append(out, ZMember{append([]byte(nil), member...), acc})
		return true, nil
	})
	return out, n, err
}

func (tx *Tx) zunion(src []zsource, agg ZAggregate) ([]ZMember, error) {
	src = bySize(src)
	acc := map[string]float64{}
	var order []string
	for _, s := range src {
		err := tx.zeach(s, func(member []byte, score float64) (bool, error) {
			v := weighted(score, s.weight)
			if cur, ok := acc[string(member)]; ok {
				acc[string(member)] = aggregate(cur, v, agg)
			} else {
				acc[string(member)] = v
				order = append(order, string(member))
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]ZMember, 0, len(order))
	for _, m := range order {
		out = append(out, ZMember{[]byte(m), acc[m]})
	}
	return out, nil
}

func (tx *Tx) zdiff(src []zsource) ([]ZMember, error) {
	var out []ZMember
	err := tx.zeach(src[0], func(member []byte, score float64) (bool, error) {
		for _, s := range src[1:] {
			_, found, err := tx.zfind(s, member)
			if err != nil || found {
				return err == nil, err
			}
		}
		out = append(out, ZMember{append([]byte(nil), member...), score})
		return true, nil
	})
	return out, err
}

// ZAddResult is what ZAdd did.
type ZAddResult struct {
	Added, Updated int64   // members added, and existing members whose score changed
	Processed      int64   // members not refused by NX, XX, GT or LT
	Score          float64 // the new score of the last member processed (ZINCRBY's reply)
}

// ZAdd adds members to key's sorted set, or changes their scores, as ZADD (and, with ZAddIncr and
// one member, ZINCRBY) does, creating the set when missing; with ZAddXX a missing key is left
// alone. Every member is checked before anything is written, so an error changes nothing (the
// caller checks the scores, which are not NaN).
func (tx *Tx) ZAdd(db int, key []byte, members []ZMember, flags ZAddFlags) (ZAddResult, error) {
	z, err := tx.ZSet(db, key)
	if err != nil {
		return ZAddResult{}, err
	}
	var res ZAddResult
	if !z.Exists() && flags&ZAddXX != 0 {
		return res, nil
	}
	if err := checkZSetMembers(key, members); err != nil {
		return ZAddResult{}, err
	}
	for _, m := range members {
		out, score, err := z.Add(m.Member, m.Score, flags)
		if err != nil {
			return ZAddResult{}, err
		}
		switch out {
		case ZAddAdded:
			res.Added++
		case ZAddUpdated:
			res.Updated++
		}
		if out != ZAddNop {
			res.Processed++
			res.Score = score
		}
	}
	if res.Added == 0 && res.Updated == 0 && z.Exists() {
		return res, nil // nothing changed: no write, and no change for WATCH (as Redis)
	}
	return res, z.Save()
}

// checkZSetMembers checks the key and members of a sorted set about to be written.
func checkZSetMembers(key []byte, members []ZMember) error {
	if err := checkKey(key); err != nil {
		return err
	}
	for _, m := range members {
		if err := checkZSetMember(m.Member); err != nil {
			return err
		}
	}
	return nil
}
