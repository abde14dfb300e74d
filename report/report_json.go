package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/internal/swar"
	"github.com/linkdesk/linkdesk/linking"
)

// auth0Time is how timestamps are written: Auth0's own RFC 3339 layout.
const auth0Time = "2006-01-02T15:04:05.000Z"

// WriteJSON writes the report as version 1 of the scan report
// (ARCHITECTURE.md, "Contracts"), one group at a time, so that a large
// report never exists twice in memory.
// Beyond the contract it carries connection (the narrowing, or null),
// skipped_lines, line_errors, counts, single_accounts (an email scan's
// account alone on its address), each group's primary_reasons, each
// account's username, phone_number and name, and each linked identity's
// email. Tenant strings are written as they are, JSON-escaped (invalid UTF-8
// becomes U+FFFD, as encoding/json does).
func WriteJSON(w io.Writer, r *linking.Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	j := jsonWriter{}
	j.open('{')
	j.intField("version", int64(r.Version))
	j.strField("tenant", r.Tenant)
	j.key("scanned_at")
	j.str(r.ScannedAt.UTC().Format(time.RFC3339))
	j.strField("method", r.Method)
	j.key("connection")
	j.strOrNull(r.Connection)
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
		gw := jsonWriter{b: append(b, '\n')}
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
			j.account(a)
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

func (j *jsonWriter) group(g *linking.Group) {
	j.open('{')
	j.strField("email", g.Email)
	j.strField("class", string(g.Class))
	j.boolField("missed_by_extension", g.MissedByExtension)
	j.key("recommended_primary")
	j.strOrNull(g.RecommendedPrimary)
	j.strList("primary_reasons", g.PrimaryReasons)
	j.strList("reasons", g.Reasons)
	j.key("accounts")
	j.open('[')
	for _, a := range g.Accounts {
		j.account(a)
	}
	j.close(']')
	j.close('}')
}

func (j *jsonWriter) account(a *linking.Account) {
	j.open('{')
	j.strField("user_id", a.UserID)
	j.strField("connection", a.Connection)
	j.strField("provider", a.Provider)
	j.strField("strategy", a.Strategy)
	j.key("primary_identifier")
	j.open('{')
	j.strField("type", a.Identifier.Type)
	j.strField("value", a.Identifier.Value)
	j.close('}')
	j.strField("email", a.Email)
	j.boolField("email_verified", a.EmailVerified)
	j.strField("username", a.Username)
	j.strField("phone_number", a.PhoneNumber)
	j.strField("name", a.Name)
	j.intField("logins_count", a.LoginsCount)
	j.timeField("last_login", a.LastLogin)
	j.timeField("created_at", a.CreatedAt)
	j.key("linked_identities")
	j.open('[')
	for _, l := range a.Linked {
		j.open('{')
		j.strField("provider", l.Provider)
		j.strField("user_id", l.UserID)
		j.strField("connection", l.Connection)
		j.strField("email", l.Email)
		j.close('}')
	}
	j.close(']')
	j.close('}')
}

// jsonWriter appends JSON to b, placing commas itself.
type jsonWriter struct {
	b     []byte
	comma bool // the next value or key needs a comma before it
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

func (j *jsonWriter) boolField(k string, v bool) {
	j.key(k)
	j.sep()
	j.b = strconv.AppendBool(j.b, v)
}

func (j *jsonWriter) timeField(k string, t time.Time) {
	j.key(k)
	if t.IsZero() {
		j.strOrNull("")
		return
	}
	j.sep()
	j.b = append(j.b, '"')
	j.b = linking.AppendAuth0Time(j.b, t)
	j.b = append(j.b, '"')
}

func (j *jsonWriter) strList(k string, list []string) {
	j.key(k)
	j.open('[')
	for _, s := range list {
		j.str(s)
	}
	j.close(']')
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
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		// Eight bytes at a time while they are printable ASCII other than
		// quote and backslash, which is nearly every byte a tenant holds.
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if w&swar.HighBits == 0 && !swar.HasLess(w, 0x20) && !swar.HasZero(w^(swar.LowBits*'"')) && !swar.HasZero(w^(swar.LowBits*'\\')) {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonUnsafe[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
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
