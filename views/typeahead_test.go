package views

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

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

// Keys typed while a find searches neither join the query searched nor act
// on the account it opens: D typed after enter opens no delete dialog.
func TestKeysTypedWhileFindSearchesAreDropped(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // the search held back
	h.press("D", "v")
	h.send(search)
	activeIs[*Account](h, "the one account found did not open, or a key typed during the search acted on it")
	h.press("esc")
	f := activeIs[*Find](h, "esc did not go back to find")
	if f.query.Value != "sam.taylor@gmail.com" {
		t.Fatalf("the query is %q after keys typed while it was searched", f.query.Value)
	}
}

// While find reads its results again (back from an account), what is typed
// is kept: only the search the operator asked for drops keys.
func TestKeysTypedWhileFindRefreshesItsResultsAreKept(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.findResults("the.millers@gmail.com", 3)
	h.press("enter")
	activeIs[*Account](h, "enter did not open the account")
	_, refresh := h.m.Update(keyPress("esc")) // back on the results: their refresh held back
	h.press("/", "ctrl+u")
	h.typeText("bob@x.com")
	h.send(refresh)
	if f := activeIs[*Find](h, "not on find"); f.query.Value != "bob@x.com" {
		t.Fatalf("the query typed while the results were read again is %q, want bob@x.com", f.query.Value)
	}
}

// esc during a search, with earlier results on screen, goes back to them:
// the search's answer, one account, opens nothing.
func TestEscDuringAFindSearchOpensNothingItFinds(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.findResults("the.millers@gmail.com", 3)
	h.press("/", "ctrl+u")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // held back
	h.press("esc")
	h.send(search)
	if f := activeIs[*Find](h, "the search esc left opened its account"); f.Results() != 3 {
		t.Fatalf("the results are not the earlier ones:\n%s", h.screen())
	}
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

// esc while find searches stops the search and keeps find, and the query,
// to edit or search again.
func TestEscDuringTheFirstFindSearchKeepsTheQuery(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.press("f")
	h.typeText("sam.taylor@gmail.com")
	_, search := h.m.Update(keyPress("enter")) // held back
	h.press("esc")
	h.send(search)
	f := activeIs[*Find](h, "esc during the search closed find, or its answer opened the account")
	if f.query.Value != "sam.taylor@gmail.com" || !f.Capturing() {
		t.Fatalf("the query is %q (typing %v) after esc stopped its search", f.query.Value, f.Capturing())
	}
}
