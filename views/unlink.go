package views

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/tui"
)

// Unlink detaches one identity from an account: it reads the account by id,
// lets the operator pick the linked identity (j/k when there are several),
// shows linking's plan, and asks y/N (enter does not confirm).
type Unlink struct {
	c       *tui.Common
	email   string
	primary string

	userRead
	cursor  int
	scroll  int // first line of the identities and notes shown (pgdn)
	op      *linking.Operation
	planErr error
	// linkedBy are the links linkdesk made of the identities linked into
	// the account, that still stand, by provider|user_id: the notes of an
	// unlink of one say what its link's undo gives back that it does not.
	linkedBy map[string]linking.LinkedBy

	writeDialog
}

// NewUnlink opens the unlink dialog for an account of a group.
func NewUnlink(c *tui.Common, email, primary string) *Unlink {
	// The reason says what is done, not why: an unlink is no undo of the
	// link (the notes say which is, when linkdesk made it).
	return &Unlink{c: c, email: email, primary: primary, writeDialog: writeDialog{reason: tui.NewReason("identity unlinked in the linkdesk TUI")}}
}

// Selected is the identity the cursor is on, as provider|user_id (tests).
func (u *Unlink) Selected() string {
	linked := u.user.Linked()
	if u.cursor >= len(linked) {
		return ""
	}
	return linked[u.cursor].Provider + "|" + linked[u.cursor].UserID
}

func (u *Unlink) Init() tea.Cmd {
	if a, _ := u.c.Data.Account(u.primary); a != nil {
		u.scanned = tui.Label(a)
	}
	return u.startRead(u.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.ReadLinkedInto(u.c.Ctx, task, u.primary) })
}

func (u *Unlink) Title() string { return "Unlink" }

func (u *Unlink) Help() []tui.HelpGroup {
	k := u.c.Keys
	if !u.exec.started && !u.loading && (u.readErr != nil || len(u.user.Linked()) == 0) { // nothing to unlink: no y
		return []tui.HelpGroup{{Title: "Unlink", Bindings: []keyBinding{withHelp(k.Back, "esc", "back")}}}
	}
	pick := []keyBinding{withHelp(k.Up, "j/k", "pick the identity")}
	if len(u.user.Linked()) < 2 {
		pick = nil // one identity: nothing to pick
	}
	scroll := withHelp(k.PageDown, "pgdn/pgup", "scroll the notes")
	if u.refused() && u.op != nil { // refused ahead: no y
		return u.help(k, "Unlink", "back to the group", slices.Concat([]keyBinding{withHelp(k.Back, "esc", "back")}, pick, []keyBinding{scroll})...)
	}
	return u.help(k, "Unlink", "back to the group", slices.Concat(pick, []keyBinding{withHelp(k.Confirm, "y", "unlink"), k.Cancel, k.Reason, scroll})...)
}

func (u *Unlink) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	return u, dialogUpdate(msg, &u.reading, u.tookAccount, &u.exec, &u.hint, u.key)
}

// tookAccount takes the account read, and plans the unlink of the
// identity linked last: Auth0 appends a linked identity, so the last one
// was linked most recently, the one an "undo that link" means.
func (u *Unlink) tookAccount(msg tui.UsersMsg) tea.Cmd {
	u.hint = "" // "still reading" no longer
	u.linkedBy = msg.LinkedBy
	if u.tookUser(msg) {
		u.cursor = max(len(u.user.Linked())-1, 0)
		return u.plan()
	}
	return nil
}

// plan plans the unlink of the identity under the cursor, and checks
// ahead what it would be refused for before its first call.
func (u *Unlink) plan() tea.Cmd {
	u.op, u.planErr, u.exec.ahead = nil, nil, tui.Ahead{}
	linked := u.user.Linked()
	if len(linked) == 0 {
		return nil
	}
	u.cursor = min(u.cursor, len(linked)-1)
	id := linked[u.cursor]
	op, err := linking.PlanUnlink(u.user, id.Provider, id.UserID, "")
	if err != nil {
		u.planErr = err
		return nil
	}
	op.Group = u.email
	if by, ok := u.linkedBy[op.Secondary]; ok {
		linking.NoteLinkedBy(&op, by)
	}
	u.op = &op
	return u.exec.ahead.Check(u.c, []linking.Operation{op})
}

