package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// TestAWriteCutOffOnOneEmulatorRunIsNotSettledOnTheNext: `linkdesk delete`
// is killed (SIGKILL) while the tenant of one `linkdesk emulator` run holds
// the answer to its deletion. That emulator is stopped and another is
// started at the same address with other data: another tenant, on which
// the account was never there. `linkdesk resume --force` there must not
// settle the first run's deletion as done (the account is missing, as it
// would be had the deletion taken effect): the new tenant has its own name,
// nothing to settle, and the audit log no "ok" result for the call. (A
// tester: resume said "the tenant shows it took effect", the audit log
// recorded `delete ok`, and `undo` offered to re-create the account from
// the other tenant's backup.)
func TestAWriteCutOffOnOneEmulatorRunIsNotSettledOnTheNext(t *testing.T) {
	if testing.Short() {
		t.Skip("runs linkdesk and its tenant as processes")
	}
	first := startEmulatorProcess(t, cmdFixture, "--rate", "-1", "--hold-write-replies", "1m")
	state := t.TempDir()
	watcher := first.client(t)
	cutWhen(t, append(first.env(), "XDG_STATE_HOME="+state), "the deletion reaching the tenant", func() bool {
		_, err := watcher.User(context.Background(), cmdMike)
		return client.IsNotFound(err) // the first tenant deleted it; linkdesk waits for the answer
	}, kill, "delete", cmdMike, "--force", "--reason", "QA")
	if run := watcher.SandboxRun(); run == "" || !strings.HasPrefix(first.tenantName(), "sandbox "+run+" ") {
		t.Errorf("the tenant's answers named the run %q; the emulator said linkdesk names it %q", run, first.tenantName())
	}
	first.stop(t)

	// Another tenant at the same address: the fixture without the account.
	ten, err := emulator.LoadFixture(cmdFixture)
	if err != nil {
		t.Fatal(err)
	}
	ten.Users = slices.DeleteFunc(ten.Users, func(u *emulator.User) bool { return u.UserID == cmdMike })
	other := filepath.Join(t.TempDir(), "other.json")
	writeFixtureFile(t, other, ten)
	second := startEmulatorProcess(t, other, "--rate", "-1", "--addr", first.address())
	if second.address() != first.address() {
		t.Fatalf("the second run is served at %s, the first at %s: want the same address", second.address(), first.address())
	}
	if second.tenantName() == first.tenantName() {
		t.Errorf("both runs at %s are named %q: want a name each", first.address(), first.tenantName())
	}
	env := append(second.env(), "XDG_STATE_HOME="+state)

	r := runProcess(t, env, "resume", "--force", "--reason", "QA resumed")
	if r.code != exitOK || !strings.Contains(r.out, "Nothing to settle on "+second.tenantName()+":") || strings.Contains(r.out, "  settled ") {
		t.Errorf("resume on another tenant at the same address: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// Nothing hidden: the write cut off on the run before is said (tester).
	if want := "1 write on " + first.tenantName() + ", an earlier run of the sandbox at this address, did not finish as seen: that tenant ended with its run, so no resume settles, finishes or discards it"; !strings.Contains(r.out, want) {
		t.Errorf("resume does not say %q:\n%s", want, r.out)
	}
	recs, _, err := audit.ReadLog(filepath.Join(state, "linkdesk", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	attempts := 0
	for _, rec := range recs {
		if rec.Action != "delete" {
			continue
		}
		if rec.Phase == audit.PhaseAttempt {
			attempts++
			if rec.Tenant != first.tenantName() {
				t.Errorf("the deletion's attempt is recorded on %q, want the first run's name %q", rec.Tenant, first.tenantName())
			}
		}
		if rec.Phase == audit.PhaseResult && rec.Result == audit.ResultOK {
			t.Errorf("the audit log has the deletion cut off on the first run as done on %q: step %s, note %q", rec.Tenant, rec.Step, rec.Note)
		}
	}
	if attempts != 1 {
		t.Errorf("%d deletion attempts in the audit log, want the one cut off", attempts)
	}
	stats, _ := second.stop(t)
	if stats.Writes != 0 {
		t.Errorf("the second tenant was written to %d times, want never", stats.Writes)
	}
}

// One emulator run reached as localhost is the tenant reached as
// 127.0.0.1: a link cut off on one is unsettled on the other, so a write
// of the same account there is refused until resume, and resume there
// settles it (testers: resume on localhost said "Nothing to settle", and a
// deletion of the account went through the unsettled-write gate).
func TestTheSandboxReachedAsLocalhostIsTheTenantReachedAs127(t *testing.T) {
	e := newWriteEnv(t)
	lost := lossyTenant(t, e, nil)
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force"); r.code == exitOK {
		t.Fatalf("the link went through with its answer lost: %s", r.out)
	}
	lost.Store(false)
	domain := os.Getenv("AUTH0_DOMAIN")
	if !strings.Contains(domain, "127.0.0.1:") {
		t.Fatalf("the sandbox is at %s", domain)
	}
	t.Setenv("AUTH0_DOMAIN", strings.Replace(domain, "127.0.0.1", "localhost", 1))
	if r := runCmd(t, nil, "delete", cmdAliceDB, "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "unsettled_write") {
		t.Errorf("a deletion of the account on localhost: exit %d, want the unsettled-write refusal\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "resume", "--force"); r.code != exitOK || !strings.Contains(r.out, "settled op1.link") {
		t.Errorf("resume on localhost: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if !e.exists(cmdAliceDB) {
		t.Error("the account was deleted")
	}
}
