package linking

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestScanFixtureClasses(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	r := f.scanExport(t, f.connections(), ScanOptions{})

	if r.UsersScanned != 22 || r.AccountsWithEmail != 20 || r.SkippedLines != 0 {
		t.Errorf("users %d, with email %d, skipped %d; want 22, 20, 0", r.UsersScanned, r.AccountsWithEmail, r.SkippedLines)
	}
	tests := []struct {
		email    string
		class    Class
		primary  string
		missed   bool
		accounts []string // in report order
		reasons  []string // substrings, each in some reason
	}{
		{"alice.personal@gmail.com", ClassLinkCandidate, "auth0|linked", false,
			[]string{"auth0|linked", "github|5005"},
			[]string{"2 accounts on github and google-oauth2; both emails verified",
				"auth0|linked is here through its linked identity google-oauth2|118000000000000000001 (google-oauth2, Alice.Personal@gmail.com)",
				"emails differ only in case"}},
		{"alice@corp.com", ClassLinkCandidate, "auth0|linked", true,
			[]string{"auth0|linked", "samlp|Acme-SAML|alice"},
			[]string{"on Acme-SAML and Username-Password-Authentication", "has logged in 2 times"}},
		{"john.doe@acme.com", ClassLinkCandidate, "auth0|john", true,
			[]string{"auth0|john", "google-oauth2|109876543210987654321"},
			[]string{"emails differ only in case: John.Doe@Acme.com (google-oauth2), john.doe@acme.com (Username-Password-Authentication) — the Account Link Extension matches case-sensitively and would not have offered a link",
				"the newest account, google-oauth2|109876543210987654321 (created 2023-01-02), has logged in 5 times"}},
		{"mary@example.com", ClassNeedsVerification, "github|2002", false,
			[]string{"github|2002", "auth0|mary"},
			[]string{"email not verified on auth0|mary (Username-Password-Authentication)", "verify before linking"}},
		{"parent@family.com", ClassSharedByDesign, "", true,
			[]string{"auth0|fam1", "auth0|fam2", "auth0|fam3"},
			[]string{"3 accounts share the email inside Family-DB, a Non-Unique Emails connection",
				"username dad (auth0|fam1), username kid1 (auth0|fam2), username kid2 (auth0|fam3)", "not a link candidate"}},
		{"dup@legacy.com", ClassLegacyDuplicate, "", true,
			[]string{"auth0|leg1", "auth0|leg2"},
			[]string{"2 accounts share the email inside Legacy-DB, a custom database without import mode",
				"needs migration, not linking", "(1) move the users to a new connection with Non-Unique Emails",
				"(2) bulk-import", "(3) give each user a unique email"}},
		{"old@legacy.com", ClassMixed, "", false,
			[]string{"auth0|leg3", "auth0|leg4", "github|7007"},
			[]string{"2 accounts share the email inside Legacy-DB", "github|7007 (github) shares the email with them",
				"email not verified on github|7007 (github)", "no primary is recommended"}},
		{"shop@store.com", ClassMixed, "", true,
			[]string{"auth0|shop1", "auth0|shop2", "google-oauth2|3003"},
			[]string{"2 accounts share the email inside Shops-DB, a Non-Unique Emails connection",
				"phone_number +15550001 (auth0|shop1)", "google-oauth2|3003 (google-oauth2) shares the email with them: it could be linked into one of them, and which one is for the operator to decide",
				"has logged in 9 times"}},
	}
	var gotOrder []string
	for _, g := range r.Groups {
		gotOrder = append(gotOrder, g.Email)
	}
	var wantOrder []string
	for _, tt := range tests {
		wantOrder = append(wantOrder, tt.email)
	}
	if !slices.Equal(gotOrder, wantOrder) {
		t.Errorf("groups in order\n got %q\nwant %q", gotOrder, wantOrder)
	}
	groups := groupByEmail(r)
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			g := groups[tt.email]
			if g == nil {
				t.Fatalf("no group")
			}
			if g.Class != tt.class || g.RecommendedPrimary != tt.primary || g.MissedByExtension != tt.missed {
				t.Errorf("class %s, primary %q, missed %v; want %s, %q, %v", g.Class, g.RecommendedPrimary, g.MissedByExtension, tt.class, tt.primary, tt.missed)
			}
			if got := userIDsOf(g); !slices.Equal(got, tt.accounts) {
				t.Errorf("accounts %q, want %q", got, tt.accounts)
			}
			all := strings.Join(g.Reasons, "\n")
			for _, want := range tt.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("no reason contains %q; reasons:\n%s", want, all)
				}
			}
			if (tt.primary == "") != (len(g.PrimaryReasons) == 0) {
				t.Errorf("primary reasons %q for primary %q", g.PrimaryReasons, tt.primary)
			}
		})
	}
	// Links decided by case alone get their reason only where the case differs.
	if all := strings.Join(groups["alice@corp.com"].Reasons, "\n"); strings.Contains(all, "differ only in case") {
		t.Errorf("alice@corp.com has no case variants, reasons say:\n%s", all)
	}
}

