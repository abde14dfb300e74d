package emulator

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSearchQueries(t *testing.T) {
	c := startTest(t, Options{})
	for _, tc := range []struct {
		q    string
		want string // sorted user ids, space-separated
	}{
		// email: whole value, case-insensitive.
		{`email:"alice@example.com"`, "auth0|alice1 google-oauth2|111"},
		{`email:ALICE@EXAMPLE.COM`, "auth0|alice1 google-oauth2|111"},
		{`email:alice@example`, ""},
		{`email:alice*`, "auth0|alice1 google-oauth2|111"},
		{`email:*example.org`, "auth0|bob1 github|222"},
		{`email.domain:example.org`, "auth0|bob1 github|222"},
		// names match a word or a phrase, case-insensitively.
		{`name:alice`, "auth0|alice1 google-oauth2|111"},
		{`name:"alice liddell"`, "auth0|alice1"},
		{`name:"liddell alice"`, ""},
		{`given_name:ALICE AND family_name:liddell`, "auth0|alice1"},
		{`nickname:bob`, "auth0|bob1 github|222"},
		// other fields are case-sensitive.
		{`username:kid1`, "auth0|kid1"},
		{`username:KID1`, ""},
		{`user_id:"auth0|alice1"`, "auth0|alice1"},
		{`user_id:auth0\|kid*`, "auth0|kid1 auth0|kid2"},
		{`user_id:AUTH0*`, ""},
		{`phone_number:"+15550100"`, "sms|333"},
		// booleans, including email_verified stored as a string.
		{`email_verified:false`, "github|222"},
		{`email:bob* AND email_verified:true`, "auth0|bob1"},
		// identities.
		{`identities.connection:"google-oauth2"`, "auth0|carol1 google-oauth2|111"},
		{`identities.provider:github`, "github|222"},
		{`identities.user_id:"444"`, "auth0|carol1"},
		{`identities.user_id:222`, "github|222"},
		{`identities.profileData.email:"carol@gmail.com"`, "auth0|carol1"},
		// metadata: case-sensitive, arrays looked through, numbers compared as numbers.
		{`user_metadata.country:NZ`, "auth0|alice1"},
		{`user_metadata.country:nz`, ""},
		{`app_metadata.plan:"gold"`, "auth0|alice1"},
		{`app_metadata.tags:b`, "auth0|alice1"},
		{`app_metadata.n:5.0`, "auth0|alice1"},
		{`app_metadata.n:[4 TO 6]`, "auth0|alice1"},
		{`_exists_:user_metadata.lang`, "google-oauth2|111"},
		{`_exists_:username`, "auth0|kid1 auth0|kid2"},
		{`app_metadata.plan:*`, "auth0|alice1"},
		// numbers and dates.
		{`logins_count:[10 TO *]`, "auth0|alice1 auth0|carol1"},
		{`logins_count:{3 TO 12}`, "auth0|kid2 sms|333"},
		{`logins_count:>=12`, "auth0|alice1 auth0|carol1"},
		{`logins_count:0`, "auth0|bob1"}, // auth0|odd never logged in: it has no logins_count
		{`email:odd* AND _exists_:logins_count`, ""},
		{`email:odd* AND NOT _exists_:logins_count`, "auth0|odd"},
		{`created_at:[2024-04-01 TO 2024-04-02}`, "auth0|kid1"},
		{`created_at:[2024-04-01 TO 2024-04-02]`, "auth0|kid1 auth0|kid2"},
		{`created_at:2024-05-01`, "sms|333"},
		{`created_at:{* TO 2023-01-01}`, "auth0|carol1"},
		{`last_login:[2024-06-01T00:00:00Z TO 2024-06-01T00:00:00Z]`, "auth0|alice1"},
		{`_exists_:last_login`, "auth0|alice1"},
		// operators: OR is the default, AND binds tighter, - and NOT exclude.
		{`username:kid1 username:kid2`, "auth0|kid1 auth0|kid2"},
		{`username:kid1 OR username:kid2 AND name:two`, "auth0|kid1 auth0|kid2"},
		{`(username:kid1 OR username:kid2) AND name:two`, "auth0|kid2"},
		{`email:bob* -identities.provider:github`, "auth0|bob1"},
		{`email:bob* AND NOT identities.provider:github`, "auth0|bob1"},
		{`email:bob* && !identities.provider:github`, "auth0|bob1"},
		{`+email:bob* +email_verified:true`, "auth0|bob1"},
		{`NOT _exists_:email`, "sms|333"},
		{`username:(kid1 OR kid2)`, "auth0|kid1 auth0|kid2"},
		{`email:alice* AND (identities.connection:google-oauth2 OR logins_count:12)`, "auth0|alice1 google-oauth2|111"},
		// bare terms search the profile's text fields, never metadata.
		{`kid1`, "auth0|kid1"},
		{`BOB`, "auth0|bob1 github|222"},
		{`gold`, ""},
		{`*`, "auth0|alice1 auth0|bob1 auth0|carol1 auth0|kid1 auth0|kid2 auth0|odd github|222 google-oauth2|111 sms|333"},
		{`*:*`, "auth0|alice1 auth0|bob1 auth0|carol1 auth0|kid1 auth0|kid2 auth0|odd github|222 google-oauth2|111 sms|333"},
		// boosts are accepted and change nothing.
		{`username:kid1^2`, "auth0|kid1"},
	} {
		var got []string
		r := c.call("GET", searchPath(tc.q), nil, 200, nil)
		got = userIDs(t, r.body)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("q=%s\n got %v\nwant %v", tc.q, got, tc.want)
		}
	}
}

