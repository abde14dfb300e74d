package views

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// Detail shows one group: every account, the recommended primary and why,
// the group's reasons; and starts the actions on it.
type Detail struct {
	c      *tui.Common
	email  string
	cursor int    // the account under the cursor
	pane   int    // 0: accounts, 1: reasons
	scroll int    // first line of the reasons pane
	top    int    // first account line shown
	chosen string // primary chosen with p, "" for the recommended one (tui.Data keeps it for the group)
	// shown are the accounts the group had when it last had any: once the
	// last is deleted, what an undo can do depends on their kind.
	shown []*linking.Account
	// notice says that the account under the cursor left the group when it
	// was read again, and which account the cursor is on instead, until the
	// cursor moves: a key that acts on the account under the cursor never
	// lands on another person unseen.
	notice string
	// primaryNotice says the same of the primary chosen with p, and which
	// account l takes as the primary instead, until p chooses another or
	// l opens the wizard (which shows the primary it takes).
	primaryNotice string
	// filter narrows the accounts shown (/): while it is typed, letters
	// type, never act on the account under the cursor.
	filter listFilter
}

// NewDetail opens the group with this normalized email.
func NewDetail(c *tui.Common, email string) *Detail {
	d := &Detail{c: c, email: email}
	d.filter.list = d
	d.remember()
	d.recall()
	return d
}

// remember keeps the group's accounts while it has any.
func (d *Detail) remember() {
	if g := d.Group(); g != nil && len(g.Accounts) > 0 {
		d.shown = g.Accounts
	}
}

// NewDetailAt opens the group with the cursor on the account with this
// user id (the one a filter or a search matched).
func NewDetailAt(c *tui.Common, email, userID string) *Detail {
	d := &Detail{c: c, email: email}
	d.filter.list = d
	d.remember()
	d.recall()
	if g := d.Group(); g != nil {
		for i, a := range g.Accounts {
			if a.UserID == userID {
				d.cursor = i
			}
		}
	}
	return d
}

func (d *Detail) Init() tea.Cmd   { return nil }
func (d *Detail) Capturing() bool { return d.filter.typing }
func (d *Detail) WantsEsc() bool  { return d.filter.WantsEsc() }
func (d *Detail) Filters() bool   { return true } // / filters the accounts (tui.Filterer)

// Paste goes into the filter while it is typed; otherwise the root opens
// f with it, as on every screen without a text field (TakesPaste).
func (d *Detail) Paste(text string) {
	if d.filter.typing {
		d.filter.Paste(text)
	}
}

// TakesPaste reports whether a paste goes into the filter now.
func (d *Detail) TakesPaste() bool { return d.filter.typing }

// The filter's list (filtered): the cursor stays on an account shown.
func (d *Detail) move(k tea.KeyPressMsg) {
	switch k.Code {
	case tea.KeyUp:
		d.step(-1)
	case tea.KeyDown:
		d.step(1)
	}
}
func (d *Detail) filterCleared() {}
func (d *Detail) filterChanged() {
	g := d.Group()
	if g == nil || len(g.Accounts) == 0 {
		return
	}
	if vis := d.matching(g); len(vis) > 0 && !slices.Contains(vis, min(d.cursor, len(g.Accounts)-1)) {
		d.cursor, d.notice = vis[0], ""
	}
}

// step moves the cursor by delta over the accounts the filter shows.
func (d *Detail) step(delta int) {
	g := d.Group()
	if g == nil || len(g.Accounts) == 0 {
		return
	}
	vis := d.matching(g)
	if len(vis) == 0 {
		return
	}
	at := slices.Index(vis, min(d.cursor, len(g.Accounts)-1))
	if at < 0 {
		d.cursor = vis[0]
		return
	}
	d.cursor = vis[min(max(at+delta, 0), len(vis)-1)]
	d.notice = "" // the operator picks the account now
}

// matching are the indexes of the accounts the filter lets through (every
// account without one).
func (d *Detail) matching(g *linking.Group) []int {
	words := tui.FilterWords(d.filter.filter.Value)
	var out []int
	for i, a := range g.Accounts {
		if accountMatches(g, a, words) {
			out = append(out, i)
		}
	}
	return out
}

