// Package emulator is the sandbox tenant: a stateful emulator of the Auth0
// Management API on net/http, faithful to the real API's recorded traffic,
// plus the fixture loader that fills it. Its sub-packages: lucene (the user search
// query language), gen (the data generator) and emulatortest (for tests).
//
// It depends only on the standard library and the shapes of the real API: it
// must never import linkdesk's client, linking or UI packages, nor gen
// (which imports it).
package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// TimeLayout is how Auth0 writes timestamps: RFC 3339 in UTC with milliseconds.
const TimeLayout = rawjson.TimeLayout

// Tenant is the data a sandbox tenant starts with: what a fixture file holds
// and what the generator makes.
type Tenant struct {
	Connections   []*Connection   `json:"connections"`
	Users         []*User         `json:"users"`
	Roles         []*Role         `json:"roles,omitempty"`
	Organizations []*Organization `json:"organizations,omitempty"`
}

// Role has the shape of an element of GET /api/v2/roles.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Organization has the shape of an element of GET /api/v2/organizations;
// Branding and Metadata stay as a fixture gives them.
type Organization struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	DisplayName string          `json:"display_name,omitempty"`
	Branding    json.RawMessage `json:"branding,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// Connection has the shape of GET /api/v2/connections/{id}. Options stays a
// plain JSON object so that any fixture's settings are served back as given.
type Connection struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	DisplayName        string         `json:"display_name,omitempty"`
	Strategy           string         `json:"strategy"`
	Options            map[string]any `json:"options"`
	EnabledClients     []string       `json:"enabled_clients"`
	IsDomainConnection bool           `json:"is_domain_connection"`
	Realms             []string       `json:"realms"`
	// Members Auth0 answers when they are set (recorded).
	ShowAsButton          *bool           `json:"show_as_button,omitempty"`
	ProvisioningTicketURL string          `json:"provisioning_ticket_url,omitempty"`
	Authentication        json.RawMessage `json:"authentication,omitempty"`
	ConnectedAccounts     json.RawMessage `json:"connected_accounts,omitempty"`
	// Extra holds any other member a fixture gave, served back as given.
	Extra map[string]json.RawMessage `json:"-"`
}

// MarshalJSON writes the connection as GET /api/v2/connections/{id}
// answers it, Extra members last.
func (c *Connection) MarshalJSON() ([]byte, error) {
	type plain Connection
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode((*plain)(c)); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(c.Extra) == 0 {
		return b, nil
	}
	b = b[:len(b)-1] // the closing brace: the extra members go before it
	for _, k := range sortedKeys(c.Extra) {
		b = append(rawjson.AppendString(append(b, ','), k), ':')
		b = append(b, c.Extra[k]...)
	}
	return append(b, '}'), nil
}

// Flag is a boolean as the tenant stores it: real tenants hold
// email_verified as a JSON string ("true") for some custom-database and
// imported users, and the emulator serves it back the same way.
type Flag uint8

const (
	FlagUnset Flag = iota
	FlagFalse
	FlagTrue
	FlagFalseString // "false"
	FlagTrueString  // "true"
)

// Bool reports the flag's truth; an unset flag is false.
func (f Flag) Bool() bool { return f == FlagTrue || f == FlagTrueString }

// Set reports whether the tenant holds a value at all.
func (f Flag) Set() bool { return f != FlagUnset }

// AppendJSON appends the flag as the tenant serves it: true, false, "true"
// or "false" (nothing for an unset flag).
func (f Flag) AppendJSON(b []byte) []byte {
	switch f {
	case FlagTrue:
		return append(b, "true"...)
	case FlagFalse:
		return append(b, "false"...)
	case FlagTrueString:
		return append(b, `"true"`...)
	case FlagFalseString:
		return append(b, `"false"`...)
	}
	return b
}

// writeFlag writes the member k unless f is unset.
func writeFlag(w *rawjson.Writer, k string, f Flag) {
	if f.Set() {
		w.Key(k)
		w.B = f.AppendJSON(w.B)
	}
}

// FlagOf returns the plain JSON boolean flag for b.
func FlagOf(b bool) Flag {
	if b {
		return FlagTrue
	}
	return FlagFalse
}

// IdentityID is an identity's user_id. Some social providers send it as a
// JSON number, which may be larger than 2^53: the digits are kept as text
// and written back as a number.
type IdentityID struct {
	Value   string
	Numeric bool
}

func (id IdentityID) String() string { return id.Value }

// Identity is one entry of a user's identities[]. ProfileData is present on
// linked (non-first) identities only.
type Identity struct {
	Connection  string
	Provider    string
	UserID      IdentityID
	IsSocial    bool
	ProfileData json.RawMessage
}

// User is a user as the tenant holds it. The fields the emulator reasons
// about are typed; everything else, and any modelled field that arrived with
// another JSON type, lives in Extra and is served back byte for byte.
type User struct {
	UserID        string
	Email         string
	EmailVerified Flag
	Username      string
	PhoneNumber   string
	PhoneVerified Flag
	Name          string
	GivenName     string
	FamilyName    string
	Nickname      string
	Picture       string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLogin     time.Time
	LastIP        string
	// LastPasswordReset is when the password was last changed (PATCH with
	// a password); zero: never.
	LastPasswordReset time.Time
	// LoginsCount counts the user's logins. HasLoginsCount says whether the
	// user has the field at all: a user made with POST /api/v2/users has
	// none until its first login (recorded), and answers omit it.
	LoginsCount    int64
	HasLoginsCount bool
	// Blocked is unset unless the user was blocked or unblocked, or the
	// request that made it sent blocked (recorded: echoed as sent).
	Blocked    Flag
	Identities []Identity
	// Roles and Organizations are the ids of the user's roles and
	// organizations. The API serves them by their own routes, never in
	// the user; a fixture holds them in the user as "roles" and
	// "organizations". A linked-away secondary loses them with its user.
	Roles         []string
	Organizations []string
	UserMetadata  json.RawMessage // a JSON object, or nil
	AppMetadata   json.RawMessage // a JSON object, or nil
	Extra         map[string]json.RawMessage
}

// userStrings are the user's plain string fields by their JSON names. The
// decoder, user search and export fields all find them here; the encoder
// writes them in the order of Auth0's answers.
var userStrings = map[string]func(*User) *string{
	"user_id":      func(u *User) *string { return &u.UserID },
	"email":        func(u *User) *string { return &u.Email },
	"username":     func(u *User) *string { return &u.Username },
	"phone_number": func(u *User) *string { return &u.PhoneNumber },
	"name":         func(u *User) *string { return &u.Name },
	"given_name":   func(u *User) *string { return &u.GivenName },
	"family_name":  func(u *User) *string { return &u.FamilyName },
	"nickname":     func(u *User) *string { return &u.Nickname },
	"picture":      func(u *User) *string { return &u.Picture },
	"last_ip":      func(u *User) *string { return &u.LastIP },
}

// Connection returns the name of the user's own connection (identities[0]).
func (u *User) Connection() string {
	if len(u.Identities) == 0 {
		return ""
	}
	return u.Identities[0].Connection
}

// Clone returns a deep copy, so handlers can hand out users without sharing
// mutable state with the store.
func (u *User) Clone() *User {
	c := *u
	c.Identities = make([]Identity, len(u.Identities))
	for i, id := range u.Identities {
		id.ProfileData = cloneRaw(id.ProfileData)
		c.Identities[i] = id
	}
	c.Roles = slices.Clone(u.Roles)
	c.Organizations = slices.Clone(u.Organizations)
	c.UserMetadata = cloneRaw(u.UserMetadata)
	c.AppMetadata = cloneRaw(u.AppMetadata)
	if u.Extra != nil {
		c.Extra = make(map[string]json.RawMessage, len(u.Extra))
		for k, v := range u.Extra {
			c.Extra[k] = cloneRaw(v)
		}
	}
	return &c
}

func cloneRaw(r json.RawMessage) json.RawMessage {
	if r == nil {
		return nil
	}
	return append(json.RawMessage(nil), r...)
}

// ---- encoding ----

// MarshalJSON writes the user as GET /api/v2/users/{id} returns it.
func (u *User) MarshalJSON() ([]byte, error) { return u.AppendJSON(nil), nil }

// AppendJSON appends the user's JSON object to b. It is the one encoder of
// users: handlers, exports and fixtures all use it.
func (u *User) AppendJSON(b []byte) []byte { return u.appendJSON(b, false) }

// appendFixtureJSON is AppendJSON with the user's roles and organizations,
// as a fixture holds them.
func (u *User) appendFixtureJSON(b []byte) []byte { return u.appendJSON(b, true) }

func (u *User) appendJSON(b []byte, memberships bool) []byte {
	w := rawjson.Writer{B: append(b, '{')}
	w.Str("user_id", u.UserID)
	if u.Email != "" {
		w.Str("email", u.Email)
	}
	writeFlag(&w, "email_verified", u.EmailVerified)
	if u.Username != "" {
		w.Str("username", u.Username)
	}
	if u.PhoneNumber != "" {
		w.Str("phone_number", u.PhoneNumber)
	}
	writeFlag(&w, "phone_verified", u.PhoneVerified)
	for _, f := range [...]struct{ k, v string }{
		{"name", u.Name}, {"given_name", u.GivenName}, {"family_name", u.FamilyName},
		{"nickname", u.Nickname}, {"picture", u.Picture},
	} {
		if f.v != "" {
			w.Str(f.k, f.v)
		}
	}
	w.Time("created_at", u.CreatedAt)
	w.Time("updated_at", u.UpdatedAt)
	// A modelled field that arrived with another type lives in Extra and is
	// written from there, once.
	inExtra := func(k string) bool {
		_, ok := u.Extra[k]
		return ok
	}
	if !inExtra("identities") {
		w.Key("identities")
		w.B = append(w.B, '[')
		for i, id := range u.Identities {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			w.B = id.appendJSON(w.B)
		}
		w.B = append(w.B, ']')
	}
	if u.UserMetadata != nil {
		w.Raw("user_metadata", u.UserMetadata)
	}
	if u.AppMetadata != nil {
		w.Raw("app_metadata", u.AppMetadata)
	}
	w.Time("last_login", u.LastLogin)
	if u.LastIP != "" {
		w.Str("last_ip", u.LastIP)
	}
	w.Time("last_password_reset", u.LastPasswordReset)
	if u.HasLoginsCount && !inExtra("logins_count") {
		w.Key("logins_count")
		w.B = strconv.AppendInt(w.B, u.LoginsCount, 10)
	}
	if !inExtra("blocked") {
		writeFlag(&w, "blocked", u.Blocked)
	}
	if memberships {
		for _, m := range [...]struct {
			k   string
			ids []string
		}{{"roles", u.Roles}, {"organizations", u.Organizations}} {
			if len(m.ids) > 0 && !inExtra(m.k) {
				w.Key(m.k)
				w.B = append(w.B, '[')
				for i, id := range m.ids {
					if i > 0 {
						w.B = append(w.B, ',')
					}
					w.B = rawjson.AppendString(w.B, id)
				}
				w.B = append(w.B, ']')
			}
		}
	}
	for _, k := range sortedKeys(u.Extra) {
		w.Raw(k, u.Extra[k])
	}
	return append(w.B, '}')
}

func (id Identity) appendJSON(b []byte) []byte {
	w := rawjson.Writer{B: append(b, '{')}
	w.Str("connection", id.Connection)
	w.Str("provider", id.Provider)
	w.Key("user_id")
	if id.UserID.Numeric {
		w.B = append(w.B, id.UserID.Value...)
	} else {
		w.B = rawjson.AppendString(w.B, id.UserID.Value)
	}
	w.Key("isSocial")
	if id.IsSocial {
		w.B = append(w.B, "true"...)
	} else {
		w.B = append(w.B, "false"...)
	}
	if id.ProfileData != nil {
		w.Raw("profileData", id.ProfileData)
	}
	return append(w.B, '}')
}

// MarshalJSON writes the identity as it appears in identities[].
func (id Identity) MarshalJSON() ([]byte, error) { return id.appendJSON(nil), nil }

// UnmarshalJSON reads a user tolerantly: a modelled field of an unexpected
// JSON type is kept in Extra rather than rejected, as a tenant may hold it.
func (u *User) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	*u = User{}
	for k, v := range fields {
		if !u.setField(k, v) {
			if u.Extra == nil {
				u.Extra = map[string]json.RawMessage{}
			}
			u.Extra[k] = cloneRaw(v)
		}
	}
	return nil
}

// setField stores one top-level field; false means "keep it raw in Extra".
func (u *User) setField(k string, v json.RawMessage) bool {
	tm := func(dst *time.Time) bool {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.UTC().Year() < 0 || t.UTC().Year() > 9999 {
			return false // one TimeLayout cannot write back (a year before 0 in UTC) stays as it was
		}
		*dst = t.UTC()
		return true
	}
	if field, ok := userStrings[k]; ok {
		return json.Unmarshal(v, field(u)) == nil && v[0] == '"'
	}
	switch k {
	case "email_verified":
		return parseFlag(v, &u.EmailVerified)
	case "phone_verified":
		return parseFlag(v, &u.PhoneVerified)
	case "created_at":
		return tm(&u.CreatedAt)
	case "updated_at":
		return tm(&u.UpdatedAt)
	case "last_login":
		return tm(&u.LastLogin)
	case "last_password_reset":
		return tm(&u.LastPasswordReset)
	case "logins_count":
		u.HasLoginsCount = json.Unmarshal(v, &u.LoginsCount) == nil
		return u.HasLoginsCount
	case "blocked":
		return parseFlag(v, &u.Blocked)
	case "identities":
		var ids []Identity
		if json.Unmarshal(v, &ids) != nil {
			return false
		}
		u.Identities = ids
		return true
	case "user_metadata":
		return setObject(v, &u.UserMetadata)
	case "app_metadata":
		return setObject(v, &u.AppMetadata)
	case "roles":
		return json.Unmarshal(v, &u.Roles) == nil && v[0] == '['
	case "organizations":
		return json.Unmarshal(v, &u.Organizations) == nil && v[0] == '['
	}
	return false
}

func setObject(v json.RawMessage, dst *json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	var buf bytes.Buffer
	if json.Compact(&buf, t) != nil {
		return false
	}
	*dst = buf.Bytes()
	return true
}

func parseFlag(v json.RawMessage, dst *Flag) bool {
	switch strings.TrimSpace(string(v)) {
	case "true":
		*dst = FlagTrue
	case "false":
		*dst = FlagFalse
	case `"true"`:
		*dst = FlagTrueString
	case `"false"`:
		*dst = FlagFalseString
	default:
		return false
	}
	return true
}

// UnmarshalJSON reads one identities[] entry; user_id may be a string or a
// number of any size.
func (id *Identity) UnmarshalJSON(data []byte) error {
	var raw struct {
		Connection  string          `json:"connection"`
		Provider    string          `json:"provider"`
		UserID      json.RawMessage `json:"user_id"`
		IsSocial    bool            `json:"isSocial"`
		ProfileData json.RawMessage `json:"profileData"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*id = Identity{Connection: raw.Connection, Provider: raw.Provider, IsSocial: raw.IsSocial}
	uid := bytes.TrimSpace(raw.UserID)
	switch {
	case len(uid) == 0:
	case uid[0] == '"':
		if err := json.Unmarshal(uid, &id.UserID.Value); err != nil {
			return err
		}
	default:
		var n json.Number
		if err := json.Unmarshal(uid, &n); err != nil {
			return fmt.Errorf("identity user_id: %w", err)
		}
		id.UserID = IdentityID{Value: n.String(), Numeric: true}
	}
	if len(raw.ProfileData) > 0 && !bytes.Equal(bytes.TrimSpace(raw.ProfileData), []byte("null")) {
		setObject(raw.ProfileData, &id.ProfileData)
	}
	return nil
}
