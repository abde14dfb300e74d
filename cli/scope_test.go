package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// requestsSince counts the requests the sandbox tenant answered since
// before (a Stats().Requests).
func (e *writeEnv) requestsSince(before map[string]int64) int {
	n := 0
	for route, c := range e.srv.Stats().Requests {
		n += int(c - before[route])
	}
	return n
}

// An empty --email or --connection (an unset $EMAIL) on scan and plan is a
// usage error before any call, not a scan or a plan of the whole tenant.
func TestAnEmptyScopeIsUsageNotTheWholeTenant(t *testing.T) {
	e := newWriteEnv(t)
	planFile := filepath.Join(t.TempDir(), "pe.json")
	before := e.srv.Stats().Requests
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"plan", "--email", "", "--out", planFile}, "--email '': the email is empty"},
		{[]string{"plan", "--email", " ", "--out", planFile}, "--email ' ': the email is empty"},
		{[]string{"scan", "--email", ""}, "the email is empty"},
		{[]string{"scan", "--email", "", "--json"}, "the email is empty"},
		{[]string{"scan", "--connection", ""}, "--connection '': the connection is empty"},
		{[]string{"plan", "--connection", "", "--out", planFile}, "the connection is empty"},
	} {
		r := runCmd(t, nil, tc.args...)
		out := "" // --json: the error as JSON too
		if slices.Contains(tc.args, "--json") {
			out = `{"error":{"code":"usage","exit_code":2,"message":"--email '': the email is empty`
		}
		if r.code != exitUsage || !strings.Contains(r.errOut, tc.says) || !strings.HasPrefix(r.out, out) || out == "" && r.out != "" {
			t.Errorf("%q: exit %d\n%s%s", tc.args, r.code, r.out, r.errOut)
		}
	}
	if n := e.requestsSince(before); n != 0 {
		t.Errorf("an empty scope made %d requests", n)
	}
	if _, err := os.Stat(planFile); err == nil {
		t.Error("an empty --email wrote a plan")
	}
}