func TestAccountInTwoGroupsIsOneAccount(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	groups := groupByEmail(f.scanExport(t, f.connections(), ScanOptions{}))
	a, b := groups["alice@corp.com"].Accounts[0], groups["alice.personal@gmail.com"].Accounts[0]
	if a != b || a.UserID != "auth0|linked" {
		t.Fatalf("auth0|linked is two accounts (%p, %p)", a, b)
	}
	if len(a.Linked) != 1 || a.Linked[0].UserID != "118000000000000000001" || !a.Linked[0].EmailVerified || a.Linked[0].Name != "Alice" {
		t.Errorf("linked identities %+v", a.Linked)
	}
}

func TestAPIPathMatchesExportPath(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	fromExport := f.scanExport(t, f.connections(), ScanOptions{})
	conns := f.connections()
	s := NewScanner(conns, ScanOptions{})
	for _, u := range f.users(t) {
		s.Add(AccountFromUser(u, conns))
	}
	fromAPI := s.Report(ReportMeta{Tenant: "fixture.example", Method: MethodFile})
	if got, want := reportJSON(t, fromAPI), reportJSON(t, fromExport); got != want {
		t.Errorf("API path report differs from export path:\n%s\n---\n%s", got, want)
	}
}

func TestScanConnectionFilter(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	tests := []struct {
		conn string
		want []string
	}{
		{"github", []string{"alice.personal@gmail.com", "mary@example.com", "old@legacy.com"}},
		// google-oauth2 only as auth0|linked's linked identity still counts.
		{"google-oauth2", []string{"alice.personal@gmail.com", "alice@corp.com", "john.doe@acme.com", "shop@store.com"}},
		{"Legacy-DB", []string{"dup@legacy.com", "old@legacy.com"}},
		{"sms", nil},
	}
	for _, tt := range tests {
		r := f.scanExport(t, f.connections(), ScanOptions{Connection: tt.conn})
		var got []string
		for _, g := range r.Groups {
			got = append(got, g.Email)
		}
		if !slices.Equal(got, tt.want) || r.Connection != tt.conn || r.UsersScanned != 22 {
			t.Errorf("%s: groups %q (users %d), want %q", tt.conn, got, r.UsersScanned, tt.want)
		}
	}
}

func TestScanInferredConnections(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	r := f.scanExport(t, nil, ScanOptions{})
	groups := groupByEmail(r)
	tests := []struct {
		email string
		class Class
	}{
		{"john.doe@acme.com", ClassLinkCandidate},
		{"mary@example.com", ClassNeedsVerification},
		// Without settings a Non-Unique Emails family cannot be told from a legacy duplicate.
		{"parent@family.com", ClassLegacyDuplicate},
		{"dup@legacy.com", ClassLegacyDuplicate},
		{"shop@store.com", ClassMixed},
	}
	for _, tt := range tests {
		g := groups[tt.email]
		if g == nil || g.Class != tt.class {
			t.Errorf("%s: %v, want class %s", tt.email, g, tt.class)
			continue
		}
		if all := strings.Join(g.Reasons, "\n"); !strings.Contains(all, "unknown (scanned without the tenant's connection list)") {
			t.Errorf("%s: reasons do not say settings are unknown:\n%s", tt.email, all)
		}
	}
	if all := strings.Join(groups["parent@family.com"].Reasons, "\n"); !strings.Contains(all, "a Non-Unique Emails connection") || !strings.Contains(all, "ways out") {
		t.Errorf("inferred family reasons:\n%s", all)
	}
}

