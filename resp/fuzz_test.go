package resp

import (
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Limits lowered for fuzzing, so that small inputs reach every branch: the
// 64 KiB line limit becomes fuzzLineMax bytes, proto-max-bulk-len fuzzMaxBulk.
const (
	fuzzLineMax = 40
	fuzzMaxBulk = 100
)

// FuzzParseRequests checks that parsing never panics and never consumes more
// than it was given, that the parsed commands survive re-encoding as
// multibulk, and that a RequestReader reading the same bytes in chunks of
// any size yields the same commands and error.
//
// Run with go test -run '^$' -fuzz=FuzzParseRequests -fuzztime=60s ./resp/
func FuzzParseRequests(f *testing.F) {
	seeds := []string{
		"",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
		"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
		"*1\r\n$6\r\na\r\n\x00\xffb\r\n",
		"*2\r\n$1\r\naXY$1\r\nbZZ",
		"*1\rX$1\rYa\r\n",
		"*0\r\n*-1\r\n",
		"*2147483647\r\n$1\r\na\r\n",
		"*1\r\n$3\r\nfo",
		"PING\r\nSET k v\n\r\n   \n",
		"set \"a b\" '\\'c' \"\\x41\\n\\q\" f\"b z\"\n",
		"\"\\xAb\\xfF\\r\\t\\b\\a\"\n",
		"\"a\"b\r\n",
		"'a'b\n",
		"*-\r\n",
		"*-9223372036854775808\r\n",
		"*-9223372036854775809\r\n",
		"*9223372036854775808\r\n",
		"*18446744073709551616\r\n",
		"*123456789012345678901\r\n",
		"*1\n$1\r\na\r\n",
		"'abc\r\n",
		"\"abc\\\n",
		"a\vb\fc \v\r\n",
		"PING\x00\r\n",
		"*1\x00\r\n$1\r\na\r\n",
		"*abc\r\n",
		"*+1\r\n",
		"*01\r\n",
		"*-0\r\n",
		"*2147483648\r\n",
		"*11\r\n$1\r\na\r\n",
		"*1\r\n:1\r\n",
		"*1\r\n\n\r\n",
		"*1\r\n$-2\r\n",
		"*1\r\n$01\r\na\r\n",
		"*1\r\n$99999999999999999999\r\n",
		"*1\r\n$101\r\n",
		"*1\r\n$16385\r\n",
		"PING\r\n*1\r\n$1\r\na\r\n*x\r\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // too big inline request
		"*1111111111111111111111111111111111111111", // too big mbulk count string
		"*1\r\n$1111111111111111111111111111111111111111",      // too big bulk count string
		"a\x00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", // NUL hides the newline
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i%16), true)
		f.Add([]byte(s), uint8(i%5), false)
	}
	f.Fuzz(func(t *testing.T, buf []byte, chunk uint8, authenticated bool) {
		// The entry point, with Redis's limits.
		cmds, consumed, err := ParseRequests(buf, DefaultMaxBulkLen, authenticated)
		checkParse(t, buf, cmds, consumed, err)

		// The parser with lowered limits, alone and behind a reader.
		p := parser{maxBulk: fuzzMaxBulk, authenticated: authenticated, lineMax: fuzzLineMax}
		cmds, consumed, err = p.parse(buf)
		checkParse(t, buf, cmds, consumed, err)
		want := strs(cmds)
		if err == nil {
			err = io.EOF
		}

		size := int(chunk)%16 + 1
		var chunks [][]byte
		for rest := buf; len(rest) > 0; {
			k := min(size, len(rest))
			chunks = append(chunks, rest[:k])
			rest = rest[k:]
		}
		rr := NewRequestReader(&chunkReader{chunks: chunks}, size, fuzzMaxBulk)
		rr.p.lineMax = fuzzLineMax
		rr.SetAuthenticated(authenticated)
		var got [][]string
		var rerr error
		for {
			batch, e := rr.ReadBatch()
			if e != nil {
				rerr = e
				break
			}
			got = append(got, strs(batch)...)
		}
		if pe, ok := rerr.(*ProtocolError); ok && strings.HasPrefix(pe.Msg, "too big") {
			// As in Redis, a line fails once more than the limit of it is
			// buffered without its end, even if the end would follow.
			if len(got) > len(want) || len(got) > 0 && !reflect.DeepEqual(got, want[:len(got)]) {
				t.Fatalf("reader in chunks of %d: got %q, want a prefix of %q", size, got, want)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("reader in chunks of %d: got %q, want %q", size, got, want)
		}
		if !reflect.DeepEqual(rerr, err) {
			t.Fatalf("reader in chunks of %d: err %v, want %v", size, rerr, err)
		}
	})
}

// checkParse checks one parse of buf: consumed is within buf, err is a
// protocol error, and the commands re-encoded as multibulk parse back to
// themselves.
func checkParse(t *testing.T, buf []byte, cmds [][][]byte, consumed int, err error) {
	t.Helper()
	if consumed < 0 || consumed > len(buf) {
		t.Fatalf("consumed %d of %d bytes", consumed, len(buf))
	}
	if _, ok := err.(*ProtocolError); err != nil && !ok {
		t.Fatalf("error %T is not a *ProtocolError", err)
	}
	var enc []byte
	for _, c := range cmds {
		if len(c) == 0 {
			t.Fatal("a command without arguments was returned")
		}
		enc = append(enc, '*')
		enc = strconv.AppendInt(enc, int64(len(c)), 10)
		enc = append(enc, '\r', '\n')
		for _, a := range c {
			enc = append(enc, '$')
			enc = strconv.AppendInt(enc, int64(len(a)), 10)
			enc = append(enc, '\r', '\n')
			enc = append(enc, a...)
			enc = append(enc, '\r', '\n')
		}
	}
	again, n, err2 := ParseRequests(enc, DefaultMaxBulkLen, true)
	if err2 != nil || n != len(enc) {
		t.Fatalf("re-encoded commands: consumed %d of %d, err %v", n, len(enc), err2)
	}
	if got, want := strs(again), strs(cmds); !reflect.DeepEqual(got, want) {
		t.Fatalf("re-encoded commands parse to %q, want %q", got, want)
	}
}
