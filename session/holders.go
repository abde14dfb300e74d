package session

import (
	"context"
	"encoding/json"
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
	names    scan.LinkedNames    // a linked identity's username or phone → the user ids holding it
}

// holdersNow are the accounts the snapshot shows holding what a lookup
// cannot find, read once a snapshot (again once a scan brought it up to
// date), and those linkdesk's audit logs show it linked since (read each
// call: a write of this session counts at once).
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
// spelling) beyond what an email lookup finds, and those linkdesk's audit
// logs show it linked an identity holding it into since.
func (s *Session) extraHolders(ctx context.Context, email string) []string {
	key := linking.NormalizeEmail(email)
	if key == "" || s.Tenant == nil {
		return nil
	}
	snap, since := s.holdersNow(ctx)
	return appendIDs(slices.Clone(snap.by[key]), since.by[key]...)
}

// linkedNamed are the user ids that the snapshot and the audit logs show
// holding a linked identity by the username or phone number q (or, with
// numberEnd, one whose number ends with those digits): the search finds
// no linked identity's profile.
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
	for _, n := range []scan.LinkedNames{snap.names, since.names} {
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
	return holders{loaded: true, by: map[string][]string{},
		names: scan.LinkedNames{Usernames: map[string][]string{}, Phones: map[string][]string{}}}
}

// readHolders indexes the snapshot's accounts that a lookup would miss
// (scan.Snapshot.Hidden): by normalized email, an account that was alone
// on such an address at the scan too; by a linked identity's username or
// phone number. None without a snapshot (or with an unreadable one).
func (s *Session) readHolders(ctx context.Context, snap *scan.Snapshot) holders {
	h := newHolders()
	if snap == nil {
		return h
	}
	h.syncedAt = snap.State.SyncedAt
	if conns, err := s.Connections(ctx); err == nil {
		if by, names, err := snap.Hidden(ctx, conns); err == nil {
			h.by, h.names = by, names
		}
	}
	return h
}

// linkedSince indexes the primaries of the links linkdesk made on this
// tenant since the snapshot (all it made, without one), from its audit
// logs: each holds its secondary's email now, and its username or phone
// number, through the linked identity's profile, where the snapshot still
// shows them on the secondary, an account of its own then.
func (s *Session) linkedSince(since time.Time) holders {
	h := newHolders()
	add := func(to map[string][]string, key, id string) {
		if key != "" {
			to[key] = appendIDs(to[key], id)
		}
	}
	for _, path := range append([]string{s.Paths.AuditLog}, s.Paths.PlanLogs(s.Name)...) {
		recs, err := logSince(path, since)
		if err != nil {
			continue // unreadable: the lookups alone, as without a snapshot
		}
		recs = slices.DeleteFunc(recs, func(r audit.Record) bool {
			return r.Tenant != s.Name || r.Action != linking.ActionLink || r.Time.Before(since) || len(r.UserIDs) != 2
		})
		done := map[string]bool{} // the op_ids of the links that took effect
		for _, r := range recs {
			done[r.OpID] = done[r.OpID] || r.Phase == audit.PhaseResult && r.Result == audit.ResultOK
		}
		for _, r := range recs {
			var states []linking.UserState // the accounts as the attempt read them, primary first
			if r.Phase != audit.PhaseAttempt || !done[r.OpID] || json.Unmarshal(r.Before, &states) != nil {
				continue
			}
			primary, secondary := r.UserIDs[0], r.UserIDs[1]
			for _, u := range states {
				if u.UserID == secondary {
					add(h.by, linking.NormalizeEmail(u.Email), primary)
				}
			}
			// The secondary's name as the record gives it ("username liam.miller").
			switch kind, value, _ := strings.Cut(r.Names[secondary], " "); kind {
			case linking.IdentifierUsername:
				add(h.names.Usernames, scan.UsernameKey(value), primary)
			case linking.IdentifierPhoneNumber:
				add(h.names.Phones, scan.PhoneKey(value), primary)
			}
		}
	}
	return h
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
