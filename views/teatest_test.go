package views

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
)

// probe wraps the real root model in the real program and keeps the last
// screen it drew, so a test can wait for what a user would see without
// decoding the renderer's cursor moves.
type probe struct {
	tea.Model
	mu     *sync.Mutex
	screen *string
}

func newProbe(m tea.Model) *probe {
	return &probe{Model: m, mu: &sync.Mutex{}, screen: new(string)}
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := p.Model.Update(msg)
	p.Model = m
	p.keep(m.View().Content)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.Model.View()
	p.keep(v.Content)
	return v
}

func (p *probe) keep(s string) {
	p.mu.Lock()
	*p.screen = s
	p.mu.Unlock()
}

func (p *probe) current() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.screen
}

// waitFor waits until the screen shows every string, and returns it.
func (p *probe) waitFor(t testing.TB, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := p.current()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q; last screen:\n%s", want, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startProgram runs the TUI on a sandbox tenant holding the fixture, as
// `linkdesk demo` does: the scan starts by itself.
func startProgram(t *testing.T, opts emulator.Options) (*teatest.TestModel, *probe, *tui.Backend) {
	t.Helper()
	tm, p, b, _ := startProgramIn(t, opts, nil, 100, 30)
	return tm, p, b
}

// startProgramIn is startProgram in a window of width×height, with the
// sandbox tenant's data changed by edit first; it also returns the sandbox,
// whose stored users a test reads to check what a write left there.
func startProgramIn(t *testing.T, opts emulator.Options, edit func(*emulator.Tenant), width, height int) (*teatest.TestModel, *probe, *tui.Backend, *emulator.Server) {
	t.Helper()
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	srv, tn := startTenantWith(t, opts, false, edit)
	b := &tui.Backend{Session: session.With(context.Background(), tn, "sandbox (fixture)",
		session.Config{Sandbox: true, Operator: "tester", StateDir: t.TempDir()})}
	c := &tui.Common{Backend: b, Now: func() time.Time { return fixedNow }}
	p := newProbe(New(c, tui.Options{Theme: tui.ThemePlain, FixedTheme: true, AutoScan: true}))
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(width, height))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm, p, b, srv
}

// openGroupBy waits for the scan of the fixture, opens the first group the
// groups list's filter finds, as an operator would (2, /, the filter,
// enter, enter), and waits until the screen shows every string of want.
func openGroupBy(t *testing.T, tm *teatest.TestModel, p *probe, filter string, want ...string) {
	t.Helper()
	p.waitFor(t, "Groups by class", "scanned 35 users")
	tm.Send(keyPress("2"))
	tm.Send(keyPress("/"))
	tm.Type(filter)
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("enter"))
	p.waitFor(t, want...)
}

