package views

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

func TestEnterDoesNotConfirmALink(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter")
	w := h.active().(*LinkWizard)
	if w.Step() != stepConfirm {
		t.Fatalf("step %d, want the confirmation", w.Step())
	}
	h.press("enter", "enter", "q", "2")
	if w.Step() != stepConfirm || h.quit || h.active() != w {
		t.Fatal("a key other than y or n left the confirmation")
	}
	if len(auditRecords(t, h)) != 0 {
		t.Fatal("enter linked")
	}
	h.press("n")
	if w.Step() != stepReview {
		t.Fatalf("n went to step %d, want back to the review", w.Step())
	}
}

// ---- the actions, through the sandbox tenant ----

func TestLinkWizardLinksAndTheGroupLeavesTheCandidates(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	before := h.c.Data.Stats().Classes[linking.ClassLinkCandidate]
	h.openGroup("wei.zhang@gmail.com")
	h.press("l")
	h.mustShow("★ (●) (email)    auth0|5f1a2b3c4d5e6f7081920a1b", "  [x] (email)    github|9007199254740993")
	h.press("enter")
	h.mustShow("✓ safety checks passed:", "calls:", "POST /api/v2/users/auth0%7C5f1a2b3c4d5e6f7081920a1b/identities")
	h.press("enter")
	h.mustShow("secondary github|9007199254740993", "on github, stops being an account of its own", "into      auth0|5f1a2b3c4d5e6f7081920a1b",
		"Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?")
	h.press("y")
	h.mustShow("✓ Done.", "op1.link", "op2.link", "backup: ")
	if h.m.WritesInFlight() != 0 {
		t.Fatal("the write is still counted in flight")
	}
	h.press("esc")
	h.mustShow("resolved: one account holds this email now", "linked: github|9007199254740993", "To undo a link or a deletion: U on its record in the audit log")
	if after := h.c.Data.Stats().Classes[linking.ClassLinkCandidate]; after != before-1 {
		t.Fatalf("link candidates: %d before, %d after", before, after)
	}
	h.press("1")
	h.mustShow("1 resolved in this session")
	h.press("enter")
	g := h.active().(*Groups)
	if g.Rows() != before-1 {
		t.Fatalf("the candidates list shows %d groups, want %d", g.Rows(), before-1)
	}
	if strings.Contains(h.screen(), "wei.zhang@gmail.com") {
		t.Fatal("the linked group is still listed among the link candidates")
	}
}

func TestLinkMergeKeepsTheSideTheOperatorPicks(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withMetadata})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter")
	h.mustShow(
		`! app_metadata.plan: keep "free" (primary), drop "pro" (secondary)`,
		`+ user_metadata.timezone: "Europe/Paris"`,
		`~ app_metadata.roles: ["user"] → ["user","billing"]`,
	)
	h.mustShow(`▸ ! user_metadata.lang: keep "en" (primary)`, "Conflict 1 of 3: space keeps", "(of google-oauth2|108812345678901234567)")
	h.press("j", "j", "space") // the third conflict, app_metadata.plan: keep the secondary's
	h.mustShow(`! app_metadata.plan: keep "pro" (secondary), drop "free" (primary)`, "Conflict 3 of 3")
	h.press("enter", "y")
	h.mustShow("✓ Done.", "op1.patch", "op1.link")
	u, err := h.c.Backend.Session.Tenant.User(context.Background(), "auth0|63ea1f0b2c8d4e5f60718293")
	if err != nil {
		t.Fatal(err)
	}
	if u.AppMetadata["plan"] != "pro" || u.UserMetadata["lang"] != "en" || u.UserMetadata["timezone"] != "Europe/Paris" {
		t.Fatalf("the primary's metadata after the link: user %v, app %v", u.UserMetadata, u.AppMetadata)
	}
}

func TestLinkRefusesAnUnverifiedEmailUntilOverridden(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("maria.garcia@outlook.com")
	h.press("l", "enter")
	h.mustShow("✗ refused: unverified_email", "o overrides this check")
	h.press("enter")
	if w := h.active().(*LinkWizard); w.Step() != stepReview {
		t.Fatal("enter went past a refusal")
	}
	h.press("o")
	h.mustShow("! unverified_email: OVERRIDDEN")
	h.press("enter", "y")
	h.mustShow("✓ Done.")
	recs := auditRecords(t, h)
	if len(recs) == 0 || !strings.Contains(strings.Join(recs[0].Overrides, ","), linking.CheckUnverifiedEmail) {
		t.Fatalf("the audit log does not record the override: %+v", recs)
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter")
	w := h.active().(*LinkWizard)
	h.send(tui.UsersMsg{Task: w.readTask + 1000, Err: os.ErrNotExist})
	if w.planErr != nil {
		t.Fatal("an answer for another task replaced the plan")
	}
	// A re-read nobody asked for (or superseded) leaves the group alone.
	h.send(tui.GroupReadMsg{Task: tui.NewTask(), Email: "alice.nguyen@gmail.com", Group: &linking.Group{Email: "alice.nguyen@gmail.com"}})
	if i, _ := h.c.Data.Find("alice.nguyen@gmail.com"); len(h.c.Data.Groups[i].Accounts) != 2 {
		t.Fatal("a stale re-read replaced the group")
	}
}

// In a small window the review's last lines (the calls of the last
// secondary) come into view with j past the last conflict, as the line
// "more lines (j/k)" promises.
func TestTheLinkReviewScrollsPastItsLastConflict(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, edit: withThreeWayConflict, width: 60, height: 20})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter")
	h.mustShow("Conflict 1 of 4", "more line")
	for range 4 {
		h.press("j")
	}
	h.mustShow("Conflict 4 of 4")
	// The conflict under the cursor is shown whole (both of its values),
	// so the last lines may be a j or two further.
	for i := 0; i < 3 && strings.Contains(h.screen(), "more line"); i++ {
		h.press("j")
	}
	h.mustShow("Conflict 4 of 4")
	if !showsCall(h.screen(), "POST /api/v2/users/auth0%7C5f1a2b3c4d5e6f7081920a1b/identities") { // wrapped, whole
		t.Fatalf("the link's call is not in view:\n%s", h.screen())
	}
	if strings.Contains(h.screen(), "more line") {
		t.Fatalf("j did not reach the review's last line:\n%s", h.screen())
	}
	h.press("k")
	h.mustShow("Conflict 3 of 4")
}

