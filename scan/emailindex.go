package scan

import "hash/maphash"

// emailIndex maps normalized emails to an int32, for the scanner's one
// lookup per email. It does in one probe what a Go map needs a lookup and an
// assignment for, and its slots carry part of the hash, so a probe rarely
// touches a key's bytes: a third of the cost of map[string]int32 at a
// million emails, in about the same memory. Linear probing, at most half
// full, with a random seed (no flooding by chosen emails).
type emailIndex struct {
	hash  func(string) uint32
	slots []uint64 // hash<<32 | entry+1; 0 is empty
	mask  uint32
	keys  []string
	vals  []int32
}

func newEmailIndex() *emailIndex { return newEmailIndexFor(0) }

// newEmailIndexFor makes an index sized for about n keys from the start:
// growing to a million rehashes every key on the way and copies the key
// list each time it doubles.
func newEmailIndexFor(n int) *emailIndex {
	size := 1 << 10
	for size < 2*n && size < 1<<26 {
		size *= 2
	}
	seed := maphash.MakeSeed()
	return &emailIndex{
		hash:  func(s string) uint32 { return uint32(maphash.String(seed, s)) },
		slots: make([]uint64, size), mask: uint32(size - 1),
		keys: make([]string, 0, min(n, 1<<25)), vals: make([]int32, 0, min(n, 1<<25)),
	}
}

// slot returns the value stored for key, adding key with the value fresh
// when it is new; found says which. The pointer is good until the next call.
func (x *emailIndex) slot(key string, fresh int32) (v *int32, found bool) {
	return x.slotHashed(key, x.hash(key), fresh)
}

// slotHashed is slot for a key whose hash (x.hash) is known: the scanner's
// decoders hash on every CPU, so that its one indexing goroutine only probes.
func (x *emailIndex) slotHashed(key string, h uint32, fresh int32) (v *int32, found bool) {
	if 2*(len(x.keys)+1) > len(x.slots) {
		x.grow()
	}
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			x.keys = append(x.keys, key)
			x.vals = append(x.vals, fresh)
			x.slots[i] = uint64(h)<<32 | uint64(len(x.keys))
			return &x.vals[len(x.vals)-1], false
		}
		if e := uint32(s) - 1; uint32(s>>32) == h && x.keys[e] == key {
			return &x.vals[e], true
		}
	}
}

// get returns the value stored for key, if any.
func (x *emailIndex) get(key string) (int32, bool) {
	h := x.hash(key)
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return 0, false
		}
		if e := uint32(s) - 1; uint32(s>>32) == h && x.keys[e] == key {
			return x.vals[e], true
		}
	}
}

// grow doubles the slots; the 32 hash bits kept in each slot place it again
// without hashing its key.
func (x *emailIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	x.mask = uint32(len(x.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := uint32(s>>32) & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = s
	}
}

func (x *emailIndex) len() int { return len(x.keys) }
