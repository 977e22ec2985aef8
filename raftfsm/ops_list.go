package raftfsm

import (
	"errors"

	"github.com/flin-resp/flin-resp/engine"
)

// The lists family's operations (120-149). The numbers and argument layouts are part of the log
// format. Arguments Redis parses before it looks the key up are parsed by the proposer; LSET's
// index is parsed when applied, because Redis answers "no such key" before looking at it.
const (
	OpListPush   Op = 120 // key, flags(1) (ListRight, ListOnlyIfExists), element... -> length
	OpListPop    Op = 121 // key, flags(1) (ListRight, ListCount), count(8) -> element/nil or array
	OpListSet    Op = 122 // key, index (decimal text), element -> OK
	OpListInsert Op = 123 // key, flags(1) (ListAfter), pivot, element -> length, -1 or 0
	OpListRem    Op = 124 // key, count(8), element -> number removed
	OpListTrim   Op = 125 // key, start(8), stop(8) -> OK
	OpListMove   Op = 126 // src, dst, flags(1) (ListFromRight, ListToRight), mode(1) -> element or nil
	OpListMPop   Op = 127 // flags(1) (ListRight, ListNested), count(8), modes (one per key), key...
)

// Flags of the lists family's operations.
const (
	ListRight        byte = 1 << 0 // push or pop at the tail (RIGHT)
	ListOnlyIfExists byte = 1 << 1 // LPUSHX, RPUSHX
	ListCount        byte = 1 << 2 // LPOP/RPOP with a count: the reply is an array
	ListAfter        byte = 1 << 3 // LINSERT AFTER
	ListFromRight    byte = 1 << 4 // LMOVE: pop from the tail of src
	ListToRight      byte = 1 << 5 // LMOVE: push at the tail of dst
	ListNested       byte = 1 << 6 // LMPOP's reply [key, [element...]] rather than BLPOP's [key, element]
)

// Key modes of OpListMPop and OpListMove: how a key is treated. A blocked client retries its pop
// as a Raft write; the modes let that retry respect the clients blocked before it.
const (
	// ListPop: a key of another type is WRONGTYPE; a non-empty list is popped.
	ListPop byte = 'p'
	// ListYield: a key of another type is WRONGTYPE; a list is left to the clients blocked on it
	// before this one (treated as empty).
	ListYield byte = 'y'
	// ListRetry: a key of another type is skipped (a blocked client keeps waiting, as in Redis
	// 7.0); a non-empty list is popped.
	ListRetry byte = 'r'
)

// listOps are the operations of the lists family.
var listOps = map[Op]opSpec{
	OpListPush:   {applyListPush, -3},
	OpListPop:    {applyListPop, 3},
	OpListSet:    {applyListSet, 3},
	OpListInsert: {applyListInsert, 4},
	OpListRem:    {applyListRem, 3},
	OpListTrim:   {applyListTrim, 3},
	OpListMove:   {applyListMove, 4},
	OpListMPop:   {applyListMPop, -4},
}

// listErr turns the errors a client can cause with these operations into a Result.
func listErr(err error) (Result, error) {
	if errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrIndexOutOfRange) ||
		errors.Is(err, engine.ErrValueTooLarge) {
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return errResult(err)
}

func flagsArg(b []byte) (byte, error) {
	if len(b) != 1 {
		return 0, ErrBadCommand
	}
	return b[0], nil
}

