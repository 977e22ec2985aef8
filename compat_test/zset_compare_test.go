package compat_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Sorted sets: the same command sequences sent to redis-server and flin-resp must get the same
// replies (see commands_compare_test.go for how a case runs). The sets here are small, so Redis
// keeps them in its compact encoding, whose order of iteration (ZSCAN, lexical ranges over mixed
// scores) flin-resp reproduces.

func zsetCompatCases() []compatCase {
	long := strings.Repeat("m", 70)
	return []compatCase{
		{"ZADD adds members and counts only the new ones", []compatStep{
			same("ZADD z 1 a 2 b 3 c"), same("ZADD z 1 a 4 d"), same("ZCARD z"), same("ZRANGE z 0 -1 WITHSCORES"),
			same("ZADD z 1.5 a"), same("ZSCORE z a"), same("ZADD z 1 a 1 a 2 a"), same("ZSCORE z a"),
			same(`ZADD z 0 ""`), same(`ZSCORE z ""`), same("ZRANGE z 0 -1"), same("zadd z 9 A"),
		}},
		{"ZADD NX only adds and XX only updates", []compatStep{
			same("ZADD z 1 a"), same("ZADD z NX 5 a 2 b"), same("ZRANGE z 0 -1 WITHSCORES"),
			same("ZADD z XX 7 a 3 c"), same("ZRANGE z 0 -1 WITHSCORES"), same("ZADD nokey XX 1 a"),
			same("EXISTS nokey"), same("ZADD z xx nx 1 a"),
		}},
		{"ZADD CH counts changed members too", []compatStep{
			same("ZADD z 1 a 2 b"), same("ZADD z CH 1 a 3 b 4 c"), same("ZADD z CH XX 5 a 5 d"),
			same("ZADD z ch ch 5 a"), same("ZRANGE z 0 -1 WITHSCORES"),
		}},
		{"ZADD GT and LT update only in their direction and still add new members", []compatStep{
			same("ZADD z 5 a"), same("ZADD z GT CH 3 a"), same("ZADD z GT CH 7 a"), same("ZADD z LT CH 9 a"),
			same("ZADD z LT CH 1 a 2 b"), same("ZADD z XX GT CH 10 a 10 c"), same("ZRANGE z 0 -1 WITHSCORES"),
			same("ZADD z GT 10 a"),
		}},
		{"ZADD INCR and ZINCRBY return the new score", []compatStep{
			same("ZINCRBY z 2.5 a"), same("ZINCRBY z -1 a"), same("ZADD z INCR 10 a"), same("ZADD z NX INCR 1 a"),
			same("ZADD z XX INCR 1 nosuch"), same("ZADD nokey XX INCR 1 a"), same("ZADD z GT INCR -1 a"),
			same("ZADD z LT INCR -1 a"), same("ZADD z CH INCR 0 a"), same("ZINCRBY z 1 nx"), same("ZSCORE z nx"),
			same("ZINCRBY z 0.1 f"), same("ZINCRBY z 0.2 f"), same("ZINCRBY z 1e308 big"), same("ZINCRBY z 1e308 big"),
		}},
		{"ZADD and ZINCRBY refuse bad options and scores", []compatStep{
			same("ZADD z NX XX 1 a"), same("ZADD z GT LT 1 a"), same("ZADD z NX GT 1 a"), same("ZADD z NX LT 1 a"),
			same("ZADD z INCR 1 a 2 b"), same("ZADD z 1 a 2"), same("ZADD z NX CH"), same("ZADD z x a"),
			same("ZADD z 1 a x b"), same("ZADD z nan a"), same(`ZADD z "" a`), same(`ZADD z " 1" a`),
			same(`ZADD z "1 " a`), same("ZADD z 1e400 a"), same("ZADD z -1e400 a"), same("ZADD z 1e-400 a"),
			same("ZADD z 0x a"), same("ZADD z 1e a"), same("ZADD z 1 a FOO b"), same("EXISTS z"),
			same("ZINCRBY z x a"), same("ZINCRBY z nx a"), same("ZINCRBY z xx ch"), same("ZINCRBY z 1"),
			same("ZADD z 1"), same("ZADD"), sameArgs("ZADD", "z", "1\x002", "a"),
		}},
		{"scores are read like strtod and written like %.17g", []compatStep{
			same("ZADD z 0.1 a 1e3 b -inf c +inf d 0x10 e 1e-310 f 1. g .5 h -0 i INF j -Infinity k 0X1P-2 l 3.14 m"),
			same("ZRANGE z 0 -1 WITHSCORES"), same("ZSCORE z a"), same("ZSCORE z i"), same("ZSCORE z f"),
			same("ZMSCORE z a c d nosuch"), same("ZADD z 123456789012345678901234567890 n"), same("ZSCORE z n"),
			same("ZADD z 0.30000000000000004 o"), same("ZSCORE z o"), same("ZADD z -1.5e-5 p"), same("ZSCORE z p"),
		}},
		{"a score of -0 is stored as 0 but an increment by -0 is answered as computed", []compatStep{
			same("ZINCRBY z -0 m"), same("ZADD z -0 n"), same("ZSCORE z m"), same("ZADD z INCR -0 m"),
			same("ZRANGE z 0 -1 WITHSCORES"), same("ZADD z CH 0 n"), same("ZSCAN z 0"), same("ZRANGE z (-0 0 BYSCORE"),
			same("ZRANGE z -0 (0 BYSCORE"), same("ZCOUNT z -0 -0"),
		}},
		{"LIMIT with a negative offset is empty and a negative count unlimited", []compatStep{
			same("ZADD z 1 a 2 b 3 c"), same("ZRANGEBYLEX z - + LIMIT -1 1"), same("ZRANGEBYLEX z - + LIMIT 0 -1"),
			same("ZRANGEBYSCORE z -inf +inf LIMIT 0 -5"), same("ZRANGEBYSCORE z -inf +inf LIMIT -2 5"),
			same("ZREVRANGEBYSCORE z (3 (1"), same("ZREVRANGEBYLEX z + - LIMIT 1 -1"), same("ZRANGESTORE d z 0 10 BYSCORE LIMIT -1 2"),
			same("EXISTS d"),
		}},
		{"an increment to NaN is refused and changes nothing", []compatStep{
			same("ZADD z +inf a"), same("ZINCRBY z -inf a"), same("ZADD z INCR -inf a"), same("ZSCORE z a"),
			same("ZINCRBY z +inf a"), same("ZADD z -inf b"), same("ZINCRBY z inf b"), same("ZCARD z"),
		}},
		{"ZREM removes members and the last one removes the key", []compatStep{
			same("ZADD z 1 a 2 b 3 c"), same("ZREM z a nosuch"), same("ZREM z a"), same("ZCARD z"),
			same("ZREM z b c d"), same("EXISTS z"), same("ZREM z a"), same("ZCARD z"), same("ZREM nokey a"),
			same("ZREM z"),
		}},
		{"point reads answer nil or 0 for missing keys and members", []compatStep{
			same("ZSCORE nokey a"), same("ZMSCORE nokey a b"), same("ZRANK nokey a"), same("ZREVRANK nokey a"),
			same("ZCARD nokey"), same("ZCOUNT nokey -inf +inf"), same("ZLEXCOUNT nokey - +"),
			same("ZRANGE nokey 0 -1"), same("ZRANGE nokey 0 -1 WITHSCORES"), same("ZADD z 1 a"),
			same("ZSCORE z b"), same("ZMSCORE z b a"), same("ZRANK z b"), same("ZMSCORE z"),
		}},
		{"every sorted set command refuses a key of another type", []compatStep{
			same("SET s x"), same("ZADD s 1 a"), same("ZINCRBY s 1 a"), same("ZREM s a"), same("ZCARD s"),
			same("ZSCORE s a"), same("ZMSCORE s a"), same("ZRANK s a"), same("ZREVRANK s a"), same("ZRANGE s 0 -1"),
			same("ZRANGE s 0 1 BYSCORE"), same("ZRANGE s - + BYLEX"), same("ZREVRANGE s 0 -1"),
			same("ZRANGEBYSCORE s 0 1"), same("ZREVRANGEBYSCORE s 1 0"), same("ZRANGEBYLEX s - +"),
			same("ZREVRANGEBYLEX s + -"), same("ZRANGESTORE d s 0 -1"), same("ZCOUNT s 0 1"), same("ZLEXCOUNT s - +"),
			same("ZPOPMIN s"), same("ZPOPMAX s 2"), same("ZMPOP 1 s MIN"), same("ZREMRANGEBYRANK s 0 1"),
			same("ZREMRANGEBYSCORE s 0 1"), same("ZREMRANGEBYLEX s - +"), same("ZUNION 1 s"), same("ZINTER 1 s"),
			same("ZDIFF 1 s"), same("ZINTERCARD 1 s"), same("ZUNIONSTORE d 1 s"), same("ZINTERSTORE d 1 s"),
			same("ZDIFFSTORE d 1 s"), same("ZRANDMEMBER s"), same("ZRANDMEMBER s 2"), same("ZSCAN s 0"),
			same("ZADD s XX 1 a"), same("GET s"), same("EXISTS d"),
		}},
		{"ZRANGE by rank takes negative indexes, REV and WITHSCORES", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d 5 e"), same("ZRANGE z 0 -1"), same("ZRANGE z 1 2 WITHSCORES"),
			same("ZRANGE z -2 -1"), same("ZRANGE z -100 100"), same("ZRANGE z 3 1"), same("ZRANGE z 5 10"),
			same("ZRANGE z -1 -2"), same("ZRANGE z 0 0 REV"), same("ZRANGE z 0 -1 REV WITHSCORES"),
			same("ZREVRANGE z 0 1"), same("ZREVRANGE z -2 -1 WITHSCORES"), same("ZRANGE z 1 -2 withscores rev"),
			same("ZRANGE z 0 -1 LIMIT 0 -1"), same("ZRANGE z 0 0 WITHSCORES WITHSCORES"),
		}},
		{"equal scores are ordered by member bytes", []compatStep{
			same("ZADD z 1 b 1 a 1 B 1 ab 1 aa 0 z 2 0"), same("ZRANGE z 0 -1"), same("ZRANGE z 0 -1 REV"),
			same("ZRANK z a"), same("ZREVRANK z a"), same("ZRANK z z"), same("ZRANK z 0"),
		}},
		{"ZRANGE BYSCORE takes exclusive ends, infinities, LIMIT and REV", []compatStep{
			same("ZADD z -inf m 1 a 2 b 2 bb 3 c 4 d +inf p"), same("ZRANGE z 2 3 BYSCORE"),
			same("ZRANGE z (2 3 BYSCORE"), same("ZRANGE z 2 (3 BYSCORE WITHSCORES"), same("ZRANGE z -inf +inf BYSCORE"),
			same("ZRANGE z (-inf (+inf BYSCORE"), same("ZRANGE z 3 2 BYSCORE REV"), same("ZRANGE z 2 3 BYSCORE REV"),
			same("ZRANGE z +inf -inf BYSCORE REV WITHSCORES"), same("ZRANGE z (4 (1 BYSCORE REV"),
			same("ZRANGE z -inf +inf BYSCORE LIMIT 1 2"), same("ZRANGE z -inf +inf BYSCORE LIMIT 2 -1"),
			same("ZRANGE z -inf +inf BYSCORE LIMIT -1 2"), same("ZRANGE z -inf +inf BYSCORE LIMIT 10 2"),
			same("ZRANGE z -inf +inf BYSCORE LIMIT 0 0"), same("ZRANGE z +inf -inf BYSCORE REV LIMIT 1 3 WITHSCORES"),
			same("ZRANGE z 5 1 BYSCORE"), same("ZRANGE z (2 (2 BYSCORE"), same("ZRANGE z 2 2 BYSCORE"),
			same(`ZRANGE z "" 2 BYSCORE`), same("ZRANGE z ( 2 BYSCORE"), same(`ZRANGE z " 1" 2 BYSCORE`),
			same("ZRANGE z 1e400 +inf BYSCORE"), same("ZRANGE z 0x1 0x2 BYSCORE"), sameArgs("ZRANGE", "z", "1\x00x", "2", "BYSCORE"),
		}},
		{"ZRANGEBYSCORE and ZREVRANGEBYSCORE with WITHSCORES and LIMIT", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d 5 e"), same("ZRANGEBYSCORE z 2 4"), same("ZRANGEBYSCORE z -inf +inf WITHSCORES"),
			same("ZRANGEBYSCORE z (1 5 LIMIT 1 2"), same("ZRANGEBYSCORE z 1 5 LIMIT 0 1 WITHSCORES"),
			same("ZREVRANGEBYSCORE z 4 2"), same("ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 1"),
			same("ZREVRANGEBYSCORE z 2 4"), same("ZRANGEBYSCORE z 1 5 LIMIT 1"), same("ZRANGEBYSCORE z 1 5 REV"),
			same("ZRANGEBYSCORE z 1 5 BYSCORE"), same("ZRANGEBYSCORE z 1 5 LIMIT x 1"), same("ZRANGEBYSCORE z x 5"),
			same("ZRANGEBYSCORE z 1 5 LIMIT 0 1 LIMIT 1 1"),
		}},
		{"ZRANGE BYLEX over equal scores takes [ ( - + ends", []compatStep{
			same("ZADD z 0 a 0 b 0 c 0 d 0 e 0 f 0 ab"), same("ZRANGE z - + BYLEX"), same("ZRANGE z [b (e BYLEX"),
			same("ZRANGE z (a [c BYLEX"), same("ZRANGE z [ab + BYLEX"), same("ZRANGE z - (c BYLEX"),
			same("ZRANGE z + - BYLEX REV"), same("ZRANGE z [e [b BYLEX REV"), same("ZRANGE z (e (a BYLEX REV"),
			same("ZRANGE z - + BYLEX LIMIT 2 3"), same("ZRANGE z + - BYLEX REV LIMIT 1 2"), same("ZRANGE z + - BYLEX"),
			same("ZRANGE z [c [b BYLEX"), same("ZRANGE z [b [b BYLEX"), same("ZRANGE z (b (b BYLEX"), same("ZRANGE z - - BYLEX"),
			same("ZRANGE z [ + BYLEX"), same("ZRANGE z [z + BYLEX"), same("ZRANGE z - [0 BYLEX"),
			same("ZRANGEBYLEX z [b [d"), same("ZREVRANGEBYLEX z [d [b"), same("ZRANGEBYLEX z - + LIMIT 1 1"),
			same("ZREVRANGEBYLEX z + - LIMIT 0 2"), same("ZLEXCOUNT z [b [d"), same("ZLEXCOUNT z - +"), same("ZLEXCOUNT z (a (b"),
		}},
		{"lexical ranges over mixed scores follow the order by score", []compatStep{
			same("ZADD z 1 c 2 a 3 b 4 e 5 d"), same("ZRANGEBYLEX z - +"), same("ZRANGEBYLEX z [b [d"),
			same("ZRANGEBYLEX z [a [c"), same("ZREVRANGEBYLEX z [d [b"), same("ZREVRANGEBYLEX z + [c"),
			same("ZLEXCOUNT z [b [d"), same("ZLEXCOUNT z [a [c"), same("ZRANGEBYLEX z [a + LIMIT 1 2"),
			same("ZREMRANGEBYLEX z [a [c"), same("ZRANGE z 0 -1 WITHSCORES"),
		}},
		{"lexical range ends must start with [ ( - or +", []compatStep{
			same("ZADD z 0 a"), same("ZRANGEBYLEX z a +"), same("ZRANGEBYLEX z - b"), same(`ZRANGEBYLEX z "" +`),
			same("ZRANGEBYLEX z -a +"), same("ZRANGEBYLEX z - ++"), same("ZLEXCOUNT z x +"), same("ZREMRANGEBYLEX z - x"),
			sameArgs("ZRANGEBYLEX", "z", "-", "+\x00x"), same("ZRANGE z a b BYLEX"),
		}},
		{"ZRANGE refuses bad and conflicting options", []compatStep{
			same("ZADD z 1 a"), same("ZRANGE z 0 1 LIMIT 0 1"), same("ZRANGE z - + BYLEX WITHSCORES"),
			same("ZRANGE z 0 1 BYSCORE BYLEX"), same("ZRANGE z 0 1 BYSCORE BYSCORE"), same("ZRANGE z 0 1 FOO"),
			same("ZRANGE z x 1"), same("ZRANGE z 0 1.5"), same("ZRANGE z x 1 BYSCORE"), same("ZRANGE z (1 ((2 BYSCORE"),
			same("ZRANGE z 0 nan BYSCORE"), same("ZRANGE z 0 1 BYSCORE LIMIT 0"), same("ZRANGE z 0 1 BYSCORE LIMIT 0 x"),
			same("ZREVRANGE z 0 1 REV"), same("ZREVRANGE z 0 1 BYSCORE"), same("ZRANGEBYLEX z - + WITHSCORES"),
			same("ZRANGE z"), same("ZRANGE z 0"), same("ZRANGE z 0 -1 REV REV"),
		}},
		{"ZRANGESTORE stores a range and an empty one deletes the destination", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d"), same("ZRANGESTORE d z 1 2"), same("ZRANGE d 0 -1 WITHSCORES"),
			same("ZRANGESTORE d z 2 +inf BYSCORE LIMIT 1 5"), same("ZRANGE d 0 -1 WITHSCORES"),
			same("ZRANGESTORE d z [b [c BYLEX REV"), same("ZRANGE d 0 -1 WITHSCORES"), same("ZRANGESTORE d z 0 0 REV"),
			same("ZRANGE d 0 -1 WITHSCORES"), same("SET d x EX 100"), same("ZRANGESTORE d z 0 1"), same("TTL d"),
			same("ZRANGESTORE d z 10 20"), same("EXISTS d"), same("ZRANGESTORE d nokey 0 -1"), same("ZRANGESTORE z z 1 1"),
			same("ZRANGE z 0 -1 WITHSCORES"), same("ZRANGESTORE d z 0 -1 WITHSCORES"), same("ZRANGESTORE d z 0 1 LIMIT 0 1"),
			same("ZRANGESTORE d z"),
		}},
		{"ZCOUNT counts scores in a range", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d"), same("ZCOUNT z 2 3"), same("ZCOUNT z (2 3"), same("ZCOUNT z -inf +inf"),
			same("ZCOUNT z 3 2"), same("ZCOUNT z (3 (3"), same("ZCOUNT z x 1"), same("ZCOUNT z 1 (x"),
		}},
		{"ZRANK and ZREVRANK count from either end", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d 5 e"), same("ZRANK z a"), same("ZRANK z c"), same("ZRANK z e"),
			same("ZREVRANK z a"), same("ZREVRANK z d"), same("ZRANK z x"), same("ZRANK z"), same("ZRANK z a b"),
		}},
		{"ZPOPMIN and ZPOPMAX pop from either end and remove the emptied key", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d"), same("ZPOPMIN z"), same("ZPOPMAX z"), same("ZPOPMIN z 1"),
			same("ZPOPMIN z 0"), same("ZPOPMAX z 10"), same("EXISTS z"), same("ZPOPMIN z"), same("ZPOPMIN z 3"),
			same("ZPOPMIN z 0"), same("ZPOPMIN z -1"), same("ZPOPMIN z x"), same("ZPOPMIN z 1 2"), same("ZADD z 1 a"),
			same("ZPOPMAX z 0"), same("ZPOPMAX z -1"),
		}},
		{"ZMPOP pops from the first non-empty key", []compatStep{
			same("ZADD z2 1 a 2 b 3 c"), same("ZMPOP 2 z1 z2 MIN"), same("ZMPOP 2 z1 z2 MAX COUNT 5"), same("EXISTS z2"),
			same("ZMPOP 2 z1 z2 MIN"), same("ZMPOP 1 z1 min count 2"), same("ZMPOP 0 z MIN"), same("ZMPOP x z MIN"),
			same("ZMPOP 2 z MIN"), same("ZMPOP 1 z FOO"), same("ZMPOP 1 z MIN COUNT 0"), same("ZMPOP 1 z MIN COUNT x"),
			same("ZMPOP 1 z MIN COUNT 1 COUNT 1"), same("ZMPOP 1 z MIN FOO"), same("ZMPOP 1 z MIN COUNT"),
			same("SET s x"), same("ZADD z 1 a"), same("ZMPOP 2 z s MIN"), same("ZMPOP 2 s z MIN"),
		}},
		{"BZPOPMIN, BZPOPMAX and BZMPOP pop at once when they can and check their arguments", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d"), same("BZPOPMIN z 0"), same("BZPOPMAX nokey z 0"), same("BZMPOP 0 2 nokey z MIN COUNT 5"),
			same("EXISTS z"), same("BZPOPMIN z 0.01"), same("BZMPOP 0.01 1 z MAX"), same("BZPOPMIN z x"), same("BZPOPMIN z -1"),
			same("BZPOPMIN z inf"), same("BZMPOP x 1 z MIN"), same("BZMPOP 0 0 z MIN"), same("BZMPOP 0 1 z FOO"),
			same("BZMPOP -1 1 z MIN"), same("BZMPOP 0 1 z MIN COUNT 0"), same("SET s x"), same("BZPOPMIN s 0"),
			same("BZMPOP 0 2 nokey s MIN"), same("ZADD z 1 a"), same("BZPOPMIN z s 0"), same("BZPOPMIN s z 0"), same("BZPOPMIN z"),
		}},
		{"ZREMRANGEBYRANK, BYSCORE and BYLEX remove ranges", []compatStep{
			same("ZADD z 1 a 2 b 3 c 4 d 5 e 6 f"), same("ZREMRANGEBYRANK z 0 0"), same("ZREMRANGEBYRANK z -2 -1"),
			same("ZREMRANGEBYRANK z 5 10"), same("ZRANGE z 0 -1"), same("ZREMRANGEBYSCORE z (2 3"),
			same("ZREMRANGEBYSCORE z 10 20"), same("ZRANGE z 0 -1"), same("ZREMRANGEBYRANK z 0 -1"), same("EXISTS z"),
			same("ZADD z 0 a 0 b 0 c 0 d"), same("ZREMRANGEBYLEX z (a [c"), same("ZRANGE z 0 -1"),
			same("ZREMRANGEBYLEX z - +"), same("EXISTS z"), same("ZREMRANGEBYRANK z x 1"), same("ZREMRANGEBYSCORE z x 1"),
			same("ZREMRANGEBYLEX z x +"), same("ZREMRANGEBYRANK nokey 0 -1"), same("ZREMRANGEBYSCORE nokey -inf +inf"),
		}},
		{"ZUNION, ZINTER and ZDIFF combine with WEIGHTS and AGGREGATE", []compatStep{
			same("ZADD a 1 x 2 y 3 z"), same("ZADD b 10 y 20 z 30 w"), same("ZUNION 2 a b"), same("ZUNION 2 a b WITHSCORES"),
			same("ZINTER 2 a b WITHSCORES"), same("ZDIFF 2 a b WITHSCORES"), same("ZDIFF 2 b a"),
			same("ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES"), same("ZUNION 2 a b AGGREGATE MIN WITHSCORES"),
			same("ZUNION 2 a b AGGREGATE max WITHSCORES"), same("ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES"),
			same("ZUNION 3 a b nokey WITHSCORES"), same("ZINTER 3 a b nokey"), same("ZDIFF 2 nokey a"), same("ZDIFF 1 a WITHSCORES"),
			same("ZINTER 2 a a WITHSCORES"), same("ZDIFF 2 a a"), same("ZUNION 1 a WEIGHTS 3 WITHSCORES"),
			same("ZUNION 2 a b WITHSCORES AGGREGATE MIN WEIGHTS 1 2"), same("ZINTERCARD 2 a b"), same("ZINTERCARD 2 a b LIMIT 1"),
			same("ZINTERCARD 2 a b LIMIT 0"), same("ZINTERCARD 1 a LIMIT 2"), same("ZINTERCARD 2 a nokey"),
		}},
		{"combining infinite scores gives 0 where Redis's arithmetic would give NaN", []compatStep{
			same("ZADD a inf x -inf y 1 z"), same("ZADD b -inf x inf y 0 z"), same("ZUNION 2 a b WITHSCORES"),
			same("ZINTER 2 a b WITHSCORES"), same("ZUNION 2 a b WEIGHTS 0 1 WITHSCORES"), same("ZINTER 2 a b WEIGHTS 0 0 WITHSCORES"),
			same("ZUNION 2 a b AGGREGATE MIN WITHSCORES"), same("ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MAX WITHSCORES"),
			same("ZUNION 2 a b WEIGHTS inf -inf WITHSCORES"),
		}},
		{"sets are inputs whose members score 1", []compatStep{
			same("SADD s a b c 10"), same("ZADD z 2 a 5 10 -1 x"), same("ZUNION 2 s z WITHSCORES"),
			same("ZINTER 2 s z WEIGHTS 3 1 WITHSCORES"), same("ZDIFF 2 s z WITHSCORES"), same("ZDIFF 2 z s WITHSCORES"),
			same("ZINTERCARD 2 s z"), same("ZUNIONSTORE d 2 s s AGGREGATE MAX"), same("ZRANGE d 0 -1 WITHSCORES"),
			same("ZINTER 1 s"), same("HSET h f v"), same("ZUNION 2 z h"), same("RPUSH l x"), same("ZINTERSTORE d 2 l z"),
			same("ZRANGE s 0 -1"), same("ZRANGESTORE d s 0 -1"),
		}},
		{"ZUNION and friends refuse bad arguments", []compatStep{
			same("ZADD a 1 x"), same("ZUNION 0 a"), same("ZUNION -1 a"), same("ZUNION x a"), same("ZUNION 2 a"),
			same("ZUNION 1 a WEIGHTS"), same("ZUNION 1 a WEIGHTS x"), same("ZUNION 1 a WEIGHTS 1 2"),
			same("ZUNION 1 a AGGREGATE"), same("ZUNION 1 a AGGREGATE foo"), same("ZUNION 1 a AGGREGATE SUM AGGREGATE SUM"),
			same("ZUNION 1 a WEIGHTS 1 WEIGHTS 1"), same("ZUNION 1 a WITHSCORES WITHSCORES"), same("ZUNION 1 a FOO"),
			same("ZDIFF 1 a WEIGHTS 1"), same("ZDIFF 1 a AGGREGATE SUM"), same("ZINTERCARD 1 a WITHSCORES"),
			same("ZINTERCARD 0 a"), same("ZINTERCARD 1 a LIMIT -1"), same("ZINTERCARD 1 a LIMIT x"),
			same("ZINTERCARD 1 a LIMIT 1 LIMIT 1"), same("SET s x"), same("ZUNION 2 a s FOO"), same("ZUNION 2 a s WEIGHTS x y"),
			same("ZUNIONSTORE d 2 a s FOO"), same("ZUNIONSTORE d 0 a"), same("ZUNIONSTORE d 1 a WITHSCORES"),
			same("ZINTERSTORE d 1 a WEIGHTS nan"), same("ZDIFFSTORE d 1 a WEIGHTS 1"), same("ZUNION 1 a WEIGHTS 1e400"),
			same("ZUNIONSTORE d 2 a"), same("ZUNION"), same("ZUNIONSTORE d"),
		}},
		{"ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE replace the destination", []compatStep{
			same("ZADD a 1 x 2 y 3 z"), same("ZADD b 10 y 20 z 30 w"), same("ZUNIONSTORE d 2 a b WEIGHTS 1 2"),
			same("ZRANGE d 0 -1 WITHSCORES"), same("ZINTERSTORE d 2 a b AGGREGATE MAX"), same("ZRANGE d 0 -1 WITHSCORES"),
			same("ZDIFFSTORE d 2 a b"), same("ZRANGE d 0 -1 WITHSCORES"), same("SET d x EX 100"), same("ZUNIONSTORE d 1 a"),
			same("TTL d"), same("ZINTERSTORE d 2 a nokey"), same("EXISTS d"), same("ZUNIONSTORE a 2 a b"),
			same("ZRANGE a 0 -1 WITHSCORES"), same("ZDIFFSTORE b 2 b b"), same("EXISTS b"),
		}},
		{"ZRANDMEMBER answers nil, empty or the whole set where the choice is forced", []compatStep{
			same("ZRANDMEMBER nokey"), same("ZRANDMEMBER nokey 5"), same("ZRANDMEMBER nokey -5 WITHSCORES"),
			same("ZADD z 1 a"), same("ZRANDMEMBER z"), same("ZRANDMEMBER z -3"), same("ZRANDMEMBER z -2 WITHSCORES"),
			same("ZADD z 2 b 3 c"), same("ZRANDMEMBER z 0"), same("ZRANDMEMBER z 3"), same("ZRANDMEMBER z 10 WITHSCORES"),
			same("ZRANDMEMBER z x"), same("ZRANDMEMBER z 1 FOO"), same("ZRANDMEMBER z 1 WITHSCORES FOO"),
			same("ZRANDMEMBER z -9223372036854775808"), same("ZRANDMEMBER z 4611686018427387904 WITHSCORES"),
			same("ZRANDMEMBER z -4611686018427387904 WITHSCORES"), same("ZRANDMEMBER z 4611686018427387904 FOO"),
			same("ZRANDMEMBER z 9223372036854775807"),
		}},
		{"ZSCAN returns a small sorted set at once in score order", []compatStep{
			same("ZSCAN nokey 0"), same("ZSCAN nokey 0 FOO"), same("ZADD z 3 c 1 a 2 b 1.5 ab -0 z"), same("ZSCAN z 0"),
			same("ZSCAN z 0 COUNT 1"), same("ZSCAN z 0 MATCH a*"), same("ZSCAN z 12345 MATCH *"), same("ZSCAN z x"),
			same("ZSCAN z -1"), same(`ZSCAN z ""`), same(`ZSCAN z " 1"`), same("ZSCAN z 0 COUNT 0"), same("ZSCAN z 0 COUNT x"),
			same("ZSCAN z 0 TYPE zset"), same("ZSCAN z 0 MATCH"), same("ZSCAN z 0 FOO bar"),
		}},
		{"a member longer than 64 bytes keeps its place", []compatStep{
			sameArgs("ZADD", "z", "1", long, "2", "b", "0", "a"), same("ZRANGE z 0 -1"), sameArgs("ZSCORE", "z", long),
			sameArgs("ZRANK", "z", long), same("ZCARD z"),
		}},
	}
}

func TestSortedSetCommandsMatchRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t)
	fl := harness.Start(t, "")
	cases := zsetCompatCases()
	runCasesFourWays(t, rd.Addr, fl.Addr, cases)
}

// TestSortedSetBehaviour checks what cannot be compared reply for reply with Redis: random
// choices and the iteration of sets Redis keeps in a hash table.
func TestSortedSetBehaviour(t *testing.T) {
	t.Parallel()
	fl := harness.Start(t, "")
	for _, proto := range respProtocols {
		t.Run(protoName(proto), func(t *testing.T) {
			ctx := ctxTimeout(t)
			c := newGoRedis(t, fl.Addr, proto)
			key := func(name string) string { return fmt.Sprintf("p%d:%s", proto, name) }

			t.Run("ZSCAN of a large sorted set returns every member once with its score", func(t *testing.T) {
				k := key("scan")
				var zs []redis.Z
				for i := range 1000 {
					zs = append(zs, redis.Z{Score: float64(i) / 4, Member: fmt.Sprintf("m%04d", i)})
				}
				if err := c.ZAdd(ctx, k, zs...).Err(); err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				cursor, calls := uint64(0), 0
				for {
					items, next, err := c.ZScan(ctx, k, cursor, "", 100).Result()
					if err != nil {
						t.Fatal(err)
					}
					calls++
					for i := 0; i < len(items); i += 2 {
						if _, dup := got[items[i]]; dup {
							t.Fatalf("member %s returned twice", items[i])
						}
						got[items[i]] = items[i+1]
					}
					if cursor = next; cursor == 0 {
						break
					}
					if calls > 100 {
						t.Fatal("ZSCAN does not end")
					}
				}
				if len(got) != 1000 || got["m0003"] != "0.75" || got["m0999"] != "249.75" {
					t.Fatalf("%d members, m0003=%q m0999=%q", len(got), got["m0003"], got["m0999"])
				}
				if calls < 10 {
					t.Errorf("COUNT 100 over 1000 members took %d calls", calls)
				}
			})

			t.Run("ZSCAN MATCH filters the members of a large sorted set", func(t *testing.T) {
				k := key("scanmatch")
				var zs []redis.Z
				for i := range 300 {
					zs = append(zs, redis.Z{Score: 1, Member: fmt.Sprintf("%c%03d", 'a'+i%3, i)})
				}
				c.ZAdd(ctx, k, zs...)
				var got []string
				iter := c.ZScan(ctx, k, 0, "b*", 50).Iterator()
				for iter.Next(ctx) {
					got = append(got, iter.Val())
				}
				if err := iter.Err(); err != nil {
					t.Fatal(err)
				}
				if len(got) != 200 { // 100 members and their scores
					t.Fatalf("got %d items, want 200", len(got))
				}
			})

			t.Run("ZRANDMEMBER with a positive count returns distinct members of the set", func(t *testing.T) {
				k := key("rand")
				var zs []redis.Z
				for i := range 50 {
					zs = append(zs, redis.Z{Score: float64(i), Member: strconv.Itoa(i)})
				}
				c.ZAdd(ctx, k, zs...)
				for _, n := range []int{1, 5, 20, 40, 49} {
					got, err := c.ZRandMember(ctx, k, n).Result()
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != n {
						t.Fatalf("count %d: %d members", n, len(got))
					}
					seen := map[string]bool{}
					for _, m := range got {
						v, err := strconv.Atoi(m)
						if err != nil || v < 0 || v >= 50 || seen[m] {
							t.Fatalf("count %d: bad or repeated member %q in %v", n, m, got)
						}
						seen[m] = true
					}
				}
			})

			t.Run("ZRANDMEMBER with a negative count may repeat members and WITHSCORES pairs them", func(t *testing.T) {
				k := key("rand2")
				c.ZAdd(ctx, k, redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"})
				got, err := c.ZRandMemberWithScores(ctx, k, -20).Result()
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 20 {
					t.Fatalf("%d members, want 20", len(got))
				}
				seen := map[string]bool{}
				for _, z := range got {
					if !(z.Member == "a" && z.Score == 1 || z.Member == "b" && z.Score == 2) {
						t.Fatalf("bad pair %v", z)
					}
					seen[z.Member.(string)] = true
				}
				if len(seen) != 2 {
					t.Errorf("20 draws from 2 members gave only %v", seen)
				}
				one, err := c.ZRandMember(ctx, k, 1).Result()
				if err != nil || len(one) != 1 || (one[0] != "a" && one[0] != "b") {
					t.Fatalf("ZRANDMEMBER 1 = %v, %v", one, err)
				}
			})

			t.Run("typed go-redis calls round-trip scores and ranges", func(t *testing.T) {
				k := key("typed")
				if n, err := c.ZAdd(ctx, k, redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"}).Result(); err != nil || n != 2 {
					t.Fatalf("ZAdd = %d, %v", n, err)
				}
				if s, err := c.ZIncrBy(ctx, k, 0.25, "a").Result(); err != nil || s != 1.75 {
					t.Fatalf("ZIncrBy = %v, %v", s, err)
				}
				got, err := c.ZRangeWithScores(ctx, k, 0, -1).Result()
				if err != nil || len(got) != 2 || got[0].Member != "b" || got[1].Score != 1.75 {
					t.Fatalf("ZRangeWithScores = %v, %v", got, err)
				}
				pops, err := c.ZPopMax(ctx, k, 5).Result()
				if err != nil || len(pops) != 2 || pops[0].Member != "a" {
					t.Fatalf("ZPopMax = %v, %v", pops, err)
				}
				if n, _ := c.Exists(ctx, k).Result(); n != 0 {
					t.Fatalf("emptied sorted set still exists")
				}
				c.ZAdd(ctx, k, redis.Z{Score: 3, Member: "x"}, redis.Z{Score: 4, Member: "y"})
				key2, popped, err := c.ZMPop(ctx, "max", 2, key("none"), k).Result()
				if err != nil || key2 != k || len(popped) != 2 || popped[0].Member != "y" {
					t.Fatalf("ZMPop = %s %v, %v", key2, popped, err)
				}
			})
		})
	}
}

// TestSortedSetOfAMillionMembers loads a sorted set of 1,000,000 members through the server and
// checks that point reads and short ranges stay fast: ZSCORE and ZCARD are one read, ZRANGE 0 9 and
// ZRANGE -10 -1 walk ten keys. Skipped with -short.
func TestSortedSetOfAMillionMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1,000,000 members")
	}
	t.Parallel()
	fl := harness.Start(t, "")
	ctx := context.Background()
	c := newGoRedis(t, fl.Addr, 3, func(o *redis.Options) { o.PoolSize = 8 })
	const n, batch = 1_000_000, 1000
	done := make(chan error, 8)
	next := make(chan int, n/batch)
	for i := 0; i < n; i += batch {
		next <- i
	}
	close(next)
	for range 8 {
		go func() {
			for start := range next {
				zs := make([]redis.Z, batch)
				for j := range zs {
					zs[j] = redis.Z{Score: float64(start + j), Member: fmt.Sprintf("member:%07d", start+j)}
				}
				if err := c.ZAdd(ctx, "big", zs...).Err(); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	measure := func(what string, limit float64, f func() error) {
		t.Helper()
		const reps = 20
		var times []float64
		for range reps {
			start := time.Now()
			if err := f(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			times = append(times, float64(time.Since(start).Microseconds())/1000)
		}
		slices.Sort(times)
		med := times[reps/2]
		t.Logf("%s: median %.3f ms over %d calls", what, med, reps)
		if med > limit {
			t.Errorf("%s: median %.3f ms, want under %.0f ms", what, med, limit)
		}
	}
	measure("ZCARD", 20, func() error {
		v, err := c.ZCard(ctx, "big").Result()
		if err == nil && v != n {
			err = fmt.Errorf("ZCARD = %d", v)
		}
		return err
	})
	measure("ZSCORE", 20, func() error {
		v, err := c.ZScore(ctx, "big", "member:0765432").Result()
		if err == nil && v != 765432 {
			err = fmt.Errorf("ZSCORE = %v", v)
		}
		return err
	})
	measure("ZRANGE 0 9", 20, func() error {
		v, err := c.ZRange(ctx, "big", 0, 9).Result()
		if err == nil && (len(v) != 10 || v[0] != "member:0000000") {
			err = fmt.Errorf("ZRANGE 0 9 = %v", v)
		}
		return err
	})
	measure("ZRANGE -10 -1", 20, func() error {
		v, err := c.ZRange(ctx, "big", -10, -1).Result()
		if err == nil && (len(v) != 10 || v[9] != "member:0999999") {
			err = fmt.Errorf("ZRANGE -10 -1 = %v", v)
		}
		return err
	})
	measure("ZRANGEBYSCORE 500000 500009", 20, func() error {
		v, err := c.ZRangeByScore(ctx, "big", &redis.ZRangeBy{Min: "500000", Max: "500009"}).Result()
		if err == nil && len(v) != 10 {
			err = fmt.Errorf("ZRANGEBYSCORE = %v", v)
		}
		return err
	})
	measure("ZRANK in the middle (O(rank) here, O(log N) in Redis)", 5000, func() error {
		v, err := c.ZRank(ctx, "big", "member:0500000").Result()
		if err == nil && v != 500000 {
			err = fmt.Errorf("ZRANK = %d", v)
		}
		return err
	})
	measure("ZRANK near the end", 20, func() error {
		v, err := c.ZRank(ctx, "big", "member:0999990").Result()
		if err == nil && v != 999990 {
			err = fmt.Errorf("ZRANK = %d", v)
		}
		return err
	})
}
