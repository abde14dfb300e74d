package tui

import (
	"slices"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

func group(email string, class linking.Class, conns ...string) *linking.Group {
	g := &linking.Group{Email: email, Class: class}
	for i, c := range conns {
		g.Accounts = append(g.Accounts, &linking.Account{UserID: c + "|" + email + string(rune('0'+i)), Connection: c,
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierUsername, Value: "user" + email}})
	}
	return g
}

func testData() *Data {
	d := &Data{}
	d.SetReport(&linking.Report{Groups: []*linking.Group{
		group("alice@example.com", linking.ClassLinkCandidate, "google-oauth2", "Username-Password-Authentication"),
		group("bob@example.com", linking.ClassNeedsVerification, "github", "Username-Password-Authentication"),
		group("shop@example.com", linking.ClassSharedByDesign, "family-accounts", "family-accounts"),
		group("mixedmartial@example.com", linking.ClassLinkCandidate, "github", "google-oauth2"),
	}})
	return d
}

func matching(d *Data, q string) []string {
	var out []string
	for i, g := range d.Groups {
		if d.Matches(i, FilterWords(q)) {
			out = append(out, g.Email)
		}
	}
	return out
}

func TestFilterMatchesEmailConnectionClassUserIDAndIdentifier(t *testing.T) {
	d := testData()
	tests := []struct {
		q    string
		want int
	}{
		{"alice", 1},
		{"ALICE", 1},                 // case-insensitive
		{"github", 2},                // connection
		{"github|bob", 1},            // user id
		{"usershop", 1},              // primary identifier
		{"class:link", 2},            // class prefix
		{"class:mixed", 0},           // a class, not the word in an email
		{"mixed", 1},                 // the word matches the email
		{"class:shared family", 1},   // both words
		{"class:link google bob", 0}, // all words must match
		{"conn:github+username-password-authentication", 1}, // exactly these connections
		{"conn:github", 0}, // no group is on github alone
		{"conn:github+google-oauth2 mixed", 1},
	}
	for _, tt := range tests {
		if got := matching(d, tt.q); len(got) != tt.want {
			t.Errorf("filter %q matches %v, want %d groups", tt.q, got, tt.want)
		}
	}
}

// The profiles of one email on a legacy database are shown by their
// usernames, and a family member linked into another account by its own:
// a filter finds the group by what the screen shows, and the cursor lands
// on that account (tester: /bob.smith2 matched no group).
func TestFilterFindsAGroupByTheNamesItsAccountsAreShownBy(t *testing.T) {
	email := linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "bob.smith@yahoo.com"}
	legacy := &linking.Group{Email: "bob.smith@yahoo.com", Class: linking.ClassLegacyDuplicate, Accounts: []*linking.Account{
		{UserID: "auth0|1", Connection: "legacy-db", Username: "bobsmith", Identifier: email},
		{UserID: "auth0|2", Connection: "legacy-db", Username: "bob.smith2", Identifier: email},
	}}
	family := &linking.Group{Email: "patel.family@gmail.com", Class: linking.ClassMixed, Accounts: []*linking.Account{
		{UserID: "google-oauth2|9", Connection: "google-oauth2", Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "patel.family@gmail.com"},
			Linked: []linking.Identity{{Connection: "family-accounts", Provider: "auth0", UserID: "3", Username: "raj.patel"}}},
	}}
	// Its sibling deleted, a profile is named by its email, and found by
	// its username still (tester).
	resolved := &linking.Group{Email: "carol.jones@hotmail.com", Accounts: []*linking.Account{
		{UserID: "auth0|1000790", Connection: "legacy-db", Username: "cjones", Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "carol.jones@hotmail.com"}},
	}}
	d := &Data{}
	d.SetReport(&linking.Report{Groups: []*linking.Group{legacy, family, resolved}})
	for q, want := range map[string]string{"bob.smith2": "auth0|2", "BOBSMITH": "auth0|1", "raj.patel": "google-oauth2|9", "cjones": "auth0|1000790"} {
		got := matching(d, q)
		if len(got) != 1 {
			t.Errorf("filter %q matches %v, want one group", q, got)
			continue
		}
		i := slices.IndexFunc(d.Groups, func(g *linking.Group) bool { return g.Email == got[0] })
		if at := d.MatchedAccount(i, FilterWords(q)); at != want {
			t.Errorf("filter %q opens its group on %q, want %q", q, at, want)
		}
	}
}

func TestResolvedGroupsLeaveTheirClass(t *testing.T) {
	d := testData()
	resolved := &linking.Group{Email: "alice@example.com", Accounts: []*linking.Account{{UserID: "auth0|1"}}}
	if !d.ReplaceGroup(resolved) {
		t.Fatal("ReplaceGroup did not find the group")
	}
	if got := matching(d, "class:link_candidate"); len(got) != 1 || got[0] != "mixedmartial@example.com" {
		t.Errorf("link candidates after resolving alice: %v", got)
	}
	if got := matching(d, "class:resolved"); len(got) != 1 {
		t.Errorf("class:resolved matches %v", got)
	}
	st := d.Stats()
	if st.Classes[linking.ClassLinkCandidate] != 1 || st.Resolved != 1 || st.Groups != 3 {
		t.Errorf("stats after resolving: %+v", st)
	}
}

func TestNarrows(t *testing.T) {
	tests := []struct {
		prev, next string
		want       bool
	}{
		{"", "a", true},
		{"al", "ali", true},
		{"ali", "al", false},
		{"ali", "ali bob", true},
		{"ali bob", "alx bob", false},
		{"clas", "class:", false}, // a word becoming a class filter matches other groups
		{"class:l", "class:li", true},
		{"conn:github", "conn:github+google-oauth2", false}, // exact: the longer one names another combination
		{"conn:github", "conn:github bob", true},
	}
	for _, tt := range tests {
		if got := Narrows(FilterWords(tt.prev), FilterWords(tt.next)); got != tt.want {
			t.Errorf("Narrows(%q, %q) = %v, want %v", tt.prev, tt.next, got, tt.want)
		}
	}
}

func TestPastedIsOneLineWithoutControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"auth0|123", "auth0|123"},
		{"auth0|123\r\n", "auth0|123"},
		{"\n \n  Ana.Müller@Example.com \nsecond line", "Ana.Müller@Example.com"},
		{"a\tb", "a b"},
		{"\x1b[2Jclear\x07", "[2Jclear"},
		{"\u009b31mred", "31mred"},
		{"y\n", "y"},
		{"  Patricia.Muller1368  \rthanks", "Patricia.Muller1368"}, // a terminal's line break
		{"\r\rauth0|6ad8\ry", "auth0|6ad8"},
		{"auth0|\u200b123\u202e", "auth0|123"},
		{"\n\n", ""},
	} {
		if got := Pasted(tc.in); got != tc.want {
			t.Errorf("Pasted(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestConnectionsFilterListsTheGroupsTheOverviewCounts: the filter word of
// each combination the overview counts matches as many groups as it says.
func TestConnectionsFilterListsTheGroupsTheOverviewCounts(t *testing.T) {
	d := testData()
	for _, p := range d.Stats().Pairs {
		if got := matching(d, ConnectionsFilter(p.Connections)); len(got) != p.Count {
			t.Errorf("%s matches %v, the overview counts %d", ConnectionsFilter(p.Connections), got, p.Count)
		}
	}
}
