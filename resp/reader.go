package resp

import (
	"bytes"
	"io"
	"math"
)

// Request parsing follows Redis 7.0's networking.c (processInputBuffer,
// processInlineBuffer, processMultibulkBuffer) byte for byte, including its
// quirks:
//
//   - Lines are found with C's strchr on a NUL-terminated buffer, so a NUL byte
//     before the terminator hides it: the request stays incomplete until the
//     64 KiB limit turns it into a protocol error.
//   - Multibulk count and bulk length lines end at the first '\r'; the byte
//     after it is skipped without being checked, and so are the two bytes
//     after each bulk's data.
//   - A multibulk count <= 0 is consumed and produces no command, and so is an
//     inline line without arguments.

const (
	// DefaultReadBufferSize is the read size of a RequestReader (Redis reads
	// 16 KiB at a time; larger reads mean fewer system calls for pipelines).
	DefaultReadBufferSize = 64 << 10

	// DefaultMaxBulkLen is the largest bulk argument accepted by default,
	// Redis's proto-max-bulk-len.
	DefaultMaxBulkLen = 512 << 20

	// protoInlineMaxSize is Redis's PROTO_INLINE_MAX_SIZE: the most bytes an
	// inline request or a count line may occupy without its terminator.
	protoInlineMaxSize = 64 << 10

	// protoMaxMultibulkLen is the largest argument count Redis 7.0 accepts
	// (INT_MAX; 6.2 and earlier capped it at 1024*1024).
	protoMaxMultibulkLen = math.MaxInt32

	// Limits for clients that have not authenticated yet (Redis 6.2.6+).
	protoUnauthMultibulkLen = 10
	protoUnauthBulkLen      = 16384
)

// ProtocolError is a malformed request. Redis answers it with
// "-ERR " + Error() and closes the connection.
type ProtocolError struct {
	// Msg is the text after "Protocol error: ", e.g. "invalid bulk length".
	Msg string
}

// Error returns the message as Redis words it, e.g.
// "Protocol error: invalid bulk length".
func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

func protocolError(msg string) error { return &ProtocolError{Msg: msg} }

// ParseRequests parses as many complete commands as possible from buf with
// Redis 7.0's rules. maxBulk is the largest bulk argument accepted;
// authenticated false applies Redis's limits for unauthenticated clients to
// every command.
//
// consumed is the number of bytes of buf holding the returned commands (and
// any empty requests among or after them); buf[consumed:] starts an incomplete
// command, or the request that caused err. err is nil or a *ProtocolError; it
// does not discard the commands before it.
//
// Arguments of multibulk commands alias buf; inline arguments are copies.
func ParseRequests(buf []byte, maxBulk int64, authenticated bool) (cmds [][][]byte, consumed int, err error) {
	p := parser{maxBulk: maxBulk, authenticated: authenticated}
	return p.parse(buf)
}

// parser holds the state and scratch space of request parsing. Its result
// slices are reused by the next call to parse.
type parser struct {
	maxBulk       int64
	authenticated bool
	maxCmds       int // stop after this many commands; 0: no limit
	lineMax       int // protoInlineMaxSize if 0; tests lower it

	cmds   [][][]byte // returned commands; each is a window of args
	args   [][]byte   // arguments of all returned commands
	inline []byte     // copies of inline arguments
	offs   []int      // (offset, length) of the pending command's arguments

	// The line where parsing stopped (an inline request, a count or a bulk
	// header without its terminator) is searched again when more bytes
	// arrive, from where the last search ended, so that a line arriving a
	// byte at a time costs linear time. lineNUL records a NUL byte before
	// the terminator, which hides it for good.
	lineScanned int
	lineNUL     bool

	// A multibulk command whose header has been parsed but whose arguments
	// are not all buffered yet. It starts at buf[0] of the next parse call;
	// offsets are relative to that start.
	pending   bool
	remaining int64 // arguments not yet read
	bulkLen   int64 // length of the next argument, or -1 before its header
	resume    int   // where parsing continues
}

