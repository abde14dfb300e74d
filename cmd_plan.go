package main

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/linking"
)

func init() { commandBuilders = append(commandBuilders, newPlanCmd) }

type planOptions struct {
	Email           string
	Connection      string
	Classes         []string
	AllowUnverified bool
	Out             string
}

func newPlanCmd(g *globalOptions, io *streams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --out plan.json",
		Short: "Propose the operations for every actionable group, with the reasons",
		Long: `Scan the tenant (or one address), then read every account of every actionable
group by id and plan its links: the recommended primary, a metadata merge into
it where the secondary has metadata, and the link. Link candidates are
planned; groups that need verification only with --allow-unverified. Groups
left alone are listed with why (refused by a safety check, or not actionable).

The plan is written as JSON (version 1) to --out (- for stdout), for review
and for ` + "`linkdesk apply`" + `. Nothing is changed.`,
		Example: `  linkdesk plan --out plan.json
  linkdesk plan --email john.doe@acme.com --out -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Out == "" {
				return usageErrorf("--out FILE is required (- for stdout)")
			}
			var classes []linking.Class
			for _, c := range o.Classes {
				if !slices.Contains(linking.Classes, linking.Class(c)) {
					return usageErrorf("--class %q: one of %v", c, linking.Classes)
				}
				classes = append(classes, linking.Class(c))
			}
			ctx := cmd.Context()
			progress := progressPrinter(io)
			s, err := g.connect(ctx, false)
			if err != nil {
				progress.done()
				return err
			}
			defer s.Close()
			report, err := linking.ScanTenant(ctx, s.Tenant, linking.ScanRequest{Email: o.Email, Connection: o.Connection, Progress: progress.update})
			progress.done()
			if err != nil {
				return scanError(err)
			}
			report.Tenant = s.Name
			conns, err := linking.ReadConnections(ctx, s.Tenant)
			if err != nil {
				return err
			}
			p, err := linking.PlanReport(ctx, s.Tenant, report, conns, linking.PlanRequest{
				Classes: classes, Link: linking.LinkOptions{AllowUnverified: o.AllowUnverified}, Operator: g.operator(),
			})
			if err != nil {
				return commandError(err)
			}
			var buf bytes.Buffer
			if err := linking.WritePlan(&buf, p); err != nil {
				return err
			}
			summary := io.Out
			if o.Out == "-" {
				out := io.Out
				if io.InteractiveOut() {
					// Shown, not saved: escape what the terminal would act
					// on. A pipe gets the plan byte for byte, as its id needs.
					out = linking.TerminalJSON(out)
				}
				if _, err := out.Write(buf.Bytes()); err != nil {
					return err
				}
				summary = io.ErrOut
			} else if err := writePrivateFile(o.Out, buf.Bytes()); err != nil {
				return &exitError{code: exitFailure, err: fmt.Errorf("--out: %w", err)}
			}
			if err := linking.WritePlanText(summary, p); err != nil {
				return err
			}
			if o.Out != "-" {
				fmt.Fprintf(summary, "\nWrote %s. Review it, then: linkdesk apply %s\n", o.Out, o.Out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Email, "email", "", "plan one address instead of the whole tenant")
	f.StringVar(&o.Connection, "connection", "", "only groups that involve this connection")
	f.StringSliceVar(&o.Classes, "class", nil, "classes to plan (default link_candidate, plus needs_verification with --allow-unverified)")
	f.BoolVar(&o.AllowUnverified, "allow-unverified", false, "plan links although an email is not verified (the audit log names the override)")
	f.StringVar(&o.Out, "out", "", "write the plan here (- for stdout)")
	return cmd
}
