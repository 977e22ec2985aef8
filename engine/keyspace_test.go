package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// keysOf lists the live keys of database db at time now, in order.
func keysOf(t testing.TB, d *DB, db int, now int64) []string {
	t.Helper()
	var out []string
	tx := d.Begin(now, false)
	defer tx.Discard()
	if err := tx.Keys(db, nil, func(k []byte, _ Type) bool { out = append(out, string(k)); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

// putHash stores a hash of fields in database db.
func putHash(t testing.TB, d *DB, db int, now int64, key string, kv ...string) {
	t.Helper()
	mustUpdate(t, d, now, func(tx *Tx) error {
		c, err := tx.Collection(db, []byte(key), TypeHash)
		if err != nil {
			return err
		}
		for i := 0; i < len(kv); i += 2 {
			c.AddLen(1)
			if err := tx.PutElement(c, TagHashField, []byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return tx.SaveCollection(c)
	})
}

// hashOf reads a hash of database db as "f=v ..." in field order, "(missing)" when there is none.
func hashOf(t testing.TB, d *DB, db int, now int64, key string) string {
	t.Helper()
	tx := d.Begin(now, false)
	defer tx.Discard()
	c, err := tx.Collection(db, []byte(key), TypeHash)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Exists() {
		return "(missing)"
	}
	var fields []string
	err = tx.ScanElements(c, TagHashField, nil, nil, false, func(sub, val []byte) (bool, error) {
		fields = append(fields, string(sub)+"="+string(val))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s (len %d)", strings.Join(fields, " "), c.Len())
}

func TestRenameMovesTheValueAndItsExpiry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, d *DB)
		src, dst  string
		nx        bool
		wantOK    bool
		wantErr   error
		wantKeys  string
		wantValue string // of dst, or "(missing)"
		wantAt    int64  // expiry of dst
	}{
		{name: "onto a missing key",
			setup: func(t *testing.T, d *DB) { mustSet(t, d, 0, t0, "a", "1", SetOptions{ExpireAt: t0 + 500}) },
			src:   "a", dst: "b", wantOK: true, wantKeys: "[b]", wantValue: "1", wantAt: t0 + 500},
		{name: "over an existing key, dropping its expiry",
			setup: func(t *testing.T, d *DB) {
				mustSet(t, d, 0, t0, "a", "1", SetOptions{})
				mustSet(t, d, 0, t0, "b", "2", SetOptions{ExpireAt: t0 + 500})
			},
			src: "a", dst: "b", wantOK: true, wantKeys: "[b]", wantValue: "1", wantAt: 0},
		{name: "NX onto an existing key does nothing",
			setup: func(t *testing.T, d *DB) {
				mustSet(t, d, 0, t0, "a", "1", SetOptions{})
				mustSet(t, d, 0, t0, "b", "2", SetOptions{})
			},
			src: "a", dst: "b", nx: true, wantOK: false, wantKeys: "[a b]", wantValue: "2"},
		{name: "NX onto an expired key renames",
			setup: func(t *testing.T, d *DB) {
				mustSet(t, d, 0, t0, "a", "1", SetOptions{})
				mustSet(t, d, 0, t0-10, "b", "2", SetOptions{ExpireAt: t0 - 1})
			},
			src: "a", dst: "b", nx: true, wantOK: true, wantKeys: "[b]", wantValue: "1"},
		{name: "onto itself", setup: func(t *testing.T, d *DB) { mustSet(t, d, 0, t0, "a", "1", SetOptions{}) },
			src: "a", dst: "a", wantOK: true, wantKeys: "[a]", wantValue: "1"},
		{name: "NX onto itself", setup: func(t *testing.T, d *DB) { mustSet(t, d, 0, t0, "a", "1", SetOptions{}) },
			src: "a", dst: "a", nx: true, wantOK: false, wantKeys: "[a]", wantValue: "1"},
		{name: "a missing key", setup: func(*testing.T, *DB) {},
			src: "a", dst: "b", wantErr: ErrNotFound, wantKeys: "[]", wantValue: "(missing)"},
		{name: "an expired key", setup: func(t *testing.T, d *DB) {
			mustSet(t, d, 0, t0-10, "a", "1", SetOptions{ExpireAt: t0})
		}, src: "a", dst: "b", wantErr: ErrNotFound, wantKeys: "[]", wantValue: "(missing)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
				tc.setup(t, d)
				tx := d.Begin(t0, true)
				ok, err := tx.Rename(0, []byte(tc.src), []byte(tc.dst), tc.nx)
				if cerr := tx.Commit(); cerr != nil {
					t.Fatal(cerr)
				}
				if ok != tc.wantOK || !errors.Is(err, tc.wantErr) {
					t.Fatalf("Rename = %v, %v; want %v, %v", ok, err, tc.wantOK, tc.wantErr)
				}
				if got := fmt.Sprint(keysOf(t, d, 0, t0)); got != tc.wantKeys {
					t.Errorf("keys %s, want %s", got, tc.wantKeys)
				}
				v, found := getAt(t, d, 0, t0, tc.dst)
				if !found {
					v = "(missing)"
				}
				if v != tc.wantValue {
					t.Errorf("%s = %q, want %q", tc.dst, v, tc.wantValue)
				}
				if found {
					if at := expireAtOf(t, d, 0, t0, tc.dst); at != tc.wantAt {
						t.Errorf("expiry of %s = %d, want %d", tc.dst, at, tc.wantAt)
					}
				}
				// Count and expiry index agree with the keys left, expired ones included.
				n := int64(0)
				tx = d.Begin(0, false) // time 0: nothing has expired
				tx.Keys(0, nil, func([]byte, Type) bool { n++; return true })
				tx.Discard()
				if d.DBSize(0) != n {
					t.Errorf("DBSize %d, keys on disk %d", d.DBSize(0), n)
				}
			})
		})
	}
}

func TestCopyAndMoveCarryTheValueAndItsExpiry(t *testing.T) {
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		mustSet(t, d, 0, t0, "a", "1", SetOptions{ExpireAt: t0 + 500})
		mustSet(t, d, 0, t0, "b", "2", SetOptions{})
		mustSet(t, d, 1, t0, "a", "in1", SetOptions{})
		steps := []struct {
			name string
			op   func(tx *Tx) (bool, error)
			want bool
		}{
			{"COPY a c", func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("a"), 0, []byte("c"), false) }, true},
			{"COPY a b without REPLACE", func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("a"), 0, []byte("b"), false) }, false},
			{"COPY b c REPLACE", func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("b"), 0, []byte("c"), true) }, true},
			{"COPY missing", func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("x"), 0, []byte("y"), true) }, false},
			{"COPY a to db 2", func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("a"), 2, []byte("a2"), false) }, true},
			{"MOVE a to db 1 where it exists", func(tx *Tx) (bool, error) { return tx.Move(0, []byte("a"), 1) }, false},
			{"MOVE b to db 1", func(tx *Tx) (bool, error) { return tx.Move(0, []byte("b"), 1) }, true},
			{"MOVE missing", func(tx *Tx) (bool, error) { return tx.Move(0, []byte("x"), 1) }, false},
		}
		for _, st := range steps {
			var ok bool
			mustUpdate(t, d, t0, func(tx *Tx) error {
				var err error
				ok, err = st.op(tx)
				return err
			})
			if ok != st.want {
				t.Errorf("%s = %v, want %v", st.name, ok, st.want)
			}
		}
		want := map[string]string{"0": "[a c]", "1": "[a b]", "2": "[a2]"}
		for db := range 3 {
			if got := fmt.Sprint(keysOf(t, d, db, t0)); got != want[fmt.Sprint(db)] {
				t.Errorf("db %d keys %s, want %s", db, got, want[fmt.Sprint(db)])
			}
			if d.DBSize(db) != int64(len(keysOf(t, d, db, t0))) {
				t.Errorf("db %d DBSize %d", db, d.DBSize(db))
			}
		}
		for _, c := range []struct {
			db       int
			key, val string
			at       int64
		}{{0, "c", "2", 0}, {2, "a2", "1", t0 + 500}, {1, "b", "2", 0}, {1, "a", "in1", 0}} {
			if v, _ := getAt(t, d, c.db, t0, c.key); v != c.val {
				t.Errorf("db %d %s = %q, want %q", c.db, c.key, v, c.val)
			}
			if at := expireAtOf(t, d, c.db, t0, c.key); at != c.at {
				t.Errorf("db %d %s expires at %d, want %d", c.db, c.key, at, c.at)
			}
		}
		if n := mustExpires(t, d, 2); n != 1 {
			t.Errorf("db 2 has %d expiries indexed, want 1", n)
		}
	})
}

