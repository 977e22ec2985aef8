// Package load drives a RESP server with a workload from many client connections at a chosen
// pipeline depth, and measures throughput and per-command latency.
package load

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/flin-resp/flin-resp/bench/resp"
)

// Op is one kind of command a workload sends.
type Op uint8

// The commands workloads are made of.
const (
	OpGet  Op = iota // GET key
	OpSet            // SET key value
	OpDel            // DEL key
	OpMGet           // MGET key1 ... keyN (N = batch)
	OpMSet           // MSET key1 value ... keyN value (N = batch)
)

var opNames = [...]string{OpGet: "GET", OpSet: "SET", OpDel: "DEL", OpMGet: "MGET", OpMSet: "MSET"}

func (o Op) String() string { return opNames[o] }

// PrefillMode says whether the key space must hold values before a workload runs.
type PrefillMode uint8

// Prefill modes.
const (
	PrefillNone  PrefillMode = iota // writes only: no prefill
	PrefillOnce                     // reads: fill the key space once per target
	PrefillEvery                    // DEL: fill before every measured run, as the run empties it
)

// Workload is a named mix of commands over a key space.
type Workload struct {
	Name    string
	Desc    string
	Prefill PrefillMode
	// GetPercent is, for GET/SET mixes, the percentage of commands that are GETs (the rest are SETs).
	GetPercent int
	// Op is the single command of a workload that is not a GET/SET mix.
	Op Op
	// Mixed says the workload is a GET/SET mix and Op is unused.
	Mixed bool
	// Batched says each command carries Batch keys (MGET, MSET).
	Batched bool
}

// Workloads returns every workload the tool knows, in the order they are listed in help.
func Workloads() []Workload {
	return []Workload{
		{Name: "set", Desc: "SET of a random key", Op: OpSet},
		{Name: "get", Desc: "GET of a random key (prefilled)", Op: OpGet, Prefill: PrefillOnce},
		{Name: "mixed", Desc: "70% GET / 30% SET (prefilled)", Mixed: true, GetPercent: 70, Prefill: PrefillOnce},
		{Name: "del", Desc: "DEL of a random key (refilled before every run)", Op: OpDel, Prefill: PrefillEvery},
		{Name: "session", Desc: "90% GET / 10% SET (prefilled)", Mixed: true, GetPercent: 90, Prefill: PrefillOnce},
		{Name: "cache", Desc: "95% GET / 5% SET (prefilled)", Mixed: true, GetPercent: 95, Prefill: PrefillOnce},
		{Name: "event", Desc: "20% GET / 80% SET (prefilled)", Mixed: true, GetPercent: 20, Prefill: PrefillOnce},
		{Name: "mset", Desc: "MSET of -batch random keys", Op: OpMSet, Batched: true},
		{Name: "mget", Desc: "MGET of -batch random keys (prefilled)", Op: OpMGet, Batched: true, Prefill: PrefillOnce},
	}
}

// ParseWorkloads parses a comma-separated list of workload names.
func ParseWorkloads(list string) ([]Workload, error) {
	all := Workloads()
	var out []Workload
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		found := false
		for _, w := range all {
			if w.Name == name {
				out = append(out, w)
				found = true
				break
			}
		}
		if !found {
			names := make([]string, len(all))
			for i, w := range all {
				names[i] = w.Name
			}
			return nil, fmt.Errorf("unknown workload %q (known: %s)", name, strings.Join(names, ", "))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no workload in %q", list)
	}
	return out, nil
}

// Keys is a key space: Count keys named Prefix followed by a zero-padded 12-digit number, as
// redis-benchmark names them with -r (key:000000012345).
type Keys struct {
	Prefix string
	Count  int
}

// Append appends the name of key i to b.
func (k Keys) Append(b []byte, i int) []byte {
	b = append(b, k.Prefix...)
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(i), 10)
	for n := len(d); n < 12; n++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// Value returns a value of size bytes, printable but not compressible (random letters and digits
// from a fixed seed), so neither server gains from compressing it.
func Value(size int, seed uint64) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	v := make([]byte, size)
	for i := range v {
		v[i] = alphabet[r.IntN(len(alphabet))]
	}
	return v
}

// generator writes a workload's commands to a connection. Each client has its own.
type generator struct {
	w     Workload
	keys  Keys
	value []byte
	batch int
	rng   *rand.Rand
	args  [][]byte
	names [][]byte // key name buffers, one per key in a command
	verbs [len(opNames)][]byte
}

func newGenerator(w Workload, keys Keys, value []byte, batch int, seed1, seed2 uint64) *generator {
	if !w.Batched {
		batch = 1
	}
	g := &generator{
		w: w, keys: keys, value: value, batch: batch,
		rng:   rand.New(rand.NewPCG(seed1, seed2)),
		args:  make([][]byte, 0, 1+2*batch),
		names: make([][]byte, batch),
	}
	for i := range g.names {
		g.names[i] = make([]byte, 0, len(keys.Prefix)+20)
	}
	for i, name := range opNames {
		g.verbs[i] = []byte(name)
	}
	return g
}

// next picks the next command and buffers it on c.
func (g *generator) next(c *resp.Conn) (Op, error) {
	op := g.w.Op
	if g.w.Mixed {
		op = OpSet
		if g.rng.IntN(100) < g.w.GetPercent {
			op = OpGet
		}
	}
	g.args = append(g.args[:0], g.verbs[op])
	n := 1
	if op == OpMGet || op == OpMSet {
		n = g.batch
	}
	for i := 0; i < n; i++ {
		g.names[i] = g.keys.Append(g.names[i][:0], g.rng.IntN(g.keys.Count))
		g.args = append(g.args, g.names[i])
		if op == OpSet || op == OpMSet {
			g.args = append(g.args, g.value)
		}
	}
	return op, c.WriteArgs(g.args...)
}
