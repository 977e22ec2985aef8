package resp

import (
	"math/rand/v2"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

func setCommands() []*command {
	const g = "set"
	rw, rwFast, ro, roFast := flagWrite, flagWrite|flagFast, flagReadOnly, flagReadOnly|flagFast
	return []*command{
		{name: "sadd", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", prepare: prepareKeyArgs(raftfsm.OpSAdd)},
		{name: "srem", arity: -3, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", prepare: prepareKeyArgs(raftfsm.OpSRem)},
		{name: "smembers", arity: 2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns all members of a set.", run: cmdSMembers},
		{name: "sismember", arity: 3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Determines whether a member belongs to a set.", run: cmdSIsMember},
		{name: "smismember", arity: -3, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Determines whether multiple members belong to a set.", run: cmdSMIsMember},
		{name: "scard", arity: 2, flags: roFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns the number of members in a set.", run: cmdSCard},
		{name: "spop", arity: -2, flags: rwFast, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", prepare: prepareSPop},
		{name: "srandmember", arity: -2, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Get one or multiple random members from a set", run: cmdSRandMember},
		{name: "smove", arity: 4, flags: rwFast, firstKey: 1, lastKey: 2, step: 1, group: g, summary: "Moves a member from one set to another.", prepare: prepareKeyArgs(raftfsm.OpSMove)},
		{name: "sinter", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Returns the intersect of multiple sets.", run: cmdSetAlgebra(engine.SetInter)},
		{name: "sunion", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Returns the union of multiple sets.", run: cmdSetAlgebra(engine.SetUnion)},
		{name: "sdiff", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Returns the difference of multiple sets.", run: cmdSetAlgebra(engine.SetDiff)},
		{name: "sinterstore", arity: -3, flags: rw, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Stores the intersect of multiple sets in a key.", prepare: prepareKeyArgs(raftfsm.OpSInterStore)},
		{name: "sunionstore", arity: -3, flags: rw, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Stores the union of multiple sets in a key.", prepare: prepareKeyArgs(raftfsm.OpSUnionStore)},
		{name: "sdiffstore", arity: -3, flags: rw, firstKey: 1, lastKey: -1, step: 1, group: g, summary: "Stores the difference of multiple sets in a key.", prepare: prepareKeyArgs(raftfsm.OpSDiffStore)},
		{name: "sintercard", arity: -3, flags: ro, firstKey: 0, lastKey: 0, step: 0, group: g, summary: "Returns the number of members of the intersect of multiple sets.", run: cmdSInterCard},
		{name: "sscan", arity: -3, flags: ro, firstKey: 1, lastKey: 1, step: 1, group: g, summary: "Iterates over members of a set.", run: cmdSScan},
	}
}

// Error replies of SINTERCARD.
const (
	errNumKeys     = "ERR numkeys should be greater than 0"
	errNumKeysArgs = "ERR Number of keys can't be greater than number of args"
	errLimit       = "ERR LIMIT can't be negative"
)

// prepareKeyArgs makes a command whose operation takes the command's arguments as they are.
func prepareKeyArgs(op raftfsm.Op) prepareFunc {
	return func(c *Conn, args [][]byte) (raftfsm.Command, string) {
		return raftfsm.Command{Op: op, DB: c.db, Args: args[1:]}, ""
	}
}

// prepareSPop parses SPOP key [count] and draws the seed the applying FSM chooses the members with
// (see raftfsm.applySPop): the members are chosen where the entry applies, not here, so that the
// choice and the removal see the same set.
func prepareSPop(c *Conn, args [][]byte) (raftfsm.Command, string) {
	count := int64(-1)
	switch {
	case len(args) > 3:
		return raftfsm.Command{}, errSyntax
	case len(args) == 3:
		v, ok := engine.ParseInt(args[2])
		if !ok || v < 0 {
			return raftfsm.Command{}, errPopCount
		}
		count = v
	}
	return raftfsm.Command{Op: raftfsm.OpSPop, DB: c.db, Args: [][]byte{
		args[1], raftfsm.Int64Arg(count), raftfsm.Uint64Arg(rand.Uint64()),
	}}, ""
}

func cmdSMembers(c *Conn, args [][]byte) {
	var members [][]byte
	err := c.view(func(tx *engine.Tx) error {
		var err error
		members, err = tx.SMembers(c.db, args[1])
		return err
	})
	writeMembers(c, members, err, true)
}

// writeMembers writes members as a set (RESP3 "~") or an array, or err's reply.
func writeMembers(c *Conn, members [][]byte, err error, asSet bool) {
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	if asSet {
		c.w.Set(len(members))
	} else {
		c.w.Array(len(members))
	}
	for _, m := range members {
		c.w.Bulk(m)
	}
}

func cmdSIsMember(c *Conn, args [][]byte) {
	var ok bool
	err := c.view(func(tx *engine.Tx) error {
		var err error
		ok, err = tx.SIsMember(c.db, args[1], args[2])
		return err
	})
	writeIntOrErr(c, int01(ok), err)
}

func cmdSMIsMember(c *Conn, args [][]byte) {
	var in []bool
	err := c.view(func(tx *engine.Tx) error {
		var err error
		in, err = tx.SMIsMember(c.db, args[1], args[2:])
		return err
	})
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	c.w.Array(len(in))
	for _, b := range in {
		c.w.Int(int01(b))
	}
}

func cmdSCard(c *Conn, args [][]byte) {
	var n int64
	err := c.view(func(tx *engine.Tx) error {
		var err error
		n, err = tx.SCard(c.db, args[1])
		return err
	})
	writeIntOrErr(c, n, err)
}

// cmdSRandMember answers SRANDMEMBER key [count]: without a count one member or nil, with one an
// array (also in RESP3, as Redis 7.0).
func cmdSRandMember(c *Conn, args [][]byte) {
	count := int64(1)
	switch {
	case len(args) > 3:
		c.w.Error(errSyntax)
		return
	case len(args) == 3:
		var e string
		if count, e = randomCount(args[2]); e != "" {
			c.w.Error(e)
			return
		}
	}
	var members [][]byte
	err := c.view(func(tx *engine.Tx) error {
		var err error
		members, err = tx.SRandMember(c.db, args[1], count, rand.Uint64N)
		return err
	})
	switch {
	case err != nil || len(args) == 3:
		writeMembers(c, members, err, false)
	case len(members) == 0:
		c.w.Null()
	default:
		c.w.Bulk(members[0])
	}
}

// cmdSetAlgebra answers SINTER, SUNION and SDIFF.
func cmdSetAlgebra(op engine.SetOp) runFunc {
	return func(c *Conn, args [][]byte) {
		var members [][]byte
		err := c.view(func(tx *engine.Tx) error {
			var err error
			members, err = tx.SetAlgebra(c.db, op, args[1:], 0)
			return err
		})
		writeMembers(c, members, err, true)
	}
}

// cmdSInterCard answers SINTERCARD numkeys key [key ...] [LIMIT limit].
func cmdSInterCard(c *Conn, args [][]byte) {
	numKeys, ok := engine.ParseInt(args[1])
	switch {
	case !ok || numKeys < 1:
		c.w.Error(errNumKeys)
		return
	case numKeys > int64(len(args)-2):
		c.w.Error(errNumKeysArgs)
		return
	}
	keys := args[2 : 2+numKeys]
	limit := int64(0)
	for i := 2 + int(numKeys); i < len(args); i++ {
		if !equalFold(args[i], "limit") || i+1 >= len(args) {
			c.w.Error(errSyntax)
			return
		}
		i++
		if limit, ok = engine.ParseInt(args[i]); !ok || limit < 0 {
			c.w.Error(errLimit)
			return
		}
	}
	var n int64
	err := c.view(func(tx *engine.Tx) error {
		var err error
		n, err = tx.SInterCard(c.db, keys, limit)
		return err
	})
	writeIntOrErr(c, n, err)
}

func cmdSScan(c *Conn, args [][]byte) { scanCollection(c, args, engine.TypeSet) }
