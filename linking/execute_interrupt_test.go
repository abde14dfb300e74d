package linking_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// How a run is cut off at the chosen write.
const (
	stopAfter       = "ctrl-c after the call"            // the call answers, then the context is cancelled
	cancelBefore    = "ctrl-c before the call went out"  // the call never reaches the tenant
	cancelAfter     = "ctrl-c while the answer was due"  // the call takes effect, its answer is dropped
	cancelAfterLost = "ctrl-c, network lost too"         // the run cannot read what became of the call
	lostAnswer      = "network lost after the call"      // the call takes effect, then nothing answers
	lostAnswerAlive = "answer lost, network still up"    // the executor reads the outcome at once
	crashBefore     = "process killed before the call"   // the journal says started; no call made
	crashAfter      = "process killed after the call"    // the journal says started; the call took effect
	crashAfterLost  = "process killed, network lost too" // both
)

var errNetwork = errors.New("read tcp 127.0.0.1:1: connection reset by peer")

// faultTenant passes calls through to a real tenant and cuts the run off at
// write number at (0-based), the way mode says.
type faultTenant struct {
	client.Tenant
	mode   string
	at     int
	cancel context.CancelFunc

	mu     sync.Mutex
	writes int
	dead   bool
	fired  bool
}

func (f *faultTenant) isDead() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead
}

func (f *faultTenant) write(do func() error) error {
	f.mu.Lock()
	n, dead := f.writes, f.dead
	f.writes++
	if n == f.at {
		f.fired = true
	}
	f.mu.Unlock()
	if dead {
		return errNetwork
	}
	if n != f.at {
		return do()
	}
	switch f.mode {
	case cancelBefore:
		f.cancel()
		return context.Canceled
	case crashBefore:
		runtime.Goexit()
	}
	err := do()
	switch f.mode {
	case stopAfter:
		f.cancel()
		return err
	case cancelAfter:
		f.cancel()
		return fmt.Errorf("%w (the answer never came)", context.Canceled)
	case cancelAfterLost:
		f.mu.Lock()
		f.dead = true
		f.mu.Unlock()
		f.cancel()
		return fmt.Errorf("%w (the answer never came)", context.Canceled)
	case lostAnswer, crashAfterLost:
		f.mu.Lock()
		f.dead = true
		f.mu.Unlock()
		if f.mode == crashAfterLost {
			runtime.Goexit()
		}
		return errNetwork
	case lostAnswerAlive:
		return errNetwork
	case crashAfter:
		runtime.Goexit()
	}
	return err
}

func (f *faultTenant) User(ctx context.Context, id string) (client.User, error) {
	if f.isDead() {
		return client.User{}, errNetwork
	}
	return f.Tenant.User(ctx, id)
}

func (f *faultTenant) UpdateMetadata(ctx context.Context, id string, um, am map[string]any) (u client.User, err error) {
	err = f.write(func() error { u, err = f.Tenant.UpdateMetadata(ctx, id, um, am); return err })
	return u, err
}

func (f *faultTenant) Link(ctx context.Context, primary string, s client.LinkTarget) (ids []client.Identity, err error) {
	err = f.write(func() error { ids, err = f.Tenant.Link(ctx, primary, s); return err })
	return ids, err
}

func (f *faultTenant) Unlink(ctx context.Context, primary, provider, userID string) (ids []client.Identity, err error) {
	err = f.write(func() error { ids, err = f.Tenant.Unlink(ctx, primary, provider, userID); return err })
	return ids, err
}

func (f *faultTenant) DeleteUser(ctx context.Context, id string) error {
	return f.write(func() error { return f.Tenant.DeleteUser(ctx, id) })
}

func (f *faultTenant) PasswordChangeTicket(ctx context.Context, id string, opts client.TicketOptions) (url string, err error) {
	err = f.write(func() error { url, err = f.Tenant.PasswordChangeTicket(ctx, id, opts); return err })
	return url, err
}

func (f *faultTenant) SendVerificationEmail(ctx context.Context, req client.VerificationEmail) (j client.Job, err error) {
	err = f.write(func() error { j, err = f.Tenant.SendVerificationEmail(ctx, req); return err })
	return j, err
}

// mixedPlan is every kind of step on the fixture tenant: a link with a
// metadata merge, links without, an unlink and deletes.
func mixedPlan(t *testing.T, sb *sandbox) *linking.Plan {
	t.Helper()
	conns := sb.conns()
	var ops []linking.Operation
	for _, email := range []string{"alice.nguyen@gmail.com", "wei.zhang@gmail.com", "lena.fischer@gmail.com"} {
		o, err := linking.PlanGroup(context.Background(), sb.tenant, sb.group(email), "", conns, linking.LinkOptions{})
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		ops = append(ops, o...)
	}
	unlink, err := linking.PlanUnlink(sb.mustUser(samDB), "google-oauth2", "101202303404505606707", "")
	if err != nil {
		t.Fatal(err)
	}
	ops = append(ops, unlink, linking.PlanDelete(sb.mustUser(blockedUser), ""), linking.PlanDelete(sb.mustUser(johnSAML), ""))
	return sb.plan(ops...)
}

