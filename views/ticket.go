package views

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
	"github.com/linkdesk/linkdesk/tui"
)

// askTicket opens the ticket dialog for a database account, and says why
// not for any other: a passwordless account has none, a social or
// enterprise account's password lives with its identity provider.
func askTicket(c *tui.Common, userID, connection, strategy string) tea.Cmd {
	if strategy != client.StrategyAuth0 {
		return tui.ReportError(fmt.Errorf("no ticket: %s (%s)", linking.NoTicketReason(tui.Fit(connection, 30), strategy), tui.Fit(userID, 40)))
	}
	return c.Open(NewTicketDialog(c, userID))
}

// ticket dialog fields, in the order tab and the arrows go through them.
const (
	fieldTTL = iota
	fieldClientID
	fieldResultURL
	fieldVerified
	fieldReason
	ticketFields
)

// TicketDialog makes a password-change ticket for one database account:
// it reads the account by id, names it by its primary identifier (the
// username that tells a family's children apart), shows where else its
// metadata says the person can be reached, takes the ticket's options and
// a reason, asks y/N, and shows the URL it got.
type TicketDialog struct {
	c      *tui.Common
	userID string

	userRead

	editing   bool // keys go to the fields, not to y/n
	field     int
	ttl       tui.TextField
	clientID  tui.TextField
	resultURL tui.TextField
	verified  bool
	reason    tui.TextField
	hint      string

	exec pendingWrite[string] // the ticket's URL once made
}

// NewTicketDialog opens the ticket dialog for the account with this user id.
func NewTicketDialog(c *tui.Common, userID string) *TicketDialog {
	return &TicketDialog{c: c, userID: userID, reason: tui.TextField{Value: "password reset asked by the account holder"}}
}

// Init reads the account, and checks ahead what a ticket for it would be
// refused for before its call.
func (t *TicketDialog) Init() tea.Cmd {
	return tea.Batch(t.readUser(t.c, t.userID), t.exec.ahead.Check(t.c, nil, t.userID))
}

func (t *TicketDialog) Title() string   { return "Ticket" }
func (t *TicketDialog) Capturing() bool { return !t.exec.started }

// TypesText: keys type into the fields while they are edited (tab).
func (t *TicketDialog) TypesText() bool { return t.editing }

// WantsEsc keeps the dialog open while the ticket is made: its URL is shown
// only here. q still quits, asking first.
func (t *TicketDialog) WantsEsc() bool { return t.exec.running }

// URL is the ticket made, once made.
func (t *TicketDialog) URL() string { return t.exec.result }

// Unsaved names what leaving loses: a ticket made is shown only here.
func (t *TicketDialog) Unsaved() string {
	switch {
	case t.URL() != "":
		return "the ticket URL (it is not kept anywhere else)"
	case t.exec.running:
		return "the ticket URL being made (it shows only here, once made)"
	}
	return ""
}

func (t *TicketDialog) Help() []tui.HelpGroup {
	k := t.c.Keys
	switch {
	case t.exec.running:
		return nil // the URL shows here once made; q, in the footer, asks first
	case t.exec.started:
		return []tui.HelpGroup{{Title: "Ticket", Bindings: []keyBinding{withHelp(k.Copy, "y", "copy the URL"), withHelp(k.Back, "esc", "close")}}}
	case t.readErr != nil && !t.loading: // nothing to make a ticket for: no y
		return []tui.HelpGroup{{Title: "Ticket", Bindings: []keyBinding{withHelp(k.Back, "esc", "close")}}}
	case t.exec.ahead.Refused() != nil && !t.editing: // refused ahead: no y
		return []tui.HelpGroup{{Title: "Ticket", Bindings: []keyBinding{withHelp(k.Back, "esc", "close")}}}
	case t.editing:
		return []tui.HelpGroup{{Title: "Ticket options", Bindings: []keyBinding{withHelp(k.Reason, "tab/↓", "next field"), withHelp(k.Up, "↑", "previous field"),
			withHelp(k.Toggle, "space", "tick / untick"), withHelp(k.Submit, "enter", "done"), k.Clear}}}
	}
	return []tui.HelpGroup{{Title: "Ticket", Bindings: []keyBinding{withHelp(k.Confirm, "y", "make the ticket"), k.Cancel, withHelp(k.Reason, "tab", "options and reason")}}}
}

