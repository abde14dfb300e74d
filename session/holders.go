package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// Holders are the accounts that hold an email where users-by-email and the
// search cannot find them: through a linked identity's profile, or under a
// spelling with white space around it; and those holding a username or a
// phone number through a linked identity's profile, which no search reads.
// The tenant's snapshot (its last scan) and linkdesk's audit logs (the
// links it made since) know them; reading one group, scanning one email or
// finding a username reads them again by id, so that what is found is what
// a scan of the whole tenant shows (a snapshot that is out of date only
// misses some).
type holders struct {
	loaded   bool
	syncedAt time.Time           // of the snapshot read (zero: none)
	by       map[string][]string // normalized email → user ids
	names    scan.LinkedNames    // a linked identity's id, username or phone → the user ids holding it
	// freed are the identities linkdesk unlinked since, accounts of their
	// own again (by username or phone → their user ids), which the search
	// finds only once it has caught up.
	freed scan.LinkedNames
}

// sinceCache keeps what linkdesk's audit logs show since the snapshot, as
// long as none of the files it was read from has changed.
type sinceCache struct {
	key   string
	logs  []string // the plans' audit logs it was read from, besides the session's
	found holders
}

// holdersNow are the accounts the snapshot shows holding what a lookup
// cannot find, read once a snapshot (again once a scan brought it up to
// date), and those linkdesk's audit logs show it linked (or unlinked)
// since, read again whenever a log has grown: a write of this session
// counts at once.
func (s *Session) holdersNow(ctx context.Context) (snap, since holders) {
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	var at time.Time
	current, err := s.Snapshot()
	if err == nil {
		at = current.State.SyncedAt
	}
	if !s.holders.loaded || !s.holders.syncedAt.Equal(at) {
		s.holders = s.readHolders(ctx, current)
	}
	return s.holders, s.linkedSince(at)
}

// extraHolders are the user ids the snapshot shows holding email (any
// spelling) beyond what an email lookup finds, those linkdesk's audit logs
// show it linked an identity holding it into since, and those it unlinked
// since from an account holding it.
func (s *Session) extraHolders(ctx context.Context, email string) []string {
	key := linking.NormalizeEmail(email)
	if key == "" || s.Tenant == nil {
		return nil
	}
	snap, since := s.holdersNow(ctx)
	return appendIDs(slices.Clone(snap.by[key]), since.by[key]...)
}

// linkedNamed are the user ids that the snapshot and the audit logs show
// holding the username or phone number q (or, with numberEnd, a number
// ending with those digits) where the search cannot find it: through a
// linked identity (Auth0 searches no linked identity's profile), or as an
// identity linkdesk unlinked since (the search lags behind).
func (s *Session) linkedNamed(ctx context.Context, q, numberEnd string) []string {
	if s.Tenant == nil {
		return nil
	}
	var ids []string
	digits := scan.PhoneKey(q)
	if !phoneLike.MatchString(q) {
		digits = ""
	}
	snap, since := s.holdersNow(ctx)
	for _, n := range []scan.LinkedNames{snap.names, since.names, since.freed} {
		ids = appendIDs(ids, n.Usernames[scan.UsernameKey(q)]...)
		if digits == "" {
			continue
		}
		ids = appendIDs(ids, n.Phones[digits]...)
		if numberEnd != "" {
			for number, more := range n.Phones {
				if strings.HasSuffix(number, numberEnd) {
					ids = appendIDs(ids, more...)
				}
			}
		}
	}
	return ids
}

// linkedOwners are the user ids that the snapshot and the audit logs show
// holding the identity id (provider|id) linked into them.
func (s *Session) linkedOwners(ctx context.Context, id string) []string {
	if s.Tenant == nil {
		return nil
	}
	snap, since := s.holdersNow(ctx)
	return appendIDs(slices.Clone(snap.names.IDs[id]), since.names.IDs[id]...)
}

