package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type ticketOptions struct {
	cmdEnv

	UserID string
	writeFlags
	TTL       time.Duration
	AppClient string
	ResultURL string
	Verified  bool
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
Only a database account has a password here: a social or enterprise
account is refused (exit 3), its identity provider keeps its password.

--ttl sets how long the link works (the tenant's default otherwise);
--app-client-id sends the person to that application's login once the
password is set, or --result-url to a page; --mark-email-verified marks the
email verified when the link is used.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk ticket auth0|64b7ca01e0f1a2b3c4d5e6f8
  linkdesk ticket auth0|64b7ca01e0f1a2b3c4d5e6f8 --ttl 48h --mark-email-verified --reason "ZD-1207" --force`,
		Args: userIDArgs(1, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.UserID = args[0]
			switch {
			case o.AppClient != "" && o.ResultURL != "":
				return usageErrorf("give --app-client-id or --result-url, not both: Auth0 takes one")
			case o.TTL < 0 || o.TTL > 0 && o.TTL < time.Second:
				return usageErrorf("--ttl %s: at least a second", o.TTL)
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runTicket)
		},
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	f := cmd.Flags()
	f.DurationVar(&o.TTL, "ttl", 0, "how long the link works, e.g. 30m or 48h (default: the tenant's)")
	f.StringVar(&o.AppClient, "app-client-id", "", "the application whose login the person lands on once the password is set")
	f.StringVar(&o.ResultURL, "result-url", "", "the page the person lands on once the password is set")
	f.BoolVar(&o.Verified, "mark-email-verified", false, "mark the email verified when the link is used")
	return cmd
}

// CheckNotDatabase refuses a password-change ticket for an account whose
// password its identity provider keeps.
const CheckNotDatabase = "not_a_database_account"

func runTicket(o *ticketOptions) error {
	return o.withAccounts([]string{o.UserID}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		if a := linking.AccountFromUser(users[0], conns); a.Strategy != client.StrategyAuth0 {
			return commandError(&linking.SafetyError{Check: CheckNotDatabase, UserIDs: []string{o.UserID},
				Reason: fmt.Sprintf("tickets are for database accounts: %s signs in with %s, which keeps its password", printableName(o.UserID), printableName(a.Connection))})
		}
		op, err := linking.PlanTicket(users[0], client.TicketOptions{
			TTLSec: int(o.TTL.Seconds()), ClientID: o.AppClient, ResultURL: o.ResultURL, MarkEmailVerified: o.Verified,
		}, o.Reason)
		if err != nil {
			return commandError(err)
		}
		p := s.NamedPlan(conns, users, op)
		ok, err := showAndConfirm(o.io, o.writeFlags, p, confirmation{question: fmt.Sprintf("Make a password-change ticket for %s?", describeUser(users[0], conns))})
		if err != nil || !ok {
			return err
		}
		res, err := s.Apply(o.ctx, p, session.ApplyOptions{})
		if err != nil {
			return reportRun(o.io, o.writeFlags, s, res, err) // what became of it, as every write says
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
