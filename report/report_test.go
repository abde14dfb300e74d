package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/termsafe"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var scannedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// fixtureReport is the scan of the classification fixture's export.
func fixtureReport(t *testing.T) *linking.Report {
	r, _ := fixtureScan(t)
	return r
}

// fixtureScan is fixtureReport with the connections it was scanned with.
func fixtureScan(t *testing.T) (*linking.Report, *linking.Connections) {
	tenant := emulatortest.Fixture(t, emulatortest.Tenant)
	conns := linking.ConnectionsFromClient(emulatortest.Connections(t, tenant))
	s := scan.New(conns, scan.Options{})
	if err := s.ReadExport(bytes.NewReader(emulatortest.Export(tenant))); err != nil {
		t.Fatal(err)
	}
	return s.Report(linking.ReportMeta{Tenant: "fixture.example", ScannedAt: scannedAt, Method: linking.MethodExport}), conns
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run with -update after checking:\n%s", path, got)
	}
}

// jsonReport is report version 1 with linkdesk's added fields; decoding
// with DisallowUnknownFields proves nothing else is written.
type jsonReport struct {
	Version           *int            `json:"version"`
	Tenant            *string         `json:"tenant"`
	ScannedAt         *string         `json:"scanned_at"`
	Method            *string         `json:"method"`
	APICalls          *int            `json:"api_calls"`
	Connection        *string         `json:"connection"`
	Email             *string         `json:"email"`
	UsersScanned      *int            `json:"users_scanned"`
	AccountsWithEmail *int            `json:"accounts_with_email"`
	SkippedLines      *int            `json:"skipped_lines"`
	LineErrors        []jsonLineError `json:"line_errors"`
	// Added: the accounts holding an email that groups with nothing.
	AccountsWithUnusableEmail *int `json:"accounts_with_unusable_email"`
	UnusableEmails            []struct {
		UserID string `json:"user_id"`
		Email  string `json:"email"`
		Error  string `json:"error"`
	} `json:"unusable_emails"`
	Counts map[linking.Class]int `json:"counts"`
	Groups []jsonGroup           `json:"groups"`
}

type jsonLineError struct {
	Line  int64  `json:"line"`
	Error string `json:"error"`
}

type jsonGroup struct {
	Email              *string        `json:"email"`
	Class              *linking.Class `json:"class"`
	MissedByExtension  *bool          `json:"missed_by_extension"`
	RecommendedPrimary *string        `json:"recommended_primary"`
	PrimaryReasons     []string       `json:"primary_reasons"`
	Reasons            []string       `json:"reasons"`
	Accounts           []jsonAccount  `json:"accounts"`
}

type jsonAccount struct {
	UserID            *string         `json:"user_id"`
	Connection        *string         `json:"connection"`
	Provider          *string         `json:"provider"`
	Strategy          *string         `json:"strategy"`
	PrimaryIdentifier *jsonIdentifier `json:"primary_identifier"`
	NamedBy           *jsonIdentifier `json:"named_by"`
	Email             *string         `json:"email"`
	EmailVerified     *bool           `json:"email_verified"`
	Blocked           *bool           `json:"blocked"`
	Username          *string         `json:"username"`
	PhoneNumber       *string         `json:"phone_number"`
	Name              *string         `json:"name"`
	LoginsCount       *int64          `json:"logins_count"`
	LastLogin         *string         `json:"last_login"`
	CreatedAt         *string         `json:"created_at"`
	LinkedIdentities  []struct {
		Provider          *string         `json:"provider"`
		UserID            *string         `json:"user_id"`
		Connection        *string         `json:"connection"`
		Email             *string         `json:"email"`
		PrimaryIdentifier *jsonIdentifier `json:"primary_identifier"` // with the connections (scan --json)
	} `json:"linked_identities"`
}

type jsonIdentifier struct {
	Type  *string `json:"type"`
	Value *string `json:"value"`
}

