package linking

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"john.doe@acme.com", "john.doe@acme.com"},
		{"John.Doe@Acme.COM", "john.doe@acme.com"},
		{"  john@acme.com\t\n", "john@acme.com"},
		{"\u00a0john@acme.com\u2003", "john@acme.com"}, // Unicode spaces trimmed too
		{"JÖRG@EXAMPLE.DE", "jörg@example.de"},
		{"\u212Aelvin@x.com", "\u212Aelvin@x.com"},             // KELVIN SIGN only looks like K: another mailbox
		{"\u017Fam@x.com", "\u017Fam@x.com"},                   // so does the long s
		{"\u212Bngstr\u00f6m@x.se", "\u00e5ngstr\u00f6m@x.se"}, // ANGSTROM SIGN folds with å, outside ASCII
		{"ΣΊΣΥΦΟΣ@x.gr", "σίσυφοσ@x.gr"},                       // final and medial sigma are one key
		{"σίσυφος@x.gr", "σίσυφοσ@x.gr"},
		{"ΣΟΦΙΑ@example.com", "σοφια@example.com"}, // iota, not the ypogegrammeni of its orbit
		{"σοφια@example.com", "σοφια@example.com"},
		{"\u00b5@x.com", "\u03bc@x.com"}, // the micro sign and mu: μ, the letter
		{"\u039c@x.com", "\u03bc@x.com"},
		{"a\xffB@x.com", "a\xffb@x.com"}, // invalid UTF-8 kept as is
		{"sur\uFFFD@x.com", ""},          // a character lost in decoding: no key two mailboxes could share
		{"a b@x.com", "a b@x.com"},
		{"\"quoted@local\"@x.com", "\"quoted@local\"@x.com"},
		{"", ""},
		{"   ", ""},
		{"not-an-address", ""},
		{"@x.com", ""},
		{"john@", ""},
		{"  @  ", ""},
	}
	for _, tt := range tests {
		if got := NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeEmailDoesNotCopyNormalAddresses(t *testing.T) {
	s := "someone@example.com"
	if n := testing.AllocsPerRun(100, func() { _ = NormalizeEmail(s) }); n != 0 {
		t.Errorf("%v allocations for an already normal address", n)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"John.Doe@Acme.com", " a@b ", "ΣΊΣΥΦΟΣ@x.gr", "\u212A@x", "a\xff@x", "@", "ǅ@ǆ", "ß@ẞ.de", "İ@ı.tr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeEmail(s)
		if NormalizeEmail(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, NormalizeEmail(n))
		}
		if n == "" {
			return
		}
		if at := strings.LastIndexByte(n, '@'); at <= 0 || at == len(n)-1 {
			t.Fatalf("%q -> %q is not an address", s, n)
		}
		if strings.TrimSpace(n) != n {
			t.Fatalf("%q -> %q keeps surrounding space", s, n)
		}
		if !utf8.ValidString(s) {
			return
		}
		if !strings.EqualFold(n, strings.TrimSpace(s)) {
			t.Fatalf("%q -> %q is not the same address up to case", s, n)
		}
		if lookAlike(s) {
			return // its case variants may be spelled in ASCII: another address
		}
		// Any case variant of the address gets the same key.
		for _, v := range []string{strings.ToUpper(s), strings.ToLower(s), strings.ToTitle(s)} {
			if strings.EqualFold(v, s) && !lookAlike(v) && NormalizeEmail(v) != n {
				t.Fatalf("%q -> %q but its variant %q -> %q", s, n, v, NormalizeEmail(v))
			}
		}
	})
}

// lookAlike reports whether s holds a rune outside ASCII that case-folds
// with an ASCII letter (the KELVIN SIGN, the long s).
func lookAlike(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < utf8.RuneSelf {
				return true
			}
		}
	}
	return false
}

// EmailProblem says why an email gives no key to group by, and nothing
// for one that does or for no email at all.
func TestEmailProblem(t *testing.T) {
	for _, tt := range []struct{ email, want string }{
		{"", ""},
		{"Pat@Home.com", ""},
		{"lost\xff@home.com", ""}, // invalid UTF-8 kept: a key of its bytes
		{"lost\uFFFD@home.com", "the email holds U+FFFD"},
		{" \uFFFD@home.com ", "the email holds U+FFFD"},
		{"n/a", "not an email address"},
		{"\uFFFD", "not an email address"},
		{"   ", "not an email address"},
	} {
		if got := EmailProblem(tt.email); !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
			t.Errorf("EmailProblem(%q) = %q, want %q…", tt.email, got, tt.want)
		}
	}
}
