package raftfsm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// One internal port per node. Raft's RPCs and the forwarding protocol (forward.go) share the Raft
// listener: the first byte of every connection says which it is. Raft's network transport opens
// each connection by writing an RPC type (0-4 in hashicorp/raft v1.8); forwarding connections open
// with forwardMagic, a value Raft does not use, so the two never mix. A node therefore needs one
// internal address (--raft-addr / --raft-advertise), which is also what other nodes know it by in
// Raft's configuration.

// forwardMagic is the first byte of a forwarding connection.
const forwardMagic byte = 0xF1

// firstByteTimeout bounds how long an accepted connection may take to say what it is.
const firstByteTimeout = 10 * time.Second

// muxLayer is the raft.StreamLayer of a node: it hands Raft the connections Raft opened, and
// forwarding connections to serveForward.
type muxLayer struct {
	ln           net.Listener
	advertise    net.Addr
	raftConns    chan net.Conn
	serveForward func(net.Conn)

	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup // the accept loop and connections not yet handed over

	mu    sync.Mutex
	conns map[net.Conn]struct{} // connections not handed to Raft (being routed or forwarding), closed by Close
}

var _ raft.StreamLayer = (*muxLayer)(nil)

// newMuxLayer starts accepting on ln. advertise is the address other nodes dial.
func newMuxLayer(ln net.Listener, advertise net.Addr, serveForward func(net.Conn)) *muxLayer {
	m := &muxLayer{
		ln: ln, advertise: advertise, raftConns: make(chan net.Conn), serveForward: serveForward,
		closed: make(chan struct{}), conns: map[net.Conn]struct{}{},
	}
	m.wg.Add(1)
	go m.acceptLoop()
	return m
}

func (m *muxLayer) acceptLoop() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			m.Close()
			return
		}
		if !m.track(c) {
			c.Close()
			return
		}
		m.wg.Add(1)
		go m.route(c)
	}
}

// route reads a connection's first byte and hands it to Raft or to the forwarding server.
func (m *muxLayer) route(c net.Conn) {
	defer m.wg.Done()
	var first [1]byte
	c.SetReadDeadline(time.Now().Add(firstByteTimeout))
	if _, err := io.ReadFull(c, first[:]); err != nil {
		m.untrack(c, true)
		return
	}
	c.SetReadDeadline(time.Time{})
	if first[0] == forwardMagic {
		defer m.untrack(c, true)
		m.serveForward(c)
		return
	}
	m.untrack(c, false) // Raft's from now on: its transport closes it
	select {
	case m.raftConns <- &peekedConn{Conn: c, first: first[0], has: true}:
	case <-m.closed:
		c.Close()
	}
}

func (m *muxLayer) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return false
	default:
	}
	m.conns[c] = struct{}{}
	return true
}

func (m *muxLayer) untrack(c net.Conn, close bool) {
	m.mu.Lock()
	delete(m.conns, c)
	m.mu.Unlock()
	if close {
		c.Close()
	}
}

// Accept returns the next connection Raft's transport opened to this node.
func (m *muxLayer) Accept() (net.Conn, error) {
	select {
	case c := <-m.raftConns:
		return c, nil
	case <-m.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting and closes the connections not handed to Raft. Raft closes its own.
func (m *muxLayer) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.mu.Lock()
		close(m.closed)
		for c := range m.conns {
			c.Close()
		}
		m.mu.Unlock()
		err = m.ln.Close()
	})
	return err
}

// wait blocks until the accept loop and every forwarding connection have ended (after Close).
func (m *muxLayer) wait() { m.wg.Wait() }

// Addr is the address other nodes reach this one at.
func (m *muxLayer) Addr() net.Addr { return m.advertise }

// Dial opens a Raft connection; Raft's transport writes its RPC type first.
func (m *muxLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return dialTCP(string(address), timeout)
}

func dialTCP(addr string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return c, nil
}

// peekedConn gives back the byte the multiplexer read before the rest of the stream.
type peekedConn struct {
	net.Conn
	first byte
	has   bool
}

func (p *peekedConn) Read(b []byte) (int, error) {
	if p.has && len(b) > 0 {
		b[0] = p.first
		p.has = false
		return 1, nil
	}
	return p.Conn.Read(b)
}

// stringAddr is an address kept as written: a host name is resolved by whoever dials it, when it
// dials (in Docker a peer's name may not resolve until that peer has started).
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

// advertiseAddr is the address other nodes are told to dial: advertise, or the bound address.
func advertiseAddr(advertise string, bound net.Addr) (net.Addr, error) {
	s := advertise
	if s == "" {
		s = bound.String()
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return nil, fmt.Errorf("raftfsm: advertise address %q: %w", s, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		return nil, fmt.Errorf("raftfsm: advertise address %q cannot be dialled by other nodes (set --raft-advertise)", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("raftfsm: advertise address %q: bad port", s)
	}
	return stringAddr(net.JoinHostPort(host, port)), nil
}
