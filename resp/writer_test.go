package resp

import (
	"math"
	"testing"
)

func TestWriterReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(w *Writer)
		resp2 string
		resp3 string
	}{
		{"OK", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
		{"status", func(w *Writer) { w.Status("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"status with newlines", func(w *Writer) { w.Status("a\r\nb") }, "+a  b\r\n", "+a  b\r\n"},
		{"error is written as given", func(w *Writer) { w.Error("ERR syntax error") },
			"-ERR syntax error\r\n", "-ERR syntax error\r\n"},
		{"error with its own code", func(w *Writer) { w.Error("WRONGTYPE Operation against a key holding the wrong kind of value") },
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"error with CR LF at the ends and inside", func(w *Writer) { w.Error("\r\nERR a\r\nb\n\r\n") },
			"-ERR a  b\r\n", "-ERR a  b\r\n"},
		{"protocol error", func(w *Writer) { w.Error("ERR " + (&ProtocolError{Msg: "invalid bulk length"}).Error()) },
			"-ERR Protocol error: invalid bulk length\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"integer", func(w *Writer) { w.Int(42) }, ":42\r\n", ":42\r\n"},
		{"negative integer", func(w *Writer) { w.Int(-1) }, ":-1\r\n", ":-1\r\n"},
		{"smallest integer", func(w *Writer) { w.Int(math.MinInt64) },
			":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"empty bulk", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.BulkString("hello") }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.Array(2); w.Int(1); w.BulkString("x") }, "*2\r\n:1\r\n$1\r\nx\r\n", "*2\r\n:1\r\n$1\r\nx\r\n"},
		{"empty array", func(w *Writer) { w.Array(0) }, "*0\r\n", "*0\r\n"},
		{"map", func(w *Writer) { w.Map(1); w.BulkString("k"); w.Int(7) },
			"*2\r\n$1\r\nk\r\n:7\r\n", "%1\r\n$1\r\nk\r\n:7\r\n"},
		{"big map", func(w *Writer) { w.Map(12) }, "*24\r\n", "%12\r\n"},
		{"set", func(w *Writer) { w.Set(3) }, "*3\r\n", "~3\r\n"},
		{"double", func(w *Writer) { w.Double(3.14) },
			"$18\r\n3.1400000000000001\r\n", ",3.1400000000000001\r\n"},
		{"infinite double", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"negative infinite double", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"NaN double", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", "hi\n") }, "$3\r\nhi\n\r\n", "=7\r\ntxt:hi\n\r\n"},
		{"verbatim with short format", func(w *Writer) { w.Verbatim("md", "x") }, "$1\r\nx\r\n", "=5\r\nmd :x\r\n"},
		{"verbatim with long format", func(w *Writer) { w.Verbatim("markdown", "") }, "$0\r\n\r\n", "=4\r\nmar:\r\n"},
		{"raw", func(w *Writer) { w.Raw([]byte(":1\r\n")) }, ":1\r\n", ":1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				proto int
				want  string
			}{{2, tt.resp2}, {3, tt.resp3}} {
				var w Writer
				w.SetProtocol(c.proto)
				tt.write(&w)
				if got := string(w.Bytes()); got != c.want {
					t.Errorf("RESP%d: got %q, want %q", c.proto, got, c.want)
				}
			}
		})
	}
}

// TestDoubleFormat checks values against glibc's printf("%.17g"), which is
// what Redis 7.0's addReplyDouble sends.
func TestDoubleFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		want string
	}{
		{3.14, "3.1400000000000001"},
		{1e20, "1e+20"},
		{0.1, "0.10000000000000001"},
		{1.0000000000000001e+20, "1.0000000000000002e+20"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
		{1e-5, "1.0000000000000001e-05"},
		{0.0001, "0.0001"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{1.5, "1.5"},
		{100, "100"},
		{-2.5, "-2.5"},
		{5e-324, "4.9406564584124654e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{123456789012345678, "1.2345678901234568e+17"},
		{0.3, "0.29999999999999999"},
		{1e21, "1e+21"},
		{-1e-300, "-1e-300"},
		{12345.678, "12345.678"},
		{2.0 / 3, "0.66666666666666663"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{math.Copysign(math.NaN(), -1), "-nan"},
	}
	for _, tt := range tests {
		if got := string(appendDouble(nil, tt.f)); got != tt.want {
			t.Errorf("%%.17g of %v: got %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestWriterProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		set  int // 0: not called
		want int
	}{{0, 2}, {2, 2}, {3, 3}, {4, 2}}
	for _, tt := range tests {
		var w Writer
		if tt.set != 0 {
			w.SetProtocol(tt.set)
		}
		if got := w.Protocol(); got != tt.want {
			t.Errorf("after SetProtocol(%d): Protocol() = %d, want %d", tt.set, got, tt.want)
		}
	}
}

func TestWriterBuffer(t *testing.T) {
	t.Parallel()
	var w Writer
	w.Int(1)
	mark := w.Len()
	w.BulkString("dropped")
	w.Truncate(mark)
	if got, want := string(w.Bytes()), ":1\r\n"; got != want {
		t.Errorf("after Truncate: %q, want %q", got, want)
	}
	w.Truncate(w.Len())
	if w.Len() != 4 {
		t.Errorf("Truncate(Len()) changed the length to %d", w.Len())
	}
	capBefore := cap(w.Bytes())
	w.Reset()
	if w.Len() != 0 || cap(w.Bytes()) != capBefore {
		t.Errorf("after Reset: Len() = %d, cap = %d; want 0, %d", w.Len(), cap(w.Bytes()), capBefore)
	}
	for _, n := range []int{-1, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Truncate(%d) on an empty writer did not panic", n)
				}
			}()
			w.Truncate(n)
		}()
	}
}
