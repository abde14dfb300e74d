package views

import (
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

	// accounts step
	ids     []string // the group's accounts, as listed
	primary string
	linked  map[string]bool // secondaries chosen
	cursor  int

	// review step
	readTask      tui.TaskID
	loading       bool
	users         []client.User // primary first, then the secondaries, as read just now
	conns         *linking.Connections
	opts          linking.LinkOptions
	ops           []linking.Operation
	planErr       error
	conflicts     []*linking.MetadataConflict // in display order, for the cursor
	conflictOwner []string                    // the secondary each conflict belongs to, by user id
	conflict      int
	scroll        int
	hint          string

	exec execution // result step
}

// NewLinkWizard opens the wizard on a group with primary preselected.
func NewLinkWizard(c *tui.Common, email, primary string) *LinkWizard {
	w := &LinkWizard{c: c, email: email, primary: primary, linked: map[string]bool{}}
	if g := w.group(); g != nil {
		for i, a := range g.Accounts {
			w.ids = append(w.ids, a.UserID)
			if a.UserID == primary {
				w.cursor = i
			}
		}
		if w.primary == "" && len(w.ids) > 0 {
			w.primary = w.ids[0]
		}
		// Every other account is linked by default in a group linking
		// recommends a primary for; elsewhere the operator picks.
		if g.RecommendedPrimary != "" || len(w.ids) == 2 {
			for _, id := range w.ids {
				w.linked[id] = id != w.primary
			}
		}
	}
	return w
}

func (w *LinkWizard) group() *linking.Group {
	i, ok := w.c.Data.Find(w.email)
	if !ok {
		return nil
	}
	return w.c.Data.Groups[i]
}

func (w *LinkWizard) Init() tea.Cmd   { return nil }
func (w *LinkWizard) Title() string   { return "Link" }
func (w *LinkWizard) Capturing() bool { return w.step == stepConfirm }
func (w *LinkWizard) WantsEsc() bool  { return w.step == stepReview }

// Step is the wizard's current step (tests).
func (w *LinkWizard) Step() linkStep { return w.step }

func (w *LinkWizard) Help() []tui.HelpGroup {
	k := w.c.Keys
	switch w.step {
	case stepAccounts:
		return []tui.HelpGroup{{Title: "Link: accounts", Bindings: []keyBinding{
			k.Up, k.Down, withHelp(k.ChoosePrimary, "p", "make primary"), withHelp(k.Toggle, "space", "link / leave this account"),
			withHelp(k.Open, "enter", "review the plan"), withHelp(k.Back, "esc", "cancel"),
		}}}
	case stepReview:
		b := []keyBinding{withHelp(k.Open, "enter", "go on to confirm"), withHelp(k.Back, "esc", "back to the accounts")}
		if len(w.conflicts) > 0 {
			b = append(b, withHelp(k.Down, "j/k", "pick a conflict"), withHelp(k.Toggle, "space", "keep the other side"))
		}
		if w.overridable() {
			b = append(b, k.Override)
		}
		return []tui.HelpGroup{{Title: "Link: review", Bindings: b}}
	case stepConfirm:
		return []tui.HelpGroup{{Title: "Link: confirm", Bindings: []keyBinding{k.Confirm, k.Cancel}}}
	}
	return []tui.HelpGroup{{Title: "Link: result", Bindings: []keyBinding{withHelp(k.Back, "esc", "back to the group")}}}
}

func (w *LinkWizard) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.UsersMsg:
		if msg.Task != w.readTask {
			return w, nil
		}
		w.loading = false
		w.users, w.conns, w.planErr = msg.Users, msg.Conns, msg.Err
		if msg.Err == nil {
			w.plan()
		}
	case tui.WriteDoneMsg:
		w.exec.update(msg)
	case tea.KeyPressMsg:
		return w, w.key(msg)
	}
	return w, nil
}

