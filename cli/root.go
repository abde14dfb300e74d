// Package cli is linkdesk's command line: the cobra root with the flags
// every command shares, and one file per command in cli/cli's pattern (an
// Options struct, newXCmd that only wires flags and arguments, runX that does
// the work). Every command reaches its tenant through session; nothing
// imports cli but the main package.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/termsafe"
)

// Exit codes of every command (ARCHITECTURE.md, "Contracts").
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRefused = 3
)

// exitError carries an exit code out of a command. A nil err with a code is a
// silent exit (the command already explained itself).
type exitError struct {
	code int
	err  error
	// flags: cobra refused a flag, and read none after it.
	flags bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// checkFileDir refuses a file to write (flag's value path) whose directory
// does not exist: a mistyped path would make directories wherever it
// points, even at the root, and leave the file where no one looks for it.
func checkFileDir(flag, path string) error {
	if err := checkDirExists(flag, path, filepath.Dir(path)); err != nil {
		return err
	}
	return checkRegularFile(flag, path)
}

// checkNewDir refuses a directory to write in (flag's value dir) that is
// no directory, or that does not exist and whose parent does not either:
// linkdesk makes the directory itself, never the path to it, so that a
// mistyped --backup-dir is said at once, not found empty by an undo later.
func checkNewDir(flag, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return usageErrorf("%s %s is not a directory", flag, printableName(dir))
	case err == nil:
		return nil
	}
	return checkDirExists(flag, dir, filepath.Dir(dir))
}

// checkDirExists refuses (exit 2) flag's value path, as dir, where it is
// to go, does not exist or is no directory.
func checkDirExists(flag, path, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErrorf("%s %s: the directory %s does not exist", flag, printableName(path), printableName(dir))
	case err != nil:
		return usageErrorf("%s %s: %s", flag, printableName(path), printableName(err.Error()))
	case !fi.IsDir():
		return usageErrorf("%s %s: %s is not a directory", flag, printableName(path), printableName(dir))
	}
	return nil
}

// checkRegularFile refuses (exit 2) a file flag naming what exists and is
// no regular file: a device (/dev/null), a pipe, a directory, which
// linkdesk would change or replace (audit.refuseNonRegular says how).
func checkRegularFile(flag, path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return usageErrorf("%s %s is not a regular file: name a file of linkdesk's own, which it creates (it leaves %s as it is)", flag, printableName(path), printableName(path))
	}
	return nil
}

// streams is where a command reads and writes, so tests can capture it.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// terminal reports whether f is an interactive terminal.
	terminal func(f any) bool
	// sandbox is set once the command's tenant is a sandbox inside this
	// process: a write cut off by a second Ctrl-C ends with it.
	sandbox atomic.Bool
}

// jsonStdout makes Out count what it is given, for a command run with
// --json: its failure is written as JSON only where nothing was
// (runContext), so that stdout holds one JSON value.
func (s *streams) jsonStdout() {
	if _, ok := s.Out.(*countedWriter); !ok {
		s.Out = &countedWriter{w: s.Out}
	}
}

// wroteOut reports whether the command wrote anything on Out since
// jsonStdout.
func (s *streams) wroteOut() bool {
	c, ok := s.Out.(*countedWriter)
	return ok && c.n.Load() > 0
}

// countedWriter is w, counting the bytes written to it.
type countedWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// fileOf is the writer under w's count: the file a terminal is asked about.
func fileOf(w any) any {
	if c, ok := w.(*countedWriter); ok {
		return c.w
	}
	return w
}

func osStreams() *streams {
	return &streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, terminal: isTerminal}
}

func isTerminal(f any) bool {
	file, ok := fileOf(f).(*os.File)
	return ok && term.IsTerminal(file.Fd())
}

// InteractiveIn reports whether the command may ask the operator a question.
func (s *streams) InteractiveIn() bool { return s.terminal != nil && s.terminal(s.In) }

