package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/bench/load"
)

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10},
	} {
		in := append([]float64(nil), tt.xs...)
		if got := Median(tt.xs); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
		if !reflect.DeepEqual(in, tt.xs) {
			t.Errorf("Median reordered its input: %v", tt.xs)
		}
	}
}

func TestRatioIsZeroWithoutABaseline(t *testing.T) {
	if got := Ratio(50, 200); got != 0.25 {
		t.Errorf("Ratio(50, 200) = %v", got)
	}
	if got := Ratio(50, 0); got != 0 {
		t.Errorf("Ratio(50, 0) = %v, want 0", got)
	}
	if got := Ratio(50, math.NaN()); got != 0 {
		t.Errorf("Ratio(50, NaN) = %v, want 0", got)
	}
}

// histogramOf returns a histogram holding 1..n microseconds once each.
func histogramOf(n int) *load.Result {
	h := load.NewHistogram()
	for v := 1; v <= n; v++ {
		h.RecordValue(int64(v))
	}
	return &load.Result{Latency: h, Ops: int64(n)}
}

func TestSummarizeExtractsPercentilesInMilliseconds(t *testing.T) {
	l := Summarize(histogramOf(10000).Latency)
	// Values up to 2048 are exact at 3 significant digits; above, within 0.1%.
	near := func(got, want float64) bool { return math.Abs(got-want) <= want/1000+0.001 }
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", l.P50, 5.0}, {"p95", l.P95, 9.5}, {"p99", l.P99, 9.9}, {"p99.9", l.P999, 9.99},
		{"max", l.Max, 10.0}, {"mean", l.Mean, 5.0005},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v ms, want %v", c.name, c.got, c.want)
		}
	}
	if !(l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
		t.Errorf("percentiles out of order: %+v", l)
	}
	if (Summarize(nil) != Latency{}) || (Summarize(load.NewHistogram()) != Latency{}) {
		t.Error("an empty histogram gave non-zero percentiles")
	}
}

