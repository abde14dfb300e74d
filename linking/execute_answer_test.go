package linking_test

import (
	"context"
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

// A link after a metadata merge checks the primary as the PATCH answered
// with it (the whole user, after the write) and the secondary as the merge
// read it, one call earlier, instead of reading them again: each user is
// read by id once, before the operation's first write (two requests fewer
// per merged link than a read before every step), and the check is as
// strict for the primary; a secondary changed in that one call's time makes
// the link fail at the tenant and is then reported as changed.
func TestLinkAfterMergeChecksThePrimaryAsThePatchAnsweredIt(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops, err := linking.PlanLink(sb.mustUser(aliceDB), sb.users(aliceGoogle), sb.conns(), linking.LinkOptions{})
	if err != nil || len(ops[0].Steps) != 2 {
		t.Fatalf("plan %+v %v", ops, err)
	}
	reads := sb.srv.Stats().Requests[userRoute]
	sb.apply(sb.plan(ops...))
	// The merge reads both users; the link reads neither again.
	if n := sb.srv.Stats().Requests[userRoute] - reads; n != 2 {
		t.Errorf("%d reads by id for a merge and a link, want 2", n)
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
