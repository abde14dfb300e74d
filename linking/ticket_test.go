package linking_test

import (
	"strings"
	"testing"
	"time"

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

// TestATicketLifetimeNeverWrapsRound: a lifetime in days past what a
// duration holds is refused, where 213504d wrapped round to 25m26s (the
// TUI sent ttl_sec 1526) and 106752d to a negative one; Auth0 documents no
// maximum below that. Zero, negative and part seconds stay refused.
func TestATicketLifetimeNeverWrapsRound(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"1s": time.Second, "90m": 90 * time.Minute, "48h": 48 * time.Hour, "7d": 7 * 24 * time.Hour,
		"100000h": 100000 * time.Hour, "106751d": 106751 * 24 * time.Hour,
	} {
		if d, err := linking.ParseTicketLifetime(v); err != nil || d != want {
			t.Errorf("%s: %v, %v; want %v", v, d, err, want)
		}
	}
	for v, why := range map[string]string{
		"106752d":               "at most 106751d",
		"213504d":               "at most 106751d",
		"99999999999999999999d": "at most 106751d",
		"99999999999h":          "at most 106751d",
		"0d":                    "a number of days",
		"-1d":                   "a number of days",
		"0s":                    "1s at least",
		"-5m":                   "1s at least",
		"500ms":                 "1s at least",
		"1.5s":                  "in whole seconds",
		"2w":                    "like 90m, 12h or 7d",
	} {
		if d, err := linking.ParseTicketLifetime(v); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, %v; want it refused saying %q", v, d, err, why)
		}
	}
}
