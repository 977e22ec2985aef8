package raftfsm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func sameCommands(a, b []Command) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Op != b[i].Op || a[i].DB != b[i].DB || len(a[i].Args) != len(b[i].Args) {
			return false
		}
		for j := range a[i].Args {
			if !bytes.Equal(a[i].Args[j], b[i].Args[j]) {
				return false
			}
		}
	}
	return true
}

// batchCases are batches that must survive encoding; FuzzDecodeBatch seeds from them too.
var batchCases = []struct {
	name string
	now  int64
	cmds []Command
}{
	{"no commands", t0, nil},
	{"zero time", 0, []Command{set("k", "v")}},
	{"one SET", t0, []Command{setOpts(3, "key", "value", SetNX|SetGet, t0+1000)}},
	{"every op", t0, []Command{
		set("a", "1"), del("a", "b", "c"), mset("a", "1", "b", "2"), incrBy("n", math.MinInt64),
		expire("a", t0+5, 0), persist("a"), flushDB(7), flushAll(),
	}},
	{"empty key and value", t0, []Command{set("", "")}},
	{"binary arguments", t0, []Command{mset("\x00\xff\r\n", string(bytes.Repeat([]byte{0x80}, 300)))}},
	{"database 255", t0, []Command{inDB(255, set("k", "v"))}},
	{"a command without arguments", t0, []Command{{Op: OpFlushAll}}},
	{"an unknown op", t0, []Command{{Op: 200, DB: 1, Args: [][]byte{nil, {1}}}}},
	{"a large value", t0, []Command{set("big", string(bytes.Repeat([]byte("x"), 1<<20)))}},
	{"many commands", t0, func() []Command {
		cmds := make([]Command, 1000)
		for i := range cmds {
			cmds[i] = incrBy(keyName("k", i), int64(i))
		}
		return cmds
	}()},
	{"the largest time", math.MaxInt64, []Command{persist("k")}},
}

func TestBatchEncodingRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range batchCases {
		t.Run(tc.name, func(t *testing.T) {
			data := encodeBatch(tc.now, tc.cmds)
			if data[0] != entryBatch {
				t.Fatalf("entry type = %d, want %d", data[0], entryBatch)
			}
			now, cmds, err := decodeBatch(data[1:])
			if err != nil {
				t.Fatalf("decodeBatch: %v", err)
			}
			if now != tc.now {
				t.Errorf("now = %d, want %d", now, tc.now)
			}
			if !sameCommands(cmds, tc.cmds) {
				t.Errorf("commands = %+v, want %+v", cmds, tc.cmds)
			}
		})
	}
}

// TestEncodeBatchKeepsTheDatabaseNumber: the db travels as one byte, so only 0..255 survive. A
// proposer must never hand in more; resp/ keeps SELECT within the engine's databases (at most 256).
func TestEncodeBatchKeepsTheDatabaseNumber(t *testing.T) {
	t.Parallel()
	for _, db := range []int{0, 1, 15, 255} {
		_, cmds, err := decodeBatch(encodeBatch(t0, []Command{inDB(db, persist("k"))})[1:])
		if err != nil || cmds[0].DB != db {
			t.Errorf("db %d decoded as %d, %v", db, cmds[0].DB, err)
		}
	}
}

func TestDecodeBatchRejectsTruncatedData(t *testing.T) {
	t.Parallel()
	for _, tc := range batchCases {
		if len(tc.cmds) == 0 || len(tc.cmds) > 10 || tc.name == "a large value" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			data := encodeBatch(tc.now, tc.cmds)[1:]
			for n := 0; n < len(data); n++ {
				if _, _, err := decodeBatch(data[:n]); !errors.Is(err, errCorruptEntry) {
					t.Fatalf("decodeBatch of the first %d of %d bytes: err = %v, want errCorruptEntry", n, len(data), err)
				}
			}
		})
	}
}

func TestDecodeBatchRejectsCorruptData(t *testing.T) {
	t.Parallel()
	valid := encodeBatch(t0, []Command{set("k", "v")})[1:]
	uv := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		data []byte
	}{
		{"trailing bytes", cat(valid, []byte{0})},
		{"a time varint that never ends", bytes.Repeat([]byte{0x80}, 11)},
		{"a time varint overflowing 64 bits", cat(bytes.Repeat([]byte{0xff}, 10), []byte{0x01})},
		{"a command count larger than the data", cat(uv(1), uv(1<<40))},
		{"a command count of MaxUint64", cat(uv(1), uv(math.MaxUint64))},
		{"a command count one too many", cat(uv(1), uv(2), []byte{byte(OpPersist), 0}, uv(1), uv(1), []byte("k"))},
		{"an argument count larger than the data", cat(uv(1), uv(1), []byte{byte(OpDel), 0}, uv(1<<50))},
		{"an argument length larger than the data", cat(uv(1), uv(1), []byte{byte(OpDel), 0}, uv(1), uv(1000), []byte("k"))},
		{"an argument length of MaxUint64", cat(uv(1), uv(1), []byte{byte(OpDel), 0}, uv(1), uv(math.MaxUint64))},
		{"a missing db byte", cat(uv(1), uv(1), []byte{byte(OpDel)})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := decodeBatch(tc.data); !errors.Is(err, errCorruptEntry) {
				t.Errorf("err = %v, want errCorruptEntry", err)
			}
		})
	}
}

// FuzzDecodeBatch: decodeBatch never panics, and what it accepts encodes back to a batch that
// decodes to the same commands.
func FuzzDecodeBatch(f *testing.F) {
	for _, tc := range batchCases {
		if tc.name == "a large value" || tc.name == "many commands" {
			continue
		}
		data := encodeBatch(tc.now, tc.cmds)[1:]
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x00, 0x00})             // a non-minimal varint
	f.Add([]byte{0x01, 0xff, 0xff, 0xff, 0x0f}) // a huge command count
	f.Fuzz(func(t *testing.T, data []byte) {
		now, cmds, err := decodeBatch(data)
		if err != nil {
			if !errors.Is(err, errCorruptEntry) {
				t.Fatalf("error %v is not errCorruptEntry", err)
			}
			return
		}
		if len(cmds) > len(data) {
			t.Fatalf("%d commands from %d bytes", len(cmds), len(data))
		}
		now2, cmds2, err := decodeBatch(encodeBatch(now, cmds)[1:])
		if err != nil || now2 != now || !sameCommands(cmds, cmds2) {
			t.Fatalf("re-encoding changed the batch: %v", err)
		}
	})
}

func TestResultString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Result
		want string
	}{
		{Result{Kind: ResultOK}, "OK"},
		{Result{Kind: ResultInt, Int: -3}, "-3"},
		{Result{Kind: ResultBulk, Bytes: []byte("a\"b")}, `"a\"b"`},
		{Result{Kind: ResultNil}, "(nil)"},
		{Result{Kind: ResultErr, Err: ErrTooBig}, "error: " + ErrTooBig.Error()},
	}
	for _, tc := range tests {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
