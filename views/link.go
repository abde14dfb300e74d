package views

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/tui"
)

// linkStep is where the link wizard stands.
type linkStep int

const (
	stepAccounts linkStep = iota // pick the primary and the accounts to link into it
	stepReview                   // merge preview, safety checks, calls
	stepConfirm                  // y/N naming both accounts
	stepResult                   // what the executor did
)

// LinkWizard links accounts of one group: pick the primary (the recommended
// one preselected) and the secondaries; review linking's plan (metadata
// merge with conflicts, safety checks, the exact calls); confirm, default
// No; and see the executor's result. It plans and executes only through
// linking.
type LinkWizard struct {
	c     *tui.Common
	email string
	step  linkStep
	// pair is the group of two accounts chosen apart from the scan (from an
	// account's screen); nil for a group of the scan. from is the account
	// whose screen it was chosen on.
	pair *linking.Group
	from string
	// touched: the operator changed the marks or the primary.
	touched bool
	reason  tui.ReasonField

	// accounts step
	ids     []string // the group's accounts, as listed
	primary string
	linked  map[string]bool // secondaries chosen
	cursor  int

	// review step
	reading
	users         []client.User // primary first, then the secondaries, as read just now
	conns         *linking.Connections
	access        map[string]linking.Access // their roles and memberships, carried over by the link
	opts          linking.LinkOptions
	ops           []linking.Operation
	planErr       error
	conflicts     []*linking.MetadataConflict // in display order, for the cursor
	conflictOwner []string                    // the secondary each conflict belongs to, by user id
	conflict      int
	scroll        int  // the first merge line shown
	reveal        bool // bring the conflict under the cursor into view before the next key or frame
	hint          string

	// confirm step: the first line shown of what scrolls between its title
	// and its reason, and whether, as last drawn, it took more lines than
	// it had
	confirmScroll  int
	confirmScrolls bool
	confirmRoom    int // the lines that scroll had, as last drawn

	exec execution // result step
	// what the write links, every account named, for the result step
	linking string
}

// NewLinkWizard opens the wizard on a group with primary preselected.
func NewLinkWizard(c *tui.Common, email, primary string) *LinkWizard {
	w := &LinkWizard{c: c, email: email, primary: primary, linked: map[string]bool{}}
	w.start()
	return w
}

// NewPairWizard opens the wizard on accounts that were found one by one
// (they need not share an email), as a group linking classified, from the
// screen of the account from.
func NewPairWizard(c *tui.Common, g *linking.Group, from, primary string) *LinkWizard {
	w := &LinkWizard{c: c, email: g.Email, pair: g, from: from, primary: primary, linked: map[string]bool{}}
	w.start()
	for _, id := range w.ids {
		w.linked[id] = true // the two were picked to be linked
	}
	return w
}

func (w *LinkWizard) start() {
	if g := w.group(); g != nil {
		w.reason = tui.NewReason(defaultLinkReason(g, w.pair != nil))
		for i, a := range g.Accounts {
			w.ids = append(w.ids, a.UserID)
			if a.UserID == w.primary {
				w.cursor = i
			}
		}
		if w.primary == "" && len(w.ids) > 0 {
			w.primary = w.ids[0]
		}
		// Every other account is linked by default in a group linking
		// recommends a primary for; elsewhere the operator picks. The
		// primary holds the default too, unseen: made a secondary again by
		// p on another account, it is marked as the group's others are.
		if g.RecommendedPrimary != "" || len(w.ids) == 2 {
			for _, id := range w.ids {
				w.linked[id] = true
			}
		}
	}
}

// defaultLinkReason prefills the reason a link records: of a group of the
// scan, its class; of a pair of accounts found one by one (pair), no
// class, since the two are no group of the scan (each may be alone on its
// email, or one of a family): that they were chosen one by one, and, when
// they share no email, that the link vouches for them as one person's (the
// different-emails override it cannot be made without).
func defaultLinkReason(g *linking.Group, pair bool) string {
	switch {
	case pair && !sharedEmail(g):
		return "accounts of different emails, chosen one by one and vouched for as one person's, linked in the linkdesk TUI"
	case pair:
		return "one person's accounts, chosen one by one, linked in the linkdesk TUI"
	}
	return "one person's accounts (" + tui.ClassName(g.Class) + "), linked in the linkdesk TUI"
}

// lackingScopes says what a write of ops would be refused for before its
// first call: a scope the access token lacks (linking.LackingScopes), known
// once a read carried it. "" when it lacks none, or that is not known.
func lackingScopes(c *tui.Common, ops []linking.Operation) string {
	if c.Backend == nil || c.Backend.Session == nil || c.Backend.Session.Tenant == nil || len(ops) == 0 {
		return ""
	}
	granted, known := c.Backend.Session.Tenant.GrantedScopes()
	if !known {
		return ""
	}
	lacks := linking.LackingScopes(&linking.Plan{Operations: ops}, granted, nil)
	if len(lacks) == 0 {
		return ""
	}
	return "⚠ The access token lacks a scope these calls need (" + strings.Join(lacks, "; ") + "): y would be refused (missing_scope) before the first call; " + linking.GrantScope + "."
}

// familyNotes say who else shares the email when the link joins one member
// of a family (accounts sharing it on a Non-Unique Emails connection), as
// `linkdesk link` says it: the operator checks it is the right member. The
// email of each account linked is read in the scan, as well as the
// wizard's group: a family member linked out of its family, into an
// account of another email, leaves the others. None when no other account
// of these groups is on such a connection.
func (w *LinkWizard) familyNotes() []string {
	g := w.group()
	if g == nil || w.conns == nil || len(w.users) < 2 {
		return nil
	}
	var ids, emails []string
	for _, u := range w.users {
		ids, emails = append(ids, u.UserID), append(emails, u.Email)
	}
	who := w.name(w.users[1].UserID)
	if len(w.users) > 2 {
		who = "any of these secondaries"
	}
	return familyNotes(w.conns, emailGroups(w.c, g, emails...), ids, who, w.name(w.users[0].UserID))
}

// emailGroups are the groups a link's family notes read: first (when not
// nil), then the scan's group of each email that is not one of them.
func emailGroups(c *tui.Common, first *linking.Group, emails ...string) []*linking.Group {
	var groups []*linking.Group
	if first != nil {
		groups = append(groups, first)
	}
	for _, e := range emails {
		e = linking.NormalizeEmail(e)
		if e == "" || slices.ContainsFunc(groups, func(x *linking.Group) bool { return x.Email == e }) {
			continue
		}
		if i, ok := c.Data.Find(e); ok {
			groups = append(groups, c.Data.Groups[i])
		}
	}
	return groups
}

// familyNotes say, for a link of accounts (linked, by user id: the
// primary, named into, and the secondaries, named who), the other accounts
// of each of groups, when one of them is on a connection where accounts
// share an email (a family's, a shop's, a legacy database's profiles): a
// note an email. The link wizard and the undo that links an account back
// say them.
func familyNotes(conns *linking.Connections, groups []*linking.Group, linked []string, who, into string) []string {
	var notes []string
	for _, g := range groups {
		var others []string
		family := false
		for _, a := range g.Accounts {
			if slices.Contains(linked, a.UserID) {
				continue
			}
			others = append(others, tui.NameIn(g, a))
			if c, ok := conns.ByName(a.Connection); ok && c.SharesEmails() {
				family = true
			}
		}
		if family {
			notes = append(notes, fmt.Sprintf("Note: %d other %s the email %s (%s): whoever signs in with %s gets into the account %s alone.",
				len(others), tui.Plural(len(others), "account shares", "accounts share"), g.Email, strings.Join(others, ", "), who, into))
		}
	}
	return notes
}

