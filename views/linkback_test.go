package views

import (
	"strings"
	"testing"
)

// TestSteppingBackInTheWizardKeepsTheConflictChoices: esc from the review
// back to the accounts, then enter, put every conflict back on the
// primary's side, unsaid. The sides chosen stay, each with its secondary;
// unmarking a secondary drops its own (marked again, it has none), and
// another primary drops them all, the hint saying so each time; and esc on
// the accounts with sides chosen asks before it loses them.
func TestSteppingBackInTheWizardKeepsTheConflictChoices(t *testing.T) {
	const github, google = "github|9007199254740993", "google-oauth2|114455667788990011223"
	const githubPlan, googleCustomer = `app_metadata.plan: keep "pro" (secondary), drop "free" (primary)`,
		`app_metadata.customer_id: keep "cus_GOOGLE" (secondary), drop "cus_PRIMARY" (primary)`
	h := newHarness(t, harnessOpts{tenant: true, edit: withThreeWayConflict, width: 100, height: 50})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter")
	w := activeIs[*LinkWizard](h, "l, enter did not open the review")
	h.press("j", "space", "j", "space") // github's plan, google's customer_id
	h.mustShow(githubPlan, googleCustomer)

	h.press("esc")
	if w.Step() != stepAccounts {
		t.Fatalf("esc did not go back to the accounts:\n%s", h.screen())
	}
	h.press("enter")
	h.mustShow(githubPlan, googleCustomer)

	// Unmarked, github's side goes with it; google's stays.
	h.press("esc")
	for w.ids[w.cursor] != github {
		h.press("j")
	}
	h.press("space")
	h.mustShow("The conflict side you chose for " + github)
	h.press("enter")
	h.mustShow(googleCustomer)
	if strings.Contains(h.screen(), "Metadata of "+github) {
		t.Fatalf("the review still links github:\n%s", h.screen())
	}
	// Marked again, github has no side chosen: none moved to it.
	h.press("esc", "space", "enter")
	h.mustShow("Metadata of "+github, `app_metadata.plan: keep "free" (primary), drop "pro" (secondary)`, googleCustomer)

	// Another primary: every side was against the one before.
	h.press("esc")
	for w.ids[w.cursor] != google {
		h.press("j")
	}
	h.press("p")
	h.mustShow("The conflict side you chose against the previous primary is dropped.")
	h.press("enter")
	h.mustShow("Metadata of " + github)
	if strings.Contains(h.screen(), "(secondary), drop") {
		t.Fatalf("a side chosen against the previous primary is kept:\n%s", h.screen())
	}

	// Leaving the accounts with only conflict sides chosen asks.
	h.press("esc", "esc")
	h.mustShow("Leave this screen?")
	h.press("y")
	if h.active() != d {
		t.Fatalf("y did not leave the wizard for the group:\n%s", h.screen())
	}
	h.press("l", "enter", "space", "esc", "esc")
	h.mustShow("Leave this screen?", "conflict sides")
}
