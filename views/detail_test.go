package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
	"github.com/linkdesk/linkdesk/tui"
)

// ---- detail ----

func TestDetailShowsEveryAccountAndWhy(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.openGroup("lena.fischer@gmail.com")
	h.mustShow("auth0|61a1b2c3d4e5f60718293a4b", "google-oauth2|109876543210987654321",
		"linked: ", "★ Recommended primary: auth0|61a1b2c3d4e5f60718293a4b", "Why this group", "⚑ missed by the Account Link Extension")
}

func TestDetailChoosesAnotherPrimaryAndCopiesAUserID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	d := h.openGroup("alice.nguyen@gmail.com")
	if d.Primary() != "auth0|63ea1f0b2c8d4e5f60718293" {
		t.Fatalf("primary %s, want the recommended one", d.Primary())
	}
	h.press("j", "p")
	if d.Primary() != "google-oauth2|108812345678901234567" {
		t.Fatalf("p chose %s", d.Primary())
	}
	h.mustShow("◆ You chose google-oauth2|108812345678901234567")
	_, cmd := h.m.Update(keyPress("y"))
	var copied bool
	for _, msg := range run(cmd) {
		if _, ok := msg.(tui.NoteMsg); ok {
			copied = true
		}
		h.send(msg)
	}
	if !copied {
		t.Fatal("y did not copy")
	}
	h.mustShow("Copied, if the terminal allows OSC 52: google-oauth2|108812345678901234567") // the hedge first: a narrow toast cuts the id, not the hedge
	h.press("l")
	w, ok := h.active().(*LinkWizard)
	if !ok || w.primary != "google-oauth2|108812345678901234567" {
		t.Fatal("the link wizard did not start with the chosen primary")
	}
}

func TestTabMovesBetweenPanes(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("j")
	if d.cursor != 1 {
		t.Fatalf("j moved the cursor to %d", d.cursor)
	}
	h.press("tab", "j", "j")
	if d.cursor != 1 || d.pane != 1 {
		t.Errorf("after tab, j moved the account cursor (%d) instead of scrolling", d.cursor)
	}
}

// TestThePrimaryChosenGoesWithItsAccount: the account chosen with p is
// deleted; the group no longer names it as the primary of the next link.
func TestThePrimaryChosenGoesWithItsAccount(t *testing.T) {
	const github = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.mustShow("◆ You chose")
	h.press("D")
	h.typeText(activeIs[*DeleteDialog](h, "D did not open the delete dialog").Expected())
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	d = activeIs[*Detail](h, "esc did not go back to the group")
	if strings.Contains(h.screen(), "◆ You chose") || d.chosen != "" {
		t.Fatalf("the deleted account is still chosen as the primary (%q):\n%s", d.chosen, h.screen())
	}
	if d.Primary() != "auth0|5f1a2b3c4d5e6f7081920a1b" {
		t.Fatalf("the next link's primary is %s, want the recommended one", d.Primary())
	}
}