// TestChoosingThePrimaryChangesNoOtherAccountsMark: p makes the account
// under the cursor the primary and nothing else; the account that was the
// primary keeps the mark the group gives it (none where no primary is
// recommended, linked in a link candidate's) and a mark the operator set stays.
func TestChoosingThePrimaryChangesNoOtherAccountsMark(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.openGroup("patel.family@gmail.com") // mixed: no primary recommended
	h.press("l", "j", "p", "j", "p")
	w := activeIs[*LinkWizard](h, "l did not open the link wizard")
	if secs := w.secondaries(); len(secs) != 0 {
		t.Fatalf("p marked %v to be linked in a group without a recommended primary:\n%s", secs, h.screen())
	}
	h.press("space")                // the Google login is the primary: space marks nothing
	h.press("k", "space", "k", "p") // anika.patel marked, then raj.patel the primary
	if secs := w.secondaries(); len(secs) != 1 || secs[0] != anikaPatel {
		t.Fatalf("after p on raj.patel the accounts to link are %v, want anika.patel alone:\n%s", secs, h.screen())
	}

	h.press("esc", "y") // esc asks before it loses the choices made
	h.openGroup("wei.zhang@gmail.com")
	h.press("l")
	w = activeIs[*LinkWizard](h, "l did not open the link wizard")
	h.press("j", "j", "space") // leave the Google login alone
	h.press("k", "p")          // github is the primary
	got := w.secondaries()
	if len(got) != 1 || got[0] != "auth0|5f1a2b3c4d5e6f7081920a1b" {
		t.Fatalf("after p on github the accounts to link are %v, want only the old primary:\n%s", got, h.screen())
	}
	h.mustShow("  [ ] (email)    google-oauth2|114455667788990011223")
}

// TestKeysAfterLGoToTheWizard: the keys pressed right after l, before the
// program has run l's command, go to the wizard (or the picker of the
// account to link with), never to the screen underneath.
func TestKeysAfterLGoToTheWizard(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	_, held := h.m.Update(keyPress("l")) // its command has not run yet
	h.press("enter")
	h.send(held)
	if st := h.m.Stack(); len(st) != 3 || st[1].Title() != "Group wei.zhang@gmail.com" || st[2].Title() != "Link" {
		var titles []string
		for _, s := range st {
			titles = append(titles, s.Title())
		}
		t.Fatalf("l then enter: the screens open are %q, want the group and its wizard", titles)
	}

	h = newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("imported.user@web.de")
	h.press("enter")
	activeIs[*Account](h, "the account did not open")
	_, held = h.m.Update(keyPress("l"))
	h.typeText("21")
	h.send(held)
	f := activeIs[*Find](h, "typing after l did not go to the picker")
	if f.query.Value != "21" || len(h.m.Stack()) != 4 {
		t.Fatalf("typing after l: the picker has %q, %d screens open:\n%s", f.query.Value, len(h.m.Stack()), h.screen())
	}
}

// TestTheWizardsMarksFollowTheGroup: an account marked in a wizard that
// leaves the group (deleted behind the wizard's back) is no longer linked
// by it: enter reviews a link of the accounts shown.
func TestTheWizardsMarksFollowTheGroup(t *testing.T) {
	const google = "google-oauth2|114455667788990011223"
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l")
	w := activeIs[*LinkWizard](h, "l did not open the wizard")
	if !slices.Contains(w.secondaries(), google) {
		t.Fatalf("google is not marked to start with: %v", w.secondaries())
	}
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), google); err != nil {
		t.Fatal(err)
	}
	h.send(tui.RereadMsg{Email: "wei.zhang@gmail.com"})
	if secs := w.secondaries(); slices.Contains(secs, google) || len(secs) != 1 {
		t.Fatalf("the wizard still links %v, the group shown has no google account", secs)
	}
	h.press("enter")
	h.mustShow("Metadata of github|9007199254740993 into the primary")
	if scr := h.screen(); strings.Contains(scr, "Metadata of "+google) || strings.Contains(scr, "✗") {
		t.Fatalf("the review plans a link of the account gone:\n%s", scr)
	}
}

// TestTheLinkWizardSaysItsStepAndItsChecksInWords: the wizard's header
// says "step 1 of 4" (its short form "1/4 accounts" read as a count of
// accounts), and the review says how many safety checks passed rather than
// listing their ids, which under a ✓ read as findings ("different_emails");
// help lists them, each passed or overridden, and a check overridden is
// named on the review, where its id is what was found.
func TestTheLinkWizardSaysItsStepAndItsChecksInWords(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l")
		h.mustShow("step 1 of 4")
		h.press("enter")
		h.mustShow("step 2 of 4", "✓ safety checks passed: 7 of 7 (? lists them)")
		for _, wrong := range []string{"1/4", "2/4", "1 accounts", "different_emails"} {
			if strings.Contains(h.screen(), wrong) {
				t.Errorf("at %d×%d the review shows %q:\n%s", size[0], size[1], wrong, h.screen())
			}
		}
		h.press("?")
		seen := h.screen()
		for range 30 { // help scrolls in one column at 60×20
			h.press("j")
			seen += h.screen()
		}
		for _, want := range []string{"different_emails: passed", "non_unique_email_connection: passed", "blocked_account: passed"} {
			if !strings.Contains(seen, want) {
				t.Errorf("at %d×%d help does not list %q", size[0], size[1], want)
			}
		}
	}

	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("maria.garcia@outlook.com")
	h.press("l", "enter", "o")
	h.mustShow("! unverified_email: OVERRIDDEN by you (recorded); the other safety checks passed: 6 of 7")
	h.press("?")
	h.mustShow("unverified_email: OVERRIDDEN by you (recorded)", "different_emails: passed")
}

