package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	px := newLogStandIn(t, base)
	tn, err := client.New(ctx, client.Config{Domain: px.URL, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
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
	m, err := management.New(strings.TrimPrefix(px.URL, "http://"), management.WithInsecure(),
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

	calls := px.calls.Load()
	inc, err := s.Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	calls = px.calls.Load() - calls
	if inc.Method != linking.MethodIncremental {
		t.Fatalf("the scan after the changes: method %q, want incremental", inc.Method)
	}
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
		t.Errorf("the incremental report differs from a full scan's:\n%s", firstDifference(got, want))
	}
	// The twins made groups of their own: the scan did not just repeat the first.
	if len(full.Groups) <= len(first.Groups) {
		t.Errorf("groups %d after the changes, %d before", len(full.Groups), len(first.Groups))
	}
	t.Logf("%d users: %d groups before, %d after; incremental scan %d API calls", users, len(first.Groups), len(full.Groups), calls)

	// A scan with nothing changed gives the same report; it reads again what
	// changed within the search margin before the last scan.
	calls = px.calls.Load()
	again, err := s.Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Method != linking.MethodIncremental || reportBody(t, again) != reportBody(t, full) {
		t.Errorf("a scan with nothing changed: method %q, same report %v", again.Method, reportBody(t, again) == reportBody(t, full))
	}
	if n := px.calls.Load() - calls; n > 30 {
		t.Errorf("a scan with nothing changed made %d calls", n)
	}
}

// TestIncrementalScanExportsWhenTheLogCannotBeRead: without read:logs a
// deletion cannot be known, so a scan exports rather than trust a snapshot.
func TestIncrementalScanExportsWhenTheLogCannotBeRead(t *testing.T) {
	ctx := context.Background()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: 2000, Seed: 3}), Rate: -1})
	px := newLogStandIn(t, base)
	px.refuse.Store(true)
	tn, err := client.New(ctx, client.Config{Domain: px.URL, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
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

func firstDifference(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got %.600s\nwant %.600s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(gl), len(wl))
}

// logStandIn is the sandbox tenant behind a reverse proxy that counts its
// Management API calls and, while the sandbox does not serve the tenant's
// log (it answers 404), stands in for GET /api/v2/logs as Auth0 documents
// it: an sdu event for every user the sandbox deleted (DELETE answered 204),
// Lucene q on type and a date range, sort=date:1, page and per_page. Once
// the sandbox serves the log itself, its answers pass through unchanged.
type logStandIn struct {
	*httptest.Server
	calls  atomic.Int64
	refuse atomic.Bool // answer 403 insufficient_scope, as without read:logs

	mu     sync.Mutex
	events []client.LogEvent
}

func newLogStandIn(t *testing.T, base string) *logStandIn {
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := &logStandIn{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if req.Method == http.MethodDelete && resp.StatusCode == http.StatusNoContent && strings.HasPrefix(req.URL.Path, "/api/v2/users/") {
			id, err := url.PathUnescape(strings.TrimPrefix(req.URL.EscapedPath(), "/api/v2/users/"))
			if err == nil && !strings.Contains(id, "/") {
				p.mu.Lock()
				p.events = append(p.events, client.LogEvent{LogID: strconv.Itoa(90000000 + len(p.events)), Type: "sdu", Date: time.Now().UTC().Truncate(time.Millisecond), UserID: id})
				p.mu.Unlock()
			}
		}
		return nil
	}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v2/") {
			p.calls.Add(1)
		}
		if r.URL.Path != "/api/v2/logs" {
			proxy.ServeHTTP(w, r)
			return
		}
		if p.refuse.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:logs","errorCode":"insufficient_scope"}`))
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r)
		if rec.Code != http.StatusNotFound {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		p.serveLogs(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *logStandIn) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 || perPage > 100 {
		perPage = 50
	}
	var from time.Time
	query := q.Get("q")
	if i := strings.Index(query, "date:["); i >= 0 {
		lo, _, _ := strings.Cut(query[i+len("date:["):], " TO ")
		if from, err = time.Parse(time.RFC3339Nano, lo); err != nil {
			http.Error(w, `{"statusCode":400,"error":"Bad Request","message":"bad date","errorCode":"invalid_query_string"}`, http.StatusBadRequest)
			return
		}
	}
	if strings.Contains(query, "type:") && !strings.Contains(query, "type:sdu") {
		query = "nothing"
	}
	p.mu.Lock()
	var match []client.LogEvent
	for _, e := range p.events {
		if query != "nothing" && !e.Date.Before(from) {
			match = append(match, e)
		}
	}
	p.mu.Unlock()
	start, end := min(page*perPage, len(match)), min((page+1)*perPage, len(match))
	type entry struct {
		LogID  string `json:"log_id"`
		Type   string `json:"type"`
		Date   string `json:"date"`
		UserID string `json:"user_id"`
	}
	out := []entry{}
	for _, e := range match[start:end] {
		out = append(out, entry{e.LogID, e.Type, e.Date.Format("2006-01-02T15:04:05.000Z"), e.UserID})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
