package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// Every write of linkdesk, from any command or screen, is a plan carried out
// here: a copy of the plan under Paths.Plans, a journal under
// Paths.Journals, linking's executor with the session's audit log and
// backups. A run cut off anywhere (Ctrl-C, a kill, a lost answer) leaves a
// journal that Unsettled finds and Settle resolves by reading the tenant.

// ApplyOptions adjust one run of a plan.
type ApplyOptions struct {
	// Journal is the journal's path (default JournalPath). Whatever path is
	// given, a plan runs at most once at a time on a tenant, and keeps the
	// journal its first run had.
	Journal string
	// Progress hears about every step as it ends.
	Progress func(linking.StepReport)
	// Reason is the operator's words for this run, recorded with every
	// call beside its operation's own reason (apply --reason).
	Reason string
}

// ownLog opens the session's audit log at the first write that records in
// it, so that a session that only looks, or only records in the log of a
// plan's earlier run (planLog), creates no file.
func (s *Session) ownLog() (*audit.Log, error) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.log != nil {
		return s.log, nil
	}
	log, err := audit.OpenLog(s.Paths.AuditLog, escapeJSON)
	if err != nil {
		return nil, err
	}
	s.noteOpened(log.Tightened(), log.Repaired())
	s.log = log
	return log, nil
}

// ownBackups opens the backup directory at the first write.
func (s *Session) ownBackups() (*audit.Backups, error) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.backups != nil {
		return s.backups, nil
	}
	backups, err := audit.OpenBackups(s.Paths.Backups, escapeJSON)
	if err != nil {
		return nil, err
	}
	s.backups = backups
	return backups, nil
}

// escapeJSON makes every file of the record escape what a terminal would
// act on, as scan --json does.
var escapeJSON = audit.WithJSONEscape(func(b []byte) []byte { return []byte(termsafe.DisplayJSON(b)) })

// noteOpened tells what opening a file of the record did to it: made it
// 0600, cut off a torn line.
func (s *Session) noteOpened(notes ...string) {
	for _, n := range notes {
		if n != "" {
			s.note(n)
		}
	}
}

// note tells the operator something the records needed (a torn line cut
// off), through Notify, and keeps it for Notes.
func (s *Session) note(msg string) {
	s.notesMu.Lock()
	s.notes = append(s.notes, msg)
	notify := s.Notify
	s.notesMu.Unlock()
	if notify != nil {
		notify(msg)
	}
}

// SetNotify makes notify the one that hears the session's notes from now
// on (a terminal UI puts them on its status bar), and returns the one it
// replaces.
func (s *Session) SetNotify(notify func(msg string)) (before func(msg string)) {
	s.notesMu.Lock()
	defer s.notesMu.Unlock()
	before, s.Notify = s.Notify, notify
	return before
}

// Notes are what the session had to tell about its records so far.
func (s *Session) Notes() []string {
	s.notesMu.Lock()
	defer s.notesMu.Unlock()
	return slices.Clone(s.notes)
}

// executor is a fresh executor on the session's records; in read-only mode
// one that refuses every write before touching any file.
func (s *Session) executor() (*linking.Executor, error) {
	ex := s.reader()
	if s.ReadOnly {
		return ex, nil
	}
	backups, err := s.ownBackups()
	if err != nil {
		return nil, err
	}
	ex.Backups = backups
	return ex, nil
}

// reader is an executor on the session's tenant that has no records to
// write to: what checks a plan without carrying it out (CheckPlan).
func (s *Session) reader() *linking.Executor {
	return &linking.Executor{Tenant: s.Tenant, TenantName: s.Name, Operator: s.Operator, ReadOnly: s.ReadOnly, Connections: s.Connections}
}

// CheckPlan runs on the tenant as it is now, without a call or a file
// written, what a run of p does before each call of the steps its journal
// (as read; nil: none) does not record ended (done, left or never made
// again): the settling of a step an earlier run was cut off during, and
// the checks; it reads each of their accounts once (read hears how many of
// how many so far): linking.Executor.Precheck. apply's dry run says by it
// which steps --force would refuse, and how it would settle those cut off.
func (s *Session) CheckPlan(ctx context.Context, p *linking.Plan, journal *audit.JournalSnapshot, read func(n, of int)) (*linking.Precheck, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return s.reader().Precheck(ctx, p, journal, read)
}

// journaled puts ex under p's journal at path, locked, recording in the
// audit log p's calls keep to: the log of the plan's earlier run where that
// is another (planLog), else the session's own. release unlocks and closes
// what journaled opened.
func (s *Session) journaled(ex *linking.Executor, p *linking.Plan, path string) (j *audit.Journal, release func(), err error) {
	j, unlock, err := s.openJournal(p.ID, path, p.StepIDs())
	if err != nil {
		return nil, nil, err
	}
	log, done, err := s.logOf(j)
	if err != nil {
		// Stopped before any call, as the operator sees: not left for a
		// resume to list as killed, and make (tester).
		if jerr := j.End(endNote(nil, err)); jerr != nil {
			err = errors.Join(err, jerr)
		}
		unlock()
		return nil, nil, err
	}
	ex.Log, ex.Journal = log, j
	return j, func() { done(); unlock() }, nil
}

// logOf is the audit log the calls of j's plan keep to: the log of the
// plan's earlier run where that is another (planLog), else the session's
// own; done closes what logOf opened.
func (s *Session) logOf(j *audit.Journal) (log *audit.Log, done func(), err error) {
	log, err = s.planLog(j)
	switch {
	case err != nil:
		return nil, nil, err
	case log != nil:
		return log, func() { log.Close() }, nil
	}
	log, err = s.ownLog()
	return log, func() {}, err
}

// JournalPath is where the journal of plan id on this tenant goes by
// default: a plan carried out on two tenants has two journals.
func (s *Session) JournalPath(planID string) string {
	return filepath.Join(s.Paths.Journals, planID+"-"+s.tenantKey()+".journal")
}

