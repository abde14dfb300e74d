package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The transport sits under the SDK's OAuth2 transport, next to the wire: a
// stack of round-trippers with one job each, which New composes.

const (
	maxSafeRetries = 5  // network errors and 5xx on requests safe to repeat
	max429Retries  = 60 // 429s absorbed for one request before giving up
)

type ctxKey int

const (
	retryableKey ctxKey = iota
	captureKey
	resentKey
	readBackKey
)

// Resent is a write the client sent again by itself: its earlier try met
// Err, a 5xx answer or a network error, and Why it could be sent again.
type Resent struct {
	Time   time.Time
	Status int    // the earlier try's status; 0 when it got no answer
	Err    string // as the call's own error would say it: "PATCH /api/v2/users/…: 503 …"
	Why    string // "the request is safe to repeat", "reading the primary shows the link was not made"
}

// WithResent has heard hear each time the client sends a write made with
// ctx again after a 5xx or a network error, as it does: what a call's
// record says of the tries its result does not tell. A write is sent again
// when it is safe to repeat (a PATCH that merges, a DELETE of a user, a
// role or a membership), and a link or an unlink whose answer was lost
// when reading the primary shows it was not made. A 429, which means
// nothing was done, a token renewed, and the reads the call makes are
// waited out and sent again unsaid.
func WithResent(ctx context.Context, heard func(Resent)) context.Context {
	return context.WithValue(ctx, resentKey, heard)
}

// tellResent tells the hearer of ctx, if any, that a write is sent again.
func tellResent(ctx context.Context, r Resent) {
	if heard, ok := ctx.Value(resentKey).(func(Resent)); ok {
		r.Time = time.Now().UTC()
		heard(r)
	}
}

// ReadBack is a write whose try got no answer that says what became of it
// (the answer lost, or a link or an unlink sent again after a lost answer
// refused) and which reading the tenant showed made: the client returns
// as if the tenant had answered so, and the call's record says how its
// outcome was learnt.
type ReadBack struct {
	Time   time.Time
	Status int    // the try's status; 0 when it got no answer
	Err    string // what the try met, as the call's own error would say it: "POST /api/v2/users/…/identities: EOF"
}

// WithReadBack has heard hear each time a write made with ctx is found
// made by reading the tenant after its answer was lost (Link, Unlink),
// before the write returns as done.
func WithReadBack(ctx context.Context, heard func(ReadBack)) context.Context {
	return context.WithValue(ctx, readBackKey, heard)
}

// tellReadBack tells the hearer of ctx, if any, that a write whose try met
// err was found made on the tenant.
func tellReadBack(ctx context.Context, err error) {
	heard, ok := ctx.Value(readBackKey).(func(ReadBack))
	if !ok {
		return
	}
	r := ReadBack{Time: time.Now().UTC(), Err: err.Error()}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		r.Status = apiErr.StatusCode
	}
	heard(r)
}

// safeToRepeat is why the transport sends a write again by itself.
const safeToRepeat = "the request is safe to repeat"

// withRetryable marks the requests made with ctx as safe to repeat even
// though their method is not GET (PATCH merges, DELETE of a user).
func withRetryable(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryableKey, true)
}

// capturedError receives the body of an error answer for calls made through
// SDK managers, whose own error type drops errorCode.
type capturedError struct {
	mu     sync.Mutex
	status int
	body   []byte
}

func withCapture(ctx context.Context) (context.Context, *capturedError) {
	c := &capturedError{}
	return context.WithValue(ctx, captureKey, c), c
}

// isAPI reports whether a request goes to the Management API (not to
// /oauth/token or a download).
func isAPI(req *http.Request) bool { return strings.Contains(req.URL.Path, "/api/v2/") }

// isWrite reports whether a request changes the tenant. Starting a users
// export is a POST but only reads (scope read:users).
func isWrite(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		return false
	case http.MethodPost:
		return !strings.HasSuffix(req.URL.Path, "/api/v2/jobs/users-exports")
	}
	return true
}

// readOnlyGuard refuses every API request that would change the tenant. It is
// the transport's outermost layer, under the SDK's OAuth2 transport: whatever
// token the SDK fetches first, a write is refused, never paced, retried or sent.
type readOnlyGuard struct{ next http.RoundTripper }

