package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Tx is a read or write transaction on the engine at a fixed time. A Tx is not safe for concurrent use.
type Tx struct {
	db         *DB
	txn        *badger.Txn
	now        int64 // Unix ms: keys with expireAt <= now are gone
	write      bool
	done       bool
	deltas     map[int]int64 // key count changes per database, applied on commit
	version    uint64        // last collection version handed out in this Tx
	applied    uint64        // applied index to record, 0 = unchanged
	buf        []byte        // scratch for meta keys of reads
	touched    []Touched     // keys written, reported to the commit observer
	uncached   [][]byte      // meta keys written, taken out of the value cache on commit
	dbmap      *dbMap        // logical -> physical databases for this Tx (see keyspace.go)
	swapped    bool          // SwapDB changed dbmap: commit stores and publishes it
	countReads bool          // a write Tx counts key lookups (CountLookups)
	writes     uint64        // DB.writes when the Tx began (Current)
	cached     []string      // meta keys this write Tx told DB.metas about: forgotten unless it commits
	ok         bool          // Commit succeeded
}

// Current reports whether a read Tx still sees what a new one would: it is open and nothing has been
// written to the engine since it began. A caller may then keep using it for later reads (with SetNow)
// instead of beginning another, which saves Badger's per-transaction cost. Current is false for a
// write Tx. A Tx should not be kept open for long: while it is, Badger keeps the versions it sees.
func (tx *Tx) Current() bool {
	return !tx.write && !tx.done && tx.writes%2 == 0 && tx.db.writes.Load() == tx.writes
}

// Now returns the transaction's time in Unix milliseconds.
func (tx *Tx) Now() int64 { return tx.now }

// SetNow changes the time used to decide expiry, e.g. per Raft entry in a batch.
func (tx *Tx) SetNow(now int64) { tx.now = now }

// SetApplied records index as the last applied log index, atomically with the Tx's writes.
func (tx *Tx) SetApplied(index uint64) { tx.applied = index }

// Commit writes the transaction. A read-only Tx just ends.
func (tx *Tx) Commit() error {
	if tx.done {
		return errors.New("engine: transaction already finished")
	}
	if !tx.write {
		tx.Discard()
		return nil
	}
	defer tx.finish()
	counts := make(map[int]int64, len(tx.deltas))
	for db, delta := range tx.deltas {
		if delta == 0 {
			continue
		}
		counts[db] = tx.db.counts[db].Load() + delta
		if err := tx.txn.Set(keyCount(db), binary.BigEndian.AppendUint64(nil, uint64(counts[db]))); err != nil {
			return err
		}
	}
	if tx.version != tx.db.version {
		if err := tx.txn.Set(keyVersion, binary.BigEndian.AppendUint64(nil, tx.version)); err != nil {
			return err
		}
	}
	if tx.applied != 0 {
		if err := tx.txn.Set(keyApplied, binary.BigEndian.AppendUint64(nil, tx.applied)); err != nil {
			return err
		}
	}
	if err := tx.commitTxn(); err != nil {
		return fmt.Errorf("engine: commit: %w", err)
	}
	tx.ok = true
	for db, n := range counts {
		tx.db.counts[db].Store(n)
	}
	tx.db.notify(tx.applied, tx.touched)
	tx.db.version = tx.version
	if tx.applied != 0 {
		tx.db.applied.Store(tx.applied)
	}
	return nil
}

// Discard abandons the transaction and its writes. Safe to call after Commit.
func (tx *Tx) Discard() {
	if tx.done {
		return
	}
	tx.finish()
}

func (tx *Tx) finish() {
	tx.done = true
	tx.txn.Discard()
	if tx.write {
		if !tx.ok {
			for _, k := range tx.cached {
				tx.db.metas.forget(k)
			}
		}
		tx.db.writeMu.Unlock()
	}
}

// lookup returns the meta of key as stored (phys reports whether it is on disk at all) and whether it
// is live at tx.now.
func (tx *Tx) lookup(db int, key []byte) (m meta, live, phys bool, err error) {
	return tx.lookupMeta(db, key, true)
}