// accountMatches reports whether every word is in what the group screen
// shows of the account: its name, identifier, user id, connection, email,
// name, or a linked identity's id, username or phone.
func accountMatches(g *linking.Group, a *linking.Account, words []string) bool {
	if len(words) == 0 {
		return true
	}
	parts := []string{tui.NameIn(g, a), identifierCell(g, a), a.Identifier.Value, a.UserID, a.Connection, a.Email, a.Name}
	for _, l := range a.Linked {
		parts = append(parts, l.Provider+"|"+l.UserID, l.Connection, l.Username, l.PhoneNumber)
	}
	text := strings.ToLower(strings.Join(parts, "\n"))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
func (d *Detail) Title() string { return "Group " + tui.Fit(d.email, 40) }

func (d *Detail) Help() []tui.HelpGroup {
	k := d.c.Keys
	back := withHelp(k.Back, "esc", "back to the list")
	if d.filter.typing {
		return []tui.HelpGroup{{Title: "Filter", Bindings: []keyBinding{
			withHelp(k.Submit, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), k.Clear,
			withHelp(k.Up, "↑", "up"), withHelp(k.Down, "↓", "down"),
		}}}
	}
	if d.filter.filter.Value != "" {
		back = withHelp(k.Back, "esc", "clear the filter")
	}
	if g := d.Group(); g == nil || len(g.Accounts) == 0 {
		return []tui.HelpGroup{{Title: "Group", Bindings: []keyBinding{back}}}
	}
	actions := []keyBinding{k.Link, k.Unlink, k.Delete, k.Ticket, k.Verify}
	choose := k.ChoosePrimary
	if d.c.ReadOnly {
		for i := range actions {
			actions[i].SetEnabled(false)
			actions[i].SetHelp(actions[i].Help().Key, actions[i].Help().Desc+" (off: read-only)")
		}
		choose.SetEnabled(false)
		choose.SetHelp("p", "choose primary (off: read-only)")
	} else if sel := d.Selected(); sel != nil {
		// Offer only what fits the account under the cursor (the key still
		// answers, saying why not).
		off := func(i int, why string) {
			actions[i].SetEnabled(false)
			actions[i].SetHelp(actions[i].Help().Key, actions[i].Help().Desc+" ("+why+")")
		}
		if len(sel.Linked) == 0 {
			off(1, "this account holds no linked identity")
		}
		if sel.Strategy != client.StrategyAuth0 {
			off(3, "database accounts only")
		}
		if sel.EmailVerified || sel.Email == "" {
			off(4, "its email is verified")
		}
		if tui.Resolved(d.Group()) {
			off(0, "one account has this email: nothing to link it with here")
			choose.SetEnabled(false)
		}
		if off := linkOff(d.Group()); off != nil {
			actions[0].SetEnabled(false)
			actions[0].SetHelp("l", off.link)
			choose.SetEnabled(false)
			choose.SetHelp("p", off.choose)
		}
	}
	perAccount := []keyBinding{choose, k.Copy, withHelp(k.Open, "enter", "open the account")}
	if d.Selected() == nil {
		// The filter shows no account: the keys of one act on nothing.
		for _, bs := range [][]keyBinding{actions[1:], perAccount} {
			for i := range bs {
				if bs[i].Enabled() {
					bs[i].SetEnabled(false)
					bs[i].SetHelp(bs[i].Help().Key, bs[i].Help().Desc+" (off: the filter shows no account)")
				}
			}
		}
	}
	return []tui.HelpGroup{
		{Title: "Actions", Bindings: append(actions, perAccount...)},
		{Title: "Move", Bindings: []keyBinding{k.Up, k.Down, k.NextPane, withHelp(k.Filter, "/", "filter the accounts"), back}},
	}
}

// Group is the group shown, nil when the scan no longer has it.
func (d *Detail) Group() *linking.Group {
	i, ok := d.c.Data.Find(d.email)
	if !ok {
		return nil
	}
	return d.c.Data.Groups[i]
}

// Selected is the account under the cursor, nil when the filter shows
// none: a key never acts on an account not on screen.
func (d *Detail) Selected() *linking.Account {
	g := d.Group()
	if g == nil || len(g.Accounts) == 0 {
		return nil
	}
	a := g.Accounts[min(d.cursor, len(g.Accounts)-1)]
	if !accountMatches(g, a, tui.FilterWords(d.filter.filter.Value)) {
		return nil
	}
	return a
}

// Primary is the primary a link would use: the one chosen with p, else the
// recommended one, else the account under the cursor.
func (d *Detail) Primary() string {
	g := d.Group()
	switch {
	case g == nil:
		return ""
	case d.chosen != "" && accountByID(g, d.chosen) != nil:
		return d.chosen
	case g.RecommendedPrimary != "":
		return g.RecommendedPrimary
	}
	if len(g.Accounts) > 0 { // the account under the cursor, shown by the filter or not
		return g.Accounts[min(d.cursor, len(g.Accounts)-1)].UserID
	}
	return ""
}

// noPrimary reports whether the group has no link to choose a primary
// for (p is refused): one account left, or a family, each its own person.
func noPrimary(g *linking.Group) bool { return tui.Resolved(g) || linkOff(g) != nil }

func accountByID(g *linking.Group, id string) *linking.Account {
	for _, a := range g.Accounts {
		if a.UserID == id {
			return a
		}
	}
	return nil
}

var errReadOnly = errors.New("read-only session (--read-only): no writes (link, unlink, delete, ticket, verify, undo)")

func (d *Detail) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.DataChangedMsg:
		before := d.shown // the accounts as last shown, the cursor on one of them
		g := d.Group()
		d.remember()
		if g != nil {
			d.follow(g, before)
			d.cursor = min(d.cursor, max(len(g.Accounts)-1, 0))
		}
		// A write or a scan that changed the group drops the primary
		// chosen (deleted or linked away, or the group otherwise not what
		// it was when chosen), never unseen where the group has more to
		// link: l would take another account.
		d.recall()
	case tea.KeyPressMsg:
		if d.filter.filterKey(msg, d.c.Keys) {
			return d, nil
		}
		return d, d.key(msg)
	}
	return d, nil
}

