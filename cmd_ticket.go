package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commandBuilders = append(commandBuilders, newTicketCmd) }

type ticketOptions struct {
	JSON   bool
	Reason string
}

func newTicketCmd(g *globalOptions, io *streams) *cobra.Command {
	o := &ticketOptions{}
	cmd := &cobra.Command{
		Use:   "ticket USER_ID",
		Short: "A password-change ticket URL for one account",
		Long: `Create a password-change ticket for the account USER_ID and print its URL.
It works per account, so it resets one account among several that share an
email (a Non-Unique Emails connection, where /dbconnections/change_password
cannot tell them apart). The audit log records the request, never the URL.`,
		Example: `  linkdesk ticket auth0|64b7ca01e0f1a2b3c4d5e6f8`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := g.connectForWrite(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			ex, closeRecord, err := g.executor(s)
			if err != nil {
				return commandError(err)
			}
			defer closeRecord()
			url, err := ex.Ticket(ctx, args[0], o.Reason)
			if err != nil {
				return commandError(err)
			}
			if o.JSON {
				return writeJSON(io.Out, map[string]string{"user_id": args[0], "ticket": url})
			}
			fmt.Fprintf(io.Out, "Password-change ticket for %s:\n%s\n", printableName(args[0]), printableName(url))
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print {user_id, ticket} as JSON")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why, for the audit log")
	return cmd
}
