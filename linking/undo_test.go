package linking_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
			!strings.Contains(err.Error(), "op1.link (POST /api/v2/users/auth0%7Cp/identities)") || !strings.Contains(err.Error(), "outcome is unknown: run `linkdesk resume` first") {
			t.Errorf("merge done %v, link unknown: %v", done, err)
		}
	}
	// No step done, none unknown: nothing to undo, and it says so.
	if _, err := linking.PlanUndo(context.Background(), nil, undoSourceOfALink(), linking.UndoRequest{}); !errors.Is(err, linking.ErrNothingToUndo) {
		t.Errorf("no step done: %v", err)
	}
}
