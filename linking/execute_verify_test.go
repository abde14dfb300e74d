package linking_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// tenantJob reads a job back from the tenant over HTTP, not through the
// executor that started it.
func (sb *sandbox) tenantJob(id string) client.Job {
	sb.t.Helper()
	var j client.Job
	sb.call("GET", "/api/v2/jobs/"+id, "", http.StatusOK, &j)
	return j
}

// planned is the operation a planner made, the test failing if it could not.
func (sb *sandbox) planned(op linking.Operation, err error) linking.Operation {
	sb.t.Helper()
	if err != nil {
		sb.t.Fatal(err)
	}
	return op
}

// A verification email planned and applied: one POST, exactly the planned
// call, a job the tenant holds, and an attempt and its result in the audit
// log naming the step, the account and the reason (no backup: it changes
// no data).
func TestVerificationEmailIsOneJobOnTheRecord(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(
		sb.planned(linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{ClientID: "app-1"}, "ticket 77: never got the email")),
		sb.planned(linking.PlanVerifyEmail(sb.mustUser(samDB), linking.VerifyOptions{Identity: &linking.IdentityRef{Provider: "google-oauth2", UserID: "101202303404505606707"}}, "")),
	)
	if got := p.StepIDs(); len(got) != 2 || got[0] != "op1.verify" || got[1] != "op2.verify" {
		t.Fatalf("steps %v", got)
	}
	res := sb.apply(p)

	sent := sb.writesSent()
	want := []string{
		`{"user_id":"` + mariaDB + `","client_id":"app-1"}`,
		`{"user_id":"` + samDB + `","identity":{"provider":"google-oauth2","user_id":"101202303404505606707"}}`,
	}
	if len(sent) != len(want) {
		t.Fatalf("%d writes sent, want %d: %v", len(sent), len(want), sent)
	}
	for i, c := range sent {
		if c.Method != "POST" || c.Path != "/api/v2/jobs/verification-email" || !sameJSON(c.Body, []byte(want[i])) {
			t.Errorf("write %d: %s, want POST /api/v2/jobs/verification-email %s", i, c, want[i])
		}
		if planned := p.Operations[i].Steps[0].Call; planned.Method != c.Method || planned.Path != c.Path || !sameJSON(planned.Body, c.Body) {
			t.Errorf("write %d is not the planned call %s", i, planned)
		}
	}
	if st := sb.srv.Stats(); st.Requests[emulator.RouteVerificationEmail] != 2 || st.Writes != 2 {
		t.Errorf("%d verification-email requests, %d writes: want 2 and 2", st.Requests[emulator.RouteVerificationEmail], st.Writes)
	}
	for _, s := range res.Steps {
		if s.Status != linking.StatusDone || s.Backup != "" {
			t.Errorf("step %s: %s, backup %q", s.Step, s.Status, s.Backup)
		}
	}

	recs := sb.auditRecords()
	if len(recs) != 4 {
		t.Fatalf("%d audit records, want an attempt and a result for each email: %+v", len(recs), recs)
	}
	for i, step := range []string{"op1.verify", "op2.verify"} {
		attempt, result := recs[2*i], recs[2*i+1]
		if attempt.Phase != audit.PhaseAttempt || result.Phase != audit.PhaseResult || attempt.OpID != result.OpID {
			t.Fatalf("%s: records %s %s and %s %s: want an attempt and its result", step, attempt.Phase, attempt.OpID, result.Phase, result.OpID)
		}
		if attempt.Step != step || attempt.Action != linking.ActionVerifyEmail || attempt.PlanID != p.ID || attempt.Backup != "" || len(attempt.Request) == 0 {
			t.Errorf("%s: attempt of step %s, action %s, plan %s, backup %q, request %s", step, attempt.Step, attempt.Action, attempt.PlanID, attempt.Backup, attempt.Request)
		}
		if result.Result != audit.ResultOK {
			t.Errorf("%s: result %s: %s", step, result.Result, result.Error)
		}
		// The result holds the job, and the tenant has it.
		var job client.Job
		if err := json.Unmarshal(result.Response, &job); err != nil || !strings.HasPrefix(job.ID, "job_") {
			t.Fatalf("%s: the result's response %s: %v", step, result.Response, err)
		}
		if got := sb.tenantJob(job.ID); got.Type != "verification_email" || got.ID != job.ID {
			t.Errorf("%s: the tenant's job %s is %+v", step, job.ID, got)
		}
	}
	if recs[0].Reason != "ticket 77: never got the email" || len(recs[0].UserIDs) != 1 || recs[0].UserIDs[0] != mariaDB {
		t.Errorf("the attempt names %v with reason %q", recs[0].UserIDs, recs[0].Reason)
	}
	if infos, _ := sb.backups.List(); len(infos) != 0 {
		t.Errorf("%d backups of a verification email, which changes no data", len(infos))
	}
	sb.checkRecord()
}

