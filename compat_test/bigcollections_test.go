package compat_test

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// Large collections: a list, a hash, a set and a sorted set, each of N elements, in one server.
// Reads of a few elements must stay point reads (fast whatever N), the server's memory must not
// follow the data (the elements live on disk), and DEL of a whole collection must return at once
// (its elements are reclaimed in the background).
//
// TestCollectionsOf50KElementsStayFastAndDeleteAtOnce runs it at 50,000 elements per type in a few seconds
// with assertions; TestMillionElementCollections runs it at 1,000,000 (FLIN_BIG=1; FLIN_BIG_N
// changes the size) and logs the report that bench/results/big-collections-*.md records:
//
//	FLIN_BIG=1 go test -count=1 -timeout 60m -run TestMillionElementCollections -v ./compat_test
//
// Both load redis-server (no persistence) with the same data in the same run, for comparison.

// bigKind is one collection type: its key, the command that adds elements and the arguments of
// element i.
type bigKind struct {
	name string
	key  string
	add  string
	elem func(args []string, i int) []string
}

var bigKinds = []bigKind{
	{"list", "big:list", "RPUSH", func(a []string, i int) []string { return append(a, bigListElem(i)) }},
	{"hash", "big:hash", "HSET", func(a []string, i int) []string { return append(a, bigField(i), bigValue(i)) }},
	{"set", "big:set", "SADD", func(a []string, i int) []string { return append(a, bigMember(i)) }},
	{"zset", "big:zset", "ZADD", func(a []string, i int) []string { return append(a, strconv.Itoa(i), bigMember(i)) }},
}

func bigListElem(i int) string { return fmt.Sprintf("e:%07d", i) }
func bigField(i int) string    { return fmt.Sprintf("f:%07d", i) }
func bigValue(i int) string    { return fmt.Sprintf("v:%07d", i) }
func bigMember(i int) string   { return fmt.Sprintf("m:%07d", i) }

const (
	bigPerCommand = 1000 // elements per RPUSH / HSET / SADD / ZADD
	bigPipeline   = 16   // commands written before reading their replies
)

// bigProbe is one kind of read: a command on element i (chosen at random in [0, n)) and a check of
// its reply.
type bigProbe struct {
	name  string
	kind  string
	args  func(i, n int) []string
	check func(v respValue, i, n int) error
	// few: probes that walk O(N) elements by design (documented); run far fewer of them and
	// never assert their latency.
	few bool
}

var bigProbes = []bigProbe{
	{name: "LINDEX key i", kind: "list",
		args:  func(i, n int) []string { return []string{"LINDEX", "big:list", strconv.Itoa(i)} },
		check: func(v respValue, i, n int) error { return wantBulk(v, bigListElem(i)) }},
	{name: "LRANGE key i i+9", kind: "list",
		args:  func(i, n int) []string { return []string{"LRANGE", "big:list", strconv.Itoa(i), strconv.Itoa(i + 9)} },
		check: func(v respValue, i, n int) error { return wantArray(v, i, min(i+10, n), bigListElem) }},
	{name: "HGET key field", kind: "hash",
		args:  func(i, n int) []string { return []string{"HGET", "big:hash", bigField(i)} },
		check: func(v respValue, i, n int) error { return wantBulk(v, bigValue(i)) }},
	{name: "SISMEMBER key member", kind: "set",
		args: func(i, n int) []string { return []string{"SISMEMBER", "big:set", bigMember(i)} },
		check: func(v respValue, i, n int) error {
			if v.Type != ':' || v.Text != "1" {
				return fmt.Errorf("got %s, want :1", v)
			}
			return nil
		}},
	{name: "ZSCORE key member", kind: "zset",
		args:  func(i, n int) []string { return []string{"ZSCORE", "big:zset", bigMember(i)} },
		check: func(v respValue, i, n int) error { return wantBulk(v, strconv.Itoa(i)) }},
	{name: "ZRANGE key i i+9 BYSCORE", kind: "zset",
		args: func(i, n int) []string {
			return []string{"ZRANGE", "big:zset", strconv.Itoa(i), strconv.Itoa(i + 9), "BYSCORE"}
		},
		check: func(v respValue, i, n int) error { return wantArray(v, i, min(i+10, n), bigMember) }},
	{name: "ZRANGE key 0 9", kind: "zset",
		args:  func(i, n int) []string { return []string{"ZRANGE", "big:zset", "0", "9"} },
		check: func(v respValue, i, n int) error { return wantArray(v, 0, min(10, n), bigMember) }},
	{name: "ZRANGE key -10 -1", kind: "zset",
		args:  func(i, n int) []string { return []string{"ZRANGE", "big:zset", "-10", "-1"} },
		check: func(v respValue, i, n int) error { return wantArray(v, max(0, n-10), n, bigMember) }},
	{name: "ZRANGE key i i+9 (by rank)", kind: "zset", few: true,
		args:  func(i, n int) []string { return []string{"ZRANGE", "big:zset", strconv.Itoa(i), strconv.Itoa(i + 9)} },
		check: func(v respValue, i, n int) error { return wantArray(v, i, min(i+10, n), bigMember) }},
}

