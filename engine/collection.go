package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Collections (hash, list, set, sorted set) keep a header in their meta payload and each element in
// its own key under the collection's version; see DESIGN.md.

// collHeader is the meta payload of a collection.
type collHeader struct {
	version uint64 // names the collection's elements: 'e' db version tag sub
	count   int64  // number of elements
	head    int64  // lists: sequence number of the first element
	tail    int64  // lists: sequence number one past the last element
}

func (t Type) isCollection() bool {
	return t == TypeHash || t == TypeList || t == TypeSet || t == TypeZSet
}

func decodeHeader(typ Type, p []byte) (collHeader, error) {
	want := 16
	if typ == TypeList {
		want = 32
	}
	if len(p) != want {
		return collHeader{}, fmt.Errorf("engine: corrupt %s header of %d bytes", typ, len(p))
	}
	h := collHeader{
		version: binary.BigEndian.Uint64(p),
		count:   int64(binary.BigEndian.Uint64(p[8:])),
	}
	if typ == TypeList {
		h.head = int64(binary.BigEndian.Uint64(p[16:]))
		h.tail = int64(binary.BigEndian.Uint64(p[24:]))
	}
	return h, nil
}

func (h collHeader) encode(typ Type) []byte {
	b := make([]byte, 0, 32)
	b = binary.BigEndian.AppendUint64(b, h.version)
	b = binary.BigEndian.AppendUint64(b, uint64(h.count))
	if typ == TypeList {
		b = binary.BigEndian.AppendUint64(b, uint64(h.head))
		b = binary.BigEndian.AppendUint64(b, uint64(h.tail))
	}
	return b
}

// Collection is an open collection inside a Tx: its header and what is needed to write it back.
// Obtain one with Tx.Collection; change elements with its methods; finish with Tx.SaveCollection.
type Collection struct {
	db   int
	key  []byte
	typ  Type
	old  meta
	live bool // existed (and had not expired) when opened
	phys bool // a meta key was on disk when opened
	hdr  collHeader
}

// Exists reports whether the collection existed when opened.
func (c *Collection) Exists() bool { return c.live }

// Len is the number of elements.
func (c *Collection) Len() int64 { return c.hdr.count }

// AddLen changes the element count by delta; the methods that add or remove elements do not.
func (c *Collection) AddLen(delta int64) { c.hdr.count += delta }

// ListBounds returns a list's head and tail sequence numbers (elements are head..tail-1).
func (c *Collection) ListBounds() (head, tail int64) { return c.hdr.head, c.hdr.tail }

// SetListBounds sets a list's head and tail sequence numbers and its length to tail-head.
func (c *Collection) SetListBounds(head, tail int64) {
	c.hdr.head, c.hdr.tail = head, tail
	c.hdr.count = tail - head
}

// ExpireAt is the collection's expiry (Unix ms, 0 = none).
func (c *Collection) ExpireAt() int64 {
	if !c.live {
		return 0
	}
	return c.old.expireAt
}

// Collection opens key as a collection of type typ. A missing (or expired) key gives an empty
// collection that SaveCollection creates if elements were added. A key of another type gives
// ErrWrongType.
func (tx *Tx) Collection(db int, key []byte, typ Type) (*Collection, error) {
	m, live, phys, err := tx.lookup(db, key)
	if err != nil {
		return nil, err
	}
	c := &Collection{db: db, key: append([]byte(nil), key...), typ: typ, old: m, live: live, phys: phys}
	if !live {
		return c, nil
	}
	if m.typ != typ {
		return nil, ErrWrongType
	}
	if c.hdr, err = decodeHeader(typ, m.payload); err != nil {
		return nil, err
	}
	return c, nil
}

// ensureVersion gives a new collection its version the first time an element is written.
func (tx *Tx) ensureVersion(c *Collection) {
	if c.hdr.version == 0 {
		c.hdr.version = tx.newVersion()
		// A new list starts in the middle of the sequence space so it can grow both ways.
		c.hdr.head, c.hdr.tail = 0, 0
	}
}

// SaveCollection writes the collection's header back. An empty collection is deleted (Redis
// never keeps empty collections); a collection that replaced an expired key drops the old value.
func (tx *Tx) SaveCollection(c *Collection) error {
	if c.hdr.count <= 0 {
		if !c.phys {
			return nil
		}
		if c.live {
			return tx.remove(c.db, c.key, c.old)
		}
		// The expired old value is still on disk: remove it, and with it whatever this Tx wrote.
		if err := tx.remove(c.db, c.key, c.old); err != nil {
			return err
		}
		return tx.dropVersion(c.db, c.hdr.version)
	}
	expireAt := int64(0)
	if c.live {
		expireAt = c.old.expireAt
	} else if c.phys {
		if err := tx.dropElements(c.db, c.old); err != nil {
			return err
		}
	}
	if err := tx.put(c.db, c.key, c.old, c.phys, c.typ, expireAt, c.hdr.encode(c.typ)); err != nil {
		return err
	}
	// Later saves in the same Tx see this one as the old value.
	c.old = meta{typ: c.typ, expireAt: expireAt, payload: c.hdr.encode(c.typ)}
	c.live, c.phys = true, true
	return nil
}

