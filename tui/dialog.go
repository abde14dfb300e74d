package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/linkdesk/linkdesk/termsafe"
)

// Confirm is a yes/no dialog that defaults to No: y confirms, n or esc
// cancels, and enter alone never confirms (it only repeats the question).
type Confirm struct {
	c        *Common
	title    string
	body     []string // lines, already sanitized by the caller
	question string
	danger   bool
	onYes    tea.Cmd
	hint     string
	// bodyFn and titleFn, when set, build the body and the title at each
	// render (a question about something that may change while it is open).
	bodyFn  func() []string
	titleFn func() string
	// reason, when set, is asked with the question and handed to onReason.
	reason   *ReasonField
	onReason func(reason string) tea.Cmd
	// then, when set, is done at once on y, after the dialog closed (the
	// screen it closes, the page it shows): the keys typed after y reach
	// what it leaves on screen.
	then func() tea.Cmd
	// answered is set by the first y or n: a second key that still
	// reaches the dialog (no root closed it at once: a dialog tested
	// alone) answers nothing.
	answered bool
	// ahead, when set (CheckAhead), is what the write of the accounts
	// aheadIDs would be refused for before its first call.
	ahead    *Ahead
	aheadIDs []string
}

// NewConfirm builds a confirmation. body lines must already be sanitized
// (built with Fit or termsafe.Sanitize); onYes runs after the dialog closes.
func NewConfirm(c *Common, title string, body []string, question string, danger bool, onYes tea.Cmd) *Confirm {
	return &Confirm{c: c, title: title, body: body, question: question, danger: danger, onYes: onYes}
}

// NewConfirmThen is NewConfirm whose yes is done at once, as y is handled
// (then closes a screen, or shows another page), not by a message later.
func NewConfirmThen(c *Common, title string, body []string, question string, danger bool, then func() tea.Cmd) *Confirm {
	return &Confirm{c: c, title: title, body: body, question: question, danger: danger, then: then}
}

// NewConfirmReason is NewConfirm for a write: the dialog shows the reason
// the audit log will record, prefilled with reason and edited with tab,
// and y hands it to onYes.
func NewConfirmReason(c *Common, title string, body []string, question string, danger bool, reason string, onYes func(reason string) tea.Cmd) *Confirm {
	r := NewReason(reason)
	return &Confirm{c: c, title: title, body: body, question: question, danger: danger, reason: &r, onReason: onYes}
}

// CheckAhead has the dialog of a write of the accounts userIDs check, as
// it opens, what that write would be refused for before its first call
// (Ahead): refused, it says why in place of its question, and y does
// nothing.
func (d *Confirm) CheckAhead(userIDs ...string) *Confirm {
	d.ahead, d.aheadIDs = &Ahead{}, userIDs
	return d
}

// Refused is what the dialog's write would be refused for, as checked
// ahead (nil: nothing, or not checked).
func (d *Confirm) Refused() error {
	if d.ahead == nil {
		return nil
	}
	return d.ahead.Refused()
}

// Reason is the reason as typed so far ("" without a reason field).
func (d *Confirm) Reason() string {
	if d.reason == nil {
		return ""
	}
	return d.reason.Value()
}

func (d *Confirm) Init() tea.Cmd {
	if d.ahead != nil {
		return d.ahead.Check(d.c, nil, d.aheadIDs...)
	}
	return nil
}
func (d *Confirm) Title() string {
	if d.titleFn != nil {
		return d.titleFn()
	}
	return d.title
}
func (d *Confirm) Capturing() bool { return true }

// TypesText: keys type only into the reason while it is edited; over the
// question, ? opens help (TextInput).
func (d *Confirm) TypesText() bool { return d.reason != nil && d.reason.Editing() }

func (d *Confirm) Help() []HelpGroup {
	k := d.c.Keys
	if d.reason != nil && d.reason.Editing() {
		return ReasonHelp(k, "Reason")
	}
	if d.Refused() != nil { // nothing to confirm: no y
		back := k.Cancel
		back.SetHelp("esc", "back")
		return []HelpGroup{{Title: "Confirm", Bindings: []key.Binding{back}}}
	}
	b := []key.Binding{k.Confirm, k.Cancel}
	if d.reason != nil {
		b = append(b, k.Reason)
	}
	return []HelpGroup{{Title: "Confirm", Bindings: b}}
}

func (d *Confirm) Update(msg tea.Msg) (Component, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if d.ahead != nil && !d.answered {
			return d, d.ahead.Update(msg, &d.hint)
		}
		return d, nil
	}
	if d.reason != nil && d.reason.Update(k, d.c.Keys) {
		d.hint = ""
		return d, nil
	}
	if d.answered {
		return d, nil
	}
	switch {
	case Matches(k, d.c.Keys.Confirm):
		if d.ahead != nil {
			if hint := d.ahead.Blocked(); hint != "" { // y starts nothing: it says why
				d.hint = hint
				return d, nil
			}
		}
		d.answered = true
		return d, d.closeThen(func() tea.Cmd {
			switch {
			case d.onReason != nil:
				return d.onReason(d.reason.Value())
			case d.then != nil:
				return d.then()
			}
			return d.onYes
		})
	case Matches(k, d.c.Keys.Cancel):
		d.answered = true
		return d, d.c.Close(d)
	case d.Refused() != nil:
		d.hint = d.ahead.Blocked()
	default:
		d.hint = "Press y to confirm or n to cancel (enter does not confirm)."
	}
	return d, nil
}

// Paste goes to the reason while it is edited.
func (d *Confirm) Paste(text string) {
	if d.reason != nil {
		d.reason.Paste(text)
	}
}

