package views

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// hostileFixture is a tenant whose every string attacks: escape sequences
// in every string field, bidi overrides, zero-width characters, a name of
// more than a megabyte, invalid UTF-8, duplicate keys, numbers where
// strings belong, spreadsheet formulas.
const hostileFixture = emulatortest.Hostile

func withHostileTenant(t *emulator.Tenant) {
	h, err := emulator.LoadFixture(emulatortest.Path(hostileFixture))
	if err != nil {
		panic(err)
	}
	*t = *h
}

// Goldens of the screens over the hostile fixture, scanned from its file
// and served by the sandbox tenant: what the operator sees, with nothing
// the terminal would act on. Update with: go test ./views -run
// TestGoldenHostileFixture -update
func TestGoldenHostileFixture(t *testing.T) {
	for _, tt := range []struct {
		name   string
		keys   func(h *harness)
		height int // 30 unless set
	}{
		{"overview", nil, 0},
		{"groups", func(h *harness) { h.press("2") }, 0},
		{"detail_first", func(h *harness) { h.press("2", "enter") }, 0},
		{"detail_second", func(h *harness) { h.press("2", "j", "enter") }, 0},
		{"detail_third", func(h *harness) { h.press("2", "j", "j", "enter") }, 0},
		{"detail_fourth", func(h *harness) { h.press("2", "j", "j", "j", "enter") }, 0},
		{"detail_fourth_accounts", func(h *harness) { h.press("2", "j", "j", "j", "enter", "tab", "j", "j") }, 0},
		{"link_review", func(h *harness) { h.press("2", "enter", "l", "enter") }, 0},
		{"link_review_scrolled", func(h *harness) { h.press("2", "enter", "l", "enter", "j", "j", "j") }, 20},
		{"link_confirm", func(h *harness) { h.press("2", "enter", "l", "enter", "enter", "enter") }, 0},
		{"delete", func(h *harness) { h.press("2", "enter", "j", "D") }, 0},
		{"groups_filter", func(h *harness) { h.press("2", "/"); h.typeText("evil") }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := harnessOpts{tenant: true, fixedPaths: true, edit: withHostileTenant}
			if tt.height > 0 {
				o.width, o.height = 100, tt.height
			}
			h := newHarness(t, o)
			h.m.LoadReport(fixtureReportFrom(t, hostileFixture))
			if tt.keys != nil {
				tt.keys(h)
			}
			view := h.screen()
			assertNothingForged(t, view)
			golden.RequireEqual(t, view)
		})
	}
}
