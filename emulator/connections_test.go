package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestConnections(t *testing.T) {
	c := startTest(t, Options{})
	type conn struct {
		ID       string         `json:"id"`
		Name     string         `json:"name"`
		Strategy string         `json:"strategy"`
		Options  map[string]any `json:"options"`
	}
	names := func(cs []conn) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	var all []conn
	c.call("GET", "/api/v2/connections", nil, 200, &all)
	if len(all) != 6 {
		t.Fatalf("%d connections", len(all))
	}
	// In id order, as Auth0 lists them (recorded), not in the fixture's.
	if !slices.IsSortedFunc(all, func(a, b conn) int { return strings.Compare(a.ID, b.ID) }) || all[2].ID != "con_github" {
		t.Errorf("connections not in id order: %v", all)
	}
	// Options are served back as given.
	var family conn
	c.call("GET", "/api/v2/connections/con_family", nil, 200, &family)
	attrs, _ := family.Options["attributes"].(map[string]any)
	email, _ := attrs["email"].(map[string]any)
	if family.Name != "family" || email["unique"] != false || family.Options["precedence"] == nil {
		t.Errorf("family options %v", family.Options)
	}
	wantError(t, c.do("GET", "/api/v2/connections/con_nope", nil), 404, "inexistent_connection")

	var filtered []conn
	c.call("GET", "/api/v2/connections?strategy=auth0", nil, 200, &filtered)
	if got := names(filtered); len(got) != 3 {
		t.Errorf("strategy=auth0: %v", got)
	}
	c.call("GET", "/api/v2/connections?strategy=github&strategy=sms", nil, 200, &filtered)
	if got := names(filtered); len(got) != 2 || got[0] != "github" || got[1] != "sms" {
		t.Errorf("two strategies: %v", got)
	}
	c.call("GET", "/api/v2/connections?name=legacy-db", nil, 200, &filtered)
	if len(filtered) != 1 || filtered[0].ID != "con_legacy" {
		t.Errorf("name filter: %v", filtered)
	}

	var page struct {
		Start, Limit, Total int
		Connections         []conn
	}
	c.call("GET", "/api/v2/connections?page=1&per_page=4&include_totals=true", nil, 200, &page)
	if page.Start != 4 || page.Limit != 4 || page.Total != 6 || len(page.Connections) != 2 {
		t.Errorf("page: %+v", page)
	}
	// Checkpoint paging walks everything once, its next checkpoint opaque
	// as Auth0's (recorded: base64), not the next connection's id.
	var seen, checkpoints []string
	from := ""
	for range 10 {
		var cp struct {
			Connections []conn
			Next        string
		}
		c.call("GET", "/api/v2/connections?take=4&from="+url.QueryEscape(from), nil, 200, &cp)
		seen = append(seen, names(cp.Connections)...)
		if cp.Next == "" {
			break
		}
		from = cp.Next
		checkpoints = append(checkpoints, from)
	}
	if len(seen) != 6 || len(checkpoints) != 1 {
		t.Errorf("checkpoint paging saw %v, with checkpoints %q", seen, checkpoints)
	}
	for _, cp := range checkpoints {
		if slices.ContainsFunc(all, func(c conn) bool { return strings.Contains(cp, c.ID) }) {
			t.Errorf("checkpoint %q names a connection in plain text", cp)
		}
	}
	wantError(t, c.do("GET", "/api/v2/connections?take=0", nil), 400, "invalid_query_string", "take")
	// A from that is no checkpoint (malformed, or a connection's plain id) is refused, as for organizations.
	for _, from := range []string{"%%%not-a-checkpoint", "con_github", base64.RawURLEncoding.EncodeToString([]byte("con_gone"))} {
		for _, list := range []string{"connections", "organizations"} {
			wantError(t, c.do("GET", "/api/v2/"+list+"?take=2&from="+url.QueryEscape(from), nil), 400, "invalid_query_string",
				`Invalid value "`+from+`" for property from`)
		}
	}

	var projected []map[string]json.RawMessage
	c.call("GET", "/api/v2/connections?fields=name,strategy&include_fields=true", nil, 200, &projected)
	if len(projected[0]) != 4 || projected[0]["id"] == nil || projected[0]["is_domain_connection"] == nil {
		t.Errorf("projection (the two fields, id and is_domain_connection): %v", projected[0])
	}
}

func TestDefaultTenantHasDefaultConnections(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap := s.Snapshot()
	if len(snap.Connections) != 3 || len(snap.Users) != 0 || s.UserCount() != 0 {
		t.Errorf("default tenant: %d connections, %d users", len(snap.Connections), len(snap.Users))
	}
	if _, err := New(Options{Tenant: &Tenant{Users: []*User{{UserID: "a|1"}, {UserID: "a|1"}}}}); err == nil {
		t.Error("duplicate user ids accepted")
	}
}
