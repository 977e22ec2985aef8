package engine

import (
	"bytes"
	"errors"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
)

// Sets are collections of type TypeSet: each member is an element under tagSetMember whose sub-key
// is the member and whose value is empty (DESIGN.md). SCARD is the header's count; SISMEMBER is one
// point read whatever the size of the set.
//
// Order: members come back in byte order, except that a set Redis would keep in an intset (at most
// 512 members, all integers) is listed in numeric order, as Redis lists an intset. Redis lists any
// other set in its hash table's order, which is random per process and which no client can rely on.

// SAdd adds members to key's set, creating it when missing, and returns how many were new.
func (tx *Tx) SAdd(db int, key []byte, members [][]byte) (int64, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil {
		return 0, err
	}
	if err := checkKeys(members, 1); err != nil {
		return 0, err
	}
	added := int64(0)
	for _, m := range members {
		exists, err := tx.elementExists(c, tagSetMember, m)
		if err != nil {
			return 0, err
		}
		if exists {
			continue
		}
		if err := tx.PutElement(c, tagSetMember, m, nil); err != nil {
			return 0, err
		}
		c.AddLen(1)
		added++
	}
	if added == 0 {
		return 0, nil
	}
	return added, tx.SaveCollection(c)
}

// SRem removes members from key's set and returns how many were in it. A set left empty is deleted.
func (tx *Tx) SRem(db int, key []byte, members [][]byte) (int64, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil || !c.Exists() {
		return 0, err
	}
	n, err := tx.removeMembers(c, members)
	if err != nil || n == 0 {
		return 0, err
	}
	return n, tx.SaveCollection(c)
}

// removeMembers deletes the members of c that are present and returns how many were.
func (tx *Tx) removeMembers(c *Collection, members [][]byte) (int64, error) {
	n := int64(0)
	for _, m := range members {
		exists, err := tx.elementExists(c, tagSetMember, m)
		if err != nil {
			return 0, err
		}
		if !exists {
			continue
		}
		if err := tx.DeleteElement(c, tagSetMember, m); err != nil {
			return 0, err
		}
		c.AddLen(-1)
		n++
	}
	return n, nil
}

// SIsMember reports whether member is in key's set.
func (tx *Tx) SIsMember(db int, key, member []byte) (bool, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil {
		return false, err
	}
	return tx.elementExists(c, tagSetMember, member)
}

// SMIsMember reports for each of members whether it is in key's set.
func (tx *Tx) SMIsMember(db int, key []byte, members [][]byte) ([]bool, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(members))
	for i, m := range members {
		if out[i], err = tx.elementExists(c, tagSetMember, m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SCard returns the number of members of key's set (0 when missing): the header's count.
func (tx *Tx) SCard(db int, key []byte) (int64, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil {
		return 0, err
	}
	return c.Len(), nil
}

// SMembers returns every member of key's set in Redis's order (see the top of this file).
func (tx *Tx) SMembers(db int, key []byte) ([][]byte, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil {
		return nil, err
	}
	return tx.members(c)
}

func (tx *Tx) members(c *Collection) ([][]byte, error) {
	if !c.Exists() {
		return nil, nil
	}
	out := make([][]byte, 0, min(c.Len(), 1<<16))
	err := tx.elementsAfter(c, tagSetMember, nil, false, func(sub, _ []byte) (bool, error) {
		out = append(out, bytes.Clone(sub))
		return true, nil
	})
	return intsetOrder(out), err
}

// intsetOrder sorts members numerically when Redis would hold them in an intset: at most 512 of
// them, all integers as Redis reads them (ParseInt). Otherwise it leaves them as they are.
func intsetOrder(members [][]byte) [][]byte {
	if len(members) > intsetMaxEntries || len(members) < 2 {
		return members
	}
	nums := make([]int64, len(members))
	for i, m := range members {
		v, ok := ParseInt(m)
		if !ok {
			return members
		}
		nums[i] = v
	}
	idx := make([]int, len(members))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case nums[a] < nums[b]:
			return -1
		case nums[a] > nums[b]:
			return 1
		}
		return 0
	})
	out := make([][]byte, len(members))
	for i, j := range idx {
		out[i] = members[j]
	}
	return out
}