func TestAReasonTypedInTheDialogIsRecorded(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter", "tab", "ctrl+u")
	h.typeText("ZD-4411 yes, it is me")
	h.press("enter") // keeps the reason: it does not confirm
	if len(auditRecords(t, h)) != 0 {
		t.Fatal("enter in the reason field linked")
	}
	h.press("y")
	h.mustShow("✓ Done.")
	for _, r := range auditRecords(t, h) {
		if r.Reason != "ZD-4411 yes, it is me" {
			t.Fatalf("record %s %s has reason %q", r.Action, r.Phase, r.Reason)
		}
	}
	h.press("3")
	h.mustShow("why ZD-4411 yes, it is me")
}

func TestLeavingAHalfDoneWizardAsksFirst(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "2")
	h.mustShow("Leave this screen?", "the link wizard of ")
	h.press("n")
	activeIs[*LinkWizard](h, "n left the wizard")
	h.press("1", "y")
	activeIs[*Overview](h, "y did not leave for the overview")
	// Nothing chosen yet: nothing to lose, no question.
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "3")
	activeIs[*AuditLog](h, "3 asked although nothing was chosen")
	// q asks too, and n keeps the wizard.
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "q")
	h.mustShow("Quit and lose it?", "the link wizard of ")
	h.press("n")
	activeIs[*LinkWizard](h, "n after q left the wizard")
	if h.quit {
		t.Fatal("n quit")
	}
	h.press("q", "y")
	if !h.quit {
		t.Fatal("q, y did not quit")
	}
}

func TestAnAccountLinksWithAnotherFoundByAnyIdentifier(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("imported.user@web.de")
	h.press("enter", "l")
	h.mustShow("Link imported.user@web.de (auth0|5e8f9a0b1c2d3e4f50617283) with which account?")
	h.typeText("+14155550123") // the sms account, by its phone
	h.press("enter")
	w := activeIs[*LinkWizard](h, "choosing the other account did not open the wizard")
	if w.primary != "auth0|5e8f9a0b1c2d3e4f50617283" || len(w.secondaries()) != 1 || w.secondaries()[0] != "sms|64a1f2c3d4e5f60718293a4b" {
		t.Fatalf("the wizard links %v into %s", w.secondaries(), w.primary)
	}
	h.press("enter")
	h.mustShow("✗ refused: different_emails") // the sms account has no email at all
	h.press("o")
	h.mustShow("✗ refused: unverified_email") // nor a verified one
	h.press("o")
	h.mustShow("different_emails, unverified_email: OVERRIDDEN by you (recorded)")
	h.press("enter")
	// Each override names the accounts it lets through.
	h.mustShowWhole("+14155550123 (sms|64a1f2c3d4e5f60718293a4b) and imported.user@web.de (auth0|5e8f9a0b1c2d3e4f50617283) share no email: you vouch that they are one person.",
		"The unverified-email check is overridden for this link: email not verified on +14155550123 (sms|64a1f2c3d4e5f60718293a4b).")
	h.press("y")
	h.mustShow("✓ Done.")
	if _, ok := h.srv.GetUser("sms|64a1f2c3d4e5f60718293a4b"); ok {
		t.Fatal("the sms account is still a user of its own")
	}
}

// TestALinkFromAnAccountRereadsTheGroupOfEachAccount: an account without
// email (sms) linked from its screen with a family member: the wizard names
// it by its phone, says it has no email rather than an unverified one, and
// the write re-reads the family's group, which the family member left or
// holds the sms account in.
func TestALinkFromAnAccountRereadsTheGroupOfEachAccount(t *testing.T) {
	const sms, emma = "sms|64a1f2c3d4e5f60718293a4b", "auth0|64b7ca01e0f1a2b3c4d5e6f8"
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.press("f")
	h.typeText("+14155550123")
	h.press("enter")
	activeIs[*Account](h, "f +14155550123 did not open the sms account")
	h.press("l")
	h.typeText("THE.MILLERS@gmail.com")
	h.press("enter")
	pick := activeIs[*Find](h, "the picker closed")
	for i := 0; pick.Results() == 0 || pick.found.Users[pick.cursor].UserID != emma; i++ {
		if i > 3 {
			t.Fatalf("emma.miller is not in the list:\n%s", h.screen())
		}
		h.press("j")
	}
	h.press("enter")
	w := activeIs[*LinkWizard](h, "choosing emma.miller did not open the wizard")
	h.mustShow("Link accounts of +14155550123")
	if strings.Contains(h.screen(), "of "+sms) {
		t.Fatalf("the wizard is named by the user id:\n%s", h.screen())
	}
	for _, l := range strings.Split(h.screen(), "\n") {
		row := strings.Contains(l, "(●) ") || strings.Contains(l, "[x] ") || strings.Contains(l, "[ ] ")
		if row && strings.Contains(l, sms) && !strings.Contains(l, " – ") {
			t.Fatalf("the sms account's EMAIL cell is not –: %q", l)
		}
	}
	primary := w.primary
	h.press("enter", "o", "o", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	activeIs[*Account](h, "esc did not go back to the account")
	if head := strings.SplitN(h.screen(), "\n", 2)[0]; !strings.Contains(head, "› Account +14155550123") {
		t.Fatalf("the breadcrumb does not name the account as its screen does: %q", head)
	}
	i, ok := h.c.Data.Find("the.millers@gmail.com")
	if !ok {
		t.Fatal("the family's group left the data")
	}
	for _, a := range h.c.Data.Groups[i].Accounts {
		if a.UserID == emma && primary == sms {
			t.Fatalf("emma.miller, linked into the sms account, is still an account of the family's group")
		}
		if a.UserID == emma && (len(a.Linked) != 1 || a.Linked[0].Provider+"|"+a.Linked[0].UserID != sms) {
			t.Fatalf("emma.miller, the primary, shows no linked sms account: %+v", a.Linked)
		}
	}
}

// TestLOnAFamilySaysAtOnceWhyItLinksNothing: a family's accounts (one email
// on a Non-Unique Emails connection) are never linked, which the link
// review said only after two steps. On a member's account screen and on
// the family's group screen, l is left out of the footer, help says why,
// and l (p too, on the group) says so at once, opening no wizard. The
// Patels' mixed group, a family and a Google login, still opens it.
func TestLOnAFamilySaysAtOnceWhyItLinksNothing(t *testing.T) {
	const refusal = "nothing to link: a family, each account its own person"
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("liam.miller")
	h.press("enter")
	activeIs[*Account](h, "enter did not open liam.miller's account")
	h.mustShow("3 accounts share the.millers@gmail.com: shared by design")
	if strings.Contains(h.screen(), "l link") {
		t.Errorf("the account screen offers l on a family:\n%s", h.screen())
	}
	h.press("l")
	activeIs[*Account](h, "l left the account screen of a family member")
	h.mustShow(refusal)
	h.press("?")
	h.mustShow("link (off: a family, each its own person)")
	h.press("esc")

	h.openGroup("the.millers@gmail.com")
	if strings.Contains(h.screen(), "l link") || strings.Contains(h.screen(), "p choose primary") {
		t.Errorf("the family's group screen offers l or p:\n%s", h.screen())
	}
	for _, key := range []string{"l", "p"} {
		h.press(key)
		activeIs[*Detail](h, key+" left the family's group screen")
		h.mustShow(refusal)
	}

	h.openGroup("patel.family@gmail.com")
	h.press("l")
	activeIs[*LinkWizard](h, "l on a mixed group did not open the link wizard")
}

// TestTheLinkWizardSaysWhatToMarkAndTheAccountScreenThatItIsReading: in a
// mixed group's link wizard (no primary recommended, nothing marked),
// space on the primary, where the cursor starts, said nothing and marked
// nothing; it says what space and p do, and enter with no account marked
// says to mark one, at 60, 80 and 100 columns. D (and the other keys that
// act on it) pressed on an account screen still reading its account did
// nothing, silently: the status line says it is still reading (and to
// press the key again), and D opens the deletion once the account is read.
func TestTheLinkWizardSaysWhatToMarkAndTheAccountScreenThatItIsReading(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
		h.openGroup("patel.family@gmail.com")
		h.press("l", "space")
		h.mustShow("This is the primary (●): space marks the other accounts")
		h.press("enter")
		activeIs[*LinkWizard](h, "enter with nothing marked left the wizard")
		h.mustShow("Pick at least one account to link into the primary (space).")
	}

	h := newHarness(t, harnessOpts{tenant: true})
	h.findResults("the.millers@gmail.com", 3)
	_, read := h.m.Update(keyPress("enter")) // the account's read held back
	activeIs[*Account](h, "enter did not open the account")
	for _, key := range []string{"D", "l", "t"} {
		h.press(key)
		activeIs[*Account](h, key+" left the account screen before its account was read")
		h.mustShow("Still reading the account… press " + key + " again once it shows")
	}
	h.send(read)
	h.press("D")
	activeIs[*DeleteDialog](h, "D did not open the deletion once the account was read")
}

