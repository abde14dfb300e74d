package views

import (
	"fmt"
	"os"
	"path/filepath"
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

// TestAuditColumnsTakeTheWidthTheyNeed: at 60×20 every action shows whole
// and RESULT, for "ok", is no wider than its header, the email giving up
// room first; at 100 and 160 columns the email is not held to 22 cells:
// it shows whole where the room allows.
func TestAuditColumnsTakeTheWidthTheyNeed(t *testing.T) {
	row := func(h *harness, action string) string {
		h.t.Helper()
		for _, l := range strings.Split(h.screen(), "\n") {
			if strings.Contains(l, " 10-31 ") || strings.Contains(l, " 2026-10-31 ") {
				if strings.Contains(l, " "+action+" ") {
					return l
				}
			}
		}
		h.t.Fatalf("no row shows the action %q whole:\n%s", action, h.screen())
		return ""
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
			for _, action := range []string{"patch_metadata", "verify_email", "create_user"} {
				r := row(h, action)
				if !strings.Contains(r, " ok     ") {
					t.Errorf("the result is not in a column 6 wide: %q", r)
				}
				if size[0] > 60 && !strings.Contains(r, " "+email+" ") {
					t.Errorf("at %d columns the email is cut: %q", size[0], r)
				}
			}
		})
	}
}

// TestAuditColumnsGiveUpRoomInOrder: the operator goes first, then the
// year, then the email and the accounts in turns (the accounts keeping 14
// cells), and the action last; what is left over goes first to the one of
// the email and the accounts closer to whole, then to the other.
func TestAuditColumnsGiveUpRoomInOrder(t *testing.T) {
	for _, tt := range []struct {
		width int
		need  auditNeeds
		want  []int
	}{
		// time, action, result, email, accounts, operator
		{60, auditNeeds{14, 2, 42, 30, 4}, []int{11, 14, 6, 9, 14, 0}},
		{60, auditNeeds{6, 9, 22, 44, 4}, []int{11, 6, 9, 12, 16, 0}},
		{80, auditNeeds{14, 2, 42, 30, 4}, []int{11, 14, 6, 19, 24, 0}},
		{100, auditNeeds{14, 2, 42, 30, 4}, []int{16, 14, 6, 22, 27, 8}},
		{100, auditNeeds{14, 2, 25, 30, 4}, []int{16, 14, 6, 25, 24, 8}},
		{100, auditNeeds{6, 9, 29, 51, 4}, []int{16, 6, 9, 29, 25, 8}},
		{160, auditNeeds{14, 2, 42, 30, 4}, []int{16, 14, 6, 42, 67, 8}},
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
