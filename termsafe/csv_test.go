package termsafe

import "testing"

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
		{"+14155550100", "'+14155550100"}, // text, not the number 14155550100
		{"+1 (415) 555-0100", "'+1 (415) 555-0100"},
		{"+1-2", "'+1-2"}, // a username: text, not -1
		{"+1 415 555 0100 ext=2", "'+1 415 555 0100 ext=2"},
		{"+", "'+"},
		{"Eve\x1b[2J\u202enimda", "Eve\uFFFD[2J\uFFFDnimda"},
		{"a\xffb", "a\uFFFDb"},
		{"Zoë 山田", "Zoë 山田"},
		{"", ""},
	} {
		if got := CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