// PlanJournal is the journal plan id keeps on this tenant: the one its
// first run was given (--journal), which its lock names, else the default.
func (s *Session) PlanJournal(planID string) (string, error) {
	bound, err := audit.BoundJournal(s.lockPath(planID))
	if err != nil {
		return "", err
	}
	if bound != "" {
		if _, err := os.Stat(bound); err == nil {
			return bound, nil
		}
	}
	return s.JournalPath(planID), nil
}

// lockPath is the lock held while plan id is carried out on this tenant.
func (s *Session) lockPath(planID string) string {
	return filepath.Join(s.Paths.State, "locks", planID+"-"+s.tenantKey()+".lock")
}

// tenantKey names the session's tenant in a file name.
func (s *Session) tenantKey() string { return tenantKey(s.Name) }

// tenantKey names a tenant in a file name.
func tenantKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:6])
}

// binding is what a journal of plan id on this tenant belongs to.
func (s *Session) binding(planID string) audit.JournalBinding {
	return audit.JournalBinding{PlanID: planID, Tenant: s.Name}
}

// openJournal locks the plan on this tenant and opens its journal.
func (s *Session) openJournal(planID, path string, steps []string) (*audit.Journal, func(), error) {
	lock, err := audit.LockPlan(s.lockPath(planID), path)
	if err != nil {
		return nil, nil, err
	}
	j, err := audit.OpenJournalFor(path, s.binding(planID), steps, escapeJSON)
	if err == nil {
		if err = lock.Bind(path); err != nil {
			j.Close()
		}
	}
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	s.noteOpened(j.Tightened(), j.Repaired())
	return j, func() { j.Close(); lock.Release() }, nil
}

func (s *Session) planPath(planID string) string {
	return filepath.Join(s.Paths.Plans, planID+".json")
}

// Apply carries a plan out through linking's executor, on the record, under
// its journal: a run that was cut off earlier resumes where it stopped and
// never makes a call twice. A plan another process is carrying out on this
// tenant is refused (audit.ErrJournalLocked), whatever journal either run
// keeps. An empty plan has nothing to do: it touches no file.
func (s *Session) Apply(ctx context.Context, p *linking.Plan, opts ApplyOptions) (*linking.Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(p.Operations) == 0 {
		return &linking.Result{PlanID: p.ID, Steps: []linking.StepReport{}}, nil
	}
	ex, err := s.executor()
	if err != nil {
		return nil, err
	}
	ex.Progress, ex.RunReason = opts.Progress, opts.Reason
	if s.ReadOnly {
		return ex.Apply(ctx, p) // refused before any file is touched
	}
	j, release, err := s.startJournaled(ctx, ex, p, opts.Journal)
	if err != nil {
		return nil, err
	}
	defer release()
	if slices.ContainsFunc(j.Steps(), func(st audit.StepStatus) bool { return st.State != audit.StepPending }) {
		ex.Undone = s.undoneOps(p) // run before: what it made may have been undone since
	}
	res, err := ex.Apply(ctx, p)
	if jerr := j.End(endNote(res, err)); jerr != nil && err == nil {
		err = jerr
	}
	return res, err
}

// undoneOps are the operations of p that this tenant's audit records show
// made (a call of them done) and taken apart since (by an undo, or a
// command of its own) and not made again: by operation id, what took each
// apart.
func (s *Session) undoneOps(p *linking.Plan) map[string]string {
	recs := s.tenantRecords()
	out := map[string]string{}
	for _, op := range p.Operations {
		made := slices.ContainsFunc(recs, func(r audit.Record) bool {
			return r.PlanID == p.ID && strings.HasPrefix(r.Step, op.ID+".") && r.Phase == audit.PhaseResult && r.Result == audit.ResultOK
		})
		if !made {
			continue
		}
		if gone, again := s.reversed(recs, p.ID, op); gone != nil && again == nil {
			by := "op_id " + gone.OpID + " (" + gone.Action + ")"
			if gone.Undoes != "" {
				by = "its undo, op_id " + gone.OpID
			}
			out[op.ID] = by
		}
	}
	return out
}

// gateWait is how long a write waits for the tenant's gate: another
// process holds it for a moment only, unless it is stopped.
var gateWait = 15 * time.Second

// startJournaled checks that no other plan writes p's accounts
// (CheckNotInterleaved), keeps p, and puts ex under p's journal (at
// journal, else the plan's own), all behind the tenant's gate: two runs
// started together on the same accounts (two undos of one operation) are
// one refused, not both let through by a check made before either journal
// showed its plan running.
func (s *Session) startJournaled(ctx context.Context, ex *linking.Executor, p *linking.Plan, journal string) (*audit.Journal, func(), error) {
	wait, cancel := context.WithTimeout(ctx, gateWait)
	defer cancel()
	gate, err := audit.EnterGate(wait, filepath.Join(s.Paths.State, "locks", "gate-"+s.tenantKey()))
	if held := (*audit.GateHeldError)(nil); errors.As(err, &held) && ctx.Err() == nil {
		// Held for long: the other process is stopped (ctrl+z) or stuck;
		// this write is refused rather than left waiting in silence.
		return nil, nil, &linking.SafetyError{Check: linking.CheckWriteStarting, UserIDs: planUsers(p, nil),
			Reason: fmt.Sprintf("%s has been starting a write on this tenant for %s and has not let this one through (it may be stopped with ctrl+z, or stuck): nothing was changed; try again once it has gone on, or end it", held.Who(), gateWait)}
	}
	if err != nil {
		return nil, nil, err
	}
	defer gate.Leave()
	if err := s.CheckNotInterleaved(p); err != nil {
		return nil, nil, err
	}
	if err := s.keepPlan(p); err != nil {
		return nil, nil, err
	}
	if journal == "" {
		if journal, err = s.PlanJournal(p.ID); err != nil {
			return nil, nil, err
		}
	}
	return s.journaled(ex, p, journal)
}

