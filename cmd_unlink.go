package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/linking"
)

func init() { commandBuilders = append(commandBuilders, newUnlinkCmd) }

type unlinkOptions struct {
	writeFlags
	Reason string
}

func newUnlinkCmd(g *globalOptions, io *streams) *cobra.Command {
	o := &unlinkOptions{}
	cmd := &cobra.Command{
		Use:   "unlink PRIMARY PROVIDER USER_ID",
		Short: "Detach a linked identity from its primary account",
		Long: `Detach the identity PROVIDER|USER_ID (USER_ID without the provider prefix)
from PRIMARY. It comes back as an account of its own, with its old profile and
no metadata.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk unlink auth0|60d5ec49f1a2b3c4d5e6f708 google-oauth2 101202303404505606707`,
		Args:    exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, _, users, err := g.accounts(ctx, args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			op, err := linking.PlanUnlink(users[0], args[1], args[2], o.Reason)
			if err != nil {
				return commandError(err)
			}
			p := g.singlePlan(s, op)
			return g.carryOut(ctx, io, s, o.writeFlags, p, confirmation{
				question: fmt.Sprintf("Unlink %s from %s?", printableName(args[1]+"|"+args[2]), describeUser(users[0])),
			})
		},
	}
	addWriteFlags(cmd, &o.writeFlags, &o.Reason)
	return cmd
}
