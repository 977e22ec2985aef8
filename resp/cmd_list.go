package resp

import (
	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// The lists family, after Redis 7.0's t_list.c. Arguments are checked here in Redis's order: what
// Redis parses before looking the key up is parsed here; what it checks after (WRONGTYPE, LSET's
// index) is decided when the write is applied. The blocking commands wait in blocking.go.

func listCommands() []*command {
	const l = "list"
	return []*command{
		{name: "lpush", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Prepend one or multiple elements to a list", prepare: preparePush(false, false)},
		{name: "rpush", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Append one or multiple elements to a list", prepare: preparePush(true, false)},
		{name: "lpushx", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Prepend an element to a list, only if the list exists", prepare: preparePush(false, true)},
		{name: "rpushx", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Append an element to a list, only if the list exists", prepare: preparePush(true, true)},
		{name: "lpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Remove and get the first elements in a list", prepare: preparePop("lpop", false)},
		{name: "rpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Remove and get the last elements in a list", prepare: preparePop("rpop", true)},
		{name: "llen", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Get the length of a list", run: cmdLLen},
		{name: "lrange", arity: 4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Get a range of elements from a list", run: cmdLRange},
		{name: "lindex", arity: 3, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Get an element from a list by its index", run: cmdLIndex},
		{name: "lpos", arity: -3, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Return the index of matching elements on a list", run: cmdLPos},
		{name: "lset", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Set the value of an element in a list by its index", prepare: prepareLSet},
		{name: "linsert", arity: 5, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Insert an element before or after another element in a list", prepare: prepareLInsert},
		{name: "lrem", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Remove elements from a list", prepare: prepareLRem},
		{name: "ltrim", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: l, summary: "Trim a list to the specified range", prepare: prepareLTrim},
		{name: "lmove", arity: 5, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, group: l, summary: "Pop an element from a list, push it to another list and return it", prepare: prepareLMove},
		{name: "rpoplpush", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, group: l, summary: "Remove the last element in a list, prepend it to another list and return it", prepare: prepareRPopLPush},
		{name: "lmpop", arity: -4, flags: flagWrite, group: l, summary: "Pop elements from a list", prepare: prepareLMPop},
		{name: "blpop", arity: -3, flags: flagWrite | flagBlocking, firstKey: 1, lastKey: -2, step: 1, group: l, summary: "Remove and get the first element in a list, or block until one is available", prepare: nonBlocking(blockBPop(false)), block: blockBPop(false)},
		{name: "brpop", arity: -3, flags: flagWrite | flagBlocking, firstKey: 1, lastKey: -2, step: 1, group: l, summary: "Remove and get the last element in a list, or block until one is available", prepare: nonBlocking(blockBPop(true)), block: blockBPop(true)},
		{name: "blmove", arity: 6, flags: flagWrite | flagBlocking, firstKey: 1, lastKey: 2, step: 1, group: l, summary: "Pop an element from a list, push it to another list and return it; or block until one is available", prepare: nonBlocking(blockBLMove), block: blockBLMove},
		{name: "brpoplpush", arity: 4, flags: flagWrite | flagBlocking, firstKey: 1, lastKey: 2, step: 1, group: l, summary: "Pop an element from a list, push it to another list and return it; or block until one is available", prepare: nonBlocking(blockBRPopLPush), block: blockBRPopLPush},
		{name: "blmpop", arity: -5, flags: flagWrite | flagBlocking, group: l, summary: "Pop elements from a list, or block until one is available", prepare: nonBlocking(blockBLMPop), block: blockBLMPop},
	}
}

// Error replies of this family.
const (
	errListPopCount   = "ERR value is out of range, must be positive"
	errListIndexRange = "ERR index out of range"
	errLPosRankZero   = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLPosCount      = "ERR COUNT can't be negative"
	errLPosMaxLen     = "ERR MAXLEN can't be negative"
	errListNumKeys    = "ERR numkeys should be greater than 0"
	errListMPopCount  = "ERR count should be greater than 0"
)

func preparePush(right, onlyIfExists bool) prepareFunc {
	var flags byte
	if right {
		flags |= raftfsm.ListRight
	}
	if onlyIfExists {
		flags |= raftfsm.ListOnlyIfExists
	}
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		cargs := make([][]byte, 0, len(args))
		cargs = append(cargs, args[1], []byte{flags})
		cargs = append(cargs, args[2:]...)
		return raftfsm.Command{Op: raftfsm.OpListPush, DB: c.db, Args: cargs}, ""
	}
}

// preparePop parses LPOP/RPOP key [count]. The count is parsed before the key is looked up.
func preparePop(name string, right bool) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		var flags byte
		if right {
			flags |= raftfsm.ListRight
		}
		count := int64(0)
		switch len(args) {
		case 2:
		case 3:
			v, ok := engine.ParseInt(args[2])
			if !ok || v < 0 {
				return raftfsm.Command{}, errListPopCount
			}
			count, flags = v, flags|raftfsm.ListCount
		default:
			return raftfsm.Command{}, errArity(name)
		}
		return raftfsm.Command{Op: raftfsm.OpListPop, DB: c.db, Args: [][]byte{
			args[1], {flags}, raftfsm.Int64Arg(count),
		}}, ""
	}
}

// parseInts parses integer arguments (Redis's getLongFromObjectOrReply).
func parseInts(args ...[]byte) ([]int64, bool) {
	out := make([]int64, len(args))
	for i, a := range args {
		v, ok := engine.ParseInt(a)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

func cmdLLen(c *Conn, args [][]byte) {
	var n int64
	err := c.view(func(tx *engine.Tx) error {
		var err error
		n, err = tx.ListLen(c.db, args[1])
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Int(n)
}

func (c *Conn) bulkArray(vals [][]byte) {
	c.w.Array(len(vals))
	for _, v := range vals {
		c.w.Bulk(v)
	}
}

func cmdLRange(c *Conn, args [][]byte) {
	r, ok := parseInts(args[2], args[3])
	if !ok {
		c.w.Error(errNotInteger)
		return
	}
	var vals [][]byte
	err := c.view(func(tx *engine.Tx) error {
		var err error
		vals, err = tx.ListRange(c.db, args[1], r[0], r[1])
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.bulkArray(vals)
}

// cmdLIndex answers LINDEX key index. Redis looks the key up before parsing the index: a missing
// key is nil and another type WRONGTYPE whatever the index.
func cmdLIndex(c *Conn, args [][]byte) {
	var val []byte
	var found bool
	reply := ""
	err := c.view(func(tx *engine.Tx) error {
		n, err := tx.ListLen(c.db, args[1])
		if err != nil || n == 0 {
			return err
		}
		index, ok := engine.ParseInt(args[2])
		if !ok {
			reply = errNotInteger
			return nil
		}
		val, found, err = tx.ListIndex(c.db, args[1], index)
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
	case reply != "":
		c.w.Error(reply)
	case found:
		c.w.Bulk(val)
	default:
		c.w.Null()
	}
}

// cmdLPos answers LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
func cmdLPos(c *Conn, args [][]byte) {
	o := engine.ListPosOptions{Rank: 1, Count: -1}
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch {
		case isOpt(args[j], "rank") && more:
			j++
			v, ok := engine.ParseInt(args[j])
			if !ok {
				c.w.Error(errNotInteger)
				return
			}
			if v == 0 {
				c.w.Error(errLPosRankZero)
				return
			}
			o.Rank = v
		case isOpt(args[j], "count") && more:
			j++
			v, ok := engine.ParseInt(args[j])
			if !ok || v < 0 {
				c.w.Error(errLPosCount)
				return
			}
			o.Count = v
		case isOpt(args[j], "maxlen") && more:
			j++
			v, ok := engine.ParseInt(args[j])
			if !ok || v < 0 {
				c.w.Error(errLPosMaxLen)
				return
			}
			o.MaxLen = v
		default:
			c.w.Error(errSyntax)
			return
		}
	}
	var pos []int64
	var exists bool
	err := c.view(func(tx *engine.Tx) error {
		var err error
		pos, exists, err = tx.ListPos(c.db, args[1], args[2], o)
		return err
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
	case o.Count != -1:
		c.w.Array(len(pos))
		for _, p := range pos {
			c.w.Int(p)
		}
	case exists && len(pos) > 0:
		c.w.Int(pos[0])
	default:
		c.w.Null()
	}
}

// prepareLSet carries the index unparsed: Redis answers "no such key" before it parses it.
func prepareLSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpListSet, DB: c.db, Args: [][]byte{args[1], args[2], args[3]}}, ""
}

func prepareLInsert(c *Conn, args [][]byte) (raftfsm.Command, string) {
	var flags byte
	switch {
	case isOpt(args[2], "after"):
		flags = raftfsm.ListAfter
	case isOpt(args[2], "before"):
	default:
		return raftfsm.Command{}, errSyntax
	}
	return raftfsm.Command{Op: raftfsm.OpListInsert, DB: c.db, Args: [][]byte{args[1], {flags}, args[3], args[4]}}, ""
}

func prepareLRem(c *Conn, args [][]byte) (raftfsm.Command, string) {
	count, ok := engine.ParseInt(args[2])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	return raftfsm.Command{Op: raftfsm.OpListRem, DB: c.db, Args: [][]byte{args[1], raftfsm.Int64Arg(count), args[3]}}, ""
}

func prepareLTrim(c *Conn, args [][]byte) (raftfsm.Command, string) {
	r, ok := parseInts(args[2], args[3])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	return raftfsm.Command{Op: raftfsm.OpListTrim, DB: c.db, Args: [][]byte{
		args[1], raftfsm.Int64Arg(r[0]), raftfsm.Int64Arg(r[1]),
	}}, ""
}

// listEnd parses LEFT or RIGHT (Redis's getListPositionFromObjectOrReply): right reports RIGHT.
func listEnd(arg []byte) (right bool, ok bool) {
	switch {
	case isOpt(arg, "right"):
		return true, true
	case isOpt(arg, "left"):
		return false, true
	}
	return false, false
}

// moveFlags parses LMOVE's wherefrom and whereto.
func moveFlags(from, to []byte) (byte, string) {
	fromRight, ok := listEnd(from)
	if !ok {
		return 0, errSyntax
	}
	toRight, ok := listEnd(to)
	if !ok {
		return 0, errSyntax
	}
	var flags byte
	if fromRight {
		flags |= raftfsm.ListFromRight
	}
	if toRight {
		flags |= raftfsm.ListToRight
	}
	return flags, ""
}

func moveCommand(db int, src, dst []byte, flags, mode byte) raftfsm.Command {
	return raftfsm.Command{Op: raftfsm.OpListMove, DB: db, Args: [][]byte{src, dst, {flags}, {mode}}}
}

func prepareLMove(c *Conn, args [][]byte) (raftfsm.Command, string) {
	flags, e := moveFlags(args[3], args[4])
	if e != "" {
		return raftfsm.Command{}, e
	}
	return moveCommand(c.db, args[1], args[2], flags, raftfsm.ListPop), ""
}

func prepareRPopLPush(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return moveCommand(c.db, args[1], args[2], raftfsm.ListFromRight, raftfsm.ListPop), ""
}

// mpopCommand builds the pop of keys in the given modes: BLPOP's form [key, element] with count 0,
// LMPOP's [key, [element...]] otherwise.
func mpopCommand(db int, right bool, count int64, keys [][]byte, modes []byte) raftfsm.Command {
	var flags byte
	if right {
		flags |= raftfsm.ListRight
	}
	if count > 0 {
		flags |= raftfsm.ListNested
	} else {
		count = 1
	}
	args := make([][]byte, 0, 3+len(keys))
	args = append(args, []byte{flags}, raftfsm.Int64Arg(count), modes)
	args = append(args, keys...)
	return raftfsm.Command{Op: raftfsm.OpListMPop, DB: db, Args: args}
}

// parseMPop parses LMPOP's and BLMPOP's numkeys key... LEFT|RIGHT [COUNT count], numkeys being
// args[at], as Redis's lmpopGenericCommand does.
func parseMPop(args [][]byte, at int) (keys [][]byte, right bool, count int64, errReply string) {
	numkeys, ok := engine.ParseInt(args[at])
	if !ok || numkeys < 1 {
		return nil, false, 0, errListNumKeys
	}
	if numkeys >= int64(len(args)-at-1) {
		return nil, false, 0, errSyntax // no room for the keys and the where argument
	}
	where := at + 1 + int(numkeys)
	if right, ok = listEnd(args[where]); !ok {
		return nil, false, 0, errSyntax
	}
	count = -1
	for j := where + 1; j < len(args); j++ {
		if count == -1 && isOpt(args[j], "count") && j+1 < len(args) {
			j++
			v, ok := engine.ParseInt(args[j])
			if !ok || v < 1 {
				return nil, false, 0, errListMPopCount
			}
			count = v
			continue
		}
		return nil, false, 0, errSyntax
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : where], right, count, ""
}

func prepareLMPop(c *Conn, args [][]byte) (raftfsm.Command, string) {
	keys, right, count, e := parseMPop(args, 1)
	if e != "" {
		return raftfsm.Command{}, e
	}
	keys = distinctKeys(keys)
	modes := make([]byte, len(keys))
	for i := range modes {
		modes[i] = raftfsm.ListPop
	}
	return mpopCommand(c.db, right, count, keys, modes), ""
}

// blockBPop parses BLPOP/BRPOP key [key ...] timeout.
func blockBPop(right bool) blockFunc {
	return func(c *Conn, args [][]byte) (blockSpec, string) {
		deadline, e := parseBlockTimeout(args[len(args)-1], c.now())
		if e != "" {
			return blockSpec{}, e
		}
		db := c.db
		return blockSpec{
			keys:     distinctKeys(args[1 : len(args)-1]),
			deadline: deadline,
			attempt: func(keys [][]byte, modes []byte) raftfsm.Command {
				return mpopCommand(db, right, 0, keys, modes)
			},
		}, ""
	}
}

// blockBLMPop parses BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]; the timeout
// is checked after the rest, as in Redis.
func blockBLMPop(c *Conn, args [][]byte) (blockSpec, string) {
	keys, right, count, e := parseMPop(args, 2)
	if e != "" {
		return blockSpec{}, e
	}
	deadline, e := parseBlockTimeout(args[1], c.now())
	if e != "" {
		return blockSpec{}, e
	}
	db := c.db
	return blockSpec{
		keys:     distinctKeys(keys),
		deadline: deadline,
		attempt: func(keys [][]byte, modes []byte) raftfsm.Command {
			return mpopCommand(db, right, count, keys, modes)
		},
	}, ""
}

func blockMove(c *Conn, src, dst []byte, flags byte, timeout []byte) (blockSpec, string) {
	deadline, e := parseBlockTimeout(timeout, c.now())
	if e != "" {
		return blockSpec{}, e
	}
	db := c.db
	return blockSpec{
		keys:     [][]byte{src},
		deadline: deadline,
		attempt: func(_ [][]byte, modes []byte) raftfsm.Command {
			return moveCommand(db, src, dst, flags, modes[0])
		},
	}, ""
}

// blockBLMove parses BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
func blockBLMove(c *Conn, args [][]byte) (blockSpec, string) {
	flags, e := moveFlags(args[3], args[4])
	if e != "" {
		return blockSpec{}, e
	}
	return blockMove(c, args[1], args[2], flags, args[5])
}

// blockBRPopLPush parses BRPOPLPUSH source destination timeout.
func blockBRPopLPush(c *Conn, args [][]byte) (blockSpec, string) {
	return blockMove(c, args[1], args[2], raftfsm.ListFromRight, args[3])
}
