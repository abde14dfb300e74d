package views

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
	"github.com/linkdesk/linkdesk/tui"
)

// Account shows one account as the tenant holds it now, read by id: its
// profile and primary identifier, every identity, its metadata as JSON,
// roles, organizations, blocked state, logins, and the group it shares an
// email with. From here it can be linked with another account, deleted,
// sent a password-change ticket or a verification email.
type Account struct {
	c      *tui.Common
	userID string

	reading
	acct    *tui.Account
	readErr error
	named   string // its name (name) as last read; an account deleted since has none
	scroll  int
	// waiting says why the last key did nothing (the read still runs),
	// on the status bar until the read answers or the next key.
	waiting string
}

// NewAccount opens the account with this user id.
func NewAccount(c *tui.Common, userID string) *Account { return &Account{c: c, userID: userID} }

func (a *Account) Init() tea.Cmd {
	return a.startRead(a.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.ReadAccount(a.c.Ctx, task, a.userID) })
}

func (a *Account) Capturing() bool { return false }

// Waiting is what the status bar says in place of the keys while a key
// waits on the read (tui.Waiting).
func (a *Account) Waiting() string { return a.waiting }

// Title names the account as the screen does, whole (the header cuts it to
// the room it has; help wraps it): the user id beside an identifier that
// other accounts share.
func (a *Account) Title() string {
	if a.acct == nil && a.named != "" { // gone since: as the screen names it
		return "Account " + tui.Fit(a.named, 200)
	}
	return "Account " + tui.Fit(a.name(), 200)
}

// Loaded is the account as read (tests); nil until the answer came.
func (a *Account) Loaded() *tui.Account { return a.acct }

// name names the account by its primary identifier where that tells it
// apart from the other accounts of its group, else with its user id beside
// it, as the screen's own title and the ticket dialog name it.
func (a *Account) name() string {
	if a.acct == nil {
		return a.userID
	}
	acc := linking.AccountFromUser(a.acct.User, a.acct.Conns)
	acc.Identifier = acc.PrimaryIdentifier(a.acct.Conns)
	if tui.UniqueIn(a.acct.Group, &acc) {
		return acc.Identifier.Value
	}
	return tui.AccountLabel(a.identifier(), acc.UserID)
}

// identifier is the identifier the account is named by: its primary one,
// or the username that tells it apart from the other profiles of its
// email on a legacy custom database (linking.UsernameTellsApart), as the
// group screen, the dialogs and the audit log name it.
func (a *Account) identifier() linking.PrimaryIdentifier {
	acc := linking.AccountFromUser(a.acct.User, a.acct.Conns)
	acc.Identifier = acc.PrimaryIdentifier(a.acct.Conns)
	if u, ok := tui.UsernameIn(a.acct.Group, &acc); ok {
		return u
	}
	return acc.Identifier
}

// FooterKeys are the account's keys in a few words each (l's saying what it
// links), so that every key that acts on it fits one line down to 80
// columns (the help's words left v out at 100): those help leaves on, in
// its order.
func (a *Account) FooterKeys() []keyBinding {
	short := map[string]string{"u": "unlink", "D": "delete", "t": "ticket", "v": "verify email", "enter": "its group", "y": "copy id"}
	var out []keyBinding
	for _, g := range a.Help() {
		for _, b := range g.Bindings {
			switch w, ok := short[b.Help().Key]; {
			case !b.Enabled():
			case b.Help().Key == "l" && a.group() != nil: // what l links: the group, in few words
				out = append(out, withHelp(b, "l", fmt.Sprintf("link the group (%d accounts)", len(a.group().Accounts))))
			case b.Help().Key == "l":
				out = append(out, b) // "link with another account"
			case ok:
				out = append(out, withHelp(b, b.Help().Key, w))
			}
		}
	}
	return out
}

