package emulator

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Behaviour that go-auth0 v1.45.0's recordings of real Auth0 traffic show
// (test/data/recordings), checked answer by answer.

// keysOf returns the sorted member names of a JSON object.
func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// chuck is the user go-auth0's tests create (givenAUser), as they send it.
func chuck(email, username string) map[string]any {
	return map[string]any{
		"connection": "Username-Password-Authentication", "email": email, "given_name": "Chuck",
		"family_name": "Sanchez", "username": username, "nickname": "Chucky", "password": "Passwords hide their chuck",
		"user_metadata": map[string]any{"favourite_attack": "roundhouse_kick"}, "verify_email": false,
		"app_metadata": map[string]any{"facts": []string{"count_to_infinity_twice"}},
		"picture":      "https://example-picture-url.jpg", "blocked": false, "email_verified": true,
	}
}

func TestCreatedUserAnswersAsRecorded(t *testing.T) {
	c := startTest(t, Options{})
	r := c.call("POST", "/api/v2/users", chuck("chuck249@example.com", "test-user734"), 201, nil)
	// The recorded answer's keys exactly: no logins_count before a first
	// login, blocked echoed because it was sent.
	want := []string{"app_metadata", "blocked", "created_at", "email", "email_verified", "family_name", "given_name",
		"identities", "name", "nickname", "picture", "updated_at", "user_id", "user_metadata", "username"}
	if got := keysOf(t, r.body); !slices.Equal(got, want) {
		t.Errorf("POST /users answers the keys\n%v\nrecorded\n%v", got, want)
	}
	var u struct {
		UserID  string `json:"user_id"`
		Blocked *bool  `json:"blocked"`
	}
	json.Unmarshal(r.body, &u)
	if u.Blocked == nil || *u.Blocked {
		t.Errorf("blocked: %v, want false as sent", u.Blocked)
	}
	path := "/api/v2/users/" + url.PathEscape(u.UserID)
	if got := keysOf(t, c.call("GET", path, nil, 200, nil).body); !slices.Equal(got, want) {
		t.Errorf("GET answers %v", got)
	}

	// Sent without blocked or picture: no blocked, Auth0's default picture.
	var plain struct {
		Picture string `json:"picture"`
		Blocked *bool  `json:"blocked"`
		Logins  *int   `json:"logins_count"`
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication",
		"email": "Auzironian@Example.com", "password": "Passwords hide"}, 201, &plain)
	sum := md5.Sum([]byte("auzironian@example.com"))
	wantPic := "https://s.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fau.png"
	if plain.Picture != wantPic || plain.Blocked != nil || plain.Logins != nil {
		t.Errorf("picture %q (want %q), blocked %v, logins_count %v", plain.Picture, wantPic, plain.Blocked, plain.Logins)
	}

	// A password change answers last_password_reset; the merge keeps the
	// other app_metadata keys (go-auth0's TestUserManager_Update).
	var patched struct {
		LastPasswordReset string         `json:"last_password_reset"`
		AppMetadata       map[string]any `json:"app_metadata"`
	}
	r = c.call("PATCH", path, map[string]any{"connection": "Username-Password-Authentication", "password": "I don't need one",
		"app_metadata": map[string]any{"foo": "bar"}}, 200, &patched)
	if reset, err := time.Parse(time.RFC3339, patched.LastPasswordReset); err != nil || time.Since(reset) > time.Minute {
		t.Errorf("last_password_reset %q", patched.LastPasswordReset)
	}
	if len(patched.AppMetadata) != 2 || patched.AppMetadata["foo"] != "bar" {
		t.Errorf("app_metadata %v", patched.AppMetadata)
	}
	if got := keysOf(t, r.body); !slices.Contains(got, "last_password_reset") || slices.Contains(got, "logins_count") {
		t.Errorf("PATCH answers %v", got)
	}
	// app_metadata {} wipes it, and the answer has no app_metadata at all.
	r = c.call("PATCH", path, map[string]any{"app_metadata": map[string]any{}}, 200, nil)
	if slices.Contains(keysOf(t, r.body), "app_metadata") {
		t.Errorf("PATCH app_metadata {} answers %s", r.body)
	}
	if slices.Contains(keysOf(t, c.call("GET", path, nil, 200, nil).body), "app_metadata") {
		t.Error("GET after the wipe still has app_metadata")
	}
}

