package engine

import (
	"errors"
	"testing"
)

func TestExpiredKeysAreInvisibleOnReadToTheMillisecond(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		at := t0 + 1500
		if err := d.Set(0, []byte("k"), []byte("v"), at); err != nil {
			t.Fatal(err)
		}
		exists := func() (get, mget, keys, exists, typ bool) {
			_, err := d.Get(0, []byte("k"))
			get = err == nil
			vals, err := d.MGet(0, [][]byte{[]byte("k")})
			if err != nil {
				t.Fatal(err)
			}
			mget = vals[0] != nil
			if err := d.Keys(0, nil, func([]byte, Type) bool { keys = true; return true }); err != nil {
				t.Fatal(err)
			}
			err = d.View(func(tx *Tx) error {
				var err error
				if exists, err = tx.Exists(0, []byte("k")); err != nil {
					return err
				}
				tp, err := tx.Type(0, []byte("k"))
				typ = tp == TypeString
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		for _, tc := range []struct {
			now  int64
			want bool
		}{{t0, true}, {at - 1, true}, {at, false}, {at + 1, false}} {
			clock.Set(tc.now)
			g, m, k, e, ty := exists()
			if g != tc.want || m != tc.want || k != tc.want || e != tc.want || ty != tc.want {
				t.Errorf("at now=t0%+d: Get %v, MGet %v, Keys %v, Exists %v, Type %v; want all %v",
					tc.now-t0, g, m, k, e, ty, tc.want)
			}
		}
		// Expired but not yet removed: still counted, as Redis's DBSIZE does.
		if n := d.DBSize(0); n != 1 {
			t.Errorf("DBSize = %d, want 1", n)
		}
		if n := mustExpires(t, d, 0); n != 1 {
			t.Errorf("Expires = %d, want 1", n)
		}
	})
}

func TestATxDecidesExpiryAtItsOwnTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		mustSet(t, d, 0, t0, "k", "v", SetOptions{ExpireAt: t0 + 10})
		clock.Set(t0 + 1_000_000) // the engine's clock says expired; a Tx's own time overrides it
		if v, ok := getAt(t, d, 0, t0+9, "k"); !ok || v != "v" {
			t.Errorf("Get at t0+9 = %q, %v; want v, true", v, ok)
		}
		if _, ok := getAt(t, d, 0, t0+10, "k"); ok {
			t.Error("Get at t0+10 found the key; want expired")
		}
		tx := d.Begin(t0+9, false)
		defer tx.Discard()
		if tx.Now() != t0+9 {
			t.Errorf("Now = %d, want %d", tx.Now(), t0+9)
		}
		tx.SetNow(t0 + 10)
		if _, err := tx.Get(0, []byte("k")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after SetNow(t0+10) = %v, want ErrNotFound", err)
		}
	})
}

