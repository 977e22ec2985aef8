package engine_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/flin-resp/flin-resp/engine"
)

// The engine used embedded, without Raft or the RESP server: open a directory, write and read keys,
// then close it.
func Example() {
	dir, err := os.MkdirTemp("", "flin-engine-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := engine.Open(engine.DefaultOptions(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// SET greeting hello PX 60000: expiries are absolute Unix milliseconds, 0 means none.
	expireAt := time.Now().Add(time.Minute).UnixMilli()
	if err := db.Set(0, []byte("greeting"), []byte("hello"), expireAt); err != nil {
		log.Fatal(err)
	}
	v, err := db.Get(0, []byte("greeting"))
	fmt.Printf("GET greeting: %s %v\n", v, err)

	// MSET, then MGET: a missing key reads as nil.
	err = db.MSet(0, map[string][]byte{"user:1": []byte("ada"), "user:2": []byte("alan"), "other": []byte("x")})
	if err != nil {
		log.Fatal(err)
	}
	vals, _ := db.MGet(0, [][]byte{[]byte("user:1"), []byte("user:3"), []byte("user:2")})
	fmt.Printf("MGET: %q\n", vals)

	// Keys over a prefix, in key order.
	_ = db.Keys(0, []byte("user:"), func(key []byte, t engine.Type) bool {
		fmt.Printf("key %s (%s)\n", key, t)
		return true
	})

	// Several operations in one atomic transaction: INCRBY twice.
	var n int64
	err = db.Update(func(tx *engine.Tx) error {
		if _, err := tx.IncrBy(0, []byte("visits"), 10); err != nil {
			return err
		}
		n, err = tx.IncrBy(0, []byte("visits"), 5)
		return err
	})
	fmt.Println("INCRBY visits:", n, err)

	// DEL returns how many keys existed.
	deleted, _ := db.Delete(0, []byte("other"), []byte("nope"))
	fmt.Println("DEL:", deleted, "DBSIZE:", db.DBSize(0))

	_, err = db.Get(0, []byte("other"))
	fmt.Println("GET other:", err)

	// Output:
	// GET greeting: hello <nil>
	// MGET: ["ada" "" "alan"]
	// key user:1 (string)
	// key user:2 (string)
	// INCRBY visits: 15 <nil>
	// DEL: 1 DBSIZE: 4
	// GET other: engine: key not found
}

// Expiry is decided against the engine's clock (Options.Clock), in milliseconds.
func ExampleOptions_WithClock() {
	now := time.UnixMilli(1_700_000_000_000)
	opts := engine.DefaultOptions("").WithInMemory(true).WithClock(func() time.Time { return now })
	db, err := engine.Open(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	_ = db.Set(0, []byte("session"), []byte("token"), now.Add(1500*time.Millisecond).UnixMilli())
	for _, step := range []time.Duration{0, 1499 * time.Millisecond, time.Millisecond} {
		now = now.Add(step)
		_, err := db.Get(0, []byte("session"))
		fmt.Printf("after %v: found=%v\n", step, err == nil)
	}
	// Output:
	// after 0s: found=true
	// after 1.499s: found=true
	// after 1ms: found=false
}
