package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
)

// trickyLines are lines a real export may hold, each valid JSON.
var trickyLines = []string{
	`{"user_id":"auth0|1","email":"a@b.com","email_verified":true}`,
	`{"email_verified":"true","email":"a@b.com","user_id":"auth0|1"}`,
	`{"user_id":"auth0|1","email_verified":"false","email":"A@B.com"}`,
	`{"user_id":"auth0|1","email_verified":"TRUE"}`,
	`{"user_id":"auth0|1","email_verified":null,"email":null,"name":null,"identities":null}`,
	"  {\t\"user_id\" : \"auth0|1\" ,\r\n \"email\" : \"a@b.com\" }  \r",
	`{"user_id":"auth0|\u00e9\u0041","email":"J\u00f6rg@b.com","name":"\ud83d\ude00 smile \"quoted\" \\ back\/slash \b\f\n\r\t"}`,
	`{"user_id":"auth0|1","name":"lone \ud83d high, lone \ude00 low, \ud83d\u0041 pair broken"}`,
	"{\"user_id\":\"auth0|1\",\"email\":\"bad\xffutf8@b.com\",\"name\":\"\xed\xa0\x80 surrogate bytes\"}",
	`{"user_id":"auth0|1","email":"first@b.com","email":"second@b.com","email_verified":false,"email_verified":true}`,
	`{"user_id":"auth0|1","\u0065mail":"escaped-key@b.com"}`,
	`{"user_id":"auth0|1","Email":"wrong-case-key@b.com"}`,
	`{"user_id":"auth0|1","logins_count":12,"last_login":"2024-05-01T10:00:00.123Z","created_at":"2021-03-02T09:00:00+02:00"}`,
	`{"user_id":"auth0|1","logins_count":"7","last_login":"yesterday","created_at":12}`,
	`{"user_id":"auth0|1","logins_count":1e2}`,
	`{"user_id":"auth0|1","identities":[{"connection":"google-oauth2","provider":"google-oauth2","user_id":109876543210987654321,"isSocial":true}]}`,
	`{"identities":[{"provider":"github","user_id":-12.5e3,"connection":"github","isSocial":"true"}],"email":"x@y.com"}`,
	`{"user_id":"auth0|1","identities":[{"connection":"db","provider":"auth0","user_id":"1"},{"connection":"google-oauth2","provider":"google-oauth2","user_id":"2","isSocial":true,"profileData":{"email":"Second@Y.com","email_verified":"true","name":"N","username":"u","phone_number":"+1","extra":{"deep":[[[]]]}}}]}`,
	`{"user_id":"auth0|1","identities":[1,"two",{"connection":"db","provider":"auth0","user_id":"1"},[],{"connection":"gh","provider":"github","user_id":3,"profileData":null}]}`,
	`{"user_id":"auth0|1","identities":[],"identities":[{"connection":"db","provider":"auth0","user_id":"9"}]}`,
	`{"user_id":"auth0|1","user_metadata":{"a":"}]\"{[","b":[1,2,{"c":"\\"}],"d":{}},"app_metadata":{"roles":["admin"],"n":-1.5e-3,"t":true,"f":false,"z":null}}`,
	`{"user_id":"auth0|1","email":"a@b.com","blocked":true,"multifactor":["guardian"],"last_ip":"10.0.0.1","n":0,"neg":-0.0}`,
	`{"user_id":12345678901234567890123,"email":5,"username":false,"phone_number":{"a":1},"name":["x"]}`,
	`{}`,
	`{"user_id":"","identities":[{"connection":"db","provider":"auth0","user_id":"fallback"}]}`,
}

// oracle decodes a line the way the API path does: encoding/json through
// client.User, then AccountFromUser.
func oracle(t testing.TB, line string, conns *linking.Connections) linking.Account {
	var u client.User
	if err := json.Unmarshal([]byte(line), &u); err != nil {
		t.Fatalf("oracle rejects %q: %v", line, err)
	}
	return linking.AccountFromUser(u, conns)
}

// asJSONStrings maps invalid UTF-8 the way encoding/json does (each bad byte
// becomes U+FFFD), so that our kept bytes compare with its strings.
func asJSONStrings(a linking.Account) linking.Account {
	fix := func(s *string) { *s = string([]rune(*s)) }
	for _, s := range []*string{&a.UserID, &a.Email, &a.Username, &a.PhoneNumber, &a.Name} {
		fix(s)
	}
	a.Linked = append([]linking.Identity(nil), a.Linked...)
	for i := range a.Linked {
		l := &a.Linked[i]
		for _, s := range []*string{&l.UserID, &l.Email, &l.Username, &l.PhoneNumber, &l.Name} {
			fix(s)
		}
	}
	return a
}