// copyTicket puts a ticket's URL on the clipboard, unless it holds what a
// terminal would act on.
func copyTicket(url string) tea.Cmd { return copyTicketOf(url, "the ticket URL") }

// copyTicketOf copies url, the toast saying what it is.
func copyTicketOf(url, what string) tea.Cmd {
	if termsafe.Sanitize(url) != url {
		return tui.Tell("The URL holds control characters: not copied.")
	}
	return tea.Batch(tea.SetClipboard(url), tui.Note("Copied, if the terminal allows OSC 52: "+termsafe.Sanitize(what)+"."))
}

func (t *TicketDialog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	return t, dialogUpdate(msg, &t.reading, func(m tui.UsersMsg) tea.Cmd { t.hint = ""; t.tookUser(m); return nil }, &t.exec, &t.hint, t.key)
}

func (t *TicketDialog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := t.c.Keys
	if t.exec.started {
		if url := t.URL(); !t.exec.running && tui.Matches(k, keys.Copy) && url != "" {
			return copyTicket(url)
		}
		if t.exec.running && tui.Matches(k, keys.Back) {
			t.hint = "The ticket is being made: its URL shows here, and only here, once the tenant answers."
		}
		return nil
	}
	t.hint = ""
	if t.editing {
		return t.editKey(k)
	}
	switch {
	case tui.Matches(k, keys.Cancel):
		return t.c.Close(t)
	case tui.Matches(k, keys.Confirm):
		return t.make()
	case t.exec.ahead.Refused() != nil: // no options to set
		t.hint = t.exec.ahead.Blocked()
	case tui.Matches(k, keys.Reason):
		t.editing, t.field = true, fieldTTL // always from the top: typing never lands in a field left last time
	default:
		t.hint = "Press y to make the ticket or n to cancel (enter does not confirm); tab sets options."
	}
	return nil
}

// Paste goes to the option being edited (a client id, a result URL).
func (t *TicketDialog) Paste(text string) {
	if t.editing && t.field != fieldVerified && !t.exec.started {
		t.fieldAt(t.field).Paste(text)
	}
}

func (t *TicketDialog) editKey(k tea.KeyPressMsg) tea.Cmd {
	keys := t.c.Keys
	leaves := k.Code == tea.KeyEnter || k.Code == tea.KeyEscape || k.Code == tea.KeyUp || k.Code == tea.KeyDown ||
		tui.Matches(k, keys.Reason) || (k.Code == tea.KeyTab && k.Mod&tea.ModShift != 0)
	if leaves { // a field is checked as it is left, not only at y
		if _, err := t.Options(); err != nil {
			t.hint = err.Error()
		}
	}
	switch {
	case k.Code == tea.KeyEnter || k.Code == tea.KeyEscape:
		t.editing = false
	case tui.Matches(k, keys.Reason) || k.Code == tea.KeyDown:
		t.field = (t.field + 1) % ticketFields
	case k.Code == tea.KeyUp || (k.Code == tea.KeyTab && k.Mod&tea.ModShift != 0):
		t.field = (t.field + ticketFields - 1) % ticketFields
	case t.field == fieldVerified:
		if k.Code == tea.KeySpace || k.Text == "x" {
			t.verified = !t.verified
		}
	default:
		t.fieldAt(t.field).Update(k, keys)
	}
	return nil
}

func (t *TicketDialog) fieldAt(i int) *tui.TextField {
	switch i {
	case fieldTTL:
		return &t.ttl
	case fieldClientID:
		return &t.clientID
	case fieldResultURL:
		return &t.resultURL
	}
	return &t.reason
}

