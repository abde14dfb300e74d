package cli

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
)

// resume --discard gave up for good on what remained of a plan and left no
// audit record of it: the log did not show that an operator chose to leave
// operations undone, nor why (--reason was kept nowhere). A discard now
// writes one record an operation it leaves (action "discard", phase
// "note": no call, no result), naming the operator, the reason, the
// tenant, the operation, its accounts, what was left and what was made
// before the cut (which stays), with the undo that takes that back.

// discardRecords are the discard records of the audit log at path.
func discardRecords(t *testing.T, path string) []audit.Record {
	t.Helper()
	recs, _, err := audit.ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(recs, func(r audit.Record) bool { return r.Action != audit.ActionDiscard })
}

// checkPaired fails the test where the audit log at path breaks what its
// readers rely on: every attempt has a result, a result without an attempt
// is only resume's finding of a call never made, and a record of no call
// (a note) shares its op_id with no other record.
func checkPaired(t *testing.T, path string) {
	t.Helper()
	recs, skipped, err := audit.ReadLog(path)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("audit log: %v, %d lines skipped", err, len(skipped))
	}
	byOp := map[string][]audit.Record{}
	for _, r := range recs {
		byOp[r.OpID] = append(byOp[r.OpID], r)
	}
	for id, rs := range byOp {
		phases := map[string]int{}
		for _, r := range rs {
			phases[r.Phase]++
		}
		switch {
		case phases[audit.PhaseNote] > 0 && len(rs) != 1:
			t.Errorf("audit log: the note %s shares its op_id with %d other records", id, len(rs)-1)
		case phases[audit.PhaseAttempt] > 1:
			t.Errorf("audit log: %d attempts with op_id %s", phases[audit.PhaseAttempt], id)
		case phases[audit.PhaseAttempt] == 1 && phases[audit.PhaseResult] == 0:
			t.Errorf("audit log: the attempt %s (%s) has no result", id, rs[0].Step)
		case phases[audit.PhaseAttempt] == 0 && phases[audit.PhaseResult] > 0 && !strings.HasPrefix(rs[0].Failed(), "resolved on resume: the call was never made"):
			t.Errorf("audit log: a result without an attempt: %+v", rs[0])
		}
	}
}

