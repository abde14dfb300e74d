package linking_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// A token without a scope one of an operation's calls needs stops the
// operation before its first write, naming the scope: the link's metadata
// merge (allowed by update:users_app_metadata) is not carried over to be
// left there when the link itself (update:users) is refused 403.
func TestAnOperationLackingAScopeStopsBeforeItsFirstWrite(t *testing.T) {
	granted := slices.DeleteFunc(slices.Clone(emulator.DefaultScopes), func(s string) bool { return s == "update:users" })
	sb := newSandbox(t, emulator.Options{Scopes: granted})
	p := sb.plan(sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)...)
	if p.Operations[0].Steps[0].Action == linking.ActionLink {
		t.Fatal("the link of alice carries no metadata first: the test needs a write before the link")
	}
	res, err := sb.executor().Apply(context.Background(), p)
	se, ok := linking.AsSafetyError(err)
	if !ok || se.Check != linking.CheckMissingScope || !strings.Contains(se.Reason, "expected any of: update:users") {
		t.Fatalf("apply without update:users: %v, %+v", err, res)
	}
	if w := sb.srv.Stats().Writes; w != 0 {
		t.Errorf("%d writes reached the tenant before the refusal", w)
	}
	if recs := sb.auditRecords(); len(recs) != 0 {
		t.Errorf("the audit log holds %d records of calls never made", len(recs))
	}
}
