package views

import (
	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/tui"
)

// scrollKey moves a scrolled view for j/k, page up/down and g; it reports
// whether the key was one of those.
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
	default:
		return false
	}
	return true
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

// filterEdit is what a key does to a list's filter while it is typed.
type filterEdit int

const (
	filterKept    filterEdit = iota // enter: typing ends, the filter stays
	filterCleared                   // esc: typing ends, the filter is gone
	filterMove                      // an arrow or page key: the list moves
	filterChanged                   // the text changed
	filterSame                      // nothing changed
)

// typeFilter applies a key to a filter being typed (letters type, so the
// list's own keys are off meanwhile).
func typeFilter(k tea.KeyPressMsg, keys *tui.KeyMap, f *tui.TextField, typing *bool) filterEdit {
	switch {
	case tui.Matches(k, keys.Submit):
		*typing = false
		return filterKept
	case tui.Matches(k, keys.Back):
		*typing, f.Value = false, ""
		return filterCleared
	case k.Code == tea.KeyUp || k.Code == tea.KeyDown || k.Code == tea.KeyPgUp || k.Code == tea.KeyPgDown:
		return filterMove
	case f.Update(k, keys):
		return filterChanged
	}
	return filterSame
}
