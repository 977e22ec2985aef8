package compat_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// transactionCases are MULTI/EXEC/WATCH sequences compared with Redis, four ways.
func transactionCases() []compatCase {
	return []compatCase{
		{"EXEC runs the queued commands in order and answers each", []compatStep{
			same("MULTI"), same("SET a 1"), same("INCR a"), same("GET a"), same("APPEND a x"), same("GET a"),
			same("EXEC"), same("GET a"),
		}},
		{"a command failing inside EXEC fails alone and the others apply", []compatStep{
			same("SET s str"), same("MULTI"), same("INCR s"), same("LPUSH s x"), same("SET t 1"), same("GET t"),
			same("EXEC"), same("GET t"), same("GET s"),
		}},
		{"bad options are reported by EXEC, not when queued", []compatStep{
			same("MULTI"), same("SET a 1 EX -1"), same("SET a 1 NX XX"), same("ZADD z NX XX 1 a"), same("GET a"),
			same("EXEC"),
		}},
		{"an unknown command while queuing aborts the transaction", []compatStep{
			same("MULTI"), same("SET a 1"), same("NOSUCHCOMMAND x"), same("EXEC"), same("GET a"),
		}},
		{"a wrong number of arguments while queuing aborts the transaction", []compatStep{
			same("MULTI"), same("SET a 1"), same("GET"), same("EXEC"), same("GET a"),
			same("MULTI"), same("EXEC extra"), same("EXEC"),
		}},
		{"MULTI cannot nest and WATCH is refused inside MULTI, neither aborting it", []compatStep{
			same("MULTI"), same("MULTI"), same("WATCH a"), same("SET a 1"), same("EXEC"),
		}},
		{"EXEC and DISCARD without MULTI are errors", []compatStep{
			same("EXEC"), same("DISCARD"), same("UNWATCH"), same("EXEC x"), same("DISCARD x"),
		}},
		{"DISCARD drops the queue and the watches", []compatStep{
			same("WATCH k"), same("MULTI"), same("SET k 1"), same("DISCARD"), same("GET k"),
			same("SET k 2"), same("MULTI"), same("GET k"), same("EXEC"),
		}},
		{"WATCH aborts EXEC when the key changed, even by the same client", []compatStep{
			same("WATCH k"), same("SET k 1"), same("MULTI"), same("INCR k"), same("EXEC"), same("GET k"),
			same("MULTI"), same("INCR k"), same("EXEC"),
			same("WATCH k"), same("SET k 1"), same("MULTI"), same("SELECT 1"), same("EXEC"), same("GET k"),
		}},
		{"an unchanged watched key lets EXEC run, and EXEC unwatches", []compatStep{
			same("SET k 1"), same("WATCH k other"), same("GET k"), same("MULTI"), same("INCR k"), same("EXEC"),
			same("WATCH k"), same("UNWATCH"), same("SET k 5"), same("MULTI"), same("INCR k"), same("EXEC"),
		}},
		{"a key watched later only counts changes after its own WATCH", []compatStep{
			same("WATCH a"), same("SET b 1"), same("WATCH b"), same("MULTI"), same("GET b"), same("EXEC"),
		}},
		{"a flush aborts EXEC for a watched key that existed, not for a missing one", []compatStep{
			same("SET k 1"), same("WATCH k"), same("FLUSHDB"), same("MULTI"), same("PING"), same("EXEC"),
			same("WATCH missing"), same("FLUSHDB"), same("MULTI"), same("PING"), same("EXEC"),
			same("SET k 1"), same("WATCH k"), same("SELECT 1"), same("FLUSHDB"), same("SELECT 0"),
			same("MULTI"), same("PING"), same("EXEC"),
		}},
		{"SWAPDB aborts EXEC for a watched key present in either database", []compatStep{
			same("SELECT 1"), same("SET k x"), same("SELECT 0"), same("WATCH k"), same("SWAPDB 0 1"),
			same("MULTI"), same("PING"), same("EXEC"), same("GET k"), same("SWAPDB 0 1"),
		}},
		{"a flush then a swap of databases where the watched key is in neither: EXEC runs", []compatStep{
			same("WATCH k"), same("FLUSHALL"), same("SWAPDB 0 1"), same("SWAPDB 1 0"), same("MULTI"), same("PING"),
			same("EXEC"),
		}},
		{"a key written in the other database after a swap does not abort EXEC; in the watched one it does", []compatStep{
			same("WATCH k"), same("SWAPDB 0 1"), same("SELECT 1"), same("SET k x"), same("SELECT 0"),
			same("MULTI"), same("PING"), same("EXEC"),
			same("WATCH k"), same("SWAPDB 0 1"), same("SET k y"), same("MULTI"), same("PING"), same("EXEC"),
		}},
		{"a second swap brings in a database holding the watched key: EXEC aborts", []compatStep{
			same("SELECT 5"), same("SET k 1"), same("SELECT 0"), same("WATCH k"), same("SWAPDB 2 3"),
			same("SWAPDB 0 1"), same("SWAPDB 0 5"), same("MULTI"), same("PING"), same("EXEC"),
		}},
		{"a swap of a database with itself changes nothing", []compatStep{
			same("SET k 1"), same("WATCH k"), same("SWAPDB 0 0"), same("MULTI"), same("PING"), same("EXEC"),
		}},
		{"SELECT inside MULTI applies to the commands after it and stays selected", []compatStep{
			same("MULTI"), same("SELECT 3"), same("SET d3 x"), same("GET d3"), same("SELECT 99"), same("DBSIZE"),
			same("EXEC"), same("GET d3"), same("SELECT 0"), same("GET d3"),
		}},
		{"reads inside EXEC see the writes queued before them", []compatStep{
			same("MULTI"),
			same("RPUSH l a b c"), same("LRANGE l 0 -1"), same("LPOP l"), same("LLEN l"),
			same("HSET h f v g w"), same("HGET h g"), same("HLEN h"),
			same("ZADD z 1 a 2.5 b"), same("ZRANGE z 0 -1 WITHSCORES"), same("ZSCORE z b"), same("ZINCRBY z 1 a"),
			same("SADD s x y"), same("SCARD s"), same("SISMEMBER s y"),
			same("SET n 10"), same("INCRBYFLOAT n 0.5"), same("GET n"), same("MGET n l nope"),
			same("DBSIZE"), same("TYPE l"), same("TTL l"), same("EXISTS l nope n"), same("GET l"),
			same("DEL n"), same("EXISTS n"), same("KEYS n*"), same("ECHO hi"), same("PING"),
			same("EXEC"),
		}},
		{"a key expiring inside EXEC at the transaction's time", []compatStep{
			same("MULTI"), same("SET e 1 PX 100000"), same("PEXPIRE e 0"), same("EXISTS e"), same("GET e"),
			same("EXEC"), same("DBSIZE"),
		}},
		{"blocking commands inside MULTI do not block", []compatStep{
			same("RPUSH q 1"), same("MULTI"), same("BLPOP none 0"), same("BRPOP none q 0"), same("BLPOP q 0"),
			same("BZPOPMIN none 0"), same("BLMOVE none other LEFT LEFT 0"), same("BRPOPLPUSH none other 0"),
			same("BLMPOP 0 1 none LEFT"), same("BZMPOP 0 1 none MIN"),
			same("EXEC"),
		}},
		{"SAVE inside MULTI is refused and aborts the transaction", []compatStep{
			same("MULTI"), same("SET a 1"), same("SAVE"), same("EXEC"), same("GET a"),
		}},
		{"RESET ends the transaction, the watches and the database selection", []compatStep{
			same("SELECT 2"), same("SET k 1"), same("WATCH k"), same("MULTI"), same("SET k 2"), same("RESET"),
			same("EXEC"), same("GET k"), same("SELECT 2"), same("GET k"),
		}},
		{"FLUSHALL inside MULTI empties what came before it only", []compatStep{
			same("SET a 1"), same("MULTI"), same("SET b 2"), same("FLUSHALL"), same("SET c 3"), same("DBSIZE"),
			same("KEYS *"), same("EXEC"), same("DBSIZE"),
		}},
		{"an empty transaction answers an empty array", []compatStep{
			same("MULTI"), same("EXEC"), same("WATCH k"), same("MULTI"), same("EXEC"),
		}},
	}
}

func TestTransactionsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	runCasesFourWays(t, rd.Addr, fl.Addr, append(transactionCases(), watchedWriteCases()...))
}

// watchedWriteCases watch a key, run one write on it, and EXEC: whether the write counts as a
// change (EXEC aborts) must be Redis's, for writes that change the key and for those that leave it
// as it was (a SET of the same value counts in Redis; a ZADD of the same score does not).
func watchedWriteCases() []compatCase {
	setup := []string{"RPUSH l a b", "SET s v", "HSET h f v", "SADD t m", "ZADD z 1 m", "SET n 5", "SET bits a"}
	var cases []compatCase
	for _, w := range []struct{ key, write string }{
		{"l", "LTRIM l 0 -1"}, {"nol", "LTRIM nol 0 -1"}, {"s", "SET s v"}, {"h", "HSET h f v"}, {"s", "APPEND s x"},
		{"l", "LSET l 0 a"}, {"t", "SADD t m"}, {"z", "ZADD z 1 m"}, {"z", "ZADD z XX GT 0 m"}, {"z", "ZADD z 2 m"},
		{"s", "PERSIST s"}, {"bits", "SETBIT bits 1 1"}, {"bits", "SETBIT bits 1 0"}, {"bits", "SETBIT bits 100 0"},
		{"h", "HSETNX h f x"}, {"l", "LREM l 0 zz"}, {"t", "SREM t zz"}, {"z", "ZREM z zz"}, {"h", "HDEL h zz"},
		{"n", "INCRBY n 0"}, {"s", "EXPIRE s 100"}, {"h", "HINCRBY h g 0"}, {"z", "ZINCRBY z 0 m"}, {"z", "ZINCRBY z 1 m"},
		{"l", "LINSERT l BEFORE zz x"}, {"t", "SMOVE t t m"}, {"s", "RENAME s s"}, {"dest", "BITOP AND dest nosuch"},
		{"dest", "SINTERSTORE dest nosuch"}, {"dest", "ZUNIONSTORE dest 1 nosuch"}, {"l", "LPOP l 0"}, {"l", "RPOP l 0"},
		{"l", "LPOP l 1"}, {"t", "SPOP t 0"}, {"s", "GETEX s"}, {"s", "GETEX s PERSIST"}, {"s", "SETEX s 100 v"},
	} {
		var steps []compatStep
		for _, line := range setup {
			steps = append(steps, same(line))
		}
		steps = append(steps, same("WATCH "+w.key), same(w.write), same("MULTI"), same("PING"), same("EXEC"))
		cases = append(cases, compatCase{"WATCH then " + w.write, steps})
	}
	return cases
}

