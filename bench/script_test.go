package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestRedisBenchmarkScriptComparesBothServers runs bench/redis-benchmark.sh with few requests:
// it must start both servers, print one line per test and pipeline depth whose ratio is flin's
// median requests/s over redis's, agree with its raw CSV, and leave no server running.
func TestRedisBenchmarkScriptComparesBothServers(t *testing.T) {
	harness.Need(t, "bash")
	harness.Need(t, "redis-server")
	harness.Need(t, "redis-cli")
	harness.Need(t, "redis-benchmark")
	bin := harness.Binary(t)
	rawPath := filepath.Join(t.TempDir(), "raw.csv")
	cmd := exec.Command("bash", "redis-benchmark.sh", "--flin-bin", bin, "-n", "2000", "-P", "1 16", "--csv", rawPath)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)

	for _, want := range []string{"flin-resp", "redis 7", "appendonly=yes appendfsync=always",
		"redis-benchmark -t set,get -c 50 -d 1024 -r 100000 -n 2000 -P {1,16} -q --csv"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	raw := readRaw(t, rawPath)
	line := regexp.MustCompile(`(?m)^(SET|GET)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s`)
	matches := line.FindAllStringSubmatch(out, -1)
	if len(matches) != 4 {
		t.Fatalf("%d result lines, want 4 (SET and GET at P=1 and P=16)", len(matches))
	}
	for _, m := range matches {
		flin, _ := strconv.ParseFloat(m[3], 64)
		redis, _ := strconv.ParseFloat(m[4], 64)
		ratio, _ := strconv.ParseFloat(m[5], 64)
		if flin <= 0 || redis <= 0 {
			t.Errorf("%s P=%s: flin %v, redis %v requests/s", m[1], m[2], flin, redis)
			continue
		}
		if !ratioNear(ratio, flin/redis) {
			t.Errorf("%s P=%s: ratio %v, want %v / %v", m[1], m[2], ratio, flin, redis)
		}
		for target, printed := range map[string]float64{"flin": flin, "redis": redis} {
			if got := raw[target+"/"+m[1]+"/"+m[2]]; math.Abs(got-printed) > 0.5 {
				t.Errorf("%s %s P=%s: table says %v, raw CSV %v", target, m[1], m[2], printed, got)
			}
		}
	}

	// The servers it started are gone.
	for _, addr := range regexp.MustCompile(`(?m)^(?:flin|redis):\s+(\S+)`).FindAllStringSubmatch(out, -1) {
		if c, err := net.DialTimeout("tcp", addr[1], time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the script exited", addr[1])
		}
	}
}

// readRaw reads the script's raw CSV (one round): requests/s by target/test/depth.
func readRaw(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range recs[1:] {
		rps, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatalf("raw CSV line %v: %v", r, err)
		}
		out[r[0]+"/"+r[3]+"/"+r[1]] = rps
	}
	if len(out) != 8 {
		t.Fatalf("raw CSV holds %d results, want 8", len(out))
	}
	return out
}

