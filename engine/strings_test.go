package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// A key's state before a SET in the table below.
type keyState int

const (
	keyMissing  keyState = iota
	keyPlain             // "old", no expiry
	keyVolatile          // "old", expires at t0+10_000
	keyExpired           // "old", expired at t0-1 but still stored
)

func prepareKey(t *testing.T, d *DB, db int, state keyState) {
	t.Helper()
	switch state {
	case keyPlain:
		mustSet(t, d, db, t0-100, "k", "old", SetOptions{})
	case keyVolatile:
		mustSet(t, d, db, t0-100, "k", "old", SetOptions{ExpireAt: t0 + 10_000})
	case keyExpired:
		mustSet(t, d, db, t0-100, "k", "old", SetOptions{ExpireAt: t0 - 1})
	}
}

func TestSetOptions(t *testing.T) {
	t.Parallel()
	const gone = -2 // expireAtOf's "no such key"
	tests := []struct {
		name   string
		before keyState
		opts   SetOptions
		want   SetResult // Old compared as a string; nil and "" differ via wantOld
		wantOK bool      // whether Old is expected non-nil
		value  string    // value after, "" with wantAt == gone
		wantAt int64     // expiry after: 0 none, gone when the key does not exist
	}{
		{name: "SET creates a missing key", before: keyMissing,
			want: SetResult{Written: true}, value: "new"},
		{name: "SET overwrites a key and clears its expiry", before: keyVolatile,
			want: SetResult{Written: true, Existed: true}, value: "new"},
		{name: "SET with ExpireAt stores the expiry", before: keyPlain, opts: SetOptions{ExpireAt: t0 + 5000},
			want: SetResult{Written: true, Existed: true}, value: "new", wantAt: t0 + 5000},
		{name: "SET with ExpireAt replaces an existing expiry", before: keyVolatile, opts: SetOptions{ExpireAt: t0 + 5000},
			want: SetResult{Written: true, Existed: true}, value: "new", wantAt: t0 + 5000},
		{name: "SET NX stores a missing key", before: keyMissing, opts: SetOptions{NX: true},
			want: SetResult{Written: true}, value: "new"},
		{name: "SET NX leaves an existing key alone", before: keyVolatile, opts: SetOptions{NX: true},
			want: SetResult{Existed: true}, value: "old", wantAt: t0 + 10_000},
		{name: "SET NX treats an expired key as missing", before: keyExpired, opts: SetOptions{NX: true},
			want: SetResult{Written: true}, value: "new"},
		{name: "SET XX does nothing on a missing key", before: keyMissing, opts: SetOptions{XX: true},
			want: SetResult{}, wantAt: gone},
		{name: "SET XX does nothing on an expired key", before: keyExpired, opts: SetOptions{XX: true},
			want: SetResult{}, wantAt: gone},
		{name: "SET XX overwrites an existing key", before: keyPlain, opts: SetOptions{XX: true},
			want: SetResult{Written: true, Existed: true}, value: "new"},
		{name: "SET GET returns the old value", before: keyPlain, opts: SetOptions{Get: true},
			want: SetResult{Written: true, Existed: true, Old: []byte("old")}, wantOK: true, value: "new"},
		{name: "SET GET on a missing key returns no old value", before: keyMissing, opts: SetOptions{Get: true},
			want: SetResult{Written: true}, value: "new"},
		{name: "SET GET on an expired key returns no old value", before: keyExpired, opts: SetOptions{Get: true},
			want: SetResult{Written: true}, value: "new"},
		{name: "SET NX GET on an existing key returns the old value and writes nothing", before: keyPlain,
			opts: SetOptions{NX: true, Get: true},
			want: SetResult{Existed: true, Old: []byte("old")}, wantOK: true, value: "old"},
		{name: "SET XX GET on a missing key returns nothing and writes nothing", before: keyMissing,
			opts: SetOptions{XX: true, Get: true}, want: SetResult{}, wantAt: gone},
		{name: "SET KEEPTTL keeps the expiry of a volatile key", before: keyVolatile, opts: SetOptions{KeepTTL: true},
			want: SetResult{Written: true, Existed: true}, value: "new", wantAt: t0 + 10_000},
		{name: "SET KEEPTTL on a plain key stores no expiry", before: keyPlain, opts: SetOptions{KeepTTL: true},
			want: SetResult{Written: true, Existed: true}, value: "new"},
		{name: "SET KEEPTTL on an expired key does not revive its expiry", before: keyExpired,
			opts: SetOptions{KeepTTL: true}, want: SetResult{Written: true}, value: "new"},
		{name: "SET KEEPTTL with ExpireAt on a missing key uses ExpireAt", before: keyMissing,
			opts: SetOptions{KeepTTL: true, ExpireAt: t0 + 7}, want: SetResult{Written: true}, value: "new", wantAt: t0 + 7},
		{name: "SET with ExpireAt in the past deletes an existing key", before: keyPlain,
			opts: SetOptions{ExpireAt: t0 - 1}, want: SetResult{Written: true, Existed: true}, wantAt: gone},
		{name: "SET with ExpireAt equal to now deletes an existing key", before: keyVolatile,
			opts: SetOptions{ExpireAt: t0}, want: SetResult{Written: true, Existed: true}, wantAt: gone},
		{name: "SET with ExpireAt in the past stores nothing for a missing key", before: keyMissing,
			opts: SetOptions{ExpireAt: t0 - 1}, want: SetResult{Written: true}, wantAt: gone},
		{name: "SET GET with ExpireAt in the past returns the old value and deletes", before: keyPlain,
			opts: SetOptions{ExpireAt: 1, Get: true}, want: SetResult{Written: true, Existed: true, Old: []byte("old")},
			wantOK: true, wantAt: gone},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		for db, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				prepareKey(t, d, db, tc.before)
				got := mustSet(t, d, db, t0, "k", "new", tc.opts)
				if got.Written != tc.want.Written || got.Existed != tc.want.Existed ||
					string(got.Old) != string(tc.want.Old) || (got.Old != nil) != tc.wantOK {
					t.Errorf("Set = {Written:%v Existed:%v Old:%q}, want {Written:%v Existed:%v Old:%q}",
						got.Written, got.Existed, got.Old, tc.want.Written, tc.want.Existed, tc.want.Old)
				}
				at := expireAtOf(t, d, db, t0, "k")
				if at != tc.wantAt {
					t.Errorf("expiry after = %d, want %d", at, tc.wantAt)
				}
				v, ok := getAt(t, d, db, t0, "k")
				if ok != (tc.wantAt != gone) || v != tc.value {
					t.Errorf("value after = %q (exists %v), want %q", v, ok, tc.value)
				}
				// The key count and the expiry index follow what is stored.
				wantSize, wantExpires := int64(0), int64(0)
				if tc.wantAt != gone {
					wantSize = 1
				} else if tc.before == keyExpired {
					wantSize = 1 // an expired key stays counted until something removes it
					wantExpires = 1
				}
				if tc.wantAt > 0 {
					wantExpires = 1
				}
				if n := d.DBSize(db); n != wantSize {
					t.Errorf("DBSize = %d, want %d", n, wantSize)
				}
				if n := mustExpires(t, d, db); n != wantExpires {
					t.Errorf("Expires = %d, want %d", n, wantExpires)
				}
			})
		}
	})
}

