package resp

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// infoSections are INFO's sections in Redis's order, and which of them INFO without a section (or
// "default") prints. "all" adds commandstats; "everything" is "all" (there are no modules).
var infoSections = []struct {
	name       string
	notDefault bool
}{
	{"server", false}, {"clients", false}, {"memory", false}, {"persistence", false}, {"stats", false},
	{"replication", false}, {"raft", false}, {"cpu", false}, {"modules", false}, {"commandstats", true},
	{"errorstats", false}, {"cluster", false}, {"keyspace", false},
}

// cmdInfo implements INFO [section...], with Redis's field names; several sections may be named,
// in any case, and are printed in Redis's order. An unknown section prints nothing.
func cmdInfo(c *Conn, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[lower(a)] = true
	}
	all := want["all"] || want["everything"]
	def := len(want) == 0 || want["default"]
	var b strings.Builder
	for _, sec := range infoSections {
		if !all && !want[sec.name] && !(def && !sec.notDefault) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		c.writeInfoSection(&b, sec.name)
	}
	c.w.Verbatim("txt", b.String())
}

func (c *Conn) writeInfoSection(b *strings.Builder, sec string) {
	s := c.srv
	field := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	title := strings.ToUpper(sec[:1]) + sec[1:]
	if sec == "cpu" {
		title = "CPU"
	}
	b.WriteString("# " + title + "\r\n")
	switch sec {
	case "server":
		up := time.Since(s.started)
		field("redis_version", redisVersion)
		field("redis_git_sha1", "00000000")
		field("redis_git_dirty", 0)
		field("flin_resp_version", s.cfg.Version)
		field("redis_mode", "standalone")
		field("os", runtime.GOOS+" "+runtime.GOARCH)
		field("arch_bits", 64)
		field("go_version", runtime.Version())
		field("process_id", os.Getpid())
		field("process_supervised", "no")
		field("run_id", s.runID)
		field("tcp_port", s.cfg.Port)
		field("server_time_usec", time.Now().UnixMicro())
		field("uptime_in_seconds", int64(up.Seconds()))
		field("uptime_in_days", int64(up.Hours()/24))
		field("hz", 10)
		field("configured_hz", 10)
		field("executable", executable())
		field("config_file", "")
		field("io_threads_active", 0)
	case "clients":
		field("connected_clients", s.connectedClients())
		field("cluster_connections", 0)
		field("maxclients", s.live.maxClients.Load())
		field("client_recent_max_input_buffer", 0)
		field("client_recent_max_output_buffer", 0)
		field("blocked_clients", s.blocking.blocked())
		field("tracking_clients", 0)
		field("clients_in_timeout_table", 0)
	case "memory":
		used := s.usedMemory()
		peak := s.stats.memPeak.Load()
		rss := residentMemory()
		if rss == 0 {
			rss = used
		}
		lsm, vlog := s.db.Size()
		total := systemMemory()
		maxMem := s.live.maxMemory.Load()
		field("used_memory", used)
		field("used_memory_human", humanBytes(used))
		field("used_memory_rss", rss)
		field("used_memory_rss_human", humanBytes(rss))
		field("used_memory_peak", peak)
		field("used_memory_peak_human", humanBytes(peak))
		field("used_memory_peak_perc", fmt.Sprintf("%.2f%%", percent(used, peak)))
		field("total_system_memory", total)
		field("total_system_memory_human", humanBytes(total))
		field("maxmemory", maxMem)
		field("maxmemory_human", humanBytes(maxMem))
		s.live.mu.Lock()
		policy := s.live.policy
		s.live.mu.Unlock()
		field("maxmemory_policy", policy)
		field("mem_fragmentation_ratio", fmt.Sprintf("%.2f", float64(rss)/float64(max(used, 1))))
		field("mem_allocator", "go")
		field("lazyfree_pending_objects", s.db.PendingReclaims())
		field("disk_lsm_bytes", lsm)
		field("disk_vlog_bytes", vlog)
	case "persistence":
		st := s.proposer.Status()
		s.saves.mu.Lock()
		running, started, lastOK, lastSecs, done, saves := s.saves.running, s.saves.started, s.saves.lastOK, s.saves.lastSecs, s.saves.lastBGDone, s.saves.saves
		s.saves.mu.Unlock()
		status, last, current := "ok", int64(-1), int64(-1)
		if done {
			last = lastSecs
			if !lastOK {
				status = "err"
			}
		}
		if running {
			current = int64(time.Since(started).Seconds())
		}
		field("loading", 0)
		field("async_loading", 0)
		field("rdb_changes_since_last_save", st.AppliedIndex-min(st.AppliedIndex, st.LastSnapshotIndex))
		field("rdb_bgsave_in_progress", boolInt(running))
		field("rdb_last_save_time", s.lastSave())
		field("rdb_last_bgsave_status", status)
		field("rdb_last_bgsave_time_sec", last)
		field("rdb_current_bgsave_time_sec", current)
		field("rdb_saves", saves)
		field("aof_enabled", boolInt(s.cfg.appendOnly() == "yes")) // the Raft log is the AOF (durability.go)
		field("aof_rewrite_in_progress", 0)
		field("aof_rewrite_scheduled", 0)
		field("aof_last_bgrewrite_status", "ok")
		field("aof_last_write_status", "ok")
	case "stats":
		st := &s.stats
		hits, misses := s.db.KeyspaceStats()
		field("total_connections_received", st.conns.Load())
		field("total_commands_processed", s.totalCommands())
		field("instantaneous_ops_per_sec", s.instantaneous(metricOps))
		field("total_net_input_bytes", st.netIn.Load())
		field("total_net_output_bytes", st.netOut.Load())
		field("total_net_repl_input_bytes", 0)
		field("total_net_repl_output_bytes", 0)
		field("instantaneous_input_kbps", fmt.Sprintf("%.2f", float64(s.instantaneous(metricNetIn))/1024))
		field("instantaneous_output_kbps", fmt.Sprintf("%.2f", float64(s.instantaneous(metricNetOut))/1024))
		field("instantaneous_input_repl_kbps", "0.00")
		field("instantaneous_output_repl_kbps", "0.00")
		field("rejected_connections", st.rejectedConns.Load())
		field("sync_full", 0)
		field("sync_partial_ok", 0)
		field("sync_partial_err", 0)
		field("expired_keys", st.expired.Load())
		field("evicted_keys", 0)
		field("evicted_clients", 0)
		field("keyspace_hits", hits)
		field("keyspace_misses", misses)
		field("pubsub_channels", 0)
		field("pubsub_patterns", 0)
		field("pubsubshard_channels", 0)
		field("latest_fork_usec", 0)
		field("total_forks", 0)
		field("tracking_total_keys", 0)
		field("unexpected_error_replies", 0)
		field("total_error_replies", st.errorReplies.Load())
		field("total_reads_processed", st.reads.Load())
		field("total_writes_processed", st.writes.Load())
	case "replication":
		c.writeReplicationInfo(b) // cmd_cluster.go
	case "cluster":
		enabled := 0
		if s.cluster != nil {
			enabled = 1
		}
		field("cluster_enabled", enabled)
	case "raft":
		st := s.proposer.Status()
		field("raft_node_id", st.ID)
		field("raft_state", strings.ToLower(st.State))
		field("raft_address", st.Addr)
		field("raft_leader_id", st.LeaderID)
		field("raft_leader_address", st.LeaderAddr)
		field("raft_term", st.Term)
		field("raft_commit_index", st.CommitIndex)
		field("raft_applied_index", st.AppliedIndex)
		field("raft_last_snapshot_index", st.LastSnapshotIndex)
		catchingUp := 0
		if st.CatchingUp {
			catchingUp = 1
		}
		field("raft_catching_up", catchingUp)
		field("raft_reads_through_log", s.stats.readsThroughLog.Load())
		field("fsm_applied_index", st.FSM.AppliedIndex)
		field("fsm_applied_entries", st.FSM.AppliedEntries)
		field("fsm_skipped_entries", st.FSM.SkippedEntries)
	case "cpu":
		var self, children syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
		field("used_cpu_sys", cpuSeconds(self.Stime))
		field("used_cpu_user", cpuSeconds(self.Utime))
		field("used_cpu_sys_children", cpuSeconds(children.Stime))
		field("used_cpu_user_children", cpuSeconds(children.Utime))
	case "commandstats":
		for _, cmd := range s.commands.allCommands() {
			calls, nanos := cmd.stats.calls.Load(), cmd.stats.nanos.Load()
			rejected, failed := cmd.stats.rejected.Load(), cmd.stats.failed.Load()
			if calls == 0 && rejected == 0 && failed == 0 {
				continue
			}
			usec := nanos / 1000
			perCall := 0.0
			if calls > 0 {
				perCall = float64(usec) / float64(calls)
			}
			fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
				cmd.name, calls, usec, perCall, rejected, failed)
		}
	case "errorstats":
		codes, counts := s.stats.errorCounts()
		for _, code := range codes {
			fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", code, counts[code])
		}
	case "keyspace":
		for db := 0; db < s.db.Databases(); db++ {
			n := s.db.DBSize(db)
			if n == 0 {
				continue
			}
			exp, err := s.db.Expires(db)
			if err != nil {
				exp = 0
			}
			fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, n, exp)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func percent(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) * 100 / float64(b)
}

