package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// helpProbe is the help screen.
type helpProbe struct{ probeScreen }

func (h *helpProbe) IsHelp() {}

// typingProbe is a screen that takes every key, each typed as text.
type typingProbe struct {
	probeScreen
	typed string
}

func (p *typingProbe) Capturing() bool { return true }
func (p *typingProbe) Update(msg tea.Msg) (Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		p.typed += k.Text
	}
	return p, nil
}

func helpModel(t *testing.T) *Model {
	t.Helper()
	m, cancel := testModel(t)
	t.Cleanup(cancel)
	m.pages.Help = func(c *Common, _ string, _ []HelpGroup) Component { return &helpProbe{probeScreen{c: c}} }
	return m
}

var question = tea.KeyPressMsg{Code: '?', Text: "?"}

// TestAYesNoQuestionOffersHelp: over a yes/no question (the quit dialog, a
// write's confirmation) ? opens help, as on every screen, and the footer
// says so; ? closes it again, back on the question. While the reason is
// edited, ? is typed and the footer does not offer help.
func TestAYesNoQuestionOffersHelp(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	m.Update(PushMsg{Screen: NewConfirmReason(m.c, "Unlink", nil, "Unlink it?", false, "by mistake", func(string) tea.Cmd { return nil })})
	d := m.Active().(*Confirm)
	if f := m.footer(); !strings.Contains(f, "y yes, do it") || !strings.Contains(f, "? help") || strings.Contains(f, "q quit") {
		t.Errorf("the question's footer: %q", f)
	}
	m.Update(question)
	if _, ok := m.Active().(*helpProbe); !ok {
		t.Fatalf("? over the question opened %T", m.Active())
	}
	m.Update(question)
	if m.Active() != d {
		t.Fatalf("? on the help went to %T", m.Active())
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	if f := m.footer(); strings.Contains(f, "? help") {
		t.Errorf("the footer offers help while the reason is typed: %q", f)
	}
	m.Update(question)
	if m.Active() != d || !strings.HasSuffix(d.reason.field.Value, "?") {
		t.Errorf("? while the reason is typed: %T on top, reason %q", m.Active(), d.reason.field.Value)
	}

	// The question to quit, too.
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // keeps the reason
	m.Update(PopMsg{})
	m.Update(WriteRequest{Task: NewTask(), Label: "unlink", Run: nil})
	m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if _, ok := m.Active().(*Confirm); !ok {
		t.Fatalf("q with a write in flight opened %T", m.Active())
	}
	if f := m.footer(); !strings.Contains(f, "? help") {
		t.Errorf("the quit question's footer: %q", f)
	}
}

// TestAScreenThatTypesEveryKeyDoesNotOfferHelp: a filter or a typed
// confirmation takes ? as a character: the footer does not offer help.
func TestAScreenThatTypesEveryKeyDoesNotOfferHelp(t *testing.T) {
	m := helpModel(t)
	p := &typingProbe{probeScreen: probeScreen{c: m.c}}
	m.Update(PushMsg{Screen: p})
	if f := m.footer(); strings.Contains(f, "? help") {
		t.Errorf("the footer offers help: %q", f)
	}
	m.Update(question)
	if m.Active() != p || p.typed != "?" {
		t.Errorf("? was not typed: %T on top, typed %q", m.Active(), p.typed)
	}
}

// TestAToastKeepsTheHelpKey: a note that replaces the footer (a write
// done) ends with ? help where ? opens it, and so does an error that
// leaves room for it whole.
func TestAToastKeepsTheHelpKey(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	for _, width := range []int{60, 80, 100} {
		m.Update(tea.WindowSizeMsg{Width: width, Height: 24})
		m.Update(NoteMsg{Text: "delete patricia.muller1368 (auth0|67d29c69e5b0ef0b410c60ca): done."})
		// Whole, over two lines where one is too short, ? help after it.
		if f := m.footer(); !strings.HasPrefix(f, "✓ delete patricia.muller1368") || !strings.Contains(f, "done.") || !strings.HasSuffix(f, "? help") || widest(f) > width {
			t.Errorf("at %d columns the toast: %q", width, f)
		}
		m.Update(ErrorMsg{Err: errTest("the tenant refused it")})
		if f := m.footer(); !strings.Contains(f, "✗ the tenant refused it") || !strings.HasSuffix(f, "? help") || widest(f) > width {
			t.Errorf("at %d columns the error: %q", width, f)
		}
		m.lastErr = ""
	}
	m.Update(PushMsg{Screen: &typingProbe{probeScreen: probeScreen{c: m.c}}})
	m.Update(NoteMsg{Text: "copied"})
	if f := m.footer(); strings.Contains(f, "? help") {
		t.Errorf("the toast over a screen that types ? offers help: %q", f)
	}
}

// TestOnlyWhatWasDoneGetsATick: a note that says a thing was done (a
// write, a copy) carries a ✓; one that says nothing was done, or that work
// only began (a key with nothing to act on, a scan started or cancelled),
// carries none.
func TestOnlyWhatWasDoneGetsATick(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	m.Update(Tell("Nothing to open yet: the first scan is still running.")())
	if f := m.footer(); strings.Contains(f, "✓") || !strings.Contains(f, "Nothing to open yet") {
		t.Errorf("a key that did nothing: %q", f)
	}
	m.Update(Note("Copied, if the terminal allows OSC 52: auth0|1")())
	if f := m.footer(); !strings.HasPrefix(f, "✓ Copied") {
		t.Errorf("a copy: %q", f)
	}
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if f := m.footer(); strings.Contains(f, "✓") || !strings.Contains(f, rescanNote) {
		t.Errorf("a rescan as it starts: %q", f)
	}
	m.c.Scan.Running = true
	m.scan.cancel = func() {}
	m.cancelScan()
	if f := m.footer(); strings.Contains(f, "✓") || !strings.Contains(f, "Scan cancelled") {
		t.Errorf("a cancelled scan: %q", f)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

// waitingProbe is a screen whose key waits on a read.
type waitingProbe struct {
	probeScreen
	waits string
}

func (p *waitingProbe) Waiting() string { return p.waits }

// TestWhatAKeyWaitsOnShowsWithoutATickUntilTheScreenDropsIt: the words of
// a screen whose key waits on a read replace its keys, with no ✓ (nothing
// was done), ? help after them; a note of the root goes first; once the
// screen says nothing waits, its keys are back, with no key pressed.
func TestWhatAKeyWaitsOnShowsWithoutATickUntilTheScreenDropsIt(t *testing.T) {
	m := helpModel(t)
	p := &waitingProbe{probeScreen: probeScreen{c: m.c}, waits: "Still reading the account… press D again once it shows"}
	m.Update(PushMsg{Screen: p})
	if f := m.footer(); !strings.HasPrefix(f, p.waits) || !strings.HasSuffix(f, "? help") {
		t.Errorf("the footer while D waits: %q", f)
	}
	m.Update(NoteMsg{Text: "Copied."})
	if f := m.footer(); !strings.HasPrefix(f, "✓ Copied.") {
		t.Errorf("a note does not go before the waiting words: %q", f)
	}
	m.note, p.waits = "", ""
	if f := m.footer(); strings.Contains(f, "Still reading") || !strings.HasSuffix(f, "? help · q quit") {
		t.Errorf("the footer once nothing waits: %q", f)
	}
}

// widest is the width of the widest line of s.
func widest(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, Width(l))
	}
	return w
}

// A message longer than the line is shown whole over up to three lines,
// which the screen above gives up until the next key, and the window keeps
// its height (testers: "…: done, except…" and refusals were cut before
// what they said).
func TestALongMessageIsShownWholeOverLinesTakenFromTheScreen(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 30})
	long := "undo link of google-oauth2|108812345678901234567 into auth0|63ea1f0b2c8d4e5f60718293: done, except what its notes said comes back later or not as it was."
	m.Update(NoteMsg{Text: long})
	screen := m.View().Content
	if lines := strings.Count(screen, "\n") + 1; lines != 30 {
		t.Errorf("the screen is %d lines, not the window's 30:\n%s", lines, screen)
	}
	flat := strings.Join(strings.Fields(screen), " ")
	if !strings.Contains(flat, "done, except what its notes said comes back later or not as it was.") {
		t.Errorf("the message is cut:\n%s", screen)
	}
	if widest(screen) > 60 {
		t.Errorf("a line is wider than the window:\n%s", screen)
	}
	m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if screen := m.View().Content; strings.Contains(screen, "comes back later") {
		t.Errorf("the message stays after a key:\n%s", screen)
	}
	// A short window gives it two lines at most (a group's list stays
	// whole: tester), the window's height kept.
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	m.Update(NoteMsg{Text: long})
	if f := m.footer(); strings.Count(f, "\n") != 1 || !strings.Contains(f, "…") {
		t.Errorf("at 60×20 the message takes other than two lines, cut:\n%s", f)
	}
	if lines := strings.Count(m.View().Content, "\n") + 1; lines != 20 {
		t.Errorf("the screen is %d lines, not the window's 20", lines)
	}
}

