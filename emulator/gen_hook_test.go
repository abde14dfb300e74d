package emulator_test

import (
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

// gen and emulatortest import emulator, so emulator's own tests reach the
// generator and the shared token helper through these hooks, set before any
// test runs.
func init() {
	emulator.GenerateForTest = func(users int, seed int64) *emulator.Tenant {
		return gen.Generate(gen.GenOptions{Users: users, Seed: seed})
	}
	emulator.TokenForTest = emulatortest.Token
}
