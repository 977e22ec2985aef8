package engine

import (
	"fmt"
	"strconv"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// withSizing applies the sizing options that have no With method of their own in Open.
func withSizing(bo badger.Options, o Options) badger.Options {
	if o.InMemory {
		// Compression saves disk space, and in memory only costs CPU: each table block read by a
		// write's lookup was decompressed (~10% of the CPU of SETs in memory mode). Uncompressed
		// blocks are read straight from the in-memory tables, so a block cache would only hold a
		// second copy of them (and cost a cache lookup per read: without it, ~10% less CPU per SET
		// and GET in memory mode, measured with redis-benchmark at P=16).
		bo = bo.WithCompression(options.None).WithBlockCacheSize(0)
	}
	if o.NumMemtables > 0 {
		bo = bo.WithNumMemtables(o.NumMemtables)
	}
	if o.IndexCacheSize > 0 {
		bo = bo.WithIndexCacheSize(o.IndexCacheSize)
	}
	if o.NumCompactors > 0 {
		bo = bo.WithNumCompactors(o.NumCompactors)
	}
	return bo
}

// ParseMemory parses a memory size as redis.conf does: a number of bytes, optionally followed by
// k (1000), kb (1024), m (1000²), mb (1024²), g (1000³) or gb (1024³), in any case: "256mb",
// "1GB", "500000000".
func ParseMemory(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSuffix(t, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mul {
		return 0, fmt.Errorf("invalid memory size %q (e.g. 256mb, 1gb, 500000000)", s)
	}
	return n * mul, nil
}

// MinMemoryBudget is the smallest budget SplitMemoryBudget accepts.
const MinMemoryBudget = 128 << 20

// MemoryBudget is how a memory budget is split among the engine's big consumers. Each share is a
// bound Badger (or the mapped-file trimmer) keeps; what is left outside them (the Go runtime and
// garbage, Raft, connections) is not counted: see docs/durability.md for that overhead.
type MemoryBudget struct {
	Total int64
	// Memtables: NumMemtables skiplist arenas of about 1.3 x MemTableSize each (Badger sizes an
	// arena for the memtable plus its largest batch).
	MemTableSize int64
	NumMemtables int
	// BlockCacheSize bounds decompressed table blocks; IndexCacheSize table indexes and bloom
	// filters (without it they stay in memory whatever the data size).
	BlockCacheSize int64
	IndexCacheSize int64
	// ValueCacheSize bounds the cache of string values read recently (valuecache.go).
	ValueCacheSize int64
	// MetaCacheSize bounds the writer's cache of recent keys' meta (Options.MetaCacheSize).
	MetaCacheSize int64
	// MappedFiles bounds the resident pages of memory-mapped files (Badger's value log, tables and
	// memtable logs, and the executable's ~10 MiB), which the process's RSS counts: a
	// MappedFileTrimmer pages them out above it.
	MappedFiles int64
}

// Heap is the part of the budget that lives on the Go heap: memtables and caches.
func (b MemoryBudget) Heap() int64 {
	return b.MemTableSize*13/10*int64(b.NumMemtables) + b.BlockCacheSize + b.IndexCacheSize + b.ValueCacheSize + b.MetaCacheSize
}

// SplitMemoryBudget splits total bytes: a quarter (at least 32 MiB) for resident mapped files, and
// of the rest 40% for memtables (3 of them, at most 64 MiB each), 25% block cache, 10% value cache,
// 20% index cache, up to 4% (at most the default 16 MiB) for the writer's meta cache; the rest is
// slack.
func SplitMemoryBudget(total int64) (MemoryBudget, error) {
	if total < MinMemoryBudget {
		return MemoryBudget{}, fmt.Errorf("memory budget %d bytes is below the minimum of %d MiB", total, MinMemoryBudget>>20)
	}
	b := MemoryBudget{Total: total, NumMemtables: 3, MappedFiles: max(total/4, 32<<20)}
	rest := total - b.MappedFiles
	// An arena is ~1.3 x the memtable size.
	b.MemTableSize = min(rest*40/100*10/13/int64(b.NumMemtables), 64<<20)
	b.BlockCacheSize = rest * 25 / 100
	b.ValueCacheSize = rest * 10 / 100
	b.IndexCacheSize = rest * 20 / 100
	b.MetaCacheSize = min(rest*4/100, DefaultOptions("").MetaCacheSize)
	return b, nil
}

// WithMemoryBudget returns a copy sized to stay within b (memtables, block and index caches; the
// mapped files are bounded by a MappedFileTrimmer). Smaller memtables also make the largest
// transaction smaller (15% of MemTableSize): with a 128 MiB budget (7 MiB memtables), a write of
// more than ~20,000 collection elements at once is refused as too large.
func (o Options) WithMemoryBudget(b MemoryBudget) Options {
	o.MemTableSize = b.MemTableSize
	o.NumMemtables = b.NumMemtables
	o.BlockCacheSize = b.BlockCacheSize
	o.IndexCacheSize = b.IndexCacheSize
	o.ValueCacheSize = b.ValueCacheSize
	o.MetaCacheSize = b.MetaCacheSize
	o.NumCompactors = 2 // each compactor holds table builders of its own
	return o
}
