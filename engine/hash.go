package engine

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// Hashes are collections of type TypeHash: each field is an element under tagHashField whose
// sub-key is the field and whose value is the field's value (DESIGN.md). HLEN is the header's
// count; HGET, HEXISTS and HSTRLEN are one point read whatever the size of the hash.
//
// Order: fields come back in byte order of their names. Redis lists a small hash (a listpack: at
// most 128 fields, none longer than 64 bytes) in insertion order and a large one in its hash
// table's order; README lists this among the known differences.

// FieldValue is one field of a hash and its value.
type FieldValue struct {
	Field, Value []byte
}

var errOddPairs = errors.New("engine: field without a value")

// hashMaxScanWhole is the size up to which HSCAN returns a whole hash in one call, as Redis does for
// a hash in a listpack.
const hashMaxScanWhole = listpackMaxEntries

// HSet sets the fields of key's hash from pairs (field, value, field, value...) and returns how
// many fields were new. The hash is created when missing.
func (tx *Tx) HSet(db int, key []byte, pairs [][]byte) (int64, error) {
	if len(pairs)%2 != 0 {
		return 0, errOddPairs
	}
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return 0, err
	}
	if err := checkKeys(pairs, 2); err != nil {
		return 0, err
	}
	if err := tx.checkValues(pairs[1:], 2); err != nil {
		return 0, err
	}
	added := int64(0)
	for i := 0; i < len(pairs); i += 2 {
		exists, err := tx.elementExists(c, tagHashField, pairs[i])
		if err != nil {
			return 0, err
		}
		if !exists {
			added++
			c.AddLen(1)
		}
		if err := tx.PutElement(c, tagHashField, pairs[i], pairs[i+1]); err != nil {
			return 0, err
		}
	}
	return added, tx.SaveCollection(c)
}

// HSetNX sets field to value only when the hash does not have it, and reports whether it did.
func (tx *Tx) HSetNX(db int, key, field, value []byte) (bool, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return false, err
	}
	exists, err := tx.elementExists(c, tagHashField, field)
	if err != nil || exists {
		return false, err
	}
	if err := tx.PutElement(c, tagHashField, field, value); err != nil {
		return false, err
	}
	c.AddLen(1)
	return true, tx.SaveCollection(c)
}

// HGet returns the value of field; found is false when the field or the key does not exist.
func (tx *Tx) HGet(db int, key, field []byte) (val []byte, found bool, err error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return nil, false, err
	}
	return tx.GetElement(c, tagHashField, field)
}

// HMGet returns the values of fields, nil for a field (or key) that does not exist.
func (tx *Tx) HMGet(db int, key []byte, fields [][]byte) ([][]byte, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(fields))
	for i, f := range fields {
		v, found, err := tx.GetElement(c, tagHashField, f)
		if err != nil {
			return nil, err
		}
		if found {
			out[i] = v
		}
	}
	return out, nil
}

// HDel removes fields and returns how many existed. A hash left empty is deleted.
func (tx *Tx) HDel(db int, key []byte, fields [][]byte) (int64, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil || !c.Exists() {
		return 0, err
	}
	n := int64(0)
	for _, f := range fields {
		exists, err := tx.elementExists(c, tagHashField, f)
		if err != nil {
			return 0, err
		}
		if !exists {
			continue
		}
		if err := tx.DeleteElement(c, tagHashField, f); err != nil {
			return 0, err
		}
		c.AddLen(-1)
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, tx.SaveCollection(c)
}

// HLen returns the number of fields of key's hash (0 when missing): the header's count.
func (tx *Tx) HLen(db int, key []byte) (int64, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return 0, err
	}
	return c.Len(), nil
}

// HExists reports whether the hash has field.
func (tx *Tx) HExists(db int, key, field []byte) (bool, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return false, err
	}
	return tx.elementExists(c, tagHashField, field)
}

// HStrLen returns the length of field's value, 0 when it does not exist.
func (tx *Tx) HStrLen(db int, key, field []byte) (int64, error) {
	v, _, err := tx.HGet(db, key, field)
	return int64(len(v)), err
}

// HGetAll returns every field of key's hash with its value, in field order. With values false the
// values are not read (HKEYS).
func (tx *Tx) HGetAll(db int, key []byte, values bool) ([]FieldValue, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil || !c.Exists() {
		return nil, err
	}
	out := make([]FieldValue, 0, min(c.Len(), 1<<16))
	err = tx.elementsAfter(c, tagHashField, nil, values, func(sub, val []byte) (bool, error) {
		fv := FieldValue{Field: bytes.Clone(sub)}
		if values {
			fv.Value = bytes.Clone(val)
			if fv.Value == nil {
				fv.Value = []byte{}
			}
		}
		out = append(out, fv)
		return true, nil
	})
	return out, err
}

