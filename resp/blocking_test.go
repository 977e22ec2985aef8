package resp

import (
	"io"
	"math"
	"net"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func TestBlockTimeoutsParseLikeRedis(t *testing.T) {
	const now = int64(1_700_000_000_000)
	for _, tc := range []struct {
		arg      string
		deadline int64
		err      string
	}{
		{"0", 0, ""},
		{"1", now + 1000, ""},
		{"0.5", now + 500, ""},
		{"1.5", now + 1500, ""},
		{".5", now + 500, ""},
		{"5.", now + 5000, ""},
		{"+1", now + 1000, ""},
		{"0x10", now + 16000, ""},
		{"0x1p3", now + 8000, ""},
		{"1e-400", 0, ""},  // a long double: not zero, but 0 ms
		{"0.0001", 0, ""},  // truncated to 0 ms: wait forever
		{"-0.0001", 0, ""}, // also 0 ms
		{"-0", 0, ""},
		{"9223372036854775", 0, ""}, // fits in ms, but past any clock: never
		{"-1", 0, errTimeoutNegative},
		{"-0.001", 0, errTimeoutNegative},
		{"inf", 0, errTimeoutNegative},
		{"-Infinity", 0, errTimeoutNegative},
		{"1e400", 0, errTimeoutNegative}, // finite as a long double; times 1000 overflows
		{"9223372036854776", 0, errTimeoutNegative},
		{"9.3e15", 0, errTimeoutNegative},
		{"nan", 0, errTimeoutNotFloat},
		{"1e5000", 0, errTimeoutNotFloat},
		{"", 0, errTimeoutNotFloat},
		{" 1", 0, errTimeoutNotFloat},
		{"1 ", 0, errTimeoutNotFloat},
		{"abc", 0, errTimeoutNotFloat},
		{"0b1", 0, errTimeoutNotFloat},
		{"1_0", 0, errTimeoutNotFloat},
		{"1e", 0, errTimeoutNotFloat},
	} {
		deadline, err := parseBlockTimeout([]byte(tc.arg), now)
		if deadline != tc.deadline || err != tc.err {
			t.Errorf("timeout %q = %d, %q; want %d, %q", tc.arg, deadline, err, tc.deadline, tc.err)
		}
	}
	if d, err := parseBlockTimeout([]byte("1"), math.MaxInt64-10); d != 0 || err != "" {
		t.Errorf("a deadline past MaxInt64 = %d, %q; want 0 (never)", d, err)
	}
}

// signalled reports whether w has a pending signal, taking it.
func signalled(w *waiter) bool {
	select {
	case <-w.wake:
		return true
	default:
		return false
	}
}

func TestRegistrySignalsOnlyTheFirstWaiterOfAChangedKey(t *testing.T) {
	r := newBlockRegistry()
	a := r.register(0, [][]byte{[]byte("k")})
	b := r.register(0, [][]byte{[]byte("other"), []byte("k")})
	c := r.register(1, [][]byte{[]byte("k")})
	r.notify([]engine.Touched{{DB: 0, Key: []byte("k")}})
	if !signalled(a) || signalled(b) || signalled(c) {
		t.Fatal("a change of k in db 0 must signal the first waiter on it only")
	}
	if h := r.heads(b); h[0] != true || h[1] != false {
		t.Fatalf("heads of b = %v, want [true false]", h)
	}
	r.notify([]engine.Touched{{DB: 0, Key: []byte("other")}, {DB: 1, Key: []byte("k")}})
	if signalled(a) || !signalled(b) || !signalled(c) {
		t.Fatal("changes of other (db 0) and k (db 1) must signal b and c")
	}
	r.unregister(a)
	if !signalled(b) {
		t.Fatal("the waiter that becomes first on k when a leaves must be signalled")
	}
	if h := r.heads(b); h[0] != true || h[1] != true {
		t.Fatalf("heads of b after a left = %v, want [true true]", h)
	}
	r.unregister(b)
	r.unregister(c)
	if len(r.queues) != 0 || r.waiters.Load() != 0 {
		t.Fatalf("registry not empty after every waiter left: %v", r.queues)
	}
}

func TestRegistrySignalsTheFirstWaiterOfEveryKeyOfAFlushedDatabase(t *testing.T) {
	r := newBlockRegistry()
	a := r.register(2, [][]byte{[]byte("x")})
	b := r.register(2, [][]byte{[]byte("y")})
	c := r.register(3, [][]byte{[]byte("x")})
	r.notify([]engine.Touched{{DB: 2, Flushed: true}})
	if !signalled(a) || !signalled(b) || signalled(c) {
		t.Fatal("a flush of db 2 must signal the waiters of db 2 only")
	}
}

func TestAFirstTryYieldsTheKeysWhereOthersWaitAndARetrySkipsThem(t *testing.T) {
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	heads := []bool{false, true, false}
	ks, modes := attemptKeys(keys, heads, true)
	if len(ks) != 3 || string(modes) != string([]byte{raftfsm.ListYield, raftfsm.ListPop, raftfsm.ListYield}) {
		t.Fatalf("first try: %q %q", ks, modes)
	}
	ks, modes = attemptKeys(keys, heads, false)
	if len(ks) != 1 || string(ks[0]) != "b" || modes[0] != raftfsm.ListRetry {
		t.Fatalf("retry: %q %q", ks, modes)
	}
}

func TestBlockReaderHandsOverWhatItReadAhead(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	r := &blockReader{nc: server}
	r.startReadAhead()
	go client.Write([]byte("PING\r\n"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The read-ahead owns pending until it stops; wait for the bytes by letting it run a while,
		// then stopping it to look.
		time.Sleep(time.Millisecond)
		r.stopReadAhead()
		if len(r.pending) >= 6 {
			break
		}
		if r.err != nil {
			t.Fatalf("the read-ahead ended: %v", r.err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the read-ahead did not read the client's bytes")
		}
		r.startReadAhead()
	}
	if r.err != nil {
		t.Fatalf("stopping the read-ahead left error %v", r.err)
	}
	buf := make([]byte, 64)
	go client.Write([]byte("ECHO\r\n"))
	var got []byte
	for len(got) < 12 {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "PING\r\nECHO\r\n" {
		t.Fatalf("read %q, want the read-ahead bytes then the connection's", got)
	}
}

func TestBlockReaderEndsOnEOF(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	r := &blockReader{nc: server}
	done := r.startReadAhead()
	client.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the read-ahead did not end when the client closed")
	}
	if r.err != io.EOF {
		t.Fatalf("err = %v, want EOF", r.err)
	}
	r.stopReadAhead()
	if _, err := r.Read(make([]byte, 8)); err != io.EOF {
		t.Fatalf("Read after the read-ahead = %v, want EOF", err)
	}
}