// TestWatchedKeyThatExpiresAbortsExec: Redis 7.0 aborts EXEC when a watched key that was alive at
// WATCH has expired by EXEC, even if nothing deleted it yet; a key already gone at WATCH does not.
func TestWatchedKeyThatExpiresAbortsExec(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	for _, srv := range []struct{ name, addr string }{{"redis-server", rd.Addr}, {"flin-resp", fl.Addr}} {
		t.Run(srv.name, func(t *testing.T) {
			c := dialRaw(t, srv.addr)
			for attempt := 0; ; attempt++ {
				c.do("SET", "k", "v", "PX", "300")
				c.do("WATCH", "k")
				if c.do("PTTL", "k").Text[0] != '-' {
					break // alive when watched
				}
				if attempt == 5 {
					t.Fatal("the machine is too slow to WATCH a key before it expires in 300 ms")
				}
				c.do("UNWATCH")
			}
			waitGone(t, c, "k")
			c.do("MULTI")
			c.do("PING")
			if got := c.do("EXEC").String(); got != "*-1" {
				t.Errorf("EXEC after the watched key expired = %s, want a nil array", got)
			}
			// Gone already, and reclaimed (Redis deleted it when EXISTS met it; flin-resp's
			// background expiry does): only then is watching it watching a missing key.
			for deadline := time.Now().Add(5 * time.Second); c.do("DBSIZE").String() != `:"0"`; {
				if time.Now().After(deadline) {
					t.Fatal("the expired key was not reclaimed")
				}
				time.Sleep(5 * time.Millisecond)
			}
			c.do("WATCH", "k")
			c.do("MULTI")
			c.do("PING")
			if got := c.do("EXEC").String(); got != `*1[+"PONG"]` {
				t.Errorf("EXEC = %s for a key already gone at WATCH, want [PONG]", got)
			}
		})
	}
}

// TestKeyExpiringWhileQueuedIsGoneAtExec: queued reads run at EXEC's time, not when queued.
func TestKeyExpiringWhileQueuedIsGoneAtExec(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	c := dialRaw(t, fl.Addr)
	c.do("SET", "k", "v", "PX", "300")
	c.do("MULTI")
	c.do("GET", "k")
	c.do("EXISTS", "k")
	probe := dialRaw(t, fl.Addr)
	waitGone(t, probe, "k")
	if got := c.do("EXEC").String(); got != `*2[$-1 :"0"]` {
		t.Errorf("EXEC = %s, want GET nil and EXISTS 0", got)
	}
}