func (a *Account) Help() []tui.HelpGroup {
	k := a.c.Keys
	back := withHelp(k.Back, "esc", "back")
	if a.acct == nil { // being read, gone, or unreadable: nothing to act on
		return []tui.HelpGroup{{Title: "Account", Bindings: []keyBinding{back}}}
	}
	open := withHelp(k.Open, "enter", "open its group")
	if a.group() == nil {
		open.SetEnabled(false)
		open.SetHelp("enter", "open its group (no other account has its email)")
	}
	link := withHelp(k.Link, "l", "link with another account")
	if g := a.group(); g != nil { // l opens the wizard of its group (key)
		link = withHelp(k.Link, "l", fmt.Sprintf("link the %d accounts of its group", len(g.Accounts)))
	}
	if off := linkOff(a.group()); off != nil && !a.c.ReadOnly {
		link.SetEnabled(false)
		link.SetHelp("l", off.link)
	}
	actions := []keyBinding{link, k.Unlink, k.Delete, k.Ticket, k.Verify}
	if a.c.ReadOnly {
		for i := range actions {
			actions[i].SetEnabled(false)
			actions[i].SetHelp(actions[i].Help().Key, actions[i].Help().Desc+" (off: read-only)")
		}
	} else {
		u := a.acct.User
		if len(u.Linked()) == 0 {
			actions[1].SetEnabled(false)
			actions[1].SetHelp("u", "unlink an identity (none is linked into it)")
		}
		if strategyOf(u, a.acct.Conns) != client.StrategyAuth0 {
			actions[3].SetEnabled(false)
			actions[3].SetHelp("t", "password ticket (database accounts only)")
		}
		if u.EmailVerified || u.Email == "" {
			actions[4].SetEnabled(false)
			actions[4].SetHelp("v", "send verification email (its email is verified)")
		}
	}
	return []tui.HelpGroup{
		{Title: "Account", Bindings: append(actions, open, k.Copy)},
		{Title: "Move", Bindings: []keyBinding{withHelp(k.Down, "j/k", "scroll"), k.PageDown, k.PageUp, withHelp(k.Bottom, "G", "end"), back}},
	}
}

func (a *Account) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.AccountMsg:
		if a.answered(msg.Task) {
			a.waiting = "" // the account shows: its keys act now
			if a.acct != nil {
				a.named = a.name()
			}
			a.acct, a.readErr = msg.Account, msg.Err
		}
	case tui.WriteDoneMsg:
		a.stale = a.stale || msg.Err == nil || a.acct != nil
	case tui.ActiveMsg:
		if a.stale {
			return a, a.Init() // what was done shows here at once
		}
	case tea.KeyPressMsg:
		a.waiting = ""
		return a, a.key(msg)
	}
	return a, nil
}

// group is the account's group when it shares its email with another.
func (a *Account) group() *linking.Group {
	if a.acct == nil || a.acct.Group == nil || len(a.acct.Group.Accounts) < 2 {
		return nil
	}
	return a.acct.Group
}

func (a *Account) key(k tea.KeyPressMsg) tea.Cmd {
	keys := a.c.Keys
	if scrollKey(k, keys, &a.scroll, a.c.Height-4) {
		return nil
	}
	if tui.Matches(k, keys.Undo) { // whatever the account: it undoes a recorded write
		return tui.Tell(undoElsewhere)
	}
	if a.acct == nil { // a key that acts on the account says why it does not, yet or at all
		switch {
		case !tui.Matches(k, keys.Open, keys.Link, keys.Unlink, keys.Delete, keys.Ticket, keys.Verify, keys.Copy, keys.ChoosePrimary):
			return nil
		case a.loading:
			// The key is not kept for later: a dialog opening on its own
			// once the read answers would take the keys typed meanwhile.
			a.waiting = "Still reading the account… press " + k.String() + " again once it shows"
			return nil
		case client.IsNotFound(a.readErr):
			return tui.ReportError(errors.New("nothing to act on: no account has this user id now (esc goes back)"))
		}
		return tui.ReportError(errors.New("nothing to act on: the account could not be read (esc goes back)"))
	}
	if a.loading && tui.Matches(k, keys.Open, keys.Link, keys.Unlink, keys.Delete, keys.Ticket, keys.Verify) {
		// Read again (a dialog on it may have found it gone): what is on
		// screen may be no more, and enter would put its group back.
		a.waiting = "Reading the account again… press " + k.String() + " again once it is read"
		return nil
	}
	if off := linkOff(a.group()); tui.Matches(k, keys.Link, keys.ChoosePrimary) && !a.c.ReadOnly && off != nil {
		return tui.ReportError(off.err) // no screen opens: nothing to read again after
	}
	cmd := a.action(k)
	if cmd != nil && tui.Matches(k, keys.Open, keys.Link, keys.Unlink, keys.Delete, keys.Ticket, keys.Verify) {
		// A screen or a dialog on it opens (or a refusal): whatever it finds
		// (the account deleted behind the UI's back, or changed by a write),
		// this screen shows it once on top again, read anew.
		a.stale = true
	}
	return cmd
}

