package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
)

// TestTheStatusBarKeepsTheBucketAndTheWritesWhole: at 60 columns, with a
// long tenant, both badges, a scan running and a write in flight, the
// tenant and the scan state get shorter; the rate-limit bucket and the
// writes in flight always show whole (the TUI contract).
func TestTheStatusBarKeepsTheBucketAndTheWritesWhole(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, ro := range []bool{false, true} {
		for _, width := range []int{60, 70, 80} {
			for _, p := range []scan.Progress{
				{Stage: "connections"},
				{Stage: "export", Percent: 42},
				{Stage: "scan", Users: 299_994, Bytes: 123_200_000},
			} {
				cfg := session.Config{Sandbox: true, ReadOnly: ro}
				c := &Common{ReadOnly: ro, Now: func() time.Time { return now },
					Backend: &Backend{Session: session.With(context.Background(), nil, "127.0.0.1:38417 (sandbox tenant of linkdesk demo)", cfg)}}
				m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
					Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
				m.Init()
				m.Update(tea.WindowSizeMsg{Width: width, Height: 20})
				m.c.Data.Report = &linking.Report{Method: linking.MethodExport, ScannedAt: now.Add(-time.Hour)}
				m.c.Scan = ScanStatus{Running: true, Progress: p}
				m.rate = client.RateLimit{Known: true, Limit: 50, Remaining: 46, Reset: now.Add(time.Second)}
				m.writes = []write{{label: "link 2 accounts into someone"}}
				bar := m.statusBar()
				if w := Width(bar); w != width {
					t.Errorf("%d columns, read-only %v, %s: the bar is %d wide: %q", width, ro, p.Stage, w, bar)
				}
				for _, want := range []string{"API 46/50", "writes 1"} {
					if !strings.Contains(strings.ReplaceAll(bar, "writes:", "writes"), want) {
						t.Errorf("%d columns, read-only %v, %s: the bar does not show %q whole: %q", width, ro, p.Stage, want, bar)
					}
				}
				if !strings.Contains(bar, "127.0") || !strings.Contains(bar, "scan") {
					t.Errorf("%d columns, read-only %v, %s: the bar lost the tenant or the scan: %q", width, ro, p.Stage, bar)
				}
			}
		}
	}
}

func TestShortCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1234: "1.2k", 299_994: "300k", 1_500_000: "1.5M", 25_000_000: "25M"} {
		if got := ShortCount(n); got != want {
			t.Errorf("ShortCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// scannedAt100 is the root at 100×30 on a tenant scanned at 20:05 whose
// bucket holds 46 of 50, full again in a second.
func scannedAt100() *Model {
	now := time.Date(2026, 11, 1, 20, 5, 0, 0, time.Local)
	c := &Common{Now: func() time.Time { return now },
		Backend: &Backend{Session: session.With(context.Background(), nil, "127.0.0.1:4792", session.Config{})}}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.LoadReport(&linking.Report{Method: linking.MethodExport, ScannedAt: now, UsersScanned: 2000})
	m.rate = client.RateLimit{Known: true, Limit: 50, Remaining: 46, Reset: now.Add(time.Second)}
	return m
}

// TestAWriteLabelGivesUpRoomBeforeTheFacts: at 100 columns the bar with a
// write in flight keeps what the idle bar shows (the tenant, "scanned",
// the time, the bucket and its reset); the write's label takes the room
// left, cut.
func TestAWriteLabelGivesUpRoomBeforeTheFacts(t *testing.T) {
	m := scannedAt100()
	facts := []string{"127.0.0.1:4792", "scanned 2,000 users 20:05", "API 46/50 reset 1s"}
	idle := m.statusBar()
	for _, want := range append(facts, "writes 0") {
		if !strings.Contains(idle, want) {
			t.Fatalf("the idle bar lacks %q: %q", want, idle)
		}
	}
	m.writes = []write{{label: "link google-oauth2|109346385516795420252 into auth0|67d29c69e5b0ef0b410c60ca"}}
	bar := m.statusBar()
	if Width(bar) != 100 {
		t.Errorf("the bar is %d wide: %q", Width(bar), bar)
	}
	for _, want := range append(facts, "writes 1 (link google-oauth2|", "…)") {
		if !strings.Contains(bar, want) {
			t.Errorf("with a write in flight the bar lacks %q: %q", want, bar)
		}
	}
}

// TestAWriteLabelShortensItsActionWordsBeforeTheName: at 100 columns a
// verification email in flight reads "verify" rather than losing the name
// of its account to "verification email for p…".
func TestAWriteLabelShortensItsActionWordsBeforeTheName(t *testing.T) {
	m := scannedAt100()
	for label, want := range map[string]string{
		"verification email for patricia.muller1368 (auth0|6ae4dc33ce7a4c925e1a8028)": "writes 1 (verify patricia.mull",
		"ticket for patricia.muller1368 (auth0|6ae4dc33ce7a4c925e1a8028)":             "writes 1 (ticket patricia.mull",
		"ticket for bob": "writes 1 (ticket for bob)", // whole where it fits
	} {
		m.writes = []write{{label: label}}
		if bar := m.statusBar(); !strings.Contains(bar, want) {
			t.Errorf("with %q in flight the bar lacks %q: %q", label, want, bar)
		}
	}
}

// TestTheBucketIsNeverShownStale: Auth0's x-ratelimit-reset is when the
// bucket is full again. Before it, the status bar counts down to it at
// each frame, not from the time the bucket was sampled (whole seconds,
// tenths while a call waits, sampled every 250 ms then); once it has
// passed, the bucket shows full, whatever the last answer said was left.
func TestTheBucketIsNeverShownStale(t *testing.T) {
	now := time.Date(2026, 11, 1, 20, 5, 0, 0, time.UTC)
	c := &Common{Now: func() time.Time { return now },
		Backend: &Backend{Session: session.With(context.Background(), nil, "127.0.0.1:4791", session.Config{})}}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: time.Second})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.LoadReport(&linking.Report{Method: linking.MethodExport, ScannedAt: now, UsersScanned: 500})
	bar := func(want string) {
		t.Helper()
		if got := m.statusBar(); !strings.Contains(got, want) {
			t.Fatalf("the status bar does not say %q: %q", want, got)
		}
	}

	// A call waits for an empty bucket: the countdown moves between samples.
	sampled := now
	m.Update(RateLimitMsg{Limit: client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1700 * time.Millisecond), Waiting: true}, Now: sampled})
	bar("API 0/2 reset 1.7s waiting")
	now = now.Add(500 * time.Millisecond)
	bar("API 0/2 reset 1.2s waiting")
	if d := m.rateTick(m.rate); d != 250*time.Millisecond {
		t.Errorf("while a call waits the bucket is sampled every %v, want 250ms", d)
	}

	// No call waits: whole seconds, rounded up (never "0s" before it is full).
	m.Update(RateLimitMsg{Limit: client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1300 * time.Millisecond)}, Now: now})
	bar("API 0/2 reset 2s")
	if d := m.rateTick(m.rate); d != time.Second {
		t.Errorf("idle, the bucket is sampled every %v, want 1s", d)
	}
	now = now.Add(time.Second)
	bar("API 0/2 reset 1s")

	// Idle past the reset: the bucket has refilled.
	now = now.Add(20 * time.Second)
	bar("API 2/2 full")
	if strings.Contains(m.statusBar(), "0/2") {
		t.Fatalf("the bar still shows the empty bucket of 20 s ago: %q", m.statusBar())
	}
}

// statusModel is a root model (probe pages) on a tenant named tenant,
// not a sandbox, at width columns, with a report of 300 users scanned at
// 23:39 and a call waiting for an empty bucket whose reset is 1.4 s away.
func statusModel(t *testing.T, tenant string, width int, now time.Time) *Model {
	t.Helper()
	c := &Common{Now: func() time.Time { return now },
		Backend: &Backend{Session: session.With(context.Background(), nil, tenant, session.Config{})}}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: width, Height: 24})
	m.LoadReport(&linking.Report{Method: linking.MethodExport, ScannedAt: time.Date(2026, 11, 1, 23, 39, 0, 0, now.Location()), UsersScanned: 300})
	m.rate = client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1400 * time.Millisecond), Waiting: true}
	return m
}

