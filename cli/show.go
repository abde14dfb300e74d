package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
)

type showOptions struct {
	cmdEnv

	Query string
	JSON  bool
}

func newShowCmd(g *globalOptions, io *streams, runF func(*showOptions) error) *cobra.Command {
	o := &showOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "show QUERY",
		Short: "Show any account, found by email, user id, username or phone",
		Long: `Find accounts without an export and show each as the tenant holds it now:
profile, primary identifier, identities, user_metadata and app_metadata,
roles, organizations, blocked state, logins, and the accounts it shares its
email with (its group), if any.

QUERY is an email (any case: every account sharing it is shown), a user id
(an identity linked into another account shows that account), a username or
a phone number (+14155550123; typed without its country code, as
"(415) 555-0123", it matches the numbers that end so). Exit 1 when nothing
matches; of an account linkdesk deleted (its audit log holds the deletion,
and the user id, username, phone number or email it had), it says when, by
whom, and the op_id ` + "`linkdesk undo`" + ` takes to undo it (--json: "deleted", and
"also_deleted" when the query names several); of an identity that was linked into it, once
that undo made the account again but not the identity, it says so, and what
brings the identity back ("made_again", "waits_for_login").`,
		Example: `  linkdesk show isabella.novak138@proton.me
  linkdesk show william.muller1368
  linkdesk show 'auth0|6ae57e7159247d216a3783d4' --json`,
		Args: showArgs,
		RunE: runArgs(o, &o.cmdEnv, runF, runShow, &o.Query),
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print {query, found_by, accounts: [...]} as JSON")
	return cmd
}

// showArgs takes one query, refusing an empty one before the tenant is
// opened: it is a usage error (exit 2), not an account that was not found.
func showArgs(cmd *cobra.Command, args []string) error {
	if err := argCount(1)(cmd, args); err != nil {
		return err
	}
	q := strings.TrimSpace(args[0])
	switch {
	case q == "":
		return usageErrorf("the query is empty: type an email, a user id, a username or a phone number; usage: linkdesk %s", cmd.Use)
	case len(q) > session.FindQueryLength:
		return usageErrorf("a query of %d bytes is no identifier (at most %d): type an email, a user id, a username or a phone number", len(q), session.FindQueryLength)
	}
	return nil
}

func runShow(o *showOptions) error {
	return o.withSession(func(s *session.Session) error {
		found, err := s.Find(o.ctx, o.Query)
		if err != nil {
			return commandError(err)
		}
		var accounts []*session.Account
		for _, u := range found.Users {
			a, err := s.ReadAccount(o.ctx, u.UserID)
			if err != nil {
				return commandError(err)
			}
			accounts = append(accounts, a)
		}
		var deleted []*session.Deletion // none matches: linkdesk's deletions of the accounts the query names, if it made any
		if len(accounts) == 0 {
			deleted = s.DeletionsOf(found.Query)
		}
		if o.JSON {
			out := showJSON{Query: found.Query, FoundBy: found.By, Accounts: []accountJSON{}}
			for i, d := range deleted {
				if i == 0 {
					out.Deleted = toDeletedJSON(d)
				} else {
					out.AlsoDeleted = append(out.AlsoDeleted, toDeletedJSON(d))
				}
			}
			for _, a := range accounts {
				j := accountToJSON(a)
				j.MatchedNumberEnd = found.EndsOnly(a.User)
				if m := found.LinkedMatch(a.User); m.Name != "" {
					j.MatchedLinkedIdentity = m.Identity.Provider + "|" + m.Identity.UserID
					j.MatchedNumberEnd = j.MatchedNumberEnd || m.EndsOnly
				}
				out.Accounts = append(out.Accounts, j)
			}
			if err := writeJSON(o.io.Out, out); err != nil {
				return err
			}
		} else {
			for i, a := range accounts {
				if i > 0 {
					fmt.Fprintln(o.io.Out)
				}
				if found.EndsOnly(a.User) {
					fmt.Fprintf(o.io.Out, "%s only ends with the digits typed: check its country code.\n", printableName(a.User.PhoneNumber))
				}
				if m := found.LinkedMatch(a.User); m.Name != "" { // its user id, its id without the provider, its username, its number
					fmt.Fprintln(o.io.Out, m.Sentence(printableName, found.Query, "the account below"))
				}
				writeAccount(o.io.Out, a)
			}
		}
		if len(accounts) == 0 {
			// Said on stderr with --json too: stdout holds the JSON alone.
			fmt.Fprintf(o.io.ErrOut, "No account matches %s (looked up by %s).\n", printableName(found.Query), found.By)
			for _, d := range deleted {
				fmt.Fprintln(o.io.ErrOut, deletedText(found.Query, d))
			}
			return &exitError{code: exitFailure}
		}
		return nil
	})
}

