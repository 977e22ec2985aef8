package engine

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"

	badger "github.com/dgraph-io/badger/v4"
)

// The keyspace family: operations on whole keys whatever their type (RENAME, COPY, MOVE, SWAPDB,
// SCAN, RANDOMKEY, OBJECT), and the removal of expired keys.

// --- Logical and physical databases (SWAPDB) ---
//
// Clients name logical databases (SELECT n). Every Badger key carries a physical database byte, and
// dbMap sends each logical database to its physical one. SWAPDB swaps two entries of the map: O(1),
// whatever the size of the databases, where rewriting every key would be O(n) and too big for one
// transaction. The map is stored under keyDBMap, written in the same transaction as the swap (so it
// goes through Raft like any write and is in snapshots), and kept in memory for every access.
//
// Inside the engine, Tx methods take logical databases; lookup, put and remove map them. Anything that
// builds a Badger key itself (elements, garbage, counts, prefixes) must use the physical database:
// tx.physDB(db).

// dbMap maps a logical database to its physical database. It is never modified once published: a
// swap publishes a new map.
type dbMap [256]byte

var keyDBMap = []byte{spaceSystem, 'd'}

func identityDBMap() *dbMap {
	var m dbMap
	for i := range m {
		m[i] = byte(i)
	}
	return &m
}

// loadDBMap reads the stored map (identity when none) and checks that every configured database
// maps inside the configured range.
func (d *DB) loadDBMap(txn *badger.Txn) error {
	m := identityDBMap()
	item, err := txn.Get(keyDBMap)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return err
	default:
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if len(v) != len(m) {
			return fmt.Errorf("engine: corrupt database map of %d bytes", len(v))
		}
		var seen [256]bool
		for i, p := range v {
			if seen[p] {
				return fmt.Errorf("engine: corrupt database map: database %d used twice", p)
			}
			seen[p] = true
			m[i] = p
		}
	}
	for i := 0; i < d.opts.Databases; i++ {
		if int(m[i]) >= d.opts.Databases {
			return fmt.Errorf("engine: SWAPDB left database %d's data in database slot %d: open with at least %d databases",
				i, m[i], int(m[i])+1)
		}
	}
	d.dbmap.Store(m)
	return nil
}

// newTxn opens a Tx's Badger transaction together with the database map that goes with it. A reader
// must not take the map from one side of a SWAPDB and the data from the other: mapGen is odd while
// a swap commits, and a reader retries when it changed while the transaction was being opened.
// A writer holds writeMu, under which the map cannot change.
func (d *DB) newTxn(write bool) (*badger.Txn, *dbMap) {
	if write {
		return d.bdb.NewTransaction(true), d.dbmap.Load()
	}
	for {
		g := d.mapGen.Load()
		if g%2 == 1 {
			runtime.Gosched()
			continue
		}
		m := d.dbmap.Load()
		txn := d.bdb.NewTransaction(false)
		if d.mapGen.Load() == g {
			return txn, m
		}
		txn.Discard()
	}
}

// physDB returns the physical database of logical database db, which the caller has checked.
func (tx *Tx) physDB(db int) int { return int(tx.dbmap[db]) }

// logicalDB returns the logical database whose data is in physical database p.
func (tx *Tx) logicalDB(p int) int {
	for i, q := range tx.dbmap {
		if int(q) == p {
			return i
		}
	}
	return p
}

// physicalDBs maps logical databases with the current map; callers hold writeMu.
func (d *DB) physicalDBs(dbs []int) []int {
	m := d.dbmap.Load()
	out := make([]int, len(dbs))
	for i, db := range dbs {
		out[i] = int(m[db])
	}
	return out
}

// commitTxn commits the Badger transaction, and with it a database map changed by SwapDB.
func (tx *Tx) commitTxn() error {
	tx.db.writing()
	defer tx.db.wrote()
	if tx.swapped {
		tx.db.cache.clear()
	} else {
		tx.db.cache.remove(tx.uncached)
	}
	if !tx.swapped {
		return tx.txn.Commit()
	}
	if err := tx.txn.Set(keyDBMap, tx.dbmap[:]); err != nil {
		return err
	}
	tx.db.mapGen.Add(1)
	defer tx.db.mapGen.Add(1)
	if err := tx.txn.Commit(); err != nil {
		return err
	}
	tx.db.dbmap.Store(tx.dbmap)
	return nil
}