func TestLinkAndUnlinkAnswerAsRecorded(t *testing.T) {
	c := startTest(t, Options{})
	var main, sec struct {
		UserID string `json:"user_id"`
	}
	c.call("POST", "/api/v2/users", chuck("chuck249@example.com", "test-user734"), 201, &main)
	c.call("POST", "/api/v2/users", chuck("chuck203@example.com", "test-user840"), 201, &sec)
	// go-auth0's TestUserManager_Link sends the secondary's full user_id,
	// provider prefix included.
	var ids []struct {
		UserID      string          `json:"user_id"`
		ProfileData json.RawMessage `json:"profileData"`
	}
	r := c.call("POST", "/api/v2/users/"+url.PathEscape(main.UserID)+"/identities",
		map[string]any{"provider": "auth0", "user_id": sec.UserID, "connection_id": "con_db"}, 201, &ids)
	if len(ids) != 2 || "auth0|"+ids[0].UserID != main.UserID || "auth0|"+ids[1].UserID != sec.UserID {
		t.Fatalf("link answer %s", r.body)
	}
	// Every entry carries profileData, the primary's own too, with the
	// recorded keys.
	wantKeys := []string{"email", "email_verified", "family_name", "given_name", "nickname", "picture", "username"}
	for i, id := range ids {
		if got := keysOf(t, id.ProfileData); !slices.Equal(got, wantKeys) {
			t.Errorf("identities[%d].profileData has %v, recorded %v", i, got, wantKeys)
		}
	}
	wantError(t, c.do("GET", "/api/v2/users/"+url.PathEscape(sec.UserID), nil), 404, "inexistent_user")

	r = c.call("DELETE", "/api/v2/users/"+url.PathEscape(main.UserID)+"/identities/auth0/"+ids[1].UserID, nil, 200, &ids)
	if len(ids) != 1 || keysOf(t, ids[0].ProfileData) == nil {
		t.Fatalf("unlink answer %s", r.body)
	}
	// The secondary is back, its profile whole (the default name included).
	var back struct {
		Name, Email, Username string
	}
	c.call("GET", "/api/v2/users/"+url.PathEscape(sec.UserID), nil, 200, &back)
	if back.Name != "chuck203@example.com" || back.Email != "chuck203@example.com" || back.Username != "test-user840" {
		t.Errorf("restored %+v", back)
	}
	// GET keeps the primary's own identity without profileData.
	var got struct {
		Identities []struct {
			ProfileData json.RawMessage `json:"profileData"`
		} `json:"identities"`
	}
	c.call("GET", "/api/v2/users/"+url.PathEscape(main.UserID), nil, 200, &got)
	if len(got.Identities) != 1 || got.Identities[0].ProfileData != nil {
		t.Errorf("GET primary identities %+v", got.Identities)
	}
}

func TestConnectionsAnswerAsRecorded(t *testing.T) {
	// A connection as GET /api/v2/connections/{id} recorded it, with the
	// members Auth0 answers when they are set.
	const fixture = `{"connections": [
	{"id":"con_0AjkvDzYmclvswGe","options":{"mfa":{"active":true}},"strategy":"auth0","name":"Test-Auth0-Connection",
	 "is_domain_connection":false,"authentication":{"active":true},"connected_accounts":{"active":true},"enabled_clients":[],"realms":["Test-Auth0-Connection"]},
	{"id":"con_6kN5g5HffFdsMMX7","options":{"ips":null},"strategy":"ad","name":"Test-AD-Connection",
	 "provisioning_ticket_url":"https://example.auth0.com/p/ad/7ULVdMeQ","is_domain_connection":false,"show_as_button":false,
	 "enabled_clients":[],"realms":["Test-AD-Connection"],"metadata":{"team":"it"}},
	{"id":"con_g","name":"google-oauth2","strategy":"google-oauth2","options":{}}
	], "users": []}`
	tenant, err := ReadFixture(strings.NewReader(fixture))
	if err != nil {
		t.Fatal(err)
	}
	c := startTest(t, Options{Tenant: tenant})
	for id, want := range map[string][]string{
		"con_0AjkvDzYmclvswGe": {"authentication", "connected_accounts", "enabled_clients", "id", "is_domain_connection", "name", "options", "realms", "strategy"},
		"con_6kN5g5HffFdsMMX7": {"enabled_clients", "id", "is_domain_connection", "metadata", "name", "options", "provisioning_ticket_url", "realms", "show_as_button", "strategy"},
	} {
		if got := keysOf(t, c.call("GET", "/api/v2/connections/"+id, nil, 200, nil).body); !slices.Equal(got, want) {
			t.Errorf("%s answers %v, want %v", id, got, want)
		}
	}
	// fields= always brings id and is_domain_connection (recorded:
	// fields=id&include_fields=true).
	var list struct {
		Total       int               `json:"total"`
		Connections []json.RawMessage `json:"connections"`
	}
	c.call("GET", "/api/v2/connections?fields=id&include_fields=true&include_totals=true&per_page=50", nil, 200, &list)
	if list.Total != 3 || len(list.Connections) != 3 {
		t.Fatalf("list %+v", list)
	}
	for _, raw := range list.Connections {
		if got := keysOf(t, raw); !slices.Equal(got, []string{"id", "is_domain_connection"}) {
			t.Errorf("fields=id answers %s", raw)
		}
	}
	if got := keysOf(t, c.call("GET", "/api/v2/connections/con_g?fields=name", nil, 200, nil).body); !slices.Equal(got, []string{"id", "is_domain_connection", "name"}) {
		t.Errorf("fields=name answers %v", got)
	}
	// Both ways of sending a list filter, and a mix of them.
	for _, q := range []string{"strategy=ad&strategy=google-oauth2", "strategy[0]=ad&strategy[1]=google-oauth2",
		"strategy%5B1%5D=google-oauth2&strategy%5B0%5D=ad", "strategy=ad&strategy[0]=google-oauth2"} {
		var got []struct {
			ID string `json:"id"`
		}
		c.call("GET", "/api/v2/connections?"+q, nil, 200, &got)
		if len(got) != 2 || got[0].ID != "con_6kN5g5HffFdsMMX7" || got[1].ID != "con_g" {
			t.Errorf("%s: %+v", q, got)
		}
	}
	// The fixture round-trips with its members.
	var out strings.Builder
	if err := WriteFixture(&out, tenant); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFixture(strings.NewReader(out.String()))
	if err != nil || !reflect.DeepEqual(back.Connections, tenant.Connections) {
		t.Errorf("fixture round trip: %v\n%s", err, out.String())
	}
}

