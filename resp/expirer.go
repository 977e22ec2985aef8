package resp

import (
	"log/slog"
	"sync"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Expired keys are invisible to reads at once, but stay on disk (and in DBSIZE) until deleted. The
// Expirer deletes them in the background, on the leader: it reads the engine's expiry index, oldest
// first, and proposes their deletion through Raft in small batches. The entry deletes a key only if
// it is still expired, with the same expiry, at the entry's time, so every replica agrees whatever
// happened in between. Each batch is one Raft entry of a few hundred deletions, so clients' writes
// never wait long behind it.

// ExpirerConfig configures an Expirer.
type ExpirerConfig struct {
	// Interval is the pause between rounds that found little to do (Redis's active expiry runs 10
	// times a second). Default 100ms.
	Interval time.Duration
	// Batch is the most keys deleted by one Raft entry. Default 256.
	Batch int
	// BusyPause is the pause between full batches, while a backlog is worked off. Default 5ms.
	BusyPause time.Duration
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger
	// OnExpired, if set, is told how many keys each round deleted (Server.CountExpired: INFO's
	// expired_keys).
	OnExpired func(n int)
}

func (c *ExpirerConfig) setDefaults() {
	if c.Interval <= 0 {
		c.Interval = 100 * time.Millisecond
	}
	if c.Batch <= 0 {
		c.Batch = 256
	}
	if c.BusyPause <= 0 {
		c.BusyPause = 5 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Expirer deletes expired keys in the background; see StartExpirer.
type Expirer struct {
	cfg  ExpirerConfig
	db   *engine.DB
	p    Proposer
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu   sync.Mutex // one round at a time
	next int        // database the next round starts with, so a backlog in one does not starve the others
}

// StartExpirer starts deleting db's expired keys through p while this node leads. Stop it before
// closing p or db.
func StartExpirer(db *engine.DB, p Proposer, cfg ExpirerConfig) *Expirer {
	cfg.setDefaults()
	e := &Expirer{cfg: cfg, db: db, p: p, stop: make(chan struct{}), done: make(chan struct{})}
	go e.run()
	return e
}

// Stop ends the loop and waits for a round in progress to finish.
func (e *Expirer) Stop() {
	e.once.Do(func() { close(e.stop) })
	<-e.done
}

func (e *Expirer) run() {
	defer close(e.done)
	t := time.NewTimer(e.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		wait := e.cfg.Interval
		if e.p.Status().State == "Leader" {
			n, err := e.Round(time.Now().UnixMilli())
			if err != nil {
				e.cfg.Logger.Debug("expiry round failed", "err", err)
			} else if n >= e.cfg.Batch {
				wait = e.cfg.BusyPause
			}
		}
		t.Reset(wait)
	}
}

// Round proposes the deletion of up to Batch keys expired at now (Unix ms), as one Raft entry, and
// returns how many it found.
func (e *Expirer) Round(now int64) (int, error) {
	type found struct {
		key []byte
		at  int64
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	perDB := map[int][]found{}
	var order []int
	tx := e.db.Begin(now, false)
	n, err := tx.ExpiredKeys(e.next, e.cfg.Batch, func(db int, key []byte, at int64) {
		if perDB[db] == nil {
			order = append(order, db)
		}
		perDB[db] = append(perDB[db], found{append([]byte(nil), key...), at})
	})
	tx.Discard()
	if err != nil || n == 0 {
		return 0, err
	}
	e.next = (e.next + 1) % e.db.Databases()
	cmds := make([]raftfsm.Command, 0, len(order))
	for _, db := range order {
		c := raftfsm.Command{Op: raftfsm.OpExpireKeys, DB: db}
		for _, f := range perDB[db] {
			c.Args = append(c.Args, f.key, raftfsm.Int64Arg(f.at))
		}
		cmds = append(cmds, c)
	}
	results, err := e.p.Propose(now, cmds)
	if err != nil {
		return 0, err
	}
	if e.cfg.OnExpired != nil {
		deleted := 0
		for _, r := range results {
			if r.Kind == raftfsm.ResultInt {
				deleted += int(r.Int)
			}
		}
		e.cfg.OnExpired(deleted)
	}
	return n, nil
}
