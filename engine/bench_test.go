package engine

import (
	"bytes"
	"strconv"
	"testing"
)

// Benchmarks run on disk in b.TempDir() with DefaultOptions (SyncWrites off, ValueThreshold 1 KiB),
// one goroutine, over benchKeys keys: go test -run '^$' -bench . -benchmem ./engine/

const benchKeys = 10_000

var benchValue = bytes.Repeat([]byte{'v'}, 1024) // 1 KiB, as redis-benchmark -d 1024

func benchKey(i int) []byte { return strconv.AppendInt([]byte("key:"), int64(i%benchKeys), 10) }

func openBenchDB(b *testing.B) *DB {
	b.Helper()
	return openDB(b, DefaultOptions(b.TempDir()).WithLogger(discardLogger()))
}

// BenchmarkGet reads 1 KiB values (stored in Badger's value log: 1 KiB + header >= ValueThreshold).
func BenchmarkGet(b *testing.B) {
	d := openBenchDB(b)
	for lo := 0; lo < benchKeys; lo += 1000 {
		mustUpdate(b, d, 0, func(tx *Tx) error {
			for i := lo; i < lo+1000; i++ {
				if _, err := tx.Set(0, benchKey(i), benchValue, SetOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.SetBytes(int64(len(benchValue)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := d.Get(0, benchKey(i*7919)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetPipelined reads as resp serves a pipeline of 16 GETs: one read Tx while it is
// Current, each value handed to a function (GetFunc) as the reply writer takes it, not copied.
func BenchmarkGetPipelined(b *testing.B) {
	d := openBenchDB(b)
	for lo := 0; lo < benchKeys; lo += 1000 {
		mustUpdate(b, d, 0, func(tx *Tx) error {
			for i := lo; i < lo+1000; i++ {
				if _, err := tx.Set(0, benchKey(i), benchValue, SetOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = benchKey(i * 7919)
	}
	out := make([]byte, 0, 2048)
	write := func(v []byte) { out = append(out[:0], v...) }
	b.SetBytes(int64(len(benchValue)))
	b.ReportAllocs()
	var tx *Tx
	for i := 0; b.Loop(); i++ {
		if i%16 == 0 || !tx.Current() {
			if tx != nil {
				tx.Discard()
			}
			tx = d.Begin(d.nowMillis(), false)
		}
		if err := tx.GetFunc(0, keys[i%benchKeys], write); err != nil {
			b.Fatal(err)
		}
	}
	tx.Discard()
}

// BenchmarkSet writes 1 KiB values, one transaction (one Badger commit) per SET.
func BenchmarkSet(b *testing.B) {
	d := openBenchDB(b)
	b.SetBytes(int64(len(benchValue)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := d.Set(0, benchKey(i), benchValue, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIncr increments counters, one transaction per INCR. The counters live among 1 KiB
// string values, so the LSM tree and value log look like a server's under redis-benchmark -d 1024.
func BenchmarkIncr(b *testing.B) {
	d := openBenchDB(b)
	mustUpdate(b, d, 0, func(tx *Tx) error {
		for i := 0; i < 1000; i++ {
			if _, err := tx.Set(0, benchKey(i), benchValue, SetOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = strconv.AppendInt([]byte("counter:"), int64(i), 10)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := d.Update(func(tx *Tx) error {
			_, err := tx.IncrBy(0, keys[i%len(keys)], 1)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
