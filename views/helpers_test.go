package views

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
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

// addConnectionGroups adds to rep a link candidate per combination, xN@example.com:
// a Username-Password-Authentication account and one on each connection.
func addConnectionGroups(rep *linking.Report, combinations ...[]string) {
	for i, conns := range combinations {
		g := &linking.Group{Email: fmt.Sprintf("x%d@example.com", i), Class: linking.ClassLinkCandidate,
			Accounts: []*linking.Account{{UserID: fmt.Sprintf("auth0|%d", i), Connection: "Username-Password-Authentication"}}}
		for j, c := range conns {
			g.Accounts = append(g.Accounts, &linking.Account{UserID: fmt.Sprintf("%s|%d%d", c, i, j), Connection: c})
		}
		rep.Groups = append(rep.Groups, g)
	}
}

func auditRecords(t testing.TB, h *harness) []audit.Record {
	t.Helper()
	recs, _, err := audit.ReadLogTail(h.c.Backend.AuditLog(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// liamLinkedIntoMikeAndScanned links liam.miller into mike.miller behind
// the UI's back (another tool, an admin), then scans again with r.
func liamLinkedIntoMikeAndScanned(t *testing.T) (h *harness, mike, liam string) {
	mike, liam = "auth0|64b7c8d9e0f1a2b3c4d5e6f7", "auth0|65c0d1e2f3a4b5c6d7e8f901"
	h = newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	if _, err := h.c.Backend.Session.Tenant.Link(context.Background(), mike, client.LinkTarget{Provider: "auth0", UserID: strings.TrimPrefix(liam, "auth0|")}); err != nil {
		t.Fatal(err)
	}
	h.press("r")
	return h, mike, liam
}

// aliceDB is the primary linkAlice keeps.
const aliceDB = "auth0|63ea1f0b2c8d4e5f60718293"

// linkAlice links alice's two accounts as the wizard proposes them.
func linkAlice(h *harness) {
	h.linkGroup("alice.nguyen@gmail.com")
}

// setMetadata changes an account's metadata on the tenant behind the UI's
// back, as the person or another tool would.
func setMetadata(t *testing.T, h *harness, userID string, user, app map[string]any) {
	t.Helper()
	if _, err := h.c.Backend.Session.Tenant.UpdateMetadata(context.Background(), userID, user, app); err != nil {
		t.Fatal(err)
	}
}

// pressStartsNoWrite presses key and fails the test when it started a
// write (the root counts one in flight as the key is handled, before any
// command runs) or the sandbox took a call that writes.
func (h *harness) pressStartsNoWrite(key string) {
	h.t.Helper()
	before := h.srv.Stats().Writes
	_, cmd := h.m.Update(keyPress(key))
	if n := h.m.WritesInFlight(); n != 0 {
		h.t.Fatalf("%s started a write (%v):\n%s", key, h.m.WriteLabels(), h.screen())
	}
	h.send(cmd)
	if after := h.srv.Stats().Writes; after != before {
		h.t.Fatalf("%s made %d calls that write to the tenant", key, after-before)
	}
}

// mustRefuseAhead fails the test unless the screen says, in place of its
// question, that the write is refused for alice's cut-off link, and what
// to do: the `linkdesk resume` of that plan, in a shell, then open the
// dialog again.
func (h *harness) mustRefuseAhead() {
	h.t.Helper()
	h.mustShowWhole("✗ refused before any call: "+linking.CheckUnsettledWrite, "which was cut off and is not settled: run `linkdesk resume plan-",
		"Run the `linkdesk resume` it names in a shell (q quits); once it is settled, open this again. esc goes back.")
}

// stillRefused is what the key that confirms says while the write is
// refused.
const stillRefused = "Refused (see above): nothing was started. esc goes back; open this again once the write is settled."

// mustRefuseInPlaceOf fails the test unless the dialog on screen is
// refused ahead in place of its question, and key (y, or enter) starts
// nothing there but says so.
func (h *harness) mustRefuseInPlaceOf(question, key string) {
	h.t.Helper()
	h.mustRefuseAhead()
	if strings.Contains(h.screen(), question) {
		h.t.Errorf("the refused dialog still asks (%q):\n%s", question, h.screen())
	}
	h.pressStartsNoWrite(key)
	h.mustShowWhole(stillRefused)
}

// openAlice finds alice.nguyen's database account with f and opens it: a
// link of her Google account into it was cut off in another shell.
func openAlice(t *testing.T, h *harness) {
	t.Helper()
	cutOffLink(t, h)
	h.press("f")
	h.typeText(sessiontest.AliceDB)
	h.press("enter")
	activeIs[*Account](h, "f did not open alice's account")
	h.mustShow("Account alice.nguyen@gmail.com")
}

// openSamsAccount opens sam.taylor's account with f and presses u, its
// answer held back: the read of the account the unlink dialog makes.
func openSamsAccount(h *harness) tea.Cmd {
	h.t.Helper()
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	h.press("enter")
	h.mustShow("u unlink ·")
	_, read := h.m.Update(keyPress("u"))
	return read
}

// unlinkSamsAccountRead is openSamsAccount with the account's read
// answered: what it returns is the dialog's check ahead, held back.
func unlinkSamsAccountRead(h *harness) []tea.Msg {
	h.t.Helper()
	var check []tea.Msg
	for _, msg := range run(openSamsAccount(h)) {
		_, cmd := h.m.Update(msg)
		check = append(check, run(cmd)...)
	}
	return check
}

// auditRowTime starts a row of the audit log, its time with or without
// the year (narrow windows leave it out).
var auditRowTime = regexp.MustCompile(`^[▸ ] (\d{4}-)?\d\d-\d\d \d\d:\d\d +`)

// auditRowAt is auditRow at any width: the first row whose action cell
// is action.
func auditRowAt(h *harness, action string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.screen(), "\n") {
		if m := auditRowTime.FindString(l); m != "" && strings.HasPrefix(l[len(m):], action+" ") {
			return l
		}
	}
	h.t.Fatalf("no row of a %s:\n%s", action, h.screen())
	return ""
}

// anotherShell is a second linkdesk on the harness's tenant and state
// directory, as `linkdesk link` and `linkdesk resume` run in another shell.
func anotherShell(t *testing.T, h *harness, tenant client.Tenant) *session.Session {
	t.Helper()
	return anotherShellLogging(t, h, tenant, h.c.Backend.Session.Paths.AuditLog)
}

// anotherShellLogging is anotherShell given --audit-log auditLog.
func anotherShellLogging(t *testing.T, h *harness, tenant client.Tenant, auditLog string) *session.Session {
	t.Helper()
	s := h.c.Backend.Session
	other := session.With(context.Background(), tenant, s.Name, session.Config{StateDir: s.Paths.State, AuditLog: auditLog, Operator: "tester", Sandbox: true})
	t.Cleanup(func() { other.Close() })
	return other
}

// cutOffLink links alice.nguyen's google account into her database one
// from another shell, cut off after the tenant acted.
func cutOffLink(t *testing.T, h *harness) {
	t.Helper()
	cutOffLinkLogging(t, h, h.c.Backend.Session.Paths.AuditLog)
}

// cutOffLinkLogging is cutOffLink from a shell given --audit-log auditLog.
func cutOffLinkLogging(t *testing.T, h *harness, auditLog string) {
	t.Helper()
	sessiontest.CutOffAlicesLink(t, h.c.Backend.Session.Tenant, func(tn client.Tenant) *session.Session { return anotherShellLogging(t, h, tn, auditLog) })
}

// settleElsewhere settles, from another shell, the one write of this
// tenant cut off (as `linkdesk resume` does), and returns that shell.
func settleElsewhere(t *testing.T, h *harness) *session.Session {
	t.Helper()
	other := anotherShell(t, h, h.c.Backend.Session.Tenant)
	list, err := other.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled: %v %+v", err, list)
	}
	if _, err := other.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	return other
}

// tick is the rate-limit sample the root takes now and then, at now: the
// checks of the journals it makes are answered (the next sample is not).
func (h *harness) tick(now time.Time) {
	h.t.Helper()
	_, cmd := h.m.Update(tui.RateLimitMsg{Now: now})
	for _, msg := range run(cmd) {
		if _, ok := msg.(tui.RateLimitMsg); !ok {
			h.send(msg)
		}
	}
}

// auditTime starts a row of the audit log.
var auditTime = regexp.MustCompile(`^[▸ ] \d{4}-\d\d-\d\d \d\d:\d\d `)

// auditRow is the audit log's row of the call with this action.
func auditRow(h *harness, action string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.screen(), "\n") {
		if auditTime.MatchString(l) && strings.Contains(l, " "+action+" ") {
			return l
		}
	}
	h.t.Fatalf("no row of a %s:\n%s", action, h.screen())
	return ""
}