// Options reads the fields into the ticket's options, or says what is wrong.
func (t *TicketDialog) Options() (tui.TicketOptions, error) {
	var o tui.TicketOptions
	if v := strings.TrimSpace(t.ttl.Value); v != "" {
		d, err := linking.ParseTicketLifetime(v)
		if err != nil {
			return o, err
		}
		o.TTL = d
	}
	o.ClientID = strings.TrimSpace(t.clientID.Value)
	o.ResultURL = strings.TrimSpace(t.resultURL.Value)
	if o.ClientID != "" && o.ResultURL != "" {
		return o, errors.New("give a client_id or a result_url, not both: Auth0 takes one")
	}
	if o.ResultURL != "" {
		// The command line's --result-url keeps the same rule.
		if err := linking.CheckResultURL(o.ResultURL); err != nil {
			return o, fmt.Errorf("result_url %q %v", termsafe.Sanitize(o.ResultURL), err)
		}
	}
	o.MarkEmailVerified = t.verified
	return o, nil
}

func (t *TicketDialog) make() tea.Cmd {
	switch {
	case t.loading:
		t.hint = "Still reading the account…"
		return nil
	case t.readErr != nil:
		t.hint = "The account could not be read: no ticket."
		return nil
	}
	if hint := t.exec.ahead.Blocked(); hint != "" {
		t.hint = hint
		return nil
	}
	opts, err := t.Options()
	if err != nil {
		t.hint = err.Error()
		return nil
	}
	b, id, reason := t.c.Backend, t.userID, strings.TrimSpace(t.reason.Value)
	label := "ticket for " + tui.Fit(t.named(), labelName)
	t.exec.short = "ticket for " + tui.Fit(t.shortName(), labelName)
	t.exec.unknowable = ticketCutOff
	return t.exec.run(t.c, label, []string{linking.NormalizeEmail(t.user.Email)},
		func(ctx context.Context) (string, error) { return b.Ticket(ctx, id, opts, reason) })
}

// ticketCutOff is what quitting leaves of a ticket whose call is out: no
// read of the tenant shows a ticket, and its URL was never shown.
const ticketCutOff = "a ticket already asked for may or may not have been made, and the tenant keeps nothing that tells: its URL was never shown, so `linkdesk resume` makes a new one (or with --discard leaves it)"

// OtherAddresses lists the email addresses the account's metadata holds
// besides its own (a secondary_email kept for password resets): a ticket's
// link can go there rather than to an inbox others share.
func OtherAddresses(u client.User) []string {
	var out []string
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, u.UserMetadata}, {linking.FieldAppMetadata, u.AppMetadata}} {
		walkStrings(f.name, f.v, func(path, v string) {
			if looksLikeEmail(v) && !strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(u.Email)) {
				out = append(out, v+" ("+path+")")
			}
		})
	}
	slices.Sort(out)
	return out
}

func walkStrings(path string, v any, fn func(path, v string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		for k, sub := range x {
			walkStrings(path+"."+k, sub, fn)
		}
	case []any:
		for i, sub := range x {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), sub, fn)
		}
	}
}

func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(strings.TrimSpace(s), "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t\n<>")
}