// TestReadOnlyRefusesChoosingAPrimary: p chooses for a link, which a
// read-only session cannot make; it says so rather than promise a link.
func TestReadOnlyRefusesChoosingAPrimary(t *testing.T) {
	h := newHarness(t, harnessOpts{readOnly: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("j", "p")
	if d.chosen != "" || strings.Contains(h.screen(), "will be the primary of the next link") {
		t.Fatalf("p chose a primary in a read-only session:\n%s", h.screen())
	}
	h.mustShow("read-only session")
}

// A blocked account shows as blocked in its group after a scan of the
// tenant (the export asks for blocked), with the reason a link is refused.
func TestAScanShowsWhichAccountIsBlocked(t *testing.T) {
	const google = "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true, edit: editUser(google, func(u *emulator.User) { u.Blocked = emulator.FlagTrue })})
	h.send(h.startScan())
	h.openGroup("alice.nguyen@gmail.com")
	h.mustShow("⊘ blocked", google+" is blocked (it cannot sign in)", "refused (blocked_account)")
	if n := strings.Count(h.screen(), "⊘ blocked"); n != 1 {
		t.Fatalf("%d accounts shown blocked, want 1:\n%s", n, h.screen())
	}
}

func TestAFilterOpensTheGroupOnTheAccountItNamed(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "/")
	h.typeText("emma.mil")
	h.press("enter", "enter")
	d := h.active().(*Detail)
	if sel := d.Selected(); sel == nil || sel.Identifier.Value != "emma.miller" {
		t.Fatalf("the cursor is on %+v, want emma.miller", sel)
	}
	h.press("esc", "esc", "/")
	h.typeText("the.millers") // the email names the group, not an account
	h.press("enter", "enter")
	if d := h.active().(*Detail); d.Selected().Identifier.Value != "mike.miller" {
		t.Fatalf("a group's email put the cursor on %s", d.Selected().Identifier.Value)
	}
}

// A family member linked into another account is still named by its
// username on the group screen, not only by a user id beside the email the
// family shares.
func TestALinkedFamilyMemberIsNamedByUsernameInItsGroup(t *testing.T) {
	h, _, liam := liamLinkedIntoMikeAndScanned(t)
	h.openGroup("the.millers@gmail.com")
	h.mustShow("linked: liam.miller (" + liam + ")")
}

// Deleting every account of a group leaves a group screen that says so
// (it crashed the program: the cursor went to -1), whose keys do nothing.
func TestAGroupWhoseLastAccountWasDeletedSaysSo(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("alice.nguyen@gmail.com")
	for i := range 2 {
		id := activeIs[*Detail](h, "not on the group").Selected().UserID
		h.press("D")
		h.typeText(id)
		h.press("enter")
		h.mustShow("✓ Done.")
		h.press("esc")
		if i == 0 {
			h.mustShow("✓ Resolved: one account has this email now", "To undo a link or a deletion")
		}
	}
	h.mustShow("No account has this email now: the last one was deleted")
	// The last one deleted was the google account: only Auth0 makes it again.
	h.mustShow("Undo cannot re-create this account: only Auth0 makes it again, from google-oauth2")
	if scr := h.screen(); strings.Contains(scr, "makes an account again from its backup") {
		t.Fatalf("the group says an undo re-creates a social account:\n%s", scr)
	}
	h.press("j", "k", "tab", "l", "u", "D", "t", "v", "p", "y", "enter")
	activeIs[*Detail](h, "a key on an empty group left its screen")
	if scr := h.screen(); strings.Contains(scr, "l link") || strings.Contains(scr, "D delete") {
		t.Fatalf("the footer of an empty group offers keys that do nothing:\n%s", scr)
	}
}

// TestAGroupFinishedFromAnotherShellIsReadAgain: a link cut off before the
// tenant acted, finished by `linkdesk resume --force` in another shell:
// once the root's read of the journals finds it gone, the group is read
// again, and shows resolved without r (tester: the list and the group
// showed the two accounts apart until the wizard read them).
func TestAGroupFinishedFromAnotherShellIsReadAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	sessiontest.CutOffAlicesLinkUnmade(t, h.c.Backend.Session.Tenant, func(tn client.Tenant) *session.Session { return anotherShell(t, h, tn) })
	h.tick(fixedNow.Add(time.Minute))
	h.mustShow(" 1 UNSETTLED ")

	other := settleElsewhere(t, h) // found not made: left to finish
	list, err := other.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled once settled: %v %+v", err, list)
	}
	if res, err := other.Finish(context.Background(), list[0], session.ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("finish: %v %+v", err, res)
	}

	h.tick(fixedNow.Add(2 * time.Minute))
	h.mustShow("✓ The unsettled write is settled now.")
	h.openGroup("alice.nguyen@gmail.com")
	h.mustShow("resolved")
}

