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

// update:users_app_metadata reaches app_metadata only, so the check before
// a write holds a metadata PATCH to what its body writes: without
// update:users, a link whose merge writes user_metadata is refused for its
// merge as for the link itself, before any call; one whose merge writes
// app_metadata only, for the link alone (its merge is allowed); and a
// write of app_metadata alone goes through, as the tenant takes it.
func TestAMetadataWriteBeyondAppMetadataNeedsUpdateUsers(t *testing.T) {
	granted := slices.DeleteFunc(slices.Clone(emulator.DefaultScopes), func(s string) bool { return s == "update:users" })
	if !slices.Contains(granted, "update:users_app_metadata") {
		t.Fatal("the token must hold update:users_app_metadata")
	}
	sb := newSandbox(t, emulator.Options{Scopes: granted})
	takeLanguage := map[string]linking.MergeOptions{aliceGoogle: {TakeSecondary: []string{"user_metadata.preferences.language"}}}
	for _, tc := range []struct {
		name         string
		opts         linking.LinkOptions
		userMetadata bool   // the merge writes user_metadata
		refused      string // the steps the refusal names, and the scope
	}{
		{"merge writes user_metadata", linking.LinkOptions{Merge: takeLanguage}, true,
			"lacks a scope that op1.patch and op1.link need (expected any of: update:users)"},
		{"merge writes app_metadata only", linking.LinkOptions{}, false,
			"lacks a scope that op1.link needs (expected any of: update:users)"},
	} {
		p := sb.plan(sb.planLink(tc.opts, aliceDB, aliceGoogle)...)
		merge := p.Operations[0].Steps[0]
		if merge.Action != linking.ActionPatchMetadata || strings.Contains(string(merge.Call.Body), `"user_metadata"`) != tc.userMetadata {
			t.Fatalf("%s: the link's first step is %s", tc.name, merge.Call)
		}
		_, err := sb.executor().Apply(context.Background(), p)
		se, ok := linking.AsSafetyError(err)
		if !ok || se.Check != linking.CheckMissingScope || !strings.Contains(se.Reason, tc.refused) {
			t.Errorf("%s: apply without update:users: %v, want a refusal saying %q", tc.name, err, tc.refused)
		}
	}
	if w := sb.srv.Stats().Writes; w != 0 {
		t.Errorf("%d writes reached the tenant before the refusals", w)
	}

	// A restore of app_metadata alone, as an undo makes one: allowed.
	appMeta := map[string]any{"plan": "team"}
	call, err := linking.PatchMetadataCall(aliceDB, nil, appMeta)
	if err != nil {
		t.Fatal(err)
	}
	restore := linking.Operation{Kind: linking.OpRestore, Target: aliceDB, Restore: &linking.Restore{AppMetadata: appMeta},
		Steps: []linking.Step{{Action: linking.ActionPatchMetadata, Call: call, Expect: []linking.UserState{linking.StateOf(sb.mustUser(aliceDB))}}}}
	sb.apply(sb.plan(restore))
	if got := sb.mustUser(aliceDB).AppMetadata["plan"]; got != "team" {
		t.Errorf("alice's plan after the restore of app_metadata alone: %v", got)
	}
}
