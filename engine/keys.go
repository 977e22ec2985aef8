package engine

import "encoding/binary"

// Key layout. Every Badger key starts with one byte naming its space; see DESIGN.md.
const (
	spaceSystem  byte = '!' // engine bookkeeping: applied index, key counts, version counter
	spaceMeta    byte = 'k' // 'k' db key            -> meta (type, expiry, string value or collection header)
	spaceElement byte = 'e' // 'e' db version tag sub -> element of a hash, list, set or sorted set
	spaceExpiry  byte = 'x' // 'x' db expireAt key    -> empty; index of keys with a TTL, oldest first
	spaceGarbage byte = 'g' // 'g' db version         -> empty; elements of a dropped collection, to delete
)

// Element tags: the sub-space of a collection's elements.
const (
	tagHashField   byte = 'h' // field -> value
	tagListItem    byte = 'l' // sequence (uint64, offset binary) -> value
	tagSetMember   byte = 's' // member -> empty
	tagZSetMember  byte = 'z' // member -> score (8 bytes)
	tagZSetByScore byte = 'Z' // sortable score (8 bytes) member -> empty
)

var (
	keyApplied = []byte{spaceSystem, 'a'}
	keyVersion = []byte{spaceSystem, 'v'}
)

func keyCount(db int) []byte { return []byte{spaceSystem, 'c', byte(db)} }

// maxUserKeyLen is the longest key or collection member the engine stores: Badger refuses keys
// over 65000 bytes, and the longest key built around a user's bytes is an expiry index entry
// (10 bytes more) or an element (11 more). limits.go checks it.
const maxUserKeyLen = 65000 - 11

// metaKey appends the Badger key of a user key to dst.
func metaKey(dst []byte, db int, key []byte) []byte {
	dst = append(dst, spaceMeta, byte(db))
	return append(dst, key...)
}

func metaPrefix(db int) []byte { return []byte{spaceMeta, byte(db)} }

// expiryKey indexes a key by its expiry time so the oldest expiries come first.
func expiryKey(db int, at int64, key []byte) []byte {
	k := make([]byte, 0, 10+len(key))
	k = append(k, spaceExpiry, byte(db))
	k = binary.BigEndian.AppendUint64(k, uint64(at))
	return append(k, key...)
}

func expiryPrefix(db int) []byte { return []byte{spaceExpiry, byte(db)} }

// elementPrefix is the prefix of all elements of one collection version.
func elementPrefix(db int, version uint64) []byte {
	k := make([]byte, 0, 10)
	k = append(k, spaceElement, byte(db))
	return binary.BigEndian.AppendUint64(k, version)
}

func elementDBPrefix(db int) []byte { return []byte{spaceElement, byte(db)} }

func garbageKey(db int, version uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{spaceGarbage, byte(db)}, version)
}

func garbagePrefix(db int) []byte { return []byte{spaceGarbage, byte(db)} }
