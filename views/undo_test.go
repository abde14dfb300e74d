package views

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
	"github.com/linkdesk/linkdesk/tui"
)

func TestUndoInTheAuditLogUnlinksALink(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	linkAlice(h)
	if _, ok := h.srv.GetUser("google-oauth2|108812345678901234567"); ok {
		t.Fatal("the link did not happen")
	}
	h.press("3")
	a := h.active().(*AuditLog)
	if _, action, _ := a.Selected(); action != linking.ActionLink {
		t.Fatalf("the newest call is a %s", action)
	}
	h.press("U")
	h.mustShow("Undo link of", "unlink google-oauth2|108812345678901234567 from auth0|63ea1f0b2c8d4e5f60718293", "Undo it?")
	h.press("enter")
	h.mustShow("enter does not confirm")
	h.press("y")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser("google-oauth2|108812345678901234567"); !ok {
		t.Fatal("the undo did not bring the secondary back")
	}
	// The groups show it too, as they do after any write, not the link undone.
	if acc, g := h.c.Data.Account("google-oauth2|108812345678901234567"); acc == nil || len(g.Accounts) != 2 {
		t.Fatal("after the undo, the groups still show the secondary linked away")
	}
	// Back on the log, read again: the undo's own calls are the newest.
	before := a.Entries()
	h.press("esc")
	if _, action, _ := activeIs[*AuditLog](h, "esc did not go back to the log").Selected(); a.Entries() <= before || action == linking.ActionLink {
		t.Fatalf("the log still shows %d calls, the newest a %s:\n%s", a.Entries(), action, h.screen())
	}
}

// U on one step of an operation (the metadata merge before a link) undoes
// the whole operation, and says so: the link, not the merge.
func TestUndoOfAStepNamesItsOperation(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata})
	// Before its plan is read, the dialog cannot name the operation of a step.
	if got := NewUndoDialog(h.c, "op", linking.ActionPatchMetadata, "alice").what(); got != "the operation of alice" {
		t.Errorf("an undo not yet read is titled %q", got)
	}
	linkAlice(h)
	h.press("3", "j")
	if _, action, _ := activeIs[*AuditLog](h, "3 did not open the audit log").Selected(); action != linking.ActionPatchMetadata {
		t.Fatalf("the second newest call is a %s, want the merge", action)
	}
	h.press("U")
	h.mustShow("Undo link of", "unlink google-oauth2|108812345678901234567 from auth0|63ea1f0b2c8d4e5f60718293",
		"Reason undo of an operation made by mistake, in the linkdesk TUI")
	// A ticket changed no data: the undo says so, and sends nothing.
	h.press("esc", "esc")
	h.openGroup("the.millers@gmail.com")
	h.press("t", "y")
	h.mustShow("✓ Ticket for mike.miller")
	recs := auditRecords(t, h) // newest first
	if last := recs[0]; last.Action != linking.ActionTicket || last.Names[last.UserIDs[0]] != "username mike.miller" {
		t.Errorf("the ticket's audit record names its account %q, not by username", last.Names)
	}
	writes := len(recs)
	h.press("esc")
	h.mustShow("Leave and lose it?", "the ticket URL") // shown nowhere else
	h.press("y", "3")
	before := h.above()
	h.press("U") // said in one line, with no dialog to refuse it
	h.mustTell("U", "Nothing to undo: a ticket changes no data.", before)
	activeIs[*AuditLog](h, "U on a ticket opened a dialog")
	if n := len(auditRecords(t, h)); n != writes {
		t.Fatalf("U on a ticket wrote %d audit records", n-writes)
	}
}

// What an undo would overwrite is shown whole, however long, at 80
// columns: y overwrites it, so every word of it must be readable.
func TestAnUndoShowsWhatItWouldOverwriteWhole(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata, width: 80, height: 24})
	linkAlice(h)
	now := "America/Argentina/Buenos_Aires, set by the person after the link"
	setMetadata(t, h, aliceDB, map[string]any{"timezone": now}, nil)
	h.press("3", "U")
	h.mustShow("changed since the operation (listed above)")
	flat := strings.Join(strings.Fields(h.screen()), " ")
	if !strings.Contains(flat, `user_metadata.timezone`) || !strings.Contains(flat, `"`+now+`" now (changed since)`) {
		t.Fatalf("the conflict is not shown whole:\n%s", h.screen())
	}
}

