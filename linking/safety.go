package linking

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/client"
)

// Safety checks, by their stable ids: what a refusal names, what an
// override names in the audit log, what scripts may match on.
const (
	// CheckBlockedAccount: one side of a link is blocked and the other is
	// not. After a link the primary's block alone decides who signs in, so
	// the link would let a blocked identity in again, or lock out the
	// person behind the secondary.
	CheckBlockedAccount = "blocked_account"
	// CheckUnverifiedEmail: an email on either side is not verified, so
	// nothing shows that one person controls both accounts. Overridable.
	CheckUnverifiedEmail = "unverified_email"
	// CheckDifferentEmails: the two accounts of a link do not share an
	// email (compared as linkdesk groups them), so nothing shows they are
	// one person: a mistyped user id would merge two people. Overridable.
	CheckDifferentEmails = "different_emails"
	// CheckBlockLeftUndone: discarding the rest of a plan would leave undone
	// the block of an account an earlier step gave back (an unlink from a
	// blocked primary): the person the block kept out could sign in.
	CheckBlockLeftUndone = "block_left_undone"
	// CheckNonUniqueEmailConnection: both accounts are on one Non-Unique
	// Email connection, where sharing an email is legitimate by design.
	CheckNonUniqueEmailConnection = "non_unique_email_connection"
	// CheckSameAccount: the primary and the secondary are one account.
	CheckSameAccount = "same_account"
	// CheckSecondaryHasLinks: the secondary has identities linked into it;
	// Auth0 refuses to link it, and they would have to be unlinked first.
	CheckSecondaryHasLinks = "secondary_has_linked_identities"
	// CheckAccessNotCarried: the secondary of a link holds roles or
	// organization memberships the primary lacks, and the link would end
	// them: its plan did not carry them over first.
	CheckAccessNotCarried = "access_not_carried"
	// CheckOutcomeUnknown: an operation to undo has a call whose outcome is
	// not known yet (cut off during it, not settled by `linkdesk resume`):
	// what it changed, and so what undoing it means, only the tenant can
	// tell, and reading it is resume's job.
	CheckOutcomeUnknown = "outcome_unknown"
	// CheckUnsettledWrite: an account the plan writes is also written by
	// another plan that is running now, or was cut off and is not settled
	// or finished: the two would interleave their calls, and the first
	// plan's journal would no longer match the tenant.
	CheckUnsettledWrite = "unsettled_write"
	// CheckWriteStarting: another linkdesk has been starting a write on
	// this tenant for long (stopped with ctrl+z, or stuck) and holds the
	// tenant's gate: this write waited, then gave up with nothing sent.
	CheckWriteStarting = "write_starting"
	// CheckLegacyProfiles: both accounts share an email inside one database
	// connection that does not enforce unique emails (a legacy custom
	// database): several profiles of one email there may be different
	// people, and need migration, not linking.
	CheckLegacyProfiles = "legacy_profiles"
	// CheckUserMissing: an account the operation needs does not exist.
	CheckUserMissing = "user_missing"
	// CheckChangedSincePlan: an account differs from what the plan expects.
	CheckChangedSincePlan = "changed_since_plan"
	// CheckNotLinked: the identity to unlink is not linked into the account.
	CheckNotLinked = "identity_not_linked"
	// CheckBackupRequired: a delete or a link without its backup written first.
	CheckBackupRequired = "backup_required"
	// CheckAlreadyPlanned: an account already takes part in an earlier
	// operation of the plan, whose effect the plan cannot foresee here.
	CheckAlreadyPlanned = "already_planned"
	// CheckReadOnly: a write asked of a read-only session.
	CheckReadOnly = "read_only"
	// CheckMetadataTooDeep: metadata nested deeper than MaxMetadataDepth,
	// which linkdesk does not merge or restore.
	CheckMetadataTooDeep = "metadata_too_deep"
	// CheckJournalDisagrees: the journal records a step as done that the
	// tenant does not show done (another tenant, or undone since).
	CheckJournalDisagrees = "journal_disagrees"
	// CheckEmailTaken: a deleted account cannot be made again because
	// another account of its connection, which allows one account per
	// email, holds its email now (Auth0 answers 409).
	CheckEmailTaken = "email_taken"
	// CheckUsernameTaken: a deleted account cannot be made again because
	// another account of its connection holds its username now (Auth0
	// answers 409 The username provided is in use already).
	CheckUsernameTaken = "username_taken"
	// CheckPhoneNumberTaken: a deleted account cannot be made again because
	// another account of its connection, where the phone number is an
	// identifier (sms, or a database with phone_number an active
	// identifier), holds its phone number now (Auth0 answers 409).
	CheckPhoneNumberTaken = "phone_number_taken"
	// CheckAlreadyVerified: a verification email for an account whose email
	// is verified already: there is nothing to verify.
	CheckAlreadyVerified = "already_verified"
	// CheckNoEmail: a verification email for an account that has no email
	// (an sms account): there is nowhere to send it.
	CheckNoEmail = "no_email"
	// CheckUndoConflict: what an undo would restore was changed since the
	// operation it undoes. Overridable (--force).
	CheckUndoConflict = "undo_conflict"
	// CheckOtherTenant: a plan, or an operation to undo, of another tenant
	// than the one the session is on.
	CheckOtherTenant = "other_tenant"
	// CheckNotUndoable: an undo of an operation linkdesk cannot reverse (a
	// ticket, a verification email, an undo: undo what it undid instead).
	CheckNotUndoable = "not_undoable"
	// CheckNotUndoableNow: an undo of which nothing can be made now (what
	// it would give back waits for a login, or is in the way); its notes
	// say what must come first, and it may be run again then.
	CheckNotUndoableNow = "not_undoable_now"
	// CheckAlreadyUndone: an undo of an operation an earlier undo reversed
	// already, the same made again since by another operation: undoing it
	// again would undo that one, in this one's name.
	CheckAlreadyUndone = "already_undone"
	// CheckMissingScope: the access token the calls carry lacks a scope a
	// call of the operation needs; the operation stops before its first
	// write, not halfway through (metadata carried over, the link refused).
	CheckMissingScope = "missing_scope"
	// CheckBackupChanged: an undo's backup file is not the one written
	// before the call (its SHA-256 differs from its audit record's):
	// restoring from it would write what no one backed up.
	CheckBackupChanged = "backup_changed"
)

