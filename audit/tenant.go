package audit

import "strings"

// SameTenant reports whether two tenant names, as records, journals, locks
// and plans keep them, name one tenant. A domain is one tenant whatever
// the case it was typed in, a trailing dot or its default port: linkdesk
// spells a domain one way (lower case, neither), and what it wrote before
// it did is still this tenant's.
func SameTenant(a, b string) bool { return a == b || canonicalTenant(a) == canonicalTenant(b) }

// canonicalTenant is name in that one spelling; a sandbox's name
// ("sandbox 5e0c91ab (127.0.0.1:4780)") holds its address in parentheses.
func canonicalTenant(name string) string {
	n := strings.ToLower(name)
	host, tail := n, ""
	if i := strings.LastIndexByte(n, '('); i >= 0 && strings.HasSuffix(n, ")") {
		host, tail = n[i+1:len(n)-1], n[:i+1]
	}
	for _, port := range []string{":443", ":80"} {
		host = strings.TrimSuffix(host, port)
	}
	if h, port, ok := strings.Cut(host, "]:"); ok { // [::1]:4780
		host = h + "]:" + port
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[:i], ":") {
		host = strings.TrimSuffix(host[:i], ".") + host[i:]
	}
	host = strings.TrimSuffix(host, ".")
	if tail != "" {
		return tail + host + ")"
	}
	return host
}
