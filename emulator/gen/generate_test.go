package gen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator"
)

// ---- a census of a tenant, read from its data alone ----

// census describes a tenant by what its data shows, not by what the
// generator meant, so the tests check the data itself.
type census struct {
	users    int
	inGroups int            // users whose case-folded email another user has too
	perConn  map[string]int // users per connection (identities[0])
	cases    map[string]int // groups or users per case, see caseNames
}

// caseNames are the cases every generated tenant holds, even a small one.
var caseNames = []string{
	// groups of accounts sharing a case-folded email, by class (the scan report's)
	"link_candidate", "needs_verification", "shared_by_design", "legacy_duplicate", "mixed",
	// link groups (link_candidate or needs_verification)
	"missed_by_extension", "catchable_by_extension", "mixed_case", "three_accounts", "linked_with_duplicate",
	"metadata_conflict",
	// users
	"already_linked", "no_email_sms", "no_email_github", "github_id_above_2^53", "email_verified_string",
}

const nueConnection = "family-accounts"

func takeCensus(t *emulator.Tenant) census {
	c := census{users: len(t.Users), perConn: map[string]int{}, cases: map[string]int{}}
	groups := map[string][]*emulator.User{}
	twoTo53 := new(big.Int).Lsh(big.NewInt(1), 53)
	for _, u := range t.Users {
		c.perConn[u.Connection()]++
		if u.Email != "" {
			k := strings.ToLower(u.Email)
			groups[k] = append(groups[k], u)
		}
		switch {
		case len(u.Identities) > 1:
			c.cases["already_linked"]++
		case u.Email == "" && u.Connection() == "sms":
			c.cases["no_email_sms"]++
		case u.Email == "" && u.Connection() == "github":
			c.cases["no_email_github"]++
		}
		for _, id := range u.Identities {
			n, ok := new(big.Int).SetString(id.UserID.Value, 10)
			if id.UserID.Numeric && ok && n.Cmp(twoTo53) > 0 {
				c.cases["github_id_above_2^53"]++
			}
		}
		if u.EmailVerified == emulator.FlagTrueString || u.EmailVerified == emulator.FlagFalseString {
			c.cases["email_verified_string"]++
		}
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		c.inGroups += len(g)
		class := classOf(g)
		c.cases[class]++
		if class != "link_candidate" && class != "needs_verification" {
			continue
		}
		newest := slices.MaxFunc(g, func(a, b *emulator.User) int { return a.CreatedAt.Compare(b.CreatedAt) })
		if newest.LoginsCount > 1 {
			c.cases["missed_by_extension"]++
		} else {
			c.cases["catchable_by_extension"]++
		}
		if slices.ContainsFunc(g, func(u *emulator.User) bool { return u.Email != g[0].Email }) {
			c.cases["mixed_case"]++
		}
		if len(g) >= 3 {
			c.cases["three_accounts"]++
		}
		if slices.ContainsFunc(g, func(u *emulator.User) bool { return len(u.Identities) > 1 }) {
			c.cases["linked_with_duplicate"]++
		}
		if plan := func(u *emulator.User) string {
			var m struct{ Plan string }
			json.Unmarshal(u.AppMetadata, &m)
			return m.Plan
		}; plan(g[0]) != "" && plan(g[1]) != "" && plan(g[0]) != plan(g[1]) {
			c.cases["metadata_conflict"]++
		}
	}
	return c
}

// classOf classifies a group the way the scan report (version 1) does.
func classOf(g []*emulator.User) string {
	perConn := map[string]int{}
	verified := true
	for _, u := range g {
		perConn[u.Connection()]++
		verified = verified && u.EmailVerified.Bool()
	}
	sharedNUE := perConn[nueConnection] >= 2
	sameConn := false
	for name, n := range perConn {
		sameConn = sameConn || name != nueConnection && n >= 2
	}
	switch {
	case perConn[nueConnection] == len(g):
		return "shared_by_design"
	case len(perConn) == 1:
		return "legacy_duplicate"
	case !sharedNUE && !sameConn && verified:
		return "link_candidate"
	case !sharedNUE && !sameConn:
		return "needs_verification"
	}
	return "mixed"
}

// ---- generator ----

