package gen

import "strings"

// Kind is the type of value a family's commands expect at a key. Each kind has a few keys of its
// own; the commands of a family mostly use those, sometimes the shared keys every family uses,
// and sometimes any key at all, so that some commands meet keys of the wrong type.
type Kind int

const (
	Str Kind = iota
	Hash
	List
	Set
	ZSet
	Counter // strings that hold numbers, for INCR and the like
)

var kindPrefix = [...]string{Str: "s", Hash: "h", List: "l", Set: "t", ZSet: "z", Counter: "n"}

const keysPerKind = 6

// oddKeys are keys any command may get: empty, binary, with a hash tag, long.
var oddKeys = []string{"", "bin\x00\r\n\xff", "{tag}k", "long:" + strings.Repeat("L", 60)}

func sharedKey(i int) string { return "k" + Itoa(i) }

const sharedKeys = 8

// Key returns any key of the key space.
func (g *G) Key() string {
	n := len(kindPrefix)*keysPerKind + sharedKeys
	if g.OneIn(12) {
		return g.Pick(oddKeys...)
	}
	i := g.IntN(n)
	if i < sharedKeys {
		return sharedKey(i)
	}
	i -= sharedKeys
	return kindPrefix[i/keysPerKind] + Itoa(i%keysPerKind)
}

// KeyOf returns a key for a command that expects a value of kind k.
func (g *G) KeyOf(k Kind) string {
	switch n := g.IntN(20); {
	case n < 15:
		return kindPrefix[k] + Itoa(g.IntN(keysPerKind))
	case n < 19:
		return sharedKey(g.IntN(sharedKeys))
	default:
		return g.Key()
	}
}

// KeyPair returns two keys for RENAME, COPY and the like: mostly meant for the same kind.
func (g *G) KeyPair() (string, string) {
	if g.OneIn(5) {
		return g.Key(), g.Key()
	}
	k := Kind(g.IntN(len(kindPrefix)))
	return g.KeyOf(k), g.KeyOf(k)
}

// KeysOf returns between lo and hi keys for kind k (repeats possible).
func (g *G) KeysOf(k Kind, lo, hi int) []string {
	out := make([]string, g.Between(lo, hi))
	for i := range out {
		out[i] = g.KeyOf(k)
	}
	return out
}

// Pattern returns a glob pattern for KEYS and SCAN MATCH.
func (g *G) Pattern() string {
	return g.Pick("*", "k*", "s?", "[hln]*", "*1", "h[1-3]", "[^k]*", "\\*", "", "bin*", "{tag}*",
		"*[", "z[a-", "?", "??????*")
}

// Value returns a value from the shared value space: integers, floats, empty, binary, long and
// short words.
func (g *G) Value() string {
	switch g.IntN(14) {
	case 0, 1, 12, 13:
		return Itoa(g.Between(-5, 20))
	case 2:
		return g.Pick("9223372036854775807", "-9223372036854775808", "9223372036854775808", "-0",
			"007", "+1", "1 ", " 1", "12345678901234567890", "-9223372036854775809")
	case 3:
		return g.Pick("1.5", "-0.25", "3e2", "1e-5", "inf", "-inf", "0.1", "10.50", "1.7976931348623157e308", "nan", "5.")
	case 4:
		return ""
	case 5:
		return g.Pick("\x00", "a\r\nb", "\xff\xfe\x00", "\r\n", "é")
	case 6:
		return g.Pick(g.long...)
	default:
		return g.Pick("a", "b", "c", "foo", "bar", "hello world", "v1", "x", "abcabc")
	}
}

// Elem returns a list element from a small space, so that LREM, LPOS and LINSERT find it.
func (g *G) Elem() string {
	if g.OneIn(10) {
		return g.Value()
	}
	return g.Pick("a", "b", "c", "d", "e", "1", "2", "")
}

// Member returns a set or sorted-set member: small integers (intset encoding) and short strings.
func (g *G) Member() string {
	switch n := g.IntN(10); {
	case n < 4:
		return Itoa(g.Between(0, 12))
	case n < 9:
		return g.Pick("a", "b", "c", "d", "e", "f", "g")
	default:
		return g.Value()
	}
}

// Members returns between lo and hi members.
func (g *G) Members(lo, hi int) []string {
	out := make([]string, g.Between(lo, hi))
	for i := range out {
		out[i] = g.Member()
	}
	return out
}

// Field returns a hash field.
func (g *G) Field() string {
	if g.OneIn(12) {
		return g.Pick("", g.long[0], "\x00f", "1")
	}
	return "f" + Itoa(g.IntN(6))
}

