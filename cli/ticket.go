package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
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

--ttl sets how long the link works, in whole seconds, at least one (the
tenant's default without it); --app-client-id sends the person to that
application's login once the password is set, or --result-url to a page (an
absolute http or https URL); --mark-email-verified marks the email verified
when the link is used.

--client-id is not the ticket's application: as on every command, it is the
client id of linkdesk's own credentials (AUTH0_CLIENT_ID). The application
the person lands on is --app-client-id. A --client-id that would go unused
(the credentials are an API token, or --demo's) is refused (exit 2).

Auth0 sends no email for a ticket: the URL is printed here only, for you to
give the person. When other accounts share the account's email, the dry run,
the question and the result say how many: sent to that inbox, the link
reaches everyone who reads it and sets this account's password, so give it
to that person by a channel only they read.

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
			case o.TTL == 0 && cmd.Flags().Changed("ttl"):
				// Auth0 reads 0 as its default, not as "no expiry" or "at once".
				return usageErrorf("--ttl 0: at least a second; leave --ttl out for the tenant's default")
			case o.TTL%time.Second != 0:
				return usageErrorf("--ttl %s: a whole number of seconds (Auth0 takes seconds)", o.TTL)
			}
			if o.ResultURL != "" || cmd.Flags().Changed("result-url") {
				if err := checkResultURL(o.ResultURL); err != nil {
					return err
				}
			}
			if err := refuseUnusedClientID(g); err != nil {
				return err
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runTicket)
		},
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	f := cmd.Flags()
	f.Var(lifetimeValue{&o.TTL}, "ttl", "how long the link works, e.g. 30m, 48h or 7d (default: the tenant's)")
	f.StringVar(&o.AppClient, "app-client-id", "", "the application whose login the person lands on once the password is set")
	f.StringVar(&o.ResultURL, "result-url", "", "the page the person lands on once the password is set")
	f.BoolVar(&o.Verified, "mark-email-verified", false, "mark the email verified when the link is used")
	return cmd
}

// CheckNotDatabase refuses a password-change ticket for an account whose
// password its identity provider keeps.
const CheckNotDatabase = "not_a_database_account"

func runTicket(o *ticketOptions) error {
	return hintAppClientID(o.g, o.withAccounts([]string{o.UserID}, func(s *session.Session, conns *linking.Connections, users []client.User) error {
		if a := linking.AccountFromUser(users[0], conns); a.Strategy != client.StrategyAuth0 {
			return commandError(&linking.SafetyError{Check: CheckNotDatabase, UserIDs: []string{o.UserID},
				Reason: fmt.Sprintf("no password-change ticket for %s: %s", printableName(o.UserID), linking.NoTicketReason(printableName(a.Connection), a.Strategy))})
		}
		op, err := linking.PlanTicket(users[0], client.TicketOptions{
			TTLSec: int(o.TTL.Seconds()), ClientID: o.AppClient, ResultURL: o.ResultURL, MarkEmailVerified: o.Verified,
		}, o.Reason)
		if err != nil {
			return commandError(err)
		}
		// Auth0 sends nothing: the URL comes back here alone, and the
		// operator sends it on. An inbox other accounts share is the one
		// place it must not go (tester: "anyone reading that inbox gets the
		// link" had Auth0 send it there).
		shared, err := readSharedEmail(o.ctx, s, conns, 0, users[0])
		if err != nil {
			return commandError(err)
		}
		note := ""
		if len(shared.others) > 0 {
			note = shared.note("Auth0 sends nothing, and the ticket's URL is shown only here; " + shared.ticketInbox())
		}
		p := s.NamedPlan(conns, users, op)
		ok, err := showAndConfirm(o.ctx, o.io, o.writeFlags, p, ahead(confirmation{
			question: fmt.Sprintf("Make a password-change ticket for %s?", describeUser(users[0], conns)), note: note,
		}, s, p))
		if err != nil || !ok {
			return err
		}
		res, err := s.Apply(o.ctx, p, session.ApplyOptions{})
		if err != nil {
			return reportRun(o.io, o.writeFlags, s, res, err) // what became of it, as every write says
		}
		url := res.Steps[0].Ticket
		// What to do with it, as the question said, on stderr: stdout
		// keeps the URL for a script.
		said := "Auth0 sent nothing: this URL is shown only here. Give it to the person by a channel you trust; it works once."
		if len(shared.others) > 0 {
			said = fmt.Sprintf("Auth0 sent nothing: this URL is shown only here. %d other %s the email %s: %s; it works once.",
				len(shared.others), plural(len(shared.others), "account shares", "accounts share"), printableName(shared.email), shared.ticketInbox())
		}
		if o.JSON {
			// The warning goes with the URL as data (tester: a script
			// forwarding it never saw that the inbox is shared).
			out := ticketJSON{Ticket: url, UserID: o.UserID, OpID: res.Steps[0].OpID, Note: said}
			if len(res.AuditLogs) > 0 {
				out.AuditLog = res.AuditLogs[0]
			}
			if len(shared.others) > 0 {
				out.SharedEmail = &sharedEmailJSON{Email: shared.email, Accounts: len(shared.others), Others: otherNameList(shared.email, shared.others)}
			}
			if err := writeJSON(o.io.Out, out); err != nil {
				return err
			}
			fmt.Fprintln(o.io.ErrOut, said)
			return nil
		}
		for _, log := range res.AuditLogs {
			fmt.Fprintf(o.io.Out, "Audit log: %s (it records the request, never the URL)\n", printableName(log))
		}
		// Named as the plan names it: a family member or a legacy profile
		// by its username beside its user id.
		fmt.Fprintf(o.io.Out, "Password-change ticket for %s:\n%s\n", printableName(p.Operations[0].Named(o.UserID)), printableName(url))
		fmt.Fprintln(o.io.ErrOut, said)
		return nil
	}))
}