// benchReport makes n groups of 2–4 accounts over the usual connections,
// every class represented, with reasons like the real ones.
func benchReport(n int) *linking.Report {
	first := []string{"alice", "bob", "carol", "dana", "erik", "fatima", "gus", "hana", "ivan", "jun", "kofi", "lena", "mateo", "nia", "omar", "priya"}
	last := []string{"smith", "nguyen", "garcia", "fischer", "okafor", "tanaka", "kowalski", "silva", "haddad", "jensen", "moreau", "rossi"}
	domains := []string{"gmail.com", "outlook.com", "acme.com", "yahoo.com", "icloud.com"}
	conns := [][2]string{
		{"Username-Password-Authentication", "auth0"}, {"google-oauth2", "google-oauth2"}, {"github", "github"},
		{"acme-corp", "samlp"}, {"family-accounts", "auth0"}, {"legacy-members", "auth0"},
	}
	created := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	rep := &linking.Report{Tenant: "bench.example", ScannedAt: fixedNow, Method: linking.MethodExport, UsersScanned: 3 * n, AccountsWithEmail: 3 * n}
	for i := range n {
		email := fmt.Sprintf("%s.%s%d@%s", first[i%len(first)], last[(i/len(first))%len(last)], i, domains[i%len(domains)])
		g := &linking.Group{Email: email, Class: linking.Classes[i%len(linking.Classes)], MissedByExtension: i%3 == 0}
		for k := range 2 + i%3 {
			c := conns[(i+k)%len(conns)]
			a := &linking.Account{
				UserID: fmt.Sprintf("%s|%024x", c[1], i*8+k), Connection: c[0], Provider: c[1], Strategy: c[1],
				Email: email, EmailVerified: k%4 != 3, Name: first[i%len(first)] + " " + last[k%len(last)],
				LoginsCount: int64(i%97 + k), CreatedAt: created.Add(time.Duration(i) * time.Minute), LastLogin: created.AddDate(1, 0, k),
				Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: email},
			}
			g.Accounts = append(g.Accounts, a)
		}
		if g.Class == linking.ClassLinkCandidate || g.Class == linking.ClassNeedsVerification {
			g.RecommendedPrimary = g.Accounts[0].UserID
			g.PrimaryReasons = []string{g.RecommendedPrimary + ": verified email, 41 logins (most), created 2022-01-01 (oldest)",
				"chosen over " + g.Accounts[1].UserID + ": more logins (41 vs 2)"}
		}
		g.Reasons = []string{fmt.Sprintf("%d accounts on %s and %s; all emails verified", len(g.Accounts), g.Accounts[0].Connection, g.Accounts[1].Connection),
			"the newest account has logged in 3 times: the Account Link Extension runs at first login only and missed this duplicate for good"}
		rep.Groups = append(rep.Groups, g)
	}
	return rep
}