// TestTheStatusBarKeepsTheCountdownWhereItFits: while a call waits for
// the bucket, "reset 1.4s waiting" shows at 60, 80 and 100 columns, the
// tenant (its port whole) and the scan state getting shorter first (at 80
// columns the tester's bar was "127.0.0.1:44623  300 users 23:39 │ API
// 0/2 │ writes 0", 48 cells); "(esc cancels)" stays while a scan runs
// where the room allows; and the writes read "writes 0" at every width.
func TestTheStatusBarKeepsTheCountdownWhereItFits(t *testing.T) {
	now := time.Date(2026, 11, 1, 23, 45, 0, 0, time.UTC)
	for _, tt := range []struct {
		width int
		want  []string // whole, in this order
	}{
		{60, []string{"127.0.0…:44623", "300 users", "API 0/2 reset 1.4s waiting", "writes 0"}},
		{80, []string{"127.0.0.1:44623", "300 users 23:39", "API 0/2 reset 1.4s waiting", "writes 0"}},
		{100, []string{"127.0.0.1:44623", "scanned 300 users 23:39", "API 0/2 reset 1.4s waiting", "writes 0"}},
	} {
		m := statusModel(t, "127.0.0.1:44623", tt.width, now)
		bar := m.statusBar()
		if Width(bar) != tt.width {
			t.Errorf("%d columns: the bar is %d wide: %q", tt.width, Width(bar), bar)
		}
		if !containsInOrder(bar, tt.want) {
			t.Errorf("%d columns: the bar does not show %q: %q", tt.width, tt.want, bar)
		}
	}
	// A scan running, esc reaching it: "(esc cancels)" and the countdown
	// both stay at 80 and 100 columns; at 60 they cannot both, and the
	// countdown outranks the hint; the bucket and "waiting" stay whole.
	for _, tt := range []struct {
		width int
		want  []string
	}{
		{60, []string{":44623", "scan 120k", "API 0/2", "waiting", "writes 0"}},
		{80, []string{"127.0.0.1:44623", "scan 120k (esc cancels)", "API 0/2 reset 1.4s waiting", "writes 0"}},
		{100, []string{"127.0.0.1:44623", "scan: 120k read (esc cancels)", "API 0/2 reset 1.4s waiting", "writes 0"}},
	} {
		m := statusModel(t, "127.0.0.1:44623", tt.width, now)
		m.c.Scan = ScanStatus{Running: true, Progress: scan.Progress{Stage: "scan", Users: 120_000, Bytes: 42_000_000}}
		bar := m.statusBar()
		if Width(bar) != tt.width || !containsInOrder(bar, tt.want) {
			t.Errorf("%d columns, scanning: the bar does not show %q: %q", tt.width, tt.want, bar)
		}
	}
	// "writes N", one form, whatever the width and the count.
	for _, width := range []int{60, 80, 100, 140} {
		for n := range 3 {
			m := statusModel(t, "127.0.0.1:44623", width, now)
			for range n {
				m.writes = append(m.writes, write{label: "link google-oauth2|105673151469345216921 into auth0|6ac841ff80091f7c51a"})
			}
			if bar := m.statusBar(); strings.Contains(bar, "writes:") || !strings.Contains(bar, fmt.Sprintf("writes %d", n)) {
				t.Errorf("%d columns, %d writes: %q", width, n, bar)
			}
		}
	}
}

// containsInOrder reports whether s holds every one of parts, in order.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// TestTheStatusBarCutsTheTenantLast: at 60 columns, the scan state gives up
// its words and its time before the tenant gives up a cell: a tenant
// named by its address and port reads whole.
func TestTheStatusBarCutsTheTenantLast(t *testing.T) {
	now := time.Date(2026, 11, 1, 1, 47, 0, 0, time.UTC)
	for _, tenant := range []string{"127.0.0.1:36689", "acme-prod.auth0.com"} {
		c := &Common{Now: func() time.Time { return now },
			Backend: &Backend{Session: session.With(context.Background(), nil, tenant, session.Config{})}}
		m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
			Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
		m.Init()
		m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
		m.LoadReport(&linking.Report{Method: linking.MethodExport, ScannedAt: now, UsersScanned: 498})
		m.rate = client.RateLimit{Known: true, Limit: 50, Remaining: 50, Reset: now.Add(-time.Second)}
		bar := m.statusBar()
		if !strings.Contains(bar, " "+tenant+" ") || !strings.Contains(bar, "498 users") || !strings.Contains(bar, "API 50/50 full") {
			t.Errorf("the bar cuts the tenant %s while the scan state could give room: %q", tenant, bar)
		}
		if Width(bar) != 60 {
			t.Errorf("the bar is %d wide: %q", Width(bar), bar)
		}
	}
}

