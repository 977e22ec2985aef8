// Command flinbench benchmarks RESP servers head to head: the same workloads, clients and pipeline
// depths against every target in one run, rounds alternating between targets, with a table of
// ops/s, latency percentiles and ratios to a baseline, and JSON, CSV and SVG outputs. Run
// flinbench -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "flinbench:", err)
		os.Exit(1)
	}
}

// isTerminal reports whether f is a character device, where progress may redraw one line.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
