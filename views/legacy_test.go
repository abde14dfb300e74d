package views

import (
	"testing"
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
