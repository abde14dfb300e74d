package views

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// Every dialog that reads, then writes, shows the answer to its own read and
// never one to a read it no longer waits for (an earlier dialog's, or one
// superseded), whatever that answer says.
func TestEveryWriteDialogDropsAStaleAnswer(t *testing.T) {
	stale := errors.New("an answer to another read")
	for _, tc := range []struct {
		name  string
		open  func(h *harness)
		shows string // what the dialog shows from its own read
		msg   func(task tui.TaskID) tea.Msg
	}{
		{"link", func(h *harness) { h.openGroup("alice.nguyen@gmail.com"); h.press("l", "enter") }, "✓ safety checks passed",
			func(task tui.TaskID) tea.Msg { return tui.UsersMsg{Task: task, Err: stale} }},
		{"unlink", func(h *harness) { h.openGroup("lena.fischer@gmail.com"); h.press("u") }, "Unlink github|48151623",
			func(task tui.TaskID) tea.Msg { return tui.UsersMsg{Task: task, Err: stale} }},
		{"delete", func(h *harness) { h.openGroup("bob.smith@yahoo.com"); h.press("j", "D") }, "backed up first",
			func(task tui.TaskID) tea.Msg { return tui.AccountMsg{Task: task, Err: stale} }},
		{"ticket", func(h *harness) { h.openGroup("the.millers@gmail.com"); h.press("j", "j", "t") }, "Make a ticket for liam.miller?",
			func(task tui.TaskID) tea.Msg { return tui.UsersMsg{Task: task, Err: stale} }},
		{"undo", func(h *harness) {
			h.linkGroup("alice.nguyen@gmail.com")
			h.press("3", "U")
		}, "Undo it?", func(task tui.TaskID) tea.Msg { return tui.UndoPreviewMsg{Task: task, Err: stale} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true})
			tc.open(h)
			h.mustShow(tc.shows)
			before := h.screen()
			h.send(tc.msg(tui.NewTask()))
			if h.screen() != before || strings.Contains(h.screen(), stale.Error()) {
				t.Fatalf("a stale answer changed the %s dialog:\n%s", tc.name, h.screen())
			}
		})
	}
}

// TestTheWriteLabelOfALinkFitsTheStatusBar: the status bar's label of a
// link of two accounts into one says how many and into which, and shows
// whole at 100 columns while the write is in flight; the result screen
// names every secondary.
func TestTheWriteLabelOfALinkFitsTheStatusBar(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "enter")
	w := activeIs[*LinkWizard](h, "the wizard closed")
	run := w.execute() // the root takes the write at once: in flight, its command not run yet
	const want = "link 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b"
	if got := h.m.WriteLabels(); len(got) != 1 || got[0] != want {
		t.Fatalf("the writes in flight are %q, want %q", got, want)
	}
	if bar := lastLine(h.screen()); !strings.Contains(bar, "writes 1 (link 2 accounts into auth") {
		t.Fatalf("the status bar does not say how many accounts the write links, into which: %q", bar)
	}
	h.send(tea.WindowSizeMsg{Width: 130, Height: 30})
	if bar := lastLine(h.screen()); !strings.Contains(bar, "("+want+")") {
		t.Fatalf("the status bar does not show the write whole: %q", bar)
	}
	h.send(run)
	h.mustShow("github|9007199254740993", "google-oauth2|114455667788990011223", "✓ "+want+": done.")
}

func lastLine(s string) string { return s[strings.LastIndex(s, "\n")+1:] }

// A link of two accounts whose second is refused (changed since it was
// reviewed) made the first: the message says so, not "refused" alone
// (tester: it read as if nothing happened).
func TestAWriteStoppedHalfwaySaysWhatItMadeFirst(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 35})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "enter")
	h.mustShow("Link these 2 accounts into")
	setMetadata(t, h, "google-oauth2|114455667788990011223", map[string]any{"changed": "since"}, nil)
	h.press("y")
	h.mustShow("✓ op1.link")
	if !strings.Contains(h.screen(), "1 of 2 calls made, then refused (changed_since_plan)") {
		t.Fatalf("the message does not say what was made first:\n%s", h.screen())
	}
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

