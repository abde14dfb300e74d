package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// profileData is what an identity in a link or unlink answer carries of
// its account's profile, with the keys the recorded answers show: email,
// email_verified, username, given_name, family_name, nickname, picture
// (and phone_number, phone_verified); name only when it is not the one
// Auth0 gave by default (the recording, whose name was the default, has
// none). Ids, dates, counters and metadata are never in it. A member the
// user holds as stored rather than as modelled (email_verified "TRUE", in
// Extra) is carried as stored.
func profileData(u *User) json.RawMessage {
	w := rawjson.Writer{B: []byte{'{'}}
	for _, f := range profileFields {
		if f.key == "name" && u.Name != "" && u.Name == defaultName(u) {
			continue
		}
		m := w.Mark()
		w.Key(f.key)
		var ok bool
		if w.B, ok = f.get(w.B, u); !ok {
			w.Reset(m)
		}
	}
	return append(w.B, '}')
}

// profileField is one member of profileData, read as an export reads a
// field: modelled, or as stored (Extra).
type profileField struct {
	key string
	get fieldGetter
}

// profileFields are the members of profileData, in the order it writes them.
var profileFields = func() []profileField {
	var out []profileField
	for _, k := range []string{"email", "name", "given_name", "family_name", "username", "nickname", "picture",
		"phone_number", "email_verified", "phone_verified"} {
		out = append(out, profileField{k, topGetter(k)})
	}
	return out
}()

func isProfileKey(k string) bool {
	return slices.ContainsFunc(profileFields, func(f profileField) bool { return f.key == k })
}

// answerIdentities are a user's identities as link and unlink answer them:
// every entry carries profileData (recorded), the primary's own made from
// its profile.
func answerIdentities(u *User) []Identity {
	ids := slices.Clone(u.Identities)
	if len(ids) > 0 && ids[0].ProfileData == nil {
		ids[0].ProfileData = profileData(u)
	}
	return ids
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
	// Of what the user held as stored (Extra), the profile's members stay.
	maps.DeleteFunc(u.Extra, func(k string, _ json.RawMessage) bool { return !isProfileKey(k) })
	if len(u.Extra) == 0 {
		u.Extra = nil
	}
	id.ProfileData = nil
	u.Identities = []Identity{id}
	u.CreatedAt, u.UpdatedAt = now, now
	if _, stored := u.Extra["name"]; u.Name == "" && !stored {
		u.Name = defaultName(u) // profileData leaves a default name out
	}
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
	u, err := s.link(r.PathValue("id"), payload(body), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	s.countEffect(RouteLink)
	writeJSON(w, http.StatusCreated, appendIdentities(nil, answerIdentities(u)))
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

func (s *Server) link(primaryID string, p payload, now time.Time) (*User, error) {
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
	secondary := s.st.users.get(secondaryID)
	if rest, ok := strings.CutPrefix(secID, provider+"|"); secondary == nil && ok {
		// The user_id may carry the provider prefix (recorded: go-auth0's
		// own tests link with the secondary's full user_id).
		secondaryID, secID = secID, rest
		secondary = s.st.users.get(secondaryID)
	}
	if secondaryID == primaryID {
		return nil, badRequest("invalid_body", "Main identity and the new one are the same.")
	}
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
	return &u, nil
}

// handleUnlink is DELETE /api/v2/users/{id}/identities/{provider}/{user_id}:
// the identity becomes a standalone user again, without metadata.
func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request) {
	u, err := s.unlink(r.PathValue("id"), r.PathValue("provider"), r.PathValue("user_id"), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	s.countEffect(RouteUnlink)
	writeJSON(w, http.StatusOK, appendIdentities(nil, answerIdentities(u)))
}

func (s *Server) unlink(primaryID, provider, userID string, now time.Time) (*User, error) {
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
	return &u, nil
}
