package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/session"
)

type applyOptions struct {
	cmdEnv

	PlanFile string
	writeFlags
	Journal string
}

func newApplyCmd(g *globalOptions, io *streams, runF func(*applyOptions) error) *cobra.Command {
	o := &applyOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "apply plan.json",
		Short: "Carry a plan out (a dry run unless --force)",
		Long: `Carry out the operations of a plan made by ` + "`linkdesk plan`" + `, in order. Before each
call the accounts are read again by id; if any differs from what the plan
expects, apply stops ("the group changed since the plan was made"). Users are
backed up before every metadata merge, link and delete; every call has an
audit attempt and result.

Every call is derived from its operation: a plan whose stored calls disagree
with its operations, or whose digest does not match its content, is refused
(exit 2) naming the step. Every user a call changes is checked and backed up.

A journal records every step, so an apply that was interrupted (Ctrl-C, a
crash, a lost network) resumes where it stopped when run again, and never
makes a call twice: a call whose answer was lost is resolved by reading the
tenant (` + "`linkdesk resume`" + ` does the same for every write cut off). A step the
journal records as done is confirmed on the tenant before it is reported
done. The journal belongs to the plan and the tenant: it defaults to
$XDG_STATE_HOME/linkdesk/journals/<plan id>-<tenant hash>.journal, and a plan runs
at most once at a time on a tenant, whatever --journal says.

Without --force it prints the calls it would make (every one with --verbose),
then reads, once each, the accounts of the steps left (those the journal does
not record done or left) and runs on each step the checks --force makes before
its call, on the tenant as it is now: it says how many steps pass, and names
each step --force would refuse, with the check's id and its reason (--json:
"checked", "steps_passed" and "refused"). A step an earlier run was cut off
during (killed mid-call) is read first as --force settles it, as
` + "`linkdesk resume`" + ` does: made, not made, or unknown (--json: "unsettled").
A step it would refuse exits 3, and nothing is asked: --force would stop
there. A step whose accounts an earlier step of the plan changes (a second
link into one primary) is checked on them as they are now. On a terminal it
then asks, and without one it changes nothing. Reading more than a few
accounts is shown on stderr; the reads are paced as any (2 a second on a
free tenant), and Ctrl-C stops them.`,
		Example: `  linkdesk apply plan.json
  linkdesk apply plan.json --force`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Journal != "" {
				if err := checkFileDir("--journal", o.Journal); err != nil {
					return err
				}
			}
			return runArgs(o, &o.cmdEnv, runF, runApply, &o.PlanFile)(cmd, args)
		},
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	cmd.Flags().StringVar(&o.Journal, "journal", "", "journal file, in a directory that exists (default $XDG_STATE_HOME/linkdesk/journals/<plan id>-<tenant hash>.journal)")
	addVerboseFlag(cmd, &o.writeFlags)
	return cmd
}

