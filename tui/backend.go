package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// Backend makes the commands that talk to the tenant and the audit files.
// Every method returns a tea.Cmd whose closure does the I/O and returns one
// typed message; no closure touches a model.
type Backend struct {
	Tenant     client.Tenant
	TenantName string // as the status bar shows it
	Sandbox    bool
	ReadOnly   bool
	AuditLog   string // path of the audit log
	BackupDir  string // where backups go before writes
	Operator   string

	connsMu sync.Mutex
	conns   *linking.Connections

	execMu sync.Mutex
	exec   *linking.Executor
	log    *audit.Log
}

var errNoTenant = errors.New("no tenant connected")

// Close closes the audit log if a write opened it.
func (b *Backend) Close() error {
	b.execMu.Lock()
	defer b.execMu.Unlock()
	if b.log == nil {
		return nil
	}
	return b.log.Close()
}

// executor opens the audit log and the backup directory at the first write,
// so that a session that only looks creates no file.
func (b *Backend) executor() (*linking.Executor, error) {
	b.execMu.Lock()
	defer b.execMu.Unlock()
	if b.exec != nil {
		return b.exec, nil
	}
	if b.ReadOnly {
		return nil, linking.ReadOnlyError()
	}
	if b.Tenant == nil {
		return nil, errNoTenant
	}
	log, err := audit.OpenLog(b.AuditLog)
	if err != nil {
		return nil, err
	}
	backups, err := audit.OpenBackups(b.BackupDir)
	if err != nil {
		log.Close()
		return nil, err
	}
	b.log = log
	b.exec = &linking.Executor{Tenant: b.Tenant, TenantName: b.TenantName, Operator: b.Operator, Log: log, Backups: backups, ReadOnly: b.ReadOnly}
	return b.exec, nil
}

// Apply carries operations out through linking's executor (re-read and
// compare, backup, audit attempt and result), as a one-off plan. It is the
// Run of a WriteRequest; its result is a *linking.Result.
func (b *Backend) Apply(ctx context.Context, ops []linking.Operation) (*linking.Result, error) {
	e, err := b.executor()
	if err != nil {
		return nil, err
	}
	plan := linking.NewPlan(b.TenantName, b.Operator, time.Now())
	plan.Add(ops...)
	return e.Apply(ctx, plan)
}

// TicketOnRecord makes a password-change ticket through the executor, which
// writes its audit records.
func (b *Backend) TicketOnRecord(ctx context.Context, userID, reason string) (string, error) {
	e, err := b.executor()
	if err != nil {
		return "", err
	}
	return e.Ticket(ctx, userID, reason)
}

// UsersMsg answers ReadUsers: the users by id, in the order asked, and the
// tenant's connections, ready for linking's planners.
type UsersMsg struct {
	Task  TaskID
	Users []client.User
	Conns *linking.Connections
	Err   error
}

// ReadUsers reads users by id (consistent) for a plan.
func (b *Backend) ReadUsers(task TaskID, ids ...string) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		conns, err := b.connections(ctx)
		if err != nil {
			return UsersMsg{Task: task, Err: err}
		}
		users, err := linking.ReadUsers(ctx, b.Tenant, ids...)
		return UsersMsg{Task: task, Users: users, Conns: conns, Err: err}
	}
}

// Scan starts a whole-tenant scan under ctx (cancel it to stop the scan).
// Progress arrives as ScanProgressMsg, the end as ScanDoneMsg.
func (b *Backend) Scan(ctx context.Context, task TaskID) tea.Cmd {
	events := make(chan tea.Msg, 8)
	if b.Tenant == nil {
		return func() tea.Msg { return ScanDoneMsg{Task: task, Err: errNoTenant} }
	}
	start := func() tea.Msg {
		go func() {
			defer close(events)
			rep, err := linking.ScanTenant(ctx, b.Tenant, linking.ScanRequest{
				Progress: func(p linking.Progress) {
					select { // progress may be dropped when the UI is behind; the end never is
					case events <- ScanProgressMsg{Task: task, Progress: p}:
					default:
					}
				},
			})
			if ctx.Err() != nil {
				rep, err = nil, ctx.Err()
			}
			events <- ScanDoneMsg{Task: task, Report: rep, Err: err}
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
		if p, isProgress := msg.(ScanProgressMsg); isProgress {
			p.next = nextScanEvent(events)
			return p
		}
		return msg
	}
}

// ReadGroup re-reads the accounts of one email (users-by-email with the
// case-insensitive search, both consistent) and classifies them again with
// linking's own code, without a rescan.
func (b *Backend) ReadGroup(task TaskID, email string) tea.Cmd {
	return func() tea.Msg {
		g, err := b.readGroup(context.Background(), email)
		return GroupReadMsg{Task: task, Email: email, Group: g, Err: err}
	}
}

func (b *Backend) readGroup(ctx context.Context, email string) (*linking.Group, error) {
	conns, err := b.connections(ctx)
	if err != nil {
		return nil, err
	}
	users, err := b.Tenant.UsersByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("re-reading %s: %w", email, err)
	}
	g := &linking.Group{Email: linking.NormalizeEmail(email)}
	if g.Email == "" {
		g.Email = email
	}
	for _, u := range users {
		a := linking.AccountFromUser(u, conns)
		g.Accounts = append(g.Accounts, &a)
	}
	linking.Classify(g, conns)
	return g, nil
}

// connections reads the tenant's connections once and keeps them: a re-read
// group is classified with the same settings as the scan.
func (b *Backend) connections(ctx context.Context) (*linking.Connections, error) {
	if b.Tenant == nil {
		return nil, errNoTenant
	}
	b.connsMu.Lock()
	defer b.connsMu.Unlock()
	if b.conns != nil {
		return b.conns, nil
	}
	conns, err := linking.ReadConnections(ctx, b.Tenant)
	if err != nil {
		return nil, err
	}
	b.conns = conns
	return conns, nil
}

// ReadAudit reads the newest n records of the audit log.
func (b *Backend) ReadAudit(task TaskID, n int) tea.Cmd {
	return func() tea.Msg {
		recs, skipped, err := audit.ReadLogTail(b.AuditLog, n)
		return AuditMsg{Task: task, Records: recs, Skipped: skipped, Err: err}
	}
}

// RateLimitTick samples the rate-limit bucket after d.
func (b *Backend) RateLimitTick(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(now time.Time) tea.Msg {
		var rl client.RateLimit
		if b.Tenant != nil {
			rl = b.Tenant.RateLimit()
		}
		return RateLimitMsg{Limit: rl, Now: now}
	})
}