// TestTheLinkWizardFindingAnAccountGoneRereadsTheGroup: the wizard's read
// by id finds one of the group's accounts gone; the group is read again.
func TestTheLinkWizardFindingAnAccountGoneRereadsTheGroup(t *testing.T) {
	const gone = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	h.press("l", "enter")
	h.mustShow("The group changed: the accounts gone from it are no longer marked.")
	h.press("esc")
	activeIs[*Detail](h, "esc did not go back to the group")
	if accountByID(d.Group(), gone) != nil {
		t.Fatalf("the group still lists the account found gone:\n%s", h.screen())
	}
}

// The wizard on a group that has one account left (its other linked or
// deleted elsewhere, found as the wizard reads): enter says there is
// nothing left to link, not to pick an account there is none of.
func TestTheLinkWizardOnAGroupLeftWithOneAccountSaysNothingIsLeftToLink(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("alice.nguyen@gmail.com")
	if err := h.c.Backend.Session.Tenant.DeleteUser(context.Background(), "google-oauth2|108812345678901234567"); err != nil {
		t.Fatal(err)
	}
	h.press("l", "enter") // the read finds it gone; the group is read again
	h.press("enter")
	h.mustShow("Nothing left to link: this email has one account now")
	if s := h.screen(); strings.Contains(s, "Pick at least one account") {
		t.Fatalf("the wizard asks to pick an account of none:\n%s", s)
	}
}

// linkOff follows what linking refuses: any two profiles of one email in
// one database connection (legacy_profiles), never two accounts of one
// enterprise connection, which a link may join (review).
func TestLinkIsOffWhereLinkingRefusesEveryPair(t *testing.T) {
	acct := func(id, conn, provider string) *linking.Account {
		return &linking.Account{UserID: id, Connection: conn, Provider: provider}
	}
	for _, tc := range []struct {
		name string
		g    *linking.Group
		off  bool
	}{
		{"a family", &linking.Group{Class: linking.ClassSharedByDesign, Accounts: []*linking.Account{acct("auth0|1", "nue", "auth0"), acct("auth0|2", "nue", "auth0")}}, true},
		{"profiles of one database", &linking.Group{Class: linking.ClassLegacyDuplicate, Accounts: []*linking.Account{acct("auth0|1", "legacy", "auth0"), acct("auth0|2", "legacy", "auth0")}}, true},
		{"two accounts of one SAML connection", &linking.Group{Class: linking.ClassLegacyDuplicate, Accounts: []*linking.Account{acct("samlp|acme|a", "acme", "samlp"), acct("samlp|acme|b", "acme", "samlp")}}, false},
		{"a link candidate", &linking.Group{Class: linking.ClassLinkCandidate, Accounts: []*linking.Account{acct("auth0|1", "db", "auth0"), acct("github|2", "github", "github")}}, false},
	} {
		if got := linkOff(tc.g) != nil; got != tc.off {
			t.Errorf("%s: l off %v, want %v", tc.name, got, tc.off)
		}
	}
}