// planLog is the audit log an earlier run of the journal's plan recorded
// its calls in, when it is not this session's (that run was given
// --audit-log, this one is not, or another): the plan's calls keep to one
// log, where its undo reads them. nil when the session's own log is it,
// or the earlier run's log is gone (which the operator is told: an undo
// cannot see what the calls recorded there changed).
func (s *Session) planLog(j *audit.Journal) (*audit.Log, error) {
	var path string
	for _, st := range j.Steps() {
		if st.AuditLog != "" {
			path = st.AuditLog
			break
		}
	}
	if path == "" || audit.SameFile(path, s.Paths.AuditLog) {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		s.note(fmt.Sprintf("the audit log this plan's earlier run recorded its calls in, %s, is gone: an undo of the plan cannot see what those calls changed (their backups are still in %s); this run records in %s",
			path, s.Paths.Backups, s.Paths.AuditLog))
		return nil, nil
	}
	log, err := audit.OpenLog(path, escapeJSON)
	if err != nil {
		return nil, fmt.Errorf("the audit log of this plan's earlier run: %w", err)
	}
	s.noteOpened(log.Tightened())
	return log, nil
}

// CheckNotInterleaved refuses p (linking.CheckUnsettledWrite) when an
// account it writes is one that another plan of this tenant writes and
// that plan is running now (here or in another linkdesk), or was cut off
// with calls unknown or not made: its calls and p's would interleave, and
// its journal would no longer match the tenant. Running p itself again
// (resume, apply again) is not refused here: its journal settles it. Apply
// checks it; a command checks it ahead too, to refuse before it asks.
func (s *Session) CheckNotInterleaved(p *linking.Plan) error {
	iv, err := s.Interleaving()
	if err != nil {
		return err
	}
	return iv.Check(p.ID, planUsers(p, nil))
}

// Interleaving is what the journals of this tenant hold as they were read:
// the plans running now or cut off and not settled, whose calls a write of
// the same accounts would interleave with. A screen reads it with the
// accounts it plans a write of, and says at once what the write would be
// refused for (Check), before the operator is asked.
type Interleaving struct{ list []Unsettled }

// Interleaving reads this tenant's journals (see Interleaving).
func (s *Session) Interleaving() (*Interleaving, error) {
	list, err := s.Unsettled()
	if err != nil {
		return nil, err
	}
	return &Interleaving{list: list}, nil
}

// Check refuses a write of the accounts mine (linking.CheckUnsettledWrite)
// that another plan than planID ("" for one not made yet) writes and that
// is running now, or was cut off with calls unknown or not made.
func (iv *Interleaving) Check(planID string, mine []string) error {
	for _, u := range iv.list {
		if u.PlanID == planID || u.Plan == nil || (len(u.Unknown)+len(u.Remaining)+len(u.Resendable) == 0 || u.NotStarted) && !u.InUse {
			continue
		}
		open := map[string]bool{}
		for _, id := range slices.Concat(u.Unknown, u.Remaining, u.Resendable) {
			open[id] = true
		}
		var shared []string
		for _, id := range planUsers(u.Plan, open) {
			if slices.Contains(mine, id) {
				shared = append(shared, id)
			}
		}
		if len(shared) == 0 {
			continue
		}
		what := "was cut off and is not settled: " + u.Next() + ", then try again"
		switch {
		case len(u.Unknown) == 0 && len(u.Remaining) == 0:
			// A ticket or an email whose answer was lost: nothing on the
			// tenant tells whether it went out, and the operator has not
			// said whether to make it again.
			n := len(u.Resendable)
			what = fmt.Sprintf("was cut off with %d %s that may have gone out (%s): %s, then try again",
				n, plural(n, "call", "calls"), plural(n, "its answer was lost", "their answers were lost"), u.Next())
		case len(u.Unknown) == 0:
			// Settled already (every call cut off is known now): what holds
			// the accounts is the rest of the plan, neither made nor left.
			what = fmt.Sprintf("was cut off with %d %s left to make: %s, then try again",
				len(u.Remaining), plural(len(u.Remaining), "call", "calls"), u.Next())
		}
		if u.InUse {
			what = "is being applied now (by this or another linkdesk): wait for it to end, then try again"
		}
		return &InterleavedError{Running: u.InUse, SafetyError: &linking.SafetyError{Check: linking.CheckUnsettledWrite, UserIDs: shared,
			Reason: fmt.Sprintf("%s %s written by plan %s (%s), which %s; nothing was changed",
				strings.Join(shared, " and "), plural(len(shared), "is", "are"), u.PlanID, planTitle(u.Plan), what)}}
	}
	return nil
}

// InterleavedError is the refusal (linking.CheckUnsettledWrite) of a write
// of accounts another plan writes: Running, that plan is being applied now
// (wait for it to end); else it was cut off and is not settled (`linkdesk
// resume`).
type InterleavedError struct {
	*linking.SafetyError
	Running bool
}

func (e *InterleavedError) Unwrap() error { return e.SafetyError }

// planUsers are the accounts p's operations write; with steps, only those
// of operations with a step among them.
func planUsers(p *linking.Plan, steps map[string]bool) []string {
	var out []string
	for _, op := range p.Operations {
		if steps != nil && !slices.ContainsFunc(op.Steps, func(s linking.Step) bool { return steps[s.ID] }) {
			continue
		}
		out = opUsers(op, out)
	}
	return out
}