func runApply(o *applyOptions) error {
	f, err := os.Open(o.PlanFile)
	if err != nil {
		return usageErrorf("%v", err)
	}
	p, err := linking.ReadPlan(f)
	f.Close()
	if err != nil {
		return usageErrorf("%s: %v", o.PlanFile, err)
	}
	return o.withWriteSession(func(s *session.Session) error {
		if !audit.SameTenant(p.Tenant, s.Name) {
			if !s.Sandbox {
				return commandError(&linking.SafetyError{Check: linking.CheckOtherTenant,
					Reason: fmt.Sprintf("the plan was made for %s, not %s", printableName(p.Tenant), printableName(s.Name))})
			}
			fmt.Fprintf(o.io.ErrOut, "linkdesk: the plan was made for %s; applying it to the sandbox tenant %s\n", printableName(p.Tenant), s.Name)
		}
		if len(p.Operations) == 0 {
			// Nothing to ask about and nothing to journal.
			return runPlan(o.ctx, o.io, o.writeFlags, s, p, session.ApplyOptions{})
		}
		journalPath, err := s.PlanJournal(p.ID) // the one its first run was given, if any
		if err != nil {
			return commandError(err)
		}
		if o.Journal != "" {
			// Absolute, as the plan's lock records it: a run from another
			// directory finds the same journal.
			if journalPath, err = filepath.Abs(o.Journal); err != nil {
				return usageErrorf("--journal: %v", err)
			}
		}
		// A journal the run would refuse is refused now, before the dry
		// run describes it or the operator is asked.
		journal, err := journalFor(s, p, journalPath, o.Journal != "")
		if err != nil {
			return err
		}
		left := p.Calls() - journal.ended()
		if !o.JSON {
			if o.Verbose {
				err = report.WritePlanText(o.io.Out, p)
			} else {
				err = report.WritePlanSummary(o.io.Out, p, outputWidth(o.io))
			}
			if err != nil {
				return err
			}
			describeJournal(o.io, journal, p, journalMaker(o.io, o.writeFlags, s))
		}
		question := fmt.Sprintf("Make %s on %s?", theseCalls(left), printableName(s.Name))
		if left == 0 {
			question = fmt.Sprintf("Nothing is left to make: check on %s that what the journal records as done took effect?", printableName(s.Name))
		}
		// Refused before any call (another plan holds its accounts): asked
		// once, the journals read once.
		c := refusedAhead(confirmation{question: question, calls: left}, s, p)
		// The dry run reads the accounts and checks each step left as
		// --force would before its call (tester: a dry run that did not
		// read as "the plan is fine", and --force then refused a step).
		// Not when the write is refused before any call anyway.
		var checked *linking.Precheck
		if !o.Force && left > 0 && c.refusal == nil {
			if checked, err = checkLeft(o.ctx, o.io, s, p, journal); err != nil {
				return commandError(err)
			}
		}
		if o.JSON {
			if err := showApplyDryRun(o.io, o.writeFlags, p, checked); err != nil {
				return err
			}
		} else if checked != nil {
			describeChecked(o.io.Out, p, checked)
		}
		// A scope the token lacks is said once: by the refusal of the step
		// that needs it where the dry run checked it, else by a note.
		c.note = scopeNote(c.note, s, p, func(step string) bool {
			return journal.endedStep(step) || refusedForScope(checked, p, step)
		})
		// A step cut off that the tenant shows made is settled, not made
		// again: the question and the dry run's last line count the calls
		// --force makes.
		if checked != nil {
			switch made := checked.TookEffect(); {
			case made == left:
				c.question = fmt.Sprintf("Nothing is left to make: settle on %s what the earlier run left unknown, as the tenant shows it?", printableName(s.Name))
				c.notDone, c.forceDoes = "changed", "settle what the earlier run left unknown, making no call"
			case made > 0:
				c.calls = left - made
				c.question = fmt.Sprintf("Make %s on %s?", theseCalls(c.calls), printableName(s.Name))
			}
		}
		if c.refusal == nil && checked != nil && len(checked.Refused) > 0 {
			// Not asked: --force would stop at the first step refused, and
			// a yes would make the calls before it, leaving the plan
			// halfway (its journal to settle) for a refusal known now.
			c.refusal = checkedRefusal(checked)
		}
		ok, err := confirm(o.ctx, o.io, o.writeFlags, c)
		if err != nil || !ok {
			return err
		}
		err = runPlan(o.ctx, o.io, o.writeFlags, s, p, session.ApplyOptions{Journal: journalPath, Reason: o.Reason})
		if errors.Is(err, audit.ErrJournalLocked) {
			return &exitError{code: exitRefused, err: fmt.Errorf("%w: another linkdesk is applying this plan", err)}
		}
		if errors.Is(err, audit.ErrJournalBound) || errors.Is(err, audit.ErrPlanMismatch) {
			return &exitError{code: exitUsage, err: err}
		}
		return err
	})
}

