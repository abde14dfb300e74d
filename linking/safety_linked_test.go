package linking_test

import (
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
		{Provider: "google-oauth2", UserID: "118", Connection: "google-oauth2", IsSocial: true, ProfileData: map[string]any{"email": "Alice.Personal@gmail.com"}},
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
