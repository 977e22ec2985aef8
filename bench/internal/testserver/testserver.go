// Package testserver starts real servers for the benchmark's tests: flin-resp built from this
// module and redis-server, each on a loopback port chosen at run time, in its own temporary
// directory, stopped at test cleanup.
package testserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/bench/resp"
)

// Need returns the path of an installed program, or skips the test when it is missing, except
// under CI (env CI set), where a missing program is a failure.
func Need(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (apt-get install redis-server redis-tools)", program)
		}
		t.Skipf("%s not installed", program)
	}
	return path
}

// BuildFlin builds cmd/flin-resp into a temporary directory and returns the binary's path.
func BuildFlin(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flin-resp")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/flin-resp/flin-resp/cmd/flin-resp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build flin-resp: %v\n%s", err, out)
	}
	return bin
}

var readyRE = regexp.MustCompile(`msg="ready to accept connections" addr=(\S+)`)

// StartFlin starts the flin-resp binary on a free loopback port with a fresh data directory and
// returns its address once it accepts writes (it has elected itself leader). It is stopped with
// SIGTERM at cleanup.
func StartFlin(t testing.TB, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	addrs := make(chan string, 1)
	var log strings.Builder // written by the reader goroutine until exited is closed
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if m := readyRE.FindStringSubmatch(line); m != nil {
				select {
				case addrs <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		<-logDone
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	var addr string
	select {
	case addr = <-addrs:
	case <-exited:
		t.Fatalf("flin-resp exited before it was ready:\n%s", log.String())
	case <-time.After(30 * time.Second):
		t.Fatal("flin-resp not ready after 30s")
	}
	if err := WaitWritable(addr, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return addr
}

// StartRedis starts redis-server on a free loopback port, in a temporary directory, with args
// added to its command line (for example "--appendonly", "yes"), and returns its address. It is
// killed at cleanup. The test is skipped when redis-server is not installed, unless under CI.
func StartRedis(t testing.TB, args ...string) string {
	t.Helper()
	path := Need(t, "redis-server")
	dir := t.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--dir", dir, "--daemonize", "no", "--loglevel", "warning"}, args...)
		cmd := exec.Command(path, all...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if WaitWritable(addr, 10*time.Second) == nil {
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return addr
		}
		cmd.Process.Kill() // most likely the port was taken meanwhile: try another
		cmd.Wait()
	}
	t.Fatal("redis-server did not start")
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitWritable polls addr until a SET succeeds (a Raft server takes a moment to elect itself), or
// timeout passes. It leaves no key behind.
func WaitWritable(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = trySet(addr); last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not writable after %v: %v", addr, timeout, last)
}

func trySet(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := resp.Dial(ctx, addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for _, cmd := range [][]string{{"SET", "testserver:probe", "1"}, {"DEL", "testserver:probe"}} {
		v, err := c.Do(cmd...)
		if err == nil {
			err = v.Err()
		}
		if err != nil {
			return errors.Join(fmt.Errorf("%s", cmd[0]), err)
		}
	}
	return nil
}