// TestClassifyDeterministic shuffles the accounts of every group: class,
// primary, reasons and account order must not move.
func TestClassifyDeterministic(t *testing.T) {
	f := loadFixture(t, "testdata/tenant.json")
	conns := f.connections()
	r := f.scanExport(t, conns, ScanOptions{})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range r.Groups {
		want := *g
		want.Accounts = slices.Clone(g.Accounts)
		for range 10 {
			h := &Group{Email: g.Email, Accounts: slices.Clone(g.Accounts)}
			rng.Shuffle(len(h.Accounts), func(i, j int) { h.Accounts[i], h.Accounts[j] = h.Accounts[j], h.Accounts[i] })
			Classify(h, conns)
			if h.Class != want.Class || h.RecommendedPrimary != want.RecommendedPrimary ||
				!slices.Equal(h.Reasons, want.Reasons) || !slices.Equal(h.PrimaryReasons, want.PrimaryReasons) ||
				!slices.Equal(h.Accounts, want.Accounts) {
				t.Fatalf("%s: shuffled input classified differently:\n%+v\nwant\n%+v", g.Email, h, want)
			}
		}
	}
}

func TestRecommendedPrimary(t *testing.T) {
	day := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	conns := NewConnections(
		Connection{Name: "db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true, Identifiers: []string{"email"}},
		Connection{Name: "saml", Strategy: "samlp", Provider: "samlp", Identifiers: []string{"email"}},
	)
	acct := func(id, conn string, verified bool, logins int64, last, created string) *Account {
		a := &Account{UserID: id, Connection: conn, Email: "x@y.com", EmailVerified: verified, LoginsCount: logins}
		if last != "" {
			a.LastLogin = day(last)
		}
		if created != "" {
			a.CreatedAt = day(created)
		}
		return a
	}
	tests := []struct {
		name     string
		accounts []*Account
		want     string
		reasons  []string
	}{
		{"verified beats logins", []*Account{
			acct("auth0|a", "db", false, 100, "2024-01-01", "2020-01-01"),
			acct("google-oauth2|b", "google-oauth2", true, 1, "2024-01-01", "2024-01-01"),
		}, "google-oauth2|b", []string{
			"google-oauth2|b: verified email, 1 login, last login 2024-01-01, created 2024-01-01, social connection",
			"chosen over auth0|a: verified email (auth0|a's is not)"}},
		{"most logins", []*Account{
			acct("auth0|a", "db", true, 41, "2024-01-01", "2021-03-02"),
			acct("google-oauth2|b", "google-oauth2", true, 3, "2024-02-01", "2020-01-01"),
		}, "auth0|a", []string{
			"auth0|a: verified email, 41 logins (most), last login 2024-01-01, created 2021-03-02, database connection",
			"chosen over google-oauth2|b: more logins (41 vs 3)"}},
		{"most recent login", []*Account{
			acct("auth0|a", "db", true, 3, "2024-01-01", "2020-01-01"),
			acct("google-oauth2|b", "google-oauth2", true, 3, "2024-02-01", "2021-01-01"),
		}, "google-oauth2|b", []string{"chosen over auth0|a: more recent login (2024-02-01 vs 2024-01-01)"}},
		{"oldest", []*Account{
			acct("google-oauth2|b", "google-oauth2", true, 3, "", "2019-01-01"),
			acct("auth0|a", "db", true, 3, "", "2021-03-02"),
		}, "google-oauth2|b", []string{
			"google-oauth2|b: verified email, 3 logins, created 2019-01-01 (oldest), social connection",
			"chosen over auth0|a: older account (created 2019-01-01 vs 2021-03-02)"}},
		{"database over enterprise over social", []*Account{
			acct("google-oauth2|b", "google-oauth2", true, 3, "", ""),
			acct("samlp|c", "saml", true, 3, "", ""),
			acct("auth0|a", "db", true, 3, "", ""),
		}, "auth0|a", []string{
			"chosen over google-oauth2|b: database account over social",
			"chosen over samlp|c: database account over enterprise or passwordless"}},
		{"an account holding linked identities must be the primary", []*Account{
			acct("auth0|a", "db", true, 100, "2024-01-01", "2020-01-01"),
			func() *Account {
				a := acct("google-oauth2|b", "google-oauth2", true, 1, "2023-01-01", "2023-01-01")
				a.Linked = []Identity{{Connection: "saml", Provider: "samlp", UserID: "c", Email: "x@y.com", EmailVerified: true}}
				return a
			}(),
		}, "google-oauth2|b", []string{"chosen over auth0|a: it already holds linked identities, so it cannot be linked as a secondary"}},
		{"user id breaks a tie", []*Account{
			acct("google-oauth2|z", "google-oauth2", true, 3, "", ""),
			acct("samlp|a", "saml", true, 3, "", ""),
		}, "samlp|a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Group{Email: "x@y.com", Accounts: tt.accounts}
			Classify(g, conns)
			if g.RecommendedPrimary != tt.want || g.Accounts[0].UserID != tt.want {
				t.Fatalf("primary %q (first %q), want %q; reasons %q", g.RecommendedPrimary, g.Accounts[0].UserID, tt.want, g.PrimaryReasons)
			}
			for _, want := range tt.reasons {
				if !slices.Contains(g.PrimaryReasons, want) {
					t.Errorf("primary reasons %q lack %q", g.PrimaryReasons, want)
				}
			}
		})
	}
}

