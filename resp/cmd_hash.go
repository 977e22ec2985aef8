package resp

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func hashCommands() []*command {
	const g = "hash"
	rwFast, ro, roFast := flagWrite|flagFast, flagReadOnly, flagReadOnly|flagFast
	return []*command{
		{name: "hset", arity: -4, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Creates or modifies the value of a field in a hash.", prepare: prepareHSet(raftfsm.OpHSet, "hset")},
		{name: "hmset", arity: -4, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the values of multiple fields.", prepare: prepareHSet(raftfsm.OpHMSet, "hmset")},
		{name: "hsetnx", arity: 4, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Sets the value of a field in a hash only when the field doesn't exist.", prepare: prepareHSetNX},
		{name: "hget", arity: 3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the value of a field in a hash.", run: cmdHGet},
		{name: "hmget", arity: -3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the values of all fields in a hash.", run: cmdHMGet},
		{name: "hdel", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", prepare: prepareHDel},
		{name: "hexists", arity: 3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Determines whether a field exists in a hash.", run: cmdHExists},
		{name: "hlen", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the number of fields in a hash.", run: cmdHLen},
		{name: "hstrlen", arity: 3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the length of the value of a field.", run: cmdHStrLen},
		{name: "hkeys", arity: 2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns all fields in a hash.", run: cmdHGetAll(true, false)},
		{name: "hvals", arity: 2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns all values in a hash.", run: cmdHGetAll(false, true)},
		{name: "hgetall", arity: 2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns all fields and values in a hash.", run: cmdHGetAll(true, true)},
		{name: "hincrby", arity: 4, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", prepare: prepareHIncrBy},
		{name: "hincrbyfloat", arity: 4, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", prepare: prepareHIncrByFloat},
		{name: "hrandfield", arity: -2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns one or more random fields from a hash.", run: cmdHRandField},
		{name: "hscan", arity: -3, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Iterates over fields and values of a hash.", run: cmdHScan},
	}
}

// Error replies of the hash and set families.
const (
	errHashNotInteger  = "ERR hash value is not an integer"
	errHashNotFloat    = "ERR hash value is not a float"
	errIncrNaNOrInf    = "ERR value is NaN or Infinity"
	errRandCountRange  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errWithValuesRange = "ERR value is out of range"
	errPopCount        = "ERR value is out of range, must be positive"
)

// prepareHSet parses HSET and HMSET key field value [field value ...].
func prepareHSet(op raftfsm.Op, name string) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		if len(args)%2 != 0 {
			return raftfsm.Command{}, errArity(name)
		}
		return raftfsm.Command{Op: op, DB: c.db, Args: args[1:]}, ""
	}
}

func prepareHSetNX(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpHSetNX, DB: c.db, Args: args[1:4]}, ""
}

func prepareHDel(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpHDel, DB: c.db, Args: args[1:]}, ""
}

func prepareHIncrBy(c *Conn, args [][]byte) (raftfsm.Command, string) {
	delta, ok := engine.ParseInt(args[3])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	return raftfsm.Command{Op: raftfsm.OpHIncrBy, DB: c.db, Args: [][]byte{args[1], args[2], raftfsm.Int64Arg(delta)}}, ""
}

// prepareHIncrByFloat parses the increment as Redis does (strtold) before it looks at the key: a
// bad one is refused here, and the entry carries the parsed long double.
func prepareHIncrByFloat(c *Conn, args [][]byte) (raftfsm.Command, string) {
	incr, ok := engine.ParseLongDouble(args[3])
	if !ok {
		return raftfsm.Command{}, errNotFloat
	}
	if _, finite := (engine.LongDouble{}).Add(incr); !finite { // 0 + incr is infinite: incr is
		return raftfsm.Command{}, errIncrNaNOrInf
	}
	return raftfsm.Command{Op: raftfsm.OpHIncrByFloat, DB: c.db, Args: [][]byte{args[1], args[2], incr.AppendBinary(nil)}}, ""
}

func cmdHGet(c *Conn, args [][]byte) {
	var v []byte
	var found bool
	err := c.view(func(tx *engine.Tx) error {
		var err error
		v, found, err = tx.HGet(c.db, args[1], args[2])
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
	case found:
		c.w.Bulk(v)
	default:
		c.w.Null()
	}
}

func cmdHMGet(c *Conn, args [][]byte) {
	var vals [][]byte
	err := c.view(func(tx *engine.Tx) error {
		var err error
		vals, err = tx.HMGet(c.db, args[1], args[2:])
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Array(len(vals))
	for _, v := range vals {
		if v == nil {
			c.w.Null()
		} else {
			c.w.Bulk(v)
		}
	}
}

func cmdHExists(c *Conn, args [][]byte) {
	var ok bool
	err := c.view(func(tx *engine.Tx) error {
		var err error
		ok, err = tx.HExists(c.db, args[1], args[2])
		return err
	})
	writeIntOrErr(c, int01(ok), err)
}

func cmdHLen(c *Conn, args [][]byte) {
	var n int64
	err := c.view(func(tx *engine.Tx) error {
		var err error
		n, err = tx.HLen(c.db, args[1])
		return err
	})
	writeIntOrErr(c, n, err)
}

func cmdHStrLen(c *Conn, args [][]byte) {
	var n int64
	err := c.view(func(tx *engine.Tx) error {
		var err error
		n, err = tx.HStrLen(c.db, args[1], args[2])
		return err
	})
	writeIntOrErr(c, n, err)
}

// cmdHGetAll answers HKEYS (fields), HVALS (values) and HGETALL (both: a map in RESP3).
func cmdHGetAll(fields, values bool) runFunc {
	return func(c *Conn, args [][]byte) {
		var all []engine.FieldValue
		err := c.view(func(tx *engine.Tx) error {
			var err error
			all, err = tx.HGetAll(c.db, args[1], values)
			return err
		})
		if err != nil {
			c.w.Error(errorText(err))
			return
		}
		if fields && values {
			c.w.Map(len(all))
		} else {
			c.w.Array(len(all))
		}
		for _, fv := range all {
			if fields {
				c.w.Bulk(fv.Field)
			}
			if values {
				c.w.Bulk(fv.Value)
			}
		}
	}
}

// randomCount parses the count of HRANDFIELD and SRANDMEMBER: any integer but the smallest, whose
// negation does not exist.
func randomCount(arg []byte) (int64, string) {
	v, ok := engine.ParseInt(arg)
	switch {
	case !ok:
		return 0, errNotInteger
	case v == math.MinInt64:
		return 0, errRandCountRange
	}
	return v, ""
}

// cmdHRandField answers HRANDFIELD key [count [WITHVALUES]]. The count is checked before the key;
// with WITHVALUES it must leave room to double it. In RESP3 each field comes with its value as a
// pair (an array of two), as Redis 7.0 replies.
func cmdHRandField(c *Conn, args [][]byte) {
	count, withValues := int64(1), false
	if len(args) >= 3 {
		var e string
		if count, e = randomCount(args[2]); e != "" {
			c.w.Error(e)
			return
		}
		if len(args) > 4 || len(args) == 4 && !equalFold(args[3], "withvalues") {
			c.w.Error(errSyntax)
			return
		}
		withValues = len(args) == 4
		if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
			c.w.Error(errWithValuesRange)
			return
		}
	}
	var picked []engine.FieldValue
	err := c.view(func(tx *engine.Tx) error {
		var err error
		picked, err = tx.HRandField(c.db, args[1], count, withValues, rand.Uint64N)
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
		return
	case len(args) == 2 && len(picked) == 0:
		c.w.Null()
		return
	case len(args) == 2:
		c.w.Bulk(picked[0].Field)
		return
	}
	pairs := withValues && c.w.Protocol() == 3
	if withValues && !pairs {
		c.w.Array(2 * len(picked))
	} else {
		c.w.Array(len(picked))
	}
	for _, fv := range picked {
		if pairs {
			c.w.Array(2)
		}
		c.w.Bulk(fv.Field)
		if withValues {
			c.w.Bulk(fv.Value)
		}
	}
}

func cmdHScan(c *Conn, args [][]byte) { scanCollection(c, args, engine.TypeHash) }

// scanCollection answers HSCAN and SSCAN key cursor [MATCH pattern] [COUNT count] in Redis's order
// of checks: the cursor, then the key (a missing key answers an empty scan whatever the options),
// then the options. COUNT bounds the elements examined, MATCH filters them. Cursors are positions
// kept in the server's cursor table, as SCAN's (scancursor.go); a small collection is returned
// whole with cursor 0, as Redis returns a listpack or an intset.
func scanCollection(c *Conn, args [][]byte, typ engine.Type) {
	cursor, ok := parseCursor(args[2])
	if !ok {
		c.w.Error(errInvalidCursor)
		return
	}
	var items [][]byte // field, value, field, value... or members
	var last []byte
	errReply := ""
	err := c.view(func(tx *engine.Tx) error {
		t, err := tx.Type(c.db, args[1])
		switch {
		case err != nil:
			return err
		case t == engine.TypeNone:
			return nil
		case t != typ:
			return engine.ErrWrongType
		}
		count, pattern, e := collectionScanOptions(args[3:])
		if e != "" {
			errReply = e
			return nil
		}
		var match func([]byte) bool
		if pattern != nil {
			match = func(b []byte) bool { return globMatch(pattern, b, false) }
		}
		var after []byte
		if cursor != 0 {
			after, _ = c.srv.cursors.get(cursor) // unknown: start again
		}
		if typ == engine.TypeHash {
			var fvs []engine.FieldValue
			fvs, last, err = tx.HScan(c.db, args[1], after, count, match)
			for _, fv := range fvs {
				items = append(items, fv.Field, fv.Value)
			}
			return err
		}
		items, last, err = tx.SScan(c.db, args[1], after, count, match)
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
		return
	case errReply != "":
		c.w.Error(errReply)
		return
	}
	next := uint64(0)
	if last != nil {
		next = c.srv.cursors.put(last)
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(items))
	for _, it := range items {
		c.w.Bulk(it)
	}
}

// collectionScanOptions parses [MATCH pattern] [COUNT count] of HSCAN and SSCAN, repeated or in any order. A
// pattern of "*" matches everything and is dropped.
func collectionScanOptions(opts [][]byte) (count int, pattern []byte, errReply string) {
	count = 10
	for i := 0; i < len(opts); i += 2 {
		if i+1 >= len(opts) {
			return 0, nil, errSyntax
		}
		switch {
		case equalFold(opts[i], "count"):
			v, ok := engine.ParseInt(opts[i+1])
			if !ok {
				return 0, nil, errNotInteger
			}
			if v < 1 {
				return 0, nil, errSyntax
			}
			count = int(min(v, math.MaxInt32))
		case equalFold(opts[i], "match"):
			pattern = opts[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			return 0, nil, errSyntax
		}
	}
	return count, pattern, ""
}

// writeIntOrErr writes n, or err's reply.
func writeIntOrErr(c *Conn, n int64, err error) {
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func int01(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
