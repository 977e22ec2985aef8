package engine

import (
	"sync"
	"sync/atomic"
)

// valueCache keeps string values read recently, so that a GET of a hot key is a map lookup instead
// of a Badger read (which allocates seven times and copies an inline value twice; a value in the
// value log is read from there). It is bounded in bytes and evicts in insertion order, giving a
// second chance to entries read since they were last considered (CLOCK).
//
// Consistency: a read may use the cache only through a Tx that is Current, and may fill it only
// while its Tx is still Current, checked under the cache's lock. A write starts by making every Tx
// not Current (DB.writing) and then, under the same lock, removes the keys it changes, before
// Badger makes it visible. So an entry is never older than what a new Tx would read: a value read
// before the write is either refused (the Tx is no longer Current) or inserted before the write's
// removal, which then takes it out.
type valueCache struct {
	limit int64

	mu      sync.RWMutex
	entries map[string]*cachedValue
	queue   []*cachedValue // insertion order; removed entries stay until they reach the front
	head    int            // queue[head] is the oldest
	dead    int            // removed entries still in the queue
	bytes   int64
}

type cachedValue struct {
	key      string // the meta key: physical database and user key
	value    []byte // never written once cached: readers share it
	expireAt int64
	used     atomic.Bool // read since eviction last looked at it
	removed  bool        // guarded by valueCache.mu
}

// cacheEntryOverhead approximates the bytes an entry costs beyond its key and value: the struct, the
// map slot and the queue slot.
const cacheEntryOverhead = 96

func newValueCache(limit int64) *valueCache {
	if limit <= 0 {
		return nil
	}
	return &valueCache{limit: limit, entries: make(map[string]*cachedValue)}
}

func (e *cachedValue) size() int64 { return int64(len(e.key)+len(e.value)) + cacheEntryOverhead }

// get returns the cached value of metaKey and its expiry time. The value must not be modified.
func (c *valueCache) get(metaKey []byte) (value []byte, expireAt int64, ok bool) {
	c.mu.RLock()
	e := c.entries[string(metaKey)]
	c.mu.RUnlock()
	if e == nil {
		return nil, 0, false
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e.value, e.expireAt, true
}

// put caches a copy of value for metaKey if tx is still Current (see valueCache).
func (c *valueCache) put(tx *Tx, metaKey, value []byte, expireAt int64) {
	size := int64(len(metaKey)+len(value)) + cacheEntryOverhead
	if size > c.limit/8 || !tx.Current() {
		return // one value must not flush a large part of the cache; and see below
	}
	e := &cachedValue{key: string(metaKey), value: append([]byte(nil), value...), expireAt: expireAt}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !tx.Current() { // again, under the lock a write's removal takes
		return
	}
	if old := c.entries[e.key]; old != nil {
		c.drop(old)
	}
	c.entries[e.key] = e
	c.queue = append(c.queue, e)
	c.bytes += size
	c.evict()
}

// remove forgets the values of metaKeys. Called by a write before it becomes visible.
func (c *valueCache) remove(metaKeys [][]byte) {
	if c == nil || len(metaKeys) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range metaKeys {
		if e := c.entries[string(k)]; e != nil {
			c.drop(e)
		}
	}
	c.tidy()
}

// clear forgets every value (a flush, a restore, SWAPDB).
func (c *valueCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	clear(c.queue)
	c.queue, c.head, c.dead, c.bytes = c.queue[:0], 0, 0, 0
}

// drop takes e out of the map; its queue slot is skipped by evict. Called with mu held.
func (c *valueCache) drop(e *cachedValue) {
	delete(c.entries, e.key)
	e.removed = true
	c.dead++
	c.bytes -= e.size()
}

// evict removes entries, oldest first, until the cache is within its limit: an entry read since it
// was last looked at goes to the back of the queue once instead. Called with mu held.
func (c *valueCache) evict() {
	for c.bytes > c.limit && c.head < len(c.queue) {
		e := c.queue[c.head]
		c.queue[c.head] = nil
		c.head++
		switch {
		case e.removed:
			c.dead--
		case e.used.Load():
			e.used.Store(false)
			c.queue = append(c.queue, e)
		default:
			c.drop(e)
			c.dead--
		}
	}
	c.tidy()
}

// tidy keeps the queue's dead slots (removed entries, and the evicted front) in proportion to the
// live entries. Called with mu held.
func (c *valueCache) tidy() {
	switch {
	case c.dead > 1024 && c.dead > len(c.entries):
		n := 0
		for _, e := range c.queue[c.head:] {
			if !e.removed {
				c.queue[n] = e
				n++
			}
		}
		clear(c.queue[n:])
		c.queue, c.head, c.dead = c.queue[:n], 0, 0
	case c.head > 1024 && c.head*2 > len(c.queue):
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
}
