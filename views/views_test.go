package views

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
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

func TestHelpListsEveryBindingOfTheScreen(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "?")
	h.mustShow("Keys on Groups", "open group", "filter", "sort by next column", "reverse order", "class:link",
		"overview", "audit log", "rescan", "quit now")
	h.press("?")
	activeIs[*Groups](h, "? did not close help")
	h.press("enter", "?")
	h.mustShow("Keys on Group", "link", "unlink", "delete account", "password ticket", "choose primary", "copy user id", "next pane")
	h.press("esc")
	activeIs[*Detail](h, "esc did not close help")
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

// ---- overview ----

func TestOverviewCountsAndOpensAClass(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.mustShow("35 scanned", "10 groups of accounts sharing an email", "Groups by class", "Groups by connections")
	h.press("j", "enter") // needs verification
	g := activeIs[*Groups](h, "enter on a class did not open the groups")
	if g.Filter() != "class:needs_verification" || g.Rows() != 1 {
		t.Errorf("filter %q shows %d groups, want class:needs_verification with 1", g.Filter(), g.Rows())
	}
	h.mustShow("maria.garcia@outlook.com")
}

// TestEveryCombinationOfConnectionsIsReachedFromTheOverview: the
// overview's "… and N more combinations" could not be scrolled to. j past
// the last class goes down the combinations, the page scrolling to each
// (at 60×20, where none fit under the classes, too), the line under the
// page counting those below; enter lists the groups of the combination
// under the cursor, as many as the overview counts; k back up to the
// classes shows the page from its top again.
func TestEveryCombinationOfConnectionsIsReachedFromTheOverview(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
			pairs := h.c.Data.Stats().Pairs
			if len(pairs) < 8 {
				t.Fatalf("the fixture counts %d combinations", len(pairs))
			}
			if size[1] < 30 {
				h.mustShow("combinations below (j)")
			}
			h.press("j", "j", "j", "j") // mixed, the last class
			for i, p := range pairs {
				h.press("j")
				activeIs[*Overview](h, "j left the overview")
				if !readsAs(combinationAtCursor(h.screen()), p.Connections) {
					t.Fatalf("combination %d, %s, is not on screen under the cursor:\n%s", i+1, p.Connections, h.screen())
				}
				if i == 0 && size[1] < 30 {
					h.mustShow("more combinations below (j)")
				}
			}
			h.mustShow("enter its groups")
			want := pairs[len(pairs)-1]
			h.press("enter")
			g := activeIs[*Groups](h, "enter on a combination did not open the groups")
			if g.Filter() != "conn:legacy-members" || g.Rows() != want.Count {
				t.Errorf("filter %q shows %d groups, want conn:legacy-members with %d (%s)", g.Filter(), g.Rows(), want.Count, want.Connections)
			}
			h.press("1")
			for range len(pairs) + 4 {
				h.press("k")
			}
			h.mustShow("Overview\n", "Tenant", "▸ link candidate")
		})
	}
}

// TestEveryCombinationOfConnectionsReadsApartOnTheOverview: at 60×20 the
// combinations were cut at their end, so that
// "Username-Password-Authentication + acme-corp" and "… + acme-corp +
// google-oauth2" both read "Username-Password-Authentication + ac…", and
// "+ github" and "+ google-oauth2" "+ gi…" and "+ go…". Every connection
// of a combination shows, whole or cut in its middle (its start and its
// end kept), so that no two rows read the same; at 120 columns each reads
// whole, as before.
func TestEveryCombinationOfConnectionsReadsApartOnTheOverview(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
			rep := fixtureReport(t)
			addConnectionGroups(rep, []string{"acme-corp"}, []string{"acme-corp", "google-oauth2"}, []string{"github"})
			h.m.LoadReport(rep)
			pairs := h.c.Data.Stats().Pairs
			h.press("j", "j", "j", "j") // mixed, the last class
			seen := map[string]string{}
			for _, p := range pairs {
				h.press("j")
				name := combinationAtCursor(h.screen())
				if other, ok := seen[name]; ok {
					t.Fatalf("%q and %q both read %q:\n%s", other, p.Connections, name, h.screen())
				}
				seen[name] = p.Connections
				if !readsAs(name, p.Connections) {
					t.Fatalf("%s reads %q: not every connection shows, whole or cut in its middle:\n%s", p.Connections, name, h.screen())
				}
				if size[0] >= 120 && name != p.Connections {
					t.Errorf("%s reads %q at %d columns, cut", p.Connections, name, size[0])
				}
			}
		})
	}
}

