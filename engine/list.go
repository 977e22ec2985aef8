package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
)

// Lists. A list's elements live at the sequence numbers head..tail-1 of its collection, each under
// tagListItem keyed by ListSeqKey(seq), so they sort in list order: element i is at head+i. Pushes
// and pops at either end, LINDEX and LSET are point operations; LRANGE is a scan of the range only.
// LINSERT and LREM shift the shorter side of the list (O(N), as in Redis); LTRIM deletes what it
// removes or, when it keeps less than it removes, copies what it keeps to a new version and drops
// the old one in the background.
//
// Arguments are already parsed: the functions take Redis's integer arguments, and do the checks
// Redis does after looking the key up (WRONGTYPE, index out of range).

// ErrIndexOutOfRange is LSET's error for an index outside the list.
var ErrIndexOutOfRange = errors.New("engine: index out of range")

// listSeq decodes a ListSeqKey.
func listSeq(sub []byte) int64 { return int64(binary.BigEndian.Uint64(sub) ^ (1 << 63)) }

// openList opens key as a list: ErrWrongType for another type; a missing key gives an empty list.
func (tx *Tx) openList(db int, key []byte) (*Collection, error) {
	return tx.Collection(db, key, TypeList)
}

// ListLen returns the length of the list at key: 0 when the key does not exist (an existing list is
// never empty), ErrWrongType when it holds another type.
func (tx *Tx) ListLen(db int, key []byte) (int64, error) {
	c, err := tx.openList(db, key)
	if err != nil {
		return 0, err
	}
	return c.Len(), nil
}

// ListPush adds vals one at a time at the head (left) or the tail, as LPUSH and RPUSH do ("LPUSH k a
// b" leaves b first), and returns the new length. With onlyIfExists (LPUSHX, RPUSHX) a missing key
// is left alone and 0 returned.
func (tx *Tx) ListPush(db int, key []byte, left, onlyIfExists bool, vals [][]byte) (int64, error) {
	c, err := tx.openList(db, key)
	if err != nil {
		return 0, err
	}
	if onlyIfExists && !c.Exists() {
		return 0, nil
	}
	if err := tx.checkValues(vals, 1); err != nil {
		return 0, err
	}
	if err := tx.listPush(c, left, vals); err != nil {
		return 0, err
	}
	return c.Len(), tx.SaveCollection(c)
}

func (tx *Tx) listPush(c *Collection, left bool, vals [][]byte) error {
	for _, v := range vals {
		// PutElement gives a new list its version (and bounds 0, 0) before the first write, so the
		// bounds are read after it for the first element.
		head, tail := c.ListBounds()
		seq := tail
		if left {
			seq = head - 1
		}
		if err := tx.PutElement(c, tagListItem, ListSeqKey(seq), v); err != nil {
			return err
		}
		head, tail = c.ListBounds()
		if left {
			head--
		} else {
			tail++
		}
		c.SetListBounds(head, tail)
	}
	return nil
}

// ListPop removes up to n elements from the head (left) or the tail and returns them in the order
// they were removed; exists is false (and nothing is returned) when the key does not exist.
func (tx *Tx) ListPop(db int, key []byte, left bool, n int64) (vals [][]byte, exists bool, err error) {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return nil, false, err
	}
	vals, err = tx.listPop(c, left, n)
	if err != nil || len(vals) == 0 {
		return vals, true, err // a count of 0 pops nothing: no write, no change for WATCH (as Redis)
	}
	return vals, true, tx.SaveCollection(c)
}

// listPop pops up to n elements of c; the caller saves c.
func (tx *Tx) listPop(c *Collection, left bool, n int64) ([][]byte, error) {
	head, tail := c.ListBounds()
	n = min(n, tail-head)
	if n <= 0 {
		return [][]byte{}, nil
	}
	var vals [][]byte
	var err error
	if left {
		vals, err = tx.listRead(c, 0, n)
	} else {
		vals, err = tx.listRead(c, tail-head-n, n)
		slices.Reverse(vals)
	}
	if err != nil {
		return nil, err
	}
	if n == tail-head {
		// The list goes: SaveCollection drops its version, so no element needs deleting one by one.
		c.SetListBounds(head, head)
		return vals, nil
	}
	for i := int64(0); i < n; i++ {
		seq := head + i
		if !left {
			seq = tail - 1 - i
		}
		if err := tx.DeleteElement(c, tagListItem, ListSeqKey(seq)); err != nil {
			return nil, err
		}
	}
	if left {
		c.SetListBounds(head+n, tail)
	} else {
		c.SetListBounds(head, tail-n)
	}
	return vals, nil
}

