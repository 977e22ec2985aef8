package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/bench/load"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLiveProgressRedrawsOneLineAndClearsIt(t *testing.T) {
	var out lockedBuffer
	b := &bench{stderr: &out, live: true}
	var p load.Progress
	stop := b.showProgress("[1/2] set c=1 P=1 round 1/1 flin", &p)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "ops/s") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	got := out.String()
	if !strings.HasPrefix(got, "\r\033[K[1/2] set c=1 P=1 round 1/1 flin  ") || !strings.HasSuffix(got, "\r\033[K") {
		t.Fatalf("progress output %q", got)
	}
	if strings.Contains(got, "\n") {
		t.Fatalf("live progress wrote a newline: %q", got)
	}
}

func TestProgressIsSilentWhenNotLive(t *testing.T) {
	var out bytes.Buffer
	b := &bench{stderr: &out}
	b.showProgress("x", &load.Progress{})()
	if out.Len() != 0 {
		t.Fatalf("wrote %q", out.String())
	}
}
