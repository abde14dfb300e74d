package views

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/tui"
)

// / on a group opens a filter of its accounts that letters type into:
// /ivy with the cursor on an unverified account opens no dialog and sends
// nothing (v would ask, y would confirm), even when the letters arrive
// before anything / started has run.
func TestSlashThenLettersOnAGroupTypeAndNeverAct(t *testing.T) {
	for _, ahead := range []bool{false, true} {
		h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
		d := h.openGroup("maria.garcia@outlook.com")
		h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728") // unverified
		if ahead {
			h.pressAhead("/", "i", "v", "y")
		} else {
			h.press("/", "i", "v", "y")
		}
		activeIs[*Detail](h, "/ivy left the group screen")
		if strings.Contains(h.screen(), "Send the verification email") || verificationJobs(h) != 0 {
			t.Fatalf("/ivy on a group asked for or sent a verification email:\n%s", h.screen())
		}
		h.mustShow("/ ivy", "No account of this group matches the filter")
		h.press("esc") // clears the filter: every account again, nothing sent
		h.mustShow("Group maria.garcia@outlook.com", "github|5832311", "auth0|672614a0b1c2d3e4f5061728")
		if verificationJobs(h) != 0 || h.m.WritesInFlight() != 0 {
			t.Fatalf("a verification email went out:\n%s", h.screen())
		}
	}
}

// The group's filter narrows its accounts and keeps the cursor on one
// shown; the keys act again once enter keeps it, on the account shown.
func TestTheGroupFilterNarrowsItsAccounts(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.openGroup("maria.garcia@outlook.com") // the cursor on github|5832311
	h.press("/")
	h.typeText("auth0")
	h.press("enter")
	h.mustShow("filter: auth0", "1 of 2 accounts", "auth0|672614a0b1c2d3e4f5061728")
	if strings.Contains(h.screen(), "github|5832311 ") {
		t.Fatalf("the filter shows an account it does not match:\n%s", h.screen())
	}
	d := activeIs[*Detail](h, "enter left the group")
	if sel := d.Selected(); sel == nil || sel.UserID != "auth0|672614a0b1c2d3e4f5061728" {
		t.Fatalf("the cursor is not on the account the filter shows:\n%s", h.screen())
	}
	h.press("v")
	h.mustShow("Send the verification email", "Account auth0|672614a0b1c2d3e4f5061728")
	h.press("n", "esc") // no; then esc clears the filter, a second esc goes back
	h.mustShow("Group maria.garcia@outlook.com", "github|5832311")
	h.press("esc")
	activeIs[*Groups](h, "esc with no filter left did not go back to the list")
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

// withBigMillerFamily gives the Millers two more children: five accounts.
func withBigMillerFamily(t *emulator.Tenant) {
	var liam *emulator.User
	for _, u := range t.Users {
		if u.UserID == "auth0|65c0d1e2f3a4b5c6d7e8f901" {
			liam = u
		}
	}
	for _, kid := range []struct{ id, name string }{{"65c0d1e2f3a4b5c6d7e8f9a1", "noah.miller"}, {"65c0d1e2f3a4b5c6d7e8f9a2", "olivia.miller"}} {
		u := liam.Clone()
		u.UserID, u.Username, u.Nickname = "auth0|"+kid.id, kid.name, kid.name
		u.Identities[0].UserID = emulator.IdentityID{Value: kid.id}
		t.Users = append(t.Users, u)
	}
}

// A group with more accounts than its pane holds says how many are left
// out and which key reaches them, and the account under the cursor is
// always on screen, at 80×24 and at 60×20.
func TestAGroupSaysItHasMoreAccountsThanShown(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		h := newHarness(t, harnessOpts{tenant: true, edit: withBigMillerFamily, width: size[0], height: size[1]})
		h.m.LoadReport(fixtureReportEdited(t, withBigMillerFamily))
		d := h.openGroup("the.millers@gmail.com")
		if n := len(d.Group().Accounts); n != 5 {
			t.Fatalf("the family has %d accounts, want 5", n)
		}
		h.mustShow("more account", "(j)")
		for i := range 5 {
			sel := d.Selected()
			row := ""
			for _, l := range strings.Split(h.screen(), "\n") {
				if strings.HasPrefix(l, "▸ ") {
					row = l
				}
			}
			if !strings.Contains(row, tui.NameIn(d.Group(), sel)) && !strings.Contains(row, sel.Identifier.Value) {
				t.Fatalf("%d×%d: the account under the cursor (%s) is not on screen:\n%s", size[0], size[1], sel.UserID, h.screen())
			}
			if i < 4 {
				h.press("j")
			}
		}
		h.mustShow("above (k)")
	}
}

