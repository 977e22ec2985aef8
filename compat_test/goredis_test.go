package compat_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestGoRedisTypedCommands drives every command through go-redis's typed API, in RESP3 (its
// default) and RESP2, and checks the replies as a Go program sees them. The same checks run
// against a real redis-server, which proves the expectations are Redis's.
func TestGoRedisTypedCommands(t *testing.T) {
	t.Parallel()
	t.Run("flin-resp", func(t *testing.T) {
		t.Parallel()
		s := harness.Start(t, "")
		for _, proto := range respProtocols {
			t.Run(protoName(proto), func(t *testing.T) { goRedisSuite(t, s.Addr, proto, false) })
		}
	})
	t.Run("redis-server", func(t *testing.T) {
		t.Parallel()
		r := harness.StartRedis(t)
		for _, proto := range respProtocols {
			t.Run(protoName(proto), func(t *testing.T) { goRedisSuite(t, r.Addr, proto, true) })
		}
	})
}

// grEnv is what the subtests of goRedisSuite share.
type grEnv struct {
	addr    string
	proto   int
	isRedis bool
	ctx     context.Context
	c       *redis.Client // database 0
}

// db returns a client of database n.
func (e grEnv) db(t *testing.T, n int) *redis.Client {
	return newGoRedis(t, e.addr, e.proto, func(o *redis.Options) { o.DB = n })
}

func (e grEnv) key(name string) string { return fmt.Sprintf("p%d:%s", e.proto, name) }

// conn returns a connection of a client of its own, so that the state it changes (name,
// database, protocol) cannot reach another subtest through a pool.
func (e grEnv) conn(t *testing.T) *redis.Conn {
	cn := newGoRedis(t, e.addr, e.proto, func(o *redis.Options) { o.PoolSize = 1 }).Conn()
	t.Cleanup(func() { cn.Close() })
	return cn
}

func wantErr(t *testing.T, what string, err error, text string) {
	t.Helper()
	if err == nil || err.Error() != text {
		t.Errorf("%s: error %v, want %q", what, err, text)
	}
}

func wantNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != redis.Nil {
		t.Errorf("%s: error %v, want redis.Nil", what, err)
	}
}

