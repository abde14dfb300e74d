package emulator

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// The store is copy-on-write: a *User it holds is never changed again, a
// write stores a new one. So the search view, export snapshots and
// handlers share pointers without copying or holding the lock while they
// encode.

// record is a user's place in a userTable.
type record struct {
	user      *User
	pos       int     // index in userTable.order
	nextEmail *record // next record with the same email (userTable.emails)
}

// userTable holds users by id in a stable order (the tenant's order, then
// creation order); search and listings scan it in that order.
type userTable struct {
	byID   map[string]*record
	order  []*record // nil where a user was removed
	holes  int
	emails map[string]*record // exact email → chain of records; nil: not indexed
}

func newUserTable(size int, indexEmails bool) *userTable {
	t := &userTable{byID: make(map[string]*record, size), order: make([]*record, 0, size)}
	if indexEmails {
		t.emails = make(map[string]*record, size)
	}
	return t
}

func (t *userTable) len() int { return len(t.byID) }

func (t *userTable) get(id string) *User {
	if r := t.byID[id]; r != nil {
		return r.user
	}
	return nil
}

// put stores u, replacing the user with the same id in place.
func (t *userTable) put(u *User) {
	r := t.byID[u.UserID]
	if r == nil {
		r = &record{user: u, pos: len(t.order)}
		t.byID[u.UserID] = r
		t.order = append(t.order, r)
		t.indexEmail(r)
		return
	}
	if r.user.Email != u.Email {
		t.unindexEmail(r)
		r.user = u
		t.indexEmail(r)
		return
	}
	r.user = u
}

func (t *userTable) remove(id string) *User {
	r := t.byID[id]
	if r == nil {
		return nil
	}
	t.unindexEmail(r)
	delete(t.byID, id)
	t.order[r.pos] = nil
	t.holes++
	if t.holes > 1024 && t.holes > len(t.order)/4 {
		t.compact()
	}
	return r.user
}

func (t *userTable) compact() {
	order := make([]*record, 0, len(t.byID))
	for _, r := range t.order {
		if r != nil {
			r.pos = len(order)
			order = append(order, r)
		}
	}
	t.order, t.holes = order, 0
}

func (t *userTable) indexEmail(r *record) {
	if t.emails == nil || r.user.Email == "" {
		return
	}
	r.nextEmail = t.emails[r.user.Email]
	t.emails[r.user.Email] = r
}

func (t *userTable) unindexEmail(r *record) {
	if t.emails == nil || r.user.Email == "" {
		return
	}
	head := t.emails[r.user.Email]
	if head == r {
		if r.nextEmail == nil {
			delete(t.emails, r.user.Email)
		} else {
			t.emails[r.user.Email] = r.nextEmail
		}
	} else {
		for p := head; p != nil; p = p.nextEmail {
			if p.nextEmail == r {
				p.nextEmail = r.nextEmail
				break
			}
		}
	}
	r.nextEmail = nil
}

// byEmail returns the users whose email is exactly email, in table order.
func (t *userTable) byEmail(email string) []*User {
	var rs []*record
	for r := t.emails[email]; r != nil; r = r.nextEmail {
		rs = append(rs, r)
	}
	// The chain is newest first; sort by position (chains are short).
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].pos < rs[j-1].pos; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	us := make([]*User, len(rs))
	for i, r := range rs {
		us[i] = r.user
	}
	return us
}

// each calls fn for every user in order until fn returns false.
func (t *userTable) each(fn func(*User) bool) {
	for _, r := range t.order {
		if r != nil && !fn(r.user) {
			return
		}
	}
}

// users returns the users in order (the pointers, not copies).
func (t *userTable) users() []*User {
	us := make([]*User, 0, len(t.byID))
	t.each(func(u *User) bool { us = append(us, u); return true })
	return us
}

// pendingWrite is a write that has not reached user search yet.
type pendingWrite struct {
	at   time.Time
	id   string
	user *User // nil: deleted
}

// store is the tenant's state behind one RWMutex.
type store struct {
	mu         sync.RWMutex
	conns      []*Connection
	connByID   map[string]*Connection
	connByName map[string]*Connection
	users      *userTable
	// search is what user search sees: users itself, or with a search lag a
	// second table that writes reach after the lag (eventual consistency).
	search  *userTable
	lag     time.Duration
	pending []pendingWrite

	roles    []*Role
	roleByID map[string]*Role
	orgs     []*Organization
	orgByID  map[string]*Organization
	// creds are the passwords of database identities ("auth0|id"): a
	// linked-away identity keeps its password and logs in to its primary.
	creds map[string][]byte
	// failures counts a user's consecutive failed logins; blocks are the
	// brute-force blocks they led to (GET /api/v2/user-blocks/{id}).
	failures map[string]int
	blocks   map[string][]userBlock
}

