package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// testStreams captures a command's output; nothing is a terminal.
func testStreams() (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

// runFlags parses args for one command built with runF, without a tenant.
func runFlags(t *testing.T, build func(g *globalOptions, io *streams) *cobra.Command, args ...string) error {
	t.Helper()
	io, _, _ := testStreams()
	cmd := build(&globalOptions{}, io)
	cmd.SetArgs(args)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	return cmd.Execute()
}

// parsed runs the command newCmd builds on args, without a tenant, and
// returns the options its run was given.
func parsed[T any](t *testing.T, newCmd func(*globalOptions, *streams, func(*T) error) *cobra.Command, args ...string) (*T, error) {
	t.Helper()
	var got *T
	err := runFlags(t, func(g *globalOptions, io *streams) *cobra.Command {
		return newCmd(g, io, func(o *T) error { got = o; return nil })
	}, args...)
	return got, err
}

// neverRuns builds the command newCmd builds with a run that fails the test:
// for arguments and flags refused before it runs.
func neverRuns[T any](t *testing.T, newCmd func(*globalOptions, *streams, func(T) error) *cobra.Command) func(*globalOptions, *streams) *cobra.Command {
	return func(g *globalOptions, io *streams) *cobra.Command {
		return newCmd(g, io, func(T) error { t.Fatal("ran"); return nil })
	}
}

func TestWriteCommandsTakeTheirArgumentsAndFlags(t *testing.T) {
	link, err := parsed(t, newLinkCmd, "auth0|1", "google-oauth2|2", "--no-merge-metadata", "--allow-unverified", "--reason", "ticket #7", "--force", "--json")
	if err != nil || link.Primary != "auth0|1" || link.Secondary != "google-oauth2|2" || !link.NoMergeMetadata ||
		!link.AllowUnverified || link.Reason != "ticket #7" || !link.Force || !link.JSON || link.ctx == nil {
		t.Fatalf("link: %v %+v", err, link)
	}

	unlink, err := parsed(t, newUnlinkCmd, "auth0|1", "github", "42")
	if err != nil || unlink.Primary != "auth0|1" || unlink.Provider != "github" || unlink.UserID != "42" || unlink.Force {
		t.Fatalf("unlink: %v %+v", err, unlink)
	}

	del, err := parsed(t, newDeleteCmd, "sms|9", "--reason", "dup")
	if err != nil || del.UserID != "sms|9" || del.Reason != "dup" {
		t.Fatalf("delete: %v %+v", err, del)
	}

	ticket, err := parsed(t, newTicketCmd, "auth0|5", "--force")
	if err != nil || ticket.UserID != "auth0|5" || !ticket.Force {
		t.Fatalf("ticket: %v %+v", err, ticket)
	}

	// An enterprise user id holds its connection, and its id may be an email.
	saml, err := parsed(t, newDeleteCmd, "samlp|acme-corp|x@y.com")
	if err != nil || saml.UserID != "samlp|acme-corp|x@y.com" {
		t.Fatalf("delete of a samlp user id: %v %+v", err, saml)
	}
	ticket, err = parsed(t, newTicketCmd, "auth0|5", "--result-url", "https://app.example.com/welcome?from=ticket", "--ttl", "48h")
	if err != nil || ticket.ResultURL != "https://app.example.com/welcome?from=ticket" || ticket.TTL.Hours() != 48 {
		t.Fatalf("ticket --result-url --ttl: %v %+v", err, ticket)
	}
	// Days, as the TUI's lifetime field takes them (a tester: "10d" was a
	// raw error of Go's duration parser here).
	if ticket, err = parsed(t, newTicketCmd, "auth0|5", "--ttl", "10d"); err != nil || ticket.TTL.Hours() != 240 {
		t.Fatalf("ticket --ttl 10d: %v %+v", err, ticket)
	}
	if _, err := parsed(t, newTicketCmd, "auth0|5", "--result-url", "http://localhost:3000/done"); err != nil {
		t.Fatalf("ticket --result-url http://localhost:3000/done: %v", err)
	}
	// An enterprise identity's id holds a | of its own; a user id of the
	// same provider is taken too.
	unlink, err = parsed(t, newUnlinkCmd, "auth0|1", "samlp", "acme-corp|x@y.com")
	if err != nil || unlink.UserID != "acme-corp|x@y.com" {
		t.Fatalf("unlink of an enterprise identity: %v %+v", err, unlink)
	}
	verify, err := parsed(t, newVerifyCmd, "google-oauth2|108812345678901234567")
	if err != nil || verify.UserID != "google-oauth2|108812345678901234567" {
		t.Fatalf("verify-email: %v %+v", err, verify)
	}
	// A discard is a write: --force discards without asking (it was a
	// usage error beside --discard).
	resume, err := parsed(t, newResumeCmd, "--discard", "--force", "--reason", "ZD-7")
	if err != nil || !resume.Discard || !resume.Force || resume.Reason != "ZD-7" {
		t.Fatalf("resume --discard --force: %v %+v", err, resume)
	}
}

func TestUsageErrorsNeedNoTenant(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(g *globalOptions, io *streams) *cobra.Command
		args  []string
		want  string
	}{
		{"link needs two ids", neverRuns(t, newLinkCmd), []string{"auth0|1"}, "usage: linkdesk link PRIMARY SECONDARY"},
		{"unlink needs three", neverRuns(t, newUnlinkCmd), []string{"auth0|1", "github"}, "usage: linkdesk unlink"},
		{"scan takes one output format", neverRuns(t, newScanCmd), []string{"--json", "--csv"}, "choose one of --json and --csv"},
		{"scan --email reads the tenant, not a file", neverRuns(t, newScanCmd), []string{"--email", "a@b.c", "--from-export", "x.gz"}, "cannot be combined"},
		{"plan needs --out", neverRuns(t, newPlanCmd), nil, "--out FILE is required"},
		{"plan knows its classes", neverRuns(t, newPlanCmd), []string{"--out", "-", "--class", "friends"}, `--class "friends"`},
		{"an unknown flag", neverRuns(t, newDeleteCmd), []string{"auth0|1", "--forse"}, "unknown flag: --forse"},
		{"delete takes a user id, not a username", neverRuns(t, newDeleteCmd), []string{"william.muller1368", "--force"},
			"william.muller1368 is not a user id (provider|id"},
		{"ticket takes a user id, not an email", neverRuns(t, newTicketCmd), []string{"the.millers@gmail.com"},
			"`linkdesk show the.millers@gmail.com` finds the account"},
		{"verify-email takes a user id, not a phone", neverRuns(t, newVerifyCmd), []string{"+1 415 555 0123"},
			"`linkdesk show '+1 415 555 0123'` finds"},
		{"link takes user ids: the secondary", neverRuns(t, newLinkCmd), []string{"auth0|1", "liam.miller"}, "liam.miller is not a user id"},
		{"unlink takes the primary's user id", neverRuns(t, newUnlinkCmd), []string{"mike.miller", "auth0", "1"}, "mike.miller is not a user id"},
		{"a provider without an id", neverRuns(t, newDeleteCmd), []string{"auth0|"}, "'auth0|' is not a user id"},
		// Copied with a space or a line break: shown, not taken for another
		// account's (a refusal user_missing, its space invisible, before).
		{"a user id with a space after it", neverRuns(t, newDeleteCmd), []string{"auth0|65aa11bb ", "--force"}, `the user id "auth0|65aa11bb " has a space or a line break around it: give it without, as 'auth0|65aa11bb'`},
		{"a user id with a line break after it", neverRuns(t, newLinkCmd), []string{"auth0|1", "google-oauth2|2\n"}, `the user id "google-oauth2|2\n" has a space`},
		{"an identity's id with a space after it", neverRuns(t, newUnlinkCmd), []string{"auth0|1", "google-oauth2", "1088 "}, `the user id "1088 " has a space`},
		{"scan --email takes an address", neverRuns(t, newScanCmd), []string{"--email", "liam.miller"}, "--email liam.miller is not an email address: `linkdesk show liam.miller`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runFlags(t, tc.build, tc.args...)
			ee, ok := err.(*exitError)
			if !ok || ee.code != exitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%T), want a usage error saying %q", err, err, tc.want)
			}
		})
	}
}