// The profiles of one email on a legacy custom database are named by their
// usernames in find's rows and on the account screen, as on the group
// screen.
func TestFindAndTheAccountNameLegacyProfilesByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	f := h.findResults("CAROL.JONES@hotmail.com", 3)
	rows := map[string]string{}
	for _, l := range strings.Split(h.screen(), "\n") {
		for _, id := range []string{"auth0|1000789", "auth0|1000790"} {
			if strings.Contains(l, id) {
				rows[id] = l
			}
		}
	}
	if !strings.Contains(rows["auth0|1000789"], "carolj ") || !strings.Contains(rows["auth0|1000790"], "cjones ") {
		t.Fatalf("find names the legacy profiles by their shared email, not their usernames:\n%s", h.screen())
	}
	for i := 0; f.found.Users[f.cursor].UserID != "auth0|1000789"; i++ {
		if i > 3 {
			t.Fatal("auth0|1000789 is not among the results")
		}
		h.press("j")
	}
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	h.mustShow("Account carolj (auth0|1000789)", "Identifier username carolj")
	if strings.Contains(h.screen(), "Account carol.jones@hotmail.com") {
		t.Fatalf("the account screen names the profile by its shared email:\n%s", h.screen())
	}
}

// ctrl+c while a link reads its accounts before its first call: nothing
// was sent, so the link is not listed as cut off (nothing to resume), but
// as sent nothing.
func TestQuittingDuringALinksReadsListsItAsUnsent(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "enter")
	h.mustShow("y yes")
	_, write := h.m.Update(keyPress("y")) // the root starts the write at once: its command held back
	if h.m.WritesInFlight() != 1 {
		t.Fatalf("%d writes in flight, want the link", h.m.WritesInFlight())
	}
	_, quit := h.m.Update(keyPress("ctrl+c"))
	h.m.Update(quit()) // every call cancelled, before the link's first read
	run(write)
	if got := h.m.WriteLabels(); len(got) != 0 {
		t.Errorf("a link that sent nothing is said to be cut off: %q", got)
	}
	if got := h.m.UnsentWriteLabels(); len(got) != 1 {
		t.Errorf("the link that sent nothing is not listed so: %q", got)
	}
	if n := h.srv.Stats().Requests[emulator.RouteLink]; n != 0 {
		t.Errorf("the link was sent %d times", n)
	}
}

// A group's accounts move with G, g, pgdn and pgup as every list does, not
// only with j and k.
func TestAGroupsAccountsMoveWithTheListKeys(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withBigMillerFamily, width: 60, height: 20})
	h.m.LoadReport(fixtureReportEdited(t, withBigMillerFamily))
	d := h.openGroup("the.millers@gmail.com")
	accounts := d.Group().Accounts
	first, last := accounts[0].UserID, accounts[len(accounts)-1].UserID
	for _, tt := range []struct{ key, want string }{{"G", last}, {"g", first}, {"pgdown", ""}, {"pgup", first}} {
		h.press(tt.key)
		got := d.Selected().UserID
		switch {
		case tt.want != "" && got != tt.want:
			t.Errorf("%s: the cursor is on %s, want %s", tt.key, got, tt.want)
		case tt.want == "" && got == first:
			t.Errorf("%s did not move the cursor", tt.key)
		}
	}
}

// A group filter that shows no account offers no key of one: the footer
// lists l (the group's link) and the filter's keys, and help says why the
// others are off.
func TestAGroupFilterShowingNoAccountOffersNoKeyOfOne(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 24})
	h.openGroup("maria.garcia@outlook.com")
	h.press("/")
	h.typeText("nobody")
	h.press("enter")
	h.mustShow("No account of this group matches the filter")
	footer := h.footer()
	for _, k := range []string{"u unlink", "D delete", "t ticket", "v ", "p choose", "y copy", "enter open"} {
		if strings.Contains(footer, k) {
			t.Fatalf("the footer offers %q with no account shown:\n%s", k, h.screen())
		}
	}
	h.press("?")
	h.mustShow("(off: the filter shows no account)")
}
