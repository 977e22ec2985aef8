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
	if cfg.modes.durability != raftfsm.DurabilityMemory {
		if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
			return err
		}
	}
	if cfg.pprofAddr != "" {
		stop, err := servePprof(cfg.pprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	cfg.modes.logStartup(log)
	db, err := engine.Open(cfg.modes.engineOptions(filepath.Join(cfg.dir, "engine")).
		WithDatabases(cfg.databases).WithLogger(log))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	defer cfg.modes.startBudget(filepath.Join(cfg.dir, "engine"), log)() // before the engine closes
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.bind, strconv.Itoa(cfg.port)))
	if err != nil {
		return err
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	rcfg := raftfsm.Config{
		ID: cfg.nodeID, Dir: filepath.Join(cfg.dir, "raft"), BindAddr: cfg.raftAddr,
		Advertise: cfg.raftAdvertise, Logger: log, Durability: cfg.modes.durability,
		SnapshotThreshold: cfg.snapshotThreshold, TrailingLogs: cfg.trailingLogs,
	}
	switch self, initial := cfg.initialVoter(); {
	case cfg.single():
		// A one-voter cluster has no peer to wait for: elect itself quickly at start-up, and take
		// the cluster's timeouts if voters are added later.
		rcfg.Bootstrap = true
		rcfg.HeartbeatTimeout, rcfg.ElectionTimeout = 150*time.Millisecond, 150*time.Millisecond
		rcfg.ClusterHeartbeatTimeout = 500 * time.Millisecond
		if rcfg.Advertise == "" && isWildcard(cfg.raftAddr) {
			rcfg.Advertise = loopbackAddr(cfg.raftAddr) // only this node dials it
		}
	case initial:
		// Every initial voter bootstraps the same configuration: deterministic, no race. A node
		// with Raft state already ignores it.
		rcfg.Bootstrap, rcfg.Peers = true, cfg.peers
		if string(self.Address) != cfg.raftAdvertise {
			log.Warn("this node's address in --peers differs from --raft-advertise", "peers", self.Address, "raft_advertise", cfg.raftAdvertise)
		}
	}
	rcfg.ClientAddr = clientAdvertise(cfg, port)
	node, err := raftfsm.Start(rcfg, db)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := node.Close(); err == nil {
			err = cerr
		}
	}()
	srv := resp.NewServer(resp.Config{
		RequirePass: cfg.requirePass, MaxBulkLen: cfg.maxBulkLen, Version: version,
		Port: port, Bind: cfg.bind, Dir: cfg.dir, ReadConsistency: cfg.readLevel, Logger: log,
		LogLevel: cfg.levelVar, LogLevelName: cfg.levelName, Durability: cfg.modes.durability.String(),
	}, db, node)
	// Deletes expired keys through Raft while this node leads; stopped before Raft and the engine.
	expirer := resp.StartExpirer(db, node, resp.ExpirerConfig{Logger: log, OnExpired: srv.CountExpired})
	defer expirer.Stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.join != "" {
		go joinCluster(ctx, cfg, node, log)
	}
	log.Info("ready to accept connections", "addr", ln.Addr().String(), "raft_addr", node.Status().Addr,
		"advertise", rcfg.ClientAddr, "node_id", cfg.nodeID, "dir", cfg.dir,
		"read_consistency", cfg.readLevel, "startup", time.Since(start).Round(time.Millisecond))
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
