package session

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
)

// A discard is on record: DiscardWithReason writes one note record an
// operation it leaves, before the journal ends, in the log the plan's
// calls keep to; a discard refused writes none. Its op_id leads undo to the
// operation it names: what was made of it is taken back, and of an
// operation never begun there is nothing to undo.
func TestADiscardIsOnRecordOperationByOperation(t *testing.T) {
	ctx := context.Background()
	s, p, list := cutOffLinkAndDelete(t)
	discards := func() []audit.Record { return discardsIn(t, s) }
	if _, recs, err := s.DiscardWithReason(list[0], "refused"); err == nil || len(recs) != 0 || len(discards()) != 0 {
		t.Fatalf("a discard of a step whose outcome is unknown: %v, recorded %+v", err, discards())
	}
	if _, err := s.Settle(ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	patch := opIDOf(t, s, p.ID, "op1.patch")
	log, recs, err := s.DiscardWithReason(list[0], "ZD-12: not wanted")
	if err != nil || log != s.Paths.AuditLog || len(recs) != 2 {
		t.Fatalf("discard: %v, in %s, %+v", err, log, recs)
	}
	onDisk := discards()
	if len(onDisk) != 2 || onDisk[0].OpID != recs[0].OpID || onDisk[1].OpID != recs[1].OpID {
		t.Fatalf("the log holds %+v, the discard returned %+v", onDisk, recs)
	}
	link, del := onDisk[0], onDisk[1]
	for _, r := range onDisk {
		if r.Phase != audit.PhaseNote || r.Operator != s.Operator || !audit.SameTenant(r.Tenant, s.Name) || r.Reason != "ZD-12: not wanted" || r.PlanID != p.ID || r.Step != "" {
			t.Errorf("discard record %+v", r)
		}
	}
	if link.Discards != p.ID+"/op1" || !slices.Equal(link.UserIDs, []string{aliceDB, aliceGoogle}) ||
		link.Note != "left undone for good by linkdesk resume --discard: op1.link not made; op1.patch made before the cut stays on the tenant; to take it back: linkdesk undo "+patch+
			" (the link itself was never made: it takes back only what these calls gave "+aliceDB+"; its dry run shows the calls first)" {
		t.Errorf("the link's discard: %+v", link)
	}
	if del.Discards != p.ID+"/op2" || !slices.Contains(del.UserIDs, sam) || !strings.HasPrefix(del.Note, "left undone for good by linkdesk resume --discard: op2.") ||
		!strings.HasSuffix(del.Note, " not made") {
		t.Errorf("the deletion's discard: %+v", del)
	}
	// As calls (linkdesk audit, the TUI), each is one, of its own op_id.
	calls, _, err := ReadCalls(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(calls, func(c Call) bool { return c.OpID == link.OpID }); i < 0 || calls[i].Result != audit.PhaseNote ||
		calls[i].Discards != link.Discards || calls[i].Reason != link.Reason || len(calls[i].Records) != 1 || calls[i].Note != link.Note {
		t.Errorf("the discard as a call: %+v", calls)
	}
	if again, _ := s.Unsettled(); len(again) != 0 {
		t.Errorf("still unsettled after the discard: %+v", again)
	}

	// Undo by the discard's op_id is the undo of the operation it names.
	byDiscard, _, err := s.UndoPlan(ctx, link.OpID, "")
	if err != nil {
		t.Fatal(err)
	}
	byCall, _, err := s.UndoPlan(ctx, patch, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(byDiscard.Operations) != 1 || byDiscard.Operations[0].Undoes.String() != p.ID+"/op1" || stepCalls(byDiscard) != stepCalls(byCall) {
		t.Errorf("undo by the discard's op_id: %+v\nby the merge's: %+v", byDiscard.Operations, byCall.Operations)
	}
	if _, _, err := s.UndoPlan(ctx, del.OpID, ""); !errors.Is(err, linking.ErrNothingToUndo) {
		t.Errorf("undo of a deletion never begun, by its discard's op_id: %v", err)
	}
}

// cutOffLinkAndDelete is a session on a tenant where a plan of a link
// (alice's Google account into her database one) and a deletion (sam) was
// cut off during the link's metadata merge, whose outcome is not settled:
// its one unsettled write is list[0].
func cutOffLinkAndDelete(t *testing.T) (s *Session, p *linking.Plan, list []Unsettled) {
	t.Helper()
	f := newFixture(t)
	cutCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := f.session(t, cutTenant{Tenant: f.real, cancel: cancel, lost: new(atomic.Bool)}, "sandbox")
	users, err := cut.Users(cutCtx, aliceDB, aliceGoogle, sam)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := cut.Connections(cutCtx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:2], conns, linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p = cut.NewPlan(append(ops, linking.PlanDelete(users[2], "sam asked"))...)
	if _, err := cut.Apply(cutCtx, p, ApplyOptions{}); !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off run: %v", err)
	}
	s = f.session(t, f.real, "sandbox")
	list, _ = s.Unsettled()
	if len(list) != 1 {
		t.Fatalf("unsettled: %+v", list)
	}
	return s, p, list
}

// discardsIn are the discard records of s's audit log.
func discardsIn(t *testing.T, s *Session) []audit.Record {
	t.Helper()
	recs, _, err := audit.ReadLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(recs, func(r audit.Record) bool { return r.Action != audit.ActionDiscard })
}

// A discard cut off between its audit records and its journal's end is
// discarded again by the next one, which keeps the records the first one
// wrote: each operation left is on record once, under the first op_id.
func TestADiscardCutOffAfterItsRecordsIsRecordedOnce(t *testing.T) {
	s, _, list := cutOffLinkAndDelete(t)
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	// The first discard, up to its cut: its records are in the log, its
	// journal still lists the steps pending.
	j, release, err := s.openJournal(list[0].PlanID, list[0].Journal, list[0].Plan.StepIDs())
	if err != nil {
		t.Fatal(err)
	}
	log, done, err := s.logOf(j)
	if err != nil {
		t.Fatal(err)
	}
	first := s.discardRecords(list[0], j.Steps(), "ZD-12: not wanted")
	if err := log.Append(first[0]); err != nil { // cut after its first record
		t.Fatal(err)
	}
	done()
	release()
	again, _ := s.Unsettled()
	if len(again) != 1 {
		t.Fatalf("the discard cut off left %d unsettled writes, not 1", len(again))
	}
	_, recs, err := s.DiscardWithReason(again[0], "ZD-12: again")
	if err != nil {
		t.Fatal(err)
	}
	onDisk := discardsIn(t, s)
	if len(onDisk) != 2 || len(recs) != 2 || onDisk[0].OpID != first[0].OpID || recs[0].OpID != first[0].OpID ||
		onDisk[0].Reason != "ZD-12: not wanted" || onDisk[1].Discards != first[1].Discards || recs[1].OpID != onDisk[1].OpID {
		t.Errorf("the log holds %+v\nthe second discard returned %+v", onDisk, recs)
	}
	if left, _ := s.Unsettled(); len(left) != 0 {
		t.Errorf("still unsettled after the second discard: %+v", left)
	}
}

// stepCalls are the calls of p's steps, as JSON.
func stepCalls(p *linking.Plan) string {
	var calls []linking.Call
	for _, op := range p.Operations {
		for _, st := range op.Steps {
			calls = append(calls, st.Call)
		}
	}
	b, _ := json.Marshal(calls)
	return string(b)
}

// A discard of a plan whose copy is gone still says, operation by
// operation as its journal's steps name them, what was left.
func TestDiscardRecordsWithoutThePlan(t *testing.T) {
	s := &Session{Name: "example.auth0.com", Operator: "ann"}
	steps := []audit.StepStatus{
		{ID: "op1.patch", State: audit.StepDone}, {ID: "op1.link", State: audit.StepPending},
		{ID: "op2.delete", State: audit.StepSkipped},
		{ID: "op3.verify", State: audit.StepFailed},
	}
	recs := s.discardRecords(Unsettled{PlanID: "plan-x"}, steps, "why")
	if len(recs) != 2 || recs[0].Discards != "plan-x/op1" || recs[1].Discards != "plan-x/op3" ||
		recs[0].Note != "left undone for good by linkdesk resume --discard: op1.link not made; op1.patch made before the cut" ||
		recs[1].Note != "left undone for good by linkdesk resume --discard: op3.verify not made" || recs[0].Reason != "why" || recs[0].Operator != "ann" {
		t.Errorf("%+v", recs)
	}
}
