package cli

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/termsafe"
)

type planOptions struct {
	cmdEnv

	Email           string
	Connection      string
	Classes         []string
	AllowUnverified bool
	Out             string
	Verbose         bool
}

func newPlanCmd(g *globalOptions, io *streams, runF func(*planOptions) error) *cobra.Command {
	o := &planOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "plan --out plan.json",
		Short: "Propose the operations for every actionable group, with the reasons",
		Long: `Scan the tenant (or one address), then read every account of every actionable
group by id and plan its links: the recommended primary, a metadata merge into
it where the secondary has metadata, and the link. Link candidates are
planned; groups that need verification only with --allow-unverified. Groups
left alone are listed with why (refused by a safety check, or not actionable).

The plan is written as JSON (version 2) to --out (- for stdout), for review
and for ` + "`linkdesk apply`" + `. Nothing is changed.`,
		Example: `  linkdesk plan --out plan.json
  linkdesk plan --email john.doe@acme.com --out -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := refuseEmptyScope(cmd,
				scopeFlag{"email", "the email", "plan covers the whole tenant"},
				scopeFlag{"connection", "the connection", "plan covers the groups of every connection"},
				scopeFlag{"class", "the class", "plan takes link_candidate (and needs_verification with --allow-unverified)"},
			); err != nil {
				return err
			}
			if err := checkEmailFlag(o.Email); err != nil {
				return err
			}
			if o.Out == "" {
				return usageErrorf("--out FILE is required (- for stdout)")
			}
			for _, c := range o.Classes {
				if !slices.Contains(linking.Classes, linking.Class(c)) {
					return usageErrorf("--class %q: one of %v", c, linking.Classes)
				}
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runPlanCmd)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Email, "email", "", "plan one address instead of the whole tenant")
	f.StringVar(&o.Connection, "connection", "", "only groups that involve this connection")
	f.StringSliceVar(&o.Classes, "class", nil, "classes to plan (default link_candidate, plus needs_verification with --allow-unverified)")
	f.BoolVar(&o.AllowUnverified, "allow-unverified", false, "plan links although an email is not verified (the audit log names the override)")
	f.StringVar(&o.Out, "out", "", "write the plan here (- for stdout)")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print every operation with its reasons and exact calls, not a summary")
	return cmd
}

func runPlanCmd(o *planOptions) error {
	var classes []linking.Class
	for _, c := range o.Classes {
		classes = append(classes, linking.Class(c))
	}
	progress := progressPrinter(o.io)
	s, err := o.g.open(o.ctx, false)
	if err != nil {
		progress.done()
		return err
	}
	defer s.Close()
	rep, err := s.Scan(o.ctx, scan.Request{Email: o.Email, Connection: o.Connection, Progress: progress.update, HoldCollector: true})
	progress.done()
	if err != nil {
		return scanError(err)
	}
	conns, err := s.Connections(o.ctx) // read once by the scan
	if err != nil {
		return err
	}
	p, err := linking.PlanReport(o.ctx, s.Tenant, rep, conns, linking.PlanRequest{
		Classes: classes, Link: linking.LinkOptions{AllowUnverified: o.AllowUnverified}, Operator: s.Operator,
	})
	if err != nil {
		return commandError(err)
	}
	var buf bytes.Buffer
	if err := linking.WritePlan(&buf, p); err != nil {
		return err
	}
	summary := o.io.Out
	if o.Out == "-" {
		out := o.io.Out
		if o.io.InteractiveOut() {
			// Shown, not saved: escape what the terminal would act on. A
			// pipe gets the plan byte for byte, as its id needs.
			out = termsafe.TerminalJSON(out)
		}
		if _, err := out.Write(buf.Bytes()); err != nil {
			return err
		}
		summary = o.io.ErrOut
	} else if err := audit.WritePrivateFile(o.Out, buf.Bytes()); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("--out: %w", err)}
	}
	if o.Verbose {
		err = report.WritePlanText(summary, p)
	} else {
		err = report.WritePlanSummary(summary, p, terminalWidth(o.io, summary))
	}
	if err != nil {
		return err
	}
	if o.Out != "-" {
		fmt.Fprintf(summary, "\nWrote %s. Review it, then: linkdesk apply %s\n", o.Out, o.Out)
	}
	return nil
}
