package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

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
	Since  string
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

Filters narrow it: --email matches part of an email (any case); --user
names one account, whole and in any case: its user id, an identity's id
without its provider (101202303404505606707), or its username or phone
number (one typed without its country code names those that end so), as
the records name it even once it is deleted; never a part of one (--user
miller names neither emma.miller nor liam.miller); --action and --result
are words of a list, in any case (link, ok); --operator matches exactly;
--since keeps
the calls of the last D (90m, 24h, 7d) or since a date (2026-11-30, or a
time as 2026-11-30T14:00:00Z). --limit keeps
the newest N calls that pass (50 unless given; 0: all): it counts calls, not
records or lines. When it leaves calls out, a line on stderr says how many
pass in all.
--json writes the records of those calls, one per line, newest first, as the
log stores them: a call has an attempt record (written before the call) and
a result record (after it; none when the call was cut off), so --limit N
--json writes up to 2N lines. Select the records of one phase to get one
line a call: "phase" is "attempt" or "result". What makes no call is one
record of phase "note": the log's own repairs, and each operation that
resume --discard left undone for good (action "discard", the operation in
"discards", the reason given, and in "note" what was left and what was
made before the cut and stays; --action discard lists them).

Without --audit-log it reads the audit log of the state directory; a file
named with --audit-log that does not exist is a usage error (exit 2).`,
		Example: `  linkdesk audit --limit 20
  linkdesk audit --result error --since 24h
  linkdesk audit --email bob.smith@yahoo.com --limit 0
  linkdesk audit --user emma.miller
  linkdesk audit --json --limit 0 --action delete | jq -c 'select(.phase == "attempt") | .user_ids'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := refuseEmptyScope(cmd,
				scopeFlag{"email", "the email filter", "audit lists the calls on every email"},
				scopeFlag{"user", "the user filter", "audit lists the calls on every account"},
				scopeFlag{"action", "the action filter", "audit lists the calls of every action"},
				scopeFlag{"result", "the result filter", "audit lists the calls of every result"},
				scopeFlag{"operator", "the operator filter", "audit lists the calls of every operator"},
				scopeFlag{"since", "the time filter", "audit lists the calls of every time"},
			); err != nil {
				return err
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runAudit)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "the records of the calls, one JSON record per line, newest first (an attempt and a result a call)")
	f.IntVar(&o.Limit, "limit", 50, "the newest N calls that pass the filters, not records: with --json up to 2N lines (0: all)")
	f.StringVar(&o.Filter.Email, "email", "", "calls on accounts whose email holds this")
	f.StringVar(&o.Filter.User, "user", "", "calls on the account this names, whole, in any case: a user id (with or without its provider), a username or a phone number")
	f.StringVar(&o.Filter.Action, "action", "", "calls of this action (link, unlink, delete, patch_metadata, ticket, …; discard: what resume --discard left undone)")
	f.StringVar(&o.Filter.Result, "result", "", "calls with this result (ok, error, unknown, \"no result\")")
	f.StringVar(&o.Filter.Operator, "operator", "", "calls made by this operator")
	f.StringVar(&o.Since, "since", "", "calls of the last D (90m, 24h, 7d), or since a date (2026-11-30) or time (RFC 3339)")
	return cmd
}

// sinceTime is when --since starts: now less a duration (Go's, or a whole
// number of days "7d"), or a date (UTC midnight) or an RFC 3339 time.
func sinceTime(since string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(since, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(since); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, since); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("--since %s: give a duration (90m, 24h, 7d), a date (2026-11-30) or a time (2026-11-30T14:00:00Z)", printableName(since))
}

