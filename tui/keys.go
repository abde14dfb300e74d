package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every binding of the TUI, each defined once with its help text
// (ARCHITECTURE.md, "Contracts"). Screens choose which of them they show.
type KeyMap struct {
	// General
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Back      key.Binding
	Rescan    key.Binding
	// FullRescan exports the whole tenant again, whatever its snapshot.
	FullRescan key.Binding
	NextPane   key.Binding
	Find       key.Binding // find any account, on every screen

	// Screens
	Overview key.Binding
	Groups   key.Binding
	Audit    key.Binding

	// Navigation
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
	Filter   key.Binding
	Sort     key.Binding
	Reverse  key.Binding
	Toggle   key.Binding // mark or unmark the row (link wizard), swap a conflict's side

	// Actions on a group
	Link          key.Binding
	Unlink        key.Binding
	Delete        key.Binding
	Ticket        key.Binding
	Verify        key.Binding // send the verification email
	Undo          key.Binding // undo a recorded operation (audit log)
	ChoosePrimary key.Binding
	Copy          key.Binding
	Override      key.Binding // let a link through an overridable check (unverified email, no shared email), on the record
	ForceUndo     key.Binding // undo all the same what was changed since the operation (the CLI's undo --force), on the record

	// Dialogs
	Confirm key.Binding
	Cancel  key.Binding
	Submit  key.Binding
	Clear   key.Binding
	Reason  key.Binding // edit the reason a write records
}

// DefaultKeyMap is the keymap of ARCHITECTURE.md, "Contracts".
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / cancel scan")),
		Rescan:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rescan")),
		FullRescan: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "full rescan")),
		NextPane:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		Find:       key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "find any account")),

		Overview: key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "overview")),
		Groups:   key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "groups")),
		Audit:    key.NewBinding(key.WithKeys("3", "a"), key.WithHelp("3/a", "audit log")),

		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open / next")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by next column")),
		Reverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse order")),
		Toggle:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark / unmark")),

		Link:          key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "link")),
		Unlink:        key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unlink")),
		Delete:        key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "delete account")),
		Ticket:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "password ticket")),
		Verify:        key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "send verification email")),
		Undo:          key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "undo this operation")),
		ChoosePrimary: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "choose primary")),
		Copy:          key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy user id")),
		Override:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "override the check that refused the link (recorded)")),
		ForceUndo:     key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "force the undo over the changes listed (recorded)")),

		Confirm: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes, do it")),
		Cancel:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no, cancel")),
		Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
		Clear:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear")),
		Reason:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "edit the reason")),
	}
}

// Matches reports whether the key press is one of the bindings.
func Matches(msg tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }

// Writes are the keys that start a write on a group or an account, and p,
// which chooses for one: all off under --read-only.
func (k *KeyMap) Writes() []key.Binding {
	return []key.Binding{k.Link, k.Unlink, k.Delete, k.Ticket, k.Verify, k.ChoosePrimary}
}

// HelpGroup is a titled set of bindings for the help screen.
type HelpGroup struct {
	Title    string
	Bindings []key.Binding
}

// GlobalHelp are the bindings that work on every screen.
func (k *KeyMap) GlobalHelp() []HelpGroup {
	return []HelpGroup{
		{Title: "Screens", Bindings: []key.Binding{k.Overview, k.Groups, k.Audit, k.Find, k.Help}},
		{Title: "General", Bindings: []key.Binding{k.Back, k.Rescan, k.FullRescan, k.Quit, k.ForceQuit}},
	}
}
