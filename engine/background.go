package engine

import (
	"bytes"
	"errors"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// The engine's own housekeeping, run by one goroutine from Open to Close: deleting the elements of
// dropped collections, and Badger's value-log garbage collection, which Badger never runs itself.

const (
	gcBatch       = 2000 // element deletions per transaction: keeps the write lock short
	gcIdleWait    = 200 * time.Millisecond
	vlogGCEvery   = 5 * time.Minute
	vlogGCDiscard = 0.5
)

func (d *DB) background() {
	defer close(d.bgDone)
	lastVlogGC := time.Now()
	for {
		n, err := d.CollectGarbage(gcBatch)
		if err != nil && !errors.Is(err, badger.ErrDBClosed) {
			d.opts.Logger.Warn("engine: collecting dropped collections", "err", err)
		}
		wait := gcIdleWait
		if n > 0 {
			wait = 0 // more to do: continue after letting writers in
		}
		if time.Since(lastVlogGC) > vlogGCEvery && !d.opts.InMemory {
			for d.bdb.RunValueLogGC(vlogGCDiscard) == nil {
			}
			lastVlogGC = time.Now()
		}
		select {
		case <-d.bgStop:
			return
		case <-time.After(wait):
		}
	}
}

// CollectGarbage deletes up to limit elements of dropped collections and returns how many it
// deleted. Elements of a dropped collection are invisible already; this only reclaims space. It
// runs in the background on its own; call it directly to reclaim at once (e.g. in tests).
func (d *DB) CollectGarbage(limit int) (int, error) {
	tx := d.Begin(0, true)
	defer tx.Discard()
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceGarbage}})
	var versions [][]byte
	for it.Seek([]byte{spaceGarbage}); it.ValidForPrefix([]byte{spaceGarbage}) && len(versions) < 64; it.Next() {
		versions = append(versions, it.Item().KeyCopy(nil))
	}
	it.Close()
	deleted := 0
	for _, g := range versions {
		// 'g' db version -> elements 'e' db version ...
		p := append([]byte{spaceElement}, g[1:]...)
		eit := tx.txn.NewIterator(badger.IteratorOptions{Prefix: p})
		var keys [][]byte
		for eit.Seek(p); eit.ValidForPrefix(p) && deleted+len(keys) < limit; eit.Next() {
			keys = append(keys, eit.Item().KeyCopy(nil))
		}
		done := !eit.ValidForPrefix(p)
		eit.Close()
		for _, k := range keys {
			if err := tx.txn.Delete(k); err != nil {
				return deleted, err
			}
		}
		deleted += len(keys)
		if done {
			if err := tx.txn.Delete(g); err != nil {
				return deleted, err
			}
		}
		if deleted >= limit {
			break
		}
	}
	if len(versions) == 0 {
		return 0, nil
	}
	return deleted, tx.Commit()
}

// garbageVersions reports how many dropped collections still await collection (for tests and INFO).
func (d *DB) garbageVersions() int {
	n := 0
	_ = d.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceGarbage}})
		defer it.Close()
		for it.Seek([]byte{spaceGarbage}); it.ValidForPrefix([]byte{spaceGarbage}); it.Next() {
			if !bytes.HasPrefix(it.Item().Key(), []byte{spaceGarbage}) {
				break
			}
			n++
		}
		return nil
	})
	return n
}