// cpuSeconds formats a CPU time as Redis does ("%ld.%06ld").
func cpuSeconds(tv syscall.Timeval) string {
	ns := tv.Nano()
	return fmt.Sprintf("%d.%06d", ns/1e9, ns%1e9/1e3)
}

// usedMemory is used_memory: the memory the Go runtime has in use (heap objects, free heap spans
// not yet returned to the system excluded, stacks and runtime metadata included). It also keeps
// used_memory_peak.
func (s *Server) usedMemory() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(samples)
	var v [3]uint64
	for i, sm := range samples {
		if sm.Value.Kind() == metrics.KindUint64 {
			v[i] = sm.Value.Uint64()
		}
	}
	used := v[0] - min(v[0], v[1]+v[2])
	for {
		peak := s.stats.memPeak.Load()
		if used <= peak || s.stats.memPeak.CompareAndSwap(peak, used) {
			return used
		}
	}
}

// residentMemory is the process's resident set size from /proc (0 where there is none).
func residentMemory() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// systemMemory is the machine's memory from /proc/meminfo (0 where there is none).
func systemMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func executable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// humanBytes formats a size as Redis's bytesToHuman.
func humanBytes(n uint64) string {
	d := float64(n)
	switch {
	case n < 1<<10:
		return strconv.FormatUint(n, 10) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", d/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", d/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", d/(1<<30))
	case n < 1<<50:
		return fmt.Sprintf("%.2fT", d/(1<<40))
	case n < 1<<60:
		return fmt.Sprintf("%.2fP", d/(1<<50))
	}
	return strconv.FormatUint(n, 10) + "B"
}