// SRandMember returns random members of key's set as SRANDMEMBER with a count does: count >= 0 asks
// for min(count, SCARD) distinct members (the whole set in Redis's order when that is all of it);
// count < 0 for -count members that may repeat. randN(n) must return a random number in [0, n).
func (tx *Tx) SRandMember(db int, key []byte, count int64, randN func(uint64) uint64) ([][]byte, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil || !c.Exists() || count == 0 {
		return nil, err
	}
	if count >= c.Len() {
		return tx.members(c)
	}
	picked, err := tx.randomElements(c, tagSetMember, count, false, randN)
	return pickedSubs(picked), err
}

// SPop removes count random members from key's set (all of them when count >= SCARD) and returns
// them. randN(n) must return a random number in [0, n); inside a Raft apply it must be
// deterministic (seeded by the log entry), and then which members go depends only on the set and
// the seed. A set left empty is deleted.
func (tx *Tx) SPop(db int, key []byte, count int64, randN func(uint64) uint64) ([][]byte, error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil || !c.Exists() || count <= 0 {
		return nil, err
	}
	n := c.Len()
	if count >= n {
		all, err := tx.members(c)
		if err != nil {
			return nil, err
		}
		_, err = tx.Delete(db, key) // O(1): the elements are reclaimed in the background
		return all, err
	}
	if remaining := n - count; remaining < count {
		return tx.spopRebuild(c, remaining, randN)
	}
	picked, err := tx.randomElements(c, tagSetMember, count, false, randN)
	if err != nil {
		return nil, err
	}
	out := pickedSubs(picked)
	if _, err := tx.removeMembers(c, out); err != nil {
		return nil, err
	}
	return out, tx.SaveCollection(c)
}

