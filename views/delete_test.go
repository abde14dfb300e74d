package views

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session/sessiontest"
)

func TestDeleteNeedsThePrimaryIdentifierTyped(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("the.millers@gmail.com")
	h.press("j", "D")
	d := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	if d.Expected() != "emma.miller" {
		t.Fatalf("expected identifier %q, want the username on a Non-Unique Emails connection", d.Expected())
	}
	h.mustShow("type its username or its user id, then enter:", "  emma.miller\n", "  auth0|64b7ca01e0f1a2b3c4d5e6f8\n")
	h.press("enter")
	h.typeText("yes")
	h.press("enter")
	h.mustShow("That does not name this account")
	h.typeText("y")
	if d.exec.started || len(auditRecords(t, h)) != 0 {
		t.Fatal("the delete went ahead without the identifier")
	}
	if d.Typed() != "yesy" {
		t.Fatalf("typed %q: y must type, not confirm", d.Typed())
	}
	h.press("esc")
	activeIs[*Detail](h, "esc did not cancel the delete")
}

func TestDeleteWritesABackupAndAnAuditRecord(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("j", "D")
	d := h.active().(*DeleteDialog)
	h.mustShow("no identity is linked into it", "backed up first", "<time>-delete-<id>.json", `app_metadata  {"legacy_id":"L-1000456","migrated":false}`)
	h.typeText(d.Expected())
	h.press("enter")
	h.mustShow("✓ Done.", "op1.delete", "backup: ")
	backups, _ := filepath.Glob(filepath.Join(h.c.Backend.BackupDir(), "*-delete-*.json"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	data, err := os.ReadFile(backups[0])
	if err != nil || !strings.Contains(string(data), `"auth0|1000456"`) {
		t.Fatalf("the backup does not hold the deleted user: %v\n%s", err, data)
	}
	recs := auditRecords(t, h)
	if len(recs) != 2 || recs[0].Action != linking.ActionDelete || recs[0].Result != audit.ResultOK || recs[0].Backup != backups[0] {
		t.Fatalf("audit records: %+v", recs)
	}
	h.press("esc")
	h.mustShow("resolved")
	h.press("3")
	// Named by the username that tells it from the other profile of its email.
	h.mustShow("delete", "ok", "bob.smith2", "tester", "backup …", filepath.Base(backups[0]))
}

// TestTheDeleteDialogOfAnAccountGoneSaysSo: an account deleted behind the
// UI's back: the dialog says there is nothing to delete, in words, and
// offers no key but esc.
func TestTheDeleteDialogOfAnAccountGoneSaysSo(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), "auth0|1000456"); err != nil {
		t.Fatal(err)
	}
	h.press("j", "D")
	h.mustShow("No account has this user id now", "esc goes back.")
	if s := h.screen(); strings.Contains(s, "enter delete once it is typed") || strings.Contains(s, "404") {
		t.Fatalf("the dialog of an account gone offers to delete it, or shows the raw answer:\n%s", s)
	}
}

func TestDeleteAcceptsWhatNamesThatOneAccount(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	// A family: the username names it, and so does the user id.
	h.openGroup("the.millers@gmail.com")
	h.press("j", "D")
	d := h.active().(*DeleteDialog)
	if got := d.Accepted(); len(got) != 2 || got[0] != "emma.miller" || got[1] != "auth0|64b7ca01e0f1a2b3c4d5e6f8" {
		t.Fatalf("accepted %q", got)
	}
	h.press("esc", "esc", "esc")
	// Three accounts sharing one email: only the user id names one.
	h.openGroup("wei.zhang@gmail.com")
	h.press("j", "D")
	d = h.active().(*DeleteDialog)
	h.typeText("wei.zhang@gmail.com")
	h.press("enter")
	h.mustShow("That does not name this account: type its user id exactly")
	if d.exec.started {
		t.Fatal("the shared email deleted an account")
	}
	h.press("ctrl+u")
	h.typeText("github|9007199254740993")
	h.press("enter")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser("github|9007199254740993"); ok {
		t.Fatal("the account typed is still there")
	}
	for _, id := range []string{"auth0|5f1a2b3c4d5e6f7081920a1b", "google-oauth2|114455667788990011223"} {
		if _, ok := h.srv.GetUser(id); !ok {
			t.Fatalf("%s, which shares the email, was deleted", id)
		}
	}
}

