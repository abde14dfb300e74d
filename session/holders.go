package session

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// Holders are the accounts that hold an email where users-by-email and the
// search cannot find them: through a linked identity's profile, or under a
// spelling with white space around it. The tenant's snapshot (its last
// scan) knows them; reading one group, or scanning one email, reads them
// again by id, so that the group is the one a scan of the whole tenant
// shows (a snapshot that is out of date only misses some).
type holders struct {
	loaded bool
	by     map[string][]string // normalized email → user ids
}

// extraHolders are the user ids the snapshot shows holding email (any
// spelling) beyond what an email lookup finds; none without a snapshot.
// The snapshot is read once a session, on the first call.
func (s *Session) extraHolders(ctx context.Context, email string) []string {
	key := linking.NormalizeEmail(email)
	if key == "" || s.Tenant == nil {
		return nil
	}
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	if !s.holders.loaded {
		s.holders = holders{loaded: true, by: s.readHolders(ctx)}
	}
	return s.holders.by[key]
}

// readHolders indexes the snapshot's accounts that an email lookup would
// miss (scan.Snapshot.Hidden), by normalized email: an account that was
// alone on such an address at the scan too.
func (s *Session) readHolders(ctx context.Context) map[string][]string {
	snap, err := s.Snapshot()
	if err != nil {
		return nil // no snapshot (or an unreadable one): the lookups alone
	}
	conns, err := s.Connections(ctx)
	if err != nil {
		return nil
	}
	by, err := snap.Hidden(ctx, conns)
	if err != nil {
		return nil
	}
	for key, ids := range s.linkedSince(snap.State.SyncedAt) {
		for _, id := range ids {
			if !slices.Contains(by[key], id) {
				by[key] = append(by[key], id)
			}
		}
	}
	return by
}

// linkedSince indexes, by normalized email, the primaries of the links
// linkdesk made on this tenant since the snapshot (its audit logs): each
// holds its secondary's email now, through the linked identity's profile,
// where the snapshot still shows it on the secondary, an account of its
// own then.
func (s *Session) linkedSince(since time.Time) map[string][]string {
	out := map[string][]string{}
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
			for _, u := range states {
				if key := linking.NormalizeEmail(u.Email); u.UserID == r.UserIDs[1] && key != "" {
					out[key] = append(out[key], r.UserIDs[0])
				}
			}
		}
	}
	return out
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
	for _, id := range s.extraHolders(ctx, email) {
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
		if holdsEmail(u, key) {
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