// domainTenant is a tenant that only says its domain, as a sandbox's does.
type domainTenant struct {
	client.Tenant
	domain string
}

func (d domainTenant) Domain() string { return d.domain }

// TestTheStatusBarKeepsEveryFactDownTo60Columns: under the worst case
// (writes left unsettled, --read-only, a 429 seen, a write in flight, a
// long tenant named with its port; a sandbox too), the bar at 60, 70 and
// 80 columns keeps the tenant with its port, every badge, the scan state,
// the bucket with its 429s and the writes, in that order: each gets
// shorter, none goes (at 60 columns the tester's bar read "127.0.0.1:354…
// 1 UNSETTLED  API 2/2 full 429×1 │ writes 0", no scan state).
func TestTheStatusBarKeepsEveryFactDownTo60Columns(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tenants := []struct {
		name    string
		tenant  client.Tenant
		sandbox bool
	}{
		{"linkdesk-staging.support.example.com:35417", nil, false},
		{"127.0.0.1:35417", nil, false},
		{"sandbox (127.0.0.1:35417)", domainTenant{domain: "127.0.0.1:35417"}, true},
	}
	scans := []struct {
		status ScanStatus
		report string
		says   string // what every form of the scan state says
	}{
		{ScanStatus{Done: true, Progress: scan.Progress{Stage: "done", Users: 3000}}, linking.MethodExport, "users"},
		{ScanStatus{Running: true, Progress: scan.Progress{Stage: "export", Percent: 42}}, linking.MethodExport, "42%"},
		{ScanStatus{Running: true, Progress: scan.Progress{Stage: "scan", Users: 120_000, Bytes: 42_000_000}}, linking.MethodExport, "120k"},
		{ScanStatus{Running: true, Progress: scan.Progress{Stage: "connections"}}, linking.MethodSnapshot, "updating"},
	}
	for _, tn := range tenants {
		for _, sc := range scans {
			for _, waiting := range []bool{false, true} {
				for _, width := range []int{60, 70, 80} {
					c := &Common{ReadOnly: true, Now: func() time.Time { return now },
						Backend: &Backend{Session: session.With(context.Background(), tn.tenant, tn.name, session.Config{Sandbox: tn.sandbox, ReadOnly: true})}}
					m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
						Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
					m.Init()
					m.Update(tea.WindowSizeMsg{Width: width, Height: 20})
					m.LoadReport(&linking.Report{Method: sc.report, ScannedAt: now.Add(-2 * time.Hour), UsersScanned: 3000})
					m.c.Scan = sc.status
					m.rate = client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1400 * time.Millisecond), Waiting: waiting, Seen429: 1}
					m.unsettled = 1
					m.writes = []write{{label: "verification email to chidi631@web.de"}}
					bar := m.statusBar()
					if Width(bar) != width {
						t.Errorf("%s, %d columns: the bar is %d wide: %q", tn.name, width, Width(bar), bar)
					}
					facts := []string{":35417", "RO", "1 UNS", sc.says, "API 0/2", "429×1", "writes 1"}
					if tn.sandbox {
						facts = slices.Insert(facts, 1, "S")
					}
					if !containsInOrder(bar, facts) || !strings.Contains(bar, "SBX") && !strings.Contains(bar, "SANDBOX") && tn.sandbox {
						t.Errorf("%s, %s, waiting %v, %d columns: the bar does not keep %q: %q", tn.name, sc.says, waiting, width, facts, bar)
					}
				}
			}
		}
	}
}

