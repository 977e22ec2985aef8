// Command flin-resp is a Redis-compatible key-value server whose data lives on disk in BadgerDB and is
// replicated with Raft. Started with no flags it serves a single durable node on 127.0.0.1:6379 with
// its data in ./flin-data.
//
// `flin-resp healthcheck` checks a running node instead (see healthcheck.go): a container image
// built from scratch has no other tool to do it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/hashicorp/raft"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := parseFlags(os.Args[1:], os.LookupEnv, os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flin-resp:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.levelVar = new(slog.LevelVar)
	cfg.levelVar.Set(cfg.logLevel)
	if err := run(ctx, cfg, newLogger(os.Stderr, cfg.levelVar)); err != nil {
		fmt.Fprintln(os.Stderr, "flin-resp:", err)
		os.Exit(1)
	}
}

// config is everything the flags set.
type config struct {
	bind          string
	port          int
	dir           string
	nodeID        string
	raftAddr      string
	raftAdvertise string
	advertise     string
	peers         []raft.Server // initial voters; empty: a single node
	join          string
	readLevel     raftfsm.ReadLevel
	requirePass   string
	databases     int
	maxBulkLen    int64
	logLevel      slog.Level
	levelName     string         // the --loglevel name (CONFIG GET loglevel)
	levelVar      *slog.LevelVar // the logger's level, which CONFIG SET loglevel changes

	snapshotThreshold uint64
	trailingLogs      uint64

	pprofAddr string    // --pprof-addr: serve Go's profiles there; "" (default) serves none
	modes     modeFlags // --durability, --memory-budget (modes.go)
}

// envName is the environment variable that sets a flag: FLIN_ and the flag's name in upper snake
// case (--node-id: FLIN_NODE_ID).
func envName(flagName string) string {
	return "FLIN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args; a flag not given takes its environment variable (envName), if set.
func parseFlags(args []string, getenv func(string) (string, bool), out io.Writer) (config, error) {
	var c config
	var level, peers, readLevel string
	fs := flag.NewFlagSet("flin-resp", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.bind, "bind", "127.0.0.1", "address to listen on for clients (as redis-server's bind)")
	fs.IntVar(&c.port, "port", 6379, "port to listen on for clients; 0 picks a free one")
	fs.StringVar(&c.dir, "dir", "flin-data", "directory holding the data (engine/, raft/)")
	fs.StringVar(&c.nodeID, "node-id", "node1", "this node's Raft id")
	fs.StringVar(&c.raftAddr, "raft-addr", "", "Raft listen address, also used by nodes to forward requests (default: bind address, port + 10000; port 0 when --port is 0)")
	fs.StringVar(&c.raftAdvertise, "raft-advertise", "", "Raft address other nodes dial, e.g. node1:16379 (default: this node's address in --peers, else --raft-addr)")
	fs.StringVar(&c.advertise, "advertise", "", "client address announced to clients and other nodes (CLUSTER SLOTS, INFO replication) (default: bind address and port; with a wildcard bind, the host of --raft-advertise)")
	fs.StringVar(&peers, "peers", "", `initial voters, this node included: "node1=host1:16379,node2=host2:16379,..." (default: none, a single node)`)
	fs.StringVar(&c.join, "join", "", "client address of any member: ask it to add this node as a voter (a node not among --peers otherwise waits for RAFT ADD)")
	fs.StringVar(&readLevel, "read-consistency", "leader", "read consistency of new connections: leader, linearizable or stale")
	fs.StringVar(&c.requirePass, "requirepass", "", "password clients must AUTH with (as redis-server's requirepass)")
	fs.IntVar(&c.databases, "databases", 16, "number of logical databases")
	fs.Int64Var(&c.maxBulkLen, "proto-max-bulk-len", 512<<20, "largest bulk argument accepted, in bytes")
	c.modes.register(fs)
	fs.StringVar(&level, "loglevel", "notice", "log level: debug, verbose, notice or warning")
	fs.Uint64Var(&c.snapshotThreshold, "raft-snapshot-threshold", 8192, "log entries between automatic Raft snapshots")
	fs.Uint64Var(&c.trailingLogs, "raft-trailing-logs", 1024, "log entries kept after a snapshot (a follower further behind gets the snapshot)")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve Go's net/http/pprof profiles on this address (off by default; for diagnosis, never expose it)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := getenv(envName(f.Name))
		if given[f.Name] || !ok || envErr != nil {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			envErr = fmt.Errorf("%s=%q: %v", envName(f.Name), v, err)
		}
	})
	if envErr != nil {
		return c, envErr
	}
	var err error
	if c.logLevel, err = parseLevel(level); err != nil {
		return c, err
	}
	c.levelName = map[string]string{"info": "verbose", "warn": "warning"}[level]
	if c.levelName == "" {
		c.levelName = level
	}
	if c.readLevel, err = raftfsm.ParseReadLevel(readLevel); err != nil {
		return c, fmt.Errorf("--read-consistency: %v", err)
	}
	if c.peers, err = parsePeers(peers); err != nil {
		return c, fmt.Errorf("--peers: %v", err)
	}
	if err := c.modes.parse(); err != nil {
		return c, err
	}
	if c.port < 0 || c.port > 65535 {
		return c, fmt.Errorf("--port %d out of range", c.port)
	}
	if c.raftAddr == "" {
		raftPort := 0
		if c.port != 0 {
			raftPort = c.port + 10000
			if raftPort > 65535 {
				raftPort = c.port - 10000
			}
		}
		c.raftAddr = net.JoinHostPort(c.bind, strconv.Itoa(raftPort))
	}
	if c.raftAdvertise == "" {
		if self, ok := c.initialVoter(); ok {
			c.raftAdvertise = string(self.Address)
		}
	}
	return c, nil
}

// parsePeers parses "id=host:port,id=host:port".
func parsePeers(s string) ([]raft.Server, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []raft.Server
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		id, addr, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || id == "" {
			return nil, fmt.Errorf("%q is not id=host:port", p)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("%q: %v", p, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("%q appears twice", id)
		}
		seen[id] = true
		out = append(out, raft.Server{ID: raft.ServerID(id), Address: raft.ServerAddress(addr), Suffrage: raft.Voter})
	}
	return out, nil
}

// initialVoter returns this node's entry in --peers.
func (c config) initialVoter() (raft.Server, bool) {
	for _, p := range c.peers {
		if string(p.ID) == c.nodeID {
			return p, true
		}
	}
	return raft.Server{}, false
}

// single reports whether this node runs alone: no peers, nothing to join. It bootstraps itself.
func (c config) single() bool { return len(c.peers) == 0 && c.join == "" }

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "verbose", "info":
		return slog.LevelInfo, nil
	case "notice":
		return slog.LevelInfo, nil
	case "warning", "warn":
		return slog.LevelWarn, nil
	}
	return 0, fmt.Errorf("unknown --loglevel %q (debug, verbose, notice, warning)", s)
}

func newLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