type showJSON struct {
	Query    string        `json:"query"`
	FoundBy  string        `json:"found_by"`
	Accounts []accountJSON `json:"accounts"`
	// Deleted (added) is linkdesk's deletion of the account the query
	// names (by user id, username, phone number or email), when no account
	// matches and this tenant's audit logs hold one done (not undone
	// since); the newest, when the query names several accounts deleted
	// (an email a family shared), the others in AlsoDeleted.
	Deleted     *deletedJSON   `json:"deleted,omitempty"`
	AlsoDeleted []*deletedJSON `json:"also_deleted,omitempty"`
}

// deletedJSON is a deletion linkdesk made, as show --json points to it.
type deletedJSON struct {
	UserID   string    `json:"user_id"` // the account deleted: the one queried, or the account it was linked into
	OpID     string    `json:"op_id"`
	At       auth0Time `json:"at"`
	Operator string    `json:"operator,omitempty"`
	Undo     string    `json:"undo"` // the command that undoes it
	// MadeAgain (added) is the call of its undo that made user_id again,
	// when the query is an identity that was linked into it and that the
	// undo brought back neither as an account nor linked.
	MadeAgain *callJSON `json:"made_again,omitempty"`
	// WaitsForLogin (added): that identity comes back only at the person's
	// next login with it (Auth0 makes it then); Undo links it back after
	// that, and until then is refused (not_undoable_now).
	WaitsForLogin bool `json:"waits_for_login,omitempty"`
}

// callJSON names one call of the audit log.
type callJSON struct {
	OpID     string    `json:"op_id"`
	At       auth0Time `json:"at"`
	Operator string    `json:"operator,omitempty"`
}

func toDeletedJSON(d *session.Deletion) *deletedJSON {
	out := &deletedJSON{UserID: d.Deleted(), OpID: d.OpID, At: auth0Time(d.Time), Operator: d.Operator,
		Undo: "linkdesk undo " + d.OpID, WaitsForLogin: d.WaitsForLogin}
	if m := d.MadeAgain; m != nil {
		out.MadeAgain = &callJSON{OpID: m.OpID, At: auth0Time(m.Time), Operator: m.Operator}
	}
	return out
}

// deletedText says that linkdesk deleted the account query names (d),
// when and by whom, and what undoes it; of an identity that was linked
// into it, what its undo made again since, and what brings the identity
// back.
func deletedText(query string, d *session.Deletion) string {
	deleted := printableName(d.Deleted())
	if n := d.Names[d.Deleted()]; n != "" {
		deleted += " (" + printableName(n) + ")"
	}
	named := d.Named != query // by its username, phone, email, or id without its provider
	var what string
	switch {
	case d.Named == d.Deleted() && named:
		what = fmt.Sprintf("%s named %s, which linkdesk deleted", printableName(query), deleted)
	case d.Named == d.Deleted():
		what = "linkdesk deleted it"
	case named: // an identity linked into the account deleted
		what = fmt.Sprintf("%s named %s, an identity linked into %s, which linkdesk deleted with it", printableName(query), printableName(d.Named), deleted)
	default:
		what = fmt.Sprintf("It was linked into %s, which linkdesk deleted with it", deleted)
	}
	text := fmt.Sprintf("%s on %s (op_id %s)", what, callTime(d.Call), d.OpID)
	m := d.MadeAgain
	if m == nil {
		return fmt.Sprintf("%s: `linkdesk undo %s` undoes the deletion.", text, d.OpID)
	}
	text += fmt.Sprintf("; its undo made %s again on %s (op_id %s), but not this identity", printableName(d.Deleted()), callTime(*m), m.OpID)
	if d.WaitsForLogin {
		provider, _, _ := strings.Cut(d.Named, "|")
		return fmt.Sprintf("%s: Auth0 alone makes a %s identity again, at the person's next login with it, as an account of its own; after that login, `linkdesk undo %s` links it back into %s.",
			text, printableName(provider), d.OpID, printableName(d.Deleted()))
	}
	return fmt.Sprintf("%s, which it could not make again: `linkdesk undo %s` (without --force) says what stands in the way, and makes it again and links it back into %s once nothing does.",
		text, d.OpID, printableName(d.Deleted()))
}

// callTime is when c was made, and by whom, as show says it.
func callTime(c session.Call) string {
	at := c.Time.UTC().Format("2006-01-02 15:04:05Z")
	if c.Operator != "" {
		at += ", by " + printableName(c.Operator)
	}
	return at
}

