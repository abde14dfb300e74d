package views

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// linkConfirmVouched opens, at 60×20, the link confirmation of
// liam.miller into imported.user@web.de, vouched for (o): its lines are
// more than the box holds, and scroll.
func linkConfirmVouched(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.press("f")
	h.typeText("imported.user@web.de")
	h.press("enter", "l")
	h.typeText("liam.miller")
	h.press("enter", "enter", "o", "enter")
	h.mustShow("Link liam.miller", "more lines")
	return h
}

// undoOfALink opens, at 60×20, the undo of wei.zhang's link, its note
// longer than the window leaves it.
func undoOfALink(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
	h.press("2", "enter", "l", "enter", "enter", "y", "3", "U")
	h.mustShow("Undo it?")
	return h
}

// dialogScrolls checks that j/k, pgdn/pgup, g and G scroll the dialog
// open in h (as they do a write's result), with no hint that a key did
// nothing, and that the footer and the help name them.
func dialogScrolls(t *testing.T, h *harness, wrongHint string) {
	t.Helper()
	left := moreCount(h.screen())
	if left == 0 {
		t.Fatalf("nothing to scroll:\n%s", h.screen())
	}
	if !strings.Contains(footerLine(h), "j/k") {
		t.Errorf("the footer does not name j/k: %q", footerLine(h))
	}
	h.press("j")
	if strings.Contains(h.screen(), wrongHint) {
		t.Fatalf("j scrolls, yet the dialog says %q:\n%s", wrongHint, h.screen())
	}
	if now := moreCount(h.screen()); now >= left {
		t.Fatalf("j left %d lines below, %d before:\n%s", now, left, h.screen())
	}
	h.press("k")
	if now := moreCount(h.screen()); now != left {
		t.Fatalf("k left %d lines below, %d before:\n%s", now, left, h.screen())
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if now := moreCount(h.screen()); now >= left-1 {
		t.Fatalf("pgdn left %d lines below, %d before:\n%s", now, left, h.screen())
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
	if now := moreCount(h.screen()); now != left {
		t.Fatalf("pgup left %d lines below, %d at the top:\n%s", now, left, h.screen())
	}
	h.press("G")
	if strings.Contains(h.screen(), "more line") || strings.Contains(h.screen(), wrongHint) {
		t.Fatalf("G does not go to the end:\n%s", h.screen())
	}
	h.press("g")
	if now := moreCount(h.screen()); now != left {
		t.Fatalf("g left %d lines below, %d at the top:\n%s", now, left, h.screen())
	}
	h.press("?")
	help := h.screen()
	for _, want := range [][2]string{{"↑/↓ j/k", "scroll"}, {"pgdn/pgup", "scroll a page"}, {"g/G", "top / end"}} {
		if !helpLine(help, want[0], want[1]) {
			t.Errorf("the help does not list %q %q:\n%s", want[0], want[1], help)
		}
	}
}

// TestDialogsScrollWithTheKeysOfAResult: the link confirmation and the
// undo dialog scroll for j/k, pgdn/pgup, g and G, not only ↑/↓ (tester:
// j said "Enter does not confirm", a row taken from what scrolls).
func TestDialogsScrollWithTheKeysOfAResult(t *testing.T) {
	t.Run("link confirmation", func(t *testing.T) {
		dialogScrolls(t, linkConfirmVouched(t), "Enter does not confirm")
	})
	t.Run("undo", func(t *testing.T) {
		dialogScrolls(t, undoOfALink(t), "Press y to undo")
	})
	t.Run("reason edited: keys type", func(t *testing.T) {
		h := linkConfirmVouched(t)
		h.press("tab", "ctrl+u")
		h.typeText("jkgG")
		h.press("enter")
		h.mustShow("jkgG")
	})
}

// scrolledThrough is every line of the dialog h shows (its first line,
// the breadcrumb, and its last two, footer and status bar, left out),
// from the top to the end as ↓ scrolls it.
func scrolledThrough(t *testing.T, h *harness) []string {
	t.Helper()
	var all []string
	for i := 0; ; i++ {
		lines := strings.Split(h.screen(), "\n")
		all = append(all, lines[1:len(lines)-2]...)
		if moreCount(h.screen()) == 0 {
			return all
		}
		if i > 40 {
			t.Fatalf("↓ never reaches the end:\n%s", h.screen())
		}
		h.press("down")
	}
}

// wholeLines fails where a line of the dialog is cut ("…", other than a
// "… n more lines" marker) or text is missing.
func wholeLines(t *testing.T, lines []string, want ...string) {
	t.Helper()
	text := strings.Join(lines, "\n")
	for _, l := range lines {
		if strings.Contains(l, "…") && !strings.Contains(l, "more line") {
			t.Errorf("a line is cut: %q\n%s", l, text)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%q is never shown:\n%s", w, text)
		}
	}
}

// TestScrollingDialogsShowEveryLineWhole: in a dialog whose lines scroll,
// no note or line is cut with "…" nor left out (tester: the undo's note
// ended "while it was linked);…", its rest only at 120 columns; the link
// confirmation cut "stops being an account of …" and left out the
// sentence on what becomes of a secondary).
func TestScrollingDialogsShowEveryLineWhole(t *testing.T) {
	t.Run("undo", func(t *testing.T) {
		h := undoOfALink(t)
		wholeLines(t, scrolledThrough(t, h), "memberships come back as they", "Undo it?")
	})
	t.Run("link confirmation", func(t *testing.T) {
		h := newHarness(t, harnessOpts{tenant: true, width: 60, height: 20})
		h.press("2", "/")
		h.typeText("carol")
		h.press("enter", "enter", "l", "j", "space", "enter", "enter")
		h.mustShow("Link carolj")
		wholeLines(t, scrolledThrough(t, h), "its own", "keeps its", "user id and profile", "Each secondary stops being a user", "Link carolj")
	})
}

// TestEveryMoreLinesHintNamesKeysThatReachTheEnd: wherever a screen says
// "… n more lines (keys)", pressing the key it names, a frame after each
// press, brings the count down at every press and reaches the end; G
// (or End) goes there at once where j/k scroll.
func TestEveryMoreLinesHintNamesKeysThatReachTheEnd(t *testing.T) {
	audit := func(h *harness) { h.c.Backend.Session.Paths.AuditLog = "testdata/audit.log" }
	for _, tt := range []struct {
		name  string
		opts  harnessOpts
		open  func(h *harness)
		hint  string   // the keys the hint names
		first []string // pressed once before (tab to the reasons pane)
		key   string   // pressed until the end
		end   string   // goes to the end at once, "" when none does
	}{
		{name: "account", opts: harnessOpts{tenant: true}, open: func(h *harness) { h.press("f"); h.typeText("sam.taylor@gmail.com"); h.press("enter") },
			hint: "(j/k, pgdn)", key: "j", end: "G"},
		{name: "account pgdn", opts: harnessOpts{tenant: true}, open: func(h *harness) { h.press("f"); h.typeText("sam.taylor@gmail.com"); h.press("enter") },
			hint: "(j/k, pgdn)", key: "pgdn"},
		{name: "audit record", open: func(h *harness) { audit(h); h.press("3", "j", "enter") }, hint: "(j/k)", key: "j", end: "G"},
		{name: "delete", opts: harnessOpts{tenant: true}, open: inGroup("the.millers@gmail.com", "j", "D"), hint: "(↓)", key: "down"},
		{name: "group reasons", open: inGroup("the.millers@gmail.com"), hint: "(tab, then j/k)", first: []string{"tab"}, key: "j"},
		{name: "help", open: inGroup("wei.zhang@gmail.com", "?"), hint: "(j/k)", key: "j", end: "G"},
		{name: "link review", opts: harnessOpts{tenant: true, edit: withLongTail},
			open: inGroup("wei.zhang@gmail.com", "l", "enter", "space", "j", "j", "space", "j", "space"), hint: "(j, pgdn)", key: "j", end: "G"},
		{name: "link result", opts: harnessOpts{tenant: true, edit: withLongTail}, open: linkWithCalls, hint: "(↓)", key: "down", end: "G"},
		{name: "link result j", opts: harnessOpts{tenant: true, edit: withLongTail}, open: linkWithCalls, hint: "(↓)", key: "j"},
		{name: "link result pgdn", opts: harnessOpts{tenant: true, edit: withLongTail}, open: linkWithCalls, hint: "(↓)", key: "pgdn"},
		{name: "undo result", opts: harnessOpts{tenant: true, edit: withLongTail},
			open: func(h *harness) { linkWithCalls(h); h.press("esc", "3", "U", "y") }, hint: "(↓)", key: "down", end: "G"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, end := range []bool{false, true} {
				if end && tt.end == "" {
					continue
				}
				opts := tt.opts
				opts.width, opts.height = 60, 20
				h := newHarness(t, opts)
				tt.open(h)
				h.mustShow("more line", tt.hint)
				h.press(tt.first...)
				if end {
					h.press(tt.end)
					if strings.Contains(h.screen(), "more line") {
						t.Fatalf("%s does not go to the end:\n%s", tt.end, h.screen())
					}
					continue
				}
				left := moreCount(h.screen())
				for i := 0; left > 0; i++ {
					if i > 60 {
						t.Fatalf("%s never reaches the end:\n%s", tt.key, h.screen())
					}
					if tt.key == "pgdn" {
						h.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
					} else {
						h.press(tt.key)
					}
					now := moreCount(h.screen())
					if now >= left && now > 0 {
						t.Fatalf("%s left %d lines below, as many as before it:\n%s", tt.key, now, h.screen())
					}
					left = now
				}
			}
		})
	}
}

// moreCount is the n of the screen's "… n more lines" hint, 0 when none.
func moreCount(screen string) int {
	_, rest, ok := strings.Cut(screen, "… ")
	for ok {
		var n int
		if _, err := fmt.Sscanf(rest, "%d more line", &n); err == nil {
			return n
		}
		_, rest, ok = strings.Cut(rest, "… ")
	}
	return 0
}
