package views

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
	"github.com/linkdesk/linkdesk/tui"
)

// AuditLog shows the whole audit log, newest first, one row per call (its
// attempt and result records paired by op id), paged from the end. / filters
// by email, user id, action, result, operator or reason; enter shows the
// whole record with its whole error; U undoes the operation under the
// cursor.
type AuditLog struct {
	c *tui.Common
	reading
	entries []auditEntry
	skipped int
	err     error
	// others counts the calls recorded on other tenants (another tenant,
	// an earlier sandbox), which the screen leaves out: undo refuses them.
	others int
	// elsewhere are the other audit logs this tenant's plans recorded
	// in (tui.AuditMsg.Elsewhere), said with the count.
	elsewhere []string

	listFilter
	rows []int // the entries that pass the filter, newest first

	cursor int
	offset int
	// keep: the read in flight is of calls recorded elsewhere (another
	// shell settled a write, r): the cursor stays on the call it is on.
	keep bool
}

// auditEntry is a call of the log with what the screen precomputes.
type auditEntry struct {
	tui.Call
	search string // lower-case text the filter matches
}

// NewAuditLog builds the audit log screen.
func NewAuditLog(c *tui.Common) tui.Component {
	a := &AuditLog{c: c}
	a.list = a
	return a
}

func (a *AuditLog) Init() tea.Cmd    { return a.Refresh() }
func (a *AuditLog) Title() string    { return "Audit log" }
func (a *AuditLog) Entries() int     { return len(a.entries) }
func (a *AuditLog) Rows() int        { return len(a.rows) }
func (a *AuditLog) Refresh() tea.Cmd { a.keep = false; return a.load() }

// Selected is the entry under the cursor's op id and action (tests).
func (a *AuditLog) Selected() (opID, action string, t time.Time) {
	if e := a.selected(); e != nil {
		return e.OpID, e.Action, e.Time
	}
	return "", "", time.Time{}
}

func (a *AuditLog) Help() []tui.HelpGroup {
	k := a.c.Keys
	if a.typing {
		return []tui.HelpGroup{{Title: "Filter", Bindings: []keyBinding{
			withHelp(k.Submit, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), k.Clear,
		}}}
	}
	undo := k.Undo
	// F answers the undo U opens, where y refuses what changed since; on
	// the list it opens that undo, which lists what changed and asks.
	force := withHelp(k.ForceUndo, "F", "undo, to force over changes since (it lists them and asks)")
	if a.c.ReadOnly {
		undo.SetEnabled(false)
		undo.SetHelp("U", "undo (off: read-only)")
	} else if why, _ := a.notUndoable(); why != "" {
		undo.SetEnabled(false)
		undo.SetHelp("U", "undo (off: "+why+")")
	}
	force.SetEnabled(undo.Enabled())
	return []tui.HelpGroup{
		// r here is the root's rescan, which reads the log again too (the
		// global help's "rescan" gives way to these words).
		{Title: "Audit log", Bindings: []keyBinding{
			withHelp(k.Open, "enter", "the whole record"), withHelp(k.Filter, "/", "filter"), undo, force,
			withHelp(k.Rescan, "r", "read the log again (and rescan the tenant)"),
		}},
		{Title: "Move", Bindings: []keyBinding{k.Up, k.Down, k.PageUp, k.PageDown, withHelp(k.Top, "g", "newest"), withHelp(k.Bottom, "G", "oldest")}},
		{Title: "Filter words", Bindings: []keyBinding{
			filterHelp("bob@", "in an email, user id or identifier"),
			filterHelp("delete error", "action and result"),
			filterHelp("dana", "operator, reason, op or plan id"),
			filterHelp("undo", "the calls undos made"),
		}},
		{Title: "Marks", Bindings: []keyBinding{filterHelp(strings.TrimSpace(undoMark), "a call an undo made")}},
	}
}

// FooterKeys are the log's keys in the words of one line, those that act
// on the record under the cursor first, without the moves every list
// shares: at 60 columns U shows with enter and / (the help's words left
// room for enter and / alone). While the filter is typed: its help.
func (a *AuditLog) FooterKeys() []keyBinding {
	if a.typing {
		return nil
	}
	k := a.c.Keys
	undo := withHelp(k.Undo, "U", "undo")
	if why, _ := a.notUndoable(); a.c.ReadOnly || why != "" {
		undo.SetEnabled(false)
	}
	return []keyBinding{undo, withHelp(k.Open, "enter", "the whole record"), withHelp(k.Filter, "/", "filter")}
}

func (a *AuditLog) load() tea.Cmd {
	return a.startRead(a.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.ReadAudit(task) })
}

