package scan

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestEmailIndexMatchesAMap(t *testing.T) {
	x := newEmailIndex()
	m := map[string]int32{}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200_000 {
		k := fmt.Sprintf("u%d@x.com", r.IntN(60_000))
		if i%1000 == 0 {
			k = "" // the empty key is a key like any other
		}
		v, found := x.slot(k, int32(i))
		want, ok := m[k]
		if found != ok || found && *v != want {
			t.Fatalf("%q: found %v %d, map %v %d", k, found, *v, ok, want)
		}
		if found {
			*v = want + 1
			m[k] = want + 1
		} else {
			m[k] = int32(i)
		}
	}
	if x.len() != len(m) {
		t.Errorf("%d keys, map has %d", x.len(), len(m))
	}
	for k, want := range m {
		if v, found := x.slot(k, -1); !found || *v != want {
			t.Errorf("%q: %v %d, want %d", k, found, *v, want)
		}
	}
}

func TestEmailIndexCollidingHashes(t *testing.T) {
	// Keys whose hashes agree entirely are still told apart, across growth.
	x := newEmailIndex()
	x.hash = func(string) uint32 { return 7 }
	for i := range 1500 {
		if v, found := x.slot(fmt.Sprint(i), int32(i)); found || *v != int32(i) {
			t.Fatalf("%d: found %v %d", i, found, *v)
		}
	}
	for i := range 1500 {
		if v, found := x.slot(fmt.Sprint(i), -1); !found || *v != int32(i) {
			t.Fatalf("%d: found %v %d", i, found, *v)
		}
	}
}
