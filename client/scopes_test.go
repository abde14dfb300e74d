package client_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// Every write linkdesk makes needs, by its table, the scopes the sandbox's
// route table declares for it: the two cannot drift apart unseen.
func TestWriteScopesAreTheSandboxRoutesScopes(t *testing.T) {
	_, srv := connect(t, emulator.Options{})
	for _, route := range client.WriteRoutes() {
		want := srv.RouteScopes(route)
		if want == nil {
			t.Errorf("%s: the sandbox serves no such route", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		if got := client.WriteScopes(method, path, nil); !slices.Equal(got, want) {
			t.Errorf("%s needs %v by the client's table, %v by the sandbox's", route, got, want)
		}
	}
	if got := client.WriteScopes("DELETE", "/api/v2/users/auth0%7C1/identities/google-oauth2/1", nil); !slices.Equal(got, []string{"update:users"}) {
		t.Errorf("an unlink as sent needs %v", got)
	}
	if got := client.WriteScopes("GET", "/api/v2/users/auth0%7C1", nil); got != nil {
		t.Errorf("a read needs write scopes %v", got)
	}
}

// update:users_app_metadata reaches app_metadata only: a PATCH of a user
// that writes anything else needs update:users, by the client's rule as by
// the sandbox, which refuses it under the narrower scope alone.
func TestAPatchWritingMoreThanAppMetadataNeedsUpdateUsers(t *testing.T) {
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: smallTenant(t), Rate: -1,
		ExtraClients: []emulator.Client{{ID: "app-metadata", Secret: "app-metadata-secret", Scopes: []string{"read:users", "update:users_app_metadata"}}}})
	narrow := emulatortest.Token(t, base, "app-metadata", "app-metadata-secret", "")
	path := "/api/v2/users/auth0%7C63ea1f0b2c8d4e5f60718293"
	for _, tc := range []struct {
		body string
		need []string
	}{
		{`{"app_metadata":{"plan":"enterprise"}}`, []string{"update:users", "update:users_app_metadata"}},
		{`{"user_metadata":{"theme":"light"}}`, []string{"update:users"}},
		{`{"app_metadata":{"plan":"team"},"user_metadata":{"theme":"light"}}`, []string{"update:users"}},
		{`{"blocked":true}`, []string{"update:users"}},
		{`{"email":"alice@example.com"}`, []string{"update:users"}},
	} {
		need := client.WriteScopes("PATCH", path, []byte(tc.body))
		if !slices.Equal(need, tc.need) {
			t.Errorf("PATCH %s needs %v, want %v", tc.body, need, tc.need)
		}
		status := http.StatusForbidden
		if slices.Contains(need, "update:users_app_metadata") {
			status = http.StatusOK
		}
		emulatortest.Call(t, base, narrow, "PATCH", path, tc.body, status, nil)
	}
	u, _ := srv.GetUser("auth0|63ea1f0b2c8d4e5f60718293")
	if !strings.Contains(string(u.AppMetadata), `"plan":"enterprise"`) || strings.Contains(string(u.UserMetadata), "light") || u.Blocked.Bool() || u.Email == "alice@example.com" {
		t.Errorf("after the PATCHes under update:users_app_metadata: app_metadata %s, user_metadata %s, blocked %v, email %s",
			u.AppMetadata, u.UserMetadata, u.Blocked.Bool(), u.Email)
	}
}

// The scopes granted are the access token's own, known once a call has
// carried it: the sandbox's token holds the scopes it was granted.
func TestGrantedScopesAreTheTokensOnceACallCarriedIt(t *testing.T) {
	tn, _ := connect(t, emulator.Options{Scopes: []string{"read:users", "read:connections"}})
	if _, known := tn.GrantedScopes(); known {
		t.Fatal("scopes known before any call")
	}
	if _, err := tn.Connections(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, known := tn.GrantedScopes()
	if !known || !slices.Equal(got, []string{"read:users", "read:connections"}) {
		t.Fatalf("granted %v (known %v), want the token's read:users read:connections", got, known)
	}
}