// TestRedisBenchmarkScriptRunsTheDefaultSuiteOnThreeServers runs bench/redis-benchmark.sh with
// --default-suite --also-no-persistence and few requests: redis-benchmark's whole default test
// list against flin-resp, Redis with AOF always and Redis without persistence, with both ratios.
func TestRedisBenchmarkScriptRunsTheDefaultSuiteOnThreeServers(t *testing.T) {
	harness.Need(t, "bash")
	harness.Need(t, "redis-server")
	harness.Need(t, "redis-cli")
	harness.Need(t, "redis-benchmark")
	bin := harness.Binary(t)
	cmd := exec.Command("bash", "redis-benchmark.sh", "--flin-bin", bin, "--default-suite", "--also-no-persistence", "-n", "500")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)
	for _, want := range []string{"redis-benchmark -c 50 -n 500 -q --csv", "no error replies",
		"appendonly=yes appendfsync=always", "redis-nopersist:", "appendonly=no"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// test, P, flin, redis, flin/redis, no-persistence redis, flin/that, then latencies.
	row := regexp.MustCompile(`(?m)^(\S.*?)\s+1\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s`)
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
		flin, _ := strconv.ParseFloat(m[2], 64)
		redis, _ := strconv.ParseFloat(m[3], 64)
		ratio, _ := strconv.ParseFloat(m[4], 64)
		np, _ := strconv.ParseFloat(m[5], 64)
		npRatio, _ := strconv.ParseFloat(m[6], 64)
		if flin <= 0 || redis <= 0 || np <= 0 {
			t.Errorf("%s: flin %v, redis %v, no-persistence redis %v requests/s", m[1], flin, redis, np)
			continue
		}
		if !ratioNear(ratio, flin/redis) || !ratioNear(npRatio, flin/np) {
			t.Errorf("%s: ratios %v and %v, want %v / %v and / %v", m[1], ratio, npRatio, flin, redis, np)
		}
	}
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP",
		"RPOP", "SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
		"LRANGE_100 (first 100 elements)", "LRANGE_600 (first 600 elements)", "MSET (10 keys)"} {
		if !seen[test] {
			t.Errorf("no result line for %s", test)
		}
	}
}

// TestClusterVsSingleScriptComparesAClusterWithASingleNode runs bench/cluster-vs-single.sh with
// few requests and three rounds: it must start a single node and a 3-node cluster, run SET and GET
// against the single node and the leader (and SET against a follower) in an order that alternates
// each round, print medians that agree with its raw CSV and a ratio computed from them, and leave
// no server running.
func TestClusterVsSingleScriptComparesAClusterWithASingleNode(t *testing.T) {
	harness.Need(t, "bash")
	harness.Need(t, "redis-cli")
	harness.Need(t, "redis-benchmark")
	bin := harness.Binary(t)
	rawPath := filepath.Join(t.TempDir(), "raw.csv")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "cluster-vs-single.sh", "--flin-bin", bin,
		"--rounds", "3", "-n", "2000", "-r", "2000", "--csv", rawPath)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)
	for _, want := range []string{"redis-benchmark -t {set,get} -c 50 -d 1024 -r 2000 -n 2000 -P {1,16} -q --csv",
		"--durability fsync --read-consistency leader", "rounds: 3", "no error replies", "machine: ",
		"load average", "commit: ", "127.0.0.1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	// Every run, in the order run: round 1 single, leader(, follower); round 2 the other way round.
	f, err := os.Open(rawPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 3*2*(3+2); len(recs) != want {
		t.Fatalf("raw CSV holds %d lines, want %d (header, 3 rounds x 2 depths x (3 SET + 2 GET))", len(recs), want)
	}
	type key struct{ target, test, depth string }
	runs := map[key][][3]float64{} // rps, p50, p99 per round
	var order []string
	for _, r := range recs[1:] {
		var v [3]float64
		for i, col := range []int{4, 7, 9} {
			if v[i], err = strconv.ParseFloat(r[col], 64); err != nil {
				t.Fatalf("raw CSV line %v: %v", r, err)
			}
		}
		k := key{r[0], r[3], r[1]}
		runs[k] = append(runs[k], v)
		if r[3] == "SET" && r[1] == "1" {
			order = append(order, r[2]+":"+r[0])
		}
	}
	if got, want := strings.Join(order, " "),
		"1:single 1:leader 1:follower 2:follower 2:leader 2:single 3:single 3:leader 3:follower"; got != want {
		t.Errorf("SET P=1 runs in the order %s, want %s", got, want)
	}
	median := func(k key, i int) float64 {
		var xs []float64
		for _, v := range runs[k] {
			xs = append(xs, v[i])
		}
		if len(xs) != 3 {
			t.Fatalf("%v: %d runs, want 3", k, len(xs))
		}
		sort.Float64s(xs)
		return xs[1]
	}

	row := regexp.MustCompile(`(?m)^(SET|GET)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(leader|follower)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$`)
	matches := row.FindAllStringSubmatch(out, -1)
	if len(matches) != 6 {
		t.Fatalf("%d result lines, want 6 (SET and GET on the leader, SET on a follower, at P=1 and P=16)", len(matches))
	}
	seen := map[string]bool{}
	for _, m := range matches {
		test, depth, target := m[1], m[2], m[6]
		seen[test+"/"+depth+"/"+target] = true
		num := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
		for _, c := range []struct {
			k       key
			i       int
			printed float64
			tol     float64
		}{
			{key{"single", test, depth}, 0, num(3), 0.5},
			{key{"single", test, depth}, 1, num(4), 0.0005},
			{key{"single", test, depth}, 2, num(5), 0.0005},
			{key{target, test, depth}, 0, num(7), 0.5},
			{key{target, test, depth}, 1, num(8), 0.0005},
			{key{target, test, depth}, 2, num(9), 0.0005},
		} {
			if want := median(c.k, c.i); math.Abs(c.printed-want) > c.tol {
				t.Errorf("%s P=%s %s column %d: table says %v, median of the raw runs %v", test, depth, c.k.target, c.i, c.printed, want)
			}
		}
		single, cluster := median(key{"single", test, depth}, 0), median(key{target, test, depth}, 0)
		if single <= 0 || cluster <= 0 {
			t.Errorf("%s P=%s: single %v, %s %v requests/s", test, depth, single, target, cluster)
		} else if !ratioNear(num(10), cluster/single) {
			t.Errorf("%s P=%s %s: ratio %v, want %v / %v", test, depth, target, num(10), cluster, single)
		}
	}
	for _, want := range []string{"SET/1/leader", "SET/16/leader", "GET/1/leader", "GET/16/leader", "SET/1/follower", "SET/16/follower"} {
		if !seen[want] {
			t.Errorf("no result line for %s", want)
		}
	}

	// The servers it started are gone.
	var addrs []string
	for _, m := range regexp.MustCompile(`(?m)^(?:single|cluster):\s+(.+)$`).FindAllStringSubmatch(out, -1) {
		addrs = append(addrs, strings.Fields(m[1])...)
	}
	if len(addrs) != 4 {
		t.Fatalf("output names %d server addresses (%v), want 4", len(addrs), addrs)
	}
	for _, addr := range addrs {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the script exited", addr)
		}
	}
}

