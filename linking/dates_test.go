package linking

import (
	"testing"
	"time"
)

func TestAppendAuth0Time(t *testing.T) {
	rng := uint64(1)
	for i := range 20000 {
		rng = rng*6364136223846793005 + 1442695040888963407
		ts := time.Unix(int64(rng>>20)%(400*365*86400)-100*365*86400, int64(rng%1e9)).In(time.FixedZone("x", (i%7-3)*3600))
		if got, want := string(AppendAuth0Time(nil, ts)), ts.UTC().Format(auth0Time); got != want {
			t.Fatalf("AppendAuth0Time(%v) = %s, want %s", ts, got, want)
		}
		if got, want := string(AppendDate(nil, ts)), ts.UTC().Format(time.DateOnly); got != want {
			t.Fatalf("AppendDate(%v) = %s, want %s", ts, got, want)
		}
	}
	for _, ts := range []time.Time{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), {}} {
		if got, want := string(AppendAuth0Time(nil, ts)), ts.UTC().Format(auth0Time); got != want {
			t.Errorf("AppendAuth0Time(%v) = %s, want %s", ts, got, want)
		}
		if got, want := string(AppendDate(nil, ts)), ts.UTC().Format(time.DateOnly); got != want {
			t.Errorf("AppendDate(%v) = %s, want %s", ts, got, want)
		}
	}
}
