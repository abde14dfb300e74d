package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StepState is where one step of an apply stands.
type StepState string

const (
	StepPending StepState = "pending" // not begun
	StepStarted StepState = "started" // the call may be in flight (this process)
	StepDone    StepState = "done"    // its effect is in place; never perform it again
	StepFailed  StepState = "failed"  // the call answered with an error; may be retried
	StepSkipped StepState = "skipped" // deliberately not performed
	// StepUnknown: the call may or may not have taken effect. A step found
	// "started" when a journal is reopened is unknown: the process died
	// between announcing the call and recording its outcome. Resolve it by
	// reading the tenant, then Mark it done, failed, pending or skipped.
	StepUnknown StepState = "unknown"
)

// next lists the transitions Mark accepts. done and skipped are final, and
// nothing leads back to started except from pending or failed: a step whose
// outcome is unknown must be resolved before it can be tried again.
var next = map[StepState][]StepState{
	StepPending: {StepStarted, StepDone, StepSkipped},
	StepStarted: {StepDone, StepFailed, StepUnknown, StepPending}, // pending: read not to have taken effect
	StepFailed:  {StepStarted, StepDone, StepPending, StepSkipped},
	StepUnknown: {StepDone, StepFailed, StepPending, StepSkipped},
}

// StepStatus is one step's state as the journal knows it.
type StepStatus struct {
	ID       string
	State    StepState
	Note     string    // the note of the last transition
	Time     time.Time // of the last transition; zero while pending
	Attempts int       // how many times the step was marked started
	// AuditLog is the audit log in which the run that last started the step
	// records its attempt (absolute; "" in journals older than this field):
	// whether a cut-off call went out is read there, whatever log a
	// resuming run is given.
	AuditLog string
}

// JournalVersion is the version of the journal format.
const JournalVersion = 1

// journalHeader is the first line of a journal.
type journalHeader struct {
	Journal int       `json:"journal"` // JournalVersion
	PlanID  string    `json:"plan_id"`
	Tenant  string    `json:"tenant,omitempty"` // the tenant the plan is carried out on
	Steps   []string  `json:"steps"`
	Time    time.Time `json:"time"`
	PID     int       `json:"pid"`
}

// journalLine is every later line: a step transition, an "open" event
// naming the process that resumed the journal (and holds its lock), or an
// "end" event saying how a run ended (a run cut off by a kill has none).
type journalLine struct {
	Time  time.Time `json:"time"`
	Event string    `json:"event,omitempty"` // "open", "end", "repair"
	PID   int       `json:"pid,omitempty"`
	Step  string    `json:"step,omitempty"`
	State StepState `json:"state,omitempty"`
	Note  string    `json:"note,omitempty"`
	Log   string    `json:"log,omitempty"` // on "started": StepStatus.AuditLog
}

// ErrJournalLocked is matched (errors.Is) by the *JournalLockedError that
// OpenJournal returns when another process holds the journal.
var ErrJournalLocked = errors.New("journal in use by another linkdesk")

// ErrPlanMismatch is matched by the error OpenJournal returns for a journal
// that belongs to a different plan.
var ErrPlanMismatch = errors.New("journal belongs to another plan, or to another version of this one")

// JournalLockedError says which process holds a journal.
type JournalLockedError struct {
	Path string
	PID  int // 0 when the journal does not say yet
}

func (e *JournalLockedError) Error() string {
	pid := "pid unknown"
	if e.PID > 0 {
		pid = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("%s (%s): %s", ErrJournalLocked, pid, e.Path)
}

func (e *JournalLockedError) Is(target error) bool { return target == ErrJournalLocked }

// Journal records the state of every step of one apply, so that a run
// stopped at any instant (Ctrl-C, SIGKILL, power loss) resumes where it
// stopped. The process that opens it holds an exclusive lock on it until
// Close. Its methods are safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	f        *os.File
	path     string
	planID   string
	tenant   string
	opts     options
	repaired string
	// tightened says the open made an existing journal 0600 (openPrivate).
	tightened string
	order     []string
	steps     map[string]*StepStatus
	broken    error // a failed write: the file may end in a torn line
}

// OpenJournal creates the journal at path for the plan planID with its
// steps in order, or resumes it, on no tenant in particular (OpenJournalFor
// binds it to one).
func OpenJournal(path, planID string, steps []string, opts ...Option) (*Journal, error) {
	return OpenJournalFor(path, JournalBinding{PlanID: planID}, steps, opts...)
}

