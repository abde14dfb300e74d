package views

import (
	"github.com/linkdesk/linkdesk/termsafe"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/tui"
)

// TicketView shows a password-change ticket URL, to copy (y) or read out.
type TicketView struct {
	c     *tui.Common
	label string
	url   string
}

// NewTicketView shows the ticket made by the write labelled label.
func NewTicketView(c *tui.Common, label, url string) *TicketView {
	return &TicketView{c: c, label: label, url: url}
}

func (t *TicketView) Init() tea.Cmd   { return nil }
func (t *TicketView) Title() string   { return "Ticket" }
func (t *TicketView) Capturing() bool { return false }

func (t *TicketView) Help() []tui.HelpGroup {
	k := t.c.Keys
	return []tui.HelpGroup{{Title: "Ticket", Bindings: []keyBinding{withHelp(k.Copy, "y", "copy the URL"), withHelp(k.Back, "esc", "close")}}}
}

func (t *TicketView) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && tui.Matches(k, t.c.Keys.Copy) {
		if termsafe.Sanitize(t.url) != t.url {
			return t, tui.Note("The URL holds control characters: not copied.")
		}
		return t, tea.Batch(tea.SetClipboard(t.url), tui.Note("Copied the ticket URL to the clipboard (if the terminal allows OSC 52)."))
	}
	return t, nil
}

func (t *TicketView) View() string {
	s := t.c.Styles
	lines := []string{s.Title.Render("Password-change ticket"), "", tui.Fit(t.label, t.c.Width-8), ""}
	lines = append(lines, tui.Wrap(t.url, t.c.Width-10, 6)...)
	lines = append(lines, "", s.Dim.Render("Send this link to the person by a channel you trust; it works once."), s.Dim.Render("y copies it · esc closes"))
	return tui.DialogBox(t.c, lines)
}
