package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// TestExplanationsWrapWhole: the sentences of the delete, link and quit
// dialogs (the undo's: TestAnUndoneOperationHasNothingLeftToUndo) that explain something wrap at 100 and 80 columns; none is
// cut with "…".
func TestExplanationsWrapWhole(t *testing.T) {
	for _, width := range []int{100, 80} {
		t.Run("delete", func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
			h.openGroup("alice.nguyen@gmail.com")
			h.press("D")
			h.mustShowWhole("the account auth0|63ea1f0b2c8d4e5f60718293 on Username-Password-Authentication, 14 logins, last 2026-10-20, created 2023-02-13")
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
// view under them. The ticket's result too: its URL, its warning, the
// addresses its metadata names and what y and esc do, nothing cut or left
// out.
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
		h.mustShowWhole("shared by 3 accounts. Auth0 sends nothing: the link is shown only here. Sent to that inbox, it reaches everyone who reads it and sets liam.miller's password: give it to that person by a channel only they read.",
			"the link could go there, if only they read it")
		h.mustShow("liam.miller.2011@outlook.com", "Make a ticket for liam.miller?")
		h.press("x")
		h.mustShowWhole("Press y to make the ticket or n to cancel (enter does not confirm); tab sets options.")
		h.mustShow("liam.miller.2011@outlook.com", "Make a ticket for liam.miller?")
		h.press("tab")
		h.mustShowWhole("Options: tab/↓ next · ↑ previous · space ticks · enter done")

		// The result, every line of it wrapped: its last line, what y and
		// esc do, was cut at the box's edge.
		for _, edit := range []func(*emulator.Tenant){nil, withSecondaryEmail} {
			h := newHarness(t, harnessOpts{tenant: true, edit: edit, width: 60, height: 20})
			h.openGroup("the.millers@gmail.com")
			h.press("j", "j", "t", "y")
			d := activeIs[*TicketDialog](h, "t did not open the ticket dialog")
			h.mustShow("✓ Ticket for liam.miller")
			if !strings.Contains(strings.ReplaceAll(flowed(h.screen()), " ", ""), d.URL()) { // wrapped where it has no space
				t.Fatalf("the URL is not whole:\n%s", h.screen())
			}
			h.mustShowWhole("The email is shared by 3 accounts: sent to that inbox, it reaches everyone who reads it and sets liam.miller's password. Give it to that person by a channel only they read; it works once.",
				"y copies it · esc closes (asking first: shown only here)")
			if edit != nil {
				h.mustShowWhole("The account's metadata names liam.miller.2011@outlook.com (user_metadata.secondary_email)")
			}
			for _, l := range strings.Split(h.screen(), "\n") {
				if strings.HasPrefix(l, "│") && strings.Contains(l, "…") {
					t.Fatalf("the result cuts a line or leaves lines out:\n%s", h.screen())
				}
			}
		}
	})
	t.Run("unlink", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("lena.fischer@gmail.com")
		h.press("u")
		h.mustShowWhole("Linked identity: lena.fischer@gmail.com (github|48151623) on github")
		h.press("x")
		h.mustShowWhole("Press y to unlink or n to cancel (enter does not confirm).")
		h.mustShow("y yes   n no (default)")

		h = newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.linkGroup("wei.zhang@gmail.com")
		h.press("esc", "u")
		h.mustShowWhole("Linked identities, oldest first; the newest is picked (j/k picks another):")
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

// TestOverviewAndGroupExplanationsWrapWhole: the overview's Missed line and
// its hint, the group screen's "No recommended primary" and its reasons,
// and the delete dialog's reason wrap whole at 100, 80 and 60 columns,
// never cut with "…" (a reason was cut at six lines with "……", and the
// pane then had nothing left to scroll to); at 60×20 every class stays in
// view under them.
func TestOverviewAndGroupExplanationsWrapWhole(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {80, 24}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			h.mustShowWhole("3 groups the Account Link Extension missed for good (newest account has logged in again)",
				"enter opens the list of the class under the cursor")
			h.mustShow("link candidate", "needs verification", "shared by design", "legacy duplicate", "mixed")

			h.openGroup("the.millers@gmail.com")
			h.mustShowWhole("No primary: each account is its own person, not one to link into another.") // a family: p and l are off
			// The pane scrolled to its end shows the reason's last words.
			h.press("tab")
			for range 12 {
				h.press("j")
			}
			h.mustShowWhole("username liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901); legitimate by design, not a link candidate")
			if strings.Contains(h.screen(), "……") {
				t.Fatalf("a reason is cut:\n%s", h.screen())
			}

			h.press("tab", "j", "D")
			h.mustShowWhole("Reason account deleted in the linkdesk TUI (its email is shared by design)")
			h.mustShow("> ")
		})
	}
}

