package raftfsm

import (
	"encoding/binary"
	"errors"

	"github.com/flin-resp/flin-resp/engine"
)

// The strings family's operations (20-59). SET, SETEX, PSETEX and GETSET are OpSet; INCR, DECR,
// INCRBY and DECRBY are OpIncrBy; MSET is OpMSet. The numbers are part of the log format.
const (
	OpSetNX       Op = 20 // key, value -> 1 when set, 0 when the key existed
	OpGetDel      Op = 21 // key
	OpGetEx       Op = 22 // key, mode(1), at(8): see the GetEx* modes
	OpMSetNX      Op = 23 // key, value, key, value...
	OpAppend      Op = 24 // key, value, maxLen(8)
	OpSetRange    Op = 25 // key, offset(8), value, maxLen(8)
	OpIncrByFloat Op = 26 // key, increment (engine.LongDouble binary form; empty: not a valid float)
	OpSetBit      Op = 27 // key, offset(8), bit(1)
	OpBitOp       Op = 28 // kind(1) (engine.BitOpKind), dest, src...
	OpBitField    Op = 29 // key, op(BitFieldArg)...
)

// GETEX modes (OpGetEx's mode byte). A GETEX whose expire argument is bad answers nil for a missing
// key and the error otherwise, so the error is decided when applied.
const (
	GetExKeep          byte = iota // no option: a GET
	GetExAt                        // set the expiry to at (deleting the key when at is not after now)
	GetExPersist                   // remove the expiry
	GetExNotInteger                // the expire argument is not an integer
	GetExInvalidExpire             // the expire time is out of range
)

// ErrGetExInvalidExpire is GETEX's reply to an expire time out of range, on a key that exists.
var ErrGetExInvalidExpire = errors.New("invalid expire time in 'getex' command")

// stringOps are the operations of the strings family.
var stringOps = map[Op]opSpec{
	OpSetNX:       {applySetNX, 2},
	OpGetDel:      {applyGetDel, 1},
	OpGetEx:       {applyGetEx, 3},
	OpMSetNX:      {applyMSetNX, -2},
	OpAppend:      {applyAppend, 3},
	OpSetRange:    {applySetRange, 4},
	OpIncrByFloat: {applyIncrByFloat, 2},
	OpSetBit:      {applySetBit, 3},
	OpBitOp:       {applyBitOp, -3},
	OpBitField:    {applyBitField, -1},
}

// stringErr turns the errors a client can cause with these operations into a Result, and stops
// the apply on any other.
func stringErr(err error) (Result, error) {
	switch {
	case errors.Is(err, engine.ErrStringTooLong), errors.Is(err, engine.ErrNotFloat),
		errors.Is(err, engine.ErrNaNOrInf), errors.Is(err, engine.ErrValueTooLarge),
		errors.Is(err, ErrGetExInvalidExpire):
		return Result{Kind: ResultErr, Err: err}, nil
	}
	return errResult(err)
}

func bulkOrNil(v []byte, err error) (Result, error) {
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return Result{Kind: ResultNil}, nil
	case err != nil:
		return stringErr(err)
	}
	return Result{Kind: ResultBulk, Bytes: v}, nil
}