func newStore(t *Tenant, lag time.Duration) (*store, error) {
	st := &store{
		connByID:   map[string]*Connection{},
		connByName: map[string]*Connection{},
		lag:        lag,
	}
	conns := t.Connections
	if len(conns) == 0 {
		conns = defaultConnections()
	}
	for i, c := range conns {
		cc := *c
		if cc.ID == "" {
			cc.ID = fmt.Sprintf("con_%016d", i+1)
		}
		cc.fillDefaults()
		if st.connByID[cc.ID] != nil || st.connByName[cc.Name] != nil {
			return nil, fmt.Errorf("emulator: duplicate connection %q (%s)", cc.Name, cc.ID)
		}
		st.conns = append(st.conns, &cc)
		st.connByID[cc.ID] = &cc
		st.connByName[cc.Name] = &cc
	}
	// Auth0 lists connections in id order, not in the order they were made
	// (recorded: TestConnectionManager_List).
	slices.SortFunc(st.conns, func(a, b *Connection) int { return strings.Compare(a.ID, b.ID) })
	st.users = newUserTable(len(t.Users), true)
	for _, u := range t.Users {
		if u == nil || u.UserID == "" {
			return nil, fmt.Errorf("emulator: a user without user_id")
		}
		if st.users.get(u.UserID) != nil {
			return nil, fmt.Errorf("emulator: duplicate user_id %q", u.UserID)
		}
		st.users.put(u)
	}
	var err error
	if st.roles, st.roleByID, err = copyByID(t.Roles, "role", func(r *Role) string { return r.ID }); err != nil {
		return nil, err
	}
	if st.orgs, st.orgByID, err = copyByID(t.Organizations, "organization", func(o *Organization) string { return o.ID }); err != nil {
		return nil, err
	}
	st.creds, st.failures, st.blocks = map[string][]byte{}, map[string]int{}, map[string][]userBlock{}
	st.search = st.users
	if lag > 0 {
		st.search = newUserTable(len(t.Users), false)
		st.users.each(func(u *User) bool { st.search.put(u); return true })
	}
	return st, nil
}

// fillDefaults gives a connection what Auth0 answers for the fields it was
// given without: no options, no enabled clients, its name as its realm.
func (c *Connection) fillDefaults() {
	if c.Options == nil {
		c.Options = map[string]any{}
	}
	if c.EnabledClients == nil {
		c.EnabledClients = []string{}
	}
	if c.Realms == nil {
		c.Realms = []string{c.Name}
	}
}

// copyByID copies items into the store's own list and an index by id (a
// list of none stays nil); two items with one id are an error naming kind.
func copyByID[T any](items []*T, kind string, id func(*T) string) ([]*T, map[string]*T, error) {
	var list []*T
	byID := map[string]*T{}
	for _, it := range items {
		if byID[id(it)] != nil {
			return nil, nil, fmt.Errorf("emulator: duplicate %s %q", kind, id(it))
		}
		c := *it
		list = append(list, &c)
		byID[id(it)] = &c
	}
	return list, byID, nil
}

// defaultConnections are the connections of a tenant given none: a database,
// a social and a passwordless connection, as a new Auth0 tenant has.
func defaultConnections() []*Connection {
	return []*Connection{
		{ID: "con_0000000000000001", Name: "Username-Password-Authentication", Strategy: "auth0",
			Options: map[string]any{"brute_force_protection": true}},
		{ID: "con_0000000000000002", Name: "google-oauth2", Strategy: "google-oauth2",
			Options: map[string]any{"email": true, "profile": true}},
		{ID: "con_0000000000000003", Name: "sms", Strategy: "sms",
			Options: map[string]any{"disable_signup": false}},
	}
}

// The methods below that end in Locked expect st.mu held for writing.

// putLocked stores u (new or replacing) and queues it for search.
func (st *store) putLocked(u *User, now time.Time) {
	st.users.put(u)
	if st.lag > 0 {
		st.pending = append(st.pending, pendingWrite{at: now, id: u.UserID, user: u})
	}
}

// removeLocked removes a user and queues the removal for search.
func (st *store) removeLocked(id string, now time.Time) *User {
	old := st.users.remove(id)
	if old != nil && st.lag > 0 {
		st.pending = append(st.pending, pendingWrite{at: now, id: id})
	}
	return old
}

// searchTable brings the search view up to date with the writes older than
// the lag and returns it with st.mu read-locked; the caller must RUnlock.
func (st *store) searchTable(now time.Time) *userTable {
	st.mu.RLock()
	if len(st.pending) == 0 || st.pending[0].at.After(now.Add(-st.lag)) {
		return st.search
	}
	st.mu.RUnlock()
	st.mu.Lock()
	cutoff := now.Add(-st.lag)
	n := 0
	for n < len(st.pending) && !st.pending[n].at.After(cutoff) {
		p := st.pending[n]
		if p.user == nil {
			st.search.remove(p.id)
		} else {
			st.search.put(p.user)
		}
		n++
	}
	st.pending = append(st.pending[:0], st.pending[n:]...)
	st.mu.Unlock()
	st.mu.RLock()
	return st.search
}

func (st *store) getUser(id string) *User {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.users.get(id)
}

func (st *store) connection(name string) *Connection {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.connByName[name]
}

func (st *store) connectionByID(id string) *Connection {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.connByID[id]
}
