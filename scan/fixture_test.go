package scan

import (
	"bytes"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
)

// fixture is a fixture tenant (ARCHITECTURE.md, "Contracts") as the scan's tests use it.
type fixture struct{ t *emulator.Tenant }

func loadFixture(tb testing.TB, name string) fixture {
	tb.Helper()
	return fixture{emulatortest.Fixture(tb, name)}
}

// connections are the tenant's connections as the client reads them.
func (f fixture) connections(tb testing.TB) *linking.Connections {
	tb.Helper()
	return linking.ConnectionsFromClient(emulatortest.Connections(tb, f.t))
}

// export is the fixture's users as an NDJSON export file.
func (f fixture) export() []byte { return emulatortest.Export(f.t) }

// lines are the fixture's users, one export line each.
func (f fixture) lines() [][]byte { return emulatortest.ExportLines(f.t) }

// scanExport scans the fixture as an export file.
func (f fixture) scanExport(tb testing.TB, conns *linking.Connections, opts Options) *linking.Report {
	tb.Helper()
	s := New(conns, opts)
	if err := s.ReadExport(bytes.NewReader(f.export())); err != nil {
		tb.Fatal(err)
	}
	return s.Report(linking.ReportMeta{Tenant: "fixture.example", Method: linking.MethodFile})
}

func groupByEmail(r *linking.Report) map[string]*linking.Group {
	m := map[string]*linking.Group{}
	for _, g := range r.Groups {
		m[g.Email] = g
	}
	return m
}

func userIDsOf(g *linking.Group) []string {
	out := make([]string, len(g.Accounts))
	for i, a := range g.Accounts {
		out[i] = a.UserID
	}
	return out
}

func reportJSON(tb testing.TB, r *linking.Report) string {
	tb.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
