package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flin-resp/flin-resp/bench/report"
	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestFlinAgainstRedisReportsMeasuredRatios runs the tool for real: a tiny set and get workload
// against flin-resp and a redis-server with the same durability (appendfsync always), then checks
// that every number in the table, JSON, CSV and SVG comes from those measurements.
func TestFlinAgainstRedisReportsMeasuredRatios(t *testing.T) {
	redis := harness.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always").Addr
	flin := harness.Start(t, "").Addr

	dir := t.TempDir()
	jsonPath, csvPath, svgPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.svg")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-target", "flin=" + flin, "-target", "redis=" + redis, "-baseline", "redis",
		"-workloads", "set,get", "-clients", "2", "-pipeline", "1", "-duration", "500ms", "-rounds", "2",
		"-keys", "2000", "-value", "100",
		"-json", jsonPath, "-csv", csvPath, "-svg", svgPath,
	}, &stdout, &stderr, false)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())

	f, err := os.Open(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		t.Fatalf("JSON does not parse back: %v", err)
	}

	t.Run("the targets are described as what they are", func(t *testing.T) {
		if len(rep.Targets) != 2 || rep.Baseline != "redis" {
			t.Fatalf("targets %+v, baseline %q", rep.Targets, rep.Baseline)
		}
		if s := rep.Targets[0].Server; s.Software != "flin-resp" {
			t.Errorf("flin described as %+v", s)
		}
		if s := rep.Targets[1].Server; s.Software != "redis" || s.Settings["appendfsync"] != "always" || s.Settings["appendonly"] != "yes" {
			t.Errorf("redis described as %+v", s)
		}
		if rep.Machine.Cores < 1 || rep.Machine.GOMAXPROCS < 1 || rep.Machine.GoVersion == "" {
			t.Errorf("machine %+v", rep.Machine)
		}
	})

	rows := map[string]report.Row{}
	t.Run("every row holds sane measurements", func(t *testing.T) {
		if len(rep.Rows) != 4 {
			t.Fatalf("%d rows, want 4 (set and get on two targets)", len(rep.Rows))
		}
		for _, r := range rep.Rows {
			rows[r.Workload+"/"+r.Target] = r
			name := r.Workload + " on " + r.Target
			if r.OpsPerSec <= 0 || r.Ops <= 0 || r.Errors != 0 {
				t.Errorf("%s: %v ops/s, %d ops, %d errors", name, r.OpsPerSec, r.Ops, r.Errors)
			}
			if len(r.RoundOpsPerSec) != 2 || r.OpsPerSec != report.Median(r.RoundOpsPerSec) {
				t.Errorf("%s: %v ops/s is not the median of rounds %v", name, r.OpsPerSec, r.RoundOpsPerSec)
			}
			l := r.Latency
			if !(l.P50 > 0 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
				t.Errorf("%s: percentiles out of order: %+v", name, l)
			}
			if r.Workload == "get" && r.HitRate() != 1 {
				t.Errorf("%s: hit rate %v after prefill, want 1", name, r.HitRate())
			}
		}
	})

	t.Run("the ratio is flin's measured ops/s over redis's", func(t *testing.T) {
		for _, w := range []string{"set", "get"} {
			f, r := rows[w+"/flin"], rows[w+"/redis"]
			if want := f.OpsPerSec / r.OpsPerSec; math.Abs(f.Ratio-want) > 1e-12 || r.Ratio != 1 {
				t.Errorf("%s: flin ratio %v, redis ratio %v; want %v and 1", w, f.Ratio, r.Ratio, want)
			}
		}
	})

	t.Run("the table prints those rows and ratios", func(t *testing.T) {
		out := stdout.String()
		if !strings.Contains(out, report.FormatRows(rep.Rows, "redis")) {
			t.Fatalf("stdout lacks the rows of the JSON report:\n%s", out)
		}
		for _, r := range rep.Rows {
			re := regexp.MustCompile(`(?m)^` + r.Workload + `\s+2\s+1\s+` + r.Target + `\s+` +
				regexp.QuoteMeta(report.Thousands(r.OpsPerSec)) + `\s+` + strconv.FormatFloat(r.Ratio, 'f', 2, 64) + `\s`)
			if !re.MatchString(out) {
				t.Errorf("no table line matches %s", re)
			}
		}
	})

	t.Run("rounds alternate the targets, rotating the order", func(t *testing.T) {
		re := regexp.MustCompile(`(?m)^\[\d+/8\] set c=2 P=1 round (\d)/2 (\w+) `)
		var order []string
		for _, m := range re.FindAllStringSubmatch(stderr.String(), -1) {
			order = append(order, m[1]+m[2])
		}
		if got := strings.Join(order, " "); got != "1flin 1redis 2redis 2flin" {
			t.Fatalf("set rounds ran as %q, want 1flin 1redis 2redis 2flin", got)
		}
	})

	t.Run("the CSV parses back to the same numbers", func(t *testing.T) {
		b, err := os.ReadFile(csvPath)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1+len(rep.Rows) {
			t.Fatalf("%d CSV records, want %d", len(recs), 1+len(rep.Rows))
		}
		col := map[string]int{}
		for i, name := range recs[0] {
			col[name] = i
		}
		for i, r := range rep.Rows {
			rec := recs[i+1]
			ops, _ := strconv.ParseFloat(rec[col["ops_per_sec"]], 64)
			ratio, _ := strconv.ParseFloat(rec[col["ratio"]], 64)
			p99, _ := strconv.ParseFloat(rec[col["p99_ms"]], 64)
			if rec[col["workload"]] != r.Workload || rec[col["target"]] != r.Target ||
				math.Abs(ops-r.OpsPerSec) > 0.05 || math.Abs(ratio-r.Ratio) > 0.00005 || math.Abs(p99-r.Latency.P99) > 0.0005 {
				t.Errorf("CSV record %v does not match row %+v", rec, r)
			}
		}
	})

	t.Run("the SVG is well-formed and names both targets", func(t *testing.T) {
		b, err := os.ReadFile(svgPath)
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		var text strings.Builder
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("SVG is not well-formed: %v", err)
			}
			if cd, ok := tok.(xml.CharData); ok {
				text.Write(cd)
			}
		}
		for _, want := range []string{"flin: flin-resp", "redis: redis", strconv.FormatFloat(rows["set/flin"].Ratio, 'f', 2, 64) + "×"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("SVG text lacks %q", want)
			}
		}
	})
}
