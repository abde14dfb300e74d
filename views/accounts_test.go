package views

import (
	"context"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/tui"
)

func TestTheQuitQuestionCountsOnlyWritesStillInFlight(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	task := tui.NewTask()
	h.m.Update(tui.WriteRequest{Task: task, Label: "link google-oauth2|1 into auth0|2", Run: func(context.Context) (any, error) { return nil, nil }})
	h.press("q")
	h.mustShow("1 write in flight", "link google-oauth2|1 into auth0|2")
	h.send(tui.WriteDoneMsg{Task: task, Label: "link google-oauth2|1 into auth0|2"})
	h.mustShow("Every write has finished meanwhile")
	if strings.Contains(h.screen(), "still waiting") || strings.Contains(h.screen(), "in flight?") {
		t.Fatalf("the question still counts the finished write:\n%s", h.screen())
	}
	h.press("y")
	if !h.quit {
		t.Fatal("y did not quit")
	}
}
