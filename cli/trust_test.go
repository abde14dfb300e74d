package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
)

// Process-level tests of issue 12, as a tester runs them: linkdesk and the
// sandbox tenant each as a process of its own.

// processRun is one finished linkdesk process.
type processRun struct {
	code        int
	out, errOut string
}

func runProcess(t *testing.T, env []string, args ...string) processRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := linkdeskProcess(ctx, env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	_ = cmd.Run()
	return processRun{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}
}

// An edited plan whose digest was recomputed: a link step turned into the
// deletion of another account is refused (exit 2, naming the step) and
// nothing reaches the tenant.
func TestAnEditedPlanIsRefusedAsAProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("processes")
	}
	emu, env, planFile := alicesPlanOnAProcess(t)
	data, _ := os.ReadFile(planFile)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var p linking.Plan
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	last := &p.Operations[0].Steps[len(p.Operations[0].Steps)-1]
	last.Action, last.Call = linking.ActionDelete, linking.DeleteCall(cmdSam)
	p.Seal() // the tester recomputes the digest
	writePlanFile(t, planFile, &p)
	r := runProcess(t, env, "apply", planFile, "--force")
	if r.code != exitUsage || !strings.Contains(r.errOut, "step "+last.ID) || !strings.Contains(r.errOut, "edited") {
		t.Fatalf("apply of an edited plan: %d\n%s", r.code, r.errOut)
	}
	stats, ten := emu.stop(t)
	if len(stats.Effects) != 0 {
		t.Errorf("the edited plan changed the tenant: %v", stats.Effects)
	}
	if !slicesContainsUser(ten, cmdSam) {
		t.Error(cmdSam + " was deleted")
	}
}

func slicesContainsUser(ten *emulator.Tenant, id string) bool {
	for _, u := range ten.Users {
		if u.UserID == id {
			return true
		}
	}
	return false
}

// Two sandboxes with the same seed: a plan made on one and applied on each
// makes its calls on each (a journal belongs to one tenant).
func TestOnePlanOnTwoSandboxesOfTheSameSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("processes")
	}
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	sandbox := []string{"--demo", "--fixture", cmdFixture} // a new sandbox of the same data each time
	if r := runProcess(t, env, append([]string{"plan", "--out", planFile}, sandbox...)...); r.code != exitOK {
		t.Fatalf("plan: %d %s", r.code, r.errOut)
	}
	p := readPlanFile(t, planFile)
	if p.Calls() == 0 {
		t.Fatal("the sandbox gave an empty plan")
	}
	want := fmt.Sprintf("Done: all %d calls made.", p.Calls())
	for i := range 2 {
		r := runProcess(t, env, append([]string{"apply", planFile, "--force"}, sandbox...)...)
		if r.code != exitOK || !strings.Contains(r.out, want) {
			t.Fatalf("apply on sandbox %d: exit %d, want %q\n%s\n%s", i+1, r.code, want, tail(r.out, 4), r.errOut)
		}
	}
}

// Two applies of one plan at once, each with a journal of its own: one
// carries the plan out, the other is refused, and every call is made once.
func TestTwoJournalsCannotRunOnePlanTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("processes")
	}
	emu := startEmulatorProcess(t, cmdFixture, "--rate=-1", "--latency=60ms")
	state := t.TempDir()
	env := append(emu.env(), "XDG_STATE_HOME="+state)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := runProcess(t, env, "plan", "--out", planFile); r.code != exitOK {
		t.Fatalf("plan: %d %s", r.code, r.errOut)
	}
	p := readPlanFile(t, planFile)
	runs := make(chan processRun, 2)
	for _, j := range []string{"a.journal", "b.journal"} {
		go func() {
			runs <- runProcess(t, env, "apply", planFile, "--force", "--journal", filepath.Join(state, j))
		}()
	}
	r1, r2 := <-runs, <-runs
	if r1.code == exitOK == (r2.code == exitOK) {
		t.Fatalf("want one apply done and one refused:\n%d %s\n%d %s", r1.code, r1.errOut, r2.code, r2.errOut)
	}
	refused := r1
	if r1.code == exitOK {
		refused = r2
	}
	if !strings.Contains(refused.errOut, "another linkdesk") && !strings.Contains(refused.errOut, "already has a journal") {
		t.Errorf("the refusal does not say why: %s", refused.errOut)
	}
	stats, _ := emu.stop(t)
	for route, n := range plannedEffects(p) {
		if stats.Effects[route] != n {
			t.Errorf("%s changed the tenant %d times; the plan has %d such calls", route, stats.Effects[route], n)
		}
	}
}

