package resp

import (
	"strings"

	"github.com/flin-resp/flin-resp/engine"
)

// Key specifications, as Redis 7.0 declares them (src/commands/*.json): where a command's keys are
// and how it accesses them. COMMAND INFO reports them, and COMMAND GETKEYS and GETKEYSANDFLAGS find
// keys with them the way Redis's getKeysUsingKeySpecs does. The table below was generated from
// redis-server 7.0.15's COMMAND INFO; TestCommandTableMatchesRedis compares every entry with it.

// keySpec is one key specification. The keys start at argument begin (Redis's begin_search index)
// and are found either as a range, from begin to begin+lastKey (lastKey < 0 counts from the end;
// limit, when not 0, divides what remains), or, with keyNum, as a count: the argument at
// begin+numIdx says how many keys follow from begin+firstKey. step is the distance between keys.
type keySpec struct {
	notes            string
	flags            string // Redis's flags, space separated: "RW access delete"
	begin            int
	keyNum           bool
	lastKey, limit   int // range
	numIdx, firstKey int // keynum
	step             int
}

// keySpecTable returns the key specifications of the commands that have keys, by (sub)command name.
func keySpecTable() map[string][]keySpec {
	return map[string][]keySpec{
		"append":           {{flags: "RW insert", begin: 1, step: 1}},
		"bitcount":         {{flags: "RO access", begin: 1, step: 1}},
		"bitfield":         {{notes: "This command allows both access and modification of the key", flags: "RW access update variable_flags", begin: 1, step: 1}},
		"bitfield_ro":      {{flags: "RO access", begin: 1, step: 1}},
		"bitop":            {{flags: "OW update", begin: 2, step: 1}, {flags: "RO access", begin: 3, lastKey: -1, step: 1}},
		"bitpos":           {{flags: "RO access", begin: 1, step: 1}},
		"blmove":           {{flags: "RW access delete", begin: 1, step: 1}, {flags: "RW insert", begin: 2, step: 1}},
		"blmpop":           {{flags: "RW access delete", begin: 2, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"blpop":            {{flags: "RW access delete", begin: 1, lastKey: -2, step: 1}},
		"brpop":            {{flags: "RW access delete", begin: 1, lastKey: -2, step: 1}},
		"brpoplpush":       {{flags: "RW access delete", begin: 1, step: 1}, {flags: "RW insert", begin: 2, step: 1}},
		"bzmpop":           {{flags: "RW access delete", begin: 2, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"bzpopmax":         {{flags: "RW access delete", begin: 1, lastKey: -2, step: 1}},
		"bzpopmin":         {{flags: "RW access delete", begin: 1, lastKey: -2, step: 1}},
		"copy":             {{flags: "RO access", begin: 1, step: 1}, {flags: "OW update", begin: 2, step: 1}},
		"decr":             {{flags: "RW access update", begin: 1, step: 1}},
		"decrby":           {{flags: "RW access update", begin: 1, step: 1}},
		"del":              {{flags: "RM delete", begin: 1, lastKey: -1, step: 1}},
		"exists":           {{flags: "RO", begin: 1, lastKey: -1, step: 1}},
		"expire":           {{flags: "RW update", begin: 1, step: 1}},
		"expireat":         {{flags: "RW update", begin: 1, step: 1}},
		"expiretime":       {{flags: "RO access", begin: 1, step: 1}},
		"get":              {{flags: "RO access", begin: 1, step: 1}},
		"getbit":           {{flags: "RO access", begin: 1, step: 1}},
		"getdel":           {{flags: "RW access delete", begin: 1, step: 1}},
		"getex":            {{notes: "RW and UPDATE because it changes the TTL", flags: "RW access update", begin: 1, step: 1}},
		"getrange":         {{flags: "RO access", begin: 1, step: 1}},
		"getset":           {{flags: "RW access update", begin: 1, step: 1}},
		"hdel":             {{flags: "RW delete", begin: 1, step: 1}},
		"hexists":          {{flags: "RO", begin: 1, step: 1}},
		"hget":             {{flags: "RO access", begin: 1, step: 1}},
		"hgetall":          {{flags: "RO access", begin: 1, step: 1}},
		"hincrby":          {{flags: "RW access update", begin: 1, step: 1}},
		"hincrbyfloat":     {{flags: "RW access update", begin: 1, step: 1}},
		"hkeys":            {{flags: "RO access", begin: 1, step: 1}},
		"hlen":             {{flags: "RO", begin: 1, step: 1}},
		"hmget":            {{flags: "RO access", begin: 1, step: 1}},
		"hmset":            {{flags: "RW update", begin: 1, step: 1}},
		"hrandfield":       {{flags: "RO access", begin: 1, step: 1}},
		"hscan":            {{flags: "RO access", begin: 1, step: 1}},
		"hset":             {{flags: "RW update", begin: 1, step: 1}},
		"hsetnx":           {{flags: "RW insert", begin: 1, step: 1}},
		"hstrlen":          {{flags: "RO", begin: 1, step: 1}},
		"hvals":            {{flags: "RO access", begin: 1, step: 1}},
		"incr":             {{flags: "RW access update", begin: 1, step: 1}},
		"incrby":           {{flags: "RW access update", begin: 1, step: 1}},
		"incrbyfloat":      {{flags: "RW access update", begin: 1, step: 1}},
		"lcs":              {{flags: "RO access", begin: 1, lastKey: 1, step: 1}},
		"lindex":           {{flags: "RO access", begin: 1, step: 1}},
		"linsert":          {{flags: "RW insert", begin: 1, step: 1}},
		"llen":             {{flags: "RO", begin: 1, step: 1}},
		"lmove":            {{flags: "RW access delete", begin: 1, step: 1}, {flags: "RW insert", begin: 2, step: 1}},
		"lmpop":            {{flags: "RW access delete", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"lpop":             {{flags: "RW access delete", begin: 1, step: 1}},
		"lpos":             {{flags: "RO access", begin: 1, step: 1}},
		"lpush":            {{flags: "RW insert", begin: 1, step: 1}},
		"lpushx":           {{flags: "RW insert", begin: 1, step: 1}},
		"lrange":           {{flags: "RO access", begin: 1, step: 1}},
		"lrem":             {{flags: "RW delete", begin: 1, step: 1}},
		"lset":             {{flags: "RW update", begin: 1, step: 1}},
		"ltrim":            {{flags: "RW delete", begin: 1, step: 1}},
		"mget":             {{flags: "RO access", begin: 1, lastKey: -1, step: 1}},
		"move":             {{flags: "RW access update", begin: 1, step: 1}},
		"mset":             {{flags: "OW update", begin: 1, lastKey: -1, step: 2}},
		"msetnx":           {{flags: "OW insert", begin: 1, lastKey: -1, step: 2}},
		"object|encoding":  {{flags: "RO", begin: 2, step: 1}},
		"object|freq":      {{flags: "RO", begin: 2, step: 1}},
		"object|idletime":  {{flags: "RO", begin: 2, step: 1}},
		"object|refcount":  {{flags: "RO", begin: 2, step: 1}},
		"persist":          {{flags: "RW update", begin: 1, step: 1}},
		"pexpire":          {{flags: "RW update", begin: 1, step: 1}},
		"pexpireat":        {{flags: "RW update", begin: 1, step: 1}},
		"pexpiretime":      {{flags: "RO access", begin: 1, step: 1}},
		"psetex":           {{flags: "OW update", begin: 1, step: 1}},
		"pttl":             {{flags: "RO access", begin: 1, step: 1}},
		"rename":           {{flags: "RW access delete", begin: 1, step: 1}, {flags: "OW update", begin: 2, step: 1}},
		"renamenx":         {{flags: "RW access delete", begin: 1, step: 1}, {flags: "OW insert", begin: 2, step: 1}},
		"rpop":             {{flags: "RW access delete", begin: 1, step: 1}},
		"rpoplpush":        {{flags: "RW access delete", begin: 1, step: 1}, {flags: "RW insert", begin: 2, step: 1}},
		"rpush":            {{flags: "RW insert", begin: 1, step: 1}},
		"rpushx":           {{flags: "RW insert", begin: 1, step: 1}},
		"sadd":             {{flags: "RW insert", begin: 1, step: 1}},
		"scard":            {{flags: "RO", begin: 1, step: 1}},
		"sdiff":            {{flags: "RO access", begin: 1, lastKey: -1, step: 1}},
		"sdiffstore":       {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, lastKey: -1, step: 1}},
		"set":              {{notes: "RW and ACCESS due to the optional `GET` argument", flags: "RW access update variable_flags", begin: 1, step: 1}},
		"setbit":           {{flags: "RW access update", begin: 1, step: 1}},
		"setex":            {{flags: "OW update", begin: 1, step: 1}},
		"setnx":            {{flags: "OW insert", begin: 1, step: 1}},
		"setrange":         {{flags: "RW update", begin: 1, step: 1}},
		"sinter":           {{flags: "RO access", begin: 1, lastKey: -1, step: 1}},
		"sintercard":       {{flags: "RO access", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"sinterstore":      {{flags: "RW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, lastKey: -1, step: 1}},
		"sismember":        {{flags: "RO", begin: 1, step: 1}},
		"smembers":         {{flags: "RO access", begin: 1, step: 1}},
		"smismember":       {{flags: "RO access", begin: 1, step: 1}},
		"smove":            {{flags: "RW access delete", begin: 1, step: 1}, {flags: "RW insert", begin: 2, step: 1}},
		"spop":             {{flags: "RW access delete", begin: 1, step: 1}},
		"srandmember":      {{flags: "RO access", begin: 1, step: 1}},
		"srem":             {{flags: "RW delete", begin: 1, step: 1}},
		"sscan":            {{flags: "RO access", begin: 1, step: 1}},
		"strlen":           {{flags: "RO", begin: 1, step: 1}},
		"substr":           {{flags: "RO access", begin: 1, step: 1}},
		"sunion":           {{flags: "RO access", begin: 1, lastKey: -1, step: 1}},
		"sunionstore":      {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, lastKey: -1, step: 1}},
		"touch":            {{flags: "RO", begin: 1, lastKey: -1, step: 1}},
		"ttl":              {{flags: "RO access", begin: 1, step: 1}},
		"type":             {{flags: "RO", begin: 1, step: 1}},
		"unlink":           {{flags: "RM delete", begin: 1, lastKey: -1, step: 1}},
		"watch":            {{flags: "RO", begin: 1, lastKey: -1, step: 1}},
		"zadd":             {{flags: "RW update", begin: 1, step: 1}},
		"zcard":            {{flags: "RO", begin: 1, step: 1}},
		"zcount":           {{flags: "RO access", begin: 1, step: 1}},
		"zdiff":            {{flags: "RO access", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zdiffstore":       {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zincrby":          {{flags: "RW access update", begin: 1, step: 1}},
		"zinter":           {{flags: "RO access", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zintercard":       {{flags: "RO access", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zinterstore":      {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zlexcount":        {{flags: "RO access", begin: 1, step: 1}},
		"zmpop":            {{flags: "RW access delete", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zmscore":          {{flags: "RO access", begin: 1, step: 1}},
		"zpopmax":          {{flags: "RW access delete", begin: 1, step: 1}},
		"zpopmin":          {{flags: "RW access delete", begin: 1, step: 1}},
		"zrandmember":      {{flags: "RO access", begin: 1, step: 1}},
		"zrange":           {{flags: "RO access", begin: 1, step: 1}},
		"zrangebylex":      {{flags: "RO access", begin: 1, step: 1}},
		"zrangebyscore":    {{flags: "RO access", begin: 1, step: 1}},
		"zrangestore":      {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, step: 1}},
		"zrank":            {{flags: "RO access", begin: 1, step: 1}},
		"zrem":             {{flags: "RW delete", begin: 1, step: 1}},
		"zremrangebylex":   {{flags: "RW delete", begin: 1, step: 1}},
		"zremrangebyrank":  {{flags: "RW delete", begin: 1, step: 1}},
		"zremrangebyscore": {{flags: "RW delete", begin: 1, step: 1}},
		"zrevrange":        {{flags: "RO access", begin: 1, step: 1}},
		"zrevrangebylex":   {{flags: "RO access", begin: 1, step: 1}},
		"zrevrangebyscore": {{flags: "RO access", begin: 1, step: 1}},
		"zrevrank":         {{flags: "RO access", begin: 1, step: 1}},
		"zscan":            {{flags: "RO access", begin: 1, step: 1}},
		"zscore":           {{flags: "RO access", begin: 1, step: 1}},
		"zunion":           {{flags: "RO access", begin: 1, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
		"zunionstore":      {{flags: "OW update", begin: 1, step: 1}, {flags: "RO access", begin: 2, keyNum: true, numIdx: 0, firstKey: 1, step: 1}},
	}
}

// attachKeySpecs gives every command and subcommand of t its key specifications, and the commands
// whose keys move with their arguments Redis's fallback for arguments the specs do not fit.
func (t commandTable) attachKeySpecs() {
	specs := keySpecTable()
	for _, c := range t.allCommands() {
		c.keySpecs = specs[c.name]
	}
	// Redis's getkeys_proc of these commands: genericGetKeys(store, numkeys, first, step).
	for name, pos := range map[string][3]int{
		"zunionstore": {1, 2, 3}, "zinterstore": {1, 2, 3}, "zdiffstore": {1, 2, 3},
		"zunion": {0, 1, 2}, "zinter": {0, 1, 2}, "zdiff": {0, 1, 2}, "zintercard": {0, 1, 2},
		"sintercard": {0, 1, 2}, "lmpop": {0, 1, 2}, "zmpop": {0, 1, 2},
		"blmpop": {0, 2, 3}, "bzmpop": {0, 2, 3},
	} {
		if c := t[name]; c != nil {
			c.getKeys = genericGetKeys(pos[0], pos[1], pos[2])
		}
	}
}

// genericGetKeys is Redis's genericGetKeys with a step of 1: the number of keys is read with atoi
// at numIdx, the keys follow from first, and a destination key at store (0: none) comes last. No
// keys when the number is below 1 or more than the arguments hold.
func genericGetKeys(store, numIdx, first int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		num := atoi(args[numIdx])
		if num < 1 || num > len(args)-first {
			return nil
		}
		pos := make([]int, 0, num+1)
		for i := range num {
			pos = append(pos, first+i)
		}
		if store != 0 {
			pos = append(pos, store)
		}
		return pos
	}
}

// atoi is C's atoi: leading spaces, a sign, digits up to the first other byte; 0 if none. Values
// past 32 bits are clamped (glibc's atoi is strtol cast to int; only small values matter here).
func atoi(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	n := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if n < 1<<31 {
			n = n*10 + int(b[i]-'0')
		}
	}
	if neg {
		return -n
	}
	return n
}

// keyRef is a key found in a command's arguments: its position and its access flags.
type keyRef struct {
	pos   int
	flags string
}

// findKeys returns the keys of args (a whole command, args[0] its name) as Redis 7.0's
// getKeysFromCommandWithSpecs does: with the key specs when they fit the arguments, else with the
// command's fallback (keys without flags), else none. ok is false when the arguments do not
// describe keys at all (Redis: "Invalid arguments specified for command").
func (c *command) findKeys(args [][]byte) (keys []keyRef, ok bool) {
	switch c.name {
	case "set", "bitfield": // their flags depend on the arguments (variable_flags)
		return []keyRef{{1, variableKeyFlags(c.name, args)}}, true
	}
	if keys, ok := specKeys(c.keySpecs, args); ok {
		return keys, true
	}
	if c.getKeys == nil {
		return nil, false
	}
	pos := c.getKeys(args)
	for _, p := range pos {
		keys = append(keys, keyRef{pos: p})
	}
	return keys, len(keys) > 0
}

// specKeys is Redis's getKeysUsingKeySpecs for specs that begin at an index.
func specKeys(specs []keySpec, args [][]byte) ([]keyRef, bool) {
	argc := len(args)
	var keys []keyRef
	for _, sp := range specs {
		first, last := sp.begin, 0
		if sp.keyNum {
			if first+sp.numIdx >= argc {
				return nil, false
			}
			n, ok := engine.ParseInt(args[first+sp.numIdx])
			if !ok || n < 0 {
				return nil, false
			}
			first += sp.firstKey
			last = first + int(int32(n)) - 1 // Redis casts to int
		} else {
			switch {
			case sp.lastKey >= 0:
				last = first + sp.lastKey
			case sp.limit == 0:
				last = argc + sp.lastKey
			default:
				last = first + (argc-first)/sp.limit + sp.lastKey
			}
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for i := first; i <= last; i += sp.step {
			keys = append(keys, keyRef{i, sp.flags})
		}
	}
	return keys, true
}

// variableKeyFlags are the flags Redis's setGetKeys and bitfieldGetKeys give the key of SET and
// BITFIELD: SET with GET reads the key, and BITFIELD with only GETs (and OVERFLOWs) does not write it.
func variableKeyFlags(name string, args [][]byte) string {
	if name == "set" {
		for _, a := range args[3:] {
			if equalFold(a, "get") {
				return "RW access update"
			}
		}
		return "OW update"
	}
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch {
		case equalFold(args[i], "get") && more >= 2:
			i += 2
		case (equalFold(args[i], "set") || equalFold(args[i], "incrby")) && more >= 3:
			return "RW access update"
		case equalFold(args[i], "overflow") && more >= 1:
			i++
		default:
			return "RW access update"
		}
	}
	return "RO access"
}

// writeKeySpecs writes specs as COMMAND INFO's key specifications element.
func writeKeySpecs(w *Writer, specs []keySpec) {
	w.Set(len(specs))
	for _, sp := range specs {
		if sp.notes != "" {
			w.Map(4)
			w.BulkString("notes")
			w.BulkString(sp.notes)
		} else {
			w.Map(3)
		}
		w.BulkString("flags")
		writeFlagSet(w, sp.flags)
		w.BulkString("begin_search")
		w.Map(2)
		w.BulkString("type")
		w.BulkString("index")
		w.BulkString("spec")
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(sp.begin))
		w.BulkString("find_keys")
		w.Map(2)
		w.BulkString("type")
		if sp.keyNum {
			w.BulkString("keynum")
			w.BulkString("spec")
			w.Map(3)
			w.BulkString("keynumidx")
			w.Int(int64(sp.numIdx))
			w.BulkString("firstkey")
			w.Int(int64(sp.firstKey))
			w.BulkString("keystep")
			w.Int(int64(sp.step))
		} else {
			w.BulkString("range")
			w.BulkString("spec")
			w.Map(3)
			w.BulkString("lastkey")
			w.Int(int64(sp.lastKey))
			w.BulkString("keystep")
			w.Int(int64(sp.step))
			w.BulkString("limit")
			w.Int(int64(sp.limit))
		}
	}
}

// writeFlagSet writes space-separated flags as a set of status replies, as Redis writes key flags.
func writeFlagSet(w *Writer, flags string) {
	f := strings.Fields(flags)
	w.Set(len(f))
	for _, s := range f {
		w.Status(s)
	}
}
