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
}

// peersTimeout bounds how long INFO or CLUSTER waits for a member that does not answer.
const peersTimeout = 300 * time.Millisecond

// Read consistency per connection: the server's level (--read-consistency) until the connection
// changes it with RAFT CONSISTENCY, READONLY (stale, as a Redis replica serves a READONLY
// connection) or READWRITE (back to the server's level). Before the first read command of each batch
// read from the socket, the connection waits at the node's read barrier for its level; the other
// reads of the batch are served without asking again: they were all sent before the barrier, and the
// connection's own writes in between are applied here before their replies (raftfsm.Node.Propose).

// readBarrier is called before a read command runs. It reports whether the read may go ahead; if
// not, it has written the error reply.
func (c *Conn) readBarrier() bool {
	if c.barrierErr != "" {
		c.w.Error(c.barrierErr)
		return false
	}
	if c.barrierDone || c.srv.cluster == nil || c.consistency == raftfsm.ReadStale {
		return true
	}
	if err := c.srv.cluster.ReadBarrier(context.Background(), c.consistency); err != nil {
		// Fail the batch's other reads at once rather than wait for each.
		c.barrierErr = readBarrierError(c.consistency, err)
		c.w.Error(c.barrierErr)
		return false
	}
	c.barrierDone = true
	return true
}

// newBatch is called when a new batch of commands has been read.
func (c *Conn) newBatch() {
	c.barrierDone = false
	c.barrierErr = ""
}

func readBarrierError(level raftfsm.ReadLevel, err error) string {
	if errors.Is(err, raftfsm.ErrShutdown) {
		return errShutdown
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
