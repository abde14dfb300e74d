package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/termsafe"
)

type scanOptions struct {
	cmdEnv

	JSON       bool
	CSV        bool
	Email      string
	Connection string
	FromExport string
	Full       bool
}

func newScanCmd(g *globalOptions, io *streams, runF func(*scanOptions) error) *cobra.Command {
	o := &scanOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Report every set of accounts that share an email",
		Long: `Scan the whole tenant through a users-export job (the only way past Auth0's
1,000-result search), group accounts by email across connections, classify
each group and recommend a primary account.

linkdesk keeps the export as a snapshot of the tenant (under
$XDG_STATE_HOME/linkdesk/snapshots, 0600). While it is less than a day old,
the next scan brings it up to date instead of exporting again: it reads the
users created or updated since (user search), the groups of their emails,
and the users deleted since (the tenant's log, scope read:logs), and the
report says "method":"incremental" with the API calls it made. --full
exports anyway; a scan exports whenever the log cannot vouch for deletions.

Output is a table on a terminal, or --json (report version 1) / --csv for
scripts. Progress goes to stderr when it is a terminal; under a table, a line
on stderr says how the tenant was read (in full, or incrementally).

Tenant strings are shown as they are, except what would act on a terminal
(escape sequences, control and bidi characters): the table and the CSV
replace it with U+FFFD, --json writes it as escapes (\u001b). A CSV cell
that starts with = + - or @, which a spreadsheet would run as a formula,
gets a leading ' in the file; a phone number too: '+14155550100, which a
spreadsheet shows as the text +14155550100, never a number. A script
reading the CSV drops that ', or reads --json.`,
		Example: `  linkdesk scan --demo
  linkdesk scan --json > report.json
  linkdesk scan --email john.doe@acme.com
  linkdesk scan --from-export users.json.gz --csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := refuseEmptyScope(cmd,
				scopeFlag{"email", "the email", "scan reads the whole tenant"},
				scopeFlag{"connection", "the connection", "scan reports the groups of every connection"},
				scopeFlag{"from-export", "the export file's name", "scan reads the tenant"},
			); err != nil {
				return err
			}
			if o.JSON && o.CSV {
				return usageErrorf("choose one of --json and --csv")
			}
			if o.Email != "" && o.FromExport != "" {
				return usageErrorf("--email reads from the tenant; it cannot be combined with --from-export")
			}
			if o.Full && (o.Email != "" || o.FromExport != "") {
				return usageErrorf("--full asks for an export job of the whole tenant; it cannot be combined with --email or --from-export")
			}
			if err := checkEmailFlag(o.Email); err != nil {
				return err
			}
			return dispatch(cmd, o, &o.cmdEnv, runF, runScanCmd)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "write the report as JSON (version 1)")
	f.BoolVar(&o.CSV, "csv", false, "write one CSV row per account")
	f.StringVar(&o.Email, "email", "", "scan one address instead of the whole tenant")
	f.StringVar(&o.Connection, "connection", "", "only groups that involve this connection")
	f.StringVar(&o.FromExport, "from-export", "", "scan a users export file (gzip or plain NDJSON) instead of running an export job")
	f.BoolVar(&o.Full, "full", false, "run an export job even when the tenant's snapshot could be brought up to date")
	return cmd
}

func runScanCmd(o *scanOptions) error {
	rep, conns, err := runScan(o)
	if err != nil {
		return err
	}
	if o.Email != "" && len(rep.Groups) == 0 && len(rep.Single) == 0 && !o.JSON && !o.CSV {
		fmt.Fprintln(o.io.Out, noGroupOfEmail(o.Email, o.Connection, rep.UsersScanned))
		return nil
	}
	if err := writeReport(o.io, rep, conns, o); err != nil {
		return err
	}
	if !o.JSON && !o.CSV { // the JSON's "method" says it; a table did not
		if how := scanMethod(rep); how != "" {
			fmt.Fprintln(o.io.ErrOut, "linkdesk: "+how)
		}
	}
	return nil
}

// scanMethod says how rep read the tenant, for the table's reader.
func scanMethod(rep *linking.Report) string {
	calls := ""
	if rep.APICalls > 0 {
		calls = " (" + plural(rep.APICalls, "1 API call", fmt.Sprintf("%d API calls", rep.APICalls)) + ")"
	}
	switch rep.Method {
	case linking.MethodIncremental:
		return "scanned incrementally: the last scan's snapshot brought up to date with what changed since" + calls + "; --full exports the whole tenant again"
	case linking.MethodExport:
		return "scanned in full, through a users-export job" + calls
	case linking.MethodSearch:
		return "scanned through the user search" + calls
	}
	return ""
}

// noGroupOfEmail says why a scan or a plan of one email found no group:
// no account has it, or (with --connection) none of its accounts, found
// (n of them), is on that connection.
func noGroupOfEmail(email, connection string, n int) string {
	if connection != "" && n > 0 {
		return fmt.Sprintf("No account of the email %s is on the connection %s (%s it: `linkdesk scan --email %s` lists %s).",
			printableName(email), printableName(connection), plural(n, "1 account has", fmt.Sprintf("%d accounts have", n)), printableName(email), plural(n, "it", "them"))
	}
	return fmt.Sprintf("No account has the email %s (in any case).", printableName(email))
}

// runScan produces the report the options ask for, and the connections it
// was scanned with (they name linked identities in the JSON). The command
// does nothing else meanwhile, so the scan may hold the collector off while
// it builds a large report.
func runScan(o *scanOptions) (*linking.Report, *linking.Connections, error) {
	progress := progressPrinter(o.io)
	defer progress.done()

	if o.FromExport != "" {
		return scanExportFile(o, progress.update)
	}
	s, err := o.g.open(o.ctx, false)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	rep, err := s.Scan(o.ctx, scan.Request{
		Email: o.Email, Connection: o.Connection, Progress: progress.update, HoldCollector: true, Full: o.Full,
	})
	if err != nil {
		return nil, nil, scanError(err)
	}
	conns, err := s.Connections(o.ctx) // read once by the scan: no call
	if err != nil {
		return nil, nil, err
	}
	return rep, conns, nil
}

func scanExportFile(o *scanOptions, progress func(scan.Progress)) (*linking.Report, *linking.Connections, error) {
	ctx, g, io := o.ctx, o.g, o.io
	f, err := os.Open(o.FromExport)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("--from-export: %w", err)}
	}
	defer f.Close()
	r, err := client.Decompress(f)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("--from-export %s: %w", o.FromExport, err)}
	}

	// Connection settings decide identifiers and classes: read them from the
	// tenant when one is configured, else infer them and say so.
	var conns *linking.Connections
	tenantName := ""
	if g.Demo || tenantConfigured(g) {
		s, err := g.open(ctx, false)
		if err != nil {
			return nil, nil, err
		}
		defer s.Close()
		if conns, err = s.Connections(ctx); err != nil {
			return nil, nil, err
		}
		tenantName = s.Name
	} else {
		conns = linking.InferConnections()
		fmt.Fprintln(io.ErrOut, "linkdesk: no tenant configured, so connection settings are inferred from the export:\n"+
			"  Non-Unique Email and legacy custom-database connections cannot be recognised.\n"+
			"  Set AUTH0_DOMAIN and credentials (or --demo) to read them from the tenant.")
	}
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	rep, err := scan.ExportFile(ctx, r, conns, scan.Request{
		Connection: o.Connection, Progress: progress, HoldCollector: true, ExportBytes: size, ExportName: o.FromExport,
	})
	if err != nil {
		return nil, nil, scanError(err)
	}
	rep.Tenant = tenantName
	if rep.SkippedLines > 0 {
		fmt.Fprintf(io.ErrOut, "linkdesk: %d malformed %s skipped:\n", rep.SkippedLines, plural(rep.SkippedLines, "line", "lines"))
		for _, le := range rep.LineErrors {
			fmt.Fprintf(io.ErrOut, "  line %d: %s\n", le.Line, printableName(le.Error))
		}
		if len(rep.LineErrors) < rep.SkippedLines {
			fmt.Fprintf(io.ErrOut, "  … and %d more\n", rep.SkippedLines-len(rep.LineErrors))
		}
	}
	return rep, conns, nil
}

// checkEmailFlag refuses an --email that is not an address (a username,
// a phone): it would match no account, silently.
func checkEmailFlag(email string) error {
	if e := strings.TrimSpace(email); email != "" && (strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@")) {
		return usageErrorf("--email %s is not an email address: `linkdesk show %s` finds an account by username, phone or user id", quoteArg(email), quoteArg(email))
	}
	return nil
}

// scanError turns an unknown --connection into a usage error.
func scanError(err error) error {
	if errors.Is(err, scan.ErrUnknownConnection) {
		return &exitError{code: exitUsage, err: err}
	}
	return err
}

func tenantConfigured(g *globalOptions) bool {
	return firstNonEmpty(g.Domain, os.Getenv("AUTH0_DOMAIN")) != ""
}

func writeReport(io *streams, r *linking.Report, conns *linking.Connections, o *scanOptions) error {
	w := bufio.NewWriterSize(io.Out, 1<<16)
	var err error
	switch {
	case o.JSON:
		err = report.WriteJSONWith(termsafe.TerminalJSON(w), r, conns)
	case o.CSV:
		err = report.WriteCSV(w, r)
	default:
		err = report.WriteTable(w, r, outputWidth(io))
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// outputWidth is the width a table or a plan summary on stdout is cut to:
// the terminal's; 0 (never cut) when stdout is a file or a pipe, whose
// reader wants every column.
func outputWidth(io *streams) int { return terminalWidth(io, io.Out) }

// terminalWidth is outputWidth for w, stdout or stderr.
func terminalWidth(ios *streams, w io.Writer) int {
	if ios.terminal == nil || !ios.terminal(w) {
		return 0
	}
	if f, ok := fileOf(w).(*os.File); ok {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
	}
	return 100
}

// progressLine draws one updating line on stderr while a scan runs (and
// while plan reads its groups again), only when stderr is a terminal.
type progressLine struct {
	io      *streams
	enabled bool
	width   int // stderr's width: a longer line would wrap, and \r clear only its end

	mu    sync.Mutex // plan's line is drawn from a ticker too
	last  time.Time
	line  string // the line on screen, when drawn
	drawn bool
}

func progressPrinter(io *streams) *progressLine {
	p := &progressLine{io: io, enabled: io.InteractiveErr()}
	if p.enabled {
		p.width = terminalWidth(io, io.ErrOut)
	}
	return p
}

func (p *progressLine) update(pr scan.Progress) { p.show(pr.String(), pr.Stage == "done") }

// show draws line in place of the last one (unless it is that one), at
// most every 100 ms unless now.
func (p *progressLine) show(line string, now bool) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !now && time.Since(p.last) < 100*time.Millisecond || p.drawn && line == p.line {
		return
	}
	p.last, p.line = time.Now(), line
	p.draw()
}

// draw draws p.line in place of what the line shows; p.mu is held.
func (p *progressLine) draw() {
	line := p.line
	if p.width > 1 {
		line = ansi.Truncate(line, p.width-1, "…")
	}
	fmt.Fprintf(p.io.ErrOut, "\r\x1b[2K%s", line)
	p.drawn = true
}

// above has print write its lines (to stdout) above the progress line:
// the line is cleared first and drawn again after.
func (p *progressLine) above(print func()) {
	if !p.enabled {
		print()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	drawn := p.drawn
	if drawn {
		fmt.Fprint(p.io.ErrOut, "\r\x1b[2K")
	}
	print()
	if drawn {
		p.draw()
	}
}

// writerAbove is w written above p's line (a note while it shows).
type writerAbove struct {
	p *progressLine
	w io.Writer
}

func (a writerAbove) Write(b []byte) (n int, err error) {
	a.p.above(func() { n, err = a.w.Write(b) })
	return n, err
}

// done clears the line; a line shown after it is drawn at once.
func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.io.ErrOut, "\r\x1b[2K")
	}
	p.drawn, p.last = false, time.Time{}
}
