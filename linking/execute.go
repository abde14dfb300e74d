package linking

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
)

// Executor carries plans out through a tenant, on the record: for every
// step it re-reads the users by id and stops if they differ from what the
// plan expects, backs them up before a call that changes or removes their
// data, appends an audit attempt before the call and a result after it, and
// (for apply) keeps the journal that lets an interrupted run resume without
// performing any step twice.
type Executor struct {
	Tenant     client.Tenant
	TenantName string         // what the audit log calls the tenant (default Tenant.Domain())
	Operator   string         // who acts, for the audit log
	Log        *audit.Log     // required for any write
	Backups    *audit.Backups // required for patch, link and delete steps
	Journal    *audit.Journal // optional: apply's step states, opened for the plan's id and steps
	ReadOnly   bool           // refuse every write before any call, backup or audit record
	// Progress, when set, hears about every step as it ends (or is skipped).
	Progress func(StepReport)
	// Undone are the operations of the plan an earlier run made and an
	// undo (or a command of its own) took apart since, by operation id,
	// each with what took it apart: the run neither confirms their steps
	// nor makes them again (StatusUndone), and goes on with the others.
	Undone map[string]string
	// RunReason is the operator's words for this run (apply --reason),
	// recorded with every call beside its operation's own reason.
	RunReason string
	// Connections gives the tenant's connections, which a link's safety
	// checks read again at run time (Non-Unique Email connections); nil:
	// the executor reads them from Tenant once, when a link needs them.
	Connections func(context.Context) (*Connections, error)

	// answer is the user a metadata PATCH of this run answered with, kept
	// for the next step of the same operation only (see check).
	answer *stepAnswer
	// calls are the plan's calls as its operations derive them, by step id.
	calls map[string]stepCall
	// seen caches what confirming done steps read, for one run.
	seen map[string]confirmRead
	// recordedIn are the audit logs this run appended to (Result.AuditLogs).
	recordedIn []string
	// conns are the connections read for a link's checks, for one run.
	conns *Connections
	// read are the users as this run last read them, by user id: the names
	// a plan gives them in the audit log must hold on them (nameHolds).
	read map[string]client.User
	// compared, in a dry run's check only (Precheck), are the users an
	// earlier step compared with the plan and writes: not compared again.
	compared map[string]bool
}

// stepAnswer is what the step just done leaves known of its users for the
// next step of the same operation: a user as the tenant answered a write
// with it, the others as the step had just read them by id for its check,
// and their roles and memberships as read then and changed by the step's
// own call. The next step's check takes them instead of reading again.
type stepAnswer struct {
	plan, op string // the operation whose step wrote it
	user     client.User
	read     []client.User     // read by id for the step's check, not written by it
	access   map[string]Access // by user id
}

// userFor returns the user id as the step before left it, if it did.
func (a *stepAnswer) userFor(id string) (client.User, bool) {
	if a == nil {
		return client.User{}, false
	}
	if a.user.UserID == id && len(a.user.Raw) > 0 {
		return a.user, true
	}
	for _, u := range a.read {
		if u.UserID == id && len(u.Raw) > 0 {
			return u, true
		}
	}
	return client.User{}, false
}

// accessFor returns the roles and memberships of user id as the step
// before left them, if it knew them.
func (a *stepAnswer) accessFor(id string) (Access, bool) {
	if a == nil {
		return Access{}, false
	}
	acc, ok := a.access[id]
	return acc, ok
}

// answerAfter is what a done step leaves known for the next one (nil when
// its call changes what it cannot tell: a link, an unlink, a deletion).
func answerAfter(p *Plan, op Operation, c stepCall, users []readState, written *client.User) *stepAnswer {
	a := &stepAnswer{plan: p.ID, op: op.ID, access: map[string]Access{}}
	switch c.Action {
	case ActionPatchMetadata:
		if written == nil {
			return nil
		}
		a.user = *written
	case ActionAssignRoles, ActionRemoveRoles, ActionAddMember, ActionRemoveMember:
	default:
		return nil
	}
	for _, u := range users {
		if !u.found {
			continue
		}
		if written == nil || u.user.UserID != written.UserID {
			a.read = append(a.read, u.user)
		}
		if u.access == nil {
			continue
		}
		acc := *u.access
		if u.user.UserID == c.args.user {
			acc = changedAccess(acc, c, users)
		}
		a.access[u.user.UserID] = acc
	}
	return a
}

// changedAccess is acc once call c changed it: roles and memberships added
// or removed, named as the other users of the step hold them.
func changedAccess(acc Access, c stepCall, users []readState) Access {
	known := func(id string) (client.Role, client.Organization) {
		r, o := client.Role{ID: id}, client.Organization{ID: id}
		for _, u := range users {
			if u.access == nil {
				continue
			}
			for _, x := range u.access.Roles {
				if x.ID == id {
					r = x
				}
			}
			for _, x := range u.access.Organizations {
				if x.ID == id {
					o = x
				}
			}
		}
		return r, o
	}
	out := Access{Roles: slices.Clone(acc.Roles), Organizations: slices.Clone(acc.Organizations)}
	switch c.Action {
	case ActionAssignRoles:
		for _, id := range c.args.roles {
			if !slices.ContainsFunc(out.Roles, func(r client.Role) bool { return r.ID == id }) {
				r, _ := known(id)
				out.Roles = append(out.Roles, r)
			}
		}
	case ActionRemoveRoles:
		out.Roles = slices.DeleteFunc(out.Roles, func(r client.Role) bool { return slices.Contains(c.args.roles, r.ID) })
	case ActionAddMember:
		if !slices.ContainsFunc(out.Organizations, func(o client.Organization) bool { return o.ID == c.args.org }) {
			_, o := known(c.args.org)
			out.Organizations = append(out.Organizations, o)
		}
	case ActionRemoveMember:
		out.Organizations = slices.DeleteFunc(out.Organizations, func(o client.Organization) bool { return o.ID == c.args.org })
	}
	return out
}

// StepStatus is how a step ended in one run.
type StepStatus string

// Step statuses.
const (
	StatusDone        StepStatus = "done"         // performed in this run
	StatusAlreadyDone StepStatus = "already_done" // done by an earlier run (journal), or found done on resume
	StatusFailed      StepStatus = "failed"       // the tenant answered with an error; nothing changed
	StatusRefused     StepStatus = "refused"      // a safety check stopped it before the call
	StatusUnknown     StepStatus = "unknown"      // the call went out; whether it took effect is not known yet
	StatusNotRun      StepStatus = "not_run"      // the run stopped before it
	StatusDiscarded   StepStatus = "discarded"    // left undone for good (linkdesk resume --discard): this plan never makes it
	StatusUndone      StepStatus = "undone"       // made by an earlier run, taken apart since (its undo): this plan does not make it again
)

// StepReport is what happened to one step.
type StepReport struct {
	Op     string     `json:"op"`
	Step   string     `json:"step"`
	Action string     `json:"action"`
	Call   Call       `json:"call"`
	Status StepStatus `json:"status"`
	Backup string     `json:"backup,omitempty"` // the backup file written before the call
	// BackupSum is the backup file's SHA-256 as written (audit.Record.BackupSum).
	BackupSum string `json:"backup_sha256,omitempty"`
	Note      string `json:"note,omitempty"`
	Error     string `json:"error,omitempty"`
	// OpID is the op_id of the step's call in the audit log (its last, if
	// tried again): what `linkdesk undo` takes. "" for a step with no call.
	OpID string `json:"op_id,omitempty"`
	// Ticket is the URL a ticket step made: for the operator's eyes, never
	// in the audit log, a backup or the journal.
	Ticket string `json:"ticket,omitempty"`
}

// refused reports a step its check stopped: refused when a safety check
// failed, not run when the check itself could not be made.
func (r *StepReport) refused(err error) {
	r.Status, r.Error = StatusRefused, audit.Scrub(err.Error())
	if _, ok := AsSafetyError(err); !ok {
		r.Status = StatusNotRun
	}
}

// unsettled reports a step an earlier run left started or unknown that
// could not be settled: refused when the tenant changed, unknown otherwise.
func (r *StepReport) unsettled(err error) {
	r.Status, r.Error = StatusUnknown, audit.Scrub(err.Error())
	if se, ok := AsSafetyError(err); ok {
		r.Status, r.Error = StatusRefused, se.Error()
	}
}

// cutOffDuring is what a call an earlier run was cut off during met in
// place of its answer (audit.Record.AnswerLost, as resume settles it).
const cutOffDuring = "an earlier run was cut off during this call"

// resumedDone is the note of a step an earlier run was cut off in, done.
const resumedDone = cutOffDuring + "; the tenant shows it took effect"

// Result is what a run did and did not do.
type Result struct {
	PlanID string       `json:"plan_id"`
	Steps  []StepReport `json:"steps"`
	// AuditLogs are the audit logs the run recorded in (one, unless a
	// call settled went beside its attempt in another); none when it
	// recorded nothing (refused before its first call).
	AuditLogs []string `json:"audit_logs,omitempty"`
	Stopped   string   `json:"stopped,omitempty"` // why the run stopped before the end
	Err       error    `json:"-"`
}

// Count returns how many steps ended with status st.
func (r *Result) Count(st StepStatus) int {
	n := 0
	for _, s := range r.Steps {
		if s.Status == st {
			n++
		}
	}
	return n
}

// Complete reports whether every step of the plan is done (now or before).
func (r *Result) Complete() bool {
	return r.Err == nil && r.Count(StatusDone)+r.Count(StatusAlreadyDone) == len(r.Steps)
}

