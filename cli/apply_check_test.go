package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// apply's dry run reads the accounts of the steps left and runs on them
// the checks --force makes before each call (tester: a dry run read as
// "the plan is fine", and --force then refused a step): a block set after
// the plan is named by its step and check, the dry run exits 3 as link's
// does on a blocked account, and nothing is written.
func TestAnApplyDryRunNamesTheStepForceWouldRefuse(t *testing.T) {
	e := newWriteEnv(t)
	plan := alicesPlan(t)
	blockAliceGoogle(t, e)
	writes := e.userWrites()
	r := runCmd(t, nil, "apply", plan)
	if r.code != exitRefused {
		t.Errorf("dry run after a block: exit %d, want %d\n%s%s", r.code, exitRefused, r.out, r.errOut)
	}
	for _, want := range []string{"op1.", "refused (blocked_account)", cmdAliceGoogle + " is blocked", "0 of ", "--force stops at op1."} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the dry run lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "blocked_account") || strings.Contains(r.errOut, "not read again") {
		t.Errorf("stderr does not say why it exits 3, or says the accounts were not read:\n%s", r.errOut)
	}
	// On a terminal it does not ask: --force would stop there.
	yes := "y\n"
	if r := runCmd(t, &yes, "apply", plan); r.code != exitRefused || strings.Contains(r.errOut, "[y/N]") {
		t.Errorf("on a terminal: exit %d, asked: %v\n%s", r.code, strings.Contains(r.errOut, "[y/N]"), r.errOut)
	}
	if w := e.userWrites(); w != writes || !e.exists(cmdAliceGoogle) {
		t.Errorf("the dry run wrote %d times", w-writes)
	}
}

// Every step passing, the dry run says so, with the count, and exits 0.
func TestAnApplyDryRunSaysEveryStepPasses(t *testing.T) {
	newWriteEnv(t)
	plan := alicesPlan(t)
	r := mustRun(t, "apply", plan)
	if want := " steps left pass the checks --force makes before each call"; !strings.Contains(r.out, "Checked on the tenant now (2 accounts read, each once): all ") || !strings.Contains(r.out, want) {
		t.Errorf("the dry run does not say every step passes:\n%s", r.out)
	}
	if strings.Contains(r.out+r.errOut, "refused") {
		t.Errorf("a step was refused:\n%s%s", r.out, r.errOut)
	}
}

// With --json the dry run is one value that says it checked, and lists
// the step refused with its check and reason.
func TestAnApplyDryRunInJSONListsTheStepRefused(t *testing.T) {
	e := newWriteEnv(t)
	plan := alicesPlan(t)
	r := mustRun(t, "apply", plan, "--json")
	var ok struct {
		Checked bool              `json:"checked"`
		Passed  int               `json:"steps_passed"`
		Left    int               `json:"steps_left"`
		Refused []json.RawMessage `json:"refused"`
	}
	if err := json.Unmarshal([]byte(r.out), &ok); err != nil || !ok.Checked || ok.Passed == 0 || ok.Passed != ok.Left || ok.Refused == nil || len(ok.Refused) != 0 {
		t.Errorf("every step passing: %+v (%v)\n%s", ok, err, r.out)
	}
	blockAliceGoogle(t, e)
	r = runCmd(t, nil, "apply", plan, "--json")
	if r.code != exitRefused {
		t.Errorf("exit %d, want %d\n%s", r.code, exitRefused, r.errOut)
	}
	values := jsonValues(t, r.out)
	if len(values) != 1 || bytes.Contains(values[0], []byte(`"error"`)) {
		t.Fatalf("stdout holds %d JSON values, want the dry run's one:\n%s", len(values), r.out)
	}
	var got struct {
		DryRun  bool `json:"dry_run"`
		Checked bool `json:"checked"`
		Passed  int  `json:"steps_passed"`
		Refused []struct {
			Step, Check, Reason string
			UserIDs             []string `json:"user_ids"`
		} `json:"refused"`
	}
	if err := json.Unmarshal(values[0], &got); err != nil {
		t.Fatal(err)
	}
	if !got.DryRun || !got.Checked || got.Passed != 0 || len(got.Refused) != 1 {
		t.Fatalf("the dry run: %+v\n%s", got, r.out)
	}
	if rf := got.Refused[0]; !strings.HasPrefix(rf.Step, "op1.") || rf.Check != "blocked_account" || !strings.Contains(rf.Reason, cmdAliceGoogle+" is blocked") {
		t.Errorf("the step refused: %+v", rf)
	}
}

