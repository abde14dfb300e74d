package tui

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
)

// Backend makes the commands that talk to the tenant and the audit files:
// tea.Cmd adapters over the session, which does the work. Every method
// returns a command whose closure does the I/O under the context it is
// given and returns one typed message; no closure touches a model.
type Backend struct {
	Session *session.Session
}

// TenantName is the tenant as the status bar shows it.
func (b *Backend) TenantName() string { return b.Session.Name }

// TenantAddress is the tenant's domain, where the status bar has no room
// for its name: a sandbox's name says in words what its badge says.
func (b *Backend) TenantAddress() string {
	if b.Sandbox() && b.Session.Tenant != nil {
		return b.Session.Tenant.Domain()
	}
	return b.Session.Name
}

// Sandbox reports whether the tenant is a sandbox tenant: the one in this
// process, or a `linkdesk emulator` named by its run.
func (b *Backend) Sandbox() bool { return b.Session.Sandbox || b.runNamed() }

// runNamed reports whether the tenant is named by a sandbox run, "sandbox
// RUN (HOST:PORT)" (emulator.TenantName), not by its domain as Auth0's
// tenants are.
func (b *Backend) runNamed() bool {
	s := b.Session
	if s.Tenant == nil || s.Name == s.Tenant.Domain() {
		return false
	}
	run, ok := strings.CutPrefix(s.Name, "sandbox ")
	run, inParens := strings.CutSuffix(run, " ("+s.Tenant.Domain()+")")
	return ok && inParens && run != "" && !strings.Contains(run, " ")
}

// SandboxEndsHere reports whether the sandbox tenant lives in this process
// and ends with it (session.SandboxEnds); a `linkdesk emulator` outlives it.
func (b *Backend) SandboxEndsHere() bool { return b.Session.Sandbox }

// AuditLog is the path of the audit log.
func (b *Backend) AuditLog() string { return b.Session.Paths.AuditLog }

// BackupDir is where backups go before writes.
func (b *Backend) BackupDir() string { return b.Session.Paths.Backups }

// Apply carries operations out as a one-operation plan of the session:
// journal, re-read and compare, backup, audit attempt and result. It is the
// Run of a WriteRequest; its result is a *linking.Result.
func (b *Backend) Apply(ctx context.Context, ops []linking.Operation) (*linking.Result, error) {
	return b.apply(ctx, b.Session.NewPlan(ops...))
}

// apply carries p out through the session, its refusals worded for the
// screen: the operator made no plan here, so a group changed since is
// "reviewed", and what to do next is done on the screen (the audit log
// keeps the command line's words).
func (b *Backend) apply(ctx context.Context, p *linking.Plan) (*linking.Result, error) {
	res, err := b.Session.Apply(ctx, p, session.ApplyOptions{})
	if res != nil {
		res.Stopped = screenWords(res.Stopped)
		for i := range res.Steps {
			res.Steps[i].Error = screenWords(res.Steps[i].Error)
		}
	}
	if err != nil && screenWords(err.Error()) != err.Error() {
		err = screenError{err}
	}
	return res, err
}

// screenWords is a refusal's text as the terminal UI says it.
func screenWords(s string) string {
	s = strings.ReplaceAll(s, "the group changed since the plan was made: ", "the accounts changed since you reviewed them: ")
	return strings.ReplaceAll(s, "; make a new plan", "; look at them again, then start it anew")
}

// screenError is an error whose text is worded for the screen (errors.Is
// and As see the error under it).
type screenError struct{ error }

func (e screenError) Error() string { return screenWords(e.error.Error()) }
func (e screenError) Unwrap() error { return e.error }

// TicketOptions are what the ticket dialog lets the operator set.
type TicketOptions struct {
	TTL               time.Duration // 0: the tenant's default
	ClientID          string        // the application to log in to afterwards
	ResultURL         string        // or the page to land on
	MarkEmailVerified bool
}

// Ticket makes a password-change ticket for one account as a plan of the
// session (read, check, journal, audit records that never hold the URL)
// and returns its URL. It is the Run of a WriteRequest.
func (b *Backend) Ticket(ctx context.Context, userID string, opts TicketOptions, reason string) (string, error) {
	users, err := b.Session.Users(ctx, userID)
	if err != nil {
		return "", Unsent(err)
	}
	op, err := planTicket(users[0], opts, reason)
	if err != nil {
		return "", Unsent(err)
	}
	conns, err := b.Session.Connections(ctx)
	if err != nil {
		return "", Unsent(err)
	}
	p := b.Session.NamedPlan(conns, users, op)
	res, err := b.apply(ctx, p)
	if err != nil {
		if !CallMade(res) {
			err = Unsent(err)
		}
		return "", err
	}
	return res.Steps[0].Ticket, nil
}