// linkOffWhy is why l, and p that chooses for it, are off on a group whose
// accounts no link may join (linkOff): said at the key, rather than by the
// wizard's review after two steps.
type linkOffWhy struct {
	link, choose string // the keys' help
	err          error  // their answer
	noPrimary    string // in place of a recommended primary
}

var (
	familyOff = &linkOffWhy{link: "link (off: a family, each its own person)", choose: "choose primary (off: a family, nothing to link)",
		err:       errors.New("nothing to link: a family, each account its own person (Non-Unique Emails)"),
		noPrimary: "each account is its own person, not one to link into another."}
	legacyOff = &linkOffWhy{link: "link (off: profiles of one email in one database)", choose: "choose primary (off: nothing to link)",
		err:       errors.New("nothing to link: profiles of one email in one database are never linked (legacy_profiles)"),
		noPrimary: "profiles of one email in one database are never linked into one another (the reasons below say why, and the ways out)."}
)

// linkOff is why no link may join the accounts of g, nil where one may:
// a family shares the email on one Non-Unique Emails connection by design
// (non_unique_email_connection refuses any two), and the profiles of one
// email in one database connection are never linked (legacy_profiles
// refuses any two; two accounts of one enterprise connection it lets
// through).
func linkOff(g *linking.Group) *linkOffWhy {
	switch {
	case g == nil:
		return nil
	case g.Class == linking.ClassSharedByDesign:
		return familyOff
	case g.Class == linking.ClassLegacyDuplicate && len(g.Accounts) > 0 && g.Accounts[0].Provider == client.StrategyAuth0 &&
		!slices.ContainsFunc(g.Accounts, func(a *linking.Account) bool { return a.Connection != g.Accounts[0].Connection }):
		return legacyOff
	}
	return nil
}

func (w *LinkWizard) group() *linking.Group {
	if w.pair != nil {
		return w.pair
	}
	i, ok := w.c.Data.Find(w.email)
	if !ok {
		return nil
	}
	return w.c.Data.Groups[i]
}

// subject is what the wizard's title names: the group's email, or for a
// pair of accounts found one by one, whose first has no email (the pair is
// named by its user id), the account it was opened from, by its primary
// identifier.
func (w *LinkWizard) subject() string {
	if w.pair == nil || linking.NormalizeEmail(w.email) != "" || len(w.pair.Accounts) == 0 {
		return w.email
	}
	for _, a := range w.pair.Accounts {
		if a.UserID == w.from {
			return a.Identifier.Value
		}
	}
	return w.pair.Accounts[0].Identifier.Value
}

func (w *LinkWizard) Init() tea.Cmd   { return nil }
func (w *LinkWizard) Title() string   { return "Link" }
func (w *LinkWizard) Capturing() bool { return w.step == stepConfirm }

// TypesText: on the confirmation, keys type only into the reason while it
// is edited.
func (w *LinkWizard) TypesText() bool { return w.reason.Editing() }

// WantsEsc: esc goes back a step on the review, and on the accounts asks
// before it closes the wizard on choices made (as q and 1/2/3 ask).
func (w *LinkWizard) WantsEsc() bool {
	return w.step == stepReview || w.step == stepAccounts && w.Unsaved() != ""
}

// Unsaved names the choices leaving would lose.
func (w *LinkWizard) Unsaved() string {
	switch {
	case w.step == stepResult:
		return ""
	case w.step > stepAccounts || w.touched || w.sidesChosen() > 0:
		return "the link wizard of " + w.subject() + ": its choices (primary, accounts, conflict sides)"
	}
	return ""
}

// Step is the wizard's current step (tests).
func (w *LinkWizard) Step() linkStep { return w.step }

func (w *LinkWizard) Help() []tui.HelpGroup {
	k := w.c.Keys
	switch w.step {
	case stepAccounts:
		// enter first: the footer shows the keys in this order, as many as
		// fit, and enter is the one that goes on.
		return []tui.HelpGroup{{Title: "Link: accounts", Bindings: []keyBinding{
			withHelp(k.Open, "enter", "review the plan"), withHelp(k.ChoosePrimary, "p", "make primary"),
			withHelp(k.Toggle, "space", "link / leave it"), k.Up, k.Down, withHelp(k.Back, "esc", "cancel"),
		}}}
	case stepReview:
		b := []keyBinding{withHelp(k.Open, "enter", "go on to confirm"), withHelp(k.Back, "esc", "back to the accounts")}
		if !w.loading && (w.planErr != nil || len(w.ops) == 0) {
			b = b[1:] // refused: there is nothing to confirm
		}
		if len(w.conflicts) > 0 {
			b = append(b, withHelp(k.Down, "j/k", "next / previous conflict"), withHelp(k.Toggle, "space", "keep the other side (this secondary only)"))
		}
		if w.overridable() {
			b = append(b, k.Override)
		}
		groups := []tui.HelpGroup{{Title: "Link: review", Bindings: b}}
		if w.reviewScrolls() {
			// The calls of the link end its review: these keys reach them.
			move := []keyBinding{withHelp(k.PageDown, "pgdn/pgup", "scroll a page"), withHelp(k.Bottom, "G", "end of the review (the calls)"), withHelp(k.Top, "g", "top")}
			if len(w.conflicts) > 0 {
				move = append([]keyBinding{withHelp(k.Down, "j", "past the last conflict: scroll")}, move...)
			} else {
				move = append([]keyBinding{withHelp(k.Down, "j/k", "scroll")}, move...)
			}
			groups = append(groups, tui.HelpGroup{Title: "Scroll", Bindings: move})
		}
		if !w.loading && w.planErr == nil && len(w.ops) > 0 {
			groups = append(groups, checksHelp(w.overridden())) // after the keys: what "? lists them" promises
		}
		return groups
	case stepConfirm:
		if w.reason.Editing() {
			return tui.ReasonHelp(k, "Link: reason")
		}
		// n and esc go back to the review, the link not made: the words say so.
		b := []keyBinding{k.Confirm, withHelp(k.Cancel, "n/esc", "no: back to the review"), k.Reason}
		if w.confirmScrolls {
			b = append(b, scrollHelp(k)...)
		}
		return []tui.HelpGroup{{Title: "Link: confirm", Bindings: b}}
	}
	return []tui.HelpGroup{{Title: "Link: result", Bindings: append([]keyBinding{withHelp(k.Back, "esc", "back to the group")}, w.exec.scrollHelp(k)...)}}
}

// FooterKeys are the review's keys in the words of one line, those that
// act on the review first: at 80 columns enter, j/k and space show with
// esc (the help's words would leave room for enter and esc alone). The
// confirmation whose lines scroll: y, n and the keys that scroll. Other
// steps: their help, as it comes.
func (w *LinkWizard) FooterKeys() []keyBinding {
	k := w.c.Keys
	if w.step == stepConfirm && w.confirmScrolls && !w.reason.Editing() {
		// In fewer words than the help's, so that the keys that scroll
		// show with y and n.
		return append([]keyBinding{withHelp(k.Confirm, "y", "link"), withHelp(k.Cancel, "n", "back")}, scrollHelp(k)...)
	}
	if w.step != stepReview {
		return nil
	}
	var b []keyBinding
	if w.loading || w.planErr == nil && len(w.ops) > 0 {
		b = append(b, withHelp(k.Open, "enter", "go on"))
	}
	if len(w.conflicts) > 0 {
		b = append(b, withHelp(k.Down, "j/k", "next conflict"), withHelp(k.Toggle, "space", "swap side"))
	}
	if w.overridable() {
		b = append(b, withHelp(k.Override, "o", "override (recorded)"))
	}
	b = append(b, withHelp(k.Back, "esc", "back"))
	if w.reviewScrolls() {
		b = append(b, withHelp(k.PageDown, "pgdn", "scroll"), withHelp(k.Bottom, "G", "end"))
	}
	return b
}