// parse parses complete commands from buf, which starts at a request
// boundary (the pending command, if any).
func (p *parser) parse(buf []byte) ([][][]byte, int, error) {
	p.cmds = p.cmds[:0]
	p.args = p.args[:0]
	p.inline = p.inline[:0]
	pos := 0
	for p.maxCmds <= 0 || len(p.cmds) < p.maxCmds {
		if !p.pending {
			if pos >= len(buf) {
				break
			}
			var n int
			var err error
			if buf[pos] == '*' {
				n, err = p.parseMultibulkHeader(buf[pos:])
			} else {
				n, err = p.parseInline(buf[pos:])
			}
			if err != nil {
				return p.cmds, pos, err
			}
			if n == 0 {
				break // incomplete
			}
			if !p.pending {
				pos += n // a complete inline command, or an empty request
				continue
			}
		}
		done, err := p.parseBulks(buf[pos:])
		if err != nil {
			return p.cmds, pos, err
		}
		if !done {
			break
		}
		pos += p.resume
		p.pending = false
	}
	return p.cmds, pos, nil
}

// maxLine returns how many bytes a line may occupy without its terminator.
func (p *parser) maxLine() int {
	if p.lineMax > 0 {
		return p.lineMax
	}
	return protoInlineMaxSize
}

// need returns how many bytes, counted from the start of the pending command,
// the buffer must hold before the argument being read is complete, or 0 if
// that is unknown.
func (p *parser) need() int {
	if !p.pending || p.bulkLen < 0 {
		return 0
	}
	if p.bulkLen > int64(math.MaxInt-2-p.resume) {
		return math.MaxInt
	}
	return p.resume + int(p.bulkLen) + 2
}

// parseInline parses one inline request at the start of b, as
// processInlineBuffer does. It returns the bytes consumed, 0 if the line is
// incomplete.
func (p *parser) parseInline(b []byte) (int, error) {
	nl := p.findLineEnd(b, '\n')
	if nl < 0 {
		if len(b) > p.maxLine() {
			return 0, protocolError("too big inline request")
		}
		return 0, nil
	}
	end := nl
	if end > 0 && b[end-1] == '\r' {
		end--
	}
	first := len(p.args)
	if !p.splitArgs(b[:end]) {
		p.args = p.args[:first]
		return 0, protocolError("unbalanced quotes in request")
	}
	if len(p.args) > first {
		p.cmds = append(p.cmds, p.args[first:len(p.args):len(p.args)])
	}
	return nl + 1, nil
}

// parseMultibulkHeader parses the "*<count>" line at the start of b, as the
// first part of processMultibulkBuffer does. It returns the bytes consumed, 0
// if the line is incomplete. For a positive count it starts a pending command.
func (p *parser) parseMultibulkHeader(b []byte) (int, error) {
	cr := p.findLineEnd(b, '\r')
	if cr < 0 {
		if len(b) > p.maxLine() {
			return 0, protocolError("too big mbulk count string")
		}
		return 0, nil
	}
	if cr+2 > len(b) {
		return 0, nil // the byte after '\r' is not here yet
	}
	n, ok := string2ll(b[1:cr])
	if !ok || n > protoMaxMultibulkLen {
		return 0, protocolError("invalid multibulk length")
	}
	if n > protoUnauthMultibulkLen && !p.authenticated {
		return 0, protocolError("unauthenticated multibulk length")
	}
	if n > 0 {
		p.pending = true
		p.remaining = n
		p.bulkLen = -1
		p.resume = cr + 2
		p.offs = p.offs[:0]
	}
	return cr + 2, nil
}

