package scan

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/linkdesk/linkdesk/linking"
)

// span is a decoded string: bytes [off, end) of lineDecoder.buf.
type span struct{ off, end uint32 }

// profileFields are the parts of a profile that say who someone is.
type profileFields struct {
	email, username, phone, name span
	verified                     bool
}

type identityFields struct {
	conn, provider, userID span
	isSocial               bool
	profile                profileFields
}

// lineFields is one export line, decoded.
type lineFields struct {
	userID    span
	profile   profileFields
	logins    int64
	lastLogin stamp
	createdAt stamp
	blocked   bool
}

// lineDecoder decodes export lines into reusable buffers: decoded strings go
// to buf and the fields point into it, so one line costs one allocation (its
// text) when kept. It is the scanner's hot path; reuse one per goroutine.
type lineDecoder struct {
	t      jsonText
	buf    []byte // decoded string values
	out    []byte // the kept text, assembled
	keyBuf []byte // unescaped keys
	tmp    []byte // unescaped values before they are placed
	f      lineFields
	ids    []identityFields
	cache  connCache
}

// decode parses one line into d.f and d.ids. Unknown fields are skipped,
// duplicate keys are resolved as encoding/json does (the last one wins), and
// a field of an unexpected type reads as absent instead of failing the line.
func (d *lineDecoder) decode(line []byte) error {
	d.t.b, d.t.i = line, 0
	d.buf, d.f, d.ids = d.buf[:0], lineFields{}, d.ids[:0]
	switch c := d.t.peek(); c {
	case 0:
		return d.t.fail("empty line")
	case '{':
	default:
		return d.t.fail("not a JSON object: starts with %q", c)
	}
	if err := d.t.members(d, userMember); err != nil {
		return err
	}
	if d.t.peek() != 0 {
		return d.t.fail("unexpected data after the user object")
	}
	return nil
}

func userMember(d *lineDecoder, key []byte) error {
	var err error
	f := &d.f
	switch string(key) {
	case "user_id":
		f.userID, err = d.text()
	case "logins_count":
		f.logins, err = d.integer()
	case "last_login":
		f.lastLogin, err = d.time()
	case "created_at":
		f.createdAt, err = d.time()
	case "blocked":
		f.blocked, err = d.boolean()
	case "identities":
		d.ids = d.ids[:0]
		if d.t.peek() != '[' {
			return d.t.skip()
		}
		return d.t.elements(d, identityElement)
	default:
		var known bool
		known, err = profileMember(d, &f.profile, key)
		if !known {
			return d.t.skip()
		}
	}
	return err
}

// profileMember reads the fields a user and a profileData have in common.
func profileMember(d *lineDecoder, p *profileFields, key []byte) (bool, error) {
	var err error
	switch string(key) {
	case "email":
		p.email, err = d.text()
	case "email_verified":
		p.verified, err = d.boolean()
	case "username":
		p.username, err = d.text()
	case "phone_number":
		p.phone, err = d.text()
	case "name":
		p.name, err = d.text()
	default:
		return false, nil
	}
	return true, err
}

func identityElement(d *lineDecoder) error {
	if d.t.peek() != '{' {
		return d.t.skip() // not an identity: nothing to learn from it
	}
	d.ids = append(d.ids, identityFields{})
	return d.t.members(d, identityMember)
}

func identityMember(d *lineDecoder, key []byte) error {
	id := &d.ids[len(d.ids)-1]
	var err error
	switch string(key) {
	case "connection":
		id.conn, err = d.text()
	case "provider":
		id.provider, err = d.text()
	case "user_id":
		id.userID, err = d.text()
	case "isSocial":
		id.isSocial, err = d.boolean()
	case "profileData":
		id.profile = profileFields{}
		if d.t.peek() != '{' {
			return d.t.skip()
		}
		return d.t.members(d, profileDataMember)
	default:
		return d.t.skip()
	}
	return err
}

func profileDataMember(d *lineDecoder, key []byte) error {
	known, err := profileMember(d, &d.ids[len(d.ids)-1].profile, key)
	if !known {
		return d.t.skip()
	}
	return err
}