// InteractiveErr reports whether progress lines may be drawn on stderr.
func (s *streams) InteractiveErr() bool { return s.terminal != nil && s.terminal(s.ErrOut) }

// InteractiveOut reports whether stdout is a terminal (tables, colour).
func (s *streams) InteractiveOut() bool { return s.terminal != nil && s.terminal(s.Out) }

// globalOptions are the flags every command takes.
type globalOptions struct {
	Domain       string
	ClientID     string
	ClientSecret string
	APIToken     string

	Demo    bool
	Fixture string
	Users   int
	Seed    int64

	ReadOnly  bool
	NoColor   bool
	AuditLog  string
	BackupDir string
	Operator  string

	notes io.Writer // where a session's notes about its records go (stderr)
	io    *streams
}

// Main runs linkdesk with args (without the program name) on the process's
// standard streams and returns the exit code.
func Main(args []string) int { return run(args, osStreams()) }

// run executes linkdesk with args and returns the process exit code.
func run(args []string, io *streams) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	done := make(chan struct{})
	defer close(done)
	go interrupts(io, signals, cancel, done)
	return runContext(ctx, args, io)
}

// runContext is run on ctx, which Ctrl-C cancels.
func runContext(ctx context.Context, args []string, io *streams) int {
	out := io.Out
	defer func() { io.Out = out }() // a --json command's stdout was counted (jsonStdout)
	root := newRootCmd(io)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	f, said := describeFailure(ctx, err)
	if said {
		fmt.Fprintln(io.ErrOut, "linkdesk:", f.Message)
	}
	if jsonRequested(cmd, args, err) && !io.wroteOut() {
		// A script reading --json gets why as JSON too; once the command
		// printed its own JSON, that is what stdout holds (one value).
		writeErrorJSON(out, f)
	}
	return f.ExitCode
}

// failureJSON is why a command failed, as --json prints it on stdout:
// {"error": {…}} (ARCHITECTURE.md, "Contracts").
type failureJSON struct {
	// Code is a stable id: the safety check's for a refusal (exit 3),
	// "usage" (exit 2), else one of failureCodes.
	Code     string `json:"code"`
	ExitCode int    `json:"exit_code"`
	// Message is what stderr says after "linkdesk: " (empty for a command
	// that explained itself there already).
	Message string   `json:"message"`
	Check   string   `json:"check,omitempty"`    // the safety check that refused it
	UserIDs []string `json:"user_ids,omitempty"` // the accounts the refusal concerns
	Status  int      `json:"status,omitempty"`   // the HTTP status the tenant answered
	APICode string   `json:"api_code,omitempty"` // Auth0's error code (errorCode, or the token endpoint's error)
}

// The codes of failureJSON that are no safety check's id.
const (
	codeUsage              = "usage"               // exit 2: what was asked for cannot be
	codeFailure            = "failure"             // exit 1, nothing more precise known
	codeRefused            = "refused"             // exit 3, no check named
	codeInterrupted        = "interrupted"         // Ctrl-C before it was done
	codeNotConfirmed       = "not_confirmed"       // the question was not answered yes
	codeCredentialsRefused = "credentials_refused" // the tenant refused linkdesk's credentials
	codeAPIError           = "api_error"           // the Management API answered an error
	codeOutcomeUnknown     = "outcome_unknown"     // a write's answer was lost
	codeJournalLocked      = "journal_locked"      // another linkdesk is carrying the plan out
)

