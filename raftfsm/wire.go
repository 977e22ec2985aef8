package raftfsm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/flin-resp/flin-resp/engine"
)

// The forwarding protocol's encoding. A connection opens with forwardMagic (mux.go); then each
// request and each response is a frame: a 4-byte big-endian length and the payload. The peer answers
// every request, in order, before reading the next.
//
//	request  = kind(1) body
//	  propose:    watch(bytes: empty, or a Watch) batch(bytes: a log entry as encodeBatch writes it)
//	  read index: level(1)
//	  admin:      op(1) id(bytes) addr(bytes)
//	  status:     (empty)
//	response = 0 body | 1 error
//	  propose:    index(uvarint) count(uvarint) result...
//	  read index: index(uvarint)
//	  admin:      (empty)
//	  status:     applied(uvarint) commit(uvarint) term(uvarint) client address(bytes)
//	result   = kind(1) fields(1) [int(varint)] [float(8)] [bytes] [count(uvarint) result...] [error]
//	error    = sentinel(bytes) text(bytes)
//	Watch    = index(uvarint) count(uvarint) {db(uvarint) key(bytes) existed(1) expireAt(varint) index(uvarint)}
//
// bytes is a uvarint length and the bytes. A result carries every field that is set, whatever its
// kind, so kinds added later travel unchanged. An error keeps its text and, when it is (or wraps) one
// of wireSentinels, which one: the receiver rebuilds an error for which errors.Is holds, so the RESP
// layer turns it into the same reply on every node.

// Request kinds.
const (
	reqPropose   byte = 'P'
	reqReadIndex byte = 'R'
	reqAdmin     byte = 'A'
	reqStatus    byte = 'S'
)

// maxFrame bounds a frame's declared length; frames above preallocFrame are read as their bytes
// arrive.
const (
	maxFrame      = 1 << 31
	preallocFrame = 1 << 20
)

// The fields a result on the wire carries.
const (
	resultFieldInt = 1 << iota
	resultFieldFloat
	resultFieldBytes
	resultFieldArray
	resultFieldErr
)

// wireSentinels are the errors whose identity crosses the wire. A sentinel's text is its name: nodes
// of different versions agree on the ones both have.
var wireSentinels = []error{
	ErrNotLeader, ErrShutdown, ErrUnknownOutcome, ErrNoLeader, ErrUnknownMember,
	ErrBadCommand, ErrTooBig, ErrGetExInvalidExpire, ErrWatchChanged, ErrReadNotServed, ErrBehind,
	engine.ErrNotFound, engine.ErrWrongType, engine.ErrNotInteger, engine.ErrOverflow, engine.ErrBadDB,
	engine.ErrReadOnlyTx, engine.ErrInvalidExpire, engine.ErrValueTooLarge, engine.ErrKeyTooLarge, engine.ErrStringTooLong,
	engine.ErrNotFloat, engine.ErrNaNOrInf, engine.ErrHashNotInteger, engine.ErrHashNotFloat,
	engine.ErrIndexOutOfRange, engine.ErrNaNScore, engine.ErrTxnTooBig,
}

// wireError is an error received from another node.
type wireError struct {
	text     string
	sentinel error // nil when none matched
}

func (e *wireError) Error() string { return e.text }
func (e *wireError) Unwrap() error { return e.sentinel }

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendError(b []byte, err error) []byte {
	var name string
	for _, s := range wireSentinels {
		if errors.Is(err, s) {
			name = s.Error()
			break
		}
	}
	b = appendBytes(b, []byte(name))
	return appendBytes(b, []byte(err.Error()))
}

func (d *decoder) error() error {
	name := string(d.bytes(d.uvarint()))
	text := string(d.bytes(d.uvarint()))
	e := &wireError{text: text}
	for _, s := range wireSentinels {
		if name != "" && s.Error() == name {
			e.sentinel = s
			break
		}
	}
	return e
}

func appendResult(b []byte, r Result) []byte {
	var fields byte
	if r.Int != 0 {
		fields |= resultFieldInt
	}
	if r.Float != 0 || math.Signbit(r.Float) {
		fields |= resultFieldFloat
	}
	if r.Bytes != nil {
		fields |= resultFieldBytes
	}
	if r.Array != nil {
		fields |= resultFieldArray
	}
	if r.Err != nil {
		fields |= resultFieldErr
	}
	b = append(b, byte(r.Kind), fields)
	if fields&resultFieldInt != 0 {
		b = binary.AppendVarint(b, r.Int)
	}
	if fields&resultFieldFloat != 0 {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Float))
	}
	if fields&resultFieldBytes != 0 {
		b = appendBytes(b, r.Bytes)
	}
	if fields&resultFieldArray != 0 {
		b = binary.AppendUvarint(b, uint64(len(r.Array)))
		for _, e := range r.Array {
			b = appendResult(b, e)
		}
	}
	if fields&resultFieldErr != 0 {
		b = appendError(b, r.Err)
	}
	return b
}