// One very long username in a group cuts its own cell, not the other
// columns: at 100 columns every row keeps its connection, logins and last
// login (tester: a 304-character username left the table its identifiers
// and user ids alone).
func TestALongUsernameDoesNotPushTheOtherColumnsOut(t *testing.T) {
	account := func(id, username string) *linking.Account {
		return &linking.Account{UserID: id, Connection: "family", Provider: "auth0", Email: "home@example.com", Username: username,
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierUsername, Value: username}}
	}
	g := &linking.Group{Email: "home@example.com", Accounts: []*linking.Account{
		account("auth0|cccccccccccccccccccc0001", "red.user"),
		account("auth0|cccccccccccccccccccc0004", "long"+strings.Repeat("x", 300)),
	}}
	c := detailColumns(100, g)
	if c.conn == 0 || c.logins == 0 || c.last == 0 || c.id < len("auth0|cccccccccccccccccccc0004") {
		t.Errorf("at 100 columns, with one long username: %+v", c)
	}
}

// TestAGroupForgetsAnAccountFoundGone: an account deleted through the API
// behind the UI's back; D on it in its group (or enter, its screen) finds
// it gone, and esc returns to a group that no longer lists it, without r.
func TestAGroupForgetsAnAccountFoundGone(t *testing.T) {
	const gone = "auth0|1000456"
	for _, key := range []string{"D", "enter"} {
		t.Run(key, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true})
			d := h.openGroup("bob.smith@yahoo.com")
			h.press("j")
			if sel := d.Selected(); sel == nil || sel.UserID != gone {
				t.Fatalf("the cursor is not on %s:\n%s", gone, h.screen())
			}
			if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), gone); err != nil {
				t.Fatal(err)
			}
			h.press(key)
			h.mustShow("No account has this user id now")
			h.press("esc")
			activeIs[*Detail](h, "esc did not go back to the group")
			// Named once: by the notice that says the cursor left it.
			h.mustShowWhole("bob.smith2 (" + gone + ") is no longer on the tenant")
			if accountByID(d.Group(), gone) != nil || strings.Count(flowed(h.screen()), gone) != 1 {
				t.Fatalf("the group still lists the account found gone:\n%s", h.screen())
			}
		})
	}
}

// TestAProfileOfALegacyDatabaseDeletedIsNamedByItsUsername: one of the
// profiles of one email on a legacy custom database, deleted from its
// group; the notice names it as the group did, by its username with its
// user id beside it, not by the user id alone.
func TestAProfileOfALegacyDatabaseDeletedIsNamedByItsUsername(t *testing.T) {
	const cjones = "auth0|1000790"
	h := newHarness(t, harnessOpts{tenant: true})
	h.selectAccount(h.openGroup("carol.jones@hotmail.com"), cjones)
	h.press("D")
	h.typeText("cjones")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShowWhole("⚠ cjones (" + cjones + ") is no longer on the tenant")
}

// On a legacy duplicate group, l and p (which chooses for l) are off and
// say why at once, as on a family's: two profiles of one email in one
// database are never linked (legacy_profiles), and the wizard only refused
// at its review, its first profile marked for the link (tester).
func TestLAndPAreOffOnALegacyGroupAndSayWhy(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.mustShowWhole("No primary: profiles of one email in one database are never linked into one another")
	for _, key := range []string{"l", "p"} {
		h.press(key)
		h.mustShowWhole("nothing to link: profiles of one email in one database are never linked (legacy_profiles)")
		if _, ok := h.active().(*Detail); !ok {
			t.Fatalf("%s opened %T", key, h.active())
		}
	}
}

