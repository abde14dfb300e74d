package emulator

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestGetUserDecodesIDsAndAnswersAuth0NotFound(t *testing.T) {
	c := startTest(t, Options{})
	var u map[string]any
	c.call("GET", "/api/v2/users/auth0%7Calice1", nil, 200, &u)
	if u["user_id"] != "auth0|alice1" || u["email"] != "alice@example.com" {
		t.Errorf("got %v", u)
	}
	// The id unescaped in the path works too, and fields projects.
	u = nil
	c.call("GET", "/api/v2/users/auth0|alice1?fields=email&include_fields=true", nil, 200, &u)
	if len(u) != 1 || u["email"] != "alice@example.com" {
		t.Errorf("projected: %v", u)
	}
	// Shapes a tenant holds come back as they are stored.
	var raw map[string]json.RawMessage
	c.call("GET", "/api/v2/users/auth0%7Cbob1", nil, 200, &raw)
	if string(raw["email_verified"]) != `"true"` {
		t.Errorf("email_verified = %s", raw["email_verified"])
	}
	r := c.call("GET", "/api/v2/users/github%7C222", nil, 200, nil)
	if !regexp.MustCompile(`"user_id":222\b`).Match(r.body) {
		t.Errorf("numeric identity id not kept: %s", r.body)
	}
	wantError(t, c.do("GET", "/api/v2/users/auth0%7Cnobody", nil), 404, "inexistent_user", "The user does not exist.")
}

func TestUsersByEmailIsExactAndReturnsEveryAccount(t *testing.T) {
	c := startTest(t, Options{})
	get := func(email string) []string {
		return userIDs(t, c.call("GET", "/api/v2/users-by-email?email="+url.QueryEscape(email), nil, 200, nil).body)
	}
	if got := get("alice@example.com"); !slices.Equal(got, []string{"auth0|alice1"}) {
		t.Errorf("lower case: %v", got)
	}
	if got := get("Alice@Example.com"); !slices.Equal(got, []string{"google-oauth2|111"}) {
		t.Errorf("mixed case: %v", got)
	}
	if got := get("parent@family.test"); !slices.Equal(got, []string{"auth0|kid1", "auth0|kid2"}) {
		t.Errorf("non-unique email connection: %v", got)
	}
	if got := get("nobody@example.com"); len(got) != 0 {
		t.Errorf("unknown: %v", got)
	}
	wantError(t, c.do("GET", "/api/v2/users-by-email", nil), 400, "invalid_query_string", "email")
}

// A custom database in legacy mode (no import) holds several profiles of
// one email, as its scripts say; in import mode, as any database
// connection, it refuses a second account of an email.
func TestCreateUserOnACustomDatabaseTakesASharedEmailOnlyInLegacyMode(t *testing.T) {
	ten := testTenant()
	ten.Connections = append(ten.Connections,
		&Connection{ID: "con_custom_legacy", Name: "custom-legacy", Strategy: "auth0", Options: map[string]any{"enabledDatabaseCustomization": true, "import_mode": false}},
		&Connection{ID: "con_custom_import", Name: "custom-import", Strategy: "auth0", Options: map[string]any{"enabledDatabaseCustomization": true, "import_mode": true}})
	c := startTest(t, Options{Tenant: ten})
	for _, conn := range []string{"custom-legacy", "custom-import"} {
		c.call("POST", "/api/v2/users", map[string]any{"connection": conn, "email": "shared@legacy.test", "password": "x"}, 201, nil)
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "custom-legacy", "email": "Shared@Legacy.test", "password": "x"}, 201, nil)
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "custom-import", "email": "Shared@Legacy.test", "password": "x"}),
		409, "auth0_idp_error", "The user already exists.")
}

