package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

const smallFixture = "testdata/small.json"

// fixtureWith is a fixture with the connections of small.json and users.
func fixtureWith(users ...string) string {
	return `{"connections": [
		{"name": "Username-Password-Authentication", "strategy": "auth0"},
		{"name": "family-accounts", "strategy": "auth0"},
		{"name": "google-oauth2", "strategy": "google-oauth2"},
		{"name": "acme-corp", "strategy": "samlp"}],
	"users": [` + strings.Join(users, ",") + `]}`
}

const okUser = `{"user_id": "auth0|abc", "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "abc"}]}`

func TestReadFixtureErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"not an object", `[]`, `not a fixture`},
		{"empty", ``, `not a fixture`},
		{"unknown key", `{"user": []}`, `unknown key "user"`},
		// A sandbox's --dump is read as the fixture in its "tenant"; other
		// keys, or a dump's beside a fixture's, are still refused.
		{"unknown key in a dump's tenant", `{"stats": {}, "tenant": {"user": []}}`, `tenant: unknown key "user"`},
		{"a dump in a dump", `{"tenant": {"stats": {}}}`, `tenant: unknown key "stats"`},
		{"a dump's keys after a fixture's", `{"users": [], "stats": {}}`, `"stats": a fixture's keys and a dump's in one object`},
		{"a fixture's keys after a dump's", `{"tenant": {}, "users": []}`, `"users": a fixture's keys and a dump's in one object`},
		{"a dump without its tenant", `{"stats": {}}`, `a sandbox's --dump without "tenant"`},
		{"a dump's tenant not an object", `{"stats": {}, "tenant": []}`, `"tenant" must be an object`},
		{"a dump's tenant cut short", `{"stats": {}, "tenant": {"users": [`, `invalid JSON`},
		{"key twice", `{"users": [], "users": []}`, `"users" appears twice`},
		{"users not an array", `{"users": {}}`, `"users" must be an array`},
		{"syntax error", `{"users": [{"user_id": }]}`, `users[0]: invalid JSON near byte`},
		{"cut short", `{"users": [` + okUser, `invalid JSON`},
		{"trailing data", `{} {}`, `data after the fixture's closing brace`},
		{"user not an object", `{"users": [1]}`, `users[0]: want an object, got number`},
		{"connection not an object", `{"connections": ["x"]}`, `connections[0]: want an object, got string`},
		{"connection name missing", `{"connections": [{"strategy": "auth0"}]}`, `connections[0]: name is missing`},
		{"connection strategy missing", `{"connections": [{"name": "db"}]}`, `connections[0] (db): strategy is missing`},
		{"connection name twice", `{"connections": [{"name": "db", "strategy": "auth0"}, {"name": "db", "strategy": "auth0"}]}`,
			`connections[1] (db): duplicate name, first at connections[0]`},
		{"connection id twice", `{"connections": [{"id": "con_1", "name": "a", "strategy": "auth0"}, {"id": "con_1", "name": "b", "strategy": "auth0"}]}`,
			`connections[1] (b): id "con_1" is also the id of connections[0]`},
		{"connection options mistyped", `{"connections": [{"name": "db", "strategy": "auth0", "options": []}]}`,
			`connections[0] (db): options must be an object, got array`},
		{"connection name mistyped", `{"connections": [{"name": 5, "strategy": "auth0"}]}`, `connections[0]: name must be a string, got number`},
		{"connection realms mistyped", `{"connections": [{"name": "db", "strategy": "auth0", "realms": "db"}]}`, `realms must be an array of strings`},
		{"user_id missing", fixtureWith(`{"email": "a@b.c"}`), `users[0]: user_id is missing`},
		{"user_id mistyped", fixtureWith(`{"user_id": 12}`), `users[0]: user_id must be a string, got number`},
		{"user_id without provider", fixtureWith(`{"user_id": "abc"}`), `users[0] (abc): user_id must look like provider|id`},
		{"user_id twice", fixtureWith(okUser, okUser), `users[1] (auth0|abc): duplicate user_id, first at users[0]`},
		{"unknown connection", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": "foo", "provider": "auth0", "user_id": "abc"}]}`),
			`users[0] (auth0|abc): identities[0].connection "foo" is not a connection of the fixture`},
		{"connection missing", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"provider": "auth0", "user_id": "abc"}]}`),
			`users[0] (auth0|abc): identities[0].connection is missing`},
		{"provider not the strategy", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": "google-oauth2", "provider": "auth0", "user_id": "abc"}]}`),
			`identities[0].provider "auth0" does not match strategy "google-oauth2" of connection "google-oauth2"`},
		{"identity user_id missing", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0"}]}`),
			`users[0] (auth0|abc): identities[0].user_id is missing`},
		{"first identity not the user", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "xyz"}]}`),
			`users[0] (auth0|abc): identities[0] is auth0|xyz; a user's first identity must be the user_id itself`},
		{"linked secondary also a user", fixtureWith(
			`{"user_id": "auth0|abc", "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "abc"},
				{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "123", "isSocial": true}]}`,
			`{"user_id": "google-oauth2|123"}`),
			`users[1] (google-oauth2|123): identities[0] (google-oauth2|123) is also an identity of users[0] (auth0|abc)`},
		{"identities mistyped", fixtureWith(`{"user_id": "auth0|abc", "identities": "auth0"}`), `users[0] (auth0|abc): identities must be an array, got string`},
		{"identity field mistyped", fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": 5}]}`), `users[0] (auth0|abc): identities[0]: json: cannot unmarshal number`},
		{"connection ambiguous", fixtureWith(`{"user_id": "auth0|abc"}`),
			`users[0] (auth0|abc): no identities, and the connection cannot be inferred: 2 connections have strategy "auth0" (Username-Password-Authentication, family-accounts)`},
		{"no connection of the strategy", fixtureWith(`{"user_id": "github|1"}`),
			`users[0] (github|1): no identities, and no connection has strategy "github" to infer one from`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFixture(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadFixtureNamesEveryProblem(t *testing.T) {
	var users []string
	for range 25 {
		users = append(users, `{"email": "x@y.z"}`)
	}
	_, err := ReadFixture(strings.NewReader(fixtureWith(users...)))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"25 problems:", "users[0]: user_id is missing", "users[19]: user_id is missing", "and 5 more"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q missing from:\n%s", want, msg)
		}
	}
}

func TestReadFixtureGivesConnectionIDs(t *testing.T) {
	tn, err := ReadFixture(strings.NewReader(`{"users": null, "connections": [{"name": "db", "strategy": "auth0", "options": null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := tn.Connections[0]
	want := &Connection{ID: ConnectionIDFor("db"), Name: "db", Strategy: "auth0"}
	if !reflect.DeepEqual(c, want) || len(tn.Users) != 0 {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if id := ConnectionIDFor("db"); len(id) != 20 || strings.Trim(id[4:], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
		t.Errorf("ConnectionIDFor = %q", id)
	}
	if ConnectionIDFor("db") == ConnectionIDFor("db2") {
		t.Error("two names, one id")
	}

	// Options keep their numbers as written.
	tn, err = ReadFixture(strings.NewReader(`{"connections": [{"name": "db", "strategy": "auth0", "options": {"big": 12345678901234567890}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tn.Connections[0].Options["big"]; got != json.Number("12345678901234567890") {
		t.Errorf("big = %#v", got)
	}
}

func TestLoadFixtureNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(fixtureWith(`{"user_id": "auth0|abc", "identities": [{"connection": "foo", "provider": "auth0", "user_id": "abc"}]}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFixture(path)
	if err == nil || !strings.HasPrefix(err.Error(), "fixture "+path+": users[0] (auth0|abc)") {
		t.Errorf("error %v", err)
	}
	if _, err := LoadFixture(filepath.Join(t.TempDir(), "missing.json")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

// A fixture path that is a directory (a mistyped path, or one another
// command made) says so, as a file that cannot be read says why, instead of
// "not a fixture"; a read failing midway is not called invalid JSON.
func TestAFixtureThatCannotBeReadSaysWhy(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFixture(dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || strings.Contains(err.Error(), "not a fixture") {
		t.Errorf("a directory: %v", err)
	}
	broken := errors.New("input/output error")
	_, err = ReadFixture(io.MultiReader(strings.NewReader(`{"users": [`+okUser), iotest.ErrReader(broken)))
	if !errors.Is(err, broken) || strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("a read failing midway: %v", err)
	}
	if _, err := ReadFixture(iotest.ErrReader(broken)); !errors.Is(err, broken) {
		t.Errorf("a read failing at once: %v", err)
	}
}

// FuzzReadFixture checks that no input makes ReadFixture panic, and that
// what it accepts survives WriteFixture and ReadFixture unchanged.
func FuzzReadFixture(f *testing.F) {
	small, err := os.ReadFile(smallFixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add([]byte(fixtureWith(okUser)))
	f.Add([]byte(fixtureWith(`{"user_id": "google-oauth2|1", "name": 5, "email_verified": "true", "logins_count": 1e3, "identities": []}`)))
	f.Add([]byte(fixtureWith(`{"user_id": "samlp|acme-corp|x", "identities": [{"connection": "acme-corp", "provider": "samlp", "user_id": "acme-corp|x", "profileData": 7}]}`)))
	f.Add([]byte(`{"connections": [{"name": "gh", "strategy": "github", "options": {"n": 1e400}}], "users": [{"user_id": "github|99999999999999999999999", "created_at": "2020-01-01T00:00:00.123456789+02:00"}]}`))
	f.Add([]byte(`{"users": [null, [], "x", {"user_id": null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tn, err := ReadFixture(bytes.NewReader(data))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := WriteFixture(&first, tn); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := ReadFixture(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := WriteFixture(&second, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("not stable:\n%s\n%s", first.Bytes(), second.Bytes())
		}
	})
}

func TestFixtureRolesAndOrganizations(t *testing.T) {
	const fixture = `{"connections": [{"name": "Username-Password-Authentication", "strategy": "auth0"}],
	"users": [{"user_id": "auth0|abc", "email": "a@b.c", "roles": ["rol_1"], "organizations": ["org_1", "org_2"]}],
	"roles": [{"id": "rol_1", "name": "admin", "description": "Admins"}],
	"organizations": [{"id": "org_1", "name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://x/l.png"}},
		{"id": "org_2", "name": "globex"}]}`
	tn, err := ReadFixture(strings.NewReader(fixture))
	if err != nil {
		t.Fatal(err)
	}
	u := tn.Users[0]
	if !reflect.DeepEqual(u.Roles, []string{"rol_1"}) || !reflect.DeepEqual(u.Organizations, []string{"org_1", "org_2"}) ||
		len(tn.Roles) != 1 || len(tn.Organizations) != 2 || string(tn.Organizations[0].Branding) != `{"logo_url":"https://x/l.png"}` {
		t.Fatalf("read %+v %+v %+v", u, tn.Roles, tn.Organizations)
	}
	if strings.Contains(string(u.AppendJSON(nil)), "rol_1") {
		t.Error("a user's answer carries its roles")
	}
	var out bytes.Buffer
	if err := WriteFixture(&out, tn); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFixture(bytes.NewReader(out.Bytes()))
	if err != nil || !reflect.DeepEqual(back, tn) {
		t.Errorf("round trip: %v\n%s", err, out.Bytes())
	}
	for _, bad := range []string{
		strings.Replace(fixture, `"roles": ["rol_1"]`, `"roles": ["rol_9"]`, 1),
		strings.Replace(fixture, `"org_2"]}]`, `"org_3"]}]`, 1),
		strings.Replace(fixture, `{"id": "org_2", "name": "globex"}`, `{"id": "org_1", "name": "globex"}`, 1),
	} {
		if _, err := ReadFixture(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestADumpLoadsAsAFixture: what a stopped sandbox's --dump wrote starts a
// sandbox again with --fixture (it was refused: unknown key "stats"), with
// the users it ended with, byte for byte, the one it deleted gone.
func TestADumpLoadsAsAFixture(t *testing.T) {
	small, err := LoadFixture(smallFixture)
	if err != nil {
		t.Fatal(err)
	}
	gone, want := small.Users[0].UserID, len(small.Users)-1
	dump := filepath.Join(t.TempDir(), "dump.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Options: Options{Tenant: small, Rate: -1}, Addr: "127.0.0.1:0", Dump: dump}, pw)
		pw.Close()
	}()
	env := map[string]string{}
	for sc := bufio.NewScanner(pr); env["AUTH0_CLIENT_SECRET"] == "" && sc.Scan(); {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	c := &tenantClient{t: t, base: env["AUTH0_DOMAIN"]}
	c.token = c.fetchToken(env["AUTH0_CLIENT_ID"], env["AUTH0_CLIENT_SECRET"], "")
	c.call("DELETE", "/api/v2/users/"+url.PathEscape(gone), nil, 204, nil)
	cancel()
	io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	_, dumped, err := ReadDump(dump)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadFixture(dump)
	if err != nil {
		t.Fatalf("the dump as a fixture: %v", err)
	}
	if len(loaded.Users) != want || len(dumped.Users) != want || len(loaded.Connections) != len(dumped.Connections) {
		t.Fatalf("%d users and %d connections loaded, %d and %d dumped; want %d users", len(loaded.Users), len(loaded.Connections), len(dumped.Users), len(dumped.Connections), want)
	}
	for i, u := range loaded.Users {
		if u.UserID == gone {
			t.Errorf("%s, deleted, is back", gone)
		}
		if got, want := u.AppendJSON(nil), dumped.Users[i].AppendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("user %d loaded\n%s\nwant, as dumped\n%s", i, got, want)
		}
	}
	s, err := New(Options{Tenant: loaded})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.UserCount() != want {
		t.Errorf("a sandbox of the dump serves %d users, want %d", s.UserCount(), want)
	}
}
