package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
)

// write.go holds what the write commands (apply, link, unlink, delete,
// ticket, resume) share: the dry run and confirmation contract, exit codes
// for refusals, and the report of a run. The run itself is the session's:
// every write is a plan carried out under a journal.

// writeFlags are the flags every write command takes.
type writeFlags struct {
	Force  bool
	JSON   bool
	Reason string // the operator's words for the audit log (a ticket number, …)
	// Verbose: a dry run of many operations lists each with its exact
	// calls, not a summary (apply and resume take --verbose).
	Verbose bool
}

// forced: the write goes ahead without asking (--force).
func (f *writeFlags) forced() bool { return f.Force }

// commandError gives an error its exit code: 3 for a refusal by a safety
// check or by another run holding the plan, 1 for anything else (usage
// errors keep their 2).
func commandError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	// The message may quote the tenant's strings: made safe for a terminal.
	msg := &shownError{text: printableName(audit.Scrub(err.Error())), err: err}
	if _, ok := linking.AsSafetyError(err); ok || errors.Is(err, audit.ErrJournalLocked) {
		// A plan runs at most once at a time: another run holding it is a refusal too.
		return &exitError{code: exitRefused, err: msg}
	}
	if errors.As(err, new(session.UsageError)) { // what was asked for cannot be (a query no identifier can be)
		return &exitError{code: exitUsage, err: msg}
	}
	return &exitError{code: exitFailure, err: msg}
}

// shownError is an error as the operator sees it (scrubbed, printable),
// still matching what it wraps (errors.Is, errors.As).
type shownError struct {
	text string
	err  error
}

func (e *shownError) Error() string { return e.text }
func (e *shownError) Unwrap() error { return e.err }

// withAccounts opens the tenant for a write, says whether earlier writes
// on it are unsettled, reads its connections and the accounts by id (a
// missing one is a refusal, exit 3), and hands them to do.
func (e *cmdEnv) withAccounts(ids []string, do func(s *session.Session, conns *linking.Connections, users []client.User) error) error {
	return e.withWriteSession(func(s *session.Session) error {
		conns, err := s.Connections(e.ctx)
		if err != nil {
			return commandError(err)
		}
		users, err := s.Users(e.ctx, ids...)
		if err != nil {
			return commandError(err)
		}
		return do(s, conns, users)
	})
}

// withWriteSession opens the tenant for a write, says whether earlier
// writes on it are unsettled, and hands it to do.
func (e *cmdEnv) withWriteSession(do func(s *session.Session) error) error {
	return e.withSession(func(s *session.Session) error {
		warnUnsettled(e.io, s)
		return do(s)
	})
}

// confirmation says how a write command may go ahead.
type confirmation struct {
	// question is asked on a terminal, answered y or yes (default No).
	question string
	// typed, when set, replaces the question: the operator must type one of
	// these (the account's primary identifier or its user id).
	typed  []string
	prompt string
	// calls is how many calls the plan makes (the dry run's words).
	calls int
	// done, when set, says which steps an earlier run made: shown as made
	// already, and not counted in calls.
	done func(step string) bool
	// note, when set, is said on stderr before the question (or the dry
	// run's last line), whether or not the operator is asked.
	note string
	// refusal, when set, is what the write would be refused for before
	// its first call (ahead): returned in place of the question, the dry
	// run or --force going ahead.
	refusal error
	// readOnly: the session refuses every write (--read-only), which the
	// dry run says in place of its advice to run again with --force.
	readOnly bool
	// forceCommand, when set, is the command line that makes the write
	// without asking, and askCommand the one that asks on a terminal, where
	// running this command again with --force would do more than this
	// write (resume of one plan, which without a plan id acts on every
	// plan listed): the dry run names them in place of "run again with
	// --force".
	forceCommand, askCommand string
	// notConfirmed, when set, is what a No leaves, after "Not confirmed: "
	// ("nothing was changed" unset): of one plan among several that resume
	// asks about in turn, that plan alone.
	notConfirmed string
	// notDone and forceDoes, when set, are the dry run's words for a write
	// that makes no call on the tenant (resume --discard): what was not
	// done ("discarded") and what --force does ("discard what remains of
	// plan …"); unset, "changed" and "make these calls". calls then counts
	// what the write gives up, never 0.
	notDone, forceDoes string
}

