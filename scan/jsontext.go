package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/internal/swar"
)

// SyntaxError is a malformed export line: where (a byte offset) and what.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Offset+1, e.Msg) }

// jsonText is a cursor over one line of JSON: the primitives of the export
// decoder. It decodes strings it is asked for and skips everything else with
// a structural check (strings closed, brackets matched) rather than token by
// token, which is what makes skipping metadata cheap.
type jsonText struct {
	b     []byte
	i     int
	stack []byte // open brackets while skipping
}

func (t *jsonText) fail(format string, args ...any) error {
	return &SyntaxError{Offset: t.i, Msg: fmt.Sprintf(format, args...)}
}

func (t *jsonText) ws() {
	if t.i < len(t.b) && t.b[t.i] > ' ' {
		return // compact JSON, the usual case
	}
	for t.i < len(t.b) {
		switch t.b[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (t *jsonText) peek() byte {
	t.ws()
	if t.i >= len(t.b) {
		return 0
	}
	return t.b[t.i]
}

// expect consumes c (after white space) or fails naming what was expected.
func (t *jsonText) expect(c byte, what string) error {
	if t.peek() != c {
		return t.unexpected(what)
	}
	t.i++
	return nil
}

func (t *jsonText) unexpected(what string) error {
	if t.i >= len(t.b) {
		return t.fail("line ends where %s was expected (cut short?)", what)
	}
	return t.fail("expected %s, found %q", what, t.b[t.i])
}

// members walks the object at the cursor, calling member for each key with
// the cursor on its value; member must consume the value.
func (t *jsonText) members(d *lineDecoder, member func(d *lineDecoder, key []byte) error) error {
	return t.walk('{', '}', "an object", func() error {
		if t.peek() != '"' {
			return t.unexpected("a quoted key")
		}
		key, err := t.str(&d.keyBuf)
		if err != nil {
			return err
		}
		if err := t.expect(':', "':' after a key"); err != nil {
			return err
		}
		if t.peek() == 0 {
			return t.unexpected("a value")
		}
		return member(d, key)
	})
}

// elements walks the array at the cursor, calling element with the cursor on
// each value; element must consume it.
func (t *jsonText) elements(d *lineDecoder, element func(d *lineDecoder) error) error {
	return t.walk('[', ']', "an array", func() error {
		if t.peek() == 0 {
			return t.unexpected("a value")
		}
		return element(d)
	})
}

// walk reads a container: open, items separated by commas, close.
func (t *jsonText) walk(open, close byte, what string, item func() error) error {
	if err := t.expect(open, what); err != nil {
		return err
	}
	if t.peek() == close {
		t.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch t.peek() {
		case ',':
			t.i++
		case close:
			t.i++
			return nil
		default:
			return t.unexpected(fmt.Sprintf("',' or '%c' after a value", close))
		}
	}
}

// str reads the string at the cursor. Without escapes it returns the bytes
// inside the line itself; with escapes it unescapes into *scratch, as
// encoding/json does (lone surrogates become U+FFFD). Invalid UTF-8 is kept.
func (t *jsonText) str(scratch *[]byte) ([]byte, error) {
	t.i++ // opening quote
	start := t.i
	// Eight bytes at a time up to the first quote or backslash: the lowest
	// byte the zero-byte test marks is exact (a false mark only ever
	// follows a true one).
	for t.i+8 <= len(t.b) {
		w := binary.LittleEndian.Uint64(t.b[t.i:])
		q, bs := w^(swar.LowBits*'"'), w^(swar.LowBits*'\\')
		if m := ((q-swar.LowBits)&^q | (bs-swar.LowBits)&^bs) & swar.HighBits; m != 0 {
			t.i += bits.TrailingZeros64(m) / 8
			break
		}
		t.i += 8
	}
	for t.i < len(t.b) {
		switch t.b[t.i] {
		case '"':
			t.i++
			return t.b[start : t.i-1], nil
		case '\\':
			return t.unescape(start, scratch)
		}
		t.i++
	}
	return nil, t.fail("string not closed (line cut short?)")
}

func (t *jsonText) unescape(start int, scratch *[]byte) ([]byte, error) {
	out := append((*scratch)[:0], t.b[start:t.i]...)
	defer func() { *scratch = out[:0] }()
	for t.i < len(t.b) {
		c := t.b[t.i]
		switch c {
		case '"':
			t.i++
			return out, nil
		case '\\':
		default:
			out = append(out, c)
			t.i++
			continue
		}
		if t.i+1 >= len(t.b) {
			break
		}
		esc := t.b[t.i+1]
		t.i += 2
		switch esc {
		case '"', '\\', '/':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(t.b[t.i:])
			if !ok {
				t.i -= 2
				return nil, t.fail(`invalid \u escape in a string`)
			}
			t.i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if t.i+6 <= len(t.b) && t.b[t.i] == '\\' && t.b[t.i+1] == 'u' {
					r2, ok = hex4(t.b[t.i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					t.i += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			t.i -= 2
			return nil, t.fail(`invalid escape \%c in a string`, esc)
		}
	}
	return nil, t.fail("string not closed (line cut short?)")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skipString passes over the string at the cursor without decoding it.
func (t *jsonText) skipString() error {
	t.i++
	start := t.i
	for {
		j := bytes.IndexByte(t.b[t.i:], '"')
		if j < 0 {
			t.i = len(t.b)
			return t.fail("string not closed (line cut short?)")
		}
		q := t.i + j
		t.i = q + 1
		n := 0 // backslashes right before the quote: an odd count escapes it
		for k := q - 1; k >= start && t.b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return nil
		}
	}
}

// token returns the scalar (number or literal) at the cursor.
func (t *jsonText) token() ([]byte, error) {
	start := t.i
	for t.i < len(t.b) && !isDelimiter(t.b[t.i]) {
		t.i++
	}
	tok := t.b[start:t.i]
	if len(tok) == 0 {
		return nil, t.unexpected("a value")
	}
	if !validScalar(tok) {
		t.i = start
		return nil, t.fail("invalid value %q", truncateBytes(tok, 20))
	}
	return tok, nil
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
		return true
	}
	return false
}

// validScalar accepts the literals and anything shaped like a number; the
// exact number grammar is left to whoever reads the number.
func validScalar(tok []byte) bool {
	switch string(tok) {
	case "true", "false", "null":
		return true
	case "", "-":
		return false
	}
	for _, c := range tok {
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return tok[0] == '-' || '0' <= tok[0] && tok[0] <= '9'
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// skip passes over the value at the cursor.
func (t *jsonText) skip() error {
	switch t.peek() {
	case '"':
		return t.skipString()
	case '{', '[':
		return t.skipContainer()
	case 0:
		return t.unexpected("a value")
	}
	_, err := t.token()
	return err
}

// skipContainer passes over an object or array, checking that strings close
// and brackets match.
func (t *jsonText) skipContainer() error {
	t.stack = t.stack[:0]
	for t.i < len(t.b) {
		c := t.b[t.i]
		switch c {
		case '"':
			if err := t.skipString(); err != nil {
				return err
			}
			continue
		case '{':
			t.stack = append(t.stack, '}')
		case '[':
			t.stack = append(t.stack, ']')
		case '}', ']':
			if t.stack[len(t.stack)-1] != c {
				return t.fail("%q closes a bracket it does not match", c)
			}
			t.stack = t.stack[:len(t.stack)-1]
			if len(t.stack) == 0 {
				t.i++
				return nil
			}
		}
		t.i++
	}
	return t.fail("line ends inside an object or array (cut short?)")
}