// ErrInterrupted is matched by the error of a run whose context was
// cancelled (Ctrl-C) between steps or during a call.
var ErrInterrupted = errors.New("interrupted")

// ReadOnlyError is the refusal of any write in a read-only session.
func ReadOnlyError() *SafetyError {
	return refuse(CheckReadOnly, nil, "read-only mode (--read-only): writes are disabled, and no call, backup or audit record was made")
}

// Apply carries out the plan's steps in order and stops at the first step
// that fails, is refused, or whose outcome stays unknown. Every call is
// derived from its operation (a plan whose stored calls disagree is
// refused before anything). Steps the journal records as done are
// confirmed against the tenant and skipped (refused, CheckJournalDisagrees,
// when the tenant does not show them done); a step it records as started or
// unknown is first resolved by reading the tenant. The returned Result
// lists every step; its Err (also returned) says why the run stopped.
func (e *Executor) Apply(ctx context.Context, p *Plan) (*Result, error) {
	res := &Result{PlanID: p.ID}
	e.recordedIn = nil
	defer func() { res.AuditLogs = e.recordedIn }()
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			res.Steps = append(res.Steps, StepReport{Op: op.ID, Step: s.ID, Action: s.Action, Call: s.Call, Status: StatusNotRun})
		}
	}
	stop := func(err error) (*Result, error) {
		res.Err = err
		res.Stopped = audit.Scrub(err.Error())
		for i := range res.Steps {
			if st := &res.Steps[i]; st.Status == StatusNotRun && e.state(st.Step) == audit.StepDone {
				st.Note = RecordedDoneNote // not "not done": not confirmed either
			}
		}
		return res, err
	}
	e.answer, e.seen = nil, map[string]confirmRead{}
	if err := e.ready(p); err != nil {
		return stop(err)
	}
	i := 0
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			rep := &res.Steps[i]
			i++
			if err := ctx.Err(); err != nil {
				return stop(fmt.Errorf("%w before step %s: %v", ErrInterrupted, s.ID, err))
			}
			err := e.step(ctx, p, op, s, rep)
			if e.Progress != nil {
				e.Progress(*rep)
			}
			if err != nil {
				return stop(err)
			}
		}
	}
	return res, nil
}

// Settle resolves, by reading the tenant, every step an earlier run left
// started or unknown (interrupted during its call), records each outcome
// in the audit log and the journal, and makes no call of its own: what is
// left to do stays for the operator to finish (Apply) or leave. It needs
// the plan's journal.
func (e *Executor) Settle(ctx context.Context, p *Plan) (*Result, error) {
	res := &Result{PlanID: p.ID}
	e.recordedIn = nil
	defer func() { res.AuditLogs = e.recordedIn }()
	if err := e.ready(p); err != nil {
		res.Err = err
		return res, err
	}
	if e.Journal == nil {
		return res, errors.New("executor: settling needs the plan's journal")
	}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			rep := StepReport{Op: op.ID, Step: s.ID, Action: s.Action, Call: s.Call, Status: StatusNotRun}
			switch e.state(s.ID) {
			case audit.StepDone:
				rep.Status = StatusAlreadyDone
			case audit.StepSkipped:
				rep.Status, rep.Note = StatusDiscarded, DiscardedNote(e.journalStatus(s.ID).Note)
			case audit.StepStarted, audit.StepUnknown:
				cut := e.cutOpID(s.ID)
				done, err := e.resolveOnResume(ctx, p, op, s)
				var again *notMadeAgain
				switch {
				case errors.As(err, &again): // settled: it may have gone out; made again only if the operator finishes
					rep.Status, rep.Note, err = StatusUnknown, again.why, nil
				case err != nil:
					rep.unsettled(err)
				case done:
					rep.Status, rep.Note, rep.OpID = StatusAlreadyDone, resumedDone, cut
				case s.Action == ActionTicket || s.Action == ActionVerifyEmail:
					rep.Note = "an earlier run was cut off before this call was made: finishing the plan makes it"
				default:
					rep.Note = "an earlier run was cut off during this call; the tenant shows it did not take effect"
				}
				if err != nil && res.Err == nil {
					res.Err, res.Stopped = err, audit.Scrub(err.Error())
				}
			case audit.StepFailed:
				rep.Note = e.journalStatus(s.ID).Note
			}
			res.Steps = append(res.Steps, rep)
		}
	}
	return res, res.Err
}

func (e *Executor) ready(p *Plan) error {
	if e.ReadOnly {
		return ReadOnlyError()
	}
	if e.Tenant == nil || e.Log == nil {
		return errors.New("executor: a tenant and an audit log are needed to write")
	}
	calls, err := p.derive()
	if err != nil {
		return err
	}
	e.calls = calls
	if e.Journal != nil && e.Journal.PlanID() != p.ID {
		return fmt.Errorf("journal %s belongs to plan %s, not %s", e.Journal.Path(), e.Journal.PlanID(), p.ID)
	}
	return nil
}

func (e *Executor) tenantName() string {
	if e.TenantName != "" {
		return e.TenantName
	}
	return e.Tenant.Domain()
}

func (e *Executor) state(step string) audit.StepState {
	if e.Journal == nil {
		return audit.StepPending
	}
	return e.Journal.State(step)
}

func (e *Executor) mark(step string, st audit.StepState, note string) error {
	if e.Journal == nil {
		return nil
	}
	return e.Journal.Mark(step, st, note)
}

// markStarted marks a step started before its attempt and call, naming
// the audit log the attempt goes to (see attempted).
func (e *Executor) markStarted(step, opID string) error {
	if e.Journal == nil {
		return nil
	}
	return e.Journal.MarkStarted(step, opID, e.Log.Path())
}

// step runs one step, filling rep; a non-nil error stops the run.
func (e *Executor) step(ctx context.Context, p *Plan, op Operation, s Step, rep *StepReport) error {
	answer := e.answer
	e.answer = nil // good for the step right after its write only
	if answer != nil && (answer.plan != p.ID || answer.op != op.ID) {
		answer = nil
	}
	if by, ok := e.Undone[op.ID]; ok && e.state(s.ID) != audit.StepStarted && e.state(s.ID) != audit.StepUnknown {
		// Its effect is gone by the operator's own undo: not a journal
		// disagreeing with the tenant, nor work left to do.
		rep.Status, rep.Note = StatusUndone, "taken apart since by "+by+": this plan does not make it again"
		return nil
	}
	switch e.state(s.ID) {
	case audit.StepSkipped:
		rep.Status, rep.Note = StatusDiscarded, DiscardedNote(e.journalStatus(s.ID).Note)
		return nil
	case audit.StepDone:
		note, err := e.confirmDone(ctx, p, s)
		if err != nil {
			rep.refused(err)
			return err
		}
		rep.Status, rep.Note = StatusAlreadyDone, note
		return nil
	case audit.StepStarted, audit.StepUnknown:
		cut := e.cutOpID(s.ID)
		done, err := e.resolveOnResume(ctx, p, op, s)
		var again *notMadeAgain
		switch {
		case errors.As(err, &again):
			rep.Status, rep.Error = StatusUnknown, again.why
			return err
		case err != nil:
			rep.unsettled(err)
			return err
		}
		if done {
			rep.Status, rep.Note, rep.OpID = StatusAlreadyDone, resumedDone, cut
			return nil
		}
	}
	return e.perform(ctx, p, op, s, rep, answer)
}

// perform checks, backs up, records and makes the call of a step that has
// not been done. answer, when set, is the user the step before wrote.
func (e *Executor) perform(ctx context.Context, p *Plan, op Operation, s Step, rep *StepReport, answer *stepAnswer) error {
	call := e.calls[s.ID].args
	clear(e.seen) // what confirming read is stale once this run writes
	if s.Action == ActionLink {
		// The link ends the secondary, its metadata, block, roles and
		// memberships, and puts it under the primary's block: both are read
		// again just before the call, not taken as the steps before left
		// them, or a change made meanwhile (the pacer's waits widen the
		// gap) would be linked away unseen, missing from the link's backup
		// too. Reads more for a link that has steps before it.
		answer = nil
	}
	users, err := e.preflight(ctx, p, op, s, answer)
	if err != nil {
		rep.refused(err)
		return err
	}
	if needsBackup(s.Action, users) {
		path, sum, err := e.backup(p, op, s, users)
		if err != nil {
			rep.Status, rep.Error = StatusRefused, err.Error()
			return err
		}
		rep.Backup, rep.BackupSum = path, sum
	}
	c := &onRecord{}
	for attempt := 1; ; attempt++ {
		retry, err := e.call(ctx, p, op, s, call, users, rep, c, attempt < maxCallAttempts)
		if !retry {
			return err
		}
		if err := client.Sleep(ctx, time.Duration(attempt)*retryPause); err != nil {
			return e.notSentAgain(p, op, s, rep, c, err)
		}
	}
}

