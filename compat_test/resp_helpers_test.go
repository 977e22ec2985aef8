package compat_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ioTimeout bounds every single network exchange of these tests.
const ioTimeout = 10 * time.Second

// respProtocols are the protocol versions go-redis is driven with: its default (RESP3, it sends
// HELLO 3 on connect) and Protocol: 2.
var respProtocols = []int{3, 2}

func protoName(p int) string { return "RESP" + strconv.Itoa(p) }

// newGoRedis returns a go-redis client of addr speaking protocol proto, closed at cleanup. It does
// not retry, so that a failure shows where it happens.
func newGoRedis(t testing.TB, addr string, proto int, edit ...func(*redis.Options)) *redis.Client {
	t.Helper()
	opt := &redis.Options{
		Addr:         addr,
		Protocol:     proto,
		DialTimeout:  ioTimeout,
		ReadTimeout:  ioTimeout,
		WriteTimeout: ioTimeout,
		MaxRetries:   -1,
		PoolSize:     4,
	}
	for _, e := range edit {
		e(opt)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// respValue is a decoded RESP2 or RESP3 reply that keeps the reply's type, so that comparing two
// values is as strict as comparing their bytes ("$-1" and "*-1" differ), but can be normalised
// where flin-resp is allowed to differ from Redis (version, ids, order of CONFIG GET pairs).
type respValue struct {
	Type  byte        // the RESP type byte: + - : $ * % ~ _ , # = ( > |
	Text  string      // simple strings, errors, bulk and verbatim strings, numbers as sent
	Null  bool        // "$-1" or "*-1"
	Elems []respValue // aggregates; a map holds key, value, key, value...
}

// String renders v unambiguously for comparisons and failure messages.
func (v respValue) String() string {
	var b strings.Builder
	v.render(&b)
	return b.String()
}

func (v respValue) render(b *strings.Builder) {
	b.WriteByte(v.Type)
	switch {
	case v.Null:
		b.WriteString("-1")
	case v.Elems != nil || strings.IndexByte("*%~>|", v.Type) >= 0:
		b.WriteString(strconv.Itoa(len(v.Elems)))
		b.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.render(b)
		}
		b.WriteByte(']')
	case v.Type == '_':
	default:
		b.WriteString(strconv.Quote(v.Text))
	}
}

func (v respValue) isError() bool { return v.Type == '-' || v.Type == '!' }

// readRESP reads one reply.
func readRESP(r *bufio.Reader) (respValue, error) { return readRESPInto(r, nil) }

// readRESPInto reads one reply, strictly, and copies its raw bytes to raw when it is not nil.
func readRESPInto(br *bufio.Reader, raw *bytes.Buffer) (respValue, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return respValue{}, err
	}
	if raw != nil {
		raw.WriteString(line)
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return respValue{}, fmt.Errorf("malformed reply line %q", line)
	}
	typ, body := line[0], line[1:len(line)-2]
	v := respValue{Type: typ}
	switch typ {
	case '+', '-', ':', ',', '#', '(':
		v.Text = body
	case '_':
		if body != "" {
			return v, fmt.Errorf("malformed null %q", line)
		}
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return v, fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return v, err
		}
		if raw != nil {
			raw.Write(buf)
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return v, fmt.Errorf("bulk data of %d bytes not followed by CRLF: %q", n, buf)
		}
		v.Text = string(buf[:n])
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return v, fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		if typ == '%' || typ == '|' {
			n *= 2
		}
		v.Elems = make([]respValue, 0, n)
		for range n {
			e, err := readRESPInto(br, raw)
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, e)
		}
	default:
		return v, fmt.Errorf("unknown reply type in %q", line)
	}
	return v, nil
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// rawClient is a plain TCP connection for byte-exact protocol checks.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write to %s: %v", c.nc.RemoteAddr(), err)
	}
}

// read reads one reply.
func (c *rawClient) read() respValue {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	v, err := readRESP(c.br)
	if err != nil {
		c.t.Fatalf("read from %s: %v", c.nc.RemoteAddr(), err)
	}
	return v
}

// do sends one command and reads its reply.
func (c *rawClient) do(args ...string) respValue {
	c.t.Helper()
	c.write(encodeCommand(args...))
	return c.read()
}

