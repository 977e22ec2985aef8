package resp

import (
	"strings"

	"github.com/flin-resp/flin-resp/engine"
)

// CLIENT and its subcommands (subcommands.go), as Redis 7.0 answers them, plus Redis 7.2's SETINFO
// and NO-TOUCH, which clients send on connect. Every client is a normal client of the default
// user: there are no replicas, masters or pub/sub clients to list or kill by type.

// cmdClient runs only when a subcommand is missing, which the arity check refuses first.
func cmdClient(c *Conn, _ [][]byte) { c.w.Error(errArity("client")) }

func cmdClientID(c *Conn, _ [][]byte) { c.w.Int(c.id) }

func cmdClientGetName(c *Conn, _ [][]byte) {
	if name := c.getName(); name != "" {
		c.w.BulkString(name)
	} else {
		c.w.Null()
	}
}

func validClientName(name []byte) string {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}

func cmdClientSetName(c *Conn, args [][]byte) {
	if e := validClientName(args[2]); e != "" {
		c.w.Error(e)
		return
	}
	c.setName(string(args[2]))
	c.w.OK()
}

// cmdClientSetInfo implements CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2).
func cmdClientSetInfo(c *Conn, args [][]byte) {
	var ver bool
	switch {
	case equalFold(args[2], "lib-name"):
	case equalFold(args[2], "lib-ver"):
		ver = true
	default:
		c.w.Error("ERR Unrecognized option '" + sanitize(string(args[2])) + "'")
		return
	}
	if validClientName(args[3]) != "" {
		c.w.Error("ERR " + lower(args[2]) + " cannot contain spaces, newlines or special characters.")
		return
	}
	c.setLib(ver, string(args[3]))
	c.w.OK()
}

// cmdClientGetRedir answers -1: client-side caching (tracking) is not supported.
func cmdClientGetRedir(c *Conn, _ [][]byte) { c.w.Int(-1) }

// cmdClientTrackingInfo answers as Redis does for a connection without tracking.
func cmdClientTrackingInfo(c *Conn, _ [][]byte) {
	c.w.Map(3)
	c.w.BulkString("flags")
	c.w.Set(1)
	c.w.BulkString("off")
	c.w.BulkString("redirect")
	c.w.Int(-1)
	c.w.BulkString("prefixes")
	c.w.Array(0)
}

// onOff parses ON or OFF.
func onOff(arg []byte) (on, ok bool) {
	switch {
	case equalFold(arg, "on"):
		return true, true
	case equalFold(arg, "off"):
		return false, true
	}
	return false, false
}

// cmdClientNoEvict accepts CLIENT NO-EVICT ON|OFF: nothing is evicted here, clients included.
func cmdClientNoEvict(c *Conn, args [][]byte) {
	on, ok := onOff(args[2])
	if !ok {
		c.w.Error(errSyntax)
		return
	}
	c.noEvict.Store(on)
	c.w.OK()
}

// cmdClientNoTouch accepts CLIENT NO-TOUCH ON|OFF (Redis 7.2): access times are not tracked here,
// so no command touches them anyway.
func cmdClientNoTouch(c *Conn, args [][]byte) {
	on, ok := onOff(args[2])
	if !ok {
		c.w.Error(errSyntax)
		return
	}
	c.noTouch.Store(on)
	c.w.OK()
}

// argvMem is the size of a command's arguments (CLIENT LIST's argv-mem of the asking client).
func argvMem(args [][]byte) int {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return n
}

func cmdClientInfo(c *Conn, args [][]byte) {
	var b strings.Builder
	c.clientInfo(&b, true, argvMem(args))
	b.WriteByte('\n')
	c.w.Verbatim("txt", b.String())
}

// clientTypeMatches reports whether a client (every one here is normal) is of the type Redis's
// getClientTypeByName names, and whether the name is one.
func clientTypeMatches(name []byte) (match, known bool) {
	switch {
	case equalFold(name, "normal"):
		return true, true
	case equalFold(name, "master"), equalFold(name, "slave"), equalFold(name, "replica"), equalFold(name, "pubsub"):
		return false, true
	}
	return false, false
}

func errUnknownClientType(name []byte) string {
	return "ERR Unknown client type '" + sanitize(string(cstr(name))) + "'"
}

// cmdClientList implements CLIENT LIST [TYPE type | ID id...].
func cmdClientList(c *Conn, args [][]byte) {
	var list []*Conn
	switch {
	case len(args) == 2:
		list = c.srv.clients()
	case len(args) == 4 && equalFold(args[2], "type"):
		match, known := clientTypeMatches(args[3])
		if !known {
			c.w.Error(errUnknownClientType(args[3]))
			return
		}
		if match {
			list = c.srv.clients()
		}
	case len(args) > 3 && equalFold(args[2], "id"):
		byID := map[int64]*Conn{}
		for _, o := range c.srv.clients() {
			byID[o.id] = o
		}
		for _, a := range args[3:] {
			id, ok := engine.ParseInt(a)
			if !ok {
				c.w.Error("ERR Invalid client ID")
				return
			}
			if o := byID[id]; o != nil {
				list = append(list, o)
			}
		}
	default:
		c.w.Error(errSyntax)
		return
	}
	var b strings.Builder
	for _, o := range list {
		if o == c {
			o.clientInfo(&b, true, argvMem(args))
		} else {
			o.clientInfo(&b, false, 0)
		}
		b.WriteByte('\n')
	}
	c.w.Verbatim("txt", b.String())
}

