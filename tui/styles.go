package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/linkdesk/linkdesk/linking"
)

// Theme chooses how styles draw.
type Theme int

const (
	// ThemeDark is for dark terminal backgrounds (the default until the
	// terminal answers the background-colour query).
	ThemeDark Theme = iota
	// ThemeLight is for light backgrounds.
	ThemeLight
	// ThemeNoColor uses bold, reverse and underline only (--no-color, NO_COLOR).
	ThemeNoColor
	// ThemePlain emits no escape sequence at all: golden files.
	ThemePlain
)

// Styles is every style of the TUI, built once per theme.
type Styles struct {
	Theme Theme

	Title      lipgloss.Style // screen titles
	Header     lipgloss.Style // table headers
	Selected   lipgloss.Style // the row under the cursor
	Dim        lipgloss.Style // secondary text
	Key        lipgloss.Style // a key in help text
	Good       lipgloss.Style // verified, passed, ok
	Bad        lipgloss.Style // unverified, refused, error
	Warn       lipgloss.Style // missed by the extension, conflicts
	Added      lipgloss.Style // diff: a key the primary gains
	Removed    lipgloss.Style // diff: a key that goes away
	Conflict   lipgloss.Style // diff: a key both accounts set differently
	Bar        lipgloss.Style // filled part of a bar
	BarEmpty   lipgloss.Style
	Dialog     lipgloss.Style // a dialog's frame
	Danger     lipgloss.Style // the title of a destructive dialog
	Input      lipgloss.Style // text being typed
	StatusBar  lipgloss.Style
	StatusKey  lipgloss.Style // the tenant segment
	Sandbox    lipgloss.Style // SANDBOX badge
	ReadOnly   lipgloss.Style // READ-ONLY badge
	Error      lipgloss.Style // the last error line
	Tabs       lipgloss.Style
	ActiveTab  lipgloss.Style
	classStyle map[linking.Class]lipgloss.Style
}

// Class is the style of a class name.
func (s *Styles) Class(c linking.Class) lipgloss.Style { return s.classStyle[c] }

// NewStyles builds the styles of a theme.
func NewStyles(t Theme) *Styles {
	switch t {
	case ThemePlain:
		return plainStyles()
	case ThemeNoColor:
		return noColorStyles()
	}
	ld := lipgloss.LightDark(t == ThemeDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		accent  = c("#5A3FD9", "#A594FF")
		dim     = c("#6B6B6B", "#8A8A8A")
		green   = c("#1B7F3A", "#5FD787")
		red     = c("#C0262D", "#FF6B6B")
		yellow  = c("#9A6200", "#F0C05A")
		blue    = c("#1F5FBF", "#6FA8FF")
		barBg   = c("#E4E4E4", "#3A3A3A")
		selBg   = c("#DCD6FF", "#3B3566")
		statBg  = c("#E8E8E8", "#262626")
		statFg  = c("#262626", "#D0D0D0")
		inverse = c("#FFFFFF", "#101010")
	)
	s := &Styles{Theme: t}
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(dim)
	s.Selected = lipgloss.NewStyle().Background(selBg).Bold(true)
	s.Dim = lipgloss.NewStyle().Foreground(dim)
	s.Key = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Good = lipgloss.NewStyle().Foreground(green)
	s.Bad = lipgloss.NewStyle().Foreground(red)
	s.Warn = lipgloss.NewStyle().Foreground(yellow)
	s.Added = lipgloss.NewStyle().Foreground(green)
	s.Removed = lipgloss.NewStyle().Foreground(red)
	s.Conflict = lipgloss.NewStyle().Foreground(yellow).Bold(true)
	s.Bar = lipgloss.NewStyle().Foreground(accent)
	s.BarEmpty = lipgloss.NewStyle().Foreground(barBg)
	s.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Danger = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Input = lipgloss.NewStyle().Underline(true)
	s.StatusBar = lipgloss.NewStyle().Background(statBg).Foreground(statFg)
	s.StatusKey = lipgloss.NewStyle().Background(accent).Foreground(inverse).Bold(true)
	s.Sandbox = lipgloss.NewStyle().Background(yellow).Foreground(inverse).Bold(true)
	s.ReadOnly = lipgloss.NewStyle().Background(blue).Foreground(inverse).Bold(true)
	s.Error = lipgloss.NewStyle().Background(red).Foreground(inverse)
	s.Tabs = lipgloss.NewStyle().Foreground(dim)
	s.ActiveTab = lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true)
	s.classStyle = map[linking.Class]lipgloss.Style{
		linking.ClassLinkCandidate:     lipgloss.NewStyle().Foreground(green),
		linking.ClassNeedsVerification: lipgloss.NewStyle().Foreground(yellow),
		linking.ClassSharedByDesign:    lipgloss.NewStyle().Foreground(blue),
		linking.ClassLegacyDuplicate:   lipgloss.NewStyle().Foreground(red),
		linking.ClassMixed:             lipgloss.NewStyle().Foreground(accent),
		"":                             lipgloss.NewStyle().Foreground(dim),
	}
	return s
}

// noColorStyles mark what matters with attributes only.
func noColorStyles() *Styles {
	s := plainStyles()
	s.Theme = ThemeNoColor
	bold := lipgloss.NewStyle().Bold(true)
	s.Title, s.Header, s.Key, s.Danger, s.Conflict = bold, bold, bold, bold, bold.Underline(true)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Input = lipgloss.NewStyle().Underline(true)
	s.StatusKey, s.Sandbox, s.ReadOnly, s.Error = bold.Reverse(true), bold.Reverse(true), bold.Reverse(true), bold.Reverse(true)
	s.ActiveTab = bold.Underline(true)
	s.Bad = bold
	return s
}

// plainStyles draw nothing but the text: every style is empty.
func plainStyles() *Styles {
	p := lipgloss.NewStyle()
	s := &Styles{Theme: ThemePlain}
	s.Title, s.Header, s.Selected, s.Dim, s.Key, s.Good, s.Bad, s.Warn = p, p, p, p, p, p, p, p
	s.Added, s.Removed, s.Conflict, s.Bar, s.BarEmpty, s.Danger, s.Input = p, p, p, p, p, p, p
	s.StatusBar, s.StatusKey, s.Sandbox, s.ReadOnly, s.Error, s.Tabs, s.ActiveTab = p, p, p, p, p, p, p
	s.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.classStyle = map[linking.Class]lipgloss.Style{}
	for _, c := range linking.Classes {
		s.classStyle[c] = p
	}
	s.classStyle[""] = p
	return s
}
