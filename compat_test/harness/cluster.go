package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Cluster is a group of flin-resp processes on loopback forming one Raft cluster: node1..nodeN,
// bootstrapped together with --peers. Each node's Raft port is fixed (it is in every node's
// --peers); client ports are chosen at start (so they change when a node restarts).
type Cluster struct {
	t     testing.TB
	Nodes []*Server
	IDs   []string
	Raft  []string // Raft addresses, by node
	extra []string
}

// StartCluster starts n initial voters with extra flags each and waits until they agree on a
// leader. Every node is killed at test cleanup.
func StartCluster(t testing.TB, n int, extra ...string) *Cluster {
	t.Helper()
	c := &Cluster{t: t, extra: extra}
	var peers []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("node%d", i)
		addr := fmt.Sprintf("127.0.0.1:%d", FixedPort(t))
		c.IDs = append(c.IDs, id)
		c.Raft = append(c.Raft, addr)
		peers = append(peers, id+"="+addr)
	}
	for i, id := range c.IDs {
		args := append([]string{"--node-id", id, "--raft-addr", c.Raft[i], "--peers", strings.Join(peers, ",")}, extra...)
		c.Nodes = append(c.Nodes, Start(t, "", args...))
	}
	c.WaitLeader(30 * time.Second)
	return c
}

// AddNode starts one more node, id, with an empty disk and a fresh Raft port, and flags (e.g.
// --join). It is not an initial voter: it waits to be added.
func (c *Cluster) AddNode(id string, flags ...string) *Server {
	c.t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", FixedPort(c.t))
	args := append([]string{"--node-id", id, "--raft-addr", addr}, c.extra...)
	s := Start(c.t, "", append(args, flags...)...)
	c.Nodes = append(c.Nodes, s)
	c.IDs = append(c.IDs, id)
	c.Raft = append(c.Raft, addr)
	return s
}

// Running reports whether node i's process is running.
func (c *Cluster) Running(i int) bool {
	s := c.Nodes[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// WaitLeader waits until every running node names the same leader, and that node says it is the
// master, and returns its index.
func (c *Cluster) WaitLeader(timeout time.Duration) int {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		leader, why := c.leader()
		if leader >= 0 {
			return leader
		}
		last = why
		if time.Now().After(deadline) {
			c.t.Fatalf("no leader agreed on within %v: %s", timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Cluster) leader() (int, string) {
	leaderID := ""
	for i, s := range c.Nodes {
		if !c.Running(i) {
			continue
		}
		info, err := Info(s.Addr, "replication")
		if err != nil {
			return -1, fmt.Sprintf("%s: %v", c.IDs[i], err)
		}
		id := info["raft_leader_id"]
		if id == "" || leaderID != "" && id != leaderID {
			return -1, fmt.Sprintf("%s names leader %q (others %q)", c.IDs[i], id, leaderID)
		}
		leaderID = id
	}
	for i, id := range c.IDs {
		if id != leaderID || !c.Running(i) {
			continue
		}
		info, err := Info(c.Nodes[i].Addr, "replication")
		if err == nil && info["role"] == "master" {
			return i, ""
		}
		return -1, fmt.Sprintf("%s is named leader but says role:%s (%v)", id, info["role"], err)
	}
	return -1, fmt.Sprintf("leader %q is not a running node", leaderID)
}

// Followers returns the indexes of the running nodes other than leader.
func (c *Cluster) Followers(leader int) []int {
	var out []int
	for i := range c.Nodes {
		if i != leader && c.Running(i) {
			out = append(out, i)
		}
	}
	return out
}

// fixedPorts hands out ports below Linux's ephemeral range (32768-60999 by default), from a random
// start, so that ports chosen with 0 (clients' ports, outgoing connections) never take one
// between the moment it is chosen and the moment its process binds it, or across a restart.
var fixedPorts struct {
	sync.Mutex
	next int
}

// FixedPort returns a free loopback port for a server that must keep its port across restarts
// (a Raft address in every node's --peers).
func FixedPort(t testing.TB) int {
	t.Helper()
	fixedPorts.Lock()
	defer fixedPorts.Unlock()
	if fixedPorts.next == 0 {
		fixedPorts.next = 20000 + rand.IntN(10000)
	}
	for range 1000 {
		port := fixedPorts.next
		fixedPorts.next++
		if fixedPorts.next >= 32000 {
			fixedPorts.next = 20000
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// Info runs INFO section on addr and returns its fields.
func Info(addr, section string) (map[string]string, error) {
	reply, err := Do(addr, "INFO", section)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for _, line := range strings.Split(reply, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			fields[k] = v
		}
	}
	return fields, nil
}

// Do sends one command to addr on a new connection and returns a status, integer or bulk reply as
// text (an error reply is an error). Aggregate replies are not supported.
func Do(addr string, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := nc.Write([]byte(b.String())); err != nil {
		return "", err
	}
	br := bufio.NewReader(nc)
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unsupported reply %q", line)
}
