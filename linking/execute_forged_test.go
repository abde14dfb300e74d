package linking_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// A plan file is the operator's to edit, its digest anyone's to compute:
// apply runs the link's own safety checks again on the users as they are,
// so an operation that names accounts its plan's checks never saw is
// refused before its first write, whatever its expected states say. Only
// the overrides it names (which the audit log records) let a check through.
func TestAPlanEditedByHandCannotLinkWhatTheChecksRefuse(t *testing.T) {
	for _, tc := range []struct {
		what                 string
		primary, secondary   string
		allowDifferentEmails bool // how the edited plan was made
		dropOverride         string
		check                string
	}{
		// Made with the override, which the edit then took out.
		{"two people", samDB, weiGoogle, true, linking.CheckDifferentEmails, linking.CheckDifferentEmails},
		// A parent and a child of a family, planned as if their connection
		// allowed one account per email.
		{"a family", mikeFamily, liamFamily, false, "", linking.CheckNonUniqueEmailConnection},
	} {
		t.Run(tc.what, func(t *testing.T) {
			sb := newSandbox(t, emulator.Options{})
			conns := sb.conns()
			if tc.check == linking.CheckNonUniqueEmailConnection {
				// What the edit pretends: an enterprise connection, where
				// two accounts of one email are no family.
				conns = linking.ConnectionsFromClient([]client.Connection{{ID: "con_x", Name: "family-accounts", Strategy: "samlp"}})
			}
			ops, err := linking.PlanLink(sb.mustUser(tc.primary), sb.users(tc.secondary), conns,
				linking.LinkOptions{AllowDifferentEmails: tc.allowDifferentEmails, AllowUnverified: true})
			if err != nil {
				t.Fatal(err)
			}
			ops[0].Overrides = slices.DeleteFunc(ops[0].Overrides, func(c string) bool { return c == tc.dropOverride })
			res, err := sb.executor().Apply(context.Background(), sb.plan(ops...))
			refusal(t, err, tc.check)
			if res.Steps[0].Status != linking.StatusRefused {
				t.Errorf("first step %s: %s", res.Steps[0].Step, res.Steps[0].Status)
			}
			if w := sb.writesSent(); len(w) != 0 {
				t.Errorf("writes sent: %v", w)
			}
			if _, ok := sb.user(tc.secondary); !ok {
				t.Errorf("%s was linked away", tc.secondary)
			}
		})
	}
}

// A link planned without the roles and memberships the secondary holds
// (by hand, or read before they were given) would end them: it is refused
// before its first write (here its metadata merge), with nothing lost.
func TestALinkThatWouldEndARoleIsRefused(t *testing.T) {
	ten, err := emulator.LoadFixture(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	ten.Roles = []*emulator.Role{{ID: "rol_beta", Name: "beta-tester"}}
	ten.Organizations = []*emulator.Organization{{ID: "org_acme", Name: "acme"}}
	for _, u := range ten.Users {
		if u.UserID == aliceGoogle {
			u.Roles, u.Organizations = []string{"rol_beta"}, []string{"org_acme"}
		}
	}
	sb := newSandbox(t, emulator.Options{Tenant: ten})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle) // no Access: nothing carried
	if len(ops[0].Steps) != 2 {
		t.Fatalf("want a merge, then the link: %+v", ops[0].Steps)
	}
	res, err := sb.executor().Apply(context.Background(), sb.plan(ops...))
	se := refusal(t, err, linking.CheckAccessNotCarried)
	if res.Steps[0].Status != linking.StatusRefused || len(sb.writesSent()) != 0 {
		t.Errorf("refused after a write: %+v, writes %v", res.Steps, sb.writesSent())
	}
	for _, want := range []string{"role beta-tester", "organization acme"} {
		if !strings.Contains(se.Reason, want) {
			t.Errorf("the refusal does not name %s: %s", want, se.Reason)
		}
	}
	if _, ok := sb.user(aliceGoogle); !ok {
		t.Error("the secondary was linked away with its role")
	}
}

// A plan's names are the file's to forge too, and the operator approves
// the write on the account as the plan names it: an operation naming an
// account by an identifier it does not hold is refused before its call,
// and the audit log never names one person by another's username.
func TestAPlanEditedByHandCannotNameAnAccountByAnothersIdentifier(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	forged := linking.PlanDelete(sb.mustUser(liamFamily), "ZD-1")
	forged.Names = map[string]string{liamFamily: "username mike.miller"}
	_, err := sb.executor().Apply(context.Background(), sb.plan(forged))
	if se := refusal(t, err, linking.CheckChangedSincePlan); !strings.Contains(se.Reason, `"username mike.miller"`) {
		t.Errorf("the refusal does not say which name: %s", se.Reason)
	}
	if _, ok := sb.user(liamFamily); !ok || len(sb.writesSent()) != 0 {
		t.Fatalf("the forged plan deleted liam (writes %v)", sb.writesSent())
	}
	honest := linking.PlanDelete(sb.mustUser(mikeFamily), "ZD-2")
	honest.Names = map[string]string{mikeFamily: "username mike.miller"}
	if _, err := sb.executor().Apply(context.Background(), sb.plan(honest)); err != nil {
		t.Fatal(err)
	}
	for _, r := range sb.auditRecords() {
		if n := r.Names[r.UserIDs[0]]; r.UserIDs[0] != mikeFamily || n != "username mike.miller" {
			t.Errorf("%s record of %s names it %q", r.Phase, r.UserIDs[0], n)
		}
	}
}
