package cli

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
	"github.com/linkdesk/linkdesk/views"
)

type tuiOptions struct {
	cmdEnv

	sandbox bool // linkdesk demo
}

// runTUI starts the terminal UI on the tenant the flags name (or a sandbox
// tenant); the scan starts at launch, ctrl+c always quits.
func runTUI(o *tuiOptions) error {
	if err := needTerminal(o); err != nil {
		return err
	}
	// Reaching a tenant takes its round trips (a token, then the tenant)
	// before the first screen can be drawn: a line says so meanwhile, and
	// is gone once the screen is up.
	connecting := progressPrinter(o.io)
	if cfg := o.g.config(o.sandbox); !cfg.Sandbox && cfg.Domain != "" && o.g.notes != nil {
		connecting.show("linkdesk: connecting to "+printableName(cfg.Domain)+"…", true)
		notes := o.g.notes // what opening notes goes above the line
		o.g.notes = writerAbove{connecting, notes}
		defer func() { o.g.notes = notes }()
	}
	s, err := o.g.open(o.ctx, o.sandbox)
	connecting.done()
	if err != nil {
		return err
	}
	defer s.Close()

	opts := tui.Options{Theme: tui.ThemeDark, AutoScan: true, Context: o.ctx}
	var progOpts []tea.ProgramOption
	if o.g.noColor() {
		opts.Theme, opts.FixedTheme = tui.ThemeNoColor, true
		progOpts = append(progOpts, tea.WithColorProfile(colorprofile.Ascii))
	}
	progOpts = append(progOpts, tea.WithContext(o.ctx), tea.WithInput(o.io.In), tea.WithOutput(o.io.Out))
	c := &tui.Common{Backend: &tui.Backend{Session: s}, ReadOnly: o.g.ReadOnly}
	m := views.New(c, opts)
	p := tea.NewProgram(m, progOpts...)
	restore := notesOnScreen(s, p)
	noted := len(s.Notes())
	_, err = p.Run()
	restore()
	// The status bar held each note until the next key: the shell keeps
	// them once the screen is gone.
	for _, n := range s.Notes()[noted:] {
		fmt.Fprintln(o.io.ErrOut, "linkdesk: note:", terminalText(n))
	}
	if err != nil && o.ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	unknowable, readable := m.CutOffLeaves()
	if writesLeft(o.io, s.Sandbox, quitLeft{cutOff: m.WriteLabels(), unsent: m.UnsentWriteLabels(), notMade: m.NotMadeWriteLabels(), finished: m.FinishedWriteLabels(),
		unknowable: unknowable, readable: readable}) {
		return &exitError{code: exitFailure} // writes cut off: said above, for resume
	}
	return nil
}

// notesOnScreen sends what the session has to tell the operator (an
// export in place of an incremental scan, a torn audit line) to the status
// bar of the program while it runs: a line on stderr would land over the
// screen it draws and scramble it. restore gives the notes back to the
// shell once the program has ended.
func notesOnScreen(s *session.Session, p *tea.Program) (restore func()) {
	before := s.SetNotify(func(msg string) { p.Send(tui.NoteMsg{Text: msg, NotDone: true}) })
	return func() { s.SetNotify(before) }
}

// quitLeft is what the writes in flight as the operator quit the terminal
// UI became (tui.Model's WriteLabels, UnsentWriteLabels,
// FinishedWriteLabels and CutOffLeaves).
type quitLeft struct {
	cutOff, unsent, finished []string
	// notMade: stopped after a call went out that the tenant shows did not
	// take effect.
	notMade []string
	// What resume can do with those cut off: the words of each the tenant
	// keeps no trace of (a ticket, a verification email), and whether any
	// other was cut off, which resume settles by reading the tenant.
	unknowable []string
	readable   bool
}

