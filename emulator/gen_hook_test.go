package emulator_test

import (
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

// gen imports emulator, so emulator's own tests reach the generator through
// this hook, set before any test runs.
func init() {
	emulator.GenerateForTest = func(users int, seed int64) *emulator.Tenant {
		return gen.Generate(gen.GenOptions{Users: users, Seed: seed})
	}
}