// preflight reads the users of a step that has not been done and runs on
// them every check the step must pass before its call (answer, when set, is
// the user the step before wrote): they are as the plan expects, named as
// it names them, a link's safety checks again, an unlink's block, the
// access token's scopes, and the roles and memberships a link would end.
// A run makes them before each call (perform); a dry run of apply makes
// them on the tenant as it is now (Precheck), without a call.
func (e *Executor) preflight(ctx context.Context, p *Plan, op Operation, s Step, answer *stepAnswer) ([]readState, error) {
	users, err := e.checkWith(ctx, s, answer)
	if err == nil {
		err = checkNames(op, users)
	}
	switch {
	case err != nil:
	case op.Kind == OpLink && len(users) == 2 && users[0].found && users[1].found:
		// The plan's own checks again, on the users as they are now: a
		// block set since the plan, or a plan file whose operation names
		// other accounts than its checks saw, is refused before the link's
		// first write. Only the overrides the operation names (and the
		// audit log records) let a check through.
		err = e.checkLink(ctx, op, users[0].user, users[1].user)
	case s.Action == ActionUnlink && len(users) > 0 && users[0].found && users[0].user.Blocked != op.KeepBlocked:
		// A block set or lifted since the plan changes what the unlink must do.
		err = unlinkBlockChanged(users[0].user, op.Secondary)
	}
	if err != nil {
		return nil, err
	}
	if err := e.readRemovedAccess(ctx, s, users); err != nil {
		return nil, err
	}
	if err := e.checkScopes(p, op, s); err != nil {
		return nil, err
	}
	if op.Kind == OpLink && (s.Action == ActionLink || s.ID == op.Steps[0].ID) {
		// Checked before the operation's first write, against what its
		// steps carry over, and again at the link.
		if err := e.checkCarried(ctx, op, s, users); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// onRecord is one call of a step as the audit log tells it, however many
// times its request goes out: one op id, one attempt, one result, which
// lists the tries before the last (audit.Record.Retries), whether the
// client sent the request again by itself or the executor did.
type onRecord struct {
	opID string
	mu   sync.Mutex
	// retries are the tries after which the request went out again.
	retries []audit.Retry
	// again is the try the executor is to send again after, once it does,
	// and read what reading the tenant showed of it.
	again *audit.Retry
	read  string
	// found is the try the client found made by reading the tenant after
	// its answer was lost (client.WithReadBack): the try the result tells.
	found *audit.Retry
}

// heard keeps a try the client sent again by itself (client.WithResent).
func (c *onRecord) heard(r client.Resent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retries = append(c.retries, audit.Retry{Time: r.Time, Status: r.Status, Error: r.Err, Note: r.Why + ", so the client sent it again"})
}

// readBack keeps a try the client found made by reading the tenant.
func (c *onRecord) readBack(r client.ReadBack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.found = &audit.Retry{Time: r.Time, Status: r.Status, Error: r.Err}
}

// sendingAgain keeps the try the executor sends again after, as it does.
func (c *onRecord) sendingAgain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.again != nil {
		c.retries = append(c.retries, *c.again)
		c.again = nil
	}
	c.found = nil
}

// foundMade is the try of this call the client found made, if any.
func (c *onRecord) foundMade() *audit.Retry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.found
}

// tryOf is a try that met callErr, with its status when it was answered.
func tryOf(callErr error) audit.Retry {
	t := audit.Retry{Time: time.Now().UTC(), Error: audit.Scrub(callErr.Error())}
	if apiErr := (*client.Error)(nil); errors.As(callErr, &apiErr) {
		t.Status = apiErr.StatusCode
	}
	return t
}

// tries are the tries before the one the result tells, oldest first.
func (c *onRecord) tries() []audit.Retry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.retries)
}

// retriedNote says, for a call's result, that its request went out more
// than once and what each try before the last met: "sent 2 times: try 1
// answered 503 … (why it was sent again)". "" when it went out once.
func retriedNote(s Step, tries []audit.Retry) string {
	if len(tries) == 0 {
		return ""
	}
	parts := make([]string, len(tries))
	for i, t := range tries {
		what := triedWhat(s, t)
		met := "answered " + what
		if t.Status == 0 {
			met = "got no answer: " + what
		}
		if t.Note != "" {
			met += " (" + t.Note + ")"
		}
		parts[i] = fmt.Sprintf("try %d %s", i+1, met)
	}
	return fmt.Sprintf("sent %d times: %s", len(tries)+1, strings.Join(parts, "; "))
}

// triedWhat is what a try met, without the call's method and path, which
// are on the record beside it.
func triedWhat(s Step, t audit.Retry) string {
	if m, rest, ok := strings.Cut(t.Error, ": "); ok && strings.HasPrefix(m, s.Call.Method+" ") {
		return rest
	}
	return t.Error
}

// foundDone is the note of a call whose try met t in place of an answer
// that says what became of it, and which reading the tenant shows made:
// "the answer was lost (EOF); reading the tenant shows the call took
// effect", as a call cut off by a kill and settled on resume reads.
func foundDone(s Step, t audit.Retry) string {
	met := "the answer was lost (" + triedWhat(s, t) + ")"
	if t.Status != 0 {
		met = "the answer was an error (" + triedWhat(s, t) + ")"
	}
	return met + "; reading the tenant shows the call took effect"
}

// doneNote is the note of a call done: how its outcome was learnt (note),
// after its tries before the last, if any.
func doneNote(s Step, tries []audit.Retry, note string) string {
	if len(tries) == 0 {
		return note
	}
	last := fmt.Sprintf("try %d done", len(tries)+1)
	if note != "" {
		last = fmt.Sprintf("try %d: %s", len(tries)+1, note)
	}
	return retriedNote(s, tries) + "; " + last
}

// notSentAgain records a call the executor was to send again when the
// run was interrupted before it did: its result is the last try's error
// ("error": it did not take effect, as the tenant showed), the step failed
// in the journal, as a step whose call was refused, so that the next run
// makes it.
func (e *Executor) notSentAgain(p *Plan, op Operation, s Step, rep *StepReport, c *onRecord, cause error) error {
	stopErr := fmt.Errorf("%w before retrying step %s: %v", ErrInterrupted, s.ID, cause)
	c.mu.Lock()
	last := c.again
	c.again = nil
	c.mu.Unlock()
	if last == nil { // cannot be: a call the executor sends again has its try kept
		return stopErr
	}
	res := e.record(p, op, s, c.opID, audit.PhaseResult)
	res.Backup, res.Retries = rep.Backup, c.tries()
	res.Result, res.Error, res.AnswerLost = audit.ResultError, joinNote(last.Error, c.read), last.Error
	res.Note = "interrupted before it was sent again"
	if retried := retriedNote(s, res.Retries); retried != "" {
		res.Note = retried + "; " + res.Note
	}
	if err := e.appendRecord("", res); err != nil {
		return errors.Join(stopErr, e.mark(s.ID, audit.StepUnknown, c.opID), unrecorded(s, outcomeFailed, errors.New(last.Error), err))
	}
	return errors.Join(stopErr, e.mark(s.ID, audit.StepFailed, last.Error))
}

// checkScopes refuses a step when the access token lacks a scope that its
// call, or a call after it in its operation, needs (client.WriteScopes):
// the operation stops before its own first write rather than halfway; an
// undo, whose operations undo one together, before its first. The token's
// scopes are known once a call carried it (the step's reads did); unknown
// (a token that is no JWT), nothing is checked.
func (e *Executor) checkScopes(p *Plan, op Operation, s Step) error {
	granted, known := e.Tenant.GrantedScopes()
	if !known {
		return nil
	}
	whole := op.ID
	if op.Undoes != nil {
		whole = "the undo of " + op.Undoes.String()
	}
	var lacks, steps []string
	from := false
	for _, o := range p.Operations {
		if o.ID != op.ID && (op.Undoes == nil || o.Undoes == nil || *o.Undoes != *op.Undoes) {
			continue
		}
		for _, st := range o.Steps {
			from = from || st.ID == s.ID
			if !from || e.state(st.ID) == audit.StepDone || e.state(st.ID) == audit.StepSkipped {
				continue
			}
			l := lackedScope(st, granted)
			if l == "" {
				continue
			}
			if !slices.Contains(lacks, l) {
				lacks = append(lacks, l)
			}
			steps = append(steps, st.ID)
		}
	}
	if len(lacks) == 0 {
		return nil
	}
	need := "needs"
	if len(steps) > 1 {
		need = "need"
	}
	return refuse(CheckMissingScope, stepUserIDs(s),
		"the access token lacks a scope that %s %s (%s): %s; %s and the steps after it in %s were not sent",
		joinAnd(steps), need, strings.Join(lacks, "; "), GrantScope, s.ID, whole)
}

// GrantScope is what to do about a scope the access token lacks, in the
// refusal and wherever a write is said to be refused for it before.
const GrantScope = "grant it to the application (Auth0 Dashboard › Applications › APIs › Auth0 Management API › Machine to Machine Applications), or ask for a token with it, then run this again"

// lackedScope says, in Auth0's words ("expected any of: update:users"),
// the scopes a step's call needs none of which granted holds; "" when it
// holds one, or the call needs none.
func lackedScope(s Step, granted []string) string {
	need := client.WriteScopes(s.Call.Method, s.Call.Path, s.Call.Body)
	if len(need) == 0 || slices.ContainsFunc(need, func(n string) bool { return slices.Contains(granted, n) }) {
		return ""
	}
	return "expected any of: " + strings.Join(need, ",")
}

