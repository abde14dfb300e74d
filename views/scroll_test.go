package views

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

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
