package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flin-resp/flin-resp/bench/resp"
)

// Prefill options: MSET commands of up to prefillBatch keys (and at most about prefillBytes of
// values), prefillDepth of them in flight on each of prefillConns connections.
const (
	prefillConns = 8
	prefillDepth = 4
	prefillBatch = 100
	prefillBytes = 1 << 20
)

// Prefill writes value to every key of keys, so that reads hit. It uses MSET, which both Redis and
// flin-resp apply as one write per command.
func Prefill(ctx context.Context, addr string, keys Keys, value []byte) error {
	batch := max(1, min(prefillBatch, prefillBytes/max(1, len(value))))
	batches := (keys.Count + batch - 1) / batch
	var next atomic.Int64 // next batch to claim
	var wg sync.WaitGroup
	errs := make(chan error, prefillConns)
	for w := 0; w < prefillConns; w++ {
		conn, err := resp.Dial(ctx, addr, 5*time.Second)
		if err != nil {
			return fmt.Errorf("prefill: %w", err)
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stop()
			defer conn.Close()
			if err := prefillConn(conn, keys, value, batch, batches, &next); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := <-errs; err != nil {
		return fmt.Errorf("prefill: %w", err)
	}
	return nil
}

func prefillConn(conn *resp.Conn, keys Keys, value []byte, batch, batches int, next *atomic.Int64) error {
	verb := []byte("MSET")
	args := make([][]byte, 0, 1+2*batch)
	names := make([]byte, 0, batch*(len(keys.Prefix)+20))
	for {
		sent := 0
		for ; sent < prefillDepth; sent++ {
			b := int(next.Add(1) - 1)
			if b >= batches {
				break
			}
			args, names = append(args[:0], verb), names[:0]
			for k := b * batch; k < min((b+1)*batch, keys.Count); k++ {
				from := len(names)
				names = keys.Append(names, k)
				args = append(args, names[from:len(names):len(names)], value)
			}
			if err := conn.WriteArgs(args...); err != nil {
				return err
			}
		}
		if sent == 0 {
			return nil
		}
		if err := conn.Flush(); err != nil {
			return err
		}
		for i := 0; i < sent; i++ {
			r, err := conn.ReadReply()
			if err != nil {
				return err
			}
			if r.IsError() {
				return fmt.Errorf("MSET: %s", r.Text)
			}
		}
	}
}
