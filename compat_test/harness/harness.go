// Package harness starts real flin-resp and redis-server processes for tests: built from this
// module, on loopback, on ports chosen at run time, each in its own temporary directory.
package harness

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
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/flin-resp once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flin-resp-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "flin-resp")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/flin-resp/flin-resp/cmd/flin-resp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Server is a flin-resp child process.
type Server struct {
	t    testing.TB
	Dir  string   // data directory, kept across restarts
	Args []string // extra flags
	Addr string   // client address of the running process

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *lockedBuffer
}

var readyRE = regexp.MustCompile(`msg="ready to accept connections" addr=(\S+)`)

// Start starts flin-resp on a free loopback port with its data in a new temporary directory (or
// dir, if not empty) and waits until it accepts connections. It is killed at test cleanup.
func Start(t testing.TB, dir string, args ...string) *Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s := &Server{t: t, Dir: dir, Args: args}
	s.start()
	t.Cleanup(func() { s.Kill() })
	return s
}

func (s *Server) start() {
	s.t.Helper()
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", s.Dir}, s.Args...)
	cmd := exec.Command(Binary(s.t), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.log = &lockedBuffer{}
	addrCh := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.log.WriteLine(line)
			if m := readyRE.FindStringSubmatch(line); m != nil {
				select {
				case addrCh <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		cmd.Wait()
		close(exited)
	}()
	select {
	case addr := <-addrCh:
		s.mu.Lock()
		s.cmd, s.exited, s.Addr = cmd, exited, addr
		s.mu.Unlock()
	case <-exited:
		s.t.Fatalf("flin-resp exited before it was ready:\n%s", s.log.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		s.t.Fatalf("flin-resp not ready after 30s:\n%s", s.log.String())
	}
}

// Kill stops the process with SIGKILL (a crash) and waits for it to be gone.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

// Stop stops the process with SIGTERM (a clean shutdown) and waits for it to exit.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// Restart starts the process again on the same data directory (after Kill or Stop). The client
// address changes.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

// Pid returns the process id of the running process, or 0 when it is not running.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Log returns what the process has logged so far.
func (s *Server) Log() string { return s.log.String() }

// Redis is a redis-server child process to compare against.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
}

// Pid returns the process id of the redis-server process.
func (r *Redis) Pid() int { return r.cmd.Process.Pid }

// StartRedis starts redis-server on a free loopback port with no persistence unless args say
// otherwise. The test is skipped when redis-server is not installed, except under CI, where
// .ci/run installs it and a missing binary is a failure.
func StartRedis(t testing.TB, args ...string) *Redis {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not installed (apt-get install redis-server)")
		}
		t.Skip("redis-server not installed")
	}
	dir := t.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"}, args...)
		cmd := exec.Command(path, all...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if WaitPing(addr, 10*time.Second) == nil {
			r := &Redis{Addr: addr, cmd: cmd}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return r
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Fatal("redis-server did not start")
	return nil
}

// FreePort returns a loopback port that was free a moment ago (for programs that cannot take 0).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitPing polls addr with PING until it answers +PONG or timeout passes.
func WaitPing(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if err := ping(addr); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("no PONG from " + addr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	// A server with a password answers NOAUTH: it is up all the same.
	if l := strings.TrimSpace(line); l != "+PONG" && !strings.HasPrefix(l, "-NOAUTH") {
		return fmt.Errorf("unexpected reply %q", line)
	}
	return nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<20 {
		l.b.WriteString(s)
		l.b.WriteByte('\n')
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Need returns the path of program, skipping the test when it is not installed, except under CI,
// where .ci/run installs it and a missing program is a failure.
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