// TestSteppingBackInTheWizardKeepsTheConflictChoices: esc from the review
// back to the accounts, then enter, put every conflict back on the
// primary's side, unsaid. The sides chosen stay, each with its secondary;
// unmarking a secondary drops its own (marked again, it has none), and
// another primary drops them all, the hint saying so each time; and esc on
// the accounts with sides chosen asks before it loses them.
func TestSteppingBackInTheWizardKeepsTheConflictChoices(t *testing.T) {
	const github, google = "github|9007199254740993", "google-oauth2|114455667788990011223"
	const githubPlan, googleCustomer = `app_metadata.plan: keep "pro" (secondary), drop "free" (primary)`,
		`app_metadata.customer_id: keep "cus_GOOGLE" (secondary), drop "cus_PRIMARY" (primary)`
	h := newHarness(t, harnessOpts{tenant: true, edit: withThreeWayConflict, width: 100, height: 50})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter")
	w := activeIs[*LinkWizard](h, "l, enter did not open the review")
	h.press("j", "space", "j", "space") // github's plan, google's customer_id
	h.mustShow(githubPlan, googleCustomer)

	h.press("esc")
	if w.Step() != stepAccounts {
		t.Fatalf("esc did not go back to the accounts:\n%s", h.screen())
	}
	h.press("enter")
	h.mustShow(githubPlan, googleCustomer)

	// Unmarked, github's side goes with it; google's stays.
	h.press("esc")
	for w.ids[w.cursor] != github {
		h.press("j")
	}
	h.press("space")
	h.mustShow("The conflict side you chose for " + github)
	h.press("enter")
	h.mustShow(googleCustomer)
	if strings.Contains(h.screen(), "Metadata of "+github) {
		t.Fatalf("the review still links github:\n%s", h.screen())
	}
	// Marked again, github has no side chosen: none moved to it.
	h.press("esc", "space", "enter")
	h.mustShow("Metadata of "+github, `app_metadata.plan: keep "free" (primary), drop "pro" (secondary)`, googleCustomer)

	// Another primary: every side was against the one before.
	h.press("esc")
	for w.ids[w.cursor] != google {
		h.press("j")
	}
	h.press("p")
	h.mustShow("The conflict side you chose against the previous primary is dropped.")
	h.press("enter")
	h.mustShow("Metadata of " + github)
	if strings.Contains(h.screen(), "(secondary), drop") {
		t.Fatalf("a side chosen against the previous primary is kept:\n%s", h.screen())
	}

	// Leaving the accounts with only conflict sides chosen asks.
	h.press("esc", "esc")
	h.mustShow("Leave this screen?")
	h.press("y")
	if h.active() != d {
		t.Fatalf("y did not leave the wizard for the group:\n%s", h.screen())
	}
	h.press("l", "enter", "space", "esc", "esc")
	h.mustShow("Leave this screen?", "conflict sides")
}

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

// The link review says, before y, that the access token lacks a scope the
// link needs: y would be refused.
func TestTheLinkReviewSaysAScopeTheTokenLacks(t *testing.T) {
	granted := slices.DeleteFunc(slices.Clone(emulator.DefaultScopes), func(s string) bool { return s == "update:users" })
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40, scopes: granted})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter")
	h.mustShowWhole("The access token lacks a scope these calls need (expected any of: update:users)")
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

// TestTheLinkWizardDropsTheConnectionBeforeCuttingIdentifiers: at 60
// columns the identifiers that tell a family's accounts apart stay whole
// and the connection column goes, rather than being cut (the Patels: two
// members of a family and a Google login; a family alone links nothing).
func TestTheLinkWizardDropsTheConnectionBeforeCuttingIdentifiers(t *testing.T) {
	edit := func(t *emulator.Tenant) {
		for _, u := range t.Users {
			switch u.UserID {
			case rajPatel:
				u.Username = "raj.patel1368"
			case anikaPatel:
				u.Username = "anika.patel1368"
			}
		}
	}
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20, edit: edit})
	h.m.LoadReport(fixtureReportEdited(t, edit))
	h.openGroup("patel.family@gmail.com")
	h.press("l")
	activeIs[*LinkWizard](h, "l did not open the link wizard")
	h.mustShow("raj.patel1368 ", "anika.patel1368 ")
	if scr := h.screen(); strings.Contains(scr, "CONNE") || strings.Contains(scr, "family-a") {
		t.Fatalf("the connection column is kept, cut:\n%s", scr)
	}
}

// TestTheLinkWizardOffersEnterAndAsksBeforeEscLosesChoices: the accounts
// step's footer offers enter at 60 columns; esc with choices made asks as
// q and 1/2/3 do (n stays, y leaves), and without any leaves at once.
func TestTheLinkWizardOffersEnterAndAsksBeforeEscLosesChoices(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l")
	h.mustShow("enter review the plan")
	h.press("esc")
	activeIs[*Detail](h, "esc without choices did not leave the wizard")

	h.press("l", "j", "space") // github left alone: a choice
	h.press("esc")
	h.mustShowWhole("Leave this screen?", "Going back closes the link wizard, and this is lost:", "Leave and lose it?")
	h.press("n")
	if w := activeIs[*LinkWizard](h, "n left the wizard"); len(w.secondaries()) != 1 {
		t.Fatalf("the choices were lost: %v", w.secondaries())
	}
	h.press("esc", "y")
	activeIs[*Detail](h, "y did not leave the wizard")
}

// withTenConflicts gives wei.zhang's three accounts app_metadata that
// conflicts on five keys, so each of the two secondaries has five
// conflicts: the review is longer than an 80×24 window.
func withTenConflicts(t *emulator.Tenant) {
	for _, u := range t.Users {
		switch u.UserID {
		case "auth0|5f1a2b3c4d5e6f7081920a1b":
			u.AppMetadata = json.RawMessage(`{"plan":"free","customer_id":"cus_PRIMARY","region":"eu","tier":1,"seats":5}`)
		case "github|9007199254740993":
			u.AppMetadata = json.RawMessage(`{"plan":"pro","customer_id":"cus_GITHUB","region":"us","tier":2,"seats":7}`)
		case "google-oauth2|114455667788990011223":
			u.AppMetadata = json.RawMessage(`{"plan":"team","customer_id":"cus_GOOGLE","region":"ap","tier":3,"seats":9}`)
		}
	}
}