// confirm applies the write contract (ARCHITECTURE.md): with --force the write goes
// ahead; on a terminal the operator is asked (default No); without a
// terminal nothing is changed and the command exits 0 (a dry run). A
// question answered No (or with what does not confirm it) changes nothing,
// and the command exits 1 (errNotConfirmed); Ctrl-C while the question
// waits (ctx cancelled) ends it at once: nothing is changed, and the
// command exits 1 (errInterrupted). ok is true only when the write may go
// ahead; err is set whenever it may not but for a dry run.
func confirm(ctx context.Context, ios *streams, f writeFlags, c confirmation) (bool, error) {
	if c.note != "" {
		// Said whatever the mode: on stderr, so that --json stays JSON.
		fmt.Fprintf(ios.ErrOut, "\n%s\n", c.note)
	}
	if c.refusal != nil {
		return false, commandError(c.refusal)
	}
	if f.Force {
		return true, nil
	}
	if c.calls == 0 && (c.readOnly || !ios.InteractiveIn()) { // an earlier run made them all
		fmt.Fprintln(ios.ErrOut, "\nDry run: nothing was changed, and nothing is left to make; --force only checks on the tenant that what is recorded as done took effect.")
		return false, nil
	}
	notDone, forceDoes := "changed", "make "+plural(c.calls, "this call", "these calls")
	if c.forceDoes != "" {
		notDone, forceDoes = c.notDone, c.forceDoes
	}
	switch {
	case c.readOnly && c.forceCommand != "":
		fmt.Fprintf(ios.ErrOut, "\nDry run: nothing was %s. --read-only refuses every write: run `%s` without it to %s.\n", notDone, c.forceCommand, forceDoes)
		return false, nil
	case c.readOnly:
		fmt.Fprintf(ios.ErrOut, "\nDry run: nothing was %s. --read-only refuses every write: run without it, and with --force, to %s.\n", notDone, forceDoes)
		return false, nil
	case !ios.InteractiveIn() && c.forceCommand != "":
		fmt.Fprintf(ios.ErrOut, "\nDry run: nothing was %s. Run `%s` to %s (or `%s` on a terminal, to be asked).\n", notDone, c.forceCommand, forceDoes, c.askCommand)
		return false, nil
	case !ios.InteractiveIn():
		fmt.Fprintf(ios.ErrOut, "\nDry run: nothing was %s. Run again with --force to %s (or on a terminal, to be asked).\n", notDone, forceDoes)
		return false, nil
	}
	if len(c.typed) > 0 {
		fmt.Fprintf(ios.ErrOut, "\n%s: ", c.prompt)
	} else {
		fmt.Fprintf(ios.ErrOut, "\n%s [y/N] ", c.question)
	}
	line, err := readAnswer(ctx, ios.In)
	if errors.Is(err, errInterrupted) {
		// The terminal echoed ^C on the question's line: end it first.
		fmt.Fprintln(ios.ErrOut, "\nInterrupted: nothing was changed.")
		return false, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	answer := strings.TrimSpace(line)
	ok := false
	if len(c.typed) > 0 {
		for _, want := range c.typed {
			ok = ok || (want != "" && answer == want)
		}
	} else {
		a := strings.ToLower(answer)
		ok = a == "y" || a == "yes"
	}
	if !ok {
		if len(c.typed) > 0 && answer != "" {
			// Typed, but not a name the question takes: say so, or the
			// operator guesses why (a case, a country code).
			fmt.Fprintf(ios.ErrOut, "Not confirmed: %q is not %s, exactly as written (case and all): nothing was changed.\n", printableName(answer), typedNames(c.typed))
			return false, errNotConfirmed
		}
		left := "nothing was changed"
		if c.notConfirmed != "" {
			left = c.notConfirmed
		}
		fmt.Fprintf(ios.ErrOut, "Not confirmed: %s.\n", left)
		return false, errNotConfirmed
	}
	return true, nil
}

// errInterrupted is the error of a command the operator interrupted
// (Ctrl-C) while it asked: nothing was changed, and confirm has said so.
// Exit 1, as a write cut off by Ctrl-C exits: the contract's codes say
// done (0), failed (1), usage (2) and refused by a check (3), and a command
// stopped before it did what it was asked did not do it.
var errInterrupted = &exitError{code: exitFailure}

// errNotConfirmed is the error of a write whose question the operator
// answered No: nothing was changed, and confirm has said so (the error
// itself prints nothing more). Exit 1, as errInterrupted: the command did
// not do what it was asked, and a script must not read it as done; only a
// dry run (no terminal, no --force) exits 0 without making its calls.
var errNotConfirmed = &exitError{code: exitFailure}

// readAnswer reads one line of in, the operator's answer, and gives up as
// soon as ctx is cancelled (Ctrl-C: signal.NotifyContext in run), with
// errInterrupted. A terminal in canonical mode answers the read only once a
// whole line is typed: the read runs on its own goroutine, left blocked
// when ctx ends first (the process ends right after).
func readAnswer(ctx context.Context, in io.Reader) (string, error) {
	if ctx.Err() != nil {
		return "", errInterrupted
	}
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case a := <-got:
		return a.line, a.err
	case <-ctx.Done():
		return "", errInterrupted
	}
}