// bigSetProbe is a write: SET of one of n small keys.
var bigSetProbe = bigProbe{name: "SET k:i v", kind: "string",
	args: func(i, n int) []string { return []string{"SET", "big:k:" + strconv.Itoa(i), "v"} },
	check: func(v respValue, i, n int) error {
		if v.Type != '+' || v.Text != "OK" {
			return fmt.Errorf("got %s, want +OK", v)
		}
		return nil
	}}

func wantBulk(v respValue, want string) error {
	if v.Type != '$' || v.Null || v.Text != want {
		return fmt.Errorf("got %s, want bulk %q", v, want)
	}
	return nil
}

func wantArray(v respValue, lo, hi int, elem func(int) string) error {
	if v.Type != '*' || len(v.Elems) != hi-lo {
		return fmt.Errorf("got %s, want %d elements from %s", v, hi-lo, elem(lo))
	}
	for j, e := range v.Elems {
		if e.Text != elem(lo+j) {
			return fmt.Errorf("element %d is %s, want %q", j, e, elem(lo+j))
		}
	}
	return nil
}

// bigConfig is one run's size and limits.
type bigConfig struct {
	n           int   // elements per collection
	checkpoints []int // sizes at which memory and the type's reads are measured while loading
	probes      int   // probes per read command at the end (a quarter at each checkpoint)
	fewProbes   int   // probes of the O(N) ones
	// settle, when not zero, is how long the servers are left idle before memory is measured at
	// rest, before the DELs and after the reclaim: Go collects an idle heap every 2 minutes and then
	// returns free pages to the OS gradually, so this shows what the process holds at rest.
	settle time.Duration
	// Assertions; zero skips one.
	maxP99       time.Duration // p99 of every probe that is not "few", at the end
	maxDel       time.Duration // each DEL of a whole collection
	maxRestHeap  int64         // flin-resp's Go heap (INFO used_memory) at rest, four collections loaded
	maxRestAnon  int64         // flin-resp's RssAnon at rest with the four collections loaded
	reclaimLimit time.Duration // time for the background reclaim after the DELs
}

// TestCollectionsOf50KElementsStayFastAndDeleteAtOnce loads a list, a hash, a set and a sorted set
// of 50,000 elements each and checks that reading a few elements stays fast, that DEL of each
// returns at once and that the elements are then reclaimed in the background. Memory is reported,
// not asserted: at this size it only shows the first memtable filling up.
func TestCollectionsOf50KElementsStayFastAndDeleteAtOnce(t *testing.T) {
	t.Parallel()
	cfg := bigConfig{n: 50_000, checkpoints: []int{10_000, 50_000}, probes: 400, fewProbes: 10,
		maxP99: 100 * time.Millisecond, maxDel: 250 * time.Millisecond, reclaimLimit: 60 * time.Second}
	if testing.Short() {
		cfg.n, cfg.checkpoints, cfg.probes = 10_000, []int{10_000}, 100
	}
	runBigCollections(t, cfg)
}

