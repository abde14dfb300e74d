package views

import (
	"fmt"
	"testing"
)

// TestWriteKeysOnTheGroupsListSayWhereTheyWork: l, D, u, t, v, p, U and y
// on the groups list did nothing and said nothing, the footer unchanged.
// Each says at once, without a ✓, what it does and where: the group opened
// first (enter), the audit log (3) for U, a group's or an account's screen
// for y; and it acts on no group. Read-only, the write keys say so at once.
func TestWriteKeysOnTheGroupsListSayWhereTheyWork(t *testing.T) {
	says := map[string]string{
		"l": "l links accounts of one group: enter opens the group first.",
		"p": "p chooses a link's primary: enter opens the group first.",
		"u": "u unlinks from one account: enter opens the group first.",
		"D": "D deletes one account: enter opens the group first.",
		"t": "t makes a password ticket: enter opens the group first.",
		"v": "v sends a verification email: enter opens the group first.",
		"U": "U undoes a write from the audit log: 3 opens it.",
		"y": "y copies a user id on a group's or an account's screen.",
	}
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
			h.press("2", "j")
			before := h.above()
			for _, key := range []string{"l", "D", "u", "t", "v", "p", "U", "y"} {
				h.press(key)
				activeIs[*Groups](h, key+" left the groups list")
				h.mustTell(key, says[key], before)
			}
			h.press("/")
			h.typeText("nobody-has-this")
			h.press("enter")
			before = h.above()
			h.press("D")
			h.mustTell("D on an empty list", "D deletes one account: no group is listed to open.", before)
		})
	}
	h := newHarness(t, harnessOpts{readOnly: true, tenant: true})
	h.press("2")
	h.press("l")
	h.mustShow("read-only session (--read-only)")
	activeIs[*Groups](h, "l left the groups list")
}

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

// TestWriteKeysOnTheOverviewAndTheAuditLogSayWhereTheyWork: as on the
// groups list, the keys that act on a group or an account said nothing on
// the overview and on the audit log; each says at once, without a ✓, that
// the groups list leads there (U undoes on the audit log itself).
func TestWriteKeysOnTheOverviewAndTheAuditLogSayWhereTheyWork(t *testing.T) {
	says := map[string]string{
		"l": "l links accounts of one group: 2 lists the groups, enter opens one.",
		"p": "p chooses a link's primary: 2 lists the groups, enter opens one.",
		"u": "u unlinks from one account: 2 lists the groups, enter opens one.",
		"D": "D deletes one account: 2 lists the groups, enter opens one.",
		"t": "t makes a password ticket: 2 lists the groups, enter opens one.",
		"v": "v sends a verification email: 2 lists the groups, enter opens one.",
		"y": "y copies a user id on a group's or an account's screen.",
	}
	for _, page := range []string{"1", "3"} {
		h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
		h.press(page)
		before := h.above()
		for _, key := range []string{"l", "D", "u", "t", "v", "p", "y"} {
			h.press(key)
			h.mustTell("page "+page+": "+key, says[key], before)
		}
	}
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("1")
	before := h.above()
	h.press("U")
	h.mustTell("U on the overview", "U undoes a write from the audit log: 3 opens it.", before)
}
