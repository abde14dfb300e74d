package views

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// sortKey is a column the groups list can be sorted by.
type sortKey int

const (
	sortReport      sortKey = iota // class, larger groups first, email: the report's order
	sortEmail                      // email
	sortAccounts                   // number of accounts, most first
	sortConnections                // connections
	sortMissed                     // missed by the extension first
	sortKeys
)

var sortNames = [...]string{"class", "email", "accounts", "connections", "missed"}

// Groups lists every group, one row each, sortable and filterable. It only
// renders the rows that are visible, and narrows the previous result when
// the filter grows, so that it stays fast at 100,000 groups.
type Groups struct {
	c *tui.Common

	sortBy  sortKey
	reverse bool
	order   []int32 // every group, sorted
	sorted  struct {
		version uint64
		by      sortKey
		reverse bool
	}

	rows        []int32 // the groups that pass the filter, in order
	rowsVersion uint64
	words       []string // the filter the rows are for
	listFilter

	cursor, offset int
}

// NewGroups builds the groups screen.
func NewGroups(c *tui.Common) tui.Component {
	g := &Groups{c: c}
	g.list = g
	g.refresh("")
	return g
}

func (g *Groups) Init() tea.Cmd { return nil }
func (g *Groups) Title() string { return "Groups" }

func (g *Groups) Help() []tui.HelpGroup {
	k := g.c.Keys
	if g.typing {
		return []tui.HelpGroup{{Title: "Filter", Bindings: []keyBinding{
			withHelp(k.Submit, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), k.Clear,
			withHelp(k.Up, "↑", "up"), withHelp(k.Down, "↓", "down"),
		}}}
	}
	return []tui.HelpGroup{
		{Title: "Groups", Bindings: []keyBinding{withHelp(k.Open, "enter", "open group"), k.Filter, k.Sort, k.Reverse}},
		{Title: "Move", Bindings: []keyBinding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{Title: "Filter words", Bindings: []keyBinding{
			filterHelp("alice", "in the email, a connection, user id or identifier"),
			filterHelp("class:link", "class starts with link (class:resolved: done here)"),
			filterHelp("conn:a+b", "on connections a and b, no other"),
			filterHelp("a b", "both words"),
		}},
	}
}

func filterHelp(example, desc string) keyBinding {
	b := keyBinding{}
	b.SetKeys(example)
	b.SetHelp(example, desc)
	return b
}

// Rows is the number of groups passing the filter.
func (g *Groups) Rows() int { return len(g.rows) }

// Filter is the filter as typed.
func (g *Groups) Filter() string { return g.filter.Value }

// Selected is the group under the cursor, nil when the list is empty.
func (g *Groups) Selected() *linking.Group {
	// The rows may still be those of a report just replaced by a smaller one.
	if g.cursor < 0 || g.cursor >= len(g.rows) || int(g.rows[g.cursor]) >= len(g.c.Data.Groups) {
		return nil
	}
	return g.c.Data.Groups[g.rows[g.cursor]]
}

func (g *Groups) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.DataChangedMsg:
		g.refresh(g.selectedEmail())
	case tea.WindowSizeMsg:
		g.clamp() // a taller or shorter window: keep the cursor on screen
	case tui.SetFilterMsg:
		g.filter.Value, g.typing = msg.Query, false
		g.cursor, g.offset = 0, 0
		g.refresh("")
	case tui.TypeFilterMsg:
		g.startTyping()
	case tea.KeyPressMsg:
		if g.filterKey(msg, g.c.Keys) {
			return g, nil
		}
		return g, g.key(msg)
	}
	return g, nil
}

func (g *Groups) filterCleared() { g.refresh(g.selectedEmail()) }
func (g *Groups) filterChanged() { g.refilter() }

func (g *Groups) key(k tea.KeyPressMsg) tea.Cmd {
	keys := g.c.Keys
	switch {
	case tui.Matches(k, keys.Open):
		if sel := g.Selected(); sel != nil {
			// The cursor lands on the account the filter named, if any.
			return g.c.Open(NewDetailAt(g.c, sel.Email, g.c.Data.MatchedAccount(int(g.rows[g.cursor]), g.words)))
		}
	case tui.Matches(k, keys.Sort):
		g.sortBy = (g.sortBy + 1) % sortKeys
		g.refresh(g.selectedEmail())
	case tui.Matches(k, keys.Reverse):
		g.reverse = !g.reverse
		g.refresh(g.selectedEmail())
	default:
		open := "enter opens the group first."
		if g.Selected() == nil {
			open = "no group is listed to open."
		}
		if cmd := writeKeyElsewhere(g.c, k, open); cmd != nil {
			return cmd
		}
		g.move(k)
	}
	return nil
}

