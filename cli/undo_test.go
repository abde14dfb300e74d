package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// person is what an operator would notice of a user: who it is, how it
// signs in, what it holds. Dates, counters and the picture a re-created
// account gets by default are left out.
func person(u *emulator.User) string {
	ids := make([]string, len(u.Identities))
	for i, id := range u.Identities {
		ids[i] = id.Provider + "|" + id.UserID.Value
	}
	canon := func(raw json.RawMessage) string {
		if len(raw) == 0 {
			return "{}"
		}
		var v any
		json.Unmarshal(raw, &v)
		b, _ := json.Marshal(v)
		return string(b)
	}
	roles, orgs := slices.Sorted(slices.Values(u.Roles)), slices.Sorted(slices.Values(u.Organizations))
	return fmt.Sprintf("email=%q verified=%v username=%q phone=%q name=%q blocked=%v identities=%v user_metadata=%s app_metadata=%s roles=%v organizations=%v",
		u.Email, u.EmailVerified.Bool(), u.Username, u.PhoneNumber, u.Name, u.Blocked.Bool(), ids, canon(u.UserMetadata), canon(u.AppMetadata), roles, orgs)
}

// newAccessEnv is the small fixture with roles and organizations: Alice's
// database account is an admin of Acme, her Google account a support agent
// of Beta and of Acme.
func newAccessEnv(t *testing.T) *writeEnv {
	t.Helper()
	path := accessFixture(t, map[string]userAccess{
		cmdAliceDB:     {roles: []string{"rol_admin"}, orgs: []string{"org_acme"}},
		cmdAliceGoogle: {roles: []string{"rol_support"}, orgs: []string{"org_acme", "org_beta"}},
	})
	return newWriteEnvFrom(t, path, emulator.Options{Rate: -1})
}

// userAccess is the roles and organizations a user of accessFixture holds.
type userAccess struct{ roles, orgs []string }

// accessFixture writes the small fixture with the roles admin (rol_admin)
// and support (rol_support) and the organizations acme (org_acme) and beta
// (org_beta), held as users says (by user id), and returns its path.
func accessFixture(t *testing.T, users map[string]userAccess) string {
	t.Helper()
	ten, err := emulator.LoadFixture(cmdFixture)
	if err != nil {
		t.Fatal(err)
	}
	ten.Roles = []*emulator.Role{{ID: "rol_admin", Name: "admin"}, {ID: "rol_support", Name: "support"}}
	ten.Organizations = []*emulator.Organization{{ID: "org_acme", Name: "acme"}, {ID: "org_beta", Name: "beta"}}
	for _, u := range ten.Users {
		if a, ok := users[u.UserID]; ok {
			u.Roles, u.Organizations = a.roles, a.orgs
		}
	}
	path := filepath.Join(t.TempDir(), "tenant.json")
	writeFixtureFile(t, path, ten)
	return path
}

// tenantPeople is every user of the tenant as a person sees it.
func tenantPeople(srv *emulator.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Snapshot().Users {
		out[u.UserID] = person(u)
	}
	return out
}

// peopleDiff lists the users that differ, user by user.
func peopleDiff(want, got map[string]string) string {
	var diffs []string
	for id, w := range want {
		if g, ok := got[id]; !ok {
			diffs = append(diffs, id+" is missing")
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s is\n    %s\n  was\n    %s", id, g, w))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			diffs = append(diffs, id+" was not there")
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "\n")
}

// opIDOf is the op_id of the last audit record of action on a step.
func (e *writeEnv) opIDOf(action string) string {
	e.t.Helper()
	recs := e.auditRecords()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == action {
			return recs[i].OpID
		}
	}
	e.t.Fatalf("no audit record of %s", action)
	return ""
}

// undoToBefore undoes the last operation of action (--force, and args),
// and checks that the tenant is then as before, person by person.
func (e *writeEnv) undoToBefore(action string, before map[string]string, args ...string) cmdRun {
	e.t.Helper()
	r := runCmd(e.t, nil, append([]string{"undo", e.opIDOf(action), "--force"}, args...)...)
	if r.code != exitOK {
		e.t.Fatalf("undo of the %s: %d\n%s\n%s", action, r.code, r.out, r.errOut)
	}
	if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
		e.t.Errorf("after the %s and its undo, the tenant is not as before:\n%s", action, diff)
	}
	return r
}