// Paste goes to the reason while it is edited.
func (w *LinkWizard) Paste(text string) {
	if !w.exec.started {
		w.reason.Paste(text)
	}
}

func (w *LinkWizard) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg.(type) {
	case tui.DataChangedMsg:
		if !w.exec.started {
			w.follow()
		}
	case tea.WindowSizeMsg:
		w.reveal = true // the conflict under the cursor stays in view
	}
	return w, dialogUpdate(msg, &w.reading, w.tookUsers, &w.exec, &w.hint, w.key)
}

// follow makes the choices follow the accounts the group has now: an
// account gone (linked elsewhere, deleted) loses its mark and its merge
// choices, a primary gone gives way to the recommended one, and a review
// of a plan that named it goes back to the accounts. An account new to the
// group comes unmarked.
func (w *LinkWizard) follow() {
	g := w.group()
	if w.pair != nil || g == nil {
		return
	}
	ids := make([]string, 0, len(g.Accounts))
	for _, a := range g.Accounts {
		ids = append(ids, a.UserID)
	}
	if slices.Equal(ids, w.ids) {
		return
	}
	gone := false
	for _, id := range w.ids {
		if !slices.Contains(ids, id) {
			gone = true
			delete(w.linked, id)
			delete(w.opts.Merge, id)
		}
	}
	under := ""
	if w.cursor < len(w.ids) {
		under = w.ids[w.cursor]
	}
	w.ids = ids
	if !slices.Contains(ids, w.primary) {
		primary := g.RecommendedPrimary
		if primary == "" && len(ids) > 0 {
			primary = ids[0]
		}
		w.setPrimary(primary)
	}
	w.cursor = max(slices.Index(ids, under), 0)
	if gone && w.step != stepAccounts {
		w.step, w.ops, w.conflicts, w.conflictOwner, w.conflict = stepAccounts, nil, nil, nil, 0
		w.hint = "The group changed: the accounts gone from it are no longer marked. Check the marks again."
	}
}

// tookUsers takes the group's accounts as the tenant holds them, and plans
// the link (the read said what it would be refused for ahead:
// Backend.ReadAccounts).
func (w *LinkWizard) tookUsers(msg tui.UsersMsg) tea.Cmd {
	w.hint = "" // "still reading" no longer
	w.users, w.conns, w.access, w.planErr = msg.Users, msg.Conns, msg.Access, msg.Err
	if msg.Err == nil {
		w.plan()
	}
	return nil
}

func (w *LinkWizard) key(k tea.KeyPressMsg) tea.Cmd {
	keys := w.c.Keys
	shown := w.step == stepReview && w.conflictShown() // as the last frame drew it, hint and all
	w.hint = ""
	switch w.step {
	case stepAccounts:
		if upDown(k, keys, &w.cursor, len(w.ids)) {
			return nil
		}
		switch {
		case tui.Matches(k, keys.ChoosePrimary):
			// p changes the primary alone: every other account keeps its mark
			// (the one the primary held stays, unseen, for when it is not).
			if w.cursor < len(w.ids) && w.primary != w.ids[w.cursor] {
				w.touched = true
				w.setPrimary(w.ids[w.cursor])
			}
		case tui.Matches(k, keys.Toggle) && len(w.ids) > 0:
			if id := w.ids[w.cursor]; id != w.primary {
				w.linked[id] = !w.linked[id]
				w.touched = true
				if !w.linked[id] {
					w.dropSides(id)
				}
			} else { // space on the primary marked nothing, silently
				w.hint = "This is the primary (●): space marks the other accounts, to link into it; p makes the one under the cursor the primary."
			}
		case tui.Matches(k, keys.Open):
			return w.review()
		case tui.Matches(k, keys.Back):
			return w.askLeave()
		}
	case stepReview:
		if w.reviewScroll(k) {
			return nil
		}
		switch {
		case tui.Matches(k, keys.Back):
			w.step = stepAccounts
		case tui.Matches(k, keys.Toggle) && len(w.conflicts) > 0 && !shown:
			// The conflict under the cursor was scrolled out of view: space
			// brings it back first, and swaps nothing unseen.
			w.reveal = true
			w.hint = fmt.Sprintf("Conflict %d of %d is in view again (▸): space again keeps its other side.", w.conflict+1, len(w.conflicts))
		case tui.Matches(k, keys.Toggle) && len(w.conflicts) > 0:
			w.toggleConflict()
		case tui.Matches(k, keys.Override) && w.overridable():
			se, _ := linking.AsSafetyError(w.planErr)
			if se.Check == linking.CheckDifferentEmails {
				w.opts.AllowDifferentEmails = true
			} else {
				w.opts.AllowUnverified = true
			}
			w.plan()
		case tui.Matches(k, keys.Open):
			switch {
			case w.loading:
				w.hint = "Still reading the accounts…"
			case w.planErr != nil || len(w.ops) == 0:
				w.hint = "Nothing can be linked as planned: see why above."
			default:
				w.step, w.confirmScroll = stepConfirm, 0
			}
		}
	case stepConfirm:
		// The reason takes every key while it is edited; else the keys
		// that scroll a write's result scroll what is over the reason.
		if w.reason.Update(k, keys) || scrollKey(k, keys, &w.confirmScroll, w.confirmRoom-1) {
			return nil
		}
		switch {
		case tui.Matches(k, keys.Confirm):
			return w.execute()
		case tui.Matches(k, keys.Cancel):
			w.step = stepReview
		default:
			w.hint = "Enter does not confirm: y links, n goes back."
		}
	case stepResult:
		// esc (handled by the root) goes back to the group.
		w.exec.scrollKey(k, keys)
	}
	return nil
}

// askLeave closes the wizard, asking first when that loses the choices
// made in it, in the words the root asks with before q or 1/2/3 lose them.
func (w *LinkWizard) askLeave() tea.Cmd {
	what := w.Unsaved()
	if what == "" {
		return w.c.Close(w)
	}
	width := tui.DialogWidth(w.c)
	body := append(tui.Wrap("Going back closes the link wizard, and this is lost:", width, 0), tui.Bullet(what, width, 0)...)
	return w.c.Open(tui.NewConfirmThen(w.c, "Leave this screen?", body, "Leave and lose it?", false, func() tea.Cmd { return w.c.Close(w) }))
}

// setPrimary makes id the primary. The conflict sides chosen were between
// the primary before and each secondary: they go, and the hint says so.
func (w *LinkWizard) setPrimary(id string) {
	if id == w.primary {
		return
	}
	w.primary = id
	if n := w.sidesChosen(); n > 0 {
		w.hint = "The " + sides(n) + " you chose against the previous primary " + tui.Plural(n, "is", "are") + " dropped."
	}
	w.opts.Merge = nil
}

// dropSides forgets the conflict sides chosen for a secondary no longer
// linked, so that it comes back with none; the hint says so.
func (w *LinkWizard) dropSides(id string) {
	if n := len(w.opts.Merge[id].TakeSecondary); n > 0 {
		w.hint = "The " + sides(n) + " you chose for " + w.name(id) + " " + tui.Plural(n, "is", "are") + " dropped with its mark."
	}
	delete(w.opts.Merge, id)
}

func sides(n int) string { return tui.Plural(n, "conflict side", fmt.Sprintf("%d conflict sides", n)) }

// sidesChosen counts the conflicts whose secondary's side the operator chose.
func (w *LinkWizard) sidesChosen() int {
	n := 0
	for _, m := range w.opts.Merge {
		n += len(m.TakeSecondary)
	}
	return n
}