// footerLine is the screen's footer, the line over the status bar.
func footerLine(h *harness) string {
	lines := strings.Split(h.screen(), "\n")
	return lines[len(lines)-2]
}

// helpLine reports whether the help lists key with desc on one line.
func helpLine(screen, key, desc string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, key); i >= 0 && strings.Contains(l[i+len(key):], desc) {
			return true
		}
	}
	return false
}

// inGroup opens the group of email, then presses keys.
func inGroup(email string, keys ...string) func(h *harness) {
	return func(h *harness) {
		h.openGroup(email)
		h.press(keys...)
	}
}

// paste sends what a terminal sends when the operator pastes text into it
// (bracketed paste): one message with the whole text, not keys.
func (h *harness) paste(text string) {
	h.t.Helper()
	h.send(tea.PasteMsg{Content: text})
}

// The accounts of the fixture these tests use.
const (
	carolLegacy = "auth0|1000789" // carol.jones@hotmail.com on legacy-members, its email shared by 3 accounts
	aliceGoogle = "google-oauth2|108812345678901234567"
	emmaMiller  = "auth0|64b7ca01e0f1a2b3c4d5e6f8"
	mikeMiller  = "auth0|64b7c8d9e0f1a2b3c4d5e6f7"
	liamMiller  = "auth0|65c0d1e2f3a4b5c6d7e8f901"
	rajPatel    = "auth0|63a1b2c3d4e5f60718293a4c" // the Patels: a family and a Google login (mixed)
	anikaPatel  = "auth0|63a1b2c3d4e5f60718293a4d"
)