// builder builds a command for runFlags, its run failing t.
type builder func(t *testing.T) func(g *globalOptions, io *streams) *cobra.Command

// An empty value where a flag narrows what a command takes, an empty
// argument, and a ticket option Auth0 could not use are usage errors before
// the command runs (each row's command fails its subtest if it runs).
func TestEmptyValuesAndUnusableOptionsAreUsage(t *testing.T) {
	var (
		scan   builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newScanCmd) }
		plan   builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newPlanCmd) }
		audit  builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newAuditCmd) }
		link   builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newLinkCmd) }
		unlink builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newUnlinkCmd) }
		del    builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newDeleteCmd) }
		ticket builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newTicketCmd) }
		verify builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newVerifyCmd) }
		undo   builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newUndoCmd) }
		apply  builder = func(t *testing.T) func(*globalOptions, *streams) *cobra.Command { return neverRuns(t, newApplyCmd) }
	)
	for _, tc := range []struct {
		name  string
		build builder
		args  []string
		want  string
	}{
		{"plan --email takes an address", plan, []string{"--email", "liam.miller", "--out", "-"}, "--email liam.miller is not an email address"},

		// An empty value of a flag that narrows a command is not "everything".
		{"scan --email ''", scan, []string{"--email", ""}, "--email '': the email is empty"},
		{"scan --email ' '", scan, []string{"--email", " "}, "--email ' ': the email is empty"},
		{"plan --email ''", plan, []string{"--email", "", "--out", "-"}, "--email '': the email is empty"},
		{"plan --email=' '", plan, []string{"--email= ", "--out", "-"}, "the email is empty"},
		{"scan --connection ''", scan, []string{"--connection", ""}, "--connection '': the connection is empty"},
		{"plan --connection ''", plan, []string{"--connection", "", "--out", "x.json"}, "the connection is empty"},
		{"plan --class ''", plan, []string{"--class", "", "--out", "-"}, "--class '': the class is empty"},
		{"plan --class link_candidate,", plan, []string{"--class", "link_candidate,", "--out", "-"}, "the class is empty"},
		{"scan --from-export ''", scan, []string{"--from-export", ""}, "--from-export '': the export file's name is empty"},
		{"audit --user ''", audit, []string{"--user", ""}, "--user '': the user filter is empty"},
		{"audit --email ''", audit, []string{"--email", "", "--json"}, "the email filter is empty"},
		{"audit --action ''", audit, []string{"--action", ""}, "the action filter is empty"},
		{"audit --result ''", audit, []string{"--result", ""}, "the result filter is empty"},
		{"audit --operator ''", audit, []string{"--operator", ""}, "the operator filter is empty"},

		// An empty argument is named, before it is read as an id.
		{"link's empty secondary", link, []string{"github|92653638", ""}, "the SECONDARY argument is empty"},
		{"link's empty primary", link, []string{" ", "github|92653638"}, "the PRIMARY argument is empty"},
		{"unlink's empty provider", unlink, []string{"github|201954901", "", "6adab4a3"}, "the PROVIDER argument is empty (an unset shell variable?); usage: linkdesk unlink PRIMARY PROVIDER USER_ID"},
		{"unlink's empty user id", unlink, []string{"github|201954901", "auth0", ""}, "the USER_ID argument is empty"},
		{"unlink's empty primary", unlink, []string{"", "auth0", "6adab4a3"}, "the PRIMARY argument is empty"},
		{"delete ''", del, []string{""}, "the USER_ID argument is empty"},
		{"ticket ''", ticket, []string{""}, "the USER_ID argument is empty"},
		{"verify-email ''", verify, []string{"\t"}, "the USER_ID argument is empty"},
		{"undo ''", undo, []string{""}, "the OP_ID argument is empty"},
		{"apply ''", apply, []string{""}, "the plan.json argument is empty"},
		{"unlink's provider is a provider, not a user id", unlink, []string{"auth0|1", "google-oauth2|123", "x"},
			"PROVIDER 'google-oauth2|123' is not a provider"},

		// What a ticket sends Auth0 is checked first.
		// What is wrong with a --result-url is said (linking.CheckResultURL,
		// the TUI's rule too).
		{"ticket --result-url not a URL", ticket, []string{"auth0|5", "--result-url", "not a url"}, "--result-url 'not a url' is not an absolute http(s) URL (like https://app.example.com/welcome): it holds a space"},
		{"ticket --result-url notaurl", ticket, []string{"auth0|5", "--result-url", "notaurl"}, "--result-url notaurl is not an absolute http(s) URL (like https://app.example.com/welcome): it has no scheme"},
		{"ticket --result-url relative", ticket, []string{"auth0|5", "--result-url", "/welcome"}, "is not an absolute http(s) URL (like https://app.example.com/welcome): it has no scheme"},
		{"ticket --result-url javascript:", ticket, []string{"auth0|5", "--result-url", "javascript:alert(1)"}, "--result-url 'javascript:alert(1)' is not an absolute http(s) URL (like https://app.example.com/welcome): its scheme is javascript"},
		{"ticket --result-url ftp", ticket, []string{"auth0|5", "--result-url", "ftp://files.example.com/"}, "its scheme is ftp, where Auth0 sends a person only to http or https"},
		{"ticket --result-url ''", ticket, []string{"auth0|5", "--result-url", ""}, "is not an absolute http(s) URL (like https://app.example.com/welcome): it is empty"},
		{"ticket --result-url without a host", ticket, []string{"auth0|5", "--result-url", "https:///x"}, "it has no host"},
		{"ticket --result-url http://", ticket, []string{"auth0|5", "--result-url", "http://"}, "it has no host"},
		{"ticket --result-url with a tab", ticket, []string{"auth0|5", "--result-url", "https://app.example.com/\tx"}, "it holds a space or a control character"},
		{"ticket --ttl 0", ticket, []string{"auth0|5", "--ttl", "0"}, "--ttl 0: at least a second; leave --ttl out"},
		{"ticket --ttl -1h", ticket, []string{"auth0|5", "--ttl", "-1h"}, "at least a second"},
		{"ticket --ttl 1500ms", ticket, []string{"auth0|5", "--ttl", "1500ms"}, "a whole number of seconds"},
		{"ticket --ttl 1.5s", ticket, []string{"auth0|5", "--ttl", "1.5s"}, "--ttl 1.5s: a whole number of seconds"},
		{"ticket --ttl 2w", ticket, []string{"auth0|5", "--ttl", "2w"}, "like 90m, 12h or 7d"},
		{"ticket --ttl -1d", ticket, []string{"auth0|5", "--ttl", "-1d"}, `lifetime "-1d": a number of days like 7d`},
		// Past what a duration holds: it wrapped round to 25m26.29s.
		{"ticket --ttl 213504d", ticket, []string{"auth0|5", "--ttl", "213504d"}, `lifetime "213504d": at most 106751d`},
		{"ticket --ttl 106752d", ticket, []string{"auth0|5", "--ttl", "106752d"}, `lifetime "106752d": at most 106751d`},
		{"ticket --ttl 99999999999h", ticket, []string{"auth0|5", "--ttl", "99999999999h"}, "at most 106751d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runFlags(t, tc.build(t), tc.args...)
			ee, ok := err.(*exitError)
			if !ok || ee.code != exitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%T), want a usage error saying %q", err, err, tc.want)
			}
		})
	}
}

