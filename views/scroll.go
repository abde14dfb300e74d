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
