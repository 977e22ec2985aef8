package raftfsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/flin-resp/flin-resp/engine"
)

// ErrBadCommand is the result of a command whose arguments do not match its operation. The proposer
// never builds one; it means a corrupt or foreign log entry, and is applied as a no-op everywhere.
var ErrBadCommand = errors.New("raftfsm: malformed command")

// applyFunc applies one command inside the transaction of its entry.
type applyFunc func(tx *engine.Tx, c Command) (Result, error)

// opSpec describes an operation: its apply function and the argument count it takes (negative: at
// least that many). Flush operations have no applyFunc: they cannot run inside a Tx.
type opSpec struct {
	apply applyFunc
	args  int
}

// ops is the dispatch table of write operations: the union of each family's table (a family adds its
// table to opFamilies).
var ops = mergeOps(opFamilies...)

var opFamilies = []map[Op]opSpec{coreOps, memberOps, keyOps, stringOps, hashOps, setOps, listOps, zsetOps}

func mergeOps(families ...map[Op]opSpec) map[Op]opSpec {
	all := map[Op]opSpec{}
	for _, f := range families {
		for op, spec := range f {
			if _, dup := all[op]; dup {
				panic(fmt.Sprintf("raftfsm: operation %d defined twice", op))
			}
			all[op] = spec
		}
	}
	return all
}

// coreOps are the operations of the foundation.
var coreOps = map[Op]opSpec{
	OpSet:      {applySet, 4},
	OpDel:      {applyDel, -1},
	OpMSet:     {applyMSet, -2},
	OpIncrBy:   {applyIncrBy, 2},
	OpExpire:   {applyExpire, 3},
	OpPersist:  {applyPersist, 1},
	OpFlushDB:  {nil, 0},
	OpFlushAll: {nil, 0},
}

func validate(c Command) (opSpec, error) {
	spec, ok := ops[c.Op]
	if !ok {
		return opSpec{}, fmt.Errorf("raftfsm: unknown operation %d: %w", c.Op, ErrBadCommand)
	}
	if spec.args >= 0 && len(c.Args) != spec.args || spec.args < 0 && len(c.Args) < -spec.args {
		return opSpec{}, fmt.Errorf("raftfsm: operation %d with %d args: %w", c.Op, len(c.Args), ErrBadCommand)
	}
	return spec, nil
}

func fixed64(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, ErrBadCommand
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// errResult turns engine errors a client caused into a Result; other errors stop the apply.
func errResult(err error) (Result, error) {
	switch {
	case errors.Is(err, engine.ErrWrongType), errors.Is(err, engine.ErrNotInteger),
		errors.Is(err, engine.ErrOverflow), errors.Is(err, engine.ErrBadDB), errors.Is(err, ErrBadCommand),
		errors.Is(err, engine.ErrValueTooLarge), // an in-memory engine's limit (--durability memory)
		errors.Is(err, engine.ErrKeyTooLarge):
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return Result{}, err
}

func applySet(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[2]) != 1 {
		return errResult(ErrBadCommand)
	}
	at, err := fixed64(c.Args[3])
	if err != nil {
		return errResult(err)
	}
	flags := c.Args[2][0]
	res, err := tx.Set(c.DB, c.Args[0], c.Args[1], engine.SetOptions{
		ExpireAt: at,
		NX:       flags&SetNX != 0,
		XX:       flags&SetXX != 0,
		KeepTTL:  flags&SetKeepTTL != 0,
		Get:      flags&SetGet != 0,
	})
	if err != nil {
		return errResult(err)
	}
	switch {
	case flags&SetGet != 0 && res.Old != nil:
		return Result{Kind: ResultBulk, Bytes: res.Old}, nil
	case flags&SetGet != 0 || !res.Written:
		return Result{Kind: ResultNil}, nil
	}
	return Result{Kind: ResultOK}, nil
}

func applyDel(tx *engine.Tx, c Command) (Result, error) {
	n := int64(0)
	for _, k := range c.Args {
		ok, err := tx.Delete(c.DB, k)
		if err != nil {
			return errResult(err)
		}
		if ok {
			n++
		}
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyMSet(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args)%2 != 0 {
		return errResult(ErrBadCommand)
	}
	if err := tx.MSet(c.DB, c.Args); err != nil {
		return errResult(err) // nothing set: the engine checks every pair first
	}
	return Result{Kind: ResultOK}, nil
}

func applyIncrBy(tx *engine.Tx, c Command) (Result, error) {
	delta, err := fixed64(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	n, err := tx.IncrBy(c.DB, c.Args[0], delta)
	if err != nil {
		return errResult(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyExpire(tx *engine.Tx, c Command) (Result, error) {
	at, err := fixed64(c.Args[1])
	if err != nil || len(c.Args[2]) != 1 {
		return errResult(ErrBadCommand)
	}
	ok, err := tx.Expire(c.DB, c.Args[0], at, engine.ExpireCond(c.Args[2][0]))
	if err != nil {
		return errResult(err)
	}
	return boolResult(ok), nil
}

func applyPersist(tx *engine.Tx, c Command) (Result, error) {
	ok, err := tx.Persist(c.DB, c.Args[0])
	if err != nil {
		return errResult(err)
	}
	return boolResult(ok), nil
}

func boolResult(ok bool) Result {
	if ok {
		return Result{Kind: ResultInt, Int: 1}
	}
	return Result{Kind: ResultInt, Int: 0}
}
