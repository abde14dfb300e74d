package linking

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/linkdesk/linkdesk/client"
)

// fixture is a tenant in the fixture format of DESIGN.md.
type fixture struct {
	conns []client.Connection
	lines [][]byte // each user as one compact export line
}

func loadFixture(t testing.TB, path string) fixture {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Connections []client.Connection `json:"connections"`
		Users       []json.RawMessage   `json:"users"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f := fixture{conns: raw.Connections}
	for _, u := range raw.Users {
		var b bytes.Buffer
		if err := json.Compact(&b, u); err != nil {
			t.Fatal(err)
		}
		f.lines = append(f.lines, b.Bytes())
	}
	return f
}

func (f fixture) connections() *Connections { return ConnectionsFromClient(f.conns) }

// export is the fixture's users as an NDJSON export file.
func (f fixture) export() []byte { return append(bytes.Join(f.lines, []byte("\n")), '\n') }

// users decodes the fixture's users the way the client does.
func (f fixture) users(t testing.TB) []client.User {
	t.Helper()
	out := make([]client.User, len(f.lines))
	for i, l := range f.lines {
		if err := json.Unmarshal(l, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// scanExport scans the fixture as an export file.
func (f fixture) scanExport(t testing.TB, conns *Connections, opts ScanOptions) *Report {
	t.Helper()
	s := NewScanner(conns, opts)
	if err := s.ReadExport(bytes.NewReader(f.export())); err != nil {
		t.Fatal(err)
	}
	return s.Report(ReportMeta{Tenant: "fixture.example", Method: MethodFile})
}

func groupByEmail(r *Report) map[string]*Group {
	m := map[string]*Group{}
	for _, g := range r.Groups {
		m[g.Email] = g
	}
	return m
}

func userIDsOf(g *Group) []string {
	out := make([]string, len(g.Accounts))
	for i, a := range g.Accounts {
		out[i] = a.UserID
	}
	return out
}

func reportJSON(t testing.TB, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
