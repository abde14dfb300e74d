package views

import (
	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// reading is the read a screen waits for before it can show anything: the
// task its answer will carry, and whether it is still loading.
type reading struct {
	readTask tui.TaskID
	loading  bool
	// stale: a write finished since the answer. Answers reach the active
	// screen only, so the screen reads again once on top (tui.ActiveMsg).
	stale bool
	// again starts the read anew (startRead's), for a screen whose answer
	// went to the screen that covered it (readAgainIfLost).
	again func() tea.Cmd
}

// startRead starts the read that read makes under a new task. Without a
// backend (a screen laid out alone) there is nothing to read.
func (r *reading) startRead(c *tui.Common, read func(b *tui.Backend, task tui.TaskID) tea.Cmd) tea.Cmd {
	if c.Backend == nil {
		return nil
	}
	r.loading = true
	r.readTask = tui.NewTask()
	r.again = func() tea.Cmd { return r.startRead(c, read) }
	return read(c.Backend, r.readTask)
}

// readAgainIfLost reads again a screen back on top whose read is still
// out: its answer may have reached the screen that covered it (help
// opened by a key typed with the screen's own), which drops it. An answer
// still on its way is then an earlier task's, dropped here.
func (r *reading) readAgainIfLost() tea.Cmd {
	if !r.loading || r.again == nil {
		return nil
	}
	return r.again()
}

// answered reports whether an answer carrying task is this read's, which
// is then loading no more; an answer to an earlier read is stale.
func (r *reading) answered(task tui.TaskID) bool {
	if task != r.readTask {
		return false
	}
	r.loading, r.stale = false, false
	return true
}

// userRead is one account read by id as the tenant holds it, with the
// tenant's connections.
type userRead struct {
	reading
	user    client.User
	conns   *linking.Connections
	readErr error
	// scanned names the account as the scan knew it when the read started:
	// a read that finds it gone names it by user id alone, and the scan
	// forgets it then.
	scanned string
}

// readUser reads the account with this user id.
func (r *userRead) readUser(c *tui.Common, userID string) tea.Cmd {
	if a, _ := c.Data.Account(userID); a != nil {
		r.scanned = tui.Label(a)
	}
	return r.startRead(c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.ReadUsers(c.Ctx, task, userID) })
}

// name names the account read by its primary identifier and user id: as
// the tenant holds it once read, else as the scan knew it, else by the
// user id.
func (r *userRead) name(userID string) string {
	switch {
	case r.user.UserID == userID:
		return tui.UserLabel(r.user, r.conns)
	case r.scanned != "":
		return r.scanned
	}
	return userID
}

// tookUser takes the answer to this read; it reports whether the answer is
// the account.
func (r *userRead) tookUser(msg tui.UsersMsg) bool {
	r.readErr, r.conns = msg.Err, msg.Conns
	if msg.Err != nil || len(msg.Users) != 1 {
		return false
	}
	r.user = msg.Users[0]
	return true
}
