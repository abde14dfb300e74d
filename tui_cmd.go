package main

import (
	"context"
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/linkdesk/linkdesk/tui"
	"github.com/linkdesk/linkdesk/views"
)

// runTUI starts the terminal UI on the tenant the flags name (or a sandbox
// tenant); the scan starts at launch, ctrl+c always quits.
func runTUI(ctx context.Context, g *globalOptions, io *streams, sandbox bool) error {
	s, err := g.connect(ctx, sandbox)
	if err != nil {
		return err
	}
	defer s.Close()
	b := &tui.Backend{
		Tenant:     s.Tenant,
		TenantName: s.Name,
		Sandbox:    s.Sandbox,
		ReadOnly:   g.ReadOnly,
		AuditLog:   g.AuditLog,
		BackupDir:  g.BackupDir,
		Operator:   g.operator(),
	}
	if b.AuditLog == "" {
		b.AuditLog = filepath.Join(stateDir(), "audit.log")
	}
	if b.BackupDir == "" {
		b.BackupDir = filepath.Join(stateDir(), "backups")
	}
	defer b.Close()

	opts := tui.Options{Theme: tui.ThemeDark, AutoScan: true}
	var progOpts []tea.ProgramOption
	if g.noColor() {
		opts.Theme, opts.FixedTheme = tui.ThemeNoColor, true
		progOpts = append(progOpts, tea.WithColorProfile(colorprofile.Ascii))
	}
	progOpts = append(progOpts, tea.WithContext(ctx), tea.WithInput(io.In), tea.WithOutput(io.Out))
	c := &tui.Common{Backend: b, ReadOnly: g.ReadOnly}
	p := tea.NewProgram(views.New(c, opts), progOpts...)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