// TestEveryGroupsConnectionsReadApartInTheList: the groups list cut a
// group's connections at their end, so that at 80 columns "Username-
// Password-Authentication + acme-corp" and "… + github" both read
// "Username-Passwo…"; each connection now shows, cut in its middle, and no
// two groups of other connections read the same.
func TestEveryGroupsConnectionsReadApartInTheList(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {160, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
			rep := &linking.Report{}
			addConnectionGroups(rep, []string{"acme-corp"}, []string{"acme-corp", "google-oauth2"}, []string{"github"}, []string{"github", "google-oauth2"})
			h.m.LoadReport(rep)
			h.press("2")
			lines := strings.Split(h.screen(), "\n")
			from := -1
			for _, l := range lines {
				if i := strings.Index(l, "CONNECTIONS"); i >= 0 {
					from = i
				}
			}
			if from < 0 {
				t.Fatalf("no CONNECTIONS column:\n%s", h.screen())
			}
			seen := map[string]string{}
			for _, l := range lines {
				r := []rune(l)
				if !strings.Contains(l, "@example.com") || len(r) <= from {
					continue
				}
				cell := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(r[from:])), "⚑ yes"))
				email := strings.Fields(strings.TrimPrefix(l, "▸"))[0]
				if other, ok := seen[cell]; ok {
					t.Fatalf("%s and %s both read %q:\n%s", other, email, cell, h.screen())
				}
				seen[cell] = email
				if !strings.HasPrefix(cell, "Use") || !strings.Contains(cell, " + ") {
					t.Errorf("%s reads %q: not every connection begins to show", email, cell)
				}
			}
			if len(seen) != 4 {
				t.Fatalf("%d groups read, want 4:\n%s", len(seen), h.screen())
			}
		})
	}
}

// combinationAtCursor is the combination of connections on the overview's
// line under the cursor, as it reads there ("" on none).
func combinationAtCursor(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if row, ok := strings.CutPrefix(l, "▸ "); ok {
			row = strings.TrimRight(row, "█░ ") // the bar
			if i := strings.LastIndex(row, " "); i > 0 {
				return strings.TrimSpace(row[:i]) // less the count
			}
		}
	}
	return ""
}

// readsAs reports whether name shows every connection of combination, in
// its order, each whole or cut in its middle (its start and end kept).
func readsAs(name, combination string) bool {
	parts, shown := strings.Split(combination, " + "), strings.Split(name, " + ")
	if len(shown) != len(parts) {
		return false
	}
	for i, part := range parts {
		before, after, cut := strings.Cut(shown[i], "…")
		if shown[i] != part && (!cut || len(before) < 3 || after == "" || !strings.HasPrefix(part, before) || !strings.HasSuffix(part, after)) {
			return false
		}
	}
	return true
}

// TestTheOverviewScrollsManyCombinationsUnderTheirTitle: 33 combinations
// at 60×20: each one j reaches is on screen under the cursor, the title
// "Groups by connections" kept on top once the classes scroll away, and
// the page never taller than the window.
func TestTheOverviewScrollsManyCombinationsUnderTheirTitle(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 60, height: 20})
	rep := fixtureReport(t)
	for i := range 25 {
		rep.Groups = append(rep.Groups, &linking.Group{Email: fmt.Sprintf("x%d@example.com", i), Class: linking.ClassLinkCandidate,
			Accounts: []*linking.Account{{UserID: fmt.Sprintf("a|%d", i), Connection: fmt.Sprintf("conn-%02d", i)}, {UserID: fmt.Sprintf("b|%d", i), Connection: "google-oauth2"}}})
	}
	h.m.LoadReport(rep)
	pairs := h.c.Data.Stats().Pairs
	h.press("j", "j", "j", "j")
	for i, p := range pairs {
		h.press("j")
		scr := h.screen()
		if n := strings.Count(scr, "\n") + 1; n > 20 {
			t.Fatalf("%d lines in a window of 20:\n%s", n, scr)
		}
		if !readsAs(combinationAtCursor(scr), p.Connections) || !strings.Contains(scr, "Groups by connections\n") {
			t.Fatalf("combination %d, %s, is not on screen under its title:\n%s", i+1, p.Connections, scr)
		}
	}
	h.mustShow("▸ legacy-members")
}

