package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type ticketOptions struct {
	g   *globalOptions
	io  *streams
	ctx context.Context

	UserID string
	JSON   bool
	Reason string
}

func newTicketCmd(g *globalOptions, io *streams, runF func(*ticketOptions) error) *cobra.Command {
	o := &ticketOptions{g: g, io: io}
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
			o.ctx, o.UserID = cmd.Context(), args[0]
			if runF != nil {
				return runF(o)
			}
			return runTicket(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print {user_id, ticket} as JSON")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why, for the audit log")
	return cmd
}

func runTicket(o *ticketOptions) error {
	s, _, users, err := o.g.accounts(o.ctx, o.io, o.UserID)
	if err != nil {
		return err
	}
	defer s.Close()
	op, err := linking.PlanTicket(users[0], client.TicketOptions{}, o.Reason)
	if err != nil {
		return commandError(err)
	}
	res, err := s.Apply(o.ctx, s.NewPlan(op), session.ApplyOptions{})
	if err != nil {
		return commandError(err)
	}
	url := res.Steps[0].Ticket
	if o.JSON {
		return writeJSON(o.io.Out, map[string]string{"user_id": o.UserID, "ticket": url})
	}
	fmt.Fprintf(o.io.Out, "Password-change ticket for %s:\n%s\n", printableName(o.UserID), printableName(url))
	return nil
}