// linkdesk audit refuses a filter no call can pass (a typo would otherwise
// read as "no such call").
func TestAuditRefusesAFilterNoCallCanPass(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "--action", "lnk"}, "actions are link, unlink, delete"},
		{[]string{"audit", "--result", "okay"}, `results are ok, error, unknown and "no result"`},
	} {
		r := runCmd(t, nil, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want a usage error saying %q", tc.args, r.code, r.errOut, tc.want)
		}
	}
	if r := runCmd(t, nil, "audit", "--action", "verify_email", "--result", "no result"); r.code != exitOK {
		t.Errorf("known filters: exit %d, %s", r.code, r.errOut)
	}
}

// An explicit empty or blank --reason (--reason "$TICKET" with TICKET
// unset) is a usage error (exit 2) before the tenant is read, for every
// command that takes it: it recorded no reason without a word. Left out,
// the write goes on as before (a dry run here), and a reason given is kept.
func TestAnEmptyReasonFlagIsRefused(t *testing.T) {
	e := newWriteEnv(t)
	for _, cmd := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle},
		{"unlink", cmdAliceDB, "google-oauth2", "108812345678901234567"},
		{"delete", cmdAliceDB},
		{"ticket", cmdLiam},
		{"verify-email", cmdMariaDB},
		{"apply", "plan.json"},
		{"resume"},
		{"undo", "20261101T120000Z-3f9a1c0e5b7d2a41"},
	} {
		for _, reason := range []string{"", " ", "\t"} {
			for _, force := range []bool{false, true} {
				args := append(slices.Clone(cmd), "--reason", reason)
				if force {
					args = append(args, "--force")
				}
				r := runCmd(t, nil, args...)
				if r.code != exitUsage || !strings.Contains(r.errOut, "linkdesk: --reason ") || !strings.Contains(r.errOut, ": the reason is empty") ||
					!strings.Contains(r.errOut, "leave the flag out") {
					t.Errorf("%q: exit %d, want %d\n%s%s", args, r.code, exitUsage, r.out, r.errOut)
				}
			}
		}
	}
	if n := e.userWrites(); n != 0 {
		t.Errorf("%d writes", n)
	}
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle); r.code != exitOK || !strings.Contains(r.errOut, "Dry run") {
		t.Errorf("link without --reason: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--reason", "ZD-12", "--force")
	for _, rec := range e.auditRecords() {
		if rec.Reason != "ZD-12" {
			t.Errorf("the audit record of %s holds the reason %q, want ZD-12", rec.Step, rec.Reason)
		}
	}
}

