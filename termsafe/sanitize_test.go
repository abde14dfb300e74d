package termsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII is untouched", "alice@example.com", "alice@example.com"},
		{"accents and CJK are kept", "Zoë 山田", "Zoë 山田"},
		{"window title (OSC 0, BEL)", "\x1b]0;pwned\x07Mallory", "⍰Mallory"},
		{"clipboard write (OSC 52, ST)", "Eve\x1b]52;c;Y3VybA==\x1b\\", "Eve⍰"},
		{"clear screen and home (CSI)", "Bob\x1b[2J\x1b[H", "Bob⍰⍰"},
		{"cursor up and erase line", "x\x1b[1A\x1b[2K\x1b[10Dverified admin", "x⍰⍰⍰verified admin"},
		{"colour (SGR)", "\x1b[31mred\x1b[0m", "⍰red⍰"},
		{"DCS up to ST", "a\x1bPq#0;2;0;0;0\x1b\\b", "a⍰b"},
		{"APC up to ST", "a\x1b_Gf=24;AAAA\x1b\\b", "a⍰b"},
		{"unterminated OSC eats the rest", "a\x1b]0;title", "a⍰"},
		{"two-byte ESC sequence", "a\x1bcb", "a⍰b"},
		{"lone ESC at the end", "a\x1b", "a⍰"},
		{"C1 CSI (U+009B) with its parameters", "a\u009b31mb", "a⍰b"},
		{"C1 OSC (U+009D) up to BEL", "a\u009d0;x\x07b", "a⍰b"},
		{"other C1 control", "a\u0085b", "a\uFFFDb"},
		{"newline and carriage return", "a\nuser_id: admin\r\n", "a␊user_id: admin␍␊"},
		{"NUL, BEL, BS, DEL", "a\x00\x07\x08\x7fb", "a␀␇␈␡b"},
		{"tab", "a\tb", "a␉b"},
		{"bidi override", "Eve \u202enimda\u202c", "Eve ⍰nimda⍰"},
		{"bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c", "⍰a⍰⍰⍰⍰"},
		{"zero-width characters and BOM", "\u200bEve\u200d\ufeff", "⍰Eve⍰⍰"},
		{"soft hyphen and word joiner", "a\u00adb\u2060c", "a⍰b⍰c"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a⍰b⍰c"},
		{"invalid UTF-8", "Ren\xe9 \xff\xfe", "Ren\uFFFD \uFFFD\uFFFD"},
		{"truncated UTF-8 at the end", "ab\xe2\x82", "ab\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1 (ESC included)
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c: // bidi
		return true
	case r == 0x200b, r == 0x200c, r == 0x200d, r == 0xfeff, r == 0x2028, r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

func FuzzSanitize(f *testing.F) {
	for _, s := range emulatortest.HostileStrings() {
		f.Add(s, 12)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("Sanitize(%q) = %q holds %U", s, out, r)
			}
		}
		if IsPlain(s) && out != s {
			t.Fatalf("Sanitize changed plain text %q to %q", s, out)
		}
		// The bounded form agrees with the whole one up to where it stops.
		var b strings.Builder
		limit := width % 64
		if limit < 0 {
			limit = -limit
		}
		if cut := SanitizeInto(&b, s, limit); !strings.HasPrefix(out, b.String()) || !cut && b.String() != out {
			t.Fatalf("SanitizeInto(%q, %d) = %q (cut %v), Sanitize = %q", s, limit, b.String(), cut, out)
		}
	})
}
