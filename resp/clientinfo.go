package resp

import (
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// clientState is what other goroutines read of a connection: CLIENT LIST, CLIENT KILL, CLIENT
// UNBLOCK, INFO and the idle timeout. The connection's own goroutine keeps the fields it uses on
// the command path (db, the writer's protocol, the transaction) in Conn, unsynchronised, and
// publishes them here with atomics before each command and after each batch (publish); the few
// fields only rare commands set (name, library) live here alone, behind a mutex, and are set
// through setName and setLib.
type clientState struct {
	laddr, raddr string // local and peer address, as Redis prints them
	fd           int    // the socket's descriptor, -1 if unknown

	lastCmd    atomic.Pointer[command] // the command being or last run; nil: none, or unknown
	lastActive atomic.Int64            // monotime of its start (or of the connection)
	pubDB      atomic.Int32            // the selected database, as of the last command's start
	pubProto   atomic.Int32            // the protocol, 2 or 3, as of the last command's start
	pubMulti   atomic.Int32            // multiCount(), as of the last command's start
	blocked    atomic.Bool             // waiting in a blocking command (blocking.go)
	noEvict    atomic.Bool             // CLIENT NO-EVICT ON (accepted; nothing is evicted)
	noTouch    atomic.Bool             // CLIENT NO-TOUCH ON (access times are not tracked anyway)

	killed  atomic.Bool   // CLIENT KILL (or the idle timeout) closed the connection
	killCh  chan struct{} // closed by kill: ends a blocking command's wait
	unblock chan bool     // CLIENT UNBLOCK: true to answer an error, false a timeout

	infoMu  sync.Mutex
	name    string // CLIENT SETNAME, HELLO SETNAME
	libName string // CLIENT SETINFO LIB-NAME
	libVer  string // CLIENT SETINFO LIB-VER
}

// initClientState records what the connection is and wraps nc so that its bytes are counted for
// INFO stats.
func (c *Conn) initClientState(nc net.Conn) {
	c.laddr, c.raddr, c.fd = addrString(nc.LocalAddr()), addrString(nc.RemoteAddr()), socketFD(nc)
	c.nc = countingConn{Conn: nc, st: &c.srv.stats}
	c.w.onErr = c.srv.stats.countError
	c.lastActive.Store(monotime())
	c.pubProto.Store(2)
	c.pubMulti.Store(-1)
	c.killCh = make(chan struct{})
	c.unblock = make(chan bool, 1)
}

// addrString formats an address as Redis does: ip:port, [ipv6]:port.
func addrString(a net.Addr) string {
	if a == nil {
		return "?:0"
	}
	return a.String()
}

// socketFD returns nc's file descriptor, -1 if it has none.
func socketFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// noteCommand records that cmd (nil: unknown) starts, for CLIENT LIST, and publishes the state
// the commands before it left. It costs a few atomic operations.
func (c *Conn) noteCommand(cmd *command) {
	if c.lastCmd.Load() != cmd {
		c.lastCmd.Store(cmd)
	}
	if now := c.srv.coarseNow(); c.lastActive.Load() != now {
		c.lastActive.Store(now)
	}
	c.publish()
}

// publish makes the connection's database, protocol and transaction visible to CLIENT LIST.
func (c *Conn) publish() {
	if db := int32(c.db); c.pubDB.Load() != db {
		c.pubDB.Store(db)
	}
	if p := int32(c.w.Protocol()); c.pubProto.Load() != p {
		c.pubProto.Store(p)
	}
	if m := int32(c.multiCount()); c.pubMulti.Load() != m {
		c.pubMulti.Store(m)
	}
}

func (c *Conn) setName(name string) {
	c.infoMu.Lock()
	c.name = name
	c.infoMu.Unlock()
}

func (c *Conn) getName() string {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	return c.name
}

// setLib sets the library name (ver false) or version (ver true) of CLIENT SETINFO.
func (c *Conn) setLib(ver bool, v string) {
	c.infoMu.Lock()
	if ver {
		c.libVer = v
	} else {
		c.libName = v
	}
	c.infoMu.Unlock()
}

// kill closes the connection from any goroutine: its reads and writes fail at once, a blocking
// command it waits in ends, and its loop stops after the command it is executing. It reports
// whether this call closed it.
func (c *Conn) kill() bool {
	if c.killed.Swap(true) {
		return false
	}
	close(c.killCh)
	c.nc.Close()
	return true
}

// clientInfo formats c as a line of CLIENT LIST (without the newline), with Redis 7.2's fields in
// Redis's order. self is the connection asking (argvMem: the size of its current arguments): only
// its own goroutine may read its unpublished state. Buffers that are not tracked are reported as
// Redis reports an idle client's: query buffer and output buffers empty, the read buffer whole.
func (c *Conn) clientInfo(b *strings.Builder, self bool, argvMem int) {
	now := monotime()
	db, proto, multi, multiMem := int(c.pubDB.Load()), int(c.pubProto.Load()), int(c.pubMulti.Load()), 0
	if self {
		db, proto, multi = c.db, c.w.Protocol(), c.multiCount()
		if c.multi != nil {
			multiMem = c.multi.bytes
		}
	}
	flags := "" // in Redis's order
	if multi >= 0 {
		flags += "x"
	}
	if c.blocked.Load() {
		flags += "b"
	}
	if self && c.quit {
		flags += "c"
	}
	if c.noEvict.Load() {
		flags += "e"
	}
	if c.noTouch.Load() {
		flags += "T"
	}
	if flags == "" {
		flags = "N"
	}
	cmdName := "NULL"
	if cmd := c.lastCmd.Load(); cmd != nil && cmd != unknownSubcommand {
		cmdName = cmd.name
	}
	c.infoMu.Lock()
	name, libName, libVer := c.name, c.libName, c.libVer
	c.infoMu.Unlock()
	rbs := c.srv.cfg.ReadBufferSize
	first := true
	field := func(k, v string) {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	num := func(k string, v int64) { field(k, strconv.FormatInt(v, 10)) }
	num("id", c.id)
	field("addr", c.raddr)
	field("laddr", c.laddr)
	num("fd", int64(c.fd))
	field("name", name)
	num("age", int64(time.Since(c.created)/time.Second))
	num("idle", (now-c.lastActive.Load())/int64(time.Second))
	field("flags", flags)
	num("db", int64(db))
	num("sub", 0)
	num("psub", 0)
	num("ssub", 0)
	num("multi", int64(multi))
	num("qbuf", 0)
	num("qbuf-free", 0)
	num("argv-mem", int64(argvMem))
	num("multi-mem", int64(multiMem))
	num("rbs", int64(rbs))
	num("rbp", int64(rbs))
	num("obl", 0)
	num("oll", 0)
	num("omem", 0)
	num("tot-mem", int64(rbs+argvMem+multiMem))
	field("events", "r")
	field("cmd", cmdName)
	field("user", "default")
	num("redir", -1)
	num("resp", int64(proto))
	field("lib-name", libName)
	field("lib-ver", libVer)
}

// clients returns the connections in the order they were accepted (by id), without those killed.
func (s *Server) clients() []*Conn {
	s.mu.Lock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		if !c.killed.Load() {
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// killClient closes c, which is not the connection asking, and forgets it at once (CLIENT LIST
// and connected_clients no longer count it, as in Redis).
func (s *Server) killClient(c *Conn) {
	if !c.kill() {
		return
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// countingConn counts the bytes a connection reads and writes for INFO stats.
type countingConn struct {
	net.Conn
	st *serverStats
}

func (cc countingConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.st.netIn.Add(int64(n))
	cc.st.reads.Add(1)
	return n, err
}

func (cc countingConn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.st.netOut.Add(int64(n))
	cc.st.writes.Add(1)
	return n, err
}