// TestSpaceSwapsOnlyAConflictInView: g, G and pgup scroll the review
// away from the conflict under the cursor; the line above the merge then
// says it is out of view (it said "Conflict 9 of 10: space keeps…"
// over the other secondary's section), and space brings it back, saying
// so, before it swaps anything: a second space swaps it, in view.
func TestSpaceSwapsOnlyAConflictInView(t *testing.T) {
	const google = "google-oauth2|114455667788990011223"
	for _, away := range []string{"g", "G", "pgup"} {
		t.Run(away, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, edit: withTenConflicts, width: 80, height: 24})
			h.openGroup("wei.zhang@gmail.com")
			h.press("l", "enter")
			w := activeIs[*LinkWizard](h, "l, enter did not open the review")
			moves := 8 // conflict 9 of 10: google's app_metadata.seats
			if away == "G" {
				moves = 0 // conflict 1 of 10: github's app_metadata.customer_id
			}
			for range moves {
				h.press("j")
			}
			h.mustShow(fmt.Sprintf("Conflict %d of 10: space keeps the other", moves+1), map[bool]string{true: "github|9007199254740993", false: google}[away == "G"]+")")
			if away == "pgup" {
				h.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
			} else {
				h.press(away)
			}
			h.mustShow("is out of view: space")
			if strings.Contains(h.screen(), "space keeps the other") || strings.Contains(h.screen(), "▸ !") {
				t.Fatalf("after %s the line above the merge still offers space on a conflict not on screen:\n%s", away, h.screen())
			}
			h.press("space")
			if len(w.opts.Merge) != 0 {
				t.Fatalf("space swapped a conflict out of view: %+v", w.opts.Merge)
			}
			h.mustShow(fmt.Sprintf("Conflict %d of 10 is in view again (▸): space again keeps its other side.", moves+1), "space keeps the other", "▸ !")
			h.press("space")
			if len(w.opts.Merge) != 1 {
				t.Fatalf("space on the conflict in view swapped nothing: %+v", w.opts.Merge)
			}
			h.mustShow("(secondary), drop")
		})
	}
}

// TestTheReviewFooterListsItsKeys: at 80 and 60 columns the review's
// footer lists the keys that act on it, j/k and space among them (at 80
// it listed only enter and esc, in the help's long words).
func TestTheReviewFooterListsItsKeys(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, edit: withTenConflicts, width: size[0], height: size[1]})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l", "enter")
		f := h.footer()
		want := []string{"enter go on", "j/k next conflict", "space swap side", "? help"}
		if size[0] >= 80 {
			want = append(want, "esc back")
		}
		for _, k := range want {
			if !strings.Contains(f, k) {
				t.Errorf("%dx%d: the review's footer lacks %q: %q", size[0], size[1], k, f)
			}
		}
	}
}

// reviewWithCalls opens the link review of wei.zhang's three accounts at
// 60×20, each secondary keeping its own side of every conflict, so that
// each section ends with a metadata PATCH and the link's POST: the last
// section's merge and calls are below the last conflict, more lines than
// the window holds under it.
func reviewWithCalls(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{tenant: true, edit: withLongTail, width: 60, height: 20})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "space", "j", "j", "space", "j", "space")
	h.mustShow("Conflict 4 of 4", "more line")
	return h
}

// reviewReachesItsEnd fails unless the screen shows the end of the
// review: under the last section's title, the link's POST whole (wrapped
// over lines), the user id of the secondary it links in its body, and no
// line left below.
func reviewReachesItsEnd(t *testing.T, h *harness, how string) {
	t.Helper()
	scr := h.screen()
	last := strings.LastIndex(scr, "Metadata of google-oauth2|114455667788990011223")
	if last < 0 || !showsCall(scr[last:], `POST /api/v2/users/auth0%7C5f1a2b3c4d5e6f7081920a1b/identities {"connection_id":`) ||
		!showsCall(scr[last:], `"user_id":"114455667788990011223"}`) || strings.Contains(scr, "more line") {
		t.Fatalf("%s: the end of the review (the last section's calls) is not in view:\n%s", how, scr)
	}
}

// TestTheLinkReviewScrollsToItsEnd: the calls under the last conflict can
// be read before they are confirmed: j past the last conflict scrolls the
// lines under it, one a press (as the program draws a frame after each);
// pgdn and G get there too, and the "more lines" hint names the keys that
// do; k goes back to the conflict before, in view. The help lists the
// scroll keys.
func TestTheLinkReviewScrollsToItsEnd(t *testing.T) {
	t.Run("j", func(t *testing.T) {
		h := reviewWithCalls(t)
		h.mustShow("more lines (j, pgdn)")
		for range 24 {
			h.press("j")
			h.screen() // a frame between presses
		}
		reviewReachesItsEnd(t, h, "j past the last conflict")
		h.mustShow("Conflict 4 of 4")
		// k goes to the conflict before, back in view.
		h.press("k")
		h.mustShow("Conflict 3 of 4", "▸ ! app_metadata.customer_id")
	})
	t.Run("pgdn", func(t *testing.T) {
		h := reviewWithCalls(t)
		h.press("g")
		h.mustShow("Metadata of github|9007199254740993")
		for range 10 { // the calls whole: more pages than the lines cut to four once took
			h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
		}
		reviewReachesItsEnd(t, h, "pgdn")
	})
	t.Run("G", func(t *testing.T) {
		h := reviewWithCalls(t)
		h.press("g", "G")
		reviewReachesItsEnd(t, h, "G")
		h.send(tea.KeyPressMsg{Code: tea.KeyEnd})
		reviewReachesItsEnd(t, h, "end")
	})
	t.Run("help", func(t *testing.T) {
		h := reviewWithCalls(t)
		h.press("?")
		h.mustShow("pgdn/pgup  scroll a page", "G          end of the review (the calls)", "past the last conflict: scroll")
	})
}

