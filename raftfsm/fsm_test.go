package raftfsm

import (
	"errors"
	"strconv"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// TestApplyBatchResults applies entries one after another, as Raft would deliver them, and checks
// each command's Result and the state it leaves.
func TestApplyBatchResults(t *testing.T) {
	t.Parallel()
	type check struct {
		db    int
		key   string
		value string // "(missing)" when it must not exist
	}
	steps := []struct {
		name  string
		cmds  []Command
		want  []string
		after []check
	}{
		{"SET stores a value", []Command{set("a", "1")}, []string{"OK"}, []check{{0, "a", "1"}}},
		{"SET NX on an existing key replies nil",
			[]Command{setOpts(0, "a", "2", SetNX, 0)}, []string{"(nil)"}, []check{{0, "a", "1"}}},
		{"SET XX on a missing key replies nil",
			[]Command{setOpts(0, "b", "2", SetXX, 0)}, []string{"(nil)"}, []check{{0, "b", "(missing)"}}},
		{"SET GET replies the old value",
			[]Command{setOpts(0, "a", "2", SetGet, 0)}, []string{`"1"`}, []check{{0, "a", "2"}}},
		{"SET GET on a missing key replies nil and stores",
			[]Command{setOpts(0, "c", "3", SetGet, 0)}, []string{"(nil)"}, []check{{0, "c", "3"}}},
		{"SET GET of an empty value replies an empty string", []Command{
			set("e", ""), setOpts(0, "e", "x", SetGet, 0),
		}, []string{"OK", `""`}, []check{{0, "e", "x"}}},
		{"SET NX GET on an existing key replies the value and does not store",
			[]Command{setOpts(0, "a", "9", SetNX|SetGet, 0)}, []string{`"2"`}, []check{{0, "a", "2"}}},
		{"SET with an expiry in the past of the entry's time deletes",
			[]Command{setOpts(0, "c", "x", 0, t0-1)}, []string{"OK"}, []check{{0, "c", "(missing)"}}},
		{"INCR counts from zero", []Command{incrBy("n", 1), incrBy("n", 1), incrBy("n", 40)},
			[]string{"1", "2", "42"}, []check{{0, "n", "42"}}},
		{"INCRBY on a non-integer is an error and the batch goes on", []Command{
			set("a", "abc"), incrBy("a", 1), set("a", "10"), incrBy("a", -11),
		}, []string{"OK", errText(engine.ErrNotInteger), "OK", "-1"}, []check{{0, "a", "-1"}}},
		{"INCRBY overflowing is an error", []Command{
			set("max", "9223372036854775807"), incrBy("max", 1),
		}, []string{"OK", errText(engine.ErrOverflow)}, []check{{0, "max", "9223372036854775807"}}},
		{"DEL counts the keys that existed", []Command{del("a", "b", "c", "n", "n")},
			[]string{"2"}, []check{{0, "a", "(missing)"}, {0, "n", "(missing)"}}},
		{"MSET stores every pair", []Command{mset("x", "1", "y", "2")}, []string{"OK"},
			[]check{{0, "x", "1"}, {0, "y", "2"}}},
		{"EXPIRE and its conditions", []Command{
			expire("x", t0+1000, engine.ExpireXX), expire("x", t0+1000, engine.ExpireNX),
			expire("x", t0+500, engine.ExpireGT), expire("x", t0+500, engine.ExpireXX|engine.ExpireLT),
			expire("missing", t0+1000, 0),
		}, []string{"0", "1", "0", "1", "0"}, []check{{0, "x", "1"}}},
		{"PERSIST removes an expiry once", []Command{persist("x"), persist("x"), persist("missing")},
			[]string{"1", "0", "0"}, nil},
		{"EXPIRE in the past deletes", []Command{expire("y", t0-1, 0), expire("y", t0+5, 0)},
			[]string{"1", "0"}, []check{{0, "y", "(missing)"}}},
		{"commands act on their own database", []Command{
			inDB(1, set("k", "one")), inDB(2, set("k", "two")), inDB(1, incrBy("c", 5)),
		}, []string{"OK", "OK", "5"}, []check{{1, "k", "one"}, {2, "k", "two"}, {0, "k", "(missing)"}}},
		{"a database out of range is an error", []Command{inDB(16, set("k", "v"))},
			[]string{errText(engine.ErrBadDB)}, nil},
		{"FLUSHDB of a database out of range is an error", []Command{inDB(16, flushDB(16))},
			[]string{errText(engine.ErrBadDB)}, nil},
		{"a flush mixed with other commands in one entry is refused", []Command{
			inDB(1, set("before", "v")), inDB(1, flushDB(1)),
		}, []string{"OK", "error: raftfsm: a flush must be alone in its entry: raftfsm: malformed command"}, []check{
			{1, "before", "v"}, {1, "k", "one"},
		}},
		{"FLUSHDB in an entry of its own drops only its database", []Command{inDB(1, flushDB(1))},
			[]string{"OK"}, []check{{1, "before", "(missing)"}, {1, "k", "(missing)"}, {0, "x", "1"}, {2, "k", "two"}}},
		{"FLUSHALL in an entry of its own drops every database", []Command{flushAll()},
			[]string{"OK"}, []check{{2, "k", "(missing)"}, {0, "x", "(missing)"}}},
	}
	f, db := newFSM(t, engineOptions(""))
	for i, s := range steps {
		index := uint64(i + 1)
		out := applyBatch(t, f, entry(index, t0, s.cmds...))
		got := resultStrings(results(t, out[0]))
		if len(got) != len(s.want) {
			t.Fatalf("%s: results %q, want %q", s.name, got, s.want)
		}
		for j := range got {
			if got[j] != s.want[j] {
				t.Errorf("%s: results %q, want %q", s.name, got, s.want)
				break
			}
		}
		for _, c := range s.after {
			if v := get(t, db, c.db, t0, c.key); v != c.value {
				t.Errorf("%s: db %d %q = %q, want %q", s.name, c.db, c.key, v, c.value)
			}
		}
		if db.Applied() != index {
			t.Errorf("%s: Applied = %d, want %d", s.name, db.Applied(), index)
		}
	}
	if st := f.Stats(); st.AppliedEntries != uint64(len(steps)) || st.SkippedEntries != 0 || st.AppliedIndex != uint64(len(steps)) {
		t.Errorf("Stats = %+v, want %d applied entries, none skipped", st, len(steps))
	}
}

func TestErrorResultsCarryEngineSentinels(t *testing.T) {
	t.Parallel()
	f, _ := newFSM(t, engineOptions(""))
	rs := results(t, applyBatch(t, f, entry(1, t0, set("s", "x"), incrBy("s", 1), inDB(99, set("k", "v"))))[0])
	if rs[1].Kind != ResultErr || !errors.Is(rs[1].Err, engine.ErrNotInteger) {
		t.Errorf("INCR on a string: %+v, want ErrNotInteger", rs[1])
	}
	if rs[2].Kind != ResultErr || !errors.Is(rs[2].Err, engine.ErrBadDB) {
		t.Errorf("SET in db 99: %+v, want ErrBadDB", rs[2])
	}
}

func TestTheEntryTimeDecidesExpiry(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	// Proposed at t0 with an expiry at t0+10; later entries are stamped with later times.
	applyBatch(t, f, entry(1, t0, setOpts(0, "k", "v", 0, t0+10), set("n", "5")))
	out := applyBatch(t, f,
		entry(2, t0+9, setOpts(0, "k", "w", SetXX|SetKeepTTL, 0)),
		entry(3, t0+10, setOpts(0, "k", "x", SetXX, 0)),
		entry(4, t0+10, setOpts(0, "k", "y", SetNX, 0)),
	)
	want := []string{"OK", "(nil)", "OK"}
	for i, r := range out {
		if got := joinResults(results(t, r)); got != want[i] {
			t.Errorf("entry %d: %s, want %s", i+2, got, want[i])
		}
	}
	if v := get(t, db, 0, t0+10, "k"); v != "y" {
		t.Errorf("k = %q, want y", v)
	}
}

func TestEntriesAtOrBelowTheAppliedIndexAreSkipped(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	batch := []*raft.Log{entry(1, t0, incrBy("n", 1)), entry(2, t0, incrBy("n", 1)), entry(3, t0, incrBy("n", 1))}
	out := applyBatch(t, f, batch...)
	if got := joinResults(results(t, out[2])); got != "3" {
		t.Fatalf("third INCR = %s, want 3", got)
	}

	// Raft delivers the same entries again (raft#549: after a restart without snapshot restore).
	out = applyBatch(t, f, batch...)
	for i, r := range out {
		if r != nil {
			t.Errorf("re-delivered entry %d responded %v, want nil", i+1, r)
		}
	}
	if v := get(t, db, 0, t0, "n"); v != "3" {
		t.Errorf("counter after re-delivery = %s, want 3", v)
	}
	// A batch that overlaps: the old part is skipped, the new part applied.
	out = applyBatch(t, f, entry(3, t0, incrBy("n", 1)), entry(4, t0, incrBy("n", 1)), entry(5, t0, incrBy("n", 10)))
	if out[0] != nil || joinResults(results(t, out[1])) != "4" || joinResults(results(t, out[2])) != "14" {
		t.Errorf("overlapping batch responded %v", out)
	}
	st := f.Stats()
	if st.SkippedEntries != 4 || st.AppliedEntries != 5 || st.AppliedIndex != 5 || db.Applied() != 5 {
		t.Errorf("Stats = %+v, Applied %d; want 4 skipped, 5 applied, index 5", st, db.Applied())
	}
	// Apply (one entry) skips as well.
	if r := f.Apply(entry(4, t0, incrBy("n", 1))); r != nil {
		t.Errorf("Apply of an old entry = %v, want nil", r)
	}
	if v := get(t, db, 0, t0, "n"); v != "14" {
		t.Errorf("counter = %s, want 14", v)
	}
}

func TestNonCommandEntriesAdvanceTheAppliedIndex(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	cfg := &raft.Log{Index: 1, Term: 1, Type: raft.LogConfiguration, Data: []byte("a configuration, opaque to the FSM")}
	out := applyBatch(t, f, cfg)
	if out[0] != nil {
		t.Errorf("configuration entry responded %v, want nil", out[0])
	}
	if db.Applied() != 1 {
		t.Errorf("Applied after a configuration entry = %d, want 1", db.Applied())
	}
	out = applyBatch(t, f,
		entry(2, t0, incrBy("n", 1)),
		&raft.Log{Index: 3, Term: 2, Type: raft.LogConfiguration},
		&raft.Log{Index: 4, Term: 2, Type: raft.LogCommand}, // empty command entry: a no-op
		entry(5, t0, incrBy("n", 1)),
	)
	if joinResults(results(t, out[3])) != "2" || out[1] != nil || out[2] != nil {
		t.Errorf("responses %v", out)
	}
	if db.Applied() != 5 {
		t.Errorf("Applied = %d, want 5", db.Applied())
	}
	// Re-delivered configuration entries are skipped like the rest.
	applyBatch(t, f, cfg, &raft.Log{Index: 3, Term: 2, Type: raft.LogConfiguration})
	if st := f.Stats(); st.SkippedEntries != 2 || st.AppliedEntries != 2 {
		t.Errorf("Stats = %+v, want 2 skipped and 2 command entries applied", st)
	}
}

func TestMalformedCommandsYieldErrorsWithoutStoppingTheBatch(t *testing.T) {
	t.Parallel()
	bad := []Command{
		{Op: 99, Args: [][]byte{[]byte("k")}}, // unknown op
		{Op: 0},                               // zero op
		{Op: OpSet, Args: [][]byte{[]byte("k"), []byte("v"), {0}}},                   // 3 args
		{Op: OpSet, Args: [][]byte{[]byte("k"), []byte("v"), {0}, Int64Arg(0), nil}}, // 5 args
		{Op: OpSet, Args: [][]byte{[]byte("k"), []byte("v"), {0, 0}, Int64Arg(0)}},   // 2-byte flags
		{Op: OpSet, Args: [][]byte{[]byte("k"), []byte("v"), {0}, {0, 0, 0, 0}}},     // 4-byte expiry
		{Op: OpIncrBy, Args: [][]byte{[]byte("k"), []byte("1")}},                     // text delta
		{Op: OpExpire, Args: [][]byte{[]byte("k"), Int64Arg(t0 + 5), {}}},            // no cond byte
		{Op: OpExpire, Args: [][]byte{[]byte("k"), {1}, {0}}},                        // 1-byte time
		{Op: OpMSet, Args: [][]byte{[]byte("k"), []byte("v"), []byte("odd")}},        // odd pairs
		{Op: OpMSet}, // no pairs
		{Op: OpDel},  // no keys
		{Op: OpPersist, Args: [][]byte{[]byte("k"), []byte("extra")}}, // 2 args
		{Op: OpFlushDB, Args: [][]byte{[]byte("async")}},              // args
		{Op: OpFlushAll, Args: [][]byte{[]byte("async")}},             // args
	}
	cmds := []Command{set("k", "v")}
	for _, c := range bad {
		cmds = append(cmds, c, incrBy("n", 1))
	}
	f, db := newFSM(t, engineOptions(""))
	rs := results(t, applyBatch(t, f, entry(1, t0, cmds...))[0])
	if len(rs) != len(cmds) {
		t.Fatalf("%d results for %d commands", len(rs), len(cmds))
	}
	if rs[0].Kind != ResultOK {
		t.Errorf("SET before the bad commands: %v", rs[0])
	}
	for i := range bad {
		r, next := rs[1+2*i], rs[2+2*i]
		if r.Kind != ResultErr || !errors.Is(r.Err, ErrBadCommand) {
			t.Errorf("bad command %d (%+v): result %v, want ErrBadCommand", i, bad[i], r)
		}
		if next.Kind != ResultInt || next.Int != int64(i+1) {
			t.Errorf("INCR after bad command %d: %v, want %d", i, next, i+1)
		}
	}
	if v := get(t, db, 0, t0, "k"); v != "v" {
		t.Errorf("k = %q: a malformed command changed it", v)
	}
	if db.Applied() != 1 {
		t.Errorf("Applied = %d, want 1", db.Applied())
	}
}

// TestAnUndecodableEntryIsANoOpWithAnErrorResult: an entry of a known type whose payload does not
// decode is deterministic on every replica, so (as ErrBadCommand's doc says of corrupt entries) it
// should fail as a whole, record its index and let the batch go on. Panicking instead makes every
// replica crash on it at every restart, for ever.
func TestAnUndecodableEntryIsANoOpWithAnErrorResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"type byte only", []byte{entryBatch}},
		{"truncated", encodeBatch(t0, []Command{set("k", "v")})[:6]},
		{"trailing garbage", append(encodeBatch(t0, []Command{set("k", "v")}), 0xff)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, db := newFSM(t, engineOptions(""))
			bad := &raft.Log{Index: 2, Term: 1, Type: raft.LogCommand, Data: tc.data}
			var out []any
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("ApplyBatch panicked: %v", r)
					}
				}()
				out = f.ApplyBatch([]*raft.Log{entry(1, t0, incrBy("n", 1)), bad, entry(3, t0, incrBy("n", 1))})
			}()
			if out == nil {
				return
			}
			if rs, ok := out[1].([]Result); !ok || len(rs) == 0 || rs[0].Kind != ResultErr {
				t.Errorf("undecodable entry responded %v, want an error result", out[1])
			}
			if got := joinResults(results(t, out[2])); got != "2" {
				t.Errorf("entry after it: %s, want 2", got)
			}
			if db.Applied() != 3 {
				t.Errorf("Applied = %d, want 3", db.Applied())
			}
		})
	}
}

// TestAnUnknownEntryTypeStopsTheFSM: a type byte this version does not know may be a newer
// format; applying anything would diverge from replicas that understand it (Consul's rule).
func TestAnUnknownEntryTypeStopsTheFSM(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	applyBatch(t, f, entry(1, t0, set("k", "v")))
	defer func() {
		if recover() == nil {
			t.Error("ApplyBatch of an unknown entry type did not stop")
		}
		if db.Applied() != 1 {
			t.Errorf("Applied = %d after the stop, want 1", db.Applied())
		}
	}()
	f.ApplyBatch([]*raft.Log{{Index: 2, Term: 1, Type: raft.LogCommand, Data: []byte{0xee, 1, 2, 3}}})
}

func TestApplyMatchesApplyBatch(t *testing.T) {
	t.Parallel()
	f, db := newFSM(t, engineOptions(""))
	for i := uint64(1); i <= 3; i++ {
		if got := joinResults(results(t, f.Apply(entry(i, t0, incrBy("n", 2))))); got != strconv.Itoa(int(2*i)) {
			t.Errorf("Apply %d = %s", i, got)
		}
	}
	if db.Applied() != 3 {
		t.Errorf("Applied = %d, want 3", db.Applied())
	}
}
