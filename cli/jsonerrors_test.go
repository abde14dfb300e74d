package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// jsonValues decodes every top-level JSON value of out: stdout of a
// --json command holds exactly one.
func jsonValues(t *testing.T, out string) []json.RawMessage {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return values
		}
		if err != nil {
			t.Fatalf("stdout is no JSON (%v):\n%s", err, out)
		}
		values = append(values, v)
	}
}

// errorOut is the {"error": …} object a --json command prints on failure.
type errorOut struct {
	Error *struct {
		Code     string   `json:"code"`
		ExitCode int      `json:"exit_code"`
		Message  string   `json:"message"`
		Check    string   `json:"check"`
		UserIDs  []string `json:"user_ids"`
		APICode  string   `json:"api_code"`
	} `json:"error"`
}

// A --json command that fails or is refused before it printed its JSON
// says why as one JSON object on stdout, with a stable code and its exit
// code, and keeps saying it on stderr as before; without --json stdout
// stays empty (tester: `linkdesk show X --json | jq` had nothing to read).
func TestAFailedJSONCommandSaysWhyAsJSON(t *testing.T) {
	e := newWriteEnv(t)
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		exit    int
		code    string
		check   string
		userIDs []string
		message string
	}{
		{args: []string{"audit", "--json", "--since", "garbage"}, exit: exitUsage, code: "usage", message: "--since garbage: give a duration"},
		{args: []string{"show", "--json"}, exit: exitUsage, code: "usage", message: "accepts 1 arg(s), received 0"},
		// cobra stops reading flags at the one it refuses: --json after it counts.
		{args: []string{"show", "x", "--bogus", "--json"}, exit: exitUsage, code: "usage", message: "unknown flag: --bogus"},
		{args: []string{"scan", "--json", "--email", "bob"}, exit: exitUsage, code: "usage", message: "--email bob is not an email address"},
		{args: []string{"scan", "--json", "--from-export", filepath.Join(t.TempDir(), "none.json.gz")}, exit: exitUsage, code: "usage", message: "no such file"},
		{args: []string{"undo", "notanop", "--json"}, exit: exitUsage, code: "usage", message: "notanop is not an op id"},
		{args: []string{"undo", "20261101T120000Z-3f9a1c0e5b7d2a41", "--json"}, exit: exitUsage, code: "usage",
			message: `has op_id "20261101T120000Z-3f9a1c0e5b7d2a41"`},
		{args: []string{"link", cmdAliceDB, cmdAliceGoogle, "--json", "--force", "--read-only"}, exit: exitRefused, code: "read_only", check: "read_only", message: "refused (read_only)"},
		{args: []string{"link", "auth0|nobody", cmdAliceGoogle, "--json"}, exit: exitRefused, code: "user_missing", check: "user_missing",
			userIDs: []string{"auth0|nobody"}, message: "no account has the user id auth0|nobody"},
		{args: []string{"show", cmdAliceDB, "--json"}, env: map[string]string{"AUTH0_CLIENT_SECRET": "wrong"}, exit: exitFailure, code: "credentials_refused",
			message: "the tenant refused linkdesk's credentials"},
		{args: []string{"scan", "--json"}, env: map[string]string{"AUTH0_CLIENT_SECRET": "wrong"}, exit: exitFailure, code: "credentials_refused",
			message: "the tenant refused linkdesk's credentials"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := runCmd(t, nil, tc.args...)
			if r.code != tc.exit || !strings.Contains(r.errOut, "linkdesk: ") || !strings.Contains(r.errOut, tc.message) {
				t.Fatalf("exit %d, want %d; stderr lacks %q:\n%s", r.code, tc.exit, tc.message, r.errOut)
			}
			values := jsonValues(t, r.out)
			if len(values) != 1 {
				t.Fatalf("stdout holds %d JSON values, want 1:\n%s", len(values), r.out)
			}
			var got errorOut
			if err := json.Unmarshal(values[0], &got); err != nil || got.Error == nil {
				t.Fatalf("stdout is no {\"error\": …} (%v):\n%s", err, r.out)
			}
			g := got.Error
			if g.Code != tc.code || g.ExitCode != tc.exit || g.Check != tc.check || !strings.Contains(g.Message, tc.message) ||
				strings.Join(g.UserIDs, " ") != strings.Join(tc.userIDs, " ") {
				t.Errorf("error %+v, want code %q exit %d check %q user ids %q, message with %q", *g, tc.code, tc.exit, tc.check, tc.userIDs, tc.message)
			}
			if strings.Contains(r.errOut, "{") {
				t.Errorf("stderr holds JSON:\n%s", r.errOut)
			}
			// Without --json: prose on stderr alone, as before.
			var plain []string
			for _, a := range tc.args {
				if a != "--json" {
					plain = append(plain, a)
				}
			}
			if p := runCmd(t, nil, plain...); p.code == exitOK || p.out != "" {
				t.Errorf("%q without --json: exit %d, stdout %q", plain, p.code, p.out)
			}
		})
	}
	if e.userWrites() != 0 {
		t.Error("a refused command wrote")
	}
}

