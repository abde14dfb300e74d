package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
)

type auditOptions struct {
	cmdEnv

	JSON   bool
	Limit  int
	Filter session.CallFilter
}

func newAuditCmd(g *globalOptions, io *streams, runF func(*auditOptions) error) *cobra.Command {
	o := &auditOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log, newest first",
		Long: `Show the audit log, newest call first, as the terminal UI does: each write
call with its attempt and result paired, who made it, on which accounts and
emails, why (the reason given), the call, the backup, and the whole error.

Filters narrow it: --email and --user match part of an email or a user id
(any case); --action, --result and --operator match exactly. --limit keeps
the newest N calls that pass (0: all). --json writes their records, one per
line, newest first, as the log stores them.`,
		Example: `  linkdesk audit --limit 20
  linkdesk audit --result error
  linkdesk audit --email bob.smith@yahoo.com --limit 0
  linkdesk audit --json --limit 0 --action delete | jq .user_ids`,
		Args: cobra.NoArgs,
		RunE: runArgs(o, &o.cmdEnv, runF, runAudit),
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "one JSON record per line, newest first")
	f.IntVar(&o.Limit, "limit", 50, "the newest N calls (0: all)")
	f.StringVar(&o.Filter.Email, "email", "", "calls on accounts whose email holds this")
	f.StringVar(&o.Filter.User, "user", "", "calls on accounts whose user id or identifier (username, phone) holds this")
	f.StringVar(&o.Filter.Action, "action", "", "calls of this action (link, unlink, delete, patch_metadata, ticket, …)")
	f.StringVar(&o.Filter.Result, "result", "", "calls with this result (ok, error, unknown, \"no result\")")
	f.StringVar(&o.Filter.Operator, "operator", "", "calls made by this operator")
	return cmd
}

func runAudit(o *auditOptions) error {
	if o.Limit < 0 {
		return usageErrorf("--limit must be 0 (everything) or more")
	}
	if a := o.Filter.Action; a != "" && a != audit.ActionRepair && !slices.Contains(linking.Actions, a) {
		return usageErrorf("--action %s: no call has it; actions are %s, and %s (the log's own notes)", printableName(a), strings.Join(linking.Actions, ", "), audit.ActionRepair)
	}
	if r := o.Filter.Result; r != "" && !slices.Contains([]string{audit.ResultOK, audit.ResultError, audit.ResultUnknown, session.NoResult, audit.PhaseNote}, r) {
		return usageErrorf("--result %s: results are ok, error, unknown and \"%s\" (and %s, the log's own notes)", printableName(r), session.NoResult, audit.PhaseNote)
	}
	path := o.g.paths().AuditLog
	calls, skipped, err := session.ReadCalls(path)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(o.io.ErrOut, "linkdesk: audit log:", s)
	}
	var shown []session.Call
	for _, c := range calls {
		if o.Filter.Match(c) {
			shown = append(shown, c)
		}
		if o.Limit > 0 && len(shown) == o.Limit {
			break
		}
	}
	if o.JSON {
		enc := json.NewEncoder(termsafe.TerminalJSON(o.io.Out))
		enc.SetEscapeHTML(false)
		for _, c := range shown {
			for i := len(c.Records) - 1; i >= 0; i-- {
				if err := enc.Encode(c.Records[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	switch {
	case len(calls) == 0:
		fmt.Fprintf(o.io.Out, "The audit log %s is empty.\n", printableName(path))
		return nil
	case len(shown) == 0:
		if len(calls) == 1 {
			fmt.Fprintf(o.io.Out, "The one call in %s does not pass these filters.\n", printableName(path))
		} else {
			fmt.Fprintf(o.io.Out, "No call of the %d in %s passes these filters.\n", len(calls), printableName(path))
		}
		return nil
	}
	for i, c := range shown {
		if i > 0 {
			fmt.Fprintln(o.io.Out)
		}
		printCall(o.io, c)
	}
	return nil
}

// printCall writes one call: a line to scan by eye, then its details, the
// whole error included.
func printCall(io *streams, c session.Call) {
	p := printableName
	line := fmt.Sprintf("%s  %-10s %-14s %-9s %s", c.Time.UTC().Format("2006-01-02 15:04:05Z"), p(c.Operator), p(c.Action), p(c.Result), p(strings.Join(c.UserIDs, " ")))
	fmt.Fprintln(io.Out, line)
	detail := func(k, v string) {
		if v != "" {
			fmt.Fprintf(io.Out, "    %-9s %s\n", k+":", v)
		}
	}
	detail("email", p(strings.Join(c.Emails, ", ")))
	detail("named", p(strings.Join(c.Identifiers(), ", ")))
	var call linking.Call
	if json.Unmarshal(c.Request, &call) == nil && call.Method != "" {
		detail("call", termsafe.DisplayJSON([]byte(call.String())))
	}
	detail("reason", p(c.Reason))
	detail("undoes", p(c.Undoes))
	detail("override", p(strings.Join(c.Overrides, ", ")))
	detail("backup", p(c.Backup))
	if c.Result == audit.ResultOK || c.Result == audit.PhaseNote {
		detail("note", p(c.Error)) // how a call cut off was settled: no error
	} else {
		detail("error", p(c.Error))
	}
	detail("tenant", p(c.Tenant))
	detail("op", p(strings.TrimSpace(c.OpID+"  "+c.PlanID+" "+c.Step)))
}
