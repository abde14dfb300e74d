package views

import (
	"context"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
)

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
