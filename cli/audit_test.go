package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

func TestAuditListsNewestFirstWithFilters(t *testing.T) {
	newWriteEnv(t)
	for _, args := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle, "--force", "--reason", "ZD-1 same person"},
		{"delete", cmdSam, "--force", "--reason", "ZD-2 asked to close"},
	} {
		if r := runCmd(t, nil, args...); r.code != exitOK {
			t.Fatalf("%q: %d %s", args, r.code, r.errOut)
		}
	}
	r := runCmd(t, nil, "audit")
	first := strings.SplitN(r.out, "\n", 2)[0]
	if !strings.Contains(first, "delete") || !strings.Contains(first, cmdSam) {
		t.Errorf("the newest call (the delete) is not first:\n%s", r.out)
	}
	for _, want := range []string{"reason:   ZD-2 asked to close", "email:    sam.taylor@gmail.com", "reason:   ZD-1 same person"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("audit lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Index(r.out, "ZD-2") > strings.Index(r.out, "ZD-1") {
		t.Errorf("older calls come first:\n%s", r.out)
	}
	for _, tc := range []struct {
		args  []string
		calls int
	}{
		{[]string{"--action", "link"}, 1},
		{[]string{"--action", "patch_metadata"}, 1},
		{[]string{"--action", "Link"}, 1}, // a fixed word, in any case (tester: Link was a usage error)
		{[]string{"--result", "OK"}, 3},
		{[]string{"--email", "ALICE.nguyen"}, 2},
		{[]string{"--user", cmdSam}, 1},
		{[]string{"--result", "ok"}, 3},
		{[]string{"--result", "error"}, 0},
		{[]string{"--operator", "operator-ann", "--limit", "1"}, 1},
		// --since: the calls of the last hour, of the last day, since a date
		// long past, and none since a time to come (tester: no time filter).
		{[]string{"--since", "1h"}, 3},
		{[]string{"--since", "1d", "--action", "delete"}, 1},
		{[]string{"--since", "2020-01-01"}, 3},
		{[]string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, 0},
	} {
		r := runCmd(t, nil, append([]string{"audit"}, tc.args...)...)
		if got := strings.Count(r.out, "operator-ann "); r.code != exitOK || got != tc.calls {
			t.Errorf("audit %q: %d calls, want %d:\n%s", tc.args, got, tc.calls, r.out)
		}
	}
	for _, bad := range []string{"yesterday", "-2h", "2026-13-01"} {
		if r := runCmd(t, nil, "audit", "--since", bad); r.code != exitUsage || !strings.Contains(r.errOut, "--since") {
			t.Errorf("audit --since %s: exit %d %s", bad, r.code, r.errOut)
		}
	}
	r = runCmd(t, nil, "audit", "--json", "--limit", "0")
	var prev time.Time
	for i, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var rec struct {
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if i > 0 && rec.Time.After(prev) {
			t.Errorf("--json record %d is newer than the one before it", i)
		}
		prev = rec.Time
	}
}

