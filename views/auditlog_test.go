package views

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

func TestAuditLogPairsEachCallNewestFirst(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log"
	h.press("3")
	a, ok := h.active().(*AuditLog)
	if !ok || a.Entries() != 4 {
		t.Fatalf("the audit log shows %d calls, want 4 (7 records: 3 attempts with results, 1 without)", a.Entries())
	}
	want := []struct{ action, result string }{{"unlink", "no result"}, {"ticket", "error"}, {"delete", "ok"}, {"link", "ok"}}
	for i, w := range want {
		if e := a.entries[i]; e.Action != w.action || e.Result != w.result {
			t.Errorf("row %d: %s %s, want %s %s", i, e.Action, e.Result, w.action, w.result)
		}
	}
	h.press("j", "j")
	h.mustShow("backup /var/lib/linkdesk/backups/20261031T092041Z-delete-6a5b4c3d2e1f.json", "why legacy duplicate: Bob Smith asked to keep the older account")
	h.press("j")
	h.mustShow("step op1.link", "/api/v2/users/auth0%7C5f1a2b3c4d5e6f7081920a1b/identities")
}

// The audit log's rows of a link of several accounts tell the links apart
// by their secondary, named before the primary they went into (they read
// the same: the shared email, or the primary cut short), in the session
// that linked them and after a scan that no longer has the group; and U on
// one names in its title, whole, the account the undo gives back.
func TestAuditRowsOfALinkNameItsSecondary(t *testing.T) {
	const primary, github, google = "auth0|5f1a2b3c4d5e6f7081920a1b", "github|9007199254740993", "google-oauth2|114455667788990011223"
	for _, size := range [][2]int{{100, 30}, {60, 20}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.linkGroup("wei.zhang@gmail.com")
		for _, rescan := range []bool{false, true} {
			if rescan {
				h.press("esc")
				h.send(h.startScan())
			}
			h.press("3")
			var rows []string
			for _, l := range strings.Split(h.screen(), "\n") {
				if f := strings.Fields(l); len(f) > 4 && slices.Contains(f[:5], "link") {
					rows = append(rows, l)
				}
			}
			if len(rows) != 2 || rows[0] == rows[1] {
				t.Fatalf("at %dx%d (rescanned: %v), the link rows do not differ:\n%s", size[0], size[1], rescan, h.screen())
			}
			for _, id := range []string{github, google} {
				if !strings.Contains(h.screen(), id[:min(len(id), 14)]) {
					t.Fatalf("at %dx%d (rescanned: %v), no row names %s:\n%s", size[0], size[1], rescan, id, h.screen())
				}
			}
		}
		h.selectAudit("link")
		h.press("U")
		activeIs[*UndoDialog](h, "U did not open the undo")
		h.mustShowWhole("Undo link of " + google + " into " + primary)
	}
}

// TestAnAuditRowNamesFirstTheAccountItsCallWrote: after alice's Google
// login is linked into her database account, the metadata merge's row
// names first the primary it patched, "from" the Google login, and the
// link's row the Google login "into" the primary: whole at 160 columns,
// and at 100 and 60 the account the call wrote kept before the other is
// cut (the merge's row read "google-oauth2|108…": the account it did not
// write, the one it patched cut off; at 100 "google-oaut… into
// auth0|63ea1…"). Its record says the same; its undo, of the link, is
// titled as the link's.
func TestAnAuditRowNamesFirstTheAccountItsCallWrote(t *testing.T) {
	const google = "google-oauth2|108812345678901234567"
	accounts := func(row string) string { // the ACCOUNTS cell and what follows it, after the email's
		if i := strings.Index(row, " alice."); i >= 0 {
			_, rest, _ := strings.Cut(row[i+1:], " ")
			return strings.TrimSpace(rest)
		}
		return ""
	}
	for _, tt := range []struct {
		width, height int
		merge, link   string // what each row's ACCOUNTS cell starts with
	}{
		{160, 30, aliceDB + " from " + google, google + " into " + aliceDB},
		{100, 30, aliceDB[:29], google[:29]},
		{60, 20, aliceDB[:18], google[:18]},
	} {
		h := newHarness(t, harnessOpts{tenant: true, width: tt.width, height: tt.height})
		linkAlice(h)
		h.press("3")
		var merge, link string
		for _, l := range strings.Split(h.screen(), "\n") {
			if m := auditRowTime.FindString(l); m != "" && strings.HasPrefix(l[len(m):], "patch_m") {
				merge = l
			}
		}
		link = auditRowAt(h, "link")
		if got := accounts(merge); !strings.HasPrefix(got, tt.merge) {
			t.Errorf("at %d×%d the merge's row names %q, want it to start with %q:\n%s", tt.width, tt.height, got, tt.merge, h.screen())
		}
		if got := accounts(link); !strings.HasPrefix(got, tt.link) {
			t.Errorf("at %d×%d the link's row names %q, want it to start with %q:\n%s", tt.width, tt.height, got, tt.link, h.screen())
		}
		if tt.width != 160 {
			continue
		}
		h.selectAudit("patch_metadata")
		h.press("enter")
		h.mustShow("of         " + aliceDB + " from " + google)
		h.press("esc", "U")
		activeIs[*UndoDialog](h, "U did not open the undo")
		h.mustShowWhole("Undo link of " + google + " into " + aliceDB)
	}
}