// involved lists every user a plan expects something of.
func involved(p *linking.Plan) []string {
	var out []string
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			for _, u := range s.Expect {
				if !slices.Contains(out, u.UserID) {
					out = append(out, u.UserID)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// tenantState is what the tenant holds for ids, as text to compare.
func tenantState(t *testing.T, sb *sandbox, ids []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, id := range ids {
		u, ok := sb.user(id)
		if !ok {
			out[id] = "absent"
			continue
		}
		st := linking.StateOf(u)
		st.CreatedAt = time.Time{} // an account an unlink gives back is made now, on each tenant
		out[id] = string(mustMarshal(t, st))
	}
	return out
}

// writeCounts counts the writes the tenant received, by route.
func writeCounts(sb *sandbox) map[string]int64 {
	st := sb.srv.Stats()
	return map[string]int64{
		patchRoute: st.Requests[patchRoute], linkRoute: st.Requests[linkRoute],
		unlinkRoute: st.Requests[unlinkRoute], deleteRoute: st.Requests[deleteRoute],
	}
}

func plannedCounts(p *linking.Plan) map[string]int64 {
	route := map[string]string{linking.ActionPatchMetadata: patchRoute, linking.ActionLink: linkRoute,
		linking.ActionUnlink: unlinkRoute, linking.ActionDelete: deleteRoute}
	out := map[string]int64{patchRoute: 0, linkRoute: 0, unlinkRoute: 0, deleteRoute: 0}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			out[route[s.Action]]++
		}
	}
	return out
}

func TestApplyInterruptedAtEveryStepResumesToThePlannedState(t *testing.T) {
	// The planned state: the same plan applied without interruption.
	ref := newSandbox(t, emulator.Options{})
	plan := mixedPlan(t, ref)
	steps := plan.StepIDs()
	if len(steps) != 8 {
		t.Fatalf("the mixed plan has %d steps: %v", len(steps), steps)
	}
	ref.apply(plan)
	ids := involved(plan)
	want := tenantState(t, ref, ids)
	wantWrites := plannedCounts(plan)
	if got := writeCounts(ref); !maps.Equal(got, wantWrites) {
		t.Fatalf("uninterrupted apply sent %v, want %v", got, wantWrites)
	}

	modes := []string{stopAfter, cancelBefore, cancelAfter, cancelAfterLost, lostAnswer, lostAnswerAlive, crashBefore, crashAfter, crashAfterLost}
	for _, mode := range modes {
		for k := range steps {
			t.Run(fmt.Sprintf("%s/step %d %s", mode, k+1, steps[k]), func(t *testing.T) {
				sb := newSandbox(t, emulator.Options{})
				p := mixedPlan(t, sb)
				if !slices.Equal(p.StepIDs(), plan.StepIDs()) || p.ID == plan.ID {
					t.Fatalf("the same tenant gave another plan (%v) or the same id (%s)", p.StepIDs(), p.ID)
				}
				journalPath := filepath.Join(sb.dir, "journals", p.ID+".journal")
				j, err := audit.OpenJournal(journalPath, p.ID, p.StepIDs())
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ft := &faultTenant{Tenant: sb.tenant, mode: mode, at: k, cancel: cancel}
				ex := sb.executor()
				ex.Tenant, ex.Journal = ft, j

				var first *linking.Result
				var firstErr error
				done := make(chan struct{})
				go func() { // a crash mode ends this goroutine mid-step, as SIGKILL ends a process
					defer close(done)
					first, firstErr = ex.Apply(ctx, p)
				}()
				<-done
				if !ft.fired {
					t.Fatal("the fault never fired")
				}
				switch mode {
				case crashBefore, crashAfter, crashAfterLost:
					if first != nil {
						t.Fatal("the run was not cut off")
					}
				case lostAnswerAlive, stopAfter, cancelAfter:
					// cancelAfter: the run reads the tenant before it ends,
					// so the interrupted call is settled as done at once.
					if mode != lostAnswerAlive && k < len(steps)-1 {
						if !errors.Is(firstErr, linking.ErrInterrupted) || first.Steps[k].Status != linking.StatusDone || first.Steps[k+1].Status != linking.StatusNotRun {
							t.Fatalf("ctrl-c between steps: %v %+v", firstErr, first.Steps)
						}
						break
					}
					if firstErr != nil || !first.Complete() || first.Steps[k].Status != linking.StatusDone {
						t.Fatalf("the step should end done in the first run: %v %+v", firstErr, first.Steps[k])
					}
				default:
					if firstErr == nil || first.Complete() {
						t.Fatalf("the run went on after the fault: %+v", first)
					}
					for _, s := range first.Steps[k+1:] {
						if s.Status != linking.StatusNotRun {
							t.Fatalf("step %s ran after the fault: %+v", s.Step, s)
						}
					}
				}
				// A call interrupted by Ctrl-C while the tenant can be read is
				// settled by the run itself: one result, saying what the read
				// showed; when it cannot be read, its result is unknown and
				// not "failed to send".
				// A lost answer the run reads at once is "ok", saying so.
				wantResult := map[string]string{cancelAfter: audit.ResultOK, cancelBefore: audit.ResultError, cancelAfterLost: audit.ResultUnknown, lostAnswerAlive: audit.ResultOK}
				wantText := map[string]string{
					cancelAfter:     "interrupted while waiting for the answer; reading the tenant shows the call took effect",
					cancelBefore:    "interrupted while waiting for the answer; reading the tenant shows the call did not take effect",
					cancelAfterLost: "the run was interrupted while waiting for the answer: the request may have reached the tenant",
					lostAnswerAlive: "the answer was lost (" + errNetwork.Error() + "); reading the tenant shows the call took effect",
				}
				// answer_lost says what came in place of the answer.
				wantLost := map[string]string{cancelAfter: "the run was interrupted while waiting for the answer", lostAnswerAlive: errNetwork.Error()}
				wantLost[cancelBefore], wantLost[cancelAfterLost] = wantLost[cancelAfter], wantLost[cancelAfter]
				if want, ok := wantResult[mode]; ok {
					var results []audit.Record
					for _, r := range sb.auditRecords() {
						if r.Step == steps[k] && r.Phase == audit.PhaseResult {
							results = append(results, r)
						}
					}
					said := results[0].Noted() + results[0].Failed() // a note beside "ok", an error beside the rest
					if len(results) != 1 || results[0].Result != want || !strings.HasPrefix(said, wantText[mode]) || strings.Contains(said, "canceled") ||
						want == audit.ResultOK && results[0].Error != "" || results[0].AnswerLost != wantLost[mode] {
						t.Errorf("the interrupted call's results: %+v", results)
					}
				}
				j.Close()
				// apply's dry run on the journal as the run left it: it
				// refuses nothing resume then makes (a call cut off that took
				// effect is no change since the plan), and says of a call cut
				// off what resume finds, in resume's words; it writes nothing.
				snap, err := audit.ReadJournal(journalPath)
				if err != nil {
					t.Fatal(err)
				}
				dry := sb.executor()
				dry.Tenant = sb.connect(false)
				writes, records := len(sb.writesSent()), len(sb.auditRecords())
				checked, err := dry.Precheck(context.Background(), p, snap, nil)
				if err != nil {
					t.Fatalf("the dry run: %v", err)
				}
				if len(checked.Refused) > 0 || len(sb.writesSent()) != writes || len(sb.auditRecords()) != records {
					t.Errorf("the dry run refused %+v, sent %d writes, wrote %d audit records", checked.Refused, len(sb.writesSent())-writes, len(sb.auditRecords())-records)
				}
				cut := slices.ContainsFunc(snap.Steps, func(st audit.StepStatus) bool {
					return st.State == audit.StepStarted || st.State == audit.StepUnknown
				})
				if len(checked.Unsettled) != map[bool]int{true: 1}[cut] {
					t.Errorf("the journal left a step cut off: %v; the dry run names %+v", cut, checked.Unsettled)
				}

				j, res, err := sb.resume(journalPath, p)
				if err != nil || !res.Complete() {
					t.Fatalf("resume: %v\n%+v", err, res)
				}
				for _, c := range checked.Unsettled {
					got := res.Steps[slices.Index(steps, c.Step)]
					if c.Outcome == linking.CutTookEffect && (got.Status != linking.StatusAlreadyDone || got.Note != c.Note) ||
						c.Outcome == linking.CutNotMade && got.Status != linking.StatusDone || c.Outcome == linking.CutUnknown {
						t.Errorf("the dry run said %s (%q) of %s; resume: %s %q", c.Outcome, c.Note, c.Step, got.Status, got.Note)
					}
				}
				for _, s := range res.Steps[:k] {
					if s.Status != linking.StatusAlreadyDone {
						t.Errorf("resume redid step %s (%s)", s.Step, s.Status)
					}
				}
				for _, s := range res.Steps[k+1:] {
					if mode != lostAnswerAlive && s.Status != linking.StatusDone {
						t.Errorf("resume: step %s %s", s.Step, s.Status)
					}
				}
				if got := writeCounts(sb); !maps.Equal(got, wantWrites) {
					t.Errorf("the tenant received %v, want each planned call exactly once: %v", got, wantWrites)
				}
				if got := tenantState(t, sb, ids); !maps.Equal(got, want) {
					for _, id := range ids {
						if got[id] != want[id] {
							t.Errorf("%s:\n got %s\nwant %s", id, got[id], want[id])
						}
					}
				}
				for _, st := range j.Steps() {
					if st.State != audit.StepDone {
						t.Errorf("journal: %s is %s", st.ID, st.State)
					}
				}
				checkBackedUp(t, sb, p)
				sb.checkRecord()
			})
		}
	}
}

// resume applies p again as a new process would after a run was cut off:
// a new client, the journal reopened (closed at the test's end).
func (sb *sandbox) resume(journalPath string, p *linking.Plan) (*audit.Journal, *linking.Result, error) {
	sb.t.Helper()
	j, err := audit.OpenJournal(journalPath, p.ID, p.StepIDs())
	if err != nil {
		sb.t.Fatal(err)
	}
	sb.t.Cleanup(func() { j.Close() })
	ex := sb.executor()
	ex.Tenant, ex.Journal = sb.connect(false), j
	res, err := ex.Apply(context.Background(), p)
	return j, res, err
}

// checkBackedUp asserts that every user a plan links away or deletes is in
// a backup file.
func checkBackedUp(t *testing.T, sb *sandbox, p *linking.Plan) {
	t.Helper()
	infos, err := sb.backups.List()
	if err != nil {
		t.Fatal(err)
	}
	backedUp := map[string]bool{}
	for _, in := range infos {
		for _, id := range in.UserIDs {
			backedUp[id] = true
		}
	}
	for _, op := range p.Operations {
		gone := op.Secondary
		if op.Kind == linking.OpDelete {
			gone = op.Target
		}
		if op.Kind != linking.OpUnlink && !backedUp[gone] {
			t.Errorf("%s (%s) is in no backup", gone, op.Kind)
		}
	}
}

func TestTwoRunsOfOnePlanLinkOnce(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(ops...)
	sb.apply(p)
	// A second operator applying the same plan (another journal) is stopped.
	_, err := sb.executor().Apply(context.Background(), p)
	se := refusal(t, err, linking.CheckChangedSincePlan)
	if want := "the group changed since the plan was made"; !strings.Contains(se.Reason, want) {
		t.Errorf("reason %q", se.Reason)
	}
	if got := writeCounts(sb); got[linkRoute] != 1 || got[patchRoute] != 1 {
		t.Errorf("writes %v", got)
	}
}

// raceTenant lets another operator act just before each write goes out.
type raceTenant struct {
	client.Tenant
	before func()
}

func (r raceTenant) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	r.before()
	return r.Tenant.Link(ctx, primary, s)
}

