package resp

import (
	"errors"
	"io"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/flin-resp/flin-resp/engine"
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
	quit    bool        // close after the current batch's replies are written
	stopped atomic.Bool // the server is shutting down

	pending      []raftfsm.Command // writes of the current batch not yet proposed
	pendingCmds  []*command        // the command of each pending write, for INFO commandstats
	pendingBytes int
	deferred     deferredReads // reads queued among the pending writes (deferred.go)

	multi  *multiState    // the open transaction, between MULTI and EXEC/DISCARD (multi.go)
	watch  *raftfsm.Watch // keys watched for the next EXEC
	execTx *engine.Tx     // set while a read runs inside a transaction's entry: reads use it
	readTx *engine.Tx     // the batch's read transaction, shared while Current (reading)
	inView int            // depth of view calls: a command's reads all use the same readTx

	clientState // what CLIENT LIST shows of this connection to others (clientinfo.go)

	consistency raftfsm.ReadLevel // read consistency of this connection (consistency.go)
	barrierDone bool              // the current batch's read barrier has passed
	barrierErr  string            // the current batch's read barrier failed with this reply
	behind      bool              // it failed because this node is catching up: read through the log
}

func newConn(s *Server, nc net.Conn) *Conn {
	c := &Conn{
		srv: s, id: s.nextID.Add(1), created: time.Now(),
		authed: !s.authRequired(), consistency: s.cfg.ReadConsistency,
	}
	c.initClientState(nc) // wraps nc to count the bytes of INFO stats
	c.in = &blockReader{nc: c.nc}
	c.rd = NewRequestReader(c.in, s.cfg.ReadBufferSize, s.maxBulkLen())
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
	defer c.recoverPanic() // runs last, after the connection is closed and its state released
	defer c.nc.Close()
	defer c.unwatch()
	defer c.endReads()
	for !c.quit && !c.stopped.Load() {
		cmds, err := c.rd.ReadBatch()
		c.newBatch()
		for _, args := range cmds {
			c.dispatch(args)
			if c.quit || c.killed.Load() {
				break
			}
		}
		c.endReads() // never hold a Badger transaction while waiting for the client
		c.flushWrites()
		c.publish() // for CLIENT LIST: the state this batch left
		var perr *ProtocolError
		if err != nil {
			perr = asProtocolError(err)
		}
		if perr != nil {
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

// recoverPanic keeps a bug in one command (a panic on a connection's goroutine) from taking the
// whole server down: it logs the panic with its stack, and the client sees its connection close.
// The state machine's own panics (raftfsm) run on Raft's goroutine and still stop the process, as
// they must.
func (c *Conn) recoverPanic() {
	if r := recover(); r != nil {
		c.srv.cfg.Logger.Error("a command panicked; its connection was closed",
			"client", c.nc.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
	}
}

// asProtocolError returns err as a *ProtocolError, or nil. Its own function, called only on an
// error, because errors.As moves its target to the heap: one allocation per batch otherwise.
func asProtocolError(err error) *ProtocolError {
	var perr *ProtocolError
	if errors.As(err, &perr) {
		return perr
	}
	return nil
}

// dispatch runs one command: lookup, arity, authentication, then the handler. Writes are queued
// so that consecutive writes of a pipeline become one Raft entry; anything else first flushes them,
// which keeps replies in order and lets reads see the writes before them.
func (c *Conn) dispatch(args [][]byte) {
	cmd := c.srv.commands.resolve(args)
	c.noteCommand(cmd) // for CLIENT LIST
	if cmd == nil {
		c.flushWrites()
		c.refuse(nil, errUnknownCommand(args))
		return
	}
	if !cmd.arityOK(len(args)) {
		c.flushWrites()
		cmd.stats.rejected.Add(1)
		c.refuse(cmd, errArity(cmd.name))
		return
	}
	if !c.authed && cmd.flags&flagNoAuth == 0 && c.srv.authRequired() {
		c.flushWrites()
		cmd.stats.rejected.Add(1)
		c.refuse(cmd, errNoAuth)
		return
	}
	if c.multi != nil && cmd.flags&flagTxControl == 0 {
		c.queue(cmd, args) // MULTI: queued for EXEC (multi.go)
		return
	}
	if cmd.block != nil {
		// A blocking command waits here (blocking.go). Inside MULTI it was queued above, to run
		// in its non-blocking form (its prepare).
		c.flushWrites()
		c.endReads()
		c.serveBlocking(cmd, args)
		return
	}
	if cmd.prepare == nil {
		if c.deferRead(cmd, args) { // after the queued writes (deferred.go)
			return
		}
		c.flushWrites()
		if cmd.flags&flagReadOnly != 0 {
			c.runRead(cmd, args)
			return
		}
		c.call(cmd, args) // cmd.run, counted for INFO commandstats
		return
	}
	rc, errReply := cmd.prepare(c, args)
	if errReply != "" {
		c.flushWrites()
		cmd.stats.record(0, true)
		c.w.Error(errReply)
		return
	}
	if rc.Op == raftfsm.OpFlushDB || rc.Op == raftfsm.OpFlushAll || c.touchesDeferredReads(cmd, args) {
		// Flushes bypass engine transactions; give them an entry of their own. A write to a key a
		// deferred read reads goes after that read has run.
		c.flushWrites()
	}
	c.queueWrite(cmd, rc)
}

// queueWrite adds rc to the writes of the current batch, proposing them when the entry is full.
func (c *Conn) queueWrite(cmd *command, rc raftfsm.Command) {
	c.pending = append(c.pending, rc)
	c.pendingCmds = append(c.pendingCmds, cmd)
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
	defer c.runDeferredReads(-1) // the reads after the last write
	cmds, counted := c.pending, c.pendingCmds
	c.pending, c.pendingCmds = c.pending[:0], c.pendingCmds[:0]
	c.pendingBytes = 0
	start := monotime()
	results, err := c.srv.proposer.Propose(time.Now().UnixMilli(), cmds)
	share := (monotime() - start) / int64(len(cmds)) // INFO commandstats: the entry's time, shared
	if c.barrierDone && c.srv.cluster != nil && c.srv.cluster.Behind() {
		// A follower that did not apply these writes in time must not serve the batch's next reads
		// from its own data: they pass the barrier again (and go through the log).
		c.barrierDone = false
	}
	if err != nil {
		text := errorText(err)
		for i := range cmds {
			c.runDeferredReads(i)
			counted[i].stats.record(share, true)
			c.w.Error(text)
		}
		return
	}
	for i, r := range results {
		c.runDeferredReads(i)
		counted[i].stats.record(share, r.Kind == raftfsm.ResultErr)
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
	case raftfsm.ResultRaw:
		c.w.Reply(r.Bytes) // a read's reply, encoded where the entry was applied
	default:
		c.w.Error(errorText(r.Err))
	}
}

// now is the time reads and proposals use, in Unix ms: a read inside a transaction uses its entry's.
func (c *Conn) now() int64 {
	if c.execTx != nil {
		return c.execTx.Now()
	}
	return time.Now().UnixMilli()
}

// reading returns the engine transaction for a read outside MULTI. The reads of one batch share
// one (a pipeline of GETs opens one Badger transaction, not one each) as long as it is Current:
// nothing has been written since it began, this connection's writes included, so it sees what a new
// one would. Every command of the batch was received before it began, so sharing it keeps reads
// linearizable. serve ends it after the batch (endReads), and before a blocking command waits.
func (c *Conn) reading() *engine.Tx {
	now := time.Now().UnixMilli()
	if c.readTx != nil {
		if c.inView > 0 || c.readTx.Current() {
			c.readTx.SetNow(now)
			return c.readTx
		}
		c.readTx.Discard()
	}
	c.readTx = c.srv.db.Begin(now, false)
	return c.readTx
}

// endReads ends the batch's read transaction, if any.
func (c *Conn) endReads() {
	if c.readTx != nil {
		c.readTx.Discard()
		c.readTx = nil
	}
}

// view runs a read: in the batch's engine transaction (reading), or inside a transaction's entry
// (execTx). Reads nested in fn use the same transaction.
func (c *Conn) view(fn func(tx *engine.Tx) error) error {
	if c.execTx != nil {
		return fn(c.execTx)
	}
	tx := c.reading()
	c.inView++
	defer func() { c.inView-- }()
	return fn(tx)
}

// get reads a string key (see view); it is GET's hot path, so it avoids view's closure.
func (c *Conn) get(key []byte) ([]byte, error) {
	if c.execTx != nil {
		return c.execTx.Get(c.db, key)
	}
	return c.reading().Get(c.db, key)
}

// readTxn returns the transaction for one command's reads, all from one snapshot: execTx inside a
// transaction's entry, else the batch's (reading). Commands that read several keys take it once.
func (c *Conn) readTxn() *engine.Tx {
	if c.execTx != nil {
		return c.execTx
	}
	return c.reading()
}

// getFunc calls fn with a string key's value, valid only during fn (engine.Tx.GetFunc): for replies
// that copy the value into the output buffer, with no copy of their own.
func (c *Conn) getFunc(key []byte, fn func(v []byte)) error {
	if c.execTx != nil {
		return c.execTx.GetFunc(c.db, key, fn)
	}
	return c.reading().GetFunc(c.db, key, fn)
}
