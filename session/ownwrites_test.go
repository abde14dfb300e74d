package session

import (
	"context"
	"strings"
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

// TestIncrementalScanShowsOwnWritesAtOnce: on a tenant whose user search and
// log lag an hour behind its writes, the scan right after linkdesk's own
// link, unlink and deletion, and after the undo that makes the deleted
// account again, reports byte for byte what a new full export reports: the
// users linkdesk's audit log shows it wrote since the snapshot are read by
// id, which is consistent, whatever search still says.
func TestIncrementalScanShowsOwnWritesAtOnce(t *testing.T) {
	ctx := context.Background()
	tenant := gen.Generate(gen.GenOptions{Users: 4000, Seed: 21})
	s, srv := sessionWith(t, emulator.Options{Tenant: tenant, Rate: -1, SearchLag: time.Hour})
	conns, err := s.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Scan(ctx, scan.Request{}); err != nil || rep.Method != linking.MethodExport {
		t.Fatalf("the first scan: %v %v", rep, err)
	}
	apply := func(p *linking.Plan) {
		t.Helper()
		res, err := s.Apply(ctx, p, ApplyOptions{})
		if err != nil {
			t.Fatalf("applying %s: %v", p.ID, err)
		}
		if !res.Complete() {
			t.Fatalf("applying %s: not complete: %s %v", p.ID, res.Stopped, res.Err)
		}
	}
	// check scans incrementally, then in full: the same report.
	check := func(step string) {
		t.Helper()
		inc, calls := incrementalScan(t, s, srv, step)
		full, err := s.Scan(ctx, scan.Request{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := reportBody(t, inc), reportBody(t, full); got != want {
			t.Errorf("%s: the incremental report (%d users, %d groups) differs from a full scan's (%d users, %d groups):\n%s",
				step, inc.UsersScanned, len(inc.Groups), full.UsersScanned, len(full.Groups), emulatortest.FirstDifference(got, want))
		}
		t.Logf("%s: incremental scan, %d Management API calls", step, calls)
	}

	// Two standalone accounts sharing an email that a link may join, a
	// database account of another group to delete, and an account linked
	// before the scan to unlink.
	count := map[string]int{}
	for _, u := range tenant.Users {
		count[linking.NormalizeEmail(u.Email)]++
	}
	var link *linking.Plan
	var del, linked *emulator.User
	first := map[string]*emulator.User{}
	for _, u := range tenant.Users {
		e := linking.NormalizeEmail(u.Email)
		switch {
		case e == "":
		case len(u.Identities) > 1:
			if linked == nil {
				linked = u
			}
		case link == nil && first[e] != nil:
			users, err := s.Users(ctx, first[e].UserID, u.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{AllowUnverified: true}); err == nil {
				link = s.NamedPlan(conns, users, ops...)
			}
		case del == nil && count[e] > 1 && u.Identities[0].Provider == "auth0" && first[e] == nil:
			del = u
			continue
		}
		if first[e] == nil {
			first[e] = u
		}
	}
	if link == nil || del == nil || linked == nil {
		t.Fatalf("the tenant has no pair to link (%v), account to delete (%v) or linked account (%v)", link != nil, del != nil, linked != nil)
	}

	// The link and the deletion, as `linkdesk link` and `linkdesk delete` make them.
	apply(link)
	users, err := s.Users(ctx, del.UserID)
	if err != nil {
		t.Fatal(err)
	}
	apply(s.NewPlan(linking.PlanDelete(users[0], "")))
	check("a link and a deletion")

	// An unlink, and the undo of the deletion: the account made again.
	users, err = s.Users(ctx, linked.UserID)
	if err != nil {
		t.Fatal(err)
	}
	id := users[0].Linked()[0]
	op, err := linking.PlanUnlink(users[0], id.Provider, id.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	apply(s.NewPlan(op))
	recs, _, err := audit.ReadLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	var delOp string
	for _, r := range recs {
		if r.Action == linking.ActionDelete && r.Phase == audit.PhaseResult && r.Result == audit.ResultOK {
			delOp = r.OpID
		}
	}
	undo, _, err := s.UndoPlan(ctx, delOp, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(undo.Operations) == 0 {
		t.Fatalf("the deletion cannot be undone: %v", undo.Notes)
	}
	apply(undo)
	check("an unlink and a deletion undone")
	check("nothing changed")
}

// TestWrittenSinceReadsTheLogBackFarEnough: the users written on this
// tenant since a time are found however many records came after them,
// each with its newest record's time; another tenant's, older records, a
// ticket's and the log's own notes are not.
func TestWrittenSinceReadsTheLogBackFarEnough(t *testing.T) {
	path := t.TempDir() + "/audit.log"
	log, err := audit.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	since := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	add := func(at time.Time, tenant, action, phase string, ids ...string) {
		t.Helper()
		if err := log.Append(audit.Record{Time: at, Tenant: tenant, Action: action, Phase: phase, OpID: audit.NewOpID(), UserIDs: ids}); err != nil {
			t.Fatal(err)
		}
	}
	add(since.Add(-time.Hour), "tenant", linking.ActionDelete, audit.PhaseResult, "auth0|before")
	add(since.Add(-time.Second), "tenant", linking.ActionLink, audit.PhaseAttempt, "auth0|p", "github|1")
	add(since.Add(time.Second), "tenant", linking.ActionLink, audit.PhaseResult, "auth0|p", "github|1")
	add(since.Add(2*time.Second), "other", linking.ActionDelete, audit.PhaseResult, "auth0|other")
	add(since.Add(3*time.Second), "tenant", linking.ActionTicket, audit.PhaseResult, "auth0|ticket")
	add(since.Add(4*time.Second), "tenant", audit.ActionRepair, audit.PhaseNote)
	for i := range 500 { // more than the first read of the log's tail
		add(since.Add(time.Minute+time.Duration(i)*time.Second), "tenant", linking.ActionPatchMetadata, audit.PhaseResult, "auth0|p")
	}
	got, err := writtenSince("tenant", since, path)
	if err != nil {
		t.Fatal(err)
	}
	want := []scan.Written{{UserID: "auth0|p", At: since.Add(time.Minute + 499*time.Second)}, {UserID: "github|1", At: since.Add(time.Second)}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("written since: %v, want %v", got, want)
	}
	if got, err := writtenSince("tenant", since, t.TempDir()+"/none.log"); err != nil || len(got) != 0 {
		t.Errorf("a log not written yet: %v %v", got, err)
	}
}

// TestAScanExportsWhenTheAuditLogCannotBeRead: what linkdesk wrote cannot
// be known, so the scan exports rather than trust search, and says why.
func TestAScanExportsWhenTheAuditLogCannotBeRead(t *testing.T) {
	ctx := context.Background()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: 500, Seed: 5}), Rate: -1})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	s := With(ctx, tn, "sandbox", Config{StateDir: state, AuditLog: state}) // a directory: unreadable as a log
	for i, want := range []string{linking.MethodExport, linking.MethodExport} {
		rep, err := s.Scan(ctx, scan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Method != want {
			t.Errorf("scan %d: method %q, want %q", i, rep.Method, want)
		}
	}
	if notes := s.Notes(); len(notes) != 1 {
		t.Errorf("notes: %q, want one saying the scan exports", notes)
	}
}

// After more of its own writes than the scan reads one by one (a long
// apply), the next scan exports instead, and says why; below that bound it
// reads them by id and stays incremental.
func TestAScanAfterManyOwnWritesExports(t *testing.T) {
	ctx := context.Background()
	ten := gen.Generate(gen.GenOptions{Users: 500, Seed: 5})
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: ten, Rate: -1})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	s := With(ctx, tn, "sandbox", Config{StateDir: state})
	if _, err := s.Scan(ctx, scan.Request{}); err != nil { // the snapshot
		t.Fatal(err)
	}
	log, err := audit.OpenLog(s.Paths.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	write := func(users []*emulator.User) {
		for _, u := range users {
			if err := log.Append(audit.Record{OpID: audit.NewOpID(), Operator: "tester", Tenant: "sandbox", Action: linking.ActionPatchMetadata, Phase: audit.PhaseResult, Result: audit.ResultOK, UserIDs: []string{u.UserID}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(ten.Users[:maxWrittenReads])
	if rep, err := s.Scan(ctx, scan.Request{}); err != nil || rep.Method != linking.MethodIncremental {
		t.Fatalf("after %d own writes: %v, method %v", maxWrittenReads, err, rep)
	}
	write(ten.Users[maxWrittenReads : 2*maxWrittenReads+1])
	rep, err := s.Scan(ctx, scan.Request{})
	if err != nil || rep.Method != linking.MethodExport {
		t.Fatalf("after %d own writes: %v, method %v", maxWrittenReads+1, err, rep)
	}
	if notes := s.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "exports the whole tenant instead") {
		t.Errorf("notes %q", notes)
	}
	// That export holds those writes: the next scan reads none of them.
	if rep, err := s.Scan(ctx, scan.Request{}); err != nil || rep.Method != linking.MethodIncremental {
		t.Fatalf("the scan after the export: %v, method %v", err, rep)
	}
}

// A link a run recorded in another audit log (--audit-log FILE) is
// linkdesk's own write too: the journal names that log, and the next scan
// without the flag reads the users it wrote by id, so its report is a full
// export's while search still shows the tenant as it was.
func TestAnIncrementalScanShowsAWriteRecordedInAnotherAuditLog(t *testing.T) {
	ctx := context.Background()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1, SearchLag: time.Hour})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	s := With(ctx, tn, "sandbox", Config{StateDir: state, Operator: "tester"})
	t.Cleanup(func() { s.Close() })
	if rep, err := s.Scan(ctx, scan.Request{}); err != nil || rep.Method != linking.MethodExport {
		t.Fatalf("the first scan: %v %v", rep, err)
	}
	elsewhere := With(ctx, tn, "sandbox", Config{StateDir: state, Operator: "tester", AuditLog: t.TempDir() + "/alt.log"})
	t.Cleanup(func() { elsewhere.Close() })
	if res, err := elsewhere.Apply(ctx, alicesLink(t, ctx, elsewhere), ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("link: %v %+v", err, res)
	}
	inc, _ := incrementalScan(t, s, srv, "after a link recorded elsewhere")
	full, err := s.Scan(ctx, scan.Request{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reportBody(t, inc), reportBody(t, full); got != want {
		t.Errorf("the incremental report differs from a full scan's:\n%s", emulatortest.FirstDifference(got, want))
	}
}