// ErrWrongType (SET GET or INCRBY against a collection) is not reachable yet: only strings are stored.

func TestIncrBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		initial *string // nil: key missing
		delta   int64
		want    int64
		wantErr error
	}{
		{name: "INCRBY on a missing key starts from zero", delta: 5, want: 5},
		{name: "INCRBY adds to an integer", initial: ptr("10"), delta: 3, want: 13},
		{name: "INCRBY with a negative delta decrements", initial: ptr("10"), delta: -15, want: -5},
		{name: "INCRBY on a negative value", initial: ptr("-7"), delta: 7, want: 0},
		{name: "INCRBY reaches MaxInt64", initial: ptr(strconv.FormatInt(math.MaxInt64-1, 10)), delta: 1, want: math.MaxInt64},
		{name: "INCRBY reaches MinInt64", initial: ptr(strconv.FormatInt(math.MinInt64+1, 10)), delta: -1, want: math.MinInt64},
		{name: "INCRBY past MaxInt64 fails with ErrOverflow", initial: ptr(strconv.FormatInt(math.MaxInt64, 10)), delta: 1, wantErr: ErrOverflow},
		{name: "INCRBY past MinInt64 fails with ErrOverflow", initial: ptr(strconv.FormatInt(math.MinInt64, 10)), delta: -1, wantErr: ErrOverflow},
		{name: "INCRBY MinInt64 on a missing key", delta: math.MinInt64, want: math.MinInt64},
		{name: "INCRBY of a large positive on a large positive overflows", initial: ptr("5"), delta: math.MaxInt64 - 4, wantErr: ErrOverflow},
		{name: "INCRBY on a non-integer fails with ErrNotInteger", initial: ptr("abc"), delta: 1, wantErr: ErrNotInteger},
		{name: "INCRBY on an empty string fails with ErrNotInteger", initial: ptr(""), delta: 1, wantErr: ErrNotInteger},
		{name: "INCRBY on a value with a space fails with ErrNotInteger", initial: ptr(" 1"), delta: 1, wantErr: ErrNotInteger},
		{name: "INCRBY on a float fails with ErrNotInteger", initial: ptr("1.5"), delta: 1, wantErr: ErrNotInteger},
		{name: "INCRBY on a value beyond int64 fails with ErrNotInteger", initial: ptr("9223372036854775808"), delta: -1, wantErr: ErrNotInteger},
	}
	forEachBackendShared(t, func(t *testing.T, d *DB) {
		for db, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if tc.initial != nil {
					mustSet(t, d, db, t0, "n", *tc.initial, SetOptions{})
				}
				tx := d.Begin(t0, true)
				got, err := tx.IncrBy(db, []byte("n"), tc.delta)
				if cerr := tx.Commit(); cerr != nil {
					t.Fatalf("Commit: %v", cerr)
				}
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("IncrBy error = %v, want %v", err, tc.wantErr)
				}
				v, ok := getAt(t, d, db, t0, "n")
				if tc.wantErr != nil {
					// A failed INCRBY leaves the value as it was.
					if tc.initial == nil && ok || tc.initial != nil && v != *tc.initial {
						t.Errorf("value after failed IncrBy = %q (exists %v), want unchanged", v, ok)
					}
					return
				}
				if got != tc.want {
					t.Errorf("IncrBy = %d, want %d", got, tc.want)
				}
				if v != strconv.FormatInt(tc.want, 10) {
					t.Errorf("stored value = %q, want %d", v, tc.want)
				}
			})
		}
	})
}

