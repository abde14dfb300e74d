package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// wire stands in for the network under the stack: it records what reaches
// it and answers with the next of its answers (the last one repeats).
type wire struct {
	mu      sync.Mutex
	answers []func(*http.Request) (*http.Response, error)
	sent    []sentRequest
}

type sentRequest struct {
	method, path, auth, body string
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, sentRequest{req.Method, req.URL.Path, req.Header.Get("Authorization"), string(body)})
	answer := w.answers[min(len(w.sent), len(w.answers))-1]
	return answer(req)
}

func (w *wire) requests() []sentRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentRequest(nil), w.sent...)
}

func answer(status int, body string, header ...string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
}

func networkError(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

func newRequest(t *testing.T, ctx context.Context, method, path, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		// Not a strings.Reader: the stack must not count on GetBody.
		r = io.MultiReader(strings.NewReader(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://acme.eu.auth0.com"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer old")
	return req
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return string(b)
}

func TestReadOnlyGuardRefusesWritesBeforeTheWire(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		refused      bool
	}{
		{"PATCH", "/api/v2/users/auth0|1", true},
		{"POST", "/api/v2/users/auth0|1/identities", true},
		{"DELETE", "/api/v2/users/auth0|1", true},
		{"POST", "/api/v2/tickets/password-change", true},
		{"GET", "/api/v2/users/auth0|1", false},
		{"POST", "/api/v2/jobs/users-exports", false}, // an export only reads
		{"POST", "/oauth/token", false},
	} {
		w := &wire{answers: []func(*http.Request) (*http.Response, error){answer(200, "{}")}}
		_, err := readOnlyGuard{next: w}.RoundTrip(newRequest(t, context.Background(), tc.method, tc.path, `{"x":1}`))
		if refused := errors.Is(err, ErrReadOnly); refused != tc.refused || tc.refused && len(w.requests()) != 0 {
			t.Errorf("%s %s: err %v, %d requests on the wire", tc.method, tc.path, err, len(w.requests()))
		}
	}
}

func TestReadOnlyHoldsUnderTheSDKAndItsTokenFetch(t *testing.T) {
	w := &wire{answers: []func(*http.Request) (*http.Response, error){
		answer(200, `{"access_token":"tok","token_type":"Bearer","expires_in":86400}`, "Content-Type", "application/json"),
	}}
	tn, err := New(context.Background(), Config{Domain: "acme.eu.auth0.com", ClientID: "id", ClientSecret: "secret", ReadOnly: true, Transport: w})
	if err != nil {
		t.Fatal(err)
	}
	// Past the tenant's own check: the SDK fetches a token, then the transport refuses.
	tt := tn.(*tenant)
	err = tt.call(context.Background(), http.MethodPatch, tt.m.URI("users", "auth0|1"), map[string]any{"user_metadata": map[string]any{"x": 1}}, nil)
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("a PATCH in read-only mode: %v", err)
	}
	sent := w.requests()
	if len(sent) == 0 {
		t.Fatal("the SDK fetched no token: the test no longer reaches the transport")
	}
	for _, r := range sent {
		if r.path != "/oauth/token" {
			t.Errorf("%s %s reached the wire in read-only mode", r.method, r.path)
		}
	}
}

func TestRetrierNeverRepeatsAnUnsafeWrite(t *testing.T) {
	for name, first := range map[string]func(*http.Request) (*http.Response, error){
		"network error": networkError,
		"503":           answer(503, `{"error":"Service Unavailable"}`),
	} {
		w := &wire{answers: []func(*http.Request) (*http.Response, error){first, answer(201, "[]")}}
		rt := retrier{next: w, pacer: newPacer()}
		resp, err := rt.RoundTrip(newRequest(t, context.Background(), "POST", "/api/v2/users/auth0|1/identities", `{"provider":"github"}`))
		if resp != nil {
			resp.Body.Close()
		}
		if n := len(w.requests()); n != 1 || err == nil && resp.StatusCode != 503 {
			t.Errorf("%s on a link: sent %d times, answer %v %v; a link whose outcome is unknown must not be sent again", name, n, resp, err)
		}
	}
}

func TestRetrierRepeatsSafeRequestsWithTheWholeBody(t *testing.T) {
	w := &wire{answers: []func(*http.Request) (*http.Response, error){
		networkError, answer(502, "<html>bad gateway</html>"), answer(200, `{"user_id":"auth0|1"}`),
	}}
	rt := retrier{next: w, pacer: newPacer()}
	body := `{"user_metadata":{"plan":"pro"}}`
	resp, err := rt.RoundTrip(newRequest(t, withRetryable(context.Background()), "PATCH", "/api/v2/users/auth0|1", body))
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); resp.StatusCode != 200 || got != `{"user_id":"auth0|1"}` {
		t.Fatalf("answer %d %s", resp.StatusCode, got)
	}
	sent := w.requests()
	if len(sent) != 3 {
		t.Fatalf("sent %d times, want 3 (after a network error and a 502)", len(sent))
	}
	for i, r := range sent {
		if r.body != body {
			t.Errorf("attempt %d carried body %q", i+1, r.body)
		}
	}
}

