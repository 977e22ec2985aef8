package engine

// Key lookups made by read transactions are counted as hits (a live key) or misses, for Redis's
// INFO keyspace_hits and keyspace_misses. Writes (the FSM's transactions) are not counted: Redis
// counts the lookups of read commands.

func (tx *Tx) countLookup(live bool) {
	if tx.write && !tx.countReads {
		return
	}
	if live {
		tx.db.hits.Add(1)
	} else {
		tx.db.misses.Add(1)
	}
}

// CountLookups makes a write Tx count its key lookups in KeyspaceStats while on is set, as a read
// Tx does: for a read command run inside a write's transaction (a read queued in MULTI), which a
// client sees as a read.
func (tx *Tx) CountLookups(on bool) { tx.countReads = on }

// KeyspaceStats returns the key lookups of read transactions that found a live key (hits) and
// that did not (misses), since the engine opened or ResetKeyspaceStats.
func (d *DB) KeyspaceStats() (hits, misses int64) { return d.hits.Load(), d.misses.Load() }

// ResetKeyspaceStats sets both KeyspaceStats counters to zero (CONFIG RESETSTAT).
func (d *DB) ResetKeyspaceStats() {
	d.hits.Store(0)
	d.misses.Store(0)
}
