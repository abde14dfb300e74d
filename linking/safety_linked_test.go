package linking_test

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// An account is grouped by the email of an identity linked into it too: a
// link the scan recommends on that email is not refused as two accounts
// that share none.
func TestALinkedIdentitysEmailIsAnEmailTheAccountShares(t *testing.T) {
	primary := client.User{UserID: "auth0|linked", Email: "alice@corp.com", EmailVerified: true, Identities: []client.Identity{
		{Provider: "auth0", UserID: "linked", Connection: "Username-Password-Authentication"},
		{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true, ProfileData: map[string]any{"email": "Alice.Personal@gmail.com", "email_verified": true}},
	}}
	secondary := client.User{UserID: "github|5005", Email: "alice.personal@gmail.com", EmailVerified: true, Identities: []client.Identity{
		{Provider: "github", UserID: "5005", Connection: "github", IsSocial: true},
	}}
	conns := linking.NewConnections()
	if err := linking.CheckLink(primary, secondary, conns, linking.LinkOptions{}); err != nil {
		t.Errorf("the primary's linked identity shares the secondary's email: %v", err)
	}
	primary.Identities = primary.Identities[:1]
	if err := linking.CheckLink(primary, secondary, conns, linking.LinkOptions{}); err == nil {
		t.Error("two accounts that share no email linked")
	} else if se, ok := linking.AsSafetyError(err); !ok || se.Check != linking.CheckDifferentEmails {
		t.Errorf("without the linked identity: %v", err)
	}
}

// Whether an email is verified and which connection holds it are read as
// the scan's classes read them: the account may hold the email it shares
// through a linked identity, verified or not, on that identity's
// connection. A group the scan calls a link candidate is not refused.
func TestALinkReadsTheSharedEmailAsTheScanDoes(t *testing.T) {
	conns := linking.NewConnections(
		linking.Connection{Name: "Username-Password-Authentication", Strategy: "auth0", Provider: "auth0", IsDatabase: true, Identifiers: []string{"email"}},
		linking.Connection{Name: "github", Strategy: "github", Provider: "github"},
		linking.Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2"},
	)
	db := func(id, email string, verified bool, linked ...client.Identity) client.User {
		return client.User{UserID: "auth0|" + id, Email: email, EmailVerified: verified, Identities: append([]client.Identity{
			{Provider: "auth0", UserID: id, Connection: "Username-Password-Authentication"}}, linked...)}
	}
	github := func(email string, verified bool) client.Identity {
		return client.Identity{Provider: "github", UserID: "5004", Connection: "github", IsSocial: true,
			ProfileData: map[string]any{"email": email, "email_verified": verified}}
	}
	google := client.User{UserID: "google-oauth2|118", Email: "v@x.com", EmailVerified: true, Identities: []client.Identity{
		{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true}}}
	check := func(p, s client.User) string {
		t.Helper()
		err := linking.CheckLink(p, s, conns, linking.LinkOptions{})
		if se, ok := linking.AsSafetyError(err); ok {
			return se.Check
		}
		if err != nil {
			t.Fatal(err)
		}
		return ""
	}

	// Eve's work account holds eve@ex.com through GitHub: two connections,
	// not two profiles of one email inside the database.
	eve := db("E", "eve@ex.com", true)
	work := db("D", "eve.work@ex.com", true, github("eve@ex.com", true))
	if got := check(work, eve); got != "" {
		t.Errorf("eve's two accounts, one holding the email through GitHub: refused %s", got)
	}
	// Two accounts holding one email as their own inside the database are.
	if got := check(db("A", "dup@ex.com", true), db("B", "dup@ex.com", true)); got != linking.CheckLegacyProfiles {
		t.Errorf("two profiles of one email inside the database: %q, want %s", got, linking.CheckLegacyProfiles)
	}

	// Its own v@x.com unverified, the same address verified through GitHub:
	// verified, as the scan says ("both emails verified").
	if got := check(db("V", "v@x.com", false, github("v@x.com", true)), google); got != "" {
		t.Errorf("v@x.com held verified through GitHub: refused %s", got)
	}
	// Unverified both ways: refused.
	if got := check(db("V", "v@x.com", false, github("v@x.com", false)), google); got != linking.CheckUnverifiedEmail {
		t.Errorf("v@x.com verified nowhere: %q, want %s", got, linking.CheckUnverifiedEmail)
	}
	// Its own email verified, the shared one held unverified through GitHub.
	if got := check(db("W", "w@x.com", true, github("v@x.com", false)), google); got != linking.CheckUnverifiedEmail {
		t.Errorf("v@x.com held unverified through GitHub: %q, want %s", got, linking.CheckUnverifiedEmail)
	}
}

