package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

const (
	benchMSetKeys      = 1000 // keys per MSET
	benchPipelineMSets = 10   // MSETs per pipeline
	benchLoadClients   = 4    // connections loading in parallel
)

// startupData is a data set for the start-up benchmarks: keys "key:0..." with short values.
type startupData struct {
	keys           int
	keyFmt, valFmt string
	loadTimeout    time.Duration
}

var (
	startup1M  = startupData{1_000_000, "key:%07d", "v%07d", 10 * time.Minute}
	startup10M = startupData{10_000_000, "key:%08d", "v%08d", 60 * time.Minute}
)

// BenchmarkStartupToFirstPong1MKeys measures how long a node holding 1,000,000 keys takes from
// process start to its first PONG (ms/first-pong; ns/op is the same time) and, reported alongside,
// to its first acknowledged write (ms/first-write: that one waits for the election and for Raft to
// replay, and the FSM to skip, the whole log).
//
// How it runs: the binary built by the harness (no -race); the data is loaded once by 4 connections
// sending pipelines of 10 MSETs of 1000 keys ("key:0000000".."key:0999999", 8-byte values); no
// snapshot is taken, so the Raft log holds every write. Two cases:
//   - after=SIGKILL: the node is killed right after the load, before Badger flushed its memtables.
//     Every iteration starts from a fresh (untimed) copy of that directory, so every start replays
//     Badger's memtable logs that were not yet flushed (the benchmark logs how many): the worst
//     case. The copy leaves the files in the page cache, as a crash does.
//   - after=SIGTERM: the same data, started once and stopped cleanly (Badger flushes its memtables
//     on close); every iteration starts it and stops it with SIGTERM.
//
// Run: go test ./compat_test/ -run '^$' -bench StartupToFirstPong -benchtime 5x
func BenchmarkStartupToFirstPong1MKeys(b *testing.B) {
	if testing.Short() {
		b.Skip("loads 1,000,000 keys")
	}
	benchmarkStartup(b, startup1M)
}

// BenchmarkStartupToFirstPong10MKeys is BenchmarkStartupToFirstPong1MKeys with 10,000,000 keys
// ("key:00000000".."key:09999999"). Opt-in: loading takes minutes.
//
// Run: FLIN_STARTUP_10M=1 go test ./compat_test/ -run '^$' -bench StartupToFirstPong10M -benchtime 5x -timeout 60m
func BenchmarkStartupToFirstPong10MKeys(b *testing.B) {
	if os.Getenv("FLIN_STARTUP_10M") == "" {
		b.Skip("opt-in: FLIN_STARTUP_10M=1 (loads 10,000,000 keys, minutes)")
	}
	benchmarkStartup(b, startup10M)
}

func benchmarkStartup(b *testing.B, data startupData) {
	harness.Binary(b) // build outside any measurement
	killedDir, stoppedDir := b.TempDir(), b.TempDir()
	s := harness.Start(b, killedDir)
	loadStart := time.Now()
	if err := loadStartupKeys(b, s.Addr, data); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d keys in %v", data.keys, time.Since(loadStart).Round(time.Millisecond))
	s.Kill() // a crash right after the load
	b.Logf("after the load: %s", describeEngineDir(filepath.Join(killedDir, "engine")))
	if err := copyDir(killedDir, stoppedDir); err != nil {
		b.Fatal(err)
	}
	s = harness.Start(b, stoppedDir)
	checkStartupKeys(b, s.Addr, data)
	s.Stop()

	b.Run("after=SIGKILL", func(b *testing.B) { benchStartup(b, killedDir, true, (*harness.Server).Kill, data) })
	b.Run("after=SIGTERM", func(b *testing.B) { benchStartup(b, stoppedDir, false, (*harness.Server).Stop, data) })
}

