package scan

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
)

// windowTenant answers updated_at range searches over its users as Auth0
// does: a total, pages of at most client.SearchPerPage, and a 400 for a
// page past the 1,000-result cap.
type windowTenant struct {
	users   []client.User
	queries []string
	calls   int64
}

func (w *windowTenant) SearchPage(_ context.Context, q string, page, perPage int) ([]client.User, int, error) {
	w.calls++
	w.queries = append(w.queries, q)
	if (page+1)*perPage > client.SearchCap {
		return nil, 0, &client.Error{StatusCode: 400, Message: "You can only page through the first 1000 records"}
	}
	rest, ok := strings.CutPrefix(q, "updated_at:")
	if !ok || len(rest) < 2 {
		return nil, 0, fmt.Errorf("unexpected query %q", q)
	}
	loInc, hiInc := rest[0] == '[', rest[len(rest)-1] == ']'
	lo, hi, _ := strings.Cut(rest[1:len(rest)-1], " TO ")
	from, err1 := time.Parse(time.RFC3339Nano, lo)
	to, err2 := time.Parse(time.RFC3339Nano, hi)
	if err1 != nil || err2 != nil {
		return nil, 0, fmt.Errorf("bad range %q", q)
	}
	var match []client.User
	for _, u := range w.users {
		t := u.UpdatedAt
		if (t.After(from) || loInc && t.Equal(from)) && (t.Before(to) || hiInc && t.Equal(to)) {
			match = append(match, u)
		}
	}
	start, end := min(page*perPage, len(match)), min((page+1)*perPage, len(match))
	return match[start:end], len(match), nil
}

func (w *windowTenant) Logs(context.Context, string, int) ([]client.LogEvent, error) { return nil, nil }
func (w *windowTenant) APICalls() int64                                              { return w.calls }

// TestChangedUsersAreReadPastTheSearchCap: 2,500 users changed in one
// window (300 of them in the same millisecond) are all read, once each, by
// splitting the window wherever it holds more than 1,000, with few
// searches beyond the pages themselves.
func TestChangedUsersAreReadPastTheSearchCap(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w := &windowTenant{}
	for i := range 2500 {
		at := from.Add(time.Duration(min(i, 2200)) * 1400 * time.Millisecond)
		w.users = append(w.users, client.User{UserID: fmt.Sprintf("auth0|%04d", i), UpdatedAt: at})
	}
	to := from.Add(time.Hour)
	got, err := changedBetween(context.Background(), w, from, to)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, u := range got {
		seen[u.UserID]++
	}
	if len(got) != 2500 || len(seen) != 2500 {
		t.Fatalf("read %d users, %d distinct, want 2500", len(got), len(seen))
	}
	if w.calls > 2500/client.SearchPerPage+8 {
		t.Errorf("%d searches for 2,500 users", w.calls)
	}
	t.Logf("%d searches: %s …", w.calls, strings.Join(w.queries[:3], " | "))
}

// sandbox is a generated tenant served by the emulator, with the snapshot
// directory of the scans that bring it up to date.
type sandbox struct {
	t      *testing.T
	ctx    context.Context
	srv    *emulator.Server
	tn     client.Tenant
	tenant *emulator.Tenant
	conns  *linking.Connections
	dir    string
}

func newSandbox(t *testing.T, users int, seed int64) *sandbox {
	t.Helper()
	return newLaggingSandbox(t, users, seed, 0)
}

// newLaggingSandbox is newSandbox on a tenant whose user search and log show
// a write only lag after it.
func newLaggingSandbox(t *testing.T, users int, seed int64, lag time.Duration) *sandbox {
	t.Helper()
	ctx := context.Background()
	tenant := gen.Generate(gen.GenOptions{Users: users, Seed: seed})
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: tenant, Rate: -1, SearchLag: lag})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	conns, err := ReadConnections(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	return &sandbox{t: t, ctx: ctx, srv: srv, tn: tn, tenant: tenant, conns: conns, dir: t.TempDir()}
}

// scan scans the tenant with its snapshot and requires the method.
func (s *sandbox) scan(method string) *linking.Report {
	s.t.Helper()
	rep, err := Tenant(s.ctx, s.tn, Request{Connections: s.conns, Snapshot: s.dir})
	if err != nil {
		s.t.Fatal(err)
	}
	if rep.Method != method {
		s.t.Fatalf("scan: method %q, want %q", rep.Method, method)
	}
	return rep
}

