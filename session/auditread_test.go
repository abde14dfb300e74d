package session

import (
	"encoding/json"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
)

// The account an undo makes again has no state before its call: the call
// is still found by its email (linkdesk audit --email, the TUI's column and
// filter), from the body of the call that creates it.
func TestACreatedAccountsCallIsFoundByItsEmail(t *testing.T) {
	create := json.RawMessage(`{"method":"POST","path":"/api/v2/users","body":{"connection":"Username-Password-Authentication","email":"abigail_wright1050@icloud.com","user_id":"6a1"}}`)
	recs := []audit.Record{
		{Action: "delete", Phase: audit.PhaseAttempt, OpID: "op-1", UserIDs: []string{"auth0|6a1"}, Before: json.RawMessage(`[{"user_id":"auth0|6a1","exists":true,"email":"abigail_wright1050@icloud.com"}]`)},
		{Action: "delete", Phase: audit.PhaseResult, OpID: "op-1", Result: audit.ResultOK},
		{Action: "create_user", Phase: audit.PhaseAttempt, OpID: "op-2", UserIDs: []string{"auth0|6a1"}, Request: create},
		{Action: "create_user", Phase: audit.PhaseResult, OpID: "op-2", Result: audit.ResultOK},
	}
	var found []string
	for _, c := range Calls(recs) {
		if (CallFilter{Email: "Abigail_Wright1050@"}).Match(c) {
			found = append(found, c.Action)
		}
	}
	if len(found) != 2 || found[0] != "create_user" || found[1] != "delete" {
		t.Fatalf("--email finds %v, want the create_user and the delete", found)
	}
}

// A call cut off (its result "unknown") and settled by resume (a second
// result, "ok") is shown by its newest result.
func TestASettledCallShowsItsNewestResult(t *testing.T) {
	recs := []audit.Record{
		{Action: "link", Phase: audit.PhaseAttempt, OpID: "op-1"},
		{Action: "link", Phase: audit.PhaseResult, OpID: "op-1", Result: audit.ResultUnknown, Error: "context canceled"},
		{Action: "link", Phase: audit.PhaseResult, OpID: "op-1", Result: audit.ResultOK, Error: "resolved on resume: the tenant shows the call took effect"},
	}
	calls := Calls(recs)
	if len(calls) != 1 || calls[0].Result != audit.ResultOK || len(calls[0].Records) != 3 {
		t.Fatalf("the settled call reads %+v", calls)
	}
	if !(CallFilter{Result: audit.ResultOK}).Match(calls[0]) || (CallFilter{Result: audit.ResultUnknown}).Match(calls[0]) {
		t.Error("--result filters by an older result")
	}
}

// The log's own note (a torn line repaired) reads as a note with its words,
// not as a call without a result; so does one a log written before records
// had a note kept in error.
func TestARepairNoteReadsAsANote(t *testing.T) {
	const words = "repaired on open: an unfinished line was cut off"
	for _, rec := range []audit.Record{
		{Action: audit.ActionRepair, Phase: audit.PhaseNote, OpID: "op-9", Note: words},
		{Action: audit.ActionRepair, Phase: audit.PhaseNote, OpID: "op-9", Error: words},
	} {
		calls := Calls([]audit.Record{rec})
		if len(calls) != 1 || calls[0].Result != audit.PhaseNote || calls[0].Note != words || calls[0].Error != "" {
			t.Fatalf("the repair note reads %+v", calls)
		}
	}
}

// A call cut off and found on the tenant to have taken effect is "ok" with
// a note and no error, whether its log keeps the note as such or, written
// before records had a note, in error.
func TestASettledCallHasANoteAndNoError(t *testing.T) {
	const words = "resolved on resume: the tenant shows the call took effect"
	for _, res := range []audit.Record{
		{Action: "link", Phase: audit.PhaseResult, OpID: "op-1", Result: audit.ResultOK, Note: words},
		{Action: "link", Phase: audit.PhaseResult, OpID: "op-1", Result: audit.ResultOK, Error: words},
	} {
		calls := Calls([]audit.Record{{Action: "link", Phase: audit.PhaseAttempt, OpID: "op-1"}, res})
		if len(calls) != 1 || calls[0].Result != audit.ResultOK || calls[0].Note != words || calls[0].Error != "" {
			t.Fatalf("the settled call reads %+v", calls)
		}
	}
}
