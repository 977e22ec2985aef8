package compat_test

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestPipelinedReadsRideWithTheWritesBeforeThem sends one pipeline that alternates runs of writes
// with fast reads of the keys just written (GET, MGET, EXISTS, TTL, HGET, a wrong type, a missing
// key), in RESP2 and RESP3, to flin-resp and to Redis: the replies are the same, and the reads
// went into their writes' Raft entries, so the commit index grew by far fewer entries than the
// pipeline has runs of writes.
func TestPipelinedReadsRideWithTheWritesBeforeThem(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, "")
	r := harness.StartRedis(t)
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			cmds := [][]string{{"HELLO", proto}}
			runs := 0
			for i := range 40 {
				k := fmt.Sprintf("pr%s:%d", proto, i%5)
				cmds = append(cmds,
					[]string{"SET", k, fmt.Sprint(i), "EX", "100"},
					[]string{"INCR", k},
					[]string{"HSET", "h" + k, "f", fmt.Sprint(i)})
				runs++
				switch i % 4 {
				case 0:
					cmds = append(cmds, []string{"GET", k}, []string{"TTL", k})
				case 1:
					cmds = append(cmds, []string{"MGET", k, "h" + k, "nosuch"}, []string{"EXISTS", k, "nosuch"})
				case 2:
					cmds = append(cmds, []string{"HGET", "h" + k, "f"}, []string{"HGET", k, "f"})
				case 3:
					cmds = append(cmds, []string{"STRLEN", k}, []string{"TYPE", "h" + k}, []string{"GET", "h" + k})
				}
			}
			info := redis.NewClient(&redis.Options{Addr: srv.Addr})
			t.Cleanup(func() { info.Close() })
			before := readRaftInfo(t, info).num(t, "raft_commit_index")
			got := pipeline(t, srv.Addr, cmds)
			after := readRaftInfo(t, info)
			entries := after.num(t, "raft_commit_index") - before
			// A single node is never behind, so it never reads through the log.
			if after["raft_catching_up"] != "0" || after["raft_reads_through_log"] != "0" {
				t.Errorf("INFO raft: raft_catching_up %q, raft_reads_through_log %q; want 0 and 0",
					after["raft_catching_up"], after["raft_reads_through_log"])
			}
			want := pipeline(t, r.Addr, cmds)
			for i := 1; i < len(want); i++ { // (HELLO's reply has each server's version and id)
				if got[i] != want[i] {
					t.Fatalf("reply %d to %q: flin %s, redis %s", i, cmds[i], got[i], want[i])
				}
			}
			// The pipeline is one write of a few KiB, which the server reads in one or a few
			// batches; with a Raft entry per run of writes it would take at least 40.
			if entries >= uint64(runs)/2 {
				t.Errorf("the pipeline took %d Raft entries for %d runs of writes", entries, runs)
			}
			t.Logf("%d commands, %d runs of writes, %d Raft entries", len(cmds), runs, entries)
		})
	}
}
