// Package resp is a minimal pipelined RESP client for benchmarking: write N commands, flush once,
// read N replies. It allocates nothing per command or reply on the hot path (WriteArgs, ReadReply),
// so the numbers measure the server, not the client. Do is the slower, allocating path for setup
// commands such as INFO and CONFIG GET.
package resp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// bufSize is the size of each connection's read and write buffers.
const bufSize = 64 << 10

// Conn is one client connection. It is not safe for concurrent use.
type Conn struct {
	nc      net.Conn
	bw      *bufio.Writer
	br      *bufio.Reader
	num     []byte // scratch for formatting lengths
	scratch []byte // scratch for lines longer than the read buffer
}

// Dial connects to addr (host:port) over TCP with Nagle's algorithm off, as Redis clients do.
func Dial(ctx context.Context, addr string, timeout time.Duration) (*Conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			nc.Close()
			return nil, err
		}
	}
	return NewConn(nc), nil
}

// NewConn wraps an established connection.
func NewConn(nc net.Conn) *Conn {
	return &Conn{
		nc:  nc,
		bw:  bufio.NewWriterSize(nc, bufSize),
		br:  bufio.NewReaderSize(nc, bufSize),
		num: make([]byte, 0, 24),
	}
}

// Close closes the connection; a read or write blocked on it returns an error.
func (c *Conn) Close() error { return c.nc.Close() }

// SetDeadline sets the read and write deadline of the underlying connection.
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// WriteArgs buffers one command as a RESP array of bulk strings. Nothing is sent until Flush (or
// until the write buffer fills).
func (c *Conn) WriteArgs(args ...[]byte) error {
	c.writeHeader('*', len(args))
	for _, a := range args {
		c.writeHeader('$', len(a))
		c.bw.Write(a)
		c.bw.WriteString("\r\n")
	}
	// bufio.Writer remembers the first write error and returns it from every later call.
	_, err := c.bw.Write(nil)
	return err
}

func (c *Conn) writeHeader(prefix byte, n int) {
	c.num = append(c.num[:0], prefix)
	c.num = strconv.AppendInt(c.num, int64(n), 10)
	c.num = append(c.num, '\r', '\n')
	c.bw.Write(c.num)
}

// Flush sends every buffered command.
func (c *Conn) Flush() error { return c.bw.Flush() }

// Do sends one command and reads its whole reply, with contents. It is for setup and inspection,
// not for the measured loop.
func (c *Conn) Do(args ...string) (Value, error) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	if err := c.WriteArgs(bs...); err != nil {
		return Value{}, err
	}
	if err := c.Flush(); err != nil {
		return Value{}, err
	}
	return c.ReadValue()
}

// ProtocolError reports a reply that is not valid RESP.
type ProtocolError struct {
	Line string
	Why  string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("resp: protocol error: %s in %q", e.Why, e.Line)
}