func TestDecodeExportLineAgreesWithClient(t *testing.T) {
	for _, line := range trickyLines {
		conns := linking.NewConnections()
		var got linking.Account
		if err := DecodeExportLine([]byte(line), &got, conns); err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		want := oracle(t, line, conns)
		if g := asJSONStrings(got); !reflect.DeepEqual(g, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", line, g, want)
		}
	}
}

func TestDecodeExportLineFields(t *testing.T) {
	tests := []struct {
		line  string
		check func(a linking.Account) bool
	}{
		{trickyLines[2], func(a linking.Account) bool { return a.Email == "A@B.com" && !a.EmailVerified }},
		{trickyLines[3], func(a linking.Account) bool { return a.EmailVerified }},
		{trickyLines[6], func(a linking.Account) bool {
			return a.UserID == "auth0|éA" && a.Email == "Jörg@b.com" && strings.HasPrefix(a.Name, "😀 smile \"quoted\" \\ back/slash \b\f\n\r\t")
		}},
		{trickyLines[7], func(a linking.Account) bool {
			return a.Name == "lone \uFFFD high, lone \uFFFD low, \uFFFDA pair broken"
		}},
		{trickyLines[8], func(a linking.Account) bool { return a.Email == "bad\xffutf8@b.com" }}, // kept as is
		{trickyLines[9], func(a linking.Account) bool { return a.Email == "second@b.com" && a.EmailVerified }},
		{trickyLines[10], func(a linking.Account) bool { return a.Email == "escaped-key@b.com" }},
		{trickyLines[11], func(a linking.Account) bool { return a.Email == "" }},
		{trickyLines[12], func(a linking.Account) bool {
			return a.LoginsCount == 12 && a.LastLogin.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)) &&
				a.CreatedAt.Equal(time.Date(2021, 3, 2, 7, 0, 0, 0, time.UTC))
		}},
		{trickyLines[13], func(a linking.Account) bool {
			return a.LoginsCount == 7 && a.LastLogin.IsZero() && a.CreatedAt.IsZero()
		}},
		{trickyLines[15], func(a linking.Account) bool {
			return a.Connection == "google-oauth2" && a.Provider == "google-oauth2" && a.Strategy == "google-oauth2"
		}},
		{trickyLines[16], func(a linking.Account) bool { return a.UserID == "github|-12.5e3" && a.Email == "x@y.com" }},
		{trickyLines[17], func(a linking.Account) bool {
			return len(a.Linked) == 1 && a.Linked[0] == linking.Identity{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "2",
				IsSocial: true, Email: "Second@Y.com", EmailVerified: true, Username: "u", PhoneNumber: "+1", Name: "N"}
		}},
		{trickyLines[18], func(a linking.Account) bool {
			return a.Connection == "db" && len(a.Linked) == 1 && a.Linked[0].UserID == "3" && a.Linked[0].Email == ""
		}},
		{trickyLines[19], func(a linking.Account) bool { return a.Connection == "db" && len(a.Linked) == 0 }},
		// A null entry is not an identity (client, by contrast, reads it as an empty one).
		{`{"user_id":"auth0|1","identities":[null,{"connection":"db","provider":"auth0","user_id":"1"}]}`, func(a linking.Account) bool {
			return a.Connection == "db" && len(a.Linked) == 0
		}},
		{trickyLines[22], func(a linking.Account) bool {
			return a.UserID == "12345678901234567890123" && a.Email == "5" && a.Username == "" && a.PhoneNumber == "" && a.Name == ""
		}},
		{trickyLines[24], func(a linking.Account) bool { return a.UserID == "auth0|fallback" }},
	}
	for _, tt := range tests {
		var a linking.Account
		if err := DecodeExportLine([]byte(tt.line), &a, nil); err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if !tt.check(a) {
			t.Errorf("%q: decoded %+v", tt.line, a)
		}
	}
}