// opUsers appends to out the accounts op writes that out does not hold.
func opUsers(op linking.Operation, out []string) []string {
	ids := []string{op.Primary, op.Secondary, op.Target}
	for _, c := range op.Cascade {
		ids = append(ids, c.Provider+"|"+c.UserID)
	}
	for _, st := range op.Steps { // the users each step's call touches (an undo's ticket: the account made again)
		for _, want := range st.Expect {
			ids = append(ids, want.UserID)
		}
	}
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// keepPlan writes the copy of p that Settle, Finish and undo read; a copy
// already there is the same plan (its id names one plan, its digest
// guards its content).
func (s *Session) keepPlan(p *linking.Plan) error {
	path := s.planPath(p.ID)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := linking.WritePlan(&buf, p); err != nil {
		return err
	}
	if err := audit.WritePrivateFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("keeping a copy of the plan for resume: %w", err)
	}
	return nil
}

// How a run ended, as its journal records it.
const (
	endComplete    = "complete"
	endInterrupted = "interrupted"
	endStopped     = "stopped"
	endSettled     = "settled"
	endDiscarded   = "discarded"
)

func endNote(res *linking.Result, err error) string {
	switch {
	case err == nil:
		return endComplete
	case errors.Is(err, linking.ErrInterrupted) || errors.Is(err, context.Canceled):
		return endInterrupted + ": " + err.Error()
	case res != nil && res.Count(linking.StatusUnknown) > 0:
		return endInterrupted + ": " + err.Error()
	}
	return endStopped + ": " + err.Error()
}

// Unsettled is a plan of this tenant whose last run did not end as the
// operator saw it end: a call cut off with its outcome unknown, or a run
// killed or interrupted before its last step.
type Unsettled struct {
	PlanID  string
	Plan    *linking.Plan
	Journal string
	// Unknown are the steps cut off during their call: whether each took
	// effect is known only by reading the tenant (Settle).
	Unknown []string
	// Remaining are the steps not done yet (Unknown and MayHaveGoneOut
	// excluded).
	Remaining []string
	// MayHaveGoneOut are the tickets and verification emails settled as
	// neither done nor not done: their call may have gone out before its
	// answer was lost, and nothing on the tenant tells (linking.MadeAgain).
	MayHaveGoneOut []string
	// Resendable are those of MayHaveGoneOut the plan would make again (a
	// ticket, an email): until the operator says whether to, they hold
	// their accounts. The others (cut off on a tenant changed since) the
	// plan never makes again.
	Resendable []string
	// CutOff: the last run has no recorded end (a kill, a crash), or it
	// was interrupted.
	CutOff bool
	// InUse: another process holds the journal (it is running now).
	InUse bool
	// NotStarted: the last run was killed (no end recorded) before its
	// first call: nothing reached the tenant, so it holds no account
	// against another write; it is listed all the same, as the operator
	// never saw it end (a kill prints nothing).
	NotStarted bool
}

// Name names u's plan as Summary begins: "plan ID (link …)".
func (u Unsettled) Name() string {
	if u.Plan == nil {
		return "plan " + u.PlanID
	}
	return "plan " + u.PlanID + " (" + planTitle(u.Plan) + ")"
}

// Next says what settles u: the `linkdesk resume` of its plan alone
// (linking.ResumeCommand: without a plan id, resume --force and --discard
// --force act on every plan unsettled on the tenant), and what it does,
// which depends on what u left: a call the tenant keeps a trace of is
// settled by reading it; a ticket or a verification email, which leaves
// none, only by the operator's word, --force to make it again or
// --discard --force to leave it (tester: every write said "resume
// settles them by reading the tenant" of a ticket settled as unknown).
// What a write refused for u (Interleaving.Check) and every write
// command's warning at start say.
func (u Unsettled) Next() string {
	var n int
	for _, ids := range [][]string{u.Unknown, u.Remaining, u.MayHaveGoneOut} {
		n += len(ids)
	}
	it := plural(n, "it", "them")
	again, leave := linking.ResumeCommand(u.PlanID, "--force"), linking.ResumeCommand(u.PlanID, "--discard", "--force")
	switch {
	case u.NotStarted:
		return fmt.Sprintf("run `%s` to make %s or leave %s undone", linking.ResumeCommand(u.PlanID), it, it)
	case slices.ContainsFunc(u.Unknown, u.readBack):
		return fmt.Sprintf("run `%s` to settle %s by reading the tenant and finish or discard what is left", linking.ResumeCommand(u.PlanID), plural(len(u.Unknown), "the call cut off", "the calls cut off"))
	case len(u.Remaining) == 0 && len(u.Unknown)+len(u.Resendable) > 0:
		return fmt.Sprintf("run `%s` to make %s again or `%s` to leave %s (no read of the tenant tells whether %s went out)", again, it, leave, it, plural(n, "it", "they"))
	case len(u.Remaining) == 0:
		return fmt.Sprintf("this plan makes %s no more: run `%s` to leave %s", it, leave, it)
	}
	return fmt.Sprintf("run `%s` to finish or discard %s", linking.ResumeCommand(u.PlanID), it)
}

// readBack reports whether the tenant keeps what step id of u's plan did
// (linking.ReadBack).
func (u Unsettled) readBack(id string) bool {
	if u.Plan == nil {
		return true
	}
	for _, op := range u.Plan.Operations {
		for _, st := range op.Steps {
			if st.ID == id {
				return linking.ReadBack(st.Action)
			}
		}
	}
	return true
}

// Summary says in a line what is unsettled.
func (u Unsettled) Summary() string {
	var parts []string
	if n := len(u.Unknown); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s with an unknown outcome", n, plural(n, "call", "calls")))
	}
	if n := len(u.MayHaveGoneOut); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s that may have gone out (%s)", n, plural(n, "call", "calls"), plural(n, "its answer was lost", "their answers were lost")))
	}
	if n := len(u.Remaining); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s not made", n, plural(n, "call", "calls")))
	}
	if u.NotStarted {
		parts = append(parts, "killed before its first call: nothing reached the tenant")
	}
	what := u.Name()
	if u.InUse {
		return what + ": being applied by another linkdesk now"
	}
	return what + ": " + strings.Join(parts, ", ")
}

