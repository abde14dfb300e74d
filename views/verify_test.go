package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/session/sessiontest"
	"github.com/linkdesk/linkdesk/tui"
)

// The scan showed the account unverified; the person verified it since.
// The send reads the account again and refuses: no email goes out.
func TestVerifyIsRefusedForAnAccountVerifiedSinceTheScan(t *testing.T) {
	const maria = "auth0|672614a0b1c2d3e4f5061728"
	h := newHarness(t, harnessOpts{tenant: true, edit: editUser(maria, func(u *emulator.User) { u.EmailVerified = emulator.FlagTrue })})
	h.openGroup("maria.garcia@outlook.com")
	h.press("j", "v")
	h.mustShow("Send the verification email", "Account auth0|672614a0b1c2d3e4f5061728")
	h.press("y")
	h.mustShow("refused (already_verified)")
	if n := h.srv.Stats().Requests["POST /api/v2/jobs/verification-email"]; n != 0 {
		t.Fatalf("%d verification jobs sent to a verified account", n)
	}
}

func TestVerifySendsTheJobForAnUnverifiedAccount(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("maria.garcia@outlook.com")
	h.mustShow("v sends the verification email")
	h.press("v") // the cursor is on github|5832311, verified
	h.mustShow("The email of ", "github|5832311", "is verified already")
	h.press("j", "v")
	h.mustShow("Send the verification email", "To      maria.garcia@outlook.com", "Account auth0|672614a0b1c2d3e4f5061728")
	h.press("enter")
	if n := h.srv.Stats().Requests["POST /api/v2/jobs/verification-email"]; n != 0 {
		t.Fatal("enter sent the email")
	}
	h.press("y")
	if n := h.srv.Stats().Requests["POST /api/v2/jobs/verification-email"]; n != 1 {
		t.Fatalf("%d verification jobs, want 1", n)
	}
	recs := auditRecords(t, h)
	if len(recs) != 2 || recs[0].UserIDs[0] != "auth0|672614a0b1c2d3e4f5061728" || recs[0].Reason == "" {
		t.Fatalf("audit records: %+v", recs)
	}
}

// In a family, v names the member (its username), not the email the family
// shares, and does not promise a link a shared-by-design group never gets.
func TestVerifyNamesTheFamilyMember(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.openGroup("the.millers@gmail.com")
	h.press("v") // mike.miller, verified
	h.mustShow("The email of mike.miller", "is verified already")
	h.press("j", "v") // emma.miller, not verified
	h.mustShow("Send the verification email", "emma.miller", "counts as verified for this account")
	if strings.Contains(h.screen(), "can be linked") {
		t.Fatalf("the dialog promises a link in a family:\n%s", h.screen())
	}
}

// v on her database account (unverified as the scan saw it) says it too;
// y sends nothing.
func TestVerificationEmailOfAnAccountAnUnsettledWriteHoldsIsRefusedBeforeY(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.m.LoadReport(fixtureReportOf(t, fixturePath, editUser(sessiontest.AliceDB, func(u *emulator.User) { u.EmailVerified = emulator.FlagFalse })))
	cutOffLink(t, h)
	d := h.openGroup("alice.nguyen@gmail.com")
	h.selectAccount(d, sessiontest.AliceDB)
	h.press("v")
	if _, ok := h.active().(*tui.Confirm); !ok {
		t.Fatalf("v did not ask to send the verification email:\n%s", h.screen())
	}
	h.mustShow("Send the verification email")
	h.mustRefuseInPlaceOf("Send it?", "y")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
}

// At 60×20, the smallest window the screens are laid out for, what a
// tester found cut or dropped reads whole.

// The yes/no question's hint, shown after a key that does not answer it,
// wraps whole: it was cut before "confirm)", the words that say enter
// does not confirm.
func TestTheYesNoHintReadsWholeAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
	h.press("v", "enter")
	h.mustShowWhole("Press y to confirm or n to cancel (enter does not confirm).")
	h.mustShow("Send it?")
}

// TestTheVerificationDialogSaysTheInboxIsShared: whoever reads an inbox
// that other accounts share follows the verification link Auth0 sends
// there: the v dialog says so under the address, at 100×30 and 60×20; the
// same account's ticket, which Auth0 sends nowhere, says the link must not
// go there; an address no other account has gets no such line.
func TestTheVerificationDialogSaysTheInboxIsShared(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			h.openGroup("maria.garcia@outlook.com")
			h.press("j", "v")
			activeIs[*tui.Confirm](h, "v did not open the verification dialog")
			h.mustShowWhole("To maria.garcia@outlook.com shared by 2 accounts: anyone reading that inbox verifies this account")
			h.press("esc", "t") // the same account's ticket says it in the same words
			activeIs[*TicketDialog](h, "t did not open the ticket dialog")
			h.mustShowWhole("shared by 2 accounts. Auth0 sends nothing: the link is shown only here. Sent to that inbox, it reaches everyone who reads it and sets this account's password: give it to that person by a channel only they read.")
		})
	}
	t.Run("an inbox of its own", func(t *testing.T) {
		h := newHarness(t, harnessOpts{})
		h.send(askVerify(h.c, "auth0|nobody", false, "someone.alone@example.com"))
		activeIs[*tui.Confirm](h, "askVerify did not open the dialog")
		if strings.Contains(h.screen(), "shared by") {
			t.Fatalf("an address no other account has is said to be shared:\n%s", h.screen())
		}
	})
}

// In a question (the verification dialog's y/n), / opens nothing above it
// (it opened find, the question under it): it waits, and the letters
// typed after it are a search, dropped until esc, so that y answers
// nothing (/ivy sent the email); after esc the question stands.
func TestSlashInAQuestionOpensNothingAndTheLettersNeverAnswerIt(t *testing.T) {
	for _, ahead := range []bool{false, true} {
		h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
		d := h.openGroup("maria.garcia@outlook.com")
		h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728") // unverified
		h.press("v")
		h.mustShow("Send the verification email")
		if ahead {
			h.pressAhead("/", "i", "v", "y")
		} else {
			h.press("/", "i", "v", "y")
		}
		activeIs[*tui.Confirm](h, "/ivy in the verification dialog left it")
		if verificationJobs(h) != 0 || h.m.WritesInFlight() != 0 {
			t.Fatalf("/ivy in the verification dialog sent it:\n%s", h.screen())
		}
		h.mustShow("y dropped: typed after /, it answers nothing (esc, then y or n).")
		h.press("esc") // the question, still unanswered
		activeIs[*tui.Confirm](h, "esc after /ivy closed the question")
		h.mustShow("Send the verification email", "The question stands: y or n.")
		if verificationJobs(h) != 0 {
			t.Fatal("the verification email went out")
		}
		h.press("y") // its own key answers it now
		h.mustShow("verification email")
		if verificationJobs(h) != 1 {
			t.Fatalf("y after esc sent %d emails", verificationJobs(h))
		}
	}
}

// Keys a terminal delivers in one read with the key that answers a
// question or opens a screen go to what is on screen after it, never a
// second time to the question: yy sends one verification email and
// leaves the group open.
func TestYYInTheVerificationQuestionSendsOneEmail(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728") // unverified
	h.press("v")
	h.mustShow("Send the verification email")
	h.pressAhead("y", "y")
	if n := verificationJobs(h); n != 1 {
		t.Fatalf("yy sent %d verification emails, want 1:\n%s", n, h.screen())
	}
	activeIs[*Detail](h, "the second y closed the group too")
}
