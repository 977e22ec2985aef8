package compat_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// DEBUG DIGEST is how replicas are compared (faults/); it is Redis's algorithm, so on data without
// TTLs flin-resp must give the digest Redis gives.

func TestDebugDigestMatchesRedis(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t, "--enable-debug-command", "yes")
	fl := harness.Start(t, "")
	runCasesFourWays(t, rd.Addr, fl.Addr, []compatCase{
		{"an empty keyspace digests to zeros", []compatStep{same("DEBUG DIGEST"), same("DEBUG DIGEST-VALUE nosuch")}},
		{"every type, in two databases", []compatStep{
			same("SET s hello"), same("DEBUG DIGEST"), same("SET n 12345"), same("RPUSH l a b c"),
			same("SADD S x y z"), same("SADD I 1 2 3"), same("HSET h f1 v1 f2 v2"),
			same("ZADD z 1 a 2.5 b 0.1 c -inf d 1e20 e 1e-5 f 100000 g inf h"), same("DEBUG DIGEST"),
			same("SELECT 7"), same("SET k v"), same("DEBUG DIGEST"), same("DEBUG DIGEST-VALUE k s"),
			same("SELECT 0"), same("DEBUG DIGEST-VALUE s n l S I h z k"), same("DEBUG DIGEST-VALUE"),
			same("SWAPDB 0 7"), same("DEBUG DIGEST"),
		}},
		{"wrong uses are refused as Redis does", []compatStep{
			same("DEBUG"), same("DEBUG DIGEST x"), same("DEBUG NOSUCH"), same("DEBUG digest-VALUE"),
		}},
	})
}

func TestDebugDigestMatchesRedisOnRandomData(t *testing.T) {
	t.Parallel()
	rd := harness.StartRedis(t, "--enable-debug-command", "yes")
	fl := harness.Start(t, "")
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	cr, cf := dialRaw(t, rd.Addr), dialRaw(t, fl.Addr)
	do := func(args ...string) {
		r, f := cr.do(args...), cf.do(args...)
		if r.String() != f.String() {
			t.Fatalf("seed %d: %q: Redis %s, flin-resp %s", seed, args, r, f)
		}
	}
	elem := func() string {
		switch rng.IntN(4) {
		case 0:
			return strconv.Itoa(rng.IntN(1000) - 500) // intset and listpack integers
		case 1:
			return string(rune('a' + rng.IntN(26)))
		default:
			return fmt.Sprintf("e%x", rng.Uint32()%5000)
		}
	}
	// Sizes around Redis's encoding limits (128 listpack entries, 512 intset members), so both the
	// compact and the large encodings are compared.
	size := func() int { return []int{1, 3, 100, 130, 600}[rng.IntN(5)] }
	for db := range 3 {
		do("SELECT", strconv.Itoa(db))
		for k := range 40 {
			key := fmt.Sprintf("k%d", k)
			n := size()
			args := []string{}
			switch rng.IntN(5) {
			case 0:
				do("SET", key, elem())
				continue
			case 1:
				args = []string{"RPUSH", key}
				for range n {
					args = append(args, elem())
				}
			case 2:
				args = []string{"SADD", key}
				for range n {
					args = append(args, elem())
				}
			case 3:
				args = []string{"HSET", key}
				for range n {
					args = append(args, elem(), elem())
				}
			case 4:
				args = []string{"ZADD", key}
				for range n {
					score := strconv.FormatFloat(rng.NormFloat64()*1000, 'g', -1, 64)
					if rng.IntN(3) == 0 {
						score = strconv.Itoa(rng.IntN(20))
					}
					args = append(args, score, elem())
				}
			}
			do(args...)
		}
		do("LPOP", "k1", "2")
		do("SREM", "k2", "a", "1")
		do("DEBUG", "DIGEST-VALUE", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9")
	}
	do("DEBUG", "DIGEST")
}
