package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

// linkAudit counts the audit records of link calls, by op id.
func linkAudit(t *testing.T, state string) (attempts map[string]int, results map[string][]string) {
	t.Helper()
	recs, _, err := audit.ReadLog(filepath.Join(state, "linkdesk", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	attempts, results = map[string]int{}, map[string][]string{}
	for _, r := range recs {
		if r.Action != "link" {
			continue
		}
		switch r.Phase {
		case audit.PhaseAttempt:
			attempts[r.OpID]++
		case audit.PhaseResult:
			results[r.OpID] = append(results[r.OpID], r.Result)
		}
	}
	return attempts, results
}

// TestALinkKilledAfterItsRequestWasSentIsSettledByResume: `linkdesk link …
// --force` is killed with SIGKILL after its request reached the tenant,
// which linked the accounts but had not answered yet. The next write
// command says a write is unsettled; `linkdesk resume` reads the tenant,
// records that the link took effect, and has nothing left to do. The audit
// log holds exactly one result for the call, and the tenant the link once.
func TestALinkKilledAfterItsRequestWasSentIsSettledByResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu, env, state := killLinkAfterItReachedTheTenant(t)
	if attempts, results := linkAudit(t, state); len(attempts) != 1 || len(results) != 0 {
		t.Fatalf("before resume: attempts %v, results %v; want one attempt and no result", attempts, results)
	}

	// The next write command says what is unsettled, and changes nothing.
	warn := runProcess(t, env, "unlink", cmdSam, "google-oauth2", "101202303404505606707")
	if !strings.Contains(warn.errOut, "did not finish as seen") || !strings.Contains(warn.errOut, "linkdesk resume") || warn.code != exitOK {
		t.Errorf("a write command did not say a write is unsettled (exit %d):\n%s", warn.code, warn.errOut)
	}
	settled := runProcess(t, env, "resume", "--reason", "ZD-4411 resumed")
	if settled.code != exitOK || !strings.Contains(settled.out, "settled op1.link: ") || !strings.Contains(settled.out, "took effect") || !strings.Contains(settled.out, "nothing remains") ||
		!strings.Contains(settled.out, "To undo it: linkdesk undo ") { // as the link would have said (tester)
		t.Fatalf("resume: exit %d\n%s%s", settled.code, settled.out, settled.errOut)
	}
	// The result keeps the words of the run that made the call, and the resume's.
	recs, _, err := audit.ReadLog(filepath.Join(state, "linkdesk", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Action == "link" && r.Phase == audit.PhaseResult && r.Reason != "kill test; resumed: ZD-4411 resumed" {
			t.Errorf("the settled link's reason: %q", r.Reason)
		}
	}
	if again := runProcess(t, env, "resume"); !strings.Contains(again.out, "Nothing to settle") {
		t.Errorf("a second resume found more:\n%s%s", again.out, again.errOut)
	}

	tenant := linkedOnceOnTheRecord(t, emu, state)
	for _, u := range tenant.Users {
		if u.UserID == cmdAliceDB && len(u.Identities) != 2 {
			t.Errorf("alice holds %d identities, want her own and the Google one", len(u.Identities))
		}
	}
}

// killLinkAfterItReachedTheTenant runs `linkdesk link alice-db alice-google
// --force` against a tenant (a process) that carries a write out at once
// and holds its answer for a minute, and kills it with SIGKILL between the
// effect and the answer: the tenant linked, and linkdesk never heard.
func killLinkAfterItReachedTheTenant(t *testing.T) (emu *emulatorProcess, env []string, state string) {
	t.Helper()
	emu, env, state, _ = cutLinkAfterItReachedTheTenant(t, func(linkdesk *os.Process, _ *emulatorProcess, out *lockedBuffer) {
		kill(linkdesk, out)
	})
	return emu, env, state
}

// signalLinkAfterItReachedTheTenant is killLinkAfterItReachedTheTenant
// with sig for the kill; it returns what the process printed and its exit
// code too.
func signalLinkAfterItReachedTheTenant(t *testing.T, sig os.Signal) (emu *emulatorProcess, env []string, state string, r processRun) {
	t.Helper()
	return cutLinkAfterItReachedTheTenant(t, func(linkdesk *os.Process, _ *emulatorProcess, _ *lockedBuffer) {
		linkdesk.Signal(sig)
	})
}

// cutLinkAfterItReachedTheTenant is killLinkAfterItReachedTheTenant with
// cut for the kill: it gets linkdesk's process, the tenant's and what
// linkdesk has printed so far.
func cutLinkAfterItReachedTheTenant(t *testing.T, cut func(linkdesk *os.Process, emu *emulatorProcess, out *lockedBuffer)) (emu *emulatorProcess, env []string, state string, r processRun) {
	t.Helper()
	emu = startEmulatorProcess(t, cmdFixture, "--rate", "-1", "--hold-write-replies", "1m")
	state = t.TempDir()
	env = append(emu.env(), "XDG_STATE_HOME="+state)
	watcher := emu.client(t)
	r = cutWhen(t, env, "the link reaching the tenant", func() bool {
		u, err := watcher.User(context.Background(), cmdAliceDB)
		return err == nil && len(u.Linked()) == 1 // the tenant acted; linkdesk waits for the answer
	}, func(linkdesk *os.Process, out *lockedBuffer) { cut(linkdesk, emu, out) },
		"link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force", "--reason", "kill test")
	return emu, env, state, r
}

// cutWhen runs linkdesk with args, waits (a minute at most) until reached
// says the moment named what has come, cuts the process there (cut gets
// it and what it printed so far) and waits for it to end.
func cutWhen(t *testing.T, env []string, what string, reached func() bool, cut func(linkdesk *os.Process, out *lockedBuffer), args ...string) processRun {
	t.Helper()
	cmd := linkdeskProcess(context.Background(), env, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); !reached(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s never came:\n%s", what, out)
		}
	}
	cut(cmd.Process, out)
	cmd.Wait()
	return processRun{code: cmd.ProcessState.ExitCode(), out: out.String()}
}

func kill(linkdesk *os.Process, _ *lockedBuffer) { linkdesk.Kill() }

// TestASecondCtrlCStopsAtOnceAndSaysResumeSettlesIt: Ctrl-C while the
// link's answer is due, with the tenant not answering at all (stopped):
// the run tries to read it to settle the call, and says so after a
// moment; a second Ctrl-C ends it at once (exit 130), saying resume
// settles what it cut off, which resume then does, once.
func TestASecondCtrlCStopsAtOnceAndSaysResumeSettlesIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu, env, state, r := cutLinkAfterItReachedTheTenant(t, func(linkdesk *os.Process, emu *emulatorProcess, out *lockedBuffer) {
		emu.cmd.Process.Signal(syscall.SIGSTOP) // answers again once linkdesk has ended
		linkdesk.Signal(os.Interrupt)
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "Ctrl-C again stops at once"); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("no word after the first Ctrl-C:\n%s", out)
				break
			}
		}
		linkdesk.Signal(os.Interrupt)
	})
	emu.cmd.Process.Signal(syscall.SIGCONT)
	if r.code != exitInterrupted || !strings.Contains(r.out, "stopped at once: a write cut off now is settled by `linkdesk resume`") {
		t.Errorf("the second Ctrl-C: exit %d\n%s", r.code, r.out)
	}
	settled := runProcess(t, env, "resume")
	if settled.code != exitOK || !strings.Contains(settled.out, "settled op1.link: ") || !strings.Contains(settled.out, "took effect") {
		t.Fatalf("resume: exit %d\n%s%s", settled.code, settled.out, settled.errOut)
	}
	linkedOnceOnTheRecord(t, emu, state)
}

