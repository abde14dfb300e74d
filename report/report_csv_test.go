package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

func TestWriteCSVNeutralisesEveryTenantCell(t *testing.T) {
	a := &linking.Account{UserID: "auth0|=1+1", Connection: "@conn", Provider: "auth0", Strategy: "auth0",
		Identifier: linking.PrimaryIdentifier{Type: "phone_number", Value: "+14155550100"}, Email: "-x@y.z",
		Linked: []linking.Identity{{Provider: "=p", UserID: "1", Connection: "c"}}}
	r := &linking.Report{Groups: []*linking.Group{{Email: "=evil@x", Class: linking.ClassLinkCandidate, Accounts: []*linking.Account{a}}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %q", err, rows)
	}
	for i, cell := range rows[1] {
		if cell != "" && (cell[0] == '=' || cell[0] == '@' || cell[0] == '-' || cell[0] == '+') {
			t.Errorf("column %s: %q would run as a formula", rows[0][i], cell)
		}
	}
	if rows[1][9] != "'+14155550100" || rows[1][0] != "'=evil@x" {
		t.Errorf("row %q", rows[1])
	}
}

// An email scan that finds one account alone on the address reports it in
// every format: the CSV had the header alone where the table and the JSON
// (single_accounts) showed the account. Its row's class is "alone".
func TestAnAccountAloneOnItsEmailHasACSVRow(t *testing.T) {
	a := &linking.Account{UserID: "auth0|1", Connection: "Username-Password-Authentication", Email: "Francois_Hill@icloud.com",
		Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: "Francois_Hill@icloud.com"}}
	var b bytes.Buffer
	if err := WriteCSV(&b, &linking.Report{Email: "francois_hill@icloud.com", Single: []*linking.Account{a}}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v: %q", err, rows)
	}
	col := func(name string) string { return rows[1][slices.Index(csvHeader, name)] }
	if col("group_email") != "francois_hill@icloud.com" || col("class") != "alone" || col("user_id") != "auth0|1" || col("recommended") != "false" {
		t.Errorf("the account alone: %q", rows[1])
	}
}

// The CSV is written by appendCSVRecord, on every CPU; it must be what
// encoding/csv writes, byte for byte, whatever a tenant string holds.
func FuzzCSVRecordIsEncodingCSVs(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b", `say "hi"`, "line\nbreak", "cr\rhere", " lead", "\tlead", "\u00a0nbsp", `\.`, `\.x`, "'=1", "\xff\xfe", "é,", "\u2028"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write([]string{a, b, a}); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		if got := appendCSVRecord(nil, []string{a, b, a}); string(got) != want.String() {
			t.Errorf("%q: got %q, encoding/csv %q", []string{a, b, a}, got, want.String())
		}
	})
}

func TestCSVHeaderHasARowsColumns(t *testing.T) {
	if len(csvHeader) != csvColumns {
		t.Fatalf("csvHeader has %d columns, rows %d", len(csvHeader), csvColumns)
	}
}
