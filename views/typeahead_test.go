package views

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// q typed in the same read as the y that approves a write finds the write
// in flight: it asks before quitting, and the write goes out once.
func TestQTypedWithTheYOfAWriteAsksFirst(t *testing.T) {
	t.Run("verification email", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
		d := h.openGroup("maria.garcia@outlook.com")
		h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
		h.press("v")
		h.pressAhead("y", "q")
		if h.quit {
			t.Fatal("q right after y quit without asking")
		}
		h.mustShow("Quit anyway?") // asked; the write has ended since (the harness ran it)
		if n := verificationJobs(h); n != 1 {
			t.Fatalf("%d verification emails, want 1", n)
		}
	})
	t.Run("link", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
		h.openGroup("alice.nguyen@gmail.com")
		h.press("l", "enter", "enter")
		h.pressAhead("y", "q")
		if h.quit {
			t.Fatal("q right after y quit without asking")
		}
		h.mustShow("Quit anyway?") // asked; the write has ended since (the harness ran it)
		if n := h.srv.Stats().Requests["POST /api/v2/users/{id}/identities"]; n != 1 {
			t.Fatalf("%d link calls, want 1", n)
		}
	})
}

// q quits as it is handled: v and y read with it open no question and send
// no email.
func TestKeysReadWithQReachNoScreen(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728")
	var cmds []tea.Cmd
	for _, k := range []string{"q", "v", "y"} {
		_, cmd := h.m.Update(keyPress(k))
		cmds = append(cmds, cmd)
	}
	if n := h.m.WritesInFlight(); n != 0 {
		t.Fatalf("keys read with q started %d writes", n)
	}
	for _, cmd := range cmds {
		h.send(cmd)
	}
	if !h.quit || verificationJobs(h) != 0 {
		t.Fatalf("quit %v, %d verification emails", h.quit, verificationJobs(h))
	}
}
