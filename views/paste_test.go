package views

import (
	"testing"
)

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

// A paste on the groups list filters it, as / and typing do.
func TestAPasteOnTheGroupsListFiltersIt(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2")
	h.paste("  liam.miller  ")
	h.mustShow("/ liam.miller█", "the.millers@gmail.com", "1 of 10 groups")
	h.press("enter", "enter")
	activeIs[*Detail](h, "enter did not open the group the paste found")
}

// The delete dialog takes a pasted user id as the typed confirmation; a
// paste is never a key, so pasting "y" confirms nothing anywhere.
func TestAPasteNamesTheAccountToDeleteButNeverConfirms(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("lena.fischer@gmail.com")
	h.press("u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.paste("y")
	h.paste("y\n")
	if u.exec.started || h.m.WritesInFlight() != 0 || len(auditRecords(t, h)) != 0 {
		t.Fatal("a pasted y unlinked")
	}
	h.press("n")

	h.openGroup("bob.smith@yahoo.com")
	h.press("j", "D")
	d := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.paste("\x1b]52;c;Y3VybA==\x07auth0|1000456\r\n")
	if d.typed.Value != "]52;c;Y3VybA==auth0|1000456" {
		t.Fatalf("the typed field holds %q: control characters and the line break must go", d.typed.Value)
	}
	h.press("ctrl+u")
	h.paste(d.Expected() + "\n")
	if d.exec.started {
		t.Fatal("a pasted line break pressed enter")
	}
	h.press("enter")
	h.mustShow("✓ Done.")
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