func (w *LinkWizard) secondaries() []string {
	var out []string
	for _, id := range w.ids {
		if id != w.primary && w.linked[id] {
			out = append(out, id)
		}
	}
	return out
}

// review reads the primary and the secondaries by id (consistent) for the plan.
func (w *LinkWizard) review() tea.Cmd {
	secs := w.secondaries()
	switch {
	case len(w.ids) < 2: // the group holds one account now: nothing to pick
		w.hint = "Nothing left to link: this email has one account now (esc goes back)."
		return nil
	case w.primary == "" || len(secs) == 0:
		w.hint = "Pick at least one account to link into the primary (space)."
		return nil
	}
	w.step, w.ops, w.planErr, w.users, w.scroll = stepReview, nil, nil, nil, 0
	// The conflict sides chosen stay (p and space drop those that no longer
	// apply); an override is asked again of the accounts as read now.
	w.opts = linking.LinkOptions{Merge: w.opts.Merge}
	return w.startRead(w.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd {
		return b.ReadAccounts(w.c.Ctx, task, append([]string{w.primary}, secs...)...)
	})
}

// plan asks linking for the operations with the current options.
func (w *LinkWizard) plan() {
	w.opts.Access = w.access
	w.ops, w.planErr = linking.PlanLink(w.users[0], w.users[1:], w.conns, w.opts)
	g := w.group()
	for i := range w.ops {
		w.ops[i].Group = w.email
		if g != nil {
			w.ops[i].Reasons = append(slices.Clone(g.Reasons), g.PrimaryReasons...)
		}
	}
	w.conflicts, w.conflictOwner = w.conflicts[:0], w.conflictOwner[:0]
	for i := range w.ops {
		if m := w.ops[i].Merge; m != nil {
			for j := range m.Conflicts {
				w.conflicts = append(w.conflicts, &m.Conflicts[j])
				w.conflictOwner = append(w.conflictOwner, w.ops[i].Secondary)
			}
		}
	}
	w.conflict = min(w.conflict, max(len(w.conflicts)-1, 0))
	w.reveal = true // the conflict under the cursor in view, as the plan lays it out
}

// overridable: the plan was refused by a check the operator may override
// on the record (an unverified email, two accounts that share no email).
func (w *LinkWizard) overridable() bool {
	se, ok := linking.AsSafetyError(w.planErr)
	return ok && (se.Check == linking.CheckUnverifiedEmail && !w.opts.AllowUnverified ||
		se.Check == linking.CheckDifferentEmails && !w.opts.AllowDifferentEmails)
}

// overridden lists the checks the operator overrode for this link.
func (w *LinkWizard) overridden() []string {
	var out []string
	if w.opts.AllowDifferentEmails {
		out = append(out, linking.CheckDifferentEmails)
	}
	if w.opts.AllowUnverified {
		out = append(out, linking.CheckUnverifiedEmail)
	}
	return out
}

// toggleConflict keeps the other side of the conflict under the cursor and
// plans again (linking merges; the wizard only passes the choice on).
func (w *LinkWizard) toggleConflict() {
	key, sec := w.conflicts[w.conflict].Key(), w.conflictOwner[w.conflict]
	if w.opts.Merge == nil {
		w.opts.Merge = map[string]linking.MergeOptions{}
	}
	take := w.opts.Merge[sec].TakeSecondary
	if i := slices.Index(take, key); i >= 0 {
		take = slices.Delete(slices.Clone(take), i, i+1)
	} else {
		take = append(slices.Clone(take), key)
	}
	w.opts.Merge[sec] = linking.MergeOptions{TakeSecondary: take}
	w.plan()
}

func (w *LinkWizard) execute() tea.Cmd {
	w.step = stepResult
	var names []string
	for _, id := range w.secondaries() {
		names = append(names, w.name(id))
	}
	// The label is what the status bar says of the write in flight and once
	// it is done: short enough to show there; by tui.ShortNameIn, what the
	// toast says where it does not fit in its line. The result screen lists
	// every call, each secondary by its user id.
	labelBy := func(nameIn func(*linking.Group, *linking.Account) string) string {
		into := tui.Fit(w.nameBy(w.primary, nameIn), labelName)
		if len(names) > 1 {
			return fmt.Sprintf("link %d accounts into %s", len(names), into)
		}
		return "link " + tui.Fit(w.nameBy(w.secondaries()[0], nameIn), labelName) + " into " + into
	}
	label := labelBy(tui.NameIn)
	w.exec.short = labelBy(tui.ShortNameIn)
	w.linking = "Link " + names[0] + " into " + w.name(w.primary) + "."
	if len(names) > 1 {
		w.linking = fmt.Sprintf("Link %d accounts into %s: %s.", len(names), w.name(w.primary), strings.Join(names, ", "))
	}
	ops := slices.Clone(w.ops)
	for i := range ops {
		ops[i].Reason = w.reason.Value()
	}
	linking.NameAccounts(ops, w.users, w.conns)
	return w.exec.start(w.c, label, w.email, ops)
}

// name is an account of the group by its primary identifier and user id.
func (w *LinkWizard) name(id string) string { return w.nameBy(id, tui.NameIn) }

// nameBy names an account as nameIn names one of its group (tui.NameIn,
// tui.ShortNameIn), and one of no group by its identifier and user id.
func (w *LinkWizard) nameBy(id string, nameIn func(*linking.Group, *linking.Account) string) string {
	if g := w.group(); g != nil {
		if a := accountByID(g, id); a != nil {
			return nameIn(g, a)
		}
	}
	for _, u := range w.users {
		if u.UserID == id {
			return tui.UserLabel(u, w.conns)
		}
	}
	return id
}

// ---- view ----

// head is the wizard's title and where it stands, over the steps: "step 1
// of 4" and the step's name (a "1/4 accounts" read as a count of accounts).
func (w *LinkWizard) head() []string {
	s := w.c.Styles
	names := []string{"accounts", "review", "confirm", "result"}
	at := fmt.Sprintf("step %d of %d", w.step+1, len(names))
	steps := make([]string, len(names))
	for i, name := range names {
		if linkStep(i) == w.step {
			steps[i] = s.ActiveTab.Render("[" + name + "]")
		} else {
			steps[i] = s.Dim.Render(" " + name + " ")
		}
	}
	head := []string{s.Title.Render("Link accounts of ") + tui.Fit(w.subject(), w.c.Width/2) + s.Dim.Render("  "+at+" ") + strings.Join(steps, s.Dim.Render(" › "))}
	if tui.Width(head[0]) > w.c.Width { // the steps whole, or the short form
		short := " · " + at + ": "
		head[0] = s.Title.Render("Link ") + tui.Fit(w.subject(), w.c.Width-5-tui.Width(short)-len(names[w.step])) + s.Dim.Render(short) + s.ActiveTab.Render(names[w.step])
	}
	if w.c.Height >= 24 {
		head = append(head, "")
	}
	return head
}

// hintLines is the hint under a step, if any.
func (w *LinkWizard) hintLines() []string {
	if w.hint == "" {
		return nil
	}
	return append([]string{""}, sentence(w.c.Styles.Warn.Render, w.hint, w.c.Width)...)
}

func (w *LinkWizard) View() string {
	head, hint := w.head(), w.hintLines()
	var body []string
	switch w.step {
	case stepAccounts:
		body = w.accountsView(w.c.Height - len(head) - len(hint))
	case stepReview:
		body = w.reviewView(w.c.Height - len(head) - len(hint))
	case stepConfirm:
		return w.confirmView()
	case stepResult:
		body = tui.Wrap(w.linking, w.c.Width, 3)
		body = append(body, w.exec.view(w.c, "Linking", w.c.Height-len(head)-len(hint)-len(body))...)
	}
	return strings.Join(append(append(head, body...), hint...), "\n")
}

