package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
)

// MinWidth and MinHeight are the smallest window the screens are laid out for.
const (
	MinWidth  = 60
	MinHeight = 20
)

// chromeLines are the rows the root draws around a screen: header, footer
// and status bar.
const chromeLines = 3

// Options configure the root model.
type Options struct {
	Theme      Theme // the initial theme
	FixedTheme bool  // keep Theme whatever the terminal's background (no colour, tests)
	AutoScan   bool  // start a scan at launch
	// RateEvery is how often the status bar samples the rate-limit bucket
	// (default one second; negative: never, for tests).
	RateEvery time.Duration
	// Context is the program's (default context.Background()): every call
	// the UI makes runs under it, and quitting cancels it.
	Context context.Context
}

// Model is the root of the program: it owns the view stack, the scan, the
// status bar and the writes in flight, and routes messages. Global keys are
// handled here; everything else goes to the screen on top.
type Model struct {
	c     *Common
	pages Pages
	opts  Options

	page  Page
	top   map[Page]Component // top-level screens, kept so they keep their state
	stack []Component        // screens opened above the top-level one

	width, height int

	// ctx is the program's context, cancelled by quit; each screen above
	// the top-level one has a context of its own, cancelled when it closes
	// (esc cancels the reads it started).
	ctx        context.Context
	cancel     context.CancelFunc
	screenCtxs []screenContext // parallel to stack
	// unsettled counts the earlier writes on this tenant cut off and not
	// settled, as the last check of the journals found them (the status
	// bar's badge); warnUnsettled shows the warning that says what settles
	// them, until the next key. unsettledTask is the check in flight, 0
	// when none is (or a write started since, which it may have misread),
	// unsettledAt when the last one started.
	unsettled     int
	warnUnsettled bool
	unsettledTask TaskID
	unsettledAt   time.Time
	// unsettledSeen is what the last check found, step by step ("" before
	// the first): a change (a write settled or finished from another
	// shell) has the audit log read again.
	unsettledSeen string
	// unsettledEmails are the groups of each plan the last check found
	// unsettled: once one is settled or finished (from another shell),
	// they are read again, as after a write of this session.
	unsettledEmails map[string][]string
	// othersRunning: the last check found plans another linkdesk is
	// carrying out (resume in another shell): the journals are read again
	// as often as while writes are unsettled, to follow it to its end.
	othersRunning bool
	// settling counts the unsettled writes another linkdesk took up
	// (resume): "settled now" is said once it has ended.
	settling int

	scan    scanState
	rate    client.RateLimit // the bucket as last sampled
	writes  []write
	rereads map[string]TaskID // latest re-read per group email
	// written holds the groups writes of this session touched that no
	// finished scan has seen yet: a report that lands (the snapshot, or a
	// scan that started before the write ended) gets them back on top.
	written  map[string]*writtenGroup
	writeSeq uint64 // counts finished writes
	lastErr  string
	note     string
	noteDone bool // note says a thing was done: it gets a ✓
	// noteWrite is the note of a write done, in its parts, while note is
	// its whole (label+outcome): the toast fits it in one line.
	noteWrite writeNote
	quitting  bool // quit: the last frame is blank, and keys reach no screen
	// typedOver is the question on which a key that starts typing
	// elsewhere (/ or f) was pressed, and by which (its key): what is
	// typed after it is a search, dropped until esc or enter, never an
	// answer (/ivy: y).
	typedOver Component
	typedBy   string
	// The writes in flight as the program quit, sorted (sortWritesLeft):
	// cut off (a call may have gone out), unsent (none did) or finished
	// (done on the way out: its answer came, or it was found on the tenant).
	sorted                   bool
	cutOff, unsent, finished []string
	// notMade: stopped after a call went out, which reading the tenant
	// shows did not take effect (as the operator quit): nothing changed.
	notMade []string
	// What resume can do with the writes cut off: the words of each the
	// tenant keeps no trace of (WriteRequest.Unknowable, each once), and
	// whether any other was cut off, which resume settles by reading it.
	cutOffUnknowable []string
	cutOffReadable   bool
}

type screenContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

type scanState struct {
	task   TaskID
	cancel context.CancelFunc
	since  uint64 // writeSeq when the scan started: later writes it may not have seen
}

// writtenGroup is a group a write touched: when the last write touching it
// ended, and the group as re-read after it (nil until the re-read lands).
type writtenGroup struct {
	seq   uint64
	group *linking.Group
}

type write struct {
	task         TaskID
	label        string
	unknowable   string // WriteRequest.Unknowable
	alsoReadable bool   // WriteRequest.AlsoReadable
	// end hears how the write returned, even after the program quit (its
	// answer, WriteDoneMsg, then reaches no one): WriteLabels sorts the
	// writes the operator quit during by it.
	end chan writeEnd
}

// writeEnd is what a write's Run returned.
type writeEnd struct {
	res any
	err error
}

// sentNothing reports whether a write that returned sent no call to the
// tenant: its error says so (Unsent), or its result shows no call made. A
// write whose result does not say counts as one that may have sent one.
func (e writeEnd) sentNothing() bool {
	if e.err == nil {
		return false
	}
	var unsent *UnsentError
	if errors.As(e.err, &unsent) {
		return true
	}
	res, ok := e.res.(*linking.Result)
	return ok && !CallMade(res)
}

// sentNotMade reports whether a write that returned stopped after a call
// went out (on record: it has an op_id) that reading the tenant shows did
// not take effect, and made no other: the tenant is as it was.
func (e writeEnd) sentNotMade() bool {
	res, ok := e.res.(*linking.Result)
	if e.err == nil || !ok || CallMade(res) {
		return false
	}
	return slices.ContainsFunc(res.Steps, func(st linking.StepReport) bool { return st.Status == linking.StatusNotRun && st.OpID != "" })
}