// A link refused before its first call recorded nothing: its result names
// no audit log; one done names the log it recorded in.
func TestALinkResultNamesTheAuditLogOnlyWhenItRecorded(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 40})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter")
	h.mustShow("y yes")
	setMetadata(t, h, "google-oauth2|108812345678901234567", map[string]any{"changed": "behind the UI's back"}, nil)
	h.press("y")
	h.mustShow("✗")
	if strings.Contains(h.screen(), "Audit log: ") {
		t.Fatalf("a link refused before its first call names an audit log:\n%s", h.screen())
	}
	h.press("esc", "esc", "esc")
	h.linkGroup("wei.zhang@gmail.com")
	h.mustShow("Audit log: ")
}

// TestAWriteResultScrollsToItsEnd: at 60×20 the result of a link, and of
// its undo, is longer than the window: it says how many lines are below
// (the steps cut at the bottom said nothing, and no key reached them), and
// ↓, j, pgdn and G reach its last lines: the last call, the audit log and
// how to go back; g and ↑ come back to the top. The help lists the keys,
// j/k and g with them, and so does the footer.
func TestAWriteResultScrollsToItsEnd(t *testing.T) {
	end := func(h *harness, call string) {
		h.t.Helper()
		h.mustShow(call, "Audit log: ", "What changed is read again from the tenant; esc goes back.")
		if strings.Contains(h.screen(), "more line") {
			h.t.Fatalf("the end of the result is in view, yet it says more lines are below:\n%s", h.screen())
		}
	}
	top := func(h *harness) {
		h.t.Helper()
		h.mustShow("✓ Done.", "more lines (↓)")
		if strings.Contains(h.screen(), "Audit log: ") {
			h.t.Fatalf("the result fits the window: nothing to test:\n%s", h.screen())
		}
	}
	t.Run("link", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, edit: withLongTail, width: 60, height: 20})
		linkWithCalls(h)
		top(h)
		h.mustShow("Link 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b:")
		h.press("G")
		end(h, "✓ op2.link")
		h.mustShow("Link 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b:") // what was linked stays on top
		h.press("g")
		top(h)
		for range 20 {
			h.press("down")
		}
		end(h, "✓ op2.link")
		h.press("up", "up")
		h.mustShow("more line")
		if f := footerLine(h); !strings.Contains(f, "↑/↓ j/k scroll") {
			t.Errorf("the footer does not name j/k: %q", f)
		}
		h.press("?")
		// j/k and g scroll it too: the help names them (tester: ↑/↓ and G alone).
		for _, want := range [][2]string{{"↑/↓ j/k", "scroll"}, {"pgdn/pgup", "scroll a page"}, {"g/G", "top / end"}} {
			if !helpLine(h.screen(), want[0], want[1]) {
				t.Errorf("the help does not list %q %q:\n%s", want[0], want[1], h.screen())
			}
		}
	})
	t.Run("undo", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, edit: withLongTail, width: 60, height: 20})
		linkWithCalls(h)
		h.press("esc", "3", "U", "y")
		top(h)
		h.press("G")
		end(h, "As its notes said:") // its notes follow its calls
		h.mustShow("Undo link of google-oauth2|114455667788990011223")
		for range 4 {
			h.press("up")
		}
		h.mustShow("✓ op3.patch")
	})
}