// writeJSON writes v as indented JSON, characters a terminal would act on
// escaped (the values are unchanged).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.TerminalJSON(w))
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// dryRunJSON is what --json prints when nothing is carried out.
type dryRunJSON struct {
	DryRun     bool                `json:"dry_run"`
	Plan       string              `json:"plan_id,omitempty"`
	Operations []linking.Operation `json:"operations"`
}

// showOperations prints what a write command would do: the operations and
// their exact calls.
func showOperations(ios *streams, f writeFlags, p *linking.Plan, done func(step string) bool) error {
	if f.JSON {
		if f.Force {
			return nil // the result says it all
		}
		return writeJSON(ios.Out, dryRunJSON{DryRun: true, Plan: p.ID, Operations: p.Operations})
	}
	fmt.Fprintf(ios.Out, "On %s:\n", printableName(p.Tenant))
	if !f.Verbose && report.ManyOperations(p.Operations, done) {
		if err := report.WriteOperationsLeftSummary(ios.Out, p.Operations, done, outputWidth(ios)); err != nil {
			return err
		}
		_, err := fmt.Fprintln(ios.Out, "(--verbose lists every operation with its reasons and exact calls)")
		return err
	}
	return report.WriteOperationsLeft(ios.Out, p.Operations, done)
}

// printableName makes a string from the tenant safe for a terminal (control
// and format characters written as \u escapes).
func printableName(s string) string { return termsafe.DisplayJSON([]byte(s)) }

// runPlan carries a plan out through the session (journal, audit log,
// backups), printing each step as it ends (text mode), and reports what was
// done and what was not.
func runPlan(ctx context.Context, ios *streams, f writeFlags, s *session.Session, p *linking.Plan, opts session.ApplyOptions) error {
	calls := newCallsLine(ios, s, p)
	if !f.JSON {
		opts.Progress = calls.step
		fmt.Fprintln(ios.Out)
		calls.start()
	}
	res, err := s.Apply(ctx, p, opts)
	calls.stop()                             // cleared before the summary
	if res != nil && !f.JSON && !s.Sandbox { // a sandbox's undo has no tenant once this ends
		defer printUndoHint(ios.Out, s, p, res)
	}
	return reportRun(ios, f, s, res, err)
}

// printUndoHint says what undoes the operations of p that res made: the
// op_id `linkdesk undo` takes (JSON results give it with every step). An
// undo that would be refused now, as a run cut off and not settled holds
// the operation's accounts (the calls p's run left, or one of its own cut
// off: unsettled_write, outcome_unknown), is named as what comes once
// `linkdesk resume` has settled it, not as what to run now.
func printUndoHint(w io.Writer, s *session.Session, p *linking.Plan, res *linking.Result) {
	opIDs := map[string]string{} // operation → the op_id of a call of it that took effect
	for _, st := range res.Steps {
		if st.OpID != "" && (st.Status == linking.StatusDone || st.Status == linking.StatusAlreadyDone) {
			opIDs[st.Op] = st.OpID
		}
	}
	var undoable []string
	waits := 0 // of undoable, those whose undo an unsettled run refuses now
	for _, op := range p.Operations {
		if id := opIDs[op.ID]; id != "" && op.Undoes == nil && linking.UndoneAction(op.Kind) != "" {
			undoable = append(undoable, id)
			// The undo writes the operation's accounts: what refuses a
			// write of them refuses it.
			if errors.As(s.CheckNotInterleaved(&linking.Plan{Operations: []linking.Operation{op}}), new(*session.InterleavedError)) {
				waits++
			}
		}
	}
	switch {
	case len(undoable) == 1 && waits == 1:
		fmt.Fprintf(w, "Once `linkdesk resume` has settled it (finished or discarded), `linkdesk undo %s` takes back what it made; until then that undo is refused.\n", undoable[0])
	case len(undoable) == 1:
		fmt.Fprintf(w, "To undo it: linkdesk undo %s\n", undoable[0])
	case len(undoable) > 1 && waits > 0:
		fmt.Fprintln(w, "To undo one of them: `linkdesk audit` gives each call's op_id, which `linkdesk undo` takes; the undo of an operation this run left unsettled once `linkdesk resume` has settled it (until then it is refused).")
	case len(undoable) > 1:
		fmt.Fprintln(w, "To undo one of them: `linkdesk audit` gives each call's op_id, which `linkdesk undo` takes.")
	}
}

