package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// writeScopes are the scopes each write linkdesk makes needs, any one of
// them being enough, as the Management API documents its endpoints (and
// the sandbox's route table declares them). A path's {name} stands for one
// segment.
var writeScopes = []struct {
	method, pattern string
	anyOf           []string
}{
	{http.MethodPost, "/api/v2/users", []string{"create:users"}},
	{http.MethodPatch, "/api/v2/users/{id}", []string{"update:users", "update:users_app_metadata"}},
	{http.MethodDelete, "/api/v2/users/{id}", []string{"delete:users"}},
	{http.MethodPost, "/api/v2/users/{id}/identities", []string{"update:users"}},
	{http.MethodDelete, "/api/v2/users/{id}/identities/{provider}/{user_id}", []string{"update:users"}},
	{http.MethodPost, "/api/v2/users/{id}/roles", []string{"update:users", "create:role_members"}},
	{http.MethodDelete, "/api/v2/users/{id}/roles", []string{"update:users", "delete:role_members"}},
	{http.MethodPost, "/api/v2/organizations/{id}/members", []string{"create:organization_members"}},
	{http.MethodDelete, "/api/v2/organizations/{id}/members", []string{"delete:organization_members"}},
	{http.MethodPost, "/api/v2/tickets/password-change", []string{"create:user_tickets"}},
	{http.MethodPost, "/api/v2/jobs/verification-email", []string{"update:users"}},
	{http.MethodDelete, "/api/v2/user-blocks/{id}", []string{"update:users"}},
}

// appMetadataScope reaches a user's app_metadata only: a PATCH of a user
// whose body holds any other member needs update:users (as the sandbox,
// and Auth0, refuse it otherwise).
const appMetadataScope = "update:users_app_metadata"

// WriteScopes are the scopes a write call (method, path and body, as sent)
// needs, any one of them being enough; nil for a call linkdesk does not
// make. The route decides, but for a PATCH of a user that writes more than
// app_metadata, which needs update:users.
func WriteScopes(method, path string, body []byte) []string {
	path, _, _ = strings.Cut(path, "?")
	for _, w := range writeScopes {
		if w.method == method && pathMatches(w.pattern, path) {
			if slices.Contains(w.anyOf, appMetadataScope) && !onlyAppMetadata(body) {
				return []string{"update:users"}
			}
			return w.anyOf
		}
	}
	return nil
}

// onlyAppMetadata reports whether a JSON object body writes nothing but
// app_metadata (no body writes nothing); a body that is no object is
// taken to write more.
func onlyAppMetadata(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil || members == nil {
		return false
	}
	for k := range members {
		if k != "app_metadata" {
			return false
		}
	}
	return true
}

// WriteRoutes lists the writes WriteScopes knows, as "METHOD pattern".
func WriteRoutes() []string {
	out := make([]string, len(writeScopes))
	for i, w := range writeScopes {
		out[i] = w.method + " " + w.pattern
	}
	return out
}

func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return true
}

// grant is what the access token the calls carry says of itself: its
// scope claim, read (not verified: the tenant verifies it) from the JWT.
type grant struct {
	mu     sync.Mutex
	header string // the Authorization header the scopes were read from
	scopes []string
	known  bool
}

func (g *grant) see(header string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !strings.HasPrefix(header, "Bearer ") || header == g.header {
		return // a token request's Basic credentials, or the token seen last
	}
	g.header = header
	g.scopes, g.known = tokenScopes(strings.TrimPrefix(header, "Bearer "))
}

func (g *grant) get() ([]string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.scopes), g.known
}

// tokenScopes reads the scope claim of a JWT; ok is false for a token that
// is no JWT or has no scope claim.
func tokenScopes(token string) (scopes []string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Scope *string `json:"scope"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Scope == nil {
		return nil, false
	}
	return strings.Fields(*claims.Scope), true
}

// scopeWatch notes the scopes of the access token each request carries.
type scopeWatch struct {
	next  http.RoundTripper
	grant *grant
}

func (s scopeWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	s.grant.see(req.Header.Get("Authorization"))
	return s.next.RoundTrip(req)
}

// GrantedScopes: see Tenant.
func (t *tenant) GrantedScopes() ([]string, bool) { return t.grant.get() }