// accountsView is the accounts step in room lines: a short window gives up
// the blank lines first, then the end of the explanation under the table
// (ending in "…"), never the table.
func (w *LinkWizard) accountsView(room int) []string {
	s := w.c.Styles
	width := w.c.Width
	g := w.group()
	out := tui.Wrap("Pick the primary (p): the account that stays and keeps its user id and profile. Mark with space the accounts to link into it: each stops being a user of its own.", width, 3)
	out = append(out, sentence(s.Dim.Render, "(●) primary · [x] linked into it · [ ] left alone · ★ recommended", width)...)
	out = append(out, "")
	if g == nil {
		return append(out, s.Dim.Render("This group is no longer in the scan."))
	}
	identW, idW, connW := 10, 7, 10
	identDrop := 0 // an identifier column of "(email)" alone tells nothing apart: it goes first
	for _, a := range g.Accounts {
		if cell := identifierCell(g, a); cell == "(email)" || cell == "(user id)" {
			identDrop = 8
		} else {
			identDrop = 0
			break
		}
	}
	for _, a := range g.Accounts {
		identW = max(identW, tui.Width(tui.Fit(identifierCell(g, a), 40)))
		idW = max(idW, tui.Width(tui.Fit(a.UserID, 60)))
		connW = max(connW, tui.Width(tui.Fit(a.Connection, 40)))
	}
	// The star column's cells (★ recommended) go to the others where no
	// account is recommended and the user ids or the identifiers would be
	// cut for want of them.
	star := 2
	fit := func() []int {
		return tui.FitColumns([]tui.Column{
			{Want: 3, Min: 3}, // mark
			// The identifiers that tell a family's accounts apart are cut
			// last, after the end of the longest user id: here the operator
			// picks the person (the group's screen keeps the user id whole,
			// to copy). The connection goes first, whole or not at all (a
			// cut one tells nothing apart).
			{Want: identW, Min: 8, Shrink: 1, Drop: identDrop}, // identifier
			{Want: idW, Min: 14, Shrink: 2},                    // user id
			{Want: connW, Min: connW, Drop: 7},                 // connection
			{Want: 5, Min: 5, Drop: 5},                         // email verified
			{Want: 6, Min: 6, Drop: 6},                         // logins
		}, width-2-star, 1)
	}
	cols := fit()
	if g.RecommendedPrimary == "" && (cols[2] < idW || cols[1] > 0 && cols[1] < identW) {
		star = 0
		cols = fit()
	}
	cell := func(i int, v string) string {
		if cols[i] == 0 {
			return ""
		}
		return " " + tui.Pad(v, cols[i])
	}
	out = append(out, s.Header.Render("  "+strings.Repeat(" ", star)+tui.Pad("", cols[0])+cell(1, "IDENTIFIER")+cell(2, "USER ID")+cell(3, "CONNECTION")+cell(4, "EMAIL")+cell(5, "LOGINS")))
	for i, a := range g.Accounts {
		mark := "[ ]"
		switch {
		case a.UserID == w.primary:
			mark = "(●)"
		case w.linked[a.UserID]:
			mark = "[x]"
		}
		rec := strings.Repeat(" ", star)
		if a.UserID == g.RecommendedPrimary {
			rec = "★ "
		}
		ver := "✗"
		switch {
		case a.Email == "":
			ver = "–" // no email at all: nothing to verify
		case a.EmailVerified:
			ver = "✓"
		}
		line := rec + tui.Pad(mark, cols[0]) + cell(1, identifierCell(g, a)) + cell(2, a.UserID) + cell(3, a.Connection) +
			cell(4, ver) + cell(5, fmt.Sprint(a.LoginsCount))
		if i == w.cursor {
			out = append(out, s.Selected.Render("▸ "+line))
		} else {
			out = append(out, "  "+line)
		}
	}
	var below []string
	if g.RecommendedPrimary != "" {
		below = append(below, "", s.Dim.Render("★ recommended primary: ")+tui.Fit(tui.NameIn(g, accountByID(g, g.RecommendedPrimary)), width-25))
		for _, r := range g.PrimaryReasons {
			below = append(below, bullet(r, width)...)
		}
	} else {
		below = append(below, "")
		why := "No primary is recommended for a " + tui.ClassName(g.Class) + " group: make sure these accounts are one person's."
		switch {
		case w.pair != nil && !sharedEmail(g):
			// Found one by one: their class says nothing of them.
			why = "These accounts do not share an email: the review refuses their link (different_emails) unless you override it there (o). Make sure they are one person's."
		case g.Class == linking.ClassLegacyDuplicate:
			// Every pair here shares one database connection: refused.
			why = "Profiles of one email in one database are never linked (legacy_profiles): they may be different people, and need migration."
		}
		below = append(below, tui.Wrap(why, width, 3)...)
	}
	table := len(out) - 1 // the lines down to the table's last row, less the blank one
	lines := squeeze(append(out, below...), room)
	if keep := max(room, table); keep < len(lines) {
		// No blank line left: what is below the table starts at line table.
		lines = lines[:keep]
		if keep > table {
			lines[keep-1] = endCut(lines[keep-1], width)
		}
	}
	return lines
}

// reviewPane is the review laid out for the window: the lines above the
// merge (the checks, the legend, whose conflict the cursor is on), and the
// merge, one section per secondary, which scrolls under them.
type reviewPane struct {
	top       []string
	lines     []string
	sectionOf []int // per merge line: the line of its section's title
	// at and end are the first and last lines of the conflict under the
	// cursor; at is -1 when there is none.
	at, end int
	room    int // the merge lines the window has room for
	// banner is where the lines of top that say whose conflict the cursor
	// is on begin; away are those lines for when it is out of view (as
	// many: the view does not move when they take their place).
	banner int
	away   []string
}

// shows reports whether the merge scrolled to scroll shows the conflict
// under the cursor (its first line, the one marked ▸); true when there
// is none.
func (p *reviewPane) shows(scroll int) bool {
	return p.at < 0 || p.at >= scroll && p.at < scroll+p.visible(scroll)
}

// pinned reports whether the merge scrolled to scroll shows its section's
// title on top, above the lines from scroll on: the section began above.
func (p *reviewPane) pinned(scroll int) bool {
	return scroll > 0 && scroll < len(p.lines) && p.sectionOf[scroll] != scroll
}

// visible is how many merge lines from scroll on are in view.
func (p *reviewPane) visible(scroll int) int {
	if p.pinned(scroll) {
		return max(p.room-1, 1)
	}
	return p.room
}

// last is the scroll that shows the merge's last line at the bottom.
func (p *reviewPane) last() int {
	s := max(len(p.lines)-p.room, 0)
	if s+p.visible(s) < len(p.lines) {
		s++ // the section's title, pinned, takes a line
	}
	return s
}

func (p *reviewPane) clamp(scroll int) int { return min(max(scroll, 0), p.last()) }

// move scrolls from one line to another, clamped. The line under a
// section's title shows as the title does (the title pinned above it),
// so a move onto it goes one further: every key press moves the view.
func (p *reviewPane) move(from, to int) int {
	to = p.clamp(to)
	if p.pinned(to) && p.sectionOf[to] == to-1 {
		switch {
		case to > from:
			to = p.clamp(to + 1)
		case to < from:
			to--
		}
	}
	return to
}

// below is how many merge lines are below the view at scroll.
func (p *reviewPane) below(scroll int) int { return max(len(p.lines)-scroll-p.visible(scroll), 0) }

