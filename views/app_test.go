package views

import (
	"context"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/tui"
)

// ---- the shell ----

func TestCtrlCQuitsFromAnywhere(t *testing.T) {
	for _, where := range [][]string{nil, {"2", "/"}, {"2", "enter", "D"}} {
		h := newHarness(t, harnessOpts{})
		h.press(where...)
		h.press("ctrl+c")
		if !h.quit {
			t.Errorf("ctrl+c after %v did not quit; screen:\n%s", where, h.screen())
		}
	}
}

func TestQQuitsAtOnceWithoutWritesInFlight(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
}

func TestQAsksFirstWhileAWriteIsInFlight(t *testing.T) {
	h := newHarness(t, harnessOpts{outside: true})
	// A write whose answer has not come: its command is never run here.
	h.m.Update(tui.WriteRequest{Task: tui.NewTask(), Label: "link google-oauth2|1 into auth0|2", Emails: []string{"a@b.c"},
		Run: func(context.Context) (any, error) { return nil, nil }})
	h.mustShow("writes 1 (link google-oauth2|1 into")

	h.press("q")
	if h.quit {
		t.Fatal("q quit while a write was in flight, without asking")
	}
	h.mustShow("Quit while a write is in flight?", "link google-oauth2|1 into auth0|2", "n no (default)")
	h.mustShowWhole("one still reading sends nothing; a call already sent is settled by `linkdesk resume`, which reads the tenant.")
	h.press("enter")
	if h.quit {
		t.Fatal("enter confirmed quitting")
	}
	h.press("n")
	if h.quit {
		t.Fatal("n quit")
	}
	if _, isConfirm := h.active().(*tui.Confirm); isConfirm {
		t.Fatal("n did not close the question")
	}
	h.press("q", "y")
	if !h.quit {
		t.Fatal("q then y did not quit")
	}
}

// Quitting the demo during a write ends its sandbox tenant: the question
// says nothing is left to settle, and sends no one to resume.
func TestQuittingTheDemoDuringAWriteSaysTheSandboxEndsWithIt(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.m.Update(tui.WriteRequest{Task: tui.NewTask(), Label: "link google-oauth2|1 into auth0|2", Emails: []string{"a@b.c"},
		Run: func(context.Context) (any, error) { return nil, nil }})
	h.press("q")
	h.mustShowWhole("Quit while a write is in flight?", "the sandbox tenant ends with this linkdesk, and so does what was cut off: nothing is left to settle.")
	if strings.Contains(h.screen(), "resume") {
		t.Errorf("the demo's quit question sends the operator to resume:\n%s", h.screen())
	}
}

// A ticket or a verification email leaves nothing on the tenant to read:
// quitting while one is out says it may or may not have gone out, and what
// to do, not that resume reads the tenant to learn it. A link beside it
// keeps its words.
func TestQuittingDuringATicketOrAVerificationEmailSaysTheTenantCannotTell(t *testing.T) {
	for _, tc := range []struct {
		name, email, keys, unknowable string
	}{
		{"ticket", "the.millers@gmail.com", "t", "a ticket already asked for may or may not have been made, and the tenant keeps nothing that tells: its URL was never shown, so `linkdesk resume` makes a new one (or with --discard leaves it)."},
		{"verification email", "maria.garcia@outlook.com", "jv", "a verification email already asked for may or may not have been sent, and the tenant keeps nothing that tells: ask the person whether it came; `linkdesk resume` sends it again (or with --discard leaves it)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, outside: true, width: 60, height: 20})
			h.openGroup(tc.email)
			for _, k := range tc.keys {
				h.press(string(k))
			}
			h.m.Update(keyPress("y")) // its answer never comes: the command is not run
			h.press("q")
			h.mustShowWhole("Quit while a write is in flight?", "Quitting now stops them where they stand: one still reading sends nothing; "+tc.unknowable)
			if strings.Contains(flowed(h.screen()), "which reads the tenant") {
				t.Fatalf("the question says resume reads the tenant to settle a %s:\n%s", tc.name, h.screen())
			}
			// A link in flight beside it is settled by reading the tenant.
			h.press("n")
			h.m.Update(tui.WriteRequest{Task: tui.NewTask(), Label: "link google-oauth2|1 into auth0|2", Emails: []string{"a@b.c"},
				Run: func(context.Context) (any, error) { return nil, nil }})
			h.send(tea.WindowSizeMsg{Width: 60, Height: 40})
			h.press("q")
			h.mustShowWhole("one still reading sends nothing; a call already sent is settled by `linkdesk resume`, which reads the tenant; " + tc.unknowable)
		})
	}
}

