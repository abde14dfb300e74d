package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// Every command of linkdesk, by name: the hostile-data, secrets and
// read-only tests below each run all of them, and
// TestEveryCommandIsCovered fails when a command is added without them.
var coveredCommands = []string{"", "demo", "scan", "plan", "apply", "link", "unlink", "delete", "ticket", "show", "verify-email", "resume", "undo", "audit", "emulator", "help", "completion"}

func TestEveryCommandIsCovered(t *testing.T) {
	root := newRootCmd(osStreams())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if !slices.Contains(coveredCommands, c.Name()) {
			t.Errorf("command %q is not run by the hostile-data, secrets and read-only tests", c.Name())
		}
	}
}

var hostileFixture = emulatortest.Path(emulatortest.Hostile)

// Accounts of emulator/testdata/hostile.json.
const (
	hostileEve      = "auth0|65eee0000000000000000001"        // a group of three on three connections, hostile metadata
	hostileEveEmail = "eve\u200b\u202e@evil.example"          //
	hostileMallory  = "auth0|65eee0000000000000000003"        // github|42424242 linked, hostile profileData
	hostileID       = "auth0|\x1b]0;pwned\x07id\u202e"        // a user id that is an attack in itself
	hostileSMS      = "sms|65eee0000000000000000009"          // spreadsheet formulas, a phone number
	hostileGoogle   = "google-oauth2|100000000000000000666"   // a name of more than a megabyte
	hostileEvilConn = "evil-db\x1b[2J\x1b[H\u202e"            // a connection name with escapes
	hostileExport   = `{"user_id":"auth0|x\u001b[2J","email"` // a cut line
)