// A phone number names one account where it is an identifier (sms, or a
// database with phone_number an active identifier): Auth0 refuses a second
// account of it there (409), and takes it elsewhere.
func TestCreateUserRefusesAPhoneNumberTakenWhereItIdentifies(t *testing.T) {
	ten := testTenant()
	ten.Connections = append(ten.Connections,
		&Connection{ID: "con_phone_db", Name: "phone-db", Strategy: "auth0", Options: map[string]any{"attributes": map[string]any{
			"phone_number": map[string]any{"identifier": map[string]any{"active": true}, "signup": map[string]any{"status": "required"}}}}},
		&Connection{ID: "con_plain_db", Name: "plain-db", Strategy: "auth0", Options: map[string]any{"attributes": map[string]any{
			"email":        map[string]any{"identifier": map[string]any{"active": true}, "signup": map[string]any{"status": "required"}},
			"phone_number": map[string]any{"identifier": map[string]any{"active": false}}}}})
	c := startTest(t, Options{Tenant: ten})
	for _, conn := range []string{"sms", "phone-db"} {
		body := map[string]any{"connection": conn, "phone_number": "+14155550199"}
		if conn != "sms" {
			body["password"] = "x"
		}
		c.call("POST", "/api/v2/users", body, 201, nil)
		wantError(t, c.do("POST", "/api/v2/users", body), 409, "auth0_idp_error", "The user already exists.")
	}
	for _, email := range []string{"one@phone.test", "two@phone.test"} {
		c.call("POST", "/api/v2/users", map[string]any{"connection": "plain-db", "email": email, "phone_number": "+14155550199", "password": "x"}, 201, nil)
	}
}

func TestCreateUser(t *testing.T) {
	c := startTest(t, Options{})
	var u struct {
		UserID       string         `json:"user_id"`
		Email        string         `json:"email"`
		UserMetadata map[string]any `json:"user_metadata"`
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication",
		"email": "New.Person@Example.com", "password": "x", "user_metadata": map[string]any{"a": 1}}, 201, &u)
	if !regexp.MustCompile(`^auth0\|[0-9a-f]{24}$`).MatchString(u.UserID) || u.Email != "new.person@example.com" || u.UserMetadata["a"] != 1.0 {
		t.Errorf("created %+v", u)
	}
	c.call("GET", "/api/v2/users/"+url.PathEscape(u.UserID), nil, 200, nil)

	// Unique emails per connection, except on Non-Unique Email connections.
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication",
		"email": "ALICE@example.com", "password": "x"}), 409, "auth0_idp_error", "The user already exists.")
	c.call("POST", "/api/v2/users", map[string]any{"connection": "family", "email": "parent@family.test",
		"username": "kid3", "password": "x"}, 201, nil)
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "family", "email": "other@family.test",
		"username": "kid3", "password": "x"}), 409, "auth0_idp_error", "username")
	// A username is stored in lower case too: another case of it is taken.
	var kid struct {
		UserID   string `json:"user_id"`
		Username string `json:"username"`
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "family", "email": "parent@family.test",
		"username": "Kid4", "password": "x"}, 201, &kid)
	if kid.Username != "kid4" {
		t.Errorf("username Kid4 stored as %q, want kid4", kid.Username)
	}
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "family", "email": "other@family.test",
		"username": "KID4", "password": "x"}), 409, "auth0_idp_error", "username")
	c.call("PATCH", "/api/v2/users/"+url.PathEscape(kid.UserID), map[string]any{"username": "Kid5", "connection": "family"}, 200, &kid)
	if kid.Username != "kid5" {
		t.Errorf("username patched to Kid5 stored as %q, want kid5", kid.Username)
	}

	// Required attributes and passwords.
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "family", "email": "p@f.test", "password": "x"}),
		400, "invalid_body", "username")
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "legacy-db", "email": "p@l.test", "password": "x"}),
		400, "invalid_body", "username")
	c.call("POST", "/api/v2/users", map[string]any{"connection": "legacy-db", "email": "p@l.test", "username": "p", "password": "x"}, 201, nil)
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication", "email": "p@x.test"}),
		400, "invalid_body", "password")
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication", "email": "nope", "password": "x"}),
		400, "invalid_body", "email")
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication", "email": "a@b.c", "password": "x", "shoe_size": 9}),
		400, "invalid_body", "shoe_size")
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"email": "a@b.c", "password": "x"}), 400, "invalid_body", "connection")
	wantError(t, c.do("POST", "/api/v2/users", `{"connection":`), 400, "invalid_body")

	// Only database and passwordless connections, and only existing ones.
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "nowhere", "email": "a@b.c", "password": "x"}), 400, "inexistent_connection")
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "google-oauth2", "email": "a@b.c"}), 400, "operation_not_supported")
	c.call("POST", "/api/v2/users", map[string]any{"connection": "sms", "phone_number": "+15550199"}, 201, &u)
	if !regexp.MustCompile(`^sms\|[0-9a-f]{24}$`).MatchString(u.UserID) {
		t.Errorf("sms user id %s", u.UserID)
	}
	wantError(t, c.do("POST", "/api/v2/users", map[string]any{"connection": "sms"}), 400, "invalid_body", "phone_number")
}