// refusedForScope reports whether the dry run's check (nil: none) refused
// step's operation for a scope the token lacks (missing_scope): that
// refusal names every scope the operation's steps left lack.
func refusedForScope(checked *linking.Precheck, p *linking.Plan, step string) bool {
	if checked == nil {
		return false
	}
	for _, r := range checked.Refused {
		if r.Check != linking.CheckMissingScope {
			continue
		}
		if op, ok := p.Op(r.Op); ok && slices.ContainsFunc(op.Steps, func(s linking.Step) bool { return s.ID == step }) {
			return true
		}
	}
	return false
}

// journalState is what the dry run says of the journal a run keeps.
type journalState struct {
	path string
	snap *audit.JournalSnapshot // nil: there is none yet
	err  error                  // it could not be read: the run says why
}

// ended is how many steps the journal records as done, left for good, or
// never to be made again: none a run makes (linking.StepEnded).
func (j journalState) ended() int {
	n := 0
	if j.snap != nil {
		for _, st := range j.snap.Steps {
			if linking.StepEnded(st) {
				n++
			}
		}
	}
	return n
}

// endedStep reports whether the journal records step as ended (ended).
func (j journalState) endedStep(step string) bool {
	st, ok := j.snap.Step(step)
	return ok && linking.StepEnded(st)
}

// readsShown: a dry run reading more accounts than this shows it does.
const readsShown = 5

// checkLeft reads, once each, the accounts of the steps left of p (those
// the journal does not record ended) and runs on each step the checks
// --force makes before its call (session.CheckPlan). Reading more than a
// handful, it says so on stderr: a line counting them on a terminal, one
// line otherwise (the reads are paced: 2 a second on a free tenant).
// Ctrl-C (ctx) ends the reads.
func checkLeft(ctx context.Context, ios *streams, s *session.Session, p *linking.Plan, journal journalState) (*linking.Precheck, error) {
	progress := progressPrinter(ios)
	var line *rateLine
	read := func(n, of int) {
		switch {
		case of <= readsShown:
		case progress.enabled:
			if line == nil {
				line = newRateLine(s.Tenant.RateLimit, progress)
				line.start()
			}
			line.set(fmt.Sprintf("reading %d accounts to check the steps left… %d/%d", of, n, of))
		case n == 0:
			fmt.Fprintf(ios.ErrOut, "Reading %d accounts, each once, to check the steps left as --force would…\n", of)
		}
	}
	checked, err := s.CheckPlan(ctx, p, journal.snap, read)
	if line != nil {
		line.stop()
	}
	return checked, err
}

// applyDryRunJSON is apply's dry run with --json: the plan's operations
// and, when the dry run checked them, what it found (added fields).
type applyDryRunJSON struct {
	dryRunJSON
	*checkedJSON
}

type checkedJSON struct {
	Checked   bool              `json:"checked"`
	Accounts  int               `json:"accounts_read"`
	StepsLeft int               `json:"steps_left"`
	Passed    int               `json:"steps_passed"`
	Refused   []linking.Refusal `json:"refused"`
	// Unsettled (added) are the steps left an earlier run was cut off
	// during, as --force would settle each first; one the tenant shows
	// made is not counted in Passed.
	Unsettled []linking.CutOff `json:"unsettled"`
}

// showApplyDryRun prints apply's dry run as one JSON value (nothing with
// --force: the result says it all).
func showApplyDryRun(ios *streams, f writeFlags, p *linking.Plan, checked *linking.Precheck) error {
	if f.Force {
		return nil
	}
	out := applyDryRunJSON{dryRunJSON: dryRunJSON{DryRun: true, Plan: p.ID, Operations: p.Operations}}
	if checked != nil {
		out.checkedJSON = &checkedJSON{Checked: true, Accounts: checked.Accounts, StepsLeft: checked.Steps,
			Passed: checked.Passed, Refused: checked.Refused, Unsettled: checked.Unsettled}
		if out.Refused == nil {
			out.Refused = []linking.Refusal{}
		}
		if out.Unsettled == nil {
			out.Unsettled = []linking.CutOff{}
		}
	}
	return writeJSON(ios.Out, out)
}

