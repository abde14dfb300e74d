package views

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/tui"
)

// UndoDialog undoes an operation of the audit log (U): it asks the session
// for the plan that would undo it (from the backups and the tenant now),
// shows its operations, what cannot be done yet and what was changed since
// (conflicts, which the undo would overwrite), takes a reason, and asks
// y/N. y carries out the plan shown, nothing else: a tenant changed since
// stops it at the step the change concerns (changed_since_plan), and U again
// shows the undo as things stand then.
type UndoDialog struct {
	c        *tui.Common
	opID     string
	action   string // of the record chosen: one step of the operation
	accounts string // the accounts it names

	reading
	plan      *linking.Plan
	conflicts []linking.UndoConflict
	conns     *linking.Connections // the plan was made with
	err       error
	scroll    int
	room      int  // the lines that scroll had before the write, as last drawn
	scrolls   bool // and whether they were more than that
	copied    int  // ticket URLs copied so far: y copies the next

	writeDialog
}

// NewUndoDialog opens the undo of the operation with this op id.
func NewUndoDialog(c *tui.Common, opID, action, accounts string) *UndoDialog {
	return &UndoDialog{c: c, opID: opID, action: action, accounts: accounts,
		writeDialog: writeDialog{reason: tui.NewReason("undo of an operation made by mistake, in the linkdesk TUI")}}
}

// what is the operation undone, in words: its kind once the plan says it
// (the record chosen may be one step of it, a metadata merge or a block),
// and the accounts.
func (u *UndoDialog) what() string {
	kind := "the operation" // a step's action (a merge, a block) does not name it
	switch linking.OpKind(u.action) {
	case linking.OpLink, linking.OpUnlink, linking.OpDelete, linking.OpTicket, linking.OpVerifyEmail:
		kind = u.action
	}
	if u.plan != nil {
		for _, op := range u.plan.Operations {
			if op.Undoes != nil {
				kind = string(op.Undoes.Kind)
				break
			}
		}
	}
	return kind + " of " + u.accounts
}

func (u *UndoDialog) Init() tea.Cmd {
	return u.startRead(u.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd {
		return b.UndoPreview(u.c.Ctx, task, u.opID, u.reason.Value())
	})
}

func (u *UndoDialog) Title() string { return "Undo" }

// Unsaved names what leaving loses: the URL of the password-change ticket
// the undo of a deleted account made, shown only here.
// While an undo that makes one runs, 1, 2 and 3 ask too: esc is kept.
func (u *UndoDialog) Unsaved() string {
	switch n := len(u.exec.tickets()); {
	case n > 1:
		return fmt.Sprintf("the %d password-change ticket URLs the undo made (they are not kept anywhere else)", n)
	case n == 1:
		return "the password-change ticket URL the undo made (it is not kept anywhere else)"
	case u.WantsEsc():
		return "the password-change ticket URL the undo is making (it shows only here, once made)"
	}
	return ""
}

// undoTicketCutOff is what quitting leaves of the password-change ticket
// of an undo whose calls are out: the accounts it makes again are read
// back by resume, the ticket not.
const undoTicketCutOff = "the password-change ticket of an account the undo makes again, if already asked for, may or may not have been made, and the tenant keeps nothing that tells: its URL was never shown, so `linkdesk resume` makes a new one (or with --discard leaves it)"

// WantsEsc keeps the dialog open while an undo that makes a password-change
// ticket runs: its URL is shown only here, as the ticket dialog keeps
// itself open for its own. q still quits, asking first.
func (u *UndoDialog) WantsEsc() bool { return u.exec.running && u.makesTicket() }

// makesTicket reports whether the undo shown makes a password-change
// ticket (the undo of a deleted database account).
func (u *UndoDialog) makesTicket() bool {
	if u.plan == nil {
		return false
	}
	for _, op := range u.plan.Operations {
		for _, s := range op.Steps {
			if s.Action == linking.ActionTicket {
				return true
			}
		}
	}
	return false
}

