package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

var cmdFixture = emulatortest.Path(emulatortest.Small)

const (
	cmdAliceDB     = "auth0|63ea1f0b2c8d4e5f60718293"
	cmdAliceGoogle = "google-oauth2|108812345678901234567"
	cmdMariaGitHub = "github|5832311"
	cmdMariaDB     = "auth0|672614a0b1c2d3e4f5061728"
	cmdMike        = "auth0|64b7c8d9e0f1a2b3c4d5e6f7"
	cmdLiam        = "auth0|65c0d1e2f3a4b5c6d7e8f901"
	cmdSam         = "auth0|60d5ec49f1a2b3c4d5e6f708"
	cmdSMS         = "sms|64a1f2c3d4e5f60718293a4b"
)

// writeEnv is a sandbox tenant served over HTTP that commands reach through
// --domain and credentials, with the state directory in a temporary folder.
type writeEnv struct {
	t     *testing.T
	srv   *emulator.Server
	base  string
	state string
}

func newWriteEnv(t *testing.T) *writeEnv {
	t.Helper()
	return newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1})
}

// newWriteEnvFrom is newWriteEnv on another fixture and with other options.
func newWriteEnvFrom(t *testing.T, fixture string, opts emulator.Options) *writeEnv {
	t.Helper()
	ten, err := emulator.LoadFixture(fixture)
	if err != nil {
		t.Fatal(err)
	}
	e := &writeEnv{t: t, state: t.TempDir()}
	opts.Tenant = ten
	e.srv, e.base = emulatortest.Start(t, opts)
	useTenant(t, e.srv, e.base, e.state)
	t.Setenv("USER", "operator-ann")
	return e
}

// useTenant points the commands the test runs at the sandbox tenant srv
// serves at base, with their state directory (XDG_STATE_HOME) state.
func useTenant(t *testing.T, srv *emulator.Server, base, state string) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("AUTH0_DOMAIN", base)
	t.Setenv("AUTH0_CLIENT_ID", srv.ClientID())
	t.Setenv("AUTH0_CLIENT_SECRET", srv.ClientSecret())
}

type cmdRun struct {
	code        int
	out, errOut string
}

// runCmd runs linkdesk with args; answer, when set, is typed on a terminal.
func runCmd(t *testing.T, answer *string, args ...string) cmdRun {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	if answer != nil {
		s.In = strings.NewReader(*answer)
		s.terminal = func(f any) bool { return f == s.In }
	}
	code := run(args, s)
	return cmdRun{code, out.String(), errOut.String()}
}

// mustRun runs linkdesk with args, not on a terminal, and stops the test
// unless it exits 0.
func mustRun(t *testing.T, args ...string) cmdRun {
	t.Helper()
	r := runCmd(t, nil, args...)
	if r.code != exitOK {
		t.Fatalf("linkdesk %q: exit %d\n%s%s", args, r.code, r.out, r.errOut)
	}
	return r
}

// userWrites counts the requests that change users or make tickets (an
// export job's POST changes nothing).
func (e *writeEnv) userWrites() int64 {
	st := e.srv.Stats()
	var n int64
	for _, route := range []string{"PATCH /api/v2/users/{id}", "DELETE /api/v2/users/{id}", "POST /api/v2/users/{id}/identities",
		"DELETE /api/v2/users/{id}/identities/{provider}/{user_id}", "POST /api/v2/tickets/password-change", "POST /api/v2/users"} {
		n += st.Requests[route]
	}
	return n
}

func (e *writeEnv) exists(id string) bool {
	_, ok := e.srv.GetUser(id)
	return ok
}

func (e *writeEnv) auditRecords() []audit.Record {
	e.t.Helper()
	recs, _, err := audit.ReadLog(filepath.Join(e.state, "linkdesk", "audit.log"))
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// noSecrets checks that the client secret is in no output and no file of
// the state directory.
func (e *writeEnv) noSecrets(r cmdRun) {
	e.t.Helper()
	secret := e.srv.ClientSecret()
	if strings.Contains(r.out+r.errOut, secret) {
		e.t.Error("the client secret was printed")
	}
	filepath.Walk(e.state, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(secret)) {
				e.t.Errorf("%s holds the client secret", path)
			}
		}
		return err
	})
}

