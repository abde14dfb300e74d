package tui

import (
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// TestHelpOverAQuestionListsOnlyTheKeysThatWorkThere: over a yes/no
// question ("Leave this screen?"), help lists its own keys, ? and ctrl+c,
// and says in one line that 1, 2, 3, /, f, r, R and q wait for the answer;
// each of those, pressed on the question or on its help, says so at once
// and does nothing (the tester's help listed 1 overview, f find, r rescan,
// which did nothing, silently; / opened find above the question).
func TestHelpOverAQuestionListsOnlyTheKeysThatWorkThere(t *testing.T) {
	m := helpModel(t)
	var listed []HelpGroup
	m.pages.Help = func(c *Common, _ string, groups []HelpGroup) Component {
		listed = groups
		return &helpProbe{probeScreen{c: c}}
	}
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	d := NewConfirmThen(m.c, "Leave this screen?", nil, "Leave and lose it?", false, func() tea.Cmd { return nil })
	m.Update(PushMsg{Screen: d})
	m.Update(question)
	if _, ok := m.Active().(*helpProbe); !ok {
		t.Fatalf("? over the question opened %T", m.Active())
	}
	works := map[string]bool{"y": true, "Y": true, "n": true, "N": true, "esc": true, "?": true, "ctrl+c": true}
	var said []string
	for _, g := range listed {
		for _, b := range g.Bindings {
			if !b.Enabled() {
				said = append(said, b.Help().Key+" "+b.Help().Desc)
				continue
			}
			for _, k := range b.Keys() {
				if !works[k] {
					t.Errorf("help over the question lists %q (%s), which does nothing there", k, b.Help().Desc)
				}
			}
		}
	}
	if len(said) != 1 || !strings.HasPrefix(said[0], "1 2 3 / f r R q wait until the question is answered") {
		t.Errorf("help over the question does not say which keys wait: %q", said)
	}

	global := []tea.KeyPressMsg{
		{Code: '1', Text: "1"}, {Code: '2', Text: "2"}, {Code: '3', Text: "3"}, {Code: 'a', Text: "a"},
		{Code: '/', Text: "/"}, {Code: 'f', Text: "f"}, {Code: 'r', Text: "r"}, {Code: 'R', Text: "R", ShiftedCode: 'R'},
	}
	stack := len(m.Stack())
	if f := m.footer(); strings.Contains(f, "q quit") {
		t.Errorf("the help over the question offers q, which waits there: %q", f)
	}
	for _, k := range append(global, tea.KeyPressMsg{Code: 'q', Text: "q"}) { // on the help over the question
		m.Update(k)
		if _, ok := m.Active().(*helpProbe); !ok || len(m.Stack()) != stack || m.c.Scan.Running || m.quitting {
			t.Fatalf("%s on the help over the question acted: %T on top, %d screens", k, m.Active(), len(m.Stack()))
		}
		if !strings.Contains(m.footer(), k.String()+" ") || !strings.Contains(m.footer(), "waits for the answer") {
			t.Errorf("%s on the help over the question: the footer says %q", k, m.footer())
		}
	}
	m.Update(question)
	if m.Active() != d {
		t.Fatalf("? on the help went to %T", m.Active())
	}
	for _, k := range append(global, tea.KeyPressMsg{Code: 'q', Text: "q"}) { // on the question
		m.Update(k)
		if m.Active() != d || len(m.Stack()) != stack-1 || m.c.Scan.Running || m.quitting || d.answered {
			t.Fatalf("%s on the question acted: %T on top, %d screens", k, m.Active(), len(m.Stack()))
		}
		if f := m.footer(); !strings.HasPrefix(f, k.String()+" (") || !strings.Contains(f, "waits until this question is answered: y or n.") {
			t.Errorf("%s on the question: the footer says %q", k, f)
		}
		if k.Text == "/" || k.Text == "f" { // what is typed next is a search: y answers nothing until esc
			m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
			if m.Active() != d || d.answered || !strings.Contains(m.footer(), "y dropped: typed after "+k.Text+", it answers nothing") {
				t.Fatalf("y typed after %s on the question: %T on top, footer %q", k, m.Active(), m.footer())
			}
			m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
			if m.Active() != d || !strings.Contains(m.footer(), "The question stands: y or n.") {
				t.Fatalf("esc after %s y on the question: %T on top, footer %q", k, m.Active(), m.footer())
			}
		}
	}
	if m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"}); m.Active() == d {
		t.Error("n did not answer the question")
	}

	// Refused in place of its question, a dialog has no y to wait for:
	// esc closes it.
	refused := NewConfirm(m.c, "Send the verification email", nil, "Send it?", false, nil).CheckAhead("auth0|1")
	m.Update(PushMsg{Screen: refused})
	refused.ahead.err = errors.New("another plan holds auth0|1") // as its check answers
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if f := m.footer(); !strings.Contains(f, "r (rescan) waits until this dialog is closed: esc.") {
		t.Errorf("r on a refusal: the footer says %q", f)
	}
	m.Update(question)
	for _, g := range listed {
		for _, b := range g.Bindings {
			if !b.Enabled() && b.Help().Desc != "wait until the dialog is closed" {
				t.Errorf("help over a refusal says %q", b.Help().Desc)
			}
		}
	}
}

// forceProbe is a question answered by F (an undo forced over changes),
// with no y.
type forceProbe struct{ probeScreen }

func (p *forceProbe) Capturing() bool { return true }
func (p *forceProbe) TypesText() bool { return false }
func (p *forceProbe) Help() []HelpGroup {
	return []HelpGroup{{Bindings: []key.Binding{p.c.Keys.ForceUndo, p.c.Keys.Cancel}}}
}

// A question whose yes is F (an undo with conflicts) is a question all the
// same: a global key pressed on it waits for F or n, not for a dialog to
// close (its help was read for y alone).
func TestAQuestionAnsweredByFIsAQuestion(t *testing.T) {
	m := helpModel(t)
	m.Update(PushMsg{Screen: &probeScreen{c: m.c}})
	m.Update(PushMsg{Screen: &forceProbe{probeScreen{c: m.c}}})
	m.Update(tea.KeyPressMsg{Code: 'f', Text: "f"})
	if f := m.footer(); !strings.Contains(f, "waits until this question is answered: F or n.") {
		t.Errorf("f on a question answered by F: %q", f)
	}
}
