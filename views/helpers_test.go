package views

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
)

// fixturePath is the small tenant every screen test uses: every class, a
// linked user, and hostile profile strings.
const fixturePath = emulatortest.Small

// fixedNow is the clock of every test: goldens must not depend on the day.
var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fixtureReport scans the fixture offline, as an export file, with the
// fixture's connections, and dates it.
func fixtureReport(t testing.TB) *linking.Report {
	t.Helper()
	return fixtureReportFrom(t, fixturePath)
}

// fixtureReportFrom is the scan of the fixture at path, as fixtureReport.
func fixtureReportFrom(t testing.TB, path string) *linking.Report {
	t.Helper()
	return fixtureReportOf(t, path, nil)
}

// fixtureReportOf is fixtureReportFrom of the fixture at path changed by
// edit first (nil: as it is).
func fixtureReportOf(t testing.TB, path string, edit func(*emulator.Tenant)) *linking.Report {
	t.Helper()
	tenant := emulatortest.Fixture(t, path)
	if edit != nil {
		edit(tenant)
	}
	conns := linking.ConnectionsFromClient(emulatortest.Connections(t, tenant))
	rep, err := scan.ExportFile(context.Background(), bytes.NewReader(emulatortest.Export(tenant)), conns, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	rep.Tenant, rep.Method, rep.ScannedAt = "fixture.example", linking.MethodExport, fixedNow.Add(-time.Hour)
	return rep
}

// harness drives the root model synchronously: every command runs at once
// and its messages go back into Update until nothing is left, as the
// program would do, minus the terminal.
type harness struct {
	t    testing.TB
	m    *tui.Model
	c    *tui.Common
	quit bool
	srv  *emulator.Server
}

type harnessOpts struct {
	readOnly bool
	tenant   bool // start a sandbox tenant with the fixture behind the backend
	// fixedPaths names the audit log and backups by paths that do not
	// depend on the test's temporary directory (goldens; nothing is written).
	fixedPaths bool
	// edit changes the sandbox tenant's data before it is served.
	edit func(*emulator.Tenant)
	// outside: the session is not a sandbox inside this process (a tenant
	// that outlives linkdesk, as a real one does).
	outside bool
	width   int
	height  int
	scopes  []string // the scopes the sandbox grants (nil: all linkdesk needs)
}

func newHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	if o.width == 0 {
		o.width, o.height = 100, 30
	}
	cfg := session.Config{Sandbox: !o.outside, ReadOnly: o.readOnly, Operator: "tester", StateDir: t.TempDir()}
	if o.fixedPaths {
		cfg.AuditLog, cfg.BackupDir = "/var/lib/linkdesk/audit.log", "/var/lib/linkdesk/backups"
	}
	h := &harness{t: t}
	var tenant client.Tenant
	if o.tenant {
		h.srv, tenant = startTenantWith(t, emulator.Options{Rate: -1, Scopes: o.scopes}, o.readOnly, o.edit)
	}
	b := &tui.Backend{Session: session.With(context.Background(), tenant, "sandbox (fixture)", cfg)}
	h.c = &tui.Common{Backend: b, ReadOnly: o.readOnly, Now: func() time.Time { return fixedNow }}
	h.m = New(h.c, tui.Options{Theme: tui.ThemePlain, FixedTheme: true, RateEvery: -1})
	h.send(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: o.width, Height: o.height})
	h.m.LoadReport(fixtureReport(t))
	return h
}

// startTenant serves the fixture as a sandbox tenant and connects to it.
func startTenant(t testing.TB, readOnly bool, edit func(*emulator.Tenant)) (*emulator.Server, client.Tenant) {
	return startTenantWith(t, emulator.Options{Rate: -1}, readOnly, edit)
}

func startTenantWith(t testing.TB, opts emulator.Options, readOnly bool, edit func(*emulator.Tenant)) (*emulator.Server, client.Tenant) {
	t.Helper()
	tenant := emulatortest.Fixture(t, fixturePath)
	if edit != nil {
		edit(tenant)
	}
	opts.Tenant = tenant
	srv, base := emulatortest.Start(t, opts)
	tn, err := client.New(context.Background(), client.Config{
		Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), ReadOnly: readOnly, PollInterval: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, tn
}

// send feeds a message (or runs a command) and everything it leads to.
func (h *harness) send(first any) {
	h.t.Helper()
	var queue []tea.Msg
	switch v := first.(type) {
	case tea.Cmd:
		queue = run(v)
	case nil:
	default:
		queue = []tea.Msg{v}
	}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			h.t.Fatal("the model does not settle: more than 10,000 messages")
		}
		msg := queue[0]
		queue = queue[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			h.quit = true
			return
		}
		_, cmd := h.m.Update(msg)
		queue = append(queue, run(cmd)...)
	}
}

// run executes a command and flattens batches and sequences.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if msg == nil {
		return nil
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	// tea.Sequence's message is an unexported []tea.Cmd.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, run(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// key builds the key press a terminal sends for a key name.
func keyPress(name string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "backspace": {Code: tea.KeyBackspace},
		"space": {Code: tea.KeySpace, Text: " "}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
	}
	if k, ok := special[name]; ok {
		return tea.KeyPressMsg(k)
	}
	r := []rune(name)
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// press sends key presses, one after the other.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

// typeText types every character of s.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		if r == ' ' {
			h.send(keyPress("space"))
			continue
		}
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// screen is the whole window as the root draws it.
func (h *harness) screen() string { return h.m.View().Content }

func (h *harness) active() tui.Component { return h.m.Active() }

func (h *harness) mustShow(want ...string) {
	h.t.Helper()
	s := h.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			h.t.Fatalf("the screen does not show %q:\n%s", w, s)
		}
	}
}

