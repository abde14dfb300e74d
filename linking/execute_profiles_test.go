package linking_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
)

// checkLinksMade checks, from the audit log (where every call has one
// attempt and one result, while the tenant counts the requests it answered
// 429 too), that the apply of p made its n links once each, and that every
// secondary stopped being a user.
func (sb *sandbox) checkLinksMade(p *linking.Plan, n int) {
	sb.t.Helper()
	links := 0
	for _, r := range sb.auditRecords() {
		if r.Action == linking.ActionLink && r.Phase == audit.PhaseResult {
			if r.Result != audit.ResultOK {
				sb.t.Errorf("link %s: %s %s", r.Step, r.Result, r.Error)
			}
			links++
		}
	}
	if links != n {
		sb.t.Fatalf("%d links made, want %d", links, n)
	}
	for _, op := range p.Operations {
		if _, ok := sb.srv.GetUser(op.Secondary); ok {
			sb.t.Errorf("%s is still a user", op.Secondary)
		}
	}
}

// profileLinks is how many links the apply under each rate profile makes:
// by default a few more than the paid and enterprise tenants' users-write
// burst (20), fewer on the free tenant, whose 2 requests/s are the same
// bucket as TestRateLimitedTenantCompletesALongApply's;
// LINKDESK_PROFILE_LINKS=N makes N links under every profile (.ci/run: 200).
func profileLinks(t *testing.T, profile string) int {
	if v := os.Getenv("LINKDESK_PROFILE_LINKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("LINKDESK_PROFILE_LINKS=%q", v)
		}
		return n
	}
	if profile == "free" {
		return 8
	}
	return 30
}

// TestPacerKeepsALongApplyFreeOfFailedStepsUnderEachProfile applies links
// on a tenant with each rate profile's limits (the global bucket, and the
// users read, users write and connections buckets on top): every step is
// done, every link made once, whatever 429s the buckets answer.
func TestPacerKeepsALongApplyFreeOfFailedStepsUnderEachProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("tens of seconds on rate-limited tenants")
	}
	for _, profile := range []string{"free", "paid", "enterprise"} {
		t.Run(profile, func(t *testing.T) {
			n := profileLinks(t, profile)
			ten := gen.Generate(gen.GenOptions{Users: max(1000, n*15), Seed: 11})
			p := generatedPlan(t, ten, n)

			sb := newSandbox(t, emulator.Options{Tenant: ten, RateProfile: profile})
			start := time.Now()
			res := sb.apply(p) // fails the test unless every step is done
			elapsed := time.Since(start)
			if bad := res.Count(linking.StatusFailed) + res.Count(linking.StatusUnknown); bad > 0 {
				t.Fatalf("%d failed steps: %+v", bad, res)
			}
			sb.checkLinksMade(p, n)
			st := sb.srv.Stats()
			t.Logf("%s: %d links, %d calls in %s: %d API requests (%.2f/s), %d answered 429 and absorbed",
				profile, n, p.Calls(), elapsed.Round(time.Second), st.APICalls, float64(st.APICalls)/elapsed.Seconds(), st.RateLimited)
			sb.checkRecord()
		})
	}
}
