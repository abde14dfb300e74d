package report

import (
	"bufio"
	"cmp"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{
	"group_email", "class", "missed_by_extension", "recommended",
	"user_id", "connection", "provider", "strategy",
	"primary_identifier_type", "primary_identifier_value",
	"email", "email_verified", "logins_count", "last_login", "created_at",
	"linked_identities", "blocked",
	"named_by_type", "named_by_value", "username", "phone_number",
}

// WriteCSV writes one row per account of each group, with the group's
// normalized email, class and missed_by_extension, and whether the account is
// the recommended primary. An account in several groups has a row in each;
// one an email scan found alone on its address has a row of class "alone".
// linked_identities lists provider|user_id (connection) separated by "; ".
// named_by is what names the account (linking.NamedBy): its primary
// identifier, or the username that tells one of a legacy database's
// profiles of one email apart.
// The CSV is for people (a spreadsheet, a terminal): tenant strings go
// through csvCell; --json is the exact form.
func WriteCSV(w io.Writer, r *linking.Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(appendCSVRecord(nil, csvHeader)); err != nil {
		return err
	}
	// Rows are encoded on every CPU, a batch of groups at a time, and
	// written in order (writeGroups), as the JSON is.
	err := writeGroups(bw, r.Groups, func(b []byte, _ int, g *linking.Group) []byte {
		names := linking.NamedBy(g)
		class, missed := string(g.Class), strconv.FormatBool(g.MissedByExtension)
		var row [csvColumns]string
		for i, a := range g.Accounts {
			recommended := strconv.FormatBool(g.RecommendedPrimary != "" && a.UserID == g.RecommendedPrimary)
			b = appendCSVRecord(b, csvRow(&row, g.Email, class, missed, recommended, a, nameOf(names, i, a)))
		}
		return b
	})
	if err != nil {
		return err
	}
	// An email scan's account alone on its address (JSON's single_accounts):
	// class "alone", no group to be missed or recommended in.
	var b []byte
	var row [csvColumns]string
	for _, a := range r.Single {
		email := linking.NormalizeEmail(cmp.Or(r.Email, a.Email))
		b = appendCSVRecord(b, csvRow(&row, email, classAlone, "false", "false", a, a.Identifier))
	}
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// csvColumns is how many columns a row has: csvHeader's.
const csvColumns = 21

// csvRow fills row with one account's cells, each through
// termsafe.CSVCell.
func csvRow(row *[csvColumns]string, email, class, missed, recommended string, a *linking.Account, named linking.PrimaryIdentifier) []string {
	*row = [csvColumns]string{
		email, class, missed, recommended,
		a.UserID, a.Connection, a.Provider, a.Strategy,
		a.Identifier.Type, a.Identifier.Value,
		a.Email, strconv.FormatBool(a.EmailVerified), strconv.FormatInt(a.LoginsCount, 10),
		csvTime(a.LastLogin), csvTime(a.CreatedAt), linkedList(a.Linked),
		strconv.FormatBool(a.Blocked),
		named.Type, named.Value, a.Username, a.PhoneNumber,
	}
	for i := range row {
		row[i] = termsafe.CSVCell(row[i])
	}
	return row[:]
}

// appendCSVRecord appends record as encoding/csv's Writer writes it (comma
// separated, "\n" line ends): a field is quoted when it holds a comma, a
// quote, a CR or LF, starts with white space, or is \. (csv_test.go holds
// the two to one another).
func appendCSVRecord(b []byte, record []string) []byte {
	for n, field := range record {
		if n > 0 {
			b = append(b, ',')
		}
		if !csvNeedsQuotes(field) {
			b = append(b, field...)
			continue
		}
		b = append(b, '"')
		for i := 0; i < len(field); i++ {
			if field[i] == '"' {
				b = append(b, '"')
			}
			b = append(b, field[i])
		}
		b = append(b, '"')
	}
	return append(b, '\n')
}

func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` || strings.ContainsAny(field, ",\"\r\n") {
		return true
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

// classAlone is the class column of an account an email scan found alone
// on its address.
const classAlone = "alone"

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(auth0Time)
}

func linkedList(ids []linking.Identity) string {
	parts := make([]string, len(ids))
	for i, l := range ids {
		parts[i] = l.Provider + "|" + l.UserID + " (" + l.Connection + ")"
	}
	return strings.Join(parts, "; ")
}
