// Package report turns measured runs into a comparison: one row per workload, clients, pipeline
// depth and target, with the median throughput over rounds, latency percentiles from the merged
// histograms and the ratio to a baseline target. It writes the comparison as a text table, JSON,
// CSV and an SVG bar chart.
package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/flin-resp/flin-resp/bench/load"
)

// Report is a whole benchmark run.
type Report struct {
	Tool     string    `json:"tool"`
	Started  time.Time `json:"started"`
	Machine  Machine   `json:"machine"`
	Config   Config    `json:"config"`
	Baseline string    `json:"baseline"`
	Targets  []Target  `json:"targets"`
	Rows     []Row     `json:"rows"`
}

// Config is how the run was made, as given on the command line.
type Config struct {
	Command   string   `json:"command"`
	Workloads []string `json:"workloads"`
	Clients   []int    `json:"clients"`
	Pipelines []int    `json:"pipelines"`
	ValueSize int      `json:"value_size"`
	Keys      int      `json:"keys"`
	KeyPrefix string   `json:"key_prefix"`
	Batch     int      `json:"batch"`
	// Duration is the measured time per round ("5s"), empty when Requests is set.
	Duration string `json:"duration,omitempty"`
	// Requests is the number of commands per round, 0 when Duration is set.
	Requests int64  `json:"requests,omitempty"`
	Warmup   string `json:"warmup"`
	Rounds   int    `json:"rounds"`
	Seed     uint64 `json:"seed"`
}

// Target is one server under test.
type Target struct {
	Name   string          `json:"name"`
	Addr   string          `json:"addr"`
	Server load.ServerInfo `json:"server"`
}

// Key identifies a row of the comparison, less the target.
type Key struct {
	Workload string `json:"workload"`
	Batch    int    `json:"batch,omitempty"` // keys per command for mset/mget, else 0
	Clients  int    `json:"clients"`
	Pipeline int    `json:"pipeline"`
}

func (k Key) String() string {
	w := k.Workload
	if k.Batch > 0 {
		w = fmt.Sprintf("%s(%d)", w, k.Batch)
	}
	return fmt.Sprintf("%s c=%d P=%d", w, k.Clients, k.Pipeline)
}

// Row is one target's result for one Key.
type Row struct {
	Key
	Target string `json:"target"`
	// OpsPerSec is the median over rounds of each round's throughput.
	OpsPerSec      float64   `json:"ops_per_sec"`
	RoundOpsPerSec []float64 `json:"round_ops_per_sec"`
	// Ratio is OpsPerSec divided by the baseline target's OpsPerSec for the same Key (1 for the
	// baseline itself, 0 when the baseline has no result).
	Ratio float64 `json:"ratio"`
	// Latency holds percentiles over every command of every round, in milliseconds.
	Latency Latency `json:"latency_ms"`
	Ops     int64   `json:"ops"`
	Errors  int64   `json:"errors"`
	Lookups int64   `json:"lookups"`
	Hits    int64   `json:"hits"`
	// FirstError is the first error reply seen, if any.
	FirstError string `json:"first_error,omitempty"`
}

// Spread is (max - min) / median of the per-round throughputs: how much the rounds disagree.
func (r Row) Spread() float64 {
	if len(r.RoundOpsPerSec) < 2 || r.OpsPerSec == 0 {
		return 0
	}
	return (slices.Max(r.RoundOpsPerSec) - slices.Min(r.RoundOpsPerSec)) / r.OpsPerSec
}

// HitRate is the fraction of lookups that found their key, or -1 if the workload makes none.
func (r Row) HitRate() float64 {
	if r.Lookups == 0 {
		return -1
	}
	return float64(r.Hits) / float64(r.Lookups)
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Summarize extracts the percentiles of a histogram of microsecond values, in milliseconds.
func Summarize(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		P50:  ms(h.ValueAtQuantile(50)),
		P95:  ms(h.ValueAtQuantile(95)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
		Mean: h.Mean() / 1000,
	}
}

// Median returns the median of xs (the mean of the two middle values for an even count), or 0
// for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// Ratio returns v / base, or 0 when base is not positive.
func Ratio(v, base float64) float64 {
	if base <= 0 || math.IsNaN(base) {
		return 0
	}
	return v / base
}

// Builder collects the results of the rounds as they finish.
type Builder struct {
	keys  []Key
	accum map[Key]map[string]*accum
}

type accum struct {
	rounds []float64
	hist   *hdrhistogram.Histogram
	res    load.Result
}

// Add records one round of target on key.
func (b *Builder) Add(key Key, target string, res load.Result) {
	if b.accum == nil {
		b.accum = map[Key]map[string]*accum{}
	}
	byTarget, ok := b.accum[key]
	if !ok {
		byTarget = map[string]*accum{}
		b.accum[key] = byTarget
		b.keys = append(b.keys, key)
	}
	a, ok := byTarget[target]
	if !ok {
		a = &accum{hist: load.NewHistogram()}
		byTarget[target] = a
	}
	a.rounds = append(a.rounds, res.OpsPerSec())
	if res.Latency != nil {
		a.hist.Merge(res.Latency)
	}
	a.res.Ops += res.Ops
	a.res.Errors += res.Errors
	a.res.Lookups += res.Lookups
	a.res.Hits += res.Hits
	if a.res.FirstError == "" {
		a.res.FirstError = res.FirstError
	}
}

// Rows returns one row per key (in the order keys were first added) and target (in the order
// given), with ratios to baseline.
func (b *Builder) Rows(targets []string, baseline string) []Row {
	var rows []Row
	for _, k := range b.keys {
		byTarget := b.accum[k]
		var base float64
		if a, ok := byTarget[baseline]; ok {
			base = Median(a.rounds)
		}
		for _, t := range targets {
			a, ok := byTarget[t]
			if !ok {
				continue
			}
			ops := Median(a.rounds)
			rows = append(rows, Row{
				Key: k, Target: t,
				OpsPerSec:      ops,
				RoundOpsPerSec: slices.Clone(a.rounds),
				Ratio:          Ratio(ops, base),
				Latency:        Summarize(a.hist),
				Ops:            a.res.Ops,
				Errors:         a.res.Errors,
				Lookups:        a.res.Lookups,
				Hits:           a.res.Hits,
				FirstError:     a.res.FirstError,
			})
		}
	}
	return rows
}
