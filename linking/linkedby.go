package linking

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// LinkedBy is the link linkdesk made, and recorded in the tenant's audit
// log, that put an identity into its primary, and that still stands (not
// taken apart since): its undo gives the identity back what it held before
// the link and takes from the primary what the link gave it, all of which a
// plain unlink leaves with the primary.
type LinkedBy struct {
	OpID     string    // the op_id of its link call: what `linkdesk undo` takes
	Time     time.Time // when the link was made
	Operator string    // who made it
	// Source is what its undo is built from: its operation as planned, the
	// steps that took effect and the backups written before them.
	Source UndoSource
}

// NoteLinkedBy tells, on op (an unlink planned by PlanUnlink), what the
// link by which linkdesk put its identity into its primary carried over to
// the primary (it stays there: an unlink gives none of it back), and that
// the undo of that link, not this unlink, gives it back. Nothing when by is
// not the link of op's pair.
func NoteLinkedBy(op *Operation, by LinkedBy) {
	link := by.Source.Op
	if op.Kind != OpUnlink || link.Kind != OpLink || link.Primary != op.Primary || link.Secondary != op.Secondary || len(op.Notes) == 0 {
		return
	}
	done := func(s Step) bool { return by.Source.Done[s.ID] }
	// What the link gave the primary, as far as its calls took effect.
	var carried []string
	if slices.ContainsFunc(link.Steps, func(s Step) bool { return s.Action == ActionPatchMetadata && done(s) }) {
		carried = append(carried, "the merged metadata")
	}
	if slices.ContainsFunc(link.Steps, func(s Step) bool { return s.Action == ActionAssignRoles && done(s) }) {
		for _, r := range link.Roles {
			carried = append(carried, "the role "+cmp.Or(r.Name, r.ID))
		}
	}
	for _, o := range link.Organizations {
		path := apiPath("organizations", o.ID, "members")
		if slices.ContainsFunc(link.Steps, func(s Step) bool { return s.Action == ActionAddMember && s.Call.Path == path && done(s) }) {
			carried = append(carried, "the membership of "+o.Label())
		}
	}
	first := unlinkComesBack
	if len(carried) > 0 {
		first += "; the primary keeps what the link gave it: " + joinAnd(carried)
	}
	op.Notes[0] = first + "; this unlink's own undo links it again"

	// What the link's undo gives back that this unlink does not.
	var back []string
	sec, held, known := backedUp(link, by.Source.Backups, link.Secondary)
	if um, am := UserMetadata(sec); known && (len(um) > 0 || len(am) > 0) {
		back = append(back, "its metadata")
	}
	if held != nil { // nil: not read at the link (a tenant that served none)
		for _, r := range held.Roles {
			back = append(back, "the role "+cmp.Or(r.Name, r.ID))
		}
		for _, o := range held.Organizations {
			back = append(back, "the membership of "+o.Label())
		}
	}
	n := "linkdesk made this link on " + by.Time.UTC().Format("2006-01-02 15:04 UTC")
	if by.Operator != "" {
		n += ", by " + by.Operator
	}
	n += "; its undo (U on its audit record, or `linkdesk undo " + by.OpID + "`) "
	switch {
	case len(back) == 0 && len(carried) == 0:
		n += "would do no more than this unlink: the account held no metadata, roles or memberships, and the link gave the primary none"
	default:
		var does []string
		if len(back) > 0 {
			does = append(does, "gives the account back "+joinAnd(back))
		}
		if len(carried) > 0 {
			does = append(does, "takes back what the link gave the primary")
		}
		and := " and "
		if len(back) > 1 { // a list of its own before it
			and = ", and "
		}
		n += strings.Join(does, and) + ", unlike this unlink, even after it"
	}
	op.Notes = slices.Insert(op.Notes, 1, n)
}
