package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// WriteJSON writes the whole report, indented.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// csvHeader names the columns WriteCSV writes. Latencies are in milliseconds; hit_rate is empty
// for workloads that look nothing up; round_ops_per_sec lists each round's throughput, separated
// by semicolons.
var csvHeader = []string{
	"workload", "batch", "clients", "pipeline", "target", "ops_per_sec", "ratio",
	"p50_ms", "p95_ms", "p99_ms", "p99_9_ms", "max_ms", "mean_ms",
	"ops", "errors", "hit_rate", "round_ops_per_sec",
}

// WriteCSV writes one line per row, after a header line.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	for _, row := range r.Rows {
		hit := ""
		if hr := row.HitRate(); hr >= 0 {
			hit = f(hr, 4)
		}
		rounds := make([]string, len(row.RoundOpsPerSec))
		for i, v := range row.RoundOpsPerSec {
			rounds[i] = f(v, 1)
		}
		err := cw.Write([]string{
			row.Workload, strconv.Itoa(row.Batch), strconv.Itoa(row.Clients), strconv.Itoa(row.Pipeline),
			row.Target, f(row.OpsPerSec, 1), f(row.Ratio, 4),
			f(row.Latency.P50, 3), f(row.Latency.P95, 3), f(row.Latency.P99, 3), f(row.Latency.P999, 3),
			f(row.Latency.Max, 3), f(row.Latency.Mean, 3),
			strconv.FormatInt(row.Ops, 10), strconv.FormatInt(row.Errors, 10), hit,
			strings.Join(rounds, ";"),
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