// text reads a string value into buf. A number's literal text is kept as
// well, as client does (identity ids above 2^53 keep every digit). Other
// types read as absent.
func (d *lineDecoder) text() (span, error) {
	b, ok, err := d.scalar()
	if !ok || err != nil {
		return span{}, err
	}
	return d.keep(b), nil
}

// scalar reads a string's text or a number's literal text; any other value
// is skipped (ok false).
func (d *lineDecoder) scalar() (b []byte, ok bool, err error) {
	switch c := d.t.peek(); {
	case c == '"':
		b, err = d.t.str(&d.tmp)
	case c == '-' || '0' <= c && c <= '9':
		b, err = d.t.token()
	default:
		return nil, false, d.t.skip()
	}
	return b, true, err
}

func empty(s span) bool { return s.end == s.off }

func (d *lineDecoder) keep(b []byte) span {
	off := len(d.buf)
	d.buf = append(d.buf, b...)
	return span{uint32(off), uint32(len(d.buf))}
}

func (d *lineDecoder) str(s span) []byte { return d.buf[s.off:s.end] }

// boolean reads true/false or the strings "true"/"false" (any case), which
// real tenants hold for custom-database and imported users.
func (d *lineDecoder) boolean() (bool, error) {
	switch d.t.peek() {
	case 't', 'f', 'n':
		tok, err := d.t.token()
		return string(tok) == "true", err
	case '"':
		b, err := d.t.str(&d.tmp)
		return isTrue(b), err
	}
	return false, d.t.skip()
}

// isTrue is client's reading of a flag held as a string.
func isTrue(b []byte) bool { return bytes.EqualFold(b, []byte("true")) }

// integer reads a count written as a number or a numeric string.
func (d *lineDecoder) integer() (int64, error) {
	b, ok, err := d.scalar()
	if !ok || err != nil {
		return 0, err
	}
	if n, ok := smallInt(b); ok {
		return n, nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, nil // as client reads it: an integer or nothing
	}
	return n, nil
}

// smallInt reads up to 18 plain decimal digits, which cannot overflow; the
// rest is left to strconv.
func smallInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// time reads an RFC 3339 timestamp; anything else reads as unknown.
func (d *lineDecoder) time() (stamp, error) {
	if d.t.peek() != '"' {
		return 0, d.t.skip()
	}
	b, err := d.t.str(&d.tmp)
	if err != nil {
		return 0, err
	}
	return parseStamp(b), nil
}

// assemble lays out the text an account keeps: user id, email, username,
// phone, name, then each linked identity's id, email, username, phone and
// name, and returns it together with the ends of the first five; the bytes
// are the decoder's, good until the next line. Spans of kept fields are
// rewritten to point into the returned text.
func (d *lineDecoder) assemble() ([]byte, [5]uint32) {
	d.out = d.out[:0]
	move := func(s *span) {
		off := len(d.out)
		d.out = append(d.out, d.str(*s)...)
		*s = span{uint32(off), uint32(len(d.out))}
	}
	f := &d.f
	if empty(f.userID) && len(d.ids) > 0 && !empty(d.ids[0].provider) && !empty(d.ids[0].userID) {
		// No top-level user_id: provider|id of the user's own identity.
		own := d.ids[0]
		d.out = append(append(append(d.out, d.str(own.provider)...), '|'), d.str(own.userID)...)
		f.userID = span{0, uint32(len(d.out))}
	} else {
		move(&f.userID)
	}
	var ends [5]uint32
	ends[0] = uint32(len(d.out))
	for i, s := range []*span{&f.profile.email, &f.profile.username, &f.profile.phone, &f.profile.name} {
		move(s)
		ends[i+1] = uint32(len(d.out))
	}
	for i := 1; i < len(d.ids); i++ {
		id := &d.ids[i]
		for _, s := range []*span{&id.userID, &id.profile.email, &id.profile.username, &id.profile.phone, &id.profile.name} {
			move(s)
		}
	}
	return d.out, ends
}

