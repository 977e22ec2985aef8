package resp

import (
	"crypto/subtle"
	"math"
	"strconv"

	"github.com/flin-resp/flin-resp/engine"
)

// redisVersion is the Redis version flin-resp answers as: the command set it follows.
const redisVersion = "7.0.0"

func connectionCommands() []*command {
	return []*command{
		{name: "ping", arity: -1, flags: flagFast | flagStale, group: "connection", summary: "Returns the server's liveliness response.", run: cmdPing},
		{name: "echo", arity: 2, flags: flagFast, group: "connection", summary: "Returns the given string.", run: cmdEcho},
		{name: "quit", arity: -1, flags: flagFast | flagNoAuth | flagStale | flagLoading | flagTxControl, group: "connection", summary: "Closes the connection.", run: cmdQuit},
		{name: "hello", arity: -1, flags: flagFast | flagNoAuth | flagStale | flagLoading, group: "connection", summary: "Handshakes with the Redis server.", run: cmdHello},
		{name: "auth", arity: -2, flags: flagFast | flagNoAuth | flagStale | flagLoading, group: "connection", summary: "Authenticates the connection.", run: cmdAuth},
		{name: "select", arity: 2, flags: flagFast | flagLoading | flagStale, group: "connection", summary: "Changes the selected database.", run: cmdSelect},
		{name: "client", arity: -2, flags: flagStale | flagLoading, group: "connection", summary: "A container for client connection commands.", run: cmdClient},
	}
}

func cmdPing(c *Conn, args [][]byte) {
	switch len(args) {
	case 1:
		c.w.Status("PONG")
	case 2:
		c.w.Bulk(args[1])
	default:
		c.w.Error(errArity("ping"))
	}
}

func cmdEcho(c *Conn, args [][]byte) { c.w.Bulk(args[1]) }

func cmdQuit(c *Conn, _ [][]byte) {
	c.w.OK()
	c.quit = true
}

// checkPassword authenticates the default user. user may be nil (AUTH <password>).
func (c *Conn) checkPassword(user, pass []byte) string {
	if user != nil && string(user) != "default" { // user names are case-sensitive
		return errWrongPass
	}
	want := *c.srv.live.requirePass.Load()
	if want == "" {
		if user == nil {
			return errNoPassword
		}
		return "" // the default user has no password: anything goes, as in Redis
	}
	if subtle.ConstantTimeCompare(pass, []byte(want)) != 1 {
		return errWrongPass
	}
	return ""
}

func (c *Conn) setAuthenticated() {
	c.authed = true
	c.rd.SetAuthenticated(true)
}

func cmdAuth(c *Conn, args [][]byte) {
	var user, pass []byte
	switch len(args) {
	case 2:
		pass = args[1]
	case 3:
		user, pass = args[1], args[2]
	default:
		c.w.Error(errSyntax)
		return
	}
	if e := c.checkPassword(user, pass); e != "" {
		c.w.Error(e)
		return
	}
	c.setAuthenticated()
	c.w.OK()
}

// cmdHello implements HELLO [protover [AUTH username password] [SETNAME clientname]] as Redis 7.0
// does: options take effect one by one, in order, so an AUTH or SETNAME stands even when a later
// option is refused (SETNAME even before the client is authenticated).
func cmdHello(c *Conn, args [][]byte) {
	proto := c.w.Protocol()
	if len(args) >= 2 {
		v, ok := engine.ParseInt(args[1])
		if !ok {
			c.w.Error(errProtoNotInteger)
			return
		}
		if v != 2 && v != 3 {
			c.w.Error(errNoProto)
			return
		}
		proto = int(v)
	}
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch {
		case equalFold(args[i], "auth") && more >= 2:
			if e := c.checkPassword(args[i+1], args[i+2]); e != "" {
				c.w.Error(e)
				return
			}
			c.setAuthenticated()
			i += 2
		case equalFold(args[i], "setname") && more >= 1:
			if e := validClientName(args[i+1]); e != "" {
				c.w.Error(e)
				return
			}
			c.setName(string(args[i+1])) // at once, even if HELLO then fails, as in Redis 7.0
			i++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + sanitize(string(cstr(args[i]))) + "'")
			return
		}
	}
	if !c.authed && c.srv.authRequired() {
		c.w.Error(errHelloNoAuth)
		return
	}
	c.w.SetProtocol(proto)
	c.w.Map(7)
	c.w.BulkString("server")
	c.w.BulkString("redis")
	c.w.BulkString("version")
	c.w.BulkString(redisVersion)
	c.w.BulkString("proto")
	c.w.Int(int64(proto))
	c.w.BulkString("id")
	c.w.Int(c.id)
	c.w.BulkString("mode")
	c.w.BulkString("standalone")
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.Array(0)
}

func cmdSelect(c *Conn, args [][]byte) {
	n, ok := engine.ParseInt(args[1])
	if !ok {
		c.w.Error(errNotInteger)
		return
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		// Redis reads the index into a C int first.
		c.w.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
		return
	}
	if n < 0 || n >= int64(c.srv.db.Databases()) {
		c.w.Error(errDBIndex)
		return
	}
	c.db = int(n)
	c.w.OK()
}

func lower(b []byte) string {
	out := []byte(string(b))
	for i, ch := range out {
		if 'A' <= ch && ch <= 'Z' {
			out[i] = ch + 'a' - 'A'
		}
	}
	return string(out)
}

// itoa formats an int for INFO and CONFIG.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