func ptr(s string) *string { return &s }

func TestIncrByKeepsTheExpiryOfAVolatileKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "n", "1", SetOptions{ExpireAt: t0 + 1000})
		mustUpdate(t, d, t0, func(tx *Tx) error { _, err := tx.IncrBy(0, []byte("n"), 1); return err })
		if at := expireAtOf(t, d, 0, t0, "n"); at != t0+1000 {
			t.Errorf("expiry after INCRBY = %d, want %d", at, t0+1000)
		}
	})
}

func TestIncrByOnAnExpiredKeyStartsFromZeroWithoutExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "n", "41", SetOptions{ExpireAt: t0 + 10})
		var got int64
		mustUpdate(t, d, t0+10, func(tx *Tx) error {
			var err error
			got, err = tx.IncrBy(0, []byte("n"), 1)
			return err
		})
		if got != 1 {
			t.Errorf("IncrBy = %d, want 1", got)
		}
		if at := expireAtOf(t, d, 0, t0+10, "n"); at != 0 {
			t.Errorf("expiry = %d, want none", at)
		}
		if n := mustExpires(t, d, 0); n != 0 {
			t.Errorf("Expires = %d, want 0 (the old expiry index entry must go)", n)
		}
		if n := d.DBSize(0); n != 1 {
			t.Errorf("DBSize = %d, want 1", n)
		}
	})
}

