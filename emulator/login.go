package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Logins with a password (POST /oauth/token, grant types password and
// password-realm) against the database users the API made or gave a
// password: a login counts (logins_count, last_login, last_ip) and is
// logged (s, fp, fu); ten failed logins in a row block the account, as
// Auth0's brute-force protection does (GET and DELETE
// /api/v2/user-blocks/{id}).

const passwordRealmGrant = "http://auth0.com/oauth/grant-type/password-realm"

// maxFailedLogins is how many failed logins in a row block an account.
const maxFailedLogins = 10

// userBlock is one entry of GET /api/v2/user-blocks/{id}.
type userBlock struct {
	Identifier string `json:"identifier"`
	IP         string `json:"ip"`
	Connection string `json:"connection"`
}

// passwordHash is how a password is kept: salted SHA-256 (a sandbox).
func passwordHash(identity, password string) []byte {
	sum := sha256.Sum256([]byte("linkdesk sandbox\x00" + identity + "\x00" + password))
	return sum[:]
}

// setPasswordLocked keeps the password of a database identity.
func (st *store) setPasswordLocked(identity, password string) {
	st.creds[identity] = passwordHash(identity, password)
}

// forgetLocked drops what the store keeps of a deleted user's identities.
func (st *store) forgetLocked(u *User) {
	for _, id := range u.Identities {
		key := id.Provider + "|" + id.UserID.Value
		delete(st.creds, key)
		delete(st.failures, key)
		delete(st.blocks, key)
	}
}

// findLoginLocked finds the identity of connection conn whose email or
// username is name, and the user that holds it (its primary, for a linked
// identity).
func (st *store) findLoginLocked(conn *Connection, name string) (*User, string) {
	lower := strings.ToLower(name)
	for _, u := range st.users.byEmail(lower) {
		if u.Connection() == conn.Name {
			return u, u.UserID
		}
	}
	var found *User
	var key string
	st.users.each(func(u *User) bool {
		for i, id := range u.Identities {
			if id.Connection != conn.Name {
				continue
			}
			email, username := u.Email, u.Username
			if i > 0 {
				var pd struct{ Email, Username string }
				json.Unmarshal(id.ProfileData, &pd)
				email, username = pd.Email, pd.Username
			}
			if strings.EqualFold(email, name) || username == name {
				found, key = u, id.Provider+"|"+id.UserID.Value
				return false
			}
		}
		return true
	})
	return found, key
}

// login answers a password grant.
func (s *Server) login(w http.ResponseWriter, r *http.Request, c Client, params url.Values) {
	now := s.now()
	username, password := params.Get("username"), params.Get("password")
	realm := params.Get("realm")
	s.st.mu.Lock()
	var conn *Connection
	if realm != "" {
		conn = s.st.connByName[realm]
	} else { // the default directory
		conn = s.st.connByName["Username-Password-Authentication"]
		for _, cc := range s.st.conns {
			if conn == nil && isDatabase(cc) {
				conn = cc
			}
		}
	}
	if conn == nil || !isDatabase(conn) {
		s.st.mu.Unlock()
		oauthError(w, http.StatusForbidden, "invalid_request", "Authorization server not configured with default connection.")
		return
	}
	fail := func(typ, userID, msg string) {
		s.st.mu.Unlock()
		e := event{typ: typ, description: msg, clientID: c.ID, clientName: ptr(c.Name), ip: remoteIP(r),
			connection: ptr(conn.Name), connectionID: ptr(conn.ID), hostname: ptr(r.Host),
			userID: ptr(userID), userName: ptr(username), strategy: ptr(conn.Strategy), strategyType: ptr(strategyType(conn)),
			details: json.RawMessage(`{"error":{"message":` + string(jsonString(msg)) + `}}`)}
		s.record(e)
		oauthError(w, http.StatusForbidden, "invalid_grant", msg)
	}
	u, key := s.st.findLoginLocked(conn, username)
	if u == nil || username == "" {
		fail(EventFailedLogin, "", "Wrong email or password.")
		return
	}
	if len(s.st.blocks[key]) > 0 {
		s.st.mu.Unlock()
		oauthError(w, http.StatusTooManyRequests, "too_many_attempts",
			"Your account has been blocked after multiple consecutive login attempts.")
		return
	}
	want := s.st.creds[key]
	if want == nil || subtle.ConstantTimeCompare(want, passwordHash(key, password)) != 1 {
		s.st.failures[key]++
		if s.st.failures[key] >= maxFailedLogins {
			s.st.blocks[key] = append(s.st.blocks[key], userBlock{Identifier: username, IP: remoteIP(r), Connection: conn.Name})
		}
		fail(EventFailedPassword, u.UserID, "Wrong email or password.")
		return
	}
	if u.Blocked.Bool() {
		s.st.mu.Unlock()
		oauthError(w, http.StatusUnauthorized, "unauthorized", "user is blocked")
		return
	}
	delete(s.st.failures, key)
	nu := *u // copy on write
	nu.LoginsCount++
	nu.HasLoginsCount = true
	nu.LastLogin, nu.LastIP, nu.UpdatedAt = now.UTC(), remoteIP(r), now.UTC()
	s.st.putLocked(&nu, now)
	s.st.mu.Unlock()

	aud := params.Get("audience")
	if aud == "" {
		aud = issuer(r) + "userinfo"
	}
	k, err := processSigningKey()
	var access, idToken string
	if err == nil {
		claims := tokenClaims{Iss: issuer(r), Sub: nu.UserID, Aud: aud, Iat: now.Unix(), Exp: now.Add(24 * time.Hour).Unix(),
			Scope: "openid profile email", Azp: c.ID, Jti: randomToken(16)}
		if access, err = k.sign(claims); err == nil {
			claims.Aud, claims.Scope = c.ID, ""
			idToken, err = k.sign(claims)
		}
	}
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	e := s.userEvent(r, EventLogin, c.ID, &nu)
	e.connection, e.connectionID = ptr(conn.Name), ptr(conn.ID)
	e.hostname, e.audience = ptr(r.Host), ptr(aud)
	e.details, _ = json.Marshal(map[string]any{"prompts": []any{}, "initiatedAt": now.UnixMilli(), "completedAt": now.UnixMilli(),
		"elapsedTime": 0, "session_id": randomToken(16)})
	s.record(e)
	w.Header().Set("Cache-Control", "no-store")
	body, _ := json.Marshal(map[string]any{"access_token": access, "id_token": idToken, "token_type": "Bearer",
		"expires_in": 86400, "scope": "openid profile email"})
	writeTokenJSON(w, http.StatusOK, body)
}

func jsonString(s string) []byte { b, _ := json.Marshal(s); return b }

// handleUserBlocks is GET /api/v2/user-blocks/{id}: the brute-force blocks
// of the user's identities.
func (s *Server) handleUserBlocks(w http.ResponseWriter, r *http.Request) {
	s.st.mu.RLock()
	u := s.st.users.get(r.PathValue("id"))
	blocks := []userBlock{}
	if u != nil {
		for _, id := range u.Identities {
			blocks = append(blocks, s.st.blocks[id.Provider+"|"+id.UserID.Value]...)
		}
	}
	s.st.mu.RUnlock()
	if u == nil {
		writeError(w, errUserNotFound)
		return
	}
	body, _ := json.Marshal(map[string]any{"blocked_for": blocks})
	writeJSON(w, http.StatusOK, body)
}

// handleUnblock is DELETE /api/v2/user-blocks/{id}: 204, the blocks gone.
func (s *Server) handleUnblock(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	u := s.st.users.get(r.PathValue("id"))
	if u != nil {
		for _, id := range u.Identities {
			key := id.Provider + "|" + id.UserID.Value
			delete(s.st.blocks, key)
			delete(s.st.failures, key)
		}
	}
	s.st.mu.Unlock()
	if u == nil {
		writeError(w, errUserNotFound)
		return
	}
	writeNoContent(w)
}