// copyNextTicket copies the URL of one of the tickets the undo made: the
// first, then at each y the next. With more than one, the toast names the
// account whose password it sets, and which one of how many it is.
func (u *UndoDialog) copyNextTicket(tickets []linking.StepReport) tea.Cmd {
	st := tickets[u.copied%len(tickets)]
	u.copied++
	if len(tickets) == 1 {
		return copyTicket(st.Ticket)
	}
	target := st.Op
	if u.plan != nil {
		for _, op := range u.plan.Operations {
			if op.ID == st.Op {
				// Its name first: a narrow toast cuts the end.
				target = op.Target
				if typ, value, ok := strings.Cut(op.Names[op.Target], " "); ok { // "carolj (auth0|1000789)", as the scan names it
					target = tui.AccountLabel(linking.PrimaryIdentifier{Type: typ, Value: value}, op.Target)
				}
			}
		}
	}
	return copyTicketOf(st.Ticket, fmt.Sprintf("ticket %d of %d (y copies the next), of %s", (u.copied-1)%len(tickets)+1, len(tickets), target))
}

// Conflicts is what the undo would overwrite (tests).
func (u *UndoDialog) Conflicts() []linking.UndoConflict { return u.conflicts }

func (u *UndoDialog) Help() []tui.HelpGroup {
	k := u.c.Keys
	if u.WantsEsc() {
		return nil // the URL shows here once made; q, in the footer, asks first
	}
	if !u.exec.started && (u.loading || u.err != nil || u.plan == nil || len(u.plan.Operations) == 0) {
		return []tui.HelpGroup{{Title: "Undo", Bindings: append([]keyBinding{withHelp(k.Cancel, "esc", "back to the audit log")}, u.scrollHelp()...)}} // nothing to undo: no y
	}
	if u.refused() { // refused ahead: no y, no F
		return u.help(k, "Undo", "back to the audit log", append([]keyBinding{withHelp(k.Cancel, "esc", "back to the audit log")}, u.scrollHelp()...)...)
	}
	if len(u.conflicts) > 0 { // y would overwrite them: only F does, deliberately
		return u.help(k, "Undo", "back to the audit log", append([]keyBinding{k.ForceUndo, k.Cancel, k.Reason}, u.scrollHelp()...)...)
	}
	return u.help(k, "Undo", "back to the audit log", append([]keyBinding{withHelp(k.Confirm, "y", "undo it"), k.Cancel, k.Reason}, u.scrollHelp()...)...)
}

// scrollHelp are the keys that scroll the plan, where it is longer than
// its room.
func (u *UndoDialog) scrollHelp() []keyBinding {
	if !u.scrolls {
		return nil
	}
	return scrollHelp(u.c.Keys)
}

// FooterKeys, where the plan scrolls before the write: y (or F), n and the
// keys that scroll, in fewer words than the help's. Else the help's.
func (u *UndoDialog) FooterKeys() []keyBinding {
	k := u.c.Keys
	if u.exec.started || !u.scrolls || u.reason.Editing() || u.loading || u.err != nil || u.plan == nil || len(u.plan.Operations) == 0 {
		return nil
	}
	var b []keyBinding
	switch {
	case u.refused():
		b = []keyBinding{withHelp(k.Cancel, "esc", "back")}
	case len(u.conflicts) > 0:
		b = []keyBinding{withHelp(k.ForceUndo, "F", "force"), withHelp(k.Cancel, "n", "cancel")}
	default:
		b = []keyBinding{withHelp(k.Confirm, "y", "undo"), withHelp(k.Cancel, "n", "cancel")}
	}
	return append(b, scrollHelp(k)...)
}

func (u *UndoDialog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	return u, dialogUpdate(msg, &u.reading, u.tookPreview, &u.exec, &u.hint, u.key)
}