// appendIDs appends to ids those of more it lacks.
func appendIDs(ids []string, more ...string) []string {
	for _, id := range more {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func newHolders() holders {
	return holders{loaded: true, by: map[string][]string{}, names: scan.NewLinkedNames(), freed: scan.NewLinkedNames()}
}

// readHolders indexes the snapshot's accounts that a lookup would miss
// (scan.Snapshot.Hidden): by normalized email, an account that was alone
// on such an address at the scan too; by a linked identity's id, username
// or phone number. None without a snapshot; not kept (read again next
// time) when it could not be read, a read cut off by esc included.
func (s *Session) readHolders(ctx context.Context, snap *scan.Snapshot) holders {
	h := newHolders()
	if snap == nil {
		return h
	}
	h.syncedAt = snap.State.SyncedAt
	conns, err := s.Connections(ctx)
	if err == nil {
		h.by, h.names, err = snap.Hidden(ctx, conns)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return holders{} // cut off (esc): not loaded, read again next time
	case err != nil:
		// Unreadable (a snapshot torn or corrupt): the lookups alone until
		// a scan writes a new one, rather than the whole file again on
		// every lookup.
		h.by, h.names = map[string][]string{}, scan.NewLinkedNames()
		s.note(fmt.Sprintf("the tenant's snapshot could not be read (%v): finding an account through a linked identity waits for the next scan", err))
	}
	return h
}

// linkedSince indexes what linkdesk's audit logs show it did on this
// tenant since the snapshot (all it did, without one): the primary of a
// link holds its secondary's email, username or phone number and user id
// now, through the linked identity, where the snapshot still shows them
// on the secondary, an account of its own then; the secondary of an
// unlink is an account of its own again, which the search may not show
// yet. Read again only when one of the logs has changed.
func (s *Session) linkedSince(since time.Time) holders {
	key := func(logs []string) string {
		var b strings.Builder
		fmt.Fprint(&b, since.UnixNano())
		journals, _ := s.Paths.journalPaths(s.Name) // a journal names the log its plan records in: one grows as its steps start
		for _, path := range slices.Concat([]string{s.Paths.AuditLog}, journals, logs) {
			if fi, err := os.Stat(path); err == nil {
				fmt.Fprintf(&b, "|%s %d %d", path, fi.Size(), fi.ModTime().UnixNano())
			}
		}
		return b.String()
	}
	if c := s.since; c != nil && c.key == key(c.logs) {
		return c.found
	}
	logs := s.Paths.PlanLogs(s.Name)
	c := &sinceCache{key: key(logs), logs: logs, found: newHolders()}
	h := &c.found
	for _, path := range append([]string{s.Paths.AuditLog}, logs...) {
		recs, err := logSince(path, since)
		if err != nil {
			continue // unreadable: the lookups alone, as without a snapshot
		}
		recs = slices.DeleteFunc(recs, func(r audit.Record) bool {
			return !audit.SameTenant(r.Tenant, s.Name) || r.Action != linking.ActionLink && r.Action != linking.ActionUnlink || r.Time.Before(since) || len(r.UserIDs) != 2
		})
		done := map[string]bool{} // the op_ids of the calls that took effect
		for _, r := range recs {
			done[r.OpID] = done[r.OpID] || r.Phase == audit.PhaseResult && r.Result == audit.ResultOK
		}
		for _, r := range recs {
			if r.Phase != audit.PhaseAttempt || !done[r.OpID] {
				continue
			}
			primary, secondary := r.UserIDs[0], r.UserIDs[1]
			var states []linking.UserState // the accounts as the attempt read them, primary first
			_ = json.Unmarshal(r.Before, &states)
			if r.Action == linking.ActionUnlink {
				// Back on its own under an email the search may not find yet
				// (users-by-email is exact: Lena.Fischer@ beside lena.fischer@):
				// filed under the email of the account it came out of, read
				// by id and kept only while it holds the email looked up.
				indexName(h.freed, r.Names[secondary], secondary)
				for _, u := range states {
					if u.UserID == primary {
						h.names.Add(h.by, linking.NormalizeEmail(u.Email), secondary)
					}
				}
				continue
			}
			for _, u := range states {
				if u.UserID == secondary {
					h.names.Add(h.by, linking.NormalizeEmail(u.Email), primary)
				}
			}
			h.names.Add(h.names.IDs, secondary, primary)
			indexName(h.names, r.Names[secondary], primary)
		}
	}
	s.since = c
	return c.found
}

// indexName files id under the name an audit record gives an account
// ("username liam.miller", "phone_number +1…") in n.
func indexName(n scan.LinkedNames, name, id string) {
	switch kind, value, _ := strings.Cut(name, " "); kind {
	case linking.IdentifierUsername:
		n.Add(n.Usernames, scan.UsernameKey(value), id)
	case linking.IdentifierPhoneNumber:
		n.Add(n.Phones, scan.PhoneKey(value), id)
	}
}

// withHolders keeps of users, found by email, those that hold it (an email
// lookup may also find an address that only looks like it: the search
// folds what NormalizeEmail keeps apart), and adds the accounts the
// snapshot shows holding it that they lack, read again by id and kept while
// they still hold it.
func (s *Session) withHolders(ctx context.Context, email string, users []client.User) ([]client.User, error) {
	key := linking.NormalizeEmail(email)
	if key == "" {
		return users, nil
	}
	users = slices.DeleteFunc(users, func(u client.User) bool { return !holdsEmail(u, key) })
	return s.addHolders(ctx, users, s.extraHolders(ctx, email), func(u client.User) bool { return holdsEmail(u, key) })
}

// addHolders adds to users the accounts of ids they lack, read by id, that
// hold what was looked up (holds) now: the index they come from may be out
// of date.
func (s *Session) addHolders(ctx context.Context, users []client.User, ids []string, holds func(client.User) bool) ([]client.User, error) {
	for _, id := range ids {
		if slices.ContainsFunc(users, func(u client.User) bool { return u.UserID == id }) {
			continue
		}
		u, err := s.Tenant.User(ctx, id)
		if client.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if holds(u) {
			users = append(users, u)
		}
	}
	return users, nil
}

// holdsEmail reports whether u holds the normalized email key as its own
// or through a linked identity.
func holdsEmail(u client.User, key string) bool {
	if linking.NormalizeEmail(u.Email) == key {
		return true
	}
	return slices.ContainsFunc(u.Linked(), func(id client.Identity) bool {
		e, _ := id.ProfileData["email"].(string)
		return linking.NormalizeEmail(e) == key
	})
}