// The undo carried out is the one shown: a change to the tenant after the
// dialog showed the undo (a second conflict, which no one saw) stops it at
// the step that would overwrite it, and the value set since is kept. The
// conflict that was shown does not let the unseen one through.
func TestAnUndoIsCarriedOutAsShownOrNotAtAll(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata, width: 100, height: 30})
	linkAlice(h)
	setMetadata(t, h, aliceDB, map[string]any{"timezone": "Asia/Tokyo"}, nil)
	h.press("3", "U")
	h.mustShow("Force the undo?", "1 thing changed since the operation")
	setMetadata(t, h, aliceDB, nil, map[string]any{"roles": []any{"user", "billing", "support"}})
	h.press("F")
	h.mustShow("changed_since_plan")
	// In the screen's words: the operator made no plan here (tester: "make
	// a new plan", the command line's advice).
	if s := h.screen(); strings.Contains(s, "make a new plan") || !strings.Contains(s, "the accounts changed since you reviewed them") {
		t.Errorf("the refusal speaks of a plan:\n%s", s)
	}
	u, _ := h.srv.GetUser(aliceDB)
	if !strings.Contains(string(u.AppMetadata), `"roles":["user","billing","support"]`) {
		t.Fatalf("the undo overwrote a value set after it was shown: %s", u.AppMetadata)
	}
}

// While the undo is read, its footer offers no y, and the "still reading"
// hint goes once the plan is there.
func TestAnUndoBeingReadOffersNoY(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	u := NewUndoDialog(h.c, "op", linking.ActionLink, "alice")
	u.loading = true
	for _, g := range u.Help() {
		for _, b := range g.Bindings {
			if b.Help().Desc == "undo it" {
				t.Fatal("the footer offers y while the undo is read")
			}
		}
	}
	u.key(keyPress("y"))
	if u.hint == "" {
		t.Fatal("y while reading says nothing")
	}
	u.tookPreview(tui.UndoPreviewMsg{Plan: h.c.Backend.Session.NewPlan()})
	if u.hint != "" {
		t.Fatalf("the hint %q stays once the plan is read", u.hint)
	}
}

// TestAnUndoWithAConflictIsRefusedUnlessForced: an undo that would overwrite
// a value set since the operation is refused on y, as the CLI refuses it
// without --force; F forces it, and the audit log records the override.
func TestAnUndoWithAConflictIsRefusedUnlessForced(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata, width: 100, height: 30})
	linkAlice(h)
	setMetadata(t, h, aliceDB, map[string]any{"timezone": "Asia/Tokyo"}, nil)
	h.press("3", "U")
	h.mustShow(`"Asia/Tokyo" now (changed since)`, "Force the undo?", "F force")
	if strings.Contains(h.screen(), "Undo it?") {
		t.Fatalf("the dialog asks for a plain y over a conflict:\n%s", h.screen())
	}
	h.press("y")
	d := activeIs[*UndoDialog](h, "y left the undo dialog")
	if d.exec.started {
		t.Fatal("y started an undo that overwrites a change made since")
	}
	h.mustShow("Refused: the undo would overwrite the changes listed above. F forces it")
	if u, _ := h.srv.GetUser(aliceDB); !strings.Contains(string(u.UserMetadata), `"timezone":"Asia/Tokyo"`) {
		t.Fatalf("y overwrote the value set since: %s", u.UserMetadata)
	}
	h.press("F")
	h.mustShow("✓ Done.")
	if u, _ := h.srv.GetUser(aliceDB); strings.Contains(string(u.UserMetadata), "timezone") {
		t.Fatalf("the forced undo left the value set since: %s", u.UserMetadata)
	}
	undos := 0
	for _, r := range auditRecords(t, h) {
		if r.Undoes == "" {
			continue
		}
		undos++
		if !slices.Contains(r.Overrides, linking.CheckUndoConflict) {
			t.Fatalf("the forced undo's record %s does not say it was forced: overrides %v", r.Step, r.Overrides)
		}
	}
	if undos == 0 {
		t.Fatal("the audit log has no record of the undo")
	}
}

