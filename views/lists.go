package views

import (
	"math"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/termsafe"
	"github.com/linkdesk/linkdesk/tui"
)

// scrollKey moves a scrolled view for j/k, page up/down, g and G; it
// reports whether the key was one of those. G scrolls past the end, which
// scrollPane brings back to the last page.
func scrollKey(k tea.KeyPressMsg, keys *tui.KeyMap, scroll *int, page int) bool {
	page = max(page, 1)
	switch {
	case tui.Matches(k, keys.Down):
		*scroll++
	case tui.Matches(k, keys.Up):
		*scroll = max(*scroll-1, 0)
	case tui.Matches(k, keys.PageDown):
		*scroll += page
	case tui.Matches(k, keys.PageUp):
		*scroll = max(*scroll-page, 0)
	case tui.Matches(k, keys.Top):
		*scroll = 0
	case tui.Matches(k, keys.Bottom):
		*scroll = math.MaxInt32
	default:
		return false
	}
	return true
}

// scrollHelp are the keys scrollKey takes, as the help and the footer of
// a pane that scrolls name them.
func scrollHelp(k *tui.KeyMap) []keyBinding {
	return []keyBinding{withHelp(k.Down, "↑/↓ j/k", "scroll"), withHelp(k.PageDown, "pgdn/pgup", "scroll a page"), withHelp(k.Bottom, "g/G", "top / end")}
}

// arrowScroll scrolls for ↑ and ↓ alone, where letters type; it reports
// whether the key was one of those.
func arrowScroll(k tea.KeyPressMsg, scroll *int) bool {
	switch k.Code {
	case tea.KeyUp:
		*scroll = max(*scroll-1, 0)
	case tea.KeyDown:
		*scroll++
	default:
		return false
	}
	return true
}

// scrollPane is the room lines of lines from *scroll on (clamped so the
// end is in view), the last of them saying how many are left below and
// which keys reach them.
func scrollPane(s *tui.Styles, lines []string, scroll *int, room int, keys string) []string {
	room = max(room, 1)
	*scroll = min(max(*scroll, 0), max(len(lines)-room, 0))
	shown := lines[*scroll:min(*scroll+room, len(lines))]
	if rest := len(lines) - *scroll - room; rest > 0 {
		shown = append(shown[:len(shown)-1:len(shown)-1], s.Dim.Render(moreLines(rest+1, keys)))
	}
	return shown
}

// upDown moves a cursor over rows rows one up or down, staying on a row;
// it reports whether the key was up or down.
func upDown(k tea.KeyPressMsg, keys *tui.KeyMap, cursor *int, rows int) bool {
	switch {
	case tui.Matches(k, keys.Up):
		*cursor = max(*cursor-1, 0)
	case tui.Matches(k, keys.Down):
		*cursor = min(*cursor+1, max(rows-1, 0))
	default:
		return false
	}
	return true
}

// moveCursor moves a list's cursor over rows rows for up, down, page up
// and down (page rows at a time), first and last, and keeps it on a row.
func moveCursor(k tea.KeyPressMsg, keys *tui.KeyMap, cursor *int, rows, page int) {
	if !upDown(k, keys, cursor, rows) {
		switch {
		case tui.Matches(k, keys.PageUp):
			*cursor -= page
		case tui.Matches(k, keys.PageDown):
			*cursor += page
		case tui.Matches(k, keys.Top):
			*cursor = 0
		case tui.Matches(k, keys.Bottom):
			*cursor = rows - 1
		}
	}
	*cursor = min(max(*cursor, 0), max(rows-1, 0))
}

// listFilter is a list's filter: / starts typing it (letters type, so the
// list's own keys are off meanwhile), enter keeps it, esc clears it.
type listFilter struct {
	list   filtered // the list it filters, set when the list is made
	filter tui.TextField
	typing bool
}

func (f *listFilter) Capturing() bool { return f.typing }
func (f *listFilter) Filters() bool   { return true } // / opens it (tui.Filterer)
func (f *listFilter) WantsEsc() bool  { return f.typing || f.filter.Value != "" }

// filtered is a list with a filter: what it does when the filter changes.
type filtered interface {
	move(k tea.KeyPressMsg) // an arrow or page key while the filter is typed
	filterCleared()         // the filter is gone: every row, the cursor where it was
	filterChanged()         // the filter's text changed
}

// Paste puts pasted text into the filter, typing it as / does: pasting an
// email or a user id on a list finds its rows.
func (f *listFilter) Paste(text string) {
	f.startTyping()
	if f.filter.Paste(text) {
		f.list.filterChanged()
	}
}

// startTyping starts typing the filter. A filter kept (or set for the
// list, as the overview sets a class) is a word or more: what is typed
// after it is another word, ANDed with them (tui.FilterWords), so a space
// goes after it, shown, which backspace takes away to go on with its last
// word.
func (f *listFilter) startTyping() {
	if !f.typing && f.filter.Value != "" && !strings.HasSuffix(f.filter.Value, " ") {
		f.filter.Value += " "
	}
	f.typing = true
}

