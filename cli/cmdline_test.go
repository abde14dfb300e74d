package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

// What cobra refuses itself (a command linkdesk does not have, too many
// arguments, a flag it does not know) is a usage error, exit 2, whichever
// command it is under.
func TestUnknownCommandsArgumentsAndFlagsAreUsage(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"bogus"}, `unknown command "bogus" for "linkdesk"`},
		{[]string{"scna"}, "did you mean scan?"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"scan", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"scan", "extra"}, `unknown command "extra" for "linkdesk scan"`},
		{[]string{"demo", "extra"}, `unknown command "extra" for "linkdesk demo"`},
		{[]string{"resume", "a", "b"}, "accepts 1 arg(s), received 2; usage: linkdesk resume [PLAN_ID]"}, // one plan id, or none
		{[]string{"audit", "extra"}, `unknown command "extra" for "linkdesk audit"`},
		{[]string{"show", "a", "b"}, "accepts 1 arg(s), received 2"},
	} {
		r := runCmd(t, nil, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, tc.says) {
			t.Errorf("%q: exit %d, want %d saying %q: %s", tc.args, r.code, exitUsage, tc.says, r.errOut)
		}
	}
}

// An empty query is a usage error, refused before any tenant is opened.
func TestShowOfAnEmptyQueryIsUsage(t *testing.T) {
	e := newWriteEnv(t)
	before := e.srv.Stats().Requests
	// A query longer than any identifier is one too (tester: exit 1).
	for _, q := range []string{"", "  ", "\t", strings.Repeat("a", 5000)} {
		r := runCmd(t, nil, "show", q)
		if r.code != exitUsage || !strings.Contains(r.errOut, "type an email, a user id, a username or a phone number") {
			t.Errorf("show %q: exit %d %s", q, r.code, r.errOut)
		}
		if r := runCmd(t, nil, "show", q, "--demo"); r.code != exitUsage {
			t.Errorf("show %q --demo: exit %d %s", q, r.code, r.errOut)
		}
	}
	n := 0
	for route, c := range e.srv.Stats().Requests {
		n += int(c - before[route])
	}
	if n != 0 {
		t.Errorf("an empty query made %d requests", n)
	}
}

// The terminal UI without a terminal says so and names the commands that
// need none (exit 2), before it opens a tenant or starts a sandbox.
func TestTheTerminalUINeedsATerminal(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	// runWithin runs linkdesk on s, failing the test if it is still
	// running after a while: a terminal UI started without a terminal
	// waits for keys that never come.
	runWithin := func(s *streams, args ...string) int {
		t.Helper()
		done := make(chan int, 1)
		go func() { done <- run(args, s) }()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("linkdesk %q without a terminal is still running: it started the terminal UI", args)
			return 0
		}
	}
	for _, args := range [][]string{{}, {"demo"}, {"--demo"}, {"demo", "--users", "10"}} {
		s, _, errOut := testStreams() // neither stdin nor stdout is a terminal
		s.terminal = func(any) bool { return false }
		code := runWithin(s, args...)
		if code != exitUsage || !strings.Contains(errOut.String(), "the terminal UI needs a terminal") ||
			!strings.Contains(errOut.String(), "scan, show, plan, apply") || strings.Contains(errOut.String(), "no tenant configured") {
			t.Errorf("linkdesk %q without a terminal: exit %d %s", args, code, errOut)
		}
	}
	// A terminal for keys but stdout piped, and the other way round.
	for _, pipe := range []string{"stdin", "stdout"} {
		s, out, errOut := testStreams()
		s.terminal = func(f any) bool { return (pipe == "stdout" && f == s.In) || (pipe == "stdin" && f == s.Out) }
		if code := runWithin(s, "demo"); code != exitUsage || !strings.Contains(errOut.String(), pipe+" is not one") || out.Len() != 0 {
			t.Errorf("demo with %s piped: exit %d %s", pipe, code, errOut)
		}
	}
	// As a process with stdin from /dev/null, which bubbletea could not
	// even read from.
	for _, args := range [][]string{{}, {"demo"}} {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cmd := linkdeskProcess(ctx, []string{"XDG_STATE_HOME=" + t.TempDir()}, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr // stdin is /dev/null
		err := cmd.Run()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitUsage || !strings.Contains(stderr.String(), "the terminal UI needs a terminal, and") ||
			strings.Contains(stderr.String(), "bubbletea") {
			t.Errorf("linkdesk %q </dev/null: %v %s", args, err, stderr.String())
		}
	}
}

