package scan

import "github.com/linkdesk/linkdesk/linking"

// connCache remembers a Connections' answers for one goroutine, so that the
// decoder's hot path takes no lock: a tenant has a handful of connections
// and providers, looked up once per line.
type connCache struct {
	set       *linking.Connections
	names     []string
	indexes   []uint32
	providers []string
	byIndex   []string // provider of each connection, by index
}

// maxCached bounds the cache; a line naming a rarer connection still works,
// through the locked set.
const maxCached = 64

func (c *connCache) reset(set *linking.Connections) {
	if c.set != set {
		*c = connCache{set: set}
	}
}

// index is Connections.index, cached.
func (c *connCache) index(name, provider []byte, isSocial bool) uint32 {
	for i, n := range c.names {
		if n == string(name) {
			return c.indexes[i]
		}
	}
	i := c.set.Index(name, provider, isSocial)
	if len(c.names) < maxCached {
		c.names = append(c.names, c.set.At(i).Name)
		c.indexes = append(c.indexes, i)
	}
	return i
}

// intern is Connections.intern, cached.
func (c *connCache) intern(b []byte) string {
	for _, p := range c.providers {
		if p == string(b) {
			return p
		}
	}
	s := c.set.Intern(b)
	if len(c.providers) < maxCached {
		c.providers = append(c.providers, s)
	}
	return s
}

// providerOf returns the provider of the connection with index i. Entries
// never change once added, so a copy stays true.
func (c *connCache) providerOf(i uint32) string {
	for int(i) >= len(c.byIndex) {
		c.byIndex = append(c.byIndex, c.set.At(uint32(len(c.byIndex))).Provider)
	}
	return c.byIndex[i]
}