// checkLikeFull requires the incremental report, and the snapshot it left
// (as the next scan reads it), to be byte for byte the report of a new full
// export, which keeps no snapshot.
func (s *sandbox) checkLikeFull(step string, inc *linking.Report) *linking.Report {
	s.t.Helper()
	full, err := Tenant(s.ctx, s.tn, Request{Connections: s.conns, Full: true})
	if err != nil {
		s.t.Fatal(err)
	}
	if full.Method != linking.MethodExport {
		s.t.Fatalf("%s: --full: method %q", step, full.Method)
	}
	want := scanBody(s.t, full)
	if got := scanBody(s.t, inc); got != want {
		s.t.Errorf("%s: the incremental report (%d users, %d groups) differs from a full scan's (%d users, %d groups):\n%s",
			step, inc.UsersScanned, len(inc.Groups), full.UsersScanned, len(full.Groups), emulatortest.FirstDifference(got, want))
	}
	snap, err := OpenSnapshot(s.dir, s.tn.Domain())
	if err != nil {
		s.t.Fatal(err)
	}
	loaded, err := snap.Load(s.ctx, s.conns, Request{})
	if err != nil {
		s.t.Fatal(err)
	}
	if got := scanBody(s.t, loaded); got != want {
		s.t.Errorf("%s: the snapshot as left (%d users, %d groups) differs from a full scan's (%d users, %d groups):\n%s",
			step, loaded.UsersScanned, len(loaded.Groups), full.UsersScanned, len(full.Groups), emulatortest.FirstDifference(got, want))
	}
	return full
}

// pairs are n pairs of standalone accounts (one identity each) sharing an
// email, no account in two pairs, the second of each on a connection for
// which pick says yes (nil: any).
func (s *sandbox) pairs(n int, pick func(*emulator.User) bool) [][2]*emulator.User {
	s.t.Helper()
	first := map[string]*emulator.User{}
	var out [][2]*emulator.User
	for _, u := range s.tenant.Users {
		e := linking.NormalizeEmail(u.Email)
		if e == "" || len(u.Identities) != 1 || len(out) == n {
			continue
		}
		if p, ok := first[e]; !ok {
			first[e] = u
		} else if p != nil && (pick == nil || pick(u)) {
			out = append(out, [2]*emulator.User{p, u})
			first[e] = nil
		}
	}
	if len(out) != n {
		s.t.Fatalf("the tenant has %d pairs to use, want %d", len(out), n)
	}
	return out
}

func (s *sandbox) link(primaryID string, secondary *emulator.User) {
	s.t.Helper()
	id := secondary.Identities[0]
	if _, err := s.tn.Link(s.ctx, primaryID, client.LinkTarget{Provider: id.Provider, UserID: id.UserID.Value}); err != nil {
		s.t.Fatalf("linking %s into %s: %v", secondary.UserID, primaryID, err)
	}
}

func (s *sandbox) unlink(primaryID string, secondary *emulator.User) {
	s.t.Helper()
	id := secondary.Identities[0]
	if _, err := s.tn.Unlink(s.ctx, primaryID, id.Provider, id.UserID.Value); err != nil {
		s.t.Fatalf("unlinking %s from %s: %v", secondary.UserID, primaryID, err)
	}
}

func (s *sandbox) create(nu client.NewUser) client.User {
	s.t.Helper()
	if nu.Password == "" {
		nu.Password = "Incremental-scan-1!"
	}
	u, err := s.tn.CreateUser(s.ctx, nu)
	if err != nil {
		s.t.Fatalf("creating %s %s: %v", nu.UserID, nu.Email, err)
	}
	return u
}

func (s *sandbox) delete(id string) {
	s.t.Helper()
	if err := s.tn.DeleteUser(s.ctx, id); err != nil {
		s.t.Fatalf("deleting %s: %v", id, err)
	}
}

// logged counts the events of type typ the tenant's log holds for user id.
func (s *sandbox) logged(typ, id string) int {
	s.t.Helper()
	events, err := s.tn.(client.Searcher).Logs(s.ctx, "type:"+typ, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.UserID == id {
			n++
		}
	}
	return n
}

func isDatabase(u *emulator.User) bool { return u.Identities[0].Provider == "auth0" }