// follow keeps the cursor on the account it was on (among before, the
// accounts as last shown) wherever the group as read now lists it. When
// that account is gone from the group, the cursor stays where it was, on
// another account: the notice says so, naming both.
func (d *Detail) follow(g *linking.Group, before []*linking.Account) {
	if len(before) == 0 {
		return
	}
	was := before[min(d.cursor, len(before)-1)]
	for i, a := range g.Accounts {
		if a.UserID == was.UserID {
			d.cursor = i
			return
		}
	}
	if len(g.Accounts) == 0 {
		d.notice = "" // the screen says that every account is gone
		return
	}
	now := g.Accounts[min(d.cursor, len(g.Accounts)-1)]
	why, into := d.goneWhy(g, was.UserID)
	then := ": the cursor is on " + shortName(now, g.Accounts) + " now."
	if into == now {
		then = ", which the cursor is on now."
	}
	d.notice = shortName(was, before) + why + then
}

// shortName names an account as the group names it: by the identifier
// that tells it apart from in; one of the profiles of one email on a legacy
// custom database by its username, with its user id (their email is
// shared); else by its user id.
func shortName(a *linking.Account, in []*linking.Account) string {
	if linking.TellsApart(a, in) {
		return a.Identifier.Value
	}
	if u, ok := tui.UsernameIn(&linking.Group{Accounts: in}, a); ok {
		return tui.AccountLabel(u, a.UserID)
	}
	return a.UserID
}

// goneWhy says why the account with this user id left the group g as read
// again: linked into one of its accounts (returned), moved to another
// group, or no longer on the tenant.
func (d *Detail) goneWhy(g *linking.Group, userID string) (why string, into *linking.Account) {
	why = " is no longer on the tenant (deleted, or linked into another account)"
	for _, a := range g.Accounts {
		for _, l := range a.Linked {
			if l.Provider+"|"+l.UserID == userID {
				why, into = " is linked into "+shortName(a, g.Accounts), a
			}
		}
	}
	if _, other := d.c.Data.Account(userID); other != nil && other.Email != g.Email {
		why = " moved to the group of " + other.Email
	}
	return why, into
}

// recall takes the primary chosen with p for this group, which the data
// keeps while the group stands as it was then (tui.Data.ChosenPrimary):
// the group's screen opened again shows it, and l takes it. One the group
// no longer takes is dropped, and said so where the group has more to
// link (primaryDropped); a group with nothing left to link says why
// itself.
func (d *Detail) recall() {
	id, dropped := d.c.Data.ChosenPrimary(d.email)
	d.chosen = id
	if g := d.Group(); dropped != nil && g != nil && !noPrimary(g) {
		d.primaryDropped(g, dropped)
	}
}

// primaryDropped says that the primary chosen with p is dropped, as its
// group g changed since (a write, a scan): the account left it, or the
// group is otherwise not what it was when chosen; and which account l
// takes as the primary now.
func (d *Detail) primaryDropped(g *linking.Group, dropped *tui.DroppedPrimary) {
	was := &linking.Account{UserID: dropped.UserID}
	for _, a := range dropped.Accounts {
		if a.UserID == dropped.UserID {
			was = a
		}
	}
	why := " was dropped, as its group changed since (read again after a write or a scan)"
	if accountByID(g, dropped.UserID) == nil {
		why, _ = d.goneWhy(g, dropped.UserID)
	}
	then := ": l takes the account under the cursor as the primary now; p chooses another."
	if rec := accountByID(g, g.RecommendedPrimary); rec != nil {
		then = ": l links into the recommended primary (★ " + tui.NameIn(g, rec) + ") now; p chooses another."
	}
	d.primaryNotice = "The primary you chose, " + shortName(was, dropped.Accounts) + "," + why + then
}

