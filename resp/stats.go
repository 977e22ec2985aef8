package resp

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Statistics for INFO stats, commandstats and errorstats. The command path only adds to atomics:
// each command entry counts its own calls, time and failures (cmdStats), each connection counts
// its bytes (countingConn), and error replies are counted by the writer's hook, off the fast path.
// A background loop samples the totals ten times a second for the instantaneous rates, as Redis's
// serverCron does, and closes idle clients once a second (CONFIG SET timeout).

// monoBase is the origin of monotime.
var monoBase = time.Now()

// monotime returns a monotonic clock in nanoseconds.
func monotime() int64 { return int64(time.Since(monoBase)) }

// coarseNow is monotime as the cron last read it (every 100ms), for the idle times of CLIENT LIST
// and the timeout: cheaper on the command path than reading the clock. monotime() when the cron
// does not run.
func (s *Server) coarseNow() int64 {
	if t := s.clock.Load(); t != 0 {
		return t
	}
	return monotime()
}

// record counts a call that ran for nanos and failed or not.
func (s *cmdStats) record(nanos int64, failed bool) {
	s.calls.Add(1)
	if nanos > 0 {
		s.nanos.Add(nanos)
	}
	if failed {
		s.failed.Add(1)
	}
}

func (s *cmdStats) reset() {
	s.calls.Store(0)
	s.nanos.Store(0)
	s.rejected.Store(0)
	s.failed.Store(0)
}

// call runs a command that does not go through Raft and counts it: a call whose reply is an error
// failed, as in Redis (EXEC's reply is an array: errors inside it count for the queued commands).
func (c *Conn) call(cmd *command, args [][]byte) {
	if cmd == unknownSubcommand {
		cmd.run(c, args) // a rejection, counted by no command
		return
	}
	start, n := monotime(), c.w.Len()
	cmd.run(c, args)
	cmd.stats.record(monotime()-start, c.w.Len() > n && c.w.Bytes()[n] == '-')
}

// maxErrorCodes bounds the distinct error codes INFO errorstats tracks (Redis: 128).
const maxErrorCodes = 128

// serverStats are a server's counters (CONFIG RESETSTAT zeroes them).
type serverStats struct {
	conns         atomic.Int64 // total_connections_received
	rejectedConns atomic.Int64 // over maxclients
	netIn, netOut atomic.Int64 // bytes
	reads, writes atomic.Int64 // read and write calls on sockets
	expired       atomic.Int64 // keys the expirer deleted
	// readsThroughLog: reads proposed as log entries because this node was catching up.
	readsThroughLog atomic.Int64
	errorReplies    atomic.Int64

	errMu  sync.Mutex
	errors map[string]int64 // error replies by code ("ERR", "WRONGTYPE")

	instMu sync.Mutex
	inst   [3]instMetric // instantaneous ops, input bytes, output bytes per second

	memPeak atomic.Uint64 // used_memory_peak
}

// The instantaneous metrics, as Redis's STATS_METRIC_*.
const (
	metricOps = iota
	metricNetIn
	metricNetOut
)

// instMetric is a rate averaged over the last 16 samples, as Redis's inst_metric.
type instMetric struct {
	lastTime, lastCount int64
	samples             [16]int64
	idx                 int
}

func (m *instMetric) sample(now, count int64) {
	if m.lastTime != 0 {
		dt := now - m.lastTime
		var rate int64
		if dt > 0 {
			rate = (count - m.lastCount) * int64(time.Second) / dt
		}
		m.samples[m.idx] = rate
		m.idx = (m.idx + 1) % len(m.samples)
	}
	m.lastTime, m.lastCount = now, count
}

func (m *instMetric) value() int64 {
	var sum int64
	for _, s := range m.samples {
		sum += s
	}
	return sum / int64(len(m.samples))
}

// countError counts an error reply (the writer's hook): its code is the first word when the
// message has one within Redis's 32 bytes, else ERR.
func (st *serverStats) countError(msg string) {
	st.errorReplies.Add(1)
	code := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 31)], ' '); i > 0 {
		code = msg[:i]
	}
	st.errMu.Lock()
	if st.errors == nil {
		st.errors = map[string]int64{}
	}
	if _, ok := st.errors[code]; ok || len(st.errors) < maxErrorCodes {
		st.errors[code]++
	}
	st.errMu.Unlock()
}

// errorCounts returns the error codes seen and their counts, by code.
func (st *serverStats) errorCounts() ([]string, map[string]int64) {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	codes := make([]string, 0, len(st.errors))
	counts := make(map[string]int64, len(st.errors))
	for k, v := range st.errors {
		codes = append(codes, k)
		counts[k] = v
	}
	sort.Strings(codes)
	return codes, counts
}

// totalCommands is total_commands_processed: the calls of every command.
func (s *Server) totalCommands() int64 {
	var n int64
	for _, c := range s.commands.allCommands() {
		n += c.stats.calls.Load()
	}
	return n
}

// instantaneous returns the rate of a metric (metricOps...) per second.
func (s *Server) instantaneous(metric int) int64 {
	s.stats.instMu.Lock()
	defer s.stats.instMu.Unlock()
	return s.stats.inst[metric].value()
}

// resetStats is CONFIG RESETSTAT.
func (s *Server) resetStats() {
	st := &s.stats
	for _, c := range s.commands.allCommands() {
		c.stats.reset()
	}
	for _, a := range []*atomic.Int64{&st.conns, &st.rejectedConns, &st.netIn, &st.netOut, &st.reads, &st.writes, &st.expired, &st.errorReplies} {
		a.Store(0)
	}
	st.errMu.Lock()
	st.errors = nil
	st.errMu.Unlock()
	st.instMu.Lock()
	st.inst = [3]instMetric{}
	st.instMu.Unlock()
	st.memPeak.Store(0)
	s.db.ResetKeyspaceStats()
}

// CountExpired adds n to the keys deleted because they expired (INFO stats expired_keys); the
// Expirer reports to it (ExpirerConfig.OnExpired).
func (s *Server) CountExpired(n int) { s.stats.expired.Add(int64(n)) }

// cron keeps coarseNow's clock, samples the instantaneous metrics every 100ms and, once a second, closes clients idle
// longer than the timeout and updates the memory peak, until stop is closed.
func (s *Server) cron(stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := monotime()
		s.clock.Store(now)
		ops := s.totalCommands()
		st := &s.stats
		st.instMu.Lock()
		st.inst[metricOps].sample(now, ops)
		st.inst[metricNetIn].sample(now, st.netIn.Load())
		st.inst[metricNetOut].sample(now, st.netOut.Load())
		st.instMu.Unlock()
		if tick%10 == 0 {
			s.closeIdleClients(now)
			s.usedMemory() // updates the peak
		}
	}
}

// closeIdleClients closes the clients idle for longer than the timeout (CONFIG SET timeout), but
// not blocked ones, as Redis's clientsCronHandleTimeout.
func (s *Server) closeIdleClients(now int64) {
	timeout := s.live.timeout.Load()
	if timeout <= 0 {
		return
	}
	for _, c := range s.clients() {
		if !c.blocked.Load() && now-c.lastActive.Load() > timeout*int64(time.Second) {
			s.killClient(c)
		}
	}
}