func TestPatchMergesMetadataOneLevelDeep(t *testing.T) {
	c := startTest(t, Options{})
	var u struct {
		Name         string                     `json:"name"`
		Email        string                     `json:"email"`
		UpdatedAt    string                     `json:"updated_at"`
		Blocked      bool                       `json:"blocked"`
		UserMetadata map[string]json.RawMessage `json:"user_metadata"`
		AppMetadata  map[string]json.RawMessage `json:"app_metadata"`
	}
	path := "/api/v2/users/auth0%7Calice1"
	c.call("PATCH", path, map[string]any{
		"user_metadata": map[string]any{"theme": nil, "prefs": map[string]any{"x": 1}},
		"app_metadata":  map[string]any{"plan": "silver"},
		"name":          "Alicia", "blocked": true,
	}, 200, &u)
	if string(u.UserMetadata["country"]) != `"NZ"` || u.UserMetadata["theme"] != nil || string(u.UserMetadata["prefs"]) != `{"x":1}` {
		t.Errorf("user_metadata %v", u.UserMetadata)
	}
	if string(u.AppMetadata["plan"]) != `"silver"` || string(u.AppMetadata["n"]) != "5" || u.Name != "Alicia" || !u.Blocked {
		t.Errorf("patched %+v", u)
	}
	if u.UpdatedAt <= "2024-01-10T10:00:00.000Z" {
		t.Errorf("updated_at not moved: %s", u.UpdatedAt)
	}
	// Nested objects are replaced, not merged.
	c.call("PATCH", path, map[string]any{"user_metadata": map[string]any{"prefs": map[string]any{"y": 2}}}, 200, &u)
	if string(u.UserMetadata["prefs"]) != `{"y":2}` {
		t.Errorf("nested merge: %s", u.UserMetadata["prefs"])
	}
	// {} wipes the object.
	u.UserMetadata = nil
	r := c.call("PATCH", path, map[string]any{"user_metadata": map[string]any{}}, 200, &u)
	if len(u.UserMetadata) != 0 || u.AppMetadata["plan"] == nil {
		t.Errorf("wipe: %s", r.body)
	}
	// Emails on database connections are stored lower-cased, and stay unique.
	c.call("PATCH", path, map[string]any{"email": "Alice.New@Example.com"}, 200, &u)
	if u.Email != "alice.new@example.com" {
		t.Errorf("email %s", u.Email)
	}
	wantError(t, c.do("PATCH", path, map[string]any{"email": "carol@example.com"}), 409, "auth0_idp_error")
	wantError(t, c.do("PATCH", path, map[string]any{"email": 7}), 400, "invalid_body", "email")
	wantError(t, c.do("PATCH", path, map[string]any{"blocked": "yes"}), 400, "invalid_body", "blocked")
	wantError(t, c.do("PATCH", path, map[string]any{"user_metadata": []int{1}}), 400, "invalid_body", "user_metadata")
	wantError(t, c.do("PATCH", path, map[string]any{"logins_count": 1}), 400, "invalid_body", "logins_count")
	wantError(t, c.do("PATCH", "/api/v2/users/google-oauth2%7C111", map[string]any{"password": "x"}), 400, "operation_not_supported")
	wantError(t, c.do("PATCH", "/api/v2/users/auth0%7Cnobody", map[string]any{"name": "x"}), 404, "inexistent_user")

	// The server never changed the user it was given: copy on write.
	if got, _ := c.s.GetUser("auth0|alice1"); got.Name != "Alicia" {
		t.Errorf("GetUser %+v", got)
	}
}

func TestDeleteAnswers204EvenForUnknownUsersAndCascades(t *testing.T) {
	c := startTest(t, Options{})
	c.call("DELETE", "/api/v2/users/auth0%7Cnobody", nil, 204, nil)
	before := c.s.UserCount()
	c.call("DELETE", "/api/v2/users/auth0%7Ccarol1", nil, 204, nil)
	if c.s.UserCount() != before-1 {
		t.Errorf("count %d → %d", before, c.s.UserCount())
	}
	wantError(t, c.do("GET", "/api/v2/users/auth0%7Ccarol1", nil), 404, "inexistent_user")
	// Her linked google identity went with her.
	wantError(t, c.do("GET", "/api/v2/users/google-oauth2%7C444", nil), 404, "inexistent_user")
	if got := userIDs(t, c.call("GET", searchPath(`identities.user_id:"444"`), nil, 200, nil).body); len(got) != 0 {
		t.Errorf("identity still found: %v", got)
	}
	for _, bad := range []string{"nopipe", "%7Cx", "auth0%7C"} {
		wantError(t, c.do("DELETE", "/api/v2/users/"+bad, nil), 400, "invalid_uri")
	}
}

