package lucene

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// How a parsed query (parse.go) meets documents: fields, values, matching,
// wildcards.

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

// Field is a field of a searched document. How it compares follows from it:
// see Folded, Words, IsDate, Multi.
type Field uint8

// The fields of Users and Logs.
const (
	FieldDefault Field = iota // a bare term
	FieldUserID
	FieldEmail
	FieldEmailDomain
	FieldEmailVerified
	FieldUsername
	FieldPhoneNumber
	FieldPhoneVerified
	FieldName
	FieldGivenName
	FieldFamilyName
	FieldNickname
	FieldPicture
	FieldCreatedAt
	FieldUpdatedAt
	FieldLastLogin
	FieldLastIP
	FieldLoginsCount
	FieldBlocked
	FieldIdentConnection
	FieldIdentProvider
	FieldIdentUserID
	FieldIdentIsSocial
	FieldIdentProfile // identities.profileData.<path>: JSON, one a linked identity
	FieldUserMeta     // user_metadata.<path>: JSON
	FieldAppMeta      // app_metadata.<path>: JSON
	FieldExtra        // any other top-level member, kept raw: JSON

	// Log events (Logs); user_id, connection and the other keyword fields
	// of a log event are FieldExtra members.
	FieldLogType
	FieldLogDate
	FieldLogDescription
)

// Schema is the set of fields of one kind of document.
type Schema struct {
	fields   map[string]Field
	prefixes map[string]Field // name.<path> (JSON fields)
	defaults []Field          // what a bare term searches
}

// Users are the fields of Auth0's user search.
var Users = &Schema{
	fields: map[string]Field{
		"user_id": FieldUserID, "email": FieldEmail, "email.domain": FieldEmailDomain,
		"email_verified": FieldEmailVerified, "username": FieldUsername, "phone_number": FieldPhoneNumber,
		"phone_verified": FieldPhoneVerified, "name": FieldName, "given_name": FieldGivenName,
		"family_name": FieldFamilyName, "nickname": FieldNickname, "picture": FieldPicture,
		"created_at": FieldCreatedAt, "updated_at": FieldUpdatedAt, "last_login": FieldLastLogin,
		"last_ip": FieldLastIP, "logins_count": FieldLoginsCount, "blocked": FieldBlocked,
		"identities.connection": FieldIdentConnection, "identities.provider": FieldIdentProvider,
		"identities.user_id": FieldIdentUserID, "identities.isSocial": FieldIdentIsSocial,
	},
	prefixes: map[string]Field{
		"user_metadata": FieldUserMeta, "app_metadata": FieldAppMeta, "identities.profileData": FieldIdentProfile,
	},
	defaults: []Field{FieldUserID, FieldEmail, FieldName, FieldGivenName, FieldFamilyName, FieldNickname, FieldUsername, FieldPhoneNumber},
}

// Logs are the fields of Auth0's log search: type and date are typed, the
// other members of an event (user_id, client_id, connection, ip…) compare
// as their JSON values, case-sensitively.
var Logs = &Schema{
	fields:   map[string]Field{"type": FieldLogType, "date": FieldLogDate, "description": FieldLogDescription},
	defaults: []Field{FieldLogType, FieldLogDescription},
}

// Folded fields match case-insensitively.
func (k Field) Folded() bool {
	switch k {
	case FieldEmail, FieldEmailDomain, FieldName, FieldGivenName, FieldFamilyName, FieldNickname, FieldLogDescription:
		return true
	}
	return false
}

// Words fields also match one of their words, or consecutive words.
func (k Field) Words() bool {
	switch k {
	case FieldName, FieldGivenName, FieldFamilyName, FieldNickname, FieldLogDescription:
		return true
	}
	return false
}

// IsDate fields hold times: dates, date ranges and RFC 3339 compare by time.
func (k Field) IsDate() bool {
	return k == FieldCreatedAt || k == FieldUpdatedAt || k == FieldLastLogin || k == FieldLogDate
}

// Multi fields have one value per identity.
func (k Field) Multi() bool { return k >= FieldIdentConnection && k <= FieldIdentProfile }

// IsJSON fields are raw JSON values looked up along a path.
func (k Field) IsJSON() bool { return k >= FieldIdentProfile && k <= FieldExtra }

// Document is what a query is matched against.
type Document interface {
	// Text returns the i-th value of a text field (one of the fields that is
	// neither a date, logins_count nor JSON) and how many values it has
	// (one for a field that is not Multi). "" is no value.
	Text(f Field, i int) (v string, n int)
	// Time returns the value of a date field; zero is none.
	Time(f Field) time.Time
	// Number returns the value of logins_count; ok is false when the
	// document has none.
	Number(f Field) (n float64, ok bool)
	// JSON returns the i-th raw value of a JSON field and how many it has
	// (nil: none, or none there); member names the top-level member of a
	// FieldExtra.
	JSON(f Field, member string, i int) (raw []byte, n int)
}

// fieldRef is a resolved field name.
type fieldRef struct {
	kind Field
	path []string // JSON fields: the path below the value (FieldExtra: below path[0], its member)
}