// maxResultDepth bounds nesting on decode (replies nest two or three levels).
const maxResultDepth = 64

func (d *decoder) result(depth int) Result {
	var r Result
	r.Kind = ResultKind(d.byte())
	fields := d.byte()
	if depth > maxResultDepth {
		d.err = errCorruptEntry
	}
	if d.err != nil {
		return r
	}
	if fields&resultFieldInt != 0 {
		r.Int = d.varint()
	}
	if fields&resultFieldFloat != 0 {
		r.Float = math.Float64frombits(binary.BigEndian.Uint64(d.bytes(8)))
	}
	if fields&resultFieldBytes != 0 {
		r.Bytes = d.bytes(d.uvarint())
	}
	if fields&resultFieldArray != 0 {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.err = errCorruptEntry
			return r
		}
		r.Array = make([]Result, n)
		for i := range r.Array {
			r.Array[i] = d.result(depth + 1)
		}
	}
	if fields&resultFieldErr != 0 {
		r.Err = d.error()
	}
	return r
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorruptEntry
		return 0
	}
	d.b = d.b[n:]
	return v
}

// appendWatch encodes a transaction's guard; nil and a guard without keys encode as nothing.
func appendWatch(b []byte, w *Watch) []byte {
	if w == nil || len(w.Keys) == 0 {
		return appendBytes(b, nil)
	}
	var p []byte
	p = binary.AppendUvarint(p, w.Index)
	p = binary.AppendUvarint(p, uint64(len(w.Keys)))
	for _, k := range w.Keys {
		p = binary.AppendUvarint(p, uint64(k.DB))
		p = appendBytes(p, k.Key)
		existed := byte(0)
		if k.Existed {
			existed = 1
		}
		p = append(p, existed)
		p = binary.AppendVarint(p, k.ExpireAt)
		p = binary.AppendUvarint(p, k.Index)
	}
	return appendBytes(b, p)
}

func decodeWatch(p []byte) (*Watch, error) {
	if len(p) == 0 {
		return nil, nil
	}
	d := &decoder{b: p}
	w := &Watch{Index: d.uvarint()}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		return nil, errCorruptEntry
	}
	w.Keys = make([]WatchKey, n)
	for i := range w.Keys {
		k := &w.Keys[i]
		k.DB = int(d.uvarint())
		k.Key = d.bytes(d.uvarint())
		k.Existed = d.byte() == 1
		k.ExpireAt = d.varint()
		k.Index = d.uvarint()
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorruptEntry
	}
	return w, nil
}

// Responses.

func okResponse(body []byte) []byte { return append([]byte{0}, body...) }

func errResponse(err error) []byte { return appendError([]byte{1}, err) }

// parseResponse splits a response into its body or its error.
func parseResponse(p []byte) (*decoder, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("raftfsm: empty forwarding response")
	}
	d := &decoder{b: p[1:]}
	if p[0] == 0 {
		return d, nil
	}
	err := d.error()
	if d.err != nil {
		return nil, fmt.Errorf("raftfsm: corrupt forwarding response")
	}
	return nil, err
}

func encodeProposeResponse(index uint64, results []Result) []byte {
	b := []byte{0}
	b = binary.AppendUvarint(b, index)
	b = binary.AppendUvarint(b, uint64(len(results)))
	for _, r := range results {
		b = appendResult(b, r)
	}
	return b
}

func decodeProposeResponse(d *decoder) (uint64, []Result, error) {
	index := d.uvarint()
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		return 0, nil, errCorruptEntry
	}
	results := make([]Result, n)
	for i := range results {
		results[i] = d.result(0)
	}
	if d.err != nil || len(d.b) != 0 {
		return 0, nil, fmt.Errorf("raftfsm: corrupt forwarding response")
	}
	return index, results, nil
}

// Frames.

func writeFrame(w *bufio.Writer, p []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(p)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.Write(p); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("raftfsm: forwarding frame of %d bytes", n)
	}
	if n <= preallocFrame {
		p := make([]byte, n)
		_, err := io.ReadFull(r, p)
		return p, noEOF(err)
	}
	// Read as the bytes arrive: a corrupt length must not allocate gigabytes up front.
	p, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err == nil && len(p) != int(n) {
		err = io.ErrUnexpectedEOF
	}
	return p, err
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
