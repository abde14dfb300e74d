package views

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/session/sessiontest"
)

func TestEnterDoesNotConfirmAnUnlink(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("lena.fischer@gmail.com")
	h.press("u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.mustShow("Unlink github|48151623 from auth0|61a1b2c3d4e5f60718293a4b?", "y yes   n no (default)")
	h.press("enter", "enter")
	if u.exec.started || h.m.WritesInFlight() != 0 || len(auditRecords(t, h)) != 0 {
		t.Fatal("enter unlinked")
	}
	h.mustShow("enter does not confirm")
	h.press("n")
	activeIs[*Detail](h, "n did not close the unlink dialog")
}

func TestUnlinkPicksTheIdentityLinkedLast(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("wei.zhang@gmail.com")
	h.press("esc", "u")
	u := h.active().(*Unlink)
	if u.Selected() != "google-oauth2|114455667788990011223" {
		t.Fatalf("the picker starts on %s, want the identity linked last", u.Selected())
	}
	h.mustShow("▸ wei.zhang@gmail.com google-oauth2|114455667788990011223", "newest") // its old profile's email
	h.press("y")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser("google-oauth2|114455667788990011223"); !ok {
		t.Fatal("the identity linked last did not come back as an account")
	}
}

// An account found with f unlinks from its own screen: Sam's Google
// identity is linked into his database account, and no other account has
// his email, so no group screen would ever offer the unlink.
func TestUnlinkFromAnAccountWithoutAGroup(t *testing.T) {
	const sam, google = "auth0|60d5ec49f1a2b3c4d5e6f708", "google-oauth2|101202303404505606707"
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	h.mustShow("Account sam.taylor@gmail.com ("+sam+")", "no other account has this email", "u unlink ·")
	h.press("u")
	activeIs[*Unlink](h, "u on an account with a linked identity did not open the unlink dialog")
	h.mustShow("Unlink an identity from sam.taylor@gmail.com", "Linked identity: ", google)
	h.press("y")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser(google); !ok {
		t.Fatal("the identity did not come back as an account")
	}
	// Back on the account, read again: nothing is linked into it now.
	h.press("esc")
	a := activeIs[*Account](h, "esc did not go back to the account")
	if a.Loaded() == nil || len(a.Loaded().User.Linked()) != 0 {
		t.Fatalf("the account still shows a linked identity:\n%s", h.screen())
	}
	h.press("u")
	activeIs[*Account](h, "u opened a dialog with nothing to unlink")
	h.mustShow("has no linked identity to unlink")
}

// The unlink dialog shows every call it makes: from a blocked primary, the
// identity is blocked once it is back, and it is.
func TestAnUnlinkFromABlockedPrimaryShowsAndMakesTheBlock(t *testing.T) {
	const lena = "auth0|61a1b2c3d4e5f60718293a4b"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40, edit: editUser(lena, func(u *emulator.User) { u.Blocked = emulator.FlagTrue })})
	h.openGroup("lena.fischer@gmail.com")
	h.press("u")
	activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.mustShow("comes back blocked too", "call: DELETE /api/v2/users/auth0%7C61a1b2c3d4e5f60718293a4b/identities/github/48151623",
		`then: PATCH /api/v2/users/github%7C48151623 {"blocked":true}`)
	h.press("y")
	h.mustShow("✓ Done.")
	if u, ok := h.srv.GetUser("github|48151623"); !ok || !u.Blocked.Bool() {
		t.Fatalf("the identity of a blocked primary came back unblocked (or not at all: %v)", ok)
	}
}

// With alice's link cut off and not settled, u on her account says at
// once that the unlink would be refused (unsettled_write), and how to
// settle it; y starts nothing.
func TestUnlinkOfAnAccountAnUnsettledWriteHoldsIsRefusedBeforeY(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	openAlice(t, h)
	h.press("u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.mustShow(sessiontest.AliceGoogle)
	h.mustRefuseAhead()
	if strings.Contains(h.screen(), "y yes") {
		t.Errorf("the refused unlink still asks y/n:\n%s", h.screen())
	}
	h.pressStartsNoWrite("y")
	if u.exec.started {
		t.Fatal("y started the unlink")
	}
	h.mustShowWhole(stillRefused)
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
}

// y typed once the unlink dialog has read the account, but before the
// journals are read, unlinks nothing and says so; once they are read
// (nothing holds the account) the question stands without that hint, and
// y unlinks.
func TestYTypedBeforeTheJournalsAreReadUnlinksNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	check := unlinkSamsAccountRead(h)
	if len(check) == 0 {
		t.Fatal("the account read, the dialog did not read the journals")
	}
	h.pressStartsNoWrite("y")
	h.mustShow("Still reading the journals")
	for _, msg := range check {
		h.send(msg)
	}
	if s := h.screen(); strings.Contains(s, "Still reading") {
		t.Fatalf("a stale hint once the journals are read:\n%s", s)
	}
	h.mustShow("Unlink google-oauth2|101202303404505606707")
	h.press("y")
	h.mustShow("✓ Done.")
}

