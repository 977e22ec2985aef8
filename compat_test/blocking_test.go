package compat_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Blocking list commands, run against a real redis-server and against flin-resp with the same
// expectations: several clients waiting on a key are served in the order they blocked, a write
// from another connection wakes them, timeouts answer a null array, and a client that goes away
// while blocked takes nothing with it. Readiness ("the client is blocked now") is polled through
// INFO's blocked_clients, which both servers report.

// TestBlockingCommandsMatchRedis runs the blocking cases against Redis and against flin-resp, one
// server of each (starting one per case would be slow, and parallel starts of redis-server can race
// for a port), after a first write: a fresh flin-resp elects itself leader in its first moments, and a
// short timeout should not run out while a blocking command waits for that.
func TestBlockingCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, addr string) {
		ctl := dialRaw(t, addr)
		if v := ctl.do("DEL", "warm-up"); v.isError() {
			t.Fatalf("first write: %s", v)
		}
		for _, tc := range blockingCases() {
			t.Run(tc.name, func(t *testing.T) {
				waitBlocked(t, ctl, 0)
				flushBoth(t, addr)
				tc.fn(t, addr)
			})
		}
	}
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		run(t, harness.StartRedis(t).Addr)
	})
	t.Run("flin-resp", func(t *testing.T) {
		t.Parallel()
		run(t, harness.Start(t, "").Addr)
	})
}

// readWithin reads one reply, waiting at most d.
func readWithin(c *rawClient, d time.Duration) (respValue, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	return readRESP(c.br)
}

// expectNoReply checks that c has no reply for d: it is still blocked.
func expectNoReply(t *testing.T, c *rawClient, d time.Duration, what string) {
	t.Helper()
	v, err := readWithin(c, d)
	var ne net.Error
	if err == nil {
		t.Fatalf("%s: got %s, want no reply yet", what, v)
	}
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%s: %v", what, err)
	}
}

// expectReply reads c's next reply and compares its rendering with want.
func expectReply(t *testing.T, c *rawClient, want, what string) {
	t.Helper()
	v, err := readWithin(c, ioTimeout)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if v.String() != want {
		t.Fatalf("%s: got %s, want %s", what, v, want)
	}
}