func TestRenameCopyAndMoveOfACollection(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		putHash(t, d, 0, t0, "h", "f1", "v1", "f2", "v2")
		run := func(fn func(tx *Tx) (bool, error)) {
			t.Helper()
			mustUpdate(t, d, t0, func(tx *Tx) error {
				ok, err := fn(tx)
				if err == nil && !ok {
					err = errors.New("did nothing")
				}
				return err
			})
		}
		run(func(tx *Tx) (bool, error) { return tx.Rename(0, []byte("h"), []byte("r"), false) })
		run(func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("r"), 0, []byte("c"), false) })
		run(func(tx *Tx) (bool, error) { return tx.Copy(0, []byte("r"), 3, []byte("c3"), false) })
		run(func(tx *Tx) (bool, error) { return tx.Move(0, []byte("c"), 5) })
		// The copies are independent: changing one leaves the others alone.
		putHash(t, d, 3, t0, "c3", "f3", "v3")
		d.CollectGarbage(1 << 20)
		want := "f1=v1 f2=v2 (len 2)"
		for _, c := range []struct {
			db        int
			key, hash string
		}{{0, "h", "(missing)"}, {0, "r", want}, {0, "c", "(missing)"}, {5, "c", want}, {3, "c3", "f1=v1 f2=v2 f3=v3 (len 3)"}} {
			if got := hashOf(t, d, c.db, t0, c.key); got != c.hash {
				t.Errorf("db %d %s: %s, want %s", c.db, c.key, got, c.hash)
			}
		}
	})
}

