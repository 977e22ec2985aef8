// Package engine is flin-resp's storage engine: Redis's data model (databases, typed keys, millisecond
// expiry) on top of BadgerDB. It can be used on its own as an embedded library; see the example.
//
// All writes go through a Tx (Update, or Begin/Commit for callers that batch), which is serialised:
// the engine has a single writer. Reads run concurrently on Badger snapshots.
package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
)

// inMemoryValueLimit is the value threshold, and so the largest value, of an in-memory engine:
// Badger's maximum (1 MB), or less when a small memtable makes its largest transaction smaller.
func inMemoryValueLimit(memTableSize int64) int64 {
	return min(1<<20, memTableSize*15/100-1)
}

// ErrTxnTooBig is returned by a write when the transaction has grown past Badger's limit; the caller
// may commit what it has and continue in a new transaction.
var ErrTxnTooBig = badger.ErrTxnTooBig

// DB is an open engine.
type DB struct {
	bdb  *badger.DB
	opts Options

	writeMu sync.Mutex     // held by the one open write Tx
	counts  []atomic.Int64 // keys per database, including expired keys not yet removed
	version uint64         // last collection version handed out; guarded by writeMu
	applied atomic.Uint64  // last applied index recorded by SetApplied

	observer atomic.Pointer[func([]Touched)] // told of the keys each commit changed

	dbmap  atomic.Pointer[dbMap] // logical -> physical database (SWAPDB); see keyspace.go
	mapGen atomic.Uint64         // odd while a changed dbmap commits

	bgStop   chan struct{} // closed by Close to stop the housekeeping goroutine
	bgDone   chan struct{} // closed when it has stopped
	stopOnce sync.Once
}

// Open opens (or creates) the engine described by opts.
func Open(opts Options) (*DB, error) {
	if opts.Databases <= 0 || opts.Databases > 256 {
		return nil, fmt.Errorf("engine: databases must be 1..256, got %d", opts.Databases)
	}
	bo := badger.DefaultOptions(opts.Dir).
		WithInMemory(opts.InMemory).
		WithSyncWrites(opts.SyncWrites).
		WithMemTableSize(opts.MemTableSize).
		WithBlockCacheSize(opts.BlockCacheSize).
		WithValueThreshold(opts.ValueThreshold).
		WithDetectConflicts(false). // single writer
		WithNumVersionsToKeep(1).
		WithLogger(badgerLogger{opts.Logger})
	if opts.InMemory {
		// In memory Badger has no value log: every value must stay under the threshold, whose maximum
		// is 1 MB. Values that large are refused with ErrValueTooLarge.
		bo.Dir, bo.ValueDir = "", ""
		bo = bo.WithValueThreshold(inMemoryValueLimit(opts.MemTableSize))
	}
	bdb, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("engine: open badger: %w", err)
	}
	d := &DB{bdb: bdb, opts: opts, counts: make([]atomic.Int64, opts.Databases)}
	if err := d.loadSystem(); err != nil {
		bdb.Close()
		return nil, err
	}
	d.bgStop, d.bgDone = make(chan struct{}), make(chan struct{})
	go d.background()
	return d, nil
}

func (d *DB) loadSystem() error {
	return d.bdb.View(func(txn *badger.Txn) error {
		v, err := getUint64(txn, keyApplied)
		if err != nil {
			return err
		}
		d.applied.Store(v)
		if d.version, err = getUint64(txn, keyVersion); err != nil {
			return err
		}
		for i := range d.counts {
			n, err := getUint64(txn, keyCount(i))
			if err != nil {
				return err
			}
			d.counts[i].Store(int64(n))
		}
		return d.loadDBMap(txn)
	})
}

func getUint64(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("engine: corrupt counter %q", key)
		}
		n = binary.BigEndian.Uint64(v)
		return nil
	})
	return n, err
}

// Touched names a key a commit changed (written, deleted, expired), or a whole database that was
// flushed.
type Touched struct {
	DB      int
	Key     []byte
	Flushed bool // every key of DB is gone; Key is nil
}

// OnCommit sets fn to be called after every commit that changed keys, with those keys, on the
// committing goroutine (for the FSM: in log order). fn must be quick and must not write to the
// engine. It serves WATCH and blocked clients. A nil fn removes the observer.
func (d *DB) OnCommit(fn func([]Touched)) {
	if fn == nil {
		d.observer.Store(nil)
		return
	}
	d.observer.Store(&fn)
}

