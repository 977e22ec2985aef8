package faults

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reply is a RESP2 reply.
type Reply struct {
	Kind  byte   // '+', '-', ':', '$', '*'
	Str   string // status, error or bulk string
	Int   int64
	Nil   bool // a nil bulk string or array
	Elems []Reply
}

// Err returns the error reply as a Go error, or nil.
func (r Reply) Err() error {
	if r.Kind == '-' {
		return errors.New(r.Str)
	}
	return nil
}

func (r Reply) String() string {
	switch {
	case r.Nil:
		return "(nil)"
	case r.Kind == ':':
		return strconv.FormatInt(r.Int, 10)
	case r.Kind == '*':
		parts := make([]string, len(r.Elems))
		for i, e := range r.Elems {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, " ") + "]"
	case r.Kind == '-':
		return "error: " + r.Str
	}
	return strconv.Quote(r.Str)
}

// Client is one connection to one node, as one client of a workload sees it: one command at a time,
// each with a deadline, never retried. After a transport failure (the outcome of the command is then
// unknown) the connection is dropped and dialled again for the next command.
type Client struct {
	addr    func() string // the node's current client address (it may change across restarts)
	timeout time.Duration

	nc net.Conn
	r  *bufio.Reader
}

// NewClient returns a client of the node whose address addr returns. Nothing is dialled yet.
func NewClient(addr func() string, timeout time.Duration) *Client {
	return &Client{addr: addr, timeout: timeout}
}

// ErrNotSent says a command was not sent at all (the dial failed): it certainly did nothing.
var ErrNotSent = errors.New("not sent: could not connect")

// Do sends one command and reads its reply. An error is a transport failure: ErrNotSent when the
// command never left, otherwise its outcome is unknown. Error replies are returned as replies.
func (c *Client) Do(args ...string) (Reply, error) {
	if c.nc == nil {
		nc, err := net.DialTimeout("tcp", c.addr(), c.timeout)
		if err != nil {
			return Reply{}, fmt.Errorf("%w: %v", ErrNotSent, err)
		}
		c.nc, c.r = nc, bufio.NewReader(nc)
	}
	c.nc.SetDeadline(time.Now().Add(c.timeout))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.nc, b.String()); err != nil {
		c.Close()
		return Reply{}, err
	}
	r, err := readReply(c.r)
	if err != nil {
		c.Close()
		return Reply{}, err
	}
	return r, nil
}

// Read sends a read command until it gets a reply that is not an error, or timeout passes: a read
// is safe to repeat, and right after a fault a node may answer CLUSTERDOWN (no leader confirmed the
// read) for a moment. It returns the last failure on timeout.
func (c *Client) Read(timeout time.Duration, args ...string) (Reply, error) {
	deadline := time.Now().Add(timeout)
	for {
		r, err := c.Do(args...)
		if err == nil {
			err = r.Err()
		}
		if err == nil {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%s: %w", args[0], err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close drops the connection.
func (c *Client) Close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc, c.r = nil, nil
	}
}

func readReply(r *bufio.Reader) (Reply, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return Reply{}, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return Reply{}, errors.New("empty reply line")
	}
	rep := Reply{Kind: line[0]}
	body := line[1:]
	switch rep.Kind {
	case '+', '-':
		rep.Str = body
	case ':':
		if rep.Int, err = strconv.ParseInt(body, 10, 64); err != nil {
			return Reply{}, err
		}
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n > 512<<20 {
			return Reply{}, fmt.Errorf("bad bulk length %q", body)
		}
		if n < 0 {
			rep.Nil = true
			return rep, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return Reply{}, err
		}
		rep.Str = string(buf[:n])
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n > 1<<20 {
			return Reply{}, fmt.Errorf("bad array length %q", body)
		}
		if n < 0 {
			rep.Nil = true
			return rep, nil
		}
		rep.Elems = make([]Reply, n)
		for i := range rep.Elems {
			if rep.Elems[i], err = readReply(r); err != nil {
				return Reply{}, err
			}
		}
	default:
		return Reply{}, fmt.Errorf("unexpected reply %q", line)
	}
	return rep, nil
}

// infoFields parses INFO's "name:value" lines.
func infoFields(info string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":"); ok && !strings.HasPrefix(k, "#") {
			m[k] = v
		}
	}
	return m
}
