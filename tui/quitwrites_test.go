package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
)

// TestQuittingListsOnlyWritesThatSentACall: ctrl+c while writes are in
// flight cancels them; once they return, only a write a call of which went
// out (or may have) is said to be cut off. One that stopped in the reads
// before its first call sent nothing, and one that finished as the program
// quit is no write cut off either: it is said to have finished (the
// operator quit believing it stopped).
func TestQuittingListsOnlyWritesThatSentACall(t *testing.T) {
	m, cancel := testModel(t)
	defer cancel()
	result := func(st linking.StepStatus) *linking.Result {
		return &linking.Result{Steps: []linking.StepReport{{Step: "op1.link", Status: st}}}
	}
	// Each write waits for the quit, then returns as the executor would.
	writes := []struct {
		label string
		end   func(ctx context.Context) (any, error)
	}{
		{"link in its reads", func(ctx context.Context) (any, error) {
			return result(linking.StatusNotRun), fmt.Errorf("%w: reading users: %v", linking.ErrInterrupted, ctx.Err())
		}},
		{"ticket in its reads", func(ctx context.Context) (any, error) { return "", Unsent(ctx.Err()) }},
		{"link with its answer lost", func(ctx context.Context) (any, error) {
			return result(linking.StatusUnknown), fmt.Errorf("%w: %v", linking.ErrInterrupted, ctx.Err())
		}},
		{"ticket, no result", func(ctx context.Context) (any, error) { return "", errors.New("cut off") }},
		{"link cut at its third call", func(ctx context.Context) (any, error) {
			return &linking.Result{Steps: []linking.StepReport{{Step: "op1.patch", Status: linking.StatusDone},
				{Step: "op1.roles", Status: linking.StatusDone}, {Step: "op1.link", Status: linking.StatusUnknown}}}, fmt.Errorf("%w: %v", linking.ErrInterrupted, ctx.Err())
		}},
		{"delete done", func(ctx context.Context) (any, error) { return result(linking.StatusDone), nil }},
		// Its call went out, and reading the tenant on the way out shows it
		// did not take effect: the tenant is as it was (tester: said to have
		// sent nothing, though its attempt was on record).
		{"delete found not made", func(ctx context.Context) (any, error) {
			return &linking.Result{Steps: []linking.StepReport{{Step: "op1.delete", Status: linking.StatusNotRun, OpID: "20261201T064049Z-0123456789abcdef",
				Note: "interrupted; reading the tenant shows the call did not take effect"}}}, fmt.Errorf("%w during step op1.delete", linking.ErrInterrupted)
		}},
	}
	var runs []tea.Cmd
	for _, w := range writes {
		end := w.end
		unknowable := ""
		if strings.HasPrefix(w.label, "ticket") {
			unknowable = "a ticket may have been made"
		}
		_, cmd := m.Update(WriteRequest{Task: NewTask(), Label: w.label, Unknowable: unknowable, Run: func(ctx context.Context) (any, error) {
			<-ctx.Done()
			return end(ctx)
		}})
		runs = append(runs, cmd)
	}
	_, quit := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	_ = quit // every call cancelled as ctrl+c was handled
	for _, run := range runs {
		go run() // the write's goroutine returns after the program has quit
	}
	if got, want := m.WriteLabels(), []string{"link with its answer lost", "ticket, no result", "link cut at its third call (2 of its 3 calls done before it was cut off)"}; !slices.Equal(got, want) {
		t.Errorf("cut off: %q, want %q", got, want)
	}
	if got, want := m.UnsentWriteLabels(), []string{"link in its reads", "ticket in its reads"}; !slices.Equal(got, want) {
		t.Errorf("nothing sent: %q, want %q", got, want)
	}
	if got, want := m.FinishedWriteLabels(), []string{"delete done"}; !slices.Equal(got, want) {
		t.Errorf("finished as the program quit: %q, want %q", got, want)
	}
	if got, want := m.NotMadeWriteLabels(), []string{"delete found not made"}; !slices.Equal(got, want) {
		t.Errorf("sent, found not made: %q, want %q", got, want)
	}
	// What resume can do with those cut off: read the links; of the ticket,
	// its own words (the one in its reads sent nothing: no words of it).
	if unknowable, readable := m.CutOffLeaves(); !slices.Equal(unknowable, []string{"a ticket may have been made"}) || !readable {
		t.Errorf("cut off: unknowable %q, readable %v", unknowable, readable)
	}
}
