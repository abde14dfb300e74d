package views

import (
	"slices"
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
	scroll int // in one column, when columns would cut the descriptions
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
	bindings := []keyBinding{withHelp(k.Back, "esc/?", "close help"), k.Quit}
	if _, _, oneColumn := h.layout(); oneColumn {
		bindings = slices.Insert(bindings, 1, withHelp(k.Down, "j/k", "scroll"))
	}
	return []tui.HelpGroup{{Title: "Help", Bindings: bindings}}
}

func (h *Help) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		scrollKey(k, h.c.Keys, &h.scroll, h.c.Height-3)
	}
	return h, nil
}

// minHelpColumn is the narrowest column a key and its words fit in: the
// help flows into columns only as wide, else it scrolls in one.
const minHelpColumn = 34

func (h *Help) View() string {
	head, body, oneColumn := h.layout()
	switch {
	case oneColumn:
		body = scrollPane(h.c.Styles, body, &h.scroll, h.c.Height-len(head), "j/k")
	case len(head)+len(body) > h.c.Height:
		return columnize(append(head, body...), h.c.Width, h.c.Height)
	}
	return strings.Join(append(head, body...), "\n")
}

// layout is the help's title lines and its body, flowed for columns (a
// group's title never ends a column, apart from its keys), and whether the
// body scrolls in one column instead, because columns would cut the words.
func (h *Help) layout() (head, body []string, oneColumn bool) {
	s := h.c.Styles
	// The screen as its title names it, whole (an account's user id beside
	// an identifier others share), over two lines where one does not hold it.
	head = append(titleLines("Keys on ", h.screen, h.c.Width, 2, s.Title.Render), "")
	colW := 0
	for _, g := range h.groups {
		for _, b := range g.Bindings {
			colW = max(colW, tui.Width(b.Help().Key)+4)
		}
	}
	colW = min(colW, 19) // the widest key kept whole: those a question holds, "1 2 3 / f r R q"
	line := func(key, desc string, w int) string { return "  " + s.Key.Render(tui.Pad(key, w-2)) + desc }
	var groups [][]string
	for _, g := range h.groups {
		group := []string{s.Header.Render(g.Title)}
		for _, b := range g.Bindings {
			hb := b.Help()
			if hb.Key == "" {
				continue
			}
			desc := hb.Desc
			if !b.Enabled() {
				desc = s.Dim.Render(desc)
			}
			group = append(group, line(hb.Key, desc, colW))
		}
		groups = append(groups, group)
	}
	// The badges the status bar may show, in the short words of a narrow
	// one; their column as wide as the keys' above, or as wide as they need.
	badgeW := colW
	for _, b := range tui.StatusLegend {
		badgeW = max(badgeW, tui.Width(b[0])+4)
	}
	badges := []string{s.Header.Render("Status bar")}
	for _, b := range tui.StatusLegend {
		badges = append(badges, line(b[0], b[1], badgeW))
	}
	groups = append(groups, badges)
	room := max(h.c.Height-len(head), 1)
	var lines []string
	for _, group := range groups {
		// A group starts the next column rather than break across two
		// (one taller than a column breaks, its title never last).
		if at := len(body) % room; at > 0 && (at+len(group) > room && len(group) <= room || at >= room-2) {
			body = append(body, make([]string, room-at)...)
		}
		lines = append(append(lines, group...), "")
		body = append(append(body, group...), "")
	}
	if h.c.ReadOnly {
		ro := append([]string{s.ReadOnly.Render(" READ-ONLY ")}, tui.Wrap("This session makes no write: link, unlink, delete, tickets and verification emails are off.", h.c.Width, 0)...)
		lines, body = append(lines, ro...), append(body, ro...)
	}
	if len(head)+len(lines) <= h.c.Height || h.c.Height < 4 {
		return head, lines, false
	}
	if cols := (len(body) + room - 1) / room; h.c.Width/cols < minHelpColumn {
		return head, lines, true
	}
	// Columns that would cut a line give way to one column.
	if _, total := columnWidths(append(slices.Clone(head), body...), h.c.Height); total > h.c.Width {
		return head, lines, true
	}
	return head, body, false
}

// columnWidths is the width of each column columnize flows lines into in
// height rows, each as wide as its widest line and a gap, and their sum.
func columnWidths(lines []string, height int) (widths []int, total int) {
	rest, room := lines[2:], height-2
	widths = make([]int, (len(rest)+room-1)/room)
	for i, l := range rest {
		widths[i/room] = max(widths[i/room], tui.Width(l)+3)
	}
	for _, w := range widths {
		total += w
	}
	return widths, total
}

// columnize flows lines into as many columns as the height needs.
func columnize(lines []string, width, height int) string {
	if len(lines) <= height || height < 4 {
		return strings.Join(lines, "\n")
	}
	head, rest := lines[:2], lines[2:]
	room := height - 2
	cols := (len(rest) + room - 1) / room
	// When the columns do not all fit, the widest give up room first.
	widths, total := columnWidths(lines, height)
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
