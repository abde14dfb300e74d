package views

import (
	"strings"
	"testing"
)

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
