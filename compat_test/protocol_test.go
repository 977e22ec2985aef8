package compat_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestRawProtocolMatchesRedis sends bytes over plain TCP connections to redis-server and flin-resp
// and requires the same bytes back: malformed requests, inline commands, unknown commands, QUIT
// and pipelines.
func TestRawProtocolMatchesRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")

	t.Run("a malformed request gets Redis's protocol error and the connection is closed", func(t *testing.T) {
		// A client connected before the bad ones must keep being served.
		bystander := dialRaw(t, fl.Addr)
		if v := bystander.do("SET", "proto:bystander", "v"); v.String() != `+"OK"` {
			t.Fatalf("SET: %s", v)
		}
		for _, tc := range []struct{ name, input string }{
			{"negative bulk length", "*1\r\n$-5\r\n"},
			{"multibulk count not a number", "*abc\r\n"},
			{"multibulk count too large", "*2147483648\r\n"},
			{"argument without a $ header", "*1\r\nfoo\r\n"},
			{"argument with a : header", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n"},
			{"bulk length not a number", "*1\r\n$x\r\n"},
			{"bulk length with a leading zero", "*1\r\n$01\r\nP\r\n"},
			{"bulk length above the 512 MB limit", "*1\r\n$600000000\r\n"},
			{"bulk length one above 512 MB", "*1\r\n$536870913\r\n"},
			{"unbalanced double quotes inline", "SET \"a b\r\n"},
			{"unbalanced single quotes inline", "SET 'a b\r\n"},
			{"closing quote followed by a character inline", "SET \"a\"b c\r\n"},
			{"inline request over 64 KB without a newline", strings.Repeat("x", 70000)},
			{"multibulk count line over 64 KB", "*" + strings.Repeat("1", 70000)},
			{"bulk length line over 64 KB", "*1\r\n$" + strings.Repeat("1", 70000)},
			{"a valid command before the error is answered", "PING\r\n*1\r\n$-1\r\n"},
			{"pipelined valid commands before the error are answered", "SET proto:a 1\r\nINCR proto:a\r\nGET proto:a\r\n*abc\r\nPING\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := compareExchange(t, rd.Addr, fl.Addr, []byte(tc.input), true)
				if i := bytes.Index(out, []byte("-ERR Protocol error: ")); i < 0 || !bytes.HasSuffix(out, []byte("\r\n")) ||
					bytes.Count(out[i:], []byte("\r\n")) != 1 {
					t.Errorf("flin-resp answered %q, want a protocol error as its last reply", out)
				}
				if v := bystander.do("GET", "proto:bystander"); v.String() != `$"v"` {
					t.Fatalf("the other client got %s", v)
				}
			})
		}
	})

	t.Run("requests Redis ignores or accepts are answered alike", func(t *testing.T) {
		for _, tc := range []struct{ name, input string }{
			{"empty lines and empty multibulks are skipped", "\r\n\r\n*0\r\n*-1\r\nPING\r\n"},
			{"inline commands split at spaces and honour quotes", "SET proto:i \"a b\"\r\nGET proto:i\r\nSET proto:j 'c d'\r\nGET proto:j\r\nECHO \"\\x41\\n\"\r\n  PING   \r\n"},
			{"an inline command may end with a bare newline", "PING\nECHO x\n"},
			{"an unknown inline command is refused and the connection stays open", "FOO bar baz\r\nPING\r\n"},
			{"an unknown multibulk command is refused and the connection stays open", string(encodeCommand("NOSUCH", "a", "b")) + "PING\r\n"},
			{"a bulk argument may hold CR, LF and NUL", "*2\r\n$4\r\nECHO\r\n$5\r\na\r\n\x00b\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				compareExchange(t, rd.Addr, fl.Addr, []byte(tc.input), false)
			})
		}
	})

	t.Run("a request written one byte at a time is assembled", func(t *testing.T) {
		c := dialRaw(t, fl.Addr)
		for _, b := range encodeCommand("ECHO", "split") {
			c.write([]byte{b})
		}
		if v := c.read(); v.String() != `$"split"` {
			t.Errorf("ECHO split = %s", v)
		}
	})

	t.Run("QUIT answers OK and closes the connection, ignoring what follows", func(t *testing.T) {
		compareExchange(t, rd.Addr, fl.Addr, []byte("PING\r\nQUIT\r\nPING\r\nSET proto:q 1\r\n"), true)
		if v := dialRaw(t, fl.Addr).do("EXISTS", "proto:q"); v.String() != `:"0"` {
			t.Errorf("EXISTS proto:q = %s: a command after QUIT ran", v)
		}
	})

	t.Run("a deep pipeline of mixed reads and writes gets its replies in order", func(t *testing.T) {
		// Large enough to take several reads and more than one Raft batch (values of 8 KiB).
		var in bytes.Buffer
		n := 0
		add := func(args ...string) { in.Write(encodeCommand(args...)); n++ }
		big := strings.Repeat("v", 8<<10)
		for i := range 600 {
			k := fmt.Sprintf("proto:pipe:%d", i%7)
			switch i % 6 {
			case 0:
				add("SET", k, fmt.Sprint(i))
				add("GET", k)
			case 1:
				add("INCR", "proto:pipe:n")
				add("GET", "proto:pipe:n")
			case 2:
				add("SET", k, big+fmt.Sprint(i))
				add("MGET", k, "proto:pipe:n", "proto:pipe:missing")
			case 3:
				add("DEL", k)
				add("EXISTS", k, "proto:pipe:n")
			case 4:
				add("MSET", k, "a", "proto:pipe:x", fmt.Sprint(i))
				add("INCR", k) // an error in the middle
				add("SELECT", fmt.Sprint(i%3))
			case 5:
				add("EXPIRE", k, "100")
				add("PING", fmt.Sprint(i))
				add("GET", k)
			}
		}
		add("SELECT", "0")
		var got [2][]string
		for i, addr := range []string{rd.Addr, fl.Addr} {
			c := dialRaw(t, addr)
			c.do("FLUSHALL")
			// Write from another goroutine: the replies (GETs of 8 KiB values) could fill the
			// socket buffers while the requests are still being sent.
			werr := make(chan error, 1)
			go func() {
				_, err := c.nc.Write(in.Bytes())
				werr <- err
			}()
			for range n {
				got[i] = append(got[i], c.read().String())
			}
			if err := <-werr; err != nil {
				t.Fatalf("%s: write: %v", addr, err)
			}
		}
		for j := range n {
			if got[0][j] != got[1][j] {
				t.Fatalf("reply %d of %d:\n redis:     %.200s\n flin-resp: %.200s", j, n, got[0][j], got[1][j])
			}
		}
	})
}