// action is what a key does to the account shown.
func (a *Account) action(k tea.KeyPressMsg) tea.Cmd {
	keys := a.c.Keys
	u := a.acct.User
	g := a.group()
	switch {
	case tui.Matches(k, keys.Copy):
		return copyID(u.UserID)
	case tui.Matches(k, keys.Open):
		if g == nil {
			return tui.Tell("No other account has this email: it has no group.")
		}
		a.c.Data.Upsert(g)
		return tea.Batch(upsert(g), a.c.Open(NewDetailAt(a.c, g.Email, u.UserID)))
	case tui.Matches(k, keys.Writes()...) && a.c.ReadOnly:
		return tui.ReportError(errReadOnly) // p too: it chooses for a link, which is off
	case tui.Matches(k, keys.ChoosePrimary):
		// The wizard l opens lists the accounts to choose from; this screen
		// shows one.
		return tui.Tell("p chooses a link's primary in the link wizard: l opens it.")
	case tui.Matches(k, keys.Link):
		// The wizard (or the picker) takes the next keys at once: its group
		// is in the data before it opens, the others told after.
		if g != nil {
			a.c.Data.Upsert(g)
			return tea.Batch(upsert(g), a.c.Open(NewLinkWizard(a.c, g.Email, primaryFor(g, u.UserID))))
		}
		title := "Link " + tui.UserLabel(u, a.acct.Conns) + " with which account?"
		conns := a.acct.Conns
		return a.c.Open(NewPicker(a.c, title, func(other client.User, _ *linking.Connections) tea.Cmd {
			return pairWizard(a.c, u, other, conns)
		}))
	case tui.Matches(k, keys.Unlink):
		if len(u.Linked()) == 0 {
			return tui.ReportError(fmt.Errorf("%s has no linked identity to unlink", tui.Fit(a.name(), 60)))
		}
		return a.pushInGroup(func(email string) tui.Component { return NewUnlink(a.c, email, u.UserID) })
	case tui.Matches(k, keys.Delete):
		return a.pushInGroup(func(email string) tui.Component { return NewDeleteDialog(a.c, email, u.UserID) })
	case tui.Matches(k, keys.Ticket):
		return askTicket(a.c, u.UserID, u.Connection(), strategyOf(u, a.acct.Conns))
	case tui.Matches(k, keys.Verify):
		return askVerify(a.c, u.UserID, u.EmailVerified, u.Email)
	}
	return nil
}

// pushInGroup opens a dialog on this account, in the group of its email
// (put into the data first: it may have been read apart from the scan),
// or by its own email when no other account shares it.
func (a *Account) pushInGroup(dialog func(email string) tui.Component) tea.Cmd {
	if g := a.acct.Group; g != nil {
		a.c.Data.Upsert(g)
		return tea.Batch(upsert(g), a.c.Open(dialog(g.Email)))
	}
	return a.c.Open(dialog(linking.NormalizeEmail(a.acct.User.Email)))
}

// upsert puts a group read apart from the scan into the data, so that the
// screens that work on groups (detail, link, delete) find it.
func upsert(g *linking.Group) tea.Cmd {
	return func() tea.Msg { return tui.UpsertGroupMsg{Group: g} }
}

