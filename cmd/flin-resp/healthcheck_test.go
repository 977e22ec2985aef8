package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeNode answers PING, AUTH and INFO the way a flin-resp node in a given state would.
func fakeNode(t *testing.T, password, raftInfo string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFake(nc, password, raftInfo)
		}
	}()
	return ln.Addr().String()
}

func serveFake(nc net.Conn, password, raftInfo string) {
	defer nc.Close()
	r := bufio.NewReader(nc)
	authed := password == ""
	for {
		var n int
		if _, err := fmt.Fscanf(r, "*%d\r\n", &n); err != nil {
			return
		}
		args := make([]string, n)
		for i := range args {
			var l int
			if _, err := fmt.Fscanf(r, "$%d\r\n", &l); err != nil {
				return
			}
			b := make([]byte, l+2)
			if _, err := io.ReadFull(r, b); err != nil {
				return
			}
			args[i] = string(b[:l])
		}
		var reply string
		switch cmd := strings.ToUpper(args[0]); {
		case cmd == "AUTH" && len(args) == 2 && args[1] == password:
			authed, reply = true, "+OK\r\n"
		case cmd == "AUTH":
			reply = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
		case !authed:
			reply = "-NOAUTH Authentication required.\r\n"
		case cmd == "PING":
			reply = "+PONG\r\n"
		case cmd == "INFO":
			reply = fmt.Sprintf("$%d\r\n%s\r\n", len(raftInfo), raftInfo)
		}
		nc.Write([]byte(reply))
	}
}

func TestHealthcheckExitsZeroOnlyWhenTheNodeAnswersAndKnowsALeader(t *testing.T) {
	leader := "# Raft\r\nraft_node_id:node2\r\nraft_state:follower\r\nraft_leader_id:node1\r\nraft_term:3\r\n"
	noLeader := "# Raft\r\nraft_node_id:node2\r\nraft_state:candidate\r\nraft_leader_id:\r\nraft_term:4\r\n"
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	cases := []struct {
		name string
		addr string
		args []string
		want int
	}{
		{"a follower that knows its leader is healthy", fakeNode(t, "", leader), nil, 0},
		{"a node without a leader is unhealthy", fakeNode(t, "", noLeader), nil, 1},
		{"a node without a leader passes with --no-leader", fakeNode(t, "", noLeader), []string{"--no-leader"}, 0},
		{"a node nobody listens for is unhealthy", closed, nil, 1},
		{"the right password is sent with AUTH", fakeNode(t, "s3cret", leader), []string{"--password", "s3cret"}, 0},
		{"a wrong password is unhealthy", fakeNode(t, "s3cret", leader), []string{"--password", "nope"}, 1},
		{"no password against a protected node is unhealthy", fakeNode(t, "s3cret", leader), nil, 1},
		{"an unknown flag is a usage error", closed, []string{"--bogus"}, 2},
	}
	t.Setenv("FLIN_REQUIREPASS", "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"--addr", tc.addr, "--timeout", (2 * time.Second).String()}, tc.args...)
			if got := healthcheck(args, &out, &errOut); got != tc.want {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", got, tc.want, out.String(), errOut.String())
			}
		})
	}
}

func TestHealthcheckTakesThePasswordAndPortFromTheContainerEnvironment(t *testing.T) {
	addr := fakeNode(t, "fromenv", "# Raft\r\nraft_leader_id:node1\r\n")
	_, port, _ := net.SplitHostPort(addr)
	t.Setenv("FLIN_PORT", port)
	t.Setenv("FLIN_REQUIREPASS", "fromenv")
	var out, errOut bytes.Buffer
	if got := healthcheck(nil, &out, &errOut); got != 0 {
		t.Fatalf("exit %d; stdout %q stderr %q", got, out.String(), errOut.String())
	}
}
