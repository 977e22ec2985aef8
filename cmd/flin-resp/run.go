package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
	"github.com/flin-resp/flin-resp/resp"
)

// run serves until ctx is cancelled, then shuts down in order: stop accepting and finish in-flight
// writes, close Raft, close the engine.
func run(ctx context.Context, cfg config, log *slog.Logger) (err error) {
	start := time.Now()
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(cfg.dir, "engine")).
		WithDatabases(cfg.databases).WithLogger(log))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	node, err := raftfsm.Start(raftfsm.Config{
		ID: cfg.nodeID, Dir: filepath.Join(cfg.dir, "raft"), BindAddr: cfg.raftAddr,
		Bootstrap: true, Logger: log,
		// A one-voter cluster has no peer to wait for: elect itself quickly at start-up.
		HeartbeatTimeout: 150 * time.Millisecond, ElectionTimeout: 150 * time.Millisecond,
	}, db)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := node.Close(); err == nil {
			err = cerr
		}
	}()
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.bind, strconv.Itoa(cfg.port)))
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	srv := resp.NewServer(resp.Config{
		RequirePass: cfg.requirePass, MaxBulkLen: cfg.maxBulkLen, Version: version,
		Port: port, Bind: cfg.bind, Dir: cfg.dir, Logger: log,
	}, db, node)
	// Deletes expired keys through Raft while this node leads; stopped before Raft and the engine.
	expirer := resp.StartExpirer(db, node, resp.ExpirerConfig{Logger: log})
	defer expirer.Stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("ready to accept connections", "addr", ln.Addr().String(), "raft_addr", node.Status().Addr,
		"node_id", cfg.nodeID, "dir", cfg.dir, "startup", time.Since(start).Round(time.Millisecond))
	select {
	case <-ctx.Done():
	case err := <-served:
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