// primaryFor is the primary a link from an account's screen starts with:
// the recommended one, else that account.
func primaryFor(g *linking.Group, userID string) string {
	if g.RecommendedPrimary != "" {
		return g.RecommendedPrimary
	}
	return userID
}

// pairWizard opens the link wizard on two accounts that need not share an
// email: a group of the two, classified by linking, primary recommended
// where linking recommends one, else the first.
func pairWizard(c *tui.Common, first, second client.User, conns *linking.Connections) tea.Cmd {
	if first.UserID == second.UserID {
		return tui.ReportError(errors.New("that is the same account: choose another one to link with"))
	}
	g := &linking.Group{Email: linking.NormalizeEmail(first.Email)}
	if g.Email == "" {
		g.Email = first.UserID
	}
	for _, u := range []client.User{first, second} {
		acc := linking.AccountFromUser(u, conns)
		g.Accounts = append(g.Accounts, &acc)
	}
	linking.Classify(g, conns)
	return c.Open(NewPairWizard(c, g, first.UserID, primaryFor(g, first.UserID)))
}

func strategyOf(u client.User, conns *linking.Connections) string {
	acc := linking.AccountFromUser(u, conns)
	return acc.Strategy
}

// copyID writes the id to the clipboard through the terminal (OSC 52); an
// id holding control characters is not copied, so that pasting it can
// never run anything.
func copyID(id string) tea.Cmd {
	if termsafe.Sanitize(id) != id {
		return tui.ReportError(errors.New("this user id holds control or invisible characters: not copied"))
	}
	return tea.Batch(tea.SetClipboard(id), tui.Note("Copied, if the terminal allows OSC 52: "+id))
}

func (a *Account) View() string {
	c, s := a.c, a.c.Styles
	w := c.Width
	name := a.userID
	switch {
	case a.named == "":
	case strings.Contains(a.named, a.userID): // named with its user id already
		name = a.named
	default:
		name = a.named + " (" + a.userID + ")"
	}
	head := titleLines("Account ", name, w, 2, s.Title.Render)
	switch {
	case a.loading && a.acct == nil:
		return strings.Join(append(head, "", "Reading the account by id, with its roles and organizations…"), "\n")
	case client.IsNotFound(a.readErr) && a.acct == nil:
		gone := tui.Wrap("No account has this user id now: it was deleted, or linked into another account. If linkdesk did it, the audit log (3) lists it, and U there undoes it.", w, 0)
		return strings.Join(append(append(head, ""), append(gone, "", s.Dim.Render("esc goes back."))...), "\n")
	case a.readErr != nil && a.acct == nil:
		return strings.Join(append(head, "", s.Bad.Render("✗ ")+strings.Join(tui.Wrap(a.readErr.Error(), w-4, 6), "\n  "), "", s.Dim.Render("esc goes back.")), "\n")
	case a.acct == nil:
		return strings.Join(head, "\n")
	}
	return strings.Join(scrollPane(s, a.lines(), &a.scroll, c.Height, "j/k, pgdn"), "\n")
}