// A tenant configured in part names what is missing, not "no tenant
// configured"; nothing configured still says that.
func TestAPartlyConfiguredTenantNamesWhatIsMissing(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, tc := range []struct {
		env     map[string]string
		flags   []string
		missing []string
	}{
		{env: map[string]string{"AUTH0_DOMAIN": "acme.eu.auth0.com", "AUTH0_CLIENT_ID": "abc"},
			missing: []string{"AUTH0_CLIENT_SECRET is not set", "--client-secret", "AUTH0_API_TOKEN"}},
		{flags: []string{"--domain", "acme.eu.auth0.com", "--client-id", "abc"},
			missing: []string{"AUTH0_CLIENT_SECRET is not set", "--client-secret", "AUTH0_API_TOKEN"}},
		{env: map[string]string{"AUTH0_DOMAIN": "acme.eu.auth0.com", "AUTH0_CLIENT_SECRET": "s3cr3t-value"},
			missing: []string{"AUTH0_CLIENT_ID is not set", "--client-id", "AUTH0_API_TOKEN"}},
		{env: map[string]string{"AUTH0_DOMAIN": "acme.eu.auth0.com"},
			missing: []string{"AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are not set", "AUTH0_API_TOKEN"}},
		{env: map[string]string{"AUTH0_API_TOKEN": "t0ken-value"},
			missing: []string{"AUTH0_DOMAIN is not set", "--domain"}},
	} {
		for _, k := range []string{"AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_API_TOKEN"} {
			t.Setenv(k, tc.env[k])
		}
		r := runCmd(t, nil, append([]string{"scan"}, tc.flags...)...)
		if r.code != exitUsage || strings.Contains(r.errOut, "no tenant configured") {
			t.Errorf("%v %v: exit %d %s", tc.env, tc.flags, r.code, r.errOut)
		}
		for _, want := range tc.missing {
			if !strings.Contains(r.errOut, want) {
				t.Errorf("%v %v: the message lacks %q: %s", tc.env, tc.flags, want, r.errOut)
			}
		}
		if strings.Contains(r.errOut, "s3cr3t-value") || strings.Contains(r.errOut, "t0ken-value") {
			t.Errorf("a credential was printed: %s", r.errOut)
		}
	}
	for _, k := range []string{"AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_API_TOKEN"} {
		t.Setenv(k, "")
	}
	if r := runCmd(t, nil, "scan"); r.code != exitUsage || !strings.Contains(r.errOut, "no tenant configured") {
		t.Errorf("nothing configured: exit %d %s", r.code, r.errOut)
	}
	_, err := session.Open(t.Context(), session.Config{Domain: "acme.eu.auth0.com", ClientID: "abc"})
	if !errors.Is(err, session.ErrNoCredentials) {
		t.Errorf("a tenant configured in part: %v, want it to match ErrNoCredentials", err)
	}
}

// apply's dry run makes no journal, and says so of the one a run would
// make, rather than call it new (tester: "Journal: …/plan-….journal
// (new)" named a file that was never made); so does a question answered
// no; --force says its run makes it, and it does.
func TestAnApplyDryRunSaysItMakesNoJournal(t *testing.T) {
	newWriteEnv(t)
	dir := t.TempDir()
	plan, journal := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.journal")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", plan)
	r := mustRun(t, "apply", plan, "--journal", journal)
	if want := "Journal: " + journal + " (none yet: --force makes it)\n"; !strings.Contains(r.out, want) || strings.Contains(r.out, "(new)") {
		t.Errorf("the dry run lacks %q:\n%s", want, r.out)
	}
	// It says that it checked the accounts as --force does before each
	// call (tester: it read as "the plan is fine", and --force refused it).
	if want := "pass the checks --force makes before each call"; !strings.Contains(r.out, want) || strings.Contains(r.errOut, "not read again") {
		t.Errorf("the dry run does not say what it checked (%q):\n%s%s", want, r.out, r.errOut)
	}
	no := "n\n"
	r = runCmd(t, &no, "apply", plan, "--journal", journal)
	if want := "Journal: " + journal + " (none yet: a yes to the question below makes it)\n"; !strings.Contains(r.out, want) {
		t.Errorf("asked on a terminal, lacks %q:\n%s", want, r.out)
	}
	if _, err := os.Stat(journal); err == nil {
		t.Fatal("a dry run or a question answered no made the journal")
	}
	r = mustRun(t, "apply", plan, "--journal", journal, "--force")
	if want := "Journal: " + journal + " (none yet: this run makes it)\n"; !strings.Contains(r.out, want) {
		t.Errorf("--force lacks %q:\n%s", want, r.out)
	}
	if _, err := os.Stat(journal); err != nil {
		t.Errorf("the run made no journal: %v", err)
	}
}