func errCorruptList(c *Collection) error {
	return errors.New("engine: corrupt list " + string(c.key) + ": elements missing")
}

// listRange turns LRANGE's start and stop into a first index and a count as Redis does
// (addListRangeReply): negative indexes count from the end, the range is clipped to the list.
func listRange(n, start, stop int64) (first, count int64) {
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
		return 0, 0
	}
	if stop >= n {
		stop = n - 1
	}
	return start, stop - start + 1
}

// ListRange returns the elements from start to stop inclusive, LRANGE's way: negative indexes
// count from the end, the range is clipped to the list. It reads only the elements it returns.
func (tx *Tx) ListRange(db int, key []byte, start, stop int64) ([][]byte, error) {
	c, err := tx.openList(db, key)
	if err != nil {
		return nil, err
	}
	first, count := listRange(c.Len(), start, stop)
	return tx.listRead(c, first, count)
}

// listPointReads is the longest range read with point reads rather than an iterator: a Badger
// iterator costs about as much to set up as a dozen point reads.
const listPointReads = 16

// listRead reads count elements of c from index first on.
func (tx *Tx) listRead(c *Collection, first, count int64) ([][]byte, error) {
	vals := make([][]byte, 0, min(count, 1024))
	if count <= 0 {
		return vals, nil
	}
	head, _ := c.ListBounds()
	if count <= listPointReads {
		for i := int64(0); i < count; i++ {
			v, found, err := tx.GetElement(c, tagListItem, ListSeqKey(head+first+i))
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, errCorruptList(c)
			}
			vals = append(vals, v)
		}
		return vals, nil
	}
	err := tx.ScanElements(c, tagListItem, nil, ListSeqKey(head+first), false, func(_, v []byte) (bool, error) {
		vals = append(vals, append([]byte(nil), v...))
		return int64(len(vals)) < count, nil
	})
	if err == nil && int64(len(vals)) != count {
		err = errCorruptList(c)
	}
	return vals, err
}

// listIndex turns an index (negative counts from the end) into a sequence number; ok is false when
// it is outside the list.
func listIndex(c *Collection, index int64) (seq int64, ok bool) {
	head, tail := c.ListBounds()
	n := tail - head
	if index < 0 {
		index += n
	}
	if index < 0 || index >= n {
		return 0, false
	}
	return head + index, true
}

// ListIndex returns the element at index (negative counts from the end); found is false when the
// key does not exist or the index is out of range. One point read.
func (tx *Tx) ListIndex(db int, key []byte, index int64) (val []byte, found bool, err error) {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return nil, false, err
	}
	seq, ok := listIndex(c, index)
	if !ok {
		return nil, false, nil
	}
	val, found, err = tx.GetElement(c, tagListItem, ListSeqKey(seq))
	if err == nil && !found {
		err = errCorruptList(c)
	}
	return val, found, err
}

// ListSet replaces the element at index (LSET): ErrNotFound when the key does not exist,
// ErrIndexOutOfRange when the index is outside the list. One point write.
func (tx *Tx) ListSet(db int, key []byte, index int64, val []byte) error {
	c, err := tx.openList(db, key)
	if err != nil {
		return err
	}
	if !c.Exists() {
		return ErrNotFound
	}
	seq, ok := listIndex(c, index)
	if !ok {
		return ErrIndexOutOfRange
	}
	if err := tx.PutElement(c, tagListItem, ListSeqKey(seq), val); err != nil {
		return err
	}
	// The header is unchanged, but the key was modified: save it so that it counts as touched.
	return tx.SaveCollection(c)
}

// seqVal is an element to write at a sequence number.
type seqVal struct {
	seq int64
	val []byte
}