// TestALinkInterruptedAfterItsRequestWasSentSettlesItself: Ctrl-C (SIGINT)
// while `linkdesk link … --force` waits for the answer of a link the
// tenant has made. The run reads the tenant before it ends, says the link
// took effect, and leaves nothing for resume: the audit log holds one
// attempt and one "ok" result, and the tenant linked once.
func TestALinkInterruptedAfterItsRequestWasSentSettlesItself(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu, env, state, r := signalLinkAfterItReachedTheTenant(t, os.Interrupt)
	if r.code != exitOK || !strings.Contains(r.out, "reading the tenant shows the call took effect") {
		t.Errorf("the interrupted link: exit %d\n%s", r.code, r.out)
	}
	if again := runProcess(t, env, "resume"); !strings.Contains(again.out, "Nothing to settle") {
		t.Errorf("resume found something to settle:\n%s%s", again.out, again.errOut)
	}
	linkedOnceOnTheRecord(t, emu, state)
}

// linkedOnceOnTheRecord stops the tenant and checks that it linked once,
// and that the audit log holds one link attempt with one "ok" result; it
// returns the tenant as it ended.
func linkedOnceOnTheRecord(t *testing.T, emu *emulatorProcess, state string) *emulator.Tenant {
	t.Helper()
	attempts, results := linkAudit(t, state)
	for op, n := range attempts {
		if n != 1 || len(results[op]) != 1 || results[op][0] != audit.ResultOK {
			t.Errorf("op %s: %d attempts, results %v; want one attempt and one ok result", op, n, results[op])
		}
	}
	if len(attempts) != 1 {
		t.Errorf("%d link attempts, want 1", len(attempts))
	}
	stats, tenant := emu.stop(t)
	if n := stats.Effects[emulator.RouteLink]; n != 1 {
		t.Errorf("the tenant linked %d times, want once", n)
	}
	return tenant
}

