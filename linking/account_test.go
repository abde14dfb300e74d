package linking

import (
	"testing"

	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

func TestPrimaryIdentifier(t *testing.T) {
	conns := fixtureConnections(t, emulatortest.Fixture(t, emulatortest.Tenant))
	tests := []struct {
		name string
		a    Account
		want PrimaryIdentifier
	}{
		{"ordinary database: email", Account{UserID: "auth0|1", Connection: "Username-Password-Authentication", Email: "a@b.com", Username: "u"},
			PrimaryIdentifier{"email", "a@b.com"}},
		{"ordinary database without email: user id", Account{UserID: "auth0|1", Connection: "Username-Password-Authentication"},
			PrimaryIdentifier{"user_id", "auth0|1"}},
		{"NUE with username", Account{UserID: "auth0|1", Connection: "Family-DB", Email: "a@b.com", Username: "kid1"},
			PrimaryIdentifier{"username", "kid1"}},
		{"NUE with phone", Account{UserID: "auth0|1", Connection: "Shops-DB", Email: "a@b.com", Username: "u", PhoneNumber: "+1555"},
			PrimaryIdentifier{"phone_number", "+1555"}},
		{"NUE never falls back to the shared email", Account{UserID: "auth0|1", Connection: "Family-DB", Email: "a@b.com"},
			PrimaryIdentifier{"user_id", "auth0|1"}},
		{"legacy requires_username with email", Account{UserID: "auth0|1", Connection: "Legacy-DB", Email: "a@b.com", Username: "u"},
			PrimaryIdentifier{"email", "a@b.com"}},
		{"legacy requires_username without email", Account{UserID: "auth0|1", Connection: "Legacy-DB", Username: "legacy1"},
			PrimaryIdentifier{"username", "legacy1"}},
		{"flexible identifiers, email unique", Account{UserID: "auth0|1", Connection: "Flex-DB", Email: "a@b.com", Username: "u"},
			PrimaryIdentifier{"email", "a@b.com"}},
		{"flexible identifiers without email", Account{UserID: "auth0|1", Connection: "Flex-DB", Username: "u"},
			PrimaryIdentifier{"username", "u"}},
		{"sms", Account{UserID: "sms|1", Connection: "sms", Provider: "sms", Email: "a@b.com", PhoneNumber: "+1555"},
			PrimaryIdentifier{"phone_number", "+1555"}},
		{"social", Account{UserID: "google-oauth2|1", Connection: "google-oauth2", Email: "A@B.com"},
			PrimaryIdentifier{"email", "A@B.com"}},
		{"social without email", Account{UserID: "twitter|1", Connection: "twitter", Provider: "twitter", Username: "handle"},
			PrimaryIdentifier{"user_id", "twitter|1"}},
		{"enterprise", Account{UserID: "samlp|x", Connection: "Acme-SAML", Email: "a@corp.com"},
			PrimaryIdentifier{"email", "a@corp.com"}},
		{"unknown sms connection", Account{UserID: "sms|1", Connection: "sms-2", Provider: "sms", PhoneNumber: "+1"},
			PrimaryIdentifier{"phone_number", "+1"}},
	}
	for _, tt := range tests {
		if got := tt.a.PrimaryIdentifier(conns); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAccountFromUser(t *testing.T) {
	ten := emulatortest.Fixture(t, emulatortest.Tenant)
	conns := fixtureConnections(t, ten)
	byID := map[string]Account{}
	for _, u := range emulatortest.Users(t, ten) {
		byID[u.UserID] = AccountFromUser(u, conns)
	}
	g := byID["google-oauth2|109876543210987654321"]
	if g.Connection != "google-oauth2" || g.Provider != "google-oauth2" || g.Strategy != "google-oauth2" || g.LoginsCount != 5 || g.CreatedAt.Year() != 2023 {
		t.Errorf("google account: %+v", g)
	}
	if m := byID["auth0|mary"]; m.EmailVerified {
		t.Errorf(`"false" read as verified: %+v`, m)
	}
	if l := byID["auth0|leg2"]; !l.EmailVerified {
		t.Errorf(`"TRUE" read as unverified: %+v`, l)
	}
	a := byID["auth0|linked"]
	if len(a.Linked) != 1 || a.Linked[0] != (Identity{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "118000000000000000001", IsSocial: true,
		Email: "Alice.Personal@gmail.com", EmailVerified: true, Name: "Alice"}) {
		t.Errorf("linked: %+v", a.Linked)
	}
}