// reveal is the scroll that shows the conflict under the cursor, whole
// where the room allows, under its section's title: scroll itself when it
// shows it already.
func (p *reviewPane) reveal(scroll int) int {
	scroll = p.clamp(scroll)
	if p.at < 0 || p.at >= scroll && p.end < scroll+p.visible(scroll) {
		return scroll
	}
	// From its section's title when the section down to it fits, else
	// in the middle of the view, the title pinned above it.
	scroll = p.at - p.room/2
	if start := p.sectionOf[p.at]; p.end-start < p.room {
		scroll = start
	}
	scroll = min(max(scroll, 0), p.at)
	if p.end >= scroll+p.visible(scroll) {
		scroll = min(p.at, p.end-p.visible(scroll)+1)
	}
	return p.clamp(scroll)
}

// conflictShown reports whether the review, as drawn now, shows the
// conflict under the cursor (or will at once: a move to it, or a new
// plan, brings it into view before the next frame).
func (w *LinkWizard) conflictShown() bool {
	if len(w.conflicts) == 0 || w.reveal {
		return true
	}
	if w.loading || w.planErr != nil || len(w.users) == 0 {
		return false
	}
	p := w.reviewLayout(w.c.Height - len(w.head()) - len(w.hintLines()))
	return p.shows(p.clamp(w.scroll))
}

// reviewScrolls reports whether the review is longer than the window.
func (w *LinkWizard) reviewScrolls() bool {
	if w.step != stepReview || w.loading || w.planErr != nil || len(w.users) == 0 {
		return false
	}
	p := w.reviewLayout(w.c.Height - len(w.head()) - len(w.hintLines()))
	return p.last() > 0
}

// reviewScroll moves the review for a key: j and k go from conflict to
// conflict, the view following; j past the last one (or where there is
// none) scrolls the lines under it, k before the first the lines above;
// pgdn and pgup scroll a page, g and G go to the top and the end. It
// reports whether the key was one of those.
func (w *LinkWizard) reviewScroll(k tea.KeyPressMsg) bool {
	keys := w.c.Keys
	if !tui.Matches(k, keys.Up, keys.Down, keys.PageUp, keys.PageDown, keys.Top, keys.Bottom) ||
		tui.Matches(k, keys.Toggle) && len(w.conflicts) > 0 { // space swaps a side
		return false
	}
	if w.loading || w.planErr != nil || len(w.users) == 0 {
		return true // nothing to scroll
	}
	p := w.reviewLayout(w.c.Height - len(w.head()))
	if w.reveal {
		w.scroll, w.reveal = p.reveal(w.scroll), false
	}
	page := max(p.visible(w.scroll)-1, 1)
	from := w.scroll
	switch {
	case tui.Matches(k, keys.Down) && w.conflict+1 < len(w.conflicts):
		w.conflict++
		w.reveal = true
	case tui.Matches(k, keys.Down):
		w.scroll++ // past the last conflict: the lines under it
	case tui.Matches(k, keys.Up) && w.conflict > 0:
		w.conflict--
		w.reveal = true
	case tui.Matches(k, keys.Up):
		w.scroll-- // above the first conflict, or where there is none
	case tui.Matches(k, keys.PageDown):
		w.scroll += page
	case tui.Matches(k, keys.PageUp):
		w.scroll -= page
	case tui.Matches(k, keys.Top):
		w.scroll = 0
	case tui.Matches(k, keys.Bottom):
		w.scroll = p.last()
	}
	w.scroll = p.move(from, w.scroll)
	return true
}

// reviewLayout lays the review out in height lines.
func (w *LinkWizard) reviewLayout(height int) reviewPane {
	s := w.c.Styles
	width := w.c.Width
	p := reviewPane{at: -1, end: -1}
	p.top = append(p.top, linkChecks(s, w.overridden(), width)...)
	if l := lackingScopes(w.c, w.ops); l != "" {
		p.top = append(p.top, sentence(s.Warn.Render, l, width)...)
	}
	p.top = append(p.top, sentence(s.Dim.Render, "+ the primary gains it · ~ merged · ! conflict: one side is kept", width)...)

	ci := 0
	before := map[string]map[string]any{}
	um, am := linking.UserMetadata(w.users[0])
	before[linking.FieldUserMetadata], before[linking.FieldAppMetadata] = um, am
	add := func(section int, lines ...string) {
		for _, l := range lines {
			p.lines = append(p.lines, l)
			p.sectionOf = append(p.sectionOf, section)
		}
	}
	for _, op := range w.ops {
		section := len(p.lines)
		// Over two lines where one does not hold it: the user id whole, and
		// the words that say what the section is.
		for _, l := range tui.Wrap("Metadata of "+w.name(op.Secondary)+" into the primary", width, 2) {
			add(section, s.Title.Render(l))
		}
		if op.Merge == nil {
			add(section, s.Dim.Render("  the secondary has no metadata: nothing to merge"))
		} else {
			for _, field := range []string{linking.FieldUserMetadata, linking.FieldAppMetadata} {
				after := op.Merge.UserMetadata
				if field == linking.FieldAppMetadata {
					after = op.Merge.AppMetadata
				}
				for _, d := range metadataDiff(field, before[field], after, op.Merge.Conflicts) {
					if d.kind == diffConflict && ci == w.conflict {
						// The one under the cursor whole: both values, however
						// narrow the window, since one of them is dropped.
						p.at = len(p.lines)
						for i, l := range tui.Wrap(conflictText(d), width-4, 0) {
							mark := "  "
							if i == 0 {
								mark = "▸ "
							}
							add(section, s.Selected.Render(mark+s.Conflict.Render(l)))
						}
						p.end = len(p.lines) - 1
					} else if d.kind == diffConflict {
						// Wrapped whole too: the value dropped must read.
						for _, l := range tui.Wrap(conflictText(d), width-4, 0) {
							add(section, "  "+s.Conflict.Render(l))
						}
					} else {
						add(section, indent(w.diffLines(d, width-4), "  ")...)
					}
					if d.kind == diffConflict {
						ci++
					}
				}
				before[field] = after
			}
		}
		for _, r := range op.Roles {
			add(section, hanging("  "+s.Good.Render("+ role "), r.Name+" ("+r.ID+") given to the primary", width, maxDiffLines, nil)...)
		}
		for _, o := range op.Organizations {
			add(section, hanging("  "+s.Good.Render("+ member of "), o.Label()+" ("+o.ID+") carried over", width, maxDiffLines, nil)...)
		}
		for _, n := range op.Notes {
			add(section, indent(tui.Wrap("note: "+n, width-6, 3), "  ")...)
		}
		add(section, s.Dim.Render("  calls:"))
		for _, st := range op.Steps {
			add(section, callLinesUpTo(s, "    ", report.CallText(st.Call), width-2, 0)...) // whole: the pane scrolls
		}
	}
	if n := len(w.conflicts); n > 0 {
		// Whose conflict the cursor is on, whole where two lines hold it;
		// scrolled out of view (g, G, pgup, pgdn, j past the last), the
		// lines say so, and space brings it back before it swaps a side.
		owner := w.name(w.conflictOwner[w.conflict])
		// What space does first: a long owner (a SAML user id) is what the
		// two lines cut, never the key's words.
		here := tui.Wrap(fmt.Sprintf("Conflict %d of %d: space keeps the other side for it alone (of %s)", w.conflict+1, n, owner), width, 2)
		away := tui.Wrap(fmt.Sprintf("Conflict %d of %d is out of view: space brings it back (of %s)", w.conflict+1, n, owner), width, 2)
		for len(here) < len(away) {
			here = append(here, "")
		}
		for len(away) < len(here) {
			away = append(away, "")
		}
		p.banner = len(p.top)
		for i := range here {
			p.top = append(p.top, s.Warn.Render(here[i]))
			p.away = append(p.away, s.Warn.Render(away[i]))
		}
	}
	// Under the lines on top: a blank line, the merge, and the line that
	// says how much of it is below.
	p.room = max(height-len(p.top)-2, 3)
	return p
}

