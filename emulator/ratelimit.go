package emulator

import (
	"math"
	"net/http"
	"strconv"
	"strings"
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

// newGroupBucket is the bucket of an endpoint group.
func newGroupBucket(l groupLimit, now time.Time) *bucket {
	return newBucket(l.perMinute/60, l.burst, now)
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

// Endpoint groups with buckets of their own under a rate profile.
const (
	groupUsersRead   = "users read"
	groupUsersWrite  = "users write"
	groupConnections = "connections"
)

// A rate profile is the limits of one kind of tenant, as Auth0 publishes
// them: the global bucket, and per endpoint group a bucket checked after it.
type rateProfile struct {
	rate   float64
	burst  int
	groups map[string]groupLimit
}

type groupLimit struct {
	burst     int
	perMinute float64
}

// endpointGroups are Auth0's per-endpoint limits of paid self-service
// tenants: read users 40 burst / 500 a minute, write and
// delete users 20 / 200 a minute, read connections 5 / 50 a minute. Every
// profile has them on top of its global bucket.
var endpointGroups = map[string]groupLimit{
	groupUsersRead:   {burst: 40, perMinute: 500},
	groupUsersWrite:  {burst: 20, perMinute: 200},
	groupConnections: {burst: 5, perMinute: 50},
}

// RateProfiles are the profiles Options.RateProfile names: free (burst 2,
// 2 a second for the whole Management API), paid self-service (no global
// figure is published: the sandbox's default, burst 50 and 16 a second)
// and enterprise (burst 50, 16 a second).
var RateProfiles = map[string]rateProfile{
	"free":       {rate: 2, burst: 2, groups: endpointGroups},
	"paid":       {rate: 16, burst: 50, groups: endpointGroups},
	"enterprise": {rate: 16, burst: 50, groups: endpointGroups},
}

// errGroupRateLimited answers a request refused by its endpoint group's
// bucket: the same shape and headers as the global limit's.
var errGroupRateLimited = newAPIError(http.StatusTooManyRequests, "too_many_requests",
	"Too many requests to this endpoint: its rate limit has been reached")

// routeGroup is the endpoint group of a route pattern ("" for none).
func routeGroup(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	switch {
	case strings.HasPrefix(path, "/api/v2/connections"):
		if method == http.MethodGet {
			return groupConnections
		}
	case strings.HasPrefix(path, "/api/v2/users"):
		if method == http.MethodGet {
			return groupUsersRead
		}
		return groupUsersWrite
	}
	return ""
}

// tighter is the state a client should see of two buckets a request went
// through: the one that refused it, else the one with fewer tokens left.
func tighter(a, b rateState) rateState {
	switch {
	case !a.ok:
		return a
	case !b.ok:
		return b
	case b.remaining < a.remaining || b.remaining == a.remaining && b.reset > a.reset:
		return b
	}
	return a
}
