package views

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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