func TestEscCancelsARunningScanAndKeepsTheLastReport(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	scan := h.startScan()
	h.mustShow("scan: reading connections… (esc cancels)")
	h.press("esc")
	if h.m.Scanning() {
		t.Fatal("esc did not cancel the scan")
	}
	h.mustShow("Scan cancelled. Press r to scan again.")
	h.send(scan) // the cancelled scan ends; its answer must not replace the report
	h.mustShow("rescan cancelled; showing the scan of "+h.c.Data.Report.ScannedAt.In(h.c.Now().Location()).Format("15:04"), "link candidate")
	if h.c.Data.Report == nil || len(h.c.Data.Groups) != 10 {
		t.Fatalf("the report was lost: %+v", h.c.Data.Report)
	}
}

// TestTheStatusBarOffersEscOnlyWhereItCancelsTheScan: "(esc cancels)"
// shows while esc would reach the scan, and not while a screen or a dialog
// above takes esc for itself (the ticket dialog cancels, a group goes back,
// a list clears its filter): there esc leaves the scan running.
func TestTheStatusBarOffersEscOnlyWhereItCancelsTheScan(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	scan := h.startScan()
	h.mustShow("scan: reading connections… (esc cancels)")
	bar := func() string { lines := strings.Split(h.screen(), "\n"); return lines[len(lines)-1] }
	h.openGroup("the.millers@gmail.com")
	h.press("t")
	activeIs[*TicketDialog](h, "t did not open the ticket dialog")
	for _, where := range []string{"the ticket dialog", "the group"} {
		if !strings.Contains(bar(), "scan: reading connections") || strings.Contains(bar(), "esc cancels") {
			t.Fatalf("on %s the status bar offers esc to cancel the scan: %q", where, bar())
		}
		h.press("esc")
		if !h.m.Scanning() {
			t.Fatalf("esc on %s cancelled the scan", where)
		}
	}
	groups := activeIs[*Groups](h, "esc twice did not go back to the groups list")
	if groups.Filter() == "" || strings.Contains(bar(), "esc cancels") {
		t.Fatalf("with a filter esc clears (%q), yet the status bar offers it to the scan: %q", groups.Filter(), bar())
	}
	h.press("esc") // the filter goes
	if !h.m.Scanning() || !strings.Contains(bar(), "(esc cancels)") {
		t.Fatalf("back on a list without a filter, the bar does not offer esc: %q", bar())
	}
	h.press("esc")
	if h.m.Scanning() {
		t.Fatal("esc there did not cancel the scan")
	}
	h.send(scan)
}

func TestAScanRunsInTheBackgroundAndFillsTheScreens(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.c.Data.SetReport(nil)
	h.press("r")
	if h.m.Scanning() {
		t.Fatal("the scan did not finish")
	}
	if len(h.c.Data.Groups) != 10 {
		t.Fatalf("the scan found %d groups, want the fixture's 10", len(h.c.Data.Groups))
	}
	h.mustShow("scanned 35 users", "by users export")
}

func TestASmallWindowAsksForABiggerOne(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.send(tea.WindowSizeMsg{Width: 59, Height: 30})
	h.mustShow("at least 60×20", "59×30", "Make the window bigger")
	h.press("2") // keys other than q do nothing meanwhile
	h.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	h.mustShow("[1 Overview]", "Groups by class")
}

func TestReadOnlyTurnsWritesOffAndSaysSo(t *testing.T) {
	h := newHarness(t, harnessOpts{readOnly: true})
	h.mustShow("READ-ONLY")
	d := h.openGroup("wei.zhang@gmail.com")
	h.mustShow("link, unlink, delete, tickets and verification emails are off")
	for _, k := range []string{"l", "u", "D", "t"} {
		h.press(k)
		if h.active() != d {
			t.Fatalf("%s opened %s in a read-only session", k, h.active().Title())
		}
		h.mustShow("read-only session")
	}
	h.press("?")
	h.mustShow("(off: read-only)")
}

