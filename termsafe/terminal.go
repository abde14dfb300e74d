package termsafe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Text and JSON for the command line: the table, the dry run and plan text, the
// CSV report, messages, and JSON bound for a terminal.

// Printable replaces what a terminal would act on rather than show: control
// and format characters (escape sequences, bidi overrides) and invalid UTF-8.
func Printable(s string) string {
	if PrintableASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || ActsOnTerminal(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// PrintableASCII reports whether s is plain printable ASCII, which needs no
// sanitizing at all (the usual case).
func PrintableASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if !printableWord(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// printableWord reports whether eight bytes are all printable ASCII (0x20
// to 0x7e), testing them together.
func printableWord(w uint64) bool {
	const low, high = 0x0101010101010101, 0x8080808080808080
	del := w ^ low*0x7f
	return (w|(w-low*0x20)&^w|(del-low)&^del)&high == 0
}

// ActsOnTerminal reports whether a terminal would act on r instead of
// showing it, or show nothing for it: control characters (C0, C1, DEL)
// and Invisible ones.
func ActsOnTerminal(r rune) bool { return unicode.IsControl(r) || Invisible(r) }

// Invisible reports the characters that draw nothing yet can reorder or
// hide text: Unicode category Cf (bidi marks, overrides and isolates,
// zero-width spaces and joiners, the BOM, soft hyphen, tags), the line and
// paragraph separators, and the few fillers that draw nothing.
func Invisible(r rune) bool {
	switch r {
	case '\u2028', '\u2029', '\u115f', '\u1160', '\u3164', '\uffa0', '\u034f', '\u180e':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// DisplayJSON returns JSON text with every character a terminal would act
// on (control and format characters: escapes, bidi overrides, zero-width)
// written as a \u escape, and every byte of invalid UTF-8 as U+FFFD (�, as
// the TUI draws it), which leaves the JSON value unchanged: such
// characters can only stand inside strings, where the escape is valid, and
// invalid UTF-8 reads as U+FFFD either way.
func DisplayJSON(raw []byte) string {
	if PrintableASCII(string(raw)) {
		return string(raw)
	}
	var b strings.Builder
	appendDisplayJSON(&b, raw)
	return b.String()
}

func appendDisplayJSON(b *strings.Builder, raw []byte) {
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case ActsOnTerminal(r):
			if r > 0xFFFF {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		default:
			b.Write(raw[i : i+size])
		}
		i += size
	}
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// TerminalJSON returns a writer that passes JSON text on to w with every
// character a terminal would act on written as a \u escape (DisplayJSON,
// as the text streams), except the whitespace between tokens (newline, tab,
// carriage return: a JSON encoder writes them nowhere else): JSON output
// keeps its values exactly, and cannot drive the terminal it is printed on.
// A UTF-8 sequence cut between two writes is held back until the next.
func TerminalJSON(w io.Writer) io.Writer { return &terminalJSON{w: w} }

type terminalJSON struct {
	w    io.Writer
	tail []byte // the start of a UTF-8 sequence cut by the last Write
}

func (t *terminalJSON) Write(p []byte) (int, error) {
	n := len(p)
	if len(t.tail) > 0 {
		p = append(t.tail, p...)
		t.tail = nil
	}
	// Keep back a multi-byte sequence the next Write may finish.
	if cut := incompleteSuffix(p); cut > 0 {
		t.tail = append([]byte(nil), p[len(p)-cut:]...)
		p = p[:len(p)-cut]
	}
	if !needsDisplay(p) {
		_, err := t.w.Write(p)
		return n, err
	}
	var b strings.Builder
	for len(p) > 0 {
		ws := bytes.IndexAny(p, "\n\t\r")
		if ws < 0 {
			appendDisplayJSON(&b, p)
			break
		}
		appendDisplayJSON(&b, p[:ws])
		b.WriteByte(p[ws])
		p = p[ws+1:]
	}
	_, err := io.WriteString(t.w, b.String())
	return n, err
}

// needsDisplay reports whether p holds anything TerminalJSON changes.
func needsDisplay(p []byte) bool {
	for i := 0; i < len(p); {
		// Eight bytes at a time while they are printable ASCII: nearly all
		// of a report, which streams through here whole.
		if i+8 <= len(p) {
			if printableWord(binary.LittleEndian.Uint64(p[i:])) {
				i += 8
				continue
			}
		}
		if p[i] < utf8.RuneSelf {
			if c := p[i]; c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError || ActsOnTerminal(r) {
			return true
		}
		i += size
	}
	return false
}

// incompleteSuffix is the length of a UTF-8 sequence started but not
// finished at the end of p (0 when p ends on a whole one).
func incompleteSuffix(p []byte) int {
	for k := 1; k <= 3 && k <= len(p); k++ {
		c := p[len(p)-k]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(p[len(p)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}