type identifierJSON struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type accountJSON struct {
	UserID           string `json:"user_id"`
	MatchedNumberEnd bool   `json:"matched_number_end,omitempty"` // found by the end of its phone number only
	// MatchedLinkedIdentity is the identity linked into the account that the
	// query named (by its username, phone number or bare id), when not the
	// account itself.
	MatchedLinkedIdentity string                `json:"matched_linked_identity,omitempty"`
	PrimaryIdentifier     identifierJSON        `json:"primary_identifier"`
	Connection            string                `json:"connection"`
	Strategy              string                `json:"strategy"`
	Email                 string                `json:"email,omitempty"`
	EmailVerified         bool                  `json:"email_verified"`
	Username              string                `json:"username,omitempty"`
	PhoneNumber           string                `json:"phone_number,omitempty"`
	Name                  string                `json:"name,omitempty"`
	Blocked               bool                  `json:"blocked"`
	LoginsCount           int64                 `json:"logins_count"`
	LastLogin             *auth0Time            `json:"last_login,omitempty"`
	CreatedAt             *auth0Time            `json:"created_at,omitempty"`
	Identities            []identityJSON        `json:"identities"`
	UserMetadata          map[string]any        `json:"user_metadata"`
	AppMetadata           map[string]any        `json:"app_metadata"`
	Roles                 []client.Role         `json:"roles"`
	RolesError            string                `json:"roles_error,omitempty"`
	Organizations         []client.Organization `json:"organizations"`
	OrgsError             string                `json:"organizations_error,omitempty"`
	Group                 *groupJSON            `json:"group"`
}

type identityJSON struct {
	Provider   string `json:"provider"`
	UserID     string `json:"user_id"`
	Connection string `json:"connection"`
	Linked     bool   `json:"linked"`
	// PrimaryIdentifier is who a linked identity was on its connection,
	// from its old profile (a family member's username).
	PrimaryIdentifier *identifierJSON `json:"primary_identifier,omitempty"`
}

type groupJSON struct {
	Email              string   `json:"email"`
	Class              string   `json:"class"`
	MissedByExtension  bool     `json:"missed_by_extension"`
	RecommendedPrimary string   `json:"recommended_primary,omitempty"`
	Accounts           []string `json:"accounts"`
	Reasons            []string `json:"reasons"`
}

// auth0Time is a timestamp written as Auth0 and scan --json write it: UTC
// with milliseconds (2020-01-01T00:00:00.000Z).
type auth0Time time.Time

func (t auth0Time) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 26), '"')
	b = linking.AppendAuth0Time(b, time.Time(t))
	return append(b, '"'), nil
}

func timePtr(t time.Time) *auth0Time {
	if t.IsZero() {
		return nil
	}
	return (*auth0Time)(&t)
}

func accountToJSON(a *session.Account) accountJSON {
	u := a.User
	acc := linking.AccountFromUser(u, a.Conns)
	id := acc.PrimaryIdentifier(a.Conns)
	j := accountJSON{
		UserID: u.UserID, PrimaryIdentifier: identifierJSON{id.Type, id.Value}, Connection: acc.Connection, Strategy: acc.Strategy,
		Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username, PhoneNumber: u.PhoneNumber, Name: u.Name,
		Blocked: u.Blocked, LoginsCount: u.LoginsCount, LastLogin: timePtr(u.LastLogin), CreatedAt: timePtr(u.CreatedAt),
		Identities: []identityJSON{}, UserMetadata: orEmptyObject(u.UserMetadata), AppMetadata: orEmptyObject(u.AppMetadata),
		Roles: a.Roles, Organizations: a.Orgs,
	}
	if j.Roles == nil {
		j.Roles = []client.Role{}
	}
	if j.Organizations == nil {
		j.Organizations = []client.Organization{}
	}
	if a.RolesErr != nil {
		j.RolesError = a.RolesErr.Error()
	}
	if a.OrgsErr != nil {
		j.OrgsError = a.OrgsErr.Error()
	}
	for i, ident := range u.Identities {
		ij := identityJSON{Provider: ident.Provider, UserID: ident.UserID, Connection: ident.Connection, Linked: i > 0}
		if i > 0 && i-1 < len(acc.Linked) {
			id := acc.Linked[i-1].PrimaryIdentifier(a.Conns)
			ij.PrimaryIdentifier = &identifierJSON{id.Type, id.Value}
		}
		j.Identities = append(j.Identities, ij)
	}
	if g := a.Group; g != nil && len(g.Accounts) > 1 {
		gj := &groupJSON{Email: g.Email, Class: string(g.Class), MissedByExtension: g.MissedByExtension,
			RecommendedPrimary: g.RecommendedPrimary, Reasons: g.Reasons}
		for _, x := range g.Accounts {
			gj.Accounts = append(gj.Accounts, x.UserID)
		}
		j.Group = gj
	}
	return j
}

