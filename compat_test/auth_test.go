package compat_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

const authPassword = "s3cret"

// TestRequirePassMatchesRedis runs both servers with a password (flin-resp --requirepass, Redis
// requirepass) and compares what clients get before, during and after authentication.
func TestRequirePassMatchesRedis(t *testing.T) {
	t.Parallel()
	// harness.StartRedis waits for +PONG, which a server with a password does not send before
	// AUTH: set the password once it runs.
	rd := harness.StartRedis(t)
	if v := dialRaw(t, rd.Addr).do("CONFIG", "SET", "requirepass", authPassword); v.String() != `+"OK"` {
		t.Fatalf("CONFIG SET requirepass: %s", v)
	}
	fl := harness.Start(t, "", "--requirepass", authPassword)

	cases := []compatCase{
		{"commands before AUTH are refused with NOAUTH", []compatStep{
			same("GET k"), same("SET k v"), same("PING"), same("ECHO x"), same("SELECT 1"), same("CLIENT ID"),
			same("CLIENT SETNAME x"), same("COMMAND COUNT"), same("CONFIG GET save"), same("INFO"), same("DBSIZE"),
			same("FLUSHALL"), same("EXPIRE k 1"), same("MGET a b"), same("INCR n"),
		}},
		{"an unknown command or a wrong arity is reported before NOAUTH", []compatStep{
			same("NOSUCH x"), same("SET"), same("GET a b"),
		}},
		{"AUTH with a wrong password or user is refused with WRONGPASS", []compatStep{
			same("AUTH wrong"), same("AUTH default wrong"), same("AUTH nouser " + authPassword),
			same("AUTH DEFAULT " + authPassword), same("GET k"), same("AUTH a b c"), same("AUTH"),
		}},
		{"AUTH with the password authenticates the connection", []compatStep{
			same("AUTH " + authPassword), same("PING"), same("SET auth:k v"), same("GET auth:k"),
			same("AUTH wrong"), same("GET auth:k"), same("DEL auth:k"),
		}},
		{"AUTH default with the password authenticates the connection", []compatStep{
			same("AUTH default " + authPassword), same("PING"), same("CLIENT SETNAME n"), same("CLIENT GETNAME"),
		}},
		{"HELLO before authentication is refused unless it authenticates", []compatStep{
			same("HELLO"), same("HELLO 3"), same("HELLO 2 AUTH default wrong"), same("HELLO 3 AUTH nouser " + authPassword),
			same("PING"), hello("HELLO 3 AUTH default " + authPassword), same("PING"), same("GET auth:missing"),
		}},
		{"HELLO AUTH stands even when a later option is refused", []compatStep{
			same("HELLO 3 AUTH default " + authPassword + " FOO"), same("PING"), same("GET auth:missing"),
		}},
		{"HELLO SETNAME is checked and applied before an AUTH after it", []compatStep{
			same(`HELLO 3 SETNAME "a b" AUTH default ` + authPassword), same("PING"),
			same("HELLO 3 SETNAME early"), same("AUTH " + authPassword), same("CLIENT GETNAME"),
			hello("HELLO 2 SETNAME n AUTH default " + authPassword), same("CLIENT GETNAME"),
		}},
		{"HELLO with a bad version is refused before it authenticates", []compatStep{
			same("HELLO 4 AUTH default " + authPassword), same("HELLO x AUTH default " + authPassword), same("PING"),
		}},
		{"QUIT is allowed before AUTH", []compatStep{
			same("QUIT"),
		}},
	}
	t.Run("raw", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rc, fc := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
				for i, st := range tc.steps {
					r, f := rc.do(st.args...), fc.do(st.args...)
					if ok, rs, fs := st.agree(r, f); !ok {
						t.Errorf("step %d %q:\n redis:     %s\n flin-resp: %s", i, st.args, rs, fs)
					}
				}
			})
		}
	})

	// Before AUTH, Redis limits requests to 10 arguments of 16 KiB and closes the connection on
	// more; a pipelined AUTH lifts the limits for what follows it.
	t.Run("unauthenticated clients are held to Redis's request limits", func(t *testing.T) {
		big := strings.Repeat("x", 16385)
		for _, in := range []struct {
			name   string
			input  string
			closes bool
		}{
			{"more than 10 arguments", "*11\r\n$4\r\nPING\r\n", true},
			{"10 arguments", string(encodeCommand("PING", "1", "2", "3", "4", "5", "6", "7", "8", "9")), false},
			{"a bulk longer than 16384 bytes", "*2\r\n$4\r\nECHO\r\n$16385\r\n", true},
			{"a bulk of 16384 bytes", string(encodeCommand("ECHO", big[:16384])), false},
			{"a pipelined AUTH lifts the limits", "AUTH " + authPassword + "\r\n" +
				string(encodeCommand("ECHO", big)) + string(encodeCommand("MGET", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")), false},
		} {
			t.Run(in.name, func(t *testing.T) {
				compareExchange(t, rd.Addr, fl.Addr, []byte(in.input), in.closes)
			})
		}
	})

	for _, proto := range respProtocols {
		t.Run("go-redis "+protoName(proto), func(t *testing.T) {
			ctx := ctxTimeout(t)
			t.Run("a client with the password works", func(t *testing.T) {
				for _, addr := range []string{rd.Addr, fl.Addr} {
					for _, user := range []string{"", "default"} {
						c := newGoRedis(t, addr, proto, func(o *redis.Options) {
							o.Username, o.Password, o.ClientName, o.DB = user, authPassword, "authed", 1
						})
						if err := c.Set(ctx, "auth:go", "v", 0).Err(); err != nil {
							t.Errorf("%s user %q: SET: %v", addr, user, err)
						}
						v, err := c.ClientGetName(ctx).Result()
						check(t, addr+" CLIENT GETNAME", v, "authed", err)
					}
				}
			})
			// The errors come from redis-server: flin-resp must give the same.
			errOf := func(addr string, edit func(*redis.Options)) string {
				c := newGoRedis(t, addr, proto, edit)
				err := c.Get(ctx, "auth:go").Err()
				if err == nil {
					return "<nil>"
				}
				return err.Error()
			}
			for _, tc := range []struct {
				name string
				edit func(*redis.Options)
			}{
				{"a client with a wrong password fails as with Redis", func(o *redis.Options) { o.Password = "wrong" }},
				{"a client with an unknown user fails as with Redis", func(o *redis.Options) { o.Username, o.Password = "nouser", authPassword }},
				{"a client without a password gets NOAUTH as with Redis", func(o *redis.Options) {}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r, f := errOf(rd.Addr, tc.edit), errOf(fl.Addr, tc.edit)
					if r != f || r == "<nil>" {
						t.Errorf("error:\n redis:     %s\n flin-resp: %s", r, f)
					}
				})
			}
		})
	}
}

// compareExchange sends input to both servers on new connections and requires the same bytes back
// up to the close. When closes is false, the connection must still be open after input: a QUIT
// sent after it is answered.
// It returns flin-resp's bytes.
func compareExchange(t *testing.T, redisAddr, flinAddr string, input []byte, closes bool) []byte {
	t.Helper()
	if !closes {
		input = append(append([]byte(nil), input...), "QUIT\r\n"...)
	}
	var got [2][]byte
	for i, addr := range []string{redisAddr, flinAddr} {
		c := dialRaw(t, addr)
		c.write(input)
		b, closed := c.readToEOF()
		if !closed {
			t.Errorf("%s kept the connection open after %.100q: sent %.200q", addr, input, b)
		}
		if !closes && !bytes.HasSuffix(b, []byte("+OK\r\n")) {
			t.Errorf("%s did not answer the QUIT after %.100q: sent %.200q", addr, input, b)
		}
		got[i] = b
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Errorf("replies to %.100q:\n redis:     %.300q\n flin-resp: %.300q", input, got[0], got[1])
	}
	return got[1]
}
