package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func rbacTenant() *Tenant {
	t := testTenant()
	t.Roles = []*Role{{ID: "rol_admin", Name: "admin", Description: "Admins"}, {ID: "rol_support", Name: "support", Description: "Support"}}
	t.Organizations = []*Organization{
		{ID: "org_acme", Name: "acme", DisplayName: "Acme", Branding: json.RawMessage(`{"logo_url":"https://example.com/logo.gif"}`)},
		{ID: "org_globex", Name: "globex", DisplayName: "Globex"},
	}
	for _, u := range t.Users {
		if u.UserID == "auth0|alice1" {
			u.Roles, u.Organizations = []string{"rol_admin"}, []string{"org_acme"}
		}
	}
	return t
}

type roleList struct {
	Roles               []Role
	Start, Limit, Total int
}

type orgList struct {
	Organizations       []Organization
	Start, Limit, Total int
	Next                string
}

func TestRolesAndOrganizationsOfUsers(t *testing.T) {
	c := startTest(t, Options{Tenant: rbacTenant()})
	var roles roleList
	c.call("GET", "/api/v2/roles?include_totals=true&per_page=50", nil, 200, &roles)
	if roles.Total != 2 || len(roles.Roles) != 2 || roles.Limit != 50 {
		t.Errorf("roles %+v", roles)
	}
	c.call("GET", "/api/v2/roles?include_totals=true&name_filter=ADM", nil, 200, &roles)
	if len(roles.Roles) != 1 || roles.Roles[0].ID != "rol_admin" {
		t.Errorf("name_filter: %+v", roles)
	}
	userRoles := func(id string) []string {
		var l roleList
		c.call("GET", "/api/v2/users/"+url.PathEscape(id)+"/roles?include_totals=true&per_page=50", nil, 200, &l)
		var names []string
		for _, r := range l.Roles {
			names = append(names, r.Name)
		}
		if l.Total != len(l.Roles) {
			t.Errorf("%s: total %d for %d roles", id, l.Total, len(l.Roles))
		}
		return names
	}
	if got := userRoles("auth0|alice1"); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("alice's roles %v", got)
	}
	c.call("POST", "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{"rol_support", "rol_admin"}}, 204, nil)
	if got := userRoles("auth0|bob1"); !slices.Equal(got, []string{"support", "admin"}) {
		t.Errorf("bob's roles after the assignment %v", got)
	}
	c.call("DELETE", "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{"rol_support"}}, 204, nil)
	if got := userRoles("auth0|bob1"); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("bob's roles after the removal %v", got)
	}
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{"rol_nope"}}), 404, "", "The role does not exist.")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{}}), 400, "invalid_body")
	wantError(t, c.do("GET", "/api/v2/users/auth0%7Cnobody/roles", nil), 404, "inexistent_user")

	userOrgs := func(id string) []string {
		var l orgList
		c.call("GET", "/api/v2/users/"+url.PathEscape(id)+"/organizations?include_totals=true&per_page=50", nil, 200, &l)
		var names []string
		for _, o := range l.Organizations {
			names = append(names, o.Name)
		}
		return names
	}
	if got := userOrgs("auth0|alice1"); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("alice's organizations %v", got)
	}
	c.call("POST", "/api/v2/organizations/org_globex/members", map[string]any{"members": []string{"auth0|bob1", "auth0|alice1"}}, 204, nil)
	if got := userOrgs("auth0|alice1"); !slices.Equal(got, []string{"acme", "globex"}) {
		t.Errorf("alice's organizations %v", got)
	}
	c.call("DELETE", "/api/v2/organizations/org_globex/members", map[string]any{"members": []string{"auth0|alice1"}}, 204, nil)
	if got := userOrgs("auth0|alice1"); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("alice's organizations after the removal %v", got)
	}
	wantError(t, c.do("POST", "/api/v2/organizations/org_nope/members", map[string]any{"members": []string{"auth0|bob1"}}), 404, "", "No organization found by that id or name")

	// The tenant's organizations, by offset and by checkpoint.
	var orgs orgList
	c.call("GET", "/api/v2/organizations?include_totals=true&per_page=50", nil, 200, &orgs)
	if orgs.Total != 2 || len(orgs.Organizations) != 2 || string(orgs.Organizations[0].Branding) == "" {
		t.Errorf("organizations %+v", orgs)
	}
	c.call("GET", "/api/v2/organizations?take=1", nil, 200, &orgs)
	if len(orgs.Organizations) != 1 || orgs.Next == "" {
		t.Fatalf("first checkpoint page %+v", orgs)
	}
	next := orgs.Next
	orgs = orgList{}
	c.call("GET", "/api/v2/organizations?take=1&from="+next, nil, 200, &orgs)
	if len(orgs.Organizations) != 1 || orgs.Organizations[0].ID != "org_globex" || orgs.Next != "" {
		t.Errorf("second checkpoint page %+v", orgs)
	}

	// A secondary linked away loses its roles and organizations with its
	// user; unlinked, it comes back without them.
	c.call("POST", "/api/v2/users/auth0%7Calice1/identities", map[string]any{"provider": "auth0", "user_id": "bob1"}, 201, nil)
	wantError(t, c.do("GET", "/api/v2/users/auth0%7Cbob1/roles", nil), 404, "inexistent_user")
	c.call("DELETE", "/api/v2/users/auth0%7Calice1/identities/auth0/bob1", nil, 200, nil)
	if got := userRoles("auth0|bob1"); len(got) != 0 {
		t.Errorf("unlinked bob has roles %v", got)
	}
	if got := userRoles("auth0|alice1"); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("the primary's roles changed: %v", got)
	}

	// Scopes are enforced.
	c.token = c.fetchToken(c.s.ClientID(), c.s.ClientSecret(), "read:users")
	wantError(t, c.do("GET", "/api/v2/roles", nil), 403, "insufficient_scope")
	wantError(t, c.do("GET", "/api/v2/organizations", nil), 403, "insufficient_scope")
	wantError(t, c.do("POST", "/api/v2/users/auth0%7Cbob1/roles", map[string]any{"roles": []string{"rol_admin"}}), 403, "insufficient_scope")
	wantError(t, c.do("POST", "/api/v2/organizations/org_acme/members", map[string]any{"members": []string{"auth0|bob1"}}), 403, "insufficient_scope")
	wantError(t, c.do("GET", "/api/v2/logs", nil), 403, "insufficient_scope")
	c.call("GET", "/api/v2/users/auth0%7Calice1/roles", nil, 200, nil) // read:users is one of its scopes
}

