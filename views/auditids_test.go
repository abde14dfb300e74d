package views

import (
	"strings"
	"testing"
)

// TestALinkRowTooLongKeepsItsPrimary: a link's row named by user ids alone,
// too long for its column, cuts each user id to its share rather than the
// whole at its end: "into" the primary stays on screen.
func TestALinkRowTooLongKeepsItsPrimary(t *testing.T) {
	names := []accountName{{userID: "google-oauth2|105498954321098765432"}, {userID: "github|12345678"}}
	for _, width := range []int{30, 33, 40} {
		got := accountsCell(names, " into ", width)
		if !strings.Contains(got, " into github|1") || !strings.HasPrefix(got, "google-oau") {
			t.Errorf("in %d cells: %q, want the secondary's provider and the primary's", width, got)
		}
		if w := len([]rune(got)); w > width {
			t.Errorf("in %d cells: %q is %d wide", width, got, w)
		}
	}
	if got := accountsCell(names, " into ", 40); !strings.HasSuffix(got, " into github|12345678") {
		t.Errorf("a short primary is not kept whole: %q", got)
	}
}

// TestTheAuditLogCutsTheEmailBeforeTheAccounts: at 60×20 and 100×30 the
// rows of a link keep more of the accounts than of the email, and each
// link row names its primary ("into auth0|…"), as the README's rule says:
// user ids give up room last.
func TestTheAuditLogCutsTheEmailBeforeTheAccounts(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.linkGroup("wei.zhang@gmail.com")
		h.press("3")
		h.mustShow("ACCOUNTS")
		rows := 0
		for _, l := range strings.Split(h.screen(), "\n") {
			if !strings.Contains(l, " link ") {
				continue
			}
			rows++
			switch {
			case size[0] == 100 && !strings.Contains(l, " into auth0|5f1a"):
				t.Errorf("at 100 columns a link row does not name its primary: %q", l)
			case size[0] == 60 && !strings.Contains(l, " wei.zhang… "):
				t.Errorf("at 60 columns the email keeps more than 10 cells: %q", l)
			case size[0] == 60 && !strings.Contains(l, "|114455") && !strings.Contains(l, "|9007199"):
				t.Errorf("at 60 columns the secondary's user id is cut short: %q", l)
			}
		}
		if rows == 0 {
			t.Fatalf("no link row at %d columns:\n%s", size[0], h.screen())
		}
	}
}
