package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
)

// noteCatcher is a program that ends on the first note it is sent.
type noteCatcher struct{ got chan<- string }

func (n noteCatcher) Init() tea.Cmd { return nil }
func (n noteCatcher) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tui.NoteMsg); ok {
		n.got <- m.Text
		return n, tea.Quit
	}
	return n, nil
}
func (n noteCatcher) View() tea.View { return tea.NewView("") }

// What the session has to tell the operator while the terminal UI runs
// (an export in place of an incremental scan) goes to its status bar: on
// stderr it landed over the screen and scrambled it (tester). Once the UI
// has ended, notes go to the shell again.
func TestASessionNoteGoesToTheStatusBarWhileTheTerminalUIRuns(t *testing.T) {
	var shell bytes.Buffer
	s := &session.Session{Notify: func(msg string) { fmt.Fprintln(&shell, "linkdesk: note:", msg) }}
	got := make(chan string, 1)
	p := tea.NewProgram(noteCatcher{got}, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(), tea.WithoutSignals())
	restore := notesOnScreen(s, p)
	go s.Notify("linkdesk changed 135 accounts on this tenant lately: it exports the whole tenant instead")
	if _, err := p.Run(); err != nil {
		t.Fatal(err)
	}
	restore()
	if note := <-got; note != "linkdesk changed 135 accounts on this tenant lately: it exports the whole tenant instead" || shell.Len() != 0 {
		t.Errorf("the note reached the screen as %q and the shell as %q", note, shell.String())
	}
	s.Notify("after the UI")
	if shell.String() != "linkdesk: note: after the UI\n" {
		t.Errorf("after the UI, the shell got %q", shell.String())
	}
}

// Ctrl-C during a command's reads says it was interrupted, not that a call
// failed ("Get …: context canceled", tester).
func TestCtrlCDuringReadsSaysInterrupted(t *testing.T) {
	newWriteEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, args := range [][]string{{"scan"}, {"plan", "--out", filepath.Join(t.TempDir(), "p.json")}, {"show", "liam.miller"}} {
		var out, errOut bytes.Buffer
		code := runContext(ctx, args, &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }})
		if code != exitFailure || !strings.HasPrefix(errOut.String(), "linkdesk: interrupted (Ctrl-C) before it was done") || strings.Contains(errOut.String(), "context canceled") {
			t.Errorf("%q interrupted: exit %d\n%s", args, code, errOut.String())
		}
	}
}

// Before its first screen, the terminal UI says on stderr which tenant it
// is reaching (a token and a read, seconds on a slow tenant, where the
// terminal stayed blank), and clears that line once it has, before the
// screen is drawn.
func TestTheTerminalUISaysWhatItIsConnectingTo(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const closed = "http://127.0.0.1:1" // nothing listens there
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader("\x03"), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return true }} // ctrl+c quits
	done := make(chan int, 1)
	go func() { done <- run([]string{"--domain", closed, "--api-token", "t0ken"}, s) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the terminal UI did not quit on ctrl+c")
	}
	// A note made while it connects goes above the line, which is drawn
	// again after it (it ran on from the line's end).
	const note = "linkdesk: note: --api-token shows its value in ps to every user of this machine while linkdesk runs: set AUTH0_API_TOKEN instead\n"
	line := "\r\x1b[2Klinkdesk: connecting to " + closed + "…"
	if want := line + "\r\x1b[2K" + note + line + "\r\x1b[2K"; !strings.HasPrefix(errOut.String(), want) {
		t.Errorf("the terminal UI's stderr %q does not begin %q", errOut.String(), want)
	}
}
