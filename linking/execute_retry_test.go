package linking_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// failFirst answers the first request of method to a path holding route
// with a 503 in Auth0's shape, before the tenant sees it; the rest go on
// to the tenant through the sandbox's recorder. Or, as lose says, that
// request gets no answer (the connection reset): before it reaches the
// tenant (dropped), or after the tenant acted on it (lostReply, as the
// emulator's lost_reply fault does).
type failFirst struct {
	next          http.RoundTripper
	method, route string
	lose          string

	mu   sync.Mutex
	done bool
}

func (f *failFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	hit := !f.done && req.Method == f.method && strings.Contains(req.URL.Path, f.route)
	f.done = f.done || hit
	f.mu.Unlock()
	if !hit {
		return f.next.RoundTrip(req)
	}
	switch f.lose {
	case lostReply:
		resp, err := f.next.RoundTrip(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errNetwork
	case dropped:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errNetwork
	}
	if req.Body != nil {
		req.Body.Close()
	}
	body := `{"statusCode":503,"error":"Service Unavailable","message":"The service is unavailable","errorCode":"service_unavailable"}`
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// How failFirst loses the answer of the request it fails.
const (
	dropped   = "dropped before the tenant"  // the tenant never sees it
	lostReply = "answer lost after the call" // the tenant acts on it
)

// connectFailingFirst is a client of the sandbox whose first such request
// is answered 503, or gets no answer as lose says.
func (sb *sandbox) connectFailingFirst(method, route string, lose ...string) client.Tenant {
	sb.t.Helper()
	f := &failFirst{next: recorder{sb}, method: method, route: route}
	if len(lose) > 0 {
		f.lose = lose[0]
	}
	tn, err := client.New(context.Background(), client.Config{
		Domain: sb.base, ClientID: sb.srv.ClientID(), ClientSecret: sb.srv.ClientSecret(),
		Transport: f,
	})
	if err != nil {
		sb.t.Fatal(err)
	}
	return tn
}

// oneCall is the one attempt and the one result of step on the record,
// paired by their op id: however often its request went out, a step's
// call is one call. The test fails otherwise.
func oneCall(t *testing.T, sb *sandbox, step string) (attempt, result audit.Record) {
	t.Helper()
	var attempts, results []audit.Record
	for _, r := range sb.auditRecords() {
		switch {
		case r.Step != step:
		case r.Phase == audit.PhaseAttempt:
			attempts = append(attempts, r)
		case r.Phase == audit.PhaseResult:
			results = append(results, r)
		}
	}
	if len(attempts) != 1 || len(results) != 1 || results[0].OpID != attempts[0].OpID {
		var said []string
		for _, r := range results {
			said = append(said, r.OpID+" "+r.Result+" "+r.Error)
		}
		t.Fatalf("step %s has %d attempts and %d results on the record, want 1 and 1 of one op id: %q", step, len(attempts), len(results), said)
	}
	return attempts[0], results[0]
}

// applyCompletes applies p with ex, failing the test unless every step
// is done, and returns the run's result.
func applyCompletes(t *testing.T, ex *linking.Executor, p *linking.Plan) *linking.Result {
	t.Helper()
	res, err := ex.Apply(context.Background(), p)
	if err != nil || !res.Complete() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	return res
}

// A link answered 503, which reading the tenant shows did not take effect,
// is sent again by the executor and done: that is one call on the record,
// one attempt and one "ok" result, whose retries and note say the first
// try was answered 503 and sent again. (It was an "error" result and an
// "ok" one under two op ids: `linkdesk audit` read as if the link had
// failed and been done.)
func TestALinkSentAgainAfterA503IsOneCallOnTheRecord(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, weiDB, weiGoogle)
	p := sb.plan(ops...)
	ex := sb.journaledExecutor(t, p)
	ex.Tenant = sb.connectFailingFirst(http.MethodPost, "/identities")
	res := applyCompletes(t, ex, p)
	_, r := oneCall(t, sb, p.StepIDs()[len(p.StepIDs())-1])
	if r.Result != audit.ResultOK || r.Error != "" || r.OpID != res.Steps[len(res.Steps)-1].OpID || r.AnswerLost != "" {
		t.Errorf("the link's result: %s %q, op %s, answer_lost %q (its last try was answered)", r.Result, r.Error, r.OpID, r.AnswerLost)
	}
	if len(r.Retries) != 1 {
		t.Fatalf("retries %+v, want the one try answered 503", r.Retries)
	}
	if try := r.Retries[0]; try.Status != 503 || !strings.Contains(try.Error, "503 service_unavailable: The service is unavailable") ||
		try.Note != "reading the tenant shows the call did not take effect, so linkdesk sent it again" || try.Time.IsZero() {
		t.Errorf("the try sent again: %+v", try)
	}
	const note = "sent 2 times: try 1 answered 503 service_unavailable: The service is unavailable (reading the tenant shows the call did not take effect, so linkdesk sent it again); try 2 done"
	if r.Note != note {
		t.Errorf("note %q, want %q", r.Note, note)
	}
	if got := writeCounts(sb)[linkRoute]; got != 1 {
		t.Errorf("the tenant saw %d links, want 1 (the 503 never reached it)", got)
	}
	if st := ex.Journal.Steps()[len(ex.Journal.Steps())-1]; st.State != audit.StepDone {
		t.Errorf("journal: %+v", st)
	}
	sb.checkRecord()
}

// A metadata PATCH answered 503 is sent again by the client itself (it is
// safe to repeat): its one result says so, which it did not at all.
func TestAPatchTheClientSentAgainSaysSoInItsResult(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(ops...)
	ex := sb.executor()
	ex.Tenant = sb.connectFailingFirst(http.MethodPatch, "/api/v2/users/")
	applyCompletes(t, ex, p)
	patch := p.StepIDs()[0]
	if !strings.HasSuffix(patch, ".patch") {
		t.Fatalf("steps %v: no metadata PATCH first", p.StepIDs())
	}
	_, r := oneCall(t, sb, patch)
	if r.Result != audit.ResultOK {
		t.Fatalf("the PATCH's result: %+v", r)
	}
	if len(r.Retries) != 1 || r.Retries[0].Status != 503 || r.Retries[0].Note != "the request is safe to repeat, so the client sent it again" {
		t.Errorf("retries %+v", r.Retries)
	}
	if !strings.HasPrefix(r.Note, "sent 2 times: try 1 answered 503 service_unavailable") || !strings.HasSuffix(r.Note, "; try 2 done") {
		t.Errorf("note %q", r.Note)
	}
	if _, link := oneCall(t, sb, p.StepIDs()[1]); len(link.Retries) != 0 || link.Note != "" {
		t.Errorf("the link, sent once, says it was sent again: %+v", link)
	}
	sb.checkRecord()
}

// cancelAfterReads cancels the run a while after the last read that
// follows a failed link: during the executor's pause before it sends the
// link again.
type cancelAfterReads struct {
	client.Tenant
	cancel context.CancelFunc

	mu     sync.Mutex
	failed bool
	timer  *time.Timer
}

func (c *cancelAfterReads) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	ids, err := c.Tenant.Link(ctx, primary, s)
	c.mu.Lock()
	c.failed = c.failed || err != nil
	c.mu.Unlock()
	return ids, err
}

