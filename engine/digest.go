package engine

import (
	"crypto/sha1"
	"encoding/binary"
	"math"
	"strconv"

	badger "github.com/dgraph-io/badger/v4"
)

// Digests of the keyspace (Redis's DEBUG DIGEST and DEBUG DIGEST-VALUE), to compare replicas.
//
// The algorithm is Redis's (debug.c): a key's digest mixes its name, its type and its value, where
// mixing is order-sensitive (digest = SHA1(digest xor SHA1(data))) and unordered elements (set
// members, hash fields, sorted-set members, and the keys of a database) are combined by xor, so
// neither iteration order nor the physical layout (collection versions, list sequence numbers,
// uncollected garbage, SWAPDB's database map) matters: only the logical content does. For a
// keyspace without TTLs the digest is the one Redis computes for the same data. A key with a TTL
// adds what Redis adds ("!!expire!!") and also its absolute expiry time in Unix ms, so replicas that
// agree on everything but a TTL differ.
//
// Keys that have expired but are not removed yet count: they are removed through Raft, so replicas at
// the same applied index hold the same ones, and the digest does not depend on the reader's clock.

// Digest is a 20-byte SHA-1 based digest; the zero value is the digest of an empty keyspace.
type Digest [20]byte

// Redis's object type numbers, which its digest mixes in.
func redisTypeNumber(t Type) uint32 {
	switch t {
	case TypeList:
		return 1
	case TypeSet:
		return 2
	case TypeZSet:
		return 3
	case TypeHash:
		return 4
	}
	return 0 // string
}

// xor sets d to d xor SHA1(data).
func (d *Digest) xor(data []byte) {
	h := sha1.Sum(data)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix sets d to SHA1(d xor SHA1(data)).
func (d *Digest) mix(data []byte) {
	d.xor(data)
	*d = sha1.Sum(d[:])
}

// KeyspaceDigest is the digest of every key of every database, and the applied index of the state
// it was computed from (read in the same transaction).
type KeyspaceDigest struct {
	Sum     Digest
	Applied uint64
}

// Digest computes the digest of the whole keyspace, all databases, from one read transaction. It is
// O(keys + elements).
func (d *DB) Digest() (KeyspaceDigest, error) {
	var out KeyspaceDigest
	err := d.View(func(tx *Tx) error {
		var err error
		if out.Applied, err = getUint64(tx.txn, keyApplied); err != nil {
			return err
		}
		out.Sum, err = tx.digest()
		return err
	})
	return out, err
}

func (tx *Tx) digest() (Digest, error) {
	var final Digest
	for db := 0; db < tx.db.opts.Databases; db++ {
		p := metaPrefix(tx.physDB(db))
		it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true, PrefetchSize: 256})
		first := true
		var err error
		for it.Rewind(); it.Valid(); it.Next() {
			if first {
				// The database number goes in before its keys, so the same data in another
				// database gives another digest; empty databases leave no trace.
				var aux [4]byte
				binary.BigEndian.PutUint32(aux[:], uint32(db))
				final.mix(aux[:])
				first = false
			}
			item := it.Item()
			key := item.KeyCopy(nil)[len(p):]
			var m meta
			if err = item.Value(func(v []byte) error {
				var derr error
				m, derr = decodeMeta(append([]byte(nil), v...))
				return derr
			}); err != nil {
				break
			}
			var kd Digest
			kd.mix(key)
			if err = tx.valueDigest(db, m, &kd); err != nil {
				break
			}
			final.xor(kd[:])
		}
		it.Close()
		if err != nil {
			return Digest{}, err
		}
	}
	return final, nil
}

// DigestValue returns the digest of key's value as DEBUG DIGEST-VALUE computes it (type, value and
// expiry, not the name), or the zero digest when the key does not exist at the Tx's time.
func (tx *Tx) DigestValue(db int, key []byte) (Digest, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil || !live {
		return Digest{}, err
	}
	var d Digest
	err = tx.valueDigest(db, m, &d)
	return d, err
}

// valueDigest mixes the type, value and expiry of a key of logical database db into d, as Redis's
// xorObjectDigest does.
func (tx *Tx) valueDigest(db int, m meta, d *Digest) error {
	var aux [4]byte
	binary.BigEndian.PutUint32(aux[:], redisTypeNumber(m.typ))
	d.mix(aux[:])
	if m.typ == TypeString {
		d.mix(m.payload)
	} else {
		h, err := decodeHeader(m.typ, m.payload)
		if err != nil {
			return err
		}
		c := &Collection{db: db, typ: m.typ, hdr: h}
		var scan func(sub, val []byte) (bool, error)
		tag := tagHashField
		switch m.typ {
		case TypeList:
			// In order: a list's digest depends on the order of its elements.
			tag = tagListItem
			scan = func(_, val []byte) (bool, error) { d.mix(val); return true, nil }
		case TypeSet:
			tag = tagSetMember
			scan = func(sub, _ []byte) (bool, error) { d.xor(sub); return true, nil }
		case TypeHash:
			scan = func(sub, val []byte) (bool, error) {
				var e Digest
				e.mix(sub)
				e.mix(val)
				d.xor(e[:])
				return true, nil
			}
		case TypeZSet:
			tag = tagZSetMember
			var buf []byte
			scan = func(sub, val []byte) (bool, error) {
				score, err := decodeScore(val)
				if err != nil {
					return false, err
				}
				var e Digest
				e.mix(sub)
				buf = appendDigestScore(buf[:0], score)
				e.mix(buf)
				d.xor(e[:])
				return true, nil
			}
		}
		if err := tx.ScanElements(c, tag, nil, nil, false, scan); err != nil {
			return err
		}
	}
	if m.expireAt != 0 {
		d.xor([]byte("!!expire!!"))
		d.mix(strconv.AppendInt(nil, m.expireAt, 10))
	}
	return nil
}

// appendDigestScore formats a score as Redis's digest does: printf's "%.17g".
func appendDigestScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