// A child deleted from a family stays named by its username in the audit
// log and in its undo, although the group no longer holds it.
func TestADeletedChildIsNamedInTheAuditLog(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	h.deleteEmma()
	if acc, _ := h.c.Data.Account("auth0|64b7ca01e0f1a2b3c4d5e6f8"); acc != nil {
		t.Fatal("the group read again still holds emma")
	}
	h.press("3")
	h.mustShow("emma.miller")
	h.press("/")
	h.typeText("emma.mil")
	h.press("enter")
	if a := activeIs[*AuditLog](h, "3 did not open the audit log"); a.Rows() != 1 {
		t.Fatalf("the filter emma.mil finds %d calls:\n%s", a.Rows(), h.screen())
	}
	h.press("enter") // the whole record names her too
	h.mustShow("named      username emma.miller")
	h.press("esc", "U")
	h.mustShow("Undo delete of emma.miller", "restore auth0|64b7ca01e0f1a2b3c4d5e6f8 (username emma.miller)")
	// Made again with a password no one knows: the ticket's URL is on screen.
	h.press("y")
	h.mustShow("✓ Done.", "ticket: http://127.0.0.1:", "send it to the person")
	if acc, g := h.c.Data.Account("auth0|64b7ca01e0f1a2b3c4d5e6f8"); acc == nil || len(g.Accounts) != 3 {
		t.Fatal("after the undo, the family's group still lacks emma")
	}
	// y again copies the URL, and undoes nothing more.
	records := len(auditRecords(t, h))
	h.press("y")
	h.mustShow("Copied, if the terminal allows OSC 52: the ticket URL")
	if n := len(auditRecords(t, h)); n != records {
		t.Fatalf("y after the undo wrote %d audit records", n-records)
	}
	// q asks first: the URL is shown nowhere else.
	h.press("q")
	h.mustShow("Quit and lose it?", "the password-change ticket URL the undo made")
	h.press("n")
	if h.quit {
		t.Fatal("n quit")
	}
}

func TestTheAuditLogFiltersByEmailActionAndResult(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log"
	h.press("3", "/")
	a := h.active().(*AuditLog)
	for _, tc := range []struct {
		filter string
		rows   int
	}{{"", 4}, {"error", 1}, {"delete ok", 1}, {"wei.zhang@", 1}, {"emma.miller", 1}, {"dana", 4}, {"nobody", 0}} {
		h.press("ctrl+u")
		h.typeText(tc.filter)
		if a.Rows() != tc.rows {
			t.Errorf("filter %q: %d rows, want %d", tc.filter, a.Rows(), tc.rows)
		}
	}
	h.press("ctrl+u")
	h.typeText("ticket")
	h.press("enter", "enter")
	h.mustShow("error      POST /api/v2/tickets/password-change: 429 Too Many Requests: Global limit has been\n           reached")
}

// The oldest record of a long apply is found by filtering: the whole log
// is read (no cap), newest first, and G goes to the oldest of the rows.
func TestTheAuditLogReadsTheWholeLog(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	dir := t.TempDir()
	h.c.Backend.Session.Paths.AuditLog = dir + "/audit.log"
	writeLongLog(t, h.c.Backend.Session.Paths.AuditLog, 300)
	h.press("3")
	a := h.active().(*AuditLog)
	if a.Entries() != 300 {
		t.Fatalf("%d calls shown of 300", a.Entries())
	}
	if _, _, first := a.Selected(); first.IsZero() {
		t.Fatal("nothing selected")
	}
	h.press("/")
	h.typeText("user0000")
	h.press("enter", "G")
	if op, _, _ := a.Selected(); op != "op-0000" {
		t.Fatalf("the oldest call of user0000 is %s", op)
	}
}