// UnsentError is the error of a write that stopped before any of its
// calls went out (a read before them failed or was cancelled): nothing
// reached the tenant, and nothing is left to settle.
type UnsentError struct{ Err error }

func (e *UnsentError) Error() string { return e.Err.Error() }
func (e *UnsentError) Unwrap() error { return e.Err }

// Unsent marks err as the error of a write that sent no call.
func Unsent(err error) error {
	if err == nil {
		return nil
	}
	return &UnsentError{Err: err}
}

// CallMade reports whether a run's result shows a call that went out: a
// step done, failed (the tenant answered) or unknown (sent, its answer
// lost). A run without a result (nil: stopped before its executor) made
// none.
func CallMade(res *linking.Result) bool {
	if res == nil {
		return false
	}
	for _, st := range res.Steps {
		switch st.Status {
		case linking.StatusDone, linking.StatusFailed, linking.StatusUnknown:
			return true
		}
	}
	return false
}

// VerifyEmail sends the verification email of one account (a
// verification-email job) as a plan of the session. It is the Run of a
// WriteRequest.
func (b *Backend) VerifyEmail(ctx context.Context, userID, reason string) (any, error) {
	users, err := b.Session.Users(ctx, userID)
	if err != nil {
		return nil, Unsent(err)
	}
	op, err := planVerifyEmail(users[0], reason)
	if err != nil {
		return nil, Unsent(err)
	}
	conns, err := b.Session.Connections(ctx)
	if err != nil {
		return nil, Unsent(err)
	}
	p := b.Session.NamedPlan(conns, users, op)
	return b.apply(ctx, p)
}

// UndoPreviewMsg answers UndoPreview: the plan that would undo an
// operation, and what was changed since it (conflicts).
type UndoPreviewMsg struct {
	Task      TaskID
	Plan      *linking.Plan
	Conflicts []linking.UndoConflict
	// Conns are the tenant's connections the plan was made with (nil when
	// it was not).
	Conns *linking.Connections
	Err   error
}

func (m UndoPreviewMsg) Answers() TaskID { return m.Task }

// UndoPreview plans, without carrying out, the undo of the operation with
// this op id (any op_id of its audit records).
func (b *Backend) UndoPreview(ctx context.Context, task TaskID, opID, reason string) tea.Cmd {
	return func() tea.Msg {
		p, conflicts, err := b.Session.UndoPlan(ctx, opID, reason)
		msg := UndoPreviewMsg{Task: task, Plan: p, Conflicts: conflicts, Err: err}
		if err == nil {
			msg.Conns, _ = b.Session.Connections(ctx) // read once a session: the plan read them
		}
		return msg
	}
}

// Undo carries out the undo the operator was shown (UndoPreview's plan),
// with the reason given since, as a plan of the session: what reaches the
// tenant is exactly what was shown, and a tenant changed since the preview
// stops it at the step it changed (changed_since_plan) rather than letting
// a new plan overwrite what no one saw. A plan that would overwrite what
// was changed since the operation (conflicts) is refused (undo_conflict)
// unless force, as the CLI's undo --force; its audit records name the
// override. It is the Run of a WriteRequest; its result is a *linking.Result.
func (b *Backend) Undo(ctx context.Context, shown *linking.Plan, reason string, force bool) (*linking.Result, error) {
	return undoShown(ctx, b, shown, reason, force)
}

// UsersMsg answers ReadUsers: the users by id, in the order asked, and the
// tenant's connections, ready for linking's planners.
type UsersMsg struct {
	Task  TaskID
	Users []client.User
	Conns *linking.Connections
	// Access holds their roles and organization memberships (ReadAccounts).
	Access map[string]linking.Access
	// LinkedBy holds, by provider|user_id, the links linkdesk made of the
	// identities linked into the user, that still stand (ReadLinkedInto).
	LinkedBy map[string]linking.LinkedBy
	Err      error
}

func (m UsersMsg) Answers() TaskID { return m.Task }

// ReadUsers reads users by id (consistent) for a plan, under ctx (esc on
// the screen that asked cancels it).
func (b *Backend) ReadUsers(ctx context.Context, task TaskID, ids ...string) tea.Cmd {
	return func() tea.Msg {
		conns, err := b.Session.Connections(ctx)
		if err != nil {
			return UsersMsg{Task: task, Err: err}
		}
		users, err := b.Session.Users(ctx, ids...)
		return UsersMsg{Task: task, Users: users, Conns: conns, Err: err}
	}
}

