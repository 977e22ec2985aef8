package resp

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/redcon"
)

// Writer appends replies in RESP2 or RESP3 to a byte slice, with the bytes
// Redis 7.0 sends. The zero value writes RESP2 to an empty buffer.
type Writer struct {
	buf   []byte
	resp3 bool
	nerr  int          // error replies written
	onErr func(string) // told of each error reply (INFO errorstats), if set
}

// SetProtocol selects the protocol version: 3 for RESP3, anything else RESP2.
func (w *Writer) SetProtocol(p int) { w.resp3 = p == 3 }

// Protocol returns the protocol version, 2 or 3.
func (w *Writer) Protocol() int {
	if w.resp3 {
		return 3
	}
	return 2
}

// Bytes returns the replies written so far. The slice aliases the buffer: it
// is valid until the next write, Reset or Truncate.
func (w *Writer) Bytes() []byte { return w.buf }

// Reset empties the buffer, keeping its capacity.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Len returns the number of bytes written.
func (w *Writer) Len() int { return len(w.buf) }

// Truncate drops everything written after the first n bytes. It panics if n
// is negative or greater than Len, as bytes.Buffer.Truncate does.
func (w *Writer) Truncate(n int) {
	if n < 0 || n > len(w.buf) {
		panic("resp: Writer.Truncate out of range")
	}
	w.buf = w.buf[:n]
}

// OK writes the status reply "+OK".
func (w *Writer) OK() { w.buf = redcon.AppendOK(w.buf) }

// Status writes a status (simple string) reply; '\r' and '\n' become spaces.
func (w *Writer) Status(s string) { w.buf = redcon.AppendString(w.buf, s) }

// Error writes an error reply with msg as given, e.g. "ERR syntax error" or
// "WRONGTYPE ...": a protocol error is written as "ERR " + err.Error(). Like
// Redis's addReplyErrorFormat, it trims '\r' and '\n' from both ends of msg
// and turns the ones inside into spaces.
func (w *Writer) Error(msg string) {
	msg = strings.Trim(msg, "\r\n")
	w.buf = redcon.AppendError(w.buf, msg)
	w.countError(msg)
}

// countError counts an error reply written (INFO errorstats).
func (w *Writer) countError(msg string) {
	w.nerr++
	if w.onErr != nil {
		w.onErr(msg)
	}
}

// Int writes an integer reply.
func (w *Writer) Int(n int64) { w.buf = redcon.AppendInt(w.buf, n) }

// Bulk writes a bulk string reply.
func (w *Writer) Bulk(b []byte) { w.buf = redcon.AppendBulk(w.buf, b) }

// BulkString writes a bulk string reply.
func (w *Writer) BulkString(s string) { w.buf = redcon.AppendBulkString(w.buf, s) }

// Null writes a null reply: "$-1" in RESP2, "_" in RESP3.
func (w *Writer) Null() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = redcon.AppendNull(w.buf)
}

// NullArray writes a null array reply: "*-1" in RESP2, "_" in RESP3.
func (w *Writer) NullArray() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array writes the header of an array of n elements.
func (w *Writer) Array(n int) { w.buf = redcon.AppendArray(w.buf, n) }

// Map writes the header of a map of n key-value pairs: "%n" in RESP3, an
// array of 2n elements in RESP2.
func (w *Writer) Map(n int) {
	if w.resp3 {
		w.buf = appendHeader(w.buf, '%', n)
		return
	}
	w.buf = redcon.AppendArray(w.buf, 2*n)
}

// Set writes the header of a set of n elements: "~n" in RESP3, an array in
// RESP2.
func (w *Writer) Set(n int) {
	if w.resp3 {
		w.buf = appendHeader(w.buf, '~', n)
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// Double writes a floating point reply as Redis 7.0's addReplyDouble does:
// "%.17g" (3.14 is "3.1400000000000001"), infinities as "inf" and "-inf". In
// RESP3 it is a double (","), in RESP2 a bulk string.
func (w *Writer) Double(f float64) {
	if w.resp3 {
		w.buf = append(w.buf, ',')
		w.buf = appendDouble(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.buf = redcon.AppendBulk(w.buf, appendDouble(tmp[:0], f))
}

// appendDouble appends f as C's printf("%.17g") does with glibc, which Go's
// 'g' format with precision 17 matches except for infinities and NaN.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// Bool writes a boolean reply: "#t"/"#f" in RESP3, the integer 1/0 in RESP2.
func (w *Writer) Bool(b bool) {
	switch {
	case w.resp3 && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.resp3:
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.buf = redcon.AppendInt(w.buf, 1)
	default:
		w.buf = redcon.AppendInt(w.buf, 0)
	}
}

// Verbatim writes a verbatim string reply: in RESP3 "=" with format ("txt",
// "mkd") padded with spaces or cut to three bytes, as Redis's
// addReplyVerbatim does; in RESP2 a bulk string of s.
func (w *Writer) Verbatim(format, s string) {
	if !w.resp3 {
		w.buf = redcon.AppendBulkString(w.buf, s)
		return
	}
	w.buf = appendHeader(w.buf, '=', len(s)+4)
	if i := strings.IndexByte(format, 0); i >= 0 {
		format = format[:i] // C string
	}
	for i := range 3 {
		if i < len(format) {
			w.buf = append(w.buf, format[i])
		} else {
			w.buf = append(w.buf, ' ')
		}
	}
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// Raw writes b as it is; b must be complete RESP frames.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Reply writes one encoded reply, counting it as an error reply (INFO errorstats) if it is one.
func (w *Writer) Reply(b []byte) {
	if len(b) > 0 && b[0] == '-' {
		w.countError(strings.TrimSuffix(string(b[1:]), "\r\n"))
	}
	w.Raw(b)
}

// appendHeader appends a frame header: the type byte, n and "\r\n".
func appendHeader(b []byte, typ byte, n int) []byte {
	b = append(b, typ)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}