// writeLongLog writes n calls (attempt and result each) to a log at path,
// oldest first, on ten accounts in turn.
func writeLongLog(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		for _, phase := range []string{"attempt", "result"} {
			rec := map[string]any{"time": "2026-10-31T09:00:00Z", "operator": "ann", "tenant": "sandbox (fixture)", "action": "link", "phase": phase,
				"op_id": fmt.Sprintf("op-%04d", i), "user_ids": []string{fmt.Sprintf("auth0|user%04d", i%10)}}
			if phase == "result" {
				rec["result"] = "ok"
			}
			data, _ := json.Marshal(rec)
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTheAuditLogSaysWhichOperationAnUndoUndoes: a record an undo made
// names the operation it reverses, in the pane under the list and in the
// whole record.
func TestTheAuditLogSaysWhichOperationAnUndoUndoes(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 30})
	linkAlice(h)
	h.press("3", "U", "y")
	h.mustShow("✓ Done.")
	h.press("esc")
	var ref string
	for _, r := range auditRecords(t, h) {
		if r.Undoes != "" {
			ref = r.Undoes
		}
	}
	if ref == "" {
		t.Fatal("the undo's records name no operation undone")
	}
	h.mustShow("undoes link " + ref + " of ")
	h.press("enter")
	activeIs[*AuditRecord](h, "enter did not open the record")
	h.mustShow("undoes", "link "+ref+" of ")
}

// The audit log screen shows this tenant's calls: those recorded on
// another tenant (production beside staging, an earlier sandbox), which
// undo refuses, are left out and counted.
func TestTheAuditLogShowsThisTenantsCallsAndCountsTheOthers(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.c.Backend.Session.Paths.AuditLog = t.TempDir() + "/audit.log"
	writeLongLog(t, h.c.Backend.Session.Paths.AuditLog, 3)
	other := `{"time":"2026-10-31T10:00:00Z","operator":"ann","tenant":"prod.eu.auth0.com","action":"delete","phase":"attempt","op_id":"op-prod","user_ids":["auth0|prod1"]}` + "\n"
	f, err := os.OpenFile(h.c.Backend.Session.Paths.AuditLog, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(other)
	f.Close()
	h.press("3")
	a := h.active().(*AuditLog)
	if a.Entries() != 3 {
		t.Fatalf("%d calls shown, want this tenant's 3", a.Entries())
	}
	h.mustShow("1 on other tenants not shown")
	if strings.Contains(h.screen(), "auth0|prod1") {
		t.Fatalf("another tenant's call is shown:\n%s", h.screen())
	}
}

// longEmail is longer than 22 cells, and than the room at 100 columns;
// shortEmail is longer than 22 cells, within that room.
const (
	longEmail  = "christopher.montgomery@example-company.com"
	shortEmail = "isabella.novak1@proton.me"
)

// auditWithActions writes an audit log whose calls are a metadata merge,
// a verification email and an account made again, every one ok, on the
// address email, and points the harness at it.
func auditWithActions(t *testing.T, h *harness, email string) {
	t.Helper()
	var b strings.Builder
	for i, action := range []string{"patch_metadata", "verify_email", "create_user"} {
		for _, phase := range []string{"attempt", "result"} {
			result := ""
			if phase == "result" {
				result = `,"result":"ok"`
			}
			fmt.Fprintf(&b, `{"time":"2026-10-31T09:1%d:00Z","operator":"dana","tenant":"sandbox (fixture)","action":%q,"phase":%q,`+
				`"op_id":"20261031T091%d00Z-0a1b2c3d4e5f","user_ids":["auth0|6ae3ba4c72c34e399777e6e0"],"step":"op1.%s",`+
				`"before":[{"user_id":"auth0|6ae3ba4c72c34e399777e6e0","email":%q}],"request":{"method":"POST","path":"/api/v2/x"}%s}`+"\n",
				i, action, phase, i, action, email, result)
		}
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h.c.Backend.Session.Paths.AuditLog = path
}

// TestAuditColumnsTakeTheWidthTheyNeed: RESULT, for "ok", is no wider
// than its header at every width; at 60×20 the long actions of the page
// (patch_metadata) are cut to what keeps them apart ("patch_m…") rather
// than the accounts; the email gives up room before the user id (10
// cells at 60), and every row still tells its action from the others'; at
// 100 and 160 columns every action shows whole, the user id whole, and
// the email whole where the room allows.
func TestAuditColumnsTakeTheWidthTheyNeed(t *testing.T) {
	actions := []string{"patch_metadata", "verify_email", "create_user"}
	rows := func(h *harness) []string {
		h.t.Helper()
		var out []string
		for _, l := range strings.Split(h.screen(), "\n") {
			if strings.Contains(l, " 10-31 ") || strings.Contains(l, " 2026-10-31 ") {
				out = append(out, l)
			}
		}
		if len(out) != len(actions) {
			h.t.Fatalf("%d rows, want %d:\n%s", len(out), len(actions), h.screen())
		}
		return out
	}
	for _, size := range [][2]int{{60, 20}, {100, 30}, {160, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, harnessOpts{width: size[0], height: size[1]})
			email := longEmail
			if size[0] == 100 {
				email = shortEmail
			}
			auditWithActions(t, h, email)
			h.press("3")
			h.mustShow("RESULT EMAIL")
			seen := map[string]bool{}
			for _, r := range rows(h) {
				if !strings.Contains(r, " ok     ") {
					t.Errorf("the result is not in a column 6 wide: %q", r)
				}
				action := strings.Fields(strings.TrimPrefix(r, "▸"))[2] // date, time, action
				seen[action] = true
				switch {
				case size[0] > 60 && !slices.Contains(actions, action):
					t.Errorf("at %d columns the action is cut: %q", size[0], r)
				case !strings.Contains(r, " auth0|6ae3ba4c72c34e399777e6e0"[:min(size[0]/3-2, 31)]):
					t.Errorf("at %d columns the user id is cut short: %q", size[0], r)
				case size[0] == 160 && !strings.Contains(r, " "+email+" "):
					t.Errorf("at %d columns the email is cut: %q", size[0], r)
				case size[0] == 60 && !strings.Contains(r, " "+email[:9]+"… "):
					t.Errorf("at 60 columns the email does not keep 10 cells: %q", r)
				}
			}
			if len(seen) != len(actions) {
				t.Errorf("the actions cut are not apart: %v", seen)
			}
			if size[0] == 60 && !seen["patch_m…"] {
				t.Errorf("patch_metadata is not cut to patch_m…: %v", seen)
			}
		})
	}
}

