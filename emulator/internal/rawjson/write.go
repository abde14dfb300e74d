package rawjson

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// TimeLayout is how Auth0 writes timestamps: RFC 3339 in UTC with milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Writer appends the members of one JSON object to B, commas included; the
// caller writes the braces.
type Writer struct {
	B     []byte
	count int
}

// Mark is a place in a Writer to go back to, for a member that turns out
// to have no value.
type Mark struct{ n, count int }

// Mark returns the place after the members written so far.
func (w *Writer) Mark() Mark { return Mark{len(w.B), w.count} }

// Reset forgets whatever was written after m.
func (w *Writer) Reset(m Mark) { w.B, w.count = w.B[:m.n], m.count }

// Key writes the member name k (and the comma before it, if needed).
func (w *Writer) Key(k string) {
	if w.count > 0 {
		w.B = append(w.B, ',')
	}
	w.count++
	w.B = AppendString(w.B, k)
	w.B = append(w.B, ':')
}

func (w *Writer) Str(k, v string) {
	w.Key(k)
	w.B = AppendString(w.B, v)
}

func (w *Writer) Raw(k string, v json.RawMessage) {
	w.Key(k)
	w.B = append(w.B, v...)
}

func (w *Writer) Time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.Key(k)
	w.B = append(w.B, '"')
	w.B = t.UTC().AppendFormat(w.B, TimeLayout)
	w.B = append(w.B, '"')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string the way encoding/json does without
// HTML escaping: control characters escaped, invalid UTF-8 replaced by U+FFFD,
// U+2028 and U+2029 escaped.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\uFFFD' && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
