package emulator

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type jobAnswer struct {
	Type           string           `json:"type"`
	Status         string           `json:"status"`
	ID             string           `json:"id"`
	ConnectionID   string           `json:"connection_id"`
	Connection     string           `json:"connection"`
	Format         string           `json:"format"`
	Limit          int              `json:"limit"`
	Fields         []map[string]any `json:"fields"`
	CreatedAt      string           `json:"created_at"`
	Location       string           `json:"location"`
	PercentageDone *int             `json:"percentage_done"`
	Summary        map[string]int   `json:"summary"`
}

// waitJob polls the job until it is no longer pending or processing.
func (c *tenantClient) waitJob(id string) jobAnswer {
	c.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var j jobAnswer
		c.call("GET", "/api/v2/jobs/"+id, nil, 200, &j)
		if j.Status != "pending" && j.Status != "processing" {
			return j
		}
	}
	c.t.Fatalf("job %s never finished", id)
	return jobAnswer{}
}

// export runs an export job to completion and returns the decompressed file.
func (c *tenantClient) export(req map[string]any) (jobAnswer, []byte) {
	c.t.Helper()
	var j jobAnswer
	c.call("POST", "/api/v2/jobs/users-exports", req, 200, &j)
	if j.Type != "users_export" || j.Status != "pending" || !strings.HasPrefix(j.ID, "job_") || j.CreatedAt == "" {
		c.t.Fatalf("new job %+v", j)
	}
	j = c.waitJob(j.ID)
	if j.Status != "completed" || j.Location == "" {
		c.t.Fatalf("job ended %+v", j)
	}
	resp, zr := OpenExportForTest(c.t, http.DefaultClient, j.Location)
	defer resp.Body.Close()
	data, err := io.ReadAll(zr)
	if err != nil {
		c.t.Fatal(err)
	}
	return j, data
}

func ndjson(t *testing.T, data []byte) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestExportJSONWithFieldPaths(t *testing.T) {
	c := startTest(t, Options{})
	j, data := c.export(map[string]any{"format": "json", "fields": []map[string]any{
		{"name": "user_id"}, {"name": "email", "export_as": "mail"}, {"name": "email_verified"},
		{"name": "identities"}, {"name": "identities[0].connection", "export_as": "conn"},
		{"name": "identities[1].profileData.email"}, {"name": "user_metadata"},
		{"name": "user_metadata.country"}, {"name": "app_metadata.tags[1]"}, {"name": "logins_count"},
		{"name": "created_at"},
	}})
	if j.Format != "json" || len(j.Fields) != 11 || j.Fields[1]["export_as"] != "mail" {
		t.Errorf("job %+v", j)
	}
	lines := ndjson(t, data)
	if len(lines) != c.s.UserCount() {
		t.Fatalf("%d lines for %d users", len(lines), c.s.UserCount())
	}
	byID := map[string]map[string]json.RawMessage{}
	for _, l := range lines {
		var id string
		json.Unmarshal(l["user_id"], &id)
		byID[id] = l
	}
	alice := byID["auth0|alice1"]
	for k, want := range map[string]string{
		"mail": `"alice@example.com"`, "email_verified": "true", "conn": `"Username-Password-Authentication"`,
		"user_metadata": `{"country":"NZ","theme":"dark"}`, "user_metadata.country": `"NZ"`,
		"app_metadata.tags[1]": `"b"`, "logins_count": "12", "created_at": `"2024-01-10T10:00:00.000Z"`,
	} {
		if string(alice[k]) != want {
			t.Errorf("alice %s = %s, want %s", k, alice[k], want)
		}
	}
	if _, ok := alice["email"]; ok {
		t.Error("export_as did not rename email")
	}
	if string(byID["auth0|carol1"]["identities[1].profileData.email"]) != `"carol@gmail.com"` {
		t.Errorf("carol %v", byID["auth0|carol1"])
	}
	if string(byID["auth0|bob1"]["email_verified"]) != `"true"` {
		t.Errorf("bob's string flag: %s", byID["auth0|bob1"]["email_verified"])
	}
	sms := byID["sms|333"]
	if _, ok := sms["mail"]; ok {
		t.Errorf("a missing field was exported: %v", sms)
	}
}

