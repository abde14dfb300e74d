package views

import "testing"

// TestTheAuditLogsHelpListsF: ? on the audit log lists F, the key that
// forces an undo over changes made since, beside U, as the README's key
// table does.
func TestTheAuditLogsHelpListsF(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("3", "?")
	h.mustShowWhole("undo this operation", "force the undo over changes since")
}

// TestAfterALinkTheGroupsListCountsAsTheOverview: a group resolved by a
// link is counted apart on the groups list, as on the overview, not among
// the groups that still share an email.
func TestAfterALinkTheGroupsListCountsAsTheOverview(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "1")
	h.mustShowWhole("9 groups of accounts sharing an email; 1 resolved in this session")
	h.press("2", "esc")
	h.mustShowWhole("Groups 9 of 9 groups · 1 resolved · sorted by")
}