// JournalBinding is what a journal belongs to: one plan carried out on one
// tenant.
type JournalBinding struct {
	PlanID string
	Tenant string
}

// OpenJournalFor creates the journal at path for the plan and tenant of b
// with its steps in order, or resumes it. It refuses a journal that another
// process holds (*JournalLockedError), one that belongs to another plan or
// another tenant (ErrPlanMismatch) and one it cannot trust. A step
// recorded "started" without an outcome comes back StepUnknown. An
// unfinished last line is cut off, and the journal records that it was
// (Repaired says so).
func OpenJournalFor(path string, b JournalBinding, steps []string, opts ...Option) (*Journal, error) {
	planID := b.PlanID
	if planID == "" {
		return nil, errors.New("journal: empty plan id")
	}
	seen := make(map[string]bool, len(steps))
	for _, s := range steps {
		if s == "" || seen[s] {
			return nil, fmt.Errorf("journal: step id %q is empty or repeated", s)
		}
		seen[s] = true
	}
	f, tightened, err := openPrivate(path, os.O_APPEND)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j, err := openLocked(f, path, b, steps, optionsOf(opts))
	if err != nil {
		f.Close()
		return nil, err
	}
	j.tightened = tightened
	return j, nil
}

func openLocked(f *os.File, path string, b JournalBinding, steps []string, o options) (*Journal, error) {
	planID := b.PlanID
	ok, err := tryLockFile(f)
	if err != nil {
		return nil, fmt.Errorf("journal: lock: %w", err)
	}
	if !ok {
		return nil, &JournalLockedError{Path: path, PID: holderPID(path)}
	}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	parsed, err := parseJournal(data)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	// What follows the last newline was being written when a process died
	// or the disk filled: its Mark never returned, so nothing relied on it.
	// Cut it off, and say so below.
	torn := int64(len(data)) - parsed.complete
	if torn > 0 {
		if err := f.Truncate(parsed.complete); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	j := &Journal{f: f, path: path, planID: planID, tenant: b.Tenant, opts: o, steps: map[string]*StepStatus{}}
	now := time.Now().UTC()
	if torn > 0 {
		j.repaired = fmt.Sprintf("%s: an unfinished last line of %d bytes at byte %d was cut off (a write cut short by a full disk or a crash)", path, torn, parsed.complete)
	}
	if parsed.header == nil {
		if len(steps) == 0 {
			return nil, errors.New("journal: a new journal needs the plan's steps")
		}
		j.order = slices.Clone(steps)
		for _, s := range steps {
			j.steps[s] = &StepStatus{ID: s, State: StepPending}
		}
		line, err := o.encode(journalHeader{Journal: JournalVersion, PlanID: Scrub(planID), Tenant: Scrub(b.Tenant), Steps: scrubAll(steps), Time: now, PID: os.Getpid()}, "")
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		if err := writeSynced(f, append(line, '\n')); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		return j, j.noteRepair(now)
	}
	h := parsed.header
	if h.PlanID != Scrub(planID) {
		return nil, fmt.Errorf("journal %s: %w: it records plan %s, not %s", path, ErrPlanMismatch, h.PlanID, planID)
	}
	if !SameTenant(h.Tenant, Scrub(b.Tenant)) {
		return nil, fmt.Errorf("journal %s: %w: it records plan %s on the tenant %q, not on %q", path, ErrPlanMismatch, planID, h.Tenant, b.Tenant)
	}
	if steps != nil && !slices.Equal(h.Steps, scrubAll(steps)) {
		return nil, fmt.Errorf("journal %s: %w: plan %s with other steps", path, ErrPlanMismatch, planID)
	}
	j.order, j.steps = h.Steps, parsed.steps
	for _, st := range j.steps {
		if st.State == StepStarted {
			st.State = StepUnknown
		}
	}
	if err := j.append(journalLine{Time: now, Event: "open", PID: os.Getpid()}); err != nil {
		return nil, err
	}
	return j, j.noteRepair(now)
}

func (j *Journal) noteRepair(now time.Time) error {
	if j.repaired == "" {
		return nil
	}
	return j.append(journalLine{Time: now, Event: "repair", Note: j.repaired})
}

// Repaired is what the open cut off ("" when nothing).
func (j *Journal) Repaired() string { return j.repaired }

// Tightened says that the open found the journal open to other users and
// made it 0600 ("" when it was private already, or new).
func (j *Journal) Tightened() string { return j.tightened }

// Tenant is the tenant the journal's plan is carried out on.
func (j *Journal) Tenant() string { return j.tenant }

// parsedJournal is what a journal's complete lines say.
type parsedJournal struct {
	header   *journalHeader // nil: no complete header line (new, or torn at birth)
	steps    map[string]*StepStatus
	lastPID  int   // of the header or the last "open" event
	complete int64 // length of the prefix made of whole lines
	ended    bool  // the last run recorded its end
	endNote  string
}

// parseJournal reads the whole lines of data; the bytes after the last
// newline are ignored. Steps keep their recorded state (started included).
func parseJournal(data []byte) (*parsedJournal, error) {
	p := &parsedJournal{complete: int64(bytes.LastIndexByte(data, '\n') + 1)}
	lines := bytes.Split(data[:p.complete], []byte("\n"))
	lines = lines[:len(lines)-1] // the empty remainder after the last newline
	for i, line := range lines {
		if i == 0 {
			var h journalHeader
			if err := json.Unmarshal(line, &h); err != nil || h.Journal == 0 || h.PlanID == "" {
				return nil, errors.New("not a linkdesk journal (bad first line)")
			}
			if h.Journal != JournalVersion {
				return nil, fmt.Errorf("unsupported journal version %d", h.Journal)
			}
			p.header, p.lastPID = &h, h.PID
			p.steps = make(map[string]*StepStatus, len(h.Steps))
			for _, s := range h.Steps {
				p.steps[s] = &StepStatus{ID: s, State: StepPending}
			}
			continue
		}
		var l journalLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("corrupt line %d: %v", i+1, err)
		}
		switch l.Event {
		case "open":
			p.lastPID, p.ended, p.endNote = l.PID, false, ""
			continue
		case "end":
			p.ended, p.endNote = true, l.Note
			continue
		case "repair":
			continue
		}
		st := p.steps[l.Step]
		if st == nil || l.State == "" {
			return nil, fmt.Errorf("corrupt line %d: unknown step %q or empty state", i+1, l.Step)
		}
		st.State, st.Note, st.Time = l.State, l.Note, l.Time
		if l.State == StepStarted {
			st.Attempts++
			st.AuditLog = l.Log
		}
	}
	return p, nil
}

