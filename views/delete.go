package views

import (
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/termsafe"

	"fmt"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// DeleteDialog deletes one account: it reads the account by id, shows
// linking's plan (what the cascade removes, the notes) and where the backup
// will be written, and asks the operator to type the account's primary
// identifier; enter with anything else does nothing.
type DeleteDialog struct {
	c      *tui.Common
	email  string
	userID string

	readTask tui.TaskID
	loading  bool
	user     client.User
	readErr  error
	op       *linking.Operation
	typed    tui.TextField
	hint     string

	exec execution
}

// NewDeleteDialog opens the delete dialog for an account of a group.
func NewDeleteDialog(c *tui.Common, email, userID string) *DeleteDialog {
	return &DeleteDialog{c: c, email: email, userID: userID}
}

func (d *DeleteDialog) Init() tea.Cmd {
	d.loading = true
	d.readTask = tui.NewTask()
	return d.c.Backend.ReadUsers(d.c.Ctx, d.readTask, d.userID)
}

func (d *DeleteDialog) Title() string   { return "Delete" }
func (d *DeleteDialog) Capturing() bool { return !d.exec.started }

// Typed is what the operator has typed so far (tests).
func (d *DeleteDialog) Typed() string { return d.typed.Value }

func (d *DeleteDialog) Help() []tui.HelpGroup {
	k := d.c.Keys
	if d.exec.started {
		return []tui.HelpGroup{{Title: "Delete", Bindings: []keyBinding{withHelp(k.Back, "esc", "back to the group")}}}
	}
	return []tui.HelpGroup{{Title: "Delete", Bindings: []keyBinding{withHelp(k.Submit, "enter", "delete once the identifier is typed"), withHelp(k.Back, "esc", "cancel"), k.Clear}}}
}

// Expected is what the operator must type: the account's primary
// identifier, or its user id when the identifier cannot be typed (empty,
// or holding control or invisible characters).
func (d *DeleteDialog) Expected() string {
	if g := d.group(); g != nil {
		if a := accountByID(g, d.userID); a != nil {
			v := a.Identifier.Value
			if v != "" && termsafe.Sanitize(v) == v {
				return v
			}
		}
	}
	return d.userID
}

func (d *DeleteDialog) group() *linking.Group {
	i, ok := d.c.Data.Find(d.email)
	if !ok {
		return nil
	}
	return d.c.Data.Groups[i]
}

func (d *DeleteDialog) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.UsersMsg:
		if msg.Task != d.readTask {
			return d, nil
		}
		d.loading, d.readErr = false, msg.Err
		if msg.Err == nil && len(msg.Users) == 1 {
			d.user = msg.Users[0]
			op := linking.PlanDelete(d.user, "")
			op.Group = d.email
			if g := d.group(); g != nil {
				op.Reasons = g.Reasons
			}
			d.op = &op
		}
	case tui.WriteDoneMsg:
		d.exec.update(msg)
	case tea.KeyPressMsg:
		return d, d.key(msg)
	}
	return d, nil
}

func (d *DeleteDialog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.Keys
	if d.exec.started {
		return nil
	}
	d.hint = ""
	switch {
	case tui.Matches(k, keys.Back):
		return tui.Pop
	case tui.Matches(k, keys.Submit):
		switch {
		case d.op == nil:
			d.hint = "The account has not been read yet."
		case d.typed.Value != d.Expected():
			d.hint = "That is not the identifier: type it exactly to delete, or esc to cancel."
		default:
			return d.exec.start(d.c, "delete "+tui.Fit(d.op.Target, 50), d.email, []linking.Operation{*d.op})
		}
	default:
		d.typed.Update(k, keys)
	}
	return nil
}

func (d *DeleteDialog) View() string {
	c, s := d.c, d.c.Styles
	w := c.Width
	lines := []string{s.Danger.Render("Delete account ") + tui.Fit(d.userID, w-20), ""}
	switch {
	case d.exec.started:
		lines = append(lines, d.exec.view(c, "Deleting")...)
		return strings.Join(lines, "\n")
	case d.loading:
		return strings.Join(append(lines, "Reading the account by id…"), "\n")
	case d.readErr != nil:
		return strings.Join(append(lines, s.Bad.Render("✗ ")+tui.Fit(d.readErr.Error(), w-4), "", s.Dim.Render("esc goes back.")), "\n")
	}
	u := d.user
	label := func(k, v string) string { return s.Header.Render(tui.Pad(k, 12)) + v }
	lines = append(lines,
		label("Account", tui.Fit(u.UserID, w-14)),
		label("Connection", tui.Fit(u.Connection(), w-14)),
		label("Email", tui.Fit(u.Email, w-30)+verifiedWord(u.EmailVerified)),
		label("Logins", fmt.Sprintf("%d, last %s", u.LoginsCount, tui.Day(u.LastLogin, "never"))),
		"")
	if op := d.op; op != nil {
		if len(op.Cascade) > 0 {
			lines = append(lines, s.Danger.Render(fmt.Sprintf("The deletion also removes the %d identities linked into it:", len(op.Cascade))))
			for _, id := range op.Cascade {
				lines = append(lines, "  • "+tui.Fit(id.String(), 50)+"  "+s.Dim.Render(tui.Fit(id.Connection, 30)))
			}
		} else {
			lines = append(lines, "No identity is linked into it: only this account is removed.")
		}
		lines = append(lines, "It cannot be undone. Before the call, the full user object is backed up to")
		lines = append(lines, "  "+tui.FitLeft(filepath.Join(c.Backend.BackupDir(), "<time>-delete-<id>.json"), w-4))
		lines = append(lines, "and the audit log "+tui.FitLeft(c.Backend.AuditLog(), w-50)+" records who deleted it and why.")
		lines = append(lines, s.Dim.Render("call: "+tui.Fit(report.CallText(op.Steps[0].Call), w-8)), "")
	}
	lines = append(lines, "To delete, type the account's primary identifier, "+s.Title.Render(tui.Fit(d.Expected(), 50))+", and press enter:")
	lines = append(lines, "> "+d.typed.View(s, w-4))
	if d.hint != "" {
		lines = append(lines, s.Warn.Render(d.hint))
	}
	return strings.Join(lines, "\n")
}

func verifiedWord(v bool) string {
	if v {
		return " (verified)"
	}
	return " (not verified)"
}
