package bench

import (
	"bytes"
	"encoding/csv"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
		if math.Abs(ratio-flin/redis) > 0.01 {
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
