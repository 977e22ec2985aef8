package engine

import (
	"math"
	"strconv"
)

// Get returns the string value of key, ErrNotFound, or ErrWrongType.
func (tx *Tx) Get(db int, key []byte) ([]byte, error) {
	m, live, _, err := tx.lookup(db, key)
	if err != nil {
		return nil, err
	}
	if !live {
		return nil, ErrNotFound
	}
	if m.typ != TypeString {
		return nil, ErrWrongType
	}
	return m.payload, nil
}

// SetOptions are the options of Redis's SET.
type SetOptions struct {
	ExpireAt int64 // Unix ms; 0 = no expiry
	KeepTTL  bool  // keep the key's current expiry
	NX       bool  // only set if the key does not exist
	XX       bool  // only set if the key exists
	Get      bool  // return the old value; fails with ErrWrongType if it is not a string
}

// SetResult is what SET did.
type SetResult struct {
	Written bool   // the value was stored (NX/XX held)
	Old     []byte // the old value when SetOptions.Get was given
	Existed bool   // the key existed before (as a string, when Get was given)
}

// Set stores value at key with Redis's SET semantics.
func (tx *Tx) Set(db int, key, value []byte, o SetOptions) (SetResult, error) {
	m, live, phys, err := tx.lookup(db, key)
	if err != nil {
		return SetResult{}, err
	}
	var res SetResult
	if live && o.Get {
		if m.typ != TypeString {
			return SetResult{}, ErrWrongType
		}
		res.Old = m.payload
	}
	res.Existed = live
	if o.NX && live || o.XX && !live {
		return res, nil
	}
	expireAt := o.ExpireAt
	if o.KeepTTL && live {
		expireAt = m.expireAt
	}
	if expireAt != 0 && expireAt <= tx.now {
		// Redis refuses a non-positive relative expiry before it gets here; an absolute one in the
		// past (EXAT/PXAT) stores and deletes at once, which leaves the key gone.
		res.Written = true
		if phys {
			return res, tx.remove(db, key, m)
		}
		return res, nil
	}
	res.Written = true
	if phys && m.typ != TypeString {
		if err := tx.dropElements(db, m); err != nil {
			return res, err
		}
	}
	return res, tx.put(db, key, m, phys, TypeString, expireAt, value)
}

// IncrBy adds delta to the integer stored at key (0 when missing) and returns the new value.
func (tx *Tx) IncrBy(db int, key []byte, delta int64) (int64, error) {
	m, live, phys, err := tx.lookup(db, key)
	if err != nil {
		return 0, err
	}
	var cur int64
	expireAt := int64(0)
	if live {
		if m.typ != TypeString {
			return 0, ErrWrongType
		}
		var ok bool
		if cur, ok = ParseInt(m.payload); !ok {
			return 0, ErrNotInteger
		}
		expireAt = m.expireAt
	}
	if delta < 0 && cur < math.MinInt64-delta || delta > 0 && cur > math.MaxInt64-delta {
		return 0, ErrOverflow
	}
	cur += delta
	return cur, tx.put(db, key, m, phys, TypeString, expireAt, strconv.AppendInt(nil, cur, 10))
}

// ParseInt parses b as Redis's string2ll does: an optional '-', digits, no leading zeros, no spaces
// or '+', within int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