// A tenant named without a port, in the worst case at 60 columns (a dozen
// unsettled writes, ten in flight, a thousand 429s): its name was cut to
// five letters and the scan state kept whole, so acme-production and
// acme-staging both read "acme-…". The name keeps 8 cells; the scan state,
// which the overview says too, is cut instead.
func TestTwoTenantsWithoutAPortReadApartAt60Columns(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	seen := map[string]string{}
	for _, name := range []string{"acme-production", "acme-staging"} {
		c := &Common{ReadOnly: true, Now: func() time.Time { return now },
			Backend: &Backend{Session: session.With(context.Background(), nil, name, session.Config{ReadOnly: true})}}
		m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
			Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
		m.Init()
		m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
		m.LoadReport(&linking.Report{Method: linking.MethodSnapshot, ScannedAt: now.Add(-26 * time.Hour), UsersScanned: 3000})
		m.c.Scan = ScanStatus{Running: true, Progress: scan.Progress{Stage: "connections"}}
		m.rate = client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1400 * time.Millisecond), Seen429: 1370}
		m.unsettled = 12
		for i := range 10 {
			m.writes = append(m.writes, write{label: fmt.Sprintf("delete auth0|%d", i)})
		}
		bar := m.statusBar()
		cell := strings.Fields(bar)[0]
		if Width(cell) < 8 || !strings.HasPrefix(name, strings.TrimSuffix(cell, Ellipsis)) {
			t.Errorf("%s reads %q at 60 columns: %q", name, cell, bar)
		}
		if other, ok := seen[cell]; ok {
			t.Errorf("%s and %s both read %q", other, name, cell)
		}
		seen[cell] = name
		if !strings.Contains(bar, "writes 10") || !strings.Contains(bar, "429×1370") || !strings.Contains(bar, "12 UNS") {
			t.Errorf("%s: a fact went at 60 columns: %q", name, bar)
		}
	}
}

// A `linkdesk emulator` named by its run ("sandbox 5e0c91ab (HOST:PORT)") has
// the bar of the sandbox in this process: its SANDBOX badge, and its
// address where there is no room for its name (it showed
// "sandbox 5e0c91ab (127.0.0.…:38417)", at 60 columns "…:38417)", and no
// badge). Its quit question does not say it ends with this linkdesk: it
// outlives the process, and resume settles what was cut off there.
func TestAnEmulatorNamedByItsRunHasTheBarOfASandbox(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	const name, addr = "sandbox 5e0c91ab (127.0.0.1:38417)", "127.0.0.1:38417"
	model := func(sandbox bool, width int) *Model {
		c := &Common{Now: func() time.Time { return now },
			Backend: &Backend{Session: session.With(context.Background(), domainTenant{domain: addr}, name, session.Config{Sandbox: sandbox})}}
		m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
			Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1})
		m.Init()
		m.Update(tea.WindowSizeMsg{Width: width, Height: 20})
		m.LoadReport(&linking.Report{Method: linking.MethodExport, ScannedAt: now.Add(-2 * time.Hour), UsersScanned: 3000})
		m.rate = client.RateLimit{Known: true, Limit: 2, Remaining: 0, Reset: now.Add(1400 * time.Millisecond), Seen429: 1}
		m.unsettled = 1
		m.writes = []write{{label: "verification email to chidi631@web.de"}}
		return m
	}
	for _, width := range []int{60, 70, 80, 100, 140} {
		bar, inProcess := model(false, width).statusBar(), model(true, width).statusBar()
		if bar != inProcess {
			t.Errorf("%d columns: the emulator's bar\n%q\nthe sandbox's\n%q", width, bar, inProcess)
		}
		if !strings.Contains(bar, "SBX") && !strings.Contains(bar, "SANDBOX") || !strings.Contains(bar, name) && strings.Contains(bar, "38417)") {
			t.Errorf("%d columns: %q, want the badge, and the name whole or the address", width, bar)
		}
	}
	for _, sandbox := range []bool{false, true} {
		m := model(sandbox, 100)
		m.askQuit()
		text := m.Active().View()
		if ends := strings.Contains(text, "ends with this linkdesk"); ends != sandbox || !sandbox && !strings.Contains(text, "resume") {
			t.Errorf("the quit question of %s (in this process %v):\n%s", name, sandbox, text)
		}
	}
}
