package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// GenerateForTest makes a generated tenant of users users with seed; set
// by gen_hook_test.go (package emulator_test), as gen imports emulator.
var GenerateForTest func(users int, seed int64) *Tenant

// TokenForTest is emulatortest.Token, set by gen_hook_test.go as well:
// emulatortest imports emulator.
var TokenForTest func(tb testing.TB, base, clientID, clientSecret, scope string) string

// OpenExportForTest downloads the export file at location with hc, as a
// client does (no bearer token, as from S3): the test fails unless the
// answer is 200 and a gzip stream. The caller closes the body.
func OpenExportForTest(tb testing.TB, hc *http.Client, location string) (*http.Response, *gzip.Reader) {
	tb.Helper()
	resp, err := hc.Get(location)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		tb.Fatalf("download: %s", resp.Status)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		resp.Body.Close()
		tb.Fatal(err)
	}
	return resp, zr
}

// testTenant is a small hand-made tenant: every connection kind the
// emulator reasons about and users that share emails across them.
func testTenant() *Tenant {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	nonUnique := map[string]any{
		"attributes": map[string]any{
			"email":    map[string]any{"unique": false, "identifier": map[string]any{"active": false}, "signup": map[string]any{"status": "required"}},
			"username": map[string]any{"identifier": map[string]any{"active": true}, "signup": map[string]any{"status": "required"}},
		},
		"precedence": []any{"username", "email", "phone_number"},
	}
	conns := []*Connection{
		{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0", Options: map[string]any{"brute_force_protection": true}},
		{ID: "con_family", Name: "family", Strategy: "auth0", Options: nonUnique},
		{ID: "con_legacy", Name: "legacy-db", Strategy: "auth0", Options: map[string]any{"requires_username": true}},
		{ID: "con_google", Name: "google-oauth2", Strategy: "google-oauth2", Options: map[string]any{}},
		{ID: "con_github", Name: "github", Strategy: "github", Options: map[string]any{}},
		{ID: "con_sms", Name: "sms", Strategy: "sms", Options: map[string]any{}},
	}
	id := func(conn, provider, uid string, social bool) []Identity {
		return []Identity{{Connection: conn, Provider: provider, UserID: IdentityID{Value: uid}, IsSocial: social}}
	}
	users := []*User{
		{UserID: "auth0|alice1", Email: "alice@example.com", EmailVerified: FlagTrue, Name: "Alice Liddell", GivenName: "Alice", FamilyName: "Liddell", Nickname: "alice",
			CreatedAt: at("2024-01-10T10:00:00Z"), UpdatedAt: at("2024-01-10T10:00:00Z"), LastLogin: at("2024-06-01T00:00:00Z"), LoginsCount: 12, HasLoginsCount: true,
			Identities:   id("Username-Password-Authentication", "auth0", "alice1", false),
			UserMetadata: json.RawMessage(`{"country":"NZ","theme":"dark"}`), AppMetadata: json.RawMessage(`{"plan":"gold","tags":["a","b"],"n":5}`)},
		{UserID: "google-oauth2|111", Email: "Alice@Example.com", EmailVerified: FlagTrue, Name: "Alice L", Nickname: "alice.l", Picture: "https://p/a.png",
			CreatedAt: at("2024-03-05T08:00:00Z"), UpdatedAt: at("2024-03-05T08:00:00Z"), LoginsCount: 3, HasLoginsCount: true,
			Identities: id("google-oauth2", "google-oauth2", "111", true), UserMetadata: json.RawMessage(`{"lang":"en"}`)},
		{UserID: "github|222", Email: "bob@example.org", EmailVerified: FlagFalse, Name: "Bob Builder", Nickname: "bob",
			CreatedAt: at("2023-11-20T00:00:00Z"), LoginsCount: 1, HasLoginsCount: true, Identities: []Identity{{Connection: "github", Provider: "github", UserID: IdentityID{Value: "222", Numeric: true}, IsSocial: true}}},
		{UserID: "auth0|bob1", Email: "bob@example.org", EmailVerified: FlagTrueString, Name: "bob@example.org", Nickname: "bob",
			CreatedAt: at("2024-02-01T00:00:00Z"), LoginsCount: 0, HasLoginsCount: true, Identities: id("Username-Password-Authentication", "auth0", "bob1", false)},
		{UserID: "auth0|kid1", Email: "parent@family.test", Username: "kid1", EmailVerified: FlagTrue, Name: "Kid One",
			CreatedAt: at("2024-04-01T00:00:00Z"), LoginsCount: 2, HasLoginsCount: true, Identities: id("family", "auth0", "kid1", false)},
		{UserID: "auth0|kid2", Email: "parent@family.test", Username: "kid2", EmailVerified: FlagTrue, Name: "Kid Two",
			CreatedAt: at("2024-04-02T00:00:00Z"), LoginsCount: 5, HasLoginsCount: true, Identities: id("family", "auth0", "kid2", false)},
		{UserID: "sms|333", PhoneNumber: "+15550100", PhoneVerified: FlagTrue, Name: "+15550100",
			CreatedAt: at("2024-05-01T00:00:00Z"), LoginsCount: 7, HasLoginsCount: true, Identities: id("sms", "sms", "333", false)},
		{UserID: "auth0|odd", Email: `odd"one@example.com`, EmailVerified: FlagTrue, Name: "Odd",
			CreatedAt: at("2024-05-02T00:00:00Z"), Identities: id("Username-Password-Authentication", "auth0", "odd", false)},
		// carol has a linked google identity already.
		{UserID: "auth0|carol1", Email: "carol@example.com", EmailVerified: FlagTrue, Name: "Carol",
			CreatedAt: at("2022-01-01T00:00:00Z"), LoginsCount: 40, HasLoginsCount: true, Identities: []Identity{
				{Connection: "Username-Password-Authentication", Provider: "auth0", UserID: IdentityID{Value: "carol1"}},
				{Connection: "google-oauth2", Provider: "google-oauth2", UserID: IdentityID{Value: "444"}, IsSocial: true,
					ProfileData: json.RawMessage(`{"email":"carol@gmail.com","email_verified":true,"name":"Carol G"}`)},
			}},
	}
	return &Tenant{Connections: conns, Users: users}
}

// tenantClient talks plain HTTP to a test server with a token it fetched.
type tenantClient struct {
	t     testing.TB
	s     *Server
	base  string
	token string
}

// startTest serves opts (testTenant when opts.Tenant is nil) and returns a
// client holding a token with the default scopes.
func startTest(t testing.TB, opts Options) *tenantClient {
	t.Helper()
	if opts.Tenant == nil {
		opts.Tenant = testTenant()
	}
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &tenantClient{t: t, s: s, base: base}
	c.token = c.fetchToken(s.ClientID(), s.ClientSecret(), "")
	return c
}

func (c *tenantClient) fetchToken(id, secret, scope string) string {
	c.t.Helper()
	return TokenForTest(c.t, c.base, id, secret, scope)
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return string(r.body) }

// do sends method path with body (a string is sent as is, anything else as
// JSON) and the client's token.
func (c *tenantClient) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, data}
}

