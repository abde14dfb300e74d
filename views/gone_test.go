package views

import (
	"context"
	"strings"
	"testing"
)

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
			if accountByID(d.Group(), gone) != nil || strings.Contains(h.screen(), gone) {
				t.Fatalf("the group still lists the account found gone:\n%s", h.screen())
			}
		})
	}
}

// TestTheLinkWizardFindingAnAccountGoneRereadsTheGroup: the wizard's read
// by id finds one of the group's accounts gone; the group is read again.
func TestTheLinkWizardFindingAnAccountGoneRereadsTheGroup(t *testing.T) {
	const gone = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	h.press("l", "enter")
	h.mustShow("The group changed: the accounts gone from it are no longer marked.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	if accountByID(d.Group(), gone) != nil {
		t.Fatalf("the group still lists the account found gone:\n%s", h.screen())
	}
}