// A plan linking two accounts into one primary, each holding a role the
// primary lacks: the second link's steps expect the primary as the first
// leaves it (its identity linked, the role given), which the dry run does
// not take for a change, and the role the first link gives it counts as
// given. A block set since on the second secondary is its link's refusal,
// the first link passing.
func TestAnApplyDryRunChecksTwoLinksIntoOnePrimary(t *testing.T) {
	const weiGoogle, weiGitHub = "google-oauth2|114455667788990011223", "github|9007199254740993"
	path := accessFixture(t, map[string]userAccess{
		weiGoogle: {roles: []string{"rol_support"}, orgs: []string{"org_acme"}},
		weiGitHub: {roles: []string{"rol_support"}, orgs: []string{"org_acme"}},
	})
	e := newWriteEnvFrom(t, path, emulator.Options{Rate: -1})
	plan := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--email", "wei.zhang@gmail.com", "--out", plan)
	if data, err := os.ReadFile(plan); err != nil || strings.Count(string(data), `"kind":"link"`) != 2 {
		t.Fatalf("the plan does not hold two links (%v): %.600s", err, data)
	}
	reads := e.srv.Stats().Requests["GET /api/v2/users/{id}"]
	r := mustRun(t, "apply", plan)
	if !strings.Contains(r.out, "(3 accounts read, each once): all ") || strings.Contains(r.out+r.errOut, "refused") {
		t.Errorf("the dry run of two links into one primary:\n%s%s", r.out, r.errOut)
	}
	if n := e.srv.Stats().Requests["GET /api/v2/users/{id}"] - reads; n != 3 {
		t.Errorf("the dry run read users %d times, want 3: each account once", n)
	}

	// The plan links GitHub first, then Google.
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), weiGoogle, true); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, nil, "apply", plan)
	if r.code != exitRefused || !strings.Contains(r.out, "refused (blocked_account)") || !strings.Contains(r.out, weiGoogle+" is blocked") {
		t.Fatalf("a block on the second secondary: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	var first, second bool
	for _, line := range strings.Split(r.out, "\n") {
		first = first || strings.HasPrefix(line, "  op1.") && strings.Contains(line, "refused")
		second = second || strings.HasPrefix(line, "  op2.") && strings.Contains(line, "refused")
	}
	if first || !second {
		t.Errorf("op1 refused: %v, op2 refused: %v, want op2 alone:\n%s", first, second, r.out)
	}
	if !strings.Contains(r.out, "--force stops at op2.") {
		t.Errorf("the dry run does not say where --force stops:\n%s", r.out)
	}

	// Unblocked again, --force makes every call: the dry run told the truth.
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), weiGoogle, false); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "apply", plan)
	mustRun(t, "apply", plan, "--force")
	if e.exists(weiGoogle) || e.exists(weiGitHub) {
		t.Error("--force did not link both secondaries")
	}
}

