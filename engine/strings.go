package engine

import (
	"errors"
	"math"
	"strconv"

	badger "github.com/dgraph-io/badger/v4"
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

// GetFunc calls fn with the string value of key, or returns ErrNotFound or ErrWrongType without
// calling it. The value is Badger's buffer, valid only during fn: fn must copy what it keeps. It is
// Get without Get's copy of the value, for a caller that writes the value out at once (GET's reply).
func (tx *Tx) GetFunc(db int, key []byte, fn func(v []byte)) error {
	if err := tx.db.checkDB(db); err != nil {
		return err
	}
	tx.buf = metaKey(tx.buf[:0], tx.physDB(db), key)
	cache := tx.db.cache
	if cache != nil && tx.Current() {
		if v, expireAt, ok := cache.get(tx.buf); ok {
			live := !expired(expireAt, tx.now)
			tx.countLookup(live)
			if !live {
				return ErrNotFound
			}
			fn(v)
			return nil
		}
	} else {
		cache = nil // a write Tx, or one that no longer sees what the cache holds
	}
	item, err := tx.txn.Get(tx.buf)
	if err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			tx.countLookup(false)
			return ErrNotFound
		}
		return err
	}
	return item.Value(func(v []byte) error {
		m, err := decodeMeta(v)
		if err != nil {
			return err
		}
		live := !expired(m.expireAt, tx.now)
		tx.countLookup(live)
		switch {
		case !live:
			return ErrNotFound
		case m.typ != TypeString:
			return ErrWrongType
		}
		fn(m.payload)
		if cache != nil {
			cache.put(tx, tx.buf, m.payload, m.expireAt)
		}
		return nil
	})
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
	m, live, phys, err := tx.lookupMeta(db, key, o.Get)
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
	if err := tx.checkPut(key, len(value)); err != nil {
		return SetResult{}, err
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
// The key keeps its expiry.
func (tx *Tx) IncrBy(db int, key []byte, delta int64) (int64, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return 0, err
	}
	var cur int64
	if k.live {
		var ok bool
		if cur, ok = ParseInt(val); !ok {
			return 0, ErrNotInteger
		}
	}
	if delta < 0 && cur < math.MinInt64-delta || delta > 0 && cur > math.MaxInt64-delta {
		return 0, ErrOverflow
	}
	cur += delta
	return cur, tx.putString(db, key, k, strconv.AppendInt(nil, cur, 10), true)
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

// strKey is what a read-modify-write of a string found: the meta as stored (phys says whether it is
// on disk at all) and whether it is live.
type strKey struct {
	m          meta
	live, phys bool
}

// lookupString looks key up for a read-modify-write of a string: val is its value, nil when the key
// does not exist; a live key of another type is ErrWrongType.
func (tx *Tx) lookupString(db int, key []byte) (strKey, []byte, error) {
	m, live, phys, err := tx.lookup(db, key)
	if err != nil {
		return strKey{}, nil, err
	}
	if !live {
		return strKey{m: m, phys: phys}, nil, nil
	}
	if m.typ != TypeString {
		return strKey{}, nil, ErrWrongType
	}
	return strKey{m: m, live: true, phys: phys}, m.payload, nil
}

// putString stores value as key's string. keepTTL keeps the expiry of a live key (a write that
// modifies a string, like APPEND); otherwise the key has none (a write that replaces it). An
// expired collection left on disk has its elements dropped.
func (tx *Tx) putString(db int, key []byte, k strKey, value []byte, keepTTL bool) error {
	if err := tx.checkPut(key, len(value)); err != nil {
		return err // before the elements are dropped
	}
	if k.phys && k.m.typ != TypeString {
		if err := tx.dropElements(db, k.m); err != nil {
			return err
		}
	}
	at := int64(0)
	if keepTTL && k.live {
		at = k.m.expireAt
	}
	return tx.put(db, key, k.m, k.phys, TypeString, at, value)
}

// GetDel returns the string value of key and deletes the key: ErrNotFound when it does not exist.
func (tx *Tx) GetDel(db int, key []byte) ([]byte, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return nil, err
	}
	if !k.live {
		return nil, ErrNotFound
	}
	return val, tx.remove(db, key, k.m)
}

