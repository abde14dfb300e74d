package linking

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
)

// An undo is a plan like any other (dry run, checks, backups, audit records
// naming the operation undone) built from what the operation recorded: the
// plan it was part of, the audit records of its steps and the backups
// written before them, compared with the tenant as it is now. It plans only
// what is still to do, so building it again after a part was done plans
// the rest; where the tenant changed since the operation, it reports a
// conflict (refused unless overridden: --overwrite, F in the TUI) instead of guessing.

// UndoSource is what an undo is built from.
type UndoSource struct {
	PlanID string
	Op     Operation // the operation to undo, as planned
	OpID   string    // the op_id the operator named
	// Done lists the steps whose call took effect (an audit result "ok").
	Done map[string]bool
	// Unknown lists the steps whose outcome is not known yet: cut off
	// during their call (an audit attempt with no result after it, or a
	// result "unknown"), or left started or unknown by the journal of a
	// run not settled since. An undo built without knowing them would
	// claim, or leave undone, what the tenant alone can tell: PlanUndo
	// refuses until `linkdesk resume` settles them.
	Unknown map[string]bool
	// Backups holds the backup written before each step, by step id.
	Backups map[string]*audit.Backup
	// OtherLinks are the other links into the operation's primary that
	// linkdesk made and recorded (an operation of a link): what their
	// secondaries held before lives on in the primary alone, and taking a
	// key, role or membership away from it loses their copy too.
	OtherLinks []OtherLink
	// Reversed is the audit record of the last call that took the
	// operation apart after it was made (UndoneAction on its accounts: its
	// undo's, or a command's of its own), nil if none did. Again is the
	// last record, after that one, of a call that made the same again (a
	// link of the same pair, a deletion of the same account), nil if none.
	Reversed *audit.Record
	Again    *audit.Record
}

// UndoneAction is the action of the call by which an undo reverses an
// operation of kind: what, once done, leaves nothing of it in force.
func UndoneAction(kind OpKind) string {
	switch kind {
	case OpLink:
		return ActionUnlink
	case OpUnlink:
		return ActionLink
	case OpDelete:
		return ActionCreateUser
	}
	return ""
}

// reverses reports whether u, an operation of the undo of op, takes op
// apart on op's own accounts (UndoneAction): the unlink of its pair, the
// link of its pair again, its target made again (not an identity linked
// into it, which an undo of a deletion makes again too).
func reverses(op, u Operation) bool {
	switch op.Kind {
	case OpLink:
		return u.Kind == OpUnlink && u.Primary == op.Primary && u.Secondary == op.Secondary
	case OpUnlink:
		return u.Kind == OpLink && u.Primary == op.Primary && u.Secondary == op.Secondary
	case OpDelete:
		return u.Kind == OpRestore && u.Target == op.Target && u.Restore != nil && u.Restore.Create != nil
	}
	return false
}

// OtherLink is another link into the same primary, as recorded: its
// operation, an op_id of its records (what `linkdesk undo` takes) and
// the backups written before its steps, by step id.
type OtherLink struct {
	PlanID  string
	OpID    string
	Op      Operation
	Backups map[string]*audit.Backup
}

// UndoConflict is something an undo would restore that was changed since
// the operation it undoes: restoring it would overwrite that change.
type UndoConflict struct {
	UserID string `json:"user_id"`
	What   string `json:"what"`             // "user_metadata.theme", "identities", …
	Before any    `json:"before,omitempty"` // as it was before the operation
	After  any    `json:"after,omitempty"`  // as the operation left it
	Now    any    `json:"now,omitempty"`    // as it is now
	Note   string `json:"note,omitempty"`
}

func (c UndoConflict) String() string {
	if c.Note != "" {
		return fmt.Sprintf("%s %s: %s", c.UserID, c.What, c.Note)
	}
	return fmt.Sprintf("%s %s: was %s before, %s after the operation, and is %s now (changed since); with --overwrite (F in the TUI) the undo restores %s",
		c.UserID, c.What, jsonText(c.Before), jsonText(c.After), jsonText(c.Now), jsonText(c.Before))
}

func jsonText(v any) string {
	if v == nil {
		return "(absent)"
	}
	return string(MustJSON(v))
}

// UndoRequest adjusts an undo.
type UndoRequest struct {
	Reason string // the operator's own words
	// Conns are the tenant's connections (which accounts can be re-created).
	Conns *Connections
	// ReadAccess says the tenant serves roles and organizations: the undo
	// reads and restores them.
	ReadAccess bool
}

// UndoPlan is what PlanUndo builds.
type UndoPlan struct {
	Ops       []Operation
	Conflicts []UndoConflict
	// Notes say what cannot be restored now, and when it can.
	Notes []string
}

// PlanUndo plans undoing src's operation on the tenant as it is now.
func PlanUndo(ctx context.Context, t client.Tenant, src UndoSource, req UndoRequest) (*UndoPlan, error) {
	u := &undoer{ctx: ctx, t: t, src: src, req: req, out: &UndoPlan{}}
	u.ref = &UndoRef{PlanID: src.PlanID, Op: src.Op.ID, Kind: src.Op.Kind, OpID: src.OpID}
	switch src.Op.Kind {
	case OpLink, OpUnlink, OpDelete:
		if src.Op.Undoes != nil {
			return nil, refuse(CheckNotUndoable, nil, "this %s is a step of the undo of %s: an undo cannot be undone; to bring back what it changed, do again what it undid (link, unlink or delete), or undo an operation made since", src.Op.Kind, src.Op.Undoes)
		}
	case OpTicket:
		return nil, refuse(CheckNotUndoable, nil, "a ticket cannot be undone: it changed no data, and it expires on its own")
	case OpVerifyEmail:
		return nil, refuse(CheckNotUndoable, nil, "a verification email cannot be undone: it changed no data, and an email sent cannot be called back")
	default:
		return nil, refuse(CheckNotUndoable, nil, "a %s operation cannot be undone by linkdesk: to bring back what it changed, do again what it undid (link, unlink or delete), or undo an operation made since", src.Op.Kind)
	}
	if err := unsettledSteps(src); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(src.Op.Steps, func(s Step) bool { return src.Done[s.ID] }) {
		return nil, fmt.Errorf("%w: %s of plan %s made no call that took effect (the audit log records none of its calls done, and none with its outcome unknown), so the tenant is as it was before it", ErrNothingToUndo, src.Op.ID, src.PlanID)
	}
	var err error
	switch src.Op.Kind {
	case OpLink:
		err = u.link()
	case OpUnlink:
		err = u.unlink()
	case OpDelete:
		err = u.delete()
	}
	if err != nil {
		return nil, err
	}
	if r := src.Reversed; r != nil && slices.ContainsFunc(u.out.Ops, func(op Operation) bool { return reverses(src.Op, op) }) {
		// What the undo would take apart is not this operation's doing: it
		// was taken apart already, and made again since.
		return nil, refuse(CheckAlreadyUndone, r.UserIDs, "this %s (%s of plan %s) was taken apart already, by %s; %s",
			opTitle(src.Op), src.Op.ID, src.PlanID, reversedBy(src), madeAgainBy(src))
	}
	if len(u.out.Conflicts) > 0 {
		for i := range u.out.Ops {
			u.out.Ops[i].Overrides = append(u.out.Ops[i].Overrides, CheckUndoConflict)
		}
	}
	return u.out, nil
}

