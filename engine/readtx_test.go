package engine

import (
	"errors"
	"testing"
)

func TestReadTxIsCurrentUntilTheEngineIsWritten(t *testing.T) {
	d := openDB(t, testOptions(""))
	mustUpdate(t, d, t0, func(tx *Tx) error {
		_, err := tx.Set(0, []byte("k"), []byte("a"), SetOptions{})
		return err
	})
	rtx := d.Begin(t0, false)
	defer rtx.Discard()
	if !rtx.Current() {
		t.Fatal("a new read Tx is not Current")
	}
	if w := d.Begin(t0, true); w.Current() {
		t.Error("a write Tx is Current")
	} else {
		w.Discard() // a discarded write does not write
	}
	if !rtx.Current() {
		t.Fatal("a discarded write made the read Tx not Current")
	}
	mustUpdate(t, d, t0, func(tx *Tx) error {
		_, err := tx.Set(0, []byte("k"), []byte("b"), SetOptions{})
		return err
	})
	if rtx.Current() {
		t.Fatal("the read Tx is Current after a commit")
	}
	fresh := d.Begin(t0, false)
	if err := d.FlushDB(1, 0); err != nil {
		t.Fatal(err)
	}
	if fresh.Current() {
		t.Error("the read Tx is Current after a flush")
	}
	fresh.Discard()
	if fresh.Current() {
		t.Error("a discarded Tx is Current")
	}
}

// A read Tx begun while a write is under way may or may not see it: it must never be Current, or a
// connection could go on reading the old value after others read the new one.
func TestReadTxBegunDuringAWriteIsNotCurrent(t *testing.T) {
	d := openDB(t, testOptions(""))
	d.writing() // what commitTxn, flush and Restore do around the write to Badger
	during := d.Begin(t0, false)
	defer during.Discard()
	if during.Current() {
		t.Error("a read Tx begun during a write is Current while it lasts")
	}
	d.wrote()
	if during.Current() {
		t.Error("a read Tx begun during a write is Current after it")
	}
	after := d.Begin(t0, false)
	defer after.Discard()
	if !after.Current() {
		t.Error("a read Tx begun after the write is not Current")
	}
}

func TestGetFuncHandsOverTheValueOrSaysWhyNot(t *testing.T) {
	d := openDB(t, testOptions(""))
	mustUpdate(t, d, t0, func(tx *Tx) error {
		for k, v := range map[string]string{"s": "value", "empty": ""} {
			if _, err := tx.Set(0, []byte(k), []byte(v), SetOptions{}); err != nil {
				return err
			}
		}
		if _, err := tx.Set(0, []byte("soon"), []byte("x"), SetOptions{ExpireAt: t0 + 10}); err != nil {
			return err
		}
		_, err := tx.HSet(0, []byte("h"), [][]byte{[]byte("f"), []byte("v")})
		return err
	})
	tx := d.Begin(t0+10, false)
	defer tx.Discard()
	for _, c := range []struct {
		key, want string
		err       error
	}{
		{"s", "value", nil}, {"empty", "", nil}, {"missing", "", ErrNotFound},
		{"soon", "", ErrNotFound}, {"h", "", ErrWrongType},
	} {
		called, got := false, ""
		err := tx.GetFunc(0, []byte(c.key), func(v []byte) { called, got = true, string(v) })
		if !errors.Is(err, c.err) || got != c.want || called != (c.err == nil) {
			t.Errorf("GetFunc(%q) = %q, %v (called %v); want %q, %v", c.key, got, err, called, c.want, c.err)
		}
	}
}
