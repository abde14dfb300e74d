package views

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/tui"
)

// auditTail is how many records the audit log screen reads.
const auditTail = 500

// AuditLog shows the operator's recent actions, newest first, one row per
// call (its attempt and result records paired by op id).
type AuditLog struct {
	c       *tui.Common
	task    tui.TaskID
	loading bool
	entries []auditEntry
	skipped int
	err     error
	cursor  int
	offset  int
}

type auditEntry struct {
	time      time.Time
	action    string
	result    string
	opID      string
	userIDs   []string
	operator  string
	tenant    string
	reason    string
	errText   string
	backup    string
	step      string
	overrides []string
	request   string
}

// NewAuditLog builds the audit log screen.
func NewAuditLog(c *tui.Common) tui.Component { return &AuditLog{c: c} }

func (a *AuditLog) Init() tea.Cmd    { return a.Refresh() }
func (a *AuditLog) Title() string    { return "Audit log" }
func (a *AuditLog) Capturing() bool  { return false }
func (a *AuditLog) Entries() int     { return len(a.entries) }
func (a *AuditLog) Refresh() tea.Cmd { return a.load() }

func (a *AuditLog) Help() []tui.HelpGroup {
	k := a.c.Keys
	return []tui.HelpGroup{{Title: "Audit log", Bindings: []keyBinding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}}
}

func (a *AuditLog) load() tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	a.loading = true
	a.task = tui.NewTask()
	return a.c.Backend.ReadAudit(a.task, auditTail)
}

func (a *AuditLog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.AuditMsg:
		if msg.Task != a.task {
			return a, nil
		}
		a.loading, a.err, a.skipped = false, msg.Err, len(msg.Skipped)
		a.entries = pairRecords(msg.Records)
		a.cursor = min(a.cursor, max(len(a.entries)-1, 0))
	case tui.WriteDoneMsg:
		return a, a.load()
	case tea.KeyPressMsg:
		keys := a.c.Keys
		page := a.rows()
		switch {
		case tui.Matches(msg, keys.Up):
			a.cursor--
		case tui.Matches(msg, keys.Down):
			a.cursor++
		case tui.Matches(msg, keys.PageUp):
			a.cursor -= page
		case tui.Matches(msg, keys.PageDown):
			a.cursor += page
		case tui.Matches(msg, keys.Top):
			a.cursor = 0
		case tui.Matches(msg, keys.Bottom):
			a.cursor = len(a.entries) - 1
		}
		a.cursor = min(max(a.cursor, 0), max(len(a.entries)-1, 0))
	}
	return a, nil
}

// pairRecords turns records (newest first) into one entry per call, newest
// first: the result and its attempt together.
func pairRecords(recs []audit.Record) []auditEntry {
	var out []auditEntry
	at := map[string]int{}
	for _, r := range recs {
		i, ok := at[r.OpID]
		if !ok || r.OpID == "" {
			out = append(out, auditEntry{time: r.Time, action: r.Action, opID: r.OpID, result: "no result"})
			i = len(out) - 1
			at[r.OpID] = i
		}
		e := &out[i]
		if r.Phase == audit.PhaseResult {
			e.result, e.errText, e.time = r.Result, r.Error, r.Time
		}
		e.userIDs = firstNonEmpty(e.userIDs, r.UserIDs)
		e.operator = firstString(e.operator, r.Operator)
		e.tenant = firstString(e.tenant, r.Tenant)
		e.reason = firstString(e.reason, r.Reason)
		e.backup = firstString(e.backup, r.Backup)
		e.step = firstString(e.step, r.Step)
		e.overrides = firstNonEmpty(e.overrides, r.Overrides)
		if e.request == "" && len(r.Request) > 0 {
			e.request = string(r.Request)
		}
	}
	return out
}

func firstString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// resultW is the width of the result column ("no result" is the widest).
const resultW = 9

// detailLines is the size of the pane under the list.
const detailLines = 6