// TestActionApart: the actions of a page cut to 8 cells stay apart, or
// to as many as they need.
func TestActionApart(t *testing.T) {
	for _, tt := range []struct {
		actions []string
		want    int
	}{
		{[]string{"patch_metadata", "verify_email", "create_user", "link"}, 8},
		{[]string{"remove_roles", "remove_member"}, 9},
		{[]string{"link", "delete"}, 8},
		{nil, 8},
	} {
		if got := actionApart(tt.actions); got != tt.want {
			t.Errorf("actionApart(%q) = %d, want %d", tt.actions, got, tt.want)
		}
	}
}

// TestAuditColumnsGiveUpRoomInOrder: the operator goes first, then the
// year (whole: a time column cut into it would pad the short time with
// blank cells), then the action down to what keeps the page's actions
// apart, then the email to 10 cells before the accounts to 16 (user ids
// give up room last); before all that, the accounts go down to 36 cells,
// the email to 22, the accounts to 30 (one user id whole) and the email to
// 16; what is left over goes to the accounts first, up to what they need,
// then to the email.
func TestAuditColumnsGiveUpRoomInOrder(t *testing.T) {
	for _, tt := range []struct {
		width int
		need  auditNeeds
		want  []int
	}{
		// time, action, result, email, accounts, operator; the action's least
		{60, auditNeeds{14, 2, 42, 30, 4, 8}, []int{11, 8, 6, 10, 19, 0}},
		{60, auditNeeds{14, 9, 18, 30, 5, 8}, []int{11, 8, 9, 10, 16, 0}}, // "no result", "mtran153@gmail.com"
		{60, auditNeeds{6, 9, 22, 44, 4, 8}, []int{11, 6, 9, 10, 18, 0}},
		{80, auditNeeds{14, 2, 42, 30, 4, 8}, []int{11, 11, 6, 16, 30, 0}},
		{80, auditNeeds{8, 2, 22, 45, 6, 8}, []int{11, 8, 6, 16, 33, 0}}, // the year gives up 5 cells, never 2 left blank
		{100, auditNeeds{14, 2, 42, 30, 4, 8}, []int{16, 14, 6, 19, 30, 8}},
		{100, auditNeeds{14, 2, 25, 30, 4, 8}, []int{16, 14, 6, 19, 30, 8}},
		{100, auditNeeds{6, 9, 29, 51, 4, 8}, []int{16, 6, 9, 22, 32, 8}},
		{160, auditNeeds{14, 2, 42, 30, 4, 8}, []int{16, 14, 6, 42, 67, 8}},
	} {
		got := auditColumns(tt.width, tt.need)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%d columns, %+v: widths %v, want %v", tt.width, tt.need, got, tt.want)
		}
		total := -1
		for _, w := range got {
			if w > 0 {
				total += w + 1
			}
		}
		if total > tt.width-2 {
			t.Errorf("%d columns: the table is %d wide", tt.width, total+2)
		}
	}
}

