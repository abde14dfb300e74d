package views

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// TestTheTicketNamesALegacyProfileByUsername: the ticket dialog names a
// profile of a legacy custom database as the group screen does, by the
// username that tells it apart and its user id ("bobsmith (auth0|1000123)",
// not the email its other profile shares), in its question, the write's
// label and its result, as the audit log does.
func TestTheTicketNamesALegacyProfileByUsername(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("t")
	activeIs[*TicketDialog](h, "t did not open the ticket dialog")
	h.mustShow("Account  bobsmith (auth0|1000123)", "username on legacy-members", "User id  auth0|1000123", "Make a ticket for bobsmith (auth0|1000123)?")
	h.press("y")
	h.mustShow("✓ Ticket for bobsmith (auth0|1000123)", "ticket for bobsmith (auth0|1000123): done.")
	h.press("esc", "y", "3") // y: leave, the URL with it
	if row := auditRow(h, "ticket"); !strings.Contains(row, " bobsmith (auth0|1000123)") {
		t.Errorf("the ticket's row: %q", row)
	}
}