func TestExportCSVConnectionAndLimit(t *testing.T) {
	c := startTest(t, Options{})
	j, data := c.export(map[string]any{"format": "csv", "connection_id": "con_family", "limit": 1, "fields": []map[string]any{
		{"name": "user_id"}, {"name": "email", "export_as": "Email Address"}, {"name": "identities"}, {"name": "given_name"},
	}})
	if j.ConnectionID != "con_family" || j.Connection != "family" || j.Limit != 1 {
		t.Errorf("job %+v", j)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	if len(rows) != 2 || strings.Join(rows[0], "|") != "user_id|Email Address|identities|given_name" {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][0] != "auth0|kid1" || rows[1][1] != "parent@family.test" || rows[1][3] != "" {
		t.Errorf("row %q", rows[1])
	}
	var ids []map[string]any
	if err := json.Unmarshal([]byte(rows[1][2]), &ids); err != nil || ids[0]["connection"] != "family" {
		t.Errorf("identities cell %q: %v", rows[1][2], err)
	}
}

func TestExportDefaultsAndSnapshot(t *testing.T) {
	c := startTest(t, Options{})
	var j jobAnswer
	c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json"}, 200, &j)
	// Writes after the job was created do not reach its file.
	c.call("DELETE", "/api/v2/users/auth0%7Calice1", nil, 204, nil)
	j = c.waitJob(j.ID)
	resp, zr := OpenExportForTest(t, http.DefaultClient, j.Location)
	data, _ := io.ReadAll(zr)
	resp.Body.Close()
	lines := ndjson(t, data)
	if len(lines) != c.s.UserCount()+1 {
		t.Errorf("%d lines, tenant had %d users", len(lines), c.s.UserCount()+1)
	}
	for _, k := range []string{"user_id", "email", "identities", "created_at", "logins_count"} {
		if _, ok := lines[0][k]; !ok {
			t.Errorf("default fields lack %s: %v", k, lines[0])
		}
	}
	if _, ok := lines[0]["user_metadata"]; ok {
		t.Error("metadata is not a default field")
	}
}

func TestExportLocationIsFreshSignedAndExpires(t *testing.T) {
	c := startTest(t, Options{ExportLinkTTL: 30 * time.Second})
	j, _ := c.export(map[string]any{"format": "json", "fields": []map[string]any{{"name": "user_id"}}})
	first := j.Location
	if !strings.HasPrefix(first, c.base+"/") || strings.Contains(first, "/api/v2/") {
		t.Errorf("location %s", first)
	}
	c.s.skew.Add(int64(2 * time.Second))
	second := c.waitJob(j.ID).Location
	if second == first {
		t.Error("the location did not change")
	}
	tampered := strings.Replace(first, "X-Amz-Expires=30", "X-Amz-Expires=99999", 1)
	for name, tc := range map[string]struct {
		url, code string
		after     time.Duration
	}{
		"tampered": {tampered, "SignatureDoesNotMatch", 0},
		"expired":  {first, "AccessDenied", time.Minute},
	} {
		c.s.skew.Add(int64(tc.after))
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !bytes.Contains(body, []byte("<Code>"+tc.code+"</Code>")) {
			t.Errorf("%s link: %d %s", name, resp.StatusCode, body)
		}
	}
	// A fresh link works again.
	resp, err := http.Get(c.waitJob(j.ID).Location)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("fresh link: %v %v", resp.Status, err)
	}
	resp.Body.Close()
}

