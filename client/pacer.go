package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

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

// maxWait bounds one wait, for the bucket or after a 429.
const maxWait = 65 * time.Second

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
		err := Sleep(ctx, min(d, maxWait))
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
