package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// cmd builds an expected command from its arguments.
func cmd(args ...string) []string { return args }

// strs copies parsed commands into strings, so they outlive the buffer.
func strs(cmds [][][]byte) [][]string {
	var out [][]string
	for _, c := range cmds {
		s := make([]string, len(c))
		for i, a := range c {
			s[i] = string(a)
		}
		out = append(out, s)
	}
	return out
}

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

const kib64 = 64 << 10

func TestParseRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		maxBulk  int64 // DefaultMaxBulkLen if 0
		unauth   bool
		want     [][]string
		consumed int // len(in) if -1
		err      error
	}{
		{name: "empty input yields nothing", in: "", consumed: 0},
		{name: "multibulk command", in: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
			want: [][]string{cmd("SET", "k", "hello")}, consumed: -1},
		{name: "pipeline of multibulk commands", in: "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
			want: [][]string{cmd("PING"), cmd("ECHO", "")}, consumed: -1},
		{name: "bulk data is binary and may hold CRLF", in: "*1\r\n$6\r\na\r\n\x00\xffb\r\n",
			want: [][]string{cmd("a\r\n\x00\xffb")}, consumed: -1},
		{name: "the two bytes after bulk data are skipped unchecked", in: "*2\r\n$1\r\naXY$1\r\nbZZ",
			want: [][]string{cmd("a", "b")}, consumed: -1},
		{name: "the byte after a count line's CR is not checked", in: "*1\rX$1\rYa\r\n",
			want: [][]string{cmd("a")}, consumed: -1},
		{name: "zero count is consumed without a command", in: "*0\r\n*1\r\n$1\r\nx\r\n",
			want: [][]string{cmd("x")}, consumed: -1},
		{name: "negative count is consumed without a command", in: "*-1\r\n", consumed: -1},
		{name: "largest count is accepted and waits for arguments", in: "*2147483647\r\n$1\r\na\r\n", consumed: 0},
		{name: "incomplete count line", in: "*1", consumed: 0},
		{name: "count line without the byte after CR", in: "*1\r", consumed: 0},
		{name: "incomplete bulk header", in: "*1\r\n$3", consumed: 0},
		{name: "incomplete bulk data", in: "*1\r\n$3\r\nfo", consumed: 0},
		{name: "bulk data without its trailer", in: "*1\r\n$3\r\nfoo\r", consumed: 0},
		{name: "complete commands before an incomplete one", in: "*1\r\n$1\r\na\r\n*1\r\n$1\r\n",
			want: [][]string{cmd("a")}, consumed: 11},
		{name: "inline command", in: "SET k v\r\n", want: [][]string{cmd("SET", "k", "v")}, consumed: -1},
		{name: "inline command ending in bare LF", in: "PING\nPING\r\n",
			want: [][]string{cmd("PING"), cmd("PING")}, consumed: -1},
		{name: "empty inline lines are skipped", in: "\r\n\n   \r\nPING\r\n\n",
			want: [][]string{cmd("PING")}, consumed: -1},
		{name: "inline without newline is incomplete", in: "PING", consumed: 0},
		{name: "inline and multibulk mixed", in: "PING\r\n*1\r\n$4\r\nPING\r\nECHO x\n",
			want: [][]string{cmd("PING"), cmd("PING"), cmd("ECHO", "x")}, consumed: -1},
		{name: "a NUL before the newline hides it, as with strchr", in: "PING\x00\r\n", consumed: 0},
		{name: "a NUL before a count line's CR hides it", in: "*1\x00\r\n$1\r\na\r\n", consumed: 0},
		{name: "a NUL before a bulk header's CR hides it", in: "*1\r\n$1\x00\r\na\r\n", consumed: 0},
		{name: "inline of exactly 64 KiB without newline waits", in: strings.Repeat("a", kib64), consumed: 0},

		{name: "too big inline request", in: strings.Repeat("a", kib64+1),
			err: protoErr("too big inline request")},
		{name: "too big inline request when a NUL hides the newline", in: "a\x00\n" + strings.Repeat("a", kib64),
			err: protoErr("too big inline request")},
		{name: "unbalanced quotes", in: "SET \"a\r\n", err: protoErr("unbalanced quotes in request")},
		{name: "too big mbulk count string", in: "*" + strings.Repeat("1", kib64),
			err: protoErr("too big mbulk count string")},
		{name: "count of exactly 64 KiB without CR waits", in: "*" + strings.Repeat("1", kib64-1), consumed: 0},
		{name: "count that is not a number", in: "*abc\r\n", err: protoErr("invalid multibulk length")},
		{name: "empty count", in: "*\r\n", err: protoErr("invalid multibulk length")},
		{name: "count with plus sign", in: "*+1\r\n", err: protoErr("invalid multibulk length")},
		{name: "count with leading zero", in: "*01\r\n", err: protoErr("invalid multibulk length")},
		{name: "count with space", in: "* 1\r\n", err: protoErr("invalid multibulk length")},
		{name: "count of minus zero", in: "*-0\r\n", err: protoErr("invalid multibulk length")},
		{name: "count over INT_MAX", in: "*2147483648\r\n", err: protoErr("invalid multibulk length")},
		{name: "count over int64", in: "*9223372036854775808\r\n", err: protoErr("invalid multibulk length")},
		{name: "count line ended by LF only runs into the next CR", in: "*1\n$1\r\na\r\n",
			err: protoErr("invalid multibulk length")},
		{name: "unauthenticated count of 10 is accepted", in: "*10\r\n", unauth: true, consumed: 0},
		{name: "unauthenticated multibulk length", in: "*11\r\n", unauth: true,
			err: protoErr("unauthenticated multibulk length")},
		{name: "expected dollar", in: "*1\r\n:1\r\n", err: protoErr("expected '$', got ':'")},
		{name: "expected dollar shows a high byte as is", in: "*1\r\n\xfe\r\n", err: protoErr("expected '$', got '\xfe'")},
		{name: "expected dollar shows LF as a space", in: "*1\r\n\n\r\n", err: protoErr("expected '$', got ' '")},
		{name: "expected dollar shows CR as a space", in: "*1\r\n\r\r", err: protoErr("expected '$', got ' '")},
		{name: "too big bulk count string", in: "*1\r\n$" + strings.Repeat("1", kib64),
			err: protoErr("too big bulk count string")},
		{name: "bulk count of exactly 64 KiB without CR waits", in: "*1\r\n$" + strings.Repeat("1", kib64-1), consumed: 0},
		{name: "negative bulk length", in: "*1\r\n$-1\r\n", err: protoErr("invalid bulk length")},
		{name: "bulk length -2 (which crashes redcon)", in: "*1\r\n$-2\r\n", err: protoErr("invalid bulk length")},
		{name: "bulk length that is not a number", in: "*1\r\n$x\r\n", err: protoErr("invalid bulk length")},
		{name: "empty bulk length", in: "*1\r\n$\r\n", err: protoErr("invalid bulk length")},
		{name: "bulk length with leading zero", in: "*1\r\n$01\r\na\r\n", err: protoErr("invalid bulk length")},
		{name: "bulk length over int64", in: "*1\r\n$99999999999999999999\r\n", err: protoErr("invalid bulk length")},
		{name: "bulk length over maxBulk", in: "*1\r\n$11\r\n", maxBulk: 10, err: protoErr("invalid bulk length")},
		{name: "bulk length of maxBulk is accepted", in: "*1\r\n$10\r\n0123456789\r\n", maxBulk: 10,
			want: [][]string{cmd("0123456789")}, consumed: -1},
		{name: "default maxBulk is 512 MB", in: "*1\r\n$536870913\r\n", err: protoErr("invalid bulk length")},
		{name: "unauthenticated bulk of 16384 is accepted", in: "*1\r\n$16384\r\n", unauth: true, consumed: 0},
		{name: "unauthenticated bulk length", in: "*1\r\n$16385\r\n", unauth: true,
			err: protoErr("unauthenticated bulk length")},
		{name: "commands before an error are returned with it", in: "PING\r\n*1\r\n$1\r\na\r\n*x\r\n",
			want: [][]string{cmd("PING"), cmd("a")}, consumed: 17, err: protoErr("invalid multibulk length")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			maxBulk := tt.maxBulk
			if maxBulk == 0 {
				maxBulk = DefaultMaxBulkLen
			}
			cmds, consumed, err := ParseRequests([]byte(tt.in), maxBulk, !tt.unauth)
			if !reflect.DeepEqual(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got := strs(cmds); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cmds = %q, want %q", got, tt.want)
			}
			wantConsumed := tt.consumed
			if wantConsumed < 0 {
				wantConsumed = len(tt.in)
			}
			if tt.err == nil && consumed != wantConsumed {
				t.Errorf("consumed = %d, want %d", consumed, wantConsumed)
			}
			if tt.err != nil && tt.consumed > 0 && consumed != tt.consumed {
				t.Errorf("consumed = %d, want %d", consumed, tt.consumed)
			}
		})
	}
}

