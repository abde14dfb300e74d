package client_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

func smallTenant(t testing.TB) *emulator.Tenant {
	t.Helper()
	tn, err := emulator.LoadFixture("../emulator/testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// connect starts a sandbox tenant with opts and returns a client for it.
func connect(t testing.TB, opts emulator.Options, mod ...func(*client.Config)) (client.Tenant, *emulator.Server) {
	t.Helper()
	if opts.Tenant == nil {
		opts.Tenant = smallTenant(t)
	}
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	srv, base := emulatortest.Start(t, opts)
	cfg := client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 10 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	tn, err := client.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tn, srv
}

func userIDs(us []client.User) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.UserID)
	}
	sort.Strings(ids)
	return ids
}

func TestConnectionsAndUsers(t *testing.T) {
	tn, _ := connect(t, emulator.Options{})
	ctx := context.Background()

	conns, err := tn.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The Non-Unique Email settings must arrive as typed options: the scan
	// reads them to tell families from duplicates.
	byName := map[string]client.Connection{}
	for _, c := range conns {
		byName[c.Name] = c
	}
	family := byName["family-accounts"]
	if family.Options.Attributes == nil {
		t.Fatalf("family-accounts options: %#v", family.Options)
	}
	email := family.Options.Attributes.Email
	nue := email.NonUnique && !email.Active
	if len(conns) != 7 || !nue {
		t.Fatalf("got %d connections (family-accounts with email.unique false: %v), want the fixture's 7", len(conns), nue)
	}
	wantFamily := client.Connection{ID: "con_qWnTQ96DeLGHYE6T", Name: "family-accounts", Strategy: client.StrategyAuth0,
		Options: client.ConnectionOptions{
			Attributes: &client.ConnectionAttributes{
				Email:    client.EmailAttribute{ConnectionAttribute: client.ConnectionAttribute{ProfileRequired: true, Signup: "required"}, NonUnique: true},
				Username: client.ConnectionAttribute{Active: true, ProfileRequired: true, Signup: "required"},
			},
			Precedence: []string{"username", "email", "phone_number"},
		}}
	if !reflect.DeepEqual(family, wantFamily) {
		t.Errorf("family-accounts:\n got %+v\nwant %+v", family, wantFamily)
	}
	// A legacy custom database says requires_username instead of attributes.
	legacy := byName["legacy-members"].Options
	if legacy.Attributes != nil || !legacy.RequiresUsername || !legacy.CustomDatabase || legacy.ImportMode {
		t.Errorf("legacy-members options: %+v", legacy)
	}
	// Only database connections carry options linkdesk reads.
	if g := byName["google-oauth2"]; g.Strategy != "google-oauth2" || !reflect.DeepEqual(g.Options, client.ConnectionOptions{}) {
		t.Errorf("google-oauth2: %+v", g)
	}

	u, err := tn.User(ctx, "github|5832311")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "maria.garcia@outlook.com" || u.Connection() != "github" || u.Identities[0].UserID != "5832311" {
		t.Fatalf("github user: %+v", u)
	}
	big, err := tn.User(ctx, "github|9007199254740993")
	if err != nil {
		t.Fatal(err)
	}
	if big.Identities[0].UserID != "9007199254740993" {
		t.Fatalf("a numeric identity id above 2^53 lost precision: %s", big.Identities[0].UserID)
	}

	_, err = tn.User(ctx, "auth0|nobody")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || !apiErr.NotFound() || apiErr.Code != "inexistent_user" {
		t.Fatalf("missing user: %v", err)
	}
}

func TestUsersByEmailFindsMixedCaseAccounts(t *testing.T) {
	tn, _ := connect(t, emulator.Options{})
	users, err := tn.UsersByEmail(context.Background(), "john.doe@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"auth0|6281b3c4d5e6f70812345678", "samlp|acme-corp|John.Doe@Acme.com"}
	if got := userIDs(users); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v (users-by-email is case-sensitive; the search must add the enterprise account)", got, want)
	}
}