// writesLeft says, once the terminal UI is gone, which writes the operator
// quit during: those that finished all the same (finished: the operator
// quit believing they stopped), those that sent nothing yet (unsent), and
// those cut off where they stood, which resume settles by reading the
// tenant, or, for a ticket or an email, makes again or leaves (a sandbox's:
// nothing does). It reports whether any was cut off: the program then
// exits 1, as a write command cut off does.
func writesLeft(io *streams, sandbox bool, left quitLeft) bool {
	labels, unsent, finished := left.cutOff, left.unsent, left.finished
	if len(finished) > 0 {
		fmt.Fprintf(io.ErrOut, "linkdesk: you quit while %d %s waited for the tenant's answer; the tenant carried %s out all the same, so %s done (the audit log records %s):\n",
			len(finished), plural(len(finished), "write", "writes"), plural(len(finished), "it", "them"), plural(len(finished), "it is", "they are"), plural(len(finished), "it", "them"))
		tickets := false
		for _, l := range finished {
			fmt.Fprintf(io.ErrOut, "  %s\n", terminalText(l))
			tickets = tickets || strings.HasPrefix(l, "ticket for ")
		}
		if tickets { // its URL is shown once, on the screen that is gone, and kept nowhere
			fmt.Fprintln(io.ErrOut, "A ticket's URL was never shown: make another (`linkdesk ticket USER_ID`, or t in the TUI).")
		}
	}
	if len(unsent) > 0 {
		fmt.Fprintf(io.ErrOut, "linkdesk: you quit while %d %s still reading the tenant, before any call: nothing was sent, and nothing is left to settle:\n",
			len(unsent), plural(len(unsent), "write was", "writes were"))
		for _, l := range unsent {
			fmt.Fprintf(io.ErrOut, "  %s\n", terminalText(l))
		}
	}
	if len(left.notMade) > 0 { // tester: said "nothing was sent" of a call on record
		n := len(left.notMade)
		fmt.Fprintf(io.ErrOut, "linkdesk: you quit while %d %s waited for the tenant's answer; reading the tenant shows %s did not take effect, so nothing was changed, and nothing is left to settle (the audit log records %s):\n",
			n, plural(n, "write", "writes"), plural(n, "its call", "their calls"), plural(n, "it", "them"))
		for _, l := range left.notMade {
			fmt.Fprintf(io.ErrOut, "  %s\n", terminalText(l))
		}
	}
	if len(labels) == 0 {
		return false
	}
	fmt.Fprintf(io.ErrOut, "linkdesk: you quit while %d %s waited for the tenant's answer, so %s cut off:\n",
		len(labels), plural(len(labels), "write", "writes"), plural(len(labels), "it was", "they were"))
	for _, l := range labels {
		fmt.Fprintf(io.ErrOut, "  %s\n", terminalText(l))
	}
	if sandbox {
		fmt.Fprintf(io.ErrOut, "Whether each took effect stays unknown: %s.\n", session.SandboxEnds)
		return true
	}
	if left.readable || len(left.unknowable) == 0 {
		each := "each"
		if len(left.unknowable) > 0 {
			each = "each write but a ticket or a verification email"
		}
		fmt.Fprintf(io.ErrOut, "Run `linkdesk resume`: it reads the tenant to learn whether %s took effect, records it, and finishes or discards the rest.\n", each)
	}
	for _, u := range left.unknowable { // the tenant keeps no trace of it
		fmt.Fprintln(io.ErrOut, strings.ToUpper(u[:1])+u[1:]+".")
	}
	return true
}

// needTerminal refuses to start the terminal UI (a usage error, exit 2)
// where it has no terminal to read keys from and draw on, before it opens
// the tenant or starts a sandbox, and names the commands that need none.
func needTerminal(o *tuiOptions) error {
	in, out := o.io.InteractiveIn(), o.io.InteractiveOut()
	if in && out {
		return nil
	}
	var missing string
	switch {
	case !in && !out:
		missing = "neither stdin nor stdout is one"
	case !in:
		missing = "stdin is not one"
	default:
		missing = "stdout is not one"
	}
	msg := "the terminal UI needs a terminal, and " + missing + ".\n" +
		"Without one, use the commands: scan, show, plan, apply, link, unlink, delete, ticket,\n" +
		"verify-email, undo, resume and audit (`linkdesk --help` lists them)."
	if o.sandbox || o.g.Demo {
		msg += "\nEach takes --demo for a sandbox tenant, as `linkdesk demo` is: linkdesk scan --demo"
	}
	return &exitError{code: exitUsage, err: errors.New(msg)}
}