func TestWriteJSONContract(t *testing.T) {
	r, conns := fixtureScan(t)
	var b bytes.Buffer
	if err := WriteJSONWith(&b, r, conns); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	golden(t, "report.golden.json", []byte(out))

	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var got jsonReport
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "tenant", "scanned_at", "method", "api_calls", "users_scanned", "accounts_with_email", "groups", "skipped_lines", "line_errors"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q in the report", k)
		}
	}
	if *got.Version != 1 || *got.Tenant != "fixture.example" || *got.ScannedAt != "2025-01-02T03:04:05Z" || *got.Method != "export" ||
		got.Connection != nil || got.Email != nil || *got.UsersScanned != 22 || *got.AccountsWithEmail != 20 || *got.SkippedLines != 0 || got.LineErrors == nil {
		t.Errorf("top level: %s", out[:300])
	}
	// The fixture's account whose email is no address is counted, not lost.
	if got.AccountsWithUnusableEmail == nil || *got.AccountsWithUnusableEmail != 1 || len(got.UnusableEmails) != 1 ||
		got.UnusableEmails[0].UserID != "auth0|noaddress" || got.UnusableEmails[0].Email != "not-an-address" {
		t.Errorf("unusable emails: %v %+v", got.AccountsWithUnusableEmail, got.UnusableEmails)
	}
	if len(got.Groups) != len(r.Groups) {
		t.Fatalf("%d groups, want %d", len(got.Groups), len(r.Groups))
	}
	counts := r.Counts()
	for c, n := range got.Counts {
		if counts[c] != n {
			t.Errorf("counts[%s] = %d, want %d", c, n, counts[c])
		}
	}
	for i, g := range got.Groups {
		want := r.Groups[i]
		if g.Email == nil || *g.Email != want.Email || *g.Class != want.Class || *g.MissedByExtension != want.MissedByExtension ||
			!slices.Equal(g.Reasons, want.Reasons) || len(g.Accounts) != len(want.Accounts) {
			t.Errorf("group %d: %+v, want %+v", i, g, want)
			continue
		}
		if (g.RecommendedPrimary == nil) != (want.RecommendedPrimary == "") || g.RecommendedPrimary != nil && *g.RecommendedPrimary != want.RecommendedPrimary {
			t.Errorf("%s: recommended_primary %v, want %q", want.Email, g.RecommendedPrimary, want.RecommendedPrimary)
		}
		if _, ok := raw["groups"]; ok && want.RecommendedPrimary == "" && !strings.Contains(out, `"recommended_primary":null`) {
			t.Error("no recommended_primary null written")
		}
		for j, a := range g.Accounts {
			wa := want.Accounts[j]
			if a.UserID == nil || *a.UserID != wa.UserID || *a.Connection != wa.Connection || *a.Provider != wa.Provider ||
				*a.Strategy != wa.Strategy || *a.Email != wa.Email || *a.EmailVerified != wa.EmailVerified || a.Blocked == nil || *a.Blocked != wa.Blocked || *a.LoginsCount != wa.LoginsCount ||
				a.PrimaryIdentifier == nil || *a.PrimaryIdentifier.Type != wa.Identifier.Type || *a.PrimaryIdentifier.Value != wa.Identifier.Value ||
				a.LinkedIdentities == nil || len(a.LinkedIdentities) != len(wa.Linked) {
				t.Errorf("%s account %d: %+v, want %+v", want.Email, j, a, wa)
				continue
			}
			for _, ts := range []struct {
				got  *string
				want time.Time
			}{{a.LastLogin, wa.LastLogin}, {a.CreatedAt, wa.CreatedAt}} {
				if ts.want.IsZero() {
					if ts.got != nil {
						t.Errorf("%s: unknown time written as %q", wa.UserID, *ts.got)
					}
					continue
				}
				if p, err := time.Parse(time.RFC3339, *ts.got); err != nil || !p.Equal(ts.want) {
					t.Errorf("%s: time %q, want %v", wa.UserID, *ts.got, ts.want)
				}
			}
			for k, l := range a.LinkedIdentities {
				wl := wa.Linked[k]
				if *l.Provider != wl.Provider || *l.UserID != wl.UserID || *l.Connection != wl.Connection || *l.Email != wl.Email ||
					l.PrimaryIdentifier == nil || *l.PrimaryIdentifier.Type != linking.IdentifierEmail || *l.PrimaryIdentifier.Value != wl.Email {
					t.Errorf("%s linked %d: %+v", wa.UserID, k, l)
				}
			}
		}
	}
}

