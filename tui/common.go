package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/linkdesk/linkdesk/scan"
)

// Common is what every screen shares: the size of the area it draws in,
// styles, keys, the scan data, the backend that makes commands, a clock
// (fixed in golden tests) and whether writes are allowed. Screens hold a
// pointer to the one Common value of the program.
type Common struct {
	Width, Height int // the screen area: the window less the header and status bar
	Styles        *Styles
	Keys          *KeyMap
	Data          *Data
	Backend       *Backend
	// Ctx is the context of the active screen: the reads a screen starts
	// run under it, so esc (closing the screen) cancels them.
	Ctx      context.Context
	Now      func() time.Time
	ReadOnly bool
	// Scan is the state of the scan, kept by the root for screens to show.
	Scan ScanStatus

	// The root's navigation, done at once, set by New.
	open  func(Component) tea.Cmd
	close func(Component) tea.Cmd
	show  func(ShowMsg) tea.Cmd
	write func(WriteRequest) tea.Cmd
}

// Open puts s above the active screen at once, as the key that opens it is
// handled, and returns its Init: the keys pressed after that one go to s,
// never to the screen underneath (tui.Push opens it only when its message
// comes back, later). A screen opens with Open as the last thing it does.
func (c *Common) Open(s Component) tea.Cmd {
	if c.open == nil {
		return Push(s)
	}
	return c.open(s)
}

// Close closes s and every screen above it at once, as the key that
// closes it is handled, and tells the screen now on top that it is active:
// the keys pressed after that one go to that screen, never to s (tui.Pop
// closes only when its message comes back, later). Nothing when s is not
// open above a top-level screen.
func (c *Common) Close(s Component) tea.Cmd {
	if c.close == nil {
		return Pop
	}
	return c.close(s)
}

// Show switches to a top-level screen at once, as Close does: the keys
// pressed after the one that asks for it go to that screen.
func (c *Common) Show(msg ShowMsg) tea.Cmd {
	if c.show == nil {
		return func() tea.Msg { return msg }
	}
	return c.show(msg)
}

// Write hands the root a write at once, as the key that approves it is
// handled: it is in flight from then on, so that a q typed right after
// the y asks first, as it does for any write in flight (tui.Write hands it
// over only when its message comes back, after the keys read with it).
func (c *Common) Write(req WriteRequest) tea.Cmd {
	if c.write == nil {
		return Write(req)
	}
	return c.write(req)
}

// ScanStatus says where the scan of the tenant stands.
type ScanStatus struct {
	Running   bool
	Progress  scan.Progress
	Err       error // the last scan failed
	Cancelled bool  // the last scan was cancelled with esc
	Done      bool  // a scan has finished: Data holds its report
}

// Component is one screen. Only the root returns a tea.View; screens return
// strings exactly Common.Width wide at most and Common.Height tall at most.
type Component interface {
	Init() tea.Cmd
	Update(tea.Msg) (Component, tea.Cmd)
	View() string
	// Title names the screen in the header and in help.
	Title() string
	// Help lists the screen's own bindings, grouped, for ? and the footer.
	Help() []HelpGroup
	// Capturing reports whether the screen takes every key itself (typing
	// a filter, a confirmation dialog): the global one-letter keys are off.
	Capturing() bool
}

// Paster is a screen with a text field: a paste (the terminal's bracketed
// paste) goes into the field being typed in, if any, as Pasted makes it.
// On a screen without one, a paste opens f with the text (a dialog ignores
// it): pasted text never acts as keys.
type Paster interface {
	Paste(text string)
}

// PasteTaker is a Paster whose text field is there only at times (a
// group's filter, open after /): while TakesPaste is false, a paste opens
// f as on a screen without one.
type PasteTaker interface {
	TakesPaste() bool
}

// EscHandler is a screen that uses esc itself before esc means "back", such
// as a list clearing its filter.
type EscHandler interface {
	WantsEsc() bool
}

// Filterer is a screen where / opens a filter that letters then type into
// (a list's), while Filters says so. On any other screen the root takes /
// itself (the overview: the groups list's filter; elsewhere: f), so that
// after / the letters typed are text, never the screen's commands.
type Filterer interface {
	Filters() bool
}

// Page names a top-level screen.
type Page int

const (
	PageOverview Page = iota + 1
	PageGroups
	PageAudit
)

// Pages builds the top-level screens and the help screen; package views
// provides them, so that tui never imports views.
type Pages struct {
	Overview func(*Common) Component
	Groups   func(*Common) Component
	Audit    func(*Common) Component
	Help     func(c *Common, screen string, groups []HelpGroup) Component
	// Find opens the prompt that finds any account (f, on every screen).
	Find func(*Common) Component
}

// ShortHelp flattens help groups for a one-line footer.
func ShortHelp(groups []HelpGroup) []key.Binding {
	var out []key.Binding
	for _, g := range groups {
		out = append(out, g.Bindings...)
	}
	return out
}
