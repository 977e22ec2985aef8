package resp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// startReadTxServer starts a server and returns its address.
func startReadTxServer(t *testing.T) string {
	t.Helper()
	db, node := startNode(t)
	srv := NewServer(Config{Logger: quietLogger()}, db, node)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

func dialReadTx(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// pipelineReplies sends the commands as one request and checks the replies.
func pipelineReplies(t *testing.T, nc net.Conn, want string, cmds ...[]string) {
	t.Helper()
	var req bytes.Buffer
	for _, c := range cmds {
		args := make([][]byte, len(c))
		for i, a := range c {
			args[i] = []byte(a)
		}
		writeCommand(&req, args...)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(nc, got); err != nil {
		t.Fatalf("reading %d bytes of replies: %v (got %q)", len(want), err, got)
	}
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// The reads of a batch share one engine transaction while nothing is written (Conn.reading): a read
// after a write of the same pipeline must see it, and a batch sees what others wrote before it.
func TestReadsInAPipelineSeeTheWritesBeforeThem(t *testing.T) {
	addr := startReadTxServer(t)
	a, b := dialReadTx(t, addr), dialReadTx(t, addr)
	pipelineReplies(t, a, "+OK\r\n$1\r\na\r\n+OK\r\n$1\r\nb\r\n:1\r\n*3\r\n$1\r\nb\r\n$-1\r\n$-1\r\n$-1\r\n:1\r\n$-1\r\n",
		[]string{"SET", "k", "a"}, []string{"GET", "k"},
		[]string{"SET", "k", "b"}, []string{"GET", "k"},
		[]string{"LPUSH", "l", "x"}, []string{"MGET", "k", "l", "missing"}, []string{"GET", "missing"},
		[]string{"DEL", "k"}, []string{"GET", "k"})
	pipelineReplies(t, b, "+OK\r\n+OK\r\n", []string{"SET", "k", "c"}, []string{"SET", "empty", ""})
	pipelineReplies(t, a, "$1\r\nc\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$0\r\n\r\n*2\r\n$0\r\n\r\n$1\r\nc\r\n",
		[]string{"GET", "k"}, []string{"GET", "l"}, []string{"GET", "empty"}, []string{"MGET", "empty", "k"})
	pipelineReplies(t, b, ":1\r\n", []string{"DEL", "k"})
	pipelineReplies(t, a, "$-1\r\n", []string{"GET", "k"})
}

// MGET reads all its keys from one snapshot, even when a write commits while it runs (the batch's
// read transaction is then replaced, but not in the middle of a command).
func TestMGetNeverSeesHalfAnMSet(t *testing.T) {
	addr := startReadTxServer(t)
	w, r := dialReadTx(t, addr), dialReadTx(t, addr)
	done := make(chan error, 1)
	go func() {
		w.SetDeadline(time.Now().Add(20 * time.Second))
		for i := range 300 { // one Raft entry, one commit, each
			var req bytes.Buffer
			v := []byte(strconv.Itoa(i))
			writeCommand(&req, []byte("MSET"), []byte("a"), v, []byte("b"), v)
			if _, err := w.Write(req.Bytes()); err != nil {
				done <- err
				return
			}
			if _, err := io.ReadFull(w, make([]byte, len("+OK\r\n"))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	br := bufio.NewReader(r)
	var req bytes.Buffer
	for range 8 {
		writeCommand(&req, []byte("MGET"), []byte("a"), []byte("b"))
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		r.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := r.Write(req.Bytes()); err != nil {
			t.Fatal(err)
		}
		for range 8 {
			var vals [2]string
			for i := -1; i < 2; i++ { // the array header, then two bulk strings or nils
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if i >= 0 && line != "$-1\r\n" {
					if line, err = br.ReadString('\n'); err != nil {
						t.Fatal(err)
					}
					vals[i] = line
				}
			}
			if vals[0] != vals[1] {
				t.Fatalf("MGET a b saw a=%q b=%q", vals[0], vals[1])
			}
		}
	}
}

// TestPanickingCommandClosesOnlyItsConnection: a command whose handler panics (a bug) closes its
// connection; the server and the other connections go on.
func TestPanickingCommandClosesOnlyItsConnection(t *testing.T) {
	db, node := startNode(t)
	srv := NewServer(Config{Logger: quietLogger()}, db, node)
	srv.commands["panicnow"] = &command{name: "panicnow", arity: 1, run: func(*Conn, [][]byte) { panic("a bug") }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	other := dialReadTx(t, ln.Addr().String())
	pipelineReplies(t, other, "+OK\r\n", []string{"SET", "k", "v"})
	bad := dialReadTx(t, ln.Addr().String())
	bad.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := bad.Write([]byte("*1\r\n$8\r\nPANICNOW\r\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := bad.Read(make([]byte, 64)); err == nil {
		t.Fatalf("the panicking connection answered %d bytes; want it closed", n)
	}
	pipelineReplies(t, other, "$1\r\nv\r\n", []string{"GET", "k"})
	pipelineReplies(t, dialReadTx(t, ln.Addr().String()), "+PONG\r\n", []string{"PING"})
}