// The several profiles of one email of a legacy custom database are named
// in JSON and CSV by the usernames that tell them apart (named_by), as the
// table, plans and the TUI name them; their primary_identifier stays the
// email, which is what their connection identifies them by.
func TestJSONAndCSVNameLegacyProfilesByTheirUsernames(t *testing.T) {
	r, conns := fixtureScan(t)
	var js, cs bytes.Buffer
	if err := WriteJSONWith(&js, r, conns); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&cs, r); err != nil {
		t.Fatal(err)
	}
	var got jsonReport
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	named := map[string]string{}
	for _, g := range got.Groups {
		for _, a := range g.Accounts {
			named[*g.Email+" "+*a.UserID] = *a.NamedBy.Type + " " + termsafe.CSVCell(*a.NamedBy.Value) + " / " + *a.PrimaryIdentifier.Type + " " + termsafe.CSVCell(*a.PrimaryIdentifier.Value)
		}
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(csvHeader, name) }
	for _, row := range rows[1:] {
		k := row[col("group_email")] + " " + row[col("user_id")]
		if c := row[col("named_by_type")] + " " + row[col("named_by_value")] + " / " + row[col("primary_identifier_type")] + " " + row[col("primary_identifier_value")]; c != named[k] {
			t.Errorf("%s: CSV names it %q, JSON %q", k, c, named[k])
		}
	}
	for k, want := range map[string]string{
		"old@legacy.com auth0|leg3":    "username legacy3 / email old@legacy.com",
		"old@legacy.com github|7007":   "email old@legacy.com / email old@legacy.com",
		"dup@legacy.com auth0|leg1":    "username legacy1 / email dup@legacy.com",
		"dup@legacy.com auth0|leg2":    "user_id auth0|leg2 / email dup@legacy.com", // no username: its user id tells it apart
		"parent@family.com auth0|fam2": "username kid1 / username kid1",
	} {
		if named[k] != want {
			t.Errorf("%s is named %q, want %q", k, named[k], want)
		}
	}
}