func TestLinkAndUnlink(t *testing.T) {
	c := startTest(t, Options{})
	type identity struct {
		Connection  string         `json:"connection"`
		Provider    string         `json:"provider"`
		UserID      any            `json:"user_id"`
		IsSocial    bool           `json:"isSocial"`
		ProfileData map[string]any `json:"profileData"`
	}
	var ids []identity
	c.call("POST", "/api/v2/users/auth0%7Calice1/identities",
		map[string]any{"provider": "google-oauth2", "user_id": "111", "connection_id": "con_google"}, 201, &ids)
	if len(ids) != 2 || ids[1].Provider != "google-oauth2" || ids[1].UserID != "111" || !ids[1].IsSocial {
		t.Fatalf("identities %+v", ids)
	}
	pd := ids[1].ProfileData
	if pd["email"] != "Alice@Example.com" || pd["email_verified"] != true || pd["name"] != "Alice L" || pd["picture"] != "https://p/a.png" {
		t.Errorf("profileData %v", pd)
	}
	for _, k := range []string{"user_metadata", "app_metadata", "user_id", "identities"} {
		if _, ok := pd[k]; ok {
			t.Errorf("profileData carries %s", k)
		}
	}
	// The secondary stopped being a user; its owner is found by identity.
	wantError(t, c.do("GET", "/api/v2/users/google-oauth2%7C111", nil), 404, "inexistent_user", "The user does not exist.")
	if got := userIDs(t, c.call("GET", searchPath(`identities.user_id:"111"`), nil, 200, nil).body); !slices.Equal(got, []string{"auth0|alice1"}) {
		t.Errorf("owner search %v", got)
	}
	var primary struct {
		Name         string         `json:"name"`
		Email        string         `json:"email"`
		UserMetadata map[string]any `json:"user_metadata"`
	}
	c.call("GET", "/api/v2/users/auth0%7Calice1", nil, 200, &primary)
	if primary.Name != "Alice Liddell" || primary.Email != "alice@example.com" || primary.UserMetadata["lang"] != nil {
		t.Errorf("primary changed: %+v", primary)
	}

	// Refusals.
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Calice1/identities", map[string]any{"provider": "auth0", "user_id": "alice1"}), 400, "invalid_body", "same")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cnobody/identities", map[string]any{"provider": "auth0", "user_id": "bob1"}), 404, "inexistent_user")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Calice1/identities", map[string]any{"provider": "auth0", "user_id": "ghost"}), 400, "inexistent_user", "auth0|ghost")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/identities", map[string]any{"provider": "auth0", "user_id": "carol1"}), 400, "invalid_body", "linked identities")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/identities", map[string]any{"provider": "github", "user_id": "222", "connection_id": "con_google"}), 400, "inexistent_connection")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/identities", map[string]any{"link_with": "eyJ..."}), 400, "operation_not_supported", "link_with")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/identities", map[string]any{"provider": "github"}), 400, "invalid_body")

	// A numeric user_id in the body works, as some SDKs send it.
	c.call("POST", "/api/v2/users/auth0%7Cbob1/identities", `{"provider":"github","user_id":222}`, 201, &ids)

	// Unlink: the secondary comes back without metadata.
	c.call("DELETE", "/api/v2/users/auth0%7Calice1/identities/google-oauth2/111", nil, 200, &ids)
	if len(ids) != 1 || ids[0].Provider != "auth0" {
		t.Errorf("after unlink %+v", ids)
	}
	var back struct {
		UserID        string         `json:"user_id"`
		Email         string         `json:"email"`
		EmailVerified bool           `json:"email_verified"`
		Name          string         `json:"name"`
		UserMetadata  map[string]any `json:"user_metadata"`
		Identities    []identity     `json:"identities"`
	}
	c.call("GET", "/api/v2/users/google-oauth2%7C111", nil, 200, &back)
	if back.Email != "Alice@Example.com" || !back.EmailVerified || back.Name != "Alice L" || back.UserMetadata != nil ||
		len(back.Identities) != 1 || back.Identities[0].ProfileData != nil || back.Identities[0].Connection != "google-oauth2" {
		t.Errorf("restored %+v", back)
	}
	// A numeric identity id comes back numeric.
	r := c.call("DELETE", "/api/v2/users/auth0%7Cbob1/identities/github/222", nil, 200, nil)
	if string(r.body) != `[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"bob1","isSocial":false,`+
		`"profileData":{"email":"bob@example.org","nickname":"bob","email_verified":"true"}}]` {
		t.Errorf("unlink answer %s", r.body)
	}
	if r := c.call("GET", "/api/v2/users/github%7C222", nil, 200, nil); !regexp.MustCompile(`"user_id":222\b`).Match(r.body) {
		t.Errorf("restored github user %s", r.body)
	}
	wantError(t, c.do("DELETE", "/api/v2/users/auth0%7Calice1/identities/auth0/alice1", nil), 400, "invalid_body", "Main identity")
	wantError(t, c.do("DELETE", "/api/v2/users/auth0%7Calice1/identities/google-oauth2/999", nil), 404, "inexistent_identity")
	wantError(t, c.do("DELETE", "/api/v2/users/auth0%7Cnobody/identities/google-oauth2/111", nil), 404, "inexistent_user")
}