// lookupMeta is lookup; a string's payload (its value) is copied only when wantString is set, and
// is nil otherwise. A collection's payload (its header) always is. SET without GET need not copy
// the old value it replaces.
func (tx *Tx) lookupMeta(db int, key []byte, wantString bool) (m meta, live, phys bool, err error) {
	if err := tx.db.checkDB(db); err != nil {
		return meta{}, false, false, err
	}
	tx.buf = metaKey(tx.buf[:0], tx.physDB(db), key)
	if tx.write && !wantString {
		if c, ok := tx.db.metas.get(tx.buf); ok {
			if c.typ == TypeNone {
				return meta{}, false, false, nil
			}
			return meta{typ: c.typ, expireAt: c.expireAt}, !expired(c.expireAt, tx.now), true, nil
		}
	}
	item, err := tx.txn.Get(tx.buf)
	if errors.Is(err, badger.ErrKeyNotFound) {
		tx.countLookup(false)
		return meta{}, false, false, nil
	}
	if err != nil {
		return meta{}, false, false, err
	}
	err = item.Value(func(v []byte) error {
		var err error
		if m, err = decodeMeta(v); err != nil {
			return err
		}
		if m.typ == TypeString && !wantString {
			m.payload = nil
		} else {
			m.payload = append(make([]byte, 0, len(m.payload)), m.payload...) // Badger's buffer
		}
		return nil
	})
	if err != nil {
		return meta{}, false, false, err
	}
	live = !expired(m.expireAt, tx.now)
	tx.countLookup(live)
	return m, live, true, nil
}

// put stores a key's new meta over old (as returned by lookup) and keeps the count and the expiry
// index right. A caller that replaces a collection with another value drops its elements itself.
func (tx *Tx) put(db int, key []byte, old meta, phys bool, typ Type, expireAt int64, payload []byte) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	if err := tx.checkPut(key, len(payload)); err != nil {
		return err
	}
	pdb := tx.physDB(db)
	mk := metaKey(nil, pdb, key)
	if err := tx.txn.Set(mk, encodeMeta(typ, expireAt, payload)); err != nil {
		return err
	}
	if typ == TypeString {
		tx.cacheMeta(mk, cachedMeta{typ: typ, expireAt: expireAt})
	} else {
		tx.db.metas.forget(keyString(mk))
	}
	tx.touch(db, key)
	tx.uncache(mk)
	if phys && old.expireAt != 0 && old.expireAt != expireAt {
		if err := tx.txn.Delete(expiryKey(pdb, old.expireAt, key)); err != nil {
			return err
		}
	}
	if expireAt != 0 && (!phys || old.expireAt != expireAt) {
		if err := tx.txn.Set(expiryKey(pdb, expireAt, key), nil); err != nil {
			return err
		}
	}
	if !phys {
		tx.addCount(pdb, 1)
	}
	return nil
}

// remove deletes a key that is physically present.
func (tx *Tx) remove(db int, key []byte, old meta) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	pdb := tx.physDB(db)
	mk := metaKey(nil, pdb, key)
	if err := tx.txn.Delete(mk); err != nil {
		return err
	}
	tx.cacheMeta(mk, cachedMeta{typ: TypeNone})
	tx.touch(db, key)
	tx.uncache(mk)
	if old.expireAt != 0 {
		if err := tx.txn.Delete(expiryKey(pdb, old.expireAt, key)); err != nil {
			return err
		}
	}
	if err := tx.dropElements(db, old); err != nil {
		return err
	}
	tx.addCount(pdb, -1)
	return nil
}

// cacheMeta tells the writer's meta cache what this Tx left at meta key mk (which must not change
// afterwards); the cache forgets it again if the Tx does not commit.
func (tx *Tx) cacheMeta(mk []byte, m cachedMeta) {
	if tx.db.metas.limit == 0 {
		return
	}
	k := keyString(mk)
	tx.db.metas.set(k, m)
	tx.cached = append(tx.cached, k)
}

