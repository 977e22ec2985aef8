package resp

import (
	"context"
	"errors"
	"time"

	"github.com/flin-resp/flin-resp/raftfsm"
)

// Cluster is what the cluster commands (RAFT, CLUSTER, INFO replication) and read consistency need of
// the node; raftfsm.Node is one. A Proposer that is not a Cluster (tests) serves a single node with
// every read local.
type Cluster interface {
	// ReadBarrier returns once a read of the local engine may be served at level.
	ReadBarrier(ctx context.Context, level raftfsm.ReadLevel) error
	// Members lists the latest configuration; Leader the member taken for the leader.
	Members() []raftfsm.Member
	Leader() (raftfsm.Member, bool)
	// AddVoter, RemoveServer and TransferLeadership change the cluster (forwarded to the leader).
	AddVoter(id, addr string) error
	RemoveServer(id string) error
	TransferLeadership(id string) error
	// Peers asks the other members how far they are (INFO replication, CLUSTER SHARDS/NODES).
	Peers(timeout time.Duration) []raftfsm.PeerStatus
	// Behind reports whether this node knows it has not applied an index it needed (ReadBarrier
	// then answers raftfsm.ErrBehind).
	Behind() bool
}

// peersTimeout bounds how long INFO or CLUSTER waits for a member that does not answer.
const peersTimeout = 300 * time.Millisecond

// Read consistency per connection: the server's level (--read-consistency) until the connection
// changes it with RAFT CONSISTENCY, READONLY (stale, as a Redis replica serves a READONLY
// connection) or READWRITE (back to the server's level). Before the first read command of each batch
// read from the socket, the connection waits at the node's read barrier for its level; the other
// reads of the batch are served without asking again: they were all sent before the barrier, and the
// connection's own writes in between are applied here before their replies (raftfsm.Node.Propose).

// readBarrier is called before a read of the local engine (WATCH's). It reports whether the read
// may go ahead; if not, it has written the error reply.
func (c *Conn) readBarrier() bool {
	if c.barrier() {
		return true
	}
	c.w.Error(c.barrierErr)
	return false
}

// runRead runs a read command at the connection's consistency: on the local engine once the
// batch's barrier has passed, or, on a follower that is catching up, as a read proposed through
// the log, which the leader answers.
func (c *Conn) runRead(cmd *command, args [][]byte) {
	switch {
	case c.barrier():
		c.call(cmd, args)
	case c.behind:
		c.readThroughLog(cmd, args)
	default:
		c.w.Error(c.barrierErr)
	}
}

// barrier passes the batch's read barrier once; false means the batch may not read the local
// engine (c.barrierErr says why, c.behind whether it may read through the log).
func (c *Conn) barrier() bool {
	if c.barrierErr != "" {
		return false
	}
	if c.barrierDone || c.srv.cluster == nil || c.consistency == raftfsm.ReadStale {
		return true
	}
	if err := c.srv.cluster.ReadBarrier(context.Background(), c.consistency); err != nil {
		// Fail the batch's other reads at once rather than wait for each.
		c.barrierErr = readBarrierError(c.consistency, err)
		c.behind = errors.Is(err, raftfsm.ErrBehind)
		return false
	}
	c.barrierDone = true
	return true
}

// readThroughLog runs a read as an OpRead entry: the leader applies it in log order and sends
// back its reply. It costs a log append (and fsync) but needs nothing of this node's data.
func (c *Conn) readThroughLog(cmd *command, args [][]byte) {
	c.srv.stats.readsThroughLog.Add(1)
	start, n := monotime(), c.w.Len()
	results, err := c.srv.proposer.Propose(time.Now().UnixMilli(),
		[]raftfsm.Command{raftfsm.ReadCommand(c.db, c.w.Protocol(), args)})
	switch {
	case err != nil:
		c.w.Error(errorText(err))
	case len(results) != 1:
		c.w.Error("ERR internal error: a read through the log got no reply")
	default:
		c.writeResult(results[0])
	}
	cmd.stats.record(monotime()-start, c.w.Len() > n && c.w.Bytes()[n] == '-')
}

// newBatch is called when a new batch of commands has been read.
func (c *Conn) newBatch() {
	c.barrierDone, c.barrierErr, c.behind = false, "", false
}

func readBarrierError(level raftfsm.ReadLevel, err error) string {
	switch {
	case errors.Is(err, raftfsm.ErrShutdown):
		return errShutdown
	case errors.Is(err, raftfsm.ErrBehind):
		return "CLUSTERDOWN this node is catching up with the leader and cannot serve this " +
			level.String() + " read yet; RAFT CONSISTENCY stale (or READONLY) reads its data as it is"
	}
	// Retrying a read is always safe: CLUSTERDOWN is a prefix clients retry.
	return "CLUSTERDOWN no Raft leader confirmed this " + level.String() +
		" read; RAFT CONSISTENCY stale (or READONLY) reads this node's data as it is"
}

// cmdReadOnly implements READONLY: this connection reads the local node's data as it is.
func cmdReadOnly(c *Conn, _ [][]byte) {
	c.consistency = raftfsm.ReadStale
	c.w.OK()
}

// cmdReadWrite implements READWRITE: back to the server's read consistency.
func cmdReadWrite(c *Conn, _ [][]byte) {
	c.consistency = c.srv.cfg.ReadConsistency
	c.w.OK()
}
