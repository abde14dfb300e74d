package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
)

// leaveUnsettledLink links the small fixture's alice, cut off after the
// tenant acted, in the state directory dir; it returns the real tenant.
func leaveUnsettledLink(t *testing.T, dir string) client.Tenant {
	t.Helper()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1})
	tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	sessiontest.CutOffAlicesLink(t, tn, func(cut client.Tenant) *session.Session {
		s := session.With(context.Background(), cut, "sandbox", session.Config{StateDir: dir, Operator: "tester"})
		t.Cleanup(func() { s.Close() })
		return s
	})
	return tn
}

// modelAfterAnUnsettledLink is the root model (probe pages) of a session
// whose state directory holds a link cut off after the tenant acted, with
// the session and the model's Init.
func modelAfterAnUnsettledLink(t *testing.T, now func() time.Time) (*Model, *session.Session, tea.Cmd) {
	return modelAfterAnUnsettledLinkIn(t, now, false)
}

// modelAfterAnUnsettledLinkIn is modelAfterAnUnsettledLink, started with
// --read-only if readOnly.
func modelAfterAnUnsettledLinkIn(t *testing.T, now func() time.Time, readOnly bool) (*Model, *session.Session, tea.Cmd) {
	t.Helper()
	dir := t.TempDir()
	tn := leaveUnsettledLink(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := session.With(ctx, tn, "sandbox", session.Config{StateDir: dir, Operator: "tester", ReadOnly: readOnly})
	t.Cleanup(func() { s.Close() })
	c := &Common{Backend: &Backend{Session: s}, Now: now, ReadOnly: readOnly}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1, Context: ctx})
	return m, s, m.Init()
}

// unsettledAnswers runs cmd (and the commands of a batch) and gives the
// model the answers of the checks of the journals it makes.
func unsettledAnswers(m *Model, cmd tea.Cmd) int {
	if cmd == nil {
		return 0
	}
	n := 0
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			n += unsettledAnswers(m, c)
		}
	case UnsettledMsg:
		m.Update(msg)
		n++
	}
	return n
}

// TestTheUnsettledWarningSaysWhatToDoAndClearsOnceSettled: a write cut off
// earlier on this tenant is warned of at start; the warning names
// `linkdesk resume` whole at 100×30, 80×24 and 60×20, and the badge reads
// whole; once `linkdesk resume` settles it from another shell, reading the
// journals again (a rescan, or now and then) clears both.
func TestTheUnsettledWarningSaysWhatToDoAndClearsOnceSettled(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 20, 5, 0, 0, time.Local)
	m, s, init := modelAfterAnUnsettledLink(t, func() time.Time { return now })
	if unsettledAnswers(m, init) != 1 {
		t.Fatal("no check of the journals at start")
	}
	for _, size := range [][2]int{{100, 30}, {80, 24}, {60, 20}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		footer, bar := m.footer(), m.statusBar()
		if !strings.Contains(footer, "`linkdesk resume`") || Width(footer) > size[0] {
			t.Errorf("at %dx%d the warning does not say what to do: %q", size[0], size[1], footer)
		}
		if !strings.Contains(bar, " 1 UNSETTLED ") || Width(bar) != size[0] {
			t.Errorf("at %dx%d the badge is cut: %q", size[0], size[1], bar)
		}
	}

	// Now and then, while a write is left unsettled: not before
	// unsettledEvery has passed, nor while a write of this session is in
	// flight (its journal is open), and then when it ends.
	if _, cmd := m.Update(RateLimitMsg{Now: now.Add(time.Second)}); unsettledAnswers(m, cmd) != 0 {
		t.Error("the journals were read again at once")
	}
	_, cmd := m.Update(RateLimitMsg{Now: now.Add(unsettledEvery)})
	if unsettledAnswers(m, cmd) != 1 || m.unsettled != 1 {
		t.Fatalf("the journals were not read again while a write was left unsettled (%d)", m.unsettled)
	}
	before := m.checkUnsettled()
	task := NewTask()
	m.Update(WriteRequest{Task: task, Label: "delete auth0|1", Run: func(context.Context) (any, error) { return nil, nil }})
	if n := unsettledAnswers(m, before); n != 1 || m.unsettledTask != 0 {
		t.Fatal("a check made before a write started was taken")
	}
	if _, cmd := m.Update(RateLimitMsg{Now: now.Add(time.Hour)}); unsettledAnswers(m, cmd) != 0 {
		t.Error("the journals were read while a write was in flight")
	}

	// Settled from another shell, as `linkdesk resume` does.
	other := session.With(ctx, s.Tenant, "sandbox", session.Config{StateDir: s.Paths.State, Operator: "tester"})
	defer other.Close()
	list, err := other.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled: %v %+v", err, list)
	}
	if _, err := other.Settle(ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	if again, _ := other.Unsettled(); len(again) != 0 {
		t.Fatalf("still unsettled after settling: %+v", again)
	}

	// The write ending reads them again: settled, the badge goes.
	_, cmd = m.Update(WriteDoneMsg{Task: task, Label: "delete auth0|1"})
	if unsettledAnswers(m, cmd) != 1 {
		t.Fatal("the journals were not read again when the last write ended")
	}
	if bar := m.statusBar(); strings.Contains(bar, "UNSETTLED") {
		t.Errorf("the badge stays once settled: %q", bar)
	}
	if footer := m.footer(); strings.Contains(footer, "linkdesk resume") || !strings.Contains(footer, "The unsettled write is settled now.") {
		t.Errorf("the footer once settled: %q", footer)
	}
}

