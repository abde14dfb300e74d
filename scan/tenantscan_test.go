package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// scanExportFile scans data as `scan --from-export` does: decompressed when
// gzip'd, then ExportFile.
func scanExportFile(t *testing.T, name string, data []byte) (usersScanned, skipped int, err error) {
	t.Helper()
	r, err := client.Decompress(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ExportFile(context.Background(), r, nil, Request{ExportName: name})
	if err != nil {
		if rep != nil {
			t.Errorf("%s: a report with the error %v", name, err)
		}
		return 0, 0, err
	}
	return rep.UsersScanned, rep.SkippedLines, nil
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A file of which not one line is a user is refused, with an error that
// says what the file looks like, instead of a report of 0 users scanned.
func TestExportFileRefusesAFileOfWhichNoLineIsAUser(t *testing.T) {
	const ndjson = "linkdesk reads the JSON (NDJSON) export format"
	for _, tt := range []struct {
		what, name string
		data       []byte
		want       string
	}{
		{"a gzip'd CSV export, as the export job makes with format csv", "users.csv.gz",
			gzipped(t, "user_id,email,email_verified,logins_count\nauth0|1,a@b.com,true,3\ngoogle-oauth2|2,A@b.com,true,1\n"),
			"users.csv.gz is a CSV export; " + ndjson},
		{"a CSV export of no users: its header alone", "empty.csv.gz", gzipped(t, "user_id,email\n"),
			"empty.csv.gz is a CSV export; " + ndjson},
		{"a CSV export with a byte-order mark and quoted names", "bom.csv", []byte("\uFEFF\"user_id\",\"email\"\r\n\"auth0|1\",\"a@b.com\"\r\n"),
			"bom.csv is a CSV export; " + ndjson},
		{"a JSON array on one line", "users.json", []byte(`[{"user_id":"auth0|1","email":"a@b.com"},{"user_id":"auth0|2","email":"a@b.com"}]` + "\n"),
			"users.json is a JSON array, not an export's one object per line; " + ndjson},
		{"a JSON array printed over lines", "pretty.json", []byte("[\n  {\n    \"user_id\": \"auth0|1\",\n    \"email\": \"a@b.com\"\n  }\n]\n"),
			"pretty.json is a JSON array, not an export's one object per line; " + ndjson},
		{"a JSON array of one object a line, the last of which reads as a user", "lines.json",
			[]byte("[\n" + `{"user_id":"auth0|1","email":"a@b.com"},` + "\n" + `{"user_id":"auth0|2","email":"a@b.com"}` + "\n]\n"),
			"lines.json is a JSON array, not an export's one object per line; " + ndjson},
		{"a JSON document over lines", "fixture.json", []byte("{\n  \"connections\": [],\n  \"users\": []\n}\n"),
			"fixture.json is one JSON document over several lines, not an export's one object per line; " + ndjson},
		{"not text", "users.zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00garbage\n"),
			"users.zip is not text (compressed twice, or not an export at all?); " + ndjson},
		{"JSON objects that name no user", "objects.json", []byte(`{"email":"a@b.com"}` + "\n" + `{"email":"c@d.com"}` + "\n"),
			"objects.json is not a users export: not one of its lines is a user; " + ndjson + ", one user object per line (line 1: no user_id"},
		{"an unnamed CSV", "", []byte("user_id,email\nauth0|1,a@b.com\n"),
			"the export file is a CSV export; " + ndjson},
	} {
		_, _, err := scanExportFile(t, tt.name, tt.data)
		if !errors.Is(err, ErrNotAnExport) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error\n%v\nwant one starting\n%s", tt.what, err, tt.want)
		}
	}
}

// An export of no line is a tenant with no user, and malformed lines
// among users are skipped and counted: neither is refused.
func TestExportFileReadsAnEmptyExportAndSkipsMalformedLinesAmongUsers(t *testing.T) {
	for _, tt := range []struct {
		what           string
		data           []byte
		users, skipped int
	}{
		{"an empty file", nil, 0, 0},
		{"an empty gzip'd export", gzipped(t, ""), 0, 0},
		{"blank lines and a byte-order mark", []byte("\uFEFF\n\r\n  \n"), 0, 0},
		{"a malformed line among users", []byte(`{"user_id":"auth0|1","email":"a@b.com"}` + "\nuser_id,email\n" + `{"user_id":"auth0|2"}` + "\n"), 2, 1},
		{"a byte-order mark before the first user", []byte("\uFEFF" + `{"user_id":"auth0|1","email":"a@b.com"}` + "\n"), 1, 0},
	} {
		users, skipped, err := scanExportFile(t, "users.json", tt.data)
		if err != nil || users != tt.users || skipped != tt.skipped {
			t.Errorf("%s: %d users, %d skipped, error %v; want %d, %d, none", tt.what, users, skipped, err, tt.users, tt.skipped)
		}
	}
}

