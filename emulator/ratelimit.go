package emulator

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucket is the tenant's one token bucket for the Management API: Burst
// requests at once, refilled at Rate per second.
//
// The headers it sets on every response:
//   - x-ratelimit-limit: the bucket size (Burst);
//   - x-ratelimit-remaining: whole tokens left after this request;
//   - x-ratelimit-reset: Unix seconds, rounded up, at which the bucket is full
//     again if no more requests come — so a client that got a 429 and sleeps
//     until then is sure to get through, and one that spreads `remaining`
//     requests until `reset` never sees a 429.
type bucket struct {
	mu        sync.Mutex
	rate      float64 // tokens per second; <0: unlimited
	burst     float64
	tokens    float64
	last      time.Time
	unlimited bool
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	if rate == 0 {
		rate = 16
	}
	if burst <= 0 {
		burst = 50
	}
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now, unlimited: rate < 0}
}

type rateState struct {
	ok        bool
	limit     int
	remaining int
	reset     int64
}

// take spends a token when spend is true (Management API calls) and reports
// the bucket's state either way.
func (b *bucket) take(now time.Time, spend bool) rateState {
	st := rateState{ok: true, limit: int(b.burst)}
	if b.unlimited {
		st.remaining, st.reset = st.limit, now.Unix()
		return st
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if spend {
		if b.tokens >= 1 {
			b.tokens--
		} else {
			st.ok = false
		}
	}
	st.remaining = int(math.Floor(b.tokens))
	full := now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second)))
	st.reset = full.Unix()
	if full.Nanosecond() > 0 {
		st.reset++
	}
	return st
}

func (st rateState) setHeaders(h http.Header) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(st.reset, 10))
}

var errRateLimited = newAPIError(http.StatusTooManyRequests, "too_many_requests", "Global limit has been reached")