func TestResumeDiscardRecordsWhoLeftWhatAndWhy(t *testing.T) {
	e := newAccessEnv(t)
	before := tenantPeople(e.srv)
	settledCutLink(t, e)
	log := filepath.Join(e.state, "linkdesk", "audit.log")
	patch, roles := e.opIDOf(linking.ActionPatchMetadata), e.opIDOf(linking.ActionAssignRoles)
	link := e.auditRecords()[0]

	// A dry run, and a No on a terminal, record nothing.
	runCmd(t, nil, "resume", "--discard", "--reason", "dry")
	no := "n\n"
	runCmd(t, &no, "resume", "--discard", "--reason", "no")
	if recs := discardRecords(t, log); len(recs) != 0 {
		t.Fatalf("a discard not made recorded %+v", recs)
	}

	const why = "ZD-4471: the customer wants the accounts kept apart"
	r := runCmd(t, nil, "resume", "--discard", "--force", "--reason", why)
	if r.code != exitOK || !strings.Contains(r.out, "audit log: "+log+" (linkdesk audit --action discard)") {
		t.Fatalf("resume --discard --force: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	recs := discardRecords(t, log)
	if len(recs) != 1 {
		t.Fatalf("%d discard records, want 1 (one operation left): %+v", len(recs), recs)
	}
	d := recs[0]
	if d.Phase != audit.PhaseNote || d.Operator != "operator-ann" || d.Reason != why || d.Tenant != link.Tenant || d.PlanID != link.PlanID ||
		d.Discards != link.PlanID+"/op1" || d.Step != "" || !audit.IsOpID(d.OpID) || d.OpID == patch || d.OpID == roles {
		t.Errorf("the discard record: %+v", d)
	}
	if !slices.Contains(d.UserIDs, cmdAliceDB) || !slices.Contains(d.UserIDs, cmdAliceGoogle) || len(d.Emails) == 0 {
		t.Errorf("the discard record names accounts %v, emails %v", d.UserIDs, d.Emails)
	}
	for _, want := range []string{
		"left undone for good by linkdesk resume --discard: op1.member, op1.link not made; ",
		"op1.patch, op1.roles made before the cut stay on the tenant; to take them back: linkdesk undo ",
		"(the link itself was never made: it takes back only what these calls gave " + cmdAliceDB,
	} {
		if !strings.Contains(d.Note, want) {
			t.Errorf("the discard's note does not say %q: %s", want, d.Note)
		}
	}
	if !strings.Contains(d.Note, "linkdesk undo "+patch) && !strings.Contains(d.Note, "linkdesk undo "+roles) {
		t.Errorf("the discard's note names no undo of a call made (%s, %s): %s", patch, roles, d.Note)
	}
	checkPaired(t, log)

	// linkdesk audit lists it, by its action, in words and as its record.
	a := mustRun(t, "audit", "--action", "discard")
	for _, want := range []string{"operator-ann", "discard", "note", "discards: " + d.Discards, "reason:   " + why, "op1.member, op1.link not made"} {
		if !strings.Contains(a.out, want) {
			t.Errorf("linkdesk audit --action discard does not say %q:\n%s", want, a.out)
		}
	}
	j := mustRun(t, "audit", "--action", "discard", "--json")
	var got audit.Record
	if err := json.Unmarshal([]byte(j.out), &got); err != nil || got.OpID != d.OpID || got.Discards != d.Discards || got.Phase != audit.PhaseNote {
		t.Errorf("linkdesk audit --action discard --json (%v):\n%s", err, j.out)
	}

	// Undo by the discard's op_id plans what undo by a call's op_id does,
	// and takes back what the link made before the cut.
	if by, call := undoCalls(t, d.OpID), undoCalls(t, patch); by == "" || by != call {
		t.Errorf("undo %s (the discard) plans\n%s\nundo %s (its merge) plans\n%s", d.OpID, by, patch, call)
	}
	mustRun(t, "undo", d.OpID, "--force")
	if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
		t.Errorf("after the undo by the discard's op_id, the tenant is not as before:\n%s", diff)
	}
	checkPaired(t, log)
}

// undoCalls are the calls undo's dry run of opID plans, operation by
// operation, as JSON.
func undoCalls(t *testing.T, opID string) string {
	t.Helper()
	var dry struct {
		Operations []struct {
			Steps []struct {
				Call json.RawMessage `json:"call"`
			} `json:"steps"`
		} `json:"operations"`
	}
	r := runCmd(t, nil, "undo", opID, "--json")
	if err := json.Unmarshal([]byte(r.out), &dry); err != nil || r.code != exitOK || len(dry.Operations) == 0 {
		t.Fatalf("undo %s --json: exit %d (%v)\n%s%s", opID, r.code, err, r.out, r.errOut)
	}
	b, _ := json.Marshal(dry.Operations)
	return string(b)
}

// resume --discard --json names, of each operation it left, the op_id of
// its audit record; its dry run names none.
func TestResumeDiscardJSONNamesItsAuditRecord(t *testing.T) {
	e := newAccessEnv(t)
	settledCutLink(t, e)
	type discarded struct {
		Operations []struct {
			ID        string `json:"id"`
			AuditOpID string `json:"audit_op_id"`
		} `json:"operations"`
	}
	var dry, made discarded
	oneJSONValue(t, runCmd(t, nil, "resume", "--discard", "--json"), &dry)
	if len(dry.Operations) != 1 || dry.Operations[0].AuditOpID != "" {
		t.Errorf("the dry run: %+v", dry)
	}
	oneJSONValue(t, runCmd(t, nil, "resume", "--discard", "--json", "--force"), &made)
	recs := discardRecords(t, filepath.Join(e.state, "linkdesk", "audit.log"))
	if len(made.Operations) != 1 || len(recs) != 1 || made.Operations[0].AuditOpID != recs[0].OpID {
		t.Errorf("discarded: %+v; records %+v", made, recs)
	}
}

// A plan begun with --audit-log F keeps its calls in F; its discard,
// without --audit-log, is recorded in F beside them, and makes no default
// log.
func TestADiscardIsRecordedInThePlansAuditLog(t *testing.T) {
	e := newAccessEnv(t)
	f := filepath.Join(t.TempDir(), "F.log")
	lost := cutAfterCall(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/roles")
	})
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--audit-log", f, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with the network lost: %s", r.out)
	}
	lost.Store(false)
	mustRun(t, "resume")
	mustRun(t, "resume", "--discard", "--force", "--reason", "kept apart")
	if recs := discardRecords(t, f); len(recs) != 1 || recs[0].Reason != "kept apart" {
		t.Errorf("F holds the discard records %+v", recs)
	}
	checkPaired(t, f)
	if _, err := os.Stat(filepath.Join(e.state, "linkdesk", "audit.log")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the discard made the default audit log (stat: %v)", err)
	}
}
