//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package audit

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// A log, a journal or a lock that exists already open to other users (made
// by hand, or by an older build) is made 0600 as it is opened, before a
// record goes into it, and the log and journal say so once: opened again,
// they are private and say nothing.
func TestOpenTightensAnExistingFileOpenToOthers(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	loose := func(name string, mode fs.FileMode, data string) string {
		t.Helper()
		path := filepath.Join(root, name)
		if err := os.WriteFile(path, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	checkMode := func(path string) {
		t.Helper()
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %04o after the open, want 0600", path, mode)
		}
	}
	logPath := loose("audit.log", 0o644, "")
	l, err := OpenLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Tightened(); !strings.Contains(got, logPath+" was mode 0644, which let other users read it: made it 0600") {
		t.Errorf("Tightened: %q", got)
	}
	checkMode(logPath)
	if err := l.Append(Record{Action: "delete", Phase: PhaseAttempt, OpID: "1"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if l, err = OpenLog(logPath); err != nil {
		t.Fatal(err)
	} else if got := l.Tightened(); got != "" {
		t.Errorf("opened again, Tightened: %q", got)
	}
	l.Close()

	journalPath := loose("j.journal", 0o666, "")
	j, err := OpenJournal(journalPath, "p", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Tightened(); !strings.Contains(got, "was mode 0666, which let other users read and write it: made it 0600") {
		t.Errorf("journal Tightened: %q", got)
	}
	j.Close()
	checkMode(journalPath)
	if j, err = OpenJournal(journalPath, "p", []string{"a"}); err != nil {
		t.Fatal(err)
	} else if got := j.Tightened(); got != "" {
		t.Errorf("journal opened again, Tightened: %q", got)
	}
	j.Close()

	lockPath := loose("p.lock", 0o640, "")
	lock, err := LockPlan(lockPath, journalPath)
	if err != nil {
		t.Fatal(err)
	}
	lock.Release()
	checkMode(lockPath)
	gatePath := loose("gate", 0o604, "")
	g, err := EnterGate(t.Context(), gatePath)
	if err != nil {
		t.Fatal(err)
	}
	g.Leave()
	checkMode(gatePath)
}

// A log open to others whose mode cannot be changed (another user's file,
// where chmod answers EPERM) is refused: nothing is read from it or
// appended to it, and the error says what to do.
func TestOpenRefusesAFileOpenToOthersItCannotTighten(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	chmod := chmodFile
	chmodFile = func(*os.File, fs.FileMode) error { return syscall.EPERM }
	defer func() { chmodFile = chmod }()
	root := t.TempDir()
	logPath := filepath.Join(root, "audit.log")
	torn := `{"time":"2026-01-01T00:00:00Z","action":"link","phase":"attempt","op_id":"x"`
	if err := os.WriteFile(logPath, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLog(logPath)
	if err == nil {
		l.Close()
		t.Fatal("a log open to others that cannot be made 0600 was opened")
	}
	for _, want := range []string{logPath + " is mode 0644, which lets other users read it", "could not be made 0600", "operation not permitted", "make it 0600 as its owner, or use a file of your own"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if data, _ := os.ReadFile(logPath); string(data) != torn {
		t.Errorf("the refused log was changed: %q", data)
	}
	journalPath := filepath.Join(root, "j.journal")
	if err := os.WriteFile(journalPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if j, err := OpenJournal(journalPath, "p", []string{"a"}); err == nil {
		j.Close()
		t.Fatal("a journal open to others that cannot be made 0600 was opened")
	}
	if data, _ := os.ReadFile(journalPath); len(data) != 0 {
		t.Errorf("the refused journal was written: %q", data)
	}
}

// A path that is no regular file (a device such as /dev/null, a named pipe,
// a directory) is refused as an audit log, a journal or a lock, and as a
// file written whole (a plan, a backup): opened, its mode was made 0600 (a
// tester's --audit-log /dev/full); renamed over, it was replaced by a file
// (`plan --out /dev/null` run as root left /dev/null a regular file).
func TestAPathThatIsNoRegularFileIsRefusedAndLeftAsItWas(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Skip("no named pipe here:", err)
	}
	os.Chmod(fifo, 0o666)
	sub := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, sub} {
		before, _ := os.Stat(path)
		opens := map[string]func() error{
			"OpenLog":          func() error { l, err := OpenLog(path); closeIf(l); return err },
			"OpenJournal":      func() error { j, err := OpenJournal(path, "plan-x", []string{"op1.link"}); closeIf(j); return err },
			"WritePrivateFile": func() error { return WritePrivateFile(path, []byte("{}\n")) },
		}
		for name, open := range opens {
			err := open()
			if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
				t.Errorf("%s(%s): %v, want a refusal that says it is not a regular file", name, filepath.Base(path), err)
			}
			after, serr := os.Stat(path)
			if serr != nil || after.Mode() != before.Mode() {
				t.Errorf("%s(%s) changed it: %v, was %v (%v)", name, filepath.Base(path), after.Mode(), before.Mode(), serr)
			}
		}
	}
}

func closeIf[T interface{ Close() error }](c T) {
	if any(c) != nil && !reflect.ValueOf(c).IsNil() {
		c.Close()
	}
}