func TestDeleteWarnsForTheRecommendedPrimaryHoldingLinks(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("lena.fischer@gmail.com")
	h.press("D")
	h.mustShow("⚠ This is the recommended primary of its group (77 logins)", "⚠ It holds 1 linked identity", "1 identity deleted with it:", "github|48151623 on github")
	// What an undo gives back names the identity it links back too.
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	h.mustShow("The undo also links back the 1 identity linked into it")
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.press("esc")
	h.press("j", "D")
	if s := h.screen(); strings.Contains(s, "⚠ This is the recommended primary") || strings.Contains(s, "⚠ It holds") {
		t.Fatalf("a secondary without links got a warning:\n%s", s)
	}
}

// An account alone on its address, deleted from its own screen (f), is no
// duplicate resolved: the groups and the overview count as before.
func TestDeletingAnAccountWithoutAGroupResolvesNothing(t *testing.T) {
	const sam = "auth0|60d5ec49f1a2b3c4d5e6f708"
	h := newHarness(t, harnessOpts{tenant: true})
	before := *h.c.Data.Stats()
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	h.mustShow("Account sam.taylor@gmail.com (" + sam + ")")
	h.press("D")
	h.typeText(sam)
	h.press("enter")
	h.mustShow("✓ Done.")
	if after := h.c.Data.Stats(); after.Groups != before.Groups || after.Resolved != before.Resolved {
		t.Fatalf("the overview counts %d groups, %d resolved; before %d, %d", after.Groups, after.Resolved, before.Groups, before.Resolved)
	}
	h.press("esc", "esc", "2")
	if strings.Contains(h.screen(), "sam.taylor@gmail.com") {
		t.Fatalf("the groups list shows sam's address:\n%s", h.screen())
	}
}

// A Google login that shares a family's email (a mixed group): its primary
// identifier is that email, which names all four accounts, so only its user
// id confirms its deletion; the family's usernames still name each member.
func TestDeleteNeverTakesTheEmailAMixedGroupShares(t *testing.T) {
	const google = "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true, edit: editUser(google, func(u *emulator.User) { u.Email = "The.Millers@gmail.com" })})
	h.send(h.startScan()) // the tenant as edited
	det := h.openGroup("the.millers@gmail.com")
	h.selectAccount(det, google)
	h.press("D")
	d := h.active().(*DeleteDialog)
	if got := d.Accepted(); len(got) != 1 || got[0] != google {
		t.Fatalf("accepted %q, want only the user id", got)
	}
	h.typeText("the.millers@gmail.com")
	h.press("enter")
	h.mustShow("That does not name this account: type its user id exactly")
	if d.exec.started {
		t.Fatal("the family's email deleted the Google login")
	}
}

// TestDeletingASocialAccountSaysUndoCannotMakeItAgain: the delete dialog of
// a Google login says the undo cannot re-create it; afterwards U says why
// nothing can be undone yet and asks nothing; and an undo done already
// says that, without a question either.
func TestDeletingASocialAccountSaysUndoCannotMakeItAgain(t *testing.T) {
	const google = "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	d := h.openGroup("alice.nguyen@gmail.com")
	h.selectAccount(d, google)
	h.press("D")
	h.mustShow("Undo cannot re-create this account", "only Auth0 makes it again, from google-oauth2 at its next login")
	if strings.Contains(h.screen(), "re-creates") {
		t.Fatalf("the dialog promises the undo re-creates a Google login:\n%s", h.screen())
	}
	dlg := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.typeText(dlg.Expected())
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc", "3", "U")
	h.mustShow("Nothing can be undone now, for the reason the note below gives", "Auth0 alone makes it again, at its next login")
	if s := h.screen(); strings.Contains(s, "Undo it?") || strings.Contains(s, "the tenant is as it was before") {
		t.Fatalf("the undo dialog offers y, or says the tenant is as before:\n%s", s)
	}
	h.press("y")
	if activeIs[*UndoDialog](h, "y left the undo dialog").exec.started {
		t.Fatal("y started an undo with nothing to do")
	}

	// A database account's dialog says what its undo re-creates.
	h.press("esc")
	h.openGroup("alice.nguyen@gmail.com")
	h.press("D")
	h.mustShow("U in the audit log re-creates this database account")
}