// ticketJSON is what ticket --json prints of the ticket made.
type ticketJSON struct {
	Ticket   string `json:"ticket"`
	UserID   string `json:"user_id"`
	OpID     string `json:"op_id,omitempty"`     // its audit record's
	AuditLog string `json:"audit_log,omitempty"` // which records the request, never the URL
	// SharedEmail: other accounts share the email, whose inbox the URL
	// must not go to.
	SharedEmail *sharedEmailJSON `json:"shared_email,omitempty"`
	Note        string           `json:"note"` // what stderr says of where the URL goes
}

type sharedEmailJSON struct {
	Email    string   `json:"email"`
	Accounts int      `json:"accounts"` // the other accounts that share it
	Others   []string `json:"others"`   // them, by primary identifier and user id
}

// refuseUnusedClientID refuses (a usage error) a --client-id that the
// credentials leave unused: on a ticket it was surely meant as the
// application's, which --app-client-id names.
func refuseUnusedClientID(g *globalOptions) error {
	if g.ClientID == "" {
		return nil
	}
	cfg := g.config(false)
	with := ""
	switch {
	case cfg.Sandbox:
		with = "--demo, whose sandbox has credentials of its own"
	case cfg.APIToken != "":
		with = "an API token (AUTH0_API_TOKEN or --api-token)"
	default:
		return nil
	}
	return usageErrorf("--client-id %s is the client id of linkdesk's credentials, unused with %s; the application the person lands on once the password is set is --app-client-id %s",
		quoteArg(g.ClientID), with, quoteArg(g.ClientID))
}

// hintAppClientID adds to the tenant refusing linkdesk's credentials, when
// --client-id was given on a ticket's command line, that the application's
// id is --app-client-id.
func hintAppClientID(g *globalOptions, err error) error {
	if g.ClientID == "" || err == nil {
		return err
	}
	var ce *session.CredentialsError
	if !errors.As(session.Explain(err), &ce) {
		return err
	}
	ce.Hint = fmt.Sprintf("--client-id %s is the client id of those credentials; the application a ticket sends the person to is --app-client-id %s",
		quoteArg(g.ClientID), quoteArg(g.ClientID))
	code := exitFailure
	if ee := (*exitError)(nil); errors.As(err, &ee) {
		code = ee.code
	}
	return &exitError{code: code, err: ce}
}

// checkResultURL refuses (a usage error) a --result-url Auth0 could not
// send a person to, by the rule the TUI's field keeps too
// (linking.CheckResultURL).
func checkResultURL(raw string) error {
	if err := linking.CheckResultURL(raw); err != nil {
		return usageErrorf("--result-url %s %v", quoteArg(raw), err)
	}
	return nil
}

// sharedInbox is the note a verification email of u needs when other
// accounts share its email: how many, and that whoever reads that inbox
// gets what Auth0 sends there (gets: "the email, whose link verifies the
// email of"), naming u by its primary identifier, as the terminal UI does
// ("" when no other account shares it). It reads the accounts of u's email
// (users-by-email). A ticket sends nothing: runTicket says so.
func sharedInbox(ctx context.Context, s *session.Session, u client.User, conns *linking.Connections, gets string) (string, error) {
	shared, err := readSharedEmail(ctx, s, conns, 0, u)
	if err != nil || len(shared.others) == 0 {
		return "", err
	}
	return shared.note(fmt.Sprintf("anyone reading that inbox gets %s %s alone", gets, shared.names[0])), nil
}