func TestUsersByEmailCannotInjectQuerySyntax(t *testing.T) {
	tn, _ := connect(t, emulator.Options{})
	users, err := tn.UsersByEmail(context.Background(), `a@b.com" OR email:*`)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 0 {
		t.Fatalf("an address with query syntax matched %d users: %v", len(users), userIDs(users))
	}
}

func TestUsersByEmailDropsStaleSearchHits(t *testing.T) {
	tn, srv := connect(t, emulator.Options{SearchLag: time.Hour})
	ctx := context.Background()
	// Link the enterprise account away: search still shows it for an hour.
	if _, err := tn.Link(ctx, "auth0|6281b3c4d5e6f70812345678", client.LinkTarget{Provider: "samlp", UserID: "acme-corp|John.Doe@Acme.com"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.GetUser("samlp|acme-corp|John.Doe@Acme.com"); ok {
		t.Fatal("the secondary still exists after the link")
	}
	users, err := tn.UsersByEmail(ctx, "john.doe@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := userIDs(users); len(got) != 1 || got[0] != "auth0|6281b3c4d5e6f70812345678" {
		t.Fatalf("got %v: a linked-away account the search index still holds must not come back", got)
	}
}

func TestMetadataLinkUnlinkDelete(t *testing.T) {
	tn, srv := connect(t, emulator.Options{})
	ctx := context.Background()
	primary, secondary := "auth0|63ea1f0b2c8d4e5f60718293", "google-oauth2|108812345678901234567"

	u, err := tn.UpdateMetadata(ctx, primary, map[string]any{"plan": "pro", "preferences": nil}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.UserMetadata["plan"] != "pro" || u.UserMetadata["preferences"] != nil {
		t.Fatalf("PATCH merge: %v", u.UserMetadata)
	}

	ids, err := tn.Link(ctx, primary, client.LinkTarget{Provider: "google-oauth2", UserID: "108812345678901234567"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[1].ProfileData["email"] != "alice.nguyen@gmail.com" {
		t.Fatalf("link answer: %+v", ids)
	}
	if _, err := tn.User(ctx, secondary); !client.IsNotFound(err) {
		t.Fatalf("secondary after link: %v, want 404", err)
	}

	ids, err = tn.Unlink(ctx, primary, "google-oauth2", "108812345678901234567")
	if err != nil || len(ids) != 1 {
		t.Fatalf("unlink: %v %+v", err, ids)
	}
	back, err := tn.User(ctx, secondary)
	if err != nil {
		t.Fatal(err)
	}
	if back.UserMetadata != nil || back.Email != "alice.nguyen@gmail.com" {
		t.Fatalf("unlinked secondary: metadata %v email %q (it comes back without metadata)", back.UserMetadata, back.Email)
	}

	if err := tn.DeleteUser(ctx, secondary); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.GetUser(secondary); ok {
		t.Fatal("deleted user still there")
	}
	if err := tn.DeleteUser(ctx, "auth0|never-existed"); err != nil {
		t.Fatalf("Auth0 answers 204 for unknown ids: %v", err)
	}

	ticket, err := tn.PasswordChangeTicket(ctx, "auth0|64b7c8d9e0f1a2b3c4d5e6f7", client.TicketOptions{TTLSec: 600, MarkEmailVerified: true})
	if err != nil || !strings.HasPrefix(ticket, "http") {
		t.Fatalf("ticket for a Non-Unique Email account: %q %v", ticket, err)
	}
}

// SetBlocked blocks a user and lets it in again; asking for the block it
// has changes nothing.
func TestSetBlockedBlocksAndUnblocks(t *testing.T) {
	tn, srv := connect(t, emulator.Options{})
	ctx := context.Background()
	const id = "github|5832311"
	for _, blocked := range []bool{true, true, false} {
		u, err := tn.SetBlocked(ctx, id, blocked)
		if err != nil {
			t.Fatal(err)
		}
		held, _ := srv.GetUser(id)
		if u.Blocked != blocked || held.Blocked.Bool() != blocked {
			t.Fatalf("blocked %v: answered %v, the tenant holds %v", blocked, u.Blocked, held.Blocked.Bool())
		}
	}
	if n := srv.Stats().Effects[emulator.RoutePatchUser]; n != 2 {
		t.Errorf("%d PATCHes changed the user, want 2 (block, unblock)", n)
	}
	var apiErr *client.Error
	if _, err := tn.SetBlocked(ctx, "auth0|nobody", true); !client.IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Code != "inexistent_user" {
		t.Errorf("a missing user: %v", err)
	}
}

func TestReadOnlyRefusesEveryWriteBeforeAnyRequest(t *testing.T) {
	tn, srv := connect(t, emulator.Options{}, func(c *client.Config) { c.ReadOnly = true })
	ctx := context.Background()
	if _, err := tn.User(ctx, "github|5832311"); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
	export, err := tn.ExportUsers(ctx, client.ExportRequest{}, nil)
	if err != nil {
		t.Fatalf("an export job only reads, and must work in read-only mode: %v", err)
	}
	countUsers(t, export)
	export.Close()
	checks := map[string]error{}
	_, checks["patch"] = tn.UpdateMetadata(ctx, "github|5832311", map[string]any{"x": 1}, nil)
	_, checks["link"] = tn.Link(ctx, "auth0|63ea1f0b2c8d4e5f60718293", client.LinkTarget{Provider: "google-oauth2", UserID: "108812345678901234567"})
	_, checks["unlink"] = tn.Unlink(ctx, "auth0|60d5ec49f1a2b3c4d5e6f708", "google-oauth2", "101202303404505606707")
	checks["delete"] = tn.DeleteUser(ctx, "github|5832311")
	_, checks["ticket"] = tn.PasswordChangeTicket(ctx, "github|5832311", client.TicketOptions{})
	_, checks["create"] = tn.CreateUser(ctx, client.NewUser{Connection: "Username-Password-Authentication", Email: "new@example.com", Password: "x-Y-z-123456789"})
	checks["assign roles"] = tn.AssignRoles(ctx, "github|5832311", []string{"rol_1"})
	checks["remove roles"] = tn.RemoveRoles(ctx, "github|5832311", []string{"rol_1"})
	checks["add member"] = tn.AddOrganizationMembers(ctx, "org_1", []string{"github|5832311"})
	checks["remove member"] = tn.RemoveOrganizationMembers(ctx, "org_1", []string{"github|5832311"})
	_, checks["verification email"] = tn.SendVerificationEmail(ctx, client.VerificationEmail{UserID: "github|5832311"})
	_, checks["block"] = tn.SetBlocked(ctx, "github|5832311", true)
	for name, err := range checks {
		if !errors.Is(err, client.ErrReadOnly) {
			t.Errorf("%s in read-only mode: %v", name, err)
		}
	}
	st := srv.Stats()
	if w := st.Writes - st.Requests["POST /api/v2/jobs/users-exports"]; w != 0 {
		t.Fatalf("%d write requests reached the tenant in read-only mode", w)
	}
}

func TestMissingScopeNamesTheScope(t *testing.T) {
	opts := emulator.Options{Scopes: []string{"read:connections"}}
	tn, _ := connect(t, opts)
	_, err := tn.User(context.Background(), "github|5832311")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Scope != "read:users" {
		t.Fatalf("got %v, want a 403 naming read:users", err)
	}
}

// A sandbox tenant names its run in every answer; the client reports it,
// after a refusal too.
func TestSandboxRunIsTheEmulatorsRun(t *testing.T) {
	tn, srv := connect(t, emulator.Options{})
	if _, err := tn.Connections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if run := tn.SandboxRun(); run == "" || run != srv.Run() {
		t.Errorf("SandboxRun %q, want the emulator's run %q", run, srv.Run())
	}
	refused, srv := connect(t, emulator.Options{Scopes: []string{"read:users"}})
	if _, err := refused.Connections(context.Background()); err == nil {
		t.Fatal("connections read without read:connections")
	}
	if run := refused.SandboxRun(); run != srv.Run() {
		t.Errorf("after a refusal: SandboxRun %q, want the emulator's run %q", run, srv.Run())
	}
}

func TestBadCredentialsAreAClearError(t *testing.T) {
	tn, _ := connect(t, emulator.Options{}, func(c *client.Config) { c.ClientSecret = "wrong" })
	_, err := tn.User(context.Background(), "github|5832311")
	if err == nil || !strings.Contains(err.Error(), "access_denied") && !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestExportStreamsEveryUser(t *testing.T) {
	gen := gen.Generate(gen.GenOptions{Users: 3000, Seed: 7})
	tn, srv := connect(t, emulator.Options{Tenant: gen})
	var last client.ExportProgress
	n := exportEveryUser(t, tn, srv, func(p client.ExportProgress) { last = p })
	if last.Status != "downloaded" || last.Lines != int64(n) {
		t.Fatalf("last progress %+v", last)
	}
}

// exportEveryUser runs an export job to its end and checks that the stream
// holds every user of the tenant; it returns how many it held.
func exportEveryUser(t testing.TB, tn client.Tenant, srv *emulator.Server, progress func(client.ExportProgress)) int {
	t.Helper()
	r, err := tn.ExportUsers(context.Background(), client.ExportRequest{}, progress)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := countUsers(t, r)
	if n != srv.UserCount() {
		t.Fatalf("export has %d users, tenant %d", n, srv.UserCount())
	}
	return n
}

func countUsers(t testing.TB, r io.Reader) int {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		var u map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if _, ok := u["user_id"]; !ok {
			t.Fatalf("line %d has no user_id", n+1)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// slowFirstDownload holds the first export download back until its
// presigned link has expired (the emulator's links last at least a second).
type slowFirstDownload struct {
	base http.RoundTripper
	once sync.Once
}

func (s *slowFirstDownload) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.Path, "/api/v2/") && !strings.HasPrefix(r.URL.Path, "/oauth/") {
		s.once.Do(func() { time.Sleep(2100 * time.Millisecond) })
	}
	return s.base.RoundTrip(r)
}

func TestExportAsksForAFreshLinkWhenItExpired(t *testing.T) {
	gen := gen.Generate(gen.GenOptions{Users: 500, Seed: 3})
	tn, srv := connect(t, emulator.Options{Tenant: gen, ExportLinkTTL: time.Nanosecond}, func(c *client.Config) {
		c.Transport = &slowFirstDownload{base: http.DefaultTransport}
	})
	exportEveryUser(t, tn, srv, nil)
	if got := srv.Stats().Requests["GET /api/v2/jobs/{id}"]; got < 2 {
		t.Fatalf("the job was read %d times: an expired link must be replaced by a fresh one", got)
	}
}

func TestExportSurvivesBrokenDownloads(t *testing.T) {
	gen := gen.Generate(gen.GenOptions{Users: 2000, Seed: 3})
	// A third of requests fail (5xx, dropped connections, truncated
	// downloads): the stream the caller reads must still be whole.
	tn, srv := connect(t, emulator.Options{Tenant: gen, FailRate: 0.3, Seed: 11})
	exportEveryUser(t, tn, srv, nil)
	t.Logf("faults injected: %v", srv.Stats().Faults)
}

func TestExportFailureIsAClearError(t *testing.T) {
	tn, _ := connect(t, emulator.Options{FailExports: true})
	_, err := tn.ExportUsers(context.Background(), client.ExportRequest{}, nil)
	if err == nil || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("failed job: %v", err)
	}
}

func TestFreeTenantBurstCompletesWithoutFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("paces at 2 requests per second")
	}
	tn, srv := connect(t, emulator.Options{Rate: 2, Burst: 2})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tn.User(ctx, "github|5832311")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a paced call failed: %v", err)
		}
	}
	rl := tn.RateLimit()
	if !rl.Known || rl.Limit != 2 {
		t.Fatalf("rate limit snapshot: %+v", rl)
	}
	// The pacer holds requests back from the headers; a rare 429 (a refill
	// racing the clock) is waited out, never a failure.
	t.Logf("429s absorbed: %d", srv.Stats().RateLimited)
	if n := srv.Stats().RateLimited; n > 6 { // without pacing: about 18
		t.Errorf("%d requests ran into 429: the client does not pace itself from the headers", n)
	}
}

func TestLinkUnderFaultsLinksExactlyOnce(t *testing.T) {
	tn, srv := connect(t, emulator.Options{FailRate: 0.4, Seed: 5})
	ctx := context.Background()
	primary := "auth0|5f1a2b3c4d5e6f7081920a1b"
	var err error
	for range 10 { // the caller retries a failed call; the client resolves lost answers
		if _, err = tn.Link(ctx, primary, client.LinkTarget{Provider: "google-oauth2", UserID: "114455667788990011223"}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("link kept failing: %v", err)
	}
	p, ok := srv.GetUser(primary)
	if !ok {
		t.Fatal("primary gone")
	}
	linked := 0
	for _, id := range p.Identities {
		if id.Provider == "google-oauth2" {
			linked++
		}
	}
	if linked != 1 {
		t.Fatalf("the google identity is linked %d times", linked)
	}
}

func TestTokenExpiryIsRenewed(t *testing.T) {
	tn, srv := connect(t, emulator.Options{TokenTTL: 11 * time.Second})
	ctx := context.Background()
	// oauth2 renews 10s before expiry, so an 11s token is renewed about every second.
	deadline := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if _, err := tn.User(ctx, "github|5832311"); err != nil {
			t.Fatalf("call across token expiry: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if srv.Stats().TokensIssued < 2 {
		t.Fatalf("only %d tokens issued across expiry", srv.Stats().TokensIssued)
	}
}

func TestHTTPSWithTheWrittenCertificate(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Tenant: smallTenant(t), Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "sandbox.pem")
	base, err := srv.StartTLS("127.0.0.1:0", certFile)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("base %s", base)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("certificate file holds no PEM certificate")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.User(context.Background(), "github|5832311"); err != nil {
		t.Fatalf("over HTTPS: %v", err)
	}
}

func TestPacedCallsDoNotRunIntoTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("paces at 2 requests per second")
	}
	// One call after another, with the network's delay varying: the client
	// learns the bucket from the headers and waits for tokens to be earned.
	tn, srv := connect(t, emulator.Options{Rate: 2, Burst: 2, Latency: 50 * time.Millisecond, Seed: 3})
	for range 14 {
		if _, err := tn.User(context.Background(), "github|5832311"); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Stats().RateLimited; n != 0 {
		t.Fatalf("%d calls ran into 429 although each answer said how many tokens were left", n)
	}
}

// A password-change ticket is asked for once, whatever the answer: a
// request that failed after the tenant acted would leave a second live
// ticket no one asked for, behind an audit log that shows one call.
func TestATicketIsAskedForOnceWhateverTheAnswer(t *testing.T) {
	const route = "POST /api/v2/tickets/password-change"
	tn, srv := connect(t, emulator.Options{FailRate: 1, Seed: 3})
	for i := range 8 {
		before := srv.Stats().Requests[route]
		if _, err := tn.PasswordChangeTicket(context.Background(), "auth0|64b7c8d9e0f1a2b3c4d5e6f7", client.TicketOptions{}); err == nil {
			t.Fatal("every request fails, yet the ticket came")
		}
		if n := srv.Stats().Requests[route] - before; n != 1 {
			t.Fatalf("call %d: the ticket was asked for %d times", i, n)
		}
	}
}

// lateFirstSend loses the answer of the first request whose method and
// path end match, and carries that request out only when the same request
// comes again, just before it: the first send was still being carried out
// when the client read the tenant to learn what became of it. With atOnce,
// it carries the first request out at once and only loses its answer.
type lateFirstSend struct {
	next         http.RoundTripper
	method, path string
	atOnce       bool
	mu           sync.Mutex
	held         *http.Request
	heldBody     []byte
}

func (l *lateFirstSend) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != l.method || !strings.HasSuffix(req.URL.Path, l.path) {
		return l.next.RoundTrip(req)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		l.held, l.heldBody = req.Clone(context.Background()), body
		if l.atOnce {
			l.carryOut()
		}
		return nil, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
	}
	l.carryOut()
	return l.next.RoundTrip(req)
}

