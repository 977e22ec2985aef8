package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sync makes every committed write durable.
//
// Badger's own Sync is not enough with SyncWrites=false: it syncs only the active memtable's log
// and the newest value-log file. A memtable that filled up and is waiting to be flushed to a table
// keeps its writes in its own log (NNNNN.mem), which Badger never syncs (the table it becomes is
// synced, and the log then deleted); likewise a value-log file that was rotated. Without syncing
// those, a power loss after a Raft snapshot could lose applied writes whose log entries Raft has
// since truncated, while the applied index (in the newer, synced memtable log) claims them. So
// Sync also fsyncs every memtable log and value-log file, and the directory that names them.
func (d *DB) Sync() error {
	if err := d.bdb.Sync(); err != nil {
		return err
	}
	if d.opts.InMemory {
		return nil
	}
	return syncLogFiles(d.opts.Dir)
}

// syncLogFiles fsyncs Badger's memtable logs and value-log files in dir, then dir itself. A file
// Badger deletes meanwhile (a memtable log once flushed) needs no sync.
func syncLogFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("engine: sync: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".mem") && !strings.HasSuffix(name, ".vlog") {
			continue
		}
		if err := syncPath(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("engine: sync: %w", err)
		}
	}
	if err := syncPath(dir); err != nil {
		return fmt.Errorf("engine: sync: %w", err)
	}
	return nil
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
