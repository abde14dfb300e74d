package views

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/tui"
)

// Issue 13: accounts, not emails. These drive the root model with keys, as
// a user would, against the sandbox tenant.

func TestFindOpensAnAccountAloneOnItsEmailByUsernameOrAnyCase(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withSecondaryEmail})
	// A child of a family, by username: one account, opened at once.
	h.press("f")
	h.typeText("liam.miller")
	h.press("enter")
	a, ok := h.active().(*Account)
	if !ok || a.Loaded() == nil || a.Loaded().User.UserID != "auth0|65c0d1e2f3a4b5c6d7e8f901" {
		t.Fatalf("f liam.miller did not open liam's account:\n%s", h.screen())
	}
	h.mustShow("Account liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901)", "Identifier username liam.miller", `"secondary_email": "liam.miller.2011@outlook.com"`,
		`"parental_controls": true`, "3 accounts share the.millers@gmail.com: shared by design")
	// esc goes back to the prompt, esc again to where f was pressed.
	h.press("esc", "esc")
	activeIs[*Overview](h, "esc esc did not go back")
	// An email in another case finds the whole family, each by username.
	h.press("f")
	h.typeText("The.Millers@GMAIL.com")
	h.press("enter")
	f := h.active().(*Find)
	if f.Results() != 3 {
		t.Fatalf("the family's email found %d accounts:\n%s", f.Results(), h.screen())
	}
	h.mustShow("3 accounts found by email", "mike.miller", "emma.miller", "liam.miller")
	// An account no group holds: found all the same, with no export job.
	h.press("/", "ctrl+u")
	h.typeText("imported.user@web.de")
	h.press("enter")
	h.mustShow("Account imported.user@web.de (auth0|5e8f9a0b1c2d3e4f50617283)", "no other account has this email")
	if n := h.srv.Stats().Requests["POST /api/v2/jobs/users-exports"]; n != 0 {
		t.Errorf("finding accounts ran %d export jobs", n)
	}
}

