package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteTable writes the report as text: how it ran, then one line per row.
func WriteTable(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s\n", r.Tool, r.Started.UTC().Format(time.DateTime+" MST"))
	fmt.Fprintf(&b, "machine:  %s\n", r.Machine)
	for i, t := range r.Targets {
		label := "targets: "
		if i > 0 {
			label = "         "
		}
		base := ""
		if t.Name == r.Baseline {
			base = "  (baseline)"
		}
		fmt.Fprintf(&b, "%s %-*s  %s  %s%s\n", label, nameWidth(r.Targets), t.Name, t.Addr, t.Server, base)
	}
	fmt.Fprintf(&b, "run:      %s\n", r.Config.Summary())
	if r.Config.Command != "" {
		fmt.Fprintf(&b, "command:  %s\n", r.Config.Command)
	}
	b.WriteString("\n")
	b.WriteString(FormatRows(r.Rows, r.Baseline))
	for _, row := range r.Rows {
		if row.Errors > 0 {
			fmt.Fprintf(&b, "warning: %s on %s: %d error replies (not counted in ops/s), first: %s\n",
				row.Target, row.Key, row.Errors, row.FirstError)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nameWidth(ts []Target) int {
	n := 0
	for _, t := range ts {
		n = max(n, len(t.Name))
	}
	return n
}

// Summary describes the run's settings on one line.
func (c Config) Summary() string {
	length := c.Duration + " per round"
	if c.Requests > 0 {
		length = fmt.Sprintf("%d requests per round", c.Requests)
	}
	s := fmt.Sprintf("value %d B, %d keys, %s, %d rounds", c.ValueSize, c.Keys, length, c.Rounds)
	if c.Warmup != "" && c.Warmup != "0s" {
		s += ", warm-up " + c.Warmup
	}
	for _, w := range c.Workloads {
		if w == "mset" || w == "mget" {
			s += fmt.Sprintf(", batch %d", c.Batch)
			break
		}
	}
	return s + "; targets interleaved, order rotated each round; closed loop"
}

// FormatRows lays the rows out as an aligned table: text columns to the left, numbers to the right.
func FormatRows(rows []Row, baseline string) string {
	header := []string{"workload", "clients", "pipeline", "target", "ops/s", "vs " + baseline,
		"p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "spread", "hits", "errors"}
	left := map[int]bool{0: true, 3: true}
	cells := [][]string{header}
	for _, r := range rows {
		w := r.Workload
		if r.Batch > 0 {
			w = fmt.Sprintf("%s(%d)", w, r.Batch)
		}
		hits := "-"
		if hr := r.HitRate(); hr >= 0 {
			hits = strconv.FormatFloat(100*hr, 'f', 1, 64) + "%"
		}
		ratio := "-"
		if r.Ratio > 0 {
			ratio = strconv.FormatFloat(r.Ratio, 'f', 2, 64)
		}
		cells = append(cells, []string{
			w, strconv.Itoa(r.Clients), strconv.Itoa(r.Pipeline), r.Target,
			Thousands(r.OpsPerSec), ratio,
			ms(r.Latency.P50), ms(r.Latency.P95), ms(r.Latency.P99), ms(r.Latency.P999),
			strconv.FormatFloat(100*r.Spread(), 'f', 1, 64) + "%", hits, strconv.FormatInt(r.Errors, 10),
		})
	}
	widths := make([]int, len(header))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, row := range cells {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i > 0 {
				b.WriteString("  ")
			}
			if left[i] {
				b.WriteString(c)
				if i < len(row)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// Thousands formats v rounded to an integer with commas between thousands: 1234567.8 → 1,234,568.
func Thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
