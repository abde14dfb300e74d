package views

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/tui"
)

// An account deleted from its own screen says so when esc comes back to
// it, under the name it had, and where to undo it.
func TestAnAccountDeletedFromItsScreenSaysItIsGone(t *testing.T) {
	const mallory = "auth0|65f0e1d2c3b4a59687786950"
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText(mallory)
	h.press("enter", "D")
	h.typeText("mallory@evil-mail.net")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
	h.mustShow("Account mallory@evil-mail.net ("+mallory+")", "No account has this user id now: it was deleted", "U there undoes it")
	if scr := h.screen(); strings.Contains(scr, "password ticket") || strings.Contains(scr, "D delete") {
		t.Fatalf("the footer of a gone account offers keys that do nothing:\n%s", scr)
	}
}

// TestTheBreadcrumbNamesAnAccountGoneAsItsScreenDoes: the account on screen
// is linked away by a write; the breadcrumb keeps naming it by its phone,
// as the screen's title does, not by its user id.
func TestTheBreadcrumbNamesAnAccountGoneAsItsScreenDoes(t *testing.T) {
	const sms = "sms|64a1f2c3d4e5f60718293a4b"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.press("f")
	h.typeText("+14155550123")
	h.press("enter")
	activeIs[*Account](h, "f +14155550123 did not open the sms account")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), sms); err != nil {
		t.Fatal(err)
	}
	h.send(tui.WriteDoneMsg{Task: tui.NewTask(), Label: "a write elsewhere"}) // the screen reads its account again
	h.mustShow("No account has this user id now", "Account +14155550123 ("+sms+")")
	if head := strings.SplitN(h.screen(), "\n", 2)[0]; !strings.Contains(head, "› Account +14155550123") {
		t.Fatalf("the breadcrumb does not name the account as its screen does: %q", head)
	}
}

// TestAKeyPressedWhileTheAccountIsReadSaysToPressItAgainUntilItShows: D
// (or l, u, t, v, y, enter) pressed while the account screen still read its
// account said "✓ Still reading the account… (D acts on it once it is
// read)": a ✓ for a thing not done, a promise nothing kept (the read
// answered, nothing opened), and the line stayed under the account drawn
// until the next key. It says to press the key again, without a ✓; it goes
// as the account shows, the footer listing the account's keys again, and
// nothing opens on its own; D then opens the deletion. The same once the
// account is read again after a dialog on it closes.
func TestAKeyPressedWhileTheAccountIsReadSaysToPressItAgainUntilItShows(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			footer := func() string {
				lines := strings.Split(h.screen(), "\n")
				return lines[len(lines)-2]
			}
			h.findResults("the.millers@gmail.com", 3)
			_, read := h.m.Update(keyPress("enter")) // the account's read held back
			activeIs[*Account](h, "enter did not open the account")
			for _, key := range []string{"l", "u", "t", "v", "y", "enter", "D"} {
				h.press(key)
				activeIs[*Account](h, key+" left the account screen before its account was read")
				want := "Still reading the account… press " + key + " again once it shows"
				if f := footer(); !strings.HasPrefix(f, want) || strings.Contains(f, "✓") {
					t.Fatalf("after %s the footer reads %q, want %q without a ✓:\n%s", key, f, want, h.screen())
				}
			}
			h.send(read)
			activeIs[*Account](h, "the account's read opened a screen of its own")
			if strings.Contains(h.screen(), "Still reading") || !strings.Contains(footer(), "D delete") {
				t.Fatalf("the account is drawn, and the footer reads %q, not its keys:\n%s", footer(), h.screen())
			}
			h.mustShow("Identities (")

			h.press("D")
			activeIs[*DeleteDialog](h, "D did not open the deletion once the account was read")
			_, reread := h.m.Update(keyPress("esc")) // back on top, it reads the account again: held back
			a := activeIs[*Account](h, "esc did not go back to the account")
			h.press("D")
			activeIs[*Account](h, "D acted on an account being read again")
			if f := footer(); !strings.HasPrefix(f, "Reading the account again… press D again") || strings.Contains(f, "✓") {
				t.Fatalf("D on an account read again: the footer reads %q:\n%s", f, h.screen())
			}
			h.send(reread)
			if a.Loaded() == nil || strings.Contains(h.screen(), "Reading the account again") || !strings.Contains(footer(), "D delete") {
				t.Fatalf("the account read again is drawn, and the footer reads %q:\n%s", footer(), h.screen())
			}
			h.press("D")
			activeIs[*DeleteDialog](h, "D did not open the deletion once the account was read again")
		})
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

