package emulator

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
	"github.com/linkdesk/linkdesk/emulator/lucene"
)

// An export field names a value of the user by path: a top-level name
// ("email", "identities", "user_metadata"), a member ("user_metadata.country")
// or an array element ("identities[0].connection"). Getters append the value
// as JSON without reflection, so a million users export quickly.

// pathSeg is one step of a field path: a member name or an array index.
type pathSeg struct {
	key   string
	index int // ≥ 0 for [index]
}

func parseFieldPath(name string) ([]pathSeg, bool) {
	var segs []pathSeg
	for part := range strings.SplitSeq(name, ".") {
		key, rest, bracket := strings.Cut(part, "[")
		if key == "" && (!bracket || len(segs) == 0) {
			return nil, false
		}
		if key != "" {
			segs = append(segs, pathSeg{key: key, index: -1})
		}
		for bracket {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 {
				return nil, false
			}
			segs = append(segs, pathSeg{index: n})
			if rest, bracket = strings.CutPrefix(after, "["); !bracket && after != "" {
				return nil, false
			}
		}
	}
	return segs, true
}

// fieldGetter appends the JSON value of one field of u to b; false (with b
// unchanged) when u has no such value.
type fieldGetter func(b []byte, u *User) ([]byte, bool)

func compileField(name string) (fieldGetter, bool) {
	segs, ok := parseFieldPath(name)
	if !ok || segs[0].index >= 0 {
		return nil, false
	}
	top := topGetter(segs[0].key)
	rest := segs[1:]
	if len(rest) == 0 {
		return top, true
	}
	if segs[0].key == "identities" && rest[0].index >= 0 {
		return identityGetter(rest[0].index, rest[1:]), true
	}
	return func(b []byte, u *User) ([]byte, bool) {
		raw, ok := top(nil, u)
		if !ok {
			return b, false
		}
		v, ok := rawPath(raw, rest)
		if !ok {
			return b, false
		}
		return append(b, v...), true
	}, true
}

// topGetter reads a top-level field; a typed field the user does not have
// falls back to Extra, where a value of an unexpected JSON type lives.
func topGetter(key string) fieldGetter {
	extra := func(b []byte, u *User) ([]byte, bool) {
		if v, ok := u.Extra[key]; ok {
			return append(b, v...), true
		}
		return b, false
	}
	if field, ok := userStrings[key]; ok {
		return func(b []byte, u *User) ([]byte, bool) {
			if s := *field(u); s != "" {
				return rawjson.AppendString(b, s), true
			}
			return extra(b, u)
		}
	}
	flag := func(get func(*User) Flag) fieldGetter {
		return func(b []byte, u *User) ([]byte, bool) {
			if f := get(u); f.Set() {
				return f.AppendJSON(b), true
			}
			return extra(b, u)
		}
	}
	switch key {
	case "email_verified":
		return flag(func(u *User) Flag { return u.EmailVerified })
	case "phone_verified":
		return flag(func(u *User) Flag { return u.PhoneVerified })
	case "created_at", "updated_at", "last_login", "last_password_reset":
		k, _ := lucene.Users.Resolve(key)
		return func(b []byte, u *User) ([]byte, bool) {
			t := userTime(u, k)
			if key == "last_password_reset" {
				t = u.LastPasswordReset
			}
			if t.IsZero() {
				return extra(b, u)
			}
			b = append(b, '"')
			b = t.UTC().AppendFormat(b, TimeLayout)
			return append(b, '"'), true
		}
	case "logins_count":
		return func(b []byte, u *User) ([]byte, bool) {
			if !u.HasLoginsCount {
				return extra(b, u)
			}
			return strconv.AppendInt(b, u.LoginsCount, 10), true
		}
	case "blocked":
		return flag(func(u *User) Flag { return u.Blocked })
	case "identities":
		return func(b []byte, u *User) ([]byte, bool) { return appendIdentities(b, u.Identities), true }
	case "user_metadata", "app_metadata":
		return func(b []byte, u *User) ([]byte, bool) {
			m := u.UserMetadata
			if key == "app_metadata" {
				m = u.AppMetadata
			}
			if m == nil {
				return extra(b, u)
			}
			return append(b, m...), true
		}
	}
	return extra
}

// identityGetter reads identities[index] and what follows.
func identityGetter(index int, rest []pathSeg) fieldGetter {
	return func(b []byte, u *User) ([]byte, bool) {
		if index >= len(u.Identities) {
			return b, false
		}
		id := &u.Identities[index]
		if len(rest) == 0 {
			return id.appendJSON(b), true
		}
		switch rest[0].key {
		case "connection", "provider":
			if len(rest) > 1 {
				return b, false
			}
			if rest[0].key == "connection" {
				return rawjson.AppendString(b, id.Connection), true
			}
			return rawjson.AppendString(b, id.Provider), true
		case "user_id":
			if len(rest) > 1 {
				return b, false
			}
			if id.UserID.Numeric {
				return append(b, id.UserID.Value...), true
			}
			return rawjson.AppendString(b, id.UserID.Value), true
		case "isSocial":
			return strconv.AppendBool(b, id.IsSocial), len(rest) == 1
		case "profileData":
			v, ok := rawPath(id.ProfileData, rest[1:])
			if !ok || id.ProfileData == nil {
				return b, false
			}
			return append(b, v...), true
		}
		return b, false
	}
}

// rawPath follows members and indexes through raw JSON.
func rawPath(raw []byte, path []pathSeg) ([]byte, bool) {
	for _, seg := range path {
		var v []byte
		found := false
		if seg.index >= 0 {
			i := 0
			rawjson.EachElement(raw, func(el []byte) bool {
				if i == seg.index {
					v, found = el, true
					return false
				}
				i++
				return true
			})
		} else {
			v, found = rawjson.LookupMember(raw, seg.key)
		}
		if !found {
			return nil, false
		}
		raw = v
	}
	return raw, true
}

// appendCSVCell appends a JSON value as a CSV cell: strings as their text,
// other values as JSON text, quoted when needed.
func appendCSVCell(b, v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' {
		if bytes.IndexByte(v, '\\') < 0 {
			v = v[1 : len(v)-1]
		} else if s, ok := rawjson.Unquote(v); ok {
			v = []byte(s)
		}
	}
	quote := len(v) > 0 && (v[0] == ' ' || v[len(v)-1] == ' ')
	for _, c := range v {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, v...)
	}
	b = append(b, '"')
	for _, c := range v {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
