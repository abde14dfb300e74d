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
// to the tenant through the sandbox's recorder.
type failFirst struct {
	next          http.RoundTripper
	method, route string

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
	if req.Body != nil {
		req.Body.Close()
	}
	body := `{"statusCode":503,"error":"Service Unavailable","message":"The service is unavailable","errorCode":"service_unavailable"}`
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// connectFailingFirst is a client of the sandbox whose first such request
// is answered 503.
func (sb *sandbox) connectFailingFirst(method, route string) client.Tenant {
	sb.t.Helper()
	tn, err := client.New(context.Background(), client.Config{
		Domain: sb.base, ClientID: sb.srv.ClientID(), ClientSecret: sb.srv.ClientSecret(),
		Transport: &failFirst{next: recorder{sb}, method: method, route: route},
	})
	if err != nil {
		sb.t.Fatal(err)
	}
	return tn
}

// stepRecords are the audit records of one step, oldest first.
func stepRecords(sb *sandbox, step string) (attempts, results []audit.Record) {
	for _, r := range sb.auditRecords() {
		switch {
		case r.Step != step:
		case r.Phase == audit.PhaseAttempt:
			attempts = append(attempts, r)
		case r.Phase == audit.PhaseResult:
			results = append(results, r)
		}
	}
	return attempts, results
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
	res, err := ex.Apply(context.Background(), p)
	if err != nil || !res.Complete() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	step := p.StepIDs()[len(p.StepIDs())-1]
	attempts, results := stepRecords(sb, step)
	if len(attempts) != 1 || len(results) != 1 {
		var said []string
		for _, r := range results {
			said = append(said, r.OpID+" "+r.Result+" "+r.Error)
		}
		t.Fatalf("the link has %d attempts and %d results on the record, want 1 and 1: %q", len(attempts), len(results), said)
	}
	r := results[0]
	if r.Result != audit.ResultOK || r.Error != "" || r.OpID != attempts[0].OpID || r.OpID != res.Steps[len(res.Steps)-1].OpID {
		t.Errorf("the link's result: %s %q, op %s (attempt %s)", r.Result, r.Error, r.OpID, attempts[0].OpID)
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
	if res, err := ex.Apply(context.Background(), p); err != nil || !res.Complete() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	patch := p.StepIDs()[0]
	if !strings.HasSuffix(patch, ".patch") {
		t.Fatalf("steps %v: no metadata PATCH first", p.StepIDs())
	}
	attempts, results := stepRecords(sb, patch)
	if len(attempts) != 1 || len(results) != 1 || results[0].Result != audit.ResultOK {
		t.Fatalf("the PATCH has %d attempts and %d results: %+v", len(attempts), len(results), results)
	}
	r := results[0]
	if len(r.Retries) != 1 || r.Retries[0].Status != 503 || r.Retries[0].Note != "the request is safe to repeat, so the client sent it again" {
		t.Errorf("retries %+v", r.Retries)
	}
	if !strings.HasPrefix(r.Note, "sent 2 times: try 1 answered 503 service_unavailable") || !strings.HasSuffix(r.Note, "; try 2 done") {
		t.Errorf("note %q", r.Note)
	}
	_, linkResults := stepRecords(sb, p.StepIDs()[1])
	if len(linkResults) != 1 || len(linkResults[0].Retries) != 0 || linkResults[0].Note != "" {
		t.Errorf("the link, sent once, says it was sent again: %+v", linkResults)
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
	step := p.StepIDs()[len(p.StepIDs())-1]
	attempts, results := stepRecords(sb, step)
	if len(attempts) != 1 || len(results) != 1 {
		t.Fatalf("%d attempts, %d results: %+v", len(attempts), len(results), results)
	}
	r := results[0]
	if r.Result != audit.ResultError || !strings.Contains(r.Error, "503 service_unavailable: The service is unavailable; reading the tenant shows the call did not take effect") || r.Note != "interrupted before it was sent again" || len(r.Retries) != 0 {
		t.Errorf("the result: %s %q note %q retries %+v", r.Result, r.Error, r.Note, r.Retries)
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
