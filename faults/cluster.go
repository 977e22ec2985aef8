package faults

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// A Cluster is a flin-resp cluster run by Docker Compose from the repository's docker-compose.yml,
// as its own compose project (a unique name per run: containers, networks and volumes carry it),
// with the client ports published on loopback ports chosen at run time. Faults are injected with
// the docker CLI.

// dockerTimeout bounds one docker command; compose up and down get composeTimeout.
const (
	dockerTimeout  = 60 * time.Second
	composeTimeout = 3 * time.Minute
)

// Docker is what the fault suite runs: the docker CLI and a compose command.
type Docker struct {
	Compose []string // "docker compose" (v2) or "docker-compose" (v1)
}

// NeedDocker returns the Docker tools, or skips the test with the reason when the docker CLI, a
// reachable Docker engine or Docker Compose is missing. With FLIN_FAULTS_REQUIRE set (CI machines
// that have Docker) it fails instead.
func NeedDocker(t testing.TB) Docker {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("FLIN_FAULTS_REQUIRE") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set FLIN_FAULTS_REQUIRE=1 to make this a failure)")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		skip("docker not available: the docker CLI is not installed")
	}
	if out, err := run(10*time.Second, nil, "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		skip("docker not available: no Docker engine answers (%v)", firstLine(out, err))
	}
	if _, err := run(10*time.Second, nil, "docker", "compose", "version"); err == nil {
		return Docker{Compose: []string{"docker", "compose"}}
	}
	if _, err := run(10*time.Second, nil, "docker-compose", "version"); err == nil {
		return Docker{Compose: []string{"docker-compose"}}
	}
	skip("docker not available: neither `docker compose` nor `docker-compose` works")
	return Docker{}
}