func runAudit(o *auditOptions) (err error) {
	if o.Limit < 0 {
		return usageErrorf("--limit must be 0 (everything) or more")
	}
	if o.Since != "" {
		if o.Filter.Since, err = sinceTime(o.Since, time.Now()); err != nil {
			return err
		}
	}
	o.Filter.Action, o.Filter.Result = strings.ToLower(o.Filter.Action), strings.ToLower(o.Filter.Result)
	if a := o.Filter.Action; a != "" && a != audit.ActionRepair && a != audit.ActionDiscard && !slices.Contains(linking.Actions, a) {
		return usageErrorf("--action %s: no call has it; actions are %s, and %s (the log's own notes) and %s (what resume --discard left undone)",
			printableName(a), strings.Join(linking.Actions, ", "), audit.ActionRepair, audit.ActionDiscard)
	}
	if r := o.Filter.Result; r != "" && !slices.Contains([]string{audit.ResultOK, audit.ResultError, audit.ResultUnknown, session.NoResult, audit.PhaseNote}, r) {
		return usageErrorf("--result %s: results are ok, error, unknown and \"%s\" (and %s, the records of no call: the log's own notes, discards)", printableName(r), session.NoResult, audit.PhaseNote)
	}
	paths := o.g.paths()
	path := paths.AuditLog
	var elsewhere []string // logs the plans of this state directory recorded in, given --audit-log
	if o.g.AuditLog == "" {
		elsewhere = paths.PlanLogs("")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if o.g.AuditLog != "" {
			// Named by the operator: a mistyped path must not read as a
			// log without calls.
			return usageErrorf("--audit-log %s: no such file", printableName(path))
		}
		if len(elsewhere) > 0 {
			fmt.Fprintf(o.io.ErrOut, "No audit log yet at %s; the plans run from this state directory recorded their calls in %s (linkdesk audit --audit-log %s).\n",
				printableName(path), printableName(strings.Join(elsewhere, ", ")), printableName(quoteArg(elsewhere[0])))
		} else if !o.JSON {
			fmt.Fprintf(o.io.Out, "No audit log yet at %s: no write has been made with this state directory.\n", printableName(path))
		}
		return nil
	}
	if len(elsewhere) > 0 {
		defer func() {
			if err == nil { // said under what was shown, not under an error
				fmt.Fprintf(o.io.ErrOut, "Plans run from this state directory also recorded calls in %s (linkdesk audit --audit-log %s).\n",
					printableName(strings.Join(elsewhere, ", ")), printableName(quoteArg(elsewhere[0])))
			}
		}()
	}
	calls, skipped, err := session.ReadCalls(path)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(o.io.ErrOut, "linkdesk: audit log:", s)
	}
	var shown []session.Call
	passed := 0 // the calls that pass the filters, shown or left out by --limit
	for _, c := range calls {
		if !o.Filter.Match(c) {
			continue
		}
		passed++
		if o.Limit == 0 || len(shown) < o.Limit {
			shown = append(shown, c)
		}
	}
	if passed > len(shown) {
		// Said last, under what is shown, on stderr, so that --json | jq
		// reads records alone; in calls, the unit --limit counts.
		which := "calls"
		if o.Filter != (session.CallFilter{}) {
			which = "calls that pass these filters"
		}
		defer fmt.Fprintf(o.io.ErrOut, "Showing the newest %d of %d %s; --limit 0 shows all.\n", len(shown), passed, which)
	}
	if o.JSON {
		enc := json.NewEncoder(termsafe.TerminalJSON(o.io.Out))
		enc.SetEscapeHTML(false)
		for _, c := range shown {
			for i := len(c.Records) - 1; i >= 0; i-- {
				r := c.Records[i]
				r.Note, r.Error = r.Noted(), r.Failed() // a log written before records had a note kept it in error
				if err := enc.Encode(r); err != nil {
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
	detail("discards", p(c.Discards))
	detail("override", p(strings.Join(c.Overrides, ", ")))
	detail("backup", p(c.Backup))
	detail("note", p(c.Note)) // how a call cut off was settled: no error
	detail("error", p(c.Error))
	detail("tenant", p(c.Tenant))
	detail("op", p(strings.TrimSpace(c.OpID+"  "+c.PlanID+" "+c.Step)))
}
