package linking

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/linkdesk/linkdesk/client"
)

// Identifier names, as Flexible Identifiers and the report spell them.
const (
	IdentifierEmail       = "email"
	IdentifierUsername    = "username"
	IdentifierPhoneNumber = "phone_number"
	IdentifierUserID      = "user_id"
)

// defaultPrecedence is Auth0's lookup order when options.precedence is unset.
var defaultPrecedence = []string{IdentifierEmail, IdentifierPhoneNumber, IdentifierUsername}

// Connection is what linkdesk needs to know of a connection to say who an
// account is and whether accounts sharing an email there are legitimate.
type Connection struct {
	ID, Name, Strategy string
	Provider           string   // "auth0", "google-oauth2", "sms", "samlp", ...
	IsDatabase         bool     // strategy auth0
	IsSocial           bool     // a social identity provider
	NonUniqueEmail     bool     // options.attributes.email.unique == false
	Identifiers        []string // active identifiers in precedence order
	RequiresUsername   bool     // legacy options.requires_username
	LegacyCustomDB     bool     // custom database without import mode: emails not enforced unique
	Inferred           bool     // learned from a user's identity: settings unknown
}

// SharesEmails reports whether several accounts of the connection may hold
// one email, each a person or profile of its own: a Non-Unique Emails
// connection (a family, a shop's branches) or a legacy custom database.
// Whoever signs in with an account linked into one of them reaches that
// one alone, which a link's confirmation says.
func (c *Connection) SharesEmails() bool { return c.NonUniqueEmail || c.LegacyCustomDB }

// socialStrategies are the strategies whose identities Auth0 marks isSocial.
var socialStrategies = map[string]bool{
	"google-oauth2": true, "facebook": true, "apple": true, "github": true,
	"linkedin": true, "twitter": true, "windowslive": true, "amazon": true,
	"bitbucket": true, "box": true, "dropbox": true, "paypal": true,
	"paypal-sandbox": true, "salesforce": true, "salesforce-community": true,
	"salesforce-sandbox": true, "shopify": true, "line": true, "wordpress": true,
	"yahoo": true, "yandex": true, "vkontakte": true, "weibo": true, "baidu": true,
	"instagram": true, "soundcloud": true, "evernote": true, "evernote-sandbox": true,
	"fitbit": true, "exact": true, "dwolla": true, "miicard": true, "renren": true,
	"thirtysevensignals": true, "planningcenter": true, "bitly": true, "daccount": true,
	"untappd": true, "flickr": true, "oauth1": true, "oauth2": true, "custom": true,
}

// IsSocialStrategy reports whether Auth0 marks the identities of this
// strategy isSocial.
func IsSocialStrategy(strategy string) bool { return socialStrategies[strategy] }

// ConnectionFromClient reads the identity-relevant settings of a connection
// as the tenant listed it.
func ConnectionFromClient(c client.Connection) Connection {
	conn := Connection{ID: c.ID, Name: c.Name, Strategy: c.Strategy}
	conn.Provider = conn.Strategy // Auth0 names an identity's provider after its strategy
	conn.IsDatabase = conn.Strategy == client.StrategyAuth0
	conn.IsSocial = socialStrategies[conn.Strategy]
	if conn.IsDatabase {
		applyDatabaseOptions(&conn, c.Options)
	} else {
		conn.Identifiers = defaultIdentifiers(conn.Strategy)
	}
	return conn
}

func applyDatabaseOptions(conn *Connection, o client.ConnectionOptions) {
	conn.LegacyCustomDB = o.CustomDatabase && !o.ImportMode
	attrs := o.Attributes
	if attrs == nil {
		// Legacy settings: email always identifies; requires_username adds username.
		conn.RequiresUsername = o.RequiresUsername
		conn.Identifiers = []string{IdentifierEmail}
		if conn.RequiresUsername {
			conn.Identifiers = append(conn.Identifiers, IdentifierUsername)
		}
		return
	}
	conn.NonUniqueEmail = attrs.Email.NonUnique
	active := map[string]bool{
		IdentifierEmail:       attrs.Email.Active,
		IdentifierUsername:    attrs.Username.Active,
		IdentifierPhoneNumber: attrs.PhoneNumber.Active,
	}
	for _, id := range slices.Concat(o.Precedence, defaultPrecedence) {
		if active[id] && !slices.Contains(conn.Identifiers, id) {
			conn.Identifiers = append(conn.Identifiers, id)
		}
	}
	if len(conn.Identifiers) == 0 && !conn.NonUniqueEmail {
		conn.Identifiers = []string{IdentifierEmail}
	}
}

// defaultIdentifiers are the identifiers of a connection without database
// settings: the phone on sms, the email everywhere else.
func defaultIdentifiers(strategy string) []string {
	if strategy == client.StrategySMS {
		return []string{IdentifierPhoneNumber}
	}
	return []string{IdentifierEmail}
}

// Connections is a tenant's connections, looked up by name or id. Names of
// connections that users reference but the tenant did not list are learned
// as Inferred entries. In inferred mode (only an export file at hand) every
// connection is learned that way. Connection and provider names are interned
// here so that a million accounts share a handful of strings.
//
// It is safe for concurrent use.
type Connections struct {
	mu       sync.RWMutex
	list     []*Connection // entries are never changed once added
	byName   map[string]uint32
	byID     map[string]uint32
	strs     map[string]string
	inferred bool
}