// holderPID reads which process last opened the journal (best effort).
func holderPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	p, err := parseJournal(data)
	if err != nil {
		return 0
	}
	return p.lastPID
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// PlanID is the plan the journal belongs to.
func (j *Journal) PlanID() string { return j.planID }

// State is the step's state; "" for a step the plan does not have.
func (j *Journal) State(step string) StepState {
	j.mu.Lock()
	defer j.mu.Unlock()
	if st := j.steps[step]; st != nil {
		return st.State
	}
	return ""
}

// Mark records that step moved to state s, with a note (scrubbed of
// secrets), and returns once that line is fsync'd. Call it with StepStarted
// before making the step's call and with the outcome after it. It refuses a
// transition that could repeat a step: done and skipped are final, and an
// unknown step must be resolved before it is started again.
func (j *Journal) Mark(step string, s StepState, note string) error {
	return j.mark(journalLine{Step: step, State: s, Note: note})
}

// MarkStarted marks step started, as Mark does, and names the audit log in
// which the caller records the call's attempt before making it.
func (j *Journal) MarkStarted(step, note, auditLog string) error {
	if abs, err := filepath.Abs(auditLog); err == nil {
		auditLog = abs
	}
	return j.mark(journalLine{Step: step, State: StepStarted, Note: note, Log: auditLog})
}

func (j *Journal) mark(l journalLine) error {
	step, s := l.Step, l.State
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.writable(); err != nil {
		return err
	}
	st := j.steps[step]
	if st == nil {
		return fmt.Errorf("journal: plan has no step %q", step)
	}
	if !slices.Contains(next[st.State], s) {
		return fmt.Errorf("journal: step %s cannot go from %s to %s", step, st.State, s)
	}
	l.Time, l.Note = time.Now().UTC(), Scrub(l.Note)
	if err := j.append(l); err != nil {
		return err
	}
	st.State, st.Note, st.Time = s, l.Note, l.Time
	if s == StepStarted {
		st.Attempts++
		st.AuditLog = l.Log
	}
	return nil
}

// writable is nil when the journal can take another line: it is open and
// no write has failed. Call it with j.mu held.
func (j *Journal) writable() error {
	if j.f == nil {
		return ErrClosed
	}
	if j.broken != nil {
		return fmt.Errorf("journal: unusable after a failed write (reopen it to resume): %w", j.broken)
	}
	return nil
}