// TestAWriteDoneTakesOneLineAt60Columns: testers saw the toast of a
// ticket made at 60 columns take two lines ("…): / done. · ? help"), and
// an unlink's lose its "done" to the cut of the second. A write done says
// so in one line: whole where it fits, else by its short label (each
// account by what tells it apart, without its user id), else that cut at
// its end, by cells and never inside a character, with …, its outcome
// ("done.", "done, except …") whole.
func TestAWriteDoneTakesOneLineAt60Columns(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	const wide = "王小明测试账户王小明测试账户王小明测试账户@example.com" // two cells a character
	for _, c := range []struct {
		msg  WriteDoneMsg
		want string // the footer, less the spaces before ? help
	}{
		{WriteDoneMsg{Label: "delete auth0|1"}, "✓ delete auth0|1: done. · ? help"},
		{WriteDoneMsg{Label: "ticket for alice.nguyen@gmail.com (auth0|63ea1f0b2c8d4e5f60718293)", Short: "ticket for auth0|63ea1f0b2c8d4e5f60718293"},
			"✓ ticket for auth0|63ea1f0b2c8d4e5f60718293: done. · ? help"},
		{WriteDoneMsg{Label: "delete patricia.muller1368 (auth0|67d29c69e5b0ef0b410c60ca)", Short: "delete patricia.muller1368"},
			"✓ delete patricia.muller1368: done. · ? help"},
		{WriteDoneMsg{Label: "unlink google-oauth2|108812345678901234567 from alice.nguyen@gmail.com (auth0|63ea1f0b2c8d4e5f60718293)"},
			"✓ unlink google-oauth2|108812345678901234567 from al…: done."},
		{WriteDoneMsg{Label: "undo link of google-oauth2|108812345678901234567 into auth0|63ea1f0b2c8d4e5f60718293", Done: "except what its notes said"},
			"✓ undo link of google-oa…: done, except what its notes said."},
		{WriteDoneMsg{Label: "ticket for " + wide + " (auth0|1)", Short: "ticket for " + wide},
			"✓ ticket for 王小明测试账户王小明测试账户王小明测试…: done."}, // 59 cells: the next character takes two
	} {
		m.Update(c.msg)
		f := m.footer()
		if got := strings.Join(strings.Fields(f), " "); got != strings.Join(strings.Fields(c.want), " ") || strings.Contains(f, "\n") || Width(f) > 60 || !utf8.ValidString(f) {
			t.Errorf("the toast of %q at 60 columns:\n%q (%d cells)\nwant one line:\n%q", c.msg.Label, f, Width(f), c.want)
		}
		m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"}) // the next key takes it away
	}
	// Wide, the label whole, as before.
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	m.Update(WriteDoneMsg{Label: "ticket for alice.nguyen@gmail.com (auth0|63ea1f0b2c8d4e5f60718293)", Short: "ticket for auth0|63ea1f0b2c8d4e5f60718293"})
	if f := m.footer(); !strings.HasPrefix(f, "✓ ticket for alice.nguyen@gmail.com (auth0|63ea1f0b2c8d4e5f60718293): done.") {
		t.Errorf("at 140 columns the toast: %q", f)
	}
}
