package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ReasonField is the reason a write records in the audit log: prefilled
// by the screen that asks, optional, and edited with tab so that the
// dialog's own keys (y, n) keep their meaning meanwhile.
type ReasonField struct {
	field   TextField
	editing bool
	before  string
}

// NewReason starts a reason prefilled with text.
func NewReason(text string) ReasonField { return ReasonField{field: TextField{Value: text}} }

// Value is the reason as the audit log will record it.
func (r *ReasonField) Value() string { return strings.TrimSpace(r.field.Value) }

// Editing reports whether keys go to the field.
func (r *ReasonField) Editing() bool { return r.editing }

// Update takes a key when the field is being edited, or tab to start; it
// reports whether it took the key. While editing, enter or tab keeps the
// text and esc puts the earlier text back.
func (r *ReasonField) Update(k tea.KeyPressMsg, keys *KeyMap) bool {
	if !r.editing {
		if Matches(k, keys.Reason) {
			r.editing, r.before = true, r.field.Value
			return true
		}
		return false
	}
	switch {
	case k.Code == tea.KeyEnter || Matches(k, keys.Reason):
		r.editing = false
	case k.Code == tea.KeyEscape:
		r.field.Value, r.editing = r.before, false
	default:
		r.field.Update(k, keys)
	}
	return true
}

// Paste appends pasted text while the field is being edited.
func (r *ReasonField) Paste(text string) {
	if r.editing {
		r.field.Paste(text)
	}
}

// ReasonHelp is the help of a screen while its reason field is edited,
// under title.
func ReasonHelp(k *KeyMap, title string) []HelpGroup {
	keep, undo := k.Submit, k.Back
	keep.SetHelp("enter", "keep the reason")
	undo.SetHelp("esc", "undo the edit")
	return []HelpGroup{{Title: title, Bindings: []key.Binding{keep, undo}}}
}

// View is one line of at most width cells.
// Lines shows the field in width cells: View's one line while it is
// edited or where one line holds it, else the reason whole, wrapped under
// its label (at most 3 lines: the words the audit log keeps, which the
// operator reads before y).
func (r *ReasonField) Lines(s *Styles, width int) []string {
	const label, tab = "Reason ", "  (tab edits)"
	v := r.field.Value
	if r.editing || strings.TrimSpace(v) == "" || Width(label)+Width(Fit(v, width))+Width(tab) <= width {
		return []string{r.View(s, width)}
	}
	pad := strings.Repeat(" ", Width(label))
	lines := Wrap(v, width-Width(tab)-len(pad), 3)
	for i := range lines {
		if i == 0 {
			lines[i] = s.Header.Render(label) + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	lines[len(lines)-1] += s.Dim.Render(tab)
	return lines
}

func (r *ReasonField) View(s *Styles, width int) string {
	if r.editing {
		hint := "  enter keeps · esc undoes"
		return Truncate(s.Key.Render("Reason ")+r.field.View(s, max(width-7-len(hint), 8))+s.Dim.Render(hint), width)
	}
	v := Fit(r.field.Value, max(width-7-13, 8))
	if strings.TrimSpace(r.field.Value) == "" {
		v = s.Dim.Render("(none)")
	}
	return Truncate(s.Header.Render("Reason ")+v+s.Dim.Render("  (tab edits)"), width)
}