func planTitle(p *linking.Plan) string {
	kinds := map[linking.OpKind]int{}
	for _, op := range p.Operations {
		kinds[op.Kind]++
	}
	if len(p.Operations) == 1 {
		op := p.Operations[0]
		return string(op.Kind) + " " + op.Named(firstNonEmpty(op.Secondary, op.Target))
	}
	var parts []string
	for _, k := range []struct {
		kind      linking.OpKind
		one, many string
	}{
		{linking.OpLink, "link", "links"}, {linking.OpUnlink, "unlink", "unlinks"}, {linking.OpDelete, "deletion", "deletions"},
		{linking.OpTicket, "ticket", "tickets"}, {linking.OpVerifyEmail, "verification email", "verification emails"},
		{linking.OpRestore, "restore", "restores"},
	} {
		if n := kinds[k.kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	return strings.Join(parts, ", ")
}

// Unsettled lists this tenant's plans that need settling or finishing, the
// oldest first. A plan copy made for another tenant is not listed.
func (s *Session) Unsettled() ([]Unsettled, error) {
	paths, err := s.Paths.journalPaths(s.Name)
	if err != nil {
		return nil, err
	}
	var out []Unsettled
	for _, path := range paths {
		u, ok, err := s.unsettled(path)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Plan.CreatedAt.Before(out[j].Plan.CreatedAt)
	})
	return out, nil
}

// PlanTenants names the tenants on which the journals of the state
// directory hold plan planID (none: no run of it is on record here), each
// once: what resume given a plan id it does not list says of it.
func (s *Session) PlanTenants(planID string) ([]string, error) {
	paths, err := s.Paths.journalPaths("")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, path := range paths {
		snap, err := audit.ReadJournal(path)
		if err == nil && snap.PlanID == planID && !slices.Contains(out, snap.Tenant) {
			out = append(out, snap.Tenant)
		}
	}
	return out, nil
}

// CutOffOnEarlierRuns counts, by tenant name, the plans of the state
// directory that another run of a sandbox served at this session's address
// (a `linkdesk emulator` stopped since, and started again) left unsettled,
// as Unsettled lists them on their own tenant: a call cut off, a ticket
// settled as unknown, a link whose first calls were made and not its link,
// a write killed before its first call. No resume can settle or finish
// them, their tenant is gone, yet "nothing to settle" alone would hide
// them (tester: it counted only a call cut off, not yet settled). Nil for
// a tenant that is no sandbox run.
func (s *Session) CutOffOnEarlierRuns() (map[string]int, error) {
	addr, ok := sandboxAddress(s.Name)
	if !ok {
		return nil, nil
	}
	return s.countOtherTenants(func(tenant string) bool {
		a, ok := sandboxAddress(tenant)
		return ok && a == addr
	})
}

// countOtherTenants counts, by tenant name, the plans of the state
// directory left unsettled (unsettledIn) on tenants other than this
// session's that count says to.
func (s *Session) countOtherTenants(count func(tenant string) bool) (map[string]int, error) {
	paths, err := s.Paths.journalPaths("")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, path := range paths {
		snap, err := audit.ReadJournal(path)
		if err != nil || audit.SameTenant(snap.Tenant, s.Name) || !count(snap.Tenant) {
			continue
		}
		if _, ok, err := unsettledIn(snap, path); err == nil && ok { // one that cannot be told, as one unread
			out[snap.Tenant]++
		}
	}
	return out, nil
}

// UnsettledOnOtherTenants counts, by tenant name, the plans of the state
// directory on other tenants than this session's (CutOffOnEarlierRuns'
// aside) that Unsettled lists there. A resume on this tenant cannot settle
// them, yet "nothing to settle" alone would hide them from an operator who
// reached the tenant by another name, or another tenant by mistake
// (tester).
func (s *Session) UnsettledOnOtherTenants() (map[string]int, error) {
	addr, sandbox := sandboxAddress(s.Name)
	return s.countOtherTenants(func(tenant string) bool {
		a, ok := sandboxAddress(tenant)
		return !sandbox || !ok || a != addr // an earlier run of this sandbox: CutOffOnEarlierRuns
	})
}

// sandboxAddress is the HOST:PORT of a sandbox run's name ("sandbox 5e0c
// (127.0.0.1:4780)").
func sandboxAddress(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "sandbox ")
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	_, addr, ok := strings.Cut(strings.TrimSuffix(rest, ")"), " (")
	return addr, ok
}

// journalPaths are the journals of the state directory's plans: under
// journals/, and those a plan run with --journal keeps elsewhere, which its
// lock names; locks of the tenant named tenant, or of any ("").
func (p Paths) journalPaths(tenant string) ([]string, error) {
	entries, err := os.ReadDir(p.Journals)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && strings.HasSuffix(name, ".journal") {
			paths = append(paths, filepath.Join(p.Journals, name))
		}
	}
	key := "*"
	if tenant != "" {
		key = tenantKey(tenant)
	}
	locks, _ := filepath.Glob(filepath.Join(p.State, "locks", "*-"+key+".lock"))
	for _, l := range locks {
		if bound, err := audit.BoundJournal(l); err == nil && bound != "" && !slices.Contains(paths, bound) {
			if _, err := os.Stat(bound); err == nil {
				paths = append(paths, bound)
			}
		}
	}
	return paths, nil
}

// PlanLogs are the audit logs other than p.AuditLog that the plans run
// from this state directory recorded their calls in, on the tenant named
// tenant or on any (""), as their journals name them: a run given
// --audit-log FILE, resumed or applied again without it, keeps to FILE.
// `undo` and `audit` look there too.
func (p Paths) PlanLogs(tenant string) []string {
	paths, err := p.journalPaths(tenant)
	if err != nil {
		return nil
	}
	var logs []string
	for _, path := range paths {
		snap, err := audit.ReadJournal(path)
		if err != nil || tenant != "" && !audit.SameTenant(snap.Tenant, tenant) {
			continue
		}
		for _, st := range snap.Steps {
			if st.AuditLog != "" && !slices.Contains(logs, st.AuditLog) && !audit.SameFile(st.AuditLog, p.AuditLog) {
				logs = append(logs, st.AuditLog)
			}
		}
	}
	return logs
}

