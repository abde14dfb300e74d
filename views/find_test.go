package views

import (
	"context"
	"strings"
	"testing"
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

// Support staff paste user ids and emails from tickets: f then a paste
// finds the account, as typing it does; the pasted line break does not
// press enter, and over the results a paste starts a new query.
func TestAPasteIntoFindFindsTheAccount(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withSecondaryEmail})
	h.press("f")
	h.paste("auth0|65c0d1e2f3a4b5c6d7e8f901\n")
	h.mustShow("> auth0|65c0d1e2f3a4b5c6d7e8f901█")
	h.press("enter")
	h.mustShow("Account liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901)")
	h.press("esc")
	h.mustShow("> auth0|65c0d1e2f3a4b5c6d7e8f901  (/ edits)")
	h.paste("The.Millers@GMAIL.com")
	h.press("enter")
	h.mustShow("3 accounts found by email")
	h.paste("imported.user@web.de")
	h.mustShow("> imported.user@web.de█")
}

// On a screen without a text field, a paste opens f with the pasted text,
// ready to search; a dialog without one ignores it.
func TestAPasteElsewhereOpensFindWithIt(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withSecondaryEmail})
	h.paste("\nliam.miller\n")
	activeIs[*Find](h, "a paste on the overview did not open f")
	h.mustShow("> liam.miller█")
	h.press("enter")
	h.mustShow("Account liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901)")

	h.openGroup("lena.fischer@gmail.com")
	h.press("u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.paste("liam.miller")
	if h.active() != u {
		t.Fatalf("a paste on the unlink dialog opened %s", h.active().Title())
	}
}

// Find results read again when they are back on top after an account was
// opened from them: an account deleted behind the UI's back meanwhile is
// no longer listed as found.
func TestFindResultsForgetAnAccountDeletedSince(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	f := h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), mikeMiller); err != nil {
		t.Fatal(err)
	}
	h.press("esc")
	activeIs[*Find](h, "esc did not go back to the results")
	if f.Results() != 2 || strings.Contains(h.screen(), mikeMiller) {
		t.Errorf("the results still list the account deleted since (%d):\n%s", f.Results(), h.screen())
	}
}

// The profiles of one email on a legacy custom database are named by their
// usernames in find's rows and on the account screen, as on the group
// screen.
func TestFindAndTheAccountNameLegacyProfilesByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	f := h.findResults("CAROL.JONES@hotmail.com", 3)
	rows := map[string]string{}
	for _, l := range strings.Split(h.screen(), "\n") {
		for _, id := range []string{"auth0|1000789", "auth0|1000790"} {
			if strings.Contains(l, id) {
				rows[id] = l
			}
		}
	}
	if !strings.Contains(rows["auth0|1000789"], "carolj ") || !strings.Contains(rows["auth0|1000790"], "cjones ") {
		t.Fatalf("find names the legacy profiles by their shared email, not their usernames:\n%s", h.screen())
	}
	for i := 0; f.found.Users[f.cursor].UserID != "auth0|1000789"; i++ {
		if i > 3 {
			t.Fatal("auth0|1000789 is not among the results")
		}
		h.press("j")
	}
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	h.mustShow("Account carolj (auth0|1000789)", "Identifier username carolj")
	if strings.Contains(h.screen(), "Account carol.jones@hotmail.com") {
		t.Fatalf("the account screen names the profile by its shared email:\n%s", h.screen())
	}
}

// Keys typed while a find searches neither join the query searched nor act
// on the account it opens: D typed after enter opens no delete dialog.
func TestKeysTypedWhileFindSearchesAreDropped(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // the search held back
	h.press("D", "v")
	h.send(search)
	activeIs[*Account](h, "the one account found did not open, or a key typed during the search acted on it")
	h.press("esc")
	f := activeIs[*Find](h, "esc did not go back to find")
	if f.query.Value != "sam.taylor@gmail.com" {
		t.Fatalf("the query is %q after keys typed while it was searched", f.query.Value)
	}
}

// While find reads its results again (back from an account), what is typed
// is kept: only the search the operator asked for drops keys.
func TestKeysTypedWhileFindRefreshesItsResultsAreKept(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	_, refresh := h.m.Update(keyPress("esc")) // back on the results: their refresh held back
	h.press("/", "ctrl+u")
	h.typeText("bob@x.com")
	h.send(refresh)
	if f := activeIs[*Find](h, "not on find"); f.query.Value != "bob@x.com" {
		t.Fatalf("the query typed while the results were read again is %q, want bob@x.com", f.query.Value)
	}
}

// esc during a search, with earlier results on screen, goes back to them:
// the search's answer, one account, opens nothing.
func TestEscDuringAFindSearchOpensNothingItFinds(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.findResults("the.millers@gmail.com", 3)
	h.press("/", "ctrl+u")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // held back
	h.press("esc")
	h.send(search)
	if f := activeIs[*Find](h, "the search esc left opened its account"); f.Results() != 3 {
		t.Fatalf("the results are not the earlier ones:\n%s", h.screen())
	}
}

// esc while find searches stops the search and keeps find, and the query,
// to edit or search again.
func TestEscDuringTheFirstFindSearchKeepsTheQuery(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // held back
	h.press("esc")
	h.send(search)
	f := activeIs[*Find](h, "esc during the search closed find, or its answer opened the account")
	if f.query.Value != "sam.taylor@gmail.com" || !f.Capturing() {
		t.Fatalf("the query is %q (typing %v) after esc stopped its search", f.query.Value, f.Capturing())
	}
}
