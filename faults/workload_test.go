package faults

import (
	"errors"
	"testing"
	"time"
)

func TestUnavailabilityIsTheLongestStretchWithoutAnAckOnTheOtherNodes(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	w := &Workload{events: []ackEvent{
		{ms(100), "node2", false}, {ms(900), "node2", false}, // before the fault: the last one counts as its start
		{ms(1500), "node1", false}, {ms(2500), "node1", false}, // the faulted node's acks do not count
		{ms(3400), "node3", false}, {ms(3500), "node2", false}, {ms(5000), "node3", false},
	}}
	if got := w.Unavailability(ms(1000), ms(6000), "node1", false); got != ms(2500) {
		t.Errorf("got %v, want 2.5s (900ms to 3400ms)", got)
	}
	// Nothing acknowledged after 5000 ms: the outage runs to the end of the window.
	if got := w.Unavailability(ms(1000), ms(9000), "node1", false); got != ms(4000) {
		t.Errorf("got %v, want 4s (5000ms to 9000ms)", got)
	}
	// Counting the faulted node's acks splits the first stretch.
	if got := w.Unavailability(ms(1000), ms(6000), "", false); got != ms(1500) {
		t.Errorf("got %v, want 1.5s (3500ms to 5000ms)", got)
	}
	// A stretch that only overlaps the window counts whole.
	if got := w.Unavailability(ms(3450), ms(3600), "node1", false); got != ms(1500) {
		t.Errorf("got %v, want 1.5s (3500ms to 5000ms overlaps the window)", got)
	}
	if got := (&Workload{}).Unavailability(ms(1000), ms(2000), "", false); got != ms(1000) {
		t.Errorf("no acks at all: got %v, want the whole window", got)
	}
	// Probes only: the workers' acks at 3400 and 3500 do not count; the probes at 1200 and 4000 do.
	w.events = append(w.events, ackEvent{ms(1200), "node2", true}, ackEvent{ms(4000), "node3", true})
	if got := w.Unavailability(ms(1000), ms(6000), "node1", true); got != ms(2800) {
		t.Errorf("probes only: got %v, want 2.8s (1200ms to 4000ms)", got)
	}
}

func TestCheckerRecordsWhatAReplyProves(t *testing.T) {
	lost := errors.New("read tcp: i/o timeout")
	cases := []struct {
		name          string
		in            KVInput
		r             Reply
		err           error
		out           KVOutput
		record, acked bool
	}{
		{"a GET's value", get("k"), Reply{Kind: '$', Str: "7"}, nil, val("7"), true, false},
		{"a GET's nil", get("k"), Reply{Kind: '$', Nil: true}, nil, KVOutput{}, true, false},
		{"a failed GET observed nothing", get("k"), Reply{Kind: '-', Str: "ERR no leader"}, nil, KVOutput{}, false, false},
		{"a GET that timed out observed nothing", get("k"), Reply{}, lost, KVOutput{}, false, false},
		{"an acknowledged SET", set("k", "1"), Reply{Kind: '+', Str: "OK"}, nil, KVOutput{}, true, true},
		{"a SET that timed out may have happened", set("k", "1"), Reply{}, lost, unknown, true, false},
		{"a SET answered with an error may have happened", set("k", "1"), Reply{Kind: '-', Str: "ERR raftfsm: write outcome unknown"}, nil, unknown, true, false},
		{"a SET never sent did nothing", set("k", "1"), Reply{}, ErrNotSent, KVOutput{}, false, false},
		{"an INCR's value", incr("k"), Reply{Kind: ':', Int: 5}, nil, num(5), true, true},
		{"INCR of a non-integer is INCR's own answer", incr("k"), Reply{Kind: '-', Str: "ERR value is not an integer or out of range"}, nil,
			errOut("ERR value is not an integer or out of range"), true, false},
		{"a DEL's count", del("k"), Reply{Kind: ':', Int: 1}, nil, num(1), true, true},
		{"a DEL that failed may have happened", del("k"), Reply{Kind: '-', Str: "ERR x"}, nil, unknown, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, record, acked := checkerOutput(c.in, c.r, c.err)
			if out != c.out || record != c.record || acked != c.acked {
				t.Fatalf("got %+v record=%v acked=%v, want %+v record=%v acked=%v", out, record, acked, c.out, c.record, c.acked)
			}
		})
	}
}
