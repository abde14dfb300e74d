package views

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// TestEveryGroupsConnectionsReadApartInTheList: the groups list cut a
// group's connections at their end, so that at 80 columns "Username-
// Password-Authentication + acme-corp" and "… + github" both read
// "Username-Passwo…"; each connection now shows (each long name cut at its
// end: TestAConnectionCutInTheListReadsAsCut), and no two groups of other
// connections read the same.
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

// TestAConnectionCutInTheListReadsAsCut: the groups list cut a long
// connection name in its middle, at a place that moved from row to row
// ("Username-Pa…cation", "Username-Passwor…entication"), down to "Use…n +
// git…b +…" at 80 columns. A name cut now ends with "…", the start of the
// name before it; a row that cannot show every name counts those it
// leaves out ("+2"); a name is never split inside a character (a wide one,
// the placeholder of an escape sequence a sanitized name holds), and the
// MISSED column stays aligned.
func TestAConnectionCutInTheListReadsAsCut(t *testing.T) {
	const wide, hostile = "東京本社データベース", "evil\x1b[2J\x1b]0;pwned\x07-db"
	for _, width := range []int{60, 70, 80, 100, 160} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: width, height: 24})
			rep := &linking.Report{}
			addConnectionGroups(rep, []string{"acme-corp"}, []string{"acme-corp", "google-oauth2"}, []string{"github"},
				[]string{"github", "google-oauth2"}, []string{wide}, []string{hostile, "google-oauth2"}, []string{"acme-corp", "github", wide, "google-oauth2"})
			for _, g := range rep.Groups {
				g.MissedByExtension = true
			}
			h.m.LoadReport(rep)
			h.press("2")
			lines := strings.Split(h.screen(), "\n")
			header := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "EMAIL") })
			if header < 0 || !strings.Contains(lines[header], "MISSED") || !strings.Contains(lines[header], "CONNECTIONS") {
				t.Fatalf("no CONNECTIONS or MISSED column:\n%s", h.screen())
			}
			cellAt := func(l, col string) int { return ansi.StringWidth(l[:strings.Index(l, col)]) }
			from, missedAt := cellAt(lines[header], "CONNECTIONS"), cellAt(lines[header], "MISSED")
			cut := 0
			for _, l := range lines[header+1:] {
				if !strings.Contains(l, "@example.com") {
					continue
				}
				if got := cellAt(l, "⚑"); got != missedAt {
					t.Fatalf("the MISSED flag is at cell %d, its column at %d:\n%s", got, missedAt, h.screen())
				}
				email := strings.Fields(strings.TrimPrefix(l, "▸"))[0]
				i := slices.IndexFunc(h.c.Data.Groups, func(g *linking.Group) bool { return g.Email == email })
				names := strings.Split(h.c.Data.Connections(i), " + ")
				cell := strings.TrimSpace(ansi.Cut(l, from, missedAt))
				shown := strings.Split(cell, " + ")
				if at := strings.LastIndex(cell, " +"); at >= 0 && !strings.Contains(cell[at:], "+ ") { // the names left out, counted
					shown = strings.Split(cell[:at], " + ")
					if n := cell[at+2:]; n != fmt.Sprint(len(names)-len(shown)) {
						t.Fatalf("%s reads %q: +%s does not count the names left out of %q", email, cell, n, names)
					}
				}
				if len(shown) > len(names) {
					t.Fatalf("%s reads %q, its connections %q", email, cell, names)
				}
				for i, part := range shown {
					name := termsafe.Sanitize(names[i])
					if part == name {
						continue
					}
					start, ok := strings.CutSuffix(part, "…")
					if !ok || start == "" || strings.Contains(start, "…") || !strings.HasPrefix(name, start) {
						t.Fatalf("%s reads %q: %q is not %q cut at its end with …:\n%s", email, cell, part, name, h.screen())
					}
					cut++
				}
			}
			if width >= 160 && cut > 0 {
				t.Errorf("at %d columns %d names are cut:\n%s", width, cut, h.screen())
			}
		})
	}
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

// The arrow says which way a sort runs: accounts sort most first (▼).
func TestTheSortArrowSaysWhichWayTheListRuns(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("2", "s")
	h.mustShow("sorted by email ▲")
	h.press("s")
	h.mustShow("sorted by accounts ▼")
	h.press("S")
	h.mustShow("sorted by accounts ▲")
}

// A list sorted by missed keeps the MISSED column that sort is about: the
// connections shrink and go before it (at 80 columns they went first).
func TestAListSortedByMissedShowsWhichAreMissed(t *testing.T) {
	for _, width := range []int{60, 80, 100} {
		h := newHarness(t, harnessOpts{tenant: true, width: width, height: 24})
		h.press("2", "s", "s", "s", "s")
		h.mustShow("sorted by missed")
		if !strings.Contains(h.screen(), "MISSED") {
			t.Errorf("at %d columns, sorted by missed, no MISSED column:\n%s", width, h.screen())
		}
	}
}