func (t *TicketDialog) View() string {
	s := t.c.Styles
	w := tui.DialogWidth(t.c)
	lines := []string{s.Title.Render("Password-change ticket"), ""}
	switch {
	case t.loading:
		return tui.DialogBox(t.c, append(lines, "Reading the account by id…"))
	case t.readErr != nil:
		// The account by its primary identifier as the scan knows it: the
		// error names it by user id alone.
		lines = append(lines, hanging(s.Header.Render(tui.Pad("Account", 9)), t.name(t.userID), w, 3, s.Title.Render)...)
		lines = append(lines, hanging(s.Bad.Render("✗ "), t.readErr.Error(), w, 6, nil)...)
		if se, ok := linking.AsSafetyError(t.readErr); ok && se.Check == linking.CheckUserMissing {
			lines = append(lines, sentence(s.Dim.Render, "It was deleted, or linked into another account: there is no account to make a ticket for.", w)...)
		}
		return tui.DialogBox(t.c, squeeze(append(lines, "", s.Dim.Render("esc closes")), t.c.Height-2))
	case t.exec.started:
		return tui.DialogBox(t.c, squeeze(append(lines, t.resultLines(w)...), t.c.Height-2))
	}
	u := t.user
	roomy := t.c.Height >= 26
	label := func(k, v string) string { return s.Header.Render(tui.Pad(k, 9)) + v }
	id, _ := t.identifier()
	if roomy {
		lines = append(lines, tui.Wrap("A one-time link that lets this one account set a new password, even when others share its email.", w, 2)...)
		lines = append(lines, "")
	}
	others := OtherAddresses(u)
	if t.editing && !roomy {
		// Editing in a small window: the account in one line, and where
		// else the link could go, above the options.
		lines = append(lines, label("Account", s.Title.Render(tui.Fit(tui.AccountLabel(id, u.UserID), w-10))))
	} else {
		// Whole, wrapped under its label: where another account holds the
		// same identifier (the email a legacy duplicate group shares), the
		// user id beside it is what names this one.
		lines = append(lines, hanging(label("Account", ""), t.accountName(), w, 3, s.Title.Render)...)
		lines = append(lines, label("", s.Dim.Render(tui.Fit(strings.ReplaceAll(id.Type, "_", " ")+" on "+u.Connection(), w-10))))
		if roomy || t.accountName() == id.Value {
			// A short window leaves out the user id the account's name
			// holds already: the shared inbox's warning needs the line.
			lines = append(lines, label("User id", tui.Fit(u.UserID, w-10)))
		}
		lines = append(lines, label("Email", tui.Fit(u.Email, w-26)+verifiedMark(s, u.EmailVerified)))
		if n := sharedBy(t.c, u.Email); n > 1 {
			// Whole: it is what the operator does with the link.
			lines = append(lines, hanging(label("", ""), fmt.Sprintf("shared by %d accounts. %s", n, t.inboxWarning()), w-1, 0, s.Warn.Render)...)
		}
	}
	for _, a := range others {
		lines = append(lines, label("Also", s.Good.Render(tui.Fit(a, w-10))))
	}
	if len(others) > 0 && (roomy || !t.editing) {
		also := "its metadata names another address: the link could go there"
		if sharedBy(t.c, u.Email) > 1 {
			// Under the shared inbox's warning, which says why, in a line:
			// at 60×20 the question stays in view.
			also = "the link could go there, if only they read it"
		}
		lines = append(lines, hanging(label("", ""), also, w-1, 2, s.Dim.Render)...)
	}
	if roomy || !t.editing {
		lines = append(lines, "")
	}
	refused := t.exec.ahead.Refused() != nil
	if !refused || t.editing { // refused: no options to set
		lines = append(lines, t.optionLines(w)...)
	}
	hint := hanging("", t.hint, w, 3, s.Warn.Render)
	if t.hint == "" {
		hint = nil
	}
	if refused { // why, in place of the question, and what a key did under it: in view whatever the height
		end := append(t.exec.ahead.Lines(s, w), hint...)
		return tui.DialogBoxTail(t.c, squeeze(append(lines, end...), t.c.Height-2), len(end))
	}
	lines = append(lines, hint...)
	if roomy || !t.editing {
		lines = append(lines, "")
	}
	lines = append(lines, tui.QuestionLines(s, "Make a ticket for "+t.accountName()+"?", w)...)
	// Sentences wrapped whole take more lines: in a short window the blank
	// lines go before the box would leave lines out.
	return tui.DialogBox(t.c, squeeze(lines, t.c.Height-2))
}

// identifier is what names the account read, as the group screen names
// it: the username that tells apart the profiles of one email of a legacy
// custom database (tui.UsernameIn, as the audit record names it; legacy),
// else its primary identifier.
func (t *TicketDialog) identifier() (id linking.PrimaryIdentifier, legacy bool) {
	if a, g := t.c.Data.Account(t.user.UserID); a != nil && linking.NormalizeEmail(a.Email) == linking.NormalizeEmail(t.user.Email) && a.Username == t.user.Username {
		if u, ok := tui.UsernameIn(g, a); ok {
			return u, true
		}
	}
	return tui.IdentifierOf(t.user, t.conns), false
}

