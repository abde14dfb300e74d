package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// A link between a blocked account and one that is not is refused (exit 3,
// blocked_account), whichever side is blocked, and nothing is written:
// after a link the primary's block alone decides who signs in.
func TestALinkBetweenABlockedAndAnUnblockedAccountIsRefused(t *testing.T) {
	for _, blocked := range []string{cmdAliceGoogle, cmdAliceDB} {
		t.Run(blocked, func(t *testing.T) {
			ten, err := emulator.LoadFixture(cmdFixture)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range ten.Users {
				if u.UserID == blocked {
					u.Blocked = emulator.FlagTrue
				}
			}
			path := filepath.Join(t.TempDir(), "tenant.json")
			writeFixtureFile(t, path, ten)
			e := newWriteEnvFrom(t, path, emulator.Options{Rate: -1})
			r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force")
			if r.code != exitRefused || !strings.Contains(r.errOut, "blocked_account") || !strings.Contains(r.errOut, blocked+" is blocked") {
				t.Errorf("link with %s blocked: exit %d\n%s%s", blocked, r.code, r.out, r.errOut)
			}
			if w := e.userWrites(); w != 0 || !e.exists(cmdAliceGoogle) {
				t.Errorf("the refused link wrote %d times (secondary still there: %v)", w, e.exists(cmdAliceGoogle))
			}
		})
	}
}