// TestBulkLimitFollowsProtoMaxBulkLen starts both servers with proto-max-bulk-len 1 MiB (Redis's
// smallest) and checks that a bulk argument of that size is accepted and one byte more is refused.
func TestBulkLimitFollowsProtoMaxBulkLen(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	rd := harness.StartRedis(t, "--proto-max-bulk-len", fmt.Sprint(limit))
	fl := harness.Start(t, "", "--proto-max-bulk-len", fmt.Sprint(limit))
	t.Run("a bulk argument at the limit is accepted", func(t *testing.T) {
		for _, addr := range []string{rd.Addr, fl.Addr} {
			c := dialRaw(t, addr)
			v := c.do("ECHO", strings.Repeat("b", limit))
			if v.Type != '$' || len(v.Text) != limit {
				t.Errorf("%s: ECHO of %d bytes answered %.80s", addr, limit, v)
			}
		}
	})
	t.Run("a bulk argument above the limit is refused and the connection closed", func(t *testing.T) {
		compareExchange(t, rd.Addr, fl.Addr, []byte(fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n", limit+1)), true)
	})
	t.Run("the limit is what CONFIG GET proto-max-bulk-len says", func(t *testing.T) {
		for _, addr := range []string{rd.Addr, fl.Addr} {
			v := dialRaw(t, addr).do("CONFIG", "GET", "proto-max-bulk-len")
			if v.String() != fmt.Sprintf(`*2[$"proto-max-bulk-len" $"%d"]`, limit) {
				t.Errorf("%s: %s", addr, v)
			}
		}
	})
}
