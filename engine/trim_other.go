//go:build !linux

package engine

import (
	"errors"
	"log/slog"
)

// MappedFileTrimmer keeps the resident pages of Badger's mapped files under a limit; Linux only.
type MappedFileTrimmer struct{}

// StartMappedFileTrimmer is not supported on this system.
func StartMappedFileTrimmer(dir string, limit int64, log *slog.Logger) (*MappedFileTrimmer, error) {
	return nil, errors.New("engine: trimming mapped files needs Linux (MADV_PAGEOUT)")
}

// Stop does nothing.
func (t *MappedFileTrimmer) Stop() {}

// PagedOut returns 0, 0.
func (t *MappedFileTrimmer) PagedOut() (bytes, passes int64) { return 0, 0 }
