package emulator

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/emulator/lucene"
)

// User search (GET /api/v2/users?q=) and log search (GET /api/v2/logs?q=)
// speak Auth0's Lucene syntax; the lucene package parses and matches, and
// the documents here give it the values of users and log events.

// parseUserQuery parses a user search; an empty q matches every user.
func parseUserQuery(q string) (lucene.Query, error) {
	return parseSearch(q, lucene.Users)
}

func parseSearch(q string, s *lucene.Schema) (lucene.Query, error) {
	query, err := lucene.Parse(q, s)
	var le *lucene.Error
	if errors.As(err, &le) {
		return nil, badRequest("invalid_query_string", "%s", le.Error())
	}
	return query, err
}

// userDoc is a user as user search sees it.
type userDoc User

func (d *userDoc) Text(f lucene.Field, i int) (string, int) {
	u := (*User)(d)
	if !f.Multi() {
		return userText(u, f), 1
	}
	n := len(u.Identities)
	if i >= n {
		return "", n
	}
	id := &u.Identities[i]
	switch f {
	case lucene.FieldIdentConnection:
		return id.Connection, n
	case lucene.FieldIdentProvider:
		return id.Provider, n
	case lucene.FieldIdentUserID:
		return id.UserID.Value, n
	case lucene.FieldIdentIsSocial:
		return strconv.FormatBool(id.IsSocial), n
	}
	return "", n
}

// userStringOf is userStrings by search field.
var userStringOf = func() (of [256]func(*User) *string) {
	for name, field := range userStrings {
		f, _ := lucene.Users.Resolve(name)
		if f == lucene.FieldExtra {
			panic("emulator: user search has no field " + name)
		}
		of[f] = field
	}
	return of
}()

// userText is a user's value of a single-valued text field; "" is none.
func userText(u *User, f lucene.Field) string {
	if field := userStringOf[f]; field != nil {
		return *field(u)
	}
	switch f {
	case lucene.FieldEmailDomain:
		if at := strings.LastIndexByte(u.Email, '@'); at >= 0 {
			return u.Email[at+1:]
		}
	case lucene.FieldEmailVerified:
		return flagText(u.EmailVerified)
	case lucene.FieldPhoneVerified:
		return flagText(u.PhoneVerified)
	case lucene.FieldBlocked:
		return flagText(u.Blocked)
	}
	return ""
}

// flagText is how search sees a flag: "true" or "false" (a string "true"
// too), "" when unset.
func flagText(f Flag) string {
	if !f.Set() {
		return ""
	}
	return strconv.FormatBool(f.Bool())
}

func (d *userDoc) Time(f lucene.Field) time.Time { return userTime((*User)(d), f) }

func userTime(u *User, f lucene.Field) time.Time {
	switch f {
	case lucene.FieldCreatedAt:
		return u.CreatedAt
	case lucene.FieldUpdatedAt:
		return u.UpdatedAt
	case lucene.FieldLastLogin:
		return u.LastLogin
	}
	return time.Time{}
}

func (d *userDoc) Number(lucene.Field) (float64, bool) {
	return float64(d.LoginsCount), d.HasLoginsCount
}

func (d *userDoc) JSON(f lucene.Field, member string, i int) ([]byte, int) {
	u := (*User)(d)
	switch f {
	case lucene.FieldIdentProfile:
		if i >= len(u.Identities) {
			return nil, len(u.Identities)
		}
		return u.Identities[i].ProfileData, len(u.Identities)
	case lucene.FieldUserMeta:
		return u.UserMetadata, 1
	case lucene.FieldAppMeta:
		return u.AppMetadata, 1
	}
	raw, ok := u.Extra[member]
	if !ok {
		return nil, 0
	}
	return raw, 1
}