// restHeapBound is what flin-resp's Go heap (INFO used_memory: the runtime's memory in use) may
// hold at rest whatever the data: Badger's one active memtable (an arena of 64 MiB + 2 x 15% of it,
// ~83 MiB, engine.DefaultOptions), its block cache (64 MiB) and 64 MiB for the rest (Raft, Badger's
// bookkeeping, stacks, GC metadata, buffers; table indexes and bloom filters are read in place from
// the mapped table files, outside the heap). Measured at rest: 137-184 MiB with 4M or 8M elements.
const restHeapBound = 83<<20 + 64<<20 + 64<<20

// restAnonBound is what flin-resp's anonymous RSS may be at rest: the Go runtime keeps freed pages
// up to 10% over its heap goal (GOGC=100: twice the live heap) before returning them to the OS,
// plus 16 MiB outside the heap (stacks, GC metadata).
const restAnonBound = restHeapBound*2*11/10 + 16<<20

// TestMillionElementCollections is the same at 1,000,000 elements per type (or FLIN_BIG_N), run
// only with FLIN_BIG=1: it loads 4M elements into both servers (minutes on 2 cores).
// FLIN_BIG_SETTLE changes how long the servers idle before memory is measured at rest (0: not at
// all; default 150s, enough for Go's periodic collection of an idle heap).
func TestMillionElementCollections(t *testing.T) {
	if os.Getenv("FLIN_BIG") == "" {
		t.Skip("set FLIN_BIG=1 to load four collections of 1,000,000 elements")
	}
	n := 1_000_000
	if s := os.Getenv("FLIN_BIG_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			t.Fatalf("FLIN_BIG_N=%q: want a number >= 1000", s)
		}
	}
	cfg := bigConfig{n: n, checkpoints: []int{n / 10, n / 2, n}, probes: 2000, fewProbes: 20,
		settle: 150 * time.Second, maxP99: 100 * time.Millisecond, maxDel: 250 * time.Millisecond,
		reclaimLimit: 10 * time.Minute, maxRestHeap: restHeapBound, maxRestAnon: restAnonBound}
	if s := os.Getenv("FLIN_BIG_SETTLE"); s != "" {
		var err error
		if cfg.settle, err = time.ParseDuration(s); err != nil {
			t.Fatalf("FLIN_BIG_SETTLE=%q: %v", s, err)
		}
	}
	runBigCollections(t, cfg)
}

// bigServer is one server under test with its connection and process.
type bigServer struct {
	name string
	c    *rawClient
	pid  int
	flin bool
}

