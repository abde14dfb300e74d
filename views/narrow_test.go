package views

import (
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// The link confirmation shows the reason the operator just edited whole,
// wrapped under its label, before y records it: it went to one cut line
// ("(link candida…") when the box was short, ahead of the lines that say
// what becomes of each account.
func TestTheLinkConfirmationShowsTheEditedReasonWholeAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withThreeWayConflict, width: 60, height: 20})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "enter", "tab")
	h.typeText(" per ticket 4711")
	h.press("enter")
	h.mustShowWhole("Reason one person's accounts (link candidate), linked in the linkdesk TUI per ticket 4711 (tab edits)",
		"secondary github|9007199254740993", "secondary google-oauth2|114455667788990011223",
		"into auth0|5f1a2b3c4d5e6f7081920a1b", "Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?")
	h.press("enter") // the hint too
	h.mustShowWhole("Reason one person's accounts (link candidate), linked in the linkdesk TUI per ticket 4711 (tab edits)",
		"Enter does not confirm: y links, n goes back.")
}

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

// The link review says, before y, that the access token lacks a scope the
// link needs: y would be refused.
func TestTheLinkReviewSaysAScopeTheTokenLacks(t *testing.T) {
	granted := slices.DeleteFunc(slices.Clone(emulator.DefaultScopes), func(s string) bool { return s == "update:users" })
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40, scopes: granted})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter")
	h.mustShowWhole("The access token lacks a scope these calls need (expected any of: update:users)")
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

// withLongPatelUsername gives anika.patel, of the Patel family sharing
// patel.family@gmail.com with a Google account, a username of 18
// characters: at 60 columns the link wizard's table holds it and the
// Google account's user id (35) whole only in the cells of its star
// column, which a group without a recommended primary leaves empty.
func withLongPatelUsername(t *emulator.Tenant) {
	for _, u := range t.Users {
		if u.UserID == "auth0|63a1b2c3d4e5f60718293a4d" {
			u.Username = "anika.patel.146300"
		}
	}
}

// At 60 columns the link wizard of a family and a Google account sharing
// its email shows every user id and every username whole (the Google
// account's user id was cut by its last digits, while the star column
// held nothing); the list of what find found keeps them whole too.
func TestUserIDsAndFamilyIdentifiersStayWholeAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withLongPatelUsername, width: 60, height: 20})
	h.send(h.startScan())
	h.openGroup("patel.family@gmail.com")
	h.press("l")
	h.mustShow("anika.patel.146300", "google-oauth2|112233445566778899001", "auth0|63a1b2c3d4e5f60718293a4d", "raj.patel")

	h.press("esc", "f")
	h.typeText("patel.family@gmail.com")
	h.press("enter")
	h.mustShow("anika.patel.146300", "google-oauth2|112233445566778899001", "auth0|63a1b2c3d4e5f60718293a4d", "raj.patel")
}
