package linking

import (
	"fmt"
	"strings"
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

// NamedBy names the several profiles of one email of a legacy database by
// the usernames that tell them apart, else by user id (no username, or one
// another profile holds in another case), and every other account by its
// primary identifier, in a small group and in one of thousands alike; where
// it names a profile by username, UsernameTellsApart agrees.
func TestNamedByTellsLegacyProfilesApartByUsernameElseUserID(t *testing.T) {
	for _, size := range []int{6, 3000} {
		g := &Group{Email: "x@y.com"}
		add := func(id, conn, username string) {
			g.Accounts = append(g.Accounts, &Account{UserID: id, Connection: conn, Email: "x@y.com", Username: username,
				Identifier: PrimaryIdentifier{Type: IdentifierEmail, Value: "x@y.com"}})
		}
		add("github|1", "github", "")
		add("auth0|carol1", "Legacy-DB", "Carol")
		add("auth0|carol2", "Legacy-DB", "carol")
		add("auth0|nouser", "Legacy-DB", "")
		for i := 4; i < size; i++ {
			add(fmt.Sprintf("auth0|p%d", i), "Legacy-DB", fmt.Sprintf("member%d", i))
		}
		names := NamedBy(g)
		want := map[string]PrimaryIdentifier{
			"github|1":     {IdentifierEmail, "x@y.com"},
			"auth0|carol1": {IdentifierUserID, "auth0|carol1"},
			"auth0|carol2": {IdentifierUserID, "auth0|carol2"},
			"auth0|nouser": {IdentifierUserID, "auth0|nouser"},
			"auth0|p5":     {IdentifierUsername, "member5"},
		}
		for i, a := range g.Accounts {
			if w, ok := want[a.UserID]; ok && names[i] != w {
				t.Errorf("%d accounts: %s is named %v, want %v", size, a.UserID, names[i], w)
			}
			if size < 100 {
				if u, ok := UsernameTellsApart(g, a); ok != (names[i].Type == IdentifierUsername) || ok && u != names[i] {
					t.Errorf("%s: NamedBy %v, UsernameTellsApart %v %v", a.UserID, names[i], u, ok)
				}
			}
		}
	}
	// A group whose accounts each have their own identifier: nil, their identifiers.
	own := &Group{Accounts: []*Account{
		{UserID: "auth0|a", Connection: "Username-Password-Authentication", Identifier: PrimaryIdentifier{IdentifierEmail, "a@x.com"}},
		{UserID: "google-oauth2|1", Connection: "google-oauth2", Identifier: PrimaryIdentifier{IdentifierEmail, "A@x.com"}},
	}}
	if names := NamedBy(own); names != nil {
		t.Errorf("accounts on their own connections: %v", names)
	}
}

// NamedBy of a legacy database's placeholder email held by many profiles.
func BenchmarkNamedByOfManyProfilesOfOneEmail(b *testing.B) {
	g := &Group{Email: "noreply@legacy.example"}
	for i := range 100_000 {
		g.Accounts = append(g.Accounts, &Account{UserID: fmt.Sprintf("auth0|%d", i), Connection: "Legacy-DB", Email: g.Email,
			Username: fmt.Sprintf("member%d", i), Identifier: PrimaryIdentifier{Type: IdentifierEmail, Value: g.Email}})
	}
	b.ReportAllocs()
	for b.Loop() {
		NamedBy(g)
	}
}

// foldKey gives two strings one key exactly when strings.EqualFold holds.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	for _, pair := range [][2]string{
		{"Carol", "carol"}, {"\u212Aelvin", "kelvin"}, {"ſam", "Sam"}, {"Σίσυφος", "ΣΊΣΥΦΟΣ"}, {"ς", "σ"},
		{"İ", "i"}, {"ß", "SS"}, {"member5", "member6"}, {"", ""},
	} {
		if same := foldKey(pair[0]) == foldKey(pair[1]); same != strings.EqualFold(pair[0], pair[1]) {
			t.Errorf("%q and %q: one key %v, EqualFold %v", pair[0], pair[1], same, !same)
		}
	}
}

// One legacy profile linked into an account elsewhere, the profile left on
// the database is still one of the profiles of that email: named by its
// username, by NamedBy and UsernameTellsApart alike (tester: it went back
// to the shared email once the other was linked away).
func TestALegacyProfileIsNamedByUsernameWhenTheOtherIsLinkedAway(t *testing.T) {
	g := &Group{Email: "x@y.com", Accounts: []*Account{
		{UserID: "auth0|cjones", Connection: "legacy", Email: "x@y.com", Username: "cjones", Identifier: PrimaryIdentifier{IdentifierEmail, "x@y.com"}},
		{UserID: "auth0|db", Connection: "Username-Password-Authentication", Email: "x@y.com", Identifier: PrimaryIdentifier{IdentifierEmail, "x@y.com"},
			Linked: []Identity{{Connection: "legacy", Provider: "auth0", UserID: "carolj", Email: "x@y.com", Username: "carolj"}}},
	}}
	names := NamedBy(g)
	if names == nil || names[0] != (PrimaryIdentifier{IdentifierUsername, "cjones"}) || names[1] != (PrimaryIdentifier{IdentifierEmail, "x@y.com"}) {
		t.Errorf("NamedBy: %v", names)
	}
	if u, ok := UsernameTellsApart(g, g.Accounts[0]); !ok || u.Value != "cjones" {
		t.Errorf("UsernameTellsApart: %v %v", u, ok)
	}
}