// TestAnUndoneOperationHasNothingLeftToUndo: U on a link undone already says
// so, whole at 100 and 80 columns, and asks nothing.
func TestAnUndoneOperationHasNothingLeftToUndo(t *testing.T) {
	for _, width := range []int{100, 80} {
		h := newHarness(t, harnessOpts{tenant: true, width: width, height: 30})
		linkAlice(h)
		h.press("3")
		h.selectAudit("link")
		h.press("U", "y")
		h.mustShow("✓ Done.")
		h.press("esc")
		h.selectAudit("link")
		h.press("U")
		h.mustShowWhole("Nothing to undo now: the tenant is as it was before the operation (it was undone already, or changed back).")
		if strings.Contains(h.screen(), "Undo it?") {
			t.Fatalf("the dialog asks to undo what is undone:\n%s", h.screen())
		}
	}
}

// The undo of a deleted account that held a database identity makes two
// password-change tickets, one for the account and one for the identity
// made again before its link back: y copies the first, then the second,
// and the toast names whose password each one sets (tester: y copied one
// of two URLs without saying which).
func TestYCopiesEachTicketOfAnUndoInTurnNamingItsAccount(t *testing.T) {
	const linkedDB = "auth0|5e5e5e5e5e5e5e5e5e5e5e5e"
	h := newHarness(t, harnessOpts{tenant: true, width: 140, height: 40, edit: editUser(emmaMiller, func(u *emulator.User) {
		u.Identities = append(u.Identities, emulator.Identity{Connection: "Username-Password-Authentication", Provider: "auth0",
			UserID: emulator.IdentityID{Value: strings.TrimPrefix(linkedDB, "auth0|")}, ProfileData: json.RawMessage(`{"email":"emma.m@example.com","email_verified":true}`)})
	})})
	h.deleteEmma()
	h.press("esc", "3", "U")
	activeIs[*UndoDialog](h, "U did not open the undo")
	h.press("y")
	h.mustShow("✓ Done.")
	h.mustShow("y copies ticket 1 of 2 in turn", "y copies ticket 2 of 2 in turn")
	h.press("y")
	h.mustShow("ticket 1 of 2 (y copies the next), of emma.miller (" + emmaMiller + ")")
	h.press("y")
	h.mustShow("ticket 2 of 2 (y copies the next), of " + linkedDB)
	h.press("y")
	h.mustShow("ticket 1 of 2 (y copies the next), of emma.miller (" + emmaMiller + ")")
	// Leaving loses both, and says so.
	h.press("esc")
	h.mustShow("the 2 password-change ticket URLs the undo made")
}

// F on the audit log's list, which its help lists, opens the undo of the
// call under the cursor, as U does: the dialog lists what changed since
// and asks; nothing is made by F on the list alone (tester: F did nothing
// and said nothing).
func TestFOnTheAuditListOpensTheUndoThatAsks(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata, width: 100, height: 30})
	linkAlice(h)
	setMetadata(t, h, aliceDB, map[string]any{"timezone": "Asia/Tokyo"}, nil)
	records := len(auditRecords(t, h))
	h.press("3", "F")
	activeIs[*UndoDialog](h, "F on the audit list did not open the undo")
	h.mustShow("Force the undo?", "1 thing changed since the operation")
	if n := len(auditRecords(t, h)); n != records {
		t.Fatalf("F on the list wrote %d audit records", n-records)
	}
}