// forTerminal reports the first thing in out that a terminal would act on
// or that hides text: a control character other than newline (escape
// sequences start with one), a C1 control, a bidi or zero-width character,
// a line separator, or invalid UTF-8.
func forTerminal(out string) string {
	if !utf8.ValidString(out) {
		i := 0
		for i < len(out) {
			r, size := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return fmt.Sprintf("invalid UTF-8 at byte %d: %q", i, around(out, i))
	}
	for i, r := range out {
		if r != '\n' && (unicode.IsControl(r) || termsafe.Invisible(r)) {
			return fmt.Sprintf("%U at byte %d: %q", r, i, around(out, i))
		}
	}
	return ""
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// payloads are pieces of the fixture's attacks that no renderer writes of
// its own: the TUI's output stream (escape sequences of its own) must hold
// none of them.
var payloads = []string{"pwned", "\x1b]52", "Y3VybC", "\u202e", "\u200b", "\u009b", "\x1b[8m", "\xff"}

// runBounded is runCmd that fails the test if the command hangs. An in
// given is a terminal's input (the terminal UI's keys), and stdout that
// terminal's screen; without one nothing is a terminal.
func runBounded(t *testing.T, in io.Reader, args ...string) cmdRun {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{In: in, Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	if in == nil {
		s.In = strings.NewReader("")
	} else {
		s.terminal = func(f any) bool { return f == s.In || f == s.Out }
	}
	done := make(chan int, 1)
	go func() { done <- run(args, s) }()
	select {
	case code := <-done:
		return cmdRun{code, out.String(), errOut.String()}
	case <-time.After(2 * time.Minute):
		t.Fatalf("linkdesk %q hangs", args)
		return cmdRun{}
	}
}

// quitLater is a terminal's input for the TUI: nothing for a moment (the
// scan starts), then a few keys, then ctrl+c.
type quitLater struct {
	keys  []byte
	after time.Duration
	began bool
}

func (q *quitLater) Read(p []byte) (int, error) {
	if !q.began {
		q.began = true
		time.Sleep(q.after)
	}
	if len(q.keys) == 0 {
		// A terminal stays open: the program quits on ctrl+c, not on EOF.
		// (This read blocks for the rest of the test binary's life.)
		select {}
	}
	p[0] = q.keys[0]
	q.keys = q.keys[1:]
	return 1, nil
}

func tuiInput() io.Reader {
	return &quitLater{keys: []byte("2\rj\rl\r\x1b3\x03"), after: 1500 * time.Millisecond}
}

// TestHostileFixtureThroughEveryCommand serves a tenant whose every string
// attacks (emulator/testdata/hostile.json: escape sequences in every string
// field, bidi overrides, zero-width characters, a name of more than a
// megabyte, invalid UTF-8, duplicate keys, numbers where strings belong,
// spreadsheet formulas) and runs every command on it. None may crash or
// hang; no text for a terminal (tables, plan and dry-run text, the audit
// log, messages on stderr) may carry anything a terminal would act on, and
// JSON output carries it escaped.
func TestHostileFixtureThroughEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command, the emulator as a process")
	}
	e := newWriteEnvFrom(t, hostileFixture, emulator.Options{Rate: -1})
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	exportFile := filepath.Join(dir, "export.ndjson")
	writeHostileExport(t, exportFile)

	type check func(t *testing.T, r cmdRun)
	jsonOut := func(t *testing.T, r cmdRun) {
		if !json.Valid([]byte(r.out)) && !validJSONLines(r.out) {
			t.Errorf("not JSON: %q", around(r.out, 0))
		}
	}
	csvOut := func(t *testing.T, r cmdRun) {
		rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			for i, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("CSV column %s: %q would run as a formula", rows[0][i], cell)
				}
			}
		}
	}
	has := func(want ...string) check {
		return func(t *testing.T, r cmdRun) {
			for _, w := range want {
				if !strings.Contains(r.out+r.errOut, w) {
					t.Errorf("output lacks %q:\n%s\n%s", w, r.out, r.errOut)
				}
			}
		}
	}
	tui := func(t *testing.T, r cmdRun) {
		for _, p := range payloads {
			if strings.Contains(r.out, p) {
				t.Errorf("the terminal UI wrote %q from the tenant's data: %q", p, around(r.out, strings.Index(r.out, p)))
			}
		}
	}
	for _, tc := range []struct {
		args   []string
		exit   int
		in     func() io.Reader
		pipe   bool // stdout is data for a program (a plan for a file), not for a terminal
		checks []check
	}{
		{args: []string{"scan"}, checks: []check{has("LINK CANDIDATE")}},
		{args: []string{"scan", "--json"}, checks: []check{jsonOut, hostileValuesKept}},
		{args: []string{"scan", "--csv"}, checks: []check{csvOut}},
		{args: []string{"scan", "--email", hostileEveEmail}},
		{args: []string{"scan", "--connection", hostileEvilConn}},
		{args: []string{"scan", "--connection", "nope\x1b]0;pwned\x07"}, exit: exitUsage},
		{args: []string{"scan", "--from-export", exportFile, "--json"}, checks: []check{jsonOut}},
		{args: []string{"scan", "--from-export", exportFile}, checks: []check{has("malformed lines skipped")}},
		{args: []string{"show", hostileEveEmail}, checks: []check{has("user_metadata:")}},
		{args: []string{"show", hostileID, "--json"}, checks: []check{jsonOut}},
		{args: []string{"show", "nobody\x1b]0;pwned\x07"}, exit: exitFailure, checks: []check{has("No account matches")}},
		{args: []string{"show", hostileID}, checks: []check{has("identity ")}},
		{args: []string{"plan", "--out", planFile}, checks: []check{has("Wrote")}},
		{args: []string{"plan", "--email", hostileEveEmail, "--out", "-"}, pipe: true, checks: []check{jsonOut}},
		{args: []string{"apply", planFile}, checks: []check{has("Dry run")}},
		{args: []string{"apply", planFile, "--json"}, checks: []check{jsonOut}},
		{args: []string{"apply", planFile, "--force"}, checks: []check{has("Done: all")}},
		{args: []string{"unlink", hostileMallory, "github", "42424242"}},
		{args: []string{"unlink", hostileMallory, "github", "42424242", "--force", "--json"}, checks: []check{jsonOut}},
		{args: []string{"link", hostileMallory, "github|42424242", "--allow-unverified", "--allow-different-emails"}},
		{args: []string{"link", hostileMallory, "github|42424242", "--force", "--allow-unverified", "--allow-different-emails"}, checks: []check{has("done")}},
		{args: []string{"delete", hostileID}},
		{args: []string{"delete", hostileID, "--force"}, checks: []check{has("done", "backup")}},
		{args: []string{"delete", hostileGoogle + "\x1b[2J", "--force"}, exit: exitRefused},
		{args: []string{"link", "auth0|\x1b[2Jnobody", hostileEve, "--force"}, exit: exitRefused},
		{args: []string{"unlink", hostileEve, "git\x1b[31mhub", "1", "--force"}, exit: exitRefused},
		{args: []string{"ticket", hostileEve}, checks: []check{has("Dry run")}},
		{args: []string{"ticket", hostileEve, "--force"}, checks: []check{has("Password-change ticket")}},
		{args: []string{"ticket", hostileEve, "--force", "--json"}, checks: []check{jsonOut}},
		{args: []string{"verify-email", "auth0|65eee0000000000000000005"}, checks: []check{has("jobs/verification-email", "Dry run")}},
		{args: []string{"verify-email", "auth0|65eee0000000000000000005", "--force", "--json"}, checks: []check{jsonOut}},
		{args: []string{"verify-email", hostileEve, "--force"}, exit: exitRefused},
		{args: []string{"resume"}, checks: []check{has("Nothing to settle")}},
		{args: []string{"resume", "--force", "--json"}},
		{args: []string{"audit"}},
		{args: []string{"audit", "--json", "--limit", "0"}, checks: []check{jsonOut}},
		{args: []string{"apply", planFile + "\x1b[2J"}, exit: exitUsage},
		{args: []string{"--no-color"}, in: tuiInput, checks: []check{tui}},
		{args: []string{"demo", "--fixture", hostileFixture, "--no-color"}, in: tuiInput, checks: []check{tui}},
		{args: []string{"help", "scan"}},
		{args: []string{"completion", "bash"}, pipe: true},
	} {
		var in io.Reader
		if tc.in != nil {
			in = tc.in()
		}
		r := runBounded(t, in, tc.args...)
		name := fmt.Sprintf("%q", tc.args)
		if r.code != tc.exit {
			t.Errorf("%s: exit %d, want %d\n%s", name, r.code, tc.exit, r.errOut)
		}
		if bad := forTerminal(r.errOut); bad != "" {
			t.Errorf("%s: stderr: %s", name, bad)
		}
		if bad := forTerminal(r.out); bad != "" && !tc.pipe && tc.in == nil {
			t.Errorf("%s: stdout: %s", name, bad)
		}
		for _, c := range tc.checks {
			c(t, r)
		}
	}
	// The writes happened, on the record, in private files.
	if recs := e.auditRecords(); len(recs) < 10 {
		t.Errorf("%d audit records: the writes did not happen", len(recs))
	}
	checkPrivateTree(t, filepath.Join(e.state, "linkdesk"))

	// linkdesk emulator serves the hostile tenant and says so safely.
	emu := startEmulatorProcess(t, hostileFixture)
	stats, ten := emu.stop(t)
	if len(ten.Users) != 12 || stats.APICalls != 0 {
		t.Errorf("emulator: %d users, %d calls", len(ten.Users), stats.APICalls)
	}
	if bad := forTerminal(emu.output.String()); bad != "" {
		t.Errorf("linkdesk emulator: %s", bad)
	}
}