func TestSwapDBSwapsEverythingAboutTwoDatabases(t *testing.T) {
	dir := t.TempDir()
	d := openDB(t, testOptions(dir))
	mustSet(t, d, 0, t0, "a", "in0", SetOptions{ExpireAt: t0 + 1000})
	mustSet(t, d, 1, t0, "b", "in1", SetOptions{})
	mustSet(t, d, 1, t0, "c", "in1", SetOptions{})
	putHash(t, d, 1, t0, "h", "f", "v")
	mustUpdate(t, d, t0, func(tx *Tx) error {
		if err := tx.SwapDB(0, 1); err != nil {
			return err
		}
		// Later writes of the same transaction see the swap.
		_, err := tx.Set(0, []byte("d"), []byte("new0"), SetOptions{})
		return err
	})
	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			db   int
			keys string
			size int64
			exp  int64
		}{{0, "[b c d h]", 4, 0}, {1, "[a]", 1, 1}} {
			if got := fmt.Sprint(keysOf(t, d, c.db, t0)); got != c.keys {
				t.Errorf("%s: db %d keys %s, want %s", when, c.db, got, c.keys)
			}
			if n := d.DBSize(c.db); n != c.size {
				t.Errorf("%s: db %d DBSize %d, want %d", when, c.db, n, c.size)
			}
			if n := mustExpires(t, d, c.db); n != c.exp {
				t.Errorf("%s: db %d expiries %d, want %d", when, c.db, n, c.exp)
			}
		}
		if got := hashOf(t, d, 0, t0, "h"); got != "f=v (len 1)" {
			t.Errorf("%s: hash h in db 0: %s", when, got)
		}
	}
	check("after the swap")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = openDB(t, testOptions(dir))
	check("after reopening")

	// A snapshot carries the map; restored elsewhere it means the same.
	var buf bytes.Buffer
	snap := d.Snapshot()
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()
	other := openDB(t, testOptions(""))
	if err := other.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(keysOf(t, other, 0, t0)); got != "[b c d h]" {
		t.Errorf("restored db 0 keys %s", got)
	}

	// FLUSHDB flushes what the client sees as the database, and so does a key's removal.
	if err := d.FlushDB(1, 0); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(keysOf(t, d, 0, t0), keysOf(t, d, 1, t0), d.DBSize(0), d.DBSize(1)); got != "[b c d h] [] 4 0" {
		t.Errorf("after FLUSHDB 1: %s", got)
	}
	mustUpdate(t, d, t0, func(tx *Tx) error { return tx.SwapDB(1, 0) })
	if got := fmt.Sprint(keysOf(t, d, 0, t0), keysOf(t, d, 1, t0), d.DBSize(0), d.DBSize(1)); got != "[] [b c d h] 0 4" {
		t.Errorf("after swapping back: %s", got)
	}
}

