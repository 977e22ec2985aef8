package raftfsm

import (
	"errors"

	"github.com/flin-resp/flin-resp/engine"
)

// The hash family's operations (100-119). The numbers are part of the log format.
const (
	OpHSet         Op = 100 // key, field, value, field, value... -> number of new fields
	OpHMSet        Op = 101 // key, field, value, field, value... -> OK
	OpHSetNX       Op = 102 // key, field, value -> 1 when set, 0 when the field existed
	OpHDel         Op = 103 // key, field... -> number removed
	OpHIncrBy      Op = 104 // key, field, delta(8)
	OpHIncrByFloat Op = 105 // key, field, increment (engine.LongDouble binary form, finite)
)

// hashOps are the operations of the hash family.
var hashOps = map[Op]opSpec{
	OpHSet:         {applyHSet(false), -3},
	OpHMSet:        {applyHSet(true), -3},
	OpHSetNX:       {applyHSetNX, 3},
	OpHDel:         {applyHDel, -2},
	OpHIncrBy:      {applyHIncrBy, 3},
	OpHIncrByFloat: {applyHIncrByFloat, 3},
}

// hashErr turns the errors a client can cause with hash operations into a Result, and stops the
// apply on any other.
func hashErr(err error) (Result, error) {
	switch {
	case errors.Is(err, engine.ErrHashNotInteger), errors.Is(err, engine.ErrHashNotFloat),
		errors.Is(err, engine.ErrNaNOrInf), errors.Is(err, engine.ErrValueTooLarge):
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return errResult(err)
}

// applyHSet applies HSET (reply: new fields) and HMSET (reply: OK).
func applyHSet(ok bool) applyFunc {
	return func(tx *engine.Tx, c Command) (Result, error) {
		if len(c.Args)%2 != 1 {
			return errResult(ErrBadCommand)
		}
		n, err := tx.HSet(c.DB, c.Args[0], c.Args[1:])
		switch {
		case err != nil:
			return hashErr(err)
		case ok:
			return Result{Kind: ResultOK}, nil
		}
		return Result{Kind: ResultInt, Int: n}, nil
	}
}

func applyHSetNX(tx *engine.Tx, c Command) (Result, error) {
	set, err := tx.HSetNX(c.DB, c.Args[0], c.Args[1], c.Args[2])
	if err != nil {
		return hashErr(err)
	}
	return boolResult(set), nil
}

func applyHDel(tx *engine.Tx, c Command) (Result, error) {
	n, err := tx.HDel(c.DB, c.Args[0], c.Args[1:])
	if err != nil {
		return hashErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyHIncrBy(tx *engine.Tx, c Command) (Result, error) {
	delta, err := fixed64(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	n, err := tx.HIncrBy(c.DB, c.Args[0], c.Args[1], delta)
	if err != nil {
		return hashErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyHIncrByFloat(tx *engine.Tx, c Command) (Result, error) {
	incr, ok := engine.DecodeLongDouble(c.Args[2])
	if !ok {
		return errResult(ErrBadCommand)
	}
	v, err := tx.HIncrByFloat(c.DB, c.Args[0], c.Args[1], incr)
	if err != nil {
		return hashErr(err)
	}
	return Result{Kind: ResultBulk, Bytes: v}, nil
}
