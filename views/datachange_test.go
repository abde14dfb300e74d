package views

import "testing"

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
