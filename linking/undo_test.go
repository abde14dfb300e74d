package linking_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// undoSourceOfALink is the source of an undo of a link of two steps (a
// merge, then the link), none of whose calls is recorded done.
func undoSourceOfALink() linking.UndoSource {
	op := linking.Operation{ID: "op1", Kind: linking.OpLink, Primary: "auth0|p", Secondary: "google-oauth2|s", Steps: []linking.Step{
		{ID: "op1.patch", Action: linking.ActionPatchMetadata, Call: linking.Call{Method: "PATCH", Path: "/api/v2/users/auth0%7Cp"}},
		{ID: "op1.link", Action: linking.ActionLink, Call: linking.Call{Method: "POST", Path: "/api/v2/users/auth0%7Cp/identities"}},
	}}
	return linking.UndoSource{PlanID: "plan-1", Op: op, OpID: "x", Done: map[string]bool{}, Unknown: map[string]bool{}}
}

// A step whose outcome is unknown (cut off during its call, not settled)
// refuses the undo, naming it and `linkdesk resume`, before any read of
// the tenant; never "nothing to undo", even when no step is recorded done,
// nor an undo planned from the steps known done.
func TestUndoOfAnOperationWithAnUnknownOutcomeIsRefused(t *testing.T) {
	for _, done := range []bool{false, true} {
		src := undoSourceOfALink()
		src.Done["op1.patch"] = done
		src.Unknown["op1.link"] = true
		_, err := linking.PlanUndo(context.Background(), nil, src, linking.UndoRequest{})
		se, ok := linking.AsSafetyError(err)
		if !ok || se.Check != linking.CheckOutcomeUnknown || errors.Is(err, linking.ErrNothingToUndo) ||
			!strings.Contains(err.Error(), "op1.link (POST /api/v2/users/auth0%7Cp/identities)") || !strings.Contains(err.Error(), "outcome is unknown: run `linkdesk resume plan-1` first") {
			t.Errorf("merge done %v, link unknown: %v", done, err)
		}
	}
	// No step done, none unknown: nothing to undo, and it says so.
	if _, err := linking.PlanUndo(context.Background(), nil, undoSourceOfALink(), linking.UndoRequest{}); !errors.Is(err, linking.ErrNothingToUndo) {
		t.Errorf("no step done: %v", err)
	}
}

// undoSourceOf is the source of the undo of the first operation of p, as
// res carried it out: its steps done, its backups read back.
func undoSourceOf(t *testing.T, p *linking.Plan, res *linking.Result) linking.UndoSource {
	t.Helper()
	src := linking.UndoSource{PlanID: p.ID, Op: p.Operations[0], OpID: "x", Done: map[string]bool{}, Unknown: map[string]bool{}, Backups: map[string]*audit.Backup{}}
	for _, st := range res.Steps {
		if st.Op != src.Op.ID {
			continue
		}
		if st.Status == linking.StatusDone {
			src.Done[st.Step] = true
		}
		if st.Backup != "" {
			b, err := audit.ReadBackup(st.Backup)
			if err != nil {
				t.Fatal(err)
			}
			src.Backups[st.Step] = b
		}
	}
	return src
}

// The undo of a link gives the secondary back its metadata from before
// the link. When the secondary stands on its own again before the undo
// (unlinked since, or given back by an earlier run of the same undo) and
// was written to since, the undo used to restore the whole backup over it
// unsaid: every key written since nulled, every key changed since set
// back, no conflict. Now, as the undo of a deletion does, a key changed
// since is a conflict (restored only with the override), and a key the
// backup lacks is left as it is.
func TestTheUndoOfALinkKeepsWhatTheSecondaryGainedSince(t *testing.T) {
	ctx := context.Background()
	before := map[string]any{"language": "vi", "theme": "light"} // alice's Google account's preferences before the link
	written := map[string]any{"newkey": "written since", "preferences": map[string]any{"theme": "blue"}}
	for _, tc := range []struct {
		name string
		// since stands the secondary on its own again after the link
		// (p, res): an unlink, or the undo itself, applied.
		since func(sb *sandbox, p *linking.Plan, res *linking.Result)
	}{
		{"unlinked since", func(sb *sandbox, _ *linking.Plan, _ *linking.Result) {
			provider, id, _ := strings.Cut(aliceGoogle, "|")
			unlink, err := linking.PlanUnlink(sb.mustUser(aliceDB), provider, id, "")
			if err != nil {
				t.Fatal(err)
			}
			sb.apply(sb.plan(unlink))
		}},
		{"undone once already", func(sb *sandbox, p *linking.Plan, res *linking.Result) {
			up, err := linking.PlanUndo(ctx, sb.tenant, undoSourceOf(t, p, res), linking.UndoRequest{Conns: sb.conns()})
			if err != nil || len(up.Conflicts) > 0 {
				t.Fatalf("the first undo: %v %v", err, up)
			}
			sb.apply(sb.plan(up.Ops...))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t, emulator.Options{})
			p := sb.plan(sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)...)
			res := sb.apply(p)
			tc.since(sb, p, res)
			if _, err := sb.tenant.UpdateMetadata(ctx, aliceGoogle, written, nil); err != nil { // an app writes to it
				t.Fatal(err)
			}

			up, err := linking.PlanUndo(ctx, sb.tenant, undoSourceOf(t, p, res), linking.UndoRequest{Conns: sb.conns()})
			if err != nil {
				t.Fatalf("the undo: %v", err)
			}
			var conflicts []string
			for _, c := range up.Conflicts {
				conflicts = append(conflicts, c.String())
				if c.UserID == aliceGoogle && c.What == "user_metadata.preferences" &&
					(!reflect.DeepEqual(c.Before, before) || !reflect.DeepEqual(c.Now, written["preferences"])) {
					t.Errorf("the conflict's values: before %v, now %v", c.Before, c.Now)
				}
			}
			if want := aliceGoogle + " user_metadata.preferences: set to {\"theme\":\"blue\"} since"; len(conflicts) != 1 || !strings.HasPrefix(conflicts[0], want) {
				t.Errorf("conflicts %q, want only %q…", conflicts, want)
			}
			for _, op := range up.Ops {
				if !slices.Contains(op.Overrides, linking.CheckUndoConflict) {
					t.Errorf("%s of %s does not name the override it needs: %v", op.Kind, op.Target, op.Overrides)
				}
				for _, s := range op.Steps {
					if strings.Contains(string(s.Call.Body), "newkey") {
						t.Errorf("the undo touches the key written since: %s %s %s", s.Call.Method, s.Call.Path, s.Call.Body)
					}
				}
			}

			// Forced (--overwrite, F): the key changed since is restored,
			// the key written since stays.
			sb.apply(sb.plan(up.Ops...))
			um, am := linking.UserMetadata(sb.mustUser(aliceGoogle))
			if um["newkey"] != "written since" || !reflect.DeepEqual(um["preferences"], before) {
				t.Errorf("user_metadata after the undo: %v", um)
			}
			if string(linking.MustJSON(am)) != `{"plan":"free","roles":["beta"]}` {
				t.Errorf("app_metadata after the undo: %s", linking.MustJSON(am))
			}
		})
	}
}