// TestTheAccountHelpNamesTheAccountAsTheScreenDoes: help on a profile of a
// legacy custom database whose email other profiles share names it by its
// username with its user id, whole at 100 and 60 columns, as the screen
// and the dialogs do; an account its identifier tells apart (a family's
// child) by that alone.
func TestTheAccountHelpNamesTheAccountAsTheScreenDoes(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			h.selectAccount(h.openGroup("carol.jones@hotmail.com"), carolLegacy)
			h.press("enter")
			activeIs[*Account](h, "enter did not open the account")
			h.press("?")
			h.mustShowWhole("Keys on Account carolj (" + carolLegacy + ")")
		})
	}
	t.Run("family", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("the.millers@gmail.com"), liamMiller)
		h.press("enter", "?")
		h.mustShowWhole("Keys on Account liam.miller Account")
	})
}

// TestAnAccountScreenReadsAgainWhenADialogFoundItGone: an account found
// with f, deleted from another shell; D finds it gone and says truthfully
// where what was done may be listed; back on the account's screen it is
// read again and shown gone, and enter opens no group listing it.
func TestAnAccountScreenReadsAgainWhenADialogFoundItGone(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText(aliceDB)
	h.press("enter")
	a := activeIs[*Account](h, "f did not open the account")
	if a.Loaded() == nil {
		t.Fatalf("the account was not read:\n%s", h.screen())
	}
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), aliceDB); err != nil {
		t.Fatal(err)
	}
	h.press("D")
	activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.mustShowWhole("No account has this user id now", "If linkdesk did it, the audit log (3, after esc) lists it.")
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
	if a.Loaded() != nil {
		t.Fatalf("the account screen still shows the account as live:\n%s", h.screen())
	}
	h.mustShowWhole("No account has this user id now", "If linkdesk did it, the audit log (3) lists it")
	h.press("enter")
	activeIs[*Account](h, "enter opened a group from an account gone")
}

// TestTitlesAndResultsWrapTheUserID: the account's title and the ticket's
// result name an account whose email is shared with its user id whole,
// wrapped at 60 columns rather than cut.
func TestTitlesAndResultsWrapTheUserID(t *testing.T) {
	t.Run("account", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.selectAccount(h.openGroup("alice.nguyen@gmail.com"), aliceDB)
		h.press("enter")
		activeIs[*Account](h, "enter did not open the account")
		h.mustShowWhole("Account alice.nguyen@gmail.com (" + aliceDB + ")")
	})
	t.Run("ticket result", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.selectAccount(h.openGroup("alice.nguyen@gmail.com"), aliceDB)
		h.press("t", "y")
		h.mustShowWhole("✓ Ticket for alice.nguyen@gmail.com (" + aliceDB + ")")
	})
}

// / on the account screen, which lists nothing to filter, opens f: the
// letters after it are the query, never l, D, t or v.
func TestSlashOnTheAccountScreenOpensFind(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	h.mustShow("Account ")
	h.pressAhead("/", "v", "y")
	f := activeIs[*Find](h, "/ on the account did not open find")
	if !f.Capturing() || verificationJobs(h) != 0 {
		t.Fatalf("/vy on the account acted:\n%s", h.screen())
	}
	h.mustShow("vy")
	var _ tui.Filterer = f
}

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

// TestPAndUOnTheAccountScreenSayWhereTheyWork: p and U on an account's
// screen did nothing and said nothing. p says that it chooses in the link
// wizard, which l opens (a family's account: that nothing is linked
// there; read-only: that writes are off), U that it undoes from the audit
// log; neither with a ✓. U on a group's screen says the same.
func TestPAndUOnTheAccountScreenSayWhereTheyWork(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	before := h.above()
	h.press("U")
	h.mustTell("U on the group", "U undoes a write from the audit log: 3 opens it.", before)

	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	before = h.above()
	h.press("p")
	activeIs[*Account](h, "p left the account screen")
	h.mustTell("p", "p chooses a link's primary in the link wizard: l opens it.", before)
	h.press("U")
	h.mustTell("U", "U undoes a write from the audit log: 3 opens it.", before)

	h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the family's account")
	h.press("p")
	h.mustShow("nothing to link: a family")

	ro := newHarness(t, harnessOpts{readOnly: true, tenant: true})
	ro.openGroup("wei.zhang@gmail.com")
	ro.press("enter", "p")
	ro.mustShow("read-only session (--read-only)")
}