func (c *cancelAfterReads) User(ctx context.Context, id string) (client.User, error) {
	u, err := c.Tenant.User(ctx, id)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed {
		if c.timer != nil {
			c.timer.Stop()
		}
		c.timer = time.AfterFunc(150*time.Millisecond, c.cancel) // the pause before the next try is 500 ms
	}
	return u, err
}

// A run interrupted in the pause before the link is sent again records
// the call once, "error" with what its one try met and that it was not
// sent again; the journal lets the next run make it.
func TestARunInterruptedBeforeASendAgainRecordsTheCallOnce(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, weiDB, weiGoogle)
	p := sb.plan(ops...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ex := sb.journaledExecutor(t, p)
	ex.Tenant = &cancelAfterReads{Tenant: sb.connectFailingFirst(http.MethodPost, "/identities"), cancel: cancel}
	if _, err := ex.Apply(ctx, p); !errors.Is(err, linking.ErrInterrupted) || !strings.Contains(err.Error(), "before retrying step") {
		t.Fatalf("apply: %v, want interrupted before the link was sent again", err)
	}
	_, r := oneCall(t, sb, p.StepIDs()[len(p.StepIDs())-1])
	if r.Result != audit.ResultError || !strings.Contains(r.Error, "503 service_unavailable: The service is unavailable; reading the tenant shows the call did not take effect") || r.Note != "interrupted before it was sent again" || len(r.Retries) != 0 ||
		!strings.HasSuffix(r.AnswerLost, "503 service_unavailable: The service is unavailable") {
		t.Errorf("the result: %s %q note %q retries %+v answer_lost %q", r.Result, r.Error, r.Note, r.Retries, r.AnswerLost)
	}
	if got := writeCounts(sb)[linkRoute]; got != 0 {
		t.Errorf("the tenant saw %d links, want none", got)
	}
	if st := ex.Journal.Steps()[len(ex.Journal.Steps())-1]; st.State != audit.StepFailed {
		t.Errorf("journal: %+v", st)
	}
	j := ex.Journal
	ex = sb.executor()
	ex.Journal = j
	if res, err := ex.Apply(context.Background(), p); err != nil || !res.Complete() {
		t.Fatalf("applied again: %v %+v", err, res)
	}
	if got := writeCounts(sb)[linkRoute]; got != 1 {
		t.Errorf("the tenant saw %d links, want 1", got)
	}
	sb.checkRecord()
}

