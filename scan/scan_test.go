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
