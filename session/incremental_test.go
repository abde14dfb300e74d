package session

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
	"github.com/linkdesk/linkdesk/scan"
)

// TestIncrementalScanFindsWhatAFullScanFinds is the incremental scan's
// contract on a sandbox of 200,000 users (20,000 with -short): after a full
// scan, 500 accounts are added through the API (100 of them sharing, in
// mixed case, the email of an account that had it alone) and 20 deleted
// (half of them in groups); the next scan brings the snapshot up to date
// with at most 30 Management API calls and reports exactly what a new full
// scan reports, users and groups alike.
func TestIncrementalScanFindsWhatAFullScanFinds(t *testing.T) {
	users := 200_000
	if testing.Short() {
		users = 20_000
	}
	ctx := context.Background()
	tenant := gen.Generate(gen.GenOptions{Users: users, Seed: 14})
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: tenant, Rate: -1})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := With(ctx, tn, "sandbox", Config{StateDir: t.TempDir()})

	first, err := s.Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Method != linking.MethodExport {
		t.Fatalf("the first scan: method %q, want an export", first.Method)
	}
	checkSnapshotFiles(t, s.SnapshotDir(), srv.ClientSecret())

	// The changes, through the real SDK: accounts whose email was theirs
	// alone get a database twin in mixed case; new people sign up; some
	// accounts, grouped or not, are deleted.
	m, err := management.New(strings.TrimPrefix(base, "http://"), management.WithInsecure(),
		management.WithClientCredentials(ctx, srv.ClientID(), srv.ClientSecret()))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, u := range tenant.Users {
		count[linking.NormalizeEmail(u.Email)]++
	}
	var twins, deletions []*emulator.User
	grouped := 0
	for _, u := range tenant.Users {
		e := linking.NormalizeEmail(u.Email)
		switch {
		case e == "" || len(u.Identities) != 1:
		case count[e] == 1 && len(twins) < 100 && u.Connection() != "Username-Password-Authentication" && !strings.ContainsAny(u.Email, "\"\\ "):
			twins = append(twins, u)
		case count[e] > 1 && grouped < 10 && len(deletions) < 20:
			deletions, grouped = append(deletions, u), grouped+1
		case count[e] == 1 && len(deletions) < 20 && len(deletions)-grouped < 10:
			deletions = append(deletions, u)
		}
	}
	if len(twins) != 100 || len(deletions) != 20 {
		t.Fatalf("the tenant gave %d accounts to twin and %d to delete", len(twins), len(deletions))
	}
	create := func(email string, i int) {
		t.Helper()
		conn, password := "Username-Password-Authentication", fmt.Sprintf("Incremental-%d-scan!", i)
		if err := m.User.Create(ctx, &management.User{Connection: &conn, Email: &email, Password: &password}); err != nil {
			t.Fatalf("creating %s: %v", email, err)
		}
	}
	for i, u := range twins {
		create(mixedCase(u.Email), i)
	}
	for i := range 400 {
		create(fmt.Sprintf("new.person%03d@incremental.example", i), 100+i)
	}
	for _, u := range deletions {
		if err := m.User.Delete(ctx, u.UserID); err != nil {
			t.Fatalf("deleting %s: %v", u.UserID, err)
		}
	}

	inc, calls := incrementalScan(t, s, srv, "the scan after the changes")
	if calls > 30 || int64(inc.APICalls) != calls {
		t.Errorf("the incremental scan made %d Management API calls (it counted %d), want at most 30", calls, inc.APICalls)
	}
	full, err := s.Scan(ctx, scan.Request{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.Method != linking.MethodExport {
		t.Fatalf("--full: method %q", full.Method)
	}
	if full.UsersScanned != first.UsersScanned+400+100-20 {
		t.Errorf("the full scan saw %d users, want %d", full.UsersScanned, first.UsersScanned+480)
	}
	if got, want := reportBody(t, inc), reportBody(t, full); got != want {
		t.Errorf("the incremental report differs from a full scan's:\n%s", emulatortest.FirstDifference(got, want))
	}
	// The twins made groups of their own: the scan did not just repeat the first.
	if len(full.Groups) <= len(first.Groups) {
		t.Errorf("groups %d after the changes, %d before", len(full.Groups), len(first.Groups))
	}
	t.Logf("%d users: %d groups before, %d after; incremental scan %d API calls", users, len(first.Groups), len(full.Groups), calls)

	// A scan with nothing changed gives the same report; it reads again what
	// changed within the search margin before the last scan.
	calls = srv.Stats().APICalls
	again, err := s.Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Method != linking.MethodIncremental || reportBody(t, again) != reportBody(t, full) {
		t.Errorf("a scan with nothing changed: method %q, same report %v", again.Method, reportBody(t, again) == reportBody(t, full))
	}
	if n := srv.Stats().APICalls - calls; n > 30 {
		t.Errorf("a scan with nothing changed made %d calls", n)
	}
}

// TestIncrementalScanExportsWhenTheLogCannotBeRead: without read:logs a
// deletion cannot be known, so a scan exports rather than trust a snapshot.
func TestIncrementalScanExportsWhenTheLogCannotBeRead(t *testing.T) {
	ctx := context.Background()
	var scopes []string
	for _, sc := range emulator.DefaultScopes {
		if !strings.HasPrefix(sc, "read:logs") {
			scopes = append(scopes, sc)
		}
	}
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: 2000, Seed: 3}), Rate: -1, Scopes: scopes})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := With(ctx, tn, "sandbox", Config{StateDir: t.TempDir()})
	for i := range 2 {
		rep, err := s.Scan(ctx, scan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Method != linking.MethodExport {
			t.Errorf("scan %d: method %q, want an export", i, rep.Method)
		}
	}
	if _, err := s.Snapshot(); err != nil {
		t.Errorf("the export left no snapshot: %v", err)
	}
}

// checkSnapshotFiles requires the snapshot's directory to be the user's
// alone (0700, its files 0600) and to hold no secret.
func checkSnapshotFiles(t *testing.T, dir, secret string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a directory of mode 0700", d, fi.Mode(), err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < 2 {
		t.Fatalf("snapshot %s: %v %v", dir, entries, err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v %v, want 0600", path, fi.Mode(), err)
		}
		data, _ := os.ReadFile(path)
		if r, err := client.Decompress(bytes.NewReader(data)); err == nil {
			data, _ = io.ReadAll(r)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the client secret", path)
		}
	}
}

func mixedCase(email string) string {
	b := []byte(email)
	for i := 0; i < len(b); i += 2 {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// reportBody is the report as --json writes it, without what differs from
// one scan to the next (when, how, with how many calls).
func reportBody(t *testing.T, r *linking.Report) string {
	t.Helper()
	c := *r
	c.ScannedAt, c.Method, c.APICalls = time.Time{}, "", 0
	var b bytes.Buffer
	if err := report.WriteJSON(&b, &c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// incrementalScan scans with s, which must bring its snapshot up to date,
// and counts the Management API calls the scan made.
func incrementalScan(t *testing.T, s *Session, srv *emulator.Server, step string) (*linking.Report, int64) {
	t.Helper()
	calls := srv.Stats().APICalls
	inc, err := s.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Method != linking.MethodIncremental {
		t.Fatalf("%s: method %q, want incremental", step, inc.Method)
	}
	return inc, srv.Stats().APICalls - calls
}