func TestExpireConditions(t *testing.T) {
	t.Parallel()
	const cur = t0 + 10_000
	tests := []struct {
		name    string
		ttl     int64 // current expiry, 0 = none
		at      int64
		cond    ExpireCond
		wantSet bool
	}{
		{"EXPIRE sets an expiry on a key without one", 0, t0 + 5, 0, true},
		{"EXPIRE replaces an expiry", cur, t0 + 5, 0, true},
		{"EXPIRE NX on a key without expiry sets it", 0, t0 + 5, ExpireNX, true},
		{"EXPIRE NX on a key with an expiry does nothing", cur, t0 + 5, ExpireNX, false},
		{"EXPIRE XX on a key without expiry does nothing", 0, t0 + 5, ExpireXX, false},
		{"EXPIRE XX on a key with an expiry sets it", cur, t0 + 5, ExpireXX, true},
		{"EXPIRE GT on a key without expiry does nothing (no expiry is infinite)", 0, t0 + 5, ExpireGT, false},
		{"EXPIRE GT with a greater time sets it", cur, cur + 1, ExpireGT, true},
		{"EXPIRE GT with an equal time does nothing", cur, cur, ExpireGT, false},
		{"EXPIRE GT with a lesser time does nothing", cur, cur - 1, ExpireGT, false},
		{"EXPIRE LT on a key without expiry sets it (no expiry is infinite)", 0, t0 + 5, ExpireLT, true},
		{"EXPIRE LT with a lesser time sets it", cur, cur - 1, ExpireLT, true},
		{"EXPIRE LT with an equal time does nothing", cur, cur, ExpireLT, false},
		{"EXPIRE LT with a greater time does nothing", cur, cur + 1, ExpireLT, false},
		{"EXPIRE XX GT on a key without expiry does nothing", 0, t0 + 5, ExpireXX | ExpireGT, false},
		{"EXPIRE XX GT with a greater time sets it", cur, cur + 1, ExpireXX | ExpireGT, true},
		{"EXPIRE XX GT with a lesser time does nothing", cur, cur - 1, ExpireXX | ExpireGT, false},
		{"EXPIRE XX LT on a key without expiry does nothing", 0, t0 + 5, ExpireXX | ExpireLT, false},
		{"EXPIRE XX LT with a lesser time sets it", cur, cur - 1, ExpireXX | ExpireLT, true},
		{"EXPIRE XX LT with a greater time does nothing", cur, cur + 1, ExpireXX | ExpireLT, false},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		for db, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mustSet(t, d, db, t0, "k", "v", SetOptions{ExpireAt: tc.ttl})
				var ok bool
				mustUpdate(t, d, t0, func(tx *Tx) error {
					var err error
					ok, err = tx.Expire(db, []byte("k"), tc.at, tc.cond)
					return err
				})
				if ok != tc.wantSet {
					t.Errorf("Expire = %v, want %v", ok, tc.wantSet)
				}
				want := tc.ttl
				if tc.wantSet {
					want = tc.at
				}
				if got := expireAtOf(t, d, db, t0, "k"); got != want {
					t.Errorf("expiry = %d, want %d", got, want)
				}
				if v, found := getAt(t, d, db, t0, "k"); !found || v != "v" {
					t.Errorf("value = %q, %v; want v, true", v, found)
				}
				wantIdx := int64(0)
				if want != 0 {
					wantIdx = 1
				}
				if n := mustExpires(t, d, db); n != wantIdx {
					t.Errorf("Expires = %d, want %d (one index entry per volatile key)", n, wantIdx)
				}
			})
		}
	})
}

func TestExpireInThePastDeletesTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ttl     int64
		at      int64
		cond    ExpireCond
		deleted bool
	}{
		{"EXPIRE in the past deletes a key without expiry", 0, t0 - 1, 0, true},
		{"EXPIRE at now deletes the key", 0, t0, 0, true},
		{"EXPIRE at a negative time deletes the key", 0, -5, 0, true},
		{"EXPIRE in the past deletes a volatile key", t0 + 100, 1, 0, true},
		{"EXPIRE LT in the past deletes a volatile key", t0 + 100, 1, ExpireLT, true},
		{"EXPIRE XX LT in the past deletes a volatile key", t0 + 100, 1, ExpireXX | ExpireLT, true},
		{"EXPIRE NX in the past on a volatile key does nothing", t0 + 100, 1, ExpireNX, false},
		{"EXPIRE GT in the past does nothing", t0 + 100, 1, ExpireGT, false},
		{"EXPIRE XX in the past on a key without expiry does nothing", 0, 1, ExpireXX, false},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		for db, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mustSet(t, d, db, t0, "k", "v", SetOptions{ExpireAt: tc.ttl})
				var ok bool
				mustUpdate(t, d, t0, func(tx *Tx) error {
					var err error
					ok, err = tx.Expire(db, []byte("k"), tc.at, tc.cond)
					return err
				})
				if ok != tc.deleted {
					t.Errorf("Expire = %v, want %v", ok, tc.deleted)
				}
				_, found := getAt(t, d, db, t0-1000, "k") // even a reader in the past no longer sees it
				if found == tc.deleted {
					t.Errorf("key exists = %v, want %v", found, !tc.deleted)
				}
				wantSize, wantIdx := int64(1), int64(0)
				if tc.deleted {
					wantSize = 0
				} else if tc.ttl != 0 {
					wantIdx = 1
				}
				if n := d.DBSize(db); n != wantSize {
					t.Errorf("DBSize = %d, want %d", n, wantSize)
				}
				if n := mustExpires(t, d, db); n != wantIdx {
					t.Errorf("Expires = %d, want %d", n, wantIdx)
				}
			})
		}
	})
}