func (d *Detail) key(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.Keys
	if tui.Matches(k, keys.Undo) { // whatever the group: it undoes a recorded write
		return tui.Tell(undoElsewhere)
	}
	g := d.Group()
	if g == nil || len(g.Accounts) == 0 { // every account deleted: nothing to act on
		return nil
	}
	sel := d.Selected()
	switch {
	case tui.Matches(k, keys.NextPane):
		d.pane = 1 - d.pane
	case tui.Matches(k, keys.Up):
		if d.pane == 0 {
			d.step(-1)
		} else {
			d.scroll = max(d.scroll-1, 0)
		}
	case tui.Matches(k, keys.Down):
		if d.pane == 0 {
			d.step(1)
		} else {
			d.scroll++
		}
	case tui.Matches(k, keys.PageDown) && d.pane == 0:
		d.step(max(d.c.Height/4, 1))
	case tui.Matches(k, keys.PageUp) && d.pane == 0:
		d.step(-max(d.c.Height/4, 1))
	case tui.Matches(k, keys.Top) && d.pane == 0:
		d.step(-len(g.Accounts))
	case tui.Matches(k, keys.Bottom) && d.pane == 0:
		d.step(len(g.Accounts))
	case tui.Matches(k, keys.PageDown):
		d.scroll += d.c.Height / 2
	case tui.Matches(k, keys.PageUp):
		d.scroll = max(d.scroll-d.c.Height/2, 0)
	case tui.Matches(k, keys.ChoosePrimary) && !d.c.ReadOnly && tui.Resolved(g):
		return tui.ReportError(errors.New("nothing to link: this email has one account now, so there is no primary to choose (p chooses the primary of a link)"))
	case tui.Matches(k, keys.ChoosePrimary, keys.Link) && !d.c.ReadOnly && linkOff(g) != nil:
		return tui.ReportError(linkOff(g).err) // p chooses for l, which links nothing here
	case tui.Matches(k, keys.ChoosePrimary) && !d.c.ReadOnly:
		if sel != nil {
			d.chosen, d.primaryNotice = sel.UserID, ""
			d.c.Data.ChoosePrimary(d.email, sel.UserID) // for this group alone, while it stands
			return tui.Note(tui.Fit(tui.NameIn(g, sel), 60) + " will be the primary of the next link (l).")
		}
	case tui.Matches(k, keys.Copy):
		return copyUserID(sel)
	case tui.Matches(k, keys.Open):
		if sel != nil {
			return d.c.Open(NewAccount(d.c, sel.UserID))
		}
	case tui.Matches(k, keys.Writes()...) && d.c.ReadOnly:
		return tui.ReportError(errReadOnly) // p too: it chooses for a link, which is off
	case tui.Matches(k, keys.Link):
		if len(g.Accounts) < 2 {
			return tui.ReportError(errors.New("nothing to link: this email has one account now"))
		}
		d.primaryNotice = "" // the wizard shows the primary it takes
		w := NewLinkWizard(d.c, g.Email, d.Primary())
		// A primary the operator chose (p) before opening is a choice the
		// wizard holds: leaving asks, as for one made inside it. The
		// account under the cursor, taken as the primary, is none.
		w.touched = d.chosen != "" && w.primary == d.chosen
		return d.c.Open(w)
	case tui.Matches(k, keys.Unlink):
		if sel == nil {
			return nil
		}
		if len(sel.Linked) == 0 {
			return tui.ReportError(fmt.Errorf("%s has no linked identity to unlink; pick the account that holds one", tui.Fit(tui.NameIn(g, sel), 60)))
		}
		return d.c.Open(NewUnlink(d.c, g.Email, sel.UserID))
	case tui.Matches(k, keys.Delete):
		if sel != nil {
			return d.c.Open(NewDeleteDialog(d.c, g.Email, sel.UserID))
		}
	case tui.Matches(k, keys.Ticket):
		if sel != nil {
			return askTicket(d.c, sel.UserID, sel.Connection, sel.Strategy)
		}
	case tui.Matches(k, keys.Verify):
		if sel != nil {
			return askVerify(d.c, sel.UserID, sel.EmailVerified, sel.Email)
		}
	}
	return nil
}

