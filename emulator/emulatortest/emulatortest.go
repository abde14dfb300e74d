// Package emulatortest starts sandbox tenants for tests.
package emulatortest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// Start serves a sandbox tenant with opts on 127.0.0.1 (plain HTTP) until
// the test ends, and returns it with its base URL.
func Start(tb testing.TB, opts emulator.Options) (*emulator.Server, string) {
	tb.Helper()
	s, err := emulator.New(opts)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		s.Close()
		tb.Fatalf("emulator: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, base
}

// Token asks the sandbox at base for an access token of the client id and
// secret, as a Management API client does (client credentials grant; scope
// "" asks for the client's default scopes), for requests a test makes
// without linkdesk's client.
func Token(tb testing.TB, base, clientID, clientSecret, scope string) string {
	tb.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret},
		"audience": {base + "/api/v2/"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		tb.Fatalf("token: %s %v", resp.Status, err)
	}
	return tok.AccessToken
}

// Call sends method path (with body as JSON unless it is "") to the sandbox
// at base with token, as a test does without linkdesk's client; the test
// fails unless the answer has status, and the answer is decoded into out
// (if not nil).
func Call(tb testing.TB, base, token, method, path, body string, status int, out any) {
	tb.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		tb.Fatalf("%s %s: %s, want %d", method, path, resp.Status, status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			tb.Fatalf("%s %s: %v", method, path, err)
		}
	}
}