// lines is the whole account, one screen line each.
func (a *Account) lines() []string {
	c, s := a.c, a.c.Styles
	w := c.Width
	u, conns := a.acct.User, a.acct.Conns
	acc := linking.AccountFromUser(u, conns)
	id := a.identifier()
	label := func(k, v string) string { return s.Header.Render(tui.Pad(k, 11)) + v }
	// The account whole, over two lines where one does not hold it: the
	// user id is what tells it apart from the accounts sharing its email.
	out := titleLines("Account ", tui.AccountLabel(id, u.UserID), w, 2, s.Title.Render)
	kind := "social"
	if conn, ok := conns.ByName(acc.Connection); ok {
		kind = connKind(conn)
	}
	out = append(out, label("Identifier", tui.Fit(id.Type+" "+id.Value, w-12)))
	// Wrapped under its label: at 60 columns what kind of connection it is
	// (Non-Unique Emails) must not be cut.
	out = append(out, hanging(s.Header.Render(tui.Pad("Connection", 11)), acc.Connection+" ("+kind+", strategy "+acc.Strategy+")", w, 3, nil)...)
	email := s.Dim.Render("none")
	if u.Email != "" {
		email = tui.Fit(u.Email, w-30) + verifiedMark(s, u.EmailVerified)
	}
	out = append(out, label("Email", email))
	if u.PhoneNumber != "" {
		out = append(out, label("Phone", tui.Fit(u.PhoneNumber, w-12)))
	}
	if u.Username != "" && id.Type != linking.IdentifierUsername {
		out = append(out, label("Username", tui.Fit(u.Username, w-12)))
	}
	if u.Name != "" {
		out = append(out, label("Name", tui.Fit(u.Name, w-12)))
	}
	logins := fmt.Sprintf("%s, last %s", linking.Logins(u.LoginsCount), linking.LastLoginDay(u.LoginsCount, u.LastLogin))
	if !u.LastLogin.IsZero() {
		logins += " (" + tui.Ago(u.LastLogin, c.Now()) + ")"
	}
	out = append(out, label("Logins", logins), label("Created", tui.Day(u.CreatedAt, "unknown")))
	blocked := s.Good.Render("no")
	if u.Blocked {
		blocked = s.Bad.Render("yes: it cannot sign in")
	}
	out = append(out, label("Blocked", blocked))
	out = append(out, label("Group", a.groupLine(w-12)))
	out = append(out, label("Roles", rolesText(s, a.acct, w-12)), label("Orgs", orgsText(s, a.acct, w-12)))

	out = append(out, "", s.Title.Render(fmt.Sprintf("Identities (%d)", len(u.Identities))))
	for i, ident := range u.Identities {
		what := s.Dim.Render(" · its own")
		if i > 0 {
			what = s.Dim.Render(" · linked")
			id := ident.Provider + "|" + ident.UserID
			if name := tui.IdentityLabel(ident, conns, u.Email); name != id {
				what += s.Dim.Render(", ") + tui.Fit(strings.TrimSuffix(name, " ("+id+")"), 40)
			}
		}
		line := "  " + tui.Fit(ident.Provider+"|"+ident.UserID, 40) + s.Dim.Render(" on ") + tui.Fit(ident.Connection, 30)
		if tui.Width(line+what) > w { // what it is goes under it, whole, rather than cut
			out = append(out, tui.Truncate(line, w), tui.Truncate("   "+what, w))
			continue
		}
		out = append(out, line+what)
	}
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, u.UserMetadata}, {linking.FieldAppMetadata, u.AppMetadata}} {
		out = append(out, "", s.Title.Render(f.name))
		out = append(out, jsonLines(s, f.v, w)...)
	}
	return out
}

func (a *Account) groupLine(w int) string {
	s := a.c.Styles
	switch g := a.acct.Group; {
	case a.acct.GroupErr != nil:
		return s.Bad.Render("could not be read: ") + tui.Fit(a.acct.GroupErr.Error(), w-20)
	case g == nil:
		return s.Dim.Render("no email, so no group")
	case len(g.Accounts) < 2:
		return s.Dim.Render("no other account has this email")
	default:
		return tui.Fit(fmt.Sprintf("%d accounts share %s: %s (enter opens it)", len(g.Accounts), g.Email, tui.ClassName(g.Class)), w)
	}
}

func connKind(c linking.Connection) string {
	switch {
	case c.IsDatabase && c.NonUniqueEmail:
		return "database, Non-Unique Emails"
	case c.IsDatabase:
		return "database"
	case c.IsSocial:
		return "social"
	}
	return "enterprise or passwordless"
}

func verifiedMark(s *tui.Styles, v bool) string {
	if v {
		return " " + s.Good.Render("✓ verified")
	}
	return " " + s.Bad.Render("✗ not verified")
}

// jsonLines is metadata as indented JSON, each line made safe for the
// terminal and cut to width.
func jsonLines(s *tui.Styles, v map[string]any, width int) []string {
	if len(v) == 0 {
		return []string{s.Dim.Render("  {} (none)")}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return []string{s.Bad.Render("  (not JSON)")}
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		out = append(out, tui.Truncate("  "+termsafe.DisplayJSON([]byte(l)), width))
	}
	return out
}
