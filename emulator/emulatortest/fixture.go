package emulatortest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// Fixtures every package's tests share, in emulator/testdata.
const (
	// Tenant is the classification fixture: every class, Flexible
	// Identifiers, Non-Unique Email and legacy connections, linked users.
	Tenant = "tenant.json"
	// Small is the executor's fixture: the accounts the write tests act on.
	Small = "small.json"
	// Hostile holds strings a terminal or a spreadsheet would act on.
	Hostile = "hostile.json"
)

// Path returns the path of a fixture: a bare name is looked up in
// emulator/testdata, anything with a slash is taken as it is.
func Path(name string) string {
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		return name
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", name)
}

// Fixture loads a fixture tenant (see Path) through the emulator's own
// fixture reader, the one every sandbox tenant is loaded with; each call
// reads the file again, so the caller may change what it gets.
func Fixture(tb testing.TB, name string) *emulator.Tenant {
	tb.Helper()
	t, err := emulator.LoadFixture(Path(name))
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return t
}

// ExportLines are the tenant's users as a users export holds them: one
// compact JSON object a line, in the tenant's order.
func ExportLines(t *emulator.Tenant) [][]byte {
	out := make([][]byte, len(t.Users))
	for i, u := range t.Users {
		out[i] = u.AppendJSON(nil)
	}
	return out
}

// Export is ExportLines as one NDJSON file.
func Export(t *emulator.Tenant) []byte {
	return append(bytes.Join(ExportLines(t), []byte("\n")), '\n')
}

// ConnectionsJSON is the tenant's connections as GET /api/v2/connections
// answers them (a JSON array), for decoding into a package's own types.
func ConnectionsJSON(tb testing.TB, t *emulator.Tenant) []byte {
	tb.Helper()
	data, err := json.Marshal(t.Connections)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Connections are the tenant's connections as linkdesk's client reads them
// from GET /api/v2/connections.
func Connections(tb testing.TB, t *emulator.Tenant) []client.Connection {
	tb.Helper()
	var list []client.Connection
	if err := json.Unmarshal(ConnectionsJSON(tb, t), &list); err != nil {
		tb.Fatal(err)
	}
	return list
}

// Users are the tenant's users as linkdesk's client decodes them, read
// from the export lines (see ExportLines), in the tenant's order.
func Users(tb testing.TB, t *emulator.Tenant) []client.User {
	tb.Helper()
	lines := ExportLines(t)
	out := make([]client.User, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &out[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