// copyUserID copies the account's user id (copyID says how).
func copyUserID(a *linking.Account) tea.Cmd {
	if a == nil {
		return nil
	}
	return copyID(a.UserID)
}

// ---- view ----

// maxLinkedShown is how many linked identities an account lists before "… and n more".
const maxLinkedShown = 4

// accountColumns are the widths of the account table's columns; 0 is a
// column left out for want of room.
type accountColumns struct{ ident, id, conn, logins, last, created int }

// detailColumns lays the account table out: when room is short the
// creation date goes first, then the connection shrinks, the last login
// and the logins go, then the connection, then the identifier shrinks; the
// user id is cut last.
func detailColumns(width int, g *linking.Group) accountColumns {
	identW, idW, connW := len("IDENTIFIER"), len("USER ID"), len("CONNECTION")
	for _, a := range g.Accounts {
		identW = max(identW, tui.Width(tui.Fit(identifierCell(g, a), 60)))
		idW = max(idW, tui.Width(tui.Fit(a.UserID, 60)))
		connW = max(connW, tui.Width(tui.Fit(a.Connection, 60)))
	}
	w := tui.FitColumns([]tui.Column{
		{Want: min(identW, 32), Min: 10, Shrink: 2}, // a username longer is cut, not the other columns dropped for it
		{Want: idW, Min: 14, Shrink: 1},
		{Want: connW, Min: 10, Shrink: 6, Drop: 3}, // the summary line names the connections
		{Want: 6, Min: 6, Drop: 4},
		{Want: 10, Min: 10, Drop: 5},
		{Want: 10, Min: 10, Drop: 7},
	}, width-4-1, 1)
	return accountColumns{ident: w[0], id: w[1], conn: w[2], logins: w[3], last: w[4], created: w[5]}
}

// identifierCell is the identifier as the account table shows it: the
// word "email" when it is the group's own address and every row shares it,
// or the username where that tells accounts sharing it apart (a legacy
// custom database's profiles of one email).
func identifierCell(g *linking.Group, a *linking.Account) string {
	if u, ok := tui.UsernameIn(g, a); ok {
		return u.Value
	}
	if a.Identifier.Type == linking.IdentifierEmail && linking.NormalizeEmail(a.Identifier.Value) == g.Email && sharedEmail(g) {
		return "(email)"
	}
	if a.Identifier.Type == linking.IdentifierUserID {
		return "(user id)"
	}
	return a.Identifier.Value
}

// sharedEmail reports whether every account of g has its email, which
// "(email)" then stands for; a pair linked from an account's screen (the
// link wizard's pair group) may not share one.
func sharedEmail(g *linking.Group) bool {
	for _, a := range g.Accounts {
		if linking.NormalizeEmail(a.Email) != g.Email {
			return false
		}
	}
	return true
}

// row joins the cells of the columns that are shown.
func (c accountColumns) row(ident, id, conn, logins, last, created string) string {
	parts := []string{tui.Pad(ident, c.ident), tui.Pad(id, c.id), tui.Pad(conn, c.conn)}
	if c.logins > 0 {
		parts = append(parts, tui.PadLeft(logins, c.logins))
	}
	if c.last > 0 {
		parts = append(parts, tui.Pad(last, c.last))
	}
	if c.created > 0 {
		parts = append(parts, tui.Pad(created, c.created))
	}
	return strings.Join(parts, " ")
}

