// Command linkdesk finds the duplicate accounts of an Auth0 tenant and links,
// unlinks or deletes them from the server side, safely and on the record.
//
// main.go holds the cobra root, the flags every command shares, and how a
// command gets its tenant; each command lives in its own cmd_*.go file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
)

// Exit codes of every command (DESIGN.md).
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

// streams is where a command reads and writes, so tests can capture it.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// terminal reports whether f is an interactive terminal.
	terminal func(f any) bool
}

func osStreams() *streams {
	return &streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, terminal: isTerminal}
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
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
}

func main() {
	os.Exit(run(os.Args[1:], osStreams()))
}

// run executes linkdesk with args and returns the process exit code.
func run(args []string, io *streams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := newRootCmd(io)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(io.ErrOut, "linkdesk:", terminalText(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(io.ErrOut, "linkdesk:", terminalText(err.Error()))
	if isFlagError(err) {
		return exitUsage
	}
	return exitFailure
}

// commandBuilders register the subcommands; each cmd_*.go file adds itself.
var commandBuilders []func(g *globalOptions, io *streams) *cobra.Command

func newRootCmd(io *streams) *cobra.Command {
	g := &globalOptions{}
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
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), g, io, false)
		},
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetIn(io.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
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
	f.StringVar(&g.AuditLog, "audit-log", "", "audit log file (default $XDG_STATE_HOME/linkdesk/audit.log)")
	f.StringVar(&g.BackupDir, "backup-dir", "", "directory for backups before writes (default $XDG_STATE_HOME/linkdesk/backups)")
	f.StringVar(&g.Operator, "operator", "", "who is acting, for the audit log (default $USER)")

	for _, build := range commandBuilders {
		root.AddCommand(build(g, io))
	}
	return root
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

func isFlagError(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code == exitUsage
}

// stateDir is where linkdesk keeps its audit log, backups and journals.
func stateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "linkdesk")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "linkdesk")
	}
	return filepath.Join(os.TempDir(), "linkdesk")
}

// noColor reports whether colour is off by flag or by NO_COLOR.
func (g *globalOptions) noColor() bool { return g.NoColor || os.Getenv("NO_COLOR") != "" }

// operator names who acts, for the audit log.
func (g *globalOptions) operator() string {
	if g.Operator != "" {
		return g.Operator
	}
	for _, k := range []string{"USER", "LOGNAME"} {
		if u := os.Getenv(k); u != "" {
			return u
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