func TestVerificationEmailJob(t *testing.T) {
	c := startTest(t, Options{})
	var job struct{ Type, Status, ID, CreatedAt string }
	r := c.call("POST", "/api/v2/jobs/verification-email",
		map[string]any{"user_id": "auth0|bob1", "identity": map[string]any{"user_id": "bob1", "provider": "auth0"}}, 201, &job)
	if job.Type != "verification_email" || job.Status != "pending" || !strings.HasPrefix(job.ID, "job_") {
		t.Errorf("job %s", r.body)
	}
	if got := keysOf(t, r.body); !slices.Equal(got, []string{"created_at", "id", "status", "type"}) {
		t.Errorf("recorded keys are created_at id status type; got %v", got)
	}
	// bob1's email is verified already: the job fails, as the recorded one
	// for a verified account did; an unverified account's job completes.
	c.call("GET", "/api/v2/jobs/"+job.ID, nil, 200, &job)
	if job.Status != "failed" {
		t.Errorf("job of a verified account read back %+v", job)
	}
	c.call("POST", "/api/v2/jobs/verification-email", map[string]any{"user_id": "github|222"}, 201, &job)
	c.call("GET", "/api/v2/jobs/"+job.ID, nil, 200, &job)
	if job.Status != "completed" {
		t.Errorf("job of an unverified account read back %+v", job)
	}
	wantError(t, c.do("POST", "/api/v2/jobs/verification-email", map[string]any{"user_id": "auth0|nobody"}), 404, "inexistent_user")
	wantError(t, c.do("POST", "/api/v2/jobs/verification-email", map[string]any{"user_id": "sms|333"}), 400, "invalid_body")
	wantError(t, c.do("POST", "/api/v2/jobs/verification-email",
		map[string]any{"user_id": "auth0|bob1", "identity": map[string]any{"user_id": "other", "provider": "auth0"}}), 400, "invalid_body")
	c.token = c.fetchToken(c.s.ClientID(), c.s.ClientSecret(), "read:users")
	wantError(t, c.do("POST", "/api/v2/jobs/verification-email", map[string]any{"user_id": "auth0|bob1"}), 403, "insufficient_scope")
}