func TestString2ll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"1024", 1024, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"", 0, false},
		{"-", 0, false},
		{"-0", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1a", 0, false},
		{"0x10", 0, false},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false},
		{"-00000000000000000001", 0, false},
		{"100000000000000000000", 0, false},
	}
	for _, tt := range tests {
		got, ok := string2ll([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("string2ll(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNewRequestReaderDefaults(t *testing.T) {
	t.Parallel()
	rr := NewRequestReader(strings.NewReader(""), 0, -1)
	if len(rr.buf) != DefaultReadBufferSize || rr.p.maxBulk != DefaultMaxBulkLen || !rr.p.authenticated {
		t.Errorf("buffer %d, maxBulk %d, authenticated %v; want %d, %d, true",
			len(rr.buf), rr.p.maxBulk, rr.p.authenticated, DefaultReadBufferSize, DefaultMaxBulkLen)
	}
}

func TestProtocolErrorText(t *testing.T) {
	t.Parallel()
	err := error(&ProtocolError{Msg: "invalid bulk length"})
	if got, want := err.Error(), "Protocol error: invalid bulk length"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInlineSplitting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string // without the newline
		want []string
		bad  bool // unbalanced quotes
	}{
		{name: "plain words", line: "set a b", want: cmd("set", "a", "b")},
		{name: "runs of blanks", line: " \t set \t a\t\tb  ", want: cmd("set", "a", "b")},
		{name: "vertical tab and form feed are skipped between args", line: "\v\fa \v b", want: cmd("a", "b")},
		{name: "vertical tab and form feed inside an arg belong to it", line: "a\vb c\fd", want: cmd("a\vb", "c\fd")},
		{name: "CR inside the line separates args", line: "a\rb", want: cmd("a", "b")},
		{name: "only blanks", line: " \t ", want: nil},
		{name: "double quotes keep spaces", line: `set "hello world"`, want: cmd("set", "hello world")},
		{name: "empty double quotes", line: `""`, want: cmd("")},
		{name: "empty single quotes", line: `''`, want: cmd("")},
		{name: "hex escapes", line: `"\x41\x4a\x6b\xff\x00"`, want: cmd("AJk\xff\x00")},
		{name: "upper case hex digits", line: `"\xAB\xcD"`, want: cmd("\xab\xcd")},
		{name: "incomplete hex escape keeps the x", line: `"\x4g\x"`, want: cmd("x4gx")},
		{name: "letter escapes", line: `"\n\r\t\b\a"`, want: cmd("\n\r\t\b\a")},
		{name: "other escapes yield the escaped byte", line: `"\\\"\q\'"`, want: cmd(`\"q'`)},
		{name: "single quotes only escape a single quote", line: `'it\'s \n \x41 "'`, want: cmd(`it's \n \x41 "`)},
		{name: "quotes may start inside an arg", line: `foo"bar baz" x'y z'`, want: cmd("foobar baz", "xy z")},
		{name: "closing quote followed by a blank", line: "\"a\"\t'b'\v\"c\"", want: cmd("a", "b", "c")},
		{name: "high bytes are not blanks", line: "\x80\xa0 \xff", want: cmd("\x80\xa0", "\xff")},
		{name: "text after a closing double quote", line: `"a"b`, bad: true},
		{name: "text after a closing single quote", line: `'a'b`, bad: true},
		{name: "two quoted strings touching", line: `"a""b"`, bad: true},
		{name: "unterminated double quote", line: `set "abc`, bad: true},
		{name: "unterminated single quote", line: `set 'abc`, bad: true},
		{name: "escaped closing double quote", line: `"abc\"`, bad: true},
		{name: "backslash at the end inside double quotes", line: `"abc\`, bad: true},
		{name: "escaped closing single quote", line: `'abc\'`, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, eol := range []string{"\n", "\r\n"} {
				cmds, consumed, err := ParseRequests([]byte(tt.line+eol), DefaultMaxBulkLen, true)
				if tt.bad {
					if !reflect.DeepEqual(err, protoErr("unbalanced quotes in request")) {
						t.Fatalf("%q: err = %v, want unbalanced quotes", eol, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%q: err = %v", eol, err)
				}
				if consumed != len(tt.line)+len(eol) {
					t.Errorf("%q: consumed = %d, want %d", eol, consumed, len(tt.line)+len(eol))
				}
				var got []string
				if len(cmds) > 0 {
					got = strs(cmds)[0]
				}
				if len(cmds) > 1 || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%q: cmds = %q, want %q", eol, strs(cmds), tt.want)
				}
			}
		})
	}
}

func TestInlineArgsAreCopies(t *testing.T) {
	t.Parallel()
	buf := []byte("SET key value\r\n")
	cmds, _, err := ParseRequests(buf, DefaultMaxBulkLen, true)
	if err != nil || len(cmds) != 1 {
		t.Fatalf("cmds = %q, err = %v", strs(cmds), err)
	}
	copy(buf, "XXXXXXXXXXXXX")
	if got := strs(cmds)[0]; !reflect.DeepEqual(got, cmd("SET", "key", "value")) {
		t.Errorf("args changed with the input: %q", got)
	}
}

func TestArgsCannotGrowIntoTheBuffer(t *testing.T) {
	t.Parallel()
	in := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\nSET x y\r\n")
	cmds, _, err := ParseRequests(in, DefaultMaxBulkLen, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if cap(c) != len(c) {
			t.Errorf("command %q has spare capacity %d", strs([][][]byte{c}), cap(c)-len(c))
		}
		for _, a := range c {
			if cap(a) != len(a) {
				t.Errorf("arg %q has spare capacity %d", a, cap(a)-len(a))
			}
		}
	}
}

// pipeline mixes every request form that parses successfully.
const pipeline = "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$12\r\nhello\r\nworld\r\n" +
	"PING\r\n" +
	"\r\n" +
	"*0\r\n" +
	"*-1\r\n" +
	"set \"a b\" '\\'c' \"\\x41\"\n" +
	"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
	"*1\r\n$6\r\n\x00\x01\r\n\xfe\xff\r\n" +
	"   \n" +
	"*1\rX$4\rYPING\r\n" +
	"GET k\r\n"

var pipelineCmds = [][]string{
	cmd("SET", "key:1", "hello\r\nworld"),
	cmd("PING"),
	cmd("set", "a b", "'c", "A"),
	cmd("ECHO", ""),
	cmd("\x00\x01\r\n\xfe\xff"),
	cmd("PING"),
	cmd("GET", "k"),
}

// readAll calls ReadBatch until it fails, returning the commands and the error.
func readAll(t *testing.T, rr *RequestReader) ([][]string, error) {
	t.Helper()
	var all [][]string
	for range 10000 {
		cmds, err := rr.ReadBatch()
		if err != nil {
			if len(cmds) != 0 {
				t.Errorf("ReadBatch returned %d commands with error %v", len(cmds), err)
			}
			return all, err
		}
		if len(cmds) == 0 {
			t.Fatal("ReadBatch returned no commands and no error")
		}
		all = append(all, strs(cmds)...)
	}
	t.Fatal("ReadBatch never failed")
	return nil, nil
}

// chunkReader returns its chunks one per Read, then io.EOF.
type chunkReader struct{ chunks [][]byte }

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	return n, nil
}

