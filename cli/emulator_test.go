package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// A --fixture path that is no file says why (a directory, no such file),
// not that the file is no fixture: a mistyped path sent the operator
// looking for a fault in a file that was never read.
func TestAFixtureThatIsNoFileSaysWhy(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{dir, "read " + dir + ": is a directory"},
		{filepath.Join(dir, "missing.json"), "open " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
	} {
		for _, args := range [][]string{{"emulator", "--fixture", tc.path}, {"scan", "--demo", "--fixture", tc.path}} {
			r := runCmd(t, nil, args...)
			if r.code != exitUsage || !strings.Contains(r.errOut, tc.want) || strings.Contains(r.errOut, "not a fixture") {
				t.Errorf("%v: exit %d, want %q:\n%s", args, r.code, tc.want, r.errOut)
			}
		}
	}
}

// A --dump or --cert-out file in a directory that does not exist is a usage
// error when the sandbox starts: the dump failed only when it stopped, after
// the run it was to record.
func TestEmulatorFilesInAMissingDirectoryAreRefusedAtStart(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent")
	for _, args := range [][]string{
		{"emulator", "--users", "1", "--addr", "127.0.0.1:0", "--dump", filepath.Join(missing, "dump.json")},
		{"emulator", "--users", "1", "--addr", "127.0.0.1:0", "--tls", "--cert-out", filepath.Join(missing, "sandbox.pem")},
	} {
		r := runBounded(t, nil, args...)
		if want := "the directory " + missing + " does not exist"; r.code != exitUsage || !strings.Contains(r.errOut, want) || r.out != "" {
			t.Errorf("%v: exit %d, want %q:\n%s%s", args, r.code, want, r.out, r.errOut)
		}
	}
}
