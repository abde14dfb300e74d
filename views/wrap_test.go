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