func TestSwapDBRefusesBadDatabases(t *testing.T) {
	d := openDB(t, testOptions(""))
	for _, c := range [][2]int{{0, 16}, {-1, 0}, {16, 16}} {
		tx := d.Begin(t0, true)
		if err := tx.SwapDB(c[0], c[1]); !errors.Is(err, ErrBadDB) {
			t.Errorf("SwapDB(%d, %d) = %v, want ErrBadDB", c[0], c[1], err)
		}
		tx.Discard()
	}
	tx := d.Begin(t0, false)
	defer tx.Discard()
	if err := tx.SwapDB(0, 1); !errors.Is(err, ErrReadOnlyTx) {
		t.Errorf("SwapDB in a read Tx = %v", err)
	}
}

func TestOpeningWithFewerDatabasesThanASwapNeedsFails(t *testing.T) {
	dir := t.TempDir()
	d := openDB(t, testOptions(dir))
	mustUpdate(t, d, t0, func(tx *Tx) error { return tx.SwapDB(0, 9) })
	d.Close()
	if _, err := Open(testOptions(dir).WithDatabases(4)); err == nil || !strings.Contains(err.Error(), "at least 10 databases") {
		t.Fatalf("Open with 4 databases = %v", err)
	}
	d = openDB(t, testOptions(dir).WithDatabases(32))
	if got := fmt.Sprint(d.DBSize(0), d.DBSize(9)); got != "0 0" {
		t.Fatal(got)
	}
}