func fixtureBytes(t testing.TB, tn *emulator.Tenant) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := emulator.WriteFixture(&b, tn); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGenerateIsDeterministic(t *testing.T) {
	o := GenOptions{Users: 9000, Seed: 42} // more than two chunks
	a, b := fixtureBytes(t, Generate(o)), fixtureBytes(t, Generate(o))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed and size gave different tenants")
	}
	var streamed bytes.Buffer
	streamed.WriteString("users:")
	GenerateEach(o, nil, func(u *emulator.User) { streamed.Write(u.AppendJSON(nil)) })
	var whole bytes.Buffer
	whole.WriteString("users:")
	for _, u := range Generate(o).Users {
		whole.Write(u.AppendJSON(nil))
	}
	if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
		t.Error("GenerateEach and Generate disagree")
	}
	o.Seed = 43
	if bytes.Equal(a, fixtureBytes(t, Generate(o))) {
		t.Error("another seed gave the same tenant")
	}
	o.Now = GenDefaultNow.Add(24 * time.Hour)
	if bytes.Equal(a, fixtureBytes(t, Generate(o))) {
		t.Error("another Now gave the same tenant")
	}
}

func TestGenerateCoversEveryCaseAtSmallN(t *testing.T) {
	for _, n := range []int{30, 50} {
		for seed := range int64(8) {
			t.Run(fmt.Sprintf("n=%d/seed=%d", n, seed), func(t *testing.T) {
				c := takeCensus(Generate(GenOptions{Users: n, Seed: seed}))
				if c.users != n {
					t.Errorf("%d users, want %d", c.users, n)
				}
				for _, name := range caseNames {
					if c.cases[name] == 0 {
						t.Errorf("no %s", name)
					}
				}
				for _, conn := range genConns {
					if c.perConn[conn.name] == 0 {
						t.Errorf("no user on %s", conn.name)
					}
				}
			})
		}
	}
}

func TestGenerateSizes(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 13, genChunkSize - 1, genChunkSize, genChunkSize + 1} {
		tn := Generate(GenOptions{Users: n, Seed: 7})
		if len(tn.Users) != max(n, 0) || len(tn.Connections) != int(numConns) {
			t.Errorf("Users: %d gave %d users and %d connections", n, len(tn.Users), len(tn.Connections))
		}
		checkInvariants(t, tn)
	}
}

func TestGenerateInvariants(t *testing.T) {
	for _, o := range []GenOptions{{Users: 50, Seed: 1}, {Users: 20_000, Seed: 2}, {Users: 5000, Seed: -9, Now: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)}} {
		t.Run(fmt.Sprint(o.Users), func(t *testing.T) { checkInvariants(t, Generate(o)) })
	}
}

// checkInvariants checks what the emulator and the linking code rely on.
func checkInvariants(t *testing.T, tn *emulator.Tenant) {
	t.Helper()
	conns := map[string]*emulator.Connection{}
	for _, c := range tn.Connections {
		conns[c.Name] = c
	}
	database := map[string]bool{}
	for _, c := range genConns {
		database[c.name] = c.database
	}
	now := GenDefaultNow
	userAt := map[string]int{}
	identityAt := map[string]string{}
	usernames := map[string]bool{}
	sameEmail := map[string][]*emulator.User{} // per connection and case-folded email
	for i, u := range tn.Users {
		if _, dup := userAt[u.UserID]; dup {
			t.Fatalf("duplicate user_id %s", u.UserID)
		}
		userAt[u.UserID] = i
		if len(u.Identities) == 0 || u.Identities[0].Provider+"|"+u.Identities[0].UserID.Value != u.UserID {
			t.Fatalf("%s: identities[0] does not match: %+v", u.UserID, u.Identities)
		}
		for k, id := range u.Identities {
			c := conns[id.Connection]
			if c == nil || c.Strategy != id.Provider {
				t.Fatalf("%s: identities[%d] on %q (%s), not a connection of the tenant", u.UserID, k, id.Connection, id.Provider)
			}
			key := id.Provider + "|" + id.UserID.Value
			if other, dup := identityAt[key]; dup {
				t.Fatalf("%s: identity %s is also %s's", u.UserID, key, other)
			}
			identityAt[key] = u.UserID
			if k > 0 && !json.Valid(id.ProfileData) {
				t.Fatalf("%s: identities[%d] profileData %q", u.UserID, k, id.ProfileData)
			}
			if e := profileEmail(id.ProfileData); k > 0 && database[id.Connection] && e != strings.ToLower(e) {
				t.Fatalf("%s: linked database identity with upper-case email %s", u.UserID, id.ProfileData)
			}
		}
		if database[u.Connection()] && u.Email != strings.ToLower(u.Email) {
			t.Fatalf("%s: database email %q is not lower-case", u.UserID, u.Email)
		}
		if (u.Email != "") != u.EmailVerified.Set() {
			t.Fatalf("%s: email %q with email_verified %v", u.UserID, u.Email, u.EmailVerified)
		}
		if u.Username != "" {
			k := u.Connection() + "\x00" + u.Username
			if usernames[k] {
				t.Fatalf("%s: username %q taken twice on %s", u.UserID, u.Username, u.Connection())
			}
			usernames[k] = true
		}
		if u.Email != "" {
			k := u.Connection() + "\x00" + strings.ToLower(u.Email)
			sameEmail[k] = append(sameEmail[k], u)
		}
		switch {
		case u.CreatedAt.IsZero() || !u.CreatedAt.Before(now):
			t.Fatalf("%s: created_at %v", u.UserID, u.CreatedAt)
		case u.UpdatedAt.Before(u.CreatedAt):
			t.Fatalf("%s: updated_at %v before created_at %v", u.UserID, u.UpdatedAt, u.CreatedAt)
		case u.LoginsCount > 0 && (u.LastLogin.Before(u.CreatedAt) || !u.LastLogin.Before(now) || u.LastIP == ""):
			t.Fatalf("%s: %d logins, last_login %v, created %v, last_ip %q", u.UserID, u.LoginsCount, u.LastLogin, u.CreatedAt, u.LastIP)
		case u.LoginsCount == 0 && (!u.LastLogin.IsZero() || u.LastIP != ""):
			t.Fatalf("%s: never logged in but last_login %v", u.UserID, u.LastLogin)
		case u.LoginsCount == 0 && !database[u.Connection()]:
			t.Fatalf("%s: a %s user exists only after a login", u.UserID, u.Connection())
		}
		for _, m := range []json.RawMessage{u.UserMetadata, u.AppMetadata} {
			if m != nil && (!json.Valid(m) || m[0] != '{') {
				t.Fatalf("%s: metadata %s", u.UserID, m)
			}
		}
	}
	// Several accounts share an email inside one connection only where the
	// connection allows it: the Non-Unique Email one and the legacy custom database.
	for _, g := range sameEmail {
		if c := g[0].Connection(); len(g) > 1 && c != nueConnection && c != genConns[connLegacy].name {
			t.Fatalf("%d accounts share %s on %s", len(g), g[0].Email, c)
		}
	}
}

