package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

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

// / on the overview opens the groups list's filter, typing: q types, it
// does not quit.
func TestSlashOnTheOverviewTypesIntoTheGroupsFilter(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.pressAhead("/", "q", "u", "i")
	if h.quit {
		t.Fatal("/qui on the overview quit")
	}
	g := activeIs[*Groups](h, "/ on the overview did not open the groups list")
	if g.Filter() != "qui" || !g.Capturing() {
		t.Fatalf("the groups filter is %q (typing %v), want qui being typed:\n%s", g.Filter(), g.Capturing(), h.screen())
	}
}

// / on the overview starts a new groups filter: the one the list kept from
// before, not on screen, is not typed onto.
func TestSlashOnTheOverviewStartsANewFilter(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("2", "/")
	h.typeText("alice")
	h.press("enter", "1", "/")
	h.typeText("wei")
	if g := activeIs[*Groups](h, "/ on the overview did not open the groups list"); g.Filter() != "wei" {
		t.Fatalf("the groups filter is %q, want wei:\n%s", g.Filter(), h.screen())
	}
}

// TestTheOverviewCountsTheAccountsWhoseEmailGroupsWithNothing: the scan
// counts the accounts whose email holds U+FFFD or is no address (the JSON
// report's accounts_with_unusable_email, a line under the CLI's table);
// the overview said nothing of them. It counts them under the users, says
// what that means and where they are listed, only when there are any; at
// 60×20 every class stays in view under it, and with a count too long for
// that the class under the cursor does.
func TestTheOverviewCountsTheAccountsWhoseEmailGroupsWithNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 60, height: 20})
	if strings.Contains(h.screen(), "Unusable") {
		t.Fatalf("the overview counts unusable emails where the scan found none:\n%s", h.screen())
	}
	classes := []string{"link candidate", "needs verification", "shared by design", "legacy duplicate", "mixed", "Groups by connections"}
	withUnusable := func(n, listed int) *linking.Report {
		rep := fixtureReport(t)
		rep.AccountsWithUnusableEmail = n
		for i := range listed {
			rep.UnusableEmails = append(rep.UnusableEmails, linking.UnusableEmail{UserID: fmt.Sprintf("auth0|%03d", i), Email: "ren\uFFFD@orange.fr"})
		}
		return rep
	}
	for _, size := range [][2]int{{100, 30}, {80, 24}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
			h.m.LoadReport(withUnusable(1, 1))
			h.mustShow("Unusable")
			h.mustShowWhole("1 account's email groups with nothing (U+FFFD, or malformed); scan --json lists it")
			h.mustShow(classes...)

			h.m.LoadReport(withUnusable(1234, 100))
			h.mustShowWhole("1,234 accounts' emails group with nothing (U+FFFD, or malformed); scan --json lists the first 100 by user id")
			h.press("j", "j", "j", "j")
			h.mustShow("▸ mixed", "Groups by connections")
			h.press("k", "k", "k", "k")
			h.mustShow("Overview\n", "▸ link candidate")
		})
	}
}
