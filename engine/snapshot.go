package engine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	badger "github.com/dgraph-io/badger/v4"
)

var snapshotMagic = []byte("FLINSNAP1\n")

// Snapshot is a point-in-time view of the whole engine, for Raft snapshots and backups.
type Snapshot struct {
	txn     *badger.Txn
	applied uint64
}

// Snapshot captures the engine as it is now. Call it while no write Tx is open (as Raft does, between
// applies); the returned view may then be written out while writes go on. Release it when done.
func (d *DB) Snapshot() *Snapshot {
	return &Snapshot{txn: d.bdb.NewTransaction(false), applied: d.applied.Load()}
}

// Applied is the applied index the snapshot holds.
func (s *Snapshot) Applied() uint64 { return s.applied }

// Release frees the snapshot's read transaction.
func (s *Snapshot) Release() { s.txn.Discard() }

// WriteTo streams the snapshot: a magic line, then length-prefixed key/value records.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countingWriter{w: bw}
	if _, err := cw.Write(snapshotMagic); err != nil {
		return cw.n, err
	}
	it := s.txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	var hdr []byte
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		err := item.Value(func(v []byte) error {
			hdr = binary.AppendUvarint(hdr[:0], uint64(len(item.Key())))
			hdr = binary.AppendUvarint(hdr, uint64(len(v)))
			for _, b := range [][]byte{hdr, item.Key(), v} {
				if _, err := cw.Write(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return cw.n, fmt.Errorf("engine: write snapshot: %w", err)
		}
	}
	return cw.n, bw.Flush()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Restore replaces the whole engine with a snapshot written by Snapshot.WriteTo. The applied index is
// written last, so a restore cut short leaves the engine behind any snapshot and is redone.
func (d *DB) Restore(r io.Reader) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || !bytes.Equal(magic, snapshotMagic) {
		return fmt.Errorf("engine: restore: not a flin-resp snapshot")
	}
	if err := d.bdb.DropAll(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	wb := d.bdb.NewWriteBatch()
	defer wb.Cancel()
	var applied []byte
	for {
		klen, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
		vlen, err := binary.ReadUvarint(br)
		if err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
		if klen > 1<<20 || vlen > 1<<31 {
			return fmt.Errorf("engine: restore: corrupt record (key %d bytes, value %d bytes)", klen, vlen)
		}
		kv := make([]byte, klen+vlen)
		if _, err := io.ReadFull(br, kv); err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
		k, v := kv[:klen], kv[klen:]
		if bytes.Equal(k, keyApplied) {
			applied = v
			continue
		}
		if err := wb.Set(k, v); err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	if applied != nil {
		if err := d.bdb.Update(func(txn *badger.Txn) error { return txn.Set(keyApplied, applied) }); err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
	}
	if err := d.bdb.Sync(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	for i := range d.counts {
		d.counts[i].Store(0)
	}
	return d.loadSystem()
}