func (s *Session) unsettled(path string) (Unsettled, bool, error) {
	snap, err := audit.ReadJournal(path)
	if err != nil || !audit.SameTenant(snap.Tenant, s.Name) {
		return Unsettled{}, false, nil // another tenant's, or not a journal this linkdesk reads: not its business
	}
	u, ok, err := unsettledIn(snap, path)
	if !ok || err != nil {
		return u, false, err
	}
	if u.Plan, err = s.readPlan(snap.PlanID); err != nil {
		return u, false, nil // no copy: a plan of another state directory
	}
	return u, true, nil
}

// unsettledIn is what the journal snap, at path, leaves to settle or
// finish (Unsettled, without its Plan), and whether it leaves any: its
// last run did not end as the operator saw it end. One rule for this
// tenant's plans (Unsettled) and the count of other tenants'
// (countOtherTenants).
func unsettledIn(snap *audit.JournalSnapshot, path string) (Unsettled, bool, error) {
	u := Unsettled{PlanID: snap.PlanID, Journal: path}
	for _, st := range snap.Steps {
		switch st.State {
		case audit.StepStarted, audit.StepUnknown:
			u.Unknown = append(u.Unknown, st.ID)
		case audit.StepPending, audit.StepFailed:
			if linking.MayHaveBeenMade(st.Note) {
				u.MayHaveGoneOut = append(u.MayHaveGoneOut, st.ID)
				if linking.PlanMakesAgain(st.Note) {
					u.Resendable = append(u.Resendable, st.ID)
				}
			} else {
				u.Remaining = append(u.Remaining, st.ID)
			}
		}
	}
	u.CutOff = !snap.Ended || strings.HasPrefix(snap.EndNote, endInterrupted)
	if len(u.Unknown) == 0 && (len(u.Remaining)+len(u.MayHaveGoneOut) == 0 || !u.CutOff) {
		return u, false, nil // complete, or stopped where the operator saw it stop
	}
	var err error
	if u.InUse, err = audit.JournalInUse(path); err != nil {
		return u, false, err
	}
	if !u.InUse && !slices.ContainsFunc(snap.Steps, func(st audit.StepStatus) bool {
		return st.State != audit.StepPending || linking.SettledByResume(st.Note)
	}) {
		// Cut off before its first call: nothing was changed. Interrupted
		// (Ctrl-C while it read the accounts), the operator saw it end:
		// nothing is left to settle. Killed, it ended unseen: left to
		// finish or discard (tester: a `link --force` killed then was
		// "ended as seen"). A call cut off that a resume (a dry run) found
		// since not to have taken effect is the operator's still.
		if snap.Ended {
			return u, false, nil
		}
		u.NotStarted = true
	}
	return u, true, nil
}

func (s *Session) readPlan(id string) (*linking.Plan, error) {
	f, err := os.Open(s.planPath(id))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return linking.ReadPlan(f)
}

// Settle resolves, by reading the tenant, every call of u cut off during
// its call, and records each outcome (audit log, journal). It makes no
// call. When nothing remains the journal records the plan settled.
func (s *Session) Settle(ctx context.Context, u Unsettled) (*linking.Result, error) {
	return s.SettleWithReason(ctx, u, "")
}

// SettleWithReason settles u as Settle does; each result it records keeps
// the reason of the run that made the call, and reason (the operator's
// words for this run, resume --reason) beside it.
func (s *Session) SettleWithReason(ctx context.Context, u Unsettled, reason string) (*linking.Result, error) {
	if u.Plan == nil {
		return nil, fmt.Errorf("plan %s: no copy of the plan to settle it with", u.PlanID)
	}
	ex, err := s.executor()
	if err != nil {
		return nil, err
	}
	ex.RunReason = reason
	if s.ReadOnly {
		return ex.Settle(ctx, u.Plan) // refused
	}
	j, release, err := s.journaled(ex, u.Plan, u.Journal)
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := ex.Settle(ctx, u.Plan)
	if err == nil && res.Count(linking.StatusAlreadyDone)+res.Count(linking.StatusDiscarded) == len(res.Steps) {
		err = j.End(endSettled)
	}
	return res, err
}

// Finish carries out what u left to do (Apply on its journal).
func (s *Session) Finish(ctx context.Context, u Unsettled, opts ApplyOptions) (*linking.Result, error) {
	if u.Plan == nil {
		return nil, fmt.Errorf("plan %s: no copy of the plan to finish it with", u.PlanID)
	}
	opts.Journal = u.Journal
	return s.Apply(ctx, u.Plan, opts)
}

// Discard leaves what u did not do for good, as DiscardWithReason does,
// with no reason given.
func (s *Session) Discard(u Unsettled) error {
	_, _, err := s.DiscardWithReason(u, "")
	return err
}