// The undo of a deletion says, as the undo of a link does, that the
// account comes back created now, with no login count or last login, and
// what it had (tester: after the undo the account showed 0 logins, never,
// created today, where the delete dialog had promised the "same profile").
func TestTheUndoOfADeletionSaysTheAccountComesBackAsANewAccount(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 50})
	h.deleteEmma()
	h.press("esc", "3", "U")
	activeIs[*UndoDialog](h, "U did not open the undo")
	h.mustShowWhole("note: " + emmaMiller + " comes back as a new account with the same user id: created now, with no login count or last login (before: 48 logins, the last 2026-10-26, created 2023-07-19)")
	h.press("y")
	h.mustShow("✓ Done.")
	h.mustShowWhole("comes back as a new account with the same user id: created now, with no login count or last login")
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

// In a read-only session, U on a call of the audit log (one an earlier
// session made) says undo is off too: it is a write like the others.
func TestReadOnlyUndoSaysUndoIsOff(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("alice.nguyen@gmail.com")
	h.c.ReadOnly = true // as the next session, run with --read-only, sees the log
	h.press("esc", "3", "U")
	h.mustShow("read-only session (--read-only): no writes (link, unlink, delete, ticket, verify, undo)")
}

// esc while the undo of a deleted database account runs keeps the dialog
// open: the ticket URL it makes is shown there and nowhere else.
func TestEscWhileAnUndoMakesATicketKeepsTheDialog(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	undo := undoEmmasDeletionHeld(h)
	h.press("esc")
	activeIs[*UndoDialog](h, "esc closed the undo while it makes a ticket")
	h.mustShow("its URL shows here, and only here")
	if strings.Contains(h.footer(), "esc") {
		t.Fatalf("the footer offers esc, which is kept:\n%s", h.screen())
	}
	h.press("1") // another page asks first
	h.mustShow("Leave this screen?", "the password-change ticket URL the undo is making")
	h.press("n")
	h.send(undo)
	h.mustShow("✓ Done.", "ticket: http://127.0.0.1:")
	h.mustShow(": done, except what its notes said") // a password is not restored: "done" alone claimed it (tester)
	// The notes it points at are under the result (tester: they were shown
	// only before the undo ran).
	h.press("G")
	h.mustShow("As its notes said:", "op2: a password cannot be restored")
	h.press("esc") // the URL made is shown nowhere else: esc asks as q does
	h.mustShow("Leave and lose it?", "the password-change ticket URL the undo made")
	h.press("n")
	activeIs[*UndoDialog](h, "n left the undo and its URL")
}

// A question takes only its own keys: on "Leave this screen?" (1 while
// an undo makes a ticket) and on the question to quit (q while it is in
// flight), / and f open nothing above it (/ opened find, the trail "…
// › Leave this screen? › Find", the question under it after esc), what
// is typed after them answers nothing until esc, and a paste, which opens
// find on a screen without a text field, does nothing there; its help
// names / among the keys that wait.
func TestAQuestionTakesOnlyItsOwnKeys(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	undo := undoEmmasDeletionHeld(h)
	for _, ask := range []struct{ key, question string }{{"1", "Leave this screen?"}, {"q", "Quit while a write is in flight?"}} {
		h.press(ask.key)
		q := activeIs[*tui.Confirm](h, ask.key+" did not ask")
		trail := strings.SplitN(h.screen(), "\n", 2)[0]
		for _, typed := range [][]string{{"/", "i", "v", "y"}, {"f", "y", "u", "s", "u", "f"}} {
			h.pressAhead(typed...)
			if h.active() != q || h.quit || h.m.WritesInFlight() != 1 || strings.Split(h.screen(), "\n")[0] != trail {
				t.Fatalf("%s typed on %q: %T on top, quit %v:\n%s", strings.Join(typed, ""), ask.question, h.active(), h.quit, h.screen())
			}
			h.press("esc")
			if h.active() != q {
				t.Fatalf("esc after %s closed %q:\n%s", strings.Join(typed, ""), ask.question, h.screen())
			}
			h.mustShow(ask.question, "The question stands: y or n.")
		}
		h.paste("emma.miller")
		if h.active() != q || strings.Split(h.screen(), "\n")[0] != trail {
			t.Fatalf("a paste on %q: %T on top:\n%s", ask.question, h.active(), h.screen())
		}
		h.press("?") // its help says which keys wait, / among them, whole
		h.mustShow("1 2 3 / f r R q  wait until the question is answered")
		h.press("esc")
		h.press("n")
		activeIs[*UndoDialog](h, "n did not go back to the undo")
	}
	h.send(undo)
	h.mustShow("✓ Done.", "ticket:", "/u/reset-password?ticket=")
}

