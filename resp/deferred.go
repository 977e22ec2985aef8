package resp

import "bytes"

// Deferred reads: in a pipelined batch, a fast read that comes after queued writes does not split
// them into two Raft entries. It waits, and runs on this connection (with the value cache, in
// parallel with other connections) once the entry holding the writes around it has been applied;
// its reply still goes out in its place. That is only right if no write after it in the batch
// touches what it reads, so a write to one of its keys, or a write whose keys are not known from
// its arguments (SWAPDB, FLUSHDB, ZUNIONSTORE...), first proposes the writes before it and runs
// the reads. A read may then see writes of other clients committed after the writes before it: it
// is concurrent with them, as every command of a pipeline is with those of other connections.

// maxDeferredKeys bounds the keys the deferred reads of a batch hold, so that checking a write
// against them stays cheap; past it a read proposes the writes before it, as without deferral.
const maxDeferredKeys = 64

// deferredReads are the reads waiting for the pending writes of a batch.
type deferredReads struct {
	reads []deferredRead
	keys  [][]byte // the keys they read
	next  int      // the first read not run yet
}

type deferredRead struct {
	cmd    *command
	args   [][]byte // valid until the batch ends (flushWrites runs before the next read)
	before int      // the number of pending writes before it
}

// deferRead queues cmd to run after the pending writes, when it may (see above).
func (c *Conn) deferRead(cmd *command, args [][]byte) bool {
	d := &c.deferred
	if len(c.pending) == 0 || cmd.flags&(flagReadOnly|flagFast) != flagReadOnly|flagFast ||
		cmd.firstKey <= 0 || cmd.step <= 0 || cmd.getKeys != nil {
		return false
	}
	first, last := keyRange(cmd, len(args))
	if last < first || len(d.keys)+(last-first)/cmd.step+1 > maxDeferredKeys {
		return false
	}
	for i := first; i <= last; i += cmd.step {
		d.keys = append(d.keys, args[i])
	}
	d.reads = append(d.reads, deferredRead{cmd: cmd, args: args, before: len(c.pending)})
	return true
}

// touchesDeferredReads reports whether the write cmd args may change what a deferred read reads.
// Keys are compared by name in every database (MOVE and COPY ... DB name one key in two).
func (c *Conn) touchesDeferredReads(cmd *command, args [][]byte) bool {
	d := &c.deferred
	if len(d.keys) == 0 {
		return false
	}
	if cmd.firstKey <= 0 || cmd.getKeys != nil || cmd.step <= 0 {
		return true
	}
	first, last := keyRange(cmd, len(args))
	for i := first; i <= last; i += cmd.step {
		for _, k := range d.keys {
			if bytes.Equal(args[i], k) {
				return true
			}
		}
	}
	return false
}

// keyRange returns the positions of cmd's first and last key in a call with n arguments.
func keyRange(cmd *command, n int) (first, last int) {
	last = cmd.lastKey
	if last < 0 {
		last += n
	}
	return cmd.firstKey, min(last, n-1)
}

// runDeferredReads runs, in order, the deferred reads that come before pending write i, or all that
// are left when i is -1; after all of them it forgets them.
func (c *Conn) runDeferredReads(i int) {
	d := &c.deferred
	for d.next < len(d.reads) && (i < 0 || d.reads[d.next].before <= i) {
		r := d.reads[d.next]
		d.reads[d.next] = deferredRead{}
		d.next++
		c.runRead(r.cmd, r.args)
	}
	if i < 0 {
		clear(d.keys)
		d.reads, d.keys, d.next = d.reads[:0], d.keys[:0], 0
	}
}