// A family member linked into another account is named in
// linked_identities by its username, as the accounts are; WriteJSON,
// without the connections, writes linked identities as it always has.
func TestWriteJSONNamesALinkedIdentityByItsPrimaryIdentifier(t *testing.T) {
	r, conns := fixtureScan(t)
	var parent *linking.Account
	for _, g := range r.Groups {
		if g.Email == "parent@family.com" {
			parent = g.Accounts[0]
		}
	}
	if parent == nil || parent.Connection != "Family-DB" {
		t.Fatalf("no account of parent@family.com on Family-DB: %+v", parent)
	}
	parent.Linked = append(parent.Linked,
		linking.Identity{Connection: "Family-DB", Provider: "auth0", UserID: "kid1", Email: "parent@family.com", Username: "kid.one"},
		linking.Identity{Connection: "sms", Provider: "sms", UserID: "s1", PhoneNumber: "+14155550100"},
		linking.Identity{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "g1", IsSocial: true, Email: "kid@gmail.com"})
	var b bytes.Buffer
	if err := WriteJSONWith(&b, r, conns); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"provider":"auth0","user_id":"kid1","connection":"Family-DB","email":"parent@family.com","primary_identifier":{"type":"username","value":"kid.one"}}`,
		`{"provider":"sms","user_id":"s1","connection":"sms","email":"","primary_identifier":{"type":"phone_number","value":"+14155550100"}}`,
		`{"provider":"google-oauth2","user_id":"g1","connection":"google-oauth2","email":"kid@gmail.com","primary_identifier":{"type":"email","value":"kid@gmail.com"}}`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if out := reportJSON(t, r); strings.Contains(out, `"linked_identities":[{"provider":"auth0","user_id":"kid1","connection":"Family-DB","email":"parent@family.com"}`) == false ||
		strings.Contains(out, `"primary_identifier":{"type":"username","value":"kid.one"}`) {
		t.Errorf("WriteJSON without connections changed its linked identities")
	}
}

func TestWriteJSONEscapesTenantStrings(t *testing.T) {
	name := "evil\x1b[31m\"quote\"\\ \u2028 line\nbreak \xff bad <tag> &"
	conns := linking.NewConnections()
	g := &linking.Group{Email: "x@y.com", Accounts: []*linking.Account{
		{UserID: "auth0|1", Connection: "db", Provider: "auth0", Email: "x@y.com", Name: name},
		{UserID: "auth0|2", Connection: "db2", Provider: "auth0", Email: "X@Y.com"},
	}}
	linking.Classify(g, conns)
	r := &linking.Report{Version: 1, Groups: []*linking.Group{g}, LineErrors: []linking.LineError{{Line: 7, Error: "column 3: \"bad\""}}, SkippedLines: 1}
	out := reportJSON(t, r)
	var got jsonReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if want := strings.ToValidUTF8(name, "\uFFFD"); *got.Groups[0].Accounts[0].Name != want {
		t.Errorf("name %q, want %q", *got.Groups[0].Accounts[0].Name, want)
	}
	if !strings.Contains(out, `<tag> &`) || strings.Contains(out, "\x1b") || !strings.Contains(out, `\u2028`) {
		t.Errorf("escaping: %s", out)
	}
	if len(got.LineErrors) != 1 || got.LineErrors[0].Line != 7 || *got.SkippedLines != 1 {
		t.Errorf("line errors: %+v", got.LineErrors)
	}
}

func TestWriteCSV(t *testing.T) {
	r := fixtureReport(t)
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], csvHeader) {
		t.Errorf("header %q", rows[0])
	}
	col := func(name string) int { return slices.Index(csvHeader, name) }
	n := 1
	for _, g := range r.Groups {
		for _, a := range g.Accounts {
			row := rows[n]
			n++
			rec := a.UserID == g.RecommendedPrimary
			if row[col("group_email")] != g.Email || row[col("class")] != string(g.Class) || row[col("user_id")] != a.UserID ||
				row[col("recommended")] != map[bool]string{true: "true", false: "false"}[rec] ||
				row[col("primary_identifier_type")] != a.Identifier.Type || row[col("email")] != a.Email {
				t.Errorf("row %d %q for %s in %s", n-1, row, a.UserID, g.Email)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("%d rows, want %d", len(rows)-1, n-1)
	}
	for _, row := range rows {
		if row[col("user_id")] == "auth0|linked" && row[col("group_email")] == "alice@corp.com" {
			if row[col("linked_identities")] != "google-oauth2|118000000000000000001 (google-oauth2)" || row[col("recommended")] != "true" {
				t.Errorf("linked row %q", row)
			}
		}
	}
}

func TestWriteTable(t *testing.T) {
	r := fixtureReport(t)
	var b bytes.Buffer
	if err := WriteTable(&b, r, 0); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.txt", b.Bytes())
	out := b.String()
	for _, want := range []string{
		"LINK CANDIDATE  john.doe@acme.com  2 accounts  · missed by the Account Link Extension",
		"* email john.doe@acme.com",
		"SHARED BY DESIGN  parent@family.com  3 accounts",
		"8 groups: link_candidate 3 · needs_verification 1 · shared_by_design 1 · legacy_duplicate 1 · mixed 2",
		"22 users scanned, 20 with an email",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	b.Reset()
	if err := WriteTable(&b, r, 60); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if utf8.RuneCountInString(line) > 60 {
			t.Errorf("line of %d runes at width 60: %q", utf8.RuneCountInString(line), line)
		}
	}
	if !strings.Contains(b.String(), "  - ways out: (1) move the users to a new connection with\n") {
		t.Errorf("reasons are not wrapped:\n%s", b.String())
	}
}

func TestWriteTableSanitizesTenantStrings(t *testing.T) {
	g := &linking.Group{Email: "x@y.com\x1b]0;title\x07", Accounts: []*linking.Account{
		{UserID: "auth0|1\x1b[2J", Connection: "db\u202e", Provider: "auth0", Email: "x@y.com"},
		{UserID: "auth0|2", Connection: "db2", Provider: "auth0", Email: "x@y.com\r"},
	}}
	linking.Classify(g, linking.NewConnections())
	r := &linking.Report{Groups: []*linking.Group{g}, LineErrors: []linking.LineError{{Line: 1, Error: "bad \x1b[0m"}}, SkippedLines: 1}
	var b bytes.Buffer
	if err := WriteTable(&b, r, 0); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.ContainsAny(out, "\x1b\x07\r\u202e") {
		t.Errorf("control characters reach the terminal: %q", out)
	}
}

// On a terminal (60, 80, 100 columns) every account's row keeps its user
// id, which support acts on, and its identifier whole: the table gives up
// the dates, logins and connection names first.
func TestWriteTableKeepsEveryUserIDWholeOnATerminal(t *testing.T) {
	r := fixtureReport(t)
	for _, width := range []int{60, 80, 100} {
		var b bytes.Buffer
		if err := WriteTable(&b, r, width); err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(b.String(), "\n\n") // a group each, in report order, then the summary
		if len(blocks) != len(r.Groups)+1 {
			t.Fatalf("at %d columns, %d blocks for %d groups:\n%s", width, len(blocks), len(r.Groups), b.String())
		}
		for i, g := range r.Groups {
			lines := strings.Split(blocks[i], "\n")
			for _, line := range lines {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("at %d columns, a line of %d runes: %q", width, n, line)
				}
			}
			for _, a := range g.Accounts {
				id := a.Identifier
				if u, ok := linking.UsernameTellsApart(g, a); ok {
					id = u
				}
				row := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, "  "+a.UserID) })
				if row < 0 {
					t.Errorf("at %d columns, group %s has no row ending in the whole user id %s:\n%s", width, g.Email, a.UserID, blocks[i])
				} else if !strings.Contains(lines[row], " "+id.Value+" ") {
					t.Errorf("at %d columns, the row of %s lacks its identifier %q whole: %q", width, a.UserID, id.Value, lines[row])
				}
			}
		}
	}
}

// A row too wide for the terminal gives up, in this order, its last login,
// its logins, its connection (cut, then left out), the identifier's type
// and its verification; the identifier and the user id stay whole.
func TestWriteTableGivesUpDatesThenLoginsThenConnectionNames(t *testing.T) {
	g := &linking.Group{Email: "john.doe@acme.com", Class: linking.ClassLinkCandidate, RecommendedPrimary: "auth0|john", Accounts: []*linking.Account{
		{UserID: "auth0|john", Connection: "Username-Password-Authentication", EmailVerified: true, LoginsCount: 41,
			LastLogin:  time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "john.doe@acme.com"}},
		{UserID: "google-oauth2|109876543210987654321", Connection: "google-oauth2", EmailVerified: true, Blocked: true, LoginsCount: 5,
			LastLogin:  time.Date(2024, 4, 1, 10, 0, 0, 0, time.UTC),
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "John.Doe@Acme.com"}},
	}}
	r := &linking.Report{Groups: []*linking.Group{g}}
	for _, tt := range []struct {
		width int
		rows  [2]string
	}{
		{0, [2]string{
			"  * email john.doe@acme.com  Username-Password-Authentication  verified           41 logins  last login 2024-05-01  auth0|john",
			"    email John.Doe@Acme.com  google-oauth2                     verified, blocked  5 logins   last login 2024-04-01  google-oauth2|109876543210987654321"}},
		{140, [2]string{
			"  * email john.doe@acme.com  Username-Password-Authentication  verified           41 logins  auth0|john",
			"    email John.Doe@Acme.com  google-oauth2                     verified, blocked  5 logins   google-oauth2|109876543210987654321"}},
		{120, [2]string{
			"  * email john.doe@acme.com  Username-Password-Authentication  verified           auth0|john",
			"    email John.Doe@Acme.com  google-oauth2                     verified, blocked  google-oauth2|109876543210987654321"}},
		{100, [2]string{
			"  * email john.doe@acme.com  Username-Passw…  verified           auth0|john",
			"    email John.Doe@Acme.com  google-oauth2    verified, blocked  google-oauth2|109876543210987654321"}},
		{90, [2]string{
			"  * email john.doe@acme.com  verified           auth0|john",
			"    email John.Doe@Acme.com  verified, blocked  google-oauth2|109876543210987654321"}},
		{80, [2]string{
			"  * john.doe@acme.com  verified           auth0|john",
			"    John.Doe@Acme.com  verified, blocked  google-oauth2|109876543210987654321"}},
		{70, [2]string{ // blocked is the last word of the verification given up
			"  * john.doe@acme.com           auth0|john",
			"    John.Doe@Acme.com  blocked  google-oauth2|109876543210987654321"}},
		{60, [2]string{
			"  * john.doe@acme.com  auth0|john",
			"    John.Doe@Acme.com  google-oauth2|109876543210987654321"}},
	} {
		var b bytes.Buffer
		if err := WriteTable(&b, r, tt.width); err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.rows {
			if !strings.Contains(b.String(), "\n"+want+"\n") {
				t.Errorf("at %d columns, no row\n%q in\n%s", tt.width, want, b.String())
			}
		}
	}
}

// "last login never" is said only of an account that never logged in: one
// with logins whose last login the data lacks says "unknown", in a group's
// rows as in an account found alone on its email.
func TestWriteTableSaysLastLoginUnknownForAnAccountWithLogins(t *testing.T) {
	account := func(id string, logins int64, last time.Time) *linking.Account {
		return &linking.Account{UserID: id, Connection: "db", Provider: "auth0", Email: "x@y.com", LoginsCount: logins, LastLogin: last,
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "x@y.com"}}
	}
	g := &linking.Group{Email: "x@y.com", Class: linking.ClassLinkCandidate, Accounts: []*linking.Account{
		account("auth0|30", 30, time.Time{}),
		account("auth0|0", 0, time.Time{}),
		account("auth0|3", 3, time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)),
	}}
	r := &linking.Report{Groups: []*linking.Group{g}, Single: []*linking.Account{account("auth0|alone", 7, time.Time{})}}
	var b bytes.Buffer
	if err := WriteTable(&b, r, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"30 logins  last login unknown     auth0|30\n",
		"0 logins   last login never       auth0|0\n",
		"3 logins   last login 2024-01-01  auth0|3\n",
		"7 logins  last login unknown  auth0|alone\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// The JSON and the CSV leave a last login the data lacks empty (null, an
// empty cell) whatever the logins: they never invent one.
func TestJSONAndCSVLeaveAMissingLastLoginEmpty(t *testing.T) {
	a := &linking.Account{UserID: "auth0|30", Connection: "db", Provider: "auth0", Email: "x@y.com", LoginsCount: 30,
		Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "x@y.com"}}
	b2 := &linking.Account{UserID: "auth0|0", Connection: "db", Provider: "auth0", Email: "x@y.com",
		Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "x@y.com"}}
	r := &linking.Report{Version: 1, Groups: []*linking.Group{{Email: "x@y.com", Class: linking.ClassLinkCandidate, Accounts: []*linking.Account{a, b2}}}}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Groups []struct {
			Accounts []map[string]any `json:"accounts"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, acc := range rep.Groups[0].Accounts {
		if v, ok := acc["last_login"]; !ok || v != nil {
			t.Errorf("JSON of %v: last_login %v, want null", acc["user_id"], v)
		}
	}
	var cs bytes.Buffer
	if err := WriteCSV(&cs, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "last_login")
	for _, row := range rows[1:] {
		if row[col] != "" {
			t.Errorf("CSV row %q: last_login %q, want it empty", row, row[col])
		}
	}
}

