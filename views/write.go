package views

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// execution is the write a dialog started: linking's operations handed to
// the root as a WriteRequest, and the executor's answer when it comes.
type execution struct {
	task    tui.TaskID
	started bool
	running bool
	result  *linking.Result
	err     error
}

// start hands ops to the root, which runs them through linking's executor
// and re-reads the group of email afterwards.
func (e *execution) start(c *tui.Common, label, email string, ops []linking.Operation) tea.Cmd {
	e.started, e.running = true, true
	e.task = tui.NewTask()
	b := c.Backend
	return tui.Write(tui.WriteRequest{
		Task: e.task, Label: label, Email: email,
		Run: func(ctx context.Context) (any, error) { return b.Apply(ctx, ops) },
	})
}

// update takes the answer to this execution's write, and only that one.
func (e *execution) update(msg tea.Msg) {
	if done, ok := msg.(tui.WriteDoneMsg); ok && e.started && done.Task == e.task {
		e.running = false
		e.result, _ = done.Result.(*linking.Result)
		e.err = done.Err
	}
}

// view shows what the executor did, step by step.
func (e *execution) view(c *tui.Common, doing string) []string {
	return resultLines(c, e.running, e.result, e.err, doing)
}