// carryOut sends the first request, held, once, and drops its answer.
func (l *lateFirstSend) carryOut() {
	if l.heldBody == nil {
		return
	}
	first := l.held.Clone(context.Background())
	first.Body = io.NopCloser(strings.NewReader(string(l.heldBody)))
	if resp, err := l.next.RoundTrip(first); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	l.heldBody = nil
}

// A link (or unlink) whose answer was lost, read as not made, and sent
// again while the first send was still being carried out: the second is
// refused, the first took effect. The call is reported done, not failed
// (which read as someone else's change, and left the audit log saying
// the link failed). The caller hears of the first try sent again
// (WithResent), and of the second, refused, found made (WithReadBack).
// One whose answer was lost after the tenant made it at once is sent once
// and found made: the caller hears of that try (WithReadBack), so that its
// record says the outcome was read, not answered.
func TestALinkSentAgainAfterALostAnswerIsDoneWhenTheFirstSendLandedMeanwhile(t *testing.T) {
	ctx := context.Background()
	const primary, google = "auth0|5f1a2b3c4d5e6f7081920a1b", "114455667788990011223"
	for _, tc := range []struct {
		method, path, route string
		atOnce              bool
	}{
		{http.MethodPost, "/identities", emulator.RouteLink, false},
		{http.MethodDelete, "/identities/google-oauth2/" + google, emulator.RouteUnlink, false},
		{http.MethodPost, "/identities", emulator.RouteLink, true},
		{http.MethodDelete, "/identities/google-oauth2/" + google, emulator.RouteUnlink, true},
	} {
		late := &lateFirstSend{next: http.DefaultTransport, method: tc.method, path: tc.path, atOnce: tc.atOnce}
		tn, srv := connect(t, emulator.Options{}, func(c *client.Config) { c.Transport = late })
		var (
			resent []client.Resent
			back   []client.ReadBack
		)
		hctx := client.WithReadBack(client.WithResent(ctx, func(r client.Resent) { resent = append(resent, r) }), func(r client.ReadBack) { back = append(back, r) })
		if tc.method == http.MethodDelete {
			if _, err := tn.Link(ctx, primary, client.LinkTarget{Provider: "google-oauth2", UserID: google}); err != nil {
				t.Fatal(err)
			}
			_, err := tn.Unlink(hctx, primary, "google-oauth2", google)
			if p, _ := srv.GetUser(primary); err != nil || len(p.Identities) != 1 {
				t.Errorf("unlink: %v; the primary holds %d identities", err, len(p.Identities))
			}
		} else {
			ids, err := tn.Link(hctx, primary, client.LinkTarget{Provider: "google-oauth2", UserID: google})
			if p, _ := srv.GetUser(primary); err != nil || len(ids) != 2 || len(p.Identities) != 2 {
				t.Errorf("link: %v, %d identities answered; the primary holds %d", err, len(ids), len(p.Identities))
			}
		}
		if srv.Stats().Effects[tc.route] != 1 {
			t.Errorf("%s (at once %v): the tenant made it %d times", tc.method, tc.atOnce, srv.Stats().Effects[tc.route])
		}
		if len(back) != 1 || back[0].Time.IsZero() || !strings.HasPrefix(back[0].Err, tc.method+" /api/v2/users/") {
			t.Errorf("%s (at once %v): read back %+v, want one", tc.method, tc.atOnce, back)
			continue
		}
		switch {
		case tc.atOnce && (len(resent) != 0 || back[0].Status != 0 || srv.Stats().Requests[tc.route] != 1):
			t.Errorf("%s at once: sent %d times, heard sent again %+v, read back %+v; want once, found made", tc.method, srv.Stats().Requests[tc.route], resent, back)
		case !tc.atOnce && (len(resent) != 1 || resent[0].Status != 0 || back[0].Status < 400 || back[0].Status >= 500):
			t.Errorf("%s: heard sent again %+v, read back %+v; want the lost try, then the refused one found made", tc.method, resent, back)
		}
	}
}

