package views

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/tui"
)

// Help lists every binding of the screen it was opened on, grouped, and the
// global ones.
type Help struct {
	c      *tui.Common
	screen string
	groups []tui.HelpGroup
}

// NewHelp builds the help screen for a screen's bindings.
func NewHelp(c *tui.Common, screen string, groups []tui.HelpGroup) tui.Component {
	return &Help{c: c, screen: screen, groups: groups}
}

func (h *Help) IsHelp()         {}
func (h *Help) Init() tea.Cmd   { return nil }
func (h *Help) Title() string   { return "Help" }
func (h *Help) Capturing() bool { return false }

func (h *Help) Help() []tui.HelpGroup {
	k := h.c.Keys
	return []tui.HelpGroup{{Title: "Help", Bindings: []keyBinding{withHelp(k.Back, "esc/?", "close help"), k.Quit}}}
}

func (h *Help) Update(tea.Msg) (tui.Component, tea.Cmd) { return h, nil }

func (h *Help) View() string {
	s := h.c.Styles
	lines := []string{s.Title.Render("Keys on " + tui.Fit(h.screen, 50)), ""}
	colW := 0
	for _, g := range h.groups {
		for _, b := range g.Bindings {
			colW = max(colW, tui.Width(b.Help().Key)+4)
		}
	}
	colW = min(colW, 16)
	for _, g := range h.groups {
		lines = append(lines, s.Header.Render(g.Title))
		for _, b := range g.Bindings {
			hb := b.Help()
			if hb.Key == "" {
				continue
			}
			desc := hb.Desc
			if !b.Enabled() {
				desc = s.Dim.Render(desc)
			}
			lines = append(lines, "  "+s.Key.Render(tui.Pad(hb.Key, colW-2))+desc)
		}
		lines = append(lines, "")
	}
	if h.c.ReadOnly {
		lines = append(lines, s.ReadOnly.Render(" READ-ONLY ")+" this session makes no write: link, unlink, delete, tickets and verification emails are off.")
	}
	return columnize(lines, h.c.Width, h.c.Height)
}

// columnize flows lines into as many columns as the height needs.
func columnize(lines []string, width, height int) string {
	if len(lines) <= height || height < 4 {
		return strings.Join(lines, "\n")
	}
	head, rest := lines[:2], lines[2:]
	room := height - 2
	cols := (len(rest) + room - 1) / room
	// Each column as wide as its widest line; when they do not all fit, the
	// widest give up room first.
	widths := make([]int, cols)
	total := 0
	for i, l := range rest {
		widths[i/room] = max(widths[i/room], tui.Width(l)+3)
	}
	for _, w := range widths {
		total += w
	}
	for ; total > width; total-- {
		widest := 0
		for c := range widths {
			if widths[c] > widths[widest] {
				widest = c
			}
		}
		widths[widest]--
	}
	out := append([]string(nil), head...)
	for r := range room {
		var row strings.Builder
		for c := range cols {
			i := c*room + r
			if i >= len(rest) {
				break
			}
			cell := rest[i]
			if c < cols-1 {
				cell = tui.Truncate(cell, widths[c]-1)
				cell += strings.Repeat(" ", max(widths[c]-tui.Width(cell), 0))
			}
			row.WriteString(cell)
		}
		out = append(out, strings.TrimRight(row.String(), " "))
	}
	return strings.Join(out, "\n")
}
