package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpointAcceptsEveryWayClientsSendCredentials(t *testing.T) {
	c := startTest(t, Options{ClientSecret: "s3cr/t+=&"})
	id, secret := c.s.ClientID(), c.s.ClientSecret()
	aud := c.base + "/api/v2/"
	form := func(v url.Values) *http.Request {
		r, _ := http.NewRequest("POST", c.base+"/oauth/token", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	basic := form(url.Values{"grant_type": {"client_credentials"}, "audience": {aud}})
	// golang.org/x/oauth2 URL-encodes both before Basic encoding, as RFC 6749 says.
	basic.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	fields := form(url.Values{"grant_type": {"client_credentials"}, "audience": {aud}, "client_id": {id}, "client_secret": {secret}})
	jsonBody := func(aud string) *http.Request {
		body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "audience": aud, "client_id": id, "client_secret": secret})
		r, _ := http.NewRequest("POST", c.base+"/oauth/token", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	// The sandbox is served plain; a client may still name its API https://HOST/api/v2/.
	httpsAud := "https://" + strings.TrimPrefix(c.base, "http://") + "/api/v2/"

	for name, req := range map[string]*http.Request{"basic": basic, "form": fields, "json": jsonBody(aud), "json, https audience": jsonBody(httpsAud)} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
			Scope       string `json:"scope"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" { // recorded: no charset on /oauth/token
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		if resp.StatusCode != 200 || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 86400 ||
			!strings.Contains(tok.Scope, "read:users") || !strings.Contains(tok.Scope, "create:user_tickets") {
			t.Errorf("%s: %d %+v", name, resp.StatusCode, tok)
		}
		c.token = tok.AccessToken
		c.call("GET", "/api/v2/users/auth0%7Calice1", nil, 200, nil)
	}
	if got := c.s.Stats().TokensIssued; got != 5 { // startTest took one
		t.Errorf("TokensIssued = %d", got)
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	c := startTest(t, Options{})
	post := func(v url.Values) response {
		resp, err := http.PostForm(c.base+"/oauth/token", v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r response
		r.status = resp.StatusCode
		json.NewDecoder(resp.Body).Decode(&json.RawMessage{})
		return r
	}
	good := func() url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {c.s.ClientID()},
			"client_secret": {c.s.ClientSecret()}, "audience": {c.base + "/api/v2/"}}
	}
	wrongSecret := good()
	wrongSecret.Set("client_secret", "nope")
	resp, _ := http.PostForm(c.base+"/oauth/token", wrongSecret)
	var e map[string]string
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 401 || e["error"] != "access_denied" || e["error_description"] != "Unauthorized" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("bad secret: %d %v", resp.StatusCode, e)
	}
	unknown := good()
	unknown.Set("client_id", "someone-else")
	otherAudience := good()
	otherAudience.Set("audience", c.base+"/userinfo")
	password := good()
	password.Set("grant_type", "password")
	for name, tc := range map[string]struct {
		v    url.Values
		want int
	}{"unknown client": {unknown, 401}, "audience": {otherAudience, 403}, "grant": {password, 403}} {
		if r := post(tc.v); r.status != tc.want {
			t.Errorf("%s: %d, want %d", name, r.status, tc.want)
		}
	}
}

// A token is for the tenant's own Management API only, as Auth0 issues
// them: another tenant's API, or this one's under another host name, is
// refused at /oauth/token; a token used at another host name than the one
// it was issued for is refused by the API.
func TestTokensAreForTheTenantsOwnAPIOnly(t *testing.T) {
	c := startTest(t, Options{})
	_, port, _ := strings.Cut(strings.TrimPrefix(c.base, "http://"), ":")
	for _, aud := range []string{"https://tenant.example/api/v2/", "http://localhost:" + port + "/api/v2/", c.base + "/api/v2", c.base + "/api/v2/users/"} {
		body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "audience": aud,
			"client_id": c.s.ClientID(), "client_secret": c.s.ClientSecret()})
		resp, err := http.Post(c.base+"/oauth/token", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `{"error":"access_denied","error_description":"Service not enabled within domain: ` + aud + `"}`
		if resp.StatusCode != 403 || string(got) != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("audience %s: %d %s, want 403 %s", aud, resp.StatusCode, got, want)
		}
	}
	if got := c.s.Stats().TokensIssued; got != 1 { // startTest's
		t.Errorf("TokensIssued = %d after the refusals", got)
	}

	// The same tenant addressed as localhost: the token says 127.0.0.1.
	req, _ := http.NewRequest("GET", c.base+"/api/v2/users/auth0%7Calice1", nil)
	req.Host = "localhost:" + port
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, response{status: resp.StatusCode, body: got}, 401, "invalid_token", "Bad audience: "+c.base+"/api/v2/")
	c.call("GET", "/api/v2/users/auth0%7Calice1", nil, 200, nil)
}

func TestBearerTokenAndScopes(t *testing.T) {
	c := startTest(t, Options{ExtraClients: []Client{{ID: "reader", Secret: "r", Scopes: []string{"read:users"}}}})
	path := "/api/v2/users/auth0%7Calice1"
	saved := c.token

	c.token = ""
	wantError(t, c.do("GET", path, nil), 401, "missing_token")
	c.token = "made-up"
	wantError(t, c.do("GET", path, nil), 401, "invalid_token", "Invalid token")

	c.token = c.fetchToken("reader", "r", "")
	c.call("GET", path, nil, 200, nil)
	wantError(t, c.do("PATCH", path, map[string]any{"name": "x"}), 403, "insufficient_scope",
		"Insufficient scope, expected any of: update:users")
	wantError(t, c.do("DELETE", path, nil), 403, "insufficient_scope", "delete:users")
	wantError(t, c.do("GET", "/api/v2/connections", nil), 403, "insufficient_scope", "read:connections")

	// A token asked for with a narrower scope gets only that.
	c.token = c.fetchToken(c.s.ClientID(), c.s.ClientSecret(), "read:connections")
	c.call("GET", "/api/v2/connections", nil, 200, nil)
	wantError(t, c.do("GET", path, nil), 403, "insufficient_scope", "read:users")

	// Tokens expire after TokenTTL.
	c.token = saved
	if n := c.s.Stats().ExpiredTokens; n != 0 {
		t.Errorf("%d expired tokens counted before any expired", n)
	}
	c.s.AdvanceClock(25 * time.Hour)
	wantError(t, c.do("GET", path, nil), 401, "invalid_token", "Expired token received for JSON Web Token validation")
	if n := c.s.Stats().ExpiredTokens; n != 1 {
		t.Errorf("%d expired tokens counted, want 1", n)
	}
	if toks := c.s.IssuedTokens(); !slices.Contains(toks, saved) || !slices.Contains(toks, c.token) {
		t.Errorf("issued tokens %q do not list the tokens fetched", toks)
	}
}

// update:users_app_metadata is enough for PATCH /api/v2/users/{id}, but it
// reaches app_metadata only: a body that writes anything else is refused
// as if the route needed update:users, and changes nothing.
func TestUpdateAppMetadataScopeReachesAppMetadataOnly(t *testing.T) {
	c := startTest(t, Options{ExtraClients: []Client{{ID: "app-metadata", Secret: "a", Scopes: []string{"read:users", "update:users_app_metadata"}}}})
	path := "/api/v2/users/auth0%7Calice1"
	c.token = c.fetchToken("app-metadata", "a", "")
	before := c.call("GET", path, nil, 200, nil).String()
	const refusal = `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: update:users","errorCode":"insufficient_scope"}`
	for _, body := range []map[string]any{
		{"user_metadata": map[string]any{"theme": "light"}},
		{"app_metadata": map[string]any{"plan": "silver"}, "user_metadata": map[string]any{"theme": "light"}},
		{"blocked": true},
		{"email": "alice@elsewhere.example"},
	} {
		if r := c.do("PATCH", path, body); r.status != 403 || r.String() != refusal {
			t.Errorf("PATCH %v under update:users_app_metadata: %d %s, want 403 %s", body, r.status, r, refusal)
		}
	}
	if after := c.call("GET", path, nil, 200, nil).String(); after != before || c.s.Stats().Effects[RoutePatchUser] != 0 {
		t.Errorf("the refused PATCHes changed alice:\n%s\n%s", before, after)
	}
	var u struct {
		AppMetadata  map[string]any `json:"app_metadata"`
		UserMetadata map[string]any `json:"user_metadata"`
	}
	c.call("PATCH", path, map[string]any{"app_metadata": map[string]any{"plan": "silver"}}, 200, &u)
	if u.AppMetadata["plan"] != "silver" || u.UserMetadata["theme"] != "dark" {
		t.Errorf("the app_metadata PATCH gave app_metadata %v, user_metadata %v", u.AppMetadata, u.UserMetadata)
	}
}

func TestUnknownRoutesAnswerAuth0NotFound(t *testing.T) {
	c := startTest(t, Options{})
	for _, p := range []string{"/api/v2/nothing", "/api/v2/users/auth0%7Calice1/permissions", "/elsewhere"} {
		wantError(t, c.do("GET", p, nil), 404, "", "Not Found")
	}
	wantError(t, c.do("PUT", "/api/v2/users/auth0%7Calice1", map[string]any{}), 404, "", "Not Found")
	if n := c.s.Stats().Requests["GET (no route)"]; n != 3 {
		t.Errorf("unrouted GETs counted %d", n)
	}
}
