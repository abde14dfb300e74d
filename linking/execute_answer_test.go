package linking_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// patchThenTenant lets another operator act just before the tenant
// receives a metadata PATCH: after the executor's check, before its call.
type patchThenTenant struct {
	client.Tenant
	meanwhile func()
}

func (p patchThenTenant) UpdateMetadata(ctx context.Context, id string, um, am map[string]any) (client.User, error) {
	p.meanwhile()
	return p.Tenant.UpdateMetadata(ctx, id, um, am)
}

// afterPatchTenant lets another operator act just after a metadata PATCH
// is answered: between a merge and the link after it.
type afterPatchTenant struct {
	client.Tenant
	meanwhile func()
}

func (p afterPatchTenant) UpdateMetadata(ctx context.Context, id string, um, am map[string]any) (client.User, error) {
	u, err := p.Tenant.UpdateMetadata(ctx, id, um, am)
	p.meanwhile()
	return u, err
}

// A link after a metadata merge checks the primary as the PATCH answered
// with it (the whole user, after the write), and reads both users again
// just before the link, which ends the secondary: four reads by id for a
// merged link. A secondary changed between the merge and the link (blocked, or
// given metadata the merge did not carry), or a primary blocked then, is
// refused with nothing linked: the link would end the secondary's block and
// lose its metadata, or lock its person out.
func TestLinkAfterMergeChecksThePrimaryAsThePatchAnsweredIt(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops, err := linking.PlanLink(sb.mustUser(aliceDB), sb.users(aliceGoogle), sb.conns(), linking.LinkOptions{})
	if err != nil || len(ops[0].Steps) != 2 {
		t.Fatalf("plan %+v %v", ops, err)
	}
	reads := sb.srv.Stats().Requests[userRoute]
	sb.apply(sb.plan(ops...))
	// The merge reads both users; the link reads both again.
	if n := sb.srv.Stats().Requests[userRoute] - reads; n != 4 {
		t.Errorf("%d reads by id for a merge and a link, want 4", n)
	}
	sb.checkRecord()

	for _, meanwhile := range []struct {
		what, body, changed string
		check               string
	}{
		{"blocked", `{"blocked":true}`, "blocked", linking.CheckBlockedAccount},
		{"given metadata", `{"user_metadata":{"set_during_apply":"important"}}`, "user_metadata", linking.CheckChangedSincePlan},
		{"primary blocked", `{"blocked":true}`, "is blocked and", linking.CheckBlockedAccount},
	} {
		sb := newSandbox(t, emulator.Options{})
		ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
		ex := sb.executor()
		changed := aliceGoogle
		if meanwhile.what == "primary blocked" {
			changed = aliceDB
		}
		ex.Tenant = afterPatchTenant{sb.tenant, func() {
			sb.call("PATCH", "/api/v2/users/"+url.PathEscape(changed), meanwhile.body, http.StatusOK, nil)
		}}
		res, err := ex.Apply(context.Background(), sb.plan(ops...))
		se := refusal(t, err, meanwhile.check)
		if !strings.Contains(se.Reason, changed) || !strings.Contains(se.Reason, meanwhile.changed) {
			t.Errorf("secondary %s after the merge: reason %q", meanwhile.what, se.Reason)
		}
		if res.Steps[0].Status != linking.StatusDone || res.Steps[1].Status != linking.StatusRefused {
			t.Errorf("secondary %s after the merge: report %+v", meanwhile.what, res.Steps)
		}
		if _, ok := sb.user(aliceGoogle); !ok {
			t.Errorf("secondary %s after the merge: linked away", meanwhile.what)
		}
	}
	sb.checkRecord()

	// Another operator deletes the secondary between the merge's check and
	// its PATCH: the link is refused by the tenant, and reported as a change.
	sb = newSandbox(t, emulator.Options{})
	ops = sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	ex := sb.executor()
	ex.Tenant = patchThenTenant{sb.tenant, func() {
		if err := sb.tenant.DeleteUser(context.Background(), aliceGoogle); err != nil {
			t.Fatal(err)
		}
	}}
	res, err := ex.Apply(context.Background(), sb.plan(ops...))
	refusal(t, err, linking.CheckChangedSincePlan)
	if res.Steps[0].Status != linking.StatusDone || res.Steps[1].Status != linking.StatusRefused {
		t.Errorf("report %+v", res.Steps)
	}
	if u := sb.mustUser(aliceDB); len(u.Identities) != 1 {
		t.Errorf("the primary has %d identities after a refused link", len(u.Identities))
	}

	// Another operator links an account into the primary between the
	// merge's check and its PATCH: the PATCH's answer shows it, and the
	// link is refused without being sent.
	sb = newSandbox(t, emulator.Options{})
	ops = sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	ex = sb.executor()
	ex.Tenant = patchThenTenant{sb.tenant, func() {
		if _, err := sb.tenant.Link(context.Background(), aliceDB, client.LinkTarget{Provider: "google-oauth2", UserID: "114455667788990011223"}); err != nil {
			t.Fatal(err)
		}
	}}
	res, err = ex.Apply(context.Background(), sb.plan(ops...))
	se := refusal(t, err, linking.CheckChangedSincePlan)
	if !strings.Contains(se.Reason, aliceDB+": identities were") {
		t.Errorf("reason %q", se.Reason)
	}
	if res.Steps[0].Status != linking.StatusDone || res.Steps[1].Status != linking.StatusRefused {
		t.Errorf("report %+v", res.Steps)
	}
	for _, c := range sb.writesSent() {
		if strings.HasSuffix(c.Path, "/identities") && strings.Contains(string(c.Body), "108812345678901234567") {
			t.Errorf("the link was sent: %s", c)
		}
	}
	if _, ok := sb.user(aliceGoogle); !ok {
		t.Error("the secondary was linked away")
	}
}