// undoElsewhere is U's answer on the screens of groups and accounts: it
// undoes a recorded write, which the audit log alone lists.
const undoElsewhere = "U undoes a write from the audit log: 3 opens it."

// writeKeyElsewhere answers a key that acts on a group or on one account
// of it, pressed on a screen of neither (the overview, the groups list, the
// audit log): what the key does and, in open, how to reach where it works,
// said at once without a ✓; under --read-only the refusal a group's screen
// gives. nil for any other key. On a list it would act on a group the
// operator has not seen.
func writeKeyElsewhere(c *tui.Common, k tea.KeyPressMsg, open string) tea.Cmd {
	keys := c.Keys
	switch {
	case tui.Matches(k, keys.Writes()...) && c.ReadOnly:
		return tui.ReportError(errReadOnly) // said here, not once the group is open
	case tui.Matches(k, keys.Undo):
		return tui.Tell(undoElsewhere)
	case tui.Matches(k, keys.Copy):
		return tui.Tell("y copies a user id on a group's or an account's screen.")
	}
	for _, w := range []struct {
		key  key.Binding
		what string
	}{
		{keys.Link, "l links accounts of one group"},
		{keys.ChoosePrimary, "p chooses a link's primary"},
		{keys.Unlink, "u unlinks from one account"},
		{keys.Delete, "D deletes one account"},
		{keys.Ticket, "t makes a password ticket"},
		{keys.Verify, "v sends a verification email"},
	} {
		if tui.Matches(k, w.key) {
			return tui.Tell(w.what + ": " + open)
		}
	}
	return nil
}

func (g *Groups) pageSize() int { return max(g.c.Height-listChrome, 1) }

// listChrome is the lines of the screen that are not rows: title, filter, header.
const listChrome = 3

func (g *Groups) move(k tea.KeyPressMsg) {
	moveCursor(k, g.c.Keys, &g.cursor, len(g.rows), g.pageSize())
	g.clamp()
}

func (g *Groups) clamp() {
	g.cursor = min(max(g.cursor, 0), max(len(g.rows)-1, 0))
	page := g.pageSize()
	if g.cursor < g.offset {
		g.offset = g.cursor
	}
	if g.cursor >= g.offset+page {
		g.offset = g.cursor - page + 1
	}
	g.offset = min(max(g.offset, 0), max(len(g.rows)-page, 0))
}

func (g *Groups) selectedEmail() string {
	if sel := g.Selected(); sel != nil {
		return sel.Email
	}
	return ""
}

// refresh re-sorts when the data or the order changed and filters from
// scratch, keeping the cursor on the group with email keep when it is still
// listed.
func (g *Groups) refresh(keep string) {
	g.sort()
	g.words = tui.FilterWords(g.filter.Value)
	g.rows = g.filterFrom(g.order, false)
	g.rowsVersion = g.c.Data.Version
	g.cursor = 0
	if keep != "" {
		if at, ok := g.c.Data.Find(keep); ok {
			if i := slices.Index(g.rows, int32(at)); i >= 0 {
				g.cursor = i
			}
		}
	}
	g.clamp()
}

// refilter applies a changed filter: it narrows the current rows when the
// new filter only adds to the old one, and starts over otherwise.
func (g *Groups) refilter() {
	words := tui.FilterWords(g.filter.Value)
	if g.rowsVersion == g.c.Data.Version && tui.Narrows(g.words, words) {
		g.words = words
		g.rows = g.filterFrom(g.rows, true)
	} else {
		g.words = words
		g.rows = g.filterFrom(g.order, false)
	}
	g.cursor, g.offset = 0, 0
	g.clamp()
}

// filterFrom keeps the groups of from that match, in from's own array when
// inPlace (the list narrowing its own rows).
func (g *Groups) filterFrom(from []int32, inPlace bool) []int32 {
	dst := from[:0]
	if !inPlace {
		dst = make([]int32, 0, len(from))
	}
	if len(g.words) == 0 {
		return append(dst, from...)
	}
	d := g.c.Data
	for _, i := range from {
		if d.Matches(int(i), g.words) {
			dst = append(dst, i)
		}
	}
	return dst
}