// DiscardWithReason leaves what u did not do for good: its remaining steps
// are marked skipped in the journal, which no longer lists it as
// unsettled. Steps with an unknown outcome must be settled first. A
// discard makes no call, but it is the operator's decision on the
// tenant's accounts: before the journal is touched, each operation it
// leaves steps of is recorded in the audit log the plan's calls keep to
// (discardRecords), with reason (resume --reason). It returns that log's
// path and the records written.
func (s *Session) DiscardWithReason(u Unsettled, reason string) (auditLog string, recs []audit.Record, err error) {
	if s.ReadOnly {
		return "", nil, linking.ReadOnlyError()
	}
	steps := []string(nil)
	if u.Plan != nil {
		steps = u.Plan.StepIDs()
	}
	j, release, err := s.openJournal(u.PlanID, u.Journal, steps)
	if err != nil {
		return "", nil, err
	}
	defer release()
	for _, st := range j.Steps() {
		if st.State == audit.StepUnknown || st.State == audit.StepStarted {
			return "", nil, fmt.Errorf("step %s has an unknown outcome: settle it first (linkdesk resume)", st.ID)
		}
	}
	if err := s.CheckDiscard(u, func(step string) bool { return j.State(step) == audit.StepDone }); err != nil {
		return "", nil, err
	}
	// On record first, as a call's attempt is before the call: a discard
	// cut off before its journal's end is discarded again by the next
	// resume --discard, which keeps the records the first one wrote.
	log, done, err := s.logOf(j)
	if err != nil {
		return "", nil, err
	}
	defer done()
	earlier, err := s.discardsOnRecord(log.Path(), u.PlanID)
	if err != nil {
		return log.Path(), nil, err
	}
	for _, r := range s.discardRecords(u, j.Steps(), reason) {
		if i := slices.IndexFunc(earlier, func(e audit.Record) bool { return e.Discards == r.Discards }); i >= 0 {
			recs = append(recs, earlier[i])
			continue
		}
		if err := log.Append(r); err != nil {
			return log.Path(), recs, err
		}
		recs = append(recs, r)
	}
	for _, st := range j.Steps() {
		switch st.State {
		case audit.StepPending, audit.StepFailed:
			note := "discarded by " + s.Operator
			if linking.MayHaveBeenMade(st.Note) {
				note += "; " + st.Note // it may have gone out: the journal keeps saying so
			}
			if err := j.Mark(st.ID, audit.StepSkipped, note); err != nil {
				return log.Path(), recs, err
			}
		}
	}
	return log.Path(), recs, j.End(endDiscarded + " by " + s.Operator)
}

