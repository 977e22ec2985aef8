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

var snapshotMagic = []byte("FLINSNAP2\n")

// Snapshot is a point-in-time view of the whole engine, for Raft snapshots and backups.
type Snapshot struct {
	txn     *badger.Txn
	it      *badger.Iterator
	applied uint64
}

// Snapshot captures the engine as it is now. Call it while no write Tx is open (as Raft does, between
// applies); the returned view may then be written out while writes go on. Release it when done.
func (d *DB) Snapshot() *Snapshot {
	txn := d.bdb.NewTransaction(false)
	// Open the iterator now: it pins the current tables, which a later DropPrefix (FLUSHDB) would
	// otherwise take away from under the read transaction.
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256})
	return &Snapshot{txn: txn, it: it, applied: d.applied.Load()}
}

// Applied is the applied index the snapshot holds.
func (s *Snapshot) Applied() uint64 { return s.applied }

// Release frees the snapshot's read transaction.
func (s *Snapshot) Release() {
	s.it.Close()
	s.txn.Discard()
}

// WriteTo streams the snapshot, once: a magic line, the applied index (uvarint), then length-prefixed
// key/value records.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countingWriter{w: bw}
	if _, err := cw.Write(binary.AppendUvarint(append([]byte(nil), snapshotMagic...), s.applied)); err != nil {
		return cw.n, err
	}
	it := s.it
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

// SnapshotApplied reads the applied index from the start of a snapshot written by Snapshot.WriteTo.
func SnapshotApplied(r io.Reader) (uint64, error) {
	return readSnapshotHeader(bufio.NewReader(r))
}

func readSnapshotHeader(br *bufio.Reader) (uint64, error) {
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || !bytes.Equal(magic, snapshotMagic) {
		return 0, fmt.Errorf("engine: not a flin-resp snapshot")
	}
	applied, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, fmt.Errorf("engine: snapshot header: %w", err)
	}
	return applied, nil
}

// Restore replaces the whole engine with a snapshot written by Snapshot.WriteTo. The applied index is
// written last, so a restore cut short leaves the engine behind any snapshot and is redone.
func (d *DB) Restore(r io.Reader) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	d.writing()
	defer d.wrote()
	d.cache.clear()
	d.metas.clear()
	br := bufio.NewReaderSize(r, 1<<20)
	if _, err := readSnapshotHeader(br); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	if err := d.bdb.DropAll(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	if err := d.load(br); err != nil {
		// Whatever made it in is incomplete, and the applied index (written last) is not there:
		// make the counters say so, so the next boot restores again.
		if lerr := d.loadSystem(); lerr != nil {
			return errors.Join(err, lerr)
		}
		return err
	}
	for i := range d.counts {
		d.counts[i].Store(0)
	}
	return d.loadSystem()
}

// load bulk-loads snapshot records and writes the applied index last.
func (d *DB) load(br *bufio.Reader) error {
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
		// Read as the bytes arrive: a corrupt length must not allocate gigabytes up front.
		kv, err := io.ReadAll(io.LimitReader(br, int64(klen+vlen)))
		if err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
		if uint64(len(kv)) != klen+vlen {
			return fmt.Errorf("engine: restore: %w", io.ErrUnexpectedEOF)
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
	// The data must be durable before the applied index that vouches for it: otherwise a power loss
	// could keep the index (in the newest memtable log) and lose data (in an older one).
	if err := d.Sync(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	if applied != nil {
		if err := d.bdb.Update(func(txn *badger.Txn) error { return txn.Set(keyApplied, applied) }); err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("engine: restore: %w", err)
	}
	return nil
}