func TestDecodeExportLineMalformed(t *testing.T) {
	tests := []struct {
		line string
		want string // in the error
	}{
		{``, "column 1: empty line"},
		{`   `, "empty line"},
		{`[1,2]`, `column 1: not a JSON object: starts with '['`},
		{`null`, "not a JSON object"},
		{`{"user_id":"auth0|1","email":"a@b.c`, "string not closed (line cut short?)"},
		{`{"user_id":"auth0|1","user_metadata":{"a":[1,2`, "line ends inside an object or array (cut short?)"},
		{`{"user_id":"auth0|1"`, "line ends where ',' or '}' after a value was expected (cut short?)"},
		{`{"user_id":"auth0|1",`, "line ends where a quoted key was expected"},
		{`{"user_id" "auth0|1"}`, `column 12: expected ':' after a key, found '"'`},
		{`{user_id:"x"}`, "expected a quoted key, found 'u'"},
		{`{"email":"a\qb"}`, `invalid escape \q in a string`},
		{`{"email":"a\u12G4"}`, `invalid \u escape`},
		{`{"email":tru}`, `invalid value "tru"`},
		{`{"blocked":nope}`, `invalid value "nope"`},
		{`{"user_metadata":{"a":[}]}`, `'}' closes a bracket it does not match`},
		{`{"user_id":"a"} {"user_id":"b"}`, "unexpected data after the user object"},
		{`{"user_id":"a",}`, "expected a quoted key, found '}'"},
		{`{"identities":[{"connection":"x"},]}`, "expected a value"},
		{`{"email":}`, "expected a value"},
		{"{\"email\":\"a@b.com\"\x00}", `expected ',' or '}' after a value, found '\x00'`},
	}
	for _, tt := range tests {
		a := linking.Account{UserID: "untouched"}
		err := DecodeExportLine([]byte(tt.line), &a, nil)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one containing %q", tt.line, err, tt.want)
		}
		if a.UserID != "untouched" {
			t.Errorf("%q: a failed decode changed the account: %+v", tt.line, a)
		}
	}
}

func TestReadExportSkipsAndCounts(t *testing.T) {
	cut := `{"user_id":"auth0|2","email":"A@b.com","email_verified":true,"identities":[{"connection":"db","provider":"auth0","user_id":"2"}]`
	export := strings.Join([]string{
		`{"user_id":"auth0|1","email":"a@b.com","email_verified":true,"identities":[{"connection":"db","provider":"auth0","user_id":"1"}]}`,
		``,
		cut,
		`not json at all`,
		"   \r",
		`{"user_id":"google-oauth2|3","email":"A@B.COM","email_verified":true,"identities":[{"connection":"google-oauth2","provider":"google-oauth2","user_id":"3","isSocial":true}]}` + "\r",
		`{"user_id":"sms|4","phone_number":"+1555","identities":[{"connection":"sms","provider":"sms","user_id":"4"}]}`,
		`{"email":"a@b.com","email_verified":true}`, // nothing names it: no user_id, no identity
		`{"user_id":"auth0|5","email":"a@b.com","identities":[{"connection":"other","provider":"auth0","user_id":"5"}]}`, // no newline at the end
	}, "\n")
	var seen []Counts
	s := New(nil, Options{Progress: func(p Counts) { seen = append(seen, p) }})
	if err := s.ReadExport(strings.NewReader(export)); err != nil {
		t.Fatal(err)
	}
	r := s.Report(linking.ReportMeta{Method: linking.MethodFile})
	if r.UsersScanned != 4 || r.AccountsWithEmail != 3 || r.SkippedLines != 3 {
		t.Errorf("users %d, with email %d, skipped %d; want 4, 3, 3", r.UsersScanned, r.AccountsWithEmail, r.SkippedLines)
	}
	wantErrs := []linking.LineError{
		{Line: 3, Error: fmt.Sprintf("column %d: line ends where ',' or '}' after a value was expected (cut short?)", len(cut)+1)},
		{Line: 4, Error: "column 1: not a JSON object: starts with 'n'"},
		{Line: 8, Error: "no user_id, and no identity with a provider and a user_id to name the account"},
	}
	if !reflect.DeepEqual(r.LineErrors, wantErrs) {
		t.Errorf("line errors %+v, want %+v", r.LineErrors, wantErrs)
	}
	if len(r.Groups) != 1 || len(r.Groups[0].Accounts) != 3 {
		t.Fatalf("groups %+v", r.Groups)
	}
	last := seen[len(seen)-1]
	if last.Lines != 9 || last.Users != 4 || last.Skipped != 3 || last.Bytes != int64(len(export))+1 {
		t.Errorf("last progress %+v", last)
	}
}

func TestReadExportLongLinesAndChunkEdges(t *testing.T) {
	big := strings.Repeat("x", 3*readChunkSize)
	var b strings.Builder
	n := 0
	for b.Len() < 3*readChunkSize {
		fmt.Fprintf(&b, `{"user_id":"auth0|%d","email":"u%d@x.com","identities":[{"connection":"db","provider":"auth0","user_id":"%d"}]}`+"\n", n, n%1000, n)
		n++
		if n == 5000 {
			fmt.Fprintf(&b, `{"user_id":"auth0|big","email":"u1@x.com","user_metadata":{"blob":%q}}`+"\n", big)
		}
	}
	s := New(nil, Options{})
	// Through a reader whose first read ends at an odd place.
	if err := s.ReadExport(io.MultiReader(strings.NewReader(b.String()[:777]), strings.NewReader(b.String()[777:]))); err != nil {
		t.Fatal(err)
	}
	r := s.Report(linking.ReportMeta{})
	if r.UsersScanned != n+1 || r.SkippedLines != 0 {
		t.Fatalf("users %d (want %d), skipped %d: %+v", r.UsersScanned, n+1, r.SkippedLines, r.LineErrors)
	}
	if len(r.Groups) != 1000 {
		t.Errorf("%d groups, want 1000", len(r.Groups))
	}
	if g := groupByEmail(r)["u1@x.com"]; g == nil || !strings.Contains(strings.Join(userIDsOf(g), " "), "auth0|big") {
		t.Errorf("the long line's user is not grouped")
	}
}

