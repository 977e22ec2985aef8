package resp

import (
	"errors"
	"math"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func keyCommands() []*command {
	return []*command{
		{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Deletes one or more keys.", prepare: prepareDel},
		{name: "exists", arity: -2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Determines whether one or more keys exist.", run: cmdExists},
		{name: "expire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in seconds.", prepare: prepareExpire(1000, "expire")},
		{name: "pexpire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in milliseconds.", prepare: prepareExpire(1, "pexpire")},
		{name: "ttl", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time in seconds of a key.", run: cmdTTL(1000)},
		{name: "pttl", arity: 2, flags: flagReadOnly | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time in milliseconds of a key.", run: cmdTTL(1)},
		{name: "persist", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Removes the expiration time of a key.", prepare: preparePersist},
	}
}

func prepareDel(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpDel, DB: c.db, Args: args[1:]}, ""
}

func cmdExists(c *Conn, args [][]byte) {
	n := int64(0)
	err := c.srv.db.View(func(tx *engine.Tx) error {
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

// prepareExpire parses EXPIRE/PEXPIRE key time [NX|XX|GT|LT] as Redis 7.0 does. A time at or
// before now deletes the key when applied.
func prepareExpire(unit int64, name string) prepareFunc {
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
		now := c.now()
		// Only the addition can overflow: now is positive. Redis accepts any negative time.
		if v > math.MaxInt64-now {
			return raftfsm.Command{}, errInvalidExpire(name)
		}
		return raftfsm.Command{Op: raftfsm.OpExpire, DB: c.db, Args: [][]byte{
			args[1], raftfsm.Int64Arg(v + now), {byte(cond)},
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
			return 0, "ERR Unsupported option " + sanitize(string(o))
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

// cmdTTL answers TTL (unit 1000) and PTTL (unit 1): -2 when missing, -1 without expiry.
func cmdTTL(unit int64) runFunc {
	return func(c *Conn, args [][]byte) {
		var at int64
		err := c.srv.db.View(func(tx *engine.Tx) error {
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
			ttl := max(at-c.now(), 0)
			c.w.Int((ttl + unit/2) / unit)
		}
	}
}

func preparePersist(c *Conn, args [][]byte) (raftfsm.Command, string) {
	return raftfsm.Command{Op: raftfsm.OpPersist, DB: c.db, Args: [][]byte{args[1]}}, ""
}