func TestReadBatchSplitAtEveryByte(t *testing.T) {
	t.Parallel()
	in := []byte(pipeline)
	for i := 0; i <= len(in); i++ {
		for _, bufSize := range []int{1, 7, DefaultReadBufferSize} {
			rr := NewRequestReader(&chunkReader{chunks: [][]byte{in[:i], in[i:]}}, bufSize, 0)
			got, err := readAll(t, rr)
			if err != io.EOF {
				t.Fatalf("split at %d, bufSize %d: err = %v, want io.EOF", i, bufSize, err)
			}
			if !reflect.DeepEqual(got, pipelineCmds) {
				t.Fatalf("split at %d, bufSize %d: got %q, want %q", i, bufSize, got, pipelineCmds)
			}
		}
	}
}

func TestReadBatchOneByteAtATime(t *testing.T) {
	t.Parallel()
	for _, bufSize := range []int{1, 2, 64} {
		rr := NewRequestReader(iotest.OneByteReader(strings.NewReader(pipeline)), bufSize, 0)
		got, err := readAll(t, rr)
		if err != io.EOF {
			t.Fatalf("bufSize %d: err = %v, want io.EOF", bufSize, err)
		}
		if !reflect.DeepEqual(got, pipelineCmds) {
			t.Fatalf("bufSize %d: got %q, want %q", bufSize, got, pipelineCmds)
		}
	}
}