// failingReader returns its data, then an error instead of EOF.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadExportReaderError(t *testing.T) {
	lines := `{"user_id":"a|1","email":"x@y.com"}` + "\n" + `{"user_id":"b|2","email":"x@y.com"}` + "\n" + `{"user_id":"c|3","ema`
	boom := errors.New("unexpected EOF in gzip")
	s := New(nil, Options{})
	err := s.ReadExport(&failingReader{strings.NewReader(lines), boom})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "after line 2") {
		t.Fatalf("error %v", err)
	}
	if r := s.Report(linking.ReportMeta{}); r.UsersScanned != 2 || len(r.Groups) != 1 {
		t.Errorf("users %d, groups %d: complete lines before the error are scanned", r.UsersScanned, len(r.Groups))
	}
}

// A UTF-8 byte-order mark before the first line (a file saved by an
// editor on Windows) is skipped: the first user is scanned, not refused.
func TestReadExportSkipsALeadingByteOrderMark(t *testing.T) {
	export := "\uFEFF" + `{"user_id":"auth0|1","email":"a@b.com"}` + "\n" + `{"user_id":"google-oauth2|2","email":"A@b.com"}` + "\n"
	s := New(nil, Options{})
	if err := s.ReadExport(strings.NewReader(export)); err != nil {
		t.Fatal(err)
	}
	r := s.Report(linking.ReportMeta{})
	if r.UsersScanned != 2 || r.SkippedLines != 0 || len(r.Groups) != 1 {
		t.Errorf("users %d, skipped %d (%+v), groups %d; want 2, 0, 1", r.UsersScanned, r.SkippedLines, r.LineErrors, len(r.Groups))
	}
}

func TestStampParsing(t *testing.T) {
	for _, s := range []string{
		"2024-05-01T10:00:00.123Z", "2024-05-01T10:00:00Z", "2024-02-29T23:59:59.999999999Z",
		"2023-02-29T10:00:00.000Z", "2024-13-01T10:00:00.000Z", "2024-05-01T24:00:00.000Z",
		"2024-05-01T10:00:60.000Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00.0000000001Z",
		"2024-05-01T10:00:00+02:00", "2024-05-01 10:00:00Z", "1970-01-01T00:00:00.000Z",
		"1600-01-01T00:00:00.000Z", "2024-05-01T1a:00:00.000Z", "+024-05-01T10:00:00.000Z",
	} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got := parseStamp([]byte(s)).time()
		switch {
		case err != nil || want.Year() < 1678:
			if !got.IsZero() {
				t.Errorf("%s: %v, want unknown", s, got)
			}
		case want.Unix() == 0 && want.Nanosecond() == 0:
			if !got.Equal(want.Add(time.Nanosecond)) {
				t.Errorf("%s: %v, want the epoch plus 1ns", s, got)
			}
		case !got.Equal(want):
			t.Errorf("%s: %v, want %v", s, got, want)
		}
	}
}

func FuzzDecodeExportLine(f *testing.F) {
	for _, l := range trickyLines {
		f.Add([]byte(l))
	}
	fx := loadFixture(f, emulatortest.Tenant)
	for _, l := range fx.lines() {
		f.Add(l)
	}
	f.Add([]byte(`{"user_id":"auth0|1","email":"a@b.c`))
	f.Add([]byte(`{"a":[{"b":"\"}"}]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var a linking.Account
		err := DecodeExportLine(line, &a, nil)
		var m map[string]any
		trimmed := bytes.TrimLeft(line, " \t\r\n")
		if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(line, &m) != nil {
			return // encoding/json rejects it as an object: anything but a panic is fine
		}
		if err != nil {
			t.Fatalf("encoding/json accepts %q, DecodeExportLine: %v", line, err)
		}
		a = asJSONStrings(a)
		if v, ok := m["user_id"].(string); ok && v != "" && a.UserID != v {
			t.Errorf("user_id %q, encoding/json %q", a.UserID, v)
		}
		if v, ok := m["email"].(string); ok && a.Email != v {
			t.Errorf("email %q, encoding/json %q", a.Email, v)
		}
		want := false
		switch v := m["email_verified"].(type) {
		case bool:
			want = v
		case string:
			want = strings.EqualFold(v, "true")
		}
		if a.EmailVerified != want {
			t.Errorf("email_verified %v, encoding/json %#v", a.EmailVerified, m["email_verified"])
		}
	})
}
