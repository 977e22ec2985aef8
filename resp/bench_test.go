package resp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// Benchmarks of the whole RESP path: a real server (single-node Raft over an in-memory engine) on
// loopback, one client connection sending pipelines of benchDepth commands with 1 KiB values, as
// redis-benchmark -P 16 -d 1024 does. One op is one command; allocs/op counts client and server,
// and the client allocates nothing per op. Compare runs with benchstat:
//
//	go test -run '^$' -bench RESP -benchmem -count 6 ./resp/
const benchDepth = 16

func startBenchServer(b *testing.B) net.Conn {
	b.Helper()
	db, node := startNode(b)
	srv := NewServer(Config{Logger: quietLogger()}, db, node)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	return nc
}

// benchPipeline encodes benchDepth commands made by line(i).
func benchPipeline(line func(i int) [][]byte) []byte {
	var buf bytes.Buffer
	for i := range benchDepth {
		writeCommand(&buf, line(i)...)
	}
	return buf.Bytes()
}

// exchange sends req and reads until the replies end with tail, benchDepth times over.
func exchange(b *testing.B, nc net.Conn, req []byte, replyLen int, buf []byte) {
	if _, err := nc.Write(req); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(nc, buf[:replyLen]); err != nil {
		b.Fatal(err)
	}
}

func benchPipelines(b *testing.B, req []byte, replyLen int) {
	nc := startBenchServer(b)
	buf := make([]byte, replyLen)
	exchange(b, nc, req, replyLen, buf) // warm up
	b.SetBytes(benchDepth * 1024)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		exchange(b, nc, req, replyLen, buf)
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*benchDepth), "ns/cmd")
}

var benchValue = bytes.Repeat([]byte{'v'}, 1024)

// BenchmarkRESPSet: pipelines of 16 SETs become one Raft entry each (fsync off: in-memory engine,
// Raft log on disk in a temp dir).
func BenchmarkRESPSet(b *testing.B) {
	req := benchPipeline(func(i int) [][]byte {
		return [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%d", i), benchValue}
	})
	benchPipelines(b, req, benchDepth*len("+OK\r\n"))
}

// BenchmarkRESPGet: pipelines of 16 GETs of 1 KiB values.
func BenchmarkRESPGet(b *testing.B) {
	set := benchPipeline(func(i int) [][]byte {
		return [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%d", i), benchValue}
	})
	req := benchPipeline(func(i int) [][]byte { return [][]byte{[]byte("GET"), fmt.Appendf(nil, "key:%d", i)} })
	reply := fmt.Sprintf("$%d\r\n%s\r\n", len(benchValue), benchValue)
	nc := startBenchServer(b)
	buf := make([]byte, benchDepth*len(reply))
	exchange(b, nc, set, benchDepth*len("+OK\r\n"), buf)
	b.SetBytes(benchDepth * 1024)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		exchange(b, nc, req, len(buf), buf)
		n++
	}
	if !bytes.HasPrefix(buf, []byte(reply)) {
		b.Fatalf("unexpected reply %q", buf[:min(len(buf), 64)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*benchDepth), "ns/cmd")
}
