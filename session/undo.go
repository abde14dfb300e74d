package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// UndoPlan builds the plan that undoes an operation recorded in the audit
// log: opID is the op_id of any of its audit records (an attempt or a
// result of any of its steps, or the record of a discard of what was left
// of it: the undo takes back what it made before). The plan comes from the plan the operation
// was part of (the copy kept for resume), the audit records of its steps
// and the backups written before them, compared with the tenant as it is
// now:
//
//   - a link: unlink; the secondary's user_metadata and app_metadata as
//     they were before the link, its block, roles and memberships given back;
//     from the primary, the keys the merge added taken away and the values
//     it replaced put back, the roles and memberships carried over taken;
//   - an unlink: link again (metadata the account got since is merged);
//   - a deletion: a database or passwordless account re-created (same
//     user_id, email and verification, username, phone, metadata, roles,
//     memberships) with a password-change ticket, its linked identities
//     linked back (a database one made again, with its own ticket before
//     its link: once linked it is no user, and gets no ticket); a social or
//     enterprise account comes back at its next login, and Plan.Notes say
//     what is kept until then (run the undo again once it has).
//
// An operation one of whose calls has an outcome not known yet (cut off
// during it: the audit log holds its attempt and no result, or a result
// "unknown", or its plan's journal leaves it started or unknown) is
// refused (linking.CheckOutcomeUnknown) until `linkdesk resume` settles
// it, as is an operation whose own undo was cut off and is not settled.
//
// Conflicts are what the undo would restore that was changed since the
// operation: when there are any, the plan's operations name
// linking.CheckUndoConflict among their overrides, and a caller must
// refuse to apply it unless the operator forces it (`--force`, or an
// explicit confirmation naming the conflicts). A plan with no operations
// means nothing can be done now: its Notes say what it waits for, its
// conflicts what stands in the way; with neither, the tenant is as before
// the operation (nothing to undo). Apply it with Apply
// like any plan: dry run, checks, backups, audit records that name the
// operation undone (Record.Undoes), a journal. reason is the operator's.
func (s *Session) UndoPlan(ctx context.Context, opID, reason string) (*linking.Plan, []linking.UndoConflict, error) {
	if s.Tenant == nil {
		return nil, nil, ErrNoTenant
	}
	src, err := s.undoSource(opID)
	if err != nil {
		return nil, nil, err
	}
	ref := src.PlanID + "/" + src.Op.ID
	if list, err := s.Unsettled(); err == nil {
		for _, u := range list {
			if u.InUse && (u.PlanID == src.PlanID || u.Plan.UndoOf(ref) != nil) {
				// Not cut off: running now, in another linkdesk.
				what := "carries out " + ref
				if u.PlanID != src.PlanID {
					what = "undoes " + ref
				}
				return nil, nil, &linking.SafetyError{Check: linking.CheckOutcomeUnknown, UserIDs: []string{firstNonEmpty(src.Op.Primary, src.Op.Target)},
					Reason: fmt.Sprintf("plan %s, which %s, is being applied now (by this or another linkdesk): wait for that run to end, then undo it", u.PlanID, what)}
			}
			if u.PlanID == src.PlanID {
				// The journal of the operation's own plan: a step left
				// started or unknown was cut off during its call, whatever
				// the audit log it wrote to says.
				for _, step := range u.Unknown {
					if strings.HasPrefix(step, src.Op.ID+".") {
						src.Unknown[step] = true
					}
				}
			}
			if op := u.Plan.UndoOf(ref); op != nil {
				state := "was cut off and is not settled"
				if len(u.Unknown) == 0 { // settled: the rest is neither made nor left
					n := len(u.Remaining) + len(u.MayHaveGoneOut)
					state = fmt.Sprintf("was cut off with %d %s left to make", n, plural(n, "call", "calls"))
				}
				return nil, nil, &linking.SafetyError{Check: linking.CheckOutcomeUnknown, UserIDs: []string{firstNonEmpty(op.Primary, op.Target)},
					Reason: fmt.Sprintf("an undo of %s (plan %s) %s: run `%s` to finish or discard it first", ref, u.PlanID, state, linking.ResumeCommand(u.PlanID))}
			}
		}
	}
	conns, err := s.Connections(ctx)
	if err != nil {
		return nil, nil, err
	}
	target := firstNonEmpty(src.Op.Primary, src.Op.Target)
	up, err := linking.PlanUndo(ctx, s.Tenant, src, linking.UndoRequest{Reason: reason, Conns: conns, ReadAccess: s.servesAccess(ctx, target)})
	if err != nil {
		return nil, nil, err
	}
	p := s.NewPlan(up.Ops...)
	p.Notes = up.Notes
	if len(up.Ops) > 0 {
		// What to check after the undo wrote back [redacted]: nothing, when
		// it writes nothing (notes without operations say what it waits for).
		p.Notes = append(p.Notes, redactedNotes(src.Backups)...)
	}
	p.Seal()
	return p, up.Conflicts, nil
}

