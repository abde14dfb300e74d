package linking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/termsafe"
)

// LinkOptions adjust a link plan.
type LinkOptions struct {
	// AllowUnverified lets a link through although an email is not
	// verified; the operation names CheckUnverifiedEmail in its overrides.
	AllowUnverified bool
	// AllowDifferentEmails lets a link through although the two accounts
	// share no email; the operation names CheckDifferentEmails in its
	// overrides.
	AllowDifferentEmails bool
	// NoMergeMetadata links without merging the secondary's metadata into
	// the primary first: it is lost (the backup keeps it).
	NoMergeMetadata bool
	// Merge holds the conflict choices of each secondary, by its user id:
	// a choice made for one secondary never decides another's.
	Merge map[string]MergeOptions
	// Access holds the roles and organization memberships of the primary
	// and of every secondary, by user id, as ReadAccess read them: what the
	// link carries over. nil: not read (a tenant without roles and
	// organizations); when set, every secondary must be in it.
	Access map[string]Access
	Reason string // the operator's own words, for the audit log
}

// PlanLink plans linking each secondary into primary, in order, from the
// users as just read: for each, a PATCH merging its metadata into the
// primary's (only when that changes anything), the secondary's roles and
// organization memberships the primary lacks given to it (opts.Access),
// and then the link. Every step expects the state the steps before it
// leave. The first secondary a safety check refuses refuses the whole plan
// (*SafetyError).
func PlanLink(primary client.User, secondaries []client.User, conns *Connections, opts LinkOptions) ([]Operation, error) {
	p := StateOf(primary)
	if a, ok := opts.Access[primary.UserID]; ok {
		p.Access = a.State()
	}
	var ops []Operation
	seen := map[string]bool{}
	after := primary // as the links before leave it: holding each secondary linked so far
	after.Identities = slices.Clone(primary.Identities)
	for _, sec := range secondaries {
		if seen[sec.UserID] {
			return nil, refuse(CheckSameAccount, []string{sec.UserID}, "%s is listed twice", sec.UserID)
		}
		seen[sec.UserID] = true
		if err := CheckLink(primary, sec, conns, opts); err != nil {
			return nil, err
		}
		// Two members of one family (or two profiles of a legacy database)
		// linked into one account in one plan merge two people as surely
		// as linking one into the other: refused before the first call,
		// not by the run halfway through.
		if err := checkOneConnection(after, sec, conns); err != nil {
			return nil, err
		}
		after.Identities = append(after.Identities, linkedAs(sec))
		own := sec.Identities[0]
		if sec.UserID != own.Provider+"|"+own.UserID {
			return nil, refuse(CheckUserMissing, []string{sec.UserID}, "%s's own identity is %s|%s: its user id does not name it, so it cannot be linked by it", sec.UserID, own.Provider, own.UserID)
		}
		s := StateOf(sec)
		op := Operation{Kind: OpLink, Primary: primary.UserID, Secondary: sec.UserID, Reason: opts.Reason}
		if c, ok := conns.ByName(own.Connection); ok && !c.Inferred {
			op.ConnectionID = c.ID
		}
		if !primary.EmailVerified || !sec.EmailVerified {
			op.Overrides = append(op.Overrides, CheckUnverifiedEmail)
		}
		if !sameEmail(primary, sec) {
			op.Overrides = append(op.Overrides, CheckDifferentEmails)
		}
		if opts.NoMergeMetadata {
			if s.UserMetadata != nil || s.AppMetadata != nil {
				op.Notes = append(op.Notes, fmt.Sprintf("metadata not merged (--no-merge-metadata): the link discards %s's user_metadata and app_metadata; the backup keeps them", sec.UserID))
			}
		} else if s.UserMetadata != nil || s.AppMetadata != nil {
			for _, u := range []client.User{primary, sec} {
				if err := CheckMetadataDepth(u); err != nil {
					return nil, err
				}
			}
			op.Merge = mergePreview(p, s, opts.Merge[sec.UserID])
		}
		if a, ok := opts.Access[sec.UserID]; ok {
			s.Access = a.State()
			// Against the primary as the links before leave it: what an
			// earlier secondary carried it holds by then.
			op.Roles, op.Organizations = carried(a, p.Access)
			if len(a.Roles)+len(a.Organizations) > 0 {
				op.Notes = append(op.Notes, fmt.Sprintf("%s holds %s and %s: the link ends them, so the primary is given those it lacks first",
					sec.UserID, countNoun(len(a.Roles), "role"), countNoun(len(a.Organizations), "organization membership")))
			}
		} else if opts.Access != nil {
			return nil, fmt.Errorf("the roles and organization memberships of %s were not read: a link must carry them over", sec.UserID)
		}
		if err := op.buildSteps(&p, s); err != nil {
			return nil, err
		}
		p.Identities = append(p.Identities, s.Identities[0])
		ops = append(ops, op)
	}
	return ops, nil
}