func (w *LinkWizard) key(k tea.KeyPressMsg) tea.Cmd {
	keys := w.c.Keys
	w.hint = ""
	switch w.step {
	case stepAccounts:
		switch {
		case tui.Matches(k, keys.Up):
			w.cursor = max(w.cursor-1, 0)
		case tui.Matches(k, keys.Down):
			w.cursor = min(w.cursor+1, len(w.ids)-1)
		case tui.Matches(k, keys.ChoosePrimary):
			if w.cursor < len(w.ids) {
				old := w.primary
				w.primary = w.ids[w.cursor]
				w.linked[w.primary] = false
				if old != "" && old != w.primary {
					w.linked[old] = true
				}
			}
		case tui.Matches(k, keys.Toggle):
			if id := w.ids[w.cursor]; id != w.primary {
				w.linked[id] = !w.linked[id]
			}
		case tui.Matches(k, keys.Open):
			return w.review()
		}
	case stepReview:
		switch {
		case tui.Matches(k, keys.Back):
			w.step = stepAccounts
		case tui.Matches(k, keys.Up):
			if len(w.conflicts) > 0 {
				w.conflict = max(w.conflict-1, 0)
			} else {
				w.scroll = max(w.scroll-1, 0)
			}
		case tui.Matches(k, keys.Down):
			if len(w.conflicts) > 0 {
				w.conflict = min(w.conflict+1, len(w.conflicts)-1)
			} else {
				w.scroll++
			}
		case tui.Matches(k, keys.Toggle) && len(w.conflicts) > 0:
			w.toggleConflict()
		case tui.Matches(k, keys.Override) && w.overridable():
			w.opts.AllowUnverified = true
			w.plan()
		case tui.Matches(k, keys.Open):
			switch {
			case w.loading:
				w.hint = "Still reading the accounts…"
			case w.planErr != nil || len(w.ops) == 0:
				w.hint = "Nothing can be linked as planned: see why above."
			default:
				w.step = stepConfirm
			}
		}
	case stepConfirm:
		switch {
		case tui.Matches(k, keys.Confirm):
			return w.execute()
		case tui.Matches(k, keys.Cancel):
			w.step = stepReview
		default:
			w.hint = "Press y to link or n to go back (enter does not confirm)."
		}
	case stepResult:
		// esc (handled by the root) goes back to the group.
	}
	return nil
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
	if w.primary == "" || len(secs) == 0 {
		w.hint = "Pick at least one account to link into the primary (space)."
		return nil
	}
	w.step, w.loading, w.ops, w.planErr, w.users = stepReview, true, nil, nil, nil
	w.opts = linking.LinkOptions{}
	w.readTask = tui.NewTask()
	return w.c.Backend.ReadUsers(w.c.Ctx, w.readTask, append([]string{w.primary}, secs...)...)
}

// plan asks linking for the operations with the current options.
func (w *LinkWizard) plan() {
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
}

func (w *LinkWizard) overridable() bool {
	se, ok := linking.AsSafetyError(w.planErr)
	return ok && se.Check == linking.CheckUnverifiedEmail && !w.opts.AllowUnverified
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
	label := "link " + tui.Fit(strings.Join(w.secondaries(), ", "), 40) + " into " + tui.Fit(w.primary, 30)
	return w.exec.start(w.c, label, w.email, slices.Clone(w.ops))
}

// ---- view ----

func (w *LinkWizard) View() string {
	s := w.c.Styles
	steps := []string{"1 accounts", "2 review", "3 confirm", "4 result"}
	for i := range steps {
		if linkStep(i) == w.step {
			steps[i] = s.ActiveTab.Render("[" + steps[i] + "]")
		} else {
			steps[i] = s.Dim.Render(" " + steps[i] + " ")
		}
	}
	head := []string{s.Title.Render("Link accounts of ") + tui.Fit(w.email, w.c.Width/2) + "   " + strings.Join(steps, s.Dim.Render(" › ")), ""}
	var body []string
	switch w.step {
	case stepAccounts:
		body = w.accountsView()
	case stepReview:
		body = w.reviewView()
	case stepConfirm:
		return w.confirmView()
	case stepResult:
		body = w.exec.view(w.c, "Linking")
	}
	if w.hint != "" {
		body = append(body, "", s.Warn.Render(w.hint))
	}
	return strings.Join(append(head, body...), "\n")
}

func (w *LinkWizard) accountsView() []string {
	s := w.c.Styles
	g := w.group()
	out := []string{"Pick the primary (p): the account that stays, keeps its user id and profile. Mark with space",
		"the accounts to link into it: each stops being a user of its own.", ""}
	if g == nil {
		return append(out, s.Dim.Render("This group is no longer in the scan."))
	}
	idW := min((w.c.Width-38)*60/100, 40)
	connW := w.c.Width - 38 - idW
	for i, a := range g.Accounts {
		mark := "[ ] leave  "
		switch {
		case a.UserID == w.primary:
			mark = "(●) primary"
		case w.linked[a.UserID]:
			mark = "[x] link   "
		}
		rec := "  "
		if a.UserID == g.RecommendedPrimary {
			rec = "★ "
		}
		ver := "✗"
		if a.EmailVerified {
			ver = "✓"
		}
		line := mark + " " + rec + tui.Pad(a.UserID, idW) + " " + tui.Pad(a.Connection, connW) + " email " + ver +
			" " + tui.PadLeft(fmt.Sprint(a.LoginsCount), 5) + " " + tui.Plural(int(a.LoginsCount), "login", "logins")
		if i == w.cursor {
			out = append(out, s.Selected.Render("▸ "+line))
		} else {
			out = append(out, "  "+line)
		}
	}
	if g.RecommendedPrimary != "" {
		out = append(out, "", s.Dim.Render("★ recommended primary: ")+tui.Fit(g.RecommendedPrimary, 60))
		for _, r := range g.PrimaryReasons {
			out = append(out, bullet(r, w.c.Width-4)...)
		}
	} else {
		out = append(out, "", s.Warn.Render("No primary is recommended for a "+tui.ClassName(g.Class)+" group: make sure these accounts are one person's."))
	}
	return out
}

