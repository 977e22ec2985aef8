package resp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flin-resp/flin-resp/engine"
	"github.com/flin-resp/flin-resp/raftfsm"
)

// Redis's error replies, byte for byte. Clients match on these.
const (
	errSyntax          = "ERR syntax error"
	errNotInteger      = "ERR value is not an integer or out of range"
	errOverflow        = "ERR increment or decrement would overflow"
	errWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errDBIndex         = "ERR DB index is out of range"
	errNoAuth          = "NOAUTH Authentication required."
	errWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	errNoPassword      = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errNoProto         = "NOPROTO unsupported protocol version"
	errProtoNotInteger = "ERR Protocol version is not an integer or out of range"
	errHelloNoAuth     = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	errTooBig          = "ERR write too large for one transaction"
	errNotLeader       = "ERR this node is not the Raft leader and cannot accept writes"
	errNoLeader        = "CLUSTERDOWN no Raft leader reachable; nothing was applied"
	errShutdown        = "ERR server is shutting down"
)

// Error replies of the strings and bitmap commands (t_string.c, bitops.c).
const (
	errNotFloat         = "ERR value is not a valid float"
	errStringTooLong    = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errNaNOrInf         = "ERR increment would produce NaN or Infinity"
	errBitOffset        = "ERR bit offset is not an integer or out of range"
	errBitValue         = "ERR bit is not an integer or out of range"
	errBitArg           = "ERR The bit argument must be 1 or 0."
	errOffsetRange      = "ERR offset is out of range"
	errDecrOverflow     = "ERR decrement would overflow"
	errBitOpNot         = "ERR BITOP NOT must be called with a single source key."
	errBitFieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitFieldOverflow = "ERR Invalid OVERFLOW type specified"
	errBitFieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
	errLCSKeys          = "ERR The specified keys must contain string values"
	errLCSLenAndIdx     = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong       = "ERR String too long for LCS"
	errLCSNoMemory      = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

func errArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

func errInvalidExpire(name string) string {
	return "ERR invalid expire time in '" + name + "' command"
}

// errUnknownCommand builds Redis's reply to an unknown command, quoting up to 128 bytes of arguments.
func errUnknownCommand(args [][]byte) string {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		a = cstr(a) // Redis formats with %.*s: a NUL ends the argument
		room := 128 - b.Len()
		if len(a) > room {
			a = a[:room]
		}
		fmt.Fprintf(&b, "'%s' ", a)
	}
	name := cstr(args[0])
	if len(name) > 128 {
		name = name[:128]
	}
	return sanitize(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", name, b.String()))
}

func errUnknownSubcommand(sub []byte, cmd string) string {
	sub = cstr(sub)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return sanitize(fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", sub, strings.ToUpper(cmd)))
}

// errSubcommandSyntax is Redis's addReplySubcommandSyntaxError, which DEBUG uses for an unknown
// subcommand or a known one with the wrong number of arguments.
func errSubcommandSyntax(sub []byte, cmd string) string {
	sub = cstr(sub)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return sanitize(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.", sub, strings.ToUpper(cmd)))
}

// sanitize replaces CR and LF, which cannot appear in an error line, with spaces as Redis does. It
// works on bytes: other bytes, valid UTF-8 or not, are kept as they are.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// errorText maps an error from the engine or Raft to the reply a Redis client expects.
func errorText(err error) string {
	switch {
	case errors.Is(err, engine.ErrWrongType):
		return errWrongType
	case errors.Is(err, engine.ErrNotInteger):
		return errNotInteger
	case errors.Is(err, engine.ErrOverflow):
		return errOverflow
	case errors.Is(err, engine.ErrNaNScore):
		return "ERR resulting score is not a number (NaN)"
	case errors.Is(err, engine.ErrBadDB):
		return errDBIndex
	case errors.Is(err, engine.ErrNotFound):
		return errNoSuchKey
	case errors.Is(err, engine.ErrIndexOutOfRange):
		return errListIndexRange
	case errors.Is(err, engine.ErrStringTooLong):
		return errStringTooLong
	case errors.Is(err, engine.ErrNotFloat):
		return errNotFloat
	case errors.Is(err, engine.ErrNaNOrInf):
		return errNaNOrInf
	case errors.Is(err, engine.ErrHashNotInteger):
		return errHashNotInteger
	case errors.Is(err, engine.ErrHashNotFloat):
		return errHashNotFloat
	case errors.Is(err, raftfsm.ErrGetExInvalidExpire):
		return errInvalidExpire("getex")
	case errors.Is(err, raftfsm.ErrTooBig):
		return errTooBig
	case errors.Is(err, raftfsm.ErrReadNotServed):
		return "CLUSTERDOWN the leader stepped down while it applied this read; nothing was written by it, read again"
	case errors.Is(err, raftfsm.ErrNoLeader):
		return errNoLeader
	case errors.Is(err, raftfsm.ErrNotLeader):
		return errNotLeader
	case errors.Is(err, raftfsm.ErrShutdown):
		return errShutdown
	case errors.Is(err, raftfsm.ErrUnknownOutcome):
		return "ERR " + sanitize(err.Error())
	}
	return "ERR " + sanitize(err.Error())
}
