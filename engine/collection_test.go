package engine

import (
	"errors"
	"fmt"
	badger "github.com/dgraph-io/badger/v4"
	"testing"
)

// fieldsOf reads every element under tag of key's collection.
func fieldsOf(t *testing.T, d *DB, now int64, key string, typ Type) map[string]string {
	t.Helper()
	out := map[string]string{}
	tx := d.Begin(now, false)
	defer tx.Discard()
	c, err := tx.Collection(0, []byte(key), typ)
	if err != nil {
		t.Fatal(err)
	}
	err = tx.ScanElements(c, TagHashField, nil, nil, false, func(sub, val []byte) (bool, error) {
		out[string(sub)] = string(val)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func putFields(t *testing.T, d *DB, now int64, key string, kv ...string) {
	t.Helper()
	mustUpdate(t, d, now, func(tx *Tx) error {
		c, err := tx.Collection(0, []byte(key), TypeHash)
		if err != nil {
			return err
		}
		for i := 0; i < len(kv); i += 2 {
			_, found, err := tx.GetElement(c, TagHashField, []byte(kv[i]))
			if err != nil {
				return err
			}
			if !found {
				c.AddLen(1)
			}
			if err := tx.PutElement(c, TagHashField, []byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return tx.SaveCollection(c)
	})
}

func TestCollectionsStoreElementsUnderTheirKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		putFields(t, d, now, "h", "a", "1", "b", "2")
		putFields(t, d, now, "h", "b", "3", "c", "4")
		got := fieldsOf(t, d, now, "h", TypeHash)
		if fmt.Sprint(got) != "map[a:1 b:3 c:4]" {
			t.Fatalf("fields = %v", got)
		}
		tx := d.Begin(now, false)
		c, err := tx.Collection(0, []byte("h"), TypeHash)
		tx.Discard()
		if err != nil || c.Len() != 3 || !c.Exists() {
			t.Fatalf("collection len %d exists %v err %v, want 3 true nil", c.Len(), c.Exists(), err)
		}
		if typ := typeOf(t, d, now, "h"); typ != TypeHash {
			t.Fatalf("TYPE = %v", typ)
		}
		if d.DBSize(0) != 1 {
			t.Fatalf("DBSize = %d, want 1", d.DBSize(0))
		}
	})
}

func typeOf(t *testing.T, d *DB, now int64, key string) Type {
	t.Helper()
	tx := d.Begin(now, false)
	defer tx.Discard()
	typ, err := tx.Type(0, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func TestCollectionOfAnotherTypeIsWrongType(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		mustSet(t, d, 0, clock.Millis(), "s", "v", SetOptions{})
		tx := d.Begin(clock.Millis(), false)
		defer tx.Discard()
		if _, err := tx.Collection(0, []byte("s"), TypeHash); !errors.Is(err, ErrWrongType) {
			t.Fatalf("err = %v, want ErrWrongType", err)
		}
		if _, err := tx.Get(0, []byte("s")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAnEmptiedCollectionVanishes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		putFields(t, d, now, "h", "a", "1")
		mustUpdate(t, d, now, func(tx *Tx) error {
			c, err := tx.Collection(0, []byte("h"), TypeHash)
			if err != nil {
				return err
			}
			if err := tx.DeleteElement(c, TagHashField, []byte("a")); err != nil {
				return err
			}
			c.AddLen(-1)
			return tx.SaveCollection(c)
		})
		if typ := typeOf(t, d, now, "h"); typ != TypeNone {
			t.Fatalf("TYPE after emptying = %v, want none", typ)
		}
		if d.DBSize(0) != 0 {
			t.Fatalf("DBSize = %d, want 0", d.DBSize(0))
		}
	})
}

func TestDeletingACollectionReclaimsItsElementsInTheBackground(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		kv := make([]string, 0, 2*5000)
		for i := 0; i < 5000; i++ {
			kv = append(kv, fmt.Sprintf("f%05d", i), "v")
		}
		putFields(t, d, now, "big", kv...)
		mustUpdate(t, d, now, func(tx *Tx) error {
			ok, err := tx.Delete(0, []byte("big"))
			if !ok {
				t.Error("DEL of the collection found nothing")
			}
			return err
		})
		// A new collection under the same name starts empty: old elements are invisible at once.
		putFields(t, d, now, "big", "x", "1")
		if got := fieldsOf(t, d, now, "big", TypeHash); len(got) != 1 {
			t.Fatalf("recreated collection has %d fields, want 1", len(got))
		}
		for d.garbageVersions() > 0 {
			if _, err := d.CollectGarbage(1000); err != nil {
				t.Fatal(err)
			}
		}
		if n := countSpace(t, d, spaceElement); n != 1 {
			t.Fatalf("%d element keys left after collection, want 1", n)
		}
	})
}

func TestOverwritingAnExpiredCollectionDropsItsElements(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		now := clock.Millis()
		putFields(t, d, now, "h", "a", "1", "b", "2")
		mustUpdate(t, d, now, func(tx *Tx) error {
			_, err := tx.Expire(0, []byte("h"), now+10, 0)
			return err
		})
		later := now + 20
		putFields(t, d, later, "h", "c", "3")
		if got := fieldsOf(t, d, later, "h", TypeHash); fmt.Sprint(got) != "map[c:3]" {
			t.Fatalf("fields = %v, want only c", got)
		}
		if at := expireAtOf(t, d, 0, later, "h"); at != 0 {
			t.Fatalf("new collection inherited expiry %d", at)
		}
		if d.DBSize(0) != 1 {
			t.Fatalf("DBSize = %d, want 1", d.DBSize(0))
		}
	})
}

func countSpace(t *testing.T, d *DB, space byte) int {
	t.Helper()
	n := 0
	tx := d.Begin(0, false)
	defer tx.Discard()
	it := tx.txn.NewIterator(badgerPrefix([]byte{space}))
	defer it.Close()
	for it.Seek([]byte{space}); it.ValidForPrefix([]byte{space}); it.Next() {
		n++
	}
	return n
}

func badgerPrefix(p []byte) badger.IteratorOptions { return badger.IteratorOptions{Prefix: p} }

func TestCommitsReportTheKeysTheyChanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, clock *fakeClock) {
		var got []string
		remove := d.OnCommit(func(c Commit) {
			for _, x := range c.Touched {
				got = append(got, fmt.Sprintf("%d:%s:%v", x.DB, x.Key, x.Flushed))
			}
		})
		t.Cleanup(remove)
		now := clock.Millis()
		mustSet(t, d, 0, now, "a", "1", SetOptions{})
		putFields(t, d, now, "h", "f", "v")
		mustUpdate(t, d, now, func(tx *Tx) error { _, err := tx.Delete(0, []byte("a")); return err })
		tx := d.Begin(now, true)
		if _, err := tx.Set(0, []byte("discarded"), []byte("x"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		tx.Discard()
		if err := d.FlushDB(3, 0); err != nil {
			t.Fatal(err)
		}
		want := "[0:a:false 0:h:false 0:a:false 3::true]"
		if fmt.Sprint(got) != want {
			t.Fatalf("touched = %v, want %v", got, want)
		}
	})
}