func (g readOnlyGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if isAPI(req) && isWrite(req) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrReadOnly
	}
	return g.next.RoundTrip(req)
}

// errorCapture keeps the body of the error answer a call finally gets, for
// calls that asked for it with withCapture, and leaves the body readable.
type errorCapture struct{ next http.RoundTripper }

func (e errorCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if c, ok := req.Context().Value(captureKey).(*capturedError); ok {
		data := readAndRestore(resp)
		c.mu.Lock()
		c.status, c.body = resp.StatusCode, data
		c.mu.Unlock()
	}
	return resp, nil
}

// retrier sends a request again after a 429, which always means nothing
// happened, waiting as long as the pacer says; and after a network error or
// a 5xx only when the request is safe to repeat (GET, HEAD, the token
// request, or a context marked withRetryable).
type retrier struct {
	next  http.RoundTripper
	pacer *pacer
}

func (t retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	req, err := replayable(req)
	if err != nil {
		return nil, err
	}
	safe := req.Method == http.MethodGet || req.Method == http.MethodHead ||
		ctx.Value(retryableKey) != nil || strings.HasSuffix(req.URL.Path, "/oauth/token")
	safeTries, tries429 := 0, 0
	for {
		r, err := rewound(req)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !safe || safeTries >= maxSafeRetries {
				return nil, err
			}
			safeTries++
			if err := Sleep(ctx, backoff(safeTries)); err != nil {
				return nil, err
			}
			if isAPI(req) && isWrite(req) {
				tellResent(ctx, Resent{Err: fmt.Sprintf("%s %s: %v", req.Method, req.URL.EscapedPath(), unwrapURLError(err)), Why: safeToRepeat})
			}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && tries429 < max429Retries:
			tries429++
			d := t.pacer.after429(resp.Header)
			drain(resp)
			err := Sleep(ctx, d)
			t.pacer.setWaiting(false)
			if err != nil {
				return nil, err
			}
		case resp.StatusCode >= 500 && safe && safeTries < maxSafeRetries:
			safeTries++
			said := Resent{Status: resp.StatusCode, Err: parseError(req.Method, req.URL.EscapedPath(), resp.StatusCode, readAndRestore(resp)).Error(), Why: safeToRepeat}
			drain(resp)
			if err := Sleep(ctx, backoff(safeTries)); err != nil {
				return nil, err
			}
			if isAPI(req) && isWrite(req) {
				tellResent(ctx, said)
			}
		default:
			return resp, nil
		}
	}
}

// tokenRenewer fetches a new access token when the tenant calls the one an
// API request carried expired, and sends that request once more with it.
// Requests that still carry a token it replaced get the new one, since the
// SDK's token source keeps its own until it thinks it expired.
type tokenRenewer struct {
	next  http.RoundTripper
	renew func(ctx context.Context) (string, error) // set once by New, before any request

	mu    sync.Mutex
	stale map[string]bool // access tokens the tenant called expired
	fresh string          // the token that replaces them
}

func (t *tokenRenewer) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := replayable(req)
	if err != nil {
		return nil, err
	}
	r, err := t.copyToSend(req)
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !isAPI(req) {
		return resp, err
	}
	if !bytes.Contains(bytes.ToLower(readAndRestore(resp)), []byte("expired")) {
		return resp, nil
	}
	tok, err := t.renew(req.Context())
	if err != nil {
		return resp, nil // the tenant's 401 says more than the failed renewal
	}
	t.markStale(r.Header.Get("Authorization"), tok)
	drain(resp)
	if r, err = t.copyToSend(req); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(r)
}

// copyToSend is a rewound copy of req in which an access token the tenant
// already called expired is replaced by the fresh one.
func (t *tokenRenewer) copyToSend(req *http.Request) (*http.Request, error) {
	r, err := rewound(req)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stale[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		r.Header.Set("Authorization", "Bearer "+t.fresh)
	}
	return r, nil
}

func (t *tokenRenewer) markStale(header, fresh string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stale == nil {
		t.stale = map[string]bool{}
	}
	t.stale[strings.TrimPrefix(header, "Bearer ")] = true
	t.fresh = fresh
}