func TestTheTerminalBackgroundPicksTheTheme(t *testing.T) {
	c := &tui.Common{}
	m := New(c, tui.Options{Theme: tui.ThemeDark})
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if c.Styles.Theme != tui.ThemeLight {
		t.Fatalf("a white background gave theme %d", c.Styles.Theme)
	}
	m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if c.Styles.Theme != tui.ThemeDark {
		t.Fatalf("a black background gave theme %d", c.Styles.Theme)
	}
	noColor := &tui.Common{}
	m = New(noColor, tui.Options{Theme: tui.ThemeNoColor, FixedTheme: true})
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if noColor.Styles.Theme != tui.ThemeNoColor {
		t.Fatal("the background colour turned colour back on")
	}
}

// TestQuitNamesTheGroupOfEachWizard: two link wizards open, each with
// choices; the question to quit says which group each one is for.
func TestQuitNamesTheGroupOfEachWizard(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "j", "space")
	h.press("f")
	h.typeText("alice.nguyen@gmail.com")
	h.press("enter", "enter")
	activeIs[*Account](h, "enter on the accounts found did not open one")
	h.press("l", "j", "p")
	activeIs[*LinkWizard](h, "l did not open a second wizard")
	h.press("q")
	h.mustShow("the link wizard of wei.zhang@gmail.com: its choices", "the link wizard of alice.nguyen@gmail.com: its choices")
}

// TestTheBreadcrumbsKeepTheCurrentScreen: in a narrow window the trail
// shortens its middle and its long names, never the last crumb, which
// names the screen shown; crumbs are the screens' titles.
func TestTheBreadcrumbsKeepTheCurrentScreen(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l")
		activeIs[*LinkWizard](h, "l did not open the wizard")
		if top := firstLine(h.screen()); !strings.HasSuffix(strings.TrimRight(top, " "), "› Link") {
			t.Errorf("%dx%d: the header does not end with the wizard: %q", size[0], size[1], top)
		}
		h.press("esc", "D")
		activeIs[*DeleteDialog](h, "D did not open the delete dialog")
		if top := firstLine(h.screen()); !strings.HasSuffix(strings.TrimRight(top, " "), "› Delete") || !strings.Contains(top, "Groups") && size[0] > 60 {
			t.Errorf("%dx%d: the header does not end with the dialog: %q", size[0], size[1], top)
		}
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

func TestTheQuitQuestionCountsOnlyWritesStillInFlight(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	task := tui.NewTask()
	h.m.Update(tui.WriteRequest{Task: task, Label: "link google-oauth2|1 into auth0|2", Run: func(context.Context) (any, error) { return nil, nil }})
	h.press("q")
	h.mustShow("1 write in flight", "link google-oauth2|1 into auth0|2")
	h.send(tui.WriteDoneMsg{Task: task, Label: "link google-oauth2|1 into auth0|2"})
	h.mustShow("Every write has finished meanwhile")
	if strings.Contains(h.screen(), "still waiting") || strings.Contains(h.screen(), "in flight?") {
		t.Fatalf("the question still counts the finished write:\n%s", h.screen())
	}
	h.press("y")
	if !h.quit {
		t.Fatal("y did not quit")
	}
}

// TestAScanWithFewerGroupsReplacesTheOneOnScreen: a report that replaces
// the one on screen (the snapshot brought up to date, a rescan) may hold
// fewer groups than the row under the cursor; every screen takes it.
func TestAScanWithFewerGroupsReplacesTheOneOnScreen(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.m.LoadReport(benchReport(500))
	h.press("2")
	for range 300 {
		h.press("j")
	}
	h.m.LoadReport(benchReport(10))
	h.mustShow("10 groups")
	h.press("1")
	h.m.LoadReport(benchReport(3))
	h.press("2")
	h.mustShow("3 groups")
}

// drainScan runs a scan to its end without giving its messages to the
// model: the scan reads the tenant now, its answers land when the test
// sends them.
func drainScan(t testing.TB, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			break
		}
		out = append(out, msg)
		switch m := msg.(type) {
		case tui.ScanProgressMsg:
			cmd = m.Next()
		case tui.ScanSnapshotMsg:
			cmd = m.Next()
		default:
			cmd = nil
		}
	}
	if _, ok := out[len(out)-1].(tui.ScanDoneMsg); !ok {
		t.Fatalf("the scan did not end: %#v", out[len(out)-1])
	}
	return out
}

