package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
)

// probeScreen is a screen that keeps the context it was given when it
// started, as a screen keeps it for the reads it starts.
type probeScreen struct {
	c   *Common
	ctx context.Context
}

func (p *probeScreen) Init() tea.Cmd                            { p.ctx = p.c.Ctx; return nil }
func (p *probeScreen) Update(tea.Msg) (Component, tea.Cmd)      { return p, nil }
func (p *probeScreen) View() string                             { return "" }
func (p *probeScreen) Title() string                            { return "probe" }
func (p *probeScreen) Help() []HelpGroup                        { return nil }
func (p *probeScreen) Capturing() bool                          { return false }
func newProbePage(c *Common) Component                          { return &probeScreen{c: c} }
func newProbeHelp(c *Common, _ string, _ []HelpGroup) Component { return &probeScreen{c: c} }

func testModel(t *testing.T) (*Model, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Common{}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1, Context: ctx})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m, cancel
}

func TestEscCancelsWhatTheClosedScreenWasReading(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	first, second := &probeScreen{c: m.c}, &probeScreen{c: m.c}
	m.Update(PushMsg{Screen: first})
	m.Update(PushMsg{Screen: second})
	if first.ctx == nil || second.ctx == nil || first.ctx == second.ctx {
		t.Fatal("each screen gets a context of its own")
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if second.ctx.Err() == nil {
		t.Error("esc left the closed screen's reads running")
	}
	if first.ctx.Err() != nil {
		t.Error("esc cancelled the screen below")
	}
	if m.c.Ctx != first.ctx {
		t.Error("the screen below is active again, with its own context")
	}
	m.Update(ShowMsg{Page: PageGroups})
	if first.ctx.Err() == nil {
		t.Error("leaving for another page left a screen's reads running")
	}
}

func TestQuitCancelsEveryCallOfTheProgram(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	s := &probeScreen{c: m.c}
	m.Update(PushMsg{Screen: s})
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	if s.ctx.Err() == nil || m.ctx.Err() == nil {
		t.Error("quitting left calls running")
	}
	// The last frame is blank: a terminal that keeps it on exit (no
	// alternate screen) keeps nothing of the screens.
	if v := m.View(); v.Content != "" || !v.AltScreen {
		t.Errorf("the last frame: %q (alternate screen %v)", v.Content, v.AltScreen)
	}
}

func TestQuittingTheProgramsParentStopsTheModel(t *testing.T) {
	m, cancel := testModel(t)
	s := &probeScreen{c: m.c}
	m.Update(PushMsg{Screen: s})
	cancel() // SIGINT to the process: the program's context ends
	if s.ctx.Err() == nil {
		t.Error("a screen's reads outlived the program's context")
	}
}

// TestTheScreenOpensOnTheSnapshotWhileTheScanUpdatesIt: with a snapshot on
// disk, a scan shows it first (no export, no search), says how old it is,
// and replaces it when the scan ends; R exports without showing it.
func TestTheScreenOpensOnTheSnapshotWhileTheScanUpdatesIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := session.Open(ctx, session.Config{Sandbox: true, Users: 2000, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, err := s.Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	c := &Common{Backend: &Backend{Session: s}}
	m := New(c, Pages{Overview: newProbePage, Groups: newProbePage, Audit: newProbePage, Help: newProbeHelp},
		Options{Theme: ThemePlain, FixedTheme: true, RateEvery: -1, Context: ctx})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})

	msg := m.scanTenant(false)()
	snap, ok := msg.(ScanSnapshotMsg)
	if !ok {
		t.Fatalf("the scan's first event is %T, want the snapshot", msg)
	}
	m.Update(snap)
	if r := m.c.Data.Report; r == nil || r.Method != linking.MethodSnapshot || len(r.Groups) != len(first.Groups) {
		t.Fatalf("shown while the scan runs: %+v", r)
	}
	if bar := m.statusBar(); !strings.Contains(bar, "snapshot") || !strings.Contains(bar, "old, updating") {
		t.Errorf("the status bar does not say the snapshot's age: %q", bar)
	}
	for next := snap.next; ; {
		msg := next()
		if p, ok := msg.(ScanProgressMsg); ok {
			next = p.next
			continue
		}
		done, ok := msg.(ScanDoneMsg)
		if !ok || done.Err != nil {
			t.Fatalf("the scan ended with %T %v", msg, done.Err)
		}
		m.Update(done)
		break
	}
	if r := m.c.Data.Report; r.Method == linking.MethodSnapshot || len(r.Groups) != len(first.Groups) || m.c.Scan.Running {
		t.Errorf("after the scan: method %q, %d groups, running %v", r.Method, len(r.Groups), m.c.Scan.Running)
	}
	if bar := m.statusBar(); !strings.Contains(bar, "scanned 2,000 users") {
		t.Errorf("status bar after the scan: %q", bar)
	}

	cmd := m.handleKey(tea.KeyPressMsg{Code: 'R', Text: "R"})
	if cmd == nil {
		t.Fatal("R started nothing")
	}
	for msg := cmd(); ; {
		switch e := msg.(type) {
		case ScanSnapshotMsg:
			t.Fatal("R showed the snapshot: it exports the whole tenant")
		case ScanProgressMsg:
			msg = e.next()
			continue
		case ScanDoneMsg:
			if e.Err != nil || e.Report.Method != linking.MethodExport {
				t.Fatalf("R: %v, method %q", e.Err, e.Report.Method)
			}
		default:
			t.Fatalf("R: %T", msg)
		}
		break
	}
}