// reversedBy names the call that took src's operation apart.
func reversedBy(src UndoSource) string {
	r := src.Reversed
	at := r.Time.UTC().Format(time.RFC3339)
	if r.Undoes == src.PlanID+"/"+src.Op.ID {
		return fmt.Sprintf("its undo's %s call (op_id %s, at %s)", r.Action, r.OpID, at)
	}
	return fmt.Sprintf("the %s call op_id %s at %s", r.Action, r.OpID, at)
}

// madeAgainBy says what made src's operation again since it was taken
// apart, and what undoes that where linkdesk can.
func madeAgainBy(src UndoSource) string {
	switch a := src.Again; {
	case a == nil:
		return "what stands now came after it, by a change this audit log does not hold (`linkdesk show` gives the accounts as they are)"
	case a.Undoes != "":
		return fmt.Sprintf("what stands now was made since by op_id %s, a call of the undo of %s (`linkdesk audit` lists it)", a.OpID, a.Undoes)
	}
	return fmt.Sprintf("what stands now was made since by op_id %s: `linkdesk undo %s` undoes that", src.Again.OpID, src.Again.OpID)
}

// unsettledSteps refuses an undo of an operation some step of which has
// an outcome not known yet (src.Unknown), naming them.
func unsettledSteps(src UndoSource) error {
	var steps, ids []string
	for _, s := range src.Op.Steps {
		if !src.Unknown[s.ID] || src.Done[s.ID] {
			continue
		}
		steps = append(steps, fmt.Sprintf("%s (%s %s)", s.ID, s.Call.Method, s.Call.Path))
		for _, id := range stepUserIDs(s) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(steps) == 0 {
		return nil
	}
	return refuse(CheckOutcomeUnknown, ids,
		"%s of plan %s was cut off during %s: its outcome is unknown: run `%s` first, which reads the tenant to settle it, then undo it; nothing was changed",
		src.Op.ID, src.PlanID, joinAnd(steps), ResumeCommand(src.PlanID))
}

type undoer struct {
	ctx context.Context
	t   client.Tenant
	src UndoSource
	req UndoRequest
	ref *UndoRef
	out *UndoPlan
	// making is who this undo makes again with an email, by connection
	// and email: a second account of it on a connection of one account
	// per email would be refused 409 halfway through the undo.
	making map[string]string
}

func (u *undoer) note(format string, a ...any) {
	u.out.Notes = append(u.out.Notes, fmt.Sprintf(format, a...))
}

func (u *undoer) conflict(c UndoConflict) { u.out.Conflicts = append(u.out.Conflicts, c) }

// op finishes an operation of the undo: who asked, why, what it undoes.
func (u *undoer) op(op Operation) Operation {
	op.Undoes = u.ref
	op.Reason = u.req.Reason
	why := fmt.Sprintf("undo of %s (%s of plan %s)", opTitle(u.src.Op), u.src.Op.ID, u.src.PlanID)
	if u.src.Op.Reason != "" {
		why += "; its reason: " + u.src.Op.Reason
	}
	op.Reasons = []string{why}
	op.Group = u.src.Op.Group
	op.Names = u.src.Op.Names // the accounts it gives back are named as before
	return op
}

// before is the user as the backup of the operation's first step (with a
// backup) holds it, and what it held besides.
func (u *undoer) before(id string) (client.User, *Access, bool) {
	return backedUp(u.src.Op, u.src.Backups, id)
}

// backedUp is user id as the backup of op's first step (with a backup, in
// backups by step id) holds it, and what it held besides.
func backedUp(op Operation, backups map[string]*audit.Backup, id string) (client.User, *Access, bool) {
	for _, s := range op.Steps {
		b := backups[s.ID]
		if b == nil {
			continue
		}
		raw, ok := b.Users[id]
		if !ok {
			continue
		}
		var usr client.User
		if json.Unmarshal(raw, &usr) != nil {
			return client.User{}, nil, false
		}
		var acc *Access
		if a, ok := b.Access[id]; ok {
			var x Access
			if json.Unmarshal(a, &x) == nil {
				acc = &x
			}
		}
		return usr, acc, true
	}
	return client.User{}, nil, false
}

func (u *undoer) read(id string) (client.User, bool, error) {
	usr, err := u.t.User(u.ctx, id)
	if client.IsNotFound(err) {
		return client.User{}, false, nil
	}
	if err != nil {
		return client.User{}, false, fmt.Errorf("reading %s: %w", id, err)
	}
	return usr, true, nil
}

// account reads an account the undo cannot do without; when it is gone it
// records a conflict, the note saying what that means for the undo.
func (u *undoer) account(id, note string) (client.User, bool, error) {
	usr, found, err := u.read(id)
	if err == nil && !found {
		u.conflict(UndoConflict{UserID: id, What: "account", Note: note})
	}
	return usr, found, err
}

func (u *undoer) access(id string) (*Access, error) {
	if !u.req.ReadAccess {
		return nil, nil
	}
	a, err := readAccess(u.ctx, u.t, id)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// done reports whether the operation's step of this action took effect.
func (u *undoer) done(action string) bool {
	return slices.ContainsFunc(u.src.Op.Steps, func(s Step) bool { return s.Action == action && u.src.Done[s.ID] })
}

// memberAdded reports whether the operation's step adding its primary to
// the organization org took effect.
func (u *undoer) memberAdded(org string) bool {
	path := apiPath("organizations", org, "members")
	return slices.ContainsFunc(u.src.Op.Steps, func(s Step) bool {
		return s.Action == ActionAddMember && s.Call.Path == path && u.src.Done[s.ID]
	})
}

// rolesGiven names the roles the operation's step gave its primary, if it
// took effect.
func (u *undoer) rolesGiven() []string {
	var names []string
	if u.done(ActionAssignRoles) {
		for _, r := range u.src.Op.Roles {
			names = append(names, cmp.Or(r.Name, r.ID))
		}
	}
	return names
}

// organizationsGiven names the organizations the operation's steps added
// its primary to, where they took effect.
func (u *undoer) organizationsGiven() []string {
	var names []string
	for _, o := range u.src.Op.Organizations {
		if u.memberAdded(o.ID) {
			names = append(names, cmp.Or(o.Name, o.ID))
		}
	}
	return names
}

// link undoes a link: unlink, give the secondary back its metadata, roles
// and memberships, and take from the primary what the link gave it.
func (u *undoer) link() error {
	op := u.src.Op
	primaryBefore, _, ok := u.before(op.Primary)
	secBefore, secAccess, ok2 := u.before(op.Secondary)
	if !ok || !ok2 {
		return fmt.Errorf("the backups of %s (plan %s) are missing: without them the state before the link is unknown", op.ID, u.src.PlanID)
	}
	for _, usr := range []client.User{primaryBefore, secBefore} {
		if err := CheckMetadataDepth(usr); err != nil {
			return err
		}
	}
	primary, found, err := u.account(op.Primary, fmt.Sprintf("deleted since the link, and %s, linked into it, with it: if linkdesk deleted it, undo that deletion first (it links %s back), then this link; the backups of plan %s keep both accounts as they were before the link", op.Secondary, op.Secondary, u.src.PlanID))
	if err != nil || !found {
		return err
	}
	provider, id, _ := strings.Cut(op.Secondary, "|")
	// The primary as it will be once the identity is detached.
	pState := StateOf(primary)
	var secState UserState
	secExists, fresh, secBlocked := false, false, false
	if u.done(ActionLink) {
		switch {
		case hasLinked(primary, provider, id):
			unlink, err := PlanUnlink(primary, provider, id, u.req.Reason)
			if err != nil {
				return err
			}
			// What the unlink cannot give back as it was, said on the
			// operation: the plan's notes are for what the undo leaves undone.
			unlink.Notes = []string{fmt.Sprintf("%s comes back as a new account: created now, with no login count or last login (its sign-ins were counted on %s while it was linked); the rest of its profile, metadata, roles and memberships come back as they were", op.Secondary, op.Primary)}
			u.out.Ops = append(u.out.Ops, u.op(unlink))
			pState.Identities = slices.DeleteFunc(pState.Identities, func(r IdentityRef) bool { return r.Provider == provider && r.UserID == id })
			secState = unlinkedState(primary, provider, id)
			secExists, fresh, secBlocked = true, true, unlink.KeepBlocked
			if unlink.KeepBlocked && !primaryBefore.Blocked && !secBefore.Blocked {
				u.conflict(UndoConflict{UserID: op.Primary, What: "blocked", Before: false, Now: true,
					Note: "blocked since the link, which kept out whoever signs in with " + op.Secondary + " too: with --overwrite (F in the TUI) the undo gives it back unblocked, as it was before the link"})
			}
		default:
			sec, found, err := u.read(op.Secondary)
			if err != nil {
				return err
			}
			if found {
				secState, secExists, secBlocked = StateOf(sec), true, sec.Blocked
			} else {
				u.conflict(UndoConflict{UserID: op.Secondary, What: "identities", Note: "no longer linked into " + op.Primary + " and not an account of its own: its metadata, roles and memberships cannot be given back"})
			}
		}
	} else if u.done(ActionPatchMetadata) || u.done(ActionAssignRoles) || u.done(ActionAddMember) {
		// What was carried over took effect and the link did not: the
		// secondary still holds its own metadata, roles and memberships,
		// unless it stopped being an account of its own since (linked by a
		// later run, or deleted), and then what the primary got from it is
		// the only copy of it left.
		sec, found, err := u.read(op.Secondary)
		switch {
		case err != nil:
			return err
		case !found:
			since := "deleted or linked into another account since"
			if hasLinked(primary, provider, id) {
				since = "linked into " + op.Primary + " since, which discarded its metadata, roles and memberships"
			}
			gone := op.Secondary + " is no longer an account of its own (" + since + "): "
			if u.done(ActionPatchMetadata) {
				u.conflict(UndoConflict{UserID: op.Primary, What: "merged metadata",
					Note: gone + "the keys this merge gave " + op.Primary + " are the only copy of its metadata left; with --overwrite (F in the TUI) the undo takes them away all the same"})
			}
			if roles := u.rolesGiven(); len(roles) > 0 {
				u.conflict(UndoConflict{UserID: op.Primary, What: "roles",
					Note: gone + "the roles this operation gave " + op.Primary + " (" + strings.Join(roles, ", ") + ") are the person's only hold on them; with --overwrite (F in the TUI) the undo takes them away all the same"})
			}
			if orgs := u.organizationsGiven(); len(orgs) > 0 {
				u.conflict(UndoConflict{UserID: op.Primary, What: "organizations",
					Note: gone + "the memberships this operation gave " + op.Primary + " (" + strings.Join(orgs, ", ") + ") are the person's only hold on them; with --overwrite (F in the TUI) the undo takes them away all the same"})
			}
		case !u.done(ActionPatchMetadata):
		default:
			if lost := u.mergedKeysLost(secBefore, sec); len(lost) > 0 {
				u.conflict(UndoConflict{UserID: op.Primary, What: "merged metadata",
					Note: op.Secondary + " no longer holds " + strings.Join(lost, ", ") + " as it did when this merge copied them (linked and unlinked since, or changed): " + op.Primary + " holds the only copy; with --overwrite (F in the TUI) the undo takes them away all the same"})
			}
		}
	}
	if secExists {
		if err := u.restoreSecondary(secBefore, secAccess, secState, fresh, secBlocked); err != nil {
			return err
		}
	}
	if err := u.revertPrimary(primary, primaryBefore, pState); err != nil {
		return err
	}
	if !u.done(ActionLink) && len(u.out.Ops) > 0 {
		u.note("the link itself was never made (its run was refused, cut off or discarded before it): this undo takes back only what %s carried over to %s before it", op.ID, op.Primary)
	}
	return nil
}

// mergedKeysLost are the metadata keys the link's merge set on the primary
// that the secondary held before it and holds no more, as field.key.
func (u *undoer) mergedKeysLost(before, now client.User) []string {
	var patchStep Step
	for _, s := range u.src.Op.Steps {
		if s.Action == ActionPatchMetadata {
			patchStep = s
		}
	}
	var body struct {
		User map[string]any `json:"user_metadata"`
		App  map[string]any `json:"app_metadata"`
	}
	if decodeInto(patchStep.Call.Body, &body) != nil {
		return nil
	}
	bu, ba := UserMetadata(before)
	nu, na := UserMetadata(now)
	var lost []string
	for _, f := range []struct {
		name             string
		set, before, now map[string]any
	}{{FieldUserMetadata, body.User, bu, nu}, {FieldAppMetadata, body.App, ba, na}} {
		for _, k := range slices.Sorted(maps.Keys(f.set)) {
			b, had := f.before[k]
			if n, has := f.now[k]; had && (!has || !jsonEqual(n, b)) {
				lost = append(lost, f.name+"."+k)
			}
		}
	}
	return lost
}

// unlinkedState is the account an unlink brings back: the identity's
// profile (profileData), no metadata.
func unlinkedState(primary client.User, provider, id string) UserState {
	s := UserState{UserID: provider + "|" + id, Exists: true}
	for _, ident := range primary.Linked() {
		if ident.Provider == provider && ident.UserID == id {
			s.Identities = []IdentityRef{{Provider: provider, UserID: id, Connection: ident.Connection}}
			s.Email, _ = ident.ProfileData["email"].(string)
			s.EmailVerified = profileBool(ident.ProfileData, "email_verified")
		}
	}
	return s
}

// restoreSecondary gives the secondary back its metadata, block, roles and
// memberships as they were before the link. fresh: it comes back by this
// undo's unlink, holding nothing, blocked only when its primary is (the
// unlink's KeepBlocked), and gets the whole backup; else it is read as it
// is now, blocked or not: an account of its own again (unlinked since, or
// given back by an earlier run of this undo) whose metadata may have been
// written since. Then, as the undo of a deletion does (backKeys), only the
// keys the backup held are given back, a key set since to something else
// is a conflict, and a key the backup lacks is left as it is.
func (u *undoer) restoreSecondary(before client.User, acc *Access, now UserState, fresh, blocked bool) error {
	r := &Restore{}
	bu, ba := UserMetadata(before)
	if fresh {
		r.UserMetadata = MetadataPatch(now.UserMetadata, nilIfEmpty(bu))
		r.AppMetadata = MetadataPatch(now.AppMetadata, nilIfEmpty(ba))
	} else {
		r.UserMetadata = u.backKeys(now.UserID, FieldUserMetadata, bu, now.UserMetadata)
		r.AppMetadata = u.backKeys(now.UserID, FieldAppMetadata, ba, now.AppMetadata)
	}
	r.Blocked = blockBack(before, blocked)
	if fresh && blocked && !before.Blocked {
		r.Blocked = &before.Blocked // blocked by the unlink, as its primary is; it was not before the link
	}
	if acc != nil && u.req.ReadAccess {
		r.AddRoles, r.AddOrganizations = acc.Roles, acc.Organizations
		if !fresh {
			cur, err := u.access(now.UserID)
			if err != nil {
				return err
			}
			r.AddRoles, r.AddOrganizations = carried(*acc, cur.State())
		}
	}
	_, err := u.restore(now, r)
	return err
}

// revertPrimary takes from the primary what the link's merge, roles and
// memberships gave it; a key changed since is a conflict.
func (u *undoer) revertPrimary(now, before client.User, state UserState) error {
	op := u.src.Op
	r := &Restore{}
	if u.done(ActionPatchMetadata) {
		var patchStep Step
		for _, s := range op.Steps {
			if s.Action == ActionPatchMetadata {
				patchStep = s
			}
		}
		var body struct {
			User map[string]any `json:"user_metadata"`
			App  map[string]any `json:"app_metadata"`
		}
		if err := decodeInto(patchStep.Call.Body, &body); err != nil {
			return fmt.Errorf("the merge of %s: %w", op.ID, err)
		}
		bu, ba := UserMetadata(before)
		nu, na := UserMetadata(now)
		r.UserMetadata = u.revertKeys(op.Primary, FieldUserMetadata, bu, body.User, nu)
		r.AppMetadata = u.revertKeys(op.Primary, FieldAppMetadata, ba, body.App, na)
	}
	// Only what this operation's own steps gave is taken away: a membership
	// whose step it never made (cut off, discarded, then added by another
	// operation) is not its to take.
	rolesDone := len(op.Roles) > 0 && u.done(ActionAssignRoles)
	orgsDone := slices.ContainsFunc(op.Organizations, func(o client.Organization) bool { return u.memberAdded(o.ID) })
	if rolesDone || orgsDone {
		cur, err := u.access(op.Primary)
		if err != nil {
			return err
		}
		if cur != nil {
			state.Access = cur.State()
			for _, role := range op.Roles {
				if rolesDone && slices.ContainsFunc(cur.Roles, func(x client.Role) bool { return x.ID == role.ID }) {
					r.RemoveRoles = append(r.RemoveRoles, role)
				}
			}
			for _, org := range op.Organizations {
				if u.memberAdded(org.ID) && slices.ContainsFunc(cur.Organizations, func(x client.Organization) bool { return x.ID == org.ID }) {
					r.RemoveOrganizations = append(r.RemoveOrganizations, org)
				}
			}
		}
	}
	u.heldByOthers(now, r)
	_, err := u.restore(state, r)
	return err
}

// heldByOthers records a conflict for every metadata key, role and
// membership that r would take from the primary now while the secondary
// of another link into it, still linked, held it too before its link: the
// primary holds that secondary's only copy (a link discards the
// secondary's own), so the undo would lose it. Undoing that link first
// keeps it; --overwrite takes it away all the same.
func (u *undoer) heldByOthers(now client.User, r *Restore) {
	for _, o := range u.src.OtherLinks {
		provider, id, _ := strings.Cut(o.Op.Secondary, "|")
		if !hasLinked(now, provider, id) {
			continue // unlinked since, or never: what it held is its own again, or gone with it
		}
		sec, acc, ok := backedUp(o.Op, o.Backups, o.Op.Secondary)
		if !ok {
			continue
		}
		held := func(what string) {
			u.conflict(UndoConflict{UserID: u.src.Op.Primary, What: what,
				Note: fmt.Sprintf("%s, still linked into %s (%s of plan %s), held it too before its link, and the primary holds its only copy: undo that link first (linkdesk undo %s) to keep it; with --overwrite (F in the TUI) this undo takes it away all the same", o.Op.Secondary, u.src.Op.Primary, o.Op.ID, o.PlanID, o.OpID)})
		}
		su, sa := UserMetadata(sec)
		nu, na := UserMetadata(now)
		for _, f := range []struct {
			name                string
			patch, other, holds map[string]any
		}{{FieldUserMetadata, r.UserMetadata, su, nu}, {FieldAppMetadata, r.AppMetadata, sa, na}} {
			for _, k := range slices.Sorted(maps.Keys(f.patch)) {
				if v, had := f.other[k]; had {
					if inner, lost := loses(f.holds[k], f.patch[k], v); lost {
						held(f.name + "." + k + inner)
					}
				}
			}
		}
		if acc == nil {
			continue
		}
		for _, role := range r.RemoveRoles {
			if slices.ContainsFunc(acc.Roles, func(x client.Role) bool { return x.ID == role.ID }) {
				held("role " + cmp.Or(role.Name, role.ID))
			}
		}
		for _, org := range r.RemoveOrganizations {
			if slices.ContainsFunc(acc.Organizations, func(x client.Organization) bool { return x.ID == org.ID }) {
				held("organization " + org.Label())
			}
		}
	}
}

// loses reports whether setting a key the primary holds as now to restored
// (nil: removed) loses what another secondary held there, other: inside an
// object, what it held under each key (inner is then the path to the first
// lost, ".c"), its elements the primary holds now (a merge unions arrays),
// else its value, where the primary holds it (the primary's won the merge
// otherwise, and the secondary's lives on in its backup alone, undo or not).
func loses(now, restored, other any) (inner string, lost bool) {
	if o, isObject := other.(map[string]any); isObject {
		if n, nowObject := now.(map[string]any); nowObject {
			// A merge merges objects key by key: what the other held
			// inside lives on where the primary holds it now.
			r, _ := restored.(map[string]any)
			for _, k := range slices.Sorted(maps.Keys(o)) {
				if nv, has := n[k]; has {
					if deeper, lost := loses(nv, r[k], o[k]); lost {
						return "." + k + deeper, true
					}
				}
			}
			return "", false
		}
	}
	o, isArray := other.([]any)
	n, nowArray := now.([]any)
	if !isArray || !nowArray {
		return "", jsonEqual(now, other) && !jsonEqual(restored, other)
	}
	r, _ := restored.([]any)
	has := func(in []any, x any) bool {
		return slices.ContainsFunc(in, func(y any) bool { return jsonEqual(x, y) })
	}
	return "", slices.ContainsFunc(o, func(x any) bool { return has(n, x) && !has(r, x) })
}

// revertKeys is the patch that puts back, for every key the merge set,
// the value before it; a key changed since the merge is a conflict (and
// restored all the same, should the operator force the undo).
func (u *undoer) revertKeys(user, field string, before, set, now map[string]any) map[string]any {
	var patch map[string]any
	for _, k := range slices.Sorted(maps.Keys(set)) {
		b, hadB := before[k]
		n, hasN := now[k]
		switch {
		case hasN && jsonEqual(n, set[k]):
		case (!hasN && !hadB) || (hasN && hadB && jsonEqual(n, b)):
			continue // as before already
		default:
			u.conflict(UndoConflict{UserID: user, What: field + "." + k, Before: valueOrNil(b, hadB), After: set[k], Now: valueOrNil(n, hasN)})
		}
		if patch == nil {
			patch = map[string]any{}
		}
		if hadB {
			patch[k] = cloneValue(b)
		} else {
			patch[k] = nil
		}
	}
	return patch
}

func valueOrNil(v any, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

func decodeInto(raw []byte, v any) error {
	v2, err := decodeJSON(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(MustJSON(v2), v)
}

// restore appends a restore operation of state's user (nothing when r
// restores nothing), its steps expecting the state each leaves, and
// returns the state it leaves.
func (u *undoer) restore(state UserState, r *Restore) (UserState, error) {
	if r.Create == nil && len(r.UserMetadata) == 0 && len(r.AppMetadata) == 0 && r.Blocked == nil && len(r.AddRoles)+len(r.RemoveRoles)+len(r.AddOrganizations)+len(r.RemoveOrganizations) == 0 {
		return state, nil
	}
	op := u.op(Operation{Kind: OpRestore, Target: state.UserID, Restore: r})
	calls, err := deriveOp(op)
	if err != nil {
		return state, err
	}
	for _, c := range calls {
		if c.Action == ActionCreateUser {
			op.Steps = append(op.Steps, Step{Action: c.Action, Call: c.Call, Expect: []UserState{absent(state.UserID)}})
			continue
		}
		op.Steps = append(op.Steps, Step{Action: c.Action, Call: c.Call, Expect: []UserState{cloneState(state)}})
		simulate(&state, c)
	}
	u.out.Ops = append(u.out.Ops, op)
	return state, nil
}

// unlink undoes an unlink: the identity, an account of its own again, is
// linked back, its metadata (if it got any since) merged first.
func (u *undoer) unlink() error {
	op := u.src.Op
	primary, found, err := u.account(op.Primary, "deleted since the unlink: nothing to link back into")
	if err != nil || !found {
		return err
	}
	provider, id, _ := strings.Cut(op.Secondary, "|")
	if hasLinked(primary, provider, id) {
		// Linked again already (by this undo, or by hand): the tenant is as
		// before the unlink, and there is nothing to undo. No note: a plan
		// without operations whose notes say something is waiting for what
		// they say (not_undoable_now), and this waits for nothing.
		return nil
	}
	sec, found, err := u.account(op.Secondary, "no longer an account of its own (deleted or linked elsewhere since): it cannot be linked back")
	if err != nil || !found {
		return err
	}
	if primary.Blocked && !sec.Blocked {
		if sec, err = u.blockBeforeRelink(primary, sec); err != nil {
			return err
		}
	}
	// They were linked before: the checks of a new link's proof stand aside.
	opts := LinkOptions{AllowUnverified: true, AllowDifferentEmails: true, Reason: u.req.Reason}
	if u.req.ReadAccess {
		if opts.Access, err = ReadAccess(u.ctx, u.t, primary.UserID, sec.UserID); err != nil {
			return err
		}
	}
	ops, err := PlanLink(primary, []client.User{sec}, u.req.Conns, opts)
	if err != nil {
		return err
	}
	for _, o := range ops {
		u.out.Ops = append(u.out.Ops, u.op(o))
	}
	return nil
}

// blockBeforeRelink blocks sec, unlinked from primary and to be linked
// back into it, which is blocked: the link then joins two blocked accounts,
// as a link must, and whoever signs in with sec stays out all along, as
// the primary's block kept them out before the unlink. Where that was not
// so (the primary blocked since, or sec let in since), it is a conflict.
func (u *undoer) blockBeforeRelink(primary, sec client.User) (client.User, error) {
	op := u.src.Op
	before, _, _ := u.before(op.Primary)
	switch {
	case !before.Blocked:
		u.conflict(UndoConflict{UserID: op.Primary, What: "blocked", Before: false, Now: true,
			Note: "blocked since the unlink: linking " + sec.UserID + " back blocks whoever signs in with it too"})
	case op.KeepBlocked && u.done(ActionSetBlocked):
		u.conflict(UndoConflict{UserID: sec.UserID, What: "blocked", Before: true, Now: false,
			Note: "let in since the unlink blocked it: linking it back into " + op.Primary + ", which is blocked, blocks it again"})
	}
	b := true
	if _, err := u.restore(StateOf(sec), &Restore{Blocked: &b}); err != nil {
		return sec, err
	}
	sec.Blocked = true
	return sec, nil
}

// delete undoes a deletion: a database or passwordless account is made
// again from its backup (same user_id, profile, metadata, roles and
// memberships, but created now, with no login count or last login, which
// its note says; a password-change ticket for its password), and the
// identities linked into it are linked back; a social or enterprise account
// comes back at its next login, when its metadata, roles and memberships
// can be given back by running the undo again.
func (u *undoer) delete() error {
	op := u.src.Op
	before, acc, ok := u.before(op.Target)
	if !ok {
		return fmt.Errorf("the backup of %s before %s (plan %s) is missing: it cannot be restored", op.Target, op.ID, u.src.PlanID)
	}
	if err := CheckMetadataDepth(before); err != nil {
		return err
	}
	if len(before.Identities) == 0 {
		return fmt.Errorf("the backup of %s has no identity: it cannot be restored", op.Target)
	}
	own := before.Identities[0]
	now, found, err := u.read(op.Target)
	if err != nil {
		return err
	}
	var state UserState
	bu, ba := UserMetadata(before)
	conn, known := u.req.Conns.ByName(own.Connection)
	switch {
	case found:
		// Re-created already, or back after a login: give back what it held.
		state = StateOf(now)
		r := &Restore{}
		nu, na := UserMetadata(now)
		r.UserMetadata = u.backKeys(op.Target, FieldUserMetadata, bu, nu)
		r.AppMetadata = u.backKeys(op.Target, FieldAppMetadata, ba, na)
		r.Blocked = blockBack(before, now.Blocked)
		if acc != nil && u.req.ReadAccess {
			cur, err := u.access(op.Target)
			if err != nil {
				return err
			}
			r.AddRoles, r.AddOrganizations = carried(*acc, cur.State())
			state.Access = cur.State()
		}
		if state, err = u.restore(state, r); err != nil {
			return err
		}
	case known && (conn.IsDatabase || conn.Strategy == "email" || conn.Strategy == "sms") && !conn.Inferred:
		nu := recreation(before, conn)
		if err := u.identifiersFree(op.Target, nu, conn); err != nil {
			return err
		}
		r := &Restore{Create: &nu, RandomPassword: conn.IsDatabase}
		if acc != nil && u.req.ReadAccess {
			r.AddRoles, r.AddOrganizations = acc.Roles, acc.Organizations
		}
		if state, err = u.restore(createdState(op.Target, nu, own), r); err != nil {
			return err
		}
		// What the create cannot give back, as the undo of a link says it
		// of its secondary: Auth0 counts from zero.
		made := &u.out.Ops[len(u.out.Ops)-1]
		made.Notes = append(made.Notes, fmt.Sprintf("%s comes back as a new account with the same user id: created now, with no login count or last login (before: %s); the rest of its profile, metadata, roles and memberships come back as they were",
			op.Target, LoginHistory(before)))
		if conn.IsDatabase {
			if err := u.ticket(state, person(before, u.req.Conns), "a password cannot be restored: send this ticket's URL to the person, so they set a new one"); err != nil {
				return err
			}
		}
	default:
		lost := []string{}
		if before.Blocked {
			lost = append(lost, "its block (it comes back unblocked until then)")
		}
		if len(bu) > 0 || len(ba) > 0 {
			lost = append(lost, "its metadata")
		}
		if acc != nil && len(acc.Roles) > 0 {
			lost = append(lost, countNoun(len(acc.Roles), "role"))
		}
		if acc != nil && len(acc.Organizations) > 0 {
			lost = append(lost, countNoun(len(acc.Organizations), "organization membership"))
		}
		if len(before.Identities) > 1 {
			lost = append(lost, countNoun(len(before.Identities)-1, "linked identity")+" (linked back then)")
		}
		what := "nothing else"
		if len(lost) > 0 {
			what = strings.Join(lost, ", ")
		}
		u.note("%s is a %s account: Auth0 alone makes it again, at its next login through %s, with a new profile from the identity provider; its login history and anything the provider no longer sends cannot be restored. Kept in the backup until then: %s. Once it has logged in again, run this undo again to give them back.",
			op.Target, own.Provider, own.Connection, what)
		return nil
	}
	u.relinkCascade(before, state, before.Blocked || found && now.Blocked)
	return nil
}

// identifiersFree refuses to make target again as nu on conn when Auth0
// would answer its create 409: another account of conn holds its email
// (emailFree), its username, or its phone number where conn makes the
// phone an identifier. The undo says who holds it, before any write,
// instead of stopping at the create after promising the account back.
func (u *undoer) identifiersFree(target string, nu client.NewUser, conn Connection) error {
	if err := u.emailFree(target, nu.Email, conn); err != nil {
		return err
	}
	if nu.Username != "" && conn.IsDatabase {
		// Usernames are one an account on a database connection, whatever
		// its emails: compared without case where Auth0 stores them in
		// lower case, as given on a legacy custom database.
		same := func(v string) bool { return strings.EqualFold(v, nu.Username) }
		if conn.LegacyCustomDB {
			same = func(v string) bool { return v == nu.Username }
		}
		if err := u.identifierFree(target, conn, CheckUsernameTaken, "username", nu.Username, same,
			"The username provided is in use already"); err != nil {
			return err
		}
	}
	if nu.PhoneNumber != "" && slices.Contains(conn.Identifiers, IdentifierPhoneNumber) {
		same := func(v string) bool { return v == nu.PhoneNumber }
		if err := u.identifierFree(target, conn, CheckPhoneNumberTaken, "phone_number", nu.PhoneNumber, same,
			"The user already exists"); err != nil {
			return err
		}
	}
	return nil
}

// identifierFree refuses to make target again when another account of
// conn holds value as its field (username, phone_number) now. Only user
// search finds accounts by them: a tenant without it is not asked, and an
// account made in the last seconds, which search has not caught up with,
// is met by the create's own 409. Each hit is read again by id.
func (u *undoer) identifierFree(target string, conn Connection, check, field, value string, same func(string) bool, answer string) error {
	s, ok := u.t.(client.Searcher)
	if !ok {
		return nil
	}
	terms := []string{field + `:"` + client.EscapeLucenePhrase(value) + `"`}
	if lower := strings.ToLower(value); field == "username" && lower != value {
		terms = append(terms, field+`:"`+client.EscapeLucenePhrase(lower)+`"`)
	}
	what := strings.ReplaceAll(field, "_", " ")
	hits, _, err := s.SearchPage(u.ctx, strings.Join(terms, " OR "), 0, client.SearchPerPage)
	if err != nil {
		return fmt.Errorf("reading who holds the %s %s now: %w", what, value, err)
	}
	var holders []string
	for _, h := range hits {
		if h.UserID == target || h.Connection() != conn.Name {
			continue
		}
		o, found, err := u.read(h.UserID)
		if err != nil {
			return fmt.Errorf("reading who holds the %s %s now: %w", what, value, err)
		}
		v := o.Username
		if field == "phone_number" {
			v = o.PhoneNumber
		}
		if found && o.Connection() == conn.Name && same(v) {
			holders = append(holders, o.UserID)
		}
	}
	if len(holders) == 0 {
		return nil
	}
	return refuse(check, append([]string{target}, holders...),
		"%s cannot be made again: %s now holds the %s %s on %s, where it names one account (Auth0 would answer 409 %s); its backup keeps it whole: free the %s first (delete %s, or change its %s), then run this undo again",
		target, joinAnd(holders), what, value, conn.Name, answer, what, joinAnd(holders), what)
}

// emailFree refuses to make target again with email on conn when another
// account of conn holds that email now and conn allows one account per
// email (not a Non-Unique Email connection, not a legacy custom database):
// Auth0 would answer 409, after the undo had promised the account back.
func (u *undoer) emailFree(target, email string, conn Connection) error {
	if email == "" || conn.NonUniqueEmail || conn.LegacyCustomDB || !conn.IsDatabase && conn.Strategy != "email" {
		return nil
	}
	key := conn.Name + "\x00" + NormalizeEmail(email)
	if first, ok := u.making[key]; ok && first != target {
		return refuse(CheckEmailTaken, []string{first, target},
			"%s and %s cannot both be made again: both held %s on %s, which allows one account per email (Auth0 would answer 409 The user already exists to the second, after the first was made); their backups keep them whole: undo by hand which one should come back",
			first, target, email, conn.Name)
	}
	if u.making == nil {
		u.making = map[string]string{}
	}
	u.making[key] = target
	users, err := u.t.UsersByEmail(u.ctx, email)
	if err != nil {
		return fmt.Errorf("reading who holds %s now: %w", email, err)
	}
	var holders []string
	for _, o := range users {
		if o.UserID != target && o.Connection() == conn.Name && NormalizeEmail(o.Email) == NormalizeEmail(email) {
			holders = append(holders, o.UserID)
		}
	}
	if len(holders) == 0 {
		return nil
	}
	return refuse(CheckEmailTaken, append([]string{target}, holders...),
		"%s cannot be made again: %s now holds %s on %s, which allows one account per email (Auth0 would answer 409 The user already exists); its backup keeps it whole: free the email first (delete %s, or change its email), then run this undo again",
		target, joinAnd(holders), email, conn.Name, joinAnd(holders))
}

// blockBack is the block to set again on an account that was blocked
// before the operation and is not now (nil: nothing to set).
func blockBack(before client.User, blockedNow bool) *bool {
	if !before.Blocked || blockedNow {
		return nil
	}
	b := true
	return &b
}

// backKeys is the patch giving back every key the backup held whose value
// differs now; a key set since to something else is a conflict.
func (u *undoer) backKeys(user, field string, before, now map[string]any) map[string]any {
	var patch map[string]any
	for _, k := range slices.Sorted(maps.Keys(before)) {
		n, ok := now[k]
		if ok && jsonEqual(n, before[k]) {
			continue
		}
		if ok {
			u.conflict(UndoConflict{UserID: user, What: field + "." + k, Before: before[k], Now: n, Note: fmt.Sprintf("set to %s since; with --overwrite (F in the TUI) the undo restores %s", jsonText(n), jsonText(before[k]))})
		}
		if patch == nil {
			patch = map[string]any{}
		}
		patch[k] = cloneValue(before[k])
	}
	return patch
}

// recreation is the create body that makes the account of the backup again.
func recreation(before client.User, conn Connection) client.NewUser {
	var raw struct {
		GivenName     string `json:"given_name"`
		FamilyName    string `json:"family_name"`
		Picture       string `json:"picture"`
		PhoneVerified *bool  `json:"phone_verified"`
	}
	_ = json.Unmarshal(before.Raw, &raw)
	um, am := UserMetadata(before)
	f := false
	nu := client.NewUser{
		Connection: conn.Name, UserID: before.Identities[0].UserID, Email: before.Email,
		Username: before.Username, PhoneNumber: before.PhoneNumber, PhoneVerified: raw.PhoneVerified,
		Name: before.Name, GivenName: raw.GivenName, FamilyName: raw.FamilyName, Nickname: before.Nickname, Picture: raw.Picture,
		UserMetadata: nilIfEmpty(um), AppMetadata: nilIfEmpty(am), VerifyEmail: &f,
	}
	if before.Email != "" {
		v := before.EmailVerified
		nu.EmailVerified = &v
	}
	if before.Blocked {
		b := true
		nu.Blocked = &b
	}
	return nu
}

// createdState is the user a create makes, as a plan checks it.
func createdState(id string, nu client.NewUser, own client.Identity) UserState {
	s := UserState{UserID: id, Exists: true, Email: nu.Email, UserMetadata: nu.UserMetadata, AppMetadata: nu.AppMetadata,
		Identities: []IdentityRef{{Provider: own.Provider, UserID: own.UserID, Connection: own.Connection}}}
	if own.Provider == "auth0" {
		s.Email = strings.ToLower(s.Email)
	}
	if nu.EmailVerified != nil {
		s.EmailVerified = *nu.EmailVerified
	}
	return s
}

// relinkCascade links back the identities that were linked into the
// deleted account: those of a database connection are made again first;
// the others when they exist again (after a login). Into a blocked
// primary, each is blocked before its link, as a link requires.
func (u *undoer) relinkCascade(before client.User, primary UserState, blocked bool) {
	owner := who(before, u.req.Conns) // a family member deleted is named by its username
	for _, ident := range before.Linked() {
		idUser := ident.Provider + "|" + ident.UserID
		if slices.ContainsFunc(primary.Identities, func(r IdentityRef) bool { return r.Provider == ident.Provider && r.UserID == ident.UserID }) {
			continue
		}
		conn, known := u.req.Conns.ByName(ident.Connection)
		now, found, err := u.read(idUser)
		if err != nil {
			u.note("%s, linked into %s before, could not be read (%v): run the undo again to link it back", idUser, owner, err)
			continue
		}
		database := known && conn.IsDatabase && !conn.Inferred
		// As the operator knows it: a family member by its username.
		name := person(client.User{UserID: idUser, Email: profileString(ident.ProfileData, "email"), Username: profileString(ident.ProfileData, "username"),
			PhoneNumber: profileString(ident.ProfileData, "phone_number"), Identities: []client.Identity{{Connection: ident.Connection, Provider: ident.Provider, UserID: ident.UserID}}}, u.req.Conns)
		var sec UserState
		var ticket string // why a password-change ticket comes before the link back ("": none)
		created := false  // made again by this undo, with a random password
		switch {
		case found && len(now.Identities) == 1 && now.Blocked && !blocked:
			u.note("%s exists again and is blocked, and %s is not: link it back by hand once the blocks agree", idUser, owner)
			continue
		case found && len(now.Identities) == 1:
			sec = StateOf(now)
			if blocked && !now.Blocked {
				if sec, err = u.restore(sec, &Restore{Blocked: &blocked}); err != nil {
					u.note("%s cannot be blocked before its link back: %v", idUser, err)
					continue
				}
			}
			if database {
				// Made again since the deletion (a database account comes
				// back only so), most likely by an earlier run of this undo
				// with a random password: this is the last chance of a
				// ticket for it, which Auth0 makes for no linked identity.
				ticket = relinkTicketNote(idUser, owner, "was made again since its deletion (by an earlier run of this undo, with a random password no one knows, or by hand)",
					"unless the person knows its password, send them its URL so they set a new one")
			}
		case found:
			u.note("%s exists again but has identities linked into it: link it back by hand once they are unlinked", idUser)
			continue
		case database:
			nu := profileRecreation(ident, conn)
			if blocked {
				nu.Blocked = &blocked
			}
			if err := u.identifiersFree(idUser, nu, conn); err != nil {
				u.note("%s cannot be made again: %v", idUser, err)
				continue
			}
			if _, err := u.restore(createdState(idUser, nu, ident), &Restore{Create: &nu, RandomPassword: true}); err != nil {
				u.note("%s cannot be made again: %v", idUser, err)
				continue
			}
			sec, created = createdState(idUser, nu, ident), true
			ticket = relinkTicketNote(idUser, owner, "is made again with a random password no one knows",
				"send its URL to the person, so they set its password again")
		default:
			u.note("%s (linked into %s before) is a %s account: it comes back at its next login; run this undo again then to link it back", idUser, owner, ident.Provider)
			continue
		}
		link := Operation{Kind: OpLink, Primary: primary.UserID, Secondary: idUser}
		if known && !conn.Inferred {
			link.ConnectionID = conn.ID
		}
		// They were linked before: the checks of a new link's proof stand
		// aside, named as overrides (the executor checks the link again
		// before its call, and the audit log records them), as PlanLink
		// names them.
		if !primary.EmailVerified || !sec.EmailVerified {
			link.Overrides = append(link.Overrides, CheckUnverifiedEmail)
		}
		if pe := NormalizeEmail(primary.Email); pe == "" || pe != NormalizeEmail(sec.Email) {
			link.Overrides = append(link.Overrides, CheckDifferentEmails)
		}
		if sec.UserMetadata != nil || sec.AppMetadata != nil {
			link.Notes = []string{fmt.Sprintf("%s's metadata since its return is discarded by the link (the backup before it keeps it)", idUser)}
		}
		link = u.op(link)
		p := cloneState(primary)
		if err := link.buildSteps(&p, sec); err != nil {
			u.note("%s cannot be linked back: %v", idUser, err)
			if created {
				// It stays an account of its own: its ticket is made all
				// the same, the only way to its password.
				_ = u.ticket(sec, name, "a password cannot be restored: send this ticket's URL to the person, so they set a new one")
			}
			continue
		}
		if ticket != "" {
			if err := u.ticket(sec, name, ticket); err != nil {
				u.note("%s: no password-change ticket can be planned for it (%v): once linked back into %s, no one knows its password and Auth0 makes no ticket for it; the person signs in with %s's own login instead",
					idUser, err, owner, owner)
			}
		}
		u.out.Ops = append(u.out.Ops, link)
		primary.Identities = append(primary.Identities, sec.Identities...)
	}
}

// relinkTicketNote says why a database identity linked back into primary
// gets its password-change ticket before its link, and what to do with it.
func relinkTicketNote(id, primary, how, send string) string {
	return fmt.Sprintf("%s %s, then linked back into %s: a database identity linked into an account keeps its own password (signing in with it opens %s), "+
		"and once linked it is no user of its own, for which Auth0 makes no ticket: this ticket is made before the link; %s (or they sign in with %s's own login instead)",
		id, how, primary, primary, send, primary)
}

// ticket appends a password-change ticket for the database account of
// state (name: as the operator knows it), which exists when its turn
// comes, with a note saying why. On a connection where accounts may share
// an email (a family's, a shop's), a second note says that the URL goes to
// the person, as `linkdesk ticket` says of a shared inbox.
func (u *undoer) ticket(state UserState, name, note string) error {
	t := u.op(Operation{Kind: OpTicket, Target: state.UserID})
	t.Notes = []string{note}
	if len(state.Identities) > 0 && state.Email != "" {
		if c, ok := u.req.Conns.ByName(state.Identities[0].Connection); ok && c.SharesEmails() {
			whose := "a family's, a shop's"
			if !c.NonUniqueEmail {
				whose = "the profiles of a legacy database"
			}
			t.Notes = append(t.Notes, fmt.Sprintf("the URL sets the password of %s alone, and on %s several accounts may share the email %s (%s): "+
				"give it to that person, not to the inbox, whose every reader could set it", name, c.Name, state.Email, whose))
		}
	}
	if err := t.steps(state); err != nil {
		return err
	}
	u.out.Ops = append(u.out.Ops, t)
	return nil
}

// profileRecreation is the create body that makes a linked database
// identity an account again, from the profile its link kept.
func profileRecreation(ident client.Identity, conn Connection) client.NewUser {
	str := func(k string) string { return profileString(ident.ProfileData, k) }
	f := false
	nu := client.NewUser{Connection: conn.Name, UserID: ident.UserID, Email: str("email"), Username: str("username"),
		PhoneNumber: str("phone_number"), Name: str("name"), GivenName: str("given_name"), FamilyName: str("family_name"),
		Nickname: str("nickname"), VerifyEmail: &f}
	if nu.Email != "" {
		v := profileBool(ident.ProfileData, "email_verified")
		nu.EmailVerified = &v
	}
	return nu
}

// ErrNothingToUndo is matched by the error of an undo whose operation left
// nothing that can be undone now.
var ErrNothingToUndo = errors.New("nothing to undo")