// LackingScopes are the scopes the calls of p's steps (those done says
// are not done yet; nil: all) need that granted lacks, a clause a set of
// them, as lackedScope words it: what a run of p would be refused for
// (missing_scope), said before it is asked for.
func LackingScopes(p *Plan, granted []string, done func(step string) bool) []string {
	var out []string
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			if done != nil && done(s.ID) {
				continue
			}
			if l := lackedScope(s, granted); l != "" && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// maxCallAttempts bounds how often a step whose call failed without effect
// (a 5xx, or an answer lost and the tenant unchanged) is tried in one run.
const maxCallAttempts = 4

// retryPause grows with each retry of a step.
var retryPause = 500 * time.Millisecond

// call makes one try at a step's call, on the record: the first try marks
// the journal started and puts the audit attempt on disk before the
// request goes out; the result goes after the last try, and names the
// tries before it (c). retry is true when this try had no effect for a
// passing reason and the call may be sent again (mayRetry): then nothing
// is recorded yet, and the journal keeps the step started under the
// call's op id, so that a run cut off before the next try is settled by
// reading the tenant.
func (e *Executor) call(ctx context.Context, p *Plan, op Operation, s Step, call callArgs, users []readState, rep *StepReport, c *onRecord, mayRetry bool) (retry bool, err error) {
	if c.opID == "" {
		opID := audit.NewOpID()
		if err := e.markStarted(s.ID, opID); err != nil {
			rep.Status, rep.Error = StatusNotRun, err.Error()
			return false, err
		}
		rec := e.record(p, op, s, opID, audit.PhaseAttempt)
		rec.Backup, rec.BackupSum = rep.Backup, rep.BackupSum
		rec.Before = statesJSON(users, s)
		if s.Action == ActionDelete && len(users) > 0 && users[0].found {
			rec.Emails = linkedEmails(users[0].user)
		}
		if err := e.appendRecord("", rec); err != nil {
			// No call without its attempt on disk.
			_ = e.mark(s.ID, audit.StepFailed, err.Error())
			rep.Status, rep.Error = StatusNotRun, err.Error()
			return false, fmt.Errorf("step %s: the call was not made: its attempt could not be written to the %w", s.ID, err)
		}
		c.opID = opID
		rep.OpID = opID // on record: what undo takes
	}
	opID := c.opID
	c.sendingAgain()
	response, written, callErr := e.invoke(client.WithReadBack(client.WithResent(ctx, c.heard), c.readBack), s.Action, call, rep)
	outcome, note := e.outcome(ctx, s, callErr)
	interrupted := callErr != nil && ctx.Err() != nil
	if outcome == outcomeNotDone && interrupted {
		return false, e.notMadeOnInterrupt(p, op, s, opID, rep, note, c.tries())
	}
	if outcome == outcomeNotDone && mayRetry {
		again := tryOf(callErr)
		again.Note = note + ", so linkdesk sent it again"
		c.again, c.read = &again, note
		return true, nil
	}
	// lost is what this try met in place of an answer that says what
	// became of the call, when its result is what the tenant was read to
	// show (or could not show): none when the tenant refused it (4xx).
	lost := ""
	switch {
	case outcome == outcomeFailed:
	case callErr == nil:
		if found := c.foundMade(); found != nil { // the client read the tenant
			lost, note = found.Error, foundDone(s, *found)
		}
	case interrupted:
		lost = interruptedWaiting
	default:
		lost = audit.Scrub(callErr.Error())
	}
	if outcome == outcomeNotDone {
		outcome = outcomeFailed
	}

	res := e.record(p, op, s, opID, audit.PhaseResult)
	res.Backup, res.Response, res.Retries, res.AnswerLost = rep.Backup, response, c.tries(), lost
	retried := retriedNote(s, res.Retries)
	rep.Note = joinNote(retried, note)
	if outcome == outcomeDone {
		rep.Note = doneNote(s, res.Retries, note)
	}
	var stopErr error
	switch outcome {
	case outcomeDone:
		res.Result, res.Note = audit.ResultOK, doneNote(s, res.Retries, note)
		rep.Status, rep.Error = StatusDone, ""
		if callErr == nil {
			e.answer = answerAfter(p, op, e.calls[s.ID], users, written)
		}
	case outcomeFailed:
		res.Result, res.Error, res.Note = audit.ResultError, joinNote(callErr.Error(), note), retried
		rep.Status, rep.Error = StatusFailed, audit.Scrub(callErr.Error())
		stopErr = fmt.Errorf("step %s (%s) failed: %w", s.ID, s.Call.Method+" "+s.Call.Path, callErr)
		if changed := e.changedMeanwhile(ctx, s, callErr); changed != nil {
			// Another operator acted between our read and our call.
			rep.Status, rep.Error, stopErr = StatusRefused, changed.Error(), changed
		}
	default: // outcomeUnknown, outcomeUnknowable
		res.Result, res.Error, res.Note = audit.ResultUnknown, joinNote(callErr.Error(), note), retried
		if ctx.Err() != nil {
			// The SDK says "failed to send the request: context canceled",
			// although the request may well have gone out and taken effect.
			res.Error = interruptedCall + "; " + note
		}
		rep.Status, rep.Error = StatusUnknown, audit.Scrub(callErr.Error())
		if ctx.Err() != nil {
			rep.Error = interruptedCall
		}
		stopErr = fmt.Errorf("step %s (%s): %w: %v; %s", s.ID, s.Call.Method+" "+s.Call.Path, client.ErrOutcomeUnknown, callErr, note)
		if ctx.Err() != nil {
			stopErr = fmt.Errorf("%w during step %s: its outcome is unknown until `linkdesk resume` reads the tenant (%v)", ErrInterrupted, s.ID, callErr)
		}
	}
	logErr := e.appendRecord("", res)
	switch {
	case logErr != nil:
		// The attempt has no result on disk: the next run settles the step by
		// reading the tenant and writes the result then.
		err = e.mark(s.ID, audit.StepUnknown, opID)
		stopErr = errors.Join(stopErr, unrecorded(s, outcome, callErr, logErr))
	case outcome == outcomeDone:
		err = e.mark(s.ID, audit.StepDone, "")
	case outcome == outcomeFailed:
		err = e.mark(s.ID, audit.StepFailed, callErr.Error())
	case outcome == outcomeUnknowable:
		// Settled already, as resume would settle it (resolveOnResume): the
		// note says it may have gone out (MayHaveBeenMade).
		err = e.mark(s.ID, audit.StepFailed, joinNote(callErr.Error(), note))
	default:
		err = e.mark(s.ID, audit.StepUnknown, opID) // resume pairs its result with the attempt
	}
	return false, errors.Join(stopErr, err)
}

// unrecorded says plainly what became of a call whose result could not be
// written to the audit log, and what settles it.
func unrecorded(s Step, o outcome, callErr, logErr error) error {
	var what string
	switch o {
	case outcomeDone:
		what = "the call TOOK EFFECT on the tenant"
	case outcomeFailed:
		what = fmt.Sprintf("the call did NOT take effect (the tenant refused it: %v)", callErr)
	default:
		what = fmt.Sprintf("whether the call took effect is NOT KNOWN (%v)", callErr)
	}
	return fmt.Errorf("step %s (%s %s): %s, but its result could not be written to the %w; the next run (linkdesk resume, or apply again) settles it by reading the tenant and records the result",
		s.ID, s.Call.Method, s.Call.Path, what, logErr)
}

func joinNote(err, note string) string {
	if note == "" {
		return err
	}
	return err + "; " + note
}

// changedMeanwhile re-reads the step's users after the tenant refused its
// call (4xx): when they no longer match the plan, someone else acted
// between the check and the call, and that is what the operator must hear.
func (e *Executor) changedMeanwhile(ctx context.Context, s Step, callErr error) *SafetyError {
	var apiErr *client.Error
	if !errors.As(callErr, &apiErr) || apiErr.StatusCode < 400 || apiErr.StatusCode >= 500 || ctx.Err() != nil {
		return nil
	}
	_, err := e.check(ctx, s)
	if se, ok := AsSafetyError(err); ok {
		se.Reason += fmt.Sprintf(" (the tenant refused %s %s: %v)", s.Call.Method, s.Call.Path, callErr)
		return se
	}
	return nil
}

// readRemovedAccess reads, for the backup, the roles and memberships of
// the user a deletion or a link ends (the target, the secondary), unless
// the step's check read them already or the tenant serves none.
func (e *Executor) readRemovedAccess(ctx context.Context, s Step, users []readState) error {
	removed := e.calls[s.ID].removes()
	for i := range users {
		u := &users[i]
		if !u.found || u.access != nil || u.user.UserID != removed {
			continue
		}
		a, err := readAccess(ctx, e.Tenant, removed)
		if accessNotServed(err) {
			continue
		}
		if se, ok := AsSafetyError(err); ok && se.Check == CheckUserMissing {
			// Gone since the step's check read it: another operator acted.
			return ChangedError([]string{removed}, []string{removed + " no longer exists"})
		}
		if err != nil {
			return refuse(CheckBackupRequired, []string{removed}, "the roles and memberships of %s could not be read for the backup, so the call was not made: %v", removed, err)
		}
		u.access = &a
	}
	return nil
}

// checkLink runs CheckLink on the users of a link operation as just read,
// with the overrides the operation names.
func (e *Executor) checkLink(ctx context.Context, op Operation, primary, secondary client.User) error {
	if e.conns == nil {
		var (
			conns *Connections
			err   error
		)
		if e.Connections != nil {
			conns, err = e.Connections(ctx)
		} else {
			var list []client.Connection
			if list, err = e.Tenant.Connections(ctx); err == nil {
				conns = ConnectionsFromClient(list)
			}
		}
		if err != nil {
			return fmt.Errorf("the connections could not be read for the link's safety checks, so no call was made: %w", err)
		}
		e.conns = conns
	}
	return CheckLink(primary, secondary, e.conns, LinkOptions{
		AllowUnverified:      slices.Contains(op.Overrides, CheckUnverifiedEmail),
		AllowDifferentEmails: slices.Contains(op.Overrides, CheckDifferentEmails),
	})
}

// checkCarried refuses a link whose secondary holds a role or an
// organization membership the primary lacks and the operation does not
// carry over: the link would end it. Before the operation's first write s
// is its first step, and what its steps give the primary counts; at the
// link they have given it. A plan without those steps (an older tenant's,
// or a hand-made one) is refused before it writes anything.
func (e *Executor) checkCarried(ctx context.Context, op Operation, s Step, users []readState) error {
	if len(users) != 2 || !users[1].found || !users[0].found {
		return nil // nothing to link: the check before refused it
	}
	sec := users[1].access
	if sec == nil && s.Action != ActionLink { // the link step has read it, where the tenant serves it
		a, err := readAccess(ctx, e.Tenant, users[1].user.UserID)
		if err != nil && !accessNotServed(err) {
			return fmt.Errorf("the roles and memberships of %s could not be read, so no call was made: %w", users[1].user.UserID, err)
		}
		if err == nil {
			sec = &a
		}
	}
	if sec == nil || len(sec.Roles)+len(sec.Organizations) == 0 {
		return nil // no roles or organizations served, or none to lose
	}
	prim := users[0].access
	if prim == nil {
		a, err := readAccess(ctx, e.Tenant, users[0].user.UserID)
		if err != nil {
			return fmt.Errorf("the roles and memberships of %s could not be read, so no call was made: %w", users[0].user.UserID, err)
		}
		prim = &a
	}
	held := prim.State()
	if s.Action != ActionLink { // what the steps before the link will give it
		for _, r := range op.Roles {
			held.Roles = append(held.Roles, r.ID)
		}
		for _, o := range op.Organizations {
			held.Organizations = append(held.Organizations, o.ID)
		}
	}
	roles, orgs := carried(*sec, held)
	if len(roles)+len(orgs) == 0 {
		return nil
	}
	var lost []string
	for _, r := range roles {
		lost = append(lost, "role "+r.Name)
	}
	for _, o := range orgs {
		lost = append(lost, "organization "+o.Label())
	}
	return refuse(CheckAccessNotCarried, []string{users[0].user.UserID, users[1].user.UserID},
		"%s holds %s, which %s lacks: the link would end them; plan the link again, so that they are carried over first",
		users[1].user.UserID, strings.Join(lost, ", "), users[0].user.UserID)
}

// accessNotServed reports an error of a tenant that has no roles or
// organizations endpoints (a sandbox of an older fixture): a route not
// found, not a user.
func accessNotServed(err error) bool {
	var e *client.Error
	return errors.As(err, &e) && e.NotFound() && e.Code != "inexistent_user"
}

// needsBackup: every call that changes a user's data backs up every user
// of the step that exists (a ticket or a verification email changes none).
func needsBackup(action string, users []readState) bool {
	if action == ActionTicket || action == ActionVerifyEmail {
		return false
	}
	return slices.ContainsFunc(users, func(u readState) bool { return u.found })
}

// readUser reads one user by id; found is false on a 404.
func (e *Executor) readUser(ctx context.Context, id string) (u client.User, found bool, err error) {
	u, err = e.Tenant.User(ctx, id)
	if client.IsNotFound(err) {
		return client.User{}, false, nil
	}
	if err != nil {
		return client.User{}, false, fmt.Errorf("reading %s: %w", id, err)
	}
	if e.read == nil {
		e.read = map[string]client.User{}
	}
	e.read[id] = u
	return u, true, nil
}

// nameHolds reports whether name, which the plan gives the account id
// ("username bob.smith2"), is one the account holds as this run last read
// it (see holdsName); an account this run did not read keeps its name.
func (e *Executor) nameHolds(id, name string) bool {
	if u, ok := e.read[id]; ok {
		held, _ := holdsName(u, id, name)
		return held
	}
	for _, u := range e.read {
		if held, known := holdsName(u, id, name); known {
			return held
		}
	}
	return true
}

// holdsName reports whether the account id, u itself or an identity
// linked into u (known), holds name: its username or phone number, as
// "username bob.smith2" or "phone_number +1555…".
func holdsName(u client.User, id, name string) (held, known bool) {
	holds := func(username, phone string) bool {
		return username != "" && name == IdentifierUsername+" "+username || phone != "" && name == IdentifierPhoneNumber+" "+phone
	}
	if u.UserID == id {
		return holds(u.Username, u.PhoneNumber), true
	}
	for _, ident := range u.Linked() {
		if ident.Provider+"|"+ident.UserID == id {
			username, _ := ident.ProfileData["username"].(string)
			phone, _ := ident.ProfileData["phone_number"].(string)
			return holds(username, phone), true
		}
	}
	return false, false
}

// checkNames refuses an operation that names an account, as just read, by
// an identifier it does not hold: the operator approved a write on the
// account so named (a plan file is anyone's to edit, and a username can
// change), and the audit log must not name one person by another's.
func checkNames(op Operation, users []readState) error {
	for _, st := range users {
		if !st.found {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(op.Names)) {
			if held, known := holdsName(st.user, id, op.Names[id]); known && !held {
				return refuse(CheckChangedSincePlan, []string{id},
					"the plan names %s %q, which it does not hold now (its username %q, its phone %q): the write was approved for the account so named; plan it again",
					id, op.Names[id], st.user.Username, st.user.PhoneNumber)
			}
		}
	}
	return nil
}

// readState is one user of a step as read just now.
type readState struct {
	user   client.User
	found  bool
	access *Access // read when the plan checks it
}

// check re-reads every user of the step by id and compares them with what
// the plan expects.
func (e *Executor) check(ctx context.Context, s Step) ([]readState, error) {
	return e.checkWith(ctx, s, nil)
}

// checkWith is check, except that the users answer holds are taken as the
// step just before left them: the user it wrote as the tenant answered the
// write (a metadata PATCH answers with the whole user, read back by the
// tenant after the write), and the users it read by id for its own check
// and did not write (the secondary, read before the merge into the primary,
// by the same operation, one call earlier). Each user of an operation is so
// read once by id before its first write, which is the safety read, and
// both again before the link that ends the secondary (perform); the check
// still compares every user with the plan immediately before the call.
func (e *Executor) checkWith(ctx context.Context, s Step, answer *stepAnswer) ([]readState, error) {
	var (
		out     []readState
		changes []string
		ids     []string
	)
	for _, want := range s.Expect {
		var r readState
		if u, ok := answer.userFor(want.UserID); ok {
			r = readState{user: u, found: true}
		} else {
			u, found, err := e.readUser(ctx, want.UserID)
			if err != nil {
				return nil, err
			}
			r = readState{user: u, found: found}
		}
		if a, ok := answer.accessFor(want.UserID); ok && want.Access != nil && r.found {
			r.access = &a
		} else if want.Access != nil && r.found {
			a, err := readAccess(ctx, e.Tenant, want.UserID)
			if se, ok := AsSafetyError(err); ok && se.Check == CheckUserMissing {
				// Gone between the two reads: another operator acted meanwhile.
				r = readState{}
				err = nil
			}
			if err != nil {
				return nil, err
			}
			if r.found {
				r.access = &a
			}
		}
		out = append(out, r)
		if e.compared[want.UserID] {
			// A dry run's: an earlier step compared it as it is now, and
			// writes it; the plan expects it as that step leaves it.
			continue
		}
		if c := want.ChangesWith(r.user, r.found, r.access); len(c) > 0 {
			changes = append(changes, c...)
			ids = append(ids, want.UserID)
		}
	}
	if len(changes) > 0 {
		return nil, ChangedError(ids, changes)
	}
	return out, nil
}

// backup writes the full objects of the step's users that exist.
func (e *Executor) backup(p *Plan, op Operation, s Step, users []readState) (path, sum string, err error) {
	if e.Backups == nil {
		return "", "", refuse(CheckBackupRequired, nil, "no backup directory: a %s is never made without a backup of the users first", s.Action)
	}
	objs, access := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for _, u := range users {
		if u.found && len(u.user.Raw) > 0 {
			objs[u.user.UserID] = u.user.Raw
			if u.access != nil {
				access[u.user.UserID] = MustJSON(u.access)
			}
		}
	}
	meta := map[string]string{"tenant": e.tenantName(), "operator": e.Operator, "plan_id": p.ID, "step": s.ID, "operation": string(op.Kind)}
	if op.Undoes != nil {
		meta["undoes"] = op.Undoes.String()
	}
	path, sum, err = e.Backups.Write(s.Action, objs, access, meta)
	if err != nil {
		return "", "", refuse(CheckBackupRequired, nil, "the backup before %s could not be written, so the call was not made: %v", s.ID, err)
	}
	return path, sum, nil
}

// thisRun puts a run's own reason (apply --reason) after its operation's.
const thisRun = "; this run: "

func (e *Executor) record(p *Plan, op Operation, s Step, opID, phase string) audit.Record {
	reason := op.Reason
	if reason == "" {
		reason = strings.Join(op.Reasons, "; ")
	}
	switch {
	case e.RunReason != "" && reason != "":
		reason += thisRun + e.RunReason
	case e.RunReason != "":
		reason = e.RunReason
	}
	req, _ := json.Marshal(s.Call)
	r := audit.Record{
		Operator: e.Operator, Tenant: e.tenantName(), Action: s.Action, Phase: phase, OpID: opID,
		UserIDs: stepUserIDs(s), PlanID: p.ID, Step: s.ID, Reason: reason, Overrides: op.Overrides,
		Request: req,
	}
	if s.Action == ActionDelete {
		// The identities linked into it go with it: the record names them,
		// so that what became of one is found by its own id.
		for _, c := range op.Cascade {
			r.UserIDs = append(r.UserIDs, c.Provider+"|"+c.UserID)
		}
	}
	for _, id := range r.UserIDs {
		if n := op.Names[id]; n != "" && e.nameHolds(id, n) {
			if r.Names == nil {
				r.Names = map[string]string{}
			}
			r.Names[id] = n
		}
	}
	if op.Undoes != nil {
		r.Undoes = op.Undoes.String()
	}
	return r
}

// linkedEmails are the emails of the identities linked into u, as their
// profileData keeps them, without repeats.
func linkedEmails(u client.User) []string {
	var out []string
	for _, id := range u.Identities[min(1, len(u.Identities)):] {
		if e, _ := id.ProfileData["email"].(string); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func stepUserIDs(s Step) []string {
	out := make([]string, len(s.Expect))
	for i, u := range s.Expect {
		out[i] = u.UserID
	}
	return out
}

func statesJSON(users []readState, s Step) json.RawMessage {
	states := make([]UserState, len(users))
	for i, u := range users {
		states[i] = absent(s.Expect[i].UserID)
		if u.found {
			states[i] = StateOf(u.user)
			if u.access != nil {
				states[i].Access = u.access.State()
			}
		}
	}
	data, _ := json.Marshal(states)
	return data
}

// invoke makes the call through the client and returns a short response
// for the audit log, and the whole user when the tenant answered with one.
// A ticket's URL goes into rep, and nowhere else.
func (e *Executor) invoke(ctx context.Context, action string, c callArgs, rep *StepReport) (json.RawMessage, *client.User, error) {
	var (
		ids []client.Identity
		err error
	)
	switch action {
	case ActionTicket:
		url, err := e.Tenant.PasswordChangeTicket(ctx, c.user, c.ticket)
		if err == nil {
			rep.Ticket = url
		}
		return nil, nil, err
	case ActionVerifyEmail:
		job, err := e.Tenant.SendVerificationEmail(ctx, c.verify)
		if err != nil {
			return nil, nil, err
		}
		return MustJSON(job), nil, nil
	case ActionPatchMetadata:
		var u client.User
		if u, err = e.Tenant.UpdateMetadata(ctx, c.user, c.userMeta, c.appMeta); err == nil {
			um, am := UserMetadata(u)
			return MustJSON(map[string]any{FieldUserMetadata: um, FieldAppMetadata: am}), &u, nil
		}
		return nil, nil, err
	case ActionCreateUser:
		nu := *c.create
		if c.randomPassword {
			// No password can be restored: a random one no one knows, until
			// the password-change ticket that follows.
			nu.Password = randomPassword()
		}
		u, err := e.Tenant.CreateUser(ctx, nu)
		if err != nil {
			return nil, nil, err
		}
		return MustJSON(map[string]string{"user_id": u.UserID}), nil, nil
	case ActionSetBlocked:
		u, err := e.Tenant.SetBlocked(ctx, c.user, c.blocked)
		if err != nil {
			return nil, nil, err
		}
		return MustJSON(map[string]bool{"blocked": u.Blocked}), nil, nil
	case ActionAssignRoles:
		return nil, nil, e.Tenant.AssignRoles(ctx, c.user, c.roles)
	case ActionRemoveRoles:
		return nil, nil, e.Tenant.RemoveRoles(ctx, c.user, c.roles)
	case ActionAddMember:
		return nil, nil, e.Tenant.AddOrganizationMembers(ctx, c.org, []string{c.user})
	case ActionRemoveMember:
		return nil, nil, e.Tenant.RemoveOrganizationMembers(ctx, c.org, []string{c.user})
	case ActionLink:
		ids, err = e.Tenant.Link(ctx, c.user, c.target)
	case ActionUnlink:
		ids, err = e.Tenant.Unlink(ctx, c.user, c.provider, c.unlink)
	case ActionDelete:
		return nil, nil, e.Tenant.DeleteUser(ctx, c.user)
	default:
		return nil, nil, fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return nil, nil, err
	}
	refs := make([]IdentityRef, len(ids))
	for i, id := range ids {
		refs[i] = IdentityRef{Provider: id.Provider, UserID: id.UserID, Connection: id.Connection}
	}
	return MustJSON(map[string]any{"identities": refs}), nil, nil
}

// randomPassword is 32 random bytes as text, with the character classes a
// database connection's password policy asks for.
func randomPassword() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+ crashes the program instead)
	return "Aa1!" + base64.RawURLEncoding.EncodeToString(b[:])
}

// ticketUnknowable is why a ticket whose answer never came is not made
// again on its own: no read of the tenant shows a ticket, and a URL no one
// saw is of no use.
const ticketUnknowable = "a ticket cannot be read back from the tenant, and its URL was never shown: make a new one if it is still needed"

// verifyUnknowable is why a verification email whose answer never came is
// not sent again on its own: a second job sends a second email.
const verifyUnknowable = "whether the verification email went out cannot be read back from the tenant: send it again if it is still needed"

type outcome int

const (
	outcomeDone    outcome = iota
	outcomeFailed          // the tenant refused the call: nothing changed, and trying again would not help
	outcomeNotDone         // the call had no effect for a passing reason (5xx, answer lost): it may be made again
	outcomeUnknown
	// outcomeUnknowable: a ticket or a verification email whose answer was
	// lost may have gone out, and no read of the tenant can tell: it stays
	// unknown on the record, and is made again only if the operator says so.
	outcomeUnknowable
)

// outcome classifies a call's error: none is done; a 4xx answer is a
// failure (nothing changed); anything else (a 5xx, the answer lost, the
// connection dropped) is resolved by reading the tenant while the context
// allows it; Ctrl-C during the call leaves it unknown until resume.
func (e *Executor) outcome(ctx context.Context, s Step, callErr error) (outcome, string) {
	var apiErr *client.Error
	interrupted := ctx.Err() != nil
	switch {
	case callErr == nil:
		return outcomeDone, ""
	case errors.Is(callErr, client.ErrReadOnly), errors.Is(callErr, client.ErrSandboxRunChanged): // refused unsent
		return outcomeFailed, ""
	case errors.As(callErr, &apiErr) && apiErr.StatusCode < 500:
		return outcomeFailed, ""
	case s.Action == ActionTicket || s.Action == ActionVerifyEmail:
		return outcomeUnknowable, unknowable(s.Action)
	case interrupted:
		// The operator stopped the run while the answer was due: the
		// tenant is read now, briefly, so that the call is settled before
		// the process ends and its audit record says what became of it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleOnInterrupt)
		defer cancel()
		ctx = rctx
	}
	r, err := e.resolve(ctx, s)
	switch {
	case err != nil && interrupted && errors.Is(err, context.DeadlineExceeded):
		return outcomeUnknown, fmt.Sprintf("the tenant could not be read within %s to learn the outcome; `linkdesk resume` settles it by reading the tenant", settleOnInterrupt)
	case err != nil:
		return outcomeUnknown, "reading the tenant to learn the outcome: " + err.Error()
	case r == resolvedDone && interrupted:
		return outcomeDone, interruptedDone
	case r == resolvedDone:
		return outcomeDone, foundDone(s, tryOf(callErr))
	case r == resolvedNotDone:
		return outcomeNotDone, "reading the tenant shows the call did not take effect"
	}
	return outcomeUnknown, "the answer was an error or lost, and the tenant shows neither the step's effect nor the state before it"
}

// resolveOnResume settles a step a previous run left started or unknown:
// done (journal marked done, the audit result written), or not done
// (journal back to pending, ready to perform); a call that may have gone
// out and cannot be read back is recorded unknown, and stops the run
// (notMadeAgain).
func (e *Executor) resolveOnResume(ctx context.Context, p *Plan, op Operation, s Step) (bool, error) {
	st := e.journalStatus(s.ID)
	set, err := e.settling(ctx, s, st)
	if err != nil {
		return false, err
	}
	if err := e.settleOnResume(p, op, s, st, set.result, set.why, set.to); err != nil {
		return false, err
	}
	if set.unknown {
		return false, &notMadeAgain{step: s.ID, why: set.why}
	}
	return set.to == audit.StepDone, nil
}

// settlement is how a run settles a step an earlier run left started or
// unknown (st), as reading the tenant shows it: the audit result and why,
// and the journal state the step moves to.
type settlement struct {
	result, why string
	to          audit.StepState
	// unknown: the call may have gone out and cannot be read back; the
	// run records it so and stops there (notMadeAgain).
	unknown bool
}

// settling reads the tenant (and the audit log the cut-off run wrote to)
// to learn how a run settles step s, left st by an earlier run, without
// recording anything: resolveOnResume records it, and a dry run
// (Precheck) says what a run would find.
func (e *Executor) settling(ctx context.Context, s Step, st audit.StepStatus) (settlement, error) {
	if s.Action == ActionTicket || s.Action == ActionVerifyEmail {
		// The tenant cannot show whether it was made; the audit log can show
		// it never was: a step left started before its attempt was on record.
		if made, err := e.attempted(st); err != nil {
			return settlement{}, fmt.Errorf("step %s was cut off by an earlier run, and the audit log could not be read: %w", s.ID, err)
		} else if !made {
			return settlement{result: audit.ResultError, why: neverMade, to: audit.StepPending}, nil
		}
		// It may have gone out: unknown, and failed in the journal, so that
		// making it again (a second ticket, a second email) is the
		// operator's decision, which `linkdesk resume` spells out.
		return settlement{result: audit.ResultUnknown, why: unknowable(s.Action), to: audit.StepFailed, unknown: true}, nil
	}
	r, err := e.resolve(ctx, s)
	if err != nil {
		return settlement{}, fmt.Errorf("step %s was cut off by an earlier run and its outcome could not be read: %w", s.ID, err)
	}
	switch r {
	case resolvedDone:
		return settlement{result: audit.ResultOK, why: "the tenant shows the call took effect", to: audit.StepDone}, nil
	case resolvedNotDone:
		return settlement{result: audit.ResultError, why: "the tenant shows the call did not take effect", to: audit.StepPending}, nil
	}
	// The tenant has moved on (another operator deleted or changed an
	// account): whether the call took effect can no longer be read. Left
	// unknown, nothing could settle the plan, nor discard it: it is settled
	// as may-have-taken-effect, never made again by this plan.
	if made, err := e.attempted(st); err != nil {
		return settlement{}, fmt.Errorf("step %s was cut off by an earlier run, and the audit log could not be read: %w", s.ID, err)
	} else if !made {
		return settlement{result: audit.ResultError, why: neverMade, to: audit.StepPending}, nil
	}
	changes := "the tenant shows neither the effect of " + s.ID + " nor the state before it"
	if _, cerr := e.check(ctx, s); cerr != nil {
		changes = cerr.Error()
		if se, ok := AsSafetyError(cerr); ok { // what changed, without a refusal's advice
			changes = strings.TrimSuffix(se.Reason, "; make a new plan")
		}
	}
	return settlement{result: audit.ResultUnknown, why: changes + "; " + changedUnknowable, to: audit.StepFailed, unknown: true}, nil
}

// RecordedDoneNote is the note of a step a stopped run did not reach that
// the journal records as done by an earlier run: neither done by this run
// nor confirmed on the tenant.
const RecordedDoneNote = "the journal records it done by an earlier run; not confirmed on the tenant, as this run stopped before it"

// interruptedCall is what a call cut off by the operator (Ctrl-C) is
// recorded with, in place of the SDK's "failed to send the request".
const interruptedCall = interruptedWaiting + ": the request may have reached the tenant"

// interruptedWaiting is what a call the operator interrupted met in place
// of its answer (audit.Record.AnswerLost).
const interruptedWaiting = "the run was interrupted while waiting for the answer"

// interruptedDone is the note of a call the operator interrupted that the
// tenant shows took effect.
const interruptedDone = "interrupted while waiting for the answer; reading the tenant shows the call took effect"

// settleOnInterrupt bounds the reads that learn the outcome of a call the
// operator interrupted: past it, the call is left to `linkdesk resume`. A
// second Ctrl-C ends the process at once (cli), leaving the same to resume.
const settleOnInterrupt = 10 * time.Second

// notMadeOnInterrupt records a call the operator interrupted that the
// tenant shows did not take effect: its result is "error" with what the
// read showed, and the step is pending again in the journal, so that
// `linkdesk resume` makes it, once, with the rest of the plan.
func (e *Executor) notMadeOnInterrupt(p *Plan, op Operation, s Step, opID string, rep *StepReport, note string, tries []audit.Retry) error {
	res := e.record(p, op, s, opID, audit.PhaseResult)
	res.Backup, res.Retries, res.Note = rep.Backup, tries, retriedNote(s, tries)
	res.Result, res.Error, res.AnswerLost = audit.ResultError, "interrupted while waiting for the answer; "+note, interruptedWaiting
	rep.Status, rep.Error, rep.Note = StatusNotRun, "", "interrupted; "+note
	stopErr := fmt.Errorf("%w during step %s: %s; `linkdesk resume` makes it and the rest of the plan", ErrInterrupted, s.ID, note)
	if err := e.appendRecord("", res); err != nil {
		// No result on disk: the next run settles the step by reading the
		// tenant, as for a call cut off by a kill.
		return errors.Join(stopErr, e.mark(s.ID, audit.StepUnknown, opID), unrecorded(s, outcomeNotDone, context.Canceled, err))
	}
	return errors.Join(stopErr, e.mark(s.ID, audit.StepPending, ""))
}

// changedUnknowable ends the note of a step cut off during its call on a
// tenant that has changed since, so that neither its effect nor the state
// before it shows.
const changedUnknowable = "whether the call took effect cannot be read on the tenant as it is now, so this plan does not make it again: plan anew from the tenant as it is"

// settleOnResume writes the audit result of a step resolved on resume
// (result, and why in its error) and moves the step to state to in the
// journal. A step this process left started goes through unknown first,
// as a reopened journal would read it, unless it is done.
func (e *Executor) settleOnResume(p *Plan, op Operation, s Step, st audit.StepStatus, result, why string, to audit.StepState) error {
	res := e.record(p, op, s, st.Note, audit.PhaseResult)
	if res.OpID == "" {
		res.OpID = audit.NewOpID()
	}
	if reason, ok := e.settledReason(st); ok {
		res.Reason = reason
	}
	res.Result = result
	if why != neverMade {
		res.AnswerLost = cutOffDuring
	}
	settled := settledPrefix + why
	if result == audit.ResultOK {
		res.Note = settled
	} else {
		res.Error = settled
	}
	if recorded, err := e.recordedResult(st); err != nil {
		return err
	} else if recorded != result || result == audit.ResultUnknown {
		// Not recorded already as the tenant shows it; when it is (the run
		// was killed after its result and before its journal said so), the
		// call keeps its one result.
		// Beside its attempt: the journal names the log the cut-off run
		// wrote to, which need not be the one this run was given.
		if err := e.appendRecord(st.AuditLog, res); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	if st.State == audit.StepStarted && to != audit.StepDone {
		if err := e.mark(s.ID, audit.StepUnknown, settled); err != nil {
			return err
		}
	}
	return e.mark(s.ID, to, settled)
}

// settledReason is the reason a settled call's result keeps: its attempt's,
// the words of the run that made the call, with this run's beside them
// (resume --reason); ok is false when no attempt of it is on record.
func (e *Executor) settledReason(st audit.StepStatus) (reason string, ok bool) {
	if !audit.IsOpID(st.Note) {
		return "", false
	}
	attempt, found, err := audit.AttemptOf(cmp.Or(st.AuditLog, e.Log.Path()), st.Note)
	if err != nil || !found {
		return "", false
	}
	reason = attempt.Reason
	switch {
	case e.RunReason == "" || reason == e.RunReason || strings.HasSuffix(reason, thisRun+e.RunReason): // applied again with the same words
	case reason == "":
		reason = "resumed: " + e.RunReason
	default:
		reason += "; resumed: " + e.RunReason
	}
	return reason, true
}

// appendRecord appends r to the audit log at path (Log.AppendAt; "": the
// run's own) and notes the log it went to.
func (e *Executor) appendRecord(path string, r audit.Record) error {
	wrote, err := e.Log.AppendAt(path, r)
	if err == nil && !slices.Contains(e.recordedIn, wrote) {
		e.recordedIn = append(e.recordedIn, wrote)
	}
	return err
}

// recordedResult is the result the audit log holds already for the call
// a journal step names (st.Note, its op id), "" when none.
func (e *Executor) recordedResult(st audit.StepStatus) (string, error) {
	if !audit.IsOpID(st.Note) {
		return "", nil
	}
	path := cmp.Or(st.AuditLog, e.Log.Path())
	r, found, err := audit.ResultOf(path, st.Note)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("the audit log could not be read to settle step %s: %w", st.ID, err)
	case !found:
		return "", nil
	}
	return r.Result, nil
}

func (e *Executor) journalStatus(step string) audit.StepStatus {
	for _, st := range e.Journal.Steps() {
		if st.ID == step {
			return st
		}
	}
	return audit.StepStatus{ID: step}
}

type resolution int

const (
	resolvedChanged resolution = iota // neither the effect nor the state before
	resolvedDone
	resolvedNotDone
)

// resolve reads the tenant to learn whether a step whose answer was lost
// took effect: link → the secondary is among the primary's identities;
// unlink → it is not any more; delete → the user answers 404; create → it
// exists; patch → the values are there; block → the user is blocked as
// asked; roles and memberships → held or not. Not done means every user is
// as the step expects.
func (e *Executor) resolve(ctx context.Context, s Step) (resolution, error) {
	c := e.calls[s.ID]
	done, u, found, err := e.effect(ctx, s, c, nil, nil)
	if err != nil {
		return resolvedChanged, err
	}
	if done {
		return resolvedDone, nil
	}
	for _, want := range s.Expect {
		got, gotFound := u, found
		if want.UserID != c.args.user {
			if got, gotFound, err = e.readUser(ctx, want.UserID); err != nil {
				return resolvedChanged, err
			}
		}
		var access *Access
		if want.Access != nil && gotFound {
			a, err := readAccess(ctx, e.Tenant, want.UserID)
			if err != nil {
				return resolvedChanged, err
			}
			access = &a
		}
		if len(want.ChangesWith(got, gotFound, access)) > 0 {
			return resolvedChanged, nil
		}
	}
	return resolvedNotDone, nil
}

// effect reads whether the tenant shows the call's effect. skipKeys lists
// metadata keys (field.key) not to compare: a later step set them again.
func (e *Executor) effect(ctx context.Context, s Step, c stepCall, skipKeys map[string]bool, cached *confirmRead) (done bool, u client.User, found bool, err error) {
	if cached != nil {
		u, found = cached.user, cached.found
	} else if u, found, err = e.readUser(ctx, c.args.user); err != nil {
		return false, u, found, err
	}
	a := c.args
	switch s.Action {
	case ActionPatchMetadata:
		if found {
			um, am := UserMetadata(u)
			done = containsAll(um, a.userMeta, FieldUserMetadata, skipKeys) && containsAll(am, a.appMeta, FieldAppMetadata, skipKeys)
		}
	case ActionLink:
		done = found && hasLinked(u, a.target.Provider, a.target.UserID)
	case ActionUnlink:
		done = found && !hasLinked(u, a.provider, a.unlink)
	case ActionDelete:
		done = !found
	case ActionCreateUser:
		done = found
	case ActionSetBlocked:
		done = found && u.Blocked == a.blocked
	case ActionAssignRoles, ActionRemoveRoles:
		if found {
			roles, err := e.Tenant.UserRoles(ctx, a.user)
			if err != nil {
				return false, u, found, fmt.Errorf("reading the roles of %s: %w", a.user, err)
			}
			have := roleIDs(roles)
			held := !slices.ContainsFunc(a.roles, func(id string) bool { return !slices.Contains(have, id) })
			none := !slices.ContainsFunc(a.roles, func(id string) bool { return slices.Contains(have, id) })
			done = (s.Action == ActionAssignRoles && held) || (s.Action == ActionRemoveRoles && none)
		}
	case ActionAddMember, ActionRemoveMember:
		if found {
			orgs, err := e.Tenant.UserOrganizations(ctx, a.user)
			if err != nil {
				return false, u, found, fmt.Errorf("reading the organizations of %s: %w", a.user, err)
			}
			member := slices.ContainsFunc(orgs, func(o client.Organization) bool { return o.ID == a.org })
			done = member == (s.Action == ActionAddMember)
		}
	}
	return done, u, found, nil
}

// confirmRead is a user read while confirming done steps, kept until this
// run writes.
type confirmRead struct {
	user  client.User
	found bool
}

// confirmDone checks, by reading the tenant, that a step the journal
// records as done shows its effect there, and returns the note for the
// report. A ticket or a verification email leaves nothing to read back. A
// metadata key a later step of the plan set again, or may have (a run cut
// off during its call left it started or unknown, to be settled by reading
// the tenant when its turn comes), is not compared.
func (e *Executor) confirmDone(ctx context.Context, p *Plan, s Step) (string, error) {
	const confirmed = "done by an earlier run (journal), confirmed on the tenant"
	switch s.Action {
	case ActionTicket:
		return "done by an earlier run, as its journal says: a ticket cannot be read back from the tenant, so this is not confirmed there", nil
	case ActionVerifyEmail:
		return "done by an earlier run, as its journal says: a verification email cannot be read back from the tenant, so this is not confirmed there", nil
	}
	c := e.calls[s.ID]
	skip := map[string]bool{}
	later := false
	for _, op := range p.Operations {
		for _, t := range op.Steps {
			if t.ID == s.ID {
				later = true
				continue
			}
			lc := e.calls[t.ID]
			if !later || lc.Action != ActionPatchMetadata || lc.args.user != c.args.user || !mayHaveTakenEffect(e.state(t.ID)) {
				continue
			}
			for k := range lc.args.userMeta {
				skip[FieldUserMetadata+"."+k] = true
			}
			for k := range lc.args.appMeta {
				skip[FieldAppMetadata+"."+k] = true
			}
		}
	}
	var cached *confirmRead
	if r, ok := e.seen[c.args.user]; ok {
		cached = &r
	}
	done, u, found, err := e.effect(ctx, s, c, skip, cached)
	if err != nil {
		return "", fmt.Errorf("confirming step %s, which the journal records as done: %w", s.ID, err)
	}
	e.seen[c.args.user] = confirmRead{user: u, found: found}
	if !done {
		return "", refuse(CheckJournalDisagrees, stepUserIDs(s),
			"the journal %s records step %s (%s %s) as done, but the tenant does not show its effect: the journal may be another tenant's, or the change was undone since; nothing was made or claimed: make a new plan",
			journalPath(e.Journal), s.ID, s.Call.Method, s.Call.Path)
	}
	return confirmed, nil
}

// mayHaveTakenEffect reports whether a step in this journal state may have
// changed the tenant: done, or cut off during its call.
func mayHaveTakenEffect(st audit.StepState) bool {
	return st == audit.StepDone || st == audit.StepStarted || st == audit.StepUnknown
}

func journalPath(j *audit.Journal) string {
	if j == nil {
		return ""
	}
	return j.Path()
}

// DiscardedNote is what a step the journal left undone for good says, from
// the note the journal keeps for it: a ticket or verification email that
// may have gone out before its answer was lost was not "never made".
func DiscardedNote(journalNote string) string {
	if gone := MayHaveGoneOut(journalNote); gone != "" {
		return "left by an earlier `linkdesk resume --discard` and not made again by this plan; it may have gone out before its answer was lost (" + gone + ")"
	}
	return "left undone for good by an earlier `linkdesk resume --discard`: never made, and this plan will not make it (plan it again if it is still wanted)"
}

// notMadeAgain stops a run at a ticket or verification email an earlier
// run was cut off in after its call may have gone out: it is not made again
// on its own (a run after this one makes it, as after any failed step).
type notMadeAgain struct{ step, why string }

func (e *notMadeAgain) Error() string { return "step " + e.step + ": " + e.why }

// neverMade is why a step left started with no attempt on record is made
// now: its run was cut off between the journal and the audit log, before
// the call.
const neverMade = "the call was never made: the run was cut off after the journal marked it started, before its attempt was on record"

// attempted reports whether the call of a step a run left started or
// unknown may have been made. A step whose journal note is still the op id
// its start wrote was cut off before any outcome: its call went out only if
// its attempt is in the audit log that run wrote to (the journal names it;
// a resuming run may be given another). Any other note is the outcome the
// run recorded itself, after the call went out.
func (e *Executor) attempted(st audit.StepStatus) (bool, error) {
	if !audit.IsOpID(st.Note) {
		return true, nil
	}
	path := st.AuditLog
	if path == "" && e.Log != nil {
		path = e.Log.Path() // a journal from before it named the log
	}
	if path == "" {
		return true, nil
	}
	made, err := audit.HasAttempt(path, st.Note)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil // the log is gone: nothing shows the call was never made
	}
	return made, err
}