func (u *Unlink) key(k tea.KeyPressMsg) tea.Cmd {
	keys := u.c.Keys
	if u.takeKey(k, keys) {
		return nil
	}
	switch {
	case tui.Matches(k, keys.Cancel):
		return u.c.Close(u)
	case tui.Matches(k, keys.Up), tui.Matches(k, keys.Down):
		u.scroll = 0 // the identities in view
		was := u.cursor
		if tui.Matches(k, keys.Up) {
			u.cursor = max(u.cursor-1, 0)
		} else {
			u.cursor = min(u.cursor+1, max(len(u.user.Linked())-1, 0))
		}
		if u.cursor != was { // another identity: planned and checked again
			return u.plan()
		}
	case tui.Matches(k, keys.PageDown):
		u.scroll += max(u.c.Height/2, 1)
	case tui.Matches(k, keys.PageUp):
		u.scroll = max(u.scroll-max(u.c.Height/2, 1), 0)
	case tui.Matches(k, keys.Confirm):
		if u.op == nil && u.loading {
			u.hint = "Still reading the account: y answers once it is read."
			return nil
		}
		if u.op == nil {
			u.hint = "Nothing to unlink."
			return nil
		}
		if hint := u.exec.ahead.Blocked(); hint != "" {
			u.hint = hint
			return nil
		}
		ops := []linking.Operation{*u.op}
		ops[0].Reason = u.reason.Value()
		linking.NameAccounts(ops, []client.User{u.user}, u.conns)
		// By tui.ShortNameIn: what the toast says where the label does not
		// fit in its line.
		labelBy := func(nameIn func(*linking.Group, *linking.Account) string) string {
			return "unlink " + tui.Fit(u.identityName(), labelName) + " from " + tui.Fit(u.primaryNameBy(nameIn), labelName)
		}
		u.exec.short = labelBy(tui.ShortNameIn)
		return u.exec.start(u.c, labelBy(tui.NameIn), u.email, ops)
	case u.refused() && u.op != nil:
		u.hint = u.exec.ahead.Blocked()
	default:
		u.hint = "Press y to unlink or n to cancel (enter does not confirm)."
	}
	return nil
}

// primaryName is the account unlinked from, by its primary identifier.
func (u *Unlink) primaryName() string { return u.primaryNameBy(tui.NameIn) }

// primaryNameBy is the account unlinked from as nameIn names an account
// of its group (tui.NameIn, tui.ShortNameIn).
func (u *Unlink) primaryNameBy(nameIn func(*linking.Group, *linking.Account) string) string {
	if i, ok := u.c.Data.Find(u.email); ok {
		if a := accountByID(u.c.Data.Groups[i], u.primary); a != nil {
			return nameIn(u.c.Data.Groups[i], a)
		}
	}
	return u.name(u.primary)
}

// identityName is the identity under the cursor, by the identifier its old
// profile holds.
func (u *Unlink) identityName() string {
	linked := u.user.Linked()
	if u.cursor >= len(linked) {
		return ""
	}
	return tui.IdentityLabel(linked[u.cursor], u.conns, u.user.Email)
}

func (u *Unlink) View() string {
	s := u.c.Styles
	w := u.c.Width
	// The account whole, over two lines where one does not hold it: its
	// user id tells it apart from the others sharing its email.
	lines := append(titleLines("Unlink an identity from ", u.primaryName(), w, 2, s.Title.Render), "")
	switch {
	case u.exec.started:
		lines = append(lines, u.exec.view(u.c, "Unlinking", u.c.Height-len(lines))...)
		return strings.Join(lines, "\n")
	case u.loading:
		lines = append(lines, "Reading the account by id…")
		if u.hint != "" {
			lines = append(append(lines, ""), sentence(s.Warn.Render, u.hint, w)...)
		}
		return strings.Join(lines, "\n")
	case u.readErr != nil:
		lines = append(lines, hanging(s.Bad.Render("✗ "), u.readErr.Error(), w-2, 6, nil)...)
		lines = append(lines, "", s.Dim.Render("esc goes back."))
		return strings.Join(lines, "\n")
	}
	linked := u.user.Linked()
	if len(linked) == 0 {
		lines = append(lines, "This account has no linked identity (any more).", "", s.Dim.Render("esc goes back."))
		return strings.Join(lines, "\n")
	}
	head, middle := lines, u.middleLines(linked, w)
	var bottom []string
	switch {
	case u.op != nil && u.refused():
		// Refused ahead: why, in place of the question (the reason too,
		// unless it is being edited).
		bottom = append(bottom, "")
		if u.reason.Editing() {
			bottom = append(append(bottom, u.reason.Lines(s, w)...), "")
		}
		bottom = append(bottom, u.exec.ahead.Lines(s, w)...)
	case u.op != nil:
		bottom = append(bottom, "")
		bottom = append(append(bottom, u.reason.Lines(s, w)...), "")
		// The question whole, both accounts with their user ids, wrapped
		// over lines rather than cut; y/n under it where it takes them all.
		q := "Unlink " + tui.Fit(u.identityName(), 2*w) + " from " + tui.Fit(u.primaryName(), 2*w) + "?"
		bottom = append(bottom, tui.QuestionLines(s, q, w)...)
	}
	if u.hint != "" {
		bottom = append(append(bottom, ""), sentence(s.Warn.Render, u.hint, w)...)
	}
	// A short window gives up the blank lines first (the middle's, then the
	// bottom's, then the title's), then scrolls the middle (pgdn): the
	// title, the reason and the question with its y/n stay in view.
	room := u.c.Height
	if over := len(head) + len(middle) + len(bottom) - room; over > 0 {
		middle = squeeze(middle, len(middle)-over)
	}
	if over := len(head) + len(middle) + len(bottom) - room; over > 0 {
		bottom = squeeze(bottom, len(bottom)-over)
	}
	if over := len(head) + len(middle) + len(bottom) - room; over > 0 {
		head = squeeze(head, len(head)-over)
	}
	shown := scrollPane(s, middle, &u.scroll, max(room-len(head)-len(bottom), 3), "pgdn")
	return strings.Join(append(append(head, shown...), bottom...), "\n")
}

