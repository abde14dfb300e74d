package audit

import "testing"

// A tenant recorded under a spelling of its domain that linkdesk no longer
// writes (capitals, a trailing dot, its default port) is the same tenant:
// its records, journals and undo stay reachable.
func TestSameTenantWhateverTheSpellingOfItsDomain(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"acme.eu.auth0.com", "acme.eu.auth0.com", true},
		{"ACME.eu.Auth0.com", "acme.eu.auth0.com", true},
		{"acme.eu.auth0.com.", "acme.eu.auth0.com", true},
		{"acme.eu.auth0.com:443", "acme.eu.auth0.com", true},
		{"acme.eu.auth0.com.:443", "acme.eu.auth0.com", true},
		{"VM:47822", "vm:47822", true},
		{"localhost:80", "localhost", true},
		{"sandbox 5e0c (VM:47822)", "sandbox 5e0c (vm:47822)", true},
		{"acme.eu.auth0.com", "acme.us.auth0.com", false},
		{"vm:47822", "vm:47823", false},
		{"acme.eu.auth0.com:8443", "acme.eu.auth0.com", false},
		{"sandbox 5e0c (vm:47822)", "sandbox 6f1d (vm:47822)", false},
		{"sandbox 5e0c (vm:47822)", "vm:47822", false},
	} {
		if got := SameTenant(tc.a, tc.b); got != tc.same {
			t.Errorf("SameTenant(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