func TestLinkDryRunPrintsTheExactCallsAndChangesNothing(t *testing.T) {
	r := mustRun(t, "link", "--demo", "--fixture", cmdFixture, cmdAliceDB, cmdAliceGoogle)
	for _, want := range []string{
		`PATCH /api/v2/users/auth0%7C63ea1f0b2c8d4e5f60718293 {"app_metadata":{"roles":["member","beta"]}}`,
		`POST /api/v2/users/auth0%7C63ea1f0b2c8d4e5f60718293/identities {"connection_id":"con_cCJYyy3RRzNwJ5qZ","provider":"google-oauth2","user_id":"108812345678901234567"}`,
		`app_metadata.plan: keep "pro" (primary), drop "free"`,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry run lacks %s:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "nothing was changed") {
		t.Errorf("stderr: %s", r.errOut)
	}

	e := newWriteEnv(t)
	before := e.userWrites()
	for _, args := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle},
		{"unlink", cmdSam, "google-oauth2", "101202303404505606707"},
		{"unlink", cmdSam, "google-oauth2", "google-oauth2|101202303404505606707"}, // the identity as a user id
		{"delete", cmdAliceGoogle},
		{"link", cmdAliceDB, cmdAliceGoogle, "--json"},
	} {
		r := runCmd(t, nil, args...)
		if r.code != exitOK || e.userWrites() != before {
			t.Fatalf("%v without a terminal: exit %d, %d writes: %s", args, r.code, e.userWrites()-before, r.errOut)
		}
	}
	if recs := e.auditRecords(); len(recs) != 0 {
		t.Errorf("dry runs wrote %d audit records", len(recs))
	}
	var dry struct {
		DryRun     bool                `json:"dry_run"`
		Operations []linking.Operation `json:"operations"`
	}
	r = runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--json")
	if err := json.Unmarshal([]byte(r.out), &dry); err != nil || !dry.DryRun || len(dry.Operations[0].Steps) != 2 {
		t.Errorf("--json dry run: %v %s", err, r.out)
	}
}

func TestLinkCommandLinksAndRecords(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force", "--reason", "ticket 4411")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s%s", r.code, r.out, r.errOut)
	}
	if e.exists(cmdAliceGoogle) {
		t.Fatal("the secondary is still a user")
	}
	for _, want := range []string{"op1.patch    done", "op1.link     done", "Done: all 2 calls made.", "Backups in " + filepath.Join(e.state, "linkdesk", "backups")} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	recs := e.auditRecords()
	if len(recs) != 4 || recs[0].Operator != "operator-ann" || recs[0].Reason != "ticket 4411" || recs[0].Backup == "" {
		t.Fatalf("audit %+v", recs)
	}
	e.noSecrets(r)

	a := runCmd(t, nil, "audit", "--limit", "2")
	if a.code != exitOK || strings.Count(a.out, "operator-ann") != 2 || !strings.Contains(a.out, "link") {
		t.Errorf("audit:\n%s", a.out)
	}
	a = runCmd(t, nil, "audit", "--json", "--limit", "0")
	if lines := strings.Split(strings.TrimSpace(a.out), "\n"); a.code != exitOK || len(lines) != 4 {
		t.Errorf("audit --json: %d lines", len(lines))
	}
}