// elementKey is the Badger key of one element. db is the physical database: tx.physDB(c.db).
func elementKey(db int, version uint64, tag byte, sub []byte) []byte {
	k := make([]byte, 0, 11+len(sub))
	k = append(k, spaceElement, byte(db))
	k = binary.BigEndian.AppendUint64(k, version)
	k = append(k, tag)
	return append(k, sub...)
}

// GetElement reads one element under tag; found is false when it does not exist.
func (tx *Tx) GetElement(c *Collection, tag byte, sub []byte) (val []byte, found bool, err error) {
	if c.hdr.version == 0 {
		return nil, false, nil
	}
	item, err := tx.txn.Get(elementKey(tx.physDB(c.db), c.hdr.version, tag, sub))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	val, err = item.ValueCopy(nil)
	return val, err == nil, err
}

// PutElement writes one element under tag. It does not change the count. It checks the
// collection's key too, which SaveCollection would refuse: no element is written for a key that
// cannot be stored. An operation writing several elements checks them all first (limits.go).
func (tx *Tx) PutElement(c *Collection, tag byte, sub, val []byte) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	if err := checkKey(sub); err != nil {
		return err
	}
	if err := checkKey(c.key); err != nil {
		return err
	}
	if err := tx.checkValue(len(val)); err != nil {
		return err
	}
	tx.ensureVersion(c)
	return tx.txn.Set(elementKey(tx.physDB(c.db), c.hdr.version, tag, sub), append([]byte(nil), val...))
}

// DeleteElement removes one element under tag. It does not change the count.
func (tx *Tx) DeleteElement(c *Collection, tag byte, sub []byte) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	if c.hdr.version == 0 {
		return nil
	}
	return tx.txn.Delete(elementKey(tx.physDB(c.db), c.hdr.version, tag, sub))
}

// ScanElements calls fn for the elements under tag whose sub-key starts with prefix, in sub-key order
// (reverse order when reverse is set), starting at from (inclusive; nil = the first or, reversed,
// the last). fn returns false to stop. sub and val are only valid during the call.
func (tx *Tx) ScanElements(c *Collection, tag byte, prefix, from []byte, reverse bool,
	fn func(sub, val []byte) (bool, error)) error {
	if c.hdr.version == 0 {
		return nil
	}
	p := elementKey(tx.physDB(c.db), c.hdr.version, tag, prefix)
	base := len(p) - len(prefix)
	// No PrefetchValues: Badger's iterator starts a goroutine per item to prefetch its value, which
	// costs more than reading the value (in the LSM tree, or the mapped value log) when asked.
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, Reverse: reverse})
	defer it.Close()
	var seek []byte
	switch {
	case from != nil:
		seek = elementKey(tx.physDB(c.db), c.hdr.version, tag, from)
		if reverse {
			seek = append(seek, 0xff) // include keys that extend from
		}
	case reverse:
		seek = append(append([]byte(nil), p...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	default:
		seek = p
	}
	for it.Seek(seek); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		more := true
		err := item.Value(func(v []byte) error {
			var err error
			more, err = fn(item.Key()[base:], v)
			return err
		})
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Element tags, exported for the data-type code of other packages' tests and tools.
const (
	TagHashField   = tagHashField
	TagListItem    = tagListItem
	TagSetMember   = tagSetMember
	TagZSetMember  = tagZSetMember
	TagZSetByScore = tagZSetByScore
)

// ListSeqKey encodes a list sequence number so that keys sort in sequence order.
func ListSeqKey(seq int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(seq)^(1<<63))
}

// dropElements disposes of the elements of a collection that is deleted, overwritten or expired:
// its version is recorded as garbage and the elements are deleted later in the background, so
// deleting a collection of any size is O(1) for the client.
func (tx *Tx) dropElements(db int, old meta) error {
	if !old.typ.isCollection() {
		return nil
	}
	h, err := decodeHeader(old.typ, old.payload)
	if err != nil {
		return err
	}
	return tx.dropVersion(db, h.version)
}

func (tx *Tx) dropVersion(db int, version uint64) error {
	if version == 0 {
		return nil
	}
	return tx.txn.Set(garbageKey(tx.physDB(db), version), nil)
}
