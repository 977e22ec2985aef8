package resp

import (
	"encoding/hex"

	"github.com/flin-resp/flin-resp/engine"
)

func debugCommand() *command {
	return &command{name: "debug", arity: -2, flags: flagAdmin | flagLoading | flagStale, group: "server",
		summary: "A container for debugging commands (DIGEST, DIGEST-VALUE).", run: cmdDebug}
}

// debugHelp is what DEBUG HELP lists after its header line: the subcommands implemented, in Redis's
// words.
var debugHelp = []string{
	"DIGEST",
	"    Output a hex signature representing the current DB content.",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of the values of all the specified keys.",
	"HELP",
	"    Prints this help.",
}

// cmdDebug implements DEBUG DIGEST, DEBUG DIGEST-VALUE key... and DEBUG HELP, with Redis's digest
// (engine/digest.go). Both read this node's own engine, whatever the connection's read consistency:
// their purpose is to compare replicas, so each node must answer from its own copy. Unlike Redis,
// DEBUG needs no enable-debug-command: these subcommands only read.
func cmdDebug(c *Conn, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "help") && len(args) == 2:
		c.w.Array(len(debugHelp) + 1)
		c.w.Status("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
		for _, l := range debugHelp {
			c.w.Status(l)
		}
	case equalFold(sub, "digest") && len(args) == 2:
		kd, err := c.srv.db.Digest()
		if err != nil {
			c.w.Error(errorText(err))
			return
		}
		c.w.Status(hex.EncodeToString(kd.Sum[:]))
	case equalFold(sub, "digest-value"):
		digests := make([]engine.Digest, len(args)-2)
		err := c.srv.db.View(func(tx *engine.Tx) error {
			for i, key := range args[2:] {
				var err error
				if digests[i], err = tx.DigestValue(c.db, key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			c.w.Error(errorText(err))
			return
		}
		c.w.Array(len(digests))
		for _, d := range digests {
			c.w.Status(hex.EncodeToString(d[:]))
		}
	default:
		c.w.Error(errSubcommandSyntax(sub, "debug"))
	}
}