// tookPreview takes the plan of the undo, and what changed since the
// operation, and checks ahead what the plan would be refused for before
// its first call.
func (u *UndoDialog) tookPreview(msg tui.UndoPreviewMsg) tea.Cmd {
	u.hint = "" // "still reading" no longer
	u.plan, u.conflicts, u.conns, u.err = msg.Plan, msg.Conflicts, msg.Conns, msg.Err
	if u.err != nil || u.plan == nil || len(u.plan.Operations) == 0 {
		return nil
	}
	return u.exec.ahead.Check(u.c, u.plan.Operations)
}

func (u *UndoDialog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := u.c.Keys
	if tickets := u.exec.tickets(); len(tickets) > 0 && tui.Matches(k, keys.Copy) {
		return u.copyNextTicket(tickets)
	}
	if u.WantsEsc() && tui.Matches(k, keys.Back) {
		u.hint = "The undo is making a password-change ticket: its URL shows here, and only here, once the tenant answers."
		return nil
	}
	// The reason takes every key while it is edited; else the keys that
	// scroll a write's result scroll the plan.
	if u.takeKey(k, keys) || scrollKey(k, keys, &u.scroll, u.room-1) {
		return nil
	}
	switch {
	case tui.Matches(k, keys.Cancel):
		return u.c.Close(u)
	case tui.Matches(k, keys.Confirm), tui.Matches(k, keys.ForceUndo):
		force := tui.Matches(k, keys.ForceUndo)
		switch {
		case u.loading:
			u.hint = "Still reading what the undo would do…"
		case u.err != nil || u.plan == nil || len(u.plan.Operations) == 0:
			u.hint = "There is nothing to undo now (see above)."
		case u.exec.ahead.Blocked() != "":
			u.hint = u.exec.ahead.Blocked()
		case len(u.conflicts) > 0 && !force:
			u.hint = "Refused: the undo would overwrite the changes listed above. F forces it (recorded); n cancels."
		case len(u.conflicts) == 0 && force:
			u.hint = "Nothing was changed since the operation: y undoes it."
		default:
			return u.run(force)
		}
	case u.refused():
		u.hint = u.exec.ahead.Blocked()
	default:
		if len(u.conflicts) > 0 {
			u.hint = "Press F to force the undo or n to cancel (enter and y do not confirm)."
		} else {
			u.hint = "Press y to undo or n to cancel (enter does not confirm)."
		}
	}
	return nil
}

// run carries out the plan shown; force lets it overwrite the conflicts
// listed (the audit records name the override, as undo --force does).
func (u *UndoDialog) run(force bool) tea.Cmd {
	b, shown, reason := u.c.Backend, u.plan, u.reason.Value()
	label := "undo "
	if force {
		label = "forced undo "
	}
	u.exec.done = ""
	if len(shown.Notes) > 0 || slices.ContainsFunc(shown.Operations, func(op linking.Operation) bool { return len(op.Notes) > 0 }) {
		// An identity back at its next login, a password: the notes say
		// what comes back later or not as it was (repeated under the
		// result), the toast in one line at 60 columns.
		u.exec.done = "except what its notes said"
	}
	u.exec.unknowable, u.exec.alsoReadable = "", false
	if u.makesTicket() {
		u.exec.unknowable, u.exec.alsoReadable = undoTicketCutOff, true
	}
	return u.exec.run(u.c, label+tui.Fit(u.what(), 2*labelName), shown.Emails(), func(ctx context.Context) (*linking.Result, error) {
		return b.Undo(ctx, shown, reason, force)
	})
}

// notesAfter repeats, under the result of the undo, the notes its plan
// said before it ran (what comes back at a login, a password no one knows):
// "done, except what its notes said" points at them.
func (u *UndoDialog) notesAfter() []string {
	if u.plan == nil || u.exec.done == "" {
		return nil
	}
	w := u.c.Width
	out := []string{"", "As its notes said:"}
	for _, op := range u.plan.Operations {
		for _, n := range op.Notes {
			out = append(out, indent(tui.Wrap(op.ID+": "+n, w-4, 0), "  ")...)
		}
	}
	for _, n := range u.plan.Notes {
		out = append(out, indent(tui.Wrap(n, w-4, 0), "  ")...)
	}
	return out
}