func TestCounts(t *testing.T) {
	r := &linking.Report{Groups: []*linking.Group{{Class: linking.ClassMixed}, {Class: linking.ClassMixed}, {Class: linking.ClassLinkCandidate}}}
	c := r.Counts()
	if len(c) != len(linking.Classes) || c[linking.ClassMixed] != 2 || c[linking.ClassLinkCandidate] != 1 || c[linking.ClassSharedByDesign] != 0 {
		t.Errorf("counts %v", c)
	}
}

// TestPlainJSON checks the eight-bytes-at-a-time path against
// encoding/json, with every kind of byte at every position of a string: a
// string is plain when encoding/json writes it unchanged between quotes.
func TestPlainJSON(t *testing.T) {
	slow := func(s string) bool {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return buf.String() == `"`+s+`"`+"\n"
	}
	base := "abcdefghijklmnopqrstuvwxyz0123"
	for _, odd := range []string{"\x00", "\x1f", " ", "\"", "\\", "\x7f", "é", "\xff", "\u2028", "~", "!", "#", "[", "]", "\x80"} {
		for i := 0; i <= len(base); i++ {
			s := base[:i] + odd + base[i:]
			if got, want := plainJSON(s), slow(s); got != want {
				t.Errorf("plainJSON(%q) = %v, want %v", s, got, want)
			}
		}
	}
	// Every length around a word, the odd byte in every lane of the last,
	// overlapping word.
	for _, odd := range []string{"\x00", "\"", "\\", "é", "\xff", "\u2029"} {
		for n := 0; n <= 17; n++ {
			for i := 0; i <= n; i++ {
				s := base[:i] + odd + base[i:n]
				if got, want := plainJSON(s), slow(s); got != want {
					t.Errorf("plainJSON(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
	for c := range 256 {
		s := strings.Repeat("x", 9) + string(rune(c)) + strings.Repeat("y", 9)
		if c >= 0x80 {
			s = strings.Repeat("x", 9) + string([]byte{byte(c)}) + strings.Repeat("y", 9)
		}
		if got, want := plainJSON(s), slow(s); got != want {
			t.Errorf("plainJSON(%q) = %v, want %v", s, got, want)
		}
	}
}

func reportJSON(tb testing.TB, r *linking.Report) string {
	tb.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// TestWrappedSplitsAtEveryWhiteSpaceAsFields checks the table's word wrap
// (spaces only for ASCII text, Unicode white space otherwise) against
// strings.Fields and rune counts, at widths that cut every text.
func TestWrappedSplitsAtEveryWhiteSpaceAsFields(t *testing.T) {
	// The reference builds whole lines first (greedy: a word joins a line
	// while the joined line fits), then writes each through endLine.
	reference := func(width int, prefix, text string) string {
		indent := utf8.RuneCountInString(prefix)
		var lines [][]string
		for _, word := range strings.Fields(text) {
			if k := len(lines) - 1; k >= 0 && utf8.RuneCountInString(strings.Join(append(slices.Clip(lines[k]), word), " ")) <= width-indent {
				lines[k] = append(lines[k], word)
				continue
			}
			lines = append(lines, []string{word})
		}
		tw := tableWriter{width: width}
		for i, words := range lines {
			lead := prefix
			if i > 0 {
				lead = strings.Repeat(" ", indent)
			}
			start := len(tw.b)
			tw.b = append(tw.b, lead+strings.Join(words, " ")...)
			tw.endLine(start)
		}
		return string(tw.b)
	}
	texts := []string{
		"", "   ", "one", "  two  spaces   between words  ",
		"chosen over github|257390992: more logins (14 vs 3) and a very long tail of words to wrap around twice",
		"Анна Adams\u00a0и\u3000山田 太郎\u2003em space and a word that is far longer than any width here: " + strings.Repeat("x", 90),
		"a\u0085b \u00a0 c",
		"short words then " + strings.Repeat("y", 120) + " and more words after it, to wrap at every width tried here",
		strings.Repeat("z", 41) + " " + strings.Repeat("w", 36) + " end",
	}
	for _, width := range []int{30, 41, 100} {
		for _, text := range texts {
			tw := tableWriter{width: width}
			tw.wrapped("  - ", text)
			if got, want := string(tw.b), reference(width, "  - ", text); got != want {
				t.Errorf("width %d, %q:\n got %q\nwant %q", width, text, got, want)
			}
		}
	}
}

// A count of one is worded as one: "1 user scanned", not "1 users".
func TestWriteTableCountsOneAsOne(t *testing.T) {
	a := &linking.Account{UserID: "auth0|1", Connection: "db", Provider: "auth0", Email: "x@y.com",
		Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "x@y.com"}}
	r := &linking.Report{Version: 1, UsersScanned: 1, AccountsWithEmail: 1, SkippedLines: 1, Single: []*linking.Account{a}}
	var b bytes.Buffer
	if err := WriteTable(&b, r, 0); err != nil {
		t.Fatal(err)
	}
	if want := "\n1 user scanned, 1 with an email, 1 malformed line skipped\n"; !strings.Contains(b.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, b.String())
	}
}

// A plan summary says "1 of the calls merges", as it says "1 call".
func TestWritePlanSummaryCountsOneAsOne(t *testing.T) {
	p := &linking.Plan{ID: "plan-1", Tenant: "t.example", CreatedAt: scannedAt, Operations: []linking.Operation{{
		ID: "op1", Kind: linking.OpLink, Primary: "auth0|1", Secondary: "google-oauth2|2",
		Steps: []linking.Step{
			{ID: "op1.patch", Action: linking.ActionPatchMetadata, Call: linking.Call{Method: "PATCH", Path: "/api/v2/users/auth0%7C1"}},
			{ID: "op1.link", Action: "link", Call: linking.Call{Method: "POST", Path: "/api/v2/users/auth0%7C1/identities"}},
		},
	}}}
	var b bytes.Buffer
	if err := WritePlanSummary(&b, p, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 operation, 2 calls; 0 groups not planned.", "  1 of the calls merges a secondary's metadata into its primary first\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

// A plan summary is cut to a terminal's width, by runes and keeping each
// operation's count of calls; for a file or a pipe (width 0) nothing is
// cut, as the table is not.
func TestWritePlanSummaryCutsOnlyToATerminal(t *testing.T) {
	const email = "Anthony.Odegaard1314@Acme.com"
	p := &linking.Plan{ID: "plan-1", Tenant: "t.example", CreatedAt: scannedAt, Operations: []linking.Operation{{
		ID: "op1", Kind: linking.OpLink, Primary: "auth0|6ad6e0f1a2b3c4d5e6f70819", Secondary: "samlp|acme-corp|" + email,
		Group: "anthony.odegaard1314@acme.com — Zoë Ødegård",
		Steps: []linking.Step{
			{ID: "op1.patch", Action: linking.ActionPatchMetadata, Call: linking.Call{Method: "PATCH", Path: "/api/v2/users/x"}},
			{ID: "op1.link", Action: "link", Call: linking.Call{Method: "POST", Path: "/api/v2/users/x/identities"}},
		},
	}}}
	line := func(width int) string {
		var b bytes.Buffer
		if err := WritePlanSummary(&b, p, width); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, "op1 ") {
				return l
			}
		}
		t.Fatalf("no line of op1:\n%s", b.String())
		return ""
	}
	whole := "op1   " + OperationTitle(p.Operations[0]) + " (2 calls)"
	if got := line(0); got != whole {
		t.Errorf("piped, the line is\n%q, want it whole:\n%q", got, whole)
	}
	if got := line(500); got != whole {
		t.Errorf("on a wide terminal, the line is\n%q, want it whole:\n%q", got, whole)
	}
	for _, width := range []int{80, 100, utf8.RuneCountInString(whole) - 1} {
		got := line(width)
		if n := utf8.RuneCountInString(got); n != width || !utf8.ValidString(got) || !strings.HasSuffix(got, "… (2 calls)") {
			t.Errorf("at %d columns, the line of %d runes is %q", width, n, got)
		}
	}
	// Too narrow for the line: the title keeps its first runes.
	if got := line(10); got != "op1   link samlp|acme-cor… (2 calls)" {
		t.Errorf("at 10 columns: %q", got)
	}
}

// The operations of a plan an earlier run began show the calls it made as
// made already, so that a resume asks only about the calls left.
func TestWriteOperationsLeftMarksTheCallsMadeAlready(t *testing.T) {
	ops := []linking.Operation{{
		ID: "op1", Kind: linking.OpLink, Primary: "auth0|1", Secondary: "google-oauth2|2",
		Steps: []linking.Step{
			{ID: "op1.roles", Action: linking.ActionAssignRoles, Call: linking.Call{Method: "POST", Path: "/api/v2/users/auth0%7C1/roles"}},
			{ID: "op1.link", Action: "link", Call: linking.Call{Method: "POST", Path: "/api/v2/users/auth0%7C1/identities"}},
		},
	}}
	var b bytes.Buffer
	if err := WriteOperationsLeft(&b, ops, func(step string) bool { return step == "op1.roles" }); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"       made already: POST /api/v2/users/auth0%7C1/roles\n", "       POST /api/v2/users/auth0%7C1/identities\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
}

// scan --email of an address an account holds only through a linked
// identity's profile says so on the account's line, rather than naming the
// account's own address as if it were the one asked for.
func TestWriteTableSaysWhichLinkedIdentityHoldsTheAddressAsked(t *testing.T) {
	pat := &linking.Account{UserID: "auth0|pat", Email: "pat@work.com", Connection: "Username-Password-Authentication", Provider: "auth0",
		Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "pat@work.com"},
		Linked:     []linking.Identity{{Provider: "github", UserID: "77", Connection: "github", Email: "Pat@Home.com"}}}
	for _, tc := range []struct{ asked, want string }{
		{"pat@home.com", "ACCOUNT  pat@home.com  alone: held by auth0|pat through its linked identity github|77; no other account has this email"},
		{"pat@work.com", "ACCOUNT  pat@work.com  alone: no other account has this email"},
	} {
		var b bytes.Buffer
		if err := WriteTable(&b, &linking.Report{Email: tc.asked, Single: []*linking.Account{pat}}, 0); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want+"\n") {
			t.Errorf("scan --email %s:\n%s", tc.asked, b.String())
		}
		b.Reset()
		if err := WriteJSON(&b, &linking.Report{Email: tc.asked, Single: []*linking.Account{pat}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"email":"`+tc.asked+`"`) {
			t.Errorf("scan --email %s --json does not say the address asked: %s", tc.asked, b.String())
		}
	}
}

// An unlink names the identity it takes out by its primary identifier, as
// a link names it: a family member linked into another account by mistake
// was named by user id alone in the unlink's dry run and in the undo of
// its link, where only its username tells it from its parent.
func TestAnUnlinkNamesTheIdentityByItsUsername(t *testing.T) {
	op := linking.Operation{Kind: linking.OpUnlink, Primary: "google-oauth2|1173", Secondary: "auth0|6892",
		Names: map[string]string{"auth0|6892": "username harper.celik591"}}
	if got, want := OperationTitle(op), "unlink auth0|6892 (username harper.celik591) from google-oauth2|1173"; got != want {
		t.Errorf("the unlink reads %q, want %q", got, want)
	}
}
