package views

import (
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// tenantWrites counts the requests that would change the tenant.
func tenantWrites(srv *emulator.Server) int64 {
	st := srv.Stats()
	var n int64
	for _, route := range []string{emulator.RoutePatchUser, emulator.RouteDeleteUser, emulator.RouteLink, emulator.RouteUnlink,
		emulator.RouteCreateUser, "POST /api/v2/tickets/password-change"} {
		n += st.Requests[route]
	}
	return n + int64(len(st.Effects))
}

// TestReadOnlyIsEnforcedUnderTheScreens confirms a link in the wizard with
// read-only on at one layer under the screens only, as if the screens had
// a bug and let the operator through: the backend (and its executor)
// refuses, and so does the client below it. No write reaches the tenant.
func TestReadOnlyIsEnforcedUnderTheScreens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  harnessOpts
		setup func(h *harness)
		says  string
	}{
		{"the backend is read-only", harnessOpts{tenant: true}, func(h *harness) { h.c.Backend.Session.ReadOnly = true }, "read-only mode"},
		{"the client is read-only", harnessOpts{tenant: true, readOnly: true}, func(h *harness) {
			h.c.ReadOnly, h.c.Backend.Session.ReadOnly = false, false // screens and backend would write
		}, "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			tc.setup(h)
			h.openGroup("wei.zhang@gmail.com")
			h.press("l", "enter", "enter")
			h.mustShow("Link these 2 accounts into auth0|5f1a2b3c4d5e6f7081920a1b?")
			h.press("y")
			h.mustShow(tc.says)
			if n := tenantWrites(h.srv); n != 0 {
				t.Fatalf("%d writes reached the tenant", n)
			}
		})
	}
	// With the whole session read-only, the keys that write only say why.
	h := newHarness(t, harnessOpts{tenant: true, readOnly: true})
	h.openGroup("wei.zhang@gmail.com")
	for _, key := range []string{"l", "u", "D", "t"} {
		h.press(key)
		h.mustShow("read-only session (--read-only)")
	}
	if n := tenantWrites(h.srv); n != 0 {
		t.Fatalf("%d writes reached the tenant", n)
	}
}
