package tui

import (
	"context"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
)

// TaskID names one command in flight. A screen keeps the id of the answer it
// waits for and drops any other: a stale answer never lands on a new state.
type TaskID uint64

var lastTask atomic.Uint64

// NewTask returns a fresh task id.
func NewTask() TaskID { return TaskID(lastTask.Add(1)) }

// Answer is the answer to a read a screen started: it names that read's
// task, so a screen can drop the answer to a read it no longer waits for.
type Answer interface{ Answers() TaskID }

// ---- navigation ----

// PushMsg opens a screen on top of the current one.
type PushMsg struct{ Screen Component }

// ActiveMsg tells the active screen that it is on top again: the screen
// above it closed, or a write finished (every screen saw its WriteDoneMsg
// first). Only the active screen gets the answers to reads, so a screen
// that must read again after a write does it here, not while covered.
type ActiveMsg struct{}

// PopMsg closes the current screen (esc).
type PopMsg struct{}

// ShowMsg switches to a top-level screen; Filter, for the groups screen,
// replaces its filter (e.g. a class chosen on the overview); TypeFilter
// opens its filter for typing (/ on the overview), as / there does.
type ShowMsg struct {
	Page       Page
	Filter     *string
	TypeFilter bool
}

// Push and Pop are commands for the navigation messages, for a screen
// without a root (tested alone): with one, a key navigates at once
// (Common.Open, Close, Show), so that the keys after it reach the screen
// it leaves on top.
func Push(c Component) tea.Cmd { return func() tea.Msg { return PushMsg{Screen: c} } }
func Pop() tea.Msg             { return PopMsg{} }

// ---- status ----

// ErrorMsg puts an error on the status bar until the next key.
type ErrorMsg struct{ Err error }

// NoteMsg puts a short note on the status bar until the next key: with a
// ✓ when it says a thing was done, without when NotDone (a key that had
// nothing to act on, work that only began).
type NoteMsg struct {
	Text    string
	NotDone bool
}

// Errorf-free helpers for screens.
func ReportError(err error) tea.Cmd { return func() tea.Msg { return ErrorMsg{Err: err} } }
func Note(text string) tea.Cmd      { return func() tea.Msg { return NoteMsg{Text: text} } }

// Tell says text on the status bar until the next key, with no ✓: nothing
// was done.
func Tell(text string) tea.Cmd { return func() tea.Msg { return NoteMsg{Text: text, NotDone: true} } }

// RateLimitMsg carries a rate-limit snapshot, once a second.
type RateLimitMsg struct {
	Limit client.RateLimit
	Now   time.Time
}

// ---- scan ----

// ScanProgressMsg is one progress report of the running scan.
type ScanProgressMsg struct {
	Task     TaskID
	Progress scan.Progress
	next     tea.Cmd
}

// Next waits for the scan's next event.
func (m ScanProgressMsg) Next() tea.Cmd { return m.next }

// ScanSnapshotMsg brings the tenant's snapshot, shown while the scan that
// brings it up to date runs on.
type ScanSnapshotMsg struct {
	Task   TaskID
	Report *linking.Report
	Conns  *linking.Connections // the tenant's, which the report was made with
	next   tea.Cmd              // waits for the scan's next event
}

// Next waits for the scan's next event.
func (m ScanSnapshotMsg) Next() tea.Cmd { return m.next }

// ScanDoneMsg ends a scan: a report, or the error (context.Canceled after esc).
type ScanDoneMsg struct {
	Task   TaskID
	Report *linking.Report
	Conns  *linking.Connections // the tenant's, which the report was made with
	Err    error
}

// DataChangedMsg tells every screen that Data changed: a new report (Email
// "") or one group re-read after an action.
type DataChangedMsg struct{ Email string }

// AuditChangedMsg tells every screen that the audit log may hold records
// this session did not write: the journals changed (a write settled,
// finished or discarded from another shell, `linkdesk resume`), or the
// operator asked for a rescan (r, R). A screen showing the log marks
// itself stale and reads it again on the ActiveMsg that follows.
type AuditChangedMsg struct{}

// ---- reads ----

// GroupReadMsg answers a re-read of one group (after an action).
type GroupReadMsg struct {
	Task  TaskID
	Email string
	Group *linking.Group
	Err   error
}

// AuditMsg answers a read of the audit log.
type AuditMsg struct {
	Task    TaskID
	Calls   []session.Call // newest first
	Skipped []audit.SkippedLine
	Err     error
	// Elsewhere are the other audit logs this tenant's plans recorded in
	// (a command given --audit-log FILE): session.Paths.PlanLogs.
	Elsewhere []string
}

// UpsertGroupMsg puts a group read apart from the scan into the data (the
// group of an account found with f), replacing the scan's copy if any.
type UpsertGroupMsg struct{ Group *linking.Group }

// ---- writes ----

// WriteRequest asks the root to run a write. The root counts it as in
// flight (the status bar shows it, q asks before quitting), runs it, then
// re-reads the groups of Emails and answers with a WriteDoneMsg.
type WriteRequest struct {
	Task   TaskID
	Label  string   // "link auth0|a ← google-oauth2|b", for the status bar
	Emails []string // the groups to re-read afterwards
	Run    func(ctx context.Context) (any, error)
	// Done is said after "done, " when the write ends well, where done alone
	// would claim more than the write does ("" for nothing).
	Done string
	// Short is Label in fewer cells, each account by what tells it apart
	// without its user id beside it ("" for Label): what the one line of
	// the toast says of the write once it is done, where Label does not fit.
	Short string
	// Unknowable says what quitting while its call is out leaves, for a
	// write the tenant keeps no trace of (a ticket, a verification email):
	// `linkdesk resume` cannot read whether it went out. "" for a write
	// resume settles by reading the tenant.
	Unknowable string
	// AlsoReadable, with Unknowable, says the write's other calls are
	// settled by reading the tenant: the undo of a deletion makes the
	// account again, and then a ticket for its password.
	AlsoReadable bool
}

// WriteDoneMsg answers a WriteRequest with what Run returned.
type WriteDoneMsg struct {
	Task   TaskID
	Label  string
	Short  string // WriteRequest.Short
	Done   string // WriteRequest.Done
	Emails []string
	Result any
	Err    error
}

// Write is the command that hands a write to the root.
func Write(req WriteRequest) tea.Cmd { return func() tea.Msg { return req } }
