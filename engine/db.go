package engine

import (
	"bytes"
	"errors"

	badger "github.com/dgraph-io/badger/v4"
)

// Get returns the string value of key in database db, at the engine's clock.
func (d *DB) Get(db int, key []byte) ([]byte, error) {
	var v []byte
	err := d.View(func(tx *Tx) error {
		var err error
		v, err = tx.Get(db, key)
		return err
	})
	return v, err
}

// MGet returns the values of keys; a missing key or one that is not a string gives nil.
func (d *DB) MGet(db int, keys [][]byte) ([][]byte, error) {
	var vals [][]byte
	err := d.View(func(tx *Tx) error {
		var err error
		vals, err = tx.MGet(db, keys)
		return err
	})
	return vals, err
}

// MGet returns the values of keys; a missing key or one that is not a string gives nil.
func (tx *Tx) MGet(db int, keys [][]byte) ([][]byte, error) {
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := tx.Get(db, k)
		switch {
		case err == nil:
			vals[i] = v
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrWrongType):
		default:
			return nil, err
		}
	}
	return vals, nil
}

// Set stores a string value with an optional expiry (Unix ms, 0 = none) in its own transaction.
func (d *DB) Set(db int, key, value []byte, expireAt int64) error {
	return d.Update(func(tx *Tx) error {
		_, err := tx.Set(db, key, value, SetOptions{ExpireAt: expireAt})
		return err
	})
}

// MSet stores several key/value pairs atomically.
func (d *DB) MSet(db int, pairs map[string][]byte) error {
	return d.Update(func(tx *Tx) error {
		for k, v := range pairs {
			if _, err := tx.Set(db, []byte(k), v, SetOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes keys and returns how many existed.
func (d *DB) Delete(db int, keys ...[]byte) (int, error) {
	n := 0
	err := d.Update(func(tx *Tx) error {
		for _, k := range keys {
			ok, err := tx.Delete(db, k)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Keys calls fn for every live key of database db that starts with prefix, in key order, until fn
// returns false.
func (d *DB) Keys(db int, prefix []byte, fn func(key []byte, t Type) bool) error {
	return d.View(func(tx *Tx) error { return tx.Keys(db, prefix, fn) })
}

// Keys calls fn for every live key of database db that starts with prefix, in key order, until fn
// returns false. The key slice is only valid during the call.
func (tx *Tx) Keys(db int, prefix []byte, fn func(key []byte, t Type) bool) error {
	if err := tx.db.checkDB(db); err != nil {
		return err
	}
	p := metaKey(nil, tx.physDB(db), prefix)
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	defer it.Close()
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		var m meta
		err := item.Value(func(v []byte) error {
			var err error
			m, err = decodeMeta(v)
			return err
		})
		if err != nil {
			return err
		}
		if expired(m.expireAt, tx.now) {
			continue
		}
		if !fn(bytes.TrimPrefix(item.Key(), p[:2]), m.typ) {
			return nil
		}
	}
	return nil
}

// Expires returns the number of keys in database db that have an expiry (as INFO's keyspace
// section reports), counting the engine's expiry index.
func (d *DB) Expires(db int) (int64, error) {
	if err := d.checkDB(db); err != nil {
		return 0, err
	}
	txn, m := d.newTxn(false)
	defer txn.Discard()
	p := expiryPrefix(int(m[db]))
	it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	n := int64(0)
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		n++
	}
	return n, nil
}