// TestResultScreensShowBackupPathsWhole: the result of a write names each
// backup and the audit log by their whole paths, on a line of their own
// where beside the label has no room, broken after a "/" where one line
// does not hold them (they were cut at the start: a wrong path to copy).
func TestResultScreensShowBackupPathsWhole(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.openGroup("bob.smith@yahoo.com")
		h.press("j", "D")
		h.typeText(activeIs[*DeleteDialog](h, "D did not open the delete dialog").Expected())
		h.press("enter")
		h.mustShow("✓ Done.")
		backups, _ := filepath.Glob(filepath.Join(h.c.Backend.BackupDir(), "*-delete-*.json"))
		if len(backups) != 1 {
			t.Fatalf("backups: %v", backups)
		}
		// The screen's lines, each without its indent, run together.
		var joined strings.Builder
		for l := range strings.Lines(h.screen()) {
			joined.WriteString(strings.TrimSpace(l))
		}
		for _, path := range []string{backups[0], h.c.Backend.AuditLog()} {
			if !strings.Contains(joined.String(), path) {
				t.Errorf("at %dx%d the result does not show %s whole:\n%s", size[0], size[1], path, h.screen())
			}
		}
		if strings.Contains(h.screen(), "backup: …") {
			t.Errorf("at %dx%d the backup's path is cut:\n%s", size[0], size[1], h.screen())
		}
	}
}

// withLongUsername gives emma.miller, of the Miller family, a username as
// long as some are.
func withLongUsername(t *emulator.Tenant) {
	editUser(emmaMiller, func(u *emulator.User) { u.Username = "emma.konstantinopoulou-vandenberg" })(t)
}

// mustToastInOneLine fails unless the footer is the toast of a write done,
// want, in one line at 60 columns: a toast over two begins on the line
// above the footer.
func (h *harness) mustToastInOneLine(want string) {
	h.t.Helper()
	lines := strings.Split(h.screen(), "\n")
	toast, above := strings.TrimRight(h.footer(), " "), lines[len(lines)-3]
	if got := strings.Join(strings.Fields(toast), " "); got != want || strings.HasPrefix(above, "✓") || tui.Width(toast) > 60 {
		h.t.Fatalf("the toast is not %q in one line:\n%s", want, h.screen())
	}
}

// TestEveryWriteToastTakesOneLineAt60Columns: at 60×20 a ticket's toast
// took two lines ("ticket for alice.nguyen@gmail.com / (auth0|…): done."),
// and so did a link's, a verification email's and a deletion's of a long
// username; an unlink's lost its "done" to the cut of its second, an
// undo's the end of what it said. Each says it in one line: the account
// by what tells it apart in its group without its user id (tui.ShortNameIn:
// the user id where the email is shared), else its label cut at its end,
// its outcome whole.
func TestEveryWriteToastTakesOneLineAt60Columns(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.selectAccount(h.openGroup("alice.nguyen@gmail.com"), aliceDB)
	h.press("t", "y")
	h.mustShow("✓ Ticket for alice.nguyen@gmail.com")
	h.mustToastInOneLine("✓ ticket for " + aliceDB + ": done. · ? help")

	h.press("esc", "y") // leave, the URL with it
	h.linkGroup("alice.nguyen@gmail.com")
	h.mustToastInOneLine("✓ link " + aliceGoogle + " into auth…: done.")
	h.press("esc", "esc", "3")
	h.selectAudit("link")
	h.press("U", "y") // the secondary comes back with no login history: its notes say so
	h.mustShow("✓ Done.")
	h.mustToastInOneLine("✓ undo link of google-oa…: done, except what its notes said.")
	h.press("esc")
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "u", "y")
	h.mustShow("✓ Done.")
	h.mustToastInOneLine("✓ unlink " + aliceGoogle + " from al…: done.")

	h = newHarness(t, harnessOpts{tenant: true, width: 60, height: 20, edit: withLongUsername})
	h.m.LoadReport(fixtureReportEdited(t, withLongUsername))
	h.selectAccount(h.openGroup("the.millers@gmail.com"), emmaMiller)
	h.press("v", "y")
	h.mustToastInOneLine("✓ verification email for emma.konstantinopoulou-vand…: done.")
	h.press("D")
	h.typeText("emma.konstantinopoulou-vandenberg")
	h.press("enter")
	h.mustShow("✓ Done.")
	h.mustToastInOneLine("✓ delete emma.konstantinopoulou-vandenberg: done. · ? help")
}
