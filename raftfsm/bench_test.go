package raftfsm

import (
	"bytes"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/engine"
)

// BenchmarkApplyBatch measures the FSM's apply path as Raft drives it under pipelined load: one
// ApplyBatch of 64 entries, each a connection's pipeline of 16 SETs with 1 KiB values, on disk with
// the engine's DefaultOptions (SyncWrites off). Keys cycle over 16 Ki keys, so most SETs overwrite.
// One op is one ApplyBatch (1024 SETs); ns/set is reported alongside.
//
//	go test -run '^$' -bench ApplyBatch -benchmem ./raftfsm/
func BenchmarkApplyBatch(b *testing.B) {
	const entriesPerBatch, setsPerEntry, distinctBatches = 64, 16, 16
	db := openEngine(b, engine.DefaultOptions(b.TempDir()).WithLogger(discardLogger()))
	f := NewFSM(db, discardLogger())
	value := bytes.Repeat([]byte{'v'}, 1024)

	// Entries are encoded once; each iteration only gives them new indexes.
	var data [distinctBatches][entriesPerBatch][]byte
	for bi := range data {
		for e := range data[bi] {
			cmds := make([]Command, setsPerEntry)
			for s := range cmds {
				key := keyName("key", (bi*entriesPerBatch+e)*setsPerEntry+s)
				cmds[s] = Command{Op: OpSet, Args: [][]byte{[]byte(key), value, {0}, Int64Arg(0)}}
			}
			data[bi][e] = encodeBatch(t0, cmds)
		}
	}
	logs := make([]*raft.Log, entriesPerBatch)
	for i := range logs {
		logs[i] = &raft.Log{Term: 1, Type: raft.LogCommand}
	}
	index := uint64(0)
	b.SetBytes(entriesPerBatch * setsPerEntry * int64(len(value)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for e, l := range logs {
			index++
			l.Index = index
			l.Data = data[i%distinctBatches][e]
		}
		out := f.ApplyBatch(logs)
		if rs, ok := out[len(out)-1].([]Result); !ok || rs[0].Kind != ResultOK {
			b.Fatalf("unexpected response %v", out[len(out)-1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*entriesPerBatch*setsPerEntry), "ns/set")
}
