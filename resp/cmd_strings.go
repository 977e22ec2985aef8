package resp

import (
	"errors"
	"math"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func stringCommands() []*command {
	return []*command{
		{name: "get", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the string value of a key.", run: cmdGet},
		{name: "mget", arity: -2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "string", summary: "Atomically returns the string values of one or more keys.", run: cmdMGet},
		{name: "set", arity: -3, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", prepare: prepareSet},
		{name: "mset", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 2, group: "string", summary: "Atomically creates or modifies the string values of one or more keys.", prepare: prepareMSet},
		{name: "incr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Increments the integer value of a key by one.", prepare: prepareIncr},
	}
}

func cmdGet(c *Conn, args [][]byte) {
	v, err := c.srv.db.Get(c.db, args[1])
	switch {
	case err == nil:
		c.w.Bulk(v)
	case errors.Is(err, engine.ErrNotFound):
		c.w.Null()
	default:
		c.w.Error(errorText(err))
	}
}

func cmdMGet(c *Conn, args [][]byte) {
	vals, err := c.srv.db.MGet(c.db, args[1:])
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

// prepareSet parses SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL] as Redis 7.0 does.
// An option may repeat (the last expire wins, and only it is validated), but two different expire
// options, or one with KEEPTTL, are a syntax error.
func prepareSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	var flags byte
	var unit int64 // 0: no expiry; 1000: seconds; 1: milliseconds
	var absolute bool
	var expKind string // the expire option given ("ex", "px", "exat", "pxat"), if any
	var expArg []byte
	for i := 3; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		switch {
		case equalFold(a, "nx") && flags&raftfsm.SetXX == 0:
			flags |= raftfsm.SetNX
		case equalFold(a, "xx") && flags&raftfsm.SetNX == 0:
			flags |= raftfsm.SetXX
		case equalFold(a, "get"):
			flags |= raftfsm.SetGet
		case equalFold(a, "keepttl") && expKind == "":
			flags |= raftfsm.SetKeepTTL
		case hasNext && flags&raftfsm.SetKeepTTL == 0 && isExpireOption(a, expKind):
			expKind = lower(a)
			unit, absolute = 1000, len(a) == 4
			if a[0] == 'p' || a[0] == 'P' {
				unit = 1
			}
			expArg = args[i+1]
			i++
		default:
			return raftfsm.Command{}, errSyntax
		}
	}
	at := int64(0)
	if expArg != nil {
		var e string
		if at, e = expireAt(expArg, unit, absolute, c.now(), "set"); e != "" {
			return raftfsm.Command{}, e
		}
	}
	return raftfsm.Command{Op: raftfsm.OpSet, DB: c.db, Args: [][]byte{
		args[1], args[2], {flags}, raftfsm.Int64Arg(at),
	}}, ""
}

// isExpireOption reports whether a is EX, PX, EXAT or PXAT and, if an expire option was already
// given (prev), the same one.
func isExpireOption(a []byte, prev string) bool {
	for _, o := range []string{"ex", "px", "exat", "pxat"} {
		if equalFold(a, o) {
			return prev == "" || prev == o
		}
	}
	return false
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

func prepareMSet(c *Conn, args [][]byte) (raftfsm.Command, string) {
	if len(args)%2 != 1 {
		return raftfsm.Command{}, errArity("mset")
	}
	return raftfsm.Command{Op: raftfsm.OpMSet, DB: c.db, Args: args[1:]}, ""
}

func prepareIncr(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpIncrBy, DB: c.db, Args: [][]byte{args[1], raftfsm.Int64Arg(1)}}, ""
}