// call is do that expects status and decodes the answer into out (if not nil).
func (c *tenantClient) call(method, path string, body any, status int, out any) response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, status)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, r.body)
		}
	}
	return r
}

// wantError checks an answer in Auth0's error shape; errorCode "" wants
// none at all, as Auth0 answers some errors.
func wantError(t testing.TB, r response, status int, errorCode string, message ...string) {
	t.Helper()
	var e struct {
		StatusCode *int    `json:"statusCode"`
		Error      *string `json:"error"`
		Message    *string `json:"message"`
		ErrorCode  *string `json:"errorCode"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.StatusCode == nil || e.Error == nil || e.Message == nil || (e.ErrorCode == nil) != (errorCode == "") {
		t.Fatalf("not an Auth0 error body (%d), or errorCode where none is wanted (%q): %s", r.status, errorCode, r.body)
	}
	if r.status != status || *e.StatusCode != status || e.ErrorCode != nil && *e.ErrorCode != errorCode || *e.Error != http.StatusText(status) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, errorCode)
	}
	for _, m := range message {
		if !strings.Contains(*e.Message, m) {
			t.Errorf("message %q does not say %q", *e.Message, m)
		}
	}
}

// userIDs decodes an array of users (or {users:[…]}) into their ids.
func userIDs(t testing.TB, body []byte) []string {
	t.Helper()
	var list []struct {
		UserID string `json:"user_id"`
	}
	if len(body) > 0 && body[0] == '{' {
		var env struct {
			Users json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		body = env.Users
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	ids := make([]string, len(list))
	for i, u := range list {
		ids[i] = u.UserID
	}
	slices.Sort(ids)
	return ids
}

func searchPath(q string, extra ...string) string {
	v := url.Values{"q": {q}, "search_engine": {"v3"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/v2/users?" + v.Encode()
}
