package resp

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// infoSections are INFO's sections in Redis's order; "default" and "all" print all of them.
var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "raft", "keyspace"}

// cmdInfo implements INFO [section...], with Redis's field names.
func cmdInfo(c *Conn, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[lower(a)] = true
	}
	all := len(want) == 0 || want["all"] || want["default"] || want["everything"]
	var b strings.Builder
	for _, sec := range infoSections {
		if !all && !want[sec] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		c.writeInfoSection(&b, sec)
	}
	c.w.Verbatim("txt", b.String())
}

func (c *Conn) writeInfoSection(b *strings.Builder, sec string) {
	s := c.srv
	field := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	b.WriteString("# " + strings.ToUpper(sec[:1]) + sec[1:] + "\r\n")
	switch sec {
	case "server":
		up := time.Since(s.started)
		field("redis_version", redisVersion)
		field("flin_resp_version", s.cfg.Version)
		field("redis_mode", "standalone")
		field("os", runtime.GOOS+" "+runtime.GOARCH)
		field("arch_bits", 64)
		field("go_version", runtime.Version())
		field("process_id", os.Getpid())
		field("tcp_port", s.cfg.Port)
		field("server_time_usec", time.Now().UnixMicro())
		field("uptime_in_seconds", int64(up.Seconds()))
		field("uptime_in_days", int64(up.Hours()/24))
		field("executable", executable())
	case "clients":
		field("connected_clients", s.connectedClients())
		field("maxclients", 10000)
		field("blocked_clients", s.blocking.blocked())
	case "memory":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		lsm, vlog := s.db.Size()
		field("used_memory", ms.HeapAlloc)
		field("used_memory_human", humanBytes(ms.HeapAlloc))
		field("used_memory_rss", ms.Sys)
		field("used_memory_rss_human", humanBytes(ms.Sys))
		field("maxmemory", 0)
		field("maxmemory_policy", "noeviction")
		field("disk_lsm_bytes", lsm)
		field("disk_vlog_bytes", vlog)
	case "persistence":
		st := s.proposer.Status()
		field("loading", 0)
		field("async_loading", 0)
		field("rdb_changes_since_last_save", st.AppliedIndex-min(st.AppliedIndex, st.LastSnapshotIndex))
		field("rdb_bgsave_in_progress", 0)
		field("rdb_last_bgsave_status", "ok")
		field("aof_enabled", 1)
		field("aof_rewrite_in_progress", 0)
		field("aof_last_write_status", "ok")
	case "stats":
		field("total_connections_received", s.totalConns.Load())
		field("total_commands_processed", s.totalCommands.Load())
	case "replication":
		st := s.proposer.Status()
		role := "master"
		if st.State != "Leader" {
			role = "slave"
		}
		field("role", role)
		field("connected_slaves", 0)
		field("master_failover_state", "no-failover")
		field("master_repl_offset", st.AppliedIndex)
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
		field("fsm_applied_index", st.FSM.AppliedIndex)
		field("fsm_applied_entries", st.FSM.AppliedEntries)
		field("fsm_skipped_entries", st.FSM.SkippedEntries)
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

func executable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
