package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/session"
)

type resumeOptions struct {
	cmdEnv

	writeFlags
	Discard bool
	// Plan, when set, is the one plan to act on (PLAN_ID); else every plan
	// unsettled on the tenant.
	Plan string

	run resumeRun // what this run's questions of its plans met
}

// resumeRun is what the questions of a resume over several plans met, for
// its exit code and its last words: a No to one plan is not the outcome of
// the whole run (tester: n to a link, y to a ticket discarded the ticket,
// and the command exited 1 after "Not confirmed: nothing was changed.").
type resumeRun struct {
	plans     int                 // listed, and acted on in turn
	confirmed int                 // questions answered yes (or --force)
	dryRuns   int                 // plans shown as a dry run, without a terminal
	declined  []session.Unsettled // plans whose question was answered No
}

// notConfirmed is what confirm says of plan planID answered No: in a run
// of several plans, that plan alone is left as it was.
func (r *resumeRun) notConfirmed(planID string) string {
	if r.plans > 1 {
		return "plan " + planID + " is left as it was"
	}
	return ""
}

// asked records what confirm gave for a plan's question.
func (r *resumeRun) asked(ok bool, err error) {
	switch {
	case ok:
		r.confirmed++
	case err == nil:
		r.dryRuns++
	}
}

func newResumeCmd(g *globalOptions, io *streams, runF func(*resumeOptions) error) *cobra.Command {
	o := &resumeOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "resume [PLAN_ID]",
		Short: "Settle writes that were cut off (Ctrl-C, a kill, a lost answer)",
		Long: `Every write of linkdesk (apply, link, unlink, delete, ticket, and every write
from the terminal UI) runs as a plan under a journal. A run cut off during a
call leaves that call's outcome unknown; a run killed between calls leaves the
rest of its plan undone.

resume finds this tenant's plans in that state, reads the tenant to learn
whether each call cut off took effect, and records the outcome in the audit
log and the journal: that needs no confirmation, as it changes nothing on the
tenant. What then remains of a plan is shown as a dry run (summed up past a few
operations; --verbose lists every call); --force (or "y" on
a terminal) makes those calls, with every check an apply makes.

--discard leaves what remains undone for good instead: the calls made
stay on the tenant, and it says what takes them back. It is a write like
any other: it shows what it would leave, asks on a terminal (default No),
and without a terminal discards nothing unless --force is given with it.
A discard made is kept in the audit log, one record an operation it
leaves, with the operator and --reason (linkdesk audit --action discard).

Without PLAN_ID, resume acts on every plan of this tenant it lists (--force
finishes each, --discard --force discards each); given the id of one of
them (as resume lists it: "plan PLAN_ID (…)"), on that plan alone, and the
advice it prints names the plan it is about. A PLAN_ID that is not one it
lists is a usage error (exit 2) naming those it lists.`,
		Example: `  linkdesk resume
  linkdesk resume --force
  linkdesk resume --discard
  linkdesk resume --discard --force plan-20261201T084633Z-05448e708b9a --reason "ZD-11: no second ticket"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			// An empty PLAN_ID (an unset shell variable) is refused, never
			// taken for none: resume would act on every plan.
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Plan = args[0]
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runResume)
		},
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	addVerboseFlag(cmd, &o.writeFlags)
	cmd.Flags().BoolVar(&o.Discard, "discard", false, "leave what remains of the plans undone for good (after settling what was cut off); with --force, without asking")
	return cmd
}

func runResume(o *resumeOptions) error {
	return o.withSession(func(s *session.Session) error {
		list, err := s.Unsettled()
		if err != nil {
			return commandError(err)
		}
		if o.Plan != "" {
			i := slices.IndexFunc(list, func(u session.Unsettled) bool { return u.PlanID == o.Plan })
			if i < 0 {
				return resumeUnlisted(o, s, list)
			}
			list = list[i : i+1]
		}
		if len(list) == 0 {
			// With --json, stdout holds one JSON value: the empty run, its
			// words on stderr (tester: the prose was on stdout).
			out := o.io.Out
			if o.JSON {
				out = o.io.ErrOut
			}
			msg := fmt.Sprintf("Nothing to settle on %s: every write of this tenant recorded in %s ended as seen.", printableName(s.Name), s.Paths.Journals)
			fmt.Fprintln(out, msg)
			earlier, err := s.CutOffOnEarlierRuns()
			if err != nil {
				return commandError(err)
			}
			var notes []string
			for _, name := range slices.Sorted(maps.Keys(earlier)) {
				// Said, so that "nothing to settle" hides nothing (tester):
				// whatever they left (a call cut off, a ticket settled as
				// unknown, a link half made), no run here makes or settles it.
				n := earlier[name]
				note := fmt.Sprintf("%s on %s, an earlier run of the sandbox at this address, did not finish as seen: that tenant ended with its run, so no resume settles, finishes or discards %s; plan anew here what is still wanted.",
					plural(n, "1 write", fmt.Sprintf("%d writes", n)), printableName(name), plural(n, "it", "them"))
				fmt.Fprintln(out, note)
				notes = append(notes, note)
			}
			others, err := s.UnsettledOnOtherTenants()
			if err != nil {
				return commandError(err)
			}
			for _, name := range slices.Sorted(maps.Keys(others)) {
				while := ""
				if strings.HasPrefix(name, "sandbox ") {
					while = ", while that sandbox run still serves"
				}
				note := fmt.Sprintf("%s on %s, another tenant, %s not settled: run `linkdesk resume` with that tenant's AUTH0_DOMAIN (and credentials) to settle %s%s.",
					plural(others[name], "1 write", fmt.Sprintf("%d writes", others[name])), printableName(name), plural(others[name], "is", "are"), plural(others[name], "it", "them"), while)
				fmt.Fprintln(out, note)
				notes = append(notes, note)
			}
			if o.JSON {
				return writeJSON(o.io.Out, resumeNothingJSON{Operations: []linking.Operation{}, Message: msg, Notes: notes})
			}
			return nil
		}
		var firstErr error
		o.run = resumeRun{plans: len(list)}
		for i, u := range list {
			err := resumeOne(o, s, u)
			if errors.Is(err, errNotConfirmed) {
				o.run.declined = append(o.run.declined, u)
			} else if err != nil && firstErr == nil {
				firstErr = err
			}
			if o.ctx.Err() != nil {
				// Ctrl-C: the plans left are not asked about (nor settled),
				// and the operator hears so, whatever became of this one.
				if left := len(list) - i - 1; left > 0 {
					more := fmt.Errorf("interrupted: %d more %s not settled; run `linkdesk resume` again", left, plural(left, "plan is", "plans are"))
					if firstErr == nil {
						firstErr = more
					} else {
						fmt.Fprintln(o.io.ErrOut, "linkdesk:", more)
					}
				}
				break
			}
		}
		return o.closeRun(firstErr)
	})
}

// closeRun says, after a resume over several plans, what the plans it did
// not act on were left as, and gives the run its error: a No to some plans
// is the run's failure only when no question was answered yes (exit 1, as
// a write answered No); else the run did what was asked of it (exit 0),
// and its last line names the plans left as they were. firstErr is the
// first error of a plan that was no No.
func (o *resumeOptions) closeRun(firstErr error) error {
	r := &o.run
	if r.plans < 2 {
		if len(r.declined) > 0 && firstErr == nil {
			return errNotConfirmed
		}
		return firstErr
	}
	if len(r.declined) > 0 {
		if r.confirmed == 0 {
			fmt.Fprintf(o.io.ErrOut, "\nNot confirmed: nothing was finished or discarded of the %d %s.\n", len(r.declined), plural(len(r.declined), "plan", "plans"))
			if firstErr == nil {
				firstErr = errNotConfirmed
			}
			return firstErr
		}
		id, of := "PLAN_ID", " of one"
		if len(r.declined) == 1 {
			id, of = r.declined[0].PlanID, ""
		}
		again := linking.ResumeCommand(id)
		if o.Discard {
			again = linking.ResumeCommand(id, "--discard")
		}
		names := make([]string, len(r.declined))
		for i, u := range r.declined {
			names[i] = terminalText(u.Name())
		}
		fmt.Fprintf(o.io.ErrOut, "\nNot confirmed, and left as %s: %s; `%s` asks again%s.\n",
			plural(len(names), "it was", "they were"), strings.Join(names, ", "), again, of)
	}
	if r.dryRuns > 1 && o.Plan == "" {
		// Each plan's dry run named the command of that plan alone; the
		// command without an id acts on them all.
		if o.Discard {
			fmt.Fprintf(o.io.ErrOut, "\n`linkdesk resume --discard --force` without a plan id discards what remains of %s above; `%s` discards one alone.\n", allPlans(r.dryRuns), linking.ResumeCommand("PLAN_ID", "--discard", "--force"))
		} else {
			fmt.Fprintf(o.io.ErrOut, "\n`linkdesk resume --force` without a plan id finishes %s above; `%s` finishes one alone.\n", allPlans(r.dryRuns), linking.ResumeCommand("PLAN_ID", "--force"))
		}
	}
	return firstErr
}

// allPlans counts n plans (n > 1) as a sentence says all of them.
func allPlans(n int) string { return plural(n-1, "both plans", fmt.Sprintf("all %d plans", n)) }

// resumeUnlisted answers resume given a plan id that list, this tenant's
// unsettled plans, does not hold: a plan run on this tenant whose last run
// ended as seen has nothing to settle (exit 0, as resume with none); any
// other id is a usage error (exit 2) naming the plans list holds.
func resumeUnlisted(o *resumeOptions, s *session.Session, list []session.Unsettled) error {
	tenants, err := s.PlanTenants(o.Plan)
	if err != nil {
		return commandError(err)
	}
	if slices.ContainsFunc(tenants, func(t string) bool { return audit.SameTenant(t, s.Name) }) {
		msg := fmt.Sprintf("Nothing to settle of plan %s on %s: its last run ended as seen.", printableName(o.Plan), printableName(s.Name))
		if o.JSON {
			fmt.Fprintln(o.io.ErrOut, msg)
			return writeJSON(o.io.Out, resumeNothingJSON{Plan: o.Plan, Operations: []linking.Operation{}, Message: msg})
		}
		fmt.Fprintln(o.io.Out, msg)
		return nil
	}
	what := fmt.Sprintf("plan %s is not a plan left to settle on %s", printableName(o.Plan), printableName(s.Name))
	for i, t := range tenants {
		tenants[i] = printableName(t)
	}
	if len(tenants) > 0 {
		what += fmt.Sprintf(" (it was run on %s, another tenant)", strings.Join(tenants, " and "))
	}
	if len(list) == 0 {
		return usageErrorf("%s; none is left to settle there", what)
	}
	plans := make([]string, len(list))
	for i, u := range list {
		plans[i] = "\n  " + terminalText(u.Summary())
	}
	return usageErrorf("%s; %s:%s", what, plural(len(list), "the one left to settle there is", fmt.Sprintf("the %d left to settle there are", len(list))), strings.Join(plans, ""))
}

// resumeNothingJSON is what resume --json prints with no plan to settle:
// as a dry run's, no operations, and why.
type resumeNothingJSON struct {
	Plan       string              `json:"plan_id,omitempty"` // of a plan resume leaves as it is
	InUse      bool                `json:"in_use,omitempty"`  // another linkdesk holds its journal
	Operations []linking.Operation `json:"operations"`
	Message    string              `json:"message"`
	Notes      []string            `json:"notes,omitempty"` // writes cut off on an earlier sandbox, which cannot be settled
}

// resumeOne settles one plan, then finishes, discards or shows what remains.
func resumeOne(o *resumeOptions, s *session.Session, u session.Unsettled) error {
	// With --json, stdout holds the JSON of the run alone: what settling
	// found goes to stderr.
	out := o.io.Out
	if o.JSON {
		out = o.io.ErrOut
	}
	fmt.Fprintf(out, "%s\n", terminalText(u.Summary()))
	if u.InUse {
		fmt.Fprintln(out, "  left alone: another linkdesk holds its journal.")
		if o.JSON {
			return writeJSON(o.io.Out, resumeNothingJSON{Plan: u.PlanID, InUse: true, Operations: []linking.Operation{},
				Message: "left alone: another linkdesk holds its journal."})
		}
		return nil
	}
	var settled *linking.Result // what settling found, and the audit logs it recorded in
	if len(u.Unknown) > 0 {
		res, err := s.SettleWithReason(o.ctx, u, o.Reason)
		if res != nil {
			for _, st := range res.Steps {
				if slices.Contains(u.Unknown, st.Step) {
					fmt.Fprintf(out, "  settled %s: %s\n", printableName(st.Step), settledText(st))
				}
			}
			settled = res
		}
		if err != nil {
			return commandError(err)
		}
	}
	var settledIn []string
	if settled != nil {
		settledIn = settled.AuditLogs
	}
	remaining, madeMaybe, err := s.RemainingSteps(u)
	if err != nil {
		return commandError(err)
	}
	if len(remaining) == 0 {
		fmt.Fprintln(out, "  settled: nothing remains to do.")
		for _, log := range settledIn {
			fmt.Fprintf(out, "  audit log: %s\n", printableName(log))
		}
		if o.JSON && settled != nil {
			return writeJSON(o.io.Out, resultJSON(settled, s))
		}
		if o.JSON {
			return writeJSON(o.io.Out, resumeNothingJSON{Plan: u.PlanID, Operations: []linking.Operation{}, Message: "settled: nothing remains to do."})
		}
		if settled != nil && !o.JSON && !s.Sandbox {
			printUndoHint(out, s, u.Plan, settled)
		}
		return nil
	}
	// Operations some of whose calls were made: the calls stay on the
	// tenant whatever becomes of the rest, and a discard says so (tester:
	// it named only what it left undone).
	partly, err := s.PartlyMade(u)
	if err != nil {
		return commandError(err)
	}
	if o.Discard {
		return discardRest(o, s, u, remaining, madeMaybe, partly)
	}
	// A step that may have gone out is listed as that alone, not as "not
	// done yet" too.
	if notYet := slices.DeleteFunc(slices.Clone(remaining), func(step string) bool {
		return slices.ContainsFunc(madeMaybe, func(m session.MaybeMade) bool { return m.Step == step })
	}); len(notYet) > 0 {
		fmt.Fprintf(out, "  not done yet: %s\n", stepList(notYet))
	}
	keep := s.CheckDiscard(u, func(step string) bool { return !slices.Contains(remaining, step) }) // why the rest cannot be left undone, if it cannot
	if keep != nil {
		fmt.Fprintf(out, "  cannot be left undone: %s\n", printableName(keep.Error()))
	}
	for _, m := range madeMaybe {
		how := ""
		if m.Remade {
			how = " (finishing does; --discard leaves it)"
		}
		fmt.Fprintf(out, "  may have gone out already: %s, its answer never came; %s%s\n", m.Step, m.Again, how)
	}
	if !slices.ContainsFunc(remaining, func(step string) bool {
		return !slices.ContainsFunc(madeMaybe, func(m session.MaybeMade) bool { return m.Step == step && !m.Remade })
	}) {
		// What remains may have gone out on a tenant changed since: this
		// plan makes none of it again, so there is nothing to finish.
		msg := "nothing remains that finishing could make: leave it for good with `" + discardCommand(o.io, u.PlanID) + "`, and plan anew if it is still wanted."
		if keep != nil { // said above: why it cannot be left undone either
			msg = "nothing remains that finishing could make, and it cannot be left undone: plan anew from the tenant as it is, then leave this with `" + discardCommand(o.io, u.PlanID) + "`."
		}
		fmt.Fprintln(out, "  "+msg)
		if o.JSON {
			if err := writeJSON(o.io.Out, resumeNothingJSON{Plan: u.PlanID, Operations: []linking.Operation{}, Message: msg}); err != nil {
				return err
			}
		}
		if o.Force {
			return &exitError{code: exitFailure}
		}
		return nil
	}
	done := func(step string) bool { return !slices.Contains(remaining, step) }
	ok, err := showAndConfirm(o.ctx, o.io, o.writeFlags, u.Plan, ahead(confirmation{
		question: fmt.Sprintf("Finish plan %s on %s (steps done are not made again)?", u.PlanID, printableName(s.Name)),
		done:     done,
		// resume without a plan id makes every plan's calls.
		forceCommand: linking.ResumeCommand(u.PlanID, "--force"),
		askCommand:   linking.ResumeCommand(u.PlanID),
		notConfirmed: o.run.notConfirmed(u.PlanID),
	}, s, u.Plan))
	o.run.asked(ok, err)
	if err != nil || !ok {
		if (err == nil || errors.Is(err, errNotConfirmed)) && !o.Force && keep == nil {
			// What may have gone out is not "undone": --discard only never makes it again.
			if n := madeCalls(partly); n > 0 {
				fmt.Fprintf(o.io.ErrOut, "A discard leaves the %d %s made already on the tenant: it says how to take %s back.\n", n, plural(n, "call", "calls"), plural(n, "it", "them"))
			}
			switch discard := discardCommand(o.io, u.PlanID); {
			case len(madeMaybe) == 0:
				fmt.Fprintf(o.io.ErrOut, "To leave %s undone for good: %s\n", plural(len(remaining), "it", "them"), discard)
			case len(madeMaybe) == len(remaining):
				fmt.Fprintf(o.io.ErrOut, "To make %s no more (%s may have gone out already): %s\n", plural(len(remaining), "it", "them"), plural(len(remaining), "it", "they"), discard)
			default:
				fmt.Fprintln(o.io.ErrOut, "To leave the rest undone for good, and make what may have gone out already no more: "+discard)
			}
		}
		return err
	}
	opts := session.ApplyOptions{Reason: o.Reason}
	calls := newCallsLine(o.io, s, u.Plan)
	if !o.JSON {
		opts.Progress = calls.step
		calls.start()
	}
	res, err := s.Finish(o.ctx, u, opts)
	calls.stop() // cleared before the summary
	if res == nil {
		return reportRun(o.io, o.writeFlags, s, res, err)
	}
	for _, log := range settledIn {
		if !slices.Contains(res.AuditLogs, log) {
			res.AuditLogs = append([]string{log}, res.AuditLogs...)
		}
	}
	err = reportRun(o.io, o.writeFlags, s, res, err)
	if o.JSON {
		// stdout holds the run's JSON; stderr, which said what was not done
		// yet, ends with what the run made, as the text says it (it ended
		// on "not done yet" though the plan was finished).
		printSummary(out, res, s)
	}
	if !s.Sandbox { // as a write command says it, of the calls settled done too
		all := *res
		if settled != nil {
			all.Steps = append(slices.Clone(settled.Steps), res.Steps...)
		}
		printUndoHint(out, s, u.Plan, &all)
	}
	return err
}

// discardCommand is the command that discards what remains of plan
// planID alone (resume --discard without a plan id discards every plan
// listed), as it runs where this one runs: on a terminal --discard shows
// what it would leave and asks; elsewhere it is a dry run, and --force
// with it discards.
func discardCommand(ios *streams, planID string) string {
	if ios.InteractiveIn() {
		return linking.ResumeCommand(planID, "--discard")
	}
	return linking.ResumeCommand(planID, "--discard", "--force")
}

// discardRest leaves what remains of u's plan (settled) undone for good,
// under the write contract (ARCHITECTURE.md): a discard makes no call, but
// it gives up for good on what the plan was to make, so without --force it
// is shown as a dry run, asked on a terminal (default No), and without a
// terminal nothing is discarded (exit 0). remaining, madeMaybe and partly
// are what RemainingSteps and PartlyMade say of u.
func discardRest(o *resumeOptions, s *session.Session, u session.Unsettled, remaining []string, madeMaybe []session.MaybeMade, partly []session.PartlyMade) error {
	out := o.io.Out
	if o.JSON {
		out = o.io.ErrOut
	}
	if !o.Force {
		printDiscard(out, u.Plan, false, remaining, madeMaybe, partly)
	}
	ok, err := confirm(o.ctx, o.io, o.writeFlags, confirmation{
		question:  fmt.Sprintf("Discard what remains of plan %s on %s, for good?", u.PlanID, printableName(s.Name)),
		calls:     len(remaining),
		notDone:   "discarded",
		forceDoes: "discard what remains of plan " + u.PlanID,
		// resume --discard without a plan id discards every plan listed.
		forceCommand: linking.ResumeCommand(u.PlanID, "--discard", "--force"),
		askCommand:   linking.ResumeCommand(u.PlanID, "--discard"),
		notConfirmed: o.run.notConfirmed(u.PlanID),
		readOnly:     s.ReadOnly,
		// Refused before the question, as the discard itself would refuse it.
		refusal: s.CheckDiscard(u, func(step string) bool { return !slices.Contains(remaining, step) }),
	})
	o.run.asked(ok, err)
	if err != nil {
		return err
	}
	var recorded []audit.Record // the discard's audit records, one an operation left
	if ok {
		log, recs, err := s.DiscardWithReason(u, o.Reason)
		if err != nil {
			return commandError(err)
		}
		recorded = recs
		printDiscard(out, u.Plan, true, remaining, madeMaybe, partly)
		if len(recs) > 0 {
			fmt.Fprintf(out, "  audit log: %s (linkdesk audit --action %s)\n", printableName(log), audit.ActionDiscard)
		}
	}
	if o.JSON {
		return writeJSON(o.io.Out, discardedJSON(u.Plan, ok, remaining, madeMaybe, partly, recorded))
	}
	return nil
}

// printDiscard says what a discard of a plan leaves (discarded: left): its
// steps never made, left undone for good, those whose answer never came,
// not made again, and the calls made of each operation it leaves halfway,
// which stay on the tenant, with what takes them back.
func printDiscard(out io.Writer, p *linking.Plan, discarded bool, remaining []string, madeMaybe []session.MaybeMade, partly []session.PartlyMade) {
	var never []string
	for _, step := range remaining {
		if !slices.ContainsFunc(madeMaybe, func(m session.MaybeMade) bool { return m.Step == step }) {
			never = append(never, step)
		}
	}
	if len(never) > 0 {
		if discarded {
			fmt.Fprintf(out, "  discarded: %s left undone for good.\n", stepList(never))
		} else {
			fmt.Fprintf(out, "  a discard would leave %s undone for good.\n", stepList(never))
		}
		printOperationsOf(out, p, never)
	}
	for _, m := range madeMaybe {
		if discarded {
			fmt.Fprintf(out, "  discarded: %s is not made again; it may have gone out already, its answer never came (%s).\n", m.Step, m.Gone)
		} else {
			fmt.Fprintf(out, "  a discard would not make %s again; it may have gone out already, its answer never came (%s).\n", m.Step, m.Gone)
		}
	}
	printPartlyMade(out, partly)
}

// printOperationsOf names the operations the steps belong to (the first
// stepsListed of them), as a step id alone ("op2.link") does not say which
// accounts it concerns (tester).
func printOperationsOf(out io.Writer, p *linking.Plan, steps []string) {
	var ops []string
	for _, step := range steps {
		if op, _, _ := strings.Cut(step, "."); !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	for i, id := range ops {
		if i == stepsListed {
			fmt.Fprintf(out, "    and %d more operations\n", len(ops)-stepsListed)
			break
		}
		if op, ok := p.Op(id); ok {
			fmt.Fprintf(out, "    %s: %s\n", printableName(id), printableName(report.OperationTitle(op)))
		}
	}
}

// discardJSON is what resume --discard --json prints of a plan it left:
// each operation some of whose steps it left undone, the calls of it
// made already (they stay on the tenant) and the undo that takes them back.
// Without --force, a dry run: what the discard would leave, dry_run true
// and discarded false.
type discardJSON struct {
	Plan       string               `json:"plan_id"`
	DryRun     bool                 `json:"dry_run"`
	Discarded  bool                 `json:"discarded"`
	Operations []discardedOperation `json:"operations"`
}

type discardedOperation struct {
	ID    string         `json:"id"`
	Kind  linking.OpKind `json:"kind"`
	Title string         `json:"title"`
	// LeftUndone are its steps never made, left undone for good.
	LeftUndone []string `json:"left_undone"`
	// MayHaveGoneOut are its steps whose answer never came: not made again.
	MayHaveGoneOut []maybeMadeJSON `json:"may_have_gone_out,omitempty"`
	// Made are its calls made before it was cut off: left on the tenant.
	Made []madeCallJSON `json:"made"`
	// UndoOpID is what `linkdesk undo` takes to take Made back ("" where
	// none can: TakeBack says what then).
	UndoOpID string `json:"undo_op_id,omitempty"`
	TakeBack string `json:"take_back,omitempty"`
	// AuditOpID (added) is the op_id of the discard's audit record of the
	// operation (action "discard"); none in a dry run.
	AuditOpID string `json:"audit_op_id,omitempty"`
}

type maybeMadeJSON struct {
	Step string `json:"step"`
	Gone string `json:"gone"`
}

type madeCallJSON struct {
	Step string       `json:"step"`
	Call linking.Call `json:"call"`
}

// discardedJSON is the discard of plan p (made, or its dry run),
// remaining being its steps left, recorded its audit records.
func discardedJSON(p *linking.Plan, discarded bool, remaining []string, maybe []session.MaybeMade, partly []session.PartlyMade, recorded []audit.Record) discardJSON {
	out := discardJSON{Plan: p.ID, DryRun: !discarded, Discarded: discarded, Operations: []discardedOperation{}}
	for _, op := range p.Operations {
		d := discardedOperation{ID: op.ID, Kind: op.Kind, Title: report.OperationTitle(op), LeftUndone: []string{}, Made: []madeCallJSON{}}
		left := false
		for _, st := range op.Steps {
			if !slices.Contains(remaining, st.ID) {
				continue
			}
			left = true
			if i := slices.IndexFunc(maybe, func(m session.MaybeMade) bool { return m.Step == st.ID }); i >= 0 {
				d.MayHaveGoneOut = append(d.MayHaveGoneOut, maybeMadeJSON{Step: st.ID, Gone: maybe[i].Gone})
			} else {
				d.LeftUndone = append(d.LeftUndone, st.ID)
			}
		}
		if !left {
			continue
		}
		if i := slices.IndexFunc(partly, func(pm session.PartlyMade) bool { return pm.Op.ID == op.ID }); i >= 0 {
			for _, st := range partly[i].Made {
				d.Made = append(d.Made, madeCallJSON{Step: st.ID, Call: st.Call})
			}
			d.UndoOpID, d.TakeBack = partly[i].OpID, takeBack(partly[i])
			if partly[i].Op.Undoes != nil || linking.UndoneAction(op.Kind) == "" {
				d.UndoOpID = "" // no undo takes them back: TakeBack says what does
			}
		}
		if i := slices.IndexFunc(recorded, func(r audit.Record) bool { return r.Discards == p.ID+"/"+op.ID }); i >= 0 {
			d.AuditOpID = recorded[i].OpID
		}
		out.Operations = append(out.Operations, d)
	}
	return out
}

// printPartlyMade says, of each operation of a plan discarded some of
// whose calls were made, which calls were made (they stay on the tenant:
// a discard leaves the rest undone, it takes nothing back) and what takes
// them back.
func printPartlyMade(out io.Writer, partly []session.PartlyMade) {
	for _, pm := range partly {
		ids, w := make([]string, len(pm.Made)), 0
		for i, st := range pm.Made {
			ids[i], w = st.ID, max(w, len(printableName(st.ID)))
		}
		fmt.Fprintf(out, "  %s  %s\n", printableName(pm.Op.ID), printableName(report.OperationTitle(pm.Op)))
		fmt.Fprintf(out, "    made before it was cut off, and left on the tenant: %s (%s left undone):\n", stepList(ids), stepList(pm.Left))
		for _, st := range pm.Made {
			fmt.Fprintf(out, "      %-*s  %s\n", w, printableName(st.ID), report.CallText(st.Call))
		}
		fmt.Fprintf(out, "    to take %s back: %s\n", plural(len(pm.Made), "it", "them"), takeBack(pm))
	}
}

// takeBack says, printable, what takes back the calls made of a partly
// made operation (session.PartlyMade.TakeBack).
func takeBack(pm session.PartlyMade) string { return printableName(pm.TakeBack()) }

// madeCalls counts the calls made of partly made operations.
func madeCalls(partly []session.PartlyMade) int {
	n := 0
	for _, pm := range partly {
		n += len(pm.Made)
	}
	return n
}

func settledText(st linking.StepReport) string {
	if st.Error != "" {
		return statusMark[st.Status] + ": " + st.Error
	}
	return st.Note
}

// stepsListed is how many steps a line of resume names before it counts
// the rest: a cut-off apply may leave hundreds, which the calls below list.
const stepsListed = 8

// stepList names steps on one line: the first stepsListed, then how many more.
func stepList(steps []string) string {
	if len(steps) <= stepsListed {
		return strings.Join(steps, ", ")
	}
	return fmt.Sprintf("%d steps: %s and %d more", len(steps), strings.Join(steps[:stepsListed], ", "), len(steps)-stepsListed)
}
