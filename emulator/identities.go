package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// profileDataSkip are the top-level fields a secondary's profileData never
// carries: ids, bookkeeping and metadata (which linking discards).
var profileDataSkip = []string{
	"user_id", "identities", "created_at", "updated_at", "last_login", "last_ip",
	"logins_count", "blocked", "user_metadata", "app_metadata", "multifactor",
	"last_password_reset",
}

// profileData is what the secondary's entry in the primary's identities[]
// keeps of its profile.
func profileData(u *User) json.RawMessage {
	full := u.AppendJSON(nil)
	w := rawjson.Writer{B: []byte{'{'}}
	rawjson.EachMember(full, func(k, v []byte) bool {
		if key := rawjson.KeyString(k); !slices.Contains(profileDataSkip, key) {
			w.Raw(key, v)
		}
		return true
	})
	return append(w.B, '}')
}

// userFromProfile rebuilds a standalone user from a linked identity, as
// unlinking does: profile from profileData, no metadata. profileData keeps
// no dates or counters, so the user starts afresh: created now, no logins.
func userFromProfile(id Identity, now time.Time) (*User, error) {
	u := &User{}
	data := id.ProfileData
	if data == nil {
		data = json.RawMessage("{}")
	}
	if err := json.Unmarshal(data, u); err != nil {
		return nil, err
	}
	u.UserID = id.Provider + "|" + id.UserID.Value
	u.UserMetadata, u.AppMetadata = nil, nil
	for _, k := range profileDataSkip {
		delete(u.Extra, k)
	}
	if len(u.Extra) == 0 {
		u.Extra = nil
	}
	id.ProfileData = nil
	u.Identities = []Identity{id}
	u.CreatedAt, u.UpdatedAt = now, now
	return u, nil
}

// handleLink is POST /api/v2/users/{id}/identities: the body names the
// secondary account ({provider, user_id, connection_id?}), which stops being
// a user and becomes an identity of the primary, metadata discarded.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	ids, err := s.link(r.PathValue("id"), payload(body), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	s.countEffect(RouteLink)
	writeJSON(w, http.StatusCreated, appendIdentities(nil, ids))
}

func appendIdentities(b []byte, ids []Identity) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = id.appendJSON(b)
	}
	return append(b, ']')
}

func (s *Server) link(primaryID string, p payload, now time.Time) ([]Identity, error) {
	if _, ok := p["link_with"]; ok {
		return nil, badRequest("operation_not_supported",
			"link_with (linking with the secondary's ID token) is not supported by the sandbox tenant; send provider and user_id.")
	}
	if err := p.only("provider", "user_id", "connection_id"); err != nil {
		return nil, err
	}
	provider, _, err := p.str("provider")
	if err != nil {
		return nil, err
	}
	secID := ""
	if raw, ok := p["user_id"]; ok && jsonType(raw) == "number" {
		secID = string(raw) // some social ids are numbers
	} else if secID, _, err = p.str("user_id"); err != nil {
		return nil, err
	}
	connID, _, err := p.str("connection_id")
	if err != nil {
		return nil, err
	}
	if provider == "" || secID == "" {
		return nil, invalidBody("'Missing required property: provider and user_id'.")
	}
	secondaryID := provider + "|" + secID

	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	primary := s.st.users.get(primaryID)
	if primary == nil {
		return nil, errUserNotFound
	}
	if secondaryID == primaryID {
		return nil, badRequest("invalid_body", "Main identity and the new one are the same.")
	}
	secondary := s.st.users.get(secondaryID)
	if secondary == nil || len(secondary.Identities) == 0 {
		return nil, badRequest("inexistent_user", "The secondary user %s does not exist.", secondaryID)
	}
	if connID != "" {
		c := s.st.connByID[connID]
		if c == nil || c.Name != secondary.Connection() {
			return nil, badRequest("inexistent_connection", "The provider/connection is not configured.")
		}
	}
	if len(secondary.Identities) > 1 {
		return nil, badRequest("invalid_body",
			"The secondary user %s has linked identities of its own; unlink them before linking it.", secondaryID)
	}
	sec := secondary.Identities[0]
	sec.ProfileData = profileData(secondary)
	u := *primary // copy on write
	u.Identities = append(slices.Clip(primary.Identities), sec)
	u.UpdatedAt = now
	s.st.removeLocked(secondaryID, now)
	s.st.putLocked(&u, now)
	return u.Identities, nil
}

// handleUnlink is DELETE /api/v2/users/{id}/identities/{provider}/{user_id}:
// the identity becomes a standalone user again, without metadata.
func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request) {
	ids, err := s.unlink(r.PathValue("id"), r.PathValue("provider"), r.PathValue("user_id"), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	s.countEffect(RouteUnlink)
	writeJSON(w, http.StatusOK, appendIdentities(nil, ids))
}

func (s *Server) unlink(primaryID, provider, userID string, now time.Time) ([]Identity, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	primary := s.st.users.get(primaryID)
	if primary == nil {
		return nil, errUserNotFound
	}
	i := slices.IndexFunc(primary.Identities, func(id Identity) bool {
		return id.Provider == provider && id.UserID.Value == userID
	})
	switch {
	case i == 0:
		return nil, badRequest("invalid_body", "Main identity cannot be removed.")
	case i < 0:
		return nil, newAPIError(http.StatusNotFound, "inexistent_identity",
			"The user %s has no linked identity %s|%s.", primaryID, provider, userID)
	}
	restored, err := userFromProfile(primary.Identities[i], now)
	if err != nil {
		return nil, err
	}
	if s.st.users.get(restored.UserID) != nil {
		return nil, newAPIError(http.StatusConflict, "auth0_idp_error", "The user %s already exists.", restored.UserID)
	}
	u := *primary // copy on write
	u.Identities = slices.Delete(slices.Clone(primary.Identities), i, i+1)
	u.UpdatedAt = now
	s.st.putLocked(&u, now)
	s.st.putLocked(restored, now)
	return u.Identities, nil
}
