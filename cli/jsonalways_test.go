package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// oneJSONValue is the one JSON value stdout holds, decoded into v.
func oneJSONValue(t *testing.T, r cmdRun, v any) {
	t.Helper()
	values := jsonValues(t, r.out)
	if len(values) != 1 {
		t.Fatalf("stdout holds %d JSON values, want 1 (exit %d):\n%s\nstderr:\n%s", len(values), r.code, r.out, r.errOut)
	}
	if err := json.Unmarshal(values[0], v); err != nil {
		t.Fatalf("stdout: %v\n%s", err, r.out)
	}
}

// resume --json with nothing to settle printed its prose on stdout
// (tester): it prints a JSON value, the prose on stderr.
func TestResumeJSONWithNothingToSettleIsJSON(t *testing.T) {
	newWriteEnv(t)
	for _, extra := range [][]string{nil, {"--force"}, {"--discard"}, {"--read-only"}} {
		args := append([]string{"resume", "--json"}, extra...)
		r := runCmd(t, nil, args...)
		var got struct {
			Operations []json.RawMessage `json:"operations"`
			Message    string            `json:"message"`
		}
		oneJSONValue(t, r, &got)
		if r.code != exitOK || got.Operations == nil || len(got.Operations) != 0 || !strings.HasPrefix(got.Message, "Nothing to settle on ") ||
			!strings.Contains(r.errOut, "Nothing to settle on ") {
			t.Errorf("%v: exit %d, %+v\nstdout:\n%s\nstderr:\n%s", args, r.code, got, r.out, r.errOut)
		}
	}
}

// resume --discard --json of a link cut off after its merge and its role
// printed nothing on stdout (tester): it names the operation discarded,
// the calls made of it, which stay on the tenant, and the undo that takes
// them back.
func TestResumeDiscardJSONNamesWhatWasMadeAndItsUndo(t *testing.T) {
	e := newAccessEnv(t)
	linkCutAfterItsRole(t, e)
	r := runCmd(t, nil, "resume", "--discard", "--force", "--json")
	var got struct {
		Plan       string `json:"plan_id"`
		Discarded  bool   `json:"discarded"`
		Operations []struct {
			ID         string   `json:"id"`
			LeftUndone []string `json:"left_undone"`
			Made       []struct {
				Step string `json:"step"`
				Call struct {
					Method string `json:"method"`
					Path   string `json:"path"`
				} `json:"call"`
			} `json:"made"`
			UndoOpID string `json:"undo_op_id"`
		} `json:"operations"`
	}
	oneJSONValue(t, r, &got)
	if r.code != exitOK || !got.Discarded || got.Plan == "" || len(got.Operations) != 1 {
		t.Fatalf("exit %d, %+v\n%s", r.code, got, r.out)
	}
	op := got.Operations[0]
	if op.ID != "op1" || strings.Join(op.LeftUndone, " ") != "op1.member op1.link" || len(op.Made) != 2 ||
		op.Made[0].Step != "op1.patch" || op.Made[1].Step != "op1.roles" || op.Made[1].Call.Method != http.MethodPost {
		t.Errorf("operation %+v", op)
	}
	if steps := e.stepsOf(op.UndoOpID); len(steps) == 0 || (steps[0] != "op1.patch" && steps[0] != "op1.roles") {
		t.Errorf("undo_op_id %q is of %v, not of a call made", op.UndoOpID, steps)
	}
	if !strings.Contains(r.errOut, "to take them back: linkdesk undo "+op.UndoOpID) {
		t.Errorf("stderr does not say the undo:\n%s", r.errOut)
	}
}

// undo --force --json of an operation undone already printed nothing on
// stdout (tester); without --force it printed {"operations": []}: both
// print that object now, with the message, and exit 0.
func TestUndoForceJSONWithNothingToUndoIsJSON(t *testing.T) {
	e := newAccessEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	opID := e.opIDOf("patch_metadata")
	mustRun(t, "undo", opID, "--force")
	writes := e.userWrites()
	for _, force := range []bool{false, true} {
		args := []string{"undo", opID, "--json"}
		if force {
			args = append(args, "--force")
		}
		r := runCmd(t, nil, args...)
		var got struct {
			Operations []json.RawMessage `json:"operations"`
			Message    string            `json:"message"`
		}
		oneJSONValue(t, r, &got)
		if r.code != exitOK || got.Operations == nil || len(got.Operations) != 0 || !strings.HasPrefix(got.Message, "Nothing to undo now") {
			t.Errorf("%v: exit %d, %+v\n%s%s", args, r.code, got, r.out, r.errOut)
		}
	}
	if e.userWrites() != writes {
		t.Error("an undo of nothing wrote")
	}
}