func (d *Confirm) View() string {
	s := d.c.Styles
	title := s.Title.Render(d.Title())
	if d.danger {
		title = s.Danger.Render(d.Title())
	}
	lines := []string{title, ""}
	body := d.body
	if d.bodyFn != nil {
		body = d.bodyFn()
	}
	lines = append(lines, body...)
	if d.reason != nil && (d.Refused() == nil || d.reason.Editing()) { // refused: no reason to give
		lines = append(append(lines, ""), d.reason.Lines(s, DialogWidth(d.c))...)
	}
	lines = append(lines, "")
	var end []string // in view whatever the height
	if d.Refused() != nil {
		end = d.ahead.Lines(s, DialogWidth(d.c))
	} else {
		end = QuestionLines(s, d.question, DialogWidth(d.c))
	}
	if d.hint != "" {
		for _, l := range Wrap(d.hint, DialogWidth(d.c), 0) { // whole: it says which key answers
			end = append(end, s.Warn.Render(l))
		}
	}
	return DialogBoxTail(d.c, append(lines, end...), len(end))
}

// QuestionLines asks a yes/no question in width cells: the question and
// its answers on one line, or the answers under it when they do not fit.
func QuestionLines(s *Styles, question string, width int) []string {
	answer := s.Key.Render("y") + " yes   " + s.Key.Render("n") + " no (default)"
	if Width(Fit(question, width+1))+2+Width(answer) <= width {
		return []string{s.Title.Render(Fit(question, width)) + "  " + answer}
	}
	var out []string
	for _, l := range Wrap(question, width, 3) {
		out = append(out, s.Title.Render(l))
	}
	return append(out, answer)
}

// closeThen closes the dialog at once, then does next; without a root to
// close it at once (a screen tested alone), next runs after the close's
// message.
func (d *Confirm) closeThen(next func() tea.Cmd) tea.Cmd {
	if d.c.close == nil {
		return tea.Sequence(Pop, next())
	}
	closed := d.c.Close(d)
	return tea.Batch(closed, next())
}

// DialogWidth is the room inside a dialog's frame.
func DialogWidth(c *Common) int { return min(c.Width-4, 96) }

// DialogBox frames lines as a dialog centred in the screen area; lines
// beyond the screen's height are left out from the middle, so the title and
// the question at the end stay in view.
func DialogBox(c *Common, lines []string) string { return DialogBoxTail(c, lines, 0) }

// DialogBoxTail is DialogBox keeping the last tail lines whole where the
// title keeps its line: what is said in place of the question (a refusal)
// is longer than a question.
func DialogBoxTail(c *Common, lines []string, tail int) string {
	inner := DialogWidth(c)
	room := c.Height - 2
	// A short window gives up the blank lines first, then the middle.
	for i := 1; room > 4 && len(lines) > room && i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			lines = append(lines[:i:i], lines[i+1:]...)
			continue
		}
		i++
	}
	if room > 4 && len(lines) > room {
		keep := room - 1
		head := keep / 2
		if tail > keep-head {
			head = max(keep-tail, 1)
		}
		tail := keep - head
		lines = append(append(append([]string(nil), lines[:head]...), c.Styles.Dim.Render("  …")), lines[len(lines)-tail:]...)
	}
	for i, l := range lines {
		if Width(l) > inner {
			lines[i] = Truncate(l, inner)
		}
	}
	box := c.Styles.Dialog.Width(inner + 4).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(c.Width, c.Height, lipgloss.Center, lipgloss.Center, box)
}

// TextField is a one-line input: printable keys type, backspace deletes,
// ctrl+u clears. What is typed is shown sanitized.
type TextField struct {
	Value string
}

// Update applies a key press and reports whether it changed or consumed it.
func (f *TextField) Update(k tea.KeyPressMsg, keys *KeyMap) bool {
	switch {
	case k.Code == tea.KeyBackspace:
		if f.Value != "" {
			_, size := utf8.DecodeLastRuneInString(f.Value)
			f.Value = f.Value[:len(f.Value)-size]
		}
		return true
	case Matches(k, keys.Clear):
		f.Value = ""
		return true
	case k.Code == tea.KeySpace && k.Mod == 0:
		f.Value += " "
		return true
	case k.Text != "" && k.Mod&^tea.ModShift == 0:
		f.Value += k.Text
		return true
	}
	return false
}

// Paste appends pasted text as Pasted makes it, and reports whether it
// added anything.
func (f *TextField) Paste(text string) bool {
	text = Pasted(text)
	f.Value += text
	return text != ""
}

// Pasted is what a one-line field takes of a paste: its first line that
// is not blank, without control characters, so that a paste never presses
// enter nor hands the terminal an escape sequence, and without the
// invisible characters and surrounding spaces that a copy from a ticket or
// a spreadsheet brings along (a user id must match as typed). A line ends
// at "\n", "\r\n" or a lone "\r" (how many terminals paste a line break).
func Pasted(text string) string {
	for line := range strings.Lines(strings.ReplaceAll(text, "\r", "\n")) {
		line = strings.TrimSpace(strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return ' ' // between a spreadsheet's cells
			case unicode.IsControl(r), unicode.Is(unicode.Cf, r): // zero-width spaces, bidi overrides
				return -1
			}
			return r
		}, line))
		if line != "" {
			return line
		}
	}
	return ""
}

// View shows the field with a block cursor, cut from the left to width.
func (f *TextField) View(s *Styles, width int) string {
	v := termsafe.Sanitize(f.Value)
	if w := Width(v); w > width-1 {
		v = Ellipsis + TruncateLeft(v, w-(width-2))
	}
	return s.Input.Render(v) + "█"
}