// append writes one line and fsyncs it; a failure makes the journal unusable
// because the file may now end in a fragment.
func (j *Journal) append(l journalLine) error {
	line, err := j.opts.encode(l, "")
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := writeSynced(j.f, append(line, '\n')); err != nil {
		j.broken = err
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Steps returns every step's status in plan order.
func (j *Journal) Steps() []StepStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]StepStatus, 0, len(j.order))
	for _, id := range j.order {
		out = append(out, *j.steps[id])
	}
	return out
}

// End records how this run ended ("complete", "stopped: …",
// "interrupted: …"). A journal whose last run has no end was cut off (a
// kill, a crash): what it left is for `linkdesk resume` to settle.
func (j *Journal) End(note string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.writable(); err != nil {
		return err
	}
	return j.append(journalLine{Time: time.Now().UTC(), Event: "end", Note: Scrub(note)})
}

// Close releases the journal and its lock. The file stays: it is the record
// of the apply.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close() // closing the descriptor releases the flock
	j.f = nil
	return err
}

// JournalSnapshot is a journal read without taking its lock.
type JournalSnapshot struct {
	PlanID string
	Tenant string
	Steps  []StepStatus // a step "started" here may be in flight, or unknown if no process holds the journal
	PID    int          // the process that last opened it
	// Ended reports that the last run recorded its end (EndNote says how);
	// false for a run cut off, or one still going.
	Ended   bool
	EndNote string
}

// Step is the status s records for the step a plan names id (the journal
// keeps ids scrubbed, as it wrote them); ok is false when s is nil or holds
// no such step.
func (s *JournalSnapshot) Step(id string) (st StepStatus, ok bool) {
	if s == nil {
		return StepStatus{}, false
	}
	id = Scrub(id)
	for _, st := range s.Steps {
		if st.ID == id {
			return st, true
		}
	}
	return StepStatus{}, false
}

// ReadJournal reads a journal without locking or changing it, e.g. to show an
// apply's progress or check a finished one.
func ReadJournal(path string) (*JournalSnapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	p, err := parseJournal(data)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if p.header == nil {
		return nil, fmt.Errorf("journal %s: no header yet", path)
	}
	snap := &JournalSnapshot{PlanID: p.header.PlanID, Tenant: p.header.Tenant, PID: p.lastPID, Ended: p.ended, EndNote: p.endNote}
	for _, id := range p.header.Steps {
		snap.Steps = append(snap.Steps, *p.steps[id])
	}
	return snap, nil
}

// JournalInUse reports whether a process holds the journal at path (is
// applying its plan now), without changing the file.
func JournalInUse(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	ok, err := tryLockFile(f)
	if err != nil {
		return false, fmt.Errorf("journal: lock: %w", err)
	}
	if ok {
		_ = unlockFile(f)
	}
	return !ok, nil
}

// PlanLock is held while one plan is carried out on one tenant, whatever
// journal the run keeps: a second run of the plan on that tenant waits for
// none, it is refused (*PlanLockedError). The lock file also names the
// journal the plan was first run with, so that a later run cannot start a
// second journal for the same work.
type PlanLock struct {
	f    *os.File
	path string
}

// PlanLockedError says which process is carrying the plan out.
type PlanLockedError struct {
	Path string
	PID  int
}

