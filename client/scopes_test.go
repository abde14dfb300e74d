package client_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
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
		if got := client.WriteScopes(method, path); !slices.Equal(got, want) {
			t.Errorf("%s needs %v by the client's table, %v by the sandbox's", route, got, want)
		}
	}
	if got := client.WriteScopes("DELETE", "/api/v2/users/auth0%7C1/identities/google-oauth2/1"); !slices.Equal(got, []string{"update:users"}) {
		t.Errorf("an unlink as sent needs %v", got)
	}
	if got := client.WriteScopes("GET", "/api/v2/users/auth0%7C1"); got != nil {
		t.Errorf("a read needs write scopes %v", got)
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