func intResult(n int64, err error) (Result, error) {
	if err != nil {
		return stringErr(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applySetNX(tx *engine.Tx, c Command) (Result, error) {
	res, err := tx.Set(c.DB, c.Args[0], c.Args[1], engine.SetOptions{NX: true})
	if err != nil {
		return stringErr(err)
	}
	return boolResult(res.Written), nil
}

func applyGetDel(tx *engine.Tx, c Command) (Result, error) {
	return bulkOrNil(tx.GetDel(c.DB, c.Args[0]))
}

func applyGetEx(tx *engine.Tx, c Command) (Result, error) {
	at, err := fixed64(c.Args[2])
	if err != nil || len(c.Args[1]) != 1 {
		return errResult(ErrBadCommand)
	}
	v, err := tx.Get(c.DB, c.Args[0])
	if err != nil {
		return bulkOrNil(v, err)
	}
	switch c.Args[1][0] {
	case GetExKeep:
	case GetExAt:
		_, err = tx.Expire(c.DB, c.Args[0], at, 0)
	case GetExPersist:
		_, err = tx.Persist(c.DB, c.Args[0])
	case GetExNotInteger:
		err = engine.ErrNotInteger
	case GetExInvalidExpire:
		err = ErrGetExInvalidExpire
	default:
		err = ErrBadCommand
	}
	if err != nil {
		return stringErr(err)
	}
	return Result{Kind: ResultBulk, Bytes: v}, nil
}

func applyMSetNX(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args)%2 != 0 {
		return errResult(ErrBadCommand)
	}
	ok, err := tx.MSetNX(c.DB, c.Args)
	if err != nil {
		return stringErr(err)
	}
	return boolResult(ok), nil
}

func applyAppend(tx *engine.Tx, c Command) (Result, error) {
	maxLen, err := fixed64(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	return intResult(tx.Append(c.DB, c.Args[0], c.Args[1], maxLen))
}

func applySetRange(tx *engine.Tx, c Command) (Result, error) {
	offset, err := fixed64(c.Args[1])
	if err != nil || offset < 0 {
		return errResult(ErrBadCommand)
	}
	maxLen, err := fixed64(c.Args[3])
	if err != nil {
		return errResult(err)
	}
	return intResult(tx.SetRange(c.DB, c.Args[0], offset, c.Args[2], maxLen))
}

// LongDoubleArg encodes INCRBYFLOAT's increment; nil stands for one that is not a valid float.
func LongDoubleArg(x *engine.LongDouble) []byte {
	if x == nil {
		return []byte{}
	}
	return x.AppendBinary(nil)
}

func applyIncrByFloat(tx *engine.Tx, c Command) (Result, error) {
	var incr *engine.LongDouble
	if len(c.Args[1]) > 0 {
		x, ok := engine.DecodeLongDouble(c.Args[1])
		if !ok {
			return errResult(ErrBadCommand)
		}
		incr = &x
	}
	v, err := tx.IncrByFloat(c.DB, c.Args[0], incr)
	if err != nil {
		return stringErr(err)
	}
	return Result{Kind: ResultBulk, Bytes: v}, nil
}

func applySetBit(tx *engine.Tx, c Command) (Result, error) {
	offset, err := fixed64(c.Args[1])
	if err != nil || len(c.Args[2]) != 1 || c.Args[2][0] > 1 || offset < 0 {
		return errResult(ErrBadCommand)
	}
	return intResult(tx.SetBit(c.DB, c.Args[0], uint64(offset), c.Args[2][0] == 1))
}

func applyBitOp(tx *engine.Tx, c Command) (Result, error) {
	if len(c.Args[0]) != 1 {
		return errResult(ErrBadCommand)
	}
	kind := engine.BitOpKind(c.Args[0][0])
	if kind < engine.BitAnd || kind > engine.BitNot || kind == engine.BitNot && len(c.Args) != 3 {
		return errResult(ErrBadCommand)
	}
	return intResult(tx.BitOp(c.DB, kind, c.Args[1], c.Args[2:]))
}

// bitFieldArgLen is the size of one encoded BITFIELD operation:
// kind(1) signed(1) bits(1) overflow(1) offset(8) value(8).
const bitFieldArgLen = 20

// BitFieldArg encodes one BITFIELD operation.
func BitFieldArg(op engine.BitFieldOp) []byte {
	b := make([]byte, 4, bitFieldArgLen)
	b[0], b[2], b[3] = byte(op.Kind), op.Bits, byte(op.Overflow)
	if op.Signed {
		b[1] = 1
	}
	b = binary.BigEndian.AppendUint64(b, op.Offset)
	return binary.BigEndian.AppendUint64(b, uint64(op.Value))
}

// DecodeBitFieldArg decodes and checks BitFieldArg's form.
func DecodeBitFieldArg(b []byte) (engine.BitFieldOp, error) {
	if len(b) != bitFieldArgLen {
		return engine.BitFieldOp{}, ErrBadCommand
	}
	op := engine.BitFieldOp{
		Kind:     engine.BitFieldKind(b[0]),
		Signed:   b[1] == 1,
		Bits:     b[2],
		Overflow: engine.BitFieldOverflow(b[3]),
		Offset:   binary.BigEndian.Uint64(b[4:12]),
		Value:    int64(binary.BigEndian.Uint64(b[12:])),
	}
	maxBits := uint8(63)
	if op.Signed {
		maxBits = 64
	}
	if op.Kind < engine.BitFieldGet || op.Kind > engine.BitFieldIncrBy || b[1] > 1 || op.Bits < 1 ||
		op.Bits > maxBits || op.Overflow > engine.OverflowFail || op.Offset >= 1<<63 {
		return engine.BitFieldOp{}, ErrBadCommand
	}
	return op, nil
}

func applyBitField(tx *engine.Tx, c Command) (Result, error) {
	ops := make([]engine.BitFieldOp, len(c.Args)-1)
	for i, a := range c.Args[1:] {
		op, err := DecodeBitFieldArg(a)
		if err != nil {
			return errResult(err)
		}
		ops[i] = op
	}
	res, err := tx.BitField(c.DB, c.Args[0], ops)
	if err != nil {
		return stringErr(err)
	}
	return BitFieldResults(res), nil
}

// BitFieldResults turns BITFIELD's results into an array of integers and nils.
func BitFieldResults(res []engine.BitFieldResult) Result {
	out := Result{Kind: ResultArray, Array: make([]Result, len(res))}
	for i, r := range res {
		if r.Nil {
			out.Array[i] = Result{Kind: ResultNil}
		} else {
			out.Array[i] = Result{Kind: ResultInt, Int: r.Value}
		}
	}
	return out
}
