package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type verifyOptions struct {
	cmdEnv

	UserID   string
	ClientID string
	writeFlags
}

func newVerifyCmd(g *globalOptions, io *streams, runF func(*verifyOptions) error) *cobra.Command {
	o := &verifyOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "verify-email USER_ID",
		Short: "Send an unverified account its verification email",
		Long: `Ask Auth0 to send the account USER_ID its verification email again (a
verification-email job). Once the person follows the link, the email counts as
verified, and a group that needs verification can be linked without overriding
the unverified-email check. An account whose email is verified already is
refused (exit 3): there is nothing to send.

When other accounts share the account's email, the dry run and the question
say how many: anyone reading that inbox gets the email.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing. The audit log records the job.`,
		Example: `  linkdesk verify-email auth0|672614a0b1c2d3e4f5061728
  linkdesk verify-email auth0|672614a0b1c2d3e4f5061728 --reason "ZD-88 asked again" --force`,
		Args: userIDArgs(1, 0),
		RunE: runArgs(o, &o.cmdEnv, runF, runVerify, &o.UserID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	cmd.Flags().StringVar(&o.ClientID, "app-client-id", "", "the application whose email settings and links the email uses (its client id)")
	return cmd
}

func runVerify(o *verifyOptions) error {
	return o.withAccounts([]string{o.UserID}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		u := users[0]
		op, err := linking.PlanVerifyEmail(u, linking.VerifyOptions{ClientID: o.ClientID}, o.Reason)
		if err != nil {
			return commandError(err)
		}
		a := linking.AccountFromUser(u, conns)
		id := a.PrimaryIdentifier(conns)
		note, err := sharedInbox(o.ctx, s, u, conns, "the email, whose link verifies the email of")
		if err != nil {
			return commandError(err)
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, s.NamedPlan(conns, users, op), confirmation{
			question: fmt.Sprintf("Send the verification email of %s (%s %s) to %s?", printableName(u.UserID), id.Type, printableName(id.Value), printableName(u.Email)),
			note:     note,
		})
	})
}
