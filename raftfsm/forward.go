package raftfsm

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Forwarding: any node accepts writes. A follower's Propose sends the proposal (time, commands and
// the optional WATCH guard) to the leader over a pooled connection to its Raft address (mux.go). The
// leader runs the same proposeLocal as for its own clients and sends back the results and the entry's
// log index; the follower then waits until it has applied that index itself, so the client's next
// read on this node sees its write.
//
// Exactly-once: a request is retried (possibly at a new leader) only when it certainly did nothing:
// the leader answered ErrNotLeader (Raft refused it before appending), or the request never left
// (dial or write failed; a frame cut short is never acted on). Once a request is out, a lost
// connection or a missing reply is ErrUnknownOutcome for the client: the write may have committed
// and is never sent again. The leader never forwards a request on, so there is no proxy loop.
//
// One request at a time per connection; concurrent proposals take separate connections from the
// pool (a connection's replies are therefore trivially in order, and a client connection's pipeline,
// proposed batch by batch, keeps its order).

var (
	// errNotSent: the request did not reach the leader; nothing happened.
	errNotSent = errors.New("raftfsm: request not delivered to the leader")
	// errLost: the request was sent but no reply came back.
	errLost = errors.New("raftfsm: connection to the leader lost before its reply")
)

const (
	maxIdleForward = 64
	dialTimeout    = 2 * time.Second
)

// forwarder is a follower's pool of connections to the leader.
type forwarder struct {
	timeout time.Duration // bound on a reply

	mu     sync.Mutex
	addr   string // the leader the idle connections are to
	idle   []*fconn
	busy   map[*fconn]struct{} // connections with a request out, closed by close
	closed bool
}

type fconn struct {
	addr string // the leader it is to
	nc   net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

func newForwarder(timeout time.Duration) *forwarder {
	return &forwarder{timeout: timeout, busy: map[*fconn]struct{}{}}
}

// get returns a live idle connection to addr, or a new one.
func (f *forwarder) get(addr string) (*fconn, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrShutdown
	}
	if f.addr != addr {
		for _, c := range f.idle {
			c.nc.Close()
		}
		f.idle, f.addr = nil, addr
	}
	for len(f.idle) > 0 {
		c := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if connAlive(c.nc) {
			f.busy[c] = struct{}{}
			f.mu.Unlock()
			return c, nil
		}
		c.nc.Close()
	}
	f.mu.Unlock()
	nc, err := dialTCP(addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	c := &fconn{addr: addr, nc: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}
	if err := c.bw.WriteByte(forwardMagic); err != nil {
		nc.Close()
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		nc.Close()
		return nil, ErrShutdown
	}
	f.busy[c] = struct{}{}
	return c, nil
}

// drop forgets a connection that failed; its caller has closed it.
func (f *forwarder) drop(c *fconn) {
	f.mu.Lock()
	delete(f.busy, c)
	f.mu.Unlock()
}

func (f *forwarder) put(addr string, c *fconn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.busy, c)
	if f.closed || f.addr != addr || len(f.idle) >= maxIdleForward {
		c.nc.Close()
		return
	}
	f.idle = append(f.idle, c)
}

func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, c := range f.idle {
		c.nc.Close()
	}
	f.idle = nil
	// A request out on one of these ends now with a lost reply: its outcome is unknown.
	for c := range f.busy {
		c.nc.Close()
	}
}

// leaderChanged ends the requests out to any node but the leader at addr. A node that lost the
// leadership may never answer (it is paused or cut off), and the clients whose writes it holds
// would wait for the forward timeout. Their outcome is unknown: an entry the old leader appended
// may still commit under the new one.
func (f *forwarder) leaderChanged(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.busy {
		if c.addr != addr {
			c.nc.Close()
		}
	}
}

// roundTrip sends one request and returns the response payload. Its errors wrap errNotSent (nothing
// reached the leader) or errLost (the request went out; what it did is unknown).
func (f *forwarder) roundTrip(addr string, req []byte) ([]byte, error) {
	c, err := f.get(addr)
	if err != nil {
		if errors.Is(err, ErrShutdown) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errNotSent, err)
	}
	c.nc.SetDeadline(time.Now().Add(f.timeout))
	if err := writeFrame(c.bw, req); err != nil {
		// Write fails only when the kernel did not take the whole frame: the leader cannot act on
		// a frame cut short.
		c.nc.Close()
		f.drop(c)
		return nil, fmt.Errorf("%w: %v", errNotSent, err)
	}
	resp, err := readFrame(c.br)
	if err != nil {
		c.nc.Close()
		f.drop(c)
		return nil, fmt.Errorf("%w: %v", errLost, err)
	}
	c.nc.SetDeadline(time.Time{})
	f.put(addr, c)
	return resp, nil
}

// propose forwards a proposal to the leader at addr.
func (f *forwarder) propose(addr string, now int64, watch *Watch, cmds []Command) ([]Result, uint64, error) {
	req := []byte{reqPropose}
	req = appendWatch(req, watch)
	req = appendBytes(req, encodeBatch(now, cmds))
	resp, err := f.roundTrip(addr, req)
	if errors.Is(err, errLost) {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnknownOutcome, err)
	}
	if err != nil {
		return nil, 0, err
	}
	d, err := parseResponse(resp)
	if err != nil {
		return nil, 0, err
	}
	index, results, err := decodeProposeResponse(d)
	if err != nil {
		// The leader answered, but not in a way we understand: it may have applied the write.
		return nil, 0, fmt.Errorf("%w: %v", ErrUnknownOutcome, err)
	}
	if len(results) != len(cmds) {
		return nil, 0, fmt.Errorf("%w: %d results for %d commands", ErrUnknownOutcome, len(results), len(cmds))
	}
	return results, index, nil
}

