package cli

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
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
and for ` + "`linkdesk apply`" + `, into a directory that exists already. Nothing is
changed. On a terminal, stderr shows the scan's progress, then which group
is read again and when a read waits for the tenant's rate limit.`,
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
			if o.Out != "-" {
				if err := checkFileDir("--out", o.Out); err != nil {
					return err
				}
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
	f.StringVar(&o.Out, "out", "", "write the plan here, in a directory that exists (- for stdout)")
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
	req := linking.PlanRequest{Classes: classes, Link: linking.LinkOptions{AllowUnverified: o.AllowUnverified}, Operator: s.Operator}
	var reads *rateLine
	if progress.enabled {
		reads = newRateLine(s.Tenant.RateLimit, progress)
		req.Progress = reads.planGroup
		reads.start()
	}
	p, err := linking.PlanReport(o.ctx, s.Tenant, rep, conns, req)
	if reads != nil {
		reads.stop()
	}
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
	if out := leftOutByClass(rep, classes); out != "" { // else they vanish unsaid (tester)
		fmt.Fprintln(summary, out)
	}
	if len(p.Operations) > 0 {
		if o.Out != "-" {
			fmt.Fprintf(summary, "\nWrote %s. Review it, then: linkdesk apply %s\n", o.Out, o.Out)
		}
		return nil
	}
	if o.Out != "-" {
		fmt.Fprintf(summary, "\nWrote %s, with no operation: nothing to apply.\n", o.Out)
	}
	switch { // said as scan --email says it, not as a plan of nothing
	case o.Email == "" || len(rep.Groups) > 0:
	case o.Connection != "" || rep.UsersScanned == 0:
		fmt.Fprintln(summary, noGroupOfEmail(o.Email, o.Connection, rep.UsersScanned))
	default:
		fmt.Fprintf(summary, "No group holds %s: no other account shares it (`linkdesk scan --email %s` says who has it).\n", terminalText(o.Email), terminalText(o.Email))
	}
	return nil
}

// leftOutByClass says how many groups of rep --class left out, by class
// ("" when it left none out).
func leftOutByClass(rep *linking.Report, classes []linking.Class) string {
	if len(classes) == 0 {
		return ""
	}
	counts, n := map[linking.Class]int{}, 0
	for _, g := range rep.Groups {
		if !slices.Contains(classes, g.Class) {
			counts[g.Class]++
			n++
		}
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, c := range linking.Classes {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
		}
	}
	return fmt.Sprintf("Left out by --class: %s (%s).", plural(n, "1 group", fmt.Sprintf("%d groups", n)), strings.Join(parts, ", "))
}

// rateLine draws on the progress line what a long run of calls does now
// (plan reading each group again, apply making each call), and when its
// calls wait for the tenant's rate limit: linking.PlanReport reads every
// account of each group it plans by id, with its roles and memberships, and
// a plan's calls each read and write, which a free tenant's 2 requests a
// second stretch to minutes.
type rateLine struct {
	rate func() client.RateLimit
	line *progressLine

	mu       sync.Mutex
	cur      string    // what is done now; "" before the first
	since    time.Time // when it began
	lastWait time.Time // when a call was last seen waiting for the rate limit
	now      func() time.Time

	quit, ended chan struct{}
}

func newRateLine(rate func() client.RateLimit, line *progressLine) *rateLine {
	return &rateLine{rate: rate, line: line, now: time.Now}
}

// set says what is done now ("reading group 2 of 9 (…)…").
func (r *rateLine) set(what string) {
	r.mu.Lock()
	r.cur, r.since = what, r.now()
	r.mu.Unlock()
	r.line.show(r.status(), true)
}

// planGroup is PlanReport's progress: the group it reads again now.
func (r *rateLine) planGroup(p linking.PlanProgress) {
	r.set(fmt.Sprintf("reading group %d of %d (%s)…", p.N, p.Of, printableName(p.Group)))
}

// status is the progress line: what is done now, and the rate limit's
// wait while calls wait for it (or did a moment ago: calls on a free
// tenant wait half a second each, and the line should not flicker).
func (r *rateLine) status() string {
	rl := r.rate()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == "" {
		return ""
	}
	s := r.cur
	now := r.now()
	if rl.Waiting {
		r.lastWait = now
	}
	if !r.lastWait.IsZero() && now.Sub(r.lastWait) < time.Second {
		s += " waiting for the tenant's rate limit"
		if waited := now.Sub(r.since); rl.Waiting && waited >= 2*time.Second {
			s += fmt.Sprintf(", %ds so far", int(waited/time.Second))
		}
	}
	return s
}

// start redraws the line four times a second, so that a wait for the
// rate limit shows while a read waits; stop ends that and clears the line.
func (r *rateLine) start() {
	r.quit, r.ended = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(r.ended)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.quit:
				return
			case <-tick.C:
				if s := r.status(); s != "" {
					r.line.show(s, true)
				}
			}
		}
	}()
}

func (r *rateLine) stop() {
	close(r.quit)
	<-r.ended
	r.line.done()
}
