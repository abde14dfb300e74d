package views

import (
	"context"
	"strings"
	"testing"
)

// The unlink dialog's read of its account, answered while help covers it
// (? typed with u), is read again once the dialog is back on top: it does
// not stay "Reading the account by id…" for good.
func TestADialogCoveredWhileItsAccountWasReadReadsItAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	read := openSamsAccount(h)
	h.press("?")
	for _, msg := range run(read) {
		h.send(msg) // heard by help, on top
	}
	h.press("esc")
	h.mustShow("Unlink google-oauth2|101202303404505606707")
	h.press("y")
	h.mustShow("✓ Done.")
}

// TestDialogsOnAnAccountGoneNameItAndOfferOnlyEsc: an account deleted
// behind the UI's back; the ticket and unlink dialogs that find it gone
// name it by its primary identifier as well as its user id, and their
// footer offers esc alone, as the dialog says, never y.
func TestDialogsOnAnAccountGoneNameItAndOfferOnlyEsc(t *testing.T) {
	t.Run("ticket", func(t *testing.T) {
		const liam = "auth0|65c0d1e2f3a4b5c6d7e8f901"
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("the.millers@gmail.com"), liam)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), liam); err != nil {
			t.Fatal(err)
		}
		h.press("t")
		activeIs[*TicketDialog](h, "t did not open the ticket dialog")
		h.mustShowWhole("liam.miller ("+liam+")", "no account has the user id "+liam+" now")
		h.mustShow("esc close")
		if scr := h.screen(); strings.Contains(scr, "y make the ticket") || strings.Contains(scr, "tab options") {
			t.Fatalf("the footer offers a ticket for an account gone:\n%s", scr)
		}
	})
	t.Run("delete", func(t *testing.T) {
		const liam = "auth0|65c0d1e2f3a4b5c6d7e8f901"
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("the.millers@gmail.com"), liam)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), liam); err != nil {
			t.Fatal(err)
		}
		h.press("D")
		h.mustShow("Delete liam.miller ("+liam+")", "No account has this user id now", "esc back")
		if scr := h.screen(); strings.Contains(scr, "enter delete") {
			t.Fatalf("the footer offers to delete an account gone:\n%s", scr)
		}
	})
	t.Run("unlink", func(t *testing.T) {
		const lena = "auth0|61a1b2c3d4e5f60718293a4b"
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("lena.fischer@gmail.com"), lena)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), lena); err != nil {
			t.Fatal(err)
		}
		h.press("u")
		activeIs[*Unlink](h, "u did not open the unlink dialog")
		h.mustShow("no account has the user id "+lena+" now", "esc back")
		if scr := h.screen(); strings.Contains(scr, "y unlink") {
			t.Fatalf("the footer offers an unlink from an account gone:\n%s", scr)
		}
	})
}