func TestAnotherOperatorBetweenCheckAndCallIsReportedAsAChange(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, weiDB, weiGoogle)
	other := sb.connect(false) // the other operator's linkdesk
	ex := sb.executor()
	ex.Tenant = raceTenant{Tenant: sb.tenant, before: func() {
		if _, err := other.Link(context.Background(), aliceDB, client.LinkTarget{Provider: "google-oauth2", UserID: "114455667788990011223"}); err != nil {
			t.Fatal(err)
		}
	}}
	res, err := ex.Apply(context.Background(), sb.plan(ops...))
	se := refusal(t, err, linking.CheckChangedSincePlan)
	if !strings.Contains(se.Reason, "the group changed since the plan was made: "+weiGoogle+" no longer exists") {
		t.Errorf("reason: %s", se.Reason)
	}
	if res.Steps[0].Status != linking.StatusRefused {
		t.Errorf("step %+v", res.Steps[0])
	}
	if got := writeCounts(sb); got[linkRoute] != 2 {
		t.Errorf("links %v", got)
	}
	if ids := identityIDs(sb.mustUser(weiDB)); len(ids) != 1 {
		t.Errorf("linked twice: %v", ids)
	}
	sb.checkRecord()
}

func TestApplyOnAFaultyTenantReachesThePlannedState(t *testing.T) {
	ref := newSandbox(t, emulator.Options{})
	plan := mixedPlan(t, ref)
	ref.apply(plan)
	ids := involved(plan)
	want := tenantState(t, ref, ids)

	retried := 0
	for seed := int64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			// 500s, 503s, dropped connections and writes whose answer is lost.
			sb := newSandbox(t, emulator.Options{FailRate: 0.3, Seed: seed})
			ex := sb.journaledExecutor(t, plan)
			res, err := ex.Apply(context.Background(), plan)
			if err != nil || !res.Complete() {
				t.Fatalf("apply: %v\n%+v", err, res.Steps)
			}
			faults := sb.srv.Stats().Faults
			if len(faults) == 0 {
				t.Fatal("no fault was injected")
			}
			if got := tenantState(t, sb, ids); !maps.Equal(got, want) {
				t.Errorf("state differs from the planned one after faults %v", faults)
			}
			sb.checkRecord()
			// A call sent again is one call on the record: one attempt, one
			// result, whose retries list the tries before the last. One whose
			// answer was lost after it took effect (lost_reply) says so.
			attempts, tries, lost := 0, 0, 0
			for _, r := range sb.auditRecords() {
				switch r.Phase {
				case audit.PhaseAttempt:
					attempts++
				case audit.PhaseResult:
					tries += len(r.Retries)
					if r.Result != audit.ResultOK {
						t.Errorf("a call of a complete run is recorded %s: %s", r.Result, r.Error)
					}
					if r.AnswerLost != "" {
						lost++
						if !strings.HasSuffix(r.Note, "reading the tenant shows the call took effect") {
							t.Errorf("a call whose answer was lost (%s) is noted %q", r.AnswerLost, r.Note)
						}
					}
				}
			}
			if int64(lost) > faults[emulator.FaultLostReply] {
				t.Errorf("%d calls say their answer was lost after taking effect; the tenant lost %d answers", lost, faults[emulator.FaultLostReply])
			}
			if attempts != len(plan.StepIDs()) {
				t.Errorf("%d attempts on the record for %d calls", attempts, len(plan.StepIDs()))
			}
			retried += tries
			t.Logf("faults %v; %d calls, %d tries sent again, %d answers lost and the call read as made", faults, attempts, tries, lost)
		})
	}
	if retried == 0 {
		t.Error("no call was sent twice: the faults never hit a write")
	}
}