// unlink's USER_ID is the identity's id without its provider prefix, or
// with PROVIDER's own: the user id of another provider's identity is a
// usage error that says so and how to unlink it, not "not linked".
func TestUnlinkOfAnotherProvidersUserIDIsUsage(t *testing.T) {
	const samGoogle = "google-oauth2|101202303404505606707" // linked into cmdSam
	e := newWriteEnv(t)
	r := runCmd(t, nil, "unlink", cmdSam, "auth0", samGoogle)
	if r.code != exitUsage || !strings.Contains(r.errOut, "USER_ID is the identity's id without its provider prefix") ||
		!strings.Contains(r.errOut, "linkdesk unlink '"+cmdSam+"' google-oauth2 101202303404505606707") || strings.Contains(r.errOut, "identity_not_linked") {
		t.Errorf("unlink with another provider's user id: exit %d\n%s", r.code, r.errOut)
	}
	if r := runCmd(t, nil, "unlink", cmdSam, "auth0", "github|5832311"); r.code != exitUsage {
		t.Errorf("unlink of a github user id as auth0's: exit %d\n%s", r.code, r.errOut)
	}
	// Which of the two was meant, the command cannot tell: it names the
	// command for each, never one the tenant then refuses as the unlink of
	// what is linked (tester: lena holds github|48151623, and "to unlink
	// it: … google-oauth2 48151623" was refused identity_not_linked). And
	// it says so before any read: an account that is not there is no
	// reason to leave the usage unsaid (tester: exit 3, user_missing).
	const lena = "auth0|61a1b2c3d4e5f60718293a4b" // github|48151623 linked into it
	before := e.srv.Stats().Requests
	r = runCmd(t, nil, "unlink", lena, "github", "google-oauth2|48151623")
	if r.code != exitUsage || !strings.Contains(r.errOut, "To unlink 'google-oauth2|48151623': linkdesk unlink '"+lena+"' google-oauth2 48151623; to unlink 'github|48151623': linkdesk unlink '"+lena+"' github 48151623 (linkdesk show '"+lena+"' lists the identities linked into it)") {
		t.Errorf("unlink with a user id another provider's than PROVIDER: exit %d\n%s", r.code, r.errOut)
	}
	if r := runCmd(t, nil, "unlink", "auth0|1", "github", "google-oauth2|5"); r.code != exitUsage || !strings.Contains(r.errOut, "is a google-oauth2 user id, and PROVIDER is github") {
		t.Errorf("unlink from an account that is not there, with another provider's user id: exit %d\n%s", r.code, r.errOut)
	}
	if n := e.requestsSince(before); n != 0 {
		t.Errorf("the usage errors made %d requests", n)
	}
	if r := runCmd(t, nil, "unlink", lena, "github", "48151623"); r.code != exitOK || !strings.Contains(r.out, "/identities/github/48151623") {
		t.Errorf("the unlink the usage error names for what is linked: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// PROVIDER's own prefix is taken (and left out of the call), as the
	// id alone is.
	for _, id := range []string{samGoogle, "101202303404505606707"} {
		r := runCmd(t, nil, "unlink", cmdSam, "google-oauth2", id)
		if r.code != exitOK || !strings.Contains(r.out, "DELETE /api/v2/users/auth0%7C60d5ec49f1a2b3c4d5e6f708/identities/google-oauth2/101202303404505606707") {
			t.Errorf("unlink %s google-oauth2 %s: exit %d\n%s%s", cmdSam, id, r.code, r.out, r.errOut)
		}
	}
	// An id with a | that names no provider is the plan's to refuse.
	if r := runCmd(t, nil, "unlink", cmdSam, "samlp", "acme-corp|x@y.com"); r.code != exitRefused || !strings.Contains(r.errOut, "identity_not_linked") {
		t.Errorf("unlink of an enterprise id not linked: exit %d\n%s", r.code, r.errOut)
	}
	if e.userWrites() != 0 {
		t.Error("a dry run or a refusal wrote")
	}
}

// A ticket or a verification email for an account whose email others share
// says, in its dry run and its question, how many others share it, naming
// the account by its primary identifier: whoever reads that inbox gets the
// verification email Auth0 sends there; a ticket Auth0 sends nowhere, and
// sent to that inbox its link would reach them all. An account alone on its
// email gets no such note.
func TestTicketAndVerifyEmailSayWhoElseReadsTheInbox(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "ticket", cmdLiam)
	if want := "2 other accounts share the email the.millers@gmail.com"; r.code != exitOK || !strings.Contains(r.errOut, want) ||
		!strings.Contains(r.errOut, "Auth0 sends nothing, and the ticket's URL is shown only here; sent to that inbox, it reaches everyone who reads it and sets liam.miller's password: give it to that person by a channel only they read.") ||
		!strings.Contains(r.errOut, "mike.miller ("+cmdMike+")") {
		t.Errorf("ticket of a family member: exit %d\n%s", r.code, r.errOut)
	}
	// Asked on a terminal, the note comes before the question.
	no := "n\n"
	r = runCmd(t, &no, "ticket", cmdLiam)
	if note, ask := strings.Index(r.errOut, "sent to that inbox, it reaches everyone who reads it"), strings.Index(r.errOut, "[y/N]"); note < 0 || ask < note {
		t.Errorf("ticket on a terminal:\n%s", r.errOut)
	}
	// --json keeps stdout JSON: the note is on stderr.
	r = runCmd(t, nil, "ticket", cmdLiam, "--json")
	if !json.Valid([]byte(r.out)) || !strings.Contains(r.errOut, "sent to that inbox, it reaches everyone who reads it") {
		t.Errorf("ticket --json:\n%s\n%s", r.out, r.errOut)
	}
	r = runCmd(t, nil, "verify-email", cmdMariaDB)
	if r.code != exitOK || !strings.Contains(r.errOut, "1 other account shares the email maria.garcia@outlook.com") ||
		!strings.Contains(r.errOut, "anyone reading that inbox gets the email") || !strings.Contains(r.errOut, cmdMariaGitHub) {
		t.Errorf("verify-email of a shared address: exit %d\n%s", r.code, r.errOut)
	}
	if r := runCmd(t, nil, "ticket", cmdSam); r.code != exitOK || strings.Contains(r.errOut, "inbox") {
		t.Errorf("ticket of an account alone on its email: exit %d\n%s", r.code, r.errOut)
	}
	if e.userWrites() != 0 {
		t.Error("a dry run wrote")
	}
}

// A ticket's result says, beside the URL, that Auth0 sent nothing and that
// the URL is shown only here; of an account whose email others share, that
// sent to that inbox it would reach them all, and by which channel it goes
// instead (tester: the result said nothing of it). stdout keeps the URL.
func TestATicketsResultSaysAuth0SentNothingAndWhereTheLinkMustNotGo(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "ticket", cmdLiam, "--force")
	want := "Auth0 sent nothing: this URL is shown only here. 2 other accounts share the email the.millers@gmail.com: sent to that inbox, it reaches everyone who reads it and sets liam.miller's password: give it to that person by a channel only they read; it works once."
	if r.code != exitOK || !strings.Contains(r.errOut, want) || !regexp.MustCompile(`(?m)^https?://\S+$`).MatchString(r.out) {
		t.Errorf("ticket of a family member: exit %d, want %q on stderr\n%s\n%s", r.code, want, r.out, r.errOut)
	}
	r = runCmd(t, nil, "ticket", cmdSam, "--force")
	if want := "Auth0 sent nothing: this URL is shown only here. Give it to the person by a channel you trust; it works once."; r.code != exitOK || !strings.Contains(r.errOut, want) || strings.Contains(r.errOut, "inbox") {
		t.Errorf("ticket of an account alone on its email: exit %d, want %q\n%s", r.code, want, r.errOut)
	}
}

