package linking

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeEmail returns the key accounts are grouped by: the address
// trimmed of surrounding white space and case-folded as a whole (Auth0
// database connections store lower case, social ones keep the IdP's case;
// the domain is never case-sensitive, and local parts differing only in case
// are treated as one person). A letter outside ASCII never folds into an
// ASCII one (the KELVIN SIGN into k, the long s into s): such an address
// only looks like the ASCII one, and is another mailbox. It returns "" when
// s is not an address: no '@' with something on both sides of it, or a
// U+FFFD REPLACEMENT CHARACTER in it (a character lost when the address was
// decoded, as two lone surrogates are: two mailboxes would get one key).
// Invalid UTF-8 bytes are kept as they are. An address that is already
// normalized is returned without copying.
func NormalizeEmail(s string) string {
	if isNormalASCII(s) {
		return s
	}
	s = strings.TrimSpace(s)
	if !looksLikeAddress(s) || strings.Contains(s, "\uFFFD") {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(c) // kept as is: the tenant's bytes, not ours to repair
		} else {
			b.WriteRune(foldRune(r))
		}
		i += size
	}
	return b.String()
}

// EmailProblem says why s, an email an account holds, gives no key to group
// by (NormalizeEmail returns ""): "" when it gives one, or when s is empty
// (no email at all).
func EmailProblem(s string) string {
	if s == "" || NormalizeEmail(s) != "" {
		return ""
	}
	if t := strings.TrimSpace(s); looksLikeAddress(t) && strings.Contains(t, "\uFFFD") {
		return "the email holds U+FFFD, a character lost before the export was written (invalid UTF-8, or a lone surrogate): addresses that lost different characters read alike, so it is grouped with no other"
	}
	return "not an email address: no @ with something on both sides of it"
}

// isNormalASCII is the fast path: printable ASCII without upper case and
// without surrounding space, shaped like an address.
func isNormalASCII(s string) bool {
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return looksLikeAddress(s)
}

func looksLikeAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// foldRune maps every rune of a simple case-folding orbit to one member:
// the lower case of the upper case of the orbit's smallest rune (the letter
// a word is written with: ι for Ι, ͅ and ι, μ for Μ and the micro sign), so
// that the key reads in lower case and EqualFold-equal strings get equal
// keys; except that a rune outside ASCII whose orbit holds an ASCII letter
// (K, k and the KELVIN SIGN; S, s and the long s) stays itself: a
// look-alike, not a case.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if least < utf8.RuneSelf {
		return r
	}
	for _, l := range []rune{unicode.ToLower(unicode.ToUpper(least)), unicode.ToLower(least)} {
		if inOrbit(l, least) {
			return l
		}
	}
	return least
}

func inOrbit(r, of rune) bool {
	if r == of {
		return true
	}
	for f := unicode.SimpleFold(of); f != of; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}