// Two links into one primary whose merges both set app_metadata.roles (the
// second to the union of both secondaries' roles): a run killed once the
// second merge took effect, before its journal heard of it, resumes. The
// first merge, done in the journal, is confirmed without the key a later
// step may have set again (the tenant shows the second merge's value), and
// the second is settled by reading the tenant; each call is made once.
func TestResumeAfterASecondMergeOfOnePrimaryWasCutOff(t *testing.T) {
	for _, mode := range []string{crashAfter, crashBefore} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			sb := newSandbox(t, emulator.Options{})
			for id, role := range map[string]string{weiGoogle: "support", weiGitHub: "billing"} {
				if _, err := sb.tenant.UpdateMetadata(ctx, id, nil, map[string]any{"roles": []string{role}}); err != nil {
					t.Fatal(err)
				}
			}
			ops, err := linking.PlanGroup(ctx, sb.tenant, sb.group("wei.zhang@gmail.com"), weiDB, sb.conns(), linking.LinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p := sb.plan(ops...)
			if got := p.StepIDs(); !slices.Equal(got, []string{"op1.patch", "op1.link", "op2.patch", "op2.link"}) {
				t.Fatalf("steps %v", got)
			}
			for _, op := range p.Operations {
				if !strings.Contains(string(op.Steps[0].Call.Body), `"roles"`) {
					t.Fatalf("%s's merge does not set app_metadata.roles: %s", op.ID, op.Steps[0].Call.Body)
				}
			}
			journalPath := filepath.Join(sb.dir, "journals", p.ID+".journal")
			j, err := audit.OpenJournal(journalPath, p.ID, p.StepIDs())
			if err != nil {
				t.Fatal(err)
			}
			ft := &faultTenant{Tenant: sb.tenant, mode: mode, at: 2} // op2.patch
			ex := sb.executor()
			ex.Tenant, ex.Journal = ft, j
			done := make(chan struct{})
			go func() { // the crash ends this goroutine mid-step, as SIGKILL ends a process
				defer close(done)
				ex.Apply(ctx, p)
			}()
			<-done
			j.Close()
			if !ft.fired {
				t.Fatal("the fault never fired")
			}

			_, res, err := sb.resume(journalPath, p)
			if err != nil || !res.Complete() {
				t.Fatalf("resume: %v\n%+v", err, res)
			}
			primary := sb.mustUser(weiDB)
			if _, am := linking.UserMetadata(primary); len(identityIDs(primary)) != 3 || !sameJSON(mustMarshal(t, am["roles"]), mustMarshal(t, []string{"support", "billing"})) && !sameJSON(mustMarshal(t, am["roles"]), mustMarshal(t, []string{"billing", "support"})) {
				t.Errorf("the primary after resume: identities %v, app_metadata %v", identityIDs(primary), am)
			}
			if got, want := writeCounts(sb)[patchRoute], int64(2+2); got != want { // two to set the secondaries' roles up, two merges
				t.Errorf("%d PATCHes, want %d", got, want)
			}
			if got := writeCounts(sb)[linkRoute]; got != 2 {
				t.Errorf("%d links, want 2", got)
			}
		})
	}
}

