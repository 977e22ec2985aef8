package engine

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func cacheGet(t *testing.T, d *DB, key string) (string, error) {
	t.Helper()
	tx := d.Begin(t0, false)
	defer tx.Discard()
	var got string
	err := tx.GetFunc(0, []byte(key), func(v []byte) { got = string(v) })
	return got, err
}

func cacheSet(t *testing.T, d *DB, key, value string, expireAt int64) {
	t.Helper()
	mustUpdate(t, d, t0, func(tx *Tx) error {
		_, err := tx.Set(0, []byte(key), []byte(value), SetOptions{ExpireAt: expireAt})
		return err
	})
}

func cachedKeys(d *DB) int {
	d.cache.mu.RLock()
	defer d.cache.mu.RUnlock()
	return len(d.cache.entries)
}

// Every way a value can change reaches a GET that follows it, whether the old value was cached or not.
func TestValueCacheNeverServesAChangedValue(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, d *DB)
		want   string // "" = not found
	}{
		{"SET", func(t *testing.T, d *DB) { cacheSet(t, d, "k", "new", 0) }, "new"},
		{"DEL", func(t *testing.T, d *DB) {
			mustUpdate(t, d, t0, func(tx *Tx) error { _, err := tx.Delete(0, []byte("k")); return err })
		}, ""},
		{"expiry set in the past", func(t *testing.T, d *DB) { cacheSet(t, d, "k", "old", t0-1) }, ""},
		{"FLUSHDB", func(t *testing.T, d *DB) {
			if err := d.FlushDB(0, 0); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"FLUSHALL", func(t *testing.T, d *DB) {
			if err := d.FlushAll(0); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"SWAPDB", func(t *testing.T, d *DB) {
			mustUpdate(t, d, t0, func(tx *Tx) error { return tx.SwapDB(0, 1) })
		}, ""},
		{"restore of an empty snapshot", func(t *testing.T, d *DB) {
			if err := d.Reset(); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openDB(t, testOptions(""))
			cacheSet(t, d, "k", "old", 0)
			if got, err := cacheGet(t, d, "k"); got != "old" || err != nil {
				t.Fatalf("GET = %q, %v", got, err)
			}
			if cachedKeys(d) != 1 {
				t.Fatalf("the value read is not cached (%d entries)", cachedKeys(d))
			}
			c.change(t, d)
			got, err := cacheGet(t, d, "k")
			if c.want == "" {
				if err != ErrNotFound {
					t.Errorf("GET after %s = %q, %v; want not found", c.name, got, err)
				}
			} else if got != c.want || err != nil {
				t.Errorf("GET after %s = %q, %v; want %q", c.name, got, err, c.want)
			}
		})
	}
}

func TestValueCacheHonoursExpiryOfACachedValue(t *testing.T) {
	now := t0
	d := openDB(t, testOptions(""))
	cacheSet(t, d, "k", "v", now+1000)
	read := func(at int64) error {
		tx := d.Begin(at, false)
		defer tx.Discard()
		return tx.GetFunc(0, []byte("k"), func([]byte) {})
	}
	if err := read(now); err != nil {
		t.Fatal(err)
	}
	if cachedKeys(d) != 1 {
		t.Fatal("not cached")
	}
	if err := read(now + 1000); err != ErrNotFound {
		t.Errorf("GET of a cached value once it expired = %v, want ErrNotFound", err)
	}
}

// A Tx begun before a write must not fill the cache with what it read (the write has removed the
// key already), nor read from it.
func TestValueCacheIsNotFilledByATxOlderThanAWrite(t *testing.T) {
	d := openDB(t, testOptions(""))
	cacheSet(t, d, "k", "old", 0)
	old := d.Begin(t0, false)
	defer old.Discard()
	cacheSet(t, d, "k", "new", 0)
	var got string
	if err := old.GetFunc(0, []byte("k"), func(v []byte) { got = string(v) }); err != nil || got != "old" {
		t.Fatalf("old Tx reads %q, %v; want its snapshot's old", got, err)
	}
	if cachedKeys(d) != 0 {
		t.Fatal("a Tx older than the last write filled the cache")
	}
	if got, _ := cacheGet(t, d, "k"); got != "new" {
		t.Errorf("GET = %q, want new", got)
	}
}

func TestValueCacheStaysWithinItsLimit(t *testing.T) {
	const limit = 64 << 10
	d := openDB(t, testOptions("").WithValueCacheSize(limit))
	value := string(make([]byte, 1000))
	for i := range 500 {
		k := fmt.Sprint("k", i)
		cacheSet(t, d, k, value, 0)
		if _, err := cacheGet(t, d, k); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 { // a key read again gets a second chance
			cacheGet(t, d, "k0")
		}
	}
	d.cache.mu.RLock()
	bytes, n, queue := d.cache.bytes, len(d.cache.entries), len(d.cache.queue)-d.cache.head
	_, hot := d.cache.entries[string(metaKey(nil, 0, []byte("k0")))]
	d.cache.mu.RUnlock()
	if bytes > limit || n == 0 {
		t.Errorf("cache holds %d bytes in %d entries, limit %d", bytes, n, limit)
	}
	if !hot {
		t.Error("a key read again and again was evicted")
	}
	if queue > 2*n+1 {
		t.Errorf("queue of %d for %d entries", queue, n)
	}
}

// Values that are written and read again and again leave no garbage behind in the queue.
func TestValueCacheQueueStaysBoundedUnderChurn(t *testing.T) {
	d := openDB(t, testOptions(""))
	for i := range 5000 {
		k := fmt.Sprint("k", i%10)
		cacheSet(t, d, k, strconv.Itoa(i), 0)
		if got, _ := cacheGet(t, d, k); got != strconv.Itoa(i) {
			t.Fatalf("GET %s = %q, want %d", k, got, i)
		}
	}
	d.cache.mu.RLock()
	defer d.cache.mu.RUnlock()
	if q := len(d.cache.queue) - d.cache.head; q > 2048 {
		t.Errorf("queue holds %d slots for %d entries", q, len(d.cache.entries))
	}
}

// Readers that begin after a write has committed see it, or a later one: never an older value,
// whether they reuse a Tx while it is Current (as the server does for a batch) or begin anew.
func TestValueCacheReadsAreNeverOlderThanTheLastCommit(t *testing.T) {
	d := openDB(t, testOptions(""))
	cacheSet(t, d, "k", "0", 0)
	var committed atomic.Int64
	const writes = 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tx *Tx
			defer func() {
				if tx != nil {
					tx.Discard()
				}
			}()
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := committed.Load()
				if tx == nil || !tx.Current() || r == 0 {
					if tx != nil {
						tx.Discard()
					}
					tx = d.Begin(t0, false)
				}
				var got int64
				err := tx.GetFunc(0, []byte("k"), func(v []byte) { got, _ = strconv.ParseInt(string(v), 10, 64) })
				if err != nil || got < floor {
					t.Errorf("read %d (%v) after %d committed", got, err, floor)
					return
				}
			}
		}()
	}
	for i := int64(1); i <= writes; i++ {
		cacheSet(t, d, "k", strconv.FormatInt(i, 10), 0)
		committed.Store(i)
	}
	close(stop)
	wg.Wait()
}