// TestARowTooLongKeepsItsFirstUserIDWhole: a row named by user ids alone,
// too long for its column, keeps its first account (the one its call
// wrote, or linked) whole as far as the cell holds it, and gives the
// others what is left, cut, where that is 10 cells at least, else "…":
// each cut to an even share, neither read as an account
// ("google-oaut… into auth0|63ea1…").
func TestARowTooLongKeepsItsFirstUserIDWhole(t *testing.T) {
	google, github := accountName{userID: "google-oauth2|105498954321098765432"}, accountName{userID: "github|12345678"}
	for _, tt := range []struct {
		width int
		want  string
	}{
		{30, "google-oauth2|105498954321098…"},
		{40, "google-oauth2|105498954321098765432 …"},
		{42, "google-oauth2|105498954321098765432 into …"},
		{51, "google-oauth2|105498954321098765432 into github|12…"},
		{56, "google-oauth2|105498954321098765432 into github|12345678"},
	} {
		if got := accountsCell([]accountName{google, github}, " into ", tt.width); got != tt.want {
			t.Errorf("in %d cells: %q, want %q", tt.width, got, tt.want)
		}
	}
	delete := []accountName{{userID: "auth0|6ae4dc33ce7a4c925e1a8028"}, {userID: "google-oauth2|1093463855167"}, {userID: "github|48151623"}}
	if got, want := accountsCell(delete, ", ", 60), "auth0|6ae4dc33ce7a4c925e1a8028, google-oauth…, github|48151…"; got != want {
		t.Errorf("a deletion and its identities in 60 cells: %q, want %q", got, want)
	}
}

// TestTheAuditLogCutsTheEmailBeforeTheAccounts: at 60×20 and 100×30 the
// rows of a link keep more of the accounts than of the email, as the
// README's rule says (user ids give up room last): at 100 each link row
// names whole the secondary it linked.
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
			case size[0] == 100 && !strings.Contains(l, " github|9007199254740993 ") && !strings.Contains(l, " google-oauth2|114455667788990011223 "):
				t.Errorf("at 100 columns a link row does not name its secondary whole: %q", l)
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
// user ids alone keeps its first whole, and the others give way to "…"
// where they would be cut too short to tell one by.
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
		{[]accountName{github, google}, " from ", 24, "github|48151623 from …"},
		{[]accountName{google, github}, " into ", 40, "google-oauth2|109346385516795420252 …"},
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