// ReadLinkedInto is ReadUsers of one account, with the links linkdesk made
// of the identities linked into it and recorded in this tenant's audit
// logs (session.LinkedBy: files only), for an unlink of one of them.
func (b *Backend) ReadLinkedInto(ctx context.Context, task TaskID, userID string) tea.Cmd {
	read := b.ReadUsers(ctx, task, userID)
	return func() tea.Msg {
		msg := read().(UsersMsg)
		if msg.Err == nil && len(msg.Users) == 1 {
			msg.LinkedBy = b.Session.LinkedBy(msg.Users[0])
		}
		return msg
	}
}

// ReadAccounts is ReadUsers with each user's roles and organization
// memberships, which a link carries over to the primary, for a link of
// them: a plan cut off or running that writes one of them refuses it here
// (linking.CheckUnsettledWrite), as the write itself would.
func (b *Backend) ReadAccounts(ctx context.Context, task TaskID, ids ...string) tea.Cmd {
	read := b.ReadUsers(ctx, task, ids...)
	return func() tea.Msg {
		msg := read().(UsersMsg)
		if msg.Err == nil {
			msg.Access, msg.Err = b.Session.Access(ctx, ids...)
		}
		if msg.Err == nil {
			// A plan cut off, or running, that writes these accounts would
			// refuse the write at y: said now, on the plan's review.
			msg.Err = b.refusalAhead(ctx, nil, ids)
		}
		return msg
	}
}

// AheadMsg answers CheckAhead: what the write asked about would be
// refused for before its first call (nil: nothing), or why the journals
// could not be read (the write would be refused for that too).
type AheadMsg struct {
	Task TaskID
	Err  error
}

func (m AheadMsg) Answers() TaskID { return m.Task }

// CheckAhead reads this tenant's journals (no call to the tenant) for the
// write of ops, or, for a write planned only at y (a ticket, a
// verification email), of the accounts userIDs, and answers with what
// session.Apply would refuse it for before its first call: another plan
// writing the same accounts, running now or cut off and not settled
// (linking.CheckUnsettledWrite). A dialog asks as it opens, to say so in
// place of its question rather than after y.
func (b *Backend) CheckAhead(ctx context.Context, task TaskID, ops []linking.Operation, userIDs []string) tea.Cmd {
	return func() tea.Msg {
		return AheadMsg{Task: task, Err: b.refusalAhead(ctx, ops, userIDs)}
	}
}

// refusalAhead is what a write of ops (nil: of the accounts userIDs) would
// be refused for before its first call, as Apply checks it: the one check
// of the link wizard's review and of every write dialog. Nothing in
// read-only mode, where every write is refused anyway.
func (b *Backend) refusalAhead(ctx context.Context, ops []linking.Operation, userIDs []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.Session.ReadOnly {
		return nil
	}
	if ops != nil {
		return b.Session.CheckNotInterleaved(&linking.Plan{Operations: ops}) // a plan not made yet: no journal of its own
	}
	iv, err := b.Session.Interleaving()
	if err != nil {
		return err
	}
	return iv.Check("", userIDs)
}

// Scan starts a whole-tenant scan under ctx (cancel it to stop the scan).
// Unless full, the tenant's snapshot is shown first (ScanSnapshotMsg, read
// from disk without a call but the connections) while the scan brings it
// up to date; full exports whatever the snapshot. Progress arrives as
// ScanProgressMsg, the end as ScanDoneMsg. The scan leaves the process's
// garbage collector as it is: the UI lives on.
func (b *Backend) Scan(ctx context.Context, task TaskID, full bool) tea.Cmd {
	events := make(chan tea.Msg, 8)
	if b.Session.Tenant == nil {
		return func() tea.Msg { return ScanDoneMsg{Task: task, Err: session.ErrNoTenant} }
	}
	start := func() tea.Msg {
		go func() {
			defer close(events)
			if !full {
				if snap, err := b.Session.Snapshot(); err == nil {
					conns := snap.Conns() // as the last scan read them: shown at once, the tenant reachable or not
					if conns == nil {
						conns, err = b.Session.Connections(ctx)
					}
					if err == nil {
						if rep, err := snap.Load(ctx, conns, scan.Request{}); err == nil {
							rep.Tenant = b.Session.Name
							events <- ScanSnapshotMsg{Task: task, Report: rep, Conns: conns}
						}
					}
				}
			}
			rep, err := b.Session.Scan(ctx, scan.Request{
				Full: full,
				Progress: func(p scan.Progress) {
					select { // progress may be dropped when the UI is behind; the end never is
					case events <- ScanProgressMsg{Task: task, Progress: p}:
					default:
					}
				},
			})
			if ctx.Err() != nil {
				rep, err = nil, ctx.Err()
			}
			var conns *linking.Connections
			if err == nil {
				conns, _ = b.Session.Connections(ctx) // read once by the scan: no call
			}
			events <- ScanDoneMsg{Task: task, Report: rep, Conns: conns, Err: err}
		}()
		return nextScanEvent(events)()
	}
	return start
}