// describeEngineDir says how many memtable logs (replayed by a start after a crash) and tables
// Badger's directory holds, and their sizes.
func describeEngineDir(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var mems, tables int
	var tableBytes int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".mem":
			mems++
		case ".sst":
			tables++
			tableBytes += info.Size()
		}
	}
	return fmt.Sprintf("%d memtable logs, %d tables (%d MiB)", mems, tables, tableBytes>>20)
}

// benchStartup times start-ups of a node on dir (or, with fromCopy, on a fresh copy of dir each
// time), each ended by stop.
func benchStartup(b *testing.B, dir string, fromCopy bool, stop func(*harness.Server), data startupData) {
	ctx := context.Background()
	work := dir
	if fromCopy {
		work = b.TempDir()
	}
	var pong, write, worst time.Duration
	n := 0
	for b.Loop() {
		if fromCopy {
			b.StopTimer()
			if err := os.RemoveAll(work); err != nil {
				b.Fatal(err)
			}
			if err := copyDir(dir, work); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		t0 := time.Now()
		s := harness.Start(b, work) // starts the process and waits for its "ready" line
		if err := harness.WaitPing(s.Addr, 30*time.Second); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		b.StopTimer()
		pong += d
		worst = max(worst, d)
		c := newTestClient(b, s.Addr, 1)
		// Rewrites a loaded key with its own value, so the data set stays as loaded.
		k := n % data.keys
		if err := c.Set(ctx, fmt.Sprintf(data.keyFmt, k), fmt.Sprintf(data.valFmt, k), 0).Err(); err != nil {
			b.Fatalf("first write: %v", err)
		}
		write += time.Since(t0)
		if n == 0 {
			checkStartupKeys(b, s.Addr, data)
		}
		c.Close()
		stop(s)
		n++
		b.StartTimer()
	}
	b.ReportMetric(float64(pong.Milliseconds())/float64(n), "ms/first-pong")
	b.ReportMetric(float64(worst.Milliseconds()), "ms/first-pong-max")
	b.ReportMetric(float64(write.Milliseconds())/float64(n), "ms/first-write")
}

// loadStartupKeys writes data's keys with pipelined MSETs from several connections.
func loadStartupKeys(b *testing.B, addr string, data startupData) error {
	ctx, cancel := context.WithTimeout(context.Background(), data.loadTimeout)
	defer cancel()
	c := newTestClient(b, addr, benchLoadClients)
	defer c.Close()
	kv := func(k int) (string, any) { return fmt.Sprintf(data.keyFmt, k), fmt.Sprintf(data.valFmt, k) }
	return msetKeys(ctx, c, data.keys, benchLoadClients, benchMSetKeys, benchPipelineMSets, kv)
}

// checkStartupKeys checks that a started node holds the loaded data (count and a few values).
func checkStartupKeys(b *testing.B, addr string, data startupData) {
	b.Helper()
	ctx := context.Background()
	c := newTestClient(b, addr, 1)
	defer c.Close()
	if n, err := c.DBSize(ctx).Result(); err != nil || n != int64(data.keys) {
		b.Fatalf("DBSIZE = %d (%v), want %d", n, err, data.keys)
	}
	for _, k := range []int{0, data.keys / 2, data.keys - 1} {
		key, want := fmt.Sprintf(data.keyFmt, k), fmt.Sprintf(data.valFmt, k)
		if got, err := c.Get(ctx, key).Result(); err != nil || got != want {
			b.Fatalf("GET %s = %q (%v), want %q", key, got, err, want)
		}
	}
}

// copyDir copies the regular files and directories under src into dst. Runs of zeros are skipped,
// not written, so Badger's preallocated files (a 2 GiB value log, 128 MiB memtable logs) stay sparse.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copySparse(path, target)
	})
}

func copySparse(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	var size int64
	for {
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			chunk := buf[:n]
			if bytes.Count(chunk, []byte{0}) == n {
				_, err = out.Seek(int64(n), io.SeekCurrent)
			} else {
				_, err = out.Write(chunk)
			}
			if err != nil {
				out.Close()
				return err
			}
			size += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			out.Close()
			return rerr
		}
	}
	if err := out.Truncate(size); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
