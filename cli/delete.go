package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
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
		p := s.NamedPlan(conns, users, linking.PlanDelete(u, o.Reason))
		// What the deletion destroys, as the terminal UI's dialog shows it:
		// said before the question, from the account as read for it.
		access, accessErr := s.Access(o.ctx, u.UserID)
		var held *linking.Access
		if a, ok := access[u.UserID]; ok && accessErr == nil {
			held = &a
		}
		c.note = destroyedText(u, conns, held, accessErr)
		if undo, err := undoOfDeletion(o.ctx, s, conns, p, u, held); err == nil && len(undo.Ops) == 0 && len(undo.Notes) > 0 {
			// Linking's undo re-creates nothing of this account (a social or
			// enterprise one): said plainly, then in the undo's own words.
			nothing := "nothing back"
			if len(u.Linked()) > 0 {
				nothing += ", not even the identities linked into it,"
			}
			c.note += fmt.Sprintf("\nIts undo can bring %s until the person logs in with this %s account again; `linkdesk undo` would say:", nothing, printableName(u.Connection()))
			for _, n := range undo.Notes {
				c.note += "\n  " + terminalText(n)
			}
		}
		return carryOut(o.ctx, o.io, s, o.writeFlags, p, c)
	})
}

// destroyedText says what deleting u destroys besides its profile: its
// metadata (the keys, never their values), its roles and organization
// memberships (held; readErr: they could not be read), its block, and the
// identities linked into it, as the terminal UI's delete dialog lists them.
func destroyedText(u client.User, conns *linking.Connections, held *linking.Access, readErr error) string {
	var b strings.Builder
	b.WriteString("Deleting it destroys on the tenant (the backup keeps a copy):")
	line := func(k, v string) { fmt.Fprintf(&b, "\n  %-14s %s", k, v) }
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, u.UserMetadata}, {linking.FieldAppMetadata, u.AppMetadata}} {
		line(f.name, metadataKeys(f.v))
	}
	var roles, orgs []string
	if held != nil {
		for _, r := range held.Roles {
			roles = append(roles, r.Name)
		}
		for _, o := range held.Organizations {
			orgs = append(orgs, o.Label())
		}
	}
	line("roles", namesOr(readErr, len(roles), func(i int) string { return roles[i] }))
	line("organizations", namesOr(readErr, len(orgs), func(i int) string { return orgs[i] }))
	if u.Blocked {
		line("blocked", "yes: the account is blocked")
	}
	// Which no undo gives back: the account comes back created anew.
	line("login history", printableName(linking.LoginHistory(u))+" (no undo gives it back: the account comes back created anew)")
	linked := u.Linked()
	line("linked", namesOr(nil, len(linked), func(i int) string {
		return tui.IdentityLabel(linked[i], conns, u.Email) + " on " + linked[i].Connection
	}))
	if len(linked) > 0 {
		fmt.Fprintf(&b, " (%s deleted with it)", plural(len(linked), "it is", "they are"))
	}
	return b.String()
}

// maxKeysNamed is how many metadata keys destroyedText names before it
// counts the rest.
const maxKeysNamed = 12

// metadataKeys names the keys of a metadata object, sorted, never their
// values: "none", or "3 keys: plan, roles, theme".
func metadataKeys(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	named := keys[:min(len(keys), maxKeysNamed)]
	for i, k := range named {
		named[i] = printableName(k)
	}
	text := fmt.Sprintf("%d %s: %s", len(keys), plural(len(keys), "key", "keys"), strings.Join(named, ", "))
	if more := len(keys) - len(named); more > 0 {
		text += fmt.Sprintf(", and %d more", more)
	}
	return text
}

// undoOfDeletion is what `linkdesk undo` would plan right after p (the
// deletion of u, holding held) were carried out: linking's own undo of it,
// from a backup of u as read now, on the tenant as the deletion leaves it
// (u and the identities linked into it gone), so that the dry run says
// what the undo would, in its words. It only reads.
func undoOfDeletion(ctx context.Context, s *session.Session, conns *linking.Connections, p *linking.Plan, u client.User, held *linking.Access) (*linking.UndoPlan, error) {
	if len(p.Operations) != 1 || len(u.Raw) == 0 {
		return nil, errors.New("no deletion of a user read by id")
	}
	op := p.Operations[0]
	backup := &audit.Backup{Users: map[string]json.RawMessage{u.UserID: u.Raw}}
	if held != nil {
		backup.Access = map[string]json.RawMessage{u.UserID: linking.MustJSON(held)}
	}
	src := linking.UndoSource{PlanID: p.ID, Op: op, Done: map[string]bool{}, Unknown: map[string]bool{}, Backups: map[string]*audit.Backup{}}
	for _, st := range op.Steps {
		src.Done[st.ID], src.Backups[st.ID] = true, backup
	}
	gone := []string{u.UserID}
	for _, id := range u.Linked() {
		gone = append(gone, id.Provider+"|"+id.UserID)
	}
	return linking.PlanUndo(ctx, deletedFrom{Tenant: s.Tenant, gone: gone}, src, linking.UndoRequest{Conns: conns})
}

// deletedFrom is a tenant read as a deletion would leave it: the users gone
// are not found (a 404, as the tenant answers), whatever else is read as it is.
type deletedFrom struct {
	client.Tenant
	gone []string
}

func (t deletedFrom) User(ctx context.Context, id string) (client.User, error) {
	if slices.Contains(t.gone, id) {
		return client.User{}, &client.Error{Method: "GET", Path: "/api/v2/users/" + id, StatusCode: http.StatusNotFound, Code: "inexistent_user", Message: "The user does not exist."}
	}
	return t.Tenant.User(ctx, id)
}

func (t deletedFrom) UsersByEmail(ctx context.Context, email string) ([]client.User, error) {
	users, err := t.Tenant.UsersByEmail(ctx, email)
	return slices.DeleteFunc(users, func(u client.User) bool { return slices.Contains(t.gone, u.UserID) }), err
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