// TestTheAuditLogFollowsASettleFromAnotherShell: a link cut off in
// another shell shows, once r is pressed on the audit log, with its
// outcome unknown; when `linkdesk resume` settles it there, the root's next read
// of the journals clears the badge, says so, and the audit log, on
// screen, reads its file again: the row says what resume recorded,
// without leaving the screen or pressing a key.
func TestTheAuditLogFollowsASettleFromAnotherShell(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("3")
	h.mustShow("Nothing recorded yet")

	cutOffLink(t, h)
	h.press("r") // a rescan reads the audit log and the journals again
	if row := auditRow(h, "link"); !strings.Contains(row, " unknown ") {
		t.Fatalf("after r the cut-off link is not shown with its outcome unknown: %q", row)
	}
	h.mustShow(" 1 UNSETTLED ")

	settleElsewhere(t, h)

	h.tick(fixedNow.Add(time.Minute)) // the journals read again, now and then
	h.mustShow("✓ The unsettled write is settled now.")
	if strings.Contains(h.screen(), "UNSETTLED") {
		t.Errorf("the badge stays once settled:\n%s", h.screen())
	}
	if row := auditRow(h, "link"); strings.Contains(row, "unknown") || !strings.Contains(row, " ok ") {
		t.Errorf("the audit log still shows the link as it was before resume settled it: %q", row)
	}
	activeIs[*AuditLog](h, "the audit log is no longer on screen")
	// How resume settled it is a note beside "ok", never an error.
	h.mustShow("note resolved on resume")
	if strings.Contains(h.screen(), "error ") {
		t.Errorf("a call settled as ok shows an error:\n%s", h.screen())
	}
}

// TestRReadsTheAuditLogAgain: r on the audit log reads its file again: a
// call recorded by another linkdesk since shows.
func TestRReadsTheAuditLogAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("3")
	h.mustShow("Nothing recorded yet")
	cutOffLink(t, h)
	h.send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	auditRow(h, "link")
}

// A plan run from this state directory with --audit-log FILE (in another
// shell) recorded its calls there: the audit log says where, rather than
// that nothing was recorded.
func TestTheAuditLogSaysWhichOtherLogHoldsThisTenantsCalls(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 160, height: 30})
	h.press("3")
	h.mustShow("Nothing recorded yet")
	f := filepath.Join(t.TempDir(), "F.log")
	cutOffLinkLogging(t, h, f)
	h.send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	h.mustShow("Nothing recorded here yet; calls of plans run with --audit-log are in", "F.log")
}

// With calls of its own, the audit log still says where the other logs
// are, on a line of their own whose paths keep their ends (the file name)
// at 60 and 80 columns.
func TestTheAuditLogNamesTheOtherLogWholeBesideItsOwnCalls(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		linkAlice(h)
		h.press("esc", "u", "y")
		h.mustShow("✓ Done.")
		f := filepath.Join(t.TempDir(), "other-shell.log")
		cutOffLinkLogging(t, h, f)
		h.press("3", "r")
		h.mustShow("also in ", "/other-shell.log")
		for _, l := range strings.Split(h.screen(), "\n") {
			if tui.Width(l) > size[0] {
				t.Errorf("%dx%d: a line of %d cells: %q", size[0], size[1], tui.Width(l), l)
			}
		}
	}
}

// The audit log's footer offers U and enter, the keys that act on the
// record under the cursor, before the generic ones: U undo was dropped.
func TestTheAuditLogFooterOffersUndoAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("esc", "3")
	activeIs[*AuditLog](h, "3 did not open the audit log")
	lines := strings.Split(h.screen(), "\n")
	footer := lines[len(lines)-2]
	for _, want := range []string{"U undo", "enter the whole record", "/ filter", "? help"} {
		if !strings.Contains(footer, want) {
			t.Fatalf("the footer does not offer %q: %q\n%s", want, footer, h.screen())
		}
	}
}

// At 60 columns a record's call wraps between the values of its JSON body,
// so that a user id in it reads whole on one line.
func TestTheAuditRecordWrapsItsCallBetweenValuesAt60(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 40})
	linkAlice(h)
	h.press("3")
	h.selectAudit("link")
	h.press("enter")
	h.mustShow("call")
	// Every line of the call ends where WrapCall may break it (after the
	// method, a /, the path, a , or the body's }), never inside a value.
	in := false
	for _, line := range strings.Split(h.screen(), "\n") {
		switch f := strings.TrimSpace(line); {
		case strings.HasPrefix(f, "call "):
			in = true
		case strings.HasPrefix(f, "before "):
			in = false
		}
		if l := strings.TrimRight(line, " "); in && !strings.HasSuffix(l, "POST") && !strings.HasSuffix(l, "/identities") && !strings.HasSuffix(l, "/") && !strings.HasSuffix(l, ",") && !strings.HasSuffix(l, "}") {
			t.Fatalf("the link's call is cut inside a value at %q:\n%s", l, h.screen())
		}
	}
}

