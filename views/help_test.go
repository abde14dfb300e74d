package views

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/tui"
)

func TestHelpListsEveryBindingOfTheScreen(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 120, height: 40}) // room for all in columns
	h.press("2", "?")
	h.mustShow("Keys on Groups", "open group", "filter", "sort by next column", "reverse order", "class:link",
		"overview", "audit log", "rescan", "quit now")
	h.press("?")
	activeIs[*Groups](h, "? did not close help")
	h.press("enter", "?")
	h.mustShow("Keys on Group", "link", "unlink", "delete account", "password ticket", "choose primary", "copy user id", "next pane")
	h.press("esc")
	activeIs[*Detail](h, "esc did not close help")
}

// TestTheFooterAlwaysListsHelp: however narrow the window, the footer of
// a screen that takes keys lists ? help.
func TestTheFooterAlwaysListsHelp(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		h := newHarness(t, harnessOpts{tenant: true, width: size[0], height: size[1]})
		h.openGroup("wei.zhang@gmail.com")
		if f := h.footer(); !strings.Contains(f, "? help") {
			t.Fatalf("%dx%d: the group's footer does not list ? help: %q", size[0], size[1], f)
		}
		h.press("enter")
		if f := h.footer(); !strings.Contains(f, "? help") {
			t.Fatalf("%dx%d: the account's footer does not list ? help: %q", size[0], size[1], f)
		}
	}
}

// TestQuestionMarkOnAnEmptyFieldOpensHelp: ? in the delete dialog before
// anything is typed, and in find's empty query, opens help (the footer
// offers it); once something is typed, ? is typed like any character.
func TestQuestionMarkOnAnEmptyFieldOpensHelp(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("bob.smith@yahoo.com")
	h.press("D")
	h.mustShow("To delete, type", "? help")
	h.press("?")
	h.mustShow("Keys on")
	h.press("esc")
	d := activeIs[*DeleteDialog](h, "esc did not go back to the delete dialog")
	h.typeText("bob?")
	if d.Typed() != "bob?" {
		t.Errorf("typed %q, want bob?", d.Typed())
	}
	h.press("esc", "f")
	h.mustShow("? help")
	h.press("?")
	h.mustShow("Keys on")
}

// The status bar's badges, in the short words a 60-column bar shows, are
// explained in help, one line each, whole at 60 columns; in columns, help
// cuts no line to make room for them.
func TestHelpExplainsTheStatusBarBadges(t *testing.T) {
	h := newHarness(t, harnessOpts{width: 60, height: 20, readOnly: true})
	h.press("2", "?", "G")
	for _, want := range []string{
		"SBX sandbox tenant, not Auth0",
		"RO --read-only: no writes",
		"N UNSTLD N cut off: linkdesk resume",
		"429×N N answers 429, waited out",
	} {
		found := false
		for _, l := range strings.Split(h.screen(), "\n") {
			found = found || strings.Join(strings.Fields(l), " ") == want && tui.Width(l) <= 60
		}
		if !found {
			t.Errorf("help at 60 columns has no line %q:\n%s", want, h.screen())
		}
	}
	// Columns that would cut a line give way to one column that scrolls.
	h = newHarness(t, harnessOpts{})
	h.press("3", "?")
	h.mustShowWhole("read the log again (and rescan the tenant)", "undo, to force over changes since (it lists them and asks)")
}