func TestJobIDsAndTicketsLookAsRecorded(t *testing.T) {
	c := startTest(t, Options{})
	var job struct {
		ID string `json:"id"`
	}
	c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json"}, 200, &job)
	if !regexp.MustCompile(`^job_[A-Za-z0-9]{16}$`).MatchString(job.ID) {
		t.Errorf("job id %q, recorded job_iSjvljNtsTMmSpRW", job.ID)
	}
	var tk struct {
		Ticket string `json:"ticket"`
	}
	c.call("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "auth0|alice1", "ttl_sec": 3600}, 201, &tk)
	// Recorded at https://TENANT; the sandbox's at the scheme and host it
	// serves, plain http here.
	if !regexp.MustCompile(`^`+regexp.QuoteMeta(c.base)+`/u/reset-password\?ticket=[A-Za-z0-9]{32}#$`).MatchString(tk.Ticket) || !strings.HasPrefix(c.base, "http://127.0.0.1:") {
		t.Errorf("ticket %q at %s, recorded https://TENANT/u/reset-password?ticket=vCXrmOFD88EqTjKpvxBEwG7KmlQ0QFmS#", tk.Ticket, c.base)
	}
}

// recordedInteraction is the first interaction of a cassette with method
// and status.
func recordedInteraction(t *testing.T, cassette, method string, status int) *vcrInteraction {
	t.Helper()
	its, err := readCassette(filepath.Join(recordingsDir(t), cassette))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		if it.method == method && it.status == status {
			return it
		}
	}
	t.Fatalf("%s has no %s answered %d", cassette, method, status)
	return nil
}

// TestNotFoundAnswersAsRecorded: Auth0 answers some 404s without an
// errorCode. The sandbox's answers for a missing organization, a missing
// role and a route it does not serve are the recorded bodies exactly, and
// every 204 has the recorded Content-Type.
func TestNotFoundAnswersAsRecorded(t *testing.T) {
	c := startTest(t, Options{})
	decode := func(what string, body []byte) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v: %s", what, err, body)
		}
		return m
	}
	same := func(cassette string, rec *vcrInteraction, r response) {
		t.Helper()
		if want, got := decode(cassette, []byte(rec.respBody)), decode("sandbox", r.body); r.status != rec.status || !reflect.DeepEqual(got, want) {
			t.Errorf("answered %d %s\n%s recorded %d %s", r.status, r.body, cassette, rec.status, rec.respBody)
		}
	}
	// GET /api/v2/organizations/{id} after the organization's deletion.
	org := recordedInteraction(t, "TestOrganizationManager_Delete.yaml", "GET", 404)
	for _, m := range []string{"POST", "DELETE"} {
		same("TestOrganizationManager_Delete.yaml", org,
			c.do(m, "/api/v2/organizations/org_Xv5L7r2fE2PVMuW9/members", map[string]any{"members": []string{"auth0|bob1"}}))
	}
	// GET /api/v2/roles/{id} after the role's deletion.
	role := recordedInteraction(t, "TestRoleManager_Delete.yaml", "GET", 404)
	for _, m := range []string{"POST", "DELETE"} {
		same("TestRoleManager_Delete.yaml", role,
			c.do(m, "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{"rol_Gy427JeNTubJSX6a"}}))
	}
	// Routes the sandbox does not serve answer Auth0's plain Not Found, as
	// these two recorded ones (an IP that is not blocked, a connection
	// without a SCIM configuration).
	for _, cassette := range []string{"TestAnomaly/CheckIP.yaml", "TestConnectionManager_DeleteSCIMConfiguration.yaml"} {
		rec := recordedInteraction(t, cassette, "GET", 404)
		u, err := url.Parse(rec.url)
		if err != nil {
			t.Fatal(err)
		}
		same(cassette, rec, c.do("GET", u.RequestURI(), nil))
	}

	// 204 answers carry Auth0's JSON content type (recorded on every one).
	ct := recordedInteraction(t, "TestUserManager_Roles.yaml", "POST", 204).respContentType
	for _, id := range []string{"auth0%7Cbob1", "auth0%7Cnobody"} {
		if r := c.call("DELETE", "/api/v2/users/"+id, nil, 204, nil); r.header.Get("Content-Type") != ct || len(r.body) != 0 {
			t.Errorf("204 with Content-Type %q and body %q, recorded %q and none", r.header.Get("Content-Type"), r.body, ct)
		}
	}
}
