package resp

import (
	"bytes"
	"errors"
	"math"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// The strings family, after Redis 7.0's t_string.c and bitops.c. Arguments are checked here in
// Redis's order; where Redis's reply depends on the key (an error only for a key that exists, a
// length limit that counts the current value) the decision is taken when the write is applied.

func stringCommands() []*command {
	const (
		str = "string"
		bm  = "bitmap"
	)
	return []*command{
		{name: "get", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get the value of a key", run: cmdGet},
		{name: "mget", arity: -2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: -1, step: 1, group: str, summary: "Get the values of all the given keys", run: cmdMGet},
		{name: "strlen", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get the length of the value stored in a key", run: cmdStrlen},
		{name: "getrange", arity: 4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get a substring of the string stored at a key", run: cmdGetRange},
		{name: "substr", arity: 4, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get a substring of the string stored at a key", run: cmdGetRange},
		{name: "lcs", arity: -3, flags: flagReadOnly, firstKey: 1, lastKey: 2, step: 1, group: str, summary: "Find longest common substring", run: cmdLCS},
		{name: "set", arity: -3, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Set the string value of a key", prepare: prepareSet},
		{name: "setnx", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Set the value of a key, only if the key does not exist", prepare: prepareSetNX},
		{name: "setex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Set the value and expiration of a key", prepare: prepareSetEx(1000, "setex")},
		{name: "psetex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Set the value and expiration in milliseconds of a key", prepare: prepareSetEx(1, "psetex")},
		{name: "getset", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Set the string value of a key and return its old value", prepare: prepareGetSet},
		{name: "getdel", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get the value of a key and delete the key", prepare: prepareGetDel},
		{name: "getex", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Get the value of a key and optionally set its expiration", prepare: prepareGetEx},
		{name: "mset", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 2, group: str, summary: "Set multiple keys to multiple values", prepare: prepareMSet},
		{name: "msetnx", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 2, group: str, summary: "Set multiple keys to multiple values, only if none of the keys exist", prepare: prepareMSetNX},
		{name: "append", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Append a value to a key", prepare: prepareAppend},
		{name: "setrange", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Overwrite part of a string at key starting at the specified offset", prepare: prepareSetRange},
		{name: "incr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Increment the integer value of a key by one", prepare: prepareIncr(1)},
		{name: "decr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Decrement the integer value of a key by one", prepare: prepareIncr(-1)},
		{name: "incrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Increment the integer value of a key by the given amount", prepare: prepareIncrBy},
		{name: "decrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Decrement the integer value of a key by the given number", prepare: prepareDecrBy},
		{name: "incrbyfloat", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: str, summary: "Increment the float value of a key by the given amount", prepare: prepareIncrByFloat},
		{name: "getbit", arity: 3, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Returns the bit value at offset in the string value stored at key", run: cmdGetBit},
		{name: "bitcount", arity: -2, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Count set bits in a string", run: cmdBitCount},
		{name: "bitpos", arity: -3, flags: flagReadOnly, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Find first bit set or clear in a string", run: cmdBitPos},
		{name: "bitfield_ro", arity: -2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", run: cmdBitFieldRO},
		{name: "setbit", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Sets or clears the bit at offset in the string value stored at key", prepare: prepareSetBit},
		{name: "bitop", arity: -4, flags: flagWrite, firstKey: 2, lastKey: -1, step: 1, group: bm, summary: "Perform bitwise operations between strings", prepare: prepareBitOp},
		{name: "bitfield", arity: -2, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: bm, summary: "Perform arbitrary bitfield integer operations on strings", prepare: prepareBitField},
	}
}

// lcsMaxInputLen is Redis's limit on LCS's inputs: their lengths are 32-bit in its table.
const lcsMaxInputLen = math.MaxUint32 - 1

// isOpt reports whether arg is the keyword lower as Redis's strcasecmp sees it: as a C string, so
// cut at its first NUL byte, ignoring ASCII case only.
func isOpt(arg []byte, lower string) bool {
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) != len(lower) {
		return false
	}
	for i, c := range arg {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// readString reads a string key for a read command. It writes the error reply itself and returns
// ok false on an error; a missing key is (nil, true).
func (c *Conn) readString(key []byte) (v []byte, ok bool) {
	v, err := c.get(key)
	switch {
	case err == nil:
		return v, true
	case errors.Is(err, engine.ErrNotFound):
		return nil, true
	}
	c.w.Error(errorText(err))
	return nil, false
}

func cmdGet(c *Conn, args [][]byte) {
	err := c.getFunc(args[1], c.w.Bulk)
	switch {
	case err == nil:
	case errors.Is(err, engine.ErrNotFound):
		c.w.Null()
	default:
		c.w.Error(errorText(err))
	}
}

// cmdMGet writes each value as it reads it, all from one engine transaction (a write between two
// keys must not be half seen); an error other than a missing key or another type replaces what it
// wrote with the error reply.
func cmdMGet(c *Conn, args [][]byte) {
	tx := c.readTxn()
	start := c.w.Len()
	c.w.Array(len(args) - 1)
	for _, key := range args[1:] {
		err := tx.GetFunc(c.db, key, c.w.Bulk)
		switch {
		case err == nil:
		case errors.Is(err, engine.ErrNotFound), errors.Is(err, engine.ErrWrongType):
			c.w.Null()
		default:
			c.w.Truncate(start)
			c.w.Error(errorText(err))
			return
		}
	}
}

func cmdStrlen(c *Conn, args [][]byte) {
	if v, ok := c.readString(args[1]); ok {
		c.w.Int(int64(len(v)))
	}
}

// cmdGetRange answers GETRANGE and SUBSTR: the indexes are checked before the key is read.
func cmdGetRange(c *Conn, args [][]byte) {
	start, ok1 := engine.ParseInt(args[2])
	end, ok2 := engine.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.w.Error(errNotInteger)
		return
	}
	if v, ok := c.readString(args[1]); ok {
		c.w.Bulk(engine.GetRange(v, start, end))
	}
}

// Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply names them.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
	optExpire = optEX | optPX | optEXAT | optPXAT
)

// parseStringOptions parses the options of SET (forGetEx false) or GETEX exactly as Redis 7.0's
// parseExtendedStringArgumentsOrReply: an option that conflicts with one already given is a syntax
// error; the same expire option may repeat and the last one counts. expire is its argument.
func parseStringOptions(opts [][]byte, forGetEx bool) (flags int, expire []byte, errReply string) {
	forSet := !forGetEx
	for i := 0; i < len(opts); i++ {
		a := opts[i]
		// An expire option needs an argument and excludes KEEPTTL, PERSIST and the other three.
		expireOK := func(self int) bool {
			return i+1 < len(opts) && flags&(optKeepTTL|optPersist|optExpire&^self) == 0
		}
		exp := 0
		switch {
		case isOpt(a, "nx") && flags&optXX == 0 && forSet:
			flags |= optNX
		case isOpt(a, "xx") && flags&optNX == 0 && forSet:
			flags |= optXX
		case isOpt(a, "get") && forSet:
			flags |= optGet
		case isOpt(a, "keepttl") && flags&(optPersist|optExpire) == 0 && forSet:
			flags |= optKeepTTL
		case isOpt(a, "persist") && flags&(optExpire|optKeepTTL) == 0 && forGetEx:
			flags |= optPersist
		case isOpt(a, "ex") && expireOK(optEX):
			exp = optEX
		case isOpt(a, "px") && expireOK(optPX):
			exp = optPX
		case isOpt(a, "exat") && expireOK(optEXAT):
			exp = optEXAT
		case isOpt(a, "pxat") && expireOK(optPXAT):
			exp = optPXAT
		default:
			return 0, nil, errSyntax
		}
		if exp != 0 {
			flags |= exp
			expire = opts[i+1]
			i++
		}
	}
	return flags, expire, ""
}

// expireFromOptions turns the expire option of flags and its argument into an absolute Unix ms
// time, with Redis's errors (cmd names the command in them).
func expireFromOptions(c *Conn, flags int, arg []byte, cmd string) (int64, string) {
	unit := int64(1000)
	if flags&(optPX|optPXAT) != 0 {
		unit = 1
	}
	return expireAt(arg, unit, flags&(optEXAT|optPXAT) != 0, c.now(), cmd)
}

// prepareSet parses SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL] as Redis 7.0
// does.
func prepareSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	flags, exp, e := parseStringOptions(args[3:], false)
	if e != "" {
		return raftfsm.Command{}, e
	}
	at := int64(0)
	if exp != nil {
		if at, e = expireFromOptions(c, flags, exp, "set"); e != "" {
			return raftfsm.Command{}, e
		}
	}
	var setFlags byte
	for _, f := range []struct {
		opt int
		set byte
	}{{optNX, raftfsm.SetNX}, {optXX, raftfsm.SetXX}, {optKeepTTL, raftfsm.SetKeepTTL}, {optGet, raftfsm.SetGet}} {
		if flags&f.opt != 0 {
			setFlags |= f.set
		}
	}
	return raftfsm.Command{Op: raftfsm.OpSet, DB: c.db, Args: [][]byte{
		args[1], args[2], {setFlags}, raftfsm.Int64Arg(at),
	}}, ""
}

// expireAt turns an EX/PX/EXAT/PXAT argument into an absolute Unix ms time with Redis's checks:
// not an integer -> not-integer error; not positive or overflowing -> invalid expire time.
func expireAt(arg []byte, unit int64, absolute bool, now int64, cmd string) (int64, string) {
	v, ok := engine.ParseInt(arg)
	if !ok {
		return 0, errNotInteger
	}
	if v <= 0 || v > math.MaxInt64/unit {
		return 0, errInvalidExpire(cmd)
	}
	v *= unit
	if !absolute {
		if v > math.MaxInt64-now {
			return 0, errInvalidExpire(cmd)
		}
		v += now
	}
	return v, ""
}

func prepareSetNX(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpSetNX, DB: c.db, Args: [][]byte{args[1], args[2]}}, ""
}

// prepareSetEx parses SETEX (unit 1000) and PSETEX (unit 1): SET with EX or PX.
func prepareSetEx(unit int64, name string) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		at, e := expireAt(args[2], unit, false, c.now(), name)
		if e != "" {
			return raftfsm.Command{}, e
		}
		return raftfsm.Command{Op: raftfsm.OpSet, DB: c.db, Args: [][]byte{
			args[1], args[3], {0}, raftfsm.Int64Arg(at),
		}}, ""
	}
}

// prepareGetSet: GETSET is SET GET, which also clears the expiry.
func prepareGetSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpSet, DB: c.db, Args: [][]byte{
		args[1], args[2], {raftfsm.SetGet}, raftfsm.Int64Arg(0),
	}}, ""
}

func prepareGetDel(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpGetDel, DB: c.db, Args: [][]byte{args[1]}}, ""
}

// prepareGetEx parses GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]. A syntax error is refused at
// once; a bad expire time only matters if the key exists (Redis looks the key up first).
func prepareGetEx(c *Conn, args [][]byte) (raftfsm.Command, string) {
	flags, exp, e := parseStringOptions(args[2:], true)
	if e != "" {
		return raftfsm.Command{}, e
	}
	mode, at := raftfsm.GetExKeep, int64(0)
	switch {
	case exp != nil:
		mode = raftfsm.GetExAt
		var e string
		at, e = expireFromOptions(c, flags, exp, "getex")
		switch {
		case e == errNotInteger:
			mode, at = raftfsm.GetExNotInteger, 0
		case e != "":
			mode, at = raftfsm.GetExInvalidExpire, 0
		}
	case flags&optPersist != 0:
		mode = raftfsm.GetExPersist
	}
	return raftfsm.Command{Op: raftfsm.OpGetEx, DB: c.db, Args: [][]byte{
		args[1], {mode}, raftfsm.Int64Arg(at),
	}}, ""
}

func prepareMSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	if len(args)%2 != 1 {
		return raftfsm.Command{}, errArity("mset")
	}
	return raftfsm.Command{Op: raftfsm.OpMSet, DB: c.db, Args: args[1:]}, ""
}

func prepareMSetNX(c *Conn, args [][]byte) (raftfsm.Command, string) {
	if len(args)%2 != 1 {
		return raftfsm.Command{}, errArity("msetnx")
	}
	return raftfsm.Command{Op: raftfsm.OpMSetNX, DB: c.db, Args: args[1:]}, ""
}

// maxLenArg is the proposer's string size limit (proto-max-bulk-len), carried in the command so
// that every replica applies the limit the client was promised.
func (c *Conn) maxLenArg() []byte { return raftfsm.Int64Arg(c.srv.cfg.MaxBulkLen) }

func prepareAppend(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpAppend, DB: c.db, Args: [][]byte{args[1], args[2], c.maxLenArg()}}, ""
}

func prepareSetRange(c *Conn, args [][]byte) (raftfsm.Command, string) {
	offset, ok := engine.ParseInt(args[2])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	if offset < 0 {
		return raftfsm.Command{}, errOffsetRange
	}
	return raftfsm.Command{Op: raftfsm.OpSetRange, DB: c.db, Args: [][]byte{
		args[1], raftfsm.Int64Arg(offset), args[3], c.maxLenArg(),
	}}, ""
}

func incrCommand(c *Conn, key []byte, delta int64) raftfsm.Command {
	return raftfsm.Command{Op: raftfsm.OpIncrBy, DB: c.db, Args: [][]byte{key, raftfsm.Int64Arg(delta)}}
}

// prepareIncr answers INCR (1) and DECR (-1).
func prepareIncr(delta int64) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		return incrCommand(c, args[1], delta), ""
	}
}

func prepareIncrBy(c *Conn, args [][]byte) (raftfsm.Command, string) {
	delta, ok := engine.ParseInt(args[2])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	return incrCommand(c, args[1], delta), ""
}

func prepareDecrBy(c *Conn, args [][]byte) (raftfsm.Command, string) {
	delta, ok := engine.ParseInt(args[2])
	if !ok {
		return raftfsm.Command{}, errNotInteger
	}
	if delta == math.MinInt64 {
		return raftfsm.Command{}, errDecrOverflow
	}
	return incrCommand(c, args[1], -delta), ""
}

// prepareIncrByFloat parses the increment here; one that is not a valid float still goes to the
// log, because Redis checks the key's type and value first.
func prepareIncrByFloat(c *Conn, args [][]byte) (raftfsm.Command, string) {
	var incr *engine.LongDouble
	if x, ok := engine.ParseLongDouble(args[2]); ok {
		incr = &x
	}
	return raftfsm.Command{Op: raftfsm.OpIncrByFloat, DB: c.db, Args: [][]byte{args[1], raftfsm.LongDoubleArg(incr)}}, ""
}

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument: an integer, or with hash
// (BITFIELD) "#n" meaning n*bits; it must not be negative and its byte must be within the string
// size limit.
func (c *Conn) bitOffset(arg []byte, hash bool, bits int64) (uint64, bool) {
	usehash := hash && bits > 0 && len(arg) > 0 && arg[0] == '#'
	if usehash {
		arg = arg[1:]
	}
	off, ok := engine.ParseInt(arg)
	if !ok {
		return 0, false
	}
	if usehash {
		off *= bits // wraps like Redis's long long on overflow, and is then refused as negative or too big
	}
	if off < 0 || off>>3 >= c.srv.cfg.MaxBulkLen {
		return 0, false
	}
	return uint64(off), true
}

func prepareSetBit(c *Conn, args [][]byte) (raftfsm.Command, string) {
	offset, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		return raftfsm.Command{}, errBitOffset
	}
	on, ok := engine.ParseInt(args[3])
	if !ok || on&^1 != 0 {
		return raftfsm.Command{}, errBitValue
	}
	return raftfsm.Command{Op: raftfsm.OpSetBit, DB: c.db, Args: [][]byte{
		args[1], raftfsm.Int64Arg(int64(offset)), {byte(on)},
	}}, ""
}

func cmdGetBit(c *Conn, args [][]byte) {
	offset, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		c.w.Error(errBitOffset)
		return
	}
	if v, ok := c.readString(args[1]); ok {
		c.w.Int(engine.GetBit(v, offset))
	}
}

// cmdBitCount answers BITCOUNT key [start end [BYTE|BIT]]. As in Redis 7.0 a missing key counts 0
// before any argument is looked at.
func cmdBitCount(c *Conn, args [][]byte) {
	v, ok := c.readString(args[1])
	if !ok {
		return
	}
	if v == nil {
		c.w.Int(0)
		return
	}
	var r engine.BitRange
	switch len(args) {
	case 2:
	case 4, 5:
		start, ok1 := engine.ParseInt(args[2])
		end, ok2 := engine.ParseInt(args[3])
		switch {
		case !ok1 || !ok2:
			c.w.Error(errNotInteger)
			return
		case start < 0 && end < 0 && start > end:
			c.w.Int(0)
			return
		}
		r = engine.BitRange{Start: start, End: end, Given: true, EndGiven: true}
		if len(args) == 5 {
			var ok bool
			if r.Bits, ok = bitUnit(args[4]); !ok {
				c.w.Error(errSyntax)
				return
			}
		}
	default:
		c.w.Error(errSyntax)
		return
	}
	c.w.Int(engine.BitCount(v, r))
}

// bitUnit parses BIT or BYTE.
func bitUnit(a []byte) (bits, ok bool) {
	switch {
	case isOpt(a, "bit"):
		return true, true
	case isOpt(a, "byte"):
		return false, true
	}
	return false, false
}

// cmdBitPos answers BITPOS key bit [start [end [BYTE|BIT]]]. The bit is checked first; then a
// missing key answers at once (-1 for 1, 0 for 0); then the range, start first, then the unit,
// then the end, as Redis 7.0 does.
func cmdBitPos(c *Conn, args [][]byte) {
	bit, ok := engine.ParseInt(args[2])
	if !ok {
		c.w.Error(errNotInteger)
		return
	}
	if bit != 0 && bit != 1 {
		c.w.Error(errBitArg)
		return
	}
	v, ok := c.readString(args[1])
	if !ok {
		return
	}
	if v == nil {
		c.w.Int(-bit)
		return
	}
	var r engine.BitRange
	switch len(args) {
	case 3:
	case 4, 5, 6:
		r.Given = true
		if r.Start, ok = engine.ParseInt(args[3]); !ok {
			c.w.Error(errNotInteger)
			return
		}
		if len(args) == 6 {
			if r.Bits, ok = bitUnit(args[5]); !ok {
				c.w.Error(errSyntax)
				return
			}
		}
		if len(args) >= 5 {
			if r.End, ok = engine.ParseInt(args[4]); !ok {
				c.w.Error(errNotInteger)
				return
			}
			r.EndGiven = true
		}
	default:
		c.w.Error(errSyntax)
		return
	}
	c.w.Int(engine.BitPos(v, int(bit), r))
}

func prepareBitOp(c *Conn, args [][]byte) (raftfsm.Command, string) {
	var kind engine.BitOpKind
	switch op := args[1]; {
	case isOpt(op, "and"):
		kind = engine.BitAnd
	case isOpt(op, "or"):
		kind = engine.BitOr
	case isOpt(op, "xor"):
		kind = engine.BitXor
	case isOpt(op, "not"):
		kind = engine.BitNot
	default:
		return raftfsm.Command{}, errSyntax
	}
	if kind == engine.BitNot && len(args) != 4 {
		return raftfsm.Command{}, errBitOpNot
	}
	cmdArgs := make([][]byte, 0, len(args)-1)
	cmdArgs = append(cmdArgs, []byte{byte(kind)})
	cmdArgs = append(cmdArgs, args[2:]...)
	return raftfsm.Command{Op: raftfsm.OpBitOp, DB: c.db, Args: cmdArgs}, ""
}

// bitFieldType parses a BITFIELD type: i1..i64 or u1..u63, the letter in lower case, the number
// read as a C string (so cut at a NUL byte).
func bitFieldType(a []byte) (signed bool, bits uint8, ok bool) {
	if len(a) == 0 || a[0] != 'i' && a[0] != 'u' {
		return false, 0, false
	}
	signed = a[0] == 'i'
	num := a[1:]
	if i := bytes.IndexByte(num, 0); i >= 0 {
		num = num[:i]
	}
	n, ok := engine.ParseInt(num)
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		return false, 0, false
	}
	return signed, uint8(n), true
}

// parseBitField parses BITFIELD's subcommands as Redis's bitfieldGeneric does: every one is checked
// before anything runs; OVERFLOW applies to the subcommands after it.
func (c *Conn) parseBitField(args [][]byte) (ops []engine.BitFieldOp, writes bool, errReply string) {
	overflow := engine.OverflowWrap
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		sub := args[j]
		var kind engine.BitFieldKind
		switch {
		case isOpt(sub, "get") && rem >= 2:
			kind = engine.BitFieldGet
		case isOpt(sub, "set") && rem >= 3:
			kind = engine.BitFieldSet
		case isOpt(sub, "incrby") && rem >= 3:
			kind = engine.BitFieldIncrBy
		case isOpt(sub, "overflow") && rem >= 1:
			j++
			switch t := args[j]; {
			case isOpt(t, "wrap"):
				overflow = engine.OverflowWrap
			case isOpt(t, "sat"):
				overflow = engine.OverflowSat
			case isOpt(t, "fail"):
				overflow = engine.OverflowFail
			default:
				return nil, false, errBitFieldOverflow
			}
			continue
		default:
			return nil, false, errSyntax
		}
		signed, bits, ok := bitFieldType(args[j+1])
		if !ok {
			return nil, false, errBitFieldType
		}
		offset, ok := c.bitOffset(args[j+2], true, int64(bits))
		if !ok {
			return nil, false, errBitOffset
		}
		op := engine.BitFieldOp{Kind: kind, Signed: signed, Bits: bits, Overflow: overflow, Offset: offset}
		if kind != engine.BitFieldGet {
			writes = true
			if op.Value, ok = engine.ParseInt(args[j+3]); !ok {
				return nil, false, errNotInteger
			}
			j++
		}
		ops = append(ops, op)
		j += 2
	}
	return ops, writes, ""
}

func prepareBitField(c *Conn, args [][]byte) (raftfsm.Command, string) {
	ops, _, e := c.parseBitField(args)
	if e != "" {
		return raftfsm.Command{}, e
	}
	cmdArgs := make([][]byte, 0, 1+len(ops))
	cmdArgs = append(cmdArgs, args[1])
	for _, op := range ops {
		cmdArgs = append(cmdArgs, raftfsm.BitFieldArg(op))
	}
	return raftfsm.Command{Op: raftfsm.OpBitField, DB: c.db, Args: cmdArgs}, ""
}

func cmdBitFieldRO(c *Conn, args [][]byte) {
	ops, writes, e := c.parseBitField(args)
	switch {
	case e != "":
		c.w.Error(e)
		return
	case writes:
		c.w.Error(errBitFieldRO)
		return
	}
	v, ok := c.readString(args[1])
	if !ok {
		return
	}
	res := engine.BitFieldRead(v, ops)
	c.w.Array(len(res))
	for _, r := range res {
		c.w.Int(r.Value)
	}
}

// cmdLCS answers LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]. Both keys are read
// from one snapshot; a missing key is an empty string.
func cmdLCS(c *Conn, args [][]byte) {
	var a, b []byte
	wrongType := false
	err := c.view(func(tx *engine.Tx) error {
		for i, dst := range []*[]byte{&a, &b} {
			v, err := tx.Get(c.db, args[1+i])
			switch {
			case errors.Is(err, engine.ErrWrongType):
				wrongType = true
			case err != nil && !errors.Is(err, engine.ErrNotFound):
				return err
			}
			*dst = v
		}
		return nil
	})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
		return
	case wrongType:
		c.w.Error(errLCSKeys)
		return
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(args); j++ {
		switch o := args[j]; {
		case isOpt(o, "idx"):
			getIdx = true
		case isOpt(o, "len"):
			getLen = true
		case isOpt(o, "withmatchlen"):
			withMatchLen = true
		case isOpt(o, "minmatchlen") && j+1 < len(args):
			n, ok := engine.ParseInt(args[j+1])
			if !ok {
				c.w.Error(errNotInteger)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.w.Error(errSyntax)
			return
		}
	}
	switch {
	case getLen && getIdx:
		c.w.Error(errLCSLenAndIdx)
		return
	case len(a) >= lcsMaxInputLen || len(b) >= lcsMaxInputLen:
		c.w.Error(errLCSTooLong)
		return
	case engine.LCSTableBytes(len(a), len(b)) > uint64(c.srv.maxBulkLen()):
		// Redis 7.0.15 refuses a table larger than proto-max-bulk-len, LEN included.
		c.w.Error(errLCSNoMemory)
		return
	case getLen:
		// Only the length: no table needed (Redis allocates one all the same).
		c.w.Int(engine.LCSLen(a, b))
		return
	}
	lcs, matches := engine.LCS(a, b, minMatchLen)
	if !getIdx {
		c.w.Bulk(lcs)
		return
	}
	c.w.Map(2)
	c.w.BulkString("matches")
	c.w.Array(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.w.Array(3)
		} else {
			c.w.Array(2)
		}
		c.w.Array(2)
		c.w.Int(m.AStart)
		c.w.Int(m.AEnd)
		c.w.Array(2)
		c.w.Int(m.BStart)
		c.w.Int(m.BEnd)
		if withMatchLen {
			c.w.Int(m.Len)
		}
	}
	c.w.BulkString("len")
	c.w.Int(int64(len(lcs)))
}
