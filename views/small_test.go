package views

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/tui"
)

// TestTheAccountFooterSaysWhatLDoesInAGroup: on the screen of an account
// that shares its email, l opens the group's wizard, and the footer says so.
func TestTheAccountFooterSaysWhatLDoesInAGroup(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.openGroup("wei.zhang@gmail.com")
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	if f := h.footer(); !strings.Contains(f, "l link the group (3 accounts)") || strings.Contains(f, "link with another account") {
		t.Fatalf("the footer does not say that l links the group: %q", f)
	}
	h.press("l")
	activeIs[*LinkWizard](h, "l did not open the group's wizard")
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
