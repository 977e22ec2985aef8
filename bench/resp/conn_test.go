package resp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeConn is a net.Conn that reads from r and writes to w.
type fakeConn struct {
	net.Conn
	r io.Reader
	w bytes.Buffer
}

func (f *fakeConn) Read(p []byte) (int, error)  { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error) { return f.w.Write(p) }
func (f *fakeConn) Close() error                { return nil }

func newTestConn(input string) (*Conn, *fakeConn) {
	f := &fakeConn{r: strings.NewReader(input)}
	return NewConn(f), f
}

func TestWriteArgsEncodesARESPArrayOfBulkStrings(t *testing.T) {
	c, f := newTestConn("")
	if err := c.WriteArgs([]byte("SET"), []byte("key:1"), []byte("")); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteArgs([]byte("GET"), []byte("k")); err != nil {
		t.Fatal(err)
	}
	if f.w.Len() != 0 {
		t.Fatalf("wrote %q before Flush", f.w.String())
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	if got := f.w.String(); got != want {
		t.Fatalf("wrote %q, want %q", got, want)
	}
}

func TestReadReplySummarisesEveryKind(t *testing.T) {
	big := strings.Repeat("v", 3*bufSize)
	tests := []struct {
		name  string
		input string
		want  Reply
		text  string
	}{
		{"simple string", "+OK\r\n", Reply{Kind: SimpleString}, "OK"},
		{"error", "-ERR unknown command 'FOO'\r\n", Reply{Kind: Error}, "ERR unknown command 'FOO'"},
		{"integer", ":-42\r\n", Reply{Kind: Integer, Int: -42}, ""},
		{"bulk string", "$5\r\nhello\r\n", Reply{Kind: BulkString, Int: 5}, ""},
		{"empty bulk string", "$0\r\n\r\n", Reply{Kind: BulkString}, ""},
		{"bulk string larger than the read buffer", "$196608\r\n" + big + "\r\n", Reply{Kind: BulkString, Int: 3 * bufSize}, ""},
		{"null bulk string", "$-1\r\n", Reply{Kind: BulkString, Nil: true, Int: -1}, ""},
		{"null array", "*-1\r\n", Reply{Kind: Array, Nil: true, Int: -1}, ""},
		{"RESP3 null", "_\r\n", Reply{Kind: Null, Nil: true}, ""},
		{"MGET reply with misses", "*3\r\n$1\r\na\r\n$-1\r\n$-1\r\n", Reply{Kind: Array, Int: 3, NilElems: 2}, ""},
		{"nested array", "*2\r\n*1\r\n:1\r\n+x\r\n", Reply{Kind: Array, Int: 2}, ""},
		{"RESP3 map", "%1\r\n+k\r\n_\r\n", Reply{Kind: Map, Int: 1, NilElems: 1}, ""},
		{"RESP3 attribute before a reply", "|1\r\n+ttl\r\n:3\r\n+OK\r\n", Reply{Kind: SimpleString}, "OK"},
		{"blob error", "!5\r\nERR x\r\n", Reply{Kind: BlobError, Int: 5}, "ERR x"},
		{"simple string longer than the read buffer", "+" + big + "\r\n", Reply{Kind: SimpleString}, big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestConn(tt.input + "+NEXT\r\n")
			got, err := c.ReadReply()
			if err != nil {
				t.Fatal(err)
			}
			text := string(got.Text)
			got.Text = nil
			if !reflect.DeepEqual(got, tt.want) || text != tt.text {
				t.Fatalf("got %+v text %.40q, want %+v text %.40q", got, text, tt.want, tt.text)
			}
			// The reply was consumed exactly: the next one reads cleanly.
			next, err := c.ReadReply()
			if err != nil || string(next.Text) != "NEXT" {
				t.Fatalf("next reply = %+v, %v; want +NEXT", next, err)
			}
		})
	}
}

func TestReadReplyRejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr error
	}{
		{"unknown type byte", "?x\r\n", nil},
		{"line without CR", "+OK\n", nil},
		{"empty line", "\r\n", nil},
		{"bad integer", ":12a\r\n", nil},
		{"bad bulk length", "$\r\n", nil},
		{"bulk without CRLF after contents", "$2\r\nabcd", nil},
		{"truncated bulk", "$10\r\nabc", io.ErrUnexpectedEOF},
		{"truncated line", "+OK", io.ErrUnexpectedEOF},
		{"truncated array", "*2\r\n:1\r\n", io.EOF},
		{"integer overflow", ":99999999999999999999\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestConn(tt.input)
			_, err := c.ReadReply()
			if err == nil {
				t.Fatal("no error")
			}
			var pe *ProtocolError
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *ProtocolError", err, err)
			}
			c, _ = newTestConn(tt.input)
			if _, err := c.ReadValue(); err == nil {
				t.Fatal("ReadValue: no error")
			}
		})
	}
}

func TestReadValueKeepsContents(t *testing.T) {
	c, _ := newTestConn("*4\r\n$5\r\nhello\r\n$-1\r\n:7\r\n*1\r\n+in\r\n-ERR boom\r\n")
	v, err := c.ReadValue()
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != Array || len(v.Elems) != 4 {
		t.Fatalf("got %+v", v)
	}
	if v.Elems[0].Str != "hello" || !v.Elems[1].Nil || v.Elems[2].Int != 7 || v.Elems[3].Elems[0].Str != "in" {
		t.Fatalf("elements %+v", v.Elems)
	}
	e, err := c.ReadValue()
	if err != nil {
		t.Fatal(err)
	}
	var se ServerError
	if !errors.As(e.Err(), &se) || string(se) != "ERR boom" {
		t.Fatalf("Err() = %v, want ServerError(ERR boom)", e.Err())
	}
}

func TestReadReplyNestingIsBounded(t *testing.T) {
	c, _ := newTestConn(strings.Repeat("*1\r\n", maxDepth+1) + ":1\r\n")
	var pe *ProtocolError
	if _, err := c.ReadReply(); !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *ProtocolError", err)
	}
}

// repeatReader returns the same bytes forever.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

func TestPipelinedRoundTripDoesNotAllocate(t *testing.T) {
	f := &fakeConn{r: &repeatReader{b: []byte("+OK\r\n$4\r\nabcd\r\n*2\r\n$1\r\nx\r\n$-1\r\n")}}
	c := NewConn(f)
	set, get, key, val := []byte("SET"), []byte("GET"), []byte("key:000000000001"), bytes.Repeat([]byte("v"), 1024)
	allocs := testing.AllocsPerRun(1000, func() {
		c.WriteArgs(set, key, val)
		c.WriteArgs(get, key)
		c.WriteArgs(get, key)
		c.Flush()
		for i := 0; i < 3; i++ {
			if _, err := c.ReadReply(); err != nil {
				t.Fatal(err)
			}
		}
		f.w.Reset()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per pipelined round trip, want 0", allocs)
	}
}

func TestDoTalksToAServerOverTCP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	served := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		// Expect exactly one PING command, then answer it.
		want := "*1\r\n$4\r\nPING\r\n"
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(br, buf); err != nil {
			served <- err
			return
		}
		if string(buf) != want {
			served <- errors.New("server got " + string(buf))
			return
		}
		_, err = nc.Write([]byte("+PONG\r\n"))
		served <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, err := c.Do("PING")
	if err != nil || v.Str != "PONG" {
		t.Fatalf("PING = %+v, %v", v, err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
