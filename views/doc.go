// Package views holds the screens of linkdesk's terminal UI: overview,
// groups, group detail, find and account, link wizard, unlink, delete,
// ticket, verification and undo dialogs, audit log and help. Each is a
// tui.Component; the shell (root model, status bar, keymap, styles,
// sanitizer) is package tui.
//
// views may import tui, linking, client and audit. Nothing imports views but
// the main package. Every string from the tenant goes through tui.Fit,
// tui.Pad, termsafe.Sanitize or tui.Wrap before it is drawn.
package views

import (
	"fmt"

	"charm.land/bubbles/v2/key"

	"github.com/linkdesk/linkdesk/tui"
)

type keyBinding = key.Binding

// withHelp is b with other help text, for a screen where the key means
// something more precise than its general description.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// New builds the root model with linkdesk's screens.
func New(c *tui.Common, opts tui.Options) *tui.Model {
	return tui.New(c, Pages(), opts)
}

// Pages are linkdesk's top-level screens and help.
func Pages() tui.Pages {
	return tui.Pages{Overview: NewOverview, Groups: NewGroups, Audit: NewAuditLog, Help: NewHelp, Find: NewFind}
}

// moreLines says how much of a list is below the screen, and which keys
// scroll to it.
func moreLines(n int, keys string) string {
	return fmt.Sprintf("  … %d more %s (%s)", n, tui.Plural(n, "line", "lines"), keys)
}

// linesAbove says, on top of a pane scrolled down, that n lines are out
// of view above it, and the keys that bring them back.
func linesAbove(n int, keys string) string {
	return fmt.Sprintf("  … %d %s above (%s)", n, tui.Plural(n, "line", "lines"), keys)
}
