package views

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
)

// legacyAudit is an audit log of two calls on the small fixture's legacy
// custom database (legacy-members), both accounts still in the scan: a
// ticket of bob.smith@yahoo.com's profile "bobsmith" (auth0|1000123; the
// profile "bob.smith2" shares the email), and the link of carol's
// database account into her profile "carolj" (auth0|1000789; "cjones"
// shares the email). The records keep no names: only the scan does.
const legacyAudit = `{"time":"2026-10-31T09:10:00Z","operator":"dana","tenant":"sandbox (fixture)","action":"ticket","phase":"attempt","op_id":"20261031T091000Z-aaaaaaaaaaaa","user_ids":["auth0|1000123"],"before":[{"user_id":"auth0|1000123","email":"bob.smith@yahoo.com"}],"request":{"method":"POST","path":"/api/v2/tickets/password-change"}}
{"time":"2026-10-31T09:10:01Z","operator":"dana","tenant":"sandbox (fixture)","action":"ticket","phase":"result","op_id":"20261031T091000Z-aaaaaaaaaaaa","user_ids":["auth0|1000123"],"before":[{"user_id":"auth0|1000123","email":"bob.smith@yahoo.com"}],"request":{"method":"POST","path":"/api/v2/tickets/password-change"},"result":"ok"}
{"time":"2026-10-31T09:20:00Z","operator":"dana","tenant":"sandbox (fixture)","action":"link","phase":"attempt","op_id":"20261031T092000Z-bbbbbbbbbbbb","plan_id":"plan-0123456789abcdef0123","step":"op1.link","user_ids":["auth0|1000789","auth0|66e1f2a3b4c5d6e7f8091a2b"],"before":[{"user_id":"auth0|1000789","email":"carol.jones@hotmail.com"},{"user_id":"auth0|66e1f2a3b4c5d6e7f8091a2b","email":"carol.jones@hotmail.com"}],"request":{"method":"POST","path":"/api/v2/users/auth0%7C1000789/identities"}}
{"time":"2026-10-31T09:20:01Z","operator":"dana","tenant":"sandbox (fixture)","action":"link","phase":"result","op_id":"20261031T092000Z-bbbbbbbbbbbb","plan_id":"plan-0123456789abcdef0123","step":"op1.link","user_ids":["auth0|1000789","auth0|66e1f2a3b4c5d6e7f8091a2b"],"before":[{"user_id":"auth0|1000789","email":"carol.jones@hotmail.com"},{"user_id":"auth0|66e1f2a3b4c5d6e7f8091a2b","email":"carol.jones@hotmail.com"}],"request":{"method":"POST","path":"/api/v2/users/auth0%7C1000789/identities"},"result":"ok"}
`

// TestTheAuditLogNamesLegacyProfilesByUsername: the profiles of one email
// on a legacy custom database, still in the scan, are named in the audit
// log as the group screen names them, by the username that tells them
// apart and their user id (they were named by user id alone: "ticket ok
// bob.smith@yahoo.com auth0|1000123"): in the rows, the undo's title and
// the record; the database account whose identifier is the email the row
// shows keeps its user id.
func TestTheAuditLogNamesLegacyProfilesByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 160, height: 40})
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(legacyAudit), 0o600); err != nil {
		t.Fatal(err)
	}
	h.c.Backend.Session.Paths.AuditLog = path
	const link = "auth0|66e1f2a3b4c5d6e7f8091a2b into carolj (auth0|1000789)"
	h.press("3")
	if row := auditRow(h, "ticket"); !strings.Contains(row, " bob.smith@yahoo.com ") || !strings.Contains(row, " bobsmith (auth0|1000123) ") {
		t.Errorf("the ticket's row: %q", row)
	}
	if row := auditRow(h, "link"); !strings.Contains(row, " "+link+" ") {
		t.Errorf("the link's row: %q", row)
	}
	// The filter finds a row by the username too.
	h.press("/")
	h.typeText("carolj")
	h.press("enter")
	h.mustShow("1 of 2 calls")
	h.press("esc")

	h.press("U") // on the newest: the link
	undo := activeIs[*UndoDialog](h, "U did not open the undo")
	if title := undo.what(); title != "link of "+link {
		t.Errorf("the undo is titled %q", "Undo "+title)
	}
	h.mustShow("Undo link of auth0|66e1f2a3b4c5d6e7f8091a2b into carolj")
	h.press("esc")
	activeIs[*AuditLog](h, "esc did not go back to the log")
	h.press("enter")
	activeIs[*AuditRecord](h, "enter did not open the record")
	h.mustShow("of         " + link)
}