func orEmptyObject(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// writeAccount prints one account for a person; every tenant string is made
// printable, metadata is indented JSON with what a terminal would act on
// escaped.
func writeAccount(w io.Writer, a *session.Account) {
	u := a.User
	acc := linking.AccountFromUser(u, a.Conns)
	id := acc.PrimaryIdentifier(a.Conns)
	if g := a.Group; g != nil {
		for _, x := range g.Accounts {
			if x.UserID == u.UserID {
				if un, ok := linking.UsernameTellsApart(g, x); ok {
					id = un // a legacy database's profiles of one email
				}
			}
		}
	}
	p := printableName
	line := func(k, v string) { fmt.Fprintf(w, "  %-13s %s\n", k, v) }
	fmt.Fprintf(w, "%s (%s %s)\n", p(u.UserID), p(id.Type), p(id.Value))
	line("connection", p(acc.Connection)+" ("+p(acc.Strategy)+")")
	if u.Email != "" {
		v := "not verified"
		if u.EmailVerified {
			v = "verified"
		}
		line("email", p(u.Email)+" ("+v+")")
	}
	if u.Username != "" {
		line("username", p(u.Username))
	}
	if u.PhoneNumber != "" {
		line("phone", p(u.PhoneNumber))
	}
	if u.Name != "" {
		line("name", p(u.Name))
	}
	line("logins", fmt.Sprintf("%s, last %s", linking.Logins(u.LoginsCount), linking.LastLoginDay(u.LoginsCount, u.LastLogin)))
	if !u.CreatedAt.IsZero() {
		line("created", u.CreatedAt.UTC().Format(time.DateOnly))
	}
	line("blocked", fmt.Sprint(u.Blocked))
	for i, ident := range u.Identities {
		what, name := "own", ""
		if i > 0 {
			what = "linked"
			if id, ok := linkedIdentifier(acc, i-1, a.Conns); ok {
				name = " (" + p(id.Type) + " " + p(id.Value) + ")"
			}
		}
		line("identity", fmt.Sprintf("%s|%s%s on %s (%s)", p(ident.Provider), p(ident.UserID), name, p(ident.Connection), what))
	}
	line("roles", namesOr(a.RolesErr, len(a.Roles), func(i int) string { return a.Roles[i].Name }))
	line("organizations", namesOr(a.OrgsErr, len(a.Orgs), func(i int) string { return a.Orgs[i].Label() }))
	switch g := a.Group; {
	case a.GroupErr != nil:
		line("group", "could not be read: "+terminalText(a.GroupErr.Error()))
	case u.Email == "":
		line("group", "none: the account has no email, so it is in no group")
	case linking.NormalizeEmail(u.Email) == "":
		line("group", "none: its email holds a character lost when it was decoded (U+FFFD), so it is grouped with no other account")
	case g == nil || len(g.Accounts) < 2:
		line("group", "none: no other account has this email")
	default:
		var others []string
		for _, x := range g.Accounts {
			if x.UserID != u.UserID {
				xid := x.Identifier
				if un, ok := linking.UsernameTellsApart(g, x); ok {
					xid = un
				}
				others = append(others, x.UserID+" ("+xid.Value+")")
			}
		}
		line("group", fmt.Sprintf("%s, %s, with %s", p(g.Email), g.Class, p(strings.Join(others, ", "))))
	}
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, u.UserMetadata}, {linking.FieldAppMetadata, u.AppMetadata}} {
		fmt.Fprintf(w, "  %s:\n", f.name)
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(orEmptyObject(f.v))
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", termsafe.DisplayJSON([]byte(l)))
		}
	}
}

// linkedIdentifier is the primary identifier of the i-th identity linked
// into acc, from its old profile, when it tells who that identity was: not
// when it is only the identity's user id, or the account's own email again.
func linkedIdentifier(acc linking.Account, i int, conns *linking.Connections) (linking.PrimaryIdentifier, bool) {
	if i >= len(acc.Linked) {
		return linking.PrimaryIdentifier{}, false
	}
	id := acc.Linked[i].PrimaryIdentifier(conns)
	switch {
	case id.Value == "" || id.Type == linking.IdentifierUserID:
		return id, false
	case id.Type == linking.IdentifierEmail && strings.EqualFold(strings.TrimSpace(id.Value), strings.TrimSpace(acc.Email)):
		return id, false
	}
	return id, true
}

func namesOr(err error, n int, name func(int) string) string {
	if err != nil {
		return "could not be read: " + terminalText(err.Error())
	}
	if n == 0 {
		return "none"
	}
	names := make([]string, n)
	for i := range names {
		names[i] = printableName(name(i))
	}
	return strings.Join(names, ", ")
}
