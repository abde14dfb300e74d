package views

import (
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

// On a legacy duplicate group, l and p (which chooses for l) are off and
// say why at once, as on a family's: two profiles of one email in one
// database are never linked (legacy_profiles), and the wizard only refused
// at its review, its first profile marked for the link (tester).
func TestLAndPAreOffOnALegacyGroupAndSayWhy(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.mustShowWhole("No primary: profiles of one email in one database are never linked into one another")
	for _, key := range []string{"l", "p"} {
		h.press(key)
		h.mustShowWhole("nothing to link: profiles of one email in one database are never linked (legacy_profiles)")
		if _, ok := h.active().(*Detail); !ok {
			t.Fatalf("%s opened %T", key, h.active())
		}
	}
}

// linkOff follows what linking refuses: any two profiles of one email in
// one database connection (legacy_profiles), never two accounts of one
// enterprise connection, which a link may join (review).
func TestLinkIsOffWhereLinkingRefusesEveryPair(t *testing.T) {
	acct := func(id, conn, provider string) *linking.Account {
		return &linking.Account{UserID: id, Connection: conn, Provider: provider}
	}
	for _, tc := range []struct {
		name string
		g    *linking.Group
		off  bool
	}{
		{"a family", &linking.Group{Class: linking.ClassSharedByDesign, Accounts: []*linking.Account{acct("auth0|1", "nue", "auth0"), acct("auth0|2", "nue", "auth0")}}, true},
		{"profiles of one database", &linking.Group{Class: linking.ClassLegacyDuplicate, Accounts: []*linking.Account{acct("auth0|1", "legacy", "auth0"), acct("auth0|2", "legacy", "auth0")}}, true},
		{"two accounts of one SAML connection", &linking.Group{Class: linking.ClassLegacyDuplicate, Accounts: []*linking.Account{acct("samlp|acme|a", "acme", "samlp"), acct("samlp|acme|b", "acme", "samlp")}}, false},
		{"a link candidate", &linking.Group{Class: linking.ClassLinkCandidate, Accounts: []*linking.Account{acct("auth0|1", "db", "auth0"), acct("github|2", "github", "github")}}, false},
	} {
		if got := linkOff(tc.g) != nil; got != tc.off {
			t.Errorf("%s: l off %v, want %v", tc.name, got, tc.off)
		}
	}
}
