package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/session"
)

type linkOptions struct {
	cmdEnv

	Primary, Secondary string
	writeFlags
	NoMergeMetadata      bool
	AllowUnverified      bool
	AllowDifferentEmails bool
}

func newLinkCmd(g *globalOptions, io *streams, runF func(*linkOptions) error) *cobra.Command {
	o := &linkOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "link PRIMARY SECONDARY",
		Short: "Link one account into another from the server side",
		Long: `Link SECONDARY into PRIMARY (user ids, e.g. auth0|63ea… and google-oauth2|1088…).

Linking discards the secondary's user_metadata and app_metadata, so they are
merged into the primary first (primary wins on conflicts, arrays unioned),
unless --no-merge-metadata. Both accounts are backed up before any call.

Refused (exit 3) when the two accounts share no email (unless
--allow-different-emails: a mistyped id would merge two people), when an
email is not verified (unless --allow-unverified), when both accounts share
a Non-Unique Emails connection, when one is blocked and the other is not,
when the secondary has linked identities of its own, or when either account
is missing.

Without --force it prints the exact calls it would make; on a terminal it then
asks, and without one it changes nothing. The calls run under a journal: if
they are cut off, ` + "`linkdesk resume`" + ` settles them.`,
		Example: `  linkdesk link auth0|63ea1f0b2c8d4e5f60718293 google-oauth2|108812345678901234567
  linkdesk link auth0|63ea… google-oauth2|1088… --reason "ticket #4411" --force`,
		Args: userIDArgs(2, 0, 1),
		RunE: runArgs(o, &o.cmdEnv, runF, runLink, &o.Primary, &o.Secondary),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	f := cmd.Flags()
	f.BoolVar(&o.NoMergeMetadata, "no-merge-metadata", false, "do not merge the secondary's metadata into the primary (it is lost; the backup keeps it)")
	f.BoolVar(&o.AllowUnverified, "allow-unverified", false, "link although an email is not verified (the audit log names the override)")
	f.BoolVar(&o.AllowDifferentEmails, "allow-different-emails", false, "link two accounts that share no email, once you know they are one person (the audit log names the override)")
	return cmd
}

func runLink(o *linkOptions) error {
	return o.withAccounts([]string{o.Primary, o.Secondary}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		access, err := s.Access(o.ctx, o.Primary, o.Secondary)
		if err != nil {
			return commandError(err)
		}
		ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{
			AllowUnverified: o.AllowUnverified, AllowDifferentEmails: o.AllowDifferentEmails,
			NoMergeMetadata: o.NoMergeMetadata, Reason: o.Reason, Access: access,
		})
		if se, ok := linking.AsSafetyError(err); ok && linkOverrides[se.Check] != "" {
			se.Reason += " (" + linkOverrides[se.Check] + " does, on the record)"
		}
		if err != nil {
			return commandError(err)
		}
		note, err := familyNote(o.ctx, s, conns, users)
		if err != nil {
			return commandError(err)
		}
		// What the primary gains besides the metadata, said where the
		// question is answered.
		fate := "The secondary stops being an account of its own."
		if g := report.Gains(ops); g != "" {
			fate = "The secondary stops being an account of its own; the primary gains " + printableName(g) + ", carried over before the link ends them."
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, s.NamedPlan(conns, users, ops...), confirmation{
			question: fmt.Sprintf("Link %s\n  into %s?\n%s", describeUser(users[1], conns), describeUser(users[0], conns), fate),
			note:     note,
		})
	})
}

// linkOverrides are the flags that override a link's checks.
var linkOverrides = map[string]string{
	linking.CheckUnverifiedEmail: "--allow-unverified",
	linking.CheckDifferentEmails: "--allow-different-emails",
}

// sharesEmails reports whether a's connection lets several accounts hold
// one email (Connection.SharesEmails).
func sharesEmails(a *linking.Account, conns *linking.Connections) bool {
	c, ok := conns.ByName(a.Connection)
	return ok && c.SharesEmails()
}

// familyNote is what a link of users[1] into users[0] says when it joins
// one member of a family that shares an email on a Non-Unique Emails
// connection (or one profile of a legacy database's): the link must join
// the right one, said as a ticket and a verification email say who else
// reads the inbox. The other accounts of one person's email are no
// family. Each account's own email is read (users-by-email): a family
// member linked out of its family, into an account of another email,
// leaves the others (a note for each such email, a line apart). "" when
// none. `link` and the undo that links an account back say it.
func familyNote(ctx context.Context, s *session.Session, conns *linking.Connections, users []client.User) (string, error) {
	var notes []string
	read := map[string]bool{}
	for i, u := range users {
		e := linking.NormalizeEmail(u.Email)
		if e == "" || read[e] {
			continue
		}
		read[e] = true
		shared, err := readSharedEmail(ctx, s, conns, i, users...)
		if err != nil {
			return "", err
		}
		if slices.ContainsFunc(shared.others, func(x *linking.Account) bool { return sharesEmails(x, conns) }) {
			notes = append(notes, shared.note(fmt.Sprintf("whoever signs in with %s gets into the account %s alone", shared.names[1], shared.names[0])))
		}
	}
	return strings.Join(notes, "\n"), nil
}
