package client

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// transport sits under the SDK's OAuth2 transport, next to the wire. It
// refuses writes in read-only mode, paces requests from the x-ratelimit-*
// headers, waits out 429s, retries what is safe to repeat, renews an access
// token the tenant calls expired, and keeps error bodies for typed errors.
type transport struct {
	base     http.RoundTripper
	pacer    *pacer
	readOnly bool
	renew    func(ctx context.Context) (string, error) // nil with a static token

	mu       sync.Mutex
	stale    map[string]bool // access tokens the tenant called expired
	fresh    string          // the token that replaces them
	retries  int64
	netFails int64
}

const (
	maxSafeRetries = 5  // network errors and 5xx on requests safe to repeat
	max429Retries  = 60 // 429s absorbed for one request before giving up
	maxWait        = 65 * time.Second
)

type ctxKey int

const (
	retryableKey ctxKey = iota
	captureKey
)

// withRetryable marks the requests made with ctx as safe to repeat even
// though their method is not GET (PATCH merges, DELETE of a user).
func withRetryable(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryableKey, true)
}

// errorCapture receives the body of an error answer for calls made through
// SDK managers, whose own error type drops errorCode.
type errorCapture struct {
	mu     sync.Mutex
	status int
	body   []byte
}

func withCapture(ctx context.Context) (context.Context, *errorCapture) {
	c := &errorCapture{}
	return context.WithValue(ctx, captureKey, c), c
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	isAPI := strings.Contains(req.URL.Path, "/api/v2/")
	if t.readOnly && isAPI && isWrite(req) {
		return nil, ErrReadOnly
	}
	retryable := req.Method == http.MethodGet || req.Method == http.MethodHead ||
		ctx.Value(retryableKey) != nil || strings.HasSuffix(req.URL.Path, "/oauth/token")

	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}

	renewed := false
	safeTries, tries429 := 0, 0
	for {
		if isAPI {
			if err := t.pacer.wait(ctx); err != nil {
				return nil, err
			}
		}
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		t.swapToken(r)

		resp, err := t.base.RoundTrip(r)
		if isAPI {
			if err == nil {
				t.pacer.observe(resp.Header)
			}
			t.pacer.done()
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			t.count(&t.netFails)
			if retryable && safeTries < maxSafeRetries {
				safeTries++
				if err := sleep(ctx, backoff(safeTries)); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && tries429 < max429Retries:
			tries429++
			d := t.pacer.after429(resp.Header)
			drain(resp)
			if err := sleep(ctx, d); err != nil {
				t.pacer.setWaiting(false)
				return nil, err
			}
			t.pacer.setWaiting(false)
			continue

		case resp.StatusCode == http.StatusUnauthorized && isAPI && t.renew != nil && !renewed:
			data := readAndRestore(resp)
			if !bytes.Contains(bytes.ToLower(data), []byte("expired")) {
				break
			}
			renewed = true
			tok, err := t.renew(ctx)
			if err != nil {
				break
			}
			t.markStale(r.Header.Get("Authorization"), tok)
			drain(resp)
			continue

		case resp.StatusCode >= 500 && retryable && safeTries < maxSafeRetries:
			safeTries++
			t.count(&t.retries)
			drain(resp)
			if err := sleep(ctx, backoff(safeTries)); err != nil {
				return nil, err
			}
			continue
		}

		if resp.StatusCode >= 400 {
			if c, ok := ctx.Value(captureKey).(*errorCapture); ok {
				data := readAndRestore(resp)
				c.mu.Lock()
				c.status, c.body = resp.StatusCode, data
				c.mu.Unlock()
			}
		}
		return resp, nil
	}
}

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

func (t *transport) count(n *int64) {
	t.mu.Lock()
	*n++
	t.mu.Unlock()
}

// swapToken replaces an access token the tenant already called expired.
func (t *transport) swapToken(r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.stale) == 0 {
		return
	}
	if t.stale[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		r.Header.Set("Authorization", "Bearer "+t.fresh)
	}
}

