package cli

import (
	"bytes"
	"strings"
	"testing"
)

// Quitting the terminal UI while a write waits for its answer cuts the
// write off: once the screen is gone, the shell says which writes, and
// that `linkdesk resume` settles them, and the program exits 1. Quitting
// with none says nothing.
func TestQuittingDuringAWriteSaysToResume(t *testing.T) {
	var out bytes.Buffer
	io := &streams{Out: &out, ErrOut: &out}
	if writesLeft(io, false, quitLeft{}) || out.Len() != 0 {
		t.Fatalf("nothing in flight, yet: %q", out.String())
	}
	if !writesLeft(io, false, quitLeft{cutOff: []string{"link google-oauth2|1088… into auth0|63ea…\x1b[2J"}, readable: true}) {
		t.Error("a write cut off does not make the program exit 1")
	}
	got := out.String()
	mustSayAll(t, got, "1 write waited for the tenant's answer, so it was cut off", "link google-oauth2|1088… into auth0|63ea…", "linkdesk resume")
	if strings.Contains(got, "\x1b") {
		t.Errorf("a label reaches the terminal unescaped: %q", got)
	}
}

// A write whose call went out as the operator quit, which reading the
// tenant then shows did not take effect, changed nothing: the shell says
// so, not that nothing was sent (tester), and sends no one to resume.
func TestQuittingDuringACallFoundNotMadeSaysNothingChanged(t *testing.T) {
	got, cut := saidOnQuit(false, quitLeft{notMade: []string{"delete rosebakery-downtown (auth0|62f0a1b2c3d4e5f607182930)"}})
	if cut {
		t.Error("a write found not made makes the program exit 1")
	}
	mustSayAll(t, got, "1 write waited for the tenant's answer; reading the tenant shows its call did not take effect, so nothing was changed", "delete rosebakery-downtown (auth0|62f0a1b2c3d4e5f607182930)")
	if strings.Contains(got, "nothing was sent") || strings.Contains(got, "resume") {
		t.Errorf("a write found not made:\n%s", got)
	}
}

// A ticket or a verification email cut off as the operator quit leaves
// nothing on the tenant to read: the shell does not send the operator to a
// resume that "reads the tenant to learn whether each took effect", but
// says what may be out there and what resume does with it; a link cut off
// beside it is still settled by reading the tenant.
func TestQuittingDuringATicketDoesNotSayResumeReadsIt(t *testing.T) {
	const ticket = "a ticket already asked for may or may not have been made, and the tenant keeps nothing that tells"
	got, cut := saidOnQuit(false, quitLeft{cutOff: []string{"ticket for ava.hill4015 (auth0|6ad9814b15fa0ef459a04edd)"}, unknowable: []string{ticket}})
	if !cut {
		t.Error("a ticket cut off does not make the program exit 1")
	}
	if strings.Contains(got, "learn whether") || !strings.Contains(got, "\nA ticket already asked for may or may not have been made") {
		t.Errorf("a ticket cut off:\n%s", got)
	}
	got, _ = saidOnQuit(false, quitLeft{cutOff: []string{"ticket for ava.hill4015 (auth0|6ad…)", "link google-oauth2|1088… into auth0|63ea…"}, unknowable: []string{ticket}, readable: true})
	mustSayAll(t, got, "2 writes waited for the tenant's answer", "reads the tenant to learn whether each write but a ticket or a verification email took effect", "A ticket already asked for")
}

// Quitting `linkdesk demo` during a write ends the sandbox tenant with it:
// the shell says the outcome stays unknown and that nothing is left to
// settle, and does not send the operator to a resume that has no tenant
// to read.
func TestQuittingTheDemoDuringAWriteSaysNothingIsLeftToSettle(t *testing.T) {
	got, cut := saidOnQuit(true, quitLeft{cutOff: []string{"link google-oauth2|1088… into auth0|63ea…"}, readable: true})
	if !cut {
		t.Error("a write cut off does not make the program exit 1")
	}
	mustSayAll(t, got, "1 write waited for the tenant's answer, so it was cut off", "stays unknown", "the sandbox tenant ends with this linkdesk")
	if strings.Contains(got, "resume") {
		t.Errorf("quitting the demo sends the operator to resume:\n%s", got)
	}
}

// A write quit during its reads, before any call, sent nothing: the shell
// says so, and sends the operator to no resume.
func TestQuittingDuringAWritesReadsSaysNothingWasSent(t *testing.T) {
	got, cut := saidOnQuit(false, quitLeft{unsent: []string{"link google-oauth2|1088… into auth0|63ea…"}})
	if cut {
		t.Error("a write that sent nothing makes the program exit 1")
	}
	if !strings.Contains(got, "1 write was still reading the tenant, before any call: nothing was sent") || strings.Contains(got, "resume") {
		t.Errorf("quitting during a write's reads:\n%s", got)
	}
}

// A write cut off as the operator quit, whose call the tenant is found to
// have carried out (the executor reads it before returning), is done: the
// operator quit believing it stopped, so the shell says it was not, and
// the program exits 0 with nothing to resume.
func TestQuittingDuringAWriteThatTookEffectSaysItIsDone(t *testing.T) {
	var out bytes.Buffer
	io := &streams{Out: &out, ErrOut: &out}
	if writesLeft(io, false, quitLeft{finished: []string{"delete thill108 (auth0|67d29c69e5b0ef0b410c60ca)"}}) {
		t.Error("a write that finished makes the program exit 1")
	}
	if strings.Contains(out.String(), "ticket") {
		t.Errorf("a deletion is said to have lost a ticket URL:\n%s", out.String())
	}
	writesLeft(io, false, quitLeft{finished: []string{"ticket for ava.hill4015 (auth0|6ad9814b15fa0ef459a04edd)"}})
	got := out.String()
	mustSayAll(t, got, "1 write waited for the tenant's answer; the tenant carried it out all the same, so it is done", "delete thill108 (auth0|67d29c69e5b0ef0b410c60ca)", "A ticket's URL was never shown: make another")
	if strings.Contains(got, "resume") {
		t.Errorf("a finished write sends the operator to resume:\n%s", got)
	}
}

// saidOnQuit is what the shell says once the terminal UI is gone with
// left, and whether the program exits 1 (writesLeft).
func saidOnQuit(sandbox bool, left quitLeft) (said string, cutOff bool) {
	var out bytes.Buffer
	cutOff = writesLeft(&streams{Out: &out, ErrOut: &out}, sandbox, left)
	return out.String(), cutOff
}

// mustSayAll fails the test for each of wants that got lacks.
func mustSayAll(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}