// cutOpID is the op_id of the call of a step cut off during its call (the
// journal's note, before settling notes over it), "" when none: the
// settled step's report keeps it, as undo takes it.
func (e *Executor) cutOpID(step string) string {
	if note := e.journalStatus(step).Note; audit.IsOpID(note) {
		return note
	}
	return ""
}

// settledPrefix starts the journal note of a step a resume settled.
const settledPrefix = "resolved on resume: "

// SettledByResume reports whether a step's journal note says a resume
// settled it (its call was cut off, and the tenant read since): a step
// left pending so is the operator's to finish, not one never started.
func SettledByResume(note string) bool { return strings.HasPrefix(note, settledPrefix) }

// StepEnded reports whether a journal records st as ended, a step no run
// of its plan makes: done, left for good, or cut off on a tenant changed
// since (this plan never makes it again).
func StepEnded(st audit.StepStatus) bool {
	return st.State == audit.StepDone || st.State == audit.StepSkipped || MayHaveBeenMade(st.Note) && !PlanMakesAgain(st.Note)
}

// MayHaveBeenMade reports whether a step's journal note says it is a
// ticket or a verification email whose call may have gone out although no
// answer came: finishing its plan makes a second ticket, or sends a second
// email (MadeAgain says which).
func MayHaveBeenMade(note string) bool {
	_, ok := MadeAgain(note)
	return ok
}