// TestParseInt checks ParseInt against Redis's string2ll (util.c).
func TestParseInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"42", 42, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},   // MaxInt64 + 1
		{"-9223372036854775809", 0, false},  // MinInt64 - 1
		{"18446744073709551615", 0, false},  // MaxUint64
		{"18446744073709551616", 0, false},  // MaxUint64 + 1
		{"99999999999999999999", 0, false},  // 20 digits
		{"-99999999999999999999", 0, false}, // 21 bytes
		{"000000000000000000001", 0, false}, // 21 bytes
		{"", 0, false},
		{"-", 0, false},
		{"-0", 0, false},
		{"00", 0, false},
		{"007", 0, false},
		{"-07", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1a", 0, false},
		{"a1", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"--1", 0, false},
		{"0x10", 0, false},
		{"\x001", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseInt([]byte(tc.in))
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseInt checks ParseInt against strconv with string2ll's extra rules.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "007", "+1", " 1", "9223372036854775807", "-9223372036854775808", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseInt([]byte(s))
		want, err := strconv.ParseInt(s, 10, 64)
		wantOK := err == nil && s != "" && s[0] != '+' && s != "-0" &&
			!(len(s) > 1 && s[0] == '0') && !(len(s) > 2 && s[0] == '-' && s[1] == '0')
		if ok != wantOK || ok && got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
		}
		if ok && strconv.FormatInt(got, 10) != s {
			t.Errorf("ParseInt(%q) accepted a non-canonical form", s)
		}
	})
}

func TestGetOfMissingKeyIsErrNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		if _, err := d.Get(0, []byte("nope")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get = %v, want ErrNotFound", err)
		}
	})
}

func TestDatabasesAreSeparateNamespaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		if err := d.Set(3, []byte("k"), []byte("three"), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Get(0, []byte("k")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get db 0 = %v, want ErrNotFound", err)
		}
		if v, err := d.Get(3, []byte("k")); err != nil || string(v) != "three" {
			t.Errorf("Get db 3 = %q, %v", v, err)
		}
		if d.DBSize(0) != 0 || d.DBSize(3) != 1 {
			t.Errorf("DBSize db0=%d db3=%d, want 0 and 1", d.DBSize(0), d.DBSize(3))
		}
	})
}

func TestDatabaseOutOfRangeIsErrBadDB(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		for _, db := range []int{-1, d.Databases()} {
			if _, err := d.Get(db, []byte("k")); !errors.Is(err, ErrBadDB) {
				t.Errorf("Get(db %d) = %v, want ErrBadDB", db, err)
			}
			if err := d.Set(db, []byte("k"), []byte("v"), 0); !errors.Is(err, ErrBadDB) {
				t.Errorf("Set(db %d) = %v, want ErrBadDB", db, err)
			}
			if err := d.Keys(db, nil, func([]byte, Type) bool { return true }); !errors.Is(err, ErrBadDB) {
				t.Errorf("Keys(db %d) = %v, want ErrBadDB", db, err)
			}
			if _, err := d.Expires(db); !errors.Is(err, ErrBadDB) {
				t.Errorf("Expires(db %d) = %v, want ErrBadDB", db, err)
			}
			if err := d.FlushDB(db, 0); !errors.Is(err, ErrBadDB) {
				t.Errorf("FlushDB(db %d) = %v, want ErrBadDB", db, err)
			}
			if n := d.DBSize(db); n != 0 {
				t.Errorf("DBSize(db %d) = %d, want 0", db, n)
			}
		}
	})
}

func TestMSetAndMGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		if err := d.Set(0, []byte("volatile"), []byte("v"), t0+1); err != nil {
			t.Fatal(err)
		}
		if err := d.MSet(0, map[string][]byte{"a": []byte("1"), "b": []byte("2"), "empty": {}}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(1) // "volatile" is now expired
		got, err := d.MGet(0, [][]byte{[]byte("a"), []byte("missing"), []byte("b"), []byte("volatile"), []byte("empty")})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"1", "<nil>", "2", "<nil>", ""}
		for i, v := range got {
			s := string(v)
			if v == nil {
				s = "<nil>"
			}
			if s != want[i] {
				t.Errorf("MGet[%d] = %q, want %q", i, s, want[i])
			}
		}
		if n := d.DBSize(0); n != 4 {
			t.Errorf("DBSize = %d, want 4", n)
		}
	})
}

func TestDeleteCountsOnlyLiveKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		mustSet(t, d, 0, t0, "a", "1", SetOptions{})
		mustSet(t, d, 0, t0, "b", "2", SetOptions{ExpireAt: t0 + 5})
		mustSet(t, d, 0, t0, "c", "3", SetOptions{ExpireAt: t0 + 50})
		clock.Set(t0 + 5) // "b" expired, still stored
		n, err := d.Delete(0, []byte("a"), []byte("a"), []byte("b"), []byte("c"), []byte("missing"))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("Delete = %d, want 2 (a and c; b had expired, a twice counts once)", n)
		}
		if s := d.DBSize(0); s != 0 {
			t.Errorf("DBSize = %d, want 0: deleting an expired key removes it", s)
		}
		if e := mustExpires(t, d, 0); e != 0 {
			t.Errorf("Expires = %d, want 0", e)
		}
	})
}

func TestKeysOverAPrefix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		for _, k := range []string{"user:2", "user:10", "user:1", "users", "admin:1", "user:"} {
			mustSet(t, d, 0, t0, k, "v", SetOptions{})
		}
		mustSet(t, d, 0, t0, "user:3", "v", SetOptions{ExpireAt: t0 + 1})
		if err := d.Set(1, []byte("user:other-db"), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0 + 1)

		collect := func(prefix string, limit int) []string {
			var got []string
			err := d.Keys(0, []byte(prefix), func(k []byte, typ Type) bool {
				if typ != TypeString {
					t.Errorf("type of %q = %v, want string", k, typ)
				}
				got = append(got, string(k))
				return len(got) < limit
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		tests := []struct {
			prefix string
			limit  int
			want   []string
		}{
			{"user:", 100, []string{"user:", "user:1", "user:10", "user:2"}},
			{"user", 100, []string{"user:", "user:1", "user:10", "user:2", "users"}},
			{"", 100, []string{"admin:1", "user:", "user:1", "user:10", "user:2", "users"}},
			{"user:", 2, []string{"user:", "user:1"}},
			{"zzz", 100, nil},
		}
		for _, tc := range tests {
			got := collect(tc.prefix, tc.limit)
			if len(got) != len(tc.want) {
				t.Errorf("Keys(%q, stop after %d) = %q, want %q", tc.prefix, tc.limit, got, tc.want)
				continue
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Keys(%q, stop after %d) = %q, want %q", tc.prefix, tc.limit, got, tc.want)
					break
				}
			}
		}
	})
}

