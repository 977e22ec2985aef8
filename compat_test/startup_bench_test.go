package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

const (
	benchStartupKeys    = 1_000_000
	benchMSetKeys       = 1000 // keys per MSET
	benchPipelineMSets  = 10   // MSETs per pipeline
	benchLoadClients    = 4    // connections loading in parallel
	benchStartupKeyFmt  = "key:%07d"
	benchStartupValFmt  = "v%07d"
	benchStartupTimeout = 10 * time.Minute
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
//     Badger's memtable logs (two, ~128 MiB): the worst case. The copy leaves the files in the page
//     cache, as a crash does.
//   - after=SIGTERM: the same data, started once and stopped cleanly (Badger flushes its memtables
//     on close); every iteration starts it and stops it with SIGTERM.
//
// Run: go test ./compat_test/ -run '^$' -bench StartupToFirstPong -benchtime 5x
func BenchmarkStartupToFirstPong1MKeys(b *testing.B) {
	if testing.Short() {
		b.Skip("loads 1,000,000 keys")
	}
	harness.Binary(b) // build outside any measurement
	killedDir, stoppedDir := b.TempDir(), b.TempDir()
	s := harness.Start(b, killedDir)
	loadStart := time.Now()
	if err := loadStartupKeys(b, s.Addr); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d keys in %v", benchStartupKeys, time.Since(loadStart).Round(time.Millisecond))
	s.Kill() // a crash right after the load
	if err := copyDir(killedDir, stoppedDir); err != nil {
		b.Fatal(err)
	}
	s = harness.Start(b, stoppedDir)
	checkStartupKeys(b, s.Addr)
	s.Stop()

	b.Run("after=SIGKILL", func(b *testing.B) { benchStartup(b, killedDir, true, (*harness.Server).Kill) })
	b.Run("after=SIGTERM", func(b *testing.B) { benchStartup(b, stoppedDir, false, (*harness.Server).Stop) })
}

// benchStartup times start-ups of a node on dir (or, with fromCopy, on a fresh copy of dir each
// time), each ended by stop.
func benchStartup(b *testing.B, dir string, fromCopy bool, stop func(*harness.Server)) {
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
		k := n % benchStartupKeys
		if err := c.Set(ctx, fmt.Sprintf(benchStartupKeyFmt, k), fmt.Sprintf(benchStartupValFmt, k), 0).Err(); err != nil {
			b.Fatalf("first write: %v", err)
		}
		write += time.Since(t0)
		if n == 0 {
			checkStartupKeys(b, s.Addr)
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

// loadStartupKeys writes benchStartupKeys keys with pipelined MSETs from several connections.
func loadStartupKeys(b *testing.B, addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), benchStartupTimeout)
	defer cancel()
	c := newTestClient(b, addr, benchLoadClients)
	defer c.Close()
	const perPipeline = benchMSetKeys * benchPipelineMSets
	var wg sync.WaitGroup
	errs := make(chan error, benchLoadClients)
	for w := 0; w < benchLoadClients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := make([]any, 0, 2*benchMSetKeys)
			for first := w * perPipeline; first < benchStartupKeys; first += benchLoadClients * perPipeline {
				pipe := c.Pipeline()
				for m := first; m < min(first+perPipeline, benchStartupKeys); m += benchMSetKeys {
					args = args[:0]
					for k := m; k < min(m+benchMSetKeys, benchStartupKeys); k++ {
						args = append(args, fmt.Sprintf(benchStartupKeyFmt, k), fmt.Sprintf(benchStartupValFmt, k))
					}
					pipe.MSet(ctx, args...)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					errs <- fmt.Errorf("load at key %d: %w", first, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != benchStartupKeys {
		return fmt.Errorf("DBSIZE after load = %d (%v), want %d", n, err, benchStartupKeys)
	}
	return nil
}

// checkStartupKeys checks that a started node holds the loaded data (count and a few values).
func checkStartupKeys(b *testing.B, addr string) {
	b.Helper()
	ctx := context.Background()
	c := newTestClient(b, addr, 1)
	defer c.Close()
	if n, err := c.DBSize(ctx).Result(); err != nil || n != benchStartupKeys {
		b.Fatalf("DBSIZE = %d (%v), want %d", n, err, benchStartupKeys)
	}
	for _, k := range []int{0, benchStartupKeys / 2, benchStartupKeys - 1} {
		key, want := fmt.Sprintf(benchStartupKeyFmt, k), fmt.Sprintf(benchStartupValFmt, k)
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
