//go:build unix

package raftfsm

import (
	"errors"
	"net"
	"syscall"
)

// connAlive reports whether an idle pooled connection is still usable: the peer has not closed it
// and has sent nothing unasked. It peeks without blocking, so reusing a connection the leader closed
// (a restart) fails before a request is written, not after, when the outcome would be unknown.
func connAlive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && alive
}
