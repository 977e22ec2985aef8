package compat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flin-resp/flin-resp/compat_test/harness"
)

// TestOversizedKeysAndMembersAreAnErrorReply: Badger takes keys of at most 65000 bytes, and a key
// or collection member becomes part of one. A longer one is an error reply (Redis takes up to
// 512 MB); the server must go on serving (it used to stop: the apply failed as if the disk had).
func TestOversizedKeysAndMembersAreAnErrorReply(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, "")
	c := newTestClient(t, s.Addr, 1)
	ctx := context.Background()
	huge := strings.Repeat("k", 70000)
	for name, cmd := range map[string]func() error{
		"SET with a 70000-byte key":        func() error { return c.Set(ctx, huge, "v", 0).Err() },
		"SADD of a 70000-byte member":      func() error { return c.SAdd(ctx, "s", huge).Err() },
		"HSET of a 70000-byte field":       func() error { return c.HSet(ctx, "h", huge, "v").Err() },
		"ZADD of a 70000-byte member":      func() error { return c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: huge}).Err() },
		"SET with a 70000-byte key and EX": func() error { return c.Set(ctx, huge, "v", 100e9).Err() },
	} {
		if err := cmd(); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("%s: %v, want a too-large error", name, err)
		}
	}
	if err := c.Set(ctx, strings.Repeat("k", 60000), "v", 0).Err(); err != nil {
		t.Errorf("SET with a 60000-byte key: %v", err)
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 1 {
		t.Errorf("DBSIZE = %d (%v), want 1 (the 60000-byte key)", n, err)
	}
}