func quit(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	tm.Send(keyPress("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

func TestFlowOpenAGroupLinkItAndSeeItLeaveTheCandidates(t *testing.T) {
	tm, p, b := startProgram(t, emulator.Options{})
	p.waitFor(t, "Groups by class", "scanned 35 users", "▸ link candidate            4")

	tm.Send(keyPress("enter"))
	p.waitFor(t, "4 of 10 groups", "filter: class:link_candidate")
	tm.Send(keyPress("enter"))
	p.waitFor(t, "Group wei.zhang@gmail.com", "★ Recommended primary: auth0|5f1a2b3c4d5e6f7081920a1b")
	tm.Send(keyPress("l"))
	p.waitFor(t, "★ (●) (email)    auth0|5f1a2b3c4d5e6f7081920a1b")
	tm.Send(keyPress("enter"))
	p.waitFor(t, "✓ safety checks passed: 7 of 7 (? lists them)")
	tm.Send(keyPress("enter"))
	p.waitFor(t, "Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?", "n no (default)")
	tm.Send(keyPress("y"))
	p.waitFor(t, "✓ Done.", "op2.link")
	tm.Send(keyPress("esc"))
	p.waitFor(t, "resolved: one account holds this email now", "linked: github|9007199254740993", "linked: google-oauth2|114455667788990011223")
	tm.Send(keyPress("2"))
	screen := p.waitFor(t, "3 of 9 groups")
	if strings.Contains(screen, "wei.zhang@gmail.com") {
		t.Fatalf("the linked group is still among the link candidates:\n%s", screen)
	}
	tm.Send(keyPress("1"))
	p.waitFor(t, "▸ link candidate            3", "1 resolved in this session")

	recs, _, err := audit.ReadLog(b.AuditLog())
	if err != nil || len(recs) != 4 {
		t.Fatalf("audit log: %d records, %v", len(recs), err)
	}
	quit(t, tm)
}

func TestFlowDeleteAnAccountThenFindTheBackupAndTheAuditRecord(t *testing.T) {
	tm, p, b := startProgram(t, emulator.Options{})
	// The rows tell the two profiles of one email apart by username.
	openGroupBy(t, tm, p, "bob.smith", "Group bob.smith@yahoo.com", "legacy duplicate", "bobsmith ", "bob.smith2 ")
	tm.Send(keyPress("j"))
	tm.Send(keyPress("D"))
	// Both legacy accounts share bob.smith@yahoo.com: the username names
	// this one, as the audit log will, or the user id.
	p.waitFor(t, "Delete bob.smith2 (auth0|1000456)", "To delete, type its username or its user id, then enter:\n  bob.smith2\n")
	tm.Type("bob.smith@yahoo.com")
	tm.Send(keyPress("enter"))
	p.waitFor(t, "That does not name this account")
	tm.Send(keyPress("ctrl+u"))
	tm.Type("auth0|1000456")
	tm.Send(keyPress("enter"))
	screen := p.waitFor(t, "✓ Done.", "op1.delete", "backup: ")

	backups, _ := filepath.Glob(filepath.Join(b.BackupDir(), "*-delete-*.json"))
	if len(backups) != 1 {
		t.Fatalf("backups after the delete: %v", backups)
	}
	if !strings.Contains(screen, filepath.Base(backups[0])[:20]) {
		t.Errorf("the result does not name the backup %s:\n%s", backups[0], screen)
	}
	data, err := os.ReadFile(backups[0])
	if err != nil || !strings.Contains(string(data), `"auth0|1000456"`) {
		t.Fatalf("the backup does not hold the user: %v", err)
	}
	recs, _, err := audit.ReadLog(b.AuditLog())
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit log: %+v, %v", recs, err)
	}
	for i, phase := range []string{audit.PhaseAttempt, audit.PhaseResult} {
		r := recs[i]
		if r.Action != linking.ActionDelete || r.Phase != phase || r.Operator != "tester" || r.Backup != backups[0] || r.UserIDs[0] != "auth0|1000456" {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if recs[1].Result != audit.ResultOK {
		t.Errorf("result %q", recs[1].Result)
	}

	tm.Send(keyPress("esc"))
	p.waitFor(t, "resolved: one account holds this email now")
	tm.Send(keyPress("3"))
	p.waitFor(t, "1 call, newest first", "delete", "bob.smith2", "tester") // named by its username: its email is shared
	quit(t, tm)
}

func TestFlowEscCancelsTheScan(t *testing.T) {
	tm, p, _ := startProgram(t, emulator.Options{Latency: 400 * time.Millisecond})
	p.waitFor(t, "(esc cancels)")
	tm.Send(keyPress("esc"))
	p.waitFor(t, "The scan was cancelled. Press r to scan the tenant.", "scan cancelled (r scans)")
	// The groups screen says so too, and what scans again.
	tm.Send(keyPress("2"))
	p.waitFor(t, "No groups yet: the scan was cancelled. Press r to scan again.")
	tm.Send(keyPress("1"))
	p.waitFor(t, "The scan was cancelled. Press r to scan the tenant.")
	tm.Send(keyPress("r"))
	p.waitFor(t, "(esc cancels)")
	p.waitFor(t, "Groups by class", "scanned 35 users")
	quit(t, tm)
}

// The family ticket of issue 13: a filter names one child; the cursor lands
// on that child, the ticket dialog names the child by username, and the
// ticket and its audit record are for that child's account, not a sibling's.
func TestFlowTicketForTheRightChildOfAFamily(t *testing.T) {
	const liam = "auth0|65c0d1e2f3a4b5c6d7e8f901"
	tm, p, b, _ := startProgramIn(t, emulator.Options{}, withSecondaryEmail, 100, 30)
	openGroupBy(t, tm, p, "liam.miller", "Group the.millers@gmail.com", "▸   liam.miller auth0|65c0d1e2f3a4b5c6d7e8f901")
	tm.Send(keyPress("t"))
	p.waitFor(t, "Account  liam.miller", "User id  auth0|65c0d1e2f3a4b5c6d7e8f901", "shared by 3 accounts",
		"liam.miller.2011@outlook.com (user_metadata.secondary_email)")
	tm.Send(keyPress("tab"))
	tm.Send(keyPress("tab"))
	tm.Send(keyPress("tab"))
	tm.Send(keyPress("tab"))
	tm.Send(keyPress("tab")) // the reason field
	tm.Send(keyPress("ctrl+u"))
	tm.Type("ZD-1207 Liam forgot his password")
	tm.Send(keyPress("enter"))
	p.waitFor(t, "Reason   ZD-1207 Liam forgot his password")
	tm.Send(keyPress("y"))
	p.waitFor(t, "✓ Ticket for liam.miller (auth0|65c0d1e2f3a4b5c6d7e8f901)", "?ticket=")

	recs, _, err := audit.ReadLog(b.AuditLog())
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit log: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.Action != linking.ActionTicket || len(r.UserIDs) != 1 || r.UserIDs[0] != liam || r.Reason != "ZD-1207 Liam forgot his password" {
			t.Errorf("the ticket's record is not liam's, with the reason given: %+v", r)
		}
		if strings.Contains(string(r.Response)+string(r.Request), "ticket=") {
			t.Errorf("the audit record holds the ticket URL: %s", r.Response)
		}
	}
	quit(t, tm)
}

// Conflict choices are per account, all reachable at 80×24: in a group of
// three, the operator keeps the first secondary's plan and the second
// secondary's customer_id; the tenant then holds exactly those values.
func TestFlowConflictChoicesPerAccountReachTheTenant(t *testing.T) {
	const primary = "auth0|5f1a2b3c4d5e6f7081920a1b"
	tm, p, _, srv := startProgramIn(t, emulator.Options{}, withThreeWayConflict, 80, 24)
	openGroupBy(t, tm, p, "wei.zhang", "Group wei.zhang@gmail.com", "★ Recommended primary")
	tm.Send(keyPress("l"))
	p.waitFor(t, "(●) "+primary)
	tm.Send(keyPress("enter"))
	p.waitFor(t, "Conflict 1 of 4: space keeps", "github|9007199254740993)", `▸ ! app_metadata.customer_id: keep "cus_PRIMARY"`)
	tm.Send(keyPress("j"))
	p.waitFor(t, "Conflict 2 of 4: space keeps", "github|9007199254740993)", `▸ ! app_metadata.plan: keep "free" (primary)`)
	tm.Send(keyPress("space"))
	p.waitFor(t, `▸ ! app_metadata.plan: keep "pro" (secondary), drop "free" (primary)`)
	tm.Send(keyPress("j"))
	// The second secondary's section, its own choices untouched by the first's.
	p.waitFor(t, "Conflict 3 of 4: space keeps", "google-oauth2|114455667788990011223)", `▸ ! app_metadata.customer_id: keep "cus_PRIMARY" (primary), drop "cus_GOOGLE"`)
	tm.Send(keyPress("space"))
	p.waitFor(t, `▸ ! app_metadata.customer_id: keep "cus_GOOGLE" (secondary)`)
	tm.Send(keyPress("j"))
	p.waitFor(t, "Conflict 4 of 4", `▸ ! app_metadata.plan: keep "pro" (primary), drop "team" (secondary)`)
	tm.Send(keyPress("k"))
	tm.Send(keyPress("k"))
	p.waitFor(t, "Conflict 2 of 4", `▸ ! app_metadata.plan: keep "pro" (secondary)`) // the first choice stayed
	tm.Send(keyPress("enter"))
	p.waitFor(t, "Link these 2 accounts into", "4 metadata conflicts decided as you reviewed them")
	tm.Send(keyPress("y"))
	p.waitFor(t, "✓ Done.")

	u, ok := srv.GetUser(primary)
	if !ok {
		t.Fatal("the primary is gone")
	}
	var app map[string]any
	if err := json.Unmarshal(u.AppMetadata, &app); err != nil {
		t.Fatal(err)
	}
	if app["plan"] != "pro" || app["customer_id"] != "cus_GOOGLE" {
		t.Fatalf("the tenant holds app_metadata %v, want plan pro (the github account's) and customer_id cus_GOOGLE (the google account's)", app)
	}
	for _, id := range []string{"github|9007199254740993", "google-oauth2|114455667788990011223"} {
		if _, ok := srv.GetUser(id); ok {
			t.Errorf("%s is still a user of its own", id)
		}
	}
	quit(t, tm)
}