// TestReadersNeverMixTheMapOfOneSideOfASwapWithTheDataOfTheOther: each commit swaps databases 0
// and 1 and then writes its number into database 0, so database 0 always holds one more than
// database 1. A reader that took the old map with the new data would see one less.
func TestReadersNeverMixTheMapOfOneSideOfASwapWithTheDataOfTheOther(t *testing.T) {
	d := openDB(t, testOptions(""))
	mustSet(t, d, 1, t0, "n", "0", SetOptions{})
	mustSet(t, d, 0, t0, "n", "1", SetOptions{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				tx := d.Begin(t0, false)
				v0, err0 := tx.Get(0, []byte("n"))
				v1, err1 := tx.Get(1, []byte("n"))
				tx.Discard()
				n0, _ := ParseInt(v0)
				n1, _ := ParseInt(v1)
				if err0 != nil || err1 != nil || n0 != n1+1 {
					t.Errorf("read db0 %q (%v), db1 %q (%v)", v0, err0, v1, err1)
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := 2; i < 2000; i++ {
		mustUpdate(t, d, t0, func(tx *Tx) error {
			if err := tx.SwapDB(0, 1); err != nil {
				return err
			}
			_, err := tx.Set(0, []byte("n"), fmt.Append(nil, i), SetOptions{})
			return err
		})
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("no reads ran")
	}
}

func TestScanVisitsEveryLiveKeyOnceInOrder(t *testing.T) {
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		var all []string
		for i := range 100 {
			k := fmt.Sprintf("k%03d", i)
			at := int64(0)
			if i%10 == 3 {
				at = t0 // expired at t0
			} else {
				all = append(all, k)
			}
			mustSet(t, d, 0, t0-1, k, "v", SetOptions{ExpireAt: at})
		}
		mustSet(t, d, 0, t0, "other", "v", SetOptions{})
		for _, tc := range []struct {
			prefix string
			count  int
			want   []string
		}{
			{"", 1, append(append([]string(nil), all...), "other")},
			{"", 7, append(append([]string(nil), all...), "other")},
			{"", 1000, append(append([]string(nil), all...), "other")},
			{"k05", 3, []string{"k050", "k051", "k052", "k054", "k055", "k056", "k057", "k058", "k059"}},
			{"nosuch", 3, nil},
		} {
			var got []string
			var after []byte
			calls := 0
			for {
				calls++
				last, more, err := scanAt(t, d, tc.prefix, after, tc.count, &got)
				if err != nil {
					t.Fatal(err)
				}
				if !more {
					break
				}
				after = last
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("prefix %q count %d: %v, want %v", tc.prefix, tc.count, got, tc.want)
			}
			if tc.count == 1000 && calls != 1 {
				t.Errorf("count 1000 took %d calls", calls)
			}
		}
	})
}

// scanAt runs one Scan of database 0 at t0 and appends the keys to out.
func scanAt(t testing.TB, d *DB, prefix string, after []byte, count int, out *[]string) ([]byte, bool, error) {
	t.Helper()
	tx := d.Begin(t0, false)
	defer tx.Discard()
	return tx.Scan(0, []byte(prefix), after, count, func(k []byte, typ Type) {
		if typ != TypeString {
			t.Errorf("key %q type %v", k, typ)
		}
		*out = append(*out, string(k))
	})
}

func TestScanBoundsTheExpiredKeysItExaminesPerCall(t *testing.T) {
	d := openDB(t, testOptions(""))
	for i := range 100 {
		mustSet(t, d, 0, t0-1, fmt.Sprintf("dead%03d", i), "v", SetOptions{ExpireAt: t0})
	}
	mustSet(t, d, 0, t0, "zlive", "v", SetOptions{})
	var got []string
	last, more, err := scanAt(t, d, "", nil, 2, &got)
	if err != nil || !more || len(got) != 0 || string(last) != "dead019" {
		t.Fatalf("first call: keys %v, last %q, more %v, err %v; want none, dead019, true", got, last, more, err)
	}
}

func TestRandomKeyReturnsOnlyLiveKeys(t *testing.T) {
	for _, n := range []int{1, 5, randomKeyExact + 50, 3000} {
		t.Run(fmt.Sprintf("%d keys", n), func(t *testing.T) {
			d := openDB(t, testOptions(""))
			rnd := rand.New(rand.NewPCG(uint64(n), 1))
			randN := func(k uint64) uint64 { return rnd.Uint64N(k) }
			get := func() (string, error) {
				tx := d.Begin(t0, false)
				defer tx.Discard()
				k, err := tx.RandomKey(0, randN)
				return string(k), err
			}
			if _, err := get(); !errors.Is(err, ErrNotFound) {
				t.Fatalf("empty database: %v", err)
			}
			live := map[string]bool{}
			mustUpdate(t, d, t0-1, func(tx *Tx) error {
				for i := range n {
					k := fmt.Sprintf("key:%d:%x", i, rnd.Uint32())
					at := int64(0)
					if i%2 == 1 {
						at = t0
					} else {
						live[k] = true
					}
					if _, err := tx.Set(0, []byte(k), []byte("v"), SetOptions{ExpireAt: at}); err != nil {
						return err
					}
				}
				return nil
			})
			seen := map[string]bool{}
			for range 4 * n {
				k, err := get()
				if err != nil || !live[k] {
					t.Fatalf("RandomKey = %q, %v: not a live key", k, err)
				}
				seen[k] = true
			}
			if n <= randomKeyExact && len(seen) != len(live) {
				t.Errorf("saw %d of %d keys", len(seen), len(live))
			}
			if n > randomKeyExact && len(seen) < len(live)/4 {
				t.Errorf("saw only %d distinct keys of %d", len(seen), len(live))
			}
			// Once every key has expired there is none to return.
			tx := d.Begin(t0, true)
			for k := range live {
				tx.Expire(0, []byte(k), t0, 0)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if k, err := get(); !errors.Is(err, ErrNotFound) {
				t.Errorf("all expired: %q, %v", k, err)
			}
		})
	}
}

func TestRandomBetweenStaysBetweenItsBounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a := make([]byte, rnd.IntN(12))
		b := make([]byte, rnd.IntN(12))
		for i := range a {
			a[i] = byte(rnd.IntN(4))
		}
		for i := range b {
			b[i] = byte(rnd.IntN(4))
		}
		if bytes.Compare(a, b) > 0 {
			a, b = b, a
		}
		r := randomBetween(a, b, rnd.Uint64N)
		// r sorts at or after the common prefix of a and b, and no later than b's first 8 bytes after it.
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		if !bytes.HasPrefix(r, a[:n]) || len(r) != n+8 {
			t.Fatalf("randomBetween(%x, %x) = %x", a, b, r)
		}
	}
}