// nextScanEvent waits for the scan's next event; a progress message carries
// the command that waits for the one after, so the channel is always drained.
func nextScanEvent(events <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-events
		if !ok {
			return nil
		}
		switch m := msg.(type) {
		case ScanProgressMsg:
			m.next = nextScanEvent(events)
			return m
		case ScanSnapshotMsg:
			m.next = nextScanEvent(events)
			return m
		}
		return msg
	}
}

// ReadGroup re-reads the accounts of one email and classifies them again
// with linking's own code, without a rescan.
func (b *Backend) ReadGroup(ctx context.Context, task TaskID, email string) tea.Cmd {
	return func() tea.Msg {
		g, err := b.Session.ReadGroup(ctx, email)
		return GroupReadMsg{Task: task, Email: email, Group: g, Err: err}
	}
}

// ReadAudit reads the whole audit log as calls, newest first.
func (b *Backend) ReadAudit(task TaskID) tea.Cmd {
	path := b.AuditLog()
	return func() tea.Msg {
		calls, skipped, err := session.ReadCalls(path)
		return AuditMsg{Task: task, Calls: calls, Skipped: skipped, Err: err, Elsewhere: b.Session.Paths.PlanLogs(b.Session.Name)}
	}
}

// What the screens show of the session's reads, named here so that views
// reach the session through tui only.
type (
	// Account is an account as ReadAccount read it.
	Account = session.Account
	// Found is what Find found.
	Found = session.Found
	// Call is one call of the audit log.
	Call = session.Call
)

// FoundBySearch is how Find read accounts named by username or phone.
const FoundBySearch = session.FoundBySearch

// FoundMsg answers Find.
type FoundMsg struct {
	Task  TaskID
	Found *session.Found
	Err   error
}

// Find finds any account by email, user id, username or phone, without an
// export and beside a running scan, under ctx (esc on the screen cancels).
func (b *Backend) Find(ctx context.Context, task TaskID, query string) tea.Cmd {
	return func() tea.Msg {
		f, err := b.Session.Find(ctx, query)
		return FoundMsg{Task: task, Found: f, Err: err}
	}
}

// AccountMsg answers ReadAccount.
type AccountMsg struct {
	Task    TaskID
	UserID  string // the account asked for
	Account *session.Account
	Err     error
}

func (m AccountMsg) Answers() TaskID { return m.Task }

// ReadAccount reads one account with its roles, organizations and the
// accounts sharing its email.
func (b *Backend) ReadAccount(ctx context.Context, task TaskID, userID string) tea.Cmd {
	return func() tea.Msg {
		a, err := b.Session.ReadAccount(ctx, userID)
		return AccountMsg{Task: task, UserID: userID, Account: a, Err: err}
	}
}

// UnsettledMsg answers CheckUnsettled: earlier writes on this tenant that
// were cut off and are not settled yet.
type UnsettledMsg struct {
	Task TaskID
	List []session.Unsettled
	// Running are the plans another linkdesk is carrying out now (a
	// `linkdesk resume` in another shell): not unsettled, but what they
	// write to the audit log is not there yet.
	Running []string
	Err     error
}

// CheckUnsettled looks for earlier writes on this tenant that were cut
// off, reading the journals (no call to the tenant).
func (b *Backend) CheckUnsettled(task TaskID) tea.Cmd {
	return func() tea.Msg {
		list, err := b.Session.Unsettled()
		// A plan another linkdesk is running now is not cut off: resume
		// would leave it alone, and so does the warning.
		var running []string
		list = slices.DeleteFunc(list, func(u session.Unsettled) bool {
			if u.InUse {
				running = append(running, u.PlanID)
			}
			return u.InUse
		})
		return UnsettledMsg{Task: task, List: list, Running: running, Err: err}
	}
}

// RateLimitTick samples the rate-limit bucket after d.
func (b *Backend) RateLimitTick(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(now time.Time) tea.Msg {
		var rl client.RateLimit
		if b.Session.Tenant != nil {
			rl = b.Session.Tenant.RateLimit()
		}
		return RateLimitMsg{Limit: rl, Now: now}
	})
}
