package views

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/termsafe"
	"github.com/linkdesk/linkdesk/tui"
)

// DeleteDialog deletes one account: it reads the account by id with its
// roles, organizations and the accounts sharing its email, shows everything
// the deletion destroys (metadata, roles, memberships, linked identities)
// and where the backup goes, warns when the account is the group's
// recommended primary or holds linked identities, and asks the operator to
// type what names that one account: its primary identifier where no other
// account of the group shares it, else its user id (the user id is always
// accepted). enter with anything else does nothing.
type DeleteDialog struct {
	c      *tui.Common
	email  string
	userID string

	reading
	acct    *tui.Account
	readErr error
	op      *linking.Operation
	typed   tui.TextField
	scroll  int
	// scanned names the account as its group did when the dialog opened: a
	// read that finds it gone has the scan forget it.
	scanned string

	writeDialog
}

// TypesText: every key types into what names the account (or the reason),
// ? included once something is typed.
func (d *DeleteDialog) TypesText() bool { return true }

// FieldEmpty: nothing typed yet of what names the account, where ? opens
// help (tui.EmptyField); never while the reason is edited.
func (d *DeleteDialog) FieldEmpty() bool { return !d.reason.Editing() && d.typed.Value == "" }

// NewDeleteDialog opens the delete dialog for an account of a group.
func NewDeleteDialog(c *tui.Common, email, userID string) *DeleteDialog {
	return &DeleteDialog{c: c, email: email, userID: userID, writeDialog: writeDialog{reason: tui.NewReason(defaultDeleteReason(c, email, userID))}}
}

// defaultDeleteReason prefills the reason the deletion of userID records:
// nothing it does not know. Only a link candidate's group is one person's
// accounts, a duplicate among them; a family's or a shop's members, the
// profiles of one email in one database (legacy duplicate), and the
// accounts of a group that is mixed or waits for a verification are no
// duplicates anyone has shown: the reason says the group's class as what
// it is, and of an account that shares its email with others of its own
// connection (a family member, a legacy profile), that it does.
func defaultDeleteReason(c *tui.Common, email, userID string) string {
	i, ok := c.Data.Find(email)
	if !ok || len(c.Data.Groups[i].Accounts) < 2 {
		return "account deleted in the linkdesk TUI"
	}
	g := c.Data.Groups[i]
	switch g.Class {
	case linking.ClassLinkCandidate:
		return "duplicate account (" + tui.ClassName(g.Class) + "), deleted in the linkdesk TUI"
	case linking.ClassSharedByDesign:
		return "account deleted in the linkdesk TUI (its email is shared by design)"
	}
	if a := accountByID(g, userID); a != nil {
		n := 0
		for _, x := range g.Accounts {
			if x.Connection == a.Connection {
				n++
			}
		}
		if n > 1 {
			return fmt.Sprintf("account deleted in the linkdesk TUI (one of %d accounts of its connection sharing its email; its group: %s)", n, tui.ClassName(g.Class))
		}
	}
	return "account deleted in the linkdesk TUI (its email's group: " + tui.ClassName(g.Class) + ")"
}

func (d *DeleteDialog) Init() tea.Cmd {
	if a, g := d.c.Data.Account(d.userID); a != nil {
		d.scanned = tui.NameIn(g, a)
	}
	return d.startRead(d.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.ReadAccount(d.c.Ctx, task, d.userID) })
}

func (d *DeleteDialog) Title() string { return "Delete" }

// Unsaved names what leaving loses: the identifier half typed.
func (d *DeleteDialog) Unsaved() string {
	if !d.exec.started && d.typed.Value != "" {
		return "the delete dialog (what you typed)"
	}
	return ""
}

// Typed is what the operator has typed so far (tests).
func (d *DeleteDialog) Typed() string { return d.typed.Value }

func (d *DeleteDialog) Help() []tui.HelpGroup {
	k := d.c.Keys
	if !d.exec.started && d.acct == nil && !d.loading { // gone, or unreadable: nothing to delete
		return []tui.HelpGroup{{Title: "Delete", Bindings: []keyBinding{withHelp(k.Back, "esc", "back")}}}
	}
	if d.refused() { // refused ahead: nothing to type
		return d.help(k, "Delete", "back", withHelp(k.Back, "esc", "back"), withHelp(k.Up, "↑/↓", "scroll"))
	}
	enter := "delete once it is typed"
	if d.loading {
		enter = "delete once read" // not before it shows what it destroys
	}
	return d.help(k, "Delete", "back", withHelp(k.Submit, "enter", enter),
		withHelp(k.Back, "esc", "cancel"), k.Clear, k.Reason, withHelp(k.Up, "↑/↓", "scroll"))
}