// SwapDB swaps logical databases a and b: clients of a see what was b's and the other way round.
func (tx *Tx) SwapDB(a, b int) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	if err := tx.db.checkDB(a); err != nil {
		return err
	}
	if err := tx.db.checkDB(b); err != nil {
		return err
	}
	if a == b {
		return nil
	}
	m := *tx.dbmap
	m[a], m[b] = m[b], m[a]
	tx.dbmap, tx.swapped = &m, true
	if tx.db.observed() {
		// Every key of both databases may have changed, as after a flush.
		tx.touched = append(tx.touched, Touched{DB: a, Flushed: true, Swapped: true, Partner: b}, Touched{DB: b, Flushed: true, Swapped: true, Partner: a})
	}
	return nil
}

// --- RENAME, COPY, MOVE ---

// Rename gives key src of database db the name dst, with its expiry, replacing dst, and reports
// whether it did: with nx it does nothing and reports false when dst exists. A missing src is
// ErrNotFound (also when src == dst, as in Redis). The value moves as it is: a collection's elements
// are named by its version, not by its key, so renaming one is O(1) too.
func (tx *Tx) Rename(db int, src, dst []byte, nx bool) (bool, error) {
	m, live, _, err := tx.lookup(db, src)
	if err != nil {
		return false, err
	}
	if !live {
		return false, ErrNotFound
	}
	if bytes.Equal(src, dst) {
		return !nx, nil
	}
	if err := checkKey(dst); err != nil {
		return false, err
	}
	dm, dlive, dphys, err := tx.lookup(db, dst)
	if err != nil {
		return false, err
	}
	if dlive && nx {
		return false, nil
	}
	if dphys {
		if err := tx.remove(db, dst, dm); err != nil {
			return false, err
		}
	}
	if err := tx.put(db, dst, meta{}, false, m.typ, m.expireAt, m.payload); err != nil {
		return false, err
	}
	// The elements now belong to dst: remove src's meta without dropping them.
	kept := m
	kept.typ = TypeString
	return true, tx.remove(db, src, kept)
}

// Copy copies key src of database srcDB to key dst of database dstDB, with its expiry, and reports
// whether it did: it does nothing when src is missing, or when dst exists and replace is not set.
func (tx *Tx) Copy(srcDB int, src []byte, dstDB int, dst []byte, replace bool) (bool, error) {
	m, live, _, err := tx.lookup(srcDB, src)
	if err != nil || !live {
		return false, err
	}
	dm, dlive, dphys, err := tx.lookup(dstDB, dst)
	if err != nil {
		return false, err
	}
	if dlive && !replace {
		return false, nil
	}
	if err := checkKey(dst); err != nil {
		return false, err // before the elements are copied
	}
	payload, err := tx.copyValue(srcDB, m, dstDB)
	if err != nil {
		return false, err
	}
	if dphys {
		if err := tx.remove(dstDB, dst, dm); err != nil {
			return false, err
		}
	}
	return true, tx.put(dstDB, dst, meta{}, false, m.typ, m.expireAt, payload)
}

// Move moves key from database srcDB to database dstDB, with its expiry, and reports whether it did:
// it does nothing when the key is missing in srcDB or exists in dstDB.
func (tx *Tx) Move(srcDB int, key []byte, dstDB int) (bool, error) {
	m, live, _, err := tx.lookup(srcDB, key)
	if err != nil || !live {
		return false, err
	}
	dm, dlive, dphys, err := tx.lookup(dstDB, key)
	if err != nil || dlive {
		return false, err
	}
	payload, err := tx.copyValue(srcDB, m, dstDB)
	if err != nil {
		return false, err
	}
	if dphys {
		if err := tx.remove(dstDB, key, dm); err != nil {
			return false, err
		}
	}
	if err := tx.put(dstDB, key, meta{}, false, m.typ, m.expireAt, payload); err != nil {
		return false, err
	}
	return true, tx.remove(srcDB, key, m)
}