func (g *Groups) sort() {
	d := g.c.Data
	if g.order != nil && g.sorted.version == d.Version && g.sorted.by == g.sortBy && g.sorted.reverse == g.reverse {
		return
	}
	order := make([]int32, 0, len(d.Groups))
	for i := range d.Groups {
		if d.Listed(i) {
			order = append(order, int32(i))
		}
	}
	gs := d.Groups
	var cmpFn func(a, b int32) int
	switch g.sortBy {
	case sortEmail:
		cmpFn = func(a, b int32) int { return strings.Compare(gs[a].Email, gs[b].Email) }
	case sortAccounts:
		cmpFn = func(a, b int32) int { return cmp.Compare(len(gs[b].Accounts), len(gs[a].Accounts)) }
	case sortConnections:
		cmpFn = func(a, b int32) int { return strings.Compare(d.Connections(int(a)), d.Connections(int(b))) }
	case sortMissed:
		cmpFn = func(a, b int32) int { return cmp.Compare(rank(gs[b].MissedByExtension), rank(gs[a].MissedByExtension)) }
	}
	if cmpFn != nil {
		slices.SortStableFunc(order, cmpFn) // ties keep the report's order
	}
	if g.reverse {
		slices.Reverse(order)
	}
	g.order = order
	g.sorted.version, g.sorted.by, g.sorted.reverse = d.Version, g.sortBy, g.reverse
}

func rank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// noScanYet says why there is no report to show yet, and what scans.
func noScanYet(sc tui.ScanStatus) string {
	switch {
	case sc.Running:
		return "the scan has not finished (see the status bar)."
	case sc.Cancelled:
		return "the scan was cancelled. Press r to scan again."
	case sc.Err != nil:
		return "the scan failed (see the status bar). Press r to try again."
	}
	return "no scan has run. Press r to scan the tenant."
}

// columns are the widths of the list's columns for a screen width; 0 is
// a column left out.
type columns struct{ email, class, accounts, conns, missed int }

// groupColumns lays out the list: the email as wide as the widest shown,
// the connections the rest. When room is short the connections shrink
// first and go, then the class shrinks, then the MISSED flag goes; the
// email is cut last. The six cells of MISSED say what the extension left
// undone, which the group screen alone says otherwise; the connection
// names it shows too: MISSED outlives them down to 60 columns. A list
// sorted by missed keeps its flag longest: the email is cut before it.
func groupColumns(width, widestEmail, widestConns int, sortedByMissed bool) columns {
	// One scale for drops and shrinks (tui.FitColumns): the connections'
	// drop must rank above the flag's, or the flag goes first whatever
	// their shrink.
	missedDrop := 2
	if sortedByMissed {
		missedDrop = 1 // after the email's shrink, which ranks first at 1
	}
	w := tui.FitColumns([]tui.Column{
		{Want: min(max(widestEmail, 16), 40), Min: 14, Shrink: 1},
		{Want: 18, Min: 10, Shrink: 3},
		{Want: 3, Min: 3},
		{Want: max(widestConns, 11), Min: 11, Shrink: 6, Drop: 5},
		{Want: 6, Min: 6, Drop: missedDrop},
	}, width-2, 1)
	c := columns{email: w[0], class: w[1], accounts: w[2], conns: w[3], missed: w[4]}
	if c.conns > 0 { // the connections take what is left
		used := c.email + c.class + c.accounts + c.conns + 3
		if c.missed > 0 {
			used += c.missed + 1
		}
		c.conns += max(width-2-used, 0)
	}
	return c
}