// --audit-log FILE in a directory that does not exist, and --backup-dir
// DIR whose parent does not, are usage errors (exit 2) before anything is
// read or made, as --out and --journal are: they made the directories
// silently, and an undo later found no backup where a typo had put them.
// The backup directory itself may be new; the state directory's defaults
// are made as before.
func TestStateFlagsRefuseAMissingDirectory(t *testing.T) {
	e := newWriteEnv(t)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := []string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}
	for _, tc := range []struct{ flag, value, says string }{
		{"--audit-log", filepath.Join(tmp, "typo", "audit.log"), "the directory " + filepath.Join(tmp, "typo") + " does not exist"},
		{"--audit-log", filepath.Join(file, "audit.log"), file + " is not a directory"},
		{"--backup-dir", filepath.Join(tmp, "typo", "backups"), "the directory " + filepath.Join(tmp, "typo") + " does not exist"},
		{"--backup-dir", file, file + " is not a directory"},
	} {
		for _, args := range [][]string{append(slices.Clone(link), tc.flag, tc.value), {"audit", tc.flag, tc.value}} {
			r := runCmd(t, nil, args...)
			if r.code != exitUsage || !strings.Contains(r.errOut, tc.flag+" ") || !strings.Contains(r.errOut, tc.says) {
				t.Errorf("%q: exit %d, want %d saying %q\n%s%s", args, r.code, exitUsage, tc.says, r.out, r.errOut)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "typo")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused flag made its directory (stat: %v)", err)
	}
	if n := e.userWrites(); n != 0 {
		t.Errorf("%d writes", n)
	}
	// A new backup directory in one that exists is made, and the
	// state directory's defaults too.
	backups := filepath.Join(tmp, "backups")
	mustRun(t, append(slices.Clone(link), "--backup-dir", backups)...)
	if made, _ := filepath.Glob(filepath.Join(backups, "*.json")); len(made) == 0 {
		t.Errorf("no backup in the new --backup-dir %s", backups)
	}
	if _, err := os.Stat(filepath.Join(e.state, "linkdesk", "audit.log")); err != nil {
		t.Errorf("the default audit log was not made: %v", err)
	}
	mustRun(t, "unlink", cmdAliceDB, "google-oauth2", "108812345678901234567", "--force")
	if made, _ := filepath.Glob(filepath.Join(e.state, "linkdesk", "backups", "*.json")); len(made) == 0 {
		t.Error("the default backup directory was not made")
	}
}