func applyListPush(tx *engine.Tx, c Command) (Result, error) {
	flags, err := flagsArg(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	n, err := tx.ListPush(c.DB, c.Args[0], flags&ListRight == 0, flags&ListOnlyIfExists != 0, c.Args[2:])
	if err != nil {
		return listErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

// bulkArray is an array of bulk strings.
func bulkArray(vals [][]byte) Result {
	arr := make([]Result, len(vals))
	for i, v := range vals {
		arr[i] = Result{Kind: ResultBulk, Bytes: v}
	}
	return Result{Kind: ResultArray, Array: arr}
}

func applyListPop(tx *engine.Tx, c Command) (Result, error) {
	flags, err := flagsArg(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	count, err := fixed64(c.Args[2])
	if err != nil || count < 0 {
		return errResult(ErrBadCommand)
	}
	hasCount := flags&ListCount != 0
	if !hasCount {
		count = 1
	}
	vals, exists, err := tx.ListPop(c.DB, c.Args[0], flags&ListRight == 0, count)
	switch {
	case err != nil:
		return listErr(err)
	case !exists && hasCount:
		return Result{Kind: ResultNilArray}, nil
	case !exists:
		return Result{Kind: ResultNil}, nil
	case hasCount:
		return bulkArray(vals), nil
	}
	return Result{Kind: ResultBulk, Bytes: vals[0]}, nil
}

func applyListSet(tx *engine.Tx, c Command) (Result, error) {
	n, err := tx.ListLen(c.DB, c.Args[0])
	if err != nil {
		return listErr(err)
	}
	if n == 0 {
		return listErr(engine.ErrNotFound)
	}
	index, ok := engine.ParseInt(c.Args[1])
	if !ok {
		return errResult(engine.ErrNotInteger)
	}
	if err := tx.ListSet(c.DB, c.Args[0], index, c.Args[2]); err != nil {
		return listErr(err)
	}
	return Result{Kind: ResultOK}, nil
}

func applyListInsert(tx *engine.Tx, c Command) (Result, error) {
	flags, err := flagsArg(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	n, err := tx.ListInsert(c.DB, c.Args[0], flags&ListAfter != 0, c.Args[2], c.Args[3])
	if err != nil {
		return listErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyListRem(tx *engine.Tx, c Command) (Result, error) {
	count, err := fixed64(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	n, err := tx.ListRemove(c.DB, c.Args[0], count, c.Args[2])
	if err != nil {
		return listErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applyListTrim(tx *engine.Tx, c Command) (Result, error) {
	start, err := fixed64(c.Args[1])
	if err != nil {
		return errResult(err)
	}
	stop, err := fixed64(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	if err := tx.ListTrim(c.DB, c.Args[0], start, stop); err != nil {
		return listErr(err)
	}
	return Result{Kind: ResultOK}, nil
}

// listKeyReady decides, for a key of OpListMPop or OpListMove in mode, whether to pop from it:
// res is the Result to return at once (an error; never nil when err is not), pop is true for a
// non-empty list to pop.
func listKeyReady(tx *engine.Tx, db int, key []byte, mode byte) (res *Result, pop bool, err error) {
	n, err := tx.ListLen(db, key)
	switch {
	case errors.Is(err, engine.ErrWrongType) && mode == ListRetry:
		return nil, false, nil
	case err != nil:
		r, err := listErr(err)
		return &r, false, err
	case mode == ListYield:
		return nil, false, nil
	}
	return nil, n > 0, nil
}

func applyListMove(tx *engine.Tx, c Command) (Result, error) {
	flags, err := flagsArg(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	mode, err := flagsArg(c.Args[3])
	if err != nil {
		return errResult(err)
	}
	if mode != ListPop {
		res, pop, err := listKeyReady(tx, c.DB, c.Args[0], mode)
		switch {
		case res != nil:
			return *res, err
		case !pop:
			return Result{Kind: ResultNil}, nil
		}
	}
	val, found, err := tx.ListMove(c.DB, c.Args[0], c.Args[1], flags&ListFromRight == 0, flags&ListToRight == 0)
	switch {
	case err != nil:
		return listErr(err)
	case !found:
		return Result{Kind: ResultNil}, nil
	}
	return Result{Kind: ResultBulk, Bytes: val}, nil
}

// applyListMPop pops from the first key, in order, that is a non-empty list in a mode that lets it
// be popped: LMPOP, BLMPOP, BLPOP and BRPOP, and their retries by blocked clients.
func applyListMPop(tx *engine.Tx, c Command) (Result, error) {
	flags, err := flagsArg(c.Args[0])
	if err != nil {
		return errResult(err)
	}
	count, err := fixed64(c.Args[1])
	if err != nil || count < 1 {
		return errResult(ErrBadCommand)
	}
	modes, keys := c.Args[2], c.Args[3:]
	if len(modes) != len(keys) {
		return errResult(ErrBadCommand)
	}
	for i, key := range keys {
		res, pop, err := listKeyReady(tx, c.DB, key, modes[i])
		if res != nil {
			return *res, err
		}
		if !pop {
			continue
		}
		vals, _, err := tx.ListPop(c.DB, key, flags&ListRight == 0, count)
		if err != nil {
			return listErr(err)
		}
		k := Result{Kind: ResultBulk, Bytes: append([]byte(nil), key...)}
		if flags&ListNested != 0 {
			return Result{Kind: ResultArray, Array: []Result{k, bulkArray(vals)}}, nil
		}
		return Result{Kind: ResultArray, Array: []Result{k, {Kind: ResultBulk, Bytes: vals[0]}}}, nil
	}
	return Result{Kind: ResultNilArray}, nil
}
