package load

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/bench/resp"
)

func workload(t *testing.T, name string) Workload {
	t.Helper()
	ws, err := ParseWorkloads(name)
	if err != nil {
		t.Fatal(err)
	}
	return ws[0]
}

func TestKeysAreNamedAsRedisBenchmarkNamesThem(t *testing.T) {
	k := Keys{Prefix: "key:", Count: 10}
	for _, tt := range []struct {
		i    int
		want string
	}{{0, "key:000000000000"}, {42, "key:000000000042"}, {1234567890123, "key:1234567890123"}} {
		if got := string(k.Append([]byte("x"), tt.i)); got != "x"+tt.want {
			t.Errorf("key %d = %q, want %q", tt.i, got, "x"+tt.want)
		}
	}
}

func TestValueIsReproducibleAndNotCompressible(t *testing.T) {
	a, b := Value(1024, 7), Value(1024, 7)
	if len(a) != 1024 || string(a) != string(b) {
		t.Fatalf("Value not reproducible or wrong size: %d bytes", len(a))
	}
	distinct := map[byte]bool{}
	for _, c := range a {
		distinct[c] = true
	}
	if len(distinct) < 50 {
		t.Fatalf("value uses only %d distinct bytes; it would compress", len(distinct))
	}
	if string(Value(1024, 8)) == string(a) {
		t.Fatal("different seeds gave the same value")
	}
}

func TestParseWorkloads(t *testing.T) {
	ws, err := ParseWorkloads("set, GET,mixed,set")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range ws {
		names = append(names, w.Name)
	}
	if got := strings.Join(names, ","); got != "set,get,mixed" {
		t.Fatalf("parsed %s, want set,get,mixed", got)
	}
	if _, err := ParseWorkloads("set,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown workload: err = %v", err)
	}
	if _, err := ParseWorkloads(" , "); err == nil {
		t.Fatal("empty list accepted")
	}
}

func TestGeneratorMixesFollowTheirPercentages(t *testing.T) {
	for _, tt := range []struct {
		name    string
		getPerc float64
	}{{"mixed", 70}, {"session", 90}, {"cache", 95}, {"event", 20}, {"get", 100}, {"set", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			conn, _ := discardConn()
			g := newGenerator(workload(t, tt.name), Keys{Prefix: "k:", Count: 1000}, []byte("v"), 1, 1, 2)
			const n = 100000
			gets := 0
			for i := 0; i < n; i++ {
				op, err := g.next(conn)
				if err != nil {
					t.Fatal(err)
				}
				switch op {
				case OpGet:
					gets++
				case OpSet:
				default:
					t.Fatalf("op %v in a GET/SET workload", op)
				}
			}
			if got := 100 * float64(gets) / n; got < tt.getPerc-1 || got > tt.getPerc+1 {
				t.Fatalf("%.1f%% GETs, want %.0f%% ± 1", got, tt.getPerc)
			}
		})
	}
}

func TestGeneratorWritesBatchedCommands(t *testing.T) {
	conn, out := discardConn()
	g := newGenerator(workload(t, "mset"), Keys{Prefix: "k:", Count: 10}, []byte("vv"), 3, 1, 2)
	if _, err := g.next(conn); err != nil {
		t.Fatal(err)
	}
	conn.Flush()
	got := out.String()
	if !strings.HasPrefix(got, "*7\r\n$4\r\nMSET\r\n$14\r\nk:0000000000") || strings.Count(got, "$2\r\nvv\r\n") != 3 {
		t.Fatalf("MSET command = %q", got)
	}
}

// testSpec is a small spec against the fake server.
func testSpec(w Workload) Spec {
	return Spec{
		Workload: w, Clients: 3, Pipeline: 4, Batch: 5,
		Keys:  Keys{Prefix: "key:", Count: 200},
		Value: Value(16, 1), Requests: 1001, Seed: 1,
	}
}

