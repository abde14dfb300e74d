package termsafe

import (
	"strings"
	"unicode/utf8"
)

// Placeholders that stand in for what a tenant string must not send to the
// terminal. They are visible on purpose: an operator should see that a
// name carried something odd, not a clean-looking forgery.
const (
	// PlaceholderEscape replaces one whole escape sequence (CSI, OSC, DCS,
	// APC, PM, SOS or a two-byte ESC sequence).
	PlaceholderEscape = "⍰"
	// PlaceholderFormat replaces an invisible format character: bidi
	// overrides and isolates, zero-width spaces and joiners, the BOM, soft
	// hyphens, line and paragraph separators.
	PlaceholderFormat = "⍰"
	// PlaceholderInvalid replaces a C1 control and each byte of invalid UTF-8.
	PlaceholderInvalid = "\uFFFD"
)

// Sanitize makes a string that came from the tenant safe to draw: escape
// sequences are removed (one placeholder each), C0 controls become their
// Unicode control pictures (␊ for a newline), DEL becomes ␡, C1 controls and
// invalid UTF-8 become �, format characters become ⍰. The result is valid
// UTF-8 and holds no byte below 0x20, no DEL, no C1 code point and no bidi
// or zero-width character. It runs at render time, never at decode time.
func Sanitize(s string) string {
	if IsPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	SanitizeInto(&b, s, -1)
	return b.String()
}

// IsPlain reports whether s is printable ASCII only: the common case, kept
// free, which Sanitize returns unchanged.
func IsPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// SanitizeInto writes the sanitized form of s to b, stopping once it has
// written limit runes (limit < 0: no limit). It reports whether it stopped
// early. The limit bounds the work a 1 MB name costs when only a column of
// it is shown.
func SanitizeInto(b *strings.Builder, s string, limit int) bool {
	written := 0
	for i := 0; i < len(s); {
		if limit >= 0 && written >= limit {
			return true
		}
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII
			b.WriteByte(c)
			i++
			written++
			continue
		}
		if c == 0x1b {
			i = skipEscape(s, i)
			b.WriteString(PlaceholderEscape)
			written++
			continue
		}
		if c < 0x20 {
			b.WriteRune(0x2400 + rune(c)) // control pictures: ␀ … ␟
			i++
			written++
			continue
		}
		if c == 0x7f {
			b.WriteRune('\u2421') // ␡
			i++
			written++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(PlaceholderInvalid)
			i++
			written++
			continue
		}
		switch {
		case r >= 0x80 && r <= 0x9f:
			if isC1Introducer(r) {
				i = skipC1Sequence(s, i+size, r)
				b.WriteString(PlaceholderEscape)
			} else {
				b.WriteString(PlaceholderInvalid)
				i += size
			}
		case isFormat(r):
			b.WriteString(PlaceholderFormat)
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
		written++
	}
	return false
}

// isFormat reports the invisible characters that can reorder or hide text.
func isFormat(r rune) bool { return Invisible(r) }

func isC1Introducer(r rune) bool {
	switch r {
	case 0x9b, 0x9d, 0x90, 0x9f, 0x9e, 0x98: // CSI, OSC, DCS, APC, PM, SOS
		return true
	}
	return false
}

// skipEscape returns the index just after the escape sequence that starts
// with ESC at s[i]. An unterminated sequence runs to the end of s.
func skipEscape(s string, i int) int {
	i++ // ESC
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: up to BEL (OSC) or ST
		return skipString(s, i+1, s[i] == ']')
	}
	// ESC, intermediates 0x20–0x2F, then one final byte (ESC 7, ESC ( B, ESC c…).
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

func skipC1Sequence(s string, i int, intro rune) int {
	if intro == 0x9b {
		return skipCSI(s, i)
	}
	return skipString(s, i, intro == 0x9d)
}

// skipCSI skips parameter and intermediate bytes up to and including the
// final byte (0x40–0x7E). Anything else ends the sequence where it stands.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3f: // parameters and intermediates
			i++
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		default:
			return i
		}
	}
	return i
}

// skipString skips a control string up to its terminator: ST (ESC \ or
// U+009C), or BEL for OSC. Without a terminator it runs to the end.
func skipString(s string, i int, bel bool) int {
	for i < len(s) {
		switch {
		case bel && s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		}
		i++
	}
	return i
}
