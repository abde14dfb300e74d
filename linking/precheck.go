package linking

import (
	"context"
	"slices"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
)

// Refusal is a step a run of the plan would refuse before its call, as
// checked on the tenant now: the safety check's stable id and its reason.
type Refusal struct {
	Op      string   `json:"op"`
	Step    string   `json:"step"`
	Check   string   `json:"check"`
	Reason  string   `json:"reason"`
	UserIDs []string `json:"user_ids,omitempty"`
	// After are the earlier steps of the plan, still to be made, that write
	// an account of this one: it was checked on that account as it is now,
	// and a run checks it as those steps leave it.
	After []string `json:"after,omitempty"`
}

// Precheck is what checking the steps a run of a plan has left found.
type Precheck struct {
	Steps    int       // the steps left: those the journal does not record ended
	Passed   int       // of them, those that pass every check
	Accounts int       // the accounts read, each once
	Refused  []Refusal // the first step of each operation refused, in plan order
	// Unsettled are the steps left that an earlier run was cut off during,
	// as a run settles each first, by reading the tenant, in plan order;
	// one found made is neither passed nor refused.
	Unsettled []CutOff
	// Before is how many steps left a run makes before the first it stops
	// at (refused, or left unknown): what it makes before it stops there.
	Before int
}

// CutOff is a step an earlier run of the plan was cut off during (the
// journal says its call was sent, and no answer is on record): before
// anything else of it, a run settles it by reading the tenant, as
// `linkdesk resume` does, and goes on as the tenant shows.
type CutOff struct {
	Op   string `json:"op"`
	Step string `json:"step"`
	// Outcome is what reading the tenant now shows: CutTookEffect,
	// CutNotMade or CutUnknown.
	Outcome string `json:"outcome"`
	// Note is what a run says of it, in the same words.
	Note string `json:"note"`
}

// How the tenant shows a step cut off (CutOff.Outcome).
const (
	// CutTookEffect: a run records it done by the earlier run, does not
	// make it again, and goes on.
	CutTookEffect = "took_effect"
	// CutNotMade: a run makes it, after the checks of any step left.
	CutNotMade = "not_made"
	// CutUnknown: it may have gone out, and cannot be read back: a run
	// records its outcome unknown and stops there.
	CutUnknown = "unknown"
)

// TookEffect is how many of the steps left were cut off during a call the
// tenant shows took effect: a run makes none of them again.
func (c *Precheck) TookEffect() int {
	n := 0
	for _, u := range c.Unsettled {
		if u.Outcome == CutTookEffect {
			n++
		}
	}
	return n
}

