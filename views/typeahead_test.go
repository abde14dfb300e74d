package views

import (
	"testing"
)

// Keys a terminal delivers in one read with the key that answers a
// question or opens a screen go to what is on screen after it, never a
// second time to the question: yy sends one verification email and
// leaves the group open.
func TestYYInTheVerificationQuestionSendsOneEmail(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	d := h.openGroup("maria.garcia@outlook.com")
	h.selectAccount(d, "auth0|672614a0b1c2d3e4f5061728") // unverified
	h.press("v")
	h.mustShow("Send the verification email")
	h.pressAhead("y", "y")
	if n := verificationJobs(h); n != 1 {
		t.Fatalf("yy sent %d verification emails, want 1:\n%s", n, h.screen())
	}
	activeIs[*Detail](h, "the second y closed the group too")
}

// enter on the groups list, then /ivy in the same read: the letters type
// into the filter of the group opened, and no dialog opens.
func TestKeysTypedAfterEnterReachTheGroupOpened(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 80, height: 24})
	h.press("2", "/", "ctrl+u")
	h.typeText("maria.garcia@outlook.com")
	h.press("enter")
	h.pressAhead("enter", "/", "i", "v", "y")
	d := activeIs[*Detail](h, "enter did not open the group, or a key left it")
	if d.email != "maria.garcia@outlook.com" {
		t.Fatalf("another group opened:\n%s", h.screen())
	}
	if verificationJobs(h) != 0 {
		t.Fatalf("a verification email went out:\n%s", h.screen())
	}
	h.mustShow("/ ivy")
}

// enter on the overview opens the groups list of a class; j typed with it
// moves that list, not the overview's cursor.
func TestKeysTypedAfterEnterOnTheOverviewReachTheGroupsList(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.pressAhead("enter", "j")
	g := activeIs[*Groups](h, "enter on the overview did not open the groups list")
	if g.cursor != 1 {
		t.Fatalf("j after enter left the groups cursor at %d:\n%s", g.cursor, h.screen())
	}
}

// Leaving the link wizard with choices made asks first; yy closes the
// question and the wizard, and leaves the group on screen.
func TestYYOnLeavingTheLinkWizardClosesOnlyTheWizard(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "j", "space") // github left alone: a choice
	h.press("esc")
	h.mustShow("Leave and lose it?")
	h.pressAhead("y", "y")
	activeIs[*Detail](h, "yy did not leave the group on screen")
}

// y typed twice on the link wizard's last question links once.
func TestYYOnTheLinkQuestionLinksOnce(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true, width: 100, height: 30})
	h.openGroup("alice.nguyen@gmail.com")
	h.press("l", "enter", "enter")
	h.pressAhead("y", "y")
	h.mustShow("✓ Done.")
	if n := h.srv.Stats().Requests["POST /api/v2/users/{id}/identities"]; n != 1 {
		t.Fatalf("yy made %d link calls, want 1:\n%s", n, h.screen())
	}
}

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
		h.mustShow("Quit while a write is in flight?")
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
		h.mustShow("Quit while a write is in flight?")
		if n := h.srv.Stats().Requests["POST /api/v2/users/{id}/identities"]; n != 1 {
			t.Fatalf("%d link calls, want 1", n)
		}
	})
}