// hostileValuesKept checks that scan --json keeps the hostile values
// exactly (escaped, not replaced).
func hostileValuesKept(t *testing.T, r cmdRun) {
	var rep struct {
		Groups []struct {
			Email    string `json:"email"`
			Accounts []struct {
				UserID     string `json:"user_id"`
				Connection string `json:"connection"`
			} `json:"accounts"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	var conns []string
	for _, g := range rep.Groups {
		for _, a := range g.Accounts {
			conns = append(conns, a.Connection)
		}
	}
	if !slices.Contains(conns, hostileEvilConn) {
		t.Errorf("the connection %q did not come through scan --json exactly: %q", hostileEvilConn, conns)
	}
}

func validJSONLines(s string) bool {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			return false
		}
	}
	return len(lines) > 0
}

// writeHostileExport writes the hostile tenant as a users export (NDJSON)
// with broken lines among the users.
func writeHostileExport(t *testing.T, path string) {
	t.Helper()
	ten, err := emulator.LoadFixture(hostileFixture)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i, u := range ten.Users {
		b.Write(u.AppendJSON(nil))
		b.WriteByte('\n')
		if i == 2 {
			b.WriteString(hostileExport + "\n")
			b.WriteString("not json \x1b]0;pwned\x07 \u202e\xff\xfe\n")
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSecretsNeverLeave runs every command with a known client secret (from
// the environment and from --client-secret) and with a known access token
// (AUTH0_API_TOKEN and --api-token), and looks for them, and for every token
// the tenant issued, in everything linkdesk wrote: stdout, stderr, the audit
// log, backups, journals, plans, and the goroutine dump a crash prints.
// Files holding tenant data must be 0600 in directories 0700.
func TestSecretsNeverLeave(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command, some as processes")
	}
	const secret = "linkdesk-test-client-SECRET-5e1f0a9c"
	const wrongSecret = "linkdesk-test-WRONG-secret-77a1"
	e := newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1, ClientSecret: secret})
	token := emulatortest.Token(t, e.base, e.srv.ClientID(), secret, "")
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	var outputs []string
	runAll := func(mode string, setup func(), flags []string, commands [][]string) {
		setup()
		for _, args := range commands {
			var in io.Reader
			if len(args) == 0 || args[0] == "demo" {
				in = tuiInput()
			}
			r := runBounded(t, in, append(slices.Clone(args), flags...)...)
			if r.code != exitOK && r.code != exitRefused && !(len(args) > 0 && args[0] == "scan" && slices.Contains(flags, "--client-secret="+wrongSecret)) {
				t.Errorf("%s: %q: exit %d: %s", mode, args, r.code, r.errOut)
			}
			outputs = append(outputs, mode+" "+strings.Join(args, " ")+"\n"+r.out+r.errOut)
		}
	}
	// Client id and secret from the environment.
	runAll("env", func() {}, nil, [][]string{
		{"scan"}, {"scan", "--json"}, {"scan", "--csv"}, {"plan", "--out", planFile}, {"apply", planFile},
		{"apply", planFile, "--force"}, {"apply", planFile, "--force"}, {"ticket", cmdAliceDB, "--force"}, {"ticket", cmdAliceDB, "--force", "--json"},
		{"link", cmdMariaGitHub, cmdMariaDB, "--force"}, {"delete", "auth0|nobody", "--force"},
		{"audit"}, {"audit", "--json"}, {"resume"}, {}, {"demo", "--users", "50"}, {"help"}, {"completion", "zsh"},
		{"show", "alice.nguyen@gmail.com"}, {"show", cmdAliceDB, "--json"}, {"verify-email", cmdMariaDB, "--force"},
	})
	// The same from flags (which ps shows: the environment is better).
	runAll("flags", func() {
		t.Setenv("AUTH0_CLIENT_ID", "")
		t.Setenv("AUTH0_CLIENT_SECRET", "")
	}, []string{"--client-id=" + e.srv.ClientID(), "--client-secret=" + secret}, [][]string{
		{"unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force"}, {"delete", "auth0|64c4d4e4f4a4b4c4d4e4f4a4", "--force"},
		{"link", cmdAliceDB, cmdSam}, {"scan", "--email", "alice.nguyen@gmail.com"}, {"resume", "--force"}, {}, {"show", cmdSam},
	})
	runAll("wrong secret", func() {}, []string{"--client-id=" + e.srv.ClientID(), "--client-secret=" + wrongSecret}, [][]string{{"scan"}})
	// A token instead of the client's credentials.
	runAll("token env", func() { t.Setenv("AUTH0_API_TOKEN", token) }, nil, [][]string{
		{"delete", "samlp|acme-corp|John.Doe@Acme.com", "--force"}, {"scan", "--json"}, {"ticket", cmdAliceDB, "--force"},
	})
	runAll("token flag", func() { t.Setenv("AUTH0_API_TOKEN", "") }, []string{"--api-token=" + token}, [][]string{
		{"link", cmdMariaGitHub, cmdMariaDB, "--force", "--allow-unverified"}, {"audit", "--limit", "0"}, {},
	})
	// A crash prints every goroutine's stack: kill a running apply with
	// SIGQUIT (the runtime's panic printer) while a call is in flight.
	outputs = append(outputs, crashDump(t, secret))

	secrets := append([]string{secret, wrongSecret, token}, e.srv.IssuedTokens()...)
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("a secret (%.12s…) was printed:\n%s", s, around(out, strings.Index(out, s)))
			}
		}
	}
	files := 0
	for _, root := range []string{e.state, dir} {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			files++
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds a secret (%.12s…)", path, s)
				}
			}
			return nil
		})
	}
	if files < 5 {
		t.Errorf("only %d files written: the commands did not run as meant", files)
	}
	// The audit log, backups and journals: private files in private directories.
	checkPrivateTree(t, filepath.Join(e.state, "linkdesk"))
	if fi, err := os.Stat(planFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file: %v %v", fi, err)
	}
	if len(e.auditRecords()) < 10 {
		t.Errorf("%d audit records: the writes did not happen", len(e.auditRecords()))
	}
}

// crashDump runs `linkdesk apply --force` as a process (secret on the
// command line, as ps would show it) against a slow tenant, sends it
// SIGQUIT while a call is in flight, and returns the goroutine dump it
// printed.
func crashDump(t *testing.T, secret string) string {
	t.Helper()
	ten, err := emulator.LoadFixture(cmdFixture)
	if err != nil {
		t.Fatal(err)
	}
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: ten, Rate: -1, ClientSecret: secret, Latency: 400 * time.Millisecond})
	dir := t.TempDir()
	p := linking.NewPlan(emulator.TenantName(srv.Run(), base), "tester", time.Now())
	u, _ := srv.GetUser(cmdAliceGoogle)
	p.Add(linking.PlanDelete(clientUser(t, u), ""))
	planFile := filepath.Join(dir, "plan.json")
	writePlanFile(t, planFile, p)
	cmd := linkdeskProcess(context.Background(), []string{"AUTH0_DOMAIN=" + base, "XDG_STATE_HOME=" + dir, "GOTRACEBACK=all"},
		"apply", planFile, "--force", "--client-id", srv.ClientID(), "--client-secret", secret)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The token request and the first read take a latency each: quit in the middle.
	for srv.Stats().APICalls == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGQUIT)
	cmd.Wait()
	dump := stderr.String()
	if !strings.Contains(dump, "goroutine ") || !strings.Contains(dump, "SIGQUIT") {
		t.Errorf("no goroutine dump after SIGQUIT:\n%s", dump)
	}
	return dump
}

// clientUser reads an emulator user as the client decodes it.
func clientUser(t *testing.T, u *emulator.User) client.User {
	t.Helper()
	var cu client.User
	if err := json.Unmarshal(u.AppendJSON(nil), &cu); err != nil {
		t.Fatal(err)
	}
	return cu
}

// TestReadOnlyReachesNoWrite runs every command with --read-only, the
// write commands with --force, and shows that no write request reaches
// the tenant: the refusal happens below the commands and the UI, in the
// executor and in the client's transport.
func TestReadOnlyReachesNoWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command")
	}
	e := newWriteEnv(t)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if r := runBounded(t, nil, "plan", "--out", planFile, "--read-only"); r.code != exitOK {
		t.Fatalf("plan: %d %s", r.code, r.errOut)
	}
	for _, tc := range []struct {
		args []string
		exit int
	}{
		{[]string{"scan"}, exitOK},
		{[]string{"scan", "--json"}, exitOK},
		{[]string{"apply", planFile}, exitOK}, // the dry run
		{[]string{"apply", planFile, "--force"}, exitRefused},
		{[]string{"apply", planFile, "--force", "--json"}, exitRefused},
		{[]string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, exitRefused},
		{[]string{"link", cmdMariaGitHub, cmdMariaDB, "--force", "--allow-unverified", "--no-merge-metadata"}, exitRefused},
		{[]string{"unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force"}, exitRefused},
		{[]string{"delete", cmdAliceGoogle, "--force"}, exitRefused},
		{[]string{"delete", "samlp|acme-corp|John.Doe@Acme.com", "--force", "--json"}, exitRefused},
		{[]string{"ticket", cmdAliceDB}, exitOK}, // the dry run
		{[]string{"ticket", cmdAliceDB, "--force"}, exitRefused},
		{[]string{"resume", "--force"}, exitRefused}, // a write forced: refused before anything is read
		{[]string{"show", "alice.nguyen@gmail.com"}, exitOK},
		{[]string{"verify-email", cmdMariaDB, "--force"}, exitRefused},
		{[]string{"audit"}, exitOK},
		{[]string{}, exitOK},
		{[]string{"demo", "--users", "50"}, exitOK},
		{[]string{"help"}, exitOK},
		{[]string{"completion", "fish"}, exitOK},
	} {
		var in io.Reader
		if len(tc.args) == 0 || tc.args[0] == "demo" {
			in = tuiInput()
		}
		r := runBounded(t, in, append(tc.args, "--read-only")...)
		if r.code != tc.exit {
			t.Errorf("%q --read-only: exit %d, want %d: %s", tc.args, r.code, tc.exit, r.errOut)
		}
		if tc.exit == exitRefused && !strings.Contains(r.errOut, "(read_only)") {
			t.Errorf("%q --read-only: %s", tc.args, r.errOut)
		}
		if strings.Contains(r.errOut, "Dry run") && (strings.Contains(r.errOut, "Run again with --force") || !strings.Contains(r.errOut, "--read-only refuses every write")) {
			t.Errorf("%q --read-only: the dry run gives advice that cannot work: %s", tc.args, r.errOut)
		}
	}
	st := e.srv.Stats()
	if n := e.userWrites(); n != 0 || len(st.Effects) != 0 {
		t.Errorf("read-only commands sent %d writes; effects %v", n, st.Effects)
	}
	// Refused before any file was touched: no audit record, backup or journal.
	for _, sub := range []string{"audit.log", "backups", "journals"} {
		if _, err := os.Stat(filepath.Join(e.state, "linkdesk", sub)); err == nil {
			t.Errorf("read-only commands created %s", sub)
		}
	}
	// A write forced in read-only mode is refused before it reads anything:
	// with the tenant out of reach, the refusal is the same (tester: exit 1
	// on the network error, or user_missing, before read_only).
	t.Setenv("AUTH0_DOMAIN", "http://127.0.0.1:1")
	for _, args := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle}, {"unlink", cmdSam, "google-oauth2", "101202303404505606707"}, {"delete", "auth0|doesnotexist"},
		{"ticket", cmdAliceDB}, {"verify-email", cmdMariaDB}, {"apply", planFile}, {"undo", "20261130T000000Z-0123456789abcdef"}, {"resume"},
	} {
		if r := runBounded(t, nil, append(args, "--force", "--read-only")...); r.code != exitRefused || !strings.Contains(r.errOut, "(read_only)") {
			t.Errorf("%q --force --read-only, the tenant out of reach: exit %d: %s", args, r.code, r.errOut)
		}
	}
	// The emulator command has nothing to write to a tenant; it takes the
	// flag like every command and serves.
	emu := startEmulatorProcess(t, cmdFixture, "--read-only")
	emu.stop(t)
}
