package views

import (
	"github.com/linkdesk/linkdesk/termsafe"

	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// Overview is the first screen: what was scanned, how many groups of each
// class and connection combination, and how many the extension missed.
// The cursor goes down the classes, then the combinations (the page
// scrolls to them where the window is short); enter opens the groups
// screen filtered to the class, or to the combination, under it.
type Overview struct {
	c      *tui.Common
	cursor int // a class (index into linking.Classes), then a combination (into Stats.Pairs, after the classes)
	top    int // the first line shown while the cursor is on a combination and the page is longer than the window
}

// NewOverview builds the overview screen.
func NewOverview(c *tui.Common) tui.Component { return &Overview{c: c} }

func (o *Overview) Init() tea.Cmd   { return nil }
func (o *Overview) Title() string   { return "Overview" }
func (o *Overview) Capturing() bool { return false }

func (o *Overview) Help() []tui.HelpGroup {
	k := o.c.Keys
	open := withHelp(k.Open, "enter", "groups of this class")
	if o.combination() != "" {
		open = withHelp(k.Open, "enter", "its groups")
	}
	return []tui.HelpGroup{{Title: "Overview", Bindings: []keyBinding{k.Up, k.Down, open,
		withHelp(k.Filter, "/", "filter the groups list")}}} // the root opens it (tui.Filterer)
}

// pairs are the combinations of connections the overview counts.
func (o *Overview) pairs() []tui.PairCount {
	if o.c.Data.Report == nil {
		return nil
	}
	return o.c.Data.Stats().Pairs
}

// combination is the combination of connections under the cursor, "" on
// a class.
func (o *Overview) combination() string {
	pairs := o.pairs()
	if i := o.cursor - len(linking.Classes); i >= 0 && i < len(pairs) {
		return pairs[i].Connections
	}
	return ""
}

func (o *Overview) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return o, nil
	}
	keys := o.c.Keys
	rows := len(linking.Classes) + len(o.pairs())
	o.cursor = min(o.cursor, rows-1) // a rescan may count fewer combinations
	if upDown(k, keys, &o.cursor, rows) {
		return o, nil
	}
	switch {
	case tui.Matches(k, keys.Top):
		o.cursor = 0
	case tui.Matches(k, keys.Bottom):
		o.cursor = rows - 1
	case tui.Matches(k, keys.Open):
		if o.c.Data.Report == nil {
			return o, tui.Tell("Nothing to open yet: " + noScanYet(o.c.Scan))
		}
		filter := "class:" + string(o.SelectedClass())
		if c := o.combination(); c != "" {
			filter = tui.ConnectionsFilter(c)
		}
		return o, o.c.Show(tui.ShowMsg{Page: tui.PageGroups, Filter: &filter})
	}
	return o, writeKeyElsewhere(o.c, k, "2 lists the groups, enter opens one.")
}

// SelectedClass is the class under the cursor, "" on a combination.
func (o *Overview) SelectedClass() linking.Class {
	if o.cursor < len(linking.Classes) {
		return linking.Classes[o.cursor]
	}
	return ""
}

