package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// cmd_write.go holds what the write commands (apply, link, unlink, delete,
// ticket) share: the audit log and backups, the executor, the dry run and
// confirmation contract, exit codes for refusals, and the report of a run.

// writeFlags are the flags every write command takes.
type writeFlags struct {
	Force bool
	JSON  bool
}

func (g *globalOptions) auditLogPath() string {
	if g.AuditLog != "" {
		return g.AuditLog
	}
	return filepath.Join(stateDir(), "audit.log")
}

func (g *globalOptions) backupDir() string {
	if g.BackupDir != "" {
		return g.BackupDir
	}
	return filepath.Join(stateDir(), "backups")
}

// executor opens the audit log and the backup directory and returns an
// executor for the session; close releases the log.
func (g *globalOptions) executor(s *session) (ex *linking.Executor, closeFn func(), err error) {
	for _, secret := range s.secrets {
		audit.RegisterSecret(secret)
	}
	ex = &linking.Executor{Tenant: s.Tenant, TenantName: s.Name, Operator: g.operator(), ReadOnly: g.ReadOnly}
	if g.ReadOnly {
		return ex, func() {}, nil // the executor refuses before it needs any file
	}
	log, err := audit.OpenLog(g.auditLogPath())
	if err != nil {
		return nil, nil, err
	}
	backups, err := audit.OpenBackups(g.backupDir())
	if err != nil {
		log.Close()
		return nil, nil, err
	}
	ex.Log, ex.Backups = log, backups
	return ex, func() { log.Close() }, nil
}

// connectForWrite connects and registers the session's secrets at once, so
// that nothing printed afterwards can carry them.
func (g *globalOptions) connectForWrite(ctx context.Context) (*session, error) {
	s, err := g.connect(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, secret := range s.secrets {
		audit.RegisterSecret(secret)
	}
	return s, nil
}

// commandError gives an error its exit code: 3 for a refusal by a safety
// check, 1 for anything else (usage errors keep their 2).
func commandError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	// The message may quote the tenant's strings: made safe for a terminal.
	msg := errors.New(printableName(audit.Scrub(err.Error())))
	if _, ok := linking.AsSafetyError(err); ok {
		return &exitError{code: exitRefused, err: msg}
	}
	return &exitError{code: exitFailure, err: msg}
}

// accounts connects for a write and reads the tenant's connections and the
// accounts by id (a missing one is a refusal, exit 3). The caller closes
// the session.
func (g *globalOptions) accounts(ctx context.Context, ids ...string) (*session, *linking.Connections, []client.User, error) {
	s, err := g.connectForWrite(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	conns, err := linking.ReadConnections(ctx, s.Tenant)
	if err == nil {
		var users []client.User
		if users, err = linking.ReadUsers(ctx, s.Tenant, ids...); err == nil {
			return s, conns, users, nil
		}
	}
	s.Close()
	return nil, nil, nil, commandError(err)
}

// confirmation says how a write command may go ahead.
type confirmation struct {
	// question is asked on a terminal, answered y or yes (default No).
	question string
	// typed, when set, replaces the question: the operator must type one of
	// these (the account's primary identifier or its user id).
	typed  []string
	prompt string
}

// confirm applies the contract of DESIGN.md: with --force the write goes
// ahead; on a terminal the operator is asked (default No); without a
// terminal nothing is changed and the command exits 0.
func confirm(ios *streams, f writeFlags, c confirmation) (bool, error) {
	if f.Force {
		return true, nil
	}
	if !ios.InteractiveIn() {
		fmt.Fprintln(ios.ErrOut, "\nDry run: nothing was changed. Run again with --force to make these calls (or on a terminal, to be asked).")
		return false, nil
	}
	if len(c.typed) > 0 {
		fmt.Fprintf(ios.ErrOut, "\n%s: ", c.prompt)
	} else {
		fmt.Fprintf(ios.ErrOut, "\n%s [y/N] ", c.question)
	}
	line, err := bufio.NewReader(ios.In).ReadString('\n')
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
		fmt.Fprintln(ios.ErrOut, "Not confirmed: nothing was changed.")
	}
	return ok, nil
}

// timeNow is the commands' clock.
var timeNow = time.Now

// writeJSON writes v as indented JSON, characters a terminal would act on
// escaped (the values are unchanged).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(linking.TerminalJSON(w))
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
func showOperations(ios *streams, f writeFlags, p *linking.Plan) error {
	if f.JSON {
		if f.Force {
			return nil // the result says it all
		}
		return writeJSON(ios.Out, dryRunJSON{DryRun: true, Plan: p.ID, Operations: p.Operations})
	}
	fmt.Fprintf(ios.Out, "On %s:\n", printableName(p.Tenant))
	return linking.WriteOperations(ios.Out, p.Operations)
}

// printableName makes a string from the tenant safe for a terminal (control
// and format characters written as \u escapes).
func printableName(s string) string { return linking.DisplayJSON([]byte(s)) }

// runPlan carries a plan out, printing each step as it ends (text mode),
// and reports what was done and what was not.
func runPlan(ctx context.Context, ios *streams, f writeFlags, ex *linking.Executor, p *linking.Plan) error {
	if !f.JSON {
		ex.Progress = func(r linking.StepReport) { printStep(ios.Out, r) }
		fmt.Fprintln(ios.Out)
	}
	res, err := ex.Apply(ctx, p)
	if f.JSON {
		if jerr := writeJSON(ios.Out, resultJSON(res, ex)); jerr != nil {
			return jerr
		}
	} else {
		printSummary(ios.Out, res, ex)
	}
	return commandError(err)
}