func (d *Detail) View() string {
	c, s := d.c, d.c.Styles
	g := d.Group()
	if g == nil {
		return s.Title.Render("Group "+tui.Fit(d.email, c.Width-10)) + "\n\n" + s.Dim.Render("This group is no longer in the scan. Press esc to go back.")
	}
	if len(g.Accounts) == 0 {
		gone := tui.Wrap("No account has this email now: the last one was deleted. If linkdesk deleted it, the audit log (3) lists it.", c.Width, 0)
		for _, a := range d.shown {
			_, undo := deletionUndo(c.Data.Conns, a.Connection, a.Strategy)
			if len(d.shown) > 1 {
				undo = tui.Label(a) + ": " + undo
			}
			gone = append(gone, "")
			gone = append(gone, tui.Wrap(undo, c.Width, 0)...)
		}
		return strings.Join(append([]string{s.Title.Render("Group ") + tui.Fit(g.Email, c.Width-10), ""}, append(gone, "", s.Dim.Render("esc goes back."))...), "\n")
	}
	var head []string
	title := s.Title.Render("Group ") + tui.Fit(g.Email, c.Width/2) + "  " + s.Class(g.Class).Render(tui.ClassName(g.Class))
	if g.MissedByExtension && !tui.Resolved(g) {
		title += "  " + s.Warn.Render("⚑ missed by the Account Link Extension")
	}
	head = append(head, tui.Truncate(title, c.Width))
	summary := fmt.Sprintf("%d %s on ", len(g.Accounts), tui.Plural(len(g.Accounts), "account", "accounts"))
	resolved := ""
	if tui.Resolved(g) {
		resolved = " · resolved: one account holds this email now"
	}
	// The connections in the whole width the line leaves them.
	summary += tui.Fit(tui.ConnectionsOf(g), max(c.Width-tui.Width(summary)-tui.Width(resolved), 10)) + resolved
	head = append(head, s.Dim.Render(tui.Truncate(summary, c.Width)))
	if c.ReadOnly {
		head = append(head, s.ReadOnly.Render(" READ-ONLY ")+s.Dim.Render(" link, unlink, delete, tickets and verification emails are off"))
	}
	if d.notice != "" {
		head = append(head, sentence(s.Warn.Render, "⚠ "+d.notice, c.Width)...)
	}
	if d.primaryNotice != "" {
		head = append(head, sentence(s.Warn.Render, "⚠ "+d.primaryNotice, c.Width)...)
	}
	if c.Height >= 24 {
		head = append(head, d.hintLines(g)...)
	}
	vis := d.matching(g)
	switch f := &d.filter; {
	case f.typing:
		head = append(head, tui.Truncate(s.Key.Render("/")+" "+f.filter.View(s, c.Width/2)+s.Dim.Render("  enter keeps · esc clears"), c.Width))
	case f.filter.Value != "":
		head = append(head, tui.Truncate(s.Dim.Render("filter: ")+tui.Fit(f.filter.Value, c.Width/2)+
			s.Dim.Render(fmt.Sprintf("  %d of %d accounts · / edits, esc clears", len(vis), len(g.Accounts))), c.Width))
	}
	head = append(head, "")

	cols := detailColumns(c.Width, g)
	head = append(head, s.Header.Render("    "+cols.row("IDENTIFIER", "USER ID", "CONNECTION", "LOGINS", "LAST LOGIN", "CREATED")))

	// Accounts pane: the lines of each account the filter shows, scrolled
	// so the cursor shows.
	var accLines []string
	var starts []int
	cur := -1 // the cursor's place among vis
	for j, i := range vis {
		if i == min(d.cursor, len(g.Accounts)-1) {
			cur = j
		}
		starts = append(starts, len(accLines))
		accLines = append(accLines, d.accountLines(g, i, g.Accounts[i], cols)...)
	}
	starts = append(starts, len(accLines))
	bodyRoom := c.Height - len(head) - 1
	shown := d.accountPane(accLines, starts, cur, max(bodyRoom*55/100, 4))
	if len(vis) == 0 {
		shown = []string{s.Dim.Render("  No account of this group matches the filter: esc clears it.")}
	}

	// Reasons pane: the rest of the screen.
	reasons := d.reasonLines(g)
	room := max(bodyRoom-len(shown)-1, 1)
	d.scroll = min(d.scroll, max(len(reasons)-room, 0))
	more := ""
	if len(reasons) > room {
		more = s.Dim.Render(moreLines(len(reasons)-room-d.scroll, "tab, then j/k"))
		if d.scroll+room >= len(reasons) {
			more = ""
		}
	}
	reasons = reasons[d.scroll:min(d.scroll+room, len(reasons))]

	out := append(head, shown...)
	sep := s.Dim.Render(strings.Repeat("─", max(c.Width-1, 1)))
	if d.pane == 1 {
		sep = s.Title.Render(strings.Repeat("━", max(c.Width-1, 1)))
	}
	out = append(out, sep)
	out = append(out, reasons...)
	if more != "" {
		out = append(out, more)
	}
	return strings.Join(out, "\n")
}

