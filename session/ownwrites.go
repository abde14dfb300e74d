package session

import (
	"fmt"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// A scan that brings the snapshot up to date learns what changed from user
// search and the tenant's log, both eventually consistent: right after
// linkdesk's own link or deletion they may still show the tenant as it was.
// The audit log knows which users linkdesk wrote, so the session names them
// to the scan (scan.Request.Written), which reads them by id (consistent).

// leavesUserAsIs are the actions whose call changes nothing a scan reports
// of the user: a ticket or a verification email sent, a role or a
// membership given or taken.
var leavesUserAsIs = map[string]bool{
	linking.ActionTicket: true, linking.ActionVerifyEmail: true,
	linking.ActionAssignRoles: true, linking.ActionRemoveRoles: true,
	linking.ActionAddMember: true, linking.ActionRemoveMember: true,
}

// writtenSlack is how much older than the time asked for the audit log is
// read back: processes append their records in about the order of their
// times, not exactly (each takes its time before it takes the log's lock).
const writtenSlack = time.Minute

// firstTailRead is how many records the audit log is first read back.
const firstTailRead = 64

// writtenSince returns the users the audit logs at paths show linkdesk
// wrote on tenant at since or later, each with the time of its newest
// record: attempts and results alike (a call whose answer was lost may have
// acted). Each log is read from its end, back to a little before since.
func writtenSince(tenant string, since time.Time, paths ...string) ([]scan.Written, error) {
	var recs []audit.Record
	for _, path := range paths {
		tail, err := logSince(path, since)
		if err != nil {
			return nil, err
		}
		recs = append(recs, tail...)
	}
	at := map[string]time.Time{}
	var order []string
	for _, r := range recs {
		if !audit.SameTenant(r.Tenant, tenant) || r.Phase == audit.PhaseNote || leavesUserAsIs[r.Action] || r.Time.Before(since) {
			continue
		}
		for _, id := range r.UserIDs {
			if t, ok := at[id]; !ok {
				order = append(order, id)
				at[id] = r.Time
			} else if r.Time.After(t) {
				at[id] = r.Time
			}
		}
	}
	out := make([]scan.Written, len(order))
	for i, id := range order {
		out[i] = scan.Written{UserID: id, At: at[id]}
	}
	return out, nil
}

// logSince is the tail of the audit log at path that holds every record
// from a little before since on.
func logSince(path string, since time.Time) ([]audit.Record, error) {
	for n := firstTailRead; ; n *= 4 {
		recs, _, err := audit.ReadLogTail(path, n)
		if err != nil || len(recs) < n || recs[len(recs)-1].Time.Before(since.Add(-writtenSlack)) {
			return recs, err
		}
	}
}

// written fills req.Written for a scan that may bring the tenant's snapshot
// up to date: the users linkdesk wrote since the snapshot's changes. When
// the audit log cannot be read, what linkdesk wrote cannot be known, and
// the scan exports instead (req.Full), as the operator is told.
func (s *Session) written(req *scan.Request) {
	if req.Email != "" || req.Full || req.Snapshot == "" || req.Written != nil {
		return
	}
	snap, err := scan.OpenSnapshot(req.Snapshot, s.Name)
	if err != nil {
		return // nothing to bring up to date: the scan exports
	}
	// Since the last sync exactly: a write whose result was recorded before
	// it (same clock) is in the snapshot, read by the export job asked for
	// after it or by id in the refresh that began after it. A margin would
	// make every scan for minutes after a long apply export again.
	// The logs this tenant's plans wrote to (a run given --audit-log) too:
	// those writes are linkdesk's own as much as the default log's.
	logs := append([]string{s.Paths.AuditLog}, s.Paths.PlanLogs(s.Name)...)
	w, err := writtenSince(s.Name, snap.State.SyncedAt, logs...)
	if err != nil {
		s.note(fmt.Sprintf("an audit log could not be read, so the scan cannot know which accounts linkdesk changed lately: it exports the whole tenant (%v)", err))
		req.Full = true
		return
	}
	if len(w) > maxWrittenReads {
		s.note(fmt.Sprintf("linkdesk changed %d accounts on this tenant lately, more than the %d the scan reads one by one: it exports the whole tenant instead", len(w), maxWrittenReads))
		req.Full = true
		return
	}
	req.Written = w
}

// maxWrittenReads is the most users a scan reads by id for linkdesk's own
// writes (a call each, 50 s at a free tenant's 2 requests/s); past it, an
// export costs fewer calls.
const maxWrittenReads = 100
