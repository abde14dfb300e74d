package session

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
)

// Accounts of the small fixture: alice's database account and her Google
// account, both verified, the Google one with metadata to merge.
const (
	aliceDB     = "auth0|63ea1f0b2c8d4e5f60718293"
	aliceGoogle = "google-oauth2|108812345678901234567"
)

// cutTenant cuts a run off during its link call, as Ctrl-C does while the
// answer is due: after the tenant acted (acted true) or before the request
// left. Unless readable, the network goes with it, so the run
// cannot read what became of the call and leaves it to resume.
type cutTenant struct {
	client.Tenant
	acted    bool
	readable bool
	cancel   context.CancelFunc
	lost     *atomic.Bool
}

func (c cutTenant) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	if c.acted {
		if _, err := c.Tenant.Link(context.WithoutCancel(ctx), primary, s); err != nil {
			return nil, err
		}
	}
	c.lost.Store(!c.readable)
	c.cancel()
	return nil, ctx.Err()
}

func (c cutTenant) User(ctx context.Context, id string) (client.User, error) {
	if c.lost.Load() {
		return client.User{}, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
	}
	return c.Tenant.User(ctx, id)
}

type fixture struct {
	srv   *emulator.Server
	state string
	real  client.Tenant
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1})
	tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, state: t.TempDir(), real: tn}
}

// session opens a session of the fixture's tenant named name, on t.
func (f *fixture) session(t *testing.T, tn client.Tenant, name string) *Session {
	t.Helper()
	s := With(context.Background(), tn, name, Config{StateDir: f.state, Operator: "tester"})
	t.Cleanup(func() { s.Close() })
	return s
}

// cutLink plans alice's link and runs it with its link call cut off, the
// network lost with it.
func (f *fixture) cutLink(t *testing.T, acted bool) (*Session, *linking.Plan) {
	t.Helper()
	s, p, err := f.interruptLink(t, cutTenant{acted: acted, lost: new(atomic.Bool)})
	if !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off run: %v", err)
	}
	return s, p
}

// interruptLink plans alice's link and runs it on cut: it returns a new
// session, as the next process would open, and what the run returned.
func (f *fixture) interruptLink(t *testing.T, cut cutTenant) (*Session, *linking.Plan, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut.Tenant, cut.cancel = f.real, cancel
	s := f.session(t, cut, "sandbox")
	p := alicesLink(t, ctx, s)
	_, err := s.Apply(ctx, p, ApplyOptions{})
	return f.session(t, f.real, "sandbox"), p, err
}

// alicesLink plans, read through s, the link of alice's Google account
// into her database account.
func alicesLink(t *testing.T, ctx context.Context, s *Session) *linking.Plan {
	t.Helper()
	users, err := s.Users(ctx, aliceDB, aliceGoogle)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := s.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.NewPlan(ops...)
}

// linkAlice links alice's accounts on the sandbox, through a session of
// its own, and returns it with the plan and its result.
func (f *fixture) linkAlice(t *testing.T) (*Session, *linking.Plan, *linking.Result) {
	t.Helper()
	s := f.session(t, f.real, "sandbox")
	p := alicesLink(t, context.Background(), s)
	res, err := s.Apply(context.Background(), p, ApplyOptions{})
	if err != nil || !res.Complete() {
		t.Fatalf("link: %v %+v", err, res)
	}
	return s, p, res
}

func (f *fixture) linkedIdentities(t *testing.T) int {
	t.Helper()
	u, err := f.real.User(context.Background(), aliceDB)
	if err != nil {
		t.Fatal(err)
	}
	return len(u.Linked())
}

func resultsFor(t *testing.T, s *Session, step string) (ok, other int) {
	t.Helper()
	recs, _, err := audit.ReadLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Step == step && r.Phase == audit.PhaseResult {
			if r.Result == audit.ResultOK {
				ok++
			} else {
				other++
			}
		}
	}
	return ok, other
}