// TestDeletingABlockedSocialAccountSaysItLetsThePersonBackIn: Auth0 makes a
// deleted Google login again at its next login, unblocked: the dialog says
// the account is blocked and that deleting it lifts the block.
func TestDeletingABlockedSocialAccountSaysItLetsThePersonBackIn(t *testing.T) {
	const google = "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40, edit: editUser(google, func(u *emulator.User) { u.Blocked = emulator.FlagTrue })})
	d := h.openGroup("alice.nguyen@gmail.com")
	h.selectAccount(d, google)
	h.press("D")
	h.mustShow("yes: the account is blocked", "comes back unblocked: deleting it lets whoever signs in with it in again")
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

// The delete dialog wraps an account's metadata between its values, after
// a ",", not inside a word ("syst", then "em").
func TestTheDeleteDialogWrapsMetadataBetweenValuesAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20, edit: editUser("auth0|63ea1f0b2c8d4e5f60718293", func(u *emulator.User) {
		u.UserMetadata = json.RawMessage(`{"lang":"en","region":"Europe","theme":"system"}`)
	})})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("D")
	activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.mustShow(`user_metadata {"lang":"en","region":"Europe",`)
	h.press("down") // the pane scrolls to the line after
	h.mustShow(`"theme":"system"}`)
}

// The delete dialog takes a pasted user id as the typed confirmation; a
// paste is never a key, so pasting "y" confirms nothing anywhere.
func TestAPasteNamesTheAccountToDeleteButNeverConfirms(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("lena.fischer@gmail.com")
	h.press("u")
	u := activeIs[*Unlink](h, "u did not open the unlink dialog")
	h.paste("y")
	h.paste("y\n")
	if u.exec.started || h.m.WritesInFlight() != 0 || len(auditRecords(t, h)) != 0 {
		t.Fatal("a pasted y unlinked")
	}
	h.press("n")

	h.openGroup("bob.smith@yahoo.com")
	h.press("j", "D")
	d := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.paste("\x1b]52;c;Y3VybA==\x07auth0|1000456\r\n")
	if d.typed.Value != "]52;c;Y3VybA==auth0|1000456" {
		t.Fatalf("the typed field holds %q: control characters and the line break must go", d.typed.Value)
	}
	h.press("ctrl+u")
	h.paste(d.Expected() + "\n")
	if d.exec.started {
		t.Fatal("a pasted line break pressed enter")
	}
	h.press("enter")
	h.mustShow("✓ Done.")
}

// enter pressed in the delete dialog while the account is read is not
// said to be unread once it has been read.
func TestTheDeleteDialogForgetsNotReadYetOnceRead(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("maria.garcia@outlook.com")
	_, read := h.m.Update(keyPress("D")) // the dialog opens at once; its read is held back
	activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.press("enter") // while it is read
	h.mustShow("Still reading the account")
	h.send(read)
	h.mustShow("To delete, type")
	if strings.Contains(h.screen(), "Still reading the account") {
		t.Fatalf("the dialog still says the account is being read:\n%s", h.screen())
	}
}

