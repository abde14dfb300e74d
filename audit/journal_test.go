package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func states(j *Journal) map[string]StepState {
	out := map[string]StepState{}
	for _, st := range j.Steps() {
		out[st.ID] = st.State
	}
	return out
}

func mustMark(t *testing.T, j *Journal, step string, s StepState, note string) {
	t.Helper()
	if err := j.Mark(step, s, note); err != nil {
		t.Fatal(err)
	}
}

func TestJournalResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journals", "apply.jsonl")
	steps := []string{"link-1", "link-2", "delete-3", "unlink-4"}
	j, err := OpenJournal(path, "plan-abc", steps)
	if err != nil {
		t.Fatal(err)
	}
	if j.State("link-1") != StepPending || j.State("nope") != "" || j.PlanID() != "plan-abc" {
		t.Fatal("fresh journal not all pending")
	}
	mustMark(t, j, "link-1", StepStarted, "")
	mustMark(t, j, "link-1", StepDone, "201")
	mustMark(t, j, "link-2", StepStarted, "")
	mustMark(t, j, "link-2", StepFailed, "500 from tenant")
	mustMark(t, j, "link-2", StepStarted, "retry")
	mustMark(t, j, "link-2", StepDone, "")
	mustMark(t, j, "delete-3", StepStarted, "") // then the process dies
	if j.State("delete-3") != StepStarted {
		t.Errorf("in flight: %s", j.State("delete-3"))
	}
	for _, bad := range []struct {
		step string
		to   StepState
	}{{"link-1", StepStarted}, {"link-1", StepFailed}, {"delete-3", StepStarted}, {"unlink-4", StepFailed}, {"zzz", StepStarted}, {"unlink-4", "bogus"}} {
		if err := j.Mark(bad.step, bad.to, ""); err == nil {
			t.Errorf("Mark(%s, %s) accepted", bad.step, bad.to)
		}
	}
	j.Close()
	if err := j.Mark("unlink-4", StepStarted, ""); err != ErrClosed {
		t.Errorf("Mark after Close: %v", err)
	}

	j, err = OpenJournal(path, "plan-abc", steps)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	want := map[string]StepState{"link-1": StepDone, "link-2": StepDone, "delete-3": StepUnknown, "unlink-4": StepPending}
	if got := states(j); !maps.Equal(got, want) {
		t.Fatalf("resumed states %v, want %v", got, want)
	}
	if err := j.Mark("delete-3", StepStarted, ""); err == nil {
		t.Error("an unknown step was started again without being resolved")
	}
	mustMark(t, j, "delete-3", StepPending, "user still there: not performed")
	mustMark(t, j, "delete-3", StepStarted, "")
	mustMark(t, j, "delete-3", StepDone, "")
	mustMark(t, j, "unlink-4", StepSkipped, "operator")
	got := j.Steps()
	if got[1].Attempts != 2 || got[2].Attempts != 2 || got[1].Note != "" || got[3].Note != "operator" || got[0].Time.IsZero() {
		t.Errorf("Steps() = %+v", got)
	}
	snap, err := ReadJournal(path)
	if err != nil || snap.PlanID != "plan-abc" || snap.PID != os.Getpid() || len(snap.Steps) != 4 || snap.Steps[2].State != StepDone {
		t.Errorf("ReadJournal = %+v, %v", snap, err)
	}
}

func TestJournalRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	j, err := OpenJournal(path, "plan-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	mustMark(t, j, "a", StepStarted, "")
	j.Close()

	if _, err := OpenJournal(path, "plan-2", []string{"a", "b"}); !errors.Is(err, ErrPlanMismatch) || !strings.Contains(err.Error(), "plan-1") {
		t.Errorf("other plan: %v", err)
	}
	if _, err := OpenJournal(path, "plan-1", []string{"a", "c"}); !errors.Is(err, ErrPlanMismatch) {
		t.Errorf("other steps: %v", err)
	}
	if j, err := OpenJournal(path, "plan-1", nil); err != nil || j.State("a") != StepUnknown {
		t.Errorf("resume without steps: %v", err)
	} else {
		j.Close()
	}
	for name, args := range map[string]struct {
		plan  string
		steps []string
	}{"empty plan": {"", []string{"a"}}, "repeated step": {"p", []string{"a", "a"}}, "empty step": {"p", []string{""}}, "no steps": {"p", nil}} {
		if _, err := OpenJournal(filepath.Join(dir, "new-"+name), args.plan, args.steps); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Damage that a crash cannot cause: the journal cannot be trusted.
	data, _ := os.ReadFile(path)
	for name, content := range map[string]string{
		"not a journal":   "hello\n",
		"corrupt middle":  strings.Replace(string(data), `"state":"started"`, `"state":"started`, 1),
		"foreign step":    string(data) + `{"step":"zzz","state":"done"}` + "\n",
		"future version":  strings.Replace(string(data), `"journal":1`, `"journal":9`, 1),
		"corrupt pending": string(data) + "{\n",
	} {
		bad := filepath.Join(dir, "bad-"+strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(bad, []byte(content), 0o600)
		if _, err := OpenJournal(bad, "plan-1", []string{"a", "b"}); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// A SIGKILL can stop a run between any two bytes reaching the file (in
// practice only between lines, but a power cut can tear one). Cut a recorded
// run at every byte offset, reopen, and check the states are what the run
// had recorded durably at that point: a step is done only if its whole done
// line survived, a step whose started line survived without an outcome is
// unknown, and the journal accepts the next Mark.
func TestJournalCutAtEveryByte(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run")
	steps := []string{"s1", "s2", "s3", "s4", "s5"}
	type checkpoint struct {
		size   int64
		states map[string]StepState
	}
	var marks []checkpoint
	record := func(j *Journal) {
		st, _ := os.Stat(path)
		s := states(j)
		for id, state := range s {
			if state == StepStarted {
				s[id] = StepUnknown // what a reopen must make of it
			}
		}
		marks = append(marks, checkpoint{st.Size(), s})
	}
	j, err := OpenJournal(path, "plan-cut", steps)
	if err != nil {
		t.Fatal(err)
	}
	record(j)
	run := func(j *Journal, moves ...string) {
		for _, m := range moves {
			step, state, _ := strings.Cut(m, "=")
			mustMark(t, j, step, StepState(state), "note for "+m)
			record(j)
		}
	}
	run(j, "s1=started", "s1=done", "s2=started", "s2=failed", "s2=started", "s2=done", "s3=started")
	j.Close()
	if j, err = OpenJournal(path, "plan-cut", steps); err != nil {
		t.Fatal(err)
	}
	record(j)
	run(j, "s3=pending", "s3=started", "s3=done", "s4=skipped", "s5=started", "s5=unknown", "s5=done")
	j.Close()
	data, _ := os.ReadFile(path)

	allPending := map[string]StepState{}
	for _, s := range steps {
		allPending[s] = StepPending
	}
	cut := filepath.Join(dir, "cut")
	for k := 0; k <= len(data); k++ {
		want := allPending
		for _, m := range marks {
			if m.size <= int64(k) {
				want = m.states
			}
		}
		os.Remove(cut)
		if err := os.WriteFile(cut, data[:k], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(cut, "plan-cut", steps)
		if err != nil {
			t.Fatalf("cut at %d: %v", k, err)
		}
		if got := states(j); !maps.Equal(got, want) {
			t.Fatalf("cut at %d of %d: states %v, want %v", k, len(data), got, want)
		}
		// Every whole line survives the reopen, and the journal goes on.
		whole := data[:bytes.LastIndexByte(data[:k], '\n')+1]
		var next string
		for _, s := range steps {
			if want[s] == StepPending {
				next = s
				break
			}
		}
		if next != "" {
			mustMark(t, j, next, StepStarted, "")
		}
		j.Close()
		after, _ := os.ReadFile(cut)
		if len(whole) > 0 && !bytes.HasPrefix(after, whole) {
			t.Fatalf("cut at %d: reopening lost whole lines", k)
		}
		if snap, err := ReadJournal(cut); err != nil || (next != "" && snap.Steps[stepIndex(steps, next)].State != StepStarted) {
			t.Fatalf("cut at %d: ReadJournal %+v, %v", k, snap, err)
		}
	}
}

func stepIndex(steps []string, id string) int {
	for i, s := range steps {
		if s == id {
			return i
		}
	}
	return -1
}

func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, "plan-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	mine := fmt.Sprintf("journal in use by another linkdesk (pid %d)", os.Getpid())

	// Another open in this process is refused too.
	_, err = OpenJournal(path, "plan-1", []string{"a", "b"})
	var locked *JournalLockedError
	if !errors.Is(err, ErrJournalLocked) || !errors.As(err, &locked) || locked.PID != os.Getpid() || !strings.Contains(err.Error(), mine) {
		t.Errorf("second open in this process: %v", err)
	}

	out, err := helperCmd(t, "open-journal", "HELPER_JOURNAL="+path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), mine) {
		t.Errorf("second process: %q, %v; want %q", out, err, mine)
	}
	j.Close()
	out, err = helperCmd(t, "open-journal", "HELPER_JOURNAL="+path).CombinedOutput()
	if err != nil || string(out) != "opened" {
		t.Errorf("after Close: %q, %v", out, err)
	}
	// The lock dies with its holder: the helper exited without Close.
	if j, err := OpenJournal(path, "plan-1", []string{"a", "b"}); err != nil {
		t.Errorf("after the helper: %v", err)
	} else {
		j.Close()
	}
}

// A miniature soak: an apply process is SIGKILLed at random instants and
// resumed until it finishes. Every step's call must have been made exactly
// once, the journal must end all done, and the audit log must pair every
// attempt with a result.
func TestApplySurvivesSIGKILL(t *testing.T) {
	const steps = 120
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, runs, finished := 0, 0, false
	for runs = 1; runs <= 500 && !finished; runs++ {
		cmd := helperCmd(t, "apply", "HELPER_DIR="+dir, fmt.Sprintf("HELPER_STEPS=%d", steps))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make([]byte, len("ready\n"))
		if _, err := io.ReadFull(stdout, ready); err != nil {
			cmd.Wait()
			t.Fatalf("run %d: no ready line: %v\n%s", runs, err, stderr.String())
		}
		done := make(chan error, 1)
		go func() { io.Copy(io.Discard, stdout); done <- cmd.Wait() }()
		select {
		case err = <-done:
		// Killed within 15 ms of ready, a window that widens as the runs
		// go by: on a loaded machine a run may do no step in 15 ms, and
		// the apply must still end in the runs given.
		case <-time.After(time.Duration(rng.IntN(15_000*(1+runs/50))) * time.Microsecond):
			cmd.Process.Signal(syscall.SIGKILL)
			err = <-done
		}
		var exit *exec.ExitError
		switch {
		case err == nil:
			finished = true
		case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled():
			kills++
		default:
			t.Fatalf("run %d failed: %v\n%s", runs, err, stderr.String())
		}
	}
	if !finished {
		t.Fatalf("the apply did not finish in %d runs", runs-1)
	}
	effects, _ := os.ReadFile(filepath.Join(dir, "effects"))
	count := map[string]int{}
	for _, id := range strings.Fields(string(effects)) {
		count[id]++
	}
	for _, id := range applySteps(steps) {
		if count[id] != 1 {
			t.Errorf("step %s performed %d times", id, count[id])
		}
	}
	snap, err := ReadJournal(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range snap.Steps {
		if st.State != StepDone {
			t.Errorf("step %s ends %s", st.ID, st.State)
		}
	}
	recs, skipped, err := ReadLog(filepath.Join(dir, "audit.log"))
	if err != nil || len(skipped) != 0 {
		t.Fatalf("audit log: %v %v", skipped, err)
	}
	attempts, results := map[string]int{}, map[string]int{}
	for _, r := range recs {
		if r.Phase == PhaseAttempt {
			attempts[r.OpID]++
		} else {
			results[r.OpID]++
		}
	}
	for op, n := range attempts {
		if n != 1 || results[op] != 1 {
			t.Errorf("op %s: %d attempts, %d results", op, n, results[op])
		}
	}
	if len(results) != len(attempts) {
		t.Errorf("%d results for %d attempts", len(results), len(attempts))
	}
	t.Logf("%d steps, %d runs, %d SIGKILLs, %d calls logged", steps, runs-1, kills, len(attempts))
	if kills < 3 {
		t.Errorf("only %d runs were killed before the apply finished: the test proved little", kills)
	}
}

func TestSecretsNeverWrittenToJournal(t *testing.T) {
	secret := "journal-secret-" + time.Now().Format("150405.000000000")
	RegisterSecret(secret)
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, "plan-s", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	mustMark(t, j, "a", StepStarted, "")
	mustMark(t, j, "a", StepFailed, "401: token "+secret+" rejected; sent Authorization: Bearer abc.def")
	if got := j.Steps()[0].Note; got != "401: token [redacted] rejected; sent Authorization: Bearer [redacted]" {
		t.Errorf("note kept as %q", got)
	}
	j.Close()
	raw, _ := os.ReadFile(path)
	assertNoSecrets(t, raw, secret, "abc.def")
}

// A journal belongs to one plan on one tenant: opened for another tenant it
// is refused, so that it cannot report work done elsewhere.
func TestJournalBelongsToItsTenant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournalFor(path, JournalBinding{PlanID: "plan-1", Tenant: "acme.eu.auth0.com"}, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	mustMark(t, j, "a", StepStarted, "")
	mustMark(t, j, "a", StepDone, "")
	j.Close()
	if _, err := OpenJournalFor(path, JournalBinding{PlanID: "plan-1", Tenant: "other.eu.auth0.com"}, []string{"a"}); !errors.Is(err, ErrPlanMismatch) || !strings.Contains(err.Error(), "other.eu.auth0.com") {
		t.Fatalf("another tenant's open: %v", err)
	}
	snap, err := ReadJournal(path)
	if err != nil || snap.Tenant != "acme.eu.auth0.com" {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
}

// A journal whose last line was torn is cut back to its whole lines when
// opened, and records that it was.
func TestJournalRepairIsNoted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, "plan-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	mustMark(t, j, "a", StepStarted, "")
	j.Close()
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte(`{"time":"2025-01-01T00:00:00Z","step":"a","sta`))
	f.Close()
	j, err = OpenJournal(path, "plan-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if !strings.Contains(j.Repaired(), "unfinished last line") {
		t.Errorf("Repaired() = %q", j.Repaired())
	}
	if st := states(j); st["a"] != StepUnknown {
		t.Errorf("states after the repair: %v", st)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(`"event":"repair"`)) || bytes.Contains(data, []byte(`"sta{`)) {
		t.Errorf("the journal does not record its repair:\n%s", data)
	}
}

// One plan runs at most once at a time on a tenant: the plan lock refuses
// a second holder (whatever journal it keeps), and a later run that names
// another journal than the one the plan has.
func TestPlanLock(t *testing.T) {
	dir := t.TempDir()
	lockPath, journalA, journalB := filepath.Join(dir, "locks", "p.lock"), filepath.Join(dir, "a.journal"), filepath.Join(dir, "b.journal")
	l, err := LockPlan(lockPath, journalA)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(journalA); err != nil {
		t.Fatal(err)
	}
	var locked *PlanLockedError
	if _, err := LockPlan(lockPath, journalB); !errors.Is(err, ErrJournalLocked) || !errors.As(err, &locked) || locked.PID != os.Getpid() {
		t.Fatalf("a second holder: %v", err)
	}
	os.WriteFile(journalA, []byte("{}\n"), 0o600)
	l.Release()
	if _, err := LockPlan(lockPath, journalB); !errors.Is(err, ErrJournalBound) || !strings.Contains(err.Error(), journalA) {
		t.Fatalf("another journal for the same plan: %v", err)
	}
	l, err = LockPlan(lockPath, journalA)
	if err != nil {
		t.Fatalf("the same journal again: %v", err)
	}
	l.Release()
	// The same file named another way is the same journal.
	if l, err = LockPlan(lockPath, filepath.Join(dir, "locks", "..", "a.journal")); err != nil {
		t.Fatalf("the bound journal by another path: %v", err)
	}
	l.Release()
	os.Remove(journalA)
	if l, err = LockPlan(lockPath, journalB); err != nil {
		t.Fatalf("the first journal is gone, so another may start: %v", err)
	}
	l.Release()
	// A lock taken and never bound (the journal given was refused) leaves
	// the binding as it was.
	os.WriteFile(journalB, []byte("{}\n"), 0o600)
	if l, err = LockPlan(lockPath, journalB); err != nil {
		t.Fatal(err)
	}
	l.Bind(journalB)
	l.Release()
	if l, err = LockPlan(lockPath, journalB); err != nil {
		t.Fatal(err)
	}
	l.Release() // not bound: journalA, say, was refused as another plan's
	if _, err := LockPlan(lockPath, journalA); !errors.Is(err, ErrJournalBound) || !strings.Contains(err.Error(), journalB) {
		t.Fatalf("the binding after an unbound lock: %v", err)
	}
}