// TestAVerificationEmailWhoseAnswerWasLostIsLeftToTheOperator: the tenant
// starts the job and the connection drops before its answer. Nothing on the
// tenant shows whether the email went out, so `linkdesk verify-email` says
// its outcome is unknown (not failed), the audit log says unknown, and
// `linkdesk resume` says the person may have it before it asks to send
// another; --discard leaves it, with one email sent in all.
func TestAVerificationEmailWhoseAnswerWasLostIsLeftToTheOperator(t *testing.T) {
	e := newWriteEnv(t)
	inner := e.srv.Handler()
	lost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v2/jobs/verification-email" {
			inner.ServeHTTP(httptest.NewRecorder(), r) // the tenant acts; the answer never comes
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(lost.Close)
	t.Setenv("AUTH0_DOMAIN", lost.URL)

	r := runCmd(t, nil, "verify-email", cmdMariaDB, "--force", "--reason", "ZD-9")
	if r.code != exitFailure || !strings.Contains(r.out, "OUTCOME UNKNOWN") || !strings.Contains(r.errOut, "cannot be read back") {
		t.Fatalf("verify-email with its answer lost: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// What settles it, said as what it is: no read of the tenant tells
	// (tester: "resume … reads the tenant", then "send it again", which the
	// unsettled write refused).
	planID := e.auditRecords()[0].PlanID
	if !strings.Contains(r.out, "`linkdesk resume --force "+planID+"` sends it again, `linkdesk resume --discard --force "+planID+"` leaves it") || strings.Contains(r.out, "it reads the tenant") {
		t.Errorf("verify-email with its answer lost says:\n%s", r.out)
	}
	if recs := e.auditRecords(); len(recs) != 2 || recs[1].Result != audit.ResultUnknown {
		t.Fatalf("audit log: %+v", recs)
	}
	settle := runCmd(t, nil, "resume")
	if !strings.Contains(settle.out, "may have gone out already: op1.verify") || !strings.Contains(settle.out, "sends a second one") || strings.Contains(settle.errOut, "undone for good") ||
		strings.Contains(settle.out, "not done yet") { // said once, as what it is (tester: listed as both)
		t.Fatalf("resume (exit %d) did not say the email may have gone out:\n%s%s", settle.code, settle.out, settle.errOut)
	}
	// Settled, it is still not "not made": the next write says it may have gone out.
	if w := runCmd(t, nil, "delete", cmdMike); !strings.Contains(w.errOut, "1 call that may have gone out") || strings.Contains(w.errOut, "not made") {
		t.Errorf("a write after the settled email warns:\n%s", w.errOut)
	}
	// Its account stays held until the operator says whether to send it
	// again (tester: a dry-run resume let a deletion, and a second ticket,
	// through).
	if w := runCmd(t, nil, "delete", cmdMariaDB, "--force"); w.code != exitRefused || !strings.Contains(w.errOut, "unsettled_write") ||
		!strings.Contains(w.errOut, "1 call that may have gone out (its answer was lost): run `linkdesk resume --force "+planID+"` to make it again or `linkdesk resume --discard --force "+planID+"` to leave it") || !e.exists(cmdMariaDB) {
		t.Errorf("a deletion of the account of the settled email: exit %d\n%s", w.code, w.errOut)
	}
	if d := runCmd(t, nil, "resume", "--discard", "--force"); d.code != exitOK || !strings.Contains(d.out, "op1.verify is not made again; it may have gone out already") || strings.Contains(d.out, "left undone for good") {
		t.Fatalf("resume --discard --force: exit %d\n%s%s", d.code, d.out, d.errOut)
	}
	if d := discardRecords(t, filepath.Join(e.state, "linkdesk", "audit.log")); len(d) != 1 ||
		d[0].Note != "left undone for good by linkdesk resume --discard: op1.verify not made again: it may have gone out already, its answer never came (the email may have reached the person)" {
		t.Errorf("the discard's audit records: %+v", d)
	}
	plan := filepath.Join(e.state, "linkdesk", "plans", planID+".json")
	if a := runCmd(t, nil, "apply", plan); strings.Contains(a.out, "never made") || !strings.Contains(a.out, "it may have gone out") {
		t.Errorf("apply of the discarded plan:\n%s%s", a.out, a.errOut)
	}
	if n := e.srv.Stats().Requests[emulator.RouteVerificationEmail]; n != 1 {
		t.Errorf("%d verification emails sent, want 1", n)
	}
	if again := runCmd(t, nil, "resume"); !strings.Contains(again.out, "Nothing to settle") {
		t.Errorf("after --discard, resume still finds:\n%s%s", again.out, again.errOut)
	}
}

// cutAfterCall points AUTH0_DOMAIN at e's tenant through a proxy that
// serves the first request match picks, then loses the network (every
// request but the token's dropped) until the flag it returns is cleared: a
// run cut off right after that call.
func cutAfterCall(t *testing.T, e *writeEnv, match func(*http.Request) bool) *atomic.Bool {
	t.Helper()
	inner := e.srv.Handler()
	lost := new(atomic.Bool)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lost.Load() && r.URL.Path != "/oauth/token" {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		inner.ServeHTTP(w, r)
		if match(r) {
			lost.Store(true)
		}
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("AUTH0_DOMAIN", proxy.URL)
	return lost
}

// linkCutAfterItsRole runs `linkdesk link` of Alice's two accounts with
// the network lost once its role call (after the metadata merge) is made,
// then gives the network back: a link cut off halfway, its merge and role
// on the primary.
func linkCutAfterItsRole(t *testing.T, e *writeEnv) {
	t.Helper()
	lost := cutAfterCall(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/roles")
	})
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with the network lost: %s", r.out)
	}
	lost.Store(false)
}

// A link cut off after its metadata merge and its role were made, before
// the membership and the link: resume --discard said only "op1.member,
// op1.link left undone for good", though the merge and the role stayed on
// the primary (tester). It now names the calls made, which stay, and the
// undo that takes them back; and that undo does give the tenant back as
// it was.
func TestResumeDiscardSaysWhatWasMadeAlreadyAndHowToTakeItBack(t *testing.T) {
	e := newAccessEnv(t)
	before := tenantPeople(e.srv)
	linkCutAfterItsRole(t, e)
	if u, _ := e.srv.GetUser(cmdAliceDB); !slices.Contains(u.Roles, "rol_support") || len(u.Identities) != 1 {
		t.Fatalf("the cut-off link did not stop after its role: roles %v, %d identities", u.Roles, len(u.Identities))
	}
	// Asked first (no terminal: a dry run), it says a discard leaves them.
	if r := runCmd(t, nil, "resume"); !strings.Contains(r.errOut, "A discard leaves the 2 calls made already on the tenant") {
		t.Errorf("resume's dry run does not say a discard leaves what was made:\n%s%s", r.out, r.errOut)
	}
	r := runCmd(t, nil, "resume", "--discard", "--force")
	undo := e.opIDOf("patch_metadata")
	for _, want := range []string{
		"discarded: op1.member, op1.link left undone for good.",
		"  op1  link " + cmdAliceGoogle + " into " + cmdAliceDB + "\n    made before it was cut off, and left on the tenant: op1.patch, op1.roles (op1.member, op1.link left undone):",
		"      op1.patch  PATCH /api/v2/users/auth0%7C63ea1f0b2c8d4e5f60718293 {",
		`      op1.roles  POST /api/v2/users/auth0%7C63ea1f0b2c8d4e5f60718293/roles {"roles":["rol_support"]}`,
		"to take them back: linkdesk undo ",
		"(the link itself was never made: it takes back only what these calls gave " + cmdAliceDB,
	} {
		if r.code != exitOK || !strings.Contains(r.out, want) {
			t.Fatalf("resume --discard --force does not say %q (exit %d):\n%s%s", want, r.code, r.out, r.errOut)
		}
	}
	// The op_id it names is one of the calls made, and its undo takes back
	// what they made: the tenant is as before the link.
	var named string
	if _, rest, ok := strings.Cut(r.out, "to take them back: linkdesk undo "); ok {
		named, _, _ = strings.Cut(rest, " ")
	}
	if steps := e.stepsOf(named); len(steps) == 0 || (steps[0] != "op1.patch" && steps[0] != "op1.roles") {
		t.Fatalf("the undo named, %q, is of %v, not of a call made (%s is)", named, steps, undo)
	}
	mustRun(t, "undo", named, "--force")
	if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
		t.Errorf("after the discard and the undo it names, the tenant is not as before:\n%s", diff)
	}
}

