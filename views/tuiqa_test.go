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
