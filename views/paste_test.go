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