func TestObjectReportsRedisEncodings(t *testing.T) {
	d := openDB(t, testOptions(""))
	for _, tc := range []struct {
		value, enc string
		ref        int64
	}{
		{"0", "int", 2147483647}, {"9999", "int", 2147483647}, {"10000", "int", 1}, {"-1", "int", 1},
		{"-9223372036854775808", "int", 1}, {"9223372036854775808", "embstr", 1}, {"01", "embstr", 1},
		{"-0", "embstr", 1}, {"", "embstr", 1}, {"abc", "embstr", 1}, {strings.Repeat("x", 44), "embstr", 1},
		{strings.Repeat("x", 45), "raw", 1}, {" 1", "embstr", 1},
	} {
		mustSet(t, d, 0, t0, "k", tc.value, SetOptions{})
		tx := d.Begin(t0, false)
		info, err := tx.Object(0, []byte("k"))
		tx.Discard()
		if err != nil || info.Encoding != tc.enc || info.RefCount != tc.ref || info.Type != TypeString {
			t.Errorf("%q: %+v, %v; want %s, refcount %d", tc.value, info, err, tc.enc, tc.ref)
		}
	}
	putHash(t, d, 0, t0, "small", "f", "v")
	putHash(t, d, 0, t0, "wide", "f", strings.Repeat("v", 65))
	for key, enc := range map[string]string{"small": "listpack", "wide": "hashtable"} {
		tx := d.Begin(t0, false)
		info, err := tx.Object(0, []byte(key))
		tx.Discard()
		if err != nil || info.Encoding != enc {
			t.Errorf("hash %s: %+v, %v; want %s", key, info, err, enc)
		}
	}
	tx := d.Begin(t0, false)
	defer tx.Discard()
	if _, err := tx.Object(0, []byte("nosuch")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
}

func TestExpiredKeysComeOldestFirstAndAreDeletedOnlyIfStillExpired(t *testing.T) {
	d := openDB(t, testOptions(""))
	mustSet(t, d, 0, t0-100, "late", "v", SetOptions{ExpireAt: t0 - 10})
	mustSet(t, d, 0, t0-100, "early", "v", SetOptions{ExpireAt: t0 - 50})
	mustSet(t, d, 0, t0-100, "future", "v", SetOptions{ExpireAt: t0 + 50})
	mustSet(t, d, 2, t0-100, "other", "v", SetOptions{ExpireAt: t0 - 20})
	mustSet(t, d, 0, t0-100, "plain", "v", SetOptions{})
	type hit struct {
		db  int
		key string
		at  int64
	}
	list := func(start, limit int) []hit {
		var out []hit
		tx := d.Begin(t0, false)
		defer tx.Discard()
		n, err := tx.ExpiredKeys(start, limit, func(db int, key []byte, at int64) {
			out = append(out, hit{db, string(key), at - t0})
		})
		if err != nil || n != len(out) {
			t.Fatalf("ExpiredKeys: %d, %v", n, err)
		}
		return out
	}
	if got := fmt.Sprint(list(0, 10)); got != "[{0 early -50} {0 late -10} {2 other -20}]" {
		t.Errorf("from db 0: %s", got)
	}
	if got := fmt.Sprint(list(1, 10)); got != "[{2 other -20} {0 early -50} {0 late -10}]" {
		t.Errorf("from db 1: %s", got)
	}
	if got := fmt.Sprint(list(0, 1)); got != "[{0 early -50}]" {
		t.Errorf("limit 1: %s", got)
	}
	// "late" was set again with a new expiry since it was listed; "future" is not due at the
	// entry's time.
	mustSet(t, d, 0, t0, "late", "v2", SetOptions{ExpireAt: t0 + 1000})
	var deleted []bool
	mustUpdate(t, d, t0, func(tx *Tx) error {
		for _, h := range []hit{{0, "early", -50}, {0, "late", -10}, {0, "future", 50}, {2, "other", -20}, {0, "nosuch", -5}} {
			ok, err := tx.DeleteExpired(h.db, []byte(h.key), t0+h.at)
			if err != nil {
				return err
			}
			deleted = append(deleted, ok)
		}
		return nil
	})
	if fmt.Sprint(deleted) != "[true false false true false]" {
		t.Errorf("deleted %v", deleted)
	}
	if got := fmt.Sprint(d.DBSize(0), d.DBSize(2), mustExpires(t, d, 0), mustExpires(t, d, 2)); got != "3 0 2 0" {
		t.Errorf("DBSize 0 and 2, expiries 0 and 2: %s", got)
	}
	if got := list(0, 10); len(got) != 0 {
		t.Errorf("still listed: %v", got)
	}
}

func TestDeleteExpiredRemovesAnIndexEntryThatNoLongerMatches(t *testing.T) {
	d := openDB(t, testOptions(""))
	mustSet(t, d, 0, t0, "k", "v", SetOptions{})
	// An index entry with no expiring key behind it (never written by the engine itself).
	mustUpdate(t, d, t0, func(tx *Tx) error { return tx.txn.Set(expiryKey(0, t0-5, []byte("k")), nil) })
	mustUpdate(t, d, t0, func(tx *Tx) error {
		ok, err := tx.DeleteExpired(0, []byte("k"), t0-5)
		if ok {
			return errors.New("deleted a key without expiry")
		}
		return err
	})
	if n := mustExpires(t, d, 0); n != 0 {
		t.Errorf("index still has %d entries", n)
	}
	// 0 is no expiry at all: nothing is due.
	mustUpdate(t, d, t0, func(tx *Tx) error {
		ok, err := tx.DeleteExpired(0, []byte("k"), 0)
		if ok {
			return errors.New("deleted a key without expiry for at 0")
		}
		return err
	})
	if _, ok := getAt(t, d, 0, t0, "k"); !ok {
		t.Error("the key is gone")
	}
}

func TestKeysAfterSwapStayInKeyOrder(t *testing.T) {
	d := openDB(t, testOptions(""))
	want := []string{"a", "b", "c"}
	for _, k := range []string{"c", "a", "b"} {
		mustSet(t, d, 3, t0, k, "v", SetOptions{})
	}
	mustUpdate(t, d, t0, func(tx *Tx) error { return tx.SwapDB(3, 7) })
	got := keysOf(t, d, 7, t0)
	if !sort.StringsAreSorted(got) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("db 7 keys %v, want %v", got, want)
	}
}