// The planner sends no verification email to an account verified already
// (as read by id now, whatever the scan said) or without an email.
func TestVerificationEmailIsNotPlannedForAVerifiedAccount(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	sb.call("PATCH", "/api/v2/users/"+mariaDB, `{"email_verified":true}`, http.StatusOK, nil)
	_, err := linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{}, "")
	if se := refusal(t, err, linking.CheckAlreadyVerified); !strings.Contains(se.Reason, "is verified already") || se.UserIDs[0] != mariaDB {
		t.Errorf("the refusal: %v %v", se, se.UserIDs)
	}
}

// Read-only, a verification email is refused before anything: no request,
// no record; a read-only client below the executor refuses the call too.
func TestVerificationEmailInReadOnlyModeSendsNothing(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planned(linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{}, "")))
	apiCalls := sb.srv.Stats().APICalls
	ex := sb.executor()
	ex.ReadOnly = true
	_, err := ex.Apply(context.Background(), p)
	refusal(t, err, linking.CheckReadOnly)
	if st := sb.srv.Stats(); st.APICalls != apiCalls {
		t.Errorf("a read-only apply made %d requests", st.APICalls-apiCalls)
	}
	if recs := sb.auditRecords(); len(recs) != 0 {
		t.Errorf("a read-only apply wrote %d audit records", len(recs))
	}
	ex.ReadOnly, ex.Tenant = false, sb.connect(true)
	res, err := ex.Apply(context.Background(), sb.plan(sb.planned(linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{}, ""))))
	if !errors.Is(err, client.ErrReadOnly) || res.Steps[0].Status != linking.StatusFailed {
		t.Fatalf("read-only client: %v %+v", err, res.Steps)
	}
	if n := sb.srv.Stats().Requests[emulator.RouteVerificationEmail]; n != 0 {
		t.Errorf("%d verification emails reached the tenant", n)
	}
}

// An account verified between the plan and the apply is refused (the step
// expects it unverified): no email. An account the tenant cannot email is
// a failed step, recorded, and sent once.
func TestVerificationEmailToAnAccountVerifiedSinceIsRefused(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planned(linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{}, "")))
	// Someone verifies the account by hand after the plan.
	sb.call("PATCH", "/api/v2/users/"+mariaDB, `{"email_verified":true}`, http.StatusOK, nil)
	_, err := sb.executor().Apply(context.Background(), p)
	se := refusal(t, err, linking.CheckChangedSincePlan)
	if !strings.Contains(se.Error(), "email_verified was false, now true") {
		t.Errorf("the refusal does not say what changed: %v", se)
	}
	if n := sb.srv.Stats().Requests[emulator.RouteVerificationEmail]; n != 0 {
		t.Errorf("%d verification emails sent to an account verified since the plan", n)
	}

	// An sms account has no email: the planner refuses it, and the tenant
	// says no, once, to a plan for its identity.
	const sms = "sms|64a1f2c3d4e5f60718293a4b"
	_, err = linking.PlanVerifyEmail(sb.mustUser(sms), linking.VerifyOptions{}, "")
	if se := refusal(t, err, linking.CheckNoEmail); !strings.Contains(se.Reason, "has no email") {
		t.Errorf("the refusal of an sms account: %v", se)
	}
	res, err := sb.executor().Apply(context.Background(), sb.plan(sb.planned(linking.PlanVerifyEmail(sb.mustUser(sms),
		linking.VerifyOptions{Identity: &linking.IdentityRef{Provider: "sms", UserID: "64a1f2c3d4e5f60718293a4b"}}, ""))))
	if err == nil || res.Steps[0].Status != linking.StatusFailed || !strings.Contains(res.Steps[0].Error, "no email") {
		t.Fatalf("an account without an email: %v %+v", err, res.Steps)
	}
	if n := sb.srv.Stats().Requests[emulator.RouteVerificationEmail]; n != 1 {
		t.Errorf("%d verification-email requests for one refused by the tenant, want 1", n)
	}
	recs := sb.auditRecords()
	if last := recs[len(recs)-1]; last.Phase != audit.PhaseResult || last.Result != audit.ResultError || !strings.Contains(last.Error, "400") {
		t.Errorf("the last audit record: %s %s %q, want the 400 as the result", last.Phase, last.Result, last.Error)
	}
	sb.checkRecord()
}
