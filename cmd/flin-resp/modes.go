package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// modeFlags are the durability and memory flags (docs/durability.md); like every flag, each can be
// set by its environment variable (FLIN_DURABILITY, FLIN_MEMORY_BUDGET, FLIN_VALUE_CACHE).
type modeFlags struct {
	durabilityText string
	budgetText     string
	cacheText      string

	valueCache int64 // -1: the default (or the budget's share)

	durability raftfsm.Durability
	budget     *engine.MemoryBudget // nil: no budget
}

func (m *modeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.durabilityText, "durability", "fsync",
		"when a write reaches the disk: fsync (before the reply), everysec (log fsynced once a second: a power loss "+
			"loses up to ~1s), memory (no disk at all: everything is lost at restart)")
	fs.StringVar(&m.budgetText, "memory-budget", "",
		"bound on the storage engine's memory (memtables, caches, mapped files), e.g. 256mb; default none")
	fs.StringVar(&m.cacheText, "value-cache", "",
		"memory for a cache of string values read recently (GETs of hot keys skip the storage engine), e.g. 128mb; "+
			"0 turns it off; default 256mb, or a share of --memory-budget")
}

// parse checks the flags once they are parsed.
func (m *modeFlags) parse() error {
	var err error
	if m.durability, err = raftfsm.ParseDurability(m.durabilityText); err != nil {
		return fmt.Errorf("--durability: %w", err)
	}
	m.valueCache = -1
	if m.cacheText != "" {
		if m.valueCache, err = engine.ParseMemory(m.cacheText); err != nil {
			return fmt.Errorf("--value-cache: %w", err)
		}
	}
	if m.budgetText == "" {
		return nil
	}
	total, err := engine.ParseMemory(m.budgetText)
	if err != nil {
		return fmt.Errorf("--memory-budget: %w", err)
	}
	if m.durability == raftfsm.DurabilityMemory {
		return fmt.Errorf("--memory-budget bounds the caches of the on-disk engine; with --durability memory the data itself is in memory and nothing evicts it")
	}
	b, err := engine.SplitMemoryBudget(total)
	if err != nil {
		return fmt.Errorf("--memory-budget: %w", err)
	}
	m.budget = &b
	return nil
}

// engineOptions are the engine's options for the data directory dir.
func (m *modeFlags) engineOptions(dir string) engine.Options {
	o := engine.DefaultOptions(dir)
	if m.durability == raftfsm.DurabilityMemory {
		o = o.WithInMemory(true)
	}
	if m.budget != nil {
		o = o.WithMemoryBudget(*m.budget)
	}
	if m.valueCache >= 0 {
		o = o.WithValueCacheSize(m.valueCache)
	}
	return o
}

// budgetHeapOverhead is the Go heap beyond the budgeted memtables and caches that the soft memory
// limit allows for (Raft, connections, the server's tables, garbage).
const budgetHeapOverhead = 96 << 20

// startBudget starts what keeps the process near its memory budget, if there is one: the trimmer
// of the engine's mapped files, and a Go soft memory limit (GOMEMLIMIT, unless set already) of the
// budget's heap part plus budgetHeapOverhead, without which the garbage collector would let the
// heap grow to twice what is live. stop stops the trimmer; call it before closing the engine.
func (m *modeFlags) startBudget(engineDir string, log *slog.Logger) (stop func()) {
	b := m.budget
	if b == nil {
		return func() {}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(b.Heap() + budgetHeapOverhead)
	}
	t, err := engine.StartMappedFileTrimmer(engineDir, b.MappedFiles, log)
	if err != nil {
		log.Warn("the memory budget does not bound the engine's mapped files", "err", err)
		return func() {}
	}
	return t.Stop
}

// logStartup says at start-up what the modes mean, loudly where data is at risk.
func (m *modeFlags) logStartup(log *slog.Logger) {
	switch m.durability {
	case raftfsm.DurabilityMemory:
		log.Warn("DURABILITY MEMORY: nothing is written to disk; ALL DATA IS LOST when this process stops " +
			"(restart, crash, kill). For caches only.")
	case raftfsm.DurabilityEverysec:
		log.Warn("durability everysec: the Raft log is fsynced once a second; a crash of the process loses " +
			"nothing acknowledged, a power loss or kernel crash up to about the last second")
	}
	if b := m.budget; b != nil {
		log.Info("memory budget", "total_mb", b.Total>>20, "memtables", fmt.Sprintf("%d x %d MiB", b.NumMemtables, b.MemTableSize>>20),
			"block_cache_mb", b.BlockCacheSize>>20, "value_cache_mb", b.ValueCacheSize>>20, "index_cache_mb", b.IndexCacheSize>>20,
			"meta_cache_mb", b.MetaCacheSize>>20, "mapped_files_mb", b.MappedFiles>>20)
	}
}
