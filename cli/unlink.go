package cli

import (
	"fmt"
	"strings"
	"unicode"

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
		Long: `Detach the identity PROVIDER|USER_ID from PRIMARY. It comes back as an account
of its own, with its old profile and no metadata, roles or organization
memberships: what it held, and what its link carried over to PRIMARY, stays
with PRIMARY. When linkdesk made that link, the dry run says so: its undo
(linkdesk undo OP_ID) gives the account back what it held, and takes from
PRIMARY what the link gave it.

USER_ID is the identity's id without its provider prefix (101202303404505606707),
or with PROVIDER's own (google-oauth2|101202303404505606707); the user id of
another provider's identity is a usage error (exit 2), as an empty argument is,
said before anything is read (of an enterprise provider, once the tenant's
connections are): it names the unlink of either identity it may mean.

Without --force it prints the exact call it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk unlink auth0|60d5ec49f1a2b3c4d5e6f708 google-oauth2 101202303404505606707`,
		Args:    unlinkArgs,
		RunE:    runArgs(o, &o.cmdEnv, runF, runUnlink, &o.Primary, &o.Provider, &o.UserID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	return cmd
}

// unlinkArgs takes PRIMARY (a user id), PROVIDER and USER_ID, none empty,
// PROVIDER a provider's name (google-oauth2, not google-oauth2|1088…).
func unlinkArgs(cmd *cobra.Command, args []string) error {
	if err := userIDArgs(3, 0)(cmd, args); err != nil {
		return err
	}
	if p := args[1]; strings.Contains(p, "|") || strings.ContainsFunc(p, unicode.IsSpace) || strings.Contains(p, "@") {
		return usageErrorf("PROVIDER %s is not a provider: it is the identity's provider alone (google-oauth2, github, auth0, …), and USER_ID its id; usage: linkdesk %s", quoteArg(p), cmd.Use)
	}
	if err := checkSpaced(args[2]); err != nil {
		return err
	}
	// Another of Auth0's own providers' prefix is known before anything is
	// read; one of the tenant's (an enterprise connection's) once its
	// connections are (runUnlink).
	return identityPrefixError(args[0], args[1], args[2], auth0Provider)
}

func runUnlink(o *unlinkOptions) error {
	return o.withAccounts([]string{o.Primary}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		if err := checkIdentityPrefix(users[0], conns, o.Provider, o.UserID); err != nil {
			return err
		}
		// The identity as a user id (google-oauth2|1088…), as show and the
		// audit log print it, names the same identity: Auth0's link takes
		// both forms.
		o.UserID = strings.TrimPrefix(o.UserID, o.Provider+"|")
		op, err := linking.PlanUnlink(users[0], o.Provider, o.UserID, o.Reason)
		if err != nil {
			return commandError(err)
		}
		// Linked by linkdesk: its notes say what the link gave the primary,
		// which stays there, and that the link's undo gives it back.
		if by, ok := s.LinkedBy(users[0])[op.Secondary]; ok {
			linking.NoteLinkedBy(&op, by)
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, s.NamedPlan(conns, users, op), confirmation{
			question: fmt.Sprintf("Unlink %s from %s?", printableName(o.Provider+"|"+o.UserID), describeUser(users[0], conns)),
		})
	})
}

// checkIdentityPrefix refuses (a usage error) a USER_ID that is the user id
// of another provider's identity (unlink P auth0 google-oauth2|1088…): USER_ID
// is the identity's id without its provider prefix, or with PROVIDER's own.
// An identity id may hold a | of its own (an enterprise identity's
// acme-corp|x@y.com): one the primary holds under PROVIDER, or whose part
// before the | names no provider of the tenant, is left to the plan.
func checkIdentityPrefix(primary client.User, conns *linking.Connections, provider, userID string) error {
	for _, id := range primary.Identities {
		if id.Provider == provider && id.UserID == userID {
			return nil
		}
	}
	return identityPrefixError(primary.UserID, provider, userID, func(name string) bool { return isProvider(name, primary, conns) })
}

// identityPrefixError is the usage error of a USER_ID whose prefix is
// another provider than PROVIDER, as isProvider knows providers; nil when
// USER_ID has no prefix, PROVIDER's own, or one isProvider does not know.
// Which of the two the operator meant, it cannot tell (a user id pasted
// with the wrong PROVIDER, or the right PROVIDER with another identity's
// id): it names the command for each, and show, which lists what is
// linked into primary.
func identityPrefixError(primary, provider, userID string, isProvider func(string) bool) error {
	prefix, rest, ok := strings.Cut(userID, "|")
	if !ok || prefix == provider || rest == "" || !isProvider(prefix) {
		return nil
	}
	return usageErrorf("USER_ID %s is a %s user id, and PROVIDER is %s: USER_ID is the identity's id without its provider prefix (or with PROVIDER's own). "+
		"To unlink %s: linkdesk unlink %s %s %s; to unlink %s: linkdesk unlink %s %s %s (linkdesk show %s lists the identities linked into it)",
		quoteArg(userID), quoteArg(prefix), quoteArg(provider),
		quoteArg(userID), quoteArg(primary), quoteArg(prefix), quoteArg(rest),
		quoteArg(provider+"|"+rest), quoteArg(primary), quoteArg(provider), quoteArg(rest), quoteArg(primary))
}

// auth0Provider reports whether name is the provider of Auth0's own
// identities: a database, a passwordless or a social connection's.
func auth0Provider(name string) bool {
	return name == client.StrategyAuth0 || name == "sms" || name == "email" || linking.IsSocialStrategy(name)
}

// isProvider reports whether name is the provider of an identity: of one
// of the tenant's connections, of one of primary's identities, or of
// Auth0's own (a database, a passwordless or a social connection).
func isProvider(name string, primary client.User, conns *linking.Connections) bool {
	if auth0Provider(name) {
		return true
	}
	for _, id := range primary.Identities {
		if id.Provider == name {
			return true
		}
	}
	for _, c := range conns.Known() {
		if conn, ok := conns.ByName(c); ok && conn.Provider == name {
			return true
		}
	}
	return false
}
