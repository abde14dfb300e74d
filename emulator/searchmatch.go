package emulator

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// How a parsed user search (search.go) meets users: values, field
// resolution, matching, wildcards.

type valueKind uint8

const (
	vTerm valueKind = iota
	vPhrase
	vWildcard
	vRange
	vExists
)

// value is what a field is compared with.
type value struct {
	kind           valueKind
	text           string
	glob           []globPart
	lo, hi         string
	loInc, hiInc   bool
	loOpen, hiOpen bool
	words          []string // text split into words (folded value only)
}

type fieldKind uint8

const (
	fDefault fieldKind = iota // a bare term
	fUserID
	fEmail
	fEmailDomain
	fEmailVerified
	fUsername
	fPhoneNumber
	fPhoneVerified
	fName
	fGivenName
	fFamilyName
	fNickname
	fPicture
	fCreatedAt
	fUpdatedAt
	fLastLogin
	fLastIP
	fLoginsCount
	fBlocked
	fIdentConnection
	fIdentProvider
	fIdentUserID
	fIdentIsSocial
	fIdentProfile // identities.profileData.<path>
	fUserMeta     // user_metadata.<path>
	fAppMeta      // app_metadata.<path>
	fExtra        // any other top-level field, kept raw
)

var simpleFields = map[string]fieldKind{
	"user_id": fUserID, "email": fEmail, "email.domain": fEmailDomain,
	"email_verified": fEmailVerified, "username": fUsername, "phone_number": fPhoneNumber,
	"phone_verified": fPhoneVerified, "name": fName, "given_name": fGivenName,
	"family_name": fFamilyName, "nickname": fNickname, "picture": fPicture,
	"created_at": fCreatedAt, "updated_at": fUpdatedAt, "last_login": fLastLogin,
	"last_ip": fLastIP, "logins_count": fLoginsCount, "blocked": fBlocked,
	"identities.connection": fIdentConnection, "identities.provider": fIdentProvider,
	"identities.user_id": fIdentUserID, "identities.isSocial": fIdentIsSocial,
}

// defaultFields are what a bare term searches.
var defaultFields = []fieldKind{fUserID, fEmail, fName, fGivenName, fFamilyName, fNickname, fUsername, fPhoneNumber}

func (k fieldKind) folded() bool {
	switch k {
	case fEmail, fEmailDomain, fName, fGivenName, fFamilyName, fNickname:
		return true
	}
	return false
}

func (k fieldKind) tokenized() bool {
	switch k {
	case fName, fGivenName, fFamilyName, fNickname:
		return true
	}
	return false
}

func (k fieldKind) isDate() bool { return k == fCreatedAt || k == fUpdatedAt || k == fLastLogin }

// fieldRef is a resolved field name.
type fieldRef struct {
	kind fieldKind
	path []string // metadata, profileData or Extra path
}

func resolveField(name string) fieldRef {
	if k, ok := simpleFields[name]; ok {
		return fieldRef{kind: k}
	}
	for prefix, k := range map[string]fieldKind{
		"user_metadata": fUserMeta, "app_metadata": fAppMeta, "identities.profileData": fIdentProfile,
	} {
		if name == prefix {
			return fieldRef{kind: k}
		}
		if rest, ok := strings.CutPrefix(name, prefix+"."); ok {
			return fieldRef{kind: k, path: strings.Split(rest, ".")}
		}
	}
	return fieldRef{kind: fExtra, path: strings.Split(name, ".")}
}

