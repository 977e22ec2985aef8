package engine

// What the engine can store, checked before an operation writes anything: Badger refuses a key
// over 65000 bytes (maxUserKeyLen leaves room for what the engine puts around a user's bytes) and,
// in memory, a value over its value threshold. An operation that found out half-way, at its first
// key or member out of bounds, would leave the ones before written; the transaction is committed
// with the other commands of its Raft entry (a MULTI/EXEC, a pipeline), so they would stay. Each
// write operation therefore checks all its keys, members and values first, and fails with
// ErrKeyTooLarge or ErrValueTooLarge having written nothing. The checks are length comparisons:
// no allocation, no I/O.

// checkKey checks a key, a hash field or a set member.
func checkKey(key []byte) error {
	if len(key) > maxUserKeyLen {
		return ErrKeyTooLarge
	}
	return nil
}

// checkKeys checks every step-th of keys from the first (step 2: the keys of key, value pairs).
func checkKeys(keys [][]byte, step int) error {
	for i := 0; i < len(keys); i += step {
		if len(keys[i]) > maxUserKeyLen {
			return ErrKeyTooLarge
		}
	}
	return nil
}

// checkZSetMember checks a sorted set's member: its score-index element holds 8 bytes of score
// before it, so the longest member is 8 bytes shorter than the longest key.
func checkZSetMember(member []byte) error {
	if len(member) > maxUserKeyLen-8 {
		return ErrKeyTooLarge
	}
	return nil
}

// checkValue checks an element's value (n bytes): only an in-memory engine limits it.
func (tx *Tx) checkValue(n int) error {
	if tx.db.opts.InMemory && int64(n) >= inMemoryValueLimit(tx.db.opts.MemTableSize)-1024 {
		return ErrValueTooLarge
	}
	return nil
}

// checkValues checks every step-th of vals from the first.
func (tx *Tx) checkValues(vals [][]byte, step int) error {
	if !tx.db.opts.InMemory {
		return nil
	}
	for i := 0; i < len(vals); i += step {
		if err := tx.checkValue(len(vals[i])); err != nil {
			return err
		}
	}
	return nil
}

// checkPut checks what put would store: key and a meta payload of n bytes.
func (tx *Tx) checkPut(key []byte, n int) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return tx.checkValue(metaHeaderLen + n)
}