// TestIncrementalScanAfterLinks: a link makes the secondary an identity of
// the primary, with no sdu event in the log; the scan after it reports what
// a full export reports, and so does the snapshot it leaves (where the
// secondary's line of the base stays). The secondary of a link may be an
// account read since the base (in the delta); an unlink brings the
// secondary back as a user of its own.
func TestIncrementalScanAfterLinks(t *testing.T) {
	s := newSandbox(t, 4000, 31)
	first := s.scan(linking.MethodExport)

	// A new account, twin of one that had its email alone: the delta holds it.
	var alone *emulator.User
	count := map[string]int{}
	for _, u := range s.tenant.Users {
		count[linking.NormalizeEmail(u.Email)]++
	}
	for _, u := range s.tenant.Users {
		if e := linking.NormalizeEmail(u.Email); e != "" && count[e] == 1 && len(u.Identities) == 1 && u.Connection() != "Username-Password-Authentication" && !strings.ContainsAny(u.Email, "\"\\ ") {
			alone = u
			break
		}
	}
	twin := s.create(client.NewUser{Connection: "Username-Password-Authentication", Email: alone.Email})
	s.checkLikeFull("a twin created", s.scan(linking.MethodIncremental))

	// 37 links, and the twin linked into the account it twins.
	pairs := s.pairs(37, nil)
	for _, p := range pairs {
		s.link(p[0].UserID, p[1])
	}
	provider, id, _ := strings.Cut(twin.UserID, "|")
	twinUser := &emulator.User{UserID: twin.UserID, Identities: []emulator.Identity{{Provider: provider, UserID: emulator.IdentityID{Value: id}}}}
	s.link(alone.UserID, twinUser)
	if n := s.logged("sdu", pairs[0][1].UserID); n != 0 {
		t.Fatalf("the log holds %d sdu events for a linked secondary", n)
	}
	full := s.checkLikeFull("after 38 links", s.scan(linking.MethodIncremental))
	if full.UsersScanned != first.UsersScanned-37 {
		t.Errorf("the full scan saw %d users after 37 links, %d before", full.UsersScanned, first.UsersScanned)
	}

	// Unlinks: a secondary of the links above, and one linked before the
	// full scan; a scan with nothing changed after them.
	s.unlink(pairs[0][0].UserID, pairs[0][1])
	linked := s.linkedAccount()
	s.unlink(linked.UserID, &emulator.User{Identities: linked.Identities[1:]})
	full = s.checkLikeFull("after 2 unlinks", s.scan(linking.MethodIncremental))
	if full.UsersScanned != first.UsersScanned-37+2 {
		t.Errorf("the full scan saw %d users after 2 unlinks, want %d", full.UsersScanned, first.UsersScanned-35)
	}
	s.checkLikeFull("nothing changed", s.scan(linking.MethodIncremental))
}

// TestIncrementalScanAfterADeletionUndone: an account deleted (an sdu event)
// and made again with the same user_id, as linkdesk's undo of a deletion
// does, is in the report, whether the scan between saw it deleted or not;
// an account deleted and not made again is not.
func TestIncrementalScanAfterADeletionUndone(t *testing.T) {
	s := newSandbox(t, 4000, 32)
	first := s.scan(linking.MethodExport)
	pairs := s.pairs(3, isDatabase)
	again := func(u *emulator.User) {
		t.Helper()
		got := s.create(client.NewUser{Connection: u.Connection(), UserID: u.Identities[0].UserID.Value, Email: u.Email, Username: u.Username})
		if got.UserID != u.UserID || !got.CreatedAt.After(u.CreatedAt) {
			t.Fatalf("made again: %s created %s, want %s created after %s", got.UserID, got.CreatedAt, u.UserID, u.CreatedAt)
		}
	}

	// One deleted and made again before the next scan; one deleted, made
	// again after the scan that saw it deleted; one deleted for good.
	redo, later, gone := pairs[0][1], pairs[1][1], pairs[2][1]
	for _, u := range []*emulator.User{redo, later, gone} {
		s.delete(u.UserID)
	}
	again(redo)
	if n := s.logged("sdu", redo.UserID); n != 1 {
		t.Fatalf("the log holds %d sdu events for %s, want 1", n, redo.UserID)
	}
	full := s.checkLikeFull("deleted, one made again", s.scan(linking.MethodIncremental))
	if full.UsersScanned != first.UsersScanned-2 {
		t.Errorf("the full scan saw %d users, want %d", full.UsersScanned, first.UsersScanned-2)
	}
	again(later)
	s.checkLikeFull("another made again", s.scan(linking.MethodIncremental))
	s.checkLikeFull("nothing changed", s.scan(linking.MethodIncremental))
}