// fieldQuery compiles field:value; field "" is a bare term.
func fieldQuery(field string, v value) (query, error) {
	ref := fieldRef{kind: fDefault}
	if field != "" {
		ref = resolveField(field)
	}
	if ref.kind == fUserMeta && (v.kind == vWildcard || v.kind == vRange) {
		return nil, queryError("wildcard and range searches are not available on user_metadata fields")
	}
	q := &termQuery{ref: ref, v: v, fv: v}
	q.fv.text = strings.ToLower(v.text)
	q.fv.lo, q.fv.hi = strings.ToLower(v.lo), strings.ToLower(v.hi)
	q.fv.glob = lowerGlob(v.glob)
	q.fv.words = strings.Fields(q.fv.text)
	if v.kind == vWildcard {
		if err := checkGlob(v.glob); err != nil {
			return nil, err
		}
	}
	switch {
	case ref.kind == fLoginsCount && (v.kind == vTerm || v.kind == vRange):
		lo, hi, err := numberBounds(v)
		if err != nil {
			return nil, err
		}
		q.numLo, q.numHi = lo, hi
	case ref.kind.isDate() && (v.kind == vTerm || v.kind == vPhrase || v.kind == vRange):
		lo, hi, err := dateBounds(v)
		if err != nil {
			return nil, err
		}
		q.timeLo, q.timeHi = lo, hi
	}
	if v.kind == vRange && ref.kind != fLoginsCount && !ref.kind.isDate() {
		// Numeric bounds compare numerically with numeric metadata.
		q.numLo, q.numHi, q.numeric = math.Inf(-1), math.Inf(1), true
		if lo, hi, err := numberBounds(v); err == nil {
			q.numLo, q.numHi = lo, hi
		} else {
			q.numeric = false
		}
	}
	return q, nil
}

// checkGlob applies Auth0's rule that a leading wildcard needs at least three
// literal characters after it.
func checkGlob(g []globPart) error {
	if len(g) == 0 || !(g[0].star || g[0].one) {
		return nil
	}
	n := 0
	for _, part := range g[1:] {
		n += utf8.RuneCountInString(part.lit)
	}
	if n < 3 {
		return queryError("a leading wildcard needs at least 3 characters after it")
	}
	return nil
}

// termQuery matches one field against one value.
type termQuery struct {
	ref            fieldRef
	v, fv          value   // the value as given, and lower-cased for folded fields
	numLo, numHi   float64 // inclusive numeric bounds (logins_count, numeric ranges)
	numeric        bool
	timeLo, timeHi time.Time // [timeLo, timeHi) for dates
}

func (q *termQuery) match(u *User) bool {
	switch q.ref.kind {
	case fDefault:
		for _, k := range defaultFields {
			if q.matchText(k, userText(u, k)) {
				return true
			}
		}
		return false
	case fEmailVerified:
		return q.matchFlag(u.EmailVerified)
	case fPhoneVerified:
		return q.matchFlag(u.PhoneVerified)
	case fBlocked:
		return q.matchText(fBlocked, strconv.FormatBool(u.Blocked))
	case fLoginsCount:
		if q.v.kind == vExists {
			return true
		}
		if q.v.kind == vWildcard || q.v.kind == vPhrase {
			return q.matchText(fLoginsCount, strconv.FormatInt(u.LoginsCount, 10))
		}
		n := float64(u.LoginsCount)
		return n >= q.numLo && n <= q.numHi
	case fCreatedAt, fUpdatedAt, fLastLogin:
		t := userTime(u, q.ref.kind)
		if t.IsZero() {
			return false
		}
		if q.v.kind == vExists {
			return true
		}
		if q.v.kind == vWildcard {
			return q.matchText(q.ref.kind, t.UTC().Format(TimeLayout))
		}
		return !t.Before(q.timeLo) && t.Before(q.timeHi)
	case fIdentConnection, fIdentProvider, fIdentUserID, fIdentIsSocial:
		for i := range u.Identities {
			if q.matchText(q.ref.kind, identityText(&u.Identities[i], q.ref.kind)) {
				return true
			}
		}
		return false
	case fIdentProfile:
		for i := range u.Identities {
			if q.matchRaw(lookupPath(u.Identities[i].ProfileData, q.ref.path)) {
				return true
			}
		}
		return false
	case fUserMeta:
		return q.matchRaw(lookupPath(u.UserMetadata, q.ref.path))
	case fAppMeta:
		return q.matchRaw(lookupPath(u.AppMetadata, q.ref.path))
	case fExtra:
		raw, ok := u.Extra[q.ref.path[0]]
		if !ok {
			return false
		}
		return q.matchRaw(lookupPath(raw, q.ref.path[1:]))
	}
	return q.matchText(q.ref.kind, userText(u, q.ref.kind))
}