// TestTypingAfterAClassFromTheOverviewAddsAWord: / on the list the
// overview opened filtered by a class starts a word of its own after the
// class (filter words are ANDed): typing a name finds its group of that
// class, as does a paste; backspace goes back into the class word.
func TestTypingAfterAClassFromTheOverviewAddsAWord(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("enter") // link candidate
	g := activeIs[*Groups](h, "enter on a class did not open the groups")
	candidates := g.Rows()
	h.press("/")
	h.typeText("alice")
	if g.Filter() != "class:link_candidate alice" || g.Rows() != 1 {
		t.Fatalf("filter %q shows %d groups, want class:link_candidate alice with 1:\n%s", g.Filter(), g.Rows(), h.screen())
	}
	h.mustShow("/ class:link_candidate alice", "alice.nguyen@gmail.com")
	h.press("enter", "/") // kept: / again goes on with a new word
	h.typeText("gmail")
	if g.Filter() != "class:link_candidate alice gmail" || g.Rows() != 1 {
		t.Fatalf("filter %q shows %d groups", g.Filter(), g.Rows())
	}
	h.press("enter", "1", "enter") // the class again, then a paste
	h.paste("alice.nguyen@gmail.com")
	if g.Filter() != "class:link_candidate alice.nguyen@gmail.com" || g.Rows() != 1 {
		t.Fatalf("after a paste, filter %q shows %d groups", g.Filter(), g.Rows())
	}
	h.press("enter", "1", "enter", "/", "backspace")
	if g.Filter() != "class:link_candidate" || g.Rows() != candidates {
		t.Fatalf("backspace after / leaves filter %q with %d groups, want the class with %d", g.Filter(), g.Rows(), candidates)
	}
}

// ---- groups ----

func TestLettersTypeWhileFiltering(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "/")
	h.typeText("q1?jk3 Dl")
	g, ok := h.active().(*Groups)
	if h.quit || !ok {
		t.Fatalf("typing into the filter ran global keys; active %v quit %v", h.active().Title(), h.quit)
	}
	if g.Filter() != "q1?jk3 Dl" {
		t.Errorf("filter is %q, want every letter typed", g.Filter())
	}
	h.press("backspace", "backspace", "backspace", "backspace", "ctrl+u")
	if g.Filter() != "" {
		t.Errorf("filter after clearing: %q", g.Filter())
	}
}

func TestFilterNarrowsAndEscClears(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "/")
	g := h.active().(*Groups)
	all := g.Rows()
	h.typeText("gmail")
	gmail := g.Rows()
	h.typeText(" class:shared")
	if g.Rows() != 1 || gmail >= all {
		t.Fatalf("rows: all %d, gmail %d, gmail+shared %d", all, gmail, g.Rows())
	}
	h.mustShow("the.millers@gmail.com")
	h.press("enter") // keep the filter, leave typing
	if g.Capturing() || g.Filter() == "" {
		t.Fatal("enter did not keep the filter")
	}
	h.press("esc")
	if g.Filter() != "" || g.Rows() != all {
		t.Errorf("esc left filter %q with %d rows", g.Filter(), g.Rows())
	}
	if h.active() != g {
		t.Error("esc with a filter left the screen instead of clearing the filter")
	}
}

func TestFilterByUserIDAndIdentifier(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "/")
	g := h.active().(*Groups)
	h.typeText("github|5832311")
	if g.Rows() != 1 || g.Selected().Email != "maria.garcia@outlook.com" {
		t.Fatalf("user id filter: %d rows", g.Rows())
	}
	h.press("ctrl+u")
	h.typeText("rosebakery-airport")
	if g.Rows() != 1 || g.Selected().Email != "orders@rosebakery.com" {
		t.Fatalf("identifier filter: %d rows", g.Rows())
	}
}

func TestSortCyclesColumnsAndReverses(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2")
	g := h.active().(*Groups)
	if g.Selected().Email != "wei.zhang@gmail.com" {
		t.Fatalf("report order starts with %s", g.Selected().Email)
	}
	h.press("s", "g")
	h.mustShow("sorted by email ▲")
	if g.Selected().Email != "alice.nguyen@gmail.com" {
		t.Errorf("by email, first is %s", g.Selected().Email)
	}
	h.press("S", "g")
	h.mustShow("sorted by email ▼")
	if g.Selected().Email != "wei.zhang@gmail.com" {
		t.Errorf("by email reversed, first is %s", g.Selected().Email)
	}
	h.press("G", "k", "g")
	if g.Selected().Email != "wei.zhang@gmail.com" {
		t.Errorf("g went to %s", g.Selected().Email)
	}
}