func (e *PlanLockedError) Error() string {
	pid := "pid unknown"
	if e.PID > 0 {
		pid = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("the plan is being carried out on this tenant by another linkdesk (%s; lock %s)", pid, e.Path)
}

// Is makes a *PlanLockedError match ErrJournalLocked: either way another
// process is carrying the plan out.
func (e *PlanLockedError) Is(target error) bool { return target == ErrJournalLocked }

// ErrJournalBound is matched by the error LockPlan returns when the plan
// already has a journal on this tenant other than the one asked for.
var ErrJournalBound = errors.New("the plan already has a journal on this tenant")

type planLockContent struct {
	Journal string `json:"journal"`
	PID     int    `json:"pid"`
}

// LockPlan takes the lock at path for a run that will keep its journal at
// journal. It refuses when another process holds it, and when the lock
// names another journal that still exists (ErrJournalBound). It binds
// nothing: the run binds its journal (Bind) once the journal has opened as
// this plan's, so a journal refused (another plan's) never binds the plan.
func LockPlan(path, journal string) (*PlanLock, error) {
	f, _, err := openPrivate(path, 0) // a lock holds a pid and a path: made 0600 unsaid
	if err != nil {
		return nil, fmt.Errorf("plan lock: %w", err)
	}
	ok, err := tryLockFile(f)
	if err != nil || !ok {
		var held planLockContent
		if data, rerr := os.ReadFile(path); rerr == nil {
			_ = json.Unmarshal(data, &held)
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("plan lock: %w", err)
		}
		return nil, &PlanLockedError{Path: path, PID: held.PID}
	}
	var held planLockContent
	if data, err := io.ReadAll(f); err == nil && len(data) > 0 {
		_ = json.Unmarshal(data, &held)
	}
	if held.Journal != "" && held.Journal != journal {
		if bound, err := os.Stat(held.Journal); err == nil {
			if given, err := os.Stat(journal); err != nil || !os.SameFile(bound, given) {
				f.Close()
				return nil, fmt.Errorf("%w: %s (run it with that journal, or without --journal)", ErrJournalBound, held.Journal)
			}
		}
	}
	l := &PlanLock{f: f, path: path}
	if err := l.write(planLockContent{Journal: held.Journal, PID: os.Getpid()}); err != nil { // the holder, for PlanLockedError
		f.Close()
		return nil, err
	}
	return l, nil
}

// BoundJournal is the journal the plan lock at path binds its plan to, ""
// when there is no lock or it binds none. It takes no lock.
func BoundJournal(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("plan lock: %w", err)
	}
	var held planLockContent
	if len(data) > 0 && json.Unmarshal(data, &held) != nil {
		return "", fmt.Errorf("plan lock %s: not a lock linkdesk wrote", path)
	}
	return held.Journal, nil
}

// Bind records journal in the lock as the plan's, with this process's id.
func (l *PlanLock) Bind(journal string) error {
	return l.write(planLockContent{Journal: journal, PID: os.Getpid()})
}

func (l *PlanLock) write(c planLockContent) error {
	line, err := marshalLine(c, "")
	if err == nil {
		err = l.f.Truncate(0)
	}
	if err == nil {
		_, err = l.f.WriteAt(append(line, '\n'), 0)
	}
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("plan lock: %w", err)
	}
	return nil
}

// Release lets another run of the plan start.
func (l *PlanLock) Release() error {
	if l == nil {
		return nil
	}
	return unlockClose(&l.f)
}

// unlockClose closes the file *f holds a flock on, which releases it, once.
func unlockClose(f **os.File) error {
	if *f == nil {
		return nil
	}
	err := (*f).Close() // closing the descriptor releases the flock
	*f = nil
	return err
}

// Gate is an exclusive lock that one process at a time holds for a moment:
// a session holds its tenant's gate while it checks that no other plan
// writes the accounts of the plan it starts and opens that plan's journal,
// so that two runs started together cannot both pass the check before
// either's journal shows it running.
type Gate struct{ f *os.File }

// gatePoll is how often EnterGate tries the gate again.
const gatePoll = 20 * time.Millisecond

// EnterGate takes the gate at path (0600 in a 0700 directory), waiting for
// the process that holds it, or until ctx ends. A process that dies holding
// it lets it go.
func EnterGate(ctx context.Context, path string) (*Gate, error) {
	f, _, err := openPrivate(path, 0) // a pid: made 0600 unsaid
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	for {
		ok, err := tryLockFile(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("gate: %w", err)
		}
		if ok {
			// Who holds it, for the next one's message (best effort).
			if f.Truncate(0) == nil {
				_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return &Gate{f: f}, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			pid := 0
			if data, err := os.ReadFile(path); err == nil {
				pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
			}
			return nil, &GateHeldError{PID: pid, Err: ctx.Err()}
		case <-time.After(gatePoll):
		}
	}
}

// GateHeldError is a gate still held by another process (PID, 0 when
// unknown) when the wait for it ended (Err: the context's error).
type GateHeldError struct {
	PID int
	Err error
}

func (e *GateHeldError) Error() string {
	return e.Who() + " is starting a write on this tenant and has not let the next one through: " + e.Err.Error()
}

// Who names the process holding the gate.
func (e *GateHeldError) Who() string {
	if e.PID > 0 {
		return fmt.Sprintf("another linkdesk (pid %d)", e.PID)
	}
	return "another linkdesk"
}

func (e *GateHeldError) Unwrap() error { return e.Err }

// Leave lets the next process through.
func (g *Gate) Leave() error {
	if g == nil {
		return nil
	}
	return unlockClose(&g.f)
}