// stepsOf are the steps of the audit records with op_id opID.
func (e *writeEnv) stepsOf(opID string) []string {
	var out []string
	for _, r := range e.auditRecords() {
		if r.OpID == opID && opID != "" {
			out = append(out, r.Step)
		}
	}
	return out
}

// linkCutOffLogging links alice's accounts with --audit-log F on a sandbox
// whose network goes with the link call's answer, then comes back: the
// link is made, its outcome unknown. It returns the sandbox and F.
func linkCutOffLogging(t *testing.T) (*writeEnv, string) {
	t.Helper()
	e := newWriteEnv(t)
	lost := lossyTenant(t, e, nil)
	f := filepath.Join(t.TempDir(), "F.log")
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--audit-log", f, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with its answer lost: %s", r.out)
	}
	lost.Store(false)
	return e, f
}

// A link begun with --audit-log F whose link call's answer was lost (the
// network gone with it), then `resume --force --json` without --audit-log:
// the call is settled in F, beside its attempt, no default log is made,
// and stdout is the run's JSON alone, naming F (what settling found goes
// to stderr).
func TestResumeKeepsToThePlansAuditLogAndPrintsJSONAlone(t *testing.T) {
	e, f := linkCutOffLogging(t)
	r := runCmd(t, nil, "resume", "--force", "--json")
	var run struct {
		AuditLog string `json:"audit_log"`
		Complete bool   `json:"complete"`
	}
	if err := json.Unmarshal([]byte(r.out), &run); err != nil || r.code != exitOK {
		t.Fatalf("resume --json: exit %d, stdout is no JSON (%v):\n%s\nstderr:\n%s", r.code, err, r.out, r.errOut)
	}
	if run.AuditLog != f || !run.Complete {
		t.Errorf("resume --json names audit log %q (complete %v), want %q", run.AuditLog, run.Complete, f)
	}
	recs, _, err := audit.ReadLog(f)
	if err != nil {
		t.Fatal(err)
	}
	attempts, last := 0, ""
	for _, rec := range recs {
		switch {
		case rec.Step != "op1.link":
		case rec.Phase == audit.PhaseAttempt:
			attempts++
		case rec.Phase == audit.PhaseResult:
			last = rec.Result
		}
	}
	if attempts != 1 || last != audit.ResultOK {
		t.Errorf("F holds %d attempts of the link, its last result %q: want one attempt, settled ok", attempts, last)
	}
	if _, err := os.Stat(filepath.Join(e.state, "linkdesk", "audit.log")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("resume made the default audit log though it recorded nothing there (stat: %v)", err)
	}
}

