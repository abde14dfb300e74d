package cli

import (
	"bufio"
	"bytes"
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
	"github.com/linkdesk/linkdesk/session"
)

// soakSize says how hard the soak test pushes. By default it is small and
// quick, part of `go test ./...`; LINKDESK_SOAK=full is CI's soak step, on
// a free tenant's rate limit.
type soakSize struct {
	name                    string
	users                   int // generated tenant
	links, unlinks, deletes int // operations of each kind
	kills                   int // SIGKILLs before the apply may finish
	jitter                  time.Duration
	emulatorFlags           []string
	budget                  time.Duration // the test's wall time, all runs together
	cascades                int           // deletes of a primary with linked identities
	// The undo plan undoes this many of the first plan's links (of a group
	// of two accounts), unlinks and deletes (of a database or passwordless
	// account with no identity linked into it), killed undoKills times.
	undoLinks, undoUnlinks, undoDeletes int
	undoKills                           int
}

func soakSizeFor(t *testing.T) soakSize {
	switch v := os.Getenv("LINKDESK_SOAK"); v {
	case "":
		return soakSize{name: "small", users: 1000, links: 24, unlinks: 12, deletes: 12, cascades: 3, kills: 4,
			undoLinks: 4, undoUnlinks: 3, undoDeletes: 3, undoKills: 3,
			jitter:        40 * time.Millisecond,
			emulatorFlags: []string{"--rate=-1", "--fail-rate=0.1", "--latency=4ms"},
			budget:        3 * time.Minute}
	case "full":
		// Every step reads each user it touches, and their roles and
		// memberships, and every resume confirms on the tenant each step
		// done before: about 8 requests a call at 2 a second. These sizes
		// keep the whole soak near 16 minutes (about 2,000 requests).
		return soakSize{name: "full", users: 5000, links: 30, unlinks: 30, deletes: 36, cascades: 6, kills: 8,
			undoLinks: 8, undoUnlinks: 8, undoDeletes: 10, undoKills: 4,
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
// points and runs it again each time, as an operator would. Then it undoes
// a random part of what the plan did, with a plan built by session.UndoPlan
// from the records of the first (as `linkdesk undo` builds it), applied and
// killed the same way. At the end the tenant must be exactly what
// uninterrupted runs of both plans on a faultless tenant make of it, every
// account an undo touched must be as it was before the first plan (roles
// and memberships included), every step of both plans must have taken
// effect once, the audit log must pair every attempt with its result, and
// every user deleted or linked away must be in a backup.
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
	p := linking.NewPlan(emu.tenantName(), "soak", time.Now())
	p.Add(ops...)
	planFile := filepath.Join(dir, "plan.json")
	writePlanFile(t, planFile, p)
	ref := startReference(t, fixture)
	want := ref.apply(t, p)

	state := filepath.Join(dir, "state")
	stateDir := filepath.Join(state, "linkdesk")
	env := append(emu.env(), "XDG_STATE_HOME="+state, "USER=soak-operator")
	runs := applyUntilDone(ctx, t, env, planFile, p, size.kills, size, rng)
	firstDone := time.Now()

	// Undo a part of it, as an operator would: by the op_id of any record
	// of each operation, read from the tenant as it is now.
	undone := soakUndoTargets(t, fixture, p, size, rng)
	undo := soakUndoPlan(ctx, t, emu, stateDir, p, undone, rng)
	undoPlanned := time.Now()
	undoFile := filepath.Join(dir, "undo.json")
	writePlanFile(t, undoFile, undo)
	wantAfterUndo := ref.apply(t, undo)
	undoRuns := applyUntilDone(ctx, t, env, undoFile, undo, size.undoKills, size, rng)
	stats, got := emu.stop(t)

	// The tenant is exactly what uninterrupted, faultless runs make of it.
	if diff := tenantDiff(wantAfterUndo, got); diff != "" {
		t.Errorf("the tenant differs from the uninterrupted runs':\n%s", diff)
	}
	// What was undone is as it was before the first plan.
	checkUndone(t, fixture, got, undone)
	// Every step took effect once: the tenant counts writes that changed it.
	planned := plannedEffects(p, undo)
	for route, n := range planned {
		if stats.Effects[route] != n {
			t.Errorf("%s changed the tenant %d times; the plans have %d such calls", route, stats.Effects[route], n)
		}
	}
	records := checkSoakAuditLog(t, filepath.Join(stateDir, "audit.log"), p, undo)
	checkSoakBackups(t, filepath.Join(stateDir, "backups"), loadTenant(t, fixture), p)
	checkSoakBackups(t, filepath.Join(stateDir, "backups"), want, undo)
	checkSoakJournal(t, planJournal(t, stateDir, p.ID), p)
	checkSoakJournal(t, planJournal(t, stateDir, undo.ID), undo)
	checkUndoRecords(t, records, p, undo)
	checkPrivateTree(t, stateDir)

	attempts, cutOff, tries := 0, 0, 0
	for _, r := range records {
		if r.Phase == audit.PhaseAttempt {
			attempts++
		}
		tries += len(r.Retries) // a call sent again is one call: its result lists the tries before the last
		if strings.HasPrefix(r.Noted()+r.Failed(), "resolved on resume") {
			cutOff++ // a kill landed between the journal's "started" and the call's result
		}
	}
	var faults int64
	for _, n := range stats.Faults {
		faults += n
	}
	calls := p.Calls() + undo.Calls()
	t.Logf("soak %s: %d operations (%d links, %d unlinks, %d deletes), %d calls; %d runs, %d killed (SIGKILL), %d stopped by a failed step; %s",
		size.name, len(p.Operations), size.links, size.unlinks, size.deletes, p.Calls(), len(runs), countKills(runs), countFailed(runs), firstDone.Sub(start).Round(time.Second))
	t.Logf("soak %s: undo of %d of them (%d links, %d unlinks, %d deletes): %d operations %v, %d calls, planned in %s; %d runs, %d killed (SIGKILL), %d stopped by a failed step; %s",
		size.name, len(undone), size.undoLinks, size.undoUnlinks, size.undoDeletes, len(undo.Operations), stepCounts(undo), undo.Calls(),
		undoPlanned.Sub(firstDone).Round(time.Second), len(undoRuns), countKills(undoRuns), countFailed(undoRuns), time.Since(undoPlanned).Round(time.Second))
	t.Logf("soak %s: %d call attempts for %d calls (%d cut off and made again), %d tries sent again within their call, %d calls cut off by a kill and resolved on resume by reading the tenant",
		size.name, attempts, calls, attempts-calls, tries, cutOff)
	t.Logf("soak %s: %d API requests, %d answered 429 and absorbed, %d faults injected %v, each absorbed by a retry or a read of the outcome; %d tokens issued",
		size.name, stats.APICalls, stats.RateLimited, faults, stats.Faults, stats.TokensIssued)
	t.Logf("soak %s: wall time %s\n%s  undo:\n%s", size.name, time.Since(start).Round(time.Second), describeRuns(runs), describeRuns(undoRuns))
}

// applyUntilDone runs `linkdesk apply planFile --force` until it completes,
// killing it kills times first, at points spread over what is left to do.
func applyUntilDone(ctx context.Context, t *testing.T, env []string, planFile string, p *linking.Plan, kills int, size soakSize, rng *rand.Rand) []applyRun {
	t.Helper()
	var runs []applyRun
	for len(runs) < kills+8 {
		killAt := -1
		if k := countKills(runs); k < kills {
			// Spread the kills over what is left to do.
			left := p.Calls() - doneSoFar(runs)
			killAt = rng.IntN(max(1, 2*left/(kills-k+1)))
		}
		r := runApplyProcess(ctx, t, env, planFile, killAt, time.Duration(rng.Int64N(int64(size.jitter)+1)))
		runs = append(runs, r)
		if ctx.Err() != nil {
			t.Fatalf("the soak ran out of its %s budget after %d runs of %s\n%s", size.budget, len(runs), filepath.Base(planFile), describeRuns(runs))
		}
		if r.killed {
			continue
		}
		if r.exit == exitOK {
			break
		}
		if r.exit != exitFailure {
			// A refusal on resume means it misjudged what an earlier run did.
			t.Fatalf("apply %s, run %d: exit %d\n%s\n%s", filepath.Base(planFile), len(runs), r.exit, r.stderr, describeRuns(runs))
		}
		// Exit 1: a step failed or its outcome stayed unknown after its
		// retries (the fault rate is high); the operator runs it again.
	}
	last := runs[len(runs)-1]
	if last.killed || last.exit != exitOK {
		t.Fatalf("apply %s never completed\n%s", filepath.Base(planFile), describeRuns(runs))
	}
	// A run killed after its last call leaves the next run nothing to make:
	// it says so, not "Done … made".
	if !strings.Contains(last.stdout, fmt.Sprintf("Done: all %d calls made", p.Calls())) &&
		!strings.Contains(last.stdout, fmt.Sprintf("Nothing left to do: all %d calls were made by an earlier run", p.Calls())) {
		t.Errorf("the last run of %s does not report the plan done:\n%s", filepath.Base(planFile), tail(last.stdout, 5))
	}
	return runs
}

// stepCounts counts a plan's steps by action.
func stepCounts(p *linking.Plan) map[string]int {
	out := map[string]int{}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			out[s.Action]++
		}
	}
	return out
}