// A profile member held as stored, not as modelled (auth0|leg2's
// email_verified "TRUE", imported so), is carried as stored into the
// link's profileData and back onto the user an unlink gives back.
func TestLinkAndUnlinkKeepAProfileValueAsStored(t *testing.T) {
	tenant, err := LoadFixture("testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	c := startTest(t, Options{Tenant: tenant})
	const stored = `"email_verified":"TRUE"`
	if r := c.call("GET", "/api/v2/users/auth0%7Cleg2", nil, 200, nil); !strings.Contains(r.String(), stored) {
		t.Fatalf("the fixture's auth0|leg2 is %s, without %s", r, stored)
	}
	var ids []struct {
		UserID      string          `json:"user_id"`
		ProfileData json.RawMessage `json:"profileData"`
	}
	r := c.call("POST", "/api/v2/users/auth0%7Cleg1/identities", map[string]any{"provider": "auth0", "user_id": "leg2"}, 201, &ids)
	if len(ids) != 2 || ids[1].UserID != "leg2" || !strings.Contains(string(ids[1].ProfileData), stored) {
		t.Errorf("the link's answer: %s, want leg2's profileData with %s", r, stored)
	}
	if r := c.call("GET", "/api/v2/users/auth0%7Cleg1", nil, 200, nil); !strings.Contains(r.String(), `"profileData":{"email":"dup@legacy.com",`+stored+`}`) {
		t.Errorf("the primary after the link: %s", r)
	}
	c.call("DELETE", "/api/v2/users/auth0%7Cleg1/identities/auth0/leg2", nil, 200, nil)
	if r := c.call("GET", "/api/v2/users/auth0%7Cleg2", nil, 200, nil); !strings.Contains(r.String(), stored) {
		t.Errorf("auth0|leg2 given back by the unlink: %s, want %s", r, stored)
	}
}

func TestEffectsCountTheWritesThatChangedTheTenant(t *testing.T) {
	c := startTest(t, Options{})
	patch := `{"user_metadata":{"theme":"light"}}`
	c.call("PATCH", "/api/v2/users/auth0%7Calice1", patch, 200, nil)
	c.call("PATCH", "/api/v2/users/auth0%7Calice1", patch, 200, nil) // the same merge again changes nothing
	c.call("POST", "/api/v2/users/auth0%7Calice1/identities", `{"provider":"google-oauth2","user_id":"111"}`, 201, nil)
	c.do("POST", "/api/v2/users/auth0%7Calice1/identities", `{"provider":"google-oauth2","user_id":"111"}`) // gone: 400
	c.call("DELETE", "/api/v2/users/auth0%7Ccarol1/identities/google-oauth2/444", nil, 200, nil)
	c.do("DELETE", "/api/v2/users/auth0%7Ccarol1/identities/google-oauth2/444", nil) // not linked any more: 404
	c.call("DELETE", "/api/v2/users/auth0%7Cbob1", nil, 204, nil)
	c.call("DELETE", "/api/v2/users/auth0%7Cbob1", nil, 204, nil) // 204 again, but nothing was deleted

	st := c.s.Stats()
	want := map[string]int64{RoutePatchUser: 1, RouteLink: 1, RouteUnlink: 1, RouteDeleteUser: 1}
	for route, n := range want {
		if st.Effects[route] != n || st.Requests[route] != 2 {
			t.Errorf("%s: %d requests, %d effects; want 2 requests, %d effects", route, st.Requests[route], st.Effects[route], n)
		}
	}
	if len(st.Effects) != len(want) {
		t.Errorf("effects %v", st.Effects)
	}
}