// accountPane is the part of the accounts' lines (starts: where each
// account's begin, and their end) that fits in room lines. When they do
// not all fit, the last line says how many accounts are left out, above
// and below, and the row of the account under the cursor (the cur-th, -1
// for none) always shows, however many lines its account takes.
func (d *Detail) accountPane(lines []string, starts []int, cur, room int) []string {
	if len(lines) <= room {
		d.top = 0
		return lines
	}
	room = max(room-1, 1) // the line saying what is left out
	if cur >= 0 {
		if starts[cur] < d.top {
			d.top = starts[cur]
		}
		if starts[cur+1] > d.top+room {
			d.top = starts[cur+1] - room
		}
		d.top = min(d.top, starts[cur]) // a long account: its row first
	}
	d.top = min(max(d.top, 0), max(len(lines)-room, 0))
	// Whole accounts: the pane starts on an account's first line (never
	// past the cursor's row) and ends after an account's last, but for
	// the cursor's own when it is longer than the pane.
	n := len(starts) - 1
	for j := range n {
		if starts[j] < d.top && d.top < starts[j+1] {
			if cur < 0 || starts[j+1] <= starts[cur] {
				d.top = starts[j+1]
			}
			break
		}
	}
	end := min(d.top+room, len(lines))
	for j := range n {
		if starts[j] > d.top && starts[j] < end && end < starts[j+1] && j != cur {
			end = starts[j]
		}
	}
	shown := slices.Clone(lines[d.top:end])
	above, below := 0, 0
	for j := range n {
		switch {
		case starts[j] < d.top:
			above++
		case starts[j] >= end:
			below++
		}
	}
	down, up := "j", "k"
	if d.pane == 1 {
		down, up = "tab, then j", "tab, then k"
	}
	accounts := func(n int) string { return fmt.Sprintf("%d more %s", n, tui.Plural(n, "account", "accounts")) }
	var more string
	switch {
	case below > 0 && above > 0:
		more = fmt.Sprintf("  … %s below (%s), %d above (%s)", accounts(below), down, above, up)
	case below > 0:
		more = fmt.Sprintf("  … %s (%s)", accounts(below), down)
	case above > 0:
		more = fmt.Sprintf("  … %s above (%s)", accounts(above), up)
	default: // one account's linked identities run past the pane
		more = "  …"
	}
	return append(shown, d.c.Styles.Dim.Render(tui.Truncate(more, d.c.Width)))
}

// hintLines say what the group's class asks of the operator, by key,
// wrapped whole (the primary chosen is named with its user id).
func (d *Detail) hintLines(g *linking.Group) []string {
	s := d.c.Styles
	if d.c.ReadOnly || tui.Resolved(g) {
		return nil
	}
	var h string
	switch g.Class {
	case linking.ClassNeedsVerification:
		h = "v sends the verification email to the unverified account under the cursor; l links once verified"
	case linking.ClassLinkCandidate:
		h = "l links these accounts into the recommended primary (★)"
		if a := d.chosenAccount(g); a != nil && a.UserID != g.RecommendedPrimary {
			h = "l links these accounts into the primary you chose (◆ " + tui.NameIn(g, a) + ")"
		}
	case linking.ClassSharedByDesign:
		h = "each account is its own person: t makes a password-change ticket for the one under the cursor"
	case linking.ClassLegacyDuplicate:
		h = "needs migration, not linking: see why below; D deletes an account that should not exist"
	case linking.ClassMixed:
		h = "decide account by account: p picks the primary for l, D deletes, t resets one password"
	}
	if h == "" {
		return nil
	}
	return sentence(s.Dim.Render, h, d.c.Width)
}

// chosenAccount is the account chosen with p as the primary of the next
// link, while the group still holds it and has something to link.
func (d *Detail) chosenAccount(g *linking.Group) *linking.Account {
	if d.chosen == "" || noPrimary(g) {
		return nil
	}
	return accountByID(g, d.chosen)
}

