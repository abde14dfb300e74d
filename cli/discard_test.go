package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resume --discard marked what remained of a plan cut off as left undone
// for good without --force, without asking and without a terminal
// (tester): a discard gives up for good on what a plan was to make, so it
// follows the write contract. These tests cut a link off after its merge
// and its role (linkCutAfterItsRole), then settle it with a plain resume,
// so that what follows has nothing left to settle and any change to the
// journal or the audit log is the discard's.

// settledCutLink is a link cut off after its merge and role, settled: its
// membership and link remain. It returns the state's journals and audit
// log as they are then.
func settledCutLink(t *testing.T, e *writeEnv) map[string]string {
	t.Helper()
	linkCutAfterItsRole(t, e)
	mustRun(t, "resume") // settles what was cut off; without a terminal, finishes nothing
	return discardState(t, e)
}

// discardState is what a discard writes: every journal of the state
// directory and its audit log, by path.
func discardState(t *testing.T, e *writeEnv) map[string]string {
	t.Helper()
	files := map[string]string{}
	dir := filepath.Join(e.state, "linkdesk")
	paths, err := filepath.Glob(filepath.Join(dir, "journals", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, filepath.Join(dir, "audit.log")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(b)
	}
	if len(files) < 2 {
		t.Fatalf("no journal in %s", dir)
	}
	return files
}

// sameState fails the test where the journals or the audit log changed.
func sameState(t *testing.T, e *writeEnv, before map[string]string, what string) {
	t.Helper()
	after := discardState(t, e)
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed %s", what, p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%s wrote %d files, was %d", what, len(after), len(before))
	}
}