// A client pins the first run of a sandbox tenant it hears from: once an
// answer names another run at its address (`linkdesk emulator` started
// again there), it sends no write, whatever the method, and says why. Its
// session was named by the first run, and a write sent to the next one
// would be that tenant's under the other's name.
func TestAWriteToAnotherRunAtTheAddressIsRefusedUnsent(t *testing.T) {
	ctx := context.Background()
	const secret = "a-secret-of-both-runs-0123456789-0123456789-0123456789-0123456789"
	start := func(addr string) (*emulator.Server, string) {
		t.Helper()
		srv, err := emulator.New(emulator.Options{Tenant: smallTenant(t), Rate: -1, ClientSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		base, err := srv.Start(addr)
		if err != nil {
			t.Fatal(err)
		}
		return srv, base
	}
	first, base := start("127.0.0.1:0")
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: first.ClientID(), ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	const id = "github|5832311"
	if _, err := tn.User(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.SetBlocked(ctx, id, true); err != nil {
		t.Fatalf("a write to the run first heard from: %v", err)
	}
	was := first.Run()
	first.Close()

	second, _ := start(strings.TrimPrefix(base, "http://"))
	defer second.Close()
	if second.Run() == was {
		t.Skipf("both runs drew %s", was)
	}
	_, _ = tn.User(ctx, id) // the read before every write: its answer names the new run
	if run := tn.SandboxRun(); run != second.Run() {
		t.Fatalf("SandboxRun %q after the read, want the new run %q", run, second.Run())
	}
	checks := map[string]error{}
	_, checks["block"] = tn.SetBlocked(ctx, id, false)
	checks["delete"] = tn.DeleteUser(ctx, id)
	_, checks["link"] = tn.Link(ctx, "auth0|63ea1f0b2c8d4e5f60718293", client.LinkTarget{Provider: "google-oauth2", UserID: "108812345678901234567"})
	_, checks["ticket"] = tn.PasswordChangeTicket(ctx, id, client.TicketOptions{})
	checks["assign roles"] = tn.AssignRoles(ctx, id, []string{"rol_1"})
	_, checks["unlink"] = tn.Unlink(ctx, "auth0|60d5ec49f1a2b3c4d5e6f708", "google-oauth2", "101202303404505606707")
	want := "the sandbox tenant at " + strings.TrimPrefix(base, "http://") + " is another run now (was " + was + ", is " + second.Run() + ")"
	for name, err := range checks {
		if !errors.Is(err, client.ErrSandboxRunChanged) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "start linkdesk again") {
			t.Errorf("%s on the new run: %v, want %q and that linkdesk must be started again", name, err, want)
		}
	}
	st := second.Stats()
	if st.Writes != 0 {
		t.Errorf("%d write requests reached the new run: %v", st.Writes, st.Requests)
	}
	if u, ok := second.GetUser(id); !ok || u.Blocked.Bool() {
		t.Errorf("the new run's %s: %+v", id, u)
	}
}