// waitGone polls until key no longer exists (bounded).
func waitGone(t *testing.T, c *rawClient, key string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.do("EXISTS", key).String() != `:"0"`; {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not expire", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWatchedIncrementsLoseNoUpdate runs the optimistic-locking pattern of go-redis's documentation
// (Watch + TxPipelined, retried on TxFailedErr) from several clients at once: every increment
// lands exactly once, and contention really aborted some transactions.
func TestWatchedIncrementsLoseNoUpdate(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	const clients, each = 8, 40
	ctx := ctxTimeout(t)
	var aborted sync.Map
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := newGoRedis(t, fl.Addr, respProtocols[i%2])
			for range each {
				if err := watchedIncr(ctx, rdb, "counter", &aborted, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rdb := newGoRedis(t, fl.Addr, 3)
	got, err := rdb.Get(ctx, "counter").Int()
	if err != nil {
		t.Fatal(err)
	}
	if got != clients*each {
		t.Errorf("counter = %d after %d watched increments", got, clients*each)
	}
	n := 0
	aborted.Range(func(_, v any) bool { n += v.(int); return true })
	t.Logf("%d increments, %d EXECs aborted by WATCH and retried", clients*each, n)
	if n == 0 {
		t.Log("no contention happened in this run (the machine serialised the clients)")
	}
}

func watchedIncr(ctx context.Context, rdb *redis.Client, key string, aborted *sync.Map, client int) error {
	for attempt := 0; attempt < 1000; attempt++ {
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, key).Int()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, n+1, 0)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		v, _ := aborted.LoadOrStore(client, 0)
		aborted.Store(client, v.(int)+1)
	}
	return fmt.Errorf("client %d: 1000 aborted attempts in a row", client)
}

// TestTransactionsAreAtomicForReaders: a reader never sees half of a TxPipelined that sets two
// keys, and MULTI/EXEC through go-redis answers every queued command.
func TestTransactionsAreAtomicForReaders(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	ctx := ctxTimeout(t)
	w := newGoRedis(t, fl.Addr, 3)
	stop := make(chan struct{})
	var readerErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := newGoRedis(t, fl.Addr, 2)
		for {
			select {
			case <-stop:
				return
			default:
			}
			vals, err := r.MGet(ctx, "a", "b").Result()
			if err != nil {
				readerErr = err
				return
			}
			if vals[0] != vals[1] {
				readerErr = fmt.Errorf("reader saw a=%v b=%v", vals[0], vals[1])
				return
			}
		}
	}()
	for i := range 300 {
		cmds, err := w.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "a", i, 0)
			p.Set(ctx, "b", i, 0)
			p.Get(ctx, "a")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := cmds[2].(*redis.StringCmd).Val(); got != strconv.Itoa(i) {
			t.Fatalf("GET inside the transaction = %q, want %d", got, i)
		}
	}
	close(stop)
	wg.Wait()
	if readerErr != nil {
		t.Fatal(readerErr)
	}
}

// TestTransactionSurvivesKillAllOrNothing: SIGKILL while clients run transactions that increment
// two counters together; after each restart the counters are equal (no EXEC half applied) and at
// least every acknowledged transaction is there.
func TestTransactionSurvivesKillAllOrNothing(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, t.TempDir())
	ctx := context.Background()
	acked := 0
	for cycle := range 3 {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rdb := redis.NewClient(&redis.Options{Addr: fl.Addr, MaxRetries: -1, DialTimeout: time.Second})
				defer rdb.Close()
				for range 2000 {
					_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Incr(ctx, "x")
						p.Incr(ctx, "y")
						return nil
					})
					if err != nil {
						return // killed
					}
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(150+100*cycle) * time.Millisecond)
		fl.Kill()
		wg.Wait()
		fl.Restart()
		c := dialRaw(t, fl.Addr)
		x, y := c.do("GET", "x").String(), c.do("GET", "y").String()
		if x != y {
			t.Fatalf("cycle %d: x=%s y=%s: a transaction was half applied", cycle, x, y)
		}
		n, _ := strconv.Atoi(c.do("GET", "x").Text)
		if n < acked {
			t.Fatalf("cycle %d: counters at %d but %d transactions were acknowledged", cycle, n, acked)
		}
	}
	if acked == 0 {
		t.Fatal("no transaction was acknowledged")
	}
}