// middleLines are the identities to pick from and what unlinking the one
// picked does: its notes whole and its calls.
func (u *Unlink) middleLines(linked []client.Identity, w int) []string {
	s := u.c.Styles
	var lines []string
	if len(linked) == 1 {
		// Nothing to pick: the identity named whole, by its identifier and
		// user id, in the lines a table's heading and row take (cut there).
		id := linked[0]
		name := tui.AccountLabel(tui.IdentityIdentifier(id, u.conns), id.Provider+"|"+id.UserID)
		lines = append(lead("Linked identity: ", name+" on "+id.Connection, w, s.Header.Render, nil), "")
	} else {
		lines = append(u.identityTable(linked, w), "")
	}
	if u.planErr != nil {
		lines = append(lines, hanging(s.Bad.Render("✗ "), u.planErr.Error(), w-2, 0, nil)...) // whole: it says why
	}
	if op := u.op; op != nil {
		for _, n := range op.Notes { // whole: the pane scrolls
			lines = append(lines, hanging("  ", "note: "+n, w-2, 0, nil)...)
		}
		for i, st := range op.Steps { // a blocked primary's identity is blocked once back: two calls
			label := "  call: "
			if i > 0 {
				label = "  then: "
			}
			lines = append(lines, callLines(s, s.Dim.Render(label), report.CallText(st.Call), w-2)...)
		}
	}
	return lines
}

// identityTable lists the linked identities to pick from, the cursor on
// the one picked.
func (u *Unlink) identityTable(linked []client.Identity, w int) []string {
	s := u.c.Styles
	lines := tui.Wrap("Linked identities, oldest first; the newest is picked (j/k picks another):", w, 0)
	identW, idW, connW := 10, 7, 10
	// The IDENTIFIER column holds what the old profile names the identity
	// by, an email too (the one the account shares with it included).
	identOf := func(id client.Identity) string {
		if pi := tui.IdentityIdentifier(id, u.conns); pi.Type != linking.IdentifierUserID && pi.Value != "" {
			return pi.Value
		}
		return "–"
	}
	for _, id := range linked {
		identW = max(identW, tui.Width(tui.Fit(identOf(id), 40)))
		idW = max(idW, tui.Width(tui.Fit(id.Provider+"|"+id.UserID, 60)))
		connW = max(connW, tui.Width(tui.Fit(id.Connection, 40)))
	}
	cols := tui.FitColumns([]tui.Column{
		{Want: identW, Min: 10, Shrink: 2},
		{Want: idW, Min: 16, Shrink: 1},
		{Want: connW, Min: 6, Shrink: 3},
	}, w-2-7, 1)
	lines = append(lines, s.Header.Render("  "+tui.Pad("IDENTIFIER", cols[0])+" "+tui.Pad("IDENTITY", cols[1])+" "+tui.Pad("CONNECTION", cols[2])))
	for i, id := range linked {
		row := tui.Pad(identOf(id), cols[0]) + " " + tui.Pad(id.Provider+"|"+id.UserID, cols[1]) + " " + tui.Pad(id.Connection, cols[2])
		if i == len(linked)-1 {
			row += s.Dim.Render(" newest")
		}
		if i == u.cursor {
			lines = append(lines, s.Selected.Render("▸ "+row))
		} else {
			lines = append(lines, "  "+row)
		}
	}
	return lines
}