// Help on the audit log says what r does there: it reads the log again
// (and rescans); the global "r rescan" is not listed beside it.
func TestAuditLogHelpSaysRReadsTheLogAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.press("3", "?")
	h.mustShow("read the log again (and rescan the tenant)")
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(strings.Join(strings.Fields(l), " "), "r rescan") {
			t.Fatalf("help on the audit log lists r as a rescan alone:\n%s", h.screen())
		}
	}
}

// TestTheAuditLogsHelpListsF: ? on the audit log lists F, the key that
// forces an undo over changes made since, beside U, as the README's key
// table does.
func TestTheAuditLogsHelpListsF(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 120, height: 40})
	h.linkGroup("alice.nguyen@gmail.com")
	h.press("3", "?")
	h.mustShowWhole("undo this operation", "undo, to force over changes since (it lists them and asks)")
}

// A discard (linkdesk resume --discard) is a row of its own, action
// discard and result note: the pane under the list names the operation it
// left in place of a call (it made none), with its note and reason, and so
// does the whole record.
func TestTheAuditLogShowsADiscard(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 120, height: 30})
	useAuditLog(t, h, audit.Record{Operator: "dana", Tenant: h.c.Backend.TenantName(), Action: audit.ActionDiscard, Phase: audit.PhaseNote,
		OpID: audit.NewOpID(), PlanID: "plan-1f2e", Discards: "plan-1f2e/op1", UserIDs: []string{"auth0|5f1a2b3c4d5e6f7081920a1b", "github|9007199254740993"},
		Reason: "ZD-7: kept apart", Note: "left undone for good by linkdesk resume --discard: op1.link not made"})
	h.press("3")
	h.mustShow("discard", "note", "discards plan-1f2e/op1", "note left undone for good by linkdesk resume --discard: op1.link not made", "why ZD-7: kept apart")
	if strings.Contains(h.screen(), "call ") {
		t.Errorf("the pane shows a call of a discard:\n%s", h.screen())
	}
	h.press("enter")
	activeIs[*AuditRecord](h, "enter did not open the record")
	h.mustShow("discard · note", "plan-1f2e/op1", "ZD-7: kept apart")
	if !strings.Contains(h.screen(), "discards") {
		t.Errorf("the record does not name the operation discarded:\n%s", h.screen())
	}
}

// A discard of a ticket left cut off (its answer lost, then discarded) and
// the ticket's own row cannot be undone, as a ticket cannot: neither
// footer offers U, help says why, and U says it in one line, no dialog.
func TestTheAuditLogOffersNoUndoOnATicketOrItsDiscard(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 60, height: 20})
	tenant, mike := h.c.Backend.TenantName(), []string{"auth0|64b7c8d9e0f1a2b3c4d5e6f7"}
	ticketOp := audit.NewOpID()
	useAuditLog(t, h,
		audit.Record{Operator: "dana", Tenant: tenant, Action: linking.ActionTicket, Phase: audit.PhaseAttempt, OpID: ticketOp, PlanID: "plan-7a1c", Step: "op1.ticket", UserIDs: mike},
		audit.Record{Operator: "dana", Tenant: tenant, Action: linking.ActionTicket, Phase: audit.PhaseResult, Result: audit.ResultUnknown, OpID: ticketOp, PlanID: "plan-7a1c", Step: "op1.ticket", UserIDs: mike},
		audit.Record{Operator: "dana", Tenant: tenant, Action: audit.ActionDiscard, Phase: audit.PhaseNote, OpID: audit.NewOpID(), PlanID: "plan-7a1c", Discards: "plan-7a1c/op1", UserIDs: mike,
			Note: "left undone for good by linkdesk resume --discard: op1.ticket not made again: it may have gone out already"})
	h.press("3")
	for _, action := range []string{audit.ActionDiscard, linking.ActionTicket} {
		h.selectAudit(action)
		if f := h.footer(); strings.Contains(f, "U undo") {
			t.Fatalf("the footer offers U on a %s of a ticket: %q", action, f)
		}
		h.press("?")
		h.mustShow("undo (off: it changed no data)")
		h.press("esc")
		before := h.above()
		h.press("U")
		h.mustTell("U", "Nothing to undo: a ticket changes no data.", before)
		activeIs[*AuditLog](h, "U on a "+action+" of a ticket opened a dialog")
	}
}

// useAuditLog has the session keep its audit log in a new file holding recs.
func useAuditLog(t *testing.T, h *harness, recs ...audit.Record) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	log, err := audit.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()
	h.c.Backend.Session.Paths.AuditLog = path
}
