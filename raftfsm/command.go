package raftfsm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Op names a write operation. The values are part of the on-disk log format: never reuse one.
type Op byte

// The write operations. Their arguments are normalised by the proposer (absolute times, parsed flags),
// so Apply needs no clock and no parsing beyond fixed-width numbers.
//
// Number ranges per family, so families can be added independently: core 1-19, strings 20-59,
// keyspace and expiry 60-89, transactions 90-99, hashes 100-119, lists 120-149, sets 150-169,
// sorted sets 170-199.
const (
	OpSet      Op = 1 // key, value, flags(1), expireAt(8)
	OpDel      Op = 2 // key...
	OpMSet     Op = 3 // key, value, key, value...
	OpIncrBy   Op = 4 // key, delta(8)
	OpExpire   Op = 5 // key, at(8), cond(1)
	OpPersist  Op = 6 // key
	OpFlushDB  Op = 7 // (no args) the command's DB
	OpFlushAll Op = 8 // (no args)
)

// SET flags carried in OpSet's flags byte.
const (
	SetNX byte = 1 << iota
	SetXX
	SetKeepTTL
	SetGet
)

// Command is one write: an operation on a logical database with its arguments.
type Command struct {
	Op   Op
	DB   int
	Args [][]byte
}

// Entry types: the first byte of every Raft log entry this FSM writes. Part of the log format.
const (
	entryBatch byte = 1 // a batch of commands applied in order, atomically: now(uvarint ms) count{command}
)

var errCorruptEntry = errors.New("raftfsm: corrupt log entry")

// Uint64Arg encodes a fixed-width number argument.
func Uint64Arg(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Int64Arg encodes a fixed-width signed number argument.
func Int64Arg(v int64) []byte { return Uint64Arg(uint64(v)) }

// encodeBatch encodes commands stamped with the proposer's time (Unix ms) as one log entry.
func encodeBatch(now int64, cmds []Command) []byte {
	size := 1 + 2*binary.MaxVarintLen64
	for _, c := range cmds {
		size += 2 + binary.MaxVarintLen64
		for _, a := range c.Args {
			size += binary.MaxVarintLen64 + len(a)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, entryBatch)
	b = binary.AppendUvarint(b, uint64(now))
	b = binary.AppendUvarint(b, uint64(len(cmds)))
	for _, c := range cmds {
		b = append(b, byte(c.Op), byte(c.DB))
		b = binary.AppendUvarint(b, uint64(len(c.Args)))
		for _, a := range c.Args {
			b = binary.AppendUvarint(b, uint64(len(a)))
			b = append(b, a...)
		}
	}
	return b
}

// decodeBatch decodes a batch entry (after its type byte). Arguments alias data.
func decodeBatch(data []byte) (now int64, cmds []Command, err error) {
	d := decoder{b: data}
	now = int64(d.uvarint())
	n := d.uvarint()
	if d.err != nil || n > uint64(len(data)) {
		return 0, nil, errCorruptEntry
	}
	cmds = make([]Command, n)
	// The commands' arguments share one backing array (a SET has 4): one allocation per entry
	// rather than per command. Each command's Args is capped, so appending to one cannot reach the
	// next; when the array grows, earlier commands keep the old one.
	args := make([][]byte, 0, min(4*n, uint64(len(d.b)))) // an argument takes at least a byte
	for i := range cmds {
		cmds[i].Op = Op(d.byte())
		cmds[i].DB = int(d.byte())
		na := d.uvarint()
		if d.err != nil || na > uint64(len(d.b)) {
			return 0, nil, errCorruptEntry
		}
		start := len(args)
		for range na {
			args = append(args, d.bytes(d.uvarint()))
		}
		cmds[i].Args = args[start:len(args):len(args)]
	}
	if d.err != nil || len(d.b) != 0 {
		return 0, nil, errCorruptEntry
	}
	return now, cmds, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorruptEntry
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorruptEntry
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorruptEntry
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// ResultKind says how a Result is turned into a reply.
type ResultKind byte

// Result kinds.
const (
	ResultOK ResultKind = iota
	ResultInt
	ResultBulk
	ResultNil
	ResultErr
	ResultArray    // Array; a nil Array with ResultNilArray semantics is ResultNilArray
	ResultNilArray // RESP2 "*-1", RESP3 null
	ResultDouble   // Float: a bulk string in RESP2, a double in RESP3
	ResultStatus   // Bytes as a status line (e.g. "QUEUED")
	ResultSet      // Array as a set: RESP3 "~", RESP2 an array (SPOP with a count)
	ResultRaw      // Bytes is a complete reply, already encoded (a read inside MULTI/EXEC)
)

// Result is the outcome of one applied command: what the client is told.
type Result struct {
	Kind  ResultKind
	Int   int64
	Float float64
	Bytes []byte
	Array []Result
	Err   error // engine sentinel errors, or errors of this package
}

func (r Result) String() string {
	switch r.Kind {
	case ResultOK:
		return "OK"
	case ResultInt:
		return fmt.Sprint(r.Int)
	case ResultBulk:
		return fmt.Sprintf("%q", r.Bytes)
	case ResultNil, ResultNilArray:
		return "(nil)"
	case ResultDouble:
		return fmt.Sprint(r.Float)
	case ResultStatus:
		return string(r.Bytes)
	case ResultArray, ResultSet:
		return fmt.Sprint(r.Array)
	case ResultRaw:
		return fmt.Sprintf("raw %q", r.Bytes)
	}
	return "error: " + r.Err.Error()
}