// nothingText says why a plan has nothing to do, as linkdesk undo says it:
// the tenant is as before (undone already), or what is in the way is
// listed (the notes: an account that must log in first; conflicts).
func (u *UndoDialog) nothingText() string {
	if len(u.plan.Notes) == 0 && len(u.conflicts) == 0 {
		return "Nothing to undo now: the tenant is as it was before the operation (it was undone already, or changed back)."
	}
	if len(u.plan.Notes) > 0 {
		return "Nothing can be undone now, for the reason the note below gives; nothing is changed."
	}
	return "Nothing can be undone now (see above); nothing is changed."
}

func (u *UndoDialog) View() string {
	c, s := u.c, u.c.Styles
	w := c.Width
	// The title whole, over as many as 3 lines: the account the undo gives
	// back may be the last it names.
	title := tui.Wrap("Undo "+u.what(), w, 3)
	if rest, ok := strings.CutPrefix(title[0], "Undo "); ok {
		title[0] = s.Danger.Render("Undo ") + rest
	}
	head := append(title, "")
	switch {
	case u.exec.started:
		var hint []string
		if u.hint != "" && u.exec.running {
			hint = append([]string{""}, sentence(s.Warn.Render, u.hint, w)...)
		}
		out := append(head, u.exec.view(c, "Undoing", c.Height-len(head)-len(hint), u.notesAfter()...)...)
		return strings.Join(append(out, hint...), "\n")
	case u.loading:
		return strings.Join(append(head, "Reading the backups and the tenant to plan the undo…"), "\n")
	case u.err != nil:
		return strings.Join(append(append(head, s.Bad.Render("✗ It cannot be undone:")), append(tui.Wrap(u.err.Error(), w, 6), "", s.Dim.Render("esc goes back."))...), "\n")
	}
	// What the undo would overwrite comes first, each value whole: y
	// overwrites it, so the operator must be able to read all of it.
	var middle []string
	for _, cf := range u.conflicts {
		middle = append(middle, indent(tui.Wrap("⚠ "+cf.String(), w-2, 0), "  ")...)
	}
	if len(u.conflicts) > 0 {
		middle = append(middle, "")
	}
	if len(u.plan.Operations) == 0 {
		middle = append(middle, tui.Wrap(u.nothingText(), w, 0)...) // an explanation: whole
	} else {
		middle = append(middle, fmt.Sprintf("The undo makes %s:", tui.Plural(u.plan.Calls(), "this call", fmt.Sprintf("these %d calls", u.plan.Calls()))))
		for _, op := range u.plan.Operations {
			// Whole, wrapped: the account it gives back or writes to, by its
			// user id and username, is what it names.
			middle = append(middle, tui.Bullet(report.OperationTitle(op), w, 0)...)
			for _, n := range op.Notes { // what it cannot give back as it was (an unlink: no login history)
				middle = append(middle, indent(tui.Wrap("note: "+n, w-6, 0), "      ")...) // whole: the pane scrolls
			}
			for _, n := range u.familyNotes(op) { // a link back into one member of a family, as the link said
				middle = append(middle, indent(sentence(s.Warn.Render, n, w-6), "      ")...)
			}
			for _, st := range op.Steps {
				middle = append(middle, callLinesUpTo(s, "      ", report.CallText(st.Call), w, 0)...) // whole: the pane scrolls
			}
		}
	}
	for _, n := range u.plan.Notes {
		middle = append(middle, indent(tui.Wrap("note: "+n, w-2, 0), "  ")...) // whole: the pane scrolls
	}
	if len(u.plan.Operations) == 0 { // nothing to confirm: no question
		shown := u.pane(middle, c.Height-2-len(head))
		out := append(head, shown...)
		if u.hint != "" {
			out = append(out, sentence(s.Warn.Render, u.hint, w)...)
		}
		return strings.Join(append(out, "", s.Dim.Render("esc goes back.")), "\n")
	}
	if u.refused() { // why, in place of the question
		var bottom []string
		if u.reason.Editing() {
			bottom = u.reason.Lines(s, w)
		}
		bottom = append(append(bottom, ""), u.exec.ahead.Lines(s, w)...)
		if u.hint != "" {
			bottom = append(bottom, sentence(s.Warn.Render, u.hint, w)...)
		}
		shown := u.pane(middle, c.Height-len(head)-len(bottom))
		return strings.Join(append(append(head, shown...), bottom...), "\n")
	}
	var bottom []string
	q := s.Danger.Render("Undo it?") + "  " + s.Key.Render("y") + " yes   " + s.Key.Render("n") + " no (default)"
	if n := len(u.conflicts); n > 0 {
		bottom = append(bottom, sentence(s.Danger.Render, fmt.Sprintf("⚠ %d %s changed since the operation (listed above): the undo is refused unless forced", n, tui.Plural(n, "thing", "things")), w)...)
		q = s.Danger.Render("Force the undo?") + "  " + s.Key.Render("F") + " force   " + s.Key.Render("n") + " no (default)"
		bottom = append(bottom, sentence(s.Warn.Render, "y does not undo it: F puts back the values from before, overwriting the changes listed.", w)...)
	}
	bottom = append(bottom, u.reason.Lines(s, w)...)
	if u.hint != "" {
		bottom = append(bottom, sentence(s.Warn.Render, u.hint, w)...)
	}
	bottom = append(bottom, "", q)
	shown := u.pane(middle, c.Height-len(head)-len(bottom))
	out := append(head, shown...)
	return strings.Join(append(out, bottom...), "\n")
}