// parseBulks continues the pending command, which starts at b[0], from
// p.resume. It reports whether the command is complete; if it is, the command
// is appended to p.cmds and p.resume is its length.
func (p *parser) parseBulks(b []byte) (bool, error) {
	q := p.resume
	for p.remaining > 0 {
		if p.bulkLen < 0 {
			cr := p.findLineEnd(b[q:], '\r')
			if cr < 0 {
				if len(b)-q > p.maxLine() {
					return false, protocolError("too big bulk count string")
				}
				p.resume = q
				return false, nil
			}
			if cr+2 > len(b)-q {
				p.resume = q
				return false, nil
			}
			if b[q] != '$' {
				return false, protocolError("expected '$', got '" + replyByte(b[q]) + "'")
			}
			n, ok := string2ll(b[q+1 : q+cr])
			if !ok || n < 0 || n > p.maxBulk {
				return false, protocolError("invalid bulk length")
			}
			if n > protoUnauthBulkLen && !p.authenticated {
				return false, protocolError("unauthenticated bulk length")
			}
			q += cr + 2
			p.bulkLen = n
		}
		// The data and the two bytes after it (meant to be "\r\n", never
		// checked). Written to avoid overflow for any bulkLen.
		if int64(len(b)-q)-2 < p.bulkLen {
			p.resume = q
			return false, nil
		}
		p.offs = append(p.offs, q, int(p.bulkLen))
		q += int(p.bulkLen) + 2
		p.bulkLen = -1
		p.remaining--
	}
	first := len(p.args)
	for i := 0; i < len(p.offs); i += 2 {
		start, end := p.offs[i], p.offs[i]+p.offs[i+1]
		p.args = append(p.args, b[start:end:end])
	}
	p.cmds = append(p.cmds, p.args[first:len(p.args):len(p.args)])
	p.resume = q
	return true, nil
}

// replyByte renders b as Redis's "%c" does in an error reply, where
// addReplyErrorFormat turns '\r' and '\n' into spaces.
func replyByte(b byte) string {
	if b == '\r' || b == '\n' {
		b = ' '
	}
	return string([]byte{b})
}

// splitArgs splits an inline request line as Redis's sdssplitargs does,
// appending the arguments to p.args (their bytes to p.inline). It reports
// false for unbalanced quotes. The end of line acts as C's terminating NUL,
// and so does a NUL byte in it.
func (p *parser) splitArgs(line []byte) bool {
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	i := 0
	for {
		for at(i) != 0 && isSpace(at(i)) {
			i++
		}
		if at(i) == 0 {
			return true
		}
		start := len(p.inline)
		inDouble, inSingle, done := false, false, false
		for !done {
			c := at(i)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(i+1) == 'x' && isHexDigit(at(i+2)) && isHexDigit(at(i+3)):
					p.inline = append(p.inline, hexValue(at(i+2))<<4|hexValue(at(i+3)))
					i += 3
				case c == '\\' && at(i+1) != 0:
					i++
					switch e := at(i); e {
					case 'n':
						p.inline = append(p.inline, '\n')
					case 'r':
						p.inline = append(p.inline, '\r')
					case 't':
						p.inline = append(p.inline, '\t')
					case 'b':
						p.inline = append(p.inline, '\b')
					case 'a':
						p.inline = append(p.inline, '\a')
					default:
						p.inline = append(p.inline, e)
					}
				case c == '"':
					// The closing quote must be followed by a space or nothing.
					if at(i+1) != 0 && !isSpace(at(i+1)) {
						return false
					}
					done = true
				case c == 0:
					return false // unterminated quotes
				default:
					p.inline = append(p.inline, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					p.inline = append(p.inline, '\'')
				case c == '\'':
					if at(i+1) != 0 && !isSpace(at(i+1)) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					p.inline = append(p.inline, c)
				}
			default:
				// Unlike the blanks skipped between arguments, only these
				// end an unquoted one: '\v' and '\f' are part of it.
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					p.inline = append(p.inline, c)
				}
			}
			if at(i) != 0 {
				i++
			}
		}
		end := len(p.inline)
		p.args = append(p.args, p.inline[start:end:end])
	}
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// findLineEnd returns the index of the first c in line as C's strchr finds
// it in a NUL-terminated copy: -1 if there is none or a NUL byte comes first.
// line starts where the previous search that found nothing started, if any.
func (p *parser) findLineEnd(line []byte, c byte) int {
	if p.lineNUL {
		return -1
	}
	if p.lineScanned > len(line) {
		p.lineScanned = 0 // not the same line: search it all
	}
	rest := line[p.lineScanned:]
	i := bytes.IndexByte(rest, c)
	if i < 0 {
		if bytes.IndexByte(rest, 0) >= 0 {
			p.lineNUL = true
		} else {
			p.lineScanned = len(line)
		}
		return -1
	}
	if bytes.IndexByte(rest[:i], 0) >= 0 {
		p.lineNUL = true
		return -1
	}
	i += p.lineScanned
	p.lineScanned = 0 // the next search is for another line
	return i
}