func profileEmail(p json.RawMessage) string {
	var v struct{ Email string }
	json.Unmarshal(p, &v)
	return v.Email
}

// TestGenerateProportions checks that about a third of the users are in
// groups and that each case keeps its share as the tenant grows.
func TestGenerateProportions(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 220,000 users")
	}
	small, large := takeCensus(Generate(GenOptions{Users: 20_000, Seed: 3})), takeCensus(Generate(GenOptions{Users: 200_000, Seed: 4}))
	for _, c := range []census{small, large} {
		if share := float64(c.inGroups) / float64(c.users); share < 0.28 || share > 0.4 {
			t.Errorf("%d users: %.3f of them in groups, want about a third", c.users, share)
		}
	}
	for _, name := range caseNames {
		s, l := float64(small.cases[name])/20_000, float64(large.cases[name])/200_000
		if small.cases[name] >= 100 && (l < s*0.8 || l > s*1.25) {
			t.Errorf("%s: %.4f per user at 20k, %.4f at 200k", name, s, l)
		}
	}
	hostile := 0
	for _, u := range Generate(GenOptions{Users: 100_000, Seed: 5}).Users {
		if hostileMark(u) != "" {
			hostile++
		}
	}
	if hostile > len(hostileCases) {
		t.Errorf("%d hostile users in 100,000, want a handful (%d)", hostile, len(hostileCases))
	}
}

// TestGenerateComposition logs the make-up of a 5,000-user tenant (go test -v).
func TestGenerateComposition(t *testing.T) {
	c := takeCensus(Generate(GenOptions{Users: 5000, Seed: 1}))
	t.Logf("%d users, %d (%.1f%%) in groups sharing an email", c.users, c.inGroups, 100*float64(c.inGroups)/float64(c.users))
	for _, conn := range genConns {
		t.Logf("  %-34s %5d users", conn.name, c.perConn[conn.name])
	}
	for _, name := range caseNames {
		t.Logf("  %-34s %5d", name, c.cases[name])
	}
}

// ---- hostile strings ----

