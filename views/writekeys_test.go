package views

import (
	"testing"
)

// TestPAndUOnTheAccountScreenSayWhereTheyWork: p and U on an account's
// screen did nothing and said nothing. p says that it chooses in the link
// wizard, which l opens (a family's account: that nothing is linked
// there; read-only: that writes are off), U that it undoes from the audit
// log; neither with a ✓. U on a group's screen says the same.
func TestPAndUOnTheAccountScreenSayWhereTheyWork(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	before := h.above()
	h.press("U")
	h.mustTell("U on the group", "U undoes a write from the audit log: 3 opens it.", before)

	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	before = h.above()
	h.press("p")
	activeIs[*Account](h, "p left the account screen")
	h.mustTell("p", "p chooses a link's primary in the link wizard: l opens it.", before)
	h.press("U")
	h.mustTell("U", "U undoes a write from the audit log: 3 opens it.", before)

	h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the family's account")
	h.press("p")
	h.mustShow("nothing to link: a family")

	ro := newHarness(t, harnessOpts{readOnly: true, tenant: true})
	ro.openGroup("wei.zhang@gmail.com")
	ro.press("enter", "p")
	ro.mustShow("read-only session (--read-only)")
}