// A ticket step cut off after the journal marked it started but before its
// attempt was on record never reached the tenant: resume makes the ticket
// (its URL is shown then). One whose attempt is on record may have been
// made, and no read of the tenant shows a ticket: the apply that resumes
// stops there, failed, rather than make a second one on its own; the run
// after it (the operator's decision) makes a new one.
func TestAResumedTicketIsMadeOnlyWhenItsCallNeverWentOut(t *testing.T) {
	for _, attemptOnRecord := range []bool{false, true} {
		t.Run(fmt.Sprintf("attempt on record %v", attemptOnRecord), func(t *testing.T) {
			sb, ex, p, cutOff := cutOffTicket(t, attemptOnRecord)
			res, err := ex.Apply(context.Background(), p)
			made := sb.srv.Stats().Requests["POST /api/v2/tickets/password-change"]
			var cutOffResult audit.Record
			for _, r := range sb.auditRecords() {
				if r.OpID == cutOff && r.Phase == audit.PhaseResult {
					cutOffResult = r
				}
			}
			if !attemptOnRecord {
				if err != nil || !res.Complete() || made != 1 || res.Steps[0].Ticket == "" {
					t.Fatalf("resume did not make the ticket never made: %v, %d tickets, %+v", err, made, res)
				}
				if !strings.HasPrefix(cutOffResult.Failed(), "resolved on resume: the call was never made") {
					t.Errorf("the cut-off call's result says %q", cutOffResult.Failed())
				}
				return
			}
			if made != 0 || res.Complete() || res.Steps[0].Status != linking.StatusUnknown || cutOffResult.Result != audit.ResultUnknown || !strings.Contains(cutOffResult.Error, "cannot be read back") {
				t.Fatalf("a ticket whose call may have gone out: %d made, %v, result %q", made, err, cutOffResult.Error)
			}
			if res, err := ex.Apply(context.Background(), p); err != nil || !res.Complete() || sb.srv.Stats().Requests["POST /api/v2/tickets/password-change"] != 1 {
				t.Fatalf("the run after: %v %+v", err, res)
			}
		})
	}
	// linkdesk resume settles first and makes nothing; finishing then
	// makes the ticket once.
	for _, attemptOnRecord := range []bool{false, true} {
		sb, ex, p, _ := cutOffTicket(t, attemptOnRecord)
		settled, err := ex.Settle(context.Background(), p)
		want := linking.StatusNotRun
		if attemptOnRecord {
			want = linking.StatusUnknown // it may have gone out
		}
		if err != nil || sb.srv.Stats().Requests["POST /api/v2/tickets/password-change"] != 0 || settled.Steps[0].Status != want {
			t.Fatalf("settling (attempt on record %v): %v, %+v", attemptOnRecord, err, settled)
		}
		// What resume tells the operator before finishing: this one may
		// have been made, and finishing makes another.
		if got := linking.MayHaveBeenMade(ex.Journal.Steps()[0].Note); got != attemptOnRecord {
			t.Errorf("MayHaveBeenMade(%q) = %v (attempt on record %v)", ex.Journal.Steps()[0].Note, got, attemptOnRecord)
		}
		if res, err := ex.Apply(context.Background(), p); err != nil || !res.Complete() || sb.srv.Stats().Requests["POST /api/v2/tickets/password-change"] != 1 {
			t.Fatalf("finishing (attempt on record %v): %v %+v", attemptOnRecord, err, res)
		}
	}
}

