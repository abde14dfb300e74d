package linking

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCSVCellsRunNothingInASpreadsheetOrATerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"\t=1+1", "\uFFFD=1+1"}, // a leading tab or CR cannot hide a formula: it is replaced
		{"\r=1+1", "\uFFFD=1+1"},
		{"+14155550100", "+14155550100"}, // phone numbers stay readable
		{"+1 (415) 555-0100", "+1 (415) 555-0100"},
		{"+1 415 555 0100 ext=2", "'+1 415 555 0100 ext=2"},
		{"+", "'+"},
		{"Eve\x1b[2J\u202enimda", "Eve\uFFFD[2J\uFFFDnimda"},
		{"a\xffb", "a\uFFFDb"},
		{"Zoë 山田", "Zoë 山田"},
		{"", ""},
	} {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteCSVNeutralisesEveryTenantCell(t *testing.T) {
	a := &Account{UserID: "auth0|=1+1", Connection: "@conn", Provider: "auth0", Strategy: "auth0",
		Identifier: PrimaryIdentifier{Type: "phone_number", Value: "+14155550100"}, Email: "-x@y.z",
		Linked: []Identity{{Provider: "=p", UserID: "1", Connection: "c"}}}
	r := &Report{Groups: []*Group{{Email: "=evil@x", Class: ClassLinkCandidate, Accounts: []*Account{a}}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %q", err, rows)
	}
	for i, cell := range rows[1] {
		if cell != "" && (cell[0] == '=' || cell[0] == '@' || cell[0] == '-' || cell[0] == '+' && cell != "+14155550100") {
			t.Errorf("column %s: %q would run as a formula", rows[0][i], cell)
		}
	}
	if rows[1][9] != "+14155550100" || rows[1][0] != "'=evil@x" {
		t.Errorf("row %q", rows[1])
	}
}
