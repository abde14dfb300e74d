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
