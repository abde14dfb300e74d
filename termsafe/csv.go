package termsafe

import "strings"

// CSVCell makes a tenant string safe in a CSV cell. What a terminal would
// act on (escape sequences, control and bidi characters, invalid UTF-8)
// becomes U+FFFD, as in the table. A cell a spreadsheet would read as a
// formula (one starting with = + - or @, OWASP's CSV injection) gets a
// leading ', which spreadsheets show and never compute: a phone number or a
// username such as +1-2 is text too, never a number or its sum (-1).
func CSVCell(s string) string {
	s = Printable(s)
	if s == "" || !strings.ContainsRune("=+-@", rune(s[0])) {
		return s
	}
	return "'" + s
}