func (q *termQuery) matchFlag(f Flag) bool {
	if !f.Set() {
		return false
	}
	return q.matchText(fEmailVerified, strconv.FormatBool(f.Bool()))
}

// matchText compares a text value; "" is no value.
func (q *termQuery) matchText(k fieldKind, s string) bool {
	if s == "" {
		return false
	}
	v := &q.v
	if k.folded() {
		v = &q.fv
		if (v.kind == vTerm || v.kind == vPhrase) && !k.tokenized() {
			// Both sides as given: the lowered text may not fold back
			// (İ lowers to i and a combining dot).
			return strings.EqualFold(s, q.v.text) // no allocation
		}
		s = lowerFast(s)
	}
	switch v.kind {
	case vExists:
		return true
	case vRange:
		if q.numeric {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return n >= q.numLo && n <= q.numHi
			}
		}
		return (v.loOpen || s > v.lo || v.loInc && s == v.lo) && (v.hiOpen || s < v.hi || v.hiInc && s == v.hi)
	case vWildcard:
		if globMatch(v.glob, s) {
			return true
		}
		if k.tokenized() {
			for w := range strings.FieldsSeq(s) {
				if globMatch(v.glob, w) {
					return true
				}
			}
		}
		return false
	}
	if s == v.text {
		return true
	}
	return k.tokenized() && containsWords(s, v.words)
}

// containsWords reports whether words appear consecutively among the words
// of s (both already lower-cased).
func containsWords(s string, words []string) bool {
	if len(words) == 0 || !strings.Contains(s, words[0]) {
		return false
	}
	ws := strings.Fields(s)
	for i := 0; i+len(words) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(words)], words) {
			return true
		}
	}
	return false
}

// matchRaw compares a raw JSON value; an array matches when an element does.
func (q *termQuery) matchRaw(raw []byte, found bool) bool {
	if !found || len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '"':
		s, ok := rawjson.Unquote(raw)
		return ok && q.matchText(fExtra, s)
	case '[':
		hit := false
		rawjson.EachElement(raw, func(el []byte) bool {
			hit = q.matchRaw(el, true)
			return !hit
		})
		return hit
	case '{':
		return q.v.kind == vExists && len(rawjson.TrimSpace(raw)) > 2
	case 'n':
		return false
	case 't', 'f':
		return q.matchText(fExtra, string(raw))
	}
	// A number: compare numerically when the query value is a number too.
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return false
	}
	switch q.v.kind {
	case vTerm:
		if m, err := strconv.ParseFloat(q.v.text, 64); err == nil {
			return n == m
		}
	case vRange:
		if q.numeric {
			return n >= q.numLo && n <= q.numHi
		}
	}
	return q.matchText(fExtra, string(raw))
}

// lookupPath follows path through raw JSON objects; an array on the way is
// looked through (user_metadata.addresses.city finds the city of every
// address), giving an array of what was found.
func lookupPath(raw []byte, path []string) ([]byte, bool) {
	if raw == nil {
		return nil, false
	}
	for i, key := range path {
		raw = rawjson.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '[' {
			var found []byte
			rawjson.EachElement(raw, func(el []byte) bool {
				if v, ok := lookupPath(el, path[i:]); ok {
					if found == nil {
						found = []byte{'['}
					} else {
						found = append(found, ',')
					}
					found = append(found, v...)
				}
				return true
			})
			if found == nil {
				return nil, false
			}
			return append(found, ']'), true
		}
		v, ok := rawjson.LookupMember(raw, key)
		if !ok {
			return nil, false
		}
		raw = v
	}
	return raw, true
}

func userText(u *User, k fieldKind) string {
	switch k {
	case fUserID:
		return u.UserID
	case fEmail:
		return u.Email
	case fEmailDomain:
		if at := strings.LastIndexByte(u.Email, '@'); at >= 0 {
			return u.Email[at+1:]
		}
	case fUsername:
		return u.Username
	case fPhoneNumber:
		return u.PhoneNumber
	case fName:
		return u.Name
	case fGivenName:
		return u.GivenName
	case fFamilyName:
		return u.FamilyName
	case fNickname:
		return u.Nickname
	case fPicture:
		return u.Picture
	case fLastIP:
		return u.LastIP
	}
	return ""
}