// The reason a deletion prefills asserts nothing not known: only a link
// candidate's account is called a duplicate; a family member of a mixed
// group, a legacy database's profile and the accounts of a group that
// waits for a verification are said to be what they are (tester: a child
// of a family and a legacy profile were each a "duplicate account").
func TestTheDefaultDeleteReasonSaysOnlyWhatIsKnown(t *testing.T) {
	for _, c := range []struct{ email, id, want string }{
		{"patel.family@gmail.com", "auth0|63a1b2c3d4e5f60718293a4d", "account deleted in the linkdesk TUI (one of 2 accounts of its connection sharing its email; its group: mixed)"},
		{"patel.family@gmail.com", "google-oauth2|112233445566778899001", "account deleted in the linkdesk TUI (its email's group: mixed)"},
		{"bob.smith@yahoo.com", "auth0|1000456", "account deleted in the linkdesk TUI (one of 2 accounts of its connection sharing its email; its group: legacy duplicate)"},
		{"maria.garcia@outlook.com", "github|5832311", "account deleted in the linkdesk TUI (its email's group: needs verification)"},
		{"alice.nguyen@gmail.com", "google-oauth2|108812345678901234567", "duplicate account (link candidate), deleted in the linkdesk TUI"},
	} {
		h := newHarness(t, harnessOpts{tenant: true, width: 140, height: 40})
		d := h.openGroup(c.email)
		h.selectAccount(d, c.id)
		h.press("D")
		h.mustShowWhole("Reason " + c.want + " (tab edits)")
	}
}

// The delete dialog of a database account says what its undo cannot give
// back: the account comes back created then, with no login count or last
// login, which the account's line shows as they are now (tester: "same …
// profile", and after U the account showed 0 logins, never, created
// today).
func TestTheDeleteDialogSaysItsUndoLosesTheLoginHistory(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	h.openGroup("the.millers@gmail.com")
	h.press("j", "D")
	h.mustShowWhole("the account auth0|64b7ca01e0f1a2b3c4d5e6f8 on family-accounts, 48 logins, last 2026-10-26, created 2023-07-19",
		"U in the audit log re-creates this database account from its backup with the same user id, profile, metadata, roles and memberships, but as a new account: created then, with no login count or last login, and without its password or its sessions")
}

// enter pressed in the delete dialog while it still reads the account
// (a slow tenant: a second per request) deletes nothing, and the screen
// says so at once, beside what has been typed: the letters typed then go
// into what names the account, and the dialog shows them there. Once the
// account is read, the screen still says that enter deleted nothing, and
// an enter pressed then, with what it destroys in view, deletes (tester:
// the enter was dropped unsaid, and q y typed meanwhile went into the
// field out of sight).
func TestTheDeleteDialogSaysAnEnterWhileItReadsDeletedNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.openGroup("orders@rosebakery.com")
	_, read := h.m.Update(keyPress("D")) // the dialog opens at once; its read is held back
	d := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.typeText("rosebakery-downtown")
	h.mustShow("Reading the account by id", "> rosebakery-downtown█")
	h.press("enter")
	if d.exec.started {
		t.Fatal("enter deleted the account before the dialog showed what the deletion destroys")
	}
	h.mustShowWhole("Still reading the account: nothing was deleted. enter deletes once this shows what the deletion destroys.")
	if !strings.Contains(h.footer(), "enter delete once read") {
		t.Fatalf("the footer offers enter as if the account were read: %q", h.footer())
	}
	h.send(read)
	h.mustShow("Deleting it destroys:", "> rosebakery-downtown█")
	h.mustShowWhole("The enter pressed while the account was read deleted nothing: look at what it destroys, then enter deletes.")
	if d.exec.started {
		t.Fatal("the enter pressed while the account was read deleted it once read")
	}
	h.press("enter")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser("auth0|62f0a1b2c3d4e5f607182930"); ok {
		t.Fatal("the account is still there")
	}
}

// q and y typed while the account is read go into what names it, in view.
func TestTheDeleteDialogShowsWhereKeysGoWhileItReads(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.openGroup("orders@rosebakery.com")
	h.m.Update(keyPress("D")) // its read never answered
	d := activeIs[*DeleteDialog](h, "D did not open the delete dialog")
	h.press("q", "y")
	if h.quit || d.exec.started || d.Typed() != "qy" {
		t.Fatalf("q y while reading: quit %v, started %v, typed %q", h.quit, d.exec.started, d.Typed())
	}
	h.mustShowWhole("Keys type what names the account; enter waits until this shows what the deletion destroys.")
	h.mustShow("> qy█")
}