// linkAliceIntoGoogle links alice.nguyen's database account into her
// Google one (p on it first), and opens the unlink dialog on the Google
// account: its identity is the database account, the user id of each
// long, and its email shared by both.
func linkAliceIntoGoogle(h *harness) {
	h.t.Helper()
	h.selectAccount(h.openGroup("alice.nguyen@gmail.com"), aliceGoogle)
	h.press("p", "l", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc", "u")
	activeIs[*Unlink](h, "u did not open the unlink dialog")
}

// TestTheUnlinkDialogShowsBothAccountsWhole: at 60×20, 80×24 and 100×30
// the title and the question name both accounts with their user ids whole
// (wrapped, never cut), the note is whole and never ends in "……", and the
// question's y/n stays on screen, a hint under it too.
func TestTheUnlinkDialogShowsBothAccountsWhole(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			linkAliceIntoGoogle(h)
			whole := func() {
				t.Helper()
				h.mustShowWhole("Unlink an identity from alice.nguyen@gmail.com ("+aliceGoogle+")",
					"Unlink "+aliceDB+" from alice.nguyen@gmail.com ("+aliceGoogle+")?",
					"y yes n no (default)")
				if scr := h.screen(); strings.Contains(scr, "……") {
					t.Fatalf("a line ends in a doubled ellipsis:\n%s", scr)
				}
			}
			whole()
			// The note whole; linkdesk made the link, so a note of its own
			// follows, and at 60×20 the notes scroll to it.
			if !strings.Contains(flowed(h.screen()), "this unlink's own undo links it again") {
				h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
			}
			h.mustShowWhole("this unlink's own undo links it again")
			h.press("enter") // enter does not confirm: a hint, under the question
			whole()
			h.mustShowWhole("Press y to unlink or n to cancel (enter does not confirm).")
		})
	}
}

// TestTheUnlinkDialogScrollsWhatDoesNotFit: at 60×20, with a hint under
// the question, the identities and the note no longer fit: the question
// and its y/n stay in view, and pgdn scrolls the rest.
func TestTheUnlinkDialogScrollsWhatDoesNotFit(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	linkAliceIntoGoogle(h)
	h.press("enter")
	h.mustShowWhole("Unlink "+aliceDB+" from alice.nguyen@gmail.com ("+aliceGoogle+")?", "y yes n no (default)")
	h.mustShow("more lines (pgdn)")
	h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
	h.mustShowWhole("links it again", "Unlink "+aliceDB+" from alice.nguyen@gmail.com ("+aliceGoogle+")?", "y yes n no (default)")
}

// TestTheUnlinkOfOneIdentityNamesItWholeInTheLinesItHas: at 60×20 an
// account with one linked identity spent four lines on a table to pick it
// from ("oldest first; the newest is picked (j/k picks another)"), which
// cut its names ("alice.nguyen…", "Usern…"). The identity is now named
// whole in a sentence, in three; one pgdn goes through the notes to the
// call (two did, before the notes said it in fewer words), the question
// and its y/n in view on both pages; j/k, with nothing to pick, leaves
// the footer. Two identities keep the table.
func TestTheUnlinkOfOneIdentityNamesItWholeInTheLinesItHas(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	linkAliceIntoGoogle(h)
	h.mustShowWhole("Linked identity: alice.nguyen@gmail.com (" + aliceDB + ") on Username-Password-Authentication")
	if scr := h.screen(); strings.Contains(scr, "oldest first") || helpLine(scr, "j/k", "pick the identity") {
		t.Fatalf("one identity is offered to pick:\n%s", scr)
	}
	for page := 0; ; page++ {
		h.mustShowWhole("Unlink "+aliceDB+" from alice.nguyen@gmail.com ("+aliceGoogle+")?", "y yes n no (default)")
		if !strings.Contains(h.screen(), "more lines (pgdn)") {
			break
		}
		if page == 1 {
			t.Fatalf("pgdn takes more than one page to reach the call:\n%s", h.screen())
		}
		h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	if !showsCall(h.screen(), "call: DELETE /api/v2/users/google-oauth2%7C108812345678901234567/identities/auth0/63ea1f0b2c8d4e5f60718293") {
		t.Fatalf("the last page does not end with the call:\n%s", h.screen())
	}

	h = newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.linkGroup("wei.zhang@gmail.com")
	h.press("esc", "u")
	activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.mustShowWhole("Linked identities, oldest first; the newest is picked (j/k picks another):")
	h.mustShow("j/k pick the identity")
}

// y typed with the u that opens the unlink dialog, before it has read the
// account, unlinks nothing and says it is still reading; once read, the
// question stands without a stale "Nothing to unlink".
func TestYTypedBeforeTheUnlinkDialogReadsUnlinksNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	h.mustShow("u unlink ·")
	_, read := h.m.Update(keyPress("u"))
	h.press("y")
	h.mustShow("Still reading the account")
	h.send(read)
	activeIs[*Unlink](h, "the unlink dialog closed")
	if strings.Contains(h.screen(), "Nothing to unlink") || strings.Contains(h.screen(), "Still reading") {
		t.Fatalf("a stale hint once the account is read:\n%s", h.screen())
	}
	h.mustShow("Unlink google-oauth2|101202303404505606707")
	if n := h.srv.Stats().Requests[emulator.RouteUnlink]; n != 0 {
		t.Fatalf("%d unlink calls before the account was read", n)
	}
}

