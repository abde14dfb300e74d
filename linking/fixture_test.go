package linking

import (
	"encoding/json"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// fixture is a fixture tenant (ARCHITECTURE.md, "Contracts") as linking's tests use it.
type fixture struct{ t *emulator.Tenant }

func loadFixture(tb testing.TB, name string) fixture {
	tb.Helper()
	return fixture{emulatortest.Fixture(tb, name)}
}

// connections are the tenant's connections as the client reads them.
func (f fixture) connections(tb testing.TB) *Connections {
	tb.Helper()
	return ConnectionsFromClient(emulatortest.Connections(tb, f.t))
}

// users decodes the fixture's users the way the client does.
func (f fixture) users(tb testing.TB) []client.User {
	tb.Helper()
	lines := emulatortest.ExportLines(f.t)
	out := make([]client.User, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &out[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
