package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// soakSize says how hard the soak test pushes. By default it is small and
// quick, part of `go test ./...`; LINKDESK_SOAK=full runs the size
// (CI's soak step): 500 operations on a free tenant's rate limit.
type soakSize struct {
	name                    string
	users                   int // generated tenant
	links, unlinks, deletes int // operations of each kind
	kills                   int // SIGKILLs before the apply may finish
	jitter                  time.Duration
	emulatorFlags           []string
	budget                  time.Duration // the test's wall time, all runs together
	cascades                int           // deletes of a primary with linked identities
}

func soakSizeFor(t *testing.T) soakSize {
	switch v := os.Getenv("LINKDESK_SOAK"); v {
	case "":
		return soakSize{name: "small", users: 1000, links: 24, unlinks: 12, deletes: 12, cascades: 3, kills: 4,
			jitter:        40 * time.Millisecond,
			emulatorFlags: []string{"--rate=-1", "--fail-rate=0.1", "--latency=4ms"},
			budget:        3 * time.Minute}
	case "full":
		return soakSize{name: "full", users: 5000, links: 150, unlinks: 150, deletes: 200, cascades: 20, kills: 8,
			jitter:        1500 * time.Millisecond,
			emulatorFlags: []string{"--rate=2", "--burst=2", "--fail-rate=0.1", "--latency=40ms"},
			budget:        30 * time.Minute}
	default:
		t.Fatalf("LINKDESK_SOAK=%q: empty (small) or full", v)
		return soakSize{}
	}
}

// TestSoakKilledApplyEndsInThePlannedState applies a plan of links with a
// metadata merge, unlinks and deletes, through `linkdesk apply` running as
// its own process against `linkdesk emulator` running as another (with a
// rate limit, faults and latency), kills apply with SIGKILL at random
// points and runs it again each time, as an operator would. At the end the
// tenant must be exactly what an uninterrupted run on a faultless tenant
// makes of it, every step must have taken effect once, the audit log must
// pair every attempt with its result, and every user deleted or linked away
// must be in a backup.
func TestSoakKilledApplyEndsInThePlannedState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and applies a plan several times")
	}
	size := soakSizeFor(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), size.budget)
	defer cancel()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("LINKDESK_SOAK_SEED"); v != "" {
		fmt.Sscan(v, &seed)
	}
	t.Logf("soak %s, seed %d (LINKDESK_SOAK_SEED=%d repeats it)", size.name, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dir := t.TempDir()
	fixture := filepath.Join(dir, "tenant.json")
	writeFixtureFile(t, fixture, gen.Generate(gen.GenOptions{Users: size.users, Seed: int64(seed % 1000)}))
	ops := soakOperations(t, fixture, size, rng)

	emu := startEmulatorProcess(t, fixture, append(size.emulatorFlags, fmt.Sprintf("--fault-seed=%d", seed))...)
	p := linking.NewPlan(emu.domain(), "soak", time.Now())
	p.Add(ops...)
	planFile := filepath.Join(dir, "plan.json")
	writePlanFile(t, planFile, p)
	want := uninterruptedResult(t, fixture, p)

	state := filepath.Join(dir, "state")
	env := append(emu.env(), "XDG_STATE_HOME="+state, "USER=soak-operator")
	var runs []applyRun
	for len(runs) < size.kills+8 {
		killAt := -1
		if kills := countKills(runs); kills < size.kills {
			// Spread the kills over what is left to do.
			left := p.Calls() - doneSoFar(runs)
			killAt = rng.IntN(max(1, 2*left/(size.kills-kills+1)))
		}
		r := runApplyProcess(ctx, t, env, planFile, killAt, time.Duration(rng.Int64N(int64(size.jitter)+1)))
		runs = append(runs, r)
		if ctx.Err() != nil {
			t.Fatalf("the soak ran out of its %s budget after %d runs\n%s", size.budget, len(runs), describeRuns(runs))
		}
		if r.killed {
			continue
		}
		if r.exit == exitOK {
			break
		}
		if r.exit != exitFailure {
			// A refusal on resume means it misjudged what an earlier run did.
			t.Fatalf("apply run %d: exit %d\n%s\n%s", len(runs), r.exit, r.stderr, describeRuns(runs))
		}
		// Exit 1: a step failed or its outcome stayed unknown after its
		// retries (the fault rate is high); the operator runs it again.
	}
	last := runs[len(runs)-1]
	if last.killed || last.exit != exitOK {
		t.Fatalf("apply never completed\n%s", describeRuns(runs))
	}
	if !strings.Contains(last.stdout, fmt.Sprintf("Done: all %d calls made", p.Calls())) {
		t.Errorf("the last run does not report the plan done:\n%s", tail(last.stdout, 5))
	}
	stats, got := emu.stop(t)

	// The tenant is exactly what an uninterrupted, faultless run makes of it.
	if diff := tenantDiff(want, got); diff != "" {
		t.Errorf("the tenant differs from the uninterrupted run's:\n%s", diff)
	}
	// Every step took effect once: the tenant counts writes that changed it.
	planned := plannedEffects(p)
	for route, n := range planned {
		if stats.Effects[route] != n {
			t.Errorf("%s changed the tenant %d times; the plan has %d such calls", route, stats.Effects[route], n)
		}
	}
	records := checkSoakAuditLog(t, filepath.Join(state, "linkdesk", "audit.log"), p)
	checkSoakBackups(t, filepath.Join(state, "linkdesk", "backups"), fixture, p)
	checkSoakJournal(t, planJournal(t, filepath.Join(state, "linkdesk"), p.ID), p)
	checkPrivateTree(t, filepath.Join(state, "linkdesk"))

	attempts, cutOff := 0, 0
	for _, r := range records {
		if r.Phase == audit.PhaseAttempt {
			attempts++
		}
		if strings.HasPrefix(r.Error, "resolved on resume") {
			cutOff++ // a kill landed between the journal's "started" and the call's result
		}
	}
	var faults int64
	for _, n := range stats.Faults {
		faults += n
	}
	t.Logf("soak %s: %d operations (%d links, %d unlinks, %d deletes), %d calls; %d runs, %d killed (SIGKILL), %d stopped by a failed step",
		size.name, len(p.Operations), size.links, size.unlinks, size.deletes, p.Calls(), len(runs), countKills(runs), countFailed(runs))
	t.Logf("soak %s: %d call attempts for %d calls (%d retried or cut off), %d calls cut off by a kill and resolved on resume by reading the tenant",
		size.name, attempts, p.Calls(), attempts-p.Calls(), cutOff)
	t.Logf("soak %s: %d API requests, %d answered 429 and absorbed, %d faults injected %v, each absorbed by a retry or a read of the outcome; %d tokens issued",
		size.name, stats.APICalls, stats.RateLimited, faults, stats.Faults, stats.TokensIssued)
	t.Logf("soak %s: wall time %s\n%s", size.name, time.Since(start).Round(time.Second), describeRuns(runs))
}