// linkedAs is the identity sec becomes in its primary once linked: its own
// identity, carrying its old profile as Auth0's profileData does.
func linkedAs(sec client.User) client.Identity {
	l := sec.Identities[0]
	l.ProfileData = map[string]any{"email": sec.Email, "email_verified": sec.EmailVerified}
	if sec.Username != "" {
		l.ProfileData["username"] = sec.Username
	}
	if sec.PhoneNumber != "" {
		l.ProfileData["phone_number"] = sec.PhoneNumber
	}
	return l
}

// buildSteps derives op's calls and gives each the states of the primary
// (p, updated by every call as the tenant will be) and the secondary.
func (op *Operation) buildSteps(p *UserState, s UserState) error {
	op.Steps = []Step{{Expect: []UserState{cloneState(*p), s}}} // what the derivation reads the primary's state from
	calls, err := deriveOp(*op)
	if err != nil {
		return err
	}
	op.Steps = nil
	for _, c := range calls {
		want := cloneState(*p)
		if op.Kind == OpLink && len(op.Roles)+len(op.Organizations) == 0 {
			// Nothing is carried over: the primary's roles and memberships
			// are not this link's business, and reading them costs two
			// calls a link on a tenant of 2 requests a second.
			want.Access = nil
		}
		op.Steps = append(op.Steps, Step{Action: c.Action, Call: c.Call, Expect: []UserState{want, s}})
		if c.args.user == p.UserID {
			simulate(p, c)
		}
	}
	return nil
}

// simulate changes state as the call will change that user on the tenant.
func simulate(state *UserState, c stepCall) {
	switch c.Action {
	case ActionPatchMetadata:
		state.UserMetadata = nilIfEmpty(applyPatch(state.UserMetadata, c.args.userMeta))
		state.AppMetadata = nilIfEmpty(applyPatch(state.AppMetadata, c.args.appMeta))
	case ActionAssignRoles, ActionRemoveRoles:
		if state.Access != nil {
			state.Access.Roles = setChange(state.Access.Roles, c.args.roles, c.Action == ActionAssignRoles)
		}
	case ActionAddMember, ActionRemoveMember:
		if state.Access != nil {
			state.Access.Organizations = setChange(state.Access.Organizations, []string{c.args.org}, c.Action == ActionAddMember)
		}
	case ActionDelete:
		*state = absent(state.UserID)
	}
}

// applyPatch is Auth0's one-level merge of a metadata PATCH: each key of
// patch replaces the key's value; null removes it.
func applyPatch(current, patch map[string]any) map[string]any {
	if patch == nil {
		return current
	}
	out := cloneObject(current)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = cloneValue(v)
		}
	}
	return out
}