// named is the account read by its identifier and user id (the write's
// label, the result).
func (t *TicketDialog) named() string {
	id, _ := t.identifier()
	return tui.AccountLabel(id, t.user.UserID)
}

// accountName names the account the ticket is for: by its primary
// identifier where that tells it apart from the other accounts of its
// email's group (a family member's username), else with its user id beside
// it (the email the accounts of a legacy duplicate group share names none
// of them: the username that tells them apart does, with it), as the
// delete dialog names it.
func (t *TicketDialog) accountName() string {
	id, legacy := t.identifier()
	if legacy { // with its user id, as the group screen and the delete dialog name it
		return tui.AccountLabel(id, t.user.UserID)
	}
	acc := linking.AccountFromUser(t.user, t.conns)
	acc.Identifier = id
	var others []*linking.Account
	if i, ok := t.c.Data.Find(linking.NormalizeEmail(t.user.Email)); ok {
		others = t.c.Data.Groups[i].Accounts
	}
	if linking.TellsApart(&acc, others) {
		return id.Value
	}
	return tui.AccountLabel(id, t.user.UserID)
}

// shortName is accountName in fewer cells (the toast of the write): the
// identifier that tells the account apart without its user id, else its
// user id alone, as tui.ShortNameIn names an account of a group.
func (t *TicketDialog) shortName() string {
	if id, legacy := t.identifier(); id.Value != "" && id.Type != linking.IdentifierUserID && (legacy || t.accountName() == id.Value) {
		return id.Value
	}
	return t.user.UserID
}

// sharedBy is how many accounts of the scan hold email (1: none other).
func sharedBy(c *tui.Common, email string) int {
	if i, ok := c.Data.Find(linking.NormalizeEmail(email)); ok {
		return len(c.Data.Groups[i].Accounts)
	}
	return 1
}

// sharedInbox warns, under a dialog's email (after mark: its label's
// blank cells), that other accounts of the scan share that inbox: what
// Auth0 sends there reaches anyone who reads it (does: "verifies this
// account"). Nothing when no other account has the email.
func sharedInbox(c *tui.Common, email, does, mark string, width int) []string {
	n := sharedBy(c, email)
	if n < 2 {
		return nil
	}
	return hanging(mark, fmt.Sprintf("shared by %d accounts: anyone reading that inbox %s", n, does), width, 2, c.Styles.Warn.Render)
}

// inboxWarning is what a ticket of an account whose email others share
// asks of the operator, before y and after it: Auth0 sends no email for a
// ticket (the URL comes back to linkdesk alone), so the link goes where
// the operator sends it, and the shared inbox is the one place it must
// not go (tester: "anyone reading that inbox gets the link" had Auth0
// send it). Worded as the undo's ticket of a family member is.
func (t *TicketDialog) inboxWarning() string {
	return "Auth0 sends nothing: the link is shown only here. Sent to that inbox, it reaches everyone who reads it and sets " +
		t.whosePassword() + " password: give it to that person by a channel only they read."
}

// whosePassword names, in the inbox's warning, the account whose password
// the link sets: by what names it in its group where that tells it apart
// (a family member's username), else "this account's", the one the dialog
// names above (with its user id, which would take the warning's lines).
func (t *TicketDialog) whosePassword() string {
	if id, _ := t.identifier(); t.accountName() == id.Value {
		return id.Value + "'s"
	}
	return "this account's"
}

