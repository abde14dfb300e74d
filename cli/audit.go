package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

type auditOptions struct {
	cmdEnv

	JSON  bool
	Limit int
}

func newAuditCmd(g *globalOptions, io *streams, runF func(*auditOptions) error) *cobra.Command {
	o := &auditOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log",
		Long: `Show the newest records of the audit log, oldest first: who did what to which
accounts, when, with which call, backup and result. --json writes one record
per line, as the log stores them.`,
		Example: `  linkdesk audit --limit 20
  linkdesk audit --json --limit 0 | jq 'select(.action=="delete")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dispatch(cmd, o, &o.cmdEnv, runF, runAudit)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "one JSON record per line")
	cmd.Flags().IntVar(&o.Limit, "limit", 50, "the newest N records (0: all)")
	return cmd
}

func runAudit(o *auditOptions) error {
	if o.Limit < 0 {
		return usageErrorf("--limit must be 0 (everything) or more")
	}
	path := o.g.paths().AuditLog
	var (
		recs    []audit.Record
		skipped []audit.SkippedLine
		err     error
	)
	if o.Limit == 0 {
		recs, skipped, err = audit.ReadLog(path)
	} else {
		recs, skipped, err = audit.ReadLogTail(path, o.Limit)
		slices.Reverse(recs)
	}
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(o.io.ErrOut, "linkdesk: audit log:", s)
	}
	if o.JSON {
		enc := json.NewEncoder(termsafe.TerminalJSON(o.io.Out))
		enc.SetEscapeHTML(false)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(recs) == 0 {
		fmt.Fprintf(o.io.Out, "The audit log %s is empty.\n", path)
		return nil
	}
	for _, r := range recs {
		printRecord(o.io, r)
	}
	return nil
}

func printRecord(io *streams, r audit.Record) {
	line := fmt.Sprintf("%s  %-8s %-14s %-7s %s", r.Time.Format("2006-01-02 15:04:05Z"), r.Operator, r.Action, r.Phase, strings.Join(r.UserIDs, " "))
	if r.Phase == audit.PhaseResult {
		line += "  → " + r.Result
	}
	fmt.Fprintln(io.Out, termsafe.DisplayJSON([]byte(line)))
	detail := func(k, v string) {
		if v != "" {
			fmt.Fprintf(io.Out, "    %-9s %s\n", k+":", termsafe.DisplayJSON([]byte(v)))
		}
	}
	if r.Phase == audit.PhaseAttempt {
		var c linking.Call
		if json.Unmarshal(r.Request, &c) == nil && c.Method != "" {
			detail("call", c.String())
		}
		detail("tenant", r.Tenant)
		detail("plan", strings.TrimSpace(r.PlanID+" "+r.Step))
		detail("reason", r.Reason)
		detail("override", strings.Join(r.Overrides, ", "))
		detail("backup", r.Backup)
	}
	detail("error", r.Error)
	detail("op", r.OpID)
}
