package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestModeFlags(t *testing.T) {
	cases := []struct {
		args       []string
		err        string // "" = accepted
		inMemory   bool
		valueCache int64 // the engine's ValueCacheSize
	}{
		{args: nil, valueCache: 256 << 20},
		{args: []string{"--value-cache", "0"}, valueCache: 0},
		{args: []string{"--value-cache", "128mb"}, valueCache: 128 << 20},
		{args: []string{"--durability", "memory", "--value-cache", "1gb"}, inMemory: true, valueCache: 1 << 30},
		{args: []string{"--memory-budget", "256mb"}, valueCache: (256<<20 - 64<<20) * 10 / 100},
		{args: []string{"--memory-budget", "256mb", "--value-cache", "8mb"}, valueCache: 8 << 20},
		{args: []string{"--value-cache", "lots"}, err: "--value-cache: invalid memory size"},
		{args: []string{"--value-cache", "-1"}, err: "--value-cache: invalid memory size"},
		{args: []string{"--memory-budget", "1mb"}, err: "below the minimum"},
		{args: []string{"--durability", "memory", "--memory-budget", "256mb"}, err: "--memory-budget bounds"},
		{args: []string{"--durability", "sometimes"}, err: "--durability: unknown durability"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var m modeFlags
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			m.register(fs)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := m.parse()
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("parse = %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			o := m.engineOptions(t.TempDir())
			if o.InMemory != c.inMemory || o.ValueCacheSize != c.valueCache {
				t.Errorf("engine options: in memory %v, value cache %d; want %v, %d", o.InMemory, o.ValueCacheSize, c.inMemory, c.valueCache)
			}
		})
	}
}