// soakOperations plans the soak's operations on the fixture, read through
// an unlimited, faultless copy of it: links (most with a metadata merge)
// from the duplicate groups, among them the lone links of undoLinks groups
// of two accounts, unlinks of identities linked already, deletes
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
	// First the groups of two accounts the undo plan may undo (a group's
	// links share its primary: only a lone link is undone on its own).
	var ops []linking.Operation
	chosen := make([]bool, len(groups))
	for i, g := range groups {
		if len(g) == 1 && len(ops) < min(size.undoLinks, size.links) {
			ops, chosen[i] = append(ops, g...), true
		}
	}
	for i, g := range groups {
		if !chosen[i] && len(ops)+len(g) <= size.links {
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
	// Deletes of lone accounts: first as many as the undo plan undoes on
	// connections where an undo can make the account again, then any.
	deletes = cascades
	remade := remadeWhole(conns)
	for _, first := range []bool{true, false} {
		for _, u := range users {
			if deletes == size.deletes || first && deletes-cascades == size.undoDeletes {
				break
			}
			if !taken[u.UserID] && len(u.Identities) == 1 && (!first || remade(u.Identities[0].Connection)) {
				ops = append(ops, linking.PlanDelete(user(u.UserID), "soak"))
				taken[u.UserID] = true
				deletes++
			}
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

// reference is a fresh, unlimited and faultless copy of the fixture on
// which plans are applied in one uninterrupted run each, in order.
type reference struct {
	srv     *emulator.Server
	tenant  client.Tenant
	log     *audit.Log
	backups *audit.Backups
}

func startReference(t *testing.T, fixture string) *reference {
	t.Helper()
	r := &reference{}
	r.srv, r.tenant = serveFixture(t, fixture)
	dir := t.TempDir()
	var err error
	if r.log, err = audit.OpenLog(filepath.Join(dir, "audit.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.log.Close() })
	if r.backups, err = audit.OpenBackups(filepath.Join(dir, "backups")); err != nil {
		t.Fatal(err)
	}
	return r
}

// apply runs p on the reference tenant and returns the tenant it ends with.
// The reference is another tenant: an account an unlink made on it was
// made at another time than on the tenant the plan read, so the plan's
// created_at checks are left out of the copy it runs.
func (r *reference) apply(t *testing.T, p *linking.Plan) *emulator.Tenant {
	t.Helper()
	var b bytes.Buffer
	if err := linking.WritePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	var own linking.Plan
	if err := dec.Decode(&own); err != nil {
		t.Fatal(err)
	}
	for i := range own.Operations {
		for j := range own.Operations[i].Steps {
			for k := range own.Operations[i].Steps[j].Expect {
				own.Operations[i].Steps[j].Expect[k].CreatedAt = time.Time{}
			}
		}
	}
	own.Seal()
	ex := &linking.Executor{Tenant: r.tenant, Operator: "reference", Log: r.log, Backups: r.backups}
	res, err := ex.Apply(context.Background(), &own)
	if err != nil || !res.Complete() {
		t.Fatalf("the uninterrupted run of plan %s: %v", p.ID, err)
	}
	return r.srv.Snapshot()
}

// remadeWhole says whether an undo can make a deleted account of the named
// connection again, whole: a database or passwordless connection, not a
// custom database without import mode (the account lives in the
// connection's own database, and making it again is its create script's to
// do: the sandbox runs none, and refuses an email another member holds).
func remadeWhole(conns *linking.Connections) func(name string) bool {
	return func(name string) bool {
		c, ok := conns.ByName(name)
		return ok && !c.Inferred && (c.IsDatabase && !c.LegacyCustomDB || c.Strategy == "email" || c.Strategy == "sms")
	}
}

// soakUndoTargets picks at random the operations of p the undo plan
// undoes: links of a group of two accounts (a group's links share its
// primary), unlinks, and deletes of a database or passwordless account
// with no identity linked into it (one Auth0 lets linkdesk make again, and
// whole), so that every account they touched can be compared with the
// fixture (see remadeWhole).
func soakUndoTargets(t *testing.T, fixture string, p *linking.Plan, size soakSize, rng *rand.Rand) []linking.Operation {
	t.Helper()
	ten := loadTenant(t, fixture)
	_, tn := serveFixture(t, fixture)
	conns, err := scan.ReadConnections(context.Background(), tn)
	if err != nil {
		t.Fatal(err)
	}
	remade := remadeWhole(conns)
	connection := map[string]string{} // user → its connection
	for _, u := range ten.Users {
		connection[u.UserID] = u.Identities[0].Connection
	}
	links := map[string]int{} // group → links planned
	for _, op := range p.Operations {
		if op.Kind == linking.OpLink {
			links[op.Group]++
		}
	}
	var candidates [3][]linking.Operation // links, unlinks, deletes
	for _, op := range p.Operations {
		switch {
		case op.Kind == linking.OpLink && links[op.Group] == 1:
			candidates[0] = append(candidates[0], op)
		case op.Kind == linking.OpUnlink:
			candidates[1] = append(candidates[1], op)
		case op.Kind == linking.OpDelete && len(op.Cascade) == 0 && remade(connection[op.Target]):
			candidates[2] = append(candidates[2], op)
		}
	}
	var out []linking.Operation
	for i, n := range []int{size.undoLinks, size.undoUnlinks, size.undoDeletes} {
		c := candidates[i]
		if len(c) < n {
			t.Fatalf("the first plan has %d %s operations an undo restores whole; the soak wants %d", len(c), []string{"link", "unlink", "delete"}[i], n)
		}
		rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		out = append(out, c[:n]...)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// soakUndoPlan builds one plan undoing the operations undone, each through
// session.UndoPlan (what `linkdesk undo OP_ID` builds) on the tenant as the
// first plan left it, named by the op_id of a record of it picked at
// random, with the state directory the applies wrote.
func soakUndoPlan(ctx context.Context, t *testing.T, emu *emulatorProcess, stateDir string, p *linking.Plan, undone []linking.Operation, rng *rand.Rand) *linking.Plan {
	t.Helper()
	s, err := session.Open(ctx, session.Config{Domain: emu.exports["AUTH0_DOMAIN"], ClientID: emu.exports["AUTH0_CLIENT_ID"],
		ClientSecret: emu.exports["AUTH0_CLIENT_SECRET"], StateDir: stateDir, Operator: "soak-operator"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Name != emu.tenantName() {
		t.Fatalf("the session names the tenant %q; the emulator said linkdesk names it %q", s.Name, emu.tenantName())
	}
	records, _, err := audit.ReadLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	opIDs := map[string][]string{} // operation → the op_ids of its records
	for _, r := range records {
		if op, _, ok := strings.Cut(r.Step, "."); ok && r.PlanID == p.ID && r.Phase != audit.PhaseNote {
			opIDs[op] = append(opIDs[op], r.OpID)
		}
	}
	var ops []linking.Operation
	for _, op := range undone {
		ids := opIDs[op.ID]
		if len(ids) == 0 {
			t.Fatalf("%s has no audit record", op.ID)
		}
		up, conflicts, err := s.UndoPlan(ctx, ids[rng.IntN(len(ids))], "soak: undo")
		if err != nil {
			t.Fatalf("the undo of %s (a %s): %v", op.ID, op.Kind, err)
		}
		// Nothing changed since the first plan, and nothing waits for a login.
		if len(conflicts) > 0 || len(up.Notes) > 0 || len(up.Operations) == 0 {
			t.Fatalf("the undo of %s (a %s): %d operations, conflicts %v, notes %q", op.ID, op.Kind, len(up.Operations), conflicts, up.Notes)
		}
		ops = append(ops, up.Operations...)
	}
	return s.NewPlan(ops...)
}

// checkUndone checks that every account an undone operation touched is as
// it was before the first plan, user by user: profile, identities (in any
// order after the first: a link appends), metadata, roles and memberships.
func checkUndone(t *testing.T, fixture string, got *emulator.Tenant, undone []linking.Operation) {
	t.Helper()
	before, after := usersByID(loadTenant(t, fixture)), usersByID(got)
	for _, op := range undone {
		ids := []string{op.Target}
		switch op.Kind {
		case linking.OpLink:
			ids = []string{op.Primary, op.Secondary}
		case linking.OpUnlink:
			ids = []string{op.Primary}
			if _, ok := after[op.Secondary]; ok {
				t.Errorf("%s, unlinked by %s and linked back by its undo, is an account of its own", op.Secondary, op.ID)
			}
		}
		for _, id := range ids {
			switch u := after[id]; {
			case u == nil:
				t.Errorf("%s (the undo of %s, a %s) does not exist", id, op.ID, op.Kind)
			case soakPerson(u) != soakPerson(before[id]):
				t.Errorf("%s (the undo of %s, a %s) is\n    %s\n  was\n    %s", id, op.ID, op.Kind, soakPerson(u), soakPerson(before[id]))
			}
		}
	}
}

// soakPerson is person with the linked identities in a fixed order, and
// blocked as the login sees it (an account that comes back by an unlink
// says nothing of blocked where the fixture said false).
func soakPerson(u *emulator.User) string {
	c := u.Clone()
	if !c.Blocked.Bool() {
		c.Blocked = emulator.FlagUnset
	}
	slices.SortFunc(c.Identities[min(1, len(c.Identities)):], func(a, b emulator.Identity) int {
		return strings.Compare(a.Provider+"|"+a.UserID.Value, b.Provider+"|"+b.UserID.Value)
	})
	return person(c)
}

func usersByID(ten *emulator.Tenant) map[string]*emulator.User {
	out := map[string]*emulator.User{}
	for _, u := range ten.Users {
		out[u.UserID] = u
	}
	return out
}

func loadTenant(t *testing.T, fixture string) *emulator.Tenant {
	t.Helper()
	ten, err := emulator.LoadFixture(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// checkUndoRecords checks that every record of the undo plan names the
// operation of the first plan it undoes and the operator's reason, and
// that the undo plan undoes what was asked.
func checkUndoRecords(t *testing.T, records []audit.Record, p, undo *linking.Plan) {
	t.Helper()
	named := map[string]bool{}
	for _, op := range undo.Operations {
		if op.Undoes == nil || op.Undoes.PlanID != p.ID {
			t.Errorf("undo plan: %s undoes %v, not an operation of %s", op.ID, op.Undoes, p.ID)
			continue
		}
		named[op.Undoes.Op] = true
	}
	for _, r := range records {
		if r.PlanID != undo.ID || r.Phase == audit.PhaseNote {
			continue
		}
		name, _, _ := strings.Cut(r.Step, ".")
		op, ok := undo.Op(name)
		if !ok || op.Undoes == nil || r.Undoes != op.Undoes.String() || r.Reason != "soak: undo" {
			t.Errorf("audit log: the %s record of %s (%s) names %q undone, reason %q", r.Phase, r.Step, r.OpID, r.Undoes, r.Reason)
		}
	}
	if len(named) == 0 {
		t.Error("the undo plan undoes nothing")
	}
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

// stepLine is the line apply prints as a step ends (a step id ends in a
// number from an operation's second call of one kind: op3.member2).
var stepLine = regexp.MustCompile(`^op\d+\.[a-z]+\d* +(already done|done|FAILED|REFUSED|OUTCOME UNKNOWN|not run) `)

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

// planOnGeneratedTenant serves a generated tenant of size.users users
// (seed) with opts, and writes a plan of size's operations on it to a
// state directory the test's commands then use, with the tenant's
// credentials: the server, the plan, its file and the audit log's path.
func planOnGeneratedTenant(t *testing.T, size soakSize, seed uint64, opts emulator.Options) (srv *emulator.Server, p *linking.Plan, planFile, logPath string) {
	t.Helper()
	fixture := filepath.Join(t.TempDir(), "tenant.json")
	writeFixtureFile(t, fixture, gen.Generate(gen.GenOptions{Users: size.users, Seed: int64(seed)}))
	ops := soakOperations(t, fixture, size, rand.New(rand.NewPCG(seed, seed)))
	ten, err := emulator.LoadFixture(fixture)
	if err != nil {
		t.Fatal(err)
	}
	opts.Tenant = ten
	srv, base := emulatortest.Start(t, opts)
	p = linking.NewPlan(emulator.TenantName(srv.Run(), base), "tester", time.Now())
	p.Add(ops...)
	state := t.TempDir()
	planFile = filepath.Join(state, "plan.json")
	writePlanFile(t, planFile, p)
	useTenant(t, srv, base, state)
	return srv, p, planFile, filepath.Join(state, "linkdesk", "audit.log")
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

// tenantDiff lists the users that differ between two tenants, their roles
// and memberships included, timestamps aside (an unlinked identity comes
// back as a user created now).
func tenantDiff(want, got *emulator.Tenant) string {
	index := func(ten *emulator.Tenant) map[string]string {
		out := map[string]string{}
		for _, u := range ten.Users {
			c := u.Clone()
			c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
			out[u.UserID] = fmt.Sprintf("%s roles=%v organizations=%v", c.AppendJSON(nil),
				slices.Sorted(slices.Values(u.Roles)), slices.Sorted(slices.Values(u.Organizations)))
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

// plannedEffects counts the plans' calls by the tenant route each makes.
// A ticket or a verification email changes no data: the audit log alone
// shows it made once.
func plannedEffects(plans ...*linking.Plan) map[string]int64 {
	route := map[string]string{
		linking.ActionPatchMetadata: emulator.RoutePatchUser, linking.ActionLink: emulator.RouteLink,
		linking.ActionUnlink: emulator.RouteUnlink, linking.ActionDelete: emulator.RouteDeleteUser,
		linking.ActionAssignRoles: emulator.RouteAssignRoles, linking.ActionRemoveRoles: emulator.RouteRemoveRoles,
		linking.ActionAddMember: emulator.RouteAddMembers, linking.ActionRemoveMember: emulator.RouteRemoveMembers,
		linking.ActionCreateUser: emulator.RouteCreateUser, linking.ActionSetBlocked: emulator.RoutePatchUser,
	}
	out := map[string]int64{}
	for _, r := range route {
		out[r] = 0
	}
	for _, p := range plans {
		for _, op := range p.Operations {
			for _, s := range op.Steps {
				if r, ok := route[s.Action]; ok {
					out[r]++
				}
			}
		}
	}
	return out
}

// checkSoakAuditLog checks that every call attempt has its result (and,
// when a kill cut the run off before the journal heard of that result, the
// resume's reading of the tenant after it), that a result without an
// attempt is only ever a resume's finding about a call that was never made,
// and that every step of the plans succeeded by exactly one call.
func checkSoakAuditLog(t *testing.T, path string, plans ...*linking.Plan) []audit.Record {
	t.Helper()
	records, skipped, err := audit.ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 {
		t.Errorf("audit log: %d unreadable lines, first %s", len(skipped), skipped[0])
	}
	ours := map[string]bool{}
	for _, p := range plans {
		ours[p.ID] = true
	}
	attempts, results := map[string]audit.Record{}, map[string][]audit.Record{}
	okCalls := map[string]map[string]bool{} // plan and step → the op ids of its calls that succeeded
	for _, r := range records {
		step := r.PlanID + " " + r.Step
		switch r.Phase {
		case audit.PhaseAttempt:
			if _, dup := attempts[r.OpID]; dup {
				t.Errorf("audit log: two attempts with op id %s", r.OpID)
			}
			attempts[r.OpID] = r
		case audit.PhaseResult:
			results[r.OpID] = append(results[r.OpID], r)
			if r.Result == audit.ResultOK {
				if okCalls[step] == nil {
					okCalls[step] = map[string]bool{}
				}
				okCalls[step][r.OpID] = true
			}
		}
		if !ours[r.PlanID] {
			t.Errorf("audit log: a record of plan %q: %+v", r.PlanID, r)
		}
	}
	resumed := func(r audit.Record) bool { return strings.HasPrefix(r.Noted()+r.Failed(), "resolved on resume: ") }
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
		if _, ok := attempts[id]; !ok && !strings.HasPrefix(rs[0].Failed(), "resolved on resume: the tenant shows the call did not take effect") &&
			!strings.HasPrefix(rs[0].Failed(), "resolved on resume: the call was never made") {
			t.Errorf("audit log: a result without an attempt that claims more than a call never made: %+v", rs[0])
		}
	}
	for _, p := range plans {
		for _, step := range p.StepIDs() {
			if n := len(okCalls[p.ID+" "+step]); n != 1 {
				t.Errorf("audit log: step %s of %s succeeded by %d calls, want 1", step, p.ID, n)
			}
		}
	}
	return records
}

// checkSoakBackups checks that every user p deleted or linked away is in
// a backup p wrote, whole: its metadata, roles and memberships as the
// tenant had them before p (a link discards them).
func checkSoakBackups(t *testing.T, dir string, before *emulator.Tenant, p *linking.Plan) {
	t.Helper()
	users := usersByID(before)
	backups, err := audit.OpenBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := backups.List()
	if err != nil {
		t.Fatal(err)
	}
	type backedUp struct{ user, access json.RawMessage }
	saved := map[string][]backedUp{} // user id → what backups hold of it, oldest first
	for _, info := range infos {
		if info.Err != nil {
			t.Errorf("backup %s: %v", info.Path, info.Err)
			continue
		}
		if info.Meta["plan_id"] != p.ID {
			continue
		}
		b, err := audit.ReadBackup(info.Path)
		if err != nil {
			t.Fatal(err)
		}
		for id, raw := range b.Users {
			saved[id] = append(saved[id], backedUp{raw, b.Access[id]})
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
		if err := json.Unmarshal(objs[0].user, &u); err != nil {
			t.Errorf("backup of %s: %v", lost, err)
			continue
		}
		want := users[lost]
		if !jsonSame(u.UserMetadata, want.UserMetadata) || !jsonSame(u.AppMetadata, want.AppMetadata) || len(u.Identities) != len(want.Identities) {
			t.Errorf("the backup of %s is not the user as it was: %s", lost, objs[0].user)
		}
		var acc linking.Access
		if err := json.Unmarshal(objs[0].access, &acc); err != nil {
			t.Errorf("the backup of %s holds no roles and memberships (%s): %v", lost, objs[0].access, err)
			continue
		}
		if held := acc.State(); !slices.Equal(held.Roles, slices.Sorted(slices.Values(want.Roles))) || !slices.Equal(held.Organizations, slices.Sorted(slices.Values(want.Organizations))) {
			t.Errorf("the backup of %s holds roles %v and organizations %v; it had %v and %v", lost, held.Roles, held.Organizations, want.Roles, want.Organizations)
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
