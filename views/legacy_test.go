package views

import "testing"

// The link wizard on a legacy duplicate group says at once that two
// profiles of one email in one database are not linked, rather than
// asking the operator to make sure they are one person's and refusing
// at the review.
func TestTheLinkWizardOnALegacyGroupSaysItsLinksAreRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("l")
	h.mustShowWhole("Profiles of one email in one database are never linked (legacy_profiles): they may be different people, and need migration.")
}
