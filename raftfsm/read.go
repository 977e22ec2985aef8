package raftfsm

import (
	"errors"
	"fmt"

	"github.com/flin-resp/flin-resp/engine"
)

// OpRead is a read inside a transaction (MULTI/EXEC): it runs in the entry's engine transaction, so
// it sees the writes queued before it and nothing else. Args: protocol version (1 byte), then the
// command line. Its Result is the reply, encoded by the ReadFunc. Reads change nothing, so a replica
// that is not the leader skips them.
const OpRead Op = 90

// ReadFunc runs a read command in tx on logical database db and returns its encoded reply, for
// protocol version proto (2 or 3). The RESP front end provides it (Node.SetReader); it must not
// write through tx and must not block.
type ReadFunc func(tx *engine.Tx, db int, proto int, args [][]byte) []byte

// ErrReadNotServed answers a read of an entry applied on a node that no longer leads (see applyRead).
var ErrReadNotServed = errors.New("raftfsm: this node stopped leading while it applied the read")

// ReadCommand builds the OpRead command for args run on db with protocol proto.
func ReadCommand(db, proto int, args [][]byte) Command {
	return Command{Op: OpRead, DB: db, Args: append([][]byte{{byte(proto)}}, args...)}
}

// applyRead runs an OpRead through the reader when this replica's answer can matter.
func (f *FSM) applyRead(tx *engine.Tx, c Command) Result {
	if len(c.Args) < 2 || len(c.Args[0]) != 1 {
		return Result{Kind: ResultErr, Err: fmt.Errorf("raftfsm: read with %d args: %w", len(c.Args), ErrBadCommand)}
	}
	read := f.reader.Load()
	if read == nil {
		return Result{Kind: ResultNil}
	}
	if !f.answering() {
		// Only the leader's results reach a client, so the others skip the work. A leader that
		// steps down while it applies may still answer a proposal of its own: with an error, never
		// a made-up reply.
		return Result{Kind: ResultErr, Err: ErrReadNotServed}
	}
	return Result{Kind: ResultRaw, Bytes: (*read)(tx, c.DB, int(c.Args[0][0]), c.Args[1:])}
}

// answering reports whether the results of applied entries can reach a client: only the leader's do.
func (f *FSM) answering() bool {
	isLeader := f.isLeader.Load()
	return isLeader == nil || (*isLeader)()
}
