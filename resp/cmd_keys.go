package resp

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// The keyspace and expiry commands (Redis's "generic" group).

func keyCommands() []*command {
	const g = "generic"
	rw, rwFast, ro, roFast := flagWrite, flagWrite|flagFast, flagReadOnly, flagReadOnly|flagFast
	return []*command{
		{name: "del", arity: -2, flags: rw, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Deletes one or more keys.", prepare: prepareDel},
		{name: "unlink", arity: -2, flags: rwFast, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Deletes one or more keys; the space is reclaimed in the background.", prepare: prepareDel},
		{name: "exists", arity: -2, flags: roFast, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Determines whether one or more keys exist.", run: cmdExists},
		{name: "touch", arity: -2, flags: roFast, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Returns the number of existing keys specified (access times are not tracked).", run: cmdExists},
		{name: "type", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Determines the type of value stored at a key.", run: cmdType},
		{name: "keys", arity: 2, flags: ro, group: g, summary: "Returns all key names that match a pattern.", run: cmdKeys},
		{name: "scan", arity: -2, flags: ro, group: g, summary: "Iterates over the key names in the database.", run: cmdScan},
		{name: "randomkey", arity: 1, flags: ro, group: g, summary: "Returns a random key name from the database.", run: cmdRandomKey},
		{name: "rename", arity: 3, flags: rw, firstKey: 1, lastKey: 2, step: 1, group: g, summary: "Renames a key and overwrites the destination.", prepare: prepareRename(false)},
		{name: "renamenx", arity: 3, flags: rwFast, firstKey: 1, lastKey: 2, step: 1, group: g, summary: "Renames a key only when the target key name doesn't exist.", prepare: prepareRename(true)},
		{name: "copy", arity: -3, flags: rw, firstKey: 1, lastKey: 2, step: 1, group: g, summary: "Copies the value of a key to a new key.", prepare: prepareCopy},
		{name: "move", arity: 3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Moves a key to another database.", prepare: prepareMove},
		{name: "swapdb", arity: 3, flags: rwFast, group: g, summary: "Swaps two Redis databases.", prepare: prepareSwapDB},
		{name: "object", arity: -2, group: g, summary: "A container for object introspection commands.", run: cmdObject},
		{name: "expire", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the expiration time of a key in seconds.", prepare: prepareExpire(1000, false, "expire")},
		{name: "pexpire", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the expiration time of a key in milliseconds.", prepare: prepareExpire(1, false, "pexpire")},
		{name: "expireat", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the expiration time of a key to a Unix timestamp.", prepare: prepareExpire(1000, true, "expireat")},
		{name: "pexpireat", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", prepare: prepareExpire(1, true, "pexpireat")},
		{name: "ttl", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the expiration time in seconds of a key.", run: cmdTTL(1000, false)},
		{name: "pttl", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the expiration time in milliseconds of a key.", run: cmdTTL(1, false)},
		{name: "expiretime", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the expiration time of a key as a Unix timestamp.", run: cmdTTL(1000, true)},
		{name: "pexpiretime", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", run: cmdTTL(1, true)},
		{name: "persist", arity: 2, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes the expiration time of a key.", prepare: preparePersist},
	}
}

// Error replies of this family.
const (
	errNoSuchKey      = "ERR no such key"
	errSameObject     = "ERR source and destination objects are the same"
	errInvalidCursor  = "ERR invalid cursor"
	errIntRange       = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errFirstDBIndex   = "ERR invalid first DB index"
	errSecondDBIndex  = "ERR invalid second DB index"
)

// intArg parses an argument as Redis's getIntFromObjectOrReply: an integer within C's int. When msg
// is set it is the reply for both failures, as Redis's callers that pass a message get.
func intArg(a []byte, msg string) (int, string) {
	v, ok := engine.ParseInt(a)
	switch {
	case !ok && msg != "", ok && (v < math.MinInt32 || v > math.MaxInt32) && msg != "":
		return 0, msg
	case !ok:
		return 0, errNotInteger
	case v < math.MinInt32 || v > math.MaxInt32:
		return 0, errIntRange
	}
	return int(v), ""
}

func (c *Conn) validDB(db int) bool { return db >= 0 && db < c.srv.db.Databases() }

func prepareDel(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpDel, DB: c.db, Args: args[1:]}, ""
}

// cmdExists answers EXISTS and TOUCH: how many of the keys exist, a key named twice counting twice.
func cmdExists(c *Conn, args [][]byte) {
	n := int64(0)
	err := c.view(func(tx *engine.Tx) error {
		for _, k := range args[1:] {
			ok, err := tx.Exists(c.db, k)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func cmdType(c *Conn, args [][]byte) {
	var t engine.Type
	err := c.view(func(tx *engine.Tx) error {
		var err error
		t, err = tx.Type(c.db, args[1])
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Status(t.String())
}

// globPrefix returns the literal bytes every key matching pattern starts with, so that only keys
// with that prefix need to be read.
func globPrefix(pattern []byte) []byte {
	var out []byte
	for i := 0; i < len(pattern); i++ {
		switch ch := pattern[i]; ch {
		case '*', '?', '[':
			return out
		case '\\':
			if i+1 < len(pattern) {
				i++
			}
			out = append(out, pattern[i])
		default:
			out = append(out, ch)
		}
	}
	return out
}

// cmdKeys answers KEYS pattern with the live keys that match, in key order (Redis's order is its
// hash table's: clients must not rely on any).
func cmdKeys(c *Conn, args [][]byte) {
	pattern := args[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys [][]byte
	err := c.view(func(tx *engine.Tx) error {
		return tx.Keys(c.db, globPrefix(pattern), func(key []byte, _ engine.Type) bool {
			if all || globMatch(pattern, key, false) {
				keys = append(keys, append([]byte(nil), key...))
			}
			return true
		})
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.Bulk(k)
	}
}

// cmdScan answers SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. COUNT bounds the keys
// examined per call, as in Redis (MATCH and TYPE filter them afterwards); see scancursor.go for the
// cursor.
func cmdScan(c *Conn, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.w.Error(errInvalidCursor)
		return
	}
	count := int64(10)
	var pattern, typeName []byte
	usePattern := false
	for i := 2; i < len(args); {
		more := len(args) - i
		switch {
		case equalFold(args[i], "count") && more >= 2:
			v, ok := engine.ParseInt(args[i+1])
			if !ok {
				c.w.Error(errNotInteger)
				return
			}
			if v < 1 {
				c.w.Error(errSyntax)
				return
			}
			count = v
			i += 2
		case equalFold(args[i], "match") && more >= 2:
			pattern = args[i+1]
			usePattern = !(len(pattern) == 1 && pattern[0] == '*')
			i += 2
		case equalFold(args[i], "type") && more >= 2:
			typeName = cstr(args[i+1])
			i += 2
		default:
			c.w.Error(errSyntax)
			return
		}
	}
	var after []byte
	if cursor != 0 {
		after, _ = c.srv.cursors.get(cursor) // unknown: start again
	}
	var prefix []byte
	if usePattern {
		prefix = globPrefix(pattern)
	}
	var keys [][]byte
	var last []byte
	more := false
	err := c.view(func(tx *engine.Tx) error {
		var err error
		last, more, err = tx.Scan(c.db, prefix, after, int(min(count, math.MaxInt32)), func(key []byte, t engine.Type) {
			if usePattern && !globMatch(pattern, key, false) {
				return
			}
			if typeName != nil && !equalFoldBytes(typeName, t.String()) {
				return
			}
			keys = append(keys, append([]byte(nil), key...))
		})
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	next := uint64(0)
	if more {
		next = c.srv.cursors.put(last)
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.Bulk(k)
	}
}

// equalFoldBytes compares b with s ignoring ASCII case, as C's strcasecmp.
func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if toLower(b[i]) != toLower(s[i]) {
			return false
		}
	}
	return true
}

func cmdRandomKey(c *Conn, _ [][]byte) {
	var key []byte
	err := c.view(func(tx *engine.Tx) error {
		var err error
		key, err = tx.RandomKey(c.db, rand.Uint64N)
		return err
	})
	switch {
	case errors.Is(err, engine.ErrNotFound):
		c.w.Null()
	case err != nil:
		c.w.Error(errorText(err))
	default:
		c.w.Bulk(key)
	}
}

func prepareRename(nx bool) prepareFunc {
	flag := byte(0)
	if nx {
		flag = 1
	}
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		return raftfsm.Command{Op: raftfsm.OpRename, DB: c.db, Args: [][]byte{args[1], args[2], {flag}}}, ""
	}
}

// prepareCopy parses COPY source destination [DB destination-db] [REPLACE] as Redis 7.0 does:
// options in order, the first bad one answering.
func prepareCopy(c *Conn, args [][]byte) (raftfsm.Command, string) {
	dst, replace := c.db, byte(0)
	for i := 3; i < len(args); i++ {
		switch {
		case equalFold(args[i], "replace"):
			replace = 1
		case equalFold(args[i], "db") && i+1 < len(args):
			db, e := intArg(args[i+1], "")
			if e != "" {
				return raftfsm.Command{}, e
			}
			if !c.validDB(db) {
				return raftfsm.Command{}, errDBIndex
			}
			dst = db
			i++
		default:
			return raftfsm.Command{}, errSyntax
		}
	}
	if dst == c.db && bytes.Equal(args[1], args[2]) {
		return raftfsm.Command{}, errSameObject
	}
	return raftfsm.Command{Op: raftfsm.OpCopy, DB: c.db, Args: [][]byte{
		args[1], args[2], raftfsm.Int64Arg(int64(dst)), {replace},
	}}, ""
}

func prepareMove(c *Conn, args [][]byte) (raftfsm.Command, string) {
	db, e := intArg(args[2], "")
	if e != "" {
		return raftfsm.Command{}, e
	}
	if !c.validDB(db) {
		return raftfsm.Command{}, errDBIndex
	}
	if db == c.db {
		return raftfsm.Command{}, errSameObject
	}
	return raftfsm.Command{Op: raftfsm.OpMove, DB: c.db, Args: [][]byte{args[1], raftfsm.Int64Arg(int64(db))}}, ""
}

func prepareSwapDB(c *Conn, args [][]byte) (raftfsm.Command, string) {
	a, e := intArg(args[1], errFirstDBIndex)
	if e != "" {
		return raftfsm.Command{}, e
	}
	b, e := intArg(args[2], errSecondDBIndex)
	if e != "" {
		return raftfsm.Command{}, e
	}
	if !c.validDB(a) || !c.validDB(b) {
		return raftfsm.Command{}, errDBIndex
	}
	return raftfsm.Command{Op: raftfsm.OpSwapDB, DB: c.db, Args: [][]byte{
		raftfsm.Int64Arg(int64(a)), raftfsm.Int64Arg(int64(b)),
	}}, ""
}

// objectHelp is Redis 7.0's OBJECT HELP, after its "OBJECT <subcommand> ..." header line.
var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

// cmdObject answers OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key and OBJECT HELP. Access times and
// frequencies are not tracked: IDLETIME answers 0, and FREQ the error Redis gives when no LFU
// policy is selected (flin-resp reports maxmemory-policy noeviction).
func cmdObject(c *Conn, args [][]byte) {
	sub := args[1]
	var name string
	for _, s := range []string{"encoding", "refcount", "idletime", "freq", "help"} {
		if equalFold(sub, s) {
			name = s
		}
	}
	switch {
	case name == "":
		c.w.Error(errUnknownSubcommand(sub, "object"))
		return
	case name == "help" && len(args) != 2, name != "help" && len(args) != 3:
		c.w.Error(errArity("object|" + name))
		return
	case name == "help":
		c.w.Array(len(objectHelp) + 1)
		c.w.Status("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
		for _, l := range objectHelp {
			c.w.Status(l)
		}
		return
	}
	var info engine.ObjectInfo
	err := c.view(func(tx *engine.Tx) error {
		var err error
		info, err = tx.Object(c.db, args[2])
		return err
	})
	switch {
	case errors.Is(err, engine.ErrNotFound):
		c.w.Null()
	case err != nil:
		c.w.Error(errorText(err))
	case name == "encoding":
		c.w.BulkString(info.Encoding)
	case name == "refcount":
		c.w.Int(info.RefCount)
	case name == "idletime":
		c.w.Int(0)
	default:
		c.w.Error(errLFUNotSelected)
	}
}

// prepareExpire parses EXPIRE, PEXPIRE (relative; unit 1000 or 1) and EXPIREAT, PEXPIREAT
// (absolute) key time [NX|XX|GT|LT] as Redis 7.0 does: options first, then the time, which may be
// negative. A time at or before now deletes the key when applied.
func prepareExpire(unit int64, absolute bool, name string) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		cond, e := parseExpireCond(args[3:])
		if e != "" {
			return raftfsm.Command{}, e
		}
		v, ok := engine.ParseInt(args[2])
		if !ok {
			return raftfsm.Command{}, errNotInteger
		}
		if v > math.MaxInt64/unit || v < math.MinInt64/unit {
			return raftfsm.Command{}, errInvalidExpire(name)
		}
		v *= unit
		if !absolute {
			// Only the addition can overflow: now is positive.
			now := c.now()
			if v > math.MaxInt64-now {
				return raftfsm.Command{}, errInvalidExpire(name)
			}
			v += now
		}
		return raftfsm.Command{Op: raftfsm.OpExpire, DB: c.db, Args: [][]byte{
			args[1], raftfsm.Int64Arg(v), {byte(cond)},
		}}, ""
	}
}

func parseExpireCond(opts [][]byte) (engine.ExpireCond, string) {
	var nx, xx, gt, lt bool
	for _, o := range opts {
		switch {
		case equalFold(o, "nx"):
			nx = true
		case equalFold(o, "xx"):
			xx = true
		case equalFold(o, "gt"):
			gt = true
		case equalFold(o, "lt"):
			lt = true
		default:
			return 0, "ERR Unsupported option " + sanitize(string(cstr(o)))
		}
	}
	switch {
	case nx && (xx || gt || lt):
		return 0, "ERR NX and XX, GT or LT options at the same time are not compatible"
	case gt && lt:
		return 0, "ERR GT and LT options at the same time are not compatible"
	}
	var cond engine.ExpireCond
	for _, o := range []struct {
		set  bool
		cond engine.ExpireCond
	}{{nx, engine.ExpireNX}, {xx, engine.ExpireXX}, {gt, engine.ExpireGT}, {lt, engine.ExpireLT}} {
		if o.set {
			cond |= o.cond
		}
	}
	return cond, ""
}

// cmdTTL answers TTL and PTTL (relative), EXPIRETIME and PEXPIRETIME (absolute): -2 when the key is
// missing, -1 when it has no expiry. Seconds are rounded to the nearest, as Redis does.
func cmdTTL(unit int64, absolute bool) runFunc {
	return func(c *Conn, args [][]byte) {
		var at int64
		err := c.view(func(tx *engine.Tx) error {
			var err error
			at, err = tx.ExpireAt(c.db, args[1])
			return err
		})
		switch {
		case errors.Is(err, engine.ErrNotFound):
			c.w.Int(-2)
		case err != nil:
			c.w.Error(errorText(err))
		case at == 0:
			c.w.Int(-1)
		default:
			t := at
			if !absolute {
				t = max(at-c.now(), 0)
			}
			// Unsigned, as Redis's (ttl+500)/1000 behaves for a time near the int64 limit.
			c.w.Int(int64((uint64(t) + uint64(unit/2)) / uint64(unit)))
		}
	}
}

func preparePersist(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpPersist, DB: c.db, Args: [][]byte{args[1]}}, ""
}
