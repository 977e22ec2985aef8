package engine

import "bytes"

// Reset empties the engine, applied index included, durably: as restoring a snapshot of nothing.
func (d *DB) Reset() error {
	empty := append(append([]byte(nil), snapshotMagic...), 0) // magic, applied index 0, no records
	return d.Restore(bytes.NewReader(empty))
}
