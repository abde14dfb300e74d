// Package emulatortest starts sandbox tenants for tests.
package emulatortest

import (
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// Start serves a sandbox tenant with opts on 127.0.0.1 (plain HTTP) until
// the test ends, and returns it with its base URL.
func Start(tb testing.TB, opts emulator.Options) (*emulator.Server, string) {
	tb.Helper()
	s, err := emulator.New(opts)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		s.Close()
		tb.Fatalf("emulator: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, base
}