func TestALinkInterruptedWhileTheTenantCanBeReadIsSettledAtOnce(t *testing.T) {
	for _, acted := range []bool{true, false} {
		f := newFixture(t)
		s, _, err := f.interruptLink(t, cutTenant{acted: acted, readable: true, lost: new(atomic.Bool)})
		if acted && err != nil || !acted && !errors.Is(err, linking.ErrInterrupted) {
			t.Fatalf("acted %v: the interrupted run ended with %v", acted, err)
		}
		list, err := s.Unsettled()
		switch {
		case err != nil:
			t.Fatal(err)
		case acted && len(list) != 0:
			t.Fatalf("a link the tenant shows made is left to resume: %+v", list)
		case !acted && (len(list) != 1 || len(list[0].Unknown) != 0 || !slices.Contains(list[0].Remaining, "op1.link")):
			t.Fatalf("a link the tenant shows not made should wait for resume as not made: %+v", list)
		}
		ok, other := resultsFor(t, s, "op1.link")
		if acted && (ok != 1 || other != 0) || !acted && (ok != 0 || other != 1) {
			t.Fatalf("acted %v: %d ok and %d other results for the interrupted call, want exactly one", acted, ok, other)
		}
		if !acted {
			res, err := s.Finish(context.Background(), list[0], ApplyOptions{})
			if err != nil || !res.Complete() {
				t.Fatalf("resume: %v %+v", err, res)
			}
			if ok, _ := resultsFor(t, s, "op1.link"); ok != 1 || f.linkedIdentities(t) != 1 {
				t.Fatalf("after resume: %d ok results, %d linked identities", ok, f.linkedIdentities(t))
			}
		}
	}
}

func TestALinkCutOffAfterTheTenantActedIsSettledAsDone(t *testing.T) {
	f := newFixture(t)
	s, p := f.cutLink(t, true)

	list, err := s.Unsettled()
	if err != nil || len(list) != 1 || list[0].PlanID != p.ID || !slices.Equal(list[0].Unknown, []string{"op1.link"}) || !list[0].CutOff {
		t.Fatalf("unsettled: %v %+v", err, list)
	}
	res, err := s.Settle(context.Background(), list[0])
	if err != nil || res.Count(linking.StatusAlreadyDone) != len(res.Steps) {
		t.Fatalf("settle: %v %+v", err, res)
	}
	if again, _ := s.Unsettled(); len(again) != 0 {
		t.Errorf("still unsettled after settling: %+v", again)
	}
	if ok, _ := resultsFor(t, s, "op1.link"); ok != 1 {
		t.Errorf("%d ok results for the link, want 1", ok)
	}
	if n := f.linkedIdentities(t); n != 1 {
		t.Errorf("alice holds %d linked identities, want 1", n)
	}
	if got := f.srv.Stats().Effects[emulator.RouteLink]; got != 1 {
		t.Errorf("the tenant linked %d times", got)
	}
}

