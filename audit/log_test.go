package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTestLog(t *testing.T) *Log {
	t.Helper()
	l, err := OpenLog(filepath.Join(t.TempDir(), "state", "linkdesk", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLogRoundTrip(t *testing.T) {
	l := openTestLog(t)
	when := time.Date(2025, 3, 14, 9, 15, 2, 0, time.FixedZone("CET", 3600))
	op := NewOpID()
	attempt := Record{
		Time: when, Operator: "ana", Tenant: "acme.eu.auth0.com", Action: "link", Phase: PhaseAttempt,
		OpID: op, UserIDs: []string{"auth0|1", "google-oauth2|115"}, PlanID: "p1", Step: "s1",
		Reason: "ticket #42 <same person>", Overrides: []string{"unverified_email"},
		Before:  json.RawMessage(`{"user_id":"auth0|1","identities":[{"user_id":12345678901234567890}]}`),
		Backup:  "/b/20250314T081502Z-link-abc.json",
		Request: json.RawMessage(`{"method":"POST","path":"/api/v2/users/auth0|1/identities","body":{"provider":"google-oauth2","user_id":"115"}}`),
	}
	result := Record{Operator: "ana", Tenant: "acme.eu.auth0.com", Action: "link", Phase: PhaseResult, OpID: op,
		UserIDs: []string{"auth0|1"}, Result: ResultOK, Response: json.RawMessage(`[{"provider":"auth0"}]`)}
	for _, r := range []Record{attempt, result} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	recs, skipped, err := ReadLog(l.Path())
	if err != nil || len(skipped) != 0 || len(recs) != 2 {
		t.Fatalf("ReadLog = %d records, %v, %v", len(recs), skipped, err)
	}
	got := recs[0]
	if !got.Time.Equal(when) || got.Time.Location() != time.UTC {
		t.Errorf("time %v, want %v in UTC", got.Time, when)
	}
	if got.Reason != attempt.Reason || got.OpID != op || !slices.Equal(got.UserIDs, attempt.UserIDs) ||
		!slices.Equal(got.Overrides, attempt.Overrides) || got.Backup != attempt.Backup || got.PlanID != "p1" || got.Step != "s1" {
		t.Errorf("attempt came back as %+v", got)
	}
	if !strings.Contains(string(got.Before), "12345678901234567890") {
		t.Errorf("a large id lost its digits: %s", got.Before)
	}
	if recs[1].Time.IsZero() || recs[1].Result != ResultOK || recs[1].OpID != op {
		t.Errorf("result came back as %+v", recs[1])
	}
	raw, _ := os.ReadFile(l.Path())
	if n := bytes.Count(raw, []byte("\n")); n != 2 || !strings.Contains(string(raw), "<same person>") {
		t.Errorf("want two plain lines, got %d:\n%s", n, raw)
	}
}

func TestAppendRefusesBadRecords(t *testing.T) {
	l := openTestLog(t)
	ok := Record{Action: "delete", Phase: PhaseAttempt, OpID: "x"}
	for name, mutate := range map[string]func(*Record){
		"no action": func(r *Record) { r.Action = "" },
		"no op id":  func(r *Record) { r.OpID = "" },
		"bad phase": func(r *Record) { r.Phase = "during" },
		"bad JSON":  func(r *Record) { r.Before = json.RawMessage(`{"user_id":`) },
	} {
		r := ok
		mutate(&r)
		if err := l.Append(r); err == nil {
			t.Errorf("%s: Append accepted %+v", name, r)
		}
	}
	if err := l.Append(ok); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := ReadLog(l.Path())
	if len(recs) != 1 || recs[0].UserIDs == nil {
		t.Errorf("want the one good record with user_ids [], got %+v", recs)
	}
	l.Close()
	if err := l.Append(ok); err != ErrClosed {
		t.Errorf("Append after Close = %v", err)
	}
}

func TestReadLogMissingFileIsEmpty(t *testing.T) {
	recs, skipped, err := ReadLog(filepath.Join(t.TempDir(), "none.log"))
	if recs != nil || skipped != nil || err != nil {
		t.Errorf("got %v %v %v", recs, skipped, err)
	}
	recs, skipped, err = ReadLogTail(filepath.Join(t.TempDir(), "none.log"), 5)
	if recs != nil || skipped != nil || err != nil {
		t.Errorf("tail: got %v %v %v", recs, skipped, err)
	}
}

// A crash in the middle of a write leaves a line without its newline: both
// readers skip it and say so, and the next Append starts a fresh line.
func TestTornLastLine(t *testing.T) {
	l := openTestLog(t)
	for i := range 3 {
		if err := l.Append(payloadRecord("a", i, 10)); err != nil {
			t.Fatal(err)
		}
	}
	whole, _ := os.ReadFile(l.Path())
	f, _ := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte(`{"time":"2025-01-01T00:00:00Z","operator":"a","act`))
	f.Close()

	recs, skipped, err := ReadLog(l.Path())
	if err != nil || len(recs) != 3 || len(skipped) != 1 || !skipped[0].Torn || skipped[0].Offset != int64(len(whole)) {
		t.Fatalf("ReadLog = %d records, skipped %+v, %v", len(recs), skipped, err)
	}
	if !strings.Contains(skipped[0].String(), "crash") {
		t.Errorf("warning %q does not say what happened", skipped[0])
	}
	tail, tskipped, err := ReadLogTail(l.Path(), 2)
	if err != nil || len(tail) != 2 || tail[0].OpID != "a-2" || len(tskipped) != 1 || !tskipped[0].Torn {
		t.Fatalf("ReadLogTail = %+v, skipped %+v, %v", tail, tskipped, err)
	}

	if err := l.Append(payloadRecord("a", 3, 10)); err != nil {
		t.Fatal(err)
	}
	recs, skipped, _ = ReadLog(l.Path())
	if len(recs) != 4 || recs[3].OpID != "a-3" || len(skipped) != 1 || skipped[0].Torn {
		t.Fatalf("after another append: %d records, skipped %+v", len(recs), skipped)
	}
	tail, tskipped, _ = ReadLogTail(l.Path(), 10)
	if len(tail) != 4 || tail[0].OpID != "a-3" || len(tskipped) != 1 {
		t.Fatalf("tail after another append: %d records, skipped %+v", len(tail), tskipped)
	}
}

func TestReadLogTail(t *testing.T) {
	l := openTestLog(t)
	// Lines of a few KB, so the backwards reader crosses many chunk edges.
	for i := range 150 {
		if err := l.Append(payloadRecord("t", i, 1000+37*i)); err != nil {
			t.Fatal(err)
		}
	}
	all, _, err := ReadLog(l.Path())
	if err != nil || len(all) != 150 {
		t.Fatal(len(all), err)
	}
	slices.Reverse(all)
	for _, n := range []int{1, 2, 7, 64, 149, 150, 500} {
		tail, skipped, err := ReadLogTail(l.Path(), n)
		if err != nil || len(skipped) != 0 {
			t.Fatalf("n=%d: %v %v", n, skipped, err)
		}
		want := all[:min(n, len(all))]
		if len(tail) != len(want) {
			t.Fatalf("n=%d: got %d records", n, len(tail))
		}
		for i := range want {
			if tail[i].OpID != want[i].OpID || !bytes.Equal(tail[i].Before, want[i].Before) {
				t.Fatalf("n=%d: record %d is %s, want %s", n, i, tail[i].OpID, want[i].OpID)
			}
		}
	}
	if tail, _, _ := ReadLogTail(l.Path(), 0); tail != nil {
		t.Errorf("n=0 returned %d records", len(tail))
	}
}

// Lines far larger than a pipe buffer, from many goroutines: each must land
// whole.
func TestAppendConcurrentGoroutines(t *testing.T) {
	l := openTestLog(t)
	const writers, each, size = 10, 20, 20_000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			tag := string(rune('a' + w))
			for i := range each {
				if err := l.Append(payloadRecord(tag, i, size)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkWholeLines(t, l.Path(), writers*each, size)
}

// Two other processes and this one append to one log at once.
func TestAppendTwoProcesses(t *testing.T) {
	l := openTestLog(t)
	const each, size = 40, 50_000
	var cmds []*bytes.Buffer
	var wg sync.WaitGroup
	for _, tag := range []string{"x", "y"} {
		cmd := helperCmd(t, "append", "HELPER_LOG="+l.Path(), "HELPER_TAG="+tag,
			"HELPER_COUNT="+strconv.Itoa(each), "HELPER_PAYLOAD="+strconv.Itoa(size))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmds = append(cmds, &out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper %s: %v\n%s", tag, err, out.String())
			}
		})
	}
	for i := range each {
		if err := l.Append(payloadRecord("p", i, size)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	recs := checkWholeLines(t, l.Path(), 3*each, size)
	tags := map[string]bool{}
	for _, r := range recs {
		tags[r.Operator] = true
	}
	if len(tags) != 3 {
		t.Errorf("writers seen: %v", tags)
	}
}

// checkWholeLines reads the log and checks it holds exactly n intact records
// with distinct op ids and nothing skipped.
func checkWholeLines(t *testing.T, path string, n, size int) []Record {
	t.Helper()
	recs, skipped, err := ReadLog(path)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("ReadLog: skipped %v, %v", skipped, err)
	}
	if len(recs) != n {
		t.Fatalf("got %d records, want %d", len(recs), n)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if err := checkPayload(r, size); err != nil {
			t.Fatal(err)
		}
		if seen[r.OpID] {
			t.Fatalf("op id %s twice", r.OpID)
		}
		seen[r.OpID] = true
	}
	return recs
}

func TestSecretsNeverWrittenToLog(t *testing.T) {
	// Characters that JSON escapes, so an escaped copy would slip past a
	// naive byte search.
	secret := `cl1ent<&>"sec\ret` + strconv.FormatInt(time.Now().UnixNano(), 36)
	token := "api-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	RegisterSecret(secret)
	RegisterSecret(token)
	unregistered := []string{"idp-access-token-value", "a-refresh-token-value", "hunter2-password", "raw-authz-value"}
	jsonSecret, _ := json.Marshal(secret)
	body := fmt.Sprintf(`{"client_id":"cid","client_secret":%s,"nested":[{"deep":{"refresh_token":"a-refresh-token-value"}}],
		"headers":{"Authorization":"raw-authz-value","X-Note":"Bearer %s"}}`, jsonSecret, token)
	l := openTestLog(t)
	r := Record{
		Operator: "ana " + token, Tenant: "acme", Action: "link", Phase: PhaseResult, OpID: NewOpID(),
		UserIDs: []string{"auth0|" + secret}, Reason: "pasted " + secret, Error: "401 for token " + token,
		Before:   json.RawMessage(`{"identities":[{"provider":"google-oauth2","access_token":"idp-access-token-value"}],"password":"hunter2-password"}`),
		Request:  json.RawMessage(body),
		Response: json.RawMessage(fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","echo":%s}`, token, jsonSecret)),
	}
	if err := l.Append(r); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(l.Path())
	assertNoSecrets(t, raw, append([]string{secret, token}, unregistered...)...)
	recs, _, _ := ReadLog(l.Path())
	if len(recs) != 1 || !strings.Contains(recs[0].Reason, Redacted) || !strings.Contains(string(recs[0].Request), `"client_id":"cid"`) ||
		!strings.Contains(string(recs[0].Response), `"token_type":"Bearer"`) {
		t.Errorf("record lost more than its secrets: %+v", recs)
	}
}

// A result's retries (added to the format) come back as written, in UTC,
// scrubbed like the rest of the record; a result without them has no
// "retries" key, so a log's lines read by an older build are as they were.
func TestRetriesRoundTripScrubbedAndOnlyWhenThere(t *testing.T) {
	token := "retry-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	RegisterSecret(token)
	l := openTestLog(t)
	op := NewOpID()
	when := time.Date(2026, 11, 30, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, r := range []Record{
		{Action: "link", Phase: PhaseAttempt, OpID: op},
		{Action: "link", Phase: PhaseResult, OpID: op, Result: ResultOK, Note: "sent 2 times: …",
			Retries: []Retry{{Time: when, Status: 503, Error: "POST /x: 503 service_unavailable for " + token, Note: "sent again"}}},
		{Action: "delete", Phase: PhaseResult, OpID: NewOpID(), Result: ResultOK},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := os.ReadFile(l.Path())
	assertNoSecrets(t, raw, token)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if strings.Contains(lines[0], `"retries"`) || strings.Contains(lines[2], `"retries"`) {
		t.Errorf("records without retries carry the key:\n%s", raw)
	}
	recs, _, err := ReadLog(l.Path())
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	got := recs[1].Retries
	if len(got) != 1 || !got[0].Time.Equal(when) || got[0].Time.Location() != time.UTC || got[0].Status != 503 ||
		got[0].Error != "POST /x: 503 service_unavailable for "+Redacted || got[0].Note != "sent again" {
		t.Errorf("retries came back as %+v", got)
	}
}

// assertNoSecrets fails if raw holds any secret, as is or JSON-escaped.
func assertNoSecrets(t *testing.T, raw []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		escaped, _ := json.Marshal(s)
		escapedHTML := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(string(escaped))
		for _, form := range []string{s, string(escaped[1 : len(escaped)-1]), escapedHTML[1 : len(escapedHTML)-1]} {
			if bytes.Contains(raw, []byte(form)) {
				t.Errorf("file holds secret %q (as %q):\n%s", s, form, raw)
			}
		}
	}
}

func TestNewOpIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := NewOpID()
		if seen[id] || len(id) != len("20250314T091502Z-")+16 {
			t.Fatalf("op id %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

func BenchmarkAppend(b *testing.B) {
	l, err := OpenLog(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := payloadRecord("b", 0, 2000)
	for b.Loop() {
		if err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// A log whose last line was torn (a full disk cut the write short) is
// repaired when it is opened again: the fragment is cut off, a note record
// keeps its text, and every line reads.
func TestOpenRepairsATornLastLineWithANote(t *testing.T) {
	l := openTestLog(t)
	for i := range 2 {
		if err := l.Append(payloadRecord("a", i, 10)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	whole, _ := os.ReadFile(l.Path())
	f, _ := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte(`{"time":"2025-01-01T00:00:00Z","phase":"result","op_id":"a-1","result":"o`))
	f.Close()

	l2, err := OpenLog(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if note := l2.Repaired(); !strings.Contains(note, "unfinished last line") {
		t.Errorf("Repaired() = %q", note)
	}
	recs, skipped, err := ReadLog(l.Path())
	if err != nil || len(skipped) != 0 || len(recs) != 3 {
		t.Fatalf("after the repair: %d records, skipped %+v, %v", len(recs), skipped, err)
	}
	note := recs[2]
	if note.Phase != PhaseNote || note.Action != ActionRepair || !strings.Contains(note.Note, `"op_id":"a-1","result":"o`) ||
		!strings.Contains(note.Note, fmt.Sprintf("at byte %d", len(whole))) || note.Error != "" {
		t.Errorf("the note does not keep the torn line: %+v", note)
	}
	// A log that ends whole needs nothing.
	l3, err := OpenLog(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	if l3.Repaired() != "" {
		t.Errorf("a whole log was repaired: %s", l3.Repaired())
	}
}

// WithJSONEscape makes every record pass through the caller's escaping:
// characters a terminal acts on never reach the file raw.
func TestRecordsPassThroughTheEscape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	escape := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\u202e"), []byte(`\u202e`)) }
	l, err := OpenLog(path, WithJSONEscape(escape))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append(Record{Action: "delete", Phase: PhaseAttempt, OpID: "x", UserIDs: []string{"auth0|\u202eevil"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("\u202e")) {
		t.Errorf("a raw U+202E reached the log: %s", data)
	}
	recs, _, _ := ReadLog(path)
	if len(recs) != 1 || recs[0].UserIDs[0] != "auth0|\u202eevil" {
		t.Errorf("the value did not survive the escape: %+v", recs)
	}
}

// HasAttempt finds the attempt of an op id, and nothing for an op id with
// only a result, or none; IsOpID tells an op id from a journal's words.
func TestHasAttemptFindsOnlyAnAttempt(t *testing.T) {
	l := openTestLog(t)
	attempted, resultOnly, never := NewOpID(), NewOpID(), NewOpID()
	for _, r := range []Record{
		{Operator: "ana", Action: "ticket", Phase: PhaseAttempt, OpID: attempted, UserIDs: []string{"auth0|1"}, Reason: "mentions " + never},
		{Operator: "ana", Action: "ticket", Phase: PhaseResult, OpID: resultOnly, UserIDs: []string{"auth0|1"}, Result: ResultError},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	for op, want := range map[string]bool{attempted: true, resultOnly: false, never: false} {
		if got, err := HasAttempt(l.Path(), op); err != nil || got != want {
			t.Errorf("HasAttempt(%s) = %v, %v; want %v", op, got, err, want)
		}
	}
	if got, err := HasAttempt(filepath.Join(t.TempDir(), "none.log"), attempted); !errors.Is(err, fs.ErrNotExist) || got {
		t.Errorf("a missing log cannot show a call was never made: %v, %v", got, err)
	}
	for s, want := range map[string]bool{attempted: true, "reading the tenant shows the call did not take effect": false,
		"20261129T134646Z-dfb0b4bc635fa7c": false, "2026-11-29-dfb0b4bc635fa7c6": false, "": false} {
		if IsOpID(s) != want {
			t.Errorf("IsOpID(%q) = %v", s, !want)
		}
	}
}
