package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type deleteOptions struct {
	cmdEnv

	UserID string
	writeFlags
}

func newDeleteCmd(g *globalOptions, io *streams, runF func(*deleteOptions) error) *cobra.Command {
	o := &deleteOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "delete USER_ID",
		Short: "Delete one account, backed up first",
		Long: `Delete the account USER_ID. The full user object is written to the backup
directory first; without a backup nothing is deleted. Deleting a primary also
deletes every identity linked into it: the dry run lists them. Deleting the
newer of two duplicates also ends its sessions, so the person signs in again
with the account that stays.

Without --force it prints the exact call it would make; on a terminal it then
asks you to type the account's primary identifier (or its user id), and
without one it changes nothing.`,
		Example: `  linkdesk delete google-oauth2|108812345678901234567`,
		Args:    userIDArgs(1, 0),
		RunE:    runArgs(o, &o.cmdEnv, runF, runDelete, &o.UserID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	return cmd
}

func runDelete(o *deleteOptions) error {
	return o.withAccounts([]string{o.UserID}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		u := users[0]
		a := linking.AccountFromUser(u, conns)
		a.Identifier = a.PrimaryIdentifier(conns)
		c := confirmation{
			typed:  []string{u.UserID},
			prompt: fmt.Sprintf("This deletes %s for good.\nType its user id to confirm", describeUser(u, conns)),
		}
		// Its identifier confirms too where it names this account alone:
		// never the email it shares with others (a family, a duplicate).
		others, err := sharingEmail(o.ctx, s, a)
		if err != nil {
			return commandError(err)
		}
		id, tells := a.Identifier, linking.TellsApart(&a, others)
		if !tells {
			// A legacy database's profiles of one email: the username.
			id, tells = linking.UsernameTellsApart(&linking.Group{Accounts: append(others, &a)}, &a)
		}
		if tells {
			c.typed = []string{id.Value, u.UserID}
			c.prompt = fmt.Sprintf("This deletes %s for good.\nType its %s (%s) or its user id to confirm",
				describeUser(u, conns), strings.ReplaceAll(id.Type, "_", " "), printableName(id.Value))
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, s.NamedPlan(conns, users, linking.PlanDelete(u, o.Reason)), c)
	})
}

// sharingEmail reads the other accounts that share a's email, in any case
// (users-by-email, consistent), with their primary identifiers.
func sharingEmail(ctx context.Context, s *session.Session, a linking.Account) ([]*linking.Account, error) {
	if a.Email == "" {
		return nil, nil
	}
	found, err := s.Find(ctx, a.Email)
	if err != nil {
		return nil, err
	}
	var others []*linking.Account
	for _, u := range found.Users {
		if u.UserID != a.UserID {
			x := linking.AccountFromUser(u, found.Conns)
			x.Identifier = x.PrimaryIdentifier(found.Conns)
			others = append(others, &x)
		}
	}
	return others, nil
}
