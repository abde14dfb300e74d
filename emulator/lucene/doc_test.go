package lucene

import (
	"strconv"
	"testing"
	"time"
)

// testUser is a document of text fields only, one value each.
type testUser map[Field]string

func (u testUser) Text(f Field, i int) (string, int)   { return u[f], 1 }
func (testUser) Time(Field) time.Time                  { return time.Time{} }
func (testUser) Number(Field) (float64, bool)          { return 0, false }
func (testUser) JSON(Field, string, int) ([]byte, int) { return nil, 0 }

// testEvent is a log event: a type, a date and raw members.
type testEvent struct {
	typ     string
	date    time.Time
	members map[string]string // raw JSON values
}

func (e testEvent) Text(f Field, i int) (string, int) {
	if f != FieldLogType {
		return "", 0
	}
	return e.typ, 1
}
func (e testEvent) Time(Field) time.Time       { return e.date }
func (testEvent) Number(Field) (float64, bool) { return 0, false }
func (e testEvent) JSON(_ Field, member string, i int) ([]byte, int) {
	v, ok := e.members[member]
	if !ok {
		return nil, 0
	}
	return []byte(v), 1
}

func TestParseQueryStructure(t *testing.T) {
	// Lucene's clause rules: "a -b" requires a and excludes b; a query of
	// exclusions only matches everyone else.
	q, err := parseQuery(`a -b`, Users)
	if err != nil {
		t.Fatal(err)
	}
	bq, ok := q.(*boolQuery)
	if !ok || len(bq.should) != 1 || len(bq.mustNot) != 1 {
		t.Fatalf("a -b parsed as %#v", q)
	}
	u := testUser{FieldUserID: "x|1", FieldName: "a"}
	if !q.match(u) {
		t.Error("a -b does not match a")
	}
	q, _ = parseQuery(`-name:b`, Users)
	if !q.match(u) {
		t.Error("-name:b does not match a user named a")
	}
}

func TestLogQueries(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	events := []testEvent{
		{"s", at("2024-05-01T10:00:00Z"), map[string]string{"user_id": `"auth0|1"`, "description": `""`}},
		{"ss", at("2024-05-02T10:00:00Z"), map[string]string{"user_id": `"auth0|2"`, "connection": `"Username-Password-Authentication"`}},
		{"sdu", at("2024-05-03T10:00:00Z"), map[string]string{"user_id": `"auth0|2"`, "connection": `null`}},
	}
	for _, tc := range []struct{ q, want string }{
		{`type:s`, "0"},
		{`type:"sdu"`, "2"},
		{`type:s*`, "0 1 2"},
		{`type:ss*`, "1"},
		{`type:S`, ""},
		{`type:(ss OR sdu)`, "1 2"},
		{`date:[2024-05-02 TO *]`, "1 2"},
		{`date:2024-05-01`, "0"},
		{`date:{2024-05-01 TO 2024-05-03}`, "1"},
		{`type:ss AND date:>=2024-05-02`, "1"},
		{`user_id:"auth0|2"`, "1 2"},
		{`connection:"Username-Password-Authentication"`, "1"},
		{`_exists_:connection`, "1"},
		{`NOT type:s`, "1 2"},
	} {
		q, err := Parse(tc.q, Logs)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		got := ""
		for i, e := range events {
			if q.Match(e) {
				if got != "" {
					got += " "
				}
				got += strconv.Itoa(i)
			}
		}
		if got != tc.want {
			t.Errorf("%s matches events %q, want %q", tc.q, got, tc.want)
		}
	}
	for _, q := range []string{`date:[yesterday TO now]`, `type:`, `(type:s`} {
		if _, err := Parse(q, Logs); err == nil {
			t.Errorf("%s parses", q)
		}
	}
}
