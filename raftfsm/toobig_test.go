package raftfsm

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// smallTxnOptions give an engine whose transactions hold only ~1600 writes (Badger allows 15% of
// MemTableSize), so ordinary batches hit ErrTxnTooBig.
func smallTxnOptions() engine.Options { return engineOptions("").WithMemTableSize(1 << 20) }

// txnCapacity returns how many SETs of fresh keys made by key(i) one engine transaction takes
// before Badger says ErrTxnTooBig. It writes nothing.
func txnCapacity(t *testing.T, db *engine.DB, key func(i int) string) int {
	t.Helper()
	tx := db.Begin(t0, true)
	defer tx.Discard()
	for i := 0; ; i++ {
		_, err := tx.Set(0, []byte(key(i)), []byte("v"), engine.SetOptions{})
		if errors.Is(err, engine.ErrTxnTooBig) {
			return i
		}
		if err != nil {
			t.Fatal(err)
		}
		if i > 1_000_000 {
			t.Fatal("no transaction limit found")
		}
	}
}

// bigBatch is n entries from index first, each of perEntry SETs of fresh keys and one INCR of "ctr".
func bigBatch(first uint64, n, perEntry int) []*raft.Log {
	logs := make([]*raft.Log, n)
	for e := range logs {
		cmds := make([]Command, 0, perEntry+1)
		for j := 0; j < perEntry; j++ {
			cmds = append(cmds, set(keyName(fmt.Sprint("e", int(first)+e), j), "v"))
		}
		cmds = append(cmds, incrBy("ctr", 1))
		logs[e] = entry(first+uint64(e), t0, cmds...)
	}
	return logs
}

func TestABatchTooBigForOneTransactionIsAppliedExactlyOnce(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, smallTxnOptions())
	capacity := txnCapacity(t, db, func(i int) string { return keyName("e1", i) })
	const entries, perEntry = 64, 60
	if entries*(perEntry+1) < 2*capacity {
		t.Fatalf("batch of %d writes would not overflow a transaction of %d twice", entries*(perEntry+1), capacity)
	}
	logs := bigBatch(1, entries, perEntry)
	out := applyBatch(t, f, logs...)
	for e, r := range out {
		rs := results(t, r)
		if len(rs) != perEntry+1 {
			t.Fatalf("entry %d: %d results, want %d", e+1, len(rs), perEntry+1)
		}
		for j, x := range rs[:perEntry] {
			if x.Kind != ResultOK {
				t.Fatalf("entry %d SET %d: %v", e+1, j, x)
			}
		}
		if x := rs[perEntry]; x.Kind != ResultInt || x.Int != int64(e+1) {
			t.Errorf("entry %d INCR = %v, want %d", e+1, x, e+1)
		}
	}
	check := func(when string) {
		t.Helper()
		if v := get(t, db, 0, t0, "ctr"); v != strconv.Itoa(entries) {
			t.Errorf("%s: ctr = %s, want %d (each INCR applied once)", when, v, entries)
		}
		if n := db.DBSize(0); n != entries*perEntry+1 {
			t.Errorf("%s: DBSize = %d, want %d", when, n, entries*perEntry+1)
		}
		if db.Applied() != entries {
			t.Errorf("%s: Applied = %d, want %d", when, db.Applied(), entries)
		}
	}
	check("after the batch")
	for _, e := range []int{1, entries / 2, entries} {
		if v := get(t, db, 0, t0, keyName(fmt.Sprint("e", e), perEntry-1)); v != "v" {
			t.Errorf("last key of entry %d = %q", e, v)
		}
	}
	// Delivered again, all of it is skipped.
	applyBatch(t, f, logs...)
	check("after re-delivery")
	if st := f.Stats(); st.SkippedEntries != entries {
		t.Errorf("SkippedEntries = %d, want %d", st.SkippedEntries, entries)
	}
}

// TestAppliedEntriesCountsEachEntryOnceAcrossATransactionSplit: when the FSM replays the entries of
// a transaction that grew too big, Stats must not count them twice.
func TestAppliedEntriesCountsEachEntryOnceAcrossATransactionSplit(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, smallTxnOptions())
	const entries = 64
	applyBatch(t, f, bigBatch(1, entries, 50)...)
	if st := f.Stats(); st.AppliedEntries != entries {
		t.Errorf("AppliedEntries = %d after applying %d entries once", st.AppliedEntries, entries)
	}
}