// The MISSED flag outlives the connection names down to 60 columns,
// whatever the sort: at 70 and 60 columns it went first, the connections
// (which the group screen names) staying at 70.
func TestTheGroupsListKeepsMissedLongerThanConnections(t *testing.T) {
	for _, width := range []int{60, 70, 80, 100} {
		h := newHarness(t, harnessOpts{tenant: true, width: width, height: 20})
		h.press("2")
		if !strings.Contains(h.screen(), "MISSED") {
			t.Errorf("at %d columns no MISSED column:\n%s", width, h.screen())
		}
		// The widest email a page shows is cut to half the window: the
		// demo tenant's addresses fill it.
		for _, conns := range []int{11, 60} {
			if c := groupColumns(width, width/2, conns, false); c.missed == 0 {
				t.Errorf("at %d columns, emails %d wide and connections %d: %+v, no MISSED", width, width/2, conns, c)
			}
		}
	}
}

// A paste on the groups list filters it, as / and typing do.
func TestAPasteOnTheGroupsListFiltersIt(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2")
	h.paste("  liam.miller  ")
	h.mustShow("/ liam.miller█", "the.millers@gmail.com", "1 of 10 groups")
	h.press("enter", "enter")
	activeIs[*Detail](h, "enter did not open the group the paste found")
}

// TestAfterALinkTheGroupsListCountsAsTheOverview: a group resolved by a
// link is counted apart on the groups list, as on the overview, not among
// the groups that still share an email.
func TestAfterALinkTheGroupsListCountsAsTheOverview(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "1")
	h.mustShowWhole("9 groups of accounts sharing an email; 1 resolved in this session")
	h.press("2", "esc")
	h.mustShowWhole("Groups 9 of 9 groups · 1 resolved · sorted by")
}

// enter on the overview opens the groups list of a class; j typed with it
// moves that list, not the overview's cursor.
func TestKeysTypedAfterEnterOnTheOverviewReachTheGroupsList(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.pressAhead("enter", "j")
	g := activeIs[*Groups](h, "enter on the overview did not open the groups list")
	if g.cursor != 1 {
		t.Fatalf("j after enter left the groups cursor at %d:\n%s", g.cursor, h.screen())
	}
}

// TestWriteKeysOnTheGroupsListSayWhereTheyWork: l, D, u, t, v, p, U and y
// on the groups list did nothing and said nothing, the footer unchanged.
// Each says at once, without a ✓, what it does and where: the group opened
// first (enter), the audit log (3) for U, a group's or an account's screen
// for y; and it acts on no group. Read-only, the write keys say so at once.
func TestWriteKeysOnTheGroupsListSayWhereTheyWork(t *testing.T) {
	says := map[string]string{
		"l": "l links accounts of one group: enter opens the group first.",
		"p": "p chooses a link's primary: enter opens the group first.",
		"u": "u unlinks from one account: enter opens the group first.",
		"D": "D deletes one account: enter opens the group first.",
		"t": "t makes a password ticket: enter opens the group first.",
		"v": "v sends a verification email: enter opens the group first.",
		"U": "U undoes a write from the audit log: 3 opens it.",
		"y": "y copies a user id on a group's or an account's screen.",
	}
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			h.press("2", "j")
			before := h.above()
			for _, key := range []string{"l", "D", "u", "t", "v", "p", "U", "y"} {
				h.press(key)
				activeIs[*Groups](h, key+" left the groups list")
				h.mustTell(key, says[key], before)
			}
			h.press("/")
			h.typeText("nobody-has-this")
			h.press("enter")
			before = h.above()
			h.press("D")
			h.mustTell("D on an empty list", "D deletes one account: no group is listed to open.", before)
		})
	}
	h := newHarness(t, harnessOpts{readOnly: true, tenant: true})
	h.press("2")
	h.press("l")
	h.mustShow("read-only session (--read-only)")
	activeIs[*Groups](h, "l left the groups list")
}

// TestWriteKeysOnTheOverviewAndTheAuditLogSayWhereTheyWork: as on the
// groups list, the keys that act on a group or an account said nothing on
// the overview and on the audit log; each says at once, without a ✓, that
// the groups list leads there (U undoes on the audit log itself).
func TestWriteKeysOnTheOverviewAndTheAuditLogSayWhereTheyWork(t *testing.T) {
	says := map[string]string{
		"l": "l links accounts of one group: 2 lists the groups, enter opens one.",
		"p": "p chooses a link's primary: 2 lists the groups, enter opens one.",
		"u": "u unlinks from one account: 2 lists the groups, enter opens one.",
		"D": "D deletes one account: 2 lists the groups, enter opens one.",
		"t": "t makes a password ticket: 2 lists the groups, enter opens one.",
		"v": "v sends a verification email: 2 lists the groups, enter opens one.",
		"y": "y copies a user id on a group's or an account's screen.",
	}
	for _, page := range []string{"1", "3"} {
		h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
		h.press(page)
		before := h.above()
		for _, key := range []string{"l", "D", "u", "t", "v", "p", "y"} {
			h.press(key)
			h.mustTell("page "+page+": "+key, says[key], before)
		}
	}
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("1")
	before := h.above()
	h.press("U")
	h.mustTell("U on the overview", "U undoes a write from the audit log: 3 opens it.", before)
}
