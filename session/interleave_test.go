package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// deleteOf plans the deletion of the user id on s.
func deleteOf(t *testing.T, s *Session, id string) *linking.Plan {
	t.Helper()
	users, err := s.Users(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s.NewPlan(linking.PlanDelete(users[0], ""))
}

// A write on an account that a cut-off plan was writing, before that plan
// is settled, is refused with nothing sent: the two plans' calls would
// interleave, and the first plan's journal would no longer match the
// tenant. Once resume has settled and finished it, the write goes ahead;
// a write on other accounts never waits.
func TestAWriteOnAnAccountOfAnUnsettledPlanIsRefused(t *testing.T) {
	f := newFixture(t)
	s, _ := f.cutLink(t, false)
	_, err := s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{})
	se, ok := linking.AsSafetyError(err)
	if !ok || se.Check != linking.CheckUnsettledWrite || !strings.Contains(se.Reason, "linkdesk resume") {
		t.Fatalf("the delete of an account of the cut-off link: %v", err)
	}
	if _, found, _ := userOf(f, aliceGoogle); !found {
		t.Fatal("the refused delete deleted the account")
	}
	if _, err := s.Apply(context.Background(), deleteOf(t, s, "auth0|64b7c8d9e0f1a2b3c4d5e6f7"), ApplyOptions{}); err != nil {
		t.Errorf("a delete of an account no unsettled plan writes: %v", err)
	}
	list, err := s.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled: %v %+v", err, list)
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	// Settled, its link not made: the rest of the plan holds the accounts
	// still, and the refusal says so, not that it is unsettled.
	_, err = s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{})
	if se, ok := linking.AsSafetyError(err); !ok || !strings.Contains(se.Reason, "was cut off with 1 call left to make: run `linkdesk resume "+list[0].PlanID+"` to finish or discard it") {
		t.Errorf("the delete of an account of the settled, unfinished link: %v", err)
	}
	if list, _ = s.Unsettled(); len(list) == 1 {
		if _, err := s.Finish(context.Background(), list[0], ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Linked now, alice's Google account is no user: the database one is.
	if _, err := s.Apply(context.Background(), deleteOf(t, s, aliceDB), ApplyOptions{}); err != nil {
		t.Errorf("after resume: %v", err)
	}
}

// heldLinkTenant holds a link's call until released, as a slow tenant does.
type heldLinkTenant struct {
	client.Tenant
	started chan struct{}
	release chan struct{}
	once    *atomic.Bool
}

func (h heldLinkTenant) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	if h.once.CompareAndSwap(false, true) {
		close(h.started)
		<-h.release
	}
	return h.Tenant.Link(ctx, primary, s)
}

// A write on an account that a plan running now (in this process, as the
// terminal UI runs its writes) is writing is refused, and says it runs.
func TestAWriteOnAnAccountOfARunningPlanIsRefused(t *testing.T) {
	f := newFixture(t)
	held := heldLinkTenant{Tenant: f.real, started: make(chan struct{}), release: make(chan struct{}), once: new(atomic.Bool)}
	s := f.session(t, held, "sandbox")
	p := alicesLink(t, context.Background(), s)
	done := make(chan error, 1)
	go func() {
		_, err := s.Apply(context.Background(), p, ApplyOptions{})
		done <- err
	}()
	<-held.started
	_, err := s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{})
	close(held.release)
	if lerr := <-done; lerr != nil {
		t.Fatalf("the link: %v", lerr)
	}
	se, ok := linking.AsSafetyError(err)
	if !ok || se.Check != linking.CheckUnsettledWrite || !strings.Contains(se.Reason, "being applied now") {
		t.Fatalf("a delete during the link of the same account: %v", err)
	}
	if u, _, _ := userOf(f, aliceDB); len(u.Linked()) != 1 {
		t.Errorf("alice holds %d linked identities, want the Google one", len(u.Linked()))
	}
}

func userOf(f *fixture, id string) (client.User, bool, error) {
	u, err := f.real.User(context.Background(), id)
	if client.IsNotFound(err) {
		return client.User{}, false, nil
	}
	return u, err == nil, err
}

// cancelOnRead cancels the run at its first read of a user by id, as
// Ctrl-C does while apply reads the accounts before its first call.
type cancelOnRead struct {
	client.Tenant
	cancel context.CancelFunc
}

func (c cancelOnRead) User(ctx context.Context, id string) (client.User, error) {
	c.cancel()
	return client.User{}, ctx.Err()
}

// A plan interrupted before its first call changed nothing: it is not
// unsettled, and does not hold its accounts against the next write.
func TestAPlanInterruptedBeforeItsFirstCallLeavesNothingToSettle(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, f.real, "sandbox")
	p := deleteOf(t, s, aliceGoogle)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := f.session(t, cancelOnRead{Tenant: f.real, cancel: cancel}, "sandbox")
	if _, err := cut.Apply(ctx, p, ApplyOptions{}); err == nil {
		t.Fatal("the interrupted run went on")
	}
	if list, err := s.Unsettled(); err != nil || len(list) != 0 {
		t.Fatalf("unsettled after a run that made no call: %v %+v", err, list)
	}
	if _, err := s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{}); err != nil {
		t.Errorf("the same write again: %v", err)
	}
}