// withAliceAccess gives alice.nguyen's Google account the role support and
// a membership of Beta, which a link into her database account carries
// over to it.
func withAliceAccess(t *emulator.Tenant) {
	t.Roles = append(t.Roles, &emulator.Role{ID: "rol_support", Name: "support"})
	t.Organizations = append(t.Organizations, &emulator.Organization{ID: "org_beta", Name: "beta", DisplayName: "Beta"})
	editUser(aliceGoogle, func(u *emulator.User) { u.Roles, u.Organizations = []string{"rol_support"}, []string{"org_beta"} })(t)
}

// TestUnlinkOfALinkLinkdeskMadePointsToThatLinksUndo: u on an identity
// linkdesk linked offered itself as "undo a link made by mistake", yet gave
// back no metadata, roles or memberships (the primary kept them), which
// only U on the link's record does. The dialog now says what stays with the
// primary and which record's U gives it back, its reason promises no undo;
// the plain unlink leaves them with the primary as said, and that U, taken
// after it, gives them back.
func TestUnlinkOfALinkLinkdeskMadePointsToThatLinksUndo(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40, edit: withAliceAccess})
	h.linkGroup("alice.nguyen@gmail.com")
	var link string
	for _, r := range auditRecords(t, h) {
		if r.Action == "link" {
			link = r.OpID
		}
	}
	if link == "" {
		t.Fatal("no audit record of the link")
	}
	h.press("esc", "u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	if u.Selected() != aliceGoogle {
		t.Fatalf("the unlink picks %s, want %s", u.Selected(), aliceGoogle)
	}
	h.mustShowWhole(
		"Linked identity: alice.nguyen@gmail.com ("+aliceGoogle+")",
		"Unlink an identity from alice.nguyen@gmail.com ("+aliceDB+")",
		"the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history",
		"the primary keeps what the link gave it: the merged metadata, the role support and the membership of Beta",
		"linkdesk made this link on ",
		", by tester; its undo (U on its audit record, or `linkdesk undo "+link+"`) gives the account back its metadata, the role support and the membership of Beta, and takes back what the link gave the primary, unlike this unlink, even after it",
		"Reason identity unlinked in the linkdesk TUI")
	if strings.Contains(h.screen(), "undo a link") {
		t.Fatalf("the unlink's reason still calls it an undo:\n%s", h.screen())
	}

	// The plain unlink: the account comes back bare, the primary keeps
	// what the link gave it.
	h.press("y")
	h.mustShow("✓ Done.")
	holds := func(id string) (roles, orgs []string, meta string) {
		t.Helper()
		usr, ok := h.srv.GetUser(id)
		if !ok {
			t.Fatalf("%s is not an account", id)
		}
		return usr.Roles, usr.Organizations, string(usr.UserMetadata) + string(usr.AppMetadata)
	}
	if roles, orgs, meta := holds(aliceGoogle); len(roles)+len(orgs) != 0 || strings.Contains(meta, "vi") {
		t.Fatalf("the plain unlink gave %s back roles %v, organizations %v or metadata %s", aliceGoogle, roles, orgs, meta)
	}
	if roles, orgs, _ := holds(aliceDB); !slices.Contains(roles, "rol_support") || !slices.Contains(orgs, "org_beta") {
		t.Fatalf("after the plain unlink %s holds roles %v, organizations %v: not what the link gave it", aliceDB, roles, orgs)
	}

	// U on that record, as the note said: the account gets them back, the
	// primary gives them up.
	h.press("esc", "3", "/")
	h.typeText(link)
	h.press("enter", "U")
	activeIs[*UndoDialog](h, "U on the link's record did not open its undo")
	h.press("y")
	h.mustShow("✓ Done.")
	if roles, orgs, meta := holds(aliceGoogle); !slices.Contains(roles, "rol_support") || !slices.Contains(orgs, "org_beta") || !strings.Contains(meta, `"vi"`) {
		t.Fatalf("after the link's undo %s holds roles %v, organizations %v, metadata %s", aliceGoogle, roles, orgs, meta)
	}
	if roles, orgs, _ := holds(aliceDB); slices.Contains(roles, "rol_support") || slices.Contains(orgs, "org_beta") {
		t.Fatalf("after the link's undo %s still holds roles %v, organizations %v", aliceDB, roles, orgs)
	}
}

