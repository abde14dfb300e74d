package views

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/emulator"
)

// withTenConflicts gives wei.zhang's three accounts app_metadata that
// conflicts on five keys, so each of the two secondaries has five
// conflicts: the review is longer than an 80×24 window.
func withTenConflicts(t *emulator.Tenant) {
	for _, u := range t.Users {
		switch u.UserID {
		case "auth0|5f1a2b3c4d5e6f7081920a1b":
			u.AppMetadata = json.RawMessage(`{"plan":"free","customer_id":"cus_PRIMARY","region":"eu","tier":1,"seats":5}`)
		case "github|9007199254740993":
			u.AppMetadata = json.RawMessage(`{"plan":"pro","customer_id":"cus_GITHUB","region":"us","tier":2,"seats":7}`)
		case "google-oauth2|114455667788990011223":
			u.AppMetadata = json.RawMessage(`{"plan":"team","customer_id":"cus_GOOGLE","region":"ap","tier":3,"seats":9}`)
		}
	}
}

// TestSpaceSwapsOnlyAConflictInView: g, G and pgup scroll the review
// away from the conflict under the cursor; the line above the merge then
// says it is out of view (it said "Conflict 9 of 10: space keeps…"
// over the other secondary's section), and space brings it back, saying
// so, before it swaps anything: a second space swaps it, in view.
func TestSpaceSwapsOnlyAConflictInView(t *testing.T) {
	const google = "google-oauth2|114455667788990011223"
	for _, away := range []string{"g", "G", "pgup"} {
		t.Run(away, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tenant: true, edit: withTenConflicts, width: 80, height: 24})
			h.openGroup("wei.zhang@gmail.com")
			h.press("l", "enter")
			w := activeIs[*LinkWizard](h, "l, enter did not open the review")
			moves := 8 // conflict 9 of 10: google's app_metadata.seats
			if away == "G" {
				moves = 0 // conflict 1 of 10: github's app_metadata.customer_id
			}
			for range moves {
				h.press("j")
			}
			h.mustShow(fmt.Sprintf("Conflict %d of 10: space keeps the other", moves+1), map[bool]string{true: "github|9007199254740993", false: google}[away == "G"]+")")
			if away == "pgup" {
				h.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
			} else {
				h.press(away)
			}
			h.mustShow("is out of view: space")
			if strings.Contains(h.screen(), "space keeps the other") || strings.Contains(h.screen(), "▸ !") {
				t.Fatalf("after %s the line above the merge still offers space on a conflict not on screen:\n%s", away, h.screen())
			}
			h.press("space")
			if len(w.opts.Merge) != 0 {
				t.Fatalf("space swapped a conflict out of view: %+v", w.opts.Merge)
			}
			h.mustShow(fmt.Sprintf("Conflict %d of 10 is in view again (▸): space again keeps its other side.", moves+1), "space keeps the other", "▸ !")
			h.press("space")
			if len(w.opts.Merge) != 1 {
				t.Fatalf("space on the conflict in view swapped nothing: %+v", w.opts.Merge)
			}
			h.mustShow("(secondary), drop")
		})
	}
}

// TestTheReviewFooterListsItsKeys: at 80 and 60 columns the review's
// footer lists the keys that act on it, j/k and space among them (at 80
// it listed only enter and esc, in the help's long words).
func TestTheReviewFooterListsItsKeys(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, edit: withTenConflicts, width: size[0], height: size[1]})
		h.openGroup("wei.zhang@gmail.com")
		h.press("l", "enter")
		f := h.footer()
		want := []string{"enter go on", "j/k next conflict", "space swap side", "? help"}
		if size[0] >= 80 {
			want = append(want, "esc back")
		}
		for _, k := range want {
			if !strings.Contains(f, k) {
				t.Errorf("%dx%d: the review's footer lacks %q: %q", size[0], size[1], k, f)
			}
		}
	}
}