func (o *Overview) View() string {
	c, s := o.c, o.c.Styles
	w := c.Width
	rep := c.Data.Report
	var lines []string
	label := func(name, value string) string {
		return s.Header.Render(tui.Pad(name, 13)) + value
	}
	tenant := "–"
	if c.Backend != nil {
		tenant = tui.Fit(c.Backend.TenantName(), w-14)
	}
	lines = append(lines, s.Title.Render("Overview"), "")
	lines = append(lines, label("Tenant", tenant))
	if rep == nil {
		lines = append(lines, label("Scan", o.scanLine()), "")
		lines = append(lines, o.waiting()...)
		return strings.Join(lines, "\n")
	}
	st := c.Data.Stats()
	// A value that explains something wraps whole under its label.
	value := func(name, text string) []string {
		return hanging(s.Header.Render(tui.Pad(name, 13)), text, w, 0, nil)
	}
	lines = append(lines, label("Scanned", fmt.Sprintf("%s UTC by %s", rep.ScannedAt.UTC().Format("2006-01-02 15:04"), methodName(rep.Method))))
	lines = append(lines, value("Users", fmt.Sprintf("%s scanned, %s with an email%s", tui.Count(rep.UsersScanned), tui.Count(rep.AccountsWithEmail), skipped(rep)))...)
	// A count to act on, drawn as a warning, leads its sentence.
	warning := func(name string, n int, rest string) []string {
		count := tui.Count(n)
		out := value(name, count+" "+rest)
		if label := s.Header.Render(tui.Pad(name, 13)); strings.HasPrefix(out[0], label+count) {
			out[0] = label + s.Warn.Render(count) + strings.TrimPrefix(out[0], label+count)
		}
		return out
	}
	if n := rep.AccountsWithUnusableEmail; n > 0 {
		lines = append(lines, warning("Unusable", n, unusableLine(n, len(rep.UnusableEmails)))...)
	}
	lines = append(lines, value("Groups", groupsLine(st))...)
	lines = append(lines, warning("Missed", st.Missed, tui.Plural(st.Missed, "group", "groups")+
		" the Account Link Extension missed for good (newest account has logged in again)")...)
	if c.Scan.Running {
		lines = append(lines, label("Rescan", o.scanLine()))
	}

	// Classes, as bars; the cursor picks one for enter.
	maxCount := 1
	for _, cl := range linking.Classes {
		maxCount = max(maxCount, st.Classes[cl])
	}
	barW := max(w-2-20-8-2, 10)
	// The hint beside the title where it fits, else whole under it.
	classes, hint := "Groups by class", "enter opens the list of the class under the cursor"
	if tui.Width(classes)+3+tui.Width(hint) <= w {
		lines = append(lines, "", s.Title.Render(classes)+s.Dim.Render("   "+hint))
	} else {
		lines = append(append(lines, "", s.Title.Render(classes)), sentence(s.Dim.Render, hint, w)...)
	}
	for i, cl := range linking.Classes {
		n := st.Classes[cl]
		cursor := "  "
		name := tui.Pad(tui.ClassName(cl), 20)
		if i == o.cursor {
			cursor = "▸ "
			name = s.Selected.Render(name)
		} else {
			name = s.Class(cl).Render(name)
		}
		lines = append(lines, cursor+name+tui.PadLeft(tui.Count(n), 7)+"  "+s.Class(cl).Render(tui.Bar(barW, float64(n)/float64(maxCount))))
	}

	// Sentences wrapped whole take more lines: a short window gives up
	// the blank lines before a class would go (and keeps a line under
	// the classes to say the combinations are below).
	lines = squeeze(lines, c.Height-1)
	if len(st.Pairs) == 0 {
		return strings.Join(lines, "\n")
	}

	// Connection combinations, every one: the page scrolls to the one
	// under the cursor, its title kept on top.
	title := len(lines) + 1
	lines = append(lines, "", s.Title.Render("Groups by connections"))
	// A combination's name is what tells it from the next: it takes room
	// from the bar where it is longer than half the width.
	longest := 0
	for _, p := range st.Pairs {
		longest = max(longest, tui.Width(tui.Fit(p.Connections, 60)))
	}
	nameW := min(max(w/2, 30, min(longest, w-22)), 60)
	maxPair := st.Pairs[0].Count
	pairBar := max(w-nameW-8-4, 10)
	at := -1 // the line of the cursor
	if o.cursor < len(linking.Classes) {
		at = title - 1 - len(linking.Classes) + o.cursor // the classes end the lines before the blank over the title
	}
	for i, p := range st.Pairs {
		// Every connection of a combination shows, long names cut in their
		// middle: cut at its end, "X + acme-corp" and "X + acme-corp +
		// google-oauth2" both read "X + ac…" at 60 columns.
		cursor, name := "  ", tui.Pad(connsCell(p.Connections, nameW), nameW)
		if i == o.cursor-len(linking.Classes) {
			at, cursor, name = len(lines), "▸ ", s.Selected.Render(name)
		}
		lines = append(lines, cursor+name+tui.PadLeft(tui.Count(p.Count), 7)+"  "+s.Bar.Render(tui.Bar(pairBar, float64(p.Count)/float64(maxPair))))
	}
	return strings.Join(o.window(lines, title, at, len(st.Pairs)), "\n")
}

// connsCell is a combination of connections in width cells: every
// connection shows, long names cut in their middle; cut at its end,
// "Username-Password-Authentication + github" and "… + acme-corp" both
// read "Username-Passwo…".
func connsCell(conns string, width int) string {
	return tui.FitParts(strings.Split(conns, tui.ConnectionsSep), tui.ConnectionsSep, width)
}