// The profiles of one email on a legacy custom database are named in these
// notes by the usernames that tell them apart, as show, scan, the dry run's
// header and the terminal UI name them, and as a family's members are
// named; so is the account of a ticket made, beside its user id (tester:
// "verifies the email of bob.smith@yahoo.com (auth0|1000456) alone", "gets
// into the account carol.jones@hotmail.com (auth0|1000789) alone",
// "Password-change ticket for auth0|1000123:").
func TestNotesNameALegacyDatabasesProfilesByUsername(t *testing.T) {
	const bob, bob2 = "auth0|1000123", "auth0|1000456" // bobsmith, bob.smith2: bob.smith@yahoo.com on legacy-members
	const carol, cjones, carolDB = "auth0|1000789", "auth0|1000790", "auth0|66e1f2a3b4c5d6e7f8091a2b"
	e := newWriteEnv(t)
	r := runCmd(t, nil, "verify-email", bob2)
	if want := "Note: 1 other account shares the email bob.smith@yahoo.com (bobsmith (" + bob + ")): anyone reading that inbox gets the email, whose link verifies the email of bob.smith2 alone."; r.code != exitOK || !strings.Contains(r.errOut, want) {
		t.Errorf("verify-email of a legacy profile: exit %d, lacks %q\n%s", r.code, want, r.errOut)
	}
	r = runCmd(t, nil, "ticket", bob)
	if want := "Note: 1 other account shares the email bob.smith@yahoo.com (bob.smith2 (" + bob2 + ")): Auth0 sends nothing, and the ticket's URL is shown only here; sent to that inbox, it reaches everyone who reads it and sets bobsmith's password: give it to that person by a channel only they read."; r.code != exitOK || !strings.Contains(r.errOut, want) {
		t.Errorf("ticket of a legacy profile: exit %d, lacks %q\n%s", r.code, want, r.errOut)
	}
	r = runCmd(t, nil, "link", carol, carolDB)
	if want := "Note: 1 other account shares the email carol.jones@hotmail.com (cjones (" + cjones + ")): whoever signs in with carol.jones@hotmail.com (" + carolDB + ") gets into the account carolj alone."; r.code != exitOK || !strings.Contains(r.errOut, want) {
		t.Errorf("link into a legacy profile: exit %d, lacks %q\n%s", r.code, want, r.errOut)
	}
	if e.userWrites() != 0 {
		t.Error("a dry run wrote")
	}
	for id, name := range map[string]string{bob: "bobsmith", cmdMike: "mike.miller"} {
		r := runCmd(t, nil, "ticket", id, "--force")
		if want := "Password-change ticket for " + id + " (username " + name + "):\n"; r.code != exitOK || !strings.Contains(r.out, want) {
			t.Errorf("ticket --force: exit %d, lacks %q\n%s%s", r.code, want, r.out, r.errOut)
		}
	}
}