// A --json command that printed its own JSON before it failed (a write's
// result that stopped, show's list of no account) prints nothing more:
// stdout holds that one value, and the exit code and stderr say why.
func TestAJSONCommandThatPrintedItsJSONPrintsNoSecondValue(t *testing.T) {
	e := newWriteEnv(t)
	plan := alicesPlan(t)
	blockAliceGoogle(t, e)
	for _, tc := range []struct {
		args []string
		exit int
		out  string // in the one value stdout holds
		err  string // on stderr
	}{
		{[]string{"apply", plan, "--force", "--json"}, exitRefused, `"not_done"`, "blocked_account"},
		{[]string{"show", "nobody.at.all", "--json"}, exitFailure, `"accounts": []`, "No account matches nobody.at.all"},
	} {
		r := runCmd(t, nil, tc.args...)
		if r.code != tc.exit || !strings.Contains(r.errOut, tc.err) {
			t.Errorf("%q: exit %d, want %d; stderr lacks %q:\n%s", tc.args, r.code, tc.exit, tc.err, r.errOut)
		}
		if values := jsonValues(t, r.out); len(values) != 1 || !bytes.Contains(values[0], []byte(tc.out)) || bytes.Contains(values[0], []byte(`"error": {`)) {
			t.Errorf("%q: stdout holds %d JSON values, want its own one with %s:\n%s", tc.args, len(values), tc.out, r.out)
		}
	}
}

// The stable codes of the failures no command above meets on a sandbox.
func TestFailureCodes(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		err     error
		code    string
		exit    int
		status  int
		apiCode string
	}{
		{commandError(fmt.Errorf("reading users: %w", &client.Error{Method: "GET", Path: "/api/v2/users", StatusCode: 429, Code: "too_many_requests"})), "api_error", exitFailure, 429, "too_many_requests"},
		{commandError(&client.Error{Method: "GET", Path: "/api/v2/users", StatusCode: 401, Code: "invalid_token"}), "credentials_refused", exitFailure, 401, "invalid_token"},
		{commandError(fmt.Errorf("link: %w", client.ErrOutcomeUnknown)), "outcome_unknown", exitFailure, 0, ""},
		{commandError(&audit.JournalLockedError{Path: "j", PID: 7}), "journal_locked", exitRefused, 0, ""},
		{&exitError{code: exitRefused, err: journalHeld{errors.New("held")}}, "journal_locked", exitRefused, 0, ""},
		{errNotConfirmed, "not_confirmed", exitFailure, 0, ""},
		{errInterrupted, "interrupted", exitFailure, 0, ""},
		{commandError(fmt.Errorf("run: %w", linking.ErrInterrupted)), "interrupted", exitFailure, 0, ""},
		{&exitError{code: exitRefused, err: errors.New("no check")}, "refused", exitRefused, 0, ""},
		{errors.New("disk full"), "failure", exitFailure, 0, ""},
	} {
		f, _ := describeFailure(ctx, tc.err)
		if f.Code != tc.code || f.ExitCode != tc.exit || f.Status != tc.status || f.APICode != tc.apiCode || f.Message == "" {
			t.Errorf("%v: %+v, want code %q exit %d status %d api code %q", tc.err, f, tc.code, tc.exit, tc.status, tc.apiCode)
		}
	}
}