// reportRun prints what a run did (JSON or text) and gives its error its
// exit code. The audit logs the run recorded in are named; a run refused
// before any call recorded nothing, and names none.
func reportRun(ios *streams, f writeFlags, s *session.Session, res *linking.Result, err error) error {
	if res == nil {
		return commandError(err)
	}
	if f.JSON {
		if jerr := writeJSON(ios.Out, resultJSON(res, s)); jerr != nil {
			return jerr
		}
	} else {
		printSummary(ios.Out, res, s)
	}
	return commandError(err)
}

type runJSON struct {
	*linking.Result
	Done     int  `json:"done"`
	NotDone  int  `json:"not_done"`
	Complete bool `json:"complete"`
	// RecordedDone are of NotDone the steps the journal records done by an
	// earlier run, not confirmed on the tenant as this run stopped first.
	RecordedDone int    `json:"recorded_done_unconfirmed,omitempty"`
	AuditLog     string `json:"audit_log,omitempty"` // the first of Result.AuditLogs
	BackupDir    string `json:"backup_dir,omitempty"`
}

// resultJSON is a run's result as --json prints it, naming the audit log
// the run recorded in, if any.
func resultJSON(res *linking.Result, s *session.Session) runJSON {
	out := runJSON{Result: res, Complete: res.Complete()}
	out.Done = res.Count(linking.StatusDone) + res.Count(linking.StatusAlreadyDone)
	out.NotDone = len(res.Steps) - out.Done
	for _, st := range res.Steps {
		if st.Status == linking.StatusNotRun && st.Note == linking.RecordedDoneNote {
			out.RecordedDone++
		}
	}
	if !s.ReadOnly {
		out.BackupDir = s.Paths.Backups
		if len(res.AuditLogs) > 0 {
			out.AuditLog = res.AuditLogs[0]
		}
	}
	return out
}

var statusMark = map[linking.StepStatus]string{
	linking.StatusDone: "done", linking.StatusAlreadyDone: "already done", linking.StatusFailed: "FAILED",
	linking.StatusRefused: "REFUSED", linking.StatusUnknown: "OUTCOME UNKNOWN", linking.StatusNotRun: "not run",
	linking.StatusDiscarded: "DISCARDED", linking.StatusUndone: "undone since",
}

// callsLine prints each step of a run on stdout as it ends and, when
// stderr is a terminal, keeps under them a line saying which call of how
// many the run makes now and when it waits for the tenant's rate limit (a
// plan of 400 calls takes 20 minutes on a free tenant).
type callsLine struct {
	out     io.Writer
	line    *rateLine // nil: stderr is no terminal
	steps   []string
	ended   int
	started bool
}

func newCallsLine(ios *streams, s *session.Session, p *linking.Plan) *callsLine {
	c := &callsLine{out: ios.Out}
	if p != nil {
		c.steps = p.StepIDs()
	}
	if progress := progressPrinter(ios); progress.enabled && len(c.steps) > 0 {
		c.line = newRateLine(s.Tenant.RateLimit, progress)
	}
	return c
}

func (c *callsLine) start() {
	if c.line != nil {
		c.next()
		c.line.start()
		c.started = true
	}
}

// next says which call the run makes now.
func (c *callsLine) next() {
	if c.ended < len(c.steps) {
		c.line.set(fmt.Sprintf("call %d of %d (%s)…", c.ended+1, len(c.steps), printableName(c.steps[c.ended])))
	}
}