// A link or an unlink whose request reaches the tenant, which makes it,
// and whose answer is lost on the way back is one call, sent once: the
// client reads the primary, finds the call made and answers as if the
// tenant had. Its one result is "ok" and says so, in its note and its
// answer_lost, as does the step's report: it said nothing at all, and the
// audit log read as if the answer had come. One whose request was lost
// before the tenant saw it is read as not made and sent again: its
// retries and note say so, in the same words.
func TestACallWhoseAnswerWasLostSaysHowItsOutcomeWasRead(t *testing.T) {
	const reset = "read tcp 127.0.0.1:1: connection reset by peer"
	for _, tc := range []struct {
		name, method, route, count string
		ops                        func(sb *sandbox) []linking.Operation
		retried                    string // the client's words for a try read as not made
	}{
		{"link", http.MethodPost, "/identities", linkRoute, func(sb *sandbox) []linking.Operation {
			return sb.planLink(linking.LinkOptions{}, weiDB, weiGoogle)
		}, "the answer was lost, and reading the primary shows the link was not made"},
		{"unlink", http.MethodDelete, "/identities/", unlinkRoute, func(sb *sandbox) []linking.Operation {
			return []linking.Operation{sb.planned(linking.PlanUnlink(sb.mustUser(samDB), "google-oauth2", "101202303404505606707", ""))}
		}, "the answer was lost, and reading the primary shows the identity still linked"},
	} {
		for _, lose := range []string{lostReply, dropped} {
			t.Run(tc.name+"/"+lose, func(t *testing.T) {
				sb := newSandbox(t, emulator.Options{})
				p := sb.plan(tc.ops(sb)...)
				ex := sb.journaledExecutor(t, p)
				ex.Tenant = sb.connectFailingFirst(tc.method, tc.route, lose)
				res := applyCompletes(t, ex, p)
				_, r := oneCall(t, sb, p.StepIDs()[len(p.StepIDs())-1])
				if r.Result != audit.ResultOK || r.Error != "" {
					t.Errorf("the result: %s %q", r.Result, r.Error)
				}
				note, lost := "the answer was lost ("+reset+"); reading the tenant shows the call took effect", reset
				if lose == dropped {
					note, lost = "sent 2 times: try 1 got no answer: "+reset+" ("+tc.retried+", so the client sent it again); try 2 done", ""
					if len(r.Retries) != 1 || r.Retries[0].Status != 0 || !strings.HasSuffix(r.Retries[0].Error, reset) {
						t.Errorf("retries %+v, want the try read as not made", r.Retries)
					}
				} else if len(r.Retries) != 0 {
					t.Errorf("retries %+v of a call sent once", r.Retries)
				}
				if r.Note != note || !strings.HasSuffix(r.AnswerLost, lost) || (lost == "") != (r.AnswerLost == "") {
					t.Errorf("the result's note %q, answer_lost %q; want %q, %q", r.Note, r.AnswerLost, note, lost)
				}
				if rep := res.Steps[len(res.Steps)-1]; rep.Status != linking.StatusDone || rep.Note != note || rep.Error != "" {
					t.Errorf("the step's report: %+v", rep)
				}
				// The tenant saw the one try that reached it.
				if got, made := writeCounts(sb)[tc.count], sb.srv.Stats().Effects[tc.count]; got != 1 || made != 1 {
					t.Errorf("the tenant saw %d such calls and made %d, want 1 and 1", got, made)
				}
				if st := ex.Journal.Steps()[len(ex.Journal.Steps())-1]; st.State != audit.StepDone {
					t.Errorf("journal: %+v", st)
				}
				sb.checkRecord()
			})
		}
	}
}
