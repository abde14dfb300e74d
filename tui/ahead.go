package tui

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

// Ahead is a write dialog's check, before it asks, of what its write would
// be refused for before its first call (Backend.CheckAhead): another plan
// writing the same accounts, cut off and not settled, or running now.
// Refused, the dialog says why in place of its question and goes no
// further: its key that confirms (y, or enter) starts nothing, esc goes
// back, and the dialog opened again once the write is settled reads its
// accounts and checks anew. (A question that came back by itself would
// take a y typed at the refusal, and ask with what was read before the
// write it waited on changed the accounts.) While a check is out, that key
// starts nothing either. A dialog not refused checks again once on top
// when a write ended or the journals changed (a write started since may
// hold its accounts now), and when its answer went to a screen that
// covered it.
type Ahead struct {
	c       *Common
	ops     []linking.Operation
	ids     []string
	task    TaskID
	pending bool
	stale   bool
	err     error
}

// Check checks a write of ops, or (ops nil) of the accounts ids, and
// forgets what was checked before (another write planned). Without a
// backend (a screen laid out alone) there is nothing to check.
func (a *Ahead) Check(c *Common, ops []linking.Operation, ids ...string) tea.Cmd {
	a.c, a.ops, a.ids, a.err = c, ops, ids, nil
	return a.check()
}

func (a *Ahead) check() tea.Cmd {
	a.stale = false
	if a.c.Backend == nil {
		a.pending = false
		return nil
	}
	a.task, a.pending = NewTask(), true
	return a.c.Backend.CheckAhead(a.c.Ctx, a.task, a.ops, a.ids)
}

// What Ahead says under a dialog's question, after a key (Blocked).
const (
	aheadReading = "Still reading the journals for a write of these accounts cut off or running: nothing was started."
	aheadRefused = "Refused (see above): nothing was started. esc goes back; open this again once the write is settled."
)

// Update takes the answer to the latest check; the dialog's hint, when
// it is one Ahead gave, follows it: gone once nothing blocks the write,
// said again once a check out is answered. A write ended, or the
// journals changed (AuditChangedMsg), have it check again when the
// dialog is on top (the ActiveMsg that follows both): only the screen on
// top gets the answer.
func (a *Ahead) Update(msg tea.Msg, hint *string) tea.Cmd {
	if a.c == nil {
		return nil // nothing checked
	}
	switch msg := msg.(type) {
	case AheadMsg:
		if a.pending && msg.Task == a.task {
			a.pending, a.err = false, msg.Err
			switch *hint {
			case aheadReading, aheadRefused: // said of the check: follows its answer
				*hint = ""
				if a.err != nil {
					*hint = aheadRefused
				}
			}
		}
	case WriteDoneMsg, AuditChangedMsg:
		a.stale = a.err == nil // a refusal stands: the dialog opened again checks anew
	case ActiveMsg:
		// Checked again when stale, or when the answer went to the screen
		// that covered the dialog (help opened by a key typed with the
		// dialog's), which only the screen on top hears.
		if a.stale || a.pending {
			return a.check() // what was refused stays said until the answer
		}
	}
	return nil
}

// Refused is what the write would be refused for (nil: nothing, or not
// known yet).
func (a *Ahead) Refused() error { return a.err }

// Blocked says why the write may not start now: refused (see Lines), or
// the check is out; "" when it may start.
func (a *Ahead) Blocked() string {
	switch {
	case a.err != nil:
		return aheadRefused
	case a.pending:
		return aheadReading
	}
	return ""
}

// Lines say why the write is refused and what to do, whole, in width
// cells: what a dialog shows in place of its question.
func (a *Ahead) Lines(s *Styles, width int) []string {
	se, ok := linking.AsSafetyError(a.err)
	if !ok {
		out := []string{s.Bad.Render("✗ The journals could not be read:")}
		out = append(out, Wrap(a.err.Error(), width, 0)...)
		return append(out, Wrap("The write would be refused for it too; esc goes back.", width, 0)...)
	}
	out := []string{s.Bad.Render("✗ refused before any call: " + se.Check)}
	out = append(out, Wrap(se.Reason, width, 0)...) // whole: it says which plan and why
	next := "Once it has ended, open this again; esc goes back."
	if ie := (*session.InterleavedError)(nil); !errors.As(a.err, &ie) || !ie.Running {
		next = "Run the `linkdesk resume` it names in a shell (q quits); once it is settled, open this again. esc goes back."
	}
	for _, l := range Wrap(next, width, 0) {
		out = append(out, s.Warn.Render(l))
	}
	return out
}