// TestAScanThatEndsAfterAWriteKeepsWhatTheWriteDid: a scan that read the
// tenant before a link ends after it; the group as re-read after the link
// stays, not the scan's older copy.
func TestAScanThatEndsAfterAWriteKeepsWhatTheWriteDid(t *testing.T) {
	const email, google = "alice.nguyen@gmail.com", "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true})
	events := drainScan(t, h.startScan()) // read before the link
	h.linkGroup(email)
	h.press("esc")
	for _, msg := range events {
		h.send(msg)
	}
	if h.m.Scanning() {
		t.Fatal("the scan did not end")
	}
	i, ok := h.c.Data.Find(email)
	if !ok {
		t.Fatal("the group left the data")
	}
	g := h.c.Data.Groups[i]
	if len(g.Accounts) != 1 || len(g.Accounts[0].Linked) != 1 || g.Accounts[0].Linked[0].Provider+"|"+g.Accounts[0].Linked[0].UserID != google {
		t.Fatalf("after the scan the group shows the tenant before the link: %+v", g.Accounts)
	}
	h.mustShow("resolved: one account holds this email now", "linked: "+google)
	// A scan that starts after the write sees it: the write is forgotten.
	h.send(h.startScan())
	if g := h.c.Data.Groups; len(g) == 0 {
		t.Fatal("no groups after the second scan")
	}
	if a, _ := h.c.Data.Account(google); a != nil {
		t.Fatalf("the linked identity is an account of its own again: %+v", a)
	}
}

// TestTheSnapshotShownWhileAScanRunsKeepsWhatAWriteDid: the snapshot shown
// while the scan brings it up to date predates a link made since; the
// group as re-read after the link stays on screen.
func TestTheSnapshotShownWhileAScanRunsKeepsWhatAWriteDid(t *testing.T) {
	const email, google = "alice.nguyen@gmail.com", "google-oauth2|108812345678901234567"
	h := newHarness(t, harnessOpts{tenant: true})
	h.send(h.startScan()) // keeps a snapshot
	h.linkGroup(email)
	h.press("esc")
	events := drainScan(t, h.startScan())
	snapshot := false
	for _, msg := range events {
		h.send(msg)
		if _, ok := msg.(tui.ScanSnapshotMsg); ok {
			snapshot = true
			if a, _ := h.c.Data.Account(google); a != nil {
				t.Fatalf("the snapshot put the linked identity back as an account of its own: %+v", a)
			}
			h.mustShow("linked: " + google)
		}
	}
	if !snapshot {
		t.Fatal("the second scan showed no snapshot")
	}
	if a, _ := h.c.Data.Account(google); a != nil {
		t.Fatalf("the linked identity is an account of its own again: %+v", a)
	}
}

// TestAnUndoThatMakesAPairAgainBringsItsGroupBack: a link, a rescan (the
// group, one account now, leaves the report), the link undone: the two
// accounts share their email again and their group is listed and counted.
func TestAnUndoThatMakesAPairAgainBringsItsGroupBack(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "r")
	if _, ok := h.c.Data.Find("alice.nguyen@gmail.com"); ok {
		t.Fatal("the rescan kept a group of one account")
	}
	groups := h.c.Data.Stats().Groups
	h.press("3", "U")
	h.mustShow("Undo it?")
	h.press("y")
	h.mustShow("✓ Done.")
	h.press("esc")
	if got := h.c.Data.Stats().Groups; got != groups+1 {
		t.Fatalf("the overview counts %d groups after the undo, want %d", got, groups+1)
	}
	h.press("2", "/", "ctrl+u")
	h.typeText("alice.ng")
	h.press("enter")
	h.mustShow("alice.nguyen@gmail.com")
	if strings.Contains(h.screen(), "No group matches this filter") {
		t.Fatalf("the group the undo made again is not listed:\n%s", h.screen())
	}
}

