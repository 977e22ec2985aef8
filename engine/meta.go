package engine

import (
	"encoding/binary"
	"fmt"
)

// Type is the Redis type of a key.
type Type byte

// The Redis types. TypeNone means the key does not exist.
const (
	TypeNone   Type = 0
	TypeString Type = 's'
	TypeHash   Type = 'h'
	TypeList   Type = 'l'
	TypeSet    Type = 'S'
	TypeZSet   Type = 'z'
)

// String returns the name Redis's TYPE command uses.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeHash:
		return "hash"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	}
	return "none"
}

// metaHeaderLen is the fixed part of a meta value: type byte + expireAt (ms, 0 = none).
const metaHeaderLen = 9

// meta is the decoded value of a meta key. For strings, payload is the value itself;
// for collections it starts with the version that names the collection's elements.
type meta struct {
	typ      Type
	expireAt int64
	payload  []byte
}

func decodeMeta(v []byte) (meta, error) {
	if len(v) < metaHeaderLen {
		return meta{}, fmt.Errorf("engine: corrupt meta value of %d bytes", len(v))
	}
	return meta{
		typ:      Type(v[0]),
		expireAt: int64(binary.BigEndian.Uint64(v[1:metaHeaderLen])),
		payload:  v[metaHeaderLen:],
	}, nil
}

func encodeMeta(typ Type, expireAt int64, payload []byte) []byte {
	v := make([]byte, metaHeaderLen, metaHeaderLen+len(payload))
	v[0] = byte(typ)
	binary.BigEndian.PutUint64(v[1:], uint64(expireAt))
	return append(v, payload...)
}

// expired reports whether a key with this expiry is gone at time now (ms).
func expired(expireAt, now int64) bool { return expireAt != 0 && expireAt <= now }
