package views

import (
	"github.com/linkdesk/linkdesk/termsafe"

	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

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
	chosen string // primary chosen with p, "" for the recommended one

	ticketTask tui.TaskID
}

// NewDetail opens the group with this normalized email.
func NewDetail(c *tui.Common, email string) *Detail { return &Detail{c: c, email: email} }

func (d *Detail) Init() tea.Cmd   { return nil }
func (d *Detail) Capturing() bool { return false }
func (d *Detail) Title() string   { return "Group " + tui.Fit(d.email, 40) }

func (d *Detail) Help() []tui.HelpGroup {
	k := d.c.Keys
	actions := []keyBinding{k.Link, k.Unlink, k.Delete, k.Ticket}
	if d.c.ReadOnly {
		for i := range actions {
			actions[i].SetEnabled(false)
			actions[i].SetHelp(actions[i].Help().Key, actions[i].Help().Desc+" (off: read-only)")
		}
	}
	return []tui.HelpGroup{
		{Title: "Actions", Bindings: append(actions, k.ChoosePrimary, k.Copy)},
		{Title: "Move", Bindings: []keyBinding{k.Up, k.Down, k.NextPane, withHelp(k.Back, "esc", "back to the list")}},
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

// Selected is the account under the cursor.
func (d *Detail) Selected() *linking.Account {
	g := d.Group()
	if g == nil || len(g.Accounts) == 0 {
		return nil
	}
	return g.Accounts[min(d.cursor, len(g.Accounts)-1)]
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
	if a := d.Selected(); a != nil {
		return a.UserID
	}
	return ""
}

func accountByID(g *linking.Group, id string) *linking.Account {
	for _, a := range g.Accounts {
		if a.UserID == id {
			return a
		}
	}
	return nil
}

var errReadOnly = errors.New("read-only session (--read-only): linking, unlinking, deleting and tickets are off")

func (d *Detail) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.DataChangedMsg:
		if g := d.Group(); g != nil {
			d.cursor = min(d.cursor, max(len(g.Accounts)-1, 0))
		}
	case tui.WriteDoneMsg:
		if msg.Task == d.ticketTask && msg.Err == nil {
			url, _ := msg.Result.(string)
			return d, tui.Push(NewTicketView(d.c, msg.Label, url))
		}
	case tea.KeyPressMsg:
		return d, d.key(msg)
	}
	return d, nil
}

func (d *Detail) key(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.Keys
	g := d.Group()
	if g == nil {
		return nil
	}
	sel := d.Selected()
	switch {
	case tui.Matches(k, keys.NextPane):
		d.pane = 1 - d.pane
	case tui.Matches(k, keys.Up):
		if d.pane == 0 {
			d.cursor = max(d.cursor-1, 0)
		} else {
			d.scroll = max(d.scroll-1, 0)
		}
	case tui.Matches(k, keys.Down):
		if d.pane == 0 {
			d.cursor = min(d.cursor+1, len(g.Accounts)-1)
		} else {
			d.scroll++
		}
	case tui.Matches(k, keys.PageDown):
		d.scroll += d.c.Height / 2
	case tui.Matches(k, keys.PageUp):
		d.scroll = max(d.scroll-d.c.Height/2, 0)
	case tui.Matches(k, keys.ChoosePrimary):
		if sel != nil {
			d.chosen = sel.UserID
			return tui.Note(tui.Fit(sel.UserID, 60) + " will be the primary of the next link (l).")
		}
	case tui.Matches(k, keys.Copy):
		return copyUserID(sel)
	case tui.Matches(k, keys.Link, keys.Unlink, keys.Delete, keys.Ticket) && d.c.ReadOnly:
		return tui.ReportError(errReadOnly)
	case tui.Matches(k, keys.Link):
		if len(g.Accounts) < 2 {
			return tui.ReportError(errors.New("nothing to link: this email has one account now"))
		}
		return tui.Push(NewLinkWizard(d.c, g.Email, d.Primary()))
	case tui.Matches(k, keys.Unlink):
		if sel == nil || len(sel.Linked) == 0 {
			return tui.ReportError(fmt.Errorf("%s has no linked identity to unlink; pick the account that holds one", tui.Fit(userID(sel), 60)))
		}
		return tui.Push(NewUnlink(d.c, g.Email, sel.UserID))
	case tui.Matches(k, keys.Delete):
		if sel != nil {
			return tui.Push(NewDeleteDialog(d.c, g.Email, sel.UserID))
		}
	case tui.Matches(k, keys.Ticket):
		if sel != nil {
			return d.askTicket(sel)
		}
	}
	return nil
}

