package resp

import (
	"bytes"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flin-resp/flin-resp/engine"
)

// CONFIG GET and CONFIG SET. The parameters are Redis's names for what flin-resp has; each is
// either live (takes effect at once), stored (accepted, validated as Redis validates it, reported
// by CONFIG GET and INFO, but with no effect on flin-resp), or refused with Redis's error
// format where flin-resp cannot do what it asks:
//
//	requirepass         live: new AUTH and HELLO AUTH check it; connections already
//	                    authenticated stay so, as in Redis; "" lets every client in
//	maxclients          live: connections over it are refused with Redis's error
//	timeout             live: clients idle longer (seconds, 0 = never) are closed, blocked ones not
//	proto-max-bulk-len  live for new connections and for the string size limit
//	loglevel            live when the server was given a slog.LevelVar (Config.LogLevel)
//	maxmemory           stored: there is no eviction (data lives on disk)
//	maxmemory-policy    stored
//	save                stored: Raft takes snapshots by its own threshold; SAVE/BGSAVE take one now
//	appendonly          only its value: set by --durability at start-up (durability.go)
//	appendfsync         only its value: set by --durability at start-up
//	databases           immutable, as in Redis
//	port, bind          immutable (Redis rebinds; flin-resp does not)
//	dir                 protected, as in Redis by default
//
// Any other name is refused as unknown, as Redis refuses a name it does not have.

// liveConfig is the configuration CONFIG SET changes, readable from any goroutine.
type liveConfig struct {
	requirePass atomic.Pointer[string]
	maxClients  atomic.Int64
	timeout     atomic.Int64 // seconds; 0: never
	maxBulkLen  atomic.Int64
	maxMemory   atomic.Uint64

	mu       sync.Mutex // for the strings below
	policy   string
	save     string
	logLevel string
}

func (s *Server) initLiveConfig() {
	l := &s.live
	pass := s.cfg.RequirePass
	l.requirePass.Store(&pass)
	l.maxClients.Store(10000)
	l.maxBulkLen.Store(s.cfg.MaxBulkLen)
	l.policy = "noeviction"
	l.logLevel = s.cfg.LogLevelName
}

// authRequired reports whether clients must authenticate (requirepass is set).
func (s *Server) authRequired() bool { return *s.live.requirePass.Load() != "" }

// maxBulkLen is proto-max-bulk-len.
func (s *Server) maxBulkLen() int64 { return s.live.maxBulkLen.Load() }

// configParam is a parameter of CONFIG GET and SET. set validates a value and returns how to
// apply it, or the reason it is refused (Redis's words).
type configParam struct {
	name string
	get  func(s *Server) string
	set  func(s *Server, v string) (apply func(), reason string)
	// refused, when set, is why no value can be set (reasonImmutable, reasonProtected).
	refused string
}

const (
	reasonImmutable = "can't set immutable config"
	reasonProtected = "can't set protected config"
	reasonNotInt    = "argument couldn't be parsed into an integer"
	reasonMemory    = "argument must be a memory value"
	reasonYesNo     = "argument must be 'yes' or 'no'"
)