func userTime(u *User, k fieldKind) time.Time {
	switch k {
	case fCreatedAt:
		return u.CreatedAt
	case fUpdatedAt:
		return u.UpdatedAt
	case fLastLogin:
		return u.LastLogin
	}
	return time.Time{}
}

func identityText(id *Identity, k fieldKind) string {
	switch k {
	case fIdentConnection:
		return id.Connection
	case fIdentProvider:
		return id.Provider
	case fIdentUserID:
		return id.UserID.Value
	case fIdentIsSocial:
		return strconv.FormatBool(id.IsSocial)
	}
	return ""
}

// lowerFast lower-cases s, without allocating when it has no upper case.
func lowerFast(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// numberBounds turns a term or range into inclusive numeric bounds.
func numberBounds(v value) (lo, hi float64, err error) {
	parse := func(s string) (float64, error) {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, queryError("%q is not a number", s)
		}
		return n, nil
	}
	if v.kind == vTerm {
		n, err := parse(v.text)
		return n, n, err
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	if !v.loOpen {
		if lo, err = parse(v.lo); err != nil {
			return
		}
		if !v.loInc {
			lo = math.Nextafter(lo, math.Inf(1))
		}
	}
	if !v.hiOpen {
		if hi, err = parse(v.hi); err != nil {
			return
		}
		if !v.hiInc {
			hi = math.Nextafter(hi, math.Inf(-1))
		}
	}
	return lo, hi, nil
}

var dateLayouts = []struct {
	layout string
	span   func(time.Time) time.Time // end of the period the layout names
}{
	{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Millisecond) }},
	{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }},
	{"2006-01-02T15:04", func(t time.Time) time.Time { return t.Add(time.Minute) }},
	{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
}

// parseDate reads a date and the period it names: [start, end).
func parseDate(s string) (start, end time.Time, err error) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l.layout, s, time.UTC); err == nil {
			return t, l.span(t), nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) > 4 {
		t := time.UnixMilli(ms).UTC()
		return t, t.Add(time.Millisecond), nil
	}
	return time.Time{}, time.Time{}, queryError("%q is not a date", s)
}

// dateBounds turns a term or range into [lo, hi).
func dateBounds(v value) (lo, hi time.Time, err error) {
	if v.kind == vTerm || v.kind == vPhrase {
		return parseDate(v.text)
	}
	lo = time.Unix(-1<<40, 0)
	hi = time.Unix(1<<40, 0)
	if !v.loOpen {
		start, end, err := parseDate(v.lo)
		if err != nil {
			return lo, hi, err
		}
		lo = start
		if !v.loInc {
			lo = end
		}
	}
	if !v.hiOpen {
		start, end, err := parseDate(v.hi)
		if err != nil {
			return lo, hi, err
		}
		hi = end
		if !v.hiInc {
			hi = start
		}
	}
	return lo, hi, nil
}

// ---- wildcards ----

// globPart is a literal run, a * or a ?.
type globPart struct {
	lit       string
	star, one bool
}

func lowerGlob(g []globPart) []globPart {
	if g == nil {
		return nil
	}
	out := make([]globPart, len(g))
	for i, p := range g {
		p.lit = strings.ToLower(p.lit)
		out[i] = p
	}
	return out
}

// globMatch reports whether s matches the whole pattern g.
func globMatch(g []globPart, s string) bool {
	if len(g) == 0 {
		return s == ""
	}
	p := g[0]
	switch {
	case p.lit != "":
		rest, ok := strings.CutPrefix(s, p.lit)
		return ok && globMatch(g[1:], rest)
	case p.one:
		if s == "" {
			return false
		}
		_, size := utf8.DecodeRuneInString(s)
		return globMatch(g[1:], s[size:])
	}
	// A star: the common shapes first, without backtracking.
	if len(g) == 1 {
		return true
	}
	if len(g) == 2 && g[1].lit != "" {
		return strings.HasSuffix(s, g[1].lit)
	}
	for i := 0; i <= len(s); i++ {
		if globMatch(g[1:], s[i:]) {
			return true
		}
		if i < len(s) {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size - 1
		}
	}
	return false
}