// apply refuses at once (exit 2), before its dry run describes it or asks,
// a journal the run would refuse: another plan's, or another path while
// this plan keeps its journal at the default one.
func TestApplyRefusesAJournalTheRunWouldRefuseBeforeDescribingIt(t *testing.T) {
	e := newWriteEnv(t)
	dir := t.TempDir()
	planA, planB := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", planA)
	mustRun(t, "plan", "--email", "alice.nguyen@gmail.com", "--out", planB)
	foreign := filepath.Join(dir, "foreign.journal")
	mustRun(t, "apply", planA, "--force", "--journal", foreign)
	writes := e.userWrites()
	yes := "y\n"
	for _, tc := range []struct {
		args   []string
		answer *string
	}{
		{[]string{"apply", planB, "--journal", foreign}, nil},
		{[]string{"apply", planB, "--journal", foreign, "--json"}, nil},
		{[]string{"apply", planB, "--journal", foreign, "--verbose"}, nil},
		{[]string{"apply", planB, "--journal", foreign}, &yes},
		{[]string{"apply", planB, "--journal", foreign, "--force"}, nil},
	} {
		r := runCmd(t, tc.answer, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "journal belongs to another plan, or to another version of this one") {
			t.Errorf("%q: exit %d %s", tc.args, r.code, r.errOut)
		}
		if strings.Contains(r.out, "Journal:") || strings.Contains(r.out, "done by an earlier run") || strings.Contains(r.errOut, "[y/N]") {
			t.Errorf("%q described or asked about another plan's journal:\n%s%s", tc.args, r.out, r.errOut)
		}
	}
	if e.userWrites() != writes {
		t.Fatal("a refused apply made calls")
	}
	// The refused runs left plan b free to run with its own journal.
	if r := runCmd(t, nil, "apply", planB, "--force"); r.code != exitOK || !strings.Contains(r.out, "(none yet: this run makes it)") {
		t.Fatalf("apply b with its own journal: exit %d %s%s", r.code, r.out, r.errOut)
	}
	// Plan b now keeps its journal at the default path: another is refused
	// the same way, by the dry run too, not described as new.
	other := filepath.Join(dir, "other.journal")
	for _, args := range [][]string{{"apply", planB, "--journal", other}, {"apply", planB, "--journal", other, "--force"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "the plan already has a journal on this tenant") || strings.Contains(r.out, "(none yet") {
			t.Errorf("%q: exit %d %s%s", args, r.code, r.out, r.errOut)
		}
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a refused apply made its journal")
	}
	// Its own journal, named by its path, is described as the run finds it.
	r := runCmd(t, nil, "apply", planB)
	if r.code != exitOK || !strings.Contains(r.out, "it records 2 of 2 calls done by an earlier run") {
		t.Errorf("apply b again: exit %d %s%s", r.code, r.out, r.errOut)
	}
}

// The plan summary of plan and apply is never cut when stdout is not a
// terminal, as a piped table is not.
func TestAPipedPlanSummaryIsNeverCut(t *testing.T) {
	newWriteEnv(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	plan := runCmd(t, nil, "plan", "--out", planFile)
	apply := runCmd(t, nil, "apply", planFile)
	toStderr := runCmd(t, nil, "plan", "--out", "-")
	for name, out := range map[string]string{"plan": plan.out, "apply": apply.out, "plan --out -": toStderr.errOut} {
		var ops int
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasPrefix(l, "op") {
				continue
			}
			ops++
			if strings.Contains(l, "…") || !strings.HasSuffix(l, "call)") && !strings.HasSuffix(l, "calls)") {
				t.Errorf("%s: an operation's line is cut: %q", name, l)
			}
		}
		if ops == 0 || !strings.Contains(out, "(alice.nguyen@gmail.com) (2 calls)") {
			t.Errorf("%s: %d operations:\n%s", name, ops, out)
		}
	}
}