type runJSON struct {
	*linking.Result
	Done      int    `json:"done"`
	NotDone   int    `json:"not_done"`
	Complete  bool   `json:"complete"`
	AuditLog  string `json:"audit_log,omitempty"`
	BackupDir string `json:"backup_dir,omitempty"`
}

func resultJSON(res *linking.Result, ex *linking.Executor) runJSON {
	out := runJSON{Result: res, Complete: res.Complete()}
	out.Done = res.Count(linking.StatusDone) + res.Count(linking.StatusAlreadyDone)
	out.NotDone = len(res.Steps) - out.Done
	if ex.Log != nil {
		out.AuditLog = ex.Log.Path()
	}
	if ex.Backups != nil {
		out.BackupDir = ex.Backups.Dir()
	}
	return out
}

var statusMark = map[linking.StepStatus]string{
	linking.StatusDone: "done", linking.StatusAlreadyDone: "already done", linking.StatusFailed: "FAILED",
	linking.StatusRefused: "REFUSED", linking.StatusUnknown: "OUTCOME UNKNOWN", linking.StatusNotRun: "not run",
}

func printStep(w io.Writer, r linking.StepReport) {
	fmt.Fprintf(w, "%-12s %-15s %s\n", printableName(r.Step), statusMark[r.Status], linking.CallText(r.Call))
	if r.Backup != "" {
		fmt.Fprintf(w, "%-12s %-15s backup: %s\n", "", "", printableName(r.Backup))
	}
	if r.Note != "" {
		fmt.Fprintf(w, "%-12s %-15s %s\n", "", "", printableName(audit.Scrub(r.Note)))
	}
	if r.Error != "" && r.Status != linking.StatusRefused {
		fmt.Fprintf(w, "%-12s %-15s %s\n", "", "", linking.DisplayJSON([]byte(r.Error)))
	}
}

func printSummary(w io.Writer, res *linking.Result, ex *linking.Executor) {
	done := res.Count(linking.StatusDone) + res.Count(linking.StatusAlreadyDone)
	fmt.Fprintln(w)
	if res.Complete() {
		fmt.Fprintf(w, "Done: all %d calls made", len(res.Steps))
		if n := res.Count(linking.StatusAlreadyDone); n > 0 {
			fmt.Fprintf(w, " (%d by an earlier run)", n)
		}
		fmt.Fprintln(w, ".")
	} else {
		fmt.Fprintf(w, "Stopped after %d of %d calls. Not done:\n", done, len(res.Steps))
		for _, s := range res.Steps {
			if s.Status != linking.StatusDone && s.Status != linking.StatusAlreadyDone {
				fmt.Fprintf(w, "  %-12s %-15s %s\n", printableName(s.Step), statusMark[s.Status], linking.CallText(s.Call))
			}
		}
	}
	if ex.Backups != nil && hasBackup(res) {
		fmt.Fprintf(w, "Backups in %s\n", ex.Backups.Dir())
	}
	if ex.Log != nil {
		fmt.Fprintf(w, "Audit log: %s\n", ex.Log.Path())
	}
}

func hasBackup(res *linking.Result) bool {
	for _, s := range res.Steps {
		if s.Backup != "" {
			return true
		}
	}
	return false
}

// singlePlan wraps the operations of one command in a plan for the session's tenant.
func (g *globalOptions) singlePlan(s *session, ops ...linking.Operation) *linking.Plan {
	p := linking.NewPlan(s.Name, g.operator(), timeNow())
	p.Add(ops...)
	return p
}

// describeUser names an account for a question: id, email, connection.
func describeUser(u client.User) string {
	parts := []string{u.UserID}
	if u.Email != "" {
		parts = append(parts, u.Email)
	}
	if c := u.Connection(); c != "" {
		parts = append(parts, "on "+c)
	}
	return printableName(strings.Join(parts, ", "))
}

// writePrivateFile writes data to path (0600) through a temporary file.
func writePrivateFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".linkdesk-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// exactArgs is cobra.ExactArgs with the usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageErrorf("%v; usage: linkdesk %s", err, cmd.Use)
		}
		return nil
	}
}

// carryOut shows the plan's operations and their exact calls, asks as the
// contract says, and carries the plan out when confirmed.
func (g *globalOptions) carryOut(ctx context.Context, ios *streams, s *session, f writeFlags, p *linking.Plan, c confirmation) error {
	if err := showOperations(ios, f, p); err != nil {
		return err
	}
	ok, err := confirm(ios, f, c)
	if err != nil || !ok {
		return err
	}
	ex, closeRecord, err := g.executor(s)
	if err != nil {
		return commandError(err)
	}
	defer closeRecord()
	return runPlan(ctx, ios, f, ex, p)
}

// addWriteFlags registers --force, --json and --reason.
func addWriteFlags(cmd *cobra.Command, f *writeFlags, reason *string) {
	cmd.Flags().BoolVar(&f.Force, "force", false, "make the calls without asking")
	cmd.Flags().BoolVar(&f.JSON, "json", false, "print the plan (dry run) or the result as JSON")
	if reason != nil {
		cmd.Flags().StringVar(reason, "reason", "", "why, for the audit log (a ticket number, …)")
	}
}
