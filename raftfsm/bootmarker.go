package raftfsm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/raft"
)

// The running marker closes the power-loss gap of an engine that commits without syncing (see
// DESIGN.md, "Durability"). The engine's memtable logs are written but not fsynced at each commit;
// after a power loss an older log can lose its tail while a newer one keeps a higher applied
// index, and the engine would then claim entries it no longer has. A crash of the process alone
// cannot do that (the operating system keeps every byte written), a reboot can.
//
// So a node writes Dir/running holding the machine's boot id when it starts, and removes it after
// a clean stop, once the engine is fully synced. A start that finds the marker with another boot
// id knows the machine went down while the node ran: it does not trust the engine, restores the
// latest snapshot (taken after a full sync of the engine, so complete), or empties the engine when
// there is none, and lets Raft apply the log from there. Raft keeps every entry after its latest
// snapshot, so nothing in the log is lost; in everysec mode the log itself may have lost its last
// second, and the engine then matches what the log kept.
const runningMarker = "running"

// bootIDPath holds an id the Linux kernel draws at every boot.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// ReadBootID returns the machine's boot id (Linux: /proc/sys/kernel/random/boot_id).
func ReadBootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", errors.New("raftfsm: empty boot id")
	}
	return id, nil
}

// recoverEngine brings the engine to a state it can trust before Raft starts: after an unclean
// stop on an earlier boot, from the latest snapshot (or empty); otherwise it catches up with the
// latest snapshot only if the engine is behind it. Then it writes the running marker.
func (n *Node) recoverEngine(snaps raft.SnapshotStore) error {
	if !n.stores.onDisk() {
		return nil // memory: nothing survives a restart, there is nothing to distrust
	}
	path := filepath.Join(n.cfg.Dir, runningMarker)
	boot, err := n.cfg.BootID()
	if err != nil {
		// Without a boot id a crash cannot be told from a reboot: take every unclean stop for one.
		n.cfg.Logger.Warn("cannot read the boot id; every unclean stop will restore the latest snapshot", "err", err)
		boot = ""
	}
	prev, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = n.catchUpFromSnapshot(snaps)
	case err != nil:
		return fmt.Errorf("raftfsm: read running marker: %w", err)
	case boot == "" || strings.TrimSpace(string(prev)) != boot:
		n.cfg.Logger.Warn("the machine restarted while this node was running (power loss or kernel crash?); "+
			"restoring the engine from the latest snapshot and replaying the Raft log",
			"marker_boot_id", strings.TrimSpace(string(prev)), "boot_id", boot)
		err = n.restoreLatest(snaps)
	default:
		err = n.catchUpFromSnapshot(snaps) // a crash of the process: the engine has every byte it wrote
	}
	if err != nil {
		return err
	}
	return writeFileSynced(path, []byte(boot+"\n"))
}

// restoreLatest replaces the engine with the latest snapshot, or empties it when there is none (then
// Raft has never truncated its log, and applies it all). A restore cut short leaves the marker as it
// was, so the next start restores again.
func (n *Node) restoreLatest(snaps raft.SnapshotStore) error {
	list, err := snaps.List()
	if err != nil {
		return fmt.Errorf("raftfsm: list snapshots: %w", err)
	}
	if len(list) == 0 {
		if err := n.db.Reset(); err != nil {
			return fmt.Errorf("raftfsm: empty the engine: %w", err)
		}
		n.cfg.Logger.Warn("no snapshot yet: emptied the engine; Raft applies the whole log")
		return nil
	}
	_, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return fmt.Errorf("raftfsm: open snapshot: %w", err)
	}
	if err := n.fsm.Restore(rc); err != nil {
		return fmt.Errorf("raftfsm: restore snapshot %s: %w", list[0].ID, err)
	}
	n.cfg.Logger.Warn("restored the latest snapshot; Raft applies the log after it",
		"snapshot_index", list[0].Index, "engine_applied", n.db.Applied())
	return nil
}

// markCleanStop syncs the engine fully and removes the running marker: from now on the engine on
// disk is complete whatever happens to the machine. Call it once Raft has stopped applying.
func (n *Node) markCleanStop() error {
	if !n.stores.onDisk() {
		return nil
	}
	if err := n.db.Sync(); err != nil {
		return fmt.Errorf("raftfsm: sync engine at stop: %w", err)
	}
	if err := os.Remove(filepath.Join(n.cfg.Dir, runningMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("raftfsm: remove running marker: %w", err)
	}
	return syncDir(n.cfg.Dir)
}

// writeFileSynced replaces path with data durably: a temporary file, fsynced, renamed over path,
// and the directory fsynced.
func writeFileSynced(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("raftfsm: write %s: %w", filepath.Base(path), err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