// A write the retrier sends again is heard (WithResent) with what its
// try met, after the wait and before it goes out again; a read it sends
// again, a 429 waited out and a write that is not safe to repeat are not.
func TestRetrierTellsTheWritesItSendsAgain(t *testing.T) {
	var heard []Resent
	ctx := WithResent(withRetryable(context.Background()), func(r Resent) { heard = append(heard, r) })
	w := &wire{answers: []func(*http.Request) (*http.Response, error){
		networkError, answer(503, `{"statusCode":503,"error":"Service Unavailable","message":"try later","errorCode":"service_unavailable"}`),
		answer(429, `{"error":"Too Many Requests"}`, "Retry-After", "0"), answer(200, `{"user_id":"auth0|1"}`),
	}}
	rt := retrier{next: w, pacer: newPacer()}
	resp, err := rt.RoundTrip(newRequest(t, ctx, "PATCH", "/api/v2/users/auth0|1", `{"user_metadata":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(heard) != 2 {
		t.Fatalf("heard %d tries sent again, want 2 (the network error, the 503; not the 429): %+v", len(heard), heard)
	}
	if h := heard[0]; h.Status != 0 || h.Err != "PATCH /api/v2/users/auth0%7C1: connection reset by peer" || h.Why != safeToRepeat || h.Time.IsZero() {
		t.Errorf("the network error is heard as %+v", h)
	}
	if h := heard[1]; h.Status != 503 || h.Err != "PATCH /api/v2/users/auth0%7C1: 503 service_unavailable: try later" {
		t.Errorf("the 503 is heard as %+v", h)
	}

	heard = nil
	w = &wire{answers: []func(*http.Request) (*http.Response, error){answer(503, `{}`), answer(200, `{}`)}}
	rt = retrier{next: w, pacer: newPacer()}
	if resp, err := rt.RoundTrip(newRequest(t, ctx, "GET", "/api/v2/users/auth0|1", "")); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	w = &wire{answers: []func(*http.Request) (*http.Response, error){answer(503, `{}`), answer(201, `[]`)}}
	rt = retrier{next: w, pacer: newPacer()}
	if resp, err := rt.RoundTrip(newRequest(t, WithResent(context.Background(), func(r Resent) { heard = append(heard, r) }), "POST", "/api/v2/users/auth0|1/identities", `{}`)); err == nil {
		resp.Body.Close()
	}
	if len(heard) != 0 {
		t.Errorf("a read sent again, or a link not sent again, was heard: %+v", heard)
	}
}

func TestRetrierWaitsOutA429EvenOnAWrite(t *testing.T) {
	w := &wire{answers: []func(*http.Request) (*http.Response, error){
		answer(429, `{"error":"Too Many Requests"}`, "Retry-After", "0"), answer(201, "[]"),
	}}
	p := newPacer()
	rt := retrier{next: w, pacer: p}
	body := `{"provider":"github","user_id":"1"}`
	resp, err := rt.RoundTrip(newRequest(t, context.Background(), "POST", "/api/v2/users/auth0|1/identities", body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent := w.requests()
	if resp.StatusCode != 201 || len(sent) != 2 || sent[1].body != body {
		t.Fatalf("a 429 means nothing happened, so the link is sent again whole: %d, %+v", resp.StatusCode, sent)
	}
	if s := p.snapshot(); s.Seen429 != 1 || s.Waiting {
		t.Errorf("snapshot after the wait: %+v", s)
	}
}

func TestTokenRenewerRetriesOnceWithAFreshToken(t *testing.T) {
	expired := answer(401, `{"statusCode":401,"error":"Unauthorized","message":"Expired token received for JSON Web Token validation"}`)
	w := &wire{answers: []func(*http.Request) (*http.Response, error){func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("Authorization") == "Bearer old" {
			return expired(req)
		}
		return answer(200, "{}")(req)
	}}}
	renewals := 0
	rt := &tokenRenewer{next: w, renew: func(context.Context) (string, error) { renewals++; return "new", nil }}
	body := `{"user_metadata":{"plan":"pro"}}`
	resp, err := rt.RoundTrip(newRequest(t, context.Background(), "PATCH", "/api/v2/users/auth0|1", body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent := w.requests()
	if resp.StatusCode != 200 || renewals != 1 || len(sent) != 2 || sent[1].auth != "Bearer new" || sent[1].body != body {
		t.Fatalf("status %d after %d renewals; sent %+v", resp.StatusCode, renewals, sent)
	}
	// The SDK still holds the old token: the next call carries the new one at once.
	resp, err = rt.RoundTrip(newRequest(t, context.Background(), "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sent = w.requests(); resp.StatusCode != 200 || renewals != 1 || len(sent) != 3 || sent[2].auth != "Bearer new" {
		t.Fatalf("a call with the replaced token: status %d, %d renewals, sent %+v", resp.StatusCode, renewals, sent)
	}
}

func TestTokenRenewerLeavesOtherRefusalsAlone(t *testing.T) {
	renewals := 0
	renew := func(context.Context) (string, error) { renewals++; return "new", nil }
	// A token the tenant rejects for another reason is not renewed.
	invalid := `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`
	w := &wire{answers: []func(*http.Request) (*http.Response, error){answer(401, invalid)}}
	resp, err := (&tokenRenewer{next: w, renew: renew}).RoundTrip(newRequest(t, context.Background(), "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); resp.StatusCode != 401 || got != invalid || renewals != 0 || len(w.requests()) != 1 {
		t.Fatalf("invalid token: %d %q after %d renewals", resp.StatusCode, got, renewals)
	}
	// A fresh token the tenant still calls expired is renewed once, not again and again.
	w = &wire{answers: []func(*http.Request) (*http.Response, error){answer(401, `{"message":"Expired token"}`)}}
	resp, err = (&tokenRenewer{next: w, renew: renew}).RoundTrip(newRequest(t, context.Background(), "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || renewals != 1 || len(w.requests()) != 2 {
		t.Fatalf("still expired: %d after %d renewals and %d requests", resp.StatusCode, renewals, len(w.requests()))
	}
}

func TestPacedLearnsTheBucketFromAPIAnswersOnly(t *testing.T) {
	p := newPacer()
	now := time.Unix(1_000_000, 0)
	p.now = func() time.Time { return now }
	w := &wire{answers: []func(*http.Request) (*http.Response, error){
		answer(200, "{}", "X-Ratelimit-Limit", "50", "X-Ratelimit-Remaining", "49", "X-Ratelimit-Reset", "1000001"),
	}}
	rt := paced{next: w, pacer: p}
	resp, err := rt.RoundTrip(newRequest(t, context.Background(), "POST", "/oauth/token", "grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := p.snapshot(); s.Known {
		t.Fatalf("a token answer's headers are not the Management API's bucket: %+v", s)
	}
	resp, err = rt.RoundTrip(newRequest(t, context.Background(), "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := p.snapshot(); !s.Known || s.Limit != 50 || s.Remaining != 49 || p.inflight != 0 {
		t.Fatalf("after an API answer: %+v, %d in flight", s, p.inflight)
	}

	// An empty bucket holds the request back; a cancelled call never reaches the wire.
	p.observe(rateLimitHeader(50, 0, 1000060))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rt.RoundTrip(newRequest(t, ctx, "GET", "/api/v2/users/auth0|1", "")); !errors.Is(err, context.Canceled) || len(w.requests()) != 2 {
		t.Fatalf("cancelled while waiting for the bucket: %v, %d requests", err, len(w.requests()))
	}
}

func TestErrorCaptureKeepsTheBodyAndLeavesItReadable(t *testing.T) {
	notFound := `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`
	w := &wire{answers: []func(*http.Request) (*http.Response, error){answer(404, notFound)}}
	ctx, c := withCapture(context.Background())
	resp, err := errorCapture{next: w}.RoundTrip(newRequest(t, ctx, "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); got != notFound || c.status != 404 || string(c.body) != notFound {
		t.Fatalf("caller read %q; captured %d %q", got, c.status, c.body)
	}
	w = &wire{answers: []func(*http.Request) (*http.Response, error){answer(200, `{"user_id":"auth0|1"}`)}}
	ctx, c = withCapture(context.Background())
	resp, err = errorCapture{next: w}.RoundTrip(newRequest(t, ctx, "GET", "/api/v2/users/auth0|1", ""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c.status != 0 || c.body != nil {
		t.Fatalf("a success was captured: %d %q", c.status, c.body)
	}
}

// The sandbox run is read from any answer that names one, an error's too,
// and kept when a later answer names none; nothing before any answer, and
// nothing from a tenant that never sends the header (Auth0).
func TestSandboxRunIsTheRunTheAnswersName(t *testing.T) {
	token := answer(200, `{"access_token":"tok","token_type":"Bearer","expires_in":86400}`, "Content-Type", "application/json")
	for _, tc := range []struct {
		name    string
		answers []func(*http.Request) (*http.Response, error)
		want    string
	}{
		{"Auth0", []func(*http.Request) (*http.Response, error){token, answer(200, `[]`)}, ""},
		{"a sandbox", []func(*http.Request) (*http.Response, error){
			answer(200, `{"access_token":"tok","token_type":"Bearer","expires_in":86400}`, "Content-Type", "application/json", SandboxRunHeader, "5e0c"),
			answer(200, `[]`, SandboxRunHeader, "5e0c")}, "5e0c"},
		{"a refusal", []func(*http.Request) (*http.Response, error){token, answer(403, `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope"}`, SandboxRunHeader, "a1b2")}, "a1b2"},
		{"an answer without it since", []func(*http.Request) (*http.Response, error){answer(200, `{"access_token":"tok","token_type":"Bearer","expires_in":86400}`, "Content-Type", "application/json", SandboxRunHeader, "77aa"), answer(200, `[]`)}, "77aa"},
	} {
		w := &wire{answers: tc.answers}
		tn, err := New(context.Background(), Config{Domain: "http://127.0.0.1:4780", ClientID: "id", ClientSecret: "secret", Transport: w})
		if err != nil {
			t.Fatal(err)
		}
		if run := tn.SandboxRun(); run != "" {
			t.Errorf("%s: SandboxRun %q before any answer", tc.name, run)
		}
		tn.Connections(context.Background())
		if len(w.requests()) < 2 {
			t.Fatalf("%s: %d requests, want the token's and the connections'", tc.name, len(w.requests()))
		}
		if run := tn.SandboxRun(); run != tc.want {
			t.Errorf("%s: SandboxRun %q, want %q", tc.name, run, tc.want)
		}
	}
}

// Once the answers named another run than the first, the guard refuses
// every request but a read (GET, HEAD) and the token request, unsent; the
// run first heard from, and again, lets everything through.
func TestRunGuardRefusesAllButReadsAndTheTokenOnceTheRunChanged(t *testing.T) {
	w := &wire{answers: []func(*http.Request) (*http.Response, error){answer(200, `{}`)}}
	runs := new(sandboxRuns)
	g := runGuard{next: runWatch{next: w, runs: runs}, runs: runs, addr: "127.0.0.1:4780"}
	send := func(method, path string) error {
		req, _ := http.NewRequest(method, "http://127.0.0.1:4780"+path, strings.NewReader("{}"))
		resp, err := g.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	heard := func(run string) {
		w.answers = []func(*http.Request) (*http.Response, error){answer(200, `{}`, SandboxRunHeader, run)}
		if err := send(http.MethodGet, "/api/v2/connections"); err != nil {
			t.Fatal(err)
		}
	}
	heard("5e0c")
	heard("5e0c")
	if err := send(http.MethodDelete, "/api/v2/users/u1"); err != nil {
		t.Fatalf("a write to the run first heard from: %v", err)
	}
	heard("7a31")
	before := len(w.requests())
	for _, r := range []struct {
		method, path string
		sent         bool
	}{
		{http.MethodGet, "/api/v2/users/u1", true},
		{http.MethodHead, "/api/v2/users/u1", true},
		{http.MethodPost, "/oauth/token", true},
		{http.MethodPost, "/api/v2/jobs/users-exports", false},
		{http.MethodPatch, "/api/v2/users/u1", false},
		{http.MethodDelete, "/api/v2/users/u1", false},
		{http.MethodPost, "/api/v2/users/u1/identities", false},
	} {
		err := send(r.method, r.path)
		var rc *RunChangedError
		switch {
		case r.sent && err != nil:
			t.Errorf("%s %s: %v, want it sent", r.method, r.path, err)
		case !r.sent && (!errors.As(err, &rc) || rc.Was != "5e0c" || rc.Now != "7a31" || !errors.Is(err, ErrSandboxRunChanged)):
			t.Errorf("%s %s: %v, want it refused (was 5e0c, is 7a31)", r.method, r.path, err)
		}
		if got := len(w.requests()) - before; r.sent != (got == 1) {
			t.Errorf("%s %s: %d requests reached the wire", r.method, r.path, got)
		}
		before = len(w.requests())
	}
}