// ticketInbox says, of a ticket for the first of the accounts whose email
// others share, what the link would do sent to that inbox, and where it
// goes instead, as the undo's ticket of a family member says it.
func (sh sharedEmail) ticketInbox() string {
	whose := "the password of " + sh.names[0]
	if !strings.Contains(sh.names[0], " ") { // no user id beside it
		whose = sh.names[0] + "'s password"
	}
	return "sent to that inbox, it reaches everyone who reads it and sets " + whose + ": give it to that person by a channel only they read"
}

// sharedEmail is what a write on some accounts says of the others that
// share their email.
type sharedEmail struct {
	email  string             // the email, as the account it was read from holds it
	others []*linking.Account // the accounts that share it, but those the write is on
	names  []string           // the write's accounts, as the terminal UI names them (printable)
}

// readSharedEmail reads the accounts that share the email of users[from],
// in any case (users-by-email), with what names them in their group
// (linking.NamedBy: the primary identifier, or the username of a legacy
// profile), and names each of users by it where it tells it apart from the
// others, else by it and its user id. Nothing when users[from] has no
// email.
func readSharedEmail(ctx context.Context, s *session.Session, conns *linking.Connections, from int, users ...client.User) (sharedEmail, error) {
	var out sharedEmail
	accts := make([]*linking.Account, len(users))
	for i, u := range users {
		a := linking.AccountFromUser(u, conns)
		a.Identifier = a.PrimaryIdentifier(conns)
		accts[i] = &a
	}
	if accts[from].Email == "" {
		return out, nil
	}
	found, err := sharingEmail(ctx, s, *accts[from])
	if err != nil {
		return out, err
	}
	out.email = accts[from].Email
	for _, x := range found {
		if !slices.ContainsFunc(accts, func(a *linking.Account) bool { return a.UserID == x.UserID }) {
			out.others = append(out.others, x)
		}
	}
	all := append(slices.Clone(out.others), accts...)
	// Each account is named as its group names it (linking.NamedBy): a
	// legacy custom database's profiles of one email by the username that
	// tells them apart, as a family's members are by theirs.
	if named := linking.NamedBy(&linking.Group{Accounts: all}); named != nil {
		for i, a := range all {
			a.Identifier = named[i]
		}
	}
	for _, a := range accts {
		name := tui.AccountLabel(a.Identifier, a.UserID)
		if linking.TellsApart(a, all) {
			name = a.Identifier.Value
		}
		out.names = append(out.names, printableName(name))
	}
	return out, nil
}

// note is the note saying how many other accounts share the email, naming
// them by primary identifier, then what the write does (printable).
func (sh sharedEmail) note(does string) string {
	return fmt.Sprintf("Note: %d other %s the email %s (%s): %s.",
		len(sh.others), plural(len(sh.others), "account shares", "accounts share"), printableName(sh.email), printableName(otherNames(sh.email, sh.others)), does)
}

// otherNames lists the accounts sharing email by primary identifier and
// user id (by user id alone where the identifier is that email again).
func otherNames(email string, others []*linking.Account) string {
	return strings.Join(otherNameList(email, others), ", ")
}

// otherNameList is otherNames, one name an account.
func otherNameList(email string, others []*linking.Account) []string {
	names := make([]string, len(others))
	for i, x := range others {
		names[i] = tui.AccountLabel(x.Identifier, x.UserID)
		if strings.EqualFold(strings.TrimSpace(x.Identifier.Value), strings.TrimSpace(email)) {
			names[i] = x.UserID
		}
	}
	return names
}

// lifetimeValue is --ttl: what the TUI's lifetime field takes (a Go
// duration, or whole days: "7d"; linking.ParseTicketLifetime). A Go
// duration it refuses (0, negative, a fraction of a second) is kept for
// the command's own checks to say why.
type lifetimeValue struct{ d *time.Duration }

func (v lifetimeValue) Set(s string) error {
	d, err := linking.ParseTicketLifetime(s)
	if err != nil {
		var perr error
		if d, perr = time.ParseDuration(s); perr != nil {
			return err
		}
	}
	*v.d = d
	return nil
}

func (v lifetimeValue) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return v.d.String()
}

func (lifetimeValue) Type() string { return "duration" }