// killFilter is what CLIENT KILL selects.
type killFilter struct {
	addr, laddr       string
	hasAddr, hasLaddr bool
	id                int64 // 0: any
	noneOfType        bool  // TYPE names a type no client has (master, replica, pubsub)
	skipMe            bool
}

// parseKillFilter parses CLIENT KILL's arguments after KILL as Redis 7.0 does: one argument is an
// address (the old form, which may kill the caller); more are option-value pairs, checked in
// order. It returns the error reply for bad ones.
func parseKillFilter(args [][]byte) (f killFilter, errReply string) {
	f.skipMe = true
	if len(args) == 1 {
		return killFilter{addr: string(args[0]), hasAddr: true}, ""
	}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return f, errSyntax
		}
		opt, v := args[i], args[i+1]
		switch {
		case equalFold(opt, "id"):
			id, ok := engine.ParseInt(v)
			if !ok || id < 1 {
				return f, "ERR client-id should be greater than 0"
			}
			f.id = id
		case equalFold(opt, "type"):
			match, known := clientTypeMatches(v)
			if !known {
				return f, errUnknownClientType(v)
			}
			f.noneOfType = !match
		case equalFold(opt, "addr"):
			f.addr, f.hasAddr = string(v), true
		case equalFold(opt, "laddr"):
			f.laddr, f.hasLaddr = string(v), true
		case equalFold(opt, "user"):
			if string(v) != "default" { // the only user; names are case-sensitive
				return f, "ERR No such user '" + sanitize(string(cstr(v))) + "'"
			}
		case equalFold(opt, "skipme"):
			switch {
			case equalFold(v, "yes"):
				f.skipMe = true
			case equalFold(v, "no"):
				f.skipMe = false
			default:
				return f, errSyntax
			}
		default:
			return f, errSyntax
		}
	}
	return f, ""
}

// matches reports whether f selects o; self is the connection asking.
func (f *killFilter) matches(o, self *Conn) bool {
	return !f.noneOfType && (!f.hasAddr || o.raddr == f.addr) && (!f.hasLaddr || o.laddr == f.laddr) &&
		(f.id == 0 || o.id == f.id) && !(f.skipMe && o == self)
}

// cmdClientKill implements CLIENT KILL addr and CLIENT KILL option value [option value ...]. The
// old form answers OK or "No such client", the new one the number of clients killed. A client
// that kills itself gets the reply, then its connection is closed.
func cmdClientKill(c *Conn, args [][]byte) {
	f, e := parseKillFilter(args[2:])
	if e != "" {
		c.w.Error(e)
		return
	}
	killed := 0
	for _, o := range c.srv.clients() {
		if !f.matches(o, c) {
			continue
		}
		if o == c {
			c.quit = true // closed once this reply is written
		} else {
			c.srv.killClient(o)
		}
		killed++
	}
	switch {
	case len(args) > 3:
		c.w.Int(int64(killed))
	case killed == 0:
		c.w.Error("ERR No such client")
	default:
		c.w.OK()
	}
}

// cmdClientUnblock implements CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client waiting in a blocking
// command gets the timeout reply, or an UNBLOCKED error, at once.
func cmdClientUnblock(c *Conn, args [][]byte) {
	asError := false
	switch {
	case len(args) > 4:
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + sanitize(string(cstr(args[1]))) + "'. Try CLIENT HELP.")
		return
	case len(args) == 4 && equalFold(args[3], "error"):
		asError = true
	case len(args) == 4 && !equalFold(args[3], "timeout"):
		c.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		return
	}
	id, ok := engine.ParseInt(args[2])
	if !ok {
		c.w.Error(errNotInteger)
		return
	}
	for _, o := range c.srv.clients() {
		if o.id == id && o.blocked.Load() {
			select {
			case o.unblock <- asError:
			default: // already being unblocked
			}
			c.w.Int(1)
			return
		}
	}
	c.w.Int(0)
}

func cmdClientHelp(c *Conn, _ [][]byte) {
	writeHelp(c, "CLIENT", []string{
		"GETNAME",
		"    Return the name of the current connection.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled (always -1: no tracking).",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"    * ID <client-id> [<client-id> ...]",
		"      Return clients of specified IDs only.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <LIB-NAME|LIB-VER> <value>",
		"    Set the client library name or version.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		"NO-TOUCH (ON|OFF)",
		"    Will not touch LRU/LFU stats when this mode is on.",
	})
}