func userID(a *linking.Account) string {
	if a == nil {
		return "this account"
	}
	return a.UserID
}

// copyUserID writes the id to the clipboard through the terminal (OSC 52);
// an id holding control characters is not copied, so that pasting it can
// never run anything.
func copyUserID(a *linking.Account) tea.Cmd {
	if a == nil {
		return nil
	}
	if termsafe.Sanitize(a.UserID) != a.UserID {
		return tui.ReportError(errors.New("this user id holds control or invisible characters: not copied"))
	}
	return tea.Batch(tea.SetClipboard(a.UserID), tui.Note("Copied "+a.UserID+" to the clipboard (if the terminal allows OSC 52)."))
}

func (d *Detail) askTicket(a *linking.Account) tea.Cmd {
	task := tui.NewTask()
	d.ticketTask = task
	id := a.UserID
	label := "ticket for " + tui.Fit(id, 50)
	body := []string{
		"A password-change ticket is a one-time link that lets this one account set a new password,",
		"even when other accounts share its email. The audit log records that it was made.",
		"",
		"Account:  " + tui.Fit(id, 70),
		"Email:    " + tui.Fit(a.Email, 70),
	}
	b := d.c.Backend
	write := tui.Write(tui.WriteRequest{Task: task, Label: label, Run: func(ctx context.Context) (any, error) {
		return b.Ticket(ctx, id, "password-change ticket from the linkdesk TUI")
	}})
	return tui.Push(tui.NewConfirm(d.c, "Password-change ticket", body, "Make a ticket for "+tui.Fit(id, 40)+"?", false, write))
}

// ---- view ----

// maxLinkedShown is how many linked identities an account lists before "… and n more".
const maxLinkedShown = 4

// accountColumns are the widths of the account table's flexible columns.
type accountColumns struct{ id, conn int }

func detailColumns(width int) accountColumns {
	flex := width - 4 - 1 - 7 - 11 - 10 - 2 // role, gaps, logins, last login, created
	id := min(max(flex*60/100, 20), 40)
	return accountColumns{id: id, conn: flex - id}
}