// SandboxRunHeader is the header with which a linkdesk sandbox tenant
// names its run in every answer (emulator.RunHeader; client imports no
// linkdesk package). Auth0 never sends it.
const SandboxRunHeader = "X-Linkdesk-Sandbox-Run"

// sandboxRuns are the runs of a sandbox tenant the answers named: the
// first one, which the client is pinned to, and the last one.
type sandboxRuns struct{ first, last atomic.Pointer[string] }

// changed reports the pinned run and the one the last answer named when
// they differ: the tenant at the address is another run now.
func (r *sandboxRuns) changed() (was, is string, ok bool) {
	first, last := r.first.Load(), r.last.Load()
	if first == nil || last == nil || *first == *last {
		return "", "", false
	}
	return *first, *last, true
}

// runWatch keeps the SandboxRunHeader of the answers that carry one: which
// run of a sandbox tenant the calls reached (Tenant.SandboxRun), the first
// one pinned (runGuard).
type runWatch struct {
	next http.RoundTripper
	runs *sandboxRuns
}

func (w runWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	if err == nil {
		if run := resp.Header.Get(SandboxRunHeader); run != "" {
			w.runs.first.CompareAndSwap(nil, &run)
			w.runs.last.Store(&run)
		}
	}
	return resp, err
}

// ErrSandboxRunChanged is matched by the error of a write refused because
// the sandbox tenant at the client's address is another run than the one
// it first answered from (*RunChangedError); nothing was sent.
var ErrSandboxRunChanged = errors.New("the sandbox tenant is another run now")

// RunChangedError is a write refused, unsent, because the sandbox tenant at
// Addr was started again: its answers named run Was first, and Now since.
type RunChangedError struct{ Addr, Was, Now string }

func (e *RunChangedError) Error() string {
	return fmt.Sprintf("the sandbox tenant at %s is another run now (was %s, is %s): this linkdesk named the tenant by the run before, and sends the new one no write; start linkdesk again to work on it", e.Addr, e.Was, e.Now)
}

func (e *RunChangedError) Is(target error) bool { return target == ErrSandboxRunChanged }

// runGuard refuses every write once an answer named another run than the
// first (a `linkdesk emulator` started again at the address): the session
// was named by the first run, and its plans, journals and audit records
// are that tenant's, not the new one's. It sits next to the read-only
// guard, so that a refused write is never paced, retried or sent. Every
// write of linkdesk is preceded by reads of the accounts it touches, whose
// answers show the change. The token request is let through.
type runGuard struct {
	next http.RoundTripper
	runs *sandboxRuns
	addr string
}

func (g runGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead && !strings.HasSuffix(req.URL.Path, "/oauth/token") {
		if was, is, ok := g.runs.changed(); ok {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, &RunChangedError{Addr: g.addr, Was: was, Now: is}
		}
	}
	return g.next.RoundTrip(req)
}

// paced sends an API request when the pacer lets it through and shows the
// pacer the rate-limit headers of the answer.
type paced struct {
	next  http.RoundTripper
	pacer *pacer
}

func (p paced) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isAPI(req) {
		return p.next.RoundTrip(req)
	}
	if err := p.pacer.wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	defer p.pacer.done()
	resp, err := p.next.RoundTrip(req)
	if err == nil {
		p.pacer.observe(resp.Header)
	}
	return resp, err
}

// replayable returns req with its body held in memory, so that a layer can
// send it more than once with rewound. A body the standard library can
// already replay (GetBody set) is left as it is.
func replayable(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return req, nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.Body, _ = r.GetBody()
	r.ContentLength = int64(len(data))
	return r, nil
}

// rewound is a copy of a replayable request, with its own headers and a body
// read from the start, to send once.
func rewound(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody == nil {
		return r, nil
	}
	body, err := req.GetBody()
	r.Body = body
	return r, err
}

func readAndRestore(resp *http.Response) []byte {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return data
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// backoff is exponential with jitter: ~200ms, 400ms, 800ms … capped at 5s.
func backoff(try int) time.Duration {
	d := 100 * time.Millisecond << min(try, 6)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d, or until ctx ends (its error then): the wait of every pause
// and retry of linkdesk, the client's and the executor's.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