// Two runs started together on the same account (two undos of one
// operation, from two shells) are one let through and the other refused
// with nothing sent: the check that no other plan writes the account and
// the journal that shows a plan running are taken behind the tenant's
// gate, so both cannot pass the check before either journal exists
// (tester: both processes sent the call, one recorded as a lost answer).
func TestTwoRunsStartedTogetherOnOneAccountSendItsCallOnce(t *testing.T) {
	f := newFixture(t)
	users := []string{aliceDB, aliceGoogle, "auth0|6281b3c4d5e6f70812345678", "samlp|acme-corp|John.Doe@Acme.com", "github|5832311",
		"auth0|672614a0b1c2d3e4f5061728", "auth0|5f1a2b3c4d5e6f7081920a1b", "google-oauth2|114455667788990011223",
		"github|9007199254740993", "auth0|61a1b2c3d4e5f60718293a4b", "google-oauth2|109876543210987654321", "auth0|64b7c8d9e0f1a2b3c4d5e6f7"}
	for _, id := range users {
		// Two sessions, as two processes on one state directory would open.
		a, b := f.session(t, f.real, "sandbox"), f.session(t, f.real, "sandbox")
		plans := []*linking.Plan{deleteOf(t, a, id), deleteOf(t, b, id)}
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, s := range []*Session{a, b} {
			wg.Go(func() {
				<-start
				_, errs[i] = s.Apply(context.Background(), plans[i], ApplyOptions{})
			})
		}
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Errorf("%s: the two runs ended %v and %v: want one done, one refused", id, errs[0], errs[1])
		}
	}
	if n := f.srv.Stats().Requests[emulator.RouteDeleteUser]; n != int64(len(users)) {
		t.Errorf("%d deletions sent for %d accounts", n, len(users))
	}
}

// A write waits for the tenant's gate only so long: held by a process
// stopped with ctrl+z, it is refused, saying who holds it, with nothing
// sent, rather than left waiting in silence (review).
func TestAWriteWaitsForTheGateOnlySoLong(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, f.real, "sandbox")
	held, err := audit.EnterGate(context.Background(), filepath.Join(s.Paths.State, "locks", "gate-"+s.tenantKey()))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Leave()
	defer func(w time.Duration) { gateWait = w }(gateWait)
	gateWait = 100 * time.Millisecond
	_, err = s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{})
	se, ok := linking.AsSafetyError(err)
	if !ok || se.Check != linking.CheckWriteStarting || !strings.Contains(se.Reason, fmt.Sprintf("another linkdesk (pid %d)", os.Getpid())) {
		t.Fatalf("a write while the gate is held: %v", err)
	}
	if _, found, _ := userOf(f, aliceGoogle); !found {
		t.Fatal("the refused delete deleted the account")
	}
}

// A write whose audit log cannot be opened stops before its first call,
// as the operator sees (an error): its journal says it stopped, so it is
// not listed later as a run killed before its first call, which a routine
// `linkdesk resume --force` would then make (tester: a delete whose
// --audit-log could not be opened was made that way, long after).
func TestAWriteWhoseAuditLogCannotBeOpenedIsNotLeftToResume(t *testing.T) {
	f := newFixture(t)
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := With(context.Background(), f.real, "sandbox", Config{StateDir: f.state, Operator: "tester", AuditLog: filepath.Join(blocker, "audit.log")})
	t.Cleanup(func() { s.Close() })
	if _, err := s.Apply(context.Background(), deleteOf(t, s, aliceGoogle), ApplyOptions{}); err == nil {
		t.Fatal("the write went on without its audit log")
	}
	if list, err := f.session(t, f.real, "sandbox").Unsettled(); err != nil || len(list) != 0 {
		t.Fatalf("unsettled after a write stopped by its audit log: %v %+v", err, list)
	}
	if _, err := f.real.User(context.Background(), aliceGoogle); err != nil {
		t.Errorf("the account is gone: %v", err)
	}
}

// A write cut off on one tenant is counted, by that tenant's name, by a
// session on another (resume there said "nothing to settle: every write …
// ended as seen", reached by another name: a tester), and no longer once
// settled on its own tenant.
func TestAWriteCutOffOnOneTenantIsCountedFromAnother(t *testing.T) {
	f := newFixture(t)
	s, _ := f.cutLink(t, true)
	other := f.session(t, f.real, "tenant.example.com")
	if got, err := other.UnsettledOnOtherTenants(); err != nil || got["sandbox"] != 1 || len(got) != 1 {
		t.Fatalf("from another tenant: %v %v, want sandbox: 1", got, err)
	}
	if got, err := s.UnsettledOnOtherTenants(); err != nil || len(got) != 0 {
		t.Errorf("from its own tenant: %v %v, want none", got, err)
	}
	list, err := s.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled: %v %v", list, err)
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	if got, err := other.UnsettledOnOtherTenants(); err != nil || len(got) != 0 {
		t.Errorf("once settled: %v %v, want none", got, err)
	}
}
