package resp

import (
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseRequests checks that parsing never panics, never consumes more
// than it was given, that the parsed commands survive re-encoding as
// multibulk, and that a RequestReader reading the same bytes in chunks of
// any size yields the same commands and error.
//
// Run with go test -fuzz=FuzzParseRequests -fuzztime=60s ./resp/
func FuzzParseRequests(f *testing.F) {
	seeds := []string{
		"",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
		"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
		"*2\r\n$1\r\naXY$1\r\nbZZ",
		"*1\rX$1\rYa\r\n",
		"*0\r\n*-1\r\n",
		"*2147483647\r\n$1\r\na\r\n",
		"*1\r\n$3\r\nfo",
		"PING\r\nSET k v\n\r\n   \n",
		"set \"a b\" '\\'c' \"\\x41\\n\\q\" foo\"bar baz\"\n",
		"\"a\"b\r\n",
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
		"*11\r\n",
		"*1\r\n:1\r\n",
		"*1\r\n\n\r\n",
		"*1\r\n$-2\r\n",
		"*1\r\n$01\r\na\r\n",
		"*1\r\n$99999999999999999999\r\n",
		"*1\r\n$536870913\r\n",
		"*1\r\n$16385\r\n",
		"PING\r\n*1\r\n$1\r\na\r\n*x\r\n",
		strings.Repeat("a", 64<<10+1),
		"*" + strings.Repeat("1", 64<<10),
		"*1\r\n$" + strings.Repeat("1", 64<<10),
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i%7), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, buf []byte, chunk uint8, authenticated bool) {
		cmds, consumed, err := ParseRequests(buf, DefaultMaxBulkLen, authenticated)
		if consumed < 0 || consumed > len(buf) {
			t.Fatalf("consumed %d of %d bytes", consumed, len(buf))
		}
		if err != nil {
			if _, ok := err.(*ProtocolError); !ok {
				t.Fatalf("error %T is not a *ProtocolError", err)
			}
		}
		want := strs(cmds)

		// Re-encoded as multibulk, the commands parse back to themselves.
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
		if got := strs(again); !reflect.DeepEqual(got, want) {
			t.Fatalf("re-encoded commands parse to %q, want %q", got, want)
		}

		// Chunked reads give the same result. The 64 KiB limits depend on
		// how much is buffered, as in Redis, so only small inputs compare.
		if len(buf) > 64<<10 {
			return
		}
		size := int(chunk)%16 + 1
		var chunks [][]byte
		for rest := buf; len(rest) > 0; {
			k := min(size, len(rest))
			chunks = append(chunks, rest[:k])
			rest = rest[k:]
		}
		rr := NewRequestReader(&chunkReader{chunks: chunks}, size, DefaultMaxBulkLen)
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
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("reader in chunks of %d: got %q, want %q", size, got, want)
		}
		if err == nil {
			err = io.EOF
		}
		if !reflect.DeepEqual(rerr, err) {
			t.Fatalf("reader in chunks of %d: err %v, want %v", size, rerr, err)
		}
	})
}