// setChange adds (or removes) ids to a sorted set of ids.
func setChange(set, ids []string, add bool) []string {
	out := slices.Clone(set)
	for _, id := range ids {
		i, found := slices.BinarySearch(out, id)
		switch {
		case add && !found:
			out = slices.Insert(out, i, id)
		case !add && found:
			out = slices.Delete(out, i, i+1)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func countNoun(n int, what string) string {
	switch {
	case n == 1:
		return "1 " + what
	case strings.HasSuffix(what, "y"): // identity → identities
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(what, "y"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// mergePreview merges s's metadata into p's.
func mergePreview(p, s UserState, opts MergeOptions) *MetadataMerge {
	um, uc := MergeMetadata(FieldUserMetadata, p.UserMetadata, s.UserMetadata, opts)
	am, ac := MergeMetadata(FieldAppMetadata, p.AppMetadata, s.AppMetadata, opts)
	return &MetadataMerge{UserMetadata: um, AppMetadata: am, Conflicts: append(uc, ac...)}
}

func nilIfEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func cloneState(s UserState) UserState {
	s.Identities = slices.Clone(s.Identities)
	s.UserMetadata, s.AppMetadata = cloneObject(s.UserMetadata), cloneObject(s.AppMetadata)
	if s.Access != nil {
		a := AccessState{Roles: slices.Clone(s.Access.Roles), Organizations: slices.Clone(s.Access.Organizations)}
		s.Access = &a
	}
	return s
}

// unlinkComesBack is what an unlink's notes say first: what the identity
// comes back with, and without. The notes of an unlink call its two
// accounts the identity and the primary (the dialog and the dry run name
// both above them, by identifier and user id): each user id said once
// there, not again in every note.
const unlinkComesBack = "the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history"

// PlanUnlink plans detaching provider|userID from primary. The identity
// comes back as a user of its own, without metadata; no user of that id may
// exist before. The primary is backed up first: its identities[] hold the
// identity's profile. The identity of a blocked primary is blocked as soon
// as it is back (KeepBlocked): the primary's block kept it out until then.
func PlanUnlink(primary client.User, provider, userID, reason string) (Operation, error) {
	if err := CheckUnlink(primary, provider, userID); err != nil {
		return Operation{}, err
	}
	ref := IdentityRef{Provider: provider, UserID: userID}
	op := Operation{Kind: OpUnlink, Primary: primary.UserID, Secondary: ref.String(), Reason: reason, KeepBlocked: primary.Blocked}
	op.Notes = []string{unlinkComesBack + "; its undo (`linkdesk undo`, or U in the audit log) links it again"}
	if primary.Blocked {
		op.Notes = append(op.Notes, "the primary is blocked, so the identity comes back blocked too: the unlink lets no one in; unblock it afterwards if it should sign in")
	}
	if err := op.steps(StateOf(primary), absent(ref.String())); err != nil {
		return Operation{}, err
	}
	for i := range op.Steps {
		if op.Steps[i].Action == ActionSetBlocked {
			op.Steps[i].Expect = []UserState{unlinkedState(primary, provider, userID)}
		}
	}
	return op, nil
}

// steps derives op's calls, each expecting the states given.
func (op *Operation) steps(expect ...UserState) error {
	calls, err := deriveOp(*op)
	if err != nil {
		return err
	}
	op.Steps = nil
	for _, c := range calls {
		op.Steps = append(op.Steps, Step{Action: c.Action, Call: c.Call, Expect: slices.Clone(expect)})
	}
	return nil
}

// PlanDelete plans deleting u. Deleting a primary deletes every identity
// linked into it: Cascade lists them. The executor writes a backup of the
// full user object, its roles and memberships before the call, and
// refuses without one.
func PlanDelete(u client.User, reason string) Operation {
	op := Operation{Kind: OpDelete, Target: u.UserID, Reason: reason}
	var named []string // as the operator knows them: a family member by its username (tester)
	for _, id := range u.Linked() {
		ref := IdentityRef{Provider: id.Provider, UserID: id.UserID, Connection: id.Connection}
		op.Cascade = append(op.Cascade, ref)
		name := ref.String()
		if by := cmp.Or(profileString(id.ProfileData, "username"), profileString(id.ProfileData, "phone_number")); by != "" {
			name = by + " (" + name + ")"
		}
		named = append(named, name)
	}
	if len(op.Cascade) > 0 {
		what := "the identity"
		if n := len(op.Cascade); n > 1 {
			what = fmt.Sprintf("the %d identities", n)
		}
		op.Notes = append(op.Notes, fmt.Sprintf("%s is a primary: deleting it also deletes %s linked into it (%s)",
			u.UserID, what, strings.Join(named, ", ")))
	}
	provider, _, _ := strings.Cut(u.UserID, "|")
	if recreatable(provider) {
		// What the undo cannot give back, said before the deletion as the
		// undo of a link says it: Auth0 sets them on the create.
		lost := "its sessions"
		if provider == "auth0" {
			lost = "its password (the undo makes a password-change ticket) or its sessions"
		}
		op.Notes = append(op.Notes, fmt.Sprintf("the full user object is backed up before the call; its undo (`linkdesk undo`, or U in the audit log) re-creates the account from it with the same user id, profile, metadata, roles and memberships, but as a new account: created then, with no login count or last login (now: %s), and without %s", LoginHistory(u), lost))
	} else {
		op.Notes = append(op.Notes, "the full user object is backed up before the call; its undo (`linkdesk undo`, or U in the audit log) re-creates a database account from it (a social or enterprise account comes back at its next login)")
	}
	if u.Blocked && !recreatable(provider) {
		// Auth0 makes such an account again at its next login, from the
		// identity provider, and unblocked: the delete lifts the block.
		op.Notes = append(op.Notes, fmt.Sprintf("%s is blocked, and a %s account comes back at its next login, made again by Auth0 unblocked: deleting it lets whoever signs in with it in again (its undo, run after that login, blocks it again)", u.UserID, provider))
	}
	_ = op.steps(StateOf(u)) // a delete of a user read by id always derives
	return op
}

// recreatable reports whether an undo can make an account of this
// provider again from its backup: a database (auth0) or passwordless (sms,
// email) one; a social or enterprise one comes back only at its next login.
func recreatable(provider string) bool {
	return provider == "auth0" || provider == "sms" || provider == "email"
}

// maxTicketDays is the most days a lifetime counts: more would wrap a
// time.Duration round to a short or negative one.
const maxTicketDays = int64(math.MaxInt64 / int64(24*time.Hour))

// ParseTicketLifetime reads a password-change ticket's lifetime as the
// operator writes it: a Go duration ("90m", "12h") or whole days ("7d"),
// at least a second and in whole seconds (Auth0 takes ttl_sec). The TUI's
// field and the command line's --ttl take the same. Auth0 documents no
// maximum for a password-change ticket's ttl_sec (only that 0 or none is
// its default, 5 days), so none is set here beyond what a duration holds.
func ParseTicketLifetime(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), err == nil && n <= 0:
			return 0, fmt.Errorf("lifetime %q: a number of days like 7d, or hours like 12h", termsafe.Sanitize(v))
		case err != nil || n > maxTicketDays:
			return 0, fmt.Errorf("lifetime %q: at most %dd", termsafe.Sanitize(v), maxTicketDays)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		// An hour count past what a duration holds fails here too.
		return 0, fmt.Errorf("lifetime %q: a duration like 90m, 12h or 7d, at most %dd", termsafe.Sanitize(v), maxTicketDays)
	case d < time.Second:
		return 0, fmt.Errorf("lifetime %q: 1s at least, like 90m, 12h or 7d", termsafe.Sanitize(v))
	case d%time.Second != 0: // Auth0 takes whole seconds: never cut it unsaid
		return 0, fmt.Errorf("lifetime %q: in whole seconds (Auth0 takes seconds), like 90m, 12h or 7d", termsafe.Sanitize(v))
	}
	return d, nil
}

// CheckResultURL is the one rule for a ticket's result_url, which the
// command line's --result-url and the TUI's field both check before
// anything is read or asked: an absolute http or https URL with a host,
// without a space or a control character, where Auth0 can send the person.
// Its error says what is wrong, worded to follow the URL it names ("is not
// an absolute http(s) URL …: its scheme is ftp").
func CheckResultURL(raw string) error {
	why := ""
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		why = "it is empty"
	case strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		why = "it holds a space or a control character"
	case err != nil:
		why = "it does not parse as a URL"
	case u.Scheme == "":
		why = "it has no scheme"
	case u.Scheme != "https" && u.Scheme != "http":
		why = "its scheme is " + termsafe.Sanitize(u.Scheme) + ", where Auth0 sends a person only to http or https"
	case u.Host == "" || u.Hostname() == "":
		why = "it has no host"
	default:
		return nil
	}
	return errors.New("is not an absolute http(s) URL (like https://app.example.com/welcome): " + why)
}

// PlanTicket plans a password-change ticket for u: one account, even where
// others share its email. The ticket's URL goes to the operator only, never
// to the audit log or the journal.
func PlanTicket(u client.User, opts client.TicketOptions, reason string) (Operation, error) {
	op := Operation{Kind: OpTicket, Target: u.UserID, Reason: reason}
	if opts != (client.TicketOptions{}) {
		op.Ticket = &opts
	}
	return op, op.steps(StateOf(u))
}

// PlanVerifyEmail plans sending u's verification email again (a
// verification-email job). For the account's own email (no identity named)
// u is read by id now, so one verified since the scan is refused
// (CheckAlreadyVerified), as is one without email (CheckNoEmail).
func PlanVerifyEmail(u client.User, opts VerifyOptions, reason string) (Operation, error) {
	switch {
	case opts.Identity != nil: // a linked identity's email, which the caller named
	case u.Email == "":
		return Operation{}, refuse(CheckNoEmail, []string{u.UserID}, "%s has no email: there is nowhere to send a verification email", u.UserID)
	case u.EmailVerified:
		name := u.UserID // the email may be a family's: the account goes first
		if u.Username != "" {
			name = "username " + u.Username + " (" + u.UserID + ")"
		}
		return Operation{}, refuse(CheckAlreadyVerified, []string{u.UserID}, "the email of %s, %s, is verified already: nothing to send", name, u.Email)
	}
	op := Operation{Kind: OpVerifyEmail, Target: u.UserID, Reason: reason}
	if opts.ClientID != "" || opts.Identity != nil {
		op.Verify = &opts
	}
	return op, op.steps(StateOf(u))
}

// ReadUsers reads each user by id (consistent, unlike search). A missing
// user is a *SafetyError (CheckUserMissing).
func ReadUsers(ctx context.Context, t client.Tenant, ids ...string) ([]client.User, error) {
	out := make([]client.User, 0, len(ids))
	for _, id := range ids {
		u, err := t.User(ctx, id)
		if client.IsNotFound(err) {
			return nil, refuse(CheckUserMissing, []string{id}, "no account has the user id %s now", id)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", id, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// PlanGroup reads every account of g by id and plans linking them into
// primary: the recommended primary when primary is "". A group without one
// (shared by design, legacy, mixed) needs the operator to pick.
func PlanGroup(ctx context.Context, t client.Tenant, g *Group, primary string, conns *Connections, opts LinkOptions) ([]Operation, error) {
	if primary == "" {
		primary = g.RecommendedPrimary
	}
	if primary == "" {
		return nil, fmt.Errorf("group %s (%s) has no recommended primary: pick one", g.Email, g.Class)
	}
	ids := []string{primary}
	for _, a := range g.Accounts {
		if a.UserID != primary {
			ids = append(ids, a.UserID)
		}
	}
	if len(ids) == len(g.Accounts)+1 {
		return nil, fmt.Errorf("%s is not an account of group %s", primary, g.Email)
	}
	users, err := ReadUsers(ctx, t, ids...)
	if err != nil {
		return nil, err
	}
	if opts.Access == nil {
		// A link ends the secondary's roles and memberships: read them to carry them over.
		if opts.Access, err = ReadAccess(ctx, t, ids...); err != nil {
			return nil, err
		}
	}
	ops, err := PlanLink(users[0], users[1:], conns, opts)
	NameAccounts(ops, users, conns)
	for i := range ops {
		ops[i].Group = g.Email
		ops[i].Reasons = append(slices.Clone(g.Reasons), g.PrimaryReasons...)
	}
	return ops, err
}

// PlanRequest says which groups of a report to plan.
type PlanRequest struct {
	// Classes narrows the plan to groups of these classes; empty means every
	// group. Link candidates are planned, groups that need verification
	// only with Link.AllowUnverified (else they are refused); the other
	// classes are never actionable and are listed as not planned.
	Classes  []Class
	Link     LinkOptions
	Operator string
	// Progress, when set, hears of each group before its accounts are read
	// again, on PlanReport's goroutine.
	Progress func(PlanProgress)
}

// PlanProgress is the group PlanReport reads again now: the N-th (from 1)
// of the Of groups it may plan.
type PlanProgress struct {
	Group string
	N, Of int
}

// PlanReport plans every actionable group of a scan report, reading each
// account by id first. Groups it leaves alone are listed in NotPlanned with
// why. A group sharing an account with an earlier planned group is left for
// a later plan, since the earlier operations change that account.
func PlanReport(ctx context.Context, t client.Tenant, r *Report, conns *Connections, req PlanRequest) (*Plan, error) {
	plan := NewPlan(r.Tenant, req.Operator, nowUTC())
	involved := map[string]bool{}
	of := 0
	for _, g := range r.Groups {
		if wanted(g, req) && leftAlone(g, req) == nil {
			of++
		}
	}
	n := 0
	for _, g := range r.Groups {
		if !wanted(g, req) {
			continue
		}
		np := NotPlanned{Group: g.Email, Class: g.Class, Accounts: accountIDs(g)}
		if skip := leftAlone(g, req); skip != nil {
			np.Why, np.Check, np.Reason = skip.Why, skip.Check, skip.Reason
			plan.Skip(np)
			continue
		}
		n++
		if taken := slices.DeleteFunc(slices.Clone(np.Accounts), func(id string) bool { return !involved[id] }); len(taken) > 0 {
			np.Why, np.Check = WhyRefused, CheckAlreadyPlanned
			verb := "takes"
			if len(taken) > 1 {
				verb = "take"
			}
			np.Reason = fmt.Sprintf("%s already %s part in an earlier operation of this plan: plan this group again once it is applied", joinAnd(taken), verb)
			plan.Skip(np)
			continue
		}
		if req.Progress != nil {
			req.Progress(PlanProgress{Group: g.Email, N: n, Of: of})
		}
		ops, err := PlanGroup(ctx, t, g, "", conns, req.Link)
		if se, ok := AsSafetyError(err); ok {
			np.Why, np.Check, np.Reason = WhyRefused, se.Check, se.Reason
			plan.Skip(np)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, id := range np.Accounts {
			involved[id] = true
		}
		plan.Add(ops...)
	}
	return plan, nil
}

// wanted reports whether g is of the classes req asks for.
func wanted(g *Group, req PlanRequest) bool {
	return len(req.Classes) == 0 || slices.Contains(req.Classes, g.Class)
}

// leftAlone says why PlanReport leaves g alone without reading it (not
// actionable, or unverified without --allow-unverified); nil: it plans g.
func leftAlone(g *Group, req PlanRequest) *NotPlanned {
	switch {
	case g.Class != ClassLinkCandidate && g.Class != ClassNeedsVerification || g.RecommendedPrimary == "":
		return &NotPlanned{Why: WhyNotActionable, Reason: notActionableReason(g)}
	case g.Class == ClassNeedsVerification && !req.Link.AllowUnverified:
		return &NotPlanned{Why: WhyRefused, Check: CheckUnverifiedEmail,
			Reason: strings.Join(g.Reasons, "; ") + " (--allow-unverified plans it anyway)"}
	}
	return nil
}

func accountIDs(g *Group) []string {
	out := make([]string, len(g.Accounts))
	for i, a := range g.Accounts {
		out[i] = a.UserID
	}
	return out
}

func notActionableReason(g *Group) string {
	why := string(g.Class)
	if len(g.Reasons) > 0 {
		why += ": " + strings.Join(g.Reasons, "; ")
	}
	if g.Class == ClassMixed {
		why += " (decide account by account, then `linkdesk link` or `linkdesk delete` them one at a time)"
	}
	return why
}
