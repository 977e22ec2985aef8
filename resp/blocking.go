package resp

import (
	"errors"
	"math"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP.
//
// A blocking command runs in its connection's goroutine. The client registers as a waiter on its
// keys, then tries the pop as an ordinary Raft write; when there was nothing to pop it waits until
// one of its keys changes (the engine's commit observer signals the registry), its timeout passes,
// the client goes away or the server shuts down, and tries again. Every try goes through the log,
// so replicas stay identical: a pop of a list emptied in the meantime is a no-op answering nil,
// and the client keeps waiting.
//
// Order. Redis serves the clients blocked on a key first come, first served, and a client blocked
// on several keys takes from the first, in argument order, that has elements. Here each key has a
// queue of waiters and only the head of a queue is signalled when the key changes. A try carries a
// mode per key (raftfsm.ListPop, ListYield, ListRetry): the keys where the waiter is first are
// popped; on the first try the others are left to the clients before it (but still answer
// WRONGTYPE, as Redis's first check does); on later tries they are left out. When a waiter leaves
// (served, timed out, gone) the new heads of its queues are signalled, so two elements pushed at
// once reach the first two waiters in order.
//
// Disconnects. The connection reads only between batches, so a blocked client closing its
// connection would go unnoticed. While blocked, a goroutine reads ahead from the socket into a
// buffer (Conn.in, through which the request parser reads, hands those bytes over afterwards, so
// commands pipelined after the blocking one are not lost); EOF or an error ends the wait and the
// connection without a reply, as Redis frees such a client. To stop that goroutine the waiter
// sets a read deadline in the past and waits for it. Shutdown wakes waiters by closing the
// registry's done channel (and Conn.stop's deadline ends the read-ahead).

// blockFunc parses a blocking command's arguments: what to wait for, or an error reply.
type blockFunc func(c *Conn, args [][]byte) (blockSpec, string)

// blockSpec is a blocking command ready to wait.
type blockSpec struct {
	keys     [][]byte // keys to wait on, distinct, in argument order
	deadline int64    // Unix ms after which the wait times out; 0 = never
	// attempt builds the pop of keys (a subset of keys, in order) with a mode per key.
	attempt func(keys [][]byte, modes []byte) raftfsm.Command
}

// nonBlocking is the prepare function of a blocking command: its form without waiting, as it runs
// inside MULTI (Redis treats a blocking command there as timed out at once if it cannot pop).
func nonBlocking(parse blockFunc) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		spec, e := parse(c, args)
		if e != "" {
			return raftfsm.Command{}, e
		}
		modes := make([]byte, len(spec.keys))
		for i := range modes {
			modes[i] = raftfsm.ListPop
		}
		return spec.attempt(spec.keys, modes), ""
	}
}

// distinctKeys returns keys without repeats, in order of first appearance (Redis blocks once per
// key).
func distinctKeys(keys [][]byte) [][]byte {
	out := make([][]byte, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[string(k)] {
			seen[string(k)] = true
			out = append(out, k)
		}
	}
	return out
}

const (
	errTimeoutNotFloat = "ERR timeout is not a float or out of range"
	errTimeoutNegative = "ERR timeout is negative"
)

// parseBlockTimeout parses a timeout in seconds as Redis 7.0's getTimeoutFromObjectOrReply does:
// a long double (strtold's syntax: decimal, hexadecimal, inf), times 1000 truncated to whole
// milliseconds. A value that does not fit in 64 bits becomes LLONG_MIN on x86-64, hence "negative";
// 0 (also -0.0001) waits forever. It returns the deadline in Unix ms, 0 for none.
func parseBlockTimeout(arg []byte, now int64) (deadline int64, errReply string) {
	x, ok := engine.ParseLongDouble(arg)
	if !ok {
		return 0, errTimeoutNotFloat
	}
	if isInfinite(x) {
		return 0, errTimeoutNegative
	}
	r, ok := new(big.Rat).SetString(string(x.AppendHuman(nil)))
	if !ok {
		return 0, errTimeoutNotFloat
	}
	ms := new(big.Int).Quo(new(big.Int).Mul(r.Num(), big.NewInt(1000)), r.Denom()) // truncates
	if !ms.IsInt64() || ms.Sign() < 0 {
		return 0, errTimeoutNegative
	}
	switch v := ms.Int64(); {
	case v == 0:
		return 0, ""
	case v > math.MaxInt64-now:
		return 0, "" // later than any clock: as good as never
	default:
		return now + v, ""
	}
}