// filterKey applies a key to the filter: every key while it is typed, else
// / and esc. It reports whether it took the key.
func (f *listFilter) filterKey(k tea.KeyPressMsg, keys *tui.KeyMap) bool {
	l := f.list
	if !f.typing {
		switch {
		case tui.Matches(k, keys.Filter):
			f.startTyping()
		case tui.Matches(k, keys.Back):
			f.filter.Value = ""
			l.filterCleared()
		default:
			return false
		}
		return true
	}
	switch {
	case tui.Matches(k, keys.Submit):
		f.typing = false
	case tui.Matches(k, keys.Back):
		f.typing, f.filter.Value = false, ""
		l.filterCleared()
	case k.Code == tea.KeyUp || k.Code == tea.KeyDown || k.Code == tea.KeyPgUp || k.Code == tea.KeyPgDown:
		l.move(k)
	case f.filter.Update(k, keys):
		l.filterChanged()
	}
	return true
}

// sentence lays out a sentence that explains something: wrapped whole in
// width cells (tui.Wrap, never cut with tui.Fit), each line drawn with
// render (a style's Render).
func sentence(render func(...string) string, text string, width int) []string {
	lines := tui.Wrap(text, width, 0)
	for i, l := range lines {
		lines[i] = render(l)
	}
	return lines
}

// hanging lays out a sentence after a mark ("✗ ", a label's blank cells,
// an indent): wrapped whole in what width leaves after the mark, at most
// maxLines lines (≤ 0: no limit), the lines after the first indented under
// the first one's text; render, if not nil, draws each line's text.
func hanging(mark, text string, width, maxLines int, render func(...string) string) []string {
	pad := strings.Repeat(" ", tui.Width(mark))
	lines := tui.Wrap(text, width-len(pad), maxLines)
	for i, l := range lines {
		if render != nil {
			l = render(l)
		}
		if i == 0 {
			lines[i] = mark + l
		} else {
			lines[i] = pad + l
		}
	}
	return lines
}

// maxCallLines is how many lines a call may take where the operator
// reads it before confirming: enough for the user ids of its path and the
// start of its body; a body longer still ends in "…".
const maxCallLines = 4

// callLines lay out a call a write will make, after mark (an indent, a
// "call: " label): wrapped (tui.WrapCall), never cut to one line, so that
// the user ids in its path and body read whole; drawn dimmed.
func callLines(s *tui.Styles, mark, call string, width int) []string {
	return callLinesUpTo(s, mark, call, width, maxCallLines)
}

// callLinesUpTo is callLines in at most maxLines lines (≤ 0: whole, for a
// pane that scrolls, as the link review does).
func callLinesUpTo(s *tui.Styles, mark, call string, width, maxLines int) []string {
	pad := strings.Repeat(" ", tui.Width(mark))
	lines := tui.WrapCall(call, max(width-len(pad), 10), maxLines)
	for i, l := range lines {
		if i == 0 {
			lines[i] = mark + s.Dim.Render(l)
		} else {
			lines[i] = pad + s.Dim.Render(l)
		}
	}
	return lines
}

// squeeze drops blank lines, the topmost first, until lines fit in room
// (a short window gives up the space between parts before any text).
func squeeze(lines []string, room int) []string {
	for i := 0; len(lines) > room && i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			lines = append(lines[:i:i], lines[i+1:]...)
			continue
		}
		i++
	}
	return lines
}

// endCut makes a line cut short end with "…", in width cells.
func endCut(line string, width int) string {
	if tui.Width(line) < width {
		return line + tui.Ellipsis
	}
	return tui.Truncate(line+tui.Ellipsis, width)
}

// lead lays out a sentence that opens with a label drawn apart (a title's
// "No recommended primary: "): the label and the text wrapped whole in
// width cells as one sentence, the label drawn with labelRender and the
// text with render (either may be nil: as it is).
func lead(label, text string, width int, labelRender, render func(...string) string) []string {
	draw := func(r func(...string) string, s string) string {
		if r == nil || s == "" {
			return s
		}
		return r(s)
	}
	lines := tui.Wrap(label+text, width, 0)
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, label); i == 0 && ok {
			lines[i] = draw(labelRender, label) + draw(render, rest)
			continue
		}
		lines[i] = draw(render, l)
	}
	return lines
}

// pathLines lay out a file path after its label, whole, since a path cut
// is a wrong path to copy: beside the label where it fits, else alone on
// the next line under indent, else wrapped there over as many lines as it
// takes. render, if not nil, draws the label.
func pathLines(label, path, indent string, width int, render func(...string) string) []string {
	clean := termsafe.Sanitize(path)
	if render != nil {
		label = render(label)
	}
	switch {
	case tui.Width(label)+tui.Width(clean) <= width:
		return []string{label + clean}
	case tui.Width(indent)+tui.Width(clean) <= width:
		return []string{label, indent + clean}
	}
	// Broken after a "/" where a line ends, so that the file's name stays
	// in one piece; a part longer than a line is cut into lines.
	room := max(width-tui.Width(indent), 8)
	out := []string{label}
	line := ""
	for part := range strings.SplitAfterSeq(clean, "/") {
		for tui.Width(line)+tui.Width(part) > room {
			if line != "" {
				out, line = append(out, indent+line), ""
				continue
			}
			cut := tui.Truncate(part, room)
			cut = strings.TrimSuffix(cut, tui.Ellipsis)
			out, part = append(out, indent+cut), part[len(cut):]
		}
		line += part
	}
	if line != "" {
		out = append(out, indent+line)
	}
	return out
}

// titleLines lays out a title that names an account: the label drawn
// with render, and the name whole (a user id cut is no user id), wrapped
// over at most maxLines lines; a longer name (a hostile one) ends in "…".
func titleLines(label, name string, width, maxLines int, render func(...string) string) []string {
	lines := lead(label, tui.Fit(name, maxLines*width), width, render, nil)
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = endCut(lines[maxLines-1], width)
	}
	return lines
}