// run runs a command with a time bound and returns its combined output.
func run(timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func firstLine(out string, err error) string {
	s := strings.TrimSpace(out)
	if s == "" {
		s = err.Error()
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// RepoRoot is the module's root directory (the parent of faults/).
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(root, "docker-compose.yml")); err != nil {
		t.Fatalf("no docker-compose.yml in %s", root)
	}
	return root
}

// uniqueName returns prefix followed by random hex: names of this run's Docker objects.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// BuildImage builds the static binary and a FROM-scratch image of it (the repository's Dockerfile)
// under a tag of its own, removed when the test ends. FLIN_FAULTS_IMAGE names an existing image to
// use instead (e.g. to run the suite against another build).
func BuildImage(t testing.TB) string {
	t.Helper()
	if image := os.Getenv("FLIN_FAULTS_IMAGE"); image != "" {
		return image
	}
	root := RepoRoot(t)
	ctxDir := t.TempDir()
	if out, err := runIn(root, 5*time.Minute, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath",
		"-o", filepath.Join(ctxDir, "flin-resp"), "./cmd/flin-resp"); err != nil {
		t.Fatalf("build the binary: %v\n%s", err, out)
	}
	for _, d := range []string{"data", "tmp"} {
		if err := os.Mkdir(filepath.Join(ctxDir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(ctxDir, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	tag := uniqueName("flinfault-image-") + ":test"
	if _, err := run(5*time.Minute, nil, "docker", "build", "-q", "-t", tag, "-f", filepath.Join(root, "Dockerfile"), ctxDir); err != nil {
		t.Fatalf("docker build: %v", err)
	}
	t.Cleanup(func() {
		if _, err := run(dockerTimeout, nil, "docker", "rmi", "-f", tag); err != nil {
			t.Logf("removing image: %v", err)
		}
	})
	return tag
}

func runIn(dir string, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Options configure a cluster.
type Options struct {
	Nodes int               // 3 (default) or 5 (docker-compose.5.yml)
	Env   map[string]string // extra environment for every node (FLIN_<FLAG>=...)
}

// Cluster is a running compose project.
type Cluster struct {
	t       testing.TB
	docker  Docker
	Project string
	Nodes   []string // node1, node2, ...
	root    string
	files   []string // compose files
	env     []string // environment of compose commands

	mu    sync.Mutex
	ports map[string]int // published client port per node
}

// StartCluster starts a cluster of image from a clean state and waits until every node is healthy.
// It is stopped, with its volumes and networks removed, when the test ends; if the test failed,
// each container's log is saved in the test's output directory first.
func StartCluster(t testing.TB, d Docker, image string, opts Options) *Cluster {
	t.Helper()
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	root := RepoRoot(t)
	c := &Cluster{t: t, docker: d, Project: uniqueName("flinfault"), root: root, ports: map[string]int{},
		files: []string{filepath.Join(root, "docker-compose.yml")}}
	if opts.Nodes == 5 {
		c.files = append(c.files, filepath.Join(root, "docker-compose.5.yml"))
	} else if opts.Nodes != 3 {
		t.Fatalf("a cluster has 3 or 5 nodes, not %d", opts.Nodes)
	}
	c.env = []string{"FLIN_IMAGE=" + image, "FLIN_PUBLISH_IP=127.0.0.1"}
	for i := 1; i <= opts.Nodes; i++ {
		node := "node" + strconv.Itoa(i)
		c.Nodes = append(c.Nodes, node)
		c.ports[node] = harness.FreePort(t)
		c.env = append(c.env, fmt.Sprintf("FLIN_PORT%d=%d", i, c.ports[node]))
	}
	if len(opts.Env) > 0 {
		c.files = append(c.files, c.writeEnvOverride(opts.Env))
	}
	t.Cleanup(c.down)
	if _, err := c.compose(composeTimeout, "up", "-d"); err != nil {
		t.Fatalf("compose up: %v", err)
	}
	if _, err := c.WaitHealthy(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

// writeEnvOverride writes a compose file that adds env to every node.
func (c *Cluster) writeEnvOverride(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("services:\n")
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "  %s:\n    environment:\n", n)
		for _, k := range keys {
			fmt.Fprintf(&b, "      %s: %q\n", k, env[k])
		}
	}
	path := filepath.Join(c.t.TempDir(), "env-override.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return path
}

func (c *Cluster) compose(timeout time.Duration, args ...string) (string, error) {
	all := append(append([]string(nil), c.docker.Compose[1:]...), "-p", c.Project)
	for _, f := range c.files {
		all = append(all, "-f", f)
	}
	return run(timeout, c.env, c.docker.Compose[0], append(all, args...)...)
}

// down saves the logs of a failed test, then removes the project's containers, networks and
// volumes.
func (c *Cluster) down() {
	if c.t.Failed() {
		dir := OutputDir(c.t)
		for _, n := range c.Nodes {
			if logs, err := c.Logs(n); err == nil {
				os.WriteFile(filepath.Join(dir, c.Project+"-"+n+".log"), []byte(logs), 0o644)
				// CI keeps only the test output: the end of each log goes there too.
				c.t.Logf("last lines of %s's log:\n%s", n, tail(logs, 25))
			}
		}
		c.t.Logf("container logs saved in %s", dir)
	}
	for _, n := range c.Nodes {
		// A paused container cannot be stopped; unpause whatever a failed test left paused.
		if id, err := c.ContainerID(n); err == nil {
			run(dockerTimeout, nil, "docker", "unpause", id)
		}
	}
	if _, err := c.compose(composeTimeout, "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		c.t.Errorf("compose down: %v", err)
	}
}

// OutputDir is where a test leaves files for a human: the artifact directory under -outputdir
// with `go test -artifacts`, else a directory under the system temporary directory that is kept.
func OutputDir(t testing.TB) string {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		if at, ok := t.(interface{ ArtifactDir() string }); ok {
			return at.ArtifactDir()
		}
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dir, err := os.MkdirTemp("", "flin-faults-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// ContainerID returns the container of node.
func (c *Cluster) ContainerID(node string) (string, error) {
	out, err := run(dockerTimeout, nil, "docker", "ps", "-aq",
		"--filter", "label=com.docker.compose.project="+c.Project,
		"--filter", "label=com.docker.compose.service="+node)
	if err != nil {
		return "", err
	}
	ids := strings.Fields(out)
	if len(ids) != 1 {
		return "", fmt.Errorf("%d containers for %s", len(ids), node)
	}
	return ids[0], nil
}

func (c *Cluster) mustID(node string) string {
	c.t.Helper()
	id, err := c.ContainerID(node)
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

// Addr is node's published client address on loopback.
func (c *Cluster) Addr(node string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.ports[node]))
}

// docker runs a docker command on node's container.
func (c *Cluster) dockerOn(node string, args ...string) {
	c.t.Helper()
	id := c.mustID(node)
	args = append(args, id)
	if _, err := run(dockerTimeout, nil, "docker", args...); err != nil {
		c.t.Fatal(err)
	}
}

// Kill sends SIGKILL to node's server.
func (c *Cluster) Kill(node string) { c.t.Helper(); c.dockerOn(node, "kill", "-s", "KILL") }

// Start starts node's stopped container again (nothing when it already runs).
func (c *Cluster) Start(node string) { c.t.Helper(); c.dockerOn(node, "start") }

// Pause freezes node's processes (SIGSTOP-like, via the cgroup freezer); Unpause thaws them.
func (c *Cluster) Pause(node string)   { c.t.Helper(); c.dockerOn(node, "pause") }
func (c *Cluster) Unpause(node string) { c.t.Helper(); c.dockerOn(node, "unpause") }

// raftNetwork is the project's Raft network.
func (c *Cluster) raftNetwork() string { return c.Project + "_raft" }

// DisconnectRaft cuts node off from its peers: it leaves the Raft network and keeps the client
// network, so clients still reach it.
func (c *Cluster) DisconnectRaft(node string) {
	c.t.Helper()
	id := c.mustID(node)
	if _, err := run(dockerTimeout, nil, "docker", "network", "disconnect", c.raftNetwork(), id); err != nil {
		c.t.Fatal(err)
	}
}

// ConnectRaft puts node back on the Raft network under its alias nodeN-raft.
func (c *Cluster) ConnectRaft(node string) {
	c.t.Helper()
	id := c.mustID(node)
	if _, err := run(dockerTimeout, nil, "docker", "network", "connect", "--alias", node+"-raft", c.raftNetwork(), id); err != nil {
		c.t.Fatal(err)
	}
}

// Wipe removes node's container and its data volume, then creates both afresh with the same
// settings: the node comes back empty under its old identity and must catch up from the others.
func (c *Cluster) Wipe(node string) {
	c.t.Helper()
	if _, err := c.compose(composeTimeout, "rm", "-s", "-f", "-v", node); err != nil {
		c.t.Fatalf("remove %s: %v", node, err)
	}
	vol := c.Project + "_" + node + "-data"
	if _, err := run(dockerTimeout, nil, "docker", "volume", "rm", vol); err != nil {
		c.t.Fatalf("remove %s's volume: %v", node, err)
	}
	if _, err := c.compose(composeTimeout, "up", "-d", "--no-deps", node); err != nil {
		c.t.Fatalf("recreate %s: %v", node, err)
	}
}

// Logs returns node's container log (stdout and stderr).
func (c *Cluster) Logs(node string) (string, error) {
	id, err := c.ContainerID(node)
	if err != nil {
		return "", err
	}
	return run(dockerTimeout, nil, "docker", "logs", id)
}

// Health returns each node's health status (healthy, starting, unhealthy) or container state.
func (c *Cluster) Health() (map[string]string, error) {
	out := map[string]string{}
	for _, n := range c.Nodes {
		id, err := c.ContainerID(n)
		if err != nil {
			return nil, err
		}
		s, err := run(dockerTimeout, nil, "docker", "inspect", "-f",
			"{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", id)
		if err != nil {
			return nil, err
		}
		out[n] = strings.TrimSpace(s)
	}
	return out, nil
}

// WaitHealthy waits until Docker reports every node healthy and returns how long that took.
func (c *Cluster) WaitHealthy(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	var last map[string]string
	for time.Since(start) < timeout {
		h, err := c.Health()
		if err == nil {
			last = h
			all := true
			for _, s := range h {
				all = all && s == "healthy"
			}
			if all {
				return time.Since(start), nil
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Since(start), fmt.Errorf("cluster %s not healthy after %v: %v", c.Project, timeout, last)
}

// Do runs one command on node with a fresh connection.
func (c *Cluster) Do(node string, args ...string) (Reply, error) {
	cl := NewClient(func() string { return c.Addr(node) }, 10*time.Second)
	defer cl.Close()
	return cl.Do(args...)
}

// Read runs a read command on node until it succeeds or timeout passes (Client.Read).
func (c *Cluster) Read(node string, timeout time.Duration, args ...string) (Reply, error) {
	cl := NewClient(func() string { return c.Addr(node) }, 10*time.Second)
	defer cl.Close()
	return cl.Read(timeout, args...)
}

// Info returns the fields of INFO section on node.
func (c *Cluster) Info(node, section string) (map[string]string, error) {
	r, err := c.Do(node, "INFO", section)
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return nil, err
	}
	return infoFields(r.Str), nil
}

// Leader returns the node that is the Raft leader, as the nodes themselves say: one node in state
// leader, and every reachable node naming it. It waits up to timeout for that to hold.
func (c *Cluster) Leader(timeout time.Duration, among ...string) (string, error) {
	if len(among) == 0 {
		among = c.Nodes
	}
	deadline := time.Now().Add(timeout)
	var why error
	for {
		leader, err := c.leaderOnce(among)
		if err == nil {
			return leader, nil
		}
		why = err
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no agreed leader after %v: %v", timeout, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Cluster) leaderOnce(among []string) (string, error) {
	leaders, named := map[string]bool{}, map[string]bool{}
	for _, n := range among {
		f, err := c.Info(n, "raft")
		if err != nil {
			return "", fmt.Errorf("%s: %v", n, err)
		}
		if f["raft_state"] == "leader" {
			leaders[f["raft_node_id"]] = true
		}
		named[f["raft_leader_id"]] = true
	}
	if len(leaders) != 1 || len(named) != 1 {
		return "", fmt.Errorf("leaders %v, nodes name %v", keysOf(leaders), keysOf(named))
	}
	l := keysOf(leaders)[0]
	if !named[l] {
		return "", fmt.Errorf("leader %s, nodes name %v", l, keysOf(named))
	}
	return l, nil
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Followers returns the nodes other than leader.
func (c *Cluster) Followers(leader string) []string {
	var out []string
	for _, n := range c.Nodes {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}

// errDigestsDiffer reports replicas that hold different data at the same applied index.
var errDigestsDiffer = errors.New("replicas at the same applied index hold different data")

// ConvergedDigest waits until every node reports the same applied index twice in a row, with the
// same DEBUG DIGEST, and returns that digest and index. Writes must have stopped.
func (c *Cluster) ConvergedDigest(timeout time.Duration) (digest string, applied string, err error) {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		digests, indexes := map[string]string{}, map[string]string{}
		ok := true
		for _, n := range c.Nodes {
			before, err1 := c.Info(n, "raft")
			r, err2 := c.Do(n, "DEBUG", "DIGEST")
			after, err3 := c.Info(n, "raft")
			if err := errors.Join(err1, err2, err3, r.Err()); err != nil {
				last, ok = fmt.Sprintf("%s: %v", n, err), false
				break
			}
			if before["raft_applied_index"] != after["raft_applied_index"] {
				last, ok = fmt.Sprintf("%s still applying (%s -> %s)", n, before["raft_applied_index"], after["raft_applied_index"]), false
				break
			}
			digests[n], indexes[n] = r.Str, after["raft_applied_index"]
		}
		if ok {
			same := func(m map[string]string) bool {
				for _, v := range m {
					if v != m[c.Nodes[0]] {
						return false
					}
				}
				return true
			}
			switch {
			case same(indexes) && same(digests):
				return digests[c.Nodes[0]], indexes[c.Nodes[0]], nil
			case same(indexes):
				return "", indexes[c.Nodes[0]], fmt.Errorf("%w: applied index %s, digests %v", errDigestsDiffer, indexes[c.Nodes[0]], digests)
			}
			last = fmt.Sprintf("applied indexes differ: %v", indexes)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "", "", fmt.Errorf("replicas did not converge in %v: %s", timeout, last)
}

// tail returns the last lines of s.
func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// RaftStates describes what each node says of Raft (INFO raft), for a failing test's output.
func (c *Cluster) RaftStates() string {
	var b strings.Builder
	for _, n := range c.Nodes {
		f, err := c.Info(n, "raft")
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", n, err)
			continue
		}
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%s:", n)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, f[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
