package engine

import (
	"bytes"

	badger "github.com/dgraph-io/badger/v4"
)

// System records are small named values the layers above keep with the data, so that they are
// written through the same log, replicated and snapshotted like it (raftfsm keeps the cluster's
// member directory here). They live in the system space under '!' 'r' name, apart from the user
// databases: FLUSHALL does not touch them, a snapshot restore replaces them.

func recordKey(name []byte) []byte { return append([]byte{spaceSystem, 'r'}, name...) }

// PutRecord stores value under name in the write transaction tx.
func (tx *Tx) PutRecord(name, value []byte) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	return tx.txn.Set(recordKey(name), append([]byte(nil), value...))
}

// DeleteRecord removes the record name, if there is one.
func (tx *Tx) DeleteRecord(name []byte) error {
	if !tx.write {
		return ErrReadOnlyTx
	}
	return tx.txn.Delete(recordKey(name))
}

// Records calls fn with every record whose name starts with prefix, in name order, as committed now.
// The slices are only valid during the call.
func (d *DB) Records(prefix []byte, fn func(name, value []byte)) error {
	return d.bdb.View(func(txn *badger.Txn) error {
		p := recordKey(prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
		defer it.Close()
		for it.Seek(p); it.ValidForPrefix(p); it.Next() {
			item := it.Item()
			name := bytes.TrimPrefix(item.Key(), []byte{spaceSystem, 'r'})
			if err := item.Value(func(v []byte) error { fn(name, v); return nil }); err != nil {
				return err
			}
		}
		return nil
	})
}