// The undo of a deleted enterprise account, a database identity linked
// into it, can make nothing until it logs in again: the text dry run
// exits 3 (not_undoable_now), the JSON one exited 0 with no operations
// (tester). Both JSON runs exit 3 and hold the notes that say why.
func TestUndoJSONThatCanMakeNothingYetIsRefusedWithItsNotes(t *testing.T) {
	e := deletedEnterpriseWithALinkedDatabaseAccount(t)
	writes := e.userWrites()
	for _, force := range []bool{false, true} {
		args := []string{"undo", e.opIDOf("delete"), "--json"}
		if force {
			args = append(args, "--force")
		}
		r := runCmd(t, nil, args...)
		var got struct {
			Operations []json.RawMessage `json:"operations"`
			Notes      []string          `json:"notes"`
			Refused    string            `json:"refused"`
		}
		oneJSONValue(t, r, &got)
		if r.code != exitRefused || !strings.Contains(r.errOut, "(not_undoable_now)") || len(got.Operations) != 0 || len(got.Notes) == 0 ||
			got.Refused != "not_undoable_now" || !strings.Contains(r.errOut, "note: "+got.Notes[0]) {
			t.Errorf("%v: exit %d, want 3 not_undoable_now with notes; %+v\n%s%s", args, r.code, got, r.out, r.errOut)
		}
	}
	if n := e.userWrites() - writes; n != 0 {
		t.Errorf("the undo made %d writes", n)
	}
}

// ticket --json printed the URL and the user id alone: a script
// forwarding the URL never saw that other accounts share the inbox
// (tester). The warning is data beside the URL, with the op_id.
func TestTicketJSONSaysTheInboxIsShared(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "ticket", cmdLiam, "--force", "--json")
	var got struct {
		Ticket      string `json:"ticket"`
		UserID      string `json:"user_id"`
		OpID        string `json:"op_id"`
		SharedEmail *struct {
			Email    string   `json:"email"`
			Accounts int      `json:"accounts"`
			Others   []string `json:"others"`
		} `json:"shared_email"`
		Note string `json:"note"`
	}
	oneJSONValue(t, r, &got)
	want := "Auth0 sent nothing: this URL is shown only here. 2 other accounts share the email the.millers@gmail.com: sent to that inbox, it reaches everyone who reads it and sets liam.miller's password: give it to that person by a channel only they read; it works once."
	if r.code != exitOK || !strings.HasPrefix(got.Ticket, "http") || got.UserID != cmdLiam || got.Note != want || !strings.Contains(r.errOut, want) {
		t.Fatalf("exit %d, %+v\n%s\n%s", r.code, got, r.out, r.errOut)
	}
	if sh := got.SharedEmail; sh == nil || sh.Email != "the.millers@gmail.com" || sh.Accounts != 2 || len(sh.Others) != 2 ||
		!strings.Contains(strings.Join(sh.Others, " "), "mike.miller ("+cmdMike+")") {
		t.Errorf("shared_email %+v", got.SharedEmail)
	}
	if steps := e.stepsOf(got.OpID); len(steps) == 0 || steps[0] != "op1.ticket" {
		t.Errorf("op_id %q names steps %v", got.OpID, steps)
	}
	// Alone on its email: no shared_email, the note all the same.
	r = runCmd(t, nil, "ticket", cmdSam, "--force", "--json")
	got.SharedEmail, got.Note = nil, ""
	oneJSONValue(t, r, &got)
	if r.code != exitOK || got.SharedEmail != nil || !strings.Contains(got.Note, "Give it to the person by a channel you trust") {
		t.Errorf("ticket of an account alone on its email: exit %d\n%s", r.code, r.out)
	}
}