// withMetadata gives two of the fixture's accounts metadata that conflicts:
// alice.nguyen's database account (the recommended primary) and her google one.
// editUser is an edit of the sandbox tenant that changes the user with
// this id before it is served.
func editUser(id string, change func(*emulator.User)) func(*emulator.Tenant) {
	return func(t *emulator.Tenant) {
		for _, u := range t.Users {
			if u.UserID == id {
				change(u)
			}
		}
	}
}

func withMetadata(t *emulator.Tenant) {
	for _, u := range t.Users {
		switch u.UserID {
		case "auth0|63ea1f0b2c8d4e5f60718293":
			u.UserMetadata = json.RawMessage(`{"lang":"en","theme":"dark","prefs":{"news":true}}`)
			u.AppMetadata = json.RawMessage(`{"plan":"free","roles":["user"]}`)
		case "google-oauth2|108812345678901234567":
			u.UserMetadata = json.RawMessage(`{"lang":"fr","timezone":"Europe/Paris","prefs":{"news":false,"sms":true}}`)
			u.AppMetadata = json.RawMessage(`{"plan":"pro","roles":["billing"]}`)
		}
	}
}

// withThreeWayConflict gives wei.zhang's three accounts (the recommended
// primary auth0|5f1a…, github|9007… and google-oauth2|1144…) app_metadata
// that conflicts on plan and customer_id, so each secondary has a choice.
func withThreeWayConflict(t *emulator.Tenant) {
	for _, u := range t.Users {
		switch u.UserID {
		case "auth0|5f1a2b3c4d5e6f7081920a1b":
			u.AppMetadata = json.RawMessage(`{"plan":"free","customer_id":"cus_PRIMARY"}`)
		case "github|9007199254740993":
			u.AppMetadata = json.RawMessage(`{"plan":"pro","customer_id":"cus_GITHUB"}`)
		case "google-oauth2|114455667788990011223":
			u.AppMetadata = json.RawMessage(`{"plan":"team","customer_id":"cus_GOOGLE"}`)
		}
	}
}

// withSecondaryEmail gives liam.miller, a child of the Miller family, an
// address of his own in user_metadata (seeds/reset-password-secondary-email).
func withSecondaryEmail(t *emulator.Tenant) {
	for _, u := range t.Users {
		if u.UserID == "auth0|65c0d1e2f3a4b5c6d7e8f901" {
			u.UserMetadata = json.RawMessage(`{"secondary_email":"liam.miller.2011@outlook.com","theme":"dark"}`)
		}
	}
}

// activeIs is the active screen as a T; the test fails, saying why and
// showing the screen, when it is another.
func activeIs[T tui.Component](h *harness, why string) T {
	h.t.Helper()
	c, ok := h.active().(T)
	if !ok {
		h.t.Fatalf("%s:\n%s", why, h.screen())
	}
	return c
}

// startScan presses r and holds the scan's command back: the scan ends
// when the test sends it.
func (h *harness) startScan() tea.Cmd {
	h.t.Helper()
	_, scan := h.m.Update(keyPress("r"))
	if !h.m.Scanning() {
		h.t.Fatal("r did not start a scan")
	}
	return scan
}

// openGroup opens the group with this email from the groups screen.
// findResults finds query with f and returns the find screen, failing
// the test unless it lists want accounts.
func (h *harness) findResults(query string, want int) *Find {
	h.t.Helper()
	h.press("f")
	h.typeText(query)
	h.press("enter")
	f := activeIs[*Find](h, "f did not stay on the results")
	if f.Results() != want {
		h.t.Fatalf("%d accounts found for %s, want %d:\n%s", f.Results(), query, want, h.screen())
	}
	return f
}

func (h *harness) openGroup(email string) *Detail {
	h.t.Helper()
	h.press("2", "/", "ctrl+u")
	h.typeText(email)
	h.press("enter", "enter")
	d, ok := h.active().(*Detail)
	if !ok || d.email != email {
		h.t.Fatalf("group %s did not open; on screen:\n%s", email, h.screen())
	}
	return d
}

// linkGroup opens the group of email and links its accounts as the wizard
// proposes, to the end.
func (h *harness) linkGroup(email string) {
	h.t.Helper()
	h.openGroup(email)
	h.press("l", "enter", "enter", "y")
	h.mustShow("✓ Done.")
}

// selectAudit moves the audit log's cursor to the newest call of action.
func (h *harness) selectAudit(action string) {
	h.t.Helper()
	for i := 0; ; i++ {
		if _, a, _ := activeIs[*AuditLog](h, "not on the audit log").Selected(); a == action {
			return
		}
		if i > 10 {
			h.t.Fatalf("no %s in the log:\n%s", action, h.screen())
		}
		h.press("j")
	}
}

// deleteEmma deletes emma.miller, a child of the Miller family, from the
// family's group, typing her username as the dialog asks.
func (h *harness) deleteEmma() {
	h.t.Helper()
	h.openGroup("the.millers@gmail.com")
	h.press("j", "D")
	h.typeText("emma.miller")
	h.press("enter")
	h.mustShow("✓ Done.")
}

// selectAccount moves the cursor of the group screen d to the account id.
func (h *harness) selectAccount(d *Detail, id string) {
	h.t.Helper()
	for i := 0; d.Selected().UserID != id; i++ {
		if i > 8 {
			h.t.Fatalf("%s is not in the group:\n%s", id, h.screen())
		}
		h.press("j")
	}
}

// firstOf returns the email of the first group of a class in report order.
func firstOf(t testing.TB, r *linking.Report, c linking.Class) string {
	t.Helper()
	for _, g := range r.Groups {
		if g.Class == c {
			return g.Email
		}
	}
	t.Fatalf("the fixture has no %s group", c)
	return ""
}
