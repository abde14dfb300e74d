package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/termsafe"
)

func TestFitCutsByDisplayWidth(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"alice@example.com", 20, "alice@example.com"},
		{"alice@example.com", 10, "alice@exa…"},
		{"山田太郎@example.jp", 6, "山田…"},
		{"\x1b]0;pwned\x07Mallory", 5, "⍰Mal…"},
		{"anything", 0, ""},
		{strings.Repeat("Hubert ", 200000), 12, "Hubert Hube…"},
		{strings.Repeat("\u0301", 100000), 3, strings.Repeat("\u0301", 20) + "…"},
	}
	for _, tt := range tests {
		got := Fit(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Fit(%.20q, %d) = %.40q, want %.40q", tt.in, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); w > tt.width {
			t.Errorf("Fit(%.20q, %d) is %d cells wide", tt.in, tt.width, w)
		}
	}
}

func TestPadIsExactlyTheWidth(t *testing.T) {
	for _, s := range []string{"", "a", "山田", "\x1b[2Jx", strings.Repeat("x", 50)} {
		if got := Pad(s, 10); ansi.StringWidth(got) != 10 {
			t.Errorf("Pad(%q, 10) = %q: %d cells", s, got, ansi.StringWidth(got))
		}
		if got := PadLeft(s, 10); ansi.StringWidth(got) != 10 {
			t.Errorf("PadLeft(%q, 10) = %q: %d cells", s, got, ansi.StringWidth(got))
		}
	}
}

func TestWrapKeepsLinesInWidthAndBoundsAHugeString(t *testing.T) {
	lines := Wrap(strings.Repeat("word ", 1<<18)+"\x1b[2J", 40, 3)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("line %q is wider than 40", l)
		}
	}
	if !strings.HasSuffix(lines[2], Ellipsis) {
		t.Errorf("last line %q does not say it was cut", lines[2])
	}
}

// FuzzFit holds what a cell shows of a tenant string: never wider than the
// cell, and nothing a terminal would act on.
func FuzzFit(f *testing.F) {
	for _, s := range emulatortest.HostileStrings() {
		f.Add(s, 12)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width % 200
		if width < 0 {
			width = -width
		}
		fit := Fit(s, width)
		if w := ansi.StringWidth(fit); w > width {
			t.Fatalf("Fit(%q, %d) = %q is %d cells wide", s, width, fit, w)
		}
		// Sanitize leaves safe text as it is: what it would change is what a
		// terminal would act on (termsafe's own tests hold that).
		if termsafe.Sanitize(fit) != fit {
			t.Fatalf("Fit(%q, %d) = %q holds what a terminal acts on", s, width, fit)
		}
	})
}

func TestFitColumnsGivesUpInOrder(t *testing.T) {
	cols := []Column{
		{Want: 20, Min: 10, Shrink: 2},         // identifier: cut after the connection went
		{Want: 30, Min: 14, Shrink: 1},         // user id: cut last
		{Want: 16, Min: 8, Shrink: 4, Drop: 3}, // connection: cut, then dropped
		{Want: 10, Min: 10, Drop: 5},           // last login: dropped first
	}
	tests := []struct {
		width int
		want  []int
	}{
		{100, []int{20, 30, 16, 10}},
		{78, []int{20, 30, 16, 0}}, // the date goes first
		{60, []int{20, 30, 8, 0}},  // then the connection shrinks
		{55, []int{20, 30, 0, 0}},  // and goes
		{45, []int{14, 30, 0, 0}},  // then the identifier shrinks
		{30, []int{10, 19, 0, 0}},  // only then the user id
	}
	for _, tt := range tests {
		got := FitColumns(cols, tt.width, 1)
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("width %d: %v, want %v", tt.width, got, tt.want)
				break
			}
		}
	}
}

// A line breaks at a space, never inside a date or a hyphenated word.
func TestWrapBreaksAtSpacesNotAtHyphens(t *testing.T) {
	text := "auth0|5f1a: verified email, 310 logins (most), last login 2026-09-17, created 2020-07-21 (oldest), password-change"
	for width := 20; width <= 60; width++ {
		lines := Wrap(text, width, 0)
		for _, l := range lines {
			if Width(l) > width {
				t.Fatalf("width %d: line %q is wider", width, l)
			}
			if strings.HasSuffix(l, "-") {
				t.Fatalf("width %d: a line breaks at a hyphen: %q", width, lines)
			}
		}
		if got := strings.Join(lines, " "); strings.ReplaceAll(got, "  ", " ") != text {
			t.Fatalf("width %d: the words changed: %q", width, got)
		}
	}
	if got := Wrap("a-b\u2011c-d", 3, 0); strings.Join(got, "") != "a-b\u2011c-d" {
		t.Fatalf("a text holding a non-breaking hyphen lost it: %q", got)
	}
}

// Text left over past maxLines ends the last line in one "…", whether that
// line is full or short.
func TestWrapMarksLeftoverTextOnce(t *testing.T) {
	for _, tc := range []struct {
		text  string
		width int
	}{
		{"aaaa bbbb cc dddddddddd", 10}, // the second line is short: "dddddddddd" goes to a third
		{"aaaa bbbb cccc dddd eeee ffff", 9},
	} {
		lines := Wrap(tc.text, tc.width, 2)
		last := lines[len(lines)-1]
		if strings.Count(last, Ellipsis) != 1 || !strings.HasSuffix(last, Ellipsis) || Width(last) > tc.width {
			t.Errorf("Wrap(%q, %d, 2) = %q", tc.text, tc.width, lines)
		}
	}
}