func (t *TicketDialog) optionLines(w int) []string {
	s := t.c.Styles
	row := func(i int, name, value, help string) string {
		mark := "  "
		if t.editing && t.field == i {
			mark = s.Key.Render("▸ ")
		}
		return tui.Truncate(mark+s.Header.Render(tui.Pad(name, 11))+value+s.Dim.Render(help), w)
	}
	text := func(i int, f *tui.TextField, width int) string {
		if t.editing && t.field == i {
			return f.View(s, width)
		}
		if f.Value == "" {
			return s.Dim.Render("–")
		}
		return tui.Fit(f.Value, width)
	}
	box := "[ ]"
	if t.verified {
		box = "[x]"
	}
	if !t.editing {
		// One line says which options are set; tab opens them all.
		var set []string
		if v := strings.TrimSpace(t.ttl.Value); v != "" {
			set = append(set, "lifetime "+v)
		}
		if v := strings.TrimSpace(t.clientID.Value); v != "" {
			set = append(set, "client_id "+v)
		}
		if v := strings.TrimSpace(t.resultURL.Value); v != "" {
			set = append(set, "result_url "+v)
		}
		if t.verified {
			set = append(set, "marks the email verified")
		}
		opts := s.Dim.Render("the tenant's defaults")
		if len(set) > 0 {
			opts = tui.Fit(strings.Join(set, " · "), w-24)
		}
		return []string{
			tui.Truncate(s.Header.Render(tui.Pad("Options", 9))+opts+s.Dim.Render("  (tab edits)"), w),
			tui.Truncate(s.Header.Render(tui.Pad("Reason", 9))+tui.Fit(t.reason.Value, w-24)+s.Dim.Render("  (tab edits)"), w),
		}
	}
	return append(sentence(s.Dim.Render, "Options: tab/↓ next · ↑ previous · space ticks · enter done", w),
		row(fieldTTL, "Lifetime", text(fieldTTL, &t.ttl, 12), "  like 90m, 12h, 7d"),
		row(fieldClientID, "client_id", text(fieldClientID, &t.clientID, w-30), "  the app to log in to after"),
		row(fieldResultURL, "result_url", text(fieldResultURL, &t.resultURL, w-30), "  or the page to land on"),
		row(fieldVerified, "Verified", box+" mark the email verified when the link is used", ""),
		row(fieldReason, "Reason", text(fieldReason, &t.reason, w-16), "  (audit log)"),
	)
}

func (t *TicketDialog) resultLines(w int) []string {
	s := t.c.Styles
	if t.exec.running {
		out := tui.Wrap("Making the ticket… (the status bar counts the write in flight)", w, 0)
		if t.hint != "" {
			out = append(append(out, ""), sentence(s.Warn.Render, t.hint, w)...)
		}
		return out
	}
	if t.exec.err != nil {
		return append([]string{s.Bad.Render("✗ No ticket:")}, tui.Wrap(t.exec.err.Error(), w, 6)...)
	}
	// The account whole, its user id wrapped rather than cut.
	out := append(lead("✓ Ticket for ", tui.Fit(t.named(), 3*w), w, s.Good.Render, nil), "")
	out = append(out, tui.Wrap(t.URL(), w, 6)...)
	if n := sharedBy(t.c, t.user.Email); n > 1 {
		// As the question said it: the inbox is no way to send it.
		out = append(append(out, ""), sentence(s.Warn.Render, fmt.Sprintf("Auth0 sent nothing: this link is shown only here. The email is shared by %d accounts: sent to that inbox, it reaches everyone who reads it and sets %s password. Give it to that person by a channel only they read; it works once.", n, t.whosePassword()), w)...)
	} else {
		out = append(append(out, ""), sentence(s.Dim.Render, "Auth0 sent nothing: this link is shown only here. Send it to the person by a channel you trust; it works once.", w)...)
	}
	if others := OtherAddresses(t.user); len(others) > 0 {
		// The tenant's addresses, as many as 3 lines hold: the URL above stays in the box.
		out = append(out, hanging("", "The account's metadata names "+strings.Join(others, ", "), w, 3, s.Dim.Render)...)
	}
	// Wrapped like the rest: in one line at 60 columns, where a box one line
	// taller would leave out its middle.
	return append(out, sentence(s.Dim.Render, "y copies it · esc closes (asking first: shown only here)", w)...)
}