// describeChecked says what checking the steps left found: how --force
// would settle each step an earlier run was cut off during, how many pass,
// and each step --force would refuse, by its check's id and reason, with
// its accounts named as the plan names them.
func describeChecked(w io.Writer, p *linking.Plan, c *linking.Precheck) {
	describeCutOff(w, c.Unsettled)
	toMake, left := c.Steps-c.TookEffect(), "left"
	if toMake < c.Steps {
		left = "left to make"
	}
	read := fmt.Sprintf("%d %s read, each once", c.Accounts, plural(c.Accounts, "account", "accounts"))
	stop := stopsAt(p, c)
	switch {
	case toMake == 0:
		fmt.Fprintf(w, "\nChecked on the tenant now (%s): once settled, no step is left to make.\n", read)
		return
	case stop == "":
		fmt.Fprintf(w, "\nChecked on the tenant now (%s): %s the checks --force makes before each call; it reads the accounts again before each, and refuses a call whose accounts changed by then.\n",
			read, plural(toMake, "the step "+left+" passes", fmt.Sprintf("all %d steps %s pass", toMake, left)))
		return
	}
	fmt.Fprintf(w, "\nChecked on the tenant now (%s): %d of %d %s the checks --force makes before each call",
		read, c.Passed, toMake, plural(toMake, "step "+left+" passes", "steps "+left+" pass"))
	if len(c.Refused) == 0 {
		fmt.Fprintln(w, ".")
	} else {
		fmt.Fprintln(w, "; it would refuse:")
	}
	for _, r := range c.Refused {
		op, _ := p.Op(r.Op)
		names := make([]string, len(r.UserIDs))
		for i, id := range r.UserIDs {
			names[i] = op.Named(id)
		}
		fmt.Fprintf(w, "  %-12s refused (%s)", printableName(r.Step), r.Check)
		if len(names) > 0 {
			fmt.Fprintf(w, ": %s", printableName(strings.Join(names, ", ")))
		}
		fmt.Fprintf(w, "\n      %s\n", printableName(audit.Scrub(r.Reason)))
		if len(r.After) > 0 {
			fmt.Fprintf(w, "      (checked on its accounts as they are now, before %s, which %s them first: --force checks it again then)\n",
				printableName(strings.Join(r.After, ", ")), plural(len(r.After), "changes", "change"))
		}
	}
	made := "it makes none of the calls"
	if c.Before > 0 {
		made = fmt.Sprintf("it makes the %s before it, none after", plural(c.Before, "call", fmt.Sprintf("%d calls", c.Before)))
	}
	if slices.ContainsFunc(c.Refused, func(r linking.Refusal) bool { return r.Step == stop }) {
		fmt.Fprintf(w, "--force stops at %s, before its call: %s.\n", printableName(stop), made)
	} else {
		fmt.Fprintf(w, "--force stops at %s once it has settled it, its outcome unknown (above): %s.\n", printableName(stop), made)
	}
}

// describeCutOff says how --force would settle, first, each step an earlier
// run was cut off during (the tenant as read now).
func describeCutOff(w io.Writer, cut []linking.CutOff) {
	if len(cut) == 0 {
		return
	}
	fmt.Fprintf(w, "\nLeft unknown by an earlier run, cut off during %s (the journal says %s sent, and no answer is on record): --force settles %s first by reading the tenant, as `linkdesk resume` does, and the tenant shows now:\n",
		plural(len(cut), "its call", "their calls"), plural(len(cut), "it was", "they were"), plural(len(cut), "it", "each"))
	for _, u := range cut {
		var does string
		switch u.Outcome {
		case linking.CutTookEffect:
			does = "took effect: --force records it done by that run, and does not make it again"
		case linking.CutNotMade:
			does = "not made: --force makes it, once, after the checks below"
		default:
			does = "outcome unknown: --force records it so and stops there; `linkdesk resume` settles it alike, and says what finishing would make"
		}
		fmt.Fprintf(w, "  %-12s %s\n      %s\n", printableName(u.Step), does, printableName(audit.Scrub(u.Note)))
	}
}

