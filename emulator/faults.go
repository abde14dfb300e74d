package emulator

import (
	"context"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// Fault kinds, as counted in Stats.Faults.
//
// With probability Options.FailRate a Management API request fails in one of
// these ways, chosen at random among those that apply:
//   - FaultInternal: 500 in Auth0's error shape, before anything happens;
//   - FaultUnavailable: 503 in Auth0's error shape, before anything happens;
//   - FaultDrop: the connection is closed without an answer, before anything
//     happens;
//   - FaultLostReply (writes only: POST, PATCH, DELETE): the write is carried
//     out, then the connection is closed without an answer — the client must
//     read the state back to learn what happened.
//
// The download of an export file fails with the same probability, as
// FaultDrop or FaultTruncated (half the file, then the connection closes).
//
// POST /oauth/token is exempt: it is the Authentication API, not the
// Management API, and clients reach it through an OAuth2 library whose
// retries are not theirs to test. Latency applies to every request.
const (
	FaultInternal    = "500"
	FaultUnavailable = "503"
	FaultDrop        = "drop"
	FaultLostReply   = "lost_reply"
	FaultTruncated   = "truncated"
)

var (
	readFaults     = []string{FaultInternal, FaultUnavailable, FaultDrop}
	writeFaults    = []string{FaultInternal, FaultUnavailable, FaultDrop, FaultLostReply}
	downloadFaults = []string{FaultDrop, FaultTruncated}
)

// chaos draws faults and latency from one seeded generator.
type chaos struct {
	mu       sync.Mutex
	rng      *rand.Rand
	failRate float64       // guarded by mu: tests turn it up and down
	latency  time.Duration // guarded by mu
}

// fault returns the fault to inject into this request, or "".
func (c *chaos) fault(kinds []string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failRate <= 0 || c.rng.Float64() >= c.failRate {
		return ""
	}
	return kinds[c.rng.Intn(len(kinds))]
}

// delay sleeps the configured latency ±50%, or until ctx is done.
func (c *chaos) delay(ctx context.Context) error {
	c.mu.Lock()
	if c.latency <= 0 {
		c.mu.Unlock()
		return nil
	}
	d := time.Duration(float64(c.latency) * (0.5 + c.rng.Float64()))
	c.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dropConnection ends the request without an answer: net/http closes the
// connection (or resets the HTTP/2 stream) when a handler panics with
// http.ErrAbortHandler, flushing whatever was written before.
func dropConnection() {
	panic(http.ErrAbortHandler)
}

// discardWriter swallows an answer that is never to arrive.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