// When --limit (50 unless given) leaves calls out, audit says so on
// stderr, counting calls as --limit does, so that --json | jq still reads
// records alone; when it leaves none out it says nothing.
func TestAuditSaysWhenItsLimitLeftCallsOut(t *testing.T) {
	newWriteEnv(t)
	for _, args := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, // two calls: the merge and the link
		{"delete", cmdSam, "--force"},
	} {
		if r := runCmd(t, nil, args...); r.code != exitOK {
			t.Fatalf("%q: %d %s", args, r.code, r.errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		said string // "" when nothing is left out
	}{
		{[]string{"--limit", "2"}, "Showing the newest 2 of 3 calls; --limit 0 shows all.\n"},
		{[]string{"--limit", "1", "--json"}, "Showing the newest 1 of 3 calls; --limit 0 shows all.\n"},
		{[]string{"--limit", "1", "--email", "alice"}, "Showing the newest 1 of 2 calls that pass these filters; --limit 0 shows all.\n"},
		{nil, ""},
		{[]string{"--limit", "3"}, ""},
		{[]string{"--limit", "0", "--json"}, ""},
		{[]string{"--limit", "1", "--action", "delete"}, ""},
	} {
		r := runCmd(t, nil, append([]string{"audit"}, tc.args...)...)
		if r.code != exitOK || r.errOut != tc.said || strings.Contains(r.out, "Showing") {
			t.Errorf("audit %q: exit %d, stderr %q, want %q\n%s", tc.args, r.code, r.errOut, tc.said, r.out)
		}
		if slices.Contains(tc.args, "--json") && !validJSONLines(r.out) {
			t.Errorf("audit %q: stdout is not JSON lines:\n%s", tc.args, r.out)
		}
	}

	// Without --limit, the newest 50 calls of a longer log.
	path := filepath.Join(t.TempDir(), "audit.log")
	log, err := audit.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 60 {
		id := audit.NewOpID()
		for _, phase := range []string{audit.PhaseAttempt, audit.PhaseResult} {
			if err := log.Append(audit.Record{Operator: "operator-ann", Action: "delete", Phase: phase, Result: audit.ResultOK, OpID: id, UserIDs: []string{cmdSam}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	log.Close()
	r := runCmd(t, nil, "audit", "--audit-log", path)
	if r.code != exitOK || r.errOut != "Showing the newest 50 of 60 calls; --limit 0 shows all.\n" || strings.Count(r.out, "operator-ann ") != 50 {
		t.Errorf("audit of 60 calls without --limit: exit %d, %d calls shown, stderr %q", r.code, strings.Count(r.out, "operator-ann "), r.errOut)
	}
}

// On a generated tenant of 300 users (25 links, 50 calls planned) plan
// --out and the apply dry run print a summary a person reads at once;
// --verbose every call. (The demo's 2,000 users said the same in three
// minutes of the race suite: each account is read at the sandbox's 16
// requests a second.)
func TestPlanAndApplyDryRunPrintASummary(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	fixture := filepath.Join(t.TempDir(), "tenant.json")
	writeFixtureFile(t, fixture, gen.Generate(gen.GenOptions{Users: 300, Seed: 1}))
	planFile := t.TempDir() + "/plan.json"
	r := mustRun(t, "plan", "--demo", "--fixture", fixture, "--out", planFile)
	if n := strings.Count(r.out, "\n"); n >= 30 || !strings.Contains(r.out, "… and ") || !strings.Contains(r.out, "Wrote "+planFile) {
		t.Errorf("plan --out printed %d lines:\n%s", n, r.out)
	}
	var calls int
	if _, err := fmt.Sscanf(strings.SplitN(r.out, "\n", 3)[1], "25 operations, %d calls", &calls); err != nil || calls < 50 {
		t.Fatalf("the plan's summary does not count 25 operations and their calls (%v):\n%s", err, r.out)
	}
	verbose := runCmd(t, nil, "plan", "--demo", "--fixture", fixture, "--out", planFile, "--verbose")
	if n := callLines(verbose.out); n != calls {
		t.Errorf("plan --verbose lists %d of the %d calls:\n%s", n, calls, verbose.out)
	}
	r = runCmd(t, nil, "apply", "--demo", "--fixture", fixture, planFile)
	if n := strings.Count(r.out+r.errOut, "\n"); r.code != exitOK || n >= 30 || !strings.Contains(r.errOut, "Dry run") {
		t.Errorf("apply dry run: exit %d, %d lines:\n%s%s", r.code, n, r.out, r.errOut)
	}
	r = runCmd(t, nil, "apply", "--demo", "--fixture", fixture, planFile, "--verbose")
	if n := callLines(r.out); n != calls {
		t.Errorf("apply --verbose lists %d of the %d calls:\n%s", n, calls, r.out)
	}
}

// callLines counts the lines of a --verbose listing that are a call.
func callLines(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		switch method, _, _ := strings.Cut(strings.TrimSpace(line), " /api/v2/"); method {
		case "PATCH", "POST", "DELETE":
			n++
		}
	}
	return n
}

// A family member deleted is named by its username in the audit log, which
// finds it by that name, and in the undo that makes it again: once it is
// gone, the shared email no longer tells whose record it is.
func TestADeletedFamilyMemberKeepsItsNameInTheAuditLog(t *testing.T) {
	const emma = "auth0|64b7ca01e0f1a2b3c4d5e6f8"
	e := newWriteEnv(t)
	mustRun(t, "delete", emma, "--force", "--reason", "ZD-7 duplicate child account")
	for _, rec := range e.auditRecords() {
		if rec.Names[emma] != "username emma.miller" {
			t.Errorf("the %s record names emma as %q", rec.Phase, rec.Names[emma])
		}
	}
	r := runCmd(t, nil, "audit", "--user", "EMMA.miller")
	if strings.Count(r.out, "operator-ann ") != 1 || !strings.Contains(r.out, "named:    username emma.miller") {
		t.Errorf("audit --user emma.miller:\n%s", r.out)
	}
	r = runCmd(t, nil, "undo", e.opIDOf("delete"))
	if r.code != exitOK || !strings.Contains(r.out, "restore "+emma+" (username emma.miller)") {
		t.Errorf("the undo does not name emma:\n%s\n%s", r.out, r.errOut)
	}
}

// --user names one account, whole and in any case, by what a support
// engineer has at hand: its user id, the id without its provider, its
// username or its phone number (without its country code too). A part of
// a name is none (tester: --user miller gave emma's and liam's records,
// --user a nearly every one): a filter that widens on a typo shows the
// calls of the wrong person.
func TestAuditUserNamesOneAccountWhole(t *testing.T) {
	const emma = "auth0|64b7ca01e0f1a2b3c4d5e6f8"
	newWriteEnv(t)
	for _, id := range []string{emma, cmdLiam, cmdSMS} {
		mustRun(t, "delete", id, "--force", "--reason", "ZD-11")
	}
	for _, tc := range []struct {
		user string
		want []string // the user ids of the calls listed
	}{
		{"emma.miller", []string{emma}},
		{"LIAM.Miller", []string{cmdLiam}},
		{strings.ToUpper(emma), []string{emma}},
		{"64b7ca01e0f1a2b3c4d5e6f8", []string{emma}}, // the id without its provider
		{"+14155550123", []string{cmdSMS}},           // the sms account's number
		{"(415) 555-0123", []string{cmdSMS}},         // without its country code
		{"miller", nil},                              // a part of two usernames
		{"a", nil},                                   // a letter of nearly every one
		{"auth0|64b7ca01", nil},                      // the start of a user id
		{"555-0123", nil},                            // too few digits to name a number
	} {
		r := runCmd(t, nil, "audit", "--user", tc.user)
		var got []string
		for _, line := range strings.Split(r.out, "\n") {
			if f := strings.Fields(line); len(f) > 5 && f[2] == "operator-ann" {
				got = append(got, f[len(f)-1])
			}
		}
		if r.code != exitOK || !slices.Equal(got, tc.want) {
			t.Errorf("audit --user %q lists the calls on %q, want %q:\n%s%s", tc.user, got, tc.want, r.out, r.errOut)
		}
	}
}

// An identity deleted with the primary it was linked into is found by its
// own id: the deletion's records name it.
func TestAnIdentityDeletedWithItsPrimaryIsFoundByItsID(t *testing.T) {
	const samGoogle = "google-oauth2|101202303404505606707" // linked into sam
	newWriteEnv(t)
	mustRun(t, "delete", cmdSam, "--force", "--reason", "ZD-8")
	r := runCmd(t, nil, "audit", "--user", "101202303404505606707")
	if !strings.Contains(r.out, " delete ") || !strings.Contains(r.out, samGoogle) {
		t.Errorf("audit --user of the identity deleted with its primary:\n%s%s", r.out, r.errOut)
	}
}

// An identity deleted with the primary it was linked into is found by its
// own email too, though the deletion's "before" names only the primary's.
func TestAnIdentityDeletedWithItsPrimaryIsFoundByItsEmail(t *testing.T) {
	const weiGoogle = "google-oauth2|114455667788990011223"
	newWriteEnv(t)
	mustRun(t, "link", cmdSam, weiGoogle, "--allow-different-emails", "--force", "--reason", "ZD-9")
	mustRun(t, "delete", cmdSam, "--force", "--reason", "ZD-9")
	r := runCmd(t, nil, "audit", "--email", "Wei.Zhang@", "--action", "delete")
	if !strings.Contains(r.out, " delete ") || !strings.Contains(r.out, weiGoogle) {
		t.Errorf("audit --email of an identity deleted with its primary:\n%s%s", r.out, r.errOut)
	}
}

// A legacy custom database holds several profiles with one email: a
// deletion of one is found by its username, which tells it apart.
func TestALegacyAccountIsFoundInTheAuditLogByItsUsername(t *testing.T) {
	newWriteEnv(t)
	mustRun(t, "delete", "auth0|1000456", "--force", "--reason", "ZD-10")
	r := runCmd(t, nil, "audit", "--user", "bob.smith2")
	if !strings.Contains(r.out, " delete ") || !strings.Contains(r.out, "username bob.smith2") {
		t.Errorf("audit --user of a legacy account's username:\n%s%s", r.out, r.errOut)
	}
}

// A log written before records had a note kept how a cut-off call was
// found done in its error, beside "ok": audit --json gives it as a note,
// as it does for the calls recorded since, so that select(.error) finds
// only what failed.
func TestAuditJSONGivesAnOlderLogsNoteAsANote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	log, err := audit.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	const settled = "resolved on resume: the tenant shows the call took effect"
	id := audit.NewOpID()
	for _, rec := range []audit.Record{
		{Action: "link", Phase: audit.PhaseAttempt, OpID: id, UserIDs: []string{cmdSam}},
		{Action: "link", Phase: audit.PhaseResult, OpID: id, UserIDs: []string{cmdSam}, Result: audit.ResultOK, Error: settled},
	} {
		if err := log.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()
	r := mustRun(t, "audit", "--audit-log", path, "--json")
	var result struct{ Result, Error, Note string }
	if err := json.Unmarshal([]byte(strings.SplitN(r.out, "\n", 2)[0]), &result); err != nil {
		t.Fatal(err)
	}
	if result.Result != audit.ResultOK || result.Error != "" || result.Note != settled {
		t.Errorf("the settled call's result reads %+v", result)
	}
}

// An audit log open to other users (made by hand, or by an older build) is
// made 0600 by the first write that records in it, which says so once on
// stderr; the next write finds it private and says nothing.
func TestAWriteTightensAnAuditLogOpenToOthersAndSaysSoOnce(t *testing.T) {
	e := newWriteEnv(t)
	path := filepath.Join(e.state, "linkdesk", "audit.log")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	r := mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	const said = "was mode 0644, which let other users read it: made it 0600"
	if n := strings.Count(r.errOut, said); n != 1 || !strings.Contains(r.errOut, "linkdesk: note: "+path+" "+said) {
		t.Errorf("the first write says %d times that it tightened the log:\n%s", n, r.errOut)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the audit log after the write: %v %v", st.Mode(), err)
	}
	if r := mustRun(t, "delete", cmdSam, "--force"); strings.Contains(r.errOut, "made it 0600") {
		t.Errorf("the next write says it again:\n%s", r.errOut)
	}
}