func isInfinite(x engine.LongDouble) bool {
	pos, _ := engine.ParseLongDouble([]byte("inf"))
	neg, _ := engine.ParseLongDouble([]byte("-inf"))
	return x == pos || x == neg
}

// blockKey names a key of a database.
type blockKey struct {
	db  int
	key string
}

// waiter is a client blocked on keys.
type waiter struct {
	db   int
	keys []string      // distinct
	wake chan struct{} // capacity 1: a signal not yet taken
}

func (w *waiter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// blockRegistry holds the clients blocked on keys, a queue per key, and wakes them when their keys
// change. It is owned by a Server.
type blockRegistry struct {
	mu      sync.Mutex
	queues  map[blockKey][]*waiter
	waiters atomic.Int64 // registered waiters: notify does nothing without taking mu when 0
	waiting atomic.Int64 // waiters whose first try found nothing: INFO's blocked_clients

	done      chan struct{} // closed at shutdown
	closeOnce sync.Once
}

func newBlockRegistry() *blockRegistry {
	return &blockRegistry{queues: map[blockKey][]*waiter{}, done: make(chan struct{})}
}

// close wakes every waiter for good (server shutdown).
func (r *blockRegistry) close() { r.closeOnce.Do(func() { close(r.done) }) }

// blocked returns the number of blocked clients (INFO's blocked_clients).
func (r *blockRegistry) blocked() int64 { return r.waiting.Load() }

// register queues a new waiter on keys (distinct) of database db.
func (r *blockRegistry) register(db int, keys [][]byte) *waiter {
	w := &waiter{db: db, keys: make([]string, len(keys)), wake: make(chan struct{}, 1)}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, k := range keys {
		w.keys[i] = string(k)
		bk := blockKey{db, w.keys[i]}
		r.queues[bk] = append(r.queues[bk], w)
	}
	r.waiters.Add(1)
	return w
}

// unregister removes w from its queues and signals the waiters that it leaves first in a queue.
func (r *blockRegistry) unregister(w *waiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		q := r.queues[bk]
		for i, x := range q {
			if x != w {
				continue
			}
			q = append(q[:i], q[i+1:]...)
			if i == 0 && len(q) > 0 {
				q[0].signal()
			}
			break
		}
		if len(q) == 0 {
			delete(r.queues, bk)
		} else {
			r.queues[bk] = q
		}
	}
	r.waiters.Add(-1)
}

// heads reports, for each key of w, whether w is first in its queue.
func (r *blockRegistry) heads(w *waiter) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]bool, len(w.keys))
	for i, k := range w.keys {
		q := r.queues[blockKey{w.db, k}]
		out[i] = len(q) > 0 && q[0] == w
	}
	return out
}

// notify is the engine's commit observer: it signals the first waiter of every key that changed.
// It runs on the committing (FSM) goroutine, so it only signals.
func (r *blockRegistry) notify(touched []engine.Touched) {
	if r.waiters.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range touched {
		if t.Flushed {
			for bk, q := range r.queues {
				if bk.db == t.DB {
					q[0].signal()
				}
			}
			continue
		}
		if q := r.queues[blockKey{t.DB, string(t.Key)}]; len(q) > 0 {
			q[0].signal()
		}
	}
}

// attemptKeys picks the keys of a try and their modes: see the comment at the top.
func attemptKeys(keys [][]byte, heads []bool, first bool) ([][]byte, []byte) {
	var ks [][]byte
	var modes []byte
	for i, k := range keys {
		switch {
		case heads[i] && first:
			ks, modes = append(ks, k), append(modes, raftfsm.ListPop)
		case heads[i]:
			ks, modes = append(ks, k), append(modes, raftfsm.ListRetry)
		case first:
			ks, modes = append(ks, k), append(modes, raftfsm.ListYield)
		}
	}
	return ks, modes
}