// ListInsert inserts val before (or after) the first element equal to pivot, as LINSERT does, and
// returns the new length; -1 when pivot is not in the list, 0 when the key does not exist. The
// elements on the shorter side of the insertion point move by one.
func (tx *Tx) ListInsert(db int, key []byte, after bool, pivot, val []byte) (int64, error) {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return 0, err
	}
	head, tail := c.ListBounds()
	n := tail - head
	// Find the pivot, keeping the elements of the first half: they move if the insertion point is
	// in that half.
	var before [][]byte
	pos := int64(-1)
	err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(head), false, func(sub, v []byte) (bool, error) {
		i := listSeq(sub) - head
		if bytes.Equal(v, pivot) {
			pos = i
			return false, nil
		}
		if i < n/2+1 {
			before = append(before, append([]byte(nil), v...))
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if pos < 0 {
		return -1, nil
	}
	if err := tx.checkValue(len(val)); err != nil {
		return 0, err // before elements move
	}
	at := pos // index the new element takes
	if after {
		at++
		if pos < n/2+1 {
			before = append(before, append([]byte(nil), pivot...))
		}
	}
	var writes []seqVal
	if at <= n-at {
		// Move elements 0..at-1 one place towards the head.
		for i := int64(0); i < at; i++ {
			writes = append(writes, seqVal{head + i - 1, before[i]})
		}
		writes = append(writes, seqVal{head + at - 1, val})
		head--
	} else {
		// Move elements at..n-1 one place towards the tail.
		err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(tail-1), true, func(sub, v []byte) (bool, error) {
			seq := listSeq(sub)
			if seq < head+at {
				return false, nil
			}
			writes = append(writes, seqVal{seq + 1, append([]byte(nil), v...)})
			return true, nil
		})
		if err != nil {
			return 0, err
		}
		writes = append(writes, seqVal{head + at, val})
		tail++
	}
	for _, w := range writes {
		if err := tx.PutElement(c, tagListItem, ListSeqKey(w.seq), w.val); err != nil {
			return 0, err
		}
	}
	c.SetListBounds(head, tail)
	return c.Len(), tx.SaveCollection(c)
}

// ListRemove removes elements equal to val, as LREM does: the first count from the head when count
// > 0, the last -count from the tail when count < 0, all when count is 0. It returns how many it
// removed. The remaining elements close the gaps from the shorter side.
func (tx *Tx) ListRemove(db int, key []byte, count int64, val []byte) (int64, error) {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return 0, err
	}
	head, tail := c.ListBounds()
	n := tail - head
	fromTail := count < 0
	limit := count
	if fromTail {
		limit = -count // LONG_MIN stays negative, as in Redis: no limit
	}
	var removed []int64 // indexes, ascending
	start := head
	if fromTail {
		start = tail - 1
	}
	err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(start), fromTail, func(sub, v []byte) (bool, error) {
		if bytes.Equal(v, val) {
			removed = append(removed, listSeq(sub)-head)
			if limit > 0 && int64(len(removed)) == limit {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	m := int64(len(removed))
	if m == 0 {
		return 0, nil
	}
	if fromTail {
		for i, j := 0, len(removed)-1; i < j; i, j = i+1, j-1 {
			removed[i], removed[j] = removed[j], removed[i]
		}
	}
	if m == n {
		c.SetListBounds(head, head)
		return m, tx.SaveCollection(c)
	}
	first, last := removed[0], removed[m-1]
	gone := make(map[int64]bool, m)
	for _, i := range removed {
		gone[i] = true
	}
	var writes []seqVal
	var dels []int64
	if (n-1-first)-(m-1) <= last-(m-1) {
		// Close the gaps by moving the elements after the first removed one towards the head.
		w := head + first
		err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(head+first), false, func(sub, v []byte) (bool, error) {
			seq := listSeq(sub)
			if !gone[seq-head] {
				writes = append(writes, seqVal{w, append([]byte(nil), v...)})
				w++
			}
			return true, nil
		})
		for s := w; s < tail; s++ {
			dels = append(dels, s)
		}
		tail = w
	} else {
		// Move the elements before the last removed one towards the tail.
		w := head + last
		err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(head+last), true, func(sub, v []byte) (bool, error) {
			seq := listSeq(sub)
			if !gone[seq-head] {
				writes = append(writes, seqVal{w, append([]byte(nil), v...)})
				w--
			}
			return true, nil
		})
		for s := head; s <= w; s++ {
			dels = append(dels, s)
		}
		head = w + 1
	}
	if err != nil {
		return 0, err
	}
	for _, w := range writes {
		if err := tx.PutElement(c, tagListItem, ListSeqKey(w.seq), w.val); err != nil {
			return 0, err
		}
	}
	for _, s := range dels {
		if err := tx.DeleteElement(c, tagListItem, ListSeqKey(s)); err != nil {
			return 0, err
		}
	}
	c.SetListBounds(head, tail)
	return m, tx.SaveCollection(c)
}