// pipeline sends cmds to addr in one write, on a new connection, and returns their replies.
func pipeline(t testing.TB, addr string, cmds [][]string) []string {
	t.Helper()
	var req []byte
	for _, cmd := range cmds {
		req = append(req, encodeCommand(cmd...)...)
	}
	cl := dialRaw(t, addr)
	cl.write(req)
	out := make([]string, len(cmds))
	for i := range out {
		out[i] = cl.read().String()
	}
	return out
}

// readToEOF returns every byte the server sends until it closes the connection, and whether it
// did close it within ioTimeout.
func (c *rawClient) readToEOF() ([]byte, bool) {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	b, err := io.ReadAll(c.br)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return b, false
		}
		// A reset after the reply (the server closed with unread input) counts as closed.
	}
	return b, true
}

// splitArgs splits a command line at spaces; "double quotes" group an argument (without
// escapes), and "" is an empty one.
func splitArgs(line string) []string {
	var out []string
	for {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			return out
		}
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				panic("unbalanced quotes in test command " + line)
			}
			out = append(out, line[1:1+end])
			line = line[2+end:]
			continue
		}
		end := strings.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		out = append(out, line[:end])
		line = line[end:]
	}
}

// fromGoRedis converts a go-redis Do result to a respValue. go-redis does not keep the difference
// between simple and bulk strings, so both become '$'; a nil reply becomes '_'.
func fromGoRedis(val any, err error) respValue {
	if err == redis.Nil {
		return respValue{Type: '_'}
	}
	if err != nil {
		return respValue{Type: '-', Text: err.Error()}
	}
	switch x := val.(type) {
	case nil:
		return respValue{Type: '_'}
	case string:
		return respValue{Type: '$', Text: x}
	case int64:
		return respValue{Type: ':', Text: strconv.FormatInt(x, 10)}
	case bool:
		return respValue{Type: '#', Text: strconv.FormatBool(x)}
	case float64:
		return respValue{Type: ',', Text: strconv.FormatFloat(x, 'g', -1, 64)}
	case error: // an error inside an aggregate
		return respValue{Type: '-', Text: x.Error()}
	case []any:
		v := respValue{Type: '*', Elems: []respValue{}}
		for _, e := range x {
			v.Elems = append(v.Elems, fromGoRedis(e, nil))
		}
		return v
	case map[any]any:
		v := respValue{Type: '%', Elems: []respValue{}}
		for k, e := range x {
			v.Elems = append(v.Elems, fromGoRedis(k, nil), fromGoRedis(e, nil))
		}
		return sortPairs(v) // Go maps have no order
	}
	return respValue{Type: '?', Text: fmt.Sprintf("%T %v", val, val)}
}

// sortPairs orders the key-value pairs of a map (or of a RESP2 array of pairs) by key.
func sortPairs(v respValue) respValue {
	if len(v.Elems)%2 != 0 {
		return v
	}
	type pair struct{ k, v respValue }
	pairs := make([]pair, 0, len(v.Elems)/2)
	for i := 0; i < len(v.Elems); i += 2 {
		pairs = append(pairs, pair{v.Elems[i], v.Elems[i+1]})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.String() < pairs[j].k.String() })
	out := v
	out.Elems = make([]respValue, 0, len(v.Elems))
	for _, p := range pairs {
		out.Elems = append(out.Elems, p.k, p.v)
	}
	return out
}

// withPairValues replaces the values of the named keys of a map (or RESP2 array of pairs) with
// placeholders: for fields such as a server version or a connection id that may differ.
func withPairValues(v respValue, keys ...string) respValue {
	if len(v.Elems)%2 != 0 || (v.Type != '%' && v.Type != '*') {
		return v
	}
	out := v
	out.Elems = append([]respValue(nil), v.Elems...)
	for i := 0; i < len(out.Elems); i += 2 {
		for _, k := range keys {
			if out.Elems[i].Text == k {
				out.Elems[i+1] = respValue{Type: '?', Text: "<" + k + ">"}
			}
		}
	}
	return out
}

// infoFields parses an INFO text into its section headers (in order) and fields.
func infoFields(text string) (sections []string, fields map[string]string) {
	fields = map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			sections = append(sections, line[2:])
		default:
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[k] = v
			}
		}
	}
	return sections, fields
}

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
