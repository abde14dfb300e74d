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
// enter on a class opens the groups screen filtered to it.
type Overview struct {
	c      *tui.Common
	cursor int // index into linking.Classes
}

// NewOverview builds the overview screen.
func NewOverview(c *tui.Common) tui.Component { return &Overview{c: c} }

func (o *Overview) Init() tea.Cmd   { return nil }
func (o *Overview) Title() string   { return "Overview" }
func (o *Overview) Capturing() bool { return false }

func (o *Overview) Help() []tui.HelpGroup {
	k := o.c.Keys
	return []tui.HelpGroup{{Title: "Overview", Bindings: []keyBinding{k.Up, k.Down, withHelp(k.Open, "enter", "groups of this class"),
		withHelp(k.Filter, "/", "filter the groups list")}}} // the root opens it (tui.Filterer)
}

func (o *Overview) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return o, nil
	}
	keys := o.c.Keys
	if upDown(k, keys, &o.cursor, len(linking.Classes)) {
		return o, nil
	}
	switch {
	case tui.Matches(k, keys.Top):
		o.cursor = 0
	case tui.Matches(k, keys.Bottom):
		o.cursor = len(linking.Classes) - 1
	case tui.Matches(k, keys.Open):
		if o.c.Data.Report == nil {
			return o, tui.Note("Nothing to open yet: " + noScanYet(o.c.Scan))
		}
		filter := "class:" + string(linking.Classes[o.cursor])
		return o, o.c.Show(tui.ShowMsg{Page: tui.PageGroups, Filter: &filter})
	}
	return o, nil
}

// SelectedClass is the class under the cursor.
func (o *Overview) SelectedClass() linking.Class { return linking.Classes[o.cursor] }

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
	lines = append(lines, value("Groups", groupsLine(st))...)
	missed := value("Missed", fmt.Sprintf("%s %s the Account Link Extension missed for good (newest account has logged in again)",
		tui.Count(st.Missed), tui.Plural(st.Missed, "group", "groups")))
	if n, label := tui.Count(st.Missed), s.Header.Render(tui.Pad("Missed", 13)); strings.HasPrefix(missed[0], label+n) {
		missed[0] = label + s.Warn.Render(n) + strings.TrimPrefix(missed[0], label+n)
	}
	lines = append(lines, missed...)
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
	// the blank lines before a class would go.
	lines = squeeze(lines, c.Height)

	// Connection combinations: as many as fit.
	room := c.Height - len(lines) - 2
	if room > 1 && len(st.Pairs) > 0 {
		lines = append(lines, "", s.Title.Render("Groups by connections"))
		nameW := min(max(w/2, 30), 60)
		maxPair := st.Pairs[0].Count
		pairBar := max(w-nameW-8-4, 10)
		for i, p := range st.Pairs {
			if i >= room-1 && i != len(st.Pairs)-1 {
				lines = append(lines, s.Dim.Render(tui.Fit(fmt.Sprintf("  … and %d more combinations (/ and a connection name list their groups)", len(st.Pairs)-i), w)))
				break
			}
			lines = append(lines, "  "+tui.Pad(p.Connections, nameW)+tui.PadLeft(tui.Count(p.Count), 7)+"  "+s.Bar.Render(tui.Bar(pairBar, float64(p.Count)/float64(maxPair))))
		}
	}
	return strings.Join(lines, "\n")
}

func groupsLine(st *tui.Stats) string {
	s := fmt.Sprintf("%s %s of accounts sharing an email", tui.Count(st.Groups), tui.Plural(st.Groups, "group", "groups"))
	if st.Resolved > 0 {
		s += fmt.Sprintf("; %s resolved in this session", tui.Count(st.Resolved))
	}
	return s
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
