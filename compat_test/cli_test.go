package compat_test

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// runTool runs a program with a time limit and returns its combined output and error.
func runTool(t *testing.T, limit time.Duration, path string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not finish within %v:\n%s", path, args, limit, out)
	}
	return string(out), err
}

var helloVolatile = regexp.MustCompile(`(?m)^(version|id) .*$`)

// TestRedisCLIWorks runs redis-cli against flin-resp (output is not a terminal, so it prints raw
// replies) and checks what it prints; when redis-server is installed, the same invocations must
// print the same against it.
func TestRedisCLIWorks(t *testing.T) {
	t.Parallel()
	cli := harness.Need(t, "redis-cli")
	fl := harness.Start(t, "")
	calls := []struct {
		name string
		args []string
		want string
	}{
		{"PING answers PONG", []string{"PING"}, "PONG\n"},
		{"SET answers OK", []string{"SET", "cli:k", "hello world"}, "OK\n"},
		{"GET prints the value", []string{"GET", "cli:k"}, "hello world\n"},
		{"MSET answers OK", []string{"MSET", "cli:a", "1", "cli:b", "2"}, "OK\n"},
		{"MGET prints one line per key, empty for a missing one", []string{"MGET", "cli:a", "cli:b", "cli:missing"}, "1\n2\n\n"},
		{"INCR prints the new value", []string{"INCR", "cli:b"}, "3\n"},
		{"DEL prints how many keys it removed", []string{"DEL", "cli:k", "cli:a", "cli:missing"}, "2\n"},
		{"GET of a deleted key prints an empty line", []string{"GET", "cli:k"}, "\n"},
		{"an error reply is printed", []string{"INCR", "a", "b"}, "ERR wrong number of arguments for 'incr' command\n\n"},
		{"-n selects a database", []string{"-n", "3", "SET", "cli:db3", "x"}, "OK\n"},
		{"-n 3 DBSIZE counts that database", []string{"-n", "3", "DBSIZE"}, "1\n"},
		{"-3 HELLO 3 prints the server's map", []string{"-3", "HELLO", "3"},
			"server redis\nversion X\nproto 3\nid X\nmode standalone\nrole master\nmodules \n"},
		{"-3 GET of a missing key prints an empty line", []string{"-3", "GET", "cli:missing"}, "\n"},
		{"-3 MGET prints RESP3 nulls as empty lines", []string{"-3", "MGET", "cli:b", "cli:missing"}, "3\n\n"},
	}
	run := func(t *testing.T, addr string, args []string) string {
		host, port, _ := net.SplitHostPort(addr)
		out, err := runTool(t, 30*time.Second, cli, append([]string{"-h", host, "-p", port}, args...)...)
		if err != nil {
			t.Errorf("redis-cli %q: %v\n%s", args, err, out)
		}
		return helloVolatile.ReplaceAllString(out, "$1 X")
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, fl.Addr, c.args); got != c.want {
				t.Errorf("redis-cli %q printed %q, want %q", c.args, got, c.want)
			}
		})
	}
	t.Run("every invocation prints what it prints against redis-server", func(t *testing.T) {
		rd := harness.StartRedis(t)
		for _, c := range calls {
			r, f := run(t, rd.Addr, c.args), run(t, fl.Addr, c.args)
			if r != f {
				t.Errorf("redis-cli %q:\n redis:     %q\n flin-resp: %q", c.args, r, f)
			}
		}
	})
}

// TestRedisBenchmarkRunsWithoutErrors runs redis-benchmark's SET and GET tests with 50 clients,
// pipelines of 16 and 1 KiB values. redis-benchmark stops at the first error reply.
func TestRedisBenchmarkRunsWithoutErrors(t *testing.T) {
	t.Parallel()
	bench := harness.Need(t, "redis-benchmark")
	fl := harness.Start(t, "")
	n := "100000"
	if testing.Short() {
		n = "20000"
	}
	host, port, _ := net.SplitHostPort(fl.Addr)
	args := []string{"-h", host, "-p", port, "-t", "set,get", "-n", n, "-c", "50", "-P", "16", "-d", "1024", "-q"}
	out, err := runTool(t, 150*time.Second, bench, args...)
	t.Logf("redis-benchmark %s\n%s", strings.Join(args, " "), lastLines(out))
	if err != nil {
		t.Fatalf("redis-benchmark failed: %v\n%s", err, out)
	}
	if strings.Contains(out, "ERR") || strings.Contains(out, "Error") {
		t.Fatalf("redis-benchmark got an error reply:\n%s", out)
	}
	for _, test := range []string{"SET: ", "GET: "} {
		if !strings.Contains(out, test) || !strings.Contains(out, "requests per second") {
			t.Errorf("no %s result in the output:\n%s", test, out)
		}
	}
}

// lastLines drops redis-benchmark's progress lines (ended by '\r').
func lastLines(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:]
		}
		if strings.TrimSpace(line) != "" {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// TestRedisBenchmarkDefaultSuiteRunsWithoutErrors runs redis-benchmark's whole default test list
// (PING, SET, GET, INCR, LPUSH, RPUSH, LPOP, RPOP, SADD, HSET, SPOP, ZADD, ZPOPMIN, LRANGE_*, MSET),
// which stops at the first error reply.
func TestRedisBenchmarkDefaultSuiteRunsWithoutErrors(t *testing.T) {
	t.Parallel()
	bench := harness.Need(t, "redis-benchmark")
	fl := harness.Start(t, "")
	n := "20000"
	if testing.Short() {
		n = "3000"
	}
	host, port, _ := net.SplitHostPort(fl.Addr)
	args := []string{"-h", host, "-p", port, "-n", n, "-q"}
	out, err := runTool(t, 240*time.Second, bench, args...)
	t.Logf("redis-benchmark %s\n%s", strings.Join(args, " "), lastLines(out))
	if err != nil {
		t.Fatalf("redis-benchmark failed: %v\n%s", err, out)
	}
	if strings.Contains(out, "ERR") || strings.Contains(out, "Error") || strings.Contains(out, "WRONGTYPE") {
		t.Fatalf("redis-benchmark got an error reply:\n%s", out)
	}
	for _, test := range []string{"PING_INLINE: ", "INCR: ", "LPUSH: ", "RPOP: ", "SADD: ", "HSET: ", "SPOP: ",
		"ZADD: ", "ZPOPMIN: ", "LRANGE_600 (first 600 elements): ", "MSET (10 keys): "} {
		if !strings.Contains(lastLines(out), test) {
			t.Errorf("no %q result in the output:\n%s", test, lastLines(out))
		}
	}
}