// HIncrBy adds delta to the integer value of field (0 when missing) and returns the result. A value
// that is not an integer gives ErrHashNotInteger; a result out of int64, ErrOverflow.
func (tx *Tx) HIncrBy(db int, key, field []byte, delta int64) (int64, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return 0, err
	}
	old, found, err := tx.GetElement(c, tagHashField, field)
	if err != nil {
		return 0, err
	}
	cur := int64(0)
	if found {
		var ok bool
		if cur, ok = ParseInt(old); !ok {
			return 0, ErrHashNotInteger
		}
	}
	if delta < 0 && cur < 0 && delta < math.MinInt64-cur || delta > 0 && cur > 0 && delta > math.MaxInt64-cur {
		return 0, ErrOverflow
	}
	cur += delta
	if err := tx.PutElement(c, tagHashField, field, strconv.AppendInt(nil, cur, 10)); err != nil {
		return 0, err
	}
	if !found {
		c.AddLen(1)
	}
	return cur, tx.SaveCollection(c)
}

// HIncrByFloat adds incr to the value of field (0 when missing) in long double arithmetic, as Redis
// does, stores the result as Redis prints it and returns that text. A value that is not a float
// gives ErrHashNotFloat; an infinite result, ErrNaNOrInf.
func (tx *Tx) HIncrByFloat(db int, key, field []byte, incr LongDouble) ([]byte, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil {
		return nil, err
	}
	old, found, err := tx.GetElement(c, tagHashField, field)
	if err != nil {
		return nil, err
	}
	var cur LongDouble
	if found {
		var ok bool
		if cur, ok = ParseLongDouble(old); !ok {
			return nil, ErrHashNotFloat
		}
	}
	sum, ok := cur.Add(incr)
	if !ok {
		return nil, ErrNaNOrInf
	}
	text := sum.AppendHuman(nil)
	if err := tx.PutElement(c, tagHashField, field, text); err != nil {
		return nil, err
	}
	if !found {
		c.AddLen(1)
	}
	return text, tx.SaveCollection(c)
}

// HRandField returns random fields of key's hash (with their values when values is set), as
// HRANDFIELD with a count does: count >= 0 asks for min(count, HLEN) distinct fields, in field order
// when that is the whole hash; count < 0 for -count fields that may repeat. randN(n) must return a
// random number in [0, n). A missing key gives none.
func (tx *Tx) HRandField(db int, key []byte, count int64, values bool, randN func(uint64) uint64) ([]FieldValue, error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil || !c.Exists() || count == 0 {
		return nil, err
	}
	if count >= c.Len() {
		return tx.HGetAll(db, key, values)
	}
	picked, err := tx.randomElements(c, tagHashField, count, values, randN)
	if err != nil {
		return nil, err
	}
	out := make([]FieldValue, len(picked))
	for i, p := range picked {
		out[i] = FieldValue{Field: p.sub, Value: p.val}
	}
	return out, nil
}

// HScan returns the fields of key's hash that follow the field after (nil: from the first), up to
// count of them examined, with their values (match, when not nil, filters the fields examined). last
// is the last field examined when more may follow, nil when the scan is complete. A hash of at most
// 128 fields is returned whole by a scan from the start, as Redis returns a listpack.
func (tx *Tx) HScan(db int, key, after []byte, count int, match func(field []byte) bool) (out []FieldValue, last []byte, err error) {
	c, err := tx.Collection(db, key, TypeHash)
	if err != nil || !c.Exists() {
		return nil, nil, err
	}
	if after == nil && c.Len() <= hashMaxScanWhole {
		count = int(c.Len()) + 1
	}
	last, err = tx.scanFrom(c, tagHashField, after, count, true, func(sub, val []byte) {
		if match == nil || match(sub) {
			out = append(out, FieldValue{Field: bytes.Clone(sub), Value: append([]byte{}, val...)})
		}
	})
	return out, last, err
}

// scanFrom visits up to count elements of c under tag after the sub-key after (nil: from the first)
// and returns the last one visited when more follow, nil when none does.
func (tx *Tx) scanFrom(c *Collection, tag byte, after []byte, count int, values bool, fn func(sub, val []byte)) ([]byte, error) {
	var last []byte
	n, more := 0, false
	err := tx.elementsAfter(c, tag, after, values, func(sub, val []byte) (bool, error) {
		if n == count {
			more = true // the scan goes on from last
			return false, nil
		}
		n++
		fn(sub, val)
		last = append(last[:0], sub...)
		return true, nil
	})
	if err != nil || !more {
		return nil, err
	}
	return last, nil
}