func (a *AuditLog) rows() int { return max(a.c.Height-4-detailLines, 3) }

func (a *AuditLog) View() string {
	c, s := a.c, a.c.Styles
	w := c.Width
	path := ""
	if c.Backend != nil {
		path = c.Backend.AuditLog()
	}
	lines := []string{s.Title.Render("Audit log") + "  " + s.Dim.Render(tui.FitLeft(path, w-20))}
	switch {
	case a.err != nil:
		return strings.Join(append(lines, "", s.Bad.Render("✗ ")+tui.Fit(a.err.Error(), w-4)), "\n")
	case a.loading && len(a.entries) == 0:
		return strings.Join(append(lines, "", "Reading the audit log…"), "\n")
	case len(a.entries) == 0:
		return strings.Join(append(lines, "", s.Dim.Render("Nothing recorded yet: links, unlinks, deletions and tickets made here will show up, newest first.")), "\n")
	}
	summary := fmt.Sprintf("%d calls, newest first", len(a.entries))
	if a.skipped > 0 {
		summary += fmt.Sprintf(" · %d unreadable lines skipped", a.skipped)
	}
	lines = append(lines, s.Dim.Render(summary))
	userW := max(w-2-19-1-15-1-resultW-1-14-1, 20)
	lines = append(lines, s.Header.Render("  "+tui.Pad("TIME (UTC)", 19)+" "+tui.Pad("ACTION", 15)+" "+tui.Pad("RESULT", resultW)+" "+tui.Pad("ACCOUNTS", userW)+" OPERATOR"))
	page := a.rows()
	if a.cursor < a.offset {
		a.offset = a.cursor
	}
	if a.cursor >= a.offset+page {
		a.offset = a.cursor - page + 1
	}
	end := min(a.offset+page, len(a.entries))
	for i := a.offset; i < end; i++ {
		e := a.entries[i]
		result := tui.Pad(e.result, resultW)
		switch e.result {
		case audit.ResultOK:
			result = s.Good.Render(result)
		case audit.ResultError:
			result = s.Bad.Render(result)
		default:
			result = s.Warn.Render(result)
		}
		row := tui.Pad(e.time.UTC().Format("2006-01-02 15:04:05"), 19) + " " + tui.Pad(e.action, 15) + " "
		rest := " " + tui.Pad(strings.Join(e.userIDs, ", "), userW) + " " + tui.Fit(e.operator, 14)
		if i == a.cursor {
			lines = append(lines, s.Selected.Render("▸ "+row+tui.Pad(e.result, resultW)+rest))
		} else {
			lines = append(lines, "  "+row+result+rest)
		}
	}
	for len(lines) < 3+page {
		lines = append(lines, "")
	}
	lines = append(lines, s.Dim.Render(strings.Repeat("─", max(w-1, 1))))
	if a.cursor < len(a.entries) {
		e := a.entries[a.cursor]
		head := s.Header.Render("op ") + tui.Fit(e.opID, 40)
		if e.step != "" {
			head += s.Header.Render("  step ") + tui.Fit(e.step, 20)
		}
		head += s.Header.Render("  tenant ") + tui.Fit(e.tenant, 40)
		detail := []string{tui.Truncate(head, w-1), s.Header.Render("call ") + tui.Fit(e.request, w-6)}
		if e.reason != "" {
			detail = append(detail, s.Header.Render("why ")+tui.Fit(e.reason, w-5))
		}
		if len(e.overrides) > 0 {
			detail = append(detail, s.Warn.Render("overrides ")+tui.Fit(strings.Join(e.overrides, ", "), w-12))
		}
		if e.backup != "" {
			detail = append(detail, s.Header.Render("backup ")+tui.FitLeft(e.backup, w-8))
		}
		if e.errText != "" {
			detail = append(detail, s.Bad.Render("error ")+tui.Fit(e.errText, w-7))
		}
		lines = append(lines, detail[:min(len(detail), detailLines-1)]...)
	}
	return strings.Join(lines, "\n")
}