// step is the executor's Progress: a step ended.
func (c *callsLine) step(r linking.StepReport) {
	if c.line == nil {
		printStep(c.out, r)
		return
	}
	c.line.line.above(func() { printStep(c.out, r) })
	c.ended++
	c.next()
}

// stop clears the line (once started; again, nothing).
func (c *callsLine) stop() {
	if c.started {
		c.line.stop()
		c.started = false
	}
}

func printStep(w io.Writer, r linking.StepReport) {
	fmt.Fprintf(w, "%-12s %-15s %s\n", printableName(r.Step), statusMark[r.Status], report.CallText(r.Call))
	if r.Backup != "" {
		fmt.Fprintf(w, "%-12s %-15s backup: %s\n", "", "", printableName(r.Backup))
	}
	if r.Note != "" {
		fmt.Fprintf(w, "%-12s %-15s %s\n", "", "", printableName(audit.Scrub(r.Note)))
	}
	if r.Ticket != "" {
		// For the operator only: the audit log and the journal never hold it.
		fmt.Fprintf(w, "%-12s %-15s ticket: %s\n", "", "", printableName(r.Ticket))
	}
	if r.Error != "" && r.Status != linking.StatusRefused {
		fmt.Fprintf(w, "%-12s %-15s %s\n", "", "", termsafe.DisplayJSON([]byte(r.Error)))
	}
}