// string2ll parses s as Redis's string2ll does: an optional '-', then digits
// without leading zeros (except "0" itself), nothing else, within int64.
func string2ll(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 { // LONG_STR_SIZE
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	negative := s[0] == '-'
	if negative {
		s = s[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	if s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if negative {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to math.MinInt64
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// RequestReader reads client requests from a connection into one reusable
// buffer.
type RequestReader struct {
	rd      io.Reader
	bufSize int
	buf     []byte // buf[start:end] is unparsed input; len(buf) == cap(buf)
	start   int
	end     int
	p       parser
	perr    error // protocol error, returned from then on
	rerr    error // read error, returned once the buffered commands are gone
}

// NewRequestReader returns a reader of requests from r. bufSize is the read
// size (DefaultReadBufferSize if <= 0); maxBulk the largest bulk argument
// accepted (Redis's proto-max-bulk-len; DefaultMaxBulkLen if <= 0). The
// client starts authenticated: see SetAuthenticated.
func NewRequestReader(r io.Reader, bufSize int, maxBulk int64) *RequestReader {
	if bufSize <= 0 {
		bufSize = DefaultReadBufferSize
	}
	if maxBulk <= 0 {
		maxBulk = DefaultMaxBulkLen
	}
	return &RequestReader{
		rd:      r,
		bufSize: bufSize,
		buf:     make([]byte, bufSize),
		p:       parser{maxBulk: maxBulk, authenticated: true},
	}
}

// SetAuthenticated(false) applies Redis's limits for unauthenticated clients
// (at most 10 arguments of at most 16384 bytes) to the requests not yet
// parsed. While unauthenticated, ReadBatch returns one command at a time, so
// that a pipelined AUTH lifts the limits for the commands after it, as in
// Redis.
func (r *RequestReader) SetAuthenticated(ok bool) {
	r.p.authenticated = ok
	if ok {
		r.p.maxCmds = 0
	} else {
		r.p.maxCmds = 1
	}
}

// maxEmptyReads bounds successive reads that return neither data nor error.
const maxEmptyReads = 100

// ReadBatch blocks until at least one complete command is buffered (reading
// from r as needed), then returns every complete command currently in the
// buffer, in order. Each command is a slice of args; the arg slices alias the
// internal buffer and are valid only until the next ReadBatch call. If a
// protocol error follows some complete commands in the buffer, ReadBatch
// returns those commands first with a nil error, and the *ProtocolError on
// the next call (and every call after). io errors (EOF) are returned as is,
// once the commands buffered before them have been returned.
func (r *RequestReader) ReadBatch() ([][][]byte, error) {
	empty := 0
	for {
		if r.perr == nil {
			cmds, n, err := r.p.parse(r.buf[r.start:r.end])
			r.start += n
			if err != nil {
				r.perr = err
			}
			if len(cmds) > 0 {
				return cmds, nil
			}
		}
		if r.perr != nil {
			return nil, r.perr
		}
		if r.rerr != nil {
			return nil, r.rerr
		}
		r.makeRoom()
		n, err := r.rd.Read(r.buf[r.end:])
		r.end += n
		switch {
		case err != nil:
			r.rerr = err
		case n > 0:
			empty = 0
		default:
			if empty++; empty >= maxEmptyReads {
				r.rerr = io.ErrNoProgress
			}
		}
	}
}

// makeRoom makes space after r.end for a read. It discards parsed input and,
// when the buffer is full, grows it geometrically, never beyond what the
// argument being read needs: a declared bulk length costs nothing until its
// bytes arrive. A grown buffer goes back to bufSize once it is empty.
func (r *RequestReader) makeRoom() {
	n := r.end - r.start
	if n == 0 && len(r.buf) > r.bufSize {
		r.buf = make([]byte, r.bufSize)
		r.start, r.end = 0, 0
		return
	}
	if r.start > 0 {
		copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	if r.end < len(r.buf) {
		return
	}
	size := 2 * len(r.buf)
	if need := r.p.need(); need > len(r.buf) && need < size {
		size = need
	}
	buf := make([]byte, size)
	copy(buf, r.buf[:r.end])
	r.buf = buf
}