func (w *LinkWizard) reviewView(height int) []string {
	s := w.c.Styles
	width := w.c.Width
	if w.loading {
		return []string{"Reading the accounts by id (consistent reads)…"}
	}
	if w.planErr != nil {
		out := []string{s.Title.Render("Safety checks")}
		if se, ok := linking.AsSafetyError(w.planErr); ok {
			out = append(out, s.Bad.Render("  ✗ refused: "+se.Check))
			out = append(out, indent(tui.Wrap(se.Reason, width-8, 0), "    ")...) // whole: it says why
			if w.overridable() {
				out = append(out, hanging("    ", "o overrides this check for this link; the audit log records the override.", width, 0, s.Warn.Render)...)
			}
		} else {
			out = append(out, indent(tui.Wrap("✗ "+w.planErr.Error(), width-4, 0), "  ")...)
		}
		return out
	}
	p := w.reviewLayout(height)
	if w.reveal {
		w.scroll, w.reveal = p.reveal(w.scroll), false
	}
	w.scroll = p.clamp(w.scroll)
	out := slices.Clone(p.top)
	if !p.shows(w.scroll) {
		copy(out[p.banner:], p.away)
	}
	// Scrolled down (to a conflict, or by keys), the line between the top
	// and the merge says what is above: y must not be pressed on a merge
	// believed whole.
	switch above := w.scroll; {
	case p.pinned(w.scroll) && above > 1:
		out = append(out, s.Dim.Render(linesAbove(above-1, "k, g")))
	case !p.pinned(w.scroll) && above > 0:
		out = append(out, s.Dim.Render(linesAbove(above, "k, g")))
	default:
		out = append(out, "")
	}
	if p.pinned(w.scroll) {
		out = append(out, p.lines[p.sectionOf[w.scroll]]) // the title of the section in view
	}
	out = append(out, p.lines[w.scroll:min(w.scroll+p.visible(w.scroll), len(p.lines))]...)
	if n := p.below(w.scroll); n > 0 {
		out = append(out, s.Dim.Render(moreLines(n, "j, pgdn")))
	}
	return out
}

// linkCheckIDs are the checks linking's CheckLink runs on each account
// linked, by their ids.
var linkCheckIDs = []string{linking.CheckDifferentEmails, linking.CheckUnverifiedEmail, linking.CheckSameAccount, linking.CheckUserMissing,
	linking.CheckSecondaryHasLinks, linking.CheckNonUniqueEmailConnection, linking.CheckBlockedAccount}

// linkChecks says that linking's CheckLink passed for this plan, counting
// the checks: their ids name what each refuses ("different_emails"), which
// listed under a ✓ read as findings, so help lists them (checksHelp). The
// checks the operator overrode are named, under a !: there the id is what
// was found, and let through.
func linkChecks(s *tui.Styles, overridden []string, width int) []string {
	passed := len(linkCheckIDs)
	for _, c := range linkCheckIDs {
		if slices.Contains(overridden, c) {
			passed--
		}
	}
	text := fmt.Sprintf("safety checks passed: %d of %d (? lists them)", passed, len(linkCheckIDs))
	if len(overridden) > 0 {
		text = strings.Join(overridden, ", ") + fmt.Sprintf(": OVERRIDDEN by you (recorded); the other safety checks passed: %d of %d (? lists them)", passed, len(linkCheckIDs))
	}
	lines := indent(tui.Wrap(text, width-2, 0), "  ")
	if len(overridden) == 0 {
		lines[0] = s.Good.Render("✓ ") + lines[0][2:]
		return lines
	}
	lines[0] = "! " + lines[0][2:]
	for i := range lines {
		lines[i] = s.Warn.Render(lines[i]) // the override stands out whole
	}
	return lines
}

// checksHelp lists, for help, the checks a review passed, by id, and those
// the operator overrode.
func checksHelp(overridden []string) tui.HelpGroup {
	g := tui.HelpGroup{Title: "Safety checks of this link (each would refuse it)"}
	for _, c := range linkCheckIDs {
		if slices.Contains(overridden, c) {
			g.Bindings = append(g.Bindings, filterHelp("!", c+": OVERRIDDEN by you (recorded)"))
		} else {
			g.Bindings = append(g.Bindings, filterHelp("✓", c+": passed"))
		}
	}
	return g
}

// maxDiffLines is how many lines a key the merge adds or changes, a role
// or a membership carried over, may take in the review: what the primary
// gains reads whole, where a value is not longer still.
const maxDiffLines = 4

// diffLines lays out one key of the merge: one it adds or changes wrapped
// (the primary gains it), one it leaves as it was on one line.
func (w *LinkWizard) diffLines(d diffLine, width int) []string {
	s := w.c.Styles
	switch d.kind {
	case diffAdded:
		return hanging(s.Added.Render("+ "), d.path+": "+d.after, width, maxDiffLines, s.Added.Render)
	case diffChanged:
		return hanging(s.Warn.Render("~ "), d.path+": "+d.before+" → "+d.after, width, maxDiffLines, s.Warn.Render)
	case diffConflict:
		return []string{s.Conflict.Render(tui.Fit(conflictText(d), width))}
	}
	return []string{s.Dim.Render(tui.Fit("  "+d.path+": "+d.before, width))}
}

// conflictText is a conflict in words: the value kept and the one dropped.
func conflictText(d diffLine) string {
	keep, drop := d.before, d.after
	kept, dropped := "primary", "secondary"
	if d.conflict.Kept == linking.SideSecondary {
		keep, drop, kept, dropped = drop, keep, dropped, kept
	}
	return "! " + d.path + ": keep " + keep + " (" + kept + "), drop " + drop + " (" + dropped + ")"
}

// notRecommended says so when the primary chosen is not the one linking
// recommends for the group: the recommended one, when marked, stops being
// an account of its own, linked into it; unmarked, it is left as it is.
func (w *LinkWizard) notRecommended(primary string) string {
	g := w.group()
	if g == nil || g.RecommendedPrimary == "" || g.RecommendedPrimary == primary {
		return ""
	}
	why := ""
	if len(g.PrimaryReasons) > 0 {
		_, facts, _ := strings.Cut(g.PrimaryReasons[0], ": ")
		why = " (" + facts + ")"
	}
	fate := "linked into the one you chose, it stops being an account of its own."
	if !slices.Contains(w.secondaries(), g.RecommendedPrimary) {
		fate = "this link leaves it as it is."
	}
	return "Not the recommended primary: ★ " + w.name(g.RecommendedPrimary) + " is" + why + "; " + fate
}