// TestACursorOnAnAccountGoneSaysSo: the account under the cursor is deleted
// from another shell; once the group is read again the screen says so and
// names the account the cursor is on now, until the cursor moves. An
// account gone before the cursor leaves it on the same person.
func TestACursorOnAnAccountGoneSaysSo(t *testing.T) {
	t.Run("under the cursor", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true})
		d := h.openGroup("the.millers@gmail.com")
		h.selectAccount(d, emmaMiller)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), emmaMiller); err != nil {
			t.Fatal(err)
		}
		h.press("t")
		h.mustShowWhole("no account has the user id " + emmaMiller + " now")
		h.press("esc")
		activeIs[*Detail](h, "esc did not go back to the group")
		if len(d.Group().Accounts) != 2 {
			t.Fatalf("the group was not read again:\n%s", h.screen())
		}
		h.mustShowWhole("⚠ emma.miller is no longer on the tenant (deleted, or linked into another account): the cursor is on " +
			d.Selected().Identifier.Value + " now.")
		h.press("j")
		if strings.Contains(h.screen(), "is no longer on the tenant") {
			t.Fatalf("the notice stays once the cursor moved:\n%s", h.screen())
		}
	})
	t.Run("linked into another", func(t *testing.T) {
		const github = "github|9007199254740993"
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("wei.zhang@gmail.com"), github)
		h.press("l", "enter", "enter", "y")
		h.mustShow("✓ Done.")
		h.press("esc")
		activeIs[*Detail](h, "esc did not go back to the group")
		h.mustShowWhole("⚠ " + github + " is linked into wei.zhang@gmail.com, which the cursor is on now.")
	})
	t.Run("before the cursor", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true})
		d := h.openGroup("the.millers@gmail.com")
		h.selectAccount(d, emmaMiller)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), mikeMiller); err != nil {
			t.Fatal(err)
		}
		h.send(tui.RereadMsg{Email: "the.millers@gmail.com"})
		if len(d.Group().Accounts) != 2 {
			t.Fatalf("the group was not read again:\n%s", h.screen())
		}
		if sel := d.Selected(); sel.UserID != emmaMiller {
			t.Fatalf("the cursor moved from emma.miller to %s:\n%s", sel.UserID, h.screen())
		}
		if strings.Contains(h.screen(), "⚠") {
			t.Fatalf("a notice for an account the cursor was not on:\n%s", h.screen())
		}
	})
}

// TestAChosenPrimaryGoneSaysSo: the primary chosen with p is deleted from
// another shell; once the tenant is scanned again (r) the group says so,
// names the account l takes as the primary instead, and the ◆ goes; p on
// another account, or l, ends the notice.
func TestAChosenPrimaryGoneSaysSo(t *testing.T) {
	const github = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.selectAccount(d, "google-oauth2|114455667788990011223") // the cursor on another account
	h.mustShow("◆ ")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), github); err != nil {
		t.Fatal(err)
	}
	h.press("r")
	activeIs[*Detail](h, "r left the group")
	if len(d.Group().Accounts) != 2 {
		t.Fatalf("the rescan did not see the account gone:\n%s", h.screen())
	}
	h.mustShowWhole("⚠ The primary you chose, " + github + ", is no longer on the tenant (deleted, or linked into another account): " +
		"l links into the recommended primary (★ auth0|5f1a2b3c4d5e6f7081920a1b) now; p chooses another.")
	if strings.Contains(h.screen(), "◆") {
		t.Fatalf("the ◆ of a primary gone stays:\n%s", h.screen())
	}
	h.press("j", "k") // the cursor moving is no new choice: the notice stays
	h.mustShow("The primary you chose")
	h.press("p")
	if strings.Contains(h.screen(), "The primary you chose") {
		t.Fatalf("the notice stays once p chose another primary:\n%s", h.screen())
	}
}

// TestTheGroupHeaderNamesThePrimaryChosen: after p on another account, the
// header's hint says l links into the primary chosen, not the recommended
// one.
func TestTheGroupHeaderNamesThePrimaryChosen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 30})
	d := h.openGroup("alice.nguyen@gmail.com")
	h.mustShowWhole("l links these accounts into the recommended primary (★)")
	h.selectAccount(d, aliceGoogle)
	h.press("p")
	h.mustShowWhole("l links these accounts into the primary you chose (◆ " + aliceGoogle + ")")
	if strings.Contains(flowed(h.screen()), "into the recommended primary (★)") {
		t.Fatalf("the header still names the recommended primary:\n%s", h.screen())
	}
}