// tenantWrites counts the requests that would change the tenant.
func tenantWrites(srv *emulator.Server) int64 {
	st := srv.Stats()
	var n int64
	for _, route := range []string{emulator.RoutePatchUser, emulator.RouteDeleteUser, emulator.RouteLink, emulator.RouteUnlink,
		emulator.RouteCreateUser, "POST /api/v2/tickets/password-change"} {
		n += st.Requests[route]
	}
	return n + int64(len(st.Effects))
}

// TestReadOnlyIsEnforcedUnderTheScreens confirms a link in the wizard with
// read-only on at one layer under the screens only, as if the screens had
// a bug and let the operator through: the backend (and its executor)
// refuses, and so does the client below it. No write reaches the tenant.
func TestReadOnlyIsEnforcedUnderTheScreens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  harnessOpts
		setup func(h *harness)
		says  string
	}{
		{"the backend is read-only", harnessOpts{tenant: true}, func(h *harness) { h.c.Backend.Session.ReadOnly = true }, "read-only mode"},
		{"the client is read-only", harnessOpts{tenant: true, readOnly: true}, func(h *harness) {
			h.c.ReadOnly, h.c.Backend.Session.ReadOnly = false, false // screens and backend would write
		}, "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			tc.setup(h)
			h.openGroup("wei.zhang@gmail.com")
			h.press("l", "enter", "enter")
			h.mustShow("Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?")
			h.press("y")
			h.mustShow(tc.says)
			if n := tenantWrites(h.srv); n != 0 {
				t.Fatalf("%d writes reached the tenant", n)
			}
		})
	}
	// With the whole session read-only, the keys that write only say why.
	h := newHarness(t, harnessOpts{tenant: true, readOnly: true})
	h.openGroup("wei.zhang@gmail.com")
	for _, key := range []string{"l", "u", "D", "t"} {
		h.press(key)
		h.mustShow("read-only session (--read-only)")
	}
	if n := tenantWrites(h.srv); n != 0 {
		t.Fatalf("%d writes reached the tenant", n)
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

// q typed in the same read as the y that approves a write finds the write
// in flight: it asks before quitting, and the write goes out once.
func TestQTypedWithTheYOfAWriteAsksFirst(t *testing.T) {
	t.Run("verification email", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
		d := h.openGroup("maria.garcia@outlook.com")
		h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
		h.press("v")
		h.pressAhead("y", "q")
		if h.quit {
			t.Fatal("q right after y quit without asking")
		}
		h.mustShow("Quit anyway?") // asked; the write has ended since (the harness ran it)
		if n := verificationJobs(h); n != 1 {
			t.Fatalf("%d verification emails, want 1", n)
		}
	})
	t.Run("link", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
		h.openGroup("alice.nguyen@gmail.com")
		h.press("l", "enter", "enter")
		h.pressAhead("y", "q")
		if h.quit {
			t.Fatal("q right after y quit without asking")
		}
		h.mustShow("Quit anyway?") // asked; the write has ended since (the harness ran it)
		if n := h.srv.Stats().Requests["POST /api/v2/users/{id}/identities"]; n != 1 {
			t.Fatalf("%d link calls, want 1", n)
		}
	})
}

// q quits as it is handled: v and y read with it open no question and send
// no email.
func TestKeysReadWithQReachNoScreen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
	var cmds []tea.Cmd
	for _, k := range []string{"q", "v", "y"} {
		_, cmd := h.m.Update(keyPress(k))
		cmds = append(cmds, cmd)
	}
	if n := h.m.WritesInFlight(); n != 0 {
		t.Fatalf("keys read with q started %d writes", n)
	}
	for _, cmd := range cmds {
		h.send(cmd)
	}
	if !h.quit || verificationJobs(h) != 0 {
		t.Fatalf("quit %v, %d verification emails", h.quit, verificationJobs(h))
	}
}