func TestAnEntryTooBigForAnyTransactionFailsAsAWholeAndIsRecorded(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, smallTxnOptions())
	capacity := txnCapacity(t, db, func(i int) string { return keyName("huge", i) })
	huge := make([]Command, capacity+100)
	for i := range huge {
		huge[i] = set(keyName("huge", i), "v")
	}
	for _, tc := range []struct {
		name string
		logs []*raft.Log
	}{
		{"alone", []*raft.Log{entry(1, t0, huge...)}},
		{"between other entries", []*raft.Log{
			entry(2, t0, incrBy("ctr", 1)), entry(3, t0, huge...), entry(4, t0, incrBy("ctr", 1)),
		}},
		{"first in a batch", []*raft.Log{entry(5, t0, huge...), entry(6, t0, incrBy("ctr", 1))}},
	} {
		out := applyBatch(t, f, tc.logs...)
		for i, l := range tc.logs {
			rs := results(t, out[i])
			if len(l.Data) < 1000 {
				if rs[0].Kind != ResultInt {
					t.Errorf("%s: small entry %d: %v", tc.name, l.Index, rs[0])
				}
				continue
			}
			if len(rs) != len(huge) {
				t.Fatalf("%s: %d results for %d commands", tc.name, len(rs), len(huge))
			}
			for _, r := range rs {
				if r.Kind != ResultErr || !errors.Is(r.Err, ErrTooBig) {
					t.Fatalf("%s: oversized entry result %v, want ErrTooBig", tc.name, r)
				}
			}
		}
		last := tc.logs[len(tc.logs)-1].Index
		if db.Applied() != last {
			t.Errorf("%s: Applied = %d, want %d", tc.name, db.Applied(), last)
		}
	}
	if n := db.DBSize(0); n != 1 {
		t.Errorf("DBSize = %d, want 1: nothing of the oversized entries may be stored", n)
	}
	if v := get(t, db, 0, t0, "ctr"); v != "3" {
		t.Errorf("ctr = %s, want 3", v)
	}
	// Re-delivery skips the oversized entry too.
	applyBatch(t, f, entry(3, t0, huge...))
	if st := f.Stats(); st.SkippedEntries != 1 {
		t.Errorf("SkippedEntries = %d, want 1", st.SkippedEntries)
	}
}

// TestABatchThatFillsATransactionExactlyCommits: the engine adds its own writes at commit (key
// counts, applied index). A batch whose data fits the transaction with fewer than that many writes
// to spare must still commit (split or not) rather than crash the FSM.
func TestABatchThatFillsATransactionExactlyCommits(t *testing.T) {
	t.Parallel()
	capacity := txnCapacity(t, openEngine(t, smallTxnOptions()), func(i int) string { return keyName("k", i) })
	for n := capacity - 3; n <= capacity; n++ {
		t.Run(fmt.Sprintf("%d SETs in a transaction of %d", n, capacity), func(t *testing.T) {
			for _, shape := range []string{"one entry", "one entry per SET"} {
				f, db := newFSM(t, smallTxnOptions())
				var logs []*raft.Log
				if shape == "one entry" {
					cmds := make([]Command, n)
					for i := range cmds {
						cmds[i] = set(keyName("k", i), "v")
					}
					logs = []*raft.Log{entry(1, t0, cmds...)}
				} else {
					for i := 0; i < n; i++ {
						logs = append(logs, entry(uint64(i+1), t0, set(keyName("k", i), "v")))
					}
				}
				var panicked any
				func() {
					defer func() { panicked = recover() }()
					f.ApplyBatch(logs)
				}()
				if panicked != nil {
					t.Errorf("%s: ApplyBatch panicked: %v", shape, panicked)
					continue
				}
				if db.Applied() != uint64(len(logs)) {
					t.Errorf("%s: Applied = %d, want %d", shape, db.Applied(), len(logs))
				}
				// Either all stored, or (one entry) refused as a whole.
				if size := db.DBSize(0); size != int64(n) && !(shape == "one entry" && size == 0) {
					t.Errorf("%s: DBSize = %d, want %d", shape, size, n)
				}
			}
		})
	}
}

// TestATransactionSplitAfterAFlushDoesNotReapplyWritesBeforeIt: FLUSHDB commits the writes before it
// without the entry's index; if a later entry in the batch then overflows the transaction, the
// entries since the last commit are replayed, and the writes before the flush must not be applied a
// second time.
func TestATransactionSplitAfterAFlushDoesNotReapplyWritesBeforeIt(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, smallTxnOptions())
	capacity := txnCapacity(t, db, func(i int) string { return keyName("x", i) })
	fill := func(prefix string, n int) []Command {
		cmds := make([]Command, n)
		for i := range cmds {
			cmds[i] = set(keyName(prefix, i), "v")
		}
		return cmds
	}
	// Entry 1: INCR ctr, FLUSHDB of database 1, then 60% of a transaction; entry 2: another 60%.
	e1 := append([]Command{incrBy("ctr", 1), inDB(1, flushDB(1))}, fill("x", capacity*6/10)...)
	e2 := fill("y", capacity*6/10)
	out := applyBatch(t, f, entry(1, t0, e1...), entry(2, t0, e2...))
	if got := results(t, out[0])[0]; got.Kind != ResultInt || got.Int != 1 {
		t.Errorf("INCR result = %v, want 1", got)
	}
	if v := get(t, db, 0, t0, "ctr"); v != "1" {
		t.Errorf("ctr = %s, want 1: the INCR before the flush was applied twice", v)
	}
	if n := db.DBSize(0); n != int64(1+2*(capacity*6/10)) {
		t.Errorf("DBSize = %d, want %d", n, 1+2*(capacity*6/10))
	}
}
