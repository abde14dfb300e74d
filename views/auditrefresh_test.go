package views

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/tui"
)

// cutLink is a tenant whose Link acts, then is cut off before its answer
// comes, the network lost with it: the run cannot read what became of
// the call, and its journal is left with the call's outcome unknown.
type cutLink struct {
	client.Tenant
	cancel context.CancelFunc
	lost   *atomic.Bool
}

func (c cutLink) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	if _, err := c.Tenant.Link(context.WithoutCancel(ctx), primary, s); err != nil {
		return nil, err
	}
	c.lost.Store(true)
	c.cancel()
	return nil, ctx.Err()
}

func (c cutLink) User(ctx context.Context, id string) (client.User, error) {
	if c.lost.Load() {
		return client.User{}, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
	}
	return c.Tenant.User(ctx, id)
}

// anotherShell is a second linkdesk on the harness's tenant and state
// directory, as `linkdesk link` and `linkdesk resume` run in another shell.
func anotherShell(t *testing.T, h *harness, tenant client.Tenant) *session.Session {
	t.Helper()
	s := h.c.Backend.Session
	other := session.With(context.Background(), tenant, s.Name, session.Config{StateDir: s.Paths.State, AuditLog: s.Paths.AuditLog, Operator: "tester", Sandbox: true})
	t.Cleanup(func() { other.Close() })
	return other
}

// cutOffLink links alice.nguyen's google account into her database one
// from another shell, cut off after the tenant acted.
func cutOffLink(t *testing.T, h *harness) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := anotherShell(t, h, cutLink{Tenant: h.c.Backend.Session.Tenant, cancel: cancel, lost: new(atomic.Bool)})
	users, err := cut.Users(ctx, "auth0|63ea1f0b2c8d4e5f60718293", "google-oauth2|108812345678901234567")
	if err != nil {
		t.Fatal(err)
	}
	conns, err := cut.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cut.Apply(ctx, cut.NewPlan(ops...), session.ApplyOptions{}); !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off link: %v", err)
	}
}

// tick is the rate-limit sample the root takes now and then, at now: the
// checks of the journals it makes are answered (the next sample is not).
func (h *harness) tick(now time.Time) {
	h.t.Helper()
	_, cmd := h.m.Update(tui.RateLimitMsg{Now: now})
	for _, msg := range run(cmd) {
		if _, ok := msg.(tui.RateLimitMsg); !ok {
			h.send(msg)
		}
	}
}

// auditTime starts a row of the audit log.
var auditTime = regexp.MustCompile(`^[▸ ] \d{4}-\d\d-\d\d \d\d:\d\d `)

// auditRow is the audit log's row of the call with this action.
func auditRow(h *harness, action string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.screen(), "\n") {
		if auditTime.MatchString(l) && strings.Contains(l, " "+action+" ") {
			return l
		}
	}
	h.t.Fatalf("no row of a %s:\n%s", action, h.screen())
	return ""
}

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

	other := anotherShell(t, h, h.c.Backend.Session.Tenant)
	list, err := other.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled: %v %+v", err, list)
	}
	if _, err := other.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}

	h.tick(fixedNow.Add(time.Minute)) // the journals read again, now and then
	h.mustShow("✓ The unsettled write is settled now.")
	if strings.Contains(h.screen(), "UNSETTLED") {
		t.Errorf("the badge stays once settled:\n%s", h.screen())
	}
	if row := auditRow(h, "link"); strings.Contains(row, "unknown") || !strings.Contains(row, " ok ") {
		t.Errorf("the audit log still shows the link as it was before resume settled it: %q", row)
	}
	activeIs[*AuditLog](h, "the audit log is no longer on screen")
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