// ListTrim keeps only the elements from start to stop inclusive, as LTRIM does (indexes as in
// ListRange); a list left empty is deleted. A missing key is left alone.
func (tx *Tx) ListTrim(db int, key []byte, start, stop int64) error {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return err
	}
	head, tail := c.ListBounds()
	n := tail - head
	first, keep := listRange(n, start, stop)
	if keep == n {
		tx.touch(db, key) // nothing to trim, but Redis counts it as a change (WATCH)
		return nil
	}
	if keep == 0 {
		c.SetListBounds(head, head)
		return tx.SaveCollection(c)
	}
	if keep < n-keep {
		// Copy what is kept to a new version and drop the old one in the background.
		vals, err := tx.listRead(c, first, keep)
		if err != nil {
			return err
		}
		old := c.hdr.version
		c.hdr.version = tx.newVersion()
		for i, v := range vals {
			if err := tx.PutElement(c, tagListItem, ListSeqKey(int64(i)), v); err != nil {
				return err
			}
		}
		if err := tx.dropVersion(c.db, old); err != nil {
			return err
		}
		c.SetListBounds(0, keep)
		return tx.SaveCollection(c)
	}
	for s := head; s < head+first; s++ {
		if err := tx.DeleteElement(c, tagListItem, ListSeqKey(s)); err != nil {
			return err
		}
	}
	for s := head + first + keep; s < tail; s++ {
		if err := tx.DeleteElement(c, tagListItem, ListSeqKey(s)); err != nil {
			return err
		}
	}
	c.SetListBounds(head+first, head+first+keep)
	return tx.SaveCollection(c)
}

// ListPosOptions are LPOS's options, as Redis parsed them: Rank is not 0 (negative searches from
// the tail), Count is -1 when not given (0 = all matches), MaxLen 0 = no limit.
type ListPosOptions struct {
	Rank, Count, MaxLen int64
}

// ListPos returns the indexes of the elements equal to elem, as LPOS does: the matches from the
// Rank-th on, at most Count of them (one when Count is -1), looking at no more than MaxLen
// elements. exists is false when the key does not exist.
func (tx *Tx) ListPos(db int, key []byte, elem []byte, o ListPosOptions) (pos []int64, exists bool, err error) {
	c, err := tx.openList(db, key)
	if err != nil || !c.Exists() {
		return nil, false, err
	}
	head, tail := c.ListBounds()
	rank, reverse := o.Rank, false
	if rank < 0 {
		rank, reverse = -rank, true // LONG_MIN stays negative, as in Redis: every match qualifies
	}
	start := head
	if reverse {
		start = tail - 1
	}
	pos = []int64{}
	var scanned, matches int64
	err = tx.ScanElements(c, tagListItem, nil, ListSeqKey(start), reverse, func(sub, v []byte) (bool, error) {
		if o.MaxLen != 0 && scanned >= o.MaxLen {
			return false, nil
		}
		scanned++
		if !bytes.Equal(v, elem) {
			return true, nil
		}
		matches++
		if matches < rank {
			return true, nil
		}
		pos = append(pos, listSeq(sub)-head)
		if o.Count == -1 {
			return false, nil
		}
		return o.Count == 0 || matches-rank+1 < o.Count, nil
	})
	return pos, true, err
}

// ListMove pops an element from one end of src and pushes it at one end of dst, as LMOVE does,
// and returns it; found is false when src does not exist. A dst holding another type is
// ErrWrongType, and then nothing moves. src and dst may be the same list (a rotation).
func (tx *Tx) ListMove(db int, src, dst []byte, srcLeft, dstLeft bool) (val []byte, found bool, err error) {
	sc, err := tx.openList(db, src)
	if err != nil || !sc.Exists() {
		return nil, false, err
	}
	dc := sc
	if !bytes.Equal(src, dst) {
		if dc, err = tx.openList(db, dst); err != nil {
			return nil, false, err
		}
		if err := checkKey(dst); err != nil {
			return nil, false, err // before the element leaves src
		}
	}
	vals, err := tx.listPop(sc, srcLeft, 1)
	if err != nil {
		return nil, false, err
	}
	if len(vals) != 1 {
		return nil, false, errCorruptList(sc)
	}
	if dc == sc && sc.Len() == 0 {
		// A one-element list moved onto itself: the element stays where it is.
		h, _ := sc.ListBounds()
		sc.SetListBounds(h, h+1)
		return vals[0], true, tx.SaveCollection(sc)
	}
	if err := tx.listPush(dc, dstLeft, vals); err != nil {
		return nil, false, err
	}
	if dc != sc {
		if err := tx.SaveCollection(dc); err != nil {
			return nil, false, err
		}
	}
	return vals[0], true, tx.SaveCollection(sc)
}