// A ticket or a verification email whose answer is lost while the run
// goes on may have gone out, and no read of the tenant can tell: the audit
// log says unknown (not error), the run stops there, and the journal keeps
// it failed with the words resume shows before making it again. The run
// makes one call, and resume makes none of its own.
func TestALostTicketOrEmailAnswerIsRecordedAsMayHaveGoneOut(t *testing.T) {
	for _, tc := range []struct {
		route string
		plan  func(sb *sandbox) linking.Operation
	}{
		{"POST /api/v2/tickets/password-change", func(sb *sandbox) linking.Operation {
			return sb.planned(linking.PlanTicket(sb.mustUser(aliceDB), client.TicketOptions{}, "ZD-4"))
		}},
		{emulator.RouteVerificationEmail, func(sb *sandbox) linking.Operation {
			return sb.planned(linking.PlanVerifyEmail(sb.mustUser(mariaDB), linking.VerifyOptions{}, "ZD-5"))
		}},
	} {
		t.Run(tc.route, func(t *testing.T) {
			sb := newSandbox(t, emulator.Options{})
			p := sb.plan(tc.plan(sb))
			step := p.Operations[0].Steps[0]
			ex := sb.journaledExecutor(t, p)
			ex.Tenant = &faultTenant{Tenant: sb.tenant, mode: lostAnswerAlive, cancel: func() {}}
			res, err := ex.Apply(context.Background(), p)
			if !errors.Is(err, client.ErrOutcomeUnknown) || res.Complete() || res.Steps[0].Status != linking.StatusUnknown {
				t.Fatalf("a lost answer: %v, %+v", err, res.Steps)
			}
			if n := sb.srv.Stats().Requests[tc.route]; n != 1 {
				t.Fatalf("%d calls made, want 1", n)
			}
			recs := sb.auditRecords()
			if len(recs) != 2 || recs[1].Phase != audit.PhaseResult || recs[1].Result != audit.ResultUnknown || !strings.Contains(recs[1].Error, "cannot be read back") {
				t.Fatalf("audit log: %+v", recs)
			}
			st := ex.Journal.Steps()[0]
			if st.State != audit.StepFailed || !linking.MayHaveBeenMade(st.Note) {
				t.Errorf("journal: %s %q", st.State, st.Note)
			}
			// resume reads the journal and makes nothing on its own.
			ex.Tenant = sb.tenant
			settled, err := ex.Settle(context.Background(), p)
			if err != nil || settled.Steps[0].Step != step.ID || sb.srv.Stats().Requests[tc.route] != 1 || len(sb.auditRecords()) != 2 {
				t.Fatalf("settling: %v, %+v", err, settled)
			}
		})
	}
}

// The run that resumes a cut-off ticket may be given another audit log
// (--audit-log) than the run cut off: whether the call went out is still
// read in the log that run wrote to, which the journal names, so a ticket
// whose attempt is on record there is not made again, and one never made
// is. A log gone since cannot show a call never went out: not made again.
func TestAResumeWithAnotherAuditLogReadsTheCutOffRunsLog(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		attemptOnRecord, goneLog bool
		made                     int64
	}{
		{"attempt on record", true, false, 0},
		{"no attempt", false, false, 1},
		{"the cut-off run's log gone", false, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, ex, p, _ := cutOffTicket(t, tc.attemptOnRecord)
			if tc.goneLog {
				if err := os.Rename(sb.log.Path(), sb.log.Path()+".moved"); err != nil {
					t.Fatal(err)
				}
			}
			other, err := audit.OpenLog(filepath.Join(t.TempDir(), "other-audit.log"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			ex.Log = other
			res, err := ex.Apply(context.Background(), p)
			made := sb.srv.Stats().Requests["POST /api/v2/tickets/password-change"]
			if made != tc.made {
				t.Fatalf("%d tickets made on resume, want %d (%v, %+v)", made, tc.made, err, res)
			}
			if tc.made == 0 && (res.Complete() || res.Steps[0].Status != linking.StatusUnknown) {
				t.Errorf("a ticket that may have been made: the resume should stop failed, %+v", res)
			}
		})
	}
}

