package scan

import (
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

// An account with no email of its own (an sms primary) that holds an
// address through a linked identity's profile is one an email lookup
// cannot find there: Hidden names it under that address.
func TestHiddenHoldsAnAccountWithoutAnEmailOfItsOwn(t *testing.T) {
	s := New(nil, Options{})
	s.Add(linking.Account{UserID: "sms|1", Connection: "sms", Provider: "sms", PhoneNumber: "+14155550100",
		Linked: []linking.Identity{{Provider: "github", UserID: "77", Connection: "github", Email: "pat@home.com"}}})
	s.Add(linking.Account{UserID: "auth0|2", Connection: "Username-Password-Authentication", Provider: "auth0", Email: "pat@home.com"})
	if got := s.Hidden()["pat@home.com"]; len(got) != 1 || got[0] != "sms|1" {
		t.Errorf("Hidden()[pat@home.com] = %v, want [sms|1]", got)
	}
}

// Auth0's search reads no linked identity's profile: LinkedNames is how
// a family member linked into another account is found by its username
// (in any case) or a phone identity by its number (however written).
func TestLinkedNamesIndexLinkedIdentitiesByUsernameAndNumber(t *testing.T) {
	s := New(nil, Options{})
	s.Add(linking.Account{UserID: "auth0|mike", Connection: "family", Provider: "auth0", Email: "millers@home.com", Username: "mike",
		Linked: []linking.Identity{
			{Provider: "auth0", UserID: "liam", Connection: "family", Email: "millers@home.com", Username: "Liam.Miller"},
			{Provider: "sms", UserID: "5", Connection: "sms", PhoneNumber: "+1 (415) 555-0100"},
		}})
	n := s.LinkedNames()
	if got := n.Usernames[UsernameKey("liam.miller")]; len(got) != 1 || got[0] != "auth0|mike" {
		t.Errorf("by username: %v", n.Usernames)
	}
	if got := n.Phones[PhoneKey("+14155550100")]; len(got) != 1 || got[0] != "auth0|mike" {
		t.Errorf("by number: %v", n.Phones)
	}
	if _, own := n.Usernames["mike"]; own {
		t.Errorf("the account's own username is indexed as a linked one: %v", n.Usernames)
	}
}
