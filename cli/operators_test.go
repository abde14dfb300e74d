package cli

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// TestTwoOperatorsApplyOneGroupAtOnce has two operators (two linkdesk
// processes, each with its own state directory) apply the same plan for
// one group at the same moment, as two support staff on one ticket would.
// Whatever the interleaving, one links the group and the other stops with
// "the group changed", and nothing is linked twice or lost.
func TestTwoOperatorsApplyOneGroupAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ten, err := emulator.LoadFixture(cmdFixture)
	if err != nil {
		t.Fatal(err)
	}
	// Latency with jitter lets the two processes' calls interleave.
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: ten, Rate: -1, Latency: 30 * time.Millisecond})
	tenantEnv := []string{"AUTH0_DOMAIN=" + base, "AUTH0_CLIENT_ID=" + srv.ClientID(), "AUTH0_CLIENT_SECRET=" + srv.ClientSecret()}
	users := srv.UserCount()
	identities := countIdentities(srv.Snapshot())

	for _, group := range []string{
		"alice.nguyen@gmail.com", // a metadata merge, then the link
		"wei.zhang@gmail.com",    // two links into one primary
	} {
		t.Run(group, func(t *testing.T) {
			dir := t.TempDir()
			planFile := filepath.Join(dir, "plan.json")
			useTenant(t, srv, base, filepath.Join(dir, "planner"))
			mustRun(t, "plan", "--email", group, "--out", planFile)
			plan := readPlanFile(t, planFile)
			before := srv.Stats().Effects

			type result struct {
				operator string
				exit     int
				stderr   string
			}
			results := make([]result, 2)
			var wg sync.WaitGroup
			for i, op := range []string{"ann", "bob"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					env := append(tenantEnv, "USER="+op, "XDG_STATE_HOME="+filepath.Join(dir, op))
					cmd := linkdeskProcess(context.Background(), env, "apply", planFile, "--force")
					var stderr strings.Builder
					cmd.Stderr = &stderr
					err := cmd.Run()
					var ee *exec.ExitError
					if err != nil && !errors.As(err, &ee) {
						stderr.WriteString(err.Error())
					}
					results[i] = result{op, cmd.ProcessState.ExitCode(), stderr.String()}
				}()
			}
			wg.Wait()

			var won, stopped []result
			for _, r := range results {
				switch r.exit {
				case exitOK:
					won = append(won, r)
				case exitRefused:
					stopped = append(stopped, r)
					if !strings.Contains(r.stderr, "the group changed since the plan was made") {
						t.Errorf("%s stopped without saying the group changed: %s", r.operator, r.stderr)
					}
				default:
					t.Errorf("%s: exit %d: %s", r.operator, r.exit, r.stderr)
				}
			}
			if len(won) != 1 || len(stopped) != 1 {
				t.Fatalf("%d operators succeeded and %d stopped, want one each: %+v", len(won), len(stopped), results)
			}

			// Linked once, nothing lost.
			links := 0
			for _, op := range plan.Operations {
				p, ok := srv.GetUser(op.Primary)
				if !ok {
					t.Fatalf("the primary %s is gone", op.Primary)
				}
				linked := 0
				for _, id := range p.Identities {
					if id.Provider+"|"+id.UserID.Value == op.Secondary {
						linked++
					}
				}
				if linked != 1 {
					t.Errorf("%s is linked %d times into %s", op.Secondary, linked, op.Primary)
				}
				if _, ok := srv.GetUser(op.Secondary); ok {
					t.Errorf("%s is still a user of its own", op.Secondary)
				}
				links++
			}
			after := srv.Stats().Effects
			if n := after[emulator.RouteLink] - before[emulator.RouteLink]; n != int64(links) {
				t.Errorf("%d links took effect, the plan has %d", n, links)
			}
			if n := after[emulator.RouteDeleteUser] + after[emulator.RouteUnlink] - before[emulator.RouteDeleteUser] - before[emulator.RouteUnlink]; n != 0 {
				t.Errorf("%d deletes or unlinks took effect", n)
			}
			users -= links
			if got := srv.UserCount(); got != users {
				t.Errorf("%d users, want %d", got, users)
			}
			if got := countIdentities(srv.Snapshot()); got != identities {
				t.Errorf("%d identities in the tenant, want %d: one was lost or made", got, identities)
			}
			// Each operator's audit log pairs every attempt with its result.
			for _, r := range results {
				recs, _, err := audit.ReadLog(filepath.Join(dir, r.operator, "linkdesk", "audit.log"))
				if err != nil {
					t.Fatal(err)
				}
				pending := map[string]bool{}
				calls := 0
				for _, rec := range recs {
					pending[rec.OpID] = rec.Phase == audit.PhaseAttempt
					if rec.Phase == audit.PhaseAttempt {
						calls++
					}
				}
				t.Logf("%s: exit %d after %d calls %s", r.operator, r.exit, calls, strings.TrimSpace(r.stderr))
				for id, open := range pending {
					if open {
						t.Errorf("%s's audit log: attempt %s has no result", r.operator, id)
					}
				}
			}
		})
	}
}