func TestFindWorksWhileAScanRuns(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	scan := h.startScan()
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	h.mustShow("Account sam.taylor@gmail.com", "scan: reading connections")
	h.send(scan)
	if h.m.Scanning() {
		t.Fatal("the scan did not end")
	}
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

// Found accounts are searched again when a write was made from one of
// them: an identity unlinked from Lena's account is an account of its own,
// with her email, when esc comes back to the results.
func TestFindResultsShowWhatAWriteFromThemDid(t *testing.T) {
	const lena = "auth0|61a1b2c3d4e5f60718293a4b"
	h := newHarness(t, harnessOpts{tenant: true})
	f := h.findResults("lena.fischer@gmail.com", 2)
	for range f.Results() {
		if h.press("enter"); activeIs[*Account](h, "enter did not open the account").userID == lena {
			break
		}
		h.press("esc", "j")
	}
	h.press("u", "y")
	h.mustShow("✓ Done.")
	h.press("esc", "esc")
	activeIs[*Find](h, "esc esc did not go back to the results")
	if f.Results() != 3 {
		t.Fatalf("after the unlink the results list %d accounts, want 3 (the identity is one again):\n%s", f.Results(), h.screen())
	}
	h.mustShow("github|48151623")
}

// An account deleted from its own screen says so when esc comes back to
// it, under the name it had, and where to undo it.
func TestAnAccountDeletedFromItsScreenSaysItIsGone(t *testing.T) {
	const mallory = "auth0|65f0e1d2c3b4a59687786950"
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText(mallory)
	h.press("enter", "D")
	h.typeText("mallory@evil-mail.net")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
	h.mustShow("Account mallory@evil-mail.net ("+mallory+")", "No account has this user id now: it was deleted", "U there undoes it")
	if scr := h.screen(); strings.Contains(scr, "password ticket") || strings.Contains(scr, "D delete") {
		t.Fatalf("the footer of a gone account offers keys that do nothing:\n%s", scr)
	}
}

func TestTheQuitQuestionCountsOnlyWritesStillInFlight(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	task := tui.NewTask()
	h.m.Update(tui.WriteRequest{Task: task, Label: "link google-oauth2|1 into auth0|2", Run: func(context.Context) (any, error) { return nil, nil }})
	h.press("q")
	h.mustShow("1 write in flight", "link google-oauth2|1 into auth0|2")
	h.send(tui.WriteDoneMsg{Task: task, Label: "link google-oauth2|1 into auth0|2"})
	h.mustShow("Every write has finished meanwhile")
	if strings.Contains(h.screen(), "still waiting") || strings.Contains(h.screen(), "in flight?") {
		t.Fatalf("the question still counts the finished write:\n%s", h.screen())
	}
	h.press("y")
	if !h.quit {
		t.Fatal("y did not quit")
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

// A family member linked into another account is no account of its own,
// and Auth0's search reads no linked identity's profile: f liam.miller
// found nothing. Once a scan knows where Liam lives, f finds that account
// and says that liam.miller is an identity linked into it, rather than
// opening another person's account at once; enter opens it.
func TestFindByTheUsernameOfAnIdentityLinkedAwaySaysWhereItLives(t *testing.T) {
	h, mike, liam := liamLinkedIntoMikeAndScanned(t)
	h.press("f")
	h.typeText("liam.miller")
	h.press("enter")
	activeIs[*Find](h, "a linked identity's username opened an account at once")
	h.mustShow("1 account found by username, phone or identity id", "mike.miller",
		"liam.miller is the username of "+liam+", an identity linked into the account marked ▸")
	h.press("enter")
	a, ok := h.active().(*Account)
	if !ok || a.Loaded() == nil || a.Loaded().User.UserID != mike {
		t.Fatalf("enter did not open the account liam.miller lives in:\n%s", h.screen())
	}
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

// TestTheBreadcrumbNamesAnAccountGoneAsItsScreenDoes: the account on screen
// is linked away by a write; the breadcrumb keeps naming it by its phone,
// as the screen's title does, not by its user id.
func TestTheBreadcrumbNamesAnAccountGoneAsItsScreenDoes(t *testing.T) {
	const sms = "sms|64a1f2c3d4e5f60718293a4b"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.press("f")
	h.typeText("+14155550123")
	h.press("enter")
	activeIs[*Account](h, "f +14155550123 did not open the sms account")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), sms); err != nil {
		t.Fatal(err)
	}
	h.send(tui.WriteDoneMsg{Task: tui.NewTask(), Label: "a write elsewhere"}) // the screen reads its account again
	h.mustShow("No account has this user id now", "Account +14155550123 ("+sms+")")
	if head := strings.SplitN(h.screen(), "\n", 2)[0]; !strings.Contains(head, "› Account +14155550123") {
		t.Fatalf("the breadcrumb does not name the account as its screen does: %q", head)
	}
}

// Back on the find screen from an account it opened, f finds something
// else there: one Find in the trail (the root pushed a second one, "Find ›
// Find › Account …"), and a prompt of its own, not the last query to add
// to.
func TestFOnTheFindScreenFindsSomethingElse(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	activeIs[*Account](h, "f sam.taylor@gmail.com did not open the account")
	h.press("esc", "f")
	h.typeText("mallory@evil-mail.net")
	h.press("enter")
	h.mustShow("Account mallory@evil-mail.net")
	if head := strings.Split(h.screen(), "\n")[0]; strings.Count(head, "Find") != 1 {
		t.Fatalf("the trail does not name Find once: %q", head)
	}
}

// TestAKeyPressedWhileTheAccountIsReadSaysToPressItAgainUntilItShows: D
// (or l, u, t, v, y, enter) pressed while the account screen still read its
// account said "✓ Still reading the account… (D acts on it once it is
// read)": a ✓ for a thing not done, a promise nothing kept (the read
// answered, nothing opened), and the line stayed under the account drawn
// until the next key. It says to press the key again, without a ✓; it goes
// as the account shows, the footer listing the account's keys again, and
// nothing opens on its own; D then opens the deletion. The same once the
// account is read again after a dialog on it closes.
func TestAKeyPressedWhileTheAccountIsReadSaysToPressItAgainUntilItShows(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			footer := func() string {
				lines := strings.Split(h.screen(), "\n")
				return lines[len(lines)-2]
			}
			h.findResults("the.millers@gmail.com", 3)
			_, read := h.m.Update(keyPress("enter")) // the account's read held back
			activeIs[*Account](h, "enter did not open the account")
			for _, key := range []string{"l", "u", "t", "v", "y", "enter", "D"} {
				h.press(key)
				activeIs[*Account](h, key+" left the account screen before its account was read")
				want := "Still reading the account… press " + key + " again once it shows"
				if f := footer(); !strings.HasPrefix(f, want) || strings.Contains(f, "✓") {
					t.Fatalf("after %s the footer reads %q, want %q without a ✓:\n%s", key, f, want, h.screen())
				}
			}
			h.send(read)
			activeIs[*Account](h, "the account's read opened a screen of its own")
			if strings.Contains(h.screen(), "Still reading") || !strings.Contains(footer(), "D delete") {
				t.Fatalf("the account is drawn, and the footer reads %q, not its keys:\n%s", footer(), h.screen())
			}
			h.mustShow("Identities (")

			h.press("D")
			activeIs[*DeleteDialog](h, "D did not open the deletion once the account was read")
			_, reread := h.m.Update(keyPress("esc")) // back on top, it reads the account again: held back
			a := activeIs[*Account](h, "esc did not go back to the account")
			h.press("D")
			activeIs[*Account](h, "D acted on an account being read again")
			if f := footer(); !strings.HasPrefix(f, "Reading the account again… press D again") || strings.Contains(f, "✓") {
				t.Fatalf("D on an account read again: the footer reads %q:\n%s", f, h.screen())
			}
			h.send(reread)
			if a.Loaded() == nil || strings.Contains(h.screen(), "Reading the account again") || !strings.Contains(footer(), "D delete") {
				t.Fatalf("the account read again is drawn, and the footer reads %q:\n%s", footer(), h.screen())
			}
			h.press("D")
			activeIs[*DeleteDialog](h, "D did not open the deletion once the account was read again")
		})
	}
}

// f on find's results asks for something else: the prompt is empty, and so
// is the area under it (tester: the last query's results stayed there).
func TestFOnFindsResultsStartsAnEmptySearch(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("the.millers@gmail.com")
	h.press("enter")
	h.mustShow("mike.miller", "emma.miller")
	h.press("f")
	activeIs[*Find](h, "f on the results left find")
	if s := h.screen(); strings.Contains(s, "emma.miller") || strings.Contains(s, "found by") {
		t.Fatalf("the last results stay under the empty prompt:\n%s", s)
	}
	h.press("esc") // nothing to go back to: find closes
	if _, ok := h.active().(*Find); ok {
		t.Fatalf("esc on the empty prompt kept find open:\n%s", h.screen())
	}
}
