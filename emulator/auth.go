package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client is a machine-to-machine application allowed to call the
// Management API with the client-credentials grant.
type Client struct {
	ID     string
	Secret string
	Scopes []string
	Name   string // as log events name it; default "Sandbox Management Client"
}

// DefaultScopes are granted to Options.ClientID unless Options.Scopes says
// otherwise: everything linkdesk needs.
var DefaultScopes = []string{
	"read:users", "update:users", "delete:users", "create:users", "read:connections",
	"create:user_tickets", "read:users_app_metadata", "update:users_app_metadata",
	"read:roles", "create:role_members", "delete:role_members", "read:organizations",
	"create:organization_members", "delete:organization_members", "read:logs", "read:logs_users",
}

// accessToken is what the emulator remembers of a token it issued; the
// token itself is a signed JWT (jwt.go) that also says all this.
type accessToken struct {
	clientID string
	scopes   []string
	audience string
	expires  time.Time
}

type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]accessToken
	ttl    time.Duration
}

// issue signs an access token for c with scopes, for the API aud of the
// tenant iss, and remembers it.
func (ts *tokenStore) issue(c Client, scopes []string, iss, aud string, now time.Time) (string, error) {
	k, err := processSigningKey()
	if err != nil {
		return "", err
	}
	tok, err := k.sign(tokenClaims{
		Iss: iss, Sub: c.ID + "@clients", Aud: aud, Iat: now.Unix(), Exp: now.Add(ts.ttl).Unix(),
		Scope: strings.Join(scopes, " "), Gty: "client-credentials", Azp: c.ID, Jti: randomToken(16),
	})
	if err != nil {
		return "", err
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.tokens) >= 1024 {
		for k, t := range ts.tokens {
			if now.After(t.expires) {
				delete(ts.tokens, k)
			}
		}
	}
	ts.tokens[tok] = accessToken{clientID: c.ID, scopes: scopes, audience: aud, expires: now.Add(ts.ttl)}
	return tok, nil
}

// IssuedTokens returns every access token the tenant has issued and still
// remembers, so a test can look for them where they must never be.
func (s *Server) IssuedTokens() []string {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	out := make([]string, 0, len(s.tokens.tokens))
	for tok := range s.tokens.tokens {
		out = append(out, tok)
	}
	return out
}

// ownAudience reports whether aud is the tenant's own Management API as the
// request addressed it: scheme://HOST/api/v2/ with the request's host, the
// scheme either (the sandbox serves plain HTTP; a client may still say
// https). Auth0 issues tokens for its own API only and accepts no other;
// there the audience is the tenant's canonical domain even behind a custom
// one, which a sandbox with a single address has no need to tell apart.
func ownAudience(r *http.Request, aud string) bool {
	return aud == "https://"+r.Host+"/api/v2/" || aud == "http://"+r.Host+"/api/v2/"
}

// errTokenExpired answers a token past its lifetime: the client may renew it.
var errTokenExpired = newAPIError(http.StatusUnauthorized, "invalid_token", "Expired token received for JSON Web Token validation")

// check answers whether the request's bearer token allows one of scopes,
// and returns what the tenant knows of it.
func (ts *tokenStore) check(r *http.Request, scopes []string, now time.Time) (accessToken, *apiError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return accessToken{}, newAPIError(http.StatusUnauthorized, "missing_token", "Missing authentication")
	}
	scheme, tok, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return accessToken{}, newAPIError(http.StatusUnauthorized, "invalid_token", "Bad HTTP authentication header format")
	}
	ts.mu.Lock()
	t, found := ts.tokens[strings.TrimSpace(tok)]
	ts.mu.Unlock()
	switch {
	case !found:
		return t, newAPIError(http.StatusUnauthorized, "invalid_token", "Invalid token")
	case now.After(t.expires):
		return t, errTokenExpired
	case !ownAudience(r, t.audience):
		return t, newAPIError(http.StatusUnauthorized, "invalid_token", "Bad audience: %s", t.audience)
	}
	if !t.allows(scopes...) {
		return t, errInsufficientScope(scopes...)
	}
	return t, nil
}

// allows reports whether the token holds one of scopes.
func (t accessToken) allows(scopes ...string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(t.scopes, s) })
}

// errInsufficientScope answers a token that holds none of scopes.
func errInsufficientScope(scopes ...string) *apiError {
	return newAPIError(http.StatusForbidden, "insufficient_scope",
		"Insufficient scope, expected any of: %s", strings.Join(scopes, ","))
}

type callerKey struct{}

// caller is the token of the request's caller (the zero token on routes
// that need none).
func caller(r *http.Request) accessToken {
	t, _ := r.Context().Value(callerKey{}).(accessToken)
	return t
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oauthError answers the Authentication API's way: {error, error_description}.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	writeTokenJSON(w, status, body)
}

// handleToken is POST /oauth/token, the client-credentials grant. The client
// id and secret may come as HTTP Basic (URL-encoded first, as RFC 6749 and
// golang.org/x/oauth2 do), as form fields, or in a JSON body as the Auth0 CLI
// sends them.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	params, err := tokenParams(w, r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, secret := params.Get("client_id"), params.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = unescapeOr(u), unescapeOr(p)
	}
	gt := params.Get("grant_type")
	if gt != "client_credentials" && gt != "password" && gt != passwordRealmGrant {
		oauthError(w, http.StatusForbidden, "unauthorized_client",
			"Grant type '"+gt+"' not allowed for the client.")
		return
	}
	c, ok := s.clients[id]
	if !ok || secret == "" || secret != c.Secret {
		oauthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	if gt != "client_credentials" {
		s.login(w, r, c, params)
		return
	}
	aud := params.Get("audience")
	if !ownAudience(r, aud) {
		oauthError(w, http.StatusForbidden, "access_denied", "Service not enabled within domain: "+aud)
		return
	}
	scopes := c.Scopes
	if want := strings.Fields(params.Get("scope")); len(want) > 0 {
		scopes = slices.DeleteFunc(slices.Clone(want), func(sc string) bool { return !slices.Contains(c.Scopes, sc) })
	}
	tok, err := s.tokens.issue(c, scopes, issuer(r), aud, s.now())
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	s.countToken()
	s.record(event{typ: EventClientCredentials, clientID: c.ID, clientName: ptr(c.Name), ip: remoteIP(r),
		connectionID: ptr(""), hostname: ptr(r.Host), userID: ptr(""), userName: ptr(""),
		audience: ptr(aud), scope: ptr(strings.Join(scopes, " "))})
	w.Header().Set("Cache-Control", "no-store")
	body, _ := json.Marshal(map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(s.tokens.ttl / time.Second),
		"scope":        strings.Join(scopes, " "),
	})
	writeTokenJSON(w, http.StatusOK, body)
}

func unescapeOr(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// tokenParams reads the token request's parameters from a form or JSON body.
func tokenParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return r.PostForm, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	v := url.Values{}
	for k, val := range fields {
		switch x := val.(type) {
		case string:
			v.Set(k, x)
		case float64:
			v.Set(k, strconv.FormatFloat(x, 'f', -1, 64))
		}
	}
	return v, nil
}