func runBigCollections(t *testing.T, cfg bigConfig) {
	// FLIN_BIG_HEAP_DIR=dir saves a heap profile of flin-resp at every memory snapshot (go tool
	// pprof dir/NN-stage.heap).
	heapDir := os.Getenv("FLIN_BIG_HEAP_DIR")
	var flags []string
	pprofAddr := ""
	if heapDir != "" {
		pprofAddr = fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
		flags = append(flags, "--pprof-addr", pprofAddr)
	}
	fl := harness.Start(t, "", flags...)
	servers := []*bigServer{{name: "flin-resp", c: dialRaw(t, fl.Addr), pid: fl.Pid(), flin: true}}
	if _, err := exec.LookPath("redis-server"); err == nil || os.Getenv("CI") != "" {
		rd := harness.StartRedis(t)
		servers = append(servers, &bigServer{name: "redis", c: dialRaw(t, rd.Addr), pid: rd.Pid()})
	} else {
		t.Log("redis-server not installed: flin-resp alone")
	}
	// The first write waits for the election.
	if v := servers[0].c.do("SET", "big:ready", "1"); v.Type != '+' {
		t.Fatalf("SET: %s", v)
	}
	servers[0].c.do("DEL", "big:ready")

	var mem []bigMemRow
	snap := func(stage string) bigMemRow {
		row := bigMemRow{stage: stage}
		for _, s := range servers {
			row.mem = append(row.mem, readBigMem(t, s))
		}
		mem = append(mem, row)
		if heapDir != "" {
			saveHeapProfile(t, pprofAddr, filepath.Join(heapDir, fmt.Sprintf("%02d-%s.heap", len(mem), strings.ReplaceAll(stage, " ", "-"))))
		}
		return row
	}
	// settled leaves the servers idle for cfg.settle, then records their memory.
	settled := func(stage string) bigMemRow {
		time.Sleep(cfg.settle) // a measurement of memory at rest, not a wait for readiness
		return snap(stage)
	}
	snap("empty")
	var during []string // latencies of a type's reads at its checkpoints
	loadStart := time.Now()
	for _, k := range bigKinds {
		from := 0
		for _, cp := range cfg.checkpoints {
			for _, s := range servers {
				start := time.Now()
				bigLoad(t, s.c, k, from, cp)
				if s.flin {
					t.Logf("%s: loaded %s %d..%d in %v", s.name, k.name, from, cp, time.Since(start).Round(time.Millisecond))
				}
			}
			from = cp
			snap(fmt.Sprintf("%s at %d", k.name, cp))
			for _, p := range bigProbes {
				if p.kind != k.name || p.few {
					continue
				}
				for _, s := range servers {
					h := bigMeasure(t, s, p, cp, max(cfg.probes/4, 10), uint64(cp))
					during = append(during, fmt.Sprintf("| %s | %d | %s | %s |", p.name, cp, s.name, latencyCells(h)))
				}
			}
		}
	}
	t.Logf("loaded 4 x %d elements into each server in %v", cfg.n, time.Since(loadStart).Round(time.Millisecond))
	snap("all four loaded")
	diskEngine, diskRaft := diskUsage(filepath.Join(fl.Dir, "engine")), diskUsage(filepath.Join(fl.Dir, "raft"))

	// Reads of a few elements, all four types loaded.
	var reads []string
	for _, p := range bigProbes {
		count := cfg.probes
		if p.few {
			count = cfg.fewProbes
		}
		for _, s := range servers {
			h := bigMeasure(t, s, p, cfg.n, count, 42)
			reads = append(reads, fmt.Sprintf("| %s | %s | %d | %s |", p.name, s.name, count, latencyCells(h)))
			if s.flin && !p.few && cfg.maxP99 > 0 && time.Duration(h.ValueAtQuantile(99))*time.Microsecond > cfg.maxP99 {
				t.Errorf("%s on %d elements: p99 %v, want at most %v", p.name, cfg.n,
					time.Duration(h.ValueAtQuantile(99))*time.Microsecond, cfg.maxP99)
			}
		}
	}
	snap("after the reads")
	if cfg.settle > 0 {
		rest := settled(fmt.Sprintf("at rest (%v idle), all four loaded", cfg.settle))
		if cfg.maxRestHeap > 0 && rest.mem[0].used > cfg.maxRestHeap {
			t.Errorf("flin-resp's Go heap is %s at rest with 4 x %d elements, want at most %s",
				mib(rest.mem[0].used), cfg.n, mib(cfg.maxRestHeap))
		}
		if cfg.maxRestAnon > 0 && rest.mem[0].anon > cfg.maxRestAnon {
			t.Errorf("flin-resp holds %s of anonymous memory at rest with 4 x %d elements, want at most %s",
				mib(rest.mem[0].anon), cfg.n, mib(cfg.maxRestAnon))
		}
	}

	// Writes with nothing to reclaim, to compare with writes during the reclaim below.
	var writes []string
	for _, s := range servers {
		h := bigMeasure(t, s, bigSetProbe, cfg.n, max(cfg.probes/4, 10), 8)
		writes = append(writes, fmt.Sprintf("| %s | before the DELs | %s | %d | %s |", bigSetProbe.name, s.name, h.TotalCount(), latencyCells(h)))
	}

	// DEL of each whole collection.
	var dels []string
	reclaimStart := time.Now()
	for _, k := range bigKinds {
		line := "| DEL " + k.name + " |"
		for _, s := range servers {
			start := time.Now()
			v := s.c.do("DEL", k.key)
			d := time.Since(start)
			if v.Type != ':' || v.Text != "1" {
				t.Fatalf("%s: DEL %s: %s", s.name, k.key, v)
			}
			line += fmt.Sprintf(" %s |", fmtDur(d))
			if s.flin && cfg.maxDel > 0 && d > cfg.maxDel {
				t.Errorf("DEL of a %d-element %s took %v, want at most %v", cfg.n, k.name, d, cfg.maxDel)
			}
		}
		dels = append(dels, line)
	}
	snap("after DEL of all four")
	fs := servers[0]
	for _, k := range bigKinds {
		if v := fs.c.do("EXISTS", k.key); v.Text != "0" {
			t.Errorf("EXISTS %s after DEL: %s", k.key, v)
		}
	}
	// The elements go in the background: meanwhile client writes must still be served promptly.
	cpuDone := make(chan error, 1)
	if heapDir != "" {
		// And where flin-resp's CPU goes during the reclaim (go tool pprof dir/reclaim.cpu).
		go func() {
			cpuDone <- saveURL("http://"+pprofAddr+"/debug/pprof/profile?seconds=10", filepath.Join(heapDir, "reclaim.cpu"))
		}()
	} else {
		cpuDone <- nil
	}
	for _, s := range servers {
		h := bigMeasure(t, s, bigSetProbe, cfg.n, max(cfg.probes/4, 10), 9)
		writes = append(writes, fmt.Sprintf("| %s | right after the DELs | %s | %d | %s |", bigSetProbe.name, s.name, h.TotalCount(), latencyCells(h)))
	}
	if err := <-cpuDone; err != nil {
		t.Error(err)
	}
	reclaimed := false
	for time.Since(reclaimStart) < cfg.reclaimLimit {
		if infoField(t, fs.c, "memory", "lazyfree_pending_objects") == "0" {
			reclaimed = true
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the server's progress
	}
	if !reclaimed {
		t.Errorf("elements of the deleted collections not reclaimed after %v", cfg.reclaimLimit)
	}
	reclaimTime := time.Since(reclaimStart)
	snap("elements reclaimed")
	if cfg.settle > 0 {
		settled(fmt.Sprintf("at rest (%v idle), after the reclaim", cfg.settle))
	}

	// The report.
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d elements per collection; %d-element commands, %d per pipeline; %s, %d cores, GOMAXPROCS %d\n",
		cfg.n, bigPerCommand, bigPipeline, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "\nMemory (/proc/PID/status; flin heap = INFO used_memory, the Go runtime's memory in use; redis used_memory = its allocator's)\n\n")
	fmt.Fprintf(&b, "| stage | flin VmRSS | flin RssAnon | flin RssFile | flin heap |")
	if len(servers) > 1 {
		fmt.Fprintf(&b, " redis VmRSS | redis used_memory |")
	}
	b.WriteString("\n|---|---|---|---|---|")
	if len(servers) > 1 {
		b.WriteString("---|---|")
	}
	b.WriteString("\n")
	for _, r := range mem {
		f := r.mem[0]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |", r.stage, mib(f.rss), mib(f.anon), mib(f.file), mib(f.used))
		if len(r.mem) > 1 {
			fmt.Fprintf(&b, " %s | %s |", mib(r.mem[1].rss), mib(r.mem[1].used))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nflin-resp on disk with all four loaded (allocated blocks): engine/ %s, raft/ %s\n", mib(diskEngine), mib(diskRaft))
	fmt.Fprintf(&b, "\nflin-resp peak RSS (VmHWM) %s; redis %s\n", mib(mem[len(mem)-1].mem[0].hwm), func() string {
		if len(servers) > 1 {
			return mib(mem[len(mem)-1].mem[1].hwm)
		}
		return "-"
	}())
	fmt.Fprintf(&b, "\nReads with all four collections loaded (one command at a time, random i; µs)\n\n")
	b.WriteString("| command | server | probes | p50 | p99 | max |\n|---|---|---|---|---|---|\n")
	b.WriteString(strings.Join(reads, "\n") + "\n")
	fmt.Fprintf(&b, "\nReads of the type being loaded, at each checkpoint (µs)\n\n")
	b.WriteString("| command | elements | server | p50 | p99 | max |\n|---|---|---|---|---|---|\n")
	b.WriteString(strings.Join(during, "\n") + "\n")
	fmt.Fprintf(&b, "\nDEL of each collection (one command, wall time at the client)\n\n| command | flin-resp |")
	if len(servers) > 1 {
		b.WriteString(" redis |")
	}
	b.WriteString("\n|---|---|")
	if len(servers) > 1 {
		b.WriteString("---|")
	}
	b.WriteString("\n" + strings.Join(dels, "\n") + "\n")
	fmt.Fprintf(&b, "\nWrites before the DELs, and right after them while flin-resp reclaims the elements (µs)\n\n")
	b.WriteString("| command | when | server | probes | p50 | p99 | max |\n|---|---|---|---|---|---|---|\n")
	b.WriteString(strings.Join(writes, "\n") + "\n")
	fmt.Fprintf(&b, "\nflin-resp reclaimed the %d elements in the background in %v (from the first DEL)\n", 4*cfg.n, reclaimTime.Round(time.Millisecond))
	t.Log(b.String())
}

// diskUsage is the disk space the files under dir take (allocated blocks: Badger's value log is a
// sparse file far larger than its data), 0 if it cannot be read.
func diskUsage(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	return n
}

// saveHeapProfile saves flin-resp's heap profile to path, and the same in text with the runtime's
// memory statistics to path.txt.
func saveHeapProfile(t *testing.T, addr, path string) {
	t.Helper()
	if err := saveURL("http://"+addr+"/debug/pprof/heap", path); err != nil {
		t.Fatal(err)
	}
	if err := saveURL("http://"+addr+"/debug/pprof/heap?debug=1", path+".txt"); err != nil {
		t.Fatal(err)
	}
}

// saveURL saves the body of a GET of url to path.
func saveURL(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// bigLoad adds elements from..to-1 of kind k with pipelined commands of bigPerCommand elements.
func bigLoad(t *testing.T, c *rawClient, k bigKind, from, to int) {
	t.Helper()
	var buf []byte
	pending := 0
	flush := func() {
		c.write(buf)
		for range pending {
			if v := c.read(); v.Type != ':' {
				t.Fatalf("%s %s: %s", k.add, k.key, v)
			}
		}
		buf, pending = buf[:0], 0
	}
	for lo := from; lo < to; lo += bigPerCommand {
		args := []string{k.add, k.key}
		for i := lo; i < min(lo+bigPerCommand, to); i++ {
			args = k.elem(args, i)
		}
		buf = append(buf, encodeCommand(args...)...)
		if pending++; pending == bigPipeline {
			flush()
		}
	}
	if pending > 0 {
		flush()
	}
}

// bigMeasure sends count probes of p, one at a time, on elements chosen at random among n, checks
// every reply and returns their round-trip latencies in µs.
func bigMeasure(t *testing.T, s *bigServer, p bigProbe, n, count int, seed uint64) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, 600_000_000, 3)
	r := rand.New(rand.NewPCG(seed, 7))
	for range count {
		i := r.IntN(n)
		req := encodeCommand(p.args(i, n)...)
		start := time.Now()
		s.c.write(req)
		v := s.c.read()
		h.RecordValue(max(time.Since(start).Microseconds(), 1))
		if err := p.check(v, i, n); err != nil {
			t.Fatalf("%s: %q: %v", s.name, p.args(i, n), err)
		}
	}
	return h
}

func latencyCells(h *hdrhistogram.Histogram) string {
	return fmt.Sprintf("%d | %d | %d", h.ValueAtQuantile(50), h.ValueAtQuantile(99), h.Max())
}

// bigMem is a server process's memory at one moment, in bytes.
type bigMem struct {
	procMemory       // VmRSS, RssAnon, RssFile, VmHWM
	used       int64 // INFO memory used_memory
}

type bigMemRow struct {
	stage string
	mem   []bigMem // one per server, in servers' order
}

func readBigMem(t *testing.T, s *bigServer) bigMem {
	t.Helper()
	var m bigMem
	m.used, _ = strconv.ParseInt(infoField(t, s.c, "memory", "used_memory"), 10, 64)
	m.procMemory, _ = readProcMemory(s.pid) // not Linux: no RSS
	return m
}

// infoField returns one field of an INFO section, "" when absent.
func infoField(t *testing.T, c *rawClient, section, field string) string {
	t.Helper()
	v := c.do("INFO", section)
	for _, line := range strings.Split(v.Text, "\r\n") {
		if k, val, ok := strings.Cut(line, ":"); ok && k == field {
			return val
		}
	}
	return ""
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func fmtDur(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