// A link into one member of a family that shares an email on a Non-Unique
// Emails connection says, as a ticket and a verification email do, how
// many other accounts share it, naming them by primary identifier, and who
// gets into which one: in the dry run, before the question, and beside
// --json's plan. The duplicates of one person's email are no family: no
// such note.
func TestLinkIntoOneMemberOfAFamilySaysWhoElseSharesTheEmail(t *testing.T) {
	const raj, anika, patelGoogle = "auth0|63a1b2c3d4e5f60718293a4c", "auth0|63a1b2c3d4e5f60718293a4d", "google-oauth2|112233445566778899001"
	e := newWriteEnv(t)
	want := "Note: 1 other account shares the email patel.family@gmail.com (anika.patel (" + anika + ")): whoever signs in with Patel.Family@gmail.com (" + patelGoogle + ") gets into the account raj.patel alone."
	r := runCmd(t, nil, "link", raj, patelGoogle)
	if r.code != exitOK || !strings.Contains(r.errOut, want) {
		t.Errorf("link into a family member: exit %d\n%s", r.code, r.errOut)
	}
	no := "n\n"
	r = runCmd(t, &no, "link", raj, patelGoogle)
	if note, ask := strings.Index(r.errOut, want), strings.Index(r.errOut, "[y/N]"); note < 0 || ask < note {
		t.Errorf("link on a terminal:\n%s", r.errOut)
	}
	r = runCmd(t, nil, "link", raj, patelGoogle, "--json")
	if !json.Valid([]byte(r.out)) || !strings.Contains(r.errOut, want) {
		t.Errorf("link --json:\n%s\n%s", r.out, r.errOut)
	}
	r = runCmd(t, nil, "link", "auth0|5f1a2b3c4d5e6f7081920a1b", "github|9007199254740993") // wei.zhang: a third account of hers stays
	if r.code != exitOK || strings.Contains(r.errOut, "share the email") || strings.Contains(r.errOut, "shares the email") {
		t.Errorf("link of one person's duplicates: exit %d\n%s", r.code, r.errOut)
	}
	if e.userWrites() != 0 {
		t.Error("a dry run wrote")
	}
}

// A link out of one member of a family, into an account of another email
// (--allow-different-emails), says the same of the family it leaves: the
// secondary's email is read, not only the primary's (tester: nothing named
// the other Millers).
func TestLinkOutOfOneMemberOfAFamilySaysWhoElseSharesItsEmail(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "link", cmdSam, cmdLiam, "--allow-different-emails")
	if r.code != exitOK || !strings.Contains(r.errOut, "Note: 2 other accounts share the email the.millers@gmail.com (") ||
		!strings.Contains(r.errOut, "mike.miller ("+cmdMike+")") ||
		!strings.Contains(r.errOut, "whoever signs in with liam.miller gets into the account ") {
		t.Errorf("link out of a family member: exit %d\n%s", r.code, r.errOut)
	}
	// Into one, from an account of another email, too.
	r = runCmd(t, nil, "link", cmdLiam, cmdAliceGoogle, "--allow-different-emails")
	if r.code != exitOK || !strings.Contains(r.errOut, "Note: 2 other accounts share the email the.millers@gmail.com (") ||
		!strings.Contains(r.errOut, "gets into the account liam.miller alone.") {
		t.Errorf("link into a family member from another email: exit %d\n%s", r.code, r.errOut)
	}
	if e.userWrites() != 0 {
		t.Error("a dry run wrote")
	}
}