// New builds the root model. c.Data, c.Keys and c.Styles are created when nil.
func New(c *Common, pages Pages, opts Options) *Model {
	if c.Data == nil {
		c.Data = &Data{}
	}
	if c.Keys == nil {
		c.Keys = DefaultKeyMap()
	}
	if c.Styles == nil {
		c.Styles = NewStyles(opts.Theme)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if opts.RateEvery == 0 {
		opts.RateEvery = time.Second
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	m := &Model{c: c, pages: pages, opts: opts, page: PageOverview, top: map[Page]Component{}, rereads: map[string]TaskID{}, written: map[string]*writtenGroup{}}
	m.ctx, m.cancel = context.WithCancel(opts.Context)
	c.Ctx = m.ctx
	c.open, c.close, c.show, c.write = m.push, m.closeFrom, m.show, m.startWrite
	return m
}

// push opens a screen above the current one, with a context of its own
// that closing it cancels, and starts it.
func (m *Model) push(s Component) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	m.stack = append(m.stack, s)
	m.screenCtxs = append(m.screenCtxs, screenContext{ctx, cancel})
	m.c.Ctx = ctx
	return s.Init()
}

// Common returns the shared state (tests and views use it).
func (m *Model) Common() *Common { return m.c }

// Active is the screen that gets keys now.
func (m *Model) Active() Component {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.topScreen(m.page)
}

// Stack lists the screens from the top-level one up to the active one.
func (m *Model) Stack() []Component {
	return append([]Component{m.topScreen(m.page)}, m.stack...)
}

// Scanning reports whether a scan is running.
func (m *Model) Scanning() bool { return m.c.Scan.Running }

// WritesInFlight is the number of writes not answered yet.
func (m *Model) WritesInFlight() int { return len(m.writes) }

// WriteLabels say what each write not answered yet does. Once the
// program has quit (every call cancelled), they are the writes that were
// cut off: it waits up to writeEndWait for the writes in flight to return,
// and leaves out those that returned having sent no call (UnsentWriteLabels:
// nothing to settle) or having finished; a write still running then, or
// one a call of which went out, is listed, for `linkdesk resume` to settle.
func (m *Model) WriteLabels() []string {
	if !m.quitting {
		var out []string
		for _, w := range m.writes {
			out = append(out, w.label)
		}
		return out
	}
	m.sortWritesLeft()
	return m.cutOff
}

// CutOffLeaves, once the program has quit, says what resume can do with
// the writes cut off (WriteLabels): the words of each one the tenant keeps
// no trace of (a ticket, a verification email: WriteRequest.Unknowable),
// each once, and whether any other was cut off, which resume settles by
// reading the tenant.
func (m *Model) CutOffLeaves() (unknowable []string, readable bool) {
	if !m.quitting {
		return nil, false
	}
	m.sortWritesLeft()
	return m.cutOffUnknowable, m.cutOffReadable
}

// UnsentWriteLabels, once the program has quit, say what each write in
// flight then did that stopped before any of its calls went out (during
// the reads before them): nothing was sent, nothing is left to settle.
func (m *Model) UnsentWriteLabels() []string {
	if !m.quitting {
		return nil
	}
	m.sortWritesLeft()
	return m.unsent
}

// NotMadeWriteLabels, once the program has quit, say what each write in
// flight then did that stopped after its call went out, which reading the
// tenant then showed did not take effect: nothing changed, nothing is left
// to settle.
func (m *Model) NotMadeWriteLabels() []string {
	if !m.quitting {
		return nil
	}
	m.sortWritesLeft()
	return m.notMade
}

// FinishedWriteLabels, once the program has quit, say what each write in
// flight then did that finished on the way out: its answer came, or, cut
// off during its call, it read the tenant and found the call had taken
// effect. The operator quit believing it stopped: it did not.
func (m *Model) FinishedWriteLabels() []string {
	if !m.quitting {
		return nil
	}
	m.sortWritesLeft()
	return m.finished
}

// writeEndWait is how long, after quitting, the writes in flight are
// given to return once cancelled: a write cancelled in its reads returns
// at once; one waiting for a call's answer may take its settle read's 10 s,
// and is listed as cut off meanwhile.
const writeEndWait = 2 * time.Second

// sortWritesLeft sorts the writes in flight as the program quit (once):
// cut off (a call may have gone out, or it has not returned) or unsent.
func (m *Model) sortWritesLeft() {
	if m.sorted {
		return
	}
	m.sorted = true
	timer := time.NewTimer(writeEndWait)
	defer timer.Stop()
	expired := false
	var cut []write
	for _, w := range m.writes {
		var e writeEnd
		returned := false
		if expired {
			select {
			case e = <-w.end:
				returned = true
			default:
			}
		} else {
			select {
			case e = <-w.end:
				returned = true
			case <-timer.C:
				expired = true
			}
		}
		switch {
		case returned && e.err == nil:
			m.finished = append(m.finished, w.label)
		case returned && e.sentNotMade():
			m.notMade = append(m.notMade, w.label)
		case returned && e.sentNothing():
			m.unsent = append(m.unsent, w.label)
		default:
			m.cutOff = append(m.cutOff, w.label+callsDone(e.res))
			cut = append(cut, w)
		}
	}
	m.cutOffUnknowable, m.cutOffReadable = leaves(cut)
}

// leaves says what resume can do with writes cut off: the words of each
// one the tenant keeps no trace of (WriteRequest.Unknowable), each once,
// and whether any other is among them, or a call beside such a one in the
// same write, which resume settles by reading the tenant.
func leaves(ws []write) (unknowable []string, readable bool) {
	for _, w := range ws {
		readable = readable || w.unknowable == "" || w.alsoReadable
		if w.unknowable != "" && !slices.Contains(unknowable, w.unknowable) {
			unknowable = append(unknowable, w.unknowable)
		}
	}
	return unknowable, readable
}

// callsDone says, after a cut-off write's label, how many of its calls
// were made before it was cut off ("" for a write of one call, or one that
// did not return its result): the metadata, roles and memberships a link
// carried over may be on the tenant already, the link itself not.
func callsDone(res any) string {
	r, ok := res.(*linking.Result)
	if !ok || len(r.Steps) < 2 {
		return ""
	}
	done := r.Count(linking.StatusDone) + r.Count(linking.StatusAlreadyDone)
	return fmt.Sprintf(" (%d of its %d calls done before it was cut off)", done, len(r.Steps))
}

// LastError is the error line shown until the next key.
func (m *Model) LastError() string { return m.lastErr }

func (m *Model) topScreen(p Page) Component {
	if s, ok := m.top[p]; ok {
		return s
	}
	var build func(*Common) Component
	switch p {
	case PageGroups:
		build = m.pages.Groups
	case PageAudit:
		build = m.pages.Audit
	default:
		build = m.pages.Overview
	}
	s := build(m.c)
	m.top[p] = s
	return s
}

func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.topScreen(m.page).Init()}
	if !m.opts.FixedTheme {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.c.Backend != nil && m.opts.RateEvery > 0 {
		cmds = append(cmds, m.c.Backend.RateLimitTick(0))
	}
	cmds = append(cmds, m.checkUnsettled())
	if m.opts.AutoScan {
		cmds = append(cmds, m.startScan())
	}
	return tea.Batch(cmds...)
}

func (m *Model) startScan() tea.Cmd { return m.scanTenant(false) }