// TestTitlesUseTheRoomTheyHave: at 100 columns the group's connections
// and the link wizard's steps are shown whole (they were cut at half the
// width, with room to spare), or the wizard says its step the short way.
func TestTitlesUseTheRoomTheyHave(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	h.mustShow("3 accounts on Username-Password-Authentication + github + google-oauth2")

	const long = "wei.zhang.with.a.longer.address@example.com"
	h = newHarness(t, harnessOpts{tenant: true, edit: func(tn *emulator.Tenant) {
		for _, u := range tn.Users {
			if u.Email == "wei.zhang@gmail.com" {
				u.Email = long
			}
		}
	}})
	h.send(h.startScan())
	h.openGroup(long)
	h.press("l")
	head := strings.Split(h.screen(), "\n")[1]
	if !strings.Contains(head, long) || strings.Contains(head, "…") {
		t.Fatalf("the wizard's title is cut: %q\n%s", head, h.screen())
	}
}

// TestConfirmationsAt60KeepEveryAccountWhole: at 60×20 the link
// confirmation gives up blank lines, never a line naming an account (the
// "into" line included), and says which accounts an override lets
// through; what is longer than the box (the explanation, the note naming
// every member of a family sharing the email) scrolls with ↑/↓ under a
// "more lines" line, never left out, the question in view; the undo of a
// deletion names the account it gives back and the ticket it makes with
// the user id whole, wrapped, and the ticket's call with the user id in
// its body, its calls whole where they scroll.
func TestConfirmationsAt60KeepEveryAccountWhole(t *testing.T) {
	noElision := func(h *harness) {
		h.t.Helper()
		for _, l := range strings.Split(h.screen(), "\n") {
			if strings.TrimSpace(strings.Trim(l, "│ ")) == "…" {
				h.t.Fatalf("the dialog leaves lines out:\n%s", h.screen())
			}
		}
	}
	t.Run("link of two secondaries", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l", "enter", "enter")
		h.mustShowWhole("secondary github|9007199254740993", "secondary google-oauth2|114455667788990011223",
			"into auth0|5f1a2b3c4d5e6f7081920a1b", "Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?", "y yes n no (default)")
		noElision(h)
		h.press("enter") // a hint too
		h.mustShowWhole("into auth0|5f1a2b3c4d5e6f7081920a1b", "Enter does not confirm: y links, n goes back.",
			"Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?")
		noElision(h)
	})
	t.Run("override", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.openGroup("maria.garcia@outlook.com")
		h.press("l", "enter")
		h.mustShow("refused: unverified_email")
		h.press("o", "enter")
		h.mustShowWhole("into ", "y yes n no (default)")
		noElision(h)
		h.press("G") // below the explanation
		h.mustShowWhole("The unverified-email check is overridden for this link: email not verified on auth0|672614a0b1c2d3e4f5061728.",
			"y yes n no (default)")
		noElision(h)
	})
	t.Run("family sharing the email", func(t *testing.T) {
		// Google's account into raj.patel, four other members of the
		// family sharing the email: the note naming them is longer than
		// the box holds (its end was left out, with "…").
		h := newHarness(t, harnessOpts{tenant: true, edit: withLargerPatelFamily, width: 60, height: 20})
		h.send(h.startScan())
		h.openGroup("patel.family@gmail.com")
		h.press("l")
		for w := activeIs[*LinkWizard](h, "l did not open the wizard"); w.ids[w.cursor] != "google-oauth2|112233445566778899001"; {
			h.press("j")
		}
		h.press("space", "enter", "enter")
		question := func() {
			h.t.Helper()
			h.mustShowWhole("Link google-oauth2|112233445566778899001 into raj.patel (auth0|63a1b2c3d4e5f60718293a4c)? y yes n no (default)")
			noElision(h)
		}
		question()
		h.mustShowWhole("secondary google-oauth2|112233445566778899001", "into raj.patel (auth0|63a1b2c3d4e5f60718293a4c)")
		h.mustShow("more lines (↓)")
		for i := 0; strings.Contains(h.screen(), "more line"); i++ {
			if i > 10 {
				t.Fatalf("↓ never reaches the end of the confirmation:\n%s", h.screen())
			}
			h.press("down")
			question()
		}
		h.mustShowWhole("Note: 4 other accounts share the email patel.family@gmail.com (priya.patel (auth0|63a1b2c3d4e5f60718293a50), " +
			"dev.patel (auth0|63a1b2c3d4e5f60718293a51), meera.patel (auth0|63a1b2c3d4e5f60718293a52), anika.patel (auth0|63a1b2c3d4e5f60718293a4d)): whoever signs in with " +
			"google-oauth2|112233445566778899001 gets into the account raj.patel (auth0|63a1b2c3d4e5f60718293a4c) alone.")
		h.press("enter") // a hint, the question still in view
		h.mustShowWhole("Enter does not confirm: y links, n goes back.")
		question()
		for range 10 {
			h.press("up")
		}
		h.mustShowWhole("secondary google-oauth2|112233445566778899001")
		question()
	})
	t.Run("undo of a deletion", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.deleteEmma()
		h.press("esc", "3", "U")
		activeIs[*UndoDialog](h, "U did not open the undo")
		h.mustShowWhole("restore "+emmaMiller+" (username emma.miller)", "Undo it? y yes n no (default)")
		// Scrolled to, below the restore's call whole.
		for range 30 {
			if strings.Contains(flowed(h.screen()), "password-change ticket for "+emmaMiller+" (username emma.miller)") {
				break
			}
			h.press("down")
		}
		h.mustShowWhole("password-change ticket for "+emmaMiller+" (username emma.miller)", "Undo it? y yes n no (default)")
		// Scrolled to (past the ticket's notes: a family member's says where its URL goes).
		for range 12 {
			if showsCall(h.screen(), `POST /api/v2/tickets/password-change {"user_id":"`+emmaMiller+`"}`) {
				break
			}
			h.press("down")
		}
		if !showsCall(h.screen(), `POST /api/v2/tickets/password-change {"user_id":"`+emmaMiller+`"}`) {
			t.Fatalf("the ticket's call is not whole:\n%s", h.screen())
		}
		h.mustShowWhole("Undo it? y yes n no (default)")
	})
}

// withLargerPatelFamily gives the Patel family (raj.patel and anika.patel
// on family-accounts, sharing patel.family@gmail.com with a Google
// account) three more members, priya.patel, dev.patel and meera.patel.
func withLargerPatelFamily(t *emulator.Tenant) {
	for _, u := range t.Users {
		if u.UserID != "auth0|63a1b2c3d4e5f60718293a4c" { // raj.patel
			continue
		}
		for i, name := range []string{"priya.patel", "dev.patel", "meera.patel"} {
			member := *u
			id := fmt.Sprintf("63a1b2c3d4e5f60718293a5%d", i)
			member.UserID, member.Username, member.Name = "auth0|"+id, name, name
			member.Identities = []emulator.Identity{u.Identities[0]}
			member.Identities[0].UserID = emulator.IdentityID{Value: id}
			t.Users = append(t.Users, &member)
		}
		return
	}
}
