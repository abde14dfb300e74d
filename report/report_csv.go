package report

import (
	"cmp"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

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
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	row := make([]string, len(csvHeader))
	write := func(email, class, missed, recommended string, a *linking.Account, named linking.PrimaryIdentifier) error {
		row = append(row[:0],
			email, class, missed, recommended,
			a.UserID, a.Connection, a.Provider, a.Strategy,
			a.Identifier.Type, a.Identifier.Value,
			a.Email, strconv.FormatBool(a.EmailVerified), strconv.FormatInt(a.LoginsCount, 10),
			csvTime(a.LastLogin), csvTime(a.CreatedAt), linkedList(a.Linked),
			strconv.FormatBool(a.Blocked),
			named.Type, named.Value, a.Username, a.PhoneNumber,
		)
		for i := range row {
			row[i] = termsafe.CSVCell(row[i])
		}
		return cw.Write(row)
	}
	for _, g := range r.Groups {
		names := linking.NamedBy(g)
		for i, a := range g.Accounts {
			recommended := strconv.FormatBool(g.RecommendedPrimary != "" && a.UserID == g.RecommendedPrimary)
			if err := write(g.Email, string(g.Class), strconv.FormatBool(g.MissedByExtension), recommended, a, nameOf(names, i, a)); err != nil {
				return err
			}
		}
	}
	// An email scan's account alone on its address (JSON's single_accounts):
	// class "alone", no group to be missed or recommended in.
	for _, a := range r.Single {
		email := linking.NormalizeEmail(cmp.Or(r.Email, a.Email))
		if err := write(email, classAlone, "false", "false", a, a.Identifier); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