func configParams() []configParam {
	locked := func(s *Server, p *string) string {
		s.live.mu.Lock()
		defer s.live.mu.Unlock()
		return *p
	}
	setLocked := func(s *Server, p *string, v string) func() {
		return func() {
			s.live.mu.Lock()
			*p = v
			s.live.mu.Unlock()
		}
	}
	return []configParam{
		param("appendonly", func(s *Server) string { return s.cfg.appendOnly() }, func(s *Server, v string) (func(), string) {
			switch {
			case strings.EqualFold(v, s.cfg.appendOnly()):
				return func() {}, ""
			case strings.EqualFold(v, "yes"), strings.EqualFold(v, "no"):
				return nil, "appendonly follows --durability, set at start-up"
			}
			return nil, reasonYesNo
		}),
		param("appendfsync", func(s *Server) string { return s.cfg.appendFsync() }, func(s *Server, v string) (func(), string) {
			switch {
			case strings.EqualFold(v, s.cfg.appendFsync()):
				return func() {}, ""
			case strings.EqualFold(v, "everysec"), strings.EqualFold(v, "always"), strings.EqualFold(v, "no"):
				return nil, "appendfsync follows --durability, set at start-up"
			}
			return nil, enumReason("everysec", "always", "no")
		}),
		{name: "bind", get: func(s *Server) string { return s.cfg.Bind }, refused: reasonImmutable},
		{name: "databases", get: func(s *Server) string { return itoa(int64(s.db.Databases())) }, refused: reasonImmutable},
		{name: "dir", get: func(s *Server) string { return s.cfg.Dir }, refused: reasonProtected},
		param("loglevel", func(s *Server) string { return locked(s, &s.live.logLevel) }, func(s *Server, v string) (func(), string) {
			names := []string{"debug", "verbose", "notice", "warning"}
			levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelInfo, slog.LevelWarn}
			for i, n := range names {
				if strings.EqualFold(v, n) {
					return func() {
						setLocked(s, &s.live.logLevel, n)()
						if s.cfg.LogLevel != nil {
							s.cfg.LogLevel.Set(levels[i])
						}
					}, ""
				}
			}
			return nil, enumReason(names...)
		}),
		param("maxclients", func(s *Server) string { return itoa(s.live.maxClients.Load()) }, func(s *Server, v string) (func(), string) {
			n, reason := boundedInt(v, 1, math.MaxUint32)
			return func() { s.live.maxClients.Store(n) }, reason
		}),
		param("maxmemory", func(s *Server) string { return strconv.FormatUint(s.live.maxMemory.Load(), 10) }, func(s *Server, v string) (func(), string) {
			n, ok := memToULL(v)
			if !ok {
				return nil, reasonMemory
			}
			return func() { s.live.maxMemory.Store(n) }, ""
		}),
		param("maxmemory-policy", func(s *Server) string { return locked(s, &s.live.policy) }, func(s *Server, v string) (func(), string) {
			names := []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}
			for _, n := range names {
				if strings.EqualFold(v, n) {
					return setLocked(s, &s.live.policy, n), ""
				}
			}
			return nil, enumReason(names...)
		}),
		{name: "port", get: func(s *Server) string { return itoa(int64(s.cfg.Port)) }, refused: reasonImmutable},
		param("proto-max-bulk-len", func(s *Server) string { return itoa(s.maxBulkLen()) }, func(s *Server, v string) (func(), string) {
			u, ok := memToULL(v)
			if !ok {
				return nil, reasonMemory
			}
			if n := int64(u); n < 1<<20 || n > math.MaxInt64 {
				return nil, "argument must be between 1048576 and 9223372036854775807 inclusive"
			}
			return func() { s.live.maxBulkLen.Store(int64(u)) }, ""
		}),
		param("requirepass", func(s *Server) string { return *s.live.requirePass.Load() }, func(s *Server, v string) (func(), string) {
			return func() { s.live.requirePass.Store(&v) }, ""
		}),
		param("save", func(s *Server) string { return locked(s, &s.live.save) }, func(s *Server, v string) (func(), string) {
			norm, ok := parseSaveParams(v)
			if !ok {
				return nil, "Invalid save parameters"
			}
			return setLocked(s, &s.live.save, norm), ""
		}),
		param("timeout", func(s *Server) string { return itoa(s.live.timeout.Load()) }, func(s *Server, v string) (func(), string) {
			n, reason := boundedInt(v, 0, math.MaxInt32)
			return func() { s.live.timeout.Store(n) }, reason
		}),
	}
}

// param is a parameter that values can be set for.
func param(name string, get func(*Server) string, set func(*Server, string) (func(), string)) configParam {
	return configParam{name: name, get: get, set: set}
}

func enumReason(names ...string) string {
	return "argument(s) must be one of the following: " + strings.Join(names, ", ")
}

// boundedInt parses an integer parameter as Redis does (string2ll), within [lo, hi].
func boundedInt(v string, lo, hi int64) (int64, string) {
	n, ok := engine.ParseInt([]byte(v))
	if !ok {
		return 0, reasonNotInt
	}
	if n < lo || n > hi {
		return 0, "argument must be between " + itoa(lo) + " and " + itoa(hi) + " inclusive"
	}
	return n, ""
}