// stopsAt is the step of p at which --force would stop, as the dry run
// found it: the first refused or left unknown, in plan order; "" for none.
func stopsAt(p *linking.Plan, c *linking.Precheck) string {
	for _, id := range p.StepIDs() {
		if slices.ContainsFunc(c.Refused, func(r linking.Refusal) bool { return r.Step == id }) ||
			slices.ContainsFunc(c.Unsettled, func(u linking.CutOff) bool { return u.Step == id && u.Outcome == linking.CutUnknown }) {
			return id
		}
	}
	return ""
}

// checkedRefusal is the refusal (exit 3) of a dry run that found steps
// --force would refuse: the first one's check, named by its step.
func checkedRefusal(c *linking.Precheck) error {
	r := c.Refused[0]
	reason := fmt.Sprintf("--force would refuse step %s: %s", r.Step, r.Reason)
	if n := len(c.Refused) - 1; n > 0 {
		reason += fmt.Sprintf(" (and %d more %s, listed above)", n, plural(n, "step", "steps"))
	}
	return &linking.SafetyError{Check: r.Check, Reason: reason, UserIDs: r.UserIDs}
}

// journalFor reads the journal at path for a run of p on s, and refuses
// (exit 2) what the run would refuse before any call: a journal of another
// plan, of this plan on another tenant or with other steps
// (audit.ErrPlanMismatch), and, when --journal was given, another path
// while this plan's journal on this tenant is kept at its default path
// (audit.ErrJournalBound).
func journalFor(s *session.Session, p *linking.Plan, path string, given bool) (journalState, error) {
	js := journalState{path: path}
	// The journal as the operator named it: by its flag only when given.
	named := "this plan's journal " + path
	if given {
		named = "--journal " + path
	}
	snap, err := audit.ReadJournal(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err != nil && noLineYet(path)):
		// None, or one cut off before its first line was whole: the run
		// starts it afresh.
	case err != nil:
		js.err = err
	case snap.PlanID != audit.Scrub(p.ID):
		err := fmt.Errorf("%s: %w: it records %s, not %s", named, audit.ErrPlanMismatch, snap.PlanID, p.ID)
		if given {
			err = fmt.Errorf("%w (this plan's journal is %s, the default without --journal)", err, s.JournalPath(p.ID))
		}
		return js, &exitError{code: exitUsage, err: err}
	case !audit.SameTenant(snap.Tenant, audit.Scrub(s.Name)):
		return js, &exitError{code: exitUsage, err: fmt.Errorf("%s: %w: it records plan %s on the tenant %s, not on %s",
			named, audit.ErrPlanMismatch, p.ID, snap.Tenant, s.Name)}
	case !slices.Equal(journalSteps(snap), scrubbed(p.StepIDs())):
		err := fmt.Errorf("%s: %w: plan %s with other steps", named, audit.ErrPlanMismatch, p.ID)
		if !given {
			// The plan file changed since its journal began (edited and
			// sealed again under the same id).
			err = fmt.Errorf("%w: the plan file's steps are not the ones its earlier run began with (a copy edited and sealed again under the same id ran first); make a new plan with `linkdesk plan`", err)
		}
		return js, &exitError{code: exitUsage, err: err}
	default:
		js.snap = snap
		if inUse, _ := audit.JournalInUse(path); inUse { // said before the dry run claims what this run would do
			return js, &exitError{code: exitRefused, err: journalHeld{fmt.Errorf("plan %s is being applied by another linkdesk now (its journal %s is held): wait for that run to end", p.ID, path)}}
		}
	}
	if !given {
		return js, nil
	}
	def, err := s.PlanJournal(p.ID)
	if err != nil || samePath(def, path) {
		return js, nil
	}
	if _, err := os.Stat(def); err == nil {
		return js, &exitError{code: exitUsage, err: fmt.Errorf("--journal %s: %w: %s (run it with that journal, or without --journal)", path, audit.ErrJournalBound, def)}
	}
	return js, nil
}