// A full disk while the result of a call is written: the run says plainly
// that the call took effect, and the next run repairs the torn line with a
// note and records the result by reading the tenant.
func TestAFullDiskWhileWritingAResult(t *testing.T) {
	if testing.Short() {
		t.Skip("processes")
	}
	filler := func(state string) int64 {
		var b bytes.Buffer
		for i := range 400 {
			fmt.Fprintf(&b, `{"time":"2026-01-01T00:00:00Z","operator":"filler","tenant":"t","action":"note","phase":"note","op_id":"fill-%04d","user_ids":[]}`+"\n", i)
		}
		path := filepath.Join(state, "linkdesk", "audit.log")
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, b.Bytes(), 0o600)
		return int64(b.Len())
	}
	// Calibrate: how long the attempt and the result lines of this delete are.
	emuA := startEmulatorProcess(t, cmdFixture, "--rate=-1")
	stateA := t.TempDir()
	size := filler(stateA)
	if r := runProcess(t, append(emuA.env(), "XDG_STATE_HOME="+stateA), "delete", cmdAliceGoogle, "--force"); r.code != exitOK {
		t.Fatalf("calibration: %d %s", r.code, r.errOut)
	}
	logA, _ := os.ReadFile(filepath.Join(stateA, "linkdesk", "audit.log"))
	lines := strings.SplitAfter(strings.TrimSuffix(string(logA[size:]), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("calibration: %d lines", len(lines))
	}
	attempt, result := int64(len(lines[0])), int64(len(lines[1]))

	emu := startEmulatorProcess(t, cmdFixture, "--rate=-1")
	state := t.TempDir()
	filler(state)
	limit := size + attempt + result/2
	env := append(emu.env(), "XDG_STATE_HOME="+state)
	r := runProcess(t, append(env, fmt.Sprintf("%s=%d", fileSizeLimit, limit)), "delete", cmdAliceGoogle, "--force")
	if r.code != exitFailure || !strings.Contains(r.errOut, "TOOK EFFECT") || !strings.Contains(r.errOut, "settles it by reading the tenant") {
		t.Fatalf("the full disk: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if strings.Contains(r.errOut, "audit log: audit log") {
		t.Errorf("the message stutters: %s", r.errOut)
	}
	path := filepath.Join(state, "linkdesk", "audit.log")
	if data, _ := os.ReadFile(path); int64(len(data)) != limit || data[len(data)-1] == '\n' {
		t.Fatalf("want a torn last line at %d bytes; the log has %d", limit, len(data))
	}
	r = runProcess(t, env, "resume")
	if r.code != exitOK || !strings.Contains(r.errOut, "unfinished last line") || !strings.Contains(r.out, "took effect") {
		t.Fatalf("resume: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	recs, skipped, err := audit.ReadLog(path)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("after the repair: %v %v", err, skipped)
	}
	var attempts, oks, notes int
	for _, rec := range recs {
		switch {
		case rec.Action == linking.ActionDelete && rec.Phase == audit.PhaseAttempt:
			attempts++
		case rec.Action == linking.ActionDelete && rec.Result == audit.ResultOK:
			oks++
		case rec.Action == audit.ActionRepair:
			notes++
		}
	}
	if attempts != 1 || oks != 1 || notes != 1 {
		t.Errorf("the delete has %d attempts and %d results ok, the log %d repair notes; want 1, 1, 1", attempts, oks, notes)
	}
	if _, ten := emu.stop(t); slicesContainsUser(ten, cmdAliceGoogle) {
		t.Error("the delete did not happen")
	}
}

// alicesPlanOnAProcess starts the fixture's tenant as a process (with the
// emulator flags given besides --rate=-1) and plans alice's link on it
// with linkdesk, a process too, in a state directory of its own: it
// returns the tenant, linkdesk's environment and the plan file.
func alicesPlanOnAProcess(t *testing.T, emulatorFlags ...string) (*emulatorProcess, []string, string) {
	t.Helper()
	emu := startEmulatorProcess(t, cmdFixture, append([]string{"--rate=-1"}, emulatorFlags...)...)
	env := append(emu.env(), "XDG_STATE_HOME="+t.TempDir())
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := runProcess(t, env, "plan", "--email", "alice.nguyen@gmail.com", "--out", planFile); r.code != exitOK {
		t.Fatalf("plan: %d %s", r.code, r.errOut)
	}
	return emu, env, planFile
}