func (g *Groups) View() string {
	c, s := g.c, g.c.Styles
	if c.Data.Report == nil {
		return s.Title.Render("Groups") + "\n\n" + strings.Join(sentence(s.Dim.Render, "No groups yet: "+noScanYet(c.Scan), c.Width), "\n")
	}
	if g.rowsVersion != c.Data.Version {
		g.refresh(g.selectedEmail())
	}
	var b strings.Builder
	order := sortNames[g.sortBy]
	// ▲ ascending, ▼ descending: accounts and missed sort most first.
	descending := (g.sortBy == sortAccounts || g.sortBy == sortMissed) != g.reverse
	arrow := "▲"
	if descending {
		arrow = "▼"
	}
	// Counted as the overview counts them: the groups that still share an
	// email, and apart from them those an action resolved (listed too).
	st := c.Data.Stats()
	resolved := st.Resolved
	if g.filter.Value != "" && resolved > 0 {
		resolved = 0
		for _, r := range g.rows {
			if tui.Resolved(c.Data.Groups[r]) {
				resolved++
			}
		}
	}
	counts := fmt.Sprintf("%s of %s groups", tui.Count(len(g.rows)-resolved), tui.Count(st.Groups))
	if resolved > 0 {
		counts += fmt.Sprintf(" · %s resolved", tui.Count(resolved))
	}
	fmt.Fprintf(&b, "%s  %s · sorted by %s %s\n", s.Title.Render("Groups"), counts, order, arrow)
	switch {
	case g.typing:
		b.WriteString(s.Key.Render("/") + " " + g.filter.View(s, c.Width-4) + s.Dim.Render("  enter keeps · esc clears"))
	case g.filter.Value != "":
		b.WriteString(s.Dim.Render("filter: ") + tui.Fit(g.filter.Value, c.Width-30) + s.Dim.Render("  (/ edits, esc clears)"))
	default:
		b.WriteString(s.Dim.Render(tui.Fit("/ filters by email, connection, class:…, user id or identifier · f finds any account", c.Width)))
	}
	b.WriteByte('\n')
	end := min(g.offset+g.pageSize(), len(g.rows))
	widest, widestConns := 0, 0
	for i := g.offset; i < end; i++ {
		widest = max(widest, tui.Width(tui.Fit(c.Data.Groups[g.rows[i]].Email, c.Width/2)))
		widestConns = max(widestConns, tui.Width(tui.Fit(c.Data.Connections(int(g.rows[i])), c.Width/2)))
	}
	cols := groupColumns(c.Width, widest, widestConns, g.sortBy == sortMissed)
	b.WriteString(s.Header.Render("  " + cols.row("EMAIL", "CLASS", "ACC", "CONNECTIONS", "MISSED")))
	if len(g.rows) == 0 {
		b.WriteString("\n\n" + s.Dim.Render("  No group matches this filter."))
		b.WriteString("\n" + s.Dim.Render(tui.Fit("  Groups hold accounts that share an email: f finds any account, alone or not.", c.Width)))
		return b.String()
	}
	for i := g.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(g.row(i, cols))
	}
	return b.String()
}

// row joins the cells of the columns shown, each padded to its width.
func (c columns) row(email, class, accounts, conns, missed string) string {
	parts := []string{tui.Pad(email, c.email), tui.Pad(class, c.class), tui.PadLeft(accounts, c.accounts)}
	if c.conns > 0 {
		parts = append(parts, tui.Pad(conns, c.conns))
	}
	if c.missed > 0 {
		parts = append(parts, tui.Pad(missed, c.missed))
	}
	return strings.Join(parts, " ")
}

func (g *Groups) row(i int, cols columns) string {
	s := g.c.Styles
	at := int(g.rows[i])
	grp := g.c.Data.Groups[at]
	// A long connection name cut at its end, where FitParts would cut it in
	// its middle at a place that moves from row to row.
	conns := tui.FitPartsEnd(strings.Split(g.c.Data.Connections(at), tui.ConnectionsSep), tui.ConnectionsSep, cols.conns)
	missed := ""
	if grp.MissedByExtension && !tui.Resolved(grp) {
		missed = "⚑ yes"
	}
	if i == g.cursor {
		return s.Selected.Render("▸ " + cols.row(grp.Email, tui.ClassName(grp.Class), fmt.Sprint(len(grp.Accounts)), conns, missed))
	}
	out := "  " + tui.Pad(grp.Email, cols.email) + " " + s.Class(grp.Class).Render(tui.Pad(tui.ClassName(grp.Class), cols.class)) + " " +
		tui.PadLeft(fmt.Sprint(len(grp.Accounts)), cols.accounts)
	if cols.conns > 0 {
		out += " " + s.Dim.Render(tui.Pad(conns, cols.conns))
	}
	if cols.missed > 0 {
		out += " " + s.Warn.Render(tui.Pad(missed, cols.missed))
	}
	return out
}