// An apply killed (SIGKILL) once its metadata merge reached the tenant,
// before the answer came: the journal says the call was sent, and no
// answer is on record. The dry run refused the merge as changed since the
// plan (changed_since_plan, exit 3, "make a new plan"), while --force reads
// the tenant first, finds the merge made, and finishes the plan. The dry
// run now names the step as left unknown by the earlier run and says what
// --force does with it, in --force's words, in text and JSON; --force then
// does just that.
func TestAnApplyDryRunSaysHowForceSettlesAStepAKilledRunLeftUnknown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu, env, plan := alicesPlanOnAProcess(t, "--hold-write-replies", "5s")
	tenant := emu.client(t)
	cutWhen(t, env, "the merge reaching the tenant", func() bool {
		u, err := tenant.User(context.Background(), cmdAliceDB)
		_, am := linking.UserMetadata(u)
		roles, _ := am["roles"].([]any)
		return err == nil && len(roles) == 2 // "member" and "beta": merged; linkdesk waits for the answer
	}, kill, "apply", plan, "--force", "--reason", "kill test")

	const settled = "an earlier run was cut off during this call; the tenant shows it took effect"
	r := runProcess(t, env, "apply", plan)
	if r.code != exitOK || strings.Contains(r.out+r.errOut, "changed_since_plan") || strings.Contains(r.out+r.errOut, "refused") {
		t.Fatalf("the dry run after the kill: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{
		"Left unknown by an earlier run, cut off during its call",
		"as `linkdesk resume` does",
		"  op1.patch    took effect: --force records it done by that run, and does not make it again\n      " + settled + "\n",
		"(2 accounts read, each once): the step left to make passes the checks --force makes",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "Run again with --force to make this call ") {
		t.Errorf("the dry run does not count the one call --force makes:\n%s", r.errOut)
	}

	r = runProcess(t, env, "apply", plan, "--json")
	var got struct {
		Left      int               `json:"steps_left"`
		Passed    int               `json:"steps_passed"`
		Refused   []json.RawMessage `json:"refused"`
		Unsettled []cutOffJSON      `json:"unsettled"`
	}
	values := jsonValues(t, r.out)
	if r.code != exitOK || len(values) != 1 || json.Unmarshal(values[0], &got) != nil {
		t.Fatalf("the dry run with --json: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	want := []cutOffJSON{{Op: "op1", Step: "op1.patch", Outcome: "took_effect", Note: settled}}
	if got.Left != 2 || got.Passed != 1 || got.Refused == nil || len(got.Refused) != 0 || !slices.Equal(got.Unsettled, want) {
		t.Errorf("the dry run with --json: steps_left %d, steps_passed %d, refused %s, unsettled %+v\n%s", got.Left, got.Passed, got.Refused, got.Unsettled, r.out)
	}

	r = runProcess(t, env, "apply", plan, "--force")
	if r.code != exitOK || !strings.Contains(r.out, "op1.patch    already done") || !strings.Contains(r.out, settled) ||
		!strings.Contains(r.out, "Done: all 2 calls made (1 by an earlier run).") {
		t.Errorf("--force after the dry run: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if stats, _ := emu.stop(t); stats.Effects[emulator.RoutePatchUser] != 1 || stats.Effects[emulator.RouteLink] != 1 {
		t.Errorf("the tenant merged %d times and linked %d times, want each once", stats.Effects[emulator.RoutePatchUser], stats.Effects[emulator.RouteLink])
	}
}

// cutOffJSON is an entry of "unsettled" in apply's dry run with --json.
type cutOffJSON struct{ Op, Step, Outcome, Note string }

// alicesPlan is the plan of alice's group on the tenant of the test's
// environment (her Google account linked into her database one), in a
// file of its own.
func alicesPlan(t *testing.T) string {
	t.Helper()
	plan := filepath.Join(t.TempDir(), "plan.json")
	mustRun(t, "plan", "--email", "alice.nguyen@gmail.com", "--out", plan)
	return plan
}

// blockAliceGoogle blocks alice's Google account on e's tenant, as another
// operator would after a plan was made.
func blockAliceGoogle(t *testing.T, e *writeEnv) {
	t.Helper()
	if _, err := connectEnv(t, e).SetBlocked(t.Context(), cmdAliceGoogle, true); err != nil {
		t.Fatal(err)
	}
}
