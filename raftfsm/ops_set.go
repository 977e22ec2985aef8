package raftfsm

import (
	"math/bits"

	"github.com/flin-resp/flin-resp/engine"
)

// The set family's operations (150-169). The numbers are part of the log format.
const (
	OpSAdd        Op = 150 // key, member... -> number added
	OpSRem        Op = 151 // key, member... -> number removed
	OpSPop        Op = 152 // key, count(8) (-1: no count), seed(8) -> member or nil; set of members
	OpSMove       Op = 153 // src, dst, member -> 1 when moved
	OpSInterStore Op = 154 // dst, key... -> size of the result
	OpSUnionStore Op = 155 // dst, key...
	OpSDiffStore  Op = 156 // dst, key...
)

// setOps are the operations of the set family.
var setOps = map[Op]opSpec{
	OpSAdd:        {applySAdd, -2},
	OpSRem:        {applySRem, -2},
	OpSPop:        {applySPop, 3},
	OpSMove:       {applySMove, 3},
	OpSInterStore: {applySetStore(engine.SetInter), -2},
	OpSUnionStore: {applySetStore(engine.SetUnion), -2},
	OpSDiffStore:  {applySetStore(engine.SetDiff), -2},
}

func applySAdd(tx *engine.Tx, c Command) (Result, error) {
	n, err := tx.SAdd(c.DB, c.Args[0], c.Args[1:])
	if err != nil {
		return errResult(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

func applySRem(tx *engine.Tx, c Command) (Result, error) {
	n, err := tx.SRem(c.DB, c.Args[0], c.Args[1:])
	if err != nil {
		return errResult(err)
	}
	return Result{Kind: ResultInt, Int: n}, nil
}

// applySPop pops random members. The proposer does not choose them: it draws a seed, and the
// members are chosen here from the set as it is when the entry applies, with a generator seeded by
// the entry. Every replica holds the same set at that point, so every replica pops the same
// members; and since nothing can change the set between the choice and the removal, SPOP is as
// atomic as in Redis (members chosen by the proposer could have been removed or joined by other
// writes before the entry applied).
func applySPop(tx *engine.Tx, c Command) (Result, error) {
	count, err := fixed64(c.Args[1])
	if err != nil || count < -1 {
		return errResult(ErrBadCommand)
	}
	seed, err := fixed64(c.Args[2])
	if err != nil {
		return errResult(err)
	}
	rnd := newEntryRand(uint64(seed))
	n := count
	if count < 0 {
		n = 1
	}
	members, err := tx.SPop(c.DB, c.Args[0], n, rnd.uint64n)
	if err != nil {
		return errResult(err)
	}
	if count < 0 {
		if len(members) == 0 {
			return Result{Kind: ResultNil}, nil
		}
		return Result{Kind: ResultBulk, Bytes: members[0]}, nil
	}
	out := make([]Result, len(members))
	for i, m := range members {
		out[i] = Result{Kind: ResultBulk, Bytes: m}
	}
	return Result{Kind: ResultSet, Array: out}, nil
}

func applySMove(tx *engine.Tx, c Command) (Result, error) {
	moved, err := tx.SMove(c.DB, c.Args[0], c.Args[1], c.Args[2])
	if err != nil {
		return errResult(err)
	}
	return boolResult(moved), nil
}

// applySetStore applies SINTERSTORE, SUNIONSTORE and SDIFFSTORE: the result is computed here, from
// the sets as they are when the entry applies.
func applySetStore(op engine.SetOp) applyFunc {
	return func(tx *engine.Tx, c Command) (Result, error) {
		n, err := tx.SetAlgebraStore(c.DB, op, c.Args[0], c.Args[1:])
		if err != nil {
			return errResult(err)
		}
		return Result{Kind: ResultInt, Int: n}, nil
	}
}

// entryRand is the random generator of an apply (splitmix64), seeded by the proposer. Its sequence
// is part of the log format: replicas must draw the same numbers from the same seed.
type entryRand struct{ state uint64 }

func newEntryRand(seed uint64) *entryRand { return &entryRand{state: seed} }

func (r *entryRand) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// uint64n returns a number in [0, n) (n > 0) from the top of a 128-bit product: no division and no
// loop, with a bias below n/2^64.
func (r *entryRand) uint64n(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}