// ---- detail ----

func TestDetailShowsEveryAccountAndWhy(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.openGroup("lena.fischer@gmail.com")
	h.mustShow("auth0|61a1b2c3d4e5f60718293a4b", "google-oauth2|109876543210987654321",
		"linked: ", "★ Recommended primary: auth0|61a1b2c3d4e5f60718293a4b", "Why this group", "⚑ missed by the Account Link Extension")
}

func TestDetailChoosesAnotherPrimaryAndCopiesAUserID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	d := h.openGroup("alice.nguyen@gmail.com")
	if d.Primary() != "auth0|63ea1f0b2c8d4e5f60718293" {
		t.Fatalf("primary %s, want the recommended one", d.Primary())
	}
	h.press("j", "p")
	if d.Primary() != "google-oauth2|108812345678901234567" {
		t.Fatalf("p chose %s", d.Primary())
	}
	h.mustShow("◆ You chose google-oauth2|108812345678901234567")
	_, cmd := h.m.Update(keyPress("y"))
	var copied bool
	for _, msg := range run(cmd) {
		if _, ok := msg.(tui.NoteMsg); ok {
			copied = true
		}
		h.send(msg)
	}
	if !copied {
		t.Fatal("y did not copy")
	}
	h.mustShow("Copied, if the terminal allows OSC 52: google-oauth2|108812345678901234567") // the hedge first: a narrow toast cuts the id, not the hedge
	h.press("l")
	w, ok := h.active().(*LinkWizard)
	if !ok || w.primary != "google-oauth2|108812345678901234567" {
		t.Fatal("the link wizard did not start with the chosen primary")
	}
}

func TestTabMovesBetweenPanes(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("j")
	if d.cursor != 1 {
		t.Fatalf("j moved the cursor to %d", d.cursor)
	}
	h.press("tab", "j", "j")
	if d.cursor != 1 || d.pane != 1 {
		t.Errorf("after tab, j moved the account cursor (%d) instead of scrolling", d.cursor)
	}
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

func TestResizeReflowsTheList(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.m.LoadReport(benchReport(200))
	h.press("2", "G") // the cursor on the last group
	rows := func() int { return strings.Count(h.screen(), "@") }
	small := rows()
	h.send(tea.WindowSizeMsg{Width: 140, Height: 50})
	if big := rows(); big != small+20 {
		t.Fatalf("%d rows at 100×30, %d at 140×50: want 20 more", small, big)
	}
	h.mustShow("▸ hana.smith199") // the cursor's group stays on screen
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if rows() != small-6 {
		t.Fatalf("%d rows at 80×24, want %d", rows(), small-6)
	}
	h.mustShow("▸ hana.smith199")
}

// TestThePrimaryChosenGoesWithItsAccount: the account chosen with p is
// deleted; the group no longer names it as the primary of the next link.
func TestThePrimaryChosenGoesWithItsAccount(t *testing.T) {
	const github = "github|9007199254740993"
	h := newHarness(t, harnessOpts{tenant: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.selectAccount(d, github)
	h.press("p")
	h.mustShow("◆ You chose")
	h.press("D")
	h.typeText(activeIs[*DeleteDialog](h, "D did not open the delete dialog").Expected())
	h.press("enter")
	h.mustShow("✓ Done.")
	h.press("esc")
	d = activeIs[*Detail](h, "esc did not go back to the group")
	if strings.Contains(h.screen(), "◆ You chose") || d.chosen != "" {
		t.Fatalf("the deleted account is still chosen as the primary (%q):\n%s", d.chosen, h.screen())
	}
	if d.Primary() != "auth0|5f1a2b3c4d5e6f7081920a1b" {
		t.Fatalf("the next link's primary is %s, want the recommended one", d.Primary())
	}
}

// TestReadOnlyRefusesChoosingAPrimary: p chooses for a link, which a
// read-only session cannot make; it says so rather than promise a link.
func TestReadOnlyRefusesChoosingAPrimary(t *testing.T) {
	h := newHarness(t, harnessOpts{readOnly: true})
	d := h.openGroup("wei.zhang@gmail.com")
	h.press("j", "p")
	if d.chosen != "" || strings.Contains(h.screen(), "will be the primary of the next link") {
		t.Fatalf("p chose a primary in a read-only session:\n%s", h.screen())
	}
	h.mustShow("read-only session")
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