func TestReadBatchNULHidesNewlineAcrossReads(t *testing.T) {
	t.Parallel()
	in := "PING\r\nPI\x00NG\r\nPING\r\n*1\r\n$1\r\na\r\n"
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		got, err := readAll(t, NewRequestReader(r, 4, 0))
		if err != io.EOF {
			t.Fatalf("err = %v, want io.EOF", err)
		}
		if want := [][]string{cmd("PING")}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestReadBatchReturnsEveryBufferedCommand(t *testing.T) {
	t.Parallel()
	rr := NewRequestReader(strings.NewReader(pipeline), 0, 0)
	cmds, err := rr.ReadBatch()
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(cmds); !reflect.DeepEqual(got, pipelineCmds) {
		t.Errorf("got %q, want %q", got, pipelineCmds)
	}
}

func TestReadBatchErrors(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		r     io.Reader
		first [][]string // commands of the first batch; none if nil
		err   error      // error after them, returned twice
	}{
		{name: "protocol error after commands comes on the next call",
			r:     strings.NewReader("PING\r\n*1\r\n$1\r\na\r\n*1\r\n$-2\r\n*1\r\n$1\r\nb\r\n"),
			first: [][]string{cmd("PING"), cmd("a")}, err: protoErr("invalid bulk length")},
		{name: "protocol error with nothing before it", r: strings.NewReader("*1\r\nx\r\n"),
			err: protoErr("expected '$', got 'x'")},
		{name: "EOF after complete commands", r: strings.NewReader("PING\r\n"),
			first: [][]string{cmd("PING")}, err: io.EOF},
		{name: "EOF inside a command is returned as is", r: strings.NewReader("*2\r\n$3\r\nGET\r\n"), err: io.EOF},
		{name: "EOF with nothing read", r: strings.NewReader(""), err: io.EOF},
		{name: "read error comes after the data read with it",
			r:     iotest.DataErrReader(io.MultiReader(strings.NewReader("PING\r\n"), iotest.ErrReader(errBoom))),
			first: [][]string{cmd("PING")}, err: errBoom},
		{name: "reads returning nothing forever", r: emptyReader{}, err: io.ErrNoProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rr := NewRequestReader(tt.r, 0, 0)
			if tt.first != nil {
				cmds, err := rr.ReadBatch()
				if err != nil {
					t.Fatalf("first batch: err = %v", err)
				}
				if got := strs(cmds); !reflect.DeepEqual(got, tt.first) {
					t.Fatalf("first batch = %q, want %q", got, tt.first)
				}
			}
			for i := range 2 {
				cmds, err := rr.ReadBatch()
				if len(cmds) != 0 || !reflect.DeepEqual(err, tt.err) {
					t.Fatalf("call %d: cmds = %q, err = %v; want no commands and %v", i, strs(cmds), err, tt.err)
				}
			}
		})
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReadBatchUnauthenticated(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("v", 20000)
	in := "AUTH pw\r\n" + fmt.Sprintf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n", len(big), big) + "PING\r\n"
	t.Run("a pipelined AUTH lifts the limits for the commands after it", func(t *testing.T) {
		t.Parallel()
		rr := NewRequestReader(strings.NewReader(in), 0, 0)
		rr.SetAuthenticated(false)
		cmds, err := rr.ReadBatch()
		if err != nil {
			t.Fatal(err)
		}
		if got := strs(cmds); !reflect.DeepEqual(got, [][]string{cmd("AUTH", "pw")}) {
			t.Fatalf("first batch = %q, want only AUTH", got)
		}
		rr.SetAuthenticated(true)
		got, err := readAll(t, rr)
		if err != io.EOF {
			t.Fatalf("err = %v, want io.EOF", err)
		}
		if want := [][]string{cmd("SET", "k", big), cmd("PING")}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %d commands, want SET and PING", len(got))
		}
	})
	t.Run("without authentication the big argument is refused", func(t *testing.T) {
		t.Parallel()
		rr := NewRequestReader(strings.NewReader(in), 0, 0)
		rr.SetAuthenticated(false)
		if _, err := rr.ReadBatch(); err != nil {
			t.Fatal(err)
		}
		cmds, err := rr.ReadBatch()
		if len(cmds) != 0 || !reflect.DeepEqual(err, protoErr("unauthenticated bulk length")) {
			t.Errorf("cmds = %d, err = %v; want unauthenticated bulk length", len(cmds), err)
		}
	})
}