// A write of accounts that a cut-off write left unsettled is refused
// (unsettled_write, exit 3) at its dry run and before its question, not
// after a yes: the operator learns to run `linkdesk resume` before being
// asked anything; once resume has settled it, the same dry run goes on.
func TestAWriteOfAnUnsettledAccountIsRefusedBeforeItAsks(t *testing.T) {
	e := newWriteEnv(t)
	lost := lossyTenant(t, e, nil)
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with its answer lost: %s", r.out)
	}
	lost.Store(false)
	const googleID = "108812345678901234567"
	dry := runCmd(t, nil, "unlink", cmdAliceDB, "google-oauth2", googleID)
	if dry.code != exitRefused || !strings.Contains(dry.errOut, "unsettled_write") || !strings.Contains(dry.errOut, "linkdesk resume") || strings.Contains(dry.errOut, "Dry run") {
		t.Errorf("the dry run of an unlink of the unsettled link: exit %d\n%s%s", dry.code, dry.out, dry.errOut)
	}
	yes := "y\n"
	asked := runCmd(t, &yes, "unlink", cmdAliceDB, "google-oauth2", googleID)
	if asked.code != exitRefused || strings.Contains(asked.errOut, "[y/N]") {
		t.Errorf("on a terminal the unlink asked before it was refused: exit %d\n%s", asked.code, asked.errOut)
	}
	writes := e.userWrites()
	if r := runCmd(t, nil, "resume", "--force"); r.code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if again := runCmd(t, nil, "unlink", cmdAliceDB, "google-oauth2", googleID); again.code != exitOK || !strings.Contains(again.errOut, "Dry run") {
		t.Errorf("after resume the dry run: exit %d\n%s%s", again.code, again.out, again.errOut)
	}
	if n := e.userWrites() - writes; n != 0 {
		t.Errorf("resume of a settled link and a dry run made %d writes", n)
	}
}