// MadeAgain says, for a step whose journal note says its call may have
// gone out (MayHaveBeenMade), what making it again does to the person.
func MadeAgain(note string) (what string, ok bool) {
	gone, again := goneOut(note)
	if gone == "" {
		return "", false
	}
	return gone + ": " + again, true
}

// PlanMakesAgain reports whether finishing the plan makes again a step
// whose note says it may have gone out: a ticket or an email is made again;
// a call cut off on a tenant that has changed since never is.
func PlanMakesAgain(note string) bool {
	return MayHaveBeenMade(note) && !strings.HasSuffix(note, changedUnknowable)
}

// MayHaveGoneOut says, for such a note, what may be out there already ("a
// ticket whose URL no one saw may exist"); "" for any other note.
func MayHaveGoneOut(note string) string {
	gone, _ := goneOut(note)
	return gone
}

func goneOut(note string) (gone, again string) {
	switch {
	case strings.HasSuffix(note, ticketUnknowable):
		return "a ticket whose URL no one saw may exist", "making it again makes a new one and shows its URL"
	case strings.HasSuffix(note, verifyUnknowable):
		return "the email may have reached the person", "making it again sends a second one"
	case strings.HasSuffix(note, changedUnknowable):
		return "it may have taken effect before the tenant changed", "this plan cannot make it again; plan anew"
	}
	return "", ""
}

func unknowable(action string) string {
	if action == ActionVerifyEmail {
		return verifyUnknowable
	}
	return ticketUnknowable
}

func containsAll(have, want map[string]any, field string, skip map[string]bool) bool {
	for k, v := range want {
		if skip[field+"."+k] {
			continue
		}
		hv, ok := have[k]
		if v == nil {
			if ok {
				return false
			}
			continue
		}
		if !ok || !jsonEqual(hv, v) {
			return false
		}
	}
	return true
}

func hasLinked(u client.User, provider, userID string) bool {
	return slices.ContainsFunc(u.Linked(), func(id client.Identity) bool { return id.Provider == provider && id.UserID == userID })
}