func countIdentities(ten *emulator.Tenant) int {
	n := 0
	for _, u := range ten.Users {
		n += len(u.Identities)
	}
	return n
}

// TestApplyRenewsAnExpiredTokenWithoutFailingAStep runs a long apply and
// three times in its middle jumps the tenant's clock past every token's
// lifetime, so the token in hand is refused as expired. The token is
// renewed and every step is made once, on its first attempt.
//
// The tokens live an hour, so the client never renews one on its own
// during the test: each jump meets the token in hand. (With 11-second
// tokens oauth2 renews about every second, and a jump that fell after such
// a renewal was due met none: CI saw 2 expired tokens for 3 jumps. The
// renewal ahead of expiry is client's TestTokenExpiryIsRenewed.)
func TestApplyRenewsAnExpiredTokenWithoutFailingAStep(t *testing.T) {
	const ttl = time.Hour
	srv, p, planFile, logPath := planOnGeneratedTenant(t, soakSize{users: 800, links: 30, unlinks: 6, deletes: 6, cascades: 1}, 3, emulator.Options{Rate: -1, TokenTTL: ttl})

	done := make(chan cmdRun, 1)
	go func() { done <- runCmd(t, nil, "apply", planFile, "--force") }()
	// Jump the clock when a quarter, half and three quarters of the calls are
	// made, and never twice before a call was sent after the last jump: the
	// executor makes one call at a time, so the second result after a jump
	// is of a call sent after it.
	jumps, atJump := 0, -2
	var r cmdRun
wait:
	for {
		select {
		case r = <-done:
			break wait
		case <-time.After(5 * time.Millisecond):
		}
		if n := resultsIn(logPath); jumps < 3 && n >= (jumps+1)*p.Calls()/4 && n >= atJump+2 {
			srv.AdvanceClock(ttl + time.Second)
			jumps, atJump = jumps+1, n
		}
	}
	if r.code != exitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.errOut)
	}
	if jumps != 3 {
		t.Fatalf("the apply ended after %d clock jumps", jumps)
	}
	st := srv.Stats()
	if st.ExpiredTokens < 3 || st.TokensIssued < 4 {
		t.Errorf("%d requests met an expired token, %d tokens issued: the clock jumps expired no token in use", st.ExpiredTokens, st.TokensIssued)
	}
	recs, _, err := audit.ReadLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[string]int{}
	for _, rec := range recs {
		switch {
		case rec.Phase == audit.PhaseAttempt:
			attempts[rec.Step]++
		case rec.Result != audit.ResultOK:
			t.Errorf("step %s: %s %s", rec.Step, rec.Result, rec.Error)
		}
	}
	for _, step := range p.StepIDs() {
		if attempts[step] != 1 {
			t.Errorf("step %s was attempted %d times", step, attempts[step])
		}
	}
	t.Logf("%d calls; %d requests met an expired token; %d tokens issued", p.Calls(), st.ExpiredTokens, st.TokensIssued)
}

// resultsIn counts the result records of the audit log at path so far.
func resultsIn(path string) int {
	recs, _, _ := audit.ReadLog(path)
	n := 0
	for _, r := range recs {
		if r.Phase == audit.PhaseResult {
			n++
		}
	}
	return n
}
