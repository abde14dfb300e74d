package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type ticketOptions struct {
	cmdEnv

	UserID string
	writeFlags
}

func newTicketCmd(g *globalOptions, io *streams, runF func(*ticketOptions) error) *cobra.Command {
	o := &ticketOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "ticket USER_ID",
		Short: "A password-change ticket URL for one account",
		Long: `Create a password-change ticket for the account USER_ID and print its URL.
It works per account, so it resets one account among several that share an
email (a Non-Unique Emails connection, where /dbconnections/change_password
cannot tell them apart). The audit log records the request, never the URL.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk ticket auth0|64b7ca01e0f1a2b3c4d5e6f8`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.UserID = args[0]
			return dispatch(cmd, o, &o.cmdEnv, runF, runTicket)
		},
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	return cmd
}

func runTicket(o *ticketOptions) error {
	return o.withAccounts([]string{o.UserID}, func(s *session.Session, _ *linking.Connections, users []client.User) error {
		p := s.NewPlan(linking.PlanTicket(users[0], o.Reason))
		if err := showOperations(o.io, o.writeFlags, p); err != nil {
			return err
		}
		ok, err := confirm(o.io, o.writeFlags, confirmation{question: fmt.Sprintf("Make a password-change ticket for %s?", describeUser(users[0]))})
		if err != nil || !ok {
			return err
		}
		res, err := s.Apply(o.ctx, p, session.ApplyOptions{})
		if err != nil {
			return commandError(err)
		}
		url := res.Steps[0].Ticket
		if o.JSON {
			return writeJSON(o.io.Out, map[string]string{"user_id": o.UserID, "ticket": url})
		}
		fmt.Fprintf(o.io.Out, "Audit log: %s (it records the request, never the URL)\n", s.Paths.AuditLog)
		fmt.Fprintf(o.io.Out, "Password-change ticket for %s:\n%s\n", printableName(o.UserID), printableName(url))
		return nil
	})
}
