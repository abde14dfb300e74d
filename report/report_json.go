package report

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/linkdesk/linkdesk/internal/swar"
	"github.com/linkdesk/linkdesk/linking"
)

// auth0Time is how timestamps are written: Auth0's own RFC 3339 layout.
const auth0Time = "2006-01-02T15:04:05.000Z"

// WriteJSON writes the report as version 1 of the scan report
// (ARCHITECTURE.md, "Contracts"), one group at a time, so that a large
// report never exists twice in memory.
// Beyond the contract it carries connection (the narrowing, or null), email
// (the address an email scan asked for, or null),
// skipped_lines, line_errors, accounts_with_unusable_email and
// unusable_emails (the accounts holding an email that groups with nothing:
// not an address, or one that lost a character), counts, single_accounts (an email scan's
// account alone on its address), each group's primary_reasons, each
// account's named_by (linking.NamedBy: its primary identifier, or the
// username that tells one of a legacy database's profiles of one email
// apart), username, phone_number and name, and each linked identity's
// email. Tenant strings are written as they are, JSON-escaped (invalid UTF-8
// becomes U+FFFD, as encoding/json does).
func WriteJSON(w io.Writer, r *linking.Report) error { return WriteJSONWith(w, r, nil) }

// WriteJSONWith is WriteJSON knowing the connections the report was scanned
// with: each linked identity then carries primary_identifier too (additive),
// who it was on its connection by its old profile, as an account's is (a
// family member linked into another account: its username).
func WriteJSONWith(w io.Writer, r *linking.Report, conns *linking.Connections) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	j := jsonWriter{conns: conns}
	j.open('{')
	j.intField("version", int64(r.Version))
	j.strField("tenant", r.Tenant)
	j.key("scanned_at")
	j.str(r.ScannedAt.UTC().Format(time.RFC3339))
	j.strField("method", r.Method)
	j.intField("api_calls", int64(r.APICalls)) // 0 for a report read from a file
	j.key("connection")
	j.strOrNull(r.Connection)
	j.key("email")
	j.strOrNull(r.Email)
	j.intField("users_scanned", int64(r.UsersScanned))
	j.intField("accounts_with_email", int64(r.AccountsWithEmail))
	j.intField("skipped_lines", int64(r.SkippedLines))
	j.key("line_errors")
	j.open('[')
	for _, e := range r.LineErrors {
		j.open('{')
		j.intField("line", e.Line)
		j.strField("error", e.Error)
		j.close('}')
	}
	j.close(']')
	j.intField("accounts_with_unusable_email", int64(r.AccountsWithUnusableEmail))
	j.key("unusable_emails")
	j.open('[')
	for _, e := range r.UnusableEmails {
		j.open('{')
		j.strField("user_id", e.UserID)
		j.strField("email", e.Email)
		j.strField("error", e.Error)
		j.close('}')
	}
	j.close(']')
	j.key("counts")
	j.open('{')
	counts := r.Counts()
	for _, c := range linking.Classes {
		j.intField(string(c), int64(counts[c]))
	}
	j.close('}')
	j.key("groups")
	j.open('[')
	if _, err := bw.Write(j.b); err != nil {
		return err
	}
	err := writeGroups(bw, r.Groups, func(b []byte, i int, g *linking.Group) []byte {
		if i > 0 {
			b = append(b, ',')
		}
		gw := jsonWriter{b: append(b, '\n'), conns: conns}
		gw.group(g)
		return gw.b
	})
	if err != nil {
		return err
	}
	j.b = append(j.b[:0], '\n')
	j.close(']')
	if len(r.Single) > 0 { // additive: an email scan's account alone on its address
		j.key("single_accounts")
		j.open('[')
		for _, a := range r.Single {
			j.sep()
			j.b = appendAccount(j.b, a, a.Identifier, conns)
			j.comma = true
		}
		j.close(']')
	}
	j.close('}')
	j.b = append(j.b, '\n')
	if _, err := bw.Write(j.b); err != nil {
		return err
	}
	return bw.Flush()
}

// group and account write their fixed keys as constants with the
// punctuation around them: no comma bookkeeping for a million accounts.
func (j *jsonWriter) group(g *linking.Group) {
	b := append(j.b, `{"email":`...)
	b = appendJSONString(b, g.Email)
	b = append(b, `,"class":`...)
	b = appendJSONString(b, string(g.Class))
	b = append(b, `,"missed_by_extension":`...)
	b = strconv.AppendBool(b, g.MissedByExtension)
	b = append(b, `,"recommended_primary":`...)
	if g.RecommendedPrimary == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, g.RecommendedPrimary)
	}
	b = append(b, `,"primary_reasons":`...)
	b = appendJSONList(b, g.PrimaryReasons)
	b = append(b, `,"reasons":`...)
	b = appendJSONList(b, g.Reasons)
	b = append(b, `,"accounts":[`...)
	names := linking.NamedBy(g)
	for i, a := range g.Accounts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendAccount(b, a, nameOf(names, i, a), j.conns)
	}
	j.b = append(b, "]}"...)
	j.comma = true
}

