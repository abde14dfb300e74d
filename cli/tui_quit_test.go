package cli

import (
	"bytes"
	"strings"
	"testing"
)

// Quitting the terminal UI while a write waits for its answer cuts the
// write off: once the screen is gone, the shell says which writes, and
// that `linkdesk resume` settles them. Quitting with none says nothing.
func TestQuittingDuringAWriteSaysToResume(t *testing.T) {
	var out bytes.Buffer
	io := &streams{Out: &out, ErrOut: &out}
	writesLeft(io, nil)
	if out.Len() != 0 {
		t.Fatalf("nothing in flight, yet: %q", out.String())
	}
	writesLeft(io, []string{"link google-oauth2|1088… into auth0|63ea…\x1b[2J"})
	got := out.String()
	for _, want := range []string{"1 write waited for the tenant's answer, so it was cut off", "link google-oauth2|1088… into auth0|63ea…", "linkdesk resume"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Errorf("a label reaches the terminal unescaped: %q", got)
	}
}