// NewConnections indexes connections read from the tenant.
func NewConnections(list ...Connection) *Connections {
	c := &Connections{byName: map[string]uint32{}, byID: map[string]uint32{}, strs: map[string]string{}}
	for _, conn := range list {
		c.add(conn)
	}
	return c
}

// ConnectionsFromClient indexes the connections the tenant listed.
func ConnectionsFromClient(list []client.Connection) *Connections {
	conns := make([]Connection, 0, len(list))
	for _, c := range list {
		conns = append(conns, ConnectionFromClient(c))
	}
	return NewConnections(conns...)
}

// InferConnections is the empty set of inferred mode: connections are learned
// from users' identities (name, provider as strategy, isSocial) and their
// settings are unknown, which classification reasons say.
func InferConnections() *Connections {
	c := NewConnections()
	c.inferred = true
	return c
}

// Inferred reports whether the set was built without the tenant's list.
func (c *Connections) Inferred() bool { return c.inferred }

func (c *Connections) add(conn Connection) uint32 {
	if i, ok := c.byName[conn.Name]; ok {
		return i
	}
	conn.Strategy = c.internLocked(conn.Strategy)
	conn.Provider = c.internLocked(conn.Provider)
	conn.Name = c.internLocked(conn.Name)
	i := uint32(len(c.list))
	c.list = append(c.list, &conn)
	c.byName[conn.Name] = i
	if conn.ID != "" {
		c.byID[conn.ID] = i
	}
	return i
}

// ByName returns the connection called name, listed or inferred.
func (c *Connections) ByName(name string) (Connection, bool) { return c.get(c.byName, name) }

// ByID returns the listed connection with this id.
func (c *Connections) ByID(id string) (Connection, bool) { return c.get(c.byID, id) }

func (c *Connections) get(index map[string]uint32, key string) (Connection, bool) {
	if p := c.find(index, key); p != nil {
		return *p, true
	}
	return Connection{}, false
}

func (c *Connections) find(index map[string]uint32, key string) *Connection {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := index[key]
	if !ok {
		return nil
	}
	return c.list[i]
}

// Listed returns the connections read from the tenant (none learned from
// users' identities), in the order they were added.
func (c *Connections) Listed() []Connection {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Connection
	for _, conn := range c.list {
		if !conn.Inferred {
			out = append(out, *conn)
		}
	}
	return out
}

// Known returns, sorted, the names of the connections read from the tenant;
// in inferred mode, the names learned so far.
func (c *Connections) Known() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var names []string
	for _, conn := range c.list {
		if c.inferred || !conn.Inferred {
			names = append(names, conn.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Check returns nil when name is a known connection, and otherwise an error
// that lists the known ones.
func (c *Connections) Check(name string) error {
	if conn, ok := c.ByName(name); ok && (c.inferred || !conn.Inferred) {
		return nil
	}
	known := c.Known()
	if len(known) == 0 {
		return fmt.Errorf("unknown connection %q: the tenant has no connections", name)
	}
	if i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, name) }); i >= 0 {
		return fmt.Errorf("unknown connection %q: connection names are case-sensitive; the tenant has %q", name, known[i])
	}
	return fmt.Errorf("unknown connection %q; known connections: %s", name, strings.Join(known, ", "))
}

// Index returns the interned index of connection name, learning it from the
// identity (provider, isSocial) when the set does not know it. The scanner
// holds an account's connection as this index.
func (c *Connections) Index(name []byte, provider []byte, isSocial bool) uint32 {
	return getOrAdd(c, c.byName, name, func(name string) uint32 {
		return c.add(inferredConnection(name, string(provider), isSocial))
	})
}

// getOrAdd looks key up in m under the read lock (no allocation when found)
// and calls add under the write lock when it is missing.
func getOrAdd[V any](c *Connections, m map[string]V, key []byte, add func(string) V) V {
	c.mu.RLock()
	v, ok := m[string(key)]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return add(string(key))
}

// inferredConnection stands in for a connection known only from an identity.
func inferredConnection(name, provider string, isSocial bool) Connection {
	return Connection{
		Name: name, Strategy: provider, Provider: provider,
		// An identity without isSocial (a hand-made or trimmed export) is
		// still social when its provider is a social strategy.
		IsDatabase: provider == client.StrategyAuth0, IsSocial: isSocial || socialStrategies[provider],
		Identifiers: defaultIdentifiers(provider), Inferred: true,
	}
}

// At returns the connection with interned index i.
func (c *Connections) At(i uint32) *Connection {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.list[i]
}

// Intern returns a shared copy of b (provider names and the like).
func (c *Connections) Intern(b []byte) string {
	return getOrAdd(c, c.strs, b, c.internLocked)
}

func (c *Connections) internLocked(s string) string {
	if t, ok := c.strs[s]; ok {
		return t
	}
	c.strs[s] = s
	return s
}

// lookup returns the settings for the connection named name: the listed or
// learned one, or an inferred stand-in built from the account itself.
func (c *Connections) lookup(name, provider string) *Connection {
	if c != nil {
		if conn := c.find(c.byName, name); conn != nil {
			return conn
		}
	}
	conn := inferredConnection(name, provider, socialStrategies[provider])
	return &conn
}