func TestWritesInAReadOnlyTxFail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		mustSet(t, d, 0, t0, "k", "1", SetOptions{ExpireAt: t0 + 100})
		tx := d.Begin(t0, false)
		defer tx.Discard()
		if _, err := tx.Set(0, []byte("k"), []byte("v"), SetOptions{}); !errors.Is(err, ErrReadOnlyTx) {
			t.Errorf("Set = %v, want ErrReadOnlyTx", err)
		}
		if _, err := tx.IncrBy(0, []byte("k"), 1); !errors.Is(err, ErrReadOnlyTx) {
			t.Errorf("IncrBy = %v, want ErrReadOnlyTx", err)
		}
		if _, err := tx.Delete(0, []byte("k")); !errors.Is(err, ErrReadOnlyTx) {
			t.Errorf("Delete = %v, want ErrReadOnlyTx", err)
		}
		if _, err := tx.Expire(0, []byte("k"), t0+5, 0); !errors.Is(err, ErrReadOnlyTx) {
			t.Errorf("Expire = %v, want ErrReadOnlyTx", err)
		}
		if _, err := tx.Persist(0, []byte("k")); !errors.Is(err, ErrReadOnlyTx) {
			t.Errorf("Persist = %v, want ErrReadOnlyTx", err)
		}
	})
}

func TestUpdateDiscardsEverythingWhenFnFails(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		boom := errors.New("boom")
		err := d.Update(func(tx *Tx) error {
			if _, err := tx.Set(0, []byte("k"), []byte("v"), SetOptions{ExpireAt: t0 + 100}); err != nil {
				return err
			}
			tx.SetApplied(99)
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update = %v, want boom", err)
		}
		if _, ok := getAt(t, d, 0, t0, "k"); ok {
			t.Error("key written by a failed Update is visible")
		}
		if d.DBSize(0) != 0 || d.Applied() != 0 || mustExpires(t, d, 0) != 0 {
			t.Errorf("after failed Update: DBSize %d, Applied %d, Expires %d; want all 0",
				d.DBSize(0), d.Applied(), mustExpires(t, d, 0))
		}
		// The write lock was released: another Update goes through.
		if err := d.Set(0, []byte("k"), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCommitTwiceFails(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		tx := d.Begin(t0, true)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err == nil {
			t.Error("second Commit succeeded")
		}
		tx.Discard() // safe after Commit
	})
}

// largeValueSizes are value sizes around and well above ValueThreshold (1 KiB by default, and the
// engine adds a 9-byte header): Redis clients routinely send 1 KiB values (redis-benchmark -d 1024).
// They stay under 1 MiB, the most Badger holds in memory mode whatever the options.
var largeValueSizes = []int{1000, 1014, 1015, 1016, 1024, 4096, 100 << 10, 512 << 10}

func setAndGetLarge(t *testing.T, d *DB, n int) {
	t.Helper()
	v := bytes.Repeat([]byte{'x'}, n)
	if err := d.Set(0, []byte("big"), v, 0); err != nil {
		t.Fatalf("Set of a %d-byte value: %.80v", n, err)
	}
	got, err := d.Get(0, []byte("big"))
	if err != nil || !bytes.Equal(got, v) {
		t.Errorf("Get = %d bytes, %v; want %d bytes", len(got), err, n)
	}
}

// TestLargeValues stores large values on each backend. The in-memory cases run in a child process:
// Badger may panic in its own write goroutine there, which no recover can catch.
func TestLargeValues(t *testing.T) {
	t.Parallel()
	t.Run("disk", func(t *testing.T) {
		d := openDB(t, testOptions(t.TempDir()))
		for _, n := range largeValueSizes {
			t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) { setAndGetLarge(t, d, n) })
		}
	})
	t.Run("memory", func(t *testing.T) {
		for _, n := range largeValueSizes {
			t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLargeValueInMemoryChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), fmt.Sprintf("FLIN_LARGE_VALUE_CHILD=%d", n))
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Errorf("in-memory engine with a %d-byte value: %v\n%s", n, err, firstLines(out, 6))
				}
			})
		}
	})
}

// TestLargeValueInMemoryChild is TestLargeValues' child process; it does nothing on its own.
func TestLargeValueInMemoryChild(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("FLIN_LARGE_VALUE_CHILD"))
	if err != nil {
		t.Skip("run by TestLargeValues")
	}
	setAndGetLarge(t, openDB(t, testOptions("")), n)
}

func firstLines(b []byte, n int) []byte {
	lines := bytes.SplitAfterN(b, []byte("\n"), n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return bytes.Join(lines, nil)
}
