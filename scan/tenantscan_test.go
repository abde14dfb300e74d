package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
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
