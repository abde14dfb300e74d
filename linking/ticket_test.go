package linking_test

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

// TestAResultURLIsAnAbsoluteHTTPURL: the one rule for a ticket's
// result_url, which --result-url and the TUI's field keep, says what is
// wrong with a URL Auth0 could not send a person to.
func TestAResultURLIsAnAbsoluteHTTPURL(t *testing.T) {
	for _, ok := range []string{
		"https://app.example.com/welcome?from=ticket",
		"http://localhost:3000/done",
		"https://[::1]:8443/x#y",
	} {
		if err := linking.CheckResultURL(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, tc := range []struct{ url, why string }{
		{"", "it is empty"},
		{"notaurl", "it has no scheme"},
		{"/welcome", "it has no scheme"},
		{"javascript:alert(1)", "its scheme is javascript"},
		{"ftp://x", "its scheme is ftp"},
		{"data:text/html,hi", "its scheme is data"},
		{"http://", "it has no host"},
		{"https:///x", "it has no host"},
		{"https://:443/x", "it has no host"},
		{"https://app.example.com/wel come", "it holds a space"},
		{"https://app.example.com/\u00a0", "it holds a space"},
		{"https://app.example.com/\x1b]52;c;x\a", "a control character"},
		{"https://app.example.com/%zz", "it does not parse as a URL"},
	} {
		err := linking.CheckResultURL(tc.url)
		if err == nil || !strings.HasPrefix(err.Error(), "is not an absolute http(s) URL (like https://app.example.com/welcome): ") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%q: %v; want it refused saying %q", tc.url, err, tc.why)
		}
	}
}