// printSummary says what a run did and did not do, and the audit logs it
// recorded in (a run refused before any call recorded nothing, as a
// read-only one).
func printSummary(w io.Writer, res *linking.Result, s *session.Session) {
	done := res.Count(linking.StatusDone) + res.Count(linking.StatusAlreadyDone)
	fmt.Fprintln(w)
	if len(res.Steps) == 0 && res.Err == nil {
		fmt.Fprintln(w, "Nothing to do: the plan has no operations.")
		return
	}
	if res.Err != nil && done == len(res.Steps) {
		// Every call took effect, yet something was not recorded: the error
		// (on stderr) says what, and what settles it.
		fmt.Fprintf(w, "%s took effect, but the run did not end cleanly (see below).\n", plural(len(res.Steps), "The 1 call", fmt.Sprintf("All %d calls", len(res.Steps))))
	} else if res.Complete() {
		switch n := res.Count(linking.StatusAlreadyDone); {
		case n == len(res.Steps): // this run made none: not "Done … made"
			fmt.Fprintln(w, plural(n, "Nothing left to do: the 1 call was made by an earlier run (the tenant shows it).",
				fmt.Sprintf("Nothing left to do: all %d calls were made by an earlier run (the tenant shows them).", n)))
		case n > 0:
			fmt.Fprintf(w, "Done: all %d calls made (%d by an earlier run).\n", len(res.Steps), n)
		default:
			fmt.Fprintln(w, plural(len(res.Steps), "Done: the 1 call was made.", fmt.Sprintf("Done: all %d calls made.", len(res.Steps))))
		}
	} else if discarded, undone := res.Count(linking.StatusDiscarded), res.Count(linking.StatusUndone); res.Err == nil && done+discarded+undone == len(res.Steps) {
		fmt.Fprintf(w, "Done: %d of %s made", done, calls(len(res.Steps)))
		if undone > 0 {
			fmt.Fprintf(w, "; %d taken apart since (by an undo or an unlink), not made again", undone)
		}
		if discarded > 0 {
			fmt.Fprintf(w, "; %d left undone for good by an earlier `linkdesk resume --discard`", discarded)
		}
		fmt.Fprintln(w, ":")
		for _, st := range res.Steps {
			if st.Status == linking.StatusDiscarded || st.Status == linking.StatusUndone {
				fmt.Fprintf(w, "  %-12s %-15s %s\n", printableName(st.Step), statusMark[st.Status], report.CallText(st.Call))
				if st.Note != linking.DiscardedNote("") { // not "never made": it may have gone out, or how it was undone
					fmt.Fprintf(w, "      %s\n", printableName(st.Note))
				}
			}
		}
	} else {
		var recorded []string // not run, recorded done by an earlier run: not confirmed, so not counted done
		var notDone []linking.StepReport
		notRun := 0 // past the first few: counted, not listed (a long apply cut off leaves hundreds)
		for _, st := range res.Steps {
			switch {
			case st.Status == linking.StatusNotRun && st.Note == linking.RecordedDoneNote:
				recorded = append(recorded, printableName(st.Step))
			case st.Status == linking.StatusNotRun:
				if notRun++; notRun <= stepsListed {
					notDone = append(notDone, st)
				}
			case st.Status != linking.StatusDone && st.Status != linking.StatusAlreadyDone:
				notDone = append(notDone, st)
			}
		}
		fmt.Fprint(w, stoppedAfter(done, res.Count(linking.StatusAlreadyDone), len(res.Steps), len(recorded)))
		if len(notDone) > 0 {
			fmt.Fprint(w, " Not done:")
		}
		fmt.Fprintln(w)
		for _, st := range notDone {
			fmt.Fprintf(w, "  %-12s %-15s %s\n", printableName(st.Step), statusMark[st.Status], report.CallText(st.Call))
		}
		if notRun > stepsListed {
			fmt.Fprintf(w, "  … and %d more not run\n", notRun-stepsListed)
		}
		// Cut off between calls, or in the reads before one (the read's
		// error is the cancelled context's).
		interrupted := errors.Is(res.Err, linking.ErrInterrupted) || errors.Is(res.Err, context.Canceled)
		if interrupted && notRun > 0 && !s.Sandbox {
			// Of this plan alone: without a plan id, resume acts on every plan unsettled.
			fmt.Fprintf(w, "To finish it: `%s` makes what is left, nothing twice (or leave it with `%s`).\n",
				linking.ResumeCommand(res.PlanID, "--force"), linking.ResumeCommand(res.PlanID, "--discard", "--force"))
		}
		if len(recorded) > 0 {
			fmt.Fprintf(w, "Recorded done by an earlier run, not confirmed: %s\n", stepList(recorded))
		}
		if n := res.Count(linking.StatusUnknown); n > 0 {
			// A ticket or an email leaves nothing on the tenant to read
			// (tester: told resume reads it, then to make a new one, which
			// the unsettled write refused).
			unreadable := map[string]bool{}
			for _, st := range res.Steps {
				if st.Status == linking.StatusUnknown && !linking.ReadBack(st.Action) {
					unreadable[st.Action] = true
				}
			}
			switch readable := n - len(unreadable); {
			case s.Sandbox:
				fmt.Fprintf(w, "The outcome of the %s stays unknown: %s.\n", plural(n, "call", "calls"), session.SandboxEnds)
			case readable > 0:
				fmt.Fprintf(w, "`%s` settles the %s whose outcome is unknown: it reads the tenant, and asks before making anything again.\n", linking.ResumeCommand(res.PlanID), plural(readable, "call", "calls"))
			}
			again, leave := linking.ResumeCommand(res.PlanID, "--force"), linking.ResumeCommand(res.PlanID, "--discard", "--force")
			if !s.Sandbox && unreadable[linking.ActionTicket] {
				fmt.Fprintf(w, "Whether the ticket was made, the tenant keeps nothing to tell, and its URL was never shown: `%s` makes a new one and shows its URL, `%s` leaves it; until one of them, a write to this account is refused (unsettled_write).\n", again, leave)
			}
			if !s.Sandbox && unreadable[linking.ActionVerifyEmail] {
				fmt.Fprintf(w, "Whether the verification email went out, the tenant keeps nothing to tell (ask the person): `%s` sends it again, `%s` leaves it; until one of them, a write to this account is refused (unsettled_write).\n", again, leave)
			}
		}
	}
	if s.ReadOnly {
		return
	}
	if hasBackup(res) {
		fmt.Fprintf(w, "Backups in %s\n", s.Paths.Backups)
	}
	for _, log := range res.AuditLogs {
		fmt.Fprintf(w, "Audit log: %s\n", printableName(log))
	}
}

// stoppedAfter is the first sentence of the summary of a run that stopped
// before the end: how many of its total calls are confirmed made (done,
// of which earlier were made by an earlier run), and how many more its
// journal records done that the run stopped before confirming (recorded):
// those are not counted made, nor are they not done.
func stoppedAfter(done, earlier, total, recorded int) string {
	text := fmt.Sprintf("Stopped after %d of %s", done, calls(total))
	if recorded > 0 {
		text += " confirmed made"
	}
	switch {
	case earlier == 0:
	case earlier < done:
		text += fmt.Sprintf(" (%d by an earlier run)", earlier)
	case recorded == 0:
		text += " (made by an earlier run: this run made none)"
	default:
		text += plural(done, " (by an earlier run: this run made none)", " (all by an earlier run: this run made none)")
	}
	if recorded > 0 {
		more := " more"
		if done == 0 {
			more = ""
		}
		text += fmt.Sprintf("; %d%s the journal records done %s not confirmed, as this run stopped before confirming %s",
			recorded, more, plural(recorded, "is", "are"), plural(recorded, "it", "them"))
	}
	return text + "."
}

