package resp

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// Conn is one client connection and its state (database, protocol, name, authentication).
type Conn struct {
	srv     *Server
	nc      net.Conn
	in      *blockReader // nc's input; reads ahead while the client is blocked (blocking.go)
	rd      *RequestReader
	w       Writer
	id      int64
	created time.Time

	db      int
	authed  bool
	name    string
	libName string
	libVer  string
	quit    bool        // close after the current batch's replies are written
	stopped atomic.Bool // the server is shutting down

	pending      []raftfsm.Command // writes of the current batch not yet proposed
	pendingBytes int
}

func newConn(s *Server, nc net.Conn) *Conn {
	c := &Conn{
		srv: s, nc: nc, id: s.nextID.Add(1), created: time.Now(),
		authed: s.cfg.RequirePass == "",
	}
	c.in = &blockReader{nc: nc}
	c.rd = NewRequestReader(c.in, s.cfg.ReadBufferSize, s.cfg.MaxBulkLen)
	c.rd.SetAuthenticated(c.authed)
	c.w.SetProtocol(2)
	return c
}

// stop makes the connection end after the batch it is executing: a blocked read returns at once.
func (c *Conn) stop() {
	c.stopped.Store(true)
	c.nc.SetReadDeadline(time.Now())
}

func (c *Conn) serve() {
	defer c.nc.Close()
	for !c.quit && !c.stopped.Load() {
		cmds, err := c.rd.ReadBatch()
		for _, args := range cmds {
			c.dispatch(args)
			if c.quit {
				break
			}
		}
		c.flushWrites()
		var perr *ProtocolError
		if errors.As(err, &perr) {
			c.w.Error("ERR " + perr.Error())
			c.quit = true
		}
		if c.w.Len() > 0 {
			if _, werr := c.nc.Write(c.w.Bytes()); werr != nil {
				return
			}
			c.w.Reset()
		}
		if err != nil && perr == nil {
			var ne net.Error
			if !errors.Is(err, io.EOF) && !(errors.As(err, &ne) && ne.Timeout()) {
				c.srv.cfg.Logger.Debug("connection read failed", "client", c.nc.RemoteAddr(), "err", err)
			}
			return
		}
	}
}

// dispatch runs one command: lookup, arity, authentication, then the handler. Writes are queued
// so that consecutive writes of a pipeline become one Raft entry; anything else first flushes them,
// which keeps replies in order and lets reads see the writes before them.
func (c *Conn) dispatch(args [][]byte) {
	c.srv.totalCommands.Add(1)
	cmd := c.srv.commands.lookup(args[0])
	if cmd == nil {
		c.flushWrites()
		c.w.Error(errUnknownCommand(args))
		return
	}
	if !cmd.arityOK(len(args)) {
		c.flushWrites()
		c.w.Error(errArity(cmd.name))
		return
	}
	if !c.authed && cmd.flags&flagNoAuth == 0 {
		c.flushWrites()
		c.w.Error(errNoAuth)
		return
	}
	if cmd.block != nil {
		// A blocking command waits here (blocking.go). Inside MULTI it must not: queue it there
		// before this point like any write, its prepare being the non-blocking form.
		c.flushWrites()
		c.serveBlocking(cmd, args)
		return
	}
	if cmd.prepare == nil {
		c.flushWrites()
		cmd.run(c, args)
		return
	}
	rc, errReply := cmd.prepare(c, args)
	if errReply != "" {
		c.flushWrites()
		c.w.Error(errReply)
		return
	}
	if rc.Op == raftfsm.OpFlushDB || rc.Op == raftfsm.OpFlushAll {
		// Flushes bypass engine transactions; give them an entry of their own.
		c.flushWrites()
	}
	c.pending = append(c.pending, rc)
	for _, a := range rc.Args {
		c.pendingBytes += len(a)
	}
	if c.pendingBytes >= c.srv.cfg.MaxBatchBytes || len(c.pending) >= 1024 || rc.Op == raftfsm.OpFlushDB || rc.Op == raftfsm.OpFlushAll {
		c.flushWrites()
	}
}

// flushWrites proposes the queued writes as one Raft entry and writes their replies.
func (c *Conn) flushWrites() {
	if len(c.pending) == 0 {
		return
	}
	cmds := c.pending
	c.pending = c.pending[:0]
	c.pendingBytes = 0
	results, err := c.srv.proposer.Propose(time.Now().UnixMilli(), cmds)
	if err != nil {
		text := errorText(err)
		for range cmds {
			c.w.Error(text)
		}
		return
	}
	for _, r := range results {
		c.writeResult(r)
	}
}

// writeResult writes an applied command's result.
func (c *Conn) writeResult(r raftfsm.Result) {
	switch r.Kind {
	case raftfsm.ResultArray:
		c.w.Array(len(r.Array))
		for _, e := range r.Array {
			c.writeResult(e)
		}
	case raftfsm.ResultSet:
		c.w.Set(len(r.Array))
		for _, e := range r.Array {
			c.writeResult(e)
		}
	case raftfsm.ResultNilArray:
		c.w.NullArray()
	case raftfsm.ResultDouble:
		c.w.Double(r.Float)
	case raftfsm.ResultStatus:
		c.w.Status(string(r.Bytes))
	case raftfsm.ResultOK:
		c.w.OK()
	case raftfsm.ResultInt:
		c.w.Int(r.Int)
	case raftfsm.ResultBulk:
		c.w.Bulk(r.Bytes)
	case raftfsm.ResultNil:
		c.w.Null()
	default:
		c.w.Error(errorText(r.Err))
	}
}

// now is the time reads and proposals use, in Unix ms.
func (c *Conn) now() int64 { return time.Now().UnixMilli() }