// Precheck reads once each the accounts of the steps of p that journal
// (the plan's journal as read, nil: none) does not record ended
// (StepEnded), and runs on each step, in order, what a run does before its
// call, on the tenant as it is now: it makes no call, writes no backup,
// journal or audit record. A step an earlier run left started or unknown
// is settled first as a run settles it, by reading the tenant (settling):
// found made, it is not checked, and the steps after it are checked on the
// tenant as it shows it; found not made, it is checked as any step left.
// The checks are preflight's. A user is compared with what the plan
// expects of it at the first of those steps that reads it only (later
// steps expect it as the steps before them leave it), and the roles and
// memberships earlier steps give a user count as given; every other check
// sees it as it is now. An operation refused at a step, or left unknown
// there, is not checked further (a run stops there). read, when set, hears
// how many of how many accounts are read so far, from 0. An error is a
// read that failed (or ctx ended): nothing is known then.
func (e *Executor) Precheck(ctx context.Context, p *Plan, journal *audit.JournalSnapshot, read func(n, of int)) (*Precheck, error) {
	calls, err := p.derive()
	if err != nil {
		return nil, err
	}
	tenant := &readOnce{Tenant: e.Tenant, users: map[string]kept[client.User]{},
		roles: map[string]kept[[]client.Role]{}, orgs: map[string]kept[[]client.Organization]{}}
	saved := *e
	defer func() { *e = saved }()
	e.Tenant, e.calls, e.compared, e.answer = tenant, calls, map[string]bool{}, nil

	type left struct {
		op  Operation
		s   Step
		cut *audit.StepStatus // as an earlier run left it, cut off during its call
	}
	var steps []left
	var ids []string
	withAccess := map[string]bool{}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			st, _ := journal.Step(s.ID)
			if StepEnded(st) {
				continue
			}
			l := left{op: op, s: s}
			if st.State == audit.StepStarted || st.State == audit.StepUnknown {
				l.cut = &st
			}
			steps = append(steps, l)
			for _, want := range s.Expect {
				if !slices.Contains(ids, want.UserID) {
					ids = append(ids, want.UserID)
				}
				withAccess[want.UserID] = withAccess[want.UserID] || want.Access != nil
			}
		}
	}
	out := &Precheck{Steps: len(steps), Accounts: len(ids)}
	for i, id := range ids {
		if read != nil {
			read(i, len(ids))
		}
		if _, err := tenant.User(ctx, id); err != nil && !client.IsNotFound(err) {
			return nil, err
		}
		if withAccess[id] {
			if _, _, err := tenant.readAccess(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if read != nil && len(ids) > 0 {
		read(len(ids), len(ids))
	}
	stopped := map[string]bool{} // by operation: a run stops at a step of it
	halted, made := false, 0     // a run stops at a step checked so far; the steps it makes before
	halt := func() {
		if !halted {
			out.Before, halted = made, true
		}
	}
	writtenBy := map[string]string{}
	for _, l := range steps {
		// A step of an operation stopped at is not checked (a run stops
		// before it), but what it does counts for the steps after it, as
		// the plan expects it.
		check := !stopped[l.op.ID]
		if check && l.cut != nil {
			cut, err := e.cutOff(ctx, l.op, l.s, *l.cut)
			if err != nil {
				return nil, err
			}
			out.Unsettled = append(out.Unsettled, cut)
			if cut.Outcome == CutTookEffect {
				// Not made again, and the tenant shows what it left: the
				// steps after it are checked on it as it is.
				continue
			}
			if cut.Outcome == CutUnknown {
				halt()
				stopped[l.op.ID], check = true, false
			}
		}
		if check {
			if _, err := e.preflight(ctx, p, l.op, l.s, nil); err != nil {
				se, ok := AsSafetyError(err)
				if !ok {
					return nil, err
				}
				r := Refusal{Op: l.op.ID, Step: l.s.ID, Check: se.Check, Reason: se.Reason, UserIDs: se.UserIDs}
				for _, want := range l.s.Expect {
					if by := writtenBy[want.UserID]; by != "" && !slices.Contains(r.After, by) {
						r.After = append(r.After, by)
					}
				}
				halt()
				out.Refused = append(out.Refused, r)
				stopped[l.op.ID] = true
			} else {
				out.Passed++
				made++
			}
		}
		// What the call leaves: its users compared, and the roles and
		// memberships it gives or takes counted so.
		c := calls[l.s.ID]
		for _, want := range l.s.Expect {
			e.compared[want.UserID] = true
		}
		for _, t := range c.touches {
			writtenBy[t.user] = l.s.ID
		}
		switch c.Action {
		case ActionAssignRoles, ActionRemoveRoles, ActionAddMember, ActionRemoveMember:
			acc, ok, err := tenant.readAccess(ctx, c.args.user)
			if err != nil {
				return nil, err
			}
			if ok {
				acc = changedAccess(acc, c, nil)
				tenant.roles[c.args.user] = kept[[]client.Role]{v: acc.Roles}
				tenant.orgs[c.args.user] = kept[[]client.Organization]{v: acc.Organizations}
			}
		}
	}
	return out, nil
}

// cutOff is how a run would settle step s of op, which an earlier run
// left st (started or unknown), as the tenant reads now (settling):
// nothing is recorded.
func (e *Executor) cutOff(ctx context.Context, op Operation, s Step, st audit.StepStatus) (CutOff, error) {
	set, err := e.settling(ctx, s, st)
	if err != nil {
		return CutOff{}, err
	}
	c := CutOff{Op: op.ID, Step: s.ID}
	switch {
	case set.unknown:
		c.Outcome, c.Note = CutUnknown, set.why
	case set.to == audit.StepDone:
		c.Outcome, c.Note = CutTookEffect, resumedDone
	case set.why == neverMade:
		c.Outcome, c.Note = CutNotMade, set.why
	default:
		c.Outcome, c.Note = CutNotMade, cutOffDuring+"; "+set.why
	}
	return c, nil
}

// readOnce is a tenant whose users, and their roles and memberships, are
// read once each (an answer kept, a 404 too): what a dry run's checks read
// (Precheck), which makes no write.
type readOnce struct {
	client.Tenant
	users map[string]kept[client.User]
	roles map[string]kept[[]client.Role]
	orgs  map[string]kept[[]client.Organization]
}

type kept[T any] struct {
	v   T
	err error
}

// once is read's answer for id, read once: an answer or a 404 is kept.
func once[T any](m map[string]kept[T], id string, read func() (T, error)) (T, error) {
	if k, ok := m[id]; ok {
		return k.v, k.err
	}
	v, err := read()
	if err == nil || client.IsNotFound(err) {
		m[id] = kept[T]{v, err}
	}
	return v, err
}

func (t *readOnce) User(ctx context.Context, id string) (client.User, error) {
	return once(t.users, id, func() (client.User, error) { return t.Tenant.User(ctx, id) })
}

func (t *readOnce) UserRoles(ctx context.Context, id string) ([]client.Role, error) {
	return once(t.roles, id, func() ([]client.Role, error) { return t.Tenant.UserRoles(ctx, id) })
}

func (t *readOnce) UserOrganizations(ctx context.Context, id string) ([]client.Organization, error) {
	return once(t.orgs, id, func() ([]client.Organization, error) { return t.Tenant.UserOrganizations(ctx, id) })
}

// readAccess reads id's roles and memberships once; a user missing or a
// tenant that serves none is no error here (the checks say so).
func (t *readOnce) readAccess(ctx context.Context, id string) (Access, bool, error) {
	a, err := readAccess(ctx, t, id)
	if se, ok := AsSafetyError(err); ok && se.Check == CheckUserMissing || accessNotServed(err) {
		return Access{}, false, nil
	}
	return a, err == nil, err
}
