package views

import (
	"strings"
	"testing"
)

// TestAfterALinkTheGroupsListCountsAsTheOverview: a group resolved by a
// link is counted apart on the groups list, as on the overview, not among
// the groups that still share an email.
func TestAfterALinkTheGroupsListCountsAsTheOverview(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "1")
	h.mustShowWhole("9 groups of accounts sharing an email; 1 resolved in this session")
	h.press("2", "esc")
	h.mustShowWhole("Groups 9 of 9 groups · 1 resolved · sorted by")
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

// TestQuestionMarkOnAnEmptyFieldOpensHelp: ? in the delete dialog before
// anything is typed, and in find's empty query, opens help (the footer
// offers it); once something is typed, ? is typed like any character.
func TestQuestionMarkOnAnEmptyFieldOpensHelp(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("D")
	h.mustShow("To delete, type", "? help")
	h.press("?")
	h.mustShow("Keys on")
	h.press("esc")
	d := activeIs[*DeleteDialog](h, "esc did not go back to the delete dialog")
	h.typeText("bob?")
	if d.Typed() != "bob?" {
		t.Errorf("typed %q, want bob?", d.Typed())
	}
	h.press("esc", "f")
	h.mustShow("? help")
	h.press("?")
	h.mustShow("Keys on")
}