// soakOperations plans the soak's operations on the fixture, read through
// an unlimited, faultless copy of it: links (most with a metadata merge)
// from the duplicate groups, unlinks of identities linked already, deletes
// of single accounts and of primaries with identities linked into them. No
// two operations touch one account, and the kinds are shuffled.
func soakOperations(t *testing.T, fixture string, size soakSize, rng *rand.Rand) []linking.Operation {
	t.Helper()
	ctx := context.Background()
	srv, tn := serveFixture(t, fixture)
	report, err := scan.Tenant(ctx, tn, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	conns, err := scan.ReadConnections(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	all, err := linking.PlanReport(ctx, tn, report, conns, linking.PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Whole groups (a group's links depend on each other), those with a
	// metadata merge first.
	groups := opUnits(all.Operations)
	merges := func(u []linking.Operation) int {
		n := 0
		for _, op := range u {
			n += len(op.Steps) - 1
		}
		return n
	}
	slices.SortStableFunc(groups, func(a, b []linking.Operation) int { return merges(b) - merges(a) })
	var ops []linking.Operation
	for _, g := range groups {
		if len(ops)+len(g) <= size.links {
			ops = append(ops, g...)
		}
	}
	if len(ops) < size.links {
		t.Fatalf("the tenant gives %d links, the soak wants %d", len(ops), size.links)
	}
	taken := map[string]bool{}
	for _, op := range ops {
		for _, s := range op.Steps {
			for _, u := range s.Expect {
				taken[u.UserID] = true
			}
		}
	}
	user := func(id string) client.User {
		u, err := tn.User(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	users := srv.Snapshot().Users
	unlinks, cascades, deletes := 0, 0, 0
	for _, u := range users {
		if taken[u.UserID] || len(u.Identities) < 2 {
			continue
		}
		id := u.Identities[1]
		restored := id.Provider + "|" + id.UserID.Value
		switch {
		case unlinks < size.unlinks && !taken[restored]:
			op, err := linking.PlanUnlink(user(u.UserID), id.Provider, id.UserID.Value, "soak")
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, op)
			unlinks++
			taken[restored] = true
		case cascades < size.cascades:
			ops = append(ops, linking.PlanDelete(user(u.UserID), "soak: a primary, with its linked identities"))
			cascades++
		default:
			continue
		}
		taken[u.UserID] = true
	}
	deletes = cascades
	for _, u := range users {
		if deletes == size.deletes {
			break
		}
		if !taken[u.UserID] && len(u.Identities) == 1 {
			ops = append(ops, linking.PlanDelete(user(u.UserID), "soak"))
			taken[u.UserID] = true
			deletes++
		}
	}
	if unlinks < size.unlinks || deletes < size.deletes {
		t.Fatalf("the tenant gives %d unlinks and %d deletes, the soak wants %d and %d", unlinks, deletes, size.unlinks, size.deletes)
	}
	units := opUnits(ops)
	rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	return slices.Concat(units...)
}

// opUnits cuts operations into units that must stay together and in
// order: the links of one group, each expecting the primary as the one
// before leaves it.
func opUnits(ops []linking.Operation) [][]linking.Operation {
	var units [][]linking.Operation
	for i, op := range ops {
		if i > 0 && op.Kind == linking.OpLink && op.Group != "" && ops[i-1].Group == op.Group {
			units[len(units)-1] = append(units[len(units)-1], op)
			continue
		}
		units = append(units, []linking.Operation{op})
	}
	return units
}

// uninterruptedResult applies p to a fresh, unlimited and faultless copy
// of the fixture in one run, and returns the tenant it ends with.
func uninterruptedResult(t *testing.T, fixture string, p *linking.Plan) *emulator.Tenant {
	t.Helper()
	ctx := context.Background()
	srv, tn := serveFixture(t, fixture)
	dir := t.TempDir()
	log, err := audit.OpenLog(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	backups, err := audit.OpenBackups(filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	ex := &linking.Executor{Tenant: tn, Operator: "reference", Log: log, Backups: backups}
	res, err := ex.Apply(ctx, p)
	if err != nil || !res.Complete() {
		t.Fatalf("the uninterrupted run: %v", err)
	}
	return srv.Snapshot()
}

// serveFixture serves the fixture as an unlimited, faultless tenant and
// connects to it.
func serveFixture(t *testing.T, fixture string) (*emulator.Server, client.Tenant) {
	t.Helper()
	ten, err := emulator.LoadFixture(fixture)
	if err != nil {
		t.Fatal(err)
	}
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: ten, Rate: -1})
	tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, tn
}

// applyRun is one `linkdesk apply --force` process.
type applyRun struct {
	exit           int
	killed         bool
	done, resolved int // steps it performed; steps found done by an earlier run
	stdout, stderr string
	took           time.Duration
}

// stepLine is the line apply prints as a step ends.
var stepLine = regexp.MustCompile(`^op\d+\.[a-z]+ +(already done|done|FAILED|REFUSED|OUTCOME UNKNOWN|not run) `)

// runApply runs `linkdesk apply plan --force` once. With killAt ≥ 0 it
// kills the process (SIGKILL) jitter after it has printed killAt steps done
// in this run: between two calls, in the middle of one, or while writing
// its records.
func runApplyProcess(ctx context.Context, t *testing.T, env []string, plan string, killAt int, jitter time.Duration) applyRun {
	t.Helper()
	cmd := linkdeskProcess(ctx, env, "apply", plan, "--force")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		r       applyRun
		out     strings.Builder
		killing *time.Timer
	)
	kill := func() { cmd.Process.Kill() }
	if killAt == 0 {
		killing = time.AfterFunc(jitter, kill)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		m := stepLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch m[1] {
		case "done":
			r.done++
		case "already done":
			r.resolved++
		}
		if m[1] == "done" && r.done == killAt && killing == nil {
			killing = time.AfterFunc(jitter, kill)
		}
	}
	err = cmd.Wait()
	if killing != nil {
		killing.Stop()
	}
	// A kill counts when it found the process still running.
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	r.killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
	r.took = time.Since(started)
	r.exit = cmd.ProcessState.ExitCode()
	r.stdout, r.stderr = out.String(), stderr.String()
	if err != nil && !r.killed && r.exit < 0 {
		t.Fatalf("apply: %v\n%s", err, r.stderr)
	}
	return r
}

func countKills(runs []applyRun) int {
	n := 0
	for _, r := range runs {
		if r.killed {
			n++
		}
	}
	return n
}

func countFailed(runs []applyRun) int {
	n := 0
	for _, r := range runs {
		if !r.killed && r.exit != exitOK {
			n++
		}
	}
	return n
}

// doneSoFar is how many steps the runs performed, as they printed them (a
// killed run may have done one more it had no time to print).
func doneSoFar(runs []applyRun) int {
	n := 0
	for _, r := range runs {
		n += r.done
	}
	return n
}

func describeRuns(runs []applyRun) string {
	var b strings.Builder
	for i, r := range runs {
		how := fmt.Sprintf("exit %d", r.exit)
		if r.killed {
			how = "killed"
		}
		fmt.Fprintf(&b, "  run %d: %s after %s: %d steps done, %d found done", i+1, how, r.took.Round(100*time.Millisecond), r.done, r.resolved)
		if !r.killed && r.exit != exitOK {
			fmt.Fprintf(&b, ": %s", strings.TrimSpace(tail(r.stderr, 2)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func writeFixtureFile(t *testing.T, path string, ten *emulator.Tenant) {
	t.Helper()
	writeFileWith(t, path, func(w io.Writer) error { return emulator.WriteFixture(w, ten) })
}

func writePlanFile(t *testing.T, path string, p *linking.Plan) {
	t.Helper()
	writeFileWith(t, path, func(w io.Writer) error { return linking.WritePlan(w, p) })
}

func writeFileWith(t *testing.T, path string, write func(io.Writer) error) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readPlanFile(t *testing.T, path string) *linking.Plan {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := linking.ReadPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tenantDiff lists the users that differ between two tenants, timestamps
// aside (an unlinked identity comes back as a user created now).
func tenantDiff(want, got *emulator.Tenant) string {
	index := func(ten *emulator.Tenant) map[string]string {
		out := map[string]string{}
		for _, u := range ten.Users {
			c := u.Clone()
			c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
			out[u.UserID] = string(c.AppendJSON(nil))
		}
		return out
	}
	w, g := index(want), index(got)
	var diffs []string
	for id, wu := range w {
		switch gu, ok := g[id]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s is missing; want %s", id, wu))
		case gu != wu:
			diffs = append(diffs, fmt.Sprintf("%s is\n    %s\n  want\n    %s", id, gu, wu))
		}
	}
	for id, gu := range g {
		if _, ok := w[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s should not exist: %s", id, gu))
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("… and %d more", len(diffs)-10))
	}
	return strings.Join(diffs, "\n")
}

// plannedEffects counts the plan's calls by the tenant route each makes.
func plannedEffects(p *linking.Plan) map[string]int64 {
	route := map[string]string{
		linking.ActionPatchMetadata: emulator.RoutePatchUser, linking.ActionLink: emulator.RouteLink,
		linking.ActionUnlink: emulator.RouteUnlink, linking.ActionDelete: emulator.RouteDeleteUser,
		linking.ActionAssignRoles: emulator.RouteAssignRoles, linking.ActionRemoveRoles: emulator.RouteRemoveRoles,
		linking.ActionAddMember: emulator.RouteAddMembers, linking.ActionRemoveMember: emulator.RouteRemoveMembers,
		linking.ActionCreateUser: emulator.RouteCreateUser,
	}
	out := map[string]int64{}
	for _, r := range route {
		out[r] = 0
	}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			out[route[s.Action]]++
		}
	}
	return out
}

// checkSoakAuditLog checks that every call attempt has its result (and,
// when a kill cut the run off before the journal heard of that result, the
// resume's reading of the tenant after it), that a result without an
// attempt is only ever a resume's finding about a call that was never made,
// and that every step of the plan succeeded by exactly one call.
func checkSoakAuditLog(t *testing.T, path string, p *linking.Plan) []audit.Record {
	t.Helper()
	records, skipped, err := audit.ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 {
		t.Errorf("audit log: %d unreadable lines, first %s", len(skipped), skipped[0])
	}
	attempts, results := map[string]audit.Record{}, map[string][]audit.Record{}
	okCalls := map[string]map[string]bool{} // step → the op ids of its calls that succeeded
	for _, r := range records {
		switch r.Phase {
		case audit.PhaseAttempt:
			if _, dup := attempts[r.OpID]; dup {
				t.Errorf("audit log: two attempts with op id %s", r.OpID)
			}
			attempts[r.OpID] = r
		case audit.PhaseResult:
			results[r.OpID] = append(results[r.OpID], r)
			if r.Result == audit.ResultOK {
				if okCalls[r.Step] == nil {
					okCalls[r.Step] = map[string]bool{}
				}
				okCalls[r.Step][r.OpID] = true
			}
		}
		if r.PlanID != p.ID {
			t.Errorf("audit log: a record of plan %q: %+v", r.PlanID, r)
		}
	}
	resumed := func(r audit.Record) bool { return strings.HasPrefix(r.Error, "resolved on resume: ") }
	for id, a := range attempts {
		rs := results[id]
		if len(rs) == 0 {
			t.Errorf("audit log: the attempt at %s (%s) has no result", a.Step, id)
		}
		for _, r := range rs[min(1, len(rs)):] {
			if !resumed(r) {
				t.Errorf("audit log: the attempt at %s (%s) has a second result that is not a resume's reading: %+v", a.Step, id, r)
			}
		}
	}
	for id, rs := range results {
		if _, ok := attempts[id]; !ok && !strings.HasPrefix(rs[0].Error, "resolved on resume: the tenant shows the call did not take effect") {
			t.Errorf("audit log: a result without an attempt that claims more than a call never made: %+v", rs[0])
		}
	}
	for _, step := range p.StepIDs() {
		if n := len(okCalls[step]); n != 1 {
			t.Errorf("audit log: step %s succeeded by %d calls, want 1", step, n)
		}
	}
	return records
}

// checkSoakBackups checks that every user deleted or linked away is in a
// backup, whole: its metadata as the fixture had it (a link discards it).
func checkSoakBackups(t *testing.T, dir, fixture string, p *linking.Plan) {
	t.Helper()
	ten, err := emulator.LoadFixture(fixture)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]*emulator.User{}
	for _, u := range ten.Users {
		before[u.UserID] = u
	}
	backups, err := audit.OpenBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := backups.List()
	if err != nil {
		t.Fatal(err)
	}
	saved := map[string][]json.RawMessage{} // user id → its objects in backups
	for _, info := range infos {
		if info.Err != nil {
			t.Errorf("backup %s: %v", info.Path, info.Err)
			continue
		}
		b, err := audit.ReadBackup(info.Path)
		if err != nil {
			t.Fatal(err)
		}
		for id, raw := range b.Users {
			saved[id] = append(saved[id], raw)
		}
	}
	for _, op := range p.Operations {
		var lost string
		switch op.Kind {
		case linking.OpLink:
			lost = op.Secondary
		case linking.OpDelete:
			lost = op.Target
		default:
			continue
		}
		objs := saved[lost]
		if len(objs) == 0 {
			t.Errorf("%s (%s) is in no backup", lost, op.Kind)
			continue
		}
		var u emulator.User
		if err := json.Unmarshal(objs[0], &u); err != nil {
			t.Errorf("backup of %s: %v", lost, err)
			continue
		}
		want := before[lost]
		if !jsonSame(u.UserMetadata, want.UserMetadata) || !jsonSame(u.AppMetadata, want.AppMetadata) || len(u.Identities) != len(want.Identities) {
			t.Errorf("the backup of %s is not the user as it was: %s", lost, objs[0])
		}
	}
}

func jsonSame(a, b json.RawMessage) bool {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// planJournal is the one journal of plan id in the state directory.
func planJournal(t *testing.T, state, id string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(state, "journals", id+"-*.journal"))
	if err != nil || len(m) != 1 {
		t.Fatalf("the journals of plan %s: %v %v", id, m, err)
	}
	return m[0]
}

// checkSoakJournal checks that the journal holds every step as done.
func checkSoakJournal(t *testing.T, path string, p *linking.Plan) {
	t.Helper()
	snap, err := audit.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, st := range snap.Steps {
		if st.State == audit.StepDone {
			done++
		}
	}
	if done != p.Calls() {
		t.Errorf("journal: %d of %d steps done", done, p.Calls())
	}
}

// checkPrivateTree checks that every file under dir is 0600 and every
// directory 0700: they hold tenant data.
func checkPrivateTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