// touch records that key changed, for the commit observer.
func (tx *Tx) touch(db int, key []byte) {
	if tx.db.observed() {
		tx.touched = append(tx.touched, Touched{DB: db, Key: append([]byte(nil), key...)})
	}
}

// uncache records that the value under meta key mk changes: the commit takes it out of the value
// cache. mk is Badger's copy of the key too, never written again.
func (tx *Tx) uncache(mk []byte) {
	if tx.db.cache != nil {
		tx.uncached = append(tx.uncached, mk)
	}
}

// addCount changes the key count of physical database db.
func (tx *Tx) addCount(db int, delta int64) {
	if tx.deltas == nil {
		tx.deltas = make(map[int]int64, 1)
	}
	tx.deltas[db] += delta
}

// Type returns the type of key, TypeNone when it does not exist.
func (tx *Tx) Type(db int, key []byte) (Type, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil || !live {
		return TypeNone, err
	}
	return m.typ, nil
}

// Exists reports whether key exists.
func (tx *Tx) Exists(db int, key []byte) (bool, error) {
	_, live, _, err := tx.lookup(db, key)
	return live, err
}

// ExpireAt returns key's expiry in Unix ms, 0 when it has none, or ErrNotFound.
func (tx *Tx) ExpireAt(db int, key []byte) (int64, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil {
		return 0, err
	}
	if !live {
		return 0, ErrNotFound
	}
	return m.expireAt, nil
}

// Delete removes key and reports whether it existed.
func (tx *Tx) Delete(db int, key []byte) (bool, error) {
	m, live, phys, err := tx.lookupMeta(db, key, false) // a string's value is not needed to delete it
	if err != nil || !phys {
		return false, err
	}
	return live, tx.remove(db, key, m)
}

// ExpireCond is a set of EXPIRE's NX, XX, GT and LT options; the zero value sets unconditionally.
type ExpireCond byte

// Expire conditions; XX may be combined with GT or LT.
const (
	ExpireNX ExpireCond = 1 << iota // only when the key has no expiry
	ExpireXX                        // only when the key has an expiry
	ExpireGT                        // only when the new expiry is greater (no expiry counts as infinite)
	ExpireLT                        // only when the new expiry is less (no expiry counts as infinite)
)

// holds reports whether an expiry change from cur (0 = none) to at meets the condition.
func (c ExpireCond) holds(cur, at int64) bool {
	switch {
	case c&ExpireNX != 0 && cur != 0,
		c&ExpireXX != 0 && cur == 0,
		c&ExpireGT != 0 && (cur == 0 || at <= cur),
		c&ExpireLT != 0 && cur != 0 && at >= cur:
		return false
	}
	return true
}

// Expire sets key's expiry to at (Unix ms) when cond holds, and reports whether it did. An expiry
// at or before the Tx's time deletes the key, as Redis does.
func (tx *Tx) Expire(db int, key []byte, at int64, cond ExpireCond) (bool, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil || !live {
		return false, err
	}
	if !cond.holds(m.expireAt, at) {
		return false, nil
	}
	if at <= tx.now {
		return true, tx.remove(db, key, m)
	}
	return true, tx.put(db, key, m, true, m.typ, at, m.payload)
}

// Persist removes key's expiry and reports whether it had one.
func (tx *Tx) Persist(db int, key []byte) (bool, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil || !live || m.expireAt == 0 {
		return false, err
	}
	return true, tx.put(db, key, m, true, m.typ, 0, m.payload)
}

// newVersion hands out a fresh collection version. Versions come from a counter stored with the data,
// so replicas applying the same writes hand out the same versions.
func (tx *Tx) newVersion() uint64 {
	tx.version++
	return tx.version
}

// DBSize returns the number of keys in logical database db as this Tx sees it (its own writes
// included), counting expired keys not yet removed, as DB.DBSize does.
func (tx *Tx) DBSize(db int) (int64, error) {
	if err := tx.db.checkDB(db); err != nil {
		return 0, err
	}
	pdb := tx.physDB(db)
	return tx.db.counts[pdb].Load() + tx.deltas[pdb], nil
}