// pane is the plan's lines in room lines (at least 2), scrolled
// (scrollKey); the help and the footer name the keys where they are more.
func (u *UndoDialog) pane(lines []string, room int) []string {
	u.room = max(room, 2)
	u.scrolls = len(lines) > u.room
	return scrollPane(u.c.Styles, lines, &u.scroll, u.room, "↓")
}

// familyNotes say, of a link the undo makes (an account linked back into
// or out of one member of a family), who else shares the email, as the
// link wizard says it (familyNotes): the emails its link step expects the
// two accounts to hold, each read in the scan. Each account is named as
// the scan names it, else by the identifier the plan keeps.
func (u *UndoDialog) familyNotes(op linking.Operation) []string {
	if op.Kind != linking.OpLink || u.conns == nil {
		return nil
	}
	linked := []string{op.Primary, op.Secondary}
	var emails []string
	for _, st := range op.Steps {
		for _, e := range st.Expect {
			if slices.Contains(linked, e.UserID) {
				emails = append(emails, e.Email)
			}
		}
	}
	name := func(id string) string {
		if acc, g := u.c.Data.Account(id); acc != nil {
			return tui.NameIn(g, acc)
		}
		if _, recorded, _ := strings.Cut(op.Names[id], " "); recorded != "" {
			return recorded + " (" + id + ")"
		}
		return id
	}
	groups := emailGroups(u.c, nil, emails...)
	for i, g := range groups { // with the accounts the undo makes again, whose email the others share again
		var back []*linking.Account
		for _, r := range u.plan.Operations {
			if r.Kind != linking.OpRestore || r.Restore == nil || r.Restore.Create == nil || !slices.Contains(linked, r.Target) ||
				linking.NormalizeEmail(r.Restore.Create.Email) != g.Email || slices.ContainsFunc(g.Accounts, func(a *linking.Account) bool { return a.UserID == r.Target }) {
				continue
			}
			c := r.Restore.Create
			a := &linking.Account{UserID: r.Target, Connection: c.Connection, Email: c.Email, Username: c.Username, PhoneNumber: c.PhoneNumber}
			a.Identifier = a.PrimaryIdentifier(u.conns)
			back = append(back, a)
		}
		if len(back) > 0 {
			with := *g
			with.Accounts = append(slices.Clone(g.Accounts), back...)
			groups[i] = &with
		}
	}
	return familyNotes(u.conns, groups, linked, name(op.Secondary), name(op.Primary))
}