// fixtureReportEdited is fixtureReport of the fixture as edit changes it.
func fixtureReportEdited(t testing.TB, edit func(*emulator.Tenant)) *linking.Report {
	t.Helper()
	return fixtureReportOf(t, fixturePath, edit)
}

// withLongTail is withThreeWayConflict with more app_metadata on
// wei.zhang's Google account, all of it after the conflicts: the lines
// under the last conflict are more than a 60×20 window holds.
func withLongTail(t *emulator.Tenant) {
	withThreeWayConflict(t)
	for _, u := range t.Users {
		if u.UserID == "google-oauth2|114455667788990011223" {
			u.AppMetadata = json.RawMessage(`{"plan":"team","customer_id":"cus_GOOGLE","region":"eu-west","seats":12,` +
				`"support_tier":"gold","tags":["beta"],"team_id":"t_42","trial":false,"vat_id":"DE123","zone":"b"}`)
		}
	}
}

// linkWithCalls links wei.zhang's three accounts as reviewWithCalls
// reviews them: each section a metadata PATCH and the link's POST, each
// with its backup, more result lines than a 60×20 window holds.
func linkWithCalls(h *harness) {
	h.t.Helper()
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "space", "j", "j", "space", "j", "space", "enter", "y")
	h.mustShow("✓ Done.")
}

// pressAhead sends keys as a terminal does when they come in one read
// (tmux send-keys '/ivy'): each key is handled before the commands the
// ones before it returned have run, then those run.
func (h *harness) pressAhead(keys ...string) {
	h.t.Helper()
	var cmds []tea.Cmd
	for _, k := range keys {
		_, cmd := h.m.Update(keyPress(k))
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		h.send(cmd)
	}
}

// verificationJobs counts the verification emails the sandbox was asked to send.
func verificationJobs(h *harness) int64 {
	return h.srv.Stats().Requests["POST /api/v2/jobs/verification-email"]
}

// footer is the line of keys above the status bar.
func (h *harness) footer() string {
	lines := strings.Split(h.screen(), "\n")
	return lines[len(lines)-2]
}

// flowed is the screen's text as one run of words: frames gone and every
// line break a space, so that a sentence wrapped over lines reads whole.
func flowed(screen string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "─", " ").Replace(screen)), " ")
}

// mustShowWhole fails unless the screen shows each sentence whole, wrapped
// as it may be, never cut with "…".
func (h *harness) mustShowWhole(sentences ...string) {
	h.t.Helper()
	f := flowed(h.screen())
	for _, s := range sentences {
		if !strings.Contains(f, s) {
			h.t.Fatalf("the screen does not show %q whole:\n%s", s, h.screen())
		}
	}
}

// showsCall reports whether the screen shows a call whole, wrapped over
// lines as callLines wraps it (after a "," or a "/", or at its space): the
// screen's lines run together, spaces left out, hold it.
func showsCall(screen, call string) bool {
	noSpace := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	return strings.Contains(noSpace(strings.ReplaceAll(screen, "\n", "")), noSpace(call))
}

// above is the screen less its footer and status bar: what a key that
// does nothing leaves as it was.
func (h *harness) above() string {
	lines := strings.Split(h.screen(), "\n")
	return strings.Join(lines[:len(lines)-2], "\n")
}

// mustTell fails unless the footer says want, whole and without the ✓ of
// a thing done, and the screen above it is still before.
func (h *harness) mustTell(key, want, before string) {
	h.t.Helper()
	if f := h.footer(); !strings.Contains(f, want) || strings.Contains(f, "✓") {
		h.t.Fatalf("after %s the footer reads %q, want %q without a ✓:\n%s", key, f, want, h.screen())
	}
	if h.above() != before {
		h.t.Fatalf("%s changed the screen:\n%s", key, h.screen())
	}
}