// copyValue is the hook COPY and MOVE use to duplicate a value into database dstDB and returns the
// meta payload of the copy. A string's payload is its value. A collection gets a new version and a
// copy of every element under it (in dstDB's physical database, since element keys carry it): O(n)
// as in Redis, and a collection too big for one transaction fails with ErrTxnTooBig. The copy is
// blind to the element layout of each type: it copies every key under the old version.
func (tx *Tx) copyValue(srcDB int, m meta, dstDB int) ([]byte, error) {
	if !m.typ.isCollection() {
		return append([]byte(nil), m.payload...), nil
	}
	h, err := decodeHeader(m.typ, m.payload)
	if err != nil {
		return nil, err
	}
	if h.version == 0 {
		return m.payload, nil
	}
	from := elementPrefix(tx.physDB(srcDB), h.version)
	h.version = tx.newVersion()
	to := elementPrefix(tx.physDB(dstDB), h.version)
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: from}) // no prefetch: see ScanElements
	defer it.Close()
	for it.Seek(from); it.ValidForPrefix(from); it.Next() {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		k := append(append([]byte(nil), to...), item.Key()[len(from):]...)
		if err := tx.txn.Set(k, v); err != nil {
			return nil, err
		}
	}
	return h.encode(m.typ), nil
}

// --- SCAN, RANDOMKEY, OBJECT ---

// Scan visits the keys of database db that start with prefix and sort after key after (nil: from
// the first), in key order. It calls fn for up to count live keys, and stops early after examining
// 10*count keys (expired keys are examined but not passed to fn), as Redis's SCAN bounds its work.
// It returns the last key examined, from which the next call continues, and whether more keys
// follow it. fn's key is only valid during the call.
func (tx *Tx) Scan(db int, prefix, after []byte, count int, fn func(key []byte, t Type)) (last []byte, more bool, err error) {
	if err := tx.db.checkDB(db); err != nil {
		return nil, false, err
	}
	count = max(count, 1)
	budget := count * 10
	if budget/10 != count {
		budget = count // overflow: count is huge anyway
	}
	p := metaKey(nil, tx.physDB(db), prefix)
	base := len(p) - len(prefix)
	seek := p
	if after != nil && bytes.Compare(after, prefix) >= 0 {
		seek = append(metaKey(nil, tx.physDB(db), after), 0) // the next key after `after`
	}
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	defer it.Close()
	found := 0
	for it.Seek(seek); it.ValidForPrefix(p); it.Next() {
		if found >= count || budget == 0 {
			return last, true, nil
		}
		budget--
		item := it.Item()
		var m meta
		err := item.Value(func(v []byte) error {
			var err error
			m, err = decodeMeta(v)
			return err
		})
		if err != nil {
			return nil, false, err
		}
		key := item.Key()[base:]
		last = append(last[:0], key...)
		if expired(m.expireAt, tx.now) {
			continue
		}
		found++
		fn(key, m.typ)
	}
	return last, false, nil
}

// RandomKey returns a random live key of database db, or ErrNotFound when it has none. randN(n)
// must return a random number in [0, n). Up to randomKeyExact keys the choice is uniform; above,
// it picks a random point between the first and the last key and chooses uniformly among the
// randomKeyWindow live keys from there (wrapping around). That is not uniform: keys that follow
// sparse stretches of the key space come up more often. Redis's choice is not uniform either.
func (tx *Tx) RandomKey(db int, randN func(n uint64) uint64) ([]byte, error) {
	if err := tx.db.checkDB(db); err != nil {
		return nil, err
	}
	pdb := tx.physDB(db)
	p := metaKey(nil, pdb, nil)
	if tx.db.counts[pdb].Load() <= randomKeyExact {
		var keys [][]byte
		err := tx.Keys(db, nil, func(key []byte, _ Type) bool {
			keys = append(keys, append([]byte(nil), key...))
			return true
		})
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, ErrNotFound
		}
		return keys[randN(uint64(len(keys)))], nil
	}
	first, last, err := tx.edgeKeys(p)
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, ErrNotFound
	}
	target := randomBetween(first, last, randN)
	// From target to the end, then from the start up to target.
	var window [][]byte
	for _, r := range [][2][]byte{{target, nil}, {nil, target}} {
		if window, err = tx.liveKeys(p, r[0], r[1], window); err != nil {
			return nil, err
		}
	}
	if len(window) == 0 {
		return nil, ErrNotFound
	}
	return window[randN(uint64(len(window)))], nil
}