func TestALinkCutOffBeforeTheTenantActedIsFinishedOnce(t *testing.T) {
	f := newFixture(t)
	s, _ := f.cutLink(t, false)
	list, _ := s.Unsettled()
	if len(list) != 1 {
		t.Fatalf("unsettled: %+v", list)
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	remaining, _, err := s.RemainingSteps(list[0])
	if err != nil || !slices.Equal(remaining, []string{"op1.link"}) {
		t.Fatalf("remaining %v %v", remaining, err)
	}
	if n := f.linkedIdentities(t); n != 0 {
		t.Fatalf("linked before the finish: %d", n)
	}
	// Still listed: the rest of a cut-off plan waits for the operator.
	list, _ = s.Unsettled()
	if len(list) != 1 || len(list[0].Unknown) != 0 || !slices.Equal(list[0].Remaining, []string{"op1.link"}) {
		t.Fatalf("after settling: %+v", list)
	}
	res, err := s.Finish(context.Background(), list[0], ApplyOptions{})
	if err != nil || !res.Complete() {
		t.Fatalf("finish: %v %+v", err, res)
	}
	if again, _ := s.Unsettled(); len(again) != 0 {
		t.Errorf("still unsettled after finishing: %+v", again)
	}
	if n, got := f.linkedIdentities(t), f.srv.Stats().Effects[emulator.RouteLink]; n != 1 || got != 1 {
		t.Errorf("%d linked identities, %d links made; want 1 and 1", n, got)
	}
}

func TestDiscardLeavesTheRestUndoneForGood(t *testing.T) {
	f := newFixture(t)
	s, p := f.cutLink(t, false)
	list, _ := s.Unsettled()
	if err := s.Discard(list[0]); err == nil {
		t.Fatal("discarded a step whose outcome is unknown")
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(list[0]); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Unsettled(); len(again) != 0 {
		t.Errorf("still unsettled after discarding: %+v", again)
	}
	if n := f.linkedIdentities(t); n != 0 {
		t.Errorf("a discarded link was made: %d", n)
	}
	// The same plan applied again makes nothing, and says the discarded
	// steps were never made: not done, not complete.
	res, err := s.Apply(context.Background(), p, ApplyOptions{})
	if err != nil || res.Complete() || res.Count(linking.StatusDiscarded) == 0 || res.Count(linking.StatusAlreadyDone) != len(res.Steps)-res.Count(linking.StatusDiscarded) {
		t.Fatalf("applying a discarded plan again: %v, complete %v, %+v", err, res.Complete(), res.Steps)
	}
	if n := f.linkedIdentities(t); n != 0 {
		t.Errorf("a discarded link was made: %d", n)
	}
}

func TestUnsettledWritesOfAnotherTenantAreNotListed(t *testing.T) {
	f := newFixture(t)
	f.cutLink(t, true)
	other := f.session(t, f.real, "another.eu.auth0.com")
	if list, err := other.Unsettled(); err != nil || len(list) != 0 {
		t.Fatalf("another tenant sees %+v (%v)", list, err)
	}
}

func TestACompleteRunLeavesNothingUnsettled(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, f.real, "sandbox")
	users, err := s.Users(context.Background(), aliceDB)
	if err != nil {
		t.Fatal(err)
	}
	op, err := linking.PlanTicket(users[0], client.TicketOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Apply(context.Background(), s.NewPlan(op), ApplyOptions{})
	if err != nil || !res.Complete() || res.Steps[0].Ticket == "" {
		t.Fatalf("ticket: %v %+v", err, res)
	}
	if list, err := s.Unsettled(); err != nil || len(list) != 0 {
		t.Fatalf("unsettled after a complete run: %+v (%v)", list, err)
	}
	snap, err := audit.ReadJournal(s.JournalPath(res.PlanID))
	if err != nil || !snap.Ended || snap.EndNote != endComplete {
		t.Fatalf("journal: %v %+v", err, snap)
	}
}

func TestReadOnlySessionWritesNothing(t *testing.T) {
	f := newFixture(t)
	s := With(context.Background(), f.real, "sandbox", Config{StateDir: f.state, ReadOnly: true})
	users, err := s.Users(context.Background(), aliceDB)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Apply(context.Background(), s.NewPlan(linking.PlanDelete(users[0], "")), ApplyOptions{})
	if se, ok := linking.AsSafetyError(err); !ok || se.Check != linking.CheckReadOnly {
		t.Fatalf("read-only apply: %v", err)
	}
	if f.srv.Stats().Writes != 0 {
		t.Error("a write reached the tenant")
	}
}

// The undo of an operation recorded on another tenant is a refusal
// (other_tenant, exit 3 on the command line), as a plan of another tenant is.
func TestUndoOfAnotherTenantsRecordIsRefused(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, f.real, "sandbox")
	log, err := audit.OpenLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.Record{Tenant: "acme.eu.auth0.com", Action: linking.ActionLink, Phase: audit.PhaseAttempt, OpID: audit.NewOpID(),
		PlanID: "plan-20261129T120000Z-0123456789ab", Step: "op1.link", UserIDs: []string{aliceDB, aliceGoogle}}
	if err := log.Append(rec); err != nil {
		t.Fatal(err)
	}
	log.Close()
	_, _, err = s.UndoPlan(context.Background(), rec.OpID, "")
	if se, ok := linking.AsSafetyError(err); !ok || se.Check != linking.CheckOtherTenant {
		t.Fatalf("undo of another tenant's record: %v", err)
	}
}

// cutBlock cuts a run off as it is about to block an account.
type cutBlock struct {
	client.Tenant
	cancel context.CancelFunc
}

func (c cutBlock) SetBlocked(ctx context.Context, id string, blocked bool) (client.User, error) {
	c.cancel()
	return client.User{}, ctx.Err()
}

// An unlink from a blocked primary gives the identity back, then blocks it.
// Cut off between the two, the rest cannot be discarded: the person the
// primary's block kept out would sign in with the identity given back.
// Finishing blocks it.
func TestAnUnlinksBlockCannotBeDiscarded(t *testing.T) {
	f, s, u := cutUnlinkBeforeItsBlock(t)
	err := s.Discard(u)
	if se, ok := linking.AsSafetyError(err); !ok || se.Check != linking.CheckBlockLeftUndone {
		t.Fatalf("discarding the block: %v", err)
	}
	if again, _ := s.Unsettled(); len(again) != 1 {
		t.Fatalf("the refused discard settled the plan: %+v", again)
	}
	if res, err := s.Finish(context.Background(), u, ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("finish: %v %+v", err, res)
	}
	if usr, err := f.real.User(context.Background(), samGoogle); err != nil || !usr.Blocked {
		t.Errorf("the identity given back: blocked %v, %v", usr.Blocked, err)
	}
}

const sam, samGoogle = "auth0|60d5ec49f1a2b3c4d5e6f708", "google-oauth2|101202303404505606707"

// cutUnlinkBeforeItsBlock unlinks Sam's Google identity from Sam, blocked,
// with the run cut off as it is about to block the identity given back,
// and settles it: the block is what remains.
func cutUnlinkBeforeItsBlock(t *testing.T) (*fixture, *Session, Unsettled) {
	t.Helper()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := f.real.SetBlocked(ctx, sam, true); err != nil {
		t.Fatal(err)
	}
	cut := f.session(t, cutBlock{Tenant: f.real, cancel: cancel}, "sandbox")
	users, err := cut.Users(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	op, err := linking.PlanUnlink(users[0], "google-oauth2", "101202303404505606707", "")
	if err != nil || !op.KeepBlocked {
		t.Fatalf("plan %+v %v", op, err)
	}
	if _, err := cut.Apply(ctx, cut.NewPlan(op), ApplyOptions{}); err == nil {
		t.Fatal("the cut-off run ended cleanly")
	}
	s := f.session(t, f.real, "sandbox")
	list, _ := s.Unsettled()
	if len(list) != 1 {
		t.Fatalf("unsettled: %+v", list)
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil {
		t.Fatal(err)
	}
	return f, s, list[0]
}

// The block left undone, once the operator has blocked the account by
// other means, no longer stands in the way of discarding the rest.
func TestAnUnlinksBlockDoneByHandLetsTheRestBeDiscarded(t *testing.T) {
	f, s, u := cutUnlinkBeforeItsBlock(t)
	if _, err := f.real.SetBlocked(context.Background(), samGoogle, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(u); err != nil {
		t.Fatalf("discarding once blocked by hand: %v", err)
	}
}

// A run refused because the journal given is another plan's binds nothing:
// the plan then runs with its own journal.
func TestAnotherPlansJournalDoesNotBindThePlan(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, f.real, "sandbox")
	ctx := context.Background()
	a := alicesLink(t, ctx, s)
	if _, err := s.Apply(ctx, a, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	mike, err := s.Users(ctx, "auth0|64b7c8d9e0f1a2b3c4d5e6f7")
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := linking.PlanTicket(mike[0], client.TicketOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewPlan(ticket)
	if _, err := s.Apply(ctx, b, ApplyOptions{Journal: s.JournalPath(a.ID)}); !errors.Is(err, audit.ErrPlanMismatch) {
		t.Fatalf("plan b with plan a's journal: %v", err)
	}
	if res, err := s.Apply(ctx, b, ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("plan b with its own journal after the refusal: %v %+v", err, res)
	}
}

// A plan run with a journal of its own choosing (--journal) and cut off is
// still found as unsettled, and a later run without --journal keeps that
// journal: nothing is made twice.
func TestAPlanCutOffUnderItsOwnJournalIsFoundAgain(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := f.session(t, cutTenant{Tenant: f.real, acted: true, cancel: cancel, lost: new(atomic.Bool)}, "sandbox")
	p := alicesLink(t, ctx, cut)
	own := filepath.Join(t.TempDir(), "mine.journal")
	if _, err := cut.Apply(ctx, p, ApplyOptions{Journal: own}); !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off run: %v", err)
	}
	s := f.session(t, f.real, "sandbox")
	list, err := s.Unsettled()
	if err != nil || len(list) != 1 || list[0].Journal != own {
		t.Fatalf("unsettled: %+v %v", list, err)
	}
	res, err := s.Apply(context.Background(), p, ApplyOptions{})
	if err != nil || !res.Complete() {
		t.Fatalf("the run without --journal: %v %+v", err, res)
	}
	if n := f.srv.Stats().Effects[emulator.RouteLink]; n != 1 {
		t.Errorf("%d links made, want 1", n)
	}
	if again, _ := s.Unsettled(); len(again) != 0 {
		t.Errorf("still unsettled: %+v", again)
	}
}

// The state paths are absolute whatever the flags give: the audit log
// names a backup, and a journal a log, to be found from any directory.
func TestStatePathsGivenRelativeAreMadeAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := PathsFor(Config{StateDir: "state", AuditLog: "a.log", BackupDir: "relbk"})
	for _, c := range []struct{ got, want string }{
		{p.State, filepath.Join(dir, "state")}, {p.AuditLog, filepath.Join(dir, "a.log")}, {p.Backups, filepath.Join(dir, "relbk")},
		{p.Journals, filepath.Join(dir, "state", "journals")}, {p.Plans, filepath.Join(dir, "state", "plans")},
	} {
		if c.got != c.want {
			t.Errorf("%s, want %s", c.got, c.want)
		}
	}
}

// cutDelete cuts a deletion off before the tenant acts: the call was sent,
// and its answer lost with the network, so the run cannot read what became
// of it (as after a kill).
type cutDelete struct {
	client.Tenant
	cancel context.CancelFunc
	lost   *atomic.Bool
}

func (c cutDelete) DeleteUser(ctx context.Context, id string) error {
	c.lost.Store(true)
	c.cancel()
	return ctx.Err()
}

func (c cutDelete) User(ctx context.Context, id string) (client.User, error) {
	if c.lost.Load() {
		return client.User{}, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
	}
	return c.Tenant.User(ctx, id)
}

// A deletion cut off during its call, which a dry-run resume found not to
// have taken effect, is still the operator's to finish or discard: listed
// as unsettled, with its call left to make (tester: `resume --force` then
// said "Nothing to settle", and the deletion was never made).
func TestACallFoundNotMadeByADryRunResumeIsStillLeftToFinish(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := f.session(t, cutDelete{Tenant: f.real, cancel: cancel, lost: new(atomic.Bool)}, "sandbox")
	u, err := f.real.User(context.Background(), aliceGoogle)
	if err != nil {
		t.Fatal(err)
	}
	p := cut.NewPlan(linking.PlanDelete(u, "ZD-5"))
	if _, err := cut.Apply(ctx, p, ApplyOptions{}); !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off deletion: %v", err)
	}
	s := f.session(t, f.real, "sandbox")
	list, err := s.Unsettled()
	if err != nil || len(list) != 1 {
		t.Fatalf("unsettled after the cut: %v %+v", err, list)
	}
	if _, err := s.Settle(context.Background(), list[0]); err != nil { // the dry run's settling
		t.Fatalf("settle: %v", err)
	}
	list, err = s.Unsettled()
	if err != nil || len(list) != 1 || !slices.Equal(list[0].Remaining, []string{"op1.delete"}) {
		t.Fatalf("unsettled after the dry run: %v %+v", err, list)
	}
	if res, err := s.Finish(context.Background(), list[0], ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("finish: %v %+v", err, res)
	}
	if _, err := f.real.User(context.Background(), aliceGoogle); !client.IsNotFound(err) {
		t.Fatalf("the deletion was not made: %v", err)
	}
}

// A link cut off at its link call, after its metadata merge: PartlyMade
// names the merge (made, it stays whatever a discard leaves) and the op_id
// whose undo takes it back; once the rest is discarded, that undo does give
// alice's primary its metadata back.
func TestPartlyMadeNamesWhatADiscardLeavesOnTheTenant(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	was, err := f.real.User(ctx, aliceDB)
	if err != nil {
		t.Fatal(err)
	}
	s, p := f.cutLink(t, false)
	list, _ := s.Unsettled()
	if len(list) != 1 {
		t.Fatalf("unsettled: %+v", list)
	}
	if _, err := s.Settle(ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	partly, err := s.PartlyMade(list[0])
	if err != nil || len(partly) != 1 {
		t.Fatalf("partly made: %v %+v", err, partly)
	}
	pm := partly[0]
	if pm.Op.ID != "op1" || len(pm.Made) != 1 || pm.Made[0].ID != "op1.patch" || !slices.Equal(pm.Left, []string{"op1.link"}) || pm.OpID != opIDOf(t, s, p.ID, "op1.patch") {
		t.Fatalf("partly made: %+v", pm)
	}
	merged, _ := f.real.User(ctx, aliceDB)
	if reflect.DeepEqual(merged.AppMetadata, was.AppMetadata) {
		t.Fatal("the cut-off link made no merge")
	}
	// Discarded, the merge stays; the undo named takes it back.
	if err := s.Discard(list[0]); err != nil {
		t.Fatal(err)
	}
	if now, _ := f.real.User(ctx, aliceDB); !reflect.DeepEqual(now.AppMetadata, merged.AppMetadata) {
		t.Fatalf("the discard changed alice's app_metadata: %v", now.AppMetadata)
	}
	up, _, err := s.UndoPlan(ctx, pm.OpID, "")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx, up, ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("undo of the merge: %v %+v", err, res)
	}
	if now, _ := f.real.User(ctx, aliceDB); !reflect.DeepEqual(now.AppMetadata, was.AppMetadata) {
		t.Errorf("after the undo PartlyMade names, alice's app_metadata is %v, was %v", now.AppMetadata, was.AppMetadata)
	}
}