// The result a resume records for a cut-off call goes beside its attempt,
// in the log the cut-off run wrote to (the journal names it), not in the
// log the resuming run was given: there the call would stand as an attempt
// without a result for good, and its undo be refused.
func TestAResumeRecordsTheResultBesideTheAttempt(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)...)
	ex, cutOff := sb.cutOffFirstStep(p, true)
	otherPath := filepath.Join(t.TempDir(), "other-audit.log")
	other, err := audit.OpenLog(otherPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	ex.Log = other
	if _, err := ex.Settle(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	phases := map[string]int{}
	for _, r := range sb.auditRecords() {
		if r.OpID == cutOff {
			phases[r.Phase]++
		}
	}
	if phases[audit.PhaseAttempt] != 1 || phases[audit.PhaseResult] != 1 {
		t.Errorf("the cut-off run's log holds %v of the call, want its attempt and one result", phases)
	}
	recs, _, err := audit.ReadLog(otherPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.OpID == cutOff {
			t.Errorf("the resuming run's log holds a record of the cut-off call: %+v", r)
		}
	}
}

// A call cut off in flight and settled by a later run (resume --reason)
// keeps, in its result, the reason of the run that made it, with the
// resuming run's beside it; how it was settled goes in the note.
func TestASettledCallKeepsTheReasonOfTheRunThatMadeIt(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planLink(linking.LinkOptions{NoMergeMetadata: true}, aliceDB, aliceGoogle)...)
	ex, cutOff := sb.cutOffFirstStep(p, false)
	step := p.Operations[0].Steps[0]
	made := "3 accounts share the email; this run: ZD-4411"
	if err := sb.log.Append(audit.Record{Action: step.Action, Phase: audit.PhaseAttempt, OpID: cutOff, PlanID: p.ID, Step: step.ID,
		UserIDs: []string{aliceDB, aliceGoogle}, Reason: made}); err != nil {
		t.Fatal(err)
	}
	// The call reached the tenant; its answer never came back.
	if _, err := sb.tenant.Link(context.Background(), aliceDB, client.LinkTarget{Provider: "google-oauth2", UserID: strings.TrimPrefix(aliceGoogle, "google-oauth2|")}); err != nil {
		t.Fatal(err)
	}
	ex.RunReason = "ZD-4411 resumed"
	if _, err := ex.Settle(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	var results []audit.Record
	for _, r := range sb.auditRecords() {
		if r.OpID == cutOff && r.Phase == audit.PhaseResult {
			results = append(results, r)
		}
	}
	if len(results) != 1 {
		t.Fatalf("%d results of the cut-off call, want 1", len(results))
	}
	r := results[0]
	if want := made + "; resumed: ZD-4411 resumed"; r.Result != audit.ResultOK || r.Reason != want {
		t.Errorf("the settled result: %s, reason %q, want ok and %q", r.Result, r.Reason, want)
	}
	if !strings.Contains(r.Note, "resolved on resume") || r.Error != "" || r.AnswerLost != "an earlier run was cut off during this call" {
		t.Errorf("how it was settled: note %q, error %q, answer_lost %q", r.Note, r.Error, r.AnswerLost)
	}
}

// cutOffTicket is a ticket plan whose run the journal says was cut off in
// its call, with the attempt on record or not, and the executor to resume it.
func cutOffTicket(t *testing.T, attemptOnRecord bool) (*sandbox, *linking.Executor, *linking.Plan, string) {
	t.Helper()
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planned(linking.PlanTicket(sb.mustUser(aliceDB), client.TicketOptions{}, "ZD-3")))
	ex, cutOff := sb.cutOffFirstStep(p, attemptOnRecord)
	return sb, ex, p, cutOff
}

