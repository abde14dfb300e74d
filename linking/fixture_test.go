package linking

import (
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// fixtureConnections are the connections of a fixture tenant (ARCHITECTURE.md,
// "Contracts") as the client reads them.
func fixtureConnections(tb testing.TB, t *emulator.Tenant) *Connections {
	tb.Helper()
	return ConnectionsFromClient(emulatortest.Connections(tb, t))
}