// Resolve returns the field a name denotes, and for JSON fields the path
// below it (for FieldExtra, starting with the top-level member).
func (s *Schema) Resolve(name string) (Field, []string) {
	r := s.resolveField(name)
	return r.kind, r.path
}

func (s *Schema) resolveField(name string) fieldRef {
	if k, ok := s.fields[name]; ok {
		return fieldRef{kind: k}
	}
	for prefix, k := range s.prefixes {
		if name == prefix {
			return fieldRef{kind: k}
		}
		if rest, ok := strings.CutPrefix(name, prefix+"."); ok {
			return fieldRef{kind: k, path: strings.Split(rest, ".")}
		}
	}
	return fieldRef{kind: FieldExtra, path: strings.Split(name, ".")}
}

// fieldQuery compiles field:value; field "" is a bare term.
func (s *Schema) fieldQuery(field string, v value) (query, error) {
	ref := fieldRef{kind: FieldDefault}
	if field != "" {
		ref = s.resolveField(field)
	}
	if ref.kind == FieldUserMeta && (v.kind == vWildcard || v.kind == vRange) {
		return nil, queryError("wildcard and range searches are not available on user_metadata fields")
	}
	q := &termQuery{ref: ref, v: v, fv: v, defaults: s.defaults}
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
	case ref.kind == FieldLoginsCount && (v.kind == vTerm || v.kind == vRange):
		lo, hi, err := numberBounds(v)
		if err != nil {
			return nil, err
		}
		q.numLo, q.numHi = lo, hi
	case ref.kind.IsDate() && (v.kind == vTerm || v.kind == vPhrase || v.kind == vRange):
		lo, hi, err := dateBounds(v)
		if err != nil {
			return nil, err
		}
		q.timeLo, q.timeHi = lo, hi
	}
	if v.kind == vRange && ref.kind != FieldLoginsCount && !ref.kind.IsDate() {
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
	defaults       []Field   // what a bare term searches
}

func (q *termQuery) match(d Document) bool {
	switch k := q.ref.kind; {
	case k == FieldDefault:
		for _, f := range q.defaults {
			if q.matchTexts(d, f) {
				return true
			}
		}
		return false
	case k == FieldLoginsCount:
		n, ok := d.Number(k)
		if !ok {
			return false
		}
		if q.v.kind == vExists {
			return true
		}
		if q.v.kind == vWildcard || q.v.kind == vPhrase {
			return q.matchText(FieldLoginsCount, strconv.FormatFloat(n, 'f', -1, 64))
		}
		return n >= q.numLo && n <= q.numHi
	case k.IsDate():
		t := d.Time(k)
		if t.IsZero() {
			return false
		}
		if q.v.kind == vExists {
			return true
		}
		if q.v.kind == vWildcard {
			return q.matchText(k, t.UTC().Format(rawjson.TimeLayout))
		}
		return !t.Before(q.timeLo) && t.Before(q.timeHi)
	case k.IsJSON():
		member := ""
		path := q.ref.path
		if k == FieldExtra {
			member, path = path[0], path[1:]
		}
		raw, n := d.JSON(k, member, 0)
		for i := 0; i < n; i++ {
			if i > 0 {
				raw, _ = d.JSON(k, member, i)
			}
			if q.matchRaw(lookupPath(raw, path)) {
				return true
			}
		}
		return false
	}
	return q.matchTexts(d, q.ref.kind)
}

// matchTexts reports whether one of the document's values of f matches.
func (q *termQuery) matchTexts(d Document, f Field) bool {
	s, n := d.Text(f, 0)
	for i := 0; i < n; i++ {
		if i > 0 {
			s, _ = d.Text(f, i)
		}
		if q.matchText(f, s) {
			return true
		}
	}
	return false
}

// matchText compares a text value; "" is no value.
func (q *termQuery) matchText(k Field, s string) bool {
	if s == "" {
		return false
	}
	v := &q.v
	if k.Folded() {
		v = &q.fv
		if (v.kind == vTerm || v.kind == vPhrase) && !k.Words() {
			// Both sides as given: the lowered text may not fold back
			// (İ lowers to i and a combining dot).
			return strings.EqualFold(s, q.v.text) // no allocation
		}
		s = Fold(s)
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
		if k.Words() {
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
	return k.Words() && containsWords(s, v.words)
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
		return ok && q.matchText(FieldExtra, s)
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
		return q.matchText(FieldExtra, string(raw))
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
	return q.matchText(FieldExtra, string(raw))
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

// Fold lower-cases s as folded fields compare, without allocating when it
// has no upper case.
func Fold(s string) string {
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
		// An inclusive lower bound takes in its date's span, an exclusive
		// one starts after it.
		if lo, err = dateEdge(v.lo, !v.loInc); err != nil {
			return lo, hi, err
		}
	}
	if !v.hiOpen {
		if hi, err = dateEdge(v.hi, v.hiInc); err != nil {
			return lo, hi, err
		}
	}
	return lo, hi, nil
}

// dateEdge is where the span of the date s starts or, with end, where it ends.
func dateEdge(s string, end bool) (time.Time, error) {
	start, stop, err := parseDate(s)
	if end {
		return stop, err
	}
	return start, err
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
