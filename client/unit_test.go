package client

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
)

func TestParseDomain(t *testing.T) {
	for _, tc := range []struct {
		in, scheme, host, err string
	}{
		{in: "acme.eu.auth0.com", scheme: "https", host: "acme.eu.auth0.com"},
		{in: "https://acme.eu.auth0.com/", scheme: "https", host: "acme.eu.auth0.com"},
		{in: "http://127.0.0.1:4780", scheme: "http", host: "127.0.0.1:4780"},
		{in: "HTTP://localhost:1", scheme: "http", host: "localhost:1"},
		// One tenant, one name, however it is typed.
		{in: "ACME.EU.Auth0.com.", scheme: "https", host: "acme.eu.auth0.com"},
		{in: "https://acme.eu.auth0.com:443", scheme: "https", host: "acme.eu.auth0.com"},
		{in: "http://LOCALHOST:80/", scheme: "http", host: "localhost"},
		{in: "http://[::1]:4780", scheme: "http", host: "[::1]:4780"},
		{in: "https://[::1]:443", scheme: "https", host: "[::1]"},
		{in: "https://acme.eu.auth0.com:8443", scheme: "https", host: "acme.eu.auth0.com:8443"},
		{in: "", err: "AUTH0_DOMAIN"},
		{in: "ftp://x", err: "scheme"},
		{in: "acme.auth0.com/api/v2", err: "not a host name"},
	} {
		scheme, host, err := parseDomain(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseDomain(%q) error = %v, want it to mention %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || scheme != tc.scheme || host != tc.host {
			t.Errorf("parseDomain(%q) = %q, %q, %v; want %q, %q", tc.in, scheme, host, err, tc.scheme, tc.host)
		}
	}
}

func TestEscapeLucenePhrase(t *testing.T) {
	got := `email:"` + EscapeLucenePhrase(`a@b.com" OR email:*`) + `"`
	if want := `email:"a@b.com\" OR email:*"`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := EscapeLucenePhrase(`back\slash`); got != `back\\slash` {
		t.Fatalf("backslash: %s", got)
	}
	// Bytes that are not UTF-8 pass as they are: the phrase is the address.
	if got := EscapeLucenePhrase("r\xe9n\xe9\"@x"); got != "r\xe9n\xe9\\\"@x" {
		t.Fatalf("invalid UTF-8: %q", got)
	}
}

func TestParseErrorKeepsErrorCodeAndScope(t *testing.T) {
	e := parseError("GET", "/api/v2/users", 403, []byte(`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}`))
	if e.Code != "insufficient_scope" || e.Scope != "read:users" {
		t.Fatalf("got %+v", e)
	}
	if !strings.Contains(e.Error(), "grant the application the read:users scope") {
		t.Fatalf("message does not say which scope: %s", e)
	}
	nf := parseError("GET", "/api/v2/users/x", 404, []byte(`{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`))
	if !nf.NotFound() || !IsNotFound(nf) || nf.Code != "inexistent_user" {
		t.Fatalf("404 not recognised: %+v", nf)
	}
	junk := parseError("GET", "/x", 502, []byte("<html>bad gateway</html>"))
	if junk.ErrorName != "Bad Gateway" || !strings.Contains(junk.Message, "bad gateway") {
		t.Fatalf("non-JSON error: %+v", junk)
	}
}

func TestUserDecodingIsTolerant(t *testing.T) {
	var u User
	in := `{"user_id":"github|1","email":"A@B.com","email_verified":"true","name":12,"logins_count":"x",
	"identities":[{"connection":"github","provider":"github","user_id":123456789012345678901,"isSocial":true},
	{"connection":"google-oauth2","provider":"google-oauth2","user_id":"1130","profileData":{"email":"a@b.com","email_verified":true,"nickname":1e400}}],
	"user_metadata":{"plan":"pro"},"app_metadata":[1]}`
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if !u.EmailVerified || u.Name != "12" || u.LoginsCount != 0 || u.AppMetadata != nil {
		t.Errorf("loose fields: %+v", u)
	}
	if u.Identities[0].UserID != "123456789012345678901" {
		t.Errorf("numeric identity id lost precision: %s", u.Identities[0].UserID)
	}
	if len(u.Linked()) != 1 || u.Linked()[0].ProfileData["email"] != "a@b.com" {
		t.Errorf("linked identity: %+v", u.Linked())
	}
	if string(u.Raw) != in {
		t.Errorf("Raw is not the object as sent")
	}
}

// rateLimitHeader is the x-ratelimit-* headers of an answer.
func rateLimitHeader(limit, remaining int, reset int64) http.Header {
	h := http.Header{}
	h.Set("X-Ratelimit-Limit", strconv.Itoa(limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset, 10))
	return h
}

func TestPacerWaitsForResetWhenBucketIsEmpty(t *testing.T) {
	p := newPacer()
	now := time.Unix(1_000_000, 0)
	p.now = func() time.Time { return now }
	p.observe(rateLimitHeader(2, 0, 1000060))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.wait(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("wait returned (%v) although the bucket is empty for another minute", err)
	case <-time.After(50 * time.Millisecond):
	}
	if !p.snapshot().Waiting {
		t.Error("snapshot does not show the wait")
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled wait must return the context's error")
	}

	// Once the reset time has passed the bucket is full again.
	now = now.Add(61 * time.Second)
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.snapshot(); s.Remaining != 2 || s.Limit != 2 {
		t.Errorf("after reset: %+v", s)
	}
}

func TestNullIdentityIsSkipped(t *testing.T) {
	var u User
	if err := json.Unmarshal([]byte(`{"user_id":"auth0|1","identities":[null,{"connection":"db","provider":"auth0","user_id":"1"}]}`), &u); err != nil {
		t.Fatal(err)
	}
	if u.Connection() != "db" || len(u.Identities) != 1 {
		t.Fatalf("identities: %+v", u.Identities)
	}
}

func TestConnectionFromManagementEdges(t *testing.T) {
	if c := connectionFromManagement(nil); !reflect.DeepEqual(c, Connection{}) {
		t.Errorf("nil: %+v", c)
	}
	// Options built by hand as a map, not decoded by go-auth0.
	mc := &management.Connection{Name: auth0.String("hand"), Strategy: auth0.String("auth0"), Options: map[string]any{
		"enabledDatabaseCustomization": true, "import_mode": true,
	}}
	if c := connectionFromManagement(mc); !c.Options.CustomDatabase || !c.Options.ImportMode || c.Options.Attributes != nil {
		t.Errorf("custom database in import mode: %+v", c)
	}
	// Flexible identifiers where nothing is active: attributes present, all off, email unique.
	var dc Connection
	raw := `{"name":"none","strategy":"auth0","options":{"attributes":{"email":{"unique":true},"username":{}}}}`
	if err := json.Unmarshal([]byte(raw), &dc); err != nil {
		t.Fatal(err)
	}
	if want := (Connection{Name: "none", Strategy: "auth0", Options: ConnectionOptions{Attributes: &ConnectionAttributes{}}}); !reflect.DeepEqual(dc, want) {
		t.Errorf("no active identifier:\n got %+v\nwant %+v", dc, want)
	}
	// Another strategy's options are not database options, whatever they say.
	var sc Connection
	if err := json.Unmarshal([]byte(`{"name":"sms","strategy":"sms","options":{"requires_username":true}}`), &sc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sc.Options, ConnectionOptions{}) {
		t.Errorf("sms options: %+v", sc.Options)
	}
}
