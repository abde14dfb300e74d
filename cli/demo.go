package cli

import (
	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/session"
)

func newDemoCmd(g *globalOptions, io *streams, runF func(*tuiOptions) error) *cobra.Command {
	o := &tuiOptions{cmdEnv: cmdEnv{g: g, io: io}, sandbox: true}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The terminal UI on an embedded sandbox tenant (no Auth0 account needed)",
		Long: `Start the terminal UI on a sandbox tenant that runs inside linkdesk: an
emulator of the Auth0 Management API filled with a realistic, generated tenant
(or --fixture FILE). Nothing leaves this machine.`,
		Args: cobra.NoArgs,
		RunE: runArgs(o, &o.cmdEnv, runF, runTUI),
	}
	cmd.Flags().IntVar(&g.Users, "users", session.SandboxUsers, "number of users in the sandbox tenant")
	cmd.Flags().Int64Var(&g.Seed, "seed", 1, "generator seed: the same seed gives the same tenant")
	return cmd
}