func (w *LinkWizard) reviewView() []string {
	s := w.c.Styles
	width := w.c.Width
	if w.loading {
		return []string{"Reading the accounts by id (consistent reads)…"}
	}
	var out []string
	out = append(out, s.Title.Render("Safety checks"))
	if w.planErr != nil {
		if se, ok := linking.AsSafetyError(w.planErr); ok {
			out = append(out, s.Bad.Render("  ✗ refused: "+se.Check))
			out = append(out, indent(tui.Wrap(se.Reason, width-8, 4), "    ")...)
			if w.overridable() {
				out = append(out, s.Warn.Render("    o overrides this check for this link; the audit log records the override."))
			}
		} else {
			out = append(out, s.Bad.Render("  ✗ ")+tui.Fit(w.planErr.Error(), width-6))
		}
		return out
	}
	for _, c := range linkChecks(w.opts.AllowUnverified) {
		out = append(out, c)
	}
	var mergeLines []string
	conflictLine := map[int]int{} // conflict index → line in mergeLines
	ci := 0
	before := map[string]map[string]any{}
	um, am := linking.UserMetadata(w.users[0])
	before[linking.FieldUserMetadata], before[linking.FieldAppMetadata] = um, am
	for _, op := range w.ops {
		mergeLines = append(mergeLines, s.Title.Render("Metadata of ")+tui.Fit(op.Secondary, 40)+s.Title.Render(" into the primary"))
		if op.Merge == nil {
			mergeLines = append(mergeLines, s.Dim.Render("  the secondary has no metadata: nothing to merge"))
		} else {
			for _, field := range []string{linking.FieldUserMetadata, linking.FieldAppMetadata} {
				after := op.Merge.UserMetadata
				if field == linking.FieldAppMetadata {
					after = op.Merge.AppMetadata
				}
				for _, d := range metadataDiff(field, before[field], after, op.Merge.Conflicts) {
					line := w.diffLine(d, width-4)
					if d.kind == diffConflict {
						conflictLine[ci] = len(mergeLines)
						if ci == w.conflict {
							line = s.Selected.Render("▸ " + line)
						} else {
							line = "  " + line
						}
						ci++
					} else {
						line = "  " + line
					}
					mergeLines = append(mergeLines, line)
				}
				before[field] = after
			}
		}
		for _, n := range op.Notes {
			mergeLines = append(mergeLines, indent(tui.Wrap("note: "+n, width-6, 3), "  ")...)
		}
		mergeLines = append(mergeLines, s.Dim.Render("  calls:"))
		for _, st := range op.Steps {
			mergeLines = append(mergeLines, "    "+s.Dim.Render(tui.Fit(report.CallText(st.Call), width-6)))
		}
	}
	// Scroll so the conflict under the cursor shows.
	room := max(w.c.Height-len(out)-5, 3)
	if len(w.conflicts) > 0 {
		at := conflictLine[w.conflict]
		if at < w.scroll {
			w.scroll = at
		}
		if at >= w.scroll+room {
			w.scroll = at - room + 1
		}
	}
	w.scroll = min(w.scroll, max(len(mergeLines)-room, 0))
	out = append(out, "")
	shown := mergeLines[w.scroll:min(w.scroll+room, len(mergeLines))]
	out = append(out, shown...)
	if w.scroll+room < len(mergeLines) {
		out = append(out, s.Dim.Render(fmt.Sprintf("  … %d more lines (j/k)", len(mergeLines)-w.scroll-room)))
	}
	out = append(out, "", s.Dim.Render("enter: confirm · esc: back to the accounts"))
	return out
}

