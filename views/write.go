package views

import (
	"context"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// labelName is the most cells a write's label gives one account's name:
// enough for an identifier and its user id whole (the question to quit
// and the command line after it list the label whole, wrapped), bounded
// whatever a tenant's string (the status bar cuts it to its room).
const labelName = 100

// pendingWrite is a write a dialog started, whose answer is an R: handed
// to the root as a WriteRequest, and the root's answer when it comes.
type pendingWrite[R any] struct {
	task    tui.TaskID
	done    string // said after "done" (WriteRequest.Done)
	short   string // the label in fewer cells (WriteRequest.Short)
	started bool
	running bool
	result  R
	err     error
	// ahead is what the write would be refused for before its first
	// call, checked as the dialog plans it (ahead.Check), until it starts:
	// y starts nothing while ahead.Blocked says why.
	ahead tui.Ahead
	// unknowable is what quitting while its call is out leaves of a write
	// the tenant keeps no trace of (WriteRequest.Unknowable), and
	// alsoReadable whether it makes other calls beside it
	// (WriteRequest.AlsoReadable).
	unknowable   string
	alsoReadable bool
}

// run hands the root the write that do makes, at once (Common.Write);
// emails are the groups the root re-reads afterwards.
func (e *pendingWrite[R]) run(c *tui.Common, label string, emails []string, do func(ctx context.Context) (R, error)) tea.Cmd {
	e.started, e.running = true, true
	e.task = tui.NewTask()
	return c.Write(tui.WriteRequest{
		Task: e.task, Label: label, Short: e.short, Emails: emails, Done: e.done, Unknowable: e.unknowable, AlsoReadable: e.alsoReadable,
		Run: func(ctx context.Context) (any, error) { return do(ctx) },
	})
}

// update takes the answer to this write, and only that one; before it
// starts, what its check ahead hears (hint, the dialog's, follows it).
func (e *pendingWrite[R]) update(msg tea.Msg, hint *string) tea.Cmd {
	if done, ok := msg.(tui.WriteDoneMsg); ok && e.started && done.Task == e.task {
		e.running = false
		e.result, _ = done.Result.(R)
		e.err = done.Err
		return nil
	}
	if !e.started {
		return e.ahead.Update(msg, hint)
	}
	return nil
}

// dialogUpdate is the Update of a dialog that reads, then writes once:
// take gets the answer M of the dialog's latest read (the answer to an
// earlier read is dropped here, for every dialog), write its own answer
// and its check ahead (hint is the dialog's), and key the keys.
func dialogUpdate[M tui.Answer](msg tea.Msg, r *reading, take func(M) tea.Cmd, write interface {
	update(tea.Msg, *string) tea.Cmd
}, hint *string, key func(tea.KeyPressMsg) tea.Cmd) tea.Cmd {
	switch msg := msg.(type) {
	case M:
		if r.answered(msg.Answers()) {
			return take(msg)
		}
	case tea.KeyPressMsg:
		return key(msg)
	case tui.ActiveMsg:
		return tea.Batch(r.readAgainIfLost(), write.update(msg, hint))
	default:
		return write.update(msg, hint)
	}
	return nil
}

// execution is the write of linking's operations a dialog started: the
// executor's answer is a *linking.Result.
type execution struct {
	pendingWrite[*linking.Result]
	// scroll is the first line of the result shown; room and scrolls are
	// the lines the result was last drawn in, and whether it took more.
	scroll  int
	room    int
	scrolls bool
}

// start hands ops to the root, which runs them through linking's executor
// and re-reads afterwards the group of email and the group of every
// account the operations touch (a link of two accounts with different
// emails changes two groups).
func (e *execution) start(c *tui.Common, label, email string, ops []linking.Operation) tea.Cmd {
	b := c.Backend
	return e.run(c, label, touchedEmails(email, ops), func(ctx context.Context) (*linking.Result, error) { return b.Apply(ctx, ops) })
}

// touchedEmails are the groups a write of ops changes: the one it was made
// from (when email is an address: a pair of accounts without one is named
// by a user id) and the email of every account its steps touch.
func touchedEmails(email string, ops []linking.Operation) []string {
	plan := linking.Plan{Operations: ops}
	emails := plan.Emails()
	if e := linking.NormalizeEmail(email); e != "" && !slices.Contains(emails, e) {
		emails = append([]string{e}, emails...)
	}
	return emails
}

// ticket is the URL of the password-change ticket the write made, if any
// (the undo of a deleted database account makes one).
func (e *execution) ticket() string {
	if t := e.tickets(); len(t) > 0 {
		return t[0].Ticket
	}
	return ""
}

// tickets are the steps that made a password-change ticket (the undo of a
// deleted primary makes one for it and one for each database identity it
// links back), in order, once the write ended.
func (e *execution) tickets() []linking.StepReport {
	if e.running || e.result == nil {
		return nil
	}
	var out []linking.StepReport
	for _, st := range e.result.Steps {
		if st.Ticket != "" {
			out = append(out, st)
		}
	}
	return out
}

// view shows what the executor did, step by step, in room lines: a longer
// result scrolls (scrollKey), its last line in view saying how many are
// left below, as a dialog's lines do before its write.
func (e *execution) view(c *tui.Common, doing string, room int, notes ...string) []string {
	lines := resultLines(c, e.running, e.result, e.err, doing, notes...)
	e.room, e.scrolls = max(room, 2), len(lines) > max(room, 2)
	return scrollPane(c.Styles, lines, &e.scroll, e.room, "↓")
}

// scrollKey scrolls the result for ↑/↓ (j/k), pgup/pgdn, g and G; it
// reports whether the key was one of those. scrollHelp names them.
func (e *execution) scrollKey(k tea.KeyPressMsg, keys *tui.KeyMap) bool {
	return scrollKey(k, keys, &e.scroll, e.room-1)
}

// scrollHelp are the keys that scroll the result, when it is longer than
// its room.
func (e *execution) scrollHelp(k *tui.KeyMap) []keyBinding {
	if !e.started || !e.scrolls {
		return nil
	}
	return scrollHelp(k)
}

// writeDialog is what the dialogs that make one write share: the reason
// the audit log records, a hint after a key that did nothing, and the
// write once started.
type writeDialog struct {
	reason tui.ReasonField
	hint   string
	exec   execution
}

// Capturing: the dialog takes every key until its write starts.
func (d *writeDialog) Capturing() bool { return !d.exec.started }

// refused is what the write would be refused for before its first call,
// as checked ahead: the dialog says it in place of its question, and the
// reason is left out unless it is being edited.
func (d *writeDialog) refused() bool { return d.exec.ahead.Refused() != nil }

// TypesText: keys type only into the reason while it is edited; else ?
// opens help over the question (tui.TextInput).
func (d *writeDialog) TypesText() bool { return d.reason.Editing() }

// help is the dialog's help under title: esc going back once the write
// started, the reason field's keys while it is edited, else own.
func (d *writeDialog) help(k *tui.KeyMap, title, back string, own ...keyBinding) []tui.HelpGroup {
	switch {
	case d.exec.started:
		return []tui.HelpGroup{{Title: title, Bindings: append([]keyBinding{withHelp(k.Back, "esc", back)}, d.exec.scrollHelp(k)...)}}
	case d.reason.Editing():
		return tui.ReasonHelp(k, "Reason")
	}
	return []tui.HelpGroup{{Title: title, Bindings: own}}
}

// Paste goes to the reason while it is edited, until the write starts.
func (d *writeDialog) Paste(text string) {
	if !d.exec.started {
		d.reason.Paste(text)
	}
}

// takeKey takes a key before the dialog's own keys do: every key once the
// write started (those that scroll its result scroll it; esc: the root
// goes back), and the reason field's while it is edited, or tab to edit
// it. It reports whether it took the key; the hint of the key before goes
// either way.
func (d *writeDialog) takeKey(k tea.KeyPressMsg, keys *tui.KeyMap) bool {
	d.hint = ""
	if d.exec.started {
		d.exec.scrollKey(k, keys)
		return true
	}
	return d.reason.Update(k, keys)
}