const (
	// randomKeyExact is the key count up to which RandomKey chooses uniformly, by listing the keys.
	randomKeyExact = 256
	// randomKeyWindow is how many keys from a random point RandomKey chooses among.
	randomKeyWindow = 32
)

// edgeKeys returns the first and the last user key under the meta prefix p (nil when none).
func (tx *Tx) edgeKeys(p []byte) (first, last []byte, err error) {
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	it.Seek(p)
	if it.ValidForPrefix(p) {
		first = append([]byte(nil), it.Item().Key()[len(p):]...)
	}
	it.Close()
	if first == nil {
		return nil, nil, nil
	}
	rit := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false, Reverse: true})
	defer rit.Close()
	end := prefixEnd(p)
	for rit.Seek(end); rit.Valid(); rit.Next() {
		if rit.ValidForPrefix(p) {
			return first, append([]byte(nil), rit.Item().Key()[len(p):]...), nil
		}
		if bytes.Compare(rit.Item().Key(), p) < 0 {
			break
		}
	}
	return first, first, nil
}

// prefixEnd returns the smallest key greater than every key that starts with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: nothing follows (not a prefix the engine uses)
}

// randomBetween returns a random key between first and last: their common prefix followed by a
// random 8-byte value between theirs.
func randomBetween(first, last []byte, randN func(uint64) uint64) []byte {
	n := 0
	for n < len(first) && n < len(last) && first[n] == last[n] {
		n++
	}
	word := func(b []byte) uint64 {
		var w uint64
		for i := range 8 {
			w <<= 8
			if n+i < len(b) {
				w |= uint64(b[n+i])
			}
		}
		return w
	}
	lo, hi := word(first), word(last)
	r := lo
	if hi > lo {
		if span := hi - lo; span == ^uint64(0) {
			r = randN(span)
		} else {
			r = lo + randN(span+1)
		}
	}
	out := append([]byte(nil), first[:n]...)
	for i := 7; i >= 0; i-- {
		out = append(out, byte(r>>(8*i)))
	}
	return out
}

// liveKeys appends to keys the live keys under meta prefix p at or after from (nil: the first)
// and before until (nil: no bound) until it holds randomKeyWindow keys.
func (tx *Tx) liveKeys(p, from, until []byte, keys [][]byte) ([][]byte, error) {
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	defer it.Close()
	seek := append(append([]byte(nil), p...), from...)
	for it.Seek(seek); it.ValidForPrefix(p) && len(keys) < randomKeyWindow; it.Next() {
		item := it.Item()
		key := item.Key()[len(p):]
		if until != nil && bytes.Compare(key, until) >= 0 {
			break
		}
		var m meta
		err := item.Value(func(v []byte) error {
			var err error
			m, err = decodeMeta(v)
			return err
		})
		if err != nil {
			return nil, err
		}
		if !expired(m.expireAt, tx.now) {
			keys = append(keys, append([]byte(nil), key...))
		}
	}
	return keys, nil
}

// ObjectInfo is what OBJECT reports of a key.
type ObjectInfo struct {
	Type     Type
	Encoding string // Redis's name of the encoding Redis 7.0 would use for the value
	RefCount int64  // Redis's refcount: shared small integers report 2147483647, others 1
}

// Redis 7.0's default thresholds between compact and large encodings.
const (
	listpackMaxEntries = 128 // hash-max-listpack-entries, zset-max-listpack-entries
	listpackMaxValue   = 64  // hash-max-listpack-value, zset-max-listpack-value
	intsetMaxEntries   = 512 // set-max-intset-entries
	sharedIntegers     = 10000
	embstrMaxLen       = 44
)

