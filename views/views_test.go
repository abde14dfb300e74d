package views

import (
	"context"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

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
