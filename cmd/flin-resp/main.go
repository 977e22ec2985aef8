// Command flin-resp is a Redis-compatible key-value server whose data lives on disk in BadgerDB and is
// replicated with Raft. Started with no flags it serves a single durable node on 127.0.0.1:6379 with
// its data in ./flin-data.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flin-resp:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, newLogger(os.Stderr, cfg.logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "flin-resp:", err)
		os.Exit(1)
	}
}

// config is everything the flags set.
type config struct {
	bind        string
	port        int
	dir         string
	nodeID      string
	raftAddr    string
	requirePass string
	databases   int
	maxBulkLen  int64
	logLevel    slog.Level
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	var level string
	fs := flag.NewFlagSet("flin-resp", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.bind, "bind", "127.0.0.1", "address to listen on for clients (as redis-server's bind)")
	fs.IntVar(&c.port, "port", 6379, "port to listen on for clients; 0 picks a free one")
	fs.StringVar(&c.dir, "dir", "flin-data", "directory holding the data (engine/, raft/)")
	fs.StringVar(&c.nodeID, "node-id", "node1", "this node's Raft id")
	fs.StringVar(&c.raftAddr, "raft-addr", "", "Raft listen address (default: bind address, port + 10000; port 0 when --port is 0)")
	fs.StringVar(&c.requirePass, "requirepass", "", "password clients must AUTH with (as redis-server's requirepass)")
	fs.IntVar(&c.databases, "databases", 16, "number of logical databases")
	fs.Int64Var(&c.maxBulkLen, "proto-max-bulk-len", 512<<20, "largest bulk argument accepted, in bytes")
	fs.StringVar(&level, "loglevel", "notice", "log level: debug, verbose, notice or warning")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.logLevel, err = parseLevel(level); err != nil {
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
		c.raftAddr = fmt.Sprintf("%s:%d", c.bind, raftPort)
	}
	return c, nil
}

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

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