// Object describes key for OBJECT ENCODING and REFCOUNT, or returns ErrNotFound. Redis's encoding
// depends on the value's history (APPEND makes a string raw; a hash once converted to a hashtable
// stays one); this reports the encoding Redis gives a value of this content written in one go.
func (tx *Tx) Object(db int, key []byte) (ObjectInfo, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if !live {
		return ObjectInfo{}, ErrNotFound
	}
	info := ObjectInfo{Type: m.typ, RefCount: 1}
	switch m.typ {
	case TypeString:
		info.Encoding = stringEncoding(m.payload)
		if v, ok := ParseInt(m.payload); ok && v >= 0 && v < sharedIntegers {
			info.RefCount = 2147483647 // Redis's shared integer objects
		}
		return info, nil
	case TypeList:
		info.Encoding = "quicklist" // Redis 7.0 keeps every list in a quicklist
		return info, nil
	}
	h, err := decodeHeader(m.typ, m.payload)
	if err != nil {
		return ObjectInfo{}, err
	}
	c := &Collection{db: db, key: key, typ: m.typ, old: m, live: true, phys: true, hdr: h}
	switch m.typ {
	case TypeSet:
		info.Encoding = "hashtable"
		if h.count <= intsetMaxEntries && tx.allElements(c, tagSetMember, func(sub, _ []byte) bool {
			_, ok := ParseInt(sub)
			return ok
		}) {
			info.Encoding = "intset"
		}
	case TypeHash:
		info.Encoding = "hashtable"
		if h.count <= listpackMaxEntries && tx.allElements(c, tagHashField, func(sub, val []byte) bool {
			return len(sub) <= listpackMaxValue && len(val) <= listpackMaxValue
		}) {
			info.Encoding = "listpack"
		}
	case TypeZSet:
		info.Encoding = "skiplist"
		if h.count <= listpackMaxEntries && tx.allElements(c, tagZSetMember, func(sub, _ []byte) bool {
			return len(sub) <= listpackMaxValue
		}) {
			info.Encoding = "listpack"
		}
	}
	return info, nil
}

// allElements reports whether ok holds for every element of c under tag.
func (tx *Tx) allElements(c *Collection, tag byte, ok func(sub, val []byte) bool) bool {
	all := true
	err := tx.ScanElements(c, tag, nil, nil, false, func(sub, val []byte) (bool, error) {
		all = ok(sub, val)
		return all, nil
	})
	return all && err == nil
}

// stringEncoding is Redis's encoding of a string value set in one go (tryObjectEncoding): "int" for
// an integer that fits a long, "embstr" up to 44 bytes, "raw" above.
func stringEncoding(v []byte) string {
	if len(v) <= 20 {
		if _, ok := ParseInt(v); ok {
			return "int"
		}
	}
	if len(v) <= embstrMaxLen {
		return "embstr"
	}
	return "raw"
}

// --- Removing expired keys ---

// ExpiredKeys calls fn for up to limit keys whose expiry is at or before the Tx's time, oldest
// first within each database, visiting databases from start (wrapping around), and returns how many
// it reported. It reads the expiry index only. fn's key is only valid during the call.
func (tx *Tx) ExpiredKeys(start, limit int, fn func(db int, key []byte, at int64)) (int, error) {
	n := 0
	dbs := tx.db.opts.Databases
	for i := 0; i < dbs && n < limit; i++ {
		pdb := tx.physDB((start + i) % dbs)
		p := expiryPrefix(pdb)
		it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
		for it.Seek(p); it.ValidForPrefix(p) && n < limit; it.Next() {
			k := it.Item().Key()
			if len(k) < len(p)+8 {
				continue
			}
			at := int64(be64(k[len(p):]))
			if at > tx.now {
				break
			}
			fn(tx.logicalDB(pdb), k[len(p)+8:], at)
			n++
		}
		it.Close()
	}
	return n, nil
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// DeleteExpired removes key if its expiry is still at (Unix ms) and at is at or before the Tx's
// time, and reports whether it did. Given the Tx's time, every replica decides the same. An index
// entry that no longer matches its key is removed too, so that it is not found again.
func (tx *Tx) DeleteExpired(db int, key []byte, at int64) (bool, error) {
	if !tx.write {
		return false, ErrReadOnlyTx
	}
	if !expired(at, tx.now) { // not due, or 0: no expiry at all
		return false, nil
	}
	m, _, phys, err := tx.lookup(db, key)
	if err != nil {
		return false, err
	}
	if phys && m.expireAt == at {
		return true, tx.remove(db, key, m)
	}
	return false, tx.txn.Delete(expiryKey(tx.physDB(db), at, key))
}