// blockingReader returns its data, then reports that the test is over.
type blockingReader struct {
	data []byte
	done error
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, b.done
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func TestHugeDeclaredBulkIsNotAllocated(t *testing.T) {
	t.Parallel()
	const bufSize = 4 << 10
	in := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n")
	rr := NewRequestReader(&blockingReader{data: in, done: io.EOF}, bufSize, 0)
	if _, err := rr.ReadBatch(); err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
	if c := cap(rr.buf); c > bufSize {
		t.Errorf("buffer capacity = %d after a declared 512 MB bulk, want <= %d", c, bufSize)
	}
}

func TestBufferGrowsWithArrivingBytesAndShrinksBack(t *testing.T) {
	t.Parallel()
	const bufSize = 1 << 10
	value := bytes.Repeat([]byte("x"), 300<<10)
	hdr := fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n", len(value))
	in := append([]byte(hdr), value...)
	in = append(in, "\r\nPING\r\n"...)

	// Feed the bulk in pieces, checking after each that the buffer is at
	// most twice the bytes that have arrived and never beyond what the
	// bulk needs.
	src := &blockingReader{done: errors.New("no more input yet")}
	rr := NewRequestReader(src, bufSize, 0)
	arrived := 0
	for _, piece := range []int{len(hdr), 1000, 50 << 10, 100 << 10, 100 << 10} {
		src.data = in[arrived : arrived+piece]
		arrived += piece
		rr.rerr = nil // the reader would block here; resume once data arrives
		if cmds, err := rr.ReadBatch(); err != src.done {
			t.Fatalf("after %d bytes: %d commands, err = %v", arrived, len(cmds), err)
		}
		if c := cap(rr.buf); c > 2*arrived && c > bufSize {
			t.Errorf("after %d bytes the buffer has capacity %d", arrived, c)
		}
	}
	src.data, src.done = in[arrived:], io.EOF
	rr.rerr = nil
	got, err := readAll(t, rr)
	if err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
	if want := [][]string{cmd("ECHO", string(value)), cmd("PING")}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %d commands, want ECHO and PING", len(got))
	}
	if c := cap(rr.buf); c != bufSize {
		t.Errorf("buffer capacity = %d once empty, want %d", c, bufSize)
	}
}

