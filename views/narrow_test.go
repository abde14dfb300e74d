package views

import (
	"strings"
	"testing"
)

// The account screen's footer offers every key that acts on the account:
// v on an unverified one at 100 and 80 columns too (the help's words left
// it out).
func TestTheAccountFooterOffersEveryKeyThatActsOnIt(t *testing.T) {
	for _, width := range []int{100, 80} {
		accountFooterOffersEveryKey(t, width)
	}
}

func accountFooterOffersEveryKey(t *testing.T, width int) {
	h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
	h.findResults("maria.garcia@outlook.com", 2)
	for i := 0; i < 2; i++ {
		h.press("enter")
		if a, ok := h.active().(*Account); ok && a.acct != nil && !a.acct.User.EmailVerified {
			break
		}
		h.press("esc", "j")
	}
	footer := h.footer()
	for _, k := range []string{"l link", "D delete", "t ticket", "v verify email"} {
		if !strings.Contains(footer, k) {
			t.Errorf("at %d columns the footer lacks %q:\n%s", width, k, h.screen())
		}
	}
}