func (d *Detail) accountLines(g *linking.Group, i int, a *linking.Account, cols accountColumns) []string {
	s, now := d.c.Styles, d.c.Now()
	role := "  "
	switch {
	case d.chosen != "" && a.UserID == d.chosen && !noPrimary(g):
		role = "◆ "
	case a.UserID == g.RecommendedPrimary:
		role = "★ "
	}
	line := role + cols.row(identifierCell(g, a), a.UserID, a.Connection, fmt.Sprint(a.LoginsCount), linking.LastLoginDay(a.LoginsCount, a.LastLogin), tui.Day(a.CreatedAt, "unknown"))
	cursor := "  "
	if i == d.cursor {
		cursor = "▸ "
		if d.pane == 0 {
			line = s.Selected.Render(line)
		}
	}
	lines := []string{cursor + line}
	ver := s.Bad.Render("✗ not verified")
	if a.EmailVerified {
		ver = s.Good.Render("✓ verified")
	}
	if a.Blocked {
		ver += " " + s.Bad.Render("⊘ blocked")
	}
	email := tui.Fit(a.Email, 44)
	if a.Email == "" {
		email = s.Dim.Render("no email")
	}
	info := " · " + tui.Fit(a.Strategy, 20)
	if cols.conn == 0 { // the connection column gave way: say it here
		info = " · " + tui.Fit(a.Connection, 40)
	}
	if a.Name != "" {
		info += " · " + tui.Fit(a.Name, 40)
	}
	if !a.LastLogin.IsZero() {
		info += " · seen " + tui.Ago(a.LastLogin, now)
	}
	lines = append(lines, tui.Truncate("      "+email+" "+ver+s.Dim.Render(info), d.c.Width-1))
	for i, l := range a.Linked {
		if i == maxLinkedShown && len(a.Linked) > maxLinkedShown+1 {
			lines = append(lines, "      "+s.Dim.Render(fmt.Sprintf("… and %d more linked identities", len(a.Linked)-i)))
			break
		}
		mark := s.Bad.Render("✗")
		if l.EmailVerified {
			mark = s.Good.Render("✓")
		}
		// The connection's name gives up room first (dropped below 6
		// cells), then the email, the identity's name last: one cut each,
		// never a cut of a cut.
		email := s.Dim.Render(", ") + tui.Fit(l.Email, 36) + " " + mark
		if l.Email == "" { // no email to verify: no mark either
			email = s.Dim.Render(", no email")
		}
		name := tui.Fit(d.identityName(l), 60)
		on := ""
		if connRoom := d.c.Width - 1 - len("      linked: ") - tui.Width(name) - len(" on ") - tui.Width(email); connRoom >= 6 {
			on = s.Dim.Render(" on ") + tui.Fit(l.Connection, min(40, connRoom))
		}
		lines = append(lines, tui.Truncate("      "+s.Dim.Render("linked: ")+name+on+email, d.c.Width-1))
	}
	return lines
}

// identityName names a linked identity by the username or phone its old
// profile holds where that is what tells it apart (a family member linked
// into another account), with its provider|user_id.
func (d *Detail) identityName(l linking.Identity) string {
	id := l.Provider + "|" + l.UserID
	if conns := d.c.Data.Conns; conns != nil {
		if pi := l.PrimaryIdentifier(conns); pi.Type == linking.IdentifierUsername || pi.Type == linking.IdentifierPhoneNumber {
			return tui.AccountLabel(pi, id)
		}
	}
	return id
}

func (d *Detail) reasonLines(g *linking.Group) []string {
	s := d.c.Styles
	w := d.c.Width - 4
	// Every sentence whole, wrapped: the pane scrolls (tab, then j/k).
	var out []string
	if g.RecommendedPrimary != "" {
		out = append(out, lead("★ Recommended primary: ", tui.NameIn(g, accountByID(g, g.RecommendedPrimary)), w, s.Title.Render, nil)...)
		for _, r := range g.PrimaryReasons {
			out = append(out, bullet(r, w)...)
		}
	} else if off := linkOff(g); off != nil {
		out = append(out, lead("No primary: ", off.noPrimary, w, s.Title.Render, nil)...)
	} else if !tui.Resolved(g) {
		out = append(out, lead("No recommended primary: ", "which accounts belong together is for you to decide (p picks one).", w, s.Title.Render, nil)...)
	}
	if tui.Resolved(g) && len(g.Accounts) == 1 {
		// Linked into it, or deleted: the group alone does not tell which.
		out = append(out, lead("✓ Resolved: ", "one account has this email now, "+tui.Label(g.Accounts[0]), w, s.Good.Render, nil)...)
		for _, l := range tui.Wrap("To undo a link or a deletion: U on its record in the audit log (3) unlinks it, or makes the account again, from the backups.", w-2, 0) {
			out = append(out, s.Dim.Render("  "+l))
		}
	}
	if d.chosen != "" && d.chosen != g.RecommendedPrimary && accountByID(g, d.chosen) != nil && !noPrimary(g) {
		out = append(out, sentence(s.Warn.Render, "◆ You chose "+tui.NameIn(g, accountByID(g, d.chosen))+" as the primary of the next link.", w)...)
	}
	if len(g.Reasons) > 0 {
		out = append(out, s.Title.Render("Why this group"))
		for _, r := range g.Reasons {
			out = append(out, bullet(r, w)...)
		}
	}
	return out
}

// bullet wraps a tenant-derived sentence as a bulleted item, whole: a
// reason cut short may leave out the very account it names.
func bullet(text string, width int) []string { return tui.Bullet(text, width, 0) }