// linkChecks names the checks linking's CheckLink passed for this plan.
func linkChecks(overridden bool) []string {
	lines := []string{
		"  ✓ " + linking.CheckSameAccount + ": the primary and each secondary are different accounts",
		"  ✓ " + linking.CheckUserMissing + ": every account exists (read by id just now)",
		"  ✓ " + linking.CheckSecondaryHasLinks + ": no secondary has identities linked into it",
		"  ✓ " + linking.CheckNonUniqueEmailConnection + ": no two accounts share a Non-Unique Emails connection",
	}
	if overridden {
		return append(lines, "  ! "+linking.CheckUnverifiedEmail+": OVERRIDDEN by you; the audit log records it")
	}
	return append(lines, "  ✓ "+linking.CheckUnverifiedEmail+": every email is verified")
}

func (w *LinkWizard) diffLine(d diffLine, width int) string {
	s := w.c.Styles
	switch d.kind {
	case diffAdded:
		return s.Added.Render(tui.Fit("+ "+d.path+": "+d.after, width))
	case diffChanged:
		return s.Warn.Render(tui.Fit("~ "+d.path+": "+d.before+" → "+d.after, width))
	case diffConflict:
		keep, drop := d.before, d.after
		kept, dropped := "primary", "secondary"
		if d.conflict.Kept == linking.SideSecondary {
			keep, drop, kept, dropped = drop, keep, dropped, kept
		}
		return s.Conflict.Render(tui.Fit("! "+d.path+": CONFLICT keep "+keep+" ("+kept+"), drop "+drop+" ("+dropped+")", width))
	}
	return s.Dim.Render(tui.Fit("  "+d.path+": "+d.before, width))
}

func (w *LinkWizard) confirmView() string {
	s := w.c.Styles
	prim := w.users[0]
	body := []string{"You are about to link, from the server side:", ""}
	for _, u := range w.users[1:] {
		body = append(body, "  "+s.Danger.Render("secondary ")+tui.Pad(u.UserID, 40)+"  "+tui.Fit(u.Email, 36))
	}
	body = append(body, "  "+s.Good.Render("into      ")+tui.Pad(prim.UserID, 40)+"  "+tui.Fit(prim.Email, 36), "")
	body = append(body, "Each secondary stops being a user: its metadata is merged first as reviewed, and")
	body = append(body, "everything is backed up and written to the audit log before each call.")
	if w.opts.AllowUnverified {
		body = append(body, s.Warn.Render("The unverified-email check is overridden for this link."))
	}
	if w.hint != "" {
		body = append(body, "", s.Warn.Render(w.hint))
	}
	q := "Link " + tui.Fit(w.users[1].UserID, 36) + " into " + tui.Fit(prim.UserID, 36) + "?"
	if n := len(w.users) - 1; n > 1 {
		q = fmt.Sprintf("Link these %d accounts into %s?", n, tui.Fit(prim.UserID, 36))
	}
	body = append(body, "", s.Title.Render(tui.Fit(q, w.c.Width-30))+"  "+s.Key.Render("y")+" yes   "+s.Key.Render("n")+" no (default)")
	return tui.DialogBox(w.c, body)
}

func indent(lines []string, prefix string) []string {
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return lines
}

// resultLines shows what the executor did, step by step: for the link
// wizard, the unlink and the delete dialogs.
func resultLines(c *tui.Common, running bool, res *linking.Result, err error, doing string) []string {
	s := c.Styles
	w := c.Width
	if running {
		return []string{doing + "… (the status bar counts the write in flight; it goes on if you leave this screen)"}
	}
	var out []string
	switch {
	case err == nil && res != nil && res.Complete():
		out = append(out, s.Good.Render("✓ Done."))
	case err != nil:
		if se, ok := linking.AsSafetyError(err); ok && se.Check == linking.CheckChangedSincePlan {
			out = append(out, s.Bad.Render("✗ The group changed since you reviewed it: nothing more was done."))
		} else {
			out = append(out, s.Bad.Render("✗ Stopped."))
		}
		out = append(out, indent(tui.Wrap(err.Error(), w-6, 6), "    ")...)
	}
	if res != nil {
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
			if st.Backup != "" {
				out = append(out, "      backup: "+tui.FitLeft(st.Backup, w-16))
			}
			if st.Note != "" {
				out = append(out, "      "+s.Dim.Render(tui.Fit(st.Note, w-8)))
			}
		}
	}
	if b := c.Backend; b != nil {
		out = append(out, "", s.Dim.Render("Audit log: ")+tui.FitLeft(b.AuditLog(), w-12))
	}
	out = append(out, s.Dim.Render("The group is read again from the tenant; esc goes back to it."))
	return out
}