func hasBackup(res *linking.Result) bool {
	for _, s := range res.Steps {
		if s.Backup != "" {
			return true
		}
	}
	return false
}

// describeUser names an account for a question: its user id and primary
// identifier (what tells people sharing an email apart), its email and its
// connection.
func describeUser(u client.User, conns *linking.Connections) string {
	parts := []string{u.UserID}
	a := linking.AccountFromUser(u, conns)
	id := a.PrimaryIdentifier(conns)
	if id.Type == linking.IdentifierEmail && u.Username != "" {
		// As plans and the audit log name it (linking.NameAccounts): a
		// legacy database's profiles of one email differ by username.
		id = linking.PrimaryIdentifier{Type: linking.IdentifierUsername, Value: u.Username}
	}
	if id.Type != linking.IdentifierUserID && id.Type != linking.IdentifierEmail && id.Value != "" {
		parts[0] += " (" + strings.ReplaceAll(id.Type, "_", " ") + " " + id.Value + ")"
	}
	if u.Email != "" {
		parts = append(parts, u.Email)
	}
	text := strings.Join(parts, ", ")
	if c := u.Connection(); c != "" {
		text += " on " + c
	}
	return printableName(text)
}

// argCount is cobra.ExactArgs with the usage exit code.
func argCount(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageErrorf("%v; usage: linkdesk %s", err, cmd.Use)
		}
		return nil
	}
}

// exactArgs is argCount that also refuses an empty (or blank) argument, an
// unset shell variable as like as not, before anything else: a usage error
// naming it as the command's usage line does (USER_ID, PROVIDER, …).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := argCount(n)(cmd, args); err != nil {
			return err
		}
		for i, a := range args {
			if strings.TrimSpace(a) == "" {
				return usageErrorf("the %s argument is empty (an unset shell variable?); usage: linkdesk %s", argName(cmd, i), cmd.Use)
			}
		}
		return nil
	}
}

// argName names the i-th argument of cmd as its usage line does
// ("unlink PRIMARY PROVIDER USER_ID": 1 is PROVIDER), else by its place.
func argName(cmd *cobra.Command, i int) string {
	if names := strings.Fields(cmd.Use)[1:]; i < len(names) && !strings.HasPrefix(names[i], "-") {
		return strings.Trim(names[i], "[]") // an optional one: resume [PLAN_ID]
	}
	return ordinal(i + 1)
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", n)
}