// describeFailure is the exit code of a command that returned err, its
// stable code and its message; said: stderr is to get the message (a
// command that explained itself there, returning an exitError without an
// error, gets none: its message is for --json alone).
func describeFailure(ctx context.Context, err error) (f failureJSON, said bool) {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || strings.HasSuffix(err.Error(), context.Canceled.Error())) && !errors.Is(err, linking.ErrInterrupted) {
		// Ctrl-C during reads: said as what it is, not as a failed call
		// ("GET …: context canceled"), keeping what it was doing.
		what := strings.TrimSuffix(strings.TrimSuffix(explain(err).Error(), context.Canceled.Error()), ": ")
		what = strings.TrimSuffix(what, ": failed to send the request")
		msg := "interrupted (Ctrl-C) before it was done"
		if what != "" {
			msg += ": " + terminalText(what)
		}
		return failureJSON{Code: codeInterrupted, ExitCode: exitFailure, Message: msg}, true
	}
	f.ExitCode = exitFailure
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		f.ExitCode = ee.code
		if ee.err != nil {
			f.Message, said = terminalText(explain(ee.err).Error()), true
		}
	default:
		f.Message, said = terminalText(explain(err).Error()), true
	}
	var (
		se *linking.SafetyError
		ce *session.CredentialsError
		ae *client.Error
	)
	switch {
	case f.ExitCode == exitUsage:
		f.Code = codeUsage
	case errors.As(err, &se):
		f.Code, f.Check, f.UserIDs = se.Check, se.Check, se.UserIDs
	case errors.Is(err, errNotConfirmed):
		f.Code = codeNotConfirmed
	case errors.Is(err, errInterrupted) || errors.Is(err, linking.ErrInterrupted):
		f.Code = codeInterrupted
	case errors.Is(err, audit.ErrJournalLocked):
		f.Code = codeJournalLocked
	case errors.As(explain(err), &ce):
		f.Code, f.APICode = codeCredentialsRefused, ce.Code
		if errors.As(err, &ae) {
			f.Status = ae.StatusCode
		}
	case errors.Is(err, client.ErrOutcomeUnknown):
		f.Code = codeOutcomeUnknown
	case errors.As(err, &ae):
		f.Code, f.Status, f.APICode = codeAPIError, ae.StatusCode, ae.Code
	case f.ExitCode == exitRefused:
		f.Code = codeRefused
	default:
		f.Code = codeFailure
	}
	if f.Message == "" {
		f.Message = silentMessages[f.Code]
	}
	return f, said
}

// silentMessages are the messages, for --json, of the exits a command
// explained on stderr itself.
var silentMessages = map[string]string{
	codeNotConfirmed: "not confirmed: nothing was changed",
	codeInterrupted:  "interrupted (Ctrl-C): nothing was changed",
	codeFailure:      "failed: stderr says why",
	codeRefused:      "refused: stderr says why",
}

// writeErrorJSON writes f as one line of JSON, {"error": f}.
func writeErrorJSON(w io.Writer, f failureJSON) {
	enc := json.NewEncoder(termsafe.TerminalJSON(w))
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Error failureJSON `json:"error"`
	}{f}) // stdout gone: stderr said it
}

// jsonRequested reports whether cmd, which returned err, was asked for
// --json. A flag cobra refused stops its parse there: a --json after it
// is read from the arguments as typed.
func jsonRequested(cmd *cobra.Command, args []string, err error) bool {
	if cmd == nil {
		return false
	}
	flag := cmd.Flags().Lookup("json")
	if flag == nil {
		return false
	}
	var ee *exitError
	if flag.Changed || !errors.As(err, &ee) || !ee.flags {
		return flag.Value.String() == "true"
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" {
			return true
		}
		if v, ok := strings.CutPrefix(a, "--json="); ok {
			b, err := strconv.ParseBool(v)
			return err == nil && b
		}
	}
	return false
}

