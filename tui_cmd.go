package main

import (
	"context"
	"fmt"
)

// runTUI starts the terminal UI. Until the TUI lands it says so.
func runTUI(ctx context.Context, g *globalOptions, io *streams, sandbox bool) error {
	s, err := g.connect(ctx, sandbox)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(io.Out, "linkdesk: connected to %s.\nThe terminal UI is not built yet (issue 5); use `linkdesk scan --demo` meanwhile.\n", s.Name)
	return nil
}
