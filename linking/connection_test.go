package linking

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

func TestConnectionFromClient(t *testing.T) {
	got := map[string]Connection{}
	for _, cc := range emulatortest.Connections(t, emulatortest.Fixture(t, emulatortest.Tenant)) {
		c := ConnectionFromClient(cc)
		got[c.Name] = c
	}
	want := map[string]Connection{
		"Username-Password-Authentication": {ID: "con_upa", Name: "Username-Password-Authentication", Strategy: "auth0", Provider: "auth0",
			IsDatabase: true, Identifiers: []string{"email"}},
		"google-oauth2": {ID: "con_google", Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2",
			IsSocial: true, Identifiers: []string{"email"}},
		"Family-DB": {ID: "con_family", Name: "Family-DB", Strategy: "auth0", Provider: "auth0", IsDatabase: true,
			NonUniqueEmail: true, Identifiers: []string{"username"}},
		"Shops-DB": {ID: "con_shops", Name: "Shops-DB", Strategy: "auth0", Provider: "auth0", IsDatabase: true,
			NonUniqueEmail: true, Identifiers: []string{"phone_number"}},
		"Legacy-DB": {ID: "con_legacy", Name: "Legacy-DB", Strategy: "auth0", Provider: "auth0", IsDatabase: true,
			Identifiers: []string{"email", "username"}, RequiresUsername: true, LegacyCustomDB: true},
		"Flex-DB": {ID: "con_flex", Name: "Flex-DB", Strategy: "auth0", Provider: "auth0", IsDatabase: true,
			Identifiers: []string{"username", "email"}},
		"sms":       {ID: "con_sms", Name: "sms", Strategy: "sms", Provider: "sms", Identifiers: []string{"phone_number"}},
		"Acme-SAML": {ID: "con_saml", Name: "Acme-SAML", Strategy: "samlp", Provider: "samlp", Identifiers: []string{"email"}},
	}
	for name, w := range want {
		if !reflect.DeepEqual(got[name], w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got[name], w)
		}
	}
}

func TestConnectionFromClientEdges(t *testing.T) {
	// A custom database in import mode enforces unique emails like any other.
	hand := client.Connection{Name: "hand", Strategy: "auth0", Options: client.ConnectionOptions{CustomDatabase: true, ImportMode: true}}
	if c := ConnectionFromClient(hand); c.LegacyCustomDB || !c.IsDatabase || c.Identifiers[0] != "email" {
		t.Errorf("custom database in import mode: %+v", c)
	}
	// Flexible identifiers where nothing is active fall back to email.
	var dc client.Connection
	raw := `{"name":"none","strategy":"auth0","options":{"attributes":{"email":{"unique":true},"username":{}}}}`
	if err := json.Unmarshal([]byte(raw), &dc); err != nil {
		t.Fatal(err)
	}
	if c := ConnectionFromClient(dc); c.NonUniqueEmail || !reflect.DeepEqual(c.Identifiers, []string{"email"}) {
		t.Errorf("no active identifier: %+v", c)
	}
}

func TestConnectionsLookupAndCheck(t *testing.T) {
	conns := fixtureConnections(t, emulatortest.Fixture(t, emulatortest.Tenant))
	if c, ok := conns.ByID("con_legacy"); !ok || c.Name != "Legacy-DB" {
		t.Errorf("ByID: %+v %v", c, ok)
	}
	if _, ok := conns.ByName("nope"); ok {
		t.Error("ByName found an unknown connection")
	}
	if err := conns.Check("Family-DB"); err != nil {
		t.Error(err)
	}
	err := conns.Check("Famliy-DB")
	if err == nil || !strings.Contains(err.Error(), `unknown connection "Famliy-DB"; known connections: Acme-SAML, Family-DB, Flex-DB, Legacy-DB, Shops-DB, Username-Password-Authentication, github, google-oauth2, sms`) {
		t.Errorf("Check: %v", err)
	}
	// Another case is another name, as Auth0 has it; the error names the one meant.
	if err := conns.Check("family-db"); err == nil || !strings.Contains(err.Error(), `unknown connection "family-db": connection names are case-sensitive; the tenant has "Family-DB"`) {
		t.Errorf("Check in another case: %v", err)
	}
	// A connection only users mention is learned as inferred but is not "known".
	conns.Index([]byte("Deleted-DB"), []byte("auth0"), false)
	if c, ok := conns.ByName("Deleted-DB"); !ok || !c.Inferred || !c.IsDatabase {
		t.Errorf("learned connection: %+v", c)
	}
	if conns.Check("Deleted-DB") == nil {
		t.Error("an inferred connection passes Check on a listed tenant")
	}
	if err := NewConnections().Check("x"); err == nil || !strings.Contains(err.Error(), "the tenant has no connections") {
		t.Errorf("empty: %v", err)
	}
	inf := InferConnections()
	inf.Index([]byte("google-oauth2"), []byte("google-oauth2"), true)
	if !inf.Inferred() || inf.Check("google-oauth2") != nil || !reflect.DeepEqual(inf.Known(), []string{"google-oauth2"}) {
		t.Errorf("inferred mode: %v %v", inf.Known(), inf.Check("google-oauth2"))
	}
	// An export line whose identity lacks isSocial: its social provider
	// still makes it a social account (ranked last for the primary).
	if c := inf.At(inf.Index([]byte("github"), []byte("github"), false)); !c.IsSocial || c.IsDatabase {
		t.Errorf("github identity without isSocial: %+v", c)
	}
}