// scanBody is the report as --json writes it, without what differs from one
// scan to the next (when, how, with how many calls).
func scanBody(tb testing.TB, r *linking.Report) string {
	tb.Helper()
	c := *r
	c.ScannedAt, c.Method, c.APICalls = time.Time{}, "", 0
	return reportJSON(tb, &c)
}

// TestIncrementalScanReadsTheUsersWrittenByID: on a tenant whose search and
// log lag an hour behind its writes, a scan brought up to date right after
// a link, an unlink, a deletion and an account made again reports what a
// full export reports once it is told the users written (Request.Written):
// it reads them by id, consistent at once. Told nothing, it reports the
// tenant as before the writes (checked on a copy of the snapshot). A user
// written before the snapshot's changes is not read again.
func TestIncrementalScanReadsTheUsersWrittenByID(t *testing.T) {
	s := newLaggingSandbox(t, 4000, 33, time.Hour)
	s.scan(linking.MethodExport)
	pairs := s.pairs(3, isDatabase)
	linked := s.linkedAccount()
	var written []Written
	wrote := func(ids ...string) {
		for _, id := range ids {
			written = append(written, Written{UserID: id, At: time.Now()})
		}
	}
	// A link, an unlink, a deletion, and a deletion undone (made again).
	s.link(pairs[0][0].UserID, pairs[0][1])
	wrote(pairs[0][0].UserID, pairs[0][1].UserID)
	back := &emulator.User{Identities: linked.Identities[1:]}
	s.unlink(linked.UserID, back)
	wrote(linked.UserID, back.Identities[0].Provider+"|"+back.Identities[0].UserID.Value)
	s.delete(pairs[1][1].UserID)
	wrote(pairs[1][1].UserID)
	redo := pairs[2][1]
	s.delete(redo.UserID)
	s.create(client.NewUser{Connection: redo.Connection(), UserID: redo.Identities[0].UserID.Value, Email: redo.Email, Username: redo.Username})
	wrote(redo.UserID)
	// Written before the snapshot's changes: not read again.
	written = append(written, Written{UserID: pairs[2][0].UserID, At: time.Now().Add(-time.Hour)})

	// Told nothing, on a copy of the snapshot: search does not show the writes yet.
	stale := t.TempDir()
	if err := os.CopyFS(stale, os.DirFS(s.dir)); err != nil {
		t.Fatal(err)
	}
	was, err := Tenant(s.ctx, s.tn, Request{Connections: s.conns, Snapshot: stale})
	if err != nil {
		t.Fatal(err)
	}

	reads := s.srv.Stats().Requests["GET /api/v2/users/{id}"]
	rep, err := Tenant(s.ctx, s.tn, Request{Connections: s.conns, Snapshot: s.dir, Written: written})
	reads = s.srv.Stats().Requests["GET /api/v2/users/{id}"] - reads
	if err != nil {
		t.Fatal(err)
	}
	if rep.Method != linking.MethodIncremental {
		t.Fatalf("method %q, want incremental", rep.Method)
	}
	full := s.checkLikeFull("after 4 writes", rep)
	if scanBody(t, was) == scanBody(t, full) {
		t.Error("told nothing of the writes, the scan reports them all the same: the tenant's search does not lag")
	}
	if reads != 6 {
		t.Errorf("the scan read %d users by id, want the 6 written since its snapshot's changes", reads)
	}
	t.Logf("%d Management API calls, %d of them reads by id; told nothing, %d", rep.APICalls, reads, was.APICalls)
	s.checkLikeFull("nothing changed", s.scan(linking.MethodIncremental))
}

// linkedAccount is an account of the tenant with an identity linked into it.
func (s *sandbox) linkedAccount() *emulator.User {
	s.t.Helper()
	for _, u := range s.tenant.Users {
		if len(u.Identities) > 1 {
			return u
		}
	}
	s.t.Fatal("the tenant has no linked account")
	return nil
}