// spopRebuild pops all but remaining members of c (fewer than it pops): it picks the members to keep,
// moves them to a new version and drops the old one (reclaimed in the background), as Redis 7.0
// builds a new set when it pops most of one. The write is then O(remaining) instead of O(count),
// which keeps large pops within a transaction's size.
func (tx *Tx) spopRebuild(c *Collection, remaining int64, randN func(uint64) uint64) ([][]byte, error) {
	keep, err := tx.randomElements(c, tagSetMember, remaining, false, randN)
	if err != nil {
		return nil, err
	}
	kept := make(map[string]bool, len(keep))
	for _, k := range keep {
		kept[string(k.sub)] = true
	}
	var popped [][]byte
	err = tx.elementsAfter(c, tagSetMember, nil, false, func(sub, _ []byte) (bool, error) {
		if !kept[string(sub)] {
			popped = append(popped, bytes.Clone(sub))
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	old := c.hdr.version
	c.hdr.version = 0
	tx.ensureVersion(c)
	for _, k := range keep {
		if err := tx.PutElement(c, tagSetMember, k.sub, nil); err != nil {
			return nil, err
		}
	}
	c.hdr.count = int64(len(keep))
	if err := tx.dropVersion(c.db, old); err != nil {
		return nil, err
	}
	return popped, tx.SaveCollection(c)
}

// SMove moves member from the set at src to the set at dst and reports whether it was in src. A
// missing src moves nothing (whatever dst holds); src and dst the same key only checks membership.
func (tx *Tx) SMove(db int, src, dst, member []byte) (bool, error) {
	sc, err := tx.Collection(db, src, TypeSet)
	if err != nil || !sc.Exists() {
		return false, err
	}
	dc, err := tx.Collection(db, dst, TypeSet)
	if err != nil {
		return false, err
	}
	if bytes.Equal(src, dst) {
		return tx.elementExists(sc, tagSetMember, member)
	}
	if err := checkKey(dst); err != nil {
		return false, err // before member leaves src
	}
	n, err := tx.removeMembers(sc, [][]byte{member})
	if err != nil || n == 0 {
		return false, err
	}
	if err := tx.SaveCollection(sc); err != nil {
		return false, err
	}
	exists, err := tx.elementExists(dc, tagSetMember, member)
	if err != nil {
		return false, err
	}
	if exists {
		tx.touch(db, dst) // Redis signals dst as modified all the same (WATCH)
		return true, nil
	}
	if err := tx.PutElement(dc, tagSetMember, member, nil); err != nil {
		return false, err
	}
	dc.AddLen(1)
	return true, tx.SaveCollection(dc)
}

// SetOp is an operation of set algebra.
type SetOp byte

// The set operations of SINTER, SUNION and SDIFF.
const (
	SetInter SetOp = iota + 1
	SetUnion
	SetDiff
)

// SetAlgebra returns the members of the intersection, union or difference (the first set minus the
// others) of the sets at keys, a missing key counting as an empty set, in Redis's order. Every key
// must hold a set or be missing (ErrWrongType otherwise), even after a missing one. limit, when
// positive, stops an intersection at that many members.
func (tx *Tx) SetAlgebra(db int, op SetOp, keys [][]byte, limit int64) ([][]byte, error) {
	sets, err := tx.openSets(db, keys)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	switch op {
	case SetInter:
		err = tx.intersect(sets, limit, func(m []byte) { out = append(out, bytes.Clone(m)) })
	case SetUnion:
		out, err = tx.union(sets)
		slices.SortFunc(out, bytes.Compare) // the others come in the order of one set: byte order
	case SetDiff:
		out, err = tx.diff(sets)
	default:
		return nil, errors.New("engine: unknown set operation")
	}
	return intsetOrder(out), err
}

// SInterCard returns the size of the intersection of the sets at keys, stopping at limit when it is
// positive.
func (tx *Tx) SInterCard(db int, keys [][]byte, limit int64) (int64, error) {
	sets, err := tx.openSets(db, keys)
	if err != nil {
		return 0, err
	}
	n := int64(0)
	err = tx.intersect(sets, limit, func([]byte) { n++ })
	return n, err
}

// SetAlgebraStore stores the result of SetAlgebra in dst, replacing whatever dst held (an empty
// result deletes dst), and returns its size. dst may be one of keys.
func (tx *Tx) SetAlgebraStore(db int, op SetOp, dst []byte, keys [][]byte) (int64, error) {
	members, err := tx.SetAlgebra(db, op, keys, 0)
	if err != nil {
		return 0, err
	}
	if err := checkKey(dst); err != nil {
		return 0, err
	}
	if _, err := tx.Delete(db, dst); err != nil {
		return 0, err
	}
	if len(members) == 0 {
		return 0, nil
	}
	c, err := tx.Collection(db, dst, TypeSet)
	if err != nil {
		return 0, err
	}
	for _, m := range members {
		if err := tx.PutElement(c, tagSetMember, m, nil); err != nil {
			return 0, err
		}
	}
	c.AddLen(int64(len(members)))
	return int64(len(members)), tx.SaveCollection(c)
}

// openSets opens the sets at keys, checking every key's type.
func (tx *Tx) openSets(db int, keys [][]byte) ([]*Collection, error) {
	sets := make([]*Collection, len(keys))
	for i, k := range keys {
		c, err := tx.Collection(db, k, TypeSet)
		if err != nil {
			return nil, err
		}
		sets[i] = c
	}
	return sets, nil
}

// intersect calls fn for each member of the intersection of sets, up to limit when positive: it
// walks the smallest set and looks each member up in the others.
func (tx *Tx) intersect(sets []*Collection, limit int64, fn func(member []byte)) error {
	if len(sets) == 0 {
		return nil
	}
	for _, c := range sets {
		if !c.Exists() {
			return nil
		}
	}
	sorted := slices.Clone(sets)
	slices.SortStableFunc(sorted, func(a, b *Collection) int {
		switch {
		case a.Len() < b.Len():
			return -1
		case a.Len() > b.Len():
			return 1
		}
		return 0
	})
	found := int64(0)
	return tx.elementsAfter(sorted[0], tagSetMember, nil, false, func(sub, _ []byte) (bool, error) {
		for _, o := range sorted[1:] {
			in, err := tx.elementExists(o, tagSetMember, sub)
			if err != nil {
				return false, err
			}
			if !in {
				return true, nil
			}
		}
		fn(sub)
		found++
		return limit <= 0 || found < limit, nil
	})
}

func (tx *Tx) union(sets []*Collection) ([][]byte, error) {
	var out [][]byte
	seen := map[string]bool{}
	for _, c := range sets {
		err := tx.elementsAfter(c, tagSetMember, nil, false, func(sub, _ []byte) (bool, error) {
			if !seen[string(sub)] {
				seen[string(sub)] = true
				out = append(out, bytes.Clone(sub))
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tx *Tx) diff(sets []*Collection) ([][]byte, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	var out [][]byte
	err := tx.elementsAfter(sets[0], tagSetMember, nil, false, func(sub, _ []byte) (bool, error) {
		for _, o := range sets[1:] {
			in, err := tx.elementExists(o, tagSetMember, sub)
			if err != nil {
				return false, err
			}
			if in {
				return true, nil
			}
		}
		out = append(out, bytes.Clone(sub))
		return true, nil
	})
	return out, err
}

// SScan returns the members of key's set that follow after (nil: from the first), up to count of
// them examined (match, when not nil, filters the members examined). last is the last member
// examined when more may follow, nil when the scan is complete. A set of at most 512 members is
// returned whole, in Redis's order, by a scan from the start, as Redis returns an intset.
func (tx *Tx) SScan(db int, key, after []byte, count int, match func(member []byte) bool) (out [][]byte, last []byte, err error) {
	c, err := tx.Collection(db, key, TypeSet)
	if err != nil || !c.Exists() {
		return nil, nil, err
	}
	if after == nil && c.Len() <= intsetMaxEntries {
		all, err := tx.members(c)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range all {
			if match == nil || match(m) {
				out = append(out, m)
			}
		}
		return out, nil, nil
	}
	last, err = tx.scanFrom(c, tagSetMember, after, count, false, func(sub, _ []byte) {
		if match == nil || match(sub) {
			out = append(out, bytes.Clone(sub))
		}
	})
	return out, last, err
}

// --- Element helpers shared by hashes and sets ---

// elementExists reports whether c has the element sub under tag, without reading its value.
func (tx *Tx) elementExists(c *Collection, tag byte, sub []byte) (bool, error) {
	if c.hdr.version == 0 {
		return false, nil
	}
	_, err := tx.txn.Get(elementKey(tx.physDB(c.db), c.hdr.version, tag, sub))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// elementsAfter calls fn for the elements of c under tag whose sub-key follows after (nil: all), in
// sub-key order, until fn returns false. val is nil unless values is set; sub and val are only
// valid during the call. The iterator sees the writes made before the call, not those made by fn.
func (tx *Tx) elementsAfter(c *Collection, tag byte, after []byte, values bool, fn func(sub, val []byte) (bool, error)) error {
	if c.hdr.version == 0 {
		return nil
	}
	p := elementKey(tx.physDB(c.db), c.hdr.version, tag, nil)
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p}) // no prefetch: see ScanElements
	defer it.Close()
	seek := p
	if after != nil {
		seek = append(append(slices.Clip(p), after...), 0) // the smallest sub-key after after
	}
	for it.Seek(seek); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		sub := item.Key()[len(p):]
		more := true
		var err error
		if values {
			err = item.Value(func(v []byte) error {
				var ferr error
				more, ferr = fn(sub, v)
				return ferr
			})
		} else {
			more, err = fn(sub, nil)
		}
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// picked is an element chosen at random: its sub-key and, when asked for, its value.
type picked struct{ sub, val []byte }

func pickedSubs(ps []picked) [][]byte {
	out := make([][]byte, len(ps))
	for i, p := range ps {
		out[i] = p.sub
	}
	return out
}

// Random picks. Choosing uniformly needs the position of each element, which an LSM tree does not
// keep, so an exact choice costs a pass over the collection's keys: the positions are drawn first,
// then one pass collects them. That is done when the pass is cheap compared with the alternative:
// for collections of up to randomExact elements, or when the picks are many. Otherwise each pick
// seeks to a random point between the first and the last element (as RANDOMKEY does with keys) and
// walks a random number of steps below randomWalk from there. Picks are then only roughly uniform:
// elements that follow sparse stretches of the sub-key space come up more often.
const (
	randomExact = 4096
	randomWalk  = 64
	// randomSeekCost is what one seeking pick costs, in elements of a pass.
	randomSeekCost = randomWalk/2 + 16
)

// randomElements picks elements of c under tag at random with randN: count > 0 distinct ones (count
// must be below c's size), count < 0 -count that may repeat, in random order. The same collection
// and the same randN sequence give the same picks: SPOP relies on it.
func (tx *Tx) randomElements(c *Collection, tag byte, count int64, values bool, randN func(uint64) uint64) ([]picked, error) {
	n, k := c.Len(), count
	if k < 0 {
		k = -k
	}
	if n <= 0 || k == 0 {
		return nil, nil
	}
	if n > randomExact && n/randomSeekCost > k {
		out, err := tx.seekElements(c, tag, k, count > 0, values, randN)
		if err != nil || int64(len(out)) == k {
			return out, err
		}
		// Seeking kept landing on the same few elements: make an exact choice instead.
	}
	var positions []uint64 // in the order drawn
	if count < 0 {
		positions = make([]uint64, 0, min(k, 1<<16))
		for range k {
			positions = append(positions, randN(uint64(n)))
		}
	} else {
		positions = floydSample(uint64(n), uint64(k), randN)
	}
	return tx.elementsAt(c, tag, positions, values)
}

// floydSample draws k distinct numbers of [0, n) (k <= n) with Robert Floyd's algorithm, then
// shuffles them (the algorithm draws large numbers last).
func floydSample(n, k uint64, randN func(uint64) uint64) []uint64 {
	out := make([]uint64, 0, min(k, 1<<16))
	taken := make(map[uint64]bool, min(k, 1<<16))
	for j := n - k; j < n; j++ {
		t := randN(j + 1)
		if taken[t] {
			t = j
		}
		taken[t] = true
		out = append(out, t)
	}
	for i := len(out) - 1; i > 0; i-- {
		j := randN(uint64(i + 1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// elementsAt returns the elements of c under tag at the given positions (0 = the first in sub-key
// order), in the order given, a position given twice giving the element twice: one pass over the
// keys, reading only the chosen values.
func (tx *Tx) elementsAt(c *Collection, tag byte, positions []uint64, values bool) ([]picked, error) {
	sorted := slices.Clone(positions)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	found := make(map[uint64]picked, len(sorted))
	if c.hdr.version != 0 && len(sorted) > 0 {
		p := elementKey(tx.physDB(c.db), c.hdr.version, tag, nil)
		it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
		pos, next := uint64(0), 0
		for it.Seek(p); it.ValidForPrefix(p) && next < len(sorted); it.Next() {
			if pos == sorted[next] {
				item := it.Item()
				pk := picked{sub: bytes.Clone(item.Key()[len(p):])}
				if values {
					v, err := item.ValueCopy(nil)
					if err != nil {
						it.Close()
						return nil, err
					}
					pk.val = append([]byte{}, v...)
				}
				found[pos] = pk
				next++
			}
			pos++
		}
		it.Close()
	}
	out := make([]picked, 0, len(positions))
	for _, pos := range positions {
		if pk, ok := found[pos]; ok { // always, unless the header's count is wrong
			out = append(out, pk)
		}
	}
	return out, nil
}

// seekElements makes count random picks by seeking: each lands on the first element at or after a
// random target (see randomTarget), then walks up to randomWalk-1 elements further (wrapping around
// at the end). With distinct, repeats are dropped and it gives up after a bounded number of tries,
// returning fewer.
func (tx *Tx) seekElements(c *Collection, tag byte, count int64, distinct, values bool, randN func(uint64) uint64) ([]picked, error) {
	if c.hdr.version == 0 {
		return nil, nil
	}
	p := elementKey(tx.physDB(c.db), c.hdr.version, tag, nil)
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	defer it.Close()
	rit := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false, Reverse: true})
	defer rit.Close()
	first := firstUnder(it, p)
	last := lastBelow(rit, p, prefixEnd(p))
	if first == nil || last == nil {
		return nil, nil
	}
	step := func() bool { // advance, wrapping around; false when the collection is empty
		it.Next()
		if !it.ValidForPrefix(p) {
			it.Seek(p)
		}
		return it.ValidForPrefix(p)
	}
	out := make([]picked, 0, min(count, 1<<16))
	var seen map[string]bool
	tries := int64(-1)
	if distinct {
		seen = make(map[string]bool, min(count, 1<<16))
		tries = 4*count + 16
	}
	for int64(len(out)) < count && tries != 0 {
		tries--
		target := randomTarget(it, rit, p, first, last, randN)
		it.Seek(append(slices.Clip(p), target...))
		if !it.ValidForPrefix(p) {
			it.Seek(p) // past the last element: wrap around to the first
		}
		if !it.ValidForPrefix(p) {
			break
		}
		walked := true
		for w := randN(randomWalk); w > 0 && walked; w-- {
			walked = step()
		}
		if !walked {
			break
		}
		item := it.Item()
		sub := item.Key()[len(p):]
		if distinct {
			if seen[string(sub)] {
				continue
			}
			seen[string(sub)] = true
		}
		pk := picked{sub: bytes.Clone(sub)}
		if values {
			v, err := item.ValueCopy(nil)
			if err != nil {
				return nil, err
			}
			pk.val = append([]byte{}, v...)
		}
		out = append(out, pk)
	}
	return out, nil
}

// randomDescent is how many bytes randomTarget chooses by looking at the sub-keys present, with up
// to randomByteTries draws each.
const (
	randomDescent   = 6
	randomByteTries = 8
)

// randomTarget returns a random sub-key to seek to among the sub-keys under p, first and last being
// the smallest and the largest. It descends the sub-keys byte by byte: at each level it chooses a
// byte uniformly between the smallest and the largest present below the bytes chosen so far (or
// stops at a sub-key that ends there), drawing again when no sub-key has it. Sub-keys built
// alike (numbers, identifiers of one alphabet) are then chosen about evenly, where one random point
// between first and last would favour the first sub-key after every gap in the byte space (after
// "m1999" comes "m2", far away). After randomDescent levels it takes a random point between the
// first and the last sub-key of the branch reached. it and rit iterate forward and backward over p.
func randomTarget(it, rit *badger.Iterator, p, first, last []byte, randN func(uint64) uint64) []byte {
	lo, hi := first, last
	for range randomDescent {
		n := commonPrefixLen(lo, hi)
		if n == len(hi) { // lo == hi: one sub-key left
			return lo
		}
		loByte, hiByte := -1, int(hi[n]) // -1: the sub-key that ends at n (lo, when it does)
		if n < len(lo) {
			loByte = int(lo[n])
		}
		// Draw bytes until one is present (a byte absent from the sub-keys would send its share to
		// the next one present), a few times at most.
		var next []byte
		for try := 0; try < randomByteTries; try++ {
			b := loByte + int(randN(uint64(hiByte-loByte+1)))
			if b < 0 {
				return lo
			}
			it.Seek(append(append(slices.Clip(p), hi[:n]...), byte(b)))
			if !it.ValidForPrefix(p) { // cannot happen: hi follows
				return lo
			}
			next = it.Item().Key()[len(p):]
			if next[n] == byte(b) {
				break
			}
		}
		lo = bytes.Clone(next)
		// The last sub-key of lo's branch: the largest key before the branch's end.
		if hi = lastBelow(rit, p, prefixEnd(append(slices.Clip(p), lo[:n+1]...))); hi == nil {
			return lo
		}
	}
	return randomBetween(lo, hi, randN)
}

// firstUnder returns the sub-key (after p) of the first key under p, nil when none; it iterates
// forward over p.
func firstUnder(it *badger.Iterator, p []byte) []byte {
	if it.Seek(p); !it.ValidForPrefix(p) {
		return nil
	}
	return bytes.Clone(it.Item().Key()[len(p):])
}

// lastBelow returns the sub-key (after p) of the largest key under p below end, nil when none; rit
// iterates backward over p.
func lastBelow(rit *badger.Iterator, p, end []byte) []byte {
	rit.Seek(end)
	if rit.ValidForPrefix(p) && bytes.Equal(rit.Item().Key(), end) {
		rit.Next()
	}
	if !rit.ValidForPrefix(p) {
		return nil
	}
	return bytes.Clone(rit.Item().Key()[len(p):])
}

func commonPrefixLen(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