// cutOffFirstStep is p's run cut off in its first call, with the attempt on
// record or not, and the executor to resume it.
func (sb *sandbox) cutOffFirstStep(p *linking.Plan, attemptOnRecord bool) (*linking.Executor, string) {
	t := sb.t
	t.Helper()
	step := p.Operations[0].Steps[0]
	journalPath := filepath.Join(sb.dir, "apply.journal")
	j, err := audit.OpenJournal(journalPath, p.ID, p.StepIDs())
	if err != nil {
		t.Fatal(err)
	}
	cutOff := audit.NewOpID()
	if err := j.MarkStarted(step.ID, cutOff, sb.log.Path()); err != nil {
		t.Fatal(err)
	}
	if attemptOnRecord {
		if err := sb.log.Append(audit.Record{Action: step.Action, Phase: audit.PhaseAttempt, OpID: cutOff, PlanID: p.ID, Step: step.ID, UserIDs: []string{aliceDB}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close() // the process dies here
	if j, err = audit.OpenJournal(journalPath, p.ID, p.StepIDs()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ex := sb.executor()
	ex.Journal = j
	return ex, cutOff
}

// A link cut off in its merge, whose primary another operator deletes
// before anyone resumes: the tenant can no longer show whether the merge
// took effect. Resume settles it as may-have-taken-effect (unknown in the
// audit log, never made again by this plan) instead of refusing for good,
// so that the plan can be discarded; finishing it is refused, with no write.
func TestACutOffCallOnATenantThatChangedSinceIsSettledAsUnknowable(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)...)
	ex, cutOff := sb.cutOffFirstStep(p, true)
	if err := sb.tenant.DeleteUser(context.Background(), aliceDB); err != nil {
		t.Fatal(err)
	}
	res, err := ex.Settle(context.Background(), p)
	if err != nil {
		t.Fatalf("settle: %v", err)
	}
	st := res.Steps[0]
	if st.Status != linking.StatusUnknown || !strings.Contains(st.Note, "no longer exists") || !strings.Contains(st.Note, "cannot be read on the tenant as it is now") {
		t.Fatalf("the cut-off merge settles as %s: %q %q", st.Status, st.Note, st.Error)
	}
	var results []string
	for _, r := range sb.auditRecords() {
		if r.OpID == cutOff && r.Phase == audit.PhaseResult {
			results = append(results, r.Result)
		}
	}
	if len(results) != 1 || results[0] != audit.ResultUnknown {
		t.Errorf("the cut-off call's results: %v, want one unknown", results)
	}
	js := ex.Journal.Steps()[0]
	if js.State != audit.StepFailed || !linking.MayHaveBeenMade(js.Note) || linking.PlanMakesAgain(js.Note) {
		t.Errorf("journal: %s %q", js.State, js.Note)
	}
	writes := len(sb.writesSent())
	if _, err := ex.Apply(context.Background(), p); err == nil {
		t.Error("the plan finished on a tenant without its primary")
	}
	if n := len(sb.writesSent()) - writes; n != 0 {
		t.Errorf("finishing made %d writes", n)
	}
}

// apply's dry run says of a call cut off what a run then does with it, in
// its words: a ticket whose attempt is on record may have gone out, and a
// merge whose primary another operator deleted since can no longer be read
// back: a run records either unknown and stops there; a ticket whose
// attempt never reached the record was never sent, and a run makes it.
func TestAnApplyDryRunSaysWhatARunDoesWithACallCutOff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cut     func(t *testing.T) (*sandbox, *linking.Executor, *linking.Plan)
		outcome string
		status  linking.StepStatus
	}{
		{"a ticket that may have gone out", func(t *testing.T) (*sandbox, *linking.Executor, *linking.Plan) {
			sb, ex, p, _ := cutOffTicket(t, true)
			return sb, ex, p
		}, linking.CutUnknown, linking.StatusUnknown},
		{"a ticket never sent", func(t *testing.T) (*sandbox, *linking.Executor, *linking.Plan) {
			sb, ex, p, _ := cutOffTicket(t, false)
			return sb, ex, p
		}, linking.CutNotMade, linking.StatusDone},
		{"a merge whose primary was deleted since", func(t *testing.T) (*sandbox, *linking.Executor, *linking.Plan) {
			sb := newSandbox(t, emulator.Options{})
			p := sb.plan(sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)...)
			ex, _ := sb.cutOffFirstStep(p, true)
			if err := sb.tenant.DeleteUser(context.Background(), aliceDB); err != nil {
				t.Fatal(err)
			}
			return sb, ex, p
		}, linking.CutUnknown, linking.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, ex, p := tc.cut(t)
			snap, err := audit.ReadJournal(ex.Journal.Path())
			if err != nil {
				t.Fatal(err)
			}
			records := len(sb.auditRecords())
			checked, err := sb.executor().Precheck(context.Background(), p, snap, nil)
			if err != nil || len(sb.auditRecords()) != records {
				t.Fatalf("the dry run: %v; %d audit records written", err, len(sb.auditRecords())-records)
			}
			if len(checked.Unsettled) != 1 || checked.Unsettled[0].Outcome != tc.outcome || len(checked.Refused) != 0 {
				t.Fatalf("the dry run: unsettled %+v, refused %+v; want %s", checked.Unsettled, checked.Refused, tc.outcome)
			}
			cut := checked.Unsettled[0]
			res, err := ex.Apply(context.Background(), p)
			got := res.Steps[0]
			if got.Step != cut.Step || got.Status != tc.status || (err != nil) != (tc.status == linking.StatusUnknown) {
				t.Fatalf("the run after the dry run: %v %+v", err, got)
			}
			if tc.status == linking.StatusUnknown && got.Error != cut.Note || tc.status == linking.StatusDone && !strings.HasPrefix(cut.Note, "the call was never made") {
				t.Errorf("the dry run said %q; the run: %q", cut.Note, got.Error)
			}
		})
	}
}

// A run killed after it wrote a call's result to the audit log and before
// its journal said so: resume reads the tenant, finds the call made, and
// keeps the result on record as the call's one result, making nothing.
func TestACallRecordedBeforeTheKillKeepsItsOneResult(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	p := sb.plan(sb.planLink(linking.LinkOptions{NoMergeMetadata: true}, aliceDB, aliceGoogle)...)
	if res, err := sb.executor().Apply(context.Background(), p); err != nil || !res.Complete() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	var link audit.Record
	for _, r := range sb.auditRecords() {
		if r.Phase == audit.PhaseAttempt && r.Action == linking.ActionLink {
			link = r
		}
	}
	// The journal as the kill left it: the link started, its result on disk.
	path := filepath.Join(sb.dir, "killed.journal")
	j, err := audit.OpenJournal(path, p.ID, p.StepIDs())
	if err != nil {
		t.Fatal(err)
	}
	if err := j.MarkStarted(link.Step, link.OpID, sb.executor().Log.Path()); err != nil {
		t.Fatal(err)
	}
	j.Close()
	writes := len(sb.writesSent())

	if _, res, err := sb.resume(path, p); err != nil || !res.Complete() {
		t.Fatalf("resume: %v %+v", err, res)
	}
	results := 0
	for _, r := range sb.auditRecords() {
		if r.OpID == link.OpID && r.Phase == audit.PhaseResult {
			results++
		}
	}
	if results != 1 || len(sb.writesSent()) != writes {
		t.Errorf("the call has %d results, and resume sent %d writes; want 1 and none", results, len(sb.writesSent())-writes)
	}
}
