package views

import (
	"strings"
	"testing"
)

// The audit log's footer offers U and enter, the keys that act on the
// record under the cursor, before the generic ones: U undo was dropped.
func TestTheAuditLogFooterOffersUndoAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "3")
	activeIs[*AuditLog](h, "3 did not open the audit log")
	lines := strings.Split(h.screen(), "\n")
	footer := lines[len(lines)-2]
	for _, want := range []string{"U undo", "enter the whole record", "/ filter", "? help"} {
		if !strings.Contains(footer, want) {
			t.Fatalf("the footer does not offer %q: %q\n%s", want, footer, h.screen())
		}
	}
}

// At 60 columns a record's call wraps between the values of its JSON body,
// so that a user id in it reads whole on one line.
func TestTheAuditRecordWrapsItsCallBetweenValuesAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 40})
	linkAlice(h)
	h.press("3")
	h.selectAudit("link")
	h.press("enter")
	h.mustShow("call")
	// Every line of the call ends where WrapCall may break it (after the
	// method, a /, the path, a , or the body's }), never inside a value.
	in := false
	for _, line := range strings.Split(h.screen(), "\n") {
		switch f := strings.TrimSpace(line); {
		case strings.HasPrefix(f, "call "):
			in = true
		case strings.HasPrefix(f, "before "):
			in = false
		}
		if l := strings.TrimRight(line, " "); in && !strings.HasSuffix(l, "POST") && !strings.HasSuffix(l, "/identities") && !strings.HasSuffix(l, "/") && !strings.HasSuffix(l, ",") && !strings.HasSuffix(l, "}") {
			t.Fatalf("the link's call is cut inside a value at %q:\n%s", l, h.screen())
		}
	}
}

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