// scanTenant starts a scan: from the snapshot, brought up to date, or
// (full) through an export job.
func (m *Model) scanTenant(full bool) tea.Cmd {
	if m.c.Backend == nil {
		return nil
	}
	if m.scan.cancel != nil {
		m.scan.cancel()
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.scan = scanState{task: NewTask(), cancel: cancel, since: m.writeSeq}
	m.c.Scan.Running, m.c.Scan.Err, m.c.Scan.Cancelled = true, nil, false
	m.c.Scan.Progress = scan.Progress{Stage: "connections"}
	return m.c.Backend.Scan(ctx, m.scan.task, full)
}

// cancelScan stops the running scan (esc); the scan answers with
// context.Canceled and the previous report, if any, stays on screen.
func (m *Model) cancelScan() {
	if m.scan.cancel != nil {
		m.scan.cancel()
	}
	m.scan.cancel = nil
	m.c.Scan.Running, m.c.Scan.Cancelled = false, true
	m.note, m.noteDone = "Scan cancelled. Press r to scan again.", false
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.c.Width, m.c.Height = msg.Width, max(msg.Height-chromeLines, 0)
		return m, m.broadcast(msg)
	case tea.BackgroundColorMsg:
		if !m.opts.FixedTheme {
			theme := ThemeLight
			if msg.IsDark() {
				theme = ThemeDark
			}
			m.c.Styles = NewStyles(theme)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case ScanProgressMsg:
		if msg.Task == m.scan.task && m.c.Scan.Running {
			m.c.Scan.Progress = msg.Progress
		}
		return m, msg.next // keep draining even a stale scan's events
	case ScanSnapshotMsg:
		if msg.Task != m.scan.task || !m.c.Scan.Running {
			return m, msg.next
		}
		m.c.Data.SetReport(msg.Report)
		m.c.Data.Conns = msg.Conns
		// The snapshot predates every write of this session a scan has not
		// seen yet: their groups as re-read go back on top.
		m.keepWritten(0)
		return m, tea.Batch(msg.next, m.broadcast(DataChangedMsg{}))
	case ScanDoneMsg:
		if msg.Task != m.scan.task {
			return m, nil
		}
		m.scan.cancel = nil
		m.c.Scan.Running = false
		if m.note == rescanNote || m.note == fullRescanNote {
			m.note = "" // said while it ran; the status bar says how it ended
		}
		// A scan (r, R) reads the journals again too: writes settled from
		// another shell since leave the status bar.
		check := m.checkUnsettled()
		switch {
		case errors.Is(msg.Err, context.Canceled):
			m.c.Scan.Cancelled = true
		case msg.Err != nil:
			m.c.Scan.Err = msg.Err
			m.lastErr = "scan failed: " + msg.Err.Error()
		default:
			m.c.Scan.Done, m.c.Scan.Err = true, nil
			m.c.Scan.Progress = scan.Progress{Stage: "done", Users: msg.Report.UsersScanned}
			m.c.Data.SetReport(msg.Report)
			m.c.Data.Conns = msg.Conns
			// A write that ended after the scan started may have come after
			// the scan read its accounts: its group as re-read goes back on
			// top at once and is read again; what the scan saw, it keeps.
			again := m.keepWritten(m.scan.since)
			cmds := []tea.Cmd{m.broadcast(DataChangedMsg{}), check}
			for _, e := range again {
				cmds = append(cmds, m.reread(e))
			}
			return m, tea.Batch(cmds...)
		}
		return m, check
	case UnsettledMsg:
		before := m.unsettledEmails
		if m.tookUnsettled(msg) {
			return m, tea.Batch(m.auditChanged(), m.rereadGroups(before))
		}
		return m, nil
	case RateLimitMsg:
		m.rate = msg.Limit
		cmds := []tea.Cmd{m.c.Backend.RateLimitTick(m.rateTick(msg.Limit))}
		// Writes left unsettled may be settled from another shell
		// (`linkdesk resume`), and another linkdesk on this tenant may be
		// cut off: the journals are read again now and then.
		every := unsettledIdleEvery
		if m.unsettled > 0 || m.othersRunning {
			every = unsettledEvery
		}
		if m.unsettledTask == 0 && msg.Now.Sub(m.unsettledAt) >= every {
			cmds = append(cmds, m.checkUnsettled())
		}
		return m, tea.Batch(cmds...)
	case ErrorMsg:
		if msg.Err != nil {
			m.lastErr = msg.Err.Error()
		}
		return m, nil
	case NoteMsg:
		m.note, m.noteDone = msg.Text, !msg.NotDone
		return m, nil
	case PushMsg:
		return m, m.push(msg.Screen)
	case PopMsg:
		return m, m.uncover()
	case ShowMsg:
		return m, m.show(msg)
	case WriteRequest:
		return m, m.startWrite(msg)
	case WriteDoneMsg:
		return m, m.finishWrite(msg)
	case GroupReadMsg:
		if m.rereads[msg.Email] != msg.Task {
			return m, nil // an older re-read answering late
		}
		delete(m.rereads, msg.Email)
		if msg.Err != nil {
			m.lastErr = msg.Err.Error()
			return m, nil
		}
		if w := m.written[msg.Email]; w != nil {
			w.group = msg.Group
		}
		// A group the report lacks comes in: an undo may have made two
		// accounts share an email again since the scan.
		m.c.Data.Upsert(msg.Group)
		return m, m.broadcast(DataChangedMsg{Email: msg.Group.Email})
	case RereadMsg:
		return m, m.reread(msg.Email)
	case AccountMsg, UsersMsg:
		// An answer finding an account gone (deleted or linked away behind
		// the UI's back) re-reads the group listing it, so that the screens
		// under the one that asked stop listing it.
		return m, tea.Batch(m.rereadGone(goneIDs(msg)), m.forward(msg))
	case tea.PasteMsg:
		return m, m.paste(msg.Content)
	case UpsertGroupMsg:
		if msg.Group == nil {
			return m, nil
		}
		m.c.Data.Upsert(msg.Group)
		return m, m.broadcast(DataChangedMsg{Email: msg.Group.Email})
	}
	return m, m.forward(msg)
}

// The notes of r and R while their scan runs.
const (
	rescanNote     = "Scanning the tenant again…"
	fullRescanNote = "Exporting the whole tenant again…"
)

// unsettledEvery is how often the journals are read again while writes
// are left unsettled, or another linkdesk is carrying a plan out (its
// end has the audit log read again); unsettledIdleEvery, otherwise
// (another linkdesk on the tenant may leave one).
const (
	unsettledEvery     = 10 * time.Second
	unsettledIdleEvery = 30 * time.Second
)

// checkUnsettled reads this tenant's journals for writes cut off and not
// settled: at start, on r and R, when the last write in flight ends, and
// now and then (every unsettledEvery while some are left, else every
// unsettledIdleEvery), under --read-only too: writes of other runs are
// there to settle all the same. While writes of this session are in
// flight it waits for them to end: their journals are open.
func (m *Model) checkUnsettled() tea.Cmd {
	if m.c.Backend == nil || len(m.writes) > 0 {
		return nil
	}
	m.unsettledTask, m.unsettledAt = NewTask(), m.c.Now()
	return m.c.Backend.CheckUnsettled(m.unsettledTask)
}

// tookUnsettled takes what the journals hold now: more writes unsettled
// than before (at start: any) are warned of; none left any more clears
// the warning and the badge. It reports whether the journals changed
// since the last check (not at the first): a write was settled, finished
// or discarded, another one cut off, or a run of another linkdesk began
// or ended, and the audit log says so.
func (m *Model) tookUnsettled(msg UnsettledMsg) bool {
	if msg.Task != m.unsettledTask {
		return false // an older check, or one a write started since
	}
	m.unsettledTask = 0
	if msg.Err != nil {
		m.lastErr = "reading the journals: " + msg.Err.Error()
		return false
	}
	seen := "checked"
	for _, u := range msg.List {
		seen += fmt.Sprintf(";%s %d/%d/%d %v", u.PlanID, len(u.Unknown), len(u.Remaining), len(u.MayHaveGoneOut), u.CutOff)
	}
	for _, id := range msg.Running { // its results reach the audit log when it ends: a change then too
		seen += ";running " + id
	}
	changed := m.unsettledSeen != "" && m.unsettledSeen != seen
	m.unsettledSeen, m.othersRunning = seen, len(msg.Running) > 0
	emails := map[string][]string{}
	for _, u := range msg.List {
		if u.Plan != nil {
			emails[u.PlanID] = u.Plan.Emails()
		}
	}
	for _, id := range msg.Running { // taken up by a resume: read again once it ends too
		if e, ok := m.unsettledEmails[id]; ok {
			emails[id] = e
		}
	}
	m.unsettledEmails = emails
	was := m.unsettled
	m.unsettled = len(msg.List)
	switch {
	case m.unsettled > was:
		m.warnUnsettled, m.settling = true, 0
	case m.unsettled == 0 && was > 0 && len(msg.Running) > 0:
		// Another linkdesk (resume) is carrying them out now: settled
		// once it ends, which the next reads say.
		m.warnUnsettled, m.settling = false, m.settling+was
		m.note, m.noteDone = Plural(was, "Another linkdesk is settling the unsettled write now…", "Another linkdesk is settling the unsettled writes now…"), false
	case m.unsettled == 0 && was+m.settling > 0 && len(msg.Running) == 0:
		m.warnUnsettled = false
		m.note, m.noteDone = Plural(was+m.settling, "The unsettled write is settled now.", "The unsettled writes are settled now."), true
		m.settling = 0
	}
	return changed
}

// rereadGroups reads again the groups of the plans a check found
// unsettled (emails, by plan) once a later check finds them changed:
// another linkdesk (resume) settled or finished them.
func (m *Model) rereadGroups(emails map[string][]string) tea.Cmd {
	var cmds []tea.Cmd
	seen := map[string]bool{}
	for _, list := range emails {
		for _, e := range list {
			if !seen[e] {
				seen[e] = true
				cmds = append(cmds, m.reread(e))
			}
		}
	}
	return tea.Batch(cmds...)
}

// auditChanged tells the screens that the audit log may hold records this
// session did not write (AuditChangedMsg), then the active one that it is
// on top: the audit log, shown, reads it again at once.
func (m *Model) auditChanged() tea.Cmd {
	return tea.Batch(m.broadcast(AuditChangedMsg{}), m.forward(ActiveMsg{}))
}

// unsettledWarning says what settles the writes left unsettled, in width
// cells at most: the longest of its wordings that fits, each of which
// names `linkdesk resume`, the shorter ones first.
func (m *Model) unsettledWarning(width int) string {
	n := m.unsettled
	writes := Plural(n, "write", "writes")
	for _, w := range []string{
		fmt.Sprintf("%d earlier %s on this tenant did not finish as seen: quit and run `linkdesk resume` to settle %s.", n, writes, Plural(n, "it", "them")),
		fmt.Sprintf("Quit and run `linkdesk resume`: %d earlier %s on this tenant did not finish as seen.", n, writes),
		fmt.Sprintf("Quit and run `linkdesk resume`: %d earlier %s did not finish.", n, writes),
		fmt.Sprintf("Quit, run `linkdesk resume`: %d %s unsettled.", n, writes),
		"Quit and run `linkdesk resume`.",
	} {
		if Width(w) <= width {
			return w
		}
	}
	return "run `linkdesk resume`"
}

// LoadReport shows a report as if a scan had just produced it (a report read
// from a file, tests).
func (m *Model) LoadReport(r *linking.Report) {
	m.c.Scan = ScanStatus{Done: true, Progress: scan.Progress{Stage: "done", Users: r.UsersScanned}}
	m.c.Data.SetReport(r)
	m.broadcast(DataChangedMsg{})
}

// keepWritten puts back, on the report just set, the groups of the writes
// that ended after write since (as last re-read), and returns their
// emails; the groups of earlier writes the report has seen are forgotten.
func (m *Model) keepWritten(since uint64) []string {
	var emails []string
	for e, w := range m.written {
		if w.seq <= since {
			delete(m.written, e)
			continue
		}
		emails = append(emails, e)
		if w.group != nil {
			m.c.Data.Upsert(w.group)
		}
	}
	slices.Sort(emails)
	return emails
}

// RereadMsg asks the root to re-read one group (after an action elsewhere).
type RereadMsg struct{ Email string }

func (m *Model) reread(email string) tea.Cmd {
	if m.c.Backend == nil || email == "" {
		return nil
	}
	task := NewTask()
	m.rereads[email] = task
	return m.c.Backend.ReadGroup(m.ctx, task, email)
}

// goneIDs are the accounts an answer to a read by id found gone: no
// account has their user id now.
func goneIDs(msg tea.Msg) []string {
	switch msg := msg.(type) {
	case AccountMsg:
		if client.IsNotFound(msg.Err) {
			return []string{msg.UserID}
		}
	case UsersMsg:
		if se, ok := linking.AsSafetyError(msg.Err); ok && se.Check == linking.CheckUserMissing {
			return se.UserIDs
		}
	}
	return nil
}

// rereadGone re-reads the groups the data lists these accounts in.
func (m *Model) rereadGone(ids []string) tea.Cmd {
	var cmds []tea.Cmd
	seen := map[string]bool{}
	for _, id := range ids {
		if _, g := m.c.Data.Account(id); g != nil && !seen[g.Email] {
			seen[g.Email] = true
			cmds = append(cmds, m.reread(g.Email))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) startWrite(req WriteRequest) tea.Cmd {
	if m.c.ReadOnly {
		m.lastErr = client.ErrReadOnly.Error()
		return nil
	}
	end := make(chan writeEnd, 1)
	m.writes = append(m.writes, write{task: req.Task, label: req.Label, unknowable: req.Unknowable, alsoReadable: req.AlsoReadable, end: end})
	m.unsettledTask = 0        // a check in flight may read this write's journal half done
	run, ctx := req.Run, m.ctx // a write outlives the screen that started it
	return func() tea.Msg {
		res, err := run(ctx)
		end <- writeEnd{res: res, err: err}
		return WriteDoneMsg{Task: req.Task, Label: req.Label, Short: req.Short, Done: req.Done, Emails: req.Emails, Result: res, Err: err}
	}
}

// madeBefore says how many of a write's calls were made before it
// stopped, when some were: a link of two accounts whose second was refused
// made the first ("" when none was made, or the result is no plan's).
func madeBefore(result any) string {
	res, ok := result.(*linking.Result)
	if !ok || res == nil {
		return ""
	}
	done := res.Count(linking.StatusDone) + res.Count(linking.StatusAlreadyDone)
	if done == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d calls made, then ", done, len(res.Steps))
}

func (m *Model) finishWrite(msg WriteDoneMsg) tea.Cmd {
	for i, w := range m.writes {
		if w.task == msg.Task {
			m.writes = append(m.writes[:i], m.writes[i+1:]...)
			break
		}
	}
	if msg.Err != nil {
		m.lastErr = msg.Label + ": " + madeBefore(msg.Result) + msg.Err.Error()
	} else {
		n := writeNote{label: msg.Label, short: msg.Short, outcome: ": done."}
		if msg.Done != "" {
			n.outcome = ": done, " + msg.Done + "."
		}
		m.note, m.noteDone, m.noteWrite = n.label+n.outcome, true, n
	}
	// Re-read even after an error: a write may have half happened. Every
	// screen sees the write first, then the active one is told it is on top.
	m.writeSeq++
	cmds := make([]tea.Cmd, 0, len(msg.Emails)+2)
	for _, e := range msg.Emails {
		if e == "" {
			continue
		}
		m.written[e] = &writtenGroup{seq: m.writeSeq}
		cmds = append(cmds, m.reread(e))
	}
	// A write cut off on the way shows in the journals: they are read
	// again once no write of this session holds one open.
	cmds = append(cmds, m.checkUnsettled())
	return tea.Batch(append(cmds, m.broadcast(msg), m.forward(ActiveMsg{}))...)
}

// pop closes the screen on top and cancels what it was reading.
func (m *Model) pop() {
	n := len(m.stack)
	if n == 0 {
		return
	}
	m.screenCtxs[n-1].cancel()
	m.stack, m.screenCtxs = m.stack[:n-1], m.screenCtxs[:n-1]
	m.c.Ctx = m.ctx
	if n > 1 {
		m.c.Ctx = m.screenCtxs[n-2].ctx
	}
}

// uncover closes the screen on top and tells the one below it that it is
// active again (ActiveMsg).
func (m *Model) uncover() tea.Cmd {
	m.pop()
	return m.forward(ActiveMsg{})
}

// closeFrom closes s and every screen above it (Common.Close), and tells
// the one below that it is active again.
func (m *Model) closeFrom(s Component) tea.Cmd {
	i := slices.Index(m.stack, s)
	if i < 0 {
		return nil
	}
	for len(m.stack) > i {
		m.pop()
	}
	return m.forward(ActiveMsg{})
}

// popAll closes every screen above the top-level one.
func (m *Model) popAll() {
	for len(m.stack) > 0 {
		m.pop()
	}
}

func (m *Model) show(msg ShowMsg) tea.Cmd {
	m.popAll()
	first := m.top[msg.Page] == nil
	m.page = msg.Page
	s := m.topScreen(msg.Page)
	var cmds []tea.Cmd
	if first {
		cmds = append(cmds, s.Init())
	} else if r, ok := s.(Refresher); ok {
		cmds = append(cmds, r.Refresh())
	}
	if msg.Filter != nil {
		cmds = append(cmds, m.send(s, SetFilterMsg{Query: *msg.Filter}))
	}
	if msg.TypeFilter {
		cmds = append(cmds, m.send(s, TypeFilterMsg{}))
	}
	return tea.Batch(cmds...)
}

// TypeFilterMsg opens a list's filter for typing, as / on it does.
type TypeFilterMsg struct{}

// Refresher is a top-level screen that reloads when shown again (the audit log).
type Refresher interface{ Refresh() tea.Cmd }

// SetFilterMsg sets the groups screen's filter.
type SetFilterMsg struct{ Query string }

// send delivers msg to one screen, replacing it where it lives.
func (m *Model) send(s Component, msg tea.Msg) tea.Cmd {
	next, cmd := s.Update(msg)
	m.replace(s, next)
	return cmd
}

func (m *Model) replace(old, next Component) {
	if old == next {
		return
	}
	for i, s := range m.stack {
		if s == old {
			m.stack[i] = next
			return
		}
	}
	for p, s := range m.top {
		if s == old {
			m.top[p] = next
		}
	}
}

// forward gives msg to the active screen.
func (m *Model) forward(msg tea.Msg) tea.Cmd { return m.send(m.Active(), msg) }

// broadcast gives msg to every live screen: data changes and sizes concern
// screens that are not on top too.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	seen := map[Component]bool{}
	for _, p := range []Page{PageOverview, PageGroups, PageAudit} {
		if s, ok := m.top[p]; ok {
			seen[s] = true
			cmds = append(cmds, m.send(s, msg))
		}
	}
	for _, s := range append([]Component(nil), m.stack...) {
		if !seen[s] {
			cmds = append(cmds, m.send(s, msg))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if m.quitting {
		return nil // read with the key that quit: meant for no screen
	}
	keys := m.c.Keys
	m.lastErr, m.note, m.warnUnsettled = "", "", false
	if Matches(k, keys.ForceQuit) {
		return m.quit()
	}
	if m.tooSmall() {
		if Matches(k, keys.Quit) {
			return m.askQuit()
		}
		return nil
	}
	active := m.Active()
	if m.typedOver != active || !asksOnly(active) || answerKey(active.Help()) == "" {
		m.typedOver = nil // that question is answered, under another screen, or asks no more
	}
	if active.Capturing() {
		if Matches(k, keys.Help) && m.helpOpens(active) {
			return m.openHelp(active) // as the footer offers, typed after / too
		}
		if m.typedOver != nil {
			// The letters typed after / or f on a question are a search:
			// dropped (y among them), until esc or enter ends it.
			if k.Code == tea.KeyEscape || k.Code == tea.KeyEnter {
				m.typedOver = nil
				m.note, m.noteDone = "The question stands: "+answerKey(active.Help())+" or n.", false
				return nil
			}
			m.note, m.noteDone = fmt.Sprintf("%s dropped: typed after %s, it answers nothing (esc, then %s or n).", k.String(), m.typedBy, answerKey(active.Help())), false
			return nil
		}
		if b, ok := waitsFor(keys, active, k); ok {
			// Said by the root: the question's own words are about y and n.
			// A question owns the keyboard: / and f open nothing above it.
			m.note, m.noteDone = m.waitNote(k, b, waitWhy(active, false)), false
			if (Matches(k, keys.Filter) || Matches(k, keys.Find)) && answerKey(active.Help()) != "" {
				m.typedOver, m.typedBy = active, k.String()
				m.note += " What is typed after it is dropped until esc."
			}
			return nil
		}
		return m.forward(k)
	}
	if q := m.underHelp(active); q != nil {
		if b, ok := waitsFor(keys, q, k); ok {
			// The help read over a question says these wait for its answer,
			// q with them: its footer offers no q there.
			m.note, m.noteDone = m.waitNote(k, b, waitWhy(q, true)), false
			return nil
		}
	}
	switch {
	case Matches(k, keys.Back):
		if h, ok := active.(EscHandler); ok && h.WantsEsc() {
			return m.forward(k)
		}
		if len(m.stack) > 0 {
			if g, ok := active.(Guarded); ok && g.Unsaved() != "" {
				// What esc would lose is shown only there (a ticket's URL): asked
				// as q and 1/2/3 ask.
				width := DialogWidth(m.c)
				body := append(Wrap("Going back closes this screen, and this is lost:", width, 0), Bullet(g.Unsaved(), width, 0)...)
				return m.push(NewConfirmThen(m.c, "Leave this screen?", body, "Leave and lose it?", false, func() tea.Cmd { return m.closeFrom(active) }))
			}
			return m.uncover()
		}
		if m.c.Scan.Running {
			m.cancelScan()
			return nil
		}
		return m.forward(k)
	case Matches(k, keys.Quit):
		return m.askQuit()
	case Matches(k, keys.Help):
		if _, isHelp := active.(HelpScreen); isHelp {
			return m.uncover()
		}
		return m.openHelp(active)
	case Matches(k, keys.Overview):
		return m.leaveFor(ShowMsg{Page: PageOverview})
	case Matches(k, keys.Groups):
		return m.leaveFor(ShowMsg{Page: PageGroups})
	case Matches(k, keys.Audit):
		return m.leaveFor(ShowMsg{Page: PageAudit})
	case Matches(k, keys.Filter):
		return m.filter(active, k)
	case Matches(k, keys.Find) && m.pages.Find != nil:
		find := m.pages.Find(m.c)
		if reflect.TypeOf(find) == reflect.TypeOf(active) {
			// On the find screen itself (its results shown), f finds
			// something else there: a second one above it would only
			// repeat "Find" in the trail.
			return m.forward(k)
		}
		return m.push(find)
	case Matches(k, keys.Rescan):
		m.note, m.noteDone = rescanNote, false
		return tea.Batch(m.startScan(), m.auditChanged())
	case Matches(k, keys.FullRescan):
		m.note, m.noteDone = fullRescanNote, false
		return tea.Batch(m.scanTenant(true), m.auditChanged())
	}
	return m.forward(k)
}

// filter handles / on a screen that is not typing: a screen with a filter
// (Filterer) opens it; the overview opens the groups list's, typing; any
// other screen opens f. Done here, as the key is handled: the letters
// typed next, already on their way, go to the field, never to the screen
// underneath as commands (/ivy on a group would send an email with v, y).
func (m *Model) filter(active Component, k tea.KeyPressMsg) tea.Cmd {
	if f, ok := active.(Filterer); ok && f.Filters() {
		return m.forward(k)
	}
	if len(m.stack) == 0 && m.page == PageOverview {
		fresh := "" // a new filter: the list's last one is not on the overview to see
		return m.show(ShowMsg{Page: PageGroups, Filter: &fresh, TypeFilter: true})
	}
	if m.pages.Find == nil {
		return nil
	}
	return m.push(m.pages.Find(m.c))
}

// FooterKeys is a screen whose footer lists its keys in fewer words, or
// in another order, than its help: the keys that act on it first, each
// short enough that they share one line (nil: the help's, as they come).
type FooterKeys interface{ FooterKeys() []key.Binding }

// Waiting is a screen that says, in place of its keys, why a key it was
// given did nothing (its read still runs), until that read answers or the
// next key; "" while nothing waits. The screen owns the words, so that they
// go the moment the read answers (a note stays until the next key), and
// they carry no ✓, which says a thing was done.
type Waiting interface{ Waiting() string }

// HelpScreen marks the help screen, so ? closes it.
type HelpScreen interface{ IsHelp() }

// TextInput is a screen that takes every key (Capturing) and says whether
// the keys it takes now type text. While they do not (a yes/no question),
// ? opens help above it as on every screen, and its footer says so; a
// capturing screen that is not a TextInput types ? as text.
type TextInput interface{ TypesText() bool }

// EmptyField is a screen typing text that says whether the field typed in
// is empty now: ? there opens help, since no email, user id, username or
// phone starts with it (a reason, which might, never counts as empty).
type EmptyField interface{ FieldEmpty() bool }

// helpOpens reports whether ? opens help on this screen now (the footer
// offers it exactly then): not on the help screen (? closes it), nor
// while the screen takes ? as a typed character (an empty field of an
// EmptyField does not).
func (m *Model) helpOpens(active Component) bool {
	if _, isHelp := active.(HelpScreen); isHelp {
		return false
	}
	if e, ok := active.(EmptyField); ok && active.Capturing() && e.FieldEmpty() {
		return true
	}
	return !active.Capturing() || asksOnly(active)
}

// asksOnly reports whether a screen that takes every key (Capturing) takes
// none as typed text now: a yes/no question.
func asksOnly(active Component) bool {
	t, ok := active.(TextInput)
	return ok && active.Capturing() && !t.TypesText()
}

// openHelp opens help on the screen's keys and the global ones; over a
// question, only the global keys that work there, and which wait.
func (m *Model) openHelp(active Component) tea.Cmd {
	own := active.Help()
	global := globalHelpBesides(m.c.Keys, own)
	if asksOnly(active) {
		global = questionHelp(m.c.Keys, own)
	}
	return m.push(m.pages.Help(m.c, active.Title(), append(own, global...)))
}

// questionWaits are the global keys a question (asksOnly) holds until it
// is answered, the root saying so when one is pressed: those its own help
// does not name. ? and ctrl+c work over it; / and f open nothing above it.
func questionWaits(keys *KeyMap, own []HelpGroup) []key.Binding {
	named := ownKeys(own)
	var out []key.Binding
	for _, b := range []key.Binding{keys.Overview, keys.Groups, keys.Audit, keys.Filter, keys.Find, keys.Rescan, keys.FullRescan, keys.Quit} {
		if !slices.ContainsFunc(b.Keys(), func(k string) bool { return named[k] }) {
			out = append(out, b)
		}
	}
	return out
}

// ownKeys are the keys a screen's own help names, enabled.
func ownKeys(own []HelpGroup) map[string]bool {
	named := map[string]bool{}
	for _, g := range own {
		for _, b := range g.Bindings {
			if b.Enabled() {
				for _, k := range b.Keys() {
					named[k] = true
				}
			}
		}
	}
	return named
}

// answerKey is the key that says yes to a dialog, as its own help offers
// it: y, or F where the yes forces an undo over changes; "" for a refusal
// in place of a question, which esc alone closes.
func answerKey(own []HelpGroup) string {
	keys := ownKeys(own)
	for _, k := range []string{"y", "F"} {
		if keys[k] {
			return k
		}
	}
	return ""
}

// waitsFor reports whether k is a global key that the question q holds
// until it is answered (questionWaits), and which; q nil, or a screen
// that is no question now, holds none.
func waitsFor(keys *KeyMap, q Component, k tea.KeyPressMsg) (key.Binding, bool) {
	if q == nil || !asksOnly(q) {
		return key.Binding{}, false
	}
	for _, b := range questionWaits(keys, q.Help()) {
		if Matches(k, b) {
			return b, true
		}
	}
	return key.Binding{}, false
}

// waitWhy says what a global key pressed on the question q (or on the
// help over it) waits for: its answer (its yes key, or n), or, where the
// dialog says a refusal in place of a question, its closing (esc).
func waitWhy(q Component, overHelp bool) string {
	yes := answerKey(q.Help())
	switch {
	case overHelp && yes != "":
		return "waits for the answer: esc closes help, then " + yes + " or n."
	case overHelp:
		return "waits: esc closes help, then esc closes the dialog."
	case yes != "":
		return "waits until this question is answered: " + yes + " or n."
	}
	return "waits until this dialog is closed: esc."
}

// waitNote says that the key k, bound to b, waits (why): with what b does
// where the window holds it whole, else the key alone.
func (m *Model) waitNote(k tea.KeyPressMsg, b key.Binding, why string) string {
	if note := fmt.Sprintf("%s (%s) %s", k.String(), b.Help().Desc, why); Width(note) <= m.width {
		return note
	}
	return k.String() + " " + why
}

// underHelp is the screen help was opened over, when help is the
// active screen (nil otherwise).
func (m *Model) underHelp(active Component) Component {
	if _, isHelp := active.(HelpScreen); !isHelp || len(m.stack) < 2 {
		return nil
	}
	return m.stack[len(m.stack)-2]
}

// questionHelp is the global part of the help over a question: the keys
// that work there, and one line naming those that wait for its answer
// (disabled: a line of help, never a key).
func questionHelp(keys *KeyMap, own []HelpGroup) []HelpGroup {
	groups := []HelpGroup{{Title: "General", Bindings: []key.Binding{keys.Help, keys.ForceQuit}}}
	var waiting []string
	for _, b := range questionWaits(keys, own) {
		waiting = append(waiting, b.Keys()[0])
	}
	if len(waiting) > 0 {
		until := "wait until the question is answered"
		if answerKey(own) == "" {
			until = "wait until the dialog is closed"
		}
		note := key.NewBinding(key.WithHelp(strings.Join(waiting, " "), until), key.WithDisabled())
		groups = append(groups, HelpGroup{Title: "Other keys", Bindings: []key.Binding{note}})
	}
	return groups
}

// globalHelpBesides is the global keys' help less the keys the screen's
// own help names: there, its words say what the key does (r on the audit
// log reads the log again too; esc on a screen above a page goes back).
func globalHelpBesides(keys *KeyMap, own []HelpGroup) []HelpGroup {
	named := map[string]bool{}
	for _, g := range own {
		for _, b := range g.Bindings {
			if b.Enabled() {
				named[b.Help().Key] = true
			}
		}
	}
	var out []HelpGroup
	for _, g := range keys.GlobalHelp() {
		var left []key.Binding
		for _, b := range g.Bindings {
			if !named[b.Help().Key] {
				left = append(left, b)
			}
		}
		if len(left) > 0 {
			out = append(out, HelpGroup{Title: g.Title, Bindings: left})
		}
	}
	return out
}

// Guarded is a screen holding choices the operator would lose by jumping
// to another top-level screen (a half-done wizard): Unsaved names them, ""
// when there is nothing to lose.
type Guarded interface{ Unsaved() string }

// leaveFor switches to a top-level screen, asking first when a screen on
// the stack would lose the operator's choices.
func (m *Model) leaveFor(msg ShowMsg) tea.Cmd {
	lost := m.unsaved()
	if len(lost) == 0 {
		return m.show(msg)
	}
	body := append(Wrap("Leaving closes "+Plural(len(m.stack), "this screen", "these screens")+", and this is lost:", DialogWidth(m.c), 0), lost...)
	return m.push(NewConfirmThen(m.c, "Leave this screen?", body, "Leave and lose it?", false, func() tea.Cmd { return m.show(msg) }))
}

// unsaved lists, one line each, what the screens on the stack would lose.
func (m *Model) unsaved() []string {
	var lost []string
	for _, s := range m.stack {
		if g, ok := s.(Guarded); ok {
			if what := g.Unsaved(); what != "" {
				lost = append(lost, Bullet(what, DialogWidth(m.c), 0)...)
			}
		}
	}
	return lost
}

// paste gives pasted text to the screen's text field; on a screen without
// one, f opens with it, ready to search (enter): a user id or an email
// pasted anywhere finds its account.
func (m *Model) paste(text string) tea.Cmd {
	if m.tooSmall() {
		return nil
	}
	m.lastErr, m.note, m.warnUnsettled = "", "", false
	active := m.Active()
	if p, ok := active.(Paster); ok {
		if t, ok := active.(PasteTaker); !ok || t.TakesPaste() {
			p.Paste(text)
			return nil
		}
	}
	if active.Capturing() || m.pages.Find == nil || Pasted(text) == "" {
		return nil
	}
	find := m.pages.Find(m.c)
	if p, ok := find.(Paster); ok {
		p.Paste(text)
	}
	return m.push(find)
}

// askQuit quits, or asks first when a write is in flight or a screen holds
// choices quitting would lose (a half-done wizard). The question counts
// the writes as they stand while it is open: one that finishes meanwhile
// leaves the list.
func (m *Model) askQuit() tea.Cmd {
	if len(m.writes) == 0 {
		lost := m.unsaved()
		if len(lost) == 0 {
			return m.quit()
		}
		body := append(Wrap("Quitting closes "+Plural(len(m.stack), "this screen", "these screens")+", and this is lost:", DialogWidth(m.c), 0), lost...)
		return m.push(NewConfirmThen(m.c, "Quit?", body, "Quit and lose it?", false, m.quit))
	}
	d := NewConfirmThen(m.c, "Quit while a write is in flight?", nil, "Quit anyway?", true, m.quit)
	d.titleFn = func() string {
		if len(m.writes) == 0 {
			return "Quit?" // the writes ended meanwhile
		}
		return d.title
	}
	d.bodyFn = func() []string {
		width := DialogWidth(m.c)
		if len(m.writes) == 0 {
			body := Wrap("Every write has finished meanwhile: nothing is left in flight.", width, 0)
			if lost := m.unsaved(); len(lost) > 0 { // a ticket made meanwhile, shown only on its screen
				body = append(append(append(body, ""), Wrap("Quitting closes "+Plural(len(m.stack), "this screen", "these screens")+", and this is lost:", width, 0)...), lost...)
			}
			return body
		}
		// Whether a write has sent its call yet is known once it returns: the
		// shell says then, each by name (cli writesLeft).
		body := Wrap(fmt.Sprintf("%d %s in flight, reading the tenant or waiting for its answer:", len(m.writes), Plural(len(m.writes), "write", "writes")), width, 0)
		for _, w := range m.writes {
			body = append(body, Bullet(w.label, width, 0)...) // whole, wrapped: the accounts it names
		}
		return append(append(body, ""), Wrap("Quitting now stops them where they stand: "+m.quitLeaves(), width, 0)...)
	}
	return m.push(d)
}

// quitLeaves says what quitting leaves of the writes in flight: resume
// settles a call already sent by reading the tenant, except a ticket's or a
// verification email's, of which the tenant keeps no trace (each says its
// own, once).
func (m *Model) quitLeaves() string {
	if m.c.Backend != nil && m.c.Backend.SandboxEndsHere() {
		return session.SandboxEnds + "."
	}
	said := []string{"one still reading sends nothing"}
	unknowable, readable := leaves(m.writes)
	if readable {
		said = append(said, "a call already sent is settled by `linkdesk resume`, which reads the tenant")
	}
	return strings.Join(append(said, unknowable...), "; ") + "."
}

// quit cancels every call in flight (the scan, reads, writes) and quits,
// at once, as the key (or the yes of the question that asks first) is
// handled: the keys read with it reach no screen, and start no write. The
// last frame drawn is blank, so that a terminal that keeps it on exit (no
// alternate screen) is left clean.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.cancel()
	return tea.Quit
}

// ---- view ----

func (m *Model) View() tea.View {
	var content string
	switch {
	case m.quitting:
		// Blank: nothing of the screens stays behind on exit.
	case m.tooSmall():
		content = m.smallView()
	default:
		// A message longer than the line takes up to messageLines lines
		// from the screen until the next key: the screen is drawn that much
		// shorter (its "… more lines" marker, its question stay in view).
		footer := m.footer()
		height := m.c.Height
		m.c.Height -= strings.Count(footer, "\n")
		body := FitBlock(m.Active().View(), m.width, m.c.Height)
		m.c.Height = height
		content = strings.Join([]string{m.header(), body, footer, m.statusBar()}, "\n")
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "linkdesk — " + Fit(m.tenantName(), 60)
	if sc := m.c.Scan; sc.Running {
		// The terminal's own progress indicator (tab or taskbar), where it has one.
		v.ProgressBar = tea.NewProgressBar(tea.ProgressBarIndeterminate, 0)
		if sc.Progress.Stage == "export" {
			v.ProgressBar = tea.NewProgressBar(tea.ProgressBarDefault, sc.Progress.Percent)
		}
	}
	return v
}

func (m *Model) tenantName() string {
	if m.c.Backend == nil {
		return "no tenant"
	}
	return m.c.Backend.TenantName()
}

func (m *Model) smallView() string {
	msg := fmt.Sprintf("linkdesk needs a window of at least %d×%d; this one is %d×%d. Make the window bigger, or press q to quit.",
		MinWidth, MinHeight, m.width, m.height)
	return strings.Join(Wrap(msg, max(m.width, 1), max(m.height, 1)), "\n")
}

// FitBlock cuts or pads s to exactly height lines of at most width cells.
func FitBlock(s string, width, height int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if Width(l) > width {
			lines[i] = Truncate(l, width)
		}
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m *Model) header() string {
	var crumbs []string
	for _, sc := range m.stack {
		crumbs = append(crumbs, sc.Title())
	}
	return m.breadcrumbs(crumbs)
}

// breadcrumbs is the header: the tabs, then the title of every screen
// opened above the page. A narrow window shortens long names, then the
// middle of the trail (one "…" for the screens left out), then the tabs;
// the last crumb, which names the screen shown, always stays, cut last.
func (m *Model) breadcrumbs(crumbs []string) string {
	s := m.c.Styles
	sep := s.Dim.Render(" › ")
	build := func(compact bool, crumbs []string) string {
		line := m.tabs(compact)
		for _, c := range crumbs {
			line += sep + c
		}
		return line
	}
	shorten := func(cs []string, n int) []string {
		out := slices.Clone(cs)
		for i := range out[:max(len(out)-1, 0)] {
			if out[i] != Ellipsis {
				out[i] = Fit(out[i], n)
			}
		}
		return out
	}
	// elided leaves out the crumbs from the second on, one more each time,
	// keeping the first and the last; then the first too.
	var trails [][]string
	trails = append(trails, crumbs, shorten(crumbs, 20))
	for cut := 1; cut < len(crumbs)-1; cut++ {
		trail := append([]string{crumbs[0], Ellipsis}, crumbs[1+cut:]...)
		trails = append(trails, shorten(trail, 20))
	}
	if n := len(crumbs); n >= 2 {
		trails = append(trails, []string{Ellipsis, crumbs[n-1]})
	}
	// The names of the tabs go before the first crumb does.
	full := trails
	if len(crumbs) >= 2 {
		full = trails[:len(trails)-1]
	}
	for _, trail := range full {
		if line := build(false, trail); Width(line) <= m.width {
			return line
		}
	}
	for _, trail := range trails {
		if line := build(true, trail); Width(line) <= m.width {
			return line
		}
	}
	// The last crumb cut to the room the compact tabs leave.
	trail := trails[len(trails)-1]
	if n := len(trail); n > 0 {
		head := build(true, trail[:n-1]) + sep
		if room := m.width - Width(head); room >= 8 {
			return head + Fit(trail[n-1], room)
		}
		return Truncate(s.Title.Render("linkdesk")+sep+trail[n-1], m.width)
	}
	return Truncate(build(true, nil), m.width)
}

// tabs are the pages, the current one in brackets; compact names only
// the current one, the others by their key.
func (m *Model) tabs(compact bool) string {
	s := m.c.Styles
	tabs := []struct {
		p    Page
		name string
	}{{PageOverview, "1 Overview"}, {PageGroups, "2 Groups"}, {PageAudit, "3 Audit log"}}
	parts := []string{s.Title.Render("linkdesk")}
	for _, t := range tabs {
		switch {
		case t.p == m.page:
			parts = append(parts, s.ActiveTab.Render("["+t.name+"]"))
		case compact:
			parts = append(parts, s.Tabs.Render(t.name[:1]))
		default:
			parts = append(parts, s.Tabs.Render(" "+t.name+" "))
		}
	}
	return strings.Join(parts, " ")
}

func (m *Model) footer() string {
	s := m.c.Styles
	active := m.Active()
	offer := m.helpOpens(active)
	help := s.Key.Render("?") + " " + s.Dim.Render("help")
	tail := s.Dim.Render(footerSep) + help
	// A toast or an error replaces the screen's keys until the next key;
	// ? help follows it when the message leaves room for it whole (the
	// message is what the line is for).
	switch {
	case m.lastErr != "" || m.warnUnsettled:
		msg := "✗ " + m.lastErr
		if m.lastErr == "" {
			room := m.width
			if offer {
				room -= Width(tail)
			}
			msg = "✗ " + m.unsettledWarning(room-2)
		}
		if offer && Width(msg)+Width(tail) <= m.width {
			return s.Error.Render(Pad(msg, m.width-Width(tail))) + tail
		}
		if Width(msg) > m.width {
			return m.messageLines(s.Error, msg, offer, tail)
		}
		return s.Error.Render(Pad(msg, m.width))
	case m.note != "" && m.noteDone && m.note == m.noteWrite.label+m.noteWrite.outcome:
		return m.toast(s.Good, m.noteWrite.line(m.width), offer, tail)
	case m.note != "" && m.noteDone:
		return m.toast(s.Good, "✓ "+m.note, offer, tail)
	case m.note != "":
		return m.toast(s.Warn, m.note, offer, tail) // not done: no ✓
	case waitingOn(active) != "":
		return m.toast(s.Warn, waitingOn(active), offer, tail) // not done: no ✓
	}
	var parts []string
	bindings := ShortHelp(active.Help())
	if f, ok := active.(FooterKeys); ok {
		if keys := f.FooterKeys(); keys != nil {
			bindings = keys
		}
	}
	// Help over a question offers none of the keys that wait for its answer.
	waiting := map[string]bool{}
	if q := m.underHelp(active); q != nil && asksOnly(q) {
		for _, b := range questionWaits(m.c.Keys, q.Help()) {
			for _, k := range b.Keys() {
				waiting[k] = true
			}
		}
	}
	for _, b := range bindings {
		if !b.Enabled() || slices.ContainsFunc(b.Keys(), func(k string) bool { return waiting[k] }) {
			continue
		}
		h := b.Help()
		parts = append(parts, s.Key.Render(h.Key)+" "+s.Dim.Render(h.Desc))
	}
	// ? help ends the line whatever the screen's keys (the help lists them
	// all), wherever ? opens it: the screen's keys take the room left
	// before it, in their order, and q quit follows when they all fit and
	// q quits here (not in a dialog that takes every key).
	if !offer {
		line, _ := fitParts(s, parts, m.width)
		return line
	}
	all := append(slices.Clip(parts), help)
	if !active.Capturing() && !waiting["q"] {
		all = append(all, s.Key.Render("q")+" "+s.Dim.Render("quit"))
	}
	if line, n := fitParts(s, all, m.width); n == len(all) {
		return line
	}
	line, _ := fitParts(s, parts, m.width-Width(tail))
	if line == "" {
		return help
	}
	return line + tail
}

// toast is a message in place of the screen's keys, ? help after it where
// the message fits beside it or does not fit at all.
func (m *Model) toast(style lipgloss.Style, msg string, offer bool, tail string) string {
	if Width(msg) > m.width {
		return m.messageLines(style, msg, offer, tail)
	}
	if offer && Width(msg)+Width(tail) <= m.width {
		return style.Render(Fit(msg, m.width-Width(tail))) + tail
	}
	return style.Render(Fit(msg, m.width))
}

// writeNote is the toast of a write done: its label, the label in fewer
// cells (WriteRequest.Short, "" for none) and its outcome (": done.").
type writeNote struct{ label, short, outcome string }

// leastLabel is the fewest cells of its label a write's toast cut to one
// line keeps: its action's words and the start of a name.
const leastLabel = 12

// line is the toast in width cells where its label leaves room: whole
// where it fits, else by its short label, else that cut at its end (by
// cells, …), its outcome kept whole: testers saw "ticket for
// alice.nguyen@gmail.com (auth0|…): done." take two lines at 60 columns,
// and an unlink's lose its "done" to the cut of the second.
func (n writeNote) line(width int) string {
	whole := "✓ " + n.label + n.outcome
	room := width - Width("✓ "+n.outcome)
	if Width(whole) <= width || room < leastLabel {
		return whole // in one line, or over lines (messageLines)
	}
	return "✓ " + Fit(cmp.Or(n.short, n.label), room) + n.outcome
}

// messageLines is the most lines a message takes in place of the screen's
// keys (two in a window under 30 lines): one that needs more is cut on its
// last.
const messageLines = 3

// messageLines is a message longer than the line, wrapped over up to
// messageLines lines (the screen above gives them up until the next key;
// testers: results and refusals were cut before what they said), ? help
// after it on its last line where it fits there.
func (m *Model) messageLines(style lipgloss.Style, msg string, offer bool, tail string) string {
	most := messageLines
	if m.height < 30 {
		most = 2 // a short window keeps its lists whole (a group's accounts)
	}
	lines := Wrap(msg, m.width, most)
	last := len(lines) - 1
	for i, l := range lines {
		if i == last && offer && Width(l)+Width(tail) <= m.width {
			lines[i] = style.Render(Pad(l, m.width-Width(tail))) + tail
			continue
		}
		lines[i] = style.Render(Pad(l, m.width))
	}
	return strings.Join(lines, "\n")
}

// waitingOn is what the screen says a key it was given waits on, if anything.
func waitingOn(c Component) string {
	if w, ok := c.(Waiting); ok {
		return w.Waiting()
	}
	return ""
}

const footerSep = " · "

// fitParts joins the first parts that fit in width cells, and says how many.
func fitParts(s *Styles, parts []string, width int) (string, int) {
	line := ""
	for i, p := range parts {
		next := line
		if next != "" {
			next += s.Dim.Render(footerSep)
		}
		next += p
		if Width(next) > width {
			return line, i
		}
		line = next
	}
	return line, len(parts)
}

// statusBar is the status line: the tenant, its badges, the scan state,
// the rate-limit bucket and the writes in flight, exactly m.width cells.
// A narrow window takes the steps of statusLine one at a time until the
// line fits: every fact stays down to 60 columns, in its shortest form
// there; "(esc cancels)" and the bucket's reset stay whenever the line can
// hold them, and go only once the tenant and the scan state can give no
// more; the bucket's count, its 429s and the writes always show whole.
func (m *Model) statusBar() string {
	s := m.c.Styles
	tight := 0
	for ; tight < statusTightest; tight++ {
		if Width(m.statusLine(tight, false, 0)) <= m.width {
			break
		}
	}
	line := m.statusLine(tight, false, 0)
	// What a single write does, in the room the facts leave: the tenant
	// takes no room beyond its step's for it, the badges' short words make
	// room for it, then the label gives up room, never the tenant, the
	// scan state, the bucket or its reset.
	if len(m.writes) == 1 {
		room := func(l string) int { return m.width - Width(l) - 3 }
		// The label whole, else with its action's words short: the
		// account's name is what tells the write, cut last.
		for _, label := range []string{m.writes[0].label, shortActionWords(m.writes[0].label)} {
			reserve := 3 + Width(label)
			long := m.statusLine(tight, false, reserve)
			with := ""
			switch short := m.statusLine(tight, true, reserve); {
			case room(long) >= Width(label):
				with = long
			case tight < statusShortBadges && room(short) >= 12:
				with = short
			case room(long) >= 12:
				with = long
			}
			if with != "" {
				line = with + s.StatusBar.Render(" ("+Fit(label, room(with))+")")
				if room(with) >= Width(label) {
					break
				}
			}
		}
	}
	w := Width(line)
	if w > m.width {
		return Truncate(line, m.width)
	}
	return line + s.StatusBar.Render(strings.Repeat(" ", m.width-w))
}

// shortActionWords says a write's label (WriteRequest.Label, its action's
// words first) with those words in their shortest form, so that a narrow
// status bar cuts the account's name last.
func shortActionWords(label string) string {
	for _, w := range [][2]string{
		{"verification email for ", "verify "},
		{"ticket for ", "ticket "},
	} {
		if rest, ok := strings.CutPrefix(label, w[0]); ok {
			return w[1] + rest
		}
	}
	return label
}

// The steps of statusLine, each keeping those before it. Every fact (the
// tenant, its badges, the scan state, the bucket, the writes) gets
// shorter and none goes: the scan state's words and the bar's spacing
// give way first, then the tenant (which says where a write would land)
// down to 12 cells, the unsettled badge's word, the tenant down to its
// port, then the bucket's reset and "waiting".
const (
	statusScanWords      = 1  // the scan state without "scanned " and "…"
	statusShortBadges    = 2  // SANDBOX and READ-ONLY in short words (SBX, RO)
	statusScanShort      = 3  // the scan state in a few words (scanWords.short: no time)
	statusScanTiny       = 4  // … in its fewest (scanWords.tiny: "scan 120k")
	statusAddress        = 5  // a sandbox by its address (its badge says sandbox)
	statusTight          = 6  // the badges lose their padding, the separators their spaces
	statusTenant24       = 7  // the tenant in 24 cells
	statusTenant14       = 8  // the tenant in 14 cells
	statusTenantRoom     = 9  // the tenant in the room the others leave, 12 cells at least
	statusShortUnsettled = 10 // "1 UNSETTLED" reads "1 UNSTLD"
	statusTenant8        = 11 // the tenant in 8 cells at least, its port whole ("…:35417")
	statusNoEsc          = 12 // "(esc cancels)" goes
	statusNoReset        = 13 // the bucket's reset goes ("API 0/2 waiting", "API 2/2")
	statusTightest       = 14 // "waiting" goes (the bucket's 0 says it), the tenant to its least, the scan state cut
)

// StatusLegend explains, one line each, the status bar's badges in their
// short words, as a 60-column bar shows them (statusLine: SANDBOX is SBX,
// READ-ONLY is RO, UNSETTLED is UNSTLD; rateStatus: 429×N): help lists it.
var StatusLegend = [][2]string{
	{"SBX", "sandbox tenant, not Auth0"},
	{"RO", "--read-only: no writes"},
	{"N UNSTLD", "N cut off: linkdesk resume"},
	{"429×N", "N answers 429, waited out"},
}

// statusLine is the status bar's segments, shorter as tight grows (the
// steps above, 0–statusTightest); shortWords gives SANDBOX, READ-ONLY and
// an unknown bucket their short words whatever tight (room for a write's
// label). The tenant takes the room the other segments leave, up to 40
// cells (a step that made the scan state shorter gives it room back),
// less reserve cells kept for a write's label, never less than its step's.
func (m *Model) statusLine(tight int, shortWords bool, reserve int) string {
	s := m.c.Styles
	tenant := m.tenantName()
	if tight >= statusAddress && m.c.Backend != nil {
		tenant = m.c.Backend.TenantAddress()
	}
	least := 40 // the tenant's cells, whatever the room
	switch {
	case tight >= statusTightest:
		least = tenantLeast(tenant)
	case tight >= statusTenant8:
		least = 8
	case tight >= statusTenantRoom:
		least = 12
	case tight >= statusTenant14:
		least = 14
	case tight >= statusTenant24:
		least = 24
	}
	pad, sep := " ", " │ "
	if tight >= statusTight {
		pad, sep = "", "│"
	}
	badge := func(style lipgloss.Style, long, short string, shortAt int) string {
		if tight >= shortAt || shortWords && shortAt == statusShortBadges {
			long = short
		}
		return style.Render(pad + long + pad)
	}
	var badges []string
	if m.c.Backend != nil && m.c.Backend.Sandbox() {
		badges = append(badges, badge(s.Sandbox, "SANDBOX", "SBX", statusShortBadges))
	}
	if m.c.ReadOnly {
		badges = append(badges, badge(s.ReadOnly, "READ-ONLY", "RO", statusShortBadges))
	}
	if m.unsettled > 0 {
		// Whole while the bar's spacing and the scan state can give room;
		// short, it keeps its consonants: "UNSET" would say the opposite.
		n := m.unsettled
		badges = append(badges, badge(s.ReadOnly, fmt.Sprintf("%d UNSETTLED", n), fmt.Sprintf("%d UNSTLD", n), statusShortUnsettled))
	}
	words, esc := m.scanState(), m.scanEsc()
	scan := words.long
	rate, writes := m.rateStatus(tight < statusNoReset, tight < statusTightest), m.writeStatus()
	if shortWords && !m.rate.Known {
		rate = "API –"
	}
	switch {
	case tight >= statusScanTiny:
		scan = words.tiny
	case tight >= statusScanShort:
		scan = words.short
	case tight >= statusScanWords:
		scan = strings.TrimSuffix(strings.TrimPrefix(scan, "scanned "), "…")
	}
	if tight >= statusNoEsc {
		esc = ""
	}
	// room is what the badges, the bucket and the writes leave to the
	// tenant and the scan state.
	fixed := 2*len(pad) + 1 + 2*Width(sep) + Width(rate) + Width(writes) // the tenant's spaces, the separators
	for _, b := range badges {
		fixed += Width(b) + 1
	}
	room := m.width - fixed
	tenantW := min(max(room-Width(scan+esc)-reserve, least), 40)
	name := FitTenant(tenant, tenantW)
	if tight >= statusTightest {
		// Past the worst case the steps are made for (a sandbox, both
		// badges, a 429 and a write at 60 columns): the scan state, which
		// the overview says too, is cut rather than the writes.
		scan = Fit(scan, max(room-Width(name), 4))
	}
	segs := append([]string{s.StatusKey.Render(pad + name + pad)}, badges...)
	return strings.Join(segs, " ") + s.StatusBar.Render(" "+strings.Join([]string{scan + esc, rate, writes}, sep))
}

// tenantLeast is the fewest cells the status bar cuts the tenant to: its
// port and the … before it, or 8 cells of a name without one (at 6,
// acme-production and acme-staging both read "acme-…"; the scan state is
// cut before that).
func tenantLeast(name string) int {
	clean := termsafe.Sanitize(name)
	if _, port := splitPort(clean); port != "" {
		return min(Width(clean), Width(port)+1)
	}
	return min(Width(clean), 8)
}

// escCancelsScan reports whether esc, pressed now, would reach the scan
// (handleKey): on a top-level screen that keeps esc for nothing of its
// own. A screen above it takes esc to go back, a dialog or a field being
// typed in takes it to cancel, a list's filter to clear.
func (m *Model) escCancelsScan() bool {
	if len(m.stack) > 0 || m.tooSmall() {
		return false
	}
	active := m.Active()
	if active.Capturing() {
		return false
	}
	h, ok := active.(EscHandler)
	return !ok || !h.WantsEsc()
}

// scanEsc is " (esc cancels)" while a scan runs that esc, pressed now,
// would cancel; the status bar shows it after the scan state.
func (m *Model) scanEsc() string {
	if m.c.Scan.Running && m.escCancelsScan() {
		return " (esc cancels)"
	}
	return ""
}

// scanWords is the scan state in words, at the three lengths the status
// bar chooses from as it narrows (scanEsc follows it): long "scanned 2,000
// users 14:05", short "2.0k users", tiny for the narrowest bar.
type scanWords struct{ long, short, tiny string }

func (m *Model) scanState() scanWords {
	sc := m.c.Scan
	p := sc.Progress
	r := m.c.Data.Report
	switch {
	case sc.Running:
		if r != nil && r.Method == linking.MethodSnapshot {
			age := Age(m.c.Now().Sub(r.ScannedAt))
			return scanWords{"snapshot " + age + " old, updating…", "snapshot " + age + ", updating", age + ", updating"}
		}
		switch p.Stage {
		case "export":
			if p.Job == "completed" {
				return scanWords{"scan: export ready, downloading…", "scan: downloading", "scan 100%"}
			}
			pct := fmt.Sprintf("scan %d%%", p.Percent)
			return scanWords{fmt.Sprintf("scan: export %s %3d%%", Bar(10, float64(p.Percent)/100), p.Percent), pct, pct}
		case "scan", "download":
			return scanWords{fmt.Sprintf("scan: %s users read, %.1f MB", Count(p.Users), float64(p.Bytes)/1e6),
				"scan: " + ShortCount(p.Users) + " read", "scan " + ShortCount(p.Users)}
		case "connections", "":
			return scanWords{"scan: reading connections…", "scan: connections", "scanning"}
		}
		return scanWords{"scan: " + Fit(p.String(), 40), "scanning", "scanning"}
	case sc.Err != nil:
		return scanWords{"scan failed (r retries)", "scan failed", "scan failed"}
	case sc.Cancelled && !sc.Done:
		return scanWords{"scan cancelled (r scans)", "scan cancelled", "cancelled"}
	case sc.Cancelled:
		if t := m.scanTime(); t != "" {
			// What is on screen stays, and how old it is with it.
			return scanWords{"rescan cancelled; showing the scan of " + t, "rescan cancelled", "cancelled"}
		}
		return scanWords{"rescan cancelled; showing the last scan", "rescan cancelled", "cancelled"}
	case sc.Done:
		if r != nil {
			users := ShortCount(r.UsersScanned) + " users"
			return scanWords{fmt.Sprintf("scanned %s users %s", Count(r.UsersScanned), m.scanTime()), users, users}
		}
		return scanWords{"scanned", "scanned", "scanned"}
	}
	return scanWords{"not scanned (r scans)", "not scanned", "not scanned"}
}

// scanTime is when the report on screen was scanned, as the status bar says it.
func (m *Model) scanTime() string {
	if r := m.c.Data.Report; r != nil {
		return r.ScannedAt.In(m.c.Now().Location()).Format("15:04")
	}
	return ""
}

// rateStatus is the rate-limit bucket as the last answer left it, as it
// stands now: Auth0's reset is the moment the bucket is full again, so
// once it has passed the bucket shows full (limit/limit), whatever the
// last answer said was left; before it, the time left to it (reset), counted
// down at each frame (in tenths while a call waits for the bucket: the
// reset of an empty bucket stays under two seconds). Without reset (a
// window too narrow to hold it) the bucket and "waiting" stay, "full"
// goes (limit/limit says it); without waiting (narrower still), the
// bucket alone.
func (m *Model) rateStatus(reset, waiting bool) string {
	rl := m.rate
	if !rl.Known {
		return "API bucket –"
	}
	left := rl.Reset.Sub(m.c.Now())
	var s string
	switch {
	case left <= 0 && !reset:
		s = fmt.Sprintf("API %d/%d", rl.Limit, rl.Limit)
	case left <= 0:
		s = fmt.Sprintf("API %d/%d full", rl.Limit, rl.Limit)
	case !reset:
		s = fmt.Sprintf("API %d/%d", rl.Remaining, rl.Limit)
	case rl.Waiting:
		s = fmt.Sprintf("API %d/%d reset %.1fs", rl.Remaining, rl.Limit, math.Ceil(left.Seconds()*10)/10)
	default:
		s = fmt.Sprintf("API %d/%d reset %ds", rl.Remaining, rl.Limit, int(math.Ceil(left.Seconds())))
	}
	if rl.Waiting && waiting {
		s += " waiting"
	}
	if rl.Seen429 > 0 {
		s += fmt.Sprintf(" 429×%d", rl.Seen429)
	}
	return s
}

// waitingTick is how often the bucket is sampled while a call waits for
// it: its countdown moves in tenths.
const waitingTick = 250 * time.Millisecond

// rateTick is when the bucket is sampled next after rl: every RateEvery,
// more often while a call waits for the bucket.
func (m *Model) rateTick(rl client.RateLimit) time.Duration {
	if rl.Waiting {
		return min(m.opts.RateEvery, waitingTick)
	}
	return m.opts.RateEvery
}

// writeStatus counts the writes in flight, in one form whatever their
// number and the width ("writes 0"); one write's label follows "writes 1"
// (statusBar).
func (m *Model) writeStatus() string {
	return fmt.Sprintf("writes %d", len(m.writes))
}