// At 60×20 the link review shows every call whole, wrapped, down to the
// user id in the body of the link into the SAML account (G reaches it), and a conflict
// not under the cursor wraps, so the value it drops reads whole.
func TestTheLinkReviewWrapsEveryCallAndConflictWholeAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20, edit: func(tn *emulator.Tenant) {
		for _, u := range tn.Users {
			switch u.UserID {
			case "auth0|6281b3c4d5e6f70812345678":
				u.AppMetadata = []byte(`{"plan":"free","tier":"bronze"}`)
			case "samlp|acme-corp|John.Doe@Acme.com":
				u.AppMetadata = []byte(`{"plan":"enterprise-annual-contract-2026","tier":"platinum-with-dedicated-support"}`)
			}
		}
	}})
	h.openGroup("john.doe@acme.com")
	h.press("l", "enter")
	h.mustShow("Conflict 1 of 2")
	// The second conflict, not under the cursor: both values whole.
	if !showsCall(h.screen(), `! app_metadata.tier: keep "platinum-with-dedicated-support" (primary)`) {
		t.Fatalf("the conflict not under the cursor is cut:\n%s", h.screen())
	}
	h.press("G")
	if !showsCall(h.screen(), `"user_id":"6281b3c4d5e6f70812345678"}`) {
		t.Fatalf("G does not bring the link's call whole into view:\n%s", h.screen())
	}
}

// At 60×20 a key the merge gives the primary reads whole, wrapped: the
// primary gains it, and the operator reads it before y.
func TestTheLinkReviewWrapsWhatThePrimaryGainsAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20, edit: editUser("auth0|6281b3c4d5e6f70812345678", func(u *emulator.User) {
		u.AppMetadata = []byte(`{"shipping_address":"1600 Amphitheatre Parkway, Mountain View, CA 94043"}`)
	})})
	h.openGroup("john.doe@acme.com")
	h.press("l", "enter")
	h.mustShowWhole(`+ app_metadata.shipping_address: "1600 Amphitheatre Parkway, Mountain View, CA 94043"`)
}

// A pair linked from an account's screen shares no email: the wizard names
// the first account's identifier by that email, never "(email)", which
// stands for a group's shared address.
func TestThePairWizardShowsTheFirstAccountsOwnEmail(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.pairWizard("imported.user@web.de", "pat.kim@acme.com")
	row := ""
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, "auth0|5e8f9a0b1c2d3e4f50617283") && strings.Contains(l, "[x]") {
			row = l
		}
	}
	if !strings.Contains(row, "imported.user@web.de") || strings.Contains(row, "(email)") {
		t.Fatalf("the first account's row does not show its own email:\n%s", h.screen())
	}
}

// Two accounts of one database with different emails, found one by one,
// are no legacy profiles of one email: the wizard says their link is
// refused for the different emails, unless overridden.
func TestThePairWizardOfTwoEmailsSaysTheyShareNone(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.pairWizard("sam.taylor@gmail.com", "long.name@gmail.com")
	h.mustShow("These accounts do not share an email")
	if strings.Contains(h.screen(), "legacy_profiles") {
		t.Fatalf("two emails are called profiles of one email:\n%s", h.screen())
	}
}

// pairWizard finds the account of first with f, presses l on it, and picks
// the account found by other: the link wizard of the two opens.
func (h *harness) pairWizard(first, other string) *LinkWizard {
	h.t.Helper()
	h.press("f")
	h.typeText(first)
	h.press("enter", "l")
	h.typeText(other)
	h.press("enter")
	return activeIs[*LinkWizard](h, "choosing the other account did not open the wizard")
}

// A link out of one member of a family, into an account of another email
// found one by one, names before y the other members who share its email,
// as a link into one does (tester: the confirmation named none of them).
func TestThePairWizardNamesTheFamilyItsSecondaryLeaves(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 110, height: 40})
	h.pairWizard("sam.taylor@gmail.com", "liam.miller")
	h.press("enter")
	h.mustShow("refused: different_emails")
	h.press("o", "enter")
	h.mustShow("y yes")
	h.mustShowWhole("Note: 2 other accounts share the email the.millers@gmail.com (mike.miller (auth0|64b7c8d9e0f1a2b3c4d5e6f7), emma.miller (auth0|64b7ca01e0f1a2b3c4d5e6f8)): whoever signs in with liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901) gets into the account sam.taylor@gmail.com (auth0|60d5ec49f1a2b3c4d5e6f708) alone.")
}

// The reason a link of two accounts found one by one prefills is true of
// them: no class of a group they are not (sam is alone on his email, liam
// one of a family), but that they were chosen one by one and are vouched
// for as one person's (tester: "one person's accounts (mixed)").
func TestThePairWizardsReasonSaysHowTheAccountsWereChosen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 110, height: 40})
	h.pairWizard("sam.taylor@gmail.com", "liam.miller")
	h.press("enter", "o", "enter")
	h.mustShow("y yes")
	h.mustShowWhole("Reason accounts of different emails, chosen one by one and vouched for as one person's, linked in the linkdesk TUI (tab edits)")
	if strings.Contains(h.screen(), "(mixed)") {
		t.Fatalf("the reason names a class of no group:\n%s", h.screen())
	}
}

// TestTheConfirmationSaysWhenThePrimaryIsNotTheRecommendedOne: a primary
// chosen with p over the recommended one is said so on the confirmation,
// with why the other was recommended; the recommended one says nothing.
func TestTheConfirmationSaysWhenThePrimaryIsNotTheRecommendedOne(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("j", "p") // the google account, not the recommended one
	h.press("l", "enter", "enter")
	h.mustShow("Not the recommended primary: ★")
	h.mustShow("it stops being an account of its own")

	// The recommended one left unmarked is left as it is, and said so
	// (tester: it was said to be linked away).
	h = newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("wei.zhang@gmail.com")
	h.press("j", "p", "l", "k", "space", "enter", "enter") // github primary, the database account left alone
	h.mustShow("Not the recommended primary: ★")
	h.mustShowWhole("this link leaves it as it is.")
	if strings.Contains(h.screen(), "it stops being an account of its own") {
		t.Fatalf("the recommended primary, left alone, is said to be linked away:\n%s", h.screen())
	}

	h = newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter")
	h.mustShow("Link, from the server side")
	if strings.Contains(h.screen(), "Not the recommended primary") {
		t.Fatalf("the recommended primary is said not to be:\n%s", h.screen())
	}
}