// interrupts turns the first Ctrl-C (or SIGTERM) into the command's
// context being cancelled: a write in flight then reads the tenant,
// briefly, to settle its call, and the operator hears so if that takes a
// moment. A second one ends the process at once (exit 130), saying that
// `linkdesk resume` settles what it cuts off. done: the command returned.
func interrupts(io *streams, signals <-chan os.Signal, cancel context.CancelFunc, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-signals:
	}
	cancel()
	select {
	case <-done:
		return
	case <-signals:
	case <-time.After(interruptNotice):
		fmt.Fprintln(io.ErrOut, "linkdesk: interrupted: stopping; a call in flight is settled first by reading the tenant (at most 10 s). Ctrl-C again stops at once.")
		select {
		case <-done:
			return
		case <-signals:
		}
	}
	if io.sandbox.Load() {
		fmt.Fprintf(io.ErrOut, "linkdesk: stopped at once: %s.\n", session.SandboxEnds)
	} else {
		fmt.Fprintln(io.ErrOut, "linkdesk: stopped at once: a write cut off now is settled by `linkdesk resume`.")
	}
	os.Exit(exitInterrupted)
}

// interruptNotice is how long a command may take to end after Ctrl-C
// before the operator is told why it has not yet.
const interruptNotice = 400 * time.Millisecond

// exitInterrupted is the shell's code for a process ended by SIGINT.
const exitInterrupted = 130