// Quitting while the undo of a deleted database account runs says what
// each part leaves: the account it makes again is settled by resume, which
// reads the tenant; its ticket, if asked for, the tenant keeps nothing of
// (it said only the first, as of a link).
func TestQuittingDuringTheUndoOfADeletionSaysItsTicketCannotBeReadBack(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, outside: true, width: 60, height: 40})
	undoEmmasDeletionHeld(h)
	h.press("q")
	h.mustShowWhole("one still reading sends nothing; a call already sent is settled by `linkdesk resume`, which reads the tenant; " + undoTicketCutOff + ".")
}

// The undo of an unlink out of one member of a family links the account
// back into it: its dialog says, before y, who else shares the email, as
// the link's confirmation did (tester: the undo named none of the family).
func TestTheUndoLinkingBackIntoAFamilyMemberNamesTheFamily(t *testing.T) {
	const raj = "auth0|63a1b2c3d4e5f60718293a4c"
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	d := h.openGroup("patel.family@gmail.com")
	h.press("l", "j", "j", "space", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	h.selectAccount(d, raj)
	h.press("u", "y")
	h.mustShow("✓ Done.")
	h.press("esc", "3", "U")
	h.mustShow("link google-oauth2|112233445566778899001 into", "Undo it?")
	h.mustShowWhole("Note: 1 other account shares the email patel.family@gmail.com (anika.patel (auth0|63a1b2c3d4e5f60718293a4d)): whoever signs in with google-oauth2|112233445566778899001 gets into the account raj.patel (auth0|63a1b2c3d4e5f60718293a4c) alone.")
}

// TestUndoOfADeletionNamesLegacyProfilesByUsername: carol's database
// account, with carolj (auth0|1000789, a profile of the legacy custom
// database whose email cjones shares) linked into it, is deleted; its
// undo names the profile carolj as the link did, by the username that
// tells it apart (it was named by user id alone: in the title, the link
// back, the ticket's toast and the undo's rows in the audit log).
func TestUndoOfADeletionNamesLegacyProfilesByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 160, height: 80})
	det := h.openGroup("carol.jones@hotmail.com")
	h.selectAccount(det, "auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.press("l", "j", "space", "enter", "enter")
	h.mustShow("signs in with carolj (auth0|1000789)")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("esc", "D")
	h.typeText("auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc", "3")
	if row := auditRow(h, "delete"); !strings.Contains(row, "auth0|66e1f2a3b4c5d6e7f8091a2b, carolj ") {
		t.Errorf("the deletion's row: %q", row)
	}
	h.selectAudit("delete")
	h.press("U")
	h.mustShow("Undo delete of auth0|66e1f2a3b4c5d6e7f8091a2b, carolj", "link auth0|1000789 (username carolj) into auth0|66e1f2a3b4c5d6e7f8091a2b")
	h.mustShow("1 other account shares the email carol.jones@hotmail.com (cjones (auth0|1000790))")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("y", "y")
	h.mustShow("ticket 2 of 2 (y copies the next), of carolj (auth0|1000789).")
	h.press("esc", "y", "3") // y: leave, the URLs with it
	if row := auditRowAt(h, "↶ link"); !strings.Contains(row, "carolj into auth0|66e1f2a3b4c5d6e7f8091a2b") {
		t.Errorf("the undo's link back: %q", row)
	}
}

// undoEmmasDeletionHeld deletes emma.miller, opens the undo of it from the
// audit log and answers y: the undo, which makes her account and a ticket,
// is in flight, its command held back (returned) until the test sends it.
func undoEmmasDeletionHeld(h *harness) tea.Cmd {
	h.t.Helper()
	h.deleteEmma()
	h.press("esc", "esc", "3", "U")
	h.mustShow("Undo delete of emma.miller")
	_, undo := h.m.Update(keyPress("y"))
	return undo
}