// A block set between plan and apply stops the link before its first
// write (the metadata merge), not after it.
func TestABlockSetAfterThePlanStopsTheLinkBeforeAnyWrite(t *testing.T) {
	e := newWriteEnv(t)
	plan := alicesPlan(t)
	if data, err := os.ReadFile(plan); err != nil || !strings.Contains(string(data), `"kind":"link"`) {
		t.Fatalf("the plan holds no link (%v): %.400s", err, data)
	}
	blockAliceGoogle(t, e)
	writes := e.userWrites()
	r := runCmd(t, nil, "apply", plan, "--force")
	if r.code != exitRefused || !strings.Contains(r.out+r.errOut, "blocked_account") {
		t.Errorf("apply after a block: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if w := e.userWrites(); w != writes || !e.exists(cmdAliceGoogle) {
		t.Errorf("apply wrote %d times after the block (secondary still there: %v)", w-writes, e.exists(cmdAliceGoogle))
	}
}

// A deleted database account whose email someone signed up with again
// since cannot be made again (Auth0 answers 409): the undo says so and
// refuses before any write, instead of promising it back.
func TestUndoOfADeletionWhoseEmailIsTakenAgainIsRefused(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "delete", cmdAliceDB, "--force")
	opID := e.opIDOf("delete")
	again, err := connectEnv(t, e).CreateUser(t.Context(), client.NewUser{Connection: "Username-Password-Authentication", Email: "Alice.Nguyen@gmail.com", Password: "a-new-Passw0rd!"})
	if err != nil {
		t.Fatal(err)
	}
	writes := e.userWrites()
	for _, args := range [][]string{{"undo", opID}, {"undo", opID, "--force"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "email_taken") || !strings.Contains(r.errOut, again.UserID) {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if w := e.userWrites(); w != writes || e.exists(cmdAliceDB) {
		t.Errorf("the refused undo wrote %d times (re-created: %v)", w-writes, e.exists(cmdAliceDB))
	}
}

// Two members of a family are refused as such even when the secondary
// holds a linked identity: no unlink, and no swap of primary, makes them
// one person, so the refusal says they are different people and gives no
// advice that leads only to that refusal (tester: "raj.patel has an
// identity linked into it (…): unlink it first, or make it the primary").
func TestALinkOfTwoFamilyMembersIsRefusedAsSuchWhateverTheyHold(t *testing.T) {
	const raj, anika, rajGoogle = "auth0|63a1b2c3d4e5f60718293a4c", "auth0|63a1b2c3d4e5f60718293a4d", "google-oauth2|112233445566778899001"
	e := newWriteEnv(t)
	mustRun(t, "link", raj, rajGoogle, "--force")
	writes := e.userWrites()
	for _, args := range [][]string{{"link", anika, raj}, {"link", raj, anika}, {"link", anika, raj, "--force"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "refused (non_unique_email_connection)") ||
			!strings.Contains(r.errOut, "they are different people or roles, not duplicates") ||
			strings.Contains(r.errOut, "unlink it first") || strings.Contains(r.errOut, "make it the primary") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if w := e.userWrites(); w != writes {
		t.Errorf("the refused links wrote %d times", w-writes)
	}
}

// A deleted family member whose username another account of its
// connection took since cannot be made again either (Auth0 answers 409
// The username provided is in use already): the undo's dry run and its
// --force both refuse before any write, name who holds the username and
// say to free it first, as for a taken email (tester: the dry run promised
// the account back, exit 0, and --force stopped at the create, exit 1).
func TestUndoOfADeletionWhoseUsernameIsTakenAgainIsRefused(t *testing.T) {
	const emma = "auth0|64b7ca01e0f1a2b3c4d5e6f8" // emma.miller on family-accounts
	e := newWriteEnv(t)
	mustRun(t, "delete", emma, "--force")
	opID := e.opIDOf("delete")
	tn := connectEnv(t, e)
	again, err := tn.CreateUser(t.Context(), client.NewUser{Connection: "family-accounts", Email: "someone.else@example.com", Username: "emma.miller", Password: "a-new-Passw0rd!"})
	if err != nil {
		t.Fatal(err)
	}
	// The emulator answers as Auth0 does: the username names one account
	// of the connection, in any case.
	if _, err := tn.CreateUser(t.Context(), client.NewUser{Connection: "family-accounts", Email: "a.third@example.com", Username: "Emma.Miller", Password: "a-new-Passw0rd!"}); err == nil || !strings.Contains(err.Error(), "The username provided is in use already") {
		t.Fatalf("a second emma.miller was not refused as Auth0 refuses it: %v", err)
	}
	writes := e.userWrites()
	for _, args := range [][]string{{"undo", opID}, {"undo", opID, "--force"}} {
		r := runCmd(t, nil, args...)
		for _, want := range []string{"username_taken", again.UserID + " now holds the username emma.miller on family-accounts", "free the username first"} {
			if r.code != exitRefused || !strings.Contains(r.errOut, want) {
				t.Errorf("%q: exit %d, lacks %q\n%s%s", args, r.code, want, r.out, r.errOut)
			}
		}
	}
	if w := e.userWrites(); w != writes || e.exists(emma) {
		t.Errorf("the refused undo wrote %d times (re-created: %v)", w-writes, e.exists(emma))
	}
	// Once the username is free, the undo makes the account again.
	mustRun(t, "delete", again.UserID, "--force")
	if r := runCmd(t, nil, "undo", opID, "--force"); r.code != exitOK || !e.exists(emma) {
		t.Errorf("undo once the username is free: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// A deleted passwordless (sms) account whose phone number another account
// of its connection holds now: refused as well, before any write.
func TestUndoOfADeletionWhosePhoneNumberIsTakenAgainIsRefused(t *testing.T) {
	const sms = "sms|64a1f2c3d4e5f60718293a4b" // +14155550123
	e := newWriteEnv(t)
	mustRun(t, "delete", sms, "--force")
	opID := e.opIDOf("delete")
	again, err := connectEnv(t, e).CreateUser(t.Context(), client.NewUser{Connection: "sms", PhoneNumber: "+14155550123"})
	if err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, nil, "undo", opID, "--force")
	if r.code != exitRefused || !strings.Contains(r.errOut, "phone_number_taken") || !strings.Contains(r.errOut, again.UserID+" now holds the phone number +14155550123 on sms") || e.exists(sms) {
		t.Errorf("undo: exit %d (re-created: %v)\n%s%s", r.code, e.exists(sms), r.out, r.errOut)
	}
}

// On a legacy custom database (several profiles of one email, by its
// scripts) a deleted profile comes back beside the others.
func TestUndoOfADeletionOnALegacyCustomDatabaseRecreatesIt(t *testing.T) {
	const carol = "auth0|1000790" // carol.jones@hotmail.com, as auth0|1000789 on legacy-members
	e := newWriteEnv(t)
	if r := runCmd(t, nil, "delete", carol, "--force"); r.code != exitOK || e.exists(carol) {
		t.Fatalf("delete: %d %s", r.code, r.errOut)
	}
	if r := runCmd(t, nil, "undo", e.opIDOf("delete"), "--force"); r.code != exitOK || !e.exists(carol) {
		t.Errorf("undo: exit %d (re-created: %v)\n%s%s", r.code, e.exists(carol), r.out, r.errOut)
	}
}

// A write refused by a check before any call (here a block set since the
// plan) wrote no audit record, so its summary names no audit log, as a
// read-only run's does not, and --json leaves audit_log out; a run that
// made its calls names the log it wrote to.
func TestAWriteRefusedBeforeAnyCallNamesNoAuditLog(t *testing.T) {
	e := newWriteEnv(t)
	plan := alicesPlan(t)
	tn := connectEnv(t, e)
	if _, err := tn.SetBlocked(t.Context(), cmdAliceGoogle, true); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(e.state, "linkdesk", "audit.log")
	r := runCmd(t, nil, "apply", plan, "--force")
	if r.code != exitRefused || !strings.Contains(r.out, "Stopped after 0 of") || strings.Contains(r.out+r.errOut, "Audit log") {
		t.Errorf("apply refused before any call: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = runCmd(t, nil, "apply", plan, "--force", "--json")
	if r.code != exitRefused || !strings.Contains(r.out, `"not_done"`) || strings.Contains(r.out, `"audit_log"`) {
		t.Errorf("apply --json refused before any call: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if data, err := os.ReadFile(log); err == nil && len(data) > 0 {
		t.Fatalf("the refused runs wrote to the audit log:\n%s", data)
	}
	if _, err := tn.SetBlocked(t.Context(), cmdAliceGoogle, false); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, nil, "apply", plan, "--force")
	if r.code != exitOK || !strings.Contains(r.out, "Audit log: "+log+"\n") {
		t.Errorf("apply that made its calls: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// One family member linked into an account elsewhere (the operator's
// choice), a second one is not linked into that account: it would merge
// two people. Nor, once one legacy profile is linked into an account, is
// another profile of that email, and plan no longer proposes it (tester:
// the scan called the group a link candidate and apply merged carolj and
// cjones).
func TestASecondFamilyMemberOrLegacyProfileIsNotLinkedIntoTheAccountHoldingTheFirst(t *testing.T) {
	const (
		rajGoogle               = "google-oauth2|112233445566778899001"
		raj, anika              = "auth0|63a1b2c3d4e5f60718293a4c", "auth0|63a1b2c3d4e5f60718293a4d"
		carolDB, carolj, cjones = "auth0|66e1f2a3b4c5d6e7f8091a2b", "auth0|1000789", "auth0|1000790"
	)
	e := newWriteEnv(t)
	mustRun(t, "link", rajGoogle, raj, "--force")
	mustRun(t, "link", carolDB, carolj, "--force")
	writes := e.userWrites()
	for _, c := range []struct{ primary, secondary, check string }{
		{rajGoogle, anika, "non_unique_email_connection"},
		{carolDB, cjones, "legacy_profiles"},
	} {
		if r := runCmd(t, nil, "link", c.primary, c.secondary, "--force"); r.code != exitRefused || !strings.Contains(r.errOut, c.check) {
			t.Errorf("link %s %s: exit %d, want %s\n%s%s", c.primary, c.secondary, r.code, c.check, r.out, r.errOut)
		}
	}
	if w := e.userWrites(); w != writes {
		t.Errorf("the refused links wrote %d times", w-writes)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := mustRun(t, "plan", "--email", "carol.jones@hotmail.com", "--out", planFile); !strings.Contains(r.out, "0 operations") {
		t.Errorf("plan for carol.jones@hotmail.com:\n%s", r.out)
	}
	// Deleting the account a family member is linked into deletes that
	// member's login: its dry run names the member by its username on
	// every line that names it (tester: the cascade and the note gave the
	// user id alone).
	r := mustRun(t, "delete", rajGoogle)
	mustSayAll(t, r.out+r.errOut, "cascade: deletes linked identity "+raj+" (username raj.patel) on family-accounts",
		"deleting it also deletes the identity linked into it (raj.patel ("+raj+"))")
}