// MSetNX sets every key to its value (pairs holds key, value, key, value...) only if none of the
// keys exists, and reports whether it did.
func (tx *Tx) MSetNX(db int, pairs [][]byte) (bool, error) {
	for i := 0; i+1 < len(pairs); i += 2 {
		_, live, _, err := tx.lookup(db, pairs[i])
		if err != nil || live {
			return false, err
		}
	}
	if err := tx.checkPairs(pairs); err != nil {
		return false, err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, err := tx.Set(db, pairs[i], pairs[i+1], SetOptions{}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Append appends value to the string at key (created when missing) and returns the new length.
// A result longer than maxLen is ErrStringTooLong; the key keeps its expiry.
func (tx *Tx) Append(db int, key, value []byte, maxLen int64) (int64, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return 0, err
	}
	if !k.live {
		// Redis stores the argument as it is: it is a bulk, so within the limit already.
		return int64(len(value)), tx.putString(db, key, k, value, false)
	}
	if !withinLength(int64(len(val)), int64(len(value)), maxLen) {
		return 0, ErrStringTooLong
	}
	nv := make([]byte, 0, len(val)+len(value))
	nv = append(append(nv, val...), value...)
	return int64(len(nv)), tx.putString(db, key, k, nv, true)
}

// withinLength reports whether size+add fits in maxLen, as Redis's checkStringLength does
// (overflow included).
func withinLength(size, add, maxLen int64) bool {
	total := int64(uint64(size) + uint64(add))
	return total <= maxLen && total >= size && total >= add
}

// SetRange overwrites the string at key from offset with value, padding with zero bytes, and
// returns the new length, as SETRANGE does: an empty value changes nothing (and creates no key);
// offset+len(value) beyond maxLen is ErrStringTooLong. The key keeps its expiry. offset must not be
// negative.
func (tx *Tx) SetRange(db int, key []byte, offset int64, value []byte, maxLen int64) (int64, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return 0, err
	}
	if len(value) == 0 {
		return int64(len(val)), nil
	}
	if !withinLength(offset, int64(len(value)), maxLen) {
		return 0, ErrStringTooLong
	}
	nv := growZero(val, int(offset)+len(value))
	copy(nv[offset:], value)
	return int64(len(nv)), tx.putString(db, key, k, nv, true)
}

// growZero returns a copy of b at least n bytes long, zero-padded.
func growZero(b []byte, n int) []byte {
	out := make([]byte, max(n, len(b)))
	copy(out, b)
	return out
}

// GetRange returns the bytes of s from start to end, both inclusive, as GETRANGE does: negative
// indexes count from the end, the range is clamped to the string, and two negative indexes with
// start after end give nothing.
func GetRange(s []byte, start, end int64) []byte {
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		return s[:0]
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return s[:0]
	}
	return s[start : end+1]
}

// IncrByFloat adds incr to the number stored at key (0 when missing) in long double arithmetic and
// stores and returns the result as Redis formats it (see LongDouble.AppendHuman). A nil incr stands
// for an increment that did not parse: it fails with ErrNotFloat, after the type check and the
// check of the stored value, as in Redis. The key keeps its expiry.
func (tx *Tx) IncrByFloat(db int, key []byte, incr *LongDouble) ([]byte, error) {
	k, val, err := tx.lookupString(db, key)
	if err != nil {
		return nil, err
	}
	var cur LongDouble
	if k.live {
		var ok bool
		if cur, ok = ParseLongDouble(val); !ok {
			return nil, ErrNotFloat
		}
	}
	if incr == nil {
		return nil, ErrNotFloat
	}
	sum, ok := cur.Add(*incr)
	if !ok {
		return nil, ErrNaNOrInf
	}
	out := sum.AppendHuman(nil)
	return out, tx.putString(db, key, k, out, true)
}

// MSet sets every key to its value (pairs holds key, value, key, value...), as MSET does: all of
// them, or none when one cannot be stored.
func (tx *Tx) MSet(db int, pairs [][]byte) error {
	if err := tx.checkPairs(pairs); err != nil {
		return err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, err := tx.Set(db, pairs[i], pairs[i+1], SetOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// checkPairs checks the keys and string values of MSET and MSETNX.
func (tx *Tx) checkPairs(pairs [][]byte) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := tx.checkPut(pairs[i], len(pairs[i+1])); err != nil {
			return err
		}
	}
	return nil
}
