package views

import (
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
	"github.com/linkdesk/linkdesk/tui"
)

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

// D on her account says it too, in place of what to type: the user id
// typed and enter start nothing.
func TestDeleteOfAnAccountAnUnsettledWriteHoldsIsRefusedBeforeItIsTyped(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	openAlice(t, h)
	h.press("D")
	activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.mustRefuseAhead()
	if strings.Contains(h.screen(), "To delete, type") {
		t.Errorf("the refused deletion still asks for the account to be typed:\n%s", h.screen())
	}
	h.typeText(sessiontest.AliceDB)
	h.pressStartsNoWrite("enter")
	h.mustShowWhole(stillRefused)
	if _, ok := h.srv.GetUser(sessiontest.AliceDB); !ok {
		t.Fatal("alice's account was deleted")
	}
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
}

// t on her account says it too; y makes no ticket.
func TestTicketForAnAccountAnUnsettledWriteHoldsIsRefusedBeforeY(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	openAlice(t, h)
	h.press("t")
	activeIs[*TicketDialog](h, "t did not open the ticket dialog")
	h.mustRefuseInPlaceOf("Make a ticket for", "y")
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
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

// U on alice's link, made and unlinked in this session before another
// shell tried to link her again and was cut off before the tenant acted,
// says it too: its undo (her metadata put back) writes the accounts the
// cut-off link holds; y undoes nothing.
func TestUndoOfAnOperationAnUnsettledWriteHoldsIsRefusedBeforeY(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	linkAlice(h)
	h.press("esc", "u", "y")
	h.mustShow("✓ Done.")
	sessiontest.CutOffAlicesLinkUnmade(t, h.c.Backend.Session.Tenant, func(tn client.Tenant) *session.Session { return anotherShell(t, h, tn) })
	undoTheLinkBeforeTheCutOffOne(h)
	activeIs[*UndoDialog](h, "U did not open the undo")
	h.mustShow("The undo makes these 2 calls:")
	h.mustRefuseInPlaceOf("Undo it?", "y")
	h.press("esc")
	activeIs[*AuditLog](h, "esc did not go back to the audit log")
}

// Once `linkdesk resume` settles the cut-off link from another shell, the
// refused dialog left open stays refused, whether the root reads the
// journals again or y is pressed: a question that came back by itself
// would take a y typed at the refusal, and ask with what was read before
// the settling. esc, and the dialog opened again asks; y makes the ticket.
func TestARefusalAheadStandsUntilTheDialogIsOpenedAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	openAlice(t, h)
	h.tick(fixedNow.Add(time.Minute)) // the root reads the journals now and then: the cut-off write shows
	h.press("t")
	h.mustRefuseAhead()

	settleElsewhere(t, h)
	h.tick(fixedNow.Add(2 * time.Minute)) // the root sees it settled
	activeIs[*TicketDialog](h, "the ticket dialog closed")
	h.mustRefuseAhead()
	h.pressStartsNoWrite("y")
	h.mustShowWhole(stillRefused)

	h.press("esc")
	h.press("t")
	activeIs[*TicketDialog](h, "t did not open the ticket dialog again")
	if s := h.screen(); strings.Contains(s, linking.CheckUnsettledWrite) {
		t.Fatalf("opened again once settled, the dialog is refused still:\n%s", s)
	}
	h.mustShow("Make a ticket for")
	h.press("y")
	h.mustShow("✓ Ticket for ")
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

// The answer to a dialog's check ahead that arrives while help covers the
// dialog (? typed with the dialog's key) goes to help, not to the dialog:
// back on top, the dialog checks again rather than wait for it for good,
// and y unlinks.
func TestADialogCoveredWhileItsCheckWasOutChecksAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	check := unlinkSamsAccountRead(h)
	h.press("?")
	for _, msg := range check {
		h.send(msg) // heard by help, on top
	}
	h.press("esc")
	h.mustShow("Unlink google-oauth2|101202303404505606707")
	h.press("y")
	h.mustShow("✓ Done.")
}

// The unlink dialog's read of its account, answered while help covers it
// (? typed with u), is read again once the dialog is back on top: it does
// not stay "Reading the account by id…" for good.
func TestADialogCoveredWhileItsAccountWasReadReadsItAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	read := openSamsAccount(h)
	h.press("?")
	for _, msg := range run(read) {
		h.send(msg) // heard by help, on top
	}
	h.press("esc")
	h.mustShow("Unlink google-oauth2|101202303404505606707")
	h.press("y")
	h.mustShow("✓ Done.")
}

// The undo of a link says, under its unlink, what the unlink cannot give
// back as it was (the secondary is made anew: no login count or last
// login), as `linkdesk undo` prints it; the dialog left it out.
func TestTheUndoOfALinkSaysTheSecondaryComesBackAsANewAccount(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 50})
	linkAlice(h)
	h.press("3", "r")
	log := activeIs[*AuditLog](h, "3 did not show the audit log")
	if _, action, _ := log.Selected(); action != "link" {
		t.Fatalf("the newest call is no link:\n%s", h.screen())
	}
	h.press("U")
	activeIs[*UndoDialog](h, "U did not open the undo")
	h.mustShow("comes back as a new account: created now, with no login count or last")
}

// U on alice's link, made and unlinked in this session before another
// shell linked her again (cut off once the tenant acted): the link in
// force is that one's, so the undo is refused as taken apart already,
// naming the later link's op_id for `linkdesk undo` (its own undo waits
// for resume), and offers no y.
func TestUndoOfALinkTakenApartAndMadeAgainElsewhereIsRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	linkAlice(h)
	h.press("esc", "u", "y")
	h.mustShow("✓ Done.")
	cutOffLink(t, h)
	newest := undoTheLinkBeforeTheCutOffOne(h)
	activeIs[*UndoDialog](h, "U did not open the undo")
	h.mustShowWhole("refused (already_undone)", "was taken apart already, by the unlink call", "`linkdesk undo "+newest+"` undoes that")
	if strings.Contains(h.screen(), "y yes") {
		t.Errorf("the refused undo offers y:\n%s", h.screen())
	}
}

// undoTheLinkBeforeTheCutOffOne opens the audit log, read again, and
// presses U on the link before the newest call (a link cut off): it
// returns the newest call's op_id.
func undoTheLinkBeforeTheCutOffOne(h *harness) string {
	h.t.Helper()
	h.press("3", "r")
	log := activeIs[*AuditLog](h, "3 did not show the audit log")
	newest, action, _ := log.Selected()
	for i := 0; ; i++ {
		if op, a, _ := log.Selected(); a == "link" && op != newest {
			break
		}
		if i > 10 || action != "link" {
			h.t.Fatalf("no link before the cut-off one in the log:\n%s", h.screen())
		}
		h.press("j")
	}
	h.press("U")
	return newest
}