// login signs in with a password as a user of an application would.
func (c *tenantClient) login(username, password string) response {
	c.t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {c.s.ClientID()}, "client_secret": {c.s.ClientSecret()},
		"username": {username}, "password": {password}}
	resp, err := http.PostForm(c.base+"/oauth/token", form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	json.NewDecoder(resp.Body).Decode(&body)
	return response{status: resp.StatusCode, body: body}
}

type logEntry struct {
	ID     string `json:"log_id"`
	Type   string `json:"type"`
	UserID string `json:"user_id"`
	Desc   string `json:"description"`
}

func TestTheLogHoldsTheTenantsOwnEvents(t *testing.T) {
	c := startTest(t, Options{SearchLag: time.Minute})
	var u struct {
		UserID      string `json:"user_id"`
		LoginsCount *int   `json:"logins_count"`
		LastLogin   string `json:"last_login"`
	}
	c.call("POST", "/api/v2/users", chuck("chuck1@example.com", "test-user1"), 201, &u)
	path := "/api/v2/users/" + url.PathEscape(u.UserID)
	if r := c.login("chuck1@example.com", "wrong"); r.status != 403 || !strings.Contains(string(r.body), "invalid_grant") {
		t.Errorf("a wrong password: %d %s", r.status, r.body)
	}
	if r := c.login("nobody@example.com", "x"); r.status != 403 {
		t.Errorf("an unknown user: %d %s", r.status, r.body)
	}
	if r := c.login("CHUCK1@example.com", "Passwords hide their chuck"); r.status != 200 || !strings.Contains(string(r.body), "access_token") {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	c.call("GET", path, nil, 200, &u)
	if u.LoginsCount == nil || *u.LoginsCount != 1 || u.LastLogin == "" {
		t.Errorf("after the first login: logins_count %v, last_login %q", u.LoginsCount, u.LastLogin)
	}
	c.call("DELETE", path, nil, 204, nil)

	// The log is searched like users: nothing before the lag.
	var logs []logEntry
	c.call("GET", "/api/v2/logs", nil, 200, &logs)
	if len(logs) != 0 {
		t.Errorf("events seen before the search lag: %+v", logs)
	}
	c.s.AdvanceClock(2 * time.Minute)
	c.call("GET", "/api/v2/logs?per_page=100", nil, 200, &logs)
	var types []string
	for _, e := range logs {
		types = append(types, e.Type)
	}
	// Newest first: the deletion and its API operation, the login, the two
	// failures, the signup and its API operation, the token of the test client.
	want := []string{"sapi", "sdu", "s", "fu", "fp", "sapi", "ss", "seccft"}
	if !slices.Equal(types, want) {
		t.Errorf("event types newest first %v, want %v", types, want)
	}
	// Every event has the recorded members of an Auth0 log event.
	raw := c.call("GET", "/api/v2/logs?q="+url.QueryEscape(`type:ss`), nil, 200, nil).body
	var events []json.RawMessage
	json.Unmarshal(raw, &events)
	recordedKeys := []string{"_id", "audience", "client_id", "client_name", "connection", "connection_id", "date", "description",
		"details", "hostname", "ip", "isMobile", "location_info", "log_id", "organization_id", "organization_name", "strategy",
		"strategy_type", "type", "user_agent", "user_id", "user_name"}
	if len(events) != 1 || !slices.Equal(keysOf(t, events[0]), recordedKeys) {
		t.Errorf("the signup event %s", raw)
	}
	var ss struct {
		Details struct {
			Body map[string]any `json:"body"`
		} `json:"details"`
	}
	json.Unmarshal(events[0], &ss)
	if ss.Details.Body["password"] != "*****" || ss.Details.Body["email"] != "chuck1@example.com" {
		t.Errorf("signup details %v", ss.Details.Body)
	}
	for _, tc := range []struct{ q, want string }{
		{`type:sdu`, "sdu"},
		{`type:s OR type:sdu`, "sdu s"},
		{`user_id:"` + u.UserID + `" AND type:s*`, "sdu s ss"},
		{`type:sapi AND description:"delete a user"`, "sapi"},
		{`date:[2000-01-01 TO *] AND type:seccft`, "seccft"},
		{`date:[* TO 2000-01-01]`, ""},
	} {
		c.call("GET", "/api/v2/logs?q="+url.QueryEscape(tc.q), nil, 200, &logs)
		var got []string
		for _, e := range logs {
			got = append(got, e.Type)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("q=%s: %v, want %s", tc.q, got, tc.want)
		}
	}
	wantError(t, c.do("GET", "/api/v2/logs?q="+url.QueryEscape("date:[nope TO *]"), nil), 400, "invalid_query_string")
	// The deletion's API operation, as recorded (TestLogManager_Search): the
	// path as sent, escaped; no body, null; the answer's, {}.
	raw = c.call("GET", "/api/v2/logs?q="+url.QueryEscape(`type:sapi AND description:"delete a user"`), nil, 200, nil).body
	var deletion []struct {
		Details struct {
			Request struct {
				Path string          `json:"path"`
				Body json.RawMessage `json:"body"`
			} `json:"request"`
			Response struct {
				Body json.RawMessage `json:"body"`
			} `json:"response"`
		} `json:"details"`
	}
	json.Unmarshal(raw, &deletion)
	if len(deletion) != 1 || deletion[0].Details.Request.Path != "/api/v2/users/"+url.PathEscape(u.UserID) ||
		string(deletion[0].Details.Request.Body) != "null" || string(deletion[0].Details.Response.Body) != "{}" {
		t.Errorf("the deletion's event %s", raw)
	}

	// Paging, with totals; checkpoint paging walks forward from an event.
	var page struct {
		Start, Limit, Length, Total int
		Logs                        []logEntry
	}
	c.call("GET", "/api/v2/logs?page=1&per_page=3&include_totals=true", nil, 200, &page)
	if page.Start != 3 || page.Length != 3 || page.Total != 8 || page.Logs[0].Type != "fu" {
		t.Errorf("page 1 %+v", page)
	}
	c.call("GET", "/api/v2/logs?per_page=10", nil, 200, &logs)
	var after []logEntry
	c.call("GET", "/api/v2/logs?take=2&from="+logs[5].ID, nil, 200, &after)
	if len(after) != 2 || after[0].ID != logs[4].ID || after[1].ID != logs[3].ID {
		t.Errorf("from the 6th event: %+v", after)
	}
	var one logEntry
	c.call("GET", "/api/v2/logs/"+logs[2].ID, nil, 200, &one)
	if one != logs[2] {
		t.Errorf("read one: %+v, want %+v", one, logs[2])
	}

	// A user's own events, newest first.
	c.call("GET", path+"/logs", nil, 200, &logs)
	types = types[:0]
	for _, e := range logs {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{"sdu", "s", "fp", "ss"}) {
		t.Errorf("the user's events %v", types)
	}
}

func TestTenFailedLoginsBlockTheAccount(t *testing.T) {
	c := startTest(t, Options{})
	var u struct {
		UserID string `json:"user_id"`
	}
	c.call("POST", "/api/v2/users", map[string]any{"connection": "Username-Password-Authentication",
		"email": "eve@example.com", "password": "right password"}, 201, &u)
	path := "/api/v2/user-blocks/" + url.PathEscape(u.UserID)
	var blocks struct {
		BlockedFor []userBlock `json:"blocked_for"`
	}
	if r := c.call("GET", path, nil, 200, &blocks); string(r.body) != `{"blocked_for":[]}` {
		t.Errorf("no blocks answers %s (recorded: {\"blocked_for\":[]})", r.body)
	}
	for range maxFailedLogins {
		c.login("eve@example.com", "guess")
	}
	if r := c.login("eve@example.com", "right password"); r.status != 429 {
		t.Errorf("the right password after %d failures: %d %s", maxFailedLogins, r.status, r.body)
	}
	c.call("GET", path, nil, 200, &blocks)
	if len(blocks.BlockedFor) != 1 || blocks.BlockedFor[0].Identifier != "eve@example.com" || blocks.BlockedFor[0].IP != "127.0.0.1" {
		t.Errorf("blocks %+v", blocks)
	}
	c.call("DELETE", path, nil, 204, nil)
	if r := c.login("eve@example.com", "right password"); r.status != 200 {
		t.Errorf("after the unblock: %d %s", r.status, r.body)
	}
	wantError(t, c.do("GET", "/api/v2/user-blocks/auth0%7Cnobody", nil), 404, "inexistent_user")
}
