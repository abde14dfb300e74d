//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package audit

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Every file is asked for 0600 and every directory 0700: with umask 0 the
// modes must be exactly that. (A umask can only remove bits; the other test
// checks that nothing beyond 0600/0700 appears under the usual umask.)
func TestPermissionsUmaskZero(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	checkPermissions(t, func(mode, want fs.FileMode) bool { return mode == want })
}

func TestPermissionsUsualUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	checkPermissions(t, func(mode, want fs.FileMode) bool { return mode&^want == 0 })
}

func checkPermissions(t *testing.T, ok func(mode, want fs.FileMode) bool) {
	t.Helper()
	root := t.TempDir()
	logPath := filepath.Join(root, "state", "linkdesk", "audit.log")
	l, err := OpenLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(Record{Action: "delete", Phase: PhaseAttempt, OpID: "1"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	b, err := OpenBackups(filepath.Join(root, "backups", "deep"))
	if err != nil {
		t.Fatal(err)
	}
	backup, _, err := b.Write("delete", map[string]json.RawMessage{"auth0|1": json.RawMessage(`{"user_id":"auth0|1"}`)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	journalPath := filepath.Join(root, "journals", "j1.jsonl")
	j, err := OpenJournal(journalPath, "p", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	for path, want := range map[string]fs.FileMode{
		filepath.Join(root, "state"): 0o700, filepath.Dir(logPath): 0o700, logPath: 0o600,
		filepath.Join(root, "backups"): 0o700, b.Dir(): 0o700, backup: 0o600,
		filepath.Dir(journalPath): 0o700, journalPath: 0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); !ok(mode, want) {
			t.Errorf("%s: mode %o, want %o", path, mode, want)
		}
	}
}