func TestBuilderTakesMediansAndRatiosToTheBaseline(t *testing.T) {
	var b Builder
	k := Key{Workload: "set", Clients: 50, Pipeline: 1}
	round := func(ops int64, lat int) load.Result {
		r := *histogramOf(lat)
		r.Ops, r.Elapsed = ops, time.Second
		return r
	}
	// Rounds alternate targets, as the tool runs them.
	b.Add(k, "flin", round(100, 10))
	b.Add(k, "redis", round(400, 10))
	b.Add(k, "redis", round(500, 10))
	b.Add(k, "flin", round(300, 10))
	b.Add(k, "flin", round(200, 1000))
	b.Add(k, "redis", round(1000, 10))
	b.Add(Key{Workload: "get", Clients: 50, Pipeline: 1}, "flin", round(7, 10))

	rows := b.Rows([]string{"flin", "redis"}, "redis")
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	flin, redis, get := rows[0], rows[1], rows[2]
	if flin.Target != "flin" || redis.Target != "redis" || get.Workload != "get" {
		t.Fatalf("rows out of order: %+v", rows)
	}
	if flin.OpsPerSec != 200 || redis.OpsPerSec != 500 {
		t.Fatalf("medians %v and %v, want 200 and 500", flin.OpsPerSec, redis.OpsPerSec)
	}
	if flin.Ratio != 0.4 || redis.Ratio != 1 {
		t.Fatalf("ratios %v and %v, want 0.4 and 1", flin.Ratio, redis.Ratio)
	}
	if get.Ratio != 0 {
		t.Fatalf("ratio without a baseline result = %v, want 0", get.Ratio)
	}
	if !reflect.DeepEqual(flin.RoundOpsPerSec, []float64{100, 300, 200}) || flin.Ops != 600 {
		t.Fatalf("flin rounds %v ops %d", flin.RoundOpsPerSec, flin.Ops)
	}
	// Latencies merge across rounds: 1020 values, 1000 of them from 1 to 1000 µs.
	if flin.Latency.Max != 1.0 || flin.Latency.P50 < 0.4 || flin.Latency.P50 > 0.6 {
		t.Fatalf("merged latency %+v", flin.Latency)
	}
	if got := flin.Spread(); got != 1 {
		t.Fatalf("spread = %v, want (300-100)/200 = 1", got)
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 999.5: "1,000", 1234567.8: "1,234,568", 100000: "100,000"} {
		if got := Thousands(v); got != want {
			t.Errorf("Thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

func sampleReport() *Report {
	return &Report{
		Tool:    "flinbench",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Machine: Machine{OS: "linux", Arch: "amd64", Cores: 2, GOMAXPROCS: 2, CPUModel: "Test CPU", GoVersion: "go1.26"},
		Config: Config{Command: "flinbench -target a=x", Workloads: []string{"set", "mget"}, Clients: []int{50},
			Pipelines: []int{1, 16}, ValueSize: 1024, Keys: 100000, KeyPrefix: "key:", Batch: 10,
			Duration: "5s", Warmup: "0s", Rounds: 3, Seed: 1},
		Baseline: "redis",
		Targets: []Target{
			{Name: "flin", Addr: "127.0.0.1:1", Server: load.ServerInfo{Software: "flin-resp", Version: "0.1",
				Settings: map[string]string{"appendonly": "yes", "appendfsync": "always"}}},
			{Name: "redis", Addr: "127.0.0.1:2", Server: load.ServerInfo{Software: "redis", Version: "7.0.15",
				Settings: map[string]string{"appendonly": "yes", "appendfsync": "always", "save": ""}}},
		},
		Rows: []Row{
			{Key: Key{Workload: "set", Clients: 50, Pipeline: 1}, Target: "flin", OpsPerSec: 12345.6,
				RoundOpsPerSec: []float64{12000, 12345.6, 13000}, Ratio: 0.25,
				Latency: Latency{P50: 3.5, P95: 5, P99: 7.25, P999: 12, Max: 30, Mean: 3.9}, Ops: 185000},
			{Key: Key{Workload: "set", Clients: 50, Pipeline: 1}, Target: "redis", OpsPerSec: 49382.4,
				RoundOpsPerSec: []float64{49382.4, 49000, 50000}, Ratio: 1,
				Latency: Latency{P50: 0.9, P95: 1.5, P99: 2, P999: 3, Max: 9, Mean: 1}, Ops: 740000},
			{Key: Key{Workload: "mget", Batch: 10, Clients: 50, Pipeline: 16}, Target: "flin", OpsPerSec: 150000,
				RoundOpsPerSec: []float64{150000}, Ratio: 1.5, Lookups: 1000, Hits: 990, Errors: 2,
				FirstError: "ERR x", Latency: Latency{P50: 1, P95: 2, P99: 3, P999: 4, Max: 5, Mean: 1.1}, Ops: 100},
			{Key: Key{Workload: "mget", Batch: 10, Clients: 50, Pipeline: 16}, Target: "redis", OpsPerSec: 100000,
				RoundOpsPerSec: []float64{100000}, Ratio: 1, Lookups: 1000, Hits: 1000,
				Latency: Latency{P50: 1, P95: 2, P99: 3, P999: 4, Max: 5, Mean: 1.1}, Ops: 100},
		},
	}
}

func TestFormatRowsAlignsTextLeftAndNumbersRight(t *testing.T) {
	got := FormatRows(sampleReport().Rows, "redis")
	want := "" +
		"workload  clients  pipeline  target    ops/s  vs redis  p50 ms  p95 ms  p99 ms  p99.9 ms  spread    hits  errors\n" +
		"set            50         1  flin     12,346      0.25   3.500   5.000   7.250    12.000    8.1%       -       0\n" +
		"set            50         1  redis    49,382      1.00   0.900   1.500   2.000     3.000    2.0%       -       0\n" +
		"mget(10)       50        16  flin    150,000      1.50   1.000   2.000   3.000     4.000    0.0%   99.0%       2\n" +
		"mget(10)       50        16  redis   100,000      1.00   1.000   2.000   3.000     4.000    0.0%  100.0%       0\n"
	if got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteTableSaysHowTheRunWasMade(t *testing.T) {
	var b strings.Builder
	if err := WriteTable(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"flinbench, 2026-01-02 03:04:05 UTC",
		"machine:  linux/amd64, 2 cores, GOMAXPROCS 2, Test CPU, go1.26",
		"targets:  flin   127.0.0.1:1  flin-resp 0.1 appendonly=yes appendfsync=always\n",
		"          redis  127.0.0.1:2  redis 7.0.15 appendonly=yes appendfsync=always save=\"\"  (baseline)",
		"run:      value 1024 B, 100000 keys, 5s per round, 3 rounds, batch 10; targets interleaved",
		"command:  flinbench -target a=x",
		"warning: flin on mget(10) c=50 P=16: 2 error replies (not counted in ops/s), first: ERR x",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestJSONRoundTrips(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("JSON round trip changed the report:\n%+v\n%+v", back, r)
	}
}

func TestCSVHasOneLinePerRow(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(r.Rows) {
		t.Fatalf("%d records, want header + %d", len(recs), len(r.Rows))
	}
	if !reflect.DeepEqual(recs[0], csvHeader) {
		t.Fatalf("header %v", recs[0])
	}
	want := []string{"set", "0", "50", "1", "flin", "12345.6", "0.2500", "3.500", "5.000", "7.250", "12.000",
		"30.000", "3.900", "185000", "0", "", "12000.0;12345.6;13000.0"}
	if !reflect.DeepEqual(recs[1], want) {
		t.Fatalf("first row\n%q\nwant\n%q", recs[1], want)
	}
	if recs[3][15] != "0.9900" {
		t.Fatalf("mget hit rate %q, want 0.9900", recs[3][15])
	}
}

// checkWellFormed parses doc as XML to the end and returns its character data.
func checkWellFormed(t *testing.T, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return text.String()
}

func TestSVGIsWellFormedAndLabelled(t *testing.T) {
	r := sampleReport()
	r.Targets[0].Name = `fl<i>n & "co"`
	for i := range r.Rows {
		if r.Rows[i].Target == "flin" {
			r.Rows[i].Target = r.Targets[0].Name
		}
	}
	var buf bytes.Buffer
	if err := WriteSVG(&buf, r); err != nil {
		t.Fatal(err)
	}
	text := checkWellFormed(t, buf.Bytes())
	for _, want := range []string{
		`fl<i>n & "co": flin-resp 0.1`, "redis: redis 7.0.15", "(baseline)",
		"pipeline depth 1", "pipeline depth 16", "set", "mget(10)", "50 clients",
		"0.25×", "1.50×", "ops/s ÷ redis's ops/s",
		"12.3k", "49.4k", "150k", "100k",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text lacks %q:\n%s", want, text)
		}
	}
	// Each target's bars share a colour; 4 rows give 4 bars.
	if n := strings.Count(buf.String(), "<rect") - 1 - len(r.Targets); n != len(r.Rows) {
		t.Errorf("%d bars, want %d", n, len(r.Rows))
	}
}

func TestSVGOfAnEmptyReportIsStillWellFormed(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, &Report{}); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, buf.Bytes())
}

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct{ max, step, top float64 }{
		{49382, 20000, 60000}, {100000, 25000, 100000}, {7, 2, 8}, {0, 1, 4}, {1234567, 500000, 1500000},
	} {
		step, top := niceScale(tt.max)
		if step != tt.step || top != tt.top || top < tt.max {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tt.max, step, top, tt.step, tt.top)
		}
	}
}

func TestShortNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 950: "950", 12345: "12.3k", 12000: "12k", 123456: "123k", 1234567: "1.23M", 2e6: "2M"} {
		if got := shortNumber(v); got != want {
			t.Errorf("shortNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestCPUModel(t *testing.T) {
	for _, tt := range []struct{ cpuinfo, want string }{
		{"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nprocessor\t: 1\nmodel name\t: other\n", "Intel(R) Xeon(R) Processor"},
		{"processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n", "Raspberry Pi 4 Model B Rev 1.4"},
		{"", ""},
	} {
		if got := CPUModel(tt.cpuinfo); got != tt.want {
			t.Errorf("CPUModel = %q, want %q", got, tt.want)
		}
	}
}