// hostileMarks say how each hostile case shows in a user.
var hostileMarks = []struct {
	name string
	in   func(u *emulator.User) bool
}{
	{"osc-window-title", func(u *emulator.User) bool { return strings.HasPrefix(u.Name, "\x1b]0;pwned\x07") }},
	{"clear-screen", func(u *emulator.User) bool { return strings.Contains(u.Nickname, "\x1b[2J") }},
	{"osc52-clipboard", func(u *emulator.User) bool { return strings.Contains(u.Name, "\x1b]52;c;") }},
	{"cursor-movement", func(u *emulator.User) bool { return strings.Contains(u.Name, "\x1b[1A") }},
	{"c0-c1-controls", func(u *emulator.User) bool {
		return strings.Contains(u.Name, "\x00") && strings.Contains(u.Name, "\u009b")
	}},
	{"bidi-override", func(u *emulator.User) bool {
		return strings.Contains(u.Name, "\u202e") && strings.HasPrefix(u.GivenName, "\u202e")
	}},
	{"zero-width", func(u *emulator.User) bool { return strings.Contains(u.Name, "\u200b") }},
	{"long-name", func(u *emulator.User) bool { return len(u.Name) >= 10240 }},
	{"invalid-utf8", func(u *emulator.User) bool { return !utf8.ValidString(u.Name) }},
	{"line-injection", func(u *emulator.User) bool { return strings.Contains(u.Name, "\nuser_id: ") }},
	{"csv-formula", func(u *emulator.User) bool { return strings.HasPrefix(u.Nickname, "=") }},
	{"profile-data-escape", func(u *emulator.User) bool {
		return slices.ContainsFunc(u.Identities, func(id emulator.Identity) bool { return bytes.Contains(id.ProfileData, []byte(`\u001b]0;pwned`)) })
	}},
	{"username-escape", func(u *emulator.User) bool { return strings.Contains(u.Username, "\x1b[8m") }},
}

func hostileMark(u *emulator.User) string {
	for _, m := range hostileMarks {
		if m.in(u) {
			return m.name
		}
	}
	return ""
}

func TestGenerateHostileStrings(t *testing.T) {
	if len(hostileMarks) != len(hostileCases) {
		t.Fatalf("%d marks for %d hostile cases", len(hostileMarks), len(hostileCases))
	}
	for _, n := range []int{30, 50, 5000} {
		tn := Generate(GenOptions{Users: n, Seed: int64(n)})
		for _, m := range hostileMarks {
			if !slices.ContainsFunc(tn.Users, m.in) {
				t.Errorf("n=%d: no %s", n, m.name)
			}
		}
		for _, u := range tn.Users {
			checkRoundTrip(t, u)
		}
	}
}

// checkRoundTrip checks that u survives AppendJSON and UnmarshalJSON, but for
// invalid UTF-8, which JSON carries as U+FFFD.
func checkRoundTrip(t *testing.T, u *emulator.User) {
	t.Helper()
	b := u.AppendJSON(nil)
	if !json.Valid(b) {
		t.Fatalf("%s: invalid JSON %.200s", u.UserID, b)
	}
	var back emulator.User
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: %v", u.UserID, err)
	}
	want := u.Clone()
	want.Roles, want.Organizations = nil, nil // memberships are a fixture's, never in an answer
	for _, s := range []*string{&want.Name, &want.GivenName, &want.FamilyName, &want.Nickname, &want.Username} {
		*s = asJSONDecodes(*s)
	}
	if !reflect.DeepEqual(&back, want) {
		t.Fatalf("round trip changed the user:\n got %s\nwant %s", back.AppendJSON(nil), want.AppendJSON(nil))
	}
}

// asJSONDecodes is s with each invalid UTF-8 byte replaced by U+FFFD, as
// AppendJSON writes it.
func asJSONDecodes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func TestGeneratedConnections(t *testing.T) {
	tn := Generate(GenOptions{})
	byName := map[string]*emulator.Connection{}
	for _, c := range tn.Connections {
		byName[c.Name] = c
		if !strings.HasPrefix(c.ID, "con_") || len(c.ID) != 20 || c.ID != emulator.ConnectionIDFor(c.Name) {
			t.Errorf("%s: id %q", c.Name, c.ID)
		}
	}
	attr := func(c, path string) any {
		var v any = byName[c].Options
		for _, k := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	for _, tc := range []struct {
		conn, path string
		want       any
	}{
		{"Username-Password-Authentication", "attributes.email.identifier.active", true},
		{"Username-Password-Authentication", "attributes.email.unique", true},
		{"family-accounts", "attributes.email.unique", false},
		{"family-accounts", "attributes.email.identifier.active", false},
		{"family-accounts", "attributes.email.profile_required", true},
		{"family-accounts", "attributes.email.signup.status", "required"},
		{"family-accounts", "attributes.username.identifier.active", true},
		{"family-accounts", "attributes.username.signup.status", "required"},
		{"family-accounts", "attributes.username.profile_required", true},
		{"legacy-members", "enabledDatabaseCustomization", true},
		{"legacy-members", "import_mode", false},
		{"legacy-members", "requires_username", true},
		{"legacy-members", "attributes", nil}, // requires_username and attributes exclude each other
		{"acme-corp", "tenant_domain", "acme.com"},
		{"sms", "name", "sms"},
	} {
		if got := attr(tc.conn, tc.path); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s options.%s = %v, want %v", tc.conn, tc.path, got, tc.want)
		}
	}
	if p, _ := byName["family-accounts"].Options["precedence"].([]any); len(p) == 0 || p[0] != "username" {
		t.Errorf("family-accounts precedence %v", p)
	}
}

