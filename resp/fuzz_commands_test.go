package resp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzCommandArguments sends fuzzed arguments to every command of the table through a real server
// (a single-node Raft cluster over an in-memory engine, on a loopback connection): whatever the
// arguments, the command must answer one well-formed reply, and the connection and server must stay
// healthy. It exercises every command's argument parser, prepare and apply. The input picks a
// command by its first byte; the rest, split at 0xff bytes, are its arguments (a few are taken from
// a small key set, so that commands meet existing values of every type).
//
// Run with go test -run '^$' -fuzz=FuzzCommandArguments -fuzztime=60s ./resp/
func FuzzCommandArguments(f *testing.F) {
	db, node := startNode(f)
	srv := NewServer(Config{Logger: quietLogger(), MaxBulkLen: 1 << 20}, db, node)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(ln)
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	names := fuzzableCommands(srv.commands)

	seeds := [][]string{
		{"set", "k0", "v", "EX", "100"}, {"incrbyfloat", "k0", "1e308"}, {"lpush", "k1", "a", "b"},
		{"zadd", "k2", "NX", "1", "a"}, {"hset", "k3", "f", "v"}, {"sadd", "k4", "x"},
		{"setrange", "k0", "536870911", "x"}, {"bitfield", "k0", "SET", "i64", "#3", "-1"},
		{"zrange", "k2", "(1", "+inf", "BYSCORE", "LIMIT", "0", "-1"}, {"lpos", "k1", "a", "RANK", "-9223372036854775808"},
		{"multi"}, {"exec"}, {"watch", "k0"}, {"scan", "0", "MATCH", "[a-", "COUNT", "0"},
		{"object", "encoding", "k1"}, {"copy", "k1", "k5", "DB", "15", "REPLACE"}, {"client", "setname", "a b"},
		// A numkeys whose sum with its position overflows (ZMPOP's crashed the server).
		{"zmpop", "9223372036854775807", "k2", "MIN"}, {"bzmpop", "0", "9223372036854775807", "k2", "MAX"},
		{"lmpop", "9223372036854775807", "k1", "LEFT"}, {"blmpop", "0", "9223372036854775807", "k1", "LEFT"},
		{"sintercard", "9223372036854775807", "k4"}, {"zintercard", "9223372036854775807", "k2"},
		{"zunionstore", "k5", "9223372036854775807", "k2"}, {"zdiff", "9223372036854775806", "k2"},
	}
	for _, s := range seeds {
		for i, n := range names {
			if n == s[0] {
				f.Add(append([]byte{byte(i)}, []byte(strings.Join(s[1:], "\xff"))...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		args := [][]byte{[]byte(names[int(in[0])%len(names)])}
		if len(in) > 1 {
			for _, a := range bytes.Split(in[1:], []byte{0xff}) {
				if len(a) == 1 && a[0] < 8 {
					a = fmt.Appendf(nil, "k%d", a[0]) // a key of the shared set
				}
				args = append(args, a)
			}
		}
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		var req bytes.Buffer
		writeCommand(&req, args...)
		marker := fmt.Sprintf("end-%d", time.Now().UnixNano())
		writeCommand(&req, []byte("ECHO"), []byte(marker))
		if _, err := nc.Write(req.Bytes()); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(nc)
		// One reply to the command (HELLO may switch the connection to RESP3), then the marker.
		if err := skipReply(br); err != nil {
			t.Fatalf("%q: reading its reply: %v", args, err)
		}
		if err := skipReply(br); err != nil {
			t.Fatalf("%q: reading the ECHO after it: %v", args, err)
		}
	})
}

// fuzzableCommands are the table's commands but those that would stop the fuzzer rather than
// answer: blocking commands (a zero timeout waits forever), QUIT, SHUTDOWN if present, and RAFT
// (RAFT ADD of a server that does not exist leaves a single node without a quorum).
func fuzzableCommands(t commandTable) []string {
	var out []string
	for _, c := range t.sorted() {
		if c.block != nil || c.name == "quit" || c.name == "shutdown" || c.name == "monitor" || c.name == "raft" {
			continue
		}
		out = append(out, c.name)
	}
	return out
}

func writeCommand(b *bytes.Buffer, args ...[]byte) {
	fmt.Fprintf(b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(b, "$%d\r\n%s\r\n", len(a), a)
	}
}

// skipReply reads one RESP2 or RESP3 reply and checks its framing.
func skipReply(br *bufio.Reader) error {
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '(', '_':
		return nil
	case '$', '=', '!':
		var n int
		if _, err := fmt.Sscan(body, &n); err != nil {
			return fmt.Errorf("bad length %q", line)
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		if !bytes.HasSuffix(buf, []byte("\r\n")) {
			return fmt.Errorf("bulk of %d bytes without CRLF", n)
		}
		return nil
	case '*', '%', '~', '>', '|':
		var n int
		if _, err := fmt.Sscan(body, &n); err != nil {
			return fmt.Errorf("bad length %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for range n {
			if err := skipReply(br); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line)
}