// TestAReadOnlySessionIsToldOfUnsettledWrites: --read-only makes no write,
// but writes another run left unsettled on the tenant are still there for
// someone to settle; a read-only operator sees the badge and the warning
// as any other does (the CLI's commands warn under --read-only too).
func TestAReadOnlySessionIsToldOfUnsettledWrites(t *testing.T) {
	m, _, init := modelAfterAnUnsettledLinkIn(t, time.Now, true)
	if unsettledAnswers(m, init) != 1 {
		t.Fatal("no check of the journals at start under --read-only")
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if bar := m.statusBar(); !strings.Contains(bar, "READ-ONLY") && !strings.Contains(bar, " RO ") || !strings.Contains(bar, " 1 UNSETTLED ") {
		t.Errorf("the status bar under --read-only: %q", bar)
	}
	if footer := m.footer(); !strings.Contains(footer, "`linkdesk resume`") {
		t.Errorf("the warning under --read-only: %q", footer)
	}
}

// TestARescanReadsTheJournalsAgain: r (as R) reads the journals again
// when its scan ends, whatever its end: writes settled from another shell
// since leave the status bar.
func TestARescanReadsTheJournalsAgain(t *testing.T) {
	ctx := context.Background()
	m, s, init := modelAfterAnUnsettledLink(t, nil)
	unsettledAnswers(m, init)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	if m.unsettled != 1 {
		t.Fatalf("%d unsettled at start, want 1", m.unsettled)
	}
	list, _ := s.Unsettled()
	if _, err := s.Settle(ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"}) // its scan is not run here: it ends when told
	_, cmd := m.Update(ScanDoneMsg{Task: m.scan.task, Err: context.Canceled})
	if unsettledAnswers(m, cmd) != 1 || m.unsettled != 0 {
		t.Fatalf("the rescan did not read the journals again: %d unsettled", m.unsettled)
	}
	if bar := m.statusBar(); strings.Contains(bar, "UNSETTLED") {
		t.Errorf("the badge stays once settled: %q", bar)
	}
	if footer := m.footer(); !strings.Contains(footer, "The unsettled write is settled now.") {
		t.Errorf("the footer once settled: %q", footer)
	}
}

// TestAWriteAnotherLinkdeskLeavesUnsettledIsFoundNowAndThen: with nothing
// unsettled, the journals are still read every unsettledIdleEvery, so that
// a write another linkdesk on this tenant left cut off meanwhile is warned
// of without a rescan.
func TestAWriteAnotherLinkdeskLeavesUnsettledIsFoundNowAndThen(t *testing.T) {
	now := time.Date(2026, 11, 1, 20, 5, 0, 0, time.Local)
	m, s, init := modelAfterAnUnsettledLink(t, func() time.Time { return now })
	unsettledAnswers(m, init)
	list, _ := s.Unsettled()
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	_, cmd := m.Update(ScanDoneMsg{Task: m.scan.task, Err: context.Canceled})
	if unsettledAnswers(m, cmd) != 1 || m.unsettled != 0 {
		t.Fatalf("%d unsettled after settling", m.unsettled)
	}
	leaveUnsettledLink(t, s.Paths.State) // another linkdesk, cut off
	if _, cmd := m.Update(RateLimitMsg{Now: now.Add(unsettledEvery)}); unsettledAnswers(m, cmd) != 0 {
		t.Error("the journals were read again at the pace kept while some are unsettled")
	}
	_, cmd = m.Update(RateLimitMsg{Now: now.Add(unsettledIdleEvery)})
	if unsettledAnswers(m, cmd) != 1 || m.unsettled != 1 {
		t.Fatalf("the write left unsettled meanwhile was not found: %d", m.unsettled)
	}
}

// auditProbe is a top-level screen that counts what tells it the audit
// log changed, and the ActiveMsg that follows.
type auditProbe struct {
	probeScreen
	changed, active int
}

func (p *auditProbe) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg.(type) {
	case AuditChangedMsg:
		p.changed++
	case ActiveMsg:
		p.active++
	}
	return p, nil
}

// TestTheAuditLogIsToldWhenTheJournalsChange: each read of the journals
// that finds them changed since the last (a write settled, finished or
// discarded from another shell, a run of another linkdesk begun or
// ended) tells the screens that the audit log changed, the active one
// last (ActiveMsg, which has the audit log, shown, read it again); r
// does too. The first read, and one that finds what the last found, do
// not.
func TestTheAuditLogIsToldWhenTheJournalsChange(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	log := &auditProbe{probeScreen: probeScreen{c: m.c}}
	m.pages.Audit = func(*Common) Component { return log }
	m.Update(ShowMsg{Page: PageAudit})
	cut := []session.Unsettled{{PlanID: "plan-1", Unknown: []string{"op1.link"}, Remaining: []string{"op2.link"}, CutOff: true}}
	settled := []session.Unsettled{{PlanID: "plan-1", Remaining: []string{"op2.link"}, CutOff: true}}
	for i, step := range []struct {
		list    []session.Unsettled
		running []string
		told    int // how many times the audit log has been told, after this read
	}{
		{cut, nil, 0},                // at start
		{cut, nil, 0},                // nothing changed
		{settled, nil, 1},            // resume settled op1 (a dry run: op2 is left)
		{nil, []string{"plan-1"}, 2}, // resume --force runs: its results are not in the log yet
		{nil, []string{"plan-1"}, 2},
		{nil, nil, 3}, // it ended: its results are
	} {
		m.unsettledTask = NewTask()
		_, cmd := m.Update(UnsettledMsg{Task: m.unsettledTask, List: step.list, Running: step.running})
		run(cmd)
		if log.changed != step.told || log.active != step.told {
			t.Fatalf("read %d: the audit log was told %d times (active %d), want %d", i+1, log.changed, log.active, step.told)
		}
		// Settled is said once resume has ended, not while it runs.
		switch footer := m.footer(); {
		case step.running != nil && !strings.Contains(footer, "Another linkdesk is settling the unsettled write now…"),
			step.running != nil && strings.Contains(footer, "settled now"):
			t.Errorf("read %d, resume running: the footer says %q", i+1, footer)
		case i == 5 && !strings.Contains(footer, "The unsettled write is settled now."):
			t.Errorf("read %d, resume ended: the footer says %q", i+1, footer)
		}
	}
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if log.changed != 4 {
		t.Errorf("r did not tell the audit log: %d", log.changed)
	}
}

// run runs cmd and the commands of a batch, dropping their messages.
func run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if b, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range b {
			run(c)
		}
	}
}

// The accounts a link would write, read for its review, are refused there
// when a plan cut off and not settled writes them: the operator learns it
// before y, not from the write's result.
func TestAccountsReadForALinkWrittenByAnUnsettledPlanAreRefused(t *testing.T) {
	dir := t.TempDir()
	tn := leaveUnsettledLink(t, dir)
	s := session.With(context.Background(), tn, "sandbox", session.Config{StateDir: dir, Operator: "tester"})
	t.Cleanup(func() { s.Close() })
	b := &Backend{Session: s}
	msg := b.ReadAccounts(context.Background(), NewTask(), sessiontest.AliceDB)().(UsersMsg)
	if se, ok := linking.AsSafetyError(msg.Err); !ok || se.Check != linking.CheckUnsettledWrite {
		t.Fatalf("reading alice's account for a link while her cut-off link is unsettled: %v", msg.Err)
	}
}
