package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// madvPageout is Linux's MADV_PAGEOUT (5.4+): reclaim the pages of a range. It never changes what
// the range holds: a file page is written back if dirty and dropped, an anonymous page is swapped
// out (or, without swap, left alone). That makes it safe to aim at a range Badger may unmap (and
// the runtime reuse) between our reading /proc/self/maps and the call, which MADV_DONTNEED is not:
// on anonymous memory it zeroes the pages.
const madvPageout = 21

// madvRandom is MADV_RANDOM: no readahead and no fault-around on this range. Without it, a page
// fault in a mapped file brings in (and maps) a whole readahead window or large folio, up to
// megabytes, for one 1 KiB value: random GETs then mapped the whole value log within 100 ms
// (measured: RssFile from 30 MiB to 520 MiB at 20K GET/s). Like MADV_PAGEOUT it never changes
// what the range holds, so it too is safe on a range unmapped meanwhile.
const madvRandom = 1

// pageoutChunk is how much one madvise call pages out.
const pageoutChunk = 4 << 20

// MappedFileTrimmer keeps the resident pages of Badger's memory-mapped files (value log, tables,
// memtable logs) under a limit. Badger reads and writes those files through mmap, so every page it
// touches counts in the process's RSS (as RssFile) until the kernel needs the memory back, and a
// data set larger than RAM would show an RSS as large as the data. Every 25 ms the trimmer reads
// RssFile from /proc/self/status (~20 µs); above the limit it pages out (MADV_PAGEOUT) the engine's
// mappings, round-robin in 4 MiB chunks from where it stopped last time, until RssFile is under
// half the limit. (A compaction maps tens of MiB of tables quickly: at 100 ms and three quarters,
// RssFile was seen at 2.5 times the limit between two passes.) Paged-out pages are read from disk again when needed (that cost shows
// in read latencies when the data set is larger than the budget).
type MappedFileTrimmer struct {
	dir      string
	limit    int64
	interval time.Duration
	log      *slog.Logger
	cursor   uintptr // where the next pass starts

	pagedOut atomic.Int64 // bytes handed to MADV_PAGEOUT
	passes   atomic.Int64
	stop     chan struct{}
	done     chan struct{}
}

// StartMappedFileTrimmer starts trimming the mappings of files under dir to limit bytes of RssFile
// (which also counts the executable's own pages, ~10 MiB). Stop it before closing the engine.
func StartMappedFileTrimmer(dir string, limit int64, log *slog.Logger) (*MappedFileTrimmer, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	t := &MappedFileTrimmer{dir: abs + string(filepath.Separator), limit: limit, interval: 25 * time.Millisecond,
		log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go t.loop()
	return t, nil
}

// Stop stops the trimmer.
func (t *MappedFileTrimmer) Stop() {
	close(t.stop)
	<-t.done
}

// PagedOut returns the bytes paged out so far and the passes that did it.
func (t *MappedFileTrimmer) PagedOut() (bytes, passes int64) {
	return t.pagedOut.Load(), t.passes.Load()
}

func (t *MappedFileTrimmer) loop() {
	defer close(t.done)
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	warned := false
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		if err := t.trim(); err != nil && !warned {
			warned = true
			t.log.Warn("cannot trim the engine's mapped files; RSS may exceed the memory budget", "err", err)
		}
	}
}

// trim runs one pass if RssFile is above the limit.
func (t *MappedFileTrimmer) trim() error {
	rss, err := rssFile()
	if err != nil || rss <= t.limit/2 {
		return err
	}
	maps, err := fileMappings(t.dir)
	if err != nil {
		return err
	}
	total := uintptr(0)
	for _, m := range maps {
		total += m.end - m.start
		if m.random {
			syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, madvRandom)
		}
	}
	if total == 0 || rss <= t.limit {
		return nil // below the limit: only the value logs were marked random
	}
	t.passes.Add(1)
	target := t.limit / 2
	// Start at the cursor: the first mapping that ends after it.
	i := sort.Search(len(maps), func(i int) bool { return maps[i].end > t.cursor })
	done := uintptr(0)
	for n := 0; done < total; n++ {
		if i >= len(maps) {
			i = 0
		}
		m := maps[i]
		from := max(m.start, t.cursor)
		if from >= m.end {
			from = m.start
		}
		to := min(from+pageoutChunk, m.end)
		// An error means the mapping went away meanwhile (EINVAL/ENOMEM): nothing to do there.
		syscall.Syscall(syscall.SYS_MADVISE, from, to-from, madvPageout)
		t.pagedOut.Add(int64(to - from))
		done += to - from
		t.cursor = to
		if to >= m.end {
			i++
		}
		if n%8 == 7 {
			if rss, err := rssFile(); err != nil || rss <= target {
				return err
			}
		}
	}
	return nil
}

// mapping is an address range of a mapped file. random: a value log, read at random places.
type mapping struct {
	start, end uintptr
	random     bool
}

// fileMappings returns the mappings of files under dir (with its trailing separator), in address
// order, from /proc/self/maps.
func fileMappings(dir string) ([]mapping, error) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	var out []mapping
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		// start-end perms offset dev inode path
		fields := strings.Fields(string(line))
		if len(fields) < 6 || !strings.HasPrefix(fields[5], dir) {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, mapping{uintptr(start), uintptr(end), strings.HasSuffix(fields[5], ".vlog")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, nil
}

// rssFile returns RssFile from /proc/self/status, in bytes.
func rssFile() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "RssFile:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 {
			break
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("engine: no RssFile in /proc/self/status")
}