// SafetyError is a refusal: an operation a safety check stopped, and why.
// The command line exits 3 on it.
type SafetyError struct {
	Check   string   // one of the Check… ids
	Reason  string   // what is wrong, in words
	UserIDs []string // the accounts concerned
}

func (e *SafetyError) Error() string { return "refused (" + e.Check + "): " + e.Reason }

// AsSafetyError returns the refusal inside err, if any.
func AsSafetyError(err error) (*SafetyError, bool) {
	var se *SafetyError
	ok := errors.As(err, &se)
	return se, ok
}

func refuse(check string, ids []string, format string, a ...any) *SafetyError {
	return &SafetyError{Check: check, Reason: fmt.Sprintf(format, a...), UserIDs: ids}
}

// who names u in a refusal: by its username or phone where that is what
// tells it apart from the others of its email, with its user id.
func who(u client.User, conns *Connections) string {
	a := AccountFromUser(u, conns)
	if id := a.PrimaryIdentifier(conns); id.Type == IdentifierUsername || id.Type == IdentifierPhoneNumber {
		return id.Value + " (" + u.UserID + ")"
	}
	return u.UserID
}

// person names u as the operator knows a person in a note: as who does,
// and a legacy custom database's profile, which its email does not tell
// apart from the others of that email, by its username.
func person(u client.User, conns *Connections) string {
	name := who(u, conns)
	if name == u.UserID && u.Username != "" && conns.lookup(u.Connection(), providerOf(u)).LegacyCustomDB {
		return u.Username + " (" + u.UserID + ")"
	}
	return name
}