// redactedNotes say where the backups an undo restores from hold
// [redacted] in place of a user's data: a secret linkdesk knows, or text an
// older linkdesk took for a credential ("the bearer of…"). The undo writes
// back what the backup holds, so the operator checks those values after.
func redactedNotes(backups map[string]*audit.Backup) []string {
	var notes []string
	for _, step := range slices.Sorted(maps.Keys(backups)) {
		b := backups[step]
		for _, id := range slices.Sorted(maps.Keys(b.Users)) {
			if !bytes.Contains(b.Users[id], []byte(audit.Redacted)) {
				continue
			}
			var v map[string]any
			if json.Unmarshal(b.Users[id], &v) != nil {
				continue
			}
			delete(v, "identities") // its IdP tokens are redacted by design, and no undo writes them back
			if paths := redactedPaths(v, ""); len(paths) > 0 {
				notes = append(notes, fmt.Sprintf("the backup before %s holds %s in place of %s's %s (a secret linkdesk knows, or text an older linkdesk took for a credential): the undo writes back what the backup holds; check %s afterwards",
					step, audit.Redacted, id, strings.Join(paths, ", "), plural(len(paths), "that value", "those values")))
			}
		}
	}
	return notes
}

// redactedPaths lists the dotted paths below path whose key or string
// value holds audit.Redacted.
func redactedPaths(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := strings.TrimPrefix(path+"."+k, ".")
			if strings.Contains(k, audit.Redacted) {
				out = append(out, p)
				continue
			}
			out = append(out, redactedPaths(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			out = append(out, redactedPaths(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case string:
		if strings.Contains(v, audit.Redacted) {
			out = append(out, path)
		}
	}
	return out
}

// recordOf finds the record with op_id opID (a call's, or a discard's,
// which names an operation), and the records of its audit log: the
// session's own, else a log this tenant's plans recorded in (PlanLogs: a
// run given --audit-log, resumed without it). An op id none of them holds
// names nothing: a UsageError (a log that cannot be read is not).
func (s *Session) recordOf(opID string) ([]audit.Record, *audit.Record, error) {
	return s.Paths.findOpID(opID, s.Name)
}

// CheckOpID refuses (a UsageError), before any tenant is opened, an op id
// that no audit log of the state directory holds, of any tenant: the
// audit log p names, and those its plans recorded in. An op id that one
// holds is for UndoPlan to judge on its tenant. A log that cannot be read
// is an error, not a UsageError.
func (p Paths) CheckOpID(opID string) error {
	_, _, err := p.findOpID(opID, "")
	return err
}

// findOpID is recordOf in p.AuditLog, then in the logs the plans of the
// tenant named tenant (of any: "") recorded in.
func (p Paths) findOpID(opID, tenant string) ([]audit.Record, *audit.Record, error) {
	logs := []string{p.AuditLog}
	for i := 0; i < len(logs); i++ {
		recs, _, err := audit.ReadLog(logs[i]) // a log that is not there reads as empty
		if err != nil {
			return nil, nil, err
		}
		for j := range recs {
			if recs[j].OpID == opID && (recs[j].Phase != audit.PhaseNote || recs[j].Action == audit.ActionDiscard) {
				return recs, &recs[j], nil
			}
		}
		if i == 0 { // not in the session's own: the journals say where else to look
			logs = append(logs, p.PlanLogs(tenant)...)
		}
	}
	of, its := "no audit record", "the"
	if tenant != "" {
		of, its = "no audit record of "+tenant, "its"
	}
	return nil, nil, UsageError{fmt.Errorf("%s has op_id %q (read: %s): `linkdesk audit` lists %s calls with their op_id", of, opID, strings.Join(logs, ", "), its)}
}

// undoSource gathers what the audit log and the state directory hold of
// the operation one of whose records has op_id opID.
func (s *Session) undoSource(opID string) (linking.UndoSource, error) {
	src := linking.UndoSource{OpID: opID, Done: map[string]bool{}, Unknown: map[string]bool{}, Backups: map[string]*audit.Backup{}}
	recs, rec, err := s.recordOf(opID)
	if err != nil {
		return src, err
	}
	opName, _, ok := strings.Cut(rec.Step, ".")
	if rec.Action == audit.ActionDiscard {
		// A discard's record names the operation it left, whose calls
		// made before the cut its undo takes back.
		_, opName, ok = strings.Cut(rec.Discards, "/")
	}
	if rec.PlanID == "" || !ok {
		return src, fmt.Errorf("the record %s is not a step of a plan: it cannot be undone from here", opID)
	}
	if !audit.SameTenant(rec.Tenant, s.Name) {
		return src, &linking.SafetyError{Check: linking.CheckOtherTenant, UserIDs: rec.UserIDs,
			Reason: fmt.Sprintf("the record %s is of the tenant %s, not %s: undo it on its own tenant", opID, rec.Tenant, s.Name)}
	}
	p, err := s.readPlan(rec.PlanID)
	if err != nil {
		return src, fmt.Errorf("the copy of plan %s is not in %s (%v): its operations cannot be undone from this state directory", rec.PlanID, s.Paths.Plans, err)
	}
	op, ok := p.Op(opName)
	if !ok {
		return src, fmt.Errorf("plan %s has no operation %s", rec.PlanID, opName)
	}
	src.PlanID, src.Op = p.ID, op
	// What the last record of each step says: an attempt with no result
	// after it (a run cut off during the call) or a result "unknown" (its
	// answer lost) leaves its outcome unknown until a result settles it.
	// This tenant's records only: a plan made for it may have been rehearsed
	// on a sandbox sharing the log, whose backups and outcomes are not its.
	last := map[string]string{}
	for _, r := range recs {
		if !audit.SameTenant(r.Tenant, s.Name) || r.PlanID != p.ID || !strings.HasPrefix(r.Step, opName+".") {
			continue
		}
		switch r.Phase {
		case audit.PhaseAttempt:
			last[r.Step] = audit.ResultUnknown
		case audit.PhaseResult:
			last[r.Step] = r.Result
		}
		if r.Phase == audit.PhaseResult && r.Result == audit.ResultOK {
			src.Done[r.Step] = true
		}
		if r.Phase == audit.PhaseAttempt && r.Backup != "" && src.Backups[r.Step] == nil {
			b, err := audit.ReadBackupChecked(r.Backup, r.BackupSum)
			if errors.Is(err, audit.ErrBackupChanged) {
				return src, &linking.SafetyError{Check: linking.CheckBackupChanged, UserIDs: r.UserIDs,
					Reason: fmt.Sprintf("the backup before step %s: %v", r.Step, err)}
			}
			if err != nil {
				return src, fmt.Errorf("the backup before step %s: %w", r.Step, err)
			}
			if t := b.Meta["tenant"]; t != "" && !audit.SameTenant(t, s.Name) {
				return src, &linking.SafetyError{Check: linking.CheckOtherTenant, UserIDs: r.UserIDs,
					Reason: fmt.Sprintf("the backup before step %s (%s) is of the tenant %s, not %s", r.Step, r.Backup, t, s.Name)}
			}
			src.Backups[r.Step] = b
		}
	}
	for step, l := range last {
		if l == audit.ResultUnknown && !src.Done[step] {
			src.Unknown[step] = true
		}
	}
	all := s.tenantRecords()
	src.Reversed, src.Again = s.reversed(all, p.ID, op)
	if op.Kind == linking.OpLink {
		src.OtherLinks = s.otherLinks(all, p, op)
	}
	return src, nil
}

// tenantRecords are this tenant's records in every audit log its plans
// used (the session's own, and those given with --audit-log), oldest first.
func (s *Session) tenantRecords() []audit.Record {
	var out []audit.Record
	for _, path := range append([]string{s.Paths.AuditLog}, s.Paths.PlanLogs(s.Name)...) {
		recs, _, err := audit.ReadLog(path)
		if err != nil {
			continue // unreadable: what it holds is not known here
		}
		out = append(out, slices.DeleteFunc(recs, func(r audit.Record) bool { return !audit.SameTenant(r.Tenant, s.Name) })...)
	}
	slices.SortStableFunc(out, func(a, b audit.Record) int { return a.Time.Compare(b.Time) })
	return out
}

// reversed finds in recs, after the last record of op (of plan planID),
// the last call done that took op apart on its accounts
// (linking.UndoneAction: by its undo or by a command of its own), and the
// last call after that one which made, or may have made (cut off), the same
// again (op's kind on the same accounts); nil where there is none.
func (s *Session) reversed(recs []audit.Record, planID string, op linking.Operation) (reversed, again *audit.Record) {
	users := []string{op.Target}
	if op.Kind != linking.OpDelete {
		users = []string{op.Primary, op.Secondary}
	}
	own := -1 // op's last record
	for i, r := range recs {
		if r.PlanID == planID && strings.HasPrefix(r.Step, op.ID+".") {
			own = i
		}
	}
	for i := own + 1; i < len(recs); i++ {
		r := &recs[i]
		if slices.ContainsFunc(users, func(id string) bool { return !slices.Contains(r.UserIDs, id) }) {
			continue
		}
		done := r.Phase == audit.PhaseResult && r.Result == audit.ResultOK
		switch {
		case done && r.Action == linking.UndoneAction(op.Kind):
			reversed, again = r, nil
		case done && reversed != nil && r.Action == string(op.Kind) && r.Undoes == opRef(reversed):
			// The undo of what took op apart: op's doing stands again.
			reversed, again = nil, nil
		case reversed != nil && r.Action == string(op.Kind) && (done || r.Phase == audit.PhaseAttempt):
			again = r // an attempt alone: cut off, its outcome not known yet
		}
	}
	return reversed, again
}

// opRef is the operation a record is a call of, as an undo's records name
// it (Record.Undoes): plan/op.
func opRef(r *audit.Record) string {
	op, _, _ := strings.Cut(r.Step, ".")
	return r.PlanID + "/" + op
}

// otherLinks are the links into op's primary, other than op, that recs
// (this tenant's records) hold as made and not taken apart since, with the
// backups written before their steps: what their secondaries held before,
// which an undo of op must not take from the primary unsaid.
func (s *Session) otherLinks(recs []audit.Record, p *linking.Plan, op linking.Operation) []linking.OtherLink {
	plans := map[string]*linking.Plan{p.ID: p}
	var out []linking.OtherLink
	at := map[string]int{} // plan/op → its index in out
	for _, r := range recs {
		name, _, _ := strings.Cut(r.Step, ".")
		ref := r.PlanID + "/" + name
		if r.PlanID == "" || !audit.SameTenant(r.Tenant, s.Name) || (r.PlanID == p.ID && name == op.ID) || !slices.Contains(r.UserIDs, op.Primary) {
			continue // not a call on this primary: its plan is not read
		}
		other, ok := plans[r.PlanID]
		if !ok {
			other, _ = s.readPlan(r.PlanID) // a plan whose copy is gone: its link unknown here
			plans[r.PlanID] = other
		}
		if other == nil {
			continue
		}
		o, ok := other.Op(name)
		if !ok || o.Kind != linking.OpLink || o.Primary != op.Primary || o.Secondary == op.Secondary {
			continue
		}
		i, seen := at[ref]
		if !seen {
			i, at[ref] = len(out), len(out)
			out = append(out, linking.OtherLink{PlanID: other.ID, OpID: r.OpID, Op: o, Backups: map[string]*audit.Backup{}})
		}
		if r.Phase == audit.PhaseAttempt && r.Backup != "" && out[i].Backups[r.Step] == nil {
			b, err := audit.ReadBackupChecked(r.Backup, r.BackupSum)
			if err != nil {
				continue // a backup gone or changed: that link's secondary unknown here
			}
			out[i].Backups[r.Step] = b
		}
	}
	// A link taken apart since (by its undo, or an unlink) is in force no
	// more; a link of the same pair made again is one of out of its own.
	return slices.DeleteFunc(out, func(l linking.OtherLink) bool {
		gone, _ := s.reversed(recs, l.PlanID, l.Op)
		return gone != nil
	})
}

// servesAccess reports whether the tenant answers for users' roles and
// organizations (a sandbox tenant of an older fixture may not).
func (s *Session) servesAccess(ctx context.Context, userID string) bool {
	_, err := s.Tenant.UserRoles(ctx, userID)
	var e *client.Error
	if errors.As(err, &e) && e.NotFound() && e.Code != "inexistent_user" {
		return false
	}
	return true
}

// LinkedBy finds, for each identity linked into primary, the link by which
// linkdesk put it there, recorded in this tenant's audit logs (the
// session's own and those its plans recorded in), that still stands: not
// taken apart since (by its undo or an unlink) and undoable from this state
// directory (its plan's copy and its backups are here, unchanged). Keyed by
// the identity's provider|user_id; an identity linked otherwise (by Auth0's
// extension, another tool, or a linkdesk whose records are elsewhere) has
// none. It reads files only, no tenant.
func (s *Session) LinkedBy(primary client.User) map[string]linking.LinkedBy {
	linked := primary.Linked()
	if len(linked) == 0 {
		return nil
	}
	all := s.tenantRecords()
	out := map[string]linking.LinkedBy{}
	for _, id := range linked {
		ref := id.Provider + "|" + id.UserID
		// The newest link of the pair first: one made again after it was
		// taken apart is the one in force.
		for i := len(all) - 1; i >= 0; i-- {
			r := &all[i]
			if r.Action != linking.ActionLink || r.Phase != audit.PhaseResult || r.Result != audit.ResultOK || r.PlanID == "" || r.Undoes != "" ||
				!slices.Contains(r.UserIDs, primary.UserID) || !slices.Contains(r.UserIDs, ref) {
				continue // not a link of this pair made by a plan (an undo's link is no link to undo)
			}
			src, err := s.undoSource(r.OpID)
			if err != nil || src.Op.Kind != linking.OpLink || src.Op.Undoes != nil || src.Op.Primary != primary.UserID || src.Op.Secondary != ref ||
				src.Reversed != nil || len(src.Unknown) > 0 {
				continue
			}
			out[ref] = linking.LinkedBy{OpID: r.OpID, Time: r.Time, Operator: r.Operator, Source: src}
			break
		}
	}
	return out
}
