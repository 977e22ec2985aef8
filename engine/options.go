package engine

import (
	"log/slog"
	"time"
)

// Options configures an engine. Start from DefaultOptions and change fields with the With methods,
// which return a copy.
type Options struct {
	// Dir is the directory that holds the data. Ignored when InMemory is set.
	Dir string
	// InMemory keeps everything in memory (nothing touches disk). Default false.
	InMemory bool
	// SyncWrites fsyncs Badger's value log on every commit. Default false: under Raft the Raft log
	// is the durable record and the FSM syncs the engine before each snapshot. Set it when the
	// engine is used embedded and every Update must survive a power loss on its own.
	SyncWrites bool
	// Databases is the number of logical databases (Redis's "databases"). Default 16, at most 256.
	Databases int
	// MemTableSize is Badger's memtable size in bytes. Default 64 MiB.
	MemTableSize int64
	// NumMemtables is how many memtables Badger keeps (the active one and those waiting to be
	// written out); writes stall when all are full. Default 5.
	NumMemtables int
	// BlockCacheSize is Badger's block cache in bytes. Default 64 MiB.
	BlockCacheSize int64
	// IndexCacheSize bounds the memory of table indexes and bloom filters in bytes. Default 0: all
	// of them stay in memory, which grows with the data (~1-2% of it).
	IndexCacheSize int64
	// ValueCacheSize bounds, in bytes, a cache of string values read recently, so that reads of hot
	// keys do not go to Badger (valuecache.go). Default 256 MiB (filled only as values are read); 0
	// turns it off.
	ValueCacheSize int64
	// NumCompactors is the number of Badger's compaction goroutines. Default 4.
	NumCompactors int
	// ValueThreshold is the value size from which Badger stores values in its value log instead of the
	// LSM tree. Default 1 KiB: values of that size and above stay out of compaction.
	ValueThreshold int64
	// MetaCacheSize bounds, in bytes, the writer's memory of what recent writes left at each key (a
	// string's type and expiry, or no key), which saves SET and DEL reading the old key from Badger.
	// It keeps two generations of half this each (an estimate: key bytes plus 64 per entry). Default
	// 16 MiB (~100,000 keys of 20 bytes per generation); 0 turns it off.
	MetaCacheSize int64
	// Clock returns the time used to decide whether a key has expired on reads. Default time.Now.
	Clock func() time.Time
	// Logger receives Badger's warnings and errors. Default slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns the defaults for a database in dir.
func DefaultOptions(dir string) Options {
	return Options{
		Dir:            dir,
		Databases:      16,
		MemTableSize:   64 << 20,
		NumMemtables:   5,
		BlockCacheSize: 64 << 20,
		ValueCacheSize: 256 << 20,
		NumCompactors:  4,
		ValueThreshold: 1 << 10,
		MetaCacheSize:  16 << 20,
		Clock:          time.Now,
		Logger:         slog.Default(),
	}
}

// WithInMemory returns a copy with InMemory set.
func (o Options) WithInMemory(v bool) Options { o.InMemory = v; return o }

// WithSyncWrites returns a copy with SyncWrites set.
func (o Options) WithSyncWrites(v bool) Options { o.SyncWrites = v; return o }

// WithDatabases returns a copy with Databases set.
func (o Options) WithDatabases(n int) Options { o.Databases = n; return o }

// WithMemTableSize returns a copy with MemTableSize set.
func (o Options) WithMemTableSize(n int64) Options { o.MemTableSize = n; return o }

// WithNumMemtables returns a copy with NumMemtables set.
func (o Options) WithNumMemtables(n int) Options { o.NumMemtables = n; return o }

// WithIndexCacheSize returns a copy with IndexCacheSize set.
func (o Options) WithIndexCacheSize(n int64) Options { o.IndexCacheSize = n; return o }

// WithNumCompactors returns a copy with NumCompactors set.
func (o Options) WithNumCompactors(n int) Options { o.NumCompactors = n; return o }

// WithBlockCacheSize returns a copy with BlockCacheSize set.
func (o Options) WithBlockCacheSize(n int64) Options { o.BlockCacheSize = n; return o }

// WithValueCacheSize returns a copy with ValueCacheSize set.
func (o Options) WithValueCacheSize(n int64) Options { o.ValueCacheSize = n; return o }

// WithValueThreshold returns a copy with ValueThreshold set.
func (o Options) WithValueThreshold(n int64) Options { o.ValueThreshold = n; return o }

// WithMetaCacheSize returns a copy with MetaCacheSize set.
func (o Options) WithMetaCacheSize(n int64) Options { o.MetaCacheSize = n; return o }

// WithClock returns a copy with Clock set.
func (o Options) WithClock(c func() time.Time) Options { o.Clock = c; return o }

// WithLogger returns a copy with Logger set.
func (o Options) WithLogger(l *slog.Logger) Options { o.Logger = l; return o }