func TestClassifyEdgeGroups(t *testing.T) {
	conns := NewConnections(
		Connection{Name: "nue", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"username"}},
		Connection{Name: "nue2", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"phone_number"}},
		Connection{Name: "db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true, Identifiers: []string{"email"}},
	)
	a := func(id, conn string, verified bool) *Account {
		return &Account{UserID: id, Connection: conn, Provider: "auth0", Email: "x@y.com", EmailVerified: verified, Username: id}
	}
	tests := []struct {
		name     string
		accounts []*Account
		want     Class
		reason   string
	}{
		{"one NUE account and a social one is a link candidate", []*Account{a("auth0|1", "nue", true), a("g|2", "google-oauth2", true)}, ClassLinkCandidate, "both emails verified"},
		{"two NUE families", []*Account{a("auth0|1", "nue", true), a("auth0|2", "nue", true), a("auth0|3", "nue2", true), a("auth0|4", "nue2", true)}, ClassMixed, "inside nue2"},
		{"ordinary db duplicates", []*Account{a("auth0|1", "db", true), a("auth0|2", "db", true)}, ClassLegacyDuplicate, "which should keep emails unique: find out how they came to be"},
		{"family plus two loose accounts", []*Account{a("auth0|1", "nue", true), a("auth0|2", "nue", true), a("auth0|3", "db", false), a("g|4", "google-oauth2", true)}, ClassMixed,
			"auth0|3 (db) and g|4 (google-oauth2), each alone on its connection, share the email with them: they could be linked together or into one of them, and the operator decides; email not verified on auth0|3 (db)"},
		{"three accounts need verification", []*Account{a("auth0|1", "db", false), a("g|2", "google-oauth2", false), a("auth0|3", "nue", true)}, ClassNeedsVerification, "emails not verified on auth0|1 (db) and g|2 (google-oauth2)"},
		{"a single account", []*Account{a("auth0|1", "db", true)}, "", "only one account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Group{Email: "x@y.com", Accounts: tt.accounts}
			Classify(g, conns)
			if g.Class != tt.want {
				t.Errorf("class %q, want %q", g.Class, tt.want)
			}
			if all := strings.Join(g.Reasons, "\n"); !strings.Contains(all, tt.reason) {
				t.Errorf("reasons lack %q:\n%s", tt.reason, all)
			}
		})
	}
}

func TestLargeGroupStaysReadable(t *testing.T) {
	conns := NewConnections(Connection{Name: "legacy", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email", "username"}})
	var export strings.Builder
	const n = 5000
	for i := range n {
		fmt.Fprintf(&export, `{"user_id":"auth0|%d","email":"NoReply%d@Example.com","username":"u%d","identities":[{"connection":"legacy","provider":"auth0","user_id":"%d"}]}`+"\n", i, i%3, i, i)
	}
	// The same user twice: the later line wins.
	fmt.Fprintf(&export, `{"user_id":"auth0|6","email":"noreply@example.com","name":"second","identities":[{"connection":"legacy","provider":"auth0","user_id":"6"}]}`+"\n")
	s := NewScanner(conns, ScanOptions{})
	if err := s.ReadExport(strings.NewReader(strings.ReplaceAll(export.String(), "NoReply0@", "NoReply@"))); err != nil {
		t.Fatal(err)
	}
	r := s.Report(ReportMeta{})
	g := groupByEmail(r)["noreply@example.com"]
	if g == nil || g.Class != ClassLegacyDuplicate {
		t.Fatalf("group %+v", g)
	}
	if len(g.Accounts) != (n+2)/3 {
		t.Errorf("%d accounts, want %d (auth0|6 once)", len(g.Accounts), (n+2)/3)
	}
	for _, a := range g.Accounts {
		if a.UserID == "auth0|6" && a.Name != "second" {
			t.Errorf("auth0|6 kept its first line: %+v", a)
		}
	}
	for _, reason := range g.Reasons {
		if len(reason) > 1000 {
			t.Errorf("a reason of %d bytes: %.200s…", len(reason), reason)
		}
	}
	if all := strings.Join(g.Reasons, "\n"); !strings.Contains(all, "and 1657 more)") {
		t.Errorf("reasons do not count the rest:\n%s", all)
	}
}