// TestAChosenPrimaryGoesWhenTheGroupHasNothingLeftToLink: p on raj.patel
// in the Patels' mixed group, then his google account linked into him:
// the group read again is a family, each account its own person, where p
// and l are refused; yet it still said "◆ You chose raj.patel … as the
// primary of the next link" and marked him ◆. The choice goes with the
// group's class: nothing on screen claims it, and no notice says l takes
// another primary.
func TestAChosenPrimaryGoesWhenTheGroupHasNothingLeftToLink(t *testing.T) {
	const raj, google = "auth0|63a1b2c3d4e5f60718293a4c", "google-oauth2|112233445566778899001"
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	d := h.openGroup("patel.family@gmail.com")
	h.selectAccount(d, raj)
	h.press("p")
	h.mustShow("◆ You chose raj.patel")
	h.press("l")
	w := activeIs[*LinkWizard](h, "l did not open the wizard")
	for w.ids[w.cursor] != google {
		h.press("j")
	}
	h.press("space", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShow("shared by design", "No primary: each account is its own person")
	if s := h.screen(); strings.Contains(s, "◆") || strings.Contains(s, "You chose") || strings.Contains(s, "The primary you chose") {
		t.Fatalf("the group with nothing to link still names a primary chosen:\n%s", s)
	}
	// The google account unlinked again, the group is mixed again: the
	// choice stays gone.
	h.selectAccount(d, raj)
	h.press("u")
	activeIs[*Unlink](h, "u did not open the unlink")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShow("mixed", "No recommended primary")
	if s := h.screen(); strings.Contains(s, "◆") || strings.Contains(s, "You chose") {
		t.Fatalf("a primary chosen before the group had nothing to link came back:\n%s", s)
	}
}

// / on a group opens a filter of its accounts that letters type into:
// /ivy with the cursor on an unverified account opens no dialog and sends
// nothing (v would ask, y would confirm), even when the letters arrive
// before anything / started has run.
func TestSlashThenLettersOnAGroupTypeAndNeverAct(t *testing.T) {
	for _, ahead := range []bool{false, true} {
		h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
		d := h.openGroup("maria.garcia@outlook.com")
		h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728") // unverified
		if ahead {
			h.pressAhead("/", "i", "v", "y")
		} else {
			h.press("/", "i", "v", "y")
		}
		activeIs[*Detail](h, "/ivy left the group screen")
		if strings.Contains(h.screen(), "Send the verification email") || verificationJobs(h) != 0 {
			t.Fatalf("/ivy on a group asked for or sent a verification email:\n%s", h.screen())
		}
		h.mustShow("/ ivy", "No account of this group matches the filter")
		h.press("esc") // clears the filter: every account again, nothing sent
		h.mustShow("Group maria.garcia@outlook.com", "github|5832311", "auth0|672614a0b1c2d3e4f5061728")
		if verificationJobs(h) != 0 || h.m.WritesInFlight() != 0 {
			t.Fatalf("a verification email went out:\n%s", h.screen())
		}
	}
}

// The group's filter narrows its accounts and keeps the cursor on one
// shown; the keys act again once enter keeps it, on the account shown.
func TestTheGroupFilterNarrowsItsAccounts(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.openGroup("maria.garcia@outlook.com") // the cursor on github|5832311
	h.press("/")
	h.typeText("auth0")
	h.press("enter")
	h.mustShow("filter: auth0", "1 of 2 accounts", "auth0|672614a0b1c2d3e4f5061728")
	if strings.Contains(h.screen(), "github|5832311 ") {
		t.Fatalf("the filter shows an account it does not match:\n%s", h.screen())
	}
	d := activeIs[*Detail](h, "enter left the group")
	if sel := d.Selected(); sel == nil || sel.UserID != "auth0|672614a0b1c2d3e4f5061728" {
		t.Fatalf("the cursor is not on the account the filter shows:\n%s", h.screen())
	}
	h.press("v")
	h.mustShow("Send the verification email", "Account auth0|672614a0b1c2d3e4f5061728")
	h.press("n", "esc") // no; then esc clears the filter, a second esc goes back
	h.mustShow("Group maria.garcia@outlook.com", "github|5832311")
	h.press("esc")
	activeIs[*Groups](h, "esc with no filter left did not go back to the list")
}

// withBigMillerFamily gives the Millers two more children: five accounts.
func withBigMillerFamily(t *emulator.Tenant) {
	var liam *emulator.User
	for _, u := range t.Users {
		if u.UserID == "auth0|65c0d1e2f3a4b5c6d7e8f901" {
			liam = u
		}
	}
	for _, kid := range []struct{ id, name string }{{"65c0d1e2f3a4b5c6d7e8f9a1", "noah.miller"}, {"65c0d1e2f3a4b5c6d7e8f9a2", "olivia.miller"}} {
		u := liam.Clone()
		u.UserID, u.Username, u.Nickname = "auth0|"+kid.id, kid.name, kid.name
		u.Identities[0].UserID = emulator.IdentityID{Value: kid.id}
		t.Users = append(t.Users, u)
	}
}

// A group with more accounts than its pane holds says how many are left
// out and which key reaches them, and the account under the cursor is
// always on screen, at 80×24 and at 60×20.
func TestAGroupSaysItHasMoreAccountsThanShown(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		h := newHarness(t, harnessOpts{tenant: true, edit: withBigMillerFamily, width: size[0], height: size[1]})
		h.m.LoadReport(fixtureReportEdited(t, withBigMillerFamily))
		d := h.openGroup("the.millers@gmail.com")
		if n := len(d.Group().Accounts); n != 5 {
			t.Fatalf("the family has %d accounts, want 5", n)
		}
		h.mustShow("more account", "(j)")
		for i := range 5 {
			sel := d.Selected()
			row := ""
			for _, l := range strings.Split(h.screen(), "\n") {
				if strings.HasPrefix(l, "▸ ") {
					row = l
				}
			}
			if !strings.Contains(row, tui.NameIn(d.Group(), sel)) && !strings.Contains(row, sel.Identifier.Value) {
				t.Fatalf("%d×%d: the account under the cursor (%s) is not on screen:\n%s", size[0], size[1], sel.UserID, h.screen())
			}
			if i < 4 {
				h.press("j")
			}
		}
		h.mustShow("above (k)")
	}
}

