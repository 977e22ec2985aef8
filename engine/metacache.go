package engine

import "unsafe"

// metaCache remembers, for the engine's single writer, what recent writes left on disk at a meta key:
// a string with its expiry, or nothing. With it, a write that replaces a key (SET without GET, DEL)
// knows the old key's type, expiry and existence without reading it from Badger: that read walked
// the memtables' skiplists and was 30% of the CPU of a SET (bench/results/set-path-2026-11-24.md).
//
// Only write transactions use it, and only while they hold writeMu, so it needs no lock of its own.
// It holds what the last committed write left at each key it knows, plus the writes of the open Tx;
// a Tx that does not commit forgets the keys it wrote (Tx.finish), and anything that changes the
// engine outside a Tx (flush, restore) empties it. Collections are not kept (their header changes
// with every element written): writing one forgets the key. A key it does not know is read from
// Badger as before, so forgetting is always safe.
//
// It is bounded in bytes with two generations of half the bound each: when the current one is full
// it becomes the old one and the previous old one is dropped; a key found in the old one moves to
// the current one. So the keys written most recently stay, without a list to keep in LRU order.
type metaCache struct {
	limit    int64 // bytes per generation, 0 = no cache
	cur, old map[string]cachedMeta
	curBytes int64
}

// cachedMeta is what the cache knows of a key: typ is TypeString (with its expiry) or TypeNone (no
// meta key on disk).
type cachedMeta struct {
	typ      Type
	expireAt int64
}

// metaCacheEntryOverhead is an estimate of a map entry's bytes besides the key's own: the string
// header, the value, the map's slot and control bytes, the key allocation's rounding.
const metaCacheEntryOverhead = 64

func newMetaCache(bytes int64) metaCache {
	return metaCache{limit: bytes / 2}
}

// get returns what the cache knows of the meta key k.
func (c *metaCache) get(k []byte) (cachedMeta, bool) {
	if c.limit == 0 {
		return cachedMeta{}, false
	}
	if m, ok := c.cur[string(k)]; ok {
		return m, true
	}
	if m, ok := c.old[string(k)]; ok {
		c.set(string(k), m)
		delete(c.old, string(k))
		return m, true
	}
	return cachedMeta{}, false
}

// set records m for the meta key k.
func (c *metaCache) set(k string, m cachedMeta) {
	if c.limit == 0 {
		return
	}
	if _, ok := c.cur[k]; !ok {
		if c.cur == nil || c.curBytes >= c.limit {
			c.old, c.cur, c.curBytes = c.cur, make(map[string]cachedMeta), 0
		}
		c.curBytes += int64(len(k)) + metaCacheEntryOverhead
	}
	c.cur[k] = m
}

// forget removes what the cache knows of the meta key k.
func (c *metaCache) forget(k string) {
	delete(c.cur, k)
	delete(c.old, k)
}

// clear empties the cache.
func (c *metaCache) clear() {
	c.cur, c.old, c.curBytes = nil, nil, 0
}

// keyString returns k as a string without copying. k must never change afterwards: the meta keys
// handed to Badger's Set and Delete are not (Badger keeps them until the commit, and copies them).
func keyString(k []byte) string { return unsafe.String(unsafe.SliceData(k), len(k)) }