// TestTheAuditLogKeepsAFamilyMemberRecognisableAndMarksAnUndo: the link of
// the Patels' Google login into raj.patel, a member of the family (a mixed
// group), names raj.patel in its rows at 60, 80 and 100 columns (the
// Google login's user id, first, took the whole cell: the family member
// was cut off), and the calls of the undo of that link are marked ↶, the
// marks explained above the list.
func TestTheAuditLogKeepsAFamilyMemberRecognisableAndMarksAnUndo(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	det := h.openGroup("patel.family@gmail.com")
	h.selectAccount(det, "auth0|63a1b2c3d4e5f60718293a4c") // raj.patel
	h.press("p", "l")
	for i := 0; i < 3 && !strings.Contains(h.screen(), "▸ [ ] (email)"); i++ {
		h.press("j")
	}
	h.press("space", "enter", "enter", "y")
	h.mustShow("✓ Done.")
	h.press("esc", "3")
	h.selectAudit("link")
	h.press("U", "y")
	h.mustShow("✓ Done.")
	h.press("esc", "3")
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		at := fmt.Sprintf("at %d×%d", size[0], size[1])
		link, undo := auditRowAt(h, "link"), auditRowAt(h, "↶ unlink")
		for _, row := range []string{link, undo} {
			if !strings.Contains(row, "raj.patel") {
				t.Errorf("%s a row does not name the family member raj.patel:\n%s", at, h.screen())
			}
		}
		if strings.Contains(link, "↶") {
			t.Errorf("%s the link, no undo, is marked:\n%s", at, link)
		}
		h.mustShow("↶ marks an undo")
	}
	h.press("/")
	h.typeText("undo")
	h.press("enter")
	for _, l := range strings.Split(h.screen(), "\n") {
		if auditRowTime.MatchString(l) && !strings.Contains(l, "↶") {
			t.Errorf("/undo lists a call no undo made: %q", l)
		}
	}
}

// TestAccountsCellCutsUserIDsBeforeIdentifiers: a cell too narrow for its
// names gives up the user ids beside identifiers, then cuts the user ids
// that name accounts alone, then shows the identifiers first; a row of
// user ids alone cuts each to its share, so that the primary stays, and
// where a share would be too short to tell one by, at its end, its
// secondary first.
func TestAccountsCellCutsUserIDsBeforeIdentifiers(t *testing.T) {
	google := accountName{userID: "google-oauth2|109346385516795420252"}
	olivia := accountName{ident: "olivia.li968", userID: "auth0|67d29c69e5b0ef0b410c60ca"}
	patricia := accountName{ident: "patricia.muller1368", userID: "auth0|6ae4dc33ce7a4c925e1a8028"}
	github := accountName{userID: "github|48151623"}
	for _, tt := range []struct {
		names  []accountName
		joiner string
		width  int
		want   string
	}{
		{[]accountName{patricia}, ", ", 60, "patricia.muller1368 (auth0|6ae4dc33ce7a4c925e1a8028)"},
		{[]accountName{patricia}, ", ", 24, "patricia.muller1368"},
		{[]accountName{patricia}, ", ", 14, "patricia.muller1368"}, // Pad cuts it at its end: "patricia.mull…"
		{[]accountName{google, olivia}, " into ", 24, "googl… into olivia.li968"},
		{[]accountName{olivia, google}, " into ", 27, "olivia.li968 into google-o…"},
		{[]accountName{google, olivia}, " into ", 14, "olivia.li968 …"},
		{[]accountName{github, google}, " from ", 24, "github|48151623 from go…"},
		{[]accountName{google, github}, " into ", 40, "google-oauth2|1093… into github|48151623"},
	} {
		if got := accountsCell(tt.names, tt.joiner, tt.width); got != tt.want {
			t.Errorf("%v in %d cells: %q, want %q", tt.names, tt.width, got, tt.want)
		}
	}
}

// A legacy profile whose sibling was deleted since is named by its email
// alone now; its audit rows keep the username the record gave it
// (tester: the ticket's row read "bob.smith@yahoo.com auth0|1000123").
func TestAnAuditRowKeepsTheRecordsNameOfAnAccountNamedByItsEmailSince(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("t")
	activeIs[*TicketDialog](h, "t did not open the ticket dialog")
	h.press("y")
	h.mustShow("ticket for bobsmith (auth0|1000123): done.")
	i, ok := h.c.Data.Find("bob.smith@yahoo.com")
	if !ok {
		t.Fatal("no group bob.smith@yahoo.com")
	}
	g := *h.c.Data.Groups[i] // bob.smith2 deleted since: bobsmith alone holds the email
	g.Accounts = slices.DeleteFunc(slices.Clone(g.Accounts), func(a *linking.Account) bool { return a.UserID != "auth0|1000123" })
	h.c.Data.ReplaceGroup(&g)
	h.press("esc", "y", "3")
	if row := auditRow(h, "ticket"); !strings.Contains(row, " bobsmith (auth0|1000123)") {
		t.Errorf("the ticket's row: %q", row)
	}
}
