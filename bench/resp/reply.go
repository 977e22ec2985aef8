package resp

import (
	"bufio"
	"errors"
	"io"
)

// Kind is the type of a reply, named by its RESP prefix byte. RESP3 kinds are read too, so a server
// that answers in RESP3 does not break the client.
type Kind byte

// The reply kinds of RESP2 and RESP3.
const (
	SimpleString Kind = '+'
	Error        Kind = '-'
	Integer      Kind = ':'
	BulkString   Kind = '$'
	Array        Kind = '*'
	Null         Kind = '_'
	Double       Kind = ','
	Boolean      Kind = '#'
	BlobError    Kind = '!'
	Verbatim     Kind = '='
	BigNumber    Kind = '('
	Map          Kind = '%'
	Set          Kind = '~'
	Push         Kind = '>'
	Attribute    Kind = '|'
)

// maxDepth bounds the nesting of aggregate replies.
const maxDepth = 64

// Reply summarises a reply without keeping bulk contents, which are skipped in the read buffer.
type Reply struct {
	Kind Kind
	// Nil is true for a null bulk string, a null array and the RESP3 null.
	Nil bool
	// Int is the value of an integer reply, or the length of a bulk string or aggregate.
	Int int64
	// Text is the text of a simple string, error, double, boolean or big number. It points into the
	// read buffer and is valid only until the next read.
	Text []byte
	// NilElems counts the null elements of an aggregate reply (top level only): the misses of an MGET.
	NilElems int
}

// IsError reports whether the reply is an error reply.
func (r Reply) IsError() bool { return r.Kind == Error || r.Kind == BlobError }

// ReadReply reads one reply, skipping bulk contents. Aggregates are read to their end.
func (c *Conn) ReadReply() (Reply, error) { return c.readReply(0) }

func (c *Conn) readReply(depth int) (Reply, error) {
	line, err := c.readLine()
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Kind: Kind(line[0])}
	body := line[1:]
	switch r.Kind {
	case SimpleString, Error, Double, Boolean, BigNumber:
		r.Text = body
	case Integer:
		r.Int, err = parseInt(line)
	case Null:
		r.Nil = true
	case BulkString, Verbatim, BlobError:
		if r.Int, err = parseInt(line); err != nil || r.Int < 0 {
			r.Nil = err == nil
			return r, err
		}
		if r.Kind == BlobError {
			r.Text, err = c.readBulk(r.Int)
			return r, err
		}
		err = c.skipBulk(r.Int)
	case Array, Set, Push, Map, Attribute:
		if depth >= maxDepth {
			return r, &ProtocolError{Line: string(line), Why: "nesting too deep"}
		}
		if r.Int, err = parseInt(line); err != nil || r.Int < 0 {
			r.Nil = err == nil
			return r, err
		}
		elems := r.Int
		if r.Kind == Map || r.Kind == Attribute {
			elems *= 2
		}
		for i := int64(0); i < elems; i++ {
			e, err := c.readReply(depth + 1)
			if err != nil {
				return r, err
			}
			if e.Nil {
				r.NilElems++
			}
		}
		if r.Kind == Attribute { // attributes precede the reply they describe
			return c.readReply(depth)
		}
	default:
		return r, &ProtocolError{Line: string(line), Why: "unknown reply type"}
	}
	return r, err
}

// Value is a whole reply with its contents.
type Value struct {
	Kind Kind
	Nil  bool
	// Int is the value of an integer reply, or the length of a bulk string or aggregate.
	Int int64
	// Str is the text of any string-like reply (simple, bulk, verbatim, error, double, ...).
	Str string
	// Elems are the elements of an aggregate; a map's keys and values alternate.
	Elems []Value
}

// ServerError is an error reply from the server.
type ServerError string

func (e ServerError) Error() string { return string(e) }

