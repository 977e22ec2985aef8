//go:build race

package engine

// raceEnabled reports whether the tests run under the race detector, which makes the slowest ones
// too slow to run.
const raceEnabled = true
