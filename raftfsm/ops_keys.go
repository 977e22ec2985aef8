package raftfsm

import (
	"errors"

	"github.com/flin-resp/flin-resp/engine"
)

// The keyspace and expiry family (ops 60-89). DEL and UNLINK use OpDel; EXPIREAT and PEXPIREAT use
// OpExpire with the absolute time.
const (
	OpRename     Op = 60 // key, newkey, nx(1): RENAME (OK) or RENAMENX (1/0)
	OpCopy       Op = 61 // src, dst, dstDB(8), replace(1) -> 1/0
	OpMove       Op = 62 // key, dstDB(8) -> 1/0
	OpSwapDB     Op = 63 // db1(8), db2(8) -> OK
	OpExpireKeys Op = 64 // key, at(8), key, at(8)...: delete each key still expiring at `at` if that is at or before the entry's time -> count
)

// keyOps are the operations of the keyspace and expiry family.
var keyOps = map[Op]opSpec{
	OpRename:     {applyRename, 3},
	OpCopy:       {applyCopy, 4},
	OpMove:       {applyMove, 2},
	OpSwapDB:     {applySwapDB, 2},
	OpExpireKeys: {applyExpireKeys, -2},
}

// keyErr turns the errors of this family a client can cause into a Result.
func keyErr(err error) (Result, error) {
	if errors.Is(err, engine.ErrNotFound) {
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return errResult(err)
}

// dbArg decodes a database number argument; the engine checks its range.
func dbArg(b []byte) (int, error) {
	v, err := fixed64(b)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > 255 {
		return 0, engine.ErrBadDB
	}
	return int(v), nil
}

func flagArg(b []byte) (bool, error) {
	if len(b) != 1 {
		return false, ErrBadCommand
	}
	return b[0] != 0, nil
}

func applyRename(tx *engine.Tx, c Command) (Result, error) {
	nx, err := flagArg(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	ok, err := tx.Rename(c.DB, c.Args[0], c.Args[1], nx)
	if err != nil {
		return keyErr(err)
	}
	if nx {
		return boolResult(ok), nil
	}
	return Result{Kind: ResultOK}, nil
}

func applyCopy(tx *engine.Tx, c Command) (Result, error) {
	dst, err := dbArg(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	replace, err := flagArg(c.Args[3])
	if err != nil {
		return errResult(err)
	}
	ok, err := tx.Copy(c.DB, c.Args[0], dst, c.Args[1], replace)
	if err != nil {
		return keyErr(err)
	}
	return boolResult(ok), nil
}

func applyMove(tx *engine.Tx, c Command) (Result, error) {
	dst, err := dbArg(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	ok, err := tx.Move(c.DB, c.Args[0], dst)
	if err != nil {
		return keyErr(err)
	}
	return boolResult(ok), nil
}

// swapDBs returns the two databases of a SWAPDB command, if its arguments are good.
func swapDBs(c Command) (a, b int, ok bool) {
	if len(c.Args) != 2 {
		return 0, 0, false
	}
	a, err1 := dbArg(c.Args[0])
	b, err2 := dbArg(c.Args[1])
	return a, b, err1 == nil && err2 == nil
}

func applySwapDB(tx *engine.Tx, c Command) (Result, error) {
	a, err := dbArg(c.Args[0])
	if err != nil {
		return errResult(err)
	}
	b, err := dbArg(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	if err := tx.SwapDB(a, b); err != nil {
		return keyErr(err)
	}
	return Result{Kind: ResultOK}, nil
}

// applyExpireKeys removes keys the proposer found expired. Whether each still is, is decided at the
// entry's time, so every replica removes the same keys.
func applyExpireKeys(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args)%2 != 0 {
		return errResult(ErrBadCommand)
	}
	n := int64(0)
	for i := 0; i < len(c.Args); i += 2 {
		at, err := fixed64(c.Args[i+1])
		if err != nil {
			return errResult(err)
		}
		ok, err := tx.DeleteExpired(c.DB, c.Args[i], at)
		if err != nil {
			return keyErr(err)
		}
		if ok {
			n++
		}
	}
	return Result{Kind: ResultInt, Int: n}, nil
}
