package views

import (
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// ctrl+c while a link reads its accounts before its first call: nothing
// was sent, so the link is not listed as cut off (nothing to resume), but
// as sent nothing.
func TestQuittingDuringALinksReadsListsItAsUnsent(t *testing.T) {
	h := newHarness(t, harnessOpts{tenant: true})
	h.openGroup("wei.zhang@gmail.com")
	h.press("l", "enter", "enter")
	h.mustShow("y yes")
	_, write := h.m.Update(keyPress("y")) // the root starts the write at once: its command held back
	if h.m.WritesInFlight() != 1 {
		t.Fatalf("%d writes in flight, want the link", h.m.WritesInFlight())
	}
	_, quit := h.m.Update(keyPress("ctrl+c"))
	h.m.Update(quit()) // every call cancelled, before the link's first read
	run(write)
	if got := h.m.WriteLabels(); len(got) != 0 {
		t.Errorf("a link that sent nothing is said to be cut off: %q", got)
	}
	if got := h.m.UnsentWriteLabels(); len(got) != 1 {
		t.Errorf("the link that sent nothing is not listed so: %q", got)
	}
	if n := h.srv.Stats().Requests[emulator.RouteLink]; n != 0 {
		t.Errorf("the link was sent %d times", n)
	}
}