// TestClusterReadsScriptComparesTwoReadLevels runs bench/cluster-reads.sh (which shares
// lib-cluster.sh with cluster-vs-single.sh) with few requests: one line per pipeline depth, whose
// ratio is linearizable over leader requests/s.
func TestClusterReadsScriptComparesTwoReadLevels(t *testing.T) {
	harness.Need(t, "bash")
	harness.Need(t, "redis-cli")
	harness.Need(t, "redis-benchmark")
	bin := harness.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "cluster-reads.sh", "--flin-bin", bin, "--rounds", "1", "-n", "1000", "-r", "1000")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)
	if want := "redis-benchmark -t get -c 50 -d 1024 -r 1000 -n 1000 -P {1,16} -q --csv"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q", want)
	}
	row := regexp.MustCompile(`(?m)^(1|16)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)$`)
	matches := row.FindAllStringSubmatch(out, -1)
	if len(matches) != 2 {
		t.Fatalf("%d result lines, want 2 (P=1 and P=16)", len(matches))
	}
	for _, m := range matches {
		lin, _ := strconv.ParseFloat(m[2], 64)
		leader, _ := strconv.ParseFloat(m[3], 64)
		ratio, _ := strconv.ParseFloat(m[4], 64)
		if lin <= 0 || leader <= 0 || !ratioNear(ratio, lin/leader) {
			t.Errorf("P=%s: linearizable %v, leader %v requests/s, ratio %v", m[1], lin, leader, ratio)
		}
	}
}

// ratioNear reports whether a ratio printed in a table matches the figures beside it: the tables
// round requests/s to integers and ratios to 2 decimals, and the scripts divide unrounded figures.
func ratioNear(got, want float64) bool { return math.Abs(got-want) <= 0.006+0.002*want }
