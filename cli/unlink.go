package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type unlinkOptions struct {
	cmdEnv

	Primary, Provider, UserID string
	writeFlags
}

func newUnlinkCmd(g *globalOptions, io *streams, runF func(*unlinkOptions) error) *cobra.Command {
	o := &unlinkOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "unlink PRIMARY PROVIDER USER_ID",
		Short: "Detach a linked identity from its primary account",
		Long: `Detach the identity PROVIDER|USER_ID (USER_ID with or without the provider
prefix) from PRIMARY. It comes back as an account of its own, with its old profile and
no metadata.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk unlink auth0|60d5ec49f1a2b3c4d5e6f708 google-oauth2 101202303404505606707`,
		Args:    userIDArgs(3, 0),
		RunE:    runArgs(o, &o.cmdEnv, runF, runUnlink, &o.Primary, &o.Provider, &o.UserID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	return cmd
}

func runUnlink(o *unlinkOptions) error {
	// The identity as a user id (google-oauth2|1088…), as show and the audit
	// log print it, names the same identity: Auth0's link takes both forms.
	o.UserID = strings.TrimPrefix(o.UserID, o.Provider+"|")
	return o.withAccounts([]string{o.Primary}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		op, err := linking.PlanUnlink(users[0], o.Provider, o.UserID, o.Reason)
		if err != nil {
			return commandError(err)
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, s.NamedPlan(conns, users, op), confirmation{
			question: fmt.Sprintf("Unlink %s from %s?", printableName(o.Provider+"|"+o.UserID), describeUser(users[0], conns)),
		})
	})
}
