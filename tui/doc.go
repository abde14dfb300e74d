// Package tui is the shell of linkdesk's terminal UI: the root model with its
// view stack, the status bar, the one keymap, the styles, the dialogs, the
// commands that talk to the tenant (each a tea.Cmd returning one typed
// message with a task id) and the sanitizer every tenant string goes through
// at render time.
//
// The screens live in package views, which builds on this one. tui may
// import linking, client and audit; it must never import views, and
// linking must never import it.
package tui
