package faults

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// op builds a recorded operation of client c from call to ret (ret -1: never returned).
func op(c int, in KVInput, call int64, out KVOutput, ret int64) porcupine.Operation {
	if ret < 0 {
		ret = neverReturned
	}
	return porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret}
}

func get(k string) KVInput        { return KVInput{Op: OpGet, Key: k} }
func set(k, v string) KVInput     { return KVInput{Op: OpSet, Key: k, Value: v} }
func incr(k string) KVInput       { return KVInput{Op: OpIncr, Key: k} }
func del(k string) KVInput        { return KVInput{Op: OpDel, Key: k} }
func val(v string) KVOutput       { return KVOutput{Exists: true, Value: v} }
func num(n int64) KVOutput        { return KVOutput{Int: n} }
func errOut(text string) KVOutput { return KVOutput{Err: text} }

var (
	nilOut  = KVOutput{}
	ok      = KVOutput{}
	unknown = KVOutput{Unknown: true}
)

func TestKVModelOnHandMadeHistories(t *testing.T) {
	cases := []struct {
		name string
		ops  []porcupine.Operation
		want bool
	}{
		{"sequential SET, GET, INCR, DEL, GET", []porcupine.Operation{
			op(0, set("x", "5"), 0, ok, 1), op(0, get("x"), 2, val("5"), 3), op(0, incr("x"), 4, num(6), 5),
			op(0, del("x"), 6, num(1), 7), op(0, get("x"), 8, nilOut, 9), op(0, del("x"), 10, num(0), 11),
		}, true},
		{"a read concurrent with a write may see either value", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, ok, 10),
			op(1, get("x"), 3, val("1"), 4), op(2, get("x"), 5, val("2"), 6),
		}, true},
		{"a stale read after a completed write is not linearizable", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, ok, 3), op(1, get("x"), 4, val("1"), 5),
		}, false},
		{"a read must not go back in time (new value, then old)", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, ok, 20),
			op(1, get("x"), 3, val("2"), 4), op(2, get("x"), 5, val("1"), 6),
		}, false},
		{"a lost acknowledged write is not linearizable", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(1, get("x"), 2, nilOut, 3),
		}, false},
		{"two INCRs returning the same number are not linearizable", []porcupine.Operation{
			op(0, incr("c"), 0, num(1), 10), op(1, incr("c"), 0, num(1), 10),
		}, false},
		{"concurrent INCRs returning 1 and 2 in either order are", []porcupine.Operation{
			op(0, incr("c"), 0, num(2), 10), op(1, incr("c"), 1, num(1), 9), op(2, get("c"), 11, val("2"), 12),
		}, true},
		{"a write of unknown outcome may have happened", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, unknown, -1), op(1, get("x"), 5, val("2"), 6),
		}, true},
		{"a write of unknown outcome may not have happened", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, unknown, -1), op(1, get("x"), 5, val("1"), 6),
		}, true},
		{"but not both: seen, then unseen", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, set("x", "2"), 2, unknown, -1),
			op(1, get("x"), 5, val("2"), 6), op(1, get("x"), 7, val("1"), 8),
		}, false},
		{"an INCR of unknown outcome counts at most once", []porcupine.Operation{
			op(0, incr("c"), 0, num(1), 1), op(0, incr("c"), 2, unknown, -1), op(1, incr("c"), 5, num(3), 6),
		}, true},
		{"an unknown INCR cannot explain a jump of two", []porcupine.Operation{
			op(0, incr("c"), 0, num(1), 1), op(0, incr("c"), 2, unknown, -1), op(1, incr("c"), 5, num(4), 6),
		}, false},
		{"INCR of a non-integer fails and changes nothing", []porcupine.Operation{
			op(0, set("x", "a"), 0, ok, 1), op(0, incr("x"), 2, errOut("ERR value is not an integer"), 3),
			op(0, get("x"), 4, val("a"), 5),
		}, true},
		{"INCR of an integer cannot fail as a non-integer", []porcupine.Operation{
			op(0, set("x", "7"), 0, ok, 1), op(0, incr("x"), 2, errOut("ERR value is not an integer"), 3),
		}, false},
		{"a DEL of unknown outcome may have removed the key", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, del("x"), 2, unknown, -1), op(1, get("x"), 5, nilOut, 6),
		}, true},
		{"DEL counts the key it removed", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(0, del("x"), 2, num(0), 3),
		}, false},
		{"keys are independent: each key is checked alone", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(1, set("y", "1"), 0, ok, 1),
			op(0, get("y"), 2, val("1"), 3), op(1, get("x"), 2, val("1"), 3), op(2, get("z"), 0, nilOut, 5),
		}, true},
		{"a violation on one key fails the history", []porcupine.Operation{
			op(0, set("x", "1"), 0, ok, 1), op(1, set("y", "1"), 0, ok, 1),
			op(0, get("y"), 2, val("1"), 3), op(1, get("x"), 2, nilOut, 3),
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, info := porcupine.CheckOperationsVerbose(KVModel(), c.ops, 10*time.Second)
			if got := res == porcupine.Ok; got != c.want || res == porcupine.Unknown {
				t.Fatalf("check: %s, want linearizable=%v", res, c.want)
			}
			// The visualization, saved on failure by the fault suite, renders either way.
			path := filepath.Join(t.TempDir(), "history.html")
			if err := porcupine.VisualizePath(KVModel(), info, path); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil || st.Size() == 0 {
				t.Fatalf("visualization: %v", err)
			}
		})
	}
}

func TestHistoryRecordsUnknownOutcomesAsNeverReturning(t *testing.T) {
	h := NewHistory()
	call := h.Now()
	h.Add(0, set("x", "1"), call, ok, h.Now())
	h.Add(1, set("x", "2"), h.Now(), unknown, h.Now())
	ops := h.Operations()
	if len(ops) != 2 || h.Len() != 2 {
		t.Fatalf("%d operations", len(ops))
	}
	if ops[0].Return < ops[0].Call || ops[0].Return == neverReturned {
		t.Fatalf("acknowledged write: call %d return %d", ops[0].Call, ops[0].Return)
	}
	if ops[1].Return != neverReturned {
		t.Fatalf("unknown write returns at %d", ops[1].Return)
	}
}