func TestExpireOnMissingOrExpiredKeyDoesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "expired", "v", SetOptions{ExpireAt: t0 + 1})
		for _, k := range []string{"missing", "expired"} {
			var ok bool
			mustUpdate(t, d, t0+1, func(tx *Tx) error {
				var err error
				ok, err = tx.Expire(0, []byte(k), t0+100, 0)
				return err
			})
			if ok {
				t.Errorf("Expire(%s) = true, want false", k)
			}
		}
		if _, ok := getAt(t, d, 0, t0+1, "expired"); ok {
			t.Error("EXPIRE revived an expired key")
		}
	})
}

func TestPersist(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "volatile", "v", SetOptions{ExpireAt: t0 + 100})
		mustSet(t, d, 0, t0, "plain", "v", SetOptions{})
		mustSet(t, d, 0, t0, "expired", "v", SetOptions{ExpireAt: t0 + 1})
		for _, tc := range []struct {
			key  string
			want bool
		}{{"volatile", true}, {"volatile", false}, {"plain", false}, {"missing", false}, {"expired", false}} {
			var ok bool
			mustUpdate(t, d, t0+1, func(tx *Tx) error {
				var err error
				ok, err = tx.Persist(0, []byte(tc.key))
				return err
			})
			if ok != tc.want {
				t.Errorf("Persist(%s) = %v, want %v", tc.key, ok, tc.want)
			}
		}
		if at := expireAtOf(t, d, 0, t0+1000, "volatile"); at != 0 {
			t.Errorf("expiry after PERSIST = %d, want none", at)
		}
		if _, ok := getAt(t, d, 0, t0+1, "expired"); ok {
			t.Error("PERSIST revived an expired key")
		}
		if n := mustExpires(t, d, 0); n != 1 {
			t.Errorf("Expires = %d, want 1 (only the expired key's entry)", n)
		}
	})
}

func TestExpiresCountsTheExpiryIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		steps := []struct {
			name string
			do   func(tx *Tx) error
			want int64
		}{
			{"two volatile keys and one plain", func(tx *Tx) error {
				for k, at := range map[string]int64{"a": t0 + 10, "b": t0 + 20, "c": 0} {
					if _, err := tx.Set(0, []byte(k), []byte("v"), SetOptions{ExpireAt: at}); err != nil {
						return err
					}
				}
				return nil
			}, 2},
			{"changing an expiry keeps one entry", func(tx *Tx) error {
				_, err := tx.Expire(0, []byte("a"), t0+30, 0)
				return err
			}, 2},
			{"SET with the same expiry keeps one entry", func(tx *Tx) error {
				_, err := tx.Set(0, []byte("a"), []byte("w"), SetOptions{ExpireAt: t0 + 30})
				return err
			}, 2},
			{"a volatile key in another database is counted there", func(tx *Tx) error {
				_, err := tx.Set(1, []byte("a"), []byte("v"), SetOptions{ExpireAt: t0 + 30})
				return err
			}, 2},
			{"plain SET over a volatile key drops its entry", func(tx *Tx) error {
				_, err := tx.Set(0, []byte("b"), []byte("v"), SetOptions{})
				return err
			}, 1},
			{"DEL drops the entry", func(tx *Tx) error {
				_, err := tx.Delete(0, []byte("a"))
				return err
			}, 0},
			{"EXPIRE on a plain key adds one", func(tx *Tx) error {
				_, err := tx.Expire(0, []byte("c"), t0+5, 0)
				return err
			}, 1},
		}
		for _, s := range steps {
			mustUpdate(t, d, t0, s.do)
			if n := mustExpires(t, d, 0); n != s.want {
				t.Errorf("after %s: Expires(0) = %d, want %d", s.name, n, s.want)
			}
		}
		if n := mustExpires(t, d, 1); n != 1 {
			t.Errorf("Expires(1) = %d, want 1", n)
		}
	})
}