// A link with a metadata merge, undone: the tenant is as it was before the
// link, user by user; the undo's records name the operation undone and its
// reason; undoing again finds nothing to do.
func TestLinkThenUndoRestoresTheTenant(t *testing.T) {
	e := newAccessEnv(t)
	before := tenantPeople(e.srv)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force", "--reason", "ticket 4411")
	if peopleDiff(before, tenantPeople(e.srv)) == "" {
		t.Fatal("the link changed nothing")
	}
	// The primary holds what the secondary held besides metadata.
	if u, _ := e.srv.GetUser(cmdAliceDB); !slices.Contains(u.Roles, "rol_support") || !slices.Contains(u.Organizations, "org_beta") {
		t.Errorf("the link did not carry the roles and memberships over: roles %v organizations %v", u.Roles, u.Organizations)
	}
	opID := e.opIDOf("patch_metadata")
	// The dry run shows the unlink and both restores.
	r := runCmd(t, nil, "undo", opID)
	if r.code != exitOK || !strings.Contains(r.out, "unlink google-oauth2|108812345678901234567 from "+cmdAliceDB) ||
		!strings.Contains(r.out, "restore "+cmdAliceGoogle) || !strings.Contains(r.out, "restore "+cmdAliceDB) || !strings.Contains(r.errOut, "Dry run") {
		t.Fatalf("undo dry run: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	writes := e.userWrites()
	r = runCmd(t, nil, "undo", opID, "--force", "--reason", "linked the wrong account")
	if r.code != exitOK || !strings.Contains(r.out, "Done: all") {
		t.Fatalf("undo: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
		t.Errorf("after link and undo the tenant is not as before:\n%s", diff)
	}
	var undoRecs []audit.Record
	for _, rec := range e.auditRecords() {
		if rec.Undoes != "" {
			undoRecs = append(undoRecs, rec)
		}
	}
	if len(undoRecs) == 0 {
		t.Fatal("no audit record names the operation undone")
	}
	if r := runCmd(t, nil, "audit", "--limit", "1"); !strings.Contains(r.out, "undoes:   "+undoRecs[0].Undoes) {
		t.Errorf("linkdesk audit does not say what the undo undoes:\n%s", r.out)
	}
	for _, rec := range undoRecs {
		if !strings.HasSuffix(rec.Undoes, "/op1") || !strings.Contains(rec.Reason, "linked the wrong account") {
			t.Errorf("undo record %+v", rec)
		}
		if rec.Phase == audit.PhaseAttempt && rec.Backup == "" {
			t.Errorf("undo step %s took no backup", rec.Step)
		}
	}
	// Again: nothing left to undo, nothing sent.
	writes = e.userWrites()
	r = runCmd(t, nil, "undo", opID, "--force")
	if r.code != exitOK || !strings.Contains(r.out, "Nothing to undo now") || e.userWrites() != writes {
		t.Errorf("undo again: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	e.noSecrets(r)
}

// A blocked account linked away (into a primary blocked too, as a link
// requires) and given back by an undo is blocked again, by the undo's
// unlink itself (its primary is blocked): Auth0 brings it back from its
// profile, which says nothing of a block.
func TestUndoOfALinkGivesABlockedSecondaryItsBlockBack(t *testing.T) {
	e := newBlockedEnv(t, cmdAliceGoogle, cmdAliceDB)
	before := tenantPeople(e.srv)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	if r := e.undoToBefore("link", before); !strings.Contains(r.out, `op1.block    done            PATCH /api/v2/users/google-oauth2%7C108812345678901234567 {"blocked":true}`) {
		t.Errorf("the undo's unlink does not block the account again:\n%s", r.out)
	}
}

// A primary blocked since its link kept out the linked account too: the
// undo of the link is a conflict; with --overwrite, the account comes back
// blocked by the unlink (as its primary is), then unblocked, as before the
// link.
func TestUndoOfALinkWhosePrimaryWasBlockedSinceIsAConflict(t *testing.T) {
	e := newWriteEnv(t)
	before := tenantPeople(e.srv)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), cmdAliceDB, true); err != nil {
		t.Fatal(err)
	}
	writes := e.userWrites()
	r := runCmd(t, nil, "undo", e.opIDOf("link"))
	if r.code != exitRefused || !strings.Contains(r.errOut, "blocked since the link") || e.userWrites() != writes {
		t.Fatalf("undo of a link whose primary was blocked since: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	before[cmdAliceDB] = strings.Replace(before[cmdAliceDB], "blocked=false", "blocked=true", 1) // the block since stays
	e.undoToBefore("link", before, "--overwrite")
}

// newBlockedEnv is the small fixture with the users named blocked.
func newBlockedEnv(t *testing.T, blocked ...string) *writeEnv {
	t.Helper()
	ten, err := emulator.LoadFixture(cmdFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range ten.Users {
		if slices.Contains(blocked, u.UserID) {
			u.Blocked = emulator.FlagTrue
		}
	}
	path := filepath.Join(t.TempDir(), "tenant.json")
	writeFixtureFile(t, path, ten)
	return newWriteEnvFrom(t, path, emulator.Options{Rate: -1})
}

// An identity unlinked from a blocked primary comes back blocked (Auth0
// gives it back unblocked: the unlink would let in whom the primary's block
// kept out); the undo links it back, and the tenant is as before.
func TestUnlinkFromABlockedPrimaryLetsNoOneIn(t *testing.T) {
	const google = "google-oauth2|101202303404505606707"
	e := newBlockedEnv(t, cmdSam)
	before := tenantPeople(e.srv)
	dry := runCmd(t, nil, "unlink", cmdSam, "google-oauth2", "101202303404505606707")
	if dry.code != exitOK || !strings.Contains(dry.out, "comes back blocked too") || !strings.Contains(dry.out, `PATCH /api/v2/users/google-oauth2%7C101202303404505606707 {"blocked":true}`) {
		t.Fatalf("the dry run does not show the block:\n%s\n%s", dry.out, dry.errOut)
	}
	if r := runCmd(t, nil, "unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force"); r.code != exitOK {
		t.Fatalf("unlink: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if u, ok := e.srv.GetUser(google); !ok || !u.Blocked.Bool() {
		t.Fatalf("the unlinked identity is back unblocked (or not back): %v", ok)
	}
	e.undoToBefore("unlink", before)
}

// The undo of an unlink into a primary blocked since would block whoever
// signs in with the identity: a conflict, refused without --overwrite;
// with it, the identity is blocked, then linked back.
func TestUndoOfAnUnlinkIntoAPrimaryBlockedSinceIsAConflict(t *testing.T) {
	const google = "google-oauth2|101202303404505606707"
	e := newWriteEnv(t)
	mustRun(t, "unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force")
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), cmdSam, true); err != nil {
		t.Fatal(err)
	}
	opID := e.opIDOf("unlink")
	writes := e.userWrites()
	r := runCmd(t, nil, "undo", opID)
	if r.code != exitRefused || !strings.Contains(r.errOut, "blocked since the unlink") || e.userWrites() != writes {
		t.Fatalf("undo into a primary blocked since: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "undo", opID, "--force", "--overwrite"); r.code != exitOK {
		t.Fatalf("undo --force --overwrite: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	sam, _ := e.srv.GetUser(cmdSam)
	if e.exists(google) || len(sam.Identities) != 2 || !sam.Blocked.Bool() {
		t.Errorf("after the forced undo: %s", person(sam))
	}
}

// A blocked primary with a database identity linked into it, deleted and
// undone: both are made again, the identity blocked before it is linked
// back (a link joins two blocked accounts or two unblocked ones).
func TestUndoOfADeletedBlockedPrimaryLinksItsIdentityBack(t *testing.T) {
	const mallory, bakery = "auth0|65f0e1d2c3b4a59687786950", "auth0|62f0a1b2c3d4e5f607182930"
	e := newBlockedEnv(t, mallory, bakery)
	if r := runCmd(t, nil, "link", mallory, bakery, "--force", "--allow-unverified", "--allow-different-emails"); r.code != exitOK {
		t.Fatalf("link: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	before := tenantPeople(e.srv)
	if r := runCmd(t, nil, "delete", mallory, "--force"); r.code != exitOK {
		t.Fatalf("delete: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	e.undoToBefore("delete", before)
}

// What changed since the link is a conflict: the undo is refused without
// --overwrite and says what; with it, the value before the link comes back.
func TestUndoOfAChangedLinkIsRefusedWithoutOverwrite(t *testing.T) {
	e := newWriteEnv(t)
	before := tenantPeople(e.srv)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	opID := e.opIDOf("link")
	// The merge set app_metadata.roles (the union of both accounts' roles);
	// someone sets it again since.
	tn := connectEnv(t, e)
	if _, err := tn.UpdateMetadata(t.Context(), cmdAliceDB, nil, map[string]any{"roles": []string{"auditor"}}); err != nil {
		t.Fatal(err)
	}
	writes := e.userWrites()
	r := runCmd(t, nil, "undo", opID)
	if r.code != exitRefused || !strings.Contains(r.errOut, `app_metadata.roles: was ["member"] before, ["member","beta"] after the operation, and is ["auditor"] now`) || !strings.Contains(r.errOut, "undo_conflict") || e.userWrites() != writes {
		t.Fatalf("undo of a changed link: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	mustRun(t, "undo", opID, "--force", "--overwrite")
	if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
		t.Errorf("after a forced undo:\n%s", diff)
	}
}

// --force only skips the question: an undo over what was changed since the
// operation is refused (exit 3, naming --overwrite) with --force alone,
// as text or JSON, and nothing on the tenant changes; --overwrite on a
// terminal asks first, saying it overwrites, and answered No changes
// nothing either.
func TestUndoWithForceAloneDoesNotOverwriteWhatChangedSince(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	opID := e.opIDOf("link")
	if _, err := connectEnv(t, e).UpdateMetadata(t.Context(), cmdAliceDB, nil, map[string]any{"roles": []string{"auditor"}}); err != nil {
		t.Fatal(err)
	}
	changed, writes := tenantPeople(e.srv), e.userWrites()
	for _, args := range [][]string{{"undo", opID, "--force"}, {"undo", opID, "--force", "--json"}, {"undo", opID, "--force", "--reason", "ZD-9"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "undo_conflict") || !strings.Contains(r.errOut, "run it again with --overwrite") {
			t.Errorf("%q: exit %d, want %d\n%s%s", args, r.code, exitRefused, r.out, r.errOut)
		}
		// What it refused is shown (as JSON with --json), and names no
		// override it did not make.
		if strings.Contains(r.out, "OVERRIDES") || strings.Contains(r.out, `"overrides"`) {
			t.Errorf("%q: a refused undo shows an override:\n%s", args, r.out)
		}
		if slices.Contains(args, "--json") && !strings.Contains(r.out, `"conflicts"`) {
			t.Errorf("%q: refused, --json prints no conflicts:\n%q", args, r.out)
		}
	}
	no := "n\n"
	r := runCmd(t, &no, "undo", opID, "--overwrite")
	if r.code != exitFailure || !strings.Contains(r.errOut, "to undo it, overwriting what was changed since (listed above)? [y/N]") {
		t.Errorf("undo --overwrite answered n: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if diff := peopleDiff(changed, tenantPeople(e.srv)); diff != "" || e.userWrites() != writes {
		t.Fatalf("a refused or declined undo changed the tenant (%d writes):\n%s", e.userWrites()-writes, diff)
	}
	yes := "y\n"
	if r := runCmd(t, &yes, "undo", opID, "--overwrite"); r.code != exitOK || !e.exists(cmdAliceGoogle) {
		t.Errorf("undo --overwrite answered y: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// A deleted database account comes back: same user_id, email and its
// verification, username, metadata; a password-change ticket for the
// password no backup holds.
func TestDeleteThenUndoRecreatesADatabaseAccount(t *testing.T) {
	e := newAccessEnv(t)
	before := tenantPeople(e.srv)
	if r := runCmd(t, nil, "delete", cmdAliceDB, "--force"); r.code != exitOK || e.exists(cmdAliceDB) {
		t.Fatalf("delete: %d %s", r.code, r.errOut)
	}
	if r := e.undoToBefore("delete", before, "--reason", "deleted by mistake"); !strings.Contains(r.out, "ticket: http") {
		t.Errorf("the undo made no password-change ticket:\n%s", r.out)
	}
	// The password was never written anywhere.
	for _, rec := range e.auditRecords() {
		if strings.Contains(string(rec.Request), "password\":\"Aa1!") {
			t.Errorf("a password reached the audit log: %s", rec.Request)
		}
	}
}

// A deletion's dry run and question, and its undo's, say that the account
// comes back as a new one: created then, with no login count or last
// login, naming those it has (tester: "same user id, profile, …", and the
// account undone showed 0 logins, never, created today).
func TestDeleteAndItsUndoSayTheAccountComesBackWithoutItsLoginHistory(t *testing.T) {
	const emma = "auth0|64b7ca01e0f1a2b3c4d5e6f8" // 48 logins, the last 2026-10-26, created 2023-07-19
	e := newWriteEnv(t)
	r := runCmd(t, nil, "delete", emma)
	for _, want := range []string{
		"its undo (`linkdesk undo`, or U in the audit log) re-creates the account from it with the same user id, profile, metadata, roles and memberships, but as a new account: created then, with no login count or last login (now: 48 logins, the last 2026-10-26, created 2023-07-19), and without its password (the undo makes a password-change ticket) or its sessions",
		"  login history  48 logins, the last 2026-10-26, created 2023-07-19 (no undo gives it back: the account comes back created anew)\n",
	} {
		if r.code != exitOK || !strings.Contains(r.out+r.errOut, want) {
			t.Errorf("the dry run lacks %q: exit %d\n%s%s", want, r.code, r.out, r.errOut)
		}
	}
	typed := "\n"
	r = runCmd(t, &typed, "delete", emma)
	if said, ask := strings.Index(r.errOut, "  login history  48 logins"), strings.Index(r.errOut, "or its user id to confirm: "); said < 0 || ask < said {
		t.Errorf("on a terminal, the login history is not said before the question:\n%s", r.errOut)
	}
	mustRun(t, "delete", emma, "--force")
	want := "comes back as a new account with the same user id: created now, with no login count or last login (before: 48 logins, the last 2026-10-26, created 2023-07-19)"
	r = mustRun(t, "undo", e.opIDOf("delete"))
	if !strings.Contains(r.out+r.errOut, want) {
		t.Errorf("the undo's dry run lacks %q:\n%s%s", want, r.out, r.errOut)
	}
	no := "n\n"
	if r := runCmd(t, &no, "undo", e.opIDOf("delete")); !strings.Contains(r.out+r.errOut, want) || !strings.Contains(r.errOut, "[y/N]") {
		t.Errorf("the undo's question:\n%s%s", r.out, r.errOut)
	}
}

// A deleted primary whose linked identity is social: the primary comes
// back, and the undo says the social identity returns at its next login.
func TestUndoOfADeletedPrimarySaysWhatWaitsForALogin(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "delete", cmdSam, "--force")
	r := runCmd(t, nil, "undo", e.opIDOf("delete"), "--force")
	if r.code != exitOK || !e.exists(cmdSam) || !strings.Contains(r.out, "google-oauth2|101202303404505606707") || !strings.Contains(r.out, "next login") {
		t.Fatalf("undo: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}

// A deleted family member is named by its username in what its undo says
// of the identities that were linked into it (tester: "(linked into
// auth0|63a1… before)", the user id alone, where the family shares one
// email).
func TestUndoOfADeletedFamilyMemberNamesItByUsername(t *testing.T) {
	const raj, rajGoogle = "auth0|63a1b2c3d4e5f60718293a4c", "google-oauth2|112233445566778899001"
	e := newWriteEnv(t)
	mustRun(t, "link", raj, rajGoogle, "--force")
	mustRun(t, "delete", raj, "--force")
	r := mustRun(t, "undo", e.opIDOf("delete"))
	if want := rajGoogle + " (linked into raj.patel (" + raj + ") before)"; !strings.Contains(r.out+r.errOut, want) {
		t.Errorf("the undo's dry run lacks %q:\n%s%s", want, r.out, r.errOut)
	}
}

// The undo of a deleted family member makes it a password-change ticket,
// and says, as `linkdesk ticket` does of a shared inbox, that the URL goes
// to that person and not to the family's inbox, naming the member by its
// username; the undo of a deleted account of a connection where emails are
// unique says nothing of it.
func TestTheUndoTicketOfAFamilyMemberGoesToThePersonNotTheInbox(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "delete", cmdMike, "--force")
	r := mustRun(t, "undo", e.opIDOf("delete"))
	want := "the URL sets the password of mike.miller (" + cmdMike + ") alone, and on family-accounts several accounts may share the email the.millers@gmail.com"
	if !strings.Contains(r.out, want) {
		t.Errorf("the undo's dry run lacks %q:\n%s%s", want, r.out, r.errOut)
	}
	// A legacy database's profile, by its username too, and as what it is
	// (tester: "auth0|1000123 alone …, (a family's, a shop's)").
	const bob = "auth0|1000123" // bobsmith: bob.smith@yahoo.com on legacy-members, with bob.smith2
	mustRun(t, "delete", bob, "--force")
	r = mustRun(t, "undo", e.opIDOf("delete"))
	if want := "the URL sets the password of bobsmith (" + bob + ") alone, and on legacy-members several accounts may share the email bob.smith@yahoo.com (the profiles of a legacy database)"; !strings.Contains(r.out, want) {
		t.Errorf("the undo's dry run of a legacy profile lacks %q:\n%s%s", want, r.out, r.errOut)
	}
	mustRun(t, "delete", cmdAliceDB, "--force")
	if r := mustRun(t, "undo", e.opIDOf("delete")); !strings.Contains(r.out, "ticket") || strings.Contains(r.out, "inbox") {
		t.Errorf("the undo of a deleted account whose email is its own speaks of an inbox:\n%s", r.out)
	}
}

// The dry run and the question of a deletion say what it destroys, from
// the account as read for them, as the terminal UI's dialog does: the keys
// of its metadata (never their values), its roles and memberships, its
// block, the identities linked into it. A social account that is a primary,
// a database identity linked into it, comes back only at its next login:
// the deletion says plainly that its undo brings nothing back until then,
// in the words the undo says it; a database account's does not.
func TestDeleteSaysWhatTheDeletionDestroys(t *testing.T) {
	e := newAccessEnv(t)
	if r := runCmd(t, nil, "link", cmdAliceGoogle, cmdAliceDB, "--force"); r.code != exitOK { // the database account into the Google one
		t.Fatalf("link: %d\n%s%s", r.code, r.out, r.errOut)
	}
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), cmdAliceGoogle, true); err != nil {
		t.Fatal(err)
	}
	writes := e.userWrites()
	r := runCmd(t, nil, "delete", cmdAliceGoogle)
	for _, want := range []string{
		"Deleting it destroys on the tenant (the backup keeps a copy):",
		"  user_metadata  1 key: preferences\n",
		"  app_metadata   2 keys: plan, roles\n",
		"  roles          support, admin\n", // as the tenant lists them
		"  organizations  acme, beta\n",
		"  blocked        yes: the account is blocked\n",
		"  linked         " + cmdAliceDB + " on Username-Password-Authentication (it is deleted with it)\n",
		"Its undo can bring nothing back, not even the identities linked into it, until the person logs in with this google-oauth2 account again",
		cmdAliceGoogle + " is a google-oauth2 account: Auth0 alone makes it again, at its next login through google-oauth2",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("the dry run lacks %q:\n%s", want, r.errOut)
		}
	}
	if r.code != exitOK || strings.Contains(r.out+r.errOut, `"pro"`) || strings.Contains(r.out+r.errOut, `"dark"`) {
		t.Errorf("the dry run: exit %d, or it shows metadata values:\n%s%s", r.code, r.out, r.errOut)
	}
	// Said before the question, and beside --json's plan on stdout.
	typed := "\n"
	r = runCmd(t, &typed, "delete", cmdAliceGoogle)
	if said, ask := strings.Index(r.errOut, "Deleting it destroys"), strings.Index(r.errOut, "or its user id to confirm: "); said < 0 || ask < said {
		t.Errorf("on a terminal:\n%s", r.errOut)
	}
	if r := runCmd(t, nil, "delete", cmdAliceGoogle, "--json"); !json.Valid([]byte(r.out)) || !strings.Contains(r.errOut, "roles          support, admin") {
		t.Errorf("--json:\n%s\n%s", r.out, r.errOut)
	}
	// A database account comes back from its backup: no such warning.
	r = runCmd(t, nil, "delete", cmdSam)
	if r.code != exitOK || !strings.Contains(r.errOut, "  roles          none\n") || !strings.Contains(r.errOut, "  linked         google-oauth2|101202303404505606707 on google-oauth2") ||
		strings.Contains(r.errOut, "blocked        yes") || strings.Contains(r.errOut, "bring nothing back") {
		t.Errorf("delete of a database primary: exit %d\n%s", r.code, r.errOut)
	}
	if e.userWrites() != writes {
		t.Error("a dry run wrote")
	}
}

// An unlink, undone, is linked again.
func TestUnlinkThenUndoLinksAgain(t *testing.T) {
	e := newWriteEnv(t)
	before := tenantPeople(e.srv)
	mustRun(t, "unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force", "--reason", "test")
	for _, rec := range e.auditRecords() {
		if rec.Action == "unlink" && rec.Phase == audit.PhaseAttempt && (rec.Backup == "" || rec.Reason != "test") {
			t.Errorf("the unlink took no backup or no reason: %+v", rec)
		}
	}
	e.undoToBefore("unlink", before)
}

// TestUnlinkOfALinkLinkdeskMadeSaysItsUndoGivesMore: an unlink of an
// identity linkdesk linked says, in its dry run and above its question,
// that the link's undo (its op_id) gives the account back its metadata,
// roles and memberships, which the unlink leaves with the primary; the
// unlink does leave them there, and that undo, after it, gives them back.
func TestUnlinkOfALinkLinkdeskMadeSaysItsUndoGivesMore(t *testing.T) {
	e := newAccessEnv(t)
	before := tenantPeople(e.srv)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	link := e.opIDOf("link")
	google := strings.TrimPrefix(cmdAliceGoogle, "google-oauth2|")
	said := []string{
		"op1  unlink " + cmdAliceGoogle + " from " + cmdAliceDB + "\n",
		"note: the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history; the primary keeps what the link gave it: the merged metadata, the role support and the membership of beta; this unlink's own undo links it again",
		"note: linkdesk made this link on ",
		", by operator-ann; its undo (U on its audit record, or `linkdesk undo " + link + "`) gives the account back its metadata, the role support, the membership of acme and the membership of beta, and takes back what the link gave the primary, unlike this unlink, even after it",
	}
	r := runCmd(t, nil, "unlink", cmdAliceDB, "google-oauth2", google)
	for _, s := range said {
		if r.code != exitOK || !strings.Contains(r.out, s) {
			t.Fatalf("the unlink's dry run does not say %q (exit %d):\n%s\n%s", s, r.code, r.out, r.errOut)
		}
	}
	no := "n\n"
	r = runCmd(t, &no, "unlink", cmdAliceDB, "google-oauth2", google)
	if all := r.out + r.errOut; !strings.Contains(all, said[3]) || strings.Index(all, said[3]) > strings.Index(all, "Unlink google-oauth2|") {
		t.Fatalf("the question is not preceded by the pointer to the link's undo:\n%s\n%s", r.out, r.errOut)
	}

	mustRun(t, "unlink", cmdAliceDB, "google-oauth2", google, "--force")
	sec, _ := e.srv.GetUser(cmdAliceGoogle)
	prim, _ := e.srv.GetUser(cmdAliceDB)
	if sec == nil || len(sec.Roles)+len(sec.Organizations) != 0 || !slices.Contains(prim.Roles, "rol_support") || !slices.Contains(prim.Organizations, "org_beta") {
		t.Fatalf("after the plain unlink: %+v, %+v", sec, prim)
	}
	e.undoToBefore("link", before)
}

// connectEnv is a client of the env's tenant, as another operator's tool.
func connectEnv(t *testing.T, e *writeEnv) client.Tenant {
	t.Helper()
	tn, err := client.New(t.Context(), client.Config{Domain: e.base, ClientID: e.srv.ClientID(), ClientSecret: e.srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// A link whose merge took effect and whose link did not (refused by the
// tenant), the secondary linked into the same primary later by another
// command: undoing the first would take from the primary the merged keys,
// now the only copy of the secondary's metadata. A conflict: refused
// without --force, the keys kept.
func TestUndoOfAHalfDoneLinkKeepsMetadataALaterLinkLeftOnlyThere(t *testing.T) {
	e := newAccessEnv(t)
	refusing := refuseCalls(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/identities")
	})
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through: %s", r.out)
	}
	merge := e.opIDOf("patch_metadata")
	refusing.Store(false)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force")
	kept := tenantPeople(e.srv)[cmdAliceDB]
	r := runCmd(t, nil, "undo", merge, "--force=false")
	if r.code != exitRefused || !strings.Contains(r.out+r.errOut, "the only copy of its metadata left") {
		t.Fatalf("undo of the merge: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if now := tenantPeople(e.srv)[cmdAliceDB]; now != kept {
		t.Errorf("the refused undo changed the primary:\n%s\n%s", kept, now)
	}
	// Unlinked again, the secondary is an account of its own, with no
	// metadata: the primary's copy is still the only one.
	mustRun(t, "unlink", cmdAliceDB, "google-oauth2", "108812345678901234567", "--force")
	r = runCmd(t, nil, "undo", merge)
	if r.code != exitRefused || !strings.Contains(r.out+r.errOut, "no longer holds") {
		t.Fatalf("undo of the merge after the unlink: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}

// A deleted primary with a database identity and a social one linked into
// it, undone: the database identity is made again with a random password,
// so it gets a password-change ticket of its own, made before it is linked
// back (a linked identity is no user: Auth0 makes it no ticket then), and
// the plan says so; the social one waits for its next login.
func TestUndoOfADeletedPrimaryTicketsItsRelinkedDatabaseIdentity(t *testing.T) {
	const imported = "auth0|5e8f9a0b1c2d3e4f50617283"
	e := newWriteEnv(t)
	if r := runCmd(t, nil, "link", cmdSam, imported, "--force", "--allow-different-emails"); r.code != exitOK {
		t.Fatalf("link: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	before := tenantPeople(e.srv)
	if r := runCmd(t, nil, "delete", cmdSam, "--force"); r.code != exitOK || e.exists(cmdSam) {
		t.Fatalf("delete: %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	opID := e.opIDOf("delete")
	dry := runCmd(t, nil, "undo", opID)
	ticket := strings.Index(dry.out, "password-change ticket for "+imported)
	link := strings.Index(dry.out, "link "+imported+" into "+cmdSam)
	if dry.code != exitOK || ticket < 0 || link < 0 || ticket > link || !strings.Contains(dry.out, "made before the link") {
		t.Fatalf("the undo's dry run plans no ticket for %s before its link back:\n%s\n%s", imported, dry.out, dry.errOut)
	}
	// The Google identity comes back at its next login only.
	before[cmdSam] = strings.Replace(before[cmdSam], " google-oauth2|101202303404505606707", "", 1)
	r := e.undoToBefore("delete", before)
	if n := strings.Count(r.out, "ticket: http"); n != 2 {
		t.Errorf("the undo made %d password-change tickets, want 2 (%s and %s):\n%s", n, cmdSam, imported, r.out)
	}
	if !strings.Contains(r.out, `POST /api/v2/tickets/password-change {"user_id":"`+imported+`"}`) {
		t.Errorf("no ticket for %s:\n%s", imported, r.out)
	}
	if !strings.Contains(r.out, "google-oauth2|101202303404505606707") || !strings.Contains(r.out, "next login") {
		t.Errorf("the undo does not say the Google identity waits for its next login:\n%s", r.out)
	}
}

// A link killed (SIGKILL) after its call reached the tenant, not settled
// since: its outcome is unknown, so its undo is refused (exit 3) until
// `linkdesk resume` settles it, never called a link that made no call
// that took effect; once settled, its undo unlinks.
func TestUndoOfALinkCutOffDuringItsCallWaitsForResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu, env, state := killLinkAfterItReachedTheTenant(t)
	t.Cleanup(func() { emu.stop(t) })
	attempts, results := linkAudit(t, state)
	if len(attempts) != 1 || len(results) != 0 {
		t.Fatalf("after the kill: attempts %v, results %v; want one attempt and no result", attempts, results)
	}
	var opID string
	for id := range attempts {
		opID = id
	}
	for _, args := range [][]string{{"undo", opID}, {"undo", opID, "--force"}} {
		r := runProcess(t, env, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "outcome is unknown: run `linkdesk resume plan-") || strings.Contains(r.out+r.errOut, "nothing to undo") {
			t.Errorf("%v of a link cut off during its call: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if r := runProcess(t, env, "resume"); r.code != exitOK || !strings.Contains(r.out, "took effect") {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runProcess(t, env, "undo", opID); r.code != exitOK || !strings.Contains(r.out, "unlink google-oauth2|108812345678901234567 from "+cmdAliceDB) {
		t.Errorf("the undo once resume settled the link: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// What is not an op id is a usage error (exit 2), before the tenant is
// read; so is an op id of the right form that no audit record of the
// tenant holds (a digit mistyped, say): it names nothing, and the message
// says where op ids are found (tester: exit 1, as if the undo had failed).
func TestUndoOfWhatIsNoOpIDIsAUsageError(t *testing.T) {
	e := newWriteEnv(t)
	for _, arg := range []string{"nope", "op1", "20261101T120000Z-3F9A1C0E5B7D2A41"} {
		if r := runCmd(t, nil, "undo", arg); r.code != exitUsage || !strings.Contains(r.errOut, "is not an op id") {
			t.Errorf("undo %q: exit %d, want %d\n%s%s", arg, r.code, exitUsage, r.out, r.errOut)
		}
	}
	if r := runCmd(t, nil, "undo", ""); r.code != exitUsage || !strings.Contains(r.errOut, "the OP_ID argument is empty") {
		t.Errorf("undo '': exit %d, want %d\n%s%s", r.code, exitUsage, r.out, r.errOut)
	}
	for _, args := range [][]string{{}, {"--force"}} {
		r := runCmd(t, nil, append([]string{"undo", "20261101T120000Z-3f9a1c0e5b7d2a41"}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.errOut, `has op_id "20261101T120000Z-3f9a1c0e5b7d2a41"`) ||
			!strings.Contains(r.errOut, "no audit record has op_id") || !strings.Contains(r.errOut, "`linkdesk audit` lists") {
			t.Errorf("undo %v of an op id no audit record holds: exit %d, want %d\n%s%s", args, r.code, exitUsage, r.out, r.errOut)
		}
	}
	// An audit log that cannot be read (the state directory's, under a
	// file, not a directory) is a failure, not the operator's mistake:
	// exit 1. (One named by --audit-log that is no regular file, a
	// directory, or under a file, is named by mistake: exit 2.)
	notADir := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, nil, "undo", "20261101T120000Z-3f9a1c0e5b7d2a41", "--audit-log", filepath.Join(notADir, "audit.log")); r.code != exitUsage || !strings.Contains(r.errOut, notADir+" is not a directory") {
		t.Errorf("undo with an --audit-log under a file: exit %d, want %d\n%s%s", r.code, exitUsage, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "undo", "20261101T120000Z-3f9a1c0e5b7d2a41", "--audit-log", t.TempDir()); r.code != exitUsage || !strings.Contains(r.errOut, "is not a regular file") {
		t.Errorf("undo with a directory for its audit log: exit %d, want %d\n%s%s", r.code, exitUsage, r.out, r.errOut)
	}
	stateFile := t.TempDir()
	if err := os.WriteFile(filepath.Join(stateFile, "linkdesk"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", stateFile)
	if r := runCmd(t, nil, "undo", "20261101T120000Z-3f9a1c0e5b7d2a41"); r.code != exitFailure || !strings.Contains(r.errOut, "not a directory") {
		t.Errorf("undo with an audit log that cannot be read: exit %d, want %d\n%s%s", r.code, exitFailure, r.out, r.errOut)
	}
	if n := e.userWrites(); n != 0 {
		t.Errorf("%d writes", n)
	}
}

// An op id of the right form that no audit log holds is refused (exit 2)
// before the tenant is opened: undo connected first (a token, the
// connections), so a tenant that could not be reached said so rather than
// that the op id names nothing, though the audit log alone shows it. With
// AUTH0_DOMAIN at a tenant that counts what reaches it, no request does;
// an op id the log holds still goes to the tenant.
func TestUndoOfAnUnknownOpIDIsRefusedWithoutAConnection(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	known := e.opIDOf("link")
	var hits atomic.Int64
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, `{"error":"access_denied"}`, http.StatusUnauthorized)
	}))
	t.Cleanup(tenant.Close)
	t.Setenv("AUTH0_DOMAIN", tenant.URL)
	for _, args := range [][]string{{}, {"--force"}, {"--json"}} {
		r := runCmd(t, nil, append([]string{"undo", "20261101T120000Z-3f9a1c0e5b7d2a41"}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.errOut, `no audit record has op_id "20261101T120000Z-3f9a1c0e5b7d2a41"`) || hits.Load() != 0 {
			t.Errorf("undo %v of an unknown op id: exit %d, want %d; %d requests reached the tenant, want 0\n%s%s", args, r.code, exitUsage, hits.Load(), r.out, r.errOut)
		}
	}
	if r := runCmd(t, nil, "undo", known); r.code == exitOK || hits.Load() == 0 {
		t.Errorf("undo of an op id the log holds: exit %d, %d requests reached the tenant\n%s%s", r.code, hits.Load(), r.out, r.errOut)
	}
}

// An undo that conflicts with what changed since in all it would do (the
// primary of a link deleted since, as on a tenant swapped for another)
// can do nothing: refused (exit 3), with or without --force or
// --overwrite, as text or JSON, nothing written.
func TestUndoThatConflictsInEverythingIsRefused(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	opID := e.opIDOf("link")
	if err := connectEnv(t, e).DeleteUser(t.Context(), cmdAliceDB); err != nil {
		t.Fatal(err)
	}
	writes := e.userWrites()
	for _, args := range [][]string{{"undo", opID}, {"undo", opID, "--force"}, {"undo", opID, "--json"}, {"undo", opID, "--json", "--force"},
		{"undo", opID, "--overwrite"}, {"undo", opID, "--force", "--overwrite"}, {"undo", opID, "--json", "--overwrite"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.out+r.errOut, "deleted since the link") || !strings.Contains(r.errOut, "nothing can be undone now") ||
			!strings.Contains(r.errOut, "--overwrite or not") {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, r.code, exitRefused, r.out, r.errOut)
		}
	}
	if e.userWrites() != writes {
		t.Errorf("the refused undo wrote")
	}
}

// An undo that cannot be made is refused (exit 3, naming the check), as
// any other refusal: of a ticket, and from a backup changed since it was
// written.
func TestUndoRefusesWhatItCannotUndoWithExit3(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "ticket", cmdLiam, "--force")
	if r := runCmd(t, nil, "undo", e.opIDOf("ticket")); r.code != exitRefused || !strings.Contains(r.errOut, "not_undoable") {
		t.Errorf("undo of a ticket: exit %d, want %d naming not_undoable\n%s%s", r.code, exitRefused, r.out, r.errOut)
	}

	// The unlink an undo of a link made is a step of that undo: no undo.
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	mustRun(t, "undo", e.opIDOf("link"), "--force")
	writes := e.userWrites()
	if r := runCmd(t, nil, "undo", e.opIDOf("unlink"), "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "not_undoable") || e.userWrites() != writes {
		t.Errorf("undo of an undo's unlink: exit %d, want %d naming not_undoable, nothing written\n%s%s", r.code, exitRefused, r.out, r.errOut)
	}

	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	var backup string
	for _, rec := range e.auditRecords() {
		if rec.Backup != "" {
			backup = rec.Backup
		}
	}
	if backup == "" {
		t.Fatal("the link wrote no backup")
	}
	if err := os.WriteFile(backup, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writes = e.userWrites()
	if r := runCmd(t, nil, "undo", e.opIDOf("link"), "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "backup_changed") {
		t.Errorf("undo from a backup changed since: exit %d, want %d naming backup_changed\n%s%s", r.code, exitRefused, r.out, r.errOut)
	}
	if e.userWrites() != writes {
		t.Error("the refused undo wrote to the tenant")
	}
}

// A relative --backup-dir is recorded as an absolute path, as --audit-log
// and --journal are: the undo, run from another directory, finds the backup.
func TestABackupMadeWithARelativeBackupDirIsUndoneFromAnotherDirectory(t *testing.T) {
	e := newWriteEnv(t)
	work := t.TempDir()
	t.Chdir(work)
	mustRun(t, "delete", cmdAliceDB, "--force", "--backup-dir", "relbk")
	opID := e.opIDOf("delete")
	for _, rec := range e.auditRecords() {
		if rec.Backup != "" && !filepath.IsAbs(rec.Backup) {
			t.Errorf("the audit record keeps the backup as %q, relative to where the delete ran", rec.Backup)
		}
	}
	t.Chdir(t.TempDir())
	if r := runCmd(t, nil, "undo", opID, "--force"); r.code != exitOK || !e.exists(cmdAliceDB) {
		t.Errorf("undo from another directory: exit %d (re-created: %v)\n%s%s", r.code, e.exists(cmdAliceDB), r.out, r.errOut)
	}
}

// An operation undone already, the same made again since by another
// command (the pair linked again, the account deleted again), is not
// undone a second time: that would take apart the newer operation in the
// older one's name, from the older one's backups. Refused (exit 3,
// already_undone), naming the undo and the newer operation, which undoes
// as usual.
func TestAnOperationUndoneAlreadyIsNotUndoneAgainOverANewerOne(t *testing.T) {
	for _, tc := range []struct {
		action string
		args   []string
	}{
		{"link", []string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}},
		{"delete", []string{"delete", cmdAliceDB, "--force"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			e := newAccessEnv(t)
			mustRun(t, tc.args...)
			first := e.opIDOf(tc.action)
			mustRun(t, "undo", first, "--force")
			mustRun(t, tc.args...)
			again := e.opIDOf(tc.action)
			if again == first {
				t.Fatalf("the operation made again has the first one's op_id %s", first)
			}
			now, writes := tenantPeople(e.srv), e.userWrites()
			for _, args := range [][]string{{"undo", first}, {"undo", first, "--force", "--overwrite"}} {
				r := runCmd(t, nil, args...)
				if r.code != exitRefused || !strings.Contains(r.errOut, "already_undone") || !strings.Contains(r.errOut, "linkdesk undo "+again) {
					t.Errorf("%q: exit %d, want %d naming already_undone and %s\n%s%s", args, r.code, exitRefused, again, r.out, r.errOut)
				}
			}
			if diff := peopleDiff(now, tenantPeople(e.srv)); diff != "" || e.userWrites() != writes {
				t.Errorf("the refused undo changed the tenant:\n%s", diff)
			}
			mustRun(t, "undo", again, "--force")
		})
	}
}

// An undo that links an account back into one member of a family (the undo
// of an unlink, and the undo of the undo of a link) says who else shares
// the email, as the link did: in its dry run (tester: nothing named anika).
func TestAnUndoLinkingBackIntoAFamilyMemberSaysWhoElseSharesTheEmail(t *testing.T) {
	const raj, anika, patelGoogle = "auth0|63a1b2c3d4e5f60718293a4c", "auth0|63a1b2c3d4e5f60718293a4d", "google-oauth2|112233445566778899001"
	e := newWriteEnv(t)
	want := "Note: 1 other account shares the email patel.family@gmail.com (anika.patel (" + anika + ")): whoever signs in with Patel.Family@gmail.com (" + patelGoogle + ") gets into the account raj.patel alone."
	mustRun(t, "link", raj, patelGoogle, "--force")
	mustRun(t, "unlink", raj, "google-oauth2", "112233445566778899001", "--force")
	r := runCmd(t, nil, "undo", e.opIDOf("unlink"))
	if r.code != exitOK || !strings.Contains(r.errOut, want) {
		t.Errorf("undo of an unlink out of a family member: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// Deleted with an account of another email linked into it (a
	// database one, made again by the undo), the undo of the deletion
	// links it back, and says so too (the Google account is one of the
	// others now: unlinked above).
	const imported = "auth0|5e8f9a0b1c2d3e4f50617283"
	mustRun(t, "link", raj, imported, "--force", "--allow-different-emails")
	mustRun(t, "delete", raj, "--force")
	r = runCmd(t, nil, "undo", e.opIDOf("delete"))
	if want := "Note: 2 other accounts share the email patel.family@gmail.com (anika.patel (" + anika + "), " + patelGoogle + "): whoever signs in with imported.user@web.de gets into the account raj.patel alone."; r.code != exitOK ||
		!strings.Contains(r.out, "link "+imported+" into "+raj) || !strings.Contains(r.errOut, want) {
		t.Errorf("undo of the deletion of a family member, linking an account back into it: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// An undo that links no family member says nothing of the kind.
	mustRun(t, "unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force")
	if r := runCmd(t, nil, "undo", e.opIDOf("unlink")); r.code != exitOK || strings.Contains(r.errOut, "share the email") || strings.Contains(r.errOut, "shares the email") {
		t.Errorf("undo of an unlink of one person's accounts: exit %d\n%s", r.code, r.errOut)
	}
}

// deletedEnterpriseWithALinkedDatabaseAccount links John's database
// account into his enterprise one and deletes the enterprise account: a
// deletion whose undo can make nothing until he logs in with it again.
func deletedEnterpriseWithALinkedDatabaseAccount(t *testing.T) *writeEnv {
	t.Helper()
	const john, johnDB = "samlp|acme-corp|John.Doe@Acme.com", "auth0|6281b3c4d5e6f70812345678"
	e := newWriteEnv(t)
	mustRun(t, "link", john, johnDB, "--force")
	mustRun(t, "delete", john, "--force")
	return e
}

// The undo of a deleted enterprise account, a database identity linked
// into it, can make nothing until the account logs in again: it is refused
// (exit 3, not_undoable_now), its notes saying what comes first, so that a
// script does not take it for an undo made (tester: exit 0).
func TestAnUndoThatCanMakeNothingYetIsRefused(t *testing.T) {
	e := deletedEnterpriseWithALinkedDatabaseAccount(t)
	writes := e.userWrites()
	for _, force := range []bool{false, true} {
		args := []string{"undo", e.opIDOf("delete")}
		if force {
			args = append(args, "--force")
		}
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "(not_undoable_now)") || !strings.Contains(r.out+r.errOut, "note") {
			t.Errorf("%v: exit %d, want 3 not_undoable_now\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if n := e.userWrites() - writes; n != 0 {
		t.Errorf("the undo made %d writes", n)
	}
}

// An undo that finds nothing left to make says so, exits 0, and neither
// refuses (not_undoable_now: "what its notes say must come first, then run
// it again") nor advises --force, with or without it, as text or as one
// JSON value: the undo of an unlink whose pair is linked again (by its own
// undo, or by hand), and the undo of a deletion undone already whose backup
// holds [redacted] (a secret linkdesk knows in the account's metadata:
// "check those values afterwards" is no reason to wait; tester: the dry run
// of an undo with nothing to do contradicted itself).
func TestAnUndoWithNothingLeftToMakeSaysSoAndAdvisesNothing(t *testing.T) {
	const secret = "linkdesk-test-client-SECRET-90b1c2"
	// Alice's accounts linked and unlinked, then linked again by the
	// unlink's undo, or by the command again names.
	relinked := func(again ...string) func(t *testing.T) (*writeEnv, string) {
		return func(t *testing.T) (*writeEnv, string) {
			e := newAccessEnv(t)
			mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
			mustRun(t, "unlink", cmdAliceDB, "google-oauth2", "108812345678901234567", "--force")
			op := e.opIDOf("unlink")
			if len(again) == 0 {
				again = []string{"undo", op, "--force"}
			}
			mustRun(t, again...)
			return e, op
		}
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (*writeEnv, string)
	}{
		{"unlink undone", relinked()},
		{"unlink linked again by hand", relinked("link", cmdAliceDB, cmdAliceGoogle, "--force")},
		{"deletion undone, its backup redacted", func(t *testing.T) (*writeEnv, string) {
			ten, err := emulator.LoadFixture(cmdFixture)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range ten.Users {
				if u.UserID == cmdAliceDB {
					u.UserMetadata = json.RawMessage(`{"vault":"` + secret + `"}`)
				}
			}
			path := filepath.Join(t.TempDir(), "tenant.json")
			writeFixtureFile(t, path, ten)
			e := newWriteEnvFrom(t, path, emulator.Options{Rate: -1, ClientSecret: secret})
			mustRun(t, "delete", cmdAliceDB, "--force")
			op := e.opIDOf("delete")
			if r := mustRun(t, "undo", op, "--force"); !strings.Contains(r.out, "holds [redacted] in place of "+cmdAliceDB+"'s user_metadata.vault") {
				t.Fatalf("the undo does not say its backup holds [redacted]:\n%s", r.out)
			}
			return e, op
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, op := tc.setup(t)
			writes := e.userWrites()
			for _, args := range [][]string{{"undo", op}, {"undo", op, "--force"}} {
				r := runCmd(t, nil, args...)
				if r.code != exitOK || !strings.Contains(r.out, nothingToUndo) || strings.Contains(r.out+r.errOut, "--force") ||
					strings.Contains(r.out+r.errOut, "not_undoable_now") || strings.Contains(r.out+r.errOut, "Dry run") {
					t.Errorf("%v: exit %d, want 0 and %q alone\n%s%s", args, r.code, nothingToUndo, r.out, r.errOut)
				}
				r = runCmd(t, nil, append(args, "--json")...)
				var got undoJSON
				oneJSONValue(t, r, &got)
				// dry_run says whether --force was given: with it, nothing
				// to make is no dry run (it said true).
				if r.code != exitOK || got.Operations == nil || len(got.Operations) != 0 || got.Message != nothingToUndo || got.Refused != "" ||
					got.DryRun == slices.Contains(args, "--force") {
					t.Errorf("%v --json: exit %d, %+v\n%s%s", args, r.code, got, r.out, r.errOut)
				}
			}
			if e.userWrites() != writes {
				t.Error("an undo with nothing to make wrote")
			}
		})
	}
}

// A link the tenant refused made no call that took effect: its undo finds
// the tenant as before the operation and says so, exit 0, as an undo with
// nothing left to make does (it exited 1, "there is nothing to undo", as
// if the undo had failed); with --json one value that says it.
func TestUndoOfALinkTheTenantRefusedHasNothingToUndo(t *testing.T) {
	e := newWriteEnv(t)
	refuseCalls(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/identities")
	})
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force"); r.code == exitOK {
		t.Fatalf("the link went through: %s", r.out)
	}
	op := e.opIDOf("link")
	before := tenantPeople(e.srv)
	writes := e.userWrites()
	for _, args := range [][]string{{}, {"--force"}} {
		r := runCmd(t, nil, append([]string{"undo", op}, args...)...)
		if r.code != exitOK || !strings.Contains(r.out, "Nothing to undo") || !strings.Contains(r.out, "made no call that took effect") ||
			strings.Contains(r.out+r.errOut, "--force") {
			t.Errorf("undo %v of a refused link: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
		r = runCmd(t, nil, append([]string{"undo", op, "--json"}, args...)...)
		var got struct {
			DryRun     *bool             `json:"dry_run"`
			Operations []json.RawMessage `json:"operations"`
			Message    string            `json:"message"`
		}
		if err := json.Unmarshal([]byte(r.out), &got); r.code != exitOK || err != nil || got.Operations == nil || len(got.Operations) != 0 ||
			!strings.Contains(got.Message, "made no call that took effect") || got.DryRun == nil || *got.DryRun != (len(args) == 0) {
			t.Errorf("undo --json %v of a refused link: exit %d (%v)\n%s%s", args, r.code, err, r.out, r.errOut)
		}
	}
	if e.userWrites() != writes || !maps.Equal(tenantPeople(e.srv), before) {
		t.Errorf("the undo of a refused link wrote to the tenant")
	}
}