// audit with --audit-log naming a file that does not exist says so (exit
// 2), not "empty" (in a directory that does not exist either, it names
// that directory, as every command does); the state directory's log not
// made yet says that no write has been made.
func TestAuditOfALogThatDoesNotExist(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	r := runCmd(t, nil, "audit", "--audit-log", "/nonexistent/dir/x.log")
	if r.code != exitUsage || !strings.Contains(r.errOut, "--audit-log /nonexistent/dir/x.log: the directory /nonexistent/dir does not exist") || strings.Contains(r.out, "empty") {
		t.Errorf("audit --audit-log in no directory: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	missing := filepath.Join(t.TempDir(), "x.log")
	r = runCmd(t, nil, "audit", "--audit-log", missing)
	if r.code != exitUsage || !strings.Contains(r.errOut, "--audit-log "+missing+": no such file") || strings.Contains(r.out, "empty") {
		t.Errorf("audit --audit-log of no file: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "audit", "--audit-log", "/nonexistent/dir/x.log", "--json"); r.code != exitUsage {
		t.Errorf("audit --json --audit-log of no file: exit %d", r.code)
	}
	def := filepath.Join(state, "linkdesk", "audit.log")
	r = runCmd(t, nil, "audit")
	if r.code != exitOK || r.out != "No audit log yet at "+def+": no write has been made with this state directory.\n" {
		t.Errorf("audit before any write: exit %d %q", r.code, r.out)
	}
	if r := runCmd(t, nil, "audit", "--json"); r.code != exitOK || r.out != "" {
		t.Errorf("audit --json before any write: exit %d %q", r.code, r.out)
	}
	// A log that is there but holds no call is empty, as before.
	empty := filepath.Join(t.TempDir(), "empty.log")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, nil, "audit", "--audit-log", empty); r.code != exitOK || !strings.Contains(r.out, "The audit log "+empty+" is empty.") {
		t.Errorf("audit of an empty log: exit %d %s%s", r.code, r.out, r.errOut)
	}
}

// The help's jq example lists each deletion's user ids once, although
// --json writes an attempt and a result record a call; --limit's help says
// it counts calls, not lines.
func TestAuditHelpsJSONExampleListsEachCallOnce(t *testing.T) {
	newWriteEnv(t)
	for _, id := range []string{cmdSam, cmdAliceGoogle} {
		if r := runCmd(t, nil, "delete", id, "--force"); r.code != exitOK {
			t.Fatalf("delete %s: %d %s", id, r.code, r.errOut)
		}
	}
	cmd := newAuditCmd(&globalOptions{}, &streams{}, nil)
	var example string
	for _, l := range strings.Split(cmd.Example, "\n") {
		if strings.Contains(l, "| jq") {
			example = strings.TrimSpace(l)
		}
	}
	args, program, ok := strings.Cut(strings.TrimPrefix(example, "linkdesk "), " | jq ")
	if !ok {
		t.Fatalf("no jq example in the help: %q", cmd.Example)
	}
	if limit := cmd.Flags().Lookup("limit").Usage; !strings.Contains(limit, "calls") || !strings.Contains(limit, "2N lines") {
		t.Errorf("--limit's help: %q", limit)
	}
	r := runCmd(t, nil, strings.Fields(args)...)
	if r.code != exitOK {
		t.Fatalf("%s: exit %d %s", args, r.code, r.errOut)
	}
	var ids []string
	if jq, err := exec.LookPath("jq"); err == nil {
		// The example as the help prints it, through jq.
		c := exec.Command("sh", "-c", jq+" "+program)
		c.Stdin = strings.NewReader(r.out)
		got, err := c.Output()
		if err != nil {
			t.Fatalf("jq %s: %v", program, err)
		}
		for dec := json.NewDecoder(bytes.NewReader(got)); dec.More(); {
			var each []string
			if err := dec.Decode(&each); err != nil {
				t.Fatalf("jq printed %q: %v", got, err)
			}
			ids = append(ids, each...)
		}
	} else {
		// No jq here: what its select keeps, read in Go.
		if !strings.Contains(program, `select(.phase == "attempt")`) {
			t.Fatalf("the example's program: %s", program)
		}
		for _, l := range bytes.Split(bytes.TrimSpace([]byte(r.out)), []byte("\n")) {
			var rec struct {
				Phase   string   `json:"phase"`
				UserIDs []string `json:"user_ids"`
			}
			if err := json.Unmarshal(l, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Phase == "attempt" {
				ids = append(ids, rec.UserIDs...)
			}
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(slices.Clone(ids))) != len(ids) || !slices.Contains(ids, cmdSam) || !slices.Contains(ids, cmdAliceGoogle) {
		t.Errorf("the example lists %q, want each deleted account once", ids)
	}
	// --limit counts calls: one call, its two records.
	r = runCmd(t, nil, "audit", "--json", "--limit", "1")
	if n := strings.Count(strings.TrimSpace(r.out), "\n") + 1; r.code != exitOK || n != 2 {
		t.Errorf("audit --json --limit 1: %d lines", n)
	}
}

// show of an account without an email says it is in no group for that
// reason, not that no other account has its email.
func TestShowOfAnAccountWithoutAnEmail(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "show", cmdSMS)
	if r.code != exitOK || !strings.Contains(r.out, "group         none: the account has no email, so it is in no group") ||
		strings.Contains(r.out, "no other account has this email") {
		t.Errorf("show of an sms account: exit %d\n%s", r.code, r.out)
	}
	if r := runCmd(t, nil, "show", cmdSam); !strings.Contains(r.out, "none: no other account has this email") {
		t.Errorf("show of an account alone on its email:\n%s", r.out)
	}
}

// A plan file changed under the same id since its run began (edited, its
// digest made again) is refused against its journal without naming
// --journal, which the operator did not give.
func TestAReEditedPlansJournalIsRefusedWithoutNamingTheFlag(t *testing.T) {
	e := newWriteEnv(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", planFile)
	p := readPlanFile(t, planFile)
	if len(p.Operations) < 2 {
		t.Fatalf("the plan has %d operations", len(p.Operations))
	}
	// Its first run stops at once: a journal of all its steps, none done.
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), "github|9007199254740993", true); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, nil, "apply", planFile, "--force"); r.code == exitOK {
		t.Fatalf("apply with an account blocked since: exit 0\n%s", r.out)
	}
	p.Operations = p.Operations[1:] // edited: an operation left out
	p.Seal()
	writePlanFile(t, planFile, p)
	writes := e.userWrites()
	for _, args := range [][]string{{"apply", planFile}, {"apply", planFile, "--force"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "journal belongs to another plan, or to another version of this one") || strings.Contains(r.errOut, "--journal") ||
			!strings.Contains(r.errOut, "this plan's journal") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.errOut)
		}
	}
	if e.userWrites() != writes {
		t.Error("a refused apply wrote")
	}
}

