package gen

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// smallFixture is the hand-written fixture of emulator's tests: it must hold
// every case the generator makes.
const smallFixture = "../testdata/small.json"

func TestFixtureRoundTripOfGeneratedTenant(t *testing.T) {
	orig := Generate(GenOptions{Users: 3000, Seed: 11})
	data := fixtureBytes(t, orig)
	back, err := emulator.ReadFixture(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// JSON carries invalid UTF-8 as U+FFFD: the generated tenant has one such name.
	for _, u := range orig.Users {
		u.Name = asJSONDecodes(u.Name)
	}
	data = fixtureBytes(t, orig)
	if !reflect.DeepEqual(orig, back) {
		for i := range orig.Users {
			if !reflect.DeepEqual(orig.Users[i], back.Users[i]) {
				t.Fatalf("users[%d] changed:\n got %s\nwant %s", i, back.Users[i].AppendJSON(nil), orig.Users[i].AppendJSON(nil))
			}
		}
		t.Fatal("connections changed")
	}
	if again := fixtureBytes(t, back); !bytes.Equal(again, data) {
		t.Error("writing the read fixture gave other bytes")
	}
}

func TestSmallFixture(t *testing.T) {
	tn, err := emulator.LoadFixture(smallFixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Users) < 25 {
		t.Errorf("%d users", len(tn.Users))
	}
	c := takeCensus(tn)
	for _, name := range caseNames {
		if c.cases[name] == 0 {
			t.Errorf("no %s in %s", name, smallFixture)
		}
	}
	for _, m := range hostileMarks {
		if m.name == "invalid-utf8" || m.name == "profile-data-escape" || m.name == "username-escape" {
			continue // JSON delivers U+FFFD; the others are the generator's
		}
		found := false
		for _, u := range tn.Users {
			found = found || m.in(u)
		}
		if !found {
			t.Errorf("no %s in %s", m.name, smallFixture)
		}
	}
	checkInvariants(t, tn)

	byID := map[string]*emulator.User{}
	for _, u := range tn.Users {
		byID[u.UserID] = u
	}
	for _, tc := range []struct {
		user  string
		check func(u *emulator.User) bool
		what  string
	}{
		{"google-oauth2|117777777777777777777", func(u *emulator.User) bool {
			return reflect.DeepEqual(u.Identities, []emulator.Identity{{Connection: "google-oauth2", Provider: "google-oauth2",
				UserID: emulator.IdentityID{Value: "117777777777777777777"}, IsSocial: true}})
		}, "identity inferred from the user_id"},
		{"samlp|acme-corp|pat.kim@acme.com", func(u *emulator.User) bool {
			return u.Connection() == "acme-corp" && u.Identities[0].UserID.Value == "acme-corp|pat.kim@acme.com"
		}, "enterprise identity inferred from the user_id's connection"},
		{"auth0|5e8f9a0b1c2d3e4f50617283", func(u *emulator.User) bool {
			return string(u.Extra["logins_count"]) == `"7"` && u.Extra["custom_source"] != nil
		}, "mistyped and unknown fields kept raw"},
		{"auth0|1000123", func(u *emulator.User) bool { return u.EmailVerified == emulator.FlagTrueString }, `email_verified "true"`},
		{"auth0|65aa11bb22cc33dd44ee5600", func(u *emulator.User) bool { return u.GivenName == "Ren\uFFFD" }, "a Latin-1 byte read as U+FFFD"},
		{"github|9007199254740993", func(u *emulator.User) bool {
			return u.Identities[0].UserID == emulator.IdentityID{Value: "9007199254740993", Numeric: true}
		}, "a numeric identity id above 2^53 kept exactly"},
	} {
		if u := byID[tc.user]; u == nil || !tc.check(u) {
			t.Errorf("%s: want %s", tc.user, tc.what)
		}
	}
	for _, c := range tn.Connections {
		if c.Name == "github" && c.ID != emulator.ConnectionIDFor("github") {
			t.Errorf("github has id %q, want the generated %q", c.ID, emulator.ConnectionIDFor("github"))
		}
	}

	// Reading what emulator.WriteFixture wrote gives the same tenant.
	back, err := emulator.ReadFixture(bytes.NewReader(fixtureBytes(t, tn)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tn, back) {
		t.Error("small.json changed through emulator.WriteFixture and emulator.ReadFixture")
	}
}