// An identity linked before linkdesk (Sam's Google one) has no link of
// linkdesk's to point to: the notes say what an unlink leaves behind, and
// name no undo of a link.
func TestUnlinkOfAnIdentityLinkdeskDidNotLinkPointsToNoUndo(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter", "u")
	activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.mustShowWhole("Linked identity: sam.taylor@gmail.com (google-oauth2|101202303404505606707)",
		"the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history; its undo (`linkdesk undo`, or U in the audit log) links it again")
	if strings.Contains(h.screen(), "linkdesk made this link") {
		t.Fatalf("an identity linkdesk never linked is said linked by it:\n%s", h.screen())
	}
}

// noteLines are the lines of the notes on the screen: from the first
// note to the call.
func noteLines(screen string) []string {
	var notes []string
	for _, l := range strings.Split(screen, "\n") {
		switch t := strings.TrimSpace(l); {
		case strings.HasPrefix(t, "call:"):
			return notes
		case len(notes) > 0 || strings.HasPrefix(t, "note:"):
			notes = append(notes, l)
		}
	}
	return notes
}

// TestTheUnlinkNotesOfALinkLinkdeskMadeFitAt60Columns: testers found the
// notes of an unlink of an identity linkdesk linked took 14 lines at 60
// columns (the link's op id twice, the primary's user id twice, which the
// title and the question show), two pgdn at 60×20. They say every fact in
// fewer: what comes back and what does not, that what the link gave the
// primary stays with it, that this unlink's undo links it again, who
// linked it and when, and how to reach the link's undo (its op id once)
// and what it gives back that this unlink does not.
func TestTheUnlinkNotesOfALinkLinkdeskMadeFitAt60Columns(t *testing.T) {
	for _, c := range []struct {
		name    string
		edit    func(*emulator.Tenant)
		most    int
		carried string // what the link gave the primary
		back    string // what the link's undo gives the account back, and the "and" after it
	}{
		{"metadata", nil, 9, "the merged metadata", "its metadata and"},
		{"roles and memberships", withAliceAccess, 11, "the merged metadata, the role support and the membership of Beta", "its metadata, the role support and the membership of Beta, and"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 40, edit: c.edit})
			h.linkGroup("alice.nguyen@gmail.com")
			var link string
			for _, r := range auditRecords(t, h) {
				if r.Action == "link" {
					link = r.OpID
				}
			}
			h.press("esc", "u")
			activeIs[*Unlink](h, "u did not open the unlink dialog")
			scr := h.screen()
			notes := noteLines(scr)
			t.Logf("%d lines of notes at 60 columns:\n%s", len(notes), strings.Join(notes, "\n"))
			if len(notes) == 0 || len(notes) > c.most || strings.Contains(scr, "more lines (pgdn)") {
				t.Fatalf("the notes take %d lines at 60 columns, want at most %d:\n%s", len(notes), c.most, scr)
			}
			// The two accounts named above the notes, which call them the
			// identity and the primary.
			h.mustShowWhole("Unlink an identity from alice.nguyen@gmail.com ("+aliceDB+")",
				"Linked identity: alice.nguyen@gmail.com ("+aliceGoogle+")")
			f := flowed(strings.Join(notes, "\n"))
			for _, fact := range []string{
				"the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history",
				"the primary keeps what the link gave it: " + c.carried + ";",
				"this unlink's own undo links it again",
				"its undo (U on its audit record, or `linkdesk undo " + link + "`)",
				"gives the account back " + c.back + " takes back what the link gave the primary, unlike this unlink, even after it",
			} {
				if !strings.Contains(f, fact) {
					t.Errorf("the notes do not say %q:\n%s", fact, f)
				}
			}
			if !regexp.MustCompile(`linkdesk made this link on \d{4}-\d\d-\d\d \d\d:\d\d UTC, by tester;`).MatchString(f) {
				t.Errorf("the notes do not say who made the link and when:\n%s", f)
			}
			if n := strings.Count(f, link); n != 1 {
				t.Errorf("the notes name the link's op id %d times, want once:\n%s", n, f)
			}
			if n := strings.Count(f, aliceDB); n != 0 {
				t.Errorf("the notes name the primary's user id %d times (the title and the question do):\n%s", n, f)
			}
		})
	}
}
