package linking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// rewrite decodes a plan file as a person with an editor would see it,
// lets edit change it, seals it again (the digest recomputed, as a tester
// who knows the algorithm would), and returns the new file.
func rewrite(t *testing.T, p *linking.Plan, edit func(p *linking.Plan)) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := linking.WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var edited linking.Plan
	if err := dec.Decode(&edited); err != nil {
		t.Fatal(err)
	}
	edit(&edited)
	edited.Seal()
	buf.Reset()
	if err := linking.WritePlan(&buf, &edited); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An edited plan whose digest was recomputed is still refused when a
// step's call is not the one its operation makes, or when a call changes a
// user its step does not check: the operations are the truth.
func TestEditedPlanIsRefusedNamingTheStep(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(ops...)
	for name, tc := range map[string]struct {
		edit func(p *linking.Plan)
		want string
	}{
		"a link step that deletes another user": {func(p *linking.Plan) {
			p.Operations[0].Steps[1].Action = linking.ActionDelete
			p.Operations[0].Steps[1].Call = linking.DeleteCall(samDB)
		}, "step op1.link"},
		"a link step that links another user": {func(p *linking.Plan) {
			p.Operations[0].Steps[1].Call.Body = json.RawMessage(`{"provider":"google-oauth2","user_id":"101202303404505606707"}`)
		}, "step op1.link"},
		"a merge that sends other metadata": {func(p *linking.Plan) {
			p.Operations[0].Steps[0].Call.Body = json.RawMessage(`{"app_metadata":{"roles":["admin"]}}`)
		}, "step op1.patch"},
		"a link that no longer checks the secondary": {func(p *linking.Plan) {
			p.Operations[0].Steps[1].Expect = p.Operations[0].Steps[1].Expect[:1]
		}, "op1.link changes " + aliceGoogle},
		"the link dropped": {func(p *linking.Plan) {
			p.Operations[0].Steps = p.Operations[0].Steps[:1]
		}, "makes 2 calls"},
		"the merge and the link swapped": {func(p *linking.Plan) {
			s := p.Operations[0].Steps
			s[0], s[1] = s[1], s[0]
		}, "step op1.link: the plan says link"},
	} {
		data := rewrite(t, p, tc.edit)
		_, err := linking.ReadPlan(bytes.NewReader(data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "edited") {
			t.Errorf("%s: ReadPlan = %v, want a refusal naming %q", name, err, tc.want)
		}
		// The executor refuses it too, even given the plan without ReadPlan.
		var edited linking.Plan
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&edited); err != nil {
			t.Fatal(err)
		}
		if _, err := sb.executor().Apply(context.Background(), &edited); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Apply = %v", name, err)
		}
	}
	if w := sb.writesSent(); len(w) != 0 {
		t.Errorf("edited plans sent %v", w)
	}
	if recs := sb.auditRecords(); len(recs) != 0 {
		t.Errorf("edited plans left audit records: %+v", recs)
	}
	// An edit without a new digest is refused as edited: one the calls do
	// not show by the digest, one they do by what it breaks.
	var buf bytes.Buffer
	linking.WritePlan(&buf, p)
	for edit, want := range map[[2]string]string{
		{`"tenant":"`, `"tenant":"x`}:        "digest",
		{`"kind":"link"`, `"kind":"delete"`}: "edited",
	} {
		data := bytes.Replace(buf.Bytes(), []byte(edit[0]), []byte(edit[1]), 1)
		if _, err := linking.ReadPlan(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s under the old digest: %v", edit[1], err)
		}
	}
}

// A plan id names one plan: the same operations planned twice get two ids,
// and an empty plan has one too and applies as nothing to do.
func TestPlanIDIsUniqueAndAnEmptyPlanIsValid(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	a := sb.plan(linking.PlanDelete(sb.mustUser(weiGitHub), ""))
	b := sb.plan(linking.PlanDelete(sb.mustUser(weiGitHub), ""))
	if a.ID == b.ID || a.Digest == b.Digest || !strings.HasPrefix(a.ID, "plan-") {
		t.Errorf("two plans of the same operations: ids %s %s, digests %s %s", a.ID, b.ID, a.Digest, b.Digest)
	}
	empty := linking.NewPlan("sandbox", "tester", testNow)
	if empty.ID == "" || empty.Validate() != nil {
		t.Fatalf("empty plan: id %q, %v", empty.ID, empty.Validate())
	}
	var buf bytes.Buffer
	linking.WritePlan(&buf, empty)
	back, err := linking.ReadPlan(&buf)
	if err != nil || back.ID != empty.ID {
		t.Fatalf("empty plan read back: %v", err)
	}
	res, err := sb.executor().Apply(context.Background(), back)
	if err != nil || !res.Complete() || len(res.Steps) != 0 {
		t.Fatalf("empty plan applied: %+v %v", res, err)
	}
}

