package gen

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func all() []*Cmd {
	t := Table()
	out := make([]*Cmd, len(t))
	for i := range t {
		out[i] = &t[i]
	}
	return out
}

func TestTheSameSeedGivesTheSameCommands(t *testing.T) {
	run := func(seed uint64) string {
		g := New(Options{Seed: seed, Proto: 3, Conns: 3}, all())
		var b strings.Builder
		for i := range 3000 {
			fmt.Fprintf(&b, "%q\n", g.Next(i%3).Args)
		}
		return b.String()
	}
	if run(7) != run(7) {
		t.Fatal("two generators of seed 7 differ")
	}
	if run(7) == run(8) {
		t.Fatal("seeds 7 and 8 give the same commands")
	}
}

func TestEveryEntryIsNamedAndGenerated(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range all() {
		if c.Name != strings.ToUpper(c.Name) || c.Name == "" || c.Family == "" {
			t.Errorf("entry %q (family %q): want an upper-case name and a family", c.Name, c.Family)
		}
		if c.Weight < 0 || c.Rare < 0 || c.Rare > 0.01 {
			t.Errorf("%s: weight %d, rare %v", c.Name, c.Weight, c.Rare)
		}
		if seen[c.Name] && c.Args == nil {
			t.Errorf("%s: a second entry without arguments", c.Name)
		}
		seen[c.Name] = true
	}
	g := New(Options{Seed: 1, Proto: 2, Conns: 2, MutateRate: 1e-9}, all())
	got := map[string]int{}
	for range 200000 {
		c := g.Next(0)
		if c.Cmd != nil {
			got[c.Cmd.Name]++
		}
	}
	for _, c := range all() {
		if got[c.Name] == 0 {
			t.Errorf("%s was never generated", c.Name)
		}
	}
}

// TestNoCommandCanExpireDuringARun checks the promise of the package comment: no relative
// expiry is short, and only commands that delete a key at once get an absolute time in the past.
func TestNoCommandCanExpireDuringARun(t *testing.T) {
	for seed := range uint64(5) {
		checkNoShortExpiry(t, New(Options{Seed: seed, Proto: 2, Conns: 1, MutateRate: 0.2}, all()))
	}
}

func checkNoShortExpiry(t *testing.T, g *G) {
	t.Helper()
	for range 200000 {
		args := g.Next(0).Args
		name := strings.ToUpper(args[0])
		short := func(i int, unit int64) bool { // args[i] is an expiry of unit per second
			v, ok := parse(at(args, i))
			return ok && v > 0 && v < 1000*unit
		}
		bad := false
		for i := 1; i < len(args); i++ {
			switch strings.ToUpper(args[i]) {
			case "EX":
				bad = bad || short(i+1, 1)
			case "PX":
				bad = bad || short(i+1, 1000)
			case "EXAT":
				v, ok := parse(at(args, i+1))
				bad = bad || name != "GETEX" && ok && v > 0 && v < farFuture
			case "PXAT":
				v, ok := parse(at(args, i+1))
				bad = bad || name != "GETEX" && ok && v > 0 && v < farFuture*1000
			}
		}
		switch name {
		case "EXPIRE", "SETEX":
			bad = bad || short(2, 1)
		case "PEXPIRE", "PSETEX":
			bad = bad || short(2, 1000)
		}
		if bad {
			t.Fatalf("%q may expire during a run", args)
		}
	}
}

func at(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func parse(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
