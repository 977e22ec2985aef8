// Package resp is flin-resp's RESP front end: connections, the command table, argument parsing and
// replies in RESP2 and RESP3. Writes are handed to a Proposer (Raft); reads go to the engine.
package resp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Proposer commits writes; raftfsm.Node is one.
type Proposer interface {
	// Propose commits cmds as one atomic log entry stamped with now (Unix ms) and returns one
	// result per command.
	Propose(now int64, cmds []raftfsm.Command) ([]raftfsm.Result, error)
	// Status describes the replication state for INFO.
	Status() raftfsm.Status
	// Snapshot takes a snapshot now (SAVE, BGSAVE).
	Snapshot() error
	// ProposeWatched commits a transaction (EXEC): cmds, reads included, applied in order with no
	// other write in between, unless a key of w (nil: none) changed since it was watched
	// (raftfsm.ErrWatchChanged).
	ProposeWatched(now int64, w *raftfsm.Watch, cmds []raftfsm.Command) ([]raftfsm.Result, error)
	// SetReader installs the function that runs the reads of transactions where they are applied.
	SetReader(raftfsm.ReadFunc)
}

// Config configures a Server.
type Config struct {
	// RequirePass, when set, is the password of the default user (Redis's requirepass).
	RequirePass string
	// MaxBulkLen is the largest bulk argument accepted (Redis's proto-max-bulk-len). Default 512 MB.
	MaxBulkLen int64
	// ReadBufferSize is the size of each connection's read buffer. Default 64 KiB: large enough to
	// take a deep pipeline of 1 KiB values in one read, so its writes become one Raft entry.
	ReadBufferSize int
	// MaxBatchBytes bounds the argument bytes of one Raft entry built from a pipeline. Default 1 MiB.
	MaxBatchBytes int
	// Version is the flin-resp version INFO reports.
	Version string
	// Port, Bind and Dir are reported by CONFIG GET and INFO.
	Port int
	Bind string
	Dir  string
	// Durability is the node's durability mode ("fsync", "everysec" or "memory"), reported as
	// Redis's appendonly/appendfsync. Default "fsync".
	Durability string
	// ReadConsistency is the read consistency of new connections (consistency.go). Default (the
	// zero value) leader.
	ReadConsistency raftfsm.ReadLevel
	// Logger receives connection-level logs. Default slog.Default().
	Logger *slog.Logger
	// LogLevel, when set, is the level of Logger's handler: CONFIG SET loglevel changes it.
	// LogLevelName is the level CONFIG GET loglevel reports at start. Default "notice".
	LogLevel     *slog.LevelVar
	LogLevelName string
}

func (c *Config) setDefaults() {
	if c.MaxBulkLen == 0 {
		c.MaxBulkLen = 512 << 20
	}
	if c.ReadBufferSize == 0 {
		c.ReadBufferSize = 64 << 10
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = 1 << 20
	}
	if c.Version == "" {
		c.Version = "0.1.0"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.LogLevelName == "" {
		c.LogLevelName = "notice"
	}
}

// Server serves RESP clients.
type Server struct {
	cfg      Config
	db       *engine.DB
	proposer Proposer
	cluster  Cluster // the proposer, when it is a cluster node; nil otherwise
	commands commandTable
	started  time.Time
	runID    string         // INFO server run_id: random, new at every start
	cursors  *cursorTable   // SCAN positions by cursor
	blocking *blockRegistry // clients blocked on keys (blocking.go)

	stopObserving func() // removes onCommit from the engine

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*Conn]struct{}
	closing bool
	wg      sync.WaitGroup

	nextID   atomic.Int64
	stats    serverStats  // INFO stats (stats.go)
	clock    atomic.Int64 // coarseNow (stats.go)
	live     liveConfig   // what CONFIG SET changes (config.go)
	saves    saveState    // SAVE and BGSAVE (cmd_server.go)
	cronOnce sync.Once
	cronStop chan struct{} // closed by Shutdown: ends Server.cron
}

// NewServer returns a server over db whose writes go through p.
func NewServer(cfg Config, db *engine.DB, p Proposer) *Server {
	cfg.setDefaults()
	s := &Server{
		cfg: cfg, db: db, proposer: p, commands: newCommandTable(),
		started: time.Now(), conns: map[*Conn]struct{}{}, cursors: newCursorTable(),
		blocking: newBlockRegistry(), cronStop: make(chan struct{}),
	}
	s.cluster, _ = p.(Cluster)
	s.initLiveConfig()
	var id [20]byte
	rand.Read(id[:])
	s.runID = hex.EncodeToString(id[:])
	s.stopObserving = db.OnCommit(s.onCommit)
	p.SetReader(s.execRead)
	return s
}

// onCommit is the server's engine commit observer: it is told the keys each commit changed, on the
// FSM goroutine, and must only signal. Blocked clients learn of it here. (WATCH is checked by the
// Raft node, which observes commits itself.)
func (s *Server) onCommit(c engine.Commit) {
	s.blocking.notify(c.Touched)
}

// Serve accepts connections on ln until Shutdown. It returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return errors.New("resp: server is shut down")
	}
	s.ln = ln
	s.mu.Unlock()
	s.cronOnce.Do(func() { go s.cron(s.cronStop) })
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return nil
		}
		if int64(len(s.conns)) >= s.live.maxClients.Load() {
			s.mu.Unlock()
			s.refuse(c)
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.stats.conns.Add(1)
		go func() {
			defer s.wg.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting, lets every connection finish the batch it is executing (so in-flight
// writes complete and are answered), then closes the connections. It waits until they are gone or
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.cronStop)
	}
	s.closing = true
	s.stopObserving()
	s.blocking.close()
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.stop()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// refuse answers a connection over maxclients with Redis's error and closes it, in the
// background so that accepting goes on.
func (s *Server) refuse(c *Conn) {
	s.stats.rejectedConns.Add(1)
	go func() {
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		c.nc.Write([]byte("-ERR max number of clients reached\r\n"))
		c.nc.Close()
	}()
}

func (s *Server) connectedClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