func (a *AuditLog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.AuditMsg:
		if !a.answered(msg.Task) {
			return a, nil
		}
		// Read again for calls recorded elsewhere, the cursor stays on the
		// call it was on (on the newest, it follows the newest); shown
		// again, or after a write of this session, it goes to the newest.
		was := ""
		if e := a.selected(); e != nil && a.keep && a.cursor > 0 {
			was = e.OpID
		}
		a.keep = false
		a.err, a.skipped, a.elsewhere = msg.Err, len(msg.Skipped), msg.Elsewhere
		calls := msg.Calls
		if tenant := a.tenant(); tenant != "" {
			calls = slices.DeleteFunc(slices.Clone(calls), func(c tui.Call) bool { return !audit.SameTenant(c.Tenant, tenant) })
		}
		a.others = len(msg.Calls) - len(calls)
		a.entries = make([]auditEntry, len(calls))
		for i, c := range calls {
			e := &a.entries[i]
			e.Call = c
			if len(e.Emails) == 0 { // a record without its "before" state: the scan knows the email
				for _, id := range e.UserIDs {
					if acc, _ := a.c.Data.Account(id); acc != nil && acc.Email != "" && !slices.Contains(e.Emails, acc.Email) {
						e.Emails = append(e.Emails, acc.Email)
					}
				}
			}
			e.search = a.searchText(e)
		}
		a.refilterOn(was)
	case tui.WriteDoneMsg:
		a.stale, a.keep = true, false
	case tui.AuditChangedMsg:
		a.keep = a.keep || !a.stale
		a.stale = true
	case tui.ActiveMsg:
		if a.stale {
			return a, a.load()
		}
	case tea.KeyPressMsg:
		if a.filterKey(msg, a.c.Keys) {
			return a, nil
		}
		return a, a.key(msg)
	}
	return a, nil
}

// tenant is the tenant whose calls the screen shows ("" for all).
func (a *AuditLog) tenant() string {
	if a.c.Backend == nil || a.c.Backend.Session == nil {
		return ""
	}
	return a.c.Backend.TenantName()
}

// elsewhereNote says which other audit logs hold calls of this tenant's
// plans: those of a command given --audit-log FILE.
func (a *AuditLog) elsewhereNote() string {
	return "calls of plans run with --audit-log are in " + strings.Join(a.elsewhere, ", ") + " (linkdesk audit --audit-log FILE)"
}