func check(t *testing.T, what string, got, want any, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// within checks a TTL: more than lo, at most hi.
func within(t *testing.T, what string, got time.Duration, err error, lo, hi time.Duration) {
	t.Helper()
	if err != nil || got <= lo || got > hi {
		t.Errorf("%s = %v, %v; want in (%v, %v]", what, got, err, lo, hi)
	}
}

// pairsOf turns a map reply, RESP3 map or RESP2 flat array, into a Go map.
func pairsOf(v any) map[string]any {
	out := map[string]any{}
	switch x := v.(type) {
	case map[any]any:
		for k, e := range x {
			out[fmt.Sprint(k)] = e
		}
	case []any:
		for i := 0; i+1 < len(x); i += 2 {
			out[fmt.Sprint(x[i])] = x[i+1]
		}
	}
	return out
}

func goRedisSuite(t *testing.T, addr string, proto int, isRedis bool) {
	e := grEnv{addr: addr, proto: proto, isRedis: isRedis, ctx: ctxTimeout(t), c: newGoRedis(t, addr, proto)}
	ctx, c := e.ctx, e.c

	// Connection.
	t.Run("PING answers PONG and ECHO returns its argument", func(t *testing.T) {
		v, err := c.Ping(ctx).Result()
		check(t, "PING", v, "PONG", err)
		v, err = c.Echo(ctx, "hello world").Result()
		check(t, "ECHO", v, "hello world", err)
		x, err := c.Do(ctx, "ping", "msg").Result()
		check(t, "PING msg", x, "msg", err)
	})
	t.Run("HELLO answers the server's properties in the protocol asked for", func(t *testing.T) {
		cn := e.conn(t)
		for _, v := range []int{2, 3, proto} {
			m, err := cn.Hello(ctx, v, "", "", "").Result()
			if err != nil {
				t.Fatalf("HELLO %d: %v", v, err)
			}
			id, _ := m["id"].(int64)
			version, _ := m["version"].(string)
			mods, ok := m["modules"].([]any)
			if m["server"] != "redis" || m["proto"] != int64(v) || m["mode"] != "standalone" ||
				m["role"] != "master" || id <= 0 || !strings.HasPrefix(version, "7.") || !ok || len(mods) != 0 {
				t.Errorf("HELLO %d = %#v", v, m)
			}
			_, err = cn.Get(ctx, e.key("hello-missing")).Result()
			wantNil(t, fmt.Sprintf("GET after HELLO %d", v), err)
		}
	})
	t.Run("HELLO SETNAME names the connection", func(t *testing.T) {
		cn := e.conn(t)
		if _, err := cn.Hello(ctx, proto, "", "", "hello-name").Result(); err != nil {
			t.Fatal(err)
		}
		v, err := cn.ClientGetName(ctx).Result()
		check(t, "CLIENT GETNAME", v, "hello-name", err)
	})
	t.Run("HELLO refuses an unsupported protocol version with NOPROTO", func(t *testing.T) {
		for _, v := range []any{1, 4, -1} {
			wantErr(t, fmt.Sprint("HELLO ", v), c.Do(ctx, "hello", v).Err(), "NOPROTO unsupported protocol version")
		}
		wantErr(t, "HELLO x", c.Do(ctx, "hello", "x").Err(), "ERR Protocol version is not an integer or out of range")
		wantErr(t, "HELLO 3 FOO", c.Do(ctx, "hello", 3, "foo").Err(), "ERR Syntax error in HELLO option 'foo'")
	})
	t.Run("a client named in its options carries that name", func(t *testing.T) {
		named := newGoRedis(t, addr, proto, func(o *redis.Options) { o.ClientName = "opt-name" })
		v, err := named.ClientGetName(ctx).Result()
		check(t, "CLIENT GETNAME", v, "opt-name", err)
	})
	t.Run("a client of database N reads and writes that database only", func(t *testing.T) {
		d9 := e.db(t, 9)
		k := e.key("db-k")
		if err := d9.Set(ctx, k, "in9", 0).Err(); err != nil {
			t.Fatal(err)
		}
		v, err := d9.Get(ctx, k).Result()
		check(t, "GET in db 9", v, "in9", err)
		_, err = c.Get(ctx, k).Result()
		wantNil(t, "GET in db 0", err)
		cn := e.conn(t)
		check(t, "SELECT 9", cn.Select(ctx, 9).Val(), "OK", cn.Select(ctx, 9).Err())
		v, err = cn.Get(ctx, k).Result()
		check(t, "GET after SELECT 9", v, "in9", err)
	})
	t.Run("SELECT refuses a database out of range", func(t *testing.T) {
		cn := e.conn(t)
		wantErr(t, "SELECT 16", cn.Select(ctx, 16).Err(), "ERR DB index is out of range")
		wantErr(t, "SELECT -1", cn.Select(ctx, -1).Err(), "ERR DB index is out of range")
		bad := newGoRedis(t, addr, proto, func(o *redis.Options) { o.DB = 16 })
		if err := bad.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "ERR DB index is out of range") {
			t.Errorf("client of database 16: PING error %v", err)
		}
	})
	t.Run("CLIENT ID is positive and differs per connection", func(t *testing.T) {
		a, err := e.conn(t).ClientID(ctx).Result()
		if err != nil || a <= 0 {
			t.Fatalf("CLIENT ID = %d, %v", a, err)
		}
		b, err := e.conn(t).ClientID(ctx).Result()
		if err != nil || b <= 0 || a == b {
			t.Errorf("CLIENT ID of two connections: %d and %d, %v", a, b, err)
		}
	})
	t.Run("CLIENT SETNAME and GETNAME round-trip", func(t *testing.T) {
		cn := e.conn(t)
		_, err := cn.ClientGetName(ctx).Result()
		wantNil(t, "CLIENT GETNAME before SETNAME", err)
		ok, err := cn.ClientSetName(ctx, "n1").Result()
		check(t, "CLIENT SETNAME", ok, true, err)
		v, err := cn.ClientGetName(ctx).Result()
		check(t, "CLIENT GETNAME", v, "n1", err)
		wantErr(t, "CLIENT SETNAME with a space", cn.ClientSetName(ctx, "a b").Err(),
			"ERR Client names cannot contain spaces, newlines or special characters.")
		wantErr(t, "CLIENT NOSUCH", cn.Do(ctx, "client", "nosuch").Err(), "ERR unknown subcommand 'nosuch'. Try CLIENT HELP.")
	})
	t.Run("CLIENT SETINFO records the library name and version", func(t *testing.T) {
		if isRedis {
			t.Skip("Redis 7.0 has no CLIENT SETINFO (7.2 added it)")
		}
		cn := e.conn(t)
		check(t, "SETINFO LIB-NAME", "OK", "OK", cn.ClientSetInfo(ctx, redis.WithLibraryName("go-test")).Err())
		check(t, "SETINFO LIB-VER", "OK", "OK", cn.ClientSetInfo(ctx, redis.WithLibraryVersion("1.2.3")).Err())
		wantErr(t, "SETINFO LIB-NAME with a space", cn.Do(ctx, "client", "setinfo", "lib-name", "a b").Err(),
			"ERR lib-name cannot contain spaces, newlines or special characters.")
		wantErr(t, "SETINFO LIB-VER with a newline", cn.Do(ctx, "client", "setinfo", "lib-ver", "1\n2").Err(),
			"ERR lib-ver cannot contain spaces, newlines or special characters.")
		wantErr(t, "SETINFO FOO", cn.Do(ctx, "client", "setinfo", "foo", "x").Err(), "ERR Unrecognized option 'foo'")
		wantErr(t, "SETINFO without a value", cn.Do(ctx, "client", "setinfo", "lib-name").Err(),
			"ERR wrong number of arguments for 'client|setinfo' command")
	})
	t.Run("QUIT answers OK", func(t *testing.T) {
		cn := e.conn(t)
		v, err := cn.Do(ctx, "quit").Result()
		check(t, "QUIT", v, "OK", err)
	})

	// Server.
	t.Run("COMMAND describes the commands in a form go-redis parses", func(t *testing.T) {
		cmds, err := c.Command(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]redis.CommandInfo{
			"get":    {Arity: 2, FirstKeyPos: 1, LastKeyPos: 1, StepCount: 1, ReadOnly: true},
			"set":    {Arity: -3, FirstKeyPos: 1, LastKeyPos: 1, StepCount: 1},
			"mset":   {Arity: -3, FirstKeyPos: 1, LastKeyPos: -1, StepCount: 2},
			"del":    {Arity: -2, FirstKeyPos: 1, LastKeyPos: -1, StepCount: 1},
			"ping":   {Arity: -1},
			"hello":  {Arity: -1},
			"config": {Arity: -2},
		} {
			got := cmds[name]
			if got == nil || got.Name != name || got.Arity != want.Arity || got.FirstKeyPos != want.FirstKeyPos ||
				got.LastKeyPos != want.LastKeyPos || got.StepCount != want.StepCount || got.ReadOnly != want.ReadOnly {
				t.Errorf("COMMAND entry of %s = %+v, want %+v", name, got, want)
			}
		}
		n, err := c.Do(ctx, "command", "count").Int64()
		check(t, "COMMAND COUNT", n, len(cmds), err)
		// Redis lists subcommands ("client|id") too; COUNT counts commands only.
		list, err := c.CommandList(ctx, nil).Result()
		if err != nil || int64(len(list)) < n {
			t.Errorf("COMMAND LIST has %d names, %v; COMMAND COUNT is %d", len(list), err, n)
		}
		list, err = c.CommandList(ctx, &redis.FilterBy{Pattern: "pe*"}).Result()
		if l := " " + strings.Join(list, " ") + " "; err != nil || !strings.Contains(l, " persist ") ||
			!strings.Contains(l, " pexpire ") || strings.Contains(l, " get ") {
			t.Errorf("COMMAND LIST FILTERBY PATTERN pe* = %q, %v", list, err)
		}
	})
	t.Run("COMMAND INFO answers nil for an unknown command", func(t *testing.T) {
		v, err := c.Do(ctx, "command", "info", "get", "nosuch").Slice()
		if err != nil || len(v) != 2 || v[1] != nil {
			t.Fatalf("COMMAND INFO get nosuch = %#v, %v", v, err)
		}
		if info, ok := v[0].([]any); !ok || len(info) < 7 || info[0] != "get" || info[1] != int64(2) {
			t.Errorf("COMMAND INFO get = %#v", v[0])
		}
	})
	t.Run("COMMAND DOCS describes the named commands", func(t *testing.T) {
		v, err := c.Do(ctx, "command", "docs", "get", "nosuch").Result()
		if err != nil {
			t.Fatal(err)
		}
		docs := pairsOf(v)
		if len(docs) != 1 {
			t.Fatalf("COMMAND DOCS get nosuch = %#v", v)
		}
		get := pairsOf(docs["get"])
		if s, _ := get["summary"].(string); s == "" || get["group"] != "string" {
			t.Errorf("COMMAND DOCS get = %#v", docs["get"])
		}
	})
	t.Run("CONFIG GET returns save, appendonly and databases, by name or pattern", func(t *testing.T) {
		m, err := c.ConfigGet(ctx, "save").Result()
		check(t, "CONFIG GET save", m, map[string]string{"save": ""}, err)
		m, err = c.ConfigGet(ctx, "appendonly").Result()
		if v := m["appendonly"]; err != nil || len(m) != 1 || v != "yes" && v != "no" {
			t.Errorf("CONFIG GET appendonly = %v, %v", m, err)
		}
		m, err = c.ConfigGet(ctx, "databases").Result()
		check(t, "CONFIG GET databases", m, map[string]string{"databases": "16"}, err)
		m, err = c.ConfigGet(ctx, "databa*").Result()
		check(t, "CONFIG GET databa*", m, map[string]string{"databases": "16"}, err)
		m, err = c.ConfigGet(ctx, "*").Result()
		if err != nil || m["databases"] != "16" || m["save"] != "" || m["appendonly"] == "" {
			t.Errorf("CONFIG GET * = %v, %v", m, err)
		}
		_, port, _ := net.SplitHostPort(addr)
		m, err = c.ConfigGet(ctx, "port").Result()
		check(t, "CONFIG GET port", m, map[string]string{"port": port}, err)
		m, err = c.ConfigGet(ctx, "nosuch").Result()
		check(t, "CONFIG GET nosuch", len(m), 0, err)
		wantErr(t, "CONFIG NOSUCH", c.Do(ctx, "config", "nosuch").Err(), "ERR unknown subcommand 'nosuch'. Try CONFIG HELP.")
	})
	t.Run("INFO sections parse with go-redis", func(t *testing.T) {
		m, err := c.InfoMap(ctx, "server", "clients", "persistence", "keyspace", "replication").Result()
		if err != nil {
			t.Fatal(err)
		}
		for sec, fields := range map[string][]string{
			"Server":      {"redis_version", "redis_mode", "tcp_port", "uptime_in_seconds", "process_id"},
			"Clients":     {"connected_clients"},
			"Persistence": {"loading", "rdb_changes_since_last_save"},
			"Replication": {"role", "connected_slaves"},
		} {
			for _, f := range fields {
				if _, ok := m[sec][f]; !ok {
					t.Errorf("INFO %s has no %s: %v", sec, f, m[sec])
				}
			}
		}
		if _, ok := m["Keyspace"]; !ok {
			t.Errorf("INFO has no Keyspace section: %v", m)
		}
		if m["Persistence"]["loading"] != "0" || m["Clients"]["connected_clients"] == "0" {
			t.Errorf("INFO persistence %v, clients %v", m["Persistence"], m["Clients"])
		}
	})
	t.Run("DBSIZE counts the keys of the selected database only", func(t *testing.T) {
		d10, d11 := e.db(t, 10), e.db(t, 11)
		d10.FlushDB(ctx)
		d11.FlushDB(ctx)
		if err := d10.MSet(ctx, "a", 1, "b", 2, "c", 3).Err(); err != nil {
			t.Fatal(err)
		}
		n, err := d10.DBSize(ctx).Result()
		check(t, "DBSIZE of db 10", n, 3, err)
		n, err = d11.DBSize(ctx).Result()
		check(t, "DBSIZE of db 11", n, 0, err)
	})
	t.Run("FLUSHDB empties only the selected database", func(t *testing.T) {
		d12, d13 := e.db(t, 12), e.db(t, 13)
		d12.Set(ctx, "a", 1, 0)
		d13.Set(ctx, "a", 1, 0)
		check(t, "FLUSHDB", d12.FlushDB(ctx).Val(), "OK", d12.FlushDB(ctx).Err())
		check(t, "FLUSHDB ASYNC", d12.FlushDBAsync(ctx).Val(), "OK", d12.FlushDBAsync(ctx).Err())
		n, err := d12.DBSize(ctx).Result()
		check(t, "DBSIZE of the flushed db", n, 0, err)
		n, err = d13.DBSize(ctx).Result()
		check(t, "DBSIZE of another db", n, 1, err)
	})
	t.Run("FLUSHALL empties every database", func(t *testing.T) {
		d14 := e.db(t, 14)
		d14.Set(ctx, "a", 1, 0)
		c.Set(ctx, e.key("a"), 1, 0)
		check(t, "FLUSHALL", c.FlushAll(ctx).Val(), "OK", c.FlushAll(ctx).Err())
		for _, cl := range []*redis.Client{c, d14} {
			n, err := cl.DBSize(ctx).Result()
			check(t, "DBSIZE after FLUSHALL", n, 0, err)
		}
		check(t, "FLUSHALL ASYNC", c.FlushAllAsync(ctx).Val(), "OK", c.FlushAllAsync(ctx).Err())
	})

	// Strings.
	t.Run("GET of a missing key is nil", func(t *testing.T) {
		_, err := c.Get(ctx, e.key("missing")).Result()
		wantNil(t, "GET", err)
	})
	t.Run("SET stores binary-safe values", func(t *testing.T) {
		k := e.key("bin")
		val := "a\r\nb\x00c" + strings.Repeat("z", 100000)
		check(t, "SET", c.Set(ctx, k, val, 0).Val(), "OK", c.Set(ctx, k, val, 0).Err())
		v, err := c.Get(ctx, k).Result()
		if err != nil || v != val {
			t.Errorf("GET returned %d bytes, %v; want %d", len(v), err, len(val))
		}
	})
	t.Run("SET with an expiration sets a TTL in seconds or milliseconds", func(t *testing.T) {
		k := e.key("ex")
		c.Set(ctx, k, "v", 100*time.Second)
		d, err := c.TTL(ctx, k).Result()
		within(t, "TTL after SET EX 100", d, err, 97*time.Second, 100*time.Second)
		c.Set(ctx, k, "v", 50500*time.Millisecond)
		d, err = c.PTTL(ctx, k).Result()
		within(t, "PTTL after SET PX 50500", d, err, 47*time.Second, 50500*time.Millisecond)
	})
	t.Run("SET EXAT and PXAT set an absolute expiry", func(t *testing.T) {
		k := e.key("exat")
		at := time.Now().Add(100 * time.Second).Truncate(time.Second)
		check(t, "SET EXAT", "OK", "OK", c.SetArgs(ctx, k, "v", redis.SetArgs{ExpireAt: at}).Err())
		d, err := c.TTL(ctx, k).Result()
		within(t, "TTL after SET EXAT", d, err, 96*time.Second, 100*time.Second)
		at = time.Now().Add(80*time.Second + 123*time.Millisecond)
		check(t, "SET PXAT", "OK", "OK", c.SetArgs(ctx, k, "v", redis.SetArgs{ExpireAt: at}).Err())
		d, err = c.PTTL(ctx, k).Result()
		within(t, "PTTL after SET PXAT", d, err, 77*time.Second, 80200*time.Millisecond)
	})
	t.Run("SET NX sets only a missing key and XX only an existing one", func(t *testing.T) {
		k := e.key("nx")
		ok, err := c.SetXX(ctx, k, "x", 0).Result()
		check(t, "SET XX of a missing key", ok, false, err)
		ok, err = c.SetNX(ctx, k, "1", 0).Result()
		check(t, "SET NX of a missing key", ok, true, err)
		ok, err = c.SetNX(ctx, k, "2", 0).Result()
		check(t, "SET NX of an existing key", ok, false, err)
		ok, err = c.SetXX(ctx, k, "3", time.Minute).Result()
		check(t, "SET XX EX of an existing key", ok, true, err)
		v, err := c.Get(ctx, k).Result()
		check(t, "GET", v, "3", err)
		_, err = c.SetArgs(ctx, k, "4", redis.SetArgs{Mode: "NX"}).Result()
		wantNil(t, "SET NX through SetArgs", err)
	})
	t.Run("SET KEEPTTL keeps the expiry", func(t *testing.T) {
		k := e.key("keepttl")
		c.Set(ctx, k, "v", 100*time.Second)
		check(t, "SET KEEPTTL", "OK", "OK", c.Set(ctx, k, "w", redis.KeepTTL).Err())
		d, err := c.TTL(ctx, k).Result()
		within(t, "TTL after SET KEEPTTL", d, err, 97*time.Second, 100*time.Second)
		c.Set(ctx, k, "x", 0)
		d, err = c.TTL(ctx, k).Result()
		check(t, "TTL after a plain SET", d, time.Duration(-1), err)
	})
	t.Run("SET GET returns the old value", func(t *testing.T) {
		k := e.key("setget")
		_, err := c.SetArgs(ctx, k, "1", redis.SetArgs{Get: true}).Result()
		wantNil(t, "SET GET of a missing key", err)
		v, err := c.SetArgs(ctx, k, "2", redis.SetArgs{Get: true}).Result()
		check(t, "SET GET", v, "1", err)
		v, err = c.SetArgs(ctx, k, "3", redis.SetArgs{Get: true, Mode: "NX"}).Result()
		check(t, "SET NX GET of an existing key", v, "2", err)
		v, err = c.Get(ctx, k).Result()
		check(t, "GET", v, "2", err)
	})
	t.Run("SET refuses conflicting options with a syntax error", func(t *testing.T) {
		k := e.key("conflict")
		for _, args := range [][]any{{"nx", "xx"}, {"ex", 10, "px", 100}, {"keepttl", "ex", 10}, {"exat", 1, "pxat", 1}, {"foo"}} {
			all := append([]any{"set", k, "v"}, args...)
			wantErr(t, fmt.Sprint(all), c.Do(ctx, all...).Err(), "ERR syntax error")
		}
		wantErr(t, "SetArgs KEEPTTL with a TTL", c.SetArgs(ctx, k, "v", redis.SetArgs{KeepTTL: true, TTL: time.Minute}).Err(),
			"ERR syntax error")
	})
	t.Run("SET refuses an invalid expire time", func(t *testing.T) {
		k := e.key("invalid")
		for _, args := range [][]any{{"ex", 0}, {"ex", -1}, {"px", 0}, {"exat", 0}, {"pxat", -5}, {"ex", "9223372036854775807"}} {
			all := append([]any{"set", k, "v"}, args...)
			wantErr(t, fmt.Sprint(all), c.Do(ctx, all...).Err(), "ERR invalid expire time in 'set' command")
		}
		wantErr(t, "SET EX x", c.Do(ctx, "set", k, "v", "ex", "x").Err(), "ERR value is not an integer or out of range")
	})
	t.Run("DEL and EXISTS count keys, repeated ones included", func(t *testing.T) {
		a, b := e.key("del-a"), e.key("del-b")
		c.MSet(ctx, a, 1, b, 2)
		n, err := c.Exists(ctx, a, a, b, e.key("missing")).Result()
		check(t, "EXISTS", n, 3, err)
		n, err = c.Del(ctx, a, a, e.key("missing")).Result()
		check(t, "DEL", n, 1, err)
		n, err = c.Exists(ctx, a).Result()
		check(t, "EXISTS after DEL", n, 0, err)
	})
	t.Run("MSET sets every pair and MGET answers nil for missing keys", func(t *testing.T) {
		a, b := e.key("m-a"), e.key("m-b")
		check(t, "MSET", "OK", "OK", c.MSet(ctx, a, "1", b, "2").Err())
		v, err := c.MGet(ctx, a, e.key("missing"), b).Result()
		check(t, "MGET", fmt.Sprintf("%#v", v), fmt.Sprintf("%#v", []any{"1", nil, "2"}), err)
		wantErr(t, "MSET with a key and no value", c.Do(ctx, "mset", a).Err(), "ERR wrong number of arguments for 'mset' command")
		wantErr(t, "MSET with an odd count", c.Do(ctx, "mset", a, 1, b).Err(), "ERR wrong number of arguments for 'mset' command")
	})
	t.Run("INCR counts up from a missing key", func(t *testing.T) {
		k := e.key("incr")
		n, err := c.Incr(ctx, k).Result()
		check(t, "INCR", n, 1, err)
		n, err = c.Incr(ctx, k).Result()
		check(t, "INCR", n, 2, err)
		c.Set(ctx, k, "-10", 0)
		n, err = c.Incr(ctx, k).Result()
		check(t, "INCR of -10", n, -9, err)
	})
	t.Run("INCR fails on a non-integer value", func(t *testing.T) {
		k := e.key("incr-nan")
		for _, v := range []string{"abc", "1.5", " 1", "", "12345678901234567890"} {
			c.Set(ctx, k, v, 0)
			wantErr(t, fmt.Sprintf("INCR of %q", v), c.Incr(ctx, k).Err(), "ERR value is not an integer or out of range")
		}
	})
	t.Run("INCR fails when the result would overflow", func(t *testing.T) {
		k := e.key("incr-max")
		c.Set(ctx, k, "9223372036854775807", 0)
		wantErr(t, "INCR of MaxInt64", c.Incr(ctx, k).Err(), "ERR increment or decrement would overflow")
		v, err := c.Get(ctx, k).Result()
		check(t, "GET after a failed INCR", v, "9223372036854775807", err)
	})

	// Keys and expiry.
	t.Run("EXPIRE and PEXPIRE set a TTL and answer false for a missing key", func(t *testing.T) {
		k := e.key("expire")
		ok, err := c.Expire(ctx, e.key("missing"), time.Minute).Result()
		check(t, "EXPIRE of a missing key", ok, false, err)
		c.Set(ctx, k, "v", 0)
		ok, err = c.Expire(ctx, k, 100*time.Second).Result()
		check(t, "EXPIRE", ok, true, err)
		d, err := c.TTL(ctx, k).Result()
		within(t, "TTL", d, err, 97*time.Second, 100*time.Second)
		ok, err = c.PExpire(ctx, k, 60500*time.Millisecond).Result()
		check(t, "PEXPIRE", ok, true, err)
		d, err = c.PTTL(ctx, k).Result()
		within(t, "PTTL", d, err, 57*time.Second, 60500*time.Millisecond)
	})
	t.Run("EXPIRE NX, XX, GT and LT apply only when their condition holds", func(t *testing.T) {
		k := e.key("expire-cond")
		c.Set(ctx, k, "v", 0)
		steps := []struct {
			what string
			cmd  *redis.BoolCmd
			want bool
		}{
			{"XX without a TTL", c.ExpireXX(ctx, k, 100*time.Second), false},
			{"GT without a TTL", c.ExpireGT(ctx, k, 100*time.Second), false},
			{"NX without a TTL", c.ExpireNX(ctx, k, 100*time.Second), true},
			{"NX with a TTL", c.ExpireNX(ctx, k, 200*time.Second), false},
			{"GT with a shorter time", c.ExpireGT(ctx, k, 50*time.Second), false},
			{"GT with a longer time", c.ExpireGT(ctx, k, 200*time.Second), true},
			{"LT with a longer time", c.ExpireLT(ctx, k, 300*time.Second), false},
			{"LT with a shorter time", c.ExpireLT(ctx, k, 150*time.Second), true},
			{"XX with a TTL", c.ExpireXX(ctx, k, 120*time.Second), true},
		}
		for _, s := range steps {
			v, err := s.cmd.Result()
			check(t, "EXPIRE "+s.what, v, s.want, err)
		}
		d, err := c.TTL(ctx, k).Result()
		within(t, "TTL", d, err, 117*time.Second, 120*time.Second)
		wantErr(t, "EXPIRE NX XX", c.Do(ctx, "expire", k, 10, "nx", "xx").Err(),
			"ERR NX and XX, GT or LT options at the same time are not compatible")
		wantErr(t, "EXPIRE GT LT", c.Do(ctx, "expire", k, 10, "gt", "lt").Err(),
			"ERR GT and LT options at the same time are not compatible")
		wantErr(t, "EXPIRE FOO", c.Do(ctx, "expire", k, 10, "foo").Err(), "ERR Unsupported option foo")
		wantErr(t, "EXPIRE x", c.Do(ctx, "expire", k, "x").Err(), "ERR value is not an integer or out of range")
		wantErr(t, "EXPIRE overflowing", c.Do(ctx, "expire", k, "9223372036854775807").Err(),
			"ERR invalid expire time in 'expire' command")
		wantErr(t, "PEXPIRE overflowing", c.Do(ctx, "pexpire", k, "9223372036854775807").Err(),
			"ERR invalid expire time in 'pexpire' command")
	})
	t.Run("EXPIRE with a time in the past deletes the key", func(t *testing.T) {
		k := e.key("expire-past")
		c.Set(ctx, k, "v", 0)
		ok, err := c.Expire(ctx, k, -time.Second).Result()
		check(t, "EXPIRE -1", ok, true, err)
		n, err := c.Exists(ctx, k).Result()
		check(t, "EXISTS", n, 0, err)
	})
	t.Run("TTL and PTTL report -2 for a missing key and -1 without expiry", func(t *testing.T) {
		k := e.key("ttl")
		d, err := c.TTL(ctx, e.key("missing")).Result()
		check(t, "TTL of a missing key", d, time.Duration(-2), err)
		d, err = c.PTTL(ctx, e.key("missing")).Result()
		check(t, "PTTL of a missing key", d, time.Duration(-2), err)
		c.Set(ctx, k, "v", 0)
		d, err = c.TTL(ctx, k).Result()
		check(t, "TTL without expiry", d, time.Duration(-1), err)
		d, err = c.PTTL(ctx, k).Result()
		check(t, "PTTL without expiry", d, time.Duration(-1), err)
	})
	t.Run("PERSIST removes the expiry of a key", func(t *testing.T) {
		k := e.key("persist")
		c.Set(ctx, k, "v", time.Minute)
		ok, err := c.Persist(ctx, k).Result()
		check(t, "PERSIST", ok, true, err)
		d, err := c.TTL(ctx, k).Result()
		check(t, "TTL after PERSIST", d, time.Duration(-1), err)
		ok, err = c.Persist(ctx, k).Result()
		check(t, "PERSIST without expiry", ok, false, err)
		ok, err = c.Persist(ctx, e.key("missing")).Result()
		check(t, "PERSIST of a missing key", ok, false, err)
	})
	t.Run("a key is gone once its expiry has passed", func(t *testing.T) {
		k := e.key("short")
		c.Set(ctx, k, "v", 50*time.Millisecond)
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := c.Exists(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("key still exists 10s after a 50ms expiry")
			}
			time.Sleep(10 * time.Millisecond)
		}
		_, err := c.Get(ctx, k).Result()
		wantNil(t, "GET of an expired key", err)
		d, err := c.TTL(ctx, k).Result()
		check(t, "TTL of an expired key", d, time.Duration(-2), err)
	})

	// Pipelines.
	t.Run("a pipeline of mixed reads and writes gets its replies in order", func(t *testing.T) {
		k, n := e.key("pipe"), e.key("pipe-n")
		var (
			set, mset                 *redis.StatusCmd
			get1, get2, get3, getPing *redis.StringCmd
			incr1, incr2, del, exists *redis.IntCmd
			mget                      *redis.SliceCmd
			expire                    *redis.BoolCmd
			ttl                       *redis.DurationCmd
		)
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			set = p.Set(ctx, k, "1", 0)
			get1 = p.Get(ctx, k)
			incr1 = p.Incr(ctx, n)
			incr2 = p.Incr(ctx, n)
			get2 = p.Get(ctx, n)
			del = p.Del(ctx, k)
			get3 = p.Get(ctx, k)
			mset = p.MSet(ctx, k, "a", n, "b")
			mget = p.MGet(ctx, k, n)
			exists = p.Exists(ctx, k, n)
			expire = p.Expire(ctx, k, time.Minute)
			ttl = p.TTL(ctx, k)
			getPing = p.Echo(ctx, "end")
			return nil
		})
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		check(t, "SET", set.Val(), "OK", set.Err())
		check(t, "GET", get1.Val(), "1", get1.Err())
		check(t, "INCR", incr1.Val(), 1, incr1.Err())
		check(t, "INCR", incr2.Val(), 2, incr2.Err())
		check(t, "GET", get2.Val(), "2", get2.Err())
		check(t, "DEL", del.Val(), 1, del.Err())
		wantNil(t, "GET after DEL", get3.Err())
		check(t, "MSET", mset.Val(), "OK", mset.Err())
		check(t, "MGET", mget.Val(), []any{"a", "b"}, mget.Err())
		check(t, "EXISTS", exists.Val(), 2, exists.Err())
		check(t, "EXPIRE", expire.Val(), true, expire.Err())
		within(t, "TTL", ttl.Val(), ttl.Err(), 57*time.Second, time.Minute)
		check(t, "ECHO", getPing.Val(), "end", getPing.Err())
	})
	t.Run("an error in a pipeline does not disturb the replies after it", func(t *testing.T) {
		k := e.key("pipe-err")
		var incr *redis.IntCmd
		var get *redis.StringCmd
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, k, "x", 0)
			incr = p.Incr(ctx, k)
			p.Do(ctx, "nosuchcommand", "a")
			get = p.Get(ctx, k)
			return nil
		})
		if err == nil {
			t.Error("pipeline reported no error")
		}
		wantErr(t, "INCR in the pipeline", incr.Err(), "ERR value is not an integer or out of range")
		v, err := get.Result()
		check(t, "GET after the errors", v, "x", err)
	})
	t.Run("concurrent clients each see their own writes", func(t *testing.T) {
		const workers, ops = 8, 50
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				k := e.key(fmt.Sprintf("conc-%d", w))
				for i := 1; i <= ops; i++ {
					n, err := c.Incr(ctx, k).Result()
					if err == nil && n != int64(i) {
						err = fmt.Errorf("INCR %s = %d, want %d", k, n, i)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}