// A plan file is one line of JSON, every character a terminal would act on
// escaped as scan --json escapes it, and reads back to the same values.
func TestPlanFileIsCompactAndEscaped(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	hostile := "rtl\u202e iso\u2066 zw\u200b bom\ufeff csi\u009b[2J esc\x1b]0;x\x07"
	if _, err := sb.tenant.UpdateMetadata(context.Background(), aliceGoogle, map[string]any{"note": hostile}, nil); err != nil {
		t.Fatal(err)
	}
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(ops...)
	var buf bytes.Buffer
	if err := linking.WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	data := buf.String()
	for _, raw := range []string{"\u202e", "\u2066", "\u200b", "\ufeff", "\u009b", "\x1b", "\x07"} {
		if strings.Contains(data, raw) {
			t.Errorf("the plan file holds %q raw", raw)
		}
	}
	if strings.Count(data, "\n") != 1 || !strings.HasSuffix(data, "\n") || strings.Contains(data, "\n  ") {
		t.Errorf("the plan file is not one compact line:\n%.300s", data)
	}
	back, err := linking.ReadPlan(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Operations[0].Merge.UserMetadata["note"]; got != hostile {
		t.Errorf("the value came back as %q", got)
	}
	sb.apply(back)
	// Backups and audit records are compact and escaped too (the session
	// opens them with termsafe's escaping; here, the same option).
	dir := t.TempDir()
	escape := audit.WithJSONEscape(func(b []byte) []byte {
		return []byte(strings.NewReplacer("\u202e", `\u202e`, "\u009b", `\u009b`).Replace(string(b)))
	})
	log, _ := audit.OpenLog(filepath.Join(dir, "audit.log"), escape)
	defer log.Close()
	backups, _ := audit.OpenBackups(filepath.Join(dir, "backups"), escape)
	ex := &linking.Executor{Tenant: sb.tenant, Operator: "tester", Log: log, Backups: backups}
	if _, err := ex.Apply(context.Background(), sb.plan(linking.PlanDelete(sb.mustUser(aliceDB), ""))); err != nil {
		t.Fatal(err)
	}
	infos, _ := backups.List()
	for _, path := range []string{log.Path(), infos[0].Path} {
		raw := readFile(t, path)
		if bytes.Contains(raw, []byte("\u202e")) || bytes.Contains(raw, []byte("\u009b")) || bytes.Contains(raw, []byte("\n  ")) {
			t.Errorf("%s is not compact and escaped:\n%.400s", path, raw)
		}
	}
}

// Metadata nested deeper than MaxMetadataDepth is refused before any
// write, with a message that says what to do.
func TestDeepMetadataIsRefusedBeforeAnyWrite(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	deep := map[string]any{"leaf": true}
	for range linking.MaxMetadataDepth {
		deep = map[string]any{"k": deep}
	}
	if _, err := sb.tenant.UpdateMetadata(context.Background(), aliceGoogle, map[string]any{"deep": deep}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := linking.PlanLink(sb.mustUser(aliceDB), sb.users(aliceGoogle), sb.conns(), linking.LinkOptions{})
	se := refusal(t, err, linking.CheckMetadataTooDeep)
	if !strings.Contains(se.Reason, "34 levels") || !strings.Contains(se.Reason, "--no-merge-metadata") {
		t.Errorf("refusal %q", se.Reason)
	}
	// Without a merge there is nothing to recurse into: the link goes ahead,
	// and the backup keeps the metadata.
	ops := sb.planLink(linking.LinkOptions{NoMergeMetadata: true}, aliceDB, aliceGoogle)
	sb.apply(sb.plan(ops...))
	if w := sb.writesSent(); len(w) != 2 { // the PATCH above and the link
		t.Errorf("writes %v", w)
	}
}

// A step the journal records as done is confirmed on the tenant before it
// is reported done: a journal of work the tenant does not show (undone
// since, or another tenant's) is refused and claims nothing.
func TestJournalDoneIsConfirmedOnTheTenant(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(append(ops, linking.PlanDelete(sb.mustUser(weiGitHub), ""))...)
	journal := filepath.Join(sb.dir, "plan.journal")
	run := func() (*linking.Result, error) {
		j, err := audit.OpenJournal(journal, p.ID, p.StepIDs())
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		ex := sb.executor()
		ex.Journal = j
		return ex.Apply(context.Background(), p)
	}
	if res, err := run(); err != nil || res.Count(linking.StatusDone) != 3 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	// Run again: every step confirmed.
	res, err := run()
	if err != nil || res.Count(linking.StatusAlreadyDone) != 3 || !strings.Contains(res.Steps[1].Note, "confirmed on the tenant") {
		t.Fatalf("second run: %+v %v", res, err)
	}
	// Someone unlinks by hand: the journal's "done" no longer holds.
	if _, err := sb.tenant.Unlink(context.Background(), aliceDB, "google-oauth2", "108812345678901234567"); err != nil {
		t.Fatal(err)
	}
	writes := len(sb.writesSent())
	res, err = run()
	se := refusal(t, err, linking.CheckJournalDisagrees)
	if !strings.Contains(se.Reason, "op1.link") || res.Complete() || res.Steps[1].Status != linking.StatusRefused {
		t.Errorf("after the unlink: %s; %+v", se.Reason, res.Steps)
	}
	// The deletion after it was not reached: recorded done, not "not done".
	if st := res.Steps[2]; st.Status != linking.StatusNotRun || st.Note != linking.RecordedDoneNote {
		t.Errorf("the step after the refusal: %s %q", st.Status, st.Note)
	}
	if len(sb.writesSent()) != writes {
		t.Error("a write was made")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Two secondaries of one group holding the same role and organization: the
// first link carries them to the primary, the second carries nothing (it
// would be a call that changes nothing, and an undo of the second link
// alone would take from the primary what the first gave it).
func TestARoleTwoSecondariesHoldIsCarriedOnce(t *testing.T) {
	ten, err := emulator.LoadFixture(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	ten.Roles = []*emulator.Role{{ID: "rol_support", Name: "support"}, {ID: "rol_admin", Name: "admin"}}
	ten.Organizations = []*emulator.Organization{{ID: "org_acme", Name: "acme"}}
	for _, u := range ten.Users {
		switch u.UserID {
		case weiGoogle:
			u.Roles, u.Organizations = []string{"rol_support"}, []string{"org_acme"}
		case weiGitHub:
			u.Roles, u.Organizations = []string{"rol_support", "rol_admin"}, []string{"org_acme"}
		}
	}
	sb := newSandbox(t, emulator.Options{Tenant: ten})
	ctx := context.Background()
	access, err := linking.ReadAccess(ctx, sb.tenant, weiDB, weiGoogle, weiGitHub)
	if err != nil {
		t.Fatal(err)
	}
	ops := sb.planLink(linking.LinkOptions{Access: access}, weiDB, weiGoogle, weiGitHub)
	ids := func(op linking.Operation) string {
		var out []string
		for _, r := range op.Roles {
			out = append(out, r.ID)
		}
		for _, o := range op.Organizations {
			out = append(out, o.ID)
		}
		return strings.Join(out, ",")
	}
	if len(ops) != 2 || ids(ops[0]) != "rol_support,org_acme" || ids(ops[1]) != "rol_admin" {
		t.Fatalf("carried: %q then %q, want rol_support,org_acme then rol_admin", ids(ops[0]), ids(ops[1]))
	}
	sb.apply(sb.plan(ops...))
	st := sb.srv.Stats()
	if st.Requests[emulator.RouteAssignRoles] != 2 || st.Requests[emulator.RouteAddMembers] != 1 || st.Effects[emulator.RouteAssignRoles] != 2 || st.Effects[emulator.RouteAddMembers] != 1 {
		t.Errorf("role and membership calls %d and %d (%d and %d changed the tenant), want 2 and 1, each a change",
			st.Requests[emulator.RouteAssignRoles], st.Requests[emulator.RouteAddMembers], st.Effects[emulator.RouteAssignRoles], st.Effects[emulator.RouteAddMembers])
	}
	if u, _ := sb.srv.GetUser(weiDB); strings.Join(u.Roles, ",") != "rol_support,rol_admin" || strings.Join(u.Organizations, ",") != "org_acme" {
		t.Errorf("the primary holds %v and %v", u.Roles, u.Organizations)
	}
}

// Deleting a blocked social or enterprise account lifts its block: Auth0
// makes it again, unblocked, at its next login. The plan says so; a blocked
// database account, which the undo makes again blocked, needs no such word.
func TestDeletingABlockedSocialAccountSaysItLetsThePersonBackIn(t *testing.T) {
	const lifts = "deleting it lets whoever signs in with it in again"
	for _, tt := range []struct {
		id      string
		blocked bool
		want    bool
	}{{"google-oauth2|1", true, true}, {"samlp|acme|2", true, true}, {"google-oauth2|1", false, false}, {"auth0|3", true, false}} {
		provider, uid, _ := strings.Cut(tt.id, "|")
		u := client.User{UserID: tt.id, Blocked: tt.blocked, Identities: []client.Identity{{Provider: provider, UserID: uid, Connection: provider}}}
		op := linking.PlanDelete(u, "")
		if got := strings.Contains(strings.Join(op.Notes, "\n"), lifts); got != tt.want {
			t.Errorf("%s (blocked %v): notes %q", tt.id, tt.blocked, op.Notes)
		}
	}
}