// A refusal names an account of a Non-Unique Emails connection by its
// username, beside its user id: the email it shares with its family tells
// no one which child it is (tester: an unverified child was named by its
// user id and the shared email alone).
func TestARefusalNamesAFamilyMemberByItsUsername(t *testing.T) {
	conns := linking.NewConnections(
		linking.Connection{Name: "family", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"username"}},
		linking.Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2"},
	)
	kid := client.User{UserID: "auth0|k1", Email: "home@x.com", Username: "mei.singh", Identities: []client.Identity{
		{Provider: "auth0", UserID: "k1", Connection: "family"}}}
	google := client.User{UserID: "google-oauth2|118", Email: "home@x.com", EmailVerified: true, Identities: []client.Identity{
		{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true}}}
	blocked := google
	blocked.Blocked = true
	for _, tc := range []struct {
		secondary client.User
		kid       client.User
		check     string
	}{
		{google, kid, linking.CheckUnverifiedEmail},
		{blocked, func() client.User { k := kid; k.EmailVerified = true; return k }(), linking.CheckBlockedAccount},
	} {
		err := linking.CheckLink(tc.kid, tc.secondary, conns, linking.LinkOptions{})
		se, ok := linking.AsSafetyError(err)
		if !ok || se.Check != tc.check || !strings.Contains(se.Reason, "mei.singh (auth0|k1)") {
			t.Errorf("%s: %v, want a refusal naming mei.singh (auth0|k1)", tc.check, err)
		}
	}
}

// A family member (or a legacy database's profile) linked into an account
// elsewhere is still one of those who share the email on its connection:
// linking a second member into that account would merge two people, and
// is refused as linking the two members themselves is (tester: raj.patel
// linked into a Google account, then anika.patel into it, went through).
func TestASecondMemberOfAFamilyIsNotLinkedIntoTheAccountHoldingTheFirst(t *testing.T) {
	conns := linking.NewConnections(
		linking.Connection{Name: "family", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"username"}},
		linking.Connection{Name: "legacy", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email"}},
		linking.Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true},
	)
	holding := func(conn, id, username string) client.User {
		return client.User{UserID: "google-oauth2|118", Email: "Home@x.com", EmailVerified: true, Identities: []client.Identity{
			{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true},
			{Provider: "auth0", UserID: id, Connection: conn, ProfileData: map[string]any{"email": "home@x.com", "email_verified": true, "username": username}},
		}}
	}
	member := func(conn, id, username string) client.User {
		return client.User{UserID: "auth0|" + id, Email: "home@x.com", EmailVerified: true, Username: username,
			Identities: []client.Identity{{Provider: "auth0", UserID: id, Connection: conn}}}
	}
	for _, tc := range []struct {
		conn, check, names string
	}{
		{"family", linking.CheckNonUniqueEmailConnection, "google-oauth2|118 (through its linked identity raj.patel (auth0|k1)) and anika.patel (auth0|k2)"},
		{"legacy", linking.CheckLegacyProfiles, "need migration, not linking"},
	} {
		err := linking.CheckLink(holding(tc.conn, "k1", "raj.patel"), member(tc.conn, "k2", "anika.patel"), conns, linking.LinkOptions{})
		se, ok := linking.AsSafetyError(err)
		if !ok || se.Check != tc.check || !strings.Contains(se.Reason, tc.names) {
			t.Errorf("%s: a second member linked into the account holding the first: %v, want %s naming %q", tc.conn, err, tc.check, tc.names)
		}
	}
	// The first member alone into the account: for the operator to decide,
	// as before.
	google := holding("family", "k1", "raj.patel")
	google.Identities = google.Identities[:1]
	if err := linking.CheckLink(google, member("family", "k1", "raj.patel"), conns, linking.LinkOptions{}); err != nil {
		t.Errorf("one family member into a Google account: %v", err)
	}
}

// Two members of one family, or two profiles of one legacy email, picked
// together to link into one account (the link wizard's marks) are refused
// by the plan, before any call: the run found it only at the second link,
// the first member linked already (tester: "safety checks passed: 7 of 7",
// then "Stopped" halfway).
func TestAPlanLinkingTwoMembersOfOneFamilyIntoOneAccountIsRefused(t *testing.T) {
	conns := linking.NewConnections(
		linking.Connection{Name: "family", Strategy: "auth0", Provider: "auth0", IsDatabase: true, NonUniqueEmail: true, Identifiers: []string{"username"}},
		linking.Connection{Name: "legacy", Strategy: "auth0", Provider: "auth0", IsDatabase: true, LegacyCustomDB: true, Identifiers: []string{"email"}},
		linking.Connection{Name: "google-oauth2", Strategy: "google-oauth2", Provider: "google-oauth2", IsSocial: true},
	)
	google := client.User{UserID: "google-oauth2|118", Email: "Home@x.com", EmailVerified: true, Identities: []client.Identity{
		{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true}}}
	member := func(conn, id, username string) client.User {
		return client.User{UserID: "auth0|" + id, Email: "home@x.com", EmailVerified: true, Username: username,
			Identities: []client.Identity{{Provider: "auth0", UserID: id, Connection: conn}}}
	}
	for _, tc := range []struct{ conn, check string }{{"family", linking.CheckNonUniqueEmailConnection}, {"legacy", linking.CheckLegacyProfiles}} {
		ops, err := linking.PlanLink(google, []client.User{member(tc.conn, "k1", "raj.patel"), member(tc.conn, "k2", "anika.patel")}, conns, linking.LinkOptions{})
		if se, ok := linking.AsSafetyError(err); !ok || se.Check != tc.check || !strings.Contains(se.Reason, "raj.patel") || !strings.Contains(se.Reason, "anika.patel") {
			t.Errorf("%s: two members into one account planned %d operations, err %v; want %s", tc.conn, len(ops), err, tc.check)
		}
		if _, err := linking.PlanLink(google, []client.User{member(tc.conn, "k1", "raj.patel")}, conns, linking.LinkOptions{}); err != nil {
			t.Errorf("%s: one member alone: %v", tc.conn, err)
		}
	}
}