func (d *DB) notify(touched []Touched) {
	if len(touched) == 0 {
		return
	}
	if fn := d.observer.Load(); fn != nil {
		(*fn)(touched)
	}
}

// Close stops the housekeeping, flushes and closes the engine.
func (d *DB) Close() error {
	d.stopOnce.Do(func() { close(d.bgStop) })
	<-d.bgDone
	return d.bdb.Close()
}

// Databases returns the number of logical databases.
func (d *DB) Databases() int { return d.opts.Databases }

// Applied returns the last index recorded with Tx.SetApplied.
func (d *DB) Applied() uint64 { return d.applied.Load() }

// DBSize returns the number of keys in database db, counting expired keys not yet removed (as Redis does).
func (d *DB) DBSize(db int) int64 {
	if db < 0 || db >= len(d.counts) {
		return 0
	}
	return d.counts[d.dbmap.Load()[db]].Load()
}

// Size returns the bytes Badger uses on disk: LSM tree and value log.
func (d *DB) Size() (lsm, vlog int64) { return d.bdb.Size() }

func (d *DB) nowMillis() int64 { return d.opts.Clock().UnixMilli() }

func (d *DB) checkDB(db int) error {
	if db < 0 || db >= d.opts.Databases {
		return ErrBadDB
	}
	return nil
}

// Begin starts a transaction at time now (Unix ms), which decides what has expired. A write
// transaction holds the engine's single write lock until Commit or Discard.
func (d *DB) Begin(now int64, write bool) *Tx {
	tx := &Tx{db: d, now: now, write: write}
	if write {
		d.writeMu.Lock()
		tx.version = d.version
	}
	tx.txn, tx.dbmap = d.newTxn(write)
	return tx
}

// Update runs fn in a write transaction at the current time and commits it if fn returns nil.
func (d *DB) Update(fn func(tx *Tx) error) error {
	tx := d.Begin(d.nowMillis(), true)
	if err := fn(tx); err != nil {
		tx.Discard()
		return err
	}
	return tx.Commit()
}

// View runs fn in a read-only transaction at the current time.
func (d *DB) View(fn func(tx *Tx) error) error {
	tx := d.Begin(d.nowMillis(), false)
	defer tx.Discard()
	return fn(tx)
}

// FlushDB removes every key of database db. It must not run while a write Tx is open by the same
// goroutine. Unlike a Tx it is not atomic with other writes, but it is idempotent; applied, when not
// zero, is recorded after the data is gone.
func (d *DB) FlushDB(db int, applied uint64) error {
	if err := d.checkDB(db); err != nil {
		return err
	}
	return d.flush([]int{db}, applied)
}

// FlushAll removes every key of every database; see FlushDB.
func (d *DB) FlushAll(applied uint64) error {
	dbs := make([]int, d.opts.Databases)
	for i := range dbs {
		dbs[i] = i
	}
	return d.flush(dbs, applied)
}

func (d *DB) flush(dbs []int, applied uint64) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	var prefixes [][]byte
	for _, db := range d.physicalDBs(dbs) {
		prefixes = append(prefixes, metaPrefix(db), expiryPrefix(db), elementDBPrefix(db), garbagePrefix(db))
	}
	if err := d.bdb.DropPrefix(prefixes...); err != nil {
		return fmt.Errorf("engine: flush: %w", err)
	}
	err := d.bdb.Update(func(txn *badger.Txn) error {
		for _, db := range d.physicalDBs(dbs) {
			if err := txn.Set(keyCount(db), make([]byte, 8)); err != nil {
				return err
			}
		}
		if applied != 0 {
			return txn.Set(keyApplied, binary.BigEndian.AppendUint64(nil, applied))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: flush: %w", err)
	}
	for _, db := range d.physicalDBs(dbs) {
		d.counts[db].Store(0)
	}
	touched := make([]Touched, len(dbs))
	for i, db := range dbs {
		touched[i] = Touched{DB: db, Flushed: true}
	}
	d.notify(touched)
	if applied != 0 {
		d.applied.Store(applied)
	}
	return nil
}