// group is the account's group as just read, else as the scan has it.
func (d *DeleteDialog) group() *linking.Group {
	if d.acct != nil && d.acct.Group != nil {
		return d.acct.Group
	}
	i, ok := d.c.Data.Find(d.email)
	if !ok {
		return nil
	}
	return d.c.Data.Groups[i]
}

// account is the account to delete as its group lists it.
func (d *DeleteDialog) account() *linking.Account {
	if g := d.group(); g != nil {
		if a := accountByID(g, d.userID); a != nil {
			return a
		}
	}
	if d.acct != nil {
		a := linking.AccountFromUser(d.acct.User, d.acct.Conns)
		a.Identifier = a.PrimaryIdentifier(d.acct.Conns)
		return &a
	}
	return nil
}

// Accepted is what the operator may type: the primary identifier where it
// tells this account apart in its group, else a username that does (a
// legacy custom database's profiles of one email), where it can be typed;
// then the user id.
func (d *DeleteDialog) Accepted() []string {
	var out []string
	a := d.account()
	if u, ok := tui.UsernameIn(d.group(), a); ok && typeable(u.Value) {
		out = append(out, u.Value)
	} else if a != nil && tui.UniqueIn(d.group(), a) && typeable(a.Identifier.Value) {
		out = append(out, a.Identifier.Value)
	}
	return append(out, d.userID)
}

// Expected is the first of Accepted: what the dialog asks for.
func (d *DeleteDialog) Expected() string { return d.Accepted()[0] }

func typeable(s string) bool {
	return s != "" && termsafe.Sanitize(s) == s && !strings.ContainsAny(s, "\t\n")
}

func (d *DeleteDialog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	return d, dialogUpdate(msg, &d.reading, d.tookAccount, &d.exec, &d.hint, d.key)
}

// What the dialog says of enter pressed before the account was read: at
// once, and once it is read (a read answered just after the enter would
// otherwise take the word away before the operator saw it). That enter
// never deletes: it came before the screen showed what the deletion
// destroys.
const (
	notReadYet     = "Still reading the account: nothing was deleted. enter deletes once this shows what the deletion destroys."
	readSinceEnter = "The enter pressed while the account was read deleted nothing: look at what it destroys, then enter deletes."
)

// typesWhileReading says where keys go while the account is read.
const typesWhileReading = "Keys type what names the account; enter waits until this shows what the deletion destroys."

// tookAccount takes the account read, plans its deletion, and checks
// ahead what that would be refused for before its first call.
func (d *DeleteDialog) tookAccount(msg tui.AccountMsg) tea.Cmd {
	d.readErr, d.acct = msg.Err, msg.Account
	if msg.Err != nil || msg.Account == nil {
		if d.hint == notReadYet {
			d.hint = "" // the screen says why there is nothing to delete
		}
		return nil
	}
	if d.hint == notReadYet {
		d.hint = readSinceEnter // read now: that enter still deleted nothing
	}
	ops := []linking.Operation{linking.PlanDelete(msg.Account.User, "")}
	linking.NameAccounts(ops, []client.User{msg.Account.User}, msg.Account.Conns)
	op := ops[0]
	op.Group = d.email
	if g := d.group(); g != nil {
		op.Reasons = g.Reasons
	}
	d.op = &op
	return d.exec.ahead.Check(d.c, []linking.Operation{op})
}

// Paste goes to the reason while it is edited, else to the identifier
// typed to confirm (a user id copied from a ticket names the account as
// well as typing it does); nothing once the deletion started.
func (d *DeleteDialog) Paste(text string) {
	switch {
	case d.exec.started:
	case d.reason.Editing():
		d.reason.Paste(text)
	default:
		d.typed.Paste(text)
	}
}