// othersNote says how many calls of other tenants are left out.
func (a *AuditLog) othersNote() string {
	if a.others == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s on other tenants not shown (`linkdesk audit` lists every tenant's)", a.others, tui.Plural(a.others, "call", "calls"))
}

func (a *AuditLog) filterCleared() { a.refilter(true) }
func (a *AuditLog) filterChanged() { a.refilter(false) }

func (a *AuditLog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := a.c.Keys
	switch {
	case tui.Matches(k, keys.Open):
		if e := a.selected(); e != nil {
			return a.c.Open(newAuditRecord(a.c, *e, a.accounts(e), a.undone(e.Undoes)))
		}
	case tui.Matches(k, keys.Undo), tui.Matches(k, keys.ForceUndo):
		// F too: the undo it forces is decided in the dialog, over what it
		// lists (tester: F on the list did nothing and said nothing).
		return a.askUndo()
	default:
		if cmd := writeKeyElsewhere(a.c, k, "2 lists the groups, enter opens one."); cmd != nil {
			return cmd
		}
		a.move(k)
	}
	return nil
}

func (a *AuditLog) move(k tea.KeyPressMsg) {
	moveCursor(k, a.c.Keys, &a.cursor, len(a.rows), a.pageRows())
}

// refilter applies the filter; keep leaves the cursor on the entry it was on.
func (a *AuditLog) refilter(keep bool) {
	var was string
	if e := a.selected(); keep && e != nil {
		was = e.OpID
	}
	a.refilterOn(was)
}

// refilterOn applies the filter, the cursor on the call with op id was
// if it passes, else on the newest.
func (a *AuditLog) refilterOn(was string) {
	words := tui.FilterWords(a.filter.Value)
	a.rows = a.rows[:0]
	for i := range a.entries {
		if matchesAll(a.entries[i].search, words) {
			a.rows = append(a.rows, i)
		}
	}
	a.cursor = 0
	if was != "" {
		for r, i := range a.rows {
			if a.entries[i].OpID == was {
				a.cursor = r
			}
		}
	}
	a.cursor = min(a.cursor, max(len(a.rows)-1, 0))
}

func matchesAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// notUndoable says why the row under the cursor cannot be undone, as
// linking's undo would refuse it (not_undoable): off in the help's few
// words, said in the one line U answers with ("" for no row); both ""
// when it may be (U then reads what undoing it would do).
func (a *AuditLog) notUndoable() (off, said string) {
	if e := a.selected(); e != nil {
		return a.undoRefused(e)
	}
	return "no call here", ""
}

// undoRefused is notUndoable of the row e. A discard is undone as the
// operation it left, whose kind its own calls in the log say.
func (a *AuditLog) undoRefused(e *auditEntry) (off, said string) {
	switch {
	case e.Undoes != "":
		return "an undo cannot be undone", "An undo cannot be undone: do again what it undid."
	case e.Action == linking.ActionTicket:
		return "it changed no data", "Nothing to undo: a ticket changes no data."
	case e.Action == linking.ActionVerifyEmail:
		return "it changed no data", "Nothing to undo: a verification email changes no data."
	case e.Action == audit.ActionDiscard:
		plan, op, _ := strings.Cut(e.Discards, "/")
		for i := range a.entries {
			if c := &a.entries[i]; c.PlanID == plan && c.Action != audit.ActionDiscard && strings.HasPrefix(c.Step, op+".") {
				if off, said := a.undoRefused(c); off != "" {
					return off, said
				}
			}
		}
	}
	return "", ""
}

func (a *AuditLog) selected() *auditEntry {
	if a.cursor < 0 || a.cursor >= len(a.rows) {
		return nil
	}
	return &a.entries[a.rows[a.cursor]]
}

// searchText is what the filter matches in an entry: the accounts'
// primary identifiers as the scan knows them too.
func (a *AuditLog) searchText(e *auditEntry) string {
	var ids []string
	for _, id := range e.UserIDs {
		if acc, g := a.c.Data.Account(id); acc != nil {
			ids = append(ids, acc.Identifier.Value)
			if u, ok := tui.UsernameIn(g, acc); ok {
				ids = append(ids, u.Value)
			}
		}
	}
	if e.Undoes != "" {
		ids = append(ids, "undo")
	}
	return e.SearchText(ids...)
}

// askUndo opens the undo of the operation the entry under the cursor is a
// call of, as linkdesk undo does with its op_id: any step of it will do (the
// merge before a link, the block after an unlink). What cannot be undone by
// its kind (a ticket, an undo) is said in one line, with no dialog; what
// cannot be undone as things stand (an operation that changed nothing) the
// session says.
func (a *AuditLog) askUndo() tea.Cmd {
	e := a.selected()
	switch {
	case e == nil:
		return nil
	case a.c.ReadOnly:
		return tui.ReportError(errReadOnly)
	}
	if _, said := a.undoRefused(e); said != "" {
		return tui.Tell(said)
	}
	// The title names the operation undone: a step that wrote the primary
	// of a link (its merge) names it as the link does ("X into Y").
	action := e.Action
	if len(e.UserIDs) == 2 && slices.Contains(writesPrimaryOfLink, action) {
		action = linking.ActionLink
	}
	return a.c.Open(NewUndoDialog(a.c, e.OpID, e.Action, a.joined(a.accountNamesAs(e, action))))
}

// accounts names an entry's accounts, each as accountIn does, whole (the
// record's "of"): accountNames joined.
func (a *AuditLog) accounts(e *auditEntry) string { return a.joined(a.accountNames(e)) }

// joined is names, whole, with joiner between them.
func (a *AuditLog) joined(names []accountName, joiner string) string {
	whole := make([]string, len(names))
	for i, n := range names {
		whole[i] = n.String()
	}
	return strings.Join(whole, joiner)
}

// writesPrimaryOfLink are the steps of a link that write its primary
// before the link: the metadata merge, the roles and the memberships
// carried over from the secondary.
var writesPrimaryOfLink = []string{linking.ActionPatchMetadata, linking.ActionAssignRoles, linking.ActionAddMember}

// accountNames are an entry's accounts in the order its row says them, and
// the words between them: first the account its call wrote, which a narrow
// column keeps (accountsCell). A step that writes the primary of a link
// (its merge, the roles and memberships carried over) names the primary
// "from" the secondary; the link itself names the secondary "into" the
// primary, and an unlink the identity "from" its primary (the rows of one
// link of several accounts differ by their secondary).
func (a *AuditLog) accountNames(e *auditEntry) ([]accountName, string) {
	return a.accountNamesAs(e, e.Action)
}

// accountNamesAs is accountNames of e as a call of action says them.
func (a *AuditLog) accountNamesAs(e *auditEntry, action string) ([]accountName, string) {
	names := make([]accountName, len(e.UserIDs))
	for i, id := range e.UserIDs {
		names[i] = a.accountIn(e, id)
	}
	if len(names) == 2 { // a link's or an unlink's steps record the primary, then the other account
		switch {
		case slices.Contains(writesPrimaryOfLink, action):
			return names, " from "
		case action == linking.ActionLink:
			return []accountName{names[1], names[0]}, " into "
		case action == linking.ActionUnlink:
			return []accountName{names[1], names[0]}, " from "
		}
	}
	return names, ", "
}

// accountName is how the log names one account: by the identifier that
// tells it apart (a family member's username or phone, a legacy profile's
// username), with its user id where the scan knows it; else by its user id
// alone (ident "").
type accountName struct{ ident, userID string }

func (n accountName) String() string {
	switch {
	case n.ident == "":
		return n.userID
	case n.userID == "":
		return n.ident
	}
	return n.ident + " (" + n.userID + ")"
}

// accountIn names an account of an entry as the group screen does
// (tui.NameIn) where the scan knows it: by its primary identifier where
// that tells it apart, by the username that does for the several profiles
// of one email of a legacy custom database (tui.UsernameIn), else by user
// id, since an email the entry's own email column shows names none of the
// accounts that share it. An account the scan no longer has is named by
// the identifier the record keeps (a username of an account deleted or
// linked since), else by user id.
func (a *AuditLog) accountIn(e *auditEntry, id string) accountName {
	_, recorded, _ := strings.Cut(e.Names[id], " ") // the identifier the record keeps, if any
	if acc, g := a.c.Data.Account(id); acc != nil {
		if _, ok := tui.UsernameIn(g, acc); !ok && acc.Identifier.Type == linking.IdentifierEmail && slices.ContainsFunc(e.Emails, func(m string) bool {
			return linking.NormalizeEmail(m) == linking.NormalizeEmail(acc.Identifier.Value)
		}) {
			// Its email tells it apart no more than the record's did: the
			// record's name (a legacy profile's username, its sibling
			// deleted since), else its user id.
			return accountName{ident: recorded, userID: id}
		}
		if short := tui.ShortNameIn(g, acc); short != id { // the identifier tui.NameIn names it by
			return accountName{ident: short, userID: id}
		}
		return accountName{ident: recorded, userID: id}
	}
	if recorded != "" {
		return accountName{ident: recorded}
	}
	return accountName{userID: id}
}

// accountsCell is the ACCOUNTS cell of a row in width cells. Where the
// names do not fit whole, the identifiers that tell accounts apart (a
// family member's username) are what stay: the user ids beside them go
// first, then the user ids that name accounts alone are cut, each to its
// share of the room left; where even that leaves too little, the
// identifiers come first, and the rest gives way to "…"
// ("olivia.li968 …"). A row of user ids alone keeps its first whole, the
// account its call wrote (userIDsCell).
func accountsCell(names []accountName, joiner string, width int) string {
	fits := func(s string) bool { return tui.Width(tui.Fit(s, width+1)) <= width }
	whole, short := make([]string, len(names)), make([]string, len(names))
	var idents []string
	for i, n := range names {
		whole[i], short[i] = n.String(), n.userID
		if n.ident != "" {
			short[i] = n.ident
			idents = append(idents, n.ident)
		}
	}
	switch {
	case fits(strings.Join(whole, joiner)):
		return strings.Join(whole, joiner)
	case len(idents) == 0:
		return userIDsCell(whole, joiner, width)
	case fits(strings.Join(short, joiner)) || len(idents) == len(names):
		return strings.Join(short, joiner)
	}
	// Some accounts by identifier, others by user id alone: the user ids
	// share what the identifiers and the words between leave.
	left := width - tui.Width(tui.Fit(strings.Join(idents, joiner), 4*width)) - (len(names)-len(idents))*tui.Width(joiner)
	if share := left / (len(names) - len(idents)); share >= 4 {
		cut := make([]string, len(names))
		for i, n := range names {
			cut[i] = tui.Fit(short[i], width)
			if n.ident == "" {
				cut[i] = tui.Fit(n.userID, share)
			}
		}
		return strings.Join(cut, joiner)
	}
	return strings.Join(idents, ", ") + " " + tui.Ellipsis
}

// leastUserID is the fewest cells a user id is cut to in a row: fewer
// are too few to tell one by.
const leastUserID = 10

// userIDsCell is a cell of accounts named by user id alone that do not
// fit whole. The first, the account the call wrote (the primary a merge
// patched, the account a link linked), stays whole as far as the cell
// holds it, and the others share what it leaves
// ("auth0|63ea1f0b2c8d4e5f60718293 from google-oauth2|1088…"), each
// cut at its end to leastUserID cells at least (tui.FitPartsEnd), else
// named by "…" alone ("github|9007199254740993 into …",
// "google-oauth2|108812345678901234567 …"): cut each to an even share,
// the two read "google-oaut… into auth0|63ea1…", neither told apart.
func userIDsCell(ids []string, joiner string, width int) string {
	first := tui.Fit(ids[0], width)
	if len(ids) == 1 {
		return first
	}
	left := width - tui.Width(first) - tui.Width(joiner)
	switch {
	case left/(len(ids)-1) >= leastUserID:
		return first + joiner + tui.FitPartsEnd(ids[1:], joiner, left)
	case left >= tui.Width(tui.Ellipsis):
		return first + joiner + tui.Ellipsis
	}
	return tui.Fit(ids[0]+" "+tui.Ellipsis, width) // the words between cut would read as an id's end
}

// undone names the operation an undo reverses (ref: plan/op, as records
// keep it): its kind, the reference, and its accounts and op_id where the
// log holds its records; "" when ref is.
func (a *AuditLog) undone(ref string) string {
	if ref == "" {
		return ""
	}
	plan, op, _ := strings.Cut(ref, "/")
	for i := range a.entries {
		e := &a.entries[i]
		if e.PlanID != plan || !strings.HasPrefix(e.Step, op+".") {
			continue
		}
		switch linking.OpKind(e.Action) {
		case linking.OpLink, linking.OpUnlink, linking.OpDelete:
			return e.Action + " " + ref + " of " + a.accounts(e) + " (op_id " + e.OpID + ")"
		}
	}
	return ref
}

// detailLines is the size of the pane under the list.
const detailLines = 6

func (a *AuditLog) pageRows() int {
	detail := detailLines
	if a.c.Height < 24 {
		detail = 4
	}
	rows := a.c.Height - 4 - detail
	if len(a.elsewhere) > 0 {
		rows-- // the line that says where the other logs are
	}
	return max(rows, 3)
}

// auditNeeds are the widths the cells of the rows on the page need:
// action, result, email, accounts, operator; and actionLeast, the fewest
// cells that keep the actions on the page apart once cut (actionApart).
type auditNeeds struct{ action, result, email, accounts, operator, actionLeast int }

// undoMark marks in the ACTION column a call an undo made: its action
// alone ("unlink", "create_user") reads as a call of its own.
const undoMark = "↶ "

// actionCell is the ACTION cell of a row: the action, marked when an undo
// made the call.
func actionCell(e *auditEntry) string {
	if e.Undoes != "" {
		return undoMark + e.Action
	}
	return e.Action
}

// actionApart is the fewest cells, 8 at least, in which the actions cut
// to fit stay apart: "patch_m…", "verify_…", "create_…"; "remove_r…" and
// "remove_m…" where both remove_roles and remove_member are on the page.
func actionApart(actions []string) int {
	longest := 0
	for _, a := range actions {
		longest = max(longest, tui.Width(tui.Fit(a, 80)))
	}
	for w := 8; w < longest; w++ {
		seen := map[string]string{}
		apart := true
		for _, a := range actions {
			cut := tui.Fit(a, w)
			if other, ok := seen[cut]; ok && other != a {
				apart = false
				break
			}
			seen[cut] = a
		}
		if apart {
			return w
		}
	}
	return max(longest, 8)
}

// auditColumns lay the list out for the rows on the page, each column as
// wide as its cells need where the room allows: the result and the action
// no wider than their words (a column of "ok" takes the header's width).
// The accounts (user ids, and the identifiers that tell a family apart)
// give up room last, as on every screen. When room is short the accounts
// go down to 36 cells (two user ids of a link each cut to its share), the
// email to 22, the accounts to 30 (one user id whole), the email to 16;
// then the operator goes, then the year of the time, then the action is
// cut down to the cells that keep the actions on the page apart
// ("patch_m…", 8 at least: its whole word is in the pane under the list),
// then the email shrinks to 10 cells, the accounts to 16, the email to 6
// and the action to 6. Room left over goes to the accounts first, up to
// what they need, then to the email.
func auditColumns(width int, need auditNeeds) []int {
	const (
		colTime = iota
		colAction
		colResult
		colEmail
		colAccounts
		colOperator
	)
	want := []int{
		16,
		max(need.action, len("ACTION")),
		max(need.result, len("RESULT")),
		max(need.email, len("EMAIL")),
		max(need.accounts, len("ACCOUNTS")),
		min(max(need.operator, len("OPERATOR")), 16),
	}
	w := slices.Clone(want)
	room := width - 2
	total := func() int { return tui.RowWidth(w, 1) }
	// What gives up room, in order: a column dropped (least 0), or cut
	// down to least cells.
	for _, st := range []struct{ col, least int }{
		{colAccounts, 36},
		{colEmail, 22},
		{colAccounts, 30},
		{colEmail, 16},
		{colOperator, 0},
		{colTime, 11},
		{colAction, max(need.actionLeast, 6)},
		{colEmail, 10},
		{colAccounts, 16},
		{colEmail, 6},
		{colAction, 6},
	} {
		over := total() - room
		if over <= 0 {
			break
		}
		switch {
		case st.least == 0:
			w[st.col] = 0
		case st.col == colTime:
			w[st.col] = min(w[st.col], st.least) // the year goes whole: a time cut into it leaves blank cells
		case w[st.col] > st.least:
			w[st.col] = max(w[st.col]-over, st.least)
		}
	}
	// Room left over goes to the accounts up to what they need, then to
	// the email; the accounts take what is left after that.
	if left := room - total(); left > 0 {
		for _, col := range []int{colAccounts, colEmail} {
			grow := min(left, max(want[col]-w[col], 0))
			w[col] += grow
			left -= grow
		}
		w[colAccounts] += left
	}
	return w
}

func (a *AuditLog) View() string {
	c, s := a.c, a.c.Styles
	w := c.Width
	path := ""
	if c.Backend != nil {
		path = c.Backend.AuditLog()
	}
	lines := []string{tui.Truncate(s.Title.Render("Audit log")+"  "+s.Dim.Render(tui.FitLeft(path, w-12)), w)}
	switch {
	case a.err != nil:
		return strings.Join(append(lines, "", s.Bad.Render("✗ ")+tui.Fit(a.err.Error(), w-4)), "\n")
	case a.loading && len(a.entries) == 0:
		return strings.Join(append(lines, "", "Reading the audit log…"), "\n")
	case len(a.entries) == 0:
		empty := "Nothing recorded yet: links, unlinks, deletions, tickets and verification emails made here will show up, newest first."
		if a.others > 0 {
			empty = "Nothing recorded on this tenant yet; " + a.othersNote() + "."
		}
		if len(a.elsewhere) > 0 {
			empty = "Nothing recorded here yet; " + a.elsewhereNote() + "."
		}
		return strings.Join(append(lines, "", strings.Join(tui.Wrap(empty, w, 3), "\n")), "\n")
	}
	switch {
	case a.typing:
		lines = append(lines, tui.Truncate(s.Key.Render("/ ")+a.filter.View(s, w-30)+s.Dim.Render(fmt.Sprintf("  %d of %d calls", len(a.rows), len(a.entries))), w))
	case a.filter.Value != "":
		lines = append(lines, tui.Truncate(s.Dim.Render("filter: ")+tui.Fit(a.filter.Value, w/2)+s.Dim.Render(fmt.Sprintf("  %d of %d calls, newest first (/ edits, esc clears)", len(a.rows), len(a.entries))), w))
	default:
		summary := fmt.Sprintf("%d %s, newest first · / filters · enter shows one", len(a.entries), tui.Plural(len(a.entries), "call", "calls"))
		if slices.ContainsFunc(a.entries, func(e auditEntry) bool { return e.Undoes != "" }) {
			summary = fmt.Sprintf("%d %s, newest first · %smarks an undo · / filters · enter shows one", len(a.entries), tui.Plural(len(a.entries), "call", "calls"), undoMark)
		}
		if a.skipped > 0 {
			summary += fmt.Sprintf(" · %d unreadable lines skipped", a.skipped)
		}
		if a.others > 0 {
			summary += fmt.Sprintf(" · %d on other tenants not shown", a.others)
		}
		lines = append(lines, s.Dim.Render(tui.Fit(summary, w)))
		if len(a.elsewhere) > 0 { // a line of its own, the paths kept to their ends
			paths := strings.Join(a.elsewhere, ", ")
			why := " (calls of plans run with --audit-log)"
			for _, shorter := range []string{" (--audit-log runs)", ""} { // the paths first
				if len("also in ")+tui.Width(paths)+len(why) <= w {
					break
				}
				why = shorter
			}
			lines = append(lines, tui.Truncate(s.Warn.Render("also in "+tui.FitLeft(paths, max(w-len("also in ")-len(why), 12))+why), w))
		}
	}
	var need auditNeeds
	var actions []string
	cellW := func(v string) int { return tui.Width(tui.Fit(v, 80)) }
	for r := a.offset; r < min(a.offset+a.pageRows(), len(a.rows)); r++ {
		e := &a.entries[a.rows[r]]
		actions = append(actions, actionCell(e))
		need.action = max(need.action, cellW(actionCell(e)))
		need.result = max(need.result, cellW(e.Result))
		need.email = max(need.email, cellW(strings.Join(e.Emails, ", ")))
		need.accounts = max(need.accounts, cellW(a.accounts(e)))
		need.operator = max(need.operator, cellW(e.Operator))
	}
	need.actionLeast = actionApart(actions)
	cols := auditColumns(w, need)
	// The accounts cut to their column may show less than it holds (a
	// username without the user id beside it): the email takes back the
	// cells no row uses.
	used := len("ACCOUNTS")
	for r := a.offset; r < min(a.offset+a.pageRows(), len(a.rows)); r++ {
		names, joiner := a.accountNames(&a.entries[a.rows[r]])
		used = max(used, tui.Width(tui.Fit(accountsCell(names, joiner, cols[4]), cols[4])))
	}
	if give := min(cols[4]-used, need.email-cols[3]); give > 0 {
		cols[3], cols[4] = cols[3]+give, cols[4]-give
	}
	cell := func(i int, v string) string {
		if cols[i] == 0 {
			return ""
		}
		return " " + tui.Pad(v, cols[i])
	}
	lines = append(lines, s.Header.Render("  "+tui.Pad("TIME UTC", cols[0])+cell(1, "ACTION")+cell(2, "RESULT")+cell(3, "EMAIL")+cell(4, "ACCOUNTS")+cell(5, "OPERATOR")))
	page := a.pageRows()
	if a.cursor < a.offset {
		a.offset = a.cursor
	}
	if a.cursor >= a.offset+page {
		a.offset = a.cursor - page + 1
	}
	a.offset = min(a.offset, max(len(a.rows)-page, 0))
	if len(a.rows) == 0 {
		lines = append(lines, "", s.Dim.Render("  No call matches this filter."))
	}
	end := min(a.offset+page, len(a.rows))
	for r := a.offset; r < end; r++ {
		e := &a.entries[a.rows[r]]
		layout := "2006-01-02 15:04"
		if cols[0] < len(layout) {
			layout = "01-02 15:04"
		}
		head := tui.Pad(e.Time.UTC().Format(layout), cols[0]) + cell(1, actionCell(e))
		names, joiner := a.accountNames(e)
		rest := cell(3, strings.Join(e.Emails, ", ")) + cell(4, accountsCell(names, joiner, cols[4])) + cell(5, e.Operator)
		if r == a.cursor {
			lines = append(lines, s.Selected.Render("▸ "+head+cell(2, e.Result)+rest))
			continue
		}
		result := cell(2, e.Result)
		switch e.Result {
		case audit.ResultOK:
			result = s.Good.Render(result)
		case audit.ResultError:
			result = s.Bad.Render(result)
		default:
			result = s.Warn.Render(result)
		}
		lines = append(lines, "  "+head+result+rest)
	}
	for len(lines) < 3+page {
		lines = append(lines, "")
	}
	lines = append(lines, s.Dim.Render(strings.Repeat("─", max(w-1, 1))))
	if e := a.selected(); e != nil {
		lines = append(lines, a.detail(e, c.Height-len(lines))...)
	}
	return strings.Join(lines, "\n")
}

// detail is the pane under the list: the entry under the cursor in short.
func (a *AuditLog) detail(e *auditEntry, room int) []string {
	s := a.c.Styles
	w := a.c.Width
	head := s.Header.Render("op ") + tui.Fit(e.OpID, 34)
	if e.Step != "" {
		head += s.Header.Render("  step ") + tui.Fit(e.Step, 16)
	}
	head += s.Header.Render("  tenant ") + tui.Fit(e.Tenant, 40)
	out := []string{tui.Truncate(head, w-1)}
	if e.Note != "" { // how a call cut off was settled; the log's own note
		out = append(out, tui.Truncate(s.Header.Render("note ")+tui.Fit(e.Note, w-6), w-1))
	}
	if e.Error != "" {
		out = append(out, tui.Truncate(s.Bad.Render("error ")+tui.Fit(e.Error, w-7), w-1))
	}
	if e.Reason != "" {
		out = append(out, s.Header.Render("why ")+tui.Fit(e.Reason, w-5))
	}
	if e.Undoes != "" {
		out = append(out, s.Header.Render("undoes ")+tui.Fit(a.undone(e.Undoes), w-8))
	}
	if e.Discards != "" { // no call: the operation a discard left
		out = append(out, s.Header.Render("discards ")+tui.Fit(e.Discards, w-10))
	} else {
		out = append(out, s.Header.Render("call ")+tui.Fit(callText(string(e.Request)), w-6))
	}
	if len(e.Overrides) > 0 {
		out = append(out, s.Warn.Render("overrides ")+tui.Fit(strings.Join(e.Overrides, ", "), w-12))
	}
	if e.Backup != "" {
		out = append(out, s.Header.Render("backup ")+tui.FitLeft(e.Backup, w-8))
	}
	if len(out) > room && room > 0 {
		out = out[:room]
	}
	return out
}

// callText is a recorded request as one line: method, path and body.
func callText(request string) string {
	var c linking.Call
	if json.Unmarshal([]byte(request), &c) != nil || c.Method == "" {
		return termsafe.DisplayJSON([]byte(request))
	}
	s := c.Method + " " + termsafe.Printable(c.Path)
	if len(c.Body) > 0 {
		s += " " + termsafe.DisplayJSON(c.Body)
	}
	return s
}

// AuditRecord shows every field of one call's records: attempt and result,
// the whole error, the state before, the answer; above them, the accounts
// as the log's row names them.
type AuditRecord struct {
	c      *tui.Common
	entry  auditEntry
	named  string // the accounts, as the row names them (AuditLog.accounts)
	undone string // the operation the call helps undo, in words ("" when none)
	scroll int
}

func newAuditRecord(c *tui.Common, e auditEntry, named, undone string) *AuditRecord {
	return &AuditRecord{c: c, entry: e, named: named, undone: undone}
}

func (r *AuditRecord) Init() tea.Cmd { return nil }

// Title is the record's title as the screen shows it: "unlink · ok".
func (r *AuditRecord) Title() string {
	return tui.Fit(r.entry.Action+" · "+r.entry.Result, 40)
}

func (r *AuditRecord) Capturing() bool { return false }

func (r *AuditRecord) Help() []tui.HelpGroup {
	k := r.c.Keys
	return []tui.HelpGroup{{Title: "Record", Bindings: []keyBinding{withHelp(k.Down, "j/k", "scroll"), k.PageDown, k.PageUp, withHelp(k.Bottom, "G", "end"), withHelp(k.Back, "esc", "back to the log")}}}
}

func (r *AuditRecord) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	scrollKey(k, r.c.Keys, &r.scroll, r.c.Height-3)
	return r, nil
}