func (t *transport) markStale(header, fresh string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stale == nil {
		t.stale = map[string]bool{}
	}
	t.stale[strings.TrimPrefix(header, "Bearer ")] = true
	t.fresh = fresh
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

func sleep(ctx context.Context, d time.Duration) error {
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

// pacer keeps the last x-ratelimit-* state and holds requests back when the
// bucket is empty, until it resets, instead of running into 429s.
type pacer struct {
	mu       sync.Mutex
	snap     RateLimit
	local    int // tokens we believe are left, net of requests in flight
	inflight int
	probing  time.Time     // when the request that learns the headers was sent
	spacing  time.Duration // estimated time for the bucket to earn one token
	nextAt   time.Time     // when an empty bucket should have earned the next one
	now      func() time.Time
}

func newPacer() *pacer { return &pacer{now: time.Now} }

func (p *pacer) snapshot() RateLimit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snap
}

// probeWait is how long requests wait for the first answer to tell them the
// bucket's size, and how long a provisional reset lasts.
const probeWait = 2 * time.Second

// wait returns when a request may be sent; the caller must then call done
// (after observe, or alone when no answer came).
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.now()
		var d time.Duration
		switch {
		case !p.snap.Known:
			// Until an answer tells the bucket's size, one request at a time.
			if p.probing.IsZero() || now.Sub(p.probing) > probeWait {
				p.probing = now
				p.inflight++
				p.mu.Unlock()
				return nil
			}
			d = 20 * time.Millisecond
		case p.local > 0:
			p.local--
			p.inflight++
			p.mu.Unlock()
			return nil
		case !now.Before(p.snap.Reset):
			// Auth0's reset is the moment the limit is restored. Until an
			// answer confirms it, the next reset is provisional.
			p.local = max(p.snap.Limit, 1) - p.inflight - 1
			p.snap.Remaining = p.snap.Limit
			p.snap.Reset = now.Add(probeWait)
			p.inflight++
			p.mu.Unlock()
			return nil
		case p.spacing > 0 && !now.Before(p.nextAt):
			// An empty bucket refills a token at a time: let one request
			// through each time one should have been earned.
			p.nextAt = now.Add(p.spacing)
			p.inflight++
			p.mu.Unlock()
			return nil
		default:
			d = p.snap.Reset.Sub(now)
			if p.spacing > 0 {
				d = min(d, p.nextAt.Sub(now))
			}
			p.snap.Waiting = true
		}
		p.mu.Unlock()
		err := sleep(ctx, min(d, maxWait))
		p.setWaiting(false)
		if err != nil {
			return err
		}
	}
}

// done ends a request that wait let through.
func (p *pacer) done() {
	p.mu.Lock()
	p.inflight = max(p.inflight-1, 0)
	p.mu.Unlock()
}

func (p *pacer) setWaiting(w bool) {
	p.mu.Lock()
	p.snap.Waiting = w
	p.mu.Unlock()
}

// observe reads the headers of an answer to a request still counted in flight.
func (p *pacer) observe(h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("X-Ratelimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	reset, err3 := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap.Known = true
	p.snap.Limit, p.snap.Remaining = limit, remaining
	p.snap.Reset = time.Unix(reset, 0)
	p.snap.UpdatedAt = p.now()
	if limit > remaining {
		// reset is when the bucket is full again: the time to earn the missing tokens.
		p.spacing = p.snap.Reset.Sub(p.snap.UpdatedAt) / time.Duration(limit-remaining)
		if remaining == 0 {
			// The bucket was empty when this answer left: the next token is a
			// spacing away from now, whatever was expected before.
			p.nextAt = p.snap.UpdatedAt.Add(p.spacing)
		}
	}
	// Other requests in flight will spend tokens this answer does not know of.
	p.local = remaining - max(p.inflight-1, 0)
}

// after429 records a 429 and says how long to wait: Retry-After when the
// tenant sent one, else until the reset, never less than a moment.
func (p *pacer) after429(h http.Header) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap.Seen429++
	p.snap.Waiting = true
	p.local = 0
	var d time.Duration
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil {
		d = time.Duration(s) * time.Second
	} else if p.snap.Known {
		d = p.snap.Reset.Sub(p.now())
	}
	if d < 200*time.Millisecond {
		d = 200*time.Millisecond + rand.N(300*time.Millisecond)
	}
	return min(d, maxWait)
}
