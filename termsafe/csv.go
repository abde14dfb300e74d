package termsafe

import "strings"

// CSVCell makes a tenant string safe in a CSV cell. What a terminal would
// act on (escape sequences, control and bidi characters, invalid UTF-8)
// becomes U+FFFD, as in the table. A cell a spreadsheet would run as a
// formula (one starting with = + - or @, OWASP's CSV injection) gets a
// leading ', which spreadsheets show and never run; a phone number
// (+14155550100, +1 (415) 555-0100) stays as it is: digits and those
// signs make no formula that can call anything.
func CSVCell(s string) string {
	s = Printable(s)
	if s == "" || !strings.ContainsRune("=+-@", rune(s[0])) || phoneNumber(s) {
		return s
	}
	return "'" + s
}

// phoneNumber reports whether s is + and then only digits and the signs
// phone numbers are written with, with at least one digit.
func phoneNumber(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	digits := 0
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return false
		}
	}
	return digits > 0
}