// A write's --json result gives each call's op_id, what `linkdesk undo`
// takes: a script undoes the link it just made without reading the audit
// log (the result carried none).
func TestAWritesJSONResultGivesTheOpIDUndoTakes(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force", "--json")
	var res struct {
		Steps []linking.StepReport `json:"steps"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || r.code != exitOK || len(res.Steps) != 2 {
		t.Fatalf("link --json: exit %d, %v\n%s", r.code, err, r.out)
	}
	ids := map[string]bool{}
	for _, rec := range e.auditRecords() {
		ids[rec.OpID] = true
	}
	for _, st := range res.Steps {
		if st.OpID == "" || !ids[st.OpID] {
			t.Fatalf("step %s: op_id %q, not one of the audit log's", st.Step, st.OpID)
		}
	}
	if u := runCmd(t, nil, "undo", res.Steps[1].OpID, "--force"); u.code != exitOK || !e.exists(cmdAliceGoogle) {
		t.Fatalf("undo of the op_id the result gave: exit %d\n%s%s", u.code, u.out, u.errOut)
	}
}

// A write's text result ends with the command that undoes it; the undo's
// own result offers none (an undo is not undone).
func TestAWritesResultSaysHowToUndoIt(t *testing.T) {
	e := newWriteEnv(t)
	r := mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	m := regexp.MustCompile("(?m)^To undo it: linkdesk undo (\\S+)$").FindStringSubmatch(r.out)
	if m == nil {
		t.Fatalf("the link's result says nothing of its undo:\n%s", r.out)
	}
	if u := mustRun(t, "undo", m[1], "--force"); strings.Contains(u.out, "To undo") || !e.exists(cmdAliceGoogle) {
		t.Errorf("the undo of the op_id the result gave:\n%s", u.out)
	}
}

// A write cut off by Ctrl-C after some of its calls took effect ends by
// saying its undo comes once resume has settled it: that undo is refused
// until then (tester: "To undo it: linkdesk undo OP", run at once, was
// refused unsettled_write, exit 3).
func TestAWriteCutOffSaysItsUndoComesAfterResume(t *testing.T) {
	e := newWriteEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var patched atomic.Bool
	lossyTenant(t, e, func(r *http.Request) {
		switch {
		case r.Method == http.MethodPatch:
			patched.Store(true)
		case patched.Load() && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2/users/"):
			cancel() // Ctrl-C while the link reads its accounts again, its metadata merged
		}
	})
	var out, errOut bytes.Buffer
	ios := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	code := runContext(ctx, []string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, ios)
	m := regexp.MustCompile("(?m)^Once `linkdesk resume` has settled it \\(finished or discarded\\), `linkdesk undo (\\S+)` takes back what it made; until then that undo is refused\\.$").FindStringSubmatch(out.String())
	if code != exitFailure || m == nil || strings.Contains(out.String(), "To undo it") || !strings.Contains(out.String(), "op1.patch    done") {
		t.Fatalf("the link cut off: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if r := runCmd(t, nil, "undo", m[1]); r.code != exitRefused || !strings.Contains(r.errOut, "unsettled_write") {
		t.Errorf("the undo before resume: exit %d\n%s", r.code, r.errOut)
	}
	mustRun(t, "resume", "--discard", "--force")
	if r := runCmd(t, nil, "undo", m[1], "--force"); r.code != exitOK {
		t.Errorf("the undo once resume settled it: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// The question of a link says what the primary gains besides the metadata:
// the roles and memberships carried over, by name (tester: the TUI's y
// dialog said only the metadata; the question here, only the secondary's
// fate).
func TestTheLinkQuestionSaysTheRolesAndMembershipsThePrimaryGains(t *testing.T) {
	e := newAccessEnv(t) // Alice's database account: admin of acme; her Google account: support, of acme and beta
	no := "n\n"
	r := runCmd(t, &no, "link", cmdAliceDB, cmdAliceGoogle)
	want := "The secondary stops being an account of its own; the primary gains role support and membership of beta, carried over before the link ends them. [y/N]"
	if r.code != exitFailure || !strings.Contains(r.errOut, want) || !e.exists(cmdAliceGoogle) {
		t.Fatalf("exit %d, want the question %q:\n%s", r.code, want, r.errOut)
	}
}

func TestWriteCommandsOnATerminalAsk(t *testing.T) {
	e := newWriteEnv(t)
	for _, answer := range []string{"\n", "n\n", "maybe\n", ""} {
		r := runCmd(t, &answer, "link", cmdAliceDB, cmdAliceGoogle)
		if r.code != exitFailure || !e.exists(cmdAliceGoogle) || !strings.Contains(r.errOut, "[y/N]") {
			t.Fatalf("answer %q: exit %d, linked %v: %s", answer, r.code, !e.exists(cmdAliceGoogle), r.errOut)
		}
	}
	// Deletion wants the account's primary identifier (or user id) typed.
	yes := "y\n"
	if r := runCmd(t, &yes, "delete", cmdAliceGoogle); r.code != exitFailure || !e.exists(cmdAliceGoogle) {
		t.Fatalf("delete confirmed by y: %d %s", r.code, r.errOut)
	}
	// The email both of Alice's accounts hold names neither: only the user
	// id does.
	typed := "alice.nguyen@gmail.com\n"
	r := runCmd(t, &typed, "delete", cmdAliceGoogle)
	if r.code != exitFailure || !e.exists(cmdAliceGoogle) || !strings.Contains(r.errOut, "Type its user id to confirm") {
		t.Fatalf("delete confirmed by the email two accounts share: exit %d %s", r.code, r.errOut)
	}
	typed = cmdAliceGoogle + "\n"
	if r := runCmd(t, &typed, "delete", cmdAliceGoogle); r.code != exitOK || e.exists(cmdAliceGoogle) {
		t.Fatalf("delete confirmed by the user id: exit %d %s", r.code, r.errOut)
	}
	// A family member's username names it alone.
	typed = "emma.miller\n"
	r = runCmd(t, &typed, "delete", "auth0|64b7ca01e0f1a2b3c4d5e6f8")
	if r.code != exitOK || e.exists("auth0|64b7ca01e0f1a2b3c4d5e6f8") || !strings.Contains(r.errOut, "Type its username (emma.miller) or its user id") {
		t.Fatalf("delete confirmed by the username: exit %d %s", r.code, r.errOut)
	}

	if r := runCmd(t, &yes, "link", cmdSam, cmdAliceDB, "--allow-different-emails"); r.code != exitOK || e.exists(cmdAliceDB) {
		t.Fatalf("link confirmed by y: %d %s", r.code, r.errOut)
	}
	// An account alone on its email is named by it.
	typed = "sam.taylor@gmail.com\n"
	if r := runCmd(t, &typed, "delete", cmdSam); r.code != exitOK || e.exists(cmdSam) {
		t.Fatalf("delete confirmed by the email it alone holds: exit %d %s", r.code, r.errOut)
	}
}

// A question answered No (n, an empty line, or what does not name the
// account a deletion asks for) changes nothing and exits 1, as Ctrl-C at
// the question does, for every write command that asks: "Not confirmed:
// nothing was changed." is said once, with no error line after it. A dry
// run, asked nothing, still exits 0.
func TestDecliningAWritesQuestionExitsOneAndChangesNothing(t *testing.T) {
	e := newWriteEnv(t)
	// A write whose answer is lost after the tenant acted (the merge of a
	// link): resume settles it, then asks before it makes the rest.
	inner := e.srv.Handler()
	var lost atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case lost.Load() && r.URL.Path != "/oauth/token":
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		case r.Method == http.MethodPatch:
			inner.ServeHTTP(httptest.NewRecorder(), r)
			lost.Store(true)
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("AUTH0_DOMAIN", proxy.URL)
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with its answer lost: %s", r.out)
	}
	lost.Store(false)
	if r := runCmd(t, nil, "delete", cmdSMS, "--force"); r.code != exitOK { // an operation to undo
		t.Fatalf("delete: %d %s", r.code, r.errOut)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", planFile)

	const declined = "Not confirmed: nothing was changed.\n"
	for _, tc := range []struct {
		answer string
		args   []string
		said   string // what the refusal says, if not declined
	}{
		{"n\n", []string{"link", cmdMariaGitHub, cmdMariaDB, "--allow-unverified"}, ""},
		{"\n", []string{"unlink", cmdSam, "google-oauth2", "101202303404505606707"}, ""},
		{"\n", []string{"delete", cmdMike}, ""},
		// A name typed that names no account says what it takes (tester: a
		// wrong case or a missing country code got "Not confirmed" alone).
		{"mike\n", []string{"delete", cmdMike}, `Not confirmed: "mike" is not "mike.miller" or "` + cmdMike + `", exactly as written (case and all): nothing was changed.` + "\n"},
		{"Mike.Miller\n", []string{"delete", cmdMike}, `Not confirmed: "Mike.Miller" is not "mike.miller" or "` + cmdMike + `", exactly as written (case and all): nothing was changed.` + "\n"},
		{"no\n", []string{"ticket", cmdLiam}, ""},
		{"n\n", []string{"verify-email", cmdMariaDB}, ""},
		{"n\n", []string{"undo", e.opIDOf("delete")}, ""},
		{"n\n", []string{"apply", planFile}, ""},
		{"n\n", []string{"resume"}, ""},
	} {
		writes := e.userWrites()
		r := runCmd(t, &tc.answer, tc.args...)
		said := declined
		if tc.said != "" {
			said = tc.said
		}
		_, after, _ := strings.Cut(r.errOut, said)
		if r.code != exitFailure || strings.Count(r.errOut, said) != 1 || strings.Contains(after, "linkdesk:") {
			t.Errorf("%q answered %q: exit %d, want %d\n%s%s", tc.args, tc.answer, r.code, exitFailure, r.out, r.errOut)
		}
		if e.userWrites() != writes {
			t.Errorf("%q answered %q made %d calls", tc.args, tc.answer, e.userWrites()-writes)
		}
		if tc.args[0] == "resume" && !strings.Contains(after, "linkdesk resume --discard") {
			t.Errorf("resume answered No does not say what leaves the rest undone:\n%s", r.errOut)
		}
	}
	// Without a terminal it asks nothing: a dry run, exit 0.
	if r := runCmd(t, nil, "delete", cmdMike); r.code != exitOK || strings.Contains(r.errOut, "Not confirmed") {
		t.Errorf("dry run: exit %d\n%s", r.code, r.errOut)
	}
}

func TestRefusalsExitThree(t *testing.T) {
	e := newWriteEnv(t)
	for _, tc := range []struct {
		args  []string
		check string
	}{
		{[]string{"link", cmdMariaGitHub, cmdMariaDB, "--force"}, linking.CheckUnverifiedEmail},
		{[]string{"link", cmdMike, cmdLiam, "--force"}, linking.CheckNonUniqueEmailConnection},
		{[]string{"link", cmdAliceDB, cmdAliceDB, "--force"}, linking.CheckSameAccount},
		{[]string{"link", cmdAliceDB, cmdSam, "--force"}, linking.CheckSecondaryHasLinks},
		{[]string{"link", cmdAliceDB, "auth0|nobody", "--force"}, linking.CheckUserMissing},
		{[]string{"link", cmdAliceDB, cmdMike, "--force", "--allow-unverified"}, linking.CheckDifferentEmails}, // a mistyped id
		{[]string{"delete", "auth0|nobody", "--force"}, linking.CheckUserMissing},
		{[]string{"unlink", cmdAliceDB, "google-oauth2", "1", "--force"}, linking.CheckNotLinked},
		{[]string{"ticket", "auth0|nobody", "--force"}, linking.CheckUserMissing},
		{[]string{"link", cmdAliceDB, cmdAliceGoogle, "--force", "--read-only"}, linking.CheckReadOnly},
		{[]string{"delete", cmdAliceGoogle, "--force", "--read-only"}, linking.CheckReadOnly},
		{[]string{"ticket", cmdAliceDB, "--read-only", "--force"}, linking.CheckReadOnly},
	} {
		r := runCmd(t, nil, tc.args...)
		if r.code != exitRefused || !strings.Contains(r.errOut, "("+tc.check+")") {
			t.Errorf("%v: exit %d, %s", tc.args, r.code, r.errOut)
		}
	}
	if n := e.userWrites(); n != 0 {
		t.Fatalf("refused commands sent %d writes", n)
	}
	if _, err := os.Stat(filepath.Join(e.state, "linkdesk", "audit.log")); err == nil && len(e.auditRecords()) > 0 {
		t.Error("refused commands wrote audit records")
	}
	// The override goes through and the audit record names it.
	r := runCmd(t, nil, "link", cmdMariaGitHub, cmdMariaDB, "--force", "--allow-unverified")
	if r.code != exitOK || e.exists(cmdMariaDB) {
		t.Fatalf("--allow-unverified: exit %d %s", r.code, r.errOut)
	}
	if recs := e.auditRecords(); len(recs) != 2 || len(recs[0].Overrides) != 1 || recs[0].Overrides[0] != linking.CheckUnverifiedEmail {
		t.Errorf("audit does not name the override: %+v", recs)
	}
	r = runCmd(t, nil, "link", cmdAliceDB, cmdMike, "--force", "--allow-different-emails", "--allow-unverified")
	if r.code != exitOK || e.exists(cmdMike) {
		t.Fatalf("--allow-different-emails: exit %d %s", r.code, r.errOut)
	}
	if recs := e.auditRecords(); len(recs) < 4 || !slices.Contains(recs[len(recs)-1].Overrides, linking.CheckDifferentEmails) {
		t.Errorf("audit does not name the override: %+v", recs[len(recs)-1])
	}
	if r := runCmd(t, nil, "link", cmdAliceDB); r.code != exitUsage {
		t.Errorf("one argument: exit %d", r.code)
	}
}

// A username, an email or a phone where a user id belongs is a usage error
// (exit 2) before any call, pointing at show; it never reads as an account
// that was deleted.
func TestAnArgumentThatIsNoUserIDIsAUsageErrorBeforeAnyCall(t *testing.T) {
	e := newWriteEnv(t)
	for _, tc := range []struct {
		args []string
		not  string // the argument that is no user id
	}{
		{[]string{"delete", "liam.miller", "--force"}, "liam.miller"},
		{[]string{"ticket", "the.millers@gmail.com", "--force"}, "the.millers@gmail.com"},
		{[]string{"verify-email", "+14155550123", "--force"}, "+14155550123"},
		{[]string{"link", cmdMike, "liam.miller", "--force"}, "liam.miller"},
		{[]string{"link", "mike.miller", cmdLiam}, "mike.miller"},
		{[]string{"unlink", "sam.taylor@gmail.com", "google-oauth2", "101202303404505606707", "--force"}, "sam.taylor@gmail.com"},
	} {
		r := runCmd(t, nil, tc.args...)
		want := "linkdesk: " + tc.not + " is not a user id (provider|id, like auth0|63ea1f0b… or google-oauth2|1088…): `linkdesk show " + tc.not + "` finds the account"
		if r.code != exitUsage || !strings.HasPrefix(r.errOut, want) || strings.Contains(r.errOut, "anymore") || r.out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 saying %q", tc.args, r.code, r.out, r.errOut, want)
		}
	}
	if st := e.srv.Stats(); len(st.Requests) != 0 {
		t.Errorf("the refused commands made requests: %v", st.Requests)
	}
	// A user id that names no account is still a refusal by the tenant's answer.
	if r := runCmd(t, nil, "delete", "auth0|nobody", "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "(user_missing)") {
		t.Errorf("delete of a well-formed user id nobody has: exit %d %s", r.code, r.errOut)
	}
}

// One call is worded as one: "the 1 call was made", not "all 1 calls".
func TestOneCallIsWordedAsOne(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "delete", cmdAliceGoogle)
	if r.code != exitOK || !strings.Contains(r.errOut, "Run again with --force to make this call (or") {
		t.Errorf("dry run of one call: exit %d\n%s", r.code, r.errOut)
	}
	r = runCmd(t, nil, "delete", cmdAliceGoogle, "--force")
	if r.code != exitOK || !strings.Contains(r.out, "\nDone: the 1 call was made.\n") || strings.Contains(r.out, "1 calls") || e.exists(cmdAliceGoogle) {
		t.Errorf("delete --force: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// The undo of a passwordless account's deletion re-creates it: one call.
	if r = runCmd(t, nil, "delete", cmdSMS, "--force"); r.code != exitOK {
		t.Fatalf("delete %s: exit %d\n%s", cmdSMS, r.code, r.errOut)
	}
	no := "n\n"
	r = runCmd(t, &no, "undo", e.opIDOf("delete"))
	if r.code != exitFailure || !strings.Contains(r.errOut, "\nMake this call on ") {
		t.Errorf("undo of the deletion, answered n: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

func TestPlanAndApply(t *testing.T) {
	e := newWriteEnv(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	r := mustRun(t, "plan", "--out", planFile)
	for _, want := range []string{"5 operations, 6 calls; 6 groups not planned.", "Refused by a safety check: 1 group (unverified_email 1)",
		"Not planned, nothing to link:", "shared_by_design 2"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.out)
		}
	}
	r = runCmd(t, nil, "plan", "--out", planFile, "--verbose")
	for _, want := range []string{"Refused by a safety check (1;", "maria.garcia@outlook.com", "unverified_email (needs_verification)"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("plan --verbose output lacks %q:\n%s", want, r.out)
		}
	}
	info, err := os.Stat(planFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("plan file: %v %v", info, err)
	}
	if r := runCmd(t, nil, "plan"); r.code != exitUsage {
		t.Errorf("plan without --out: exit %d", r.code)
	}
	if r := runCmd(t, nil, "plan", "--out", "-", "--email", "alice.nguyen@gmail.com"); r.code != exitOK || !strings.HasPrefix(r.out, "{") {
		t.Errorf("plan --out -: %d %s", r.code, r.out)
	}

	// Dry run: every call (--verbose), nothing changed.
	r = runCmd(t, nil, "apply", planFile, "--verbose")
	if r.code != exitOK || e.userWrites() != 0 || strings.Count(r.out, "/identities {") != 5 {
		t.Fatalf("apply dry run: exit %d, %d writes\n%s", r.code, e.userWrites(), r.out)
	}
	r = runCmd(t, nil, "apply", planFile, "--force", "--read-only")
	if r.code != exitRefused || e.userWrites() != 0 {
		t.Fatalf("apply --read-only: exit %d %s", r.code, r.errOut)
	}

	r = runCmd(t, nil, "apply", planFile, "--force", "--json", "--reason", "ZD-77 weekly cleanup")
	for _, rec := range e.auditRecords() {
		if !strings.HasSuffix(rec.Reason, "this run: ZD-77 weekly cleanup") {
			t.Errorf("an audit record lacks the run's reason: %q", rec.Reason)
		}
	}
	var res struct {
		Complete bool   `json:"complete"`
		Done     int    `json:"done"`
		PlanID   string `json:"plan_id"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || r.code != exitOK || !res.Complete || res.Done != 6 {
		t.Fatalf("apply --force --json: exit %d %v %s %s", r.code, err, r.out, r.errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(e.state, "linkdesk", "journals", res.PlanID+"-*.journal")); len(m) != 1 {
		t.Errorf("journal: %v", m)
	}
	writes := e.userWrites()
	// Run again: the journal says everything is done; nothing is sent twice.
	r = runCmd(t, nil, "apply", planFile, "--force")
	// This run made none: "Done: all 6 calls made (6 by an earlier run)" said it did (tester).
	if r.code != exitOK || e.userWrites() != writes || !strings.Contains(r.out, "Nothing left to do: all 6 calls were made by an earlier run (the tenant shows them).") {
		t.Fatalf("second apply: exit %d, %d writes\n%s", r.code, e.userWrites()-writes, r.out)
	}
	// Read-only, its dry run says nothing is left (not "run without it … to
	// make these calls": tester).
	if r := runCmd(t, nil, "apply", planFile, "--read-only"); r.code != exitOK || !strings.Contains(r.errOut, "nothing is left to make") || strings.Contains(r.errOut, "to make these calls") {
		t.Errorf("read-only dry run of a plan made: exit %d\n%s", r.code, r.errOut)
	}
	// Another journal for the same plan on this tenant is refused: the
	// plan keeps the journal it has.
	r = runCmd(t, nil, "apply", planFile, "--force", "--journal", filepath.Join(t.TempDir(), "j"))
	if r.code != exitUsage || !strings.Contains(r.errOut, "the plan already has a journal on this tenant") || e.userWrites() != writes {
		t.Fatalf("apply with a fresh journal: exit %d %s", r.code, r.errOut)
	}
	// An edited plan is a usage error.
	data, _ := os.ReadFile(planFile)
	os.WriteFile(planFile, bytes.Replace(data, []byte(`"kind":"link"`), []byte(`"kind":"delete"`), 1), 0o600)
	if r := runCmd(t, nil, "apply", planFile); r.code != exitUsage || !strings.Contains(r.errOut, "edited") {
		t.Errorf("edited plan: exit %d %s", r.code, r.errOut)
	}
	e.noSecrets(r)
}

func TestApplyRefusesAPlanForAnotherTenant(t *testing.T) {
	newWriteEnv(t)
	tn, err := client.New(context.Background(), client.Config{Domain: os.Getenv("AUTH0_DOMAIN"), ClientID: "x", ClientSecret: "y"})
	if err != nil {
		t.Fatal(err)
	}
	p := linking.NewPlan("prod.eu.auth0.com", "someone", time.Now())
	p.Add(linking.PlanDelete(client.User{UserID: cmdAliceGoogle, Identities: []client.Identity{{Provider: "google-oauth2", UserID: "1"}}}, ""))
	var buf bytes.Buffer
	linking.WritePlan(&buf, p)
	path := filepath.Join(t.TempDir(), "plan.json")
	os.WriteFile(path, buf.Bytes(), 0o600)
	r := runCmd(t, nil, "apply", path, "--force")
	if r.code != exitRefused || !strings.Contains(r.errOut, "other_tenant") {
		t.Fatalf("exit %d %s (tenant %s)", r.code, r.errOut, tn.Domain())
	}
}

func TestTicketCommand(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "ticket", cmdMike, "--json", "--force")
	var out struct{ UserID, Ticket string }
	if err := json.Unmarshal([]byte(r.out), &out); err != nil || r.code != exitOK || !strings.HasPrefix(out.Ticket, "http") {
		t.Fatalf("ticket: exit %d %s %s", r.code, r.out, r.errOut)
	}
	data, _ := os.ReadFile(filepath.Join(e.state, "linkdesk", "audit.log"))
	if bytes.Contains(data, []byte(out.Ticket)) || len(e.auditRecords()) != 2 {
		t.Errorf("audit log:\n%s", data)
	}
}

// An identity linked away answers 404 by its user id; a write naming it is
// refused as missing, and says which account it is linked into.
func TestAWriteOnALinkedIdentitySaysWhereItLives(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "delete", "google-oauth2|101202303404505606707", "--force")
	if r.code != exitRefused || !strings.Contains(r.errOut, "it is an identity linked into "+cmdSam) {
		t.Errorf("delete of a linked identity: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// Every scan report says how many API calls it made, as the contract
// lists the field: one address too.
func TestAScanOfOneAddressCountsItsCalls(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "scan", "--email", "wei.zhang@gmail.com", "--json")
	var rep struct {
		Method   string `json:"method"`
		APICalls *int   `json:"api_calls"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || rep.Method != "search" || rep.APICalls == nil || *rep.APICalls < 1 {
		t.Errorf("scan --email --json: %v %+v\n%s", err, rep, r.out)
	}
}

// A user id no account has is reported as looked up by user id (and by
// linked identity, in vain), not as a linked identity.
func TestShowOfAnUnknownUserIDSaysItWasLookedUpByUserID(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "show", "auth0|doesnotexist")
	if r.code != exitFailure || !strings.Contains(r.errOut, "(looked up by user id)") {
		t.Errorf("show of an unknown user id: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// The dry run of a plan an earlier run finished says that nothing is left
// to make: it said "Run again with --force to make these calls" of calls
// its journal records as made (tester).
func TestTheDryRunOfAFinishedPlanSaysNothingIsLeftToMake(t *testing.T) {
	newWriteEnv(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", planFile)
	mustRun(t, "apply", planFile, "--force")
	r := mustRun(t, "apply", planFile)
	if !strings.Contains(r.errOut, "nothing is left to make") || strings.Contains(r.errOut, "Run again with --force to make") {
		t.Errorf("the dry run of a finished plan:\n%s%s", r.out, r.errOut)
	}
}

// A long apply cut off by Ctrl-C lists the first calls not run and counts
// the rest, and says how to finish it (tester: 360 lines of "not run",
// and only how to undo).
func TestAnApplyCutOffCountsWhatIsLeftAndSaysHowToFinish(t *testing.T) {
	got := stoppedSummary(t, fmt.Errorf("%w before step op3.link: context canceled", linking.ErrInterrupted), 20, func(i int, st *linking.StepReport) {
		if i < 2 {
			st.Status = linking.StatusDone
		}
	})
	if strings.Count(got, "not run") != stepsListed+1 || !strings.Contains(got, "… and 10 more not run") ||
		!strings.Contains(got, "To finish it: `linkdesk resume --force plan-1` makes what is left, nothing twice (or leave it with `linkdesk resume --discard --force plan-1`).") {
		t.Fatalf("the summary:\n%s", got)
	}
}

// stoppedSummary is printSummary's text of a run of plan-1's n link steps
// (op1.link to opN.link) that stopped with err, each step not run until set sets it.
func stoppedSummary(t *testing.T, err error, n int, set func(i int, st *linking.StepReport)) string {
	t.Helper()
	res := &linking.Result{PlanID: "plan-1", Err: err}
	for i := range n {
		st := linking.StepReport{Op: fmt.Sprintf("op%d", i+1), Step: fmt.Sprintf("op%d.link", i+1), Status: linking.StatusNotRun}
		set(i, &st)
		res.Steps = append(res.Steps, st)
	}
	s := session.With(t.Context(), nil, "acme.eu.auth0.com", session.Config{StateDir: t.TempDir()})
	var out strings.Builder
	printSummary(&out, res, s)
	return out.String()
}

// summaryLine is the line of a run's text output that begins with prefix
// ("" when there is none).
func summaryLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// An apply that stops (a read fails on a faulty tenant) before the calls
// its journal records done by an earlier run says so in its first line:
// it said "Stopped after 2 of 6 calls (made by an earlier run: this run
// made none)" while the journal held all 6 done, and a line further down
// said why the other 4 were not counted (tester: read as 2 made).
func TestAnApplyStoppedBeforeWhatItsJournalRecordsDoneCountsThoseApart(t *testing.T) {
	e := newWriteEnv(t)
	// Reads of Alice's database account, the primary of op3 (2 calls), fail.
	refusing := refuseCalls(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.Contains(r.URL.EscapedPath(), strings.TrimPrefix(cmdAliceDB, "auth0|"))
	})
	refusing.Store(false)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--out", planFile)
	mustRun(t, "apply", planFile, "--force")
	refusing.Store(true)
	writes := e.userWrites()
	r := runCmd(t, nil, "apply", planFile, "--force")
	want := "Stopped after 2 of 6 calls confirmed made (all by an earlier run: this run made none); 4 more the journal records done are not confirmed, as this run stopped before confirming them."
	if got := summaryLine(r.out, "Stopped after"); r.code != exitFailure || got != want || e.userWrites() != writes {
		t.Fatalf("exit %d, summary\n  %s\nwant\n  %s\n%s%s", r.code, got, want, r.out, r.errOut)
	}
	if got, want := summaryLine(r.out, "Recorded done"), "Recorded done by an earlier run, not confirmed: op3.patch, op3.link, op4.link, op5.link"; got != want {
		t.Errorf("the summary names\n  %s\nwant\n  %s\n%s", got, want, r.out)
	}
	// Nothing else is left undone: no "Not done:" heading over nothing.
	if strings.Contains(r.out, "Not done:") {
		t.Errorf("the summary lists nothing under \"Not done:\":\n%s", r.out)
	}
	// --json counts them apart too (they are among not_done).
	j := runCmd(t, nil, "apply", planFile, "--force", "--json")
	var got struct {
		Done        int `json:"done"`
		NotDone     int `json:"not_done"`
		Unconfirmed int `json:"recorded_done_unconfirmed"`
	}
	if err := json.Unmarshal([]byte(j.out), &got); err != nil || got.Done != 2 || got.NotDone != 4 || got.Unconfirmed != 4 {
		t.Errorf("apply --json of the stopped run: %+v (%v), want done 2, not_done 4, recorded_done_unconfirmed 4\n%s", got, err, j.out)
	}
}

// The summary of the tester's run (92 calls, 30 confirmed, one failed, 31
// recorded done after it, 30 not run): the first line counts the recorded
// calls apart, the lists name the few first of each.
func TestAStoppedRunSummaryCountsTheCallsItsJournalRecordsDone(t *testing.T) {
	got := stoppedSummary(t, errors.New("op31.link: 503 service_unavailable"), 92, func(i int, st *linking.StepReport) {
		switch {
		case i < 30:
			st.Status = linking.StatusAlreadyDone
		case i == 30:
			st.Status = linking.StatusFailed
		case i <= 61:
			st.Note = linking.RecordedDoneNote
		}
	})
	for _, want := range []string{
		"\nStopped after 30 of 92 calls confirmed made (all by an earlier run: this run made none); 31 more the journal records done are not confirmed, as this run stopped before confirming them. Not done:\n  op31.link    FAILED",
		"\n  op63.link    not run",
		"\n  … and 22 more not run\nRecorded done by an earlier run, not confirmed: 31 steps: op32.link, ",
		", op39.link and 23 more\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
}