// A group's accounts move with G, g, pgdn and pgup as every list does, not
// only with j and k.
func TestAGroupsAccountsMoveWithTheListKeys(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withBigMillerFamily, width: 60, height: 20})
	h.m.LoadReport(fixtureReportEdited(t, withBigMillerFamily))
	d := h.openGroup("the.millers@gmail.com")
	accounts := d.Group().Accounts
	first, last := accounts[0].UserID, accounts[len(accounts)-1].UserID
	for _, tt := range []struct{ key, want string }{{"G", last}, {"g", first}, {"pgdown", ""}, {"pgup", first}} {
		h.press(tt.key)
		got := d.Selected().UserID
		switch {
		case tt.want != "" && got != tt.want:
			t.Errorf("%s: the cursor is on %s, want %s", tt.key, got, tt.want)
		case tt.want == "" && got == first:
			t.Errorf("%s did not move the cursor", tt.key)
		}
	}
}

// A group filter that shows no account offers no key of one: the footer
// lists l (the group's link) and the filter's keys, and help says why the
// others are off.
func TestAGroupFilterShowingNoAccountOffersNoKeyOfOne(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 24})
	h.openGroup("maria.garcia@outlook.com")
	h.press("/")
	h.typeText("nobody")
	h.press("enter")
	h.mustShow("No account of this group matches the filter")
	footer := h.footer()
	for _, k := range []string{"u unlink", "D delete", "t ticket", "v ", "p choose", "y copy", "enter open"} {
		if strings.Contains(footer, k) {
			t.Fatalf("the footer offers %q with no account shown:\n%s", k, h.screen())
		}
	}
	h.press("?")
	h.mustShow("(off: the filter shows no account)")
}

