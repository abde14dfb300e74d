package linking_test

import (
	"slices"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// A link linkdesk made that carried nothing over, of an account that held
// nothing: the notes of its unlink still say who made it and when, and how
// to reach its undo (its op id once), which would do no more than the
// unlink; the accounts are the identity and the primary, which the dialog
// and the dry run name above the notes.
func TestTheUnlinkNotesOfALinkThatCarriedNothing(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	op, err := linking.PlanUnlink(sb.mustUser(samDB), "google-oauth2", "101202303404505606707", "")
	if err != nil {
		t.Fatal(err)
	}
	link := linking.Operation{Kind: linking.OpLink, Primary: samDB, Secondary: samGoogle, Steps: []linking.Step{{ID: "op1.link", Action: linking.ActionLink}}}
	linking.NoteLinkedBy(&op, linking.LinkedBy{OpID: "20260102T030400Z-0123456789abcdef", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Operator: "ann",
		Source: linking.UndoSource{Op: link, Done: map[string]bool{"op1.link": true}}})
	want := []string{
		"the identity comes back as a new account with its old profile and no metadata, roles, memberships or login history; this unlink's own undo links it again",
		"linkdesk made this link on 2026-01-02 03:04 UTC, by ann; its undo (U on its audit record, or `linkdesk undo 20260102T030400Z-0123456789abcdef`) would do no more than this unlink: the account held no metadata, roles or memberships, and the link gave the primary none",
	}
	if !slices.Equal(op.Notes, want) {
		t.Errorf("the notes are\n%q\nwant\n%q", op.Notes, want)
	}
}