// CheckLink runs the safety checks of linking secondary into primary. With
// opts.AllowUnverified an unverified email is let through, with
// opts.AllowDifferentEmails two accounts that share no email (the
// operation then names the check among its overrides).
func CheckLink(primary, secondary client.User, conns *Connections, opts LinkOptions) error {
	ids := []string{primary.UserID, secondary.UserID}
	if primary.UserID == secondary.UserID {
		return refuse(CheckSameAccount, ids[:1], "the primary and the secondary are the same account, %s", primary.UserID)
	}
	if len(secondary.Identities) == 0 {
		return refuse(CheckUserMissing, ids[1:], "%s has no identity of its own to link", secondary.UserID)
	}
	// Two people (a family's members, a legacy database's profiles) are
	// refused first: no unlink or swap of primary makes them one, so the
	// advice of a later check would lead only to this refusal.
	pc, sc := primary.Connection(), secondary.Connection()
	if pc == sc && conns.lookup(pc, providerOf(primary)).NonUniqueEmail {
		return refuse(CheckNonUniqueEmailConnection, ids,
			"%s and %s are both on %s, a Non-Unique Emails connection where accounts share an email by design (a family, one email per shop): they are different people or roles, not duplicates",
			who(primary, conns), who(secondary, conns), pc)
	}
	if err := checkOneConnection(primary, secondary, conns); err != nil {
		return err
	}
	if linked := secondary.Linked(); len(linked) > 0 {
		what, them := fmt.Sprintf("%d identities", len(linked)), "them"
		if len(linked) == 1 {
			what, them = "an identity", "it"
		}
		return refuse(CheckSecondaryHasLinks, ids, "%s has %s linked into it (%s): unlink %s first, or make it the primary",
			who(secondary, conns), what, identityList(linked), them)
	}
	shared := sharedMembers(primary, secondary, conns)
	if err := checkBlocked(primary, secondary, conns); err != nil {
		return err
	}
	if !opts.AllowDifferentEmails && !sameEmail(primary, secondary) {
		return refuse(CheckDifferentEmails, ids,
			"%s (%s) and %s (%s) share no email: nothing shows they are one person (a mistyped id would merge two); override this check only once you know they are one person's",
			who(primary, conns), emailOrNone(primary.Email), who(secondary, conns), emailOrNone(secondary.Email))
	}
	if !opts.AllowUnverified {
		var unverified []string
		noEmail := false
		for i, u := range []client.User{primary, secondary} {
			if !verifiedIn(u, shared, i) {
				email := u.Email
				if len(shared) > 0 {
					email = shared[0][i].raw // the spelling it holds the shared email in
				}
				unverified = append(unverified, fmt.Sprintf("%s (%s)", who(u, conns), emailOrNone(email)))
				noEmail = noEmail || email == ""
			}
		}
		if len(unverified) > 0 {
			way := "have the email verified, or override this check once you have checked another way"
			if noEmail {
				way = "an account with no email has nothing to verify: override this check once you have checked another way"
			}
			return refuse(CheckUnverifiedEmail, ids,
				"email not verified on %s: nothing shows that one person controls both accounts; %s", joinAnd(unverified), way)
		}
	}
	return nil
}

// checkOneConnection refuses a link of two accounts that hold the email
// they share on one database connection where that tells no one apart: a
// Non-Unique Emails connection (a family), or one with several profiles of
// an email (a legacy custom database), as the scan's classes see it: each
// account holds the email as its own or through a linked identity, on
// that one's connection. PlanLink asks it again of each secondary against
// the primary as the links before it leave it.
func checkOneConnection(primary, secondary client.User, conns *Connections) error {
	ids := []string{primary.UserID, secondary.UserID}
	for _, m := range sharedMembers(primary, secondary, conns) {
		c := m[0].conn
		if c.Name != m[1].conn.Name || !c.IsDatabase {
			continue
		}
		p, sec := holderName(primary, m[0], conns), holderName(secondary, m[1], conns)
		if c.NonUniqueEmail {
			return refuse(CheckNonUniqueEmailConnection, ids,
				"%s and %s hold their email on %s, a Non-Unique Emails connection where accounts share an email by design (a family, one email per shop): they are different people or roles, not duplicates",
				p, sec, c.Name)
		}
		what, way := legacyWhat(c), "they may be different people, and need migration, not linking (the scan's reasons list the ways out); to keep one of them, delete the other"
		if !c.LegacyCustomDB && !c.Inferred {
			what, way = "which should keep emails unique", "find out how they came to be before linking or deleting either"
		}
		return refuse(CheckLegacyProfiles, ids, "%s and %s are two profiles of one email inside %s, %s: %s",
			profileName(primary, m[0], conns), profileName(secondary, m[1], conns), c.Name, what, way)
	}
	return nil
}

// profileName names a profile of a legacy database in a refusal: by the
// username that tells the profiles of one email apart, with its user id.
func profileName(u client.User, m member, conns *Connections) string {
	switch {
	case m.via != nil && m.via.Username != "" && m.viaName.Value == "":
		return fmt.Sprintf("%s (through its linked identity %s (%s|%s))", who(u, conns), m.via.Username, m.via.Provider, m.via.UserID)
	case m.via == nil && u.Username != "" && who(u, conns) == u.UserID:
		return u.Username + " (" + u.UserID + ")"
	}
	return holderName(u, m, conns)
}