func (d *Detail) View() string {
	c, s := d.c, d.c.Styles
	g := d.Group()
	if g == nil {
		return s.Title.Render("Group "+tui.Fit(d.email, c.Width-10)) + "\n\n" + s.Dim.Render("This group is no longer in the scan. Press esc to go back.")
	}
	var head []string
	title := s.Title.Render("Group ") + tui.Fit(g.Email, c.Width/2) + "  " + s.Class(g.Class).Render(tui.ClassName(g.Class))
	if g.MissedByExtension && !tui.Resolved(g) {
		title += "  " + s.Warn.Render("⚑ missed by the Account Link Extension")
	}
	head = append(head, title)
	summary := fmt.Sprintf("%d %s on %s", len(g.Accounts), tui.Plural(len(g.Accounts), "account", "accounts"), tui.Fit(tui.ConnectionsOf(g), c.Width/2))
	if tui.Resolved(g) {
		summary += " · resolved: one account holds this email now"
	}
	head = append(head, s.Dim.Render(summary))
	if c.ReadOnly {
		head = append(head, s.ReadOnly.Render(" READ-ONLY ")+s.Dim.Render(" link, unlink, delete and tickets are off"))
	}
	head = append(head, "")

	cols := detailColumns(c.Width)
	header := "    " + tui.Pad("USER ID", cols.id) + " " + tui.Pad("CONNECTION", cols.conn) + " " +
		tui.PadLeft("LOGINS", 6) + " " + tui.Pad("LAST LOGIN", 10) + " " + "CREATED"
	head = append(head, s.Header.Render(header))

	// Accounts pane: each account's lines, scrolled so the cursor shows.
	var accLines []string
	var starts []int
	for i, a := range g.Accounts {
		starts = append(starts, len(accLines))
		accLines = append(accLines, d.accountLines(g, i, a, cols)...)
	}
	starts = append(starts, len(accLines))
	bodyRoom := c.Height - len(head) - 1
	accRoom := min(len(accLines), max(bodyRoom*55/100, 4))
	cur := min(d.cursor, len(g.Accounts)-1)
	if starts[cur] < d.top {
		d.top = starts[cur]
	}
	if starts[cur+1] > d.top+accRoom {
		d.top = starts[cur+1] - accRoom
	}
	d.top = min(max(d.top, 0), max(len(accLines)-accRoom, 0))
	shown := accLines[d.top:min(d.top+accRoom, len(accLines))]

	// Reasons pane: the rest of the screen.
	reasons := d.reasonLines(g)
	room := max(bodyRoom-len(shown)-1, 1)
	d.scroll = min(d.scroll, max(len(reasons)-room, 0))
	more := ""
	if len(reasons) > room {
		more = s.Dim.Render(fmt.Sprintf("  (%d more lines: tab, then j/k)", len(reasons)-room-d.scroll))
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

func (d *Detail) accountLines(g *linking.Group, i int, a *linking.Account, cols accountColumns) []string {
	s, now := d.c.Styles, d.c.Now()
	role := "  "
	switch {
	case d.chosen != "" && a.UserID == d.chosen:
		role = "◆ "
	case a.UserID == g.RecommendedPrimary:
		role = "★ "
	}
	line := role + tui.Pad(a.UserID, cols.id) + " " + tui.Pad(a.Connection, cols.conn) + " " +
		tui.PadLeft(fmt.Sprint(a.LoginsCount), 6) + " " + tui.Pad(tui.Day(a.LastLogin, "never"), 10) + " " + tui.Day(a.CreatedAt, "unknown")
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
	email := tui.Fit(a.Email, 44)
	if a.Email == "" {
		email = s.Dim.Render("no email")
	}
	info := " · signs in with its email"
	if a.Identifier.Type != linking.IdentifierEmail {
		info = " · identifier " + tui.Fit(a.Identifier.Type+" "+a.Identifier.Value, 40)
	}
	info += " · strategy " + tui.Fit(a.Strategy, 20)
	if a.Name != "" {
		info += " · name " + tui.Fit(a.Name, 40)
	}
	if !a.LastLogin.IsZero() {
		info += " · last seen " + tui.Ago(a.LastLogin, now)
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
		lines = append(lines, tui.Truncate("      "+s.Dim.Render("linked: ")+tui.Fit(l.Provider+"|"+l.UserID, 40)+
			s.Dim.Render(" on ")+tui.Fit(l.Connection, 30)+s.Dim.Render(", ")+tui.Fit(l.Email, 36)+" "+mark, d.c.Width-1))
	}
	return lines
}

func (d *Detail) reasonLines(g *linking.Group) []string {
	s := d.c.Styles
	w := d.c.Width - 4
	var out []string
	if g.RecommendedPrimary != "" {
		out = append(out, s.Title.Render("★ Recommended primary: ")+tui.Fit(g.RecommendedPrimary, w-25))
		for _, r := range g.PrimaryReasons {
			out = append(out, bullet(r, w)...)
		}
	} else if !tui.Resolved(g) {
		out = append(out, s.Title.Render("No recommended primary: ")+"which accounts belong together is for you to decide (p picks one).")
	}
	if tui.Resolved(g) && len(g.Accounts) == 1 && len(g.Accounts[0].Linked) > 0 {
		out = append(out, s.Good.Render("✓ Linked: ")+"every account with this email is now an identity of "+tui.Fit(g.Accounts[0].UserID, 40)+".",
			s.Dim.Render("  To undo a link: U on its record in the audit log (3) unlinks it and restores both accounts' metadata, roles and memberships from the backups."))
	}
	if d.chosen != "" && d.chosen != g.RecommendedPrimary {
		out = append(out, s.Warn.Render("◆ You chose ")+tui.Fit(d.chosen, 50)+s.Warn.Render(" as the primary of the next link."))
	}
	if len(g.Reasons) > 0 {
		out = append(out, s.Title.Render("Why this group"))
		for _, r := range g.Reasons {
			out = append(out, bullet(r, w)...)
		}
	}
	return out
}

// bullet wraps a tenant-derived sentence as a bulleted item.
func bullet(text string, width int) []string {
	lines := tui.Wrap(text, width-4, 6)
	for i := range lines {
		if i == 0 {
			lines[i] = "  • " + lines[i]
		} else {
			lines[i] = "    " + lines[i]
		}
	}
	return lines
}
