package engine

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func records(t *testing.T, d *DB, prefix string) string {
	t.Helper()
	var out []string
	if err := d.Records([]byte(prefix), func(name, value []byte) { out = append(out, string(name)+"="+string(value)) }); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(out)
}

func TestRecordsAreKeptApartFromUserDataAndTravelInSnapshots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *DB, _ *fakeClock) {
		err := d.Update(func(tx *Tx) error {
			for _, kv := range [][2]string{{"member/a", "h1:1"}, {"member/b", "h2:2"}, {"other", "x"}} {
				if err := tx.PutRecord([]byte(kv[0]), []byte(kv[1])); err != nil {
					return err
				}
			}
			_, err := tx.Set(0, []byte("member/a"), []byte("user data"), SetOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := records(t, d, "member/"); got != "[member/a=h1:1 member/b=h2:2]" {
			t.Fatalf("records = %s", got)
		}
		if n := d.DBSize(0); n != 1 {
			t.Fatalf("DBSize = %d: records must not count as keys", n)
		}
		if err := d.FlushAll(0); err != nil {
			t.Fatal(err)
		}
		if got := records(t, d, "member/"); got != "[member/a=h1:1 member/b=h2:2]" {
			t.Fatalf("records after FLUSHALL = %s", got)
		}
		if err := d.Update(func(tx *Tx) error { return tx.DeleteRecord([]byte("member/a")) }); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		s := d.Snapshot()
		_, err = s.WriteTo(&buf)
		s.Release()
		if err != nil {
			t.Fatal(err)
		}
		dst := openDB(t, testOptions(""))
		if err := dst.Restore(&buf); err != nil {
			t.Fatal(err)
		}
		if got := records(t, dst, ""); got != "[member/b=h2:2 other=x]" {
			t.Fatalf("records after a snapshot restore = %s", got)
		}
		if err := dst.View(func(tx *Tx) error { return tx.PutRecord([]byte("x"), nil) }); !errors.Is(err, ErrReadOnlyTx) {
			t.Fatalf("PutRecord in a read transaction = %v", err)
		}
	})
}