func newRootCmd(io *streams) *cobra.Command {
	g := &globalOptions{notes: io.ErrOut, io: io}
	root := &cobra.Command{
		Use:   "linkdesk",
		Short: "Find and fix duplicate accounts in an Auth0 tenant",
		Long: `linkdesk finds every set of accounts that share an email across the connections
of an Auth0 tenant, shows who each account really is, and links, unlinks or
deletes accounts from the server side, behind safety checks and an audit log.

Run it without a command for the terminal UI on the configured tenant, or try
it on a sandbox tenant first:

  linkdesk demo

A tenant is configured with AUTH0_DOMAIN plus AUTH0_CLIENT_ID and
AUTH0_CLIENT_SECRET (or AUTH0_API_TOKEN), or the same flags.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          rootArgs,
		// cobra's own default, which it sets only where it checks the
		// arguments itself (rootArgs does here).
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(&tuiOptions{cmdEnv: cmdEnv{g: g, io: io, ctx: cmd.Context()}})
		},
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetIn(io.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err, flags: true}
	})

	f := root.PersistentFlags()
	f.StringVar(&g.Domain, "domain", "", "tenant domain, or http://127.0.0.1:PORT for a local sandbox (env AUTH0_DOMAIN)")
	f.StringVar(&g.ClientID, "client-id", "", "Machine-to-Machine client id (env AUTH0_CLIENT_ID)")
	f.StringVar(&g.ClientSecret, "client-secret", "", "client secret; prefer the env AUTH0_CLIENT_SECRET, flags show in ps")
	f.StringVar(&g.APIToken, "api-token", "", "a Management API token instead of client credentials (env AUTH0_API_TOKEN)")
	f.BoolVar(&g.Demo, "demo", false, "run against a fresh embedded sandbox tenant")
	f.StringVar(&g.Fixture, "fixture", "", "with --demo: load the sandbox tenant from this JSON file")
	f.BoolVar(&g.ReadOnly, "read-only", false, "make every write fail before any call")
	f.BoolVar(&g.NoColor, "no-color", false, "no colour (also when NO_COLOR is set)")
	f.StringVar(&g.AuditLog, "audit-log", "", "audit log file, in a directory that exists (default $XDG_STATE_HOME/linkdesk/audit.log)")
	f.StringVar(&g.BackupDir, "backup-dir", "", "directory for backups before writes, made if new in one that exists (default $XDG_STATE_HOME/linkdesk/backups)")
	f.StringVar(&g.Operator, "operator", "", "who is acting, for the audit log (default $USER)")

	root.AddCommand(
		newDemoCmd(g, io, nil),
		newScanCmd(g, io, nil),
		newPlanCmd(g, io, nil),
		newApplyCmd(g, io, nil),
		newLinkCmd(g, io, nil),
		newUnlinkCmd(g, io, nil),
		newDeleteCmd(g, io, nil),
		newTicketCmd(g, io, nil),
		newShowCmd(g, io, nil),
		newVerifyCmd(g, io, nil),
		newResumeCmd(g, io, nil),
		newUndoCmd(g, io, nil),
		newAuditCmd(g, io, nil),
		newEmulatorCmd(g, io, nil),
	)
	// A value given blank (an unset shell variable) is never taken as
	// "the default": the audit log would name no operator, or a blank
	// path would put the records elsewhere.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Value.String() == "true" {
			io.jsonStdout()
		}
		if err := refuseTenantWithDemo(cmd, g.Demo); err != nil {
			return err
		}
		if err := refuseEmptyScope(cmd,
			scopeFlag{"operator", "the operator", "the audit log names $USER"},
			scopeFlag{"audit-log", "the audit log's file", "it is $XDG_STATE_HOME/linkdesk/audit.log"},
			scopeFlag{"backup-dir", "the backup directory", "it is $XDG_STATE_HOME/linkdesk/backups"},
			scopeFlag{"domain", "the domain", "it is AUTH0_DOMAIN"},
			scopeFlag{"client-id", "the client id", "it is AUTH0_CLIENT_ID"},
			scopeFlag{"client-secret", "the client secret", "it is AUTH0_CLIENT_SECRET"},
			scopeFlag{"api-token", "the token", "it is AUTH0_API_TOKEN"},
			scopeFlag{"fixture", "the fixture file's name", "the sandbox is generated"},
			// Flags of single commands, where a blank value is no default either.
			scopeFlag{"journal", "the journal file", "the plan keeps its journal in the state directory"},
			scopeFlag{"app-client-id", "the application's client id", "the tenant's default applies"},
			scopeFlag{"result-url", "the result URL", "the tenant's default applies"},
			// Every write's words for the audit record: given empty, it
			// recorded no reason without a word (--reason "$TICKET" unset).
			scopeFlag{"reason", "the reason", "the audit record holds none: give the ticket or who asked, or leave the flag out"},
		); err != nil {
			return err
		}
		// A file or directory named by flag goes where it points, as --out
		// and --journal do: into a directory there already (the backup
		// directory itself may be new). The state directory's defaults are
		// made as they are needed.
		if g.AuditLog != "" {
			if err := checkFileDir("--audit-log", g.AuditLog); err != nil {
				return err
			}
		}
		if g.BackupDir != "" {
			return checkNewDir("--backup-dir", g.BackupDir)
		}
		return nil
	}
	argsAreUsage(root)
	return root
}

// refuseTenantWithDemo refuses a tenant named by flag on the sandbox
// (--demo, `linkdesk demo`): the command would read, and write, the
// embedded sandbox tenant while the operator named another. The
// environment's AUTH0_* stay allowed: set for the real tenant, they are
// what --demo is there to leave aside.
func refuseTenantWithDemo(cmd *cobra.Command, demo bool) error {
	sandbox := "--demo"
	if cmd.Name() == "demo" {
		sandbox, demo = "`linkdesk demo`", true
	}
	if !demo {
		return nil
	}
	for _, name := range []string{"domain", "client-id", "client-secret", "api-token"} {
		if name == "client-id" && cmd.Name() == "ticket" {
			continue // surely the application's: refuseUnusedClientID names --app-client-id
		}
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return usageErrorf("--%s names a tenant, and %s runs on an embedded sandbox tenant: give one or the other", name, sandbox)
		}
	}
	return nil
}

// rootArgs refuses an argument of the bare command: it is a command linkdesk
// does not have (a usage error, exit 2), with the commands it may have meant.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, " or ") + "?"
	}
	return usageErrorf("%s\nRun `%s --help` for the commands.", msg, cmd.CommandPath())
}

// argsAreUsage makes every argument cobra refuses for c and the commands
// below it ("unknown command", "accepts 1 arg(s), received 2") a usage
// error, exit 2, as a flag cobra refuses is (SetFlagErrorFunc).
func argsAreUsage(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var ee *exitError
			if err == nil || errors.As(err, &ee) {
				return err
			}
			return &exitError{code: exitUsage, err: err}
		}
	}
	for _, sub := range c.Commands() {
		argsAreUsage(sub)
	}
}

// scopeFlag is a flag whose value narrows what a command reads or
// changes: left out, the command takes everything (the whole tenant, the
// whole audit log).
type scopeFlag struct {
	name    string // without its dashes
	what    string // "the email", in "the email is empty"
	without string // what leaving it out means: "scan reads the whole tenant"
}

// refuseEmptyScope refuses (a usage error) a scope flag given an empty or
// blank value: `--email "$EMAIL"` with $EMAIL unset must not read as
// "everything", which leaving the flag out means.
func refuseEmptyScope(cmd *cobra.Command, flags ...scopeFlag) error {
	for _, f := range flags {
		fl := cmd.Flags().Lookup(f.name)
		if fl == nil || !fl.Changed {
			continue
		}
		values := []string{fl.Value.String()}
		if list, ok := fl.Value.(interface{ GetSlice() []string }); ok { // --class a,b: each of them
			if values = list.GetSlice(); len(values) == 0 {
				values = []string{""}
			}
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return usageErrorf("--%s %s: %s is empty (an unset shell variable?); without --%s, %s", f.name, quoteArg(v), f.what, f.name, f.without)
			}
		}
	}
	return nil
}

// terminalText makes a message safe for the operator's terminal, whatever
// it quotes (a tenant's string, a file's bytes): secrets redacted, each
// line made printable, the lines kept.
func terminalText(msg string) string {
	lines := strings.Split(audit.Scrub(msg), "\n")
	for i, l := range lines {
		lines[i] = printableName(l)
	}
	return strings.Join(lines, "\n")
}

// explain words an error the operator can fix (credentials the tenant
// refuses name the settings to check); others are left as they are.
func explain(err error) error {
	var ce *session.CredentialsError
	if errors.As(err, &ce) {
		return ce
	}
	return session.Explain(err)
}

// noColor reports whether colour is off by flag or by NO_COLOR.
func (g *globalOptions) noColor() bool { return g.NoColor || os.Getenv("NO_COLOR") != "" }

// config is the session the flags and the environment name; sandbox asks
// for a sandbox tenant whatever --demo says.
func (g *globalOptions) config(sandbox bool) session.Config {
	return session.Config{
		Domain:       firstNonEmpty(g.Domain, os.Getenv("AUTH0_DOMAIN")),
		ClientID:     firstNonEmpty(g.ClientID, os.Getenv("AUTH0_CLIENT_ID")),
		ClientSecret: firstNonEmpty(g.ClientSecret, os.Getenv("AUTH0_CLIENT_SECRET")),
		APIToken:     firstNonEmpty(g.APIToken, os.Getenv("AUTH0_API_TOKEN")),
		Sandbox:      g.Demo || sandbox,
		Fixture:      g.Fixture,
		Users:        g.Users,
		Seed:         g.Seed,
		ReadOnly:     g.ReadOnly,
		Operator:     g.Operator,
		AuditLog:     g.AuditLog,
		BackupDir:    g.BackupDir,
	}
}

// paths are the state paths of the flags, for commands that need no tenant.
func (g *globalOptions) paths() session.Paths { return session.PathsFor(g.config(false)) }

// open connects to the tenant the flags name (a sandbox tenant with --demo
// or sandbox). The caller closes the session.
func (g *globalOptions) open(ctx context.Context, sandbox bool) (*session.Session, error) {
	if g.notes != nil {
		// The contract keeps the secret out of ps; a flag cannot: say so.
		for _, given := range []struct{ flag, value, env string }{
			{"--client-secret", g.ClientSecret, "AUTH0_CLIENT_SECRET"}, {"--api-token", g.APIToken, "AUTH0_API_TOKEN"},
		} {
			if given.value != "" {
				fmt.Fprintf(g.notes, "linkdesk: note: %s shows its value in ps to every user of this machine while linkdesk runs: set %s instead\n", given.flag, given.env)
			}
		}
	}
	s, err := session.Open(ctx, g.config(sandbox))
	var usage session.UsageError
	if errors.As(err, &usage) {
		return nil, &exitError{code: exitUsage, err: usage.Err}
	}
	if s != nil && s.Sandbox && g.io != nil {
		g.io.sandbox.Store(true)
	}
	if s != nil && g.notes != nil {
		s.Notify = func(msg string) { fmt.Fprintln(g.notes, "linkdesk: note:", terminalText(msg)) }
	}
	return s, err
}

// withSession opens the tenant the flags name, hands it to do and closes it.
func (e *cmdEnv) withSession(do func(s *session.Session) error) error {
	s, err := e.g.open(e.ctx, false)
	if err != nil {
		return err
	}
	defer s.Close()
	return do(s)
}

// warnUnsettled says on stderr when writes of earlier runs on this tenant
// were cut off and are not settled yet, and what settles them.
func warnUnsettled(io *streams, s *session.Session) {
	list, err := s.Unsettled()
	if err != nil {
		fmt.Fprintln(io.ErrOut, "linkdesk: reading the journals:", terminalText(err.Error()))
		return
	}
	var cut, running []session.Unsettled
	for _, u := range list {
		if u.InUse {
			running = append(running, u)
		} else {
			cut = append(cut, u)
		}
	}
	if len(cut) > 0 {
		fmt.Fprintf(io.ErrOut, "linkdesk: %d earlier %s on %s did not finish as seen:\n", len(cut), plural(len(cut), "write", "writes"), printableName(s.Name))
		for _, u := range cut {
			fmt.Fprintln(io.ErrOut, "  "+terminalText(u.Summary()))
			next := terminalText(u.Next())
			fmt.Fprintln(io.ErrOut, "    "+strings.ToUpper(next[:1])+next[1:]+".")
		}
	}
	if len(running) > 0 { // not cut off: running now, in another linkdesk
		fmt.Fprintf(io.ErrOut, "linkdesk: %d %s on %s %s running in another linkdesk now:\n", len(running), plural(len(running), "plan", "plans"), printableName(s.Name), plural(len(running), "is", "are"))
		for _, u := range running {
			fmt.Fprintln(io.ErrOut, "  "+terminalText(u.Summary()))
		}
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// plural is one when n is 1, else many: "1 write", "2 writes".
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// calls counts calls in a sentence: "1 call", "3 calls".
func calls(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "call", "calls")) }

// theseCalls names the calls a question is about: "this call", "these 3 calls".
func theseCalls(n int) string { return plural(n, "this call", "these "+calls(n)) }

// cmdEnv is what every command's options hold: the global flags, the
// streams, and the program's context once the command runs.
type cmdEnv struct {
	g   *globalOptions
	io  *streams
	ctx context.Context
}

// dispatch runs a command: runF when a test gives one (to check the flags and
// arguments without a tenant), else run.
func dispatch[T any](cmd *cobra.Command, o T, env *cmdEnv, runF, run func(T) error) error {
	env.ctx = cmd.Context()
	if runF != nil {
		return runF(o)
	}
	if w, ok := any(o).(interface{ forced() bool }); ok && w.forced() && env.g.ReadOnly {
		// A write forced in read-only mode is refused before it reads
		// anything: its refusal does not wait on the tenant, nor depend on
		// it (a dry run still reads, to show the calls).
		return commandError(linking.ReadOnlyError())
	}
	return run(o)
}

// runArgs is the RunE of a command that checks no flags against each other:
// its positional arguments (Args has counted them) go to args in order, then
// dispatch runs it.
func runArgs[T any](o T, env *cmdEnv, runF, run func(T) error, args ...*string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, a []string) error {
		for i, p := range args {
			*p = a[i]
		}
		return dispatch(cmd, o, env, runF, run)
	}
}
