package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// isWildcard reports whether addr's host is empty, 0.0.0.0 or [::].
func isWildcard(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}

// loopbackAddr is addr with its host replaced by 127.0.0.1.
func loopbackAddr(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return net.JoinHostPort("127.0.0.1", port)
}

// clientAdvertise is the client address this node announces: --advertise, else the bind address and
// the bound port; a wildcard bind takes the host other nodes reach this one at (--raft-advertise).
func clientAdvertise(cfg config, port int) string {
	if cfg.advertise != "" {
		return cfg.advertise
	}
	host := cfg.bind
	if isWildcard(net.JoinHostPort(host, "0")) {
		host = "127.0.0.1"
		if h, _, err := net.SplitHostPort(cfg.raftAdvertise); err == nil && !isWildcard(cfg.raftAdvertise) {
			host = h
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// joinCluster asks the member at --join to add this node as a voter (RAFT ADD, which the member
// forwards to the leader), every second until it is done or this node finds itself in the
// configuration (on a restart it already is).
func joinCluster(ctx context.Context, cfg config, node *raftfsm.Node, log *slog.Logger) {
	raftAddr := node.Status().Addr
	for {
		for _, m := range node.Members() {
			if m.Self {
				return
			}
		}
		err := askToJoin(cfg.join, cfg.requirePass, cfg.nodeID, raftAddr)
		if err == nil {
			log.Info("joined the cluster", "via", cfg.join, "raft_addr", raftAddr)
			return
		}
		log.Warn("joining the cluster failed; retrying", "via", cfg.join, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// askToJoin sends RAFT ADD id raftAddr to the RESP server at addr.
func askToJoin(addr, password, id, raftAddr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	call := func(args ...string) error {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := c.Write([]byte(b.String())); err != nil {
			return err
		}
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line = strings.TrimRight(line, "\r\n"); !strings.HasPrefix(line, "+") {
			return fmt.Errorf("%s %s: %s", args[0], args[1], line)
		}
		return nil
	}
	if password != "" {
		if err := call("AUTH", password); err != nil {
			return err
		}
	}
	return call("RAFT", "ADD", id, raftAddr)
}