func TestExportRefusalsAndFailures(t *testing.T) {
	c := startTest(t, Options{FailExports: true})
	var j jobAnswer
	c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json"}, 200, &j)
	j = c.waitJob(j.ID)
	if j.Status != "failed" || j.Location != "" || j.Summary["failed"] == 0 {
		t.Errorf("failing export ended %+v", j)
	}
	wantError(t, c.do("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "xml"}), 400, "invalid_body", "xml")
	wantError(t, c.do("POST", "/api/v2/jobs/users-exports", map[string]any{"connection_id": "con_nope"}), 400, "inexistent_connection")
	wantError(t, c.do("POST", "/api/v2/jobs/users-exports", map[string]any{"limit": -1}), 400, "invalid_body", "limit")
	wantError(t, c.do("POST", "/api/v2/jobs/users-exports", map[string]any{"fields": []map[string]any{{"export_as": "x"}}}), 400, "invalid_body", "name")
	wantError(t, c.do("POST", "/api/v2/jobs/users-exports", map[string]any{"fields": []map[string]any{{"name": "identities[x]"}}}), 400, "invalid_body")
	wantError(t, c.do("GET", "/api/v2/jobs/job_nope", nil), 404, "inexistent_job")
}

func TestExportFieldPathParsing(t *testing.T) {
	for name, ok := range map[string]bool{
		"email": true, "identities[0].connection": true, "a.b.c": true, "identities[0][1]": true,
		"": false, "[0]": false, "a..b": false, "a[": false, "a[-1]": false, "a[1]x": false,
	} {
		if _, got := compileField(name); got != ok {
			t.Errorf("compileField(%q) ok = %v", name, got)
		}
	}
}

func TestGeneratedTenantServesConsistently(t *testing.T) {
	tenant := GenerateForTest(600, 5)
	c := startTest(t, Options{Tenant: tenant})
	var env struct{ Total int }
	c.call("GET", searchPath("", "include_totals", "true"), nil, 200, &env)
	_, data := c.export(map[string]any{"format": "json", "fields": []map[string]any{{"name": "user_id"}, {"name": "identities"}}})
	lines := ndjson(t, data)
	if env.Total != c.s.UserCount() || len(lines) != c.s.UserCount() || c.s.UserCount() != len(tenant.Users) {
		t.Errorf("search total %d, export %d lines, %d users, tenant %d", env.Total, len(lines), c.s.UserCount(), len(tenant.Users))
	}
	// Every linked identity is found on its owner, and every email by
	// users-by-email.
	for _, u := range tenant.Users[:100] {
		for _, id := range u.Identities[1:] {
			got := userIDs(t, c.call("GET", searchPath(`identities.user_id:"`+id.UserID.Value+`"`), nil, 200, nil).body)
			if !slices.Contains(got, u.UserID) {
				t.Errorf("identity %s|%s: owners %v, want %s", id.Provider, id.UserID, got, u.UserID)
			}
		}
		if u.Email != "" {
			got := userIDs(t, c.call("GET", "/api/v2/users-by-email?email="+url.QueryEscape(u.Email), nil, 200, nil).body)
			if !slices.Contains(got, u.UserID) {
				t.Errorf("users-by-email %q: %v lacks %s", u.Email, got, u.UserID)
			}
		}
	}
}

func TestExportFilesLeaveNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	c := startTest(t, Options{})
	var first jobAnswer
	for i := range keptExportFiles + 1 {
		j, _ := c.export(map[string]any{"format": "csv", "fields": []map[string]any{{"name": "user_id"}}})
		if i == 0 {
			first = j
		}
	}
	// Old files go, as if a bucket lifecycle rule removed them.
	resp, err := http.Get(c.waitJob(first.ID).Location)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("the oldest export is still served: %s", resp.Status)
	}
	// The files are unlinked at once, so a crash leaves nothing either…
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("files in TMPDIR: %v", left)
	}
	// …and Close lets go of the open ones, and stops a job under way.
	big := startTest(t, Options{Tenant: bigTenant(30000)})
	big.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json"}, 200, nil)
	big.s.Close()
	c.s.Close()
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		for _, fd := range fds {
			if target, _ := os.Readlink("/proc/self/fd/" + fd.Name()); strings.Contains(target, "linkdesk-export") {
				t.Errorf("export file still open after Close: %s", target)
			}
		}
	}
}

// TestExportFileIsOneMemberInOrder checks the file compressed in blocks on
// every CPU: one gzip member (so that a reader that does not know about
// multistream reads it whole), every user's line once, in tenant order, and
// a CSV export of no users still has its header.
func TestExportFileIsOneMemberInOrder(t *testing.T) {
	tenant := GenerateForTest(3*exportBlock+17, 3)
	c := startTest(t, Options{Tenant: tenant})
	var j jobAnswer
	c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json", "fields": []map[string]any{{"name": "user_id"}}}, 200, &j)
	j = c.waitJob(j.ID)
	resp, zr := OpenExportForTest(t, http.DefaultClient, j.Location)
	defer resp.Body.Close()
	zr.Multistream(false)
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for _, u := range c.s.Snapshot().Users {
		want.WriteString(`{"user_id":` + strconv.Quote(u.UserID) + "}\n")
	}
	if !bytes.Equal(data, want.Bytes()) {
		t.Errorf("export differs from the tenant's users in order (%d bytes, want %d)", len(data), want.Len())
	}
	if rest, _ := io.ReadAll(resp.Body); len(rest) != 0 {
		t.Errorf("%d bytes after the gzip member", len(rest))
	}

	empty := startTest(t, Options{Tenant: &Tenant{Connections: tenant.Connections}})
	_, csvData := empty.export(map[string]any{"format": "csv", "fields": []map[string]any{{"name": "user_id"}, {"name": "email"}}})
	if string(csvData) != "user_id,email\n" {
		t.Errorf("CSV export of no users: %q", csvData)
	}
}
