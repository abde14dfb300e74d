package cli

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

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
	s, err := o.g.open(o.ctx, o.sandbox)
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
	p := tea.NewProgram(views.New(c, opts), progOpts...)
	if _, err := p.Run(); err != nil && o.ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