// serveBlocking runs a blocking command: pop now if possible, otherwise wait as described at the
// top of this file. Writes queued before it have been proposed.
func (c *Conn) serveBlocking(cmd *command, args [][]byte) {
	// INFO commandstats: one call when the command ends, its time without the waits, as Redis.
	start, nerr := monotime(), c.w.nerr
	var waited, waitStart int64
	defer func() {
		if waitStart != 0 {
			waited += monotime() - waitStart
		}
		cmd.stats.record(monotime()-start-waited, c.w.nerr != nerr)
	}()
	spec, errReply := cmd.block(c, args)
	if errReply != "" {
		c.w.Error(errReply)
		return
	}
	select {
	case <-c.unblock: // a CLIENT UNBLOCK that came too late for an earlier command
	default:
	}
	reg := c.srv.blocking
	w := reg.register(c.db, spec.keys)
	defer reg.unregister(w)
	var timeout <-chan time.Time
	var gone <-chan struct{} // closed when the read-ahead ends
	defer c.in.stopReadAhead()
	for first := true; ; first = false {
		if waitStart != 0 {
			waited += monotime() - waitStart
			waitStart = 0
		}
		keys, modes := attemptKeys(spec.keys, reg.heads(w), first)
		if len(keys) > 0 {
			res, err := c.srv.proposer.Propose(c.now(), []raftfsm.Command{spec.attempt(keys, modes)})
			if err != nil {
				c.w.Error(errorText(err))
				return
			}
			if k := res[0].Kind; k != raftfsm.ResultNil && k != raftfsm.ResultNilArray {
				c.writeResult(res[0])
				return
			}
		}
		if first {
			if c.stopped.Load() {
				c.quit = true
				return
			}
			// Send the replies so far: the client may be waiting for them before this one.
			if c.w.Len() > 0 {
				if _, err := c.nc.Write(c.w.Bytes()); err != nil {
					c.quit = true
					return
				}
				c.w.Reset()
			}
			if spec.deadline != 0 {
				t := time.NewTimer(time.Until(time.UnixMilli(spec.deadline)))
				defer t.Stop()
				timeout = t.C
			}
			gone = c.in.startReadAhead()
			c.blocked.Store(true) // before blocked_clients counts it: CLIENT UNBLOCK may follow
			defer c.blocked.Store(false)
			reg.waiting.Add(1)
			defer reg.waiting.Add(-1)
		}
		waitStart = monotime()
		select {
		case <-w.wake:
		case <-timeout:
			c.w.NullArray()
			return
		case asError := <-c.unblock: // CLIENT UNBLOCK
			if asError {
				c.w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
			} else {
				c.w.NullArray()
			}
			return
		case <-c.killCh: // CLIENT KILL
			c.quit = true
			return
		case <-reg.done:
			c.quit = true
			return
		case <-gone:
			if c.in.err == nil {
				gone = nil // read-ahead stopped at its limit: no longer watching for EOF
				continue
			}
			c.quit = true // the client went away (or the server is stopping it)
			return
		}
	}
}

// maxReadAhead bounds what a blocked client may send before it is unblocked; past it, the
// connection is no longer read (and a disconnect goes unnoticed) until the command ends.
const maxReadAhead = 16 << 20

// blockReader is a connection's input. Normally it just reads the connection; while its client is
// blocked a goroutine reads ahead into pending, which later reads return first.
type blockReader struct {
	nc      net.Conn
	pending []byte        // read ahead, not yet returned
	err     error         // the read-ahead's read error, returned after pending
	done    chan struct{} // closed when the read-ahead goroutine ends; nil when there is none
}

// Read implements io.Reader for the request parser. It must not run during a read-ahead.
func (r *blockReader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		if len(r.pending) == 0 {
			r.pending = nil
		}
		return n, nil
	}
	if r.err != nil {
		err := r.err
		r.err = nil
		return 0, err
	}
	return r.nc.Read(p)
}

// startReadAhead starts reading the connection in the background. The channel it returns is closed
// when the reading ends: on a read error (r.err set: the client is gone, or the deadline of
// Conn.stop), at maxReadAhead (r.err nil), or by stopReadAhead.
func (r *blockReader) startReadAhead() <-chan struct{} {
	r.done = make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		buf := make([]byte, 16<<10)
		for len(r.pending) < maxReadAhead && r.err == nil {
			n, err := r.nc.Read(buf)
			r.pending = append(r.pending, buf[:n]...)
			r.err = err
		}
	}(r.done)
	return r.done
}

// stopReadAhead ends a read-ahead, if one runs, and waits for it. The deadline it sets to interrupt
// the read is not an error of the connection.
func (r *blockReader) stopReadAhead() {
	if r.done == nil {
		return
	}
	r.nc.SetReadDeadline(time.Unix(1, 0))
	<-r.done
	r.done = nil
	r.nc.SetReadDeadline(time.Time{})
	var ne net.Error
	if r.err != nil && errors.As(r.err, &ne) && ne.Timeout() {
		// Our own deadline (or Conn.stop's, which also set Conn.stopped: the loop ends anyway).
		r.err = nil
	}
}