func (d *DeleteDialog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.Keys
	if d.takeKey(k, keys) || arrowScroll(k, &d.scroll) {
		return nil
	}
	switch {
	case tui.Matches(k, keys.Back):
		return d.c.Close(d)
	case tui.Matches(k, keys.Submit):
		typed := strings.TrimSpace(d.typed.Value)
		accepted := false
		for _, a := range d.Accepted() {
			accepted = accepted || typed == a
		}
		switch {
		case d.op == nil && d.readErr != nil:
			d.hint = "There is nothing to delete (see above); esc goes back."
		case d.op == nil:
			d.hint = notReadYet
		case d.exec.ahead.Blocked() != "":
			d.hint = d.exec.ahead.Blocked()
		case !accepted:
			d.hint = "That does not name this account: type " + d.askFor() + " exactly, or esc to cancel."
		default:
			op := *d.op
			op.Reason = d.reason.Value()
			name, short := d.userID, d.userID
			if a := d.account(); a != nil {
				name, short = tui.NameIn(d.group(), a), tui.ShortNameIn(d.group(), a)
			}
			d.exec.short = "delete " + tui.Fit(short, labelName)
			return d.exec.start(d.c, "delete "+tui.Fit(name, labelName), d.email, []linking.Operation{op})
		}
	case d.refused():
		d.hint = d.exec.ahead.Blocked() // nothing to type
	default:
		d.typed.Update(k, keys)
	}
	return nil
}

// askFor says what to type, in words.
func (d *DeleteDialog) askFor() string {
	if len(d.Accepted()) == 1 {
		return "its user id"
	}
	if _, ok := tui.UsernameIn(d.group(), d.account()); ok {
		return "its username or its user id"
	}
	return "its " + strings.ReplaceAll(d.account().Identifier.Type, "_", " ") + " or its user id"
}

func (d *DeleteDialog) View() string {
	c, s := d.c, d.c.Styles
	w := c.Width
	name := cmp.Or(d.scanned, d.userID)
	if a := d.account(); a != nil {
		name = tui.NameIn(d.group(), a)
	}
	// The account whole, over two lines where one does not hold it.
	title := titleLines("Delete ", name, w, 2, s.Danger.Render)
	head := func() []string { return append(slices.Clone(title), "") }
	switch {
	case d.exec.started:
		return strings.Join(append(head(), d.exec.view(c, "Deleting", c.Height-len(title)-1)...), "\n")
	case d.loading:
		return strings.Join(append(head(), d.readingLines(w)...), "\n")
	case client.IsNotFound(d.readErr):
		gone := tui.Wrap("No account has this user id now: it was deleted, or linked into another account. There is nothing to delete. If linkdesk did it, the audit log (3, after esc) lists it.", w, 0)
		return strings.Join(append(append(head(), gone...), "", s.Dim.Render("esc goes back.")), "\n")
	case d.readErr != nil:
		return strings.Join(append(append(head(), hanging(s.Bad.Render("✗ "), d.readErr.Error(), w, 6, nil)...), "", s.Dim.Render("esc goes back.")), "\n")
	}
	var ask []string
	if d.refused() {
		ask = d.exec.ahead.Lines(s, w) // in place of what to type
	} else {
		ask = append(ask, tui.Wrap("To delete, type "+d.askFor()+", then enter:", w, 0)...)
		for _, a := range d.Accepted() {
			ask = append(ask, "  "+s.Title.Render(tui.Fit(a, w-2)))
		}
		ask = append(ask, "> "+d.typed.View(s, w-4))
	}
	if d.hint != "" {
		ask = append(ask, sentence(s.Warn.Render, d.hint, w)...)
	}
	bottom := d.warningLines(w)
	// The reason whole while what the deletion destroys keeps 4 lines in
	// view; else on one line.
	reason := d.reason.Lines(s, w)
	switch {
	case d.refused() && !d.reason.Editing():
		reason = nil // no reason to give
	case c.Height-len(title)-len(bottom)-len(reason)-len(ask)-1 < 4:
		reason = []string{d.reason.View(s, w)}
	}
	bottom = append(append(bottom, reason...), ask...)
	shown := scrollPane(s, d.destroyedLines(w), &d.scroll, max(c.Height-len(title)-len(bottom)-1, 2), "↓")
	out := append(slices.Clone(title), shown...)
	out = append(out, "")
	return strings.Join(append(out, bottom...), "\n")
}

