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
	metas   metaCache      // recent writes' old-meta answers for the writer; guarded by writeMu
	applied atomic.Uint64  // last applied index recorded by SetApplied

	obsMu     sync.Mutex                        // serialises changes to observers
	observers atomic.Pointer[[]*commitObserver] // told of the keys each commit changed
	hits      atomic.Int64                      // key lookups of read transactions that found a live key (stats.go)
	misses    atomic.Int64                      // ... and that did not

	dbmap  atomic.Pointer[dbMap] // logical -> physical database (SWAPDB); see keyspace.go
	mapGen atomic.Uint64         // odd while a changed dbmap commits

	// writes counts twice each write to Badger (commit, flush, restore): once as it starts and once
	// it is visible, so it is odd while one is under way. A read Tx begun when it had the (even)
	// value it has now sees what a new one would (Tx.Current).
	writes atomic.Uint64
	cache  *valueCache // nil when Options.ValueCacheSize is 0

	gcMu   sync.Mutex        // held by CollectGarbage
	gcNext map[string][]byte // garbage key -> where its reclaim resumes; guarded by gcMu

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
	bo = withSizing(bo, opts)
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
	d := &DB{bdb: bdb, opts: opts, counts: make([]atomic.Int64, opts.Databases), cache: newValueCache(opts.ValueCacheSize),
		metas: newMetaCache(opts.MetaCacheSize)}
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
	Flushed bool // every key of DB is gone, or (Swapped) may have changed; Key is nil
	Swapped bool // with Flushed: SWAPDB exchanged DB with database Partner
	Partner int
}

// Commit describes one engine commit that changed keys.
type Commit struct {
	// Applied is the applied index the commit recorded (0 for a commit outside Raft).
	Applied uint64
	// Touched are the keys it changed.
	Touched []Touched
}

type commitObserver struct{ fn func(Commit) }

// OnCommit adds fn to the functions called after every commit that changed keys, on the committing
// goroutine (for the FSM: in log order). fn must be quick and must not write to the engine; it
// serves WATCH and blocked clients. The returned function removes fn.
func (d *DB) OnCommit(fn func(Commit)) (remove func()) {
	o := &commitObserver{fn: fn}
	d.obsMu.Lock()
	defer d.obsMu.Unlock()
	var list []*commitObserver
	if cur := d.observers.Load(); cur != nil {
		list = append(list, *cur...)
	}
	list = append(list, o)
	d.observers.Store(&list)
	return func() {
		d.obsMu.Lock()
		defer d.obsMu.Unlock()
		var kept []*commitObserver
		for _, x := range *d.observers.Load() {
			if x != o {
				kept = append(kept, x)
			}
		}
		d.observers.Store(&kept)
	}
}

func (d *DB) notify(applied uint64, touched []Touched) {
	if len(touched) == 0 {
		return
	}
	list := d.observers.Load()
	if list == nil {
		return
	}
	for _, o := range *list {
		o.fn(Commit{Applied: applied, Touched: touched})
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
	tx.writes = d.writes.Load() // before the snapshot: a write in between makes the Tx not Current
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
	d.writing()
	defer d.wrote()
	d.cache.clear()
	d.metas.clear()
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
	d.notify(applied, touched)
	if applied != 0 {
		d.applied.Store(applied)
	}
	return nil
}

// writing records that a write to Badger starts, and wrote that it has ended (successfully or
// not): writes is odd in between. A read Tx begun before the write, or during it (it may or may not
// see the write), is never Current afterwards. Writes are serialised by writeMu.
func (d *DB) writing() { d.writes.Add(1) }
func (d *DB) wrote()   { d.writes.Add(1) }

// observed reports whether any commit observer is set, so commits record touched keys only then.
func (d *DB) observed() bool {
	list := d.observers.Load()
	return list != nil && len(*list) > 0
}