// TestTheLinkWizardAt60ColumnsShowsUserIDsWhole: at 60×20 the wizard's
// accounts step gives up an IDENTIFIER column that reads "(email)" on
// every row before it cuts a user id.
func TestTheLinkWizardAt60ColumnsShowsUserIDsWhole(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l")
	h.mustShow("auth0|5f1a2b3c4d5e6f7081920a1b", "github|9007199254740993", "google-oauth2|114455667788990011223")
	if strings.Contains(h.screen(), "(email)") {
		t.Errorf("the IDENTIFIER column still reads (email):\n%s", h.screen())
	}
}

// Leaving the link wizard with choices made asks first; yy closes the
// question and the wizard, and leaves the group on screen.
func TestYYOnLeavingTheLinkWizardClosesOnlyTheWizard(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "j", "space") // github left alone: a choice
	h.press("esc")
	h.mustShow("Leave and lose it?")
	h.pressAhead("y", "y")
	activeIs[*Detail](h, "yy did not leave the group on screen")
}

// y typed twice on the link wizard's last question links once.
func TestYYOnTheLinkQuestionLinksOnce(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter")
	h.pressAhead("y", "y")
	h.mustShow("✓ Done.")
	if n := h.srv.Stats().Requests["POST /api/v2/users/{id}/identities"]; n != 1 {
		t.Fatalf("yy made %d link calls, want 1:\n%s", n, h.screen())
	}
}

// A link into one member of a family sharing the email says, before y, who
// else shares it, as `linkdesk link` does: the operator checks it is the
// right child.
func TestTheLinkConfirmationNamesTheFamilySharingTheEmail(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	h.openGroup("patel.family@gmail.com")
	h.press("l", "j", "j", "space", "enter", "enter")
	h.mustShow("y yes")
	h.mustShowWhole("Note: 1 other account shares the email patel.family@gmail.com (anika.patel (auth0|63a1b2c3d4e5f60718293a4d)): whoever signs in with google-oauth2|112233445566778899001 gets into the account")

	// So does a link into one of the profiles of one email on a legacy
	// database (tester: nothing said cjones shares it).
	h = newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	h.openGroup("carol.jones@hotmail.com")
	h.press("j", "p", "l", "k", "space", "enter", "enter") // the database account into carolj
	h.mustShow("y yes")
	h.mustShowWhole("Note: 1 other account shares the email carol.jones@hotmail.com (cjones (auth0|1000790)): whoever signs in with auth0|66e1f2a3b4c5d6e7f8091a2b gets into the account carolj (auth0|1000789) alone.")
}

// A primary chosen with p on the group screen is a choice the wizard opened
// with: q right after l asks before it is lost, as for one made inside.
func TestQuitAsksForAPrimaryChosenBeforeTheWizard(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.openGroup("wei.zhang@gmail.com")
	h.press("j", "p", "l", "q")
	h.mustShow("• the link wizard of wei.zhang@gmail.com")
}

// The wizard of a group without a recommended primary opens on the account
// under the cursor: that is no choice, and esc leaves without asking.
func TestEscLeavesAWizardWhereNothingWasChosen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.openGroup("patel.family@gmail.com")
	h.press("l", "esc")
	h.mustShow("Group patel.family@gmail.com")
	if strings.Contains(h.screen(), "Leave this screen?") {
		t.Errorf("esc asks to leave a wizard where nothing was chosen:\n%s", h.screen())
	}
}

// withAccess gives the database account of john.doe@acme.com (a secondary
// of the link into the SAML account) the roles and the memberships named,
// each its id being "rol_"/"org_" and its name.
func withAccess(roles, orgs []string) func(*emulator.Tenant) {
	return func(tn *emulator.Tenant) {
		var rids, oids []string
		for _, r := range roles {
			tn.Roles = append(tn.Roles, &emulator.Role{ID: "rol_" + r, Name: r})
			rids = append(rids, "rol_"+r)
		}
		for _, o := range orgs {
			tn.Organizations = append(tn.Organizations, &emulator.Organization{ID: "org_" + strings.ToLower(o), Name: strings.ToLower(o), DisplayName: o})
			oids = append(oids, "org_"+strings.ToLower(o))
		}
		editUser("auth0|6281b3c4d5e6f70812345678", func(u *emulator.User) { u.Roles, u.Organizations = rids, oids })(tn)
	}
}

// The question a link is answered on says what the primary gains besides
// the metadata: the roles and memberships carried over, by name, counted
// when many (tester: the review listed "+ role support … given to the
// primary", the y dialog only the metadata).
func TestTheLinkQuestionSaysTheRolesAndMembershipsThePrimaryGains(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40, edit: withAccess([]string{"support"}, []string{"Globex"})})
	h.openGroup("john.doe@acme.com")
	h.press("l", "enter")
	h.mustShow("+ role support (rol_support) given to the primary")
	h.press("enter")
	h.mustShow("y yes")
	h.mustShowWhole("its metadata is merged first as reviewed, and the primary gains role support and membership of Globex, carried over before the link ends them.")

	h = newHarness(t, harnessOpts{tenant: true, width: 120, height: 40, edit: withAccess([]string{"support", "billing", "audit", "ops", "sales"}, []string{"Globex", "Initech"})})
	h.openGroup("john.doe@acme.com")
	h.press("l", "enter", "enter")
	h.mustShow("y yes")
	h.mustShowWhole("the primary gains 5 roles: support, billing, audit and 2 more, and memberships of Globex and Initech, carried over before the link ends them.")

	// None carried over: the metadata alone, as before.
	h = newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	h.openGroup("john.doe@acme.com")
	h.press("l", "enter", "enter")
	h.mustShowWhole("its metadata is merged first as reviewed, and everything is backed up")
	if strings.Contains(h.screen(), "gains") {
		t.Fatalf("a link carrying no role or membership says the primary gains some:\n%s", h.screen())
	}
}
