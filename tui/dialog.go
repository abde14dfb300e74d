package tui

import (
	"github.com/linkdesk/linkdesk/termsafe"

	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
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
}

// NewConfirm builds a confirmation. body lines must already be sanitized
// (built with Fit or termsafe.Sanitize); onYes runs after the dialog closes.
func NewConfirm(c *Common, title string, body []string, question string, danger bool, onYes tea.Cmd) *Confirm {
	return &Confirm{c: c, title: title, body: body, question: question, danger: danger, onYes: onYes}
}

func (d *Confirm) Init() tea.Cmd   { return nil }
func (d *Confirm) Title() string   { return d.title }
func (d *Confirm) Capturing() bool { return true }

func (d *Confirm) Help() []HelpGroup {
	k := d.c.Keys
	return []HelpGroup{{Title: "Confirm", Bindings: []key.Binding{k.Confirm, k.Cancel}}}
}

func (d *Confirm) Update(msg tea.Msg) (Component, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch {
	case Matches(k, d.c.Keys.Confirm):
		return d, tea.Sequence(Pop, d.onYes)
	case Matches(k, d.c.Keys.Cancel):
		return d, Pop
	default:
		d.hint = "Press y to confirm or n to cancel (enter does not confirm)."
	}
	return d, nil
}

func (d *Confirm) View() string {
	s := d.c.Styles
	title := s.Title.Render(d.title)
	if d.danger {
		title = s.Danger.Render(d.title)
	}
	lines := []string{title, ""}
	lines = append(lines, d.body...)
	lines = append(lines, "", s.Title.Render(d.question)+"  "+s.Key.Render("y")+" yes   "+s.Key.Render("n")+" no (default)")
	if d.hint != "" {
		lines = append(lines, s.Warn.Render(d.hint))
	}
	return DialogBox(d.c, lines)
}

// DialogBox frames lines as a dialog centred in the screen area.
func DialogBox(c *Common, lines []string) string {
	inner := min(c.Width-4, 96)
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

// View shows the field with a block cursor, cut from the left to width.
func (f *TextField) View(s *Styles, width int) string {
	v := termsafe.Sanitize(f.Value)
	if w := Width(v); w > width-1 {
		v = Ellipsis + TruncateLeft(v, w-(width-2))
	}
	return s.Input.Render(v) + "█"
}