// Err returns the reply as a ServerError if it is an error reply, or nil.
func (v Value) Err() error {
	if v.Kind == Error || v.Kind == BlobError {
		return ServerError(v.Str)
	}
	return nil
}

// ReadValue reads one reply with its contents.
func (c *Conn) ReadValue() (Value, error) { return c.readValue(0) }

func (c *Conn) readValue(depth int) (Value, error) {
	line, err := c.readLine()
	if err != nil {
		return Value{}, err
	}
	v := Value{Kind: Kind(line[0])}
	switch v.Kind {
	case SimpleString, Error, Double, Boolean, BigNumber:
		v.Str = string(line[1:])
	case Integer:
		v.Int, err = parseInt(line)
	case Null:
		v.Nil = true
	case BulkString, Verbatim, BlobError:
		if v.Int, err = parseInt(line); err != nil || v.Int < 0 {
			v.Nil = err == nil
			return v, err
		}
		b, err := c.readBulk(v.Int)
		v.Str = string(b)
		return v, err
	case Array, Set, Push, Map, Attribute:
		if depth >= maxDepth {
			return v, &ProtocolError{Line: string(line), Why: "nesting too deep"}
		}
		if v.Int, err = parseInt(line); err != nil || v.Int < 0 {
			v.Nil = err == nil
			return v, err
		}
		elems := v.Int
		if v.Kind == Map || v.Kind == Attribute {
			elems *= 2
		}
		for i := int64(0); i < elems; i++ {
			e, err := c.readValue(depth + 1)
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, e)
		}
		if v.Kind == Attribute {
			return c.readValue(depth)
		}
	default:
		return v, &ProtocolError{Line: string(line), Why: "unknown reply type"}
	}
	return v, err
}

// readLine returns the next line without its CRLF; it is never empty. The slice points into the
// read buffer (or the scratch buffer) and is valid until the next read.
func (c *Conn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		c.scratch = append(c.scratch[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = c.br.ReadSlice('\n')
			c.scratch = append(c.scratch, line...)
		}
		line = c.scratch
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, &ProtocolError{Line: string(line), Why: "line not ending in CRLF or empty"}
	}
	return line[:len(line)-2], nil
}

// readBulk reads n bytes of bulk contents and their CRLF into the scratch buffer.
func (c *Conn) readBulk(n int64) ([]byte, error) {
	if n > 1<<30 {
		return nil, &ProtocolError{Why: "bulk string too long"}
	}
	if int64(cap(c.scratch)) < n+2 {
		c.scratch = make([]byte, n+2)
	}
	b := c.scratch[:n+2]
	if _, err := io.ReadFull(c.br, b); err != nil {
		return nil, unexpected(err)
	}
	if b[n] != '\r' || b[n+1] != '\n' {
		return nil, &ProtocolError{Line: string(b[max(0, n-16):]), Why: "bulk string not ending in CRLF"}
	}
	return b[:n], nil
}

// skipBulk skips n bytes of bulk contents and checks the CRLF after them.
func (c *Conn) skipBulk(n int64) error {
	for left := n; left > 0; {
		step := int(min(left, bufSize))
		if _, err := c.br.Discard(step); err != nil {
			return unexpected(err)
		}
		left -= int64(step)
	}
	cr, err := c.br.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	lf, err := c.br.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	if cr != '\r' || lf != '\n' {
		return &ProtocolError{Line: string([]byte{cr, lf}), Why: "bulk string not ending in CRLF"}
	}
	return nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseInt parses the integer after a line's type byte.
func parseInt(line []byte) (int64, error) {
	b := line[1:]
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, &ProtocolError{Line: string(line), Why: "bad integer"}
	}
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, &ProtocolError{Line: string(line), Why: "bad integer"}
		}
		n = n*10 + int64(ch-'0')
	}
	if n < 0 { // 19 digits can overflow
		return 0, &ProtocolError{Line: string(line), Why: "integer overflow"}
	}
	if neg {
		n = -n
	}
	return n, nil
}
