package linking

import (
	"slices"
	"strings"
	"testing"
	"time"
)

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
		{"an account with no email has none verified", []*Account{
			func() *Account {
				a := acct("sms|b", "saml", false, 100, "2024-01-01", "2020-01-01")
				a.Email = ""
				return a
			}(),
			acct("auth0|a", "db", true, 1, "2024-01-01", "2024-01-01"),
		}, "auth0|a", []string{"chosen over sms|b: verified email (sms|b has no email)"}},
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
		}, "google-oauth2|b", []string{"chosen over auth0|a: google-oauth2|b already holds linked identities, so Auth0 cannot link it as a secondary"}},
		{"an account not blocked beats a blocked one with more logins", []*Account{
			func() *Account {
				a := acct("google-oauth2|b", "google-oauth2", true, 100, "2024-01-01", "2020-01-01")
				a.Blocked = true
				return a
			}(),
			acct("auth0|a", "db", true, 1, "2024-01-01", "2024-01-01"),
		}, "auth0|a", []string{"chosen over google-oauth2|b: not blocked (google-oauth2|b is blocked: it cannot sign in)"}},
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
		Connection{Name: "nue-bare", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true},
		Connection{Name: "nue2", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"phone_number"}},
		Connection{Name: "db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true, Identifiers: []string{"email"}},
		Connection{Name: "github", Strategy: "github", Provider: "github", IsSocial: true, Identifiers: []string{"email"}},
		Connection{Name: "legacy", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email"}},
		Connection{Name: "inferred-db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Inferred: true},
	)
	a := func(id, conn string, verified bool) *Account {
		return &Account{UserID: id, Connection: conn, Provider: "auth0", Email: "x@y.com", EmailVerified: verified, Username: id}
	}
	// g|4, a Google account holding an identity linked in from conn.
	holding := func(conn, username string) *Account {
		g := a("g|4", "google-oauth2", true)
		g.Linked = []Identity{{Connection: conn, Provider: "auth0", UserID: "3", Email: "x@y.com", Username: username}}
		return g
	}
	tests := []struct {
		name     string
		accounts []*Account
		want     Class
		reason   string
	}{
		// Alone on its Non-Unique Emails connection, an account's email may
		// still be a parent's or a shop's: never a link candidate by default.
		{"one NUE account and a social one are for the operator to decide", []*Account{a("auth0|1", "nue", true), a("g|2", "google-oauth2", true)}, ClassMixed,
			"username auth0|1 (auth0|1) is on nue, a Non-Unique Emails connection, where an email may be shared (a parent's inbox, a shop's) and tells no one apart: not a link candidate by default"},
		{"one account alone on a NUE connection is 'it', not 'them'", []*Account{a("auth0|1", "nue", true), a("g|2", "google-oauth2", true)}, ClassMixed,
			"g|2 (google-oauth2) shares the email with it: it could be linked into it, and whether to is for the operator to decide"},
		{"a NUE connection with no identifier but the user id", []*Account{a("auth0|1", "nue-bare", true), a("auth0|2", "nue-bare", true)}, ClassSharedByDesign,
			"no username or phone number is an identifier, so only their user ids tell them apart: auth0|1, auth0|2"},
		{"two NUE families", []*Account{a("auth0|1", "nue", true), a("auth0|2", "nue", true), a("auth0|3", "nue2", true), a("auth0|4", "nue2", true)}, ClassMixed, "inside nue2"},
		{"ordinary db duplicates", []*Account{a("auth0|1", "db", true), a("auth0|2", "db", true)}, ClassLegacyDuplicate, "which should keep emails unique: find out how they came to be"},
		{"family plus two loose accounts", []*Account{a("auth0|1", "nue", true), a("auth0|2", "nue", true), a("auth0|3", "db", false), a("g|4", "google-oauth2", true)}, ClassMixed,
			"auth0|3 (db) and g|4 (google-oauth2), each alone on its connection, share the email with them: they could be linked together or into one of them, and the operator decides; email not verified on auth0|3 (db)"},
		{"three accounts need verification", []*Account{a("auth0|1", "db", false), a("g|2", "google-oauth2", false), a("gh|3", "github", true)}, ClassNeedsVerification, "emails not verified on auth0|1 (db) and g|2 (google-oauth2)"},
		{"a single account", []*Account{a("auth0|1", "db", true)}, "", "only one account"},
		{"a family and an account holding a linked identity", []*Account{a("auth0|1", "nue", true), a("auth0|2", "nue", true),
			holding("nue", "maria")}, ClassSharedByDesign, "3 accounts share the email inside nue, a Non-Unique Emails connection where each is told apart by its own identifier: username auth0|1 (auth0|1), username auth0|2 (auth0|2), username maria (auth0|3, linked into g|4); legitimate by design"},
		// A profile of a legacy database linked into an account elsewhere is
		// still one of the profiles sharing the email there.
		{"a legacy profile linked into an account elsewhere", []*Account{a("auth0|1", "legacy", true),
			holding("legacy", "carol")}, ClassLegacyDuplicate, "2 accounts share the email inside legacy, a custom database without import mode"},
		// A database known only from the data (scan --from-export) may be a
		// legacy one: as with two accounts holding the email there directly,
		// its profiles are not proposed for linking.
		{"an identity linked in from a database inferred from the data", []*Account{a("auth0|1", "inferred-db", true), holding("inferred-db", "")}, ClassLegacyDuplicate, "2 accounts share the email inside inferred-db"},
		{"two accounts on a database inferred from the data", []*Account{a("auth0|1", "inferred-db", true), a("auth0|2", "inferred-db", true)}, ClassLegacyDuplicate, "2 accounts share the email inside inferred-db"},
		// Through an ordinary database it binds no one: a link candidate.
		{"an identity linked in from a database that keeps emails unique", []*Account{a("auth0|1", "github", true),
			holding("db", "")}, ClassLinkCandidate, "2 accounts on github and google-oauth2"},
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

// A group that mixes blocked and unblocked accounts says so. Where a link
// is in question it says a link between them is refused; in a family,
// where no link is, it only names who is blocked, by username.
func TestAGroupNamesItsBlockedAccounts(t *testing.T) {
	conns := NewConnections(
		Connection{Name: "db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true, Identifiers: []string{"email"}},
		Connection{Name: "nue", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"username"}},
	)
	blockedReasons := func(g *Group) []string {
		Classify(g, conns)
		return slices.DeleteFunc(slices.Clone(g.Reasons), func(r string) bool { return !strings.Contains(r, "blocked") })
	}
	pair := &Group{Email: "x@y.com", Accounts: []*Account{
		{UserID: "auth0|a", Connection: "db", Email: "x@y.com", EmailVerified: true},
		{UserID: "google-oauth2|b", Connection: "google-oauth2", Email: "x@y.com", EmailVerified: true, Blocked: true},
	}}
	if got := blockedReasons(pair); len(got) != 1 || !strings.HasPrefix(got[0], "google-oauth2|b is blocked (it cannot sign in) and the others are not: ") ||
		!strings.Contains(got[0], "refused ("+CheckBlockedAccount+")") {
		t.Errorf("link candidate: %q", got)
	}
	pair.Accounts[0].Blocked = true
	if got := blockedReasons(pair); len(got) != 0 {
		t.Errorf("both blocked: %q, want no reason (a link between them is not refused)", got)
	}
	family := &Group{Email: "x@y.com", Accounts: []*Account{
		{UserID: "auth0|dad", Connection: "nue", Email: "x@y.com", Username: "dad"},
		{UserID: "auth0|kid", Connection: "nue", Email: "x@y.com", Username: "kid", Blocked: true},
	}}
	if got := blockedReasons(family); len(got) != 1 || got[0] != "username kid (auth0|kid) is blocked (it cannot sign in) and the others are not" {
		t.Errorf("family: %q", got)
	}
}

// The reason naming an address's spellings says how they differ: a space
// around one is not a difference of case.
func TestTheSpellingsOfAnAddressSayHowTheyDiffer(t *testing.T) {
	conns := NewConnections(
		Connection{Name: "db", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		Connection{Name: "github", Strategy: "github", Provider: "github", IsSocial: true, Identifiers: []string{"email"}},
	)
	for _, tt := range []struct{ other, want string }{
		{" x@y.com ", "emails differ only in the white space around them"},
		{"X@Y.com", "emails differ only in case"},
		{" X@y.com", "emails differ in case and in the white space around them"},
	} {
		g := &Group{Email: "x@y.com", Accounts: []*Account{
			{UserID: "auth0|1", Connection: "db", Provider: "auth0", Email: "x@y.com", EmailVerified: true},
			{UserID: "github|2", Connection: "github", Provider: "github", Email: tt.other, EmailVerified: true},
		}}
		Classify(g, conns)
		if !slices.ContainsFunc(g.Reasons, func(r string) bool { return strings.HasPrefix(r, tt.want+": ") }) {
			t.Errorf("%q and x@y.com: reasons %q lack %q", tt.other, g.Reasons, tt.want)
		}
	}
}

// A group is classified the same whatever the order its accounts come in
// (a scan, a group read again, a link's check): where one account holds
// the email through identities linked in from the connections of others,
// whom it stands with is decided from the accounts alone (review: the
// order decided which connection a Google account stood on).
func TestClassifyDoesNotDependOnTheOrderOfTheAccounts(t *testing.T) {
	conns := NewConnections(
		Connection{Name: "legX", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email"}},
		Connection{Name: "legY", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email"}},
		Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true, Identifiers: []string{"email"}},
	)
	accounts := func() []*Account {
		return []*Account{
			{UserID: "auth0|a", Connection: "legX", Provider: "auth0", Email: "x@y.com", EmailVerified: true,
				Linked: []Identity{{Connection: "legY", Provider: "auth0", UserID: "ay", Email: "x@y.com"}}},
			{UserID: "google-oauth2|b", Connection: "google-oauth2", Provider: "google-oauth2", Email: "x@y.com", EmailVerified: true,
				Linked: []Identity{{Connection: "legX", Provider: "auth0", UserID: "bx", Email: "x@y.com"}}},
			{UserID: "auth0|c", Connection: "legY", Provider: "auth0", Email: "x@y.com", EmailVerified: true},
		}
	}
	var want *Group
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		all := accounts()
		g := &Group{Email: "x@y.com"}
		for _, i := range order {
			g.Accounts = append(g.Accounts, all[i])
		}
		Classify(g, conns)
		if want == nil {
			want = g
			continue
		}
		if g.Class != want.Class || !slices.Equal(g.Reasons, want.Reasons) {
			t.Errorf("order %v: %s %q\nwant %s %q", order, g.Class, g.Reasons, want.Class, want.Reasons)
		}
	}
}