// readingLines are the dialog while it reads the account: keys already
// type what names it (or the reason, after tab), so the field shows what
// went in, and the hint what enter did (nothing, said in words).
func (d *DeleteDialog) readingLines(w int) []string {
	s := d.c.Styles
	out := append(tui.Wrap("Reading the account by id, with its roles and organizations…", w, 0), "")
	out = append(out, d.reason.Lines(s, w)...)
	if !d.reason.Editing() {
		out = append(out, sentence(s.Dim.Render, typesWhileReading, w)...)
		out = append(out, "> "+d.typed.View(s, w-4))
	}
	if d.hint != "" {
		out = append(out, sentence(s.Warn.Render, d.hint, w)...)
	}
	return out
}

// destroyedLines list what the deletion destroys on the tenant.
func (d *DeleteDialog) destroyedLines(w int) []string {
	s := d.c.Styles
	u := d.acct.User
	label := func(k, v string) string { return "  " + s.Header.Render(tui.Pad(k, 14)) + v }
	out := []string{s.Danger.Render("Deleting it destroys:")}
	// The account whole, wrapped under its label: the last login is what
	// tells a forgotten account from one in use; its creation date, what
	// an undo cannot give back with them (it makes the account anew).
	history := fmt.Sprintf("%s, last %s", linking.Logins(u.LoginsCount), linking.LastLoginDay(u.LoginsCount, u.LastLogin))
	if !u.CreatedAt.IsZero() {
		history += ", created " + string(linking.AppendDate(nil, u.CreatedAt))
	}
	account := tui.Wrap(fmt.Sprintf("%s on %s, %s", u.UserID, u.Connection(), history), max(w-16, 10), 0)
	out = append(out, label("the account", account[0]))
	for _, l := range account[1:] {
		out = append(out, "  "+strings.Repeat(" ", 14)+l)
	}
	if u.Email != "" {
		out = append(out, label("email", tui.Fit(u.Email, w-32)+verifiedMark(s, u.EmailVerified)))
	}
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, u.UserMetadata}, {linking.FieldAppMetadata, u.AppMetadata}} {
		if len(f.v) == 0 {
			out = append(out, label(f.name, s.Dim.Render("none")))
			continue
		}
		text := jsonText(f.v)
		lines := tui.WrapCall(text, max(w-16, 10), 3) // after a "," or "/": a value stays whole where it fits
		out = append(out, label(f.name, lines[0]))
		for _, l := range lines[1:] {
			out = append(out, "  "+strings.Repeat(" ", 14)+l)
		}
	}
	out = append(out, label("roles", rolesText(s, d.acct, w-16)))
	out = append(out, label("memberships", orgsText(s, d.acct, w-16)))
	if u.Blocked {
		out = append(out, label("blocked", s.Warn.Render("yes: the account is blocked")))
	}
	if op := d.op; op != nil && len(op.Cascade) > 0 {
		out = append(out, label("linked", s.Danger.Render(fmt.Sprintf("%d %s deleted with it:", len(op.Cascade), tui.Plural(len(op.Cascade), "identity", "identities")))))
		for _, id := range u.Linked() {
			out = append(out, "    • "+tui.Fit(tui.IdentityLabel(id, d.acct.Conns, u.Email)+" on "+id.Connection, w-6))
		}
	} else {
		out = append(out, label("linked", s.Dim.Render("no identity is linked into it")))
	}
	out = append(out, "")
	out = append(out, tui.Wrap("The full user object is backed up first, to "+filepath.Join(d.c.Backend.BackupDir(), "<time>-delete-<id>.json")+
		", and the audit log records who deleted it and why.", w, 3)...)
	if recreated, text := d.undoText(); recreated { // else a warning under the list says it
		out = append(out, tui.Wrap(text, w, 0)...)
	}
	if op := d.op; op != nil {
		out = append(out, callLines(s, s.Dim.Render("call: "), report.CallText(op.Steps[0].Call), w)...)
	}
	return out
}

