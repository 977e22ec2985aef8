package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// healthcheck implements `flin-resp healthcheck`: it exits 0 when the node at --addr answers PING
// with PONG and knows a Raft leader (so a write sent to it can commit), 1 otherwise. A scratch
// image has no shell or redis-cli, so the container's HEALTHCHECK runs the binary itself.
//
// The defaults follow the container's environment: --addr is 127.0.0.1 and $FLIN_PORT (6379), the
// password $FLIN_REQUIREPASS, so a compose file needs no arguments beyond the subcommand.
func healthcheck(args []string, stdout, stderr io.Writer) int {
	port := os.Getenv("FLIN_PORT")
	if port == "" {
		port = "6379"
	}
	fs := flag.NewFlagSet("flin-resp healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", net.JoinHostPort("127.0.0.1", port), "client address of the node to check")
	password := fs.String("password", os.Getenv("FLIN_REQUIREPASS"), "password to AUTH with (default $FLIN_REQUIREPASS)")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this long")
	noLeader := fs.Bool("no-leader", false, "only check that the node answers PING; do not require a known leader")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flin-resp healthcheck: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	status, err := checkHealth(*addr, *password, *timeout, !*noLeader)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	fmt.Fprintln(stdout, "healthy:", status)
	return 0
}

// checkHealth pings the node and, when needLeader is set, reads INFO raft (falling back to INFO
// replication) to check it knows a leader. It returns a short description of the state.
func checkHealth(addr, password string, timeout time.Duration, needLeader bool) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	if err := nc.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	c := &miniClient{w: nc, r: bufio.NewReader(nc)}
	if password != "" {
		if reply, err := c.do("AUTH", password); err != nil {
			return "", err
		} else if reply != "OK" {
			return "", fmt.Errorf("AUTH answered %q", reply)
		}
	}
	if reply, err := c.do("PING"); err != nil {
		return "", err
	} else if reply != "PONG" {
		return "", fmt.Errorf("PING answered %q", reply)
	}
	if !needLeader {
		return "PONG", nil
	}
	info, err := c.do("INFO", "raft")
	if err != nil {
		return "", err
	}
	fields := infoFields(info)
	if _, ok := fields["raft_leader_id"]; !ok {
		// A server without INFO raft: a master, or a replica whose link to its master is up.
		if info, err = c.do("INFO", "replication"); err != nil {
			return "", err
		}
		fields = infoFields(info)
		if fields["role"] == "master" || fields["master_link_status"] == "up" {
			return "role " + fields["role"], nil
		}
		return "", fmt.Errorf("no leader (role %q)", fields["role"])
	}
	if fields["raft_leader_id"] == "" {
		return "", fmt.Errorf("no leader known (raft_state %s, term %s)", fields["raft_state"], fields["raft_term"])
	}
	return fmt.Sprintf("%s, leader %s", fields["raft_state"], fields["raft_leader_id"]), nil
}

// infoFields parses INFO's "name:value" lines.
func infoFields(info string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":"); ok && !strings.HasPrefix(k, "#") {
			m[k] = v
		}
	}
	return m
}

// miniClient is just enough of a RESP2 client for the health check: one command at a time, and
// replies that are a status, an error or a bulk string.
type miniClient struct {
	w io.Writer
	r *bufio.Reader
}

func (c *miniClient) do(args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("%s answered %s", args[0], line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > 16<<20 {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