// Every account that holds an email is accounted for in the report: in a
// group or alone among accounts_with_email, or, when its email gives no
// key to group by (it lost a character to U+FFFD, as invalid UTF-8 or a
// lone surrogate does on its way into JSON, or it is no address), among
// accounts_with_unusable_email, named with why. Invalid UTF-8
// bytes that reach the file as they are stay the tenant's bytes, grouped
// by them. Before, an account whose email had lost a character was
// counted in users_scanned only, as if it had no email (tester: `scan
// --from-export` of a line whose email held byte 0xff).
func TestEveryAccountWithAnEmailIsCountedSomewhere(t *testing.T) {
	line := func(id, email string) string {
		provider, uid, _ := strings.Cut(id, "|")
		s := `{"user_id":"` + id + `",`
		if email != "" {
			s += `"email":"` + email + `",`
		}
		return s + `"identities":[{"connection":"` + provider + `","provider":"` + provider + `","user_id":"` + uid + `"}]}` + "\n"
	}
	export := line("auth0|1", "pat@home.com") + line("google-oauth2|2", "PAT@home.com") +
		line("auth0|3", "lost\xff@home.com") + line("google-oauth2|4", "LOST\xff@home.com") + // bytes as they are: a group
		line("auth0|5", "\uFFFD@home.com") + // a character lost before the export
		line("auth0|6", `\udcff@home.com`) + // a lone surrogate: U+FFFD when decoded
		line("auth0|7", "n/a") + // no address
		line("auth0|8", "") + // no email at all
		`{"user_id":"sms|9","identities":[{"connection":"sms","provider":"sms","user_id":"9"},` +
		`{"connection":"github","provider":"github","user_id":"99","profileData":{"email":"\udcfe@home.com"}}]}` + "\n"
	for name, data := range map[string][]byte{"users.json": []byte(export), "users.json.gz": gzipped(t, export)} {
		r, err := client.Decompress(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ExportFile(t.Context(), r, nil, Request{ExportName: name})
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for _, g := range rep.Groups {
			groups = append(groups, g.Email)
		}
		if rep.UsersScanned != 9 || rep.AccountsWithEmail != 4 || rep.AccountsWithUnusableEmail != 4 || rep.SkippedLines != 0 ||
			strings.Join(groups, " ") != "lost\xff@home.com pat@home.com" {
			t.Errorf("%s: %d users, %d with an email, %d with an unusable one, %d skipped, groups %q; want 9, 4, 4, 0 and the groups of pat and lost\\xff",
				name, rep.UsersScanned, rep.AccountsWithEmail, rep.AccountsWithUnusableEmail, rep.SkippedLines, groups)
		}
		var got []string
		for _, e := range rep.UnusableEmails {
			got = append(got, fmt.Sprintf("%s %s: %.30s", e.UserID, e.Email, e.Error))
		}
		want := []string{
			"auth0|5 \uFFFD@home.com: the email holds U+FFFD, a char",
			"auth0|6 \uFFFD@home.com: the email holds U+FFFD, a char",
			"auth0|7 n/a: not an email address: no @ wit",
			"sms|9 \uFFFD@home.com: the email holds U+FFFD, a char",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: unusable emails\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// Read through the API (a search, an incremental scan), alike.
	s := New(nil, Options{})
	s.Add(linking.Account{UserID: "auth0|5", Connection: "Username-Password-Authentication", Provider: "auth0", Email: "\uFFFD@home.com"})
	s.Add(linking.Account{UserID: "auth0|8", Connection: "Username-Password-Authentication", Provider: "auth0"})
	rep := s.Report(linking.ReportMeta{})
	if rep.UsersScanned != 2 || rep.AccountsWithEmail != 0 || rep.AccountsWithUnusableEmail != 1 ||
		len(rep.UnusableEmails) != 1 || rep.UnusableEmails[0].UserID != "auth0|5" {
		t.Errorf("through the API: %d users, %d with an email, %d with an unusable one: %+v", rep.UsersScanned, rep.AccountsWithEmail, rep.AccountsWithUnusableEmail, rep.UnusableEmails)
	}
}

// The accounts named in unusable_emails are the first by user id, however
// many and in whatever order they were read: an incremental scan, which
// reads the changed users last, reports them as a full scan does.
func TestUnusableEmailsAreTheFirstByUserID(t *testing.T) {
	reports := make([]*linking.Report, 2)
	for k := range reports {
		s := New(nil, Options{})
		for i := range 250 {
			n := i
			if k == 1 {
				n = 249 - i
			}
			s.Add(linking.Account{UserID: fmt.Sprintf("auth0|%03d", n), Connection: "db", Provider: "auth0", Email: "n/a"})
		}
		reports[k] = s.Report(linking.ReportMeta{})
	}
	for k, rep := range reports {
		if rep.AccountsWithUnusableEmail != 250 || len(rep.UnusableEmails) != maxLineErrors ||
			rep.UnusableEmails[0].UserID != "auth0|000" || rep.UnusableEmails[maxLineErrors-1].UserID != fmt.Sprintf("auth0|%03d", maxLineErrors-1) {
			t.Errorf("read in order %d: %d, %d named, from %s to %s", k, rep.AccountsWithUnusableEmail, len(rep.UnusableEmails),
				rep.UnusableEmails[0].UserID, rep.UnusableEmails[len(rep.UnusableEmails)-1].UserID)
		}
	}
}