// A secret given as a flag shows in ps: the command says so, and names the
// environment variable to use instead, without printing the secret.
func TestASecretFlagIsWarnedAbout(t *testing.T) {
	e := newWriteEnv(t)
	secret := e.srv.ClientSecret()
	t.Setenv("AUTH0_CLIENT_SECRET", "")
	r := runCmd(t, nil, "show", cmdSam, "--client-secret", secret)
	if r.code != exitOK || !strings.Contains(r.errOut, "--client-secret shows its value in ps") || !strings.Contains(r.errOut, "set AUTH0_CLIENT_SECRET instead") {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	e.noSecrets(r)
	if r := runCmd(t, nil, "show", cmdSam); strings.Contains(r.errOut, "shows its value in ps") {
		t.Errorf("warned without the flag:\n%s", r.errOut)
	}
}

// A plan another linkdesk is applying now (its journal held) is refused
// (exit 3) before the dry run says what this run would do.
func TestApplyOfAPlanRunningElsewhereIsRefusedBeforeDescribingIt(t *testing.T) {
	e := newWriteEnv(t)
	dir := t.TempDir()
	planFile, journal := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.journal")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", planFile)
	f, err := os.Open(planFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := linking.ReadPlan(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	j, err := audit.OpenJournalFor(journal, audit.JournalBinding{PlanID: p.ID, Tenant: p.Tenant}, p.StepIDs()) // the other run, holding it
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	writes := e.userWrites()
	for _, args := range [][]string{{"apply", planFile, "--journal", journal}, {"apply", planFile, "--journal", journal, "--force"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "being applied by another linkdesk now") || strings.Contains(r.out, "this run makes") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if e.userWrites() != writes {
		t.Error("a refused apply made calls")
	}
}

// A tenant named by flag beside --demo (or `linkdesk demo`) is a usage
// error before anything starts: the command ran on the embedded sandbox
// while the operator named another tenant (tester: a delete refused
// user_missing there). AUTH0_* in the environment stay allowed.
func TestATenantNamedBesideTheSandboxIsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--demo", "--domain", "http://127.0.0.1:1", "delete", "auth0|x", "--force"},
		{"--demo", "--client-id", "abc", "show", "foo"},
		{"show", "foo", "--demo", "--client-secret", "s3cr3t-value"},
		{"demo", "--api-token", "t0ken-value"},
	} {
		r := runCmd(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "names a tenant, and") || !strings.Contains(r.errOut, "runs on an embedded sandbox tenant") ||
			strings.Contains(r.errOut, "s3cr3t-value") || strings.Contains(r.errOut, "t0ken-value") {
			t.Errorf("%q: exit %d: %s", args, r.code, r.errOut)
		}
	}
	t.Setenv("AUTH0_DOMAIN", "http://127.0.0.1:1")
	if r := runCmd(t, nil, "--demo", "show", "nobody@example.com"); r.code == exitUsage {
		t.Errorf("--demo with AUTH0_DOMAIN set: exit %d: %s", r.code, r.errOut)
	}
}

// A file flag naming what is no regular file (a device such as /dev/null,
// a named pipe, a directory) is a usage error, and the thing is left as it
// was: `plan --out /dev/null` run as root replaced /dev/null with the plan
// (a tester), and `--audit-log /dev/full` made the device 0600.
func TestAFileFlagNamingNoRegularFileIsUsageAndLeavesItAsItWas(t *testing.T) {
	newWriteEnv(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Skip("no named pipe here:", err)
	}
	os.Chmod(fifo, 0o666)
	for _, args := range [][]string{
		{"plan", "--out", fifo},
		{"plan", "--out", dir},
		{"verify-email", cmdAliceDB, "--force", "--audit-log", fifo},
		{"audit", "--audit-log", fifo},
		{"apply", "plan.json", "--journal", fifo},
	} {
		r := runCmd(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "is not a regular file") {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, r.code, exitUsage, r.out, r.errOut)
		}
		if fi, err := os.Stat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 || fi.Mode().Perm() != 0o666 {
			t.Fatalf("%v changed the pipe: %v %v", args, fi.Mode(), err)
		}
	}
}