// undoText says what U in the audit log can do for this account once it
// is deleted (deletionUndo), with the identities linked into it that the
// undo links back. recreated reports which.
func (d *DeleteDialog) undoText() (recreated bool, text string) {
	u := d.acct.User
	acc := linking.AccountFromUser(u, d.acct.Conns)
	recreated, text = deletionUndo(d.acct.Conns, u.Connection(), acc.Strategy)
	if n := len(u.Linked()); n > 0 {
		when := "The undo also links back"
		if !recreated {
			when = "Once it is back, the undo also links back"
		}
		text += fmt.Sprintf(" %s the %d %s linked into it (deleted with it): those of a database connection made again first, the others once they exist again, after a login.",
			when, n, tui.Plural(n, "identity", "identities"))
	}
	if !recreated && u.Blocked {
		// Auth0 makes it again from the identity provider, unblocked.
		text += " It is blocked, and comes back unblocked: deleting it lets whoever signs in with it in again (U, after that login, blocks it again)."
	}
	return recreated, text
}

// deletionUndo says what U in the audit log can do for an account of this
// connection once it is deleted, by its kind (linking's undo of a
// deletion): a database or passwordless account is re-created from its
// backup; a social or enterprise one only Auth0 makes again, at its next
// login. recreated reports which. Without the tenant's connections the
// account's strategy tells the kind. The one wording of it, for the delete
// dialog and the group left with no account.
func deletionUndo(conns *linking.Connections, connection, strategy string) (recreated bool, text string) {
	database, passwordless := strategy == "auth0", strategy == "email" || strategy == "sms"
	if conns != nil {
		conn, known := conns.ByName(connection)
		database = known && !conn.Inferred && conn.IsDatabase
		passwordless = known && !conn.Inferred && (conn.Strategy == "email" || conn.Strategy == "sms")
	}
	switch {
	case database:
		return true, "U in the audit log re-creates this database account from its backup with the same user id, profile, metadata, roles and memberships, but as a new account: created then, with no login count or last login, and without its password or its sessions (the undo makes a password-change ticket for a new password)."
	case passwordless:
		return true, "U in the audit log re-creates this passwordless account from its backup with the same user id, profile, metadata, roles and memberships, but as a new account: created then, with no login count or last login, and without its sessions."
	}
	return false, "⚠ Undo cannot re-create this account: only Auth0 makes it again, from " + connection + " at its next login, with a new profile and no login history. Until then U in the audit log does nothing; after it, U gives back its metadata, roles and memberships from the backup."
}

// warningLines say when deleting this account costs more than one account.
func (d *DeleteDialog) warningLines(w int) []string {
	s := d.c.Styles
	var out []string
	g, u := d.group(), d.acct.User
	if g != nil && g.RecommendedPrimary == d.userID && len(g.Accounts) > 1 {
		out = append(out, tui.Wrap("⚠ This is the recommended primary of its group ("+linking.Logins(u.LoginsCount)+"): the account to keep. Link the others into it, or delete one of them instead.", w, 3)...)
	}
	if n := len(u.Linked()); n > 0 {
		out = append(out, tui.Wrap(fmt.Sprintf("⚠ It holds %d linked %s: %s deleted with it, and the person behind %s loses that way in.",
			n, tui.Plural(n, "identity", "identities"), tui.Plural(n, "it is", "they are"), tui.Plural(n, "it", "each")), w, 3)...)
	}
	if recreated, text := d.undoText(); !recreated { // whole, always in view: it says what cannot come back
		out = append(out, tui.Wrap(text, w, 0)...)
	}
	for i := range out {
		out[i] = s.Danger.Render(out[i])
	}
	return out
}

// rolesText lists an account's roles by name, or why they are not known.
func rolesText(s *tui.Styles, a *tui.Account, w int) string {
	names := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		names[i] = r.Name
	}
	return namesText(s, a.RolesErr, names, w)
}

// orgsText lists an account's organizations by name, or why they are not known.
func orgsText(s *tui.Styles, a *tui.Account, w int) string {
	names := make([]string, len(a.Orgs))
	for i, o := range a.Orgs {
		names[i] = o.Label()
	}
	return namesText(s, a.OrgsErr, names, w)
}

func namesText(s *tui.Styles, err error, names []string, w int) string {
	switch {
	case err != nil:
		return s.Warn.Render("could not be read: ") + tui.Fit(err.Error(), w-20)
	case len(names) == 0:
		return s.Dim.Render("none")
	}
	return tui.Fit(strings.Join(names, ", "), w)
}
