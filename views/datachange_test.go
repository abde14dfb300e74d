package views

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/tui"
)

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