func (w *LinkWizard) confirmView() string {
	s := w.c.Styles
	inner := tui.DialogWidth(w.c)
	prim := w.users[0]
	const under = "          " // the cells of a label ("secondary ")
	// Each account whole, its user id wrapped rather than cut, with a line
	// or two on what becomes of it (given up before any name).
	type account struct {
		name  []string
		about string
	}
	named := func(label, id, about string) account {
		return account{name: hanging(label, tui.Fit(w.name(id), 3*inner), inner, 0, nil), about: about}
	}
	var secs []account
	for _, u := range w.users[1:] {
		secs = append(secs, named(s.Danger.Render("secondary "), u.UserID, "on "+u.Connection()+", stops being an account of its own"))
	}
	into := named(s.Good.Render("into      "), prim.UserID, "on "+prim.Connection()+", keeps its user id and profile")
	// What the primary gains, said as the metadata is: the question is
	// answered on these words, not on the review's (tester: the roles and
	// memberships carried over went unsaid here).
	what := "Each secondary stops being a user: its metadata is merged first as reviewed, and everything is backed up and written to the audit log before each call."
	if g := report.Gains(w.ops); g != "" {
		what = "Each secondary stops being a user: its metadata is merged first as reviewed, and the primary gains " + g + ", carried over before the link ends them. Everything is backed up and written to the audit log before each call."
	}
	explain := tui.Wrap(what, inner, 0)
	var notes []string
	if n := len(w.conflicts); n > 0 {
		notes = append(notes, sentence(s.Warn.Render, fmt.Sprintf("%d metadata %s decided as you reviewed %s.", n, tui.Plural(n, "conflict", "conflicts"), tui.Plural(n, "it", "them")), inner)...)
	}
	for _, o := range w.overrideLines() { // whole: each names the accounts it is for
		notes = append(notes, sentence(s.Warn.Render, o, inner)...)
	}
	if o := w.notRecommended(prim.UserID); o != "" {
		notes = append(notes, sentence(s.Warn.Render, o, inner)...)
	}
	for _, f := range w.familyNotes() {
		notes = append(notes, sentence(s.Warn.Render, f, inner)...)
	}
	// The reason next to the question: the words the audit log keeps.
	q := "Link " + w.name(w.users[1].UserID) + " into " + w.name(prim.UserID) + "?"
	if n := len(w.users) - 1; n > 1 {
		q = fmt.Sprintf("Link these %d accounts into %s?", n, w.name(prim.UserID))
	}
	question := tui.QuestionLines(s, q, inner)
	reason := w.reason.Lines(s, inner)
	var hint []string // over the reason, in view with the question
	if w.hint != "" {
		hint = append([]string{""}, sentence(s.Warn.Render, w.hint, inner)...)
	}

	// A box too short for it all gives up blank lines (the topmost
	// first); what is still too long scrolls (scrollKey) between the title
	// and the reason, its last line in view saying how many are below:
	// every line whole, what becomes of each account, the sentence that
	// explains and every note (the family members sharing the email) can
	// be read before y (tester: cut with "…", or left out, they could not),
	// and the reason and the question stay in view. The reason goes to one
	// line when the lines that scroll would be fewer than three.
	room := w.c.Height - 2 // the box's frame
	build := func() (top, middle, end []string) {
		describe := func(a account) []string {
			return append(slices.Clone(a.name), indent(sentence(s.Dim.Render, a.about, inner-len(under)), under)...)
		}
		top = []string{s.Title.Render("Link, from the server side"), ""}
		for _, a := range secs {
			middle = append(middle, describe(a)...)
		}
		middle = append(append(append(middle, describe(into)...), ""), explain...)
		middle = append(middle, notes...)
		end = append(append(append(append(slices.Clone(hint), ""), reason...), ""), question...)
		over := len(top) + len(middle) + len(end) - room
		for _, part := range []*[]string{&top, &middle, &end} {
			if n := len(*part); over > 0 {
				*part = squeeze(*part, n-over)
				over -= n - len(*part)
			}
		}
		return top, middle, end
	}
	fits := func(top, middle, end []string) bool { return len(top)+len(middle)+len(end) <= room }
	top, middle, end := build()
	if !fits(top, middle, end) && room-len(top)-len(end) < 3 {
		reason = []string{w.reason.View(s, inner)}
		top, middle, end = build()
	}
	w.confirmScrolls, w.confirmRoom = !fits(top, middle, end), room-len(top)-len(end)
	shown := scrollPane(s, middle, &w.confirmScroll, w.confirmRoom, "↓")
	return tui.DialogBox(w.c, append(append(top, shown...), end...))
}

// overrideLines say, for each check the operator overrode for this link,
// which accounts it lets through.
func (w *LinkWizard) overrideLines() []string {
	prim := w.users[0]
	var out []string
	if w.opts.AllowDifferentEmails {
		var apart []string
		for _, u := range w.users[1:] {
			if e := linking.NormalizeEmail(u.Email); e == "" || e != linking.NormalizeEmail(prim.Email) {
				apart = append(apart, w.name(u.UserID))
			}
		}
		if len(apart) == 0 {
			apart = append(apart, "the secondary")
		}
		out = append(out, strings.Join(apart, ", ")+" and "+w.name(prim.UserID)+" share no email: you vouch that they are one person.")
	}
	if w.opts.AllowUnverified {
		var unverified []string
		for _, u := range w.users {
			if !u.EmailVerified {
				unverified = append(unverified, w.name(u.UserID))
			}
		}
		what := "The unverified-email check is overridden for this link"
		if len(unverified) > 0 {
			what += ": email not verified on " + strings.Join(unverified, ", ")
		}
		out = append(out, what+".")
	}
	return out
}

func indent(lines []string, prefix string) []string {
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return lines
}

// resultLines shows what the executor did, step by step, then notes: for
// the link wizard, the unlink, delete and undo dialogs.
func resultLines(c *tui.Common, running bool, res *linking.Result, err error, doing string, notes ...string) []string {
	s := c.Styles
	w := c.Width
	if running {
		return tui.Wrap(doing+"… (the status bar counts the write in flight; it goes on if you leave this screen)", w, 0)
	}
	var out []string
	switch {
	case err == nil && res != nil && res.Complete():
		out = append(out, s.Good.Render("✓ Done."))
	case err != nil:
		if se, ok := linking.AsSafetyError(err); ok && se.Check == linking.CheckChangedSincePlan {
			out = append(out, hanging(s.Bad.Render("✗ "), "The group changed since you reviewed it: nothing more was done.", w, 0, s.Bad.Render)...)
		} else {
			out = append(out, s.Bad.Render("✗ Stopped."))
		}
		out = append(out, indent(tui.Wrap(err.Error(), w-6, 6), "    ")...)
	}
	if res != nil {
		tickets, ticket := 0, 0 // y copies each in turn
		for _, st := range res.Steps {
			if st.Ticket != "" {
				tickets++
			}
		}
		for _, st := range res.Steps {
			mark := "·"
			switch st.Status {
			case linking.StatusDone, linking.StatusAlreadyDone:
				mark = s.Good.Render("✓")
			case linking.StatusFailed, linking.StatusRefused:
				mark = s.Bad.Render("✗")
			case linking.StatusUnknown:
				mark = s.Warn.Render("?")
			}
			out = append(out, "  "+mark+" "+tui.Fit(st.Step+"  "+report.CallText(st.Call), w-20)+"  "+string(st.Status))
			if st.Backup != "" { // whole: the path to copy for a restore
				out = append(out, pathLines("      backup: ", st.Backup, "        ", w, nil)...)
			}
			if st.Ticket != "" { // whole: the person needs every character of it
				out = append(out, indent(tui.Wrap("ticket: "+st.Ticket, w-6, 6), "      ")...)
				ticket++
				copies := "y copies it"
				if tickets > 1 {
					copies = fmt.Sprintf("y copies ticket %d of %d in turn", ticket, tickets)
				}
				out = append(out, hanging("      ", "send it to the person by a channel you trust, to set a password; it works once; "+copies, w, 0, s.Dim.Render)...)
			}
			if st.Note != "" {
				out = append(out, hanging("      ", st.Note, w-2, 4, s.Dim.Render)...)
			}
		}
	}
	// What the write said before it ran, where its result points at it.
	out = append(out, notes...)
	if res != nil { // the logs the run recorded in: none when refused before its first call
		for _, log := range res.AuditLogs {
			out = append(append(out, ""), pathLines("Audit log: ", log, "  ", w, s.Dim.Render)...)
		}
	}
	back := "What changed is read again from the tenant; esc goes back."
	if res != nil && slices.ContainsFunc(res.Steps, func(st linking.StepReport) bool { return st.Ticket != "" }) {
		back = "What changed is read again from the tenant; esc goes back, asking first: the ticket's URL is shown only here."
	}
	return append(out, sentence(s.Dim.Render, back, w)...)
}
