package termsafe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileText holds one of each thing a terminal acts on or hides: escape
// sequences (CSI, OSC with BEL), C0 and C1 controls, DEL, bidi override and
// isolate, zero-width characters, a line separator, a filler, a tag.
const hostileText = "Eve\x1b[2J\x1b]0;pwned\x07\r\n\t\u009b31m\x7f \u202enimda\u202c\u2066x\u2069\u200b\u200d\ufeff\u2028\u3164\U000E0001 Zoë 山田 🙂"

// terminalSafe reports the first rune of s a terminal would act on, if any.
func terminalSafe(s string) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, false
	}
	for _, r := range s {
		if ActsOnTerminal(r) {
			return r, false
		}
	}
	return 0, true
}

func TestPrintableLeavesNothingForTheTerminal(t *testing.T) {
	got := Printable(hostileText + "\xff")
	if r, ok := terminalSafe(got); !ok {
		t.Fatalf("printable left %U in %q", r, got)
	}
	if !strings.Contains(got, "Zoë 山田 🙂") || Printable("alice@example.com") != "alice@example.com" {
		t.Errorf("printable changed what a terminal only shows: %q", got)
	}
}

func TestTerminalJSONKeepsTheValueWhateverTheWrites(t *testing.T) {
	raw, err := json.Marshal(map[string]any{"name": hostileText, "plain": "alice@example.com", "n": 5})
	if err != nil {
		t.Fatal(err)
	}
	// Every way of cutting the text in two writes, a multi-byte rune included.
	for cut := 0; cut <= len(raw); cut++ {
		var out bytes.Buffer
		w := TerminalJSON(&out)
		for _, part := range [][]byte{raw[:cut], raw[cut:]} {
			if n, err := w.Write(part); err != nil || n != len(part) {
				t.Fatalf("write: %d %v", n, err)
			}
		}
		if r, ok := terminalSafe(out.String()); !ok {
			t.Fatalf("cut at %d: %U reached the output %q", cut, r, out.String())
		}
		var a, b any
		if json.Unmarshal(raw, &a) != nil || json.Unmarshal(out.Bytes(), &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("cut at %d: %s does not decode to %s", cut, out.Bytes(), raw)
		}
	}
	// Indented JSON keeps its layout; plain text is left as it is.
	indented, err := json.MarshalIndent(map[string]any{"name": hostileText, "plain": "Zoë"}, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	TerminalJSON(&out).Write(indented)
	var a, b any
	if json.Unmarshal(out.Bytes(), &b) != nil || json.Unmarshal(indented, &a) != nil || !reflect.DeepEqual(a, b) || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("indented JSON: %s", out.Bytes())
	}
	if r, ok := terminalSafe(strings.ReplaceAll(strings.ReplaceAll(out.String(), "\n", ""), "\t", "")); !ok {
		t.Errorf("%U left in %s", r, out.Bytes())
	}
	out.Reset()
	TerminalJSON(&out).Write([]byte(`{"plain":"Zoë"}`))
	if out.String() != `{"plain":"Zoë"}` {
		t.Errorf("plain JSON changed: %s", out.String())
	}
}

func TestDisplayJSONKeepsTheValue(t *testing.T) {
	raw := mustMarshal(map[string]any{"name": "Eve \u202enimda\u200b\x1b[2J\u0007 \U000E0001"})
	shown := DisplayJSON(raw)
	for _, bad := range []string{"\u202e", "\u200b", "\x1b", "\u0007", "\U000E0001"} {
		if strings.Contains(shown, bad) {
			t.Errorf("%q left in %s", bad, shown)
		}
	}
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal([]byte(shown), &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("displayed JSON %s does not decode to the sent value %s", shown, raw)
	}
}

func mustMarshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// TestNeedsDisplayFindsEveryByteInEveryLane puts each byte value, and each
// rune of hostileText, at every offset of plain ASCII text long enough for
// the eight-byte fast path, and checks the answer rune by rune.
func TestNeedsDisplayFindsEveryByteInEveryLane(t *testing.T) {
	want := func(p []byte) bool {
		for len(p) > 0 {
			r, size := utf8.DecodeRune(p)
			if r == utf8.RuneError || r != '\n' && r != '\t' && r != '\r' && ActsOnTerminal(r) {
				return true
			}
			p = p[size:]
		}
		return false
	}
	var pieces [][]byte
	for c := range 256 {
		pieces = append(pieces, []byte{byte(c)})
	}
	for _, r := range hostileText + "é山🙂\ufffd" {
		pieces = append(pieces, []byte(string(r)))
	}
	plain := []byte(`{"email":"alice@example.com","x":[1]}`)
	for _, piece := range pieces {
		for at := 0; at <= 17; at++ {
			p := append(append(append([]byte(nil), plain[:at]...), piece...), plain[at:]...)
			if got := needsDisplay(p); got != want(p) {
				t.Fatalf("needsDisplay(%q) = %v", p, got)
			}
		}
	}
}

func TestPrintableASCIIFindsEveryByteInEveryLane(t *testing.T) {
	for c := range 256 {
		for n := 0; n <= 17; n++ {
			for at := 0; at <= n; at++ {
				s := strings.Repeat("a", at) + string([]byte{byte(c)}) + strings.Repeat("b", n-at)
				if got, want := PrintableASCII(s), c >= 0x20 && c < 0x7f; got != want {
					t.Fatalf("PrintableASCII(%q) = %v", s, got)
				}
			}
		}
	}
}

// A name holding a byte of invalid UTF-8 (a Latin-1 "é" in an imported
// profile) reads on the command line as the TUI draws it, "Ren�", not as
// the six characters of its escape; the JSON value is the same either way.
func TestInvalidUTF8ShowsAsTheReplacementCharacter(t *testing.T) {
	for in, want := range map[string]string{
		"Ren\xe9 Yılmaz \xff\xfe": "Ren� Yılmaz ��",
		"Ren\ufffd":               "Ren\ufffd",
		"a\x1b[31mb":              `a\u001b[31mb`,
	} {
		if got := DisplayJSON([]byte(in)); got != want {
			t.Errorf("DisplayJSON(%q) = %q, want %q", in, got, want)
		}
	}
	var v string
	if err := json.Unmarshal([]byte(DisplayJSON([]byte(`"Ren`+"\xe9"+`"`))), &v); err != nil || v != "Ren\ufffd" {
		t.Errorf("the JSON value changed: %q %v", v, err)
	}
}