// Incr returns an integer increment: mostly small, sometimes at the limits of int64, sometimes
// not an integer.
func (g *G) Incr() string {
	switch n := g.IntN(20); {
	case n < 15:
		return Itoa(g.Between(-10, 10))
	case n < 18:
		return g.Pick("9223372036854775807", "-9223372036854775808", "4611686018427387904", "-4611686018427387904")
	default:
		return g.Pick("1.5", "x", "", "9223372036854775808", " 1", "+1")
	}
}

// FloatIncr returns an increment for INCRBYFLOAT and HINCRBYFLOAT.
func (g *G) FloatIncr() string {
	switch n := g.IntN(20); {
	case n < 12:
		return g.Pick("0.1", "-1.5", "3", "1e3", "2.5e-3", "-0", "0", "10.5", "-7")
	case n < 16:
		return Itoa(g.Between(-10, 10))
	default:
		return g.Pick("inf", "-inf", "nan", "x", "", "1e400", "1.7976931348623157e308", "0x10", " 1")
	}
}

// Index returns an index into a list, string or range: mostly small, positive or negative.
func (g *G) Index() string {
	switch n := g.IntN(20); {
	case n < 17:
		return Itoa(g.Between(-8, 8))
	case n < 19:
		return g.Pick("9223372036854775807", "-9223372036854775808", "100", "-100")
	default:
		return g.Pick("x", "1.5", "", "9223372036854775808")
	}
}

// Count returns a COUNT argument: mostly small, sometimes zero, negative, huge or invalid.
func (g *G) Count() string {
	switch n := g.IntN(20); {
	case n < 15:
		return Itoa(g.Between(1, 5))
	case n < 18:
		return g.Pick("0", "-1", "100", "9223372036854775807")
	default:
		return g.Pick("x", "1.5", "", "-9223372036854775808")
	}
}

// DB returns a database index: mostly 0 to 3, sometimes out of range or invalid.
func (g *G) DB() string {
	switch n := g.IntN(40); {
	case n < 37:
		return Itoa(g.IntN(4))
	case n < 38:
		return "15"
	default:
		return g.Pick("16", "-1", "x", "1.5", "")
	}
}

// ExpireSeconds returns a relative expiry in seconds: long enough never to expire during a run,
// or zero or negative (the key is deleted at once, or the time refused), or invalid.
func (g *G) ExpireSeconds() string {
	switch n := g.IntN(20); {
	case n < 16:
		return Itoa(g.Between(1000, 100000))
	case n < 18:
		return g.Pick("0", "-1", "-100")
	default:
		return g.Pick("x", "1.5", "", "9223372036854775807", "-9223372036854775808", "9223372036854775")
	}
}

// ExpireMillis is ExpireSeconds in milliseconds.
func (g *G) ExpireMillis() string {
	switch n := g.IntN(20); {
	case n < 16:
		return Itoa(g.Between(1000000, 100000000))
	case n < 18:
		return g.Pick("0", "-1", "-100000")
	default:
		return g.Pick("x", "1.5", "", "9223372036854775807", "-9223372036854775808")
	}
}

// farFuture is 2100-01-01 in Unix seconds: absolute expiries after it never happen during a run
// and do not depend on when the run happens.
const farFuture = 4102444800

// UnixSeconds returns an absolute expiry in Unix seconds: after 2100, or invalid, or, if past is
// set, in the past. Only commands that delete a key at once when its time has passed may get a
// past time (EXPIREAT, GETEX): Redis 7.0 keeps a key SET with a past EXAT until its expiry
// cycle finds it, which DBSIZE and INFO would show at a time that depends on the run.
func (g *G) UnixSeconds(past bool) string {
	switch n := g.IntN(20); {
	case n < 15 || n < 18 && !past:
		return Itoa(farFuture + g.IntN(1000000))
	case n < 18:
		return g.Pick("1", "1000000000", "0", "-1")
	default:
		return g.Pick("x", "", "9223372036854775807", "9223372036854775")
	}
}

// UnixMillis is UnixSeconds in milliseconds.
func (g *G) UnixMillis(past bool) string {
	switch n := g.IntN(20); {
	case n < 15 || n < 18 && !past:
		return Itoa(farFuture*1000 + g.IntN(1000000000))
	case n < 18:
		return g.Pick("1", "1000000000000", "0", "-1")
	default:
		return g.Pick("x", "", "9223372036854775807", "1.5")
	}
}

// Shuffle puts groups of arguments in random order and flattens them.
func (g *G) Shuffle(groups ...[]string) []string {
	g.r.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	var out []string
	for _, gr := range groups {
		out = append(out, gr...)
	}
	return out
}

// Opt returns args with probability p, nil otherwise.
func (g *G) Opt(p float64, args ...string) []string {
	if g.Chance(p) {
		return args
	}
	return nil
}

// Cat concatenates argument lists.
func Cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Args is a shorthand for a literal argument list.
func Args(a ...string) []string { return a }