// appendAccount writes one account, named (named_by) by named; with conns,
// its linked identities' primary identifiers too.
func appendAccount(b []byte, a *linking.Account, named linking.PrimaryIdentifier, conns *linking.Connections) []byte {
	b = append(b, `{"user_id":`...)
	b = appendJSONString(b, a.UserID)
	b = append(b, `,"connection":`...)
	b = appendJSONString(b, a.Connection)
	b = append(b, `,"provider":`...)
	b = appendJSONString(b, a.Provider)
	b = append(b, `,"strategy":`...)
	b = appendJSONString(b, a.Strategy)
	b = append(b, `,"primary_identifier":`...)
	b = appendIdentifier(b, a.Identifier)
	b = append(b, `,"named_by":`...)
	b = appendIdentifier(b, named)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, a.Email)
	b = append(b, `,"email_verified":`...)
	b = strconv.AppendBool(b, a.EmailVerified)
	b = append(b, `,"blocked":`...)
	b = strconv.AppendBool(b, a.Blocked)
	b = append(b, `,"username":`...)
	b = appendJSONString(b, a.Username)
	b = append(b, `,"phone_number":`...)
	b = appendJSONString(b, a.PhoneNumber)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"logins_count":`...)
	b = strconv.AppendInt(b, a.LoginsCount, 10)
	b = append(b, `,"last_login":`...)
	b = appendJSONTime(b, a.LastLogin)
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, a.CreatedAt)
	b = append(b, `,"linked_identities":[`...)
	for i, l := range a.Linked {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"provider":`...)
		b = appendJSONString(b, l.Provider)
		b = append(b, `,"user_id":`...)
		b = appendJSONString(b, l.UserID)
		b = append(b, `,"connection":`...)
		b = appendJSONString(b, l.Connection)
		b = append(b, `,"email":`...)
		b = appendJSONString(b, l.Email)
		if conns != nil {
			b = append(b, `,"primary_identifier":`...)
			b = appendIdentifier(b, l.PrimaryIdentifier(conns))
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendIdentifier(b []byte, id linking.PrimaryIdentifier) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, id.Type)
	b = append(b, `,"value":`...)
	b = appendJSONString(b, id.Value)
	return append(b, '}')
}

// nameOf is what names account i, a, of a group whose names are names
// (linking.NamedBy; nil: their primary identifiers).
func nameOf(names []linking.PrimaryIdentifier, i int, a *linking.Account) linking.PrimaryIdentifier {
	if names == nil {
		return a.Identifier
	}
	return names[i]
}

func appendJSONList(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendJSONTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = linking.AppendAuth0Time(b, t)
	return append(b, '"')
}

// jsonWriter appends JSON to b, placing commas itself.
type jsonWriter struct {
	b     []byte
	comma bool                 // the next value or key needs a comma before it
	conns *linking.Connections // nil: linked identities without their primary identifiers
}

func (j *jsonWriter) sep() {
	if j.comma {
		j.b = append(j.b, ',')
	}
	j.comma = true
}

func (j *jsonWriter) open(c byte) {
	j.sep()
	j.b = append(j.b, c)
	j.comma = false
}

func (j *jsonWriter) close(c byte) {
	j.b = append(j.b, c)
	j.comma = true
}

// key writes k as it is: keys are this file's own plain ASCII constants.
func (j *jsonWriter) key(k string) {
	j.sep()
	j.b = append(j.b, '"')
	j.b = append(j.b, k...)
	j.b = append(j.b, '"', ':')
	j.comma = false
}

func (j *jsonWriter) str(s string) {
	j.sep()
	j.b = appendJSONString(j.b, s)
}

func (j *jsonWriter) strOrNull(s string) {
	if s == "" {
		j.sep()
		j.b = append(j.b, "null"...)
		return
	}
	j.str(s)
}

func (j *jsonWriter) strField(k, v string) {
	j.key(k)
	j.str(v)
}

func (j *jsonWriter) intField(k string, v int64) {
	j.key(k)
	j.sep()
	j.b = strconv.AppendInt(j.b, v, 10)
}

// appendJSONString appends s as a JSON string. Plain text (the usual case,
// non-ASCII included) is copied as is; anything else goes through
// encoding/json (without HTML escaping), which escapes control characters and
// writes invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil {
		return append(b, `""`...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// plainJSON reports whether s can be written between quotes as it is: valid
// UTF-8 without control characters, quote, backslash, U+2028 or U+2029.
// Eight bytes at a time while they are printable ASCII other than quote and
// backslash, which is nearly every byte a tenant holds; the last word may
// overlap the one before it.
func plainJSON(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if !plainWord(binary.LittleEndian.Uint64(b[i:])) {
			return plainJSONFrom(b, i)
		}
	}
	if i == len(b) || len(b) >= 8 && plainWord(binary.LittleEndian.Uint64(b[len(b)-8:])) {
		return true
	}
	return plainJSONFrom(b, i)
}

// plainWord reports whether eight bytes are printable ASCII other than quote
// and backslash, testing the four conditions together.
func plainWord(w uint64) bool {
	q, bs := w^(swar.LowBits*'"'), w^(swar.LowBits*'\\')
	return (w|(w-swar.LowBits*0x20)&^w|(q-swar.LowBits)&^q|(bs-swar.LowBits)&^bs)&swar.HighBits == 0
}

// plainJSONFrom is plainJSON from b[i], a rune boundary, rune by rune where
// words are not plain.
func plainJSONFrom(b []byte, i int) bool {
	for i < len(b) {
		if i+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
			continue
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if jsonUnsafe[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// jsonUnsafe marks the ASCII bytes a JSON string must escape.
var jsonUnsafe = func() (t [utf8.RuneSelf]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()