// A blank value of a flag with a default (the operator, the audit log, a
// journal, the credentials) is a usage error, never the default: the
// audit log would name no one, or the records would go elsewhere.
func TestABlankFlagIsNotItsDefault(t *testing.T) {
	for _, args := range [][]string{
		{"ticket", "auth0|1", "--operator", " "},
		{"delete", "auth0|1", "--audit-log", ""},
		{"scan", "--backup-dir", " "},
		{"apply", "plan.json", "--journal", ""},
		{"ticket", "auth0|1", "--app-client-id", ""},
		{"scan", "--domain", ""},
	} {
		r := runCmd(t, nil, args...)
		flag := args[len(args)-2]
		if r.code != exitUsage || !strings.Contains(r.errOut, flag+" ") || !strings.Contains(r.errOut, "is empty") {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
}

// A legacy custom database's profiles of one email are named by username
// in the delete question, which takes the username (or the user id) as
// its confirmation, as the terminal UI's does; another profile's username
// does not confirm it.
func TestDeletingALegacyProfileIsConfirmedByItsUsername(t *testing.T) {
	e := newWriteEnv(t)
	wrong := "bobsmith\n"
	if r := runCmd(t, &wrong, "delete", "auth0|1000456"); r.code == exitOK && strings.Contains(r.out, "Done") {
		t.Fatalf("another profile's username confirmed the deletion:\n%s%s", r.out, r.errOut)
	}
	answer := "bob.smith2\n"
	r := runCmd(t, &answer, "delete", "auth0|1000456")
	if r.code != exitOK || !strings.Contains(r.out+r.errOut, "auth0|1000456 (username bob.smith2)") || !strings.Contains(r.out+r.errOut, "Type its username (bob.smith2) or its user id") {
		t.Fatalf("delete of a legacy profile: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for _, u := range e.srv.Snapshot().Users {
		if u.UserID == "auth0|1000456" {
			t.Fatal("the profile is still there")
		}
	}
}

// show names a legacy profile, and the others of its email, by username.
func TestShowNamesLegacyProfilesByUsername(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "show", "bob.smith2")
	if r.code != exitOK || !strings.Contains(r.out, "auth0|1000456 (username bob.smith2)") || !strings.Contains(r.out, "with auth0|1000123 (bobsmith)") {
		t.Errorf("show of a legacy profile: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}
