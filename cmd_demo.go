package main

import (
	"github.com/spf13/cobra"
)

func init() { commandBuilders = append(commandBuilders, newDemoCmd) }

func newDemoCmd(g *globalOptions, io *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The terminal UI on an embedded sandbox tenant (no Auth0 account needed)",
		Long: `Start the terminal UI on a sandbox tenant that runs inside linkdesk: an
emulator of the Auth0 Management API filled with a realistic, generated tenant
(or --fixture FILE). Nothing leaves this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), g, io, true)
		},
	}
	cmd.Flags().IntVar(&g.Users, "users", sandboxUsers, "number of users in the sandbox tenant")
	cmd.Flags().Int64Var(&g.Seed, "seed", 1, "generator seed: the same seed gives the same tenant")
	return cmd
}