func TestBufferGrowthStopsAtWhatTheBulkNeeds(t *testing.T) {
	t.Parallel()
	const bufSize = 1 << 10
	value := bytes.Repeat([]byte("y"), 1500)
	in := fmt.Appendf(nil, "*1\r\n$%d\r\n%s\r\n", len(value), value)
	rr := NewRequestReader(&blockingReader{data: in, done: io.EOF}, bufSize, 0)
	cmds, err := rr.ReadBatch()
	if err != nil || len(cmds) != 1 {
		t.Fatalf("cmds = %d, err = %v", len(cmds), err)
	}
	if c := cap(rr.buf); c != len(in) {
		t.Errorf("buffer capacity = %d, want exactly the %d bytes of the command", c, len(in))
	}
}

// loopReader returns the same data on every Read, like a client pipelining
// the same batch forever.
type loopReader struct{ data []byte }

func (l loopReader) Read(p []byte) (int, error) { return copy(p, l.data), nil }

func setPipeline(n int) []byte {
	value := bytes.Repeat([]byte("v"), 1024)
	var b []byte
	for i := range n {
		key := fmt.Sprintf("key:%06d", 123+i)
		b = fmt.Appendf(b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
	}
	return b
}

func TestReadBatchSteadyStateDoesNotAllocate(t *testing.T) {
	data := setPipeline(16)
	rr := NewRequestReader(loopReader{data: data}, 0, 0)
	for range 3 { // warm up the reusable slices
		if _, err := rr.ReadBatch(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		cmds, err := rr.ReadBatch()
		if err != nil || len(cmds) != 16 {
			t.Fatalf("cmds = %d, err = %v", len(cmds), err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadBatch allocates %v times per batch of 16 SETs, want 0", allocs)
	}
}

// BenchmarkParseRequests parses a pipeline of 16 "SET key:000123 <1 KiB
// value>" commands per op, through a reused RequestReader (the server's path)
// and through the stateless ParseRequests. Run with
// go test -run '^$' -bench ParseRequests -benchmem ./resp/
func BenchmarkParseRequests(b *testing.B) {
	data := setPipeline(16)
	b.Run("RequestReader", func(b *testing.B) {
		rr := NewRequestReader(loopReader{data: data}, 0, 0)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cmds, err := rr.ReadBatch()
			if err != nil || len(cmds) != 16 {
				b.Fatalf("cmds = %d, err = %v", len(cmds), err)
			}
		}
	})
	b.Run("ParseRequests", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cmds, _, err := ParseRequests(data, DefaultMaxBulkLen, true)
			if err != nil || len(cmds) != 16 {
				b.Fatalf("cmds = %d, err = %v", len(cmds), err)
			}
		}
	})
}