// window is the page's lines in the window's height: all of them where
// they fit; else from the top while the cursor is on a class (the line at,
// before title), scrolled only as far as brings it in view where the lines
// over the classes take the window (a rescan's line, the unusable emails'),
// or scrolled to the combination under it, the title of the combinations
// (line title) kept on top; and a last line that says how many
// combinations are below, j reaching them.
func (o *Overview) window(lines []string, title, at, pairs int) []string {
	h := o.c.Height
	if len(lines) <= h || h < 4 {
		return lines
	}
	shown := func(top int) int { // the lines from top on in view, under the title if it is pinned
		if top > title {
			return h - 2
		}
		return h - 1
	}
	top := 0
	switch {
	case at < title:
		top = max(at-shown(0)+1, 0)
	default:
		top = min(o.top, at)
		if at >= top+shown(top) {
			top = at - shown(at) + 1
			if top <= title {
				top = at - (h - 1) + 1
			}
			if at == len(lines)-1 {
				top-- // nothing below to count: the last line shows a combination
			}
		}
		top = max(top, 0)
	}
	o.top = top
	end := min(top+shown(top), len(lines))
	if len(lines)-end == 1 {
		end++ // the line that would count it shows it
	}
	var out []string
	if top > title {
		out = append(out, lines[title])
	}
	out = append(out, lines[top:end]...)
	s := o.c.Styles
	switch below := len(lines) - end; {
	case below >= pairs:
		out = append(out, s.Dim.Render(tui.Fit(fmt.Sprintf("  Groups by connections: %d combinations below (j)", pairs), o.c.Width)))
	case below > 0:
		out = append(out, s.Dim.Render(tui.Fit(fmt.Sprintf("  … and %d more %s below (j)", below, tui.Plural(below, "combination", "combinations")), o.c.Width)))
	}
	return out
}

func groupsLine(st *tui.Stats) string {
	s := fmt.Sprintf("%s %s of accounts sharing an email", tui.Count(st.Groups), tui.Plural(st.Groups, "group", "groups"))
	if st.Resolved > 0 {
		s += fmt.Sprintf("; %s resolved in this session", tui.Count(st.Resolved))
	}
	return s
}

// unusableLine says what the scan's n accounts whose email groups with
// nothing (linking.EmailProblem) are, after their count, and where the
// first listed of them are named: in two lines at 60 columns.
func unusableLine(n, listed int) string {
	what := tui.Plural(n, "account's email groups", "accounts' emails group")
	where := tui.Plural(n, "it", "them")
	if n > listed {
		where = fmt.Sprintf("the first %d by user id", listed)
	}
	return what + " with nothing (U+FFFD, or malformed); scan --json lists " + where
}

func skipped(r *linking.Report) string {
	if r.SkippedLines == 0 {
		return ""
	}
	return fmt.Sprintf(", %s malformed export lines skipped", tui.Count(r.SkippedLines))
}

func methodName(m string) string {
	switch m {
	case linking.MethodExport:
		return "users export"
	case linking.MethodSearch:
		return "search"
	case linking.MethodFile:
		return "export file"
	case linking.MethodIncremental:
		return "incremental update"
	case linking.MethodSnapshot:
		return "snapshot of the last scan"
	}
	return termsafe.Sanitize(m)
}

// scanLine says where the scan is, in words.
func (o *Overview) scanLine() string {
	sc := o.c.Scan
	switch {
	case sc.Running:
		return termsafe.Sanitize(sc.Progress.String())
	case sc.Err != nil:
		return "failed: " + tui.Fit(sc.Err.Error(), o.c.Width-30) + " (r tries again)"
	case sc.Cancelled:
		return "cancelled (r scans again)"
	}
	return "not started (r scans)"
}

// waiting is the body while no report exists: the scan's progress bar.
func (o *Overview) waiting() []string {
	s := o.c.Styles
	sc := o.c.Scan
	switch {
	case sc.Cancelled && !sc.Running:
		return []string{s.Dim.Render("The scan was cancelled. Press r to scan the tenant.")}
	case sc.Err != nil && !sc.Running:
		return []string{s.Bad.Render("The scan failed: ") + tui.Fit(sc.Err.Error(), o.c.Width-20), s.Dim.Render("Press r to try again.")}
	case !sc.Running:
		return []string{s.Dim.Render("No scan yet. Press r to scan the tenant.")}
	}
	p := sc.Progress
	barW := min(o.c.Width-10, 60)
	var lines []string
	switch p.Stage {
	case "export":
		if p.Job == "completed" {
			lines = append(lines, "Export job "+tui.Fit(p.JobID, 40)+" completed: downloading the file…")
			break
		}
		lines = append(lines, "Export job "+tui.Fit(p.JobID, 40)+": "+tui.Fit(p.Job, 20),
			s.Bar.Render(tui.Bar(barW, float64(p.Percent)/100))+fmt.Sprintf(" %3d%%", p.Percent))
	case "scan", "download":
		lines = append(lines, fmt.Sprintf("Reading the export: %s users, %.1f MB", tui.Count(p.Users), float64(p.Bytes)/1e6))
	default:
		lines = append(lines, "Reading the tenant's connections…")
	}
	return append(lines, "", s.Dim.Render("The screen stays usable meanwhile; esc cancels the scan."))
}