// discardsOnRecord are the discard records of plan planID on this tenant
// in the audit log at path: those of a discard cut off before its
// journal's end, as a discard is the last word on an operation.
func (s *Session) discardsOnRecord(path, planID string) ([]audit.Record, error) {
	recs, _, err := audit.ReadLog(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return slices.DeleteFunc(recs, func(r audit.Record) bool {
		return r.Action != audit.ActionDiscard || r.PlanID != planID || !audit.SameTenant(r.Tenant, s.Name)
	}), nil
}

// discardedBy begins the note of a discard's audit record.
const discardedBy = "left undone for good by linkdesk resume --discard: "

// discardRecords are the audit records of a discard of u, whose journal
// holds steps: one an operation with steps neither done nor skipped
// (phase note: no call is made, no result follows), of its own op_id,
// naming the operation (Discards: plan_id/op), the accounts it was to
// write, and in its note the steps left undone, those whose answer never
// came (not made again), and those made before the cut, which stay on the
// tenant, with what takes them back (PartlyMade.TakeBack) or what took
// them apart since.
func (s *Session) discardRecords(u Unsettled, steps []audit.StepStatus, reason string) []audit.Record {
	var (
		partly []PartlyMade
		undone map[string]string
	)
	if u.Plan != nil {
		partly, undone = s.partlyMade(u.Plan, steps)
	}
	var out []audit.Record
	for i := 0; i < len(steps); {
		name, _, _ := strings.Cut(steps[i].ID, ".")
		var left, made, parts []string
		for ; i < len(steps) && strings.HasPrefix(steps[i].ID, name+"."); i++ {
			switch st := steps[i]; st.State {
			case audit.StepDone:
				made = append(made, st.ID)
			case audit.StepPending, audit.StepFailed:
				if gone := linking.MayHaveGoneOut(st.Note); gone != "" {
					parts = append(parts, st.ID+" not made again: it may have gone out already, its answer never came ("+gone+")")
				} else {
					left = append(left, st.ID)
				}
			}
		}
		if len(left)+len(parts) == 0 {
			continue // done, or discarded before
		}
		if len(left) > 0 {
			parts = append([]string{strings.Join(left, ", ") + " not made"}, parts...)
		}
		r := audit.Record{Operator: s.Operator, Tenant: s.Name, Action: audit.ActionDiscard, Phase: audit.PhaseNote, OpID: audit.NewOpID(),
			PlanID: u.PlanID, Discards: u.PlanID + "/" + name, Reason: reason}
		n := len(made)
		switch j := slices.IndexFunc(partly, func(pm PartlyMade) bool { return pm.Op.ID == name }); {
		case j >= 0:
			parts = append(parts, fmt.Sprintf("%s made before the cut %s on the tenant; to take %s back: %s",
				strings.Join(made, ", "), plural(n, "stays", "stay"), plural(n, "it", "them"), partly[j].TakeBack()))
		case n > 0 && undone[name] != "":
			parts = append(parts, fmt.Sprintf("%s made before the cut, taken apart since by %s", strings.Join(made, ", "), undone[name]))
		case n > 0: // no copy of the plan: what became of them is not known here
			parts = append(parts, fmt.Sprintf("%s made before the cut", strings.Join(made, ", ")))
		}
		r.Note = discardedBy + strings.Join(parts, "; ")
		if u.Plan == nil {
			out = append(out, r)
			continue
		}
		if op, ok := u.Plan.Op(name); ok {
			r.UserIDs = opUsers(op, nil)
			for _, id := range r.UserIDs {
				if n := op.Names[id]; n != "" {
					if r.Names == nil {
						r.Names = map[string]string{}
					}
					r.Names[id] = n
				}
			}
			for _, st := range op.Steps {
				for _, want := range st.Expect {
					r.Emails = addEmail(r.Emails, want.Email)
				}
			}
			if op.Undoes != nil {
				r.Undoes = op.Undoes.String()
			}
		}
		out = append(out, r)
	}
	return out
}

// CheckDiscard refuses to leave u's remaining steps undone where that
// would let in a person a block keeps out (linking.Plan.CheckDiscard),
// reading the tenant for blocks set meanwhile by other means. done says
// which steps the journal calls done.
func (s *Session) CheckDiscard(u Unsettled, done func(step string) bool) error {
	if u.Plan == nil {
		return nil
	}
	return u.Plan.CheckDiscard(done, func(id string) bool {
		usr, err := s.Tenant.User(s.ctx, id)
		return err == nil && usr.Blocked
	})
}

// RemainingSteps lists the steps of u's plan the journal does not call
// done, in plan order (after Settle: what Finish would do), and among them
// those that may have been made already, which Finish would make a second
// time: each with what that does (linking.MadeAgain).
func (s *Session) RemainingSteps(u Unsettled) (remaining []string, madeMaybe []MaybeMade, err error) {
	snap, err := audit.ReadJournal(u.Journal)
	if err != nil {
		return nil, nil, err
	}
	for _, st := range snap.Steps {
		if !slices.Contains([]audit.StepState{audit.StepDone, audit.StepSkipped}, st.State) {
			remaining = append(remaining, st.ID)
			if again, ok := linking.MadeAgain(st.Note); ok {
				madeMaybe = append(madeMaybe, MaybeMade{Step: st.ID, Again: again, Gone: linking.MayHaveGoneOut(st.Note), Remade: linking.PlanMakesAgain(st.Note)})
			}
		}
	}
	return remaining, madeMaybe, nil
}

// PartlyMade is an operation of a plan cut off, some of whose calls were
// made (the journal calls them done) and some not: what discarding the
// rest leaves on the tenant.
type PartlyMade struct {
	Op linking.Operation
	// Made are its steps made, in plan order: they stay on the tenant.
	Made []linking.Step
	// Left are its steps not made, which a discard leaves undone.
	Left []string
	// OpID is the op_id of the audit record of one of the calls made: what
	// `linkdesk undo` takes ("" where this tenant's audit logs name none).
	OpID string
}

// PartlyMade lists the operations of u's plan (settled: Settle first) some
// of whose calls were made and others not, but those taken apart since
// (by their undo, or an unlink). Read before Discard, which marks what is
// left skipped.
func (s *Session) PartlyMade(u Unsettled) ([]PartlyMade, error) {
	if u.Plan == nil {
		return nil, nil
	}
	snap, err := audit.ReadJournal(u.Journal)
	if err != nil {
		return nil, err
	}
	out, _ := s.partlyMade(u.Plan, snap.Steps)
	return out, nil
}

// partlyMade is PartlyMade of plan p whose journal holds steps, and the
// operations of p taken apart since (undoneOps; nil when no operation is
// partly made).
func (s *Session) partlyMade(p *linking.Plan, steps []audit.StepStatus) ([]PartlyMade, map[string]string) {
	state := map[string]audit.StepState{}
	for _, st := range steps {
		state[st.ID] = st.State
	}
	var out []PartlyMade
	for _, op := range p.Operations {
		pm := PartlyMade{Op: op}
		for _, st := range op.Steps {
			switch state[st.ID] {
			case audit.StepDone:
				pm.Made = append(pm.Made, st)
			case audit.StepSkipped: // discarded before, or taken apart since
			default:
				pm.Left = append(pm.Left, st.ID)
			}
		}
		if len(pm.Made) > 0 && len(pm.Left) > 0 {
			out = append(out, pm)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	undone := s.undoneOps(p)
	recs := s.tenantRecords()
	out = slices.DeleteFunc(out, func(pm PartlyMade) bool { return undone[pm.Op.ID] != "" })
	for i := range out {
		for _, r := range recs {
			if r.PlanID == p.ID && r.Phase == audit.PhaseResult && r.Result == audit.ResultOK &&
				slices.ContainsFunc(out[i].Made, func(st linking.Step) bool { return st.ID == r.Step }) {
				out[i].OpID = r.OpID
				break
			}
		}
	}
	return out, undone
}

// TakeBack says what takes back the calls made of pm's operation, which a
// discard leaves on the tenant.
func (pm PartlyMade) TakeBack() string {
	op := pm.Op
	switch {
	case op.Undoes != nil:
		// An undo is not undone; run again, it plans what is left of it.
		return fmt.Sprintf("%s is part of the undo of %s %s of plan %s, and an undo cannot be undone: `linkdesk undo %s` run again plans what is left of that undo; to bring back what these calls changed, do again what it undid",
			op.ID, op.Undoes.Op, op.Undoes.Kind, op.Undoes.PlanID, op.Undoes.OpID)
	case linking.UndoneAction(op.Kind) == "":
		return fmt.Sprintf("linkdesk cannot undo a %s: `linkdesk show` the accounts, and put back by hand what matters", op.Kind)
	case pm.OpID == "":
		return "no audit record of this tenant names them, so `linkdesk undo` cannot find them: the backups written before each call hold the accounts as they were (`linkdesk audit` lists the calls); put back by hand what matters"
	case op.Kind == linking.OpLink && !slices.ContainsFunc(pm.Made, func(st linking.Step) bool { return st.Action == linking.ActionLink }):
		return fmt.Sprintf("linkdesk undo %s (the link itself was never made: it takes back only what these calls gave %s; its dry run shows the calls first)", pm.OpID, op.Primary)
	}
	return fmt.Sprintf("linkdesk undo %s (its dry run shows the calls first)", pm.OpID)
}

// MaybeMade is a step whose call may have gone out although its answer
// never came (a ticket, a verification email: nothing on the tenant shows
// them), with what making it again does (linking.MadeAgain).
type MaybeMade struct {
	Step, Again string
	Gone        string // what may be out there already (linking.MayHaveGoneOut)
	Remade      bool   // finishing the plan makes it again (linking.PlanMakesAgain)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
