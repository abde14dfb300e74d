package linking

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{
	"group_email", "class", "missed_by_extension", "recommended",
	"user_id", "connection", "provider", "strategy",
	"primary_identifier_type", "primary_identifier_value",
	"email", "email_verified", "logins_count", "last_login", "created_at",
	"linked_identities",
}

// WriteCSV writes one row per account of each group, with the group's
// normalized email, class and missed_by_extension, and whether the account is
// the recommended primary. An account in several groups has a row in each.
// linked_identities lists provider|user_id (connection) separated by "; ".
// The CSV is for people (a spreadsheet, a terminal): tenant strings go
// through csvCell; --json is the exact form.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	row := make([]string, len(csvHeader))
	for _, g := range r.Groups {
		for _, a := range g.Accounts {
			row = append(row[:0],
				g.Email, string(g.Class), strconv.FormatBool(g.MissedByExtension),
				strconv.FormatBool(g.RecommendedPrimary != "" && a.UserID == g.RecommendedPrimary),
				a.UserID, a.Connection, a.Provider, a.Strategy,
				a.Identifier.Type, a.Identifier.Value,
				a.Email, strconv.FormatBool(a.EmailVerified), strconv.FormatInt(a.LoginsCount, 10),
				csvTime(a.LastLogin), csvTime(a.CreatedAt), linkedList(a.Linked),
			)
			for i := range row {
				row[i] = csvCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(auth0Time)
}

func linkedList(ids []Identity) string {
	parts := make([]string, len(ids))
	for i, l := range ids {
		parts[i] = l.Provider + "|" + l.UserID + " (" + l.Connection + ")"
	}
	return strings.Join(parts, "; ")
}

// csvCell makes a tenant string safe in a CSV cell. What a terminal would
// act on (escape sequences, control and bidi characters, invalid UTF-8)
// becomes U+FFFD, as in the table. A cell a spreadsheet would run as a
// formula (one starting with = + - or @, OWASP's CSV injection) gets a
// leading ', which spreadsheets show and never run; a phone number
// (+14155550100, +1 (415) 555-0100) stays as it is: digits and those
// signs make no formula that can call anything.
func csvCell(s string) string {
	s = printable(s)
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