func TestFitMiddleKeepsTheStartAndTheEnd(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"google-oauth2", 20, "google-oauth2"},
		{"Username-Password-Authentication", 22, "Username-Pass…tication"},
		{"google-oauth2", 11, "google…uth2"},
		{"山田太郎山田太郎", 7, "山田…郎"},
		{"ab日本語cd", 6, "ab…cd"},
		{"evil\x1b]0;pwned\x07-db", 7, "evil…db"},
		{"anything", 2, "a…"},
		{strings.Repeat("Hubert ", 200000) + "end", 12, "Hubert … end"},
	}
	for _, tt := range tests {
		got := FitMiddle(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("FitMiddle(%.20q, %d) = %.40q, want %.40q", tt.in, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); w > tt.width {
			t.Errorf("FitMiddle(%.20q, %d) is %d cells wide", tt.in, tt.width, w)
		}
	}
}

// partsCase is a row of parts cut to a width, and what it reads.
type partsCase struct {
	parts []string
	width int
	want  string
}

// checkParts fails where fit (named name) lays out a case otherwise, or
// wider than its width.
func checkParts(t *testing.T, name string, fit func([]string, string, int) string, tests []partsCase) {
	t.Helper()
	for _, tt := range tests {
		got := fit(tt.parts, " + ", tt.width)
		if got != tt.want {
			t.Errorf("%s(%q, %d) = %q, want %q", name, tt.parts, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); w > tt.width {
			t.Errorf("%s(%q, %d) is %d cells wide", name, tt.parts, tt.width, w)
		}
	}
}

// TestFitPartsShowsEveryPart: a combination too wide for its cell keeps
// every part, the widest cut in their middle first, the narrow ones whole;
// too many parts for that are cut at the end.
func TestFitPartsShowsEveryPart(t *testing.T) {
	upa := "Username-Password-Authentication"
	checkParts(t, "FitParts", FitParts, []partsCase{
		{[]string{upa, "github"}, 60, upa + " + github"},
		{[]string{upa, "google-oauth2"}, 38, "Username-Pass…tication + google-oauth2"},
		{[]string{upa, "acme-corp", "google-oauth2"}, 38, "Usernam…tion + acme-corp + google…uth2"},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, 20, "a + b + c + d + e +…"},
		{[]string{"evil\x1b[2J-db", upa}, 24, "evil⍰-db + Username…tion"},
	})
}

// TestFitPartsEndCutsANameAtItsEnd: in a table's column a long name is
// cut at its end with …, by cells, after it is sanitized (an escape
// sequence is one placeholder, a wide character is never split), the
// narrow names whole; parts too many to keep minPartEnd cells each are
// counted, the first ones shown.
func TestFitPartsEndCutsANameAtItsEnd(t *testing.T) {
	upa := "Username-Password-Authentication"
	checkParts(t, "FitPartsEnd", FitPartsEnd, []partsCase{
		{[]string{upa, "github"}, 60, upa + " + github"},
		{[]string{upa, "google-oauth2"}, 38, "Username-Password-Aut… + google-oauth2"},
		{[]string{upa, "acme-corp", "google-oauth2"}, 38, "Username-Pa… + acme-corp + google-oau…"},
		{[]string{upa, "github", "google-oauth2"}, 16, "Username-Pas… +2"},
		{[]string{upa, "github"}, 16, "Userna… + github"},
		{[]string{upa, "github"}, 11, "Usernam… +1"},
		{[]string{"東京本社データベース", "github"}, 16, "東京本… + github"}, // 7 cells: a wide character is not split
		{[]string{"evil\x1b[2J\x1b]0;pwned\x07-db", upa}, 24, "evil⍰⍰-db + Username-Pa…"},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, 20, "a + b + c + d + e +6"},
		{[]string{upa}, 4, "Use…"},
	})
}

// TestFitTenantKeepsThePort: two sandboxes on one host differ by their
// port alone, so a tenant's address cut to fit keeps its port whole.
func TestFitTenantKeepsThePort(t *testing.T) {
	for _, tt := range []struct {
		in    string
		width int
		want  string
	}{
		{"127.0.0.1:35417", 15, "127.0.0.1:35417"},
		{"127.0.0.1:35417", 12, "127.0…:35417"},
		{"127.0.0.1:35417", 8, "…:35417"},
		{"127.0.0.1:35417", 6, "127.0…"},
		{"sandbox (127.0.0.1:35417)", 14, "sandbo…:35417)"},
		{"acme-prod.eu.auth0.com", 12, "acme-prod.e…"},
		{"acme-prod.eu.auth0.com:", 12, "acme-prod.e…"},
		{"\x1b]0;pwned\x07evil.example:8443", 12, "⍰evil.…:8443"},
	} {
		got := FitTenant(tt.in, tt.width)
		if got != tt.want || ansi.StringWidth(got) > tt.width {
			t.Errorf("FitTenant(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