// TestALinkedIdentityWithoutEmailRendersCleanly: a linked identity with no
// email says so, with no stray comma and no verification mark.
func TestALinkedIdentityWithoutEmailRendersCleanly(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 120, height: 30})
	i, ok := h.c.Data.Find("lena.fischer@gmail.com")
	if !ok {
		t.Fatal("no lena.fischer group")
	}
	var found bool
	for _, a := range h.c.Data.Groups[i].Accounts {
		for j := range a.Linked {
			a.Linked[j].Email, a.Linked[j].Connection, a.Linked[j].EmailVerified = "", "sms", false
			found = true
		}
	}
	if !found {
		t.Fatal("the group holds no linked identity")
	}
	h.send(tui.DataChangedMsg{Email: "lena.fischer@gmail.com"})
	h.openGroup("lena.fischer@gmail.com")
	h.mustShow("linked: github|48151623 on sms, no email")
	if s := h.screen(); strings.Contains(s, "on sms,  ") || strings.Contains(s, "on sms, ✗") {
		t.Fatalf("the linked identity without email renders a stray comma or mark:\n%s", s)
	}
}

// TestNoPrimaryToChooseInAResolvedGroup: the primary chosen with p for a
// link is forgotten once the link leaves one account, and p is refused
// there with a hint.
func TestNoPrimaryToChooseInAResolvedGroup(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	d := h.openGroup("alice.nguyen@gmail.com")
	h.press("j", "p") // the google account, not the recommended one
	h.press("l", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShow("resolved: one account holds this email now")
	if s := h.screen(); strings.Contains(s, "You chose") || strings.Contains(s, "◆") {
		t.Fatalf("a resolved group still shows the primary of a next link:\n%s", s)
	}
	h.press("p")
	h.mustShow("nothing to link: this email has one account now")
	if d.chosen != "" || strings.Contains(h.screen(), "You chose") {
		t.Fatalf("p chose a primary in a resolved group:\n%s", h.screen())
	}
}

// TestALinkedIdentityLineIsCutOnce: at 80 columns a group's line of an
// identity linked into one of its accounts keeps the identity's user id
// and email whole and gives up its connection's name, never "……" (a cut
// of a cut); at 120 columns the connection shows too.
func TestALinkedIdentityLineIsCutOnce(t *testing.T) {
	for _, width := range []int{80, 120} {
		h := newHarness(t, harnessOpts{tenant: true, width: width, height: 24})
		h.openGroup("carol.jones@hotmail.com")
		h.press("j", "p", "l", "k", "space", "enter", "enter", "y")
		h.mustShow("✓ Done.")
		h.press("esc")
		activeIs[*Detail](h, "esc did not go back to the group")
		if strings.Contains(h.screen(), "……") {
			t.Errorf("at %d columns a line is cut twice:\n%s", width, h.screen())
		}
		want := "linked: auth0|66e1f2a3b4c5d6e7f8091a2b, carol.jones@hotmail.com ✓"
		if width == 120 {
			want = "linked: auth0|66e1f2a3b4c5d6e7f8091a2b on Username-Password-Authentication, carol.jones@hotmail.com ✓"
		}
		h.mustShow(want)
	}
}

// enter on the groups list, then /ivy in the same read: the letters type
// into the filter of the group opened, and no dialog opens.
func TestKeysTypedAfterEnterReachTheGroupOpened(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.press("2", "/", "ctrl+u")
	h.typeText("maria.garcia@outlook.com")
	h.press("enter")
	h.pressAhead("enter", "/", "i", "v", "y")
	d := activeIs[*Detail](h, "enter did not open the group, or a key left it")
	if d.email != "maria.garcia@outlook.com" {
		t.Fatalf("another group opened:\n%s", h.screen())
	}
	if verificationJobs(h) != 0 {
		t.Fatalf("a verification email went out:\n%s", h.screen())
	}
	h.mustShow("/ ivy")
}

// A primary chosen with p is remembered for its group (tester: wei's github
// account chosen, esc, another group opened, back, l: the wizard proposed
// the recommended account again): the group's screen opened again shows
// it and l takes it, and no other group's screen or wizard does; a scan
// that leaves the group as it was keeps it.
func TestThePrimaryChosenIsRememberedForItsGroupAlone(t *testing.T) {
	const github, recommended = "github|9007199254740993", "auth0|5f1a2b3c4d5e6f7081920a1b"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.mustShow(github + " will be the primary of the next link")
	h.press("esc")

	h.openGroup("alice.nguyen@gmail.com")
	if s := h.screen(); strings.Contains(s, "◆") || strings.Contains(s, "You chose") {
		t.Fatalf("another group shows the primary chosen for wei's:\n%s", s)
	}
	h.press("l")
	if w := activeIs[*LinkWizard](h, "l did not open the wizard"); w.primary != "auth0|63ea1f0b2c8d4e5f60718293" {
		t.Fatalf("alice's wizard proposes %s, want her recommended primary", w.primary)
	}
	h.press("esc", "esc")

	h.openGroup("wei.zhang@gmail.com")
	h.mustShowWhole("◆ You chose "+github+" as the primary of the next link.", "l links these accounts into the primary you chose (◆ "+github+")")
	h.press("l")
	if w := activeIs[*LinkWizard](h, "l did not open the wizard"); w.primary != github {
		t.Fatalf("the wizard proposes %s, want the primary chosen, %s", w.primary, github)
	}
	h.press("esc", "y", "esc") // leaving the wizard asks: the choice is one

	// A scan that finds the group as it was keeps the choice.
	h.send(h.startScan())
	h.openGroup("wei.zhang@gmail.com")
	h.mustShowWhole("◆ You chose " + github + " as the primary of the next link.")
	if d := activeIs[*Detail](h, "the group did not open"); d.Primary() != github || d.Primary() == recommended {
		t.Fatalf("after a scan that changed nothing, the next link's primary is %s", d.Primary())
	}
}

// A write or a scan that changes the group drops the primary chosen, and
// its screen, open or opened again, says so: here another account of the
// group deleted from another shell and the tenant scanned again while the
// group was closed; then a write from the group's own screen.
func TestAPrimaryChosenIsDroppedWhenItsGroupChanges(t *testing.T) {
	const github, google, recommended = "github|9007199254740993", "google-oauth2|114455667788990011223", "auth0|5f1a2b3c4d5e6f7081920a1b"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p", "esc")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), google); err != nil {
		t.Fatal(err)
	}
	h.send(h.startScan())
	d = h.openGroup("wei.zhang@gmail.com")
	h.mustShowWhole("⚠ The primary you chose, " + github + ", was dropped, as its group changed since (read again after a write or a scan): " +
		"l links into the recommended primary (★ " + recommended + ") now; p chooses another.")
	if s := h.screen(); strings.Contains(s, "◆") || d.Primary() != recommended {
		t.Fatalf("the primary chosen stays after its group changed (next link's primary %s):\n%s", d.Primary(), s)
	}
	h.press("esc")
	h.openGroup("wei.zhang@gmail.com")
	if strings.Contains(h.screen(), "The primary you chose") {
		t.Fatalf("the primary dropped is said dropped again:\n%s", h.screen())
	}

	// Chosen again, then a write from the group's screen changes it: the
	// screen says so at once.
	h = newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	d = h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.selectAccount(d, google)
	h.press("D")
	h.typeText(activeIs[*DeleteDialog](h, "D did not open the delete dialog").Expected())
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	h.mustShowWhole("⚠ The primary you chose, " + github + ", was dropped, as its group changed since")
	if d.Primary() != recommended {
		t.Fatalf("the next link's primary is %s after the group changed", d.Primary())
	}
}