func TestAppendEmailKeepsIdPCase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"john.doe7@acme.com", "John.Doe7@Acme.com"},
		{"jane_roe@gmail.com", "Jane_Roe@Gmail.com"},
		{"orders3@rose.bakery.com", "Orders3@Rose.bakery.com"},
	} {
		if got := string(appendEmail(nil, []byte(tc.in), true)); got != tc.want {
			t.Errorf("appendEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// ---- speed and size ----

func BenchmarkGenerate10k(b *testing.B) {
	for b.Loop() {
		Generate(GenOptions{Users: 10_000, Seed: 1})
	}
}

// BenchmarkGenerate1M reports the time to make a million users and the heap
// the tenant holds.
func BenchmarkGenerate1M(b *testing.B) {
	if testing.Short() {
		b.Skip("a million users")
	}
	for b.Loop() {
		runtime.KeepAlive(Generate(GenOptions{Users: 1_000_000, Seed: 1}))
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tn := Generate(GenOptions{Users: 1_000_000, Seed: 1})
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tn)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heap-MB")
}

// BenchmarkGenerateExport1M streams a million users as NDJSON, as a users
// export writes them, and reports the raw and gzip (BestSpeed) sizes.
func BenchmarkGenerateExport1M(b *testing.B) {
	if testing.Short() {
		b.Skip("a million users")
	}
	var raw, zipped countingWriter
	for b.Loop() {
		raw, zipped = 0, 0
		zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestSpeed)
		out := io.MultiWriter(&raw, zw)
		var line []byte
		GenerateEach(GenOptions{Users: 1_000_000, Seed: 1}, nil, func(u *emulator.User) {
			line = append(u.AppendJSON(line[:0]), '\n')
			out.Write(line)
		})
		zw.Close()
	}
	b.ReportMetric(float64(raw)/1e6, "ndjson-MB")
	b.ReportMetric(float64(zipped)/1e6, "gzip-MB")
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// TestGenerateGivesDuplicatesRolesAndOrganizations checks that duplicate
// groups hold memberships, on the newest account (the would-be secondary)
// too, from the smallest tenant up, and that every membership names a role
// or organization of the tenant.
func TestGenerateGivesDuplicatesRolesAndOrganizations(t *testing.T) {
	for _, n := range []int{30, 5000} {
		tn := Generate(GenOptions{Users: n, Seed: int64(n)})
		roles, orgs := map[string]bool{}, map[string]bool{}
		for _, r := range tn.Roles {
			roles[r.ID] = true
		}
		for _, o := range tn.Organizations {
			orgs[o.ID] = true
		}
		groups := map[string][]*emulator.User{}
		members := 0
		for _, u := range tn.Users {
			if u.Email != "" {
				k := strings.ToLower(u.Email)
				groups[k] = append(groups[k], u)
			}
			for _, id := range u.Roles {
				if !roles[id] {
					t.Errorf("n=%d: %s has an unknown role %s", n, u.UserID, id)
				}
			}
			for _, id := range u.Organizations {
				if !orgs[id] {
					t.Errorf("n=%d: %s has an unknown organization %s", n, u.UserID, id)
				}
			}
			if len(u.Roles)+len(u.Organizations) > 0 {
				members++
			}
		}
		newestWithBoth := 0
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			newest := g[0]
			for _, u := range g[1:] {
				if u.CreatedAt.After(newest.CreatedAt) {
					newest = u
				}
			}
			if len(newest.Roles) > 0 && len(newest.Organizations) > 0 {
				newestWithBoth++
			}
		}
		if members == 0 || newestWithBoth == 0 {
			t.Errorf("n=%d: %d users with memberships, %d groups whose newest account has a role and an organization", n, members, newestWithBoth)
		}
		t.Logf("n=%d: %d users with memberships", n, members)
	}
}
