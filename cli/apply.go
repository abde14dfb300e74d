package cli

import (
	"errors"
	"fmt"
	"os"

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
	Verbose bool
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
$XDG_STATE_HOME/linkdesk/journals/<plan id>-<tenant>.journal, and a plan runs
at most once at a time on a tenant, whatever --journal says.

Without --force it prints the exact calls it would make; on a terminal it then
asks, and without one it changes nothing.`,
		Example: `  linkdesk apply plan.json
  linkdesk apply plan.json --force`,
		Args: exactArgs(1),
		RunE: runArgs(o, &o.cmdEnv, runF, runApply, &o.PlanFile),
	}
	addWriteFlags(cmd, &o.writeFlags, false)
	cmd.Flags().StringVar(&o.Journal, "journal", "", "journal file (default $XDG_STATE_HOME/linkdesk/journals/<plan id>-<tenant>.journal)")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "print every operation and its exact calls, not a summary")
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
		if p.Tenant != s.Name {
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
		journalPath := o.Journal
		if journalPath == "" {
			journalPath = s.JournalPath(p.ID)
		}
		if !o.JSON {
			write := report.WritePlanSummary
			if o.Verbose {
				write = report.WritePlanText
			}
			if err := write(o.io.Out, p); err != nil {
				return err
			}
			describeJournal(o.io, journalPath, p)
		} else if err := showOperations(o.io, o.writeFlags, p); err != nil {
			return err
		}
		ok, err := confirm(o.io, o.writeFlags, confirmation{
			question: fmt.Sprintf("Make %s on %s?", theseCalls(p.Calls()), printableName(s.Name)), calls: p.Calls(),
		})
		if err != nil || !ok {
			return err
		}
		err = runPlan(o.ctx, o.io, o.writeFlags, s, p, session.ApplyOptions{Journal: journalPath})
		if errors.Is(err, audit.ErrJournalLocked) {
			return &exitError{code: exitFailure, err: fmt.Errorf("%v: another linkdesk is applying this plan", err)}
		}
		if errors.Is(err, audit.ErrJournalBound) {
			return &exitError{code: exitUsage, err: err}
		}
		return err
	})
}

// describeJournal says whether an earlier run of this plan left a journal,
// and how far it got.
func describeJournal(io *streams, path string, p *linking.Plan) {
	snap, err := audit.ReadJournal(path)
	if err != nil {
		fmt.Fprintf(io.Out, "\nJournal: %s (new)\n", path)
		return
	}
	done, discarded := 0, 0
	var madeMaybe []string
	for _, st := range snap.Steps {
		switch {
		case st.State == audit.StepDone:
			done++
		case st.State == audit.StepSkipped:
			discarded++
		default:
			if again, ok := linking.MadeAgain(st.Note); ok {
				madeMaybe = append(madeMaybe, fmt.Sprintf("%s, its answer never came; %s", st.ID, again))
			}
		}
	}
	fmt.Fprintf(io.Out, "\nJournal: %s — an earlier run did %d of %s", path, done, calls(len(p.StepIDs())))
	if discarded > 0 {
		fmt.Fprintf(io.Out, ", and %d %s discarded (`linkdesk resume --discard`): never made", discarded, plural(discarded, "was", "were"))
	}
	fmt.Fprintf(io.Out, "; this run makes only what is left\n")
	for _, m := range madeMaybe {
		// As resume says it: making such a call again is the operator's choice.
		fmt.Fprintf(io.Out, "May have gone out already: %s (this run does; linkdesk resume --discard leaves it)\n", m)
	}
}