// readIndex asks the leader at addr for the index a read at level must wait for.
func (f *forwarder) readIndex(addr string, level ReadLevel) (uint64, error) {
	resp, err := f.roundTrip(addr, []byte{reqReadIndex, byte(level)})
	if err != nil {
		return 0, err
	}
	d, err := parseResponse(resp)
	if err != nil {
		return 0, err
	}
	index := d.uvarint()
	if d.err != nil {
		return 0, fmt.Errorf("raftfsm: corrupt read index response")
	}
	return index, nil
}

// admin runs an admin operation on the leader at addr.
func (f *forwarder) admin(addr string, op byte, id, serverAddr string) error {
	req := []byte{reqAdmin, op}
	req = appendBytes(req, []byte(id))
	req = appendBytes(req, []byte(serverAddr))
	resp, err := f.roundTrip(addr, req)
	if err != nil {
		return err
	}
	_, err = parseResponse(resp)
	return err
}

// PeerStatus is what a member says of itself when asked (INFO replication on the leader).
type PeerStatus struct {
	ID, RaftAddr, ClientAddr   string
	Applied, CommitIndex, Term uint64 // as it reported them
	Reachable                  bool   // it answered in time
}

// Peers asks every other member of the configuration for its status, in parallel, each within
// timeout, on a connection of its own.
func (n *Node) Peers(timeout time.Duration) []PeerStatus {
	members := n.Members()
	out := make([]PeerStatus, 0, len(members))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range members {
		if m.Self {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := PeerStatus{ID: m.ID, RaftAddr: m.RaftAddr, ClientAddr: m.ClientAddr}
			f := newForwarder(timeout)
			defer f.close()
			resp, err := f.roundTrip(m.RaftAddr, []byte{reqStatus})
			if err == nil {
				var d *decoder
				if d, err = parseResponse(resp); err == nil {
					st.Applied, st.CommitIndex, st.Term = d.uvarint(), d.uvarint(), d.uvarint()
					if addr := string(d.bytes(d.uvarint())); addr != "" {
						st.ClientAddr = addr
					}
					st.Reachable = d.err == nil
				}
			}
			mu.Lock()
			out = append(out, st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// serveForward serves one forwarding connection: requests one at a time, each answered before the
// next is read.
func (n *Node) serveForward(c net.Conn) {
	br := bufio.NewReaderSize(c, 16<<10)
	bw := bufio.NewWriterSize(c, 16<<10)
	for {
		req, err := readFrame(br)
		if err != nil {
			return
		}
		if err := writeFrame(bw, n.handleForward(req)); err != nil {
			return
		}
	}
}

// handleForward runs one request on this node. Proposals, reads and admin operations are only
// taken by the leader: any other node answers ErrNotLeader and does nothing.
func (n *Node) handleForward(req []byte) []byte {
	if len(req) == 0 {
		return errResponse(errors.New("raftfsm: empty forwarding request"))
	}
	d := &decoder{b: req[1:]}
	switch req[0] {
	case reqPropose:
		watch, werr := decodeWatch(d.bytes(d.uvarint()))
		entry := d.bytes(d.uvarint())
		if d.err != nil || werr != nil || len(entry) == 0 || entry[0] != entryBatch {
			return errResponse(fmt.Errorf("%w: corrupt forwarded proposal", ErrBadCommand))
		}
		now, cmds, err := decodeBatch(entry[1:])
		if err != nil {
			return errResponse(fmt.Errorf("%w: %v", ErrBadCommand, err))
		}
		results, index, err := n.proposeLocal(now, watch, cmds)
		if err != nil {
			return errResponse(err)
		}
		return encodeProposeResponse(index, results)
	case reqReadIndex:
		level := ReadLevel(d.byte())
		if d.err != nil {
			return errResponse(errors.New("raftfsm: corrupt read index request"))
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
		defer cancel()
		index, err := n.readIndexLocal(ctx, level)
		if err != nil {
			return errResponse(err)
		}
		return okResponse(binary.AppendUvarint(nil, index))
	case reqAdmin:
		op := d.byte()
		id := string(d.bytes(d.uvarint()))
		addr := string(d.bytes(d.uvarint()))
		if d.err != nil {
			return errResponse(errors.New("raftfsm: corrupt admin request"))
		}
		if err := n.adminLocal(op, id, addr); err != nil {
			return errResponse(err)
		}
		return okResponse(nil)
	case reqStatus:
		b := binary.AppendUvarint(nil, n.fsm.progress.index.Load())
		b = binary.AppendUvarint(b, n.raft.CommitIndex())
		b = binary.AppendUvarint(b, n.raft.CurrentTerm())
		b = appendBytes(b, []byte(n.cfg.ClientAddr))
		return okResponse(b)
	}
	return errResponse(fmt.Errorf("raftfsm: unknown forwarding request %q", req[0]))
}