// linked returns the linked identities, their strings cut from text (as
// assemble left their spans), their names interned in conns.
func (d *lineDecoder) linked(text string, conns *linking.Connections) []linking.Identity {
	if len(d.ids) < 2 {
		return nil
	}
	d.cache.reset(conns)
	out := make([]linking.Identity, 0, len(d.ids)-1)
	cut := func(s span) string { return text[s.off:s.end] }
	for _, id := range d.ids[1:] {
		conn := conns.At(d.cache.index(d.str(id.conn), d.str(id.provider), id.isSocial))
		p := id.profile
		out = append(out, linking.Identity{
			Connection: conn.Name, Provider: d.cache.intern(d.str(id.provider)),
			UserID: cut(id.userID), IsSocial: id.isSocial,
			Email: cut(p.email), EmailVerified: p.verified,
			Username: cut(p.username), PhoneNumber: cut(p.phone), Name: cut(p.name),
		})
	}
	return out
}

// owner returns the interned connection and provider of the user's own
// identity; noConnection when the line has no identities.
func (d *lineDecoder) owner(text string, conns *linking.Connections) (conn uint32, provider string) {
	d.cache.reset(conns)
	if len(d.ids) == 0 {
		p, _, ok := strings.Cut(text[d.f.userID.off:d.f.userID.end], "|")
		if !ok {
			p = ""
		}
		return noConnection, d.cache.intern([]byte(p))
	}
	own := d.ids[0]
	return d.cache.index(d.str(own.conn), d.str(own.provider), own.isSocial), d.cache.intern(d.str(own.provider))
}

// record packs the decoded line, its text assembled.
func (d *lineDecoder) record(text string, ends [5]uint32, conns *linking.Connections) (record, recordExtra) {
	r := record{text: text, ends: ends, logins: d.f.logins, lastLogin: d.f.lastLogin, createdAt: d.f.createdAt}
	x := recordExtra{verified: d.f.profile.verified, blocked: d.f.blocked, linked: d.linked(text, conns)}
	r.conn, x.provider = d.owner(text, conns)
	return r, x
}

// noConnection marks an account whose line named no identity.
const noConnection = ^uint32(0)

var decoders = sync.Pool{New: func() any { return new(lineDecoder) }}

// DecodeExportLine decodes one line of a users export (NDJSON, one user a
// line) into a. It accepts everything real exports hold: email_verified as a
// boolean or the string "true"/"false", identity user_id as a string or a
// number of any size (its digits kept), escapes including \uXXXX and
// surrogate pairs, invalid UTF-8 (kept as is), nulls, fields in any order and
// duplicate keys (the last wins). Unknown fields and whole metadata objects
// are skipped with a structural check only. A malformed line returns a
// *SyntaxError and leaves a unchanged. conns interns connection names and
// learns unknown connections; it may be nil.
func DecodeExportLine(line []byte, a *linking.Account, conns *linking.Connections) error {
	d := decoders.Get().(*lineDecoder)
	defer decoders.Put(d)
	if err := d.decode(line); err != nil {
		return err
	}
	if conns == nil {
		conns = linking.InferConnections()
	}
	d.account(a, conns)
	return nil
}

// account fills a from the decoded line.
func (d *lineDecoder) account(a *linking.Account, conns *linking.Connections) {
	text, ends := d.assemble()
	r, x := d.record(string(text), ends, conns)
	*a = r.account(conns, x)
}

// userID returns the decoded line's user id as assemble makes it: user_id,
// else provider|id of the user's own identity. Good until the next line.
func (d *lineDecoder) userID() []byte {
	if !empty(d.f.userID) || len(d.ids) == 0 || empty(d.ids[0].provider) || empty(d.ids[0].userID) {
		return d.str(d.f.userID)
	}
	own := d.ids[0]
	d.out = append(append(append(d.out[:0], d.str(own.provider)...), '|'), d.str(own.userID)...)
	return d.out
}

// hasEmail reports whether the line carries any email to group by.
func (d *lineDecoder) hasEmail() bool {
	if !empty(d.f.profile.email) {
		return true
	}
	for i := 1; i < len(d.ids); i++ {
		if !empty(d.ids[i].profile.email) {
			return true
		}
	}
	return false
}
