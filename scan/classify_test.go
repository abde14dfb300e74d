package scan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
)

func TestScanFixtureClasses(t *testing.T) {
	f := loadFixture(t, emulatortest.Tenant)
	r := f.scanExport(t, f.connections(t), Options{})

	if r.UsersScanned != 22 || r.AccountsWithEmail != 20 || r.SkippedLines != 0 {
		t.Errorf("users %d, with email %d, skipped %d; want 22, 20, 0", r.UsersScanned, r.AccountsWithEmail, r.SkippedLines)
	}
	tests := []struct {
		email    string
		class    linking.Class
		primary  string
		missed   bool
		accounts []string // in report order
		reasons  []string // substrings, each in some reason
	}{
		{"alice.personal@gmail.com", linking.ClassLinkCandidate, "auth0|linked", false,
			[]string{"auth0|linked", "github|5005"},
			[]string{"2 accounts on github and google-oauth2; both emails verified",
				"auth0|linked is here through its linked identity google-oauth2|118000000000000000001 (google-oauth2, Alice.Personal@gmail.com)",
				"emails differ only in case"}},
		{"alice@corp.com", linking.ClassLinkCandidate, "auth0|linked", true,
			[]string{"auth0|linked", "samlp|Acme-SAML|alice"},
			[]string{"on Acme-SAML and Username-Password-Authentication", "has logged in 2 times"}},
		{"john.doe@acme.com", linking.ClassLinkCandidate, "auth0|john", true,
			[]string{"auth0|john", "google-oauth2|109876543210987654321"},
			[]string{"emails differ only in case: John.Doe@Acme.com (google-oauth2), john.doe@acme.com (Username-Password-Authentication) — the Account Link Extension matches case-sensitively and would not have offered a link",
				"the newest account, google-oauth2|109876543210987654321 (created 2023-01-02), has logged in 5 times"}},
		{"mary@example.com", linking.ClassNeedsVerification, "github|2002", false,
			[]string{"github|2002", "auth0|mary"},
			[]string{"email not verified on auth0|mary (Username-Password-Authentication)", "verify before linking"}},
		{"parent@family.com", linking.ClassSharedByDesign, "", false, // shared by design: no link the extension could have made
			[]string{"auth0|fam1", "auth0|fam2", "auth0|fam3"},
			[]string{"3 accounts share the email inside Family-DB, a Non-Unique Emails connection",
				"username dad (auth0|fam1), username kid1 (auth0|fam2), username kid2 (auth0|fam3)", "not a link candidate"}},
		{"dup@legacy.com", linking.ClassLegacyDuplicate, "", false,
			[]string{"auth0|leg1", "auth0|leg2"},
			[]string{"2 accounts share the email inside Legacy-DB, a custom database without import mode",
				"needs migration, not linking", "(1) move the users to a new connection with Non-Unique Emails",
				"(2) bulk-import", "(3) give each user a unique email"}},
		{"old@legacy.com", linking.ClassMixed, "", false,
			[]string{"auth0|leg3", "auth0|leg4", "github|7007"},
			[]string{"2 accounts share the email inside Legacy-DB", "github|7007 (github) shares the email with them",
				"email not verified on github|7007 (github)", "no primary is recommended"}},
		{"shop@store.com", linking.ClassMixed, "", false,
			[]string{"auth0|shop1", "auth0|shop2", "google-oauth2|3003"},
			[]string{"2 accounts share the email inside Shops-DB, a Non-Unique Emails connection",
				"phone_number +15550001 (auth0|shop1)", "google-oauth2|3003 (google-oauth2) shares the email with them: it could be linked into one of them, and which one is for the operator to decide"}},
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
	f := loadFixture(t, emulatortest.Tenant)
	groups := groupByEmail(f.scanExport(t, f.connections(t), Options{}))
	a, b := groups["alice@corp.com"].Accounts[0], groups["alice.personal@gmail.com"].Accounts[0]
	if a != b || a.UserID != "auth0|linked" {
		t.Fatalf("auth0|linked is two accounts (%p, %p)", a, b)
	}
	if len(a.Linked) != 1 || a.Linked[0].UserID != "118000000000000000001" || !a.Linked[0].EmailVerified || a.Linked[0].Name != "Alice" {
		t.Errorf("linked identities %+v", a.Linked)
	}
}

func TestAPIPathMatchesExportPath(t *testing.T) {
	f := loadFixture(t, emulatortest.Tenant)
	fromExport := f.scanExport(t, f.connections(t), Options{})
	conns := f.connections(t)
	s := New(conns, Options{})
	for _, u := range emulatortest.Users(t, f.t) {
		s.Add(linking.AccountFromUser(u, conns))
	}
	fromAPI := s.Report(linking.ReportMeta{Tenant: "fixture.example", Method: linking.MethodFile})
	if got, want := reportJSON(t, fromAPI), reportJSON(t, fromExport); got != want {
		t.Errorf("API path report differs from export path:\n%s\n---\n%s", got, want)
	}
}

func TestScanConnectionFilter(t *testing.T) {
	f := loadFixture(t, emulatortest.Tenant)
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
		r := f.scanExport(t, f.connections(t), Options{Connection: tt.conn})
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
	f := loadFixture(t, emulatortest.Tenant)
	r := f.scanExport(t, nil, Options{})
	groups := groupByEmail(r)
	tests := []struct {
		email string
		class linking.Class
	}{
		{"john.doe@acme.com", linking.ClassLinkCandidate},
		{"mary@example.com", linking.ClassNeedsVerification},
		// Without settings a Non-Unique Emails family cannot be told from a legacy duplicate.
		{"parent@family.com", linking.ClassLegacyDuplicate},
		{"dup@legacy.com", linking.ClassLegacyDuplicate},
		{"shop@store.com", linking.ClassMixed},
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
	f := loadFixture(t, emulatortest.Tenant)
	conns := f.connections(t)
	r := f.scanExport(t, conns, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range r.Groups {
		want := *g
		want.Accounts = slices.Clone(g.Accounts)
		for range 10 {
			h := &linking.Group{Email: g.Email, Accounts: slices.Clone(g.Accounts)}
			rng.Shuffle(len(h.Accounts), func(i, j int) { h.Accounts[i], h.Accounts[j] = h.Accounts[j], h.Accounts[i] })
			linking.Classify(h, conns)
			if h.Class != want.Class || h.RecommendedPrimary != want.RecommendedPrimary ||
				!slices.Equal(h.Reasons, want.Reasons) || !slices.Equal(h.PrimaryReasons, want.PrimaryReasons) ||
				!slices.Equal(h.Accounts, want.Accounts) {
				t.Fatalf("%s: shuffled input classified differently:\n%+v\nwant\n%+v", g.Email, h, want)
			}
		}
	}
}

func TestLargeGroupStaysReadable(t *testing.T) {
	conns := linking.NewConnections(linking.Connection{Name: "legacy", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email", "username"}})
	var export strings.Builder
	const n = 5000
	for i := range n {
		fmt.Fprintf(&export, `{"user_id":"auth0|%d","email":"NoReply%d@Example.com","username":"u%d","identities":[{"connection":"legacy","provider":"auth0","user_id":"%d"}]}`+"\n", i, i%3, i, i)
	}
	// The same user twice: the later line wins.
	fmt.Fprintf(&export, `{"user_id":"auth0|6","email":"noreply@example.com","name":"second","identities":[{"connection":"legacy","provider":"auth0","user_id":"6"}]}`+"\n")
	s := New(conns, Options{})
	if err := s.ReadExport(strings.NewReader(strings.ReplaceAll(export.String(), "NoReply0@", "NoReply@"))); err != nil {
		t.Fatal(err)
	}
	r := s.Report(linking.ReportMeta{})
	g := groupByEmail(r)["noreply@example.com"]
	if g == nil || g.Class != linking.ClassLegacyDuplicate {
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

// An account holding an email only through a linked identity joins its
// group whichever line comes first: an earlier line of the chunk holding
// that email is no concern of this account's.
func TestAnEmailHeldThroughALinkedIdentityGroupsInAnyLineOrder(t *testing.T) {
	conns := linking.NewConnections(
		linking.Connection{Name: "Username-Password-Authentication", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		linking.Connection{Name: "github", Strategy: "github", Provider: "github"},
	)
	eve := `{"user_id":"auth0|E","email":"eve@ex.com","email_verified":true,"identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"E"}]}`
	work := `{"user_id":"auth0|D","email":"eve.work@ex.com","email_verified":true,"identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"D"},{"connection":"github","provider":"github","user_id":"5004","isSocial":true,"profileData":{"email":"eve@ex.com","email_verified":true}}]}`
	for _, lines := range [][]string{{eve, work}, {work, eve}} {
		s := New(conns, Options{})
		if err := s.ReadExport(strings.NewReader(strings.Join(lines, "\n") + "\n")); err != nil {
			t.Fatal(err)
		}
		g := groupByEmail(s.Report(linking.ReportMeta{}))["eve@ex.com"]
		if g == nil || len(g.Accounts) != 2 {
			t.Fatalf("eve@ex.com with %s first: group %+v, want its two accounts", lines[0][:20], g)
		}
	}
}