// resume names the steps left on one line of readable length: a cut-off
// apply of hundreds of steps is counted past the first few (the calls
// listed below it name them all).
func TestResumeCountsTheStepsLeftPastTheFirstFew(t *testing.T) {
	few := []string{"op1.patch", "op1.link"}
	if got := stepList(few); got != "op1.patch, op1.link" {
		t.Errorf("two steps: %q", got)
	}
	var many []string
	for i := range 251 {
		many = append(many, fmt.Sprintf("op%d.link", i+1))
	}
	got := stepList(many)
	if !strings.HasPrefix(got, "251 steps: op1.link, op2.link,") || !strings.HasSuffix(got, "op8.link and 243 more") || strings.Contains(got, "op9.link") {
		t.Errorf("251 steps: %q", got)
	}
}

// A link begun with --audit-log F, cut off, and settled by resume without
// it: undo by its op_id finds it in F (its journal names F), and audit
// without --audit-log says where the calls are rather than that no write
// was made.
func TestUndoAndAuditFindTheCallsOfARunGivenAnotherAuditLog(t *testing.T) {
	_, f := linkCutOffLogging(t)
	if r := runCmd(t, nil, "resume", "--force"); r.code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	recs, _, err := audit.ReadLog(f)
	if err != nil || len(recs) == 0 {
		t.Fatalf("F: %v, %d records", err, len(recs))
	}
	opID := recs[len(recs)-1].OpID
	if r := runCmd(t, nil, "undo", opID); r.code != exitOK || !strings.Contains(r.out, "DELETE /api/v2/users/") {
		t.Errorf("undo %s (dry run) without --audit-log: exit %d\n%s%s", opID, r.code, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "audit"); r.code != exitOK || strings.Contains(r.out, "no write has been made") || !strings.Contains(r.errOut, f) {
		t.Errorf("audit without --audit-log: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// An apply of many operations cut off early (Ctrl-C) leaves most of its
// plan to resume, whose dry run says how many operations and calls are
// left and names the first few, in a screenful, as apply's own dry run
// does; --verbose lists every call. (Testers: the dry run of a plan of 234
// operations cut off after 62 calls printed 3,111 lines.)
func TestResumeSummarizesAPlanOfManyOperationsLeft(t *testing.T) {
	_, p, planFile, logPath := planOnGeneratedTenant(t, soakSize{users: 400, links: 20, unlinks: 3, deletes: 3}, 5, emulator.Options{Rate: -1})

	// Ctrl-C once three calls have their results.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for resultsIn(logPath) < 3 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var out, errOut bytes.Buffer
	io := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	if code := runContext(ctx, []string{"apply", planFile, "--force"}, io); code == exitOK {
		t.Fatalf("apply went to the end despite Ctrl-C:\n%s", out.String())
	}
	made := resultsIn(logPath)
	if made > p.Calls()/2 {
		t.Fatalf("apply made %d of %d calls before Ctrl-C stopped it: too few left to summarize", made, p.Calls())
	}

	r := runCmd(t, nil, "resume")
	if r.code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if lines := strings.Count(r.out, "\n"); lines > 40 {
		t.Errorf("resume's dry run is %d lines:\n%s", lines, r.out)
	}
	if !strings.Contains(r.out, fmt.Sprintf(" left of %d, ", len(p.Operations))) || !strings.Contains(r.out, "made already)") ||
		!strings.Contains(r.out, "more\n") || !strings.Contains(r.out, "--verbose lists every operation") {
		t.Errorf("resume's dry run does not sum up what is left:\n%s", r.out)
	}
	last := p.Operations[len(p.Operations)-1]
	if strings.Contains(r.out, last.Steps[0].Call.Path) {
		t.Errorf("resume's dry run lists the calls of the last operation:\n%s", r.out)
	}

	v := runCmd(t, nil, "resume", "--verbose")
	if v.code != exitOK || !strings.Contains(v.out, last.Steps[0].Call.Path) || strings.Contains(v.out, "--verbose lists") {
		t.Errorf("resume --verbose: exit %d, does not list every call:\n%s%s", v.code, v.out, v.errOut)
	}
	if n := resultsIn(logPath); n != made {
		t.Errorf("the dry runs made %d calls", n-made)
	}
}

// What takes back the calls made of an operation a discard leaves halfway:
// a step of an undo is no operation to undo (an undo cannot be undone),
// the undo run again plans what is left of it; calls no record names are
// not for `linkdesk undo`, which finds operations by their records.
func TestTakeBackNamesWhatUndoesAPartlyMadeOperation(t *testing.T) {
	undoStep := session.PartlyMade{Op: linking.Operation{ID: "op1", Kind: linking.OpRestore,
		Undoes: &linking.UndoRef{PlanID: "plan-x", Op: "op2", Kind: linking.OpLink, OpID: "20261129T120000Z-0123456789abcdef"}}, OpID: "20261130T120000Z-fedcba9876543210"}
	if got := takeBack(undoStep); !strings.Contains(got, "an undo cannot be undone: `linkdesk undo 20261129T120000Z-0123456789abcdef` run again plans what is left of that undo") {
		t.Errorf("a partly made step of an undo: %s", got)
	}
	unnamed := session.PartlyMade{Op: linking.Operation{ID: "op1", Kind: linking.OpLink}}
	if got := takeBack(unnamed); !strings.Contains(got, "no audit record of this tenant names them, so `linkdesk undo` cannot find them") {
		t.Errorf("calls no record names: %s", got)
	}
}

// A link killed (SIGKILL) once its journal exists, before its first call
// (the tenant slow to answer its reads): nothing reached the tenant, and
// the operator saw nothing end, so resume lists it, not "nothing to
// settle" (tester: "every write … ended as seen"), holding no account
// against another write; `resume --force` makes the link, once.
func TestALinkKilledBeforeItsFirstCallIsListedByResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	emu := startEmulatorProcess(t, cmdFixture, "--rate", "-1", "--latency", "1s")
	t.Cleanup(func() { emu.stop(t) })
	state := t.TempDir()
	env := append(emu.env(), "XDG_STATE_HOME="+state)
	journals := filepath.Join(state, "linkdesk", "journals", "*")
	killed := cutWhen(t, env, "the link's journal", func() bool {
		m, _ := filepath.Glob(journals)
		return len(m) > 0
	}, kill, "link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force", "--reason", "kill test")
	if attempts, _ := linkAudit(t, state); len(attempts) != 0 {
		t.Fatalf("the link was attempted before the kill: %v\n%s", attempts, killed.out)
	}
	r := runProcess(t, env, "resume")
	if r.code != exitOK || !strings.Contains(r.out+r.errOut, "killed before its first call: nothing reached the tenant") ||
		!strings.Contains(r.out+r.errOut, "op1.link") || strings.Contains(r.out+r.errOut, "Nothing to settle") {
		t.Fatalf("resume after a link killed before its first call: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runProcess(t, env, "resume", "--force"); r.code != exitOK {
		t.Fatalf("resume --force: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	attempts, results := linkAudit(t, state)
	if len(attempts) != 1 || len(results) != 1 {
		t.Errorf("after resume --force: attempts %v, results %v; want one of each", attempts, results)
	}
	for _, rs := range results {
		if len(rs) != 1 || rs[0] != audit.ResultOK {
			t.Errorf("the link's results: %v", rs)
		}
	}
	if r := runProcess(t, env, "resume"); r.code != exitOK || !strings.Contains(r.out, "Nothing to settle") {
		t.Errorf("resume once it is done: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// resume --force --json finishing a plan: stdout is the run's JSON, and
// stderr, which says what was not done yet, ends with what the run made,
// as the text does (it ended on "  not done yet: op1.member, op1.link",
// though the JSON said complete and the plan was finished).
func TestResumeForceJSONEndsStderrWithWhatItFinished(t *testing.T) {
	e := newAccessEnv(t)
	settledCutLink(t, e)
	r := runCmd(t, nil, "resume", "--force", "--json")
	var run struct {
		Complete bool `json:"complete"`
	}
	oneJSONValue(t, r, &run)
	if r.code != exitOK || !run.Complete {
		t.Fatalf("resume --force --json: exit %d, complete %v\n%s", r.code, run.Complete, r.errOut)
	}
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(r.errOut, "  not done yet: op1.member, op1.link\n") || !strings.Contains(r.errOut, "\nDone: all 4 calls made (2 by an earlier run).\n") ||
		!strings.HasPrefix(last, "To undo it: linkdesk undo ") {
		t.Errorf("stderr of resume --force --json does not end with what it finished:\n%s", r.errOut)
	}
	if u, _ := e.srv.GetUser(cmdAliceDB); len(u.Identities) != 2 {
		t.Errorf("the link was not finished: %d identities", len(u.Identities))
	}
}