// userIDArgs is exactArgs(n) that also refuses, before any call, an
// argument at one of the positions ids that is not a user id (provider|id):
// a username, an email or a phone is for ` + "`linkdesk show`" + ` to find.
func userIDArgs(n int, ids ...int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := exactArgs(n)(cmd, args); err != nil {
			return err
		}
		for _, i := range ids {
			if err := checkUserID(args[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// checkUserID refuses arg as a usage error unless it has the form of a
// user id: provider|id, the provider without spaces or @, the id not empty (as the
// tenant validates them; samlp|acme-corp|x@y.com is one too).
func checkUserID(arg string) error {
	if err := checkSpaced(arg); err != nil {
		return err
	}
	provider, id, ok := strings.Cut(arg, "|")
	if ok && provider != "" && id != "" && !strings.ContainsFunc(provider, unicode.IsSpace) && !strings.Contains(provider, "@") {
		return nil
	}
	return usageErrorf("%s is not a user id (provider|id, like auth0|63ea1f0b… or google-oauth2|1088…): `linkdesk show %s` finds the account it names and its user id",
		quoteArg(arg), quoteArg(arg))
}

// checkSpaced refuses a user id copied with a space or a line break around
// it: said so (in quotes, the space shows), not taken for another account.
func checkSpaced(arg string) error {
	if trimmed := strings.TrimSpace(arg); trimmed != arg && trimmed != "" {
		return usageErrorf("the user id %q has a space or a line break around it: give it without, as %s", arg, quoteArg(trimmed))
	}
	return nil
}

// quoteArg is arg as a shell takes it back: bare when it holds only
// characters no shell reads, else in single quotes.
func quoteArg(arg string) string {
	if arg != "" && strings.IndexFunc(arg, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@%+=:,./_-", r)))
	}) < 0 {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// carryOut shows a one-command plan's operations and their exact calls,
// asks as the contract says, and carries the plan out when confirmed, as
// apply does: under a journal, so that a run cut off is settled by
// `linkdesk resume`.
func carryOut(ctx context.Context, ios *streams, s *session.Session, f writeFlags, p *linking.Plan, c confirmation) error {
	ok, err := showAndConfirm(ctx, ios, f, p, ahead(c, s, p))
	if err != nil || !ok {
		return err
	}
	return runPlan(ctx, ios, f, s, p, session.ApplyOptions{})
}

// ahead is c with what the write of p would meet before a call, said with
// its dry run or before its question rather than after a yes: a scope the
// access token lacks (a note: the refusal comes at the first call that
// needs it), and another plan's write of the same accounts running now or
// cut off and not settled (a refusal, unsettled_write, exit 3: `linkdesk
// resume` first).
func ahead(c confirmation, s *session.Session, p *linking.Plan) confirmation {
	c.note = scopeNote(c.note, s, p, c.done)
	return refusedAhead(c, s, p)
}

// refusedAhead is c with what refuses the write of p before any call,
// said before its question or with its dry run: another plan's write of
// the same accounts running now or cut off and not settled
// (session.CheckNotInterleaved; none under --read-only, which refuses
// every write).
func refusedAhead(c confirmation, s *session.Session, p *linking.Plan) confirmation {
	if s != nil && s.ReadOnly {
		c.readOnly = true
	} else if s != nil {
		c.refusal = s.CheckNotInterleaved(p)
	}
	return c
}

// scopeNote adds to note what the write would be refused for before the
// first call that needs it: a scope the access token lacks, known once the
// command's reads carried the token (linking.LackingScopes).
func scopeNote(note string, s *session.Session, p *linking.Plan, done func(step string) bool) string {
	if s == nil || s.Tenant == nil || s.ReadOnly {
		return note
	}
	granted, known := s.Tenant.GrantedScopes()
	if !known {
		return note
	}
	lacks := linking.LackingScopes(p, granted, done)
	if len(lacks) == 0 {
		return note
	}
	n := fmt.Sprintf("Note: the access token lacks a scope these calls need (%s): the write would be refused (missing_scope) before the first call of an operation that needs it; %s.", strings.Join(lacks, "; "), linking.GrantScope)
	if note == "" {
		return n
	}
	return note + "\n" + n
}

// showAndConfirm shows a plan's operations and their exact calls, then asks
// as the contract says: true when the write may go ahead.
func showAndConfirm(ctx context.Context, ios *streams, f writeFlags, p *linking.Plan, c confirmation) (bool, error) {
	if err := showOperations(ios, f, p, c.done); err != nil {
		return false, err
	}
	c.calls = p.Calls()
	if c.done != nil {
		c.calls = 0
		for _, id := range p.StepIDs() {
			if !c.done(id) {
				c.calls++
			}
		}
	}
	return confirm(ctx, ios, f, c)
}

// addVerboseFlag registers --verbose, for a write whose dry run may list
// hundreds of operations.
func addVerboseFlag(cmd *cobra.Command, f *writeFlags) {
	cmd.Flags().BoolVarP(&f.Verbose, "verbose", "v", false, "print every operation and its exact calls, not a summary")
}

// addWriteFlags registers --force and --json, and --reason where the
// command's operations take the operator's words.
func addWriteFlags(cmd *cobra.Command, f *writeFlags, reason bool) {
	cmd.Flags().BoolVar(&f.Force, "force", false, "make the calls without asking")
	cmd.Flags().BoolVar(&f.JSON, "json", false, "print the plan (dry run) or the result as JSON")
	if reason {
		cmd.Flags().StringVar(&f.Reason, "reason", "", "why, for the audit log (a ticket number, …); not empty: leave it out for none")
	}
}

// typedNames are the answers a typed confirmation takes, in words: "x" or
// "x" or "y".
func typedNames(typed []string) string {
	quoted := make([]string, 0, len(typed))
	for _, t := range typed {
		if t != "" {
			quoted = append(quoted, fmt.Sprintf("%q", printableName(t)))
		}
	}
	return strings.Join(quoted, " or ")
}
