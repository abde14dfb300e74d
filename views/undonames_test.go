package views

import (
	"strings"
	"testing"
)

// TestUndoOfADeletionNamesLegacyProfilesByUsername: carol's database
// account, with carolj (auth0|1000789, a profile of the legacy custom
// database whose email cjones shares) linked into it, is deleted; its
// undo names the profile carolj as the link did, by the username that
// tells it apart (it was named by user id alone: in the title, the link
// back, the ticket's toast and the undo's rows in the audit log).
func TestUndoOfADeletionNamesLegacyProfilesByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 160, height: 80})
	det := h.openGroup("carol.jones@hotmail.com")
	h.selectAccount(det, "auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.press("l", "j", "space", "enter", "enter")
	h.mustShow("signs in with carolj (auth0|1000789)")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("esc", "D")
	h.typeText("auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc", "3")
	if row := auditRow(h, "delete"); !strings.Contains(row, "auth0|66e1f2a3b4c5d6e7f8091a2b, carolj ") {
		t.Errorf("the deletion's row: %q", row)
	}
	h.selectAudit("delete")
	h.press("U")
	h.mustShow("Undo delete of auth0|66e1f2a3b4c5d6e7f8091a2b, carolj", "link auth0|1000789 (username carolj) into auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.mustShow("1 other account shares the email carol.jones@hotmail.com (cjones (auth0|1000790))")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("y", "y")
	h.mustShow("ticket 2 of 2 (y copies the next), of carolj (auth0|1000789).")
	h.press("esc", "y", "3") // y: leave, the URLs with it
	if row := auditRowAt(h, "↶ link"); !strings.Contains(row, "carolj into auth0|66e1f2a3b4c5d6e7f8091a2b") {
		t.Errorf("the undo's link back: %q", row)
	}
}
