package views

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/tui"
)

// TestACursorOnAnAccountGoneSaysSo: the account under the cursor is deleted
// from another shell; once the group is read again the screen says so and
// names the account the cursor is on now, until the cursor moves. An
// account gone before the cursor leaves it on the same person.
func TestACursorOnAnAccountGoneSaysSo(t *testing.T) {
	t.Run("under the cursor", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true})
		d := h.openGroup("the.millers@gmail.com")
		h.selectAccount(d, emmaMiller)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), emmaMiller); err != nil {
			t.Fatal(err)
		}
		h.press("t")
		h.mustShowWhole("no account has the user id " + emmaMiller + " now")
		h.press("esc")
		activeIs[*Detail](h, "esc did not go back to the group")
		if len(d.Group().Accounts) != 2 {
			t.Fatalf("the group was not read again:\n%s", h.screen())
		}
		h.mustShowWhole("⚠ emma.miller is no longer on the tenant (deleted, or linked into another account): the cursor is on " +
			d.Selected().Identifier.Value + " now.")
		h.press("j")
		if strings.Contains(h.screen(), "is no longer on the tenant") {
			t.Fatalf("the notice stays once the cursor moved:\n%s", h.screen())
		}
	})
	t.Run("linked into another", func(t *testing.T) {
		const github = "github|9007199254740993"
		h := newHarness(t, harnessOpts{tenant: true})
		h.selectAccount(h.openGroup("wei.zhang@gmail.com"), github)
		h.press("l", "enter", "enter", "y")
		h.mustShow("✓ Done.")
		h.press("esc")
		activeIs[*Detail](h, "esc did not go back to the group")
		h.mustShowWhole("⚠ " + github + " is linked into wei.zhang@gmail.com, which the cursor is on now.")
	})
	t.Run("before the cursor", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true})
		d := h.openGroup("the.millers@gmail.com")
		h.selectAccount(d, emmaMiller)
		if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), mikeMiller); err != nil {
			t.Fatal(err)
		}
		h.send(tui.RereadMsg{Email: "the.millers@gmail.com"})
		if len(d.Group().Accounts) != 2 {
			t.Fatalf("the group was not read again:\n%s", h.screen())
		}
		if sel := d.Selected(); sel.UserID != emmaMiller {
			t.Fatalf("the cursor moved from emma.miller to %s:\n%s", sel.UserID, h.screen())
		}
		if strings.Contains(h.screen(), "⚠") {
			t.Fatalf("a notice for an account the cursor was not on:\n%s", h.screen())
		}
	})
}

// TestAChosenPrimaryGoneSaysSo: the primary chosen with p is deleted from
// another shell; once the tenant is scanned again (r) the group says so,
// names the account l takes as the primary instead, and the ◆ goes; p on
// another account, or l, ends the notice.
func TestAChosenPrimaryGoneSaysSo(t *testing.T) {
	const github = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.selectAccount(d, "google-oauth2|114455667788990011223") // the cursor on another account
	h.mustShow("◆ ")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), github); err != nil {
		t.Fatal(err)
	}
	h.press("r")
	activeIs[*Detail](h, "r left the group")
	if len(d.Group().Accounts) != 2 {
		t.Fatalf("the rescan did not see the account gone:\n%s", h.screen())
	}
	h.mustShowWhole("⚠ The primary you chose, " + github + ", is no longer on the tenant (deleted, or linked into another account): " +
		"l links into the recommended primary (★ auth0|5f1a2b3c4d5e6f7081920a1b) now; p chooses another.")
	if strings.Contains(h.screen(), "◆") {
		t.Fatalf("the ◆ of a primary gone stays:\n%s", h.screen())
	}
	h.press("j", "k") // the cursor moving is no new choice: the notice stays
	h.mustShow("The primary you chose")
	h.press("p")
	if strings.Contains(h.screen(), "The primary you chose") {
		t.Fatalf("the notice stays once p chose another primary:\n%s", h.screen())
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

// TestTheGroupHeaderNamesThePrimaryChosen: after p on another account, the
// header's hint says l links into the primary chosen, not the recommended
// one.
func TestTheGroupHeaderNamesThePrimaryChosen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 30})
	d := h.openGroup("alice.nguyen@gmail.com")
	h.mustShowWhole("l links these accounts into the recommended primary (★)")
	h.selectAccount(d, aliceGoogle)
	h.press("p")
	h.mustShowWhole("l links these accounts into the primary you chose (◆ " + aliceGoogle + ")")
	if strings.Contains(flowed(h.screen()), "into the recommended primary (★)") {
		t.Fatalf("the header still names the recommended primary:\n%s", h.screen())
	}
}

// Find results read again when they are back on top after an account was
// opened from them: an account deleted behind the UI's back meanwhile is
// no longer listed as found.
func TestFindResultsForgetAnAccountDeletedSince(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	f := h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), mikeMiller); err != nil {
		t.Fatal(err)
	}
	h.press("esc")
	activeIs[*Find](h, "esc did not go back to the results")
	if f.Results() != 2 || strings.Contains(h.screen(), mikeMiller) {
		t.Errorf("the results still list the account deleted since (%d):\n%s", f.Results(), h.screen())
	}
}

// TestAChosenPrimaryGoesWhenTheGroupHasNothingLeftToLink: p on raj.patel
// in the Patels' mixed group, then his google account linked into him:
// the group read again is a family, each account its own person, where p
// and l are refused; yet it still said "◆ You chose raj.patel … as the
// primary of the next link" and marked him ◆. The choice goes with the
// group's class: nothing on screen claims it, and no notice says l takes
// another primary.
func TestAChosenPrimaryGoesWhenTheGroupHasNothingLeftToLink(t *testing.T) {
	const raj, google = "auth0|63a1b2c3d4e5f60718293a4c", "google-oauth2|112233445566778899001"
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	d := h.openGroup("patel.family@gmail.com")
	h.selectAccount(d, raj)
	h.press("p")
	h.mustShow("◆ You chose raj.patel")
	h.press("l")
	w := activeIs[*LinkWizard](h, "l did not open the wizard")
	for w.ids[w.cursor] != google {
		h.press("j")
	}
	h.press("space", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShow("shared by design", "No primary: each account is its own person")
	if s := h.screen(); strings.Contains(s, "◆") || strings.Contains(s, "You chose") || strings.Contains(s, "The primary you chose") {
		t.Fatalf("the group with nothing to link still names a primary chosen:\n%s", s)
	}
	// The google account unlinked again, the group is mixed again: the
	// choice stays gone.
	h.selectAccount(d, raj)
	h.press("u")
	activeIs[*Unlink](h, "u did not open the unlink")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	h.mustShow("mixed", "No recommended primary")
	if s := h.screen(); strings.Contains(s, "◆") || strings.Contains(s, "You chose") {
		t.Fatalf("a primary chosen before the group had nothing to link came back:\n%s", s)
	}
}
