package views

import (
	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/tui"
)

// reading is the read a screen waits for before it can show anything: the
// task its answer will carry, and whether it is still loading.
type reading struct {
	readTask tui.TaskID
	loading  bool
}

// startRead starts the read that read makes under a new task. Without a
// backend (a screen laid out alone) there is nothing to read.
func (r *reading) startRead(c *tui.Common, read func(b *tui.Backend, task tui.TaskID) tea.Cmd) tea.Cmd {
	if c.Backend == nil {
		return nil
	}
	r.loading = true
	r.readTask = tui.NewTask()
	return read(c.Backend, r.readTask)
}

// answered reports whether an answer carrying task is this read's, which
// is then loading no more; an answer to an earlier read is stale.
func (r *reading) answered(task tui.TaskID) bool {
	if task != r.readTask {
		return false
	}
	r.loading = false
	return true
}
