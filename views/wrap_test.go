package views

import (
	"strings"
	"testing"
)

// flowed is the screen's text as one run of words: frames gone and every
// line break a space, so that a sentence wrapped over lines reads whole.
func flowed(screen string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "─", " ").Replace(screen)), " ")
}

// mustShowWhole fails unless the screen shows each sentence whole, wrapped
// as it may be, never cut with "…".
func (h *harness) mustShowWhole(sentences ...string) {
	h.t.Helper()
	f := flowed(h.screen())
	for _, s := range sentences {
		if !strings.Contains(f, s) {
			h.t.Fatalf("the screen does not show %q whole:\n%s", s, h.screen())
		}
	}
}

// TestExplanationsWrapWhole: the sentences of the undo, delete, link and
// quit dialogs that explain something wrap at 100 and 80 columns; none is
// cut with "…".
func TestExplanationsWrapWhole(t *testing.T) {
	for _, width := range []int{100, 80} {
		t.Run("undo", func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
			linkAlice(h)
			selectLink := func() {
				h.t.Helper()
				for i := 0; ; i++ {
					if _, action, _ := activeIs[*AuditLog](h, "not on the audit log").Selected(); action == "link" {
						return
					}
					if i > 10 {
						t.Fatalf("the link is not in the log:\n%s", h.screen())
					}
					h.press("j")
				}
			}
			h.press("3")
			selectLink()
			h.press("U", "y")
			h.mustShow("✓ Done.")
			h.press("esc")
			selectLink()
			h.press("U")
			h.mustShowWhole("Nothing to undo now: the tenant is as it was before the operation (it was undone already, or changed back).")
		})
		t.Run("delete", func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
			h.openGroup("alice.nguyen@gmail.com")
			h.press("D")
			h.mustShowWhole("the account auth0|63ea1f0b2c8d4e5f60718293 on Username-Password-Authentication, 14 logins, last 2026-10-20")
		})
		t.Run("link confirmation", func(t *testing.T) {
			// The database account is the secondary: its connection's name is long.
			h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
			h.openGroup("alice.nguyen@gmail.com")
			h.press("j", "p", "l", "enter", "enter")
			h.mustShowWhole("on Username-Password-Authentication, stops being an account of its own",
				"on google-oauth2, keeps its user id and profile")
		})
		t.Run("quit", func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
			h.openGroup("wei.zhang@gmail.com")
			h.press("l", "enter", "q")
			h.mustShowWhole("• the link wizard of wei.zhang@gmail.com: its choices (primary, accounts, conflict sides)")
		})
	}
}

// TestProseWrapsWholeAt60: at 60×20, the smallest window the screens are
// laid out for, the find, ticket, unlink and link screens show their
// explanations, legends and hints whole, wrapped over lines, never cut
// with "…"; and what the screen is for (the question, the table) stays in
// view under them.
func TestProseWrapsWholeAt60(t *testing.T) {
	t.Run("find", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.press("f")
		h.mustShowWhole("An email (any case), a user id, a username or a phone number; no export needed.")
		h.typeText("nobody.by.that.name")
		h.press("enter")
		h.mustShowWhole("A username or phone must be whole; an email finds every account sharing it.")
	})
	t.Run("ticket", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, edit: withSecondaryEmail, width: 60, height: 20})
		h.openGroup("the.millers@gmail.com")
		h.press("j", "j", "t")
		h.mustShowWhole("shared by 3 accounts: anyone reading that inbox gets the link",
			"its metadata names another address: the link could go there")
		h.mustShow("liam.miller.2011@outlook.com", "Make a ticket for liam.miller?")
		h.press("x")
		h.mustShowWhole("Press y to make the ticket or n to cancel (enter does not confirm); tab sets options.")
		h.mustShow("liam.miller.2011@outlook.com", "Make a ticket for liam.miller?")
		h.press("tab")
		h.mustShowWhole("Options: tab/↓ next · ↑ previous · space ticks · enter done")
	})
	t.Run("unlink", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("lena.fischer@gmail.com")
		h.press("u")
		h.mustShowWhole("Linked identities, oldest first; the newest is picked (j/k picks another):")
		h.press("x")
		h.mustShowWhole("Press y to unlink or n to cancel (enter does not confirm).")
		h.mustShow("y yes   n no (default)")
	})
	t.Run("link", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l")
		h.mustShowWhole("(●) primary · [x] linked into it · [ ] left alone · ★ recommended")
		h.press("j", "space", "j", "space", "enter")
		h.mustShowWhole("Pick at least one account to link into the primary (space).")
		h.mustShow("google-oauth2|114455667788990011223")
		h.press("k", "space", "enter")
		h.mustShowWhole("+ the primary gains it · ~ merged · ! conflict: one side is kept")

		h = newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("maria.garcia@outlook.com")
		h.press("l", "enter")
		h.mustShowWhole("o overrides this check for this link; the audit log records the override.")
	})
}