// waitBlocked polls INFO until n clients are blocked.
func waitBlocked(t *testing.T, ctl *rawClient, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	deadline := time.Now().Add(ioTimeout)
	for {
		info := ctl.do("INFO", "clients")
		if strings.Contains(info.Text, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %d blocked clients: %s", n, info.Text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// block sends a blocking command on a new connection and waits until the server counts it blocked
// (n clients blocked in all).
func block(t *testing.T, addr string, ctl *rawClient, n int, args ...string) *rawClient {
	t.Helper()
	c := dialRaw(t, addr)
	c.write(encodeCommand(args...))
	waitBlocked(t, ctl, n)
	return c
}

func bulks(ss ...string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("$%q", s)
	}
	return fmt.Sprintf("*%d[%s]", len(ss), strings.Join(parts, " "))
}

// blockingCase is a scenario run against one server at addr.
type blockingCase struct {
	name string
	fn   func(t *testing.T, addr string)
}

// blockingCases run one after another on each server, each after FLUSHALL and with no client
// blocked, so that INFO's blocked_clients counts the case's own clients.
func blockingCases() []blockingCase {
	return []blockingCase{
		{"clients blocked on a key are served in the order they blocked", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			a := block(t, addr, ctl, 1, "BLPOP", "k", "0")
			b := block(t, addr, ctl, 2, "BRPOP", "other", "k", "0")
			c := block(t, addr, ctl, 3, "BLPOP", "k", "0")
			if v := ctl.do("RPUSH", "k", "1"); v.String() != `:"1"` {
				t.Fatalf("RPUSH = %s", v)
			}
			expectReply(t, a, bulks("k", "1"), "first client")
			expectNoReply(t, b, 100*time.Millisecond, "second client after one element")
			ctl.do("RPUSH", "k", "2", "3")
			expectReply(t, b, bulks("k", "3"), "second client (BRPOP takes the tail)")
			expectReply(t, c, bulks("k", "2"), "third client")
			waitBlocked(t, ctl, 0)
			if v := ctl.do("EXISTS", "k"); v.String() != `:"0"` {
				t.Fatalf("EXISTS k after serving = %s", v)
			}
		}},
		{"twenty clients blocked on a key get one element each, in the order they blocked", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			var clients []*rawClient
			push := []string{"RPUSH", "k"}
			for i := 0; i < 20; i++ {
				clients = append(clients, block(t, addr, ctl, i+1, "BLPOP", "k", "other", "0"))
				push = append(push, fmt.Sprint(i))
			}
			ctl.do(push...)
			for i, c := range clients {
				expectReply(t, c, bulks("k", fmt.Sprint(i)), fmt.Sprintf("client %d", i))
			}
		}},
		{"elements pushed while consumers block and unblock reach exactly one consumer each", func(t *testing.T, addr string) {
			const consumers, producers, perProducer = 8, 4, 50
			got := make(chan string, producers*perProducer)
			errs := make(chan error, consumers+producers)
			var wg sync.WaitGroup
			for i := 0; i < consumers; i++ {
				nc, err := net.DialTimeout("tcp", addr, ioTimeout)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { nc.Close() })
				wg.Add(1)
				go func() {
					defer wg.Done()
					br := bufio.NewReader(nc)
					for {
						nc.SetDeadline(time.Now().Add(ioTimeout))
						if _, err := nc.Write(encodeCommand("BLPOP", "q", "1")); err != nil {
							errs <- err
							return
						}
						v, err := readRESP(br)
						switch {
						case err != nil:
							errs <- err
							return
						case v.Null || v.Type == '_':
							return // a second without elements: the producers are done
						case len(v.Elems) != 2:
							errs <- fmt.Errorf("BLPOP answered %s", v)
							return
						}
						got <- v.Elems[1].Text
					}
				}()
			}
			for p := 0; p < producers; p++ {
				c := dialRaw(t, addr)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perProducer; i++ {
						c.nc.SetDeadline(time.Now().Add(ioTimeout))
						if _, err := c.nc.Write(encodeCommand("RPUSH", "q", fmt.Sprintf("%d-%d", p, i))); err != nil {
							errs <- err
							return
						}
						if v, err := readRESP(c.br); err != nil || v.Type != ':' {
							errs <- fmt.Errorf("RPUSH: %s %v", v, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			close(got)
			seen := map[string]bool{}
			for v := range got {
				if seen[v] {
					t.Errorf("element %s delivered twice", v)
				}
				seen[v] = true
			}
			if len(seen) != producers*perProducer {
				t.Errorf("%d distinct elements delivered, want %d", len(seen), producers*perProducer)
			}
		}},
		{"blocked clients are woken by writes from other connections", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			pop := block(t, addr, ctl, 1, "BRPOPLPUSH", "src", "dst", "0")
			move := block(t, addr, ctl, 2, "BLMOVE", "src2", "dst", "LEFT", "RIGHT", "0")
			mpop := block(t, addr, ctl, 3, "BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2")
			ctl.do("LPUSH", "src", "x")
			expectReply(t, pop, `$"x"`, "BRPOPLPUSH")
			ctl.do("RPUSH", "src2", "y", "z")
			expectReply(t, move, `$"y"`, "BLMOVE")
			ctl.do("RPUSH", "m2", "a", "b", "c")
			expectReply(t, mpop, `*2[$"m2" *2[$"c" $"b"]]`, "BLMPOP")
			if v := ctl.do("LRANGE", "dst", "0", "-1"); v.String() != bulks("x", "y") {
				t.Fatalf("dst = %s", v)
			}
			if v := ctl.do("LRANGE", "m2", "0", "-1"); v.String() != bulks("a") {
				t.Fatalf("m2 = %s", v)
			}
		}},
		{"a blocked client takes from the first key with elements", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			ctl.do("RPUSH", "k3", "c")
			ctl.do("RPUSH", "k2", "b")
			c := dialRaw(t, addr)
			if v := c.do("BLPOP", "k1", "k2", "k3", "0"); v.String() != bulks("k2", "b") {
				t.Fatalf("BLPOP k1 k2 k3 with k2 and k3 full = %s", v)
			}
			w := block(t, addr, ctl, 1, "BLPOP", "k1", "k2", "0")
			ctl.do("RPUSH", "k2", "late")
			expectReply(t, w, bulks("k2", "late"), "BLPOP woken by its second key")
		}},
		{"a blocking pop times out with a null array", func(t *testing.T, addr string) {
			for _, proto := range []int{2, 3} {
				c := dialRaw(t, addr)
				if proto == 3 {
					c.do("HELLO", "3")
				}
				want := "*-1"
				if proto == 3 {
					want = "_"
				}
				for _, args := range [][]string{
					{"BLPOP", "k", "0.2"}, {"BRPOP", "a", "b", "0.1"}, {"BRPOPLPUSH", "k", "d", "0.1"},
					{"BLMOVE", "k", "d", "LEFT", "LEFT", "0.1"}, {"BLMPOP", "0.1", "1", "k", "LEFT"},
				} {
					start := time.Now()
					v := c.do(args...)
					if took := time.Since(start); took < 80*time.Millisecond || took > 5*time.Second {
						t.Errorf("%s %q timed out after %v", protoName(proto), args, took)
					}
					if v.String() != want {
						t.Errorf("%s %q = %s, want %s", protoName(proto), args, v, want)
					}
				}
			}
		}},
		{"a timed-out client leaves the queue to the next", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			short := block(t, addr, ctl, 1, "BLPOP", "k", "0.2")
			long := block(t, addr, ctl, 2, "BLPOP", "k", "0")
			expectReply(t, short, "*-1", "the client with a timeout")
			waitBlocked(t, ctl, 1)
			ctl.do("RPUSH", "k", "v")
			expectReply(t, long, bulks("k", "v"), "the client without")
		}},
		{"a client that disconnects while blocked takes nothing", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			gone := block(t, addr, ctl, 1, "BLPOP", "k", "0")
			gone.nc.Close()
			waitBlocked(t, ctl, 0)
			ctl.do("RPUSH", "k", "kept")
			if v := ctl.do("LRANGE", "k", "0", "-1"); v.String() != bulks("kept") {
				t.Fatalf("k after the blocked client left = %s", v)
			}
		}},
		{"commands pipelined around a blocking one keep their order", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			c := dialRaw(t, addr)
			c.write(append(append(encodeCommand("PING", "before"), encodeCommand("BLPOP", "k", "0")...),
				encodeCommand("PING", "after")...))
			expectReply(t, c, `$"before"`, "the reply before the blocking command")
			waitBlocked(t, ctl, 1)
			expectNoReply(t, c, 100*time.Millisecond, "the command after the blocking one")
			ctl.do("LPUSH", "k", "v")
			expectReply(t, c, bulks("k", "v"), "the blocking command")
			expectReply(t, c, `$"after"`, "the command after it")
		}},
		{"a blocked client waits through a key of another type", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			c := block(t, addr, ctl, 1, "BLPOP", "k", "0")
			ctl.do("SET", "k", "string")
			expectNoReply(t, c, 100*time.Millisecond, "BLPOP after SET k")
			ctl.do("DEL", "k")
			ctl.do("RPUSH", "k", "v")
			expectReply(t, c, bulks("k", "v"), "BLPOP after the list came back")
		}},
		{"BLMOVE to a destination of another type fails when served", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			c := block(t, addr, ctl, 1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
			ctl.do("SET", "dst", "string")
			ctl.do("RPUSH", "src", "v")
			expectReply(t, c, `-"WRONGTYPE Operation against a key holding the wrong kind of value"`, "BLMOVE")
			if v := ctl.do("LRANGE", "src", "0", "-1"); v.String() != bulks("v") {
				t.Fatalf("src = %s", v)
			}
		}},
		{"blocking pops of the same key in different databases are apart", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			c := dialRaw(t, addr)
			c.do("SELECT", "1")
			c.write(encodeCommand("BLPOP", "k", "0"))
			waitBlocked(t, ctl, 1)
			ctl.do("RPUSH", "k", "db0")
			expectNoReply(t, c, 100*time.Millisecond, "BLPOP in db 1 after a push in db 0")
			ctl.do("SELECT", "1")
			ctl.do("RPUSH", "k", "db1")
			expectReply(t, c, bulks("k", "db1"), "BLPOP in db 1")
		}},
		{"SWAPDB serves clients blocked in the swapped databases", func(t *testing.T, addr string) {
			ctl := dialRaw(t, addr)
			c := dialRaw(t, addr)
			c.do("SELECT", "1")
			c.write(encodeCommand("BLPOP", "k", "0"))
			waitBlocked(t, ctl, 1)
			ctl.do("RPUSH", "k", "from-db0")
			ctl.do("SWAPDB", "0", "1")
			expectReply(t, c, bulks("k", "from-db0"), "BLPOP in db 1 after SWAPDB 0 1")
		}},
	}
}

func TestShutdownClosesBlockedConnections(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "")
	ctl := dialRaw(t, s.Addr)
	c := block(t, s.Addr, ctl, 1, "BLPOP", "k", "0")
	start := time.Now()
	s.Stop()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown with a blocked client took %v", took)
	}
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	if b, err := bufio.NewReader(c.nc).ReadByte(); err == nil {
		t.Fatalf("blocked client read %q after shutdown, want EOF", b)
	}
}