func TestRunSendsExactlyTheRequestedCommands(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, nil)
	res, err := Run(context.Background(), s.addr, testSpec(workload(t, "set")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 1001 || s.count("SET") != 1001 {
		t.Fatalf("ops = %d, server saw %d SETs; want 1001 each", res.Ops, s.count("SET"))
	}
	if res.Latency.TotalCount() != 1001 {
		t.Fatalf("histogram holds %d values, want one per command", res.Latency.TotalCount())
	}
	if res.Elapsed <= 0 || res.OpsPerSec() <= 0 || res.Errors != 0 {
		t.Fatalf("result %+v", res)
	}
}

func TestRunCountsHitsAfterPrefill(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, nil)
	ctx := context.Background()
	spec := testSpec(workload(t, "get"))

	res, err := Run(ctx, s.addr, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lookups != 1001 || res.Hits != 0 {
		t.Fatalf("before prefill: %d hits of %d lookups, want 0 of 1001", res.Hits, res.Lookups)
	}
	if err := Prefill(ctx, s.addr, spec.Keys, spec.Value); err != nil {
		t.Fatal(err)
	}
	if n := s.size(); n != spec.Keys.Count {
		t.Fatalf("prefill wrote %d keys, want %d", n, spec.Keys.Count)
	}
	for _, name := range []string{"get", "mget", "mixed"} {
		spec := testSpec(workload(t, name))
		res, err := Run(ctx, s.addr, spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lookups == 0 || res.Hits != res.Lookups {
			t.Errorf("%s after prefill: %d hits of %d lookups, want all", name, res.Hits, res.Lookups)
		}
		if name == "mget" && res.Lookups != res.Ops*int64(spec.Batch) {
			t.Errorf("mget: %d lookups for %d commands of %d keys", res.Lookups, res.Ops, spec.Batch)
		}
	}
	res, err = Run(ctx, s.addr, testSpec(workload(t, "del")), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 1001 random DELs over 200 keys: most keys go, and nothing is deleted twice.
	if res.Hits < 150 || res.Hits > 200 || s.size() != 200-int(res.Hits) {
		t.Fatalf("del: %d hits, %d keys left", res.Hits, s.size())
	}
}

func TestRunCountsErrorRepliesApart(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, func(f *fakeServer) { f.fail = "SET" })
	res, err := Run(context.Background(), s.addr, testSpec(workload(t, "mixed")), nil)
	if err != nil {
		t.Fatal(err)
	}
	sets := int64(s.count("SET"))
	if sets == 0 || res.Errors != sets || res.Ops != 1001-sets {
		t.Fatalf("%d SETs failed on the server; result has %d errors and %d ops", sets, res.Errors, res.Ops)
	}
	if res.Latency.TotalCount() != res.Ops {
		t.Fatalf("histogram holds %d values for %d successful commands", res.Latency.TotalCount(), res.Ops)
	}
	if res.FirstError != "ERR injected" {
		t.Fatalf("first error %q", res.FirstError)
	}
}

func TestRunFailsWhenTheServerStopsAnswering(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, func(f *fakeServer) { f.silent = true })
	spec := testSpec(workload(t, "set"))
	spec.StallTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := Run(context.Background(), s.addr, spec, nil)
	if err == nil || !strings.Contains(err.Error(), "no reply") {
		t.Fatalf("err = %v, want a stall error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v to notice the stall", d)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, func(f *fakeServer) { f.silent = true })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, s.addr, testSpec(workload(t, "set")), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestRunForADurationMeasuresAfterTheWarmup(t *testing.T) {
	t.Parallel()
	s := startFakeServer(t, nil)
	spec := testSpec(workload(t, "set"))
	spec.Requests, spec.Duration, spec.Warmup = 0, 300*time.Millisecond, 200*time.Millisecond
	var p Progress
	res, err := Run(context.Background(), s.addr, spec, &p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed < spec.Duration || res.Elapsed > spec.Duration+time.Second {
		t.Fatalf("elapsed %v for a %v run", res.Elapsed, spec.Duration)
	}
	// Progress counts the warm-up too; the result does not.
	if res.Ops == 0 || p.Ops() <= res.Ops || int64(s.count("SET")) != p.Ops() {
		t.Fatalf("result ops %d, progress %d, server SETs %d", res.Ops, p.Ops(), s.count("SET"))
	}
}

func TestRunRejectsBadSpecs(t *testing.T) {
	good := testSpec(Workload{Name: "set", Op: OpSet})
	for name, mutate := range map[string]func(*Spec){
		"no clients":          func(s *Spec) { s.Clients = 0 },
		"no pipeline":         func(s *Spec) { s.Pipeline = 0 },
		"empty key space":     func(s *Spec) { s.Keys.Count = 0 },
		"no length":           func(s *Spec) { s.Requests, s.Duration = 0, 0 },
		"batched, no batch":   func(s *Spec) { s.Workload.Batched, s.Batch = true, 0 },
		"unreachable address": func(s *Spec) {},
	} {
		spec := good
		mutate(&spec)
		if _, err := Run(context.Background(), "127.0.0.1:1", spec, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDescribeReadsVersionAndPersistence(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		info string
		want string
	}{
		{"# Server\r\nredis_version:7.0.15\r\n", "redis 7.0.15 appendonly=yes"},
		{"# Server\r\nredis_version:7.0.0\r\nflin_resp_version:0.1.0-dev\r\n", "flin-resp 0.1.0-dev appendonly=yes"},
		{"", "unknown appendonly=yes"},
	} {
		s := startFakeServer(t, func(f *fakeServer) { f.info = tt.info })
		info, err := Describe(context.Background(), s.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.String(); got != tt.want {
			t.Errorf("Describe = %q, want %q", got, tt.want)
		}
	}
	if _, err := Describe(context.Background(), "127.0.0.1:1"); err == nil {
		t.Error("Describe of a closed port: no error")
	}
}

// writeOnly is a net.Conn whose writes land in a buffer.
type writeOnly struct {
	net.Conn
	out *strings.Builder
}

func (w writeOnly) Write(p []byte) (int, error) { return w.out.Write(p) }

// discardConn returns a connection whose writes land in a buffer.
func discardConn() (*resp.Conn, *strings.Builder) {
	out := &strings.Builder{}
	return resp.NewConn(writeOnly{out: out}), out
}