// checkBlocked refuses a link between a blocked account and one that is
// not: after it, the primary's block alone decides who signs in. The plan
// checks it, and the executor again right before the link call.
func checkBlocked(primary, secondary client.User, conns *Connections) error {
	ids := []string{primary.UserID, secondary.UserID}
	p, sec := who(primary, conns), who(secondary, conns)
	switch {
	case secondary.Blocked && !primary.Blocked:
		return refuse(CheckBlockedAccount, ids,
			"%s is blocked and %s is not: once linked it would sign in through %s, whose block alone counts; unblock %s first if it should sign in again, or block %s if both should stay out",
			sec, p, primary.UserID, secondary.UserID, primary.UserID)
	case primary.Blocked && !secondary.Blocked:
		return refuse(CheckBlockedAccount, ids,
			"%s is blocked and %s is not: once linked, the person who signs in with %s would be blocked too; unblock %s first if both should sign in, or block %s if both should stay out",
			p, sec, secondary.UserID, primary.UserID, secondary.UserID)
	}
	return nil
}

// unlinkBlockChanged refuses an unlink planned while primary was (not)
// blocked, and now is: the identity it gives back must be blocked exactly
// when the primary is (KeepBlocked), so the unlink is planned again.
func unlinkBlockChanged(primary client.User, identity string) error {
	was, now := "not blocked", "blocked"
	if !primary.Blocked {
		was, now = now, was
	}
	return refuse(CheckBlockedAccount, []string{primary.UserID},
		"%s was %s when this unlink was planned, and is %s now: plan it again, so that %s comes back blocked exactly when %s is",
		primary.UserID, was, now, identity, primary.UserID)
}

// CheckUnlink checks that provider|userID is linked into primary (not its
// own identity).
func CheckUnlink(primary client.User, provider, userID string) error {
	if len(primary.Identities) > 0 && primary.Identities[0].Provider == provider && primary.Identities[0].UserID == userID {
		return refuse(CheckNotLinked, []string{primary.UserID}, "%s|%s is %s's own identity, not a linked one: it cannot be unlinked", provider, userID, primary.UserID)
	}
	if !slices.ContainsFunc(primary.Linked(), func(id client.Identity) bool { return id.Provider == provider && id.UserID == userID }) {
		return refuse(CheckNotLinked, []string{primary.UserID}, "%s|%s is not linked into %s (linked: %s)", provider, userID, primary.UserID, orNone(identityList(primary.Linked())))
	}
	return nil
}

func providerOf(u client.User) string {
	if len(u.Identities) > 0 {
		return u.Identities[0].Provider
	}
	p, _, _ := strings.Cut(u.UserID, "|")
	return p
}

func identityList(ids []client.Identity) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Provider + "|" + id.UserID
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Changes lists how the user as read (found false: it answered 404) differs
// from what the plan expects, in words; nil when it is as expected. Only the
// fields that decide an operation count: existence, email, email_verified,
// identities and metadata.
func (want UserState) Changes(got client.User, found bool) []string {
	return want.ChangesWith(got, found, nil)
}

// ChangesWith is Changes, and when the plan checks the user's roles and
// organizations (want.Access), access as read just now: nil when it could
// not be read is a change too.
func (want UserState) ChangesWith(got client.User, found bool, access *Access) []string {
	id := want.UserID
	switch {
	case want.Exists && !found:
		return []string{id + " no longer exists"}
	case !want.Exists && found:
		return []string{id + " exists now"}
	case !found:
		return nil
	}
	have := StateOf(got)
	var out []string
	if !want.CreatedAt.IsZero() && !have.CreatedAt.Equal(want.CreatedAt) {
		out = append(out, fmt.Sprintf("%s: made again since (created %s, not %s): not the account read", id,
			have.CreatedAt.UTC().Format(time.RFC3339), want.CreatedAt.UTC().Format(time.RFC3339)))
	}
	if have.Email != want.Email {
		out = append(out, fmt.Sprintf("%s: email was %q, now %q", id, want.Email, have.Email))
	}
	if have.EmailVerified != want.EmailVerified {
		out = append(out, fmt.Sprintf("%s: email_verified was %t, now %t", id, want.EmailVerified, have.EmailVerified))
	}
	if !slices.Equal(identityKeys(have.Identities), identityKeys(want.Identities)) {
		out = append(out, fmt.Sprintf("%s: identities were [%s], now [%s]", id, refList(want.Identities), refList(have.Identities)))
	}
	if !jsonEqual(orEmpty(have.UserMetadata), orEmpty(want.UserMetadata)) {
		out = append(out, id+": user_metadata changed")
	}
	if !jsonEqual(orEmpty(have.AppMetadata), orEmpty(want.AppMetadata)) {
		out = append(out, id+": app_metadata changed")
	}
	if w := want.Access; w != nil {
		var h AccessState
		if access != nil {
			h = *access.State()
		}
		if !slices.Equal(h.Roles, orNoIDs(w.Roles)) {
			out = append(out, fmt.Sprintf("%s: roles were [%s], now [%s]", id, strings.Join(w.Roles, ", "), strings.Join(h.Roles, ", ")))
		}
		if !slices.Equal(h.Organizations, orNoIDs(w.Organizations)) {
			out = append(out, fmt.Sprintf("%s: organizations were [%s], now [%s]", id, strings.Join(w.Organizations, ", "), strings.Join(h.Organizations, ", ")))
		}
	}
	return out
}

func orNoIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// identityKeys compares identities by provider and id: the connection name
// is what a rename changes, not who the identity is.
func identityKeys(ids []IdentityRef) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func refList(ids []IdentityRef) string { return strings.Join(identityKeys(ids), ", ") }

// ChangedError is the refusal of a step whose accounts differ from what the
// plan expects.
func ChangedError(ids []string, changes []string) *SafetyError {
	return refuse(CheckChangedSincePlan, ids, "the group changed since the plan was made: %s; make a new plan", strings.Join(changes, "; "))
}

// sameEmail reports whether two accounts share an email as linkdesk
// groups accounts (NormalizeEmail: case aside), their own or that of an
// identity linked into one of them (a scan groups an account by those
// too); two accounts without one share none.
func sameEmail(a, b client.User) bool {
	theirs := accountEmails(b)
	for _, e := range accountEmails(a) {
		if slices.Contains(theirs, e) {
			return true
		}
	}
	return false
}

// accountEmails are the normalized emails of u and of the identities
// linked into it.
func accountEmails(u client.User) []string {
	var out []string
	for _, e := range append([]string{u.Email}, linkedEmails(u)...) {
		if n := NormalizeEmail(e); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// holderName names u in a refusal as it holds the shared email (m): where
// through an identity linked into it, by that identity too.
func holderName(u client.User, m member, conns *Connections) string {
	if m.via == nil {
		return who(u, conns)
	}
	name := m.via.Provider + "|" + m.via.UserID
	if m.viaName.Value != "" {
		name = m.viaName.Value + " (" + name + ")"
	}
	return who(u, conns) + " (through its linked identity " + name + ")"
}

// sharedMembers are, for each email primary and secondary both hold, the
// two as members of its group (the primary first): the connection each
// holds it on, and whether it holds it verified, as Classify sees them.
func sharedMembers(primary, secondary client.User, conns *Connections) [][2]member {
	pa, sa := AccountFromUser(primary, conns), AccountFromUser(secondary, conns)
	theirs := accountEmails(secondary)
	var out [][2]member
	for _, e := range accountEmails(primary) {
		if slices.Contains(theirs, e) && !slices.ContainsFunc(out, func(m [2]member) bool { return NormalizeEmail(m[0].raw) == e }) {
			pair := []member{memberOf(&pa, e, conns), memberOf(&sa, e, conns)}
			place(pair, conns)
			out = append(out, [2]member{pair[0], pair[1]})
		}
	}
	return out
}

// verifiedIn reports whether u, the i-th of a link's two accounts (the
// primary first), holds an email the two share verified, as its own or
// through a linked identity, as the scan's classes count it; with no
// email shared (a link of different emails, overridden), its own. The two
// share one email at most: the secondary holds its own alone (one with
// linked identities is refused before), so "an email" is the same one for
// both.
func verifiedIn(u client.User, shared [][2]member, i int) bool {
	if len(shared) == 0 {
		return u.EmailVerified
	}
	return slices.ContainsFunc(shared, func(m [2]member) bool { return m[i].verified })
}

func emailOrNone(email string) string {
	if email == "" {
		return "no email"
	}
	return email
}

// NoTicketReason says why an account of connection (strategy) gets no
// password-change ticket, which sets a database account's password: a
// passwordless account has none, and a social or enterprise account's is
// kept by its identity provider.
func NoTicketReason(connection, strategy string) string {
	if strategy == client.StrategySMS || strategy == "email" {
		return fmt.Sprintf("it signs in with %s by a one-time code and has no password", connection)
	}
	return fmt.Sprintf("it signs in with %s, whose identity provider keeps its password", connection)
}