// TestTheBreadcrumbsShortenTheMiddleFirst: a deep trail of long titles
// keeps the last one whole, and as much of the rest as fits.
func TestTheBreadcrumbsShortenTheMiddleFirst(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	crumbs := []string{"Group harper.scott1085@initech.example.com", "Account auth0|6adfe0123456789abcdef", "Link"}
	for width, want := range map[int]string{
		140: "linkdesk  1 Overview  [2 Groups]  3 Audit log  › Group harper.scott1085@initech.example.com › Account auth0|6adfe0123456789abcdef › Link",
		100: "linkdesk  1 Overview  [2 Groups]  3 Audit log  › Group harper.scott1… › Account auth0|6adfe… › Link",
		80:  "linkdesk  1 Overview  [2 Groups]  3 Audit log  › Group harper.scott1… › … › Link",
		60:  "linkdesk 1 [2 Groups] 3 › Group harper.scott1… › … › Link",
		40:  "linkdesk 1 [2 Groups] 3 › … › Link",
	} {
		m.width = width
		m.page = PageGroups
		if got := m.breadcrumbs(crumbs); got != want {
			t.Errorf("at %d columns:\n got %q\nwant %q", width, got, want)
		}
	}
	m.width = 40
	if got := m.breadcrumbs([]string{"Link alice.nguyen@example.com with which account?"}); !strings.Contains(got, "› Link alice") || Width(got) > 40 {
		t.Errorf("a long last crumb is cut last: %q", got)
	}
}

// findProbe is a find screen: it keeps the keys it gets.
type findProbe struct {
	probeScreen
	keys []string
}

func (f *findProbe) Update(msg tea.Msg) (Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		f.keys = append(f.keys, k.String())
	}
	return f, nil
}
func (f *findProbe) Title() string { return "Find" }

// TestFOnTheFindScreenFindsThere: back on the find screen from an account
// it opened, f goes to that screen (it finds something else), rather than
// open a second find screen above it: the trail names Find once.
func TestFOnTheFindScreenFindsThere(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	m.pages.Find = func(c *Common) Component { return &findProbe{probeScreen: probeScreen{c: c}} }
	f := tea.KeyPressMsg{Code: 'f', Text: "f"}
	m.Update(f)
	find, ok := m.Active().(*findProbe)
	if !ok {
		t.Fatalf("f opened %T", m.Active())
	}
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}}) // the account found
	m.Update(f)                                     // f on the account: a new search above it
	if _, ok := m.Active().(*findProbe); !ok || len(m.stack) != 3 {
		t.Fatalf("f on the account: %T on top, %d screens", m.Active(), len(m.stack))
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.Active() != find {
		t.Fatalf("esc esc: %T on top", m.Active())
	}
	m.Update(f)
	if m.Active() != find || len(m.stack) != 1 {
		t.Fatalf("f on the find screen opened another: %d screens, header %q", len(m.stack), m.header())
	}
	if len(find.keys) != 1 || find.keys[0] != "f" {
		t.Errorf("the find screen got %v, want f", find.keys)
	}
	if h := m.header(); strings.Count(h, "Find") != 1 {
		t.Errorf("the trail repeats Find: %q", h)
	}
}

// The note r puts up while its scan runs goes once the scan ends: the
// status bar says how it ended.
func TestTheRescanNoteGoesWhenTheScanEnds(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if !strings.Contains(m.footer(), rescanNote) {
		t.Fatalf("r says nothing: %q", m.footer())
	}
	m.Update(ScanDoneMsg{Task: m.scan.task, Err: context.Canceled})
	if strings.Contains(m.footer(), rescanNote) {
		t.Errorf("the note stays after the scan ended: %q", m.footer())
	}
}

// TestTheQuitQuestionListsEachWriteWhole: at 80 and 60 columns the
// question to quit while writes are in flight wraps each write's label
// rather than cutting it: the user ids it names show whole (it was
// "link google-oauth2|105673151469345216921 into auth0|6ac841ff80091f7c51a…").
func TestTheQuitQuestionListsEachWriteWhole(t *testing.T) {
	labels := []string{
		"link google-oauth2|105673151469345216921 into auth0|6ac841ff80091f7c51a0b1c2",
		"unlink github|9007199254740993 from paul.muller167 (auth0|46210956aa0b1c2d3e4f5a6b)",
	}
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		m, cancel := testModel(t)
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, l := range labels {
			m.Update(WriteRequest{Task: NewTask(), Label: l, Run: nil})
		}
		m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
		if _, ok := m.Active().(*Confirm); !ok {
			t.Fatalf("q with writes in flight opened %T", m.Active())
		}
		screen := m.View().Content
		var text []string // the dialog's lines, without its frame
		for _, l := range strings.Split(screen, "\n") {
			text = append(text, strings.Trim(l, " │"))
		}
		joined := strings.Join(text, " ")
		for _, id := range []string{"google-oauth2|105673151469345216921", "auth0|6ac841ff80091f7c51a0b1c2", "github|9007199254740993", "(auth0|46210956aa0b1c2d3e4f5a6b)"} {
			if !strings.Contains(joined, " "+id) {
				t.Errorf("%dx%d: the question does not show %s whole:\n%s", size[0], size[1], id, screen)
			}
		}
		cancel()
	}
}

// A question answers once, also where no root closes it at once: a second
// y reaching it runs nothing.
func TestAQuestionAnswersOnce(t *testing.T) {
	c := &Common{Keys: DefaultKeyMap(), Styles: NewStyles(ThemeDark)}
	runs := 0
	d := NewConfirmThen(c, "Quit?", nil, "Quit?", false, func() tea.Cmd { runs++; return nil })
	for range 2 {
		d.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	}
	if runs != 1 {
		t.Fatalf("yy ran the yes %d times", runs)
	}
}
