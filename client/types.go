package client

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// User is a user as GET /api/v2/users/{id} returns it, decoded tolerantly:
// email_verified may be a string, identity ids may be numbers of any size,
// and a field of an unexpected type is left at its zero value instead of
// failing the whole user. Raw keeps the object exactly as the tenant sent it,
// which is what backups store.
type User struct {
	UserID        string
	Email         string
	EmailVerified bool
	Username      string
	PhoneNumber   string
	Name          string
	Nickname      string
	LoginsCount   int64
	LastLogin     time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Blocked       bool
	Identities    []Identity
	UserMetadata  map[string]any
	AppMetadata   map[string]any
	Raw           json.RawMessage
}

// Identity is one entry of identities[]; UserID has no provider prefix.
// ProfileData is present on linked (non-first) identities.
type Identity struct {
	Connection  string
	Provider    string
	UserID      string
	IsSocial    bool
	ProfileData map[string]any
}

// Connection returns the user's own connection (identities[0]).
func (u User) Connection() string {
	if len(u.Identities) == 0 {
		return ""
	}
	return u.Identities[0].Connection
}

// Linked returns the identities linked into this user (all but the first).
func (u User) Linked() []Identity {
	if len(u.Identities) < 2 {
		return nil
	}
	return u.Identities[1:]
}

// UnmarshalJSON decodes a user without ever failing on a field's type.
func (u *User) UnmarshalJSON(data []byte) error {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*u = User{Raw: append(json.RawMessage(nil), data...)}
	u.UserID = looseString(f["user_id"])
	u.Email = looseString(f["email"])
	u.EmailVerified = looseBool(f["email_verified"])
	u.Username = looseString(f["username"])
	u.PhoneNumber = looseString(f["phone_number"])
	u.Name = looseString(f["name"])
	u.Nickname = looseString(f["nickname"])
	u.LoginsCount = looseInt(f["logins_count"])
	u.LastLogin = looseTime(f["last_login"])
	u.CreatedAt = looseTime(f["created_at"])
	u.UpdatedAt = looseTime(f["updated_at"])
	u.Blocked = looseBool(f["blocked"])
	u.UserMetadata = looseObject(f["user_metadata"])
	u.AppMetadata = looseObject(f["app_metadata"])
	u.Identities = looseIdentities(f["identities"])
	return nil
}

// UnmarshalJSON decodes one identities[] entry tolerantly.
func (id *Identity) UnmarshalJSON(data []byte) error {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*id = Identity{
		Connection:  looseString(f["connection"]),
		Provider:    looseString(f["provider"]),
		UserID:      looseString(f["user_id"]),
		IsSocial:    looseBool(f["isSocial"]),
		ProfileData: looseObject(f["profileData"]),
	}
	return nil
}

func looseIdentities(v json.RawMessage) []Identity {
	var items []json.RawMessage
	if json.Unmarshal(v, &items) != nil {
		return nil
	}
	out := make([]Identity, 0, len(items))
	for _, it := range items {
		if len(bytes.TrimSpace(it)) == 0 || bytes.Equal(bytes.TrimSpace(it), []byte("null")) {
			continue // a null entry is no identity; keeping it would shift identities[0]
		}
		var id Identity
		if id.UnmarshalJSON(it) == nil {
			out = append(out, id)
		}
	}
	return out
}

// looseString reads a JSON string, or the literal text of a number (ids may be
// numbers larger than 2^53); anything else is "".
func looseString(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// looseBool accepts true/false and the strings "true"/"false" (any case).
func looseBool(v json.RawMessage) bool {
	s := strings.Trim(strings.TrimSpace(string(v)), `"`)
	return strings.EqualFold(s, "true")
}

func looseInt(v json.RawMessage) int64 {
	var n json.Number
	if json.Unmarshal(bytes.TrimSpace(v), &n) != nil {
		return 0
	}
	i, err := n.Int64()
	if err != nil {
		return 0
	}
	return i
}

func looseTime(v json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// looseObject decodes a JSON object, its numbers as json.Number: one
// beyond float64 (1e400) keeps its text instead of failing the whole object
// (a linked identity's profileData lost its email with it); nil for
// anything that is not an object.
func looseObject(v json.RawMessage) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}
