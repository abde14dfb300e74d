package views

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
	"github.com/linkdesk/linkdesk/tui"
)

// TestTheAuditLogFollowsASettleFromAnotherShell: a link cut off in
// another shell shows, once r is pressed on the audit log, with its
// outcome unknown; when `linkdesk resume` settles it there, the root's next read
// of the journals clears the badge, says so, and the audit log, on
// screen, reads its file again: the row says what resume recorded,
// without leaving the screen or pressing a key.
func TestTheAuditLogFollowsASettleFromAnotherShell(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("3")
	h.mustShow("Nothing recorded yet")

	cutOffLink(t, h)
	h.press("r") // a rescan reads the audit log and the journals again
	if row := auditRow(h, "link"); !strings.Contains(row, " unknown ") {
		t.Fatalf("after r the cut-off link is not shown with its outcome unknown: %q", row)
	}
	h.mustShow(" 1 UNSETTLED ")

	settleElsewhere(t, h)

	h.tick(fixedNow.Add(time.Minute)) // the journals read again, now and then
	h.mustShow("✓ The unsettled write is settled now.")
	if strings.Contains(h.screen(), "UNSETTLED") {
		t.Errorf("the badge stays once settled:\n%s", h.screen())
	}
	if row := auditRow(h, "link"); strings.Contains(row, "unknown") || !strings.Contains(row, " ok ") {
		t.Errorf("the audit log still shows the link as it was before resume settled it: %q", row)
	}
	activeIs[*AuditLog](h, "the audit log is no longer on screen")
	// How resume settled it is a note beside "ok", never an error.
	h.mustShow("note resolved on resume")
	if strings.Contains(h.screen(), "error ") {
		t.Errorf("a call settled as ok shows an error:\n%s", h.screen())
	}
}

// TestRReadsTheAuditLogAgain: r on the audit log reads its file again: a
// call recorded by another linkdesk since shows.
func TestRReadsTheAuditLogAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("3")
	h.mustShow("Nothing recorded yet")
	cutOffLink(t, h)
	h.send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	auditRow(h, "link")
}

// A plan run from this state directory with --audit-log FILE (in another
// shell) recorded its calls there: the audit log says where, rather than
// that nothing was recorded.
func TestTheAuditLogSaysWhichOtherLogHoldsThisTenantsCalls(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 160, height: 30})
	h.press("3")
	h.mustShow("Nothing recorded yet")
	f := filepath.Join(t.TempDir(), "F.log")
	cutOffLinkLogging(t, h, f)
	h.send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	h.mustShow("Nothing recorded here yet; calls of plans run with --audit-log are in", "F.log")
}

// With calls of its own, the audit log still says where the other logs
// are, on a line of their own whose paths keep their ends (the file name)
// at 60 and 80 columns.
func TestTheAuditLogNamesTheOtherLogWholeBesideItsOwnCalls(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		linkAlice(h)
		h.press("esc", "u", "y")
		h.mustShow("✓ Done.")
		f := filepath.Join(t.TempDir(), "other-shell.log")
		cutOffLinkLogging(t, h, f)
		h.press("3", "r")
		h.mustShow("also in ", "/other-shell.log")
		for _, l := range strings.Split(h.screen(), "\n") {
			if tui.Width(l) > size[0] {
				t.Errorf("%dx%d: a line of %d cells: %q", size[0], size[1], tui.Width(l), l)
			}
		}
	}
}

// TestAGroupFinishedFromAnotherShellIsReadAgain: a link cut off before the
// tenant acted, finished by `linkdesk resume --force` in another shell:
// once the root's read of the journals finds it gone, the group is read
// again, and shows resolved without r (tester: the list and the group
// showed the two accounts apart until the wizard read them).
func TestAGroupFinishedFromAnotherShellIsReadAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	sessiontest.CutOffAlicesLinkUnmade(t, h.c.Backend.Session.Tenant, func(tn client.Tenant) *session.Session { return anotherShell(t, h, tn) })
	h.tick(fixedNow.Add(time.Minute))
	h.mustShow(" 1 UNSETTLED ")

	other := settleElsewhere(t, h) // found not made: left to finish
	list, err := other.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled once settled: %v %+v", err, list)
	}
	if res, err := other.Finish(context.Background(), list[0], session.ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("finish: %v %+v", err, res)
	}

	h.tick(fixedNow.Add(2 * time.Minute))
	h.mustShow("✓ The unsettled write is settled now.")
	h.openGroup("alice.nguyen@gmail.com")
	h.mustShow("resolved")
}