// Without --force and without a terminal, resume --discard is a dry run:
// it says what a discard would leave (and what stays on the tenant, and
// its undo), discards nothing, and a later resume --force still finishes
// the plan.
func TestResumeDiscardWithoutForceIsADryRun(t *testing.T) {
	e := newAccessEnv(t)
	before := settledCutLink(t, e)
	r := runCmd(t, nil, "resume", "--discard")
	for _, want := range []string{
		"a discard would leave op1.member, op1.link undone for good.",
		// Which accounts: a step id alone does not say (tester).
		"    op1: link google-oauth2|108812345678901234567 into auth0|63ea1f0b2c8d4e5f60718293",
		"made before it was cut off, and left on the tenant: op1.patch, op1.roles (op1.member, op1.link left undone):",
		"to take them back: linkdesk undo ",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, r.out)
		}
	}
	if r.code != exitOK || strings.Contains(r.out, "discarded:") ||
		!strings.Contains(r.errOut, "Dry run: nothing was discarded. Run `linkdesk resume --discard --force plan-") {
		t.Errorf("resume --discard without --force: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	sameState(t, e, before, "resume --discard without --force")
	if again := runCmd(t, nil, "resume"); !strings.Contains(again.out, "not done yet: op1.member, op1.link") {
		t.Errorf("after the dry run, the plan is no longer unsettled:\n%s%s", again.out, again.errOut)
	}
	if f := runCmd(t, nil, "resume", "--force"); f.code != exitOK || !strings.Contains(f.out, "Done:") {
		t.Fatalf("resume --force after the discard's dry run: exit %d\n%s%s", f.code, f.out, f.errOut)
	}
	if u, _ := e.srv.GetUser(cmdAliceDB); len(u.Identities) != 2 {
		t.Errorf("the link was not finished: %d identities", len(u.Identities))
	}
}

// --discard --force discards without a question (it was a usage error).
func TestResumeDiscardForceDiscards(t *testing.T) {
	e := newAccessEnv(t)
	before := settledCutLink(t, e)
	r := runCmd(t, nil, "resume", "--discard", "--force")
	if r.code != exitOK || !strings.Contains(r.out, "discarded: op1.member, op1.link left undone for good.") ||
		strings.Contains(r.errOut, "Dry run") || strings.Contains(r.errOut, "[y/N]") {
		t.Fatalf("resume --discard --force: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	after := discardState(t, e)
	changed := false
	for p, b := range before {
		changed = changed || after[p] != b
	}
	if !changed {
		t.Error("resume --discard --force left the journal as it was")
	}
	if again := runCmd(t, nil, "resume"); !strings.Contains(again.out, "Nothing to settle") {
		t.Errorf("after --discard --force, resume still finds:\n%s%s", again.out, again.errOut)
	}
}

// resume --discard --json without --force prints one JSON value, a dry
// run: the same operations, dry_run true, discarded false.
func TestResumeDiscardJSONDryRunIsOneValue(t *testing.T) {
	e := newAccessEnv(t)
	before := settledCutLink(t, e)
	r := runCmd(t, nil, "resume", "--discard", "--json")
	var got struct {
		Plan       string `json:"plan_id"`
		DryRun     *bool  `json:"dry_run"`
		Discarded  *bool  `json:"discarded"`
		Operations []struct {
			ID         string   `json:"id"`
			LeftUndone []string `json:"left_undone"`
			Made       []struct {
				Step string `json:"step"`
			} `json:"made"`
			UndoOpID string `json:"undo_op_id"`
		} `json:"operations"`
	}
	oneJSONValue(t, r, &got)
	if r.code != exitOK || got.DryRun == nil || !*got.DryRun || got.Discarded == nil || *got.Discarded || got.Plan == "" || len(got.Operations) != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if op := got.Operations[0]; op.ID != "op1" || strings.Join(op.LeftUndone, " ") != "op1.member op1.link" || len(op.Made) != 2 || op.UndoOpID == "" {
		t.Errorf("operation %+v", op)
	}
	if !strings.Contains(r.errOut, "Dry run: nothing was discarded.") {
		t.Errorf("stderr does not say it is a dry run:\n%s", r.errOut)
	}
	sameState(t, e, before, "resume --discard --json without --force")
	// Discarded, the same JSON says so.
	r = runCmd(t, nil, "resume", "--discard", "--json", "--force")
	oneJSONValue(t, r, &got)
	if r.code != exitOK || *got.DryRun || !*got.Discarded || len(got.Operations) != 1 {
		t.Errorf("--force: exit %d\n%s", r.code, r.out)
	}
}

// On a terminal, resume --discard asks (default No): n or enter alone
// discards nothing (exit 1, as any write answered No); y discards.
func TestResumeDiscardAsksOnATerminal(t *testing.T) {
	e := newAccessEnv(t)
	before := settledCutLink(t, e)
	for _, answer := range []string{"n\n", "\n", "yes please\n"} {
		r := runCmd(t, &answer, "resume", "--discard")
		if r.code != exitFailure || !strings.Contains(r.errOut, "Discard what remains of plan ") || !strings.Contains(r.errOut, "for good? [y/N] Not confirmed: nothing was changed.") ||
			!strings.Contains(r.out, "a discard would leave op1.member, op1.link undone for good.") {
			t.Errorf("answered %q: exit %d\n%s%s", answer, r.code, r.out, r.errOut)
		}
		sameState(t, e, before, "resume --discard answered "+strings.TrimSpace(answer))
	}
	y := "y\n"
	r := runCmd(t, &y, "resume", "--discard")
	if r.code != exitOK || !strings.Contains(r.out, "discarded: op1.member, op1.link left undone for good.") {
		t.Fatalf("answered y: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if again := runCmd(t, nil, "resume"); !strings.Contains(again.out, "Nothing to settle") {
		t.Errorf("after y, resume still finds:\n%s%s", again.out, again.errOut)
	}
}

// Where resume (finishing) is not confirmed, it names the discard of that
// plan that runs where it ran: --discard --force without a terminal,
// --discard (which asks) on one.
func TestResumeNamesTheDiscardThatRunsHere(t *testing.T) {
	e := newAccessEnv(t)
	settledCutLink(t, e)
	planID := e.auditRecords()[0].PlanID
	if r := runCmd(t, nil, "resume"); !strings.Contains(r.errOut, "To leave them undone for good: linkdesk resume --discard --force "+planID+"\n") {
		t.Errorf("without a terminal:\n%s", r.errOut)
	}
	n := "n\n"
	if r := runCmd(t, &n, "resume"); !strings.Contains(r.errOut, "To leave them undone for good: linkdesk resume --discard "+planID+"\n") {
		t.Errorf("on a terminal:\n%s", r.errOut)
	}
}