func TestSearchEscapesMatchLiterally(t *testing.T) {
	c := startTest(t, Options{})
	// A client escapes quotes and backslashes in an email; the odd address
	// must match itself and nothing else.
	escape := func(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }
	for _, q := range []string{
		`email:"` + escape(`odd"one@example.com`) + `"`,
		`email:odd\"one@example.com`,
	} {
		if got := userIDs(t, c.call("GET", searchPath(q), nil, 200, nil).body); !slices.Equal(got, []string{"auth0|odd"}) {
			t.Errorf("q=%s: %v", q, got)
		}
	}
	// An injection attempt stays one literal value.
	hostile := `a@b.com" OR email:*`
	if got := userIDs(t, c.call("GET", searchPath(`email:"`+escape(hostile)+`"`), nil, 200, nil).body); len(got) != 0 {
		t.Errorf("escaped injection matched %v", got)
	}
	// Escaped wildcards and colons are literal too.
	for _, q := range []string{`email:alice\*`, `user_id:auth0\:alice1`} {
		if got := userIDs(t, c.call("GET", searchPath(q), nil, 200, nil).body); len(got) != 0 {
			t.Errorf("q=%s matched %v", q, got)
		}
	}
}

func TestSearchRefusesMalformedQueries(t *testing.T) {
	c := startTest(t, Options{})
	for _, q := range []string{
		`email:"unterminated`, `(email:a`, `email:a)`, `email:`, `AND email:a`, `email:a OR`,
		`email:a AND`, `logins_count:many`, `created_at:[yesterday TO now]`, `name:[a TO`, `[1 TO 2]`,
		`user_metadata.country:N*`, `user_metadata.n:[1 TO 2]`, `name:*ab`, `name:jon~`, `email:a\`, `()`,
		`NOT`, `a:b:c`,
	} {
		wantError(t, c.do("GET", searchPath(q), nil), 400, "invalid_query_string")
	}
	wantError(t, c.do("GET", "/api/v2/users?search_engine=v9&q=a", nil), 400, "invalid_query_string")
}

// bigTenant has n users user0000… on the database connection.
func bigTenant(n int) *Tenant {
	t := &Tenant{}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id := fmt.Sprintf("u%05d", i)
		t.Users = append(t.Users, &User{
			UserID: "auth0|" + id, Email: id + "@example.com", EmailVerified: FlagTrue,
			CreatedAt: base.Add(time.Duration(i) * time.Minute), LoginsCount: int64(i % 7), HasLoginsCount: true,
			Identities: []Identity{{Connection: "Username-Password-Authentication", Provider: "auth0", UserID: IdentityID{Value: id}}},
		})
	}
	return t
}

func TestSearchPagingAndTheThousandResultCap(t *testing.T) {
	c := startTest(t, Options{Tenant: bigTenant(1200)})
	var bare []json.RawMessage
	c.call("GET", "/api/v2/users?q=email:u*", nil, 200, &bare)
	if len(bare) != 50 {
		t.Errorf("default page has %d users, want 50", len(bare))
	}
	var env struct {
		Start, Limit, Length, Total int
		Users                       []struct {
			UserID string `json:"user_id"`
		}
	}
	c.call("GET", searchPath("email:u*", "page", "9", "per_page", "100", "include_totals", "true"), nil, 200, &env)
	if env.Start != 900 || env.Limit != 100 || env.Length != 100 || env.Total != 1200 || env.Users[0].UserID != "auth0|u00900" {
		t.Errorf("page 9: %+v", env)
	}
	wantError(t, c.do("GET", searchPath("email:u*", "page", "10", "per_page", "100"), nil), 400, "invalid_paging", "1000")
	wantError(t, c.do("GET", "/api/v2/users?page=20", nil), 400, "invalid_paging")
	// A page that straddles the cap is cut at the cap.
	c.call("GET", searchPath("", "page", "33", "per_page", "30", "include_totals", "true"), nil, 200, &env)
	if env.Length != 10 || env.Total != 1200 {
		t.Errorf("straddling page: length %d total %d", env.Length, env.Total)
	}
	wantError(t, c.do("GET", searchPath("", "per_page", "101"), nil), 400, "invalid_query_string", "per_page")
	wantError(t, c.do("GET", searchPath("", "page", "-1"), nil), 400, "invalid_query_string", "page")

	// sort, fields and include_fields.
	var sorted []map[string]any
	c.call("GET", searchPath("logins_count:6", "sort", "created_at:-1", "per_page", "3",
		"fields", "user_id,logins_count", "include_fields", "true"), nil, 200, &sorted)
	if len(sorted) != 3 || sorted[0]["user_id"] != "auth0|u01196" || len(sorted[0]) != 2 {
		t.Errorf("sorted, projected: %v", sorted)
	}
	c.call("GET", searchPath(`user_id:"auth0|u00001"`, "fields", "identities,email", "include_fields", "false"), nil, 200, &sorted)
	if _, has := sorted[0]["email"]; has || sorted[0]["user_id"] != "auth0|u00001" {
		t.Errorf("excluded fields: %v", sorted)
	}
	wantError(t, c.do("GET", searchPath("", "sort", "user_metadata.x:1"), nil), 400, "invalid_query_string")
}

func TestSearchIsEventuallyConsistent(t *testing.T) {
	c := startTest(t, Options{SearchLag: time.Hour})
	search := func(q string) []string { return userIDs(t, c.call("GET", searchPath(q), nil, 200, nil).body) }
	c.call("PATCH", "/api/v2/users/auth0%7Calice1", map[string]any{"name": "Alicia"}, 200, nil)
	c.call("DELETE", "/api/v2/users/auth0%7Ckid1", nil, 204, nil)
	var created struct {
		UserID string `json:"user_id"`
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication",
		"email": "new@example.com", "password": "pw-long-enough"}, 201, &created)

	// Reads by id and by email see the writes at once; search does not yet.
	c.call("GET", "/api/v2/users/"+url.PathEscape(created.UserID), nil, 200, nil)
	wantError(t, c.do("GET", "/api/v2/users/auth0%7Ckid1", nil), 404, "inexistent_user")
	if got := search("name:alicia"); len(got) != 0 {
		t.Errorf("search saw the new name early: %v", got)
	}
	if got := search("username:kid1"); len(got) != 1 {
		t.Errorf("search lost the deleted user early: %v", got)
	}
	if got := search(`email:"new@example.com"`); len(got) != 0 {
		t.Errorf("search saw the new user early: %v", got)
	}
	c.s.skew.Add(int64(time.Hour + time.Second))
	if got := search("name:alicia"); !slices.Equal(got, []string{"auth0|alice1"}) {
		t.Errorf("after the lag: %v", got)
	}
	if got := search("username:kid1"); len(got) != 0 {
		t.Errorf("deleted user still found after the lag: %v", got)
	}
	if got := search(`email:"new@example.com"`); len(got) != 1 {
		t.Errorf("new user not found after the lag: %v", got)
	}
}