// memToULL is Redis's memtoull: digits (saturating at 2^64-1, none meaning 0) and an optional unit
// b, k, kb, m, mb, g, gb in any case (k = 1000, kb = 1024), multiplied with wrap-around as in C.
func memToULL(v string) (uint64, bool) {
	if strings.HasPrefix(v, "-") {
		return 0, false
	}
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(v[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	var n uint64
	for _, ch := range v[:i] {
		d := uint64(ch - '0')
		if n > (math.MaxUint64-d)/10 {
			n = math.MaxUint64 // strtoull saturates
			break
		}
		n = n*10 + d
	}
	return n * mul, true
}

// parseSaveParams validates CONFIG SET save as Redis does (the value split at each space into pairs
// of seconds >= 1 and changes >= 0; "" for none) and returns it as CONFIG GET prints it.
func parseSaveParams(v string) (string, bool) {
	v, _, _ = strings.Cut(v, "\x00") // Redis splits the value as a C string
	if v == "" {
		return "", true
	}
	f := strings.Split(v, " ")
	if len(f)%2 != 0 {
		return "", false
	}
	out := make([]string, len(f))
	for i, a := range f {
		n, ok := strtoll(a)
		if !ok || i%2 == 0 && n < 1 || i%2 == 1 && n < 0 {
			return "", false
		}
		if i%2 == 1 {
			n = int64(int32(n)) // Redis keeps the changes in an int
		}
		out[i] = itoa(n)
	}
	return strings.Join(out, " "), true
}

// strtoll parses a whole argument as C's strtoll in base 10 (leading spaces, a sign, digits;
// saturating), failing when anything follows the digits or there are none.
func strtoll(a string) (int64, bool) {
	s := strings.TrimLeft(a, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, a == "" // no digits: strtoll stops at the start; "" is then the whole string
	}
	var n uint64
	for _, ch := range []byte(s) {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if n <= math.MaxInt64 {
			n = n*10 + uint64(ch-'0')
		}
	}
	switch {
	case neg && n > math.MaxInt64:
		return math.MinInt64, true
	case neg:
		return -int64(n), true
	case n > math.MaxInt64:
		return math.MaxInt64, true
	}
	return int64(n), true
}

// cmdConfigGet implements CONFIG GET pattern... As in Redis 7.0, a pattern without glob characters
// is a name looked up in any case and reported as given; each parameter is reported once.
func cmdConfigGet(c *Conn, args [][]byte) {
	params := configParams()
	var out [][2]string
	seen := make([]bool, len(params))
	for _, pat := range args[2:] {
		glob := bytes.ContainsAny(pat, "[*?")
		for i, p := range params {
			if seen[i] {
				continue
			}
			if glob && globMatch(pat, []byte(p.name), true) {
				out = append(out, [2]string{p.name, p.get(c.srv)})
				seen[i] = true
			} else if !glob && equalFold(pat, p.name) {
				out = append(out, [2]string{string(pat), p.get(c.srv)})
				seen[i] = true
			}
		}
	}
	c.w.Map(len(out))
	for _, p := range out {
		c.w.BulkString(p[0])
		c.w.BulkString(p[1])
	}
}

// cmdConfigSet implements CONFIG SET parameter value [parameter value ...] as Redis 7.0: every
// pair is checked before any is applied, so either all take effect or none. An unknown name is
// reported first, then the first refused one.
func cmdConfigSet(c *Conn, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error(errSyntax)
		return
	}
	params := configParams()
	find := func(name []byte) *configParam {
		for i := range params {
			if equalFold(name, params[i].name) {
				return &params[i]
			}
		}
		return nil
	}
	failed := func(arg []byte, reason string) {
		c.w.Error("ERR CONFIG SET failed (possibly related to argument '" + sanitize(string(cstr(arg))) + "') - " + reason)
	}
	// First the names, in order: the first unknown, refused or repeated one is reported (as
	// given); then the values, in order (the parameter named as CONFIG GET names it).
	set := map[string]bool{}
	for i := 2; i < len(args); i += 2 {
		p := find(args[i])
		switch {
		case p == nil:
			c.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + sanitize(string(cstr(args[i]))) + "'")
			return
		case p.refused != "":
			failed(args[i], p.refused)
			return
		case set[p.name]:
			failed(args[i], "duplicate parameter")
			return
		}
		set[p.name] = true
	}
	var applies []func()
	for i := 2; i < len(args); i += 2 {
		p := find(args[i])
		apply, reason := p.set(c.srv, string(args[i+1]))
		if reason != "" {
			failed([]byte(p.name), reason)
			return
		}
		applies = append(applies, apply)
	}
	for _, apply := range applies {
		apply()
	}
	c.w.OK()
}

func cmdConfigResetStat(c *Conn, _ [][]byte) {
	c.srv.resetStats()
	c.w.OK()
}

func cmdConfigRewrite(c *Conn, _ [][]byte) {
	c.w.Error("ERR The server is running without a config file")
}

func cmdConfigHelp(c *Conn, _ [][]byte) {
	writeHelp(c, "CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}

// writeHelp writes a HELP reply as Redis's addReplyHelp: a header, the lines, and HELP itself.
func writeHelp(c *Conn, cmd string, lines []string) {
	c.w.Array(len(lines) + 3)
	c.w.Status(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.w.Status(l)
	}
	c.w.Status("HELP")
	c.w.Status("    Prints this help.")
}