// journalHeld is a refusal of a plan whose journal another linkdesk
// holds: it matches audit.ErrJournalLocked, its words its own.
type journalHeld struct{ error }

func (journalHeld) Is(target error) bool { return target == audit.ErrJournalLocked }

// noLineYet reports whether the file at path holds no whole line (a
// journal's header is its first line).
func noLineYet(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && !bytes.Contains(data, []byte("\n"))
}

func journalSteps(snap *audit.JournalSnapshot) []string {
	ids := make([]string, len(snap.Steps))
	for i, st := range snap.Steps {
		ids[i] = st.ID
	}
	return ids
}

// scrubbed is ids as a journal records them.
func scrubbed(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = audit.Scrub(id)
	}
	return out
}

// samePath reports whether a and b name the same file.
func samePath(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// journalMaker says what makes the journal of a plan that has none yet:
// this run (--force), a yes to the question that follows (a terminal), or
// nothing this time (a dry run, which makes none).
func journalMaker(io *streams, f writeFlags, s *session.Session) string {
	switch {
	case s != nil && s.ReadOnly:
		return "--read-only makes no journal: a run without it, with --force, makes it"
	case f.Force:
		return "this run makes it"
	case io.InteractiveIn():
		return "a yes to the question below makes it"
	}
	return "--force makes it"
}

// describeJournal says whether an earlier run of this plan left a journal,
// and how far it got; of none, what makes it (maker: journalMaker), since a
// dry run makes none (tester: "(new)" named a file that was never made).
// journalFor has refused a journal of anything else.
func describeJournal(io *streams, j journalState, p *linking.Plan, maker string) {
	path, snap := printableName(j.path), j.snap
	switch {
	case j.err != nil:
		fmt.Fprintf(io.Out, "\nJournal: %s cannot be read, and a run would stop there: %s\n", path, printableName(j.err.Error()))
		return
	case snap == nil:
		fmt.Fprintf(io.Out, "\nJournal: %s (none yet: %s)\n", path, maker)
		return
	}
	done, discarded, discardedMaybe := 0, 0, 0
	var madeMaybe []string
	for _, st := range snap.Steps {
		switch {
		case st.State == audit.StepDone:
			done++
		case st.State == audit.StepSkipped && linking.MayHaveBeenMade(st.Note):
			discardedMaybe++
		case st.State == audit.StepSkipped:
			discarded++
		default:
			if again, ok := linking.MadeAgain(st.Note); ok {
				if linking.PlanMakesAgain(st.Note) {
					again += " (this run does; " + linking.ResumeCommand(p.ID, "--discard", "--force") + " leaves it)"
				}
				madeMaybe = append(madeMaybe, fmt.Sprintf("%s, its answer never came; %s", st.ID, again))
			}
		}
	}
	fmt.Fprintf(io.Out, "\nJournal: %s — it records %d of %s done by an earlier run (a run confirms each on the tenant before it counts it done)", path, done, calls(len(p.StepIDs())))
	if discarded > 0 {
		fmt.Fprintf(io.Out, ", and %d %s discarded (`linkdesk resume --discard`): never made", discarded, plural(discarded, "was", "were"))
	}
	if discardedMaybe > 0 {
		fmt.Fprintf(io.Out, ", and %d %s discarded after %s answer was lost: it may have gone out", discardedMaybe, plural(discardedMaybe, "was", "were"), plural(discardedMaybe, "its", "each"))
	}
	fmt.Fprintf(io.Out, "; this run makes only what is left\n")
	for _, m := range madeMaybe {
		// As resume says it: making such a call again is the operator's choice.
		fmt.Fprintf(io.Out, "May have gone out already: %s\n", m)
	}
}