func (r *AuditRecord) View() string {
	s := r.c.Styles
	w := r.c.Width
	e := r.entry
	label := func(k, v string) []string {
		lines := tui.WrapCall(v, max(w-12, 10), 0) // calls, JSON and paths break after , and / too, not mid-word
		out := []string{s.Header.Render(tui.Pad(k, 11)) + lines[0]}
		for _, l := range lines[1:] {
			out = append(out, strings.Repeat(" ", 11)+l)
		}
		return out
	}
	var all []string
	all = append(all, s.Title.Render(tui.Fit(e.Action+" · "+e.Result, w)))
	if r.named != "" {
		all = append(all, label("of", r.named)...) // whole: the row may have cut it
	}
	if len(e.Emails) > 0 {
		all = append(all, label("email", strings.Join(e.Emails, ", "))...)
	}
	for _, rec := range e.Records {
		all = append(all, "", s.Title.Render(rec.Phase+" ")+s.Dim.Render(rec.Time.UTC().Format(time.RFC3339)))
		all = append(all, label("operator", rec.Operator)...)
		all = append(all, label("tenant", rec.Tenant)...)
		all = append(all, label("op", rec.OpID)...)
		if rec.PlanID != "" {
			all = append(all, label("plan", rec.PlanID+" "+rec.Step)...)
		}
		all = append(all, label("accounts", strings.Join(rec.UserIDs, ", "))...)
		if ids := (session.Call{UserIDs: rec.UserIDs, Names: rec.Names}).Identifiers(); len(ids) > 0 {
			all = append(all, label("named", strings.Join(ids, ", "))...) // as linkdesk audit says it
		}
		if rec.Reason != "" {
			all = append(all, label("reason", rec.Reason)...)
		}
		if rec.Undoes != "" {
			undone := rec.Undoes
			if rec.Undoes == e.Undoes && r.undone != "" {
				undone = r.undone
			}
			all = append(all, label("undoes", undone)...)
		}
		if rec.Discards != "" {
			all = append(all, label("discards", rec.Discards)...)
		}
		if len(rec.Overrides) > 0 {
			all = append(all, label("overrides", strings.Join(rec.Overrides, ", "))...)
		}
		if rec.Backup != "" {
			all = append(all, label("backup", rec.Backup)...)
		}
		if len(rec.Request) > 0 {
			all = append(all, label("call", callText(string(rec.Request)))...)
		}
		if len(rec.Before) > 0 {
			all = append(all, label("before", termsafe.DisplayJSON(rec.Before))...)
		}
		if rec.Result != "" {
			all = append(all, label("result", rec.Result)...)
		}
		if noted := rec.Noted(); noted != "" {
			all = append(all, label("note", noted)...)
		}
		if failed := rec.Failed(); failed != "" {
			for i, l := range label("error", failed) {
				if i == 0 {
					l = s.Bad.Render(l)
				}
				all = append(all, l)
			}
		}
		if len(rec.Response) > 0 {
			all = append(all, label("answer", termsafe.DisplayJSON(rec.Response))...)
		}
	}
	return strings.Join(scrollPane(s, all, &r.scroll, r.c.Height, "j/k"), "\n")
}
